"""`hotfence patch list|show|apply` and `hotfence crashes`: the catalogue and the crash store."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
from pathlib import Path

import click
import yaml
from rich.console import Console
from rich.table import Table

from hotfence.known.catalog import Catalog, Entry, load_catalog
from hotfence.store import CrashStore
from hotfence.yamlsource import SourceError

console = Console()


def _catalog(extra: tuple[str, ...]) -> Catalog:
    try:
        return load_catalog([Path(d) for d in extra] if extra else None)
    except SourceError as exc:
        click.echo(f"hotfence: invalid known-bug catalogue:\n{exc}", err=True)
        sys.exit(2)


def _entry(catalog: Catalog, bug_id: str) -> Entry:
    try:
        return catalog.get(bug_id)
    except KeyError as exc:
        click.echo(f"hotfence: {exc.args[0]}", err=True)
        sys.exit(2)


known_dirs = click.option(
    "--known-bugs",
    "known",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Directory of extra catalogue entries (default: ~/.config/hotfence/known-bugs).",
)


@click.group()
def patch() -> None:
    """Known kernel bugs and their virtual patches (socket policies that fence the trigger)."""


@patch.command("list")
@known_dirs
@click.option("--all", "show_all", is_flag=True, help="Also list entries without a virtual patch.")
def list_(known: tuple[str, ...], show_all: bool) -> None:
    """List catalogue entries; by default those that come with a virtual patch."""
    catalog = _catalog(known)
    table = Table("id", "CVE", "affected kernels", "virtual patch", "summary")
    running = platform.release() + " " + platform.version()
    for entry in sorted(catalog.entries.values(), key=lambda e: e.id):
        if entry.virtual_patch is None and not show_all:
            continue
        ranges = ", ".join(str(a.range()) for a in entry.affected) or "unknown"
        here = entry.affects(running)
        mark = "" if here is None else (" (this kernel: yes)" if here else " (this kernel: no)")
        table.add_row(
            entry.id,
            ", ".join(entry.cve),
            ranges + mark,
            "yes" if entry.virtual_patch else "no",
            entry.summary,
        )
    console.print(table)


@patch.command()
@known_dirs
@click.argument("bug_id")
def show(known: tuple[str, ...], bug_id: str) -> None:
    """Show one entry: explanation, signature, fixes, mitigations and its virtual patch."""
    catalog = _catalog(known)
    entry = _entry(catalog, bug_id)
    console.print(f"[bold]{entry.id}[/bold]  {entry.summary}")
    console.print(f"defined at {catalog.sources[entry.id]}")
    if entry.cve:
        console.print("CVE: " + ", ".join(entry.cve))
    if entry.fixes:
        console.print("fixed upstream by: " + ", ".join(entry.fixes))
    console.print("affected: " + (", ".join(str(a.range()) for a in entry.affected) or "unknown"))
    if entry.explanation:
        console.print(entry.explanation.rstrip())
    if entry.signature:
        sig = entry.signature
        for label, values in (
            ("title", sig.title),
            ("rip", sig.rip),
            ("trace", sig.trace),
            ("preceded by", sig.preceded_by),
        ):
            if values:
                console.print(f"signature {label}: " + ", ".join(values))
    for m in entry.mitigations:
        status = "" if m.effective else " [red](does not work)[/red]"
        note = f" — {m.note}" if m.note else ""
        console.print(f"  • {m.kind.value}: {m.action}{status}{note}", highlight=False)


def patch_policy_file(entry: Entry) -> Path:
    """Write the entry's virtual patch as a policy file (so `fence status` can name it)."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    path = base / "hotfence" / "patches" / f"{entry.id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Virtual patch for known bug {entry.id}: {entry.summary}\n# Written by `hotfence patch apply`.\n"
    path.write_text(header + yaml.safe_dump(entry.virtual_patch, sort_keys=False))
    return path


@patch.command()
@known_dirs
@click.argument("bug_id")
@click.option(
    "--cgroup", required=True, help="cgroup v2 directory to fence (a container's cgroup)."
)
@click.option(
    "--force",
    is_flag=True,
    help="Apply even when this kernel is outside the entry's affected range.",
)
@click.option(
    "--kernel", "release", help="Kernel release to check against (default: the running kernel)."
)
def apply(
    known: tuple[str, ...],
    bug_id: str,
    cgroup: str,
    force: bool,
    release: str | None,
) -> None:
    """Apply a known bug's virtual patch (a socket policy) to a cgroup, persistently."""
    catalog = _catalog(known)
    entry = _entry(catalog, bug_id)
    if entry.virtual_patch is None:
        why = next(
            (m.note for m in entry.mitigations if m.kind.value == "virtual-patch" and m.note), ""
        )
        click.echo(f"hotfence: {bug_id} has no virtual patch{': ' + why if why else ''}", err=True)
        sys.exit(2)
    release = release or f"{platform.release()} {platform.version()}"
    affected = entry.affects(release)
    if affected is False and not force:
        ranges = ", ".join(str(a.range()) for a in entry.affected)
        click.echo(
            f"hotfence: kernel {release} is outside the affected range {ranges} of {bug_id}; "
            "nothing applied (use --force to apply anyway)",
            err=True,
        )
        sys.exit(1)
    if affected is None:
        click.echo(f"hotfence: affected kernels of {bug_id} are unknown; applying", err=True)
    from hotfence.bpf.build import BuildError
    from hotfence.bpf.libbpf import LibbpfError
    from hotfence.fence.backends.cgroupfs import FenceError
    from hotfence.fence.compiler import compile_file
    from hotfence.fence.policy import PolicyError
    from hotfence.fence.service import apply_policy, coverage_summary

    policy_file = str(patch_policy_file(entry))
    try:
        result = apply_policy(compile_file(policy_file), cgroup, policy_file)
    except (FenceError, LibbpfError, BuildError, PolicyError) as exc:
        raise click.ClickException(f"{bug_id}: {exc}") from None
    click.echo(f"hotfence: backend {result.selection.name}: {result.selection.reason}", err=True)
    click.echo(result.headline())
    for line in coverage_summary(result.coverages):
        click.echo(line)


@click.command()
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    help="Crash store (default: ~/.local/share/hotfence/crashes.sqlite).",
)
@click.option("--limit", type=int, default=50, show_default=True)
def crashes(db: str | None, limit: int) -> None:
    """List stored crashes grouped by title, most recent first (like syzbot's dashboard)."""
    with CrashStore(Path(db) if db else None) as store:
        groups = store.groups(limit)
    table = Table("title", "type", "count", "first seen", "last seen", "hosts", "kernels")

    def when(t: float) -> str:
        return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M")

    for g in groups:
        table.add_row(
            g.title,
            g.type,
            str(g.count),
            when(g.first_seen),
            when(g.last_seen),
            ", ".join(g.hosts),
            ", ".join(g.kernels),
        )
    console.print(table)
