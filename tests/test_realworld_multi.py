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
_PRINTK_TIME = re.compile(rb"\[ *(\d+)\.\d{6}\] ")


def _kern_log(console: bytes, booted: int, with_time: bool) -> bytes:
    """A console's kernel records as rsyslog writes them to kern.log (its default
    RSYSLOG_TraditionalFileFormat, "%TIMESTAMP% %HOSTNAME% %syslogtag%%msg%"), the
    machine booted at ``booted`` (Unix time), each record's printk time kept in the text
    (Ubuntu's kern.log) or not (``printk.time=0``). Lines without a printk time are the
    firmware's: no kernel records."""
    out = []
    for line in console.splitlines():
        m = _PRINTK_TIME.search(line)
        if m is None:
            continue
        stamp = time.strftime("%b %e %H:%M:%S", time.gmtime(booted + int(m.group(1))))
        text = line[m.start() :] if with_time else line[m.end() :]
        out.append(stamp.encode() + b" web01 kernel: " + text + b"\n")
    return b"".join(out)


@pytest.mark.parametrize("names", _hosts(), ids="+".join)
def test_one_hosts_kern_log_gives_each_boots_reports(names: tuple[str, ...]) -> None:
    # the same boots a day apart, as the host's kern.log keeps them
    for with_time in (True, False):
        parts = [
            _kern_log(_log(n), 1_700_000_000 + 86_400 * i, with_time) for i, n in enumerate(names)
        ]
        want = [_facts(r) for part in parts for r in parse_log(part)]
        assert want
        assert [_facts(r) for r in parse_log(b"".join(parts))] == want


# printk's prefix with CONFIG_PRINTK_CALLER (kernel/printk/printk.c info_print_prefix():
# print_time()'s "[%5lu.%06lu]", then print_caller()'s "[%6s]" of "T%u", the task's pid):
# start_kernel() prints the banner as the boot task, pid 0.
_CALLER_ID = re.compile(rb"^\[ *\d+\.\d{6}\]\[ *[TC]\d+\]", re.M)


def _caller_id_banner() -> bytes:
    """A recorded Debian boot's banner (tests/data/realworld) as a kernel built with
    CONFIG_PRINTK_CALLER prints it."""
    line = next(ln for ln in _log("arm64-6.1.0-50-oom").splitlines() if _BANNER.search(ln))
    return b"[    0.000000][    T0] " + line[line.index(b"Linux version") :] + b"\n"


def _caller_id_panics() -> list[str]:
    """Corpus cases with caller ids whose first report starts with a line that would go
    on a report before it (a panic, arm64's "Internal error:" of die()): read on, from a
    report of the last boot, as that report's panic."""
    out = []
    for path in sorted((SYZ / "report").iterdir()):
        log = syz_log(path.name)
        if _CALLER_ID.search(log.encode()) is None:
            continue
        reps = parse_log(log)
        if reps and not is_report_start(log[reps[0].start : log.find("\n", reps[0].start)]):
            out.append(path.name)
    return out


@pytest.mark.parametrize("second", _caller_id_panics())
@pytest.mark.parametrize("first", ["40", "376", "500", "350"])
def test_a_crash_after_a_reboot_is_its_own_whatever_its_prefix(first: str, second: str) -> None:
    # One host, a crash in each boot. The first boot's report (corpus 40: stamped, no
    # caller ids; 376's KASAN and 500's WARNING: a task's caller id; 350's soft lockup:
    # a CPU's, then the console's unprefixed copy of it) is read on past its end, to
    # find its panic; the next boot's kernel, built with CONFIG_PRINTK_CALLER (or its
    # banner alone, "T0"), prints other prefixes, and its panic is its own crash.
    a = syz_log(first).encode()
    b = _caller_id_banner() + syz_log(second).encode()
    want = [_facts(r) for r in parse_log(a)] + [_facts(r) for r in parse_log(b)]
    reports = parse_log(a + b)
    assert [_facts(r) for r in reports] == want
    _same_streamed(a + b, reports)


@pytest.mark.parametrize("shift", ["restarted", "later"])
@pytest.mark.parametrize("second", _caller_id_panics())
@pytest.mark.parametrize("first", ["40", "376", "500"])
def test_a_panic_of_another_context_out_of_a_crashs_time_is_its_own(
    first: str, second: str, shift: str
) -> None:
    # No banner between them this time: a kernel booted with "quiet" (console loglevel
    # 4) does not print it to the console (init/main.c start_kernel(): pr_notice()). Its
    # panic, of another caller id than the report before it, is that report's panic
    # only if printk's one clock says so: printed from 1 s on, the clock started again
    # (another boot); ten minutes after the report's last line, a later crash.
    a = syz_log(first).encode()
    b = syz_log(second).encode()
    b = _later(b, 1.0 if shift == "restarted" else _last_time(a) + 600)
    want = [_facts(r) for r in parse_log(a)] + [_facts(r) for r in parse_log(b)]
    reports = parse_log(a + b)
    assert [_facts(r) for r in reports] == want
    _same_streamed(a + b, reports)


def test_a_panic_on_warn_panic_printed_after_another_cpus_report_is_the_warnings() -> None:
    # Corpus 346: task T1194's WARNING, then T1234's RCU stall report (stamped 3481 s),
    # then T1194's panic_on_warn panic 1 ms after its WARNING. Against the stall report's
    # clock the panic's time went back, but its own stream (T1194) goes on from before
    # that report began: it is the WARNING's panic, not another boot's crash.
    log = syz_log("346")
    reports = parse_log(log)
    assert [r.title for r in reports] == [
        "WARNING in xfrm_state_fini",
        "INFO: rcu detected stall in smp_call_function",
    ]
    assert "Kernel panic - not syncing: panic_on_warn set" in reports[0].text
    _same_streamed(log.encode(), reports)


def _stamped_cases() -> list[str]:
    """Corpus cases stamped without caller ids whose reports hold no reboot, nor the GCE
    console's hangup marker (which calls every report of its log corrupted)."""
    out = []
    for path in sorted((SYZ / "report").iterdir()):
        log = syz_log(path.name)
        if (
            _STAMP.search(log.encode()) is None
            or _CALLER_ID.search(log.encode()) is not None
            or "serialport: VM disconnected." in log
        ):
            continue
        # (325 ends with its reboot's "Booting the kernel."; 317 opens with a line of the
        # kernel before its own reboot, "[  500.720639] EFER = ...", then read as printed
        # by 325's after it: right for the text so composed)
        if all(r.type != "REBOOT" for r in parse_log(log)):
            out.append(path.name)
    return out


def _reboots() -> list[str]:
    """Corpus cases of an unexpected reboot (the x86 decompressor's "Booting the kernel."
    after a run: arch/x86/boot/compressed/misc.c)."""
    return [
        path.name
        for path in sorted((SYZ / "report").iterdir())
        if path.read_text(encoding="utf-8", errors="replace").startswith(
            "TITLE: unexpected kernel reboot\n"
        )
    ]


@pytest.mark.parametrize("second", _reboots())
def test_a_reboot_after_a_report_is_its_own(second: str) -> None:
    # A report's window reads on for its panic; an unprefixed line amid prefixed ones is
    # a program's on the console when the report's lines go on after it (interjected).
    # After "Booting the kernel." the prefixed lines that follow are the next boot's,
    # from its banner on: the line is the kernel's (the decompressor writes it bare,
    # before printk runs), the reboot of the kernel before, and a report of its own.
    b = syz_log(second).encode()
    for i, first in enumerate(_stamped_cases()):
        a = syz_log(first).encode()
        want = [_facts(r) for r in parse_log(a)] + [_facts(r) for r in parse_log(b)]
        reports = parse_log(a + b)
        assert [_facts(r) for r in reports] == want, first
        if i % 8 == 0:  # (the prefilter's path too, on every eighth: a second each)
            _same_streamed(a + b, reports)


def _stamped_panics() -> list[str]:
    """Corpus cases stamped without caller ids whose first report starts with a line that
    would go on a report before it (a panic, "PANIC: double fault")."""
    out = []
    for name in _stamped_cases() + _reboots():
        log = syz_log(name)
        reps = parse_log(log)
        if reps and not is_report_start(log[reps[0].start : log.find("\n", reps[0].start)]):
            out.append(name)
    return out


@pytest.mark.parametrize("second", _stamped_panics())
@pytest.mark.parametrize("first", ["110", "184", "376"])
def test_a_panic_where_the_clock_went_back_is_no_panic_of_the_report_before(
    first: str, second: str
) -> None:
    # The report's window reads on for its panic; a line whose printk time lies before
    # the window's last (_went_back) is another boot's or another copy's, and a
    # panic-like line there was taken as the panic still to come, then dropped with the
    # rest of that boot: corpus 314's double fault, printed from 1 s on after 110's
    # KASAN report (at 190 s), was lost.
    a = syz_log(first).encode()
    b = _later(syz_log(second).encode(), 1.0)
    want = [_facts(r) for r in parse_log(a)] + [_facts(r) for r in parse_log(b)]
    reports = parse_log(a + b)
    assert [_facts(r) for r in reports] == want
    _same_streamed(a + b, reports)


def _syz(case: str) -> bytes:
    """Corpus case ``case``'s log, its last line ended (79's is not: the next log's first
    line would go on it)."""
    log = syz_log(case).encode()
    return log if log.endswith(b"\n") else log + b"\n"


@pytest.mark.parametrize("second", _stamped_panics())
def test_a_report_after_the_clock_went_back_takes_nothing_from_before(second: str) -> None:
    # A report reads the task, CPU, release and taint its own lines lack from the lines
    # right before it (_prefix_lines). A line there stamped after the header came before
    # printk's clock went back: another boot's (or another copy's), as a boot banner
    # says when the console shows it (corpus 233's "Kernel panic" took the task and
    # release 4.3.5+ of corpus 100's report before it, 82's SLUB report gave 314's double
    # fault its taint 'B').
    b = _later(_syz(second), 1.0)
    want_b = [_facts(r) for r in parse_log(b)]
    for first in _stamped_cases()[::4]:  # (every fourth: 61 logs before each one)
        if first in ("5", "79"):
            # 5's report is printed again unstamped (the console's copy of the records);
            # that copy's window, with no printk time to go by, reads on into the next
            # boot's stamped lines and takes its panic as its own: lost with the copy.
            # 79's log ends mid-line ("... at addr ffff88000012"): a bare line after it
            # reads as that line's wrapped rest (143's "INIT: PANIC: ...").
            continue
        a = _syz(first)
        want = [_facts(r) for r in parse_log(a)] + want_b
        assert [_facts(r) for r in parse_log(a + b)] == want, first


# printk's time on a console line, and the caller id after it (CONFIG_PRINTK_CALLER): the
# journal keeps neither in MESSAGE (journald-kmsg.c reads /dev/kmsg, whose records carry
# the time in their header and the caller id as "caller=", not in their text)
_RECORD = re.compile(rb"\[ *(\d+)\.(\d{6})\](?:\[ *[TC]\d+\])? ")
_JOURNAL_MODES = ("short-precise", "short-monotonic", "json", "export")


def _journal(console: bytes, mode: str, boot: int, separator: bool) -> bytes:
    """A console log's kernel records as journalctl prints the entries journald made of
    them (systemd journald-kmsg.c: MESSAGE the record's text, _SOURCE_MONOTONIC_TIMESTAMP
    its printk time, _TRANSPORT and SYSLOG_IDENTIFIER "kernel"), the ``boot``-th boot of
    host web01, a day after the one before. journalctl(1)'s modes: short-precise, the
    wall-clock time to the microsecond ("%b %d %H:%M:%S.%06d"), host, identifier, ": ",
    the message; short-monotonic, "[%5llu.%06llu]" of the monotonic time instead; json,
    an object of the entry's fields a line; export, the Journal Export Format's
    "KEY=value" lines, an empty line after each entry. With ``separator``, journalctl's
    "-- Boot <boot id> --" before the entries of each boot but the first (journalctl's
    show(), in every mode unless --quiet or --merge). Lines without a printk time are
    the firmware's or a program's: no kernel records."""
    boot_id = f"{boot + 1:032x}"
    booted = (1_700_000_000 + 86_400 * boot) * 1_000_000
    out = [f"-- Boot {boot_id} --\n"] if separator and boot else []
    records = (m for m in map(_RECORD.search, console.splitlines(keepends=True)) if m)
    for n, m in enumerate(records):
        usec = int(m.group(1)) * 1_000_000 + int(m.group(2))
        text = m.string[m.end() :].rstrip(b"\r\n").decode("utf-8", "replace")
        real = booted + usec
        if mode == "short-precise":
            wall = time.strftime("%b %d %H:%M:%S", time.gmtime(real // 1_000_000))
            out.append(f"{wall}.{real % 1_000_000:06d} web01 kernel: {text}\n")
        elif mode == "short-monotonic":
            out.append(f"[{usec // 1_000_000:5d}.{usec % 1_000_000:06d}] web01 kernel: {text}\n")
        else:
            fields = {
                "__CURSOR": f"s={boot_id};i={n:x};b={boot_id}",
                "__REALTIME_TIMESTAMP": str(real),
                "__MONOTONIC_TIMESTAMP": str(usec),
                "_BOOT_ID": boot_id,
                "_TRANSPORT": "kernel",
                "PRIORITY": "4",
                "SYSLOG_FACILITY": "0",
                "SYSLOG_IDENTIFIER": "kernel",
                "_HOSTNAME": "web01",
                "_SOURCE_MONOTONIC_TIMESTAMP": str(usec),
                "MESSAGE": text,
            }
            if mode == "json":
                out.append(json.dumps(fields) + "\n")
            else:
                out.extend(f"{k}={v}\n" for k, v in fields.items())
                out.append("\n")
    return "".join(out).encode()


def _same_as_parts(parts: list[bytes], tmp_path: Path, contexts: bool = False) -> None:
    """The whole of ``parts`` gives each part's reports (and, with ``contexts``, each its
    context), through parse_log and through the CLI's path (prefilter.triage_input
    reading the file, in one chunk or many)."""
    data = b"".join(parts)
    reports = parse_log(data)
    alone = [r for p in parts for r in parse_log(p)]
    assert [_facts(r) for r in reports] == [_facts(r) for r in alone]
    if contexts:
        assert [r.context for r in reports] == [r.context for r in alone]
    path = tmp_path / "journal.txt"
    path.write_bytes(data)
    want = [dataclasses.asdict(r) for r in reports]
    for chunk in (32 << 20, 64 << 10):
        got = triage_input(str(path), chunk_bytes=chunk)
        assert got.error is None
        assert [dataclasses.asdict(r) for r in got.reports] == want


@pytest.mark.parametrize("mode", _JOURNAL_MODES)
def test_one_hosts_journal_gives_each_boots_reports(mode: str, tmp_path: Path) -> None:
    # the recorded boots of one kernel (each from its banner on), in one journal; each
    # boot's banner says where it starts, with journalctl's separator or without (-q)
    hosts = _hosts()
    for names in hosts[:: len(hosts) // 20]:
        for separator in (True, False):
            parts = [_journal(_log(n), mode, i, separator) for i, n in enumerate(names)]
            _same_as_parts(parts, tmp_path)


@pytest.mark.parametrize("mode", _JOURNAL_MODES)
@pytest.mark.parametrize("first", ["40", "184", "376"])
def test_a_journals_boot_separator_ends_the_report_before_it(
    first: str, mode: str, tmp_path: Path
) -> None:
    # Corpus logs hold no boot banner: in the journal, journalctl's "-- Boot <id> --"
    # line is what says the next entries are another boot's. Without it, short-precise
    # shows no printk time and export keeps it in a field line of its own: a panic of
    # the next boot (the corpus cases that open with one) was read as the report's.
    for second in _stamped_panics() + _caller_id_panics():
        parts = [_journal(_syz(n), mode, i, True) for i, n in enumerate((first, second))]
        _same_as_parts(parts, tmp_path)


def _hung_up() -> list[str]:
    """Corpus cases whose console hung up (GCE's "serialport: VM disconnected.")."""
    return [
        path.name
        for path in sorted((SYZ / "report").iterdir())
        if "serialport: VM disconnected." in syz_log(path.name)
    ]


@pytest.mark.parametrize("hung", _hung_up())
@pytest.mark.parametrize("hung_first", [False, True])
def test_a_console_hangup_cuts_only_the_report_it_came_in(hung: str, hung_first: bool) -> None:
    # GCE's serial port writes its hangup marker where the console output stopped: the
    # report printed then may have lost its rest (corpus 98's, cut in its "cut here"
    # line), but a report printed whole ten minutes before it, or one after it over a
    # console connected again, is no less whole for it.
    for other in ("40", "110", "184", "376"):
        parts = [_syz(other), _syz(hung)]
        if hung_first:
            parts.reverse()
        parts[1] = _later(parts[1], _last_time(parts[0]) + 600)
        want = [_facts(r) for p in parts for r in parse_log(p)]
        assert sum(r[2] for r in want) >= 1  # (98's report stays corrupted)
        data = b"".join(parts)
        reports = parse_log(data)
        assert [_facts(r) for r in reports] == want, other
        _same_streamed(data, reports)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("46", "82"),
        ("100", "89"),
        ("365", "502"),
        ("46", "289"),
        ("37", "11"),
        ("328", "88"),
        ("7", "28"),
    ],
)
def test_a_report_takes_no_task_from_a_report_minutes_before(first: str, second: str) -> None:
    # A report whose own lines name no task or CPU (corpus 82's SLUB "Object already
    # free"; 502's RCU stall) reads them from the lines right before its header. Ten
    # minutes after another report those lines are that report's: its "CPU: 1 PID: 16
    # Comm: ksoftirqd/1" names no task of this crash. Release and taint
    # hold for the whole boot and may still come from there (the two corpus logs are two
    # kernels': their releases are not compared).
    before = syz_log(first).encode()
    before += b"" if before.endswith(b"\n") else b"\n"
    _keeps_its_tasks(before, _later(syz_log(second).encode(), _last_time(before) + 600))


def _keeps_its_tasks(before: bytes, after: bytes) -> None:
    """The reports of ``after`` name the tasks and CPUs they name alone, after ``before``."""

    def task(rep: Report) -> tuple[object, ...]:
        return rep.title, rep.comm, rep.pid, rep.cpu

    want = [task(r) for r in parse_log(after)]
    reports = parse_log(before + after)
    assert [task(r) for r in reports if r.start >= len(before)] == want
    _same_streamed(before + after, reports)


def test_a_hung_task_minutes_after_a_slub_report_is_no_line_of_it() -> None:
    # SLUB's debug report prints "INFO: " lines of its own (slab_err(), print_trailer()):
    # they are part of it, not reports. A hung task's "INFO: task ... blocked" ten
    # minutes later is printed by khungtaskd, not by that report (corpus 82's one line of
    # a SLUB report, then 436's hung task).
    before = syz_log("82").encode()
    before += b"" if before.endswith(b"\n") else b"\n"
    after = _later(syz_log("436").encode(), _last_time(before) + 600)
    reports = parse_log(before + after)
    assert [r.title for r in reports] == [r.title for r in parse_log(before)] + [
        r.title for r in parse_log(after)
    ]
    _same_streamed(before + after, reports)


def test_a_kern_log_report_takes_no_task_from_a_report_minutes_before() -> None:
    # The same in a kern.log whose lines keep their printk times: two boots' records
    # without the banner between them, so the printk times say nothing of how far
    # apart they are, the syslog stamps do (ten minutes). Corpus 91's RCU report names
    # no task; the "pid: 3658, name: syz-fuzzer" before it is 56's.
    first = syz_log("56").encode()
    booted = 1_700_000_000
    before = _kern_log(first, booted, with_time=True)
    after = _kern_log(syz_log("91").encode(), booted + int(_last_time(first)) + 600, True)
    _keeps_its_tasks(before, after)


def _after_banner(console: bytes) -> bytes:
    """A recorded boot's console from the line after its boot banner on: what a journal
    keeps of a boot whose first records are gone (the kernel's ring buffer wrapped before
    journald read /dev/kmsg, or journald's SystemMaxUse= vacuumed the boot's first file)."""
    m = _BANNER.search(console)
    assert m is not None
    return console[console.index(b"\n", m.start()) + 1 :]


# (short-precise without the separator shows nothing of a reboot: wall-clock times only)
_BOOT_CHANGES = [
    *((mode, True) for mode in _JOURNAL_MODES),
    *((mode, False) for mode in ("short-monotonic", "json", "export")),
]


@pytest.mark.parametrize(("mode", "separator"), _BOOT_CHANGES)
@pytest.mark.parametrize(
    "names",
    [
        ("arm64-6.1.0-50-oom", "arm64-6.1.0-50-mod-null"),
        ("riscv64-6.12.117+deb13-oom", "riscv64-6.12.117+deb13-mod-warn"),
        ("i386-6.1.0-50-oom", "i386-6.1.0-50-hung-task", "i386-6.1.0-50-mod-warn"),
        ("x86-6.1.0-56-tcp-mem", "x86-6.1.0-56-nvme-timeout", "x86-6.1.0-56-md-disk-failure"),
    ],
    ids="+".join,
)
def test_a_journals_boot_change_parts_boots_without_banners(
    names: tuple[str, ...], mode: str, separator: bool, tmp_path: Path
) -> None:
    # A journal's boots without their banners: the entries' _BOOT_ID changes (export
    # and json print it, journalctl's "-- Boot <id> --" line says it), and the monotonic
    # time starts again (short-monotonic). That is a reboot as a banner is: an OOM kill
    # a later boot's crash follows ended its own boot (a report), the events of one boot
    # are no context of the next one's crash, and no report reads on into the next boot.
    parts = [_journal(_after_banner(_log(n)), mode, i, separator) for i, n in enumerate(names)]
    assert not any(_BANNER.search(p) for p in parts)
    _same_as_parts(parts, tmp_path, contexts=True)


@pytest.mark.parametrize(("mode", "separator"), _BOOT_CHANGES)
def test_a_banner_names_no_release_past_a_journals_boot_change(
    mode: str, separator: bool, tmp_path: Path
) -> None:
    # A Malta board booted Debian's 4kc-malta kernel (its banner kept), then twice its
    # 5kc-malta one, whose banners the journal lost (_after_banner). The third boot's
    # "Attempted to kill init!" panic names no release in its own lines; the banner
    # before it is the first boot's, its release another kernel's: it names none, as
    # alone, not 6.1.0-50-4kc-malta. (The second boot, a hung task, is long enough that
    # the streamed path carries the banner past it to the third's parse.)
    names = ("mipsel-6.1.0-50-kill-init", "mips64el-6.1.0-50-hung-task")
    last = _journal(_after_banner(_log("mips64el-6.1.0-50-kill-init")), mode, 2, separator)
    parts = [
        _journal(_log(names[0]), mode, 0, separator),
        _journal(_after_banner(_log(names[1])), mode, 1, separator),
        last,
    ]
    assert [r.kernel_release for r in parse_log(parts[0])] == ["6.1.0-50-4kc-malta"]
    assert [r.kernel_release for r in parse_log(last)] == [None]
    _same_as_parts(parts, tmp_path, contexts=True)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("x86-6.1-kfence-uaf", "arm64-serror"),
        ("riscv64-6.12.117+deb13-mod-kfence-uaf", "debian6-i386-oops"),
        ("x86-6.1-kfence-uaf", "debian6-i386-oops"),
        ("x86-6.1-kfence-uaf", "arm-3.4-oops"),
        ("rhel6-irq-marker-frames", "el5-i386-oops"),
    ],
)
def test_a_reports_own_header_decides_over_an_older_one(first: str, second: str) -> None:
    # Two logs of two kernels, the second with no banner: the lines before its report
    # are the first's. The report's own header names its release and taint; an older
    # report's full "CPU: N PID: N Comm: X Tainted: G           OE 6.1.0-56-amd64" header
    # in the prefix is no evidence against it, however much more it names than the old
    # "Pid: 2231, comm: pulseaudio Not tainted (2.6.32-5-686 #1)" header. And a "Not
    # tainted" is print_tainted()'s word for no flag set (kernel/panic.c): flags are never
    # cleared within a boot, so an older "Tainted: ..." is another boot's or kernel's.
    def told(rep: Report) -> tuple[object, ...]:
        return rep.title, rep.kernel_release, rep.taint, tuple(rep.taint_flags), rep.comm

    before, after = _log(first), _log(second)
    want = [told(r) for r in parse_log(after)]
    assert want and all(t[1] is not None for t in want)
    reports = parse_log(before + after)
    assert [told(r) for r in reports if r.start >= len(before)] == want
    _same_streamed(before + after, reports)


@pytest.mark.parametrize("first", ["el5-i386-oops", "rhel6-syslog-hung-task"])
def test_a_report_in_another_stream_after_a_report_is_its_own(first: str) -> None:
    # A log without printk times (RHEL 5's console, RHEL 6's syslog) goes on with a
    # console's stamped lines: another stream. The first report reads on past its own
    # end for its panic and the corruption check; another stream's header it passes
    # there is none of its lines, and the search for the next report resumes at it. It
    # went on past it, and the MIPS "Kernel bug detected[#1]" report was lost.
    before, after = _log(first), _log("mips-4.19-bug")
    reports = parse_log(before + after)
    assert [_facts(r) for r in reports if r.start >= len(before)] == list(_alone("mips-4.19-bug"))
    assert [_facts(r) for r in reports if r.start < len(before)] == list(_alone(first))
    _same_streamed(before + after, reports)


@pytest.mark.parametrize(
    "first",
    [
        "s390x-6.1.0-50-mod-slub-redzone",
        "armhf-6.1.0-50-mod-slub-redzone",
        "x86-6.1-slub-redzone",
        "riscv64-6.12.117+deb13-mod-slub-poison",
    ],
)
def test_a_hung_task_right_after_a_slub_report_is_no_line_of_it(first: str) -> None:
    # SLUB's report prints "INFO: " lines of its own (mm/slub.c: print_track()'s
    # "INFO: Allocated in"/"INFO: Freed in", print_slab_info()'s "INFO: Slab 0x...",
    # print_trailer()'s "INFO: Object 0x...", check_bytes_and_report()'s "INFO: 0x...-0x...
    # @offset="). khungtaskd's "INFO: task X:N blocked for more than N seconds." is none
    # of them, however close after it. On a console without printk times (printk.time=0:
    # kernel/printk/printk.c prints the time only with printk_time set) nothing else tells
    # them apart: a recorded SLUB report, then a recorded hung task, both without times.
    before = _PRINTK_TIME.sub(b"", _log(first))
    hung = _PRINTK_TIME.sub(b"", _log("s390x-6.1.0-50-hung-task"))
    after = hung[hung.index(b"INFO: task ") :]
    reports = parse_log(before + after)
    assert [r.title for r in reports] == [r.title for r in parse_log(before)] + [
        r.title for r in parse_log(after)
    ]
    _same_streamed(before + after, reports)


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("arm-3.4-oops", "00000010"),
        ("arm64-6.1.0-50-mod-null", "0000000000000010"),
        ("riscv64-6.12.117+deb13-mod-null", "0000000000000010"),
    ],
)
def test_two_cpus_fault_lines_back_to_back_are_one_report(name: str, address: str) -> None:
    """Two CPUs (two threads of one program, say) fault on the same bug at once: both
    print their fault line (arch/arm64/mm/fault.c __do_kernel_fault() 4.4, die_kernel_fault()
    6.1, arch/arm/mm/fault.c __do_kernel_fault(), arch/riscv/mm/fault.c die_kernel_fault():
    "Unable to handle kernel %s at virtual address %08lx") before die() takes die_lock
    for one of them, whose block follows
    (github.com/ayufan-rock64/linux-build/issues/187). The first fault line, with no
    line of its own before the second, is no report of its own with no facts: the two
    lines head the one report the die block after them gives its facts."""
    lines = (DATA / f"{name}.log").read_text().splitlines()
    (want,) = parse_log("\n".join(lines) + "\n")
    at = next(i for i, row in enumerate(lines) if "Unable to handle kernel" in row)
    other = re.sub(r"address [0-9a-f]+", f"address {address}", lines[at])
    assert other != lines[at]
    (got,) = parse_log("\n".join([*lines[:at], other, *lines[at:]]) + "\n")
    assert _facts(got) == _facts(want)
    assert got.start_line == want.start_line


_TEXT_TIME = re.compile(r"(?m)^\[ *\d+\.\d+\] ")
_JOURNAL_HOST = "Jul 10 16:36:36 jetson-agx-orin-devkit"


def _journald(console: str) -> str:
    """``console``'s records as journald read them from /dev/kmsg, in journalctl -o
    short: "host kernel: " and the text, no printk time."""
    return "".join(
        f"{_JOURNAL_HOST} kernel: {_TEXT_TIME.sub('', line)}\n" for line in console.splitlines()
    )


def _journal_with_klogd_copy(console: str) -> str:
    """``console``'s records as a journal shows them when busybox klogd runs beside
    journald (Yocto's busybox-syslog): journald's own copy (``_journald``), then klogd's,
    which read them with klogctl(2) (printk's time kept) and sent them to syslog() as
    "kernel" (sysklogd/klogd.c klogd_main(): openlog("kernel", 0, LOG_KERN)), shown with
    its pid: "host kernel[851]: [   13.879784] ...". Other programs' lines come between."""
    klogd = "".join(f"{_JOURNAL_HOST} kernel[851]: {line}\n" for line in console.splitlines())
    program = f"{_JOURNAL_HOST} sh[963]: 2024/07/10 16:36:36 NATS client reconnect attempt # 1\n"
    return _journald(console) + program + klogd + program


@pytest.mark.parametrize("name", ["x86-6.12.115-null-deref.log", "arm64-6.1.0-50-mod-null.log"])
def test_a_journals_klogd_copy_of_a_report_is_no_second_report(name: str, tmp_path: Path) -> None:
    # A real oops (x86 6.12.115, arm64 6.1) in a journal that holds it twice, journald's
    # copy then klogd's (github OE4T/meta-tegra#1613, an AGX Orin's nvgpu crash): one
    # report, journald's, in parse_log and in the streamed path alike.
    console = (DATA / name).read_text()
    want = [_facts(r) for r in parse_log(_journald(console).encode())]
    assert len(want) == 1 and want[0][8]
    log = _journal_with_klogd_copy(console)
    assert [_facts(r) for r in parse_log(log.encode())] == want
    path = tmp_path / "journal.txt"
    path.write_text(log)
    assert [_facts(r) for r in triage_input(str(path)).reports] == want
