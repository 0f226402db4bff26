"""Two `hotfence fence apply` at once on one cgroup, N rounds: exactly one policy wins.

Each round makes a scratch cgroup under the cgroup2 mount and runs two real
``hotfence fence apply`` processes at the same moment: on a fresh cgroup in the first
half of a round (two first applies), then, with a policy already applied, two swaps.
After each race it checks, against the kernel:

* both processes exited 0 (the second waited for the fence lock, then swapped);
* socket calls from a child in the cgroup (in its own netns, on loopback) get exactly
  the verdicts of ONE of the two policies: a raw ICMPv6 socket, a TCP socket, and UDP
  connect()s to ports only policy A denies and ports only policy B denies;
* the pinned maps hold exactly that policy's keys (no mix of both);
* every hook's link is attached to this cgroup (link info), and ``fence status -o json``
  names that policy.

Run as root:  .venv/bin/python scripts/fence_stress.py --rounds 100
Exit status 0 when every round passed, 1 otherwise (each failure is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOTFENCE = str(Path(sys.executable).parent / "hotfence")
EPERM = 1

POLICY = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata:
  name: {name}
spec:
  mode: enforce
  default: allow
  rules:
    - name: no-{sock}
      action: deny
      socket: {{family: {family}, type: {type}, protocol: {protocol}}}
    - name: no-udp-{lo}
      action: deny
      connect: {{family: inet, protocol: udp, ports: ["{lo}-{hi}"]}}
"""
# policy name -> (socket rule, denied UDP port range)
POLICIES = {
    "stress-a": ("raw6", "inet6", "raw", "icmpv6", 1000, 1299),
    "stress-b": ("tcp4", "inet", "stream", "tcp", 2000, 2299),
}
PROBE_PORTS = (1000, 1150, 1299, 2000, 2150, 2299)
# The verdicts (errno per probe call) of each policy; anything else is a corrupt fence.
EXPECTED = {
    "stress-a": [EPERM, 0, EPERM, EPERM, EPERM, 0, 0, 0],
    "stress-b": [0, EPERM, 0, 0, 0, EPERM, EPERM, EPERM],
}

_CHILD = r"""
import ctypes, json, os, socket, subprocess, sys
open(os.path.join(sys.argv[1], "cgroup.procs"), "w").write(str(os.getpid()))
if ctypes.CDLL(None, use_errno=True).unshare(0x40000000) != 0:
    raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
out = []
def call(f):
    try:
        f()
        out.append(0)
    except OSError as e:
        out.append(e.errno)
call(lambda: socket.socket(socket.AF_INET6, socket.SOCK_RAW, 58).close())
call(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM, 0).close())
for port in json.loads(sys.argv[2]):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, 0)
    call(lambda: s.connect(("127.0.0.1", port)))
    s.close()
print(json.dumps(out))
"""


def probe(cgroup: Path) -> list[int]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(cgroup), json.dumps(PROBE_PORTS)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return list(json.loads(out.stdout))


def write_policies(d: Path) -> dict[str, Path]:
    paths = {}
    for name, (sock, family, type_, proto, lo, hi) in POLICIES.items():
        p = d / f"{name}.yaml"
        p.write_text(
            POLICY.format(
                name=name, sock=sock, family=family, type=type_, protocol=proto, lo=lo, hi=hi
            )
        )
        paths[name] = p
    return paths


def race(policies: dict[str, Path], cgroup: Path) -> list[str]:
    """Start one `fence apply` per policy at the same moment; the failures seen."""
    procs = [
        subprocess.Popen(
            [HOTFENCE, "fence", "apply", str(p), "--cgroup", str(cgroup)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for p in policies.values()
    ]
    errors = []
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        if proc.returncode != 0:
            errors.append(f"fence apply exited {proc.returncode}: {out.strip()}")
    return errors


def check(policies: dict[str, Path], cgroup: Path) -> list[str]:
    """Exactly one complete policy enforced, held by the maps, and named by status."""
    from hotfence.fence.backends import cgroup as backend
    from hotfence.fence.backends import pinning
    from hotfence.fence.backends.cgroupfs import resolve_cgroup
    from hotfence.fence.compiler import compile_file

    errors = []
    got = probe(cgroup)
    winners = [name for name, want in EXPECTED.items() if got == want]
    if len(winners) != 1:
        return [f"socket verdicts {got} match neither policy ({EXPECTED})"]
    winner = winners[0]
    cg = resolve_cgroup(cgroup)
    a = next((x for x in backend.applied() if x.cgroup_id == cg.id), None)
    if a is None or a.state is None:
        return [f"no applied fence listed for {cgroup}"]
    held = backend.applied_policy(a)
    want = compile_file(str(policies[winner]))
    if held is None or (held.create, held.ports) != (want.create, want.ports):
        errors.append(f"the maps do not hold exactly {winner}'s keys")
    live = pinning.liveness(a)
    if live.status != "ACTIVE":
        errors.append(f"fence is {live.status}: {'; '.join(live.reasons)}")
    status = subprocess.run(
        [HOTFENCE, "fence", "status", "-o", "json"], capture_output=True, text=True, timeout=300
    )
    entry = next((e for e in json.loads(status.stdout)["applied"] if e["cgroup_id"] == cg.id), None)
    if entry is None or entry["state"]["policy"] != winner:
        named = entry["state"]["policy"] if entry else None
        errors.append(f"status names {named!r}, the kernel enforces {winner!r}")
    return errors


def one_round(policies: dict[str, Path], mount: Path, n: int) -> list[str]:
    from hotfence.fence.backends import cgroup as backend

    cgroup = mount / f"hotfence-stress-{os.getpid()}-{n}"
    cgroup.mkdir()
    errors: list[str] = []
    try:
        for phase in ("first apply", "swap"):
            errors += [f"{phase}: {e}" for e in race(policies, cgroup)]
            errors += [f"{phase}: {e}" for e in check(policies, cgroup)]
    finally:
        backend.remove(cgroup)
        for _ in range(100):
            try:
                cgroup.rmdir()
                break
            except OSError:
                time.sleep(0.05)
    return errors


def main() -> int:
    from hotfence.fence.backends.cgroupfs import cgroup2_mount

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=100)
    args = ap.parse_args()
    mount = cgroup2_mount()
    failed = 0
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        policies = write_policies(Path(tmp))
        for n in range(args.rounds):
            errors = one_round(policies, mount, n)
            if errors:
                failed += 1
                for e in errors:
                    print(f"round {n}: {e}", flush=True)
    took = time.monotonic() - start
    print(
        f"{args.rounds - failed}/{args.rounds} rounds: one complete policy enforced and named "
        f"by status after concurrent first applies and swaps ({took:.1f} s)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
