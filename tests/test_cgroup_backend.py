"""The cgroup-BPF backend on the running kernel: real cgroups, real sockets on loopback.

Policies are built by hand as CompiledPolicy objects so that these tests exercise the
backend alone (the compiler has its own tests).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest

from hotfence.bpf import libbpf
from hotfence.fence import abi
from hotfence.fence.backends import Coverage
from hotfence.fence.backends import cgroup as cg_backend
from hotfence.fence.backends.cgroupfs import FenceError, resolve_cgroup
from hotfence.fence.compiled import (
    ANY,
    ANY_KERN,
    Action,
    CompiledPolicy,
    CreateKey,
    Hook,
    PortKey,
    RuleInfo,
    Verdict,
)
from hotfence.fence.model import Backend, PortCall, explain_port
from kernel_helpers import cgroup2_mount, requires_cgroup_bpf, run_socket_calls, scratch_cgroup

pytestmark = [pytest.mark.kernel, requires_cgroup_bpf]

INET, INET6 = socket.AF_INET, socket.AF_INET6
STREAM, DGRAM, RAW = socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_RAW
TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58


def rule(i: int, name: str, hooks=(Hook.SOCKET_CREATE,)) -> RuleInfo:
    return RuleInfo(i, name, f"test.yaml:{i + 1}", name, frozenset(hooks))


def deny_raw_icmpv6(enforce: bool = True) -> CompiledPolicy:
    return CompiledPolicy(
        name="deny-raw-icmpv6",
        enforce=enforce,
        default=Action.ALLOW,
        rules=[rule(0, "no-raw-icmpv6")],
        create={CreateKey(INET6, RAW, ICMPV6, ANY_KERN): Verdict(0, Action.DENY)},
    )


def deny_udp_v4() -> CompiledPolicy:
    return CompiledPolicy(
        name="deny-udp4",
        enforce=True,
        default=Action.ALLOW,
        rules=[rule(0, "no-udp4")],
        create={CreateKey(INET, DGRAM, ANY, ANY_KERN): Verdict(0, Action.DENY)},
    )


RAW6 = ("socket", INET6, RAW, ICMPV6)
RAW4 = ("socket", INET, RAW, ICMP)
TCP6 = ("socket", INET6, STREAM, 0)
UDP4 = ("socket", INET, DGRAM, 0)


@pytest.fixture
def cgroup():
    with scratch_cgroup("backend") as path:
        yield path


@pytest.fixture
def fence(cgroup):
    with cg_backend.CgroupFence(cgroup) as f:
        yield f


def test_refuses_root_cgroup_and_non_cgroups(tmp_path):
    with pytest.raises(FenceError, match="root cgroup"):
        resolve_cgroup(cgroup2_mount())
    with pytest.raises(FenceError, match="not inside a cgroup v2 mount"):
        resolve_cgroup(tmp_path)


def test_cgroup_id_is_what_bpf_reports(cgroup):
    assert resolve_cgroup(cgroup).id == os.stat(cgroup).st_ino


def test_deny_raw_icmpv6_inside_only(fence, cgroup):
    fence.maps.install(deny_raw_icmpv6())
    fence.attach()
    inside = run_socket_calls(cgroup, [RAW6, RAW4, TCP6, UDP4])
    assert inside.results == [errno.EPERM, 0, 0, 0]
    outside = run_socket_calls(None, [RAW6, RAW4, TCP6, UDP4])
    assert outside.results == [0, 0, 0, 0]


def test_counters_and_event_fields(fence, cgroup):
    fence.maps.install(deny_raw_icmpv6())
    fence.attach()
    events: list[abi.FenceEvent] = []
    ring = fence.maps.events(events.append)
    try:
        child = run_socket_calls(cgroup, [RAW6, RAW6, RAW6, TCP6, UDP4])
        assert child.results == [errno.EPERM] * 3 + [0, 0]
        deadline = time.monotonic() + 5
        while len(events) < 3 and time.monotonic() < deadline:
            ring.poll(100)
    finally:
        ring.free()
    assert len(events) == 3
    cg_id = resolve_cgroup(cgroup).id
    for ev in events:
        assert ev.verdict == "deny"
        assert (ev.family, ev.type, ev.protocol) == (INET6, RAW, ICMPV6)
        assert ev.hook == Hook.SOCKET_CREATE and ev.rule_id == 0 and not ev.kern
        assert ev.tgid == child.pid and ev.pid == child.pid
        assert ev.uid == os.getuid()
        assert ev.cgroup_id == cg_id
        assert ev.netns == child.netns and child.netns != os.stat("/proc/self/ns/net").st_ino
        assert ev.comm == child.comm
    counters = fence.maps.counters()
    assert (counters[0].hits, counters[0].denies) == (3, 3)
    # The default "rule" saw the two allowed inet sockets (plus none outside the cgroup).
    assert counters[abi.HF_DEFAULT_RULE].hits == 2 and counters[abi.HF_DEFAULT_RULE].denies == 0
    stats = fence.maps.stats()
    assert (stats.events, stats.lost) == (3, 0)


def test_audit_mode_denies_nothing_but_counts(fence, cgroup):
    fence.maps.install(deny_raw_icmpv6(enforce=False))
    fence.attach()
    events: list[abi.FenceEvent] = []
    ring = fence.maps.events(events.append)
    try:
        assert run_socket_calls(cgroup, [RAW6, RAW6]).results == [0, 0]
        ring.poll(500)
    finally:
        ring.free()
    c = fence.maps.counters()[0]
    assert (c.hits, c.denies) == (2, 2)
    assert [e.verdict for e in events] == ["would-deny", "would-deny"]


def test_audit_action_allows_and_emits(fence, cgroup):
    policy = CompiledPolicy(
        name="audit-udp",
        enforce=True,
        default=Action.ALLOW,
        rules=[rule(0, "watch-udp")],
        create={CreateKey(INET, DGRAM, UDP, ANY_KERN): Verdict(0, Action.AUDIT)},
    )
    fence.maps.install(policy)
    fence.attach()
    events: list[abi.FenceEvent] = []
    ring = fence.maps.events(events.append)
    try:
        assert run_socket_calls(cgroup, [UDP4]).results == [0]
        ring.poll(500)
    finally:
        ring.free()
    assert [(e.verdict, e.protocol) for e in events] == [
        ("audit", UDP)
    ]  # protocol 0 arrives resolved
    assert fence.maps.counters()[0].hits == 1 and fence.maps.counters()[0].denies == 0


def test_wildcard_fallback_and_specific_allow_wins(fence, cgroup):
    # deny all of inet6, but a more specific rule allows inet6 stream sockets
    policy = CompiledPolicy(
        name="inet6-stream-only",
        enforce=True,
        default=Action.ALLOW,
        rules=[rule(0, "deny-inet6"), rule(1, "allow-tcp6")],
        create={
            CreateKey(INET6, ANY, ANY, ANY_KERN): Verdict(0, Action.DENY),
            CreateKey(INET6, STREAM, ANY, ANY_KERN): Verdict(1, Action.ALLOW),
        },
    )
    fence.maps.install(policy)
    fence.attach()
    r = run_socket_calls(cgroup, [TCP6, ("socket", INET6, DGRAM, 0), RAW6, UDP4]).results
    assert r == [0, errno.EPERM, errno.EPERM, 0]
    c = fence.maps.counters()
    assert (c[0].hits, c[0].denies, c[1].hits, c[1].denies) == (2, 2, 1, 0)


def test_default_deny_for_inet(fence, cgroup):
    policy = CompiledPolicy(
        name="tcp-only",
        enforce=True,
        default=Action.DENY,
        rules=[rule(0, "allow-tcp")],
        create={
            CreateKey(INET, STREAM, TCP, ANY_KERN): Verdict(0, Action.ALLOW),
            CreateKey(INET6, STREAM, TCP, ANY_KERN): Verdict(0, Action.ALLOW),
        },
    )
    fence.maps.install(policy)
    fence.attach()
    r = run_socket_calls(
        cgroup, [("socket", INET, STREAM, 0), TCP6, UDP4, ("socket", socket.AF_UNIX, STREAM, 0)]
    ).results
    # AF_UNIX never reaches cgroup/sock_create: the default cannot deny it (coverage says so).
    assert r == [0, 0, errno.EPERM, 0]


def test_bind_and_connect_ports(fence, cgroup):
    policy = CompiledPolicy(
        name="ports",
        enforce=True,
        default=Action.ALLOW,
        rules=[
            rule(0, "no-bind-8080", (Hook.BIND,)),
            rule(1, "no-connect-9000-tcp", (Hook.CONNECT,)),
        ],
        ports={
            PortKey(Hook.BIND, ANY, ANY, 8080): Verdict(0, Action.DENY),
            PortKey(Hook.CONNECT, ANY, TCP, 9000): Verdict(1, Action.DENY),
        },
    )
    fence.maps.install(policy)
    fence.attach()
    ops = [
        ("bind", INET, STREAM, 0, 8080),
        ("bind", INET6, DGRAM, 0, 8080),
        ("bind", INET, STREAM, 0, 8081),
        ("connect", INET, STREAM, 0, 9000),
        ("connect", INET6, STREAM, 0, 9000),
        ("connect", INET, DGRAM, 0, 9000),  # UDP: the rule is TCP only
        ("connect", INET, STREAM, 0, 9001),
    ]
    r = run_socket_calls(cgroup, ops).results
    assert r == [errno.EPERM, errno.EPERM, 0, errno.EPERM, errno.EPERM, 0, errno.ECONNREFUSED]
    c = fence.maps.counters()
    assert (c[0].denies, c[1].denies) == (2, 2)


def test_connect_rules_hold_for_udp_sendto(fence, cgroup):
    """An unconnected UDP socket must not walk around a connect rule with sendto()."""
    fence.maps.install(
        CompiledPolicy(
            name="no-dns",
            enforce=True,
            default=Action.ALLOW,
            rules=[rule(0, "no-dns", (Hook.CONNECT,))],
            ports={PortKey(int(Hook.CONNECT), ANY, UDP, 5353): Verdict(0, Action.DENY)},
        )
    )
    fence.attach()
    ops = [
        ("sendto", INET, DGRAM, 0, 5353),
        ("sendto", INET6, DGRAM, 0, 5353),
        ("sendto", INET, DGRAM, 0, 5354),
        ("connect", INET, DGRAM, 0, 5353),
    ]
    assert run_socket_calls(cgroup, ops).results == [errno.EPERM, errno.EPERM, 0, errno.EPERM]
    assert run_socket_calls(None, ops).results == [0, 0, 0, 0]  # outside the cgroup: untouched
    assert fence.maps.counters()[0].denies == 3


def test_port_hooks_follow_the_cgroup_a_socket_was_made_in(fence, cgroup):
    """What docs/policy.md says about cgroup-BPF: a socket created before its process
    moved into the fenced cgroup is judged by the cgroup it was made in (not fenced)."""
    fence.maps.install(
        CompiledPolicy(
            name="no-5353",
            enforce=True,
            default=Action.ALLOW,
            rules=[rule(0, "no-5353", (Hook.CONNECT,))],
            ports={PortKey(int(Hook.CONNECT), ANY, UDP, 5353): Verdict(0, Action.DENY)},
        )
    )
    fence.attach()
    code = textwrap.dedent(f"""
        import errno, json, socket
        before = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        open({str(cgroup / "cgroup.procs")!r}, "w").write(str(__import__("os").getpid()))
        after = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        out = []
        for s in (before, after):
            try:
                s.sendto(b"x", ("127.0.0.1", 5353))
                out.append(0)
            except OSError as e:
                out.append(e.errno)
        print(json.dumps(out))
    """)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    policy = fence.maps.read_policy([rule(0, "no-5353", (Hook.CONNECT,))])
    model = [
        explain_port(
            PortCall(Hook.CONNECT, INET, UDP, 5353, sendto=True, socket_from_outside=outside),
            policy,
            Backend.CGROUP,
        ).errno
        for outside in (True, False)
    ]
    assert json.loads(out) == model == [0, errno.EPERM]


def test_tcp_fast_open_sendto_meets_the_connect_hook(fence, cgroup):
    """sendto(MSG_FASTOPEN) connects as it sends; cgroup/connect4|6 run on that path too."""
    fence.maps.install(
        CompiledPolicy(
            name="no-9000",
            enforce=True,
            default=Action.ALLOW,
            rules=[rule(0, "no-9000", (Hook.CONNECT,))],
            ports={PortKey(int(Hook.CONNECT), ANY, TCP, 9000): Verdict(0, Action.DENY)},
        )
    )
    fence.attach()
    ops = [
        ("fastopen", INET, STREAM, 0, 9000),
        ("fastopen", INET6, STREAM, 0, 9000),
        ("fastopen", INET, STREAM, 0, 9001),
    ]
    assert run_socket_calls(cgroup, ops).results == [errno.EPERM, errno.EPERM, errno.ECONNREFUSED]
    assert run_socket_calls(None, ops).results == [errno.ECONNREFUSED] * 3


def test_swap_is_complete_and_old_slot_removed(fence, cgroup):
    fence.attach()
    assert run_socket_calls(cgroup, [RAW6, UDP4]).results == [0, 0]  # nothing loaded: allow
    slot1 = fence.maps.install(deny_raw_icmpv6())
    assert run_socket_calls(cgroup, [RAW6, UDP4]).results == [errno.EPERM, 0]
    slot2 = fence.maps.install(deny_udp_v4())
    assert slot2 != slot1
    assert run_socket_calls(cgroup, [RAW6, UDP4]).results == [0, errno.EPERM]
    # Only the new slot's entries remain in the map.
    slots = {int.from_bytes(k[:4], "little") for k in fence.maps.maps["hf_create"].keys()}
    assert slots == {slot2}
    assert fence.maps.counters()[0].denies == 1  # counters restart with the new policy


def test_read_policy_gives_back_what_the_maps_hold(fence):
    """What `watch` and `status` read back from a fence equals the policy installed."""
    assert fence.maps.read_policy([]) is None  # nothing loaded yet
    policy = CompiledPolicy(
        name="mixed",
        enforce=False,
        default=Action.DENY,
        rules=[rule(0, "a"), rule(1, "b"), rule(2, "c")],
        create={
            CreateKey(INET6, RAW, ICMPV6, ANY_KERN): Verdict(0, Action.DENY),
            CreateKey(INET, ANY, ANY, 0): Verdict(1, Action.AUDIT),
        },
        ports={PortKey(int(Hook.BIND), INET, 6, 8080): Verdict(2, Action.ALLOW)},
    )
    fence.maps.install(deny_udp_v4())
    fence.maps.install(policy)  # the previous slot's keys must not leak into the read
    back = fence.maps.read_policy(policy.rules, "mixed")
    assert (back.create, back.ports) == (policy.create, policy.ports)
    assert (back.enforce, back.default, back.rules) == (False, Action.DENY, policy.rules)


def test_invalid_policy_leaves_old_enforcing(fence, cgroup):
    fence.maps.install(deny_raw_icmpv6())
    fence.attach()
    bad = CompiledPolicy(
        name="bad",
        enforce=True,
        default=Action.ALLOW,
        rules=[rule(0, "x")],
        create={CreateKey(INET, DGRAM, ANY, ANY_KERN): Verdict(abi.HF_MAX_RULES + 5, Action.DENY)},
    )
    with pytest.raises(FenceError, match="rule id"):
        fence.maps.install(bad)
    assert run_socket_calls(cgroup, [RAW6, UDP4]).results == [errno.EPERM, 0]


def test_map_write_failure_midway_leaves_old_enforcing(fence, cgroup):
    fence.maps.install(deny_raw_icmpv6())
    fence.attach()
    new = CompiledPolicy(
        name="many",
        enforce=True,
        default=Action.ALLOW,
        rules=[rule(0, "udp"), rule(1, "tcp")],
        create={
            CreateKey(INET, DGRAM, ANY, ANY_KERN): Verdict(0, Action.DENY),
            CreateKey(INET, STREAM, ANY, ANY_KERN): Verdict(1, Action.DENY),
        },
    )

    def fail_second_write(n: int) -> None:
        if n == 1:
            raise libbpf.LibbpfError(errno.ENOMEM, "update map hf_create (injected)")

    with pytest.raises(libbpf.LibbpfError, match="injected"):
        fence.maps.install(new, write_hook=fail_second_write)
    assert run_socket_calls(cgroup, [RAW6, UDP4]).results == [errno.EPERM, 0]
    # The half-written slot was removed again.
    active = fence.maps.active_slot()
    slots = {int.from_bytes(k[:4], "little") for k in fence.maps.maps["hf_create"].keys()}
    assert slots == {active}


def test_kernel_refused_write_leaves_old_enforcing(fence, cgroup):
    """A real map failure: more socket keys than hf_create holds (E2BIG from the kernel)."""
    fence.maps.install(deny_raw_icmpv6())
    fence.attach()
    n = abi.HF_CREATE_ENTRIES  # together with the active policy's key: one too many
    huge = CompiledPolicy(
        name="huge",
        enforce=True,
        default=Action.ALLOW,
        rules=[rule(0, "many")],
        create={
            CreateKey(INET, 100 + i // 60000, i % 60000, 0): Verdict(0, Action.DENY)
            for i in range(n)
        },
    )
    with pytest.raises(libbpf.LibbpfError) as info:
        fence.maps.install(huge)
    assert info.value.errno == errno.E2BIG
    assert run_socket_calls(cgroup, [RAW6, UDP4]).results == [errno.EPERM, 0]


def test_links_detach_when_owner_exits(cgroup):
    """A process that attached (without pinning) and then died leaves nothing behind."""
    code = textwrap.dedent(f"""
        import os, socket, sys
        sys.path[:0] = {sys.path!r}
        from hotfence.fence.backends import cgroup as b
        from hotfence.fence.compiled import *
        p = CompiledPolicy(name="x", enforce=True, default=Action.ALLOW,
            rules=[RuleInfo(0, "r", "t:1", "r")],
            create={{CreateKey(10, 3, 58, ANY_KERN): Verdict(0, Action.DENY)}})
        f = b.CgroupFence({str(cgroup)!r})
        f.maps.install(p)
        f.attach()
        print("attached", flush=True)
        os.kill(os.getpid(), 9)  # no cleanup code runs
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "attached" in proc.stdout and proc.returncode == -9
    deadline = time.monotonic() + 5
    while True:
        r = run_socket_calls(cgroup, [RAW6]).results
        if r == [0] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert r == [0]
    out = subprocess.run(
        ["bpftool", "cgroup", "show", str(cgroup)], capture_output=True, text=True
    ).stdout
    assert "hf_" not in out


def test_apply_persists_swaps_and_removes(cgroup):
    try:
        state, swapped = cg_backend.apply(deny_raw_icmpv6(), cgroup, "deny.yaml")
        assert not swapped and state.policy == "deny-raw-icmpv6"
        # Enforcement survives: no Python object holds the links any more.
        assert run_socket_calls(cgroup, [RAW6, UDP4]).results == [errno.EPERM, 0]
        listed = [a for a in cg_backend.applied() if a.cgroup_id == resolve_cgroup(cgroup).id]
        assert len(listed) == 1 and listed[0].active and listed[0].state.policy == "deny-raw-icmpv6"
        _, swapped = cg_backend.apply(deny_udp_v4(), cgroup, "udp.yaml")
        assert swapped
        assert run_socket_calls(cgroup, [RAW6, UDP4]).results == [0, errno.EPERM]
        maps, st = cg_backend.open_applied(cgroup)
        try:
            assert st.policy == "deny-udp4"
            assert maps.counters()[0].denies == 1
        finally:
            maps.close()
    finally:
        removed = cg_backend.remove(cgroup)
    assert removed
    assert run_socket_calls(cgroup, [RAW6, UDP4]).results == [0, 0]
    assert not cg_backend.pin_dir(resolve_cgroup(cgroup)).exists()


def many_rules(n: int) -> CompiledPolicy:
    """``n`` rules: the first denies TCP over IPv4, the last raw ICMPv6, and the others
    name UDP protocols no call uses."""
    create = {CreateKey(INET, DGRAM, 1000 + i, ANY_KERN): Verdict(i, Action.DENY)
              for i in range(1, n - 1)}  # fmt: skip
    create[CreateKey(INET, STREAM, TCP, ANY_KERN)] = Verdict(0, Action.DENY)
    create[CreateKey(INET6, RAW, ICMPV6, ANY_KERN)] = Verdict(n - 1, Action.DENY)
    return CompiledPolicy(
        name=f"rules-{n}",
        enforce=True,
        default=Action.ALLOW,
        rules=[rule(i, f"r{i}") for i in range(n)],
        create=create,
    )


def test_maps_are_sized_for_the_policy_and_a_fence_too_small_is_replaced(cgroup, monkeypatch):
    """A fence's counters and port maps are made for its policy (the standard size, or
    larger for a larger policy). A swap into one too small for the new policy replaces
    it by a fence of the policy's size, attached before the old one goes: at that moment
    both enforce (a call passes only if both allow it), and never neither."""
    from hotfence.fence.backends import lifecycle
    from hotfence.fence.backends.maps import STANDARD_RULES, map_sizes

    big = many_rules(STANDARD_RULES + 45)  # denies IPv4 TCP and raw ICMPv6
    calls = [RAW6, ("socket", INET, STREAM, TCP), UDP4]
    during: list[list[int]] = []
    real = lifecycle.checkpoint

    def at(name: str) -> None:
        if name == "replacement-attached":
            during.append(run_socket_calls(cgroup, [*calls, RAW4]).results)
        real(name)

    monkeypatch.setattr(lifecycle, "checkpoint", at)
    old = CompiledPolicy(
        name="deny-raw4",
        enforce=True,
        default=Action.ALLOW,
        rules=[rule(0, "no-raw4")],
        create={CreateKey(INET, RAW, ICMP, ANY_KERN): Verdict(0, Action.DENY)},
    )
    try:
        cg_backend.apply(old, cgroup)
        maps, _ = cg_backend.open_applied(cgroup)
        try:
            assert maps.maps["hf_counters"].max_entries() == map_sizes(None)["hf_counters"]
            assert maps.maps["hf_ports"].max_entries() == map_sizes(None)["hf_ports"]
        finally:
            maps.close()
        _, swapped = cg_backend.apply(big, cgroup)
        assert swapped
        # Both fences at the replacement: the new policy's denies and the old one's.
        assert during == [[errno.EPERM, errno.EPERM, 0, errno.EPERM]]
        # Then only the new one, pinned where the old was, with its own counters.
        assert run_socket_calls(cgroup, [*calls, RAW6, RAW4]).results == [
            errno.EPERM, errno.EPERM, 0, errno.EPERM, 0]  # fmt: skip
        (status,) = [
            (a, lv) for a, lv in cg_backend.status() if a.cgroup_id == resolve_cgroup(cgroup).id
        ]
        assert status[1].enforcing and status[0].state.policy == big.name
        maps, _ = cg_backend.open_applied(cgroup)
        try:
            assert maps.maps["hf_counters"].max_entries() == abi.counter_entries(len(big.rules))
            counters = maps.counters()
        finally:
            maps.close()
        # Counted from the moment it was attached: the calls made during the replacement too.
        last = len(big.rules) - 1  # the highest index of the sized map
        assert (counters[last].denies, counters[0].denies) == (3, 2)
        assert counters[abi.HF_DEFAULT_RULE].hits == 4  # UDP4 and RAW4, twice
    finally:
        cg_backend.remove(cgroup)
    assert not cg_backend.pin_dir(resolve_cgroup(cgroup)).exists()


def test_coverage_is_honest():
    policy = CompiledPolicy(
        name="mixed",
        enforce=True,
        default=Action.ALLOW,
        rules=[
            rule(0, "raw6"),
            rule(1, "alg"),
            rule(2, "kern-only"),
            rule(3, "any-family"),
            rule(4, "tcp-user"),
        ],
        create={
            CreateKey(INET6, RAW, ICMPV6, ANY_KERN): Verdict(0, Action.DENY),
            CreateKey(38, ANY, ANY, ANY_KERN): Verdict(1, Action.DENY),
            CreateKey(INET, STREAM, TCP, 1): Verdict(2, Action.DENY),
            CreateKey(ANY, ANY, ANY, 0): Verdict(3, Action.DENY),
            CreateKey(INET, STREAM, TCP, 0): Verdict(4, Action.DENY),
        },
    )
    policy.rules += [
        rule(5, "udp-connect", (Hook.CONNECT,)),
        rule(6, "tcp-connect", (Hook.CONNECT,)),
    ]
    policy.ports = {
        PortKey(Hook.CONNECT, INET, UDP, 53): Verdict(5, Action.DENY),
        PortKey(Hook.CONNECT, ANY, TCP, 443): Verdict(6, Action.DENY),
    }
    cov = {c.name: c for c in cg_backend.coverage(policy)}
    assert cov["udp-connect"].coverage is Coverage.FULL  # cgroup/sendmsg4|6 cover sendto()
    assert cov["tcp-connect"].coverage is Coverage.FULL
    assert cov["raw6"].coverage is Coverage.PARTIAL and "kernel sockets" in cov["raw6"].reason
    assert cov["alg"].coverage is Coverage.NONE and "AF_INET/AF_INET6" in cov["alg"].reason
    assert cov["kern-only"].coverage is Coverage.NONE
    assert cov["any-family"].coverage is Coverage.PARTIAL
    assert cov["tcp-user"].coverage is Coverage.FULL and cov["tcp-user"].reason == ""


def test_ring_buffer_overflow_is_counted_not_silent(fence, cgroup):
    """Nobody reads the ring buffer: once it is full, every further event is counted as lost."""
    fence.maps.install(deny_raw_icmpv6())
    fence.attach()
    calls = 30_000  # 1 MiB ring / (80-byte event + 8-byte header) ~ 11,900 fit
    code = (
        f"import os, socket\nopen({str(cgroup / 'cgroup.procs')!r}, 'w').write(str(os.getpid()))\n"
        f"n = 0\nfor _ in range({calls}):\n"
        "    try:\n        socket.socket(10, 3, 58).close()\n"
        "    except PermissionError:\n        n += 1\nprint(n)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert int(out.stdout) == calls
    stats = fence.maps.stats()
    assert stats.lost > 0 and stats.events > 0
    assert stats.events + stats.lost == calls == fence.maps.counters()[0].denies
    drained: list[abi.FenceEvent] = []
    ring = fence.maps.events(drained.append)
    try:
        while ring.poll(100):
            pass
    finally:
        ring.free()
    assert len(drained) == stats.events


def test_descendant_cgroups_are_fenced_too(fence, cgroup):
    fence.maps.install(deny_raw_icmpv6())
    fence.attach()
    child = cgroup / "worker"
    child.mkdir()
    try:
        report = run_socket_calls(child, [RAW6, UDP4])
        assert report.results == [errno.EPERM, 0]
    finally:
        for _ in range(100):
            try:
                child.rmdir()
                break
            except OSError:
                time.sleep(0.05)


def test_apply_refuses_a_cgroup_another_backend_fences(cgroup):
    import dataclasses

    from hotfence.fence.backends import pinning
    from hotfence.fence.backends.pinning import AppliedState

    ref = resolve_cgroup(cgroup)
    state = AppliedState(
        cgroup=str(ref.path),
        cgroup_id=ref.id,
        backend="bpf-lsm",
        policy="other",
        policy_file="",
        enforce=True,
        default="allow",
        rules=[],
        coverage=[],
        applied_at=0.0,
    )
    state.write()
    try:
        with pytest.raises(FenceError, match="a bpf-lsm fence is applied here; remove it first"):
            cg_backend.apply(deny_raw_icmpv6(), cgroup, "deny.yaml")
        assert not cg_backend.pin_dir(ref).exists()
        assert AppliedState.read(ref.id) == dataclasses.replace(state)  # left as it was
    finally:
        pinning.clear_state(ref.id)


def test_fences_from_objects_loaded_ahead_are_separate_and_enforce():
    from hotfence.bpf import build
    from hotfence.fence.backends.lifecycle import Spares

    spares = Spares(lambda: build.object_path(cg_backend.OBJECT), cg_backend.SPARES.sizes)
    assert spares.take() is None  # idle until keep(): no object is loaded for nothing
    spares.keep()
    try:
        first = spares.take()
        assert first is not None  # keep() loads the first one before it returns
        second = None
        deadline = time.monotonic() + 30
        while second is None and time.monotonic() < deadline:
            time.sleep(0.05)
            if spares.ready():  # a take() that finds none would start another load
                second = spares.take()
        assert second is not None and second is not first
        with scratch_cgroup("spare") as a, scratch_cgroup("spare") as b:
            fences = [cg_backend.CgroupFence(a, first), cg_backend.CgroupFence(b, second)]
            try:
                for f in fences:
                    f.maps.install(deny_raw_icmpv6(), drain=False)
                    f.attach()
                assert run_socket_calls(a, [RAW6, RAW6]).results == [errno.EPERM] * 2
                assert run_socket_calls(b, [RAW6]).results == [errno.EPERM]
                hits = [sum(c.hits for c in f.maps.counters(f.cgroup.id).values()) for f in fences]
                assert hits == [2, 1]  # one object, one fence: counters never shared
            finally:
                for f in fences:
                    f.close()
    finally:
        spares.stop()


def _prog_id(cgroup: str) -> int:
    d = cg_backend.pin_dir(resolve_cgroup(cgroup))
    return libbpf.link_info(d / "link_hf_sock_create").prog_id


def _cg_counter_ids(cgroup: str) -> set[int]:
    """The cgroup ids with counters in the pinned per-cgroup counter map of ``cgroup``'s fence."""
    maps, _ = cg_backend.open_applied(cgroup)
    try:
        m = maps.maps["hf_cg_counters"]
        return {abi.CgCounterKey.from_buffer_copy(k).cgroup_id for k in m.keys()}
    finally:
        maps.close()


@contextlib.contextmanager
def _three_sharing(applied: list[str]) -> Iterator[tuple[str, str, str]]:
    """Three scratch cgroups fenced as the agent fences them (one shared object of
    deny_raw_icmpv6); the fences still in ``applied`` at the end are removed."""
    cg_backend.SHARED.keep()
    try:
        with (
            scratch_cgroup("shared") as a,
            scratch_cgroup("shared") as b,
            scratch_cgroup("shared") as c,
        ):
            for cg in (a, b, c):
                cg_backend.apply(deny_raw_icmpv6(), cg)
                applied.append(cg)
            yield a, b, c
    finally:
        cg_backend.SHARED.stop()
        for cg in applied:
            cg_backend.remove(cg)


def test_shared_objects_one_per_policy_with_counters_per_cgroup():
    """As the agent applies: one object per policy attached to each cgroup, each fence
    with its own counters, a swap on one never touching the others, and the fences
    staying when the sharing process lets its objects go."""
    applied: list[str] = []
    with _three_sharing(applied) as (a, b, c):
        assert len(cg_backend.SHARED) == 1
        assert _prog_id(a) == _prog_id(b) == _prog_id(c)  # one object, three attachments
        # Applied again (the agent re-reads an unchanged file): the same object, re-pinned.
        _, swapped = cg_backend.apply(deny_raw_icmpv6(), a)
        assert swapped and _prog_id(a) == _prog_id(b)
        assert run_socket_calls(a, [RAW6, RAW6]).results == [errno.EPERM] * 2
        assert run_socket_calls(b, [RAW6, TCP6]).results == [errno.EPERM, 0]
        assert [cg_backend.counters(cg).counts[0].denies for cg in (a, b, c)] == [2, 1, 0]
        ids = {resolve_cgroup(cg).id for cg in (a, b, c)}
        live = [s.status for f, s in cg_backend.status() if f.cgroup_id in ids]
        assert live == ["ACTIVE"] * 3

        # A new policy on b: b gets another object; a and c keep theirs, unchanged.
        cg_backend.apply(deny_udp_v4(), b)
        assert len(cg_backend.SHARED) == 2
        assert _prog_id(b) != _prog_id(a) == _prog_id(c)
        assert run_socket_calls(b, [RAW6, UDP4]).results == [0, errno.EPERM]
        assert run_socket_calls(a, [RAW6, UDP4]).results == [errno.EPERM, 0]
        assert cg_backend.counters(a).counts[0].denies == 3
        assert resolve_cgroup(b).id not in _cg_counter_ids(a)  # b's old counts dropped

        # Removing a leaves c enforcing, and drops a's counters from the shared maps.
        assert cg_backend.remove(a)
        applied.remove(a)
        assert resolve_cgroup(a).id not in _cg_counter_ids(c)
        assert run_socket_calls(c, [RAW6]).results == [errno.EPERM]

        # The sharing process lets go of its objects (the agent stops): pins hold them.
        cg_backend.SHARED.stop()
        assert len(cg_backend.SHARED) == 0
        assert run_socket_calls(c, [RAW6]).results == [errno.EPERM]
        assert run_socket_calls(b, [UDP4]).results == [errno.EPERM]
        assert cg_backend.counters(c).counts[0].denies == 2
        for cg in list(applied):
            assert cg_backend.remove(cg)
            applied.remove(cg)


def test_calls_a_full_shared_counter_map_cannot_count_are_reported(monkeypatch):
    """hf_cg_counters has room for so many (cgroup, rule) counters per policy: the calls
    of a cgroup that finds it full are still decided, and counted as not counted, which
    `fence counters` shows (here with room for two)."""
    from click.testing import CliRunner

    from hotfence.cli import main
    from hotfence.fence.backends import maps

    monkeypatch.setattr(maps, "SHARED_CG_COUNTERS", 2)
    applied: list[str] = []
    with _three_sharing(applied) as (a, b, c):
        assert run_socket_calls(a, [RAW6]).results == [errno.EPERM]
        assert run_socket_calls(b, [RAW6]).results == [errno.EPERM]
        # The map is full: c's calls are denied all the same, and not lost silently.
        assert run_socket_calls(c, [RAW6, RAW6]).results == [errno.EPERM] * 2
        got = cg_backend.counters(c)
        assert got.counts == {} or sum(x.hits for x in got.counts.values()) == 0
        assert got.stats.uncounted == 2
        assert cg_backend.counters(a).counts[0].denies == 1
        out = CliRunner().invoke(main, ["fence", "counters", "--cgroup", c, "-o", "json"])
        assert out.exit_code == 0, out.output
        assert json.loads(out.output)["uncounted_calls"] == 2
        out = CliRunner().invoke(main, ["fence", "counters", "--cgroup", c])
        assert "not counted: 2 calls" in out.output
        for cg in list(applied):
            assert cg_backend.remove(cg)
            applied.remove(cg)


def test_shared_objects_are_released_only_when_no_apply_uses_them(monkeypatch):
    monkeypatch.setattr(cg_backend.SHARED, "LIMIT", 1)
    cg_backend.SHARED.keep()
    try:
        with scratch_cgroup("shared") as a, scratch_cgroup("shared") as b:
            first = cg_backend.SHARED.view(resolve_cgroup(a), deny_raw_icmpv6())
            assert first is not None
            # A second policy evicts the first's object, which a view still uses.
            second = cg_backend.SHARED.view(resolve_cgroup(b), deny_udp_v4())
            assert second is not None and len(cg_backend.SHARED) == 1
            first.attach()  # the object is still loaded
            assert run_socket_calls(a, [RAW6]).results == [errno.EPERM]
            first.close()  # last user: the object closes, its links with it
            assert run_socket_calls(a, [RAW6]).results == [0]
            second.close()
            assert len(cg_backend.SHARED) == 1  # kept for the policy's next apply
    finally:
        cg_backend.SHARED.stop()
