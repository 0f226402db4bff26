"""A reference model, in plain Python, of the kernel's socket()/bind()/connect() path.

It walks what Linux 6.x does for ``socket(family, type, protocol)``:

* ``__sys_socket_create`` (net/socket.c): flags other than SOCK_CLOEXEC|SOCK_NONBLOCK in
  ``type`` -> EINVAL; ``type &= SOCK_TYPE_MASK``.
* ``__sock_create``: family < 0 or >= NPROTO -> EAFNOSUPPORT; type >= SOCK_MAX -> EINVAL;
  (AF_INET, SOCK_PACKET) is rewritten to AF_PACKET; ``security_socket_create`` (the LSM
  hook: the ``lsm/socket_create`` backend decides here, with the caller's raw triple);
  ``request_module("net-pf-N")`` and the ``net_families[]`` look-up (EAFNOSUPPORT);
  ``pf->create``.
* ``inet_create`` / ``inet6_create`` (net/ipv4/af_inet.c, net/ipv6/af_inet6.c): protocol
  outside 0..IPPROTO_MAX-1 -> EINVAL; the ``inetsw[type]`` protosw walk (protocol 0 takes
  the first entry's protocol, an IPPROTO_IP entry is a wildcard, protocol 0 on a
  wildcard-only type fails) with two module-load retries -> ESOCKTNOSUPPORT /
  EPROTONOSUPPORT; SOCK_RAW without CAP_NET_RAW for user sockets -> EPERM;
  ``sk_prot->init`` (ping sockets: net.ipv4.ping_group_range -> EACCES; MPTCP disabled
  -> ENOPROTOOPT); then, for user sockets only, ``BPF_CGROUP_RUN_PROG_INET_SOCK`` -- the
  ``cgroup/sock_create`` backend decides here and sees the *resolved* protocol.
* the create functions of the other families this kernel has (unix, netlink, packet,
  vsock, xdp) and a few that are usually modules (alg, rds).
* ``security_socket_post_create`` (``lsm/socket_post_create``) and ``sock_map_fd``
  (EMFILE when the caller has no free descriptor).

bind()/connect() on inet sockets: ``security_socket_bind/connect`` (LSM backend), then
``inet_bind_sk`` / ``pre_connect`` where the cgroup ``bind4|6`` / ``connect4|6`` programs
run before the protocol's own checks, then the privileged-port check (EACCES) and the
address-in-use / connection-refused outcomes given as parameters.

Where a policy decides, the verdict comes from ``CompiledPolicy.decide_create`` /
``decide_port``: the same look-up the BPF programs make. The result is an
:class:`Explanation`: the steps taken, the final errno, and the rule that decided.
"""

from __future__ import annotations

import enum
import errno as errno_mod
from dataclasses import dataclass, field, replace
from typing import Any, NoReturn

from hotfence.fence.compiled import (
    Action,
    CompiledPolicy,
    Hook,
    RuleInfo,
    Verdict,
    resolve_create_protocol,
)
from hotfence.linux import names


class Backend(str, enum.Enum):
    NONE = "none"  # no policy attached: the kernel alone
    # The one name of each backend, everywhere (fence backends, watch, explain, state).
    # cgroup-BPF: cgroup/sock_create, bind4|6, connect4|6
    CGROUP = "cgroup-bpf"
    # BPF-LSM: lsm/socket_create (or socket_post_create), socket_bind, socket_connect
    LSM = "bpf-lsm"


class HookPoint(str, enum.Enum):
    CGROUP_SOCK_CREATE = "cgroup/sock_create"
    LSM_SOCKET_CREATE = "lsm/socket_create"
    LSM_SOCKET_POST_CREATE = "lsm/socket_post_create"


DEFAULT_HOOK_POINT = {
    Backend.CGROUP: HookPoint.CGROUP_SOCK_CREATE,
    Backend.LSM: HookPoint.LSM_SOCKET_CREATE,
}


@dataclass(frozen=True)
class ProtoSw:
    """One ``struct inet_protosw`` entry of inetsw[] / inetsw6[]."""

    type: int
    protocol: int  # IPPROTO_IP (0) here means "wildcard": any protocol of this type
    name: str  # the struct proto's name, e.g. "TCP", "PING", "RAW"
    permanent: bool  # INET_PROTOSW_PERMANENT: kept first in the list
    init: str | None = None  # sk_prot->init checks modelled: "ping" or "mptcp"
    module: str | None = None  # for loadable entries: module request_module() would load


def _inet_table(v6: bool) -> tuple[ProtoSw, ...]:
    # Order as inet_register_protosw leaves it: permanent entries first, later
    # non-permanent registrations right after them (udplite after udp, before ping).
    six = "v6" if v6 else ""
    ping_proto = names.IPPROTO_ICMPV6 if v6 else names.IPPROTO_ICMP
    return (
        ProtoSw(names.SOCK_STREAM, names.IPPROTO_TCP, "TCP" + six, True),
        ProtoSw(names.SOCK_STREAM, names.IPPROTO_MPTCP, "MPTCP" + six, False, init="mptcp"),
        ProtoSw(names.SOCK_DGRAM, names.IPPROTO_UDP, "UDP" + six, True),
        ProtoSw(names.SOCK_DGRAM, names.IPPROTO_UDPLITE, "UDPLITE" + six, False),
        ProtoSw(names.SOCK_DGRAM, ping_proto, "PING" + six, False, init="ping"),
        ProtoSw(names.SOCK_RAW, names.IPPROTO_IP, "RAW" + six, False),
    )


# Families registered in net_families[] on this host's kernel (6.18, no modules): probed
# with socket() in a fresh netns, see tests/test_model.py::test_host_kernel_agrees.
HOST_FAMILIES = frozenset(
    {
        names.AF_UNIX,
        names.AF_INET,
        names.AF_INET6,
        names.AF_NETLINK,
        names.AF_PACKET,
        names.AF_VSOCK,
        names.AF_XDP,
    }
)
# nl_table[].registered on this host (route, usersock, sock_diag, xfrm, selinux, audit,
# fib_lookup, connector, netfilter, kobject_uevent, generic).
HOST_NETLINK = frozenset({0, 2, 4, 6, 7, 9, 10, 11, 12, 15, 16})


@dataclass(frozen=True)
class KernelProfile:
    """What the modelled kernel has: families, protosw tables, sysctls. Default: this host."""

    name: str = "linux 6.18 x86_64 (built-in families, no modules)"
    families: frozenset[int] = HOST_FAMILIES
    loadable_families: frozenset[int] = frozenset()  # request_module("net-pf-N") finds these
    inet_protosw: tuple[ProtoSw, ...] = _inet_table(False)
    inet6_protosw: tuple[ProtoSw, ...] = _inet_table(True)
    loadable_inet_protosw: tuple[ProtoSw, ...] = ()  # e.g. sctp, l2tp_ip as modules
    loadable_inet6_protosw: tuple[ProtoSw, ...] = ()
    netlink_protocols: frozenset[int] = HOST_NETLINK
    vsock_dgram_transport: bool = False  # no vsock dgram transport -> ENODEV
    mptcp_enabled: bool = True  # net.mptcp.enabled
    ping_group_range: tuple[int, int] = (1, 0)  # net.ipv4.ping_group_range (per netns)
    ip_unprivileged_port_start: int = 1024  # net.ipv4.ip_unprivileged_port_start


@dataclass(frozen=True)
class Caller:
    """The calling task: its capabilities, groups, descriptors and where it runs."""

    cap_net_raw: bool = True
    cap_net_bind_service: bool = True
    egid: int = 0
    groups: tuple[int, ...] = ()
    fd_available: bool = True  # False: get_unused_fd_flags fails -> EMFILE
    cgroup: str | None = None  # cgroup v2 path of the caller (None: inside the policy scope)
    host_netns: bool = True  # the caller is in the initial network namespace


@dataclass(frozen=True)
class SocketCall:
    family: int
    type: int  # as passed, flags included
    protocol: int
    kern: bool = False  # sock_create_kern() rather than the socket() syscall

    def describe(self) -> str:
        kern = " kern" if self.kern else ""
        return (
            f"socket({names.family_name(self.family)}, {names.type_name(self.type)}, "
            f"{names.protocol_name(self.family, self.protocol)}){kern}"
        )


@dataclass(frozen=True)
class PortCall:
    """bind() or connect() of a TCP stream / UDP dgram inet socket to a port, or a UDP
    sendto() with a destination (``sendto=True``, hook CONNECT: connect rules apply to it,
    or an unconnected UDP socket would walk around them)."""

    hook: Hook  # Hook.BIND or Hook.CONNECT
    family: int  # AF_INET or AF_INET6
    protocol: int  # IPPROTO_TCP or IPPROTO_UDP
    port: int
    port_in_use: bool = False  # bind: another socket holds it -> EADDRINUSE
    peer_listening: bool = True  # connect over TCP: nobody listening -> ECONNREFUSED
    sendto: bool = False  # sendto()/sendmsg() with this destination instead of connect()
    # The socket was made outside the policy's cgroup (before the caller moved in, or
    # passed in): cgroup-BPF runs the hooks of the cgroup the socket was made in.
    socket_from_outside: bool = False

    @property
    def call_name(self) -> str:
        return "sendto" if self.sendto else self.hook.name.lower()

    def describe(self) -> str:
        return (
            f"{self.call_name}({names.family_name(self.family)}, "
            f"{names.protocol_name(names.AF_INET, self.protocol)}, port {self.port})"
        )


@dataclass(frozen=True)
class Step:
    """One kernel function on the path and what it checked."""

    function: str  # "inet6_create"
    check: str  # what was checked, with the values
    outcome: str  # "ok", "skipped", or the errno name it returned
    detail: str = ""


@dataclass(frozen=True)
class PolicyDecision:
    """What the policy said at the hook that consulted it."""

    hook: str  # "cgroup/sock_create", "lsm/socket_create", "cgroup/connect6", ...
    looked_up: str  # the call as the hook saw it
    rule: RuleInfo | None  # None: no rule matched, the policy default applied
    action: Action  # the matched rule's action, or the default
    effect: str  # "allow", "deny", "audit" (allowed, counted) or "would-deny" (audit mode)
    source: str  # file:line of the rule, or of spec.default

    @property
    def denies(self) -> bool:
        return self.effect == "deny"


@dataclass(frozen=True)
class Explanation:
    call: SocketCall | PortCall
    backend: Backend
    steps: tuple[Step, ...]
    errno: int  # 0 = success
    decision: PolicyDecision | None  # None: the policy was not consulted on this path
    resolved_protocol: int | None = None  # sk->sk_protocol when the socket got that far
    notes: tuple[str, ...] = ()

    @property
    def errno_name(self) -> str:
        return "0" if self.errno == 0 else names.errno_name(self.errno)

    @property
    def decided_by_policy(self) -> bool:
        return self.decision is not None and self.decision.denies and self.errno == errno_mod.EPERM

    @property
    def verdict(self) -> str:
        if self.errno == 0:
            if self.decision is not None and self.decision.effect == "would-deny":
                return "allowed (audit mode: would be denied)"
            return "allowed"
        if self.decided_by_policy:
            return "denied by policy"
        return f"failed in the kernel ({self.errno_name})"

    @property
    def rule(self) -> RuleInfo | None:
        return None if self.decision is None else self.decision.rule


class _Stop(Exception):
    """Raised inside the walk when a step returns an error."""

    def __init__(self, err: int):
        self.err = err


@dataclass
class _Walk:
    steps: list[Step] = field(default_factory=list)
    decision: PolicyDecision | None = None
    notes: list[str] = field(default_factory=list)

    def ok(self, function: str, check: str, detail: str = "") -> None:
        self.steps.append(Step(function, check, "ok", detail))

    def skip(self, function: str, check: str, detail: str = "") -> None:
        self.steps.append(Step(function, check, "skipped", detail))

    def fail(self, function: str, check: str, err: int, detail: str = "") -> NoReturn:
        self.steps.append(Step(function, check, names.errno_name(err), detail))
        raise _Stop(err)

    def require(self, function: str, check: str, holds: bool, err: int) -> None:
        """Record ``check``: ok when it ``holds``, else fail the call with ``err``."""
        if not holds:
            self.fail(function, check, err)
        self.ok(function, check)


# --- policy consultation -----------------------------------------------------------------


def _in_scope(
    policy: CompiledPolicy, caller: Caller, backend: Backend, scope_cgroup: str | None
) -> str | None:
    """None if the policy applies to this caller, else the reason it does not."""
    scope = scope_cgroup if scope_cgroup is not None else policy.scope_cgroup
    if scope is not None and caller.cgroup is not None:
        root = scope.rstrip("/")
        if caller.cgroup.rstrip("/") != root and not caller.cgroup.startswith(root + "/"):
            return f"caller's cgroup {caller.cgroup} is outside the policy's cgroup {scope}"
    if backend is Backend.LSM and policy.scope_netns == "non-host" and caller.host_netns:
        return "policy scope is netns non-host and the caller is in the initial netns"
    return None


def _decide(
    policy: CompiledPolicy, hook: str, looked_up: str, verdict: Verdict | None
) -> PolicyDecision:
    action = policy.effective_action(verdict)
    rule = policy.rule(verdict)
    if action is Action.DENY:
        effect = "deny" if policy.enforce else "would-deny"
    elif action is Action.AUDIT:
        effect = "audit"
    else:
        effect = "allow"
    source = rule.source if rule is not None else policy.default_source
    return PolicyDecision(hook, looked_up, rule, action, effect, source)


def _consult_create(
    walk: _Walk,
    function: str,
    hook: HookPoint,
    policy: CompiledPolicy,
    family: int,
    type_: int,
    protocol: int,
    kern: bool,
) -> None:
    looked_up = SocketCall(family, type_, protocol, kern).describe()
    verdict = policy.decide_create(family, type_, protocol, kern)
    decision = _decide(policy, hook.value, looked_up, verdict)
    walk.decision = decision
    who = (
        f"rule {decision.rule.name} ({decision.source})"
        if decision.rule
        else f"default ({decision.source})"
    )
    check = f"{hook.value} looks up {looked_up}: {who} -> {decision.effect}"
    if decision.denies:
        walk.fail(
            function, check, errno_mod.EPERM, "the program returned 0: the kernel returns -EPERM"
        )
    walk.ok(function, check)


def _start_walk(
    policy: CompiledPolicy | None, caller: Caller, backend: Backend, scope_cgroup: str | None
) -> tuple[_Walk, CompiledPolicy | None]:
    """A new walk, and the policy it consults: None when the caller is out of its scope."""
    walk = _Walk()
    if policy is not None:
        reason = _in_scope(policy, caller, backend, scope_cgroup)
        if reason is not None:
            walk.notes.append(f"policy not consulted: {reason}")
            return walk, None
    return walk, policy


# --- socket() ----------------------------------------------------------------------------


def explain_socket(
    call: SocketCall,
    policy: CompiledPolicy | None = None,
    backend: Backend = Backend.NONE,
    *,
    hook_point: HookPoint | None = None,
    caller: Caller = Caller(),
    profile: KernelProfile = KernelProfile(),
    scope_cgroup: str | None = None,
) -> Explanation:
    """Walk socket(call.family, call.type, call.protocol) and say what it returns and why."""
    if policy is None:
        backend = Backend.NONE
    hook = hook_point or DEFAULT_HOOK_POINT.get(backend)
    if hook is not None and backend is Backend.CGROUP and hook is not HookPoint.CGROUP_SOCK_CREATE:
        raise ValueError(f"the cgroup backend has no hook {hook.value}")
    if hook is not None and backend is Backend.LSM and hook is HookPoint.CGROUP_SOCK_CREATE:
        raise ValueError("the LSM backend decides at lsm/socket_create or lsm/socket_post_create")
    walk, active = _start_walk(policy, caller, backend, scope_cgroup)
    resolved: list[int | None] = [None]
    try:
        _socket_path(walk, call, active, hook, caller, profile, resolved)
        err = 0
    except _Stop as stop:
        err = stop.err
    if active is not None and walk.decision is None and hook is not None:
        walk.notes.append(f"policy not consulted: {hook.value} is not on the path this call took")
    return Explanation(
        call=call,
        backend=backend,
        steps=tuple(walk.steps),
        errno=err,
        decision=walk.decision,
        resolved_protocol=resolved[0],
        notes=tuple(walk.notes),
    )


def _socket_path(
    walk: _Walk,
    call: SocketCall,
    policy: CompiledPolicy | None,
    hook: HookPoint | None,
    caller: Caller,
    profile: KernelProfile,
    resolved: list[int | None],
) -> None:
    family, protocol, kern = call.family, call.protocol, call.kern
    # int arithmetic as the kernel's 32-bit int: a negative type has high bits set.
    type_bits = call.type & 0xFFFFFFFF
    flags = type_bits & ~names.SOCK_TYPE_MASK
    bad = flags & ~(names.SOCK_CLOEXEC | names.SOCK_NONBLOCK)
    entry = "__sock_create (sock_create_kern)" if kern else "__sys_socket_create"
    if not kern:
        check = f"type flags {flags:#x} within SOCK_CLOEXEC|SOCK_NONBLOCK"
        if bad:
            walk.fail(entry, check, errno_mod.EINVAL, f"unknown flag bits {bad:#x}")
        walk.ok(entry, check, f"type &= SOCK_TYPE_MASK -> {type_bits & names.SOCK_TYPE_MASK}")
        type_ = type_bits & names.SOCK_TYPE_MASK
    else:
        type_ = call.type  # in-kernel callers pass a bare type

    walk.require(
        "__sock_create",
        f"family {family} in 0..NPROTO-1 ({names.AF_MAX - 1})",
        0 <= family < names.AF_MAX,
        errno_mod.EAFNOSUPPORT,
    )
    walk.require(
        "__sock_create",
        f"type {type_} in 0..SOCK_MAX-1 ({names.SOCK_MAX - 1})",
        0 <= type_ < names.SOCK_MAX,
        errno_mod.EINVAL,
    )
    if family == names.AF_INET and type_ == names.SOCK_PACKET:
        family = names.AF_PACKET
        walk.ok(
            "__sock_create",
            "compatibility: (AF_INET, SOCK_PACKET) is rewritten",
            "family becomes AF_PACKET (pr_info_once 'uses obsolete (PF_INET,SOCK_PACKET)')",
        )

    if policy is not None and hook is HookPoint.LSM_SOCKET_CREATE:
        looked = resolve_create_protocol(family, type_, protocol)
        if looked != protocol:
            walk.notes.append(
                f"lsm/socket_create sees protocol {protocol}; the look-up uses "
                f"{names.protocol_name(family, looked)}, the default inet_create picks"
            )
        _consult_create(walk, "security_socket_create", hook, policy, family, type_, looked, kern)
    else:
        walk.ok("security_socket_create", "LSM hook", "no hotfence program here")

    check = f"net_families[{family}] ({names.family_name(family)}) registered"
    if family not in profile.families:
        if family in profile.loadable_families:
            walk.ok("__sock_create", check, f'request_module("net-pf-{family}") loads it')
        else:
            walk.fail(
                "__sock_create",
                check,
                errno_mod.EAFNOSUPPORT,
                f'request_module("net-pf-{family}") found no module on {profile.name}',
            )
    else:
        walk.ok("__sock_create", check)

    sk_protocol = _family_create(walk, family, type_, protocol, kern, policy, hook, caller, profile)
    resolved[0] = sk_protocol

    if policy is not None and hook is HookPoint.LSM_SOCKET_POST_CREATE:
        _consult_create(
            walk, "security_socket_post_create", hook, policy, family, type_, sk_protocol, kern
        )
    else:
        walk.ok("security_socket_post_create", "LSM hook", "no hotfence program here")

    if kern:
        walk.skip("sock_map_fd", "kernel sockets get no file descriptor")
        return
    check = "get_unused_fd_flags: a free descriptor below RLIMIT_NOFILE"
    if not caller.fd_available:
        walk.fail("sock_map_fd", check, errno_mod.EMFILE)
    walk.ok("sock_map_fd", check, "returns the new fd")


def _family_create(
    walk: _Walk,
    family: int,
    type_: int,
    protocol: int,
    kern: bool,
    policy: CompiledPolicy | None,
    hook: HookPoint | None,
    caller: Caller,
    profile: KernelProfile,
) -> int:
    """pf->create for ``family``; returns sk->sk_protocol."""
    if family in (names.AF_INET, names.AF_INET6):
        return _inet_create(walk, family, type_, protocol, kern, policy, hook, caller, profile)
    if policy is not None and hook is HookPoint.CGROUP_SOCK_CREATE:
        walk.notes.append(
            f"cgroup/sock_create only runs in inet_create/inet6_create: "
            f"{names.family_name(family)} sockets are not covered by the cgroup backend"
        )
    create = _FAMILY_CREATE.get(family)
    if create is None:
        walk.ok(
            f"{names.family_name(family)} create",
            "family-specific checks",
            "not modelled in detail: assumed to succeed",
        )
        return protocol
    return create(walk, type_, protocol, caller, profile)


def _inet_create(
    walk: _Walk,
    family: int,
    type_: int,
    protocol: int,
    kern: bool,
    policy: CompiledPolicy | None,
    hook: HookPoint | None,
    caller: Caller,
    profile: KernelProfile,
) -> int:
    fn = "inet6_create" if family == names.AF_INET6 else "inet_create"
    table = list(profile.inet6_protosw if family == names.AF_INET6 else profile.inet_protosw)
    loadable = (
        profile.loadable_inet6_protosw
        if family == names.AF_INET6
        else profile.loadable_inet_protosw
    )
    check = f"protocol {protocol} in 0..IPPROTO_MAX-1 ({names.IPPROTO_MAX - 1})"
    if protocol < 0 or protocol >= names.IPPROTO_MAX:
        walk.fail(fn, check, errno_mod.EINVAL)
    walk.ok(fn, check)

    listname = "inetsw6" if family == names.AF_INET6 else "inetsw"
    answer: ProtoSw | None = None
    err = 0
    for attempt in range(3):
        answer, chosen, err = _protosw_lookup([e for e in table if e.type == type_], protocol)
        if answer is not None:
            protocol = chosen
            break
        if attempt == 2:
            break
        alias = (
            f"net-pf-{family}-proto-{protocol}-type-{type_}"
            if attempt == 0
            else f"net-pf-{family}-proto-{protocol}"
        )
        found = [
            e
            for e in loadable
            if e.protocol == protocol
            and protocol != 0
            and (attempt == 1 or e.type == type_)
            and e not in table
        ]
        table.extend(found)
        walk.ok(
            fn,
            f"{listname}[{names.type_name(type_)}] has no entry for protocol {protocol}",
            f'request_module("{alias}")' + (f" loads {found[0].module}" if found else ": nothing"),
        )
    check = f"{listname}[{names.type_name(type_)}] look-up for protocol {protocol}"
    if answer is None:
        walk.fail(
            fn,
            check,
            err,
            "ESOCKTNOSUPPORT: no entry of this type; EPROTONOSUPPORT: entries exist, none matches",
        )
    walk.ok(
        fn,
        check,
        f"-> {answer.name}, sk_protocol {protocol} ({names.protocol_name(family, protocol)})",
    )

    check = "SOCK_RAW needs CAP_NET_RAW in the netns's user namespace (user sockets only)"
    if type_ == names.SOCK_RAW and not kern:
        if not caller.cap_net_raw:
            walk.fail(fn, check, errno_mod.EPERM)
        walk.ok(fn, check)

    if answer.init == "ping":
        low, high = profile.ping_group_range
        gids = (caller.egid, *caller.groups)
        check = f"ping_init_sock: a group of the caller {gids} in ping_group_range {low} {high}"
        if not any(low <= gid <= high for gid in gids):
            walk.fail(fn, check, errno_mod.EACCES)
        walk.ok(fn, check)
    elif answer.init == "mptcp":
        check = "mptcp_init_sock: net.mptcp.enabled"
        if not profile.mptcp_enabled:
            walk.fail(fn, check, errno_mod.ENOPROTOOPT)
        walk.ok(fn, check)

    if policy is not None and hook is HookPoint.CGROUP_SOCK_CREATE:
        if kern:
            walk.skip(fn, "BPF_CGROUP_RUN_PROG_INET_SOCK", "not run for kernel sockets (kern=1)")
        else:
            _consult_create(
                walk,
                fn + ": BPF_CGROUP_RUN_PROG_INET_SOCK",
                hook,
                policy,
                family,
                type_,
                protocol,
                kern,
            )
    return protocol


def _protosw_lookup(entries: list[ProtoSw], protocol: int) -> tuple[ProtoSw | None, int, int]:
    """The list_for_each_entry_rcu loop of inet_create, entry by entry."""
    err = errno_mod.ESOCKTNOSUPPORT
    for answer in entries:
        err = 0
        if protocol == answer.protocol:
            if protocol != names.IPPROTO_IP:
                return answer, protocol, 0
        else:
            if protocol == names.IPPROTO_IP:
                return answer, answer.protocol, 0
            if answer.protocol == names.IPPROTO_IP:
                return answer, protocol, 0
        err = errno_mod.EPROTONOSUPPORT
    return None, protocol, err


def _unix_create(
    walk: _Walk, type_: int, protocol: int, caller: Caller, profile: KernelProfile
) -> int:
    walk.require(
        "unix_create",
        f"protocol {protocol} is 0 or PF_UNIX",
        protocol in (0, names.AF_UNIX),
        errno_mod.EPROTONOSUPPORT,
    )
    walk.require(
        "unix_create",
        f"type {names.type_name(type_)} is stream, dgram, raw (becomes dgram) or seqpacket",
        type_ in (names.SOCK_STREAM, names.SOCK_DGRAM, names.SOCK_RAW, names.SOCK_SEQPACKET),
        errno_mod.ESOCKTNOSUPPORT,
    )
    return protocol


def _netlink_create(
    walk: _Walk, type_: int, protocol: int, caller: Caller, profile: KernelProfile
) -> int:
    walk.require(
        "netlink_create",
        f"type {names.type_name(type_)} is raw or dgram",
        type_ in (names.SOCK_RAW, names.SOCK_DGRAM),
        errno_mod.ESOCKTNOSUPPORT,
    )
    walk.require(
        "netlink_create",
        f"protocol {protocol} in 0..MAX_LINKS-1 ({names.NETLINK_MAX_LINKS - 1})",
        0 <= protocol < names.NETLINK_MAX_LINKS,
        errno_mod.EPROTONOSUPPORT,
    )
    check = f"nl_table[{protocol}] ({names.protocol_name(names.AF_NETLINK, protocol)}) registered"
    if protocol not in profile.netlink_protocols:
        walk.fail(
            "netlink_create",
            check,
            errno_mod.EPROTONOSUPPORT,
            f'request_module("net-pf-16-proto-{protocol}") found nothing',
        )
    walk.ok("netlink_create", check)
    return protocol


def _packet_create(
    walk: _Walk, type_: int, protocol: int, caller: Caller, profile: KernelProfile
) -> int:
    walk.require(
        "packet_create",
        "CAP_NET_RAW (checked for kernel sockets too)",
        caller.cap_net_raw,
        errno_mod.EPERM,
    )
    check = f"type {names.type_name(type_)} is dgram, raw or packet"
    if type_ not in (names.SOCK_DGRAM, names.SOCK_RAW, names.SOCK_PACKET):
        walk.fail("packet_create", check, errno_mod.ESOCKTNOSUPPORT)
    walk.ok("packet_create", check, "any protocol (an ethertype in network byte order)")
    return protocol & 0xFFFF


def _vsock_create(
    walk: _Walk, type_: int, protocol: int, caller: Caller, profile: KernelProfile
) -> int:
    walk.require(
        "vsock_create",
        f"protocol {protocol} is 0 or PF_VSOCK",
        protocol in (0, names.AF_VSOCK),
        errno_mod.EPROTONOSUPPORT,
    )
    walk.require(
        "vsock_create",
        f"type {names.type_name(type_)} is dgram, stream or seqpacket",
        type_ in (names.SOCK_DGRAM, names.SOCK_STREAM, names.SOCK_SEQPACKET),
        errno_mod.ESOCKTNOSUPPORT,
    )
    if type_ == names.SOCK_DGRAM:
        walk.require(
            "vsock_create",
            "vsock_assign_transport: a dgram transport is registered",
            profile.vsock_dgram_transport,
            errno_mod.ENODEV,
        )
    return protocol


def _xsk_create(
    walk: _Walk, type_: int, protocol: int, caller: Caller, profile: KernelProfile
) -> int:
    walk.require("xsk_create", "CAP_NET_RAW", caller.cap_net_raw, errno_mod.EPERM)
    walk.require(
        "xsk_create",
        f"type {names.type_name(type_)} is raw",
        type_ == names.SOCK_RAW,
        errno_mod.ESOCKTNOSUPPORT,
    )
    walk.require(
        "xsk_create", f"protocol {protocol} is 0", protocol == 0, errno_mod.EPROTONOSUPPORT
    )
    return protocol


def _alg_create(
    walk: _Walk, type_: int, protocol: int, caller: Caller, profile: KernelProfile
) -> int:
    walk.require(
        "alg_create",
        f"type {names.type_name(type_)} is seqpacket",
        type_ == names.SOCK_SEQPACKET,
        errno_mod.ESOCKTNOSUPPORT,
    )
    walk.require(
        "alg_create", f"protocol {protocol} is 0", protocol == 0, errno_mod.EPROTONOSUPPORT
    )
    return protocol


def _rds_create(
    walk: _Walk, type_: int, protocol: int, caller: Caller, profile: KernelProfile
) -> int:
    walk.require(
        "rds_create",
        f"type {names.type_name(type_)} is seqpacket and protocol {protocol} is 0",
        type_ == names.SOCK_SEQPACKET and protocol == 0,
        errno_mod.ESOCKTNOSUPPORT,
    )
    return protocol


_FAMILY_CREATE = {
    names.AF_UNIX: _unix_create,
    names.AF_NETLINK: _netlink_create,
    names.AF_PACKET: _packet_create,
    names.AF_VSOCK: _vsock_create,
    names.AF_XDP: _xsk_create,
    names.AF_ALG: _alg_create,
    names.AF_RDS: _rds_create,
}


# --- bind() / connect() ------------------------------------------------------------------


def explain_port(
    call: PortCall,
    policy: CompiledPolicy | None = None,
    backend: Backend = Backend.NONE,
    *,
    caller: Caller = Caller(),
    profile: KernelProfile = KernelProfile(),
    scope_cgroup: str | None = None,
) -> Explanation:
    """Walk bind()/connect() of a TCP/UDP inet socket to ``call.port``."""
    if call.family not in (names.AF_INET, names.AF_INET6):
        raise ValueError("bind/connect are modelled for inet and inet6 sockets only")
    if call.protocol not in (names.IPPROTO_TCP, names.IPPROTO_UDP):
        raise ValueError("bind/connect are modelled for tcp and udp sockets only")
    if not 0 <= call.port <= 65535:
        raise ValueError(f"port {call.port} out of range 0..65535")
    if call.sendto and (call.hook is not Hook.CONNECT or call.protocol != names.IPPROTO_UDP):
        raise ValueError("sendto is modelled for udp sockets, where connect rules apply to it")
    if policy is None:
        backend = Backend.NONE
    walk, active = _start_walk(policy, caller, backend, scope_cgroup)
    try:
        (_sendto_path if call.sendto else _port_path)(walk, call, active, backend, caller, profile)
        err = 0
    except _Stop as stop:
        err = stop.err
    return Explanation(
        call=call,
        backend=backend,
        steps=tuple(walk.steps),
        errno=err,
        decision=walk.decision,
        resolved_protocol=call.protocol,
        notes=tuple(walk.notes),
    )


def _consult_port(
    walk: _Walk, function: str, hook_name: str, policy: CompiledPolicy, call: PortCall
) -> None:
    verdict = policy.decide_port(call.hook, call.family, call.protocol, call.port)
    decision = _decide(policy, hook_name, call.describe(), verdict)
    walk.decision = decision
    who = (
        f"rule {decision.rule.name} ({decision.source})"
        if decision.rule
        else f"default ({decision.source})"
    )
    check = f"{hook_name} looks up {call.describe()}: {who} -> {decision.effect}"
    if decision.denies:
        walk.fail(function, check, errno_mod.EPERM)
    walk.ok(function, check)


def _cgroup_port_hook(
    walk: _Walk,
    where: str,
    hook: str,
    policy: CompiledPolicy | None,
    backend: Backend,
    call: PortCall,
) -> None:
    """The cgroup-BPF bind/connect/sendmsg hook: the programs of the socket's own cgroup run."""
    if policy is None or backend is not Backend.CGROUP:
        walk.ok(where, "cgroup BPF hook", "no hotfence program here")
    elif call.socket_from_outside:
        walk.ok(
            where,
            f"{hook} of the cgroup the socket was made in",
            "the socket was made outside the fenced cgroup: the policy is not consulted",
        )
    else:
        _consult_port(walk, where, hook, policy, call)


def _port_path(
    walk: _Walk,
    call: PortCall,
    policy: CompiledPolicy | None,
    backend: Backend,
    caller: Caller,
    profile: KernelProfile,
) -> None:
    bind = call.hook is Hook.BIND
    v6 = call.family == names.AF_INET6
    lsm_hook = "lsm/socket_bind" if bind else "lsm/socket_connect"
    sys_fn = "__sys_bind" if bind else "__sys_connect"
    if policy is not None and backend is Backend.LSM:
        _consult_port(
            walk, "security_socket_" + ("bind" if bind else "connect"), lsm_hook, policy, call
        )
    else:
        walk.ok(
            sys_fn, "security_socket_" + ("bind" if bind else "connect"), "no hotfence program here"
        )

    cg_hook = f"cgroup/{'bind' if bind else 'connect'}{'6' if v6 else '4'}"
    if bind:
        fn = "inet6_bind_sk" if v6 else "inet_bind_sk"
        where = fn + ": BPF_CGROUP_RUN_PROG_INET" + ("6" if v6 else "4") + "_BIND_LOCK"
    else:
        proto = "tcp" if call.protocol == names.IPPROTO_TCP else "udp"
        fn = "inet_stream_connect" if call.protocol == names.IPPROTO_TCP else "inet_dgram_connect"
        where = f"{fn}: {proto}_v{'6' if v6 else '4'}_pre_connect"
    _cgroup_port_hook(walk, where, cg_hook, policy, backend, call)

    if bind:
        fn = "__inet6_bind" if v6 else "__inet_bind"
        check = (
            f"port {call.port} >= ip_unprivileged_port_start ({profile.ip_unprivileged_port_start}) "
            f"or CAP_NET_BIND_SERVICE"
        )
        if (
            call.port
            and call.port < profile.ip_unprivileged_port_start
            and not caller.cap_net_bind_service
        ):
            walk.fail(fn, check, errno_mod.EACCES)
        walk.ok(fn, check)
        check = f"sk_prot->get_port({call.port}) finds the port free"
        if call.port_in_use:
            walk.fail(fn, check, errno_mod.EADDRINUSE)
        walk.ok(fn, check)
    elif call.protocol == names.IPPROTO_TCP:
        fn = "tcp_v6_connect" if v6 else "tcp_v4_connect"
        check = f"a listener answers on port {call.port} (the SYN gets a SYN-ACK)"
        if not call.peer_listening:
            walk.fail(fn, check, errno_mod.ECONNREFUSED)
        walk.ok(fn, check)
    else:
        fn = "ip6_datagram_connect" if v6 else "ip4_datagram_connect"
        walk.ok(fn, "route to the peer", "UDP connect only sets the default peer")


def _sendto_path(
    walk: _Walk,
    call: PortCall,
    policy: CompiledPolicy | None,
    backend: Backend,
    caller: Caller,
    profile: KernelProfile,
) -> None:
    """sendto() on an unconnected UDP socket: the destination is checked per datagram."""
    v6 = call.family == names.AF_INET6
    if policy is not None and backend is Backend.LSM:
        _consult_port(walk, "security_socket_sendmsg", "lsm/socket_sendmsg", policy, call)
    else:
        walk.ok("____sys_sendmsg", "security_socket_sendmsg", "no hotfence program here")
    fn = "udpv6_sendmsg" if v6 else "udp_sendmsg"
    where = f"{fn}: BPF_CGROUP_RUN_PROG_UDP{'6' if v6 else '4'}_SENDMSG_LOCK"
    _cgroup_port_hook(walk, where, f"cgroup/sendmsg{'6' if v6 else '4'}", policy, backend, call)
    walk.ok(fn, "route to the peer", "the datagram is sent; nothing has to listen")


def with_profile(profile: KernelProfile, **changes: Any) -> KernelProfile:
    """A copy of ``profile`` with some fields changed (e.g. loadable families)."""
    return replace(profile, **changes)
