"""Kernel output as test bots and CI post it: the 0-day robot's and LKFT's / KernelCI's
serial consoles, where the kernel's lines share the console with a test suite's output
(kselftest's TAP lines, LTP's results, LAVA's markers, shell traces).

The logs are the real ones of tests/data/realworld (see its README.md), with the test
suite's lines put in where a CI console shows them; each test cites the program whose
output shape it writes.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from corpus import SYZ, syz_log
from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_blocks
from hotfence.triage.reader import ReadLimits, line_blocks

DATA = Path(__file__).parent / "data" / "realworld"


def _lines(name: str) -> list[str]:
    return (DATA / f"{name}.log").read_text().splitlines()


def _parse(lines: list[str]) -> list[Report]:
    return parse_log(("\n".join(lines) + "\n").encode())


# tools/testing/selftests/lkdtm/run.sh: after triggering a crash type it prints
# "$test: saw '$expect': ok" (or "missing '$expect': [FAIL]"), the expectations of
# tests.txt ("BUG kernel BUG at", "WARNING WARNING:", "HUNG_TASK INFO: task hung");
# kselftest's runner (tools/testing/selftests/kselftest/runner.sh) prefixes a test's
# output with "# " and reports it in TAP ("ok 1 selftests: lkdtm: BUG.sh").
_KSELFTEST_LKDTM = [
    "# selftests: lkdtm: BUG.sh",
    "# BUG: saw 'kernel BUG at': ok",
    "ok 1 selftests: lkdtm: BUG.sh",
    "# selftests: lkdtm: WARNING.sh",
    "# WARNING: saw 'WARNING:': ok",
    "ok 2 selftests: lkdtm: WARNING.sh",
    "# HUNG_TASK: saw 'INFO: task hung': ok",
    "not ok 3 selftests: lkdtm: EXCEPTION.sh # exit=1",
]


def test_a_test_suites_lines_inside_an_oops_neither_end_nor_start_a_report() -> None:
    """On a CI's serial console the test suite writes between the lines of an oops.
    printk prefixes every line it prints (record_print_text()), so under a stamped
    report a line without the stamp is the program's: the recorded arm64 NULL
    dereference stays one report, with its task and trace, and the suite's "BUG:",
    "WARNING:" and "INFO:" lines are no reports of their own."""
    log = _lines("arm64-6.1.0-50-mod-null")
    at = next(i for i, line in enumerate(log) if "FSC = 0x06" in line)
    want = _parse(log)
    reps = _parse(log[:at] + _KSELFTEST_LKDTM + log[at:])
    assert len(want) == 1
    assert [r.title for r in reps] == [want[0].title]
    rep = reps[0]
    assert (
        rep.title
        == "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_null_deref"
    )
    assert not rep.corrupted, rep.corrupted_reason
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 88, 0)
    assert rep.frames == want[0].frames
    assert "# BUG: saw" not in rep.text


# LTP's lib/tst_test.c print_result(): "%s:%i: " (the test's source file and line), then
# the result and ": " ("INFO" before LTP 20200930, "TINFO" since; coloured on a tty).
_LTP_INFO = (
    "tst_test.c:1250: INFO: Timeout per run is 0h 05m 00s",
    "tst_test.c:1690: TINFO: Timeout per run is 0h 05m 00s",
    "madvise06.c:129: \x1b[1;34mTINFO: \x1b[0mdropping caches",
)


@pytest.mark.parametrize("name", ["arm64-6.1.0-50-sysrq-backtrace", "armhf-6.1.0-50-sysrq-crash"])
@pytest.mark.parametrize("ltp", _LTP_INFO)
def test_ltps_info_results_between_kernel_lines_are_no_reports(name: str, ltp: str) -> None:
    """LKFT runs LTP on the board's console: its "TINFO:" results fall between the
    kernel's lines, inside a backtrace too. They are the test's, not an "INFO:" header:
    a log with none has none, and a crash keeps its one report and its facts."""
    log = _lines(name)
    want = _parse(log)
    mixed: list[str] = []
    for i, line in enumerate(log):
        mixed.append(line)
        if i % 5 == 2:
            mixed.append(ltp)
    reps = _parse(mixed)
    assert [r.title for r in reps] == [r.title for r in want]
    for got, rep in zip(reps, want):
        assert (got.rip, got.frames, got.comm, got.pid, got.cpu) == (
            rep.rip,
            rep.frames,
            rep.comm,
            rep.pid,
            rep.cpu,
        )


@pytest.mark.parametrize("line", [*_LTP_INFO[:2], "# selftests: proc: proc-self-map-files-001"])
def test_a_tests_line_inside_a_recursions_trace_is_no_rest_of_an_entry(line: str) -> None:
    """A recursion's trace prints the same entry row after row, all as wide (32-bit
    ARM's dump_backtrace() "%s from %pS", 124 columns with the module's name), wider than
    any line around: the shape of a terminal resized to that width. LTP's or kselftest's
    line under one of them on a CI's console is the test's own, not the rest of a row
    the terminal cut: most rows of that width ended a line. The trace keeps every
    entry."""
    log = _lines("armhf-6.1.0-50-mod-stack-overflow")
    (want,) = _parse(log)
    recursion = [i for i, row in enumerate(log) if " from hotfence_crash_stack_overflow+" in row]
    assert len(recursion) > 20 and len({len(log[i]) for i in recursion}) == 1
    mixed: list[str] = []
    for i, row in enumerate(log):
        mixed.append(row)
        if i in recursion[2:20:5]:
            mixed.append(line)
    (rep,) = _parse(mixed)
    assert len(rep.frames) == len(want.frames) > 30
    assert (rep.title, rep.frames, rep.rip) == (want.title, want.frames, want.rip)


# kselftest's lines as its runner prints them ("# " before the test's output,
# tools/testing/selftests/kselftest/runner.sh), the words of the tests' own helpers:
# net/forwarding/lib.sh log_info() "INFO: %s", a test's warning and failure lines.
_KSELFTEST_HEADER_WORDS = (
    "# INFO: Running tests with 10 iterations",
    "# WARNING: test skipped, no IPv6 support",
    "# BUG: saw 'kernel BUG at': ok",
)


@pytest.mark.parametrize("name", ["arm64-6.1.0-50-sysrq-backtrace", "i386-6.1.0-50-hung-task"])
@pytest.mark.parametrize("line", _KSELFTEST_HEADER_WORDS)
def test_a_tests_header_words_amid_a_backtrace_are_no_report(name: str, line: str) -> None:
    """kselftest's "# INFO:", "# WARNING:" or "# BUG:" line between two of the kernel's
    stamped lines while the kernel prints backtraces that are no oops of their own
    (SysRq's show-all-CPUs, a hung task's stack): printk stamps every line it prints, so
    the runner's unstamped line is the test's and starts no report; the log keeps the
    reports it has without it."""
    log = _lines(name)
    want = _parse(log)
    mixed: list[str] = []
    for i, row in enumerate(log):
        mixed.append(row)
        if i % 5 == 2:
            mixed.append(line)
    reps = _parse(mixed)
    assert [r.title for r in reps] == [r.title for r in want]
    assert [r.frames for r in reps] == [r.frames for r in want]


def test_a_log_appended_without_stamps_still_gives_its_report() -> None:
    """Only a line that the stamped report goes on after is a program's: a log without
    stamps appended to a stamped one is read as its own (its first "BUG:" starts a
    report)."""
    log = _lines("arm64-6.1.0-50-mod-null")
    unstamped = [
        line.split("] ", 1)[1] for line in _lines("arm64-6.1.0-50-mod-warn") if "] " in line
    ]
    assert len(_parse(unstamped)) == 1
    reps = _parse(log + unstamped)
    assert [r.title for r in reps] == [r.title for r in _parse(log)] + [
        r.title for r in _parse(unstamped)
    ]


# scripts/decode_stacktrace.sh, which the 0-day robot runs on the consoles it posts and
# LKFT on its reports: handle_line() drops each "[<pc>]" and re-joins a line's words with
# one space (the indent goes), parse_symbol() replaces "func+0x1/0x2" by "func (code)"
# where code is addr2line -i's locations on one line, inlined callees first and the
# function's own last. syzkaller's corpus holds the same facts symbolised its own way: an
# "f file:line [inline]" line per inlined callee, then "g+0x1/0x2 file:line".
_STAMP = r"(?:\[ *\d+\.\d+\](?:\[ *[CT]\d+\])?)?"
_SYMBOLISED = re.compile(
    r"^(?P<stamp>" + _STAMP + r")\s*(?P<label>(?:R?IP|EIP): (?:[0-9a-f]{4}:)?)?"
    r"(?:\[<[0-9a-f]+>\] *){0,2}(?P<q>\? )?(?P<func>[\w.]+)\+0x[0-9a-f]+/0x[0-9a-f]+"
    r"(?: \[(?P<mod>[\w.\-]+)\])? (?P<loc>[\w/.\-+]+:\d+)\s*$"
)
_INLINED = re.compile(
    r"^" + _STAMP + r"\s*(?:\[<[0-9a-f]+>\] *)?(?:\[< *inline *>\] *)?[\w.]+ "
    r"(?P<loc>[\w/.\-+]+:\d+)(?: \[inline\])?\s*$"
)


def _decode_stacktrace(log: str) -> str:
    out: list[str] = []
    inlined: list[str] = []
    for line in log.split("\n"):
        m = _INLINED.match(line)
        if m is not None:
            inlined.append(m["loc"])
            continue
        m = _SYMBOLISED.match(line)
        if m is None:
            inlined = []
            out.append(line)
            continue
        code = " ".join([*inlined, m["loc"]])
        inlined = []
        label = m["label"] or ""  # the segment stays glued: "RIP: 0010:f (code)"
        words = [m["stamp"], (m["q"] or "").strip(), label + m["func"]]
        out.append(" ".join(w for w in words if w) + f" ({code}) {m['mod'] or ''}")
    return "\n".join(out)


def _symbolised_cases() -> list[str]:
    cases = (p.name for p in (SYZ / "report").iterdir())
    return sorted(c for c in cases if _decode_stacktrace(syz_log(c)) != syz_log(c))


def test_decode_stacktrace_frames_read_as_the_symbolised_ones() -> None:
    """Every symbolised report of the syzkaller corpus, its frames re-written as
    decode_stacktrace.sh prints them ("vzalloc (mm/vmalloc.c:3246 mm/vmalloc.c:3319)"),
    keeps its title and its frames: each the function, its own file:line (the last of
    addr2line's), the "?" of an unreliable entry. The trace was not read at all: the
    titles fell to "in corrupted" or to the last frame that kept its offset."""
    cases = _symbolised_cases()
    assert len(cases) >= 9
    for case in cases:
        log = syz_log(case)
        decoded = _decode_stacktrace(log)
        want, got = parse_log(log), parse_log(decoded)
        assert [r.title for r in got] == [r.title for r in want], case
        for w, g in zip(want, got):
            outer = [(f.function, f.file, f.line, f.unreliable) for f in w.frames if not f.inline]
            assert [(f.function, f.file, f.line, f.unreliable) for f in g.frames] == outer, case


@pytest.mark.parametrize("fault", ["read from unreadable memory", "execution of user memory"])
def test_an_arm64_fault_named_by_its_kind_is_a_bad_access(fault: str) -> None:
    """arm64 __do_kernel_fault() (arch/arm64/mm/fault.c) names the fault it cannot
    handle: a permission fault on a read is "read from unreadable memory" (4.x on, in
    LKFT's and most arm64 boards' oopses); do_page_fault() of 4.x-5.x died on an
    instruction abort at a user address with "execution of user memory". The recorded
    arm64 NULL dereference with its first line in those words: titled and typed like the
    other bad accesses, not by its raw line."""
    log = [
        line.replace("NULL pointer dereference at", f"{fault} at")
        for line in _lines("arm64-6.1.0-50-mod-null")
    ]
    (rep,) = _parse(log)
    assert rep.title == f"BUG: unable to handle kernel {fault} in hotfence_crash_null_deref"
    assert rep.type == "MEMORY_SAFETY_BUG"
    assert rep.alt_titles == ["bad-access in hotfence_crash_null_deref"]
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 88, 0)
    assert not rep.corrupted


_SYMBOL = re.compile(r"\(?(?P<seg>[0-9a-f]{4}:)?(?P<name>[\w.$]+)\+0x[0-9a-f]+/0x[0-9a-f]+\)?")


def _decode_without_lines(line: str) -> str:
    """One console line through decode_stacktrace.sh's handle_line(), with a vmlinux that
    has no line for the address: addr2line answers "??:?", which the script keeps (it
    gives up only on "??:0"). The words are split and re-joined with one space, every
    word holding "[<pc>]" is dropped, a "[ 1.2]" time is re-padded ("[%13s"), the last
    word is the symbol (or the one before a "[module]", which is written after it
    without brackets) and loses its parentheses."""
    if not (re.search(r"\[<[^]]+>\]", line) or re.search(r"[^+ ]+\+0x[0-9a-f]+/0x[0-9a-f]+", line)):
        return line
    words = [w for w in line.split() if not re.search(r"\[<[^]]+>\]", w)]
    joined: list[str] = []
    i = 0
    while i < len(words):
        if words[i] == "[" and i + 1 < len(words) and words[i + 1].endswith("]"):
            joined.append(f"[{words[i + 1]:>13}")
            i += 2
        else:
            joined.append(words[i])
            i += 1
    module = ""
    if len(joined) > 1 and re.search(r"\[([^]]+)\]", joined[-1]):
        module = joined[-1].removesuffix(")").removeprefix("[").removesuffix("]")
        joined, symbol = joined[:-2], joined[-2]
    else:
        joined, symbol = joined[:-1], joined[-1] if joined else ""
    m = _SYMBOL.fullmatch(symbol)
    if m is None:
        return line  # nm finds no such symbol: the line is printed as it was
    return " ".join([*joined, f"{m['seg'] or ''}{m['name']} (??:?) {module}"])


@pytest.mark.parametrize("name", sorted(p.stem for p in DATA.glob("*.log")))
def test_a_real_log_through_decode_stacktrace_keeps_its_reports(name: str) -> None:
    """Each real log of tests/data/realworld through decode_stacktrace.sh: every
    architecture's trace shape with its addresses gone and "f (??:?)" for each symbol
    (x86/arm64 " f (??:?)", powerpc "[sp] [pc] f (??:?)", s390's "Krnl PSW : ... f
    (??:?)" without its parentheses, 32-bit ARM's "f from g (??:?)" and "(f) from g
    (??:?)"). Titles, traces and tasks stay what they were."""
    log = (DATA / f"{name}.log").read_text(encoding="latin-1")
    decoded = "\n".join(_decode_without_lines(line) for line in log.split("\n"))
    want, got = parse_log(log), parse_log(decoded)

    def facts(reports: list[Report]) -> list[tuple[object, ...]]:
        return [
            (r.title, [f.function for f in r.frames if not f.inline], r.comm, r.pid, r.cpu)
            for r in reports
        ]

    assert facts(got) == facts(want)


# syzkaller's symbolizer (pkg/report/linux.go symbolizeLine()) rewrites each line naming
# "f+0xoff/0xsize" as one line per frame of the address's inline chain: the line's text
# before the symbol, then an inlined callee, its file:line and " [inline]", innermost
# first; last the line itself with f's own file:line. A header naming the faulting
# function so repeats once per inlined callee, as in syzbot's mails: "WARNING: CPU: 1
# PID: 5089 at kernel/locking/lockdep.c:232 hlock_class kernel/locking/lockdep.c:232
# [inline]", "... check_wait_context kernel/locking/lockdep.c:4729 [inline]", then
# "... __lock_acquire+0x.../0x... kernel/locking/lockdep.c:5005".
_HEADER_SYMBOL = re.compile(
    r"^(?P<head>.*?(?:WARNING: CPU: \d+ PID: \d+ at (?P<loc>[\w/.\-]+:\d+) "
    r"|BUG: K[A-Z]+: [\w-]+ (?:(?:read|write) )?in ))"
    r"(?P<func>[\w.]+)\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w.\-]+\])?$"
)


def _inline_chain_headers(log: str, inlined: int) -> str:
    """``log`` with each header naming a function symbolised as if ``inlined`` callees
    were inlined at its address (their names and the outer lines are placeholders: the
    chain addr2line -i gives depends on the build; the innermost sits at the WARN's own
    file:line)."""
    out: list[str] = []
    for line in log.split("\n"):
        m = _HEADER_SYMBOL.match(line)
        if m is None:
            out.append(line)
            continue
        where = m["loc"] or "mm/kfence/core.c:1"
        file = where.rsplit(":", 1)[0]
        locs = [where, *(f"{file}:{100 * n}" for n in range(1, inlined + 1))]
        callees = [f"{m['func']}_inlined{n}" for n in range(inlined, 0, -1)]
        out += [f"{m['head']}{c} {loc} [inline]" for c, loc in zip(callees, locs)]
        out.append(f"{line} {locs[inlined]}")
    return "\n".join(out)


_INLINE_HEADER_LOGS = sorted(
    p.stem
    for p in DATA.glob("*.log")
    if any(_HEADER_SYMBOL.match(line) for line in p.read_text(encoding="latin-1").split("\n"))
)


@pytest.mark.parametrize("inlined", [1, 2])
@pytest.mark.parametrize("name", _INLINE_HEADER_LOGS)
def test_a_header_repeated_for_its_inline_chain_is_one_report(name: str, inlined: int) -> None:
    """Each real log whose WARNING or sanitizer header names a function, that header
    symbolised as syzkaller writes an inline chain: the repeated lines continue the
    first one's report, however long the chain. Two inlined callees (three header
    lines) made the last line a report of its own, the first one a second report
    titled by its raw text ("WARNING: CPU: NUM PID: NUM at ... [inline]")."""
    log = (DATA / f"{name}.log").read_text(encoding="latin-1")
    want, got = parse_log(log), parse_log(_inline_chain_headers(log, inlined))

    def facts(reports: list[Report]) -> list[tuple[object, ...]]:
        return [
            (r.title, r.type, r.comm, r.pid, r.cpu, [f.function for f in r.frames][:4])
            for r in reports
        ]

    assert len(_INLINE_HEADER_LOGS) >= 10
    assert facts(got) == facts(want)


@pytest.mark.parametrize("quote", ["> ", ">> ", "> > "])
def test_a_report_quoted_in_a_mail_reply_reads_as_the_report(quote: str) -> None:
    """Reports reach the lists (syzbot's and the 0-day robot's mails) and are discussed
    in replies that quote them, each line after ">" and a space per level (RFC 3676). A
    syzbot report has no printk time, so nothing else marks its lines: quoted, its trace
    was not read ("in corrupted"). Every corpus log quoted keeps its reports (a console's
    "** replaying previous printk message **" marker, quoted, is not recognised: the
    logs holding one are left out)."""
    cases = [c.name for c in (SYZ / "report").iterdir()]
    checked = 0
    for case in sorted(cases):
        log = syz_log(case)
        if "** replaying previous printk message **" in log:
            continue
        quoted = "\n".join(quote + line for line in log.split("\n"))
        want, got = parse_log(log), parse_log(quoted)
        assert [(r.title, r.frames, r.comm, r.pid, r.cpu) for r in got] == [
            (r.title, r.frames, r.comm, r.pid, r.cpu) for r in want
        ], case
        checked += 1
    assert checked > 400


def _block_facts(reports: list[Report]) -> list[tuple[object, ...]]:
    return [
        (
            r.title,
            r.corrupted,
            r.comm,
            r.pid,
            r.cpu,
            r.kernel_release,
            r.taint,
            [(f.function, f.unreliable) for f in r.frames],
        )
        for r in reports
    ]


# A log pasted as an indented block between the writer's own lines: git log prints a
# commit's message four spaces in (pretty.c pp_remainder(), the default "medium" format),
# and commit messages quote a crash's lines indented in turn; a Markdown issue or
# forum post's indented code block (CommonMark 4.4: each line "preceded by four or more
# spaces of indentation", blank lines inside it); a mail's, two spaces or a tab in.
# (A terminal capture wrapped at 80 columns is left out: the rows' width is the sign of
# its wrap, and an indent put before them after the capture is no part of it.)
@pytest.mark.parametrize("indent", ["  ", "    ", "\t"])
@pytest.mark.parametrize(
    "name", sorted(p.stem for p in DATA.glob("*.log") if not p.stem.endswith("-80col-no-time"))
)
def test_a_log_pasted_as_an_indented_block_reads_as_the_log(name: str, indent: str) -> None:
    """Every real log, indented as one block under a sentence of the writer's and
    followed by another, gives the reports of the log itself with their task, CPU,
    release, taint and frames. Indented, an i386 oops lost its CPU ("CPU:    0" was read
    at the line's start only), a 6.19 WARNING its task ("WARNING: ... , CPU#5:
    ethtool/1335"), a syslog file's hung task its trace and so its title."""
    log = (DATA / f"{name}.log").read_text(encoding="latin-1")
    block = "\n".join(indent + line if line.strip() else "" for line in log.split("\n"))
    pasted = f"Our router fell over with this:\n\n{block}\n\nAny idea what it is?\n"
    assert _block_facts(parse_log(pasted)) == _block_facts(parse_log(log))


def test_a_mailed_reports_subject_is_no_report() -> None:
    """syzbot mails each report with its title as the subject ("[syzbot] [net?] " and
    the title: syzkaller's dashboard mail template), the test robots likewise; a saved
    mail or a list archive's raw message holds that header line. It names a crash but
    is no kernel line (printk writes no "Subject: " field): the mail gives the body's
    reports alone, not one more "in corrupted" report of its subject."""
    checked = 0
    for path in sorted((SYZ / "report").iterdir()):
        text = path.read_text(encoding="utf-8", errors="replace")
        head, _, body = text.partition("\n\n")
        if "\nREPORT:\n" not in body or not head.startswith("TITLE: "):
            continue
        title = head.split("\n")[0].removeprefix("TITLE: ")
        report = body.split("\nREPORT:\n", 1)[1]
        mail = f"Subject: [syzbot] [kernel?] {title}\n\nHello,\n\n{report}"
        assert [r.title for r in parse_log(mail)] == [r.title for r in parse_log(report)]
        checked += 1
    assert checked >= 10


# The 0-day robot's report mails (lore.kernel.org's oe-lkp list, "kernel test robot
# noticed ... on:") count each crash of the parent and the tested commit in a table, one
# row a title squeezed to one word: ": " closed up, spaces made "_", numbers "#"
# ("| BUG:kernel_NULL_pointer_dereference,address | 0 | 12 |"), and name the first in
# the mail's first sentence; the dmesg excerpt follows.
def _lkp_key(title: str) -> str:
    return re.sub(r"\d+|NUM|ADDR", "#", title.replace(": ", ":").replace(" ", "_"))


def test_a_test_robots_table_of_crash_counts_is_no_report() -> None:
    """A table row or the sentence naming a squeezed title is no kernel line (no printk
    format squeezes its words together): the mail gives the dmesg's reports alone.
    syzkaller's corpus titles stand for the robot's; syz-executor's "SYZFAIL:" and the
    trusty/gVisor "panic:" lines are not the kernel's and do not come up in its boots."""
    checked = 0
    for path in sorted((SYZ / "report").iterdir()):
        text = path.read_text(encoding="utf-8", errors="replace")
        head, _, body = text.partition("\n\n")
        title = head.split("\n")[0].removeprefix("TITLE: ")
        if not head.startswith("TITLE: ") or title.startswith(("SYZFAIL:", "trusty:")):
            continue
        key = _lkp_key(title)
        table = f"| {key:<44} | 0          | 12         |\n"
        log = body.split("\nREPORT:\n", 1)[0]
        mail = f'kernel test robot noticed "{key}" on:\n\n{table}\n{log}'
        assert [r.title for r in parse_log(mail)] == [r.title for r in parse_log(log)], key
        checked += 1
    assert checked > 400


def test_an_early_boot_exception_reads_on_in_the_stamped_lines_after_it() -> None:
    """arch/x86/mm/extable.c early_fixup_exception(): an exception in early boot that no
    fixup takes is told by early_printk(), to the console alone and without printk's
    time ("PANIC: early exception 0x%02x IP %lx:%lx error %lx cr2 0x%lx"), then
    show_regs() prints the task, registers and trace through printk, stamped, and the
    CPU halts; the 0-day robot's boot tests meet it when a change breaks early setup.
    The recorded x86_64 6.12 NULL dereference's show_regs() part under that header,
    after its boot's first lines: one report, titled by the faulting function, with the
    task and frames show_regs() gave, found by the prefilter too."""
    log = _lines("x86-6.12.115-null-deref")
    first = next(i for i, line in enumerate(log) if "] CPU: 0 UID: 0 PID: 160 " in line)
    last = next(i for i, line in enumerate(log) if line.endswith("]  </TASK>"))
    header = "PANIC: early exception 0x0e IP 10:ffffffffc02d8117 error 0 cr2 0x0000000000000008"
    data = ("\n".join([*log[2:14], header, *log[first : last + 1]]) + "\n").encode()
    for reports in (
        parse_log(data),
        list(triage_blocks(line_blocks([data], ReadLimits()), chunk_bytes=1 << 20)),
    ):
        assert [(r.title, r.type, r.comm, r.pid, r.cpu, r.corrupted) for r in reports] == [
            ("PANIC: early exception in hotfence_crash_null_deref", "DoS", "sh", 160, 0, False)
        ]
        assert [f.function for f in reports[0].frames[:3]] == [
            "hotfence_crash_do",
            "hotfence_crash_write",
            "proc_reg_write",
        ]


def test_a_pre_4_6_early_exception_is_titled_by_the_rip_line_after_its_trace() -> None:
    """Before 4.6, arch/x86/kernel/head_64.S's early_idt_handler told the same exception
    with early_printk() ("PANIC: early exception %02lx rip %lx:%lx error %lx cr2 %lx"),
    then dump_stack()'s task and trace and, by __print_symbol(), "RIP %s": the faulting
    function comes after the trace. The recorded x86_64 6.12 NULL dereference's task
    lines and kernel trace as that dump_stack(), its RIP's symbol as that line."""
    log = _lines("x86-6.12.115-null-deref")
    first = next(i for i, line in enumerate(log) if "] CPU: 0 UID: 0 PID: 160 " in line)
    trace = next(i for i, line in enumerate(log) if line.endswith("] Call Trace:"))
    last = next(i for i, line in enumerate(log) if "entry_SYSCALL_64_after_hwframe" in line)
    header = "PANIC: early exception 0e rip 10:ffffffffc02d8117 error 0 cr2 8"
    rip = f"{log[last + 1].split(']')[0]}] RIP hotfence_crash_null_deref+0x17/0x30 [hotfence_crash]"
    lines = [*log[2:14], header, *log[first : first + 3], *log[trace : last + 1], rip]
    (report,) = _parse(lines)
    assert (report.title, report.type, report.comm, report.pid, report.corrupted) == (
        "PANIC: early exception in hotfence_crash_null_deref",
        "DoS",
        "sh",
        160,
        False,
    )
    assert [f.function for f in report.frames[:2]] == ["hotfence_crash_do", "hotfence_crash_write"]


def _boot_block() -> list[str]:
    """The firmware's and x86 decompressor's lines of a boot with earlyprintk, as the
    syzkaller corpus recorded them (GCE's SeaBIOS, then arch/x86/boot/compressed/misc.c:
    "early console in extract_kernel", the sizes, "Decompressing Linux... Parsing ELF...
    done." and "Booting the kernel.")."""
    lines = syz_log("317").splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("SeaBIOS (version"))
    last = lines.index("Booting the kernel.")
    return lines[first : last + 1]


@pytest.mark.parametrize("opening", ["SeaBIOS (version", "early console in extract_kernel"])
def test_a_logs_own_first_boot_is_no_unexpected_reboot(opening: str) -> None:
    """The 0-day robot boots with earlyprintk, so its dmesg opens with the firmware's
    and the decompressor's lines up to "Booting the kernel." before the kernel's first
    record. That is the log's own boot, not a reboot: nothing ran before it. The same
    lines after the kernel's own (the machine rebooted) are still the unexpected reboot."""
    log = _lines("x86-6.12.115-sysrq-c")
    kernel = [log[1].split("..", 1)[1], *log[2:]]  # SeaBIOS's "Booting from ROM.." off
    block = _boot_block()
    block = block[next(i for i, line in enumerate(block) if line.startswith(opening)) :]
    alone = [(r.title, r.start_line - 1) for r in _parse(kernel)]
    assert alone == [("kernel panic: sysrq triggered crash", alone[0][1])]
    first = [(r.title, r.start_line - 1 - len(block)) for r in _parse([*block, *kernel])]
    assert first == alone
    data = ("\n".join([*block, *kernel]) + "\n").encode()
    blocks = line_blocks([data], ReadLimits())
    assert [r.title for r in triage_blocks(blocks, chunk_bytes=1 << 20)] == [alone[0][0]]
    booted = [line for line in kernel if "sysrq" not in line.lower()][:300]
    again = _parse([*booted, *block, *kernel])
    assert [r.title for r in again] == [
        "unexpected kernel reboot",
        "kernel panic: sysrq triggered crash",
    ]


@pytest.mark.parametrize(
    ("case", "comm", "pid"),
    [
        ("151", "syz-executor1", 4094),
        ("310", "syz-executor1", 8262),
        ("311", "syz-executor0", 6646),
        ("52", "a.out", 24109),
        ("53", "exe", 1521),
        ("55", "swapper", 0),
        ("752", "syz.0.23", 5988),
    ],
)
@pytest.mark.parametrize("shape", ["debugfs", "verbose"])
def test_a_kmemleak_object_as_the_kernel_wrote_it_is_that_leak(
    case: str, comm: str, pid: int, shape: str
) -> None:
    """mm/kmemleak.c print_unreferenced() writes each leaked object ("unreferenced
    object 0x... (size N):", its task, a hex dump, its allocation backtrace) to
    /sys/kernel/debug/kmemleak, and with kmemleak.verbose=1 to the log, pr_warn()'s
    "kmemleak: " before each line. syzkaller reads the file and prints "BUG: memory leak"
    above each object: its corpus leaks without that line are the file as the kernel
    wrote it, and stamped with "kmemleak: " the verbose log. Both are the leak syzkaller
    titled, not nothing, and of the task that allocated the object ('  comm "%s", pid
    %d')."""
    text = (SYZ / "report" / case).read_text()
    title = text.split("\n", 1)[0].removeprefix("TITLE: ")
    lines = [line for line in syz_log(case).splitlines() if "BUG: memory leak" not in line]
    if shape == "verbose":
        lines = [f"[  123.{i:06d}] kmemleak: {line}" for i, line in enumerate(lines)]
    reports = _parse(lines)
    assert [(r.title, r.type, r.corrupted, r.comm, r.pid) for r in reports][:1] == [
        (title, "LEAK", False, comm, pid)
    ]


@pytest.mark.parametrize("shape", ["debugfs", "verbose"])
def test_each_kmemleak_object_is_a_leak_of_its_own(shape: str) -> None:
    """mm/kmemleak.c kmemleak_seq_show() lists every unreferenced object through
    print_unreferenced(), one after the other ("unreferenced object 0x%08lx (size
    %zu):", its task, hex dump and backtrace); kmemleak_scan() with kmemleak.verbose=1
    prints each the same way after pr_warn()'s "kmemleak: ". Each object is a leak of
    its own, allocated by its own task: one report each (syzkaller prints "BUG: memory
    leak" above each), not the first object's report swallowing the rest."""
    lines = _lines("riscv64-6.12.117+deb13-kmemleak")
    if shape == "verbose":
        lines = [f"[  312.{i:06d}] kmemleak: {line}" for i, line in enumerate(lines)]
    reports = _parse(lines)
    assert [(r.title, r.type, r.corrupted, r.comm, r.pid) for r in reports] == [
        ("memory leak in hotfence_crash_slub_redzone", "LEAK", False, "sh", 141),
        ("memory leak in hotfence_crash_kfence_uaf", "LEAK", False, "sh", 139),
    ]
    assert [r.frames[1].function for r in reports] == [
        "hotfence_crash_slub_redzone",
        "hotfence_crash_kfence_uaf",
    ]


@pytest.mark.parametrize("squeezed", [False, True])
def test_a_kmemleak_list_ends_at_the_shell_lines_after_it(squeezed: bool) -> None:
    """A "cat /sys/kernel/debug/kmemleak" pasted with the prompt and commands after it:
    mm/kmemleak.c print_unreferenced() prints only its object's rows (comm, hex dump,
    backtrace and its entries), so the first line that is none of them ends the last
    object, by its words, not its indent (a paste that squeezed the spaces out ends
    there too); no program line is the leak's, and no later line counts in its end."""
    lines = _lines("riscv64-6.12.117+deb13-kmemleak")
    if squeezed:
        lines = [line.lstrip() for line in lines]
    want = [(r.title, r.comm, r.pid, r.start_line, r.end_line) for r in _parse(lines)]
    shell = ["root@box:~# dmesg --notime", "foo bar"] + [f"user line {i}" for i in range(1, 21)]
    reports = _parse(lines + shell)
    assert [(r.title, r.comm, r.pid, r.start_line, r.end_line) for r in reports] == want
    assert want[-1][-1] == len(lines)


# util-linux dmesg --color (sys-utils/dmesg.c print_record(); on by default when dmesg
# writes to a terminal, as a test script's "dmesg" does on a CI board's serial console):
# the time in green, the text before the first ": " or ":\t" (get_subsys_delimiter())
# in brown, the rest in the level's colour (set_level_color(): warn bold, err red, crit
# bold red, alert reverse red; none for the other levels), each closed by a reset
# (lib/colors.c, include/colors.h: "\x1b[0m").
_DMESG_LEVEL_COLOURS = {
    "none": "",
    "warn": "\x1b[1m",
    "err": "\x1b[31m",
    "crit": "\x1b[1m\x1b[31m",
    "alert": "\x1b[7m\x1b[31m",
}


def _dmesg_coloured(line: str, level: str) -> str:
    m = re.match(r"(\[ *\d+\.\d+\] )(.*)$", line)
    if m is None:
        return line
    stamp, msg = m.groups()
    out = f"\x1b[32m{stamp}\x1b[0m"
    subsys = re.search(r":[ \t]", msg)
    if subsys is not None:
        out += f"\x1b[33m{msg[: subsys.start()]}\x1b[0m"
        msg = msg[subsys.start() :]
    colour = _DMESG_LEVEL_COLOURS[level]
    return out + (f"{colour}{msg}\x1b[0m" if colour else msg)


@pytest.mark.parametrize("level", sorted(_DMESG_LEVEL_COLOURS))
def test_coloured_dmesg_output_reads_as_the_plain_log(level: str) -> None:
    """Every real log of tests/data/realworld as dmesg --color prints it, each line in
    one level's colour: the same reports, titles, traces, tasks, taint and context as
    the plain log, parsed whole and streamed. The colour reset after the "subsystem"
    split the headers' own words ("WARNING\\x1b[0m\\x1b[1m: CPU: 0 PID: 87 at ..."):
    no report was found, or its trace was lost."""
    for path in sorted(DATA.glob("*.log")):
        log = path.read_text(encoding="latin-1")
        coloured = "\n".join(_dmesg_coloured(line, level) for line in log.split("\n"))
        data = coloured.encode("latin-1")

        def facts(reports: list[Report]) -> list[tuple[object, ...]]:
            return [
                (r.title, r.frames, r.comm, r.pid, r.cpu, r.kernel_release, r.taint, r.context)
                for r in reports
            ]

        want = facts(parse_log(log.encode("latin-1")))
        assert facts(parse_log(data)) == want, path.name
        blocks = line_blocks([data], ReadLimits())
        assert facts(list(triage_blocks(blocks, chunk_bytes=48 << 10))) == want, path.name
    assert "\x1b" not in "".join(r.text for r in parse_log(data))


def _restamped(lines: list[str], seconds: float) -> list[str]:
    return [
        re.sub(r"^\[ *(\d+\.\d+)\]", lambda m: f"[{float(m.group(1)) + seconds:12.6f}]", line)
        for line in lines
    ]


@pytest.mark.parametrize(
    "reprint",
    [
        # kselftest's lkdtm runner (tools/testing/selftests/lkdtm/run.sh) prints the
        # kernel log the test caused ("cat $LOG"), each line after runner.sh's "# "
        lambda line: f"# {line}",
        # a test script's "dmesg -x" after the console's own lines (util-linux print_record())
        lambda line: f"kern  :warn  : {line}",
        # a plain "dmesg" dump of the same boot, as CI jobs print at their end
        lambda line: line,
    ],
    ids=["kselftest-echo", "dmesg-x", "dmesg"],
)
def test_a_report_printed_again_later_is_one_report(reprint: Callable[[str], str]) -> None:
    """The kernel stamps each record once (kernel/printk/printk.c print_time()): a crash
    whose first line comes again later with the same time and text is that crash printed
    again, by a program reading the kernel log, not a second one. It was a second report
    (and a corrupted one when the reprint held only some levels' lines). Parsed whole and
    streamed, with more lines between the two than a streamed segment holds; a crash of
    the same shape printed later in time stays a report of its own."""
    for name in ("x86-6.12.115-null-deref", "arm64-6.1.0-50-mod-warn", "x86-6.1-warn-then-panic"):
        log = _lines(name)
        (want,) = _parse(log)
        stamped = [line for line in log if re.match(r"\[ *\d+\.\d+\]", line)]
        filler = [
            f"[{9000 + i / 100:12.6f}] usb 1-1: new high-speed USB device number {i}"
            for i in range(6000)
        ]
        again = log + filler + [reprint(line) for line in stamped]
        data = ("\n".join(again) + "\n").encode()
        pieces = [data[i : i + 4096] for i in range(0, len(data), 4096)]
        for reports in (
            parse_log(data),
            # read in small blocks: a buffer cut between the two (a new segment), and
            # parsed in chunks
            triage_blocks(line_blocks(pieces, ReadLimits()), chunk_bytes=1 << 30),
            triage_blocks(line_blocks(pieces, ReadLimits()), chunk_bytes=64 << 10),
        ):
            assert [(r.title, r.start_line, r.frames) for r in reports] == [
                (want.title, want.start_line, want.frames)
            ], name
        later = log + filler + _restamped(stamped, 10000)
        assert [r.title for r in _parse(later)] == [want.title] * 2, name


# Corpus logs whose reports come out otherwise through decode_stacktrace.sh: 164 (an old
# KASAN report interleaved with SLUB's "INFO: Slab"/"INFO: Object" lines, split in two
# more reports) and 719 (an RCU stall whose plain title is "in corrupted" already).
_DECODE_DIFFERS = {"164", "719"}


def test_every_corpus_log_through_decode_stacktrace_keeps_its_titles() -> None:
    """Every syzkaller corpus log through decode_stacktrace.sh (each symbol "f (??:?)"),
    all the report kinds' shapes: the same titles. The decoded shape was missed by the
    fault-injection check ("should_fail (??:?)": titles "in should_fail" instead of "in
    corrupted"), by print_ip_sym()'s stand-in in the middle of a word ("held lock freed
    in k"), and titles kept the location ("KCSAN: data-race in f (??:?)")."""
    checked = 0
    for path in sorted((SYZ / "report").iterdir()):
        if path.name in _DECODE_DIFFERS:
            continue
        log = syz_log(path.name)
        decoded = "\n".join(_decode_without_lines(line) for line in log.split("\n"))
        want, got = parse_log(log), parse_log(decoded)
        assert [r.title for r in got] == [r.title for r in want], path.name
        checked += 1
    assert checked > 450


def test_kernelcis_notime_reprint_of_a_crash_is_no_report() -> None:
    """KernelCI's baseline test runs "dmesg --level=$level --notime -x -k" for crit, alert
    and emerg and prints the result (kernelci-core's opt/kernelci/dmesg.sh), after the
    console's own lines: the alert lines of an arm64 oops (die_kernel_fault() and
    mem_abort_decode() print with pr_alert) come again, without their time. Those made
    a second, corrupted report ("... in corrupted": no trace is printed at alert). A
    record printed with its time, then without, is one record."""
    log = _lines("arm64-6.1.0-50-mod-null")
    (want,) = _parse(log)
    alert = ("Unable to handle kernel", "Mem abort info", "ESR =", "EC =", "Data abort info")
    notime = [
        f"kern  :alert : {line.split('] ', 1)[1]}" for line in log if any(a in line for a in alert)
    ]
    assert len(notime) == 5
    lava = "<LAVA_SIGNAL_TESTCASE TEST_CASE_ID=alert RESULT=fail UNITS=lines MEASUREMENT=5>"
    again = [*log, "+ KERNELCI_LAVA=y /bin/sh /opt/kernelci/dmesg.sh", *notime, lava]
    data = ("\n".join(again) + "\n").encode()
    for reports in (parse_log(data), triage_blocks(line_blocks([data], ReadLimits()))):
        assert [(r.title, r.start_line) for r in reports] == [(want.title, want.start_line)]
    # without a stamped copy before it, the same text is a report (a log without times)
    assert [r.title for r in parse_log(("\n".join(notime) + "\n").encode())] != []


# kernel/panic.c __warn() since v6.19-rc1 (commit 28ea295f941e), the wording of -next
# and mainline as the test bots boot them: "WARNING: %s:%d at %pS, CPU#%d: %s/%d"
# instead of "WARNING: CPU: %d PID: %d at %s:%d %pS".
_OLD_WARN_RE = re.compile(r"WARNING: CPU: (\d+) PID: (\d+) at (\S+:\d+) (.+?)\s*$")


def _warn_619(lines: list[str], with_file: bool = True) -> list[str]:
    """``lines`` with their WARNING line in the 6.19 wording; without ``with_file``, as a
    kernel without CONFIG_DEBUG_BUGVERBOSE prints it ("WARNING: at %pS, CPU#%d: %s/%d")."""
    comms = dict(
        m.groups()
        for line in lines
        if (m := re.search(r"PID: (\d+) Comm: (\S+)", line)) is not None
    )
    out = []
    for line in lines:
        m = _OLD_WARN_RE.search(line)
        if m is not None:
            cpu, pid, src, caller = m.groups()
            where = f"{src} at" if with_file else "at"
            line = line[: m.start()] + f"WARNING: {where} {caller}, CPU#{cpu}: {comms[pid]}/{pid}"
        out.append(line)
    return out


_WARN_LOGS = [
    "arm64-6.1.0-50-mod-warn",
    "armhf-6.1.0-50-mod-warn",
    "ppc64le-6.1.0-50-mod-warn",
    "riscv64-6.12.117+deb13-mod-warn",
    "s390x-6.1.0-50-mod-warn",
    "riscv64-6.12.117+deb13-mod-slub-redzone",
    "riscv64-6.12.117+deb13-mod-slub-poison",
]


@pytest.mark.parametrize("name", _WARN_LOGS)
def test_a_6_19_warning_line_reads_as_the_old_one(name: str) -> None:
    """The recorded WARN_ON()s and SLUB reports (whose object_err() ends in a WARN), their
    WARNING line in the 6.19 wording: the same reports, titles and traces. The SLUB
    report took its WARN for a report of its own ("SLUB: Object corrupt in corrupted",
    then "WARNING in object_err"). The line names the task itself: with the task header
    line gone, the task, pid and CPU still come from it."""
    log = _lines(name)
    new = _warn_619(log)
    assert new != log
    want, got = _parse(log), _parse(new)
    facts = [(r.title, r.frames, r.comm, r.pid, r.cpu) for r in want]
    assert [(r.title, r.frames, r.comm, r.pid, r.cpu) for r in got] == facts
    headless = [line for line in new if " Comm: " not in line]
    rep = _parse(headless)[0]
    assert (rep.title, rep.comm, rep.pid, rep.cpu) == (
        want[0].title,
        want[0].comm,
        want[0].pid,
        want[0].cpu,
    )


@pytest.mark.parametrize("name", _WARN_LOGS)
def test_a_warning_line_without_its_file_reads_as_the_old_one(name: str) -> None:
    """The WARNING line of a kernel built without CONFIG_DEBUG_BUGVERBOSE: __warn() has
    no file then and prints "WARNING: CPU: %d PID: %d at %pS" (6.19: "WARNING: at %pS,
    CPU#%d: %s/%d"). The same reports, titles, traces and task as the recorded line (it
    was titled by its own raw text, and a SLUB report's WARN was a report of its own)."""
    log = _lines(name)
    want = _parse(log)
    facts = [(r.title, r.frames, r.comm, r.pid, r.cpu) for r in want]
    old_wording = [_OLD_WARN_RE.sub(r"WARNING: CPU: \1 PID: \2 at \4", line) for line in log]
    for new in (old_wording, _warn_619(log, with_file=False)):
        assert new != log
        got = _parse(new)
        assert [(r.title, r.frames, r.comm, r.pid, r.cpu) for r in got] == facts


@pytest.mark.parametrize("name", _WARN_LOGS)
def test_a_6_19_warning_pasted_as_an_indented_block_names_its_task(name: str) -> None:
    """A 6.19 WARNING without its task header, quoted two spaces in as a netdev mail
    quotes an RTNL assertion's splat ("  WARNING: net/core/dev.c:2241 at
    netif_state_change+0xed/0x130, CPU#5: ethtool/1335"): its line still names the
    task, pid and CPU (they were read at the line's very start only)."""
    log = _lines(name)
    want = _parse(log)[0]
    # (the lines as the mail quotes them: without their printk time)
    headless = [re.sub(r"^\[ *\d+\.\d+\] ", "", line) for line in _warn_619(log)]
    quoted = ["  " + line for line in headless if " Comm: " not in line]
    rep = _parse(["A splat on our test box:", "", *quoted])[0]
    assert (rep.title, rep.comm, rep.pid, rep.cpu) == (
        want.title,
        want.comm,
        want.pid,
        want.cpu,
    )


@pytest.mark.parametrize("width", [72, 78])
def test_a_task_header_wrapped_by_a_mail_client_keeps_task_and_release(width: int) -> None:
    """Reports mailed to the lists (LKFT's among them) are wrapped by the sender's mail
    client near 72-78 columns (RFC 3676's advice): the task header, an oops's longest
    line, goes on unprefixed on the next line ("... Comm: sh Tainted: G OE" then
    "6.1.0-50-arm64 #1  Debian 6.1.176-1"). The task and release were lost. Every real
    log whose header line a word wrap cuts in or after its taint flags (other lines are left
    whole: a title line cut by the wrap is not put together again): the same task, pid,
    CPU, release and taint as unwrapped."""
    checked = 0
    for path in sorted(DATA.glob("*.log")):
        log = path.read_text(encoding="latin-1").rstrip("\n").split("\n")
        wrapped: list[str] = []
        for line in log:
            if " Comm: " not in line:  # only the header: other wrapped lines are not read
                wrapped.append(line)
                continue
            wrapped += textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)
        cut = [
            i
            for i, line in enumerate(wrapped[:-1])
            if re.search(r"Comm: .*(?:Not tainted|Tainted: [A-Z ]+)$", line)
            and re.match(r"(?:[A-Z]+ +)?\d+\.\d+\S* #\d", wrapped[i + 1])
        ]
        if not cut:
            continue
        want, got = parse_log("\n".join(log)), parse_log("\n".join(wrapped))
        if not want or want[0].type == "OOM-KILL":
            continue  # a header of no crash report (a SysRq backtrace, an OOM kill's dump)
        w, g = want[0], got[0]
        # (the taint's run of spaces is gone where the wrap fell: its flags are the same)
        assert (g.comm, g.pid, g.cpu, g.kernel_release, g.taint_flags) == (
            w.comm,
            w.pid,
            w.cpu,
            w.kernel_release,
            w.taint_flags,
        ), path.name
        checked += 1
    assert checked >= 20


def _squeezed(line: str) -> str:
    """A list archive's squeeze of the printk time's padding, as linuxlists.cc shows LKFT's
    mails: "[   12.345678] x" -> "<4>[ 12.345678] x"."""
    return re.sub(r"^\[ *(?=[\d.]+\])", "<4>[ ", line)


def _groups(rx: re.Pattern[str]) -> Callable[[str], list[str] | None]:
    """Rows of a line ``rx`` matches: its groups, one row each (a mail's wrap)."""
    return lambda line: list(m.groups()) if (m := rx.match(line)) else None


def _logs_cut_by_a_mail(
    rows: Callable[[str], list[str] | None],
) -> Iterator[tuple[str, list[Report], list[Report]]]:
    """Every in-repo log with a line ``rows`` cuts (the rows it makes of it; None leaves a
    line whole), its printk times squeezed as a list archive shows a mailed log: the
    log's name, its reports whole and so cut."""
    for path in sorted(DATA.glob("*.log")):
        log = path.read_text(encoding="latin-1").rstrip("\n").split("\n")
        cut = [row for line in log for row in (rows(line) or [line])]
        if len(cut) != len(log):
            yield path.name, parse_log("\n".join(log)), parse_log("\n".join(map(_squeezed, cut)))


def _cuts_agree(
    rows: Callable[[str], list[str] | None], facts: Callable[[list[Report]], object]
) -> int:
    """Every log `_logs_cut_by_a_mail(rows)` cuts gives the same `facts` of its reports as
    whole (asserted, naming the log); how many logs were cut."""
    checked = 0
    for name, want, got in _logs_cut_by_a_mail(rows):
        assert facts(got) == facts(want), name
        checked += 1
    return checked


# dump_stack_print_info()'s task header (lib/dump_stack.c) as a mail client cut it right
# after "Comm:": a vendor prefix before it makes it wider still ("> [ 66.575408s]
# [pid:5118,cpu4,QThread,5]CPU: 4 PID: 5118 Comm:" then "QThread Tainted: G S W O
# 5.10.97-arm64-desktop #7100.57021.2", a Huawei 5.10 panic quoted on LKML, 2024-07-05).
_COMM_CUT_RE = re.compile(r"^(\[ *[\d.]+\] CPU: \d+ (?:UID: \d+ )?PID: \d+ Comm:) (\S.*)$")


def test_a_task_header_a_mail_client_cut_after_its_comm_label_keeps_its_task() -> None:
    """The row after "Comm:" holds the comm, then the taint and release: read as the
    header's rest, every in-repo log so cut keeps its task, pid, CPU, release and taint."""
    checked = 0
    for name, whole, cut in _logs_cut_by_a_mail(_groups(_COMM_CUT_RE)):
        if not whole or whole[0].type == "OOM-KILL":
            continue
        w, g = whole[0], cut[0]
        assert (g.comm, g.pid, g.cpu, g.kernel_release, g.taint) == (
            w.comm,
            w.pid,
            w.cpu,
            w.kernel_release,
            w.taint,
        ), name
        checked += 1
    assert checked >= 20


# __warn()'s header (kernel/panic.c) as a mail client cut it before its file: "WARNING:
# CPU: 1 PID: 87 at" then "src/.../hotfence_crash.c:92 hotfence_crash_warn+0x38/0x50
# [hotfence_crash]", LKFT's reports on lore wrapped near 70 columns with the printk
# time's blanks squeezed ("<4>[ 203.133483]", as linuxlists.cc shows them).
_WARNING_AT_RE = re.compile(r"^\[ *([\d.]+)\] (WARNING: (?:CPU: \d+ PID: \d+ )?at) (\S.*)$")


@pytest.mark.parametrize("decoded", [False, True])
@pytest.mark.parametrize("path_alone", [False, True])
def test_a_warning_header_a_mail_client_cut_after_its_at_keeps_its_title(
    decoded: bool, path_alone: bool
) -> None:
    """Every real log with a WARNING header, that header cut after its "at" (file,
    line and function, or the function alone with !CONFIG_DEBUG_BUGVERBOSE, in the next
    row; decode_stacktrace.sh's "f (file:line)" too; a long path alone in that row and
    the function in the next): the same title, RIP, frames and task as the line whole.
    The title was the header's raw words ("WARNING: CPU: NUM PID: NUM at") and the
    type's report lost its function."""
    checked = 0
    for path in sorted(DATA.glob("*.log")):
        log = path.read_text(encoding="latin-1").rstrip("\n").split("\n")
        at = next((i for i, ln in enumerate(log) if _WARNING_AT_RE.match(ln)), None)
        if at is None:
            continue
        m = _WARNING_AT_RE.match(log[at])
        assert m is not None
        rest = m.group(3)
        if decoded:  # "f+0x38/0x50 [mod]" as decode_stacktrace.sh prints it
            rest = re.sub(
                r"\b([\w.]+)\+0x[0-9a-f]+/0x[0-9a-f]+( \[\w+\])?", r"\1 (lib/x.c:12)\2", rest
            )
        rows = rest.split(" ", 1) if path_alone and re.match(r"\S+:\d+ ", rest) else [rest]
        cut = [*log[:at], f"[ {m.group(1)}] {m.group(2)}", *rows, *log[at + 1 :]]
        cut = [re.sub(r"^\[ *", "<4>[ ", ln) for ln in cut]  # (the archive's squeeze)
        want = parse_log("\n".join(log))
        got = parse_log("\n".join(cut))
        w = next((r for r in want if r.start_line <= at + 1 <= r.end_line), None)
        if w is None or not w.title.startswith("WARNING in "):
            continue  # (a WARNING line amid another report, or one the kind titles not)
        g = next(r for r in got if r.start_line == w.start_line)
        assert g.title == w.title, path.name
        assert (g.rip and g.rip.function) == (w.rip and w.rip.function), path.name
        assert [f.function for f in g.frames] == [f.function for f in w.frames], path.name
        assert (g.comm, g.pid, g.cpu) == (w.comm, w.pid, w.cpu), path.name
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("cut", ["mount", "root", "fs", "on"])
def test_a_no_root_panic_a_mail_client_cut_in_its_words_keeps_its_title(cut: str) -> None:
    """The boot that finds no root, a boot failure LKFT often reports, as a mail wrapped
    near 70 columns with the printk times squeezed shows it: "<0>[ 3.587814] Kernel
    panic - not syncing: VFS: Unable to mount root" then "fs on unknown-block(0,0)"
    (init/do_mounts.c panic("VFS: Unable to mount root fs on %s", b)). Each in-repo
    no-root log, the panic line cut after each of the message's last words: the same
    title as whole, not "kernel panic: VFS: Unable to mount root"."""
    checked = 0
    for path in sorted(DATA.glob("*-no-root.log")):
        log = path.read_text(encoding="latin-1").rstrip("\n").split("\n")
        at = next(i for i, ln in enumerate(log) if "] Kernel panic - not syncing: VFS:" in ln)
        head, rest = log[at].split(f" {cut} ", 1)
        cut_log = [*log[:at], f"{head} {cut}", rest, *log[at + 1 :]]
        cut_log = [re.sub(r"^\[ *", "<0>[ ", ln) for ln in cut_log]  # (the archive's squeeze)
        (want,) = parse_log("\n".join(log))
        (got,) = parse_log("\n".join(cut_log))
        assert got.title == want.title, path.name
        assert want.title.endswith("fs on unknown-block(NUM,NUM)")
        assert (got.comm, got.pid, got.cpu) == (want.comm, want.pid, want.cpu), path.name
        checked += 1
    assert checked >= 5


# __warn()'s header (kernel/panic.c) with its CPU and PID, and a printk time
_WARNING_CPU_RE = re.compile(r"^(\[ *[\d.]+\] WARNING:) (CPU: \d+ PID: \d+) (at \S.*)$")


@pytest.mark.parametrize("words", [1, 2, 3, 4])
def test_a_warning_header_a_mail_client_cut_in_its_cpu_and_pid_keeps_its_title(
    words: int,
) -> None:
    """__warn() (5.15 kernel/panic.c) prints "WARNING: CPU: %d PID: %d at %s:%d %pS": a
    mail wrapped at 66-70 columns after a syslog prefix, or with printk times squeezed,
    cuts it after ``words`` of "CPU: 2 PID: 4242" ("WARNING: CPU: 2" then "PID: 4242 at
    net/core/dev.c:3244 skb_warn_bad_offload+0xd0/0xe0"). Every in-repo log with that
    header, so cut: each report's title, RIP, frames and task as whole. (The title was
    "WARNING: CPU: NUM".)"""

    def rows(ln: str) -> list[str] | None:
        m = _WARNING_CPU_RE.match(ln)
        if m is None:
            return None
        cpu = m.group(2).split(" ")
        return [" ".join([m.group(1), *cpu[:words]]), " ".join([*cpu[words:], m.group(3)])]

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [
            (r.title, r.rip and r.rip.function, [f.function for f in r.frames], r.pid, r.cpu)
            for r in reps
        ]

    assert _cuts_agree(rows, facts) >= 17


# __warn()'s header with a printk time or a syslog prefix, its file's path split at a "/":
# all of it up to the first or the last "/" (lazy or greedy), then the rest, ":%d %pS"
_WARNING_PATH_RES = {
    how: re.compile(
        rf"^(.*(?:\] |kernel: )WARNING: (?:CPU: \d+ PID: \d+ )?at \S{q}/)([^\s/]\S*:\d+ \S.*)$"
    )
    for how, q in (("first", "*?"), ("last", "*"))
}


@pytest.mark.parametrize("how", ["first", "last"])
def test_a_warning_header_a_wrap_cut_in_its_path_keeps_its_title(how: str) -> None:
    """__warn() (kernel/panic.c, 4.19 to 6.x) prints "WARNING: CPU: %d PID: %d at %s:%d
    %pS": a webmail's wrap, which breaks after a "/" too (UAX #14), cuts a long path in
    it, "... WARNING: CPU: 2 PID: 69 at /mnt/host/source/src/third_party/" then
    "kernel/v4.19/lib/refcount.c:187 refcount_sub_and_test_checked+0x80/0x8c" (ChromeOS
    kukui 4.19.36 on linux-bluetooth, 2020). Every in-repo log with that header, so cut
    after its path's first or last "/": each report's title, RIP, frames and task as
    whole. (The title was "WARNING: CPU: NUM PID: NUM at src/".)"""

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [
            (r.title, r.rip and r.rip.function, [f.function for f in r.frames], r.pid, r.cpu)
            for r in reps
        ]

    assert _cuts_agree(_groups(_WARNING_PATH_RES[how]), facts) >= 17


# __might_resched()'s report (kernel/sched/core.c, 5.16 to 6.x: "BUG: sleeping function
# called from invalid context at %s:%d", then the task's atomic state) made of the
# in-repo arm64 OOM report's task header and dump_stack() trace, __might_resched() and
# __might_sleep() in dump_header()'s and oom_kill_process()'s place
_MIGHT_SLEEP_LINES = (
    "BUG: sleeping function called from invalid context at mm/page_alloc.c:5208",
    "in_atomic(): 0, irqs_disabled(): 0, non_block: 0, pid: 86, name: dd",
    "preempt_count: 0, expected: 0",
    "RCU nest depth: 1, expected: 0",
)


def _might_sleep_log(cut: bool, stamped: bool) -> str:
    """The arm64 OOM log with its report made __might_resched()'s (see above), the header
    whole or cut after its "at", the file and line in the next row with no prefix; with
    its printk times, or the report alone, each line indented by two blanks and the cut
    row at the left edge, as a mail quoted a console (Herobrine 5.19-rc4 on
    linux-arm-kernel, 2022)."""
    log = (DATA / "arm64-6.1.0-50-oom.log").read_text().splitlines()
    head = next(i for i, ln in enumerate(log) if " invoked oom-killer: " in ln)
    end = next(i for i, ln in enumerate(log) if ln.endswith("] Mem-Info:"))
    stamp = log[head][: log[head].index("] ") + 2]
    body = [
        ln[ln.index("] ") + 2 :]
        .replace("dump_header+0x50/0x21c", "__might_resched+0x144/0x154")
        .replace("oom_kill_process+0x2ec/0x2f0", "__might_sleep+0x54/0x84")
        for ln in log[head + 1 : end]
        if "out_of_memory+" not in ln
    ]
    rows = [f"{stamp if stamped else '  '}{ln}" for ln in (*_MIGHT_SLEEP_LINES, *body)]
    if cut:
        rows[:1] = rows[0].rsplit(" ", 1)
    return "\n".join((log[:head] if stamped else []) + rows) + "\n"


@pytest.mark.parametrize("stamped", [True, False])
def test_a_might_sleep_header_a_wrap_cut_after_its_at_keeps_its_title(stamped: bool) -> None:
    """__might_resched() (kernel/sched/core.c, 5.16+; __might_sleep() before) prints "BUG:
    sleeping function called from invalid context at %s:%d": a mail's wrap cuts it after
    "at", the file and line alone in the next row ("  BUG: sleeping function called from
    invalid context at" then "arch/arm64/mm/fault.c:593", Herobrine 5.19-rc4 on
    linux-arm-kernel, 2022). The report's title, kind, frames and task as whole.
    (The title was "BUG: sleeping function called from invalid context at", UNKNOWN.)"""

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [
            (r.title, r.type, r.corrupted, [f.function for f in r.frames], r.pid, r.comm)
            for r in reps
        ]

    want = parse_log(_might_sleep_log(cut=False, stamped=stamped).encode())
    assert [r.type for r in want] == ["ATOMIC_SLEEP"]
    assert facts(parse_log(_might_sleep_log(cut=True, stamped=stamped).encode())) == facts(want)


# KFENCE's and KASAN's header with a printk time: "BUG: KFENCE: use-after-free read in f+0x1/0x2"
_SANITIZER_RE = re.compile(r"^(\[ *[\d.]+\] BUG: (?:KFENCE|KASAN):) (.+ in) (\S+\+0x.*)$")


@pytest.mark.parametrize("words", [1, 2, 3])
def test_a_sanitizer_header_a_mail_client_cut_keeps_its_title(words: int) -> None:
    """KFENCE's kfence_report_error() (6.1 mm/kfence/report.c) prints "BUG: KFENCE:
    use-after-free %s in %pS": a mail wrapped at 66-69 columns cuts it after its "in" (or
    in the bug's words), the symbol alone ("mydrv_poll+0x3c/0x90 [mydrv]") or after the
    words left in the next row. Every in-repo log with such a header, so cut after
    ``words`` of the words before the symbol: each report's title, type and frames as
    whole. (The title was "BUG: KFENCE: use-after-free read in", of unknown type.)"""

    def rows(ln: str) -> list[str] | None:
        m = _SANITIZER_RE.match(ln)
        if m is None or words > len(bug := m.group(2).split(" ")):
            return None
        return [" ".join([m.group(1), *bug[:words]]), " ".join([*bug[words:], m.group(3)])]

    def facts(reports: list[Report]) -> object:
        return [(r.title, r.type, [f.function for f in r.frames]) for r in reports]

    assert _cuts_agree(rows, facts) >= 2


# x86's instruction pointer lines before 4.x: "IP: [<%p>] %pB", "RIP: %04lx:[<%016lx>]
# [<%016lx>] %pB", "EIP: [<%08lx>] %pB SS:ESP ..." with a printk time; the cut after the
# first address (lazy) or the last
_IP_ADDRESS_RES = [
    re.compile(
        rf"^(\[ *[\d.]+\] (?:R|E)?IP: (?:[0-9a-f]{{4}}:)?\[<[0-9a-f]+>\](?:\s+\[<[0-9a-f]+>\]){q})"
        r"\s+((?:\[<[0-9a-f]+>\]\s+)?[A-Za-z_][\w.]*\+0x.*)$"
    )
    for q in ("??", "?")
]


@pytest.mark.parametrize("last", [False, True])
def test_an_x86_ip_line_a_mail_client_cut_after_its_address_keeps_its_title(last: bool) -> None:
    """3.10's show_fault_oops() (arch/x86/mm/fault.c) prints "IP:" and printk_address()'s
    " [<%p>] %s%pB" (arch/x86/kernel/dumpstack.c), __show_regs() "RIP: %04lx:[<%016lx>] "
    and the same: a mail wrapped at 66-70 columns, printk times squeezed, cuts the line
    after an address, the symbol in the next row ("IP: [<ffffffffc0a3b1e4>]" then
    "ip6mr_sk_done+0x34/0x120 [ipv6]"). Every in-repo log with such a line, so cut after
    its first or last address: each report's title, RIP and frames as whole. (The
    report was titled "... in corrupted".)"""
    checked = 0
    for name, want, got in _logs_cut_by_a_mail(_groups(_IP_ADDRESS_RES[last])):
        assert [
            (r.title, r.rip and r.rip.function, [f.function for f in r.frames]) for r in got
        ] == [(r.title, r.rip and r.rip.function, [f.function for f in r.frames]) for r in want], (
            name
        )
        checked += 1
    assert checked >= 3


# print_mce()'s line with its bank: "CPU 7: Machine Check Exception: 5 Bank 4: be00..."
_MCE_BANK_LINE_RE = re.compile(
    r"^\[ *[\d.]+\] .*\bCPU \d+: (Machine Check.* Bank \d+:) [0-9a-f]{16}$"
)


@pytest.mark.parametrize("words", [2, 3, 4, 5])
def test_an_mce_line_a_mail_client_cut_in_its_words_keeps_its_title(words: int) -> None:
    """x86_64's print_mce() (RHEL 6's 2.6.32 arch/x86/kernel/cpu/mcheck/mce.c) prints "CPU
    %d: Machine Check Exception: %16Lx Bank %d: %016Lx", 4.x-6.x __print_mce() (arch/x86/
    kernel/cpu/mce/core.c) "CPU %d: Machine Check%s: %Lx Bank %d: %016Lx": a mail wrapped
    at 66-70 columns cuts it after any of its words ("CPU 7: Machine Check" then
    "Exception: 5 Bank 4: be00000000800400"). Every in-repo log with such a line, so cut
    after ``words`` of the words from "Machine" to the bank's number: each report's
    title, type, corrupted flag and CPU as whole. (The panic after it was titled
    "kernel panic: Fatal machine check", corrupted, with no CPU.) A cut before "Check",
    or before 2.6's "Exception:" with no "mce: [Hardware Error]: " before the line,
    leaves the cut row no scan needle: not read here."""

    def rows(ln: str) -> list[str] | None:
        m = _MCE_BANK_LINE_RE.match(ln)
        if m is None:
            return None
        cuts = [w.end() for w in re.finditer(r"\S+", m.group(1))]
        if words > len(cuts) - 1 or (words < 3 and "[Hardware Error]: CPU" not in ln):
            return None
        at = m.start(1) + cuts[words - 1]
        return [ln[:at], ln[at:].lstrip()]

    checked = 0
    for name, want, got in _logs_cut_by_a_mail(rows):
        assert [(r.title, r.type, r.corrupted, r.cpu) for r in got] == [
            (r.title, r.type, r.corrupted, r.cpu) for r in want
        ], name
        checked += 1
    assert checked >= {2: 2, 3: 3, 4: 3, 5: 2}[words]


# the OOM killer's kill line with a printk time, cut after its "%s:", "Killed", "process"
_KILL_LINES_CUT = [
    re.compile(rf"^(\[ *[\d.]+\] (?:Memory cgroup out|Out) of memory:{cut}) (\S.* total-vm:.*)$")
    for cut in ("", " Killed", " Killed process")
]


@pytest.mark.parametrize("cut", [0, 1, 2])
def test_a_kill_line_a_mail_client_cut_before_its_process_is_a_report(cut: int) -> None:
    """__oom_kill_process() (6.x mm/oom_kill.c) prints "%s: Killed process %d (%s)
    total-vm:%lukB, ..." ("Memory cgroup out of memory", "Out of memory"): a mail
    wrapped at 66 columns, printk times squeezed, cuts it after "Killed process" ("25482
    (python3) total-vm:..." in the next row), after "Killed" or after its "%s:". Every
    in-repo log with a kill line, so cut: the same reports, titles, pids and comms as
    whole. (The memcg kills of the x86 6.18 logs were lost.)"""

    def facts(reports: list[Report]) -> object:
        return [(r.title, r.type, r.pid, r.comm) for r in reports]

    assert _cuts_agree(_groups(_KILL_LINES_CUT[cut]), facts) >= 10


# dump_stack_print_info()'s header with a printk time: its task, its taint, its release
_TASK_HEADER_RE = re.compile(
    r"^(\[ *[\d.]+\] CPU: \d+ (?:UID: \d+ )?PID: \d+ Comm: \S.*?(?: Kdump: loaded)?)"
    r" ((?:Not tainted|Tainted: [A-Z?](?:[A-Z?\- ]*[A-Z?\-])?)) +(\d+\.\d+\S* #\d.*)$"
)


@pytest.mark.parametrize("cut", ["taint", "not", "taint and release"])
def test_a_task_header_a_mail_client_cut_before_its_taint_keeps_its_task(cut: str) -> None:
    """dump_stack_print_info() (lib/dump_stack.c; RHEL 7's 3.10 "CPU: %d PID: %d Comm:
    %.20s %s %s %.*s" with "Kdump: loaded", 6.18's "CPU: %d UID: %u PID: %d Comm: %.20s
    %s%s %s %.*s") prints the task, print_tainted() and the release on one line: a mail
    wrapped at 66-70 columns cuts it before the taint ("... Comm: dockerd Kdump: loaded"
    then "Tainted: G ------------ T 3.10.0-957.21.3.el7.x86_64 #1"), inside "Not
    tainted", or before the taint and again before the release. Every in-repo log with
    such a header, so cut: each report's task, pid, CPU, release and taint flags as
    whole. (The task and release were lost.)"""

    def rows(ln: str) -> list[str] | None:
        m = _TASK_HEADER_RE.match(ln)
        if m is None:
            return None
        task, taint, release = m.groups()
        if cut == "not":
            if taint != "Not tainted":
                return None
            return [f"{task} Not", f"tainted {release}"]
        if cut == "taint":
            return [task, f"{taint} {release}"]
        return [task, taint, release]

    checked = 0
    for name, want, got in _logs_cut_by_a_mail(rows):
        assert [(r.comm, r.pid, r.cpu, r.kernel_release, r.taint_flags) for r in got] == [
            (r.comm, r.pid, r.cpu, r.kernel_release, r.taint_flags) for r in want
        ], name
        checked += 1
    assert checked >= (40 if cut == "not" else 100)


# s390's stamped entry in parentheses: "([<000000000062e70e>] f+0xd6/0xf0)"
_S390_GUESS_ENTRY_RE = re.compile(r"^(\[ *[\d.]+\] \(\[<[0-9a-f]+>\]) ([A-Za-z_.][\w.]*\+0x.*\))$")


def test_an_s390_guessed_entry_a_mail_client_cut_after_its_address_is_a_frame() -> None:
    """s390's show_stack() (6.1 arch/s390/kernel/dumpstack.c) prints an entry it cannot
    vouch for as "([<%016lx>] %pSR)": a mail wrapped at 66-70 columns cuts it after the
    address ("<4>[ 5.110705] ([<000000000062e70e>]" then
    "__list_del_entry_valid+0xd6/0xf0)"). Every in-repo log with such entries, each so
    cut: each report's title and frames as whole. (The entry was lost.)"""

    def facts(reports: list[Report]) -> object:
        return [(r.title, [f.function for f in r.frames]) for r in reports]

    assert _cuts_agree(_groups(_S390_GUESS_ENTRY_RE), facts) >= 3


# sched_show_task()'s stamped line: "task:init            state:R  running task     stack:0 ..."
_TASK_STATE_LINE_RE = re.compile(r"^\[ *[\d.]+\] task:.{1,15}? +state:\S.* flags:0x[0-9a-f]+\s*$")


@pytest.mark.parametrize("before", ["stack:", "pid:", "ppid:", "flags:"])
def test_a_task_state_line_a_mail_client_cut_keeps_its_task(before: str) -> None:
    """sched_show_task() (6.1 kernel/sched/core.c) prints "task:%-15.15s state:%c", "
    running task    " and " stack:%-5lu pid:%-5d ppid:%-6d flags:0x%08lx" on one line: a
    mail wrapped at 66-70 columns cuts it before any of its fields ("<4>[ 27.156417]
    task:init            state:R  running task" then "stack:0     pid:1     ppid:0
    flags:0x00000004"). Every in-repo log with such lines, each cut before ``before``:
    each report's title, task and pid as whole. (The RCU stall's task was lost.)"""

    def rows(ln: str) -> list[str] | None:
        if not _TASK_STATE_LINE_RE.match(ln) or (at := ln.find(f" {before}")) == -1:
            return None
        return [ln[:at].rstrip(), ln[at:].lstrip()]

    def facts(reports: list[Report]) -> object:
        return [(r.title, r.comm, r.pid) for r in reports]

    assert _cuts_agree(rows, facts) >= 10


# a stamped entry with its address first: " [<f8a5168d>] ? f+0x17d/0x1a0 [snd_pcm]",
# " <NMI>  [<ffffffff9c781340>] dump_stack+0x19/0x1b" (x86 before 4.x; riscv, MIPS, s390)
_ADDRESS_ENTRY_RE = re.compile(
    r"^(\[ *[\d.]+\] +(?:<(?:NMI|IRQ|EOI)> +)?\[<[0-9a-f]+>\](?: \?)?) ([A-Za-z_.][\w.]*\+0x.*)$"
)


def test_an_address_entry_a_mail_client_cut_before_its_symbol_is_a_frame() -> None:
    """x86 before 4.x prints an entry as printk_address()'s " [<%p>] %s%pB" (3.10
    arch/x86/kernel/dumpstack.c), "? " before a guess, after a stack switch's " <NMI> ",
    " <EOI> " or " <IRQ> " (dump_trace()): a mail wrapped at 66-70 columns cuts it after
    the address or the "?" ("[<f8a5168d>] ?" then "snd_pcm_playback_ioctl1+0x17d/0x1a0
    [snd_pcm]", "<NMI>  [<ffffffff9c781340>]" then "dump_stack+0x19/0x1b"). Every in-repo
    log with entries of an address then a symbol, each so cut: each report's title and
    frames (with their unreliable marks) as whole. (The entries were lost.)"""

    def facts(reports: list[Report]) -> object:
        return [(r.title, [(f.function, f.unreliable) for f in r.frames]) for r in reports]

    assert _cuts_agree(_groups(_ADDRESS_ENTRY_RE), facts) >= 10


# powerpc's stamped exception frame mark: "--- interrupt: 300 at f+0x140/0x168"
_POWERPC_INTERRUPT_RE = re.compile(
    r"^(\[ *[\d.]+\] --- interrupt: [0-9a-f]+ at) ([A-Za-z_.][\w.]*\+0x.*)$"
)


def test_a_powerpc_interrupt_mark_a_mail_client_cut_keeps_the_frames() -> None:
    """powerpc's show_stack() (6.1 arch/powerpc/kernel/process.c) marks an exception frame
    with "--- interrupt: %lx at %pS": a mail wrapped at 66-68 columns, printk times
    squeezed, puts the symbol alone in the next row ("--- interrupt: 300 at" then
    "__arch_clear_user+0x140/0x168"). Every in-repo log with such marks, each so cut:
    each report's title and frames as whole. (ppc64le's OOM kill lost 6 of 18 frames.)"""

    def facts(reports: list[Report]) -> object:
        return [(r.title, [(f.function, f.unreliable) for f in r.frames]) for r in reports]

    assert _cuts_agree(_groups(_POWERPC_INTERRUPT_RE), facts) >= 4


# SLUB's stamped track line: "Freed in f+0x8c/0x164 age=3 cpu=0 pid=85"
_SLUB_TRACK_RE = re.compile(
    r"^(\[ *[\d.]+\] (?:INFO: )?(?:Allocated|Freed) in)( \S+(?: \[\w+\])?)( age=\d+ cpu=\d+)"
    r"( pid=\d+)$"
)


@pytest.mark.parametrize("before", [1, 2, 3])
def test_a_slub_track_line_a_mail_client_cut_keeps_the_report(before: int) -> None:
    """print_track() (6.1 mm/slub.c) prints "%s in %pS age=%lu cpu=%u pid=%d": a mail
    wrapped at 66-70 columns, printk times squeezed, cuts it before its pid ("Freed in
    walk_component+0x8c/0x164 age=3 cpu=0" then "pid=85"), before its age, or after its
    "in" (a module's long symbol). Every in-repo log with such lines, each so cut before
    group ``before``: each report's title and frames as whole. (armhf's SLUB reports
    were read with the track's frames, not the trace's.)"""

    def rows(ln: str) -> list[str] | None:
        m = _SLUB_TRACK_RE.match(ln)
        if not m:
            return None
        return ["".join(m.groups()[:before]), "".join(m.groups()[before:]).lstrip()]

    def facts(reports: list[Report]) -> object:
        return [(r.title, [f.function for f in r.frames]) for r in reports]

    assert _cuts_agree(rows, facts) >= 8


# x86's stamped unreliable trace entry: " ? f+0x16/0xa0"
_UNRELIABLE_ENTRY_RE = re.compile(r"^(\[ *[\d.]+\] +\?) ([A-Za-z_.][\w.]*\+0x.*)$")


def test_an_unreliable_entry_a_mail_client_cut_after_its_mark_is_a_frame() -> None:
    """printk_stack_address() (6.12 arch/x86/kernel/dumpstack.c) prints an entry the
    unwinder does not vouch for as "%s %s%pBb" with "? ": a long symbol takes it past a
    mail's wrap at 66-70 columns, which leaves the "?" alone on the cut row ("<4>[
    4.891154]  ?" then "arch_exit_to_user_mode_prepare.constprop.0+0x16/0xa0"). Every
    in-repo log with such entries, each so cut: each report's title and frames (with
    their unreliable marks) as whole. (The entry was lost.)"""

    def facts(reports: list[Report]) -> object:
        return [(r.title, [(f.function, f.unreliable) for f in r.frames]) for r in reports]

    assert _cuts_agree(_groups(_UNRELIABLE_ENTRY_RE), facts) >= 10


# dump_stack_print_info()'s header with a printk time, the words before its "Comm:"
_BEFORE_COMM_RE = re.compile(r"^(\[ *[\d.]+\]) (CPU: \d+ (?:UID: \d+ )?PID: \d+) (Comm: \S.*)$")


@pytest.mark.parametrize("left", [0, 1, 2, 3])
def test_a_task_header_a_mail_client_cut_before_its_comm_keeps_its_task(left: int) -> None:
    """dump_stack_print_info() (5.15 lib/dump_stack.c "CPU: %d PID: %d Comm: %.20s %s
    %.*s %.*s", 6.x's with "UID: %u"): after a syslog prefix and a printk time a mail
    wrapped at 66-70 columns cuts it before "Comm:" ("... [ 1234.567960] CPU: 2 PID:
    4242" then "Comm: kworker/2:1 Tainted: P OE 5.15.0-91-generic") or inside "CPU: %d
    UID: %u PID: %d". Every in-repo log with such a header, so cut before the ``left``
    last of those words and "Comm:": each report's task, pid, CPU, release and taint
    flags as whole. (The task, release and taint were lost.)"""

    def rows(ln: str) -> list[str] | None:
        m = _BEFORE_COMM_RE.match(ln)
        if m is None:
            return None
        ids = m.group(2).split(" ")
        at = len(ids) - left
        return [" ".join([m.group(1), *ids[:at]]), " ".join([*ids[at:], m.group(3)])]

    def facts(reports: list[Report]) -> object:
        return [(r.comm, r.pid, r.cpu, r.kernel_release, r.taint_flags) for r in reports]

    assert _cuts_agree(rows, facts) >= 100


# the hung task's line of its own, "      Not tainted 6.1.0-50-arm64 #1 Debian 6.1.176-1"
_HUNG_TAINT_RE = re.compile(
    r"^((?:\[ *[\d.]+\]|.* kernel:) {4,}(?:Not tainted|Tainted: [A-Z?](?:[A-Z?\- ]*[A-Z?\-])?))"
    r" +(\d+\.\d+\S* #\d.*)$"
)


def test_a_hung_task_taint_line_a_mail_client_cut_keeps_its_release() -> None:
    """check_hung_task() (4.x-6.x kernel/hung_task.c; RHEL 6's 2.6.32 alike) prints
    pr_err("      %s %s %.*s\n", print_tainted(), the release, the version) after the hung
    task's line: a mail wrapped at 66-67 columns after a syslog prefix cuts it before the
    release ("kernel:      Not tainted" then "2.6.32-504.el6.x86_64 #1"). Every in-repo log
    with such lines, each so cut: each report's title, release and taint flags as whole.
    (RHEL 6's hung task lost its release.)"""

    def facts(reports: list[Report]) -> object:
        return [(r.title, r.kernel_release, r.taint_flags) for r in reports]

    assert _cuts_agree(_groups(_HUNG_TAINT_RE), facts) >= 8


# a task header with a printk time, cut before its release's " #N" build tag
_BEFORE_BUILD_RE = re.compile(
    r"^((?:<\d>)?\[ *[\d.]+\] .*(?:Not tainted|Tainted: [A-Z?](?:[A-Z?\- ]*[A-Z?\-])?) +"
    r"\(?\d+\.\d+\S*) (#\d.*)$"
)


def test_a_task_header_a_mail_client_cut_before_its_build_tag_keeps_its_release() -> None:
    """dump_stack_print_info() (5.15 lib/dump_stack.c) ends the task header with the
    release and init_utsname()->version ("#101-Ubuntu", scripts/mkcompile_h), 3.4 ARM's
    __show_regs() (arch/arm/kernel/process.c) with "(%s %.*s)": a mail wrapped at 66-70
    columns cuts it before the "#N" ("... OE     5.15.0-91-generic" then "#101-Ubuntu",
    "(3.4.0-g8c1e2d4" then "#1)"). Every in-repo log with such a header, so cut: each
    report's task, pid, CPU, release and taint flags as whole. (The release was lost.)"""

    def facts(reports: list[Report]) -> object:
        return [(r.comm, r.pid, r.cpu, r.kernel_release, r.taint_flags) for r in reports]

    assert _cuts_agree(_groups(_BEFORE_BUILD_RE), facts) >= 100


@pytest.mark.parametrize("before", ["cause:", "badaddr:"])
def test_a_riscv_status_line_a_mail_client_cut_keeps_the_trace(before: str) -> None:
    """riscv's __show_regs() (arch/riscv/kernel/process.c) ends its dump with "status:
    %016lx badaddr: %016lx cause: %016lx", the line the trace follows. A mail wrapped near
    70 columns, printk times squeezed, puts its "cause:" (or "badaddr: ... cause:") in
    the next row: every in-repo log with that line, so cut, keeps each report's title,
    corrupted flag and frames. The report read "no stack trace in report" (corrupted)."""

    def rows(ln: str) -> list[str] | None:
        if not re.search(r"\] status: [0-9a-f]{16} badaddr: [0-9a-f]{16} cause: ", ln):
            return None
        head, rest = ln.split(f" {before} ", 1)
        return [head, f"{before} {rest}"]

    def facts(reports: list[Report]) -> object:
        return [(r.title, r.corrupted, [f.function for f in r.frames]) for r in reports]

    assert _cuts_agree(rows, facts) >= 8


@pytest.mark.parametrize("after", ["badaddr:", "cause:"])
def test_a_riscv_status_line_a_mail_client_cut_after_a_name_keeps_the_trace(after: str) -> None:
    """The same status line (6.12 arch/riscv/kernel/process.c __show_regs()) wrapped at
    66-67 columns, printk times squeezed: the cut falls after "badaddr:" (or "cause:"),
    its value first in the next row ("0000000000000000 cause: 0000000000000003"). Every
    in-repo log with that line, so cut, keeps each report's title, corrupted flag and
    frames. (SLUB's reports were titled "SLUB: Object corrupt in corrupted".)"""

    def rows(ln: str) -> list[str] | None:
        if not re.search(r"\] status: [0-9a-f]{16} badaddr: [0-9a-f]{16} cause: ", ln):
            return None
        head, rest = ln.split(f" {after} ", 1)
        return [f"{head} {after}", rest]

    def facts(reports: list[Report]) -> object:
        return [(r.title, r.corrupted, [f.function for f in r.frames]) for r in reports]

    assert _cuts_agree(rows, facts) >= 8


# mm/slub.c slab_bug()'s "BUG %s (%s): %pV" line with a printk time
_SLAB_BUG_RE = re.compile(r"^(\[ *[\d.]+\] BUG \S+ \((?:Not tainted|Tainted: [A-Z ]+)\):) (\S.*)$")


def test_a_slub_header_a_mail_client_cut_after_its_taint_keeps_its_title() -> None:
    """slab_bug() (mm/slub.c) prints "BUG %s (%s): %pV", the cache, print_tainted()
    and the problem. A mail wrapped near 70 columns, printk times squeezed by its archive,
    cuts it after the parentheses: "<4>[ 77.201004] BUG kmalloc-128 (Tainted: G    B
    ):" then "Redzone overwritten". Every in-repo log with that line, so cut: each
    report's title, type and frames as whole. The title was the header's raw words ("BUG
    kmalloc-NUM (Tainted: G B ):"), of no kind."""

    def facts(reports: list[Report]) -> object:
        return [(r.title, r.type, [f.function for f in r.frames]) for r in reports]

    assert _cuts_agree(_groups(_SLAB_BUG_RE), facts) >= 10


# a stamped line ending in a module's symbol as %pS prints it: "f+0x30/0x50 [mod]"
_MODULE_SYMBOL_RE = re.compile(r"^(\[ *[\d.]+\] .*\+0x[0-9a-f]+/0x[0-9a-f]+) (\[\w+\])$")


def test_module_symbols_a_mail_client_cut_before_their_module_keep_the_report() -> None:
    """%pS prints a module's symbol "f+0x30/0x50 [hotfence_crash]" (kallsyms' " [%s]"):
    on arm64's "pc : " and "lr : " lines and the trace's entries. A mail wrapped near 70
    columns, printk times squeezed, puts the "[module]" alone in the next row. Every
    in-repo log with such lines, each so cut: each report's title, corrupted flag, RIP
    and frames as whole. (A soft lockup's was titled by proc_reg_write, the pc line's
    cut module taken for a line of its own.)"""

    def rows(ln: str) -> list[str] | None:
        m = _MODULE_SYMBOL_RE.match(ln)
        # (ARM's "f [mod] from g+0x54/0x88 [mod]" entries left whole: a recursion's
        # run of them, cut, loses its repeats with or without this join)
        return [m.group(1), m.group(2)] if m and " from " not in ln else None

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [
            (r.title, r.corrupted, r.rip and r.rip.function, [f.function for f in r.frames])
            for r in reps
        ]

    assert _cuts_agree(rows, facts) >= 30


# x86's stamped instruction pointer line: "RIP: 0010:f+0x1d6/0x230", i386's "EIP: f+0x1/0x2"
_RIP_LINE_RE = re.compile(r"^(\[ *[\d.]+\] [RE]IP:) (\S.*)$")


def test_an_x86_rip_line_a_mail_client_cut_after_its_name_keeps_the_rip() -> None:
    """show_ip() (arch/x86/kernel/dumpstack.c) prints "RIP: %04x:%pS", the segment and
    the symbol one word ("EIP: %pS" on i386): a long symbol takes it past a wrap near 70
    columns, printk times squeezed, and the row after "RIP:" holds it all. Every in-repo
    log with such lines, each so cut: each report's title, corrupted flag, RIP and frames
    as whole. (A hard lockup's RIP was lost.)"""

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [
            (
                r.title,
                r.corrupted,
                r.rip and r.rip.function,
                [f.function for f in r.frames],
            )
            for r in reps
        ]

    assert _cuts_agree(_groups(_RIP_LINE_RE), facts) >= 10


# a stamped trace entry with its addresses before the symbol: "[<ffffffffc0002088>] f+0x38/
# 0x50", powerpc's "[c00000000330fa10] [c000000000d8b46c] f+0x70/0xa0"
_ENTRY_ADDRESS_RE = re.compile(
    r"^(\[ *[\d.]+\] +(?:\[<[0-9a-f]{8,16}>\]|\[[0-9a-f]{8,16}\] \[[0-9a-f]{8,16}\])) "
    r"(\S+\+0x[0-9a-f]+/0x[0-9a-f]+.*)$"
)


def test_trace_entries_a_mail_client_cut_after_their_addresses_keep_the_frames() -> None:
    """A trace entry prints its addresses, then %pS: "[<%px>] %pS" (riscv, MIPS, x86
    before 4.x), powerpc's "[%lx] [%lx] %pS". A long symbol takes it past a wrap near 70
    columns, printk times squeezed, and the symbol goes on alone in the next row. Every
    in-repo log with such entries, each so cut: each report's title, corrupted flag,
    RIP and frames as whole. (The cut entries' frames were lost: a MIPS oops lost
    hotfence_crash_null_deref, powerpc's kill-init panic do_exit.)"""

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [
            (r.title, r.corrupted, r.rip and r.rip.function, [f.function for f in r.frames])
            for r in reps
        ]

    assert _cuts_agree(_groups(_ENTRY_ADDRESS_RE), facts) >= 20


@pytest.mark.parametrize(
    "fault", ["unknown 43", "TLB conflict abort", "implementation fault (lockdown abort)"]
)
def test_an_arm64_fault_no_handler_takes_is_a_bad_access(fault: str) -> None:
    """arm64 do_mem_abort() (5.x on) dies on a fault no handler takes through
    die_kernel_fault(inf->name, ...): the name of its status code in fault_info[]
    (arch/arm64/mm/fault.c), as in LKFT's "Unable to handle kernel unknown 43 at virtual
    address ..." of a futex fault on linux-next. Its raw line was the title; it is a bad
    access in the faulting function, like the other arm64 kinds."""
    log = [
        line.replace("NULL pointer dereference at", f"{fault} at")
        for line in _lines("arm64-6.1.0-50-mod-null")
    ]
    (rep,) = _parse(log)
    kind = fault.replace("43", "NUM")
    assert rep.title == f"BUG: unable to handle kernel {kind} in hotfence_crash_null_deref"
    assert rep.alt_titles == ["bad-access in hotfence_crash_null_deref"]
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 88, 0)
    assert not rep.corrupted


def _lava_log(lines: list[str]) -> list[str]:
    """A console log as a LAVA job's log (lava_common's YAML logger: one JSON object per
    line as a YAML list item, "dt", "lvl", "msg"): every console line a "target" record,
    among LAVA's own records, some quoting the kernel's words."""
    out = [
        json.dumps({"dt": "2026-06-10T14:11:19.100000", "lvl": "info", "msg": "start: 2 boot"}),
        json.dumps(
            {
                "dt": "2026-06-10T14:11:19.100001",
                "lvl": "debug",
                "msg": "Matched prompt #5: Kernel panic - not syncing: Oops: Fatal exception",
            }
        ),
    ]
    for i, line in enumerate(lines):
        out.append(json.dumps({"dt": f"2026-06-10T14:11:20.{i:06d}", "lvl": "target", "msg": line}))
    out.append(
        json.dumps(
            {
                "dt": "2026-06-10T14:11:21.000000",
                "lvl": "results",
                "msg": {"definition": "lava", "case": "kernel-panic", "result": "fail"},
            }
        )
    )
    out.append(
        json.dumps(
            {"dt": "2026-06-10T14:11:21.000001", "lvl": "error", "msg": "BUG: kernel panic seen"}
        )
    )
    return [f"- {record}" for record in out]


@pytest.mark.parametrize("name", ["arm64-6.1.0-50-mod-null", "x86-6.12.115-null-deref"])
def test_a_lava_job_log_reads_as_its_console(name: str) -> None:
    """LKFT and KernelCI publish each job's log as LAVA writes it: a YAML list of JSON
    records, the board's serial console in the "target" ones. The console's reports
    come out as from the plain console, and LAVA's own records (its prompt matching, its
    results, its errors) are no reports, whatever they quote."""
    log = _lines(name)
    want = [(r.title, r.frames, r.comm, r.pid, r.cpu, r.kernel_release) for r in _parse(log)]
    data = ("\n".join(_lava_log(log)) + "\n").encode()
    for reports in (parse_log(data), triage_blocks(line_blocks([data], ReadLimits()))):
        assert [
            (r.title, r.frames, r.comm, r.pid, r.cpu, r.kernel_release) for r in reports
        ] == want
    assert not parse_log(("\n".join(_lava_log([])) + "\n").encode())


def _lava_record(level: str, line: str, i: int, namespace: str | None = None) -> str:
    """One record of a LAVA job log as lava_common/log.py writes it: YAMLLogger's
    log_message() dict ("ns" on a "feedback" record with a namespace) through dump(),
    yaml_safe_dump(..., default_flow_style=True, default_style='"', width=10**5): YAML's
    double-quoted style on one line, whose escapes of a control or non-ASCII character
    ("\\0", "\\e", "\\xFF") JSON has not."""
    record = {"dt": f"2026-06-10T14:11:20.{i:06d}", "lvl": level, "msg": line}
    if namespace is not None:
        record["ns"] = namespace
    dumped = yaml.dump(
        record, Dumper=yaml.SafeDumper, default_flow_style=True, default_style='"', width=10**5
    )
    return "- " + dumped[:-1]


def _summary(reports: list[Report]) -> list[tuple[object, ...]]:
    return [(r.title, r.frames, r.comm, r.pid, r.cpu, r.kernel_release) for r in reports]


def _both_readers(lines: list[str]) -> list[list[Report]]:
    data = ("\n".join(lines) + "\n").encode()
    return [parse_log(data), triage_blocks(line_blocks([data], ReadLimits()))]


@pytest.mark.parametrize("name", ["arm64-6.1.0-50-mod-null", "x86-6.12.115-null-deref"])
def test_a_lava_docker_test_shells_feedback_records_are_the_boards_console(name: str) -> None:
    """A LAVA job whose test runs in a docker-test-shell (LKFT's Android and host-driven
    jobs) reads the board's serial console in between, as "feedback": ReadFeedback
    (lava_dispatcher/power.py) and ShellSession.listen_feedback() (shell.py) log each line
    of another namespace's connection with YAMLLogger.feedback(line, namespace=...). A
    crash the test provoked is in those records: the same reports as the plain console."""
    log = _lines(name)
    want = _summary(_parse(log))
    out = [_lava_record("target", line, i) for i, line in enumerate(log[:40])]
    out.append(_lava_record("info", "start: 3.1 lava-docker-test-shell (timeout 00:30:00)", 40))
    for i, line in enumerate(log[40:], 41):
        out.append(_lava_record("feedback", line, i, namespace="target"))
        out.append(_lava_record("target", "docker-test-shell:$ ", i))  # the container's
    assert '"lvl": "feedback"' in out[-2] and '"ns": "target"' in out[-2]
    for reports in _both_readers(out):
        assert _summary(reports) == want


@pytest.mark.parametrize("noise", ["\0", "\x07", "\xff", "\x0e"])
def test_a_lava_record_with_a_yaml_escape_reads_as_its_console(noise: str) -> None:
    """A serial line's noise before the kernel's text (a NUL or a stray control byte, a
    byte of a character pexpect decoded) is in the record as YAML's double-quoted style
    escapes it ("\\0", "\\a", "\\xFF", "\\x0E"), which JSON rejects: the record is still the
    console's line, and the report it starts is the plain console's."""
    log = _lines("arm64-6.1.0-50-mod-null")
    want = _parse(log)
    first = next(i for i, line in enumerate(log) if "Unable to handle kernel" in line)
    noisy = [noise + line if i == first else line for i, line in enumerate(log)]
    out = [_lava_record("target", line, i) for i, line in enumerate(noisy)]
    assert "\\" in out[first]
    for reports in _both_readers(out):
        assert _summary(reports) == _summary(want)


@pytest.mark.parametrize(
    "name",
    ["x86-6.1-kfence-uaf", "riscv64-6.12.117+deb13-mod-kfence-uaf", "arm64-6.1.0-50-mod-warn"],
)
def test_a_kunit_runs_log_of_a_crashed_test_reads_as_the_console(name: str) -> None:
    """The KUnit runner (tools/testing/kunit/kunit.py) prints a crashed or failed test's
    log, the kernel's lines the test wrote among them: kunit_parser.py extract_tap_lines()
    cuts the width of what came before "KTAP version" (the printk time) off every line,
    print_log() dedents them and prints each after kunit_printer.py
    print_with_timestamp()'s "[%H:%M:%S] ". The report in it is the console's, trace
    and task included."""
    log = _lines(name)
    stamp = re.match(r"\[ *\d+\.\d+\] ", log[0])
    assert stamp is not None
    cut = textwrap.dedent("\n".join(line[stamp.end() :] for line in log)).splitlines()
    printed = [f"[10:11:12] {line}" for line in cut]
    want = _summary(_parse(log))
    assert want and want[0][1]
    for reports in _both_readers(printed):
        assert _summary(reports) == want


def test_the_6_x_decompressors_entry_offset_line_is_a_reboot_after_a_run() -> None:
    """6.x's arch/x86/boot/compressed/misc.c ends with "Booting the kernel (entry_offset:
    0x%lx)." (debug_putstr(), debug_puthex()), not "Booting the kernel.", as syzkaller's
    corpus recorded a 6.8 boot (case 724, no crash: the log's own boot). After the
    kernel's lines of an earlier run the same lines are a reboot nobody asked for."""
    lines = (SYZ / "report" / "724").read_text().splitlines()  # no headers: a blank line
    block = lines[1 : next(i for i, line in enumerate(lines) if line.startswith("Booting the")) + 1]
    assert block[-1].startswith("Booting the kernel (entry_offset: 0x")
    log = _lines("x86-6.12.115-sysrq-c")
    kernel = [log[1].split("..", 1)[1], *log[2:]]  # SeaBIOS's "Booting from ROM.." off
    first = _parse([*block, *kernel])
    assert [r.title for r in first] == ["kernel panic: sysrq triggered crash"]
    booted = [line for line in kernel if "sysrq" not in line.lower()][:300]
    again = _parse([*booted, *block, *kernel])
    assert [(r.title, r.start_line) for r in again][:1] == [
        ("unexpected kernel reboot", len(booted) + len(block))
    ]
    assert [r.title for r in again] == ["unexpected kernel reboot", first[0].title]
    data = ("\n".join([*booted, *block, *kernel]) + "\n").encode()
    blocks = line_blocks([data], ReadLimits())
    found = triage_blocks(blocks, chunk_bytes=1 << 20)
    assert [r.title for r in found] == [r.title for r in again]


# A serial port's receiver whose FIFO overran loses the bytes it had no room for
# (drivers/tty/serial/8250/8250_port.c serial8250_read_char(): UART_LSR_OE counts an
# overrun and flags the next byte TTY_OVERRUN; the lost ones are not delivered): a board's
# console log, as a CI lab's host read it, holds lines whose end and the next line's start
# are gone, the rest run together ("... Comm: systemd-udevd Not tainted 4[    8.387289]
# Hardware name: ...").
def test_a_task_header_cut_by_lost_console_bytes_keeps_its_task() -> None:
    """A task header whose release the lost bytes took (and the newline, so the next
    line's rest follows on the same line) still names the task, its pid and CPU, as
    dump_stack_print_info() printed them before the taint: each real log with a
    dump_stack_print_info() header, cut in its release, keeps the task it names."""
    checked = 0
    for path in sorted(DATA.glob("*.log")):
        log = path.read_text(encoding="latin-1").rstrip("\n").split("\n")
        want = parse_log("\n".join(log))
        if not want or want[0].comm is None or want[0].type == "OOM-KILL":
            continue
        at = next(
            (
                i
                for i, line in enumerate(log[:-2])
                if re.search(r"\bCPU: \d+ (?:UID: \d+ )?PID: \d+ Comm: ", line)
                and f"Comm: {want[0].comm} " in line
                and want[0].kernel_release is not None
                and want[0].kernel_release in line
            ),
            None,
        )
        if at is None:
            continue
        line = log[at]
        cut = line[: line.index(want[0].kernel_release) + 1]
        rest = log[at + 1]  # the next line's start lost with the newline before it
        cut_log = [*log[:at], cut + rest[len(rest) // 2 :], *log[at + 2 :]]
        got = parse_log("\n".join(cut_log))
        assert got and got[0].title == want[0].title, path.name
        assert (got[0].comm, got[0].pid, got[0].cpu) == (
            want[0].comm,
            want[0].pid,
            want[0].cpu,
        ), path.name
        checked += 1
    assert checked >= 20


def test_the_generic_bug_of_an_architecture_without_its_own_is_a_kernel_bug() -> None:
    """include/asm-generic/bug.h BUG() where the architecture defines none (no
    HAVE_ARCH_BUG: um, the architecture KUnit's runner boots by default; ARC prints the
    same line): "------------[ cut here ]------------", "BUG: failure at %s:%d/%s()!" of
    __FILE__, __LINE__ and __func__, then panic("BUG!") with its dump_stack(). The
    recorded arm64 BUG() as that macro prints it: a kernel BUG in the function the line
    names, not the panic's "BUG!", with the panic's task and trace."""
    log = _lines("arm64-6.1.0-50-mod-bug")
    at = next(i for i, line in enumerate(log) if "] kernel BUG at " in line)
    trace = next(i for i, line in enumerate(log) if i > at and line.endswith("] Call trace:"))
    end = next(i for i, line in enumerate(log) if i > trace and not re.search(r"\]  \S+\+0x", line))
    stamp = log[at][: log[at].index("] ") + 2]
    generic = [
        *log[: at - 1],
        log[at - 1],  # the cut here line
        f"{stamp}BUG: failure at src/hotfence/lab/module/hotfence_crash.c:86/hotfence_crash_bug()!",
        f"{stamp}Kernel panic - not syncing: BUG!",
        *(line for line in log[at + 1 : at + 5] if "Comm:" in line or "Hardware name:" in line),
        *log[trace:end],
        f"{stamp}---[ end Kernel panic - not syncing: BUG! ]---",
    ]
    (want,) = [r for r in _parse(log) if r.title.startswith("kernel BUG")]
    for reports in _both_readers(generic):
        assert [(r.title, r.type) for r in reports] == [("kernel BUG in hotfence_crash_bug", "BUG")]
        (got,) = reports
        assert (got.comm, got.pid, got.cpu, got.kernel_release) == (
            want.comm,
            want.pid,
            want.cpu,
            want.kernel_release,
        )
        assert [f.function for f in got.frames][:3] == [f.function for f in want.frames][:3]


def _inlined_cases() -> list[str]:
    cases = (p.name for p in (SYZ / "report").iterdir())
    return sorted(c for c in cases if " [inline]\n" in syz_log(c))


def test_an_inlined_callers_entry_without_its_mark_is_still_an_entry() -> None:
    """syzkaller's symbolizeLine() (pkg/report/linux.go) writes each inlined caller of
    an entry as a line of its own, the function and its location where "f+0x1/0x2"
    stood and " [inline]" after them: "__dump_stack lib/dump_stack.c:88 [inline]". A
    report pasted without the marks (github.com/google/syzkaller/pull/3881's
    stack-protector panic) keeps those lines, a name and a location alone: still the
    inlined callers, its trace's entries. Every corpus report with inlined entries, its
    marks dropped, keeps its title and every entry."""
    checked = 0
    for case in _inlined_cases():
        log = syz_log(case)
        want = parse_log(log)
        got = parse_log(log.replace(" [inline]\n", "\n"))
        assert [r.title for r in got] == [r.title for r in want], case
        assert [[(f.function, f.inline, f.file, f.line) for f in r.frames] for r in got] == [
            [(f.function, f.inline, f.file, f.line) for f in r.frames] for r in want
        ], case
        checked += 1
    assert checked >= 5


# The register lines that name a function: arm64 __show_regs() "pc : %pS", "lr : %pS";
# arm (and arm64 before 4.16) "PC is at %pS", "LR is at %pS"; riscv "epc : %pS", " ra : %pS".
_NAMED_REGS = re.compile(r"\] +(?:pc|lr|epc|ra) : |\] (?:PC|LR) is at ")


@pytest.mark.parametrize(
    "name",
    [
        "arm64-6.1.0-50-mod-null",
        "arm64-6.1-oops",
        "arm-3.4-oops",
        "riscv64-6.12.117+deb13-mod-null",
    ],
)
def test_a_fault_quoted_without_its_registers_is_titled_by_its_trace(name: str) -> None:
    """LKFT's reports to the lists quote an oops trimmed to its fault line and its call
    trace (the sve_save_state report of 6.5.8-rc2, lore's 2023-10-17 thread, quotes no
    "pc :"). die() unwinds that trace from the faulting registers (arm64's and arm's
    dump_backtrace(regs, ...), riscv's walk_stackframe()): its first entry is the
    function the "pc :" line names. Without the register lines the report is the same
    fault in the same function, not a corrupted one."""
    log = _lines(name)
    (want,) = _parse(log)
    assert not want.corrupted
    trimmed = [row for row in log if not _NAMED_REGS.search(row)]
    assert len(trimmed) < len(log)
    (got,) = _parse(trimmed)
    assert (got.title, got.corrupted, got.type) == (want.title, False, want.type)
    assert [f.function for f in got.frames] == [f.function for f in want.frames]


def _two_consoles(log: list[str], pieces: dict[str, list[str]]) -> list[str]:
    """``log`` as two consoles on one serial line write it: a boot console kept beside
    the real one (3.x kernel/printk/printk.c register_console() unregisters boot consoles
    only for the preferred console, CON_CONSDEV: the 0-day robot's "earlyprintk=ttyS0
    console=ttyS0 console=tty0" keeps earlyser0 writing the port ttyS0 writes). Each
    written piece goes to every console in turn (call_console_drivers()): a whole record
    comes twice, and a record printed in pr_cont() pieces (``pieces``: the record's text
    -> its pieces) reads as its first piece alone, then the first piece again with every
    later piece twice, the last one's second copy on a line of its own."""
    out: list[str] = []
    for row in log:
        stamp, _, text = row.partition("] ")
        split = pieces.get(text)
        if split is None:
            out += [row, row]
            continue
        first, *rest = split
        out.append(f"{stamp}] {first}")
        out.append(f"{stamp}] {first}" + "".join(p + p for p in rest[:-1]) + rest[-1])
        out.append(rest[-1])
    return out


def test_an_oops_two_consoles_wrote_is_one_report_read_once() -> None:
    """The 0-day robot's reports of 2014 quote consoles that wrote every record twice
    (lore: Fengguang Wu's "BUG: unable to handle kernel paging request" of 2014-11-28,
    "[ 13.213422] BUG: unable to handle kernel " and then "[ 13.213422] BUG: unable to
    handle kernel paging requestpaging request at c2446ffc"). 2.6-4.19 x86
    show_fault_oops() (arch/x86/mm/fault.c) prints its header in pieces: "BUG: unable
    to handle kernel ", the kind, " at %p\\n"; then "IP:" and printk_address()'s
    " [<%p>] %pS\\n". The first console's piece of the header starts no report: the
    recorded i386 2.6.32 oops so written is the one report it was, every record read
    once."""
    log = _lines("debian6-i386-oops")
    (want,) = _parse(log)
    header, ip = log[0].partition("] ")[2], log[1].partition("] ")[2]
    assert header.startswith("BUG: unable to handle kernel NULL") and ip.startswith("IP:")
    pieces = {
        header: ["BUG: unable to handle kernel ", "NULL pointer dereference", " at 00000010"],
        ip: ["IP:", ip[len("IP:") :]],
    }
    doubled = _two_consoles(log, pieces)
    assert doubled[0].endswith("kernel ") and "dereferenceNULL pointer" in doubled[1]
    (rep,) = _parse(doubled)
    assert (rep.title, rep.type, rep.corrupted) == (want.title, want.type, want.corrupted)
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release) == (
        want.comm,
        want.pid,
        want.cpu,
        want.kernel_release,
    )
    assert rep.rip == want.rip
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]


# s390's "Unable to handle kernel pointer dereference in virtual kernel address space"
_S390_BAD_ACCESS_RE = re.compile(
    r"^(\[ *[\d.]+\] Unable to handle kernel pointer dereference in) (virtual kernel address space)$"
)


def test_an_s390_bad_access_line_a_mail_client_cut_keeps_its_title() -> None:
    """s390 do_no_context() (5.10 arch/s390/mm/fault.c) pr_alert()s "Unable to handle
    kernel pointer dereference in virtual kernel address space", 76 columns: a mail
    wrapped near 70 columns, printk times squeezed, puts "virtual kernel address space"
    alone in the next row. Every in-repo log with the line, so cut: each report's title,
    type, RIP and frames as whole. (The oops was titled "Unable to handle kernel pointer
    dereference in", of unknown type.)"""
    checked = 0
    for name, want, got in _logs_cut_by_a_mail(_groups(_S390_BAD_ACCESS_RE)):

        def facts(reps: list[Report]) -> list[tuple[object, ...]]:
            return [
                (r.title, r.type, r.rip and r.rip.function, [f.function for f in r.frames])
                for r in reps
            ]

        assert facts(got) == facts(want), name
        assert got[0].title.startswith("BUG: unable to handle kernel paging request in ")
        checked += 1
    assert checked >= 1


# arm64's and ARM's "Unable to handle kernel %s at virtual address %0*lx", the fault's name
_ARM_BAD_ACCESS_RE = re.compile(
    r"^((?:<\d>)?\[ *[\d.]+\] (?:CPU \d+ )?Unable to handle kernel) (.+?) (at virtual address \S+.*)$"
)


@pytest.mark.parametrize("words", [0, 1, 2, 3])
def test_an_arm_bad_access_line_a_mail_client_cut_in_its_fault_keeps_its_title(
    words: int,
) -> None:
    """arm64's die_kernel_fault() (6.1 arch/arm64/mm/fault.c) and 32-bit ARM's
    __do_kernel_fault() (3.4 arch/arm/mm/fault.c) print "Unable to handle kernel %s at
    virtual address %0*lx", the fault's name ("write to read-only memory", "NULL pointer
    dereference"), MIPS's __do_page_fault() (6.1 arch/mips/mm/fault.c) "CPU %d Unable to
    handle kernel paging request at virtual address ...": a mail wrapped at 66-70 columns, printk times squeezed, cuts it after
    ``words`` of the name's words, the rest and "at virtual address ..." in the next
    row. Every in-repo log with the line, so cut: each report's title, type, RIP and
    frames as whole. (The oops was titled "Unable to handle kernel write to read-only",
    of unknown type.)"""

    def rows(ln: str) -> list[str] | None:
        m = _ARM_BAD_ACCESS_RE.match(ln)
        if m is None or words >= len(name := m.group(2).split(" ")):
            return None
        return [" ".join([m.group(1), *name[:words]]), " ".join([*name[words:], m.group(3)])]

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [
            (r.title, r.type, r.rip and r.rip.function, [f.function for f in r.frames])
            for r in reps
        ]

    checked = 0
    for name, want, got in _logs_cut_by_a_mail(rows):
        assert facts(got) == facts(want), name
        assert got[0].title.startswith("BUG: unable to handle kernel "), name
        checked += 1
    assert checked >= {0: 8, 1: 8, 2: 5, 3: 2}[words]


# x86's "BUG: unable to handle kernel NULL pointer dereference at %p" before 4.19
_X86_BAD_ACCESS_RE = re.compile(r"^((?:\[ *[\d.]+\] )?BUG: unable to handle kernel) (.+ at) (\S+)$")


@pytest.mark.parametrize("words", [0, 1, 2, 3])
def test_an_x86_bad_access_line_a_mail_client_cut_in_its_words_keeps_its_title(
    words: int,
) -> None:
    """x86's show_fault_oops() before 4.19 (3.10 arch/x86/mm/fault.c) prints "BUG: unable
    to handle kernel ", "NULL pointer dereference" or "paging request", " at %p": a mail
    wrapped at 66-70 columns, printk times squeezed, cuts it after ``words`` of the words
    after "kernel" ("NULL pointer" then "dereference at 00000010"). Every in-repo log
    with the line, so cut: each report's title, type, RIP and frames as whole. (The
    oops was titled "BUG: unable to handle kernel", of unknown type, and lost its task.)"""

    def rows(ln: str) -> list[str] | None:
        m = _X86_BAD_ACCESS_RE.match(ln)
        if m is None or words >= len(name := m.group(2).split(" ")):
            return None
        return [" ".join([m.group(1), *name[:words]]), " ".join([*name[words:], m.group(3)])]

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [
            (r.title, r.type, r.rip and r.rip.function, [f.function for f in r.frames], r.comm)
            for r in reps
        ]

    checked = 0
    for name, want, got in _logs_cut_by_a_mail(rows):
        assert facts(got) == facts(want), name
        checked += 1
    assert checked >= {0: 4, 1: 4, 2: 4, 3: 3}[words]


# x86's page fault header since 4.20: "BUG: kernel NULL pointer dereference, address: %px"
_X86_PAGE_FAULT_RE = re.compile(
    r"^((?:\[ *[\d.]+\] )?BUG:) (kernel NULL pointer dereference,) (address: \S+)$"
)


@pytest.mark.parametrize("page_fault", [False, True])
@pytest.mark.parametrize("words", [0, 1, 2, 3])
def test_an_x86_page_fault_header_a_mail_client_cut_in_its_words_keeps_its_title(
    words: int, page_fault: bool
) -> None:
    """x86's show_fault_oops() (arch/x86/mm/fault.c since 4.20, page_fault_oops()'s in
    6.1) prints "BUG: kernel NULL pointer dereference, address: %px" or, past the first page,
    "BUG: unable to handle page fault for address: %px": LKFT's mails, wrapped near 70
    columns, cut it after ``words`` of its words ("[   54.396708] BUG: kernel NULL" then
    "pointer dereference, address: 0000000000000034", stable 6.3.12-rc1 on lore,
    2023-07-04). Every in-repo log with the NULL line, so cut, and worded as the page
    fault (``page_fault``): each report's title, type, RIP, frames and task as whole.
    (The oops was titled by the cut row alone, "BUG: kernel NULL", of unknown type.)"""

    def worded(ln: str) -> str:
        if page_fault and (m := _X86_PAGE_FAULT_RE.match(ln)):
            return f"{m.group(1)} unable to handle page fault for {m.group(3)}"
        return ln

    def rows(ln: str) -> list[str] | None:
        m = _X86_PAGE_FAULT_RE.match(ln)
        if m is None:
            return None
        m = re.match(r"^(.*? BUG:|BUG:) (.+) (address: \S+)$", worded(ln))
        assert m is not None
        name = m.group(2).split(" ")
        return [" ".join([m.group(1), *name[:words]]), " ".join([*name[words:], m.group(3)])]

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [
            (r.title, r.type, r.rip and r.rip.function, [f.function for f in r.frames], r.comm)
            for r in reps
        ]

    checked = 0
    for name, _, got in _logs_cut_by_a_mail(rows):
        log = (DATA / name).read_text(encoding="latin-1").rstrip("\n").split("\n")
        want = parse_log("\n".join(_squeezed(worded(ln)) for ln in log))
        assert facts(got) == facts(want), name
        assert got[0].title.startswith("BUG: unable to handle kernel "), name
        checked += 1
    assert checked >= 3


# ARM's stamped trace entry before 4.x: "[<c02c9f48>] (f+0x1c/0x28) from [<c02ca4dc>] (g+0xa8/0x174)"
_ARM_OLD_ENTRY_RE = re.compile(
    r"^((?:<\d>)?\[ *[\d.]+\] \[<[0-9a-f]+>\] \(\S+\))( from) (\[<[0-9a-f]+>\] \(\S+\))$"
)


@pytest.mark.parametrize("before_from", [False, True])
def test_old_arm_entries_a_mail_client_cut_before_their_caller_keep_the_frames(
    before_from: bool,
) -> None:
    """ARM's dump_backtrace_entry() before 4.x (3.4 arch/arm/kernel/traps.c) prints
    "[<%08lx>] (%pS) from [<%08lx>] (%pS)": a mail wrapped at 66-70 columns cuts it
    after its "from" ("[<c0144a1c>] (proc_reg_write+0x88/0x9c) from" then "[<c00f9a6c>]
    (vfs_write+0xb0/0x138)") or before it. Every in-repo log with such entries, each so
    cut: each report's title, RIP and frames as whole. (The 3.4 oops lost vfs_write and
    sys_write.)"""

    def rows(ln: str) -> list[str] | None:
        m = _ARM_OLD_ENTRY_RE.match(ln)
        if not m:
            return None
        if before_from:
            return [m.group(1), f"{m.group(2).strip()} {m.group(3)}"]
        return [m.group(1) + m.group(2), m.group(3)]

    checked = 0
    for name, want, got in _logs_cut_by_a_mail(rows):
        assert [
            (r.title, r.rip and r.rip.function, [f.function for f in r.frames]) for r in got
        ] == [(r.title, r.rip and r.rip.function, [f.function for f in r.frames]) for r in want], (
            name
        )
        checked += 1
    assert checked >= 1


# ARM's stamped trace entry since 5.x: " f from g+0x54/0x88", %ps of a module's "f [mod]"
_ARM_FROM_ENTRY_RE = re.compile(r"^(\[ *[\d.]+\]  \S+(?: \[\w+\])?)( from) (\S+\+0x.*)$")


@pytest.mark.parametrize("before_from", [False, True])
def test_arm_entries_a_mail_client_cut_around_their_from_keep_the_frames(
    before_from: bool,
) -> None:
    """ARM's dump_backtrace_entry() (6.1 arch/arm/kernel/traps.c, without
    CONFIG_BACKTRACE_VERBOSE) prints " %ps from %pS": two long names take it past a wrap
    near 70 columns, printk times squeezed, and the caller "g+0x54/0x88" goes on alone
    in the next row (or "from g+0x54/0x88"). Every in-repo log with such entries, each so
    cut: each report's title, corrupted flag, RIP and frames as whole. (armhf's list
    corruption was titled by __put_task_struct, free_to_partial_list lost.)"""

    def rows(ln: str) -> list[str] | None:
        m = _ARM_FROM_ENTRY_RE.match(ln)
        if not m:
            return None
        if before_from:
            return [m.group(1), f"{m.group(2).strip()} {m.group(3)}"]
        return [m.group(1) + m.group(2), m.group(3)]

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [
            (r.title, r.corrupted, r.rip and r.rip.function, [f.function for f in r.frames])
            for r in reps
        ]

    assert _cuts_agree(rows, facts) >= 5


# XFS's stamped "XFS (loop0): Internal error xfs_trans_cancel at line 1097 of file ..."
_XFS_ERROR_RE = re.compile(
    r"^(\[ *[\d.]+\] XFS.*: Internal error \S+)( at)( line) (\d+ of file .*)$"
)


@pytest.mark.parametrize("cut", ["before at", "after at", "after line"])
def test_an_xfs_internal_error_a_mail_client_cut_keeps_its_report(cut: str) -> None:
    """xfs_error_report() (6.1 fs/xfs/xfs_error.c) xfs_alert_tag()s "Internal error %s at
    line %d of file %s.  Caller %pS" after "XFS (%s): ", past 130 columns: a mail
    wrapped near 70 columns, printk times squeezed, cuts it after the function, its
    "at" or "at line". Every in-repo log with the line, so cut: each report's title,
    RIP and frames as whole. (The report was lost.)"""

    def rows(ln: str) -> list[str] | None:
        m = _XFS_ERROR_RE.match(ln)
        if not m:
            return None
        head, at, line, rest = m.groups()
        return {
            "before at": [head, f"{at}{line} {rest}".lstrip()],
            "after at": [head + at, f"{line} {rest}".lstrip()],
            "after line": [head + at + line, rest],
        }[cut]

    checked = 0
    for name, want, got in _logs_cut_by_a_mail(rows):

        def facts(reps: list[Report]) -> list[tuple[object, ...]]:
            return [
                (r.title, r.type, r.rip and r.rip.function, [f.function for f in r.frames])
                for r in reps
            ]

        assert facts(got) == facts(want), name
        assert any(r.title.startswith("XFS: Internal error in ") for r in got), name
        checked += 1
    assert checked >= 1


# powerpc's stamped paca line: "irq_soft_mask: 0x01 in_mce: 0 in_nmi: 0 current: 86 (sh)"
_PACA_RE = re.compile(r"^(\[ *[\d.]+\] irq_soft_mask: .* in_nmi: \d+)( current:) (\d+ \(.*\))$")


@pytest.mark.parametrize("cut", ["before current", "after current", "after pid"])
def test_a_powerpc_paca_line_a_mail_client_cut_keeps_its_task(cut: str) -> None:
    """raise_backtrace_ipi() (6.1 arch/powerpc/kernel/stacktrace.c) names the task of a
    CPU deaf to the backtrace IPI: "irq_soft_mask: 0x%02x in_mce: %d in_nmi: %d" and
    " current: %d (%s)". A mail wrapped near 70 columns, printk times squeezed, puts
    "86 (sh)" (or "current: 86 (sh)") alone in the next row; at 67-70 columns with the
    time whole, "(sh)" alone. Every in-repo log with the line, so cut: each report's
    title, pid, comm and frames as whole. (The hard lockup log's RCU stall lost its pid
    and comm.)"""

    def rows(ln: str) -> list[str] | None:
        m = _PACA_RE.match(ln)
        if not m:
            return None
        if cut == "after current":
            return [m.group(1) + m.group(2), m.group(3)]
        if cut == "after pid":
            pid, comm = m.group(3).split(" ", 1)
            return [f"{m.group(1)}{m.group(2)} {pid}", comm]
        return [m.group(1), f"{m.group(2).strip()} {m.group(3)}"]

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [(r.title, r.pid, r.comm, [f.function for f in r.frames]) for r in reps]

    assert _cuts_agree(rows, facts) >= 1


# x86's stamped MCE line: "CPU 7: Machine Check Exception: 5 Bank 4: be00000000800400"
_MCE_LINE_RE = re.compile(
    r"^(\[ *[\d.]+\] .*CPU \d+: Machine Check.*: +[0-9a-f]+) (Bank \d+: \S+)$"
)


def test_an_mce_line_a_mail_client_cut_after_its_status_keeps_its_title() -> None:
    """print_mce() prints "CPU %d: Machine Check Exception: %16Lx Bank %d: %016Lx" (2.6's
    arch/x86/kernel/cpu/mcheck/mce.c; 4.x-6.x __print_mce() "Machine Check%s: %Lx Bank
    ..."): a mail wrapped near 70 columns, printk times squeezed, puts "Bank 4:
    be00000000800400" alone in the next row. Every in-repo log with the line, so cut:
    each report's title and type as whole. (RHEL 6's fatal MCE was titled "kernel panic:
    Fatal machine check".)"""

    def facts(reports: list[Report]) -> object:
        return [(r.title, r.type) for r in reports]

    assert _cuts_agree(_groups(_MCE_LINE_RE), facts) >= 2


# powerpc's stamped "NIP [c0000000001dda10] console_unlock+0xd0/0x350", "LR [...] f+0x1/0x2"
_NIP_LINE_RE = re.compile(r"^(\[ *[\d.]+\] (?:NIP|LR) +\[[0-9a-f]+\]) (\S+\+0x.*)$")


def test_a_powerpc_nip_line_a_mail_client_cut_after_its_address_keeps_its_rip() -> None:
    """show_regs() (6.1 arch/powerpc/kernel/process.c) prints "NIP ["REG"] %pS" and "LR
    ["REG"] %pS" for a kernel-mode dump: a mail wrapped near 64 columns, printk times
    squeezed, puts the symbol alone in the next row. Every in-repo log with such lines,
    each so cut: each report's title, RIP and frames as whole. (The hard lockup log's
    report 5 was titled by cpuidle_enter_state, its RIP console_unlock lost.)"""

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [(r.title, r.rip and r.rip.function, [f.function for f in r.frames]) for r in reps]

    assert _cuts_agree(_groups(_NIP_LINE_RE), facts) >= 5


# the stamped hung task line: "INFO: task touch:101 blocked for more than 3 seconds."
_HUNG_TASK_LINE_RE = re.compile(
    r"^(\[ *[\d.]+\] INFO: task \S.*:\d+ blocked) (for) (more) (than) (\d+) (seconds\.)$"
)


@pytest.mark.parametrize("words", range(1, 6))
def test_a_hung_task_line_a_mail_client_cut_keeps_its_title(words: int) -> None:
    """check_hung_task() (6.1 kernel/hung_task.c) pr_err()s "INFO: task %s:%d blocked for
    more than %ld seconds.": a mail wrapped near 70 columns, printk times squeezed, puts
    its last ``words`` alone in the next row. Every in-repo log with the line, so cut:
    each report's title, type, pid and frames as whole. (The 6.1 hung task logs so wrapped at
    70 columns were titled "INFO: task touch:NUM blocked for more than NUM", of unknown
    type.)"""

    def rows(ln: str) -> list[str] | None:
        m = _HUNG_TASK_LINE_RE.match(ln)
        if not m:
            return None
        parts = list(m.groups())
        return [" ".join(parts[:-words]), " ".join(parts[-words:])]

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [(r.title, r.type, r.pid, [f.function for f in r.frames]) for r in reps]

    assert _cuts_agree(rows, facts) >= 5


# a stamped panic of an LKFT test plan: "... syncing: sysrq triggered crash", "...
# syncing: Attempted to kill init! exitcode=0x00000300"
_PANIC_LINE_RE = re.compile(
    r"^(\[ *[\d.]+\] Kernel panic - not syncing: (?:sysrq triggered|Attempted to kill|kernel"
    r" stack)) (crash|init! exitcode=\S+|overflow)$"
)


def test_a_panic_a_mail_client_cut_in_its_message_keeps_its_title() -> None:
    """panic() (6.1 kernel/panic.c) prints "Kernel panic - not syncing: %s": sysrq's
    "sysrq triggered crash" and do_exit()'s "Attempted to kill init! exitcode=0x%08x"
    take it past a mail's wrap near 66 columns, printk times squeezed, which puts the
    message's last words alone in the next row, as arm64's panic_bad_stack()'s "kernel
    stack overflow" (6.1 arch/arm64/kernel/traps.c). Every in-repo log with such a
    panic, so cut: each report's title, type and frames as whole. (The panics were
    titled "kernel panic: sysrq triggered", "kernel panic: Attempted to kill"; the
    stack overflow read no frames.)"""

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [(r.title, r.type, [f.function for f in r.frames]) for r in reps]

    assert _cuts_agree(_groups(_PANIC_LINE_RE), facts) >= 10


# OpenZFS's stamped "PANIC at hotfence_crash.c:252:hotfence_crash_verify()"
_SPL_PANIC_LINE_RE = re.compile(r"^(\[ *[\d.]+\] PANIC at) (\S+:\d+:\w+\(\))$")


def test_an_spl_panic_line_a_mail_client_cut_keeps_its_report() -> None:
    """OpenZFS's spl_panic() (module/os/linux/spl/spl-err.c) prints "PANIC at
    %s:%d:%s()": a long file and function take it past a mail's wrap near 70 columns,
    printk times squeezed, which puts "file:line:func()" alone in the next row. Every
    in-repo log with the line, so cut: each report's title, type and frames as whole.
    (The report was lost.)"""
    checked = 0
    for name, want, got in _logs_cut_by_a_mail(_groups(_SPL_PANIC_LINE_RE)):

        def facts(reps: list[Report]) -> list[tuple[object, ...]]:
            return [(r.title, r.type, [f.function for f in r.frames]) for r in reps]

        assert facts(got) == facts(want), name
        assert any(r.title.startswith("PANIC in ") for r in got), name
        checked += 1
    assert checked >= 1


# MIPS's stamped "epc   : ffffffffc00023bc hotfence_crash_bug+0x34/0x48 [hotfence_crash]"
_EPC_LINE_RE = re.compile(r"^(\[ *[\d.]+\] (?:epc|ra) +: [0-9a-f]+) (\S+\+0x.*)$")


def test_a_mips_epc_line_a_mail_client_cut_after_its_address_keeps_its_title() -> None:
    """__show_regs() (6.1 arch/mips/kernel/traps.c) prints "epc   : %0*lx %pS" and "ra
    : %0*lx %pS": a module's symbol takes them past a mail's wrap near 70 columns,
    printk times squeezed, which puts the symbol alone in the next row. Every in-repo
    log with such lines, each so cut: each report's title, RIP and frames as whole.
    (mips64el's module BUG was titled "kernel BUG in corrupted".)"""

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [(r.title, r.rip and r.rip.function, [f.function for f in r.frames]) for r in reps]

    assert _cuts_agree(_groups(_EPC_LINE_RE), facts) >= 5


# a stamped task header with its taint: "CPU: 0 UID: 0 PID: 9 Comm: kworker/0:0 Tainted: G
# B   W  OE      6.12.117+deb13-riscv64 #1  Debian 6.12.117-1"
_TAINTED_HEADER_RE = re.compile(r"^(\[ *[\d.]+\] CPU: .*PID: \d+ Comm: .* Tainted:) ([A-Z].*)$")


def test_a_task_header_a_mail_client_cut_after_tainted_keeps_its_task() -> None:
    """dump_stack_print_info() (6.12 lib/dump_stack.c) prints "CPU: %d UID: %u PID: %d
    Comm: %.20s %s%s %s %.*s", print_tainted()'s "Tainted: " and flags in it: a long
    comm takes it past a mail's wrap near 66 columns, printk times squeezed, right after
    "Tainted:", and the flags and release go on in the next row. Every in-repo log with
    a tainted header, each so cut: each report's title, pid, comm and frames as whole.
    (riscv64's SLUB reports of kworker/0:0 lost their comm.)"""

    def facts(reps: list[Report]) -> list[tuple[object, ...]]:
        return [(r.title, r.pid, r.comm, [f.function for f in r.frames]) for r in reps]

    assert _cuts_agree(_groups(_TAINTED_HEADER_RE), facts) >= 20


# print_modules()'s line with a printk time, the list after it
_LISTED_RE = re.compile(r"^(?:<\d>)?\[ *[\d.]+\] .*Modules linked in: \S")


def _list_facts(reps: list[Report]) -> list[tuple[object, ...]]:
    """What a module list gives each report, with the report's title and task."""
    return [(r.title, r.comm, r.modules, r.tainting_modules, r.last_unloaded_module) for r in reps]


def test_a_module_list_a_mail_wrapped_among_wider_rows_keeps_its_modules() -> None:
    """print_modules() (6.1 kernel/module/main.c) prints the list as one line: LKFT's
    mails on lore wrap it near 70 columns, "[ 5211.175962] Modules linked in: tun
    overlay btrfs blake2b_generic" then rows of names up to "ip_tables x_tables", and
    leave the log's other lines whole, arm64's register rows and the task header past
    79 columns (LTP statvfs01 on next-20240529, lore 2024-05-30). Every in-repo log
    with a time-stamped list so wrapped at 70 and a line wider than 79 around: each
    report's modules, tainting ones and last unloaded one as whole, and its title and
    task. (The list kept the names of its first row, less the last.)"""

    checked = 0
    for path in sorted(DATA.glob("*.log")):
        log = path.read_text(encoding="latin-1").rstrip("\n").split("\n")
        rows: list[str] = []
        for line in log:
            wrapped = textwrap.wrap(line, 70, break_long_words=False, break_on_hyphens=False)
            rows += wrapped if _LISTED_RE.match(line) and len(wrapped) > 2 else [line]
        if len(rows) == len(log) or max(map(len, log)) <= 79:
            continue
        want, got = parse_log("\n".join(log)), parse_log("\n".join(rows))
        assert _list_facts(got) == _list_facts(want), path.name
        assert any(len(r.modules) > 4 for r in got), path.name
        checked += 1
    assert checked >= 7


# a device's line another CPU printed inside the list (LKFT's Raspberry Pi 4, next-20230621)
_DEVICE_LINE = "vc4-drm gpu: bound fe004000.txp (ops vc4_txp_ops [vc4])"


@pytest.mark.parametrize("split", [False, True], ids=["before-header", "inside-list"])
def test_a_module_list_another_record_landed_in_keeps_its_modules(split: bool) -> None:
    """print_modules()'s pr_cont() pieces join their record only while no other record
    came between (6.x kernel/printk/printk.c vprintk_store(), prb_reserve_in_last()): on a
    busy console a device's line lands between the list, wrapped by LKFT's mail near 70
    columns, and the task header ("[ 22.376947] vc4-drm gpu: bound fe004000.txp ...",
    Raspberry Pi 4 on next-20230621), or inside the list, whose rest goes on as a stamped
    record of its own, " ath10k_snoc(+) btqca ...", wrapped too (db845c on
    next-20220720). Every in-repo log with a stamped list that wraps so, rewritten into
    the shape: each report's modules as whole. (The list kept the names of its first
    row, less the last, or those before the other line.)"""

    checked = 0
    for path in sorted(DATA.glob("*.log")):
        log = path.read_text(encoding="latin-1").rstrip("\n").split("\n")
        rows: list[str] = []
        for line in log:
            wrapped = textwrap.wrap(line, 70, break_long_words=False, break_on_hyphens=False)
            if not _LISTED_RE.match(line) or len(wrapped) <= 2:
                rows.append(line)
                continue
            stamp = line[: line.index("]") + 1]
            other = f"{stamp} {_DEVICE_LINE}"
            if not split:
                rows += [*wrapped, other]
                continue
            words = line.split(" ")
            if "[last" in words:
                words = words[: words.index("[last")]
            half = len(words) // 2 + 2
            head, rest = " ".join(words[:half]), " ".join(line.split(" ")[half:])
            rows += [head, other]
            rows += textwrap.wrap(
                f"{stamp}  {rest}", 70, break_long_words=False, break_on_hyphens=False
            )
        if len(rows) == len(log) or max(map(len, log)) <= 79:
            continue
        want, got = parse_log("\n".join(log)), parse_log("\n".join(rows))
        assert _list_facts(got) == _list_facts(want), path.name
        assert any(len(r.modules) > 4 for r in got), path.name
        checked += 1
    assert checked >= 7
