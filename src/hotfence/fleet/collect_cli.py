"""`hotfence collect`: store the crashes the previous boot left behind (run once per boot)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hotfence import console
from hotfence.fleet.collect import CRASH_DIR, JOURNAL_CMD, PSTORE_DIRS, collect, find_sources
from hotfence.known.catalog import load_catalog
from hotfence.store import CrashStore, StoreError
from hotfence.store.host import local_host
from hotfence.yamlsource import SourceError

EXIT_SOURCE = 2
EXIT_STORE = 3


@click.command("collect")
@console.db_option()
@click.option("--host-id", default=None, help="Host name and machine-id override (as for triage).")
@click.option(
    "--crash-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=CRASH_DIR,
    show_default=True,
    help="kdump's directory: */vmcore, */vmcore.flat, */dump.<stamp> (with a debug vmlinux) "
    "and */vmcore-dmesg.txt, */dmesg.<stamp> are read.",
)
@click.option(
    "--vmlinux",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Debug vmlinux for the vmcores [default: /usr/lib/debug/boot/vmlinux-<release> or "
    "/usr/lib/debug/lib/modules/<release>/vmlinux, the release read from each core].",
)
@click.option(
    "--pstore-dir",
    "pstore_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    default=PSTORE_DIRS,
    show_default=True,
    help="pstore mount or systemd-pstore archive: dmesg* and console* records are read "
    "(repeatable).",
)
@click.option(
    "--journal/--no-journal",
    default=True,
    show_default=True,
    help="Read the previous boot's kernel log (journalctl -k -b -1).",
)
@console.output_option()
def collect_cmd(
    db: str | None,
    host_id: str | None,
    crash_dir: Path,
    vmlinux: Path | None,
    pstore_dirs: tuple[Path, ...],
    journal: bool,
    output: str,
) -> None:
    """Triage and store what the last crash left: kdump, pstore, the previous boot's journal.

    A crash already in the store (same host, same report) is not stored again, so running
    this at every boot never counts one crash twice. Exit status 3 when the store cannot
    be written (nothing is lost: the sources stay where they are); 2 when a vmcore could
    not be analysed (the other sources are still stored).
    """
    try:
        catalog = load_catalog()
    except SourceError as exc:
        console.fail(f"invalid known-bug catalogue:\n{exc}", console.EXIT_USAGE)
    sources, notes = find_sources(
        crash_dir, pstore_dirs, JOURNAL_CMD if journal else None, vmlinux=vmlinux
    )
    for note in notes:
        console.note(note)
    try:
        with (
            console.status(f"triaging {console.plural(len(sources), 'crash source')}"),
            CrashStore.open(db) as store,
        ):
            results = collect(store, local_host(host_id), sources, catalog)
    except StoreError as exc:
        console.fail(str(exc), EXIT_STORE)
    for r in results:
        if r.error is not None:
            console.error(f"{r.path}: not analysed: {r.error}")
    found = sum(r.found for r in results)
    stored = sum(r.stored for r in results)
    if output == "json":
        console.print_json(
            {
                "sources": [
                    {
                        "kind": r.kind.value,
                        "path": r.path,
                        "found": r.found,
                        "new": r.stored,
                        "titles": list(dict.fromkeys(r.titles)),
                        "error": r.error,
                    }
                    for r in results
                ],
                "found": found,
                "new": stored,
            }
        )
    else:
        for r in results:
            if r.error is None:
                titles = "; ".join(dict.fromkeys(r.titles))
                click.echo(f"{r.kind.value}\t{r.path}\t{r.found} found, {r.stored} new\t{titles}")
        click.echo(
            f"collected {console.plural(found, 'crash report')} from "
            f"{console.plural(len(results), 'source')}, {stored} new"
        )
    if any(r.error is not None for r in results):
        sys.exit(EXIT_SOURCE)
