"""Real kernel logs whose lines carry a wall-clock time instead of printk's: a report
ends after the same long pause either clock shows (extract._Window._long_pause).

The logs are tests/data/realworld's hard lockups recorded on ppc64le and riscv64 (real
kernels under the lab), each printk time rewritten into the wall-clock time a tool that
reads the kernel's records prints (dmesg -T / --time-format iso / -H, journalctl's short
modes, syslog daemons' RFC 3164, 3339 and 5424 stamps, logread), or that a program reading
the log put before each line (moreutils ts, logcli --no-labels), from a boot time chosen
here: the time between two lines stays what printk measured, cut to the format's
resolution.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from corpus import SYZ, syz_log
from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_blocks, triage_input
from hotfence.triage.reader import ReadLimits, line_blocks, raw_blocks
from hotfence.triage.stamps import log_stamp
from test_realworld_multi import _facts as _multi_facts
from test_realworld_multi import _last_time, _later, _stamped_panic_cases
from test_realworld_wrap import _facts

DATA = Path(__file__).parent / "data" / "realworld"
LAB = Path(__file__).parent / "lab"
# printk's time, "[%5lu.%06lu] " (kernel/printk/printk.c print_time())
_PRINTK_TIME = re.compile(r"(?m)^\[ *(\d+\.\d+)\] ")
# Two lockups whose reports are followed, after a pause of 20-60 s, by RCU stall reports
# (and, on ppc64le, the lockup detector's further reports): without the pause a later
# report runs on into the next one's lines and takes its CPU.
_LOCKUPS = ["ppc64le-6.1.0-50-mod-hardlockup", "riscv64-6.12.117+deb13-mod-hardlockup"]
_UTC = UTC

Stamp = Callable[[datetime], str]

# The formats, each the prefix of one kernel line (the record's text follows it).
FORMATS: dict[str, Stamp] = {
    # util-linux dmesg -T: record_ctime(), strftime("%a %b %e %H:%M:%S %Y") in brackets
    "dmesg -T": lambda t: t.strftime("[%a %b %e %H:%M:%S %Y] "),
    # the same in the reader's locale (fr_FR's "%a %b": "ven. nov."), which no date
    # arithmetic here knows: times of one date are still compared
    "dmesg -T fr_FR": lambda t: t.strftime("[ven. nov. %e %H:%M:%S %Y] "),
    # util-linux dmesg --time-format iso: "%Y-%m-%dT%H:%M:%S,<usec><+hh:mm>" (dmesg(1))
    "dmesg iso": lambda t: t.strftime("%Y-%m-%dT%H:%M:%S,%f") + _offset(t) + " ",
    # dmesg -x (--decode) prints the record's facility and level, "%-6s:%-6s: ", before
    # the time (print_record())
    "dmesg -x -T": lambda t: t.strftime("kern  :warn  : [%a %b %e %H:%M:%S %Y] "),
    "dmesg -x iso": lambda t: "kern  :err   : " + FORMATS["dmesg iso"](t),
    # journalctl(1) -o short: "%b %d %H:%M:%S", the host and identifier (RFC 3164's
    # TIMESTAMP and TAG, as rsyslog's RSYSLOG_TraditionalFileFormat writes a file)
    "journalctl short": lambda t: t.strftime("%b %d %H:%M:%S node-a kernel: "),
    "syslog file": lambda t: t.strftime("%b %e %H:%M:%S node-a kernel: "),
    "journalctl --no-hostname": lambda t: t.strftime("%b %d %H:%M:%S kernel: "),
    # -o short-precise: the microseconds too
    "journalctl short-precise": lambda t: t.strftime("%b %d %H:%M:%S.%f node-a kernel: "),
    # -o short-iso, short-iso-precise (ISO 8601, the zone's offset)
    "journalctl short-iso": lambda t: t.strftime("%Y-%m-%dT%H:%M:%S%z node-a kernel: "),
    "journalctl short-iso-precise": (
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%f") + _offset(t) + " node-a kernel: "
    ),
    # -o short-full: "%a %Y-%m-%d %H:%M:%S %Z"
    "journalctl short-full": lambda t: t.strftime("%a %Y-%m-%d %H:%M:%S %Z node-a kernel: "),
    # -o short-unix: seconds since the epoch, microseconds
    "journalctl short-unix": lambda t: f"{t.timestamp():.6f} node-a kernel: ",
    # RFC 5424 6.2.3 TIMESTAMP (RFC 3339), rsyslog's RSYSLOG_SyslogProtocol23Format: PRI
    # (facility kern, level 4), version 1, host, APP-NAME "kernel", no PROCID, MSGID, SD
    "RFC 5424": lambda t: "<4>1 " + t.isoformat(timespec="microseconds") + " node-a kernel - - - ",
    # rsyslog's RSYSLOG_FileFormat: an RFC 3339 time, then the traditional host and tag
    "RFC 3339 file": lambda t: t.isoformat(timespec="microseconds") + " node-a kernel: ",
    # OpenWrt's logread (ubox log/logread.c): ctime's date, then the facility and level
    "logread": lambda t: t.strftime("%a %b %e %H:%M:%S %Y kern.warn kernel: "),
}


def _offset(t: datetime) -> str:
    z = t.strftime("%z")
    return f"{z[:3]}:{z[3:]}"


def _stamped(console: str, stamp: Stamp, boot: datetime) -> str:
    """``console`` with each printk time rewritten as ``stamp`` of the wall-clock time
    ``boot`` plus that time (in ``boot``'s zone: a local time across its changes)."""
    zone = boot.tzinfo

    def wall(m: re.Match[str]) -> str:
        t = (boot.astimezone(_UTC) + timedelta(seconds=float(m[1]))).astimezone(zone)
        return stamp(t)

    out = _PRINTK_TIME.sub(wall, console)
    assert not _PRINTK_TIME.search(out)
    return out


def _reports(name: str) -> list[Report]:
    return parse_log((DATA / f"{name}.log").read_bytes())


def _same_as_console(name: str, stamped: str, tmp_path: Path | None = None) -> None:
    want = [_facts(r) for r in _reports(name)]
    assert len(want) >= 2
    assert [_facts(r) for r in parse_log(stamped.encode())] == want
    if tmp_path is not None:
        # the CLI's path: read in blocks, candidate regions found first (prefilter)
        path = tmp_path / "kern.log"
        path.write_text(stamped)
        result = triage_input(str(path))
        assert result.error is None
        assert [_facts(r) for r in result.reports] == want


def _read_whole_and_streamed(text: str, want: Report, tmp_path: Path) -> None:
    """``text`` (one report) yields ``want``'s facts, uncorrupted, parsed whole and on
    the CLI's path (read in blocks, candidate regions found first)."""
    (rep,) = parse_log(text.encode())
    assert _facts(rep) == _facts(want) and not rep.corrupted, rep.corrupted_reason
    path = tmp_path / "paste.log"
    path.write_text(text, encoding="latin-1")
    result = triage_input(str(path))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == [_facts(want)]


@pytest.mark.parametrize("name", _LOCKUPS)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_wall_clock_stamped_log_ends_reports_at_the_pause(
    name: str, fmt: str, tmp_path: Path
) -> None:
    console = (DATA / f"{name}.log").read_text()
    boot = datetime(2026, 11, 27, 10, 11, 12, 345678, tzinfo=_UTC)
    _same_as_console(name, _stamped(console, FORMATS[fmt], boot), tmp_path)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_an_spl_panic_reads_as_the_console_under_any_stamp(fmt: str, tmp_path: Path) -> None:
    # OpenZFS's "PANIC: %s" (spl-err.c vcmn_err()) is its message's first word, whatever
    # stamp comes before it: the kind only keeps sysvinit's "INIT: PANIC: " out
    name = "x86-6.1-spl-cmn-err-panic"
    console = (DATA / f"{name}.log").read_text()
    boot = datetime(2026, 11, 27, 10, 11, 12, 345678, tzinfo=_UTC)
    want = [_facts(r) for r in _reports(name)]
    assert [title for title, *_ in want] == ["PANIC in hotfence_crash_cmn_err"]
    path = tmp_path / "kern.log"
    path.write_text(_stamped(console, FORMATS[fmt], boot))
    result = triage_input(str(path))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == want


def test_the_cli_reads_a_dmesg_t_log_as_the_console(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from hotfence.cli import main

    name = "riscv64-6.12.117+deb13-mod-hardlockup"
    boot = datetime(2026, 11, 27, 10, 11, 12, tzinfo=_UTC)
    path = tmp_path / "dmesg.txt"
    path.write_text(_stamped((DATA / f"{name}.log").read_text(), FORMATS["dmesg -T"], boot))
    res = CliRunner().invoke(main, ["triage", "--no-store", "-o", "json", str(path)])
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)["files"][0]["reports"]
    want = _reports(name)
    assert [(r["title"], r["cpu"]) for r in got] == [(r.title, r.cpu) for r in want]
    # the stall's report goes on after the wait for CPU 0's backtrace, to the late
    # answer, CPU 0's (its kthread-starved part between is RCU's kthread's, no task)
    assert "kthread starved" in got[1]["text"] and got[1]["cpu"] == 0
    assert (got[1]["pid"], got[1]["comm"]) == (140, "sh")


@pytest.mark.parametrize("fmt", ["dmesg -T", "dmesg -T fr_FR"])
def test_a_dmesg_t_paste_that_cut_its_first_bracket_reads_on(fmt: str) -> None:
    # A paste of `dmesg -T` selected from one character into the oops's first line (a
    # runc issue's: "Sat Jan  4 14:33:55 2020] BUG: unable to handle kernel NULL
    # pointer ..."): the header is the record whose stamp lost its "[", the rest of the
    # report the stamped lines after it (extract._cut_printk_time), as when whole.
    name = "x86-6.12.115-null-deref"
    boot = datetime(2026, 11, 27, 10, 11, 12, tzinfo=_UTC)
    stamped = _stamped((DATA / f"{name}.log").read_text(), FORMATS[fmt], boot)
    (want,) = _reports(name)
    first = stamped.rindex("\n[", 0, stamped.index("BUG: kernel NULL pointer")) + 1
    (whole,) = parse_log(stamped[first:].encode())
    (cut,) = parse_log(stamped[first + 1 :].encode())
    assert _facts(cut) == _facts(whole) == _facts(want)
    assert (cut.rip and cut.rip.function) == (want.rip and want.rip.function)


def _turning_points(name: str) -> list[float]:
    """Printk times just after each report's first line (its lines then lie on both
    sides of a date's change) and amid each pause of more than 10 s."""
    text = (DATA / f"{name}.log").read_text()
    heads = [float(m[1]) for r in _reports(name) if (m := _PRINTK_TIME.match(text, r.start))]
    times = [float(m[1]) for m in _PRINTK_TIME.finditer(text)]
    pauses = [(a + b) / 2 for a, b in zip(times, times[1:], strict=False) if b - a > 10]
    assert len(heads) >= 2 and pauses
    return [t + 0.000_5 for t in heads] + pauses


# Syslog's RFC 3164 TIMESTAMP names no year: midnight before a new year, and before
# March 1 of a year with and without a leap day, amid a report or amid a pause, must
# neither hide a pause nor make one.
@pytest.mark.parametrize("name", _LOCKUPS)
@pytest.mark.parametrize(
    "midnight",
    [datetime(2027, 1, 1, tzinfo=_UTC), datetime(2027, 3, 1, tzinfo=_UTC)]
    + [datetime(2028, 3, 1, tzinfo=_UTC), datetime(2028, 2, 29, tzinfo=_UTC)],
)
def test_a_syslog_date_turning_midnight_amid_a_report(name: str, midnight: datetime) -> None:
    console = (DATA / f"{name}.log").read_text()
    for at in _turning_points(name):
        boot = midnight - timedelta(seconds=at)
        _same_as_console(name, _stamped(console, FORMATS["syslog file"], boot))


# A local time with its offset (dmesg --time-format iso, journalctl -o short-iso) goes
# back an hour where summer time ends (Europe/Berlin, 2026-10-25 03:00 CEST is 02:00 CET):
# the offset says so, and the pause is still seen, no other made.
@pytest.mark.parametrize("name", _LOCKUPS)
@pytest.mark.parametrize("fmt", ["dmesg iso", "journalctl short-iso", "RFC 5424"])
def test_a_local_time_with_its_offset_across_summer_times_end(name: str, fmt: str) -> None:
    console = (DATA / f"{name}.log").read_text()
    change = datetime(2026, 10, 25, 1, 0, tzinfo=_UTC)  # 03:00 CEST, 02:00 CET
    for at in _turning_points(name):
        boot = (change - timedelta(seconds=at)).astimezone(ZoneInfo("Europe/Berlin"))
        stamped = _stamped(console, FORMATS[fmt], boot)
        assert "+02" in stamped and "+01" in stamped
        _same_as_console(name, stamped)


# journalctl -o short-full names the zone instead ("%Z": its abbreviation, as tzdata
# gives it): across a change of summer time the name changes, and the two are compared
# by the offsets they stand for (wallclock's zone table). Europe/Berlin's and
# America/New_York's ends and starts of summer time in 2026.
@pytest.mark.parametrize("name", _LOCKUPS)
@pytest.mark.parametrize(
    ("zone", "change", "names"),
    [
        ("Europe/Berlin", datetime(2026, 10, 25, 1, 0, tzinfo=_UTC), ("CEST", "CET")),
        ("Europe/Berlin", datetime(2026, 3, 29, 1, 0, tzinfo=_UTC), ("CET", "CEST")),
        ("America/New_York", datetime(2026, 11, 1, 6, 0, tzinfo=_UTC), ("EDT", "EST")),
        ("America/New_York", datetime(2026, 3, 8, 7, 0, tzinfo=_UTC), ("EST", "EDT")),
    ],
    ids=lambda v: v.isoformat()[:10] if isinstance(v, datetime) else str(v),
)
def test_a_zone_name_changing_with_summer_time(
    name: str, zone: str, change: datetime, names: tuple[str, str]
) -> None:
    console = (DATA / f"{name}.log").read_text()
    for at in _turning_points(name):
        boot = (change - timedelta(seconds=at)).astimezone(ZoneInfo(zone))
        stamped = _stamped(console, FORMATS["journalctl short-full"], boot)
        before, after = names
        assert stamped.index(f" {before} ") < stamped.index(f" {after} ")
        _same_as_console(name, stamped)


def _moved(console: str, after: float, by: float) -> str:
    """``console`` with every printk time from ``after`` on moved by ``by`` seconds."""

    def move(m: re.Match[str]) -> str:
        t = float(m[1])
        return f"[{t + by if t >= after else t:12.6f}] "

    return _PRINTK_TIME.sub(move, console)


# Whole seconds cut a time: a pause of 9.6 s may show as 10 s (no pause, as printk says),
# one of 11.5 s as 11 or 12 (a pause, as printk says), wherever in a second it starts.
@pytest.mark.parametrize("pause", [9.6, 11.5])
@pytest.mark.parametrize("phase", [0.0, 0.3, 0.45, 0.7, 0.95])
def test_whole_second_stamps_see_the_pause_printk_sees(pause: float, phase: float) -> None:
    name = "riscv64-6.12.117+deb13-mod-hardlockup"
    console = (DATA / f"{name}.log").read_text()
    # the RCU stall at 37.28 s, its kthread-starved part 29.84 s later: now ``pause`` later
    times = [float(m[1]) for m in _PRINTK_TIME.finditer(console)]
    stall = next(t for t in times if t > 37)
    starved = next(t for t in times if t > stall + 20)
    before = max(t for t in times if t < starved)
    moved = _moved(console, starved, before + pause - starved)
    want = [_facts(r) for r in parse_log(moved.encode())]
    boot = datetime(2026, 11, 27, 10, 11, 12, tzinfo=_UTC) + timedelta(seconds=phase)
    got = parse_log(_stamped(moved, FORMATS["syslog file"], boot).encode())
    assert [_facts(r) for r in got] == want
    # the stall's report runs on past its kthread-starved part, a pause before it (the
    # wait for CPU 0's backtrace) or none; either way it is the stall of CPU 0
    assert "kthread starved" in got[1].text
    assert got[1].cpu == 0


def test_a_printk_time_wins_over_the_syslog_time_of_its_line() -> None:
    # rsyslog stamps a line when it reads it (imklog): a daemon that fell behind writes a
    # report's lines a minute apart, though printk stamped them in one burst. The printk
    # time in the line ("[ 134.31] " after "kernel: ") says there was no pause.
    name = "ppc64le-6.1.0-50-mod-hardlockup"
    console = (DATA / f"{name}.log").read_text()
    boot = datetime(2026, 11, 27, 10, 11, 12, tzinfo=_UTC)
    lines = []
    for i, line in enumerate(console.splitlines(keepends=True)):
        t = boot + timedelta(seconds=i)  # a second a line: far slower than printk
        lines.append(t.strftime("%b %e %H:%M:%S node-a kernel: ") + line)
    _same_as_console(name, "".join(lines))


# moreutils ts(1) puts the time it read each line at before it, "%b %d %H:%M:%S " by
# default; "-s" the time since it started and "-i" since the line before, "%H:%M:%S";
# "%.S", "%.s", "%.T" with microseconds, "%s" the epoch. Loki's logcli --no-labels prints
# "%s %s" of the entry's time (RFC 3339) and the line. The AWS CLI's `aws logs tail`
# (awscli/customizations/logs/tail.py) prints each CloudWatch Logs event as "%s %s %s" of
# its time (isoformat(timespec="microseconds") in UTC), its log stream and its message
# (DetailedLogEventsFormatter, the default), "%s %s" of "%Y-%m-%dT%H:%M:%S" and the
# message with --format short. Before the kernel's lines as dmesg -t (--notime) prints
# them, or a console of a kernel without printk time.
TS_FORMATS: dict[str, Callable[[datetime, float, float], str]] = {
    "ts": lambda t, since, gap: t.strftime("%b %d %H:%M:%S"),
    "ts %.T": lambda t, since, gap: t.strftime("%H:%M:%S.%f"),
    "ts %s": lambda t, since, gap: str(int(t.timestamp())),
    "ts %.s": lambda t, since, gap: f"{t.timestamp():.6f}",
    "ts -s": lambda t, since, gap: _elapsed(since, "%H:%M:%S"),
    "ts -s %H:%M:%.S": lambda t, since, gap: _elapsed(since, "%H:%M:%S.%f"),
    "ts -i": lambda t, since, gap: _elapsed(gap, "%H:%M:%S"),
    "logcli --no-labels": lambda t, since, gap: t.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "aws logs tail": lambda t, since, gap: (
        t.isoformat(timespec="microseconds") + " i-0123456789abcdef0"
    ),
    "aws logs tail --format short": lambda t, since, gap: t.strftime("%Y-%m-%dT%H:%M:%S"),
}


def _elapsed(seconds: float, fmt: str) -> str:
    # ts -s / -i format the time passed as strftime of a time that many seconds after
    # the epoch (gmtime): the hours wrap at a day
    return (datetime(1970, 1, 1, tzinfo=_UTC) + timedelta(seconds=seconds)).strftime(fmt)


def _ts(console: str, fmt: str, started: float = 0.0) -> str:
    """``console``'s lines, their printk time dropped, as ``fmt`` stamps them when read
    at that printk time after a boot at 10:11:12 (ts started at ``started``)."""
    boot = datetime(2026, 11, 27, 10, 11, 12, tzinfo=_UTC)
    out = []
    last = started
    for m in re.finditer(r"(?m)^\[ *(\d+\.\d+)\] (.*)$", console):
        at = float(m[1])
        stamp = TS_FORMATS[fmt](boot + timedelta(seconds=at), at - started, at - last)
        out.append(f"{stamp} {m[2]}\n")
        last = at
    return "".join(out)


@pytest.mark.parametrize("name", _LOCKUPS)
@pytest.mark.parametrize("fmt", sorted(TS_FORMATS))
def test_a_logs_every_line_behind_a_readers_time_reads_as_the_console(
    name: str, fmt: str, tmp_path: Path
) -> None:
    console = (DATA / f"{name}.log").read_text()
    # its reports as the console's, the pause that ends the stall's report included
    _same_as_console(name, _ts(console, fmt), tmp_path)


@pytest.mark.parametrize("fmt", sorted(TS_FORMATS))
def test_an_oops_behind_a_readers_time_keeps_its_trace(fmt: str) -> None:
    # A whole x86 oops (its trace, its task, the panic after it) behind each stamp.
    console = (LAB / "null-deref.log").read_text()
    (want,) = parse_log(console.encode())
    (rep,) = parse_log(_ts(console, fmt).encode())
    assert _facts(rep) == _facts(want) and not rep.corrupted, rep.corrupted_reason
    assert len(rep.frames) == 8


@pytest.mark.parametrize(
    "log", sorted(DATA.glob("*.log")) + sorted(LAB.glob("*.log")), ids=lambda p: p.name
)
def test_a_line_readers_own_prefixes_are_no_readers_stamp(log: Path) -> None:
    # printk's time, dmesg's, syslog's and journalctl's dates, a serial capture's: the
    # line reader knows them, and reads each line by them as before
    assert log_stamp(log.read_text(encoding="latin-1")) is None


def _programs_first(console: str, programs: list[str]) -> str:
    """The kernel's lines as dmesg -t prints them, after ``programs``' lines."""
    return "".join(programs) + _PRINTK_TIME.sub("", console)


@pytest.mark.parametrize(
    "programs",
    [
        # a program's own log lines that start with a time, then the kernel's bare lines
        [f"10:11:{12 + i} [info] worker {i} started\n" for i in range(6)],
        # journalctl --no-hostname: each line names its writer after the date
        [f"Nov 27 10:11:{12 + i} dockerd[901]: WARNING: No swap limit support\n" for i in range(6)],
        [f"Nov 27 10:11:{12 + i} kernel: random: crng init done\n" for i in range(6)],
        # a syslog file's programs without a pid: every line could be syslog's
        [f"Nov 27 10:11:{12 + i} gnome-session: WARNING: App exited\n" for i in range(6)],
    ],
)
def test_a_log_whose_lines_only_sometimes_start_with_a_time_is_read_as_before(
    programs: list[str],
) -> None:
    console = (LAB / "null-deref.log").read_text()
    text = _programs_first(console, programs)
    assert log_stamp(text) is None
    (want,) = parse_log(_PRINTK_TIME.sub("", console).encode())
    (rep,) = parse_log(text.encode())
    assert _facts(rep) == _facts(want)


def test_a_syslog_file_of_programs_without_its_hosts_is_read_as_before() -> None:
    # journalctl --no-hostname of ubuntu-syslog-false-alarms: its programs' WARNING and
    # INFO lines stay theirs, its one kernel report the only one
    text = (DATA / "ubuntu-syslog-false-alarms.log").read_text()
    (want,) = parse_log(text.encode())
    hostless = text.replace(" buildhost ", " ")
    assert log_stamp(hostless) is None
    (rep,) = parse_log(hostless.encode())
    assert _facts(rep) == _facts(want)


def test_one_line_behind_a_time_is_not_enough_to_tell() -> None:
    # "Nov 27 10:11:12 BUG: ..." alone may be a --no-hostname syslog line of a program
    # named "BUG": the stamp is a reader's only when a log's every first line shows it
    console = (LAB / "null-deref.log").read_text()
    stamped = _ts(console, "ts").splitlines(keepends=True)
    assert log_stamp("".join(stamped[:3])) is None
    assert log_stamp("".join(stamped[:8])) is not None


@pytest.mark.parametrize("fmt", ["ts", "logcli --no-labels"])
def test_a_kernel_line_with_an_index_in_brackets_names_no_syslog_writer(
    fmt: str, tmp_path: Path
) -> None:
    # x86's boot prints "x86/fpu: xstate_offset[2]:  576, xstate_sizes[2]:  256"
    # (arch/x86/kernel/fpu/xstate.c print_xstate_offset_size()'s pr_info(), 6.12): its
    # first word ends in ":", which no syslog host does (RFC 3164's HOSTNAME, as
    # lines._HOST reads it), so it is no "host ident[pid]: " line. The CLI's window of
    # a console behind ts's time starts among those lines, and its stamp is the reader's.
    name = "x86-6.12.115-null-deref"
    console = (DATA / f"{name}.log").read_text(encoding="latin-1")
    stamped = _ts(console, fmt)
    fpu = stamped.index("x86/fpu: xstate_offset[2]:")
    assert log_stamp(stamped[stamped.rindex("\n", 0, fpu) + 1 :]) is not None
    (want,) = _reports(name)
    path = tmp_path / "console.log"
    path.write_text(stamped, encoding="latin-1")
    result = triage_input(str(path))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == [_facts(want)]
    assert [f.function for f in result.reports[0].frames[:4]] == [
        "hotfence_crash_do",
        "hotfence_crash_write",
        "proc_reg_write",
        "vfs_write",
    ]


@pytest.mark.parametrize("fmt", ["ts", "logcli --no-labels"])
def test_an_io_apics_boot_line_names_no_syslog_writer(fmt: str, tmp_path: Path) -> None:
    # x86's "IOAPIC[0]: apic_id 0, version 32, address 0xfec00000, GSI 0-23"
    # (arch/x86/kernel/apic/io_apic.c mp_register_ioapic(), 6.12) reads as a syslog
    # line's "ident[pid]: " of pid 0. A copy of a console behind ts's time that starts a
    # few lines before it (its BIOS map left out) keeps its stamp, and its oops.
    name = "x86-6.12.115-null-deref"
    lines = _ts((DATA / f"{name}.log").read_text(encoding="latin-1"), fmt).splitlines(keepends=True)
    ioapic = next(i for i, line in enumerate(lines) if "IOAPIC[0]: apic_id" in line)
    text = "".join(lines[ioapic - 5 :])
    assert log_stamp(text) is not None
    (want,) = _reports(name)
    _read_whole_and_streamed(text, want, tmp_path)


@pytest.mark.parametrize("fmt", ["ts", "logcli --no-labels"])
@pytest.mark.parametrize(
    ("name", "fault"),
    [
        # arch/x86/mm/fault.c show_signal_msg(), 6.12: "%s%s[%d]: segfault at %lx ip %px
        # sp %px error %lx", then print_vma_addr()'s " in %s[%lx+%lx]"
        (
            "x86-6.12.115-null-deref",
            "a.out[311]: segfault at 8 ip 0000559a1c2f1139 sp 00007ffd6c1e3a90 error 4"
            " in a.out[559a1c2f1000+1000] likely on CPU 1 (core 1, socket 0)",
        ),
        # arch/arm64/kernel/traps.c arm64_show_signal(), 6.1: "%s[%d]: unhandled
        # exception: ", then the ESR's class and the signal's text (pr_cont())
        (
            "arm64-6.1-oops",
            "sh[116]: unhandled exception: DABT (lower EL), ESR 0x0000000092000006,"
            " level 2 translation fault in busybox[aaaab1c50000+f0000]",
        ),
        # arch/arm64/mm/fault.c __do_user_fault(), 4.x: "%s[%d]: unhandled %s (%d) at
        # 0x%08lx, esr 0x%03x"
        (
            "arm64-6.1-oops",
            "sh[116]: unhandled level 1 translation fault (11) at 0x00000008, esr 0x92000005",
        ),
    ],
)
def test_a_user_tasks_fault_line_names_no_syslog_writer(
    name: str, fault: str, fmt: str, tmp_path: Path
) -> None:
    # The kernel's line for a task's unhandled fault starts with the task's "comm[pid]: ",
    # a syslog line's "ident[pid]: " to look at. A copy of a console behind ts's time
    # that starts with one, the oops a little after it, keeps its stamp and its oops.
    console = (DATA / f"{name}.log").read_text(encoding="latin-1").splitlines(keepends=True)
    at = next(i for i, line in enumerate(console) if re.search(r"\] (?:BUG:|Unable to) ", line))
    stamp = console[at][: console[at].index("] ") + 2]
    text = _ts("".join([*console[:at], stamp + fault + "\n", *console[at:]]), fmt)
    text = text[text.rfind("\n", 0, text.index(fault)) + 1 :]
    assert text.split("\n", 1)[0].endswith(fault)
    assert log_stamp(text) is not None
    (want,) = _reports(name)
    _read_whole_and_streamed(text, want, tmp_path)


@pytest.mark.parametrize("fmt", ["ts", "logcli --no-labels"])
@pytest.mark.parametrize(
    "fault",
    [
        # arch/powerpc/kernel/traps.c show_signal_msg(), 4.19+: "%s%s[%d]: %s (%d) at %lx
        # nip %lx lr %lx code %x", print_vma_addr()'s " in %s[%lx+%lx]", then
        # show_user_instructions()'s "%s[%d]: code: %s" rows (arch/powerpc/kernel/process.c)
        [
            "sh[87]: segfault (11) at 8 nip 7fff8a2c1d40 lr 7fff8a2c1d2c code 1"
            " in libc.so.6[7fff8a200000+250000]",
            "sh[87]: code: 7c0802a6 f8010010 f821ff91 60000000 e9230000 2c290000 41820010 39400000",
            "sh[87]: code: <e9290008> 7d2a4b78 38210070 e8010010 7c0803a6 4e800020"
            " 60000000 60000000",
        ],
        # before 4.19, _exception_pkey(): "%s[%d]: unhandled signal %d at %lx nip %lx lr
        # %lx code %x"
        ["sh[87]: unhandled signal 11 at 00000008 nip 10000418 lr 0fe5e8a8 code 30001"],
    ],
)
def test_a_powerpc_user_tasks_fault_lines_name_no_syslog_writer(
    fault: list[str], fmt: str, tmp_path: Path
) -> None:
    # powerpc's lines for a user task's unhandled signal start with the task's
    # "comm[pid]: " too: a copy of a console behind ts's time that starts with them keeps
    # its stamp and the oops after them.
    name = "ppc64le-6.1.0-50-mod-null"
    console = (DATA / f"{name}.log").read_text(encoding="latin-1").splitlines(keepends=True)
    at = next(i for i, line in enumerate(console) if "] Kernel attempted to read " in line)
    stamp = console[at][: console[at].index("] ") + 2]
    text = _ts("".join([*console[:at], *(stamp + f + "\n" for f in fault), *console[at:]]), fmt)
    text = text[text.rfind("\n", 0, text.index(fault[0])) + 1 :]
    assert text.split("\n", 1)[0].endswith(fault[0])
    assert log_stamp(text) is not None
    (want,) = _reports(name)
    _read_whole_and_streamed(text, want, tmp_path)


@pytest.mark.parametrize("mark", ["...", "[...]", "<snip>", "[ snip ]"])
def test_the_lines_a_poster_cut_leave_the_readers_stamp_to_the_rest(
    mark: str, tmp_path: Path
) -> None:
    # A stamped log as a tracker shows it (github openzfs/zfs#18107: a 6.19 WARNING's
    # lines behind a harness's time, its register dump cut to "..."): the poster kept
    # the boot's first lines and the oops, and put a line of their own between them.
    # That line is no reader's, and says nothing of the stamp on the others.
    name = "x86-6.12.115-null-deref"
    lines = _ts((DATA / f"{name}.log").read_text(encoding="latin-1"), "ts %.T").splitlines(
        keepends=True
    )
    header = next(i for i, line in enumerate(lines) if "BUG: kernel NULL pointer" in line)
    text = "".join(lines[:3] + [f"{mark}\n"] + lines[header - 5 :])
    (want,) = _reports(name)
    assert log_stamp(text) is not None
    _read_whole_and_streamed(text, want, tmp_path)


def _dmesg_human(console: str, boot: datetime, month: str = "Nov", point: str = ".") -> str:
    """``console`` as util-linux dmesg -H / -e prints it (print_record(), its
    DMESG_TIMEFTM_RELTIME case): short_ctime()'s "[%b%e %H:%M] " of the record's local
    time when its minute differs from the record before's, else the seconds since that
    record, "[  %+8.06f] " under 10 s, "[ %+9.06f] " from 10 s on; then the record's
    caller id when it has one (CONFIG_PRINTK_CALLER), "[%*s] " padded to the widest
    pid's width (here six). In another locale ``month`` is November's "%b" and ``point``
    LC_NUMERIC's decimal point, which "%f" writes."""
    out = []
    last: float | None = None
    last_minute = ""
    for m in re.finditer(r"(?m)^\[ *(\d+\.\d+)\](?:\[ *([TC]\d+)\])? (.*)$", console):
        at = float(m[1])
        t = boot + timedelta(seconds=at)
        minute = t.strftime("%b%e %H:%M").replace("Nov", month)
        if minute != last_minute or last is None:
            stamp = f"[{minute}] "
        else:
            delta = at - last
            stamp = f"[  {delta:+8.6f}] " if delta < 10 else f"[ {delta:+9.6f}] "
            stamp = stamp.replace(".", point)
        caller = f"[{m[2]:>6}] " if m[2] else ""
        out.append(stamp + caller + m[3] + "\n")
        last, last_minute = at, minute
    return "".join(out)


@pytest.mark.parametrize(
    ("second", "pause"), [(23.0, None), (25.5, None), (0.0, 150.0), (50.0, 150.0)]
)
@pytest.mark.parametrize(
    ("month", "point"), [("Nov", "."), ("ноя", ","), ("11月", "."), ("nov.", ",")]
)
def test_dmesg_human_times_end_reports_at_the_pause(
    second: float, pause: float | None, month: str, point: str, tmp_path: Path
) -> None:
    # A pause shows as a long time since the record before ("[ +29.842728] ") within a
    # minute, and as minutes apart where the minute changed: a stamp cuts off up to a
    # minute, so two minutes apart are a pause however the seconds lay. (One minute
    # apart may be a second's gap: there dmesg -H hides a pause, and none is made.) In a
    # Russian, Chinese or French locale the month is as strftime("%b") names it there and
    # the times since the record before have LC_NUMERIC's decimal point.
    name = "riscv64-6.12.117+deb13-mod-hardlockup"
    console = (DATA / f"{name}.log").read_text()
    if pause is not None:
        # the stall's kthread-starved part at 67.1 s, ``pause`` after the line before
        times = [float(m[1]) for m in _PRINTK_TIME.finditer(console)]
        starved = next(t for t in times if t > 60)
        before = max(t for t in times if t < starved)
        console = _moved(console, starved, before + pause - starved)
    want = [_facts(r) for r in parse_log(console.encode())]
    boot = datetime(2026, 11, 27, 10, 11, tzinfo=_UTC) + timedelta(seconds=second)
    human = _dmesg_human(console, boot, month, point)
    assert f"[  +0{point}" in human and f"[{month}27 10:1" in human
    assert [_facts(r) for r in parse_log(human.encode())] == want
    path = tmp_path / "dmesg-H.txt"
    path.write_text(human)
    assert [_facts(r) for r in triage_input(str(path)).reports] == want


# printk's time and caller id on a corpus console line: "[  123.456789][ T1234] "
_CALLER_RECORD = re.compile(r"(?m)^\[ *(\d+\.\d+)\]\[ *([TC]\d+)\] (.*)$")


def _paused_amid_others(log: str) -> str | None:
    """The caller-id records of corpus log ``log``, every one from the first place in its
    first report where another task's line follows the report's own (the report's own
    lines going on after it) printed 150 s later; None when the report has no such place."""
    records = [(float(m[1]), m[2], m[3]) for m in _CALLER_RECORD.finditer(log)]
    console = "".join(f"[{t:12.6f}][{c:>6}] {x}\n" for t, c, x in records)
    reports = parse_log(console)
    if not reports:
        return None
    header = console.count("\n", 0, reports[0].start)
    own = records[header][1]
    for i in range(header + 1, min(len(records) - 1, header + 60)):
        if (
            records[i][1] != own
            and records[i - 1][1] == own
            and any(c == own for _, c, _ in records[i + 1 : i + 5])
        ):
            return "".join(
                f"[{t + (150 if n >= i else 0):12.6f}][{c:>6}] {x}\n"
                for n, (t, c, x) in enumerate(records)
            )
    return None


def test_dmesg_human_times_show_a_pause_while_other_tasks_print() -> None:
    # With caller ids a report's stream is one task's lines; others' come between them.
    # dmesg -H's time since the record before is since any task's, and a minute line
    # may fall on another task's line: the stream's own pause shows only in the log's
    # clock read over every line (minutes apart, times since summed). Each corpus
    # console with caller ids whose first report another task's line interrupts, 150 s
    # passing before that line: as printk's time ends the report there, so do dmesg
    # -H's (26 of the 28 were read on past the pause).
    cases = 0
    for path in sorted((SYZ / "report").iterdir()):
        console = _paused_amid_others(syz_log(path.name))
        if console is None:
            continue
        want = [_facts(r) for r in parse_log(console.encode())]
        boot = datetime(2026, 11, 27, 10, 11, tzinfo=_UTC) + timedelta(seconds=cases % 6 * 10)
        human = _dmesg_human(console, boot)
        assert [_facts(r) for r in parse_log(human.encode())] == want, path.name
        cases += 1
    assert cases >= 25


@pytest.mark.parametrize("case", _stamped_panic_cases())
@pytest.mark.parametrize("fmt", ["dmesg -T", "syslog file"])
def test_a_panic_minutes_after_a_whole_report_is_its_own_by_the_wall_clock(
    case: str, fmt: str
) -> None:
    # test_realworld_multi's composition (corpus 184's kernel BUG, its end trace, then a
    # stamped corpus panic ten minutes later) with its printk times as wall-clock times:
    # the pause after the end trace still makes the panic a crash of its own
    first = syz_log("184").encode()
    second = _later(syz_log(case).encode(), _last_time(first) + 600)
    both = (first + second).decode()
    want = [_multi_facts(r) for r in parse_log(both.encode())]
    assert len(want) >= 2
    boot = datetime(2026, 11, 27, 10, 11, 12, tzinfo=_UTC)
    got = parse_log(_stamped(both, FORMATS[fmt], boot).encode())
    assert [_multi_facts(r) for r in got] == want


@pytest.mark.parametrize("fmt", ["ts", "ts -s", "logcli --no-labels", "aws logs tail"])
def test_a_long_log_behind_a_readers_time_streams_as_it_parses(fmt: str) -> None:
    # The CLI parses a long log a window at a time (prefilter): each window decides its
    # lines' stamp again, from its own first lines. 40 boots' SysRq-l backtraces (no
    # report) around the two lockups and an oops give the whole log's 9 reports, read
    # in 64 KB chunks or at once.
    quiet = (DATA / "ppc64le-6.1.0-50-sysrq-backtrace.log").read_text()
    crashes = [(DATA / f"{name}.log").read_text() for name in _LOCKUPS]
    logs = [quiet] * 30 + crashes + [quiet] * 10 + [(LAB / "null-deref.log").read_text()]
    data = "".join(_ts(log, fmt) for log in logs).encode()
    assert len(data) > 10 * (64 << 10)
    want = [dataclasses.asdict(r) for r in parse_log(data)]
    assert len(want) == 9
    for chunk in (32 << 20, 64 << 10):
        blocks = (data[i : i + 4096] for i in range(0, len(data), 4096))
        got = triage_blocks(line_blocks(blocks, ReadLimits()), chunk_bytes=chunk)
        assert [dataclasses.asdict(r) for r in got] == want


def _newest_first(log: str) -> str:
    """``log`` as `journalctl -r` (--reverse) prints its entries: newest first
    (journalctl.c walks the journal with sd_journal_previous()), each entry's own lines in
    their order; a line indented under a stamped one is that entry's (systemd's
    output.c print_multiline() indents a message's further lines under its first)."""
    entries: list[list[str]] = []
    for line in log.splitlines(keepends=True):
        if line[:1].isspace() and entries:
            entries[-1].append(line)
        else:
            entries.append([line])
    return "".join(line for entry in reversed(entries) for line in entry)


# journalctl's and syslog's own formats: what `journalctl -r` prints, or a syslog file
# through `tac`
_REVERSIBLE = sorted(f for f in FORMATS if "journalctl" in f or f in ("syslog file", "RFC 5424"))


@pytest.mark.parametrize("name", _LOCKUPS)
@pytest.mark.parametrize("fmt", _REVERSIBLE)
def test_a_journal_read_newest_first_reads_as_the_console(
    name: str, fmt: str, tmp_path: Path
) -> None:
    console = (DATA / f"{name}.log").read_text()
    boot = datetime(2026, 11, 27, 10, 11, 12, 345678, tzinfo=_UTC)
    path = tmp_path / "journal.txt"
    path.write_text(_newest_first(_stamped(console, FORMATS[fmt], boot)))
    result = triage_input(str(path))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == [_facts(r) for r in _reports(name)]


@pytest.mark.parametrize(
    "name",
    [
        # x86: the order of "Call Trace:" and its frames, "<TASK>" and "</TASK>", "<IRQ>"
        # and "</IRQ>", "[ cut here ]" and "---[ end trace"
        "x86-6.1-soft-lockup",
        "x86-6.1-warn-then-panic",
        "x86-6.6-hard-lockup-buddy",
        # other architectures, or reports without a trace's brackets: the rows of a
        # register dump follow one another in the order the architecture's show_regs()
        # prints them (ARM's "PC is at" before "LR is at", arm64's "x29:" down to "x0 :",
        # MIPS's "$ 0   :" up, powerpc's "GPR00:" up, x86's "RSP:" to "R13:",
        # print_mce()'s lines), and "Hardware name:" follows the "CPU: N PID: N Comm:"
        # line; a KFENCE report's frames follow its access line and its "allocated by
        # task" and "freed by task" lines, as a trace's follow "Call Trace:"
        "arm-3.4-oops",
        "arm64-6.1-cfi-failure",
        "arm64-6.1-oops",
        "arm64-6.1-ro-write",
        "arm64-serror",
        "debian6-i386-oops",
        "mips-4.19-bug",
        "mips-4.19-oops",
        "ppc64-rhel7-elfv1-oops",
        "ppc64le-5.10-oops",
        "rhel6-mce-fatal",
        "rhel7-hard-lockup-nmi-panic",
        "s390x-5.10-oops",
        "x86-6.1-kfence-uaf",
        "x86-mce-fatal",
    ],
)
def test_a_reports_second_read_newest_first_reads_as_the_console(name: str, tmp_path: Path) -> None:
    # Reports printed within one second: in whole-second stamps their lines give no step,
    # the order of lines the kernel always prints one after the other tells the order
    console = (DATA / f"{name}.log").read_text()
    boot = datetime(2026, 11, 27, 10, 11, 12, tzinfo=_UTC)
    path = tmp_path / "journal.txt"
    path.write_text(_newest_first(_stamped(console, FORMATS["journalctl short"], boot)))
    result = triage_input(str(path))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == [_facts(r) for r in _reports(name)]


def _read_newest_first(console: str, tmp_path: Path) -> list[tuple[object, ...]]:
    """The facts of ``console`` as `journalctl -k -r` prints it in whole seconds."""
    boot = datetime(2026, 11, 27, 10, 11, 12, tzinfo=_UTC)
    path = tmp_path / "journal.txt"
    path.write_text(_newest_first(_stamped(console, FORMATS["journalctl short"], boot)))
    result = triage_input(str(path))
    assert result.error is None
    return [_facts(r) for r in result.reports]


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        # x86 page_fault_oops(): "BUG: kernel NULL pointer dereference", "#PF:" twice,
        # "PGD", "Oops:", then "CPU: N UID: N PID:", its "Tainted: [O]=..." line (6.x),
        # "Hardware name:", "RIP:" (the quote stops before the register rows)
        ("x86-6.12.115-null-deref", "BUG: kernel NULL pointer", "Code:"),
        # before 4.17: "BUG: unable to handle kernel NULL pointer dereference", "IP:",
        # "PGD", "Oops:", "Modules linked in:", "CPU:", "Hardware name:"
        ("centos7-dockerd-ip6mr", "BUG: unable to handle", "Hardware name:"),
        # BUG(): "[ cut here ]", "kernel BUG at", die()'s "invalid opcode:", "CPU:"
        ("i386-6.1.0-50-mod-bug", "[ cut here ]", "Hardware name:"),
    ],
)
def test_a_reports_head_quoted_newest_first_reads_as_quoted(
    name: str, first: str, last: str, tmp_path: Path
) -> None:
    # A post quotes a report's head from `journalctl -k -r`: a few lines in one whole
    # second, no trace to give its order. The lines a report's head always prints one
    # after the other (their printers above) tell that it runs newest first.
    lines = (DATA / f"{name}.log").read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if first in line)
    end = next(i for i in range(start, len(lines)) if last in lines[i])
    head = "".join(lines[start : end + 1])
    (want,) = parse_log(head.encode())
    assert _read_newest_first(head, tmp_path) == [_facts(want)]


def test_an_oops_lines_picked_newest_first_read_as_picked(tmp_path: Path) -> None:
    # A post quotes the lines of an x86 oops it deems telling, from `journalctl -k -r`
    # in one whole second: die()'s "Oops:", "CPU: N PID:", "RIP:", "Code:" and "RSP:".
    # Since 4.19 show_opcodes() prints "Code:" between "RIP: 0010:" and the "RSP:" row
    # (arch/x86/kernel/dumpstack.c show_ip()), so they tell the order.
    console = (LAB / "null-deref.log").read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(console) if "Oops:" in line)
    picked = re.compile(r"\] (?:Oops|CPU|RIP|Code|RSP): ")
    quoted = "".join(line for line in console[start : start + 6] if picked.search(line))
    assert quoted.count("\n") == 5
    (want,) = parse_log(quoted.encode())
    assert _read_newest_first(quoted, tmp_path) == [_facts(want)]


@pytest.mark.parametrize(
    ("name", "picked"),
    [
        # show_regs()'s "RIP: 0010:" row (arch/x86/kernel/process_64.c; the poster cut
        # the other rows), then show_trace_log_lvl()'s "Call Trace:"
        ("x86-6.1-soft-lockup", r"soft lockup|RIP: 0010:|Call Trace:|\] +\S+\+0x"),
        # dump_stack(): dump_stack_print_info()'s "Hardware name:" (lib/dump_stack.c),
        # then the trace
        ("rhel7-hard-lockup-nmi-panic", r"hard LOCKUP|Hardware name:|Call Trace:|\[<"),
        # 2.6 i386 show_stack_log_lvl() (arch/x86/kernel/dumpstack_32.c): "Stack:" and
        # its rows of words, then "Call Trace:"
        ("debian6-i386-oops", r"BUG: unable|Stack:|\]  [0-9a-f]{8} |Call Trace:|\]  \[<"),
    ],
    ids=["registers", "task-header", "stack-words"],
)
def test_a_traces_head_quoted_newest_first_reads_as_quoted(
    name: str, picked: str, tmp_path: Path
) -> None:
    # A post quotes a report's first line, the line right before its trace and the
    # trace's first frames, from `journalctl -k -r` in one whole second. What the kernel
    # prints right before a trace's header (the task's header, its registers, its
    # stack's words) and the frames right after it both tell the order.
    lines = (DATA / f"{name}.log").read_text().splitlines(keepends=True)
    quoted = "".join(line for line in lines[:24] if re.search(picked, line))
    assert quoted.count("Call Trace:") == 1 and quoted.count("\n") >= 5
    (want,) = parse_log(quoted.encode())
    assert want.frames
    assert _read_newest_first(quoted, tmp_path) == [_facts(want)]


def test_a_hung_tasks_line_before_5_9_quoted_newest_first_reads_as_quoted(
    tmp_path: Path,
) -> None:
    # A post quotes a hung task's first line, its task line and its trace's first frames
    # from `journalctl -k -r` in one whole second; sched_show_task()'s task line in its
    # shape before 5.9 (kernel/sched/core.c: "%-15.15s %c", then "%5lu %5d %6d 0x%08lx":
    # stack left, pid, ppid, flags) comes right before "Call trace:".
    lines = (DATA / "arm64-6.1.0-50-hung-task.log").read_text().splitlines(True)
    start = next(i for i, line in enumerate(lines) if "blocked for more than" in line)
    task = re.compile(r"task:(.{15}) state:(.) stack:(\d+) +pid:(\d+) +ppid:(\d+) +flags:")
    quoted = "".join(
        task.sub(lambda m: f"{m[1]} {m[2]}{int(m[3]):5} {int(m[4]):5} {int(m[5]):6} ", line)
        for line in [lines[start], *lines[start + 3 : start + 12]]
    )
    assert "touch           D    0   101      1 0x00000004" in quoted
    (want,) = parse_log(quoted.encode())
    assert _read_newest_first(quoted, tmp_path) == [_facts(want)]


@pytest.mark.parametrize(
    ("case", "picked"),
    [
        # lockdep's print_circular_bug_header() (kernel/locking/lockdep.c): "WARNING: ..",
        # print_kernel_ident()'s "<release> #<build> Not tainted", a row of dashes, then
        # the locks the task takes and holds
        (
            "187",
            r"\] (?:WARNING: possible circular|4\.15\S+ #221 Not tainted|-{20,}$"
            r"|\S+ is trying|but task is already| \(.*\), at: )",
        ),
        # KASAN (mm/kasan/report.c): "BUG: KASAN: ..." and its "Read of size" line, then
        # dump_stack()'s "CPU:" and "Hardware name:"
        ("110", r"\] (?:BUG: KASAN|Read of size|CPU: \d|Hardware name)"),
    ],
    ids=["lockdep", "kasan"],
)
def test_a_checks_banner_quoted_newest_first_reads_as_quoted(
    case: str, picked: str, tmp_path: Path
) -> None:
    # A debugging check's banner lines follow one another in the order its printer
    # prints them; quoted from `journalctl -k -r` in one whole second, they tell the order.
    lines = syz_log(case).splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if re.search(picked, line))
    quoted = "".join(line for line in lines[start : start + 40] if re.search(picked, line))
    assert quoted.count("\n") >= 4
    (want,) = parse_log(quoted.encode())
    assert _read_newest_first(quoted, tmp_path) == [_facts(want)]


@pytest.mark.parametrize(
    ("name", "first", "count"),
    [
        # MIPS die() (arch/mips/kernel/traps.c): "Oops[#1]:", then show_registers()'s
        # __show_regs(): dump_stack_print_info()'s "CPU: N PID:" and the "$ 0   :" rows
        ("mips64el-6.1.0-50-mod-null", "Unable to handle kernel paging request", 5),
        # an arm64 oops's last frames, "Code:", "---[ end trace", then panic()'s
        # "Kernel panic - not syncing", smp_send_stop()'s "SMP: stopping secondary CPUs"
        # and the panic notifier's "Kernel Offset:" (arch/arm64/kernel/setup.c)
        ("arm64-6.1-oops", "__arm64_sys_write+", 13),
    ],
    ids=["mips-die", "arm64-panic"],
)
def test_an_oops_lines_around_die_quoted_newest_first_read_as_quoted(
    name: str, first: str, count: int, tmp_path: Path
) -> None:
    lines = (DATA / f"{name}.log").read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if first in line)
    quoted = "".join(lines[start : start + count])
    (want,) = parse_log(quoted.encode())
    assert _read_newest_first(quoted, tmp_path) == [_facts(want)]


def test_a_slub_reports_lines_quoted_newest_first_read_as_quoted(tmp_path: Path) -> None:
    # A post quotes a SLUB report's lines without its traces: slab_bug()'s (mm/slub.c)
    # "BUG <cache> (Tainted: ..): ..." and its row of dashes, then check_bytes_and_report()'s
    # "First byte" line and print_trailer()'s "Allocated in .. age=", "Freed in .. age=",
    # "Slab 0x.." and "Object 0x..", each with the "INFO: " they had before 5.14 (which
    # makes "INFO: Freed in .." a report's first line read first).
    console = (DATA / "arm64-6.1.0-50-mod-slub-poison.log").read_text()
    picked = re.compile(
        r"\] (?:BUG kmalloc|-{20,}$|0x\S+ @offset|Allocated in|Freed in|Slab 0x|Object 0x)"
    )
    stamp = re.compile(r"^(\[ *[\d.]+\]) (?=[^B-])")
    quoted = "".join(
        stamp.sub(r"\1 INFO: ", line) for line in console.splitlines(True) if picked.search(line)
    )
    assert quoted.count("INFO: ") == 5
    (want,) = parse_log(quoted.encode())
    assert _read_newest_first(quoted, tmp_path) == [_facts(want)]


def test_a_warnings_tail_and_the_next_ones_head_quoted_newest_first_read_as_quoted(
    tmp_path: Path,
) -> None:
    # A post quotes a warning printed twice (WARN() without _ONCE): a few of the first
    # one's last frames, "</TASK>" and "---[ end trace" (print_oops_end_marker()), then
    # the second one from "[ cut here ]" (lib/bug.c __warn()) to its first frames, its
    # register rows cut. Its first "---[ end trace" and "</TASK>" come before its first
    # "[ cut here ]" and "<TASK>" though it runs forwards: only a pair with a trace
    # between them tells which way they run.
    lines = (LAB / "warn.log").read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if "[ cut here ]" in line)
    end = next(i for i, line in enumerate(lines) if "---[ end trace" in line)
    tail = re.compile(r"\]  (?:proc_reg_write|vfs_write|ksys_write)\+|</TASK>|end trace")
    head = re.compile(r"\] (?:-+\[ cut|WARNING|Modules|CPU|Hardware|Call Trace)|<TASK>|\]  hotf")
    later = re.compile(r"^\[ *(\d+\.\d+)\]")
    quoted = "".join(
        [line for line in lines[cut : end + 1] if tail.search(line)]
        + [
            later.sub(lambda m: f"[{float(m[1]) + 0.05:12.6f}]", line)
            for line in lines[cut:end]
            if head.search(line)
        ]
    )
    assert quoted.count("<TASK>") == 1 and quoted.count("</TASK>") == 1
    want = parse_log(quoted.encode())
    assert len(want) == 1
    assert _read_newest_first(quoted, tmp_path) == [_facts(r) for r in want]


def test_hung_task_headers_quoted_newest_first_read_as_quoted(tmp_path: Path) -> None:
    # A post quotes only the hung task check's lines for each report, its traces cut:
    # check_hung_task() (kernel/hung_task.c) prints "INFO: task %s:%d blocked for more
    # than", the "Tainted:" line and the '"echo 0 > ..." disables this message.' line, so
    # one report's last line comes right before the next one's first. That step back is
    # no sign of a log read backwards, nor its mirror of one read forwards.
    console = (DATA / "arm64-6.1.0-50-hung-task.log").read_text()
    heads = re.compile(
        r"INFO: task .* blocked for more than|\s{5}(?:Not tainted|Tainted: )|echo 0 >"
    )
    quoted = "".join(line for line in console.splitlines(keepends=True) if heads.search(line))
    # (the check names a task each time: here another one for each report)
    tasks = iter(["touch:101", "sync:102", "cp:103", "dd:104", "tar:105"])
    quoted = re.sub("touch:101", lambda _: next(tasks), quoted)
    want = parse_log(quoted.encode())
    assert len(want) >= 3
    boot = datetime(2026, 11, 27, 10, 11, 12, 345678, tzinfo=_UTC)
    path = tmp_path / "journal.txt"
    path.write_text(_newest_first(_stamped(quoted, FORMATS["journalctl short-precise"], boot)))
    result = triage_input(str(path))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == [_facts(r) for r in want]


def test_a_reversed_journal_keeps_each_entrys_lines_and_its_head(tmp_path: Path) -> None:
    # The x86 oops of the lab in a whole-second journal, after a program's multi-line
    # entry (systemd-coredump's, its stack trace indented under its first line) and
    # under journalctl's head line; printed newest first.
    console = (LAB / "null-deref.log").read_text()
    (want,) = parse_log(console.encode())
    boot = datetime(2026, 11, 27, 10, 11, 12, tzinfo=_UTC)
    journal = _stamped(console, FORMATS["journalctl short"], boot)
    coredump = (
        "Nov 27 10:11:13 node-a systemd-coredump[311]: Process 302 (crashd) of user 0 dumped"
        " core.\n"
        "                                              Stack trace of thread 302:\n"
        "                                              #0  0x00007f0e1b2c3d4e raise"
        " (libc.so.6 + 0x3d4e)\n"
        "                                              #1  0x00007f0e1b2a1234 abort"
        " (libc.so.6 + 0x1234)\n"
    )
    head = "-- Journal begins at Fri 2026-11-27 10:11:12 UTC, ends at Fri 2026-11-27 10:12:00 UTC. --\n"
    path = tmp_path / "journal.txt"
    path.write_text(head + _newest_first(coredump + journal))
    result = triage_input(str(path))
    assert result.error is None
    (rep,) = result.reports
    assert _facts(rep) == _facts(want) and not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert len(rep.frames) == 8


@pytest.mark.parametrize(
    "log",
    sorted(DATA.glob("*.log")) + sorted(LAB.glob("*.log")) + sorted((SYZ / "report").iterdir()),
    ids=lambda p: p.name,
)
def test_a_log_read_oldest_first_is_read_as_it_is(log: Path) -> None:
    # Steps back of a clock set, a boot, two consoles or two copies of a log: none of
    # them makes a log read forwards look reversed.
    data = log.read_bytes()
    assert b"".join(raw_blocks(io.BytesIO(data), str(log))) == data


@pytest.mark.parametrize("late", [130.0, 600.0])
def test_a_trace_a_syslog_read_late_is_one_report(late: float) -> None:
    # syslogd stamps a kernel line without a time of its own when it reads it (sysklogd
    # logmsg(), rsyslog imklog): a lockup keeps it from running, and the rest of a trace
    # the kernel printed in one call comes minutes later (a Fedora Core 6 soft lockup's:
    # "03:47:38 ... smp_apic_timer_interrupt", "03:49:59 ... apic_timer_interrupt").
    # 2.6.17 softlockup_tick()'s dump over the RHEL 5 i386 oops's EIP and trace (as
    # test_realworld_old's), in a syslog file read so: one report, as the console's. A
    # pause before another line than the trace's next entry still ends the report.
    lines = (DATA / "el5-i386-oops.log").read_text().splitlines(keepends=True)
    head = lines.index("Call Trace:\n")
    end = lines.index(" =======================\n")
    console = [
        "BUG: soft lockup detected on CPU#0!\n",
        " [<c0104e7f>] show_trace+0xd/0xf\n",
        " [<c0104e96>] dump_stack+0x15/0x17\n",
        " [<c015ad02>] softlockup_tick+0xc5/0xd9\n",
        " [<c0134c02>] run_local_timers+0x22/0x24\n",
        " [<c0134fb7>] update_process_times+0x40/0x65\n",
        " [<c011aa56>] smp_apic_timer_interrupt+0x58/0x60\n",
        " [<c010492b>] apic_timer_interrupt+0x27/0x2c\n",
        " [<f8a1e0a3>] ext3_journal_start_sb+0x13/0x50 [ext3]\n",
        *lines[head + 1 : end + 1],
        "hda: drive not ready for command\n",
    ]
    (want,) = parse_log("".join(console))
    assert want.title == "BUG: soft lockup in ext3_journal_start_sb" and not want.corrupted
    boot = datetime(2007, 1, 28, 3, 47, 38, tzinfo=_UTC)
    cut = console.index(" [<c010492b>] apic_timer_interrupt+0x27/0x2c\n")

    def syslog(at: int, stamp: str = "%b %d %H:%M:%S localhost kernel: ") -> str:
        out = []
        for i, ln in enumerate(console):
            wall = boot + timedelta(seconds=late if i >= at else 0)
            out.append(wall.strftime(stamp) + ln)
        return "".join(out)

    (got,) = parse_log(syslog(cut))
    assert (got.title, got.corrupted) == (want.title, False)
    assert [f.function for f in got.frames] == [f.function for f in want.frames]
    # the pause before the line after the trace: the report is the trace's
    (got,) = parse_log(syslog(len(console) - 1))
    assert got.title == want.title and got.end_line == len(console) - 1
    # dmesg -T's time is the record's printk time (util-linux print_record()): there the
    # pause is the kernel's, and ends the report as in a console
    (got,) = parse_log(syslog(cut, "[%a %b %d %H:%M:%S %Y] "))
    assert (got.title, got.corrupted) == ("BUG: soft lockup in corrupted", True)
