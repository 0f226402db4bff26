"""Loads bpf/watch.bpf.c on the syscalls:sys_{enter,exit}_socket tracepoints and reads its events.

The kernel side writes fixed-size records to a ring buffer; a record that finds the ring
full is counted in the per-CPU `lost` array, so `delivered + lost` always equals the
number of socket() calls seen.
"""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

from hotfence.bpf import libbpf
from hotfence.bpf.build import object_path
from hotfence.watch.cgroups import cgroup_id, cgroup_level

TRACEFS = Path("/sys/kernel/tracing")
TRACEPOINTS = ("syscalls/sys_enter_socket", "syscalls/sys_exit_socket")


class WatchUnavailable(RuntimeError):
    """The kernel cannot run the watch programs; the message says why."""


def ensure_tracefs() -> None:
    """Mount tracefs at /sys/kernel/tracing if it is not there (libbpf reads tracepoint ids from it)."""
    if (TRACEFS / "events").is_dir():
        return
    proc = subprocess.run(["mount", "-t", "tracefs", "nodev", str(TRACEFS)], capture_output=True, text=True)
    if proc.returncode != 0 or not (TRACEFS / "events").is_dir():
        raise WatchUnavailable(f"tracefs is not mounted at {TRACEFS} and mounting it failed: {proc.stderr.strip()}")
    for tp in TRACEPOINTS:
        if not (TRACEFS / "events" / tp).is_dir():
            raise WatchUnavailable(f"kernel has no tracepoint {tp} (CONFIG_FTRACE_SYSCALLS off?)")


class SocketTracer:
    """Owns the loaded watch programs; they detach when it is closed or the process exits."""

    def __init__(self, cgroup: str | Path | None = None):
        ensure_tracefs()
        self.obj = libbpf.BpfObject(object_path("watch"))
        self.links: list[libbpf.Link] = []
        self.ring: libbpf.RingBuffer | None = None
        try:
            self.obj.load()
            if cgroup is not None:
                config = struct.pack("<QII", cgroup_id(cgroup), cgroup_level(cgroup), 0)
                self.obj.map("watch_cfg").update(struct.pack("<I", 0), config)
            for prog in ("watch_enter", "watch_exit"):
                self.links.append(self.obj.program(prog).attach())
        except Exception:
            self.close()
            raise
        self._lost = self.obj.map("lost")

    def open_ring(self, callback: Callable[[bytes], None]) -> libbpf.RingBuffer:
        self.ring = libbpf.RingBuffer(self.obj.map("events"), callback)
        return self.ring

    def lost(self) -> int:
        """Events the kernel could not put in the ring (summed over CPUs)."""
        return sum(struct.unpack("<Q", v)[0] for v in self._lost.lookup_percpu(struct.pack("<I", 0)))

    def close(self) -> None:
        if self.ring is not None:
            self.ring.free()
            self.ring = None
        for link in self.links:
            link.destroy()
        self.links = []
        self.obj.close()

    def __enter__(self) -> "SocketTracer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
