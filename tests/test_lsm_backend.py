"""The BPF-LSM backend.

Host side (no guest): coverage, scope encoding, backend selection, the built object.
Guest side (``@pytest.mark.guest``): this host kernel refuses BPF-LSM programs, so the
session's QEMU guest (Debian's stock 6.1 kernel, bpf in lsm=; tests/conftest.py) runs ``tests/guest/lsm_guest.py``
and ``tests/guest/lsm_differential.py`` inside and the assertions are made here. The
BPF object is built on the host against the guest kernel's BTF (the ``.BTF`` section of
its vmlinux, byte-identical to the guest's /sys/kernel/btf/vmlinux), so the guest never
runs clang.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from hotfence.bpf import build, libbpf
from hotfence.fence.backends import Coverage, ProbeResult, lsm, probe, select
from hotfence.fence.backends.cgroupfs import CgroupRef, FenceError
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

if TYPE_CHECKING:
    from hotfence.lab.guest import GuestSession

REPO = Path(__file__).resolve().parents[1]
GUEST_DIR = REPO / "tests" / "guest"
INET, INET6, RAW, STREAM, DGRAM = (
    socket.AF_INET,
    socket.AF_INET6,
    socket.SOCK_RAW,
    socket.SOCK_STREAM,
    socket.SOCK_DGRAM,
)
AF_ALG, EPERM = 38, errno.EPERM


def rule(i: int, name: str, hooks=(Hook.SOCKET_CREATE,)) -> RuleInfo:
    return RuleInfo(i, name, f"test.yaml:{i + 1}", name, frozenset(hooks))


# ---------------------------------------------------------------------------- host


def test_coverage_every_family_and_kern_flag() -> None:
    policy = CompiledPolicy(
        name="mixed",
        enforce=True,
        default=Action.DENY,
        rules=[
            rule(0, "alg"),
            rule(1, "kern-only"),
            rule(2, "raw6"),
            rule(3, "tcp-proto0"),
            rule(4, "inet-proto0"),
            rule(5, "bind", (Hook.BIND,)),
            rule(6, "vsock-user"),
        ],
        create={
            CreateKey(AF_ALG, ANY, ANY, ANY_KERN): Verdict(0, Action.DENY),
            CreateKey(INET, STREAM, 6, 1): Verdict(1, Action.DENY),
            CreateKey(INET6, RAW, 58, ANY_KERN): Verdict(2, Action.DENY),
            CreateKey(INET, STREAM, 0, ANY_KERN): Verdict(3, Action.DENY),
            CreateKey(INET, ANY, 0, ANY_KERN): Verdict(4, Action.DENY),
            CreateKey(40, ANY, ANY, 0): Verdict(6, Action.DENY),
        },
        ports={PortKey(Hook.BIND, ANY, ANY, 8080): Verdict(5, Action.DENY)},
    )
    cov = {c.name: c for c in lsm.coverage(policy)}
    for name in ("alg", "kern-only", "raw6", "bind", "vsock-user", "default"):
        assert cov[name].coverage is Coverage.FULL and cov[name].reason == "", name
    # Protocol 0 is looked up as TCP for an inet stream socket: a key with 0 never matches.
    assert cov["tcp-proto0"].coverage is Coverage.NONE and "tcp/udp" in cov["tcp-proto0"].reason
    assert cov["inet-proto0"].coverage is Coverage.PARTIAL
    assert lsm.LsmBackend().coverage(policy) == lsm.coverage(policy)


def test_scope_encoding_matches_the_c_struct(tmp_path: Path) -> None:
    src = (REPO / "src/hotfence/fence/fence_lsm.bpf.c").read_text()
    body = re.search(r"struct hf_lsm_scope \{(.*?)\};", src, re.S).group(1)
    fields = re.findall(r"__(u\d+) (\w+);", body)
    assert [(n, f) for f, n in fields] == [("cgroup_id", "u64"), ("level", "u32"), ("netns", "u32")]
    assert [f[0] for f in lsm.ScopeValue._fields_] == [n for _, n in fields]
    assert ctypes.sizeof(lsm.ScopeValue) == 16
    for mode, value in lsm.NETNS_MODES.items():
        assert re.search(rf"#define HF_NETNS_{mode.upper().replace('-', '_')} {value}\b", src)

    mount = tmp_path
    deep = lsm.Scope(CgroupRef(path=mount / "a" / "b", mount=mount, id=4242), netns="non-host")
    assert deep.level == 2
    v = lsm.ScopeValue.from_buffer_copy(deep.encode())
    assert (v.cgroup_id, v.level, v.netns) == (4242, 2, 1)
    with pytest.raises(FenceError, match="root cgroup"):
        lsm.Scope(CgroupRef(path=mount, mount=mount, id=1)).encode()
    with pytest.raises(FenceError, match="non-host"):
        lsm.Scope(CgroupRef(path=mount / "a", mount=mount, id=7), netns="host").encode()


def _probes(lsm_ok: bool, cgroup_ok: bool) -> list[ProbeResult]:
    return [
        ProbeResult(
            "bpf-lsm",
            lsm_ok,
            "kernel loaded a lsm/socket_create program"
            if lsm_ok
            else "kernel refused to load lsm/socket_create (EPERM)",
        ),
        ProbeResult(
            "cgroup-bpf",
            cgroup_ok,
            "kernel loaded a cgroup/sock_create program"
            if cgroup_ok
            else "kernel refused to load cgroup/sock_create (EINVAL)",
        ),
        ProbeResult("seccomp", True, "kernel has seccomp"),
    ]


def test_select_prefers_lsm_and_says_why() -> None:
    policy = CompiledPolicy(
        name="alg",
        enforce=True,
        default=Action.ALLOW,
        rules=[rule(0, "alg")],
        create={CreateKey(AF_ALG, ANY, ANY, ANY_KERN): Verdict(0, Action.DENY)},
    )
    both = select(policy, _probes(True, True))
    assert both.name == "bpf-lsm" and "every family" in both.reason
    assert [c.coverage for c in both.coverage] == [Coverage.FULL]

    fallback = select(policy, _probes(False, True))
    assert fallback.name == "cgroup-bpf"
    assert "bpf-lsm unavailable" in fallback.reason and "EPERM" in fallback.reason
    assert [c.coverage for c in fallback.coverage] == [
        Coverage.NONE
    ]  # AF_ALG: cgroup-BPF never sees it

    assert select(policy, _probes(True, True), prefer="cgroup-bpf").name == "cgroup-bpf"
    with pytest.raises(FenceError, match="bpf-lsm unavailable"):
        select(policy, _probes(False, True), prefer="bpf-lsm")
    with pytest.raises(FenceError, match="no enforcement backend"):
        select(policy, _probes(False, False))
    with pytest.raises(FenceError, match="unknown backend"):
        select(policy, _probes(True, True), prefer="ebpf")


def test_object_has_the_hooks_and_the_shared_maps() -> None:
    from hotfence.fence.backends.maps import MAPS

    path = build.object_path(lsm.OBJECT)
    with libbpf.BpfObject(path) as obj:  # opened, not loaded: no kernel involved
        assert sorted(obj.program_names()) == sorted(lsm.PROGRAMS)
        for name in (*MAPS, lsm.SCOPE_MAP):
            obj.map(name)
    src = (REPO / "src/hotfence/fence/fence_lsm.bpf.c").read_text()
    for prog, hook in lsm.PROGRAMS.items():
        assert re.search(rf'SEC\("{hook}"\)\s*int BPF_PROG\({prog},', src), prog


@pytest.mark.kernel
@pytest.mark.skipif(os.geteuid() != 0, reason="loading BPF programs needs root")
def test_this_host_kernel_refuses_lsm_and_select_falls_back() -> None:
    """Measured fact the guest tests exist for: the host refuses BPF-LSM programs."""
    probes = {p.backend: p for p in probe()}
    if probes["bpf-lsm"].available:
        pytest.skip("this kernel loads BPF-LSM programs; the fallback is covered by test_select_*")
    policy = CompiledPolicy(name="x", enforce=True, default=Action.ALLOW)
    sel = select(policy, list(probes.values()))
    assert sel.name == "cgroup-bpf" and probes["bpf-lsm"].reason in sel.reason


# ---------------------------------------------------------------------------- guest


class LsmGuest:
    """The session's guest plus what the LSM cases need: the object and the af_alg modules."""

    def __init__(self, session: GuestSession) -> None:
        from hotfence.lab.debkernel import prepare_kernel
        from hotfence.lab.initramfs import ModuleIndex

        kernel = prepare_kernel()
        # The same CO-RE objects the host loads: the guest sees them through its
        # read-only view of the host root, and HOTFENCE_BPF_BUILD points its own
        # build.object_path() (used by probe()) at them.
        self.objects_dir = build.objects_dir()
        self.modules = [str(p) for p in ModuleIndex(kernel.modules_dir).load_order(["algif_hash"])]
        self.session = session

    def run(self, script: str, *args: str, timeout: float = 300.0) -> dict:
        mods = " ".join(f"--module {m}" for m in self.modules)
        cmd = (
            f"HOTFENCE_BPF_BUILD={self.objects_dir} {sys.executable} {GUEST_DIR / script} "
            f"{' '.join(args)} --obj {build.object_path(lsm.OBJECT)} {mods}"
        )
        res = self.session.run(cmd, timeout=timeout, cwd=str(REPO))
        assert res.exit_code == 0, (
            f"guest: {cmd}\nexit {res.exit_code}\nstderr:\n{res.stderr[-4000:]}"
        )
        return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def lsm_guest(guest_pool) -> LsmGuest:
    return LsmGuest(guest_pool.get())


def _assert_only_inside(r: dict, ops: int, denied_index: int) -> None:
    for when in ("before", "after"):
        for place, results in r[when].items():
            assert results == [0] * ops, (when, place, results)
    # The target and its descendants are fenced; a sibling and the root cgroup are not.
    for place in ("inside", "child"):
        assert r["during"][place][denied_index] == EPERM, place
        assert [x for i, x in enumerate(r["during"][place]) if i != denied_index] == [0] * (ops - 1)
    for place in ("sibling", "outside"):
        assert r["during"][place] == [0] * ops, place


@pytest.mark.guest
def test_guest_af_alg_denied_in_the_cgroup_only(lsm_guest) -> None:
    r = lsm_guest.run("lsm_guest.py", "alg")
    assert r["modules"] == ["af_alg.ko", "algif_hash.ko"]
    _assert_only_inside(r, 3, 0)  # [AF_ALG seqpacket, unix stream, inet6 stream]
    assert len(r["events"]) == 2 and r["stats"] == [2, 0]
    by_pid = {e["tgid"]: e for e in r["events"]}
    assert set(by_pid) == {r["pids"]["inside"], r["pids"]["child"]}
    ev = by_pid[r["pids"]["inside"]]
    assert (ev["family"], ev["type"], ev["protocol"], ev["kern"]) == (
        AF_ALG,
        socket.SOCK_SEQPACKET,
        0,
        False,
    )
    assert ev["verdict"] == "deny" and ev["rule_id"] == 0 and ev["hook"] == Hook.SOCKET_CREATE
    assert ev["cgroup_id"] == r["cgroup_id"] and ev["comm"].startswith("python")
    assert by_pid[r["pids"]["child"]]["cgroup_id"] != r["cgroup_id"]  # the child cgroup's own id
    assert r["counters"]["0"] == [2, 2]
    assert r["counters"][str(16384)] == [4, 0]  # the other in-scope calls hit the default


@pytest.mark.guest
def test_guest_raw_icmpv6_denied_in_the_cgroup_only(lsm_guest) -> None:
    r = lsm_guest.run("lsm_guest.py", "raw6")
    _assert_only_inside(r, 4, 0)  # [raw icmpv6, raw icmp, inet6 stream, unix]
    assert {(e["family"], e["type"], e["protocol"]) for e in r["events"]} == {(INET6, RAW, 58)}
    assert r["counters"]["0"] == [2, 2]


@pytest.mark.guest
def test_guest_kernel_sockets_pass_a_user_rule(lsm_guest) -> None:
    """The ip6mr seed case: a `kern: user` deny of raw ICMPv6 must not break netns setup,
    whose per-netns ICMPv6 control sockets are kernel sockets created in the caller's
    context; with `kern: any` the same setup fails, so the hook does see them."""
    r = lsm_guest.run("lsm_guest.py", "kern")
    user, any_ = r["user"], r["any"]
    assert user["results"] == [EPERM, 0, 0]  # user raw icmpv6 denied, unshare -n fine, tcp6 fine
    assert [e["kern"] for e in user["events"]] == [False]
    assert any_["results"] == [EPERM, EPERM, 0]  # the netns's kernel ICMPv6 socket was refused
    kern_events = [e for e in any_["events"] if e["kern"]]
    assert kern_events and all(
        (e["family"], e["type"], e["protocol"]) == (INET6, RAW, 58) for e in kern_events
    )
    assert user["after"] == [0, 0] and any_["after"] == [0, 0]  # detached on close


@pytest.mark.guest
def test_guest_netns_scope_non_host(lsm_guest) -> None:
    r = lsm_guest.run("lsm_guest.py", "netns")
    res = r["results"]
    assert res["host_netns"] == [0]  # same cgroup, initial netns: out of scope
    assert res["new_netns"] == [EPERM]
    assert res["outside_new_netns"] == [0]  # new netns but outside the cgroup
    assert res["after_swap_host_netns"] == [EPERM]  # the swap to netns "any" took the scope with it
    assert r["scope"] == [r["cgroup_id"], 1, 1]
    netns_of = sorted(e["netns"] for e in r["events"])
    assert netns_of == sorted([r["netns"]["new"], r["netns"]["host"]])


@pytest.mark.guest
def test_guest_bind_and_connect(lsm_guest) -> None:
    r = lsm_guest.run("lsm_guest.py", "ports")
    refused = errno.ECONNREFUSED
    # bind 8080 v4/v6 denied, 8081 fine; tcp connect 9000 v4/v6 denied, udp 9000 fine, 9001 refused;
    # a UDP sendto() to 5353 (v4/v6) denied by the connect rule, 5354 fine; a TCP fast-open
    # sendto() (it connects) to 9000 denied, to 9001 refused by the kernel
    assert r["results"]["inside"] == [
        EPERM,
        EPERM,
        0,
        EPERM,
        EPERM,
        0,
        refused,
        EPERM,
        EPERM,
        0,
        EPERM,
        refused,
    ]
    assert r["results"]["outside"] == [
        0,
        0,
        0,
        refused,
        refused,
        0,
        refused,
        0,
        0,
        0,
        refused,
        refused,
    ]
    assert (
        r["counters"]["0"] == [2, 2]
        and r["counters"]["1"] == [3, 3]
        and r["counters"]["2"] == [3, 3]
    )
    assert (
        r["moved"] == EPERM
    )  # a socket made before moving into the cgroup: fenced (docs/policy.md)


@pytest.mark.guest
def test_guest_programs_detach_when_the_owner_is_killed(lsm_guest) -> None:
    r = lsm_guest.run("lsm_guest.py", "owner_exit")
    assert r["line"] == "attached" and r["rc"] == -9
    assert r["during"] == [EPERM]
    assert r["progs_during"] == sorted(lsm.PROGRAMS)
    assert r["after"] == [0] and r["progs_after"] == []


@pytest.mark.guest
def test_guest_apply_pins_swaps_and_removes(lsm_guest) -> None:
    r = lsm_guest.run("lsm_guest.py", "apply")
    first, second = r["first"], r["second"]
    assert not first["swapped"] and first["backend"] == "bpf-lsm"
    assert first["calls"] == [EPERM, 0]  # raw icmpv6 denied, AF_ALG fine; no fd of ours is open
    assert first["progs"] == sorted(lsm.PROGRAMS)
    assert {f"link_{p}" for p in lsm.PROGRAMS} | {"hf_create", "hf_lsm_scope"} <= set(first["pins"])
    assert second["swapped"] and second["policy"] == "deny-af-alg"
    assert second["calls"] == [0, EPERM]  # swapped in place: the other rule now
    assert second["progs"] == sorted(lsm.PROGRAMS)  # the same three programs, not a second set
    assert second["counters_before"] == {} and second["counters_after"]["0"] == [1, 1]
    assert second["listed"] == [[r["cgroup_id"], True, "deny-af-alg"]]
    assert second["scope"] == [r["cgroup_id"], 1, 0]
    assert (
        r["removed"] and r["after"] == [0, 0] and r["progs_after"] == [] and r["listed_after"] == 0
    )


@pytest.mark.guest
def test_guest_cli_chooses_lsm_and_reports_it(lsm_guest) -> None:
    r = lsm_guest.run("lsm_guest.py", "cli")
    assert r["apply"]["rc"] == 0, r["apply"]
    assert "backend bpf-lsm" in r["apply"]["err"] and "via bpf-lsm" in r["apply"]["out"]
    assert r["calls"] == [EPERM, 0]  # AF_ALG denied by the pinned fence; raw icmpv6 allowed
    status = r["status"]["out"]
    assert r["status"]["rc"] == 0 and "via bpf-lsm" in status and "deny-af-alg" in status
    assert "ACTIVE: all hooks attached" in status, status
    assert "coverage of 1 rule: 1 enforced, 0 partial, 0 NOT ENFORCED" in status, status
    assert re.search(r"enforced\s+no-af-alg", r["status_rules"]["out"]), r["status_rules"]
    applied = json.loads(r["status_json"]["out"])["applied"]
    assert [a["state"]["backend"] for a in applied] == ["bpf-lsm"]
    rows = {row["name"]: row for row in json.loads(r["counters"]["out"])["rules"]}
    assert (rows["no-af-alg"]["hits"], rows["no-af-alg"]["denies"]) == (1, 1)
    assert r["remove"]["rc"] == 0 and r["after"] == [0, 0] and r["progs_after"] == []


@pytest.mark.guest
def test_guest_cli_run_in_the_foreground(lsm_guest) -> None:
    r = lsm_guest.run("lsm_guest.py", "run")
    assert re.search(r"enforcing 'deny-af-alg' on \S+/hf-run via bpf-lsm", r["first"]), r
    assert r["calls"] == [EPERM, EPERM, 0]
    # "<ISO-8601 time> boot+<seconds>s deny socket(alg, ...) ... rule=no-af-alg (file:line)"
    assert re.match(r"\S+\+00:00 boot\+[0-9.]+s deny socket\(alg,", r["event"]), r["event"]
    assert "rule=no-af-alg" in r["event"], r["event"]
    assert r["progs"] == sorted(lsm.PROGRAMS)
    assert r["rc"] == 130, r["stderr"]  # SIGINT: detached and summarised, then 130
    assert "no-af-alg: 2 hits, 2 denies" in r["stderr"]
    assert r["progs_after"] == [] and r["after"] == [0]


@pytest.mark.guest
def test_guest_probe_selects_lsm(lsm_guest) -> None:
    r = lsm_guest.run("lsm_guest.py", "probe")
    probes = {p["backend"]: p for p in r["probes"]}
    assert probes["bpf-lsm"]["available"] and probes["cgroup-bpf"]["available"]
    assert r["selected"] == "bpf-lsm" and "every family" in r["reason"]
    assert r["coverage"] == [["no-af-alg", "full"]]


DIFFERENTIAL_EXAMPLES = int(os.environ.get("HOTFENCE_LSM_EXAMPLES", "60"))


@pytest.mark.guest
def test_guest_differential_against_the_model(lsm_guest) -> None:
    r = lsm_guest.run(
        "lsm_differential.py", f"--examples {DIFFERENTIAL_EXAMPLES}", "--seed 4", timeout=900
    )
    print(
        f"\nLSM differential: {r['examples']} policies, {r['calls']} calls compared "
        f"({r['port_calls']} bind/connect, {r['denied']} denied by policy, {r['baseline']} checked against the out-of-scope answer), "
        f"{r['seconds']} s; families {r['families']}"
    )
    assert r["failure"] is None, r["failure"]
    assert r["examples"] == DIFFERENTIAL_EXAMPLES
    assert r["calls"] >= DIFFERENTIAL_EXAMPLES * 4  # four workers, at least one call each
    assert r["denied"] > 0  # the draws do reach denials
    assert r["port_calls"] > 0
    # Every family this kernel registers was drawn, plus unregistered and out-of-range ones.
    assert set(r["registered"]) <= set(r["families"])
    assert {socket.AF_UNIX, INET, INET6, socket.AF_NETLINK, socket.AF_PACKET, AF_ALG} <= set(
        r["registered"]
    )
    assert -1 in r["families"] and 46 in r["families"]
