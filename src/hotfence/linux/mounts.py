"""This process's mount table (``/proc/self/mounts``), read again only when it changed.

The fence path looks up the cgroup2 and bpffs mounts several times per container, and a
container host's table grows with its containers (each one's rootfs and its shm are
mounts in the host's namespace): read and parsed every time, it costs more the more
containers run. The kernel says when a namespace's table changed: ``poll()`` on an open
``/proc/self/mounts`` reports ``POLLPRI | POLLERR`` once after each change
(``mounts_poll()`` in fs/proc_namespace.c, compared with the event count the file last
saw). So the table is kept with its file open and read again only after such a report.

The open file stays tied to the mount namespace this process had when it first asked
(hotfence never changes its own).
"""

from __future__ import annotations

import os
import select
import threading
from dataclasses import dataclass

PROC_SELF_MOUNTS = "/proc/self/mounts"


@dataclass(frozen=True)
class Mount:
    where: str  # the mount point, unescaped
    fstype: str


def parse(text: str) -> tuple[Mount, ...]:
    """The mounts of a ``/proc/PID/mounts`` text, in its order."""
    found = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            # /proc/mounts escapes spaces etc. as octal (\040).
            found.append(Mount(fields[1].encode().decode("unicode_escape"), fields[2]))
    return tuple(found)


class _Table:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fd = -1
        self._poll = select.poll()
        self._mounts: tuple[Mount, ...] = ()

    def get(self) -> tuple[Mount, ...]:
        with self._lock:
            if self._fd < 0:
                self._fd = os.open(PROC_SELF_MOUNTS, os.O_RDONLY | os.O_CLOEXEC)
                # The file saw the namespace's event count at open: read it now.
                self._poll.register(self._fd, select.POLLPRI)
                self._mounts = self._read()
            elif self._poll.poll(0):
                self._mounts = self._read()
            return self._mounts

    def _read(self) -> tuple[Mount, ...]:
        os.lseek(self._fd, 0, os.SEEK_SET)
        chunks = []
        while chunk := os.read(self._fd, 1 << 16):
            chunks.append(chunk)
        return parse(b"".join(chunks).decode(errors="surrogateescape"))


_TABLE = _Table()


def _after_fork() -> None:
    """A forked child gets a table of its own: a shared file shares its read position, and
    another thread of the parent may have held the lock at the fork."""
    global _TABLE
    old, _TABLE = _TABLE, _Table()
    if old._fd >= 0:
        os.close(old._fd)


os.register_at_fork(after_in_child=_after_fork)


def mounts() -> tuple[Mount, ...]:
    """This process's mounts now (read again only if the table changed since last time)."""
    return _TABLE.get()


def mounted(fstype: str) -> list[str]:
    """Where filesystems of ``fstype`` are mounted, in the table's order."""
    return [m.where for m in mounts() if m.fstype == fstype]
