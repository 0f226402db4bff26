"""seccomp backend: a CompiledPolicy's socket() rules as a seccomp filter on one process tree.

What the kernel sees: seccomp runs at system-call entry, before ``__sys_socket``, and
reads only the raw register arguments of ``socket(family, type, protocol)`` (and of
``socketpair``, which creates its sockets through the same ``__sock_create`` and LSM
hook).  It needs no privileges (no_new_privs is set) and is inherited across fork and
exec, so it confines CMD and everything CMD starts, and nothing else.

How the policy becomes a filter.  libseccomp merges the rules of one system call into a
union and cannot express "first match wins", so the filter must not rely on rule order.
Instead the (family, type, protocol) space is cut into disjoint *cells*, each one
argument comparison per argument, on which ``CompiledPolicy.decide_create`` is constant;
each cell gets the action decide_create gives its lowest member.  Every comparison is
``SCMP_CMP_MASKED_EQ`` restricted to the low 32 bits, because the kernel reads these
arguments as ``int``: the upper half of the register is ignored (so garbage there
cannot bypass a rule), and the type is compared through ``SOCK_TYPE_MASK`` (0xf) so that
SOCK_CLOEXEC / SOCK_NONBLOCK cannot bypass one either.  A "complement" (every family /
type / protocol not named by a rule) is covered by aligned power-of-two blocks, like
CIDR prefixes; a gap of a 32-bit range needs at most 62 of them.

One difference from the kernel-side backends remains by nature: seccomp decides before
the kernel validates the call, so a denied call that the kernel would have rejected
anyway (family >= NPROTO, type >= SOCK_MAX, unknown flag bits) gets the deny errno
instead of EAFNOSUPPORT / EINVAL.
"""

from __future__ import annotations

import errno as errno_mod
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from hotfence.fence import libseccomp as scmp
from hotfence.fence.backends.base import SECCOMP, Coverage, RuleCoverage
from hotfence.fence.backends.cgroupfs import CgroupRef, FenceError
from hotfence.fence.compiled import (
    ANY,
    DEFAULT_INET_PROTOCOL,
    INET_FAMILIES,
    Action,
    CompiledPolicy,
    Hook,
    RuleInfo,
    resolve_create_protocol,
)
from hotfence.linux.names import AF_INET, AF_PACKET, SOCK_PACKET, SOCK_TYPE_MASK

if TYPE_CHECKING:
    from hotfence.fence.backends.lifecycle import LoadedFence
    from hotfence.fence.backends.maps import FenceCounters, FenceMaps
    from hotfence.fence.backends.pinning import Applied, AppliedState, Liveness

NAME = SECCOMP
U32 = 0xFFFFFFFF
SOCKET_SYSCALLS = ("socket", "socketpair")  # both reach security_socket_create()
BPF_MAXINSNS = 4096  # include/uapi/linux/bpf_common.h: the kernel's limit for one filter


@dataclass(frozen=True, order=True)
class Block:
    """The argument values ``v`` with ``(v & mask) == value``: one SCMP_CMP_MASKED_EQ."""

    mask: int
    value: int

    def contains(self, v: int) -> bool:
        return (v & self.mask) == self.value


def exact(v: int, width: int = U32) -> Block:
    return Block(width, v & width)


def complement(points: Iterable[int], width: int = U32) -> list[Block]:
    """Aligned blocks covering exactly the values in ``[0, width]`` that are not ``points``."""
    blocks: list[Block] = []
    lo = 0
    for p in sorted({p & width for p in points}) + [width + 1]:
        hi = p - 1
        while lo <= hi:  # split [lo, hi] into the largest aligned power-of-two pieces
            size = lo & -lo if lo else width + 1
            while lo + size - 1 > hi:
                size //= 2
            blocks.append(Block(width & ~(size - 1), lo))
            lo += size
        lo = p + 1
    return blocks


@dataclass(frozen=True)
class Cell:
    """One seccomp rule: a disjoint piece of the socket() argument space and its action.

    ``None`` for an argument means "not compared" (every value).
    """

    family: Block | None
    type: Block | None
    protocol: Block | None
    action: int  # SCMP_ACT_*
    rule_id: int | None  # the deciding rule, None = the policy's default

    def matches(self, family: int, type_: int, protocol: int) -> bool:
        return all(
            b is None or b.contains(v & U32)
            for b, v in ((self.family, family), (self.type, type_), (self.protocol, protocol))
        )

    def comparisons(self) -> list[scmp.ArgCmp]:
        return [
            scmp.ArgCmp(i, scmp.Cmp.MASKED_EQ, b.mask, b.value)
            for i, b in enumerate((self.family, self.type, self.protocol))
            if b is not None
        ]


@dataclass(frozen=True)
class SeccompCoverage:
    """Whether seccomp can enforce one policy rule, and how or why not."""

    rule: RuleInfo
    enforceable: bool
    how: str


@dataclass
class SeccompPlan:
    """Everything the filter will contain, computed without touching the kernel."""

    policy: CompiledPolicy
    deny_errno: int
    cells: list[Cell] = field(default_factory=list)  # only non-ALLOW cells become rules
    coverage: list[SeccompCoverage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # policy-wide limits, always printed
    block_io_uring: bool = False

    @property
    def unenforceable(self) -> list[SeccompCoverage]:
        return [c for c in self.coverage if not c.enforceable]

    def action_for(self, family: int, type_: int, protocol: int) -> int:
        """What the filter returns for a raw socket() call (cells are disjoint)."""
        hits = [c for c in self.cells if c.matches(family, type_, protocol)]
        assert len(hits) <= 1, f"overlapping cells {hits}"
        return hits[0].action if hits else scmp.ACT_ALLOW


class UnenforceableError(Exception):
    """A policy has rules seccomp cannot enforce and --allow-partial was not given."""

    def __init__(self, plan: SeccompPlan) -> None:
        names = ", ".join(f"{c.rule.name} ({c.rule.source})" for c in plan.unenforceable)
        super().__init__(
            f"seccomp cannot enforce: {names}; use --allow-partial to run without them"
        )
        self.plan = plan


class FilterTooLargeError(Exception):
    """The policy's cells do not fit in one classic-BPF program."""


def _seccomp_action(policy: CompiledPolicy, action: Action, deny_errno: int) -> int:
    if action == Action.ALLOW:
        return scmp.ACT_ALLOW
    if action == Action.DENY and policy.enforce:
        return scmp.act_errno(deny_errno)
    return scmp.ACT_LOG  # an audit rule, or a deny in audit mode: allowed and logged


def _collapse(group: list[Cell], whole: Cell) -> list[Cell]:
    """One cell for ``whole`` when every cell of the partition ``group`` acts the same.

    Keeps the filter small: a family without rules of its own costs one rule, not one per
    protocol block.
    """
    if len({c.action for c in group}) == 1:
        rule_ids = {c.rule_id for c in group}
        return [
            Cell(
                whole.family,
                whole.type,
                whole.protocol,
                group[0].action,
                rule_ids.pop() if len(rule_ids) == 1 else None,
            )
        ]
    return group


def policy_triple(family: int, type_: int, protocol: int) -> tuple[int, int, int]:
    """The (family, type, protocol) the policy is looked up with for a socket() call.

    The same as the LSM backend, which sees what ``security_socket_create`` gets:
    ``__sock_create`` has rewritten (AF_INET, SOCK_PACKET) to AF_PACKET, and protocol 0
    on an inet stream/dgram socket means the protocol inet_create will pick.
    ``type_`` is the base type (flags masked off).
    """
    if family == AF_INET and type_ == SOCK_PACKET:
        family = AF_PACKET
    return family, type_, resolve_create_protocol(family, type_, protocol)


def _protocol_width(family: int) -> int:
    """The protocol bits the kernel keeps for ``family``: packet_create keeps 16 (an
    ethertype; 0x10300 acts as 0x0300), so the filter compares those, as the BPF programs
    and resolve_create_protocol do, and high bits cannot sidestep an ethertype's rule."""
    return 0xFFFF if family == AF_PACKET else U32


def _cells(policy: CompiledPolicy, deny_errno: int) -> list[Cell]:
    return [c for c in partition(policy, deny_errno) if c.action != scmp.ACT_ALLOW]


def partition(policy: CompiledPolicy, deny_errno: int) -> list[Cell]:
    """Every cell of the socket() argument space, the ALLOW ones included.

    A filter whose default is to allow needs only the others (:func:`plan`); a container
    runtime's profile fails every call it does not list, so it needs them all.
    """
    # Seccomp only ever sees user sockets, so kern-only keys never decide anything here.
    keys = [k for k in policy.create if k.kern != 1]
    families = {k.family for k in keys if k.family != ANY}
    if AF_PACKET in families:
        families.add(AF_INET)  # its SOCK_PACKET calls are decided by the packet rules

    def cell(fam: Block, typ: Block | None, proto: Block | None) -> Cell:
        # Every member of the cell gets the same verdict, so its lowest one stands for all.
        rep = policy_triple(fam.value, typ.value if typ else 0, proto.value if proto else 0)
        verdict = policy.decide_create(*rep, False)
        return Cell(
            fam,
            typ,
            proto,
            _seccomp_action(policy, policy.effective_action(verdict), deny_errno),
            None if verdict is None else verdict.rule_id,
        )

    def protocols(family: int, types: tuple[int, ...]) -> set[int]:
        return {
            k.protocol for k in keys if k.family == family and k.type in types and k.protocol != ANY
        }

    cells = [cell(b, None, None) for b in complement(families)]
    for f in sorted(families):
        fam = exact(f)
        types = {
            k.type for k in keys if k.family == f and k.type != ANY and k.type <= SOCK_TYPE_MASK
        }
        if f in INET_FAMILIES:
            types |= set(DEFAULT_INET_PROTOCOL)  # protocol 0 is looked up as TCP / UDP
        if f == AF_INET:
            types.add(SOCK_PACKET)
        groups = []
        for t in sorted(types):
            looked_up = policy_triple(f, t, 0)
            protos = protocols(looked_up[0], (t, ANY))
            if looked_up[2] != 0:
                protos.add(0)
            groups.append((exact(t, SOCK_TYPE_MASK), protos, _protocol_width(looked_up[0])))
        groups += [
            (b, protocols(f, (ANY,)), _protocol_width(f)) for b in complement(types, SOCK_TYPE_MASK)
        ]
        fam_cells: list[Cell] = []
        for typ, protos, width in groups:
            group = [cell(fam, typ, exact(p, width)) for p in sorted(protos)]
            group += [cell(fam, typ, b) for b in complement(protos, width)]
            fam_cells += _collapse(group, Cell(fam, typ, None, 0, None))
        cells += _collapse(fam_cells, Cell(fam, None, None, 0, None))
    return cells


def _coverage(policy: CompiledPolicy, deny_errno: int) -> list[SeccompCoverage]:
    create_kerns: dict[int, set[int]] = {}
    for key, verdict in policy.create.items():
        create_kerns.setdefault(verdict.rule_id, set()).add(key.kern)
    port_rules = {v.rule_id for v in policy.ports.values()}
    out = []
    for rule in policy.rules:
        action = next(
            (
                v.action
                for v in [*policy.create.values(), *policy.ports.values()]
                if v.rule_id == rule.rule_id
            ),
            Action.ALLOW,
        )
        kerns = create_kerns.get(rule.rule_id, set())
        if rule.rule_id in port_rules or Hook.BIND in rule.hooks or Hook.CONNECT in rule.hooks:
            out.append(
                SeccompCoverage(
                    rule,
                    False,
                    "bind/connect: the port is inside the sockaddr that "
                    "seccomp sees only as a pointer",
                )
            )
        elif kerns == {1} and action != Action.ALLOW:
            out.append(
                SeccompCoverage(
                    rule,
                    False,
                    "kernel sockets are created inside the kernel, "
                    "with no system call for seccomp to see",
                )
            )
        elif kerns == {1}:
            out.append(SeccompCoverage(rule, True, "holds: seccomp never blocks kernel sockets"))
        else:
            how = {
                scmp.ACT_ALLOW: "allowed",
                scmp.ACT_LOG: "logged (SCMP_ACT_LOG) and allowed",
            }.get(
                _seccomp_action(policy, action, deny_errno),
                f"fails with {errno_mod.errorcode.get(deny_errno, deny_errno)}",
            )
            scope = (
                " (user sockets; kernel sockets are not seen)" if 1 in kerns or 2 in kerns else ""
            )
            out.append(SeccompCoverage(rule, True, f"socket()/socketpair() {how}{scope}"))
    return out


def plan(policy: CompiledPolicy, deny_errno: int = errno_mod.EPERM) -> SeccompPlan:
    """Translate ``policy`` into disjoint seccomp cells plus an honest coverage list."""
    cells = _cells(policy, deny_errno)
    block_io_uring = any(c.action == scmp.act_errno(deny_errno) for c in cells)
    notes = [
        "32-bit calls: ia32 (int 0x80, incl. socketcall(2)) and x32 system calls all fail "
        "with ENOSYS; socketcall hides its arguments behind a pointer, so they are blocked "
        "rather than filtered",
    ]
    if block_io_uring:
        notes.append(
            "io_uring_setup(2) fails with "
            f"{errno_mod.errorcode.get(deny_errno, deny_errno)}: IORING_OP_SOCKET "
            "creates sockets without a socket() system call"
        )
    else:
        notes.append("io_uring is not blocked: IORING_OP_SOCKET is not seen by seccomp")
    if cells:
        notes.append(
            "matches are recorded by the kernel's audit log as SECCOMP records (dmesg / "
            "auditd; kernel.seccomp.actions_logged), not by hotfence counters or events"
        )
    if policy.scope_cgroup is not None:
        notes.append(
            f"spec.scope.cgroup {policy.scope_cgroup} is not used: fence exec confines "
            "CMD's process tree wherever it runs"
        )
    if policy.scope_netns != "any":
        notes.append(
            f"spec.scope.netns {policy.scope_netns} is not seen by seccomp: the filter "
            "applies in every network namespace, the host's included"
        )
    if policy.default != Action.ALLOW:
        notes.append(
            f"default {policy.default.name.lower()} applies to socket()/socketpair() "
            "from user space only, never to kernel sockets"
        )
    return SeccompPlan(
        policy, deny_errno, cells, _coverage(policy, deny_errno), notes, block_io_uring
    )


def build_filter(p: SeccompPlan) -> scmp.Filter:
    """A libseccomp filter for ``p``: default allow, one rule per cell and socket syscall."""
    filt = scmp.Filter(scmp.ACT_ALLOW)
    try:
        filt.set_attr(scmp.Attr.CTL_NNP, 1)  # lets an unprivileged process load it
        filt.set_attr(scmp.Attr.CTL_LOG, 1)  # denies reach the audit log, not only SCMP_ACT_LOG
        # Calls from another ABI would skip the native rules; fail them instead.
        filt.set_attr(scmp.Attr.ACT_BADARCH, scmp.act_errno(errno_mod.ENOSYS))
        for syscall in SOCKET_SYSCALLS:
            for c in p.cells:
                filt.add_rule(c.action, syscall, c.comparisons())
        if p.block_io_uring:
            filt.add_rule(scmp.act_errno(p.deny_errno), "io_uring_setup")
        size = len(filt.export_bpf()) // 8
        if size > BPF_MAXINSNS:
            raise FilterTooLargeError(
                f"policy {p.policy.name!r} needs {size} seccomp BPF instructions; "
                f"the kernel takes at most {BPF_MAXINSNS}"
            )
    except BaseException:
        filt.release()
        raise
    return filt


def install(
    policy: CompiledPolicy, deny_errno: int = errno_mod.EPERM, allow_partial: bool = False
) -> SeccompPlan:
    """Load the filter into the calling thread (irreversibly); raise before that if partial."""
    p = plan(policy, deny_errno)
    if p.unenforceable and not allow_partial:
        raise UnenforceableError(p)
    with build_filter(p) as filt:
        filt.load()
    return p


_NOT_PINNED = (
    "seccomp fences one process tree from inside it (`hotfence fence exec`); "
    "its filter cannot be attached to a cgroup, replaced, removed or read back"
)


class SeccompBackend:
    """seccomp behind the :class:`~hotfence.fence.backends.Backend` interface.

    Only :meth:`coverage` applies: a filter is loaded by the process it confines
    (:func:`install`), so everything about a fence on a cgroup is refused with the reason.
    """

    name = NAME

    def coverage(self, policy: CompiledPolicy) -> list[RuleCoverage]:
        out = []
        for c in plan(policy).coverage:
            if not c.enforceable:
                level, reason = Coverage.NONE, c.how
            elif "kernel sockets are not seen" in c.how:
                level, reason = Coverage.PARTIAL, "kernel sockets are not seen"
            else:
                level, reason = Coverage.FULL, ""
            out.append(RuleCoverage(c.rule.rule_id, c.rule.name, c.rule.summary, level, reason))
        return out

    def _refuse(self) -> NoReturn:
        raise FenceError(_NOT_PINNED)

    def load(self, cgroup: str | os.PathLike[str]) -> LoadedFence:
        self._refuse()

    def apply(
        self, policy: CompiledPolicy, cgroup: str | os.PathLike[str], policy_file: str = ""
    ) -> tuple[AppliedState, bool]:
        self._refuse()

    def swap(
        self, policy: CompiledPolicy, cgroup: str | os.PathLike[str], policy_file: str = ""
    ) -> AppliedState:
        self._refuse()

    def remove(self, cgroup: str | os.PathLike[str] | int) -> bool:
        self._refuse()

    def status(self) -> list[tuple[Applied, Liveness]]:
        return []  # filters belong to processes, not to the host's fence registry

    def policy(self, a: Applied) -> CompiledPolicy | None:
        self._refuse()

    def pin_dir(self, cg: CgroupRef) -> Path:
        self._refuse()

    def counters(self, cgroup: str | os.PathLike[str]) -> FenceCounters:
        self._refuse()

    def events(self, cgroup: str | os.PathLike[str]) -> tuple[FenceMaps, AppliedState | None]:
        self._refuse()
