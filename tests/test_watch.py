"""`hotfence watch` on the real kernel: the syscall tracepoints and the ring buffer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest

from hotfence.watch.cgroups import cgroup2_mount, cgroup_id
from hotfence.watch.events import SocketEvent
from hotfence.watch.tracer import TRACEPOINT_SOURCE, SocketTracer
from kernel_helpers import compat_socket_binary, helper_binary

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.kernel


@pytest.fixture
def cgroup():
    """A fresh cgroup v2 directory for this test, removed afterwards."""
    path = cgroup2_mount() / f"hotfence-test-watch-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    try:
        yield path
    finally:
        # A test's own child cgroups too, deepest first: one that failed before removing
        # its child (a missing hotfence binary) must not leave this one behind.
        for sub in sorted((p for p in path.rglob("*") if p.is_dir()), reverse=True):
            sub.rmdir()
        path.rmdir()


def run_in_cgroup(cgroup: Path, code: str, *argv: str) -> subprocess.CompletedProcess:
    """Run python code (with ``argv``) in a child that first moves itself into `cgroup`."""
    prelude = f"open({str(cgroup / 'cgroup.procs')!r}, 'w').write(str(__import__('os').getpid()))\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code, *argv], capture_output=True, text=True, check=True
    )


def exec_in_cgroup(cgroup: Path, exe: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run a program in `cgroup` (sh moves itself there, then execs it)."""
    return subprocess.run(
        ["sh", "-c", f"echo $$ > {cgroup}/cgroup.procs && exec {exe}"],
        capture_output=True,
        text=True,
        check=check,
    )


CALLS = """
import socket, errno, json
calls = [(socket.AF_INET, socket.SOCK_STREAM, 0), (socket.AF_INET6, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK, 0),
         (socket.AF_UNIX, socket.SOCK_STREAM, 0), (socket.AF_INET, socket.SOCK_STREAM, 17), (4242, 1, 0)]
out = []
for f, t, p in calls:
    try:
        s = socket.socket(f, t, p); out.append(s.fileno()); s.close()
    except OSError as e:
        out.append(-e.errno)
print(json.dumps({"pid": __import__("os").getpid(), "results": out}))
"""


def test_watch_sees_a_known_sequence_with_the_right_fields(cgroup):
    got: list[SocketEvent] = []
    with SocketTracer(cgroup) as tracer:
        tracer.open_ring(lambda raw: got.append(SocketEvent.unpack(raw)))
        child = json.loads(run_in_cgroup(cgroup, CALLS).stdout)
        while tracer.ring.poll(50):
            pass
        assert tracer.lost() == 0
    mine = [e for e in got if e.tgid == child["pid"]]
    # Python itself makes no other socket() calls; the filter keeps everyone else out.
    assert got == mine
    triples = [(e.family, e.type & 0xF, e.protocol) for e in mine]
    assert triples == [(2, 1, 0), (10, 2, 0), (1, 1, 0), (2, 1, 17), (4242, 1, 0)]
    assert [e.ret for e in mine] == child["results"]
    assert (
        child["results"][3] == -93 and child["results"][4] == -97
    )  # EPROTONOSUPPORT, EAFNOSUPPORT
    assert all(e.cgroup_id == cgroup_id(cgroup) for e in mine)
    assert all(e.comm.startswith("python") and e.uid == os.getuid() for e in mine)
    assert mine[1].flags == ["SOCK_CLOEXEC", "SOCK_NONBLOCK"]  # Python adds SOCK_CLOEXEC
    assert all(e.netns == os.stat("/proc/self/ns/net").st_ino for e in mine)


OTHER_WAYS = """
import json, socket, subprocess, sys
out = {"pid": __import__("os").getpid(), "pair": [], "pair_errors": []}
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
out["pair"] = [a.fileno(), b.fileno()]
try:
    socket.socketpair(socket.AF_INET, socket.SOCK_STREAM)  # inet has no socketpair
except OSError as e:
    out["pair_errors"].append(-e.errno)
uring = subprocess.run([sys.argv[1], "2", "2", "0", "10", "3", "58", "2", "2", "999"],
                       capture_output=True, text=True, check=True)
out["uring"] = uring.stdout.splitlines()
print(json.dumps(out))
"""


def test_watch_sees_socketpair_and_io_uring_sockets(cgroup):
    """Sockets made without socket(): socketpair() and io_uring's IORING_OP_SOCKET."""
    uring = helper_binary("uring_socket")
    got: list[SocketEvent] = []
    with SocketTracer(cgroup) as tracer:
        assert not tracer.missing, tracer.missing  # this kernel has io_uring's tracepoints
        tracer.open_ring(lambda raw: got.append(SocketEvent.unpack(raw)))
        child = json.loads(run_in_cgroup(cgroup, OTHER_WAYS, str(uring)).stdout)
        while tracer.ring.poll(50):
            pass
        assert tracer.lost() == 0
    pairs = [e for e in got if e.call == 1]
    assert [(e.family, e.base_type, e.result) for e in pairs] == [
        (1, 2, f"fds {child['pair'][0]} {child['pair'][1]}"),
        (2, 1, "EOPNOTSUPP"),
    ]
    assert all(e.tgid == child["pid"] for e in pairs)
    rings = [e for e in got if e.call == 2]
    assert [(e.family, e.type, e.protocol) for e in rings] == [(2, 2, 0), (10, 3, 58), (2, 2, 999)]
    assert [e.result for e in rings] == [
        f"fd {child['uring'][0].split()[1]}",
        f"fd {child['uring'][1].split()[1]}",
        "EINVAL",
    ]
    assert child["uring"][2] == "-22"
    assert all(e.comm == "uring_socket" and e.cgroup_id == cgroup_id(cgroup) for e in rings)
    assert len(got) == len(pairs) + len(rings)  # Python's own socket() calls: none here


def test_watch_sees_32bit_calls_that_syscall_tracepoints_skip(cgroup):
    """int $0x80 from a 64-bit process: socket, socketpair and socketcall(SYS_SOCKET)."""
    exe = compat_socket_binary()
    got: list[SocketEvent] = []
    with SocketTracer(cgroup) as tracer:
        assert not tracer.missing, tracer.missing
        tracer.open_ring(lambda raw: got.append(SocketEvent.unpack(raw)))
        out = exec_in_cgroup(cgroup, exe, check=False)
        assert out.returncode == 0, out.stderr  # 2: no ia32 emulation on this kernel
        while tracer.ring.poll(50):
            pass
        assert tracer.lost() == 0
    mine = [e for e in got if e.comm == "compat_socket"]
    assert all(e.compat for e in mine) and len(mine) == len(got)  # sh's own calls: none
    assert [(e.call, e.family, e.type, e.protocol) for e in mine] == [
        (0, 2, 2, 0),
        (1, 1, 1, 0),
        (0, 10, 3, 58),
        (0, 4242, 1, 0),
    ]
    assert [e.result for e in mine] == out.stdout.splitlines()[:3] + ["EAFNOSUPPORT"]
    assert out.stdout.splitlines()[3] == "-97"


def test_no_32bit_turns_the_compat_program_off_and_says_so(cgroup):
    exe = compat_socket_binary()
    proc = subprocess.Popen(
        [
            str(REPO / ".venv/bin/hotfence"),
            "watch",
            "-o",
            "json",
            "--no-32bit",
            "--cgroup",
            str(cgroup),
            "--duration",
            "3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = proc.stderr.readline()
    assert "NOT watched: 32-bit calls (turned off)" in first, first
    exec_in_cgroup(cgroup, exe)
    out, err = proc.communicate(timeout=30)
    assert out == "" and "0 events delivered" in err


def test_one_object_loads_only_the_programs_its_source_and_features_need(cgroup):
    with SocketTracer(cgroup, source="tracepoints", without=frozenset({"32-bit"})) as tracer:
        assert tracer.obj is not None
        loaded = {n for n in tracer.obj.program_names() if tracer.obj.program(n).fd >= 0}
    # Autoload off: lsm/socket_post_create (not this source) and the 32-bit program
    # (turned off) were never loaded; io_uring's alternatives both were (one attaches).
    assert loaded == set(TRACEPOINT_SOURCE.all_programs()) - {"watch_compat_exit"}


def test_the_cgroup_filter_set_in_rodata_keeps_other_callers_out(cgroup):
    got: list[SocketEvent] = []
    with SocketTracer(cgroup, source="tracepoints") as tracer:
        tracer.open_ring(lambda raw: got.append(SocketEvent.unpack(raw)))
        inside = json.loads(run_in_cgroup(cgroup, CALLS).stdout)
        outside = subprocess.run([sys.executable, "-c", CALLS], capture_output=True, text=True)
        while tracer.ring is not None and tracer.ring.poll(50):
            pass
    assert outside.returncode == 0
    assert {e.tgid for e in got} == {inside["pid"]}
    assert all(e.cgroup_id == cgroup_id(cgroup) for e in got)


def test_burst_every_call_is_delivered_or_counted_lost(cgroup):
    calls = 150_000  # more than the 4 MiB ring holds (64-byte records), unread during the burst
    got = 0

    def count(_raw: bytes) -> None:
        nonlocal got
        got += 1

    with SocketTracer(cgroup) as tracer:
        tracer.open_ring(count)
        run_in_cgroup(
            cgroup,
            f"import socket\nfor _ in range({calls}):\n    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()\n",
        )
        while tracer.ring.poll(50):
            pass
        lost = tracer.lost()
    print(f"burst of {calls} socket() calls: {got} delivered, {lost} lost")
    assert lost > 0  # the ring really overflowed, so the lost counter is exercised
    assert got + lost == calls


def test_watch_cli_json_lines(cgroup):
    proc = subprocess.Popen(
        [
            str(REPO / ".venv/bin/hotfence"),
            "watch",
            "-o",
            "json",
            "--cgroup",
            str(cgroup),
            "--count",
            "5",
            "--duration",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Wait until tracing is attached (the CLI says so on stderr) before making calls.
    assert "tracing socket()" in proc.stderr.readline()
    child = json.loads(run_in_cgroup(cgroup, CALLS).stdout)
    out, err = proc.communicate(timeout=30)
    events = [json.loads(line) for line in out.splitlines()]
    assert [e["result"] for e in events] == [
        f"fd {r}" if r >= 0 else e["result"] for r, e in zip(child["results"], events)
    ]
    assert [(e["family_name"], e["type_name"], e["protocol_name"]) for e in events][:3] == [
        ("inet", "stream", "ip"),
        ("inet6", "dgram", "ip"),
        ("unix", "stream", "0"),
    ]
    assert events[3]["result"] == "EPROTONOSUPPORT" and events[4]["result"] == "EAFNOSUPPORT"
    assert all(e["cgroup"] == "/" + cgroup.name and e["pid"] == child["pid"] for e in events)
    assert "5 events delivered, 5 shown, 0 lost" in err


def watch_until_attached(*args: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(REPO / ".venv/bin/hotfence"), "watch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Wait until tracing is attached (the CLI says so on stderr) before making calls.
    line = proc.stderr.readline()
    assert "tracing socket()" in line, line
    return proc


def test_ctrl_c_prints_the_summary_and_exits_130(cgroup):
    proc = watch_until_attached("-o", "json", "--cgroup", str(cgroup))
    child = json.loads(run_in_cgroup(cgroup, CALLS).stdout)
    # The events are read within 100 ms polls; wait for all five before interrupting.
    lines = [proc.stdout.readline() for _ in child["results"]]
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == "hotfence watch: 5 events delivered, 5 shown, 0 lost"
    assert "Traceback" not in err and out == ""
    before = time.time()
    for line in lines:
        e = json.loads(line)
        # Wall clock (ISO-8601) and seconds since boot, from the same kernel stamp.
        assert datetime.fromisoformat(e["time"]).timestamp() == pytest.approx(before, abs=30)
        assert 0 < e["ts_ns"] / 1e9 <= time.clock_gettime(time.CLOCK_MONOTONIC)


def test_text_events_are_one_line_each_in_a_pipe_with_both_times(cgroup):
    proc = watch_until_attached("--cgroup", str(cgroup), "--count", "5", "--duration", "20")
    child = json.loads(run_in_cgroup(cgroup, CALLS).stdout)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert len(lines) == 5  # no header, no wrapping: one record per line for grep
    stamp, boot, event = lines[0].split(" ", 2)
    assert datetime.fromisoformat(stamp).timestamp() == pytest.approx(time.time(), abs=30)
    assert boot.startswith("boot+") and boot.endswith("s")
    # Python asks for SOCK_CLOEXEC itself.
    assert event.startswith(f"socket(inet, stream|SOCK_CLOEXEC, ip) = fd {child['results'][0]} ")
    # The whole cgroup path, never cut, as `fence run --cgroup` takes it.
    assert all(f"pid={child['pid']} " in x and f"cgroup=/{cgroup.name} " in x for x in lines)


def test_watch_names_the_deciding_rule_of_a_policy(cgroup):
    policy = REPO / "examples/policies/deny-raw-icmpv6.yaml"
    proc = subprocess.Popen(
        [
            str(REPO / ".venv/bin/hotfence"),
            "watch",
            "-o",
            "json",
            "--cgroup",
            str(cgroup),
            "--policy",
            str(policy),
            "--count",
            "2",
            "--duration",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert "tracing socket()" in proc.stderr.readline()
    run_in_cgroup(
        cgroup,
        "import socket\nsocket.socket(socket.AF_INET6, socket.SOCK_RAW, 58).close()\n"
        "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()\n",
    )
    out, _ = proc.communicate(timeout=30)
    raw6, udp = [json.loads(line) for line in out.splitlines()]
    # No fence is attached here: the call succeeds, and watch says the policy would deny it.
    assert (
        raw6["result"].startswith("fd ")
        and raw6["verdict"] == "deny"
        and raw6["rule"] == "no-raw-icmpv6"
    )
    assert raw6["rule_source"].endswith("deny-raw-icmpv6.yaml:12")
    assert udp["verdict"] == "allow" and udp["rule"] is None


def test_watch_shows_the_verdicts_of_applied_fences(cgroup):
    """Without --policy, watch reads the fences applied on the host back from their pinned
    maps and names, per caller, the fence and rule that decide its call."""
    fenced = cgroup / "fenced"
    fenced.mkdir()
    hotfence = str(REPO / ".venv/bin/hotfence")
    policy = REPO / "examples/policies/deny-raw-icmpv6.yaml"
    subprocess.run(
        [hotfence, "fence", "apply", str(policy), "--cgroup", str(fenced)],
        check=True,
        capture_output=True,
        text=True,
    )
    try:
        proc = subprocess.Popen(
            [
                hotfence,
                "watch",
                "-o",
                "json",
                "--cgroup",
                str(cgroup),
                "--count",
                "4",
                "--duration",
                "20",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert "tracing socket()" in proc.stderr.readline()
        note = proc.stderr.readline()
        assert "verdicts of" in note and f"/{cgroup.name}/fenced" in note, note
        calls = (
            "import socket\n"
            "try:\n    socket.socket(socket.AF_INET6, socket.SOCK_RAW, 58).close()\n"
            "except PermissionError:\n    pass\n"
            "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()\n"
        )
        run_in_cgroup(fenced, calls)
        run_in_cgroup(cgroup, calls)
        out, _ = proc.communicate(timeout=30)
    finally:
        subprocess.run(
            [hotfence, "fence", "remove", "--cgroup", str(fenced)], check=True, capture_output=True
        )
        fenced.rmdir()
    inside_raw6, inside_udp, outside_raw6, outside_udp = [
        json.loads(line) for line in out.splitlines()
    ]
    assert inside_raw6["result"] == "EPERM" and inside_raw6["verdict"] == "deny"
    assert (
        inside_raw6["rule"] == "no-raw-icmpv6" and inside_raw6["fence"] == f"/{cgroup.name}/fenced"
    )
    assert inside_udp["result"].startswith("fd ") and inside_udp["verdict"] == "allow"
    assert inside_udp["rule"] is None and inside_udp["rule_source"].endswith(
        "deny-raw-icmpv6.yaml:10"
    )
    assert outside_raw6["result"].startswith("fd ") and outside_raw6["verdict"] == "no-fence"
    assert outside_udp["verdict"] == "no-fence" and "fence" not in outside_udp
