"""`docker run --rm IMG /bin/true` with the hotfence runtime wrapper vs plain runc (figures printed).

Starts a private dockerd (tests/docker_helpers.py: own data root, socket, cgroup parent),
then runs the kinds interleaved, in a new order each round, so that load on the host
hits them alike:

* runc: Docker's default runtime;
* hotfence, not selected: hotfence-runc with a policy whose selector does not match
  (the wrapper's cost on every container: the sh front for start/delete, Python reading
  the bundle and the selector index for create);
* hotfence, selected: a matching policy (seccomp merge, the createRuntime hook attaching
  the cgroup fence, the poststop hook removing it);
* hotfence, ..., agent: the same with ``hotfence agent`` running (on the same policy
  directory, as deployed): the sh front has the agent prepare the bundle and the hooks hand
  their work to it, both through hotfence-hook, a small C client (hotfence.agent.handoff),
  so no Python starts for the container at all.

The agent runs throughout (it also follows the engine's events, as deployed); for the rows
without it, its socket file is renamed away, so the hooks find no agent and apply the
fence themselves, as on a host without one.

Besides p50 / p95 per kind, it prints each kind's difference to runc paired by round
(the kinds of one round run within a second), with a 95 % bootstrap interval of its
median: load that moves a whole round cancels out there.

It also prints the CPU each run cost, which other programs on the machine do not move:
this process moves itself into a cgroup of its own first, so dockerd, containerd, the
shims, runc, the wrapper, its hooks and the agent (all started from here) count there,
and the containers count under dockerd's cgroup parent. A run's CPU is what both
cgroups used from its start to the next run's, so the work it leaves in the background
(the poststop removal, the agent's handling of its events) is its own.

The runtime is registered as docs/containers.md recommends for the default policy
directory: by its path alone (the benchmark's directory is named in dockerd's environment,
``HOTFENCE_POLICY_DIR``). ``--runtime-args`` registers it with ``runtimeArgs`` instead, for
which Docker 20.10 execs a script of its own before the wrapper on every runtime call.

The Python files are byte-compiled first, as an installed package is (the test venv runs
with PYTHONDONTWRITEBYTECODE, which would otherwise compile them on every call).

    .venv/bin/python benchmarks/docker_runtime.py [--runs 30] [--pause 0.5] [--runtime-args]
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from docker_helpers import DockerEngine, private_dockerd
from kernel_helpers import cgroup2_mount

POLICY = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata: {{name: bench}}
spec:
  mode: enforce
  default: allow
  selector: {{name: '{glob}'}}
  rules:
    - {{action: deny, socket: {{family: inet6, type: raw, protocol: icmpv6}}}}
    - {{action: deny, socket: {{family: alg}}}}
"""


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def bootstrap_median(xs: list[float], rounds: int = 4000) -> tuple[float, float]:
    """The 2.5th and 97.5th percentiles of the median of ``xs`` resampled (seeded)."""
    rng = random.Random(0)
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(rounds))
    return meds[int(0.025 * rounds)], meds[int(0.975 * rounds) - 1]


@contextlib.contextmanager
def own_cgroup() -> Iterator[Path]:
    """This process, and all it starts from now on, in a new cgroup (see the docstring)."""
    mount = cgroup2_mount()
    assert mount is not None, "no cgroup2 mount"
    home = next(
        ln[3:] for ln in Path("/proc/self/cgroup").read_text().splitlines() if ln[:3] == "0::"
    )
    cg = mount / f"hotfence-bench-{os.getpid()}"
    cg.mkdir()
    (cg / "cgroup.procs").write_text(str(os.getpid()))
    try:
        yield cg
    finally:
        (mount / home.lstrip("/") / "cgroup.procs").write_text(str(os.getpid()))
        for _ in range(50):  # the engine's last processes may still be exiting
            try:
                cg.rmdir()
                break
            except OSError:
                time.sleep(0.1)


def cpu_usec(*cgroups: Path) -> int:
    total = 0
    for cg in cgroups:
        stat = (cg / "cpu.stat").read_text().split()
        total += int(stat[stat.index("usage_usec") + 1])
    return total


@contextlib.contextmanager
def agent(engine: DockerEngine) -> Iterator[None]:
    log = engine.root / "agent.log"
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "hotfence"), "agent", "--policy-dir",
         str(engine.policy_dir), "--metrics-port", "0"],
        env=engine.env(), stdout=subprocess.DEVNULL, stderr=open(log, "w"),
    )  # fmt: skip
    try:
        while not engine.agent_socket.exists():
            if proc.poll() is not None:
                raise SystemExit(f"hotfence agent exited:\n{log.read_text()}")
            time.sleep(0.1)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument(
        "--pause", type=float, default=0.5, help="seconds between two runs (default 0.5)"
    )
    ap.add_argument(
        "--runtime-args",
        action="store_true",
        help="register the runtime with runtimeArgs --policy-dir (dockerd then puts a script "
        "of its own in front of every runtime call) instead of naming the directory in "
        "dockerd's environment, as a host with the default directory needs none",
    )
    args = ap.parse_args()
    src = Path(__file__).resolve().parents[1] / "src" / "hotfence"
    compileall.compile_dir(str(src), quiet=1)
    with (
        own_cgroup() as bench_cg,
        private_dockerd(policy_dir_in_env=not args.runtime_args) as engine,
    ):
        containers_cg = cgroup2_mount() / engine.cgroup_parent.lstrip("/")  # type: ignore[operator]
        (engine.policy_dir / "bench.yaml").write_text(POLICY.format(glob="bench-sel-*"))
        kinds: dict[str, list[str]] = {
            "runc": [],
            "hotfence, not selected": ["--runtime", "hotfence"],
            "hotfence, not selected, agent": ["--runtime", "hotfence"],
            "hotfence, selected": ["--runtime", "hotfence"],
            "hotfence, selected, agent": ["--runtime", "hotfence"],
        }
        sock, hidden = engine.agent_socket, engine.agent_socket.with_suffix(".hidden")
        times: dict[str, list[float]] = {k: [] for k in kinds}
        cpu: dict[str, list[float]] = {k: [] for k in kinds}
        counting: tuple[str, int] | None = None  # the run whose CPU is being counted
        with agent(engine):
            try:
                for i in range(args.runs + 1):  # the first round warms caches, not counted
                    # In a new order each round: a kind's background work (a poststop
                    # hook's removal, done after `docker run --rm` returns) then lands on
                    # every other kind alike, not always on the one after it.
                    order = list(enumerate(kinds.items()))
                    random.Random(i).shuffle(order)
                    for k, (kind, extra) in order:
                        name = f"bench-{'sel' if ', selected' in kind else 'other'}-{i}-{k}"
                        if kind.endswith("agent"):
                            if hidden.exists():
                                os.rename(hidden, sock)
                        elif sock.exists():
                            os.rename(sock, hidden)
                        argv = ["docker", "run", "--rm", "--network", "none", "--name", name]
                        now = cpu_usec(bench_cg, containers_cg)
                        if counting is not None:
                            cpu[counting[0]].append((now - counting[1]) / 1000)
                        counting = (kind, now) if i else None
                        t0 = time.perf_counter()
                        subprocess.run(
                            [*argv, *extra, "--entrypoint", "/bin/true", engine.image],
                            env=engine.env(),
                            check=True,
                            capture_output=True,
                        )
                        if i:
                            times[kind].append((time.perf_counter() - t0) * 1000)
                        # Let the run's background work end (a poststop hook's removal, the
                        # engine's clean-up) before the next starts: a start is timed
                        # alone, as containers of a host mostly start.
                        time.sleep(args.pause)
                if counting is not None:
                    cpu[counting[0]].append(
                        (cpu_usec(bench_cg, containers_cg) - counting[1]) / 1000
                    )
            finally:
                if hidden.exists():
                    os.rename(hidden, sock)
        log = (engine.root / "agent.log").read_text().splitlines()

        def took(what: str) -> list[float]:
            return [float(ln.rsplit(" in ", 1)[1].split()[0])
                    for ln in log if what in ln and ln.endswith(" ms")]  # fmt: skip

        applies, creates = took("(from its hook)"), took("(from hotfence-hook create)")
        base, base95 = statistics.median(times["runc"]), pct(times["runc"], 0.95)
        print(f"docker run --rm IMG /bin/true, {args.runs} runs each, interleaved (ms):")
        print(
            f"  (fences the agent applied for hooks: {len(applies)} of {args.runs + 1}, "
            f"each in p50 {statistics.median(applies or [0]):.1f} ms; bundles it prepared: "
            f"{len(creates)}, each in p50 {statistics.median(creates or [0]):.1f} ms)"
        )
        for kind, xs in times.items():
            p50, p95 = statistics.median(xs), pct(xs, 0.95)
            print(
                f"  {kind:30} p50 {p50:7.1f}  p95 {p95:7.1f}  "
                f"(vs runc: p50 {p50 - base:+6.1f}, p95 {p95 - base95:+6.1f})"
            )
        # The kinds of one round ran within a second of each other: the difference to runc
        # in the same round cancels the load that moves whole rounds. Its median, with a
        # 95 % bootstrap interval, says how sure the "vs runc" figure is.
        print("paired with runc in the same round: median difference [95 % interval] (ms)")
        for kind, xs in times.items():
            if kind == "runc":
                continue
            diffs = [x - r for x, r in zip(xs, times["runc"], strict=True)]
            lo, hi = bootstrap_median(diffs)
            print(f"  {kind:30} {statistics.median(diffs):+7.1f}  [{lo:+7.1f}, {hi:+7.1f}]")
        print(
            "CPU per run, engine + runtimes + hooks + agent + container, until the next run "
            "(ms; the agent's idle polling counts in every kind alike):"
        )
        cbase = statistics.median(cpu["runc"])
        for kind, xs in cpu.items():
            p50 = statistics.median(xs)
            print(f"  {kind:30} p50 {p50:7.1f}  (vs runc: {p50 - cbase:+6.1f})")


if __name__ == "__main__":
    main()
