"""The table of Linux crash formats: what starts a report and how to title it.

Table-driven, in the manner of syzkaller's pkg/report (Apache-2.0): each ``OopsKind`` is
a header substring that marks a line as the start of a crash report (``BUG:``,
``WARNING:``, ``general protection fault`` ...) plus lines that contain the header but
are benign (``suppressions``). Each of its ``Format`` entries recognises one message
(``title`` regex, searched in the report text), optionally a longer ``report`` regex that
must also match, and says how to build the title: ``fmt`` is a ``str.format`` template
whose positional fields ``{1}``, ``{2}``... are the regex groups followed by the
function names picked from the stack (``StackSpec``).

A ``StackSpec`` walks the report: each part is either a regex that must match a later
line (a capture group yields a frame) or ``PARSE_STACK``, which reads stack frames until
the next trace header; the first frame not matching any skip pattern is "the" function
of the crash. Frames are checked against generic helpers (``SKIP_FRAMES``) because a
title naming ``memcpy`` or ``lock_acquire`` would merge unrelated bugs.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from .lines import STAMP_END
from .taint import ARM_CUT_MODULE_ENTRY, PAGER_CUT_CALLER, PAGER_CUT_FROM, PAGER_MARK

Pattern = re.Pattern[str]

# What scripts/decode_stacktrace.sh puts after a function it resolved, in place of
# "+0x1a/0x40" (parse_symbol(): "$name ($code)", addr2line -i's lines joined by spaces):
# "func (net/core/dev.c:123 include/linux/skbuff.h:45)".
DECODED_SOURCE = r" \([\w/.\-+]+\.[a-zA-Z]+:\d+[ )]"
# What an out-of-tree build puts before a kernel source file in __FILE__ (BUG(), WARN())
# and in the compiler's locations (UBSAN). Kbuild compiles $(srctree)/fs/x.c from the
# objtree: an objtree inside the srctree made that "../fs/x.c" (commit 9da0763bdd82,
# SUSE's packages), any other one an absolute path until -fmacro-prefix-map (commit
# a73619a845d5, 4.17 with GCC 8), so Debian's and Ubuntu's 4.x packages print "kernel BUG
# at /build/linux-6VmqmP/linux-4.4.0/net/core/skbuff.c:1207!" and RHEL's rpmbuild trees
# ".../BUILD/kernel-3.10.0-957.el7/linux-3.10.0-957.el7.x86_64/fs/...". An absolute
# prefix is taken to end at the source tree's own directory (named linux* or kernel*)
# where a top-level source directory follows it; a module built outside the tree (DKMS's
# /var/lib/dkms/...) keeps its path. The wireless stack's backports tree (backports-*,
# compat-wireless-* and compat-drivers-* before 2013) has the kernel's own layout:
# OpenWrt builds mac80211 and its drivers from it (".../build_dir/target-*/linux-*/
# backports-5.15.58-1/net/mac80211/rx.c"), so its files are the kernel's files.
_TOP_DIRS = (
    "arch|block|certs|crypto|drivers|fs|include|init|io_uring|ipc|kernel|lib|mm|net|rust"
    "|samples|security|sound|virt"
)
SOURCE_TREE = (
    r"(?:(?:(?:\.\./)+|/(?:[^/\s]+/)*?(?:linux|kernel|backports|compat-wireless|compat-drivers)"
    rf"(?:[-_.][^/\s]*)?/)(?=(?:{_TOP_DIRS})/))"
)
_MACROS = {
    "{{ADDR}}": r"0x[0-9a-f]+",
    # An entry's "[<pc>]"; printed with "%p" (openrisc's print_trace()) before the pointer
    # hashing key is ready, lib/vsprintf.c ptr_to_id()'s "(ptrval)" ("(____ptrval____)" on
    # 64-bit) stands for the address. Amlogic's 4.9 trees put the frame pointer and the
    # frame's size before it (fields._AMLOGIC_FP): "[ffffff80201c7800+  32][<ffffff80...>]".
    # 2.6.x powerpc's show_stack() printed its "[sp] [pc]" in capitals (fields._PC).
    "{{PC}}": r"(?:\[[0-9a-f]{8,16}\+ *\d+\])?\[<?(?:0x)?(?:[0-9a-f]+|[0-9A-F]{8,16}|\(_*ptrval_*\))>?\]",
    # print_ip_sym()'s "[<pc>] func+0x1/0x2", or the "func (file:line)" that
    # decode_stacktrace.sh leaves of it (it drops every "[<pc>]")
    "{{PCD}}": r"(?:(?:\[[0-9a-f]{8,16}\+ *\d+\])?\[<?(?:0x)?(?:[0-9a-f]+|\(_*ptrval_*\))>?\] +|(?<![\w.])(?=[\w.]+ \((?:[\w/.\-+]+|\?\?):[\d?]))",
    # "func+0x1/0x2", "func.cold+0x..", and scripts/decode_stacktrace.sh's "func (file:line)"
    # (the shape the 0-day robot's and LKFT's reports print: see fields._decoded_re).
    "{{FUNC}}": r"([a-zA-Z0-9_]+)(?:\.|\+| \((?={{LOC}}))",
    # decode_stacktrace.sh's location: addr2line's "file:line", or "??:?" when unknown
    "{{LOC}}": r"(?:[\w/.\-+]+|\?\?):(?:\d+|\?)[ )]",
    "{{SRC}}": r"([a-zA-Z0-9\-_/.+]+\.[a-z]+:[0-9]+)",
    "{{TREE}}": SOURCE_TREE,
}


def _expand(pattern: str) -> str:
    """``pattern`` with its {{PC}}/{{FUNC}}/{{SRC}}/{{ADDR}}/{{TREE}} macros expanded."""
    for key, value in _MACROS.items():
        pattern = pattern.replace(key, value)
    return pattern


def rx(pattern: str) -> Pattern:
    """Compile a table regex (macros expanded) now: the ones every report's parse uses
    (stack parts, frame shapes, report starts)."""
    return re.compile(_expand(pattern))


class LazyPattern:
    """A kind's own regex (a title, a report shape, a header shape, a suppression),
    compiled the first time it is used. The table holds some 250 of them; compiling them
    all was 8 % of the instructions `hotfence triage` runs on a log without a crash, and
    a log uses only those of the kinds whose headers it holds. Exact: the pattern
    compiled later matches the same."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern  # (re.Pattern's name for its source)

    @functools.cached_property
    def compiled(self) -> Pattern:
        return re.compile(self.pattern)

    @property
    def is_compiled(self) -> bool:
        return "compiled" in self.__dict__  # (where cached_property keeps it)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def __repr__(self) -> str:
        return f"lazy_rx({self.pattern!r})"


def lazy_rx(pattern: str) -> LazyPattern:
    """A kind's table regex (macros expanded), compiled on first use (LazyPattern)."""
    return LazyPattern(_expand(pattern))


class _ParseStack:
    """Sentinel part: parse stack frames from here on."""

    def __repr__(self) -> str:
        return "PARSE_STACK"


PARSE_STACK = _ParseStack()

Extractor = Callable[[list[str]], tuple[str, int]]


@dataclass(frozen=True)
class StackSpec:
    parts: tuple[object, ...]
    parts2: tuple[object, ...] = ()
    skip: tuple[str, ...] = ()
    extractor: Extractor | None = None
    # more alternatives, each tried in turn when none before it found a frame
    more: tuple[tuple[object, ...], ...] = ()


@dataclass(frozen=True)
class Format:
    title: LazyPattern
    fmt: str
    report: LazyPattern | None = None
    alt: tuple[str, ...] = ()
    stack: StackSpec | None = None
    no_stack_trace: bool = False
    corrupted: bool = False
    # A lockup: the function the watchdog caught looping is the report's looping_function
    # and, when it is a module's own code, its title (titles.looping_title).
    looping: bool = False
    # The title group (1-based) holding the function the report's first line names itself
    # (__warn()'s "%pS" caller). A kernel without a reliable unwinder marks every trace
    # entry "?" (x86-32 without frame pointers, say): the title then uses this function
    # instead of calling the trace lost (titles.describe).
    names_function: int = 0
    # The report regex reads the trace's "?" entries too, which titles otherwise ignore
    # (syzkaller's "questionable" frames): an exception frame's address is only there.
    reads_guesses: bool = False
    # The kernel prints this format's report as its header's one record, as a kind's
    # one_record, though other formats of its kind go on (BUG: is most reports' header).
    one_record: bool = False
    # The title group (1-based) that holds a message's words, which a title gives whole or
    # not at all: where a pager cut the line in it (taint.PAGER_MARK), titles.describe
    # drops the cut word, or takes the words from a later line that ``restated`` reads.
    whole_words: int = 0
    # Later lines of the report that name that group's words whole: a pattern whose
    # groups fill the format after it. Taken only when the cut words start them.
    restated: tuple[tuple[LazyPattern, str], ...] = ()
    # Every line the kernel prints in this format's report after its header starts with
    # this pattern (matched at a line's text, its prefix stripped): the first line of the
    # report's stream that does not is someone else's message, and its own text ends there.
    # Until ``rows_until`` starts a line: from there on the report prints backtraces, and
    # ends as any other does; or, with ``rows_after``, at the first line of its stream that
    # neither starts with that pattern nor is a stack entry (fields.parse_frame).
    own_rows: LazyPattern | None = None
    rows_until: str = ""
    rows_after: LazyPattern | None = None


@dataclass(frozen=True)
class OopsKind:
    header: str
    formats: tuple[Format, ...]
    suppressions: tuple[LazyPattern, ...] = field(default_factory=tuple)
    # Headers of other kinds that the kernel prints as part of this report (a CFI failure
    # reports through WARN; SLUB debug prints "INFO:" lines), within ``absorb_lines`` of
    # this header: they continue the report instead of starting one.
    absorbs: tuple[str, ...] = ()
    absorb_lines: int = 0
    shape: LazyPattern | None = None  # when set, a header line must also match it
    # The header alone is no evidence (its words also appear in other messages): count
    # the report only when a task header, registers or a stack trace come with it.
    needs_oops: bool = False
    # The header is a program's own output, never printk's (a Go runtime's "panic:" and
    # "fatal error:"): on a console whose kernel lines are stamped it is no report.
    program: bool = False
    # The header is written by early_printk() (to the console only, no printk time or
    # caller id), the rest of the report by printk: on a console with printk prefixes
    # the report reads on in the prefixed lines after its bare header.
    unstamped: bool = False
    # The kernel prints the whole report as the header's one record: the lines after it
    # are other messages (the next report's context, an OOM kill's report), none of its.
    one_record: bool = False

    def matches_line(self, line: str) -> bool:
        """True when ``line`` (raw) starts a report of this kind."""
        if self.header not in line:
            return False
        if self.shape is not None and self.shape.search(line) is None:
            return False
        return not any(s.search(line) for s in self.suppressions)

    def own_rows(self, line: str) -> Format | None:
        """The format whose title ``line`` (raw, a header of this kind) holds, when that
        format names the lines its report is made of (Format.own_rows); else None."""
        for f in self.formats:
            if f.own_rows is not None and f.title.search(line) is not None:
                return f
        return None

    def ends_at_header(self, line: str) -> bool:
        """True when the report that ``line`` (raw, a header of this kind) starts is that
        one record: the kind's, or the format's whose title the line holds."""
        return self.one_record or any(
            f.one_record and f.title.search(line) is not None for f in self.formats
        )


# --- frame extractors -------------------------------------------------------------------

# Dispatch points where a stall's representative function is the caller just above
# (sources: searched as one alternation, compiled once below).
_STALL_ANCHORS = [
    _expand(p)
    for p in (
        "process_one_work",
        "do_syscall_",
        "do_fast_syscall_",
        # x86's syscall dispatch since 6.9 and the April 2024 stable kernels: do_syscall_x64()
        # calls the syscall through x64_sys_call() (arch/x86/entry/syscall_64.c; the 32-bit
        # entries' ia32_sys_call(), syscall_32.c, and x32_sys_call(), syscall_x32.c), a
        # switch a GCC build keeps out of line, between the syscall and do_syscall_64.
        "^x64_sys_call",
        "^x32_sys_call",
        "^ia32_sys_call",
        "sysenter_dispatch",
        "tracesys_phase2",
        # x86_64's syscall entry before do_syscall_64 (4.12): 2.6.x-3.x system_call's
        # "system_call_fastpath", 4.1-4.11 "entry_SYSCALL_64_fastpath" (entry_64.S).
        "^system_call_fastpath$",
        "^entry_SYSCALL_64_fastpath$",
        "el0_svc_handler",
        "invoke_syscall",
        "ret_fast_syscall",
        "netif_receive_skb",
        "do_softirq",
        "call_timer_fn",
        "_run_timers",
        "run_timer_softirq",
        "hrtimer_run",
        "run_ksoftirqd",
        "smpboot_thread_fn",
        "^kthread$",
        "start_secondary",
        "cpu_startup_entry",
        "ret_from_fork",
        "vfs_write",
        "vfs_read",
        "vfs_iter_read",
        "vfs_iter_write",
        "do_iter_read",
        "do_iter_write",
        "call_read_iter",
        "call_write_iter",
        "new_sync_read",
        "new_sync_write",
        "vfs_ioctl",
        "ksys_ioctl",
        "compat_ioctl",
        "compat_sys_ioctl",
        "blkdev_driver_ioctl",
        "blkdev_ioctl",
        "do_iter_readv_writev",
        "^call_mmap",
        "mmap_region",
        "do_mmap",
        "do_dentry_open",
        "vfs_open",
        "^sock_sendmsg",
        "^sock_recvmsg",
        "^sock_release",
        "^__sock_release",
        "^setsockopt$",
        "kernel_setsockopt",
        "sock_common_setsockopt",
        "^listen$",
        "kernel_listen",
        "sk_common_release",
        "^sock_mmap",
        "^accept$",
        "kernel_accept",
        "^sock_do_ioctl",
        "^sock_ioctl",
        "^compat_sock_ioctl",
        "^nfnetlink_rcv_msg",
        "^rtnetlink_rcv_msg",
        "^netlink_dump",
        "^(sys_)?(socketpair|connect|ioctl)",
        "__do_fault",
        "do_page_fault",
        "^page_fault$",
        "__fput",
        "task_work_run",
        "exit_to_usermode",
        "smp_call_function",
        "tasklet_action",
        "tasklet_hi_action",
    )
]


# One search instead of one per anchor (any anchor matching == the alternation matching).
_STALL_ANCHOR_ANY = re.compile("|".join(f"(?:{a})" for a in _STALL_ANCHORS))


def is_stall_anchor(frame: str) -> bool:
    """True for a dispatch frame (syscall entry, work, timer, IPI) that stall titles skip."""
    return _STALL_ANCHOR_ANY.search(frame) is not None


# MIPS's interrupt exception vectors (arch/mips/kernel/genex.S): handle_int, and on CPUs
# with vectored interrupts except_vec_vi_handler, which kallsyms may name after the
# except_vec_vi_end label just before it ("except_vec_vi_end+0xb8/0xc4").
_MIPS_IRQ_VECTORS = frozenset(("handle_int", "except_vec_vi_handler", "except_vec_vi_end"))


def stall_frame(frames: list[str]) -> tuple[str, int]:
    """For stalls/lockups: the frame just above the first dispatch anchor.

    A stalled CPU is caught at a random point of a loop; the function that entered the
    loop (the caller of the syscall/work/timer dispatch) is the stable identity.
    """
    # MIPS has show_regs() print dump_stack() of the detector itself: its trace runs
    # through the timer interrupt down to the exception vector that took it (handle_int,
    # arch/mips/kernel/genex.S) before it reaches the interrupted, looping code.
    base = 0
    for i in range(len(frames) - 2, -1, -1):
        if frames[i] in _MIPS_IRQ_VECTORS:
            base = i + 1
            break
    if base >= len(frames):
        return "", -1
    prev, prev_idx = frames[base], base
    for i in range(base, len(frames)):
        frame = frames[i]
        if _STALL_ANCHOR_ANY.search(frame):
            if "smp_call_function" in frame:
                return "smp_call_function", i
            return prev, prev_idx
        prev, prev_idx = frame, i
    return "", -1


# The timer interrupt's entries of 2.6.16-2.6.2x i386's soft lockup dump (kernel/
# softlockup.c softlockup_tick() -> dump_stack(), no registers: arch/i386/kernel/traps.c
# show_trace() prints every kernel text address on the stack, " [<%08lx>] %s"): its own
# softlockup_tick() first, then the timer's callers up to the interrupt's entry stub,
# whose saved registers hold the interrupted EIP, the next entry.
# x86_64's dump of those kernels (arch/x86_64/kernel/traps.c show_trace(), 2.6.17:
# "<%016lx>{%s%+ld}" entries, "<EOI>" after the interrupt stack's) has the same entry stub;
# 64-bit powerpc's (arch/powerpc/kernel/process.c show_stack(), 2.6.18) has the
# decrementer's exception vector, decrementer_common, whose exception frame it prints
# next: "--- Exception: 901 at %s" of the NIP, the interrupted code.
_SOFTLOCKUP_TICK = "softlockup_tick"
_I386_IRQ_ENTRIES = frozenset(("apic_timer_interrupt", "common_interrupt", "decrementer_common"))
_SCHEDULER = frozenset(("schedule", "__schedule", "thread_return", "cond_resched"))


# softlockup_tick()'s entry comes after the dump's own: show_trace() and dump_stack()
# (2.6.17), dump_trace(), show_trace_log_lvl(), show_trace() and dump_stack() (2.6.18), or
# first of all (without frame pointers)
_TICK_REACH = 6


def i386_interrupted(frames: Sequence[str], pointers: Collection[int] = ()) -> int:
    """The index in ``frames`` (a trace's function names, in order) of the code the timer
    interrupted in a 2.6.16-2.6.2x i386, x86_64 or ppc64 soft lockup dump (above): the
    first entry after softlockup_tick()'s and the interrupt's entry stub's that is not
    the scheduler's, nor one of ``pointers`` (indices of entries at a function's first
    byte, x86_64's "{f+0}": a function pointer left on the stack, no return address, as
    the x86_64 dump's title skips it, _OLD_INTERRUPTED). -1 for a trace of another
    shape, or one cut before that entry."""
    tick = next((j for j, f in enumerate(frames[:_TICK_REACH]) if f == _SOFTLOCKUP_TICK), -1)
    if tick < 0:
        return -1
    entry = next(
        (j for j in range(tick + 1, len(frames)) if frames[j] in _I386_IRQ_ENTRIES), len(frames)
    )
    return next(
        (
            j
            for j in range(entry + 1, len(frames))
            if frames[j] not in _SCHEDULER and j not in pointers
        ),
        -1,
    )


def soft_lockup_frame(frames: list[str]) -> tuple[str, int]:
    """For soft lockups: ``stall_frame``; in a 2.6.16-2.6.2x dump (above), ``stall_frame``
    from the code the timer interrupted on.

    That dump has no registers: the EIP the interrupt's entry stub saved, the entry
    show_trace() prints next, is where the CPU was caught looping, what a later
    kernel's show_regs() names in its RIP line. The dump is titled as such a lockup
    is, as syzkaller's linuxStallFrameExtractor() titles it from its RIP frame and trace:
    the caller of the first dispatch anchor from that entry on (Ingo Molnar's 2.6.17-rc3
    SCTP lockup, looping in sctp_new() in a softirq, "in ip_rcv" above
    netif_receive_skb; Fedora Core 6's IDE lockup, polling in ide_inb() under
    ide_wait_stat(), "in ide_timer_expiry" above run_timer_softirq), or, where the dump
    has none (a copy cut after that entry: "[...]"), that entry itself. (The parser
    names the entry the lockup's looping function, and titles the lockup by it when it
    is a module's own code: titles.looping_title.)"""
    if not frames or frames[0] != _SOFTLOCKUP_TICK:
        return stall_frame(frames)
    at = i386_interrupted(frames)
    if at < 0:
        return "", -1
    frame, i = stall_frame(frames[at:])
    if frame:
        return frame, at + i
    return frames[at], at


def interrupted_frame(frames: list[str]) -> tuple[str, int]:
    """For a 2.6.16-2.6.2x x86_64 or ppc64 soft lockup dump, whose format's first part
    read the code the timer interrupted (above) and the rest its trace from there on: the
    dump titled as ``soft_lockup_frame`` titles i386's, ``stall_frame`` from that entry
    on, or that entry where the trace has no anchor."""
    if not frames:
        return "", -1
    frame, i = stall_frame(frames)
    if frame:
        return frame, i
    return frames[0], 0


def overflow_frame(frames: list[str]) -> tuple[str, int]:
    """For kernel stack overflows: ``stall_frame``'s caller of the dispatch anchor; when
    the unwinder stopped inside the overflowed stack before any anchor (riscv's
    handle_bad_stack() trace ends at the frame that ran out), the outermost frame it
    reached, which is the recursing code, not a corrupted report."""
    frame, i = stall_frame(frames)
    if frame or not frames:
        return frame, i
    return frames[-1], len(frames) - 1


_HANG_ANCHORS = {
    "rtnl_lock": "",
    "synchronize_rcu": "synchronize_rcu",
    "synchronize_srcu": "synchronize_rcu",
    "synchronize_net": "synchronize_rcu",
    "synchronize_sched": "synchronize_rcu",
}
_HANG_SKIP = (
    "sched",
    "_lock",
    "_slowlock",
    "down",
    "rwsem",
    "completion",
    "kthread",
    "wait",
    "synchronize",
    "context_switch",
    "__switch_to",
    "cancel_delayed_work",
    "rcu_barrier",
)


def hang_frame(frames: list[str]) -> tuple[str, int]:
    """For hung tasks: bucket rtnl_lock / synchronize_* waits, else first non-waiting frame."""
    for i, frame in enumerate(frames):
        for anchor, replacement in _HANG_ANCHORS.items():
            if anchor in frame:
                return (replacement or frame), i
    for i, frame in enumerate(frames):
        if not any(s in frame for s in _HANG_SKIP):
            return frame, i
    return "", -1


# --- shared stack parameters ---------------------------------------------------------------

# Lines that start a stack trace (and end the previous one).
STACK_START = tuple(
    re.compile(p)
    for p in (
        r"Call (?:T|t)race",
        r"Allocated:",
        r"Allocated by task [0-9]+:",
        r"Freed:",
        r"Freed by task [0-9]+:",
        # kmemleak's "  backtrace:", not lockdep's "stack backtrace:"; a forum's paste of
        # the kmemleak file loses the indent. Nor the DWARF2 unwinder's fallback inside a
        # trace (CONFIG_STACK_UNWIND, 2.6.18-2.6.20: arch/i386/kernel/traps.c
        # show_trace_log_lvl(), arch/x86_64/kernel/traps.c show_trace()): "Inexact
        # backtrace:", or "Leftover inexact backtrace:" after "DWARF2 unwinder stuck at %s",
        # the stack scan's entries of the same trace following it
        r"(?<!k )(?<!exact )backtrace(?: \(crc [0-9a-fA-F]*\))?:",
        r"Backtrace:",
        r"Stack Trace:",  # arc show_stacktrace()
        r"Trace: *(?:\n|$)",  # alpha dik_show_trace(), alone on its line
        r"Uninit was stored to memory at",
        # riscv show_regs() (arch/riscv/kernel/process.c): "status: %016lx badaddr: %016lx
        # cause: %016lx", whole, or as journalctl's pager (less -S) cuts it past the
        # status and ends it in its mark (taint.PAGER_MARK): the trace still follows
        r"status: [0-9a-f]{16} (?:badaddr: [0-9a-f]{16} cause: [0-9a-f]{16}|[\w: ]*>(?=\n|$))",
    )
)
RISCV_STACK_START = STACK_START[-1]
# A literal every match of the STACK_START pattern at the same index contains: testing
# it with ``in`` first saves running the regex on the many lines that cannot match.
STACK_START_HINTS = (
    "Call ",
    "Allocated:",
    "Allocated by task ",
    "Freed:",
    "Freed by task ",
    "backtrace",
    "Backtrace:",
    "Stack Trace:",
    "Trace:",
    "Uninit was stored to memory at",
    "status: ",
)
assert len(STACK_START_HINTS) == len(STACK_START) and all(
    h in p.pattern for h, p in zip(STACK_START_HINTS, STACK_START)
), "a stack-start pattern lost its hint"

# i386's dump_stack() of 2.6.19-2.6.2x prints no header before its trace
# (arch/i386/kernel/traps.c dump_stack() -> show_trace() -> show_trace_log_lvl() ->
# dump_trace(), whose " [<%08lx>] %s" entries come first): " [<c04051db>]
# dump_trace+0x69/0x1af", " [<c0405339>] show_trace_log_lvl+0x18/0x2c", " [<c04058ed>]
# show_trace+0xf/0x11", " [<c04059ea>] dump_stack+0x15/0x17", then its caller's. Each
# report kind that dumps the stack (a warning, a sleep in atomic context, lockdep) shows
# its trace so; the entry of dump_trace() starts it. 2.6.16-2.6.18's dump_stack() called
# show_trace() -> show_trace_log_lvl(), which walked the stack itself (print_context_stack()
# inlined): the first entry is show_trace()'s, " [<c0104e7f>] show_trace+0xd/0xf", then
# " [<c0104e96>] dump_stack+0x15/0x17", as under 2.6.17's softlockup_tick() (kernel/
# softlockup.c: "BUG: soft lockup detected on CPU#%d!", then dump_stack(), no registers).
I386_DUMP_STACK_RE = re.compile(r" *\[<[0-9a-f]{8}>\] (?:dump|show)_trace\+0x[0-9a-f]+/0x")
# Literals one of which each I386_DUMP_STACK_RE line holds: a report without them is not
# searched for it.
I386_DUMP_STACK_HINTS = ("dump_trace+", "show_trace+")
# Without CONFIG_FRAME_POINTER 2.6.17's print_context_stack() prints every kernel text
# address on the stack above dump_stack()'s own frame: the soft lockup's dump starts at
# its caller, " [<c0447823>] softlockup_tick+0x9f/0xb2" (a Fedora Core 4 2.6.17 kernel's,
# LKML), which the title reads from as from the entries above. (Not a trace start for the
# frames, fields.call_trace: 2.6.12-2.6.15's softlockup_tick() called show_regs(), whose
# trace of the interrupted code comes first, the timer's entries after it.)
I386_SOFTLOCKUP_DUMP_RE = re.compile(r" *\[<[0-9a-f]{8}>\] softlockup_tick\+0x[0-9a-f]+/0x")

# riscv show_regs() (6.x arch/riscv/kernel/process.c) ends __show_regs()'s registers with
# its "status:" line and, for a kernel context, dump_backtrace() prints the trace after it
# with no header (STACK_START's last pattern), print_trace_address() -> print_ip_sym()'s
# "[<%px>] %pS" entries, unindented (6.x arch/riscv/kernel/stacktrace.c). A mail or issue
# quoting the oops cuts the register dump, "status:" line and all, to "[...]": the trace
# then starts at its first entry, two such entries in a row (x86's and MIPS's " [<%lx>]
# %pS" entries are under their "Call Trace:", indented on x86). Either may be an entry
# journalctl's pager (less -S) cut ("[<ffffffff80a6b6e8>] object_err+0x236/0x>"): the
# trace starts there all the same, and the title reads no further than such a cut. Only
# in a report riscv's lines tell (RISCV_REPORT_RE): x86's entries a paste left-trimmed
# (" [<ffffffff9a8c3f1e>] inet_release+0x7e/0x90" of 2.6-4.x) have the same shape, and
# without their "Call Trace:" they are no whole trace.
RISCV_HEADERLESS_TRACE_RE = re.compile(
    r"(?m)^\[<[0-9a-f]{8,16}>\] [A-Za-z_][\w.]*(?:\+0x|" + re.escape(PAGER_MARK) + r")[^\n]*"
    r"\n\[<[0-9a-f]{8,16}>\] [A-Za-z_][\w.]*(?:\+0x|" + re.escape(PAGER_MARK) + ")"
)

# riscv's headerless trace with no "status:" line left to head it (a quote cut the
# registers to "[...]", RISCV_HEADERLESS_TRACE_RE): a stack part that matches no line;
# titles starts the trace at that trace's first entry, in a report riscv's lines tell
# (RISCV_REPORT_RE), and at no other line.
RISCV_CUT_TRACE = rx(r"(?!)")

# The lines that tell a riscv report: show_regs()'s "epc : %pS" and " ra : %pS" (6.x
# arch/riscv/kernel/process.c), die()'s "%s [#%d]" ("Oops [#1]", "Kernel BUG [#1]", 6.x
# arch/riscv/kernel/traps.c; x86's die line is "Oops: %04lx [#%d]", MIPS's "Oops[#%d]:"),
# and __show_regs()'s last row, "status: %016lx badaddr: %016lx cause: %016lx", which
# a WARN()'s or a soft lockup's show_regs() prints too (no die line there) and which a
# quote that cut the "epc :" lines keeps with the other rows. A quote that cut all of
# them to "[...]" leaves the trace: print_ip_sym()'s unindented "[<%px>] %pS" (RV64:
# 16 digits) of riscv's own trap code, the C handlers of arch/riscv/kernel/traps.c
# (do_trap_ecall_u(), do_trap_break(), do_trap_insn_illegal(), ...: "ecall" and the
# do_trap_ names are riscv's) or entry.S's handle_exception, which every trace of an
# exception or interrupt entered from user space or the kernel passes (6.x).
RISCV_REPORT_RE = re.compile(
    r"(?m)^ ?(?:epc|ra) : |(?:Oops|Kernel BUG) \[#\d+\]"
    r"|^status: [0-9a-f]{16} badaddr: [0-9a-f]{16} cause: "
    r"|^\[<[0-9a-f]{16}>\] (?:do_trap_[a-z_]+|handle_exception)\+0x"
)

# i386's show_regs() of 2.6.x before the x86 merge (arch/i386/kernel/process.c, 2.6.12:
# "Pid: %d, comm: %20s", "EIP: %04x:[<%08lx>] CPU: %d", "EIP is at %s", " EFLAGS: ...",
# the general registers, then "CR0: %08lx CR2: %08lx CR3: %08lx CR4: %08lx" and
# show_trace(NULL, &regs->esp)) prints the interrupted trace with no header, its
# " [<%08lx>] %s" entries (print_context_stack()) straight after the CR0 line: how the
# soft lockup of kernel/softlockup.c softlockup_tick() (2.6.12-2.6.2x) shows the CPU it
# caught, and SysRq-P. The pattern matches that line with the first entry after it.
I386_REGS_TRACE_RE = re.compile(
    r"(?m)^ *CR0: [0-9a-f]{8} CR2: [0-9a-f]{8} CR3: [0-9a-f]{8} CR4: [0-9a-f]{8}[ \t]*\n"
    r" *\[<[0-9a-f]{8}>\] [\w.]+\+0x[0-9a-f]+/0x"
)

# A line holding a frame; captures the function name(s).
FRAME_RES = (
    # powerpc64 ELFv1 names start with a dot; 2.6.1x x86_64 prefixes a module's ":mod:".
    rx(r"^ *(?:{{PC}} ){0,2}(?::[\w.\-]+:)?\.?{{FUNC}}"),
    # arm: "[<pc>] (func) from [<pc>] (caller+0x...": both names are frames.
    rx(r"^ *{{PC}} \(([a-zA-Z0-9_.]+)\) from {{PC}} \({{FUNC}}"),
    # old arm: "[<pc>] (func+0x1/0x2) from [<pc>] (caller+0x...": the entry is the callee.
    rx(r"^ *{{PC}} \({{FUNC}}[^)]*\) from "),
    # arm 5.x+ without CONFIG_BACKTRACE_VERBOSE: " func from caller+0x1/0x2", the callee;
    # whole too when journalctl's pager cut the line in its caller and ended it in its
    # mark (taint.PAGER_MARK): " hotfence_crash_do [hotfence_crash] from hotfence_cr>",
    # or in the callee's module (taint.ARM_CUT_MODULE_ENTRY: " hotfence_crash_do [hot>").
    # (Not powerpc show_regs()'s "NIP ["REG"] %pS" or "LR ["REG"] %pS", 6.1 arch/powerpc/
    # kernel/process.c, the pager's cut in or right after the address: "NIP [c00800>".)
    rx(
        r"^ *(?!(?:NIP|LR) \[[0-9a-f])([a-zA-Z0-9_.]+)(?:(?: \[[\w.\-]+\])? (?:from "
        r"(?:[a-zA-Z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+|"
        + PAGER_CUT_CALLER
        + ")|"
        + PAGER_CUT_FROM
        + ")|"
        + ARM_CUT_MODULE_ENTRY
        + ")"
    ),
    # x86 before 4.9 printed a stack's first entry on its "<IRQ>" / "<NMI>" marker line.
    rx(r"^ *<<?(?:IRQ|NMI|EOE|EOI)>>? +(?:{{PC}} ){0,2}{{FUNC}}"),
    # The arm shapes through scripts/decode_stacktrace.sh (no "[<pc>]", the caller as
    # "g (file:line)"): "(func) from caller (..." both names, as above; "(func+0x1/0x2)
    # from caller (..." and "func from caller (..." the callee.
    rx(r"^ *\(([a-zA-Z0-9_.]+)(?: \[[\w.\-]+\])?\) from ([a-zA-Z0-9_.]+) \({{LOC}}"),
    rx(
        r"^ *\(?([a-zA-Z0-9_.]+)(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?(?: \[[\w.\-]+\])?\)? from "
        r"[a-zA-Z0-9_.]+ \({{LOC}}"
    ),
    # sparc die_if_kernel(): "Caller[%016lx]: %pS"
    rx(r"^ *Caller\[[0-9a-f]+\]: {{FUNC}}"),
    # x86_64 2.6.0-2.6.1x: "<ffffffff8013e3c6>{:mod:func+1371}" (fields.one_entry_a_line)
    rx(r"^ *<[0-9a-f]{8,16}>\{(?::[\w.\-]+:)?{{FUNC}}"),
    # mm/kmemleak.c with kmemleak.verbose=1: pr_warn()'s pr_fmt before each entry of a
    # leaked object's backtrace, "kmemleak:     [<ffffffff8123>] f+0x1/0x2"
    rx(r"^kmemleak: +(?:{{PC}} ){0,2}{{FUNC}}"),
    # User-mode Linux show_trace() of 2.6.11-2.6.2x (arch/um/kernel/sysrq.c): the stack
    # slot read before each entry, "%08lx:  [<%08lx>]" then print_symbol(" %s")
    rx(r"^ *[0-9a-f]{8,16}:  {{PC}} {{FUNC}}"),
    # hexagon do_show_stack(): "[%p] 0x%lx: %s + 0x%lx", no size (fields._HEXAGON_FRAME_RE)
    rx(r"^ *\[(?:[0-9a-f]{8}|\(_*ptrval_*\))\] 0x[0-9a-f]+: ([a-zA-Z0-9_.]+) \+ 0x[0-9a-f]+"),
)

# Generic helpers never named in a title (matched as regex search on the function name).
SKIP_FRAMES = (
    "__sanitizer",
    "__asan",
    "kasan",
    "hwasan",
    "__msan",
    "kmsan",
    "kcsan_setup_watchpoint",
    "check_memory_region",
    "check_heap_object",
    "check_object",
    "read_word_at_a_time",
    "(read|write)_once_.*nocheck",
    "print_address_description",
    "panic",
    "invalid_op",
    "report_bug",
    "fixup_bug",
    "print_report",
    "print_usage_bug",
    "do_error",
    "_trap$|do_trap",
    "show_stack",
    "dump_stack",
    "walk_stack",
    "dump_backtrace",
    # x86's dump_stack() of 2.6.18-2.6.2x down to the unwinder (arch/i386/kernel/traps.c
    # show_trace() -> show_trace_log_lvl() -> dump_trace(); x86_64 "show_trace"), its
    # own frames first in the trace it prints
    "^dump_trace$",
    "^show_trace(?:_log_lvl)?$",
    "unwind_backtrace",  # 32-bit ARM's dump_backtrace
    "arc_unwind_core",  # ARC's show_stacktrace() unwinds from its own frame
    "warn_slowpath",
    "warn_alloc",
    "warn_bogus",
    "__warn",
    "alloc_page",
    "k?v?(?:m|z|c)alloc",
    "krealloc",
    "kmem_cache",
    "allocate_slab",
    "__alloc_frozen_pages_noprof",
    "folio_(?:alloc|unlock)",
    "filemap_alloc_folio",
    "__filemap_get_folio",
    "find_or_create_page",
    "do_read_cache_folio",
    "read_cache_page",
    "pagecache_get_page",
    "grab_cache_page_write_begin",
    "slab_",
    "debug_object",
    "timer_is_static_object",
    "work_is_static_object",
    "__might_fault",
    "print_unlock",
    "imbalance_bug",
    "lockdep",
    "bh_enable",
    "bh_disable",
    "perf_trace",
    "lock_acquire",
    "lock_release",
    "lock_class",
    "mark_lock",
    "(reacquire|mark)_held_locks",
    "raw_spin_rq",
    "spin_lock",
    "spin_trylock",
    "spin_unlock",
    "read_lock",
    "read_trylock",
    "write_lock",
    "write_trylock",
    "read_unlock",
    "write_unlock",
    "^down$",
    "down_read",
    "down_write",
    "down_read_trylock",
    "down_write_trylock",
    "down_trylock",
    "up_read",
    "up_write",
    "^mutex_",
    "^__mutex_",
    "^rt_mutex_",
    "owner_on_cpu",
    "osq_lock",
    "osq_unlock",
    "atomic(64)?_(dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)",
    "(set|clear|change|test)_bit",
    "__wake_up",
    "^refcount_",
    "^kref_",
    "ref_tracker",
    "seqprop_assert",
    "memcpy",
    "memcmp",
    "memset",
    "memchr",
    "memmove",
    "memdup",
    "strcmp",
    "strncmp",
    "strcpy",
    "strlcpy",
    "strncpy",
    "strscpy",
    "strlen",
    "strstr",
    "strnstr",
    "strnlen",
    "strchr",
    "strdup",
    "strndup",
    "copy_to_user",
    "copy_from_user",
    "copy_to_iter",
    "copy_from_iter",
    "copy_page_to_iter",
    "copy_page_from_iter",
    "copy_folio_to_iter",
    "^copyin$",
    "^copyout$",
    "put_user",
    "get_user",
    "might_fault",
    "might_sleep",
    "list_add",
    "list_del",
    "list_replace",
    "list_move",
    "list_splice",
    "^rb_",
    "^__rb_",
    "_indirect_thunk_",
    "string",
    "pointer",
    "snprintf",
    "scnprintf",
    "kasprintf",
    "kvasprintf",
    "printk",
    "va_format",
    "dev_info",
    "dev_notice",
    "dev_warn",
    "dev_err",
    "dev_alert",
    "dev_crit",
    "dev_emerg",
    "program_check_exception",
    "program_check_common",
    "del_timer",
    "flush_work",
    "__cancel_work_timer",
    "cancel_work_sync",
    "try_to_grab_pending",
    "flush_workqueue",
    "drain_workqueue",
    "destroy_workqueue",
    "queue_work",
    "finish_wait",
    "kthread_stop",
    "kobject_",
    "add_uevent_var",
    "get_device_parent",
    "device_add",
    "device_del",
    "device_unregister",
    "device_destroy",
    "device_release",
    "devres_release_all",
    "hwrng_unregister",
    "i2c_del_adapter",
    "__unregister_client",
    "device_for_each_child",
    "rollback_registered",
    "unregister_netdev",
    "sysfs_remove",
    "device_remove_file",
    "tty_unregister_device",
    "dummy_urb_enqueue",
    "usb_kill_urb",
    "usb_kill_anchored_urbs",
    "usb_control_msg",
    "usb_hcd_submit_urb",
    "usb_submit_urb",
    "^complete$",
    "wait_for_completion",
    "^kv?free$",
    "kfree_skb",
    "readb$",
    "readw$",
    "readl$",
    "readq$",
    "writeb$",
    "writew$",
    "writel$",
    "writeq$",
    "logic_in",
    "logic_out",
    r"^crc\d+",
    "crc_itu_t",
    "__might_resched",
    "assertfail",
    "^iput$",
    "^iput_final$",
    "^ihold$",
    "hex_dump_to_buffer",
    "print_hex_dump",
    "^klist_",
    "(trace|lockdep)_(hard|soft)irq",
    "^(un)?lock_page",
    "stack_trace_consume_entry",
    "arch_stack_walk",
    "stack_trace_save",
    "insert_work",
    "__queue_delayed_work",
    "queue_delayed_work_on",
    "ida_free",
    "do_(kernel|translation)_fault",
    "do_mem_abort",
    "el1_abort",
    "el1h_64_sync(?:_handler)?",
    "print_tainted",
    "xas_(?:start|load|find)",
    "find_lock_entries",
    "truncate_inode_pages_range",
    "__phys_addr",
    "__fortify_report",
    "cleanup_srcu_struct",
    "rhashtable_lookup",
    "extract_(user|iter)_to_sg",
    "drop_nlink",
    "^get_taint$",
    "^put_device$",
    "lock_timer_base",
    "__timer_delete_sync",
    "sk_stop_timer_sync",
    "__mod_timer",
    "fast_dput",
    "dput",
    # A buffer dirtied while not uptodate is the caller's bug (corpus: WARNING in <fs>_get_block).
    "^mark_buffer_dirty$",
)

# Fault-injection stacks get interleaved with real reports; seeing one taints the report.
# (decode_stacktrace.sh writes the entry unindented, "should_fail (lib/fault-inject.c:1)")
CORRUPTED_LINES = (
    rx(r"^(?: ?\[<?(?:0x)?[0-9a-f]+>?\])? ?should_fail(slab)?(\.[a-z0-9.]+)?(?:\+0x| \({{LOC}})"),
)

# Syscall wrappers differ per arch/version; titles use the bare name.
STRIP_FRAME_PREFIXES = (
    "SYSC_",
    "SyS_",
    "sys_",
    "__x64_",
    "__ia32_",
    "__arm64_",
    "____sys_",
    "___sys_",
    "__sys_",
    "__se_",
    "__se_sys_",
    "__do_sys_",
    "compat_SYSC_",
    "compat_SyS_",
    "ksys_",
)

# "RIP: 0010:func+0x1/0x2" and the other arches' equivalents. x86_64 __show_regs() prints
# the code segment as "%04lx": a Xen PV guest's kernel runs in Xen's flat segments, so its
# oopses read "RIP: e030:..." (FLAT_KERNEL_CS64 with the RPL Xen clears), not "0010".
_SEG = r"(?:[0-9]+|[0-9a-f]{4}):"
# The register line's label: "RIP:", "EIP:", "IP:", "NIP:", "pc :" have a colon, powerpc's
# "NIP [c...]" a PC after it. The bare word is no label: x86's show_opcodes() prints
# "Code: Bad RIP value." (3.x: "Code:  Bad RIP value.") and, since 5.x, "Code: Unable to
# access opcode bytes at RIP 0x...", which would read as a function "value" or a frame.
# An address with no symbol ("RIP: 0010:[<ffff8800b3d5ed58>]  [<ffff8800b3d5ed58>]
# 0xffff8800b3d5ed58" in 2.6-4.x, printk_address()'s "%pB") is a frameless RIP line.
# LoongArch __show_regs() (arch/loongarch/kernel/traps.c): "  ERA: %0*lx %pS", the
# exception return address (MIPS's epc)
_LOONGARCH_ERA = r"^ *ERA: +[0-9a-f]{8,16} +{{FUNC}}"
_RIP = (
    r"(?:(?:IP|NIP|pc ?):|PC is at|pc is at|ip is at|N?IP(?= \[)) (?:(?:" + _SEG + r")?"
    r"(?:{{PC}} +){0,2}"
    r"(?::[\w.\-]+:)?\.?{{FUNC}}"
    r"|(?:" + _SEG + r")?(?:{{PC}} +){0,2}0x[0-9a-f]+"
    r"|(?:" + _SEG + r")?{{PC}} +\[< *\(null\)>\] +\(null\)|[0-9]+: +\(null\))"
)
# MIPS show_regs() "epc   : 8035a1bc func+0x1c/0x28" (LoongArch's __show_regs() "  ERA: %0*lx
# %pS"), s390 "Krnl PSW : 0704... 0000... (func+0x1c/0x28)"
# (decode_stacktrace.sh drops its parentheses: "... 0000... func (file:line)"),
# i386 2.6 show_registers() / show_regs() "EIP is at func+0x13/0x50" under its "EIP:    0060:[<pc>]"
# line, which names no function (die()'s closing "EIP: [<pc>] func SS:ESP" line, which does, came
# later in 2.6 and is the line a dying machine's syslog loses first).
_RIP_OTHER = (
    r"epc *: +[0-9a-f]{8,16} +{{FUNC}}"
    # (and of an address kallsyms does not know, "%pS" bare: "epc   : 80332384
    # 0x80332384", a line that names no function, after which the trace is read, as
    # after x86's "RIP: 0010:0x0"; LoongArch's "  ERA: %0*lx %pS" the same)
    r"|^ *(?:epc *|ERA): +[0-9a-f]{8,16} +0x[0-9a-f]+(?: |$)"
    r"|Krnl PSW ?: [0-9a-f]+ [0-9a-f]+ \(?{{FUNC}}"
    # (and the "(%pSR)" of an address kallsyms does not know, "Krnl PSW : 0704c00180000000
    # 0000000000000000 (0x0)", a jump to nowhere: a line that names no function, after
    # which the breaking-event address names the code that jumped, LINK_AFTER_BARE_PC)
    r"|Krnl PSW ?: [0-9a-f]+ [0-9a-f]+ \(0x[0-9a-f]+\)"
    # s390 print_pgm_check_info() (arch/s390/boot/pgm_check_info.c), early boot:
    # "PSW : %016lx %016lx (%pS)", no "Krnl"
    r"|^PSW : [0-9a-f]{16} [0-9a-f]{16} \({{FUNC}}"
    r"|^ *EIP is at {{FUNC}}"
    # sparc64 show_regs(): "TPC: <func+0x14/0x30>", sparc32's "PC: <%pS>"; m68k
    # show_registers() "PC: [<%08lx>] %pS"
    r"|^ *T?PC: <(?::[\w.\-]+:)?{{FUNC}}|^ *PC: {{PC}} +{{FUNC}}"
    # (sparc64's "%pS" of code kallsyms does not know, "TPC: <0x101c21c0>", names no
    # function: the trace is read after it, or its RPC line, LINK_AFTER_BARE_PC)
    r"|^ *TPC: <0x[0-9a-f]+>"
    # (m68k's "%pS" of a jump to nowhere prints the bare address: "PC: [<00000000>] 0x0",
    # a line that names no function, after which the trace is read, as after x86's
    # "RIP: 0010:0x0")
    r"|^ *PC: {{PC}} +0x[0-9a-f]+\s*$"
    # parisc show_regs() of a fault in the kernel: " IAOQ[0]: %pS" (the IAOQ: line before
    # it has the address alone)
    r"|^ *IAOQ\[0\]: {{FUNC}}"
    # x86_64 2.6.0-2.6.1x __show_regs(): "RIP: 0010:[<pc>] <pc>{:mod:func+23}"
    r"|RIP: " + _SEG + r"{{PC}} +<[0-9a-f]{8,16}>\{(?::[\w.\-]+:)?{{FUNC}}"
    # powerpc xmon excprint(), when the debugger catches the fault before die() prints
    # its "Oops": "    pc: " then xmon_print_symbol()'s "%016lx: name+%#lx/%#lx" (a
    # big-endian ppc64 kernel's ELFv1 name with its dot: ".exit_mmap+0x150/0x178")
    r"|^ *pc: [0-9a-f]{8,16}: +\.?{{FUNC}}"
    "|" + _LOONGARCH_ERA
)
RIP_FRAME = rx("(?:" + _RIP + "|" + _RIP_OTHER + ")")
# arch/arc/kernel/stacktrace.c show_stacktrace() heads its "  %pS" entries "Stack Trace:",
# alpha's dik_show_trace() (traps.c) its "[<%lx>] %pSR" entries "Trace:" alone.
CALL_TRACE = rx(r"(?:Call (?:T|t)race:)|(?:Backtrace:)|(?:Stack Trace:)|(?:^ *Trace:\s*$)")
# The trace after a register dump: under one of those headers, or riscv's, which has none:
# show_regs() (arch/riscv/kernel/process.c) ends __show_regs()'s registers with "status:
# %016lx badaddr: %016lx cause: %016lx" and, for a kernel context, dump_backtrace()
# prints the interrupted trace right after that line. A fault or WARN() inside a function
# titles skip (strlen, refcount_warn_saturate) is titled from that trace.
TRACE_AFTER_REGS = rx(CALL_TRACE.pattern + "|" + RISCV_STACK_START.pattern)
# A trace entry the x86 unwinder could not place on the frame-pointer chain (dumpstack.c
# prints it after "? "): maybe a stale return address, maybe a frame. FRAME_RES skip them.
GUESSED_FRAME_RE = rx(
    r"^ *(?:<<?(?:IRQ|NMI|EOE|EOI)>>? +)?(?:{{PC}} ){0,2}\? +(?::[\w.\-]+:)?{{FUNC}}"
)


# The entry of the scheduling-clock interrupt that runs RCU's stall check: the local APIC
# timer, or in a cloud guest the hypervisor's vector that delivers its tick instead.
# Hyper-V (Azure): arch/x86/entry/entry_64.S "apicinterrupt3 HYPERVISOR_CALLBACK_VECTOR
# hyperv_callback_vector ..." and (5.0-5.7) "... HYPERV_STIMER0_VECTOR
# hv_stimer0_callback_vector ...", since 5.8 arch/x86/kernel/cpu/mshyperv.c
# DEFINE_IDTENTRY_SYSVEC(sysvec_hyperv_callback) and (sysvec_hyperv_stimer0). Xen HVM
# (EC2's Xen instances): entry_64.S "apicinterrupt3 HYPERVISOR_CALLBACK_VECTOR
# xen_hvm_callback_vector ...", since 5.8 arch/x86/xen/enlighten_hvm.c
# DEFINE_IDTENTRY_SYSVEC(sysvec_xen_hvm_callback). Xen PV (dom0 of XenServer): entry_64.S
# ENTRY(xen_do_hypervisor_callback), since 5.8 asm_exc_xen_hypervisor_callback.
_TICK_ENTRY_NAMES = (
    "apic_timer_interrupt",
    "hyperv_callback_vector",
    "hv_stimer0_callback_vector",
    "sysvec_hyperv_callback",
    "sysvec_hyperv_stimer0",
    "xen_hvm_callback_vector",
    "sysvec_xen_hvm_callback",
    "xen_do_hypervisor_callback",
    "exc_xen_hypervisor_callback",
)
_TICK_ENTRY = "(?:" + "|".join(_TICK_ENTRY_NAMES) + ")"


def _s(
    *parts: object,
    parts2: tuple[object, ...] = (),
    skip: tuple[str, ...] = (),
    extractor: Extractor | None = None,
    more: tuple[tuple[object, ...], ...] = (),
) -> StackSpec:
    return StackSpec(tuple(parts), parts2, skip, extractor, more)


def _warning_stack(*skip: str) -> StackSpec:
    # New kernels trap on WARN and print RIP first; old ones print only the call trace.
    # LoongArch's trap (arch/loongarch/kernel/traps.c do_bp() -> report_bug() -> __warn()
    # -> show_regs()) prints __show_regs()'s "  ERA: %0*lx %pS", the function that
    # warned, then dump_stack(), whose trace starts at the trap handler's caller's
    # caller and may lack that function.
    return StackSpec(
        (
            rx("(?:" + _RIP + "|" + _LOONGARCH_ERA + r"|--- interrupt: [0-9]+ at {{FUNC}})"),
            PARSE_STACK,
        ),
        (TRACE_AFTER_REGS, PARSE_STACK),
        tuple(skip),
    )


# lib/bug.c report_bug()'s "Badness at" (the "Badness at " kind below): where its
# dump_stack() (2.6.21) printed the trap's own frames, powerpc's show_stack() marks the
# exception frame "--- Exception: %lx at %pS" (2.6.x arch/powerpc/kernel/process.c;
# 5.x's "--- interrupt: %lx at %pS"), the function that warned; the trap's frames
# (program_check_exception, then program_check_common on ppc64, ret_from_except_full on
# ppc32) are no title where that line was lost.
# (its file: {{SRC}} with an assembly file's ".S" too)
_BADNESS_SRC = r"([a-zA-Z0-9\-_/.+]+\.(?:[a-z]+|S):[0-9]+)"
_BADNESS_STACK = StackSpec(
    (
        rx("(?:" + _RIP + r"|--- Exception: [0-9a-f]+ at \.?{{FUNC}})"),
        PARSE_STACK,
    ),
    (TRACE_AFTER_REGS, PARSE_STACK),
    ("^program_check_exception$", "^program_check_common$", "^ret_from_except"),
)
_RIP_TRACE = (RIP_FRAME, TRACE_AFTER_REGS, PARSE_STACK)
# arm64 __show_regs()'s first line, print_pstate()'s "pstate: %08llx (nzcv ...)" (6.1
# arch/arm64/kernel/process.c): show_regs() was called, and its "Call trace:" follows
_ARM64_PSTATE = rx(r"^pstate: [0-9a-f]{8} \(")
# 32-bit ARM __show_regs()'s last row, "Flags: %s  IRQs o%s  FIQs o%s  Mode %s  ISA %s
# Segment %s" (6.1 arch/arm/kernel/process.c): show_regs() and __die() (6.1 arch/arm/
# kernel/traps.c) go on to dump_backtrace(regs, ...), unwind_backtrace() (arch/arm/kernel/
# unwind.c) from regs->ARM_pc, its entries headerless (titles reads from the first
# "from" line where no header is found) or under the frame-pointer unwinder's
# "Backtrace:". Where a quote cut "PC is at %pS", the trace's first entry is that pc
# (fields.arm_trace_rip). __die()'s "Process %.*s (pid: %d, stack limit = 0x%p)" after
# the registers (2.6-6.x) tells it where a quote cut them all.
_ARM_FLAGS = rx(
    r"^ *(?:Flags: [nN][zZ][cC][vV][qQ]?  IRQs o(?:n|ff)  FIQs o"
    r"|Process .+ \(pid: \d+, stack limit = 0x[0-9a-f]+\))"
)
_ARM_REGS_TRACE = (_ARM_FLAGS, CALL_TRACE, PARSE_STACK)
_REGS_TRACE = _RIP_TRACE[1:]  # (the trace alone, where the registers were cut off)
# A stack printed from NMI context: where the CPU was is after the NMI's own frames, from
# the "<<EOE>>" (3.x, which puts the first entry on the marker's line) or "</NMI>" on.
_AFTER_NMI = (rx(r"(?:<<EOE>>|<EOE>|</NMI>)(?: +(?:{{PC}} +)?{{FUNC}})?"), PARSE_STACK)
_TRACE = (CALL_TRACE, PARSE_STACK)
# Callers a KMSAN report's title passes over (syzkaller's list for its KMSAN format).
_KMSAN_SKIP = (
    "alloc_skb",
    "netlink_ack",
    "netlink_rcv_skb",
    "_encrypt$",
    "^(?:crypto|cipher|drbg|rng)_",
)
# The entry of the timer interrupt's return path in a 2.6.x x86 trace
# ("<ffffffff80263acb>{apic_timer_interrupt+135}", "[<c010492b>]
# apic_timer_interrupt+0x27/0x2c"; an 8259 timer's common_interrupt), and the first entry
# after it that names the code the interrupt came in: not the scheduler, not a
# function's first byte.
# powerpc show_stack()'s exception frame of the decrementer (the timer interrupt) in a
# 2.6.x soft lockup's dump_stack() (see that format): the interrupted function.
_PPC_TIMER_EXCEPTION_AT = rx(r"^\s*--- (?:Exception|interrupt): 90[01] at \.?{{FUNC}}")
_OLD_IRQ_EXIT = rx(r"(?<![\w.])(?:apic_timer_interrupt|common_interrupt)\+")
_OLD_INTERRUPTED = rx(
    r"^\s*(?:\[<[0-9a-f]+>\]\s*|<[0-9a-f]+>\{)"
    r"(?!(?:thread_return|schedule|__schedule|_?cond_resched|preempt_schedule\w*)\+)"
    r"([A-Za-z_][\w.]*)\+(?!0x0/|0\})"
)
# The "%pS" of ex_handler_msr()'s rIP, and the MSR accessors the faulting instruction is
# in for most callers (arch/x86/include/asm/msr.h: native_read_msr() and
# native_write_msr(), renamed native_rdmsrq()/native_wrmsrq() in 6.16; the x2APIC's
# native_apic_msr_write(); Xen PV's xen_read_msr()/xen_write_msr()): the title names
# their caller instead.
_MSR_RIP = rx(r"unchecked MSR access error: .* at rIP: {{ADDR}} \({{FUNC}}")
_MSR_ACCESSORS = (
    r"^native_(?:read|write)_msr",
    r"^native_(?:rd|wr)msrq?$",
    r"^native_apic_msr_(?:read|write|eoi)",
    r"^__(?:rd|wr)msrq?$",
    r"^(?:rd|wr)msrq?$",
    r"^(?:rd|wr)msrl$",
    r"^xen_(?:do_)?(?:read|write)_msr",
    r"^paravirt_(?:read|write)_msr",
)
_F = Format

# kernel/workqueue.c wq_watchdog_timer_fn() (4.5, commit 82607adcf9cd, to 6.x): one
# timer run prints pr_emerg("BUG: workqueue lockup - pool") with pr_cont_pool_info() for
# each stuck pool, then show_workqueue_state() (show_all_workqueues() since 5.17):
# pr_info("Showing busy workqueues and worker pools:"), show_one_workqueue()'s
# "workqueue %s: flags=0x%x", show_pwq()'s indented "  pwq %d:" with its "    in-flight:",
# "    pending:" and "    delayed:" ("    inactive:" since 5.15) rows (pieces pr_cont()
# could not join start with their " " or ","), show_one_worker_pool()'s "pool %d: ...
# hung=%us workers=%d". That is the whole report until 6.5's show_cpu_pools_hogs()
# (commit cd2440d66fec): "Showing backtraces of running workers in stalled CPU-bound
# worker pools:", then "pool %d:" and sched_show_task()'s backtrace of each.
_WQ_LOCKUP_ROWS = lazy_rx(
    r"[\s,]|BUG: workqueue lockup - pool|Showing busy workqueues and worker pools:"
    r"|workqueue \S+: flags=0x|pool \d+:"
)
_WQ_HOG_BACKTRACES = "Showing backtraces of running workers in stalled CPU-bound"
# show_cpu_pool_hog() (6.5+) prints, for each busy worker of a stalled pool that is
# running, pr_info("pool %d:\n") and sched_show_task(): "task:%-15.15s state:%c" with
# pr_cont()'s "  running task    " and " stack:... pid:... flags:0x%08lx" (pieces the
# console could not join start with their blank), print_worker_info()'s "Workqueue: %s
# %ps", print_stop_info()'s "Stopper: %pS <- %pS", then show_stack(): its header ("Call
# Trace:", arm64's "Call trace:", arm's "Backtrace:", MIPS/LoongArch "Stack :" rows), its
# entries and markers (" <TASK>", " </TASK>", indented or "[<pc>]"-led), and the registers
# x86's unwinder prints of an interrupt frame on the way ("RIP: ", "Code: ", "RAX: "...).
# The watchdog's report is over after the last of them.
_WQ_HOG_ROWS = lazy_rx(
    r"[\s,]|pool \d+:\s*$|task:|Workqueue: |Stopper: |Call [Tt]race:|Backtrace:|Stack ?:"
    r"|Exception stack|Code: |\[<|(?:RIP|RSP|RAX|RBX|RCX|RDX|RSI|RDI|RBP|R\d\d?|FS|GS|CS|CR\d):? "
)


def _k(
    header: str,
    formats: list[Format],
    suppressions: tuple[str, ...] = (),
    absorbs: tuple[str, ...] = (),
    absorb_lines: int = 0,
    shape: str | None = None,
    needs_oops: bool = False,
    program: bool = False,
    unstamped: bool = False,
    one_record: bool = False,
) -> OopsKind:
    return OopsKind(
        header,
        tuple(formats),
        tuple(lazy_rx(s) for s in suppressions),
        absorbs,
        absorb_lines,
        lazy_rx(shape) if shape is not None else None,
        needs_oops,
        program,
        unstamped,
        one_record,
    )


# arch/s390/kernel/traps.c (3.x) do_trap()'s and default_trap_handler()'s die() names.
_S390_PROGRAM_CHECKS = "|".join(
    (
        "Unknown program exception",
        "addressing exception",
        "data exception",
        "execute exception",
        "fixpoint divide exception",
        "fixpoint overflow exception",
        "floating point exception",
        "HFP (?:overflow|underflow|significance|divide|square root) exception",
        "illegal operation",
        "operand exception",
        "privileged operation",
        "space switch event",
        "special operation exception",
        "specification exception",
        "translation exception",
    )
)


# x86 die()s in the kernel whose __die_header() line names only their cause: do_trap()'s
# traps, math_error()'s x87 and SIMD floating-point exceptions ("fpu exception", "simd
# exception"), exc_device_not_available()'s #NM with CR0.TS clear ("unexpected #NM
# exception"), and arch/x86/mm/fault.c pgtable_bad()'s "Bad pagetable" (a page fault
# whose error code has the reserved-bit flag, after "%s: Corrupted page table at
# address %lx" and dump_pagetable()).
_X86_TRAPS = (
    "iret exception|segment not present|invalid TSS|alignment check|bounds|overflow"
    "|coprocessor segment overrun|int3|fpu exception|simd exception|unexpected #NM exception"
    "|Bad pagetable"
)
# arch/sh/kernel/traps_32.c's die() and die_if_no_fixup() words for a trap in the kernel
# (die_if_kernel("exception") is do_exception_error()'s, an unexpected exception vector).
_SH_TRAPS = (
    "reserved instruction|illegal slot instruction|exception|Fault in unaligned fixup"
    "|unaligned program counter|insn faulting in do_address_error"
    "|delay-slot-insn faulting in handle_unaligned_delayslot"
)
# arch/sparc/kernel/traps_64.c's die_if_kernel() words for a trap in the kernel (see the
# kind); bad_trap()'s "Bad hw trap %lx at tl0" ends in a newline of its own, the
# counter on the next line, and is left out.
_SPARC_TRAPS = (
    "Kernel illegal instruction|Kernel bad sw trap [0-9a-f]+|Bad trap [0-9a-f]+ at tl>0"
    "|Iax|Dax|UE|Penguin overflow trap from kernel mode|TL[01]: [A-Za-z0-9 ]+"
)
# arch/xtensa/kernel/traps.c's die() words for a trap in the kernel (see the kind).
_XTENSA_TRAPS = (
    "Illegal instruction in kernel|Unhandled unaligned exception in kernel"
    "|Unhandled division by 0 in kernel|Unhandled load/store exception in kernel"
    "|Breakpoint in kernel|Caught unhandled exception - should not happen"
    "|Caught multihit exception"
)
# mm/kmemleak.c print_unreferenced() (2.6.31 .. 6.18) prints a leaked object's rows after
# its header, and nothing else: '  comm "%s", pid %d, jiffies %lu' (" (age %d.%03ds)"
# after it until a 2023 patch dropped it), "  hex dump (first %u bytes):",
# hex_dump_to_buffer()'s rows of 1-byte groups and their ASCII, "  backtrace:"
# ("  backtrace (crc %x):" since 6.7) and "    [<%p>] %pS" entries ("[<%pK>]" later;
# decode_stacktrace.sh: "f (file:line)" for the offset; a paste may lose the address).
# The first line that is none of them ends the object: the prompt and commands pasted
# after a "cat /sys/kernel/debug/kmemleak". Matched by the words, not by the indent,
# which pastes squeeze out; kmemleak.verbose=1 puts pr_warn()'s "kmemleak: " before each
# row (its scan's "kmemleak: %d new suspected memory leaks" is none of them). A hex row
# squeezed has one space before its ASCII: two groups at least then tell it.
_LEAK_ROWS = lazy_rx(
    r"(?:kmemleak: )?\s*(?:comm \"|hex dump \(|backtrace\b"
    r"|[0-9a-f]{2}(?:(?: [0-9a-f]{2})*(?:  |$)|(?: [0-9a-f]{2})+ )"
    r"|\[<|\?? *[\w.$]+(?:\+0x[0-9a-f]+| \(\S+:[\d?]+\)))"
)
# A kmemleak object's allocation trace, up to the first caller outside the allocators.
_LEAK_STACK = _s(
    rx(r"backtrace(?: \(crc [0-9a-fA-F]*\))?:"),
    PARSE_STACK,
    skip=(
        "kmemleak",
        "mmap",
        "kmem",
        "slab",
        "alloc",
        "create_object",
        "idr_get",
        "list_lru_init",
        "kasprintf",
        "kvasprintf",
        "pcpu_create",
        "strdup",
        "strndup",
        "memdup",
    ),
)
# mm/kasan/report.c print_error_description() and kasan_report_error(): 4.0-4.3 printed
# "BUG: KASan: %s in %pS at addr %p" and "BUG: KASan: %s on address %p" ("use after
# free", "out of bounds access", "null ptr deref": words, not yet the later hyphenated
# types), 4.4 the same words after "BUG: KASAN:". The same report under either
# spelling, titled the same.
_KASAN_HEADER = "BUG: KAS(?:AN|an):"
_KASAN_FREE = "BUG: KASAN: (?:double-free or invalid-free|double-free|invalid-free) in {{FUNC}}"
_LOCKDEP_AT = "(?:.*\\n)+?.*at: (?:{{PC}} +)?{{FUNC}}"

# mm/slub.c slab_bug(): "BUG kmalloc-128 (Tainted: G B ): Redzone overwritten", then
# "INFO:" lines of the same report, the object dump and the checking task's trace: one
# report, titled by the problem and the first caller outside the slab checks. Since 6.x
# object_err() ends in a WARN ("WARNING: CPU: 0 PID: 142 at mm/slub.c:1127 object_err";
# since 6.19, kernel/panic.c __warn(): "WARNING: mm/slub.c:1127 at object_err+0x236/0x248,
# CPU#1: sh/142"), whose trace is the checking task's: part of the report too.
# Where a report's header may start when its kind's shape pins its first word: the
# line's start, after a blank, a printk prefix's "]" or "<level>"'s ">", a syslog
# "kernel:"'s colon, the ";" that ends a /dev/kmsg record's head ("4,1789,1531218013,
# -;", printk.c info_print_ext_header(); lines.py's _KMSG_HEAD), or the "=" of a
# journal's "MESSAGE=" field line (journalctl -o verbose and -o export, systemd
# logs-show.c), or the byte-order mark an RFC 5424 syslog record's MSG may start with
# (RFC 5424 6.4; lines._RFC5424_REST: rsyslog's RSYSLOG_SyslogProtocol23Format, syslog-ng's
# syslog-protocol), UTF-8's three bytes as a log read as latin-1 has them, or U+FEFF.
_AFTER_PREFIX = r"(?:^|[\s:\]>;=]|\xef\xbb\xbf|\ufeff)"
# Where a header whose first word is a task's name or a trap's may start: the line's
# start, after a printk prefix's "]" or "<level>"'s ">", a syslog tag's ":", or after
# the mark the line reader reads past (lines.STAMP_END: a reader's stamp); in a log
# pasted as an indented block, after the paste's indent (which the prefilter reads as
# it is and the parser past its mark, stamps.mark_block_indent).
_AT_LINE_START = r"(?:^[ \t]*|[\]:>] ?|" + STAMP_END + ")"
_SLUB_SHAPE = r"BUG [\w.\-:()]+ \((?:Not tainted|Tainted: [^)]*)\): "
_SLUB_SKIP = (
    "check_",
    "consistency_checks",
    # the allocation path checks an object it hands out again (a write after free
    # found there): alloc_debug_processing() under ___slab_alloc() / get_partial_node()
    "alloc_debug_processing",
    "get_partial",
    "free_debug_processing",
    "^kfree$",
    "kmem_cache_free",
    "slab_free",
    "^object_err$",
    "^print_trailer$",
    "free_to_partial_list",
)
_SLUB_REPORT = _F(
    # (the pager may cut it before the problem, in print_tainted()'s flags or their
    # blanks or right after them, "BUG kmalloc-128 (Tainted: G    >", "... OE     ):>":
    # the problem is then the mark alone, which whole_words below reads as nothing left;
    # or before them, in the cache's name or right after it, "BUG kmalloc-1>": slab_bug()
    # (6.1 and 6.12 mm/slub.c) prints the line between a row of "=" and one of "-", 77
    # each, and the "-" row right after the cut line tells it is this one)
    lazy_rx(
        r"BUG (?:([\w.\-:()]+?) \((?:(?:Not tainted|Tainted: [^)]*)\): "
        r"|(?:N|T)[^)\n]*(?:\):?)?(?=" + re.escape(PAGER_MARK) + r"(?:\n|$)))"
        r"|[\w.\-:()]+ ?\(?(?=" + re.escape(PAGER_MARK) + r"[ \t]*\n-{8,}))([^\n]+)"
    ),
    "SLUB: {2} in {3}",
    alt=("BUG {1}: {2}",),
    # riscv's WARN prints its trace after the "status:" register line, with no header
    stack=_s(CALL_TRACE, PARSE_STACK, parts2=(RISCV_STACK_START, PARSE_STACK), skip=_SLUB_SKIP),
    # journalctl's pager (less -S) cuts the header in its problem ("... OE     ): Po>"):
    # mm/slub.c check_bytes_and_report() (2.6.22 to 6.1) printed slab_bug(s, "%s
    # overwritten", what), then restore_bytes() its slab_fix() "FIX %s: Restoring %s
    # 0x%p-0x%p=0x%x" with the same "what" ("Poison", "Right Redzone", "Object padding";
    # slab_pad_check()'s "slab padding" restores a "Padding overwritten").
    whole_words=2,
    restated=(
        (
            lazy_rx(r"(?m)^FIX [\w.\-:()]+: Restoring ([A-Z][a-z]*(?: [A-Za-z]+)*) 0x"),
            "{1} overwritten",
        ),
    ),
)
# The slab's own "INFO: " lines (mm/slub.c since 2.6.22: print_track()'s "INFO: %s in
# %pS age=..." for "Allocated"/"Freed", print_page_info()/print_slab_info()'s "INFO: Slab
# 0x%p objects=...", print_trailer()'s "INFO: Object 0x%p @offset=...",
# check_bytes_and_report()'s "INFO: 0x%p-0x%p ...") and its WARN()s ("WARNING: CPU: 0 PID:
# 9 at mm/slub.c:1152 __slab_err", 6.19's "WARNING: mm/slub.c:1152 at __slab_err") are
# part of its report, whatever build directory an out-of-tree build printed before the
# file (SOURCE_TREE), or without a file on a kernel built without CONFIG_DEBUG_BUGVERBOSE
# ("WARNING: CPU: 0 PID: 9 at __slab_err+0x.../0x...", 6.19's "WARNING: at __slab_err+...,
# CPU#0: ..."). Other "INFO: " headers (khungtaskd's "INFO: task ... blocked",
# RCU's stalls, lockdep's) are reports of their own, however close after it.
_SLUB_ABSORBS = (
    "INFO: Allocated in ",
    "INFO: Freed in ",
    "INFO: Slab 0x",
    "INFO: Object 0x",
    "INFO: 0x",
    "mm/slub.c:",
    " at object_err+",
    " at __slab_err+",
)

# KASAN before 4.6 printed the slab object through slab_bug(): part of the KASAN report.
_SLUB_INSIDE_KASAN = ("kasan: bad access detected",)

# How far one mce_panic() dump may run: 24 records of 5 lines (a socket's CPUs logging
# a shared bank's error each).
_MCE_RECORDS_LINES = 120

# kernel/panic.c panic()'s line: "Kernel panic - not syncing: %s" since 2.6.10, "Kernel
# panic: %s" before (2.4, RHEL 4's and SLES 9's 2.6 kernels). The formats for panics
# those kernels had take either.
_PANIC = "Kernel panic(?: - not syncing)?: "

# User-mode Linux's oops is a panic: arch/um/kernel/trap.c segv() (3.x on), for a fault in
# kernel mode that no fixup takes, calls show_regs() (arch/x86/um/sysrq_64.c: "\n",
# print_modules(), "Pid: %d, comm: %.20s %s %s", "RIP: %04lx:%pS" -- the host's user code
# segment, 0033, as UML's kernel is a host process -- and the registers), then
# panic("Kernel mode fault at addr 0x%lx, ip 0x%lx"), or, for an address below TASK_SIZE
# (5.x on), panic("Kernel tried to access user memory at addr 0x%lx, ip 0x%lx"). The
# panic names a crash of its own, after its registers: a report that starts at them.
UML_FAULT = _PANIC + r"(?:Kernel mode fault|Kernel tried to access user memory) at addr 0x"
# segv()'s other kernel faults, each after show_regs() the same (2.6.x-6.x "else if
# (current->mm == NULL) { show_regs(...); panic("Segfault with no mm"); }": a kernel
# thread's bad access, at any address; 6.15+ adds, for a fault with page faults disabled,
# panic("Segfault with pagefaults disabled but no mcontext") and panic("Segfault without
# recovery target")). Their panic names no address: a paging request.
_UML_SEGFAULT = (
    "Segfault with no mm|Segfault with pagefaults disabled but no mcontext"
    "|Segfault without recovery target"
)
UML_KERNEL_FAULT = UML_FAULT + "|" + _PANIC + "(?:" + _UML_SEGFAULT + ")"
# arch/um/kernel/trap.c relay_signal() (2.4.1x on): a host signal (SIGFPE of a division by
# zero, SIGILL, SIGBUS) taken in kernel mode is panic("Kernel mode signal %d", sig), the
# crash itself, after no other report's lines (a KUnit test's under kunit_try_catch).
UML_SIGNAL = r"Kernel mode signal \d"


def _cut_rx(words: str) -> str:
    """A pattern for ``words`` cut anywhere after their first character: "ab" -> "a(?:b)?"."""
    rx = ""
    for ch in reversed(words[1:]):
        rx = f"(?:{re.escape(ch)}{rx})?"
    return re.escape(words[0]) + rx


# What follows the access's words on KFENCE's access line ("Use-after-free read at 0x%p
# ..."), or a pager's cut of it (its mark, taint.PAGER_MARK) before or in the "at"
_KFENCE_AT = r"(?: at\b|(?: a?)?" + re.escape(PAGER_MARK) + r"[ \t]*(?=\n|\Z))"

# MIPS die()'s "Kernel bug detected[#%d]:" cut by a pager (less -S) before its counter
# ends and ended in its mark (see its kind below)
MIPS_BUG_CUT = (
    r"Kernel bug de(?:" + _cut_rx("tected[#") + r"(?:(?<=#)\d*)?)?" + re.escape(PAGER_MARK)
)

# x86 show_fault_oops()'s (page_fault_oops()'s since 4.20) "BUG: unable to handle ..."
# cut by a pager (less -S) in "to handle" or after it, ended in its mark (see its format).
_X86_FAULT_CUT = r"BUG: unable(?:" + _cut_rx(" to handle") + r"[ \w]*)?" + re.escape(PAGER_MARK)
# __show_regs()'s CR2 (2.6.32 process_32.c "CR2: %08lx", 3.10+ process_64.c "CR2:
# %016lx"), a fault's address: below PAGE_SIZE (three hex digits) when its leading
# digits are zeros, 5 of 8 or 13 of 16. A pager's cut may end the row in the value
# (its mark, taint.PAGER_MARK, in place of its last digit: a row exactly as wide as the
# cut, "CR2: 000000000000001>", reads so too): 13 zeros are still only a 16-digit
# value's, below PAGE_SIZE whatever followed; fewer prove nothing, unless a digit among
# the first five is not zero (PAGE_SIZE or more in either width).
_CR2_NULL = r"CR2: (?:0{13}|0{5}[0-9a-f]{3}(?![0-9a-f]|" + re.escape(PAGER_MARK) + "))"
_CR2_FAR = r"CR2: (?=[0-9a-f]{8})(?:0{0,4}[1-9a-f]|(?![0-9a-f]*" + re.escape(PAGER_MARK) + r"))"
# ... and a value a cut left before either is proven (its kind lost)
_CR2_CUT = r"CR2: (?!0{0,4}[1-9a-f])[0-9a-f]{0,15}" + re.escape(PAGER_MARK)
# The lines from a cut fault header, or from x86's "Oops:" die line, to that CR2 row
_X86_FAULT_CUT_THEN = _X86_FAULT_CUT + r"[ \t]*\n(?:[^\n]*\n){0,45}?(?:[^\n]* )?"
_X86_OOPS_THEN = r"Oops: (?:Oops: )?[0-9a-f]{4} \[#\d+\][^\n]*\n(?:[^\n]*\n){0,40}?(?:[^\n]* )?"

# s390's "Kernel stack overflow." cut after "Kernel stack " (see its kind below)
_S390_OVERFLOW_CUT = r"Kernel stack (?:" + _cut_rx("overflow.") + r")?" + re.escape(PAGER_MARK)

# print_mce()'s first line cut by a pager before "Exception:" (see its kind below)
_MCE_LINE_CUT = (
    r"(?:(?<!Error\]: )CPU \d+: Machine C(?:"
    + _cut_rx("heck Exception")
    + r")?|CPU \d+: Machine Check E(?:"
    + _cut_rx("xception")
    + ")?)"
    + re.escape(PAGER_MARK)
)


# panic()'s line (kernel/panic.c, 6.1: pr_emerg("Kernel panic - not syncing: %s\n", buf))
# cut by journalctl's pager (less -S) before its ": " and ended in its mark
# (taint.PAGER_MARK): a long prefix (a host's long name) leaves "Kernel panic - no>".
# Right after a report it is still that crash's panic, as the whole line is.
_PANIC_CUT = "Kernel panic(?:" + _cut_rx(" - not syncing:") + ")?" + re.escape(PAGER_MARK) + r"\s*$"
PANIC_CUT_RE = re.compile(_PANIC_CUT)

# A fault's kind in "Unable to handle kernel %s at virtual address" (the kind's
# formats), told by its first words when a pager cut the rest: those words and the kind.
_CUT_FAULT_KINDS = (
    ("NULL", "NULL pointer dereference"),
    ("paging", "paging request"),
    ("access to", "access to user memory"),
    ("write", "write to read-only memory"),
    ("execute ", "execute from non-executable memory"),
    ("execution", "execution of user memory"),
    ("read", "read from unreadable memory"),
)

# Other "Unable to handle kernel %s" words a cut first word could begin: s390's "pointer
# dereference" (arch/s390/mm/fault.c report_user_fault()/do_no_context()), and the fault
# names arm64 do_mem_abort() and arm's do_DataAbort() pass on (fault_info[]'s "page
# domain fault", "level 0 address size fault", "alignment fault", ...).
_OTHER_FAULT_WORDS = (
    "pointer", "page ", "unknown", "alignment", "address", "level", "ttbr", "synchronous",
    "TLB", "Unsupported", "implementation", "section", "input", "translation",
    "permission", "external", "I-cache",
)  # fmt: skip


def _cut_first_word_rx(first: str) -> str:
    """A pattern for the first word ``first`` of a _CUT_FAULT_KINDS kind cut anywhere past
    the shortest prefix no other kind's words begin with: one letter may be all a
    56-column pager leaves ("Unable to handle kernel N>"), and "N", "w", "r" begin no
    other kind's words in any architecture's fault.c ("NULL pointer dereference", arm64's
    "write to read-only memory", "read from unreadable memory")."""
    others = [w for w, _ in _CUT_FAULT_KINDS if w != first] + list(_OTHER_FAULT_WORDS)
    n = 1
    while n < len(first) and any(w.startswith(first[:n]) for w in others):
        n += 1
    return re.escape(first[: n - 1]) + _cut_rx(first[n - 1 :])


def _cut_fault_formats(first_word_rx: Callable[[str], str]) -> tuple[Format, ...]:
    """A format per _CUT_FAULT_KINDS kind for its "Unable to handle kernel %s" line a pager
    cut after what ``first_word_rx`` of the kind's first word matches, ended in the pager's
    mark: the kind named, the registers and trace titling it as the whole line's."""
    return tuple(
        Format(
            lazy_rx(
                "Unable to handle kernel "
                + first_word_rx(first)
                + re.escape(PAGER_MARK)
                + r"[ \t]*(?:\n|$)"
            ),
            f"BUG: unable to handle kernel {kind} in {{1}}",
            alt=("bad-access in {1}",),
            stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
        )
        for first, kind in _CUT_FAULT_KINDS
    )


# arm64 die_kernel_fault() (6.1 arch/arm64/mm/fault.c): pr_alert("Unable to handle kernel
# %s at virtual address %016lx\n", msg, addr), then mem_abort_decode()'s "Mem abort info:",
# its "  FSC = 0x%02x: %s" of the fault status code, and show_pte()'s "[%016lx] pgd=%016llx"
# of the address. __do_kernel_fault() names a fault that is no permission fault at an
# address below PAGE_SIZE a "NULL pointer dereference": a translation fault (FSC 0x04..0x07,
# "level %d translation fault") at an address whose first 13 hex digits are 0 (below 4 KiB,
# the smallest page) is one, whatever a cut left of the line's words ("Mem abort info:"
# cut too at 44..45 columns). What follows the line a cut took them from (see its kinds).
_ARM64_NULL_AFTER_CUT = (
    re.escape(PAGER_MARK)
    + r"[ \t]*\n[ \t]*Mem abort inf(?:o:|o?"
    + re.escape(PAGER_MARK)
    + r")[ \t]*\n(?:[^\n]*\n){0,5}?[ \t]*FSC = 0x0[4-7]\b"
    + r"[^\n]*\n(?:[^\n]*\n){0,10}?[ \t]*\[0{13}"
)

# powerpc bad_page_fault() (3.10 arch/powerpc/mm/fault.c) prints "Unable to handle kernel
# paging request for data at address 0x%08lx" (or "... for instruction fetch", "... for
# unknown fault"), then "Faulting instruction address: 0x%08lx"; s390 do_no_context()
# (5.10 arch/s390/mm/fault.c) "Unable to handle kernel pointer dereference in virtual
# kernel address space" (or "... paging request in virtual user address space"), then
# dump_fault_info()'s "Failing address: %016lx TEID: %016lx". Each is a paging request
# (see the kind's formats), and no other architecture's fault line is followed by either:
# what follows that line a cut took its kind's words from (see its kinds).
_PAGING_REQUEST_AFTER_CUT = re.escape(PAGER_MARK) + r"[ \t]*\n(?:Faulting inst|Failing addr)"

# The hard lockup's line, whole or cut by a pager before its CPU, or in its words after
# the "watchdog: " of its pr_fmt ("watchdog: Watchdog detected h>", "watchdog: Watchdog
# de>", "NMI watchdog: Watch>", see its kind)
_HARD_LOCKUP_LINE = (
    "Watch(?:dog de(?:tected h(?:ard LOCKUP(?: on cpu|(?:"
    + _cut_rx(" on cp")
    + ")?"
    + re.escape(PAGER_MARK)
    + r"[ \t]*(?:\n|$))|(?<=watchdog: Watchdog detected h)(?:"
    + _cut_rx("ard LOCKU")
    + ")?"
    + re.escape(PAGER_MARK)
    + r"[ \t]*(?:\n|$))|(?<=watchdog: Watchdog de)(?:"
    + _cut_rx("tected ")
    + ")?"
    + re.escape(PAGER_MARK)
    + r"[ \t]*(?:\n|$))|(?<=watchdog: Watch)(?:"
    + _cut_rx("dog d")
    + ")?"
    + re.escape(PAGER_MARK)
    + r"[ \t]*(?:\n|$))"
)

# panic_bad_stack()'s / handle_bad_stack()'s first line (see its kind), whole or cut by a
# pager after "Insufficient stack space"
_NO_STACK_LINE = (
    "Insufficient stack space(?: to handle exception!|(?:"
    + _cut_rx(" to handle exception")
    + ")?"
    + re.escape(PAGER_MARK)
    + r"[ \t]*(?:\n|$))"
)

# The same line cut before "Insufficient stack space" is whole (its mark after
# "Insufficient " .. "Insufficient stack spac"), then the stacks' bounds that follow it on
# every architecture that prints it (see its kind): "Task stack:" within three rows
_NO_STACK_CUT = (
    r"Insufficient (?:"
    + _cut_rx("stack spac")
    + r")?"
    + re.escape(PAGER_MARK)
    + r"[ \t]*\n(?:[^\n]*\n){0,2}?[^\n]*Task stack:"
)

# A kernel stack overflow's frame, for its whole "Insufficient stack space" line and the
# line cut short alike (see their kinds): the faulting pc's line, riscv's "ra :" when its
# "epc :" is a generic helper, or 32-bit ARM's trace after its registers' "Flags:" row
# when a quote cut its "PC is at" (_ARM_FLAGS).
_NO_STACK_STACK = _s(
    RIP_FRAME,
    CALL_TRACE,
    PARSE_STACK,
    parts2=(RIP_FRAME, rx(r"^ *(?:ra|lr) ?: (?:{{PC}} +)?{{FUNC}}")),
    skip=("bad_stack",),
    extractor=overflow_frame,
    more=(_ARM_REGS_TRACE,),
)

# A CPU locked with interrupts off is often caught inside a busy-wait helper it called
# (mdelay() -> __delay(), udelay() -> delay_tsc()): the helper is where it was, not what
# looped. Such a leaf's caller is powerpc's LR, which show_regs() prints after the NIP
# ("LR [c0080000004a095c] f+0x64/0xa0"): the trace's first entry there is the stale
# saved-LR slot ("(unreliable)") and the real caller is not in it.
_DELAY_SKIP = ("^_*(?:const_)?[umn]?delay", "^delay_(?:tsc|loop|halt)")
# The perf NMI watchdog's panic in each kernel's wording (see its entry below).
_HARD_LOCKUP_PANIC = (
    r"Kernel panic - not syncing: (?:(?:NMI )?Watchdog detected (?:hard )?LOCKUP|Hard LOCKUP)"
)
_PPC_LR_FRAME = rx(r"(?m)^.*\bLR \[[0-9a-f]+\] +{{FUNC}}")
# The return address show_regs() prints beside a kernel fault's PC: powerpc's "LR [%lx]
# %pS" after its "NIP [%lx] %pS" (6.1 arch/powerpc/kernel/process.c show_regs()), parisc's
# " RP(r2): %pS" after " IAOQ[0]: %pS" (6.1 arch/parisc/kernel/traps.c show_regs()). A PC
# in code kallsyms does not know (a BPF program's JIT image, a jump to 0) is printed
# bare ("NIP [be86b710] 0xbe86b710", "IAOQ[0]: 0x0"), and the unwinders that start from
# the stack pointer (powerpc show_stack(), parisc do_show_stack()) may find nothing
# there: powerpc's first entry is the frame's stale LR save slot, " (unreliable)", the
# chain past it garbage, and parisc's unwind finds no frame for an address it has no
# table for. The link register then names the code that called into it (test_bpf's
# __run_one for its JIT image): the title's function where neither the PC nor the
# trace gives one, as the trace's first entry is after x86's "RIP: 0010:0x0".
_LINK_FRAME = rx(r"^\s*(?:LR \[[0-9a-f]+\] +|RP\(r2\): +){{FUNC}}")
_LINK_FALLBACK = ((_LINK_FRAME,),)
# The return address show_regs() prints on the line right after a PC it printed bare:
# powerpc's "LR [%lx] %pS" after "NIP [%lx] %pS" (6.1 arch/powerpc/kernel/process.c
# show_regs()), MIPS's "ra    : %0*lx %pS" after "epc   : %0*lx %pS" (6.1
# arch/mips/kernel/traps.c __show_regs()). A bare PC is code kallsyms does not know (a
# BPF program's JIT image, a jump through a bad pointer), whose trace does not name its
# caller: powerpc show_stack() starts at the frame's stale LR save slot ("(unreliable)",
# passed over) and goes on at the caller's caller; MIPS show_backtrace() falls back to
# show_raw_backtrace() for a PC outside kernel text, every text address left on the stack,
# stale ones first. The link register names the caller: the title's function, as the
# trace's first entry names it after a PC kallsyms knows. (A bare link register, the
# unknown code's own return address, names nothing: the trace is read.)
# sparc64 show_regs() (6.12 arch/sparc/kernel/process_64.c) prints "TPC: <%pS>", the
# g and o registers (four lines) and then "RPC: <%pS>" of %o7, the return address a call
# leaves: the caller's, until the function's own calls overwrite it (then it is the
# unknown code's own, bare). show_regwindow()'s "I7: <%pS>" after it is the caller's
# caller until the function's "save", and show_stack() starts there.
# arm64 __show_regs() (6.1 arch/arm64/kernel/process.c) prints a kernel context's "pc :
# %pS" then "lr : %pS". dump_backtrace() starts at the pc and goes on at the frame record
# fp points to: code that saved none (a leaf, a jump through a bad pointer) leaves fp at
# its caller's record, whose return address is the caller's caller, so the caller is
# only in lr. (32-bit ARM's and old arm64's "PC is at %pS" / "LR is at %pS" are left
# to the trace, as syzkaller's corpus titles them.) LoongArch __show_regs() (6.12 arch/loongarch/kernel/traps.c) prints "   ra:
# %0*lx %pS" on the line before "  ERA: %0*lx %pS"; its prologue unwinder
# (unwind_prologue.c unwind_by_prologue()) stops at a pc kallsyms does not size.
# Each arch's PC line (its first word) with the link register line near it: where it
# starts (from the line after the PC's; -2 is the line before it) and how many lines on.
LINK_AFTER_BARE_PC = {
    "NIP": (rx(r"^\s*LR \[[0-9a-f]+\] +{{FUNC}}"), 0, 1),
    "epc": (rx(r"^\s*ra *: +[0-9a-f]{8,16} +{{FUNC}}"), 0, 1),
    "TPC": (rx(r"^\s*RPC: <(?::[\w.\-]+:)?{{FUNC}}"), 0, 5),
    "pc ": (rx(r"^\s*lr : {{FUNC}}"), 0, 1),
    "ERA": (rx(r"^\s*ra: +[0-9a-f]{8,16} +{{FUNC}}"), -2, 1),
    # s390 has no link register line: show_regs() (5.3 arch/s390/kernel/dumpstack.c)
    # prints show_registers()' "Krnl PSW : %016lx %016lx (%pSR)", the registers, the
    # code, show_stack()'s "Call Trace:", then show_last_breaking_event()'s "Last
    # Breaking-Event-Address:" and " [<%016lx>] %pSR" of the last branch the CPU took:
    # where the PSW is bare (a call or jump through a NULL or stale pointer) that branch
    # is the code that went there (a tail call's jump, which no trace entry shows). The
    # entry counts only on the line after its heading (LINK_HEADINGS).
    "Krn": (rx(r"^\s*\[<[0-9a-f]{16}>\] {{FUNC}}"), 0, 80),
}
# The line right before the link register's line, where it has its own heading.
LINK_HEADINGS = {"Krn": "Last Breaking-Event-Address:"}
# soft_nmi_interrupt()'s line (see its kind), whole, or cut by a pager in its words after
# the "watchdog: " of its pr_fmt and "CPU %d s" ("watchdog: CPU 1 self-dete>", "watchdog:
# CPU 1 s>")
_PPC_SELF_CUT = (
    r"(?<=watchdog: )CPU \d+ s(?:"
    + _cut_rx("elf-detected hard LOCKUP @")
    + ")?"
    + re.escape(PAGER_MARK)
    + r"[ \t]*(?:\n|$)"
)
_PPC_SELF_DETECTED = r"CPU \d+ self-detected hard LOCKUP @|" + _PPC_SELF_CUT
_PPC_HARD_LOCKUP = _F(
    lazy_rx(r"(?:Watchdog CPU:|watchdog: CPU )\d+ Hard LOCKUP|" + _PPC_SELF_DETECTED),
    "BUG: hard lockup in {1}",
    stack=_s(
        RIP_FRAME, _PPC_LR_FRAME, CALL_TRACE, PARSE_STACK, parts2=_RIP_TRACE, skip=_DELAY_SKIP
    ),
    looping=True,
)

# A syslog message's tag, "ident[pid]: " (RFC 3164 4.1.3), at the start of a line whose
# date and host a pipeline cut off ("cut -d' ' -f5-" of /var/log/messages): the line is
# that program's, and so are the Go runtime's "panic:" and "fatal error:" in it. The
# kernel prints "comm[pid]: " only before a user fault's report ("segfault at",
# "unhandled signal 11 at"), never before these headers.
_PROGRAM_TAG = r"^[^\s:\[\]]+\[\d+\]: "

# The address AVM's Fritz!Box kernels (vendor MIPS 3.10 / 4.x builds) print before the
# symbol where __warn() / warn_slowpath_common() say "%pS" (3.10 kernel/panic.c:
# "WARNING: at %s:%d %pS()"): "WARNING: at .../kdsld.c:1915 0x815300a0
# kdsld_net_xmit+0x480/0x560 [kdsldmod]()". Only a hex word then a symbol+offset is
# read so: the word alone (a kernel without kallsyms) names no function.
_WARN_PC = r"(?:0x[0-9a-f]+ )?"

# kernel/panic.c __warn()'s line naming file, line and the function that warned (the
# "WARNING:" kind's own formats, also those of the messages printed just before one).
_WARN_LINE = (
    _F(
        lazy_rx("WARNING: .* at {{SRC}} " + _WARN_PC + "{{FUNC}}"),
        "WARNING in {3}",
        stack=_warning_stack(),
        names_function=2,
    ),
    _F(
        lazy_rx("WARNING: {{SRC}} at {{FUNC}}"),
        "WARNING in {3}",
        stack=_warning_stack(),
        names_function=2,
    ),
    # its line without a file ("WARNING: CPU: %d PID: %d at %pS"): lib/bug.c finds no
    # file for a kernel built without CONFIG_DEBUG_BUGVERBOSE (some distribution and
    # vendor kernels), and the line names only the function that warned
    _F(
        lazy_rx("WARNING: CPU: [0-9]+ PID: [0-9]+ at {{FUNC}}"),
        "WARNING in {2}",
        stack=_warning_stack(),
        names_function=1,
    ),
    # (and since 6.19, "WARNING: at %pS, CPU#%d: %s/%d")
    _F(
        lazy_rx("WARNING: at {{FUNC}}[^\\n]*, CPU#[0-9]+: "),
        "WARNING in {2}",
        stack=_warning_stack(),
        names_function=1,
    ),
)
# The first entry of a trace print_ip_sym() prints unindented ("[<%px>] %pS"), with no
# header: riscv's after show_regs() (6.x arch/riscv/kernel/stacktrace.c
# print_trace_address(), see RISCV_HEADERLESS_TRACE_RE). dump_backtrace() unwinds it from
# the registers, so it names the function the "epc :" line names: where a quote cut the
# registers to "[...]", the title's.
_BARE_TRACE_ENTRY = rx(r"^\[<[0-9a-f]{8,16}>\] {{FUNC}}")
# lib/bug.c report_bug()'s "kernel BUG at %s:%u!" (the "kernel BUG" kind's, also that of
# a message printed just before one). (riscv's BUG() dies "Kernel BUG [#%d]", 6.12
# arch/riscv/kernel/traps.c die(), then show_regs() and the headerless trace.)
_BUG_AT = _F(
    lazy_rx("kernel BUG at (.*)"),
    "kernel BUG in {2}",
    stack=_s(*_RIP_TRACE, skip=("^skb_",), more=((_BARE_TRACE_ENTRY,), _ARM_REGS_TRACE)),
)


# powerpc's "do_IRQ: stack overflow: %ld" (6.1 arch/powerpc/kernel/irq.c
# check_stack_overflow()) and x86_64's "do_IRQ: %s near stack overflow (cur:%Lx,rsp:%lx)"
# (2.6.16-2.6.24 arch/x86_64/kernel/irq.c stack_overflow_check()) as a pager (less -S)
# cuts them in their words or figures and ends them in its mark (taint.PAGER_MARK)
_IRQ_STACK_OVERFLOW_CUT = (
    r"do_IRQ: stack(?: (?:"
    + _cut_rx("overflow:")
    + r")?(?:(?<=:) -?\d*)?)?"
    + re.escape(PAGER_MARK)
)
_NEAR_STACK_OVERFLOW_CUT = (
    r"do_IRQ: .+ near st(?:" + _cut_rx("ack overflow") + ")?" + re.escape(PAGER_MARK)
)


def _irq_stack_overflow(pattern: str) -> Format:
    """The format of an interrupt entry's stack check whose words ``pattern`` matches:
    titled as the other stack overflows, by the frame that was running (overflow_frame())."""
    return _F(
        lazy_rx(pattern),
        "do_IRQ: stack overflow in {1}",
        alt=("stack-overflow in {1}",),
        stack=_s(*_TRACE, extractor=overflow_frame),
    )


def _died(pattern: str) -> Format:
    """The format of an architecture's die() line whose first group is the trap's own
    words ("illegal operation", "Oops - load access fault"): titled by them and the
    function the register dump's PC names, "{1} in {2}". die() unwinds its trace from
    those registers, so a report quoted without them ("Reserved instruction in kernel
    code[#1]:", "[...]", "Call Trace:" in a mail) is titled from the trace's first
    entry, the same function."""
    return _F(lazy_rx(pattern), "{1} in {2}", stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE))


# What include/linux/rtnetlink.h ASSERT_RTNL() prints, "RTNL: assertion failed at %s (%d)"
# with __FILE__ and __LINE__.
_RTNL_ASSERT = r"RTNL: assertion failed at \S"
# ... as journalctl's pager (less -S) at 50..56 columns cuts it before its file and ends
# it in its mark (taint.PAGER_MARK): "RTNL: assertion fai>" .. "... failed at>".
_RTNL_ASSERT_CUT = r"RTNL: assertion f" + _cut_rx("ailed at") + re.escape(PAGER_MARK)
# OpenZFS spl_panic()'s "PANIC at %s:%d:%s()" (module/os/linux/spl/spl-err.c) as a pager
# (less -S) cuts it anywhere before its "()" and ends it in its mark (taint.PAGER_MARK)
_SPL_PANIC_CUT = r"PANIC at(?: [\w.\-]*(?::\d*(?::\w*\(?)?)?)?" + re.escape(PAGER_MARK)
_GUARD_PAGE_DIES = ("kernel stack overflow (double-fault): ", "stack guard page: ")
# mm/kmemleak.c print_unreferenced()'s first line of a leaked object
_LEAKED_OBJECT = "unreferenced object"
_GUARD_PAGE_DIE = (
    _AFTER_PREFIX
    + r"(?:kernel stack overflow \(double-fault\)|stack guard page): [0-9a-f]{4} \[#\d+\]"
)

# lib/ubsan.c report_ubsan_failure()'s words for clang's UBSAN check numbers (lib/ubsan.h
# enum ubsan_checks, the ABI of clang's SanitizerHandler), the ones the kernel's UBSAN
# options compile in; the other numbers it calls "unrecognized failure code".
_UBSAN_TRAP_CHECKS: dict[int, str] = {
    0x00: "integer addition overflow",
    0x01: "unreachable code",
    0x03: "divide/remainder overflow",
    0x0A: "loading invalid value",
    0x0C: "integer multiplication overflow",
    0x12: "array index out of bounds",
    0x14: "shift out of bounds",
    0x15: "integer subtraction overflow",
    0x16: "type mismatch",
    0x17: "alignment assumption",
}
# x86 before 6.11 ("x86/traps: Enable UBSAN traps on x86"): handle_bug()'s
# is_valid_bugaddr() knew only ud2, so clang's UBSAN trap "ud1l <check>(%eax),%eax" (67 0f
# b9 40 <check>) died as a bare "invalid opcode: 0000 [#1]" (do_error_trap()), no line
# naming the check. show_opcodes()'s Code: line has the instruction at RIP in "<..>":
# its last byte is the check. Only the report's first Code: line (a later one, after
# "RIP: 0033:", is user space's). Titled as 6.11+ kernels title the same trap.
_X86_UBSAN_UD1 = [
    _F(
        lazy_rx("invalid opcode: "),
        f"UBSAN: {words} in {{1}}",
        report=lazy_rx(
            r"invalid opcode: [^\n]*\n(?:(?![^\n]*Code: )[^\n]*\n)*"
            rf"[^\n]*Code: [0-9a-f ]*<67> 0f b9 40 {check:02x}\b"
        ),
        # as the 6.11+ format: a RIP the skips pass over (lib/test_ubsan.c's functions)
        # falls back to the trace
        stack=_s(RIP_FRAME, parts2=_TRACE, skip=("ubsan", "overflow")),
    )
    for check, words in _UBSAN_TRAP_CHECKS.items()
]


# The trace after xfs_error_report()'s line, past the reporting functions
_XFS_ERROR_STACK = _s(
    *_TRACE, skip=("^xfs_error_report$", "^xfs_corruption_error$", "^xfs_stack_trace$")
)
# fs/xfs/xfs_error.c xfs_error_report()'s words up to the file (a wrap may cut the line
# between any two of them).
_XFS_INTERNAL_ERROR = r"[Ii]nternal error \S+\s+at\s+line\s+\d+\s+of\s+file\b"
# ... and the line as journalctl's pager (less -S) cuts it before "of file" (past 96
# columns with a short tag: "Internal error xfs_trans_c>", "... at line 1097 o>"), its
# words "Internal error" whole; the title is the trace's, as for the whole line.
_XFS_INTERNAL_ERROR_CUT = r"[Ii]nternal error(?: [^\n]*)?" + re.escape(PAGER_MARK) + r"[ \t]*\n"

# mm/page_alloc.c bad_page(): the page's allocation stack (page_owner's "page last
# allocated via order ...") names the bug; the trace under dump_stack() is only where
# the bad page was found (a free, an allocation).
_BAD_PAGE_STACK = _s(
    rx("page last allocated"),
    PARSE_STACK,
    skip=(
        "(free|put|get|update|release)_page",
        "free_unref",
        "^_*folio",
        "truncate_inode_pages",
        "page_frag_free",
        "alloc",
        "vmap",
        "page_owner",
    ),
)

OOPSES: tuple[OopsKind, ...] = (
    _k(
        "BUG:",
        [
            # include/asm-generic/bug.h BUG() on an architecture with none of its own (no
            # HAVE_ARCH_BUG: um, which KUnit's runner boots by default; ARC's
            # arch/arc/include/asm/bug.h writes the same line with pr_warn()): "BUG:
            # failure at %s:%d/%s()!" of __FILE__, __LINE__ and __func__, then
            # panic("BUG!"). It is those kernels' "kernel BUG at", and names the function.
            _F(
                lazy_rx(r"BUG: failure at \S+:\d+/([A-Za-z_][\w.]*)\(\)!"),
                "kernel BUG in {1}",
            ),
            # 2.6.3x arch/x86/kernel/apic/nmi.c nmi_watchdog_tick() (RHEL 6): die_nmi("BUG: NMI
            # Watchdog detected LOCKUP", ...) prints " on CPU%d, ip %08lx, registers:" after
            # it, then show_registers() of the locked CPU: a hard lockup where RIP points.
            _F(
                lazy_rx("BUG: NMI Watchdog detected LOCKUP"),
                "BUG: hard lockup in {1}",
                stack=_s(*_RIP_TRACE),
                looping=True,
            ),
            # Before 4.6, arch/x86/kernel/head_32.S early_fault: an exception in early boot
            # printk()s fault_msg, "BUG: Int %d: CR2 %p", the pusha registers and "err %p
            # EIP %p CS %p flg %p", the raw stack, then calls dump_stack(). EIP is an
            # address only, but dump_stack()'s trace scans the stack that holds the
            # exception frame: its "?" entry at the EIP's address names the faulting
            # function. Without that entry the fault's own line stays the title.
            _F(
                lazy_rx(r"BUG: Int \d+: CR2 "),
                "BUG: Int {1} in {3}",
                report=lazy_rx(
                    r"BUG: Int (\d+): CR2 [0-9a-f]+\n[\s\S]{0,400}? EIP ([0-9a-f]{8}) "
                    r"[\s\S]*?\[<\2>\] (?:\? )?{{FUNC}}"
                ),
                names_function=3,
                reads_guesses=True,
            ),
            _F(
                lazy_rx(r"BUG: Int \d+: CR2 "),
                "{1}",
                report=lazy_rx(r"(BUG: Int \d+: CR2 [0-9a-f]+)"),
                no_stack_trace=True,
            ),
            # WARN_ON() up to 2.6.19 (include/asm-generic/bug.h; RHEL 5): "BUG: warning at
            # %s:%d/%s()" then dump_stack(), the later "WARNING: at %s:%d %s()": titled by
            # the function the line names, as that one is.
            _F(
                lazy_rx(r"BUG: warning at {{SRC}}/([a-zA-Z0-9_.]+)\(\)"),
                "WARNING in {2}",
                no_stack_trace=True,
            ),
            _F(
                lazy_rx("BUG: KASAN:"),
                "KASAN: {1} {3} in {4}",
                report=lazy_rx(
                    r"BUG: KASAN: ([a-z\-]+) in {{FUNC}}(?:.*\n)+?.*(Read|Write) (?:of size|at addr) (?:[0-9a-f]+)"
                ),
                alt=("bad-access in {4}",),
                stack=_s(
                    rx(r"BUG: KASAN: (?:[a-z\-]+) in {{FUNC}}"),
                    CALL_TRACE,
                    PARSE_STACK,
                    skip=("kernel_fault", "tag_check", "mem_abort", "^el1_", "^el1h_"),
                ),
            ),
            _F(
                lazy_rx("BUG: KASAN:"),
                "KASAN: invalid-free in {2}",
                report=lazy_rx(_KASAN_FREE),
                alt=("invalid-free in {2}",),
                stack=_s(
                    rx(_KASAN_FREE),
                    CALL_TRACE,
                    PARSE_STACK,
                    skip=("slab_", "kfree", "vunmap", "vfree"),
                ),
            ),
            _F(
                lazy_rx(
                    rf"{_KASAN_HEADER} ([a-z\-]+) on address(?:.*\n)+?.*(Read|Write) of size ([0-9]+)"
                ),
                "KASAN: {1} {2}",
            ),
            # mm/kasan/report.c kasan_report_async() (5.12+; CONFIG_KASAN_HW_TAGS with
            # kasan.mode=async or asymm: an arm64 MTE tag check fault that TFSR_EL1 only
            # records, found at the next kernel entry, exit or context switch by
            # mte_check_tfsr_el1()): "BUG: KASAN: invalid-access", then "Asynchronous mode
            # enabled: no access details available" (5.12-5.18) or "Asynchronous fault: no
            # details available" (5.19+), an empty line and dump_stack_lvl(). The kernel
            # knows no function, access or size: the header is whole, not a line a console
            # cut (the format below), and its trace is where the fault was noticed, not
            # where it was made, so the title names no function.
            _F(
                lazy_rx("BUG: KASAN: invalid-access"),
                "KASAN: invalid-access",
                report=lazy_rx(
                    r"BUG: KASAN: invalid-access[ \t]*\n[^\n]*?Asynchronous "
                    r"(?:mode enabled: no access details|fault: no details) available"
                ),
            ),
            _F(lazy_rx(rf"{_KASAN_HEADER} (.*)"), "KASAN: {1}", corrupted=True),
            _F(
                lazy_rx("BUG: KMSAN: kernel-usb-infoleak"),
                "KMSAN: kernel-usb-infoleak in {2}",
                report=lazy_rx("BUG: KMSAN: kernel-usb-infoleak in {{FUNC}}"),
                alt=("KMSAN origin in {3}",),
                stack=_s(
                    PARSE_STACK,
                    rx("(Local variable .* created at:|Uninit was created at:)"),
                    PARSE_STACK,
                    skip=(
                        "alloc_skb",
                        "usb_submit_urb",
                        "usb_start_wait_urb",
                        "usb_bulk_msg",
                        "usb_interrupt_msg",
                        "usb_control_msg",
                    ),
                ),
                no_stack_trace=True,
            ),
            # google/kmsan's tree before the merge (2017-2021; mm/kmsan/kmsan_report.c
            # kmsan_report()): the header, then dump_stack() (the task's "CPU: N PID: N
            # Comm:" line, "Call Trace:" and the access's entries), then
            # kmsan_print_origin(). 6.1+ prints the access's entries right under the
            # header and the task line last (the format after this one).
            _F(
                lazy_rx("BUG: KMSAN:"),
                "KMSAN: {1} in {3}",
                report=lazy_rx(
                    r"BUG: KMSAN: ([a-z\-]+) in {{FUNC}}.*\n(?:.*\n){0,2}?"
                    r".*CPU: \d+ PID: \d+ Comm: .*\n(?:.*\n){0,3}?.*Call Trace:"
                ),
                alt=("bad-access in {3}",),
                stack=_s(CALL_TRACE, PARSE_STACK, skip=_KMSAN_SKIP),
                no_stack_trace=True,
            ),
            _F(
                lazy_rx("BUG: KMSAN:"),
                "KMSAN: {1} in {3}",
                report=lazy_rx(r"BUG: KMSAN: ([a-z\-]+) in {{FUNC}}"),
                alt=("bad-access in {3}",),
                stack=_s(
                    PARSE_STACK,
                    rx("(Local variable .* created at:|Uninit was created at:)"),
                    PARSE_STACK,
                    skip=_KMSAN_SKIP,
                ),
                no_stack_trace=True,
            ),
            _F(
                lazy_rx("BUG: KCSAN: data-race"),
                "KCSAN: {1}",
                report=lazy_rx("BUG: KCSAN: (.*)"),
                no_stack_trace=True,
            ),
            _F(
                lazy_rx("BUG: KCSAN:"),
                "KCSAN: {1}",
                report=lazy_rx("BUG: KCSAN: (.*)"),
                no_stack_trace=True,
            ),
            _F(
                lazy_rx("BUG: KFENCE: (use-after-free|out-of-bounds) (read|write) in {{FUNC}}"),
                "KFENCE: {1} {2} in {4}",
                alt=("bad-access in {4}",),
                stack=_s(rx(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}"), PARSE_STACK),
            ),
            # The header as journalctl's pager (less -S) cuts it in its function's name
            # and ends it in its mark (taint.PAGER_MARK): "BUG: KFENCE: use-after-free
            # read in hotfence_cras>". mm/kfence/report.c kfence_report_error() (6.1)
            # names the function of the access trace's first entry ("%pS" of
            # stack_entries[skipnr]) and prints that trace from it after the access's
            # line ("Use-after-free read at 0x%p (in kfence-#%td):", "Out-of-bounds
            # ... (%luB %s of kfence-#%td):", "Invalid read at 0x%p:", which the pager
            # may cut too): the title is that entry's function.
            _F(
                lazy_rx(
                    r"BUG: KFENCE: (use-after-free|out-of-bounds|invalid) (read|write) in "
                    r"[\w.]*>[ \t]*(?:\n|$)"
                ),
                "KFENCE: {1} {2} in {3}",
                alt=("bad-access in {3}",),
                stack=_s(
                    rx(r"^(?:Use-after-free|Out-of-bounds|Invalid) (?:read|write) at 0x"),
                    PARSE_STACK,
                ),
            ),
            # ... and cut before its function (56..66 columns: "BUG: KFENCE: use-after-fr>",
            # "... use-after-free read i>"): the access's line after the header's blank
            # one ("Use-after-free read at 0x%p (in kfence-#%td):", kfence_report_error()
            # 6.1, its words whole at 56 columns) names the kind the cut header began.
            # (At 50..52 columns the pager cuts that line too, before or in its "at":
            # "Use-after-free read>", "... read a>": its words whole, still that line.)
            *(
                _F(
                    lazy_rx(
                        "BUG: KFENCE: (?:"
                        + _cut_rx(f"{kind} {access} in")
                        + ")?"
                        + re.escape(PAGER_MARK)
                        + rf"[ \t]*\n(?:[ \t]*\n)?{line} {access}{_KFENCE_AT}"
                    ),
                    f"KFENCE: {kind} {access} in {{1}}",
                    alt=("bad-access in {1}",),
                    stack=_s(rx(rf"^{line} {access}{_KFENCE_AT}"), PARSE_STACK),
                )
                for line, kind in (
                    ("Use-after-free", "use-after-free"),
                    ("Out-of-bounds", "out-of-bounds"),
                    ("Invalid", "invalid"),
                )
                for access in ("read", "write")
            ),
            _F(
                lazy_rx("BUG: KFENCE: invalid free in {{FUNC}}"),
                "KFENCE: invalid free in {2}",
                alt=("invalid-free in {2}",),
                no_stack_trace=True,
                stack=_s(rx(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}"), PARSE_STACK),
            ),
            _F(
                lazy_rx("BUG: KFENCE: invalid (read|write) in {{FUNC}}"),
                "KFENCE: invalid {1} in {3}",
                alt=("bad-access in {3}",),
                stack=_s(rx(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}"), PARSE_STACK),
            ),
            _F(
                lazy_rx("BUG: KFENCE: memory corruption in {{FUNC}}"),
                "KFENCE: memory corruption in {2}",
                no_stack_trace=True,
                stack=_s(rx(r"BUG: KFENCE: (?:[a-z\- ]+) in {{FUNC}}"), PARSE_STACK),
            ),
            # powerpc __bad_page_fault() (arch/powerpc/mm/fault.c, 5.0+) words a fault on an
            # instruction fetch (an instruction storage interrupt) "BUG: Unable to handle
            # kernel instruction fetch", with " (NULL pointer?)" for a NIP in the first
            # page: a whole line, titled as x86's #PF on a fetch is, by the address.
            _F(
                lazy_rx(
                    "BUG: (?:unable to handle kernel paging request|unable to handle page fault for address"
                    r"|Unable to handle kernel data access|Unable to handle kernel instruction fetch(?! \(NULL))"
                ),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, more=_LINK_FALLBACK),
            ),
            _F(
                lazy_rx(
                    "BUG: (?:unable to handle kernel NULL pointer dereference|kernel NULL pointer dereference"
                    r"|Kernel NULL pointer dereference|Unable to handle kernel instruction fetch \(NULL pointer\?\))"
                ),
                "BUG: unable to handle kernel NULL pointer dereference in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, more=_LINK_FALLBACK),
            ),
            # x86 show_fault_oops() before 4.20 (arch/x86/mm/fault.c: "BUG: unable to handle
            # kernel ", then "NULL pointer dereference" or "paging request", " at %p") as
            # journalctl's pager (less -S) cuts it at the terminal's width and ends it in
            # its mark (taint.PAGER_MARK): "BUG: unable to handle kernel NULL pointer
            # derefer>". The kind's first word tells it; the RIP and trace title it.
            _F(
                lazy_rx(
                    r"BUG: unable to handle kernel NULL[ \w]*"
                    + re.escape(PAGER_MARK)
                    + r"[ \t]*(?:\n|$)"
                ),
                "BUG: unable to handle kernel NULL pointer dereference in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE),
            ),
            _F(
                lazy_rx(
                    r"BUG: unable to handle kernel paging[ \w]*"
                    + re.escape(PAGER_MARK)
                    + r"[ \t]*(?:\n|$)"
                ),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE),
            ),
            # x86 page_fault_oops() (arch/x86/mm/fault.c, 4.20+) "BUG: kernel NULL pointer
            # dereference, address: %px" and powerpc __bad_page_fault() (5.0+) "BUG: Kernel
            # NULL pointer dereference on read at 0x%08lx", cut by the pager past "NULL"
            # ("BUG: kernel NULL pointer dere>"), or in it ("BUG: kernel N>", a cut with no
            # mark at 44 columns after journalctl's prefix): only a NULL dereference starts
            # so, no other "BUG: kernel N" line the kernel prints.
            _F(
                lazy_rx(
                    r"BUG: [Kk]ernel N(?:U(?:L(?:L[ \w]*)?)?)?"
                    + re.escape(PAGER_MARK)
                    + r"[ \t]*(?:\n|$)"
                ),
                "BUG: unable to handle kernel NULL pointer dereference in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE),
            ),
            # The same header a pager cut before its kind's first word ("BUG: unable to
            # handle kernel >", "BUG: unable to handle ker>", or in "to handle" itself:
            # "BUG: unable to ha>"): the kind is lost, but __show_regs() prints the
            # faulting address as CR2 a few lines on (2.6.32 process_32.c "CR2: %08lx",
            # 3.10 process_64.c "CR2: %016lx CR3: ..."), and show_fault_oops() chose "NULL
            # pointer dereference" for one below PAGE_SIZE, as the "Oops:" kind below
            # names a report that lost the header. The same cut may take the CR2 row's
            # last digits (_CR2_NULL, _CR2_FAR).
            _F(
                lazy_rx(_X86_FAULT_CUT_THEN + _CR2_NULL),
                "BUG: unable to handle kernel NULL pointer dereference in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE),
            ),
            _F(
                lazy_rx(_X86_FAULT_CUT_THEN + _CR2_FAR),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE),
            ),
            _F(
                lazy_rx(_X86_FAULT_CUT_THEN + _CR2_CUT),
                "BUG: unable to handle kernel",
                corrupted=True,
            ),
            # The second half of this header is a separate printk and often lost.
            _F(
                lazy_rx("BUG: (?:unable to handle kernel|Unable to handle kernel)"),
                "BUG: unable to handle kernel",
                corrupted=True,
            ),
            _F(
                lazy_rx(
                    "BUG: (spinlock|rwlock) (lockup suspected|already unlocked|recursion|cpu recursion|bad magic"
                    "|wrong owner|wrong CPU|trylock failure on UP)"
                ),
                "BUG: {1} {2} in {3}",
                stack=_s(*_TRACE, skip=("spin_", "_lock", "_unlock")),
            ),
            # lib/spinlock_debug.c __spin_lock_debug() before 3.x: "BUG: spinlock lockup on
            # CPU#%d, %s/%d, %p", what spin_dump() later prints as "lockup suspected".
            _F(
                lazy_rx("BUG: (spinlock) lockup on CPU#"),
                "BUG: {1} lockup suspected in {2}",
                stack=_s(*_TRACE, skip=("spin_", "_lock", "_unlock")),
            ),
            # 2.6.16-2.6.2x kernel/softlockup.c softlockup_tick(): printk("BUG: soft lockup
            # detected on CPU#%d!\n", this_cpu) then dump_stack(), no registers (2.6.12-
            # 2.6.15 called show_regs()). x86_64's dump_stack() (arch/x86_64/kernel/
            # traps.c show_trace()) prints the timer interrupt's entries first, "Call Trace:
            # <IRQ> <ffffffff802b2fb5>{softlockup_tick+219}" ... "{apic_timer_interrupt+135}
            # <EOI>", then every text address on the task's stack: the first of them that
            # names code stands for a later lockup's PC, past the scheduler (a CPU caught
            # in schedule()) and past entries at a function's first byte ("{f+0}": a
            # pointer on the stack, no return address), and the dump is titled as a PC
            # there would title it, as i386's is (interrupted_frame, soft_lockup_frame).
            # (i386's headerless dump is read by the format below: titles.
            # _i386_dump_stack_at.)
            _F(
                lazy_rx(r"BUG: soft lockup detected on CPU#\d+!"),
                "BUG: soft lockup in {1}",
                alt=("stall in {1}",),
                report=lazy_rx(r"BUG: soft lockup detected on CPU#\d+!\s*\n\s*Call Trace:\s*<IRQ>"),
                stack=_s(_OLD_IRQ_EXIT, _OLD_INTERRUPTED, PARSE_STACK, extractor=interrupted_frame),
                # (that entry is the lockup's looping function: i386_interrupted)
                looping=True,
            ),
            # The same dump on powerpc (arch/powerpc/kernel/process.c show_stack(), 2.6.18:
            # "[%016lX] [%016lX] %s" of each frame's stack pointer and return address)
            # walks the timer interrupt's frames up to the decrementer's exception frame,
            # where it prints "--- Exception: %lx at %s" of the trap (0x900, the low bit
            # set on 64-bit while the non-volatile registers are not saved) and of the
            # NIP the interrupt came in at, the code the CPU was caught looping in, then
            # "    LR = %s" and the interrupted task's frames, titled from that NIP on as
            # i386's dump is (interrupted_frame). Later kernels print "--- interrupt: %lx
            # at %pS".
            _F(
                lazy_rx(r"BUG: soft lockup detected on CPU#\d+!"),
                "BUG: soft lockup in {1}",
                alt=("stall in {1}",),
                report=lazy_rx(
                    r"BUG: soft lockup detected on CPU#\d+!\s*\n\s*Call Trace:\s*\n"
                    r"(?:.*\n){1,12}?\s*--- (?:Exception|interrupt): 90[01] at "
                ),
                stack=_s(_PPC_TIMER_EXCEPTION_AT, PARSE_STACK, extractor=interrupted_frame),
                # (that NIP is the lockup's looping function: i386_interrupted)
                looping=True,
            ),
            _F(
                lazy_rx("BUG: soft lockup"),
                "BUG: soft lockup in {1}",
                alt=("stall in {1}",),
                # riscv's show_regs() prints the trace with no "Call Trace:" header,
                # straight after its "status: ... cause:" register line
                stack=_s(
                    *_RIP_TRACE,
                    parts2=(RIP_FRAME, RISCV_STACK_START, PARSE_STACK),
                    extractor=soft_lockup_frame,
                    # (a quote that cut riscv's "epc :" lines: the trace after "status:",
                    # which starts at that pc, fields.riscv_trace_rip; arm64's "pc :"
                    # line: the "Call trace:" after __show_regs()'s "pstate:" line,
                    # fields.arm64_trace_rip)
                    more=(
                        (RISCV_STACK_START, PARSE_STACK),
                        (_ARM64_PSTATE, CALL_TRACE, PARSE_STACK),
                        _ARM_REGS_TRACE,  # (32-bit ARM's "PC is at": _ARM_FLAGS)
                        # (riscv's registers, "status:" line and all, cut to "[...]")
                        (RISCV_CUT_TRACE, PARSE_STACK),
                    ),
                ),
                looping=True,
            ),
            _F(
                lazy_rx("BUG: .*still has locks held!"),
                "BUG: still has locks held in {1}",
                report=lazy_rx("BUG: .*still has locks held!(?:.*\\n)+?.*{{PCD}}{{FUNC}}"),
            ),
            _F(
                lazy_rx("BUG: scheduling while atomic"),
                "BUG: scheduling while atomic in {1}",
                stack=_s(*_TRACE, skip=("schedule",)),
            ),
            _F(
                lazy_rx("BUG: lock held when returning to user space"),
                "BUG: lock held when returning to user space in {1}",
                report=lazy_rx(
                    "BUG: lock held when returning to user space(?:.*\\n)+?.*leaving the kernel with locks still held"
                    + _LOCKDEP_AT
                ),
                no_stack_trace=True,
            ),
            _F(
                lazy_rx("BUG: bad unlock balance detected!"),
                "BUG: bad unlock balance in {1}",
                stack=_s(rx("{{PCD}}{{FUNC}}"), *_TRACE),
            ),
            _F(
                lazy_rx("BUG: held lock freed!"),
                "BUG: held lock freed in {1}",
                report=lazy_rx("BUG: held lock freed!(?:.*\\n)+?.*{{PCD}}{{FUNC}}"),
            ),
            # lockdep's print_lock_nested_lock_not_held() before 4.15: "[ BUG: Nested lock
            # was not taken ]", the lock, then dump_stack() (its "WARNING:" wording since)
            _F(
                lazy_rx("BUG: Nested lock was not taken"),
                "BUG: nested lock was not taken in {1}",
                stack=_s(*_TRACE),
            ),
            # kernel/fork.c check_mm(), freeing an exited task's mm, prints one pr_alert()
            # line per counter found wrong and no trace: "BUG: Bad rss-counter state
            # mm:%p idx:%d val:%ld" (3.x-4.x), "mm:%p type:%s val:%ld" since, " Comm:%s
            # Pid:%d" after it lately; 4.x's "BUG: non-zero nr_ptes on freeing mm: %ld"
            # and "nr_pmds". Each is its line alone: what follows is other messages.
            _F(
                lazy_rx("BUG: Bad rss-counter state"),
                "BUG: Bad rss-counter state",
                no_stack_trace=True,
                one_record=True,
            ),
            _F(
                lazy_rx("BUG: non-zero nr_ptes on freeing mm"),
                "BUG: non-zero nr_ptes on freeing mm",
                no_stack_trace=True,
                one_record=True,
            ),
            _F(
                lazy_rx("BUG: non-zero nr_pmds on freeing mm"),
                "BUG: non-zero nr_pmds on freeing mm",
                no_stack_trace=True,
                one_record=True,
            ),
            # 4.16 counted page tables in bytes, one line for what nr_ptes and nr_pmds
            # said: "BUG: non-zero pgtables_bytes on freeing mm: %ld"
            _F(
                lazy_rx("BUG: non-zero pgtables_bytes on freeing mm"),
                "BUG: non-zero pgtables_bytes on freeing mm",
                no_stack_trace=True,
                one_record=True,
            ),
            # The fs type and block device in this message only split one bug into many.
            _F(
                lazy_rx("BUG: Dentry .* still in use"),
                "BUG: Dentry still in use in {1}",
                report=lazy_rx(r"BUG: Dentry .* still in use \([0-9]+\) \[(unmount) of ([^\]]+)\]"),
                alt=("BUG: Dentry still in use [{1} of {2}]",),
            ),
            _F(
                lazy_rx("BUG: Bad page (state|cache)"),
                "BUG: Bad page {1} in {2}",
                stack=_BAD_PAGE_STACK,
            ),
            _F(lazy_rx("BUG: Bad page map"), "BUG: Bad page map"),
            _F(
                lazy_rx("BUG: workqueue lockup"),
                "BUG: workqueue lockup",
                no_stack_trace=True,
                own_rows=_WQ_LOCKUP_ROWS,
                rows_until=_WQ_HOG_BACKTRACES,
                rows_after=_WQ_HOG_ROWS,
            ),
            _F(
                lazy_rx("BUG: sleeping function called from invalid context at (.*)"),
                "BUG: sleeping function called from invalid context in {2}",
                stack=_s(*_TRACE),
            ),
            _F(
                lazy_rx(r"BUG: using ([a-z_]+)\(\) in preemptible"),
                "BUG: using {1}() in preemptible code in {2}",
                stack=_s(
                    *_TRACE,
                    skip=(
                        "dump_stack",
                        "preemption",
                        "preempt",
                        "debug_",
                        "processor_id",
                        "this_cpu",
                    ),
                ),
            ),
            _F(
                lazy_rx("BUG: workqueue leaked lock or atomic"),
                "BUG: workqueue leaked lock or atomic in {1}",
                report=lazy_rx(
                    "BUG: workqueue leaked lock or atomic(?:.*\\n)+?.*last function: ([a-zA-Z0-9_]+)\\n"
                ),
                no_stack_trace=True,
            ),
            _F(lazy_rx("BUG: memory leak"), "memory leak in {1}", stack=_LEAK_STACK),
            _F(
                lazy_rx("BUG: .*stack guard page was hit at"),
                "BUG: stack guard page was hit in {1}",
                alt=("stack-overflow in {1}",),
                stack=_s(*_RIP_TRACE, extractor=stall_frame),
            ),
            # arm reports this differently from x86; use the x86 title so they merge.
            _F(
                lazy_rx("BUG: Invalid wait context"),
                "WARNING: locking bug in {1}",
                stack=_s(*_TRACE, skip=("lock_sock", "release_sock")),
            ),
            _F(lazy_rx(r"BUG:\s*(?:\n|$)"), "BUG: corrupted", corrupted=True),
        ],
        (
            "ODEBUG:",
            "Boot_DEBUG:",
            "xlog_status:",
            # the ratelimit's note before the next report it lets through (mm/memory.c
            # print_bad_pte(), mm/page_alloc.c bad_page()): no report of its own. Its
            # count is enough to know it ("BUG: Bad page map: %lu messages suppressed";
            # the reports say "in process"): a mail client's wrap may leave no more.
            r"BUG: Bad page (?:map|state): \d+\b",
            # arm64 die()'s panic after a BUG() ("Oops - BUG: Fatal exception"): a panic
            r"Kernel panic - not syncing: [\w -]*BUG: Fatal exception",
            # arm and arm64 die() of a BUG(): the "Internal error:" kind's
            "Internal error: Oops - BUG: ",
            # sh die() of a BUG(): the "Kernel BUG" kind's
            r"Kernel BUG: [0-9a-f]{4} \[#\d+\]",
            "DEBUG:",
            "BUG: no syscalls can create resource",
        ),
        # x86 handle_stack_overflow()'s die() line right after its "BUG: ... stack guard
        # page was hit at" (see the "[#" kind of that die line alone below), and the
        # kmemleak object that syzkaller prints right under its "BUG: memory leak" line
        # (any other object is a leak of its own: see the "unreferenced object" kind)
        absorbs=(*_GUARD_PAGE_DIES, _LEAKED_OBJECT),
        absorb_lines=1,
    ),
    _k(
        "WARNING:",
        [
            # kernel/watchdog.c (3.x-4.x; watchdog_hld.c 4.13-4.x) watchdog_overflow_callback():
            # without hardlockup_panic the perf NMI watchdog reports a hard lockup through
            # WARN(1, "Watchdog detected hard LOCKUP on cpu %d") on the locked CPU itself.
            # Its trace is the NMI's, then (after "<<EOE>>" / "</NMI>") where the CPU was
            # stuck, as in the panicking form of the "Kernel panic" kind.
            _F(
                lazy_rx(
                    r"WARNING: .* at \S*kernel/watchdog(?:_hld)?\.c:\d+ watchdog_overflow_callback"
                ),
                "BUG: hard lockup in {1}",
                stack=_s(*_AFTER_NMI),
            ),
            # Clang CFI before kCFI (5.7-6.0, Android's GKI kernels): kernel/cfi.c
            # handle_cfi_failure() WARNs "CFI failure (target: %pS):" from the handler
            # (__cfi_check_fail, __ubsan_handle_cfi_check_fail): the check machinery,
            # titled by the function whose indirect call failed (as kCFI's "CFI failure
            # at f" names it), not by the handler.
            _F(
                lazy_rx(r"WARNING: .* at \S*kernel/cfi\.c:\d+ \S*cfi_check_fail"),
                "CFI failure in {1}",
                stack=_warning_stack("cfi"),
            ),
            _F(
                lazy_rx(r"WARNING: .*lib/debugobjects\.c.* (?:debug_print|debug_check|at)"),
                "WARNING: ODEBUG bug in {1}",
                stack=_warning_stack(
                    "debug_",
                    "rcu",
                    "hrtimer_",
                    "timer_",
                    "work_",
                    "percpu_",
                    "vunmap",
                    "vfree",
                    "__free_",
                    "debug_check",
                    "kobject_",
                ),
            ),
            _F(
                lazy_rx(r"WARNING: .*mm/usercopy\.c.* (?:usercopy_warn|at)"),
                "WARNING: bad usercopy in {1}",
                stack=_warning_stack("usercopy", "__check"),
            ),
            _F(
                lazy_rx(r"WARNING: .*lib/kobject\.c.* (?:kobject_|at)"),
                "WARNING: kobject bug in {1}",
                stack=_warning_stack("kobject_"),
            ),
            _F(
                lazy_rx(r"WARNING: .*fs/proc/generic\.c.* (?:proc_register|at)"),
                "WARNING: proc registration bug in {1}",
                stack=_warning_stack("proc_"),
            ),
            _F(
                lazy_rx(r"WARNING: .*lib/refcount\.c.* (?:refcount_|at)"),
                "WARNING: refcount bug in {1}",
                stack=_warning_stack("refcount", "kobject_"),
            ),
            _F(
                lazy_rx(r"WARNING: .*kernel/locking/lockdep\.c.*lock_"),
                "WARNING: locking bug in {1}",
                stack=_warning_stack("lock_sock", "release_sock"),
            ),
            _F(
                lazy_rx("WARNING: .*still has locks held!"),
                "WARNING: still has locks held in {1}",
                report=lazy_rx("WARNING: .*still has locks held!(?:.*\\n)+?.*at: {{FUNC}}"),
            ),
            _F(
                lazy_rx("WARNING: Nested lock was not taken"),
                "WARNING: nested lock was not taken in {1}",
                stack=_warning_stack(),
            ),
            _F(
                lazy_rx("WARNING: lock held when returning to user space"),
                "WARNING: lock held when returning to user space in {1}",
                report=lazy_rx(
                    "WARNING: lock held when returning to user space(?:.*\\n)+?.*leaving the kernel with locks "
                    "still held" + _LOCKDEP_AT
                ),
                no_stack_trace=True,
            ),
            _F(
                lazy_rx(r"WARNING: .*mm/.*\.c.* k?.?malloc"),
                "WARNING: kmalloc bug in {1}",
                stack=_warning_stack("kmalloc", "krealloc", "slab", "kmem"),
            ),
            _F(
                lazy_rx(r"WARNING: .*mm/vmalloc.c.*__vmalloc_node"),
                "WARNING: zero-size vmalloc in {1}",
                stack=_warning_stack(),
            ),
            _F(
                lazy_rx("WARNING: .* usb_submit_urb"),
                "WARNING in {1}/usb_submit_urb",
                stack=_warning_stack(
                    "usb_submit_urb",
                    "usb_start_wait_urb",
                    "usb_bulk_msg",
                    "usb_interrupt_msg",
                    "usb_control_msg",
                ),
            ),
            # Kernels from late 2025: "WARNING: file.c:12 at 0x1234, CPU#0: comm/pid".
            # (6.19 kernel/panic.c __warn(): "WARNING: %s:%d at %pS, CPU#%d: %s/%d", its
            # "%pS" a bare hex address without CONFIG_KALLSYMS: lib/vsprintf.c
            # symbol_string()'s special_hex_number(), "0xc00f6840"; without a file,
            # CONFIG_DEBUG_BUGVERBOSE off, "WARNING: at %pS, CPU#%d: %s/%d".) The line
            # names no function: the stack does.
            _F(
                lazy_rx(r"WARNING: {{SRC}} at 0x[0-9a-f]+, CPU#\d+"),
                "WARNING in {2}",
                stack=_warning_stack(),
            ),
            _F(
                lazy_rx(r"WARNING: at 0x[0-9a-f]+, CPU#\d+"),
                "WARNING in {1}",
                stack=_warning_stack(),
            ),
            *_WARN_LINE,
            # A kernel built without CONFIG_KALLSYMS (OpenWrt's small targets) has
            # __warn()'s "%pS" print the bare address (lib/vsprintf.c symbol_string():
            # special_hex_number()), an address in a module with OpenWrt's own
            # "[mac80211@f00cb28e+0x81220]" after it: "WARNING: CPU: 2 PID: 5284 at
            # .../mesh_hwmp.c:348 0x8286c5e4 [mac80211@f00cb28e+0x81220]" (3.10's
            # warn_slowpath_common() "WARNING: at %s:%d %pS()"). The line names no
            # function: as for "WARNING: at %s:%d" alone, the stack does, else the
            # report is corrupted ("WARNING in corrupted"), not titled by its raw line.
            _F(
                lazy_rx(
                    r"WARNING: (?:CPU: [0-9]+ PID: [0-9]+ )?at {{SRC}} 0x[0-9a-f]+"
                    r"(?: \[[\w.\-]+@[0-9a-f]+\+0x[0-9a-f]+\])?(?:\(\))?[ \t]*(?:\n|$)"
                ),
                "WARNING in {2}",
                stack=_warning_stack(),
            ),
            # __warn()'s line cut by a pager before the function it names: journalctl's
            # less -S ends it in the mark taint.PAGER_MARK stands for ("WARNING: CPU: 0
            # PID: 117 at drivers/gpu/drm/>"). Titled as the whole line is: "WARNING in
            # {3}" takes its function from the stack too (the RIP, else the trace).
            _F(
                lazy_rx(r"WARNING: CPU: \d+ PID: \d+ .*>[ \t]*(?:\n|$)"),
                "WARNING in {1}",
                stack=_warning_stack(),
            ),
            # Before 3.x (warn_slowpath_common): "WARNING: at net/core/dev.c:1915 f+0x1/0x2()
            # (Not tainted)". The line names the function that warned; the stack entries
            # of those kernels are all "?", so the title cannot come from them.
            _F(
                lazy_rx("WARNING: at {{SRC}} " + _WARN_PC + "{{FUNC}}"),
                "WARNING in {2}",
                no_stack_trace=True,
            ),
            # 2.6.19-2.6.25's WARN_ON() (include/asm-generic/bug.h, before 2.6.26's
            # warn_on_slowpath() named the caller with sprint_symbol()) printed the
            # compiler's __FUNCTION__, a bare name, then dump_stack(): "WARNING: at
            # net/mac80211/rx.c:1878 __ieee80211_rx()". The line names the function.
            _F(
                lazy_rx(r"WARNING: at {{SRC}} ([a-zA-Z0-9_]+)\(\)"),
                "WARNING in {2}",
                no_stack_trace=True,
            ),
            # The architectures that trap on WARN (powerpc, s390), 2.6.26-4.5: lib/bug.c
            # report_bug() "WARNING: at %s:%u" names no function, then print_modules()
            # and show_regs(): the function that warned is where NIP / the PSW points.
            _F(
                lazy_rx(r"WARNING: at {{SRC}}[ \t]*(?:\n|$)"),
                "WARNING in {2}",
                stack=_warning_stack(),
            ),
            # Either line cut in its file ("WARNING: at net/cor>": a log cut at 44..56
            # columns with no mark after a syslog prefix, stamps.mark_cut_rows reading it
            # as less -S's): a warning still, its function what the stack tells, if any
            _F(
                lazy_rx(r"WARNING: at [\w./-]*" + re.escape(PAGER_MARK) + r"[ \t]*(?:\n|$)"),
                "WARNING in {1}",
                stack=_warning_stack(),
            ),
            # (its "WARNING: at %p [verbose debug info unavailable]" without
            # CONFIG_DEBUG_BUGVERBOSE: no file either, the same function)
            _F(
                lazy_rx(r"WARNING: at [0-9a-f]+ \[verbose debug info unavailable\]"),
                "WARNING in {1}",
                stack=_warning_stack(),
            ),
            _F(
                lazy_rx(r"WARNING: \[.*\] {{SRC}} at {{FUNC}}.*"),
                "WARNING in {3}",
                stack=_warning_stack(),
                names_function=2,
            ),
            _F(
                lazy_rx("WARNING: possible circular locking dependency detected"),
                "possible deadlock in {1}",
                report=lazy_rx(
                    "WARNING: possible circular locking dependency detected(?:.*\\n)+?.*is trying to acquire lock"
                ),
                stack=_s(
                    rx("at: (?:{{PC}} +)?{{FUNC}}"),
                    rx("at: (?:{{PC}} +)?{{FUNC}}"),
                    PARSE_STACK,
                    skip=(
                        "process_one_work",
                        "flush_workqueue",
                        "drain_workqueue",
                        "destroy_workqueue",
                    ),
                ),
            ),
            _F(
                lazy_rx("WARNING: possible irq lock inversion dependency detected"),
                "possible deadlock in {1}",
                report=lazy_rx(
                    "WARNING: possible irq lock inversion dependency detected(?:.*\\n)+?.*just changed the state "
                    "of lock" + _LOCKDEP_AT
                ),
            ),
            _F(
                lazy_rx("WARNING: .*-safe -> .*-unsafe lock order detected"),
                "possible deadlock in {1}",
                stack=_s(rx("which became (?:.*) at:"), PARSE_STACK),
            ),
            _F(
                lazy_rx("WARNING: possible recursive locking detected"),
                "possible deadlock in {1}",
                report=lazy_rx(
                    "WARNING: possible recursive locking detected(?:.*\\n)+?.*is trying to acquire lock"
                    + _LOCKDEP_AT
                ),
            ),
            _F(
                lazy_rx("WARNING: inconsistent lock state"),
                "inconsistent lock state in {2}",
                report=lazy_rx("WARNING: inconsistent lock state(?:.*\\n)+?.*takes" + _LOCKDEP_AT),
                stack=_s(*_TRACE),
            ),
            _F(
                lazy_rx("WARNING: suspicious RCU usage"),
                "WARNING: suspicious RCU usage in {2}",
                report=lazy_rx("WARNING: suspicious RCU usage(?:.*\n)+?.*?{{SRC}}"),
                stack=_s(*_TRACE, skip=("rcu", "kmem", "slab")),
            ),
            _F(
                lazy_rx("WARNING: kernel stack regs at [0-9a-f]+ in [^ ]* has bad '([^']+)' value"),
                "WARNING: kernel stack regs has bad '{1}' value",
                no_stack_trace=True,
            ),
            _F(
                lazy_rx("WARNING: kernel stack frame pointer at [0-9a-f]+ in [^ ]* has bad value"),
                "WARNING: kernel stack frame pointer has bad value",
                no_stack_trace=True,
            ),
            _F(
                lazy_rx("WARNING: bad unlock balance detected!"),
                "WARNING: bad unlock balance in {1}",
                stack=_s(rx("{{PCD}}{{FUNC}}"), *_TRACE),
            ),
            _F(
                lazy_rx("WARNING: held lock freed!"),
                "WARNING: held lock freed in {1}",
                report=lazy_rx("WARNING: held lock freed!(?:.*\\n)+?.*at:(?: {{PC}})? +{{FUNC}}"),
            ),
            _F(
                lazy_rx("WARNING: kernel stack regs .* has bad 'bp' value"),
                "WARNING: kernel stack regs has bad value",
                no_stack_trace=True,
            ),
            _F(
                lazy_rx("WARNING: kernel stack frame pointer .* has bad value"),
                "WARNING: kernel stack regs has bad value",
                no_stack_trace=True,
            ),
            _F(lazy_rx(r"WARNING:\s*(?:\n|$)"), "WARNING: corrupted", corrupted=True),
        ],
        (
            "WARNING: /etc/ssh/moduli does not exist, using fixed modulus",
            "WARNING: workqueue cpumask: online intersect > possible intersect",
            "WARNING: [Tt]he mand mount option",
            r"WARNING: Unsupported flag value\(s\) of 0x%x in DT_FLAGS_1",
            "WARNING: Unprivileged eBPF is enabled with eIBRS",
            r"WARNING: fbcon: Driver '(.*)' missed to adjust virtual screen size",
            "WARNING: See https.* for mitigation options.",
            "WARNING: kernel not compiled with CPU_SRSO",
            r"EXT4-[Ff][Ss](?: \(.*\))?:",
            r"(?i)warning: .* uses (deprecated v2 capabilities|wireless extensions)",
            r"XFS \(\w+\): WARNING",
            # crash's own warnings (tools.c error(WARNING, ...)) in a pasted session, its
            # command's name first: "bt: WARNING: corrupt prstatus? pstate=0x20000000, but
            # no user frame found" under a "bt" header ("kernel:" is a syslog line's)
            r"^\s*(?!kernel:)[a-z]+: WARNING: ",
        ),
        # The hard lockup WARN above prints its message on the next line; 2.6.3x-3.x
        # x86_64 stack_overflow_check()'s WARN_ONCE() its "do_IRQ: %s near stack overflow"
        # (the "do_IRQ: stack overflow" kind's printk words) after "WARNING: at" and
        # warn_slowpath_common()'s "Hardware name:" line.
        absorbs=("Watchdog detected hard LOCKUP on cpu", "near stack overflow"),
        absorb_lines=2,
    ),
    _k(
        "INFO:",
        [
            _F(
                lazy_rx("INFO: possible circular locking dependency detected"),
                "possible deadlock in {1}",
                report=lazy_rx(
                    "INFO: possible circular locking dependency detected \\](?:.*\\n)+?.*is trying to acquire lock"
                    "(?:.*\\n)+?.*at: {{PCD}}{{FUNC}}"
                ),
            ),
            _F(
                lazy_rx("INFO: possible irq lock inversion dependency detected"),
                "possible deadlock in {1}",
                report=lazy_rx(
                    "INFO: possible irq lock inversion dependency detected \\](?:.*\\n)+?.*just changed the state "
                    "of lock(?:.*\\n)+?.*at: {{PCD}}{{FUNC}}"
                ),
            ),
            _F(
                lazy_rx("INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected"),
                "possible deadlock in {1}",
                report=lazy_rx(
                    "INFO: SOFTIRQ-safe -> SOFTIRQ-unsafe lock order detected \\](?:.*\\n)+?.*is trying to acquire"
                    "(?:.*\\n)+?.*at: {{PCD}}{{FUNC}}"
                ),
            ),
            # The same report's other classes before 4.15 ("[ INFO: %s-safe -> %s-unsafe
            # lock order detected ]", HARDIRQ, RECLAIM_FS): titled as its later "WARNING:"
            # wording is, by the stack where the safe lock became so.
            _F(
                lazy_rx(r"INFO: [A-Z_]+-safe -> [A-Z_]+-unsafe lock order detected"),
                "possible deadlock in {1}",
                stack=_s(rx("which became (?:.*) at:"), PARSE_STACK),
            ),
            _F(
                lazy_rx("INFO: possible recursive locking detected"),
                "possible deadlock in {1}",
                report=lazy_rx(
                    "INFO: possible recursive locking detected \\](?:.*\\n)+?.*is trying to acquire lock"
                    "(?:.*\\n)+?.*at: {{PCD}}{{FUNC}}"
                ),
            ),
            _F(
                lazy_rx("INFO: inconsistent lock state"),
                "inconsistent lock state in {1}",
                report=lazy_rx(
                    "INFO: inconsistent lock state \\](?:.*\\n)+?.*takes(?:.*\\n)+?.*at: {{PCD}}{{FUNC}}"
                ),
            ),
            _F(
                # Older kernel/rcutree.c named the flavour "rcu_sched_state" (2.6.3x-3.x:
                # "INFO: %s detected stall on CPU %d (t=%lu jiffies)", "... detected
                # stalls on CPUs/tasks:") or "RCU" (2.6.29-2.6.3x: "INFO: RCU detected
                # CPU %d stall", "INFO: RCU detected CPU stalls:").
                lazy_rx(
                    "INFO: (?:rcu_(?:preempt|sched|bh)(?:_state)?|RCU) (?:self-)?detected"
                    "(?: expedited)?(?: CPU(?: [0-9]+)?)? stall"
                ),
                "INFO: rcu detected stall in {1}",
                alt=("stall in {1}",),
                stack=_s(
                    rx(_TICK_ENTRY),
                    RIP_FRAME,
                    PARSE_STACK,
                    parts2=(
                        rx("(?:" + _TICK_ENTRY + "|Exception stack|el1h_64_irq)"),
                        PARSE_STACK,
                    ),
                    skip=(*_TICK_ENTRY_NAMES, "rcu"),
                    extractor=stall_frame,
                    # The stalled CPU's dump that rcu_dump_cpu_stacks() asks another
                    # CPU for ("Sending NMI from CPU %d to CPUs %d:", lib/nmi_backtrace.c)
                    # shows no timer entry on riscv and powerpc: riscv's "NMI backtrace
                    # for cpu %d" is show_regs() (6.12 arch/riscv/kernel/smp.c
                    # ipi_cpu_backtrace() -> nmi_cpu_backtrace()), its trace right after
                    # the "status: ... cause:" line; powerpc's raise_backtrace_ipi() (6.1
                    # arch/powerpc/kernel/stacktrace.c) inspects a CPU that does not
                    # answer: "CPU %d didn't respond to backtrace IPI, inspecting paca.",
                    # then show_stack() of its saved stack under "Call Trace:". Read only
                    # from the stall's own lines (fields.own_cpu_lines: no dump of RCU's
                    # starved kthread or of the CPU it last ran on). x86's answer
                    # (arch/x86/kernel/apic/hw_nmi.c nmi_cpu_backtrace_handler() ->
                    # nmi_cpu_backtrace() -> show_regs(), 6.6) is taken in the NMI: its
                    # trace shows the NMI's entries between "<NMI>" and "</NMI>"
                    # (dumpstack.c show_trace_log_lvl()) and no timer entry, where the
                    # CPU was looping after them. A stalled CPU in its idle loop answers
                    # "NMI backtrace for cpu %d skipped: idling at %pS" alone (5.1+), so
                    # the CPU that printed a trace names the stall.
                    more=(
                        (RISCV_STACK_START, PARSE_STACK),
                        (rx(r"CPU \d+ didn't respond to backtrace IPI"), CALL_TRACE, PARSE_STACK),
                        _AFTER_NMI,
                    ),
                ),
            ),
            # RCU Tasks' stall warning names tasks, not CPUs: check_holdout_task()
            # (kernel/rcu/update.c 3.18-5.7, kernel/rcu/tasks.h since) prints "INFO:
            # rcu_tasks detected stalls on tasks:" once, then for each task holding the
            # grace period up "%p: %c%c nvcsw: %lu/%lu holdout: %d idle_cpu: %d/%d" and
            # sched_show_task(); RCU Tasks Trace's show_stalled_task_trace() (5.10+)
            # "INFO: rcu_tasks_trace detected stalls on tasks:" and "P%d: ... nesting:
            # ..." before the same dump. An RCU stall (syzkaller's title since its
            # rcu_tasks change), named as a hung task is from that dump: the first
            # frame past the scheduler and the waits.
            _F(
                lazy_rx("INFO: rcu_tasks(?:_trace)? detected stalls on tasks"),
                "INFO: rcu detected stall in {1}",
                alt=("stall in {1}",),
                stack=_s(*_TRACE, extractor=hang_frame),
            ),
            _F(
                lazy_rx("INFO: trying to register non-static key"),
                "INFO: trying to register non-static key in {1}",
                stack=_s(*_TRACE, skip=("stack", "lock", "IRQ")),
            ),
            # kernel/lockdep.c lockdep_rcu_suspicious() (3.2+): "[ INFO: suspicious RCU
            # usage. ]", then "%s:%d %s!" (file, line, what was used). Before it,
            # lockdep_rcu_dereference() (2.6.34-3.1) printed the same report as "[ INFO:
            # suspicious rcu_dereference_check() usage. ]" and "%s:%d invoked
            # rcu_dereference_check() without protection!": titled the same.
            _F(
                lazy_rx(r"INFO: suspicious (?:RCU|rcu_dereference_check\(\)) usage"),
                "INFO: suspicious RCU usage in {2}",
                report=lazy_rx(
                    r"INFO: suspicious (?:RCU|rcu_dereference_check\(\)) usage(?:.*\n)+?.*?{{SRC}}"
                ),
                stack=_s(*_TRACE, skip=("rcu", "kmem", "slab")),
            ),
            # The comm may hold a newline (tasks can rename themselves to anything).
            _F(
                lazy_rx(
                    "INFO: task .*(?:\\n.*)? blocked (?:in I/O wait )?for more than [0-9]+ seconds"
                ),
                "INFO: task hung in {1}",
                alt=("hang in {1}",),
                stack=_s(*_TRACE, extractor=hang_frame),
            ),
            # check_hung_task()'s line cut by journalctl's pager (less -S) and ended in its
            # mark (taint.PAGER_MARK): "INFO: task touch:117 blocked for more than 120 seco>".
            # Titled as the whole line is: "task hung in {1}" takes its function from the
            # stack, the line need only be check_hung_task()'s. A longer prefix (a host's
            # name) has the pager cut it in "blocked", or in the task's name or pid
            # ("INFO: task touch:11>"): still the hung task's line.
            _F(
                lazy_rx(
                    r"INFO: task (?:.*:\d+ (?:blocked .*|b[a-z]*)?|[^:\n]+(?::\d*)?)>[ \t]*(?:\n|$)"
                ),
                "INFO: task hung in {1}",
                alt=("hang in {1}",),
                stack=_s(*_TRACE, extractor=hang_frame),
            ),
            _F(
                lazy_rx("INFO: task .* can't die for more than .* seconds"),
                "INFO: task can't die in {1}",
                alt=("hang in {1}",),
                stack=_s(*_TRACE, skip=("schedule",)),
            ),
            # Old-style KASAN reports that lost their header end up here.
            _F(lazy_rx("INFO: (Freed|Allocated) in (.*)"), "INFO: {1} in {2}", corrupted=True),
            _F(lazy_rx(r"INFO:\s*(?:\n|$)"), "INFO: corrupted", corrupted=True),
        ],
        (
            "INFO: lockdep is turned off",
            # kernel/hung_task.c debug_show_blocker() (CONFIG_DETECT_HUNG_TASK_BLOCKER):
            # inside a hung task's report, the lock's likely owner before its own stack
            # ("INFO: task %s:%d is blocked on a mutex likely owned by task %s:%d.", "...
            # <reader> blocked on an rw-semaphore likely owned by ...", "... blocked on a
            # semaphore likely last held by ...", "... but the owner is not found.").
            r"INFO: task .* blocked on an? (?:mutex|semaphore|rw-semaphore)",
            "INFO: Stall ended before state dump start",
            "INFO: NMI handler",
            "INFO: recovery required on readonly filesystem",
            "(handler|interrupt).*took too long",
            "INFO: sys_.* is not present in /proc/kallsyms",
            "INFO: no syscalls can create resource",
            "rmt_storage:INFO:",
            "_INFO:",
            # LTP's result lines on a CI's serial console (LKFT's LAVA jobs run LTP on the
            # kernel's console): lib/tst_test.c print_result() writes "%s:%i: " (the
            # test's file and line), then its result and ": ", "INFO" before LTP
            # 20200930 and "TINFO" since ("tst_test.c: Change result strings to use T
            # prefix"), in colour when stderr is a tty ("\x1b[1;34mTINFO: \x1b[0m").
            r"\.[ch]:\d+: (?:\x1b\[[\d;]*m)?T?INFO: ",
        ),
    ),
    _k(
        "Unable to handle kernel",
        [
            # arch/openrisc/mm/fault.c: "Unable to handle kernel NULL pointer dereference"
            # (the first page) or "... access" (a bad access anywhere else, as s390's
            # below), then " at virtual address 0x%08lx" without KERN_CONT: a line of its
            # own since 4.9's printk. die("Oops")'s show_registers() prints the PC in hex
            # only: the function is then the first of show_stack()'s "Call trace:".
            _F(
                lazy_rx(r"Unable to handle kernel NULL pointer dereference *\n at virtual address"),
                "BUG: unable to handle kernel NULL pointer dereference in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, parts2=_TRACE),
            ),
            _F(
                lazy_rx(r"Unable to handle kernel access(?: *\n)? at virtual address"),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, parts2=_TRACE),
            ),
            # die() prints the registers, "pc : %pS" (arm64 __show_regs()), "PC is at %pS"
            # (arm, arm64 before 4.16), "epc : %pS" (riscv), then the trace it unwinds
            # from those registers (dump_backtrace(regs, ...)): its first entry is the
            # faulting function too. A report trimmed of its registers (a mail's quote, a
            # paste's "...") is titled from that trace.
            _F(
                lazy_rx(
                    "Unable to handle kernel (paging request|NULL pointer dereference|access to user memory)"
                ),
                "BUG: unable to handle kernel {1} in {2}",
                alt=("bad-access in {2}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE, more=_LINK_FALLBACK),
            ),
            # arm64 die_kernel_fault() names the kind of fault: "Unable to handle kernel
            # write to read-only memory at virtual address ...", "... execute from
            # non-executable memory at ...", a permission fault on a read "... read from
            # unreadable memory at ..." (__do_kernel_fault(), 4.x on), an instruction
            # abort on a user address "... execution of user memory at ..." (4.x-5.x
            # do_page_fault()).
            _F(
                lazy_rx(
                    "Unable to handle kernel ((?:write to read-only|execute from non-executable"
                    "|read from unreadable) memory|execution of user memory)"
                ),
                "BUG: unable to handle kernel {1} in {2}",
                alt=("bad-access in {2}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            # The same lines as journalctl's pager (less -S) cuts them past 72 columns and
            # ends them in its mark (taint.PAGER_MARK): "Unable to handle kernel NULL
            # pointer dere>" (arm64 die_kernel_fault(), 6.1: "Unable to handle kernel %s at
            # virtual address %016lx"; riscv die_kernel_fault(), MIPS do_page_fault()). The
            # kind's first words tell it; the registers and trace title it as the whole
            # line's ("... at virtual address 00>" is read whole above).
            *_cut_fault_formats(lambda first: re.escape(first) + r"[\w ()-]*"),
            # ... and cut in the kind's first word ("Unable to handle kernel NU>", arm64
            # at 57 columns) past the letters that tell it from every other's.
            *_cut_fault_formats(_cut_first_word_rx),
            # ... and cut before it ("Unable to handle kernel >", arm64 at 54..55 columns
            # with no mark after journalctl's prefix): the fault status and the address
            # arm64 prints after it may still tell a NULL dereference (see
            # _ARM64_NULL_AFTER_CUT).
            _F(
                lazy_rx("Unable to handle kernel ?" + _ARM64_NULL_AFTER_CUT),
                "BUG: unable to handle kernel NULL pointer dereference in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            # ... as are powerpc's and s390's, by the line after theirs (see
            # _PAGING_REQUEST_AFTER_CUT)
            _F(
                lazy_rx("Unable to handle kernel ?" + _PAGING_REQUEST_AFTER_CUT),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            # MIPS __do_page_fault() (6.1 arch/mips/mm/fault.c, LoongArch's the same with
            # "era ==") prints one kind only: "CPU %d Unable to handle kernel paging
            # request at virtual address %0*lx, epc == %0*lx, ra == %0*lx". A pager
            # (less -S) cutting it anywhere in "paging request" ("CPU 0 Unable to handle
            # kernel pa>", 60..64 columns) leaves that kind, though "p" begins others'.
            _F(
                lazy_rx(
                    r"CPU \d+ Unable to handle kernel(?: (?:"
                    + _cut_rx("paging request")
                    + ")?)?"
                    + re.escape(PAGER_MARK)
                    + r"[ \t]*(?:\n|$)"
                ),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            # ... and cut to "p", "pa", "pag" (56..58 columns), which arm64's "page domain
            # fault" begins too: the line after it tells whose it is. powerpc
            # bad_page_fault() (3.10 arch/powerpc/mm/fault.c) prints "Unable to handle
            # kernel paging request for data at address 0x%08lx" (or "... for instruction
            # fetch", ...) and then "Faulting instruction address: 0x%08lx" (its 4.20+
            # lines begin "BUG: "); s390 do_no_context() (5.10 arch/s390/mm/fault.c) its
            # "... pointer dereference in virtual kernel address space" or "... paging
            # request in virtual user address space" and then dump_fault_info()'s
            # "Failing address: %016lx TEID: %016lx". Both are paging requests. So is
            # riscv's: die_kernel_fault() (6.12 arch/riscv/mm/fault.c) prints "Unable to
            # handle kernel %s at virtual address %016lx" and then die()'s "Oops [#%d]"
            # (6.12 arch/riscv/kernel/traps.c; csky's die() the same after its one kind,
            # "paging request"), and of riscv's kinds only no_context()'s "paging
            # request" begins "p" (see the cut "a" below).
            _F(
                lazy_rx(
                    "Unable to handle kernel p(?:a(?:g)?)?"
                    + re.escape(PAGER_MARK)
                    + r"[ \t]*\n(?:Faulting instruction|Failing address|Oops \[#\d+\][ \t]*(?:\n|$))"
                ),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            # riscv die_kernel_fault() (6.12 arch/riscv/mm/fault.c) calls die(regs,
            # "Oops") right after its line, whose first line is "Oops [#%d]" (6.12
            # arch/riscv/kernel/traps.c die(): pr_emerg("%s [#%d]\n", ...)). riscv's
            # kinds are no_context()'s "NULL pointer dereference" and "paging request"
            # and handle_page_fault()'s "access to user memory without uaccess routines".
            # A pager (less -S) at 56 columns after journalctl's prefix cuts the last to
            # "Unable to handle kernel a>", which arm64's "alignment fault" and "address
            # size fault" begin too: riscv's die line right after it (arm64's die()
            # prints "Internal error: Oops: ...", openrisc's die() after its "access"
            # line "Oops#: %04x") leaves riscv's one kind that begins "a".
            _F(
                lazy_rx(
                    "Unable to handle kernel a"
                    + re.escape(PAGER_MARK)
                    + r"[ \t]*\nOops \[#\d+\][ \t]*(?:\n|$)"
                ),
                "BUG: unable to handle kernel access to user memory in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            # arm64 do_mem_abort() (5.x on): a fault no handler takes dies through
            # die_kernel_fault(inf->name, ...) with fault_info[]'s name of its status
            # code: "Unable to handle kernel unknown 43 at virtual address ...", "... TLB
            # conflict abort at ...", "... implementation fault (lockdown abort) at ...".
            _F(
                lazy_rx(r"Unable to handle kernel ([A-Za-z][\w ()-]*?) at virtual address"),
                "BUG: unable to handle kernel {1} in {2}",
                alt=("bad-access in {2}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            # s390 do_no_context(): a kernel access to a bad address, any address. Before
            # its dump_fault_info() (4.x), the line named the address itself: "Unable to
            # handle kernel pointer dereference at virtual kernel address %p" (2.6-3.x).
            _F(
                lazy_rx(
                    "Unable to handle kernel pointer dereference"
                    " (?:in virtual kernel address space|at virtual kernel address)"
                ),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE),
            ),
            # The same line, 76 columns (5.10 arch/s390/mm/fault.c do_no_context():
            # pr_alert("Unable to handle kernel pointer dereference in virtual kernel
            # address space\n")), as journalctl's pager (less -S) or `dmesg | less -S`
            # cuts it and ends it in its mark (taint.PAGER_MARK): "... dereference in vi>".
            # No other kernel's line goes on "kernel pointer" after these words, nor has
            # another kind a word that begins "po": at 57..61 columns the pager leaves
            # "Unable to handle kernel po>" .. "... pointe>", the same line.
            _F(
                lazy_rx(
                    r"Unable to handle kernel (?:pointer[ \w]*|po(?:"
                    + _cut_rx("inte")
                    + ")?)"
                    + re.escape(PAGER_MARK)
                    + r"[ \t]*(?:\n|$)"
                ),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE),
            ),
        ],
        # 32-bit ARM die() (arch/arm/kernel/traps.c, 2.6.2x-6.x) runs report_bug() on the
        # faulting PC before __die(), whatever the fault, and names a hit "Oops - BUG";
        # Qualcomm's msm-4.4 arm64 die() does the same (SDM636 4.4.18x logs): a fault at
        # a PC the bug table holds prints __do_kernel_fault()'s "Unable to handle kernel
        # ... at virtual address", show_pte()'s "pgd = %p" and "[%08lx] *pgd=...", then
        # report_bug()'s "------------[ cut here ]------------" and "kernel BUG at %s:%u!"
        # (without CONFIG_DEBUG_BUGVERBOSE "Kernel BUG at %p [verbose debug info
        # unavailable]"), then "Internal error: Oops - BUG: <esr> [#1]": one die(), one
        # report. (Another fault's line right after the first is the same fault's.)
        absorbs=("Unable to handle kernel ", "kernel BUG at ", "Kernel BUG at "),
        absorb_lines=4,
    ),
    # MIPS __do_page_fault()'s line (6.1 arch/mips/mm/fault.c: "CPU %d Unable to handle
    # kernel paging request at virtual address %0*lx, epc == %0*lx, ra == %0*lx"; 6.1
    # arch/loongarch/mm/fault.c no_context() the same with "era ==") cut by a pager (less
    # -S) before "kernel": 50..59 columns after journalctl's prefix leave "CPU 0 Unable to
    # han>" .. "... handle ke>". No other kernel line begins "CPU %d Unable to h", and
    # die("Oops", regs)'s "Oops[#1]:" right after it proves the fault: the paging request
    # (the kind's only one), as the line cut after "kernel" is above.
    # arm64's die_kernel_fault() line cut so too (44..53 columns with no mark after
    # journalctl's prefix, stamps.mark_cut_rows reading it as less -S's): "Unable to han>"
    # .. "Unable to handle kerne>", a NULL dereference where the fault status and the
    # address after it tell one (_ARM64_NULL_AFTER_CUT), its kind's words lost otherwise;
    # and powerpc's and s390's, a paging request by the line after it
    # (_PAGING_REQUEST_AFTER_CUT).
    _k(
        "Unable to h",
        [
            _F(
                lazy_rx(
                    r"CPU \d+ Unable to h(?:"
                    + _cut_rx("andle kerne")
                    + ")?"
                    + re.escape(PAGER_MARK)
                    + r"[ \t]*\nOops\[#\d+\]:"
                ),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            _F(
                lazy_rx("Unable to h(?:" + _cut_rx("andle kerne") + ")?" + _ARM64_NULL_AFTER_CUT),
                "BUG: unable to handle kernel NULL pointer dereference in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            _F(
                lazy_rx(
                    "Unable to h(?:" + _cut_rx("andle kerne") + ")?" + _PAGING_REQUEST_AFTER_CUT
                ),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
        ],
        shape=_AT_LINE_START
        + r"(?:CPU \d+ )?Unable to h(?:"
        + _cut_rx("andle kerne")
        + ")?"
        + re.escape(PAGER_MARK)
        + r"\s*$",
        needs_oops=True,
    ),
    _k(
        "general protection fault",
        [
            _F(
                lazy_rx("general protection fault.*:"),
                "general protection fault in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE),
            ),
            # The kernel's GP fault with its address hint (5.5+, 6.1 arch/x86/kernel/
            # traps.c exc_general_protection(): GPFSTR ", %s 0x%lx", "probably for
            # non-canonical address" or "maybe for address", then __die_header()'s ":
            # %04lx [#%d]" on the same line) runs past 80 columns: journalctl's pager
            # (less -S) cuts it before its ":" and ends it in its mark (taint.PAGER_MARK).
            # (A user-space fault, "traps: %s[%d] general protection fault ip:%lx", has no
            # comma after the words.)
            _F(
                lazy_rx(
                    r"general protection fault, [\w ,\-]*"
                    + re.escape(PAGER_MARK)
                    + r"[ \t]*(?:\n|$)"
                ),
                "general protection fault in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE),
            ),
        ],
        (
            r"general protection fault .* error:\d+ in ",
            # a program's fault, 6.1 arch/x86/kernel/traps.c show_signal(): "traps:
            # %s[%d] %s%s ip:%lx sp:%lx error:%lx" and print_vma_addr()'s " in %s[...]"
            # only when the address has a mapping; journalctl's pager (less -S) may cut
            # the line anywhere after "ip:" (taint.PAGER_MARK). The kernel's own GP
            # fault has ":" or ", " after the words, never " ip:".
            r"\] general protection fault ip:",
        ),
    ),  # user-space segfault report
    _k(
        "stack segment: ",
        [
            _F(lazy_rx("stack segment: "), "stack segment fault in {1}", stack=_s(*_RIP_TRACE)),
        ],
    ),
    _k(
        "Kernel panic",
        [
            _F(
                lazy_rx("Kernel panic - not syncing: stack-protector:"),
                "kernel panic: stack is corrupted in {1}",
                report=lazy_rx(
                    "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: {{FUNC}}"
                ),
                no_stack_trace=True,
            ),
            _F(
                lazy_rx("Kernel panic - not syncing: stack-protector:"),
                "kernel panic: stack is corrupted in {1}",
                report=lazy_rx(
                    "Kernel panic - not syncing: stack-protector: Kernel stack is corrupted in: [a-f0-9]+"
                ),
                stack=_s(*_TRACE, skip=("stack_chk",)),
            ),
            _F(
                lazy_rx("Kernel panic - not syncing: corrupted stack end"),
                "kernel panic: corrupted stack end in {1}",
                report=lazy_rx(
                    "Kernel panic - not syncing: corrupted stack end detected inside scheduler"
                ),
                alt=("stack-overflow in {1}",),
                stack=_s(*_TRACE, skip=("schedule", "retint_kernel"), extractor=stall_frame),
            ),
            # arm64's panic_bad_stack() says "kernel stack overflow"; riscv's
            # handle_bad_stack() "Kernel stack overflow" (arch/riscv/kernel/traps.c).
            _F(
                lazy_rx("Kernel panic - not syncing: [Kk]ernel stack overflow"),
                "kernel stack overflow in {1}",
                alt=("stack-overflow in {1}",),
                stack=_s(*_TRACE, skip=("bad_stack",), extractor=overflow_frame),
            ),
            # The same pre-kCFI check without CONFIG_CFI_PERMISSIVE: panic("CFI failure
            # (target: %pS)") from __cfi_check_fail / __ubsan_handle_cfi_check_fail_abort.
            _F(
                lazy_rx(r"Kernel panic - not syncing: CFI failure \(target: "),
                "CFI failure in {1}",
                stack=_s(*_TRACE, skip=("cfi",)),
            ),
            _F(
                lazy_rx(_PANIC + "Attempted to kill init!"),
                "kernel panic: Attempted to kill init!",
            ),
            _F(
                lazy_rx(
                    "Kernel panic - not syncing: Couldn't open N_TTY ldisc for [^ ]+ --- error -[0-9]+"
                ),
                "kernel panic: Couldn't open N_TTY ldisc",
            ),
            # These follow a BUG/WARNING/hang: titling a report with them means its start was lost.
            # arm64 die() panics with its own words first: panic("%s: Fatal exception", str),
            # "Oops", "Oops - BUG", "synchronous external abort", ...
            _F(
                lazy_rx(_PANIC + r"(?:[A-Za-z][\w -]*: )?Fatal exception"),
                "kernel panic: Fatal exception",
                corrupted=True,
            ),
            # kernel/panic.c check_panic_on_warn() (6.2, and the stable trees it went to)
            # names who warned: "%s: panic_on_warn set ...", "kernel" for __warn(),
            # "KASAN", "KFENCE", "UBSAN", "KCSAN", "KMSAN" for the sanitizers' reports.
            _F(
                lazy_rx("Kernel panic - not syncing: (?:[A-Za-z]+: )?panic_on_warn set"),
                "kernel panic: panic_on_warn set",
                corrupted=True,
            ),
            _F(
                lazy_rx("Kernel panic - not syncing: hung_task: blocked tasks"),
                "kernel panic: hung_task: blocked tasks",
                corrupted=True,
            ),
            # The perf NMI watchdog panics on the locked CPU itself: its stack is the
            # NMI's, then (after "<<EOE>>" / "</NMI>") where the CPU was stuck. 2.6.36-2.6.3x
            # kernel/watchdog.c panic("NMI Watchdog detected LOCKUP on cpu %d"), up to 4.4
            # panic("Watchdog detected hard LOCKUP on cpu %d"); since 4.5 (and RHEL 7's
            # backport) nmi_panic(regs, "Hard LOCKUP") after its own "Watchdog detected"
            # line, which a console or a paste may have lost. The buddy detector (6.5+)
            # panics on another CPU, whose stack has no NMI part: no culprit there.
            _F(
                lazy_rx(_HARD_LOCKUP_PANIC),
                "BUG: hard lockup in {1}",
                report=lazy_rx(_HARD_LOCKUP_PANIC + r"(?:.*\n)+?.*(?:<<EOE>>|<EOE>|</NMI>)"),
                stack=_s(*_AFTER_NMI),
            ),
            # (an address in the first page: a NULL pointer's, as x86's page_fault_oops()
            # tells them apart)
            _F(
                lazy_rx(UML_FAULT + "[0-9a-f]{1,3}, "),
                "BUG: unable to handle kernel NULL pointer dereference in {1}",
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            _F(
                lazy_rx(UML_KERNEL_FAULT),
                "BUG: unable to handle kernel paging request in {1}",
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            _F(lazy_rx(_PANIC + "(.*)"), "kernel panic: {1}"),
            # The same line as journalctl's pager (less -S) cuts it before its ": " (56..58
            # columns: "Kernel panic - not syncin>", PANIC_CUT_RE): panic()'s line still
            # (kernel/panic.c, 6.1: pr_emerg("Kernel panic - not syncing: %s\n", buf)),
            # its message all lost, as "... not syncing: >" leaves it at 59.
            _F(
                lazy_rx(_PANIC_CUT.removesuffix(r"\s*$") + r"[ \t]*(?:\n|$)"),
                "kernel panic:",
                corrupted=True,
            ),
        ],
    ),
    _k(
        "PANIC: double fault",
        [
            _F(lazy_rx("PANIC: double fault"), "PANIC: double fault in {1}", stack=_s(RIP_FRAME)),
        ],
        # its die() line right after it
        absorbs=("double fault: ",),
        absorb_lines=2,
    ),
    # Before 4.x, x86_64's do_double_fault() only looped on die("double fault", ...), with
    # no "PANIC: double fault" line before it: __die()'s "double fault: %04lx [#%d]" is the
    # report's first line (after that line in newer kernels, and part of its report).
    _k(
        "[#",
        [_F(lazy_rx(r"double fault: "), "PANIC: double fault in {1}", stack=_s(RIP_FRAME))],
        shape=_AFTER_PREFIX + r"double fault: [0-9a-f]{4} \[#\d+\]",
    ),
    # arch/x86/kernel/traps.c handle_stack_overflow(): printk "BUG: stack guard page was hit
    # at %p (stack is %p..%p)" ("BUG: %s stack guard page ..." with the stack's name in
    # newer kernels), then die() with the message "kernel stack overflow (double-fault)"
    # (exc_double_fault()'s, older kernels) or "stack guard page" (newer):
    # __die()'s "%s: %04lx [#%d]". A console that lost the BUG line still holds that stack
    # overflow, from the die line on; it is the "BUG:" kind's report when both are there.
    _k(
        "[#",
        [
            _F(
                lazy_rx(_GUARD_PAGE_DIE),
                "BUG: stack guard page was hit in {1}",
                alt=("stack-overflow in {1}",),
                stack=_s(*_RIP_TRACE, extractor=stall_frame),
            )
        ],
        shape=_GUARD_PAGE_DIE,
    ),
    # arch/x86/mm/extable.c early_fixup_exception() (4.6+): an exception in early boot
    # that no fixup takes. early_printk() writes "PANIC: early exception 0x0e IP
    # 10:ffffffff8105c4a2 error 0 cr2 0xffffffffff600000" to the console alone (no printk
    # time), show_regs() the registers and trace, then the CPU halts. Before 4.6,
    # head_64.S's early_idt_handler wrote "PANIC: early exception 0e rip 10:ffffffff8105c4a2
    # error 0 cr2 ffffffffff600000" (2.6.2x: no vector, no segment), then dump_stack()'s
    # trace and, by __print_symbol(), "RIP %s": the faulting function after the trace.
    _k(
        "PANIC: early exception",
        [
            _F(
                lazy_rx("PANIC: early exception"),
                "PANIC: early exception in {1}",
                report=lazy_rx("PANIC: early exception 0x"),
                stack=_s(RIP_FRAME),
            ),
            _F(
                lazy_rx("PANIC: early exception"),
                "PANIC: early exception in {1}",
                report=lazy_rx("PANIC: early exception (?:[0-9a-f]+ )?rip "),
                stack=_s(rx("^RIP {{FUNC}}")),
            ),
        ],
        unstamped=True,
    ),
    _k(
        "rust_kernel: panicked",
        [
            _F(
                lazy_rx("rust_kernel: panicked"),
                "{1} in {2}",
                report=lazy_rx("rust_kernel: panicked at [^\n]*?\n(.+?)\n"),
                stack=_s(*_TRACE, skip=(re.escape("__rustc::rust_begin_unwind"),)),
            ),
        ],
    ),
    _k(
        "kernel BUG",
        [
            _F(
                lazy_rx("kernel BUG at {{TREE}}?mm/usercopy.c"),
                "BUG: bad usercopy in {1}",
                stack=_s(*_TRACE, skip=("usercopy", "__check")),
            ),
            _F(
                lazy_rx("kernel BUG at {{TREE}}?lib/list_debug.c"),
                "BUG: corrupted list in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_TRACE),
            ),
            _BUG_AT,
        ],
    ),
    _k(
        "Kernel BUG",
        [
            # riscv die() for BUG() whose "kernel BUG at" line was lost: the function
            # is the one in epc, as for the line's own report.
            _F(lazy_rx(r"Kernel BUG \[#\d+\]"), "kernel BUG in {1}", stack=_s(*_RIP_TRACE)),
            # sh handle_BUG() (traps.c) dies "Kernel BUG" after report_bug()'s line, and
            # die() prints "%s: %04lx [#%d]": the same, where the line was lost
            _F(
                lazy_rx(r"Kernel BUG: [0-9a-f]{4} \[#\d+\]"),
                "kernel BUG in {1}",
                stack=_s(*_RIP_TRACE),
            ),
            # x86_64 handle_BUG() up to 2.6.2x (RHEL 5, SLES 10): "Kernel BUG at %.50s:%d"
            # after "----------- [cut here ] --------- [please bite here ] ---------", the
            # later "kernel BUG at %s:%d!": titled by the function the same way.
            _F(
                lazy_rx("Kernel BUG at (.*)"),
                "kernel BUG in {2}",
                stack=_s(*_RIP_TRACE, skip=("^skb_",)),
            ),
            _F(lazy_rx("Kernel BUG (.*)"), "kernel BUG {1}"),
        ],
    ),
    _k(
        "BUG kmalloc-",
        [
            _F(lazy_rx("BUG kmalloc-.*: Object already free"), "BUG: Object already free"),
            _SLUB_REPORT,
        ],
        _SLUB_INSIDE_KASAN,
        absorbs=_SLUB_ABSORBS,
        absorb_lines=60,
    ),
    _k(
        "divide error:", [_F(lazy_rx("divide error: "), "divide error in {1}", stack=_s(RIP_FRAME))]
    ),
    # Misspelt by x86/entry in v5.9 ("Convert Divide Error to IDTENTRY").
    _k(
        "divide_error:", [_F(lazy_rx("divide_error: "), "divide error in {1}", stack=_s(RIP_FRAME))]
    ),
    # 32-bit ARM has no divide instruction before ARMv7VE: the compiler calls the
    # library's __aeabi_uidiv/__udivsi3 (arch/arm/lib/lib1funcs.S) or do_div()'s
    # __do_div64 (div64.S), which branch to Ldiv0/Ldiv0_64 on a zero divisor, and those
    # call arch/arm/kernel/traps.c __div0(): pr_err("Division by zero in kernel.\n") and
    # dump_stack() (the task line, then the unwinder's "(f) from (g)" entries, under
    # "Backtrace:" with frame pointers, "Call trace:" since 6.x). The kernel goes on with
    # a zero quotient. It is x86's divide error (a #DE in the kernel): titled as that
    # one, by the function that divided, the trace's first past the division helpers.
    # Without a dump after it the line is no report (a program's echo of it).
    _k(
        "Division by zero in kernel",
        [
            _F(
                lazy_rx(r"Division by zero in kernel\."),
                "divide error in {1}",
                stack=_s(
                    *_TRACE,
                    skip=(
                        "^__div0$",
                        "^Ldiv0",
                        "^__aeabi_",
                        "^__u?(?:div|mod)si3$",
                        "^__do_div64$",
                        "^div64_[su]64",
                        "^div_[su]64",
                    ),
                ),
            )
        ],
        shape=_AFTER_PREFIX + r"Division by zero in kernel\.\s*$",
        needs_oops=True,
    ),
    # x86's RDMSR/WRMSR of an MSR the CPU lacks (#GP) outside rdmsr_safe(): the
    # exception table's fixup skips the instruction (a read gives 0) and reports it once,
    # arch/x86/mm/extable.c ex_handler_msr() (5.17+; ex_handler_rdmsr_unsafe() and
    # ex_handler_wrmsr_unsafe() 4.10-5.16): pr_warn("unchecked MSR access error: RDMSR from
    # 0x%x at rIP: 0x%lx (%pS)\n") or "... WRMSR to 0x%x (tried to write 0x%08x%08x) at
    # rIP: ...", then show_stack_regs(): show_trace_log_lvl()'s "Call Trace:" alone, no
    # task line or registers. The 0-day robot counts the line as a dmesg error; syzkaller's
    # table has no such format. Titled by the function at rIP ("%pS"), or, where that is
    # an MSR accessor (native_write_msr(), every wrmsrl()'s), by the trace's first caller.
    _k(
        "unchecked MSR access error: ",
        [
            _F(
                lazy_rx("unchecked MSR access error: "),
                "unchecked MSR access error in {1}",
                stack=_s(
                    _MSR_RIP,
                    *_TRACE,
                    parts2=(_MSR_RIP,),
                    skip=_MSR_ACCESSORS,
                    # (a mail's wrap broke the line before "at rIP:")
                    more=(_TRACE,),
                ),
            )
        ],
        shape=_AFTER_PREFIX + r"unchecked MSR access error: (?:RD|WR)MSR ",
    ),
    _k(
        "invalid opcode:",
        [
            *_X86_UBSAN_UD1,
            _F(lazy_rx("invalid opcode: "), "invalid opcode in {1}", stack=_s(RIP_FRAME)),
        ],
    ),
    # lib/ubsan.c ubsan_prologue() (4.5+ "UBSAN: Undefined behaviour in %s:%d:%d", 5.x+
    # "UBSAN: %s in %s:%d:%d") and report_ubsan_failure()'s strings for the trap
    # handlers ("UBSAN: array index out of bounds") put a space after the colon. The
    # 0-day robot's tables squeeze a title to one word ("| UBSAN:shift-out-of-bounds_in_
    # fs/f.c | 0 | 12 |"): no kernel line, so the header keeps its space.
    _k(
        "UBSAN: ",
        [
            _F(
                lazy_rx("UBSAN:"),
                "UBSAN: undefined-behaviour in {1}",
                report=lazy_rx("UBSAN: Undefined behaviour in"),
                stack=_s(*_TRACE, skip=("ubsan", "overflow")),
            ),
            _F(
                lazy_rx("UBSAN: array-index-out-of-bounds in"),
                "UBSAN: array-index-out-of-bounds in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_TRACE, skip=("ubsan", "overflow")),
            ),
            # arm64 ubsan_handler(): a CONFIG_UBSAN_TRAP check's brk dies with
            # report_ubsan_failure()'s words and the ESR, "Internal error: UBSAN: array
            # index out of bounds: 00000000f2005512 [#1]": no " in <file>" to read them
            # to, and "index" holds an "in"
            _F(
                lazy_rx("UBSAN:"),
                "UBSAN: {1} in {2}",
                report=lazy_rx(r"Internal error: UBSAN: ([^:\n]+): [0-9a-f]+ \[#"),
                stack=_s(*_TRACE, skip=("ubsan", "overflow")),
            ),
            # x86 handle_bug() (6.11+, a ud1 of BUG_UD1_UBSAN): pr_crit("%s at %pS\n",
            # report_ubsan_failure(), regs->ip), "UBSAN: array index out of bounds at
            # f+0x1e/0x20", then die()'s "Oops: invalid opcode:" with RIP at the same f.
            # No " in <file>" either: the check is the words before " at ", the
            # function the trap's RIP (the trace under it starts at f's caller).
            _F(
                lazy_rx(r"UBSAN: [^:\n]+? at {{FUNC}}"),
                "UBSAN: {1} in {2}",
                report=lazy_rx(r"UBSAN: ([^:\n]+?) at [a-zA-Z0-9_.]+\+0x[0-9a-f]+/0x[0-9a-f]+"),
                stack=_s(RIP_FRAME, parts2=_TRACE, skip=("ubsan", "overflow")),
                names_function=1,
            ),
            _F(
                lazy_rx("UBSAN:"),
                "UBSAN: {1} in {2}",
                report=lazy_rx("UBSAN: (.*?) in "),
                stack=_s(*_TRACE, skip=("ubsan", "overflow")),
            ),
        ],
    ),
    # arch/x86/boot/compressed/misc.c, the decompressor's last line: "Booting the kernel."
    # in older kernels, "Booting the kernel (entry_offset: 0x%lx)." (debug_putstr() and
    # debug_puthex()) in 6.x, since extract_kernel() hands its caller the entry offset.
    _k(
        "Booting the kernel",
        [
            _F(lazy_rx("^Booting the kernel"), "unexpected kernel reboot", no_stack_trace=True),
        ],
        ("Parsing ELF|Decompressing Linux|Unknown parameter '",),
        shape=r"Booting the kernel(?:\.| \(entry_offset: 0x[0-9a-f]+\)\.)",
    ),
    # net/core/dev.c netdev_wait_allrefs() (netdev_wait_allrefs_any() since 5.17), every
    # ten seconds while a dying namespace's device keeps a reference: pr_emerg(
    # "unregister_netdevice: waiting for %s to become free. Usage count = %d\n"), one
    # record (a debug kernel's ref_tracker_dir_print() dump after it is its own).
    _k(
        "unregister_netdevice: waiting for",
        [
            _F(
                lazy_rx("unregister_netdevice: waiting for (?:.*) to become free"),
                "unregister_netdevice: waiting for DEV to become free",
                no_stack_trace=True,
            ),
        ],
        one_record=True,
    ),
    _k(
        "VFS: Close: file count is 0",
        [
            _F(
                lazy_rx("VFS: Close: file count is 0"),
                "VFS: Close: file count is zero (use-after-free)",
                no_stack_trace=True,
            ),
        ],
    ),
    _k(
        "VFS: Busy inodes after unmount",
        [
            _F(
                lazy_rx("VFS: Busy inodes after unmount"),
                "VFS: Busy inodes after unmount (use-after-free)",
                no_stack_trace=True,
            ),
        ],
    ),
    _k(
        "Internal error:",
        [
            # 32-bit ARM's handle_bad_stack() (VMAP_STACK, 5.18+) dies with "Internal
            # error: kernel stack overflow: 0 [#1]" after "Insufficient stack space to
            # handle exception!": the overflow arm64 and riscv report by panic, titled
            # the same way from the trace under the faulting PC.
            _F(
                lazy_rx("Internal error: kernel stack overflow"),
                "kernel stack overflow in {1}",
                alt=("stack-overflow in {1}",),
                stack=_s(
                    RIP_FRAME,
                    PARSE_STACK,
                    skip=("bad_stack",),
                    extractor=overflow_frame,
                    more=(_ARM_REGS_TRACE,),  # ("PC is at" cut: _ARM_FLAGS)
                ),
            ),
            # arm and arm64 die("Oops - BUG", ...) of a BUG() trap: "Internal error: %s:
            # %x [#%d]". It follows report_bug()'s "kernel BUG at file:line!" (and is part of
            # that report), alone on a kernel without CONFIG_DEBUG_BUGVERBOSE or when a
            # console lost that line: still BUG() where pc / "PC is at" points.
            # die() prints the registers, then the trace it unwinds from them (6.1
            # arch/arm64/kernel/traps.c __die(): show_regs() -> __show_regs(),
            # dump_backtrace(regs, ...)), whose first entry is the faulting function
            # too: a report trimmed of its registers (a mail's quote of "Internal error:
            # Oops - BTI: ... [#1]", "..." and the "Call trace:", as the bpf list's
            # arm64 BTI reports of a JIT image have it) is titled from that trace, as
            # the "Unable to handle kernel" kind's are.
            _F(
                lazy_rx("Internal error: Oops - BUG: "),
                "kernel BUG in {1}",
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            # arm64 "synchronous external abort" is arm's "Unable to handle kernel paging request".
            _F(
                lazy_rx("Internal error:"),
                "Internal error in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
        ],
    ),
    # arm64 arm64_serror_panic(): "SError Interrupt on CPU2, code 0x... -- SError", then
    # the registers of the interrupted context (pc : ...) and a "Kernel panic".
    _k(
        "SError Interrupt on CPU",
        [_F(lazy_rx("SError Interrupt on CPU"), "SError Interrupt in {1}", stack=_s(RIP_FRAME))],
    ),
    # The same line cut before "on CPU" is whole ("SError Interr>" .. "SError Interrupt on
    # CP>": 44..53 columns with no mark after journalctl's prefix, stamps.mark_cut_rows
    # reading it as less -S's): then the registers (5.10 arch/arm64/kernel/traps.c
    # arm64_serror_panic() -> __show_regs(): show_regs_print_info()'s "CPU:" and
    # "Hardware name:" lines, then "pstate: %08llx (...)") within three rows tell it, and
    # its panic after them, "Asynchronous SError Interrupt", is cut too.
    _k(
        "SError ",
        [
            _F(
                lazy_rx(
                    "SError Int(?:"
                    + _cut_rx("errupt on CP")
                    + ")?"
                    + re.escape(PAGER_MARK)
                    + r"[ \t]*\n(?:[^\n]*\n){0,2}?pstate: [0-9a-f]"
                ),
                "SError Interrupt in {1}",
                stack=_s(RIP_FRAME),
            )
        ],
        shape=_AT_LINE_START
        + "SError Int(?:"
        + _cut_rx("errupt on CP")
        + ")?"
        + re.escape(PAGER_MARK)
        + r"\s*$",
    ),
    # arm / arm64 bad_mode() (arch/arm64/kernel/traps.c, 3.7-5.10): pr_crit("Bad mode in %s
    # handler detected[ on CPU%d], code 0x%08x -- %s"), __show_regs() of the context the
    # exception came from (pc : ...), then die() or panic(), whose report takes this line
    # (scan._bad_mode_dies). Where none follows (a log cut after the registers), the line
    # and the registers are the report, named by the function the pc was in.
    _k(
        "Bad mode in ",
        [_F(lazy_rx(r"Bad mode in \S.* handler detected"), "Bad mode in {1}", stack=_s(RIP_FRAME))],
    ),
    # arch/arm/mm/fault.c do_DataAbort(): an abort no handler takes prints "Unhandled
    # fault: %s (0x%03x) at 0x%08lx" and show_pte(), then arm_notify_die(): die() in the
    # kernel ("Internal error: : 1406 [#1]", registers, trace), but only a signal to a
    # user program (an imprecise external abort a program's MMIO mapping caused): no
    # report without an oops.
    _k(
        "Unhandled fault:",
        [
            _F(
                lazy_rx("Unhandled fault:"),
                "Unhandled fault in {1}",
                alt=("bad-access in {1}",),
                # (a quote that cut "PC is at": the trace after "Flags:", _ARM_FLAGS)
                stack=_s(*_RIP_TRACE, more=(_ARM_REGS_TRACE,)),
            ),
        ],
        needs_oops=True,
    ),
    # arch/arm/mm/alignment.c do_alignment(): "Alignment trap: not handling instruction
    # %0*lx at [<%08lx>]" in the kernel, then do_DataAbort()'s "Unhandled fault" and die().
    # A user program's unaligned access prints "Alignment trap: %s (%d) PC=0x%08lx
    # Instr=... Address=... FSR 0x%03x" (ai_usermode's UM_WARN) and is fixed up or sent
    # SIGBUS: no registers, no trace, no report. (The kernel's own line is a report even
    # alone: the "Unhandled fault" after it starts another one.)
    _k(
        "Alignment trap:",
        [_F(lazy_rx("Alignment trap:"), "Alignment trap in {1}", stack=_s(*_RIP_TRACE))],
        shape=r"Alignment trap:(?!.* \(\d+\) PC=0x[0-9a-f]+ Instr=)",
    ),
    _k(
        "trusty: panic",
        [
            _F(
                lazy_rx("trusty: panic.* ASSERT FAILED"),
                "trusty: ASSERT FAILED: {1}",
                report=lazy_rx(r"trusty: panic \(.*?\):(?: DEBUG)? ASSERT FAILED at \(.*?\): (.+)"),
                no_stack_trace=True,
            ),
            _F(
                lazy_rx("trusty: panic.* ASSERT FAILED.*: *(.*)"),
                "trusty: ASSERT FAILED: {1}",
                corrupted=True,
            ),
            _F(
                lazy_rx("trusty: panic"),
                "trusty: panic: {1}",
                report=lazy_rx(r"trusty: panic \(.*?\): (.+)"),
                no_stack_trace=True,
            ),
        ],
    ),
    # Kernels outside syzkaller's corpus print these; each format is written from the
    # kernel's own printing code.
    # (Their headers end at a word: a mail client's wrap at a space leaves a line ending
    # there, the line's rest on the next.)
    # include/linux/rtnetlink.h ASSERT_RTNL(), code that needs RTNL running without it:
    # "RTNL: assertion failed at net/core/dev.c (1234)". The 4.14-era macro printk()s it
    # and calls dump_stack() ("CPU: N PID: N Comm: X" and a trace, no registers): titled
    # by the function that asserted, the trace's first below dump_stack(). 6.1's is
    # WARN_ONCE(!rtnl_is_locked(), ...): the line is __warn_printk()'s message, __warn()'s
    # "WARNING:" line follows it, and the report is that WARNING, titled as any, from the
    # message on. Without a dump after it, the line is no report (a console cut there, a
    # program's echo). A pager's cut before the file (_RTNL_ASSERT_CUT) leaves the words
    # no other line has, and the dump after it (needs_oops) proves it: the same report.
    _k(
        "RTNL: assertion f",
        [
            *_WARN_LINE,
            # the line with no __warn() line right after it: printk() and dump_stack()
            _F(
                lazy_rx(_RTNL_ASSERT + r"(?!.*\n(?:.*\n)?.*WARNING: )"),
                "RTNL: assertion failed in {1}",
                stack=_s(*_TRACE),
            ),
            _F(
                lazy_rx(_RTNL_ASSERT_CUT + r"[ \t]*\n(?!(?:.*\n)?.*WARNING: )"),
                "RTNL: assertion failed in {1}",
                stack=_s(*_TRACE),
            ),
        ],
        absorbs=("WARNING:",),
        absorb_lines=2,
        shape=r"RTNL: assertion failed|" + _RTNL_ASSERT_CUT + r"\s*$",
        needs_oops=True,
    ),
    # fs/proc/proc_sysctl.c __register_sysctl_table() (3.4+): sysctl_check_table()'s
    # sysctl_err() prints "sysctl table check failed: %s/%s %pV" (path, entry, reason:
    # "No proc_handler", "Not a file", "bogus .mode 0%o", ...) for each bad entry of a
    # table, then the registration fails through dump_stack(); 2.6.24-3.3's
    # kernel/sysctl_check.c set_fail() the same words before its dump_stack(). Titled by
    # the code that registered the table: the trace's first function past the
    # registration helpers. journalctl's pager (less -S) at 50..57 columns cuts the line
    # before its path and ends it in its mark (taint.PAGER_MARK): "sysctl table check >"
    # .. "... failed:>". No other line says "sysctl table check", and the dump after it
    # (needs_oops) proves it: the same report, its cut repeats (a bad table's every bad
    # entry) the same report's lines.
    _k(
        "sysctl table check",
        [
            _F(
                lazy_rx(
                    "sysctl table check (?:failed: |(?:"
                    + _cut_rx("failed:")
                    + ")?"
                    + re.escape(PAGER_MARK)
                    + r"[ \t]*(?:\n|$))"
                ),
                "sysctl table check failed in {1}",
                stack=_s(
                    *_TRACE,
                    skip=("register_sysctl", "register_net_sysctl", "sysctl_check", "^set_fail$"),
                ),
            )
        ],
        absorbs=("sysctl table check",),
        absorb_lines=8,
        shape=r"sysctl table check(?: failed|(?: (?:"
        + _cut_rx("failed:")
        + ")?)?"
        + re.escape(PAGER_MARK)
        + r"\s*$)",
        needs_oops=True,
    ),
    # kernel/irq/spurious.c note_interrupt(): an interrupt line that kept firing with no
    # handler claiming it (a device or its driver, or the firmware's routing, is wrong).
    # __report_bad_irq() prints "irq %d: nobody cared (try booting with the "irqpoll"
    # option)", dump_stack() from the interrupt, "handlers:" and one line per action on
    # the line: "[<%p>] %ps" (3.x+, " threaded [<%p>] %ps" after it), 2.6's "[<%p>]"
    # then print_symbol()'s " (%s)"; note_interrupt() then prints "Disabling IRQ #%d".
    # The trace is the interrupt path and whatever it interrupted: the title names the
    # first handler, whose driver did not claim it. (abrt reports ": nobody cared".)
    # journalctl's pager (less -S) at 50..62 columns cuts the line anywhere after
    # "nobody cared" ("irq 7: nobody cared (try b>"): no other line says "irq %d: nobody
    # cared", and the dump and "handlers:" after it (needs_oops, the stack) prove it. A
    # handler's line the pager cut in its name ("[<81c33d8c>] c0_compa>") names none.
    _k(
        "nobody cared",
        [
            _F(
                lazy_rx(r"irq \d+: nobody cared"),
                "irq nobody cared in {1}",
                stack=_s(rx(r"^handlers:"), rx(r"^\[<[^>\s]+>\] \(?([a-zA-Z0-9_.]+)(?![\w.]|>$)")),
            )
        ],
        shape=r"irq \d+: nobody cared(?: \(try booting|(?:"
        + _cut_rx(" (try booting")
        + ")?"
        + re.escape(PAGER_MARK)
        + r"\s*$)",
        needs_oops=True,
    ),
    # check_stack_overflow() with CONFIG_DEBUG_STACKOVERFLOW in the interrupt entry of
    # powerpc (arch/powerpc/kernel/irq.c: less than a quarter of the stack left), 2.6 i386
    # (arch/x86/kernel/irq_32.c do_IRQ()), MIPS and LoongArch: "do_IRQ: stack overflow: %ld"
    # (the bytes left), then dump_stack() from the interrupt, whose trace runs on into the
    # interrupted task's. Titled as the other stack overflows (overflow_frame()).
    # journalctl's pager (less -S) at 48..57 columns cuts the line after "stack" and ends
    # it in its mark (taint.PAGER_MARK): "do_IRQ: stack ov>" .. "... overflow: 17>"; no
    # other line begins "do_IRQ: stack", and the dump after it (needs_oops) proves it.
    _k(
        "do_IRQ: stack",
        [
            _irq_stack_overflow("do_IRQ: stack overflow: "),
            _irq_stack_overflow(_IRQ_STACK_OVERFLOW_CUT),
        ],
        shape=r"do_IRQ: stack overflow:(?:\s+-?\d+)?\s*$|" + _IRQ_STACK_OVERFLOW_CUT + r"\s*$",
        needs_oops=True,
    ),
    # x86_64's own check (CONFIG_DEBUG_STACKOVERFLOW): 2.6.16-2.6.24
    # arch/x86_64/kernel/irq.c stack_overflow_check() printk()s "do_IRQ: %s near stack
    # overflow (cur:%Lx,rsp:%lx)" (the task's comm, its stack's base, the stack pointer)
    # then show_stack() from the interrupt: the same bug, titled the same. Later kernels
    # print the words from a WARN_ONCE(): 2.6.3x-3.x with "sp:" after the "WARNING:" line
    # (a WARNING report, whose lines these are), 3.x-4.x "do_IRQ(): %s has overflown the
    # kernel stack (...)" (no match here: syzkaller's WARNING rules title it).
    _k(
        "near st",
        [
            _irq_stack_overflow(r"do_IRQ: .* near stack overflow \(cur:"),
            _irq_stack_overflow(_NEAR_STACK_OVERFLOW_CUT),
        ],
        # (the figures may be cut off onto the next line: a mail client's or a terminal's
        # wrap; or cut off by journalctl's pager, less -S, which ends the line in its mark,
        # taint.PAGER_MARK: "(cur:ffffc90000628000,rsp:ffff>"; or its words, at 50..56
        # columns after journalctl's prefix: "do_IRQ: sh near sta>" .. "... overflo>")
        shape=r"do_IRQ: .+ near stack overflow(?: \(cur:[0-9a-f,rsp:]*(?:\)|>)?)?\s*$|"
        + _NEAR_STACK_OVERFLOW_CUT
        + r"\s*$",
        needs_oops=True,
    ),
    # x86 IBT: exc_control_protection() (6.2+ arch/x86/kernel/cet.c do_kernel_cp_fault())
    # prints "Missing ENDBR: %pS", the function an indirect branch reached without an
    # ENDBR instruction, then BUG() (or with ibt=warn, CUT_HERE and __warn() at that
    # function). Titled by the BUG or WARNING after it, as syzkaller titles those; the
    # report starts at this line, the one that names the function lacking ENDBR.
    _k(
        "Missing ENDBR:",
        [_BUG_AT, *_WARN_LINE],
        absorbs=("kernel BUG at", "WARNING:"),
        absorb_lines=3,
        needs_oops=True,
    ),
    # fs/xfs/xfs_error.c xfs_error_report(), which XFS's corruption checks call
    # (XFS_WANT_CORRUPTED_GOTO/RETURN, XFS_ERROR_REPORT, xfs_corruption_error()):
    # xfs_alert_tag(mp, ..., "Internal error %s at line %d of file %s.  Caller %pS", tag,
    # line, file, the caller's return address) ("XFS (sda1): " before it, 2.6.32's "XFS: "
    # and an address for the caller, 2.6.1x's 'Filesystem "sda1": XFS internal error'),
    # then xfs_stack_trace()'s dump_stack(). The filesystem then shuts down or returns
    # EFSCORRUPTED. Titled by the function whose check failed: the trace's first past the
    # reporting functions. Without the dump after it the line is context, no report.
    _k(
        "nternal error",
        [
            _F(
                lazy_rx(_XFS_INTERNAL_ERROR),
                "XFS: Internal error in {1}",
                # the dump right after it: dump_stack_print_info()'s task line (2.6's
                # "Pid: %d, comm: %.20s") or, with none, the trace (a blank line between,
                # or the long line's rest, wrapped by a mail client: two rows at most)
                report=lazy_rx(
                    _XFS_INTERNAL_ERROR + r".*\n(?:.*\n){0,2}?"
                    r"(?:CPU: \d+ |Pid: \d+, comm: |Call Trace:)"
                ),
                stack=_XFS_ERROR_STACK,
            ),
            _F(
                lazy_rx(_XFS_INTERNAL_ERROR_CUT),
                "XFS: Internal error in {1}",
                report=lazy_rx(
                    _XFS_INTERNAL_ERROR_CUT
                    + r"(?:.*\n){0,2}?(?:CPU: \d+ |Pid: \d+, comm: |Call Trace:)"
                ),
                stack=_XFS_ERROR_STACK,
            ),
        ],
        # (a mail client may wrap the line anywhere after the tag; Bugzilla's wrap at 79
        # columns, after a syslog prefix and a printk time, right before it, dropping the
        # blank: the tag and the rest go on in the next row, extract.join_wrapped; a pager
        # cuts it anywhere after its words, _XFS_INTERNAL_ERROR_CUT)
        shape=r"XFS(?: \([^)]*\))?:? [Ii]nternal error(?: \S+(?: at\b|\s*$)|\s*$|(?: .*)?"
        + re.escape(PAGER_MARK)
        + r"\s*$)",
        needs_oops=True,
    ),
    # OpenZFS's Solaris Porting Layer (out of tree: the "spl" and "zfs" modules, taint P
    # and O). module/os/linux/spl/spl-err.c spl_panic(), which a failed VERIFY()/ASSERT()
    # calls: printk(KERN_EMERG "%s", msg) (include/os/linux/spl/sys/debug.h's "VERIFY3(%s)
    # failed (%lld == %lld)"), printk(KERN_EMERG "PANIC at %s:%d:%s()\n", file's basename,
    # line, func), then spl_dumpstack()'s "Showing stack for process %d" and dump_stack();
    # the task then sleeps forever, the kernel runs on. Titled by the function the PANIC
    # line names, the one whose check failed (as "kernel BUG in" names the BUG()'s).
    # journalctl's pager (less -S) cuts the line before its function's "()" at 50..56
    # columns and ends it in its mark (taint.PAGER_MARK): "PANIC at hotfence_crash.c>".
    # spl_dumpstack()'s "Showing stack for process %d" and dump_stack() follow (the
    # kind's needs_oops): the function is the trace's first past spl_panic(), its caller.
    _k(
        "PANIC at",
        [
            _F(lazy_rx(r"PANIC at\s+[\w.\-]+:\d+:(\w+)\(\)"), "PANIC in {1}"),
            _F(
                lazy_rx(_SPL_PANIC_CUT + r"[ \t]*\nShowing st"),
                "PANIC in {1}",
                stack=_s(*_TRACE, skip=("^spl_dumpstack$", "^spl_panic$")),
            ),
        ],
        # (a mail client may wrap the line after "at")
        shape=r"PANIC at(?: [\w.\-]+:\d+:\w+\(\))?\s*$|" + _SPL_PANIC_CUT + r"\s*$",
        needs_oops=True,
    ),
    # The same failure before SPL 0.7 (module/spl/spl-debug.c, 2.6.26-4.x kernels):
    # spl_debug_bug() logs "SPL PANIC" through spl_debug_msg(), whose
    # trace_print_to_console() prints "SPLError: %d:%d:(%s:%d:%s()) %s" (pid, stack,
    # file's basename, line, func, the message), then spl_debug_dumpstack()'s "SPL:
    # Showing stack for process %d" and dump_stack(). Titled as 0.7's "PANIC at": by the
    # function the line names. The SPL's other "SPLError:" lines (an ASSERTION's message
    # before it) are messages.
    _k(
        "SPL PANIC",
        [_F(lazy_rx(r"SPLError: \d+:\d+:\([\w.\-]+:\d+:(\w+)\(\)\) SPL PANIC"), "PANIC in {1}")],
        shape=r"SPLError: \d+:\d+:\([\w.\-]+:\d+:\w+\(\)\) SPL PANIC\s*$",
        needs_oops=True,
    ),
    # The same file's vcmn_err(CE_PANIC, ...) (zfs_panic_recover() without zfs_recover=1,
    # cmn_err() callers): printk(KERN_EMERG "PANIC: %s\n", msg), then spl_dumpstack().
    # Titled by the trace's first function past the SPL's reporting ones.
    _k(
        "PANIC: ",
        [
            _F(
                lazy_rx("PANIC: "),
                "PANIC in {1}",
                stack=_s(*_TRACE, skip=("^spl_dumpstack", r"^v?cmn_err\b")),
            )
        ],
        # (sysvinit's "INIT: PANIC: segmentation violation!" on the console is a program's,
        # one of syzkaller's own suppressions)
        suppressions=("PANIC: double fault", "PANIC: early exception", "INIT: PANIC: "),
        needs_oops=True,
    ),
    # kernel/cfi.c report_cfi_failure(): "CFI failure at f+0x2c/0x40 (target: g...; expected
    # type: 0x...)", then a WARN with the registers and trace. After a syslog prefix and a
    # printk time Bugzilla's wrap at 79 columns cuts it after "at", dropping the space: the
    # function goes on in the next row (extract.join_wrapped), the header ends the line.
    _k(
        "CFI failure at",
        [
            _F(
                lazy_rx("CFI failure at {{FUNC}}"),
                "CFI failure in {1}",
                stack=_s(rx("CFI failure at {{FUNC}}")),
            ),
            # The same line as journalctl's pager (less -S) cuts it in the function's name
            # (56..69 columns: "CFI failure at bpf_dispat>") and ends it in its mark
            # (taint.PAGER_MARK). report_cfi_failure() (6.1 kernel/cfi.c) names
            # "addr", the trapping call's address, which arm64 cfi_handler() and x86
            # handle_cfi_failure() pass as regs->pc / regs->ip: the "pc : " / "RIP: " line
            # (or, cut, the trace's first entry) names that function whole.
            _F(
                lazy_rx(r"CFI failure at [\w.]*" + re.escape(PAGER_MARK) + r"[ \t]*(?:\n|$)"),
                "CFI failure in {1}",
                stack=_s(*_RIP_TRACE),
            ),
        ],
        absorbs=("WARNING:",),
        absorb_lines=3,
        shape=r"CFI failure at(?: |\s*$)",
    ),
    # arch/s390/kernel/dumpstack.c die(): "<what>: <interruption code> ilc:<n> [#1] ", the
    # program check that killed the kernel ("illegal operation", "specification exception",
    # "monitor event" for BUG(), "Oops" for a bad access), then show_regs()'s "Krnl PSW".
    # s390's report of a user-space fault has "ilc:" too, never the "[#n]" die counter.
    _k(
        " ilc:",
        [
            # traps.c monitor_event_exception() dies so only when report_bug() found a
            # BUG(): after its "kernel BUG at file:line!" (part of that report) or alone
            # when a console lost that line, the same BUG()
            _F(
                lazy_rx(r"monitor event: [0-9a-f]{4} ilc:\d \[#\d+\]"),
                "kernel BUG in {1}",
                stack=_s(*_RIP_TRACE),
            ),
            _died(r"([A-Za-z][A-Za-z -]*): [0-9a-f]{4} ilc:\d \[#\d+\]"),
        ],
        shape=_AFTER_PREFIX + r"[A-Za-z][A-Za-z -]*: [0-9a-f]{4} ilc:\d \[#\d+\]",
    ),
    # arch/s390/boot/pgm_check_info.c print_pgm_check_info(): a program check in
    # the decompressor / early boot code, before the kernel's own die() is set up. It
    # prints "Linux version %s", then "Kernel fault: interruption code %04x ilc:%x" (the
    # program check's code: 0005 an addressing exception, 0004 a protection one), then
    # "PSW : %016lx %016lx (%pS)" (5.7-5.9 printed the two words alone) and the GPRS. The
    # decompressor's sclp_early_printk() stamps nothing; 5.7-5.9's version line lacked its
    # newline, so the header follows it on the same line ("... 2020Kernel fault: ").
    # Titled by the function the PSW names, as die()'s "<what> in <func>" titles are; a
    # PSW that names none (those older kernels, or an address outside the decompressor's
    # symbols, which strsym() prints as hex) is titled by the kind alone (a title's numbers are
    # normalised away, so the program check's code would not tell titles apart).
    _k(
        " ilc:",
        [
            _F(
                lazy_rx(r"Kernel fault: interruption code [0-9a-f]{4} ilc:[0-9a-f]"),
                "Kernel fault in {1}",
                report=lazy_rx(
                    r"Kernel fault: interruption code [0-9a-f]{4} ilc:[0-9a-f]\s*\n"
                    r"(?:.*\n){0,2}?PSW : [0-9a-f]{16} [0-9a-f]{16} \([A-Za-z_]"
                ),
                stack=_s(*_RIP_TRACE),
            ),
            _F(
                lazy_rx(r"Kernel fault: interruption code [0-9a-f]{4} ilc:[0-9a-f]"),
                "Kernel fault",
                no_stack_trace=True,
            ),
        ],
        shape=r"Kernel fault: interruption code [0-9a-f]{4} ilc:[0-9a-f]\s*$",
    ),
    # Before 3.14 the same die() (then in arch/s390/kernel/traps.c) printed "%s: %04x [#%d] ",
    # no "ilc:": RHEL 7's and SLES 12's kernels. The program checks are traps.c's do_trap()
    # names and default_trap_handler()'s "Unknown program exception"; "Oops" (fault.c) and
    # "monitor event" after "kernel BUG at" have kinds of their own already.
    _k(
        "[#",
        [_died(rf"({_S390_PROGRAM_CHECKS}): [0-9a-f]{{4}} \[#\d+\]")],
        shape=_AFTER_PREFIX + rf"(?:{_S390_PROGRAM_CHECKS}): [0-9a-f]{{4}} \[#\d+\]",
    ),
    # arch/mips/kernel/traps.c do_be(): a bus error no fixup takes prints "Data bus error,
    # epc == %0*lx, ra == %0*lx" ("Instruction bus error, ..." for a fetch), then
    # die_if_kernel("Oops"): "Oops[#1]:" and show_registers(), part of this report. The
    # access faulted on the bus (a device's registers, a bad physical address), no page
    # fault: titled by the bus error, not as a paging request. do_be() prints the line for
    # a user program's bus error too, then only sends it SIGBUS: no report without an oops.
    _k(
        "bus error, epc == ",
        [
            _F(
                lazy_rx(r"(Data|Instruction) bus error, epc == [0-9a-f]+, ra == [0-9a-f]+"),
                "{1} bus error in {2}",
                stack=_s(*_RIP_TRACE),
            )
        ],
        needs_oops=True,
    ),
    # arch/mips/kernel/traps.c do_bp() BUG(): "Kernel bug detected[#1]:", then show_regs().
    _k(
        "Kernel bug detected[#",
        [_F(lazy_rx(r"Kernel bug detected\[#"), "kernel BUG in {1}", stack=_s(*_RIP_TRACE))],
    ),
    # The same line (4.19 and 6.1 do_trap_or_bp() -> die_if_kernel("Kernel bug detected",
    # regs) -> die(): "%s[#%d]:\n") as journalctl's pager (less -S) at 48..51 columns cuts
    # it before its "[#" and ends it in its mark (taint.PAGER_MARK): "Kernel bug detec>"
    # .. "... detected[>". No other kernel line begins "Kernel bug de", and die()'s
    # show_registers() after it (needs_oops) proves it: the same BUG.
    _k(
        "Kernel bug de",
        [
            _F(
                lazy_rx(MIPS_BUG_CUT + r"[ \t]*(?:\n|$)"),
                "kernel BUG in {1}",
                stack=_s(*_RIP_TRACE),
            )
        ],
        shape=MIPS_BUG_CUT + r"\s*$",
        needs_oops=True,
    ),
    # arch/mips and arch/loongarch die(): "<what>[#1]:" alone on its line, then
    # show_registers(): "Oops" after "Unable to handle kernel paging request", and the
    # traps' own words ("Unhandled kernel unaligned access", "Reserved instruction in
    # kernel code", ...) with no line before them. Only a kernel access no fixup takes
    # dies "Oops" (6.1 arch/mips/mm/fault.c __do_page_fault()'s no_context, after its
    # "CPU %d Unable to handle kernel paging request at virtual address %0*lx, epc ==
    # %0*lx, ra == %0*lx", and traps.c do_be() after its "Data bus error, epc == ...";
    # 6.10 arch/loongarch/mm/fault.c no_context(), "..., era == %0*lx, ra == %0*lx"):
    # alone (a console lost the line before it, a paste began at it) it is still that
    # bad access, in the function the PC line names, as x86's "Oops: 0000 [#1]" is.
    _k(
        "[#",
        [
            _F(
                lazy_rx(r"\bOops\[#\d+\]:"),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            # LoongArch's BUG(): do_bp()'s bug_handler() dies "Oops - BUG" after
            # report_bug()'s "kernel BUG at %s:%u!" (that report's) or for a break no bug
            # table entry names (6.10 arch/loongarch/kernel/traps.c): alone, a console
            # having lost the line before it, still BUG() where the ERA line points, as
            # arm's "Internal error: Oops - BUG: " alone is.
            _F(
                lazy_rx(r"\bOops - BUG\[#\d+\]:"),
                "kernel BUG in {1}",
                stack=_s(*_RIP_TRACE, parts2=_REGS_TRACE),
            ),
            _died(r"([A-Z][A-Za-z -]*)\[#\d+\]:"),
        ],
        shape=_AFTER_PREFIX + r"[A-Z][A-Za-z -]*\[#\d+\]:\s*$",
    ),
    # arch/sparc/kernel/traps_64.c (and traps_32.c) die_if_kernel(): its penguin, then
    # "%s(%d): %s [#%d]", the task and the die words, then show_regs() ("TPC: <%pS>",
    # sparc32's "PC: <%pS>") and show_stack()'s "Call Trace:", then one "Caller[%016lx]:
    # %pS" a register window. mm/fault_64.c's do_kernel_fault() / unhandled_fault() dies
    # "Oops" after "Unable to handle kernel paging request at virtual address %016lx" (or
    # "... NULL pointer dereference") and its "tsk->{mm,active_mm}" lines, part of that
    # report; alone (those lines lost) it is still that bad access. A trap in the kernel
    # dies with its own words (do_illegal_instruction()'s "Kernel illegal instruction",
    # BUG()'s too: do_BUG() prints "kernel BUG at %s:%d!" then the trap instruction
    # traps; bad_trap()'s "Kernel bad sw trap %lx"; "Iax", "Dax", "UE"; do_tof()'s
    # "Penguin overflow trap from kernel mode"; do_div0()'s "TL0: Kernel divide by
    # zero."; the "TL1: ..." traps above trap level 0).
    _k(
        "[#",
        [
            _F(
                lazy_rx(r"\(\d+\): Oops \[#"),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE),
            ),
            _died(rf"\(\d+\): ({_SPARC_TRAPS})\.? \[#"),
        ],
        shape=_AT_LINE_START + rf"\S.{{0,15}}\(\d+\): (?:Oops|{_SPARC_TRAPS})\.? \[#\d+\]\s*$",
    ),
    # arch/riscv/kernel/traps.c die(): "<what> [#1]" alone on its line, then the modules
    # and show_regs(): "Oops" after a bad access, and the traps' "Oops - illegal
    # instruction", "Oops - load access fault", ... with no line before them ("Kernel
    # BUG [#1]", BUG()'s, is the "Kernel BUG" kind's).
    _k(
        " [#",
        [_died(r"(Oops(?: - [a-z][\w() -]*)?) \[#\d+\]")],
        shape=_AFTER_PREFIX + r"Oops(?: - [a-z][\w() -]*)? \[#\d+\]\s*$",
    ),
    # arch/arc die() (traps.c): show_kernel_fault_diag() (troubleshoot.c) prints
    # pr_info("\n%s\n", str), the die words alone on their line with no "[#n]" counter,
    # then show_regs()'s "Path: %s", task line, "ECR: ..." registers and, for a fault in
    # kernel mode, show_stacktrace()'s "Stack Trace:". mm/fault.c do_page_fault() dies
    # "Oops" on a kernel access no fixup takes: a bad access, in the function the trace's
    # first entry names (the unwind starts at the faulting PC; show_regs() prints it as
    # a bare hex ERET). A line "Oops" alone is no evidence by itself.
    _k(
        "Oops",
        [
            _F(
                lazy_rx(r"Oops *(?:\n|$)"),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_TRACE),
            )
        ],
        shape=_AFTER_PREFIX + r"Oops\s*$",
        needs_oops=True,
    ),
    # mm/kmemleak.c print_unreferenced(): a leaked object as /sys/kernel/debug/kmemleak
    # lists it, "unreferenced object 0x%08lx (size %zu):" (6.13+ "unreferenced object%s"
    # with " (percpu)" or " (phys)"), its task, a hex dump, "  backtrace:" ("  backtrace
    # (crc %x):" since 6.7) and "    [<%pK>] %pS" entries; booted with kmemleak.verbose=1
    # the scan prints the same lines to the log, after pr_warn()'s "kmemleak: ". syzkaller
    # reads the file and prints "BUG: memory leak" above each object (that kind is
    # "BUG:"'s); read as the kernel wrote it, the object is that leak, titled the same.
    _k(
        "unreferenced object",
        [
            _F(
                lazy_rx("unreferenced object"),
                "memory leak in {1}",
                stack=_LEAK_STACK,
                own_rows=_LEAK_ROWS,
            )
        ],
        shape=_AFTER_PREFIX + r"unreferenced object(?: \(\w+\))? 0x[0-9a-f]+ \(size \d+\):",
    ),
    # arch/x86/kernel/traps.c do_trap() / do_error_trap(): a trap in kernel mode that no
    # fixup takes dies with the trap's name, and __die_header() prints "%s: %04lx [#%d]"
    # and the config words ("segment not present: 0000 [#1] PREEMPT SMP"), then
    # show_regs(). The names with a kind of their own above ("general protection
    # fault", "stack segment", "invalid opcode", "divide error") are left to it; these
    # are the rest, with i386's "iret exception" (entry_32.S's iret fixup, iret_error()).
    _k(
        "[#",
        [
            # pgtable_bad() on a fault in user mode (the common case: a user access whose
            # page table entry has a reserved bit set): show_regs() prints the user RIP
            # (CS 0x33, or 0x23 for a 32-bit task) and no trace. No kernel function is
            # at fault; the report is the bad page table itself.
            _F(
                lazy_rx(r"(Bad pagetable): [0-9a-f]{4} \[#"),
                "{1}",
                report=lazy_rx(
                    r"(Bad pagetable): [0-9a-f]{4} \[#.*\n(?:(?!.*RIP: ).*\n){0,8}.*RIP: 00[23]3:"
                ),
                no_stack_trace=True,
            ),
            _F(lazy_rx(rf"({_X86_TRAPS}): [0-9a-f]{{4}} \[#"), "{1} in {2}", stack=_s(RIP_FRAME)),
        ],
        shape=_AFTER_PREFIX + rf"(?:{_X86_TRAPS}): [0-9a-f]{{4}} \[#\d+\]",
    ),
    # arch/parisc/kernel/traps.c parisc_terminate(), the end of a kernel fault no fixup
    # takes (mm/fault.c's "Bad Address (null pointer deref?)") and of a machine check:
    # a backtrace, then "%s: Code=%d (%s) at addr " RFMT with the trap's number and
    # trap_name() (2.6.x-3.x: "%s: Code=%d regs=%p (Addr=" RFMT ")"), show_regs() and
    # panic(msg). The function is show_regs()'s "IAOQ[0]: %pS". handle_interruption()'s
    # "Kernel Fault" is the same bad access: a TLB miss or access rights trap (codes 15,
    # 16, 17, 26, ...) on the kernel's own space (fault_space 0), or with page faults
    # disabled, that no fixup takes, caught before do_page_fault() would see it.
    _k(
        ": Code=",
        [
            _F(
                lazy_rx(r"(?:Bad Address \(null pointer deref\?\)|Kernel Fault): Code="),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, more=_LINK_FALLBACK),
            ),
            _died(r"([A-Z][\w ()-]*?): Code=\d+ "),
        ],
        shape=_AT_LINE_START + r"[A-Z][\w ()?-]*: Code=\d+ (?:\(.*\) at addr [0-9a-f]+"
        r"|regs=\S+ \(Addr=[0-9a-f]+\))\s*$",
    ),
    # arch/parisc/kernel/traps.c die_if_kernel() of a trap in the kernel ("Illegal
    # instruction", "Privileged operation", "Privileged register usage", ...): its cow,
    # then "%s (pid %d): %s (code %ld)", the task, the trap's words and number, and
    # show_regs(). A user program's trap prints the same line with " at " RFMT after it
    # (parisc_printk_ratelimited()) and is only sent its signal.
    _k(
        " (code ",
        [_died(r"\(pid \d+\): ([A-Z][\w ]*?) \(code \d+\)")],
        shape=_AT_LINE_START + r"\S.{0,15} \(pid \d+\): [A-Z][\w ]* \(code \d+\)\s*$",
    ),
    # arch/sh/kernel/traps_32.c: a trap in the kernel that no fixup takes dies with its
    # own words (do_illegal_slot_inst(), do_reserved_inst(), do_exception_error(), the
    # unaligned access fixups), and die() (traps.c) prints "%s: %04lx [#%d]" with the
    # exception vector, as x86's __die_header() does, then show_regs()'s "PC is at %pS".
    # (A bad access dies "Oops", the x86 shape's kind below.)
    _k(
        "[#",
        [_died(rf"({_SH_TRAPS}): [0-9a-f]{{4}} \[#")],
        shape=_AFTER_PREFIX + rf"(?:{_SH_TRAPS}): [0-9a-f]{{4}} \[#\d+\]",
    ),
    # arch/m68k/kernel/traps.c die_if_kernel(): pr_crit("%s: %08x\n", str, nr), then
    # show_registers(): "PC: [<%08lx>] %pS", the registers, "Process %s (pid: %d,
    # task=%p)", "Frame format=%X ...", show_stack()'s "Stack from %08lx:" and "Call
    # Trace:". mm/fault.c send_fault_sig() dies "Oops" after "Unable to handle kernel
    # NULL pointer dereference" / "... access" " at virtual address %p" (that kind's
    # report); a bus error in the kernel on the 68030 and Sun 3 (bus_error030(),
    # buserr_c()) prints "Data read fault at %#010lx in Super Data (pc=%#lx)" or
    # "Instruction fault at %#010lx", then "BAD KERNEL BUSERR" and dies "Oops" with no
    # fault line of that kind's: the same bad access, in the function "PC:" names.
    _k(
        "Oops",
        [
            _F(
                lazy_rx(r"Oops: [0-9a-f]{8}"),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE),
            )
        ],
        shape=_AT_LINE_START + r"Oops: [0-9a-f]{8}\s*$",
    ),
    # arch/m68k/kernel/traps.c bad_super_trap(): a trap in supervisor mode that no
    # fixup takes prints pr_err("*** %s ***   FORMAT=%X\n") with the vector's name from
    # vec_names[] ("ILLEGAL INSTRUCTION", "ADDRESS ERROR", "ZERO DIVIDE", "CHK", "TRAP
    # #7", ...; "*** Exception %d ***" past the table), "Current process id is %d", then
    # die_if_kernel("BAD KERNEL TRAP", regs, 0): "BAD KERNEL TRAP: 00000000" and
    # show_registers() ("PC: [<%08lx>] %pS") and the trace. Titled by the vector's
    # name; "TRAP #7" is BUG()'s (include/asm/bug.h: __builtin_trap() after "kernel BUG
    # at %s:%d!", part of that report; alone without CONFIG_DEBUG_BUGVERBOSE).
    _k(
        "***   FORMAT=",
        [
            _F(
                lazy_rx(r"\*\*\* TRAP #7 \*\*\*   FORMAT="),
                "kernel BUG in {1}",
                stack=_s(*_RIP_TRACE),
            ),
            _died(r"\*\*\* ([A-Z][\w #]*?|Exception \d+) \*\*\*   FORMAT="),
        ],
        shape=_AT_LINE_START
        + r"\*\*\* (?:[A-Z][\w #]*|Exception \d+) \*\*\*   FORMAT=[0-9A-F]\s*$",
    ),
    # arch/xtensa/kernel/traps.c die(): pr_info("%s: sig: %ld [#%d]%s\n") (" PREEMPT" or
    # " PREEMPT_RT" after it in 5.x-6.1, nothing since), then show_regs() (a bare "pc:
    # %08lx, ps: ..." line) and, in kernel mode, show_stack()'s "Stack:" dump and "Call
    # Trace:" of " [<%08lx>] %pB" entries: the trace names the function. mm/fault.c
    # bad_page_fault() dies "Oops" after "Unable to handle kernel paging request at
    # virtual address %08lx" (that kind's report; alone, a bad access still); the traps
    # die in the kernel with their own words: do_illegal_instruction() "Illegal
    # instruction in kernel", do_unaligned_user() "Unhandled unaligned exception in
    # kernel", do_div0() "Unhandled division by 0 in kernel", do_load_store(), do_debug()
    # "Breakpoint in kernel", do_unhandled() "Caught unhandled exception - should not
    # happen", do_multihit() "Caught multihit exception".
    _k(
        "[#",
        [
            _F(
                lazy_rx(r"Oops: sig: \d+ \[#"),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_TRACE),
            ),
            _F(lazy_rx(rf"({_XTENSA_TRAPS}): sig: \d+ \[#"), "{1} in {2}", stack=_s(*_TRACE)),
        ],
        shape=_AFTER_PREFIX
        + rf"(?:Oops|{_XTENSA_TRAPS}): sig: \d+ \[#\d+\](?: PREEMPT(?:_RT)?)?\s*$",
    ),
    # arch/x86/mm/fault.c page_fault_oops() (no_context() before 5.x): a kernel page
    # fault dies with "Oops", and __die_header() prints "Oops: %04lx [#%d]" ("Oops: Oops:
    # ..." since 6.11) after the fault's "BUG: unable to handle ..." and "#PF:" lines,
    # part of that report. Alone (the console lost them, or a paste began at it) it is
    # still that bad access, in show_regs()'s faulting function. The lost line named a
    # NULL pointer dereference where the address was below PAGE_SIZE (page_fault_oops()
    # 6.x: "if (address < PAGE_SIZE && !user_mode(regs))"; show_fault_oops() before
    # 4.20: "address < PAGE_SIZE"), and __show_regs() prints that address as CR2 (6.x
    # process_64.c "CR2: %016lx CR3: ...", process_32.c "CR0: %08lx CR2: %08lx ..."):
    # 4096 is three hex digits.
    _k(
        "[#",
        [
            _F(
                lazy_rx(_X86_OOPS_THEN + _CR2_NULL),
                "BUG: unable to handle kernel NULL pointer dereference in {1}",
                alt=("bad-access in {1}",),
                stack=_s(RIP_FRAME),
            ),
            # CR2's value a pager cut before it tells (_CR2_CUT): either kind
            _F(
                lazy_rx(_X86_OOPS_THEN + _CR2_CUT),
                "BUG: unable to handle kernel",
                corrupted=True,
            ),
            _F(
                lazy_rx(r"Oops: (?:Oops: )?[0-9a-f]{4} \[#"),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(RIP_FRAME),
            ),
        ],
        shape=_AFTER_PREFIX + r"Oops: (?:Oops: )?[0-9a-f]{4} \[#\d+\]",
    ),
    # arch/powerpc/kernel/traps.c __die(): "Oops: <what>, sig: <n> [#1]", then the
    # platform line, show_regs() and the trace. After "BUG: Kernel NULL pointer
    # dereference" or "kernel BUG at" it is part of that report; alone (the line before
    # it lost), a bad kernel access (bad_page_fault()'s "Kernel access of bad area") or
    # a program check ("Exception in kernel mode") is still a report. arch/ppc's
    # bad_page_fault() (before 2.6.27) and microblaze's (mm/fault.c) say "kernel access
    # of bad area"; arch/ppc 2.4's die() and microblaze's (kernel/exceptions.c) print
    # "Oops: %s, sig: %ld" with no die counter.
    _k(
        ", sig: ",
        [
            _F(
                lazy_rx(r"Oops: [Kk]ernel access of bad area, sig: \d+"),
                "BUG: unable to handle kernel paging request in {1}",
                alt=("bad-access in {1}",),
                stack=_s(*_RIP_TRACE, more=_LINK_FALLBACK),
            ),
            # program_check_exception(): a trap instruction in kernel text that
            # report_bug() did not find to be a WARN (BUG(), BUG_ON()'s "tw"/"td") goes
            # to _exception(SIGTRAP, ...), whose kernel-mode path dies "Exception in
            # kernel mode" with signal 5: after report_bug()'s "kernel BUG at
            # file:line!" (part of that report) or alone when a console lost that line
            _F(
                lazy_rx(r"Oops: Exception in kernel mode, sig: 5 \[#"),
                "kernel BUG in {1}",
                stack=_s(*_RIP_TRACE),
            ),
            # StackOverflow()'s die() with VMAP_STACK (see "Kernel stack overflow in
            # process"), its first line lost
            _F(
                lazy_rx(r"Oops: Kernel stack overflow, sig: \d+"),
                "kernel stack overflow in {1}",
                alt=("stack-overflow in {1}",),
                stack=_s(*_RIP_TRACE, extractor=overflow_frame),
            ),
            _died(r"Oops: ([A-Za-z][^,]*), sig: \d+"),
        ],
        shape=r"Oops: [A-Za-z][^,]*, sig: \d+(?: \[#\d+\]|\s*$)",
    ),
    # kernel/watchdog_hld.c / watchdog.c: the locked CPU's registers (its own NMI, or
    # "NMI backtrace for cpu N" from the buddy detector) follow; the title names the
    # function it was stuck in, not the panicking CPU's idle loop.
    _k(
        "Watch",
        [
            _F(
                lazy_rx(_HARD_LOCKUP_LINE),
                "BUG: hard lockup in {1}",
                stack=_s(*_RIP_TRACE, parts2=_AFTER_NMI, skip=_DELAY_SKIP),
                looping=True,
            )
        ],
        # kernel/watchdog.c watchdog_hardlockup_check() (6.6; watchdog_hld.c's
        # watchdog_overflow_callback() before): pr_emerg("Watchdog detected hard LOCKUP on
        # cpu %d\n", cpu), after the "watchdog: " pr_fmt. journalctl's pager (less -S)
        # cuts it past 72 columns and ends it in its mark (taint.PAGER_MARK): "watchdog:
        # Watchdog detected hard LOCKUP o>" is still the lockup's line, its CPU unknown;
        # at 56-68 columns it cuts the words, "watchdog: Watchdog detected h>" ("NMI
        # watchdog: " on RHEL 7's 3.10), which no other line of the kernel starts so
        # (the panic's own "Kernel panic - not syncing: Hard LOCKUP" follows it, as
        # whole); at 56-59 columns "watchdog: Watchdog de>" .. "... detected >", no
        # other line of kernel/watchdog*.c (pr_fmt "watchdog: " or "NMI watchdog: ")
        # starting "Watchdog d"; at 46-55 columns (50-55 after RHEL 7's longer pr_fmt)
        # "watchdog: Watch>" .. "watchdog: Watchdog d>": no line of theirs starts "W"
        # but this one (3.10-6.6 pr_emerg()s: "BUG: soft lockup - CPU#%d ...", "Enabled.
        # Permanently consumes ...", "Perf NMI watchdog permanently disabled", "Disabling
        # watchdog on nohz_full cores ..."). The kind's header is what every such cut
        # leaves.
        shape=_HARD_LOCKUP_LINE,
    ),
    # WARN_ON() up to 2.6.1x (include/asm-generic/bug.h; RHEL 4's 2.6.9): "Badness in %s at
    # %s:%d" (function, file, line) then dump_stack(), what "WARNING: at" later became.
    _k(
        "Badness in ",
        [
            _F(
                lazy_rx(r"Badness in ([a-zA-Z0-9_.]+) at {{SRC}}"),
                "WARNING in {1}",
                no_stack_trace=True,
            )
        ],
    ),
    # The architectures that trap on WARN (powerpc, s390, sh, parisc), 2.6.19 to 3.x:
    # lib/bug.c report_bug() printed "Badness at %s:%u" (file, line), or "Badness at %p
    # [verbose debug info unavailable]" without CONFIG_DEBUG_BUGVERBOSE, then show_regs()
    # (2.6.29; no CPU/PID line before 3.x, powerpc's "TASK = %p[%d] '%s' THREAD: %p CPU:
    # %d" instead): what became "WARNING: at %s:%u" (3.4), titled as that one is. The
    # line names no function: NIP / the PSW, else the trace, does. Earlier (2.6.21 on
    # powerpc) report_bug() called dump_stack(): the trace starts in the trap (show_stack,
    # report_bug, program_check_exception, the exception return ret_from_except_full),
    # the function that warned after it. (The file may be assembly, its WARN in a ".S"
    # macro: "Badness at arch/powerpc/kernel/entry_64.S:651", linux-mm 2007.)
    _k(
        "Badness at ",
        [
            _F(
                lazy_rx(r"Badness at " + _BADNESS_SRC + r"[ \t]*(?:\n|$)"),
                "WARNING in {2}",
                stack=_BADNESS_STACK,
            ),
            _F(
                lazy_rx(r"Badness at (?:0x)?[0-9a-f]+ \[verbose debug info unavailable\]"),
                "WARNING in {1}",
                stack=_BADNESS_STACK,
            ),
        ],
        shape=_AFTER_PREFIX
        + r"Badness at (?:"
        + _BADNESS_SRC
        + r"[ \t]*$|(?:0x)?[0-9a-f]+ \[verbose debug info unavailable\])",
    ),
    # mm/page_alloc.c bad_page() before 2.6.28 (RHEL 5's 2.6.18): "Bad page state in process
    # '%s'" (2.6.16-2.6.27; 2.6.9-2.6.15's "Bad page state at %s (in process '%s', page
    # %p)"), the page's fields, "Trying to fix it up, but a reboot is needed", "Backtrace:"
    # and dump_stack(): what "BUG: Bad page state in process %s  pfn:%05lx" became, titled
    # as that one is. The quote keeps the later wording the "BUG:" kind's.
    _k(
        "Bad page state ",
        [
            _F(
                lazy_rx(r"Bad page (state) (?:in process '|at [a-z_]+ \(in process ')"),
                "BUG: Bad page {1} in {2}",
                stack=_BAD_PAGE_STACK,
            )
        ],
        shape=_AFTER_PREFIX + r"Bad page state (?:in process '|at [a-z_]+ \(in process ')",
    ),
    # mm/memory.c print_bad_pte() in 2.6.14-2.6.28 (RHEL 5's 2.6.18): "Bad pte = %08llx,
    # process = %s, vm_flags = %lx, vaddr = %lx", then dump_stack(): what "BUG: Bad page
    # map in process %s  pte:%08llx pmd:%08llx" became, titled as that one is.
    _k(
        "Bad pte = ",
        [_F(lazy_rx(r"Bad pte = [0-9a-f]+, process = "), "BUG: Bad page map")],
        shape=_AFTER_PREFIX + r"Bad pte = [0-9a-f]+, process = ",
    ),
    # 2.6.x arch/i386 and arch/x86_64 nmi.c: die_nmi("NMI Watchdog detected LOCKUP on CPU%d,
    # eip %08lx, registers:") (i386) or "NMI Watchdog detected LOCKUP on CPU %d" (x86_64,
    # RHEL 5), then show_registers() of the locked CPU ("EIP is at f", "RIP: ... f").
    _k(
        "NMI Watchdog detected LOCKUP on CPU",
        [
            _F(
                lazy_rx("NMI Watchdog detected LOCKUP on CPU"),
                "BUG: hard lockup in {1}",
                stack=_s(*_RIP_TRACE),
                looping=True,
            )
        ],
    ),
    # arch/powerpc/kernel/watchdog.c (4.13+), powerpc's own hard lockup detector: the locked
    # CPU prints "Watchdog CPU:%d Hard LOCKUP" (wd_lockup_ipi(), 4.13-4.15; since 4.16
    # "CPU %d Hard LOCKUP" after pr_fmt's "watchdog: ", when another CPU found it stuck)
    # or "CPU %d self-detected hard LOCKUP @ %pS" (soft_nmi_interrupt()), then
    # print_modules() and show_regs(): NIP, LR and the trace where it spun. ("Watchdog
    # CPU:%d detected Hard LOCKUP other CPUS:%*pbl", 4.16+ "CPU %d detected hard LOCKUP
    # on other CPUs %*pbl", before it is the CPU that noticed, no report of its own.)
    _k("Hard LOCKUP", [_PPC_HARD_LOCKUP], shape=r"(?:Watchdog CPU:|watchdog: CPU )\d+ Hard LOCKUP"),
    _k("self-detected hard LOCKUP @", [_PPC_HARD_LOCKUP]),
    # (journalctl's pager, less -S, at 48..73 columns cuts soft_nmi_interrupt()'s line
    # after its "watchdog: " pr_fmt, "watchdog: CPU 1 s>" .. "watchdog: CPU 1 self-dete>"
    # .. "... LOCKUP >": the kind's header is what such a cut leaves, the words cut
    # anywhere past "CPU %d s", where no other line of 6.1 arch/powerpc/kernel/watchdog.c
    # goes on so ("CPU %d Hard LOCKUP", "CPU %d detected hard LOCKUP on other CPUs
    # %*pbl", "CPU %d became unstuck TB:%lld", "CPU %d TB:%lld, last heartbeat ..."))
    _k("watchdog: CPU ", [_PPC_HARD_LOCKUP], shape=_PPC_SELF_CUT),
    # arch/x86/kernel/cpu/mce/core.c print_mce(): "mce: [Hardware Error]: CPU 7: Machine
    # Check Exception: 5 Bank 4: be00000000800400"; a hardware error, no kernel stack.
    # mce_panic() prints every pending record (other CPUs' banks, the final one last), then
    # "Machine check: <why>" and the panic: one machine check, one report. A record takes
    # 3-5 lines (RIP, TSC/ADDR/MISC, PROCESSOR, the ratelimited "Run the above through").
    # i386 before 2.6.31 (arch/i386/kernel/cpu/mcheck/p4.c, p6.c, k7.c; arch/x86's
    # mcheck/p4.c, p6.c, k7.c until the 64-bit handler took over) prints the record's first
    # line alone, "CPU %d: Machine Check Exception: %08x%08x\n", then one line per bank,
    # "Bank %d: %08x%08x" ("[misc]", " at addr"), then panic()s "CPU context corrupt" or
    # "Unable to continue": the first bank is on the next line. x86_64's print_mce() of 2.6.x
    # (RHEL 5's, RHEL 6's) prints the MCG status "%16Lx", padded: "Exception:                5".
    _k(
        "Machine Check Exception:",
        [
            _F(
                # (a status the pager cut, "Bank 4: be>", is the format below's)
                lazy_rx(
                    r"Machine Check Exception: +[0-9a-f]+[ \n]Bank (\d+): ([0-9a-f]+)"
                    r"(?![0-9a-f]|" + re.escape(PAGER_MARK) + ")"
                ),
                "MCE: machine check in bank {1} status {2}",
                no_stack_trace=True,
            ),
            # journalctl's pager (less -S, taint.PAGER_MARK) cuts that first line past
            # "Exception:" (RHEL 6's padded MCG status pushes the bank past 80 columns
            # after the journal's prefix): "CPU 7: Machine Check Exception:          5 >".
            # The record is still the machine check; its bank ("%d") and status ("%016Lx")
            # are gone, and the title holds the placeholders normalise() makes of them.
            _F(
                lazy_rx(
                    r"Machine Check Exception:[ 0-9a-f]*(?:Ba?n?k? ?\d*:? ?[0-9a-f]*)?"
                    + re.escape(PAGER_MARK)
                    + r"(?=\n|\Z)"
                ),
                "MCE: machine check in bank NUM status ADDR",
                no_stack_trace=True,
            ),
        ],
        absorbs=("Machine Check Exception:",),
        absorb_lines=_MCE_RECORDS_LINES,
    ),
    # The same first line cut by the pager before "Exception:" (RHEL 6's 2.6.32
    # arch/x86/kernel/cpu/mcheck/mce.c print_mce(): "CPU %d: Machine Check Exception:
    # %16Lx Bank %d: %016Lx", at 50..61 columns after the journal's prefix: "CPU 7: Machine
    # Chec>" .. "... Check Exceptio>"). Only print_mce() begins a line "CPU %d: Machine C",
    # and the record's next line proves it: "RIP%s %02x:<%016Lx> " or "TSC %llx ", or the
    # old i386 handlers' (p4.c, k7.c) "Bank %d: %08x%08x". Still that machine check. 4.x+
    # __print_mce() (6.1 arch/x86/kernel/cpu/mce/core.c: pr_emerg(HW_ERR "CPU %d: Machine
    # Check%s: ...") with " Exception" only while MCIP is set) prints a corrected error's
    # record too, after "mce: [Hardware Error]: " and with no " Exception" (the default
    # notifier's, after "Machine check events logged"): after that prefix only a cut past
    # "Check E" ("CPU 7: Machine Check Ex>", 75..79 columns) is the exception.
    _k(
        "Machine C",
        [
            _F(
                lazy_rx(
                    _MCE_LINE_CUT
                    + r"[ \t]*\n(?:mce: )?(?:\[Hardware Error\]: )?(?:RIP|TSC |Bank \d+: )"
                ),
                "MCE: machine check in bank NUM status ADDR",
                no_stack_trace=True,
            ),
        ],
        shape=_AT_LINE_START + _MCE_LINE_CUT + r"\s*$",
        absorbs=("Machine C",),
        absorb_lines=_MCE_RECORDS_LINES,
    ),
    # arm64's panic_bad_stack() (arch/arm64/kernel/traps.c) and riscv's and 32-bit ARM's
    # handle_bad_stack() (arch/riscv/kernel/traps.c, arch/arm/kernel/traps.c) open with
    # "Insufficient stack space to handle exception!" and the stacks' bounds, print the
    # registers of the frame that ran out of stack (__show_regs(): "pc :", "epc :", "PC is
    # at"), and only then panic "[Kk]ernel stack overflow" (arm64, riscv) or die with
    # "Internal error: kernel stack overflow" (arm): one report from this line on, titled
    # as the panic's or die's line alone is. A console that lost what follows the registers
    # still holds the overflow: the faulting frame names it (riscv's "ra :" when its "epc :"
    # is a generic helper such as memset).
    _k(
        "Insufficient stack space",
        [
            _F(
                lazy_rx(_NO_STACK_LINE),
                "kernel stack overflow in {1}",
                alt=("stack-overflow in {1}",),
                stack=_NO_STACK_STACK,
            )
        ],
        absorbs=(
            "Kernel panic - not syncing: kernel stack overflow",
            "Kernel panic - not syncing: Kernel stack overflow",
            "Internal error: kernel stack overflow",
        ),
        # the stacks' bounds and the register dump between them: about 25 lines on arm64
        absorb_lines=40,
        # journalctl's pager (less -S) cuts the line past 76 columns and ends it in its
        # mark (taint.PAGER_MARK): "Insufficient stack space to handle e>" is still it.
        shape=_NO_STACK_LINE,
    ),
    # The same line cut shorter, after "Insufficient " .. "Insufficient stack spac": a log
    # cut at 44..54 columns with no mark after journalctl's prefix (stamps.mark_cut_rows
    # reads it as less -S's, its mark in place of the last column kept). Other lines start
    # "Insufficient s" (a driver's "Insufficient space"): the stacks' bounds the overflow
    # prints next tell it, "Task stack:     [%#lx..%#lx]" within three rows (6.1 arm64
    # panic_bad_stack() after its "ESR:" and "FAR:" lines; riscv's and 32-bit ARM's
    # handle_bad_stack(), arch/riscv/kernel/traps.c 5.18+ and arch/arm/kernel/traps.c
    # 5.18+, at once). The frame's function goes with the registers' cut, mostly.
    _k(
        "Insufficient ",
        [
            _F(
                lazy_rx(_NO_STACK_CUT),
                "kernel stack overflow in {1}",
                alt=("stack-overflow in {1}",),
                stack=_NO_STACK_STACK,
            )
        ],
        absorbs=(
            "Kernel panic - not syncing: kernel stack overflow",
            "Kernel panic - not syncing: Kernel stack overflow",
            "Internal error: kernel stack overflow",
        ),
        absorb_lines=40,
        shape=_AFTER_PREFIX
        + r"Insufficient (?:"
        + _cut_rx("stack spac")
        + r")?"
        + re.escape(PAGER_MARK)
        + r"\s*$",
    ),
    # arch/s390/kernel/traps.c kernel_stack_overflow(): "Kernel stack overflow." and
    # show_regs(), whose PSW names the function that ran out of stack (its "Call Trace:" is
    # empty: the stack is gone, so none is expected), then panic("Corrupt kernel stack,
    # can't continue.").
    _k(
        "Kernel stack overflow.",
        [
            _F(
                lazy_rx(r"Kernel stack overflow\."),
                "kernel stack overflow in {1}",
                alt=("stack-overflow in {1}",),
                stack=_s(RIP_FRAME),
                no_stack_trace=True,
            )
        ],
        shape=r"Kernel stack overflow\.\s*$",
    ),
    # The same line a pager (less -S, or a cut with no mark read as its cut: stamps.
    # mark_cut_rows) cut after "Kernel stack " (its mark, taint.PAGER_MARK, in place of the
    # last column kept: a row exactly as wide as the cut, "Kernel stack overflow>", reads
    # so too). powerpc's "Kernel stack overflow in process %s[%d], r1=%lx" starts alike:
    # s390's show_regs() (6.1 arch/s390/kernel/dumpstack.c) prints the PSW ("Krnl PSW :
    # ...") after the task and hardware lines, which no other architecture prints.
    _k(
        "Kernel stack ",
        [
            _F(
                lazy_rx(_S390_OVERFLOW_CUT + r"[ \t]*\n(?:[^\n]*\n){0,3}?[^\n]*Krnl PSW"),
                "kernel stack overflow in {1}",
                alt=("stack-overflow in {1}",),
                stack=_s(RIP_FRAME),
                no_stack_trace=True,
            )
        ],
        shape=_AFTER_PREFIX + _S390_OVERFLOW_CUT + r"\s*$",
    ),
    # arch/powerpc/kernel/traps.c StackOverflow() (stack_overflow_exception() since 5.12):
    # pr_crit("Kernel stack overflow in process %s[%d], r1=%lx\n") (before 3.x the task
    # as "%p"), then show_regs() and panic("kernel stack overflow"); with VMAP_STACK
    # (5.4+, 32-bit) die("Kernel stack overflow", regs, SIGSEGV) instead: "Oops: Kernel
    # stack overflow, sig: 6 [#1]", the platform line and show_regs(). One report from
    # this line on, titled as the other architectures' overflows: show_regs()'s "NIP
    # [...] %pS" is where the stack ran out, the trace's recursion what overflowed it.
    _k(
        "Kernel stack overflow in process ",
        [
            _F(
                lazy_rx(r"Kernel stack overflow in process "),
                "kernel stack overflow in {1}",
                alt=("stack-overflow in {1}",),
                stack=_s(*_RIP_TRACE, extractor=overflow_frame),
            )
        ],
        absorbs=(
            "Oops: Kernel stack overflow, sig: ",
            "Kernel panic - not syncing: kernel stack overflow",
        ),
        # show_regs() (the GPRs, NIP, LR and a trace of up to 64 entries) before the panic
        absorb_lines=90,
        shape=r"Kernel stack overflow in process \S+, r1=[0-9a-f]+\s*$",
    ),
    # mm/slub.c slab_bug() for caches other than kmalloc-* (see _SLUB_REPORT).
    _k(
        "BUG ",
        [_SLUB_REPORT],
        _SLUB_INSIDE_KASAN,
        absorbs=_SLUB_ABSORBS,
        absorb_lines=60,
        shape=_SLUB_SHAPE,
        needs_oops=True,
    ),
    # Go runtime crashes (the fuzzer's own processes). A compiler's diagnostic is not one:
    # GCC and Clang print "file:line:col: fatal error: " (diagnostic_build_prefix()), or
    # the program's own name with no location ("cc1: fatal error: x.c: No such file"),
    # as in a DKMS or module build log pasted beside a crash.
    _k(
        "fatal error:",
        [_F(lazy_rx("fatal error:"), "go runtime error", no_stack_trace=True)],
        (
            "ALSA",
            "fatal error: cannot create timer",
            r"\S:\d+(?::\d+)?: fatal error: ",
            r"(?:^|[\s/])(?:cc1|cc1plus|lto1|collect2|gcc|g\+\+|clang|clang\+\+)(?:-\d+)?: fatal error: ",
            _PROGRAM_TAG,
        ),
        program=True,
    ),
    # Failures reported by syzkaller's executor and tools. Programs' lines too, but what a
    # fuzzer's log is read for, next to the kernel's stamped lines or not (a console log
    # takes the executor's output unstamped), and no other program prints them.
    _k("SYZFAIL:", [_F(lazy_rx("SYZFAIL:(.*)"), "SYZFAIL:{1}", no_stack_trace=True)]),
    _k(
        "SYZFATAL:",
        [_F(lazy_rx("SYZFATAL:(.*)()"), "SYZFATAL:{1}", alt=("SYZFATAL{2}",), no_stack_trace=True)],
    ),
    _k(
        "panic:",
        [
            _F(
                lazy_rx("panic: Sentry detected .* stuck task"),
                "panic: Sentry detected stuck tasks",
                no_stack_trace=True,
            ),
            _F(lazy_rx("panic:(.*)"), "panic:{1}", no_stack_trace=True),
        ],
        # The Go runtime's printpanics() writes "panic: " at its line's start: a word that
        # only ends in "panic:" is another program's or driver's tag (MediaTek's and
        # MStar's kernel "ipanic: startup" at every boot).
        (r"\wpanic:", "xlog_status:", r"ddb\.onpanic:", "evtlog_status:", _PROGRAM_TAG),
        program=True,
    ),
)

# Header lines that continue the current report instead of starting a new one.
REPORT_START_IGNORES = tuple(
    rx(p)
    for p in (
        "invalid opcode: 0000",
        # (or with nothing after the colon: a comment's word wrap, Bugzilla's
        # wrap_comment(), cut the line at the space after it and dropped the space)
        # (but for UML's fault, a report of its own: see UML_FAULT; not its end marker;
        # nor UML's relay_signal() panic, UML_SIGNAL)
        _PANIC[:-1]
        + r"(?: (?!Kernel mode fault at |Kernel tried to access user memory at |"
        + _UML_SEGFAULT
        + "|"
        + UML_SIGNAL
        + r")|\s*$)",
        r"---\[ end " + _PANIC,
        _PANIC_CUT,  # (or by a pager before its colon's blank)
        "unregister_netdevice: waiting for",
        "PANIC: double fault",
        "Internal error:",
        # riscv and MIPS die() after report_bug()'s "kernel BUG at file:line!", and sh's
        r"Kernel BUG:? (?:[0-9a-f]{4} )?\[#\d+\]",
        r"Oops(?: - [a-z][\w() -]*)? \[#\d+\]\s*$",
        # mm/slub.c's object dump, under the "BUG <cache> (...): <why>" line of slab_bug()
        # that heads it: print_track()'s "INFO: %s in %pS age=%lu cpu=%u pid=%d",
        # print_page_info()'s "INFO: Slab 0x%p objects=...", print_trailer()'s "INFO:
        # Object 0x%p @offset=...". KASAN before 4.6 printed it inside its own report
        # (print_address_description() -> object_err(..., "kasan: bad access detected")),
        # where no SLUB kind is there to take these lines in.
        r"INFO: (?:Allocated|Freed) in .+ age=\d+ cpu=\d+ pid=\d+",
        r"INFO: (?:Slab|Object) 0x[0-9a-f]+ ",
        # x86 page_fault_oops()'s die() after "BUG: unable to handle ..."
        r"Oops: (?:Oops: )?[0-9a-f]{4} \[#\d+\]",
        # powerpc __die() after its "BUG: Kernel NULL pointer dereference" or "kernel BUG at"
        r"Oops: [A-Z][^,]*, sig: \d+ \[#\d+\]",
        r"Kernel bug detected\[#\d+\]",
        MIPS_BUG_CUT,  # (or by a pager before its die counter ends)
        # MIPS die() after "CPU 0 Unable to handle kernel paging request ..."
        r"[A-Za-z]\[#\d+\]:\s*$",
        # sparc die_if_kernel() after report_bug()'s "kernel BUG at" (its trap instruction)
        r"\S\(\d+\): Kernel illegal instruction \[#\d+\]\s*$",
        # m68k die_if_kernel() after "Unable to handle kernel ... at virtual address"
        r"\bOops: [0-9a-f]{8}\s*$",
        # m68k bad_super_trap() of BUG()'s trap after "kernel BUG at"
        r"\*\*\* TRAP #7 \*\*\*   FORMAT=",
        # xtensa die() after "Unable to handle kernel paging request at virtual address"
        r"Oops: sig: \d+ \[#\d+\]",
        # s390 die() after "kernel BUG at" or "Unable to handle kernel pointer dereference"
        r"[A-Za-z]: [0-9a-f]{4} ilc:\d \[#\d+\]",
    )
)

# Messages that print a stack but are not bugs; inside a report they mean interleaving.
INFO_WITH_STACK = (
    "vmalloc: allocation failure:",
    "FAULT_INJECTION: forcing a failure",
    "FAULT_FLAG_ALLOW_RETRY missing",
)

# Whole-log conditions under which a crash is an artefact of the test setup (syzkaller).
SUPPRESSIONS = tuple(
    re.compile(p)
    for p in (
        "panic: failed to start executor binary",
        "panic: executor failed: pthread_create failed",
        "panic: failed to create temp dir",
        "fatal error: unexpected signal during runtime execution",
        "signal SIGBUS: bus error",
        "SYZFAIL: SIGBUS",
        r"Out of memory: Kill process .* \(syz-executor\)",
        r"Out of memory: Kill process .* \(sshd\)",
        r"Killed process .* \(syz-executor\)",
        r"Killed process .* \(sshd\)",
        "lowmemorykiller: Killing 'syz-executor'",
        "lowmemorykiller: Killing 'sshd'",
        "INIT: PANIC: segmentation violation!",
        r"\*\*\* stack smashing detected \*\*\*: terminated",
        "fatal error: runtime: out of memory",
        "fatal error: runtime: cannot allocate memory",
        "fatal error: out of memory",
        "fatal error: newosproc",
        "panic: .*cannot allocate memory",
    )
)

# Title-start -> report type, first match wins (the corpus' TYPE: vocabulary).
TITLE_TYPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("KFENCE: use-after-free write",), "KFENCE-USE-AFTER-FREE-WRITE"),
    (("KFENCE: use-after-free read", "KFENCE: use-after-free"), "KFENCE-USE-AFTER-FREE-READ"),
    (("KFENCE: invalid write", "KFENCE: out-of-bounds write"), "KFENCE-WRITE"),
    (
        ("KFENCE: invalid read", "KFENCE: out-of-bounds read", "KFENCE: out-of-bounds"),
        "KFENCE-READ",
    ),
    (("KFENCE: memory corruption",), "KFENCE-MEMORY-CORRUPTION"),
    (("KFENCE: invalid free",), "KFENCE-INVALID-FREE"),
    (("KMSAN: uninit-value",), "KMSAN-UNINIT-VALUE"),
    (
        (
            "KMSAN: kernel-infoleak-after-free",
            "KMSAN: kernel-usb-infoleak-after-free",
            "KMSAN: use-after-free",
        ),
        "KMSAN-USE-AFTER-FREE-READ",
    ),
    (("KMSAN: kernel-infoleak", "KMSAN: kernel-usb-infoleak"), "KMSAN-INFO-LEAK"),
    (("KASAN: null-ptr-deref Write",), "KASAN-NULL-POINTER-DEREFERENCE-WRITE"),
    (("KASAN: null-ptr-deref Read",), "KASAN-NULL-POINTER-DEREFERENCE-READ"),
    (("BUG: unable to handle kernel NULL pointer dereference in",), "NULL-POINTER-DEREFERENCE"),
    (
        tuple(
            f"KASAN: {k} Write"
            for k in (
                "global-out-of-bounds",
                "out-of-bounds",
                "slab-out-of-bounds",
                "stack-out-of-bounds",
                "user-memory-access",
                "vmalloc-out-of-bounds",
                "wild-memory-access",
            )
        ),
        "KASAN-WRITE",
    ),
    (
        tuple(
            f"KASAN: {k} Read"
            for k in (
                "global-out-of-bounds",
                "invalid-access",
                "out-of-bounds",
                "slab-out-of-bounds",
                "stack-out-of-bounds",
                "unknown-crash",
                "user-memory-access",
                "vmalloc-out-of-bounds",
                "wild-memory-access",
            )
        )
        + ("KASAN: slab-out-of-bounds", "KASAN: stack-out-of-bounds", "KASAN: wild-memory-access"),
        "KASAN-READ",
    ),
    (("KASAN: double-free or invalid-free", "KASAN: invalid-free"), "KASAN-INVALID-FREE"),
    (
        ("KASAN: slab-use-after-free Write", "KASAN: use-after-free Write"),
        "KASAN-USE-AFTER-FREE-WRITE",
    ),
    (
        ("KASAN: slab-use-after-free Read", "KASAN: use-after-free Read", "KASAN: use-after-free"),
        "KASAN-USE-AFTER-FREE-READ",
    ),
    (
        (
            "BUG: corrupted list",
            "BUG: unable to handle kernel paging request",
            "BUG: unable to handle kernel write to read-only memory",
            "BUG: unable to handle kernel execute from non-executable memory",
            "BUG: unable to handle kernel read from unreadable memory",
            "BUG: unable to handle kernel execution of user memory",
        ),
        "MEMORY_SAFETY_BUG",
    ),
    (("WARNING: refcount bug",), "REFCOUNT_WARNING"),
    (("SLUB: ",), "MEMORY_SAFETY_BUG"),
    (("CFI failure in",), "CFI"),
    (("MCE: ",), "HARDWARE-ERROR"),
    # mce_panic()'s own panic line (arch/x86/kernel/cpu/mce/core.c, 6.1: panic(msg) after
    # "Machine check: %s"; 2.6.32's mce.c the same) where the machine check's line
    # (__print_mce()'s "CPU %d: Machine Check%s: %Lx Bank %d: %016Lx") was lost or a pager
    # cut it before its bank: still a hardware error, as the MCE's own title says.
    (
        (
            "kernel panic: Fatal machine check",
            "kernel panic: Fatal Machine check",
            "kernel panic: Fatal local machine check",
            "kernel panic: Machine check from unknown source",
            "kernel panic: Timeout synchronizing machine check over CPUs",
        ),
        "HARDWARE-ERROR",
    ),
    (
        ("UBSAN: array-index-out-of-bounds", "UBSAN: array index out of bounds"),
        "MEMORY_SAFETY_UBSAN",
    ),
    (("KCSAN: data-race",), "KCSAN-DATARACE"),
    (("KCSAN: assert: race in",), "KCSAN-ASSERT"),
    (
        (
            "BUG: bad unlock balance in",
            "BUG: held lock freed in",
            "BUG: nested lock was not taken in",
            "BUG: rwlock",
            "BUG: spinlock",
            "BUG: still has locks held in",
            "BUG: using",
            "WARNING: bad unlock balance in",
            "WARNING: held lock freed in",
            "WARNING: lock held",
            "WARNING: locking bug in",
            "WARNING: nested lock was not taken in",
            "WARNING: still has locks held in",
            "WARNING: suspicious RCU usage in",
            "inconsistent lock state in",
            "possible deadlock in",
        ),
        "LOCKDEP",
    ),
    (
        (
            "BUG: scheduling while atomic in",
            "BUG: sleeping function called from invalid context in",
        ),
        "ATOMIC_SLEEP",
    ),
    (("memory leak in",), "LEAK"),
    (("BUG: bad usercopy in", "kernel BUG", "PANIC in"), "BUG"),
    (
        (
            "WARNING in",
            "RTNL: assertion failed in",
            "sysctl table check failed in",
            "XFS: Internal error in",
            # reported once, and the kernel goes on (4.6-4.9 by WARN_ONCE())
            "unchecked MSR access error in",
        ),
        "WARNING",
    ),
    (
        (
            "BUG: stack guard page was hit in",
            "WARNING: corrupted",
            "WARNING: kernel stack frame pointer has bad value",
            "WARNING: kernel stack regs has bad",
        ),
        "UNKNOWN",
    ),
    (
        (
            "BUG: soft lockup in",
            "BUG: hard lockup in",
            "INFO: rcu detected stall in",
            "INFO: task can't die in",
            "INFO: task hung in",
        ),
        "HANG",
    ),
    (
        (
            "Alignment trap in",
            "BUG: Object already free",
            # s390 print_pgm_check_info(): a program check in early boot code
            "Kernel fault",
            "Internal error in",
            "PANIC: double fault",
            "PANIC: early exception in",
            "Unhandled fault in",
            "SError Interrupt in",
            "Bad mode in",
            "VFS: Busy inodes after unmount (use-after-free)",
            "VFS: Close: file count is zero (use-after-free)",
            "divide error in",
            # MIPS die() for a trap in the kernel (arch/mips/kernel/traps.c, unaligned.c)
            "Data bus error in",
            "Instruction bus error in",
            "Reserved instruction in kernel code in",
            "Unhandled kernel unaligned access in",
            # riscv die() for a trap in the kernel (traps.c do_trap_error()'s causes:
            # "Oops - illegal instruction", "- load access fault", "- store (or AMO)
            # address misaligned", ...)
            "Oops - ",
            # powerpc __die() for a program check in the kernel (traps.c)
            "Exception in kernel mode in",
            # s390 die() for a program check in the kernel (arch/s390/kernel/traps.c):
            # the counterparts of x86's invalid opcode, divide error and GPF.
            "Unknown program exception in",
            "addressing exception in",
            "data exception in",
            "execute exception in",
            "fixpoint divide exception in",
            "illegal operation in",
            "operand exception in",
            "privileged operation in",
            "specification exception in",
            "general protection fault in",
            "go runtime error",
            "invalid opcode in",
            # x86 do_trap()'s other traps in the kernel (_X86_TRAPS)
            "iret exception in",
            "segment not present in",
            "invalid TSS in",
            "alignment check in",
            "bounds in",
            "overflow in",
            "coprocessor segment overrun in",
            "int3 in",
            "fpu exception in",
            "simd exception in",
            "unexpected #NM exception in",
            "Bad pagetable",
            "kernel panic:",
            "kernel stack overflow",
            "do_IRQ: stack overflow in",
            "panic:",
            "rust_kernel panicked",
            "stack segment fault in",
            "trusty:",
            "unregister_netdevice: waiting for DEV to become free",
        ),
        "DoS",
    ),
    (("unexpected kernel reboot",), "REBOOT"),
    (("SYZFAIL", "SYZFATAL:"), "SYZ_FAILURE"),
    (("WARNING:",), "WARNING"),
    (("BUG:",), "UNKNOWN"),
    (("INFO:",), "UNKNOWN"),
    (("KASAN:",), "KASAN-UNKNOWN"),
    (("KFENCE:",), "KFENCE-UNKNOWN"),
    (("KMSAN:",), "KMSAN-UNKNOWN"),
    (("UBSAN:",), "UBSAN"),
    (("KCSAN:",), "KCSAN-UNKNOWN"),
)


# Titles of reports that are no crash to syzkaller (its table has no format for them)
# and after which the kernel goes on: x86's "unchecked MSR access error", the exception
# table's fixup of a faulting RDMSR/WRMSR. Like an OOM kill, one that a crash follows in
# its boot is that crash's context (parser._minor_as_context); one that none follows is
# a report of its own.
MINOR_TITLES = ("unchecked MSR access error ",)
# The same kinds' header lines (ex_handler_msr()'s pr_warn()), as a crash's context holds
# them (prefilter: a minor report one parse read before the crash another read).
MINOR_HEADS = ("unchecked MSR access error: ",)


def title_type(title: str) -> str:
    """The report type for a (normalised) title; ``UNKNOWN`` when no rule applies."""
    for prefixes, kind in TITLE_TYPES:
        if title.startswith(prefixes):
            return kind
    return "UNKNOWN"
