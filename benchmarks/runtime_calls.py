"""What one ``hotfence-runc`` invocation costs over the runc it wraps (figures printed).

No engine: the real runc is replaced by ``/bin/true``, so each figure is the wrapper's own
time for one call, the way Docker makes them (``--root``, ``--log``, ``--log-format json``
before the command):

* ``state``: every command but create/run/restore (start, delete, kill, state...): the sh
  front alone, which execs runc;
* ``create, not selected``: Python for a bundle no policy selects (reads config.json,
  Docker's record of the container beside it, and the selector index);
* ``create, selected``: the same bundle selected: the seccomp merge and hooks written into
  config.json (the hooks themselves run inside runc, see docker_runtime.py);
* ``python -c pass``: the interpreter's own start-up, the floor of any Python path.

The Python files are byte-compiled first, as an installed package is.

    .venv/bin/python benchmarks/runtime_calls.py [--runs 50]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The policy docker_runtime.py times end to end, so both benchmarks time the same plan.
from docker_runtime import POLICY

BIN = Path(sys.executable).parent


def _bundle(root: Path, name: str) -> Path:
    """A bundle as Docker 20.10+ lays it out: config.json, and the container's record
    (config.v2.json) beside the hostname file it bind-mounts."""
    record = root / "containers" / name
    record.mkdir(parents=True)
    (record / "hostname").write_text(name + "\n")
    (record / "config.v2.json").write_text(
        json.dumps({"Name": "/" + name, "Config": {"Image": "bench/img:1", "Labels": {}}})
    )
    bundle = root / "bundles" / name
    bundle.mkdir(parents=True)
    config = {
        "ociVersion": "1.0.2",
        "process": {"args": ["/bin/true"]},
        "mounts": [{"destination": "/etc/hostname", "source": str(record / "hostname")}],
        "linux": {
            "seccomp": {
                "defaultAction": "SCMP_ACT_ERRNO",
                "syscalls": [{"names": ["socket", "read", "write"], "action": "SCMP_ACT_ALLOW"}],
            }
        },
    }
    (bundle / "config.json").write_text(json.dumps(config))
    return bundle


def _time(
    argv: list[str], runs: int, env: dict[str, str], reset=None
) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system, the child's) milliseconds per run. CPU time is the
    steadier figure on a shared host; wall is what a container start waits."""
    wall, cpu = [], []
    for i in range(runs + 1):  # the first warms caches and is not counted
        if reset:
            reset()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(argv, env=env, capture_output=True)
        dt = (time.perf_counter() - t0) * 1000
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode:
            raise SystemExit(f"{argv} failed: {proc.stderr.decode()}")
        if i:
            wall.append(dt)
            cpu.append((r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1000)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()
    compileall.compile_dir(str(Path(__file__).resolve().parents[1] / "src" / "hotfence"), quiet=1)
    root = Path(tempfile.mkdtemp(prefix="hf-calls-"))
    try:
        policies = root / "policies"
        policies.mkdir()
        (policies / "bench.yaml").write_text(POLICY.format(glob="bench-sel-*"))
        env = {
            **os.environ,
            "HOTFENCE_RUNC": "/bin/true",
            "HOTFENCE_STATE_DIR": str(root / "state" / "fence"),
        }
        other = _bundle(root, "bench-other")
        sel = _bundle(root, "bench-sel-1")
        pristine = (sel / "config.json").read_text()

        def restore_sel() -> None:
            (sel / "config.json").write_text(pristine)

        wrapper = [str(BIN / "hotfence-runc"), "--policy-dir", str(policies)]
        globals_ = ["--root", str(root / "runc"), "--log", str(root / "log.json")]
        globals_ += ["--log-format", "json"]
        kinds = {
            "/bin/true (the runc stand-in)": (["/bin/true", *globals_, "state", "x"], None),
            "state (sh front -> runc)": ([*wrapper, *globals_, "state", "x"], None),
            "python -c pass": ([sys.executable, "-c", "pass"], None),
            "create, not selected": (
                [*wrapper, *globals_, "create", "--bundle", str(other), "x"],
                None,
            ),
            "create, selected": (
                [*wrapper, *globals_, "create", "--bundle", str(sel), "x"],
                restore_sel,
            ),
        }
        print(f"one hotfence-runc call, runc = /bin/true, {args.runs} runs each (ms):")
        print(f"  {'':30} {'wall p50':>8} {'p95':>6} {'cpu p50':>8}  wall p50 vs /bin/true")
        base = None
        for kind, (argv, reset) in kinds.items():
            wall, cpu = _time(argv, args.runs, env, reset)
            p50 = statistics.median(wall)
            base = p50 if base is None else base
            p95 = sorted(wall)[min(len(wall) - 1, round(0.95 * (len(wall) - 1)))]
            print(
                f"  {kind:30} {p50:8.1f} {p95:6.1f} {statistics.median(cpu):8.1f}"
                f"  {p50 - base:+6.1f}"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
