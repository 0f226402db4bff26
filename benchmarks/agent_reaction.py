"""`hotfence agent`: from a container start to its fence applied, and the agent's idle CPU.

Starts a private dockerd (tests/docker_helpers.py) and the agent with one selector
policy, then starts containers one at a time and times, from `docker run -d` returning,
until the container's cgroup has a pinned fence; then reads the agent's CPU time over an
idle period (no container events).

    .venv/bin/python benchmarks/agent_reaction.py [--runs 10] [--idle 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from docker_helpers import forget_policy_dir, private_dockerd
from hotfence.fence.backends import cgroup as backend

POLICY = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata: {name: bench}
spec:
  mode: enforce
  default: allow
  selector: {name: 'bench-agent-*'}
  rules:
    - {action: deny, socket: {family: inet6, type: raw, protocol: icmpv6}}
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fenced(cid: str) -> bool:
    return any(a.state and a.state.cgroup.endswith(cid) for a in backend.applied())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--idle", type=float, default=20)
    args = ap.parse_args()
    with private_dockerd() as engine, tempfile.TemporaryDirectory() as d:
        (Path(d) / "p.yaml").write_text(POLICY)
        agent = subprocess.Popen(
            [str(Path(sys.executable).parent / "hotfence"), "agent", "--policy-dir", d,
             "--metrics-port", "0"],
            env=engine.env(), stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            time.sleep(3)  # its start-up and first reconcile
            times = []
            for i in range(args.runs):
                cid = engine.run_detached(f"bench-agent-{i}")
                t0 = time.perf_counter()
                while not fenced(cid):
                    time.sleep(0.005)
                times.append((time.perf_counter() - t0) * 1000)
                engine.docker("rm", "-f", f"bench-agent-{i}")
            time.sleep(2)
            c0, t0 = cpu_seconds(agent.pid), time.monotonic()
            time.sleep(args.idle)
            idle = (cpu_seconds(agent.pid) - c0) / (time.monotonic() - t0) * 100
        finally:
            agent.terminate()
            agent.wait(timeout=30)
            forget_policy_dir(Path(d))
            for a in backend.applied():
                if a.state and engine.cgroup_parent in a.state.cgroup:
                    backend.remove(a.cgroup_id)
    print(f"agent reaction, docker run -d returned -> fence pinned, {args.runs} containers (ms):")
    print(f"  p50 {statistics.median(times):.0f}  max {max(times):.0f}")
    print(f"agent idle CPU over {args.idle:.0f} s: {idle:.2f} % of one core")


if __name__ == "__main__":
    main()
