"""The same real kernel logs in the wrappings they reach an operator in: journalctl's
output modes, /dev/kmsg records, dmesg's options, pstore files, crash's ``log``, mail
quotes and decode_stacktrace.sh. Each wrapping must give the reports, titles and facts
the plain console log gives (tests/data/realworld, tests/lab: real kernels' output).
"""

from __future__ import annotations

import datetime
import io
import json
import re
import textwrap
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import SYZ, syz_log
from hotfence.triage import reader
from hotfence.triage.analyze import triage_paths
from hotfence.triage.extract import _wider_line
from hotfence.triage.fields import call_trace, parse_frame
from hotfence.triage.lines import make_line
from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_blocks, triage_input
from hotfence.triage.reader import ReadLimits, line_blocks
from hotfence.triage.taint import extract_taint

DATA = Path(__file__).parent / "data" / "realworld"
LAB = Path(__file__).parent / "lab"
# printk's time, "[%5lu.%06lu] " (kernel/printk/printk.c print_time())
_PRINTK_TIME = re.compile(r"^\[ *(\d+\.\d+)\] ", re.M)


def _facts(rep: Report) -> tuple[object, ...]:
    return (
        rep.title,
        rep.type,
        rep.corrupted,
        rep.comm,
        rep.pid,
        rep.cpu,
        rep.kernel_release,
        rep.taint,
        [(f.function, f.unreliable) for f in rep.frames],
    )


def _flag_facts(rep: Report) -> tuple[object, ...]:
    """``_facts`` with the taint as its flags: a wrap or a copy may change the run of
    spaces between the letters, never the flags they stand for."""
    facts = _facts(rep)
    return (facts[:7], rep.taint_flags, facts[8])


def _assert_read_whole_and_streamed(text: str, want: list[Report], copy: Path) -> None:
    """``text`` yields ``want``'s facts read whole (parse_log) and on the CLI's path (its
    ``copy`` streamed by triage_input)."""
    facts = [_flag_facts(r) for r in want]
    assert [_flag_facts(r) for r in parse_log(text)] == facts
    copy.write_text(text, encoding="latin-1")
    assert [_flag_facts(r) for r in triage_input(str(copy), jobs=1).reports] == facts


def _same_reports(plain: str, wrapped: str) -> list[Report]:
    want = parse_log(plain.encode())
    got = parse_log(wrapped.encode())
    assert [_facts(r) for r in got] == [_facts(r) for r in want]
    assert want
    return got


@pytest.mark.parametrize(
    ("log", "unreliable"),
    [
        (
            DATA / "ppc64le-6.1.0-50-hung-task.log",
            "] update_blocked_averages+0x43c/0x960 (unreliable)",
        ),
        (LAB / "hung-task.log", "\n ? f_dupfd+0x47/0x60\n"),
    ],
)
def test_unstamped_lines_keep_their_unreliable_frames(log: Path, unreliable: str) -> None:
    # util-linux dmesg -t (--notime) and journalctl -o cat print the text alone, as does a
    # kernel booted with printk.time=0: powerpc show_stack()'s "(unreliable)" entry and
    # x86's " ? " one are still no frames to title a hung task by
    console = log.read_text()
    bare = _PRINTK_TIME.sub("", console)
    assert unreliable in bare
    reps = _same_reports(console, bare)
    assert reps[0].title.startswith("INFO: task hung in ")


@pytest.mark.parametrize(
    ("name", "rips"),
    [
        # riscv: the late "NMI backtrace for cpu 0" after RCU's starved-kthread part, whose
        # "Stack dump where RCU GP kthread last ran:" shows CPU 1 idling
        ("riscv64-6.12.117+deb13-mod-hardlockup", ["hotfence_crash_hardlockup"]),
        # powerpc: raise_backtrace_ipi()'s "CPU 1 didn't respond to backtrace IPI,
        # inspecting paca." and the stack it saved, no register dump
        # (the second stall's report holds CPU 1's "became unstuck" register dump)
        ("ppc64le-6.1.0-50-mod-hardlockup", [None, "__replay_soft_interrupts"]),
    ],
)
def test_an_unstamped_rcu_stall_is_titled_by_its_stalled_cpus_trace(
    name: str, rips: list[str | None]
) -> None:
    # Without printk times (dmesg -t, printk.time=0) no pause ends an RCU stall's report
    # before the stalled CPU's dump arrives, seconds later: the report reads on into it.
    # Its title, like its frames, is that CPU's trace, never "in corrupted" beside them,
    # and its RIP none of the dumps of RCU's starved kthread and the CPU it last ran on
    bare = _PRINTK_TIME.sub("", (DATA / f"{name}.log").read_text())
    stalls = [r for r in parse_log(bare) if r.title.startswith("INFO: rcu detected stall")]
    assert len(stalls) == len(rips)
    for rep, rip in zip(stalls, rips, strict=True):
        functions = [f.function for f in rep.frames]
        assert "hotfence_crash_do" in functions, rep.title
        assert not rep.corrupted
        assert rep.title.removeprefix("INFO: rcu detected stall in ") in functions
        # (riscv's: not CPU 1's default_idle_call)
        assert (rep.rip.function if rep.rip else None) == rip


_ADDR_WORD = re.compile(r"\[<[^]]+>\]")
_SYMBOL_WORD = re.compile(r"[^+ ]+\+0x[0-9a-f]+/0x[0-9a-f]+")


def _decode_stacktrace(text: str, resolve_modules: bool = True) -> str:
    """A log as scripts/decode_stacktrace.sh prints it (its handle_line() and
    parse_symbol()): each line naming an address is split into words, "[<pc>]" words are
    dropped, the last word's "[module]" loses its brackets and the symbol before it,
    when resolved, becomes "name (file:line file:line)" (addr2line -i, one location per
    inline level); the words are joined by single spaces, module last. An entry of a
    module the script cannot find keeps its "+0x1/0x2"."""
    out = []
    for line in text.splitlines():
        if not (_ADDR_WORD.search(line) or _SYMBOL_WORD.search(line)):
            out.append(line)
            continue
        words = [w for w in line.split() if not _ADDR_WORD.search(w)]
        module = ""
        if words[-1].startswith("[") and words[-1].endswith("]") and len(words) > 1:
            module = words.pop()[1:-1]
        symbol = words.pop()
        segment, _, name = symbol.rpartition(":")
        name = name.partition("+")[0]
        if "+0x" in symbol and (resolve_modules or not module):
            source = f"kernel/{name}.c:{len(name)} include/linux/{name}.h:{len(name) + 1}"
            symbol = f"{segment}{':' if segment else ''}{name} ({source})"
        out.append(" ".join([*words, f"{symbol} {module}"]))
    return "\n".join(out) + "\n"


# Logs whose traces and headers decode_stacktrace.sh gives locations: an oops, a WARNING
# and a soft lockup of the lab, and a KFENCE report
_DECODED_LOGS = [
    LAB / "null-deref.log",
    LAB / "warn.log",
    LAB / "softlockup.log",
    DATA / "x86-6.1-kfence-uaf.log",
]


@pytest.mark.parametrize(
    "log",
    # its "Call Trace:" line was lost: the entries alone make the trace
    [*_DECODED_LOGS, DATA / "centos7-dockerd-ip6mr.log"],
)
@pytest.mark.parametrize("resolve_modules", [True, False])
def test_decode_stacktrace_output_reads_as_the_console_log(
    log: Path, resolve_modules: bool
) -> None:
    console = log.read_text()
    decoded = _decode_stacktrace(console, resolve_modules)
    assert re.search(r"^\[ *[\d.]+\] \w+ \(kernel/\w+\.c:\d+ include/", decoded, re.M)
    reps = _same_reports(console, decoded)
    assert len(reps[0].frames) > 3
    assert "setup_net" in [f.function for f in reps[0].frames] or "centos7" not in log.name


@pytest.mark.parametrize("gap", [" ", "  "])
@pytest.mark.parametrize("log", _DECODED_LOGS)
def test_decoded_locations_addr2line_pretty_printed_keep_the_frames(log: Path, gap: str) -> None:
    # the same script with an addr2line that pretty-prints its inline chain (binutils
    # addr2line -p -i, translate_addresses(): each inlining caller's location on a line
    # after " (inlined by) "), the lines joined by a space: "print_report (report.c:307
    # (inlined by) report.c:417)", as an mptcp syzkaller KASAN report on GitHub carries
    # it. Each such entry is a frame as the plain -i one is: the trace went on no further
    # than its first entry without an inline level (dump_stack_lvl).
    console = log.read_text()
    decoded = _decode_stacktrace(console)
    pretty = decoded.replace(" include/linux/", f"{gap}(inlined by) include/linux/")
    assert pretty.count("(inlined by) include/linux/") > 5
    reps = _same_reports(console, pretty)
    assert len(reps[0].frames) > 3


# The locations decode_stacktrace.sh puts in an entry's parentheses, "f (a.h:37 b.c:12)"
# (parse_symbol(): addr2line -i, one per inline level), or in a header's symbol
# ("WARNING: ... at x.c:23 f (x.c:23 y.h:4)", "BUG: KFENCE: ... in f (x.c:9 y.h:10)")
_DECODED_LOCATIONS = re.compile(r" \([\w/.\-+]+:\d+ [\w/.\-+]+:\d+\)")


@pytest.mark.parametrize("quote", ["", "> "])
@pytest.mark.parametrize("width", [72, 78])
@pytest.mark.parametrize("log", _DECODED_LOGS)
def test_a_decoded_trace_a_mail_client_wrapped_keeps_its_frames(
    log: Path, width: int, quote: str
) -> None:
    # a decoded trace pasted without printk times into a mail, wrapped by the sender's
    # client at a space (RFC 3676 4.2) and quoted by a reply (4.5), as an io_uring thread
    # on lore quotes one ("? exc_page_fault (./arch/x86/include/asm/irqflags.h:37" going on
    # "./arch/x86/include/asm/irqflags.h:72 arch/x86/mm/fault.c:1513"): an entry's
    # locations, or a header's, go on in rows of locations alone, which no kernel line is.
    decoded = _PRINTK_TIME.sub("", _decode_stacktrace(log.read_text()))
    wrapped = "\n".join(
        quote + row
        for line in decoded.split("\n")
        for row in textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)
        or [""]
    )
    cut = [
        line
        for line in decoded.split("\n")
        if _DECODED_LOCATIONS.search(line) and len(line) > width
    ]
    assert cut, "no entry runs past the wrap"
    _same_reports(decoded, wrapped)


def _kmsg_records(text: str, dict_every: int = 0) -> str:
    """Each printk line as /dev/kmsg gives it (printk.c info_print_ext_header():
    "level,seq,usec,flag;text"), every ``dict_every``-th followed by the dictionary lines
    a dev_printk() record carries (dev-kmsg ABI: " KEY=value" continuation lines)."""
    out = []
    for seq, m in enumerate(re.finditer(r"^\[ *(\d+\.\d+)\] (.*)$", text, re.M)):
        out.append(f"4,{seq},{round(float(m.group(1)) * 1e6)},-;{m.group(2)}\n")
        if dict_every and seq % dict_every == 0:
            out.append(" SUBSYSTEM=virtio\n DEVICE=+virtio:virtio1\n")
    return "".join(out)


@pytest.mark.parametrize(
    "log",
    [LAB / "null-deref.log", DATA / "arm64-6.1.0-50-oom.log", DATA / "s390x-6.1.0-50-oom.log"],
)
def test_dev_kmsg_dictionary_lines_are_no_report_lines(log: Path) -> None:
    console = log.read_text()
    kmsg = _kmsg_records(console, dict_every=7)
    assert kmsg.count("\n SUBSYSTEM=virtio\n") > 20
    reps = _same_reports(console, kmsg)
    assert len(reps[0].frames) > 5
    assert "SUBSYSTEM=" not in reps[0].text


def _journal_record(transport: str, message: str, usec: int, ident: str) -> str:
    """One journal entry as journalctl -o json prints it: the text in MESSAGE, the
    printk time in _SOURCE_MONOTONIC_TIMESTAMP (systemd journald-kmsg.c)."""
    return json.dumps(
        {
            "__REALTIME_TIMESTAMP": str(1795870936000000 + usec),
            "_SOURCE_MONOTONIC_TIMESTAMP": str(usec),
            "_TRANSPORT": transport,
            "SYSLOG_IDENTIFIER": ident,
            "MESSAGE": message,
        }
    )


# journalctl -o json-seq: -o json's records, each after an ASCII RS (RFC 7464); -o json-sse:
# each after "data: " and before an empty line (systemd's json_variant_dump(), SSE)
_JSON_FRAMES = {"json-seq": ("\x1e", "\n"), "json-sse": ("data: ", "\n\n")}


@pytest.mark.parametrize("mode", sorted(_JSON_FRAMES))
def test_a_journal_json_seq_or_sse_oops_reads_as_the_consoles(mode: str) -> None:
    before, after = _JSON_FRAMES[mode]
    console = (LAB / "null-deref.log").read_text()
    records = []
    for m in re.finditer(r"^\[ *(\d+\.\d+)\] (.*)$", console, re.M):
        usec = round(float(m.group(1)) * 1e6)
        records.append(_journal_record("kernel", m.group(2), usec, "kernel"))
        if m.group(2).startswith("Call Trace:"):
            records.append(_journal_record("stdout", "WARNING: No swap limit", usec, "dockerd"))
    seq = "".join(f"{before}{r}{after}" for r in records)
    reps = _same_reports(console, seq)
    assert reps[0].frames and "WARNING: No swap limit" not in reps[0].text
    only_programs = "".join(
        f"{before}{_journal_record('stdout', m, 1, 'dockerd')}{after}"
        for m in ("WARNING: No swap limit support", "BUG: soft lockup - CPU#1 stuck for 22s! [x:5]")
    )
    assert parse_log(only_programs.encode()) == []


@pytest.mark.parametrize("mode", ["json", *sorted(_JSON_FRAMES)])
def test_a_journal_json_printed_newest_first_reads_as_the_consoles(
    mode: str, tmp_path: Path
) -> None:
    # journalctl -r -o json (and json-seq, json-sse): one record a line, newest first
    # (journalctl.c walks the journal with sd_journal_previous()); every record carries
    # its __REALTIME_TIMESTAMP, which says the records run backwards
    before, after = _JSON_FRAMES.get(mode, ("", "\n"))
    console = (LAB / "null-deref.log").read_text()
    records = [
        _journal_record("kernel", m.group(2), round(float(m.group(1)) * 1e6), "kernel")
        for m in re.finditer(r"^\[ *(\d+\.\d+)\] (.*)$", console, re.M)
    ]
    path = tmp_path / "journal.json"
    path.write_text("".join(f"{before}{r}{after}" for r in reversed(records)))
    result = triage_input(str(path))
    assert result.error is None
    assert [_facts(r) for r in result.reports] == [_facts(r) for r in parse_log(console.encode())]
    assert result.reports[0].frames


def _crash_log(
    text: str, level: bool, caller: bool, dictionary: bool, clock: str = "uptime"
) -> str:
    """A log as crash's ``log`` prints the records of a core (crash printk.c
    dump_record()): "[%5lld.%06ld] ", with -T the boot date plus that time as
    ctime_tz() prints it ("[%s] ", the zone before the year, as crash's DATE line),
    with -t no time at all; with -c the caller "[%6s] " after it, with -m the level
    "<%x>" right before the text, with -d a dev_printk() record's SUBSYSTEM= and
    DEVICE= under its text, indented by the prefix's width."""
    boot = datetime.datetime(2026, 11, 27, 10, 11, 12, tzinfo=datetime.UTC)
    out = []
    for seq, m in enumerate(re.finditer(r"^\[ *(\d+\.\d+)\] (.*)$", text, re.M)):
        uptime = float(m.group(1))
        when = boot + datetime.timedelta(seconds=int(uptime))
        prefix = {
            "uptime": f"[{uptime:12.6f}] ",
            "ctime": when.strftime("[%a %b %e %H:%M:%S UTC %Y] "),
            "none": "",
        }[clock] + ("[  T117] " if caller else "")
        out.append(prefix + ("<4>" if level else "") + m.group(2) + "\n")
        if dictionary and seq % 5 == 0:
            out.append(" " * len(prefix) + "SUBSYSTEM=virtio\n")
    return "".join(out)


@pytest.mark.parametrize(
    ("level", "caller", "dictionary"),
    [(True, False, False), (True, True, False), (False, False, True), (True, True, True)],
)
@pytest.mark.parametrize("clock", ["uptime", "ctime", "none"])
@pytest.mark.parametrize("log", [LAB / "null-deref.log", DATA / "arm64-6.1.0-50-oom.log"])
def test_crash_log_output_reads_as_the_console_log(
    log: Path, clock: str, level: bool, caller: bool, dictionary: bool
) -> None:
    console = log.read_text()
    crash = _crash_log(console, level, caller, dictionary, clock)
    plain = _crash_log(console, False, caller, False, clock)
    reps = _same_reports(plain, crash)
    assert len(reps[0].frames) > 5
    assert "SUBSYSTEM=" not in reps[0].text and "<4>" not in reps[0].text


# Programs write to /dev/kmsg too (systemd before journald runs, "echo ... > /dev/kmsg"):
# their records carry their own facility, LOG_USER unless they name another
# (printk.c devkmsg_write()), where the kernel's are facility 0.
_PROGRAM_RECORDS = (
    (14, "WARNING: CPU: 1 PID: 5 at fs/x.c:12 foo+0x1/0x2"),
    (30, "systemd[1]: BUG: soft lockup - CPU#1 stuck for 22s! [x:5]"),
    (12, "Kernel panic - not syncing: Fatal exception"),
)


@pytest.mark.parametrize("shape", ["dmesg -r", "pstore", "kmsg", "netconsole release"])
def test_records_programs_wrote_to_dev_kmsg_are_no_reports(shape: str) -> None:
    # dmesg -r and a pstore dmesg-ramoops file (kmsg_dump_get_buffer(syslog=true)) print
    # the priority as "<%u>" before the time, /dev/kmsg as the record's first field
    def record(pri: int, ts: float, text: str) -> str:
        if shape == "kmsg":
            return f"{pri},0,{round(ts * 1e6)},-;{text}\n"
        if shape == "netconsole release":
            return f"6.1.0-56-amd64,{pri},0,{round(ts * 1e6)},-;{text}\n"
        return f"<{pri}>[{ts:12.6f}] {text}\n"

    console = (LAB / "null-deref.log").read_text()
    kernel = [
        record(4, float(m.group(1)), m.group(2))
        for m in re.finditer(r"^\[ *(\d+\.\d+)\] (.*)$", console, re.M)
    ]
    oops = next(i for i, r in enumerate(kernel) if "NULL pointer dereference" in r)
    programs = [record(pri, 1.5, text) for pri, text in _PROGRAM_RECORDS]
    head = "Oops#1 Part1\n" if shape == "pstore" else ""
    wrapped = head + "".join(kernel[:oops] + programs + kernel[oops:])
    reps = _same_reports(console, wrapped)
    assert len(reps) == 1 and reps[0].frames
    assert parse_log("".join(programs).encode()) == []


@pytest.mark.parametrize("shape", ["extended", "release", "text"])
@pytest.mark.parametrize(
    "log", [LAB / "null-deref.log", DATA / "arm64-6.1-oops.log", DATA / "x86-6.1-slub-redzone.log"]
)
def test_netconsole_captures_read_as_the_console(log: Path, shape: str) -> None:
    # What a netconsole receiver (nc -u -l, socat) keeps. Plain netconsole sends each
    # message's text alone (netconsole.c write_msg(): printk's console text, no time
    # unless printk.time); the extended format (write_ext_msg(), send_ext_msg_udp())
    # sends each record with its /dev/kmsg header, "4,123,456789,-;text", and with the
    # target's "release" option (6.6 on) the kernel release before it: "%s,%s" of
    # init_utsname()->release and the record.
    console = log.read_text()
    records = []
    for seq, m in enumerate(re.finditer(r"^\[ *(\d+\.\d+)\] (.*)$", console, re.M)):
        head = f"4,{seq},{round(float(m.group(1)) * 1e6)},-;"
        if shape == "text":
            head = ""
        elif shape == "release":
            head = "6.1.0-56-amd64," + head
        records.append(head + m.group(2) + "\n")
    reps = _same_reports(_PRINTK_TIME.sub("", console), "".join(records))
    assert len(reps[0].frames) > 4


def _journal_entries(text: str, programs: dict[str, str]) -> list[list[tuple[str, str]]]:
    """The journal entries of a console log's records (journald-kmsg.c: the text in
    MESSAGE, _TRANSPORT=kernel) and, after each record that ``programs`` names, a
    program's entry. Fields come in no fixed order: every other entry puts MESSAGE
    before _TRANSPORT."""
    entries = []
    for i, m in enumerate(re.finditer(r"^\[ *(\d+\.\d+)\] (.*)$", text, re.M)):
        usec = str(round(float(m.group(1)) * 1e6))
        kernel = [
            ("_TRANSPORT", "kernel"),
            ("PRIORITY", "4"),
            ("SYSLOG_FACILITY", "0"),
            ("SYSLOG_IDENTIFIER", "kernel"),
            ("_BOOT_ID", "2f0b9c1d8e4a4b5f9d6c7e8f0a1b2c3d"),
            ("_MACHINE_ID", "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"),
            ("_HOSTNAME", "node-a"),
        ]
        message = [("MESSAGE", m.group(2)), ("_SOURCE_MONOTONIC_TIMESTAMP", usec)]
        entries.append(message + kernel if i % 2 else kernel + message)
        for start, said in programs.items():
            if m.group(2).startswith(start):
                program = [("_TRANSPORT", "stdout"), ("SYSLOG_IDENTIFIER", "dockerd")]
                entries.append([*program, ("MESSAGE", said), ("_PID", "812")])
    return entries


def _journal_output(entries: list[list[tuple[str, str]]], mode: str) -> str:
    """Entries as journalctl prints them one field a line (systemd logs-show.c):
    -o verbose, the entry's time and cursor then "    KEY=value"; -o export (Journal
    Export Format), "KEY=value" and an empty line after the entry; -o json-pretty,
    '\\t"KEY" : "value"' lines joined by ",\\n" between "{" and "}"; "json-jq", -o json
    through jq (jq 1.7 jv_print.c jv_dump_term(): two spaces a level, '"KEY": "value"')."""
    out = []
    for n, fields in enumerate(entries):
        cursor = [("__CURSOR", f"s=8b2a;i={n:x}"), ("__REALTIME_TIMESTAMP", str(n))]
        if mode == "verbose":
            out.append(f"Fri 2026-11-27 02:31:41.{n % 1000000:06d} UTC [s=8b2a;i={n:x}]\n")
            out.extend(f"    {k}={v}\n" for k, v in fields)
        elif mode == "export":
            out.extend(f"{k}={v}\n" for k, v in cursor + fields)
            out.append("\n")
        elif mode == "json-jq":
            body = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in cursor + fields)
            out.append("{\n" + body + "\n}\n")
        else:
            body = ",\n".join(f"\t{json.dumps(k)} : {json.dumps(v)}" for k, v in cursor + fields)
            out.append("{\n" + body + "\n}\n")
    return "".join(out)


@pytest.mark.parametrize("mode", ["verbose", "export", "json-pretty"])
@pytest.mark.parametrize(
    "log",
    [
        LAB / "null-deref.log",
        LAB / "warn.log",
        DATA / "arm64-6.1.0-50-oom.log",
        # its "INFO: Object" line, 13 records below its header, belongs to it
        DATA / "x86-6.1-slub-redzone.log",
    ],
)
def test_journal_entries_printed_a_field_a_line_read_as_the_kernels(log: Path, mode: str) -> None:
    console = log.read_text()
    programs = {"Call Trace:": "WARNING: No swap limit support", "Call trace:": "BUG: x"}
    entries = _journal_entries(console, programs)
    journal = _journal_output(entries, mode)
    # the journal keeps the printk time in a field of its own: compare with the text alone
    reps = _same_reports(_PRINTK_TIME.sub("", console), journal)
    assert len(reps[0].frames) > 4
    assert "_TRANSPORT" not in reps[0].text and "No swap limit" not in reps[0].text


@pytest.mark.parametrize("mode", ["verbose", "export", "json-pretty"])
def test_a_long_report_printed_a_field_a_line_keeps_its_trace(mode: str) -> None:
    # 32-bit ARM's die() dumps the whole stack it overflowed (arch/arm/kernel/traps.c
    # __die(): dump_mem() "Stack: (0x%08lx to 0x%08lx)", 256 rows of an 8 KB stack) before
    # its backtrace (dump_backtrace()'s "%s from %pS" rows): over 300 records, each a
    # dozen field lines and more when journalctl prints a field a line. The trace after
    # them is still the report's.
    console = (DATA / "armhf-6.1.0-50-mod-stack-overflow.log").read_text()
    journal = _journal_output(_journal_entries(console, {}), mode)
    header = journal.index("Internal error: kernel stack overflow")
    trace = journal.index(" from hotfence_crash_stack_overflow+")
    assert journal.count("\n", header, trace) > 2500
    (rep,) = _same_reports(_PRINTK_TIME.sub("", console), journal)
    assert rep.title == "kernel stack overflow in proc_reg_write"
    assert len(rep.frames) > 30
    path_reps = triage_blocks(
        line_blocks(iter([journal.encode()]), ReadLimits()), chunk_bytes=64 << 10
    )
    assert [_facts(r) for r in path_reps] == [_facts(rep)]


@pytest.mark.parametrize("mode", ["verbose", "export"])
@pytest.mark.parametrize(
    ("name", "header"),
    [
        # x86 __die_header()'s "Oops: %04lx [#%d]", MIPS die()'s "%s[#%d]:", s390 die()'s
        # "%s: %04x ilc:%d [#%d] "
        ("centos7-dockerd-ip6mr", "Oops: 0000 [#1]"),
        ("mips-4.19-oops", "Oops[#1]:"),
        ("s390x-5.10-oops", "Oops: 0004 ilc:2 [#1]"),
    ],
)
def test_a_journal_message_that_starts_with_a_report_header_starts_the_report(
    name: str, header: str, mode: str
) -> None:
    # A report whose first record is die()'s own header (the fault's line before it
    # lost, or a paste begun there): its text follows the field's "MESSAGE=", where a
    # console line's follows "] ".
    lines = (DATA / f"{name}.log").read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if header in line)
    console = "".join(lines[start:])
    journal = _journal_output(_journal_entries(console, {}), mode)
    assert f"MESSAGE={header}" in journal
    _same_reports(_PRINTK_TIME.sub("", console), journal)


@pytest.mark.parametrize("mode", ["verbose", "export", "json-pretty"])
def test_programs_journal_entries_printed_a_field_a_line_are_no_reports(mode: str) -> None:
    said = {"": "WARNING: CPU: 1 PID: 5 at fs/x.c:12 foo+0x1/0x2"}
    entries = _journal_entries("[    1.000000] Linux version 6.1.0-56-amd64\n", said)
    assert len(entries) == 2
    for text in (_journal_output(entries, mode), _journal_output(entries[1:], mode)):
        assert parse_log(text.encode()) == []


def _dmesg_json(console: str, decode: bool) -> str:
    """``console``'s records as util-linux dmesg --json (-x) prints them (2.38+
    sys-utils/dmesg.c print_record() through lib/jsonwrt.c, UL_JSON_PRETTY): three spaces
    a level, an object per record ("      {" then ",{" after the last one's "      }"),
    '"pri": 4' ('"fac": "kern"', '"pri": "warn"' under -x), '"time": %5ld.%06ld' as a
    raw value and the text in '"msg": "..."' with JSON's escapes."""
    pri = '"fac": "kern",\n         "pri": "warn"' if decode else '"pri": 4'
    records = []
    for m in _PRINTK_TIME.finditer(console):
        sec, usec = m.group(1).split(".")
        text = console[m.end() : console.index("\n", m.end())]
        records.append(
            f'{{\n         {pri},\n         "time": {int(sec):5d}.{usec},\n'
            f'         "msg": {json.dumps(text, ensure_ascii=False)}\n      }}'
        )
    return '{\n   "dmesg": [\n      ' + ",".join(records) + "\n   ]\n}\n"


@pytest.mark.parametrize(
    "mode", ["json", "json-seq", "json-pretty", "json-jq", "dmesg-json", "dmesg-json-x"]
)
@pytest.mark.parametrize(
    "log",
    [
        # s390 kernel_stack_overflow(): "Kernel stack overflow." is the whole line
        DATA / "s390x-6.1.0-50-mod-stack-overflow.log",
        # SPL's spl_panic(): "PANIC at %s:%d:%s()" (module/os/linux/spl/spl-err.c)
        DATA / "x86-6.1-spl-verify-panic.log",
        # 2.6.16-2.6.24 arch/x86_64/kernel/irq.c stack_overflow_check(): "do_IRQ: %s near
        # stack overflow (cur:%Lx,rsp:%lx)"
        DATA / "x86-6.1-do-irq-near-stack-overflow.log",
        # powerpc check_stack_overflow(): "do_IRQ: stack overflow: %ld"
        DATA / "ppc64le-6.1-do-irq-stack-overflow.log",
        # MIPS die(): "Oops[#1]:" after its "unable to handle" is the same report
        DATA / "mips-4.19-oops.log",
        DATA / "riscv64-6.12.117+deb13-mod-null.log",
    ],
)
def test_header_shapes_hold_for_a_json_records_message(log: Path, mode: str) -> None:
    console = log.read_text()
    entries = _journal_entries(console, {})
    if mode in ("json-pretty", "json-jq"):
        journal = _journal_output(entries, mode)
    elif mode.startswith("dmesg-json"):
        journal = _dmesg_json(console, decode=mode == "dmesg-json-x")
        json.loads(journal)  # the whole output is one JSON document, as dmesg's
    else:
        rs = "\x1e" if mode == "json-seq" else ""
        journal = "".join(rs + json.dumps(dict(fields)) + "\n" for fields in entries)
    reps = _same_reports(_PRINTK_TIME.sub("", console), journal)
    assert len(reps) == 1 and len(reps[0].frames) > 2


def _pretty_byte_arrays(journal: str, starts: tuple[str, ...]) -> str:
    """``journal`` (-o json-pretty) with each MESSAGE that starts with one of ``starts``
    as journalctl prints a field that is not UTF-8 or holds a control character: an
    array of its bytes, pretty-printed an element a line (systemd 240+ json_format(),
    JSON_FORMAT_PRETTY: "[\\n", "\\t\\t%u" joined by ",\\n", "\\n\\t]")."""

    def array(m: re.Match[str]) -> str:
        text = json.loads(m.group(1))
        if not text.startswith(starts):
            return m.group(0)
        return '\t"MESSAGE" : [\n' + ",\n".join(f"\t\t{b}" for b in text.encode()) + "\n\t]"

    return re.sub(r'^\t"MESSAGE" : ("(?:[^"\\]|\\.)*")', array, journal, flags=re.M)


@pytest.mark.parametrize(
    ("log", "starts"),
    [
        (LAB / "null-deref.log", ("BUG: kernel NULL pointer", "CPU: ", "RIP: ")),
        (DATA / "arm64-6.1-oops.log", ("Unable to handle kernel", "Internal error:")),
    ],
)
def test_a_json_pretty_byte_array_message_reads_as_its_text(
    log: Path, starts: tuple[str, ...], tmp_path: Path
) -> None:
    console = log.read_text()
    journal = _pretty_byte_arrays(
        _journal_output(_journal_entries(console, {}), "json-pretty"), starts
    )
    assert journal.count('"MESSAGE" : [\n') >= len(starts)
    path = tmp_path / "journal.json"
    path.write_text(journal)
    want = parse_log(_PRINTK_TIME.sub("", console).encode())
    assert want and want[0].frames
    assert [_facts(r) for r in triage_input(str(path)).reports] == [_facts(r) for r in want]
    # an array cut by a block's end reads the same as a whole one
    data = journal.encode()
    cut = data.index(b"\t\t", data.index(b'"MESSAGE" : [\n')) + 9
    blocks = list(reader._journal_arrays(iter([data[:cut], data[cut:]])))
    assert b"".join(blocks) == b"".join(reader._journal_arrays(iter([data])))
    assert b'"MESSAGE" : [\n' not in b"".join(blocks)


def _export_binary_fields(export: str, starts: tuple[str, ...]) -> bytes:
    """``export`` (journalctl -o export) with each MESSAGE that starts with one of
    ``starts`` as a binary field (systemd's Journal Export Format, output_export(): the
    name, a newline, the value's length as a little-endian 64-bit number, the value)."""
    out = []
    for line in export.encode().split(b"\n"):
        value = line.removeprefix(b"MESSAGE=")
        if value is not line and value.decode().startswith(starts):
            line = b"MESSAGE\n" + len(value).to_bytes(8, "little") + value
        out.append(line)
    return b"\n".join(out)


@pytest.mark.parametrize(
    ("log", "starts"),
    [
        (LAB / "null-deref.log", ("BUG: kernel NULL pointer", "CPU: ", "RIP: ", "Call Trace")),
        (DATA / "arm64-6.1-oops.log", ("Unable to handle kernel", "Internal error:")),
    ],
)
def test_a_journal_export_binary_message_reads_as_its_text(
    log: Path, starts: tuple[str, ...], tmp_path: Path
) -> None:
    console = log.read_text()
    export = _export_binary_fields(_journal_output(_journal_entries(console, {}), "export"), starts)
    assert export.count(b"\nMESSAGE\n") >= len(starts)
    path = tmp_path / "journal.export"
    path.write_bytes(export)
    want = parse_log(_PRINTK_TIME.sub("", console).encode())
    assert want and want[0].frames
    assert [_facts(r) for r in triage_input(str(path)).reports] == [_facts(r) for r in want]
    # a value cut by a block's end reads the same as a whole one
    whole = b"".join(reader._export_binary(iter([export])))
    at = export.index(b"\nMESSAGE\n")
    for cut in (at + 3, at + 12, at + 20):
        assert b"".join(reader._export_binary(iter([export[:cut], export[cut:]]))) == whole
    assert b"\nMESSAGE\n" not in whole


def test_a_binary_export_field_with_a_newline_reads_as_a_line_each() -> None:
    value = b"Call Trace:\n <TASK>"
    field = b"MESSAGE\n" + len(value).to_bytes(8, "little") + value + b"\n"
    entry = b"__CURSOR=s=1\n_TRANSPORT=kernel\n" + field + b"PRIORITY=4\n\n"
    want = b"__CURSOR=s=1\n_TRANSPORT=kernel\nMESSAGE=Call Trace:\nMESSAGE= <TASK>\nPRIORITY=4\n\n"
    assert b"".join(reader._export_binary(iter([entry]))) == want
    # a value 10 bytes long: its length's first byte is a newline
    ten = b"__CURSOR=s=2\nMESSAGE\n" + (10).to_bytes(8, "little") + b" </TASK> \x07\n\n"
    assert (
        b"".join(reader._export_binary(iter([ten]))) == b"__CURSOR=s=2\nMESSAGE= </TASK> \x07\n\n"
    )
    # a line that is a word alone, in an export or not, stays as it is
    for text in (b"__CURSOR=s=1\nHELLO\nworld\n", b"HELLO\n" + b"x" * 20 + b"\n"):
        assert b"".join(reader._export_binary(iter([text]))) == text


def test_syslog_lines_with_their_wire_priority_read_as_the_file() -> None:
    # A syslog message on the wire starts with "<PRI>" (RFC 3164 4.1.1, facility << 3 |
    # severity), which a log server's raw capture and rsyslog's forwarding templates
    # keep: the kernel's lines are facility kern (0-7), programs' daemon (24-31) or user
    syslog = (DATA / "ubuntu-syslog-false-alarms.log").read_text()
    wire = "".join(
        ("<4>" if " kernel: " in ln else "<30>" if "[" in ln.split(": ")[0] else "<13>") + ln
        for ln in syslog.splitlines(keepends=True)
    )
    assert wire.count("<4>") > 10 and wire.count("<30>") > 3
    reps = _same_reports(syslog, wire)
    assert reps[0].frames


def _coloured(text: str) -> str:
    """A console log as a coloured terminal's capture keeps it: ECMA-48 SGR codes around
    the time, a "subsystem:" prefix and a report's first lines, the way util-linux
    dmesg --color=always colours time, subsystem and level."""
    out = []
    for m in re.finditer(r"^\[ *(\d+\.\d+)\] (.*)$", text, re.M):
        body = m.group(2)
        if body.startswith(("BUG:", "Oops", "WARNING:", "Kernel panic")):
            body = f"\x1b[1;31m{body}\x1b[0m"
        else:
            body = re.sub(r"^([\w.\-]+: )", "\x1b[33m\\1\x1b[0m", body)
        out.append(f"\x1b[32m[{float(m.group(1)):12.6f}]\x1b[0m {body}\n")
    return "".join(out)


@pytest.mark.parametrize("log", [LAB / "null-deref.log", DATA / "x86-6.1-warn-then-panic.log"])
def test_a_coloured_terminals_capture_reads_as_the_console_log(log: Path) -> None:
    console = log.read_text()
    coloured = _coloured(console)
    assert coloured.count("\x1b[1;31m") >= 2
    plain = "".join(f"[{float(t):12.6f}] {b}\n" for t, b in _PRINTK_TIME_LINE.findall(console))
    reps = _same_reports(plain, coloured)
    assert reps[0].frames and "\x1b" not in reps[0].text


_PRINTK_TIME_LINE = re.compile(r"^\[ *(\d+\.\d+)\] (.*)$", re.M)


def test_another_cpus_line_amid_a_trace_does_not_end_it() -> None:
    # syzkaller case 74: a console without caller ids printed another CPU's
    # "unregister_netdevice: waiting for lo ..." between two entries of a hung task's trace
    (rep,) = [r for r in parse_log(syz_log("74").encode()) if r.title.startswith("INFO: task")]
    names = [f.function for f in rep.frames if not f.unreliable]
    assert names[:4] == [
        "schedule",
        "schedule_preempt_disabled",
        "mutex_lock_nested",
        "copy_net_ns",
    ]


@pytest.mark.parametrize("log", [LAB / "null-deref.log", DATA / "arm64-6.1.0-50-mod-null.log"])
def test_a_boot_line_printed_amid_a_trace_does_not_end_it(log: Path) -> None:
    # the same log's own rtc / virtio line, as another CPU would print it between entries
    console = log.read_text()
    lines = console.splitlines(keepends=True)
    at = next(i for i, t in enumerate(lines) if re.search(r"\] Call [Tt]race:", t)) + 3
    stamp = _PRINTK_TIME.match(lines[at])
    assert stamp is not None
    other = next(t for t in lines if re.search(r"\] (?:rtc|virtio)\S* \S+: ", t))
    interleaved = lines[:at] + [stamp.group(0) + other[other.index("] ") + 2 :]] + lines[at:]
    reps = _same_reports(console, "".join(interleaved))
    assert len(reps[0].frames) > 5


def _posted_on_a_page(text: str) -> str:
    """A log as a web page shows it: WordPress's wptexturize() turns an "x" between
    two digits into a multiplication sign ("0x13" -> "0×13"), and the page's HTML takes
    each "<f8a1a5d1>" for a tag and drops it ("[<f8a1a5d1>] f" -> "[] f")."""
    text = re.sub(r"(?<=\d)x(?=\d)", "\u00d7", text)
    return re.sub(r"<[0-9a-f]{8,16}>", "", text)


@pytest.mark.parametrize("as_bytes", [True, False])
@pytest.mark.parametrize("log", ["el5-i386-oops.log", "rhel6-irq-marker-frames.log"])
def test_a_log_posted_on_a_page_reads_as_the_log(log: str, as_bytes: bool) -> None:
    original = (DATA / log).read_text()
    posted = _posted_on_a_page(original)
    assert "] \u00d7" not in posted and "+0\u00d7" in posted and "\n [] " in posted
    want = parse_log(original.encode())
    got = parse_log(posted.encode() if as_bytes else posted)
    assert [_facts(r) for r in got] == [_facts(r) for r in want]
    assert len(got[0].frames) > 4


@pytest.mark.parametrize("since_3_14", [False, True])
def test_an_arm_trace_posted_on_a_page_keeps_its_frames(since_3_14: bool) -> None:
    """32-bit ARM's unwinder prints each entry as "[<%08lx>] (%pS) from [<%08lx>] (%pS)"
    (arch/arm/kernel/traps.c dump_backtrace_entry(); 3.14-5.x print the callee "(%ps)",
    with no offset): a web page takes the "<c02c9f48>" of a kernel address for a tag and
    drops it, "[] (sysrq_handle_crash+0x1c/0x28) from [] (__handle_sysrq+0xa8/0x174)".
    The ARM 3.4 oops posted so has its frames and facts, in either shape."""
    original = (DATA / "arm-3.4-oops.log").read_text()
    if since_3_14:
        original = re.sub(r"\] \((\w+)\+0x[0-9a-f]+/0x[0-9a-f]+\) from", r"] (\1) from", original)
        assert (
            "[<c02c9f48>] (sysrq_handle_crash) from [<c02ca4dc>] (__handle_sysrq+0xa8" in original
        )
    posted = _posted_on_a_page(original)
    assert "] [] (sysrq_handle_crash" in posted and " from [] (__handle_sysrq" in posted
    want = parse_log(original.encode())
    got = parse_log(posted.encode())
    assert [_facts(r) for r in got] == [_facts(r) for r in want]
    assert len(got[0].frames) > 4


@pytest.mark.parametrize("trailing", [" ", "   ", "\t"])
def test_a_log_whose_lines_end_in_blanks_reads_as_the_log(trailing: str) -> None:
    # A terminal's, an editor's or a page's copy pads lines with blanks: every real log
    # of the repo gives the same reports and facts with them. (An i386 machine check's
    # first bank is on the line after its MCG status; s390's and powerpc's traces go on
    # after a line the blanks hid the end of.)
    checked = 0
    for path in sorted(DATA.glob("*.log")) + sorted(LAB.glob("*.log")):
        console = path.read_text(encoding="latin-1")
        want = parse_log(console)
        if not want:
            continue
        padded = "".join(line + trailing + "\n" for line in console.splitlines())
        got = parse_log(padded)
        assert [_flag_facts(r) for r in got] == [_flag_facts(r) for r in want], path.name
        checked += 1
    assert checked > 100


@pytest.mark.parametrize("indent", ["\t", "  ", "    "], ids=["tab", "two", "four"])
def test_a_report_pasted_indented_without_times_reads_as_the_report(indent: str) -> None:
    """A commit message holds the trace that its fix is for, printk's times taken out
    (Documentation/process/submitting-patches.rst: "Backtraces in commit messages") and,
    as most authors write it, indented by a tab or two spaces under the text that tells
    of it; a Markdown code block's source by four. Every real log of the repo whose lines
    carry printk's time, its times taken out (as ``dmesg -t`` prints it) and pasted so
    between lines of prose, gives the reports and facts of the same lines unindented.
    A tab made 307 of the 420 stamped syzkaller logs read otherwise, and 47 of these."""
    checked = 0
    for path, console, _ in _prefixed_real_logs():
        bare = _PRINTK_TIME.sub("", console)
        if bare == console:
            continue  # (a syslog's prefix: no printk time to take out)
        want = parse_log(bare)
        if not want:
            continue
        pasted = "".join(indent + line if line else line for line in bare.splitlines(True))
        message = f"The kernel crashes so:\n\n{pasted}\nFix it by holding the lock.\n"
        got = parse_log(message)
        assert [_facts(r) for r in got] == [_facts(r) for r in want], path.name
        checked += 1
    assert checked > 90


# Copies of a log that reach an operator changed byte for byte: a page that keeps a log's
# spacing with "&nbsp;" gives a no-break space for every space; a terminal program's log of
# a serial line whose tty added no line feeds (ONLCR off), or a file with classic Mac line
# ends, ends lines in carriage returns alone; a serial console's capture ("\r\n", the
# console driver's, uart_console_write()) saved again with CRLF line ends (a Windows
# terminal's log, a text-mode transfer) in "\r\r\n"; a page's HTML source keeps "<", ">"
# and "&" as "&lt;", "&gt;" and "&amp;" (x86's "<TASK>", 2.6's "[<c01234>]" frames).
_COPIES: dict[str, Callable[[bytes], bytes]] = {
    "no-break spaces": lambda log: log.replace(b" ", "\u00a0".encode()),
    "carriage returns": lambda log: log.replace(b"\n", b"\r"),
    "two carriage returns": lambda log: log.replace(b"\n", b"\r\r\n"),
    "html source": (
        lambda log: log.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")
    ),
}


@pytest.mark.parametrize("copy", sorted(_COPIES))
def test_a_copy_of_a_log_reads_as_the_log_on_the_cli_path(copy: str, tmp_path: Path) -> None:
    # every real log of the repo gives, read from the copy on the CLI's path, the reports
    # and facts it gives as it is
    checked = 0
    for path in sorted(DATA.glob("*.log")) + sorted(LAB.glob("*.log")):
        console = path.read_bytes()
        want = parse_log(console)
        if not want or b"\r" in console:
            continue
        copied = tmp_path / path.name
        copied.write_bytes(_COPIES[copy](console))
        got = triage_input(str(copied)).reports
        assert [_facts(r) for r in got] == [_facts(r) for r in want], path.name
        checked += 1
    assert checked > 100


def test_a_character_reference_split_between_two_blocks_is_one_character() -> None:
    data = b"&lt;" + b"x" * (reader.BLOCK - 6) + b"&lt;TASK&gt;\n"
    read = b"".join(reader.raw_blocks(io.BytesIO(data), "page.html"))
    assert read == b"<" + b"x" * (reader.BLOCK - 6) + b"<TASK>\n"


def test_a_no_break_space_split_between_two_blocks_is_one_space() -> None:
    data = b"x" * (reader.BLOCK - 1) + "\u00a0".encode() + b"Kernel panic\n"
    read = b"".join(reader.raw_blocks(io.BytesIO(data), "page.txt"))
    assert read == b"x" * (reader.BLOCK - 1) + b" Kernel panic\n"


def test_a_json_journal_streamed_in_blocks_gives_the_whole_logs_reports() -> None:
    # the prefilter picks the regions to parse by the same header shapes, on the MESSAGE
    console = (DATA / "s390x-6.1.0-50-mod-stack-overflow.log").read_text()
    filler = "".join(
        json.dumps({"_TRANSPORT": "kernel", "MESSAGE": f"eth0: link up {i}"}) + "\n"
        for i in range(8000)
    )
    for journal in (
        "".join(json.dumps(dict(fields)) + "\n" for fields in _journal_entries(console, {})),
        _journal_output(_journal_entries(console, {}), "json-pretty"),
    ):
        data = (filler + journal + filler).encode()
        whole = parse_log(data)
        blocks = (data[i : i + (1 << 16)] for i in range(0, len(data), 1 << 16))
        streamed = triage_blocks(line_blocks(blocks, ReadLimits()), chunk_bytes=1 << 20)
        assert [r.title for r in streamed] == [r.title for r in whole]
        assert whole[0].title == "kernel stack overflow in hotfence_crash_stack_overflow"


def test_a_slub_track_after_a_trace_is_not_read_as_its_interleaved_lines() -> None:
    # arm64 SLUB redzone report (tests/data/realworld): its track "Allocated in f+0x1/0x2
    # age=..." and its entries, put after the checking task's trace, stay out of it
    text = _PRINTK_TIME.sub("", (DATA / "arm64-6.1.0-50-mod-slub-redzone.log").read_text())
    lines = text.splitlines()
    track = next(i for i, t in enumerate(lines) if t.startswith("Allocated in "))
    trace = next(i for i, t in enumerate(lines) if t == "Call trace:")
    end = next(i for i in range(trace + 1, len(lines)) if parse_frame(lines[i]) is None)
    frames = call_trace(lines[trace:end])
    assert len(frames) > 5
    assert call_trace(lines[trace:end] + lines[track : track + 4]) == frames


def _old_journal_json(fields: list[tuple[str, str]]) -> str:
    """A record as older journalctl -o json printed it itself (logs-show.c output_json(),
    CentOS 7's systemd 219): '{ "__CURSOR" : "...", "KEY" : "value", ... }'."""
    body = ", ".join(f"{json.dumps(k)} : {json.dumps(v)}" for k, v in fields)
    return '{ "__CURSOR" : "s=8b2a", ' + body + " }\n"


def test_an_older_journalctls_json_records_of_programs_are_no_reports() -> None:
    console = (LAB / "null-deref.log").read_text()
    entries = _journal_entries(console, {"Call Trace:": "WARNING: No swap limit support"})
    journal = "".join(_old_journal_json(fields) for fields in entries)
    assert journal.count('{ "__CURSOR" : ') == len(entries)
    reps = _same_reports(_PRINTK_TIME.sub("", console), journal)
    assert reps[0].frames and "No swap limit" not in reps[0].text
    said = [("_TRANSPORT", "stdout"), ("MESSAGE", "WARNING: CPU: 1 PID: 5 at fs/x.c:12 f+0x1/0x2")]
    assert parse_log(_old_journal_json(said).encode()) == []


def _journal_json_field(value: bytes) -> str | list[int]:
    """A field's JSON value as journalctl -o json writes it (journalctl(1), "json"; the
    test is systemd's utf8_is_printable()): its text, or, when it holds a byte that is not
    UTF-8 or a control character other than tab and newline, the list of its bytes."""
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return list(value)
    if any((c < " " and c not in "\t\n") or "\x7f" <= c <= "\x9f" for c in text):
        return list(value)
    return text


@pytest.mark.parametrize("case", ["239", "343"])
def test_journal_json_messages_written_as_byte_arrays_are_read(case: str) -> None:
    # syzkaller cases whose corrupted task struct printed control bytes in its comm
    # ("corrupted preempt_count: Yl\x01...", "Comm: ...\x10"): journald keeps the
    # kernel's records, and journalctl -o json writes those as arrays of byte values
    console = (SYZ / "report" / case).read_bytes().partition(b"\n\n")[2]
    records, arrays = [], 0
    for line in console.split(b"\n"):
        m = re.match(rb"\[ *(\d+)\.(\d+)\] ", line)
        record: dict[str, object] = {"__CURSOR": f"s=1;i={len(records)}", "_TRANSPORT": "kernel"}
        record["MESSAGE"] = _journal_json_field(line[m.end() :] if m else line)
        arrays += isinstance(record["MESSAGE"], list)
        if m:
            record["_SOURCE_MONOTONIC_TIMESTAMP"] = str(int(m[1]) * 10**6 + int(m[2]))
        records.append(json.dumps(record, ensure_ascii=False) + "\n")
    assert arrays
    want = parse_log(console)
    got = parse_log("".join(records).encode())
    assert want and [_facts(r) for r in got] == [_facts(r) for r in want]


# The time a serial terminal program writes before each line it received (lines.py
# _CAPTURE_RE): minicom's line timestamps (simple, extended), tio -t (24hour, iso8601),
# grabserial -t and -T; and the KUnit runner's before each line of a failed or crashed
# test's log (tools/testing/kunit/kunit_printer.py print_with_timestamp()).
_CAPTURE_TIMES = {
    "kunit.py": "[10:11:12] ",
    "minicom": "[2024-01-02 10:11:12] ",
    "minicom extended": "[2024-01-02 10:11:12.123] ",
    "tio": "[10:11:12.123] ",
    "tio iso8601": "[2024-01-02T10:11:12.123] ",
    "grabserial -t": "[12.123456 0.000123] ",
    "grabserial -T": "[24-01-02 10:11:12 0.000123] ",
}


@pytest.mark.parametrize("tool", sorted(_CAPTURE_TIMES))
@pytest.mark.parametrize(
    ("log", "notime"),
    [
        # kernels that print no printk time (RHEL 5's default, 3.4 ARM's config)
        (DATA / "el5-i386-oops.log", False),
        (DATA / "arm-3.4-oops.log", False),
        (DATA / "rhel6-irq-marker-frames.log", False),
        (LAB / "warn.log", True),  # printk.time=0
        (LAB / "softlockup.log", False),
    ],
)
def test_a_serial_terminals_capture_reads_as_the_console_log(
    tool: str, log: Path, notime: bool
) -> None:
    console = log.read_text()
    if notime:
        console = _PRINTK_TIME.sub("", console)
    stamp = _CAPTURE_TIMES[tool]
    # minicom's per-second mode stamps the first line of each second only
    every = 3 if tool == "minicom" else 1
    lines = console.splitlines()
    captured = "".join(
        (stamp if i % every == 0 else "") + line + "\n" for i, line in enumerate(lines)
    )
    reps = _same_reports(console, captured)
    assert reps[0].frames


@pytest.mark.parametrize(
    "log",
    [LAB / "oom.log", *sorted(DATA.glob("*-oom.log"))],
    ids=lambda p: p.name,
)
@pytest.mark.parametrize("again", ["dmesg", "dmesg -x", "ramoops"])
def test_oom_kills_printed_again_are_read_once(log: Path, again: str) -> None:
    # the console's records, then the same records again in the same file: a later
    # "dmesg" (or "dmesg -x") dump, or a pstore dmesg-ramoops record (its "Panic#1 Part1"
    # header, then "<level>" before each line) collected after the crash
    console = log.read_text()
    if again == "dmesg":
        copy = console
    elif again == "dmesg -x":
        copy = "".join(f"kern  :warn  : {line}\n" for line in console.splitlines())
    else:
        copy = "Panic#1 Part1\n" + "".join(f"<4>{line}\n" for line in console.splitlines())
    want = parse_log(console)
    # one report: the OOM kill, or the panic_on_oom panic with the kills as its context
    assert len(want) == 1
    assert "Killed process" in want[0].text or any("Killed process" in c for c in want[0].context)
    got = parse_log(console + copy)
    assert [_facts(r) for r in got] == [_facts(r) for r in want]


@pytest.mark.parametrize("copy_shape", ["vmcore-dmesg.txt", "dmesg-ramoops"])
def test_a_crash_log_with_its_dump_appended_reads_as_the_log(copy_shape: str) -> None:
    # The console's log, then the same kernel's records again from where a dump's buffer
    # began, shortly before the crash (a ring buffer that wrapped, pstore's last
    # kmsg_bytes): kdump's vmcore-dmesg.txt ("[ time] " lines as the console's), or a
    # pstore dmesg-ramoops record ("Oops#1 Part1", then "<level>" before each line).
    # The copy's time goes back, by less than a second here: its records are no part of
    # the crash before them (its trace, its corruption check), nor a crash again.
    checked = 0
    for path in sorted(DATA.glob("*.log")) + sorted(LAB.glob("*.log")):
        console = path.read_text(encoding="latin-1")
        if not _PRINTK_TIME.search(console):
            continue  # without printk times a record printed again is not told apart
        want = parse_log(console)
        if len(want) != 1:
            continue
        lines = console.rstrip("\n").split("\n")
        if not _PRINTK_TIME.match(lines[want[0].start_line - 1]):
            continue  # nor is a header a copy cut the time off of (a pasted excerpt's)
        copy = lines[max(0, want[0].start_line - 31) :]
        if copy_shape == "dmesg-ramoops":
            copy = ["Oops#1 Part1", *(f"<4>{line}" for line in copy)]
        got = parse_log("\n".join(lines + copy) + "\n")
        assert [_facts(r) for r in got] == [_facts(r) for r in want], path.name
        checked += 1
    assert checked > 50


def _terminal_rows(text: str, width: int = 80) -> str:
    """``text`` as a terminal of ``width`` columns shows it and a capture of its screen
    keeps it (tmux capture-pane, screen's hardcopy): a longer line goes on in the next
    row, cut mid-word."""
    rows = []
    for line in text.split("\n"):
        while len(line) > width:
            rows.append(line[:width])
            line = line[width:]
        rows.append(line)
    return "\n".join(rows)


def _prefixed_real_logs() -> Iterator[tuple[Path, str, list[Report]]]:
    """Every real log of the repo with a report whose header carries a prefix (printk
    time, syslog's): its path, text and reports. A wrap's rows carry none, the sign the
    reader goes by; a log with no prefix at all gives no such sign."""
    for path in sorted(DATA.glob("*.log")) + sorted(LAB.glob("*.log")):
        console = path.read_text(encoding="latin-1")
        want = parse_log(console)
        if not want:
            continue
        header_end = console.find("\n", want[0].start)
        if make_line(console[want[0].start : header_end], 0, 0).context:
            yield path, console, want


def test_a_log_wrapped_by_an_80_column_terminal_reads_as_the_log() -> None:
    # every real log whose lines carry a prefix (printk time, syslog's): the rows a cut
    # line goes on in carry none. (A log with no prefix at all gives no such sign.)
    checked = 0
    for path, console, want in _prefixed_real_logs():
        rows = _terminal_rows(console)
        if rows == console:
            continue  # no line wider than the terminal (a 2.6 i386 machine check): no wrap
        got = parse_log(rows)
        assert [_facts(r) for r in got] == [_facts(r) for r in want], path.name
        checked += 1
    assert checked > 90


# Bugzilla's wrap_comment() (Bugzilla/Util.pm, Bugzilla 3.x and 4.x) wrapped each
# comment line that does not start with ">" with Perl's Text::Wrap at COMMENT_COLS (80)
# columns, $huge = 'overflow' (a longer word is left whole): Text::Wrap's wrap() takes at
# most columns - 1 characters up to a blank, which it drops ($break, one character), and
# puts the blank it stopped at after the last row. Comments filed then are stored so, and
# the kernel oopses pasted in Red Hat's and the kernel's Bugzilla show it.
_BUGZILLA_COLUMNS = 80


def _bugzilla_comment(text: str, columns: int = _BUGZILLA_COLUMNS) -> str:
    """``text`` as Bugzilla's wrap_comment() stored it (see above; Text::Wrap's wrap()
    with $unexpand = 0: tabs expanded, never put back); ``columns``: another width's
    Text::Wrap, as a mail client's at 72-78 cuts at a blank and drops it."""
    width = columns - 1
    row = re.compile(rf"(.{{0,{width}}})((?=\s).|\Z)")
    huge = re.compile(r"(.*?)((?=\s).|\Z)")
    done = re.compile(r"\s*\Z")
    out = []
    for line in text.split("\n"):
        if line.startswith(">"):
            out.append(line)
            continue
        line = line.expandtabs(8)
        rows, pos, remainder = [], 0, ""
        while not done.match(line, pos):  # (blanks alone left: they go, as in wrap())
            m = row.match(line, pos) or huge.match(line, pos)
            assert m is not None
            rows.append(m.group(1))
            remainder, pos = m.group(2), m.end()
        out.append("\n".join(rows) + remainder)
    return "\n".join(out)


def test_a_log_wrapped_by_bugzilla_reads_as_the_log(tmp_path: Path) -> None:
    """An oops pasted in a Bugzilla comment of the 3.x/4.x years is word-wrapped at 79
    columns (``_bugzilla_comment``): a width past the 78 of a mail client's wrap, where
    a trace entry's module, a WARNING's function, the task header's release went on in
    an unprefixed line of their own. Every real log whose lines carry a prefix gives the
    same reports and facts wrapped so (the taint as its flags: the wrap may fall in its
    run of spaces), read whole or streamed (the streamed reader carries the boot banner
    to later segments alone, its release for the reports that name none: cut after
    it, the banner's " (" is a line break)."""
    checked = 0
    for path, console, want in _prefixed_real_logs():
        wrapped = _bugzilla_comment(console)
        if wrapped == console:
            continue
        got = parse_log(wrapped)
        assert [_flag_facts(r) for r in got] == [_flag_facts(r) for r in want], path.name
        copy = tmp_path / path.name
        copy.write_text(wrapped, encoding="latin-1")
        streamed = triage_input(str(copy), jobs=1).reports
        assert [_flag_facts(r) for r in streamed] == [_flag_facts(r) for r in want], path.name
        checked += 1
    assert checked > 90


def _unprefixed_real_logs() -> Iterator[tuple[Path, str, list[Report]]]:
    """Every real log of the repo whose reports' headers carry no prefix, as abrt files
    an oops (abrt-dump-oops drops the printk time of each line it takes), and with a
    line wider than a terminal: no terminal cut its rows before Bugzilla did."""
    for path in sorted(DATA.glob("*.log")) + sorted(LAB.glob("*.log")):
        console = path.read_text(encoding="latin-1")
        want = parse_log(console)
        if not want or max(map(len, console.split("\n"))) <= 80:
            continue
        header_end = console.find("\n", want[0].start)
        if not make_line(console[want[0].start : header_end], 0, 0).context:
            yield path, console, want


def test_an_unprefixed_log_wrapped_by_bugzilla_keeps_its_release() -> None:
    """An oops abrt filed in Red Hat's Bugzilla of the 3.x/4.x years has no printk time
    and is wrapped at 79 columns (``_bugzilla_comment``). No missing prefix tells a row a
    wrap cut off from a line of its own there, but the task header cut after its taint
    and a row going on with the release and its "#N" are one line: x86's 2.6 header
    (arch/x86/kernel/process_64.c __show_regs(): "Pid: %d, comm: %.20s %s %s %.*s",
    print_tainted(), then the release) on RHEL 6 runs past 79 columns with its
    "---------------  H" marker, and the release went on alone."""
    checked = 0
    for path, console, want in _unprefixed_real_logs():
        wrapped = _bugzilla_comment(console)
        assert wrapped != console
        got = parse_log(wrapped)
        assert [_flag_facts(r) for r in got] == [_flag_facts(r) for r in want], path.name
        checked += 1
    assert checked >= 3


def test_a_warning_abrt_filed_and_bugzilla_wrapped_keeps_its_function() -> None:
    """abrt files a WARNING's text with no printk time (abrt-dump-oops drops it), and
    Bugzilla 3.x/4.x wrapped it at 79 columns: the header, "WARNING: CPU: %d PID: %d at
    %s:%d %pS" (kernel/panic.c __warn(); 2.6's warn_slowpath_common() "WARNING: at %s:%d
    %pS()"), runs past them with a long path, and its function went on alone. A header
    ending at its file:line and a row going on with "f+0x1b/0x30" are one line, with no
    prefix to miss: every real WARNING, its lines bare and wrapped so, keeps its title."""
    checked = 0
    for path in sorted(DATA.glob("*.log")) + sorted(LAB.glob("*.log")):
        reports = parse_log(path.read_text(encoding="latin-1"))
        if len(reports) != 1 or not reports[0].title.startswith("WARNING in "):
            continue
        bare = "\n".join(make_line(row, 0, 0).text for row in reports[0].text.split("\n"))
        wrapped = _bugzilla_comment(bare)
        if wrapped == bare:
            continue
        assert [r.title for r in parse_log(wrapped)] == [reports[0].title], path.name
        checked += 1
    assert checked > 10


def test_an_arm_trace_abrt_filed_and_bugzilla_wrapped_keeps_its_frames() -> None:
    """ARM's 3.x trace entry, "[<%08lx>] (%pS) from [<%08lx>] (%pS)" (arch/arm/kernel/
    traps.c dump_backtrace_entry()), runs past 79 columns: Bugzilla's wrap put the
    caller's "(f+0x2c/0x38)" in a row of its own, which read as one more frame. An entry
    ends with its caller's symbol, never at "from [<pc>]": the two rows are one entry,
    in a bare log too (abrt's text)."""
    checked = 0
    for path in sorted(DATA.glob("*.log")) + sorted(LAB.glob("*.log")):
        console = path.read_text(encoding="latin-1")
        if ") from [<" not in console:
            continue
        for rep in parse_log(console):
            bare = "\n".join(make_line(row, 0, 0).text for row in rep.text.split("\n"))
            want = [_flag_facts(r) for r in parse_log(bare)]
            wrapped = _bugzilla_comment(bare)
            assert wrapped != bare
            assert [_flag_facts(r) for r in parse_log(wrapped)] == want, path.name
            checked += 1
    assert checked >= 1


def test_a_gpf_and_an_unreliable_entry_abrt_filed_and_bugzilla_wrapped() -> None:
    """Two more lines past 79 columns whose cut the rest proves, in a bare log wrapped
    by Bugzilla: x86's "general protection fault, probably for non-canonical address
    0x%lx" (arch/x86/kernel/traps.c exc_general_protection()) goes on with die()'s
    ": 0000 [#1] ..." (__die_header()), and powerpc's trace entry "[sp] [ip] %pS" ends
    with " (unreliable)" (arch/powerpc/kernel/process.c show_stack()), which went on in
    a row of its own. Every real log with such a line past 79 columns, bare and wrapped,
    keeps its facts."""
    checked = 0
    for path in sorted(DATA.glob("*.log")) + sorted(LAB.glob("*.log")):
        reports = parse_log(path.read_text(encoding="latin-1"))
        if len(reports) != 1:
            continue
        bare_rows = [make_line(row, 0, 0).text for row in reports[0].text.split("\n")]
        if not any(
            len(row) > 79 and ("non-canonical address" in row or " (unreliable)" in row)
            for row in bare_rows
        ):
            continue
        bare = "\n".join(bare_rows)
        want = [_flag_facts(r) for r in parse_log(bare)]
        wrapped = _bugzilla_comment(bare)
        assert [_flag_facts(r) for r in parse_log(wrapped)] == want, path.name
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize(
    ("fault", "cut"),
    [
        ("NULL pointer dereference", " at\nvirtual address "),
        ("NULL pointer dereference", " at virtual\naddress "),
        ("unknown 43", " at virtual\naddress "),
        ("access to user memory outside uaccess routines", " at\nvirtual address "),
    ],
)
def test_an_arm64_bad_access_line_a_mail_wrapped_keeps_its_title(fault: str, cut: str) -> None:
    """LKFT mails its boards' logs with printk's level before the time ("<1>[
    203.119139] "), which takes arm64's "Unable to handle kernel %s at virtual address
    %016lx" (arch/arm64/mm/fault.c die_kernel_fault()) past the mail's 72 columns:
    the address goes on in the next row, after "at" or "at virtual". The recorded arm64
    NULL dereference, its fault named as LKFT's reports name others, keeps its facts
    through the cut."""
    plain = []
    for line in (DATA / "arm64-6.1.0-50-mod-null.log").read_text().splitlines():
        line = line.replace(
            "NULL pointer dereference at virtual address ", f"{fault} at virtual address "
        )
        plain.append(("<1>" if "Unable to handle" in line else "<4>") + line)
    text = "\n".join(plain) + "\n"
    wrapped = text.replace(" at virtual address ", cut)
    assert wrapped != text
    (want,) = parse_log(text.encode())
    assert want.title.startswith("BUG: unable to handle kernel ")
    assert [_facts(r) for r in parse_log(wrapped.encode())] == [_facts(want)]


@pytest.mark.parametrize("case", ["344", "614", "629"])
def test_a_header_bugzilla_wrapped_still_takes_the_line_it_prints(case: str) -> None:
    """x86's stack guard page report prints "kernel stack overflow (double-fault)" as its
    next line (handle_stack_overflow(), then die()), one line the report takes in; the
    header wrapped at 79 columns goes on in a row of its own before it, which is no line
    of the report's: the report stayed one (a second, "in corrupted", started there)."""
    console = syz_log(case)
    wrapped = _bugzilla_comment(console)
    assert wrapped.count("\n") > console.count("\n")
    want = parse_log(console)
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]
    assert len(want) == 1


def _zvm_console(text: str, cpu: str = "00") -> str:
    """``text`` as a z/VM guest's console spool shows it (an IBM Z guest with more than
    one virtual CPU): CP starts each line of the guest's output with the address of the
    virtual CPU that wrote it, "00: ", and cuts lines at 80 columns, each piece again
    after that prefix ("00: ...cut here" / "00: ...rest")."""
    rows = []
    for line in text.split("\n"):
        row = f"{cpu}: {line}"
        while len(row) > 80:
            rows.append(row[:80])
            row = f"{cpu}: {row[80:]}"
        rows.append(row)
    return "\n".join(rows)


@pytest.mark.parametrize(
    "name", ["s390x-5.10-oops", "s390x-6.1.0-50-mod-bug", "s390x-6.1.0-50-hung-task"]
)
def test_a_zvm_guests_console_spool_reads_as_the_console_log(name: str) -> None:
    """s390 guests under z/VM print to CP's console: the spooled console file or a 3270
    screen capture, which users paste with the virtual CPU's "NN: " before every line and
    every 80-column piece of one (the release of a cut task header whole again)."""
    console = (DATA / f"{name}.log").read_text()
    spool = _zvm_console(console)
    assert "\n00: " in spool and spool.count("\n") > console.count("\n")
    _same_reports(console, spool)


@pytest.mark.parametrize("width", [72, 78])
def test_a_rhel_task_header_wrapped_by_a_mail_client_keeps_its_facts(width: int) -> None:
    # RHEL 7's header puts its "------------ T" marker after the taint flags: a mail
    # client's wrap leaves it and the release on the next line
    console = (DATA / "centos7-dockerd-ip6mr.log").read_text()
    wrapped = "\n".join(
        "\n".join(textwrap.wrap(line, width, break_on_hyphens=False)) if "Comm:" in line else line
        for line in console.split("\n")
    )
    assert "\n------------ T 3.10.0-957.21.3.el7.x86_64 #1" in wrapped
    want, got = parse_log(console)[0], parse_log(wrapped)[0]
    assert (got.title, got.comm, got.pid, got.cpu, got.kernel_release, got.taint_flags) == (
        want.title,
        want.comm,
        want.pid,
        want.cpu,
        want.kernel_release,
        want.taint_flags,
    )


@pytest.mark.parametrize("width", [72, 78])
def test_a_log_wrapped_by_a_mail_client_reads_as_the_log(width: int) -> None:
    # a report mailed to a list, wrapped by the sender's mail client at a space (RFC 3676
    # 4.2: 78 columns at most, 72 advised): every long line goes on, without its prefix,
    # with the words that did not fit. Every real log whose lines carry a prefix. (The
    # taint's run of spaces is gone where a wrap fell in it: its flags are the same.)
    checked = 0
    for path, console, want in _prefixed_real_logs():
        wrapped = "\n".join(
            "\n".join(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False))
            for line in console.split("\n")
        )
        got = parse_log(wrapped)
        assert [_flag_facts(r) for r in got] == [_flag_facts(r) for r in want], path.name
        checked += 1
    assert checked > 90


@pytest.mark.parametrize("quote", ["> ", "> > > "])
@pytest.mark.parametrize("width", [72, 78])
def test_a_mail_wrapped_log_quoted_by_later_replies_reads_as_the_log(
    width: int, quote: str
) -> None:
    # a report wrapped by the sender's mail client (as above), then quoted by each reply
    # after it, a ">" and a space per level (RFC 3676 4.5), which no client wraps again:
    # the quoted rows are wider than any wrap by the quotes alone, as a netdev thread
    # quotes an mlx5 watchdog splat ("> > > [ 6755.843728] WARNING: CPU: 15 PID: 30568 at
    # net/sched/sch_generic.c:443" going on "> > > dev_watchdog+0x22f/0x240"). Every real
    # log whose lines carry a prefix: the same reports and facts as the log.
    checked = 0
    for path, console, want in _prefixed_real_logs():
        wrapped = "\n".join(
            quote + row
            for line in console.split("\n")
            for row in textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)
            or [""]
        )
        got = parse_log(wrapped)
        assert [_flag_facts(r) for r in got] == [_flag_facts(r) for r in want], path.name
        checked += 1
    assert checked > 90


# Where Unicode's line breaking algorithm lets a mail client break a line (UAX #14): after
# a run of spaces, or after a hyphen (LB21) unless a digit follows it (LB25).
_UAX14_BREAK = re.compile(r"\S+?(?:-(?=[^\d\s-])|(?=\s)|$)\s*")


def _uax14_wrap(line: str, width: int) -> list[str]:
    """``line`` as a mail client breaking lines by UAX #14 wraps it at ``width`` columns:
    each row takes the most break-separated pieces that fit, its trailing spaces dropped;
    a piece wider than the width stays whole."""
    rows: list[str] = []
    row = ""
    for piece in _UAX14_BREAK.findall(line):
        if row and len((row + piece).rstrip()) > width:
            rows.append(row.rstrip())
            row = piece
        else:
            row += piece
    rows.append(row.rstrip())
    return rows


def _task_facts(rep: Report) -> tuple[object, ...]:
    return (rep.title, rep.comm, rep.pid, rep.cpu, rep.kernel_release, rep.taint_flags)


@pytest.mark.parametrize("width", [72, 76, 78])
def test_a_release_a_mail_client_cut_after_a_hyphen_is_whole(width: int) -> None:
    # "... Tainted: G           OE      6.1.0-56-" goes on "amd64 #1  Debian 6.1.192-2":
    # a release never ends in "-", and the build tag after the rest proves the cut. Every
    # real log whose lines carry a prefix, and the CLI's path (prefilter) for one of them.
    checked = cut = 0
    for path, console, want in _prefixed_real_logs():
        wrapped = "\n".join("\n".join(_uax14_wrap(line, width)) for line in console.split("\n"))
        cut += bool(re.search(r" \(?\d+\.\d+[\w.+~-]*-\n[\w.+~-]+ #\d", wrapped))
        got = parse_log(wrapped)
        assert [_task_facts(r) for r in got] == [_task_facts(r) for r in want], path.name
        checked += 1
    assert checked > 90 and cut > 3, cut


@pytest.mark.parametrize("width", [72, 76, 78])
def test_a_log_a_mail_client_wrapped_at_hyphens_too_reads_as_the_log(width: int) -> None:
    # a UAX #14 mail client also breaks after a hyphen: KFENCE's "(in kfence-" goes on
    # "#83):" (mm/kfence/report.c), with no space. Every real log with a prefix: the same
    # reports, facts, taint flags and modules as the log.
    checked = 0
    for path, console, want in _prefixed_real_logs():
        wrapped = "\n".join("\n".join(_uax14_wrap(line, width)) for line in console.split("\n"))
        got = parse_log(wrapped)
        assert [(*_flag_facts(r), r.modules) for r in got] == [
            (*_flag_facts(r), r.modules) for r in want
        ], path.name
        checked += 1
    assert checked > 90


def test_a_kfence_object_cut_after_its_hyphen_keeps_the_report_whole(tmp_path: Path) -> None:
    console = (DATA / "x86-6.1-kfence-uaf.log").read_text()
    wrapped = "\n".join("\n".join(_uax14_wrap(line, 72)) for line in console.split("\n"))
    assert "(in kfence-\n#83):\n" in wrapped
    (tmp_path / "mail.txt").write_text(wrapped)
    (got,) = triage_input(str(tmp_path / "mail.txt")).reports
    (want,) = parse_log(console)
    assert not want.corrupted and not got.corrupted
    assert _facts(got) == _facts(want)


def test_a_release_cut_after_a_hyphen_reads_so_on_the_cli_path(tmp_path: Path) -> None:
    console = (LAB / "null-deref.log").read_text()
    wrapped = "\n".join("\n".join(_uax14_wrap(line, 78)) for line in console.split("\n"))
    assert "OE      6.1.0-56-\namd64 #1  Debian 6.1.192-2\n" in wrapped
    (tmp_path / "mail.txt").write_text(wrapped)
    (got,) = triage_input(str(tmp_path / "mail.txt")).reports
    (want,) = parse_log(console)
    assert _task_facts(got) == _task_facts(want)
    assert got.kernel_release == "6.1.0-56-amd64"


def _flowed(text: str, width: int) -> str:
    """``text`` as a format=flowed mail carries it (RFC 3676 4.1, 4.2): each long line
    broken at spaces into lines of at most ``width`` columns, each but the last ending
    in a space, its soft line break."""
    out = []
    for line in text.split("\n"):
        rows = textwrap.wrap(line, width - 1, break_long_words=False, break_on_hyphens=False)
        out.append(" \n".join(rows or [""]))
    return "\n".join(out)


@pytest.mark.parametrize("width", [72, 78])
def test_a_log_in_a_format_flowed_mail_reads_as_the_log(width: int) -> None:
    # the soft line break's space counts in the width: a word that did not fit with its
    # own space after it went to the next line. Every real log with a prefix.
    checked = 0
    for path, console, want in _prefixed_real_logs():
        got = parse_log(_flowed(console, width))
        assert [(*_flag_facts(r), r.modules) for r in got] == [
            (*_flag_facts(r), r.modules) for r in want
        ], path.name
        checked += 1
    assert checked > 90


def _with_caller_ids(text: str) -> str:
    """``text`` as a kernel with CONFIG_PRINTK_CALLER prints it: the caller's id after the
    time, "[%6s]" of "T<pid>" (kernel/printk/printk.c info_print_prefix(), print_caller()),
    and the space after the prefix: "[    1.234567][  T117] message"."""
    return _PRINTK_TIME.sub(lambda m: f"[{m.group(0)[1:-2]}][  T117] ", text)


# A report is found by the words that name its kind, on one line: a wrap that cuts its
# first line inside them leaves none to find ("[ 9021.441001][  T117] mce: [Hardware
# Error]: CPU 7: Machine Check" going on "Exception: 5 Bank 4: ..." under 77 columns).
_KIND_WORDS_CUT = {"x86-mce-fatal.log"}


@pytest.mark.parametrize("width", [72, 78])
def test_a_log_with_caller_ids_wrapped_by_a_mail_client_reads_as_the_log(width: int) -> None:
    # A report's stream is its caller id: a wrapped line's rest carries no prefix, hence
    # no id, and is still the rest of the report's line ("BUG: KASAN: ... in" going on
    # with the function, a task header with its release). Every real log with a prefix.
    checked = 0
    for path, console, _ in _prefixed_real_logs():
        tagged = _with_caller_ids(console)
        if tagged == console:
            continue  # a syslog file: its lines carry no printk time to put the id after
        if path.name in _KIND_WORDS_CUT and width < 77:
            continue
        wrapped = "\n".join(
            "\n".join(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False))
            for line in tagged.split("\n")
        )
        want, got = parse_log(tagged), parse_log(wrapped)
        assert [_flag_facts(r) for r in got] == [_flag_facts(r) for r in want], path.name
        checked += 1
    assert checked > 50


def test_a_sles_header_in_a_format_flowed_mail_keeps_its_facts(tmp_path: Path) -> None:
    console = (DATA / "sles15-kdump-header.log").read_text()
    flowed = _flowed(console, 72)
    assert " Kdump: loaded \nTainted: G " in flowed
    (tmp_path / "mail.txt").write_text(flowed)
    (got,) = triage_input(str(tmp_path / "mail.txt")).reports
    (want,) = parse_log(console)
    assert got.kernel_release == want.kernel_release == "5.14.21-150400.24.46-default"
    assert (got.comm, got.taint_flags) == (want.comm, want.taint_flags)


def _quoted_reply(text: str, width: int, flowed: bool) -> str:
    """``text`` quoted in a mail reply and wrapped at ``width`` columns, quote included
    (RFC 3676 4.5: "> " before every line, a wrapped line's rows each quoted again),
    each row but a line's last ending in a space when the reply is ``flowed``."""
    out = []
    for line in text.split("\n"):
        rows = textwrap.wrap(
            line, width - 2 - flowed, break_long_words=False, break_on_hyphens=False
        )
        out.append((" \n" if flowed else "\n").join(f"> {row}" for row in rows) or ">")
    return "\n".join(out)


@pytest.mark.parametrize(("width", "flowed"), [(72, False), (78, False), (72, True)])
def test_a_log_quoted_in_a_wrapped_mail_reply_reads_as_the_log(width: int, flowed: bool) -> None:
    # a quoted 77-wide "====" (KASAN's, SLUB's) is past the width but no line the mail
    # client could break; a quoted boot banner goes on "> (debian-kernel@...": every
    # real log with a prefix gives the log's reports, facts, taint flags and modules
    checked = 0
    for path, console, want in _prefixed_real_logs():
        got = parse_log(_quoted_reply(console, width, flowed))
        assert [(*_flag_facts(r), r.modules) for r in got] == [
            (*_flag_facts(r), r.modules) for r in want
        ], path.name
        checked += 1
    assert checked > 90


def test_a_slub_title_a_quoted_reply_wrapped_stays_whole(tmp_path: Path) -> None:
    console = (DATA / "x86-6.1-slub-redzone.log").read_text()
    quoted = _quoted_reply(console, 78, False)
    assert "\n> =====" in quoted
    (tmp_path / "reply.txt").write_text(quoted)
    (got,) = triage_input(str(tmp_path / "reply.txt")).reports
    (want,) = parse_log(console)
    assert got.title == want.title == "SLUB: Redzone overwritten in mydrv_release"
    assert _facts(got) == _facts(want)


@pytest.mark.parametrize("log", [LAB / "null-deref.log", LAB / "gpf.log", SYZ / "report" / "4"])
def test_a_programs_line_after_a_full_width_kernel_line_is_not_its_rest(log: Path) -> None:
    # x86's register lines are 80 columns wide with a printk time: on a console no wrap
    # touched, a program's line after one (syzkaller's "executing program") is its own
    # line, as the log's wider lines around say
    console = log.read_text(encoding="latin-1")
    if log.parent.name == "report":
        console = console.partition("\n\n")[2]
    lines = console.split("\n")
    full = [i for i, line in enumerate(lines) if len(line) in (75, 80)]
    assert full and any(len(line) > 80 for line in lines)
    for i in reversed(full):
        lines.insert(i + 1, "executing program")
    want, got = parse_log(console), parse_log("\n".join(lines))
    assert [_facts(r) for r in got] == [_facts(r) for r in want]
    assert not any("executing program" in r.text for r in got)


def _klog_tag(message: str) -> tuple[str, str] | None:
    """The tag and message logd makes of a kernel record (Android system/core/logd
    LogKlog::log(); its vendor-specific "stutter" rules left out): leading spaces dropped,
    the first word, or the first two, right before a ":" is the tag, unless it is "CPU",
    "WARNING", "ERROR", "INFO", one letter or a register's name ("x9", "x18"); a tag with
    no message keeps " "; an empty record is dropped."""
    text = message.strip()
    if not text:
        return None
    m = re.match(r"([^\s:]+)(?:\s+([^\s:]+))??\s*:(.*)$", text)
    if m is None:
        return "", text
    tag = m.group(1) if m.group(2) is None else f"{m.group(1)} {m.group(2)}"
    n = len(tag)
    if (
        n <= 1
        or (n == 2 and any(c.isdigit() for c in tag))
        or (n == 3 and tag[1:].isdigit())
        or tag == "CPU"
        or tag.upper() in ("WARNING", "ERROR", "INFO")
    ):
        return "", text
    return tag, m.group(3).strip() or " "


def _logcat(console: str, programs: dict[str, str], form: str = "threadtime") -> str:
    """``console`` as logcat -b all -v threadtime prints it (liblog logprint.c: "%s %5d
    %5d %c %-8s: "; -v time "%s %c/%-8s(%5d): ", -v brief the same without the date):
    the kernel's records with pid and tid 0 and logd's tag, and after each record in
    ``programs`` an app's line (pid 1234) with its own tag."""
    out = []
    for line in console.split("\n"):
        message = _PRINTK_TIME.sub("", line)
        split = _klog_tag(message)
        if split is None:
            continue
        tag, text = split
        out.append(_logcat_line("11-24 21:45:01.123", 0, 0, "E", tag, text, form))
        for start, app in programs.items():
            if message.startswith(start):
                date = "11-24 21:45:01.124"
                out.append(_logcat_line(date, 1234, 1250, "W", "ActivityManager", app, form))
    return "\n".join(out) + "\n"


def _logcat_line(date: str, pid: int, tid: int, prio: str, tag: str, text: str, form: str) -> str:
    if form == "long":  # "[ %s %5d:%5d %c/%-8s ]\n", the message, an empty line
        return f"[ {date} {pid:5d}:{tid:5d} {prio}/{tag:<8} ]\n{text}\n"
    if form == "brief":
        return f"{prio}/{tag:<8}({pid:5d}): {text}"
    if form == "time":
        return f"{date} {prio}/{tag:<8}({pid:5d}): {text}"
    return f"{date} {pid:5d} {tid:5d} {prio} {tag:<8}: {text}"


def _aws_console_output(text: str) -> dict[str, str]:
    """`aws ec2 get-console-output`'s GetConsoleOutput response (the text base64 in the
    API, decoded by the CLI)."""
    return {
        "InstanceId": "i-0123456789abcdef0",
        "Timestamp": "2026-11-27T05:31:38.000Z",
        "Output": text,
    }


def _gce_serial_port_output(text: str) -> dict[str, str]:
    """gcloud's `get-serial-port-output --format=json`: the SerialPortOutput resource,
    its keys sorted as gcloud prints them."""
    return {
        "contents": text,
        "kind": "compute#serialPortOutput",
        "next": str(len(text)),
        "selfLink": "https://www.googleapis.com/compute/v1/projects/p/zones/z/instances/n",
        "start": "0",
    }


@pytest.mark.parametrize("indent", [4, None])
@pytest.mark.parametrize("document", [_aws_console_output, _gce_serial_port_output])
def test_a_cloud_serial_consoles_json_reads_as_the_console_log(
    document: Callable[[str], dict[str, str]], indent: int | None, tmp_path: Path
) -> None:
    """A cloud VM's serial console fetched with its provider's CLI in JSON output (the
    AWS CLI's default): the console text, a serial console's CRLF line ends escaped, is
    one string of the document. Read through the CLI's path it is the recorded console
    log; JSON that is no such document is read as it is."""
    from hotfence.triage.prefilter import triage_input

    console = (DATA / "x86-6.12.115-null-deref.log").read_text()
    doc = document(console.replace("\n", "\r\n"))
    (tmp_path / "console.json").write_text(json.dumps(doc, indent=indent) + "\n")
    (want,) = parse_log(console.encode())
    got = triage_input(str(tmp_path / "console.json"))
    assert got.error is None
    (rep,) = got.reports
    assert _facts(rep) == _facts(want)
    assert rep.frames and rep.hardware == want.hardware and not rep.corrupted
    # an object that is no console output stays the text it is (a program's JSON record)
    other = {"kind": "compute#instance", "contents": "Kernel panic - not syncing: x"}
    (tmp_path / "other.json").write_text(json.dumps(other))
    assert list(triage_input(str(tmp_path / "other.json")).reports) == []


def _mail(body: str, encoding: str, attached: str | None = None) -> EmailMessage:
    """``body`` sent as a mail and kept as list archives keep it (lore.kernel.org's "raw"
    link, an mbox, a saved .eml): RFC 5322 header fields, an empty line, the body in the
    transfer ``encoding`` (RFC 2045 6.7 quoted-printable: lines cut at 76 characters with
    an "=" soft break, "=" itself written "=3D"; 6.8 base64), ``attached`` as a file
    ("dmesg.txt", base64) after it. Python's email package writes the encodings."""
    msg = EmailMessage()
    msg["From"] = "Reporter <reporter@example.org>"
    msg["To"] = "linux-kernel@vger.kernel.org"
    msg["Subject"] = "BUG: kernel NULL pointer dereference after resume"
    msg["Message-ID"] = "<20261127100000.1234-1-reporter@example.org>"
    msg.set_content(body, cte=encoding)
    if attached is not None:
        msg.add_attachment(attached, filename="dmesg.txt", cte="base64")
    return msg


@pytest.mark.parametrize(
    ("encoding", "mbox", "attach"),
    [
        ("quoted-printable", False, False),
        ("quoted-printable", True, False),
        ("base64", False, False),
        ("7bit", False, True),
    ],
)
def test_a_log_in_a_transfer_encoded_mail_reads_as_the_log(
    encoding: str, mbox: bool, attach: bool, tmp_path: Path
) -> None:
    """A report mailed to a list and saved raw: git send-email sends a body with a line
    longer than SMTP's 998 bytes (RFC 5321 4.5.3.1.6; a "Modules linked in:" line often
    is) quoted-printable, other clients base64, and a log attached is base64. Encoded, a
    line of the log is cut into lines with "=" at their ends, or is no text at all: no
    report. Read through the CLI's path, the mail's text parts give the log's reports,
    from an mbox (its "From " line first) alike."""
    console = (DATA / "x86-6.12.115-null-deref.log").read_text()
    modules = next(ln for ln in console.splitlines() if "Modules linked in:" in ln)
    console = console.replace(modules, modules + " nvidia_drm(POE)" * 60)  # > 998 bytes
    (want,) = parse_log(console.encode())
    if attach:
        msg = _mail("Hello,\n\nmy laptop froze after resume, dmesg attached.\n", encoding, console)
    else:
        msg = _mail("Hello,\n\nmy laptop froze after resume:\n\n" + console, encoding)
    raw = msg.as_bytes()
    assert b"Modules linked in:" not in raw or b"=\n" in raw  # the log is encoded
    if mbox:
        raw = b"From reporter@example.org Fri Nov 27 10:00:00 2026\n" + raw
    (tmp_path / "report.eml").write_bytes(raw)
    got = triage_input(str(tmp_path / "report.eml"))
    assert got.error is None
    (rep,) = got.reports
    assert _facts(rep) == _facts(want)
    assert rep.frames and rep.rip is not None and rep.modules == want.modules


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_quoted_printable_body_without_its_header_reads_as_the_log(
    newline: str, tmp_path: Path
) -> None:
    """The same mail's quoted-printable body copied without its header (a list archive's
    raw message pasted from its body on): no header says it is encoded, but its lines of
    76 characters at most, cut with "=" soft breaks, and "=3D" say so (RFC 2045 6.7). Read
    as it is, the log's long lines are cut in pieces; decoded, it gives the log's report.
    (Python's email package cuts at 78, RFC 5322's limit, with its default policy.)"""
    console = (DATA / "x86-6.12.115-null-deref.log").read_text()
    modules = next(ln for ln in console.splitlines() if "Modules linked in:" in ln)
    console = console.replace(modules, modules + " nvidia_drm(POE)" * 60)
    (want,) = parse_log(console.encode())
    raw = _mail("Hello,\n\nwith vm.panic_on_oops=1:\n\n" + console, "quoted-printable")
    body = raw.as_bytes().split(b"\n\n", 1)[1].replace(b"\n", newline.encode())
    assert b"=3D1" in body and b"=" + newline.encode() in body
    assert max(len(ln.rstrip(b"\r")) for ln in body.split(b"\n")) <= 78
    (tmp_path / "report.txt").write_bytes(body)
    got = triage_input(str(tmp_path / "report.txt"))
    assert got.error is None
    (rep,) = got.reports
    assert _facts(rep) == _facts(want)
    assert rep.frames and rep.rip is not None and rep.modules == want.modules


def _talosctl_dmesg(text: str, node: str, facility: str = "kern") -> list[str]:
    """``text``'s records as `talosctl dmesg` prints them: "%s: " of the node, then
    machined's "%s: %7s: [%s]: %s" of facility, priority, the time in Go's RFC3339Nano
    (the fraction's trailing zeros dropped) and the message (Talos cmd/talosctl dmesg.go,
    machined's Dmesg)."""
    out = []
    for line in text.splitlines():
        m = _PRINTK_TIME.match(line + " ")
        if m is None:
            continue
        sec, frac = m.group(1).split(".")
        nano = f".{frac:0<9}".rstrip("0").rstrip(".")
        stamp = f"2026-11-27T05:{int(sec) // 60 % 60:02d}:{int(sec) % 60:02d}{nano}Z"
        level = "warning" if "Call Trace" in line else "info"
        record = f"{facility}: {level:>7}: [{stamp}]: {line[m.end() :]}"
        out.append(f"{node}: {record}" if node else record)
    return out


def test_talosctl_dmesg_reads_as_the_console_log() -> None:
    """A Talos Linux node's kernel log comes from `talosctl dmesg`; with several nodes
    named their lines interleave. The node whose log holds the crash gives the console
    log's report; the other node's lines and the records programs wrote (facility
    "user", Talos's own "[talos] ..." lines) are no report's."""
    console = (DATA / "x86-6.12.115-null-deref.log").read_text()
    crash = _talosctl_dmesg(console, "172.20.0.2")
    other = _talosctl_dmesg(console.split("BUG: kernel NULL")[0], "talos-w1")
    said = "[talos] WARNING: CPU: 1 PID: 5 at fs/x.c:12 f+0x1/0x2"
    programs = [f"talos-w1: user: warning: [2026-11-27T05:00:01.5Z]: {said}"]
    mixed = [ln for pair in zip(crash, other + programs * len(crash)) for ln in pair]
    (rep,) = _same_reports(_PRINTK_TIME.sub("", console), "\n".join(mixed) + "\n")
    assert rep.rip is not None and rep.rip.function == "hotfence_crash_null_deref"
    assert parse_log("\n".join(programs).encode()) == []
    # the records as machined sends them, before talosctl puts the node in front
    _same_reports(_PRINTK_TIME.sub("", console), "\n".join(_talosctl_dmesg(console, "")))


def _gce_serial_console(text: str, burst: int) -> str:
    """``text`` as a GCE VM's serial port 1 holds it: printk's own lines and, ``burst``
    lines later, rsyslog's copies of them, which google-compute-engine's
    /etc/rsyslog.d/90-google.conf ("daemon,kern.* /dev/console") writes there in its
    traditional file format ("%TIMESTAMP% %HOSTNAME% %syslogtag%%msg%")."""
    out: list[str] = []
    copies: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        out.append(line)
        if _PRINTK_TIME.match(line + " "):
            copies.append(f"Nov 27 05:31:04 instance-1 kernel: {line}")
        if n % burst == 0:
            out += copies
            copies = []
    return "\n".join(out + copies) + "\n"


@pytest.mark.parametrize(
    "log",
    [
        LAB / "null-deref.log",
        LAB / "warn.log",
        LAB / "gpf.log",
        LAB / "softlockup.log",
        LAB / "oom.log",
        DATA / "arm64-6.1-oops.log",
        DATA / "arm64-6.1.0-50-mod-bug.log",
        DATA / "riscv64-6.12.117+deb13-mod-null.log",
        DATA / "s390x-6.1.0-50-mod-bug.log",
        DATA / "mips-4.19-oops.log",
        DATA / "ppc64le-6.1.0-50-mod-null.log",
        # ASSERT_RTNL()'s "RTNL: assertion failed at ...": logd's tag "RTNL" padded
        DATA / "x86-6.1-rtnl-dump-stack.log",
        # an RCU stall's sched_show_task() "task:init  state:R": "E task    : init  state:R"
        DATA / "s390x-6.1.0-50-mod-slub-poison.log",
    ],
    ids=lambda p: p.name,
)
def test_an_android_logcat_of_the_kernel_buffer_reads_as_the_log(log: Path) -> None:
    # logcat -b kernel / -b all (a bugreport's): logd's records of the kernel's lines,
    # their first words as a padded tag ("E BUG     : unable to handle ...", "E pc      :
    # func+0x1/0x2"); an app's line amid them is no report and no part of one
    console = log.read_text()
    app = "WARNING: CPU: 0 PID: 1 at services/Watchdog.java:123 run"
    logcat = _logcat(console, {"Call trace:": app, "Call Trace:": app, "Modules linked in": app})
    assert re.search(r"^\S+ \S+ +0 +0 E \w{1,7} +: ", logcat, re.M)  # a padded tag
    assert app in logcat
    reps = _same_reports(console, logcat)
    assert not any(app in r.text for r in reps)


@pytest.mark.parametrize("form", ["brief", "time"])
@pytest.mark.parametrize(
    "log",
    [
        LAB / "null-deref.log",
        LAB / "warn.log",
        DATA / "arm64-6.1-oops.log",
        DATA / "arm64-6.1.0-50-mod-bug.log",
        DATA / "i386-6.1.0-50-mod-null.log",
        DATA / "ppc64le-6.1.0-50-mod-null.log",
    ],
    ids=lambda p: p.name,
)
def test_a_logcat_of_the_kernel_buffer_in_brief_or_time_form_reads_as_the_log(
    log: Path, form: str
) -> None:
    # logcat's -v brief (its default before Android 7, when logd's kernel buffer came:
    # "adb logcat -b kernel" on Android 6 prints "E/BUG     (    0): unable to handle
    # ...") and -v time (the date before it): the kernel's records are pid 0, an app's
    # line amid them is no report and no part of one
    console = log.read_text()
    app = "WARNING: CPU: 0 PID: 1 at services/Watchdog.java:123 run"
    logcat = _logcat(console, {"Call trace:": app, "Call Trace:": app}, form)
    assert re.search(r"^(?:\S+ \S+ )?E/\w{1,7} +\(    0\): ", logcat, re.M)  # a padded tag
    assert re.search(r"W/ActivityManager\( 1234\): WARNING: ", logcat)
    reps = _same_reports(console, logcat)
    assert not any(app in r.text for r in reps)


@pytest.mark.parametrize("form", ["brief", "time"])
@pytest.mark.parametrize(
    "header",
    [
        # the log as it is: arch/arm/mm/fault.c do_DataAbort()'s "Unhandled fault: %s
        # (0x%03x) at 0x%08lx" heads its report
        "",
        # arch/arm/mm/alignment.c do_alignment()'s kernel line before do_DataAbort()'s
        "Alignment trap: not handling instruction e5930004 at [<bf0000c0>]",
        # net/core/dev.c netdev_wait_allrefs_any()'s pr_emerg(), a report of one record
        "unregister_netdevice: waiting for lo to become free. Usage count = 1",
    ],
)
def test_a_brief_logcat_tag_that_took_a_headers_colon_still_starts_its_report(
    header: str, form: str
) -> None:
    # -v brief and -v time print "%c/%-8s(%5d): " (liblog android_log_formatLogLine()):
    # the tag logd took from the words before the record's first ":" ends at the pid's
    # "(", the header's colon gone ("E/Alignment trap(    0): not handling ...")
    lines = (DATA / "armhf-6.1.0-50-mod-null.log").read_text().splitlines()
    at = next(i for i, ln in enumerate(lines) if "Unhandled fault:" in ln)
    added = [f"[    2.175600] {header}"] if header else []
    console = "\n".join([*lines[:at], *added, *lines[at:]]) + "\n"
    header = header or lines[at].partition("] ")[2]
    logcat = _logcat(console, {}, form)
    tag, _, message = header.partition(": ")
    assert f"E/{tag}({0:5d}): {message}" in logcat
    reps = _same_reports(console, logcat)
    assert reps[0].title.startswith(tag)


@pytest.mark.parametrize(
    "log",
    [
        LAB / "null-deref.log",
        LAB / "warn.log",
        DATA / "arm64-6.1-oops.log",
        DATA / "armhf-6.1.0-50-mod-null.log",
        DATA / "ppc64le-6.1.0-50-mod-null.log",
        DATA / "riscv64-6.12.117+deb13-mod-null.log",
        DATA / "x86-6.1-kfence-uaf.log",
    ],
    ids=lambda p: p.name,
)
def test_a_logcat_of_the_kernel_buffer_in_long_form_reads_as_the_log(
    log: Path, tmp_path: Path
) -> None:
    # logcat -v long (liblog android_log_formatLogLine(), FORMAT_LONG): each record's
    # "[ date pid:tid P/tag ]" line, its message on the next line, then an empty line.
    # Read through the CLI's path, the kernel's records give the log's reports; an app's
    # record amid them is no report and no part of one.
    from hotfence.triage.prefilter import triage_input

    console = log.read_text()
    app = "WARNING: CPU: 0 PID: 1 at services/Watchdog.java:123 run"
    logcat = _logcat(console, {"Call trace:": app, "Call Trace:": app}, "long")
    assert re.search(r"^\[ \S+ \S+ +0: +0 E/\w{1,7} +\]\n\S.*\n\n\[ ", logcat, re.M)
    (tmp_path / "logcat.txt").write_text("--------- beginning of kernel\n" + logcat)
    got = triage_input(str(tmp_path / "logcat.txt"))
    want = parse_log(console.encode())
    assert got.error is None and want
    assert [_facts(r) for r in got.reports] == [_facts(r) for r in want]
    assert not any(app in r.text for r in got.reports)


@pytest.mark.parametrize(
    "log",
    [
        DATA / "armhf-6.1.0-50-mod-null.log",
        DATA / "arm64-6.1.0-50-mod-bug.log",
        DATA / "arm64-6.1.0-50-mod-warn.log",
    ],
    ids=lambda p: p.name,
)
def test_a_logcat_of_a_vendor_prefixed_kernel_reads_as_the_log(log: Path) -> None:
    # A Qualcomm Android kernel prints each record's CPU and pid after its time (the
    # vendor printk.c print_cpu_id() "c%u ", print_pid() "%6u "); logd keeps them at the
    # start of the record's message, no tag taken from it: a Pixel 3 XL's (msm-4.9)
    # logcat -b all holds "09-03 18:57:12.974     0     0 I         : c2      1 init:
    # processing action ...". Its kernel's reports read as the console's.
    console = log.read_text()
    prefixed = re.sub(r"^(\[ *\d+\.\d+\]) ", r"\1 c0     85 ", console, flags=re.M)
    logcat = _logcat(prefixed, {})
    assert re.search(r"^\S+ \S+ +0 +0 E {9}: c0     85 \S", logcat, re.M)
    reps = _same_reports(console, logcat)
    assert all(r.frames and not r.corrupted for r in reps)


@pytest.mark.parametrize("case", ["313", "40", "683"])
def test_a_logcat_records_short_tag_still_starts_its_report(case: str) -> None:
    # "PANIC: double fault", "UBSAN: ...", "VFS: Busy inodes ...": logcat pads the tag
    # logd took from them ("PANIC   : double fault"), which the scan's needles still find
    console = syz_log(case)
    logcat = _logcat(console, {})
    assert re.search(r" 0 E (?:PANIC|UBSAN|VFS) +: ", logcat)
    assert [r.title for r in parse_log(logcat)] == [r.title for r in parse_log(console)]


@pytest.mark.parametrize(
    "log",
    [
        DATA / "x86-6.12.115-null-deref.log",
        DATA / "arm64-6.1.0-50-mod-warn.log",
        DATA / "ppc64le-6.1.0-50-hung-task.log",
        LAB / "gpf.log",
    ],
)
@pytest.mark.parametrize("burst", [4, 9])
def test_a_gce_serial_console_with_syslogs_copies_reads_as_the_console(
    log: Path, burst: int
) -> None:
    """The copies rsyslog writes to a GCE serial console come a little after printk's own
    lines: the copy of the crash's first line is that crash again, not a report that
    ends the first one. The console gives the plain log's reports, once."""
    text = log.read_text()
    reps = _same_reports(text, _gce_serial_console(text, burst))
    assert reps[0].frames


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet="ab \r\n", max_size=300),
    lo=st.integers(0, 320),
    span=st.integers(0, 320),
    width=st.integers(0, 40),
)
def test_a_wider_line_is_what_the_regex_finds(text: str, lo: int, span: int, width: int) -> None:
    # _terminal_cut measures the lines around a cut by splitting them; the window's
    # bounds cut lines as a search between them does (and may lie past the text's end)
    wider = re.compile(rf"[^\n]{{{width + 1}}}")
    hi = lo + span
    assert _wider_line(text, lo, hi, width) == (wider.search(text, lo, hi) is not None)


PSTORE = Path(__file__).parent / "data" / "pstore" / "6.1.0-56-amd64" / "sysfs-pstore"


def _pstore_parts(record: str, part_size: int, ramoops_header: bool) -> list[str]:
    """The records of a one-part pstore dmesg dump split the way pstore_dump()
    (fs/pstore/platform.c) writes a dump larger than its backend's record: each part is
    "<why>#<n> Part<m>" and as many of the *youngest* records not yet written as fit
    (kmsg_dump_get_buffer() fills from the end), so Part1 holds the dump's end. With
    ``ramoops_header`` each part keeps the "====<sec>.<usec>-<C|D>" line ramoops writes
    before it in its memory (fs/pstore/ram.c, ramoops_write_kmsg_hdr())."""
    head, _, body = record.partition("\n")
    why = head.split(" ")[0]
    lines = body.splitlines(keepends=True)
    parts: list[str] = []
    while lines:
        taken: list[str] = []
        while lines and sum(map(len, taken)) + len(lines[-1]) <= part_size:
            taken.insert(0, lines.pop())
        ram = f"====1795843262.{len(parts):06d}-D\n" if ramoops_header else ""
        parts.append(f"{ram}{why} Part{len(parts) + 1}\n" + "".join(taken))
    return parts


def _pstore_record_and_parts(tmp_path: Path, ramoops_header: bool) -> tuple[Report, list[str]]:
    """The recorded pstore dump's report, read whole, and the dump cut into parts of 1 KB
    (``_pstore_parts``), in record order: its panic header is not in the first."""
    record = (PSTORE / "dmesg-ramoops-0").read_text()
    (tmp_path / "one.txt").write_text(record)
    (want,) = triage_input(str(tmp_path / "one.txt")).reports
    parts = _pstore_parts(record, 1024, ramoops_header)
    assert len(parts) > 3 and "Kernel panic" not in parts[0]
    return want, parts


def _assert_the_whole_dump(path: Path, want: Report) -> None:
    """``path`` read on the CLI's path is the dump's one report, ``want``, all of it."""
    got = triage_input(str(path))
    assert got.error is None
    (rep,) = got.reports
    assert _facts(rep) == _facts(want), path.name
    assert len(rep.frames) == len(want.frames) > 10


@pytest.mark.parametrize("ramoops_header", [False, True])
def test_a_pstore_dump_of_several_parts_read_in_record_order_is_the_dump(
    ramoops_header: bool, tmp_path: Path
) -> None:
    # `cat /sys/fs/pstore/dmesg-ramoops-*` (or a bug report's attachment of it) gives a
    # dump's parts in record order, Part1 first: the dump's youngest records, then the
    # older ones. Read so, the panic's header (Part2 here) came after its own end.
    want, parts = _pstore_record_and_parts(tmp_path, ramoops_header)
    (tmp_path / "parts.txt").write_text("".join(parts))
    (tmp_path / "oldest-first.txt").write_text("".join(reversed(parts)))
    for name in ("parts.txt", "oldest-first.txt"):
        _assert_the_whole_dump(tmp_path / name, want)


def _tail_headers(parts: list[str]) -> str:
    """``parts`` as `tail -n +1 /sys/fs/pstore/dmesg-ramoops-*` prints them: coreutils
    tail (and head) write "==> NAME <==" before each file, after a blank line from the
    second file on (tail.c write_header())."""
    return "".join(
        f"{chr(10) if n else ''}==> /sys/fs/pstore/dmesg-ramoops-{n} <==\n{part}"
        for n, part in enumerate(parts)
    )


@pytest.mark.parametrize(
    "pasted",
    [
        pytest.param(lambda parts: "\n" + "".join(parts), id="blank-line-first"),
        pytest.param(
            lambda parts: "localhost ~ # cat /sys/fs/pstore/dmesg-ramoops-*\n" + "".join(parts),
            id="shell-command-first",
        ),
        pytest.param(_tail_headers, id="tail-file-headers"),
    ],
)
def test_a_pstore_dump_of_several_parts_pasted_after_a_preamble_is_the_dump(
    pasted: Callable[[list[str]], str], tmp_path: Path
) -> None:
    # A bug report pastes the parts in record order (Part1 first) under the command that
    # printed them, or after a blank line, or as tail/head print several files: the
    # parts are still one dump, its header first once they are put back.
    want, parts = _pstore_record_and_parts(tmp_path, False)
    (tmp_path / "pasted.txt").write_text(pasted(parts))
    _assert_the_whole_dump(tmp_path / "pasted.txt", want)


def test_stamped_lines_before_pstore_part_headers_keep_their_order(tmp_path: Path) -> None:
    # Part headers after kernel lines are a log quoting a dump, not a dump pasted whole:
    # the reader passes it on as it came.
    record = (PSTORE / "dmesg-ramoops-0").read_text()
    parts = _pstore_parts(record, 1024, False)
    data = ("[    1.000000] x\n" * 2 + "".join(parts)).encode()
    blocks = [data[i : i + 1000] for i in range(0, len(data), 1000)]
    assert b"".join(reader._pstore_parts(iter(blocks))) == data


@pytest.mark.parametrize("most", [None, 4096])
def test_pstore_parts_are_reordered_only_when_held_whole(
    most: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The reader holds a dump's parts (up to reader._PSTORE_MAX bytes) to put them back in
    # the order logged; an input larger than that is passed on as it came, every byte.
    record = (PSTORE / "dmesg-ramoops-0").read_text()
    parts = _pstore_parts(record, 1024, False)
    data = "".join(parts).encode()
    if most is not None:
        monkeypatch.setattr(reader, "_PSTORE_MAX", most)
    blocks = [data[i : i + 1000] for i in range(0, len(data), 1000)]
    got = b"".join(reader._pstore_parts(iter(blocks)))
    if most is None:
        assert got == "".join(reversed(parts)).encode()
    else:
        assert got == data


def test_two_boots_pstore_dumps_of_the_same_number_stay_two_dumps(tmp_path: Path) -> None:
    # pstore counts dumps from 1 at each boot: two boots' panics, each kept in parts, are
    # both "Panic#1". Each dump's parts are put back in order, the dumps are not mixed.
    first = (PSTORE / "dmesg-ramoops-0").read_text()
    console = (LAB / "sysrq-c.log").read_text(encoding="latin-1")
    kernel = [line for line in console.splitlines() if _PRINTK_TIME.match(line)]
    second = "Panic#1 Part1\n" + "".join(f"<4>{line}\n" for line in kernel)
    want = []
    for n, record in enumerate((first, second)):
        (tmp_path / f"{n}.txt").write_text(record)
        want += triage_input(str(tmp_path / f"{n}.txt")).reports
    assert len(want) == 2
    parts = _pstore_parts(first, 1024, False) + _pstore_parts(second, 1024, False)
    (tmp_path / "parts.txt").write_text("".join(parts))
    got = triage_input(str(tmp_path / "parts.txt")).reports
    assert [_facts(r) for r in got] == [_facts(r) for r in want]
    assert all(len(g.frames) == len(w.frames) for g, w in zip(got, want, strict=True))


def _pstore_dir(
    tmp_path: Path, stored: Callable[[str], bytes], suffix: str
) -> tuple[Report, Path, list[str]]:
    """The repo's ramoops record's report read alone, and a pstore directory of that
    record's parts, each as ``stored`` keeps it in "dmesg-ramoops-<n><suffix>"."""
    record = (PSTORE / "dmesg-ramoops-0").read_text()
    (tmp_path / "one.txt").write_text(record)
    (want,) = triage_input(str(tmp_path / "one.txt")).reports
    parts = _pstore_parts(record, 1024, False)
    pstore = tmp_path / "pstore"
    pstore.mkdir()
    for n, part in enumerate(parts):
        (pstore / f"dmesg-ramoops-{n}{suffix}").write_bytes(stored(part))
    return want, pstore, parts


def test_a_pstore_directory_reads_a_dumps_record_files_as_one_dump(tmp_path: Path) -> None:
    # pstorefs shows each part of a dump as a record file of its own, "dmesg-<backend>-
    # <id>" (fs/pstore/inode.c): read one by one, the part with the panic's header has
    # no trace and the part after it a trace without its panic. Read as one dump, the
    # directory gives the panic the one-part record gives; its other records stay apart.
    want, pstore, parts = _pstore_dir(tmp_path, lambda part: part.encode(), "")
    (pstore / "console-ramoops-0").write_text((LAB / "sysrq-c.log").read_text(encoding="latin-1"))
    results = triage_paths([str(pstore)])
    assert [r.path for r in results] == [
        str(pstore / "console-ramoops-0"),
        str(pstore / f"dmesg-ramoops-{{0..{len(parts) - 1}}}"),
    ]
    (rep,) = list(results[1].reports)
    assert results[1].error is None
    assert _facts(rep) == _facts(want)
    assert len(rep.frames) == len(want.frames) > 10
    assert len(list(results[0].reports)) == 1


def test_a_pstore_directory_of_records_left_compressed_reads_as_one_dump(tmp_path: Path) -> None:
    # A kernel without pstore's decompressor shows each part as it was stored, raw
    # deflate since 6.5 (fs/pstore/platform.c pstore_compress(): Z_DEFAULT_COMPRESSION,
    # -MAX_WBITS, DEF_MEM_LEVEL), named "dmesg-<backend>-<id>.enc.z" (fs/pstore/inode.c):
    # the parts are read as one dump all the same.
    import zlib

    def deflated(part: str) -> bytes:
        deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS, 8)
        return deflate.compress(part.encode()) + deflate.flush()

    want, pstore, parts = _pstore_dir(tmp_path, deflated, ".enc.z")
    results = triage_paths([str(pstore)])
    assert [r.path for r in results] == [str(pstore / f"dmesg-ramoops-{{0..{len(parts) - 1}}}")]
    (rep,) = list(results[0].reports)
    assert results[0].error is None
    assert _facts(rep) == _facts(want)
    assert len(rep.frames) == len(want.frames) > 10


def _dmesg_delta(text: str, ctime: bool) -> str:
    """``text`` as util-linux dmesg prints it with --time-format=delta (print_record(),
    DMESG_TIMEFTM_DELTA: "[<%12.06f>] ", the seconds since the previous record), or with
    ``ctime`` as -T -d (DMESG_TIMEFTM_CTIME_DELTA: "[%s <%12.06f>] ", the wall time by
    record_ctime()'s "%a %b %e %H:%M:%S %Y" first)."""
    out, last = [], None
    for m in _PRINTK_TIME.finditer(text):
        t = float(m.group(1))
        delta = 0.0 if last is None else t - last
        last = t
        wall = f"Fri Nov 27 05:{31 + int(t) // 60:02d}:{int(t) % 60:02d} 2026 " if ctime else ""
        out.append(f"[{wall}<{delta:12.06f}>] {text[m.end() : text.index(chr(10), m.end())]}\n")
    return "".join(out)


@pytest.mark.parametrize("ctime", [False, True], ids=["delta", "ctime-delta"])
@pytest.mark.parametrize(
    "log",
    [
        DATA / "x86-6.12.115-null-deref.log",
        DATA / "arm64-6.1.0-50-mod-warn.log",
        DATA / "ppc64le-6.1.0-50-mod-bug.log",
        LAB / "hung-task.log",
    ],
    ids=lambda p: p.name,
)
def test_dmesg_delta_time_lines_read_as_the_console_log(log: Path, ctime: bool) -> None:
    console = "".join(m.group(0) for m in re.finditer(r"(?m)^\[ *\d+\.\d+\] .*\n", log.read_text()))
    _same_reports(console, _dmesg_delta(console, ctime))


# Kata Containers runs each pod in a VM and, with debug on, streams the guest's console
# into the runtime's own log: src/runtime/virtcontainers/sandbox.go (the console watcher
# startVM() starts) logs every console line as a logrus field, WithFields(
# "console-protocol", "console-url", "sandbox", "vmconsole": text).Debug("reading guest
# console"). logrus's TextFormatter (text_formatter.go) writes time, level and msg first,
# then the fields sorted by key, and a value with any byte outside [A-Za-z0-9-._/@^+] as
# Go's %q (strconv.Quote: \" \\ \t and \x.. escapes). The shim logs to the journal as
# "kata" (kata's Developer-Guide.md: journalctl -t kata).
_KATA_SANDBOX = "b7d3dab4442907201781cd1d77e5abf2d1c07699d3108b8ea5f06cf456db06b7"


def _go_quoted(text: str) -> str:
    """``text`` as Go's %q writes it (the escapes a kernel line can need)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\t", "\\t").replace("\n", "\\n")
    return '"' + re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", lambda m: f"\\x{ord(m[0]):02x}", escaped) + '"'


def _kata_record(n: int, level: str, msg: str, fields: dict[str, str]) -> str:
    values = {"name": "containerd-shim-v2", "pid": "46036", **fields}
    head = [f'time="2022-01-19T21:11:37.{n:09d}+08:00"', f"level={level}", f"msg={_go_quoted(msg)}"]
    plain = re.compile(r"[A-Za-z0-9\-._/@^+]+")
    return " ".join(
        [
            *head,
            *(
                f"{k}={v if plain.fullmatch(v) else _go_quoted(v)}"
                for k, v in sorted(values.items())
            ),
        ]
    )


def _kata_log(console: list[str], journal: bool) -> str:
    """The runtime's log of a sandbox whose guest printed ``console``: its own records
    around the console's, some quoting the kernel's words, and the guest agent's JSON
    lines on the same console."""
    sandbox = {"sandbox": _KATA_SANDBOX, "source": "virtcontainers", "subsystem": "sandbox"}
    watcher = {
        "console-protocol": "unix",
        "console-url": f"/run/vc/vm/{_KATA_SANDBOX}/console.sock",
        **sandbox,
    }
    agent = '{"msg":"announce","level":"INFO","name":"kata-agent","source":"agent","pid":"1"}'
    records = [
        _kata_record(0, "info", "VM started", sandbox),
        *(
            _kata_record(i + 1, "debug", "reading guest console", {**watcher, "vmconsole": line})
            for i, line in enumerate([agent, *console])
        ),
        _kata_record(
            len(console) + 2, "error", "BUG: kernel NULL pointer dereference seen", sandbox
        ),
        _kata_record(len(console) + 3, "info", "console watcher quits", sandbox),
    ]
    prefix = "Jan 19 21:11:37 node-29 kata[46036]: " if journal else ""
    return "".join(f"{prefix}{record}\n" for record in records)


def _kata_proxy_log(console: list[str]) -> str:
    """Kata 1.x's kata-proxy journal of a guest that printed ``console``: proxy.go's
    printAgentLogs() logs each line of the guest's console socket (the kernel's and the
    agent's) as Infof("%s\\n", line) with name=kata-proxy, pid and source=agent, the line
    the record's msg; the proxy's own records say source=proxy."""
    proxy = {"name": "kata-proxy", "pid": "6933"}
    agent = 'time="2018-05-17T21:06:34Z" level=info msg=announce name=kata-agent pid=1 source=agent'
    records = [
        _kata_record(0, "info", "announce", {**proxy, "source": "proxy", "debug": "true"}),
        *(
            _kata_record(i + 1, "info", f"{line}\n", {**proxy, "source": "agent"})
            for i, line in enumerate([agent, *console])
        ),
        _kata_record(len(console) + 2, "fatal", "Kernel panic - not syncing: seen", proxy),
    ]
    return "".join(f"May 17 17:06:34 host kata-proxy[6933]: {record}\n" for record in records)


@pytest.mark.parametrize("journal", [False, True], ids=["shim-log", "journal"])
@pytest.mark.parametrize(
    "log",
    [
        DATA / "x86-6.12.115-null-deref.log",
        LAB / "hung-task.log",
        DATA / "x86-6.1-soft-lockup.log",
        DATA / "x86-6.1-do-irq-near-stack-overflow.log",
    ],
    ids=lambda p: p.name,
)
def test_a_kata_guests_console_in_the_runtimes_log_reads_as_the_console(
    log: Path, journal: bool
) -> None:
    """A Kata guest's oops, read from its runtime's log (or the journal's copy), gives
    the console's reports: whole (the header shapes, such as the stack overflow's, hold
    for the unquoted line, not the Go-quoted field), with their tasks and traces, the
    same on the streamed path; the runtime's own records are no reports."""
    console = log.read_text()
    wrapped = _kata_log(console.splitlines(), journal)
    assert '\\"' in wrapped  # the quotes a kernel line holds come escaped
    want = _same_reports(console, wrapped)
    streamed = triage_blocks(line_blocks([wrapped.encode()], ReadLimits()))
    assert [_facts(r) for r in streamed] == [_facts(r) for r in want]
    assert not parse_log(_kata_log([], journal).encode())


@pytest.mark.parametrize(
    "log",
    [DATA / "x86-6.12.115-null-deref.log", DATA / "x86-6.1-do-irq-near-stack-overflow.log"],
    ids=lambda p: p.name,
)
def test_a_kata_1_x_proxys_log_of_the_guests_console_reads_as_the_console(log: Path) -> None:
    """Kata 1.x carried the guest's console through kata-proxy, whose journal holds each
    console line as a record's msg (source=agent): its oops reads as on the console, and
    the proxy's and the agent's own records are no reports."""
    console = log.read_text()
    wrapped = _kata_proxy_log(console.splitlines())
    want = _same_reports(console, wrapped)
    streamed = triage_blocks(line_blocks([wrapped.encode()], ReadLimits()))
    assert [_facts(r) for r in streamed] == [_facts(r) for r in want]
    assert not parse_log(_kata_proxy_log([]).encode())


# The crash lab's panics, and the line of each log crash's "sys" quotes as the panic:
# the panic() message, or for an oops the die() line (crash task.c get_panicmsg()).
_PANIC_QUOTED = {
    "sysrq-c.log": "Kernel panic - not syncing: sysrq triggered crash",
    "hung-task.log": "Kernel panic - not syncing: hung_task: blocked tasks",
    "panic.log": "Kernel panic - not syncing: hotfence_crash: panic requested by sh",
    "null-deref.log": "Oops: 0000 [#1] PREEMPT SMP NOPTI",
    "netns.log": "Oops: 0000 [#1] PREEMPT SMP NOPTI",
}


def _crash_sys(console: str, quoted: str, shape: str) -> str:
    """crash's ``sys`` of the core the log's kernel left (crash kernel.c
    display_sys_stats(): the fields right-aligned to "LOAD AVERAGE:", then
    ``"       PANIC: "`` and the panic message in double quotes; an oops's with
    " (check log for details)" after it). crash 4.x quoted the log's line with its
    printk time: "[   57.879776] Oops: 0002 [#1] SMP "."""
    banner = re.search(r"Linux version (\S+) .*?(#\d+ .*)$", console, re.M)
    assert banner is not None
    panic = quoted
    if shape == "crash 4.x":
        stamp = re.search(r"^(\[ *\d+\.\d+\] )" + re.escape(quoted), console, re.M)
        assert stamp is not None
        panic = stamp.group(1) + quoted + " "
    note = " (check log for details)" if quoted.startswith("Oops: ") else ""
    return (
        "crash> sys\n"
        "      KERNEL: /usr/lib/debug/boot/vmlinux-" + banner.group(1) + "\n"
        "    DUMPFILE: /var/crash/202611271011/dump.202611271011  [PARTIAL DUMP]\n"
        "        CPUS: 1\n"
        "        DATE: Fri Nov 27 10:11:14 UTC 2026\n"
        "      UPTIME: 00:00:02\n"
        "LOAD AVERAGE: 0.00, 0.00, 0.00\n"
        "       TASKS: 61\n"
        "    NODENAME: guest\n"
        "     RELEASE: " + banner.group(1) + "\n"
        "     VERSION: " + banner.group(2) + "\n"
        "     MACHINE: x86_64  (2596 Mhz)\n"
        "      MEMORY: 255.9 MB\n"
        '       PANIC: "' + panic + '"' + note + "\n"
    )


@pytest.mark.parametrize("shape", ["crash 8.x", "crash 4.x"])
@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("name", sorted(_PANIC_QUOTED))
def test_crash_sys_pasted_with_the_log_reads_as_the_log(name: str, where: str, shape: str) -> None:
    # A kdump's report as users paste it: crash's "sys" of the core and the kernel's log
    # (vmcore-dmesg.txt, crash's "log"), either first. The PANIC field quotes one line of
    # that log: no report of its own, and its quotes no part of the report's title.
    console = (LAB / name).read_text()
    sys_block = _crash_sys(console, _PANIC_QUOTED[name], shape)
    pasted = sys_block + "crash> log\n" + console if where == "before" else console + sys_block
    _same_reports(console, pasted)


def _crash_session(
    console: str, quoted: str, warned: bool = False, shape: str = "crash 8.x"
) -> tuple[str, Report]:
    """What a user pastes of a crash session without the log: crash's banner ("sys",
    then the panic task's context: main.c main_loop() shows show_context()'s "PID:",
    "COMMAND:", "TASK:", "CPU:" and "STATE:" lines) and "bt" of that task (x86_64.c
    x86_64_back_trace_cmd(): task.c print_task_header()'s "PID: %-7ld  TASK: %lx  CPU:
    %-3s COMMAND: \"%s\"", then " #%d [%lx] %s at %lx" a frame, " [%s]" after a
    module's; ``warned``: crash's own warning about the task's registers under the
    header, "bt: WARNING: corrupt prstatus? pstate=0x20000000, but no user frame found",
    its command's name first). The stack crash walks is the log's trace from panic() on, under the
    kexec frames __crash_kexec() left; ``Report`` is the console log's of that panic
    (the panic() line on: a hung task's panic is khungtaskd's), whose facts the
    session must give."""
    panic = re.search(r"^\[ *\d+\.\d+\] " + re.escape(quoted), console, re.M)
    assert panic is not None
    want = parse_log(console[panic.start() :])[0]
    assert want.comm is not None and want.pid is not None and want.cpu is not None
    own = [f for f in want.frames if not f.unreliable]
    names = [f.function for f in own]
    stack = [("machine_kexec", None), ("__crash_kexec", None)] + [
        (f.function, f.module) for f in own[names.index("panic") :]
    ]
    lines = [
        _crash_sys(console, quoted, shape).removeprefix("crash> sys\n"),
        f"         PID: {want.pid}\n",
        f'     COMMAND: "{want.comm}"\n',
        "        TASK: ffff8880061f2000  [THREAD_INFO: ffff8880061f2000]\n",
        f"         CPU: {want.cpu}\n",
        "       STATE: TASK_RUNNING (PANIC)\n",
        "\ncrash> bt\n",
        f'PID: {want.pid:<7}  TASK: ffff8880061f2000  CPU: {want.cpu:<3}  COMMAND: "{want.comm}"\n',
    ]
    if warned:
        lines.append("bt: WARNING: corrupt prstatus? pstate=0x20000000, but no user frame found\n")
    for n, (function, module) in enumerate(stack):
        where = f"ffffffff{0x81000000 + 0x1234 * n:08x}" + (f" [{module}]" if module else "")
        lines.append(
            f"{'#' + str(n):>3} [ffffc90000593{0xB58 + 0x10 * n:03x}] {function} at {where}\n"
        )
    return "".join(lines), want


# (crash 4.x's sys quotes the line with its printk time: the time is the quoted record's,
# and crash's own lines after it have none)
@pytest.mark.parametrize("shape", ["crash 8.x", "crash 4.x"])
@pytest.mark.parametrize("warned", [False, True])
@pytest.mark.parametrize("name", ["sysrq-c.log", "panic.log", "hung-task.log"])
def test_a_crash_session_pasted_without_the_log_gives_the_task_kernel_and_stack(
    name: str, warned: bool, shape: str
) -> None:
    # crash's own words are all the paste holds: the panic its "sys" quotes, the release
    # it names, the panic task's header and the frames of its "bt". crash's warning is
    # crash's, no kernel WARNING: one report.
    console = (LAB / name).read_text()
    session, want = _crash_session(console, _PANIC_QUOTED[name], warned, shape)
    (rep,) = parse_log(session)
    assert (rep.title, rep.corrupted) == (want.title, want.corrupted)
    assert (rep.comm, rep.pid, rep.cpu) == (want.comm, want.pid, want.cpu)
    assert rep.kernel_release == want.kernel_release
    bt = re.findall(r"^ *#\d+ \[[0-9a-f]+\] (\S+) at ", session, re.M)
    assert [f.function for f in rep.frames] == bt


def _crash_oops_session(console: str, quoted: str, shape: str) -> tuple[str, Report]:
    """A crash session of an oops's dump, no log with it: crash's "sys" quoting the oops's
    die() line (" (check log for details)" after it), then "bt" of the task that oopsed.
    crash walks from the kexec frames (kernel/crash_core.c __crash_kexec() calls
    machine_kexec(); arch/x86/kernel/dumpstack.c oops_end() calls crash_kexec() of an oops
    that panics) down to the page fault's (arch/x86/mm/fault.c page_fault_oops(),
    exc_page_fault(), asm_exc_page_fault); x86_64.c x86_64_exception_frame() names the
    function the fault interrupted, "    [exception RIP: %s+%ld]", over its registers;
    then the log's own trace. ``Report`` is the log's from the quoted line on (the
    header before it cut, as a paste from the "Oops:" line is), whose facts the session
    must give; without its "CR2:" lines, which the session does not hold (the fault's
    address that names a NULL pointer dereference, oopses.py)."""
    oops = re.search(r"^\[ *\d+\.\d+\] " + re.escape(quoted), console, re.M)
    assert oops is not None
    pasted = console[oops.start() :].split("\n")
    want = parse_log("\n".join(line for line in pasted if "CR2: " not in line))[0]
    assert want.rip is not None and want.pid is not None and want.cpu is not None
    path = ["machine_kexec", "__crash_kexec", "crash_kexec", "oops_end", "page_fault_oops"]
    path += ["exc_page_fault", "asm_exc_page_fault"]
    lines = [
        _crash_sys(console, quoted, shape),
        "\ncrash> bt\n",
        f'PID: {want.pid:<7}  TASK: ffff8880061f2000  CPU: {want.cpu:<3}  COMMAND: "{want.comm}"\n',
    ]
    for n, function in enumerate(path):
        lines.append(
            f" #{n} [ffffc90000593{0xB58 + 0x10 * n:03x}] {function} at ffffffff8106a4f3\n"
        )
    lines += [
        f"    [exception RIP: {want.rip.function}+23]\n",
        "    RIP: ffffffffc02b5017  RSP: ffffc90000593da0  RFLAGS: 00010206\n",
        "    RAX: 000000cd0162aa7d  RBX: 0000000000000000  RCX: 000000cd0162aa77\n",
        "    ORIG_RAX: ffffffffffffffff  CS: 0010  SS: 0018\n",
    ]
    for n, f in enumerate((f for f in want.frames if not f.unreliable), len(path)):
        where = "ffffffffc02b50da" + (f" [{f.module}]" if f.module else "")
        lines.append(
            f"{'#' + str(n):>3} [ffffc90000593{0xDA8 + 0x10 * n:03x}] {f.function} at {where}\n"
        )
    return "".join(lines), want


@pytest.mark.parametrize("shape", ["crash 8.x", "crash 4.x"])
@pytest.mark.parametrize("name", ["null-deref.log", "netns.log"])
def test_a_crash_session_of_an_oops_is_the_oops(name: str, shape: str) -> None:
    # The sys PANIC field quotes "Oops: 0000 [#1] ..." and is read as that line: one
    # report of the oops, titled as the bare "Oops:" line is (in the function crash names
    # as the exception's RIP), with the task of bt's header; no OpenZFS "PANIC: " report
    # of crash's field name, and none of the quote alone.
    console = (LAB / name).read_text()
    session, want = _crash_oops_session(console, _PANIC_QUOTED[name], shape)
    (rep,) = parse_log(session)
    assert (rep.title, rep.type, rep.corrupted) == (want.title, want.type, False)
    assert (rep.comm, rep.pid, rep.cpu) == (want.comm, want.pid, want.cpu)
    assert rep.kernel_release == want.kernel_release


def test_a_bare_header_above_other_stamped_lines_is_its_line_alone() -> None:
    """A header whose printk time a copy cut off reads on in the stamped lines after it
    (the paste-cut fixture: kernel/printk/printk.c print_time() stamps every line of the
    record alike). The recorded oops's header, its stamp cut, above the same boot's
    stamped lines from the kernel command line on (the header copied above the log, as a
    post's subject line is): those lines hold nothing of an oops, no task line,
    registers or trace, and are none of its report. The report is its line alone; the
    oops later in the log is reported as when it is alone."""
    text = (DATA / "x86-6.12.115-null-deref.log").read_text()
    (want,) = parse_log(text.encode())
    header = text[text.index("BUG: kernel NULL pointer") :].split("\n", 1)[0]
    boot = text[text.index("[    0.000000] Command line: ") :]
    first, oops = parse_log(f" {header}\n{boot}".encode())
    assert (first.start_line, first.end_line, first.text.strip()) == (1, 1, header)
    assert (first.pid, first.comm, first.kernel_release) == (None, None, None)
    assert _facts(oops) == _facts(want)
    assert oops.end_line - oops.start_line == want.end_line - want.start_line
    paste = text[text.index(header) :]
    (cut,) = parse_log(f" {paste}".encode())  # the paste-cut shape still reads on
    assert _facts(cut) == _facts(want)


# journalctl pipes its output through a pager: systemd's pager_open() (src/shared/
# pager.c) runs less with LESS="FRSXMK" unless $SYSTEMD_LESS says otherwise, and -S
# (--chop-long-lines) cuts a line wider than the terminal at its last column, where less
# puts its rscroll character, ">" by default (less optfunc.c opt_rscroll()). A journal
# copied from that screen, as users paste `journalctl -k -b -1` in forums and trackers,
# holds each long line's first columns and that ">": Fedora's and Raspberry Pi OS's
# journals in public issues end their "Modules linked in:" and "Code:" lines so.
_PAGER_MARK = ">"


def _paged_journal(console: str, columns: int, host: str = "web01") -> str:
    """``console``'s kernel records as ``journalctl -k`` prints them (journalctl(1)'s
    short mode: the wall-clock time "%b %d %H:%M:%S", the ``host``, "kernel: ", the text;
    a boot at a fixed time plus each record's printk time) on a terminal ``columns`` wide
    through its pager: a longer line cut to its first ``columns`` - 1 characters and
    less's mark."""
    booted = datetime.datetime(2024, 7, 27, 14, 0, 0)
    rows = []
    for m in _PRINTK_TIME.finditer(console):
        text = console[m.end() : console.find("\n", m.end())]
        wall = booted + datetime.timedelta(seconds=float(m.group(1)))
        row = f"{wall:%b %d %H:%M:%S} {host} kernel: {text}"
        if len(row) > columns:
            row = row[: columns - 1] + _PAGER_MARK
        rows.append(row)
    return "\n".join(rows) + "\n"


def _taint_letters(taint: str | None) -> frozenset[str]:
    """The flags of a taint as letters: print_tainted()'s block ("G           OE") and
    6.12's verbose line ("[O]=OOT_MODULE, [E]=UNSIGNED_MODULE", read as "OE") alike."""
    return frozenset(taint or "") - set(" -G")


# A task header the pager cut before its taint still names its task when a blank follows
# the name: "CPU: 1 PID: 1 Comm: init Tai>" (a name cut itself, "Comm: ini>", is no name)
_WHOLE_COMM_BEFORE_CUT = re.compile(r"PID: \d+ Comm: (\S+) .*>$", re.M)


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_a_journal_its_pager_cut_names_no_cut_fact_and_keeps_whole_ones(columns: int) -> None:
    # the task header "CPU: 0 PID: 117 Comm: sh Tainted: G           OE      6.1.0-56-amd64
    # #1 Debian ..." is long: the pager may cut it in its taint or its release. What the
    # cut left is no release ("6.1.0-56-") nor the taint ("G" of "G           OE"): a
    # report names a release its log's reports name, or none, and taint flags one of
    # the log's whole lines prints (6.12's "Tainted: [O]=OOT_MODULE, ..." among them).
    # No title holds the pager's mark (a panic's or a SLUB report's message cut short is
    # titled by what is left). A task named whole before the cut is the report's, and a
    # WARNING's or a hung task's title the same.
    checked = 0
    for path, console, want in _prefixed_real_logs():
        if not _PRINTK_TIME.search(console):
            continue
        releases = {r.kernel_release for r in want} | {None}
        taints = {_taint_letters(extract_taint(line)) for line in console.split("\n")}
        paged = _paged_journal(console, columns)
        got = parse_log(paged)
        assert {r.kernel_release for r in got} <= releases, path.name
        assert {_taint_letters(r.taint) for r in got if r.taint is not None} <= taints, path.name
        assert [r.title for r in got if _PAGER_MARK in r.title] == [], path.name
        if len(got) == len(want):  # (a report lost to the cut is another fact's to check)
            # (a task header of the report's own: the ppc64le RCU stall's task is in its
            # "current: 86 (sh)" line, which the cut took, though other reports' headers
            # name "sh" whole)
            comms = [
                (g.comm, w.comm)
                for g, w in zip(got, want, strict=True)
                if w.comm in _WHOLE_COMM_BEFORE_CUT.findall(g.text)
            ]
            assert [g for g, _ in comms] == [w for _, w in comms], path.name
            # a WARNING and a hung task are titled by their stack, whatever the cut left
            # of their first line; an entry whose caller the cut took is still one
            # ("hotfence_crash_do [hotfence_crash] from hotfence>"). (A powerpc hung
            # task's entries, "[sp] [pc] f+0x1/0x2", lose their function's name, or
            # show_stack()'s " (unreliable)" after the first one, to the cut: not here.)
            by_stack = [
                (g.title, w.title)
                for g, w in zip(got, want)
                if w.title.startswith("WARNING in ")
                or (w.title.startswith("INFO: task hung in ") and not path.name.startswith("ppc"))
            ]
            assert [g for g, _ in by_stack] == [w for _, w in by_stack], path.name
        checked += 1
    assert checked > 90


def test_a_warning_header_its_pager_cut_keeps_the_warnings_title() -> None:
    # __warn() (kernel/panic.c) prints "WARNING: CPU: %d PID: %d at %pS" (6.x: "at
    # %s:%d %pS", the file, line and function): with the journal's prefix before it the
    # pager cuts it in the file or the function. The title names the function the RIP
    # (or the trace) shows, as syzkaller's "WARNING in %[3]v" does from the stack: the
    # header need only say it is __warn()'s
    checked = 0
    for path, console, want in _prefixed_real_logs():
        for rep in want:
            header = console[rep.start : console.find("\n", rep.start)]
            at = header.find(" at ")
            if not rep.title.startswith("WARNING in ") or "WARNING: CPU: " not in header:
                continue
            for cut in (at + 4, at + 12, len(header) - 8):
                chopped = header[:cut] + _PAGER_MARK
                got = parse_log(console.replace(header, chopped, 1))
                assert rep.title in [r.title for r in got], (path.name, chopped)
            checked += 1
    assert checked > 10


@pytest.mark.parametrize(
    "log",
    [
        LAB / "softlockup.log",
        LAB / "hung-task.log",
        DATA / "x86-6.1-warn-then-panic.log",
        DATA / "arm64-6.1.0-50-mod-softlockup.log",
    ],
)
def test_a_syslog_file_bugzilla_wrapped_keeps_the_panic_in_its_report(log: Path) -> None:
    """/var/log/messages as rsyslog writes it (RSYSLOG_TraditionalFileFormat: "%b %d
    %H:%M:%S host kernel: " before each kernel line) pasted in a Bugzilla comment: the
    prefix pushes panic()'s "Kernel panic - not syncing: %s" (kernel/panic.c) past 79
    columns, and wrap_comment() cut it at the space after "syncing:", which it drops.
    The cut line is still the crash's own panic, no report of its own
    (oopses.REPORT_START_IGNORES): "kernel panic: softlockup: hung tasks" after the soft
    lockup, "panic_on_warn set" after the WARNING, as in the file unwrapped."""
    console = log.read_text(encoding="latin-1")
    messages = "\n".join(
        f"Mar 22 20:35:27 dixan kernel: {line}" if line else line for line in console.split("\n")
    )
    wrapped = _bugzilla_comment(messages)
    assert re.search(r"\] Kernel panic - not syncing:\n\S", wrapped), "no cut after the colon"
    want = parse_log(messages)
    assert len(want) == 1
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


def _bugzilla_syslog(console: str) -> tuple[str, str]:
    """``console`` as /var/log/messages (RSYSLOG_TraditionalFileFormat) and that file
    pasted in a Bugzilla comment (``_bugzilla_comment``)."""
    messages = "\n".join(
        f"Mar 22 20:35:27 dixan kernel: {line}" if line else line for line in console.split("\n")
    )
    return messages, _bugzilla_comment(messages)


@pytest.mark.parametrize(
    "name",
    [
        "x86-6.1-slub-redzone",
        "s390x-6.1.0-50-mod-slub-poison",
        "riscv64-6.12.117+deb13-mod-slub-poison",
        "riscv64-6.12.117+deb13-mod-slub-redzone",
    ],
)
def test_a_syslog_file_bugzilla_wrapped_keeps_its_slub_reports(name: str) -> None:
    """SLUB's "BUG %s (%s): %s" (mm/slub.c slab_bug()) after a syslog prefix and a printk
    time runs past 79 columns: Bugzilla's wrap cut it inside the taint's parentheses, and
    the row going on with the rest of the flags, the ")" and the problem is its rest. The
    report's own headers cut before the words that make them its own, print_track()'s
    "INFO: Allocated in" before "%pS age=...", object_err()'s 6.12 WARN cut after "at"
    before "mm/slub.c:1127 object_err+0x236/0x248", stay in the report."""
    messages, wrapped = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    assert re.search(r"\] BUG kmalloc-\d+ \(Tainted: [^)]*\n", wrapped)
    want = parse_log(messages)
    assert want[0].title.startswith("SLUB: ")
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize("name", ["x86-6.18.44-memcg-oom", "x86-6.18.44-pod-context"])
def test_a_syslog_file_bugzilla_wrapped_keeps_its_memcg_kill(name: str) -> None:
    """mm/oom_kill.c __oom_kill_process() (6.18): "%s: Killed process %d (%s) total-vm:..."
    with "Memory cgroup out of memory", after a syslog prefix and a printk time, is cut by
    Bugzilla's wrap right after the colon: the "Killed process" row alone was the kill,
    titled "out of memory" without the cgroup. The two rows are one kill line."""
    messages, wrapped = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    assert re.search(r"\] Memory cgroup out of memory:\nKilled process ", wrapped)
    want = parse_log(messages)
    assert want[0].title == "memory cgroup out of memory: killed process python3"
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


def _quoted_rows(text: str, quote: str) -> str:
    """``text`` quoted by a reply: ``quote`` (RFC 3676 4.5's ">" per level and a space,
    or ">> " as some clients nest it) before every row, a wrap's rows each alike."""
    return "\n".join(quote + row for row in text.split("\n"))


@pytest.mark.parametrize("quote", ["> ", ">> ", "> > "])
@pytest.mark.parametrize(
    ("name", "width", "cut"),
    [
        ("mips-4.19-oops", 72, "Unable to handle\n{q}kernel paging request"),
        ("i386-2.6-mce-context-corrupt", 73, "CPU 7: Machine Check\n{q}Exception:"),
        ("x86-6.6-hard-lockup-buddy", 76, "Watchdog detected\n{q}hard LOCKUP on cpu"),
        ("mipsel-6.1.0-50-irq-nobody-cared", 72, "irq 7: nobody cared (try\n{q}booting"),
        ("riscv64-6.12.117+deb13-kmemleak", 79, "(size\n{q}32):"),
    ],
)
def test_a_syslog_file_mail_wrapped_then_quoted_keeps_its_cut_headers(
    name: str, width: int, cut: str, quote: str
) -> None:
    """A /var/log/messages paste wrapped by the sender's mail client, quoted by a reply
    (every row after a ">" quote): a header the wrap cut before the words that make it
    one (4.19 arch/mips/mm/fault.c __do_page_fault()'s "CPU %d Unable to handle kernel
    paging request at ...", 2.6 mce.c print_mce()'s "CPU %d: Machine Check Exception:",
    6.6 kernel/watchdog.c's "Watchdog detected hard LOCKUP on cpu %d", kernel/irq/
    spurious.c __report_bad_irq()'s "irq %d: nobody cared (try booting with ...)",
    mm/kmemleak.c print_unreferenced()'s "unreferenced object 0x%08lx (size %zu):")
    goes on in a row quoted as it is: the two read as one line, without the row's quote,
    and the report is the log's."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    quoted = _quoted_rows(_bugzilla_comment(messages, width), quote)
    assert cut.format(q=quote) in quoted
    want = parse_log(messages)
    assert want
    assert [_flag_facts(r) for r in parse_log(quoted)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize("quote", ["> ", ">> ", "> > "])
def test_a_paste_begun_past_its_printk_time_quoted_by_a_reply_is_one_report(
    quote: str,
) -> None:
    """A copy begun past the header's printk time (kernel/printk/printk.c print_time()
    stamps every line of a record alike: " BUG: kernel NULL pointer dereference, ..."
    bare, "[    4.883958] #PF: ..." after it) quoted by a reply, RFC 3676 4.5's ">" per
    level before every row: the quote is no prefix of the bare header, which still takes
    the stamped lines' stream. One report, the log's, not a bare "in corrupted" one and
    the die line's."""
    console = (DATA / "x86-6.12.115-null-deref-paste-cut.log").read_text(encoding="latin-1")
    quoted = _quoted_rows(console, quote)
    assert quoted.startswith(f"{quote} BUG: kernel NULL pointer dereference, address:")
    want = [_flag_facts(r) for r in parse_log(console)]
    assert len(want) == 1
    assert [_flag_facts(r) for r in parse_log(quoted)] == want


@pytest.mark.parametrize("quote", ["", "> ", "> > "])
@pytest.mark.parametrize("width", [72, 79])
def test_a_kmemleak_header_a_wrap_cut_is_found_by_the_cli(width: int, quote: str) -> None:
    """mm/kmemleak.c print_unreferenced() (6.12): "unreferenced object 0x%08lx (size
    %zu):" after a syslog prefix, cut by a mail client's or Bugzilla's wrap before "32):"
    or "(size 32):"
    (and quoted by a reply, or not): the needle's row alone is no header, and no other
    line of a leak is one. The CLI's path (prefilter) parses around it all the same: both
    leaks, as parse_log and the unwrapped log have them."""
    console = (DATA / "riscv64-6.12.117+deb13-kmemleak.log").read_text(encoding="latin-1")
    messages, _ = _bugzilla_syslog(console)
    wrapped = _quoted_rows(_bugzilla_comment(messages, width), quote)
    assert re.search(rf"\n{re.escape(quote)}(?:\(size )?32\):\n", wrapped)
    want = [_flag_facts(r) for r in parse_log(messages)]
    assert len(want) == 2
    streamed = triage_blocks(line_blocks([wrapped.encode()], ReadLimits()))
    assert [_flag_facts(r) for r in streamed] == want


@pytest.mark.parametrize("quote", ["> ", ">> ", "> > "])
@pytest.mark.parametrize(
    ("name", "width", "cut"),
    [
        ("x86-6.18.44-memcg-oom", 72, "] python3 invoked\n{q}oom-killer: gfp_mask="),
        ("x86-6.18.44-pod-context", 73, "Memory cgroup out of\n{q}memory: Killed process"),
        ("x86-6.18.44-ext4-remount-ro", 73, "Memory cgroup out of\n{q}memory: Killed process"),
    ],
)
def test_a_syslog_file_mail_wrapped_then_quoted_keeps_its_oom_kill(
    name: str, width: int, cut: str, quote: str
) -> None:
    """6.x mm/oom_kill.c dump_header()'s "%s invoked oom-killer: gfp_mask=..." and
    __oom_kill_process()'s "%s: Killed process %d (%s) ..." with "Memory cgroup out of
    memory", cut by a mail client's wrap at 72-73 columns after a syslog prefix, then
    quoted by a reply: the rest's row starts with the quote, its words after it. The
    dump starts at the "invoked" row (its task header, "Comm: python3", in it) and the
    kill is the memcg's, as in the log."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    quoted = _quoted_rows(_bugzilla_comment(messages, width), quote)
    assert cut.format(q=quote) in quoted
    want = parse_log(messages)
    assert want[0].title == "memory cgroup out of memory: killed process python3"
    assert [_flag_facts(r) for r in parse_log(quoted)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize(
    "name",
    [
        "arm64-6.1.0-50-oom",
        "armhf-6.1.0-50-oom",
        "i386-6.1.0-50-oom",
        "mips64el-6.1.0-50-oom",
        "mipsel-6.1.0-50-oom",
        "ppc64le-6.1.0-50-oom",
        "riscv64-6.12.117+deb13-oom",
        "s390x-6.1.0-50-oom",
    ],
)
def test_a_syslog_file_mail_wrapped_keeps_its_oom_kill(name: str) -> None:
    """mm/oom_kill.c __oom_kill_process() (6.1, 6.12): "%s: Killed process %d (%s)
    total-vm:..." with "Out of memory", after a syslog prefix and a printk time, is cut
    by a mail client's wrap at 73 columns after "Killed": no row held "Killed process"
    and the "(comm)" both, and the kill had no report. The two rows are one kill line."""
    console = (DATA / f"{name}.log").read_text(encoding="latin-1")
    messages, _ = _bugzilla_syslog(console)
    wrapped = _bugzilla_comment(messages, 73)
    assert re.search(r"\] Out of memory: Killed\nprocess \d+ \(", wrapped)
    want = parse_log(messages)
    assert [r.type for r in want] == ["OOM-KILL"]
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize(
    "name", ["x86-6.18.44-memcg-oom", "x86-6.18.44-pod-context", "x86-6.18.44-ext4-remount-ro"]
)
def test_a_syslog_file_mail_wrapped_keeps_its_memcg_kill(name: str) -> None:
    """mm/oom_kill.c __oom_kill_process() (6.18): "%s: Killed process %d (%s) total-vm:..."
    with "Memory cgroup out of memory", after a syslog prefix and a printk time, is cut by
    a mail client's wrap at 73 columns inside that message: "Memory cgroup out of" then
    "memory: Killed process 25482 (python3) ...". The row alone was the kill, titled "out
    of memory" without the cgroup. The two rows are one kill line."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _bugzilla_comment(messages, 73)
    assert re.search(r"\] Memory cgroup out of\nmemory: Killed process ", wrapped)
    want = parse_log(messages)
    assert want[-1].title == "memory cgroup out of memory: killed process python3"
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize(
    "name", ["mips-4.19-oops", "mipsel-6.1.0-50-mod-null", "mips64el-6.1.0-50-mod-null"]
)
def test_a_syslog_file_mail_wrapped_keeps_its_mips_paging_request(name: str) -> None:
    """MIPS's "CPU %d Unable to handle kernel paging request at virtual address %0*lx,
    epc == %0*lx, ra == %0*lx" (arch/mips/mm/fault.c __do_page_fault(), 4.19 and 6.1),
    after a syslog prefix and a printk time, is cut by a mail client's wrap at 73 columns
    after "handle": no row held "Unable to handle kernel", and the report was die()'s
    "Oops in ...". The row going on "kernel paging request at ..." is its rest."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _bugzilla_comment(messages, 73)
    assert re.search(r"\] CPU 0 Unable to handle\nkernel paging request at ", wrapped)
    want = parse_log(messages)
    assert want[0].title.startswith("BUG: unable to handle kernel paging request in ")
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize("name", ["i386-2.6-mce-context-corrupt", "rhel6-mce-fatal"])
def test_a_syslog_file_mail_wrapped_keeps_its_machine_check(name: str) -> None:
    """2.6's "CPU %d: Machine Check Exception: ..." (i386 k7_machine_check(), RHEL 6's
    print_mce()), after a syslog prefix and a printk time, is cut by a mail client's wrap
    at 73 columns after "Check": no row held "Machine Check Exception", and the report
    was the panic after it ("kernel panic: CPU context corrupt", corrupted). The row
    going on "Exception: ..." is its rest: the machine check keeps its title and CPU."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _bugzilla_comment(messages, 73)
    assert re.search(r"\] CPU 7: Machine Check\nException: ", wrapped)
    want = parse_log(messages)
    assert want[0].title.startswith("MCE: machine check in bank")
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize(
    ("name", "cut"),
    [
        ("s390x-6.1.0-50-mod-slub-poison", r"\] task:init {11}\nstate:R "),
        ("armhf-6.1.0-50-mod-slub-poison", r"\] {4}\nhandle_softirqs\+"),
    ],
)
def test_a_syslog_file_mail_wrapped_in_a_run_of_blanks_keeps_its_lines(name: str, cut: str) -> None:
    """A mail client's wrap at 73 columns, after a syslog prefix and a printk time, that
    falls in a run of blanks keeps all but the one it dropped on the cut row: 6.1
    sched_show_task()'s "task:%-15.15s state:%c ..." (kernel/sched/core.c) goes on
    "state:R  running task ..." after "task:init" and 11 blanks, an object's free path
    entry (6.1 mm/slab_common.c kmem_dump_obj(): "    %pS") goes on
    "handle_softirqs+0x114/0x32c" after its indent. Those blanks were part of the row's
    width: the rows are one line, the stalled task keeps its comm and pid, the oops
    after the register dump its trace."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _bugzilla_comment(messages, 73)
    assert re.search(cut, wrapped)
    want = parse_log(messages)
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize(
    "name", ["x86-6.18.44-memcg-oom", "x86-6.18.44-pod-context", "x86-6.18.44-ext4-remount-ro"]
)
def test_a_syslog_file_mail_wrapped_after_invoked_keeps_the_oom_dump(name: str) -> None:
    """mm/oom_kill.c dump_header() (6.18): "%s invoked oom-killer: gfp_mask=..." after a
    syslog prefix and a printk time, cut by a mail client's wrap at 72 columns after
    "invoked": the row "oom-killer: gfp_mask=..." held the dump's start, with no prefix,
    and the kill's report read the unprefixed rows alone, its task header's comm lost.
    The dump starts at the prefixed row, "python3 invoked"."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _bugzilla_comment(messages, 72)
    assert re.search(r"\] python3 invoked\noom-killer: gfp_mask=", wrapped)
    want = parse_log(messages)
    assert want[-1].comm == "python3"
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


def test_a_syslog_file_mail_wrapped_before_a_blank_of_a_run_keeps_its_task() -> None:
    """6.1 sched_show_task() (kernel/sched/core.c) prints "task:%-15.15s state:%c" and
    pr_cont("  running task    "): after a syslog prefix and a printk time a wrap at 74
    columns cuts s390x's RCU stall's task dump at the first of the two blanks after
    "state:R", 73 wide, and the next row starts with the other, " running task ...". The
    rows of the wrap's width around went on so: the row is the line's rest, and the
    stall keeps its task's comm and pid. The same rows in a log where rows of that width
    end lines are not joined."""
    console = (DATA / "s390x-6.1.0-50-mod-slub-poison.log").read_text(encoding="latin-1")
    messages, _ = _bugzilla_syslog(console)
    wrapped = _bugzilla_comment(messages, 74)
    assert re.search(r"\] task:init {12}state:R\n running task ", wrapped)
    want = parse_log(messages)
    assert ("init", 1) in [(r.comm, r.pid) for r in want]
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]
    # a line of 77 columns around, with blanks a wrap at 74 would have broken at: the
    # rows are no such wrap's, and a row starting with a blank a line of its own
    wide = "] Task dump for CPU 0:\nMar 22 20:35:27 dixan kernel: " + "a " * 23 + "b\n"
    unwrapped = wrapped.replace("] Task dump for CPU 0:\n", wide)
    assert unwrapped != wrapped
    stalls = [r for r in parse_log(unwrapped) if r.title.startswith("INFO: rcu detected stall")]
    assert stalls and all(r.comm is None for r in stalls)


@pytest.mark.parametrize("columns", [72, 73])
def test_a_console_log_mail_wrapped_after_blanks_of_a_run_keeps_its_task(columns: int) -> None:
    """The same task dump in the console log (a printk time alone) mailed at 72 or 73
    columns: "task:init            state:R  running task     stack:0   " ends with the
    first blanks of 6.1 sched_show_task()'s " stack:%-5lu pid:%-5d" padding, as wide as
    the wrap, and the next row starts with the rest of them, " pid:1     ppid:0 ...". The
    row ending in blanks is cut there as one ending in a word is."""
    console = (DATA / "s390x-6.1.0-50-mod-slub-poison.log").read_text(encoding="latin-1")
    wrapped = _bugzilla_comment(console, columns)
    assert re.search(r"\] task:init .* stack:0 +\n +pid:1 ", wrapped)
    want = parse_log(console)
    assert ("init", 1) in [(r.comm, r.pid) for r in want]
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


def test_a_syslog_file_mail_wrapped_keeps_its_late_paca_backtrace() -> None:
    """powerpc raise_backtrace_ipi() (arch/powerpc/kernel/stacktrace.c, 6.1) prints "CPU
    %d didn't respond to backtrace IPI, inspecting paca." and the stalled CPU's stack 48 s
    after the RCU stall's "Sending NMI from CPU 0 to CPUs 1:" here. After a syslog prefix
    and a printk time a mail client's wrap at 73 columns cuts it after "to": the row no
    longer held "didn't respond to backtrace", the pause ended the stall's report there,
    and it was titled "in corrupted" with no task. The row still goes on with it."""
    console = (DATA / "ppc64le-6.1.0-50-mod-hardlockup.log").read_text(encoding="latin-1")
    messages, _ = _bugzilla_syslog(console)
    wrapped = _bugzilla_comment(messages, 73)
    assert re.search(r"\] CPU 1 didn't respond to\nbacktrace IPI", wrapped)
    want = parse_log(messages)
    assert "INFO: rcu detected stall in proc_reg_write" in [r.title for r in want]
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


def test_a_syslog_file_bugzilla_wrapped_keeps_its_cfi_failure() -> None:
    """kernel/cfi.c report_cfi_failure() (6.1): "CFI failure at %pS (target: %pS; expected
    type: 0x%08x)", after a syslog prefix and a printk time, is cut by Bugzilla's wrap
    right after "at": the line no longer held the header's "at ", and the report was the
    WARN after it. The cut line is the header, its function in the row after."""
    console = (DATA / "arm64-6.1-cfi-failure.log").read_text(encoding="latin-1")
    messages, wrapped = _bugzilla_syslog(console)
    assert re.search(r"\] CFI failure at\nbpf_dispatcher_xdp_func\+", wrapped)
    want = parse_log(messages)
    assert want[0].title == "CFI failure in bpf_dispatcher_xdp_func"
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


def test_a_syslog_file_bugzilla_wrapped_keeps_its_rhel6_machine_check() -> None:
    """RHEL 6's print_mce() (arch/x86/kernel/cpu/mcheck/mce.c, 2.6.32): "CPU %d: Machine
    Check Exception: %16Lx Bank %d: %016Lx", the MCG status padded to 16 columns. After a
    syslog prefix and a printk time Bugzilla's wrap cut it in that padding: the row going
    on with the rest of the blanks, the status and its bank is its rest, and the machine
    check keeps its title, type and CPU (not "kernel panic: Fatal machine check")."""
    console = (DATA / "rhel6-mce-fatal.log").read_text(encoding="latin-1")
    messages, wrapped = _bugzilla_syslog(console)
    assert re.search(r"Machine Check Exception: +\n +5 Bank 4: ", wrapped)
    want = parse_log(messages)
    assert want[0].title.startswith("MCE: machine check in bank")
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


def test_a_syslog_file_bugzilla_wrapped_keeps_its_arm_3x_release() -> None:
    """32-bit ARM's 3.4 header, "CPU: %d    %s  (%s %.*s)" (arch/arm/kernel/process.c
    __show_regs(): print_tainted(), then the release and "#N"), after a syslog prefix and
    a printk time is cut by Bugzilla's wrap in the taint's run of blanks: the row going on
    with the rest of the flags and "(3.4.0-g8c1e2d4 #1)" is its rest, release and all."""
    messages, wrapped = _bugzilla_syslog((DATA / "arm-3.4-oops.log").read_text(encoding="latin-1"))
    assert re.search(r"\] CPU: 1    Tainted: G +\nO  \(3\.4\.0-g8c1e2d4 #1\)", wrapped)
    want = parse_log(messages)
    assert want[0].kernel_release == "3.4.0-g8c1e2d4"
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize(
    ("name", "cut"),
    [
        # 6.6 kernel/watchdog.c watchdog_hardlockup_check(): "Watchdog detected hard LOCKUP
        # on cpu %d", then the buddy CPU's NMI backtrace of the locked one
        ("x86-6.6-hard-lockup-buddy", r"\] watchdog: Watchdog detected hard\nLOCKUP on cpu 3\n"),
        # 6.6 arch/x86/kernel/cpu/mce/core.c __print_mce(): "CPU %d: Machine Check%s: %Lx
        # Bank %d: %016Lx" after its HW_ERR "mce: [Hardware Error]: "
        ("x86-mce-fatal", r"\] mce: \[Hardware Error\]: CPU 7:\nMachine Check Exception: "),
        # 6.1 arch/powerpc/kernel/watchdog.c watchdog_timer_interrupt(): "CPU %d
        # self-detected hard LOCKUP @ %pS"
        ("ppc64le-6.1.0-50-mod-hardlockup", r"\] watchdog: CPU 1 self-detected hard\nLOCKUP @ "),
        # powerpc die()'s "Oops: %s, sig: %ld [#%d]" after report_bug()'s "kernel BUG at":
        # one report, its header the BUG's, cut so or whole
        ("ppc64le-6.1.0-50-mod-bug", r"\] Oops: Exception in kernel mode,\nsig: 5 \[#1\]\n"),
    ],
)
def test_a_syslog_file_bugzilla_wrapped_before_its_headers_words_keeps_it(
    name: str, cut: str
) -> None:
    """A header after a syslog prefix and a printk time that Bugzilla's wrap cut before
    the words that make it a header: its first words on the prefixed row, the rest on a
    row of no prefix. The kernel printed one line, which starts the report: the locked
    CPU's, titled by its stuck function (not the panic's "kernel panic: Hard LOCKUP"),
    the machine check with the CPU its first words name."""
    messages, wrapped = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    assert re.search(cut, wrapped)
    want = parse_log(messages)
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


def test_a_syslog_file_bugzilla_wrapped_keeps_its_xfs_internal_error() -> None:
    """fs/xfs/xfs_error.c xfs_error_report() (6.1): "Internal error %s at line %d of file
    %s.  Caller %pS" after "XFS (loop0): ", a syslog prefix and a printk time: Bugzilla's
    wrap cut it right after "Internal error", dropping the blank, and the tag, line and
    caller go on in the next row. The line with its dump_stack() after it is still the
    report (it was none: no needle held the cut line)."""
    console = (DATA / "x86-6.1-xfs-internal-error-stack.log").read_text(encoding="latin-1")
    messages, wrapped = _bugzilla_syslog(console)
    assert re.search(r"\] XFS \(loop0\): Internal error\nxfs_trans_cancel at line ", wrapped)
    want = parse_log(messages)
    assert [r.title for r in want] == ["XFS: Internal error in xfs_trans_cancel"]
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize(
    "name",
    [
        "arm64-6.1.0-50-mod-stack-overflow",
        "riscv64-6.12.117+deb13-mod-stack-overflow",
        "armhf-6.1.0-50-mod-stack-overflow",
    ],
)
def test_a_syslog_file_bugzilla_wrapped_keeps_its_stack_overflows_registers(name: str) -> None:
    """arm64's panic_bad_stack() (6.1 arch/arm64/kernel/traps.c), riscv's and 32-bit ARM's
    handle_bad_stack() print "Insufficient stack space to handle exception!", the stacks'
    bounds and the registers ("pc : %pS", "epc : %pS") before the panic. After a syslog
    prefix and a printk time Bugzilla's wrap cut the header before "exception!", and the
    panic "kernel stack overflow" after "kernel": the report was the panic's alone, no
    RIP. The cut header starts it, and the cut panic, its rest in the next row, stays in
    it with its trace, as in the file unwrapped."""
    messages, wrapped = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    assert re.search(r"\] Insufficient stack space to handle\nexception!\n", wrapped)
    (want,) = parse_log(messages)
    assert want.rip is not None
    (got,) = parse_log(wrapped)
    assert _flag_facts(got) == _flag_facts(want)
    assert got.rip is not None and got.rip.function == want.rip.function
    assert messages.split("\n")[want.start_line - 1].endswith("exception!")
    assert wrapped.split("\n")[got.start_line - 1].endswith("to handle")


def test_a_syslog_file_bugzilla_wrapped_keeps_its_locked_cpu() -> None:
    """riscv's buddy detector (6.12 kernel/watchdog.c watchdog_hardlockup_check()) names
    the locked CPU in "Watchdog detected hard LOCKUP on cpu %d", and its NMI backtrace
    (an IPI on riscv) never came: the header is all that names the CPU. After a syslog
    prefix and a printk time Bugzilla's wrap cut it before "LOCKUP on cpu 0": the CPU
    is read from the header whole."""
    console = (DATA / "riscv64-6.12.117+deb13-mod-hardlockup.log").read_text(encoding="latin-1")
    messages, wrapped = _bugzilla_syslog(console)
    assert re.search(r"\] watchdog: Watchdog detected hard\nLOCKUP on cpu 0\n", wrapped)
    want = parse_log(messages)
    assert want[0].title.startswith("BUG: hard lockup in ") and want[0].cpu == 0
    got = parse_log(wrapped)
    assert [(r.title, r.type, r.cpu, r.pid) for r in got] == [
        (r.title, r.type, r.cpu, r.pid) for r in want
    ]


def test_a_syslog_file_wrapped_narrower_keeps_its_panic_in_the_lockup() -> None:
    """RHEL 7's hard lockup as /var/log/messages, wrapped at 73 columns (a mail client's
    width, Text::Wrap's rule): "NMI watchdog: Watchdog" / "detected hard LOCKUP on cpu
    5" starts the report at its prefixed row, and nmi_panic()'s "Kernel panic - not" /
    "syncing: Hard LOCKUP" (kernel/panic.c panic()) after it is the same crash's panic,
    read whole, not a report of its own that left the lockup "in corrupted"."""
    console = (DATA / "rhel7-hard-lockup-nmi-panic.log").read_text(encoding="latin-1")
    messages = "\n".join(
        f"Mar 22 20:35:27 dixan kernel: {line}" if line else line for line in console.split("\n")
    )
    wrapped = _bugzilla_comment(messages, 73)
    assert re.search(r"\] NMI watchdog: Watchdog\ndetected hard LOCKUP on cpu 5\n", wrapped)
    assert re.search(r"\] Kernel panic - not\nsyncing: Hard LOCKUP\n", wrapped)
    (want,) = parse_log(messages)
    (got,) = parse_log(wrapped)
    assert _flag_facts(got) == _flag_facts(want)
    assert got.start_line == 1


@pytest.mark.parametrize("columns", [70, 71])
def test_a_syslog_file_mail_wrapped_narrower_than_71_reads_as_the_file(columns: int) -> None:
    """/var/log/messages (RSYSLOG_TraditionalFileFormat's "%b %d %H:%M:%S host kernel: "
    and printk's time before every kernel line, 46 columns) wrapped by a mail client set
    narrower than the 71 columns a wrap's rest is otherwise read at (Text::Wrap at 70
    and 71: rows of at most 69 and 70): a line's first row holds 20-25 of its characters,
    and a rest's first word would often have fit in 71 ("... [ 2876.112041] watchdog:
    BUG: soft" then "lockup - CPU#1 stuck for 22s! ..."). The rows around show the
    wrap's width: every real log, so wrapped, gives the file's reports and facts."""
    checked = 0
    for path in sorted(DATA.glob("*.log")):
        messages, _ = _bugzilla_syslog(path.read_text(encoding="latin-1"))
        want = parse_log(messages)
        got = parse_log(_bugzilla_comment(messages, columns))
        assert [_flag_facts(r) for r in got] == [_flag_facts(r) for r in want], path.name
        checked += 1
    assert checked > 140


def test_a_syslog_file_with_a_wider_row_is_no_narrow_wrap() -> None:
    """The soft lockup's file wrapped at 70 columns reads as the file; with a row of 77
    columns and blanks among the rows (a line a wrap at 70 would have cut), the rows are
    no such wrap's, and "watchdog: BUG: soft" is left a line of its own."""
    console = (DATA / "x86-6.1-soft-lockup.log").read_text(encoding="latin-1")
    messages, _ = _bugzilla_syslog(console)
    wrapped = _bugzilla_comment(messages, 71)
    assert re.search(r"\] watchdog: BUG: soft\nlockup - CPU#1 ", wrapped)
    want = parse_log(messages)
    assert want[0].title == "BUG: soft lockup in mydrv_wait_ready"
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]
    wide = wrapped.replace("\n04/01/2014\n", "\n04/01/2014 " + "a " * 33 + "b\n")
    assert wide != wrapped
    assert parse_log(wide)[0].title != want[0].title


@pytest.mark.parametrize(
    ("name", "columns", "cut"),
    [
        ("riscv64-6.12.117+deb13-kmemleak", 67, r"kernel: unreferenced object\n0x"),
        ("riscv64-6.12.117+deb13-kmemleak", 68, r"kernel: unreferenced object\n0x"),
        ("ppc64-rhel7-elfv1-oops", 68, r"\] Unable to handle\nkernel paging request "),
        ("s390x-5.10-oops", 66, r"\] Unable to handle\nkernel pointer dereference "),
    ],
)
def test_a_syslog_file_wrapped_narrower_than_71_streams_as_the_file(
    name: str, columns: int, cut: str, tmp_path: Path
) -> None:
    """The prefilter reads a needle's row that matches no header with the row after it
    when a wrap cut the header there: below 71 columns only the rows around show the
    wrap (extract._narrow_cut), so the row is read again with them. 6.12 mm/kmemleak.c
    print_unreferenced()'s "unreferenced object 0x%08lx (size %zu):", RHEL 7's powerpc
    bad_page_fault() "Unable to handle kernel paging request for data at address
    0x%08lx", 5.10 s390 do_no_context()'s "Unable to handle kernel pointer dereference
    in virtual kernel address space", cut by a wrap at 65-67 columns after a syslog
    prefix, streamed from the file: the reports are the file's."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _bugzilla_comment(messages, columns)
    assert re.search(cut, wrapped)
    want = parse_log(messages)
    assert want
    copy = tmp_path / f"{name}.log"
    copy.write_text(wrapped, encoding="latin-1")
    streamed = triage_input(str(copy), jobs=1).reports
    assert [_flag_facts(r) for r in streamed] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize("columns", [67, 69, 71, 72, 73, 76, 80])
def test_a_terminal_capture_mail_wrapped_keeps_its_cut_warning_and_trace(columns: int) -> None:
    """An armhf 6.1 console with no printk time, captured at 80 columns (rows cut inside
    __warn()'s symbol, "... hotfence_crash.c:92 hotfence_" then "crash_do+0xfc/0x128
    [hotfence_crash]", and inside an ARM entry's module, "... [hotfen" then "ce_crash]"),
    then wrapped by a mail client (Text::Wrap at 67-80 columns): the wrap leaves the
    file, line and the name's first part after "at" (or that part alone after the
    line), and the caller with its open "[hotfen" after "from", each row going on in the
    terminal's. The WARNING keeps its function and its ten frames."""
    console = (DATA / "armhf-6.1.0-50-mod-warn-80col-no-time.log").read_text(encoding="latin-1")
    wrapped = _bugzilla_comment(console, columns)
    assert re.search(r"WARNING: CPU: 0 PID: 83 at( \S+:92)?\n", wrapped)
    assert re.search(r"\[hotfen\nce_crash\]\n", wrapped)
    want = parse_log(console)
    assert want[0].title == "WARNING in hotfence_crash_do" and len(want[0].frames) == 10
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize("columns", [90, 100, 110])
def test_a_powerpc_first_entry_its_pager_cut_titles_nothing(columns: int) -> None:
    # powerpc show_stack() marks a trace's first entry " (unreliable)" when the link
    # register may not vouch for it: the ppc64le hung task's first entry is
    # update_blocked_averages+0x43c/0x960 (unreliable), a stale return address. A pager
    # that cuts the line before the mark leaves an entry that may be that one: the title
    # is the rest of the trace's, as with the whole line
    console = (DATA / "ppc64le-6.1.0-50-hung-task.log").read_text()
    want = [r.title for r in parse_log(console)]
    assert want[0] == "INFO: task hung in mnt_want_write"
    paged = _paged_journal(console, columns)
    assert "update_blocked_averages+0x43c/0x960 (unreliable)" not in paged
    assert [r.title for r in parse_log(paged)] == want
    # `dmesg | less -S` on an 80-column terminal: the console's lines cut so
    chopped = "\n".join(
        row if len(row) <= 80 else row[:79] + _PAGER_MARK for row in console.split("\n")
    )
    assert [r.title for r in parse_log(chopped)] == want


@pytest.mark.parametrize(
    ("name", "kind", "columns"),
    [
        ("centos7-dockerd-ip6mr", None, 80),
        ("debian6-i386-oops", None, 80),
        # the same oops of an address past the first page, on a terminal cut in "request"
        ("centos7-dockerd-ip6mr", "paging request at ffff8808b9e1c000", 72),
    ],
)
def test_an_x86_fault_header_its_pager_cut_keeps_its_title(
    name: str, kind: str | None, columns: int
) -> None:
    # x86 show_fault_oops() before 4.20 prints "BUG: unable to handle kernel " and "NULL
    # pointer dereference" or "paging request", " at %p": journalctl's pager cuts it at
    # the terminal's width in its kind's words ("... kernel NULL pointer derefer>"). The
    # first word tells the kind; the title names the RIP's function as the whole line's
    console = (DATA / f"{name}.log").read_text()
    if kind is not None:
        console = console.replace("NULL pointer dereference at 0000000000000010", kind)
    want = [(r.title, r.type) for r in parse_log(console)]
    assert " in " in want[0][0]
    paged = _paged_journal(console, columns)
    assert re.search(r"BUG: unable to handle kernel (?:NULL pointer|paging) [a-z]+>", paged)
    assert [(r.title, r.type) for r in parse_log(paged)] == want


@pytest.mark.parametrize("columns", [70, 80, 100])
def test_a_gp_fault_header_its_pager_cut_keeps_its_title(columns: int) -> None:
    # 5.5+ exc_general_protection() prints "general protection fault, probably for
    # non-canonical address 0x%lx" and die()'s ": 0000 [#1] ..." on one line, past 80
    # columns: journalctl's pager cuts it before the ":" the whole line's title needs
    console = (LAB / "gpf.log").read_text()
    want = [(r.title, r.type) for r in parse_log(console)]
    assert want[0][0] == "general protection fault in hotfence_crash_gpf"
    paged = _paged_journal(console, columns)
    assert re.search(r"general protection fault, [\w ,-]*>\n", paged)
    assert [(r.title, r.type) for r in parse_log(paged)] == want


@pytest.mark.parametrize("columns", [70, 80, 90])
@pytest.mark.parametrize("kind", ["use-after-free", "out-of-bounds"])
def test_a_kfence_header_its_pager_cut_keeps_its_title(columns: int, kind: str) -> None:
    # mm/kfence/report.c prints "BUG: KFENCE: use-after-free read in %pS" with the first
    # entry of the access trace it prints after "Use-after-free read at 0x%p (in
    # kfence-#%td):" ("Out-of-bounds read at 0x%p (%luB %s of kfence-#%td):"): the
    # riscv64 module's function name takes the line past 80 columns and the pager cuts
    # it there. The title names the trace's first entry, as the whole line does
    console = (DATA / "riscv64-6.12.117+deb13-mod-kfence-uaf.log").read_text()
    if kind == "out-of-bounds":
        console = console.replace("use-after-free read in", "out-of-bounds read in")
        console = console.replace(
            "Use-after-free read at 0x000000006a6ab964 (in kfence-#188)",
            "Out-of-bounds read at 0x000000006a6ab964 (8B right of kfence-#188)",
        )
    want = [(r.title, r.type, r.corrupted) for r in parse_log(console)]
    assert want[0] == (f"KFENCE: {kind} read in hotfence_crash_kfence_uaf", want[0][1], False)
    paged = _paged_journal(console, columns)
    assert re.search(rf"BUG: KFENCE: {kind} read in \w*>", paged)
    # (its trace, after the access's line the pager may cut too, is a whole one)
    assert [(r.title, r.type, r.corrupted) for r in parse_log(paged)] == want


@pytest.mark.parametrize("name", ["mod-bug", "mod-null", "mod-warn"])
def test_a_riscv_register_dump_its_pager_cut_still_heads_its_trace(name: str) -> None:
    # riscv show_regs() ends its registers with "status: %016lx badaddr: %016lx cause:
    # %016lx" and dump_backtrace() prints the trace right after it, no "Call Trace:"
    # (6.x). journalctl's pager cuts that 60-column line in badaddr on an 80-column
    # terminal: the trace after it is still the report's, which is no corrupted one
    console = (DATA / f"riscv64-6.12.117+deb13-{name}.log").read_text()
    want = [(r.title, r.corrupted) for r in parse_log(console)]
    assert want[0][1] is False
    paged = _paged_journal(console, 80)
    assert re.search(r"kernel: status: [0-9a-f]{16} badaddr: [0-9a-f]*>\n", paged)
    assert [(r.title, r.corrupted) for r in parse_log(paged)] == want


@pytest.mark.parametrize(
    ("log", "columns"),
    [
        (LAB / "softlockup.log", 80),
        (DATA / "arm64-6.1.0-50-mod-softlockup.log", 80),
        (DATA / "i386-6.1.0-50-mod-softlockup.log", 80),
        (DATA / "ppc64le-6.1.0-50-mod-softlockup.log", 100),
    ],
)
def test_a_lockups_rip_line_its_pager_cut_in_the_module_keeps_its_title(
    log: Path, columns: int
) -> None:
    # "RIP: 0010:%pS" (x86 show_ip(); arm64's "pc : %pS", powerpc's "NIP [%016lx] %pS")
    # names a module's function "f+0x22/0x50 [hotfence_crash]": the pager cuts it in the
    # module's name ("[ho>"). A loop in a module's function is titled by that function
    # (titles.looping_title); the one module of "Modules linked in:" the cut name starts
    # with is the RIP's, as the whole line says
    console = log.read_text()
    (want,) = parse_log(console)
    assert want.title == "BUG: soft lockup in hotfence_crash_softlockup"
    paged = _paged_journal(console, columns)
    assert re.search(
        r"(?:RIP: 0010:|pc : |EIP: |NIP \[\w+\] )hotfence_crash_softlockup\S* \[\w*>", paged
    )
    (got,) = parse_log(paged)
    assert (got.title, got.looping_function) == (want.title, want.looping_function)
    assert got.rip is not None and want.rip is not None
    assert (got.rip.function, got.rip.module) == (want.rip.function, want.rip.module)


@pytest.mark.parametrize("columns", [80, 100])
def test_a_near_stack_overflow_line_its_pager_cut_is_still_a_report(columns: int) -> None:
    # 2.6.16-2.6.24 stack_overflow_check() prints "do_IRQ: %s near stack overflow
    # (cur:%Lx,rsp:%lx)", 77 columns with a short comm: the pager cuts it in its figures
    # ("(cur:ffffc90000628000,rsp:ffff>"), and the line is still the report's header
    console = (DATA / "x86-6.1-do-irq-near-stack-overflow.log").read_text()
    (want,) = parse_log(console)
    paged = _paged_journal(console, columns)
    assert re.search(r"near stack overflow \(cur:[0-9a-f,rsp:]*>\n", paged)
    (got,) = parse_log(paged)
    assert (got.title, got.type, got.comm, got.pid, got.cpu, got.kernel_release) == (
        want.title,
        want.type,
        want.comm,
        want.pid,
        want.cpu,
        want.kernel_release,
    )


@pytest.mark.parametrize("columns", [80, 100])
def test_an_s390_fault_line_its_pager_cut_keeps_its_kind(columns: int) -> None:
    # s390 do_no_context() prints "Unable to handle kernel pointer dereference in virtual
    # kernel address space", 76 columns: the pager cuts it. It is still the same fault,
    # titled by the PSW's function where the cut left it whole; at 80 columns the PSW
    # line is cut inside the function's name ("(sys>"), and the trace's first entry at
    # the PSW's address ("[<00000000009a1e1c>] sysrq_handle_crash+0x1c/0x2>") names it
    console = (DATA / "s390x-5.10-oops.log").read_text()
    (want,) = parse_log(console)
    paged = _paged_journal(console, columns)
    assert re.search(r"Unable to handle kernel pointer dereference [\w ]*>\n", paged)
    (got,) = parse_log(paged)
    assert got.type == want.type
    assert (got.title, got.corrupted) == (want.title, want.corrupted)
    if columns == 80:
        assert "Krnl PSW : 0704c00180000000 00000000009a1e1c (sys>\n" in paged


def test_a_release_an_80_column_terminal_cut_at_its_dot_reads_whole() -> None:
    # RHEL 7's task header on a serial console without printk times, captured on an
    # 80-column terminal (minicom, screen): the row ends in "3.10.0-123." and the next
    # goes on "el7.ppc64 #1". A cut at the release's "." is no word's edge: the release
    # is the header's whole one, never its first part
    console = _PRINTK_TIME.sub("", (DATA / "ppc64-rhel7-elfv1-oops.log").read_text())
    rows = []
    for line in console.split("\n"):
        while len(line) > 80:
            rows.append(line[:80])
            line = line[80:]
        rows.append(line)
    wrapped = "\n".join(rows)
    assert "3.10.0-123.\nel7.ppc64 #1" in wrapped
    want = [(r.title, r.kernel_release, r.pid, r.comm) for r in parse_log(console)]
    assert want[0][1] == "3.10.0-123.el7.ppc64"
    assert [(r.title, r.kernel_release, r.pid, r.comm) for r in parse_log(wrapped)] == want


@pytest.mark.parametrize("name", ["memcg-oom", "ext4-remount-ro", "pod-context"])
def test_a_kill_line_its_pager_cut_before_the_name_is_still_a_kill(name: str) -> None:
    # 6.x __oom_kill_process() prints "Memory cgroup out of memory: Killed process %d
    # (%s) total-vm:...": on an 80-column terminal journalctl's pager cuts it before the
    # "(python3)". The kill is still one report, of the same task and type; its title
    # names no process the cut took
    console = (DATA / f"x86-6.18.44-{name}.log").read_text()
    want = parse_log(console)
    paged = _paged_journal(console, 80)
    assert re.search(r"Memory cgroup out of memory: Killed process \d*>\n", paged)
    got = parse_log(paged)
    assert [(r.type, r.pid, r.comm) for r in got] == [(r.type, r.pid, r.comm) for r in want]
    assert [r.title for r in want] == ["memory cgroup out of memory: killed process python3"]
    assert [r.title for r in got] == ["memory cgroup out of memory: killed process"]


@pytest.mark.parametrize(
    "name", ["mips64el", "ppc64le", "riscv64-6.12.117+deb13", "s390x", "armhf", "mipsel"]
)
def test_a_hung_task_whose_entries_a_pager_cut_names_no_caller(name: str) -> None:
    # A trace entry the pager cut inside its function's name ("[<ffffffff80a78d9c>]
    # mnt_want_wr>") is a frame no one can name: a title read on past it named a caller
    # ("task hung in path_openat", "in openat" from "sys_openat+>"). At every width the
    # hung task is titled by its own function, or "corrupted" when the cut took it
    if "+" not in name:
        name += "-6.1.0-50"
    console = (DATA / f"{name}-hung-task.log").read_text()
    want = {r.title for r in parse_log(console)}
    assert want == {"INFO: task hung in mnt_want_write"}
    titles = set()
    for columns in range(60, 101):
        titles |= {r.title for r in parse_log(_paged_journal(console, columns))}
    if name.startswith("armhf"):
        # 32-bit ARM's " f from g+0x1/0x2" rows: at these widths the cut falls past the
        # callee, in its " from" or its caller, and the callee is whole
        assert titles == want
    else:
        assert titles == want | {"INFO: task hung in corrupted"}


def test_a_hung_task_line_a_pager_cut_in_its_first_words_is_still_the_report() -> None:
    # check_hung_task()'s "INFO: task %s:%d blocked for more than %ld seconds." after a
    # long prefix (a host's long name): the pager cuts it in "blocked", after the pid's
    # blank ("INFO: task touch:101 bl>"), or in the name or pid ("INFO: task touch:10>").
    # Each is still the hung task's report; a pid a blank ends is whole, the task's
    console = (DATA / "arm64-6.1.0-50-hung-task.log").read_text()
    want = [(r.title, r.pid, r.comm) for r in parse_log(console)]
    for columns in range(52, 62):
        got = [(r.title, r.pid, r.comm) for r in parse_log(_paged_journal(console, columns))]
        assert got == want, columns
    for columns in range(46, 52):  # (the trace's entries cut too: no title function)
        got = [(r.title, r.pid) for r in parse_log(_paged_journal(console, columns))]
        assert len(got) == len(want) and {t for t, _ in got} <= {
            want[0][0],
            "INFO: task hung in corrupted",
        }, columns
        assert {p for _, p in got} <= {want[0][1], None}


def test_a_hung_tasks_panic_line_a_pager_cut_before_its_colon_stays_the_hung_tasks() -> None:
    # hung_task_panic: check_hung_tasks() (kernel/hung_task.c, 6.1) calls panic("hung_task:
    # blocked tasks") after the hung task's report, and panic() (kernel/panic.c) prints
    # "Kernel panic - not syncing: %s", then khungtaskd's own dump_stack(). A host's long
    # name has journalctl's pager cut that line before its colon ("Kernel panic - no>"):
    # it is still the hung task's panic, no report of its own, and its lines (khungtaskd's
    # "CPU: 0 PID: 23 Comm: khungtaskd", panic()'s trace) none of the hung task's facts
    console = (LAB / "hung-task.log").read_text()
    (want,) = parse_log(console)
    assert (want.title, want.pid, want.comm) == (
        "INFO: task hung in hotfence_crash_hung",
        117,
        "sh",
    )
    name = "lab-runner-0123456789abcdefghijklmnopqrstuvwxyz.example.org"
    cuts = set()
    for length in range(28, 41):
        paged = _paged_journal(console, 80, host=name[:length])
        cut = re.search(r"kernel: (Kernel panic[^:]*>)\n", paged)
        if cut is None:
            continue
        cuts.add(cut.group(1))
        (got,) = parse_log(paged)
        assert got.title in (want.title, "INFO: task hung in corrupted"), length
        assert (got.pid, got.comm) in ((want.pid, want.comm), (None, None)), length
        assert (got.cpu, got.end_line) == (None, want.end_line - 6), length  # (no boot lines)
        assert "panic" not in [f.function for f in got.frames], length
    assert {"Kernel panic - not synci>", "Kernel panic - no>", "Kernel panic ->"} <= cuts


@pytest.mark.parametrize("columns", [None, 80])
def test_a_programs_gp_fault_line_is_no_report_whole_or_cut(columns: int | None) -> None:
    # 6.1 arch/x86/kernel/traps.c show_signal() logs a program's GP fault, "traps:
    # %s[%d] general protection fault ip:%lx sp:%lx error:%lx", and " in %s[%lx+%lx]"
    # only when the address has a mapping; journalctl's pager cuts it anywhere past
    # "ip:". None of those is the kernel's report: the lab's oops after it is the one
    console = (LAB / "gpf.log").read_text()
    (want,) = parse_log(console)
    at = console.index("[    2.091948] general protection fault")
    program = "[    1.905113] traps: a.out[77] general protection fault ip:401136 sp:7ffd1c2e8f00 error:0\n"
    log = console[:at] + program + console[at:]
    if columns is not None:
        log = _paged_journal(log, columns)
        assert re.search(r"traps: a\.out\[77\] general protection fault ip:[0-9a-f]*>\n", log)
    assert [(r.title, r.pid) for r in parse_log(log)] == [(want.title, want.pid)]


@pytest.mark.parametrize("columns", [78, 80, 88, 90, 100, 104])
def test_an_arm_oops_its_pager_cut_keeps_its_trace_past_the_slab_dumps(columns: int) -> None:
    # armhf's SLUB poison report, then the list_del BUG it leads to: 32-bit ARM's
    # __show_regs() dumps each register's slab object (kmem_dump_obj(): "Register r3
    # information: slab task_struct start ... allocated at f+0x1/0x2", its entries, " Free
    # path:" and its entries) before the oops's own headerless trace, and SLUB's
    # print_track() its "Allocated in f+0x1/0x2 age=..." stacks before the checking task's.
    # The pager cuts those heads and the first " f from g+0x1/0x2" entries in their
    # callers: the trace and the title are still the oops's own, not the slab's stacks
    console = (DATA / "armhf-6.1.0-50-mod-slub-poison.log").read_text()
    want = parse_log(console)
    assert want[1].title == "BUG: corrupted list in free_to_partial_list"
    paged = _paged_journal(console, columns)
    assert "allocated at copy_process+0x23c/0x1cc8\n" not in paged
    got = parse_log(paged)
    assert len(got) == len(want)
    assert got[1].title == want[1].title
    for g, w in zip(got, want, strict=True):
        assert [f.function for f in g.frames] == [f.function for f in w.frames]


def test_a_machine_check_record_its_pager_cut_is_still_the_machine_check() -> None:
    # RHEL 6's print_mce() pads the MCG status ("CPU 7: Machine Check Exception:
    # 5 Bank 4: be00000000800400"): after the journal's prefix the pager cuts the line in
    # the padding, the bank or the status. The record is still the machine check, its
    # title the whole record's (the bank and status normalised), never the panic's cut
    # "Fatal machine check o" nor a status cut short ("status be")
    console = (DATA / "rhel6-mce-fatal.log").read_text()
    want = [(r.title, r.type, r.cpu, r.start_line, r.end_line) for r in parse_log(console)]
    assert want[0][:2] == ("MCE: machine check in bank NUM status ADDR", "HARDWARE-ERROR")
    for columns in range(62, 131):
        paged = _paged_journal(console, columns)
        got = [(r.title, r.type, r.cpu, r.start_line, r.end_line) for r in parse_log(paged)]
        assert got == want, columns


@pytest.mark.parametrize(
    "name",
    [
        "riscv64-6.12.117+deb13-mod-slub-poison",
        "riscv64-6.12.117+deb13-mod-slub-redzone",
        "arm64-6.1.0-50-mod-slub-poison",
        "armhf-6.1.0-50-mod-slub-redzone",
        "ppc64le-6.1.0-50-mod-slub-poison",
        "i386-6.1.0-50-mod-slub-redzone",
        "mips64el-6.1.0-50-mod-slub-redzone",
    ],
)
def test_a_slub_reports_taint_is_its_headers_when_a_pager_cut_it(name: str) -> None:
    # slab_bug()'s "BUG kmalloc-32 (Tainted: G           OE     ): ..." prints the flags
    # of before the report, which then sets B: the task header after it says "G    B
    # OE". Cut by the pager in its flags ("Tainted: G    B  >") the header still decides:
    # its columns before the cut, the older line's past it (flags are never cleared), or
    # nothing. Never the older line's flags alone
    console = (DATA / f"{name}.log").read_text()
    want = [r.taint for r in parse_log(console)]
    assert want and None not in want
    checked = 0
    for columns in range(60, 131, 2):
        got = [r.taint for r in parse_log(_paged_journal(console, columns))]
        if len(got) != len(want):
            continue  # (a SLUB title cut before its colon: another fact's to check)
        assert all(g in (w, None) for g, w in zip(got, want)), (columns, got)
        checked += 1
    assert checked > 20
    if name.startswith("riscv64"):  # the header's columns at 80 run past B's: readable
        assert parse_log(_paged_journal(console, 80))[0].taint == want[0] == "G    B      OE"


@pytest.mark.parametrize(
    "name",
    [
        "s390x-6.1.0-50-mod-bug",
        "mips64el-6.1.0-50-mod-null",
    ],
)
def test_a_faulting_address_line_its_pager_cut_is_named_by_its_trace_entry(name: str) -> None:
    # s390's "Krnl PSW : 0704e00180000000 000003ff7fd025a4 (hot>" and MIPS's "epc   :
    # ffffffffc0002088 hotfence_crash_null_dere>": the pager cut the symbol, not the
    # address. The trace starts at that address ("[<000003ff7fd025a4>]
    # hotfence_crash_bug+0x44/0x4>"): its entry names the same function, whole, and the
    # report is titled by it as by the whole line; never by a caller
    console = (DATA / f"{name}.log").read_text()
    want = [r.title for r in parse_log(console)]
    paged = _paged_journal(console, 80)
    assert re.search(r"(?:Krnl PSW : [0-9a-f]+ |epc +: )[0-9a-f]+ \(?\w*>\n", paged), "not cut"
    assert [r.title for r in parse_log(paged)] == want
    for columns in range(75, 121, 5):  # (narrower, the first line itself is cut)
        got = [r.title for r in parse_log(_paged_journal(console, columns))]
        assert len(got) == len(want), columns
        assert all(g in (w, w.rsplit(" in ", 1)[0] + " in corrupted") for g, w in zip(got, want))


# A SLUB report's title "SLUB: <problem> in <function>" (the problem words slab_bug()
# printed, or none of them)
_SLUB_TITLE = re.compile(r"SLUB: (?:(.*) )?in \S+")


@pytest.mark.parametrize(
    "name",
    [
        "arm64-6.1.0-50-mod-slub-poison",
        "armhf-6.1.0-50-mod-slub-redzone",
        "i386-6.1.0-50-mod-slub-redzone",
        "mips64el-6.1.0-50-mod-slub-redzone",
        "x86-6.1-slub-redzone",
        "riscv64-6.12.117+deb13-mod-slub-poison",
        "riscv64-6.12.117+deb13-mod-slub-redzone",
    ],
)
def test_a_slub_title_a_pager_cut_holds_whole_words(name: str) -> None:
    # slab_bug()'s "BUG kmalloc-64 (Tainted: G           OE     ): Right Redzone
    # overwritten" (mm/slub.c) after the journal's prefix: the pager cuts it in the
    # problem ("... OE     ): Right Red>"). A title holds the problem's whole words, never
    # a fragment ("SLUB: Right Red in ..."): up to 6.1 restore_bytes()'s "FIX kmalloc-64:
    # Restoring Right Redzone 0x..." names the same words whole, and the title is the
    # whole line's; 6.12's "Object corrupt" restores "Poison" too, which is no title of it
    console = (DATA / f"{name}.log").read_text()
    want = [_SLUB_TITLE.fullmatch(r.title) for r in parse_log(console)]
    assert want[0] is not None and want[0][1]
    checked = 0
    for columns in range(60, 95):
        paged = _paged_journal(console, columns)
        cut = re.search(r"kernel: BUG \S+ \([^)]*\): (\S.*)>\n", paged)
        whole_fix = re.search(r"kernel: FIX \S+ Restoring [A-Za-z ]+ 0x", paged)
        got = [_SLUB_TITLE.fullmatch(r.title) for r in parse_log(paged)]
        if len(got) != len(want):
            continue  # (a header cut before its colon: another fact's to check)
        for g, w in zip(got, want, strict=True):
            if g is None or w is None:
                continue
            problem, words = w[1], g[1] or ""
            assert f"{problem} ".startswith(f"{words} " if words else ""), (columns, g[0])
            checked += 1
        if cut and whole_fix and not name.startswith("riscv64"):
            assert got[0] is not None and got[0][1] == want[0][1], (columns, got[0])
    assert checked > 5


@pytest.mark.parametrize("columns", [None, 100, 80])
def test_an_rcu_stalls_backtrace_after_a_long_wait_is_still_the_stalls(
    columns: int | None,
) -> None:
    # RCU's stall report asks the stalled CPU for its backtrace ("Sending NMI from CPU 0
    # to CPUs 1:", lib/nmi_backtrace.c); on powerpc raise_backtrace_ipi() (arch/powerpc/
    # kernel/stacktrace.c) waits for it, then prints "CPU 1 didn't respond to backtrace
    # IPI, inspecting paca." and the stack the paca holds. On QEMU that took 48 s: the
    # stack is still the stall's, as in the same log without times, whole or cut by the
    # journal's pager (at 80 columns its entries' names are cut: no title function)
    console = (DATA / "ppc64le-6.1.0-50-mod-hardlockup.log").read_text()
    want = parse_log(_PRINTK_TIME.sub("", console))[1]
    assert (want.title, want.pid) == ("INFO: rcu detected stall in proc_reg_write", 86)
    log = console if columns is None else _paged_journal(console, columns)
    assert re.search(r"\] Sending NMI from CPU 0 to CPUs 1:\n\[   79\.", console)
    got = parse_log(log)[1]
    assert got.end_line - got.start_line == want.end_line - want.start_line
    if columns == 80:
        assert (got.title, got.pid) == ("INFO: rcu detected stall in corrupted", None)
    else:
        assert (got.title, got.pid, got.comm) == (want.title, want.pid, want.comm)
        frames = [f.function for f in got.frames]  # (the last entry's name cut at 100)
        assert frames == [f.function for f in want.frames][: len(frames)] and len(frames) > 5


@pytest.mark.parametrize("name", ["arm64-6.1.0-50-mod-softlockup", "i386-6.1.0-50-mod-softlockup"])
def test_a_lockups_rip_line_its_pager_cut_before_the_module_keeps_its_title(name: str) -> None:
    # arm64 show_regs()'s "pc : %pS", i386 show_ip()'s "EIP: %pS": a module's function is
    # "f+0x30/0x50 [hotfence_crash]" (kernel/kallsyms.c __sprint_symbol()). At 72 columns
    # journalctl's pager cuts the line right after the blank before the bracket ("f+0x30/
    # 0x50 >"): nothing but a module's name follows the offset there, and the one module
    # "Modules linked in:" lists is the RIP's. The lockup is titled by the module's function
    # (titles.looping_title), as the whole line's, never by a caller (proc_reg_write)
    console = (DATA / f"{name}.log").read_text()
    (want,) = parse_log(console)
    assert want.title == "BUG: soft lockup in hotfence_crash_softlockup"
    paged = _paged_journal(console, 72)
    assert re.search(r"(?:pc : |EIP: )hotfence_crash_softlockup\+0x\w+/0x\w+ >\n", paged)
    (got,) = parse_log(paged)
    assert (got.title, got.looping_function) == (want.title, want.looping_function)
    assert got.rip is not None and want.rip is not None
    assert (got.rip.function, got.rip.module) == (want.rip.function, want.rip.module)


@pytest.mark.parametrize("columns", [70, 72, 74, 76])
def test_a_hard_lockup_line_its_pager_cut_before_its_cpu_is_the_lockups(columns: int) -> None:
    # kernel/watchdog.c watchdog_hardlockup_check() (6.6, the buddy detector): "watchdog:
    # Watchdog detected hard LOCKUP on cpu %d", then the locked CPU's NMI backtrace and
    # panic("Hard LOCKUP"). journalctl's pager cuts the line before its CPU ("... hard
    # LOCKUP o>"): it is still the lockup's report, of the locked CPU's task and stack,
    # not the panicking CPU's ("kernel panic: Hard LOCKUP", CPU 0's swapper)
    console = (DATA / "x86-6.6-hard-lockup-buddy.log").read_text()
    want = [(r.title, r.type, r.cpu, r.pid, r.comm) for r in parse_log(console)]
    assert want == [("BUG: hard lockup in mydrv_poll_work", "HANG", 3, 8812, "kworker/3:1")]
    paged = _paged_journal(console, columns)
    assert re.search(r"watchdog: Watchdog detected hard LOCKUP[ oncp]*>\n", paged)
    assert [(r.title, r.type, r.cpu, r.pid, r.comm) for r in parse_log(paged)] == want


@pytest.mark.parametrize(
    "name",
    [
        "arm64-6.1-oops",
        "arm64-6.1-ro-write",
        "arm64-6.1.0-50-mod-null",
        "mips-4.19-oops",
        "mips64el-6.1.0-50-mod-null",
        "mipsel-6.1.0-50-mod-null",
        "riscv64-6.12.117+deb13-mod-null",
    ],
)
def test_a_fault_line_its_pager_cut_in_its_kind_keeps_its_title(name: str) -> None:
    # arm64 and riscv die_kernel_fault() print "Unable to handle kernel %s at virtual
    # address %016lx", MIPS do_page_fault() "CPU %d Unable to handle kernel paging request
    # at virtual address %0*lx, epc == ...": at 72 columns journalctl's pager cuts it in
    # the kind's words ("... NULL pointer dere>", "... write to read-onl>"). Their first
    # words tell the kind, and the report is titled as the whole line is (by the faulting
    # function, or "corrupted" where the cut took every name), never by the cut words
    console = (DATA / f"{name}.log").read_text()
    (want,) = parse_log(console)
    paged = _paged_journal(console, 72)
    assert re.search(r"Unable to handle kernel [\w ()-]*>\n", paged)
    (got,) = parse_log(paged)
    assert got.type == want.type
    assert got.title in (want.title, want.title.rsplit(" in ", 1)[0] + " in corrupted")
    assert got.corrupted == (got.title != want.title)


@pytest.mark.parametrize("columns", [72, 73, 74, 75])
def test_a_syslog_file_mail_wrapped_after_near_stack_keeps_the_overflow(columns: int) -> None:
    """2.6.16-2.6.24 stack_overflow_check() (arch/x86_64/kernel/irq.c) prints "do_IRQ: %s
    near stack overflow (cur:%Lx,rsp:%lx)": after a syslog prefix and a printk time a
    mail client's wrap at 72-75 columns cuts it after "stack", the row going on
    "overflow (cur:...)". Neither row held a needle ("tack overflow"), and the log had no
    report. The prefixed row is the header, read with its rest."""
    console = (DATA / "x86-6.1-do-irq-near-stack-overflow.log").read_text(encoding="latin-1")
    messages, _ = _bugzilla_syslog(console)
    wrapped = _bugzilla_comment(messages, columns)
    assert re.search(r"\] do_IRQ: sh near stack\noverflow \(cur:", wrapped)
    want = parse_log(messages)
    assert [r.title for r in want] == ["do_IRQ: stack overflow in proc_reg_write"]
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


@pytest.mark.parametrize("columns", [66, 67, 68])
def test_a_syslog_file_mail_wrapped_after_do_irq_stack_keeps_the_overflow(
    columns: int, tmp_path: Path
) -> None:
    """6.1 powerpc check_stack_overflow() (arch/powerpc/kernel/irq.c) prints "do_IRQ:
    stack overflow: %ld": after a syslog prefix and a printk time a mail client's wrap
    at 66-68 columns cuts it after "stack", the row going on "overflow: 1728". Neither
    row held a needle ("tack overflow"), and the log had no report. The prefixed row is
    the header, read with its rest (extract._narrow_cut), whole or streamed."""
    console = (DATA / "ppc64le-6.1-do-irq-stack-overflow.log").read_text(encoding="latin-1")
    messages, _ = _bugzilla_syslog(console)
    wrapped = _bugzilla_comment(messages, columns)
    assert re.search(r"\] do_IRQ: stack\noverflow: 1728\n", wrapped)
    want = parse_log(messages)
    assert [r.title for r in want] == ["do_IRQ: stack overflow in proc_reg_write"]
    _assert_read_whole_and_streamed(
        wrapped, want, tmp_path / "ppc64le-6.1-do-irq-stack-overflow.log"
    )


@pytest.mark.parametrize("columns", [66, 68, 69])
@pytest.mark.parametrize(
    "name", ["mips-4.19-bug", "mips64el-6.1.0-50-mod-bug", "mipsel-6.1.0-50-mod-bug"]
)
def test_a_syslog_file_mail_wrapped_before_detected_keeps_the_mips_bug(
    name: str, columns: int, tmp_path: Path
) -> None:
    """MIPS's BUG() trap (4.19 and 6.1 arch/mips/kernel/traps.c do_trap_or_bp(), BRK_BUG)
    prints die_if_kernel("Kernel bug detected", regs): "Kernel bug detected[#1]:" first,
    no "kernel BUG at" before it. After a syslog prefix and a printk time a mail
    client's wrap at 66-69 columns cuts it after "bug", the row going on
    "detected[#1]:". The prefilter read the needle's row ("[#") only with the rows
    after it, and the log had no report on the CLI path: it now reads it with the row a
    narrow wrap cut before it too, and the report is whole or streamed alike."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _bugzilla_comment(messages, columns)
    assert re.search(r"\] Kernel bug\ndetected\[#1\]:\n", wrapped)
    want = parse_log(messages)
    assert want and want[0].title.startswith("kernel BUG in ")
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(
    "name",
    ["x86-6.12.115-null-deref", "x86-6.12.115-null-deref-paste-cut", "x86-6.1-missing-endbr"],
)
def test_a_syslog_file_mail_wrapped_at_66_keeps_the_oops_panic_its_own(
    name: str, tmp_path: Path
) -> None:
    """x86 oops_end() (6.1, 6.12 arch/x86/kernel/dumpstack.c) prints its "executive
    summary" after the end marker, __show_regs() (arch/x86/kernel/process_64.c: "RIP:
    %04x:%pS", "RSP: %04x:%016lx EFLAGS: %08lx", "RAX: %016lx RBX: ..."), then
    panic("Fatal exception") ("Kernel panic - not syncing: %s", kernel/panic.c
    panic()). After a syslog prefix and a printk time a mail client's wrap at 66
    columns cuts most register lines right after their name ("... RSP:" then
    "0018:ffffc900006dbc10 EFLAGS: 00000206") and the panic after "not": the register
    rows read alone counted against the panic's grace after the marker, and the panic
    was a report of its own; and the cut row, no "syncing" in it, was no panic that
    ends the report's own lines. It ends the oops's report, whole or streamed, whose
    own lines end at the end marker, as the file's do."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _bugzilla_comment(messages, 66)
    assert re.search(r"\] Kernel panic - not\nsyncing: Fatal exception\n", wrapped)
    assert re.search(r"\] RSP:\n0018:", wrapped)
    want = parse_log(messages)
    assert len(want) == 1
    assert "] ---[ end trace " in messages.split("\n")[want[0].end_line - 1]
    got = parse_log(wrapped)
    assert [_flag_facts(r) for r in got] == [_flag_facts(r) for r in want]
    assert wrapped.split("\n")[got[0].end_line - 1].endswith("] ---[ end trace")
    copy = tmp_path / f"{name}.log"
    copy.write_text(wrapped, encoding="latin-1")
    streamed = triage_input(str(copy), jobs=1).reports
    assert [_flag_facts(r) for r in streamed] == [_flag_facts(r) for r in want]
    assert [r.end_line for r in streamed] == [got[0].end_line]


def test_a_syslog_file_mail_wrapped_after_internal_keeps_the_xfs_error() -> None:
    """fs/xfs/xfs_error.c xfs_error_report() (6.1): "Internal error %s at line %d of file
    %s.  Caller %pS" after xfs_alert_tag()'s "XFS (%s): ", a syslog prefix and a printk
    time, cut by a mail client's wrap at 72 columns after "Internal": the row going on
    "error xfs_trans_cancel at line ...". Neither row held a needle ("nternal error"),
    and the log had no report. The prefixed row is the header, read with its rest."""
    console = (DATA / "x86-6.1-xfs-internal-error-stack.log").read_text(encoding="latin-1")
    messages, _ = _bugzilla_syslog(console)
    wrapped = _bugzilla_comment(messages, 72)
    assert re.search(r"\] XFS \(loop0\): Internal\nerror xfs_trans_cancel at line ", wrapped)
    want = parse_log(messages)
    assert [r.title for r in want] == ["XFS: Internal error in xfs_trans_cancel"]
    assert [_flag_facts(r) for r in parse_log(wrapped)] == [_flag_facts(r) for r in want]


def test_a_syslog_file_mail_wrapped_at_72_columns_reads_as_the_file() -> None:
    """Every real log as /var/log/messages (``_bugzilla_syslog``) wrapped at 72 columns,
    Text::Wrap's count (``_bugzilla_comment``: rows of at most 71): a cut row's next word
    would have made it 72 or more, one short of a wrap at 73. The rows are the lines the
    file holds, and give its reports and facts."""
    checked = 0
    for path in sorted(DATA.glob("*.log")):
        messages, _ = _bugzilla_syslog(path.read_text(encoding="latin-1"))
        wrapped = _bugzilla_comment(messages, 72)
        if wrapped == messages:
            continue
        want = [_flag_facts(r) for r in parse_log(messages)]
        assert [_flag_facts(r) for r in parse_log(wrapped)] == want, path.name
        checked += 1
    assert checked > 140


def _mailed(text: str, width: int, quote: str) -> str:
    """``text`` as a mail client sends it, each line wrapped at ``width`` columns at a
    space (a word longer than that left whole) and a trailing blank kept on the cut row
    (format=flowed, RFC 3676 4.2), then quoted by a reply (``quote``, RFC 3676 4.5)."""
    out = []
    for line in text.splitlines():
        rows = textwrap.wrap(
            line, width, break_long_words=False, break_on_hyphens=False, drop_whitespace=True
        ) or [""]
        out += [quote + r + " " for r in rows[:-1]] + [quote + rows[-1]]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(("width", "quote"), [(72, ""), (76, "> "), (78, "> ")])
def test_a_module_list_a_mail_wrapped_in_a_log_without_prefixes_is_whole(
    width: int, quote: str
) -> None:
    """el5-i386-oops (2.6.18 i386, no printk time) mailed, print_modules()'s line wrapped
    into rows of names (the shape of a 2.6.19-rc3 oops quoted on LKML in 2006): no
    prefix tells a wrap's rest there, but the full cut rows and no wider line around
    prove the wrap (extract._mail_list_row): every module is listed. A short list line
    before a row of names stays as it was: no wrap cut it."""
    text = (DATA / "el5-i386-oops.log").read_text()
    (want,) = parse_log(text.encode())
    assert len(want.modules) > 20
    mailed = _mailed(text, width, quote)
    assert not any("Modules linked in:" in t and " jbd" in t for t in mailed.splitlines())
    (rep,) = parse_log(mailed.encode())
    assert (rep.modules, rep.tainting_modules) == (want.modules, want.tainting_modules)
    assert rep.title == want.title
    line = next(t for t in text.splitlines() if t.startswith("Modules linked in:"))
    short = text.replace(line, "Modules linked in: nvidia(PU) autofs4\nhidp rfcomm")
    (rep,) = parse_log(_mailed(short, width, quote).encode())
    assert rep.modules == ["nvidia", "autofs4"]


@pytest.mark.parametrize(
    ("name", "cut"),
    [
        # 2.6.32's warn_slowpath_common() "WARNING: at %s:%d %pS() (%s)" (RHEL 6, syslog)
        ("rhel6-syslog-old-warning", "skb_gso_seg"),
        # 6.1's __warn() "WARNING: CPU: %d PID: %d at %s:%d %pS", a module's symbol
        ("x86-6.1.0-56-rtnl-warn", "hotfence_crash_rt"),
    ],
)
def test_a_warning_header_cut_inside_its_function_is_one_line(name: str, cut: str) -> None:
    """A WARNING header cut by hand inside its function's name, the rest in the next row
    with no prefix (sonyxperiadev/kernel#207: 3.4's "WARNING: at arch/arm/mach-msm/
    msm-pm.c:837 msm_pm_wait_cpu_shu" then "tdown+0x9c/0xb0()", among longer lines no
    terminal rule reads as a wrap): the rest, the name's end and its offset alone, proves
    the cut (extract._CUT_IN_WARNING_SYMBOL_RE), and the report is the whole header's."""
    text = (DATA / f"{name}.log").read_text()
    want = parse_log(text.encode())
    head = next(t for t in text.splitlines() if "WARNING: " in t and f" {cut}" in t)
    at = head.index(f" {cut}") + 1 + len(cut)
    assert len(head[:at]) != 80 and any(len(t) > 80 for t in text.splitlines())
    wrapped = text.replace(head, head[:at] + "\n" + head[at:])
    got = parse_log(wrapped.encode())
    assert [_facts(r) for r in got] == [_facts(r) for r in want]


@pytest.mark.parametrize("caller", ["", "[    T1] ", "[pid:1,cpu0,init,4]"])
def test_a_stack_protector_panic_cut_after_its_tag_is_one_line(caller: str) -> None:
    """5.10 kernel/panic.c __stack_chk_fail() panic()s "stack-protector: Kernel stack is
    corrupted in: %pB": a mail's wrap after a wide prefix (HiSilicon's "[pid:%d,cpu%d,
    %s,%d]", lore.kernel.org 2024-07-05) cuts the panic line after "stack-protector:",
    and its rest, alone in the next row, proves the cut, after any prefix. Debian's
    arm64 SysRq panic with its panic line rewritten into that wording and so cut."""
    text = (DATA / "arm64-6.1.0-50-sysrq-crash.log").read_text()
    line = "[    2.867615] Kernel panic - not syncing: sysrq triggered crash\n"
    assert text.count(line) == 1
    whole = text.replace(
        line,
        f"[    2.867615] {caller}Kernel panic - not syncing: stack-protector: Kernel stack"
        " is corrupted in: write_sysrq_trigger+0x7c/0xc0\n",
    )
    cut = whole.replace("stack-protector: Kernel stack", "stack-protector:\nKernel stack")
    (want,) = parse_log(whole)
    (rep,) = parse_log(cut)
    assert want.title == "kernel panic: stack is corrupted in write_sysrq_trigger"
    assert _facts(rep) == _facts(want)


@pytest.mark.parametrize("width", [64, 66, 70])
def test_a_module_list_a_narrow_mail_wrapped_is_whole_when_its_rows_prove_it(width: int) -> None:
    """rhel6-irq-marker-frames (2.6.32, no printk time) with print_modules()'s line
    wrapped at 70 columns or fewer (an SLES 11 oops mailed to linux-mm in 2010: 77
    modules in rows up to "scsi_mod [last" and "unloaded: tracedev]"): rows a name would
    have fitted after, which _mail_cut's width tells nothing of, but every row is names
    of print_modules()'s shape up to "[last unloaded: %s]" (cut after "[last" at 66,
    after "unloaded:" at 70), and x86's empty line and "Pid:" come next: every module
    and the last unloaded one are listed."""
    text = (DATA / "rhel6-irq-marker-frames.log").read_text()
    (want,) = parse_log(text.encode())
    assert len(want.modules) == 25 and want.last_unloaded_module == "scsi_wait_scan"
    line = next(t for t in text.splitlines() if t.startswith("Modules linked in:"))
    rows = textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False)
    assert len(rows) == 5 and min(map(len, rows[:-1])) < 64
    (rep,) = parse_log(text.replace(line, "\n".join(rows)).encode())
    assert (rep.modules, rep.last_unloaded_module) == (want.modules, want.last_unloaded_module)
    assert _facts(rep) == _facts(want)


def _textwrap_fill(text: str, columns: int) -> str:
    """``text`` as Python's textwrap.fill() wraps each line at ``columns`` (rows of at
    most ``columns``): paste sites' and scripts' wrap, a mail client's by UAX #14 alike. It
    breaks after a word's hyphen as well as at a blank, and drops the blanks at a cut."""
    return "\n".join(
        textwrap.fill(line, columns) if line.strip() else line for line in text.split("\n")
    )


@pytest.mark.parametrize("columns", [66, 67, 68, 69, 70, 71])
@pytest.mark.parametrize("name", ["x86-6.1-kfence-uaf", "riscv64-6.12.117+deb13-mod-kfence-uaf"])
def test_a_syslog_file_wrapped_after_a_hyphen_keeps_the_kfence_kind(
    name: str, columns: int, tmp_path: Path
) -> None:
    """6.1 and 6.12 mm/kfence/report.c kfence_report_error() prints "BUG: KFENCE:
    use-after-free %s in %pS": in /var/log/messages wrapped by textwrap.fill() at 66-71
    columns the row ends in the kind's words, cut after one of its hyphens ("... BUG:
    KFENCE: use-" then "after-free read in mydrv_poll+0x3c/0x90 [mydrv]"). The kind goes
    on with no blank, read whole or streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(messages, columns)
    assert re.search(r"\] BUG: KFENCE: use-(?:after-)?\n", wrapped)
    want = parse_log(messages)
    assert want[0].title.startswith("KFENCE: use-after-free read in ")
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("x86-6.18.44-memcg-oom", 66),
        ("x86-6.18.44-memcg-oom", 68),
        ("x86-6.18.44-memcg-oom", 71),
        ("x86-6.18.44-pod-context", 70),
        ("x86-6.18.44-ext4-remount-ro", 69),
        ("arm64-6.1.0-50-oom", 66),
        ("i386-6.1.0-50-oom", 66),
        ("s390x-6.1.0-50-oom", 66),
    ],
)
def test_a_syslog_file_wrapped_after_a_hyphen_keeps_the_oom_dump(
    name: str, columns: int, tmp_path: Path
) -> None:
    """6.1 and 6.18 mm/oom_kill.c dump_header() opens the dump with "%s invoked
    oom-killer: gfp_mask=%#x(%pGg), order=%d, oom_score_adj=%hd": /var/log/messages
    wrapped by textwrap.fill() at 66-71 columns cuts it inside "oom-killer", after its
    hyphen ("... python3 invoked oom-" then "killer: gfp_mask=0xcc0(GFP_KERNEL), ..."),
    where no row holds the dump's start. The kill's report still starts there, with the
    task header and the trace after it, read whole or streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(messages, columns)
    assert re.search(r" invoked oom-\nkiller:", wrapped)
    want = parse_log(messages)
    assert want[-1].type == "OOM-KILL" and want[-1].frames
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize("columns", [67, 68, 69, 70])
def test_a_syslog_file_wrapped_after_a_hyphen_keeps_the_ppc_hard_lockup(
    columns: int, tmp_path: Path
) -> None:
    """6.1 arch/powerpc/kernel/watchdog.c watchdog_timer_interrupt() prints "CPU %d
    self-detected hard LOCKUP @ %pS": /var/log/messages wrapped by textwrap.fill() at
    67-70 columns cuts it after "self-" ("... watchdog: CPU 1 self-" then "detected hard
    LOCKUP @ __delay+0x50/0x70"), where only the rows around show the wrap's width. The
    row and its rest are the hard lockup's header, read whole or streamed."""
    name = "ppc64le-6.1.0-50-mod-hardlockup"
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(messages, columns)
    assert "] watchdog: CPU 1 self-\ndetected hard LOCKUP @ " in wrapped
    want = parse_log(messages)
    assert want[0].title == "BUG: hard lockup in hotfence_crash_hardlockup"
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(
    ("name", "columns", "fill"),
    [
        ("riscv64-6.12.117+deb13-mod-hardlockup", 66, False),
        ("riscv64-6.12.117+deb13-mod-hardlockup", 67, False),
        ("riscv64-6.12.117+deb13-mod-hardlockup", 68, False),
        ("riscv64-6.12.117+deb13-mod-hardlockup", 67, True),
        ("ppc64le-6.1.0-50-mod-hardlockup", 66, False),
        ("ppc64le-6.1.0-50-mod-hardlockup", 67, False),
        ("ppc64le-6.1.0-50-mod-hardlockup", 66, True),
    ],
)
def test_a_syslog_file_wrapped_narrow_keeps_the_rcu_stall_late_answer(
    name: str, columns: int, fill: bool, tmp_path: Path
) -> None:
    """6.12 kernel/rcu/tree_stall.h print_other_cpu_stall() goes on after the wait for its
    NMI backtraces with pr_err("%s kthread timer wakeup didn't happen ...") and the
    stalled CPU answers later still (lib/nmi_backtrace.c "NMI backtrace for cpu %d"; 6.1
    powerpc wd_smp_clear_cpu_pending() "CPU %d became unstuck TB:%lld"). /var/log/messages
    wrapped at 66-68 columns (Text::Wrap or textwrap.fill()) cuts those lines before
    "kthread" ("... rcu: rcu_sched"), before the answer's CPU ("... NMI backtrace for",
    "cpu 0") or before "became" ("... watchdog: CPU 1"): the stall's report still reads
    on to the answer's trace, whole and streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(messages, columns) if fill else _bugzilla_comment(messages, columns)
    assert re.search(r"\] (?:rcu: rcu_sched|NMI backtrace for(?: cpu)?|watchdog: CPU 1)\n", wrapped)
    want = parse_log(messages)
    assert any(r.title == "INFO: rcu detected stall in proc_reg_write" for r in want)
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(("columns", "fill"), [(66, False), (67, False), (66, True)])
def test_a_syslog_file_wrapped_after_kernel_stack_keeps_the_s390_overflow(
    columns: int, fill: bool, tmp_path: Path
) -> None:
    """6.1 arch/s390/kernel/traps.c kernel_stack_overflow() prints "Kernel stack
    overflow.", show_regs(), then panic("Corrupt kernel stack, can't continue."). In
    /var/log/messages wrapped at 66-67 columns (Text::Wrap or textwrap.fill()) the line is
    cut after "stack": "... [    3.311342] Kernel stack" then "overflow.". The report is
    the overflow's, not the panic's, read whole or streamed."""
    name = "s390x-6.1.0-50-mod-stack-overflow"
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(messages, columns) if fill else _bugzilla_comment(messages, columns)
    assert "] Kernel stack\noverflow.\n" in wrapped
    want = parse_log(messages)
    assert want[0].title == "kernel stack overflow in hotfence_crash_stack_overflow"
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(
    "name",
    [
        "ubuntu-syslog-false-alarms",
        "s390x-6.1.0-50-mod-bug",
        "s390x-5.10-oops",
        "x86-6.1-do-irq-near-stack-overflow",
        "riscv64-6.12.117+deb13-mod-slub-poison",
    ],
)
def test_a_log_squeezed_and_wrapped_at_80_reads_as_the_log(name: str, tmp_path: Path) -> None:
    """A page or a script that squeezes a log's runs of blanks to one and wraps each line
    by words at 80 columns (textwrap.fill()) leaves rows of exactly 80, a terminal's
    width, among the shorter ones it cut: 6.1 s390 show_registers()'s "Krnl PSW : %016lx
    %016lx" goes on "(%pSR)" in a row of its own, a trace entry's "[ 1234.568027]" goes
    on with its symbol. The reports are the log's, read whole or streamed."""
    console = (DATA / f"{name}.log").read_text(encoding="latin-1")
    squeezed = "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in console.split("\n"))
    wrapped = _textwrap_fill(squeezed, 80)
    assert max(map(len, wrapped.split("\n"))) == 80
    want = parse_log(console)
    assert want
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("rhel7-hard-lockup-nmi-panic", 67),
        ("x86-6.1-slub-redzone", 66),
        ("x86-6.1-slub-redzone", 67),
        ("armhf-6.1.0-50-mod-slub-redzone", 67),
    ],
)
def test_a_syslog_file_wrapped_by_textwrap_keeps_entries_cut_after_the_prefix(
    name: str, columns: int, tmp_path: Path
) -> None:
    """textwrap.fill() drops every blank at a cut: /var/log/messages wrapped so at 66-67
    columns cuts a trace entry in its indent after the printk time (3.10 x86
    printk_address() "[<%p>] %s%pB", 6.1 SLUB print_track()'s "\\t%pS") and leaves the
    prefix alone on its row, "... [1022334.611109]" then "[<ffffffff9c77a9b0>]
    panic+0xe8/0x21f", though one blank and the entry's first word would have fit. The
    entries stay the report's, read whole or streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(messages, columns)
    assert re.search(r"kernel: \[ *\d+\.\d+\]\n\S", wrapped)
    want = parse_log(messages)
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(
    ("name", "columns"),
    [("ppc64le-5.10-oops", 66), ("arm-3.4-oops", 70), ("x86-6.1-slub-redzone", 68)],
)
def test_a_syslog_file_wrapped_by_textwrap_in_register_blanks_reads_as_the_file(
    name: str, columns: int, tmp_path: Path
) -> None:
    """textwrap.fill() drops every blank at a cut: in /var/log/messages wrapped so at
    66-70 columns a register dump's name cut before its run of blanks ("... NIP:" then
    "c0000000007a1234 LR: ...", 5.10 powerpc show_regs()'s "NIP:  "REG; 3.4 ARM
    __show_regs()'s "pc : [<%08lx>]    lr : [<%08lx>]") looks like a row the next word
    would have fit after. Such near misses tell nothing of the wrap; the header cut
    before them ("Unable to handle" then "kernel NULL pointer dereference at virtual
    address 00000000", "BUG: Kernel NULL" then "pointer dereference on write at ...")
    is read whole, and the file's reports come out, read whole or streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(messages, columns)
    want = parse_log(messages)
    assert want
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize("name", ["ppc64le-6.1-do-irq-stack-overflow", "ppc64le-6.1.0-50-oom"])
def test_a_syslog_file_wrapped_by_textwrap_after_a_powerpc_register_name_keeps_the_trace(
    name: str, tmp_path: Path
) -> None:
    """6.1 arch/powerpc/kernel/process.c __show_regs() prints "NIP:  "REG" LR: ..." and
    "MSR:  "REG" ", two blanks after the name: /var/log/messages wrapped by
    textwrap.fill() at 66 columns cuts there and drops both ("... [    6.623358] NIP:"
    then "c0080000004a0204 LR: c0080000004a01ec CTR: 0000000000000000"), a row one blank
    short of its value. The dump an exception frame ("--- interrupt: 500 at ...") holds
    stays whole, and the trace entries after it stay the trace's, read whole or
    streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(messages, 66)
    assert re.search(r"\] NIP:\n[0-9a-f]{16} LR: ", wrapped)
    assert re.search(r"\] MSR:\n[0-9a-f]{16} <", wrapped)
    want = parse_log(messages)
    assert len(want[-1].frames) > 12
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


def test_a_syslog_file_wrapped_by_textwrap_before_an_i386_taint_keeps_it(tmp_path: Path) -> None:
    """2.6.18 arch/i386/kernel/traps.c show_registers() prints "EIP:    %04x:[<%08lx>]
    %s VLI", print_tainted() after four blanks: /var/log/messages wrapped by
    textwrap.fill() at 66 columns cuts in that run and drops it ("... kernel: EIP:
    0060:[<f8a1e0a3>]" then "Tainted: P      VLI"), though one blank and "Tainted:" would
    have fitted. The oops keeps its taint, read whole or streamed."""
    name = "el5-i386-oops"
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(messages, 66)
    assert "kernel: EIP:    0060:[<f8a1e0a3>]\nTainted: P      VLI\n" in wrapped
    want = parse_log(messages)
    assert want[0].taint_flags == ["proprietary module loaded"]
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(
    ("name", "columns"),
    [("armhf-6.1.0-50-mod-slub-poison", 71), ("armhf-6.1.0-50-mod-stack-overflow", 73)],
)
def test_a_syslog_file_wrapped_by_textwrap_after_the_prefix_keeps_arm_entries(
    name: str, columns: int, tmp_path: Path
) -> None:
    """6.1 arch/arm/kernel/traps.c dump_backtrace_entry() prints " %ps from %pS", one
    blank before the callee: in /var/log/messages wrapped by textwrap.fill() at 71-74
    columns a long callee is cut from the printk time, both blanks dropped ("...
    [    2.801929]" then "hotfence_crash_slub_poison [hotfence_crash] from" then
    "hotfence_crash_do+0x118/0x194 [hotfence_crash]"), though one blank and the callee
    would have fitted. The entry stays the trace's: SLUB's report is titled by the
    module's function that allocated, as the kernel's trace says, read whole or
    streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(messages, columns)
    assert re.search(r"\] *\nhotfence_crash_\w+ \[hotfence_crash\] from\n", wrapped)
    want = parse_log(messages)
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(
    ("name", "columns"),
    [("s390x-5.10-oops", 68), ("arm64-6.1-oops", 68), ("rhel7-hard-lockup-nmi-panic", 70)],
)
def test_a_wrapped_syslog_file_quoted_and_rewrapped_is_no_cut_log(
    name: str, columns: int, tmp_path: Path
) -> None:
    """/var/log/messages wrapped by textwrap.fill() at 68-70 columns, quoted by a reply
    ("> " before every row) and the reply wrapped again at the same width: a row of the
    first wrap now holds exactly ``columns`` ("> Mar 22 20:35:27 dixan kernel: [
    512.771153]  [<00000000009a1e1c>]") and goes on in a row quoted as it is ("> sysrq_
    handle_crash+0x1c/0x28"), many of them, none wider. Those rows are a wrap's, not a
    cut's with no mark (stamps.cut_width): their last column ("]", a pid's digit) is
    no pager's mark, and the trace, the task and the title are the file's, read whole
    or streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(_quoted_rows(_textwrap_fill(messages, columns), "> "), columns)
    assert re.search(rf"(?m)^> [^\n]{{{columns - 2}}}\n> \S", wrapped)
    assert max(map(len, wrapped.split("\n"))) == columns
    want = parse_log(messages)
    assert want[0].frames and want[0].comm
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize("columns", [72, 74, 76])
@pytest.mark.parametrize("name", ["mipsel-6.1.0-50-kill-init", "mips64el-6.1.0-50-kill-init"])
def test_a_boot_banner_a_wrap_cut_after_a_hyphen_names_the_release(
    name: str, columns: int, tmp_path: Path
) -> None:
    """6.1 init/version.c linux_banner, "Linux version " UTS_RELEASE " (" ...: in
    /var/log/messages wrapped by textwrap.fill() at 72-76 columns the release is cut
    after one of its hyphens ("... [    0.000000] Linux version 6.1.0-50-4kc-" then
    "malta (debian-kernel@lists.debian.org) ..."). The kill of init names no release of
    its own: the banner's is its, whole, read whole or streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(messages, columns)
    assert re.search(r"\] Linux version 6\.1\.0-50-[45]kc-\nmalta \(", wrapped)
    want = parse_log(messages)
    assert want[0].kernel_release is not None and want[0].kernel_release.endswith("kc-malta")
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize("columns", [66, 67, 68])
@pytest.mark.parametrize(
    "name", ["arm64-6.1.0-50-mod-stack-overflow", "riscv64-6.12.117+deb13-mod-stack-overflow"]
)
def test_a_syslog_file_wrapped_after_insufficient_stack_keeps_the_overflow(
    name: str, columns: int, tmp_path: Path
) -> None:
    """6.1 arm64 panic_bad_stack() and 6.12 riscv handle_bad_stack() (arch/*/kernel/
    traps.c) print "Insufficient stack space to handle exception!", the stacks' bounds
    and the registers ("pc : %pS", "epc : %pS"), then panic "kernel stack overflow". In
    /var/log/messages wrapped by textwrap.fill() at 66-68 columns the first line is cut
    after "stack" ("... [    1.931921] Insufficient stack" then "space to handle
    exception!"). The report still starts there and takes its RIP from the registers,
    read whole or streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(messages, columns)
    assert "] Insufficient stack\nspace to handle exception!\n" in wrapped
    (want,) = parse_log(messages)
    assert want.rip is not None
    copy = tmp_path / f"{name}.log"
    _assert_read_whole_and_streamed(wrapped, [want], copy)
    (whole,) = parse_log(wrapped)
    (streamed,) = triage_input(str(copy), jobs=1).reports
    assert whole.rip == streamed.rip == want.rip


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("s390x-6.1.0-50-mod-slub-poison", 66),
        ("mipsel-6.1.0-50-oom", 66),
        ("arm64-6.1.0-50-mod-warn", 66),
        ("i386-6.1.0-50-hung-task", 66),
        ("x86-6.1-rtnl-dump-stack", 67),
    ],
)
def test_a_narrow_wrap_quoted_and_rewrapped_as_narrow_reads_as_the_file(
    name: str, columns: int, tmp_path: Path
) -> None:
    """/var/log/messages wrapped by textwrap.fill() at 66-67 columns, quoted by a reply
    ("> " before every row) and the reply wrapped again at the same width: each quoted
    row the quote pushed past the width is cut again, its last word in a short row of no
    quote ("> ... [    3.604382] CPU: 0 PID: 78", "Comm:", "> dd Not tainted ..."). That
    short row, read with the row before it, is the first wrap's row, as narrow as the
    reply's (after the quote, the rows show two columns less): the wrap is still read
    around the cuts, the headers it cut are whole (mm/oom_kill.c dump_header()'s "%s
    invoked oom-killer: ...", kernel/panic.c __warn()'s "WARNING: CPU: %d PID: %d at
    %pS", 6.1), and the file's reports come out, read whole or streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(_quoted_rows(_textwrap_fill(messages, columns), "> "), columns)
    assert re.search(r"(?m)^> [^\n]+\n[^>\s][^\n]*\n> \S", wrapped)
    want = parse_log(messages)
    assert want
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("arm64-6.1.0-50-mod-slub-redzone", 70),
        ("armhf-6.1.0-50-mod-slub-poison", 69),
        ("mips64el-6.1.0-50-mod-slub-redzone", 71),
        ("riscv64-6.12.117+deb13-mod-slub-poison", 70),
    ],
)
def test_a_slub_header_a_quoted_journals_rewrap_cut_twice_is_whole(
    name: str, columns: int, tmp_path: Path
) -> None:
    """mm/slub.c slab_bug() prints "BUG %s (%s): %s" (6.1, 6.12: the cache, the taint,
    the problem). `journalctl -k` wrapped by textwrap.fill() at 69-71 columns cuts it
    after the last flag ("... kernel: BUG kmalloc-128 (Tainted: G           OE" then
    "): Right Redzone overwritten"); a reply quotes it ("> ") and its rewrap at the same
    width cuts the quoted row again in the flags' blanks: three rows, "> ... (Tainted:
    G", "OE", "> ): Right Redzone overwritten". The header is whole, the report SLUB's,
    read whole or streamed."""
    journal = _paged_journal((DATA / f"{name}.log").read_text(encoding="latin-1"), 1 << 20)
    wrapped = _textwrap_fill(_quoted_rows(_textwrap_fill(journal, columns), "> "), columns)
    assert re.search(r" BUG kmalloc-\d+ \(Tainted: G\n[A-Z][A-Z ]*\n> \): \w", wrapped)
    want = parse_log(journal)
    assert want[0].title.startswith("SLUB: ")
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(
    ("name", "columns", "cut"),
    [
        ("arm-3.4-oops", 66, "] CPU: 1\nTainted:\n> G "),
        ("centos7-dockerd-ip6mr", 66, " Tainted: G\n------------\n> T 3.10.0-"),
        ("el5-i386-oops", 67, "kernel: EIP:    0060:[<f8a1e0a3>]\nTainted:\n> P "),
    ],
)
def test_a_quoted_wrap_rewrapped_in_a_run_of_blanks_keeps_its_taint(
    name: str, columns: int, cut: str, tmp_path: Path
) -> None:
    """/var/log/messages wrapped by textwrap.fill() at 66-67 columns, quoted by a reply
    ("> ") and the reply wrapped again at the same width, unaware of the quote: a quoted
    row the quote pushed past the width is cut in a run of blanks, its end in a row of
    no quote, the first wrap's next row quoted after it: 3.4 ARM __show_regs()'s "CPU:
    %d    %s  (%s %.*s)" as "> ... CPU: 1", "Tainted:", "> G           O  (3.4.0-
    g8c1e2d4 #1)"; RHEL 7's dump_stack_print_info() "... Tainted: G" "------------" "> T
    3.10.0-957..."; 2.6.18 i386 show_registers()'s "EIP:    %04x:[<%08lx>]    %s VLI".
    The row of no quote is the quoted row's rest, and the two the first wrap's row: the
    release and the taint are the file's, read whole or streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(_quoted_rows(_textwrap_fill(messages, columns), "> "), columns)
    assert cut in wrapped
    want = parse_log(messages)
    assert want[0].kernel_release and want[0].taint_flags
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(
    ("name", "columns", "comm"),
    [
        ("arm64-6.1-cfi-failure", 72, "xdp-loader"),
        ("x86-6.1-slub-redzone", 72, "mydrv-test"),
        ("x86-6.1-kfence-uaf", 74, "mydrv-test"),
    ],
)
def test_a_comm_a_quoted_wraps_rewrap_cut_after_its_hyphen_is_whole(
    name: str, columns: int, comm: str, tmp_path: Path
) -> None:
    """/var/log/messages wrapped by textwrap.fill() at 72-74 columns, which breaks after
    a hyphen too, quoted by a reply ("> ") and the reply wrapped again at the same width:
    lib/dump_stack.c dump_stack_print_info()'s "CPU: %d PID: %d Comm: %.20s ..." (6.1)
    is cut inside the task's name by the first wrap ("Comm: xdp-" then "loader Tainted:
    ..."), and the quoted row again by the reply's ("> ... PID: 412 Comm:", "xdp-", ">
    loader Not tainted ..."). The two rows are the first wrap's row, cut after its
    hyphen: the name goes on with no blank, read whole or streamed."""
    messages, _ = _bugzilla_syslog((DATA / f"{name}.log").read_text(encoding="latin-1"))
    wrapped = _textwrap_fill(_quoted_rows(_textwrap_fill(messages, columns), "> "), columns)
    head, _, tail = comm.partition("-")
    assert f"\n{head}-\n> {tail} " in wrapped
    want = parse_log(messages)
    assert comm in {r.comm for r in want}
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(("columns", "quoted"), [(68, False), (71, False), (69, True)])
def test_an_arm64_fault_name_a_wrap_cut_after_its_hyphen_is_whole(
    columns: int, quoted: bool, tmp_path: Path
) -> None:
    """6.1 arch/arm64/mm/fault.c die_kernel_fault() prints "Unable to handle kernel %s at
    virtual address %016lx", the name "write to read-only memory" (__do_kernel_fault()):
    `journalctl -k` wrapped by textwrap.fill() at 68-71 columns, which breaks after a
    hyphen too, cuts it inside "read-only" ("... kernel: Unable to handle kernel write to
    read-" then "only memory at virtual address ffff800008a12000"); quoted by a reply and
    rewrapped, the "read-" in a row of its own. The name goes on with no blank: the
    title is the kind's, read whole or streamed."""
    name = "arm64-6.1-ro-write"
    journal = _paged_journal((DATA / f"{name}.log").read_text(encoding="latin-1"), 1 << 20)
    wrapped = _textwrap_fill(journal, columns)
    if quoted:
        wrapped = _textwrap_fill(_quoted_rows(wrapped, "> "), columns)
    assert re.search(r"read-\n(?:> )?only memory at virtual address", wrapped)
    want = parse_log(journal)
    assert want[0].title.startswith("BUG: unable to handle kernel write to read-only memory")
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


def _assert_textwrap80_file_reads_as_unwrapped(
    name: str, host: str, row: str, tmp_path: Path
) -> None:
    """The in-repo log ``name`` as /var/log/messages of ``host``, wrapped by
    textwrap.fill(line, 80): ``row`` (the row break shown as "\\n") must fall right after
    a row filled to exactly 80, and the reports are the unwrapped file's, read whole or
    streamed."""
    console = (DATA / f"{name}.log").read_text(encoding="latin-1")
    messages = "\n".join(
        f"Nov 29 14:00:00 {host} kernel: {line}" if line else line for line in console.split("\n")
    )
    wrapped = _textwrap_fill(messages, 80)
    cut = wrapped.find(row)
    assert cut != -1 and cut - wrapped.rfind("\n", 0, cut) - 1 + row.index("\n") == 80
    want = parse_log(messages)
    assert want
    _assert_read_whole_and_streamed(wrapped, want, tmp_path / f"{name}.log")


@pytest.mark.parametrize(
    ("name", "host", "row"),
    [
        # 6.18 mm/oom_kill.c __oom_kill_process(): "%s: Killed process %d (%s) ..."
        ("x86-6.18.44-memcg-oom", "fc-01", "Memory cgroup out of memory: Killed\nprocess"),
        ("x86-6.18.44-pod-context", "fc-01", ": Killed\nprocess"),
        # 6.1 kernel/hung_task.c check_hung_task(): "INFO: task %s:%d blocked for more
        # than %ld seconds."
        ("arm64-6.1.0-50-hung-task", "vm1", "blocked for more\nthan"),
        ("arm64-6.1.0-50-hung-task", "arm64-vm", "blocked for\nmore than"),
        ("ppc64le-6.1.0-50-hung-task", "ppc64le-vm-01", "blocked\nfor more than"),
    ],
)
def test_a_syslog_file_textwrap_filled_to_80_keeps_the_blank_of_a_full_row(
    name: str, host: str, row: str, tmp_path: Path
) -> None:
    """/var/log/messages wrapped by Python's textwrap.fill(line, 80) with its defaults
    (break_on_hyphens, drop_whitespace, no squeeze of the blanks): a row the wrap filled
    to exactly 80, a terminal's width, dropped the blank it was cut at, and goes on after
    it ("...: Killed" then "process 25482 (python3) ..."), not glued as a terminal's
    mid-word cut ("Killedprocess"). The reports are the file's, read whole or streamed."""
    _assert_textwrap80_file_reads_as_unwrapped(name, host, row, tmp_path)


@pytest.mark.parametrize(
    ("name", "host", "row"),
    [
        # 6.6 kernel/watchdog.c watchdog_hardlockup_check(): pr_emerg("Watchdog detected
        # hard LOCKUP on cpu %d\n", cpu)
        ("x86-6.6-hard-lockup-buddy", "hhhhhhhh", "Watchdog detected hard\nLOCKUP on cpu 3"),
        ("riscv64-6.12.117+deb13-mod-hardlockup", "hhhhhhhh", "detected hard\nLOCKUP on cpu 0"),
        # 6.6 arch/x86/kernel/cpu/mce/core.c __print_mce(): "CPU %d: Machine Check%s: %Lx
        # Bank %d: %016Lx\n"
        ("x86-mce-fatal", "hhh", "CPU 7: Machine\nCheck Exception: 5 Bank 4:"),
    ],
)
def test_a_header_a_textwrap_fill_to_80_cut_after_a_full_row_starts_its_report(
    name: str, host: str, row: str, tmp_path: Path
) -> None:
    """/var/log/messages wrapped by Python's textwrap.fill(line, 80) with its defaults
    (break_on_hyphens, drop_whitespace, no squeeze of the blanks): a header's row filled
    to exactly 80 goes on with the words that make it a header in a row of no prefix
    ("... watchdog: Watchdog detected hard" then "LOCKUP on cpu 3"). The report starts
    at the prefixed row, read whole; the reports are the file's, read whole or streamed."""
    _assert_textwrap80_file_reads_as_unwrapped(name, host, row, tmp_path)
