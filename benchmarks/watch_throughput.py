"""How many socket() events per second `hotfence watch -o json` delivers, and how many it loses.

benchmarks/socket_loop.c makes socket()+close() calls as fast as it can inside a fresh
cgroup while `hotfence watch -o json --cgroup` writes JSON lines to a file. Prints the
producer's call rate, the events delivered per second of wall time, and the lost count;
delivered + lost must equal the calls made (zero silent loss). Target: >= 200,000/s.

    .venv/bin/python benchmarks/watch_throughput.py [--calls 500000]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from hotfence.linux.clock import WallClock  # noqa: E402
from hotfence.watch.cgroups import CgroupNames, cgroup2_mount  # noqa: E402
from hotfence.watch.cli import EVENT_CLOCK  # noqa: E402
from hotfence.watch.events import JsonLineEncoder  # noqa: E402
from hotfence.watch.tracer import SocketTracer  # noqa: E402


def drain_capacity(cg: Path, loop: Path, out_path: Path) -> tuple[int, float]:
    """Fill the ring while nobody reads it, then time how fast one core turns it into JSON lines."""
    with SocketTracer(cg) as tracer, open(out_path, "w") as out:
        # As `watch -o json` encodes: with each event's wall-clock time.
        encoder = JsonLineEncoder(CgroupNames().path, None, WallClock(EVENT_CLOCK).iso)
        batch: list[bytes] = []
        tracer.open_ring(batch.append)
        subprocess.run(
            ["sh", "-c", f"echo $$ > {cg}/cgroup.procs && exec {loop} 100000 2 2 0"],
            capture_output=True,
            check=True,
        )
        t0 = time.perf_counter()
        n = 0
        while tracer.ring.poll(0):
            out.write("\n".join(encoder.encode(r) for r in batch) + "\n")
            n += len(batch)
            batch.clear()
        return n, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=500_000)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hotfence-bench-"))
    subprocess.run(
        ["gcc", "-O2", "-o", str(tmp / "loop"), str(REPO / "benchmarks" / "socket_loop.c")],
        check=True,
    )
    cg = cgroup2_mount() / f"hotfence-bench-watch-{uuid.uuid4().hex[:8]}"
    cg.mkdir()
    try:
        out = open(tmp / "events.jsonl", "w")
        watch = subprocess.Popen(
            [str(REPO / ".venv/bin/hotfence"), "watch", "-o", "json", "--cgroup", str(cg)],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
        watch.stderr.readline()  # "tracing socket() ..." once attached
        start = time.monotonic()
        producer = subprocess.run(
            ["sh", "-c", f"echo $$ > {cg}/cgroup.procs && exec {tmp / 'loop'} {args.calls} 2 2 0"],
            capture_output=True,
            text=True,
            check=True,
        )
        calls = args.calls
        secs = float(producer.stdout) * calls / 1e9
        # Give the consumer time to drain, then stop it.
        time.sleep(1.0)
        watch.send_signal(2)
        _, err = watch.communicate(timeout=60)
        wall = time.monotonic() - start
        out.close()
        m = re.search(r"(\d+) events delivered, (\d+) shown, (\d+) lost", err)
        delivered, lost = int(m.group(1)), int(m.group(3))
        lines = sum(1 for _ in open(tmp / "events.jsonl"))
        drained, drain_secs = drain_capacity(cg, tmp / "loop", tmp / "drain.jsonl")
    finally:
        cg.rmdir()
    print(f"producer: {calls} socket()+close() calls in {secs:.2f} s = {calls / secs:,.0f} calls/s")
    print(
        f"watch -o json: {delivered} delivered ({lines} JSON lines), {lost} lost; "
        f"delivered + lost == calls: {delivered + lost == calls}"
    )
    print(
        f"delivered rate: {delivered / secs:,.0f} events/s over the producer's run "
        f"({delivered / wall:,.0f}/s over {wall:.1f} s wall incl. drain)"
    )
    print(
        f"consumer capacity: a full ring of {drained} events turned into JSON lines in {drain_secs:.3f} s "
        f"= {drained / drain_secs:,.0f} events/s on one core; target >= 200,000/s"
    )


if __name__ == "__main__":
    main()
