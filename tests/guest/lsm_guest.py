"""Runs INSIDE the QEMU guest (Debian's stock kernel with bpf in lsm=) for
tests/test_lsm_backend.py: real cgroups, real netns, real socket() calls under the
BPF-LSM fence. Each case prints one JSON object on stdout; the host test asserts on it.

    python tests/guest/lsm_guest.py CASE --obj FENCE_LSM_OBJECT [--module KO ...]

Calls are made by :class:`Worker` processes: forked (no exec, so they are cheap under
TCG) into a cgroup and optionally a fresh network namespace, then answering requests
over a pipe with the errno of each call (0 = success). The process running this file
stays in the root cgroup, so it is never in the fence's scope.
"""

from __future__ import annotations

import argparse
import ctypes
import errno
import json
import os
import socket
import sys
import time
from pathlib import Path

from hotfence.fence import abi
from hotfence.fence.backends.lsm import LsmFence
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

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
SYS_FINIT_MODULE = 313  # x86_64
REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------- plumbing


def load_modules(paths: list[str]) -> list[str]:
    """finit_module() each .ko in order (kmod is not needed); already loaded is fine."""
    loaded = []
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            if libc.syscall(SYS_FINIT_MODULE, fd, b"", 0) != 0:
                err = ctypes.get_errno()
                if err != errno.EEXIST:
                    raise OSError(err, f"finit_module {p}")
        finally:
            os.close(fd)
        loaded.append(Path(p).name)
    return loaded


def cgroup2_mount() -> Path:
    for line in Path("/proc/mounts").read_text().splitlines():
        f = line.split()
        if len(f) >= 3 and f[2] == "cgroup2":
            return Path(f[1])
    raise RuntimeError("no cgroup2 mount")


def make_cgroup(rel: str) -> Path:
    p = cgroup2_mount() / rel
    p.mkdir(parents=True, exist_ok=True)
    return p


def raw_socket(family: int, type_: int, protocol: int) -> int:
    """errno of socket(family, type, protocol) with the exact ints (libc, not Python's socket)."""
    fd = libc.socket(ctypes.c_int(family), ctypes.c_int(type_), ctypes.c_int(protocol))
    if fd < 0:
        return ctypes.get_errno()
    os.close(fd)
    return 0


def _port_call(kind: str, family: int, type_: int, protocol: int, port: int) -> int:
    try:
        s = socket.socket(family, type_, protocol)
    except OSError as e:
        return e.errno
    try:
        host = "127.0.0.1" if family == socket.AF_INET else "::1"
        if kind == "sendto":
            s.sendto(b"hotfence", (host, port))
        elif kind == "fastopen":  # TCP fast open: sendto() that connects
            s.sendto(b"hotfence", socket.MSG_FASTOPEN, (host, port))
        else:
            getattr(s, kind)((host, port))
        return 0
    except OSError as e:
        return e.errno
    finally:
        s.close()


def _unshare_net() -> int:
    """errno of unshare(CLONE_NEWNET) in a throwaway child (it creates kernel sockets)."""
    pid = os.fork()
    if pid == 0:
        rc = libc.unshare(CLONE_NEWNET)
        os._exit(0 if rc == 0 else ctypes.get_errno())
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def do_op(op: list) -> int:
    kind = op[0]
    if kind == "socket":
        return raw_socket(op[1], op[2], op[3])
    if kind in ("bind", "connect", "sendto", "fastopen"):
        return _port_call(kind, op[1], op[2], op[3], op[4])
    if kind == "unshare_net":
        return _unshare_net()
    if kind == "netns":
        return os.stat("/proc/self/ns/net").st_ino
    if kind == "pid":
        return os.getpid()
    raise ValueError(f"unknown op {op!r}")


class Worker:
    """A forked process in ``cgroup`` (None: stay in the root cgroup), maybe in a new netns."""

    def __init__(self, cgroup: Path | None, new_netns: bool = False):
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            # Keep only this worker's pipe ends: an inherited write end of another
            # worker's pipe (or a BPF link fd) would keep that alive after its owner closed it.
            lo, hi = sorted((req_r, resp_w))
            os.closerange(3, lo)
            os.closerange(lo + 1, hi)
            os.closerange(hi + 1, 4096)
            try:
                if cgroup is not None:
                    (cgroup / "cgroup.procs").write_text(str(os.getpid()))
                if new_netns:
                    if libc.unshare(CLONE_NEWNET) != 0:
                        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
                    import subprocess  # loopback up, for bind()/connect() to 127.0.0.1 / ::1

                    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
                rin, wout = os.fdopen(req_r, "r"), os.fdopen(resp_w, "w")
                wout.write("ready\n")
                wout.flush()
                for line in rin:
                    wout.write(json.dumps([do_op(op) for op in json.loads(line)]) + "\n")
                    wout.flush()
            except BaseException as exc:
                os.write(resp_w, f"error {exc!r}\n".encode())
            finally:
                os._exit(0)
        os.close(req_r)
        os.close(resp_w)
        self._in = os.fdopen(self._resp_r, "r")
        first = self._in.readline()
        if first != "ready\n":
            raise RuntimeError(f"worker failed to start: {first!r}")
        self.netns = self.calls([["netns"]])[0]

    def calls(self, ops: list[list]) -> list[int]:
        os.write(self._req_w, (json.dumps(ops) + "\n").encode())
        line = self._in.readline()
        if not line.startswith("["):
            raise RuntimeError(f"worker error: {line!r}")
        return json.loads(line)

    def close(self) -> None:
        os.close(self._req_w)
        os.waitpid(self.pid, 0)
        self._in.close()


def drain(fence: LsmFence, want: int = 0, timeout: float = 3.0) -> list[dict]:
    events: list[abi.FenceEvent] = []
    ring = fence.maps.events(events.append)
    try:
        deadline = time.monotonic() + timeout
        while True:
            ring.poll(50)
            if len(events) >= want or time.monotonic() > deadline:
                break
    finally:
        ring.free()
    return [e.__dict__ for e in events]


def counters(fence: LsmFence) -> dict[str, list[int]]:
    return {
        str(k): [c.hits, c.denies] for k, c in fence.maps.counters().items() if c.hits or c.denies
    }


def policy_file(name: str) -> CompiledPolicy:
    from hotfence.fence.compiler import compile_file

    return compile_file(REPO / "examples" / "policies" / name)


def rule(i: int, name: str, hooks=(Hook.SOCKET_CREATE,)) -> RuleInfo:
    return RuleInfo(i, name, f"guest:{i}", name, frozenset(hooks))


# ---------------------------------------------------------------------------- cases

AF_ALG, SEQPACKET = 38, socket.SOCK_SEQPACKET
INET, INET6, RAW, STREAM, DGRAM = (
    socket.AF_INET,
    socket.AF_INET6,
    socket.SOCK_RAW,
    socket.SOCK_STREAM,
    socket.SOCK_DGRAM,
)
ALG = ["socket", AF_ALG, SEQPACKET, 0]
RAW6 = ["socket", INET6, RAW, 58]
RAW4 = ["socket", INET, RAW, 1]
TCP6 = ["socket", INET6, STREAM, 0]
UNIX = ["socket", socket.AF_UNIX, STREAM, 0]


def _places(tag: str) -> dict[str, Worker]:
    """Workers in the target cgroup, a child of it, a sibling, and the root cgroup."""
    target = make_cgroup(f"hf-{tag}")
    return {
        "inside": Worker(target),
        "child": Worker(make_cgroup(f"hf-{tag}/child")),
        "sibling": Worker(make_cgroup(f"hf-{tag}-sibling")),
        "outside": Worker(None),
    }


def _one_policy(
    args, tag: str, policy: CompiledPolicy, ops: list[list], netns: str | None = None
) -> dict:
    workers = _places(tag)
    try:
        before = {k: w.calls(ops) for k, w in workers.items()}
        with LsmFence(cgroup2_mount() / f"hf-{tag}", args.obj) as fence:
            fence.install(policy, netns=netns)
            fence.attach()
            during = {k: w.calls(ops) for k, w in workers.items()}
            n_denied = sum(r == errno.EPERM for rs in during.values() for r in rs)
            events = drain(fence, want=n_denied)
            cnt = counters(fence)
            stats = fence.maps.stats()
            cg_id = fence.cgroup.id
        after = {k: w.calls(ops) for k, w in workers.items()}
        pids = {k: w.pid for k, w in workers.items()}
    finally:
        for w in workers.values():
            w.close()
    return {
        "before": before,
        "during": during,
        "after": after,
        "events": events,
        "counters": cnt,
        "stats": [stats.events, stats.lost],
        "cgroup_id": cg_id,
        "pids": pids,
    }


def case_alg(args) -> dict:
    return _one_policy(args, "alg", policy_file("deny-af-alg.yaml"), [ALG, UNIX, TCP6])


def case_raw6(args) -> dict:
    return _one_policy(args, "raw6", policy_file("deny-raw-icmpv6.yaml"), [RAW6, RAW4, TCP6, UNIX])


def _kern_policy(kern: int) -> CompiledPolicy:
    return CompiledPolicy(
        name=f"raw6-kern{kern}",
        enforce=True,
        default=Action.ALLOW,
        rules=[rule(0, "no-raw-icmpv6")],
        create={CreateKey(INET6, RAW, 58, kern): Verdict(0, Action.DENY)},
    )


def case_kern(args) -> dict:
    """A deny of raw ICMPv6 for user sockets must let netns setup (kernel ICMPv6 control
    sockets) through; the same rule for kern=any shows those kernel sockets are seen."""
    target = make_cgroup("hf-kern")
    out = {}
    for label, kern in (("user", 0), ("any", ANY_KERN)):
        w = Worker(target)
        try:
            with LsmFence(target, args.obj) as fence:
                fence.install(_kern_policy(kern))
                fence.attach()
                res = w.calls([RAW6, ["unshare_net"], TCP6])
                events = drain(fence, want=1, timeout=1.0)
                out[label] = {"results": res, "events": events, "counters": counters(fence)}
            out[label]["after"] = w.calls([RAW6, ["unshare_net"]])
        finally:
            w.close()
    return out


def case_netns(args) -> dict:
    """scope netns non-host: the same cgroup, host netns allowed, a new netns denied."""
    target = make_cgroup("hf-netns")
    host_w, ns_w, out_ns_w = (
        Worker(target),
        Worker(target, new_netns=True),
        Worker(None, new_netns=True),
    )
    policy = CompiledPolicy(
        name="raw6-non-host",
        enforce=True,
        default=Action.ALLOW,
        rules=[rule(0, "no-raw-icmpv6")],
        create={CreateKey(INET6, RAW, 58, 0): Verdict(0, Action.DENY)},
        scope_netns="non-host",
    )
    try:
        with LsmFence(target, args.obj) as fence:
            fence.install(policy)
            fence.attach()
            scope = fence.scope()
            res = {
                "host_netns": host_w.calls([RAW6]),
                "new_netns": ns_w.calls([RAW6]),
                "outside_new_netns": out_ns_w.calls([RAW6]),
            }
            # Swapping to scope "any" flips the netns scope together with the rules.
            fence.install(policy, netns="any")
            res["after_swap_host_netns"] = host_w.calls([RAW6])
            events = drain(fence, want=1, timeout=1.0)
        return {
            "results": res,
            "scope": [scope.cgroup_id, scope.level, scope.netns],
            "cgroup_id": os.stat(target).st_ino,
            "events": events,
            "netns": {"host": host_w.netns, "new": ns_w.netns},
        }
    finally:
        for w in (host_w, ns_w, out_ns_w):
            w.close()


def _sendto_after_moving(target: Path, port: int) -> int:
    """errno of a UDP sendto() on a socket made in the root cgroup, sent after moving into ``target``."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        err = 0
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            (target / "cgroup.procs").write_text(str(os.getpid()))
            s.sendto(b"hotfence", ("127.0.0.1", port))
        except OSError as e:
            err = e.errno
        os.write(w, str(err).encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        out = f.read()
    os.waitpid(pid, 0)
    return int(out)


def case_ports(args) -> dict:
    target = make_cgroup("hf-ports")
    inside, outside = Worker(target), Worker(None)
    policy = CompiledPolicy(
        name="ports",
        enforce=True,
        default=Action.ALLOW,
        rules=[
            rule(0, "no-bind-8080", (Hook.BIND,)),
            rule(1, "no-connect-9000-tcp", (Hook.CONNECT,)),
            rule(2, "no-udp-5353", (Hook.CONNECT,)),
        ],
        ports={
            PortKey(Hook.BIND, ANY, ANY, 8080): Verdict(0, Action.DENY),
            PortKey(Hook.CONNECT, ANY, 6, 9000): Verdict(1, Action.DENY),
            PortKey(Hook.CONNECT, ANY, 17, 5353): Verdict(2, Action.DENY),
        },
    )
    ops = [
        ["bind", INET, STREAM, 0, 8080],
        ["bind", INET6, DGRAM, 0, 8080],
        ["bind", INET, STREAM, 0, 8081],
        ["connect", INET, STREAM, 0, 9000],
        ["connect", INET6, STREAM, 0, 9000],
        ["connect", INET, DGRAM, 0, 9000],
        ["connect", INET, STREAM, 0, 9001],
        ["sendto", INET, DGRAM, 0, 5353],
        ["sendto", INET6, DGRAM, 0, 5353],
        ["sendto", INET, DGRAM, 0, 5354],
        ["fastopen", INET, STREAM, 0, 9000],
        ["fastopen", INET6, STREAM, 0, 9001],
    ]
    try:
        with LsmFence(target, args.obj) as fence:
            fence.maps.install(policy)  # the cgroup backend's call: LsmMaps adds the scope
            fence.attach()
            res = {"inside": inside.calls(ops), "outside": outside.calls(ops)}
            # Unlike cgroup-BPF, the LSM scope is the calling task's: a socket made before
            # moving into the cgroup is fenced too.
            moved = _sendto_after_moving(target, 5353)
            cnt = counters(fence)
        return {"results": res, "counters": cnt, "moved": moved}
    finally:
        inside.close()
        outside.close()


def case_owner_exit(args) -> dict:
    """A loader killed with SIGKILL leaves no LSM program behind."""
    import subprocess

    target = make_cgroup("hf-exit")
    w = Worker(target)
    code = (
        "import os, sys\n"
        f"sys.path[:0] = {sys.path!r}\n"
        "from hotfence.fence.backends.lsm import LsmFence\n"
        "from hotfence.fence.compiled import *\n"
        "p = CompiledPolicy(name='x', enforce=True, default=Action.ALLOW, rules=[RuleInfo(0, 'r', 't:1', 'r')],\n"
        "    create={CreateKey(10, 3, 58, ANY_KERN): Verdict(0, Action.DENY)})\n"
        f"f = LsmFence({str(target)!r}, {args.obj!r})\n"
        "f.install(p); f.attach()\n"
        "print('attached', flush=True)\n"
        "input()\n"
        "os.kill(os.getpid(), 9)\n"
    )
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None and proc.stdin is not None
        line = proc.stdout.readline()
        during = w.calls([RAW6])
        progs = _lsm_prog_names()
        proc.stdin.write("\n")
        proc.stdin.flush()
        rc = proc.wait(timeout=60)
        deadline = time.monotonic() + 5
        while True:
            after = w.calls([RAW6])
            left = _lsm_prog_names()
            if (after == [0] and not left) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        return {
            "line": line.strip(),
            "rc": rc,
            "during": during,
            "after": after,
            "progs_during": progs,
            "progs_after": left,
        }
    finally:
        w.close()


def _lsm_prog_names() -> list[str]:
    """Names of loaded programs starting with hf_lsm (from /proc/<pid>/fdinfo is not enough:
    ask the kernel for every program id with bpftool's JSON)."""
    import subprocess

    out = subprocess.run(["bpftool", "-j", "prog", "show"], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"bpftool prog show: {out.stderr}")
    return sorted(
        p.get("name", "") for p in json.loads(out.stdout) if p.get("name", "").startswith("hf_lsm")
    )


def case_apply(args) -> dict:
    """apply pins links and maps (enforcement outlives every fd of this process), a second
    apply swaps the policy in place, remove detaches; a cgroup-BPF fence's pin directory
    name is left alone."""
    from hotfence.fence.backends import lsm

    target = make_cgroup("hf-apply")
    w = Worker(target)
    out: dict = {}
    try:
        state, swapped = lsm.apply(
            policy_file("deny-raw-icmpv6.yaml"), target, "deny-raw-icmpv6.yaml", args.obj
        )
        out["first"] = {
            "swapped": swapped,
            "backend": state.backend,
            "calls": w.calls([RAW6, ALG]),
            "progs": _lsm_prog_names(),
            "pins": sorted(p.name for p in lsm.pin_dir(lsm.resolve_cgroup(target)).iterdir()),
        }
        state, swapped = lsm.apply(
            policy_file("deny-af-alg.yaml"), target, "deny-af-alg.yaml", args.obj
        )
        maps, st = lsm.open_applied(target)
        try:
            cnt = {
                str(k): [c.hits, c.denies] for k, c in maps.counters().items() if c.hits or c.denies
            }
            calls = w.calls([RAW6, ALG])
            cnt_after = {
                str(k): [c.hits, c.denies] for k, c in maps.counters().items() if c.hits or c.denies
            }
            scope = maps.scope()
        finally:
            maps.close()
        listed = [
            (a.cgroup_id, a.active, a.state.policy if a.state else None) for a in lsm.applied()
        ]
        out["second"] = {
            "swapped": swapped,
            "policy": st.policy if st else None,
            "calls": calls,
            "counters_before": cnt,
            "counters_after": cnt_after,
            "listed": listed,
            "scope": [scope.cgroup_id, scope.level, scope.netns],
            "progs": _lsm_prog_names(),
        }
    finally:
        removed = lsm.remove(target)
    out["removed"] = removed
    out["after"] = w.calls([RAW6, ALG])
    out["progs_after"] = _lsm_prog_names()
    out["listed_after"] = len(lsm.applied())
    out["cgroup_id"] = os.stat(target).st_ino
    w.close()
    return out


def case_cli(args) -> dict:
    """`hotfence fence apply|status|counters|remove` pick BPF-LSM on this kernel by themselves
    (objects from $HOTFENCE_BPF_BUILD, prepared on the host)."""
    import subprocess

    target = make_cgroup("hf-cli")
    w = Worker(target)
    exe = str(Path(sys.executable).parent / "hotfence")
    policy = str(REPO / "examples" / "policies" / "deny-af-alg.yaml")

    def cli(*argv: str) -> dict:
        p = subprocess.run([exe, "fence", *argv], capture_output=True, text=True, timeout=120)
        return {"rc": p.returncode, "out": p.stdout, "err": p.stderr}

    out = {"apply": cli("apply", policy, "--cgroup", str(target))}
    out["calls"] = w.calls([ALG, RAW6])
    out["status"] = cli("status")
    out["status_rules"] = cli("status", "--rules")
    out["status_json"] = cli("status", "-o", "json")
    out["counters"] = cli("counters", "--cgroup", str(target), "-o", "json")
    out["remove"] = cli("remove", "--cgroup", str(target))
    out["after"] = w.calls([ALG, RAW6])
    out["progs_after"] = _lsm_prog_names()
    w.close()
    return out


def case_run(args) -> dict:
    """`hotfence fence run` in the foreground: enforcing line, one event line per deny,
    SIGINT detaches (and the counters are printed)."""
    import signal
    import subprocess

    target = make_cgroup("hf-run")
    w = Worker(target)
    exe = str(Path(sys.executable).parent / "hotfence")
    policy = str(REPO / "examples" / "policies" / "deny-af-alg.yaml")
    proc = subprocess.Popen(
        [exe, "fence", "run", policy, "--cgroup", str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    # stdout is for the events; stderr says which backend, warns (a root process in the
    # cgroup can leave it), then says enforcement is active.
    first = ""
    while ": enforcing " not in first:
        first = proc.stderr.readline()
        if not first:
            break  # ended early: the case's result shows it
    first = first.strip()
    calls = w.calls([ALG, ALG, UNIX])
    event = proc.stdout.readline().strip()
    progs = _lsm_prog_names()
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    after = w.calls([ALG])
    w.close()
    return {
        "first": first,
        "calls": calls,
        "event": event,
        "rc": proc.returncode,
        "stderr": err,
        "progs": progs,
        "progs_after": _lsm_prog_names(),
        "after": after,
    }


def case_probe(args) -> dict:
    from hotfence.fence.backends import probe, select

    probes = probe()
    sel = select(policy_file("deny-af-alg.yaml"), probes)
    return {
        "probes": [p.__dict__ for p in probes],
        "selected": sel.name,
        "reason": sel.reason,
        "coverage": [[c.name, c.coverage.value] for c in sel.coverage],
    }


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--obj", required=True, help="fence_lsm.bpf.o built for this kernel")
    ap.add_argument("--module", action="append", default=[], help=".ko to load first (in order)")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    modules = load_modules(args.module)  # every case: cases must not depend on their order
    result = CASES[args.case](args)
    result["modules"] = modules
    result["seconds"] = round(time.monotonic() - t0, 2)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
