"""`hotfence agent --policy-dir DIR`: keep selected running containers fenced; serve metrics."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from types import FrameType

import click


@click.command()
@click.option(
    "--policy-dir",
    required=True,
    type=click.Path(exists=True, file_okay=False),
    help="Policies with a spec.selector (the other files are ignored).",
)
@click.option(
    "--metrics-port",
    type=int,
    default=9469,
    show_default=True,
    help="Prometheus metrics on 127.0.0.1:PORT/metrics (0: none).",
)
@click.option(
    "--socket",
    "socket_path",
    default=None,
    metavar="PATH",
    help="Take fences over from hotfence-runc's createRuntime hooks on this root-only "
    "unix socket [default: $HOTFENCE_AGENT_SOCKET, else /run/hotfence/agent.sock].",
)
@click.option(
    "--db",
    default=None,
    metavar="PATH|URL",
    help="Crash store: with it (or $HOTFENCE_DB) the agent runs `hotfence collect` once "
    "per boot at start.",
)
@click.option(
    "--crash-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="For the collection: kdump's directory [default: as hotfence collect].",
)
@click.option(
    "--pstore-dir",
    "pstore_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="For the collection: pstore directories (repeatable) [default: as hotfence collect].",
)
@click.option(
    "--journal/--no-journal",
    default=True,
    show_default=True,
    help="For the collection: read the previous boot's kernel log.",
)
def agent(
    policy_dir: str,
    metrics_port: int,
    socket_path: str | None,
    db: str | None,
    crash_dir: Path | None,
    pstore_dirs: tuple[Path, ...],
    journal: bool,
) -> None:
    """Fence running containers that a policy selects, follow the engine's events, and
    serve Prometheus metrics. Fences are pinned: they hold while the agent is down.

    With a crash store, it also stores what the previous boot's crash left (kdump,
    pstore, journal) once per boot, as `hotfence collect` does."""
    import docker
    from prometheus_client import CollectorRegistry, start_http_server

    from hotfence.agent.bootcollect import BootCollector
    from hotfence.agent.core import Agent
    from hotfence.agent.handoff import HandoffError, HandoffServer
    from hotfence.agent.metrics import AgentCollector
    from hotfence.containers import engine
    from hotfence.fence.backends import cgroup as cgroup_backend
    from hotfence.oci.common import agent_socket, hook_client

    logging.basicConfig(level=logging.INFO, format="hotfence agent: %(message)s")
    eps = engine.endpoints()
    if not eps:
        raise click.ClickException("no container engine found: set DOCKER_HOST")
    client = docker.DockerClient(base_url=eps[0], version="auto")
    a = Agent(policy_dir, client)
    store = db or os.environ.get("HOTFENCE_DB") or None
    boot: BootCollector | None = None
    if store:
        args = [] if journal else ["--no-journal"]
        if crash_dir is not None:
            args += ["--crash-dir", str(crash_dir)]
        for p in pstore_dirs:
            args += ["--pstore-dir", str(p)]
        boot = BootCollector(store, args)
    if metrics_port:
        registry = CollectorRegistry()
        registry.register(AgentCollector(a, boot))
        start_http_server(metrics_port, addr="127.0.0.1", registry=registry)
        logging.info("metrics on http://127.0.0.1:%d/metrics", metrics_port)
    # One fence object per policy, attached to each container it selects, and the next
    # policy's object verified ahead.
    cgroup_backend.SHARED.keep()
    cgroup_backend.SPARES.keep()
    try:
        handoff = HandoffServer(socket_path or agent_socket(), a.handoff, hook_client())
    except HandoffError as exc:
        raise click.ClickException(f"hand-off socket: {exc}") from None
    logging.info(
        "taking fences over from hotfence-runc hooks on %s%s",
        handoff.path,
        f" (and whole steps from {handoff.link})" if handoff.link else "",
    )
    stop = threading.Event()

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if boot is not None:
        boot.start(stop)  # beside the fencing, never before it: a slow store delays nothing
    logging.info("following %s with the policies of %s", eps[0], a.policy_dir)
    try:
        a.run(stop)
    finally:
        handoff.close()  # hooks then apply their fences themselves
        cgroup_backend.SPARES.stop()
        cgroup_backend.SHARED.stop()
    logging.info("stopped; the fences stay in force")
