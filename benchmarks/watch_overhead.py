"""What `hotfence watch` costs the rest of the host: ns per system call while it runs.

Enabling syscall tracepoints at all puts every system call on the host through the
kernel's tracing slow path; watch also attaches a raw_syscalls:sys_exit program for
32-bit calls (the syscall tracepoints skip those), which runs for every system call and
leaves at once for anything but a compat socket call. This measures getppid() (benchmarks/
syscall_loop.c) with no watch, with watch's full set of programs, and with only the
socket()/socketpair() tracepoints (the 32-bit and io_uring programs not attached), in
interleaved rounds; prints medians and ratios.

    sudo .venv/bin/python benchmarks/watch_overhead.py [--iterations N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from hotfence.watch.tracer import SocketTracer

HERE = Path(__file__).resolve().parent


def run_loop(exe: Path, iterations: int) -> float:
    pin = lambda: os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})  # noqa: E731
    return float(
        subprocess.run(
            [str(exe), str(iterations)], preexec_fn=pin, capture_output=True, text=True, check=True
        ).stdout
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=11)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hotfence-bench-"))
    exe = work / "syscall_loop"
    subprocess.run(["gcc", "-O2", "-o", str(exe), str(HERE / "syscall_loop.c")], check=True)
    configs = {
        "no watch": None,
        "watch (all programs)": frozenset(),
        "watch --no-32bit": frozenset({"32-bit"}),
        "watch (syscall tracepoints only)": frozenset({"32-bit", "io_uring"}),
    }
    samples: dict[str, list[float]] = {k: [] for k in configs}
    try:
        run_loop(exe, args.iterations // 10)  # warm-up
        for _ in range(args.rounds):
            for label, without in configs.items():
                if without is None:
                    samples[label].append(run_loop(exe, args.iterations))
                    continue
                with SocketTracer(source="tracepoints", without=without):
                    samples[label].append(run_loop(exe, args.iterations))
    finally:
        exe.unlink(missing_ok=True)
        work.rmdir()
    base = statistics.median(samples["no watch"])
    print(
        f"getppid() system call, median of {args.rounds} rounds x {args.iterations} calls "
        f"(kernel {os.uname().release})"
    )
    for label, vals in samples.items():
        med = statistics.median(vals)
        print(f"{label:>34} {med:8.1f} ns  {med - base:+7.1f} ns  {(med / base - 1) * 100:+7.2f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
