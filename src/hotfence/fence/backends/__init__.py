"""Enforcement backends: one interface, what each can enforce, and which one to use.

A backend takes a :class:`~hotfence.fence.compiled.CompiledPolicy` and enforces it
somewhere in the kernel. Backends differ in what they can see (the cgroup-BPF hooks
only see AF_INET/AF_INET6 user sockets; BPF-LSM sees every family and the kern flag;
seccomp sees only the syscall arguments), so each reports per rule whether it can
enforce it, and :func:`probe` finds out which backends the running kernel accepts by
actually loading a tiny program for each, never by reading config files.

Every backend implements :class:`Backend` (``cgroup.py``, ``lsm.py``, ``seccomp.py``);
:func:`get` returns one by name and :func:`select` picks one for a policy. The shared
machinery: ``maps.py`` (map encoding, atomic swap), ``lifecycle.py`` (load, attach,
pinned apply / swap / remove), ``pinning.py`` (state, lock, liveness).
"""

from __future__ import annotations

import errno
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

# The shared data types are defined in base.py (so backend modules need not import this
# package) and are part of this package's interface: callers import them from here.
from hotfence.fence.backends.base import (
    SECCOMP,
    Coverage,
    ProbeResult,
    RuleCoverage,
    unenforceable,
)
from hotfence.fence.compiled import CompiledPolicy
from hotfence.fence.model import Backend as BackendName

if TYPE_CHECKING:
    from hotfence.fence.backends.cgroupfs import CgroupRef
    from hotfence.fence.backends.lifecycle import LoadedFence
    from hotfence.fence.backends.maps import FenceCounters, FenceMaps
    from hotfence.fence.backends.pinning import Applied, AppliedState, Liveness

__all__ = [
    "SECCOMP",
    "Backend",
    "Coverage",
    "ProbeResult",
    "RuleCoverage",
    "Selection",
    "get",
    "pinned",
    "probe",
    "select",
    "unenforceable",
]


class Backend(Protocol):
    """What every enforcement backend offers; a backend that cannot do one of these (a
    seccomp filter is neither pinned nor removable) raises FenceError saying why."""

    name: str  # the one name: "cgroup-bpf", "bpf-lsm", "seccomp"

    def coverage(self, policy: CompiledPolicy) -> list[RuleCoverage]:
        """Per rule (and the default), whether this backend can enforce it."""
        ...

    def load(self, cgroup: str | os.PathLike[str]) -> LoadedFence:
        """A fence whose links this process owns (``fence run``)."""
        ...

    def apply(
        self, policy: CompiledPolicy, cgroup: str | os.PathLike[str], policy_file: str = ""
    ) -> tuple[AppliedState, bool]:
        """Enforce persistently; an existing fence is swapped. (state, swapped)."""
        ...

    def swap(
        self, policy: CompiledPolicy, cgroup: str | os.PathLike[str], policy_file: str = ""
    ) -> AppliedState:
        """Atomically replace the policy of an existing fence."""
        ...

    def remove(self, cgroup: str | os.PathLike[str] | int) -> bool:
        """Detach a fence (by path, or by cgroup id when the cgroup is gone)."""
        ...

    def status(self) -> list[tuple[Applied, Liveness]]:
        """Every fence of this backend on the host, checked against the kernel."""
        ...

    def policy(self, a: Applied) -> CompiledPolicy | None:
        """The policy an applied fence's maps hold."""
        ...

    def pin_dir(self, cg: CgroupRef) -> Path: ...

    def counters(self, cgroup: str | os.PathLike[str]) -> FenceCounters: ...

    def events(self, cgroup: str | os.PathLike[str]) -> tuple[FenceMaps, AppliedState | None]:
        """The maps whose ring buffer carries the fence's events, and its state."""
        ...


def get(name: str) -> Backend:
    """The backend called ``name``."""
    # Imported here: the BPF backends load libbpf, which the seccomp path never needs.
    from hotfence.fence.backends import cgroup, lsm, seccomp

    by_name: dict[str, Backend] = {
        b.name: b for b in (cgroup.CgroupBackend(), lsm.LsmBackend(), seccomp.SeccompBackend())
    }
    if name not in by_name:
        raise ValueError(f"unknown backend {name!r}: expected one of {', '.join(by_name)}")
    return by_name[name]


def pinned() -> list[Backend]:
    """The backends whose fences outlive the process that applied them, preferred first."""
    from hotfence.fence.backends import cgroup, lsm

    return [lsm.LsmBackend(), cgroup.CgroupBackend()]


def _probe_object(backend: str, obj_name: str, hook: str) -> ProbeResult:
    from hotfence.bpf import build, libbpf

    try:
        path = build.object_path(obj_name)
    except build.BuildError as exc:
        return ProbeResult(backend, False, f"BPF objects cannot be built: {exc}")
    try:
        with libbpf.quiet(logging.CRITICAL), libbpf.BpfObject(path) as obj:
            obj.load()
    except libbpf.LibbpfError as exc:
        code = errno.errorcode.get(exc.errno or 0, str(exc.errno))
        return ProbeResult(backend, False, f"kernel refused to load {hook} ({code})")
    return ProbeResult(backend, True, f"kernel loaded a {hook} program")


def _probe_seccomp() -> ProbeResult:
    status = Path("/proc/self/status").read_text()
    if "Seccomp_filters:" in status or "Seccomp:" in status:
        return ProbeResult(SECCOMP, True, "kernel has seccomp (Seccomp: in /proc/self/status)")
    return ProbeResult(SECCOMP, False, "kernel built without CONFIG_SECCOMP")


def probe() -> list[ProbeResult]:
    """Which backends work on the running kernel, and why the others do not."""
    return [
        _probe_object(BackendName.LSM.value, "probe_lsm", "lsm/socket_create"),
        _probe_object(BackendName.CGROUP.value, "probe_cgroup", "cgroup/sock_create"),
        _probe_seccomp(),
    ]


@dataclass(frozen=True)
class Selection:
    """Which backend enforces a policy here, why, and what it covers rule by rule."""

    backend: Backend
    reason: str
    coverage: list[RuleCoverage]
    probes: list[ProbeResult]

    @property
    def name(self) -> str:
        return self.backend.name


def select(
    policy: CompiledPolicy, probes: list[ProbeResult] | None = None, prefer: str | None = None
) -> Selection:
    """Choose the backend for ``policy``: BPF-LSM if the kernel loads it, else cgroup-BPF.

    ``probes`` defaults to :func:`probe` (loads a tiny program per backend); ``prefer``
    forces one backend and fails if the kernel refuses it.
    """
    from hotfence.fence.backends import lsm
    from hotfence.fence.backends.cgroupfs import FenceError

    probes = probe() if probes is None else probes
    by_name = {p.backend: p for p in probes}
    candidates = {b.name: b for b in pinned()}
    order = [prefer] if prefer else list(candidates)
    for name in order:
        if name not in candidates:
            raise FenceError(f"unknown backend {name!r}: expected one of {', '.join(candidates)}")
    refused: list[str] = []
    for name in order:
        p = by_name.get(name)
        if p is not None and p.available:
            why = p.reason
            if refused:
                why = f"{why}; {'; '.join(refused)}"
            elif name == lsm.NAME and not prefer:
                why = f"{why}: sees every family, kernel sockets and the netns"
            backend = candidates[name]
            return Selection(backend, why, backend.coverage(policy), probes)
        refused.append(f"{name} unavailable: {p.reason if p else 'not probed'}")
    raise FenceError("no enforcement backend works on this kernel: " + "; ".join(refused))
