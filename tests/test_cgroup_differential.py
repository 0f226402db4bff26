"""Differential test: the errno the kernel gives under the cgroup-BPF fence equals the
reference model's (``fence.model``, Backend.CGROUP), for random policies and calls.

Each example atomically swaps a freshly drawn policy into one attached fence (so the
swap is exercised dozens of times too), then a child in the cgroup (own netns, lo up)
makes every socket()/bind()/connect() call of a fixed grid and reports each errno.
"""

from __future__ import annotations

import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotfence.fence.backends import cgroup as cg_backend
from hotfence.fence.compiled import (
    ANY,
    ANY_KERN,
    CREATE_LOOKUP_ORDER,
    PORT_LOOKUP_ORDER,
    Action,
    CompiledPolicy,
    CreateKey,
    Hook,
    PortKey,
    RuleInfo,
    Verdict,
)
from hotfence.fence.model import Backend, PortCall, SocketCall, explain_port, explain_socket
from kernel_helpers import requires_cgroup_bpf, run_socket_calls, scratch_cgroup

pytestmark = [pytest.mark.kernel, requires_cgroup_bpf]

FAMILIES = [int(socket.AF_INET), int(socket.AF_INET6)]
TYPES = [int(socket.SOCK_STREAM), int(socket.SOCK_DGRAM), int(socket.SOCK_RAW)]
PROTOCOLS = [0, 1, 6, 17, 58, 255, 136, 262]  # ip, icmp, tcp, udp, icmpv6, raw, udplite, mptcp
PORTS = [8080, 8081, 9000]
PORT_PROTOCOLS = [6, 17]

SOCKET_CALLS = [(f, t, p) for f in FAMILIES for t in TYPES for p in PROTOCOLS]
PORT_CALLS = [
    (h, f, p, port)
    for h in (Hook.BIND, Hook.CONNECT)
    for f in FAMILIES
    for p in PORT_PROTOCOLS
    for port in PORTS
]
SENDTO_CALLS = [(f, port) for f in FAMILIES for port in PORTS]  # UDP datagrams: connect rules apply

actions = st.sampled_from([Action.ALLOW, Action.DENY, Action.AUDIT])


@st.composite
def create_keys(draw) -> CreateKey:
    use_f, use_t, use_p, use_k = draw(st.sampled_from(CREATE_LOOKUP_ORDER))
    return CreateKey(
        draw(st.sampled_from(FAMILIES)) if use_f else ANY,
        draw(st.sampled_from(TYPES)) if use_t else ANY,
        draw(st.sampled_from(PROTOCOLS)) if use_p else ANY,
        draw(st.sampled_from([0, 1])) if use_k else ANY_KERN,
    )


@st.composite
def port_keys(draw) -> PortKey:
    use_f, use_p, use_port = draw(st.sampled_from(PORT_LOOKUP_ORDER))
    return PortKey(
        int(draw(st.sampled_from([Hook.BIND, Hook.CONNECT]))),
        draw(st.sampled_from(FAMILIES)) if use_f else ANY,
        draw(st.sampled_from(PORT_PROTOCOLS)) if use_p else ANY,
        draw(st.sampled_from(PORTS)) if use_port else ANY,
    )


@st.composite
def policies(draw) -> CompiledPolicy:
    ckeys = draw(st.lists(create_keys(), max_size=6, unique=True))
    pkeys = draw(st.lists(port_keys(), max_size=4, unique=True))
    rules, create, ports = [], {}, {}
    for key in ckeys + pkeys:
        rid = len(rules)
        action = draw(actions)
        rules.append(RuleInfo(rid, f"r{rid}", f"drawn:{rid}", f"{action.name.lower()} {key}"))
        (create if isinstance(key, CreateKey) else ports)[key] = Verdict(rid, action)
    return CompiledPolicy(
        name="drawn",
        enforce=draw(st.booleans()),
        default=draw(actions),
        rules=rules,
        create=create,
        ports=ports,
    )


@pytest.fixture(scope="module")
def fenced():
    with scratch_cgroup("diff") as path, cg_backend.CgroupFence(path) as fence:
        fence.attach()
        yield path, fence


def expected_errnos(policy: CompiledPolicy) -> list[int]:
    out = [
        explain_socket(SocketCall(f, t, p), policy, Backend.CGROUP).errno
        for f, t, p in SOCKET_CALLS
    ]
    for hook, fam, proto, port in PORT_CALLS:
        type_ = socket.SOCK_STREAM if proto == 6 else socket.SOCK_DGRAM
        # The child first creates the socket, which the policy may already deny.
        err = explain_socket(SocketCall(fam, type_, 0), policy, Backend.CGROUP).errno
        if not err:
            err = explain_port(
                PortCall(hook, fam, proto, port, port_in_use=False, peer_listening=False),
                policy,
                Backend.CGROUP,
            ).errno
        out.append(err)
    for fam, port in SENDTO_CALLS:
        err = explain_socket(SocketCall(fam, socket.SOCK_DGRAM, 0), policy, Backend.CGROUP).errno
        if not err:
            err = explain_port(
                PortCall(Hook.CONNECT, fam, 17, port, sendto=True), policy, Backend.CGROUP
            ).errno
        out.append(err)
    return out


def kernel_ops() -> list[tuple]:
    ops = [("socket", f, t, p) for f, t, p in SOCKET_CALLS]
    for hook, fam, proto, port in PORT_CALLS:
        type_ = socket.SOCK_STREAM if proto == 6 else socket.SOCK_DGRAM
        ops.append((hook.name.lower(), fam, type_, 0, port))
    ops += [("sendto", fam, socket.SOCK_DGRAM, 0, port) for fam, port in SENDTO_CALLS]
    return ops


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(policy=policies())
def test_kernel_errno_equals_reference_model(fenced, policy):
    cgroup, fence = fenced
    fence.maps.install(policy)
    got = run_socket_calls(cgroup, kernel_ops()).results
    want = expected_errnos(policy)
    calls = (
        [f"socket{c}" for c in SOCKET_CALLS]
        + [f"{h.name.lower()}{(f, p, port)}" for h, f, p, port in PORT_CALLS]
        + [f"sendto{(f, 17, port)}" for f, port in SENDTO_CALLS]
    )
    diffs = [(c, w, g) for c, w, g in zip(calls, want, got) if w != g]
    assert not diffs, f"model vs kernel (call, model errno, kernel errno): {diffs}"
