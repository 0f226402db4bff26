"""The streamed, prefiltered triage gives exactly what one parse of the whole log gives.

hotfence.triage.prefilter parses only the regions around report headers and memory
events, in bounded chunks; these tests parse the same bytes both ways and compare every
field of every report: on each syzkaller corpus log, on the corpus concatenated, and on
the lab logs embedded in long filler (so that segments are cut between them), with
chunk sizes small enough that every cutting path runs.
"""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path

import pytest

from corpus import SYZ
from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import KEEP, PREFIX, REACH, triage_blocks
from hotfence.triage.reader import ReadLimits, line_blocks
from test_realworld_dumpstack import _msr_log
from test_realworld_wrap import _crash_sys

LAB = Path(__file__).parent / "lab"
CORPUS = sorted((SYZ / "report").iterdir())

FILLER = (
    "IPv6: ADDRCONF(NETDEV_CHANGE): veth{n}: link becomes ready",
    "docker0: port {n}(veth{n}) entered forwarding state",
    "usb 1-{n}: new high-speed USB device number {n} using xhci_hcd",
    "systemd[1]: Started session-{n}.scope - Session {n} of User root.",
    "EXT4-fs (sda1): re-mounted. Opts: errors=remount-ro. Quota mode: none.",
)
EVENTS = (
    "stress invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE), order=0",
    "Out of memory: Killed process {n} (stress) total-vm:180896kB, anon-rss:178620kB",
    "Memory cgroup out of memory: Killed process {n} (java) total-vm:1kB",
    "kworker/u4:{n}: page allocation failure: order:4, mode:0x40cc0(GFP_KERNEL|__GFP_COMP)",
)


def _streamed(data: bytes, chunk: int, block: int) -> list[Report]:
    blocks = (data[i : i + block] for i in range(0, len(data), block))
    return triage_blocks(line_blocks(blocks, ReadLimits()), chunk_bytes=chunk)


def _same(data: bytes, chunk: int, block: int) -> None:
    want = [dataclasses.asdict(r) for r in parse_log(data)]
    got = [dataclasses.asdict(r) for r in _streamed(data, chunk, block)]
    assert len(got) == len(want), ([r["title"] for r in got], [r["title"] for r in want])
    for g, w in zip(got, want, strict=True):
        diff = {k: (g[k], w[k]) for k in w if g[k] != w[k]}
        assert not diff, (w["title"], diff)


def _body(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    body = text.partition("\n\n")[2] if text.startswith("TITLE") or "\n\n" in text[:400] else text
    return body if body.endswith("\n") else body + "\n"


def _filler(rng: random.Random, lines: int, t: list[float]) -> str:
    out = []
    for _ in range(lines):
        t[0] += rng.random() * 0.01
        out.append(f"[{t[0]:12.6f}] " + rng.choice(FILLER).format(n=rng.randrange(1, 9999)))
    return "\n".join(out) + "\n" if out else ""


@pytest.mark.parametrize("block", [1 << 20, 1531])
def test_each_corpus_log_streams_to_the_same_reports(block: int) -> None:
    assert len(CORPUS) > 400
    for path in CORPUS:
        _same(path.read_bytes(), 8 << 10, block)


@pytest.mark.parametrize("chunk", [1 << 30, 256 << 10, 48 << 10])
def test_concatenated_corpus_streams_to_the_same_reports(chunk: int) -> None:
    data = "".join(_body(p) for p in CORPUS).encode("utf-8", "surrogateescape")
    assert len(parse_log(data)) > 400
    _same(data, chunk, 65536)


@pytest.mark.parametrize("seed", range(6))
def test_lab_logs_in_filler_stream_to_the_same_reports(seed: int) -> None:
    """Lab logs, corpus logs and lone memory events, apart by more and less than a reach.

    Gaps longer than REACH + PREFIX lines cut segments; events in them are carried as
    the next crash's context, OOM kills no crash follows must stay OOM-KILL reports.
    """
    rng = random.Random(seed)
    lab = sorted(LAB.glob("*.log"))
    assert len(lab) >= 8
    pieces: list[str] = []
    t = [0.0]
    for _ in range(14):
        pieces.append(_filler(rng, rng.choice([0, 40, 900, REACH + PREFIX + 50]), t))
        what = rng.random()
        if what < 0.45:
            pieces.append(_body(rng.choice(lab)))
        elif what < 0.7:
            pieces.append(_body(rng.choice(CORPUS)))
        else:
            t[0] += 0.001
            event = rng.choice(EVENTS).format(n=rng.randrange(100, 999))
            pieces.append(f"[{t[0]:12.6f}] {event}\n")
    if seed % 2:
        pieces.insert(rng.randrange(len(pieces)), "serialport: VM disconnected.\n")
    data = "".join(pieces).encode()
    for chunk in (1 << 30, 200 << 10):
        _same(data, chunk, rng.choice([4096, 1 << 20]))


def test_the_parser_reuses_the_prefilter_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The prefilter hands the parser the lines holding a needle: the parse of a segment
    makes no second pass over its bytes, and its reports are the same."""
    import hotfence.triage.scan as scan

    data = "".join(_body(p) for p in CORPUS[:80]).encode("utf-8", "surrogateescape")
    want = [dataclasses.asdict(r) for r in parse_log(data)]
    assert len(want) > 40

    class NoSecondPass:
        def find_matches_as_indexes(self, _text: object) -> list[tuple[int, int, int]]:
            raise AssertionError("the parser scanned a segment's bytes again")

    monkeypatch.setattr(scan, "_MATCHER_BYTES", NoSecondPass())
    monkeypatch.setattr(scan, "_MATCHER_STR", NoSecondPass())
    for chunk in (1 << 30, 48 << 10):
        got = [dataclasses.asdict(r) for r in _streamed(data, chunk, 65536)]
        assert got == want


def test_a_log_with_no_report_is_never_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    import hotfence.triage.prefilter as prefilter

    calls: list[int] = []
    monkeypatch.setattr(prefilter, "parse_log", lambda text: calls.append(len(text)) or [])
    data = _filler(random.Random(1), 20000, [0.0]).encode()
    assert _streamed(data, 1 << 20, 1 << 16) == [] and calls == []


def _event(t: list[float], text: str) -> str:
    t[0] += 0.5
    return f"[{t[0]:12.6f}] {text}\n"


def _later(body: str, seconds: float) -> str:
    """``body`` printed ``seconds`` later: a second crash of the same shape. (The same
    stamped lines again are the same kernel records printed again: parser.record_key.)"""
    return re.sub(
        r"(?m)^\[ *(\d+\.\d+)\]", lambda m: f"[{float(m.group(1)) + seconds:12.6f}]", body
    )


@pytest.mark.parametrize(
    "case",
    [
        "crash-event-crash",
        "crash-events-tail",
        "events-only",
        "oom",
        "long-dump",
        "short-dump",
        "short-dump-untasked",
        "many-events",
        "many-events-oom",
        "flood",
        "kinds-recur",
        "numbered-flood-oom",
    ],
)
def test_memory_events_carried_across_cuts(case: str) -> None:
    """Events far from any crash are the next crash's context, or OOM-KILL reports."""
    rng = random.Random(3)
    t = [0.0]
    gap = REACH + KEEP + 50
    crash = _body(LAB / "null-deref.log")
    kill, memcg, alloc = (EVENTS[1].format(n=5), EVENTS[2].format(n=7), EVENTS[3].format(n=2))
    many = [_event(t, alloc.replace("order:4", f"order:{i}")) for i in range(40)]
    # the same failure of 40 different programs: 40 kinds of event
    kinds = [
        _event(t, alloc.replace("kworker/u4:2", f"worker-{chr(97 + i // 26)}{chr(97 + i % 26)}"))
        for i in range(40)
    ]
    # the same crash again in the same boot: without the boot banner, which would part
    # the events from it (an OOM kill that ended its boot is a report of its own, and
    # the last boot's events are no context: parser._boot_tail_ooms, _events_between)
    unbooted = "".join(ln for ln in crash.splitlines(keepends=True) if "Linux version " not in ln)
    pieces = {
        "crash-event-crash": [crash, _filler(rng, gap, t), _event(t, kill), _event(t, alloc)]
        + [_filler(rng, gap, t), _later(unbooted, 1000)],
        "crash-events-tail": [crash, _filler(rng, gap, t), _event(t, EVENTS[0]), _event(t, kill)]
        + [_filler(rng, gap, t), _event(t, alloc), _filler(rng, gap, t), _event(t, memcg)],
        "events-only": [_event(t, kill), _filler(rng, gap, t), _event(t, alloc)]
        + [_filler(rng, gap, t), _event(t, memcg)],
        "oom": [_body(LAB / "oom.log"), _filler(rng, gap, t), crash, _filler(rng, gap, t)]
        + [_later(_body(LAB / "oom.log"), 1000)],
        # an oom-killer dump (task list) longer than a cut between its first and last line
        "long-dump": [crash, _filler(rng, gap, t), _event(t, EVENTS[0]), _filler(rng, gap, t)]
        + [_event(t, kill), _filler(rng, 10, t)],
        "short-dump": [crash, _filler(rng, gap, t), _event(t, EVENTS[0]), _filler(rng, 1500, t)]
        + [_event(t, kill), _filler(rng, gap, t), _event(t, memcg)],
        # 2.6.9-2.6.1x's dump opened without the task: "oom-killer: gfp_mask=0x%x, order=%d"
        "short-dump-untasked": [crash, _filler(rng, gap, t)]
        + [_event(t, "oom-killer: gfp_mask=0x201d2, order=0"), _filler(rng, 1500, t)]
        + [_event(t, kill), _filler(rng, gap, t), _event(t, memcg)],
        # more events than a report shows: the ones right before it are its context
        "many-events": [crash, _filler(rng, gap, t), *many, _filler(rng, gap, t)]
        + [_later(unbooted, 1000)],
        "many-events-oom": [crash, _filler(rng, gap, t), *many, _filler(rng, gap, t)]
        + [_event(t, EVENTS[0]), _event(t, alloc), _filler(rng, 1500, t), _event(t, kill)],
        # one warning printed again and again after the others, program lines among them
        "flood": [crash, _filler(rng, gap, t), *many[:25], _event(t, EVENTS[2].format(n=9))]
        + [_event(t, alloc) for _ in range(30)]
        + [alloc + "\n", *many[25:], _filler(rng, gap, t), _later(unbooted, 1000)],
        # more kinds of event than a report shows, cut apart, and old kinds printed again
        # after the cuts: shown from their first printing, with every printing counted
        "kinds-recur": [crash, _filler(rng, gap, t), *kinds[:30], _filler(rng, gap, t)]
        + [*kinds[30:], _filler(rng, gap, t), kinds[3], kinds[0], *many[:5]]
        + [_filler(rng, gap, t), *many[5:], _later(unbooted, 1000)],
        # one kind before and after the dump of a kill whose first line is cut from it
        "numbered-flood-oom": [crash, _filler(rng, gap, t), *many[:20], _event(t, EVENTS[0])]
        + [*many[20:], _filler(rng, 1500, t), _event(t, kill), _filler(rng, gap, t)]
        + [*many[:3], _filler(rng, gap, t), _later(unbooted, 1000)],
    }[case]
    data = "".join(pieces).encode()
    reports = parse_log(data)
    if case == "many-events":  # lines that differ only in numbers: one entry, from the first
        first = many[0].split("] ", 1)[1].strip()
        assert reports[1].context[-1].startswith(f"{first} (40 times, [")
    if case == "kinds-recur":
        assert len(reports[1].context) == 20 and "(2 times, [" in reports[1].context[0]
    assert reports and (case != "crash-event-crash" or len(reports[1].context) == 2)
    for chunk in (1 << 30, 100 << 10):
        _same(data, chunk, 4096)


def test_boot_banner_far_before_a_crash_still_names_its_release() -> None:
    """A report that names no release takes the last boot banner's, however far back."""
    rng = random.Random(5)
    t = [0.0]
    lines = _body(LAB / "null-deref.log").splitlines(keepends=True)
    banner = next(ln for ln in lines if "Linux version " in ln)
    crash = "".join(ln for ln in lines if "Linux version " not in ln and "CPU: 0 PID:" not in ln)
    gap = REACH + KEEP + 50
    later = _later(crash, 1000)
    data = "".join([banner, _filler(rng, gap, t), crash, _filler(rng, gap, t), later]).encode()
    reports = parse_log(data)
    assert [r.kernel_release for r in reports] == ["6.1.0-56-amd64"] * 2
    for chunk in (1 << 30, 100 << 10):
        _same(data, chunk, 4096)


def test_the_parser_finds_banner_and_hangup_on_the_needle_lines() -> None:
    """The parser looks for the boot banner and the console-hangup marker only on the
    needle lines the prefilter hands it: a banner and a hangup line amid one segment's
    filler still name the release and mark the report."""
    rng = random.Random(7)
    t = [0.0]
    lines = _body(LAB / "null-deref.log").splitlines(keepends=True)
    banner = next(ln for ln in lines if "Linux version " in ln)
    crash = "".join(ln for ln in lines if "Linux version " not in ln and "CPU: 0 PID:" not in ln)
    hangup = "serialport: VM disconnected.\n"
    data = "".join(
        [_filler(rng, 30, t), banner, _filler(rng, 30, t), crash, _filler(rng, 30, t), hangup]
    ).encode()
    for got in (parse_log(data), _streamed(data, 1 << 30, 4096)):
        assert [r.kernel_release for r in got] == ["6.1.0-56-amd64"]
        assert got[0].corrupted and "console connection lost" in (got[0].corrupted_reason or "")
    _same(data, 1 << 30, 4096)


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_crash_sys_quote_far_from_its_log_streams_to_the_same_reports(where: str) -> None:
    # crash's "sys" PANIC field quotes the log's panic: with the log's records between
    # them (a whole vmcore-dmesg.txt), the quote and the report are in other segments.
    # (the hung task's report holds the panic line: no report starts at the line quoted)
    console = (LAB / "hung-task.log").read_text()
    quote = _crash_sys(console, "Kernel panic - not syncing: hung_task: blocked tasks", "crash 8.x")
    filler = _filler(random.Random(7), 20000, [0.0])
    text = quote + filler + console if where == "before" else console + filler + quote
    data = text.encode()
    assert len(parse_log(data)) == 1
    _same(data, 8 << 10, 1531)


@pytest.mark.parametrize(
    "case",
    ["msr-crash", "msr-tail", "msr-reboot-crash", "two-msrs-crash", "msr-kill-tail", "kill-msr"]
    + ["msr-kill-crash", "msr-msr-crash"],
)
def test_a_minor_report_far_before_a_crash_streams_to_the_same_reports(case: str) -> None:
    """An unchecked MSR access error (oopses.MINOR_TITLES) that a crash follows in its
    boot is that crash's context however far apart the two are (parser.
    _minor_as_context): when the prefilter parses them apart, the minor one waits for the
    next crash (or a reboot, or the log's end, when it is a report), as an OOM kill does."""
    rng = random.Random(7)
    t = [0.0]
    gap = REACH + KEEP + 50
    msr = _msr_log("native_write_msr+0x4/0x20")
    msr = msr[msr.index("[    6.402341] unchecked MSR") :]
    crash = _body(LAB / "null-deref.log")
    unbooted = "".join(ln for ln in crash.splitlines(keepends=True) if "Linux version " not in ln)
    kill = EVENTS[1].format(n=5)
    pieces = {
        "msr-crash": [msr, _filler(rng, gap, t), _later(unbooted, 1000)],
        "msr-tail": [crash, _filler(rng, gap, t), _later(msr, 1000), _filler(rng, gap, t)],
        # a reboot between them: the error is its boot's report
        "msr-reboot-crash": [msr, _filler(rng, gap, t), _later(crash, 1000)],
        # two apart, the crash close after the second: both its context, in log order
        "two-msrs-crash": [msr, _filler(rng, gap, t), _later(msr, 500)]
        + [_filler(rng, 10, t), _later(unbooted, 1000)],
        "msr-msr-crash": [msr, _filler(rng, gap, t), _later(msr, 500), _filler(rng, gap, t)]
        + [_later(unbooted, 1000)],
        "msr-kill-tail": [msr, _filler(rng, gap, t), _event(t, kill), _filler(rng, gap, t)],
        "kill-msr": [_event(t, kill), _filler(rng, gap, t), _later(msr, 1000)]
        + [_filler(rng, gap, t)],
        "msr-kill-crash": [msr, _filler(rng, gap, t), _event(t, kill), _filler(rng, gap, t)]
        + [_later(unbooted, 1000)],
    }[case]
    data = "".join(pieces).encode()
    reports = parse_log(data)
    if case in ("msr-crash", "two-msrs-crash", "msr-kill-crash", "msr-msr-crash"):
        assert [r.title for r in reports] == [
            "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_null_deref"
        ]
        assert reports[0].context[-1].startswith("unchecked MSR access error: WRMSR")
    for chunk in (1 << 30, 100 << 10):
        _same(data, chunk, 4096)
