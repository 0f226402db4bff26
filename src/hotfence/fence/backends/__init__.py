"""Enforcement backends: what each can enforce, and which ones this kernel accepts.

A backend takes a :class:`~hotfence.fence.compiled.CompiledPolicy` and enforces it
somewhere in the kernel. Backends differ in what they can see (the cgroup-BPF hooks
only see AF_INET/AF_INET6 user sockets; BPF-LSM sees every family and the kern flag;
seccomp sees only the syscall arguments), so each reports per rule whether it can
enforce it, and :func:`probe` finds out which backends the running kernel accepts by
actually loading a tiny program for each, never by reading config files.
"""

from __future__ import annotations

import enum
import errno
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hotfence.fence.compiled import CompiledPolicy


class Coverage(str, enum.Enum):
    FULL = "full"  # every call the rule matches is seen by the backend
    PARTIAL = (
        "partial"  # enforced where the backend can see the call; the reason says what is missed
    )
    NONE = "none"  # the backend never sees a call this rule matches


@dataclass(frozen=True)
class RuleCoverage:
    rule_id: int  # -1 for the policy default
    name: str
    summary: str
    coverage: Coverage
    reason: str  # empty when FULL


@dataclass(frozen=True)
class ProbeResult:
    backend: str  # "cgroup-bpf", "bpf-lsm", "seccomp"
    available: bool
    reason: str  # why not (or what was checked)


class Backend(Protocol):
    name: str

    def coverage(self, policy: CompiledPolicy) -> list[RuleCoverage]:
        """Per rule (and the default), whether this backend can enforce it."""
        ...


def unenforceable(coverages: list[RuleCoverage]) -> list[RuleCoverage]:
    return [c for c in coverages if c.coverage is Coverage.NONE]


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
        code = errno.errorcode.get(exc.errno, str(exc.errno))
        return ProbeResult(backend, False, f"kernel refused to load {hook} ({code})")
    return ProbeResult(backend, True, f"kernel loaded a {hook} program")


def _probe_seccomp() -> ProbeResult:
    status = Path("/proc/self/status").read_text()
    if "Seccomp_filters:" in status or "Seccomp:" in status:
        return ProbeResult("seccomp", True, "kernel has seccomp (Seccomp: in /proc/self/status)")
    return ProbeResult("seccomp", False, "kernel built without CONFIG_SECCOMP")


def probe() -> list[ProbeResult]:
    """Which backends work on the running kernel, and why the others do not."""
    return [
        _probe_object("bpf-lsm", "probe_lsm", "lsm/socket_create"),
        _probe_object("cgroup-bpf", "probe_cgroup", "cgroup/sock_create"),
        _probe_seccomp(),
    ]
