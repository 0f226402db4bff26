"""The reference model of the socket() path: known kernel facts, policy hook placement and
errno precedence per backend, and a check against the running kernel (fresh netns)."""

from __future__ import annotations

import errno
import itertools
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from hotfence.fence.compiled import Hook
from hotfence.fence.compiler import compile_policy
from hotfence.fence.model import (
    Backend,
    Caller,
    HookPoint,
    KernelProfile,
    PortCall,
    ProtoSw,
    SocketCall,
    explain_port,
    explain_socket,
)
from hotfence.fence.policy import parse_policy
from hotfence.linux import names

CLOEXEC, NONBLOCK = names.SOCK_CLOEXEC, names.SOCK_NONBLOCK


def kernel(family: int, type_: int, protocol: int, **kw) -> str:
    return explain_socket(SocketCall(family, type_, protocol), **kw).errno_name


def policy(rules: str, mode: str = "enforce", default: str = "allow"):
    text = (
        f"apiVersion: hotfence/v1\nkind: SocketPolicy\nmetadata: {{name: m}}\n"
        f"spec:\n  mode: {mode}\n  default: {default}\n  rules:\n"
        + textwrap.indent(textwrap.dedent(rules), "    ")
    )
    return compile_policy(parse_policy(text, "m.yaml"))


# --- kernel facts without a policy -------------------------------------------------------


def test_default_protocols_are_resolved() -> None:
    exp = explain_socket(SocketCall(2, 1, 0))
    assert exp.errno == 0 and exp.resolved_protocol == names.IPPROTO_TCP
    assert explain_socket(SocketCall(10, 2, 0)).resolved_protocol == names.IPPROTO_UDP
    assert explain_socket(SocketCall(2, 1, names.IPPROTO_MPTCP)).resolved_protocol == 262


@pytest.mark.parametrize(
    "call, expected",
    [
        ((2, 1, 17), "EPROTONOSUPPORT"),  # stream + UDP
        ((2, 2, 6), "EPROTONOSUPPORT"),  # dgram + TCP
        ((2, 3, 0), "EPROTONOSUPPORT"),  # raw needs an explicit protocol
        ((10, 3, 58), "0"),  # raw ICMPv6 as root
        ((2, 3, 255), "0"),  # IPPROTO_RAW
        ((2, 5, 0), "ESOCKTNOSUPPORT"),  # no SCTP on this kernel: inetsw[SEQPACKET] empty
        ((2, 0, 0), "ESOCKTNOSUPPORT"),
        ((2, 1 | 0x100, 0), "EINVAL"),  # unknown type flag
        ((2, 1 | CLOEXEC | NONBLOCK, 0), "0"),
        ((2, 11, 0), "EINVAL"),  # type >= SOCK_MAX
        ((2, 15, 0), "EINVAL"),
        ((2, -1, 0), "EINVAL"),  # negative type: high bits are unknown flags
        ((46, 1, 0), "EAFNOSUPPORT"),  # family >= NPROTO
        ((-1, 1, 0), "EAFNOSUPPORT"),
        ((38, 5, 0), "EAFNOSUPPORT"),  # AF_ALG not built into this kernel
        ((2, 1, 263), "EINVAL"),  # protocol >= IPPROTO_MAX, checked before the type
        ((2, 5, 263), "EINVAL"),
        ((2, 1, -1), "EINVAL"),
        ((2, 2, 1), "EACCES"),  # ping socket, ping_group_range "1 0"
        ((10, 2, 58), "EACCES"),
        ((10, 2, 1), "EPROTONOSUPPORT"),  # ICMP (v4) is not a protocol of inet6 dgram
        ((2, 10, 0), "0"),  # (AF_INET, SOCK_PACKET) becomes AF_PACKET
        ((10, 10, 0), "ESOCKTNOSUPPORT"),  # no such rewrite for inet6
        ((1, 3, 0), "0"),  # unix raw becomes dgram
        ((1, 1, 2), "EPROTONOSUPPORT"),
        ((1, 10, 0), "ESOCKTNOSUPPORT"),
        ((16, 1, 0), "ESOCKTNOSUPPORT"),
        ((16, 3, 32), "EPROTONOSUPPORT"),
        ((16, 3, 1), "EPROTONOSUPPORT"),  # NETLINK_UNUSED never registered
        ((16, 2, 16), "0"),
        ((17, 1, 0), "ESOCKTNOSUPPORT"),
        ((40, 2, 0), "ENODEV"),  # vsock dgram without transport
        ((44, 3, 1), "EPROTONOSUPPORT"),
    ],
)
def test_known_kernel_facts(call: tuple[int, int, int], expected: str) -> None:
    assert kernel(*call) == expected


def test_module_loading_is_a_profile_parameter() -> None:
    assert kernel(38, 5, 0) == "EAFNOSUPPORT"
    with_alg = KernelProfile(loadable_families=frozenset({38}))
    assert kernel(38, 5, 0, profile=with_alg) == "0"
    assert kernel(38, 1, 0, profile=with_alg) == "ESOCKTNOSUPPORT"
    sctp = ProtoSw(names.SOCK_STREAM, 132, "SCTP", False, module="sctp")
    with_sctp = KernelProfile(loadable_inet_protosw=(sctp,))
    assert kernel(2, 1, 132) == "EPROTONOSUPPORT"
    exp = explain_socket(SocketCall(2, 1, 132), profile=with_sctp)
    assert exp.errno == 0 and any("loads sctp" in s.detail for s in exp.steps)


def test_capabilities_groups_and_fds() -> None:
    no_raw = Caller(cap_net_raw=False)
    assert kernel(10, 3, 58, caller=no_raw) == "EPERM"
    assert kernel(17, 3, 0, caller=no_raw) == "EPERM"
    assert kernel(17, 1, 0, caller=no_raw) == "EPERM"  # packet checks the cap before the type
    assert kernel(2, 3, 0, caller=no_raw) == "EPROTONOSUPPORT"  # protosw look-up comes first
    assert explain_socket(SocketCall(10, 3, 58, kern=True), caller=no_raw).errno == 0
    assert kernel(2, 2, 1, profile=KernelProfile(ping_group_range=(0, 10))) == "0"
    assert (
        kernel(
            2,
            2,
            1,
            caller=Caller(egid=1000, groups=(5,)),
            profile=KernelProfile(ping_group_range=(5, 5)),
        )
        == "0"
    )
    assert kernel(2, 1, 262, profile=KernelProfile(mptcp_enabled=False)) == "ENOPROTOOPT"
    assert kernel(2, 1, 0, caller=Caller(fd_available=False)) == "EMFILE"
    assert kernel(2, 1, 6 + 1000, caller=Caller(fd_available=False)) == "EINVAL"  # EMFILE is last


def test_steps_name_the_kernel_functions_in_order() -> None:
    exp = explain_socket(SocketCall(10, 3, 58))
    functions = [s.function for s in exp.steps]
    order = [
        "__sys_socket_create",
        "__sock_create",
        "security_socket_create",
        "inet6_create",
        "security_socket_post_create",
        "sock_map_fd",
    ]
    positions = [functions.index(f) for f in order]
    assert positions == sorted(positions)
    assert all(s.outcome == "ok" for s in exp.steps)


# --- the policy at each hook -------------------------------------------------------------

DENY_RAW_ICMPV6 = """\
- name: no-raw-icmpv6
  action: deny
  socket: {family: inet6, type: raw, protocol: icmpv6}
"""


@pytest.mark.parametrize("backend", [Backend.CGROUP, Backend.LSM])
def test_deny_gives_eperm_and_names_the_rule(backend: Backend) -> None:
    pol = policy(DENY_RAW_ICMPV6)
    exp = explain_socket(SocketCall(10, 3, 58), pol, backend)
    assert exp.errno == errno.EPERM and exp.decided_by_policy
    assert (
        exp.rule is not None and exp.rule.name == "no-raw-icmpv6" and exp.rule.source == "m.yaml:8"
    )
    assert exp.verdict == "denied by policy"
    hook = "cgroup/sock_create" if backend is Backend.CGROUP else "lsm/socket_create"
    assert exp.decision.hook == hook
    allowed = explain_socket(SocketCall(10, 3, 255), pol, backend)
    assert allowed.errno == 0 and allowed.rule is None and allowed.decision.effect == "allow"
    assert allowed.decision.source == "m.yaml:6"  # spec.default


def test_errno_precedence_differs_between_hooks() -> None:
    pol = policy(DENY_RAW_ICMPV6)
    no_raw = Caller(cap_net_raw=False)
    # LSM: security_socket_create runs before inet6_create's CAP_NET_RAW check.
    lsm = explain_socket(SocketCall(10, 3, 58), pol, Backend.LSM, caller=no_raw)
    assert lsm.errno == errno.EPERM and lsm.decided_by_policy
    # cgroup: the capability check fails first; the BPF program never runs.
    cg = explain_socket(SocketCall(10, 3, 58), pol, Backend.CGROUP, caller=no_raw)
    assert cg.errno == errno.EPERM and cg.decision is None and not cg.decided_by_policy
    # A deny on ping sockets: cgroup sees EACCES from ping_init_sock, LSM denies first.
    ping = policy("- action: deny\n  socket: {family: inet, type: dgram, protocol: icmp}\n")
    assert explain_socket(SocketCall(2, 2, 1), ping, Backend.CGROUP).errno_name == "EACCES"
    assert explain_socket(SocketCall(2, 2, 1), ping, Backend.LSM).errno_name == "EPERM"
    # Kernel EINVAL before any hook on both.
    for backend in (Backend.CGROUP, Backend.LSM):
        assert explain_socket(SocketCall(10, 3 | 0x100, 58), pol, backend).errno_name == "EINVAL"
    # Unknown protocol: LSM denies only if a rule matches; the cgroup never gets there.
    deny_inet = policy("- action: deny\n  socket: {family: inet}\n")
    assert explain_socket(SocketCall(2, 1, 17), deny_inet, Backend.LSM).errno_name == "EPERM"
    assert (
        explain_socket(SocketCall(2, 1, 17), deny_inet, Backend.CGROUP).errno_name
        == "EPROTONOSUPPORT"
    )


def test_cgroup_hook_sees_resolved_protocol_and_lsm_is_normalised() -> None:
    pol = policy("- action: deny\n  socket: {family: inet, type: stream, protocol: tcp}\n")
    for backend in (Backend.CGROUP, Backend.LSM):
        exp = explain_socket(SocketCall(2, 1, 0), pol, backend)
        assert exp.errno == errno.EPERM, backend
        assert "socket(inet, stream, tcp)" in exp.decision.looked_up
    post = explain_socket(
        SocketCall(2, 1, 0), pol, Backend.LSM, hook_point=HookPoint.LSM_SOCKET_POST_CREATE
    )
    assert post.errno == errno.EPERM and post.decision.hook == "lsm/socket_post_create"


def test_coverage_of_the_cgroup_backend() -> None:
    pol = policy(
        "- action: deny\n  socket: {family: unix}\n- action: deny\n  socket: {family: inet6, kern: any}\n"
    )
    unix = explain_socket(SocketCall(1, 1, 0), pol, Backend.CGROUP)
    assert unix.errno == 0 and unix.decision is None
    assert any("not covered by the cgroup backend" in n for n in unix.notes)
    assert explain_socket(SocketCall(1, 1, 0), pol, Backend.LSM).errno == errno.EPERM
    kern = explain_socket(SocketCall(10, 1, 0, kern=True), pol, Backend.CGROUP)
    assert kern.errno == 0 and kern.decision is None  # BPF_CGROUP_RUN_PROG_INET_SOCK skips kern
    assert explain_socket(SocketCall(10, 1, 0, kern=True), pol, Backend.LSM).errno == errno.EPERM


def test_inet_sock_packet_rewrite_is_seen_by_lsm_as_packet() -> None:
    pol = policy("- action: deny\n  socket: {family: packet}\n")
    assert explain_socket(SocketCall(2, 10, 0), pol, Backend.LSM).errno == errno.EPERM
    assert explain_socket(SocketCall(2, 10, 0), pol, Backend.CGROUP).errno == 0


def test_audit_mode_and_audit_action_allow() -> None:
    pol = policy(DENY_RAW_ICMPV6, mode="audit")
    exp = explain_socket(SocketCall(10, 3, 58), pol, Backend.CGROUP)
    assert exp.errno == 0 and exp.decision.effect == "would-deny"
    assert "would be denied" in exp.verdict
    aud = policy("- action: audit\n  socket: {family: inet6, type: raw}\n")
    exp = explain_socket(SocketCall(10, 3, 58), aud, Backend.LSM)
    assert exp.errno == 0 and exp.decision.effect == "audit"


def test_default_deny_and_scope() -> None:
    pol = policy("- action: allow\n  socket: {family: inet, type: stream}\n", default="deny")
    assert explain_socket(SocketCall(2, 1, 0), pol, Backend.CGROUP).errno == 0
    udp = explain_socket(SocketCall(2, 2, 0), pol, Backend.CGROUP)
    assert udp.errno == errno.EPERM and udp.rule is None and udp.decision.source == "m.yaml:6"
    inside = Caller(cgroup="/sys/fs/cgroup/unified/app/worker")
    outside = Caller(cgroup="/sys/fs/cgroup/unified/other")
    scope = "/sys/fs/cgroup/unified/app"
    assert (
        explain_socket(
            SocketCall(2, 2, 0), pol, Backend.CGROUP, caller=inside, scope_cgroup=scope
        ).errno
        == errno.EPERM
    )
    out = explain_socket(
        SocketCall(2, 2, 0), pol, Backend.CGROUP, caller=outside, scope_cgroup=scope
    )
    assert out.errno == 0 and any("outside" in n for n in out.notes)


# --- bind / connect ----------------------------------------------------------------------

PORTS = """\
- action: deny
  connect: {family: inet6, protocol: tcp, ports: [443]}
- action: deny
  bind: {protocol: udp}
"""


@pytest.mark.parametrize("backend", [Backend.CGROUP, Backend.LSM])
def test_port_rules(backend: Backend) -> None:
    pol = policy(PORTS)
    exp = explain_port(PortCall(Hook.CONNECT, 10, 6, 443), pol, backend)
    assert exp.errno == errno.EPERM and exp.rule.source == "m.yaml:8"
    assert exp.decision.hook == (
        "cgroup/connect6" if backend is Backend.CGROUP else "lsm/socket_connect"
    )
    assert explain_port(PortCall(Hook.CONNECT, 2, 6, 443), pol, backend).errno == 0
    assert explain_port(PortCall(Hook.BIND, 2, 17, 5353), pol, backend).errno == errno.EPERM
    assert (
        explain_port(
            PortCall(Hook.CONNECT, 10, 6, 80, peer_listening=False), pol, backend
        ).errno_name
        == "ECONNREFUSED"
    )


@pytest.mark.parametrize("backend", [Backend.CGROUP, Backend.LSM])
def test_connect_rules_apply_to_udp_sendto(backend: Backend) -> None:
    pol = policy("""\
- action: deny
  connect: {protocol: udp, ports: [53]}
""")
    exp = explain_port(PortCall(Hook.CONNECT, 10, 17, 53, sendto=True), pol, backend)
    assert exp.errno == errno.EPERM and exp.rule.source == "m.yaml:8"
    assert exp.decision.hook == (
        "cgroup/sendmsg6" if backend is Backend.CGROUP else "lsm/socket_sendmsg"
    )
    assert exp.call.describe() == "sendto(inet6, udp, port 53)"
    ok = explain_port(PortCall(Hook.CONNECT, 2, 17, 54, sendto=True), pol, backend)
    assert ok.errno == 0 and ok.steps[-1].function == "udp_sendmsg"
    with pytest.raises(ValueError, match="sendto"):
        explain_port(PortCall(Hook.CONNECT, 2, 6, 53, sendto=True), pol, backend)


def test_a_socket_made_outside_the_cgroup_escapes_cgroup_bpf_but_not_lsm() -> None:
    pol = policy(PORTS)
    outside = PortCall(Hook.CONNECT, 10, 6, 443, socket_from_outside=True)
    exp = explain_port(outside, pol, Backend.CGROUP)
    assert exp.errno == 0 and exp.decision is None
    assert "made outside the fenced cgroup" in " ".join(s.detail for s in exp.steps)
    assert explain_port(outside, pol, Backend.LSM).errno == errno.EPERM


def test_port_hooks_run_before_the_protocol_checks() -> None:
    pol = policy(PORTS)
    no_bind = Caller(cap_net_bind_service=False)
    assert (
        explain_port(PortCall(Hook.BIND, 2, 17, 53), pol, Backend.CGROUP, caller=no_bind).errno_name
        == "EPERM"
    )
    assert (
        explain_port(PortCall(Hook.BIND, 2, 6, 80), pol, Backend.CGROUP, caller=no_bind).errno_name
        == "EACCES"
    )
    assert (
        explain_port(
            PortCall(Hook.BIND, 2, 6, 8080, port_in_use=True), pol, Backend.CGROUP
        ).errno_name
        == "EADDRINUSE"
    )
    assert (
        explain_port(
            PortCall(Hook.BIND, 2, 17, 8080, port_in_use=True), pol, Backend.CGROUP
        ).errno_name
        == "EPERM"
    )


# --- against the running kernel ----------------------------------------------------------

PROBE = r"""
import ctypes, json, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if len(sys.argv) > 1:
    with open("/proc/sys/net/ipv4/ping_group_range", "w") as f:
        f.write(sys.argv[1])
out = []
for fam, typ, proto in json.loads(sys.stdin.read()):
    fd = libc.socket(fam, typ, proto)
    if fd >= 0:
        os.close(fd)
        out.append(0)
    else:
        out.append(ctypes.get_errno())
print(json.dumps(out))
"""

FAMILIES = [-1, 0, 1, 2, 3, 10, 16, 17, 21, 38, 40, 44, 45, 46, 200]
TYPES = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    10,
    11,
    15,
    1 | CLOEXEC,
    2 | NONBLOCK,
    3 | CLOEXEC | NONBLOCK,
    1 | 0x100,
    -1,
]
PROTOCOLS = [-1, 0, 1, 2, 4, 6, 16, 17, 40, 58, 132, 136, 255, 256, 262, 263, 0x300]


def host_errnos(calls: list[tuple[int, int, int]], prefix: list[str], *args: str) -> list[int]:
    cmd = prefix + ["unshare", "--net", "--", sys.executable, "-c", PROBE, *args]
    done = subprocess.run(cmd, input=json.dumps(calls), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _needs_root() -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("comparing with the running kernel needs root and unshare(1) for a fresh netns")


@pytest.mark.kernel
@pytest.mark.parametrize("variant", ["root", "no-cap-net-raw", "ping-allowed"])
def test_host_kernel_agrees(variant: str) -> None:
    """Every (family, type, protocol) of a grid: the host's errno == the model's errno."""
    _needs_root()
    calls = list(itertools.product(FAMILIES, TYPES, PROTOCOLS))
    caller, profile, prefix, args = Caller(), KernelProfile(), [], []
    if variant == "no-cap-net-raw":
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv(1) is needed to drop CAP_NET_RAW")
        # unshare needs CAP_SYS_ADMIN, not CAP_NET_RAW; the probe inherits the smaller set.
        prefix = [setpriv, "--bounding-set=-net_raw", "--inh-caps=-net_raw"]
        caller = Caller(cap_net_raw=False)
    elif variant == "ping-allowed":
        args = ["0 0"]  # the probe's own netns: root's group may open ping sockets
        profile = KernelProfile(ping_group_range=(0, 0))
    got = host_errnos(calls, prefix, *args)
    mismatches = []
    for call, real in zip(calls, got):
        model = explain_socket(SocketCall(*call), caller=caller, profile=profile).errno
        if model != real:
            mismatches.append(
                (call, errno.errorcode.get(real, real), errno.errorcode.get(model, model))
            )
    print(f"{variant}: {len(calls)} calls compared, {len(mismatches)} mismatches")
    # The variants really changed the kernel's answers (not a vacuous comparison).
    seen = {errno.errorcode.get(e, str(e)) for e in got}
    assert {"EINVAL", "EAFNOSUPPORT", "ESOCKTNOSUPPORT", "EPROTONOSUPPORT"} <= seen
    assert ("EPERM" in seen) == (variant == "no-cap-net-raw")
    assert ("EACCES" in seen) == (variant != "ping-allowed")
    assert not mismatches, f"(call, kernel, model): {mismatches[:20]}"


@pytest.mark.kernel
def test_default_profile_is_this_kernel() -> None:
    """KernelProfile() describes the host: a probe by socket() in a fresh netns agrees."""
    _needs_root()
    code = (
        "import json; from hotfence.fence.profile_probe import probe_kernel_profile as p; k = p(); "
        "print(json.dumps({'families': sorted(k.families), 'netlink': sorted(k.netlink_protocols), "
        "'inet': sorted((e.type, e.protocol, e.permanent, e.init or '') for e in k.inet_protosw), "
        "'inet6': sorted((e.type, e.protocol, e.permanent, e.init or '') for e in k.inet6_protosw), "
        "'vsock': k.vsock_dgram_transport, 'ping': list(k.ping_group_range), 'mptcp': k.mptcp_enabled}))"
    )
    done = subprocess.run(
        ["unshare", "--net", "--", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    probed = json.loads(done.stdout)
    default = KernelProfile()

    def table(entries):
        return sorted([e.type, e.protocol, e.permanent, e.init or ""] for e in entries)

    assert probed["families"] == sorted(default.families)
    assert probed["netlink"] == sorted(default.netlink_protocols)
    assert probed["inet"] == table(default.inet_protosw)
    assert probed["inet6"] == table(default.inet6_protosw)
    assert probed["vsock"] == default.vsock_dgram_transport
    assert tuple(probed["ping"]) == default.ping_group_range
    assert probed["mptcp"] == default.mptcp_enabled


PORT_PROBE = r"""
import errno, json, socket, subprocess, sys
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM); holder.bind(("127.0.0.1", 5000)); holder.listen()
holder6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); holder6.bind(("::1", 5001))
out = []
for hook, fam, proto, port in json.loads(sys.stdin.read()):
    kind = socket.SOCK_STREAM if proto == 6 else socket.SOCK_DGRAM
    s = socket.socket(fam, kind, proto)
    host = "127.0.0.1" if fam == socket.AF_INET else "::1"
    try:
        (s.bind if hook == "bind" else s.connect)((host, port))
        out.append(0)
    except OSError as e:
        out.append(e.errno)
    s.close()
print(json.dumps(out))
"""


@pytest.mark.kernel
@pytest.mark.parametrize("privileged", [True, False])
def test_host_kernel_agrees_on_bind_connect(privileged: bool) -> None:
    """bind()/connect() on loopback in a fresh netns: the kernel's errno == the model's."""
    _needs_root()
    calls = [
        (hook, fam, proto, port)
        for hook in ("bind", "connect")
        for fam in (2, 10)
        for proto in (6, 17)
        for port in (80, 1023, 1024, 5000, 5001, 6000)
    ]
    prefix = (
        []
        if privileged
        else [
            shutil.which("setpriv") or "setpriv",
            "--bounding-set=-net_bind_service",
            "--inh-caps=-net_bind_service",
        ]
    )
    cmd = prefix + ["unshare", "--net", "--", sys.executable, "-c", PORT_PROBE]
    done = subprocess.run(cmd, input=json.dumps(calls), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    caller = Caller(cap_net_bind_service=privileged)
    mismatches = []
    for (hook, fam, proto, port), real in zip(calls, got):
        # What the probe set up: a TCP listener on 127.0.0.1:5000, a UDP socket on [::1]:5001.
        in_use = (fam, proto, port) in ((2, 6, 5000), (10, 17, 5001))
        listening = (fam, proto, port) == (2, 6, 5000)
        call = PortCall(
            Hook.BIND if hook == "bind" else Hook.CONNECT,
            fam,
            proto,
            port,
            port_in_use=in_use,
            peer_listening=listening,
        )
        model = explain_port(call, caller=caller).errno
        if model != real:
            mismatches.append(
                (
                    hook,
                    fam,
                    proto,
                    port,
                    errno.errorcode.get(real, real),
                    errno.errorcode.get(model, model),
                )
            )
    assert not mismatches, mismatches
    assert (errno.EACCES in got) == (not privileged)
    assert errno.EADDRINUSE in got and errno.ECONNREFUSED in got


# --- differential: cgroup-BPF backend in the kernel vs the model -------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

DIFF_FAMILIES = ["inet", "inet6", "unix"]
DIFF_TYPES = ["stream", "dgram", "raw"]
DIFF_PROTOCOLS = [0, "tcp", "udp", "icmp", "icmpv6", 255]
DIFF_PORTS = [80, 443, 5353, 8080]


@st.composite
def diff_policy(draw) -> str:
    rules = []
    for _ in range(draw(st.integers(0, 5))):
        action = draw(st.sampled_from(["allow", "deny", "deny", "audit"]))
        if draw(st.booleans()):
            sock = {
                "family": draw(st.sampled_from(DIFF_FAMILIES)),
                "kern": draw(st.sampled_from(["user", "any"])),
            }
            if draw(st.booleans()):
                sock["type"] = draw(st.sampled_from(DIFF_TYPES))
            if draw(st.booleans()):
                sock["protocol"] = draw(st.sampled_from(DIFF_PROTOCOLS))
            rules.append({"action": action, "socket": sock})
        else:
            body = {
                "ports": draw(
                    st.lists(st.sampled_from(DIFF_PORTS), min_size=1, max_size=2, unique=True)
                )
            }
            if draw(st.booleans()):
                body["family"] = draw(st.sampled_from(["inet", "inet6"]))
            if draw(st.booleans()):
                body["protocol"] = draw(st.sampled_from(["tcp", "udp"]))
            rules.append({"action": action, draw(st.sampled_from(["bind", "connect"])): body})
    import yaml

    return yaml.safe_dump(
        {
            "apiVersion": "hotfence/v1",
            "kind": "SocketPolicy",
            "metadata": {"name": "diff"},
            "spec": {
                "mode": draw(st.sampled_from(["enforce", "enforce", "audit"])),
                "default": draw(st.sampled_from(["allow", "deny", "deny", "audit"])),
                "rules": rules,
            },
        }
    )


diff_socket = st.tuples(
    st.just("socket"),
    st.sampled_from([1, 2, 10]),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([0, 1, 6, 17, 58, 255]),
)
diff_port = st.tuples(
    st.sampled_from(["bind", "connect"]),
    st.sampled_from([2, 10]),
    st.sampled_from([6, 17]),
    st.sampled_from(DIFF_PORTS),
)


def model_errno(policy, op: tuple) -> int:
    kind, family, a, b = op[:4]
    if kind == "socket":
        return explain_socket(SocketCall(family, a, b), policy, Backend.CGROUP).errno
    proto, port = a, b
    type_ = names.SOCK_STREAM if proto == 6 else names.SOCK_DGRAM
    created = explain_socket(SocketCall(family, type_, proto), policy, Backend.CGROUP)
    if created.errno:
        return created.errno
    call = PortCall(
        Hook.BIND if kind == "bind" else Hook.CONNECT, family, proto, port, peer_listening=False
    )  # the child's fresh netns has no listener
    return explain_port(call, policy, Backend.CGROUP).errno


@pytest.mark.kernel
def test_differential_cgroup_backend_vs_model() -> None:
    """Hypothesis draws policies and calls; with the policy attached by the cgroup backend
    to a scratch cgroup, the errno a child sees equals the model's for every call."""
    _needs_root()
    sys.path.insert(0, os.path.dirname(__file__))
    kernel_helpers = pytest.importorskip("kernel_helpers")
    if kernel_helpers.kernel_skip_reason() is not None:
        pytest.skip(kernel_helpers.kernel_skip_reason())
    cg_backend = pytest.importorskip("hotfence.fence.backends.cgroup")
    compared = {"calls": 0, "policies": 0, "denied": 0}

    with (
        kernel_helpers.scratch_cgroup("model-diff") as cgroup,
        cg_backend.CgroupFence(cgroup) as fence,
    ):
        fence.attach()

        @settings(
            max_examples=40,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(
            text=diff_policy(),
            ops=st.lists(st.one_of(diff_socket, diff_port), min_size=4, max_size=12),
        )
        def check(text: str, ops: list[tuple]) -> None:
            from hotfence.fence.policy import PolicyError

            try:
                compiled = compile_policy(parse_policy(text, "diff.yaml"))
            except PolicyError:
                return  # conflicting draws: the compiler's own tests cover this
            fence.maps.install(compiled)
            child_ops = [
                (k, f, (names.SOCK_STREAM if a == 6 else names.SOCK_DGRAM), a, b)
                if k != "socket"
                else (k, f, a, b)
                for k, f, a, b in ops
            ]
            report = kernel_helpers.run_socket_calls(cgroup, child_ops)
            compared["policies"] += 1
            for op, real in zip(ops, report.results):
                compared["calls"] += 1
                compared["denied"] += real == errno.EPERM
                expected = model_errno(compiled, op)
                assert real == expected, (
                    f"{op}: kernel {errno.errorcode.get(real, real)}, model "
                    f"{errno.errorcode.get(expected, expected)}\npolicy:\n{text}"
                )

        check()
    print(
        f"differential: {compared['policies']} policies, {compared['calls']} calls, "
        f"{compared['denied']} EPERM, all equal"
    )
    assert compared["calls"] > 0 and compared["denied"] > 0
