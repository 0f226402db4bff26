"""`hotfence crashes`: crash groups in the store, as a table or JSON (docs/cli.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from hotfence import console as conventions
from hotfence.store import CrashGroup, CrashStore, StoreError

# Titles are what a user greps for and passes on, so they are never cut: they go last,
# and on a narrow terminal onto a line of their own. Hosts and kernels grow with the
# fleet, and bug ids are long, so they are long fields too (ids, comma-joined without
# spaces, are never split when they wrap); dates have no space, so awk's fields hold in pipes.
COLUMNS = (
    conventions.Column("COUNT"),
    conventions.Column("FIRST-SEEN"),
    conventions.Column("LAST-SEEN"),
    conventions.Column("TYPE"),
    conventions.Column("HOSTS", long=True),
    conventions.Column("KERNELS", long=True),
    conventions.Column("KNOWN-BUGS", long=True),
    conventions.Column("TITLE", long=True, whole=True),
)


def when(t: float) -> str:
    """Minutes are enough in a table; UTC, ISO 8601, one word."""
    return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def iso(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat()


def group_json(g: CrashGroup) -> dict[str, Any]:
    return {
        "title": g.title,
        "type": g.type,
        "count": g.count,
        "first_seen": iso(g.first_seen),
        "last_seen": iso(g.last_seen),
        "hosts": list(g.hosts),
        "kernels": list(g.kernels),
        "known_bugs": [
            {"id": b.bug_id, "summary": b.summary, "mitigations": list(b.mitigations)}
            for b in g.known_bugs
        ],
    }


@click.command()
@conventions.db_option()
@click.option(
    "--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Groups to list."
)
@conventions.output_option()
def crashes(db: str | None, limit: int, output: str) -> None:
    """List stored crashes grouped by title, most recent first (like syzbot's dashboard).

    Times are UTC. KNOWN-BUGS are ids for `hotfence patch show`. Exit status 2 when the
    store cannot be read (the message names it and says why).
    """
    try:
        with CrashStore.open(db) as store:
            groups = store.groups(limit)
    except StoreError as exc:
        conventions.fail(str(exc), conventions.EXIT_USAGE)
    if output == "json":
        conventions.print_json([group_json(g) for g in groups])
        return
    conventions.print_table(
        COLUMNS,
        [
            (
                str(g.count),
                when(g.first_seen),
                when(g.last_seen),
                g.type,
                ",".join(g.hosts),
                ",".join(g.kernels),
                ",".join(b.bug_id for b in g.known_bugs),
                g.title,
            )
            for g in groups
        ],
    )
    if not groups:
        conventions.note("no crashes stored; `hotfence triage` stores the crashes it reads")
