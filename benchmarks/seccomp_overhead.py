"""Cost of the seccomp fence (`hotfence fence exec`) per socket()+close(), by policy size.

Runs benchmarks/socket_loop.c (compiled here with gcc) with no filter and under the
seccomp filter of policies of 1, 100, 1,000 and 10,000 rules, loaded the way
`fence exec` loads it (in the child, just before exec). Rule 0 allows the measured call
socket(AF_INET6, SOCK_DGRAM, 0) by default; the others deny raw sockets of the same
family and other protocols. ``--call 10 3 58`` measures raw ICMPv6 instead, which sits in
the same (family, type) branch as every deny rule: libseccomp compares argument values
one after another, so that is the worst case. Configurations are
interleaved over several rounds and the median is printed, because the machine is shared.
Also prints each filter's size in BPF instructions (the kernel takes at most 4096).

    .venv/bin/python benchmarks/seccomp_overhead.py [--iterations N] [--rounds R]

No privileges needed. Target: the same 3 % as the BPF backends is not expected here
(seccomp runs a classic-BPF program on every system call); the figures say what it costs.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import tempfile
from pathlib import Path

from hotfence.fence.backends import seccomp as backend
from hotfence.fence.compiled import ANY_KERN, Action, CompiledPolicy, CreateKey, RuleInfo, Verdict

HERE = Path(__file__).resolve().parent
CALL = (socket.AF_INET6, socket.SOCK_DGRAM, 0)


def policy(n_rules: int, call: tuple[int, int, int]) -> CompiledPolicy:
    family, type_, protocol = call
    rules = [RuleInfo(0, "allow-call", "bench:0", f"allow socket{call}")]
    create = {
        CreateKey(family, type_, 17 if protocol == 0 else protocol, 0): Verdict(0, Action.ALLOW)
    }
    protos = (p for p in range(1, 0xFFFF) if (type_, p) != (socket.SOCK_RAW, protocol))
    for i, p in zip(range(1, n_rules), protos):
        rules.append(RuleInfo(i, f"r{i}", f"bench:{i}", "deny"))
        create[CreateKey(family, socket.SOCK_RAW, p, ANY_KERN)] = Verdict(i, Action.DENY)
    return CompiledPolicy(
        name=f"bench-{n_rules}", enforce=True, default=Action.ALLOW, rules=rules, create=create
    )


def run_loop(
    exe: Path, iterations: int, pol: CompiledPolicy | None, call: tuple[int, int, int]
) -> float:
    def enter() -> None:
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
        if pol is not None:
            backend.install(pol)

    out = subprocess.run(
        [str(exe), str(iterations), *map(str, call)],
        preexec_fn=enter,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--call",
        type=int,
        nargs=3,
        default=list(CALL),
        metavar=("FAMILY", "TYPE", "PROTOCOL"),
        help="the measured socket() call; e.g. 10 3 58 (raw ICMPv6, needs CAP_NET_RAW) "
        "puts it in the same branch as every deny rule: the worst case",
    )
    args = ap.parse_args()
    call = tuple(args.call)

    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "socket_loop"
        subprocess.run(["gcc", "-O2", "-o", str(exe), str(HERE / "socket_loop.c")], check=True)
        configs: dict[str, CompiledPolicy | None] = {"no filter": None}
        for n in (1, 100, 1000, 10_000):
            pol = policy(n, call)
            try:
                with backend.build_filter(backend.plan(pol)) as filt:
                    size = len(filt.export_bpf()) // 8
            except backend.FilterTooLargeError as exc:
                print(f"{n:>6} rules: does not fit: {exc}")
                continue
            print(f"{n:>6} rules: {size} BPF instructions")
            configs[f"{n} rules"] = pol
        results: dict[str, list[float]] = {name: [] for name in configs}
        for _ in range(args.rounds):
            for name, pol in configs.items():
                results[name].append(run_loop(exe, args.iterations, pol, call))
    base = statistics.median(results["no filter"])
    print(f"socket{call}+close(), median of {args.rounds} rounds x {args.iterations} iterations:")
    for name, values in results.items():
        ns = statistics.median(values)
        print(f"  {name:>12}: {ns:8.1f} ns/call  ({ns / base - 1:+.1%} vs no filter)")


if __name__ == "__main__":
    main()
