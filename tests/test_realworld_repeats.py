"""Logs whose kernel lines come more than once: a console capture and then util-linux
``dmesg`` (or ``journalctl -k``, kdump's vmcore-dmesg.txt, a pstore record) pasted into
one bug report, kern.log and syslog concatenated (rsyslog writes the kernel's lines to
both), two consoles on one capture. The kernel printed each record once
(kernel/printk/printk.c stamps it with print_time()): a report read again is one report,
with the facts of the copy that holds most of it; a crash printed later in time is a
crash of its own.

The logs are the real ones of tests/data/realworld (see its README.md), repeated the
ways those programs repeat them.
"""

from __future__ import annotations

import re

import pytest

from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_blocks
from hotfence.triage.reader import ReadLimits, line_blocks
from test_realworld_ci import _both_readers, _lines, _parse
from test_realworld_wrap import _facts


def _restamped(lines: list[str], seconds: float) -> list[str]:
    return [
        re.sub(r"^\[ *(\d+\.\d+)\]", lambda m: f"[{float(m.group(1)) + seconds:12.6f}]", line)
        for line in lines
    ]


_CUT_SHORT = [
    "x86-6.12.115-null-deref",
    "arm64-6.1.0-50-mod-null",
    "arm64-6.1.0-50-mod-warn",
    "armhf-6.1.0-50-mod-bug",
    "ppc64le-6.1.0-50-mod-null",
    "riscv64-6.12.117+deb13-mod-bug",
    "s390x-6.1.0-50-mod-bug",
    "i386-6.1.0-50-mod-slub-redzone",
]


@pytest.mark.parametrize("name", _CUT_SHORT)
@pytest.mark.parametrize("keep", [2, 0.5])
def test_a_console_cut_short_then_dmesg_is_one_report_with_dmesgs_facts(
    name: str, keep: float
) -> None:
    """A console capture that stops in the middle of a crash (the capture was ended, the
    serial line dropped the rest) and then util-linux ``dmesg`` of the same boot, whole:
    the crash's first record comes again with its time (print_time()), so it is one
    report, and the copy that holds the crash's trace has its facts. The cut copy, read
    first, was the report: no trace, no task, corrupted. A whole copy read first stays the
    report; the same crash printed later in time is a second one."""
    log = _lines(name)
    (want,) = _parse(log)
    head = want.start_line - 1
    cut = head + (keep if isinstance(keep, int) else int((want.end_line - head) * keep))
    for reports in _both_readers(log[:cut] + log):
        assert [(_facts(r), r.rip, r.start_line) for r in reports] == [
            (_facts(want), want.rip, cut + want.start_line)
        ], name
    for reports in _both_readers(log + log[:cut]):
        assert [(_facts(r), r.start_line) for r in reports] == [(_facts(want), want.start_line)]
    later = log[:cut] + _restamped(log, 1000)
    assert [r.title for r in _parse(later)][-1] == want.title
    assert len(_parse(later)) == 2


_STAMP = re.compile(r"^\[ *\d+\.\d+\] ?")


def _journal(lines: list[str]) -> list[str]:
    """``lines`` as ``journalctl -k`` prints them: systemd's short output (logs-show.c
    output_short()) writes the wall-clock time, host and "kernel:" before each message,
    with no printk time."""
    return [
        f"Nov 29 03:{10 + i // 3600:02d}:{i // 60 % 60:02d} box kernel: " + _STAMP.sub("", line)
        for i, line in enumerate(lines)
    ]


_JOURNAL_THEN_DMESG = [
    "x86-6.12.115-null-deref",
    "arm64-6.1.0-50-mod-null",
    "armhf-6.1.0-50-mod-warn",
    "mipsel-6.1.0-50-mod-bug",
    "riscv64-6.12.117+deb13-mod-slub-redzone",
    "s390x-6.1.0-50-kill-init",
    "arm64-6.1.0-50-oom",
    "x86-6.18.44-memcg-oom",
    "x86-6.1-rtnl-dump-stack",
]


@pytest.mark.parametrize("name", _JOURNAL_THEN_DMESG)
@pytest.mark.parametrize("first", ["journal", "notime"])
def test_a_crash_read_without_times_then_with_them_is_one_report(name: str, first: str) -> None:
    """``journalctl -k`` and then util-linux ``dmesg`` pasted into one bug report (or
    ``dmesg --notime``, a console without printk.time, and then ``dmesg``): the crash
    comes twice, first without its printk time. Both were reports, the same crash twice
    (an OOM kill twice too). Now the stamped copy is the report, with the copy read
    first's context: the same facts as the log alone. The same crash printed later in
    time after a stamped copy, or another crash of the same first line, stays a report."""
    log = _lines(name)
    want = _parse(log)
    assert want
    plain = _journal(log) if first == "journal" else [_STAMP.sub("", x) for x in log]
    for reports in _both_readers(plain + log):
        assert [(_facts(r), r.rip, r.context) for r in reports] == [
            (_facts(w), w.rip, w.context) for w in want
        ], name
        # (a crash's report is the stamped copy's; an OOM kill's stays the first copy's)
        assert [r.start_line - len(plain) * (r.type != "OOM-KILL") for r in reports] == [
            w.start_line for w in want
        ], name
    # another crash whose first line is the same text: its later lines differ
    other = [re.sub(r"\b(PID: +|pid |pid=|process )\d+", r"\g<1>4242", x) for x in log]
    assert len(_parse(plain[: want[-1].end_line] + other)) == 2 * len(want), name


# Cut where the console's copy reads past the untimed copy's header (MIPS's register
# dump), or at the header of a report the whole log starts a few lines before it (x86's
# "Missing ENDBR: %pS" before its BUG, 32-bit ARM's "Unhandled fault" before "Internal
# error"): parser._bare_copy_in, parser._cut_copy_of
_CUT_THEN_UNTIMED = [
    *_CUT_SHORT,
    "mips-4.19-bug",
    "armhf-6.1.0-50-mod-null",
    "x86-6.1-missing-endbr",
]


@pytest.mark.parametrize("name", _CUT_THEN_UNTIMED)
@pytest.mark.parametrize("keep", [2, 3, 0.5])
@pytest.mark.parametrize("then", ["journal", "notime"])
def test_a_console_cut_short_then_the_log_without_times_is_one_report_of_the_whole(
    name: str, keep: float, then: str
) -> None:
    """A console capture that stops in the middle of a crash and then the same boot's
    log whole without printk times (``journalctl -k``: systemd's short output prints no
    printk time; ``dmesg --notime``), far on in the paste. The untimed header was taken
    for the stamped one's record printed again and dropped, so the cut copy stayed the
    report: no trace, corrupted. Its text again holding the cut copy's lines in order is
    that crash printed again (print_time() stamped the record once): one report, of the
    copy that holds most of it. (Another crash of the same first line stays two, as
    test_a_crash_read_without_times_then_with_them_is_one_report has it.)"""
    log = _lines(name)
    (want,) = _parse(log)
    head = want.start_line - 1
    cut = head + (keep if isinstance(keep, int) else int((want.end_line - head) * keep))
    again = _journal(log) if then == "journal" else [_STAMP.sub("", x) for x in log]
    between = ["user"] * 40
    for reports in _both_readers(log[:cut] + between + again):
        assert [(_facts(r), r.rip, r.start_line) for r in reports] == [
            (_facts(want), want.rip, cut + len(between) + want.start_line)
        ], name


_STARTED_MIDWAY = [
    "x86-6.12.115-null-deref",
    "x86-6.1-missing-endbr",
    "x86-6.6-hard-lockup-buddy",
    "arm64-6.1-oops",
    "arm64-6.1.0-50-mod-null",
    "arm64-6.1.0-50-mod-softlockup",
    "armhf-6.1.0-50-mod-stack-overflow",
    "i386-6.1.0-50-mod-null",
    "mipsel-6.1.0-50-mod-softlockup",
    "ppc64le-6.1.0-50-mod-null",
    "riscv64-6.12.117+deb13-mod-slub-redzone",
]


@pytest.mark.parametrize("name", _STARTED_MIDWAY)
@pytest.mark.parametrize("skip", [3, 0.5])
def test_a_copy_that_starts_inside_a_crash_is_no_report(name: str, skip: float) -> None:
    """The console's log and then a ``dmesg`` whose ring buffer had already dropped the
    crash's first lines (or a paste of what a terminal's scrollback kept): the second
    copy starts inside the report, and a line there that starts a report of its own
    kind (arm64's "Internal error: Oops", the "Kernel panic - not syncing" after a soft
    lockup, a paging-request line) came again with the time the first copy read it with
    as a part of the crash. It made a second report ("kernel panic: Fatal exception",
    "Internal error in ..."): the same record printed again, no crash of its own."""
    log = _lines(name)
    want = _parse(log)
    head = want[0].start_line - 1
    tail = want[-1].end_line
    cut = head + (skip if isinstance(skip, int) else int((tail - head) * skip))
    for reports in _both_readers(log + log[cut:]):
        assert [(_facts(r), r.rip, r.start_line) for r in reports] == [
            (_facts(w), w.rip, w.start_line) for w in want
        ], name


_OOMS = [
    "arm64-6.1.0-50-oom",
    "armhf-6.1.0-50-oom",
    "i386-6.1.0-50-oom",
    "mipsel-6.1.0-50-oom",
    "ppc64le-6.1.0-50-oom",
    "riscv64-6.12.117+deb13-oom",
    "s390x-6.1.0-50-oom",
    "x86-6.18.44-memcg-oom",
    "x86-6.18.44-pod-context",
]


@pytest.mark.parametrize("name", _OOMS)
def test_an_oom_kill_two_consoles_wrote_is_read_once(name: str) -> None:
    """Two consoles on one capture (a console and ``dmesg -w`` in the same terminal,
    console=ttyS0 console=ttyS1 logged together): every line twice in a row, with its
    time. An OOM kill's dump was read from the second copy of its "invoked oom-killer"
    line, the first one made its context, and every line of the dump came twice: each
    frame of the trace twice. The same time and text twice in a row is one record
    (kernel/printk/printk.c print_time()): the kill's facts are the log's alone."""
    log = _lines(name)
    want = _parse(log)
    assert want
    for reports in _both_readers([x for line in log for x in (line, line)]):
        assert [(_facts(r), r.context, r.oom_memcg, r.task_memcg) for r in reports] == [
            (_facts(w), w.context, w.oom_memcg, w.task_memcg) for w in want
        ], name


_PRINTED_AT_ONCE = [
    "mips-4.19-bug",
    "x86-mce-fatal",
    "rhel6-mce-fatal",
    "i386-2.6-mce-context-corrupt",
    "ppc64le-6.1.0-50-no-root",
    "s390x-6.1.0-50-kill-init",
    "x86-6.1-soft-lockup",
]


@pytest.mark.parametrize("name", _PRINTED_AT_ONCE)
@pytest.mark.parametrize("between", [[], ["root@box:~# dmesg"]])
def test_a_log_then_its_copy_from_the_first_line_ends_the_report(
    name: str, between: list[str]
) -> None:
    """The console's log and then ``dmesg`` of the same boot right after it (``cat f f``):
    the log's last report read on into the copy when the crash took less than the CPUs'
    clock skew to print (a machine check, a MIPS BUG()), the copy's first records within
    that of the report's last, its header record again among them (2.6.32's machine check
    after an empty record, print_mce_head()'s "\\nHARDWARE ERROR\\n"). The kernel stamps a
    record once (kernel/printk/printk.c print_time()): the same time and text as the
    header's, or a record's before it, starts the copy, and the report ends before it."""
    log = _lines(name)
    want = _parse(log)
    assert want
    for reports in _both_readers(log + between + log):
        assert [(_facts(r), r.rip, r.start_line, r.end_line) for r in reports] == [
            (_facts(w), w.rip, w.start_line, w.end_line) for w in want
        ], name


def _lagging(lines: list[str], lag: int) -> list[str]:
    """``lines`` as two consoles wrote them to one capture, the second ``lag`` lines
    behind the first: each line, then the second console's copy of the line ``lag``
    before it."""
    out: list[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        if i >= lag:
            out.append(lines[i - lag])
    return out + lines[len(lines) - lag :]


_LAGGING = [
    "x86-6.12.115-null-deref",
    "x86-6.6-hard-lockup-buddy",
    "centos7-dockerd-ip6mr",
    "arm64-6.1-oops",
    "arm64-6.1.0-50-mod-softlockup",
    "arm64-6.1.0-50-mod-slub-poison",
    "armhf-6.1.0-50-mod-stack-overflow",
    "i386-6.1.0-50-hung-task",
    "mips-4.19-bug",
    "mips64el-6.1.0-50-mod-softlockup",
    "ppc64le-6.1.0-50-mod-null",
    "riscv64-6.12.117+deb13-mod-slub-redzone",
    "s390x-6.1.0-50-kill-init",
    "arm64-6.1.0-50-oom",
    "mipsel-6.1.0-50-oom",
    "x86-6.18.44-memcg-oom",
]


@pytest.mark.parametrize("name", _LAGGING)
@pytest.mark.parametrize("lag", [1, 3, 7])
def test_two_consoles_one_behind_the_other_are_read_once(name: str, lag: int) -> None:
    """Two consoles on one capture, the second a few lines behind the first: a serial
    console and netconsole logged into one file, util-linux ``dmesg -w`` in the terminal
    the console writes to. Every stamped line comes again a few lines later, amid the
    first console's next ones. Printk time went back at each copy: the report ended
    there, cut (no trace, no task, corrupted), and its copied lines made reports of their
    own ("Internal error", "kernel panic: Fatal exception"); an OOM dump was read from
    its copied first line on, each frame twice. The kernel stamps each record once
    (kernel/printk/printk.c print_time()): a stamped header that comes again within a
    few lines is a second console's, and so is each line of the report that came
    before. The facts are the log's alone."""
    log = _lines(name)
    want = _parse(log)
    assert want
    for reports in _both_readers(_lagging(log, lag)):
        assert [(_facts(r), r.rip, r.context) for r in reports] == [
            (_facts(w), w.rip, w.context) for w in want
        ], name


def _klogd(lines: list[str]) -> list[str]:
    """``lines`` as rsyslog's imklog writes them to /var/log/messages: its default leaves
    the printk time in the message (ParseKernelTimestamp off)."""
    return [
        f"Nov 29 03:{10 + i // 3600:02d}:{i // 60 % 60:02d} box kernel: " + line
        for i, line in enumerate(lines)
    ]


_TWINNED = [
    "x86-6.12.115-null-deref",
    "x86-6.1-warn-then-panic",
    "x86-6.6-hard-lockup-buddy",
    "centos7-dockerd-ip6mr",
    "arm64-6.1-oops",
    "arm64-6.1.0-50-mod-stack-overflow",
    "armhf-6.1.0-50-mod-null",
    "i386-6.1.0-50-hung-task",
    "mips-4.19-bug",
    "ppc64le-6.1.0-50-mod-null",
    "riscv64-6.12.117+deb13-mod-slub-redzone",
    "s390x-6.1.0-50-kill-init",
    "arm64-6.1.0-50-oom",
    "x86-6.18.44-memcg-oom",
]


@pytest.mark.parametrize("name", _TWINNED)
@pytest.mark.parametrize("shape", ["klogd-journald", "journald-klogd", "console-notime"])
def test_each_line_stamped_and_unstamped_in_turn_is_read_once(name: str, shape: str) -> None:
    """Each kernel line twice in a row, once with its printk time and once without:
    /var/log/messages of an rsyslog with both imklog (it reads /proc/kmsg and leaves the
    "[time]" in the message) and imjournal (journald keeps the time out of MESSAGE), in
    either order; a console next to ``dmesg --notime -w`` in one terminal. The report was
    read from the copy without times, cut, with the stamped copy's header a report of
    its own, or from the stamped one with each unstamped line taken for a wrapped rest
    (an OOM dump's frames each twice). print_time() (kernel/printk/printk.c) stamps every
    line of a stream alike: the same text right after itself, stamped once and once not,
    is one record, and the stamped copy is read. The facts are the log's alone."""
    log = _lines(name)
    want = _parse(log)
    assert want
    bare = [_STAMP.sub("", line) for line in log]
    if shape == "console-notime":
        pairs = zip(log, bare)
    else:
        journal, klogd = _journal(log), _klogd(log)
        pairs = zip(klogd, journal) if shape == "klogd-journald" else zip(journal, klogd)
    for reports in _both_readers([x for pair in pairs for x in pair]):
        assert [(_facts(r), r.rip, r.context) for r in reports] == [
            (_facts(w), w.rip, w.context) for w in want
        ], name


def _in_blocks(first: list[str], second: list[str], size: int) -> list[str]:
    """Two readers' copies of the same lines, ``size`` lines of one, then of the other."""
    out: list[str] = []
    for at in range(0, len(first), size):
        out += first[at : at + size] + second[at : at + size]
    return out


@pytest.mark.parametrize("name", _TWINNED)
@pytest.mark.parametrize("size", [3, 7, 10])
@pytest.mark.parametrize("shape", ["journald-klogd", "klogd-journald"])
def test_each_readers_lines_in_blocks_are_read_once(name: str, size: int, shape: str) -> None:
    """rsyslog with both imjournal and imklog (or journald forwarding to syslog next to
    klogd) writes each kernel line twice to /var/log/messages, once without its printk
    time (journald keeps it out of MESSAGE) and once with it (imklog leaves "[time]" in
    the message), each input's lines in a batch: a few lines of one, then of the other
    (openbmc/openbmc#2720). The unstamped copy of the header, a block before its stamped
    one, was a corrupted report of its own; the stamped header before the unstamped
    copy's block ended its report there. print_time() (kernel/printk/printk.c) stamps
    every record once: the stamped copy is the report, the facts those of the log alone.
    So for an OOM kill's dump (parser._oom_reports): its stack read once, the stamped
    kill line its end."""
    log = _lines(name)
    want = _parse(log)
    assert want
    journal, klogd = _journal(log), _klogd(log)
    first, second = (journal, klogd) if shape == "journald-klogd" else (klogd, journal)
    for reports in _both_readers(_in_blocks(first, second, size)):
        assert [(_facts(r), r.rip, r.context) for r in reports] == [
            (_facts(w), w.rip, w.context) for w in want
        ], name


_UNTIMED = [
    "el5-i386-oops",
    "rhel6-syslog-hung-task",
    "rhel6-syslog-old-warning",
    "rhel6-irq-marker-frames",
    "armhf-6.1.0-50-mod-warn-80col-no-time",
    "riscv64-6.12.117+deb13-kmemleak",
    "x86-6.12.115-null-deref-paste-cut",
]


_BETWEEN: list[list[str]] = [[], ["root@box:~# dmesg --notime"], ["user"] * 3500]


@pytest.mark.parametrize(
    ("name", "between"),
    [(n, b) for n in _UNTIMED for b in _BETWEEN],
)
def test_a_log_without_times_printed_again_is_one_report(name: str, between: list[str]) -> None:
    """A log whose lines carry no printk time (a console without printk.time, a syslog
    file with rsyslog's wall clock, kmemleak's list) and then the same log again: kern.log
    and messages concatenated (rsyslog writes the kernel's lines to both), a console
    capture and ``dmesg --notime``, a paste made twice, close by or thousands of lines
    apart. Each report came twice. The whole report again, line for line, with the same
    syslog times or the same lines around it, is the report printed again: one report."""
    log = _lines(name)
    want = _parse(log)
    assert want
    for reports in _both_readers(log + between + log):
        assert [(_facts(r), r.rip, r.start_line) for r in reports] == [
            (_facts(w), w.rip, w.start_line) for w in want
        ], name


def test_two_alike_reports_without_times_stay_two_when_nothing_tells_them_apart() -> None:
    """Two reports alike line for line, no time on any line: back to back with nothing
    around them (a WARN_ON in a loop prints the same lines each time), or with a boot
    banner between them (the machine booted again and crashed the same way; init/version.c
    linux_banner), nothing shows the second to be a copy: both are reports."""
    log = _lines("el5-i386-oops")
    (want,) = _parse(log)
    alone = log[want.start_line - 1 : want.end_line]
    assert len(_parse(alone + alone)) == 2
    banner = ["Linux version 2.6.18-8.el5 (brewbuilder@ls20-bc1-14.build.redhat.com) (gcc 4.1)"]
    assert len(_parse(log + banner + log)) == 2


@pytest.mark.parametrize("name", _CUT_SHORT[:4])
@pytest.mark.parametrize("then", ["dmesg", "notime"])
def test_a_console_cut_short_then_dmesg_far_on_is_read_alike_whole_and_streamed(
    name: str, then: str
) -> None:
    """A console cut in the middle of a crash, then the boot's log whole (``dmesg``, or
    ``dmesg --notime``) past what one parse reads (the prefilter's REACH + KEEP lines of
    a program's output between): parse_log had the whole copy, the streamed triage the cut
    one (its parse was final before the copy came, and the copy's first record was read
    before, so dropped). Both keep the copy that holds more of the crash, and the reports
    stay in the order of their starts."""
    log = _lines(name)
    (want,) = _parse(log)
    cut = want.start_line + 1
    again = log if then == "dmesg" else [_STAMP.sub("", x) for x in log]
    between = [f"make[2]: Entering directory '/build/{i:05d}'" for i in range(6000)]
    data = ("\n".join(log[:cut] + between + again) + "\n").encode()
    pieces = [data[at : at + (64 << 10)] for at in range(0, len(data), 64 << 10)]
    for reports in (parse_log(data), triage_blocks(line_blocks(pieces, ReadLimits()))):
        assert [(_facts(r), r.rip, r.start_line) for r in reports] == [
            (_facts(want), want.rip, cut + len(between) + want.start_line)
        ], name
