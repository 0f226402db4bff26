"""The compiled form of a SocketPolicy: what the compiler produces and every backend loads.

This module is the contract between the policy compiler (``fence.compiler``), the
reference model (``fence.model``) and the kernel backends (``fence.backends.*``).
The BPF programs in ``hotfence/fence/`` (fence_core.h) implement ``lookup_order`` below with hash-map
look-ups; the reference model uses ``CompiledPolicy.decide`` so both agree by
construction.

Precedence (documented for users in docs/policy.md): the most specific matching rule
wins, where specificity is the fixed order of key shapes in ``CREATE_LOOKUP_ORDER`` /
``PORT_LOOKUP_ORDER``; two rules with the same key are a validation error; no match
means the policy's ``default`` action.

Protocol seen by each hook: ``cgroup/sock_create`` runs inside inet_create/inet6_create
after the protosw lookup, so it sees the *resolved* protocol (``sk->sk_protocol``:
``socket(AF_INET, SOCK_STREAM, 0)`` arrives as TCP). ``lsm/socket_create`` sees what the
caller passed. So that one policy means the same on both, a backend that looks up with
the caller's protocol first applies ``resolve_create_protocol`` (protocol 0 on an
inet/inet6 stream or dgram socket -> TCP / UDP, the default inet_create would pick).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

ANY = 0xFFFF  # wildcard value for a u16 key field
ANY_KERN = 2  # kern field: 0 = user socket, 1 = kernel socket, 2 = either


class Action(enum.IntEnum):
    ALLOW = 0
    DENY = 1
    AUDIT = 2  # allow, but count and emit an event


class Hook(enum.IntEnum):
    SOCKET_CREATE = 0
    BIND = 1
    CONNECT = 2


@dataclass(frozen=True, order=True)
class CreateKey:
    """Key of the socket-create map: struct create_key in fence/fence_abi.h."""

    family: int
    type: int  # base type, SOCK_CLOEXEC/SOCK_NONBLOCK already masked off; ANY allowed
    protocol: int  # ANY allowed; 0 is a real value ("default protocol") only if written
    kern: int  # 0, 1 or ANY_KERN


@dataclass(frozen=True, order=True)
class PortKey:
    """Key of the bind/connect map: struct port_key in fence/fence_abi.h."""

    hook: int  # Hook.BIND or Hook.CONNECT
    family: int  # AF_INET or AF_INET6 or ANY
    protocol: int  # IPPROTO_TCP / IPPROTO_UDP / ANY
    port: int  # host byte order; ranges are expanded by the compiler. 65535 == ANY, so
    # the compiler refuses rules naming port 65535 (a call to port 65535 then finds the
    # same verdict as the wildcard look-ups would, so decide_port stays exact).


@dataclass(frozen=True)
class Verdict:
    rule_id: int  # index into CompiledPolicy.rules and the per-rule counter map
    action: Action


# Shapes tried in order for socket(); True = use the call's own value, False = wildcard.
# (family, type, protocol, kern). At most len(...) hash look-ups per call, whatever the
# number of rules.
CREATE_LOOKUP_ORDER: tuple[tuple[bool, bool, bool, bool], ...] = (
    (True, True, True, True),
    (True, True, True, False),
    (True, True, False, True),
    (True, True, False, False),
    (True, False, True, True),
    (True, False, True, False),
    (True, False, False, True),
    (True, False, False, False),
    (False, False, False, True),
)

# (family, protocol, port) for bind/connect; the hook is always exact.
PORT_LOOKUP_ORDER: tuple[tuple[bool, bool, bool], ...] = (
    (True, True, True),
    (False, True, True),
    (True, False, True),
    (False, False, True),
    (True, True, False),
    (False, True, False),
    (True, False, False),
)


# Default protocol inet_create()/inet6_create() choose for protocol 0: the first entry
# of inetsw[type], which is always the permanent one (TCP for stream, UDP for dgram).
# Raw sockets have no default (protocol 0 fails with EPROTONOSUPPORT).
INET_FAMILIES = (2, 10)  # AF_INET, AF_INET6
AF_PACKET = 17
DEFAULT_INET_PROTOCOL: dict[int, int] = {1: 6, 2: 17}  # SOCK_STREAM->TCP, SOCK_DGRAM->UDP


def resolve_create_protocol(family: int, type_: int, protocol: int) -> int:
    """The protocol a policy look-up should use for socket(family, type_, protocol).

    Identity except for protocol 0 on inet/inet6 stream/dgram sockets, which become the
    protocol the kernel will pick, and AF_PACKET protocols, which the kernel truncates
    to 16 bits. The cgroup hook already sees the resolved value, so
    applying this there is a no-op.
    """
    if protocol == 0 and family in INET_FAMILIES:
        return DEFAULT_INET_PROTOCOL.get(type_, 0)
    if family == AF_PACKET:
        # packet_create keeps the low 16 bits (an ethertype); 0x10300 acts as 0x0300.
        return protocol & 0xFFFF
    return protocol


@dataclass(frozen=True)
class RuleInfo:
    """What user space needs to explain a verdict: where the rule came from."""

    rule_id: int
    name: str  # rule's `name:` or "rules[3]"
    source: str  # "policy.yaml:12"
    summary: str  # "deny socket(inet6, raw, icmpv6)"
    hooks: frozenset[Hook] = frozenset()


@dataclass
class CompiledPolicy:
    name: str
    enforce: bool  # False = audit mode: every DENY is counted as "would deny" and allowed
    default: Action
    rules: list[RuleInfo] = field(default_factory=list)
    create: dict[CreateKey, Verdict] = field(default_factory=dict)
    ports: dict[PortKey, Verdict] = field(default_factory=dict)
    # Added after the first contract; all optional so older callers keep working.
    source: str = ""  # the policy file
    default_source: str = ""  # "policy.yaml:7", where spec.default was written
    scope_cgroup: str | None = None  # spec.scope.cgroup: where the policy is meant to apply
    scope_netns: str = "any"  # spec.scope.netns: "any" or "non-host" (LSM backend only)

    def effective_action(self, verdict: Verdict | None) -> Action:
        """The action a verdict (None = no rule matched) stands for, before audit mode."""
        return self.default if verdict is None else verdict.action

    def rule(self, verdict: Verdict | None) -> RuleInfo | None:
        return None if verdict is None else self.rules[verdict.rule_id]

    def decide_create(self, family: int, type_: int, protocol: int, kern: bool) -> Verdict | None:
        """The verdict for socket(), exactly as the BPF program computes it (None = default)."""
        # The kernel passes an int protocol; only 0..0xFFFE can be an exact key value, so
        # anything else (e.g. -1, 0x10006) may only match rules that leave protocol open.
        # The BPF programs must range-check before filling the u16 key field likewise.
        protocol_exact = 0 <= protocol < ANY
        kern_v = int(kern)
        for use_f, use_t, use_p, use_k in CREATE_LOOKUP_ORDER:
            if use_p and not protocol_exact:
                continue
            verdict = self.create.get(
                CreateKey(
                    family if use_f else ANY,
                    type_ if use_t else ANY,
                    protocol if use_p else ANY,
                    kern_v if use_k else ANY_KERN,
                )
            )
            if verdict is not None:
                return verdict
        return None

    def decide_port(self, hook: Hook, family: int, protocol: int, port: int) -> Verdict | None:
        """The verdict for bind()/connect() on an inet socket (None = default)."""
        for use_f, use_p, use_port in PORT_LOOKUP_ORDER:
            key = PortKey(
                int(hook),
                family if use_f else ANY,
                protocol if use_p else ANY,
                port if use_port else ANY,
            )
            verdict = self.ports.get(key)
            if verdict is not None:
                return verdict
        return None
