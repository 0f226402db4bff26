"""A policy's socket() rules merged into a container's OCI seccomp profile.

cgroup-BPF sees only AF_INET / AF_INET6 sockets, so a policy's rules for AF_ALG, AF_PACKET,
AF_VSOCK, AF_RDS... are enforced here instead, per container, from its first instruction:
the runtime wrapper edits ``linux.seccomp`` of ``config.json`` before runc reads it.

The policy is cut into the seccomp backend's disjoint cells (``backends.seccomp.partition``,
one masked comparison per argument, so rule order never matters), with the inet families
left to the cgroup fence (their cells become plain ALLOW). How they join the runtime's
profile depends on its default action:

* the default fails calls (Docker's and Podman's default profiles): the profile's
  unconditional ALLOW of socket/socketpair is replaced by every cell, ALLOW cells
  included, so what the runtime allowed stays allowed except what the policy denies;
  conditional socket rules of the runtime's own cannot be combined with the cells and
  are refused (:class:`MergeError`) rather than silently weakened;
* the default allows (or there is no profile: ``seccomp=unconfined``): the non-ALLOW
  cells are added.

Either way, when something is denied: ``io_uring_setup`` fails (IORING_OP_SOCKET makes
sockets without a socket() call), and so does the 32-bit ``socketcall`` multiplexer
(its arguments sit behind a pointer seccomp cannot read), as in ``fence exec``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from hotfence.fence import libseccomp as scmp
from hotfence.fence.backends.seccomp import U32, Block, Cell, partition
from hotfence.fence.compiled import INET_FAMILIES, CompiledPolicy

SOCKET_CALLS = ("socket", "socketpair")
FAILING_DEFAULTS = ("SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP")  # fmt: skip
ARCHES = ("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32")


class MergeError(RuntimeError):
    """The policy cannot be merged into this profile; the message says why."""


@dataclass(frozen=True)
class Merged:
    seccomp: dict[str, Any]
    denies: bool  # whether the merged profile denies any socket() call for the policy
    notes: list[str]


def split_out(block: Block, points: set[int]) -> list[Block]:
    """Aligned blocks covering ``block``'s values except ``points`` (which lie inside it)."""
    size = (~block.mask & U32) + 1
    lo, end = block.value, block.value + size  # [lo, end)
    out: list[Block] = []
    for p in sorted(x for x in points if block.contains(x)) + [end]:
        while lo < p:
            step = lo & -lo if lo else size
            while lo + step > p:
                step //= 2
            out.append(Block(U32 & ~(step - 1), lo))
            lo += step
        lo = p + 1
    return out


def cells_beside_cgroup_bpf(
    policy: CompiledPolicy, deny_errno: int, leave: tuple[int, ...] = INET_FAMILIES
) -> list[Cell]:
    """The policy's socket() cells with the ``leave`` families allowed (by default the inet
    families, which the cgroup fence holds)."""
    out: list[Cell] = []
    left: set[int] = set()  # the ``leave`` families the partition touched
    for c in partition(policy, deny_errno):
        fam = c.family
        inside = {f for f in leave if fam is None or fam.contains(f)}
        if not inside or (c.action == scmp.ACT_ALLOW and c.type is None and c.protocol is None):
            out.append(c)  # no left family, or all of them allowed whole: as it is
            continue
        left |= inside
        if fam is None or fam.mask != U32:  # a block holding some: the rest keeps its action
            whole = fam or Block(0, 0)
            out += [
                Cell(b, c.type, c.protocol, c.action, c.rule_id) for b in split_out(whole, inside)
            ]
    # Every cell of a left family is ALLOW, so each becomes one cell, whatever the partition
    # cut it into (per type and protocol for an inet rule): a policy with one raw-ICMPv6
    # rule cut AF_INET6 into 40 OCI rules, and runc compiles every one of them at create.
    out += [Cell(Block(U32, f), None, None, scmp.ACT_ALLOW, None) for f in sorted(left)]
    return out


def _action(action: int, deny_errno: int) -> dict[str, Any]:
    if action == scmp.ACT_ALLOW:
        return {"action": "SCMP_ACT_ALLOW"}
    if action == scmp.ACT_LOG:
        return {"action": "SCMP_ACT_LOG"}
    return {"action": "SCMP_ACT_ERRNO", "errnoRet": deny_errno}


def _oci_rule(c: Cell, deny_errno: int) -> dict[str, Any]:
    args = [
        {"index": i, "value": b.mask, "valueTwo": b.value, "op": "SCMP_CMP_MASKED_EQ"}
        for i, b in enumerate((c.family, c.type, c.protocol))
        if b is not None
    ]
    return {"names": list(SOCKET_CALLS), **_action(c.action, deny_errno), "args": args}


def _without(rules: list[dict[str, Any]], names: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for r in rules:
        kept = [n for n in r.get("names") or [] if n not in names]
        if kept:
            out.append({**r, "names": kept})
    return out


def merge(
    seccomp: dict[str, Any] | None,
    policy: CompiledPolicy,
    deny_errno: int = 1,
    leave: tuple[int, ...] = INET_FAMILIES,
) -> Merged:
    """The runtime's profile (None: unconfined) with ``policy``'s socket() rules merged in,
    except for the ``leave`` families (``()``: every family, when no cgroup fence helps)."""
    cells = cells_beside_cgroup_bpf(policy, deny_errno, leave)
    denies = any(c.action not in (scmp.ACT_ALLOW, scmp.ACT_LOG) for c in cells)
    if not any(c.action != scmp.ACT_ALLOW for c in cells):
        return Merged(copy.deepcopy(seccomp) if seccomp else {}, False, [])
    notes: list[str] = []
    if seccomp is None:
        profile: dict[str, Any] = {
            "defaultAction": "SCMP_ACT_ALLOW",
            "architectures": list(ARCHES),
            "syscalls": [],
        }
        notes.append(
            "no seccomp profile to merge into (unconfined): one allowing every other call was made"
        )
    else:
        profile = copy.deepcopy(seccomp)
    rules: list[dict[str, Any]] = list(profile.get("syscalls") or [])
    if profile.get("defaultAction") in FAILING_DEFAULTS:
        socket_rules = [r for r in rules if set(r.get("names") or []) & set(SOCKET_CALLS)]
        conditional = [r for r in socket_rules if r.get("args")]
        if conditional:
            raise MergeError(
                "the container's seccomp profile has conditional rules for socket() "
                f"({conditional[0].get('action')} with {len(conditional[0]['args'])} argument "
                "comparisons); hotfence cannot combine its rules with them"
            )
        allowed = any(r.get("action") == "SCMP_ACT_ALLOW" for r in socket_rules)
        if not allowed:
            notes.append("the runtime's profile already fails every socket() call")
            return Merged(profile, True, notes)
        rules = _without(rules, (*SOCKET_CALLS, "socketcall"))
        rules += [_oci_rule(c, deny_errno) for c in cells]
    else:
        rules += [_oci_rule(c, deny_errno) for c in cells if c.action != scmp.ACT_ALLOW]
        rules.append({"names": ["socketcall"], "action": "SCMP_ACT_ERRNO", "errnoRet": deny_errno})
    if denies:
        rules = _without(rules, ("io_uring_setup",))
        rules.append(
            {"names": ["io_uring_setup"], "action": "SCMP_ACT_ERRNO", "errnoRet": deny_errno}
        )
        notes.append("io_uring_setup(2) fails: IORING_OP_SOCKET would bypass socket() rules")
    notes.append("32-bit socketcall(2) fails: its arguments are behind a pointer")
    profile["syscalls"] = rules
    return Merged(profile, denies, notes)
