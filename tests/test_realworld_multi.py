"""Many crashes in one log: a host's serial capture or kern.log holds a WARNING, later an
oops, an OOM kill, a reboot, the next boot's panic. Each must come out as the report it
is alone, with the same facts, none lost, merged or split; and the streamed path (the
prefilter the CLI reads a file through) must agree with ``parse_log`` on the whole log.

The parts are real consoles (tests/data/realworld, see its README.md): the recorded
boots of one Debian kernel, each from its boot banner to its crash, are what one machine
rebooting after each crash prints on its serial console, in the order they happened.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from functools import cache
from pathlib import Path

import pytest

from corpus import SYZ, syz_log
from hotfence.triage.extract import is_report_start
from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_blocks, triage_input
from hotfence.triage.reader import ReadLimits, line_blocks
from test_realworld_wrap import _facts as _wrap_facts

DATA = Path(__file__).parent / "data" / "realworld"
# init/version.c linux_banner: "Linux version %s (%s) ..."
_BANNER = re.compile(rb"Linux version (\S+) \(")


def _facts(rep: Report) -> tuple[object, ...]:
    """What a report says of its crash (its context is what came before it: not here):
    test_realworld_wrap's facts, and why it is corrupted, its RIP, guilty file, modules."""
    return (
        *_wrap_facts(rep),
        rep.corrupted_reason,
        rep.rip.function if rep.rip else None,
        rep.guilty_file,
        rep.modules,
    )


@cache
def _log(name: str) -> bytes:
    data = (DATA / f"{name}.log").read_bytes()
    return data if data.endswith(b"\n") else data + b"\n"


@cache
def _alone(name: str) -> tuple[tuple[object, ...], ...]:
    return tuple(_facts(r) for r in parse_log(_log(name)))


def _boots() -> dict[bytes, list[str]]:
    """The recorded logs that start with a boot, by the release their banner names."""
    out: dict[bytes, list[str]] = {}
    for path in sorted(DATA.glob("*.log")):
        m = _BANNER.search(path.read_bytes())
        if m is not None:
            out.setdefault(m.group(1), []).append(path.stem)
    return out


def _hosts() -> list[tuple[str, ...]]:
    """Pairs and triples of one kernel's boots (each log with the next one and the one
    four on, and a triple every fourth log): one host's crashes, not all N^2 orders."""
    out: list[tuple[str, ...]] = []
    for names in _boots().values():
        n = len(names)
        if n < 2:
            continue
        for i in range(n):
            out += {(names[i], names[(i + k) % n]) for k in (1, 4) if (i + k) % n != i}
        out += [tuple(names[i : i + 3]) for i in range(0, n - 2, 4)]
    return out


def _streamed(data: bytes, chunk: int) -> list[Report]:
    blocks = (data[i : i + 4096] for i in range(0, len(data), 4096))
    return triage_blocks(line_blocks(blocks, ReadLimits()), chunk_bytes=chunk)


def _same_streamed(data: bytes, reports: list[Report]) -> None:
    want = [dataclasses.asdict(r) for r in reports]
    for chunk in (32 << 20, 64 << 10):
        assert [dataclasses.asdict(r) for r in _streamed(data, chunk)] == want


def test_the_hosts_are_many() -> None:
    assert len(_boots()) >= 8
    assert len(_hosts()) >= 150


@cache
def _contexts(name: str) -> list[list[str]]:
    return [r.context for r in parse_log(_log(name))]


@pytest.mark.parametrize("names", _hosts(), ids="+".join)
def test_one_hosts_boots_give_each_boots_reports(names: tuple[str, ...]) -> None:
    data = b"".join(_log(n) for n in names)
    reports = parse_log(data)
    assert [_facts(r) for r in reports] == [f for n in names for f in _alone(n)]
    # and each its own boot's context: the events before a reboot caused nothing after it
    assert [r.context for r in reports] == [c for n in names for c in _contexts(n)]
    _same_streamed(data, reports)


@pytest.mark.parametrize(
    "names",
    [
        ("arm64-6.1.0-50-oom", "arm64-6.1.0-50-mod-null"),
        ("riscv64-6.12.117+deb13-oom", "riscv64-6.12.117+deb13-mod-warn"),
        ("i386-6.1.0-50-oom", "i386-6.1.0-50-hung-task", "i386-6.1.0-50-mod-warn"),
    ],
    ids="+".join,
)
def test_an_oom_kill_that_ended_its_boot_is_a_report(names: tuple[str, ...]) -> None:
    # An OOM kill a crash follows is that crash's context; with start_kernel()'s banner
    # between them the machine rebooted, and the kill is what its boot ended with.
    data = b"".join(_log(n) for n in names)
    reports = parse_log(data)
    assert reports[0].type == "OOM-KILL"
    assert [_facts(r) for r in reports] == [f for n in names for f in _alone(n)]
    _same_streamed(data, reports)


@pytest.mark.parametrize("second", ["no-root", "sysrq-crash"])
def test_a_report_ends_at_the_next_boots_banner(second: str) -> None:
    # s390x's kill-init panic prints no end line; the next boot's printk times (its TOD
    # clock's, from 9.9 s) lie just after the panic's (8.2 s), so only its banner says
    # the lines after it are another boot's, and its panic that boot's crash.
    names = ("s390x-6.1.0-50-kill-init", f"s390x-6.1.0-50-{second}")
    data = b"".join(_log(n) for n in names)
    reports = parse_log(data)
    assert [_facts(r) for r in reports] == [f for n in names for f in _alone(n)]
    assert reports[0].end < data.index(b"Linux version", len(_log(names[0])) - 1)
    _same_streamed(data, reports)


# printk's time, "[%5lu.%06lu]" (kernel/printk/printk.c print_time())
_STAMP = re.compile(rb"^\[ *(\d+)\.(\d{6})\]", re.M)


def _later(log: bytes, after: float) -> bytes:
    """``log`` printed from ``after`` seconds on: the same records at later printk times."""
    first = _STAMP.search(log)
    assert first is not None
    shift = after - float(first.group(1) + b"." + first.group(2))

    def stamp(m: re.Match[bytes]) -> bytes:
        return b"[%12.6f]" % (float(m.group(1) + b"." + m.group(2)) + shift)

    return _STAMP.sub(stamp, log)


def _last_time(log: bytes) -> float:
    *_, last = _STAMP.finditer(log)
    return float(last.group(1) + b"." + last.group(2))


def _cut_stamped_cases() -> list[str]:
    """Corpus cases stamped without caller ids whose report the log's end cut before its
    stack trace (syzkaller calls them corrupted: "no stack trace in report")."""
    out = []
    for path in sorted((SYZ / "report").iterdir()):
        log = syz_log(path.name).encode()
        if _STAMP.search(log) is None or re.search(rb"^\[ *\d+\.\d{6}\]\[", log, re.M):
            continue
        reps = parse_log(log)
        if reps and reps[-1].corrupted_reason == "no stack trace in report":
            out.append(path.name)
    # Corpus 82's SLUB report is the only line naming the kernel's taint, "Tainted: G
    # B" ('B': bad page, set by SLUB's error report); corpus 175's oops names none, and
    # after 82 in one boot it is read as tainted 'G    B': right, as kernel/panic.c
    # add_taint() sets tainted_mask bits and nothing clears them until a reboot.
    out.remove("82")
    return out


@pytest.mark.parametrize("case", _cut_stamped_cases())
def test_a_report_cut_by_the_log_stays_cut_when_the_log_goes_on(case: str) -> None:
    # The console lost the rest of the report; ten minutes later the kernel prints
    # another crash (corpus 175's oops), trace and all. An oops is printed in one burst:
    # that trace is the later crash's, not the missing one, and the cut report stays cut.
    first = syz_log(case).encode()
    second = _later(syz_log("175").encode(), _last_time(first) + 600)
    want = [_facts(r) for r in parse_log(first)] + [_facts(r) for r in parse_log(second)]
    reports = parse_log(first + second)
    assert [_facts(r) for r in reports] == want
    _same_streamed(first + second, reports)


def _stamped_panic_cases() -> list[str]:
    """Corpus cases of a panic, stamped without caller ids."""
    out = []
    for path in sorted((SYZ / "report").iterdir()):
        head = path.read_text(encoding="utf-8", errors="replace").partition("\n")[0]
        log = syz_log(path.name).encode()
        if (
            head.startswith(("TITLE: kernel panic", "TITLE: PANIC"))
            and _STAMP.search(log) is not None
            and not re.search(rb"^\[ *\d+\.\d{6}\]\[", log, re.M)
        ):
            out.append(path.name)
    return out


@pytest.mark.parametrize("case", _stamped_panic_cases())
def test_a_panic_long_after_a_whole_report_is_its_own(case: str) -> None:
    # Corpus 184's kernel BUG ends with its "---[ end trace" line; a panic printed right
    # after that line is that BUG's (oops_end()'s "Fatal exception"), but one ten minutes
    # later is another crash, however few lines came between (corpus 97: five lines of
    # KASAN's page dump, then panic_on_warn's panic).
    first = syz_log("184").encode()
    assert first.rstrip().endswith(b"]---")
    second = _later(syz_log(case).encode(), _last_time(first) + 600)
    want = [_facts(r) for r in parse_log(first)] + [_facts(r) for r in parse_log(second)]
    reports = parse_log(first + second)
    assert [_facts(r) for r in reports] == want
    _same_streamed(first + second, reports)


@pytest.mark.parametrize(
    ("before", "booted"),
    [
        ("x86-6.1-kfence-uaf", "i386-6.1.0-50-hung-task"),
        ("x86-6.1-kfence-uaf", "arm64-6.1.0-50-hung-task"),
        ("arm64-6.1-oops", "riscv64-6.12.117+deb13-hung-task"),
    ],
)
def test_a_report_right_after_a_boot_banner_takes_nothing_from_the_last_boot(
    before: str, booted: str
) -> None:
    # A report reads the task, CPU and taint its header lacks from the lines right before
    # it (a hung task names no CPU). Right after a boot banner those are the last boot's:
    # here another crash's "CPU: 3 PID: 1201 Comm: mydrv-test Tainted: ..." line. The
    # booted log is trimmed to its banner and its report, as a kernel booted with quiet
    # (console loglevel 4) prints little more before it.
    lines = _log(booted).splitlines(keepends=True)
    start = next(i for i, ln in enumerate(lines) if b"INFO: task " in ln)
    banner = next(ln for ln in lines if _BANNER.search(ln))
    trimmed = banner[banner.index(b"[") :] + b"".join(lines[start:])
    want = [_facts(r) for r in parse_log(_log(before))] + [_facts(r) for r in parse_log(trimmed)]
    data = _log(before) + trimmed
    reports = parse_log(data)
    assert [_facts(r) for r in reports] == want
    _same_streamed(data, reports)


# printk's time anywhere on the line (an i386 console's banner comes after the video
# BIOS's escape codes)
