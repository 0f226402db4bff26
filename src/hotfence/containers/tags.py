"""Which container an event came from, for streams (watch): per cgroup, asked once.

A cgroup is looked up in the engines only when its path carries a container id; the answer
(a container, or none) is cached per cgroup id, so a busy stream costs one dict look-up per
event plus, for container events, one read of /proc/PID/status for the pid inside.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from hotfence.containers.cgroups import nspid
from hotfence.containers.engine import CONTAINER_ID, ContainerInfo
from hotfence.containers.target import container_of


class ContainerTags:
    def __init__(self, cgroup_path: Callable[[int], str]):
        self._cgroup_path = cgroup_path  # cgroup id -> path (watch's CgroupNames.path)
        self._known: dict[int, ContainerInfo | None] = {}
        self._json: dict[int, str] = {}

    def container(self, cgroup_id: int) -> ContainerInfo | None:
        if cgroup_id not in self._known:
            path = self._cgroup_path(cgroup_id)
            info = container_of(path) if CONTAINER_ID.search(path) else None
            self._known[cgroup_id] = info
            self._json[cgroup_id] = json.dumps(None if info is None else info.summary())
        return self._known[cgroup_id]

    def json_fragment(self, cgroup_id: int, tgid: int) -> str:
        """``"container":{...},"container_pid":N`` (nulls outside containers)."""
        info = self.container(cgroup_id)
        inner = nspid(tgid) if info is not None else None
        return f'"container":{self._json[cgroup_id]},"container_pid":{json.dumps(inner)}'

    def text(self, cgroup_id: int, tgid: int) -> str:
        info = self.container(cgroup_id)
        if info is None:
            return ""
        return f" [{info.name} pid {nspid(tgid)}]"
