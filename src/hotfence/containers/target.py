"""The one resolver behind ``--cgroup`` / ``--container`` / ``--pid`` of the fence and watch
commands: whatever the operator names becomes a :class:`Target`, the cgroup v2 directory
plus the container running there (when an engine knows it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotfence.containers import engine
from hotfence.containers.cgroups import (
    ContainerError,
    Mounts,
    cgroup_of_pid,
    escapers,
    resolve_v2_dir,
)
from hotfence.containers.engine import ContainerInfo


@dataclass(frozen=True)
class Target:
    cgroup: Path  # the cgroup v2 directory: the one form every output uses
    relative: str  # the same, relative to the v2 root, as /proc/PID/cgroup shows it
    container: ContainerInfo | None = None
    how: str = ""  # what the operator gave, for messages

    def summary(self) -> dict[str, Any]:
        return {
            "cgroup": str(self.cgroup),
            "container": None if self.container is None else self.container.summary(),
        }

    def text(self) -> str:
        return str(self.cgroup) + (f" ({self.container.text()})" if self.container else "")

    def warnings(self) -> list[str]:
        """What the operator must know about this target's protection."""
        if self.container is not None:
            return self.container.warnings()
        found = escapers(self.cgroup)
        if not found:
            return []
        shown = ", ".join(f"{pid} ({comm})" for pid, comm in found[:5])
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        return [
            f"{len(found)} process(es) in {self.cgroup} can move themselves out of the fence "
            f"(CAP_SYS_ADMIN in the host cgroup namespace): {shown}{more}; "
            "see docs/containers.md#threat-model"
        ]


def resolve_target(
    cgroup: str | None = None,
    container: str | None = None,
    pid: int | None = None,
    *,
    identify: bool = True,
    allow_root: bool = False,
) -> Target:
    """Exactly one of ``cgroup``, ``container``, ``pid`` -> :class:`Target`.

    With ``identify``, a cgroup or pid whose path carries a container id is looked up in
    the engines so outputs can name the container; an engine that cannot be reached then
    only leaves ``container`` empty. The root cgroup is refused unless ``allow_root`` (a
    watch filter may name it; a fence never may).
    """
    given = [
        (opt, v)
        for opt, v in (("--cgroup", cgroup), ("--container", container), ("--pid", pid))
        if v is not None
    ]
    if len(given) != 1:
        raise ContainerError(
            "give exactly one of --cgroup, --container or --pid"
            + (f" (got {', '.join(o for o, _ in given)})" if given else "")
        )
    mounts = Mounts.read()
    info: ContainerInfo | None = None
    if container is not None:
        info = engine.find_container(container)
        if not info.pid:
            raise ContainerError(
                f"--container {container}: {info.name} ({info.id[:12]}) is not running, so it "
                "has no cgroup yet; start it, or fence it from its first instruction with a "
                "selector policy and the hotfence runtime (docs/containers.md)"
            )
        path = cgroup_of_pid(info.pid, mounts)
        how = f"--container {container}"
    elif pid is not None:
        path = cgroup_of_pid(pid, mounts)
        how = f"--pid {pid}"
    else:
        assert cgroup is not None
        path = resolve_v2_dir(cgroup, mounts)
        how = f"--cgroup {cgroup}"
    if path == mounts.v2 and not allow_root:
        raise ContainerError(
            f"{how}: refusing to fence the root cgroup (that is host-wide); name a child cgroup"
        )
    rel = mounts.relative(path)
    if info is None and identify:
        info = container_of(rel)
    return Target(cgroup=path, relative=rel, container=info, how=how)


@functools.lru_cache(maxsize=1024)
def container_of(relative_cgroup: str) -> ContainerInfo | None:
    """The container of a cgroup path (cached: watch asks once per cgroup)."""
    return engine.container_of_cgroup(relative_cgroup)
