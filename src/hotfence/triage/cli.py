"""`hotfence triage PATH... [-]`: find, title and explain every crash in kernel logs.

`hotfence triage --vmcore VMCORE --vmlinux VMLINUX`: the same for a crash dump, read
with drgn (hotfence.triage.vmcore), after crash's first commands (log, bt, dis, ps, kmem).

Exit status: 0 whether or not crashes were found (finding none is an answer); 2 when
an input could not be read (each one is named on stderr, the others are still
triaged) or when --vmlinux / --modules / --vmcore cannot be used; 3 when the report was
printed but its crashes could not be recorded in the crash store (the warning names the
database and the reason). The report is always rendered before the store is touched.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from hotfence.triage.reader import DEFAULT_LIMITS, ReadLimits
from hotfence.triage.render import FORMATS, render

# Imported by the code paths that use them: `triage --help` loads none of the parser,
# renderer, crash store (SQLAlchemy + alembic, ~0.3 s) or catalogue (pydantic + yaml),
# and `--no-store` never loads the store.
if TYPE_CHECKING:
    from hotfence.store import CrashRecord
    from hotfence.triage.analyze import KnownBugMatcher

EXIT_UNREADABLE = 2
EXIT_NOT_STORED = 3


@click.command("triage")
@click.argument("paths", nargs=-1, required=False, metavar="PATH... [-]")
@click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: readable terminal report; json: one JSON document "
    "(docs/triage-json.md); markdown: for tickets and chat.",
)
@click.option(
    "--vmlinux",
    type=click.Path(dir_okay=False),
    default=None,
    help="vmlinux with symbols/DWARF: adds file:line and inline chains.",
)
@click.option(
    "--vmcore",
    type=click.Path(dir_okay=False),
    default=None,
    help="Crash dump (ELF vmcore) to analyse with drgn instead of logs; needs --vmlinux "
    "(the DWARF vmlinux of that build). Module .ko files next to it or under --modules are used.",
)
@click.option(
    "--modules",
    "modules_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Directory searched recursively for <module>.ko(.xz/.gz) of module frames.",
)
@click.option(
    "--source",
    "source_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Kernel source tree for showing source lines (default: the DWARF build directory, then the directory of --vmlinux).",
)
@click.option(
    "--known-bugs",
    "known_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Extra known-bug catalogue directory (default: ~/.config/hotfence/known-bugs).",
)
@click.option(
    "--store/--no-store",
    default=True,
    show_default=True,
    help="Record each crash in the local crash store (see `hotfence crashes`).",
)
@click.option(  # console.db_option's words; spelled out so start-up does not import rich
    "--db",
    default=None,
    metavar="PATH|URL",
    help="Crash store: a SQLite file or a postgresql:// URL "
    "(default: $HOTFENCE_DB or ~/.local/share/hotfence/crashes.sqlite).",
)
@click.option(
    "--host-id",
    default=None,
    help="Record crashes under this host name and machine-id instead of this machine's "
    "(default: $HOTFENCE_HOST_ID, else /etc/machine-id and the hostname).",
)
@click.option(
    "--max-input-size",
    "max_input_size",
    default=f"{DEFAULT_LIMITS.max_bytes >> 30}G",
    show_default=True,
    metavar="SIZE",
    help="Stop reading one input after this many decompressed bytes (K/M/G suffixes); "
    "what was read before is still triaged. Guards against compression bombs.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Processes that parse the reports of a large log (default: one per CPU this "
    "process may run on, e.g. under taskset). The output is the same for any N.",
)
def triage(
    paths: tuple[str, ...],
    fmt: str,
    vmlinux: str | None,
    vmcore: str | None,
    modules_dir: str | None,
    source_dir: str | None,
    known_dirs: tuple[str, ...],
    store: bool,
    db: str | None,
    host_id: str | None,
    max_input_size: str,
    jobs: int | None,
) -> None:
    """Triage kernel logs: dmesg, console logs, vmcore-dmesg.txt, journalctl -k.

    PATH may be a file (plain, .gz, .xz or .zst; a container's log file, Docker's
    json-file or the CRI format; a pstore record, .enc.z too), a directory (its log
    files, read recursively; other entries are listed as skipped) or - for stdin, the
    one way to read a pipe or device. With --vmcore, no PATH: the log comes from the dump.
    """
    if vmcore is not None:
        if paths:
            raise click.UsageError("--vmcore reads the log from the dump; give no PATH with it")
        if not vmlinux:
            raise click.UsageError(
                "--vmcore needs --vmlinux (the DWARF vmlinux of the crashed kernel)"
            )
        _triage_vmcore(
            vmcore, vmlinux, modules_dir, source_dir, known_dirs, fmt, store, db, host_id
        )
        return
    if not paths:
        raise click.UsageError("give at least one PATH (or - for stdin), or --vmcore")
    from hotfence.triage.analyze import triage_paths
    from hotfence.triage.heap import map_large_buffers
    from hotfence.triage.pool import cpu_count
    from hotfence.triage.source import SourceLines

    # Before the first buffer: a large log's chunks must not stay in malloc's heap.
    map_large_buffers()

    symbolizer = None
    if vmlinux or modules_dir:
        from hotfence.triage.symbolize import SymbolizeError, Symbolizer

        try:
            symbolizer = Symbolizer(vmlinux, modules_dir)
        except SymbolizeError as exc:
            click.echo(f"hotfence triage: cannot use {exc.path}: {exc.reason}", err=True)
            sys.exit(EXIT_UNREADABLE)
    catalog = _known_bugs(known_dirs)
    limits = ReadLimits(max_bytes=_size(max_input_size), max_line=DEFAULT_LIMITS.max_line)
    notices: list[str] = []
    from contextlib import AbstractContextManager, nullcontext

    from hotfence import console as conventions

    waiting: AbstractContextManager[None] = nullcontext()
    if "-" in paths and conventions.is_terminal(sys.stdin):
        # Without this, a mistyped `triage -` looks like a hang.
        conventions.note("reading a kernel log from the terminal; end it with Ctrl-D")
    else:
        waiting = conventions.status(f"triaging {conventions.plural(len(paths), 'input')}")
    with waiting:
        results = triage_paths(
            paths, symbolizer, stdin=sys.stdin.buffer, catalog=catalog, limits=limits,
            # One job per CPU though the spinner's thread runs: the workers never print
            # (pool._quiet_std_streams), the one lock that thread takes.
            notices=notices, jobs=jobs if jobs is not None else cpu_count(),
        )  # fmt: skip
    for notice in notices:
        click.echo(f"hotfence triage: {notice}", err=True)
    roots = [source_dir or ""]
    if symbolizer is not None:
        roots += symbolizer.comp_dirs()
    roots.append(os.path.dirname(os.path.abspath(vmlinux)) if vmlinux else "")
    render(results, fmt, sys.stdout, SourceLines(roots))
    failed = [r for r in results if r.error]
    for r in failed:
        click.echo(f"hotfence triage: cannot read {r.path}: {r.error}", err=True)
    stored = True
    if store:
        from hotfence.triage.tostore import crash_record

        records = [crash_record(rep, res.path) for res in results for rep in res.reports]
        stored = _store(db, host_id, records)
    if failed:
        sys.exit(EXIT_UNREADABLE)
    if not stored:
        sys.exit(EXIT_NOT_STORED)


def _store(db: str | None, host_id: str | None, records: list[CrashRecord]) -> bool:
    """Record crashes after the report was printed; a failure is a warning, never a loss."""
    if not records:
        return True
    from hotfence.store import CrashStore, StoreError
    from hotfence.store.host import local_host

    try:
        with CrashStore.open(db) as crash_store:
            crash_store.add(local_host(host_id), records)
    except StoreError as exc:
        click.echo(
            f"hotfence triage: warning: {len(records)} crash(es) not recorded in crash store "
            f"{exc.database}: {exc.reason}",
            err=True,
        )
        return False
    return True


def _triage_vmcore(
    vmcore: str,
    vmlinux: str,
    modules_dir: str | None,
    source_dir: str | None,
    known_dirs: tuple[str, ...],
    fmt: str,
    store: bool,
    db: str | None,
    host_id: str | None,
) -> None:
    from rich.console import Console

    from hotfence.store import SourceKind
    from hotfence.triage.source import SourceLines
    from hotfence.triage.tostore import crash_record
    from hotfence.triage.vmcore import VmcoreError, analyze_vmcore
    from hotfence.triage.vmcore_render import render_vmcore

    catalog = _known_bugs(known_dirs)
    from hotfence import console as conventions

    try:
        with conventions.status(f"reading {vmcore} with drgn"):
            report = analyze_vmcore(vmcore, vmlinux, modules_dir, catalog)
    except VmcoreError as exc:
        click.echo(f"hotfence triage: cannot use {exc.path}: {exc.reason}", err=True)
        sys.exit(EXIT_UNREADABLE)
    console = Console(file=sys.stdout, highlight=False, soft_wrap=True)
    roots = [source_dir or "", os.path.dirname(os.path.abspath(vmlinux))]
    roots += [os.path.dirname(m) for m in report.modules]
    render_vmcore(report, fmt, console, SourceLines(roots))
    if store:
        records = [crash_record(rep, vmcore, SourceKind.vmcore) for rep in report.reports]
        if not _store(db, host_id, records):
            sys.exit(EXIT_NOT_STORED)


def _known_bugs(known_dirs: tuple[str, ...]) -> KnownBugMatcher | None:
    """The known-bug matcher the `hotfence` command plugged in (triage does not import
    the catalogue, which sits above it); None when run without one."""
    root = click.get_current_context().find_root().obj
    loader = root.get("known_bugs") if isinstance(root, dict) else None
    if loader is None:
        return None
    from hotfence.yamlsource import SourceError  # the loader imports it anyway

    try:
        matcher: KnownBugMatcher = loader([Path(d) for d in known_dirs] if known_dirs else None)
    except SourceError as exc:
        click.echo(f"hotfence triage: invalid known-bug catalogue:\n{exc}", err=True)
        sys.exit(EXIT_UNREADABLE)
    return matcher


_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _size(text: str) -> int:
    """``16G`` -> bytes (binary units, an optional trailing ``B``/``iB``)."""
    t = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = t[-1:] if t[-1:] in _UNITS else ""
    number = t[: len(t) - len(unit)]
    if not number.isdigit() or int(number) == 0:
        raise click.BadParameter(
            f"{text!r}: expected a size like 512M or 16G", param_hint="--max-input-size"
        )
    return int(number) * _UNITS[unit]
