"""Policy compile time and look-up cost for 1 / 100 / 10,000 socket rules (printed, never asserted).

    .venv/bin/python benchmarks/fence_compile.py

Figures: wall time of parse+validate+compile of a generated policy, and ns per
CompiledPolicy.decide_create (the Python mirror of the BPF look-up sequence) and per
model.explain_socket walk. The look-up count is fixed by compiled.CREATE_LOOKUP_ORDER,
so decide_create should stay flat as rules grow. "table ms" is the time to paint the
direct-index verdict table (fence/fast_table.py) a swap writes before the flip.
"""

from __future__ import annotations

import random
import time

import yaml

from hotfence.fence import fast_table
from hotfence.fence.compiler import compile_policy
from hotfence.fence.model import Backend, SocketCall, explain_socket
from hotfence.fence.policy import parse_policy


def make_policy(n: int) -> str:
    # n distinct exact rules: (family, type, protocol) over a grid of numbers.
    rules = []
    for i in range(n):
        family, rest = divmod(i, 11 * 600)
        type_, protocol = divmod(rest, 600)
        rules.append(
            {
                "action": "deny" if i % 2 else "audit",
                "socket": {"family": family % 46, "type": type_, "protocol": protocol},
            }
        )
    doc = {
        "apiVersion": "hotfence/v1",
        "kind": "SocketPolicy",
        "metadata": {"name": f"bench-{n}"},
        "spec": {"mode": "enforce", "default": "allow", "rules": rules},
    }
    return yaml.safe_dump(doc)


def main() -> None:
    rng = random.Random(1)
    calls = [
        (
            rng.choice([1, 2, 10, 16, 17]),
            rng.choice([1, 2, 3, 5]),
            rng.choice([0, 1, 6, 17, 58, 255]),
        )
        for _ in range(20000)
    ]
    print(
        f"{'rules':>7} {'compile ms':>11} {'table ms':>9} {'keys':>6} {'decide_create ns':>17} "
        f"{'explain_socket us':>18}"
    )
    for n in (1, 100, 10000):
        text = make_policy(n)
        t0 = time.perf_counter()
        policy = compile_policy(parse_policy(text, f"bench-{n}.yaml"))
        compile_ms = (time.perf_counter() - t0) * 1e3
        t0 = time.perf_counter()
        fast_table.verdicts(policy)
        table_ms = (time.perf_counter() - t0) * 1e3
        t0 = time.perf_counter()
        for f, t, p in calls:
            policy.decide_create(f, t, p, False)
        decide_ns = (time.perf_counter() - t0) / len(calls) * 1e9
        t0 = time.perf_counter()
        for f, t, p in calls[:2000]:
            explain_socket(SocketCall(f, t, p), policy, Backend.CGROUP)
        explain_us = (time.perf_counter() - t0) / 2000 * 1e6
        print(
            f"{n:>7} {compile_ms:>11.1f} {table_ms:>9.1f} {len(policy.create):>6} {decide_ns:>17.0f} {explain_us:>18.1f}"
        )


if __name__ == "__main__":
    main()
