"""cgroup v2 ids and paths: a cgroup's id is the inode number of its directory."""

from __future__ import annotations

import os
from pathlib import Path


def cgroup2_mount() -> Path:
    """Where cgroup v2 is mounted (from /proc/mounts); raises when it is not."""
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) > 2 and parts[2] == "cgroup2":
                return Path(parts[1])
    raise FileNotFoundError("no cgroup2 file system is mounted (see /proc/mounts)")


def cgroup_id(path: str | Path) -> int:
    return os.stat(path).st_ino


def cgroup_level(path: str | Path) -> int:
    """Depth below the cgroup2 root (the root is level 0), as bpf_get_current_ancestor_cgroup_id counts."""
    rel = Path(path).resolve().relative_to(cgroup2_mount().resolve())
    return len(rel.parts)


class CgroupNames:
    """Maps cgroup ids to paths, rescanning the hierarchy when an unknown id shows up."""

    def __init__(self, root: Path | None = None):
        self.root = root or cgroup2_mount()
        self._paths: dict[int, str] = {}

    def _scan(self) -> None:
        for dirpath, _dirs, _files in os.walk(self.root):
            try:
                rel = "/" + os.path.relpath(dirpath, self.root)
                self._paths[os.stat(dirpath).st_ino] = "/" if rel == "/." else rel
            except OSError:
                continue

    def path(self, cgroup_id: int) -> str:
        if cgroup_id not in self._paths:
            self._scan()
        return self._paths.get(cgroup_id, f"cgroup:{cgroup_id}")
