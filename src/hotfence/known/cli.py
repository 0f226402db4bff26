"""`hotfence patch list|show|apply` and `hotfence crashes`: the catalogue and the crash store."""

from __future__ import annotations

import datetime as dt
import platform
import sys
from pathlib import Path

import click
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
    "--known-bugs", "known", multiple=True, type=click.Path(file_okay=False),
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
        table.add_row(entry.id, ", ".join(entry.cve), ranges + mark, "yes" if entry.virtual_patch else "no", entry.summary)
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
        for label, values in (("title", sig.title), ("rip", sig.rip), ("trace", sig.trace), ("preceded by", sig.preceded_by)):
            if values:
                console.print(f"signature {label}: " + ", ".join(values))
    for m in entry.mitigations:
        status = "" if m.effective else " [red](does not work)[/red]"
        note = f" — {m.note}" if m.note else ""
        console.print(f"  • {m.kind.value}: {m.action}{status}{note}", highlight=False)


@click.command()
@click.option("--db", type=click.Path(dir_okay=False), help="Crash store (default: ~/.local/share/hotfence/crashes.sqlite).")
@click.option("--limit", type=int, default=50, show_default=True)
def crashes(db: str | None, limit: int) -> None:
    """List stored crashes grouped by title, most recent first (like syzbot's dashboard)."""
    with CrashStore(Path(db) if db else None) as store:
        groups = store.groups(limit)
    table = Table("title", "type", "count", "first seen", "last seen", "hosts", "kernels")

    def when(t: float) -> str:
        return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%d %H:%M")

    for g in groups:
        table.add_row(g.title, g.type, str(g.count), when(g.first_seen), when(g.last_seen), ", ".join(g.hosts), ", ".join(g.kernels))
    console.print(table)
