"""Throughput of `hotfence triage` over one large log, on one core.

Builds a log of ``--size`` MB (default 200) in a temporary directory: the crash logs of
the syzkaller corpus (headers stripped) interleaved with ordinary dmesg lines so that
about ``--filler`` (default 95 %) of the bytes are not crashes, as in a real
`kern.log`. Then times the full path the CLI takes: read + decompress check, parse every
report, disassemble every `Code:` line, and render the JSON document.

Prints MB/s for the whole path and for its stages; the target is >= 50 MB/s. Nothing is
asserted: this is a figure to watch, not a test.

    .venv/bin/python benchmarks/triage_throughput.py [--size 200] [--filler 0.95]
"""

from __future__ import annotations

import argparse
import glob
import io
import os
import random
import tempfile
import time
from pathlib import Path

from hotfence.triage.analyze import enrich
from hotfence.triage.model import FileResult
from hotfence.triage.parser import parse_log
from hotfence.triage.reader import read_inputs
from hotfence.triage.render import to_json

TARGET_MBPS = 50.0
CORPUS = str(
    Path(__file__).resolve().parents[2] / "shared" / "corpus" / "syzkaller-linux" / "report"
)

FILLER = [
    'audit: type=1400 audit({t}:{n}): apparmor="STATUS" operation="profile_load" profile="unconfined" name="docker-default" pid={n} comm="apparmor_parser"',
    "IPv6: ADDRCONF(NETDEV_CHANGE): veth{n}: link becomes ready",
    "docker0: port {n}(veth{n}) entered forwarding state",
    "EXT4-fs (sda1): re-mounted. Opts: errors=remount-ro. Quota mode: none.",
    "usb 1-{n}: new high-speed USB device number {n} using xhci_hcd",
    "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
    "systemd[1]: Started session-{n}.scope - Session {n} of User root.",
    "nf_conntrack: default automatic helper assignment has been turned off for security reasons",
    "TCP: request_sock_TCP: Possible SYN flooding on port {n}. Sending cookies.",
    "perf: interrupt took too long ({n} > {n}), lowering kernel.perf_event_max_sample_rate to {n}",
]


def corpus_logs() -> list[str]:
    logs = []
    for path in sorted(glob.glob(os.path.join(CORPUS, "*"))):
        with open(path, encoding="utf-8", errors="replace") as fh:
            _headers, _, body = fh.read().partition("\n\n")
        if body.strip():
            logs.append(body if body.endswith("\n") else body + "\n")
    return logs


def build_log(path: str, size_mb: float, filler_ratio: float, seed: int = 1) -> int:
    rng = random.Random(seed)
    logs = corpus_logs()
    target = int(size_mb * 1024 * 1024)
    written = 0
    t = 0.0
    with open(path, "w", encoding="utf-8") as out:
        i = 0
        while written < target:
            crash = logs[i % len(logs)]
            i += 1
            # filler before each crash, sized so filler makes up filler_ratio of bytes
            want = int(len(crash) * filler_ratio / (1 - filler_ratio))
            buf = io.StringIO()
            n = 0
            while n < want:
                t += rng.random() * 0.5
                line = (
                    f"[{t:12.6f}] "
                    + rng.choice(FILLER).format(t=int(t), n=rng.randrange(1, 99999))
                    + "\n"
                )
                buf.write(line)
                n += len(line)
            chunk = buf.getvalue() + crash
            out.write(chunk)
            written += len(chunk.encode("utf-8"))
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=float, default=200.0, help="log size in MB (default 200)")
    ap.add_argument(
        "--filler", type=float, default=0.95, help="share of non-crash bytes (default 0.95)"
    )
    ap.add_argument(
        "--cpu", type=int, default=None, help="pin to this CPU (default: the first allowed)"
    )
    args = ap.parse_args()

    allowed = sorted(os.sched_getaffinity(0))
    cpu = args.cpu if args.cpu is not None else allowed[0]
    os.sched_setaffinity(0, {cpu})  # one core, as the target is stated

    with tempfile.TemporaryDirectory(prefix="hotfence-bench-") as tmp:
        path = os.path.join(tmp, "kern.log")
        t0 = time.perf_counter()
        size = build_log(path, args.size, args.filler)
        print(
            f"built {size / 1e6:.1f} MB log ({args.filler:.0%} filler) in {time.perf_counter() - t0:.1f} s"
        )

        t0 = time.perf_counter()
        (item,) = list(read_inputs([path]))
        assert not isinstance(item, Exception), item
        t_read = time.perf_counter() - t0

        t0 = time.perf_counter()
        reports = parse_log(item.data)
        t_parse = time.perf_counter() - t0

        t0 = time.perf_counter()
        for rep in reports:
            enrich(rep)
        t_enrich = time.perf_counter() - t0

        t0 = time.perf_counter()
        doc = to_json([FileResult(path, reports)])
        t_render = time.perf_counter() - t0

    mb = size / 1e6
    total = t_read + t_parse + t_enrich + t_render
    print(
        f"reports found: {len(reports)}, with disassembly: {sum(r.code is not None for r in reports)}, "
        f"JSON: {len(doc) / 1e6:.1f} MB"
    )
    for name, secs in (
        ("read", t_read),
        ("parse", t_parse),
        ("disassemble", t_enrich),
        ("render json", t_render),
    ):
        print(f"  {name:<12} {secs:7.2f} s  {mb / secs if secs else float('inf'):8.1f} MB/s")
    verdict = "meets" if mb / total >= TARGET_MBPS else "BELOW"
    print(
        f"triage throughput: {mb / total:.1f} MB/s on CPU {cpu} "
        f"(target >= {TARGET_MBPS:.0f} MB/s: {verdict})"
    )


if __name__ == "__main__":
    main()
