"""Real kernel logs behind the line prefixes other programs print: the reports and the
lines' contexts come out as from the kernel's own console.

The logs are syzkaller corpus cases recorded with printk's caller id (several tasks'
lines interleaved: a report is told from the others by its task's id), rewritten into
the shape the program that reads the kernel's records prints (its source cited at each).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from corpus import syz_log
from hotfence.triage.lines import parse_prefix
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_input
from test_realworld_wrap import _facts

# printk's time and caller id as the kernel's console prints them, "[%5lu.%06lu][%6s] "
# (kernel/printk/printk.c print_time(), print_caller())
_STAMPED = re.compile(r"(?m)^\[ *(\d+\.\d+)\]\[ *([CT]\d+)\] ")
# Corpus cases whose report is found only by its task's caller id: without the ids
# other tasks' lines run into it. (Cases whose printk times go back by minutes, as
# some of the corpus's do, are left out: dmesg -e prints that as a long time since the
# record before, a pause that rightly ends a report.)
_INTERLEAVED = ["340", "473", "626", "749"]
_BOOT = datetime(2026, 1, 13, 4, 33, 10, tzinfo=UTC)


def _console(case: str) -> str:
    return syz_log(case).split("\nREPORT:\n")[0]


def _dmesg(console: str, times: Callable[[float, float | None, datetime], str]) -> str:
    """``console`` as util-linux dmesg prints its records (sys-utils/dmesg.c
    print_record()): with -x the facility and level "%-6s:%-6s: ", then each time format
    asked for, one after another, then the caller id "[%*s] " padded to the widest pid
    the system may have, then the text."""
    last: float | None = None

    def line(m: re.Match[str]) -> str:
        nonlocal last
        at = float(m[1])
        stamp = times(at, last, _BOOT + timedelta(seconds=at))
        last = at
        return f"kern  :warn  : {stamp}[{m[2]:>7}] "

    out = _STAMPED.sub(line, console)
    assert not _STAMPED.search(out)
    return out


def _reltime_ctime(at: float, last: float | None, t: datetime) -> str:
    # --time-format reltime (DMESG_TIMEFTM_RELTIME: "[%b%e %H:%M] " when the minute
    # changed, else "[  %+8.06f] " of the seconds since the record before) then ctime
    # (record_ctime(): "[%a %b %e %H:%M:%S %Y] "). dmesg's minute test is simplified to
    # "first record": the later ones all print the time since the one before.
    rel = f"[{t:%b%e %H:%M}] " if last is None else f"[  {at - last:+8.6f}] "
    return rel + t.strftime("[%a %b %e %H:%M:%S %Y] ")


def _iso_raw(at: float, last: float | None, t: datetime) -> str:
    # --time-format iso (DMESG_TIMEFTM_ISO8601, "%Y-%m-%dT%H:%M:%S,%06ld+00:00 ") then raw
    # (DMESG_TIMEFTM_TIME, "[%5ld.%06ld] "): printk's own time second
    return t.strftime("%Y-%m-%dT%H:%M:%S,%f+00:00 ") + f"[{at:12.6f}] "


def _ctime(at: float, last: float | None, t: datetime) -> str:
    return t.strftime("[%a %b %e %H:%M:%S %Y] ")  # dmesg -T alone


def _raw_ctime(at: float, last: float | None, t: datetime) -> str:
    return f"[{at:12.6f}] " + t.strftime("[%a %b %e %H:%M:%S %Y] ")  # raw, then ctime


@pytest.mark.parametrize("times", [_reltime_ctime, _iso_raw, _ctime, _raw_ctime])
@pytest.mark.parametrize("case", _INTERLEAVED)
def test_dmesg_times_then_the_caller_id_keep_the_task_apart(
    case: str, times: Callable[[float, float | None, datetime], str], tmp_path: Path
) -> None:
    console = _console(case)
    want = [_facts(r) for r in parse_log(console.encode())]
    assert want
    # the caller ids are what keeps the report whole here
    anonymous = _STAMPED.sub(lambda m: f"[{m[1]}] ", console)
    assert [_facts(r) for r in parse_log(anonymous.encode())] != want
    dmesg = _dmesg(console, times)
    assert [_facts(r) for r in parse_log(dmesg.encode())] == want
    path = tmp_path / "dmesg.txt"
    path.write_text(dmesg)
    result = triage_input(str(path))  # the CLI's path: candidate regions first
    assert result.error is None
    assert [_facts(r) for r in result.reports] == want


def test_each_dmesg_line_reads_as_the_kernels_line() -> None:
    console = _console(_INTERLEAVED[0])
    first = next(_STAMPED.finditer(console))
    text = console[first.end() : console.index("\n", first.end())]
    for times in (_reltime_ctime, _iso_raw, _ctime, _raw_ctime):
        line = _dmesg(first.group() + text + "\n", times).rstrip("\n")
        got, context, stamp = parse_prefix(line)
        assert (got, context) == (text, first[2])
        # the printk time, where dmesg printed it
        assert stamp == (float(first[1]) if times in (_iso_raw, _raw_ctime) else None)


# sysklogd 2.x (troglobit/sysklogd src/syslogd.c): a file action with ";RFC5424" is
# written by fmt5424(), "<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG", less its
# first iovec: fprintlog_write() writes a file, tty or pipe from &iov[1], no "<PRI>1 ".
# TIMESTAMP is RFC5424_DATEFMT's, microseconds and a ":" in the offset; an absent field
# is "-". The kernel's records are APP-NAME "kernel".
_RFC3164_LINE = re.compile(
    r"(?m)^(\w{3}) +(\d+) (\d\d:\d\d:\d\d) (\S+) ([^\s\[:]+)(?:\[(\d+)\])?: "
)


def _sysklogd_file(syslog: str) -> str:
    """``syslog`` (rsyslog's traditional file format, "%b %e %T host ident[pid]: ") as
    sysklogd writes the same records to a file with ";RFC5424"."""

    def line(m: re.Match[str]) -> str:
        month = datetime.strptime(m[1], "%b").month
        stamp = f"2026-{month:02d}-{int(m[2]):02d}T{m[3]}.000000+00:00"
        return f"{stamp} {m[4]} {m[5]} {m[6] or '-'} - - "

    out = _RFC3164_LINE.sub(line, syslog)
    assert not _RFC3164_LINE.search(out)
    return out


_DATA = Path(__file__).parent / "data" / "realworld"
_LAB = Path(__file__).parent / "lab"


def test_a_sysklogd_rfc5424_file_reads_as_the_traditional_one(tmp_path: Path) -> None:
    # Ubuntu's syslog: programs' WARNING: and INFO: lines around one kernel WARNING
    syslog = (_DATA / "ubuntu-syslog-false-alarms.log").read_text()
    want = [_facts(r) for r in parse_log(syslog.encode())]
    assert len(want) == 1
    rfc5424 = _sysklogd_file(syslog)
    assert " kernel - - - " in rfc5424 and " openvpn 812 - - WARNING:" in rfc5424
    assert [_facts(r) for r in parse_log(rfc5424.encode())] == want
    path = tmp_path / "messages"
    path.write_text(rfc5424)
    assert [_facts(r) for r in triage_input(str(path)).reports] == want


def test_a_programs_lines_in_a_sysklogd_rfc5424_file_are_no_report(tmp_path: Path) -> None:
    # A real oops (the lab's, Debian 6.1) as a program relayed it line by line to syslog
    # (a crash reporter quoting it): the program's lines, in either file format, are no
    # kernel report, however the text looks.
    console = (_LAB / "null-deref.log").read_text()
    assert parse_log(console.encode())
    texts = re.findall(r"(?m)^\[ *\d+\.\d+\] (.*)$", console)
    syslog = "".join(f"Nov 27 10:11:12 node-a oops-relay[812]: {t}\n" for t in texts)
    assert parse_log(syslog.encode()) == []
    rfc5424 = _sysklogd_file(syslog)
    assert parse_log(rfc5424.encode()) == []
    path = tmp_path / "messages"
    path.write_text(rfc5424)
    assert list(triage_input(str(path)).reports) == []


def _docker_for_windows_log(console: str) -> str:
    """``console`` as Docker for Windows' log.txt holds its VM's console (lines.py
    _DOCKER_WIN_RE): "[%H:%M:%S.fff][%-15s][%-7s] " of the time, the component "Moby"
    and the level, then the console's line; the app's other components' lines between."""
    out = []
    for i, line in enumerate(console.splitlines()):
        stamp = f"[10:00:{27 + i // 1000:02d}.{i % 1000:03d}]"
        out.append(f"{stamp}[{'Moby':<15}][{'Info':<7}] {line}\n")
        if i % 7 == 3:
            out.append(f"{stamp}[{'VpnKit':<15}][{'Error':<7}] BUG: unable to reach host\n")
    return "".join(out)


def test_docker_for_windows_log_reads_as_its_vms_console() -> None:
    # A real x86 oops (6.12.115) as Docker for Windows' log shows its Linux VM's console:
    # the facts are the console's, the app's own components' lines no report's.
    console = (_DATA / "x86-6.12.115-null-deref.log").read_text()
    want = [_facts(r) for r in parse_log(console.encode())]
    assert len(want) == 1
    log = _docker_for_windows_log(console)
    assert [_facts(r) for r in parse_log(log.encode())] == want
    # (and the console with no printk times, as the 4.x Moby VMs printed it)
    bare = re.sub(r"(?m)^\[ *\d+\.\d+\] ", "", console)
    want_bare = [_facts(r) for r in parse_log(bare.encode())]
    assert len(want_bare) == 1
    assert [_facts(r) for r in parse_log(_docker_for_windows_log(bare).encode())] == want_bare
    line = "[10:00:28.592][Moby           ][Info   ] [  301.100001] RIP: 0010:f+0x1/0x2"
    assert parse_prefix(line) == ("RIP: 0010:f+0x1/0x2", "console", 301.100001)
    app = "[10:00:28.592][VpnKit         ][Info   ] Kernel panic - not syncing: x"
    assert parse_prefix(app) == (app, "", None)


def _syslog_file(console: str) -> str:
    """``console``'s lines as rsyslog's traditional file format writes the kernel's records
    ("%b %e %T host kernel: " then the record, its printk time first)."""
    return "".join(f"Oct 30 16:52:20 ubuntu kernel: {line}\n" for line in console.splitlines())


def test_a_pastes_blank_before_a_syslog_line_keeps_the_report_whole() -> None:
    # A real x86 oops (6.12.115) as rsyslog wrote it, pasted where a blank came before
    # some of its lines (github pmem/issues#33: " Oct 30 16:52:20 ubuntu kernel: [..]
    # IP: [] fput+0xd/0x90" under the BUG line): the facts are the syslog file's.
    syslog = _syslog_file((_DATA / "x86-6.12.115-null-deref.log").read_text())
    want = [_facts(r) for r in parse_log(syslog.encode())]
    assert len(want) == 1 and want[0][8]
    lines = syslog.splitlines(keepends=True)
    for blank in (" ", "\t", "  "):
        pasted = "".join(blank + line if i % 2 else line for i, line in enumerate(lines))
        assert [_facts(r) for r in parse_log(pasted.encode())] == want
    line = " Oct 30 16:52:20 ubuntu kernel: [14998.192330] IP: [] fput+0xd/0x90"
    assert parse_prefix(line) == ("IP: [] fput+0xd/0x90", "syslog", 14998.19233)
    # a program's line keeps its blank: no kernel line in it
    program = " Oct 30 16:52:20 ubuntu kerneloops[812]: BUG: x"
    assert parse_prefix(program) == (program, "", None)


_SYSLOG_FIELDS = re.compile(r"(?m)^(\w{3}) +(\d+) (\d\d:\d\d:\d\d) (\S+) ")


def _cut_date_and_host(syslog: str) -> str:
    """``syslog`` as ``cut -d" " -f3,5-`` of its lines prints it: the clock time and the
    identifier kept, the month, day and host cut ("18:49:56 kernel: Call trace:")."""
    return _SYSLOG_FIELDS.sub(lambda m: m[3] + " ", syslog)


@pytest.mark.parametrize(
    "name",
    [
        "rhel6-syslog-hung-task.log",
        "rhel6-syslog-old-warning.log",
        "ubuntu-syslog-false-alarms.log",
    ],
)
def test_a_syslog_cut_to_its_time_and_identifier_reads_as_the_syslog(name: str) -> None:
    # Real syslog files' kernel reports (and Ubuntu's programs' WARNING: and INFO: lines
    # around one) with the month, day and host cut off each line, as github
    # raspberrypi/linux#5138 posted a CM4's journal: the facts are the syslog file's.
    syslog = (_DATA / name).read_text()
    want = [_facts(r) for r in parse_log(syslog.encode())]
    assert want and all(w[8] for w in want)
    cut = _cut_date_and_host(syslog)
    assert not _SYSLOG_FIELDS.search(cut) and re.match(r"\d\d:\d\d:\d\d \S+: ", cut)
    assert [_facts(r) for r in parse_log(cut.encode())] == want
    line = "18:49:56 kernel: dump_stack (lib/dump_stack.c:114) "
    assert parse_prefix(line) == ("dump_stack (lib/dump_stack.c:114) ", "syslog", None)
    program = "18:49:56 rpidmareproducer[1021]: done...closing"
    assert parse_prefix(program) == (program, "", None)


def _bold(console: str, line: str, to: str | None = None) -> str:
    """``console`` as a GitHub issue's Markdown source shows it with the record ``line``
    made bold (CommonMark's "**" right after its time and at its end), or, with ``to``,
    the lines from ``line`` to ``to`` ("**" before the first one's time, after the last
    one's text)."""
    if to is None:
        return re.sub(rf"(?m)^(\[ *\d+\.\d+\] )({re.escape(line)})$", r"\1**\2**", console)
    out = re.sub(rf"(?m)^(\[ *\d+\.\d+\] {re.escape(line)})$", r"**\1", console)
    return re.sub(rf"(?m)^(\[ *\d+\.\d+\] {re.escape(to)})$", r"\1**", out)


@pytest.mark.parametrize(
    ("name", "line", "to"),
    [
        # the panic's message is the title (kernel/panic.c panic(): "Kernel panic - not
        # syncing: %s")
        (
            "arm64-6.1.0-50-sysrq-crash.log",
            "Kernel panic - not syncing: sysrq triggered crash",
            None,
        ),
        (
            "arm64-6.1.0-50-no-root.log",
            "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
            None,
        ),
        # the task's line to the pc's, whose function is the title's
        (
            "arm64-6.1.0-50-mod-null.log",
            "CPU: 0 PID: 88 Comm: sh Tainted: G           OE      6.1.0-50-arm64 #1  Debian 6.1.176-1",
            "pc : hotfence_crash_null_deref+0x2c/0x40 [hotfence_crash]",
        ),
    ],
)
def test_a_trackers_bold_lines_read_as_the_kernels(name: str, line: str, to: str | None) -> None:
    # Real arm64 consoles (6.1) posted to a tracker with lines of their report made bold
    # (github raspberry-vanilla/android_local_manifest#90: "[  236.312422] **Kernel
    # panic - not syncing: ...**"): the facts are the console's, the title without stars.
    console = (_DATA / name).read_text()
    want = [_facts(r) for r in parse_log(console.encode())]
    assert want and want[0][8]
    bold = _bold(console, line, to)
    assert bold.count("**") == 2
    assert [_facts(r) for r in parse_log(bold.encode())] == want
    # printk's own stars stay: "** %u printk messages dropped **" (kernel/printk/printk.c)
    dropped = "[  236.312422] ** 3 printk messages dropped **"
    assert parse_prefix(dropped)[0] == "** 3 printk messages dropped **"
