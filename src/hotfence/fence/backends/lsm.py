"""The BPF-LSM backend: ``lsm/socket_create``, ``lsm/socket_bind``, ``lsm/socket_connect``.

Loads ``bpf/fence_lsm.bpf.c`` through the ctypes libbpf layer. The object carries the
same maps as the cgroup backend (``fence_core.h``), so a :class:`CompiledPolicy` is
written by the cgroup backend's :class:`~hotfence.fence.backends.cgroup.FenceMaps` (atomic
slot swap, per-rule counters, ring-buffer events; :class:`LsmMaps` extends it with the
scope); this module adds only what an LSM program needs and a cgroup attachment does not:

* **scope**: an LSM program runs for every task on the host, so the map
  ``hf_lsm_scope`` (one entry per policy slot: struct hf_lsm_scope in fence_lsm.bpf.c)
  names the target cgroup (id and depth; the program compares
  ``bpf_get_current_ancestor_cgroup_id(depth)`` with it, which covers descendants) and
  the netns scope (``non-host``: the task's ``nsproxy->net_ns`` is not ``&init_net``).
  The root cgroup is refused, and an unset scope enforces nothing.
* **attachment**: LSM programs attach by BTF id, not to a cgroup: one ``bpf_link`` per
  hook from libbpf's generic ``bpf_program__attach`` (bpftool 7.1 cannot attach LSM
  programs). :class:`LsmFence` (``fence run``) owns its links: they detach when the
  process exits. :func:`apply` / :func:`remove` pin links and maps under
  ``/sys/fs/bpf/hotfence/lsm-<cgroup id>/`` (state file as the cgroup backend's).

"""

from __future__ import annotations

import ctypes
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hotfence.bpf import build, libbpf
from hotfence.fence.backends import pinning
from hotfence.fence.backends.base import Coverage, RuleCoverage
from hotfence.fence.backends.cgroupfs import (
    CgroupRef,
    FenceError,
    resolve_cgroup,
)
from hotfence.fence.backends.lifecycle import LoadedFence, PinnedKind, apply_pinned, remove_pinned
from hotfence.fence.backends.maps import (
    MAPS,
    FenceCounters,
    FenceMaps,
    SlotJournal,
    map_sizes,
    policy_from_maps,
)
from hotfence.fence.backends.pinning import Applied, AppliedState, Liveness
from hotfence.fence.compiled import ANY, DEFAULT_INET_PROTOCOL, Action, CompiledPolicy
from hotfence.fence.model import Backend as BackendName

NAME = BackendName.LSM.value
OBJECT = "fence_lsm"
# program name -> the hook it implements (for messages)
PROGRAMS: dict[str, str] = {
    "hf_lsm_socket_create": "lsm/socket_create",
    "hf_lsm_socket_bind": "lsm/socket_bind",
    "hf_lsm_socket_connect": "lsm/socket_connect",
    "hf_lsm_socket_sendmsg": "lsm/socket_sendmsg",  # connect rules, for sends with a destination
}
SCOPE_MAP = "hf_lsm_scope"
NETNS_MODES = {"any": 0, "non-host": 1}  # HF_NETNS_* in fence_lsm.bpf.c
INET_FAMILIES = (socket.AF_INET, socket.AF_INET6)


class ScopeValue(ctypes.Structure):
    """struct hf_lsm_scope (fence_lsm.bpf.c)."""

    _fields_ = [
        ("cgroup_id", ctypes.c_uint64),
        ("level", ctypes.c_uint32),
        ("netns", ctypes.c_uint32),
    ]


@dataclass(frozen=True)
class Scope:
    """Where an LSM fence applies: a cgroup subtree, optionally only outside the host netns."""

    cgroup: CgroupRef
    netns: str = "any"  # "any" | "non-host"

    @property
    def level(self) -> int:
        """Depth below the cgroup2 root (the root is level 0), as cgroup ancestors count."""
        return len(self.cgroup.path.relative_to(self.cgroup.mount).parts)

    def encode(self) -> bytes:
        if self.netns not in NETNS_MODES:
            raise FenceError(
                f"scope netns {self.netns!r}: expected one of {', '.join(NETNS_MODES)}"
            )
        if self.level < 1:
            raise FenceError(
                f"{self.cgroup.path}: refusing to fence the root cgroup (that is host-wide)"
            )
        return bytes(ScopeValue(self.cgroup.id, self.level, NETNS_MODES[self.netns]))


# ---------------------------------------------------------------------------- coverage


def _create_key_gap(family: int, type_: int, protocol: int) -> tuple[Coverage, str]:
    # The program looks inet stream/dgram protocol 0 up as TCP/UDP (resolve_create_protocol),
    # so a key written with protocol 0 there can never match.
    if family in INET_FAMILIES and protocol == 0:
        if type_ in DEFAULT_INET_PROTOCOL:
            return Coverage.NONE, (
                "protocol 0 on an inet stream/dgram socket is looked up as the "
                "type's default (tcp/udp), so a key with protocol 0 never matches"
            )
        if type_ == ANY:
            return (
                Coverage.PARTIAL,
                "protocol 0 on inet stream/dgram sockets is looked up as tcp/udp",
            )
    return Coverage.FULL, ""


def coverage(policy: CompiledPolicy) -> list[RuleCoverage]:
    """Per rule, whether BPF-LSM enforces it: every family, both kern values, bind/connect."""
    per_rule: dict[int, list[tuple[Coverage, str]]] = {}
    for ck, v in policy.create.items():
        per_rule.setdefault(v.rule_id, []).append(_create_key_gap(ck.family, ck.type, ck.protocol))
    for _pk, v in policy.ports.items():
        per_rule.setdefault(v.rule_id, []).append((Coverage.FULL, ""))
    out = []
    for rule in policy.rules:
        gaps = per_rule.get(rule.rule_id, [])
        levels = {c for c, _ in gaps}
        reasons = sorted({r for _, r in gaps if r})
        if levels == {Coverage.NONE}:
            level = Coverage.NONE
        elif levels - {Coverage.FULL}:
            level = Coverage.PARTIAL
        else:
            level = Coverage.FULL
        out.append(RuleCoverage(rule.rule_id, rule.name, rule.summary, level, "; ".join(reasons)))
    if policy.default != Action.ALLOW:
        # The default decides every socket() in scope that no rule matches: all families,
        # kernel sockets included, and every inet bind()/connect().
        out.append(
            RuleCoverage(
                -1, "default", f"{policy.default.name.lower()} everything else", Coverage.FULL, ""
            )
        )
    return out


# ---------------------------------------------------------------------------- attachment


class LsmMaps(FenceMaps):
    """FenceMaps plus the scope map: ``install`` writes the scope into the slot it fills.

    A drop-in for the cgroup backend's ``fence.maps``: the same install / counters /
    stats / events, so callers need not know which backend they drive.
    """

    def __init__(self, maps: dict[str, libbpf.Map], cgroup: CgroupRef):
        super().__init__(maps)
        if SCOPE_MAP not in maps:
            raise FenceError(f"fence maps missing: {SCOPE_MAP}")
        self.scope_map = maps[SCOPE_MAP]
        self.cgroup = cgroup
        self._scope_value = b""

    def install(
        self,
        policy: CompiledPolicy,
        write_hook: Callable[[int], None] | None = None,
        journal: SlotJournal | None = None,
        drain: bool = True,
        fresh: bool = False,
        netns: str | None = None,
    ) -> int:
        """Atomically replace the active policy (and its netns scope); returns the new slot.

        The scope goes into the slot FenceMaps.install fills (``_prepare_slot``), so the
        policy's rules and its netns scope become active together with the one flip.
        """
        scope = Scope(self.cgroup, netns if netns is not None else (policy.scope_netns or "any"))
        self._scope_value = scope.encode()  # validation first: nothing written on a bad scope
        return super().install(policy, write_hook, journal, drain, fresh)

    def _prepare_slot(self, slot: int) -> None:
        self.scope_map.update(slot.to_bytes(4, "little"), self._scope_value)

    def scope(self, slot: int | None = None) -> ScopeValue:
        slot = self.active_slot() if slot is None else slot
        raw = self.scope_map.lookup(slot.to_bytes(4, "little"))
        return ScopeValue.from_buffer_copy(raw) if raw else ScopeValue()


class LsmFence(LoadedFence):
    """A loaded fence_lsm object whose programs enforce on one cgroup subtree.

    Same shape as the cgroup backend's CgroupFence (``maps.install``, ``attach``,
    ``detach``, ``close``, ``cgroup``). ``object_path`` defaults to the object built for
    the running kernel; the guest tests pass one built against the guest kernel's BTF.
    """

    PROGRAMS = PROGRAMS
    maps: LsmMaps

    def __init__(
        self,
        cgroup: str | os.PathLike[str],
        object_path: str | os.PathLike[str] | None = None,
        sizes: dict[str, int] | None = None,
    ):
        cg = resolve_cgroup(cgroup)
        Scope(cg).encode()  # refuse the root cgroup before loading anything
        path = Path(object_path) if object_path else build.object_path(OBJECT)
        super().__init__(cg, path, sizes=sizes)

    def _maps(self) -> LsmMaps:
        return LsmMaps({n: self.obj.map(n) for n in (*MAPS, SCOPE_MAP)}, self.cgroup)

    def _attach(self, program: libbpf.Program) -> libbpf.Link:
        return program.attach()

    def install(self, policy: CompiledPolicy, netns: str | None = None) -> int:
        """``maps.install`` with an optional netns scope overriding the policy's."""
        return self.maps.install(policy, netns=netns)

    def scope(self, slot: int | None = None) -> ScopeValue:
        return self.maps.scope(slot)


# ---------------------------------------------------------------------------- pinned (apply)


def pin_dir(cg: CgroupRef) -> Path:
    return pinning.pin_dir_of(NAME, cg.id)


def _open_pinned(d: Path, cg: CgroupRef) -> LsmMaps:
    fm = FenceMaps.from_pins(d)
    try:
        scope = libbpf.open_pinned_map(d / SCOPE_MAP, SCOPE_MAP, 4, ctypes.sizeof(ScopeValue))
    except BaseException:
        fm.close()
        raise
    return LsmMaps({**fm.maps, SCOPE_MAP: scope}, cg)


def _kind(object_path: str | os.PathLike[str] | None) -> PinnedKind:
    return PinnedKind(
        NAME,
        PROGRAMS,
        (*MAPS, SCOPE_MAP),
        # The scope is written with the policy, so it too is in place before attaching.
        lambda cg, policy: LsmFence(cg.path, object_path, map_sizes(policy)),
        _open_pinned,
    )


def apply(
    policy: CompiledPolicy,
    cgroup: str | os.PathLike[str],
    policy_file: str = "",
    object_path: str | os.PathLike[str] | None = None,
) -> tuple[AppliedState, bool]:
    """Enforce ``policy`` on ``cgroup`` persistently (links and maps pinned in bpffs under
    ``lsm-<cgroup id>``); re-applying swaps atomically. Returns the state and whether it
    was a swap into an existing attachment. Serialised by the fence lock."""
    cg = resolve_cgroup(cgroup)
    Scope(cg).encode()
    return apply_pinned(_kind(object_path), policy, cg, policy_file, coverage(policy))


def swap(
    policy: CompiledPolicy, cgroup: str | os.PathLike[str], policy_file: str = ""
) -> AppliedState:
    """Atomically replace the policy of the LSM fence on ``cgroup``; there must be one."""
    cg = resolve_cgroup(cgroup)
    return apply_pinned(_kind(None), policy, cg, policy_file, coverage(policy), swap_only=True)[0]


def remove(cgroup: str | os.PathLike[str] | int) -> bool:
    """Detach and unpin what :func:`apply` left (cgroup path, or its id if it is gone)."""
    cgroup_id = cgroup if isinstance(cgroup, int) else resolve_cgroup(cgroup).id
    return remove_pinned(NAME, cgroup_id, str(cgroup))


def applied() -> list[Applied]:
    """Every LSM fence left by :func:`apply` on this host."""
    return pinning.applied(NAME, PROGRAMS)


def status() -> list[tuple[Applied, Liveness]]:
    """Every applied LSM fence, checked against the kernel."""
    return [(a, pinning.liveness(a)) for a in applied()]


def applied_policy(a: Applied) -> CompiledPolicy | None:
    """The policy an applied LSM fence's pinned maps hold, with its netns scope."""
    if a.state is None:
        return None
    maps = _open_pinned(a.pin_dir, resolve_cgroup(a.state.cgroup))
    try:
        policy = policy_from_maps(maps, a.state)
        netns = maps.scope().netns
    finally:
        maps.close()
    if policy is not None:
        policy.scope_netns = {v: k for k, v in NETNS_MODES.items()}.get(netns, "any")
    return policy


def open_applied(cgroup: str | os.PathLike[str]) -> tuple[LsmMaps, AppliedState | None]:
    cg = resolve_cgroup(cgroup)
    d = pin_dir(cg)
    if not d.exists():
        raise FenceError(f"{cg.path}: no {NAME} fence applied (nothing pinned at {d})")
    return _open_pinned(d, cg), AppliedState.read(cg.id)


def counters(cgroup: str | os.PathLike[str]) -> FenceCounters:
    return FenceCounters.read(*open_applied(cgroup), resolve_cgroup(cgroup).id)


class LsmBackend:
    """BPF-LSM behind the :class:`~hotfence.fence.backends.Backend` interface."""

    name = NAME

    def coverage(self, policy: CompiledPolicy) -> list[RuleCoverage]:
        return coverage(policy)

    def load(self, cgroup: str | os.PathLike[str]) -> LoadedFence:
        return LsmFence(cgroup)

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
