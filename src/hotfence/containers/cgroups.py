"""Cgroup paths as operators paste them, mapped to the one form hotfence uses everywhere:
the absolute directory in the cgroup v2 mount (``/sys/fs/cgroup/unified/docker/<id>`` on a
hybrid host, ``/sys/fs/cgroup/...`` on a pure v2 one).

Accepted forms, tried in this order (:data:`FORMS`):

=========================  =============================================================
``/sys/fs/cgroup/unified/x``  an absolute path inside the cgroup2 mount: itself
``/sys/fs/cgroup/memory/x``   an absolute path inside a cgroup v1 mount: the same relative
                              path in the v2 mount (runc mirrors it on hybrid hosts)
``0::/docker/<id>``           a line of ``/proc/PID/cgroup`` (any hierarchy number)
``/docker/<id>``              a path relative to the cgroup v2 root, as ``/proc`` shows it
=========================  =============================================================

A path that names no cgroup gets a :class:`CgroupNotFound` with "did you mean" candidates:
siblings with a close name, and cgroups whose last component starts with (or contains) the
last component given, so a short container id finds ``docker-<64 hex>.scope``.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from hotfence.linux.mounts import mounts

# The initial cgroup namespace's inode number, fixed: PROC_CGROUP_INIT_INO in the kernel's
# include/linux/proc_ns.h, since cgroup namespaces came (Linux v4.6).
INIT_CGROUP_NS = 0xEFFFFFFB
PROC_CGROUP_LINE = re.compile(r"^(?P<hier>\d+):(?P<controllers>[^:]*):(?P<path>/.*)$")


class ContainerError(RuntimeError):
    """A target could not be resolved; the message is meant for the operator."""


class CgroupNotFound(ContainerError):
    def __init__(self, given: str, looked_at: Path, candidates: list[Path]):
        self.given, self.looked_at, self.candidates = given, looked_at, candidates
        hint = (
            "; did you mean " + " or ".join(str(c) for c in candidates[:3]) + "?"
            if candidates
            else ""
        )
        super().__init__(f"{given}: no such cgroup ({looked_at} does not exist){hint}")


@dataclass(frozen=True)
class Mounts:
    """The cgroup2 mount and the cgroup v1 mounts, from this process's mount table."""

    v2: Path
    v1: tuple[Path, ...]

    @classmethod
    def read(cls) -> Mounts:
        table = mounts()
        v2 = [Path(m.where) for m in table if m.fstype == "cgroup2"]
        if not v2:
            raise ContainerError(
                "no cgroup2 filesystem is mounted (see /proc/mounts); fences need cgroup v2"
            )
        return cls(v2[0], tuple(Path(m.where) for m in table if m.fstype == "cgroup"))

    def relative(self, path: Path) -> str:
        """``/docker/<id>`` for a directory of the v2 mount (``/`` for its root)."""
        rel = path.relative_to(self.v2)
        return "/" + str(rel) if str(rel) != "." else "/"


def _inside(path: Path, mount: Path) -> bool:
    return path == mount or mount in path.parents


def candidate_paths(text: str, mounts: Mounts) -> list[tuple[str, Path]]:
    """(form, v2 directory) for each reading of ``text``, most specific first."""
    text = text.strip()
    out: list[tuple[str, Path]] = []
    m = PROC_CGROUP_LINE.match(text)
    if m:
        return [("/proc/PID/cgroup line", mounts.v2 / m["path"].lstrip("/"))]
    if not text.startswith("/"):
        return [("path relative to the cgroup v2 root", mounts.v2 / text)]
    p = Path(os.path.normpath(text))
    if _inside(p, mounts.v2):
        return [("cgroup v2 path", p)]
    for v1 in mounts.v1:
        if _inside(p, v1):
            return [("cgroup v1 path", mounts.v2 / p.relative_to(v1))]
    out.append(("path relative to the cgroup v2 root", mounts.v2 / text.lstrip("/")))
    return out


def _did_you_mean(want: Path, mounts: Mounts) -> list[Path]:
    # The deepest existing ancestor inside the mount, then names near the missing component.
    parent = want.parent
    while not parent.is_dir() and _inside(parent.parent, mounts.v2) and parent != mounts.v2:
        parent = parent.parent
    if not parent.is_dir():
        parent = mounts.v2
    name = want.name
    try:
        siblings = [d.name for d in parent.iterdir() if d.is_dir()]
    except OSError:
        siblings = []
    found = [parent / n for n in difflib.get_close_matches(name, siblings, n=3, cutoff=0.6)]
    if len(name) >= 4:
        # A short container id, or an id without its runtime's decoration (docker-<id>.scope):
        # search the whole hierarchy, cheaply (names only).
        for dirpath, dirs, _files in os.walk(mounts.v2):
            for d in dirs:
                if name in d and Path(dirpath, d) not in found:
                    found.append(Path(dirpath, d))
            if len(found) >= 5:
                break
    return found


def resolve_v2_dir(text: str, mounts: Mounts | None = None) -> Path:
    """The existing cgroup v2 directory ``text`` names, in any accepted form."""
    mounts = mounts or Mounts.read()
    readings = candidate_paths(text, mounts)
    for _form, path in readings:
        if (path / "cgroup.procs").exists():
            return path
    raise CgroupNotFound(text, readings[-1][1], _did_you_mean(readings[-1][1], mounts))


def cgroup_of_pid(pid: int, mounts: Mounts | None = None, proc: Path = Path("/proc")) -> Path:
    """The cgroup v2 directory of process ``pid`` (its ``0::`` line in /proc/PID/cgroup).

    /proc shows the path relative to the reader's cgroup namespace. hotfence in a private
    one (``hotfence agent`` in a Kubernetes pod, with the host's cgroup tree mounted)
    reads ``/../../kubepods/...``: that is resolved against where its namespace's root
    lies in the mounted tree (:func:`ns_root`).
    """
    mounts = mounts or Mounts.read()
    try:
        text = (proc / str(pid) / "cgroup").read_text()
    except FileNotFoundError:
        raise ContainerError(f"--pid {pid}: no such process") from None
    except OSError as exc:
        raise ContainerError(
            f"--pid {pid}: cannot read /proc/{pid}/cgroup: {exc.strerror}"
        ) from None
    for line in text.splitlines():
        m = PROC_CGROUP_LINE.match(line)
        if m and m["hier"] == "0" and m["controllers"] == "":
            root = ns_root(mounts, proc)
            path = Path(os.path.normpath(root / m["path"].lstrip("/")))
            if not _inside(path, mounts.v2) or not path.is_dir():
                raise ContainerError(
                    f"--pid {pid}: its cgroup {m['path']!r} (from /proc/{pid}/cgroup, relative "
                    f"to {root}) is not a directory under {mounts.v2}: the process is in "
                    "another cgroup namespace or mount"
                )
            return path
    raise ContainerError(f"--pid {pid}: /proc/{pid}/cgroup has no cgroup v2 (0::) line")


_NS_ROOTS: dict[tuple[Path, int], Path] = {}


def ns_root(mounts: Mounts, proc: Path = Path("/proc")) -> Path:
    """The directory of the v2 mount that is this process's cgroup namespace root.

    The mount itself in the host's namespace. In a private namespace it is
    found once (per namespace) by the one directory whose ``cgroup.procs`` holds this
    process, with this process's own namespace-relative path stripped from it. A
    namespace whose root lies outside the mount gives the mount (paths that leave it are
    refused by the caller).
    """
    try:
        own_ns = os.stat(proc / "self" / "ns" / "cgroup").st_ino
    except OSError:
        return mounts.v2
    if own_ns == INIT_CGROUP_NS:
        return mounts.v2
    key = (mounts.v2, own_ns)
    if key not in _NS_ROOTS:
        own = ""
        for line in (proc / "self" / "cgroup").read_text().splitlines():
            if line.startswith("0::"):
                own = line[3:].strip("/")
        me = str(os.getpid())
        found = mounts.v2
        for dirpath, _dirs, _files in os.walk(mounts.v2):
            if own and not dirpath.endswith("/" + own):
                continue
            try:
                procs = (Path(dirpath) / "cgroup.procs").read_text().split()
            except OSError:
                continue
            if me in procs:
                found = Path(dirpath[: len(dirpath) - len(own)].rstrip("/") or "/")
                break
        _NS_ROOTS[key] = found
    return _NS_ROOTS[key]


def nspid(pid: int, proc: Path = Path("/proc")) -> int | None:
    """The pid of ``pid`` in its innermost pid namespace (the last NSpid field), if it lives."""
    try:
        for line in (proc / str(pid) / "status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    except (OSError, ValueError):
        return None
    return None


def cgroupns_is_host(pid: int, proc: Path = Path("/proc")) -> bool | None:
    """Whether ``pid`` is in the host's (initial) cgroup namespace (None when unreadable).
    Not compared with this process's: ``hotfence agent`` may run in a private one (a
    Kubernetes pod); nor with pid 1's, which some hosts do not let even root read."""
    try:
        return os.stat(proc / str(pid) / "ns" / "cgroup").st_ino == INIT_CGROUP_NS
    except OSError:
        return None


CAP_SYS_ADMIN = 21


def escapers(cgroup: Path, proc: Path = Path("/proc")) -> list[tuple[int, str]]:
    """(pid, comm) of the processes in ``cgroup`` (or below it) that can leave it.

    A process that shares the host's cgroup namespace and holds CAP_SYS_ADMIN can mount
    cgroup2 and write its own pid to the root's ``cgroup.procs``: a cgroup fence does not
    hold it. Only what is running now is seen; a process started later is not.
    """
    found: list[tuple[int, str]] = []
    for procs in sorted(cgroup.rglob("cgroup.procs")):
        try:
            pids = [int(x) for x in procs.read_text().split()]
        except (OSError, ValueError):
            continue
        for pid in pids:
            if not cgroupns_is_host(pid, proc):
                continue
            try:
                status = (proc / str(pid) / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields.get("CapEff", "0").strip(), 16) >> CAP_SYS_ADMIN & 1:
                found.append((pid, fields.get("Name", "?").strip()))
    return found
