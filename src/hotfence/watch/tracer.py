"""Loads the watch BPF object and reads its events, with the best source the kernel allows.

One object (watch/watch.bpf.c), one fixed-size record (struct watch_event, watch_abi.h)
in a ring buffer, one cgroup filter set in the object's ``.rodata`` before load. What
differs between the two sources is which programs load (bpf_program__set_autoload):

* ``bpf-lsm``: the user-call programs below plus ``lsm/socket_post_create`` for kernel
  sockets (kern=1), which no syscall tracepoint sees. Chosen when the kernel loads and
  attaches it (probe by loading, like :func:`hotfence.fence.backends.probe`), i.e.
  where BPF-LSM is active.
* ``tracepoints``: the user-call programs only (post_create is not loaded).

User calls, in both: syscalls:sys_{enter,exit}_socket and _socketpair (only the
syscall exit has the fd or errno, and the enter the type flags); io_uring's
IORING_OP_SOCKET through the raw tracepoints io_uring_submit_req (io_uring_submit_sqe
before 6.4, see bpf/core_fixes.h) and io_uring_complete; and 32-bit calls (which
syscall tracepoints skip) through raw_syscalls:sys_exit. The last two are optional
(:data:`OPTIONAL`): ``describe()`` names what the kernel lacks, and a feature turned
off is not even loaded.

A record that finds the ring full is counted in the per-CPU ``lost`` array, so
``delivered + lost`` always equals the number of events the programs saw.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import struct
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hotfence.bpf import libbpf
from hotfence.bpf.build import BuildError, object_path
from hotfence.watch import abi
from hotfence.watch.cgroups import cgroup_id, cgroup_level

TRACEFS = Path("/sys/kernel/tracing")
TRACEPOINTS = (
    "syscalls/sys_enter_socket",
    "syscalls/sys_exit_socket",
    "syscalls/sys_enter_socketpair",
    "syscalls/sys_exit_socketpair",
)


# socket() and socketpair(): the syscall tracepoints, which every source needs.
SYSCALL_PROGRAMS = ("watch_enter", "watch_exit", "watch_pair_enter", "watch_pair_exit")
# Kernel sockets: loaded by the bpf-lsm source only.
LSM_PROGRAM = "watch_post_create"


@dataclass(frozen=True)
class OptionalHooks:
    """Programs attached where the kernel has their hooks; when it does not, watch says
    what it therefore cannot see. Each step needs one of its alternatives; the feature is
    attached only when every step is (otherwise none of it stays attached)."""

    key: str  # what SocketTracer(without=...) and the CLI call it
    sees: str  # what is missed without it, for describe()
    steps: tuple[tuple[str, ...], ...]


OPTIONAL = (
    # io_uring IORING_OP_SOCKET; its submit tracepoint is io_uring_submit_req since 6.4,
    # io_uring_submit_sqe before (bpf/core_fixes.h).
    OptionalHooks(
        "io_uring",
        "io_uring sockets",
        (("watch_uring_submit", "watch_uring_submit_sqe"), ("watch_uring_complete",)),
    ),
    # 32-bit (ia32 / int $0x80) calls, which the syscall tracepoints skip.
    # Costs every system call on the host one program run (benchmarks/watch_overhead.py).
    OptionalHooks("32-bit", "32-bit calls", (("watch_compat_exit",),)),
)
USER_CALLS = (
    "socket()/socketpair() syscall tracepoints + raw tracepoints for io_uring and 32-bit calls "
    "(user calls)"
)


@dataclass(frozen=True)
class WatchSource:
    """One way of watching socket creation: the programs of the watch object it loads."""

    name: str  # "bpf-lsm" | "tracepoints"
    programs: tuple[str, ...]  # all must load and attach
    hooks: str  # what it attaches to and sees, for the CLI's first line
    optional: tuple[OptionalHooks, ...] = OPTIONAL

    def all_programs(self) -> list[str]:
        return [*self.programs, *(p for o in self.optional for step in o.steps for p in step)]


LSM_SOURCE = WatchSource(
    "bpf-lsm",
    (*SYSCALL_PROGRAMS, LSM_PROGRAM),
    f"{USER_CALLS} + lsm/socket_post_create (kernel sockets)",
)
TRACEPOINT_SOURCE = WatchSource("tracepoints", SYSCALL_PROGRAMS, f"{USER_CALLS}; no kernel sockets")
SOURCES = {s.name: s for s in (LSM_SOURCE, TRACEPOINT_SOURCE)}


def x32_enabled() -> bool:
    """Does this kernel run x32-ABI system calls? Tried with getpid() | __X32_SYSCALL_BIT."""
    if os.uname().machine != "x86_64":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return bool(libc.syscall(ctypes.c_long(0x40000000 | 39)) == os.getpid())


class WatchUnavailable(RuntimeError):
    """The kernel cannot run the watch programs; the message says why."""


def _why_not(src: WatchSource, exc: libbpf.LibbpfError | BuildError) -> str:
    if isinstance(exc, libbpf.LibbpfError):
        # Its verifier log was silenced while probing, so do not point the reader at it.
        why = (exc.strerror or "").replace(" (verifier log above)", "")
        return f"kernel refused {src.name} programs of {abi.OBJECT}.bpf.c: {why}"
    return f"no {abi.OBJECT}.bpf.o: {exc}"


def ensure_tracefs() -> None:
    """Mount tracefs at /sys/kernel/tracing if it is not there (libbpf reads tracepoint ids from it)."""
    if (TRACEFS / "events").is_dir():
        return
    proc = subprocess.run(
        ["mount", "-t", "tracefs", "nodev", str(TRACEFS)], capture_output=True, text=True
    )
    if proc.returncode != 0 or not (TRACEFS / "events").is_dir():
        raise WatchUnavailable(
            f"tracefs is not mounted at {TRACEFS} and mounting it failed: {proc.stderr.strip()}"
        )
    for tp in TRACEPOINTS:
        if not (TRACEFS / "events" / tp).is_dir():
            raise WatchUnavailable(f"kernel has no tracepoint {tp} (CONFIG_FTRACE_SYSCALLS off?)")


class SocketTracer:
    """Owns the loaded watch programs; they detach when it is closed or the process exits.

    ``source="auto"`` tries the BPF-LSM source and falls back to the tracepoints when the
    kernel refuses it; ``self.source`` is the one in use and ``self.reason`` says why.
    """

    def __init__(
        self,
        cgroup: str | Path | None = None,
        source: str = "auto",
        without: frozenset[str] = frozenset(),
    ):
        if source != "auto" and source not in SOURCES:
            raise ValueError(
                f"unknown watch source {source!r}: expected auto, {', '.join(SOURCES)}"
            )
        ensure_tracefs()
        self.links: list[libbpf.Link] = []
        self.ring: libbpf.RingBuffer | None = None
        self.obj: libbpf.BpfObject | None = None
        self.missing: list[str] = []
        unknown = set(without) - {o.key for o in OPTIONAL}
        if unknown:
            raise ValueError(
                f"unknown watch feature(s) {sorted(unknown)}: expected {[o.key for o in OPTIONAL]}"
            )
        self._without = frozenset(without)  # OptionalHooks keys not to load
        config = (
            abi.WatchConfig()
            if cgroup is None
            else abi.WatchConfig(cgroup_id=cgroup_id(cgroup), level=cgroup_level(cgroup))
        )
        obj = why_not = None
        if source in ("auto", LSM_SOURCE.name):
            try:
                obj = self._load(LSM_SOURCE, config, quiet=source == "auto")
                self.source = LSM_SOURCE
                self.reason = "the kernel loaded and attached a BPF-LSM program"
            except (libbpf.LibbpfError, BuildError) as exc:
                why_not = _why_not(LSM_SOURCE, exc)
                if source == LSM_SOURCE.name:
                    raise WatchUnavailable(f"bpf-lsm source unavailable: {why_not}") from None
        if obj is None:
            obj = self._load(TRACEPOINT_SOURCE, config, quiet=False)  # raises if refused
            self.source = TRACEPOINT_SOURCE
            self.reason = (
                "requested"
                if source == TRACEPOINT_SOURCE.name
                else f"bpf-lsm unavailable: {why_not}"
            )
        self.obj = obj
        self._events = obj.map("events")
        self._lost = obj.map("lost")

    def _load(self, src: WatchSource, config: abi.WatchConfig, quiet: bool) -> libbpf.BpfObject:
        """Load ``src``'s programs of the watch object and attach them; on failure, undo and raise."""
        obj = None
        try:
            obj = libbpf.BpfObject(object_path(abi.OBJECT))
            wanted = {*src.programs}
            for feature in src.optional:
                if feature.key not in self._without:
                    wanted.update(p for step in feature.steps for p in step)
            for name in obj.program_names():
                obj.program(name).set_autoload(name in wanted)
            obj.set_initial_value(abi.RODATA, bytes(config))
            # The probe of the LSM source is expected to fail on kernels without bpf in lsm=;
            # libbpf's verifier dump would only be noise on stderr there.
            with libbpf.quiet(logging.CRITICAL) if quiet else contextlib.nullcontext():
                obj.load()
                for prog in src.programs:
                    self.links.append(obj.program(prog).attach())
            self.missing = self._attach_optional(obj, src)
            if x32_enabled():
                self.missing.append(
                    "x32-ABI calls (this kernel accepts them; syscall tracepoints skip them "
                    "and no hotfence program reads them)"
                )
        except (libbpf.LibbpfError, BuildError):
            for link in self.links:
                link.destroy()
            self.links = []
            if obj is not None:
                obj.close()
            raise
        return obj

    def _attach_optional(self, obj: libbpf.BpfObject, src: WatchSource) -> list[str]:
        """Attach ``src.optional``; for each feature that could not be, what it misses and why."""
        missing: list[str] = []
        for feature in src.optional:
            if feature.key in self._without:
                missing.append(f"{feature.sees} (turned off)")
                continue
            links, reasons = [], []
            for step in feature.steps:
                for prog in step:
                    try:
                        with libbpf.quiet(logging.CRITICAL):
                            links.append(obj.program(prog).attach())
                        break
                    except libbpf.LibbpfError as exc:
                        reasons.append(f"{prog}: {exc.strerror}")
                else:
                    break
            else:
                self.links.extend(links)
                continue
            for link in links:
                link.destroy()
            missing.append(f"{feature.sees} ({'; '.join(reasons)})")
        return missing

    def describe(self) -> str:
        """Which source is active, what it attaches to, and why it was chosen."""
        gaps = f"; NOT watched: {', '.join(self.missing)}" if self.missing else ""
        return f"via {self.source.name}: {self.source.hooks}; {self.reason}{gaps}"

    def open_ring(self, callback: Callable[[bytes], None]) -> libbpf.RingBuffer:
        self.ring = libbpf.RingBuffer(self._events, callback)
        return self.ring

    def lost(self) -> int:
        """Events the kernel could not put in the ring (summed over CPUs)."""
        return sum(
            struct.unpack("<Q", v)[0] for v in self._lost.lookup_percpu(struct.pack("<I", 0))
        )

    def close(self) -> None:
        if self.ring is not None:
            self.ring.free()
            self.ring = None
        for link in self.links:
            link.destroy()
        self.links = []
        if self.obj is not None:
            self.obj.close()
            self.obj = None

    def __enter__(self) -> SocketTracer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
