"""`hotfence agent --policy-dir DIR`: keep selected running containers fenced; serve metrics."""

from __future__ import annotations

import logging
import signal
import threading
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
def agent(policy_dir: str, metrics_port: int) -> None:
    """Fence running containers that a policy selects, follow the engine's events, and
    serve Prometheus metrics. Fences are pinned: they hold while the agent is down."""
    import docker
    from prometheus_client import CollectorRegistry, start_http_server

    from hotfence.agent.core import Agent
    from hotfence.agent.metrics import AgentCollector
    from hotfence.containers import engine

    logging.basicConfig(level=logging.INFO, format="hotfence agent: %(message)s")
    eps = engine.endpoints()
    if not eps:
        raise click.ClickException("no container engine found: set DOCKER_HOST")
    client = docker.DockerClient(base_url=eps[0], version="auto")
    a = Agent(policy_dir, client)
    if metrics_port:
        registry = CollectorRegistry()
        registry.register(AgentCollector(a))
        start_http_server(metrics_port, addr="127.0.0.1", registry=registry)
        logging.info("metrics on http://127.0.0.1:%d/metrics", metrics_port)
    stop = threading.Event()

    def on_signal(_sig: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    logging.info("following %s with the policies of %s", eps[0], a.policy_dir)
    a.run(stop)
    logging.info("stopped; the fences stay in force")
