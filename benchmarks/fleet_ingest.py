"""Crash store ingest: reports per second with concurrent writers, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/fleet_ingest.py [--writers 8] [--reports 2000] [--batch 100]
                                                 [--pg URL | --no-pg]

Each writer is a process playing one host: it opens the store and stores --reports
distinct crash records (real corpus reports with their full JSON) in transactions of
--batch, as that many hosts running `hotfence triage --db` at the same moment would.
Without --pg a throwaway PostgreSQL server is started (tests/pgserver.py).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from corpus import SYZ
from hotfence.store import CrashRecord, CrashStore, HostIdentity
from hotfence.triage.parser import parse_log
from hotfence.triage.tostore import crash_record


def corpus_records(n: int = 200) -> list[CrashRecord]:
    out: list[CrashRecord] = []
    for case in sorted(p for p in (SYZ / "report").iterdir() if p.is_file()):
        text = case.read_text(errors="replace").partition("\n\n")[2]
        out += [crash_record(r, str(case)) for r in parse_log(text)]
        if len(out) >= n:
            break
    return out


def writer(db: str, idx: int, base: list[CrashRecord], reports: int, batch: int, barrier) -> None:
    host = HostIdentity(f"bench-{idx}", f"bench-machine-{idx}", "6.1.0", "Debian 12")
    recs = [
        replace(base[i % len(base)], text=f"{base[i % len(base)].text}\n#{idx}.{i}")
        for i in range(reports)
    ]
    with CrashStore.open(db) as store:
        barrier.wait()
        for i in range(0, reports, batch):
            store.add(host, recs[i : i + batch])


def run(db: str, writers: int, reports: int, batch: int, base: list[CrashRecord]) -> float:
    CrashStore.open(db).close()  # created and migrated before the clock starts
    barrier = mp.Barrier(writers + 1)
    procs = [
        mp.Process(target=writer, args=(db, i, base, reports, batch, barrier))
        for i in range(writers)
    ]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t0
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    with CrashStore.open(db) as store:
        stored = store.count()
    assert stored == writers * reports, (stored, writers * reports)
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--reports", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--pg", default=None, help="postgresql:// URL of an empty database")
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    base = corpus_records()
    total = args.writers * args.reports
    avg = sum(len(r.report_json) for r in base) / len(base)
    print(
        f"{args.writers} writers x {args.reports} reports, {args.batch} per transaction; "
        f"report JSON {avg / 1024:.1f} KiB on average"
    )
    with tempfile.TemporaryDirectory() as tmp:
        t = run(f"{tmp}/bench.sqlite", args.writers, args.reports, args.batch, base)
        print(f"sqlite      {total} reports in {t:6.2f} s: {total / t:8.0f} reports/s")
    if args.no_pg:
        return
    if args.pg:
        t = run(args.pg, args.writers, args.reports, args.batch, base)
    else:
        from pgserver import running_pg

        with running_pg() as server:
            t = run(server.new_database(), args.writers, args.reports, args.batch, base)
    print(f"postgresql  {total} reports in {t:6.2f} s: {total / t:8.0f} reports/s")


if __name__ == "__main__":
    main()
