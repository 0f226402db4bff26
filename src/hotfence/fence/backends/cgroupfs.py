"""cgroup v2 and bpffs plumbing: find the mounts (from /proc/mounts), validate a target cgroup.

A cgroup's id (what ``bpf_get_current_cgroup_id()`` returns and what names the pin
directory) is the inode number of its directory in the cgroup2 filesystem.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from dataclasses import dataclass
from pathlib import Path

from hotfence.linux.mounts import mounted

BPFFS = Path("/sys/fs/bpf")
PIN_ROOT = BPFFS / "hotfence"


class FenceError(RuntimeError):
    """A fence operation was refused or failed; the message is meant for the operator."""


def _mounts(fstype: str) -> list[Path]:
    return [Path(where) for where in mounted(fstype)]


def cgroup2_mount() -> Path:
    """The (first) cgroup v2 mount point, e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified."""
    mounts = _mounts("cgroup2")
    if not mounts:
        raise FenceError(
            "no cgroup2 filesystem is mounted (see /proc/mounts); cgroup-BPF needs cgroup v2"
        )
    return mounts[0]


@dataclass(frozen=True)
class CgroupRef:
    path: Path  # absolute, resolved
    mount: Path  # the cgroup2 mount it lives in
    id: int  # cgroup id == inode of the directory

    @property
    def relative(self) -> str:
        return "/" + str(self.path.relative_to(self.mount)) if self.path != self.mount else "/"


def resolve_cgroup(path: str | os.PathLike[str]) -> CgroupRef:
    """Validate ``path`` as a non-root cgroup v2 directory; refuse anything else."""
    p = Path(path).resolve()
    mounts = _mounts("cgroup2")
    if not mounts:
        raise FenceError(
            "no cgroup2 filesystem is mounted (see /proc/mounts); cgroup-BPF needs cgroup v2"
        )
    mount = next((m for m in mounts if p == m or m in p.parents), None)
    if mount is None:
        raise FenceError(f"{path}: not inside a cgroup v2 mount ({', '.join(map(str, mounts))})")
    if p == mount:
        raise FenceError(
            f"{path}: refusing to fence the root cgroup (that is host-wide); name a child cgroup"
        )
    if not (p / "cgroup.procs").exists():
        raise FenceError(f"{path}: not a cgroup directory (no cgroup.procs)")
    return CgroupRef(path=p, mount=mount, id=os.stat(p).st_ino)


def ensure_bpffs() -> Path:
    """Make sure bpffs is mounted at /sys/fs/bpf (mounting it if needed) and return it."""
    if BPFFS in _mounts("bpf"):
        return BPFFS
    BPFFS.mkdir(parents=True, exist_ok=True)
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.mount(b"bpf", str(BPFFS).encode(), b"bpf", 0, None) != 0:
        err = ctypes.get_errno()
        raise FenceError(f"cannot mount bpffs at {BPFFS}: {os.strerror(err)}")
    return BPFFS
