"""Runs INSIDE the QEMU guest (Debian's stock kernel, bpf in lsm=) for tests/test_watch_guest.py:
`hotfence watch` with the BPF-LSM source. Prints one JSON object on stdout.

    python tests/guest/watch_guest.py [--burst N]

* ``tracer``: a SocketTracer filtered on a fresh cgroup; a forked child (no exec, so it
  makes no socket() calls of its own) moves into the cgroup, makes a known sequence of
  socket() calls, then unshare(CLONE_NEWNET)s, which makes the kernel create the new
  namespace's control sockets in the child's context (kernel sockets, kern=1).
* ``tracepoints``: the same with ``source="tracepoints"``, for comparison.
* ``burst``: N socket()+close() in a child of the cgroup; delivered and lost are counted.
* ``cli``: ``hotfence watch -o json`` in the same cgroup around one more unshare.
* ``other_ways``: socketpair(), io_uring IORING_OP_SOCKET (tests/helpers/uring_socket.c)
  and 32-bit int $0x80 calls (tests/helpers/compat_socket.c), both built on the host, in
  the cgroup: checks this kernel's layout of io_uring requests and of thread_info.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from hotfence.watch.events import SocketEvent, describe
from hotfence.watch.tracer import SocketTracer

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
REPO = Path(__file__).resolve().parents[2]
# The host test's expectations depend on this list: keep them in step.
CALLS = [
    (socket.AF_INET, socket.SOCK_STREAM, 0),
    (socket.AF_INET6, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK, 0),
    (socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC, 0),
    (socket.AF_INET, socket.SOCK_STREAM, 17),  # EPROTONOSUPPORT
    (4242, socket.SOCK_STREAM, 0),  # EAFNOSUPPORT
]


def cgroup2_mount() -> Path:
    for line in Path("/proc/mounts").read_text().splitlines():
        f = line.split()
        if len(f) >= 3 and f[2] == "cgroup2":
            return Path(f[1])
    raise RuntimeError("no cgroup2 mount")


def in_child(cgroup: Path, body) -> dict:
    """Fork, move the child into ``cgroup``, run ``body()`` there; its JSON result."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            (cgroup / "cgroup.procs").write_text(str(os.getpid()))
            out = body()
            out["pid"] = os.getpid()
            os.write(w, json.dumps(out).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        data = f.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def raw_socket(family: int, type_: int, protocol: int) -> int:
    """fd (closed again) or -errno of socket() with the exact ints (libc, not Python's socket)."""
    fd = libc.socket(ctypes.c_int(family), ctypes.c_int(type_), ctypes.c_int(protocol))
    if fd < 0:
        return -ctypes.get_errno()
    os.close(fd)
    return fd


def calls_then_unshare() -> dict:
    results = [raw_socket(*c) for c in CALLS]
    host_netns = os.stat("/proc/self/ns/net").st_ino
    if libc.unshare(CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
    return {
        "results": results,
        "host_netns": host_netns,
        "new_netns": os.stat("/proc/self/ns/net").st_ino,
    }


def drain(tracer: SocketTracer) -> None:
    # poll() returns the number of records consumed; 0 once the ring is empty.
    while tracer.ring.poll(100):
        pass


def tracer_case(cgroup: Path, source: str = "auto") -> dict:
    got: list[dict] = []
    with SocketTracer(cgroup, source) as tracer:
        tracer.open_ring(lambda raw: got.append(describe(SocketEvent.unpack(raw))))
        child = in_child(cgroup, calls_then_unshare)
        drain(tracer)
        return {
            "source": tracer.source.name,
            "reason": tracer.describe(),
            "child": child,
            "events": got,
            "lost": tracer.lost(),
        }


def burst_case(cgroup: Path, calls: int) -> dict:
    delivered = 0

    def count(_raw: bytes) -> None:
        nonlocal delivered
        delivered += 1

    def burst() -> dict:
        t0 = time.monotonic()
        for _ in range(calls):
            os.close(libc.socket(socket.AF_INET, socket.SOCK_DGRAM, 0))
        return {"seconds": time.monotonic() - t0}

    with SocketTracer(cgroup) as tracer:
        tracer.open_ring(count)
        child = in_child(cgroup, burst)  # the ring is not read while the burst runs
        drain(tracer)
        return {
            "calls": calls,
            "delivered": delivered,
            "lost": tracer.lost(),
            "seconds": round(child["seconds"], 3),
        }


def cli_case(cgroup: Path) -> dict:
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("hotfence")),
            "watch",
            "-o",
            "json",
            "--cgroup",
            str(cgroup),
            "--duration",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stderr.readline()
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True)
    reader.start()
    child = in_child(
        cgroup,
        lambda: {"rc": libc.unshare(CLONE_NEWNET), "netns": os.stat("/proc/self/ns/net").st_ino},
    )
    # The CLI polls its ring every 100 ms: stop it once it has printed a kernel socket of
    # the child's new netns (or after 60 s), not after a guessed time.
    events: list[dict] = []
    deadline = time.monotonic() + 60
    while not any(e["kern"] and e["netns"] == child["netns"] for e in events):
        try:
            events.append(json.loads(lines.get(timeout=max(0.0, deadline - time.monotonic()))))
        except queue.Empty:
            break
    proc.terminate()
    err = proc.stderr.read()
    proc.wait(timeout=60)
    reader.join(timeout=60)
    while not lines.empty():
        events.append(json.loads(lines.get()))
    return {
        "first": first,
        "child": child,
        "lines": events,
        "last": err.strip().splitlines()[-1] if err.strip() else "",
    }


URING_CALLS = ["2", "2", "0", "10", "3", "58", "2", "2", "999"]


def other_ways_case(cgroup: Path, uring: str, compat: str) -> dict:
    def body() -> dict:
        fds = (ctypes.c_int * 2)()
        rc = libc.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM, 0, fds)
        ring = subprocess.run([uring, *URING_CALLS], capture_output=True, text=True)
        c32 = subprocess.run([compat], capture_output=True, text=True)
        return {
            "pair": [rc, fds[0], fds[1]],
            "uring": ring.stdout.splitlines(),
            "uring_rc": ring.returncode,
            "compat": c32.stdout.splitlines(),
            "compat_rc": c32.returncode,
        }

    got: list[dict] = []
    with SocketTracer(cgroup) as tracer:
        tracer.open_ring(lambda raw: got.append(describe(SocketEvent.unpack(raw))))
        child = in_child(cgroup, body)
        drain(tracer)
        return {
            "source": tracer.source.name,
            "missing": tracer.missing,
            "child": child,
            "events": got,
            "lost": tracer.lost(),
        }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--burst", type=int, default=150000)
    ap.add_argument("--uring", required=True, help="tests/helpers/uring_socket.c, compiled")
    ap.add_argument("--compat", required=True, help="tests/helpers/compat_socket.c, compiled")
    args = ap.parse_args()
    cgroup = cgroup2_mount() / f"hf-watch-{os.getpid()}"
    cgroup.mkdir()
    try:
        out = {
            "tracer": tracer_case(cgroup),
            "tracepoints": tracer_case(cgroup, "tracepoints"),
            "burst": burst_case(cgroup, args.burst),
            "cli": cli_case(cgroup),
            "other_ways": other_ways_case(cgroup, args.uring, args.compat),
        }
    finally:
        cgroup.rmdir()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
