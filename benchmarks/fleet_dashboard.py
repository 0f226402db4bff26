"""Dashboard latency: p50 / p95 of `hotfence serve` pages with a large fleet in the store.

    .venv/bin/python benchmarks/fleet_dashboard.py [--crashes 100000] [--hosts 1000]
        [--requests 200] [--concurrency 4] [--backends sqlite,postgresql]
        [--pg URL] [--db PATH|URL]

For each backend, fills a store (a temporary SQLite file; a throwaway PostgreSQL server
from tests/pgserver.py, or the empty database --pg names) with --crashes crashes from
--hosts hosts over 90 days, made from the corpus's real reports, starts `hotfence serve` on a loopback port, and measures each page with
ApacheBench (`ab`, apt package apache2-utils): the HTML group list, the JSON group list,
a group drill-down, a report and a host page. --db measures a store already filled.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fleet_ingest import corpus_records

from hotfence.store import CrashStore, HostIdentity

DAY = 86400.0


def fill(db: str, crashes: int, hosts: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    base = corpus_records(1000)
    # A few groups are common and most are rare, as on a real fleet.
    weights = [1.0 / (i + 1) for i in range(len(base))]
    per_host = crashes // hosts
    start = time.time() - 90 * DAY
    t0 = time.perf_counter()
    with CrashStore.open(db) as store:
        for h in range(hosts):
            host = HostIdentity(f"node-{h:04d}", f"machine-{h:04d}", f"6.1.{h % 40}", "Debian 12")
            picks = rng.choices(range(len(base)), weights, k=per_host)
            for b in range(0, per_host, 20):  # one triage run every few days
                batch = [
                    replace(base[i], text=f"{base[i].text}\n#{h}.{b + k}")
                    for k, i in enumerate(picks[b : b + 20])
                ]
                store.add(host, batch, now=start + rng.random() * 90 * DAY)
        n = store.count()
        groups = len(store.groups())
    print(
        f"filled: {n} crashes, {groups} groups, {hosts} hosts in {time.perf_counter() - t0:.0f} s"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ab(url: str, requests: int, concurrency: int) -> tuple[int, int, int]:
    out = subprocess.run(
        ["ab", "-q", "-n", str(requests), "-c", str(concurrency), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pct = dict(re.findall(r"^\s+(\d+)%\s+(\d+)", out, re.M))
    failed = int(re.search(r"Failed requests:\s+(\d+)", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx responses:\s+(\d+)", out)
    assert failed == 0 and non2xx is None, out
    return int(pct["50"]), int(pct["95"]), int(pct["100"])


def measure(db: str, label: str, requests: int, concurrency: int) -> None:
    with CrashStore.open(db, readonly=True) as store:
        top = store.groups(1)[0]
        crash = store.crashes(title=top.title, limit=1)[0]
        total = store.count()
    port = free_port()
    hotfence = str(Path(sys.executable).with_name("hotfence"))
    server = subprocess.Popen([hotfence, "serve", "--db", db, "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urlopen(f"{base}/api/hosts/1", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        pages = {
            "group list (HTML)": "/",
            "group list (JSON)": "/api/groups",
            "group drill-down": f"/group?title={quote(top.title)}",
            "report": f"/crash/{crash.id}",
            "host": f"/host/{crash.host_id}",
        }
        # The server recomputes fleet summaries once per store change: the first load
        # after a new crash pays that, the others are served from them.
        t0 = time.perf_counter()
        urlopen(base + "/", timeout=300).read()
        first = (time.perf_counter() - t0) * 1000
        print(f"\n{label}: {total} crashes; ab -n {requests} -c {concurrency} on loopback; ms")
        print(f"first group list after a store change: {first:.0f} ms")
        print(f"{'page':<20} {'p50':>6} {'p95':>6} {'max':>6}")
        for name, path in pages.items():
            urlopen(base + path, timeout=300).read()  # warm the page cache once
            p50, p95, worst = ab(base + path, requests, concurrency)
            print(f"{name:<20} {p50:>6} {p95:>6} {worst:>6}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--crashes", type=int, default=100_000)
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument(
        "--backends",
        default="sqlite,postgresql",
        help="comma-separated: sqlite (a temporary file), postgresql (a throwaway server "
        "from tests/pgserver.py, or --pg)",
    )
    ap.add_argument("--pg", default=None, help="postgresql:// URL of an empty database to fill")
    ap.add_argument("--db", default=None, help="an already filled store to measure instead")
    args = ap.parse_args()
    if args.db is not None:
        measure(args.db, args.db, args.requests, args.concurrency)
        return
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    for b in backends:
        if b not in ("sqlite", "postgresql"):
            ap.error(f"--backends: unknown backend {b!r} (sqlite, postgresql)")
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        for backend in backends:
            if backend == "sqlite":
                db = f"{tmp}/fleet.sqlite"
            elif args.pg:
                db = args.pg
            else:
                from pgserver import running_pg

                db = stack.enter_context(running_pg()).new_database()
            print(f"{backend}: ", end="", flush=True)
            fill(db, args.crashes, args.hosts)
            measure(db, backend, args.requests, args.concurrency)


if __name__ == "__main__":
    main()
