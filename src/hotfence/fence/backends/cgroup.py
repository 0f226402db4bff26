"""The cgroup-BPF backend: ``cgroup/sock_create``, ``cgroup/bind4|6``, ``cgroup/connect4|6``.

Loads ``bpf/fence_cgroup.bpf.c`` through the ctypes libbpf layer, writes a
:class:`CompiledPolicy` into its maps (``maps.py``) and attaches one link per hook to
a cgroup. What this module adds to the shared machinery is what only cgroup-BPF has:
which calls its hooks see (:func:`coverage`) and how a program attaches (to a cgroup fd).

Two ways to hold the attachment:

* :class:`CgroupFence` (``fence run``): links owned by this process; they detach when
  it exits, however it exits.
* :func:`apply` / :func:`remove` (``fence apply|remove``): links and maps pinned under
  ``/sys/fs/bpf/hotfence/<cgroup-id>/`` so enforcement outlives the CLI, with state
  under ``/run/hotfence/fence/<cgroup-id>/`` (``pinning.py``, ``lifecycle.py``).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Hashable
from pathlib import Path

from hotfence.bpf import build, libbpf
from hotfence.fence.backends import pinning
from hotfence.fence.backends.base import Coverage, RuleCoverage
from hotfence.fence.backends.cgroupfs import CgroupRef, FenceError, resolve_cgroup
from hotfence.fence.backends.lifecycle import (
    LoadedFence,
    PinnedKind,
    SharedFences,
    Spares,
    apply_pinned,
    remove_pinned,
)
from hotfence.fence.backends.maps import (
    MAPS,
    FenceCounters,
    FenceMaps,
    map_sizes,
    policy_from_maps,
)
from hotfence.fence.backends.pinning import Applied, AppliedState, Liveness
from hotfence.fence.compiled import ANY, ANY_KERN, Action, CompiledPolicy, Hook
from hotfence.fence.model import Backend as BackendName

NAME = BackendName.CGROUP.value
OBJECT = "fence_cgroup"

# program name -> the hook it implements (for messages and pin names)
PROGRAMS: dict[str, str] = {
    "hf_sock_create": "cgroup/sock_create",
    "hf_bind4": "cgroup/bind4",
    "hf_bind6": "cgroup/bind6",
    "hf_connect4": "cgroup/connect4",
    "hf_connect6": "cgroup/connect6",
    "hf_sendmsg4": "cgroup/sendmsg4",  # connect rules, for UDP datagrams sent with a destination
    "hf_sendmsg6": "cgroup/sendmsg6",
}
INET_FAMILIES = (socket.AF_INET, socket.AF_INET6)


# ---------------------------------------------------------------------------- coverage


def _create_key_gap(family: int, type_: int, protocol: int, kern: int) -> tuple[Coverage, str]:
    if kern == 1:
        return (
            Coverage.NONE,
            "kernel sockets never reach cgroup/sock_create (inet_create runs it only if !kern)",
        )
    if family != ANY and family not in INET_FAMILIES:
        return (
            Coverage.NONE,
            f"cgroup/sock_create only runs for AF_INET/AF_INET6, not family {family}",
        )
    if family != ANY and type_ != ANY and protocol == 0:
        return (
            Coverage.NONE,
            "protocol 0 is resolved to the type's default before cgroup/sock_create runs",
        )
    gaps = []
    if family == ANY:
        gaps.append("only AF_INET/AF_INET6 sockets are seen")
    if kern == ANY_KERN:
        gaps.append("kernel sockets are not seen")
    return (Coverage.PARTIAL, "; ".join(gaps)) if gaps else (Coverage.FULL, "")


def _port_key_gap(hook: int, family: int, protocol: int, port: int) -> tuple[Coverage, str]:
    if family != ANY and family not in INET_FAMILIES:
        return (
            Coverage.NONE,
            f"cgroup bind/connect hooks only see AF_INET/AF_INET6, not family {family}",
        )
    if hook == Hook.BIND and port == ANY:
        return (
            Coverage.PARTIAL,
            "ports the kernel picks without bind() (listen/connect/sendto autobind) are not seen",
        )
    return Coverage.FULL, ""


def coverage(policy: CompiledPolicy) -> list[RuleCoverage]:
    """Per rule, whether cgroup-BPF enforces it; the worst key of a rule decides."""
    per_rule: dict[int, list[tuple[Coverage, str]]] = {}
    for ck, v in policy.create.items():
        per_rule.setdefault(v.rule_id, []).append(
            _create_key_gap(ck.family, ck.type, ck.protocol, ck.kern)
        )
    for pk, v in policy.ports.items():
        per_rule.setdefault(v.rule_id, []).append(
            _port_key_gap(pk.hook, pk.family, pk.protocol, pk.port)
        )
    out = []
    for rule in policy.rules:
        gaps = per_rule.get(rule.rule_id, [])
        levels = {c for c, _ in gaps}
        reasons = sorted({r for _, r in gaps if r})
        if Coverage.NONE in levels:
            level = Coverage.NONE if levels == {Coverage.NONE} else Coverage.PARTIAL
        elif Coverage.PARTIAL in levels:
            level = Coverage.PARTIAL
        else:
            level = Coverage.FULL
        out.append(RuleCoverage(rule.rule_id, rule.name, rule.summary, level, "; ".join(reasons)))
    if policy.default != Action.ALLOW:
        out.append(
            RuleCoverage(
                -1,
                "default",
                f"{policy.default.name.lower()} everything else",
                Coverage.PARTIAL,
                "only AF_INET/AF_INET6 user sockets, binds and connects are seen",
            )
        )
    return out


# ---------------------------------------------------------------------------- attachment


class CgroupFence(LoadedFence):
    """A loaded fence object attached to one cgroup by links this process owns."""

    PROGRAMS = PROGRAMS

    def __init__(
        self,
        cgroup: str | os.PathLike[str],
        loaded: libbpf.BpfObject | None = None,
        sizes: dict[str, int] | None = None,
    ):
        super().__init__(resolve_cgroup(cgroup), build.object_path(OBJECT), loaded, sizes)

    def _maps(self) -> FenceMaps:
        return FenceMaps.from_object(self.obj)

    def _attach(self, program: libbpf.Program) -> libbpf.Link:
        fd = os.open(self.cgroup.path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            return program.attach_cgroup(fd)
        finally:
            os.close(fd)


# ---------------------------------------------------------------------------- pinned (apply)

# The programs take nothing per cgroup at load time (policy in maps, cgroup at attach), so
# a process that applies the same policies to many cgroups (the agent) attaches one object
# per policy to each (SHARED.keep()), and keeps the next policy's object loaded ahead
# (SPARES.keep()).
SPARES = Spares(lambda: build.object_path(OBJECT), map_sizes(None, shared=True))


def _load_shared(cg: CgroupRef, policy: CompiledPolicy) -> LoadedFence:
    sizes = map_sizes(policy, shared=True)
    fence = CgroupFence(cg.path, SPARES.take() if sizes == SPARES.sizes else None, sizes)
    try:
        fence.maps.install(policy, drain=False, fresh=True)  # attached nowhere yet
    except BaseException:
        fence.close()
        raise
    return fence


def shared_key(policy: CompiledPolicy) -> Hashable:
    """What the maps of ``policy`` hold: policies equal in it share one object."""
    return (
        policy.enforce,
        policy.default,
        len(policy.rules),
        tuple(sorted(policy.create.items())),
        tuple(sorted(policy.ports.items())),
    )


SHARED = SharedFences(_load_shared, shared_key)


def _load(cg: CgroupRef, policy: CompiledPolicy) -> LoadedFence:
    shared = SHARED.view(cg, policy)
    return shared if shared is not None else CgroupFence(cg.path, None, map_sizes(policy))


KIND = PinnedKind(NAME, PROGRAMS, MAPS, _load, lambda d, cg: FenceMaps.from_pins(d))


def pin_dir(cg: CgroupRef) -> Path:
    return pinning.pin_dir_of(NAME, cg.id)


def apply(
    policy: CompiledPolicy, cgroup: str | os.PathLike[str], policy_file: str = ""
) -> tuple[AppliedState, bool]:
    """Enforce ``policy`` on ``cgroup`` persistently; re-applying swaps atomically.

    Returns the recorded state and whether this was a swap into an existing attachment.
    Serialised with every other apply / swap / remove of this cgroup by the fence lock.
    """
    return apply_pinned(KIND, policy, resolve_cgroup(cgroup), policy_file, coverage(policy))


def swap(
    policy: CompiledPolicy, cgroup: str | os.PathLike[str], policy_file: str = ""
) -> AppliedState:
    """Atomically replace the policy of the fence applied on ``cgroup``; there must be one."""
    cg = resolve_cgroup(cgroup)
    return apply_pinned(KIND, policy, cg, policy_file, coverage(policy), swap_only=True)[0]


def remove(cgroup: str | os.PathLike[str] | int) -> bool:
    """Detach and unpin what ``apply`` left on a cgroup (path, or cgroup id if the cgroup is gone)."""
    cgroup_id = cgroup if isinstance(cgroup, int) else resolve_cgroup(cgroup).id
    return remove_pinned(NAME, cgroup_id, str(cgroup))


def applied() -> list[Applied]:
    """Every fence left by ``apply`` on this host."""
    return pinning.applied(NAME, PROGRAMS)


def applied_on(cgroup_id: int) -> Applied | None:
    """The fence ``apply`` left on one cgroup id, if any."""
    return pinning.applied_on(NAME, PROGRAMS, cgroup_id)


def status() -> list[tuple[Applied, Liveness]]:
    """Every applied fence, checked against the kernel."""
    return [(a, pinning.liveness(a)) for a in applied()]


def applied_policy(a: Applied) -> CompiledPolicy | None:
    """The policy an applied fence's pinned maps hold."""
    if a.state is None:
        return None
    maps = FenceMaps.from_pins(a.pin_dir)
    try:
        return policy_from_maps(maps, a.state)
    finally:
        maps.close()


def open_applied(cgroup: str | os.PathLike[str]) -> tuple[FenceMaps, AppliedState | None]:
    cg = resolve_cgroup(cgroup)
    d = pin_dir(cg)
    if not d.exists():
        raise FenceError(f"{cg.path}: no fence applied (nothing pinned at {d})")
    return FenceMaps.from_pins(d), AppliedState.read(cg.id)


def counters(cgroup: str | os.PathLike[str]) -> FenceCounters:
    return FenceCounters.read(*open_applied(cgroup), resolve_cgroup(cgroup).id)


class CgroupBackend:
    """cgroup-BPF behind the :class:`~hotfence.fence.backends.Backend` interface."""

    name = NAME

    def coverage(self, policy: CompiledPolicy) -> list[RuleCoverage]:
        return coverage(policy)

    def load(self, cgroup: str | os.PathLike[str]) -> LoadedFence:
        return CgroupFence(cgroup)

    def apply(
        self, policy: CompiledPolicy, cgroup: str | os.PathLike[str], policy_file: str = ""
    ) -> tuple[AppliedState, bool]:
        return apply(policy, cgroup, policy_file)

    def swap(
        self, policy: CompiledPolicy, cgroup: str | os.PathLike[str], policy_file: str = ""
    ) -> AppliedState:
        return swap(policy, cgroup, policy_file)

    def remove(self, cgroup: str | os.PathLike[str] | int) -> bool:
        return remove(cgroup)

    def status(self) -> list[tuple[Applied, Liveness]]:
        return status()

    def policy(self, a: Applied) -> CompiledPolicy | None:
        return applied_policy(a)

    def pin_dir(self, cg: CgroupRef) -> Path:
        return pin_dir(cg)

    def counters(self, cgroup: str | os.PathLike[str]) -> FenceCounters:
        return counters(cgroup)

    def events(self, cgroup: str | os.PathLike[str]) -> tuple[FenceMaps, AppliedState | None]:
        return open_applied(cgroup)
