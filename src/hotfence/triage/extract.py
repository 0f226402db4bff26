"""Step 2 of parsing a log: collect one report's lines from its header line on.

Like syzkaller's ``findReport``: a report's lines are the following lines of the same
printk context (task/CPU caller id, when the log has one) up to the next header line that
does not continue the report (a ``Kernel panic`` right after a BUG does; another BUG does
not). Unreliable `` ? `` frames are kept but left out of the title text. The report's own
text stops at the next report, at an end marker (``---[ end trace``, ``Kernel Offset:``),
at a pause of more than 10 s in printk time (or, on lines without one, in the wall-clock
time a reader stamped them with: dmesg -T, syslog, journalctl) or where printk time goes
back (another copy of the log); a few lines more are read for the title and the
corruption check.
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from . import oopses
from .fields import call_trace, one_entry_a_line, parse_frame, rip_frame, task_fields
from .lines import (
    CONSOLE,
    STAMP_END,
    SYSLOG,
    Line,
    caller_id,
    from_userspace,
    is_echo_fragment,
    is_journal_boot_line,
    is_journal_message,
    journal_boot_id,
    journal_entry_boot,
    journal_entry_transport,
    make_line,
    monotonic_journal_host,
    needs_plain,
    parse_prefix,
    plain_line,
    record_text,
    task_stream,
)
from .modules import (
    MAX_LIST_ROWS,
    ends_list,
    goes_on_list,
    heads_list,
    list_rest,
    rows_close_list,
)
from .oopses import OopsKind
from .scan import is_replay_marker, prefixed_row
from .taint import PAGER_MARK
from .wallclock import (
    SINCE_LAST,
    HumanClock,
    HumanMark,
    WallTime,
    least_gap,
    same_stamp,
    wall_stamp,
    wall_time,
)

# Lines of context kept before a report (more with per-task caller ids: they are ours).
_PREFIX_LINES = 5
_PREFIX_LINES_TASK = 50
# A report of a task/CPU context continues past interleaved reports of others; bound it.
_MAX_REPORT_LINES = 3000
_MAX_REPORT_CHARS = 1 << 20
# A journal printed a field a line (journalctl -o export, -o verbose, -o json-pretty:
# systemd's logs-show.c) spends a line on each field of an entry, its MESSAGE one of
# them: a kernel entry is a dozen lines (journald-kmsg.c's fields and the entry's
# __CURSOR, timestamps, _BOOT_ID, _MACHINE_ID, _HOSTNAME), a device's a few more. Its
# reports are bounded in entries as others are in lines.
JOURNAL_FIELD_LINES = 24


def max_report_lines(header: str) -> int:
    """How many log lines a report whose header line is ``header`` may span."""
    if is_journal_message(header):
        return _MAX_REPORT_LINES * JOURNAL_FIELD_LINES
    return _MAX_REPORT_LINES


# Lines after which a task's report has nothing more to say.
_REPORT_TERMINATORS = ("---[ end trace", "Kernel Offset:", "Rebooting in ", "---[ end Kernel panic")


# arch/powerpc/xmon/xmon.c excprint(), xmon's first line on entry: "cpu 0x%x: " (SMP
# kernels), then "Vector: %lx %s at [%px]".
_XMON_ENTRY_RE = re.compile(r"^(?:cpu 0x[0-9a-f]+: )?Vector: [0-9a-f]+ .* at \[[0-9a-f]+\]\s*$")


# kdb's first lines when die()'s notify_die(DIE_OOPS) enters it (4.1-6.x kernel/debug/kdb/
# kdb_main.c kdb_local(), KDB_REASON_OOPS): "\nEntering kdb (current=0x%p, pid %d) ",
# "on processor %d " (SMP), "Oops: %s\n", "due to oops @ 0x%lx\n", then kdb_dumpregs()'s
# show_regs(). kdb_printf() writes to the consoles itself, and printk() while kdb holds
# them goes through it (vkdb_printf(), KDB_MSGSRC_PRINTK): no printk time on any of them,
# though the oops' header before them has one (arm's __die(): "Internal error: ..." is
# printk()ed before notify_die()). The register dump is the oops' own.
_KDB_OOPS_ENTRY_RE = re.compile(
    r"^Entering kdb \(current=0x[0-9a-f]+, pid \d+\) (?:on processor \d+ )?Oops: "
)


# xmon excprint()'s task line, the last of its summary before print_bug_trap()
_XMON_TASK_RE = re.compile(r" +pid += \d+, comm = ")


def _xmon_entry(raw: str) -> bool:
    """Does ``raw`` start a kernel debugger's console output on an oops: powerpc's xmon
    (``_XMON_ENTRY_RE``) or kdb (``_KDB_OOPS_ENTRY_RE``)?"""
    if raw[:4] == "Ente":
        return _KDB_OOPS_ENTRY_RE.match(raw) is not None
    return raw[:4] in ("cpu ", "Vect") and _XMON_ENTRY_RE.match(raw) is not None


def _terminates(raw: str) -> bool:
    """Does a line hold one of _REPORT_TERMINATORS? (Substring tests: a regex
    alternation of them costs four times as much on every line of a report.)"""
    return (
        ("---[ end " in raw and ("---[ end trace" in raw or "---[ end Kernel panic" in raw))
        or "Kernel Offset:" in raw
        or "Rebooting in " in raw
    )


assert all(_terminates(f"x {t} y") for t in _REPORT_TERMINATORS)


# The first line of an OOM killer's dump: dump_header()'s "%s invoked oom-killer:
# gfp_mask=..." (mm/oom_kill.c; a mail client's wrap may cut it after "oom-killer:"),
# 2.6.9-2.6.1x out_of_memory()'s "oom-killer: gfp_mask=0x%x, order=%d" without the task.
OOM_DUMP_STARTS = ("invoked oom-killer", "oom-killer: gfp_mask=")


def is_oom_dump_start(raw: str) -> bool:
    """Is ``raw`` the first line of an OOM killer's dump (OOM_DUMP_STARTS)? (Runs on every
    line of a report window: one search for the word both starts hold rules out most.)"""
    return "oom-killer" in raw and any(start in raw for start in OOM_DUMP_STARTS)


assert all("oom-killer" in start for start in OOM_DUMP_STARTS)


def _oom_killer_line(raw: str) -> bool:
    """Does ``raw`` start an OOM killer's dump or tell its kill? mm/oom_kill.c prints them
    as messages of their own, never inside another report: the dump's first line
    (OOM_DUMP_STARTS) first, the kill's "[Memory cgroup o|O]ut of memory: Killed process
    %d (%s) ..." last (before 5.x the choice's "...: Kill process %d (%s) score %u or
    sacrifice child" before it)."""
    return is_oom_dump_start(raw) or "ut of memory: Kill" in raw


# The lines after an OOM killer's first one looked at to tell its own dump from this
# report's trace going on (_Window._trace_goes_on): its "cpuset=... mems_allowed=..." line
# (before 4.19's one-line oom-kill:), then dump_stack()'s header or the gfp details.
_OOM_LOOKAHEAD_LINES = 4
_OOM_DUMP_GOES_ON = ("CPU: ", "Call Trace", "Call trace", "Hardware name", "Mem-Info", "oom-kill:")

# Seconds of silence between two lines of one report after which it is over.
_REPORT_TIME_GAP = 10.0

# ... but for the line a CPU prints when another did not answer its call for a backtrace:
# powerpc raise_backtrace_ipi() (arch/powerpc/kernel/stacktrace.c, 4.18 to 6.x), after
# nmi_trigger_cpumask_backtrace()'s "Sending NMI from CPU %d to CPUs %*pbl:"
# (lib/nmi_backtrace.c), waits 5 s for the stalled CPU's own backtrace, then prints "CPU
# %d didn't respond to backtrace IPI, inspecting paca." and the stack its paca holds: the
# stalled CPU's, the report's own, however long the wait took (the asking CPU itself
# stuck printing, a guest's slow clock: 48 s in an RCU stall's on QEMU). Its first words
# only: a syslog file pasted in Bugzilla (wrapped at 79 columns) leaves "IPI, inspecting
# paca." on a row of its own; a mail client's wrap at 73 columns cuts it sooner, "CPU 1
# didn't respond to" going on "backtrace IPI, inspecting paca.": the row's last words. (A
# reply's rewrap at 66 of a mail-wrapped quote cuts it sooner still: "> ... [
# 79.100786] CPU 1 didn't", "> respond to backtrace", "> IPI, inspecting paca.")
_LATE_BACKTRACE = "didn't respond to backtrace"
_LATE_BACKTRACE_CUT_RE = re.compile(r"\bdidn't respond(?: to)?\s*$|\bCPU \d+ didn't\s*$")


def _reader_time(stamp: str) -> bool:
    """Is a wall-clock ``stamp`` (wallclock.wall_stamp's text) the time a reader gave the
    line when it read it (syslogd, journald), not one util-linux dmesg computed from the
    record's printk time (print_record(): -T's "[%a %b %e %H:%M:%S %Y]", --time-format
    iso's "%Y-%m-%dT%H:%M:%S,%06ld%z")?"""
    return not stamp.startswith("[") and "," not in stamp


# The header a trace's entries follow in the same call (show_trace_log_lvl() and the like)
_CALL_TRACE_HEAD_RE = re.compile(r"\s*Call [Tt]race:\s*$")


def _late_backtrace(raw: str) -> bool:
    return _LATE_BACKTRACE in raw or _LATE_BACKTRACE_CUT_RE.search(raw) is not None


# ... and for the first answer to that call, when it comes right after it: the CPUs it
# names ("%*pbl", "0-3,5") print their own backtraces, and nmi_trigger_cpumask_backtrace()
# waits up to 10 s for them (10000 mdelay(1)s: a guest under QEMU's TCG sees printk
# time jump 20-30 s meanwhile, as in the ppc64le log). An answer is lib/nmi_backtrace.c
# nmi_cpu_backtrace()'s "NMI backtrace for cpu %d" (" skipped: idling at %pS" since 5.1),
# or, on powerpc, where the asked CPU spins with interrupts soft-masked and takes the
# IPI only when they come back on, wd_smp_clear_cpu_pending()'s "CPU %d became unstuck
# TB:%lld" and show_regs() (arch/powerpc/kernel/watchdog.c, 4.13 to 6.x): the stalled
# CPU's own dump, the one the call asked for (its first words: a mail's wrap at 73
# columns leaves "unstuck TB:..." on a row of its own). Anything else after the pause (RCU's
# "kthread starved" part, another report) is not the answer, and the pause ends the
# report as ever.
_ASKED_CPUS_RE = re.compile(r"Sending NMI from CPU \d+ to CPUs ([\d,-]+):")
# (a narrow rewrap of a mail-wrapped quote cuts the call itself before its CPU, "> ...
# [   94.008648] Sending NMI from" then "> CPU 0 to CPUs 1:": the row is the call, its
# rest joined to it later, _Window._joins_wrapped)
_CUT_CALL_ENDS = ("Sending NMI from", "Sending NMI")
_ANSWER_RE = re.compile(r"NMI backtrace for cpu (\d+)|\bCPU (\d+) became\b")
# (a wrap at 66-68 columns after a syslog prefix and a printk time cuts the answer's first
# words before its CPU, "... [   80.601221] NMI backtrace for" then "cpu 0", or "for cpu"
# then "0", or before "became": "... [  117.310572] watchdog: CPU 1" then "became unstuck
# TB:68851499603". The answer is the row read with its rest, _Window._answer_row.)
_CUT_ANSWER_RE = re.compile(r"\bNMI backtrace(?: for(?: cpu)?)?\s*$|\bCPU \d+\s*$")


# kernel/rcu/tree_stall.h print_other_cpu_stall() (6.12): after rcu_dump_cpu_stacks(),
# whose nmi_trigger_cpumask_backtrace() waits up to 10 s for the stalled CPUs' answers,
# the same report goes on with rcu_check_gp_kthread_expired_fqs_timer()'s "%s kthread
# timer wakeup didn't happen for %ld jiffies! ..." and rcu_check_gp_kthread_starvation()'s
# "%s kthread starved for %ld jiffies! ...": the pause before them was that wait, and a
# stalled CPU that spun with interrupts off answers later still (riscv's IPI is taken
# only once they come back on), after them (_Window.asked). (Their first words: a mail's
# or a terminal's wrap may end the row after "kthread"; a narrower one, at 66-68 columns
# after a syslog prefix and a printk time, before it, after pr_err("%s kthread ...")'s
# "%s", rcu_state.name: "... [   67.127327] rcu: rcu_sched" then "kthread timer wakeup
# didn't happen for 6801 jiffies! ...". No line of RCU's ends in its flavour's name.)
_RCU_AFTER_WAIT_RE = re.compile(r"\bkthread(?: (?:timer|starved)\b|\s*$)|\brcu: rcu_\w+\s*$")
# print_other_cpu_stall()'s header, "INFO: %s detected stalls on CPUs/tasks:" (a wrap may
# end its row after the flavour's name; a reply's rewrap at 66 of a mail-wrapped quote
# before it, after pr_fmt's "rcu: " and "INFO:": "> ... [   37.284004] rcu: INFO:" then
# "> rcu_sched detected", the header's row the scan found)
_RCU_STALL_RE = re.compile(r"INFO: rcu_\w+(?: detected\b|\s*$)|\brcu: INFO:\s*$")


def _answers_call(raw: str, call: str) -> bool:
    """Is ``raw``, after a long pause, the first answer (above) to ``call``, the "Sending
    NMI" line right before it in the report's stream?"""
    m = _ANSWER_RE.search(raw)
    asked = _ASKED_CPUS_RE.search(call) if m is not None else None
    if m is None or asked is None:
        return False
    cpu = int(m[1] or m[2])
    for part in asked[1].split(","):
        lo, _, hi = part.partition("-")
        if lo and int(lo) <= cpu <= int(hi or lo):
            return True
    return False


# printk stamps a record with local_clock(), whose CPUs the scheduler clock keeps within
# about a tick of each other (kernel/sched/clock.c sched_clock_local() clamps each CPU's
# clock to the window of the global one), and records from two CPUs meet in the log out
# of order only by that much (the real logs here: under 0.1 s, emulated CPUs). A record
# earlier than that is another copy of the log: a dmesg dump, kdump's vmcore-dmesg.txt or
# a pstore record appended after the console's lines, starting where its buffer did.
CLOCK_SKEW_MAX = 0.5
# How far before a report's header a record printed again is looked for (_went_back): a
# copy's records within CLOCK_SKEW_MAX of the report lie that close before it.
_REPEAT_SPAN = 1 << 16
_REPEAT_TRIES = 8
# Lines of other contexts in a row after which a report is taken to be over.
_TASK_GAP_LINES = 150
# Lines still read after a report ended or the next one began (the panic, or the
# "Allocated by task" part of a KASAN report that another report interrupted).
_TAIL_LINES = 100
# init/version.c linux_banner, "Linux version %s (%s) ...": start_kernel() prints it first
# at every boot; past it the machine booted again, and no line is the crash's before it.
_BOOT_BANNER_RE = re.compile(r"\s*Linux version \d+\.\d+[\w.\-+~]*\s+\(")


def _booted(text: str) -> bool:
    """Is ``text`` (a line without its prefix) a boot banner, or journalctl's line between
    two boots' entries (lines.is_journal_boot_line): another boot starts?"""
    return _BOOT_BANNER_RE.match(text) is not None or is_journal_boot_line(text)


def _other_boot(raw: str, boot: str) -> bool:
    """Does ``raw`` name a journal entry's boot (lines.journal_boot_id) other than
    ``boot``? journalctl -o export and json name each entry's: where it changes the
    machine rebooted, whether journalctl printed its "-- Boot <id> --" line or not
    (--quiet, --merge, journals of several machines' boots concatenated)."""
    if "_BOOT_ID" not in raw:
        return False
    named = journal_boot_id(raw)
    return named is not None and named != boot


def _may_boot(raw: str) -> bool:
    """Cheap test before ``_booted``: may ``raw`` (a line as it came) hold either?"""
    return "Linux version " in raw or raw.startswith("-- ")


def _cut_printk_time(header: Line, after: Line) -> bool:
    """Is ``header`` a printk record whose time a copy of the log cut off? A selection
    made from the oops's first word ("BUG: kernel NULL pointer dereference", "kernel BUG
    at", "WARNING: CPU:") leaves that line bare, the rest stamped by print_time()
    (kernel/printk/printk.c): the line right after it (``after``) carries a printk time,
    and the header is the record alone, at most the blank a copy keeps before it."""
    if header.timestamp is not None or header.context:
        return False
    # (a reply's quote of the copy, RFC 3676 4.5's ">" per level, is no prefix of it)
    raw = _QUOTE_PREFIX_RE.sub("", header.raw, 1) if header.raw[:1] == ">" else header.raw
    if after.timestamp is not None and raw.strip() == header.text.strip():
        return True
    # A copy that began inside the header's prefix, one character in: util-linux dmesg -T
    # prints "[%s] " of record_ctime()'s date (print_record(), 2.23 on), and a selection
    # that missed its "[" leaves "Sat Jan  4 14:33:55 2020] BUG: ...", no printk time in
    # the line after it to tell. With the bracket given back the header has the prefix
    # of the stamped line after it: the same stream. (Read once a report, for its header.)
    return (
        bool(after.context)
        and after.raw[:1] == "["
        and header.raw[:1] not in "[ "
        and "] " in header.raw[:64]
        and parse_prefix("[" + header.raw)[1] == after.context
    )


# arch/mips/mm/fault.c no_context()'s line before die(), die()'s own line and its
# show_registers()'s CPU (see _Window._other_cpus).
_MIPS_FAULT_CPU_RE = re.compile(r"\bCPU (\d+) Unable to handle kernel paging request at virtual")
_MIPS_DIE_RE = re.compile(r"Oops\[#\d+\]:\s*$")
_DIE_CPU_RE = re.compile(r"(?:CPU: (\d+) (?:UID: \d+ )?PID: |Cpu (\d+)\s*$)")

# A panic this close after a report's end trace is that crash's own panic.
_PANIC_GRACE_LINES = 8
# x86 prints the faulting registers again after "---[ end trace" (oops_end); those lines
# do not count against the grace above, so "Fatal exception" still joins its oops. A
# narrow mail wrap (66 columns after a syslog prefix and a printk time) cuts most of them
# right after their name ("... [    4.894476] RSP:" then "0018:ffffc900006dbc10 ..."):
# the walk notes the row before it joins its rest (_joins_wrapped), so the name alone, at
# the row's end, is the register line all the same.
_REGISTER_DUMP_RE = re.compile(
    r"^\s*(?:RIP|RSP|RAX|RBX|RCX|RDX|RSI|RDI|RBP|R\d{1,2}|FS|GS|CS|DS|ES|CR\d|DR\d|PKRU|Code):?(?:\s|$)"
)
# panic()'s line (kernel/panic.c, 6.1 and 6.12: pr_emerg("Kernel panic - not syncing:
# %s\n", buf)) that a narrow mail wrap cut before its "syncing" ("... [    4.895234]
# Kernel panic - not" then "syncing: Fatal exception", 66 columns after a syslog prefix
# and a printk time): the walk reads the row before it joins its rest, and a candidate
# (scan._wrapped_header read the two as the panic's header) ending so is the panic.
_CUT_PANIC_ROW_RE = re.compile(r"Kernel panic(?: -(?: not)?)?\s*$")
# Bound on a report's own text when nothing marks its end.
_MAX_OWN_LINES = 1500


@dataclass
class Extracted:
    header: Line
    kind: OopsKind
    prefix: list[Line]
    lines: list[Line]  # the report's own lines (header first)
    title_end: int  # lines[:title_end] feed the title
    own_end: int  # lines[:own_end] are the report's own; the rest only feed the corruption check
    next_pos: int  # where the search for the next report resumes


def info_with_stack(raw: str) -> bool:
    # Cheap common-substring guard first: this runs on every line of a report window.
    return ("ailure:" in raw or "FAULT_" in raw) and any(p in raw for p in oopses.INFO_WITH_STACK)


def is_report_start(raw: str) -> bool:
    text = record_text(raw)
    return not any(r.search(text) for r in oopses.REPORT_START_IGNORES)


def is_echo(raw: str, prev: str, text: str = "", after: int = -1) -> bool:
    """Is ``raw`` the previous line printed again, printk timestamp and all? The kernel
    stamps each record once (kernel/printk/printk.c, ``print_time()``), so a record read
    twice in a row with the same stamp is one record that two consoles (or a console and
    a ``dmesg -w`` in the same terminal) both wrote to the capture. Without printk time
    a line twice may be the kernel's own (a frame of a recursion); two consoles show
    themselves by the next line coming twice too: ``after``, when given, is where the
    line after ``raw`` starts in ``text``."""
    if raw != prev:
        return False
    if make_line(raw, 0, 0).timestamp is not None:
        return True
    return after >= 0 and _comes_twice(text, after, raw)


def _echoed_header(text: str, header: Line) -> bool:
    """Is the unstamped ``header`` written twice, two consoles' (is_echo)?"""
    if header.timestamp is not None or not text.startswith(header.raw + "\n", header.end + 1):
        return False
    return _comes_twice(text, header.end + 2 + len(header.raw), header.raw)


def echo_copy(text: str, s: int) -> bool:
    """Is the line at ``s`` a second console's copy of the line before it (is_echo): the
    same time and text, or unstamped, the same line, and the two lines after them, or the
    two before them, a pair of their own?"""
    end = text.find("\n", s)
    raw = text[s:] if end == -1 else text[s:end]
    first = s - len(raw) - 1  # where the line before starts, when it is the same
    if first < 0 or text[first : s - 1] != raw or (first and text[first - 1] != "\n"):
        return False
    if not raw.strip():
        return False
    if make_line(raw, 0, 0).timestamp is not None:
        return True
    if end != -1 and _comes_twice(text, end + 1, raw):
        return True
    before = text[max(0, first - 4096) : max(0, first - 1)].rsplit("\n", 2)[-2:]
    return len(before) == 2 and before[0] == before[1] != raw and bool(before[0].strip())


def once_each(lines: list[Line]) -> list[Line]:
    """``lines`` read once each where two consoles wrote every line twice (is_echo): its
    first two lines the same, and the two after them. (Stamped too: the same time and
    text twice in a row is one record; the kernel's own repeat of a line in the same
    microsecond, x86's " ? f+0x1/0x2" guess, then comes four times.)"""
    if (
        len(lines) < 4
        or lines[0].raw != lines[1].raw
        or lines[2].raw != lines[3].raw
        or lines[1].raw == lines[2].raw
    ):
        return lines
    out: list[Line] = []
    echoed = False
    for line in lines:
        if out and not echoed and line.raw == out[-1].raw:
            echoed = True
            continue
        echoed = False
        out.append(line)
    return out


# Empty lines read past, each twice, for the next line that shows two consoles (_comes_twice)
_ECHO_BLANKS = 2


def _comes_twice(text: str, pos: int, before: str) -> bool:
    """Is the line at ``pos`` of ``text`` another than ``before``, and the line after it
    the same again? (call_console_drivers() in kernel/printk/printk.c writes each record
    to every console in turn: with two on one capture every line comes twice in a row.)"""
    for _ in range(_ECHO_BLANKS + 1):
        end = text.find("\n", pos)
        if end == -1 or text.startswith(before + "\n", pos):
            return False
        line = text[pos:end]
        after = end + 1 + len(line)
        if not text.startswith(line, end + 1) or not text.startswith("\n", after):
            return False
        if line.strip():
            return True
        pos = after + 1  # an empty line twice (KFENCE's after its header): read on
    return False


# Two consoles on one capture where one writes behind the other: a serial console and
# netconsole (kernel/printk/printk.c hands each record to every console in turn:
# call_console_drivers() up to 5.18, 6.1's console_emit_next_record(); netconsole's
# write_msg(), drivers/net/netconsole.c, sends it as a UDP packet that the receiving
# host's netcat logs into the same file a moment later), or util-linux ``dmesg -w``
# (follow mode, sys-utils/dmesg.c reading /dev/kmsg) in the terminal the console writes
# to. Every record then comes twice, its copy a few lines later, amid the first
# console's next lines. How many lines later the copy comes, at most:
LAG_LINES = 16


def lagged_copy(text: str, header: Line) -> list[str] | None:
    """The lines before the stamped ``header`` (nearest last, at most twice LAG_LINES)
    when its record, printk time and text, comes again whole within LAG_LINES lines
    after it, not right after it (``is_echo``'s two consoles in step): two consoles, one
    behind the other (see above). The kernel stamps each record once (print_time()), and
    no header is printed twice in one microsecond: its copy is the second console's.
    None otherwise."""
    if header.timestamp is None:
        return None
    raw = header.raw
    after = list(_lines_after(text, header.start, LAG_LINES))
    if not any(line == raw for _, line in after[1:]):
        return None
    out = [line for _, line in _lines_before(text, header.start, 2 * LAG_LINES)]
    out.reverse()
    return out


def lag_copy(text: str, at: int) -> bool:
    """Is the line at ``at`` a lagging console's copy (lagged_copy): a stamped line, the
    same within twice LAG_LINES lines before it?"""
    end = text.find("\n", at)
    return _lag_copy(text, at, text[at:] if end == -1 else text[at:end])


def without_lag_copies(text: str, lines: list[Line]) -> list[Line]:
    """``lines`` (a block's, in order) less a lagging console's copies of its records and
    of those before it (lagged_copy), when its first line's record comes again so."""
    before = lagged_copy(text, lines[0]) if lines else None
    if before is None:
        return lines
    seen = deque(before, 2 * LAG_LINES)
    out: list[Line] = []
    for line in lines:
        if line.raw in seen and line.timestamp is not None and out:
            continue
        seen.append(line.raw)
        out.append(line)
    return out


def _lag_copy(text: str, at: int, raw: str) -> bool:
    """Is the line ``raw`` at ``at`` a lagging console's copy (lagged_copy): a stamped
    line, the same within twice LAG_LINES lines before it?"""
    if make_line(raw, 0, 0).timestamp is None:
        return False
    return any(line == raw for _, line in _lines_before(text, at, 2 * LAG_LINES))


# Each kernel line twice in a row, once with its printk time and once without: rsyslog
# with both imklog, which reads /proc/kmsg and leaves the "[time]" in the message (its
# ParseKernelTimestamp is off by default), and imjournal (journald reads /dev/kmsg and
# keeps the time as _SOURCE_MONOTONIC_TIMESTAMP, not in MESSAGE) writes both copies to
# /var/log/messages; a console with printk.time next to ``dmesg --notime -w`` in one
# terminal. print_time() (kernel/printk/printk.c) stamps every line of a stream alike:
# the same text right after itself, stamped once and once not, is one record's two copies.
def twins(first: Line, second: Line) -> bool:
    """Are ``first`` and ``second``, one line after the other, one record's two copies,
    one stamped and one not (see above)?"""
    return (first.timestamp is None) != (second.timestamp is None) and first.text == second.text


def stamped_twin_after(text: str, header: Line) -> bool:
    """Is the line after the unstamped ``header`` its stamped copy (``twins``)? That copy,
    whose times end the report where the kernel paused, is the report."""
    if header.timestamp is not None:
        return False
    for at, raw in _lines_after(text, header.start, 1):
        return twins(header, make_line(raw, at, 0))
    return False


# The same two readers, each writing its lines in blocks: rsyslog's imklog and imjournal
# are two inputs, each submitting what one read brought (imklog a read() of /proc/kmsg,
# imjournal the entries since its last sd_journal_wait()), so a burst of kernel lines
# comes out a batch of one reader's copies, then a batch of the other's. (openbmc/openbmc#2720's /var/log/messages: journald's copy, then klogd's,
# about 7 lines each.) The stamped copy of an unstamped header then comes up to a block
# later, at most (a block's lines, less the header's own):
_TWIN_BLOCK_LINES = LAG_LINES


def stamped_copy_after(
    text: str, header: Line, cands: Mapping[int, OopsKind] | None = None
) -> bool:
    """Is the stamped copy (``twins``) of the unstamped line ``header`` at most
    _TWIN_BLOCK_LINES lines after it (see above), a report header (``cands``) when
    given? The stamped lines between them are then the stamped block's copies of the
    unstamped lines right before it, line for line. (A bare header whose next line is
    stamped is a copy cut at the header's time, and the same words stamped after it
    another stall's: RCU prints its stall header alike each time,
    kernel/rcu/tree_stall.h print_other_cpu_stall().)"""
    if header.timestamp is not None or not header.text.strip():
        return False
    stop = _reach_after(text, header.end, _TWIN_BLOCK_LINES)
    if text.find(header.text, header.end, stop) == -1:
        return False  # (no copy of its text in reach: most lines)
    between: list[str] = []  # the stamped lines' texts between the two, in order
    for at, raw in _lines_after(text, header.start, _TWIN_BLOCK_LINES):
        line = make_line(raw, at, 0)
        if line.timestamp is None:
            continue
        if (
            (cands is None or at in cands)
            and twins(header, line)
            and _copies(text, header.start, between)
        ):
            return True
        between.append(line.text)  # (a line of the same text, a recursion's frame, too)
    return False


def _reach_before(text: str, start: int, most: int) -> int:
    """The start of the line ``most`` lines before the one at ``start`` (0 sooner)."""
    for _ in range(most):
        if start <= 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    return start


def _reach_after(text: str, at: int, most: int) -> int:
    """The ``most``-th line end after ``at`` (the text's end sooner)."""
    for _ in range(most):
        at = text.find("\n", at + 1)
        if at == -1:
            return len(text)
    return at


def block_copy(text: str, line: Line, cands: Mapping[int, OopsKind] | None = None) -> bool:
    """Is the unstamped ``line`` another reader's copy of a record, in blocks: its stamped
    copy a block before it (stamped_copy_before) or a block on (stamped_copy_after, a
    report header there when ``cands`` is given)?"""
    return stamped_copy_before(text, line) or stamped_copy_after(text, line, cands)


def _copies(text: str, at: int, texts: list[str]) -> bool:
    """Are the lines right before the one at ``at`` ``texts``, in order (stamped_copy_after's
    blocks: the other reader's copies of them)? (A line the kernel's stream holds without
    a time, a program's, comes so in both.)"""
    before = [make_line(raw, s, 0).text for s, raw in _lines_before(text, at, len(texts))]
    before.reverse()
    return before == texts


def stamped_copy_before(text: str, line: Line) -> bool:
    """Is the stamped copy (``twins``) of the unstamped ``line`` at most
    _TWIN_BLOCK_LINES lines before it, the other order of stamped_copy_after's blocks?
    The unstamped lines between them are then the copies of the stamped lines right
    before that copy, line for line."""
    if line.timestamp is not None or not line.text.strip():
        return False
    lo = _reach_before(text, line.start, _TWIN_BLOCK_LINES)
    if text.find(line.text, lo, line.start) == -1:
        return False  # (no copy of its text in reach: most lines)
    between: list[str] = []  # the unstamped lines' texts between the two, nearest first
    for at, raw in _lines_before(text, line.start, _TWIN_BLOCK_LINES):
        other = make_line(raw, at, 0)
        if other.timestamp is None:
            between.append(other.text)
        elif twins(line, other) and _copies(text, at, between[::-1]):
            return True
    return False


def _block_twinned(text: str, header: Line) -> bool:
    """Is the stamped ``header`` one of a pair of copies in blocks: its unstamped copy
    (``twins``) at most _TWIN_BLOCK_LINES lines before or after it (stamped_copy_after)?"""
    if header.timestamp is None or not header.text.strip():
        return False
    lo = _reach_before(text, header.start, _TWIN_BLOCK_LINES)
    hi = _reach_after(text, header.start, _TWIN_BLOCK_LINES)
    at = text.find(header.text, lo, hi)
    while at != -1:
        begin = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        line = make_line(text[begin:] if end == -1 else text[begin:end], begin, 0)
        if twins(line, header):
            return True
        at = text.find(header.text, at + 1, hi)
    return False


def _twinned(text: str, header: Line) -> bool:
    """Is the stamped ``header`` one of a pair of copies (``twins``): its unstamped copy
    right before or right after it?"""
    if header.timestamp is None:
        return False
    if any(
        twins(make_line(raw, at, 0), header) for at, raw in _lines_before(text, header.start, 1)
    ):
        return True
    return any(
        twins(header, make_line(raw, at, 0)) for at, raw in _lines_after(text, header.start, 1)
    )


def unstamped_twin(text: str, line: Line, before: Line | None) -> bool:
    """Is ``line`` a copy without printk time of the line ``before`` it or of the one
    after it (``twins``)? The stamped copy is read, whichever came first."""
    if line.timestamp is not None:
        return False
    if before is not None and twins(before, line):
        return True
    return any(twins(line, make_line(raw, at, 0)) for at, raw in _lines_after(text, line.start, 1))


def twin_copy(text: str, at: int) -> bool:
    """Is the line at ``at`` the unstamped copy of the stamped line right before it
    (``twins``)?"""
    if not at:
        return False
    end = text.find("\n", at)
    line = make_line(text[at:] if end == -1 else text[at:end], at, 0)
    if line.timestamp is not None:
        return False
    return any(twins(make_line(raw, start, 0), line) for start, raw in _lines_before(text, at, 1))


def without_twins(text: str, lines: list[Line]) -> list[Line]:
    """``lines`` (a block's, in order) less the unstamped copy of each pair of ``twins``
    when its first line is one of a pair (``_twinned``)."""
    if not lines or not _twinned(text, lines[0]):
        return lines
    return [
        line
        for i, line in enumerate(lines)
        if not unstamped_twin(text, line, lines[i - 1] if i else None)
    ]


# A mail client wraps a long line near 72-78 columns (RFC 3676's advice; Gmail's plain
# text), and the task header is the longest line of an oops: "[ 1.9] CPU: 0 PID: 88 Comm:
# sh Tainted: G           OE" goes on, unprefixed, "6.1.0-50-arm64 #1  Debian 6.1.176-1".
# (lib/dump_stack.c dump_stack_print_info(): the release follows print_tainted().)
# powerpc's show_regs() says the same in its "REGS: %px TRAP: %04lx   %s  (%s)" line,
# print_tainted() then the release in parentheses: "... TRAP: 0900   Tainted: G" goes on
# "OE       (6.1.0-50-powerpc64le Debian 6.1.176-1)".
# x86's 2.6 header says it as "Pid: %d, comm: %.20s %s %s" (arch/x86/kernel/process_64.c
# __show_regs(): print_tainted(), then the release), RHEL 6's taint with its marker:
# "Pid: 0, comm: swapper Tainted: G        W  ---------------  H" goes on "2.6.32-754...".
# 32-bit ARM's before 3.10 is "CPU: %d    %s  (%s %.*s)" (3.4 arch/arm/kernel/process.c
# __show_regs()): after a syslog prefix Bugzilla's wrap cuts "CPU: 1    Tainted: G" in
# the taint's blanks, and the row goes on "O  (3.4.0-g8c1e2d4 #1)". The hung task's
# line of its own, pr_err("      %s %s %.*s\n", print_tainted(), the release, the version)
# (4.x kernel/hung_task.c check_hung_task(); RHEL 6's 2.6.32 the same), is cut at 66-67
# columns after a syslog prefix before its release: "kernel:      Not tainted" then
# "2.6.32-504.el6.x86_64 #1".
_CUT_HEADER_RE = re.compile(
    r"(?:CPU: ?\d+,? (?:UID: \d+ )?PID: \d+ Comm: .{1,20}? (?:Kdump: loaded )?|"
    r"^Pid: \d+, comm: .{1,20}? |^REGS: [0-9a-f]+ TRAP: [0-9a-f]{4} +|^CPU: \d+ {4}|^ {4,})"
    r"(?:Not tainted|Tainted:(?: [A-Z?](?:[A-Z?\- ]*[A-Z?\-])?)?)\s*$"
)
# (The wrap may fall right after "Tainted:", before its flags: 6.12 lib/dump_stack.c
# dump_stack_print_info()'s "CPU: %d UID: %u PID: %d Comm: %.20s %s%s %s %.*s", whose
# print_tainted() is "Tainted: " and the flags, passes 70 columns after a "<4>[ 3.258038] "
# prefix with a long comm ("kworker/0:0"); the next row starts with the flags.)
# (The wrap may fall inside the taint's run of spaces: the next line then starts with the
# rest of its flags, and on RHEL 7 with its "------------ T" marker after them, printed by
# the distribution's print_tainted() before the release.)
_RELEASE_START_RE = re.compile(
    r"^(?:[A-Z?\-]+ +)*(?:\d+\.\d+[\w.\-+~]* #\d|\(\d+\.\d+[\w.\-+~]*[ )])"
)
# (The wrap may fall right after "Comm:", before the comm: a vendor prefix makes the line
# longer still ("> [ 66.575408s] [pid:5118,cpu4,QThread,5]CPU: 4 PID: 5118 Comm:" in an
# LKML reply, 2024-07-05); the next row is the comm ("%.20s"), then the taint.)
_CUT_COMM_RE = re.compile(r"CPU: ?\d+,? (?:UID: \d+ )?PID: \d+ Comm:\s*$")
_COMM_NAME_REST_RE = re.compile(r"^\S.{0,19}? (?:Kdump: loaded )?(?:Not tainted|Tainted: )")
# (A wrap that drops the whole run of blanks it broke in may cut the taint's run of spaces
# and leave the next flags alone in a row, the release in the row after: RHEL 6's "Pid:
# 0, comm: swapper Tainted: G" goes on "W" and "---------------  H 2.6.32-754.el6.x86_64
# #1" in a reply's rewrap of a first wrap at 78 (2.6.32 arch/x86/kernel/process_64.c
# __show_regs() "Pid: %d, comm: %.20s %s %s %.*s %s", print_tainted() the third). A row of
# flags alone is no line of the kernel's.)
_TAINT_FLAGS_REST_RE = re.compile(r"^[A-Z?](?:[A-Z?\- ]*[A-Z?\-])?\s*$")
# A mail client that breaks lines as Unicode's line breaking algorithm does (UAX #14:
# LB21 allows a break after a hyphen, LB25 forbids one before a digit) cuts a release
# inside a word, after one of its hyphens: "... Not tainted 6.1.0-56-" goes on "amd64 #1".
# No release ends in "-" (the build's KERNELRELEASE, then " #N" from scripts/mkcompile_h:
# lib/dump_stack.c dump_stack_print_info(), x86's old "Pid: N, comm:" line, i386's
# "EFLAGS: ... (VER #1)", ARM's and powerpc's "Not tainted  (VER #1)"), and the next line
# going on with the release's rest and the "#N" build tag proves the cut.
_CUT_RELEASE_RE = re.compile(
    r"(?:(?:Not tainted|Tainted: [A-Z?](?:[A-Z?\- ]*[A-Z?\-])?)|EFLAGS: [0-9a-f]+) +"
    r"\(?\d+\.\d+[\w.\-+~]*-$"
)
_RELEASE_REST_RE = re.compile(r"^[\w.\-+~]+ #\d")
# A wrap at 66-70 columns falls after the release, before its " #N" build tag: "...
# Tainted: P           OE     5.15.0-91-generic" then "#101-Ubuntu" (5.15 lib/dump_stack.c
# dump_stack_print_info() "... %s %.*s": the release, then init_utsname()->version, "#%s"
# from scripts/mkcompile_h), 3.4 ARM's "CPU: 1    Tainted: G           O  (3.4.0-g8c1e2d4"
# then "#1)" (arch/arm/kernel/process.c __show_regs() "(%s %.*s)"). No header ends at its
# release, and no kernel line starts with "#N".
# (read from "ainted", the part "Not tainted" and "Tainted:" share: a pattern that starts
# with a literal is searched for it first, fast on the rows of an unprefixed log)
_CUT_BEFORE_BUILD_RE = re.compile(
    r"ainted(?:: [A-Z?](?:[A-Z?\- ]*[A-Z?\-])?)? +\(?\d+\.\d+[\w.\-+~]*\s*$"
)
_BUILD_REST_RE = re.compile(r"^#\d+(?:[\w.\-+~]*\)?)?(?:\s|$)")
# A wrap at 66-70 columns falls before the taint: "[4211.002898] CPU: 12 PID: 48172 Comm:
# dockerd Kdump: loaded" then "Tainted: G ------------ T 3.10.0-957.21.3.el7.x86_64 #1"
# (RHEL 7's 3.10 lib/dump_stack.c dump_stack_print_info(): "CPU: %d PID: %d Comm: %.20s
# %s %s %.*s", its "Kdump: loaded" before print_tainted()), or inside "Not tainted"
# ("<4>[64590.667136] CPU: 0 UID: 0 PID: 25482 Comm: python3 Not" then "tainted
# 6.18.44-fc-v595 #1 PREEMPT(none)", 6.18's "CPU: %d UID: %u PID: %d Comm: %.20s %s%s %s
# %.*s"). No header ends at its comm, and the row, the taint and the release (or the
# taint alone, the release cut again into a row of its own), is no kernel line's start.
# Or earlier, before its "Comm:" (after a syslog prefix and a printk time: "kernel: [
# 1234.567960] CPU: 2 PID: 4242" then "Comm: kworker/2:1 Tainted: P OE 5.15.0-91-generic")
# or inside "CPU: %d UID: %u PID: %d": the row, the numbers left, "Comm:", the name and
# the taint, is no kernel line's start.
_CUT_BEFORE_COMM_RE = re.compile(r"CPU:(?: ?\d+,?(?: UID:(?: \d+)?)?(?: PID:(?: \d+)?)?)?\s*$")
_COMM_REST_RE = re.compile(
    r"^(?:\d+,? )?(?:UID: )?(?:\d+ )?(?:PID: )?(?:\d+ )?Comm: \S.{0,19}? (?:Kdump: loaded )?"
    r"(?:Not tainted|Tainted:)"
)
_CUT_BEFORE_TAINT_RE = re.compile(
    r"CPU: ?\d+,? (?:UID: \d+ )?PID: \d+ Comm: \S.{0,19}?(?: Kdump: loaded)?( Not)?\s*$"
)
_TAINT_RELEASE_REST_RE = re.compile(
    r"^(?:(?:Not )?tainted|Tainted: [A-Z?](?:[A-Z?\- ]*[A-Z?\-])?)"
    r"(?: +\(?\d+\.\d+[\w.\-+~]*(?: #\d|\s*$)|\s*$)"
)
# A WARNING's header names the file and line, then the function: kernel/panic.c __warn()
# "WARNING: CPU: %d PID: %d at %s:%d %pS", 2.6's warn_slowpath_common() "WARNING: at
# %s:%d %pS()". A long path takes it past a wrap's width, and the function goes on in the
# next row: "WARNING: CPU: 0 PID: 117 at drivers/gpu/drm/i915/intel_display.c:7867" then
# "intel_modeset_check_state+0x33c/0x5b9 [i915]". Nothing but the cut ends a header at
# its line number, and the row's "f+0x1b/0x30" is the symbol %pS prints.
_CUT_WARNING_RE = re.compile(r"^WARNING: (?:CPU: \d+ PID: \d+ )?at \S+:\d+\s*$")
_SYMBOL_REST_RE = re.compile(r"^[A-Za-z_.][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+\b")
# The sanitizers' headers name the bug, then the function: "BUG: KFENCE: use-after-free
# %s in %pS" (6.1 mm/kfence/report.c kfence_report_error(); "out-of-bounds %s", "invalid
# free", "memory corruption" ...), "BUG: KASAN: %s in %pS" (mm/kasan/report.c
# print_error_description()). A module's symbol takes one past a wrap at 66-70 columns,
# which cuts it after its "in" ("[  511.220018] BUG: KFENCE: use-after-free read in" then
# "mydrv_poll+0x3c/0x90 [mydrv]") or in the bug's words, the rest ending "in" and the
# symbol: no header ends so, and the row, words then "in" and a "f+0x1/0x2", is no
# kernel line.
_CUT_SANITIZER_IN_RE = re.compile(r"^BUG: (?:KFENCE|KASAN): [\w\- ]+ in\s*$")
_CUT_SANITIZER_RE = re.compile(r"^BUG: (?:KFENCE|KASAN):(?: [\w\-]+)*\s*$")
_SANITIZER_REST_RE = re.compile(r"^(?:[\w\-]+ )*in [A-Za-z_.][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+\b")
# A wrap that breaks after a hyphen as well as at a blank (a mail client's by UAX #14
# LB21; Python's textwrap.fill(), break_on_hyphens, as paste sites and scripts wrap) cuts
# the bug's words inside one: "... BUG: KFENCE: use-" then "after-free read in
# mydrv_poll+0x3c/0x90 [mydrv]". The kinds' words never end in a hyphen a blank follows
# (mm/kfence/report.c get_access_type()/kfence_report_error() "use-after-free",
# "out-of-bounds"; mm/kasan/report_generic.c "slab-out-of-bounds", "null-ptr-deref"):
# such a cut goes on with no blank.
_CUT_SANITIZER_HYPHEN_RE = re.compile(r"^BUG: (?:KFENCE|KASAN):(?: [\w\-]+)*\w-$")
# (so too arm64's fault names, 6.1 arch/arm64/mm/fault.c __do_kernel_fault(): "write to
# read-only memory", "execute from non-executable memory", which die_kernel_fault()
# prints in "Unable to handle kernel %s at virtual address %016lx": `journalctl -k`
# wrapped by textwrap.fill() at 68-71 columns cuts it "... kernel: Unable to handle kernel
# write to read-" then "only memory at virtual address ffff800008a12000")
_CUT_FAULT_HYPHEN_RE = re.compile(r"^(?:CPU \d+ )?Unable to handle kernel(?: [\w\-]+)*\w-$")
# The same header cut inside its function's name (by hand at a terminal's width, rows of
# 78-80 columns among longer ones: sonyxperiadev/kernel#207, 3.4's "WARNING: at
# arch/arm/mach-msm/msm-pm.c:837 msm_pm_wait_cpu_shu" then "tdown+0x9c/0xb0()"): the
# row goes on with the name's rest, no blank before it, then "+0x%x/0x%x", a module's
# " [%s]" and warn_slowpath_common()'s "()" (2.6.2x-4.x; RHEL 6's adds print_tainted()'s
# " (%s)", "() (Not tainted)"), and nothing after: no line of its own is so, and a
# header's function never ends without its offset.
_CUT_IN_WARNING_SYMBOL_RE = re.compile(
    r"^WARNING: (?:CPU: \d+ PID: \d+ )?at \S+:\d+ [A-Za-z_.][\w.]*$"
)
_IN_SYMBOL_REST_RE = re.compile(
    r"^[\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w.\-]+\])?"
    r"(?:\(\)(?: \((?:Not tainted|Tainted: [A-Z ]+)\))?)?\s*$"
)
# SLUB's "BUG %s (%s): %s" (mm/slub.c slab_bug(), 6.1: the cache's name, print_tainted(),
# the problem) passes 79 columns after a syslog prefix ("Mar 22 20:35:27 host kernel: ")
# and a printk time: Bugzilla's wrap cuts it inside the taint's parentheses, often in the
# run of spaces between its flags, and the next row goes on with the rest of the flags,
# the ")" and the problem. No slab_bug() line ends inside its parentheses.
_CUT_SLUB_RE = re.compile(
    r"^BUG [\w.\-:()]+ \((?:Not|Not tainted|Tainted:(?: [A-Z?](?:[A-Z?\- ]*[A-Z?\-])?)?)\s*$"
)
_SLUB_REST_RE = re.compile(r"^(?:tainted|[A-Z?\-]+(?: +[A-Z?\-]+)*)? *\): \S")
# ... or a reply's rewrap cuts it twice: a first wrap at 69-71 columns cut the journal's
# line after the last flag ("... kernel: BUG kmalloc-128 (Tainted: G           OE" then
# "): Right Redzone overwritten", textwrap.fill() dropping the blanks at each cut), the
# quote pushed that row past the reply's width, and the reply's wrap cut it in the run
# of blanks: "> ... BUG kmalloc-128 (Tainted: G", "OE", "> ): Right Redzone
# overwritten". The middle row holds flags alone, still inside the parentheses: it is
# the line's rest, and the row after it the rest of that (_SLUB_REST_RE).
_SLUB_FLAGS_REST_RE = re.compile(r"^[A-Z?\-]+(?: +[A-Z?\-]+)*\s*$")
# A wrap near 70 columns (a mail's, the printk time squeezed by its archive) cuts it after
# the parentheses instead, "<4>[ 77.201004] BUG kmalloc-128 (Tainted: G    B
# ):" then "Redzone overwritten": slab_bug()'s "%pV" (check_bytes_and_report()'s "%s
# overwritten", object_err()'s and slab_err()'s reasons) is never empty, and no line ends
# at the "):", so the row after it, unprefixed, is its rest.
_CUT_SLUB_AFTER_RE = re.compile(
    r"^BUG [\w.\-:()]+ \((?:Not tainted|Tainted: [A-Z?](?:[A-Z?\- ]*[A-Z?\-])?) *\):\s*$"
)
_SLUB_PROBLEM_REST_RE = re.compile(r"^\S")
# x86_64's print_mce() of 2.6.x (RHEL 6's arch/x86/kernel/cpu/mcheck/mce.c): "CPU %d:
# Machine Check Exception: %16Lx Bank %d: %016Lx", the MCG status padded to 16 columns,
# passes 79 after a syslog prefix and a printk time: Bugzilla's wrap cuts it in that run
# of blanks, and the next row goes on with the rest of them, the status and its bank.
_CUT_MCE_RE = re.compile(r"\bCPU \d+: Machine Check Exception:\s*$")
_MCE_REST_RE = re.compile(r"^[0-9a-f]+ Bank \d+: [0-9a-f]+")
# The same line, and 4.x-6.x __print_mce()'s "CPU %d: Machine Check%s: %Lx Bank %d: %016Lx"
# (arch/x86/kernel/cpu/mce/core.c, " Exception" while MCIP is set), cut by a mail's wrap
# near 70 columns after the MCG status: the next row is its bank and the bank's status.
_CUT_MCE_STATUS_RE = re.compile(r"\bCPU \d+: Machine Check(?: Exception)?: +[0-9a-f]+\s*$")
_MCE_BANK_REST_RE = re.compile(r"^Bank \d+: [0-9a-f]{16}\s*$")
# The OOM killer's kill line, 6.x __oom_kill_process() (mm/oom_kill.c): "%s: Killed
# process %d (%s) total-vm:%lukB, ..." with "Memory cgroup out of memory" or "Out of
# memory" (RHEL 6's oom_kill_task(): "Killed process %d, UID %d, (%s) total-vm:..."). A
# wrap at 66 columns after a squeezed printk time cuts it after "Killed process" ("<4>[
# 64590.667595] Memory cgroup out of memory: Killed process" then "25482 (python3)
# total-vm:278700kB, ..."), after "Killed" or its "%s:": the row, the pid, the "(comm)"
# and "total-vm:", is the line's rest, no kernel line's start.
# (from "ut of memory:", both messages' end: a literal start, searched for first)
_CUT_KILLED_RE = re.compile(r"ut of memory:(?: Killed(?: process)?)?\s*$")
_KILLED_REST_RE = re.compile(r"^(?:(?:Killed )?process )?\d+(?:, UID \d+,)? \([^)]*\) total-vm:")
# A wrap at 66-70 columns falls anywhere in it: "[ 9021.441001] mce: [Hardware Error]: CPU
# 7: Machine Check" then "Exception: 5 Bank 4: be00000000800400", or "... Exception: 5
# Bank" then "4: be00000000800400". The row, the words and numbers left up to the bank's
# 16-digit status, is no kernel line.
_CUT_MCE_WORDS_RE = re.compile(
    r"CPU \d+: Machine(?: Check(?: Exception)?(?::(?: +[0-9a-f]+(?: Bank(?: \d+:)?)?)?)?)?\s*$"
)
_MCE_WORDS_REST_RE = re.compile(
    r"^(?:(?:Check(?: Exception)?|Exception)?: +)?(?:[0-9a-f]+ +)?(?:Bank )?(?:\d+: )?"
    r"[0-9a-f]{16}\s*$"
)
# ARM's trace entry before 4.x ends with its caller's symbol: "[<%08lx>] (%pS) from
# [<%08lx>] (%pS)" (arch/arm/kernel/traps.c dump_backtrace_entry()), past 79 columns with
# two long names; a wrap puts the caller's "(f+0x2c/0x38)" in the next row, where it
# would read as an entry of its own. No entry ends at "from [<pc>]".
_CUT_ARM_ENTRY_RE = re.compile(r"^\s*\[<[0-9a-f]{8,16}>\] \(\S+\) from \[<[0-9a-f]{8,16}>\]\s*$")
# A wrap at 66-70 columns falls before the caller's address instead, after the "from" or
# before it: "<4>[ 812.494812] [<c0144a1c>] (proc_reg_write+0x88/0x9c) from" then
# "[<c00f9a6c>] (vfs_write+0xb0/0x138)", or "... (sysrq_handle_crash+0x1c/0x28)" then
# "from [<c02ca4dc>] (__handle_sysrq+0xa8/0x174)". No entry ends at its callee or its
# "from", and a caller alone, "from" and a caller, are no entry of their own.
_CUT_ARM_CALLEE_RE = re.compile(r"^\s*\[<[0-9a-f]{8,16}>\] \(\S+\)(?: from)?\s*$")
_ARM_ADDRESS_CALLER_REST_RE = re.compile(
    r"^(?:from )?\[<[0-9a-f]{8,16}>\] \([A-Za-z_.][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+\)\s*$"
)
# x86's "general protection fault, probably for non-canonical address 0x%lx"
# (arch/x86/kernel/traps.c exc_general_protection()) goes on with die()'s ": %04lx [#%d]"
# (__die_header()) on the same line: a row going on with the address and the error code
# is that line's rest.
_CUT_GPF_RE = re.compile(r"^general protection fault, probably for non-canonical address$")
_GPF_REST_RE = re.compile(r"^0x[0-9a-f]+: [0-9a-f]{4} \[#\d+\]")
# The boot that finds no root: panic("VFS: Unable to mount root fs on %s", b) (init/
# do_mounts.c mount_block_root() to 6.4, mount_root_generic() since; b the device's name or
# "unknown-block(%u,%u)"), a boot failure LKFT often reports. A wrap near 70 columns cuts
# it inside its fixed words ("<0>[ 3.587814] Kernel panic - not syncing: VFS: Unable to
# mount root" then "fs on unknown-block(0,0)"), a row short of a mail wrap's width once an
# archive squeezed the printk time: no panic ends there, and the rest of the words, then
# the device, prove the cut.
_CUT_NO_ROOT_RE = re.compile(
    r"^Kernel panic - not syncing: VFS: Unable to mount(?: root(?: fs(?: on)?)?)?\s*$"
)
_NO_ROOT_REST_RE = re.compile(r"^(?:(?:root )?(?:fs )?on )?\S+\s*$")
# Two panics every LKFT board's test plan provokes, 47-70 columns after "Kernel panic -
# not syncing: " (6.1 kernel/panic.c panic(): pr_emerg("Kernel panic - not syncing: %s\n")):
# "sysrq triggered crash" (6.1 drivers/tty/sysrq.c sysrq_handle_crash()) and "Attempted to
# kill init! exitcode=0x%08x" (6.1 kernel/exit.c do_exit()), or "Attempted to kill the
# idle task!" (make_task_dead()). A mail's wrap near 70 columns puts the message's last
# words alone in the next row, which no kernel line is.
# arm64's panic_bad_stack() (6.1 arch/arm64/kernel/traps.c) nmi_panic()s "kernel stack
# overflow", cut at 66 columns before "overflow" (or "stack overflow").
_CUT_PANIC_MESSAGE_RE = re.compile(
    r"\bKernel panic - not syncing: "
    r"(?:sysrq triggered|Attempted to kill(?: init!)?|kernel(?: stack)?)\s*$"
)
_PANIC_MESSAGE_REST_RE = re.compile(
    r"^(?:crash|(?:init! )?exitcode=0x[0-9a-f]+|the idle task!|(?:stack )?overflow)\s*$"
)
# The stack protector's panic: 5.10 kernel/panic.c __stack_chk_fail() panic()s
# "stack-protector: Kernel stack is corrupted in: %pB", 44 columns of "Kernel panic - not
# syncing: stack-protector:" before its words; after a wide prefix (HiSilicon's
# "[pid:%d,cpu%d,%s,%d]") a mail's wrap cuts it there. No panic ends at "stack-protector:",
# and the rest, "Kernel stack is corrupted in:" and the caller, proves the cut.
_CUT_STACK_PROTECTOR_RE = re.compile(r"\bKernel panic - not syncing: stack-protector:\s*$")
_STACK_PROTECTOR_REST_RE = re.compile(r"^Kernel stack is corrupted in: \S")
# OpenZFS's spl_panic() (module/os/linux/spl/spl-err.c, out of tree) prints
# printk(KERN_EMERG "PANIC at %s:%d:%s()\n", file's basename, line, func): a long file
# and function take it past a mail's wrap near 70 columns, which puts "file:line:func()"
# alone in the next row, a row no kernel line is.
_CUT_SPL_PANIC_RE = re.compile(r"^PANIC at\s*$")
_SPL_PANIC_REST_RE = re.compile(r"^[\w.\-]+:\d+:\w+\(\)\s*$")
# riscv's register dump ends in one line, "status: %016lx badaddr: %016lx cause: %016lx"
# (arch/riscv/kernel/process.c __show_regs(), REG_FMT; 8 digits on rv32), the mark of the
# trace that follows (oopses.RISCV_STACK_START). A wrap near 70 columns moves its
# "cause:" (or "badaddr: ... cause:") to the next row: no dump ends before its cause, and
# the row's register names and values prove the cut.
_CUT_RISCV_STATUS_RE = re.compile(r"^status: [0-9a-f]{8,16}(?: badaddr: [0-9a-f]{8,16})?\s*$")
_RISCV_CAUSE_REST_RE = re.compile(r"^(?:badaddr: [0-9a-f]{8,16} )?cause: [0-9a-f]{8,16}\s*$")
# A wrap at 66-67 columns, the printk time squeezed ("<4>[ 3.055775] status:
# 0000000200000120 badaddr:" then "0000000000000000 cause: 0000000000000003"), falls
# after a register's name instead, its value first in the next row: no dump ends at a
# name, and the row, the values and names left, proves the cut.
_CUT_RISCV_NAME_RE = re.compile(r"^status: [0-9a-f]{8,16} badaddr:(?: [0-9a-f]{8,16} cause:)?\s*$")
_RISCV_VALUE_REST_RE = re.compile(r"^[0-9a-f]{8,16}(?: cause: [0-9a-f]{8,16})?\s*$")
# powerpc's show_regs() (arch/powerpc/kernel/process.c, 3.x-6.x) prints "REGS: %px TRAP:
# %04lx   %s  (%s)", print_tainted() and the release, on one line: a wrap inside its run
# of blanks before the taint leaves the rest of the run at the next row's start.
_CUT_REGS_TRAP_RE = re.compile(r"^REGS: [0-9a-f]+ TRAP: [0-9a-f]{4}\s*$")
_TAINT_REST_RE = re.compile(r"^(?:Not tainted|Tainted: [A-Z?])")
# The same show_regs() (6.1 __show_regs()) opens the dump with printk("NIP:  "REG" LR:
# "REG" CTR: "REG"\n") and printk("MSR:  "REG" "), two blanks after the name: a wrap that
# drops the run of blanks it broke in (Python's textwrap) cuts there at 66 columns after
# a syslog prefix and a printk time, "... [    6.623358] NIP:" then "c0080000004a0204 LR:
# c0080000004a01ec CTR: ...", a row one blank short of the value, a near miss that shows
# no wrap's width (_narrow_wrap_width). The name alone, its value and "LR:" or the MSR's
# bits after it prove the cut: the register lines after it stay the dump's, and the
# trace entries after an exception frame's dump the trace's. (A reply's rewrap at 68 of a
# mail-wrapped quote cuts the value's row after "LR:" too: "> c00000000009ea88 LR:" then
# "> c00000000091f5e0 CTR: 0000000000000200".)
_CUT_POWERPC_REG_NAME_RE = re.compile(r"^(?:NIP|MSR):\s*$")
_POWERPC_REG_VALUE_REST_RE = re.compile(r"^[0-9a-f]{8,16}(?: LR:(?: |\s*$)| <|\s*$)")
# 2.6.x i386 show_registers() (arch/i386/kernel/traps.c, 2.6.18) prints
# "CPU:    %d\nEIP:    %04x:[<%08lx>]    %s VLI\n", print_tainted() after a run of four
# blanks: textwrap at 66 columns cuts in that run after a syslog prefix ("... kernel:
# EIP:    0060:[<f8a1e0a3>]" then "Tainted: P      VLI"), a row the rest's first word
# would have fitted after one blank. No line ends at the EIP's address; the taint after
# it proves the cut (_TAINT_REST_RE).
_CUT_I386_EIP_RE = re.compile(r"^EIP: +[0-9a-f]{4}:\[<[0-9a-f]{8}>\]\s*$")
# arm64's "Unable to handle kernel %s at virtual address %016lx" (arch/arm64/mm/fault.c
# die_kernel_fault(); __do_kernel_fault() in older kernels) and 32-bit ARM's "... at
# virtual address %08lx when %s" (arch/arm/mm/fault.c die_kernel_fault(), the " when %s"
# since 2022's 6.x) pass 72 columns after a "<1>[  203.119139] " prefix and a long fault
# name ("unknown 43", "access to user memory outside uaccess routines"): LKFT's mailed
# logs wrap them before "address" or "virtual address", a row no kernel line starts with.
_CUT_BAD_ACCESS_RE = re.compile(r"^Unable to handle kernel .+ at virtual\s*$")
_BAD_ACCESS_REST_RE = re.compile(r"^address [0-9a-f]{8,16}\b")
_CUT_BAD_ACCESS_AT_RE = re.compile(r"^Unable to handle kernel .+ at\s*$")
_BAD_ACCESS_AT_REST_RE = re.compile(r"^virtual address [0-9a-f]{8,16}\b")
# A wrap at 66-70 columns falls inside the fault's name instead: "<4>[ 41.118732] Unable
# to handle kernel write to read-only" then "memory at virtual address ffff800008a12000"
# (6.1 arch/arm64/mm/fault.c die_kernel_fault(), the name from __do_kernel_fault(): "write
# to read-only memory", "execute from non-executable memory", "NULL pointer dereference",
# "paging request"); 3.4's 32-bit "Unable to handle kernel NULL pointer" then "dereference
# at virtual address 00000000" (arch/arm/mm/fault.c __do_kernel_fault()); MIPS's "CPU %d
# Unable to handle kernel paging request at virtual address %0*lx, epc == ..." (6.1
# arch/mips/mm/fault.c __do_page_fault()). The row, the name's last words then "at
# virtual address" and the address, is no kernel line's start.
_CUT_BAD_ACCESS_WORDS_RE = re.compile(r"^(?:CPU \d+ )?Unable to handle kernel(?: [\w\-]+)*\s*$")
_BAD_ACCESS_WORDS_REST_RE = re.compile(r"^(?:[\w\-]+ )*at virtual address [0-9a-f]{8,16}\b")
# x86's show_fault_oops() before 4.19 (3.10 arch/x86/mm/fault.c) prints "BUG: unable to
# handle kernel ", then "NULL pointer dereference" or "paging request", then " at %p" (2.6
# i386: "at virtual address %08lx"), 68-90 columns after a printk time: a wrap at 66-70
# columns cuts it in those words, "[ 3021.118412] BUG: unable to handle kernel NULL
# pointer" then "dereference at 00000010" (or after its "at"). The row, words then "at"
# and the address (%p of NULL printed "(null)" before 4.15), is no kernel line.
_CUT_X86_BAD_ACCESS_RE = re.compile(r"^BUG: unable to handle kernel(?: [A-Za-z]+)*\s*$")
_X86_BAD_ACCESS_REST_RE = re.compile(
    r"^(?:(?:[A-Za-z]+ )*at +)?(?:virtual address )?(?:[0-9a-f]{8,16}|\(null\))\s*$"
)
# Since 4.20 x86 words it "BUG: kernel NULL pointer dereference, address: %px" or "BUG:
# unable to handle page fault for address: %px" (show_fault_oops(), arch/x86/mm/fault.c;
# page_fault_oops()'s in 6.1), 71 or 74 columns after a "[   54.396708] " time: LKFT's
# mailed logs, wrapped near 70 columns, cut it in its words ("... BUG: kernel NULL" then
# "pointer dereference, address: 0000000000000034", stable 6.3.12-rc1 on lore,
# 2023-07-04). The row, the words' rest then "address:" and the address, is no kernel
# line; the cut row alone read as a header of its own ("BUG: kernel NULL", unknown).
_CUT_X86_PAGE_FAULT_RE = re.compile(
    r"^BUG:(?: kernel(?: NULL(?: pointer)?)?| unable(?: to(?: handle(?: page(?: fault(?: for)?)?)?)?)?)?\s*$"
)
_X86_PAGE_FAULT_REST_RE = re.compile(
    r"^(?:(?:(?:(?:kernel )?NULL )?pointer )?dereference,"
    r"|(?:(?:(?:(?:(?:unable )?to )?handle )?page )?fault )?for)"
    r" address: [0-9a-f]{8,16}\s*$"
)
# s390's "Unable to handle kernel pointer dereference in virtual kernel address space"
# (5.10 arch/s390/mm/fault.c do_no_context(), pr_alert(); 4.x on, after dump_fault_info()
# took the address to a line of its own) is 76 columns: past a "<1>[ 512.771014] " prefix
# LKFT's mailed logs wrap it near 70 columns, its words' end alone in the next row, a row
# no kernel line is.
_CUT_S390_BAD_ACCESS_RE = re.compile(
    r"^Unable to handle kernel pointer dereference(?: in(?: virtual(?: kernel(?: address)?)?)?)?\s*$"
)
_S390_BAD_ACCESS_REST_RE = re.compile(r"^(?:(?:(?:in )?virtual )?kernel )?address space\s*$")
# XFS's xfs_error_report() (6.1 fs/xfs/xfs_error.c): xfs_alert_tag(mp, ..., "Internal
# error %s at line %d of file %s.  Caller %pS"), after "XFS (%s): " (__xfs_printk()), runs
# past 130 columns: a wrap near 70 columns cuts it after the function (its "at", "at
# line"), and the row going on "at line %d of file" (its rest) proves the cut.
_CUT_XFS_ERROR_RE = re.compile(r"\bXFS(?: \([^)]*\))?: Internal error \S+(?: at(?: line)?)?\s*$")
_XFS_ERROR_REST_RE = re.compile(r"^(?:(?:at )?line )?\d+ of file \S")
# powerpc's raise_backtrace_ipi() (6.1 arch/powerpc/kernel/stacktrace.c) names the task a
# CPU deaf to the backtrace IPI runs: pr_info("irq_soft_mask: 0x%02x in_mce: %d in_nmi:
# %d", ...) and pr_cont(" current: %d (%s)\n", pid, comm), 66 columns and more after a
# "<4>[ 79.101433] " prefix: a wrap near 70 columns puts "86 (sh)" (or "current: 86
# (sh)") alone in the next row, which no kernel line is.
# (At 67-70 columns with the printk time whole, "[   79.101433] ", the cut falls after
# the pid: "(sh)" alone in the next row.)
_CUT_PACA_CURRENT_RE = re.compile(
    r"^irq_soft_mask: 0x[0-9a-f]+ in_mce: \d+ in_nmi: \d+(?: current:(?: \d+)?)?\s*$"
)
_PACA_CURRENT_REST_RE = re.compile(r"^(?:(?:current: )?\d+ )?\(\S.{0,19}?\)\s*$")
# powerpc's show_regs() (6.1 arch/powerpc/kernel/process.c) names the faulting and the
# link register's functions in a kernel-mode dump: "NIP ["REG"] %pS" and "LR ["REG"] %pS",
# past 70 columns with a long symbol after a "<4>[ 134.319394] " prefix: a mail's wrap puts
# the symbol alone in the next row. No such line ends at its address.
_CUT_POWERPC_NIP_RE = re.compile(r"^(?:NIP|LR) +\[[0-9a-f]{8,16}\]\s*$")
_POWERPC_NIP_REST_RE = re.compile(
    r"^\.?[A-Za-z_][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w\-]+\])?\s*$"
)
# 5.10+ kernel/sched/core.c sched_show_task() prints "task:%-15.15s state:%c", the comm
# padded to 15 columns: a wrap that drops the whole run of blanks it broke in (Python's
# textwrap, a reply's quote-aware rewrap) cuts "task:init" from "state:R  running task
# stack:0 ..." and leaves no width to measure (s390x's RCU stall's task dump, after a
# syslog prefix and a printk time, at 72). The padded comm and "state:" after it prove
# the cut.
_CUT_TASK_COMM_RE = re.compile(r"^task:\S.{0,14}$")
_TASK_STATE_REST_RE = re.compile(r"^state:[A-Za-z]\b")
# mm/slab_common.c kmem_dump_obj() (5.12 on; 6.1) prints each frame of an object's
# allocation and free stacks as pr_info("    %pS\n"), four blanks before it: after a
# syslog prefix and a printk time, a wrap that drops the whole run of blanks it broke in
# (a reply's quote-aware rewrap, Python's textwrap) leaves the prefix alone on its row and
# the frame in the next, unindented ("> ... [    2.857128]" then "> kernel_clone+0xac/
# 0x3c4", armhf's "Register r3 information: slab task_struct ..." at 72). The rows' width
# cannot prove it (the run was part of it); no kernel line stops at its prefix and goes on
# unprefixed, and the row's lone "%pS" symbol proves the cut. Read back as printed.
_LONE_SYMBOL_REST_RE = re.compile(
    r"^[A-Za-z_.][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w\-]+\])?\s*$"
)
_DUMP_OBJ_INDENT = "    "
# 6.1 arch/arm/kernel/traps.c dump_backtrace_entry() prints printk("%s %ps from %pS\n"),
# one blank before the callee: after a syslog prefix and a printk time, textwrap at
# 71-79 columns cuts in the two blanks when a long callee would have fitted after one
# alone, leaving the prefix alone on its row and "hotfence_crash_slub_poison
# [hotfence_crash] from" (its caller, or the rest of it, in the row after) unindented.
# The mail rule sees a row the word would have fitted (_mail_cut); the row's callee and
# "from" prove the cut, read back with the entry's blank.
_ARM_ENTRY_REST_RE = re.compile(
    r"^[A-Za-z_.$][\w.$]*(?: \[[\w\-]+\])? from"
    r"(?: [A-Za-z_.$][\w.$]*\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w\-]+\])?)?\s*$"
)
# (a trace line's rest after a prefix a wrap left alone, and the indent it was printed with)
_BARE_PREFIX_RESTS = ((_LONE_SYMBOL_REST_RE, _DUMP_OBJ_INDENT), (_ARM_ENTRY_REST_RE, " "))
# The hung task's line, pr_err("INFO: task %s:%d blocked for more than %ld seconds.\n")
# (6.1 kernel/hung_task.c check_hung_task()), is 60-75 columns after a "<3>[ 6.634824] "
# prefix: a mail's wrap near 70 columns puts its last words, "seconds." and the ones
# before, alone in the next row, which no kernel line is.
_CUT_HUNG_TASK_RE = re.compile(
    r"\bINFO: task \S.*:\d+ blocked(?: (?:in I/O wait )?for(?: more(?: than(?: \d+)?)?)?)?\s*$"
)
_HUNG_TASK_REST_RE = re.compile(r"^(?:(?:(?:(?:for )?more )?than )?\d+ )?seconds\.\s*$")
# MIPS's __show_regs() (6.1 arch/mips/kernel/traps.c) names the faulting and the return
# address's functions: printk("epc   : %0*lx %pS\n") and printk("ra    : %0*lx %pS\n"),
# past 70 columns with a module's symbol after a "<4>[ 1.728331] " prefix: a mail's wrap
# puts the symbol alone in the next row (_POWERPC_NIP_REST_RE). No such line ends at its
# address.
# powerpc's show_stack() (6.1 arch/powerpc/kernel/process.c) marks an exception frame
# in the trace with "--- interrupt: %lx at %pS" and the registers saved there: a wrap at
# 66-68 columns puts the symbol alone in the next row ("<4>[ 12.323452] --- interrupt:
# 300 at" then "__arch_clear_user+0x140/0x168"). No such line ends at its "at".
_CUT_POWERPC_INTERRUPT_RE = re.compile(r"^--- interrupt: [0-9a-f]+ at\s*$")
_CUT_MIPS_EPC_RE = re.compile(r"^(?:epc|ra) +: [0-9a-f]{8,16}\s*$")
# powerpc's trace entry, "[%lx] [%lx] %pS" and " (unreliable)" when the link register
# does not vouch for it (arch/powerpc/kernel/process.c show_stack()), runs past 79 columns
# with a module: the module and the mark go on in a row no kernel line is.
_CUT_POWERPC_ENTRY_RE = re.compile(
    r"^\s*\[[0-9a-f]{8,16}\] \[[0-9a-f]{8,16}\] \.?[A-Za-z_][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+"
    r"(?: \[[\w.\-]+\])?$"
)
_POWERPC_ENTRY_REST_RE = re.compile(r"^(?:\[[\w.\-]+\] ?)?\(unreliable\)$|^\[[\w.\-]+\]$")
# ARM's trace entry since 5.x names the callee and its caller, " %ps from %pS" (6.1
# arch/arm/kernel/traps.c dump_backtrace_entry(), without CONFIG_BACKTRACE_VERBOSE), %ps of
# a module's symbol "f [mod]": two long names take it past a wrap near 70 columns, which
# puts the caller, or "from" and the caller, alone in the next row. The row's "g+0x1/0x2"
# proves the cut: no entry ends at its "from", and no row starts "from g+0x1/0x2". (The
# caller's "[mod" may be left open: a console captured at 80 columns cut the name
# before the wrap, _CUT_IN_MODULE_RE.)
_CUT_ARM_FROM_RE = re.compile(r"^\s*[A-Za-z_.$][\w.$]*(?: \[[\w\-]+\])? from\s*$")
_ARM_FROM_REST_RE = re.compile(
    r"^[A-Za-z_.$][\w.$]*\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w\-]+\]?)?\s*$"
)
_CUT_ARM_BEFORE_FROM_RE = re.compile(r"^\s*[A-Za-z_.$][\w.$]*(?: \[[\w\-]+\])?\s*$")
_ARM_FROM_CALLER_REST_RE = re.compile(
    r"^from [A-Za-z_.$][\w.$]*\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w\-]+\]?)?\s*$"
)
# Any arch's %pS of a module's symbol, "f+0x30/0x50 [hotfence_crash]" (lib/vsprintf.c
# symbol_string() -> sprint_symbol(): kallsyms appends " [%s]", the module's name): a
# pc/lr line ("pc : %pS", arm64 __show_regs()), a trace entry (" %pS", dump_backtrace();
# "[<%px>] %pS", riscv's print_trace_address()), an "epc : " or "RIP: " line. A wrap near
# 70 columns puts the module alone in the next row; nothing prints a row of a bracketed
# name alone after a symbol's offset and size, so the row proves the cut. A console
# captured at 80 columns may have cut the name before (" hotfence_crash_do
# [hotfence_crash] from hotfence_crash_write+0xc8/0x100 [hotfen" then "ce_crash]", 6.1
# arm dump_backtrace_entry()'s " %ps from %pS", a no-time armhf log): the row left holds
# the bracket and the name's first part, and the terminal's row goes on inside the name,
# with its rest and the "]" alone (_CUT_IN_MODULE_RE), no line of its own either.
_CUT_BEFORE_MODULE_RE = re.compile(r"(?<![\w.$])[A-Za-z_.$][\w.$]*\+0x[0-9a-f]+/0x[0-9a-f]+\s*$")
_MODULE_REST_RE = re.compile(r"^\[[\w\-]+\]?\s*$")
_CUT_IN_MODULE_RE = re.compile(r"[A-Za-z_.$][\w.$]*\+0x[0-9a-f]+/0x[0-9a-f]+ \[[\w\-]+$")
_IN_MODULE_REST_RE = re.compile(r"^[\w\-]+\]\s*$")
# x86's instruction pointer line, "RIP: %04x:%pS" (arch/x86/kernel/dumpstack.c show_ip(),
# 4.19 on; "EIP: %pS" on i386; 2.6-4.x x86_64 "RIP: 0010:[<%016lx>]  [<%016lx>] %pS"):
# the segment and the symbol are one word, and a long symbol takes it past a wrap near 70
# columns, "<4>[ 5112.001247] RIP:" then "0010:native_queued_spin_lock_slowpath+0x1d6/
# 0x230". No line ends at "RIP:"; the row's segment and symbol (or user address) prove it.
# Before 4.x the address comes first: 3.10's show_fault_oops() (arch/x86/mm/fault.c)
# prints "IP:" and printk_address()'s " [<%p>] %s%pB" (arch/x86/kernel/dumpstack.c),
# __show_regs() (arch/x86/kernel/process_64.c) "RIP: %04lx:[<%016lx>] " and the same: a
# wrap at 66-70 columns, printk times squeezed, cuts after an address ("<4>[ 4211.002645]
# IP: [<ffffffffc0a3b1e4>]" then "ip6mr_sk_done+0x34/0x120 [ipv6]"). No such line ends
# at its address.
_CUT_RIP_RE = re.compile(
    r"^(?:RIP|EIP|IP):(?: (?:[0-9a-f]{4}:)?\[<[0-9a-f]{8,16}>\](?:\s+\[<[0-9a-f]{8,16}>\])?)?\s*$"
)
_RIP_REST_RE = re.compile(
    r"^(?:[0-9a-f]{4}:)?(?:\[<[0-9a-f]+>\]\s+(?:\[<[0-9a-f]+>\]\s+)?)?"
    r"(?:[A-Za-z_.][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+\b|0x[0-9a-f]+\s*$)"
)
# A trace entry's addresses before its symbol: "[<%px>] %pS" (riscv's print_trace_address(),
# MIPS show_backtrace(), s390's show_trace(), i386/x86_64 before 4.x), powerpc's "[%lx]
# [%lx] %pS" (show_stack()). A long symbol takes the entry past a wrap near 70 columns and
# goes on alone in the next row: "<4>[ 3.820125] [<ffffffffc0002088>]" then
# "hotfence_crash_null_deref+0x38/0x50 [hotfence_crash]". %pS never prints nothing, so no
# entry ends at its addresses; the row's symbol (x86's "? " mark of a guess before it,
# ARM's "(f+0x1/0x2)" in parentheses) proves the cut. s390's show_stack() (6.1
# arch/s390/kernel/dumpstack.c) prints an entry it cannot vouch for in parentheses,
# "([<%016lx>] %pSR)": cut at 66-70 columns, "<4>[ 5.110705] ([<000000000062e70e>]" then
# "__list_del_entry_valid+0xd6/0xf0)". x86 before 4.x (3.10 arch/x86/kernel/dumpstack.c
# printk_address()'s " [<%p>] %s%pB", the "? " of a guess between; the stack's switch
# marks " <NMI> ", " <EOI> ", " <IRQ> " before an entry, dump_trace()) is cut after the
# address or the "?": "<4>[ 3021.118972]  [<f8a5168d>] ?" then
# "snd_pcm_playback_ioctl1+0x17d/0x1a0 [snd_pcm]", "<4>[1022334.611098]  <NMI>
# [<ffffffff9c781340>]" then "dump_stack+0x19/0x1b".
_CUT_ENTRY_ADDRESS_RE = re.compile(
    r"^\s*(?:(?:<(?:NMI|IRQ|EOI)> +)?\(?\[<[0-9a-f]{8,16}>\](?: \?)?"
    r"|\[[0-9a-f]{8,16}\] \[[0-9a-f]{8,16}\])\s*$"
)
# sched_show_task() (6.1 kernel/sched/core.c) prints "task:%-15.15s state:%c", then
# pr_cont()s " running task    " and " stack:%-5lu pid:%-5d ppid:%-6d flags:0x%08lx" (6.6
# adds "tgid:%-5d", 6.13 "task_flags:0x%04x"), one line: a wrap at 66-70 columns cuts it
# anywhere after its state ("<4>[ 27.156417] task:init            state:R  running task"
# then "stack:0     pid:1     ppid:0      flags:0x00000004"). The row, the fields left up to
# the flags that end the line, is no kernel line's start. (A row going on " running task"
# may be a pr_cont() of its own, split from the line by another CPU's record: only the
# wrap's width around tells, _blank_cut.)
_CUT_TASK_STATE_RE = re.compile(r"^task:.{1,15}? +state:\S(?!.*\bflags:0x)")
_TASK_FIELDS_REST_RE = re.compile(
    r"^(?:stack:\d+ +)?(?:pid:\d+ +)?(?:tgid:\d+ +)?(?:ppid:\d+ +)?"
    r"(?:task_flags:0x[0-9a-f]+ +)?flags:0x[0-9a-f]+\s*$"
)
# SLUB's track lines, print_track() (6.1 mm/slub.c): "%s in %pS age=%lu cpu=%u pid=%d"
# ("Allocated", "Freed"), past 66-70 columns with a long symbol: the wrap puts the last
# fields alone in the next row ("<4>[ 3.578104] Freed in walk_component+0x8c/0x164 age=3
# cpu=0" then "pid=85"), or the module and them; a module's long symbol goes on alone
# after the "in" ("Allocated in" then "hotfence_crash_slub_redzone+0x28/0x70
# [hotfence_crash] age=2 cpu=1"). No such line ends before its pid, and no kernel line
# starts with those fields, or is a symbol and them.
_CUT_SLUB_TRACK_RE = re.compile(
    r"^(?:INFO: )?(?:Allocated|Freed) in \S+(?: \[[\w\-]+\])?(?: age=\d+)?(?: cpu=\d+)?\s*$"
)
_SLUB_TRACK_REST_RE = re.compile(r"^(?:\[[\w\-]+\] )?(?:age=\d+ )?(?:cpu=\d+ )?pid=\d+\s*$")
_CUT_SLUB_TRACK_IN_RE = re.compile(r"^(?:INFO: )?(?:Allocated|Freed) in\s*$")
_SLUB_TRACK_SYMBOL_REST_RE = re.compile(
    r"^[A-Za-z_.][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+(?: \[[\w\-]+\])?(?: age=\d+)?(?: cpu=\d+)?"
    r"(?: pid=\d+)?\s*$"
)
# x86's unreliable trace entry, printk_stack_address()'s "%s %s%pBb" with "? " (6.12
# arch/x86/kernel/dumpstack.c): a long symbol takes it past a wrap at 66-70 columns, which
# leaves the "?" alone on the cut row ("<4>[ 4.891154]  ?" then
# "arch_exit_to_user_mode_prepare.constprop.0+0x16/0xa0"). No line is a "?" alone.
_CUT_UNRELIABLE_MARK_RE = re.compile(r"^\s*\?\s*$")
_ENTRY_SYMBOL_REST_RE = re.compile(r"^(?:\? )?\(?\.?[A-Za-z_][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+\b")
_ARM_CALLER_REST_RE = re.compile(r"^\([A-Za-z_.][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+\b")
# scripts/decode_stacktrace.sh prints a symbol as "f (a.h:37 b.c:12 (discriminator 4))"
# (parse_symbol(): addr2line -i's locations, one per inline level, each maybe with its
# discriminator, "??:?" when unknown), an entry's module after it (handle_line()). A few
# inline levels take an entry, or a header's symbol, past a wrap's width, and its
# locations go on in the next row, where no kernel line starts: the cut comes after the
# function, before its locations (rest "(a.h:37 ..."), between two of them, or inside a
# discriminator (rest "4) b.c:12)").
_ADDR2LINE_LOC = r"(?:[\w/.\-+]+|\?\?):(?:\d+|\?)"
_LOC_WORDS = (
    rf"(?:{_ADDR2LINE_LOC}|\(discriminator \d+\))(?: (?:{_ADDR2LINE_LOC}|\(discriminator \d+\)))*"
)
# (the rest closes the parentheses, the module after them, or goes on in the next row)
_LOCS_TAIL = r"(?:\)(?: \[?[\w.\-]+\]?)?| \(discriminator)?\s*$"
_CUT_BEFORE_LOCS_RE = re.compile(r"(?:^|[\s:])\.?[A-Za-z_$][\w.$]*\s*$")
_LOCS_REST_RE = re.compile(rf"^\({_ADDR2LINE_LOC}(?: {_LOC_WORDS})?{_LOCS_TAIL}")
_CUT_IN_LOCS_RE = re.compile(rf"[A-Za-z_$][\w.$]* \({_LOC_WORDS}\s*$")
_IN_LOCS_REST_RE = re.compile(rf"^{_LOC_WORDS}{_LOCS_TAIL}")
_CUT_IN_DISCRIMINATOR_RE = re.compile(rf"[A-Za-z_$][\w.$]* \((?:{_LOC_WORDS} )?\(discriminator\s*$")
_DISCRIMINATOR_REST_RE = re.compile(rf"^\d+\)(?: {_LOC_WORDS})?{_LOCS_TAIL}")
# (a WARNING's header cut after its line number goes on with its function so decoded)
_DECODED_SYMBOL_REST_RE = re.compile(rf"^[A-Za-z_.][\w.]* \({_ADDR2LINE_LOC}\b")
# A long path cuts the header before it, right after its "at": "<4>[   21.345678]
# WARNING: CPU: 1 PID: 553 at" then "drivers/gpu/drm/drm_atomic_helper.c:1234
# drm_atomic_helper_wait_for_vblanks+0x1c4/0x2e0" (LKFT's reports on lore, wrapped near 70
# columns, and archives that squeeze the printk time's blanks, leave the row short of a
# wrap's width). __warn() (kernel/panic.c, 4.x to 6.x) prints "at %s:%d %pS" or, with no
# file (!CONFIG_DEBUG_BUGVERBOSE), "at %pS": nothing but the cut ends the header at "at",
# and the row's file, line and symbol (or symbol alone) prove it. A path too long for one
# row leaves it alone there, "src/hotfence/lab/module/hotfence_crash.c:93", and the symbol
# goes on in the row after it: the header is then cut after its line (_CUT_WARNING_RE).
# A console captured at 80 columns cut the line inside the symbol before a mail's wrap
# cut it again ("WARNING: CPU: 0 PID: 83 at src/hotfence/lab/module/hotfence_crash.c:92
# hotfence_" then "crash_do+0xfc/0x128 [hotfence_crash]", armhf 6.1 with no printk
# time): the wrap leaves the file, line and the symbol's first part in a row of their
# own after "at", or that part alone after the line (_LONE_NAME_REST_RE); the terminal's
# row goes on with the rest of the name (_CUT_IN_WARNING_SYMBOL_RE). A row holding a
# name and nothing else, or a file, line and such a name, is no kernel line.
_CUT_WARNING_AT_RE = re.compile(r"^WARNING: (?:CPU: \d+ PID: \d+ )?at\s*$")
_LOC_SYMBOL_REST_RE = re.compile(
    r"^(?:[\w/.\-+]+:\d+(?: [A-Za-z_.][\w.]*)?\s*$|(?:[\w/.\-+]+:\d+ )?[A-Za-z_.][\w.]*"
    rf"(?:\+0x[0-9a-f]+/0x[0-9a-f]+\b| \({_ADDR2LINE_LOC}))"
)
_LONE_NAME_REST_RE = re.compile(r"^[A-Za-z_.][\w.]*\s*$")
# A wrap at 66-70 columns after a syslog prefix and a printk time falls before that, in
# its "CPU: %d PID: %d": "kernel: [ 1234.567895] WARNING: CPU: 2" then "PID: 4242 at
# net/core/dev.c:3244 skb_warn_bad_offload+0xd0/0xe0" (5.15 __warn()). No header ends
# there, and the row, the numbers and names left, "at", then file and function, is no
# kernel line.
_CUT_WARNING_CPU_RE = re.compile(r"^WARNING: CPU:(?: \d+(?: PID:(?: \d+)?)?)?\s*$")
_CPU_PID_AT_REST_RE = re.compile(
    r"^(?:\d+ )?(?:PID: )?(?:\d+ )?at " + _LOC_SYMBOL_REST_RE.pattern.removeprefix("^")
)
# A wrap that breaks after a "/" as well as at a blank (UAX #14 LB31 allows a break after
# a solidus: webmail clients' wraps) cuts a long source path inside it, the build tree's
# path ChromeOS kernels print: "[   62.799419] WARNING: CPU: 2 PID: 69 at
# /mnt/host/source/src/third_party/" then "kernel/v4.19/lib/refcount.c:187
# refcount_sub_and_test_checked+0x80/0x8c" (linux-bluetooth 2020, kukui 4.19.36).
# __warn() (kernel/panic.c, 4.19 and 6.x) prints "at %s:%d %pS": a path never ends in
# "/", so the header is cut in its path, and the row, the path's rest, ":%d" and the
# symbol, goes on with no blank (there was none). No kernel line is such a row.
_CUT_WARNING_PATH_RE = re.compile(r"^WARNING: (?:CPU: \d+ PID: \d+ )?at \S*/$")
_PATH_LOC_SYMBOL_REST_RE = re.compile(
    r"^[\w.\-+][\w/.\-+]*:\d+(?:\s*$| [A-Za-z_.][\w.]*"
    rf"(?:\+0x[0-9a-f]+/0x[0-9a-f]+\b| \({_ADDR2LINE_LOC}))"
)
# __might_resched() (kernel/sched/core.c, 5.16+; __might_sleep() before, 2.6 on)
# prints "BUG: sleeping function called from invalid context at %s:%d": a wrap at 60-70
# columns cuts it after its "at", and the file and line go on alone in the next row
# ("  BUG: sleeping function called from invalid context at" then
# "arch/arm64/mm/fault.c:593", Herobrine 5.19-rc4 on linux-arm-kernel, 2022). No header
# ends at "at", and no kernel line is a file and line alone.
_CUT_MIGHT_SLEEP_RE = re.compile(r"^BUG: sleeping function called from invalid context at\s*$")
_FILE_LINE_REST_RE = re.compile(r"^[\w.\-+][\w/.\-+]*:\d+\s*$")
# A terminal wraps a line at its width, 80 columns unless resized, mid-word; a capture of
# its screen (tmux capture-pane, screen's hardcopy, a copy of what it shows) keeps each
# row as a line: a row of exactly this width went on in the next one, unprefixed. A
# resized (maximised) terminal is wider, and its width shows in the log itself: the rows
# of every longer line are that wide, none is wider (_terminal_cut).
_TERMINAL_WIDTH = 80


# A mail client's wrap (RFC 3676 4.2: lines of at most 78 characters, 72 advised; the
# widths of Thunderbird's and Gmail's plain text) moves a word that would not fit to the
# next line, at its start: a line cut so is at most 78 wide, and with a space and the next
# line's first word past 71: "[ 4.1] WARNING: CPU: 0 PID: 117 at" goes on with the file,
# line and function, a trace entry with its module, a task header with its release.
# Bugzilla 3.x and 4.x stored comments so too, at 79: wrap_comment() (Bugzilla/Util.pm)
# ran Perl's Text::Wrap at COMMENT_COLS = 80 columns, whose rows hold at most 79. A wrap
# "at 72 columns" counted as Text::Wrap counts them ($columns holds the newline) leaves
# rows of at most 71, a cut one's next word past 71: the narrowest wrap read here.
_MAIL_WIDTH_MIN = 71
_MAIL_WIDTH_MAX = 79


# A reply quotes the lines before it with ">" and a space per level (RFC 3676 4.5), and
# no client wraps the quoted lines again: a log wrapped in one mail, quoted by the
# replies after it, has rows wider than the wrap by the quotes added since.
_QUOTE_PREFIX_RE = re.compile(r"(?:>[ \t]?)+")


def _cut_width(piece: str) -> int:
    """The width of the row ``piece`` when a mail client wrapped it: its own, or, quoted,
    at the deepest of its quote's levels where it fits the widest wrap (the level of the
    mail that wrapped it; the quotes of later replies came after)."""
    row = piece.rstrip()
    quote = _QUOTE_PREFIX_RE.match(row)
    if quote is None or len(row) <= _MAIL_WIDTH_MAX:
        return len(row)
    levels = quote.group().count(">")
    text = len(row) - quote.end()
    for level in range(levels - 1, -1, -1):
        width = text + round(quote.end() * level / levels)
        if width <= _MAIL_WIDTH_MAX:
            return width
    return len(row)


def _mail_cut(piece: str, rest: str) -> bool:
    """Was the line ``piece`` cut by a mail client's wrap before ``rest`` (see above)?

    A format=flowed mail (RFC 3676 4.1, 4.2) keeps the space it broke at on the cut line,
    its soft line break, within the width: there the next word and its own space did not
    fit."""
    width = _cut_width(piece)
    if width > _MAIL_WIDTH_MAX or rest[:1].isspace():
        return False
    # (a wrap in a run of blanks keeps all but the one it dropped on the cut row, as in
    # sched_show_task()'s "task:%-15.15s state:%c": "task:init           " goes on
    # "state:R  running task ...": those blanks were part of the row's width)
    padded = len(piece) - len(piece.rstrip(" "))
    return width + 1 + len(rest.split(None, 1)[0]) + padded > _MAIL_WIDTH_MIN


# print_modules() (kernel/module/main.c) prints its list as one line, " %s%s" for each
# module after "Modules linked in:", up to a "[last unloaded: %s%s]": a bare row of
# names alone after that line, before the list ended, is its rest, a mail client's wrap
# cut. The row's width tells nothing here: archives that squeeze a printk time's blanks
# ("<4>[ 203.133483] Modules linked in: btrfs blake2b_generic libcrc32c" in an LKFT
# report on lore) leave the cut row short of any wrap's width.
_LIST_OPEN_RE = re.compile(r"Modules linked in: (?!.*\[last unloaded:)")
_LIST_ROW_RE = re.compile(
    r"[\w-]+(?:\([A-Z+\-]+\))?(?: [\w-]+(?:\([A-Z+\-]+\))?)*(?: \[last unloaded: [^\]]*\])?\s*$"
)


def _list_cut(last: Line, piece: str, rest: str) -> bool:
    """Was ``last``, print_modules()'s line before its list ended, cut by a mail
    client's wrap before ``rest``, a row of module names (see above)?"""
    return (
        _LIST_OPEN_RE.search(last.text) is not None
        and _cut_width(piece) <= _MAIL_WIDTH_MAX
        and _LIST_ROW_RE.match(rest) is not None
    )


# How far before a stamped piece of a list (" name name ...", a record of its own once
# another line came inside the list: modules._past_interleaved) its heading may be.
_LIST_PIECE_SPAN = 1024


def _list_piece_cut(last: Line, piece: str, rest: str, text: str) -> bool:
    """Was ``last``, a stamped piece of a list another record cut in two (see above),
    cut by a mail client's wrap before ``rest``, a row of module names, the list's
    heading before it?"""
    return (
        bool(last.context)
        and goes_on_list(last.text)
        and _cut_width(piece) <= _MAIL_WIDTH_MAX
        and _LIST_ROW_RE.match(rest) is not None
        and text.rfind("Modules linked in: ", max(0, last.start - _LIST_PIECE_SPAN), last.start)
        >= 0
    )


# LKFT's reports on lore wrap the list near 70 columns and leave the register rows after
# it whole, past 79 ("[ 5211.176111] x29: ffff80008b1ab7a0 x28: ..."): no width around
# shows the wrap. The rows do, as a terminal's cut rows do (_modules_row_cut): rows of
# names only, up to the list's end, then a prefixed line print_modules()'s callers print
# right after it (the task header, modules.ends_list): "[ 5211.175962] Modules linked
# in: tun overlay btrfs blake2b_generic" then "libcrc32c xor xor_neon raid6_pq ..." rows
# and "[ 5211.176075] CPU: 5 PID: 786885 Comm: statvfs01 Not tainted" (LTP statvfs01 on
# next-20240529, lore 2024-05-30). The name after the cut would not have fit the row.
# On a busy console other records land inside the list (6.x printk's vprintk_store()
# appends a pr_cont() piece to the last record only while that record is the same
# caller's): a device's line between the rows and the task header ("[ 22.376947]
# vc4-drm gpu: bound fe004000.txp (ops vc4_txp_ops [vc4])", LKFT's Raspberry Pi 4 on
# next-20230621), or the list going on after it as a stamped record of its own, " name
# ..." (modules.goes_on_list), wrapped as well. Such lines, a few, with their own rows
# wrapped, are read past: names rows after a list piece, up to that task header.
_LIST_OTHER_LINES = 4


def _list_rows_close(last: Line, piece: str, line: Line, text: str) -> bool:
    """Are ``line`` and the bare rows after it, all names (``_LIST_ROW_RE``), the rest of
    ``last``, a prefixed print_modules() line a mail client wrapped before ``line``, the
    prefixed row after them a line that follows the list, past a few other records'
    lines (see above)?"""
    first = line.text.split(None, 1)
    if not last.context or not first or _cut_width(piece) + 1 + len(first[0]) <= _MAIL_WIDTH_LOW:
        return False
    pos = line.start
    others = 0  # other records' lines read past
    listed = True  # (bare rows are the list's; after another record's line, its wrap's)
    for _ in range(MAX_LIST_ROWS):
        end = text.find("\n", pos)
        row = make_line(text[pos:] if end == -1 else text[pos:end], pos, 0)
        if row.context:
            if ends_list(row.text):
                return True
            listed = goes_on_list(row.text)
            others += not listed
            if others > _LIST_OTHER_LINES:
                return False
        elif listed and _LIST_ROW_RE.match(row.text) is None:
            return False
        if end == -1:
            return False
        pos = end + 1
    return False


def _mail_list_row(last: Line, piece: str, line: Line, text: str) -> Line | None:
    """``last``, print_modules()'s line, with ``line`` as its rest, when ``line`` is a row
    of module names (``_list_cut``) that a mail client's wrap proven by the text cut off
    in a log with no prefix: in such a log no missing prefix tells a wrap's rest from a
    line of its own, so the cut row must have been full (the rest's first name would not
    have fit, ``_mail_cut``) and no line around wider than the wrap (``_wrapped_log``): a
    quoted 2.6.19 i386 oops on LKML, "> Modules linked in: cpufreq_ondemand ...
    cpufreq_powersave " then "> speedstep_centrino freq_table ... thermal " and "> processor"."""
    rest = line.text
    if not (
        _list_cut(last, piece, rest)
        and _mail_cut(piece, rest)
        and _wrapped_log(text, line.start, _MAIL_WIDER_RE)
    ) and not _list_rows_cut(last, piece, line, text):
        return None
    return _rejoined(last, f"{last.raw.rstrip()} {rest.strip()}", line)


# (no mail client wraps narrower: a row shorter, with the next word fitting after it, is
# a line of its own)
_MAIL_WIDTH_LOW = 60


def _list_rows_cut(last: Line, piece: str, line: Line, text: str) -> bool:
    """Was ``last``, print_modules()'s line before its list ended, cut at the end of the
    row ``piece`` by a mail client's wrap narrower than ``_mail_cut`` assumes, ``line``
    and the bare rows after it proving it (modules.rows_close_list)?"""
    width = _cut_width(piece)
    first = line.text.split(None, 1)
    return (
        (
            _LIST_OPEN_RE.search(last.text) is not None
            or last.text.rstrip().endswith(" [last unloaded:")  # (its name the rest)
        )
        and bool(first)
        and width + 1 + len(first[0]) > _MAIL_WIDTH_LOW
        and width <= _MAIL_WIDTH_MAX
        and rows_close_list(last.text, _bare_rows(text, line.start))
    )


def _bare_rows(text: str, pos: int) -> Iterator[str | None]:
    """The rows of ``text`` from ``pos`` on (at most modules.MAX_LIST_ROWS), each the text
    of a row with no prefix, None for one with a prefix."""
    for _ in range(MAX_LIST_ROWS):
        end = text.find("\n", pos)
        row = make_line(text[pos:] if end == -1 else text[pos:end], pos, 0)
        yield None if row.context else row.text
        if end == -1:
            return
        pos = end + 1


# A mail client breaking lines by UAX #14 may also break after a hyphen (LB21) that
# follows a letter or digit, unless a digit comes next (LB25): "(in kfence-" goes on
# "#83):" (mm/kfence/report.c "(in kfence-#%d):"). Such a cut goes on with no space, when
# the rest's first piece up to its next break would not have fit.
_UAX14_PIECE_RE = re.compile(r"\S+?(?:-(?=[^\d\s-])|(?=\s)|$)")


def _hyphen_cut(piece: str, rest: str) -> bool:
    """Was the line ``piece`` cut after its last hyphen by a mail client's wrap before
    ``rest`` (see above)?"""
    cut = piece.rstrip()
    width = _cut_width(cut)
    if width > _MAIL_WIDTH_MAX or not cut.endswith("-") or not cut[-2:-1].isalnum():
        return False
    m = _UAX14_PIECE_RE.match(rest)
    if m is None or rest[0].isdigit():
        return False
    return width + len(m.group()) > _MAIL_WIDTH_MIN


# A wrapped log has no line wider than the wrap, around the cut: this far around it, on
# either side. (An unprefixed line after a kernel line of 80 columns is as often a
# program's own, on a console no wrap touched: x86's register lines, with a printk time,
# are 80 wide, and syzkaller's "executing program" follows them.)
_WRAP_SPAN = 1 << 14
# (a mail client leaves a word longer than its width whole, alone on its line: the
# oom-kill line's "constraint=...,task=tail,pid=120,uid=0"; in a reply, after the quote's
# "> " (RFC 3676 4.5), which is no place to break it: KASAN's and SLUB's 77-wide "====".
# Blanks a line ends with are no part of its width: Text::Wrap puts the one it stopped at
# after a line's last row, and MIPS's show_regs() pads its "$24   :" row with them. A
# quoted line is measured after its quote, which replies put there after any wrap.)
_MAIL_WIDER_RE = re.compile(
    rf"^(?:>[> ]*)?(?![\s>])(?=[^\n]{{{_MAIL_WIDTH_MAX}}}[^\n]*\S)[^\n]*?\S +\S", re.M
)


def _wrapped_log(text: str, pos: int, wider: re.Pattern[str]) -> bool:
    """Is no line of ``text`` within ``_WRAP_SPAN`` of ``pos`` one a wrap would have cut
    (``wider``)?"""
    return wider.search(text, max(0, pos - _WRAP_SPAN), pos + _WRAP_SPAN) is None


@functools.lru_cache(maxsize=64)
def _row_re(width: int) -> re.Pattern[str]:
    """A row exactly ``width`` columns wide."""
    return re.compile(rf"(?m)^[^\n\r]{{{width}}}\r?$")


def _wider_line(text: str, lo: int, hi: int, width: int) -> bool:
    """Does a line of ``text[lo:hi]`` (its part there) run past ``width`` columns? (The
    pieces between its newlines measured: a regex for ``width + 1`` non-newlines is tried
    at every position, each try running on to the line's end, 1 ms a 32 KB window.)"""
    return max(map(len, text[lo:hi].split("\n"))) > width


def _row_width(row: str) -> int:
    """The width of ``row`` after a mail reply's quote, which came after any wrap."""
    quote = _QUOTE_PREFIX_RE.match(row)
    return len(row) - (quote.end() if quote else 0)


def _wider_quoted_line(text: str, lo: int, hi: int, width: int) -> bool:
    """``_wider_line`` of quoted rows, each measured after its quote."""
    return any(_row_width(row) > width for row in text[lo:hi].split("\n"))


def _terminal_cut(piece: str, text: str, pos: int) -> bool:
    """Was ``piece``, the row before ``pos``, cut by a terminal's width (see
    ``_TERMINAL_WIDTH``)? It is as wide as the terminal and no line around is wider: 80
    columns, or a resized terminal's width, which another row around then shows too (one
    row as wide as the widest line around is no sign of a wrap: a log's longest line).
    A quoted row (a capture a mail reply quotes) is measured after its quote."""
    cut = piece.rstrip("\r")
    quoted = cut.startswith(">")
    width = _row_width(cut) if quoted else len(cut)
    if width < _TERMINAL_WIDTH:
        return False
    lo, hi = max(0, pos - _WRAP_SPAN), pos + _WRAP_SPAN
    wider = _wider_quoted_line if quoted else _wider_line
    if wider(text, lo, hi, width):
        return False
    if width == _TERMINAL_WIDTH:
        return True
    if quoted:
        return False  # (a resized terminal's capture, quoted: not told apart here)
    return _resized_cuts(text, lo, hi, width)


def _resized_cuts(text: str, lo: int, hi: int, width: int) -> bool:
    """Do the rows ``width`` wide of ``text[lo:hi]`` show a terminal resized to that
    width? Two at least went on, unprefixed, in the next row, and more went on so than
    ended there, the next row a prefixed line of its own. A line exactly as wide as the
    terminal is one of a wrap's rarest, but a recursion's trace prints one entry a row,
    each as wide as the next, and a test suite's line under one of them (LTP's
    "tst_test.c:1558: TINFO:", kselftest's "# ") is no rest of it: there the rows of that
    width ended a line far more often than they were cut."""
    row = _row_re(width)
    cuts = whole = 0
    for m in row.finditer(text, lo, hi):
        after = m.end() + 1
        nl = text.find("\n", after, after + _MAX_NEXT_ROW)
        following = text[after : nl if nl != -1 else after + _MAX_NEXT_ROW]
        if not following.strip():
            continue
        if make_line(following, after, 0).context:
            whole += 1
        else:
            cuts += 1
    return cuts >= 2 and cuts > whole


# (a row's next row is read this far for its prefix, which is all _resized_cuts asks)
_MAX_NEXT_ROW = 256


# A wrap in a run of blanks drops the one it broke at, and the rest of the run starts the
# next row: 6.1 sched_show_task() (kernel/sched/core.c) prints "task:%-15.15s state:%c"
# and pr_cont("  running task    "), so s390x's RCU stall's task dump, after a syslog
# prefix and a printk time, goes on " running task     stack:0 ..." after "state:R" at
# 74 columns. Text::Wrap takes the longest row within its width that a blank ends: one
# cut before a blank that another blank follows is exactly as wide as the wrap, or the
# blank would have fit; it may end in blanks of the run itself (the console log at 72:
# "... stack:0  " then "  pid:1     ppid:0 ...", sched_show_task()'s " stack:%-5lu").
# No unprefixed row starting with a blank says "cut" alone (trace entries and register
# rows start so), so the wrap's width must show around it: no line wider that a wrap
# would have cut, and more rows of that width going on unprefixed than ending
# (_resized_cuts, a terminal's rule).
@functools.lru_cache(maxsize=16)
def _wider_words_re(width: int) -> re.Pattern[str]:
    """A line a wrap at ``width`` would have cut: wider, with a blank between words
    (``_MAIL_WIDER_RE``'s rule at that width)."""
    return re.compile(rf"^(?![\s>])(?=[^\n]{{{width}}}[^\n]*\S)[^\n]*?\S +\S", re.M)


def _blank_cut(piece: str, rest: str, text: str, pos: int) -> bool:
    """Was the row ``piece`` cut at a blank by a mail client's wrap (Text::Wrap's rule)
    before ``rest``, the rest of the run of blanks and the words after it (see above)?"""
    cut = piece.rstrip("\r")
    width = len(cut)
    if not _MAIL_WIDTH_MIN <= width <= _MAIL_WIDTH_MAX or not rest.strip():
        return False
    lo, hi = max(0, pos - _WRAP_SPAN), pos + _WRAP_SPAN
    if _wider_words_re(width).search(text, lo, hi) is not None:
        return False
    return _resized_cuts(text, lo, hi, width)


# A mail client set narrower than _MAIL_WIDTH_MIN cuts far more lines, and the rest of
# one may start with a word that would have fit in 71 columns: /var/log/messages as
# rsyslog writes it (RSYSLOG_TraditionalFileFormat's "%b %d %H:%M:%S host kernel: ", then
# printk's "[%5lu.%06lu] ", print_time(): 46 columns before every kernel line) wrapped at
# 66-70 leaves 20-25 of a line's text on its first row, "... kernel: [ 2876.112041]
# watchdog: BUG: soft" then "lockup - CPU#1 stuck for 22s! [kworker/1:0:2231]" (6.1
# kernel/watchdog.c watchdog_timer_fn(): "BUG: soft lockup - CPU#%d stuck for %us!
# [%s:%d]"). Such a
# wrap's width shows in the log around the cut, as _resized_cuts reads a terminal's: its
# widest row with a blank between words (a wider one would have been cut there; a longer
# word alone is left whole) is at most the wrap's width, and the row before every
# unprefixed row of a prefixed log's lines around is a cut one, its width (the blanks it
# ends with too: a cut in a run of blanks keeps them) with a space and the unprefixed
# row's first word past that widest row's. An unwrapped log whose lines carry a prefix has
# few unprefixed rows (a program's own lines on the console), and those follow rows of
# any width: one in ten of them that the next word would have fit ends the rule there.
_NARROW_CUTS_MIN = 3
_NARROW_OWN_PER_CUT = 10
_NARROW_RUN_MAX = 4  # (the longest run of blanks a register dump's names end in, below)
_WORDS_RE = re.compile(r"\S +\S")


# A log wrapped twice, by the first mail at 78 (RFC 3676 4.2) and, quoted, by a reply's
# client at 66-70 (quote-aware or not), leaves each row of the first wrap in two: "> ...
# [ 5112.001240] CPU: 3 PID: 8812" (the reply's cut), "> Comm:" (the first wrap's row's
# end), "> kworker/3:1 Tainted: G ..." (its next row). The short row's next word would
# have fitted after it in the reply's width: a wrap at that width alone would read it
# as a line of its own, and one such row in ten, one each cut, ends the rule. Read with
# the row before it, it is the first wrap's row, the word past that wrap's width
# (_mail_cut's test at 71-79): no sign against the narrower wrap. The first mail may
# have been wrapped as narrow as the reply (textwrap.fill() at 66, quoted, the reply
# wrapped at 66 again: the quoted rows hold 64 columns after their "> ", the first
# wrap's 66): the word is then past the width the rows show, no more.
def _first_wrap_row(width: int, word: int, narrow: int) -> bool:
    """Is a row ``width`` wide, read with the row a narrower wrap cut it from, one a wrap
    at ``_MAIL_WIDTH_MIN``-``_MAIL_WIDTH_MAX`` columns, or at the ``narrow`` width the
    rows show and up, cut before a ``word`` that long?"""
    return width <= _MAIL_WIDTH_MAX and width + 1 + word > min(narrow, _MAIL_WIDTH_MIN)


@functools.lru_cache(maxsize=16)
def _narrow_wrap_width(around: str) -> int:
    """The width of the wrap narrower than ``_MAIL_WIDTH_MIN`` (or a squeezed paste's at
    80, see below) that cut the prefixed lines of the rows ``around`` a cut (see above),
    0 when they show none. (Cached by those
    rows, no more: a whole text held here would stay in memory, a 32 MB chunk's too.)"""
    rows = around.split("\n")
    width = 0
    for row in rows:
        quote = _QUOTE_PREFIX_RE.match(row)
        body = row[quote.end() :].rstrip() if quote else row.rstrip()
        if len(body) > width and not body[:1].isspace() and _WORDS_RE.search(body):
            width = len(body)
    # (or a paste's wrap at a terminal's 80 columns: see below)
    squeezed = width == _TERMINAL_WIDTH
    if not _MAIL_WIDTH_LOW <= width < _MAIL_WIDTH_MIN and not squeezed:
        return 0
    cuts = own = 0
    in_lines = False  # (the row before is a prefixed line's or a row after one)
    went_on = ""  # (the row ``row`` went on from, unprefixed: its cut row)
    for row, nxt in zip(rows, rows[1:]):
        before, went_on = went_on, ""
        if not row.strip():
            in_lines = False
            continue
        if not in_lines:
            in_lines = prefixed_row(row, 0) or bool(make_line(row, 0, 0).context)
        # (a row with a printk time or a syslog date is a line of its own, told without
        # parsing it: make_line tells the rest, the dearest part of this)
        if not in_lines or not nxt.strip() or nxt[:1].isspace() or prefixed_row(nxt, 0):
            continue
        rest = make_line(nxt, 0, 0)
        if rest.context or not rest.text.strip():
            continue
        went_on = row
        cut = _row_width(row.rstrip("\r"))
        if squeezed and cut >= width:
            continue  # (a terminal's cut, or a word wrap's: no sign of which)
        word = len(rest.text.split(None, 1)[0])
        if cut + 1 + word > width:
            cuts += 1
        elif before and _first_wrap_row(_row_width(before.rstrip()) + 1 + cut, word, width):
            pass  # (the end of a first, wider wrap's row a narrower one cut again: above)
        elif not make_line(row, 0, 0).text.strip():
            cuts += 1  # (its prefix alone: a cut in the blanks after it, see below)
        elif cut + 1 + word + _NARROW_RUN_MAX <= width:
            own += 1
        # (else no sign either way: a wrap that drops every blank at a cut, textwrap's,
        # cut there in a run of blanks, as 6.1 powerpc show_regs()'s "NIP:  %016lx" or
        # 3.4 ARM __show_regs()'s "pc : [<%08lx>]    lr : [<%08lx>]" have, and the
        # rest's first word would not have fit after the run)
    return width if cuts >= _NARROW_CUTS_MIN and own * _NARROW_OWN_PER_CUT <= cuts else 0


# A page or a script that squeezes a log's runs of blanks to one and wraps it at 80
# columns by words (Python's textwrap.fill(line, 80): rows of at most 80) leaves rows as
# wide as a terminal's too, and none wider: the mail client's rule (_mail_cut, rows of at
# most 79) finds a row too wide around the cut, and a terminal's (_terminal_cut) reads
# only the rows of exactly 80. The rows shorter than 80 show that wrap as a narrower one
# shows its own: most of those going on unprefixed would not have fit the rest's first
# word ("[ 1234.568027]" then "validate_xmit_skb_list+0x4e/0x80", a trace entry's
# squeezed indent; "Krnl PSW : 0704e00180000000 000003ff7fd025a4" then
# "(hotfence_crash_bug+0x44/0x48 [hotfence_crash])", 6.1 s390 show_registers()), and a
# terminal's capture, cut at 80 only, has none. The rows of exactly 80 stay the
# terminal's.


# A wrap that drops every blank at a cut (Python's textwrap.fill(), as paste sites and
# scripts wrap) leaves no sign of a run of blanks it cut in: a trace entry's indent after
# a printk time ("[1022334.611109]  [<ffffffff9c77a9b0>] panic+0xe8/0x21f", 3.10
# printk_address(); x86's "\t%pS" of 6.1 SLUB's print_track()) goes on in a row of its own
# after its prefix alone, though one blank and the rest's first word would have fit. A
# prefixed row holding its prefix alone, going on unprefixed, is such a cut in a log a
# narrow wrap shows around it.


def _narrow_width_at(text: str, pos: int) -> int:
    """``_narrow_wrap_width`` of the rows around ``pos``: those within _WRAP_SPAN of the
    span of the text ``pos`` is in, from a row's start (every cut in that span reads the
    same rows, and their answer once)."""
    span = pos // _WRAP_SPAN
    lo = max(0, (span - 1) * _WRAP_SPAN)
    lo = text.rfind("\n", 0, lo) + 1 if lo else 0
    return _narrow_wrap_width(text[lo : (span + 2) * _WRAP_SPAN])


# A reply's client that wraps what it quotes unaware of the quote leaves the end of a
# quoted row it cut in a row of no quote, and the first wrap's next row, quoted again,
# after it: "> ... [  812.364715] CPU: 1", "Tainted:", "> G           O  (3.4.0-g8c1e2d4
# #1)" (3.4 arch/arm/kernel/process.c __show_regs(): "CPU: %d    %s  (%s %.*s)",
# print_tainted(), the release). A wrap that drops every blank at a cut (textwrap's) cut
# the first row in a run of blanks, where its width tells nothing (_narrow_cut). The rows
# do: a reply's own words never stand inside a quoted line, between one of its rows and
# the next (a row of no prefix, no line of its own). In a log a wrap shows around it, the
# unquoted row is the quoted row's rest.
def _unquoted_rewrap_rest(piece: str, line: Line, text: str) -> bool:
    """Is ``line``, a row of no quote after the quoted row ``piece``, the rest a reply's
    quote-unaware rewrap cut from it, the row after it going on quoted alike (above)?"""
    quote = _QUOTE_PREFIX_RE.match(piece)
    end = line.end
    if quote is None or line.raw.startswith(">") or text[end : end + 1] != "\n":
        return False
    nxt = text.find("\n", end + 1)
    row = text[end + 1 :] if nxt == -1 else text[end + 1 : nxt]
    if not row.startswith(quote.group()) or row[quote.end() : quote.end() + 1] in ("", ">"):
        return False
    return not make_line(row, 0, 0).context


def _narrow_cut(piece: str, rest: str, text: str, pos: int, bare: bool = False) -> bool:
    """Was the row ``piece`` of a prefixed line cut before ``rest`` (the row at ``pos``)
    by a mail client's wrap narrower than ``_MAIL_WIDTH_MIN``, whose width the rows
    around show (see above)? ``bare``: the row holds the line's prefix alone (above)."""
    if rest[:1].isspace() or not rest.strip():
        return False
    width = _narrow_width_at(text, pos)
    cut = _row_width(piece.rstrip("\r"))
    if width == _TERMINAL_WIDTH and cut >= width:
        return False  # (the terminal's rows: _terminal_cut's alone)
    return bool(width) and (bare or cut + 1 + len(rest.split(None, 1)[0]) > width)


# A wrap that also breaks after a hyphen (Python's textwrap.fill(), break_on_hyphens, as
# paste sites and scripts wrap; a mail client's by UAX #14 LB21) cuts inside a hyphened
# word at these widths too, the rest going on with no blank: "... [   11.946353]
# watchdog: CPU 1 self-" then "detected hard LOCKUP @ __delay+0x50/0x70" (6.1
# arch/powerpc/kernel/watchdog.c watchdog_timer_interrupt(): "CPU %d self-detected hard
# LOCKUP @ %pS"). The cut is the narrow wrap's when the rest's first piece up to its next
# break (_UAX14_PIECE_RE) would not have fit in the width the rows around show.
def _narrow_hyphen_cut(piece: str, rest: str, text: str, pos: int) -> bool:
    """Was the row ``piece`` of a prefixed line cut after its last hyphen before ``rest``
    (the row at ``pos``) by a wrap narrower than ``_MAIL_WIDTH_MIN`` (see above)?"""
    cut = piece.rstrip()
    if not cut.endswith("-") or not cut[-2:-1].isalnum() or rest[:1].isspace():
        return False
    m = _UAX14_PIECE_RE.match(rest)
    if m is None or rest[0].isdigit():
        return False
    width = _narrow_width_at(text, pos)  # (the rows _narrow_cut reads, its cached answer)
    return bool(width) and _row_width(cut) + len(m.group()) > width


# A word wrap at 80 (Python's textwrap.fill(line, 80) with its defaults: no squeeze of
# the blanks, drop_whitespace, break_on_hyphens) fills a row to exactly 80 columns when
# the next word fits with no blank to spare, and drops the blank it cut at: a terminal's
# row is as wide, but a terminal cuts inside a word and drops nothing. "... kernel:
# [64590.667595] Memory cgroup out of memory: Killed" then "process 25482 (python3)
# total-vm:..." (6.18 mm/oom_kill.c __oom_kill_process(): "%s: Killed process %d (%s)
# total-vm:%lukB, ..."), "... blocked for more" then "than 120 seconds." (6.1
# kernel/hung_task.c check_hung_task(): "INFO: task %s:%d blocked for more than %ld
# seconds."). The rows around tell the two apart (_narrow_wrap_width): a word wrap at 80
# also cuts rows short of 80 before a word too long for them, a terminal never. There a
# full row goes on after a blank, unless the wrap cut it after a hyphen inside a word
# (textwrap's wordsep_re: "self-" then "detected"), which goes on with none.
def _word_wrap_full_row(piece: str, rest: str, text: str, pos: int) -> bool:
    """Was ``piece``, a row exactly ``_TERMINAL_WIDTH`` wide, cut at a blank by a word
    wrap at that width (above), not by a terminal, before ``rest`` (the row at ``pos``)?"""
    cut = piece.rstrip("\r")
    if _row_width(cut) != _TERMINAL_WIDTH or cut[-1:].isspace() or rest[:1].isspace():
        return False
    if cut.endswith("-") and cut[-2:-1].isalnum() and rest[:1].isalnum():
        return False  # (a cut after a hyphen: no blank to put back)
    return _narrow_width_at(text, pos) == _TERMINAL_WIDTH


def _rejoined(last: Line, raw: str, line: Line) -> Line | None:
    """``last`` read again as ``raw``, its text with its rest (``line``) put back, over
    both lines' span; None when it then reads as another stream's line."""
    whole = make_line(raw, last.start, last.number)
    if whole.context != last.context:
        return None
    return whole._replace(end=line.end)


# A log wrapped in one mail (at 78, RFC 3676 4.2's and RFC 5322 2.1.1's most), quoted by a
# reply ("> " per level, RFC 3676 4.5) and wrapped again by the reply's client at 72 (a
# quote-aware client re-quotes each row it made: Thunderbird's mailnews.wraplength, mutt
# and Gmail without format=flowed): each first row the quote pushed past 72 is cut again,
# and its last word or two go on in a short row of their own before the first wrap's
# next row: "> ... [   41.118732] Unable to handle kernel", "> NULL", "> pointer
# dereference at virtual address 0000000000000008" (6.1 arch/arm64/mm/fault.c
# die_kernel_fault(): pr_alert("Unable to handle kernel %s at virtual address %016lx\n",
# ...)). The short row proves no cut alone; the first wrap's row, the two rows read as
# one, does (_mail_cut).
def _rewrapped_cut(before: str, piece: str, rest: str) -> bool:
    """Was the row a first mail client's wrap made, which a reply quoted and its own
    client cut again into ``before`` and ``piece``, cut by that first wrap before
    ``rest`` (see above)?"""
    if not before.startswith(">"):
        return False
    quote = _QUOTE_PREFIX_RE.match(piece)
    tail = piece[quote.end() :] if quote is not None else piece
    return _mail_cut(f"{before.rstrip()} {tail.strip()}", rest)


def _rewrapped_hyphen_cut(before: str, piece: str, rest: str, text: str, pos: int) -> bool:
    """Was the row a first wrap made, which a reply quoted and its own client cut again
    into ``before`` and ``piece``, cut after a hyphen by that first wrap before ``rest``
    (the row at ``pos``): "> ... Unable to handle kernel write to", "read-", "> only
    memory at virtual address ..." (6.1 arch/arm64/mm/fault.c die_kernel_fault(), "%s"
    "write to read-only memory"; a comm's "xdp-" then "loader")? The first wrap's row,
    the two read as one, is cut as _hyphen_cut or _narrow_hyphen_cut reads one, and the
    word goes on with no blank (_rewrapped_cut's rule for a cut at a blank)."""
    if not before.startswith(">"):
        return False
    quote = _QUOTE_PREFIX_RE.match(piece)
    first = f"{before.rstrip()} {(piece[quote.end() :] if quote else piece).strip()}"
    return (
        _hyphen_cut(first, rest) and _wrapped_log(text, pos, _MAIL_WIDER_RE)
    ) or _narrow_hyphen_cut(first, rest, text, pos)


def _bare_prefix_indent(rest: str) -> str | None:
    """The indent of the trace line ``rest`` begins, which a wrap cut from its prefix
    (``_BARE_PREFIX_RESTS``); None when it begins none."""
    return next((indent for rest_re, indent in _BARE_PREFIX_RESTS if rest_re.match(rest)), None)


def join_wrapped(last: Line, piece: str, line: Line, text: str, before: str = "") -> Line | None:
    """``last`` with ``line`` (no prefix, the line right after it) read as its rest, when
    a wrap cut them apart; None when ``line`` is a line of its own. ``piece`` is the last
    physical line ``last`` came from: a terminal's row of ``_TERMINAL_WIDTH`` columns goes
    on as it was cut; a mail client's wrap at a space goes on after a space, when the next
    word would not have fit in the wrap's width (``_mail_cut``) or a task header was cut
    in or after its taint flags; a cut after a hyphen (``_hyphen_cut``, a release's in a
    header) goes on with no space; a prefixed line's row cut by a narrower wrap whose
    width the rows around show, as ``_mail_cut``'s at that width (``_narrow_cut``). Only
    the cuts a line's rest proves (``join_proven_cut``) need no sign that ``text``
    around it was wrapped (``_wrapped_log``). ``before``, the
    row before ``piece`` when ``piece`` was a wrap's rest itself, is read with it as the
    row a first wrap made, which a quoting reply's wrap cut again (``_rewrapped_cut``).
    The joined line is read again whole (its text, an "(unreliable)" entry's mark the
    wrap moved to the next row)."""
    rest = line.text  # the line as it came: it has no prefix (a mail quote's is gone)
    if line.context or not rest.strip():
        return None
    if _terminal_cut(piece, text, line.start):
        if last.context and _word_wrap_full_row(piece, rest, text, line.start):
            raw = f"{last.raw.rstrip()} {rest.strip()}"  # (the blank the wrap dropped)
        else:
            raw = last.raw.rstrip("\r") + rest
    elif (proven := join_proven_cut(last, line)) is not None:
        return proven
    elif _modules_row_cut(last, piece, line, text):
        raw = last.raw.rstrip("\r") + rest  # a terminal's cut: exact, mid-name or not
    elif (
        _list_cut(last, piece, rest)
        and (
            _wrapped_log(text, line.start, _MAIL_WIDER_RE)
            or _list_rows_close(last, piece, line, text)
        )
    ) or (_list_piece_cut(last, piece, rest, text) and _list_rows_close(last, piece, line, text)):
        raw = f"{last.raw.rstrip()} {rest.strip()}"
    elif (
        (_hyphen_cut(piece, rest) and _wrapped_log(text, line.start, _MAIL_WIDER_RE))
        or (last.context and _narrow_hyphen_cut(piece, rest, text, line.start))
        or (last.context and _rewrapped_hyphen_cut(before, piece, rest, text, line.start))
    ):
        raw = last.raw.rstrip() + rest.strip()  # cut inside a word: no space to put back
    elif (
        (_mail_cut(piece, rest) or _rewrapped_cut(before, piece, rest))
        and _wrapped_log(text, line.start, _MAIL_WIDER_RE)
    ) or (last.context and _narrow_cut(piece, rest, text, line.start, not last.text.strip())):
        raw = f"{last.raw.rstrip()} {rest.strip()}"
    elif (
        last.context
        and _unquoted_rewrap_rest(piece, line, text)
        and (
            _wrapped_log(text, line.start, _MAIL_WIDER_RE)
            or _narrow_width_at(text, line.start) != 0
        )
    ):
        raw = f"{last.raw.rstrip()} {rest.strip()}"  # (see _unquoted_rewrap_rest)
    elif (
        last.context
        and before.startswith(">")
        and not piece.startswith(">")
        and _narrow_cut(f"{before.rstrip()} {piece.strip()}", rest, text, line.start)
    ):
        # (that rest and the quoted row before it: the first wrap's row, which that wrap
        # cut before ``rest`` as _narrow_cut reads one, _rewrapped_cut's at 71-79)
        raw = f"{last.raw.rstrip()} {rest.strip()}"
    elif (
        last.context
        and not last.text.strip()
        and (indent := _bare_prefix_indent(rest)) is not None
        and _wrapped_log(text, line.start, _MAIL_WIDER_RE)
    ):
        raw = f"{last.raw.rstrip()} {indent}{rest.strip()}"  # (see above)
    elif rest[:1] == " " and _blank_cut(piece, rest, text, line.start):
        raw = f"{last.raw.rstrip(chr(13))} {rest.rstrip()}"  # the blank dropped, the run's rest
    else:
        return None
    return _rejoined(last, raw, line)


# kernel/module/main.c print_modules() (kernel/module.c before 5.19) pr_cont()s every
# module after "Modules linked in:", one record of up to LOG_LINE_MAX (992) characters: a
# maximised terminal cuts it at its width, inside a name as often as not, and the rest
# goes on in the next row with no prefix ("... spi_bcm2835 uio_p" then "drv_genirq uio
# ... ipv6", Arch Linux ARM's 4.4 on a 208-column terminal). No other row need be as
# wide (the list is a report's longest line by far), so the width shows nothing
# (_terminal_cut); the rows prove it: a row of names only (modules.list_rest), then the
# list's end, or a prefixed line print_modules()'s callers print right after it (the
# task header, modules.ends_list). A mail client's wrap at 79 columns or fewer drops the
# space it cut at: that one is _mail_cut's.


def _modules_row_cut(last: Line, piece: str, line: Line, text: str) -> bool:
    """Is ``line`` (no prefix) the rest of ``last``'s module list, which a terminal cut
    at the end of the row ``piece`` (see above)?"""
    if len(piece.rstrip("\r")) <= _MAIL_WIDTH_MAX or not heads_list(last.text):
        return False
    if not list_rest(line.text):
        return False
    if "[last unloaded:" in line.text:
        return True
    nxt = text.find("\n", line.end + 1, line.end + 1 + _MAX_NEXT_ROW)
    after = make_line(
        text[line.end + 1 : nxt if nxt != -1 else line.end + 1 + _MAX_NEXT_ROW], line.end + 1, 0
    )
    return bool(after.context) and ends_list(after.text)


# The cuts at a space whose rest proves them (join_proven_cut): the line cut, its rest.
_PROVEN_CUTS = (
    # (a wrap inside the taint's run of spaces leaves the rest of the run before it)
    (_CUT_HEADER_RE, _RELEASE_START_RE),
    (_CUT_COMM_RE, _COMM_NAME_REST_RE),
    (_CUT_HEADER_RE, _TAINT_FLAGS_REST_RE),
    (_CUT_BEFORE_BUILD_RE, _BUILD_REST_RE),
    (_CUT_BEFORE_TAINT_RE, _TAINT_RELEASE_REST_RE),
    (_CUT_BEFORE_COMM_RE, _COMM_REST_RE),
    (_CUT_WARNING_RE, _SYMBOL_REST_RE),
    (_CUT_WARNING_RE, _DECODED_SYMBOL_REST_RE),
    (_CUT_WARNING_RE, _LONE_NAME_REST_RE),
    (_CUT_WARNING_AT_RE, _LOC_SYMBOL_REST_RE),
    (_CUT_WARNING_CPU_RE, _CPU_PID_AT_REST_RE),
    (_CUT_WARNING_PATH_RE, _PATH_LOC_SYMBOL_REST_RE),
    (_CUT_MIGHT_SLEEP_RE, _FILE_LINE_REST_RE),
    (_CUT_SANITIZER_IN_RE, _SYMBOL_REST_RE),
    (_CUT_SANITIZER_RE, _SANITIZER_REST_RE),
    (_CUT_SLUB_RE, _SLUB_REST_RE),
    (_CUT_SLUB_RE, _SLUB_FLAGS_REST_RE),
    (_CUT_SLUB_AFTER_RE, _SLUB_PROBLEM_REST_RE),
    (_CUT_MCE_RE, _MCE_REST_RE),
    (_CUT_MCE_STATUS_RE, _MCE_BANK_REST_RE),
    (_CUT_MCE_WORDS_RE, _MCE_WORDS_REST_RE),
    (_CUT_KILLED_RE, _KILLED_REST_RE),
    (_CUT_ARM_ENTRY_RE, _ARM_CALLER_REST_RE),
    (_CUT_ARM_CALLEE_RE, _ARM_ADDRESS_CALLER_REST_RE),
    (_CUT_ARM_FROM_RE, _ARM_FROM_REST_RE),
    (_CUT_ARM_BEFORE_FROM_RE, _ARM_FROM_CALLER_REST_RE),
    (_CUT_GPF_RE, _GPF_REST_RE),
    (_CUT_NO_ROOT_RE, _NO_ROOT_REST_RE),
    (_CUT_PANIC_MESSAGE_RE, _PANIC_MESSAGE_REST_RE),
    (_CUT_STACK_PROTECTOR_RE, _STACK_PROTECTOR_REST_RE),
    (_CUT_SPL_PANIC_RE, _SPL_PANIC_REST_RE),
    (_CUT_RISCV_STATUS_RE, _RISCV_CAUSE_REST_RE),
    (_CUT_RISCV_NAME_RE, _RISCV_VALUE_REST_RE),
    (_CUT_REGS_TRAP_RE, _TAINT_REST_RE),
    (_CUT_POWERPC_REG_NAME_RE, _POWERPC_REG_VALUE_REST_RE),
    (_CUT_I386_EIP_RE, _TAINT_REST_RE),
    (_CUT_BAD_ACCESS_RE, _BAD_ACCESS_REST_RE),
    (_CUT_BAD_ACCESS_AT_RE, _BAD_ACCESS_AT_REST_RE),
    (_CUT_BAD_ACCESS_WORDS_RE, _BAD_ACCESS_WORDS_REST_RE),
    (_CUT_X86_BAD_ACCESS_RE, _X86_BAD_ACCESS_REST_RE),
    (_CUT_X86_PAGE_FAULT_RE, _X86_PAGE_FAULT_REST_RE),
    (_CUT_S390_BAD_ACCESS_RE, _S390_BAD_ACCESS_REST_RE),
    (_CUT_XFS_ERROR_RE, _XFS_ERROR_REST_RE),
    (_CUT_PACA_CURRENT_RE, _PACA_CURRENT_REST_RE),
    (_CUT_HUNG_TASK_RE, _HUNG_TASK_REST_RE),
    (_CUT_TASK_COMM_RE, _TASK_STATE_REST_RE),
    (_CUT_POWERPC_ENTRY_RE, _POWERPC_ENTRY_REST_RE),
    (_CUT_POWERPC_NIP_RE, _POWERPC_NIP_REST_RE),
    (_CUT_MIPS_EPC_RE, _POWERPC_NIP_REST_RE),
    (_CUT_POWERPC_INTERRUPT_RE, _POWERPC_NIP_REST_RE),
    (_CUT_BEFORE_MODULE_RE, _MODULE_REST_RE),
    (_CUT_RIP_RE, _RIP_REST_RE),
    (_CUT_ENTRY_ADDRESS_RE, _ENTRY_SYMBOL_REST_RE),
    (_CUT_UNRELIABLE_MARK_RE, _SYMBOL_REST_RE),
    (_CUT_TASK_STATE_RE, _TASK_FIELDS_REST_RE),
    (_CUT_SLUB_TRACK_RE, _SLUB_TRACK_REST_RE),
    (_CUT_SLUB_TRACK_IN_RE, _SLUB_TRACK_SYMBOL_REST_RE),
    (_CUT_BEFORE_LOCS_RE, _LOCS_REST_RE),
    (_CUT_IN_LOCS_RE, _IN_LOCS_REST_RE),
    (_CUT_IN_DISCRIMINATOR_RE, _DISCRIMINATOR_REST_RE),
)


def join_proven_cut(last: Line, line: Line) -> Line | None:
    """``last``, a line a wrap cut before the fact it ends with, with ``line`` read as
    its rest: a task header's release, its rest and "#N" after a cut inside it
    (``_CUT_RELEASE_RE``), the whole after a cut at the taint (``_CUT_HEADER_RE``) or
    after "Comm:" (``_CUT_COMM_RE``); a
    WARNING's function after its file and line (``_CUT_WARNING_RE``), all three after
    its "at" (``_CUT_WARNING_AT_RE``) or the rest of it after a cut inside its name
    (``_CUT_IN_WARNING_SYMBOL_RE``), or its path's rest after a cut at a "/" in it
    (``_CUT_WARNING_PATH_RE``); a might-sleep BUG's file and line after its "at"
    (``_CUT_MIGHT_SLEEP_RE``); an ARM trace entry's caller after its "from
    [<pc>]" (``_CUT_ARM_ENTRY_RE``) or, since 5.x, its "from" and caller
    (``_CUT_ARM_FROM_RE``, ``_CUT_ARM_BEFORE_FROM_RE``); a general protection fault's address and error code
    (``_CUT_GPF_RE``); the no-root panic's device (``_CUT_NO_ROOT_RE``), a sysrq
    or kill-init panic's last words (``_CUT_PANIC_MESSAGE_RE``), the stack protector's
    (``_CUT_STACK_PROTECTOR_RE``); OpenZFS's "PANIC at" place
    (``_CUT_SPL_PANIC_RE``); riscv's
    "cause:" after its "status:" (``_CUT_RISCV_STATUS_RE``); a symbol's "[module]"
    (``_CUT_BEFORE_MODULE_RE``); x86's "RIP:" symbol (``_CUT_RIP_RE``); a trace entry's
    symbol after its addresses (``_CUT_ENTRY_ADDRESS_RE``); a powerpc entry's module and
    "(unreliable)" mark (``_CUT_POWERPC_ENTRY_RE``); s390's bad access line's end
    (``_CUT_S390_BAD_ACCESS_RE``); XFS's internal error line after its function
    (``_CUT_XFS_ERROR_RE``); powerpc's paca line's task (``_CUT_PACA_CURRENT_RE``);
    an MCE line's bank after its status (``_CUT_MCE_STATUS_RE``); powerpc's "NIP:"
    and "MSR:" values (``_CUT_POWERPC_REG_NAME_RE``); i386's taint after its "EIP:"
    (``_CUT_I386_EIP_RE``); powerpc's
    "NIP [addr]" and "LR [addr]" symbol (``_CUT_POWERPC_NIP_RE``), MIPS's "epc : addr" and
    "ra : addr" one (``_CUT_MIPS_EPC_RE``); the hung task line's
    "seconds." (``_CUT_HUNG_TASK_RE``); sched_show_task()'s "state:" after its padded
    comm (``_CUT_TASK_COMM_RE``); None otherwise. The rest proves the cut alone, with
    no sign of a wrap around it, and in a log whose lines carry no prefix too (abrt's
    oops text, Bugzilla-wrapped)."""
    rest = line.text
    if _RELEASE_REST_RE.match(rest) and _CUT_RELEASE_RE.search(last.text.rstrip()):
        raw = last.raw.rstrip() + rest.strip()  # cut inside a word: no space to put back
    elif _CUT_IN_WARNING_SYMBOL_RE.match(last.text.rstrip("\r")) and _IN_SYMBOL_REST_RE.match(rest):
        raw = last.raw.rstrip("\r") + rest.strip()  # inside the function's name
    elif _IN_MODULE_REST_RE.match(rest) and _CUT_IN_MODULE_RE.search(last.text.rstrip("\r")):
        raw = last.raw.rstrip("\r") + rest.strip()  # inside the module's name
    elif any(  # (the rest's anchored match first: it fails at its first characters)
        rest_re.match(lead) and cut_re.search(last.text)
        for lead in (rest.lstrip(),)
        for cut_re, rest_re in _PROVEN_CUTS
    ):
        # (a sanitizer's bug words cut after a hyphen go on with no blank: see above)
        cut = last.text.rstrip()
        hyphen = (
            _CUT_SANITIZER_HYPHEN_RE.match(cut)
            or _CUT_FAULT_HYPHEN_RE.match(cut)
            or _CUT_WARNING_PATH_RE.match(cut)  # (inside its path: see above)
        ) is not None
        raw = f"{last.raw.rstrip()}{'' if hyphen else ' '}{rest.strip()}"
    else:
        return None
    return _rejoined(last, raw, line)


def _cut_in_brackets(cut: str, rest: str) -> bool:
    """Does the row ``cut`` end inside a bracket that ``rest`` closes first thing, as a
    trace entry cut in its "(f+0x1/0x2)" or its "[module]" does? (A page that squeezed
    the spaces of a wrapped log left its rows short of the terminal's width.)"""
    for opening, closing in ("()", "[]"):
        if cut.count(opening) > cut.count(closing):
            shut, opened = rest.find(closing), rest.find(opening)
            if shut != -1 and (opened == -1 or shut < opened):
                return True
    return False


def join_terminal_row(last: Line, piece: str, line: Line, text: str) -> Line | None:
    """``last`` with ``line`` read as its rest, when both carry no prefix and a terminal
    cut them apart inside a word: ``piece``, the row before, is as wide as the terminal,
    80 columns (or, squeezed, ends inside a bracket ``line`` closes), no line around is
    wider, and ``line`` starts with no blank; None otherwise. Without a prefix to miss, a cut at a space looks like a line of its
    own, and is left one."""
    rest = line.text
    cut = piece.rstrip()  # (blanks a copy padded the rows with are none of their width)
    width = _row_width(cut)  # (a quoted row after its quote)
    if not rest.strip() or rest[:1].isspace() or width > _TERMINAL_WIDTH:
        return None
    # inside a word ("nand_scan_with_i" "ds+0xb88/0x137c"), or inside a bracket: a line of
    # exactly 80 that ends a word before a line of its own ("...+0x230)" "[<80632588>]")
    # is no cut
    in_word = (cut[-1:] + rest[:1]).replace("_", "a").isalnum() or (
        width == _TERMINAL_WIDTH and _cut_in_release(cut, rest)
    )
    if not (width == _TERMINAL_WIDTH and in_word) and not (
        width >= _MAIL_WIDTH_MIN and _cut_in_brackets(cut, rest)
    ):
        return None
    lo, hi = max(0, line.start - _WRAP_SPAN), line.start + _WRAP_SPAN
    if any(_row_width(row.rstrip()) > _TERMINAL_WIDTH for row in text[lo:hi].split("\n")):
        return None
    return _rejoined(last, last.raw.rstrip() + rest, line)


# A task header's release cut by a terminal after a "." or "-" of its own (a word's
# edge): "... Tainted: GF          O--------------   3.10.0-123." goes on "el7.ppc64 #1".
# The release is one word up to its " #N" build tag (_RELEASE_REST_RE), as
# dump_stack_print_info() (lib/dump_stack.c) and powerpc's show_regs() "(%s)" print it.
_RELEASE_CUT_AT_EDGE_RE = re.compile(
    r"(?:Not tainted|Tainted: [A-Z?](?:[A-Z?\- ]*[A-Z?\-])?) +\(?\d+\.\d+[\w.\-+~]*[.\-+~]$"
)


def _cut_in_release(cut: str, rest: str) -> bool:
    """Does the row ``cut`` end inside a header's release, at one of its "." "-" "+" "~",
    that ``rest`` goes on with up to its " #N" (see above)?"""
    return (
        cut[-1:] in ".-+~"
        and _RELEASE_REST_RE.match(rest) is not None
        and _RELEASE_CUT_AT_EDGE_RE.search(cut) is not None
    )


# Records the kernel prints with newlines inside them. printk's console and syslog(2)
# paths put the prefix before each of a record's lines (record_print_text()), but
# /dev/kmsg escapes the newlines ("\x0a", msg_add_ext_text()) and util-linux dmesg, which
# reads it, writes them back (unhexmangle_to_buffer()): the lines after the record's first
# come with no prefix, yet are the kernel's. Each entry: the record's first line's mark,
# and the shape of the lines that go on from it.
_MULTILINE_RECORDS = (
    # s390 show_code() (arch/s390/kernel/dis.c): "Krnl Code:" and its instructions, each
    # pr_cont'd after "\n\t  " with its '#', '>' or blank mark before the address
    ("Krnl Code:", re.compile(r"^\s*[#>*]?[0-9a-f]{8,16}: [0-9a-f]{2}")),
)


def continues_record(last: Line, line: Line, text: str) -> bool:
    """Is ``line`` (no prefix, the line right after ``last``) a line of the same
    multi-line record as ``last`` (``_MULTILINE_RECORDS``), printed without the prefix?"""
    if line.context or not any(shape.match(line.text) for _, shape in _MULTILINE_RECORDS):
        return False  # (most bare lines: the shapes fail at their first characters)
    if line.start - last.end > 2 or text.count("\n", last.end, line.start) != 1:
        return False  # not the line right after it
    return any(
        shape.match(line.text) is not None
        and (mark in last.text or shape.match(last.text) is not None)
        for mark, shape in _MULTILINE_RECORDS
    )


# Motorola's MSM8916 / MSM8939 3.10 trees print the record's CPU in the time's brackets
# ("[%5lu.%06lu,%u] ", lines._MOTO_CPU), but a line pr_cont() pieces built reaches the
# console through the cont buffer: cont_print_text() prints print_time(cont.ts_nsec,
# text, cont.cpu), and only cont_flush() sets cont.cpu, after the line was printed, so
# the line shows the CPU of the previous continuation line flushed, not its own
# (kernel/printk.c of the moto msm8916 trees). print_modules()'s list is such a line
# (printk(KERN_DEFAULT "Modules linked in:") then printk(" %s%s") for each module):
# "[86735.021221,0] Modules linked in: wlan(C) [last unloaded: wlan]" inside CPU 1's
# oops is that oops's.
_STALE_CONT_RE = re.compile(r"\[ *\d+\.\d{6},\d{1,4}\] Modules linked in:")
_CPU_CONTEXT_RE = re.compile(r"c\d+")


def _stale_cont_cpu(line: Line, context: str) -> bool:
    """Is ``line``, of another CPU than the report's ``context``, a Motorola console's
    print_modules() line, shown with a stale CPU (``_STALE_CONT_RE``)?"""
    return (
        _STALE_CONT_RE.match(line.raw) is not None
        and _CPU_CONTEXT_RE.fullmatch(context) is not None
        and _CPU_CONTEXT_RE.fullmatch(line.context) is not None
    )


# Lines after a program's line within which the report's own prefixed lines go on.
_INTERJECTION_LINES = 50


# systemd's status lines on /dev/console (src/core/show-status.c status_vprintf(), v244+;
# manager_status_printf() in manager.c before): "[" status "] " and the message, the status
# a job's result (src/core/job.c job_done_messages[]: "  OK  ", " TIME ", "FAILED",
# "DEPEND", " INFO ", "ASSERT", "UNSUPP", " ONCE "), or manager.c draw_cylon()'s six
# stars and blanks ("[  *** ] A start job is running for ..."); a job's start, status "",
# indented by status_indent's nine blanks ("         Starting %s..."). A console without
# printk time gives the kernel's lines no prefix either: there this program's line, right
# after a hung task's "INFO: task ... blocked for more than" (kernel/hung_task.c
# check_hung_task()) or after the report's last line, is none of the report's.
_SYSTEMD_STATUS_RE = re.compile(
    r"\[(?:  OK  | TIME |FAILED|DEPEND| INFO |ASSERT|UNSUPP| ONCE |[ *]{6})\] \S"
    r"| {9}(?:Starting|Stopping|Reloading|Mounting|Unmounting|Activating|Deactivating) \S"
)


def systemd_status(raw: str) -> bool:
    """Is ``raw`` (plain, see lines.plain_line) one of systemd's status lines on the
    console (``_SYSTEMD_STATUS_RE``)? (Its first character rules out most lines.)"""
    return raw[:1] in ("[", " ") and _SYSTEMD_STATUS_RE.match(raw) is not None


def interjected(text: str, line: Line, context: str) -> bool:
    """Is ``line`` a program's output inside a report whose lines carry the printk prefix
    of ``context``? printk prefixes every line it prints (the time and caller id,
    record_print_text()), so a line without one is not the kernel's; when the report's
    prefixed lines go on after it, it is a program that shares the console (a test
    suite: kselftest's lkdtm runner prints "# BUG: saw 'kernel BUG at': ok"), and neither
    ends the report nor starts one. A log that goes on without prefixes (another log
    appended) is read as before."""
    if not context or line.context:
        return False
    for at, raw in _lines_after(text, line.start, _INTERJECTION_LINES):
        after = make_line(raw, at, 0)
        if after.context:
            # (the next boot's banner is no line of the report's: a line before it may
            # well be the kernel's, the x86 decompressor's bare "Booting the kernel.")
            return after.context == context and not _booted(after.text)
    return False


# A copy of the kernel's record in another stream of the same capture: GCE's images send
# syslog's kern facility to the serial console too (google-compute-engine's
# /etc/rsyslog.d/90-google.conf: "daemon,kern.* /dev/console", "logging information in
# case of an unexpected crash during boot"), so serial port 1 holds printk's own lines
# and, in bursts a little later, rsyslog's "Nov 27 05:31:04 host kernel: [ 4.88] ..."
# copies of them. printk stamps each record once: a line of another stream with the time
# and text of a record this report has read is that record again, not a new report.
RecordKey = tuple[float | None, str]


def line_record(line: Line) -> RecordKey:
    """The printk time (None without one) and text that say which kernel record ``line``
    is: the same two again are that record printed again (parser.new_record)."""
    return line.timestamp, line.text.strip()


def record_of(line: Line) -> RecordKey | None:
    """:func:`line_record` of a stamped line (None without a time: no copy is told apart)."""
    return line_record(line) if line.timestamp is not None else None


def extract(
    text: str, start: int, cands: dict[int, OopsKind], order: list[int], idx: int, first_no: int
) -> Extracted:
    """Collect the report whose header line is at ``start`` (``order[idx]``)."""
    kind = cands[start]
    end_nl = text.find("\n", start)
    header = make_line(text[start:] if end_nl == -1 else text[start:end_nl], start, first_no)
    indent = _paste_indent(header)
    if indent:
        header = _dedented(header, indent)
    task_ctx = task_stream(header.context)
    before = lagged_copy(text, header)
    twinned = _twinned(text, header)
    limit = _read_limit(
        text,
        start,
        order,
        idx,
        task_ctx,
        kind,
        header,
        before is not None,
        twinned or _block_twinned(text, header),
    )
    prefix = _prefix_lines(text, start, header.context, first_no)
    window = _Window(text, header, kind, cands, task_ctx, indent=indent)
    if before is not None:
        window.lag = deque(before, 2 * LAG_LINES)
    if twinned:
        window.twinned = header
    most = max_report_lines(header.raw)
    pos = start
    n = -1
    last_pos = start
    feed, find = window.feed, text.find  # this loop runs once per line of every window
    while pos < limit:
        nl = find("\n", pos, limit)
        if nl == -1:
            nl = limit
        raw = text[pos:nl]
        plain = not needs_plain(raw)  # no-break spaces, colours, a page's typography?
        if not plain:
            raw = plain_line(raw)
        line_start = pos
        pos = nl + 1
        n += 1
        if n >= most:
            break  # (in log lines: the prefilter's reach is this bound)
        if not feed(raw, line_start, n, first_no, plain):
            # the window stops before this line, unread: the search for the next report
            # goes on from it (it may be the next crash's header, a few lines on)
            last_pos = line_start if n else pos
            break
        last_pos = pos
    stops = [p for p in (window.second, window.resume) if p is not None]
    next_pos = min(stops) if stops else last_pos
    if window.second is not None and "Kernel panic" in text[window.second : window.second + 64]:
        _leave_uml_regs(window, text, window.second)
    if window.cut_stream and not _holds_oops(window.lines[1 : window.own_end]):
        # The stamped lines after the bare header were taken for its record's (a copy cut
        # at the header's message), but hold nothing of an oops: no task line, registers
        # or trace. They are other messages (the header a line a user typed, a wall
        # message's copy, a program's echo above the log): the report is its line alone.
        after = end_nl + 1 if end_nl != -1 else len(text)
        return Extracted(header, kind, prefix, window.lines[:1], 1, 1, min(next_pos, after))
    lines = _pager_cut_first_entries(window.lines)
    return Extracted(header, kind, prefix, lines, window.title_end, window.own_end, next_pos)


def _leave_uml_regs(window: _Window, text: str, second: int) -> None:
    """The next report, at ``second``, is UML's fault panic: the show_regs() lines before
    it (uml_fault_regs) are its own, none of this report's."""
    eol = text.find("\n", second)
    nxt = make_line(text[second:] if eol == -1 else text[second:eol], second, 0)
    regs = uml_fault_regs(text, nxt)
    if regs:
        keep = sum(1 for ln in window.lines if ln.start < regs[0].start)
        window.title_end = min(window.title_end, keep)
        window.own_end = min(window.own_end, keep)


# powerpc show_stack() (6.1 arch/powerpc/kernel/process.c) prints "[%lx] [%lx] %pS" for
# each entry and " (unreliable)" after the first one, whose return address is the link
# register's, which may be stale, and again after an exception frame's "--- interrupt:
# %lx at %pS" line (firstframe set anew). journalctl's pager cuts a long line at the
# terminal's width and ends it in its mark (taint.PAGER_MARK): a first entry cut before
# its mark may be the unreliable one, no frame to title the report by.
_POWERPC_ENTRY_START_RE = re.compile(r"^\s*\[[0-9a-f]{8,16}\] \[[0-9a-f]{8,16}\] ")
_POWERPC_FIRST_AFTER_RE = re.compile(r"^\s*(?:Call Trace:|--- interrupt: )")


def _pager_cut_first_entries(lines: list[Line]) -> list[Line]:
    """``lines`` with each powerpc trace's first entry a pager cut (see above) taken for
    unreliable (Line.questionable), as the kernel may have marked it."""
    out = lines
    for i in range(1, len(lines)):
        line = lines[i]
        if (
            line.text.endswith(PAGER_MARK)
            and not line.questionable
            and _POWERPC_ENTRY_START_RE.match(line.text)
            and _POWERPC_FIRST_AFTER_RE.match(lines[i - 1].text)
        ):
            if out is lines:
                out = list(lines)
            out[i] = line._replace(questionable=True)
    return out


# The lines an RCU stall warning prints right after its header, which no other message
# prints (kernel/rcu/tree_stall.h, 6.12): print_cpu_stall_info()'s "\t%d-%c%c%c%c: (%lu
# %s) idle=..." of each stalled CPU (3.x: "\t%d: (%lu %s) idle="), print_other_cpu_stall()'s
# "\t(detected by %d, t=%ld jiffies, ...)", the "rcu: " of pr_fmt before them since 4.19.
# A stall whose CPU answered no backtrace (it idles, or spins with interrupts off) shows
# nothing more of itself.
_RCU_STALL_INFO_RE = re.compile(
    r"^\s*(?:rcu: )?\s*(?:\d+(?:-[.A-Za-z0-9!?]{3,4})?: \(\d+ (?:ticks this GP|GPs behind)\)"
    r"|\(detected by \d+, t=\d+ jiffies)"
)


def _holds_oops(lines: list[Line]) -> bool:
    """Do ``lines`` hold what the kernel prints with every report: a task line (dump_stack()'s
    "CPU: N PID: N Comm: X"), registers that name a function or a stack trace? Or the
    panic() a report ends in (a machine check's: mce_panic() prints no task or trace), or
    an RCU stall's own lines after its header (_RCU_STALL_INFO_RE)."""
    texts = one_entry_a_line([ln.text for ln in lines])
    if any("Kernel panic" in t or _RCU_STALL_INFO_RE.match(t) for t in texts):
        return True
    fields = task_fields(texts)
    return fields.pid is not None or rip_frame(texts) is not None or bool(call_trace(texts))


# A report pasted as a block, indented: a commit message's (the kernel's submitting-
# patches.rst asks for the trace in the message, and authors indent it by a tab or two
# spaces), a Markdown code block's source, a mail's. printk's lines carry no indent of
# their own at a header (a trace's entries and a register dump's rows do, after it), so
# a bare header's blanks are the paste's: at least two spaces, or a tab, that every line
# of the report then starts with. (One blank is a copy's, or the kernel's own: x86's
# " ? f+0x1/0x2" guesses, read with that blank.)
_PASTE_INDENT_RE = re.compile(r"(?: *\t[ \t]*| {2,})(?=\S)")


def _paste_indent(header: Line) -> str:
    """The indent a bare ``header`` was pasted with (see above), or ""."""
    if header.context:
        return ""
    m = _PASTE_INDENT_RE.match(header.raw)
    return m.group() if m is not None else ""


def _dedented(line: Line, indent: str) -> Line:
    """``line``, when bare and starting with ``indent``, read without the paste's
    ``indent`` (its span and raw text stay the log's); ``line`` itself otherwise."""
    if line.context or not line.raw.startswith(indent):
        return line
    inner = make_line(line.raw[len(indent) :], line.start, line.number)
    if inner.context:
        return line  # (a prefix behind the blanks: the line as it is read already)
    return inner._replace(end=line.end, raw=line.raw)


def dedent_pasted(lines: list[Line]) -> list[Line]:
    """``lines``, a report's in order, each bare one read without the indent the first
    was pasted with (``_paste_indent``)."""
    indent = _paste_indent(lines[0]) if lines else ""
    if not indent:
        return lines
    return [_dedented(ln, indent) for ln in lines]


def _absorbed(kind: OopsKind, raw: str) -> bool:
    """Does ``raw`` hold a header that ``kind``'s reports print inside themselves?"""
    return any(a in raw for a in kind.absorbs) or (
        raw.endswith(PAGER_MARK) and _absorbed_cut(kind, raw)
    )


# The start of an absorbed header a pager's cut must leave for the line to be that header
_ABSORBED_CUT_KEEPS = 12


def _absorbed_cut(kind: OopsKind, raw: str) -> bool:
    """Is ``raw`` an absorbed header that journalctl's pager (less -S) cut and ended in
    its mark (taint.PAGER_MARK)? arm64's panic_bad_stack() (arch/arm64/kernel/traps.c,
    6.1) panics "kernel stack overflow" after "Insufficient stack space to handle
    exception!" and the registers: at 72 columns "Kernel panic - not syncing: kernel
    stack >" is still that panic, what is left a start of the absorbed header."""
    for a in kind.absorbs:
        at = raw.find(a[:_ABSORBED_CUT_KEEPS]) if len(a) > _ABSORBED_CUT_KEEPS else -1
        if at >= 0 and a.startswith(raw[at:-1]):
            return True
    return False


# A line's rows read back by unwrapped_line: a header a wrap at 72 cut twice, or a
# first wrap's row a reply's rewrap cut again (_rewrapped_cut), needs three; a few more
# take a long line whole.
_UNWRAP_ROWS = 6


def unwrapped_line(last: Line, text: str) -> Line | None:
    """``last`` (the row's Line, from its start) with the rows a wrap cut from it read
    back in turn (``join_wrapped``, each row's one before kept for ``_rewrapped_cut``);
    None when the next row is a line of its own. (A line of no prefix takes one row, as
    ever: there the rows give no sign of a rest but their width, measured each time.)"""
    whole, piece, before = None, last.raw, ""
    for _ in range(_UNWRAP_ROWS if last.context else 1):
        e = (whole or last).end
        if e >= len(text) or text[e] != "\n":
            break
        nxt = text.find("\n", e + 1)
        rest = make_line(text[e + 1 :] if nxt == -1 else text[e + 1 : nxt], e + 1, 1)
        joined = join_wrapped(whole or last, piece, rest, text, before)
        if joined is None:
            break
        whole, piece, before = joined, rest.raw, piece
    return whole


def _unwrapped_raw(line: Line, text: str) -> str | None:
    """The raw text of ``line`` with its rest, when a wrap cut it before the next row of
    ``text`` (``unwrapped_line``); None when the next row is a line of its own."""
    e = text.find("\n", line.start)
    if e == -1:
        return None
    whole = unwrapped_line(make_line(text[line.start : e], line.start, 0), text)
    return whole.raw if whole is not None else None


def _starts_report_whole(line: Line, text: str) -> bool:
    """``is_report_start`` for ``line`` and, when a wrap cut it, for the whole line: a
    mail client's wrap at 73 columns cuts "Kernel panic - not syncing: Hard LOCKUP"
    (kernel/panic.c panic()) after "not", and the row "syncing: Hard LOCKUP" after it
    makes it the panic that goes on with the report before it (REPORT_START_IGNORES)."""
    if not is_report_start(line.raw):
        return False
    if prefixed_row(text, line.end + 1):
        return True  # the next row is a line of its own (no parse of it, most often)
    whole = _unwrapped_raw(line, text)
    return whole is None or is_report_start(whole)


def _absorbed_whole(kind: OopsKind, line: Line, text: str) -> bool:
    """``_absorbed`` for ``line`` or, when a wrap cut it, for the whole line."""
    return _absorbed(kind, line.raw) or bool(
        kind.absorbs
        and (whole := _unwrapped_raw(line, text)) is not None
        and _absorbed(kind, whole)
    )


def _absorbed_by(kind: OopsKind, line: Line, header: Line, text: str) -> bool:
    """Is ``line`` a header that the report of ``header`` prints inside itself? Not when
    it was printed more than ``_REPORT_TIME_GAP`` after that header: a report prints its
    own lines in one go, and a SLUB report's "INFO: " lines are not a hung task's
    "INFO: task ... blocked" ten minutes later. A header a wrap cut before the words that
    tell it (Bugzilla's at 79 columns, after a syslog prefix: SLUB's "INFO: Allocated in"
    going on with print_track()'s "%pS age=...", a 6.12 "WARNING: CPU: 0 PID: 141 at"
    with "mm/slub.c:1127 object_err+0x236/0x248") is read with its rest."""
    if not _absorbed_whole(kind, line, text):
        return False
    if header.timestamp is None:
        return True
    ts = line.timestamp
    return ts is None or ts - header.timestamp <= _REPORT_TIME_GAP


def _within(text: str, start: int, pos: int, context: str, most: int) -> bool:
    """Is the line at ``pos`` at most ``most`` lines of ``context`` after ``start``?
    Lines of other contexts between them (a journal entry's other fields, a /dev/kmsg
    record's dictionary) do not count."""
    lines = text.count("\n", start, pos)
    if lines <= most:
        return True
    own = 0
    for at, raw in _lines_after(text, start, lines, stop=pos):
        if make_line(raw, at, 0).context == context:
            own += 1
            if own > most:
                return False
    return True


def _read_limit(
    text: str,
    start: int,
    order: list[int],
    idx: int,
    task_ctx: bool,
    kind: OopsKind,
    header: Line,
    lagged: bool = False,
    twinned: bool = False,
) -> int:
    """Where to stop reading. A single console stream: one report past the next real
    header (the lines after it only feed the corruption check, like syzkaller, which
    reads to the end of the log). A task's own lines continue past other tasks' reports,
    up to a bound. Another stream's copy of the header's record is no header, nor is a
    lagging console's copy of a line (``lagged``: lagged_copy). (``twinned``: every line
    comes twice, stamped and not, _twinned.)"""
    limit = len(text)
    context = header.context
    if not task_ctx:
        seen = 0
        own = record_of(header)
        bare = None if own is None else (None, own[1])
        # every line twice (two consoles, is_echo): absorbed lines lie twice as far
        # (or once stamped and once not, twins; or a few lines later, lagged_copy)
        absorb = kind.absorb_lines * (2 if lagged or twinned or _echoed_header(text, header) else 1)
        for s in order[idx + 1 :]:
            e = text.find("\n", s)
            raw = plain_line(text[s:] if e == -1 else text[s:e])
            line = make_line(raw, s, 0)
            if context and interjected(text, line, context):
                continue
            if own is not None and line.context != context and record_of(line) == own:
                continue
            if (
                own is not None
                and line_record(line) == bare
                and text.count("\n", start, s) <= _TWIN_BLOCK_LINES
            ):
                continue  # (its copy without a time, another reader's block: _Window._copy)
            if lagged and _lag_copy(text, s, text[s:] if e == -1 else text[s:e]):
                continue
            if _absorbed_by(kind, line, header, text) and _within(text, start, s, context, absorb):
                continue
            prev_end = s - 1
            prev = text[text.rfind("\n", 0, prev_end) + 1 : prev_end] if s else ""
            if _starts_report_whole(line, text) and not is_echo(
                raw, prev, text, e + 1 if e != -1 else -1
            ):
                seen += 1
                if seen == 2:
                    limit = s
                    break
    return min(limit, start + _MAX_REPORT_CHARS)


@dataclass
class _Window:
    """The state of reading one report's window, line by line (``feed``)."""

    text: str  # the log (a journal entry's other fields say whose MESSAGE it is)
    header: Line
    kind: OopsKind
    cands: dict[int, OopsKind]
    task_ctx: bool
    indent: str = ""  # the paste's indent on every line of the report (_paste_indent)
    lines: list[Line] = field(default_factory=list)
    second: int | None = None  # where the next report starts
    resume: int | None = None  # a later panic-like line that is a report of its own
    title_end: int = 0
    own_end: int = 0  # lines[:own_end] are this report's; later ones only judge corruption
    own_done: bool = False
    tail: int = _TAIL_LINES
    last_ts: float | None = None
    last_wall: WallTime | None = None  # of the last line of this stream without printk time
    last_stamp: str = ""  # the text of last_wall's stamp (_long_pause)
    # a dmesg -H log's clock, read over every line whoever printed it, and where it stood
    # at this stream's last line (_long_pause)
    human: HumanClock | None = None
    human_mark: HumanMark | None = None
    boot: str | None = None  # a journal entry's header: the boot it was logged in
    # a short-monotonic journal's host, as the header names it: that host's programs'
    # entries have the kernel's lines' shape, and none of them is this report's
    journal: str | None = None
    gap: int = 0
    after_second: int = 0
    since_done: int = 0
    text_lines: int = 0
    skip_text: bool = False
    cpu_traceback: bool = False
    call: str = ""  # the "Sending NMI" line, when it is the stream's last (_answers_call)
    # a "Sending NMI" line an RCU stall went on after, unanswered (_RCU_AFTER_WAIT_RE)
    asked: str = ""
    prev_raw: str = ""
    echo: bool = False  # every record comes twice (see feed)
    echoed: bool = False  # the line before was the second copy of its record (feed)
    # two consoles, one behind the other (lagged_copy): the last lines read, to know a
    # stamped line's second copy by
    lag: deque[str] | None = None
    # each line twice, stamped and not (twins): the line before, to know a copy by (the
    # header, stamped, then the last line read)
    twinned: Line | None = None
    # lines read so far that are none of this stream's own: other contexts' lines, and
    # the rows a wrap cut off the line before (n - others: this stream's lines)
    others: int = 0
    restarted: bool = False  # printk time went back: the lines read on are another log's
    paused: bool = False  # the report's own text ended at a long pause (_long_pause)
    piece: str = ""  # the last line kept (or its last wrapped piece), as it came
    before: str = ""  # the row before ``piece`` when that was a wrap's rest (_rewrapped_cut)
    # This stream's stamped lines, and the records (record_of) of the first ``recorded``
    # of them: made only when a candidate line asks (_copy), not on every line.
    stamped: list[Line] = field(default_factory=list)
    records: set[RecordKey] = field(default_factory=set)
    recorded: int = 0
    # the header's record is the whole report (OopsKind.ends_at_header): set from it
    one_record: bool = False
    xmon: bool = False  # powerpc's xmon took the console (_xmon_entry): its lines go on
    # The header came bare and the report reads on in the stamped lines after it: a bare
    # line later is no program's interjected into them (_interjected), the log holds
    # bare records of the kernel's (a console without printk time, a copy cut at a line)
    bare_header: bool = False
    # ... taken for a copy's cut printk time (_cut_printk_time), not early_printk()'s
    cut_stream: bool = False
    # A MIPS fault's CPU (_MIPS_FAULT_CPU_RE): another CPU's fault lines, and its die()
    # block ("Oops[#n]:" to its end trace), between this one's lines are none of them.
    fault_cpu: str | None = None
    died: bool = False  # this CPU's die() block began
    foreign: bool = False  # in another CPU's die() block
    # The header's format names the lines its report is made of (Format.own_rows): the
    # first other line of its stream ends its own text (_off_rows)
    rows: oopses.Format | None = None
    rows_after: bool = False  # past the format's rows_until: its rows_after rows on
    # The header's prefix is a level alone, no printk time: a bare line is this stream's
    # too. A console echoing the caller's text before vprintk() reads its level (ARM
    # vendor trees' CONFIG_DEBUG_LL "printascii(printk_buf)", kdb) shows "<N>" on the
    # lines printed with one ("<0>Internal error: Oops", "<1>pgd = c0004000") and none
    # on those printed with none (arm __show_regs()'s "CPU: 0    Not tainted", "PC is
    # at", dump_backtrace_entry()'s frames) or KERN_DEFAULT's "<d>" (lines.parse_prefix).
    raw_levels: bool = False

    def __post_init__(self) -> None:
        self.context = self.header.context
        self.raw_levels = (
            self.context == CONSOLE and self.header.timestamp is None and self.header.raw[:1] == "<"
        )
        self.one_record = self.kind.ends_at_header(self.header.raw)
        self.rows = self.kind.own_rows(self.header.raw)
        if "epc == " in self.header.text:
            m = _MIPS_FAULT_CPU_RE.search(self.header.text)
            self.fault_cpu = m[1] if m is not None else None
        # With caller ids most lines in the window belong to other tasks: recognise them
        # by their raw caller tag without the full prefix parse.
        self.tag = caller_id(self.context)
        self.min_lines = 16 if "BUG: KMSAN:" in self.header.raw else 22
        if self.header.start:
            # The line before the header is a second console's piece of it: two consoles
            # write this capture, and every whole record comes twice (feed).
            prev = self.text.rfind("\n", 0, self.header.start - 1) + 1
            self.echo = is_echo_fragment(self.text[prev : self.header.start - 1], self.header.raw)
        if self.context == SYSLOG:
            self.boot = journal_entry_boot(self.text, self.header.start)
        self.journal = monotonic_journal_host(self.header.raw)
        if self.header.timestamp is None:
            self.human = _human_clock_at(self.text, self.header)
            if self.human is not None:
                self.human_mark = self.human.mark()
            else:
                self.last_wall = wall_time(self.header.raw)

    def feed(self, raw: str, line_start: int, n: int, first_no: int, plain: bool) -> bool:
        """Take line ``n`` of the window; False once the report is over. (``plain``: the
        caller found ``needs_plain(raw)`` False, see make_line.)"""
        is_header = n == 0
        if n and raw[:1] == "*" and is_replay_marker(raw):
            self._drop_cut_line(line_start)
            return True
        if self.lag is not None:
            if n and raw in self.lag and make_line(raw, 0, 0).timestamp is not None:
                self.others += 1  # (no line of the stream's own)
                return True  # the lagging console's copy of a record read already
            self.lag.append(raw)
        if n and raw == self.prev_raw and not self.echoed:
            # The header printed twice with its stamp (or, without one, the line after it
            # twice as well): two consoles feed this capture, and every record comes
            # twice. Without that a repeat is the kernel's own (x86 prints one " ?
            # f+0x1/0x2" guess twice in the same microsecond), and its copy comes twice.
            self.echo = self.echo or (
                n == 1 and is_echo(raw, raw, self.text, self.text.find("\n", line_start) + 1)
            )
            if self.echo:
                self.echoed = True
                self.others += 1  # (no line of the stream's own: n - others counts those)
                return True  # the same record again from a second console: read it once
        self.echoed = False
        self.prev_raw = raw
        if self.human is not None and n:
            wall = wall_time(raw)
            if wall is not None and wall.human:
                self.human.read(wall)
        if self.boot is not None and not self.restarted and _other_boot(raw, self.boot):
            self._reboot()  # a journal entry of the next boot (_other_boot)
        if n and self.journal is not None and from_userspace(raw, self.journal):
            return self._other_context()  # a program's entry amid the kernel's
        if (
            self.tag
            and n
            and not self.cpu_traceback
            and self.tag not in raw[:128]
            and line_start not in self.cands
        ):
            if self._wrapped_rest(raw, line_start, first_no + n, plain):
                return True
            if self.second is None and info_with_stack(raw):
                self.second = line_start
            if _may_boot(raw):
                self._other_banner(make_line(raw, line_start, first_no + n, plain))
            return self._other_context()
        if self.own_done and self.since_done > self.tail:
            return False  # enough read after the report ended (it may still hold its panic)
        if self.second is not None and not self.task_ctx:
            self.after_second += 1
            if self.after_second > _TAIL_LINES:
                return False  # past the next report only the corruption check looks, briefly
        line = make_line(raw, line_start, first_no + n, plain)
        if self.indent:
            line = _dedented(line, self.indent)
        if self.twinned is not None and n:
            before, self.twinned = self.twinned, line
            if unstamped_twin(self.text, line, before):
                self.others += 1  # (no line of the stream's own)
                return True  # the record's copy without its time: the stamped one is read
        if (
            n
            and line.timestamp is None
            and line.context
            and line.context == self.context
            and self.header.timestamp is not None
            # (rsyslog's imklog and imjournal both tag the kernel's lines "kernel:")
            and block_copy(self.text, line)
        ):
            self.others += 1  # (no line of the stream's own)
            return True  # another reader's copy of a record, in blocks: the stamped one is read
        if (
            self.fault_cpu is not None
            and n
            and line.context == self.context
            and self._other_cpus(line)
        ):
            self.others += 1  # (how far into the report counts this CPU's lines only)
            return True
        if n and not self.context and not line.context and systemd_status(line.raw):
            self.others += 1  # (no line of the stream's own)
            return True  # systemd's status line amid a bare console's kernel lines
        header_of_its_own = False  # a candidate header, not a copy of this report's lines
        if not is_header:
            if line_start in self.cands:
                if self._xmon_restated(line):
                    self.xmon = True  # (its banner is no boot: on a bare console too)
                elif not self._interjected(line) and not self._copy(line):
                    header_of_its_own = True
                    if line.context != self.context:
                        self._other_clock(raw, line)
                    # how far into the report is counted in its own stream's lines: other
                    # CPUs' lines, or a journal entry's other fields, come in between
                    self._note_next_report(line, n - self.others)
            elif self.second is None and info_with_stack(raw) and not self._interjected(line):
                self.second = line_start  # _note_next_report's one effect on other lines
            if (
                not self.context
                and line.context
                and (self.kind.unstamped or (n == 1 and _cut_printk_time(self.header, line)))
            ):
                # early_printk() wrote the header, bare; printk's lines after it carry the
                # console's prefix, and they are this report's stream. (Or a copy of the
                # log started at the header's message, its printk time left behind: the
                # stamped lines right after it are the same record's stream.)
                self.context, self.tag = line.context, caller_id(line.context)
                self.bare_header = True
                self.cut_stream = not self.kind.unstamped
            elif self.context and not line.context and _xmon_entry(line.text):
                # powerpc die() hands the fault to xmon before its "Oops" (arm's __die()
                # to kdb after it): the debugger's own console output, no printk prefix,
                # is the rest of this report (its text: a mail's quote marks read past)
                self.context, self.tag = line.context, ""
                self.xmon = line.text[:4] != "Ente"  # (xmon prints a banner, kdb none)
            if not self.context and not line.context and self._joins_terminal_row(line):
                return True
            if (
                line.context != self.context
                and not (self.cpu_traceback and caller_id(line.context).startswith("C"))
                and not (self.lines and continues_record(self.lines[-1], line, self.text))
                and not _stale_cont_cpu(line, self.context)
                and not (self.raw_levels and not line.context)
            ):
                if not line.context and self._joins_wrapped(raw, line):
                    return True
                if _may_boot(raw):
                    self._other_banner(line)
                if (
                    header_of_its_own
                    and not self.task_ctx
                    and (line.timestamp is not None or is_report_start(raw))
                ):
                    # Another stream's header is none of this report's lines: the search
                    # for the next report must not pass it (an oops in a stamped stream
                    # after a bare "Kernel panic" line). An unstamped panic-like line may
                    # still be this stream's own: a console prints an old kernel's level
                    # ("<0>Kernel panic - ...") where a record starts mid-line. (A task's
                    # window reads over other tasks' lines: see _read_limit.)
                    self._resume_at(line_start)
                return self._other_context()
            if (
                line.context == SYSLOG
                and is_journal_message(raw)
                and journal_entry_transport(self.text, line_start) != "kernel"
            ):
                return self._other_context()  # a program's entry amid the kernel's
        self.gap = 0
        if line.timestamp is not None:
            self.stamped.append(line)
        if not is_header:
            self._note_own_end(raw, line_start, line, n - self.others)
        if line.timestamp is not None:
            self.last_ts = line.timestamp
        if self._keep(raw, line, is_header) and not self.restarted and not self.paused:
            self.lines.append(line)
            self.piece, self.before = raw, ""
            if self.second is None or self.task_ctx:
                self.title_end = len(self.lines)
            if not self.own_done:
                self.own_end = len(self.lines)
        if not self.own_done and (
            (_terminates(raw) and not self._mrdump_kaslr(raw, line_start))
            or self.own_end >= _MAX_OWN_LINES
            or self.one_record
        ):
            self._end_own()
        return True

    def _mrdump_kaslr(self, raw: str, line_start: int) -> bool:
        """Is ``raw``, a "Kernel Offset:" line, MediaTek's mrdump telling the offset on
        die()'s notifier chain, before the oops' registers? arm64 and arm __die() print
        "Internal error: ..." then call notify_die(DIE_OOPS); MediaTek's mrdump module
        (drivers/misc/mediatek/aee/mrdump/mrdump_panic.c, their 5.10 GKI trees:
        ipanic_die() -> mrdump_common_die()) prints show_kaslr()'s "Kernel Offset: 0x%llx
        from 0x%lx" and "PHYS_OFFSET: 0x%llx" there, then aee_show_regs() and
        dump_stack(), and reboots. The panic notifier's own "Kernel Offset:" (arm64
        dump_kernel_offset()) comes after a report's registers and trace: it ends it."""
        if "Kernel Offset:" not in raw:
            return False
        kept = [ln for ln in self.lines if ln.start != line_start]
        return bool(kept) and kept[-1].text.startswith("Internal error: ")

    def _wrapped_rest(self, raw: str, line_start: int, number: int, plain: bool) -> bool:
        """Is ``raw``, a line without this report's caller id, the rest of the report's
        line right before it (``_joins_wrapped``)? A wrap's rest carries no prefix, so no
        id either: "[ 7.6][  T176] BUG: KASAN: slab-use-after-free in" goes on with the
        function. (Only the line right after one the report kept is parsed for it.)"""
        if not self.lines or line_start - self.lines[-1].end > 2:
            return False
        line = make_line(raw, line_start, number, plain)
        return not line.context and self._joins_wrapped(raw, line)

    def _joins_wrapped(self, raw: str, line: Line) -> bool:
        """Is ``raw`` (no prefix) the rest of the report's line before it, which a terminal
        or a mail client wrapped (``join_wrapped``)? Then it is read as part of it."""
        if not self.lines:
            return False
        last = self.lines[-1]
        if line.start - last.end > 2 or self.text.count("\n", last.end, line.start) != 1:
            return False  # not the line right after it
        joined = join_wrapped(last, self.piece, line, self.text, self.before)
        if joined is None:
            return False
        self.lines[-1] = joined
        self.piece, self.before = raw, self.piece
        self.others += 1
        if self.call:
            self.call = joined.raw  # (the CPUs it asks may be in the rest: _answers_call)
        return True

    def _joins_terminal_row(self, line: Line) -> bool:
        """Is ``line`` the rest of the row before it, which a terminal cut at its width,
        in a log whose lines carry no prefix (a console without printk time, as embedded
        boards' often are)? No missing prefix tells the rest from a line of its own here,
        so only a cut inside a word counts (``join_terminal_row``), or a cut the rest
        proves, as a task header's before its release and "#N" (``join_proven_cut``)."""
        last = self.lines[-1] if self.lines else None
        if last is None or self.text.count("\n", last.end, line.start) != 1:
            return False  # not the row right after it
        # (a row short of the terminal's width that ends inside a decoded entry's
        # locations is a mail client's cut at a space, which its rest proves, not a
        # squeezed terminal row's cut inside a word: the proven cut is tried first there,
        # after the terminal's cut otherwise)
        narrow = _row_width(self.piece.rstrip()) < _TERMINAL_WIDTH
        joined = join_proven_cut(last, line) if narrow else None
        if joined is None and line.raw[:1] not in (" ", "\t", STAMP_END):  # (a row a
            joined = join_terminal_row(last, self.piece, line, self.text)  # terminal cut
            # off starts at its left edge)
        if joined is None and not narrow:
            joined = join_proven_cut(last, line)
        if joined is None and narrow and heads_list(last.text):
            joined = _mail_list_row(last, self.piece, line, self.text)
        if joined is None:
            return False
        self.lines[-1] = joined
        self.piece, self.before = line.raw, ""
        self.others += 1
        return True

    def _xmon_restated(self, line: Line) -> bool:
        """Is ``line`` xmon's own copy of this BUG's header? excprint() ends its summary of
        a program check (trap 0x700) with print_bug_trap()'s "kernel BUG at %s:%u!" (or
        "kernel BUG at %px!", arch/powerpc/xmon/xmon.c) right after its "    pid   = %d,
        comm = %s": the report report_bug() began goes on (xmon's banner, its backtrace)."""
        return (
            line.text.startswith("kernel BUG at ")
            and bool(self.lines)
            and _XMON_TASK_RE.match(self.lines[-1].text) is not None
            # (a console without printk times: no change of stream marked xmon's entry)
            and (self.xmon or any(_xmon_entry(ln.text) for ln in self.lines[-16:]))
        )

    def _copy(self, line: Line) -> bool:
        """Is ``line`` another stream's copy of a record this report read (record_of)? Its
        text without a time too: the unstamped twin (``twins``) of a record read, another
        reader's block of the same lines, read a block before or still to come
        (stamped_copy_after). Farther on, the same text without a time is a copy of the
        log's of its own, read as such (parser._same_lines)."""
        if line.context == self.context:
            return False
        if line.timestamp is None:
            return block_copy(self.text, line, self.cands)
        if self.recorded < len(self.stamped):
            self.records.update(map(line_record, self.stamped[self.recorded :]))
            self.recorded = len(self.stamped)
        return line_record(line) in self.records

    def _other_cpus(self, line: Line) -> bool:
        """Is ``line`` another CPU's, amid this MIPS fault's report? arch/mips/mm/fault.c
        no_context() prints "CPU %d Unable to handle kernel paging request ..." before
        die(), which takes die_lock for its "Oops[#%d]:" and show_registers() (whose
        __show_regs() names the CPU: "CPU: %d PID: %d Comm: ...", before 3.x "Cpu %d"):
        two CPUs faulting at once print both fault lines, then one die() block after the
        other. This report's block is its CPU's; the other's fault line is a report of
        its own, its block that report's."""
        text = line.text
        if self.foreign:
            if "---[ end trace" in text:
                self.foreign = False
                return True
            if _MIPS_DIE_RE.match(text):
                self.foreign = False
                return False
            return True
        if not self.died:
            other = _MIPS_FAULT_CPU_RE.search(text) if "epc == " in text else None
            if other is not None and other[1] != self.fault_cpu:
                self._resume_at(line.start)  # a report of its own
                return True
        cpu = _DIE_CPU_RE.match(text)
        if cpu is None or not self.lines or not _MIPS_DIE_RE.match(self.lines[-1].text):
            return False
        if (cpu[1] or cpu[2]) == self.fault_cpu:
            self.died = True
            return False
        self.lines.pop()  # that "Oops[#n]:" began the other CPU's block
        self.title_end = min(self.title_end, len(self.lines))
        self.own_end = min(self.own_end, len(self.lines))
        self.foreign = True
        return True

    def _interjected(self, line: Line) -> bool:
        return (
            not line.context and not self.bare_header and interjected(self.text, line, self.context)
        )

    def _drop_cut_line(self, marker_start: int) -> None:
        """The line right before a console's replay marker is a record cut short, printed
        whole after the marker: keep only the whole one."""
        if len(self.lines) > 1 and self.lines[-1].end + 1 == marker_start:
            self.lines.pop()
            self.title_end = min(self.title_end, len(self.lines))
            self.own_end = min(self.own_end, len(self.lines))

    def _other_context(self) -> bool:
        self.others += 1
        self.gap += 1
        return self.gap <= _TASK_GAP_LINES  # past that the report's stream has stopped

    def _end_own(self) -> None:
        self.own_done, self.since_done = True, 0

    def _reboot(self) -> None:
        """start_kernel() prints the boot banner first at every boot: what follows is the
        next boot's, none of it this report's (a report cut by the reboot goes on to a boot
        whose printk times may well lie after its own), and a panic there is a crash of
        that boot's, not this report's panic."""
        self._end_own()
        self.tail = _PANIC_GRACE_LINES
        self.restarted = self.paused = True

    def _other_banner(self, line: Line) -> None:
        """A line of another context that may be a boot banner. The next boot's lines need
        not share this report's prefix: printk's caller id tags the banner "T0" (and each
        line after it its own task), and a kernel upgraded since may print caller ids
        where the last one printed none, or none where it did."""
        if not self.restarted and _booted(line.text):
            self._reboot()

    def _other_clock(self, raw: str, line: Line) -> None:
        """A panic-like line of another context (no report start: see _note_next_report)
        that its printk time says is no part of this crash: printk stamps every record
        from one clock, whatever its caller, so a time before this report's last line is
        another copy of the log or another boot, and one more than ``_REPORT_TIME_GAP``
        after it a later crash (an oops is printed in one burst, its panic at once). It
        is a report of its own, not this one's panic."""
        ts = line.timestamp
        if ts is None or self.last_ts is None or self.resume is not None or is_report_start(raw):
            return
        if ts - self.last_ts > _REPORT_TIME_GAP or (
            ts < self.last_ts and self._went_back(ts, line) and not self._own_stream_goes_on(line)
        ):
            self._resume_at(line.start)

    def _own_stream_goes_on(self, line: Line) -> bool:
        """Does ``line`` (a caller id's) go on its own stream from before this report:
        the last line of its context before this report's header is stamped at most
        ``_REPORT_TIME_GAP`` before it? Then it is the panic of a crash that context
        printed interleaved with this one (a WARNING's panic_on_warn panic after another
        CPU's stall report began), already that crash's, not another boot's. (Lines
        after the header may be another boot's, whose clock started again.)"""
        if not caller_id(line.context):
            return False
        ts = line.timestamp
        assert ts is not None
        for start, raw in _lines_back(self.text, self.header.start, _REPEAT_SPAN):
            before = make_line(raw, start, 0)
            if before.context == line.context and before.timestamp is not None:
                return 0 <= ts - before.timestamp <= _REPORT_TIME_GAP
        return False

    def _starts_next(self, line: Line, n: int) -> bool:
        """Does this candidate line start a report of its own (not continue this one)?"""
        if line.start not in self.cands or not _starts_report_whole(line, self.text):
            return False
        return not (
            n <= self.kind.absorb_lines and _absorbed_by(self.kind, line, self.header, self.text)
        )

    def _note_next_report(self, line: Line, n: int) -> None:
        raw, line_start, ctx = line.raw, line.start, line.context
        is_cand = line_start in self.cands
        if self.second is None and (self._starts_next(line, n) or info_with_stack(raw)):
            self.second = line_start
        if self.own_done and is_cand and not _starts_report_whole(line, self.text):
            # A "Kernel panic"-like line after this report ended: right after the end it
            # is this crash's panic; later, or from another context, it is a new report.
            if (
                self.since_done <= _PANIC_GRACE_LINES
                and ctx == self.context
                and self.second is None
                and not self.paused
                and not self.restarted
            ):
                self.own_done = False
            else:
                self._resume_at(line_start)

    def _resume_at(self, line_start: int) -> None:
        """The panic-like line at ``line_start`` is a report of its own: the search for the
        next report goes on from there (extract's ``next_pos``). The first such line
        counts: the search must not pass it."""
        if self.resume is None:
            self.resume = line_start

    def _resume_at_candidate(self, line_start: int) -> None:
        """``_resume_at`` a candidate line where this report's lines stop being its own
        (a long pause, another copy of the log), unless the next report was already seen
        before it."""
        if line_start in self.cands and self.second is None:
            self._resume_at(line_start)

    def _note_own_end(self, raw: str, line_start: int, line: Line, n: int) -> None:
        """Where the report's own text ends (its title may read further, like syzkaller)."""
        ts = line.timestamp
        call, self.call = self.call, ""
        answer = raw  # (the row with its rest when a wrap cut an answer's words: see above)
        if (call or self.asked) and _CUT_ANSWER_RE.search(raw) is not None:
            answer = self._answer_row(raw, line)
        # (noted whether or not the wait shows: dmesg -H's clock may not tell it)
        waited = bool(call) and self._waited(raw, call)
        paused = (
            self._long_pause(ts, raw)
            and not (self.cpu_traceback and _late_backtrace(raw))
            and not (call and _answers_call(answer, call))
            and not (ts is None and self._trace_read_late(line))
            and not waited
            and not (self.asked and self._answered(answer))
        )
        if _may_boot(line.text) and not self.restarted and not self.xmon and _booted(line.text):
            # (xmon's excprint() prints the banner after the task: no boot. A boot after
            # the debugger is stamped again, a stream of its own that ends the report.)
            self._reboot()
        elif (
            ts is not None
            and self.last_ts is not None
            and ts < self.last_ts  # _went_back's own first test: no call on most lines
            and not self.restarted
            and self._went_back(ts, line)
        ):
            # time went backwards: another copy of the log (concatenated logs, a dump
            # appended), read on only for where the next report starts; none of its lines
            # is this report's, nor judges it, even after the report's own end; a
            # panic-like line there is no panic of this report's (_note_next_report, which
            # runs first, took it for one still to come)
            self._end_own()
            self.tail = _PANIC_GRACE_LINES
            self.restarted = True
            self._resume_at_candidate(line_start)
        elif self.own_done and not _REGISTER_DUMP_RE.match(line.text):
            self.since_done += 1
            if paused:
                self._pause(line_start)  # after the report's end, however few lines since
        elif paused:
            # An oops is printed in one burst; a long pause means what follows is
            # something else.
            self._end_own()
            self._pause(line_start)
        elif _oom_killer_line(raw) and not self._trace_goes_on(line_start):
            self._end_own()  # the OOM killer's dump: a kill's report or context, not ours
        elif not self.task_ctx and self.second is not None:
            self._end_own()  # one stream: the next report's lines are not ours
        elif self.task_ctx and self._starts_next(line, n):
            self._end_own()  # the same task starts a new report
        elif self.rows is not None and self._off_rows(line.text):
            self._end_own()  # none of the lines the report is made of: another message

    def _off_rows(self, text: str) -> bool:
        """Is ``text`` none of the lines the header's format prints (Format.own_rows)? A
        blank line tells nothing; from the format's ``rows_until`` on, its ``rows_after``
        and stack entries are its lines, or, without them, any line may be."""
        rows = self.rows
        assert rows is not None and rows.own_rows is not None
        if not text:
            return False
        if self.rows_after:
            assert rows.rows_after is not None
            return rows.rows_after.compiled.match(text) is None and parse_frame(text) is None
        if rows.rows_until and text.startswith(rows.rows_until):
            if rows.rows_after is None:
                self.rows = None
            self.rows_after = True
            return False
        return rows.own_rows.compiled.match(text) is None

    def _answer_row(self, raw: str, line: Line) -> str:
        """``raw``, an answer's row cut before its CPU (_CUT_ANSWER_RE), with the row after
        it, when that is a wrap's rest (``join_wrapped``); else ``raw``."""
        end = self.text.find("\n", line.end + 1)
        nxt = make_line(
            self.text[line.end + 1 : end if end != -1 else len(self.text)], line.end + 1, 0
        )
        joined = join_wrapped(line, raw, nxt, self.text)
        return joined.raw if joined is not None else raw

    def _waited(self, raw: str, call: str) -> bool:
        """Is ``raw``, after a long pause right after ``call``, an RCU stall's report
        going on after the wait for its answers (_RCU_AFTER_WAIT_RE)? Then ``call`` is
        still to be answered. (Only a call that names the CPUs it asked: a wrap's first
        row alone, "Sending NMI from CPU 1", says no answer is whose.)"""
        if _RCU_AFTER_WAIT_RE.search(raw) is None or not _RCU_STALL_RE.search(self.header.text):
            return False
        if _ASKED_CPUS_RE.search(call) is None:
            return False
        self.asked = call
        return True

    def _answered(self, raw: str) -> bool:
        """Is ``raw``, after a long pause, the late answer to the call the report went on
        after (``asked``)?"""
        if not _answers_call(raw, self.asked):
            return False
        self.asked = ""
        return True

    def _trace_goes_on(self, oom_start: int) -> bool:
        """Do this report's stack frames go on right after the OOM killer's first lines
        at ``oom_start``? Without caller ids, another CPU's dump_header() may print into
        the middle of this report's trace (corpus 334: "syz-executor642 invoked
        oom-killer" and its cpuset line between two frames of a panic's trace, the rest
        of that trace after them). The killer's own dump goes on with dump_stack()'s
        task header and "Call Trace:" (or its Mem-Info) before any frame."""
        for at, raw in _lines_after(self.text, oom_start, _OOM_LOOKAHEAD_LINES):
            text = make_line(raw, at, 0).text
            if any(m in text for m in _OOM_DUMP_GOES_ON):
                return False
            if "cpuset=" not in text and "mems_allowed=" not in text:
                return parse_frame(text) is not None
        return False

    def _long_pause(self, ts: float | None, raw: str) -> bool:
        """Did more than ``_REPORT_TIME_GAP`` pass since this stream's last line? By printk
        time, when both lines have one; by the wall-clock time a line without one starts
        with (dmesg -T, syslog, journalctl: see wallclock), at the least its stamps allow,
        when both lines have that."""
        if ts is not None:
            return self.last_ts is not None and ts - self.last_ts > _REPORT_TIME_GAP
        if self.human is not None:
            # (dmesg -H: feed read this line's stamp into the log's clock already)
            if self.human_mark is None or self.human.mark() == self.human_mark:
                return False  # no stamp of its own: a record's line after its first
            gap = self.human.least_gap_since(self.human_mark)
            self.human_mark = self.human.mark()
            return gap is not None and gap >= _REPORT_TIME_GAP
        if self.last_stamp and same_stamp(raw, self.last_stamp):
            return False  # the line before's stamp again (most lines of a burst)
        found = wall_stamp(raw)
        if found is None:
            return False
        stamp, wall = found
        last = self.last_wall
        self.last_stamp, self.last_wall = stamp, wall
        gap = least_gap(last, wall)
        # (the least gap the stamps allow: at 10 s the true gap was more)
        return gap is not None and gap >= _REPORT_TIME_GAP

    def _trace_read_late(self, line: Line) -> bool:
        """Is ``line``, after a long pause in the wall-clock time a reader stamped it with
        (_long_pause), the next entry of the trace the report's last line is one of? The
        kernel prints a trace in one call (2.6.18 i386 dump_stack() -> show_trace_log_lvl()
        -> dump_trace(): every " [<%08lx>] %pS" entry in one loop, as x86_64's and later
        kernels' show_trace_log_lvl()), but syslogd stamps a line without a time of its own
        when it reads it (sysklogd syslogd.c logmsg(), rsyslog imklog): a reader kept from
        running by the lockup it is logging, or by the machine's load, reads the rest of
        the trace minutes later (a Fedora Core 6 soft lockup's trace, 03:47:38 up to
        smp_apic_timer_interrupt, 03:49:59 from apic_timer_interrupt on). No pause of the
        kernel's falls between two entries of one trace."""
        if self.human is not None or not _reader_time(self.last_stamp):
            return False  # (dmesg's time is the record's printk time: the kernel's pause)
        if not self.lines or parse_frame(line.text) is None:
            return False
        last = self.lines[-1].text
        return _CALL_TRACE_HEAD_RE.match(last) is not None or parse_frame(last) is not None

    def _pause(self, line_start: int) -> None:
        """A long pause (_long_pause) at the line at ``line_start``: a panic-like line
        from here on is no panic of this crash's (one follows its crash at once), but a
        report of its own, this one first."""
        self.paused = True
        self._resume_at_candidate(line_start)

    def _went_back(self, ts: float, line: Line) -> bool:
        """Is ``line`` (time ``ts``) the start of another copy of the log? Its time is
        before the last line's by more than the CPUs' clocks part, or it is a record
        printed shortly before the report's header or the header itself (the same time
        and text: the kernel stamps a record once, kernel/printk/printk.c print_time()),
        where a copy of the log's last records starts: the console's log and then dmesg
        of the same boot, whose crash took less than CLOCK_SKEW_MAX to print. (A record
        of the report's own after its header printed again is left to the report: a
        test's composed log repeats a task's dump so.)"""
        assert self.last_ts is not None
        if ts >= self.last_ts:
            return False
        if self.last_ts - ts > CLOCK_SKEW_MAX:
            return True
        if not line.text.strip():
            # an empty record, the same at any time: the record after it with its time
            # tells (2.6.32's print_mce_head() prints "\nHARDWARE ERROR\n", an empty
            # record first, arch/x86/kernel/cpu/mcheck/mce.c)
            after = self._record_after_empty(ts, line)
            if after is None:
                return False
            line = after
        lo = max(0, self.header.start - _REPEAT_SPAN)
        pos = self.header.end
        for _ in range(_REPEAT_TRIES):
            pos = self.text.rfind(line.text, lo, pos)
            if pos == -1:
                return False
            start = self.text.rfind("\n", 0, pos) + 1
            end = self.text.find("\n", pos)
            before = make_line(self.text[start : end if end != -1 else len(self.text)], start, 0)
            if before.timestamp == ts and before.text == line.text:
                return True
        return False

    def _record_after_empty(self, ts: float, line: Line) -> Line | None:
        """The first record with text after the empty one ``line``, when it has the same
        printk time ``ts`` (the same printk() call's), within a few lines."""
        for start, raw in _lines_after(self.text, line.start, _REPEAT_TRIES):
            after = make_line(raw, start, 0)
            if after.timestamp != ts:
                return None
            if after.text.strip():
                return after
        return None

    def _keep(self, raw: str, line: Line, is_header: bool) -> bool:
        if not is_header and line.questionable:
            # Unreliable " ? " frames: shown and parsed as frames, never used for titles.
            return not self.skip_text
        self.text_lines += 1
        skip_line = self.skip_text
        panic = False
        if "ing" not in raw:
            # each marker below holds one ("Disabling", "Sending", "syncing", "locking"),
            # but panic()'s line that journalctl's pager cut before its "syncing" ("Kernel
            # panic - no>", oopses.PANIC_CUT_RE), or a narrow mail wrap did, its rest in
            # the next row (_CUT_PANIC_ROW_RE), a panic all the same
            if raw.endswith(PAGER_MARK):
                panic = oopses.PANIC_CUT_RE.search(raw) is not None
            elif line.start in self.cands:
                panic = _CUT_PANIC_ROW_RE.search(raw) is not None
        elif "Disabling lock debugging due to kernel taint" in raw:
            skip_line = True
        elif "Sending NMI from CPU" in raw or raw.rstrip().endswith(_CUT_CALL_ENDS):
            self.cpu_traceback = True  # all-CPU backtraces follow; keep the other CPUs' lines
            self.call = raw  # (its answer may come after a long wait: _note_own_end)
        else:
            panic = (
                "Kernel panic - not syncing" in raw
                or "Kernel panic: " in raw  # panic() before 2.6.10
                or "WARNING: possible circular locking dependency detected" in raw
            )
        if (
            panic
            and self.text_lines > self.min_lines
            and not _absorbed_whole(self.kind, line, self.text)
        ):
            # panic_on_warn's panic stack and lockdep noise caused by the oops itself
            # repeat what we already have; stop collecting once we have enough. (A panic
            # the report's kind prints as part of itself, its trace the report's only
            # one, is kept: arm64's "kernel stack overflow" after its register dump, also
            # when Bugzilla's wrap cut it, "... not syncing: kernel" then "stack overflow".)
            self.skip_text = skip_line = True
        return is_header or not skip_line


# How far back from a report's header _human_clock_at looks for dmesg -H's last minute
# line: it prints one at least each minute, a minute's records are rarely more.
_CLOCK_SEARCH = 1 << 18


def _human_clock_at(text: str, header: Line) -> HumanClock | None:
    """The clock of a dmesg -H log (wallclock.HumanClock) read up to the header line,
    from the last "[%b%e %H:%M]" line before it on; None when the header has no such
    stamp. (A minute line out of reach leaves the clock without a minute: times since
    the record before still add up.)"""
    wall = wall_time(header.raw)
    if wall is None or not wall.human:
        return None
    walls = [wall]
    if wall.zone == SINCE_LAST:
        for _, raw in _lines_back(text, header.start, _CLOCK_SEARCH):
            before = wall_time(raw)
            if before is None or not before.human:
                continue  # a record's line after its first, or no dmesg line
            walls.append(before)
            if before.zone != SINCE_LAST:
                break
    clock = HumanClock(None)
    for wall in reversed(walls):
        clock.read(wall)
    return clock


def _lines_back(text: str, at: int, span: int) -> Iterator[tuple[int, str]]:
    """The lines before the one starting at ``at``, nearest first, each as its start and
    its text (no newline), within ``span`` characters of it; a line the bound cuts is
    not read."""
    lo = max(0, at - span)
    end = at - 1
    while end >= lo:
        start = text.rfind("\n", lo, end) + 1
        if start == 0 and lo > 0:
            return
        yield start, text[start:end]
        end = start - 1


def _lines_before(text: str, at: int, most: int) -> Iterator[tuple[int, str]]:
    """The lines before the one starting at ``at``, nearest first, each as its start and
    its text, at most ``most`` of them (an empty first line of the text is none of
    them)."""
    end = at - 1
    for _ in range(most):
        if end <= 0:
            return
        begin = text.rfind("\n", 0, end) + 1
        yield begin, text[begin:end]
        end = begin - 1


def line_before(text: str, at: int) -> str:
    """The text of the line before the one starting at ``at`` ("" at the text's start)."""
    return next((raw for _, raw in _lines_before(text, at, 1)), "")


def line_after(text: str, at: int) -> str:
    """The text of the line after the one holding ``at`` ("" at the text's end)."""
    return next((raw for _, raw in _lines_after(text, at, 1)), "")


def _lines_after(
    text: str, at: int, most: int, stop: int | None = None
) -> Iterator[tuple[int, str]]:
    """The lines after the one starting at ``at``, nearest first, each as its start and
    its text (no newline), at most ``most`` of them, none starting at or after ``stop``
    (the text's end by default); a line ``stop`` cuts is read up to it."""
    bound = len(text) if stop is None else stop
    at = text.find("\n", at, bound) + 1
    for _ in range(most):
        if at <= 0 or at >= bound:
            return
        end = text.find("\n", at, bound)
        yield at, text[at : bound if end == -1 else end]
        if end == -1:
            return
        at = end + 1


# How much text _tagged_line_end searches back in one go for a task's tag.
_TAG_SEARCH_CHARS = 1 << 13


def _tagged_line_end(text: str, tag: str, end: int, most: int) -> int | None:
    """The end of the last line ending at or before ``end`` (a line end) that holds
    ``tag`` anywhere; None when there is none, or more than ``most`` lines would be
    passed to reach it. (Searched back a piece at a time: a log whose other tasks
    printed all along is not read to its start.)"""
    hi = end
    passed = 0  # newlines in text[hi:end]: at most the lines passed to reach a hit before hi
    while hi > 0:
        lo = max(0, hi - _TAG_SEARCH_CHARS)
        # (a tag across the piece's upper bound is found here: none spans a newline)
        hit = text.rfind(tag, lo, min(end, hi + len(tag) - 1))
        if hit != -1:
            nl = text.find("\n", hit, end)
            return end if nl == -1 else nl
        passed += text.count("\n", lo, hi)
        if passed >= most:
            return None
        hi = lo
    return None


# UML's show_regs() before its fault's panic (oopses.UML_KERNEL_FAULT): the blank line it starts
# with, print_modules()'s line, then x86_64's (arch/x86/um/sysrq_64.c) "Pid: %d, comm:
# %.20s %s %s", "RIP: %04lx:%pS", "RSP: %016lx  EFLAGS: %08lx" and five lines of three
# registers, or i386's (sysrq_32.c) "EIP: %04lx:[<%08lx>] CPU: %d %s ... EFLAGS: %08lx",
# "    %s" (print_tainted()), "EAX: ..." and "ESI: ... DS: %04lx ES: %04lx". A mail may
# indent the quoted lines by a blank (" RIP: 0033:ext4_mb_release+0x1fc/0x400", linux-ext4
# 2025-07): each line may start with one.
_UML_FAULT_RE = re.compile(oopses.UML_KERNEL_FAULT)
_UML_REGS_RE = re.compile(
    r"\s*$| ?(?:Modules linked in:|Pid: \d+, comm: |RIP: [0-9a-f]{4}:|RSP: [0-9a-f]{16}  EFLAGS: "
    r"|(?:R[0-9A-Z]{2}: [0-9a-f]{16} ?){3}\s*$"
    r"|EIP: [0-9a-f]{4}:\[<[0-9a-f]+>\] CPU: |EAX: [0-9a-f]{8} |ESI: [0-9a-f]{8} )"
    r"|\s+(?:Not tainted|Tainted: )"
)
_UML_REGS_LINES = 12


def uml_fault_regs(text: str, header: Line) -> list[Line]:
    """The lines of UML's show_regs() right before its fault's panic ``header`` (see
    above), from print_modules()'s line on; none when the header is no such panic or no
    register line comes right before it."""
    if _UML_FAULT_RE.search(header.text) is None:
        return []
    before = lines_before(text, header, _UML_REGS_LINES)
    number, first = header.number, len(before)
    for i in range(len(before) - 1, -1, -1):
        ln = before[i]
        if ln.number != number - 1 or not _UML_REGS_RE.match(ln.text):
            break
        number, first = ln.number, i
        if ln.text.lstrip(" ").startswith("Modules linked in:"):
            break
    lead = [ln for ln in before[first:] if ln.text.strip()]
    if not any(ln.text.lstrip(" ").startswith(("RIP: ", "EIP: ")) for ln in lead):
        return []
    return lead


def lines_before(text: str, header: Line, count: int) -> list[Line]:
    """Up to ``count`` lines of ``header``'s stream right before it, read as a report's
    prefix is: not past a boot banner, another boot's journal entries or a clock that
    went back."""
    return _prefix_lines(text, header.start, header.context, header.number, count)


def _prefix_lines(
    text: str, start: int, context: str, first_no: int, want: int | None = None
) -> list[Line]:
    if want is None:
        want = _PREFIX_LINES_TASK if caller_id(context) else _PREFIX_LINES
    out: list[Line] = []
    end = start - 1
    number = first_no - 1
    scanned = 0
    most = 4 * want + 50
    tag = caller_id(context)
    boot = journal_entry_boot(text, start) if context == SYSLOG else None
    after: Line | None = None  # the line after this one, when it has no prefix
    # (a line stamped after the header, by more than the CPUs' clocks part, came before
    # printk's clock went back: another boot's, or another copy's, as in _went_back)
    head_end = text.find("\n", start)
    head_ts = make_line(
        text[start:] if head_end == -1 else text[start:head_end], start, 0
    ).timestamp
    while end >= 0 and len(out) < want and scanned < most:
        if tag:
            # Most lines before a task's report are other tasks': go straight back to the
            # last line holding the tag, counting the lines passed as if each was read.
            tagged = _tagged_line_end(text, tag, end, most - scanned)
            if tagged is None:
                break  # no line within reach can be ours
            passed = text.count("\n", tagged, end)
            if passed:
                # (the line right after the tagged one may be the rest of it, which a
                # mail client's wrap cut off with no prefix, hence no tag: see below)
                rest_end = text.find("\n", tagged + 1)
                rest = make_line(text[tagged + 1 : rest_end], tagged + 1, number - passed + 1)
                end, after = tagged, None if rest.context else rest
                number -= passed
                scanned += passed
                if scanned >= most:
                    break
        s = text.rfind("\n", 0, end) + 1
        raw = text[s:end]
        if _may_boot(raw) and _booted(make_line(raw, s, number).text):
            break  # the boot banner: the lines before it are the last boot's, not ours
        if boot is not None and _other_boot(raw, boot):
            break  # a journal entry of the boot before
        line = None
        if not tag or tag in raw[:128]:  # cheap pre-check: other tasks' lines are not ours
            line = make_line(raw, s, number)
            if (
                head_ts is not None
                and line.timestamp is not None
                and line.timestamp - head_ts > CLOCK_SKEW_MAX
            ):
                break
            if after is not None and line.context == context:
                line = join_wrapped(line, raw, after, text) or line  # a wrap cut it in two
            if line.context == context and line.text and not line.questionable:
                out.append(line)
        after = line if line is not None and context and not line.context else None
        end = s - 1
        number -= 1
        scanned += 1
    out.reverse()
    return out
