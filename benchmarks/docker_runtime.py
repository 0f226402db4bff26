"""`docker run --rm IMG /bin/true` with the hotfence runtime wrapper vs plain runc (figures printed).

Starts a private dockerd (tests/docker_helpers.py: own data root, socket, cgroup parent),
then runs the three kinds interleaved, so that load on the host hits them alike:

* runc: Docker's default runtime;
* hotfence, not selected: hotfence-runc with a policy whose selector does not match
  (the wrapper's cost on every container: the sh front for start/delete, Python reading
  the bundle and the selector index for create);
* hotfence, selected: a matching policy (seccomp merge, the createRuntime hook attaching
  the cgroup fence, the poststop hook removing it).

The Python files are byte-compiled first, as an installed package is (the test venv runs
with PYTHONDONTWRITEBYTECODE, which would otherwise compile them on every call).

    .venv/bin/python benchmarks/docker_runtime.py [--runs 30]
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from docker_helpers import private_dockerd

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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    src = Path(__file__).resolve().parents[1] / "src" / "hotfence"
    compileall.compile_dir(str(src), quiet=1)
    with private_dockerd() as engine:
        (engine.policy_dir / "bench.yaml").write_text(POLICY.format(glob="bench-sel-*"))
        kinds: dict[str, list[str]] = {
            "runc": [],
            "hotfence, not selected": ["--runtime", "hotfence"],
            "hotfence, selected": ["--runtime", "hotfence"],
        }
        times: dict[str, list[float]] = {k: [] for k in kinds}
        for i in range(args.runs + 1):  # the first round warms caches and is not counted
            for k, (kind, extra) in enumerate(kinds.items()):
                name = f"bench-{'sel' if kind.endswith(', selected') else 'other'}-{i}-{k}"
                argv = ["docker", "run", "--rm", "--network", "none", "--name", name, *extra]
                t0 = time.perf_counter()
                subprocess.run(
                    [*argv, "--entrypoint", "/bin/true", engine.image],
                    env=engine.env(),
                    check=True,
                    capture_output=True,
                )
                if i:
                    times[kind].append((time.perf_counter() - t0) * 1000)
        base, base95 = statistics.median(times["runc"]), pct(times["runc"], 0.95)
        print(f"docker run --rm IMG /bin/true, {args.runs} runs each, interleaved (ms):")
        for kind, xs in times.items():
            p50, p95 = statistics.median(xs), pct(xs, 0.95)
            print(
                f"  {kind:24} p50 {p50:7.1f}  p95 {p95:7.1f}  "
                f"(vs runc: p50 {p50 - base:+6.1f}, p95 {p95 - base95:+6.1f})"
            )


if __name__ == "__main__":
    main()
