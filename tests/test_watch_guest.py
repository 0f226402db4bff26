"""`hotfence watch` with the BPF-LSM source (watch/watch.bpf.c with lsm/socket_post_create loaded).

Host side: the record layout shared by both sources, the kern field's encoding, and the
fallback on this host (it refuses BPF-LSM programs, so watch keeps the tracepoints).
Guest side (``@pytest.mark.guest``): in the shared Debian 6.1 guest (bpf in lsm=),
``tests/guest/watch_guest.py`` shows the LSM source is chosen, user calls keep their
fields and results, kernel sockets of a new netns appear with kern=true, and a burst
is fully accounted for (delivered + lost == calls).
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import time
from pathlib import Path

import pytest

from hotfence.bpf import build, libbpf
from hotfence.watch import abi
from hotfence.watch.events import RECORD, JsonLineEncoder, SocketEvent, describe
from hotfence.watch.tracer import LSM_SOURCE, TRACEPOINT_SOURCE, SocketTracer, WatchUnavailable
from kernel_helpers import compat_socket_binary, helper_binary

REPO = Path(__file__).resolve().parents[1]
INET, INET6, RAW = socket.AF_INET, socket.AF_INET6, socket.SOCK_RAW
IPPROTO_ICMPV6 = 58


# ---------------------------------------------------------------------------- host


def test_record_unpacks_what_struct_watch_event_holds() -> None:
    # abi.WatchEvent is checked against the object's BTF (test_bpf_build.py); the format the
    # hot path unpacks with must read the same bytes the same way.
    values = dict(
        ts_ns=1, cgroup_id=2, pid=3, tgid=4, uid=5, netns=6, family=-7, type=8, protocol=9,
        ret=-10, comm=b"comm", kern=1, call=2, fd2=-3, compat=1,
    )  # fmt: skip
    raw = bytes(abi.WatchEvent(**values))
    assert RECORD.size == len(raw) == 80
    expected = [v.ljust(16, b"\0") if isinstance(v, bytes) else v for v in values.values()]
    assert list(RECORD.unpack(raw)) == expected


def _record(
    kern: int, ret: int, family=INET6, type_=RAW, protocol=IPPROTO_ICMPV6, call=0, fd2=-1
) -> bytes:
    return RECORD.pack(
        5, 77, 10, 10, 0, 4026532000, family, type_, protocol, ret, b"unshare\0", kern, call, fd2, 0
    )


def test_kern_field_decoded_and_encoded_like_describe() -> None:
    enc = JsonLineEncoder(lambda cg: f"/cg{cg}")
    for kern, ret, result in (
        (1, 0, "created"),
        (0, 3, "fd 3"),
        (0, -97, "EAFNOSUPPORT"),
        (0, 0, "fd 0"),
    ):
        raw = _record(kern, ret)
        e = SocketEvent.unpack(raw)
        assert e.kern is bool(kern) and e.result == result and e.comm == "unshare"
        line = json.loads(enc.encode(raw))
        assert line == describe(e) | {"cgroup": "/cg77"}
        assert line["kern"] is bool(kern) and line["result"] == result
    # The same triple as user and kernel socket: two cache entries, not one.
    assert json.loads(enc.encode(_record(0, 4)))["kern"] is False
    # socketpair (call 1) and io_uring (call 2), including io_uring's fixed-file slots.
    for call, ret, fd2, result in (
        (1, 5, 6, "fds 5 6"),
        (1, -95, -1, "EOPNOTSUPP"),
        (2, 7, 0, "fd 7"),
        (2, 0, 3, "fixed file 2"),
        (2, 4, -1, "fixed file 4"),
        (2, -22, 0, "EINVAL"),
    ):
        raw = _record(0, ret, call=call, fd2=fd2)
        e = SocketEvent.unpack(raw)
        line = json.loads(enc.encode(raw))
        assert e.result == result and line == describe(e) | {"cgroup": "/cg77"}
        assert line["call"] == ("socketpair", "io_uring")[call - 1]


def test_one_object_carries_every_source_s_programs_and_the_maps() -> None:
    with libbpf.BpfObject(build.object_path(abi.OBJECT)) as obj:  # opened, not loaded
        assert sorted(obj.program_names()) == sorted(LSM_SOURCE.all_programs())
        assert set(TRACEPOINT_SOURCE.all_programs()) < set(LSM_SOURCE.all_programs())
        for m in ("inflight", "events", "lost", "uring_pending", abi.RODATA):
            obj.map(m)


@pytest.mark.kernel
@pytest.mark.skipif(os.geteuid() != 0, reason="loading BPF programs needs root")
def test_this_host_falls_back_to_tracepoints_and_says_why() -> None:
    from hotfence.fence.backends import probe

    if {p.backend: p for p in probe()}["bpf-lsm"].available:
        pytest.skip("this kernel loads BPF-LSM programs: the guest test covers that source")
    with SocketTracer() as tracer:
        assert tracer.source is TRACEPOINT_SOURCE
        assert "bpf-lsm unavailable" in tracer.describe() and "watch.bpf.c" in tracer.describe()
    with pytest.raises(WatchUnavailable, match="bpf-lsm source unavailable"):
        SocketTracer(source="bpf-lsm")
    with SocketTracer(source="tracepoints") as tracer:
        assert tracer.describe().endswith("; requested")


# ---------------------------------------------------------------------------- guest

# The same arguments as tests/test_guest_harness.py and tests/test_lsm_backend.py, so
# shared_session() hands this module the guest they booted (no extra boot).
HARNESS_FILES = {"greeting.txt": b"from the host\n"}
# More than the 4 MiB ring holds (72-byte records + 8-byte headers), unread during the burst.
BURST = int(os.environ.get("HOTFENCE_WATCH_GUEST_BURST", "150000"))


@pytest.fixture(scope="module")
def watch_guest_run() -> dict:
    from hotfence.lab.guest import GuestConfig, shared_session

    session = shared_session(GuestConfig(), files=HARNESS_FILES)
    cmd = (
        f"HOTFENCE_BPF_BUILD={build.objects_dir()} {sys.executable} {REPO / 'tests/guest/watch_guest.py'} "
        f"--burst {BURST} --uring {helper_binary('uring_socket')} --compat {compat_socket_binary()}"
    )
    t0 = time.monotonic()
    res = session.run(cmd, timeout=300, cwd=str(REPO))
    assert res.exit_code == 0, f"guest: {cmd}\nexit {res.exit_code}\nstderr:\n{res.stderr[-4000:]}"
    out = json.loads(res.stdout.strip().splitlines()[-1])
    b = out["burst"]
    print(
        f"\nwatch guest ({session.kernel_release}): source {out['tracer']['source']}; "
        f"burst of {b['calls']} socket() calls in {b['seconds']} s: {b['delivered']} delivered, {b['lost']} lost; "
        f"script {time.monotonic() - t0:.1f} s"
    )
    return out


@pytest.mark.guest
def test_guest_watch_uses_the_lsm_source_and_sees_user_calls(watch_guest_run) -> None:
    t = watch_guest_run["tracer"]
    assert t["source"] == "bpf-lsm", t["reason"]
    assert "lsm/socket_post_create" in t["reason"]
    child = t["child"]
    user = [e for e in t["events"] if not e["kern"]]
    assert all(e["tgid"] == child["pid"] for e in t["events"])  # the cgroup filter holds
    assert [(e["family"], e["type"], e["flags"], e["protocol"]) for e in user] == [
        (INET, socket.SOCK_STREAM, [], 0),
        (INET6, socket.SOCK_DGRAM, ["SOCK_NONBLOCK"], 0),
        (socket.AF_UNIX, socket.SOCK_STREAM, ["SOCK_CLOEXEC"], 0),
        (INET, socket.SOCK_STREAM, [], 17),
        (4242, socket.SOCK_STREAM, [], 0),
    ]
    assert [e["ret"] for e in user] == child["results"]
    assert [e["result"] for e in user][3:] == ["EPROTONOSUPPORT", "EAFNOSUPPORT"]
    assert all(e["netns"] == child["host_netns"] and e["comm"].startswith("python") for e in user)
    assert t["lost"] == 0


@pytest.mark.guest
def test_guest_watch_sees_the_kernel_sockets_of_a_new_netns(watch_guest_run) -> None:
    t = watch_guest_run["tracer"]
    child = t["child"]
    kern = [e for e in t["events"] if e["kern"]]
    triples = {(e["family_name"], e["type_name"], e["protocol_name"]) for e in kern}
    print(f"\nkernel sockets of one unshare(CLONE_NEWNET): {len(kern)}: {sorted(triples)}")
    assert (INET6, RAW, IPPROTO_ICMPV6) in {(e["family"], e["type"], e["protocol"]) for e in kern}
    # Made in the child's context, in the namespace being set up (netlink's kernel
    # sockets have no sock yet at post_create: netns 0), after the user calls.
    assert all(e["tgid"] == child["pid"] for e in kern)
    inet = [e for e in kern if e["family"] in (INET, INET6)]
    assert inet and all(e["netns"] == child["new_netns"] for e in inet)
    assert all(e["netns"] == 0 for e in kern if e["family"] == socket.AF_NETLINK)
    assert all(e["ret"] == 0 and e["result"] == "created" for e in kern)
    assert min(e["ts_ns"] for e in kern) > max(e["ts_ns"] for e in t["events"] if not e["kern"])


@pytest.mark.guest
def test_guest_tracepoint_source_sees_the_same_user_calls_and_no_kernel_sockets(
    watch_guest_run,
) -> None:
    lsm_run, tp = watch_guest_run["tracer"], watch_guest_run["tracepoints"]
    assert tp["source"] == "tracepoints" and tp["reason"].endswith("; requested")
    assert tp["events"] and not any(e["kern"] for e in tp["events"])

    # fd numbers depend on what the forking parent had open, so compare success/errno.
    def key(e: dict) -> tuple:
        return (
            e["family"],
            e["type"],
            tuple(e["flags"]),
            e["protocol"],
            e["comm"],
            e["uid"],
            min(e["ret"], 0),
        )

    assert [key(e) for e in tp["events"]] == [key(e) for e in lsm_run["events"] if not e["kern"]]
    assert [e["ret"] for e in tp["events"]] == tp["child"]["results"]


@pytest.mark.guest
def test_guest_watch_sees_socketpair_io_uring_and_32bit_calls_on_the_6_1_kernel(
    watch_guest_run,
) -> None:
    """io_uring's request layout differs between kernels: this checks 6.1's, the host test 6.18's."""
    o = watch_guest_run["other_ways"]
    assert o["source"] == "bpf-lsm" and o["missing"] == [] and o["lost"] == 0
    child = o["child"]
    assert child["pair"][0] == 0 and child["uring_rc"] == 0, child
    assert not any(e["kern"] for e in o["events"])  # user sockets are not reported twice
    pairs = [e for e in o["events"] if e["call"] == "socketpair" and not e["compat"]]
    assert [(e["family"], e["type"], e["result"]) for e in pairs] == [
        (socket.AF_UNIX, socket.SOCK_DGRAM, f"fds {child['pair'][1]} {child['pair'][2]}")
    ]
    rings = [e for e in o["events"] if e["call"] == "io_uring"]
    assert [(e["family"], e["type"], e["protocol"]) for e in rings] == [
        (2, 2, 0),
        (10, 3, 58),
        (2, 2, 999),
    ]
    assert [e["result"] for e in rings] == [
        "fd " + child["uring"][0].split()[1],
        "fd " + child["uring"][1].split()[1],
        "EINVAL",
    ]
    assert all(e["comm"] == "uring_socket" for e in rings)
    compat = [e for e in o["events"] if e["compat"]]
    assert child["compat_rc"] == 0 and [e["result"] for e in compat] == child["compat"][:3] + [
        "EAFNOSUPPORT"
    ]
    assert [(e["call"], e["family"], e["protocol"]) for e in compat] == [
        ("socket", 2, 0),
        ("socketpair", 1, 0),
        ("socket", 10, 58),
        ("socket", 4242, 0),
    ]
    assert len(o["events"]) == len(pairs) + len(rings) + len(compat)


@pytest.mark.guest
def test_guest_watch_burst_every_call_delivered_or_counted_lost(watch_guest_run) -> None:
    b = watch_guest_run["burst"]
    assert b["calls"] == BURST and b["delivered"] + b["lost"] == b["calls"]
    assert b["lost"] > 0  # the ring really overflowed, so the lost counter is exercised


@pytest.mark.guest
def test_guest_watch_cli_json_reports_kernel_sockets(watch_guest_run) -> None:
    c = watch_guest_run["cli"]
    assert "tracing socket() via bpf-lsm" in c["first"], c["first"]
    assert c["child"]["rc"] == 0
    kern = [e for e in c["lines"] if e["kern"]]
    assert kern and all(e["pid"] == c["child"]["pid"] for e in kern)
    assert {e["netns"] for e in kern if e["family"] == INET6} == {c["child"]["netns"]}
    assert all(e["result"] == "created" and e["cgroup"].startswith("/hf-watch-") for e in kern)
    assert re.search(
        rf"{len(c['lines'])} events delivered, {len(c['lines'])} shown, 0 lost", c["last"]
    ), c["last"]
