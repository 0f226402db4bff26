"""The BPF-LSM backend: ``lsm/socket_create``, ``lsm/socket_bind``, ``lsm/socket_connect``.

Loads ``bpf/fence_lsm.bpf.c`` through the ctypes libbpf layer. The object carries the
same maps as the cgroup backend (``fence_core.h``), so a :class:`CompiledPolicy` is
written by the very same :class:`~hotfence.fence.backends.cgroup.FenceMaps` (atomic slot
swap, per-rule counters, ring-buffer events); this module adds only what an LSM program
needs and a cgroup attachment does not:

* **scope**: an LSM program runs for every task on the host, so the map
  ``hf_lsm_scope`` (one entry per policy slot: struct hf_lsm_scope in fence_lsm.bpf.c)
  names the target cgroup (id and depth; the program compares
  ``bpf_get_current_ancestor_cgroup_id(depth)`` with it, which covers descendants) and
  the netns scope (``non-host``: the task's netns inode differs from ``init_net``'s).
  The root cgroup is refused, and an unset scope enforces nothing.
* **attachment**: LSM programs attach by BTF id, not to a cgroup: one ``bpf_link`` per
  hook from libbpf's generic ``bpf_program__attach`` (bpftool 7.1 cannot attach LSM
  programs). The links belong to this process and detach when it exits.

:func:`select` is the backend choice for the CLI: BPF-LSM when the running kernel
loads an LSM program, else cgroup-BPF, with the per-rule coverage of the choice.
"""

from __future__ import annotations

import ctypes
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from hotfence.bpf import build, libbpf
from hotfence.fence.backends import Coverage, ProbeResult, RuleCoverage
from hotfence.fence.backends.cgroup import FenceMaps
from hotfence.fence.backends.cgroupfs import CgroupRef, FenceError, resolve_cgroup
from hotfence.fence.compiled import ANY, DEFAULT_INET_PROTOCOL, Action, CompiledPolicy

NAME = "bpf-lsm"
OBJECT = "fence_lsm"
# program name -> the hook it implements (for messages)
PROGRAMS: dict[str, str] = {
    "hf_lsm_socket_create": "lsm/socket_create",
    "hf_lsm_socket_bind": "lsm/socket_bind",
    "hf_lsm_socket_connect": "lsm/socket_connect",
}
SCOPE_MAP = "hf_lsm_scope"
NETNS_MODES = {"any": 0, "non-host": 1}  # HF_NETNS_* in fence_lsm.bpf.c
INET_FAMILIES = (socket.AF_INET, socket.AF_INET6)

# libbpf's generic attach (lsm/ sections attach through BPF_RAW_TRACEPOINT_OPEN / link
# by BTF id); declared here so the shared ctypes layer stays as it is.
libbpf._lib.bpf_program__attach.restype = ctypes.c_void_p
libbpf._lib.bpf_program__attach.argtypes = [ctypes.c_void_p]


class ScopeValue(ctypes.Structure):
    """struct hf_lsm_scope (fence_lsm.bpf.c)."""

    _fields_ = [("cgroup_id", ctypes.c_uint64), ("level", ctypes.c_uint32), ("netns", ctypes.c_uint32)]


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
            raise FenceError(f"scope netns {self.netns!r}: expected one of {', '.join(NETNS_MODES)}")
        if self.level < 1:
            raise FenceError(f"{self.cgroup.path}: refusing to fence the root cgroup (that is host-wide)")
        return bytes(ScopeValue(self.cgroup.id, self.level, NETNS_MODES[self.netns]))


# ---------------------------------------------------------------------------- coverage


def _create_key_gap(family: int, type_: int, protocol: int) -> tuple[Coverage, str]:
    # The program looks inet stream/dgram protocol 0 up as TCP/UDP (resolve_create_protocol),
    # so a key written with protocol 0 there can never match.
    if family in INET_FAMILIES and protocol == 0:
        if type_ in DEFAULT_INET_PROTOCOL:
            return Coverage.NONE, ("protocol 0 on an inet stream/dgram socket is looked up as the "
                                   "type's default (tcp/udp), so a key with protocol 0 never matches")
        if type_ == ANY:
            return Coverage.PARTIAL, "protocol 0 on inet stream/dgram sockets is looked up as tcp/udp"
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
        out.append(RuleCoverage(-1, "default", f"{policy.default.name.lower()} everything else",
                                Coverage.FULL, ""))
    return out


class LsmBackend:
    name = NAME

    def coverage(self, policy: CompiledPolicy) -> list[RuleCoverage]:
        return coverage(policy)


# ---------------------------------------------------------------------------- attachment


class LsmFence:
    """A loaded fence_lsm object whose programs enforce on one cgroup subtree.

    ``object_path`` defaults to the object built for the running kernel; the guest tests
    pass one built on the host against the guest kernel's BTF.
    """

    def __init__(self, cgroup: str | os.PathLike[str], object_path: str | os.PathLike[str] | None = None):
        self.cgroup: CgroupRef = resolve_cgroup(cgroup)
        path = Path(object_path) if object_path else build.object_path(OBJECT)
        self.obj = libbpf.BpfObject(path)
        try:
            self.obj.load()
            self.maps = FenceMaps.from_object(self.obj)
            self.scope_map = self.obj.map(SCOPE_MAP)
        except BaseException:
            self.obj.close()
            raise
        self.links: dict[str, libbpf.Link] = {}

    def __enter__(self) -> LsmFence:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def install(self, policy: CompiledPolicy, netns: str | None = None) -> int:
        """Atomically replace the active policy (and its netns scope); returns the new slot.

        The scope goes into the slot FenceMaps.install is about to fill, so the policy's
        rules and its netns scope become active together with the one hf_active flip.
        """
        scope = Scope(self.cgroup, netns if netns is not None else (policy.scope_netns or "any"))
        value = scope.encode()  # validation first: nothing written on a bad scope
        old = self.maps.active_slot()
        new = 1 - old if self.maps.config(old).loaded else old
        self.scope_map.update(new.to_bytes(4, "little"), value)
        slot = self.maps.install(policy)
        if slot != new:  # FenceMaps changed its slot choice: keep the scope with the rules
            self.scope_map.update(slot.to_bytes(4, "little"), value)
        return slot

    def scope(self, slot: int | None = None) -> ScopeValue:
        slot = self.maps.active_slot() if slot is None else slot
        raw = self.scope_map.lookup(slot.to_bytes(4, "little"))
        return ScopeValue.from_buffer_copy(raw) if raw else ScopeValue()

    def attach(self) -> None:
        """Attach every hook; all or nothing."""
        try:
            for prog in PROGRAMS:
                p = self.obj.program(prog)
                ptr = libbpf._lib.bpf_program__attach(p._ptr)
                if not ptr:
                    raise libbpf.LibbpfError(ctypes.get_errno(), f"attach {PROGRAMS[prog]} program {prog}")
                self.links[prog] = libbpf.Link(ptr, prog)
        except BaseException:
            self.detach()
            raise

    def detach(self) -> None:
        for link in self.links.values():
            link.destroy()
        self.links.clear()

    def close(self) -> None:
        self.detach()
        self.obj.close()


# ---------------------------------------------------------------------------- selection


@dataclass(frozen=True)
class Selection:
    """Which backend enforces a policy here, why, and what it covers rule by rule."""

    backend: str  # "bpf-lsm" | "cgroup-bpf"
    reason: str
    coverage: list[RuleCoverage]
    probes: list[ProbeResult]


def select(policy: CompiledPolicy, probes: list[ProbeResult] | None = None,
           prefer: str | None = None) -> Selection:
    """Choose the backend for ``policy``: BPF-LSM if the kernel loads it, else cgroup-BPF.

    ``probes`` defaults to :func:`hotfence.fence.backends.probe` (loads a tiny program per
    backend); ``prefer`` forces one backend and fails if the kernel refuses it.
    """
    from hotfence.fence.backends import cgroup as cgroup_backend, probe

    probes = probe() if probes is None else probes
    by_name = {p.backend: p for p in probes}
    cov = {NAME: coverage, cgroup_backend.NAME: cgroup_backend.coverage}
    order = [prefer] if prefer else [NAME, cgroup_backend.NAME]
    for name in order:
        if name not in cov:
            raise FenceError(f"unknown backend {name!r}: expected {NAME} or {cgroup_backend.NAME}")
    refused = []
    for name in order:
        p = by_name.get(name)
        if p is not None and p.available:
            why = p.reason
            if refused:
                why = f"{why}; {'; '.join(refused)}"
            elif name == NAME and not prefer:
                why = f"{why}: sees every family, kernel sockets and the netns"
            return Selection(name, why, cov[name](policy), probes)
        refused.append(f"{name} unavailable: {p.reason if p else 'not probed'}")
    raise FenceError("no enforcement backend works on this kernel: " + "; ".join(refused))
