"""Cost of the cgroup-BPF fence per socket()+close(), by policy size.

Runs benchmarks/socket_loop.c (compiled here with gcc) inside a scratch cgroup with:
no program attached, a program that only returns 1 (the floor of any cgroup-BPF
fence), then policies of 1, 100 and 10,000 rules. Every policy has the
measured call (socket(AF_INET, SOCK_DGRAM, 0)) matched by an explicit allow rule, so
each iteration does the real work: active-slot read, the hash look-ups for the key
shapes present, one per-CPU counter increment. Configurations are interleaved over
several rounds and the median is reported, because the machine is shared.

    sudo .venv/bin/python benchmarks/fence_overhead.py [--iterations N] [--rounds R]

Prints ns per call for each configuration and the overhead ratio against no program.
With ``--bpf-stats`` it also turns on kernel.bpf_stats_enabled for the run (restored
afterwards) and prints the kernel's own measure of the sock_create program: ns per run,
which is free of the scheduling noise of a shared machine.
Target (issue 3): at most 3 % over no program, flat across rule counts.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from hotfence.bpf import build, libbpf
from hotfence.fence.backends import cgroup as backend
from hotfence.fence.backends.cgroupfs import cgroup2_mount
from hotfence.fence.compiled import ANY_KERN, Action, CompiledPolicy, CreateKey, RuleInfo, Verdict

HERE = Path(__file__).resolve().parent
CALL = (socket.AF_INET, socket.SOCK_DGRAM, 0)  # resolved to UDP at cgroup/sock_create


def policy(n_rules: int) -> CompiledPolicy:
    """Rule 0 allows the measured call; rules 1.. deny raw inet6 sockets of other protocols/types."""
    rules = [RuleInfo(0, "allow-udp4", "bench:0", "allow socket(inet, dgram, udp)")]
    create = {CreateKey(socket.AF_INET, socket.SOCK_DGRAM, 17, 0): Verdict(0, Action.ALLOW)}
    for i in range(1, n_rules):
        rules.append(RuleInfo(i, f"r{i}", f"bench:{i}", "deny"))
        create[CreateKey(socket.AF_INET6, 3 + i // 60000, i % 60000, ANY_KERN)] = Verdict(
            i, Action.DENY
        )
    return CompiledPolicy(
        name=f"bench-{n_rules}", enforce=True, default=Action.ALLOW, rules=rules, create=create
    )


UNNAMED = -2  # configuration: 10,000 rules, none naming the measured call's family


def policy_unnamed_family(n_rules: int) -> CompiledPolicy:
    """Rules on inet6 only, as a virtual patch for one family is: the measured inet call
    matches nothing and takes the default, the common case for a container's sockets."""
    rules, create = [], {}
    for i in range(n_rules):
        rules.append(RuleInfo(i, f"r{i}", f"bench:{i}", "deny"))
        create[CreateKey(socket.AF_INET6, 3 + i // 60000, i % 60000, ANY_KERN)] = Verdict(
            i, Action.DENY
        )
    return CompiledPolicy(
        name=f"bench-unnamed-{n_rules}",
        enforce=True,
        default=Action.ALLOW,
        rules=rules,
        create=create,
    )


def label_of(n: int) -> str:
    return {0: "no program", -1: "return-1 program", UNNAMED: "10,000 other-fam"}.get(
        n, f"{n:,} rules"
    )


def run_loop(exe: Path, cgroup: Path, iterations: int) -> float:
    def enter() -> None:
        with open(cgroup / "cgroup.procs", "w") as f:
            f.write(str(os.getpid()))
        # Same CPU for every configuration: removes one source of spread on a shared VM.
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})

    out = subprocess.run(
        [str(exe), str(iterations), *map(str, CALL)],
        preexec_fn=enter,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout)


def sock_create_ns(cgroup: Path) -> float:
    """run_time_ns / run_cnt of the sock_create program attached to ``cgroup`` (bpftool)."""
    shown = json.loads(
        subprocess.run(
            ["bpftool", "cgroup", "show", str(cgroup), "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    prog = next(p for p in shown if p.get("attach_type") == "cgroup_inet_sock_create")
    info = json.loads(
        subprocess.run(
            ["bpftool", "prog", "show", "id", str(prog["id"]), "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    return info["run_time_ns"] / max(info["run_cnt"], 1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument(
        "--bpf-stats",
        action="store_true",
        help="also report the kernel's run_time_ns per program run (sets kernel.bpf_stats_enabled)",
    )
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hotfence-bench-"))
    exe = work / "socket_loop"
    subprocess.run(["gcc", "-O2", "-o", str(exe), str(HERE / "socket_loop.c")], check=True)
    # -1: a program that only returns 1 (probe_cgroup), the floor of any cgroup-BPF fence.
    configs = [0, -1, 1, 100, 10_000, UNNAMED]
    # One cgroup per configuration, all fenced at once, so rounds can interleave.
    mount = cgroup2_mount()
    cgroups = {n: mount / f"hotfence-bench-fence-{os.getpid()}-{n}" for n in configs}
    fences = []
    trivial = trivial_link = None
    stats_before = None
    try:
        for n, cg in cgroups.items():
            cg.mkdir()
            if n == -1:
                trivial = libbpf.BpfObject(build.object_path("probe_cgroup"))
                trivial.load()
                fd = os.open(cg, os.O_RDONLY | os.O_DIRECTORY)
                trivial_link = trivial.program("hf_probe_sock_create").attach_cgroup(fd)
                os.close(fd)
            elif n:
                f = backend.CgroupFence(cg)
                fences.append(f)
                f.maps.install(policy_unnamed_family(10_000) if n == UNNAMED else policy(n))
                f.attach()
        samples: dict[int, list[float]] = {n: [] for n in configs}
        stats_file = Path("/proc/sys/kernel/bpf_stats_enabled")
        stats_before = stats_file.read_text().strip() if args.bpf_stats else None
        if args.bpf_stats:
            stats_file.write_text("1")
        run_loop(exe, cgroups[0], args.iterations // 10)  # warm-up
        for _ in range(args.rounds):
            for n in configs:
                samples[n].append(run_loop(exe, cgroups[n], args.iterations))
        if args.bpf_stats:
            stats_file.write_text(stats_before)
            prog_ns = {n: sock_create_ns(cgroups[n]) for n in configs if n}
        # Sanity: the fenced runs really went through the programs.
        for f, n in zip(fences, configs[2:]):
            hits = sum(c.hits for c in f.maps.counters().values())
            assert hits >= args.rounds * args.iterations, (n, hits)
    finally:
        if args.bpf_stats and stats_before is not None:
            stats_file.write_text(stats_before)
        if trivial_link is not None:
            trivial_link.destroy()
        if trivial is not None:
            trivial.close()
        for f in fences:
            f.close()
        for cg in cgroups.values():
            if cg.exists():
                cg.rmdir()
        exe.unlink(missing_ok=True)
        work.rmdir()

    base = statistics.median(samples[0])
    print(
        f"socket(AF_INET, SOCK_DGRAM, 0)+close(), median of {args.rounds} rounds x {args.iterations} calls "
        f"(kernel {os.uname().release}, {os.cpu_count()} CPUs)"
    )
    print(
        "overhead = vs no program; 'best' uses the fastest round of each (least disturbed by other load)"
    )
    best_base = min(samples[0])
    print(
        f"{'configuration':>17} {'median ns':>10} {'overhead':>9} {'best ns':>9} {'overhead':>9}  spread (max ns)"
    )
    for n in configs:
        med, best = statistics.median(samples[n]), min(samples[n])
        label = label_of(n)
        print(
            f"{label:>17} {med:10.1f} {(med / base - 1) * 100:+8.2f}% {best:9.1f} "
            f"{(best / best_base - 1) * 100:+8.2f}%  {max(samples[n]):.1f}"
        )
    if args.bpf_stats:
        print("kernel-measured cgroup/sock_create program cost (bpf_stats run_time_ns / run_cnt):")
        for n, ns in prog_ns.items():
            label = label_of(n)
            print(
                f"{label:>17} {ns:8.1f} ns per run = {ns / best_base * 100:.2f}% of the fastest no-program "
                f"socket()+close() ({best_base:.0f} ns)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
