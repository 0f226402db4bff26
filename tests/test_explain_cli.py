"""`hotfence explain`: steps, verdict, errno and the deciding rule's file:line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from hotfence.cli import main

ROOT = Path(__file__).resolve().parents[1]
DENY_ICMPV6 = str(ROOT / "examples" / "policies" / "deny-raw-icmpv6.yaml")
WEB = str(ROOT / "examples" / "policies" / "web-ports.yaml")
ALG = str(ROOT / "examples" / "policies" / "deny-af-alg.yaml")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["explain", *args])
    return result.exit_code, result.output


def test_raw_icmpv6_is_denied_by_the_rule_with_its_line() -> None:
    code, out = run("--policy", DENY_ICMPV6, "socket", "inet6", "raw", "icmpv6")
    assert code == 0, out
    assert "verdict: denied by policy" in out
    assert "errno:   EPERM (1)" in out
    assert f"rule:    no-raw-icmpv6 at {DENY_ICMPV6}:12" in out
    assert "inet6_create: BPF_CGROUP_RUN_PROG_INET_SOCK" in out  # the cgroup hook's place


def test_lsm_backend_decides_at_security_socket_create() -> None:
    code, out = run(
        "--policy",
        DENY_ICMPV6,
        "--backend",
        "bpf-lsm",
        "socket",
        "AF_INET6",
        "SOCK_RAW",
        "IPPROTO_ICMPV6",
    )
    assert code == 0, out
    assert "security_socket_create" in out and "lsm/socket_create" in out
    assert "inet6_create" not in out  # the walk stopped at the LSM hook


def test_other_sockets_are_allowed_by_the_default() -> None:
    code, out = run("--policy", DENY_ICMPV6, "socket", "inet6", "raw", "255")
    assert code == 0 and "verdict: allowed" in out and "errno:   0" in out
    assert f"policy default at {DENY_ICMPV6}:10" in out


def test_no_cap_net_raw_and_kern_flags() -> None:
    _, out = run("--policy", DENY_ICMPV6, "--no-cap-net-raw", "socket", "inet6", "raw", "icmpv6")
    assert "failed in the kernel (EPERM)" in out and "not consulted" in out
    _, out = run("--policy", DENY_ICMPV6, "--kern", "socket", "inet6", "raw", "icmpv6")
    assert "verdict: allowed" in out and "not run for kernel sockets" in out


def test_json_output() -> None:
    code, out = run("--policy", DENY_ICMPV6, "-o", "json", "socket", "inet6", "raw", "icmpv6")
    assert code == 0
    data = json.loads(out)
    assert data["errno"] == 1 and data["errno_name"] == "EPERM"
    assert data["decision"]["rule"]["source"] == f"{DENY_ICMPV6}:12"
    assert data["call"] == {"family": 10, "type": 3, "protocol": 58, "kern": False}
    assert data["steps"][-1]["outcome"] == "EPERM"


def test_connect_and_bind() -> None:
    code, out = run("--policy", WEB, "connect", "inet6", "tcp", "443")
    assert code == 0 and "verdict: allowed" in out and "rule:    https-out" in out
    _, out = run("--policy", WEB, "connect", "inet", "tcp", "80", "-o", "json")
    data = json.loads(out)
    assert data["errno_name"] == "EPERM" and data["decision"]["rule"]["name"] == "no-other-connect"
    assert data["decision"]["hook"] == "cgroup/connect4"
    _, out = run("--policy", WEB, "bind", "inet", "tcp", "8080")
    assert "verdict: allowed" in out and "listen-web" in out
    _, out = run("--policy", WEB, "bind", "inet", "tcp", "22")
    assert "denied by policy" in out and "no-other-tcp-listen" in out
    # connect rules hold for a UDP datagram sent without connect()
    _, out = run("--policy", WEB, "sendto", "inet", "udp", "123", "-o", "json")
    data = json.loads(out)
    assert data["errno_name"] == "EPERM" and data["decision"]["hook"] == "cgroup/sendmsg4"
    assert data["decision"]["rule"]["name"] == "no-other-connect"
    code, out = run("--policy", WEB, "sendto", "inet", "tcp", "53")
    assert code == 2 and "sendto is modelled for udp" in out
    # a socket made before the caller moved into the cgroup: cgroup-BPF does not fence it
    _, out = run(
        "--policy", WEB, "sendto", "inet", "udp", "123", "--socket-made-outside", "-o", "json"
    )
    data = json.loads(out)
    assert data["errno_name"] == "0" and data["decision"] is None
    _, out = run(
        "--policy",
        WEB,
        "--backend",
        "bpf-lsm",
        "sendto",
        "inet",
        "udp",
        "123",
        "--socket-made-outside",
    )
    assert "denied by policy" in out


def test_af_alg_needs_lsm_to_be_fenced() -> None:
    _, out = run("--policy", ALG, "--with-family", "alg", "socket", "alg", "seqpacket")
    assert "verdict: allowed" in out and "not covered by the cgroup backend" in out
    _, out = run(
        "--policy",
        ALG,
        "--with-family",
        "alg",
        "--backend",
        "bpf-lsm",
        "socket",
        "alg",
        "seqpacket",
    )
    assert "denied by policy" in out and "no-af-alg" in out
    _, out = run("socket", "alg", "seqpacket")
    assert "EAFNOSUPPORT" in out  # this kernel has no AF_ALG


def test_no_policy_type_flags() -> None:
    _, out = run("socket", "inet", "stream|cloexec|nonblock")
    assert "verdict: allowed" in out and "policy:  none" in out
    _, out = run("socket", "inet", "0x101")
    assert "EINVAL" in out and "unknown flag bits 0x100" in out


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    code, out = run("socket", "inet7", "raw")
    assert code == 2 and "unknown family 'inet7'" in out and "inet6" in out
    code, out = run("frobnicate", "x")
    assert code == 2 and "valid: socket, bind, connect" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: hotfence/v1\nkind: SocketPolicy\nmetadata: {name: b}\n"
        "spec:\n  mode: enforce\n  default: allow\n  rules:\n"
        "    - action: deny\n      socket: {family: inet6, type: rawx}\n"
    )
    result = CliRunner().invoke(
        main, ["explain", "--policy", str(bad), "socket", "inet6", "raw", "icmpv6"]
    )
    assert result.exit_code == 2
    assert f"{bad}:9: spec.rules[0].socket.type" in result.output and "seqpacket" in result.output
