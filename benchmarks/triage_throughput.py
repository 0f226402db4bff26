"""Throughput of `hotfence triage` over one large log, on one core and on all, against `grep -c`.

Builds a log of ``--size`` MB (default 50) in a temporary directory: the crash logs of
the syzkaller corpus (headers stripped) interleaved with ordinary dmesg lines so that
about ``--filler`` (default 95 %) of the bytes are not crashes, as in a real
`kern.log`. Each pass over the corpus after the first has its printk times moved on, so
that every crash is a crash of its own (the same time and text again is a reprint). Then times, in the same run:

* ``grep -c BUG`` over the file (the reference: one C pass over the bytes), on one core;
* the CLI end to end (``hotfence triage -o json --no-store``, a new process: read,
  scan, parse the candidate regions, disassemble, render), with its peak RSS, twice:
  pinned to one core (so one parsing process: the figure the issue's target is stated
  for) and on every core this benchmark may use (the CLI's default: one parsing process
  per CPU, hotfence.triage.pool);
* the in-process stages, on one core: streamed scan + parse, disassembly, JSON rendering.

Prints MB/s, the ratio of the CLI's speed to grep's (issue 11 asks for >= 0.20) and the
CLI's absolute MB/s against the issue's 250 MB/s, for both runs. Peak RSS is the largest
process's (the CLI or one of its workers). Nothing is asserted: this is a figure to
watch, not a test.

``--save-json`` / ``--check-json`` keep the CLI's JSON of the generated log (the same
``--size``, ``--filler`` and seed give the same log) and compare later runs' with it (the
all-cores run's too): a speed change must not change one byte of the output.

    .venv/bin/python benchmarks/triage_throughput.py [--size 50] [--filler 0.95]
        [--save-json before.json | --check-json before.json]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from corpus import SYZ
from hotfence.triage.analyze import enrich
from hotfence.triage.model import FileResult
from hotfence.triage.prefilter import triage_input
from hotfence.triage.render import write_json
from hotfence.triage.spill import ReportSpill

TARGET_RATIO = 0.20
TARGET_MBPS = 250.0  # issue 11's "about 250 MB/s here"
CORPUS = SYZ / "report"

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
    for path in sorted(CORPUS.iterdir()):
        with open(path, encoding="utf-8", errors="replace") as fh:
            _headers, _, body = fh.read().partition("\n\n")
        if body.strip():
            logs.append(body if body.endswith("\n") else body + "\n")
    return logs


_STAMP_RE = re.compile(r"\[ *(\d+\.\d{6})\]")


def _later(text: str, seconds: float) -> str:
    """``text`` with every printk time ``seconds`` later, in printk's own format."""
    return _STAMP_RE.sub(lambda m: f"[{float(m.group(1)) + seconds:12.6f}]", text)


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
            if i >= len(logs):
                # The corpus again: move its printk times on, or the parser reads each
                # repeat as the same crash printed again (one report).
                crash = _later(crash, 100000.0 * (i // len(logs)))
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


class _Count:
    """A text sink that only counts what is written (the document is not kept)."""

    chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def _installed_env(tmp: str) -> dict[str, str]:
    """The CLI's environment as on an installed copy: pip compiles every module to
    bytecode at install, so a run does not compile them again. This repo's src/ has no
    bytecode, and PYTHONDONTWRITEBYTECODE (set on some machines) would make every run
    compile ~35 modules (~0.4 s here); the runs keep their bytecode in ``tmp`` instead,
    written by a first, untimed run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pycache")
    return env


def _timed(
    argv: list[str], env: dict[str, str] | None = None
) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, check=False, env=env)
    return time.perf_counter() - t0, proc


class _Cli:
    """One timed CLI run: wall and CPU seconds, its largest process's RSS, the SHA-256 of
    its output (the output itself is only written to ``save``: a 2 GB log's JSON is
    300 MB, and held here it would be counted in the next run's RSS, see below)."""

    def __init__(
        self, hotfence: str, cwd: str, cpus: set[int] | None, save: str | None = None
    ) -> None:
        # Run in the log's directory: the JSON names the file as given, and a relative
        # name keeps the output of two runs comparable (--check-json).
        argv = [hotfence, "triage", "-o", "json", "--no-store", "kern.log"]
        if cpus is not None:
            # taskset, not a preexec_fn: with one, subprocess forks this process before the
            # exec, and Linux counts the fork's RSS in the run's ru_maxrss.
            argv = ["taskset", "-c", ",".join(map(str, sorted(cpus))), *argv]
        digest = hashlib.sha256()
        with tempfile.TemporaryFile() as err, open(save or os.devnull, "wb") as out:
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=err, cwd=cwd, env=_installed_env(cwd)
            )
            assert proc.stdout is not None
            while piece := proc.stdout.read(1 << 20):
                digest.update(piece)
                out.write(piece)
            # wait4: this run's own usage (its workers' included), not every child's so far.
            _pid, status, usage = os.wait4(proc.pid, 0)
            self.wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            proc.stdout.close()
            if proc.returncode != 0:
                err.seek(0)
                raise SystemExit(f"hotfence triage failed: {err.read().decode(errors='replace')}")
        self.digest = digest.hexdigest()
        self.rss_mb = usage.ru_maxrss / 1024
        # CPU seconds of the CLI: on a shared machine wall time also counts waiting.
        self.cpu = usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=float, default=50.0, help="log size in MB (default 50)")
    ap.add_argument(
        "--filler", type=float, default=0.95, help="share of non-crash bytes (default 0.95)"
    )
    ap.add_argument(
        "--cpu", type=int, default=None, help="pin to this CPU (default: the first allowed)"
    )
    ap.add_argument("--keep", metavar="PATH", help="also copy the generated log here")
    ap.add_argument("--save-json", metavar="PATH", help="write the CLI's JSON output here")
    ap.add_argument(
        "--check-json",
        metavar="PATH",
        help="compare the CLI's JSON output with this earlier --save-json (exit 1 if it differs)",
    )
    args = ap.parse_args()

    allowed = sorted(os.sched_getaffinity(0))
    cpu = args.cpu if args.cpu is not None else allowed[0]
    os.sched_setaffinity(0, {cpu})  # one core, as the target is stated (children inherit)
    hotfence = shutil.which("hotfence") or str(Path(sys.executable).with_name("hotfence"))

    with tempfile.TemporaryDirectory(prefix="hotfence-bench-") as tmp:
        path = os.path.join(tmp, "kern.log")
        t0 = time.perf_counter()
        size = build_log(path, args.size, args.filler)
        if args.keep:
            shutil.copyfile(path, args.keep)
        print(
            f"built {size / 1e6:.1f} MB log ({args.filler:.0%} filler) in {time.perf_counter() - t0:.1f} s"
        )
        mb = size / 1e6

        t_grep, grep = _timed(["grep", "-c", "BUG", path])
        # Untimed: compiles the modules a triage run imports (see _installed_env).
        one_line = os.path.join(tmp, "one.log")
        Path(one_line).write_text("[    0.000000] Linux version 6.1.0 (gcc)\n")
        _timed([hotfence, "triage", "-o", "json", "--no-store", one_line], _installed_env(tmp))
        # Start-up alone (interpreter, imports, option parsing): best of three.
        t_start = min(
            _timed([hotfence, "triage", "--help"], _installed_env(tmp))[0] for _ in range(3)
        )
        one = _Cli(hotfence, tmp, None, args.save_json)  # pinned to `cpu`, as this process is
        every = _Cli(hotfence, tmp, set(allowed))
        reference = one.digest
        if args.check_json:
            reference = hashlib.sha256(Path(args.check_json).read_bytes()).hexdigest()
        same = {"one core": one.digest == reference, "all cores": every.digest == reference}

        t0 = time.perf_counter()
        got = triage_input(path)
        t_parse = time.perf_counter() - t0
        t0 = time.perf_counter()
        # As the CLI does: enriched reports go to a new spill (decoded ones are copies).
        reports = ReportSpill(enrich(rep) for rep in got.reports)
        t_enrich = time.perf_counter() - t0
        t0 = time.perf_counter()
        sink = _Count()
        write_json([FileResult(path, reports)], sink)
        t_render = time.perf_counter() - t0
        disassembled = sum(r.code is not None for r in reports)

    print(
        f"reports found: {len(reports)}, with disassembly: {disassembled}, "
        f"JSON: {sink.chars / 1e6:.1f} MB; grep -c BUG: {grep.stdout.decode().strip()} lines"
    )
    for name, secs in (
        ("scan+parse", t_parse),
        ("enrich", t_enrich),
        ("render json", t_render),
    ):
        print(f"  {name:<12} {secs:7.2f} s  {mb / secs if secs else float('inf'):8.1f} MB/s")
    print(f"grep -c: {t_grep:.2f} s, {mb / t_grep:.1f} MB/s")
    print(f"hotfence triage --help (start-up, best of 3): {t_start:.2f} s")
    for label, run, where in (
        ("one core", one, f"CPU {cpu}"),
        ("all cores", every, f"{len(allowed)} CPUs"),
    ):
        ratio = (mb / run.wall) / (mb / t_grep)
        verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
        print(
            f"hotfence triage (CLI, end to end, {label}): {run.wall:.2f} s "
            f"({run.cpu:.2f} s CPU), {mb / run.wall:.1f} MB/s, peak RSS {run.rss_mb:.0f} MB "
            f"on {where}"
        )
        print(
            f"  ratio to grep -c: {ratio:.3f} (target >= {TARGET_RATIO:.2f}: {verdict}); "
            f"{mb / run.cpu:.1f} MB/s per CPU second "
            f"(issue's figure: {TARGET_MBPS:.0f} MB/s end to end)"
        )
    print(f"in process: {mb / t_parse:.1f} MB/s scan+parse on one core")
    against = args.check_json or "each other"
    for label, ok in same.items():
        print(f"JSON output ({label}) {'identical to' if ok else 'DIFFERS from'} {against}")
    if not all(same.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
