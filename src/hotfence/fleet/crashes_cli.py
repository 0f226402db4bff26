"""`hotfence crashes`: crash groups in the store, as a terminal table."""

from __future__ import annotations

import datetime as dt
import sys

import click
from rich.console import Console
from rich.table import Table

from hotfence.store import CrashStore, StoreError

EXIT_STORE = 2


def when(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M")


@click.command()
@click.option(
    "--db",
    default=None,
    metavar="PATH|URL",
    help="Crash store: a SQLite file or a postgresql:// URL "
    "(default: $HOTFENCE_DB or ~/.local/share/hotfence/crashes.sqlite).",
)
@click.option("--limit", type=int, default=50, show_default=True)
def crashes(db: str | None, limit: int) -> None:
    """List stored crashes grouped by title, most recent first (like syzbot's dashboard).

    Exit status 2 when the store cannot be read (the message names it and says why).
    """
    try:
        with CrashStore.open(db) as store:
            groups = store.groups(limit)
    except StoreError as exc:
        click.echo(f"hotfence crashes: {exc}", err=True)
        sys.exit(EXIT_STORE)
    table = Table(
        "title", "type", "count", "first seen", "last seen", "hosts", "kernels", "known bugs"
    )
    for g in groups:
        table.add_row(
            g.title,
            g.type,
            str(g.count),
            when(g.first_seen),
            when(g.last_seen),
            ", ".join(g.hosts),
            ", ".join(g.kernels),
            ", ".join(b.bug_id for b in g.known_bugs),
        )
    Console(highlight=False, soft_wrap=True).print(table)
