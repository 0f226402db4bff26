"""``--container`` / ``--pid`` for the fence and watch commands, next to their ``--cgroup``.

Every command resolves its target with :func:`target_from_options`, which is
:func:`hotfence.containers.target.resolve_target` with errors turned into click errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from hotfence.containers.cgroups import ContainerError
from hotfence.containers.target import Target, resolve_target

F = TypeVar("F", bound=Callable[..., Any])


def complete_containers(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of ``--container``: running containers' names from the engines."""
    from hotfence.containers.engine import running_names

    return [n for n in running_names() if n.startswith(incomplete)]


def target_options(f: F) -> F:
    """Add ``--container NAME|ID`` and ``--pid PID`` (the command declares ``--cgroup``)."""
    f = click.option(
        "--pid",
        "pid",
        type=int,
        help="The cgroup of this process (e.g. a container's init, `docker inspect -f {{.State.Pid}}`).",
    )(f)
    f = click.option(
        "--container",
        "container",
        metavar="NAME|ID",
        shell_complete=complete_containers,
        help="A running container, by name or id, through the engine's API "
        "(Docker, or Podman's API; $DOCKER_HOST chooses the endpoint).",
    )(f)
    return f


def target_from_options(
    cgroup: str | None,
    container: str | None,
    pid: int | None,
    *,
    identify: bool = True,
    allow_root: bool = False,
) -> Target:
    try:
        return resolve_target(cgroup, container, pid, identify=identify, allow_root=allow_root)
    except ContainerError as exc:
        raise click.ClickException(str(exc)) from None


def any_given(cgroup: str | None, container: str | None, pid: int | None) -> bool:
    return any(v is not None for v in (cgroup, container, pid))
