"""`hotfence serve`: the read-only fleet dashboard, JSON API and /metrics over a crash store."""

from __future__ import annotations

import ipaddress

import click

from hotfence import console
from hotfence.store import CrashStore, StoreError

EXIT_STORE = 2


@click.command()
@console.db_option()
@click.option(
    "--bind",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback exposes every stored crash report.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8383, show_default=True)
def serve(db: str | None, bind: str, port: int) -> None:
    """Serve the crash store read-only: crash groups, drill-downs, /api, /metrics.

    Exit status 2 when the store cannot be opened (the message names it and says why).
    """
    import uvicorn

    from hotfence.fleet.serve import create_app

    try:
        store = CrashStore.open(db, readonly=True)
    except StoreError as exc:
        console.fail(str(exc), EXIT_STORE)
    try:
        loopback = ipaddress.ip_address(bind).is_loopback
    except ValueError:
        loopback = bind == "localhost"
    if not loopback:
        console.error(
            f"warning: listening on {bind}, not loopback: anyone who can reach it "
            "reads every crash report"
        )
    console.note(f"{store.database} read-only on http://{bind}:{port}/")
    with store:
        uvicorn.run(create_app(store), host=bind, port=port, log_level="warning")
