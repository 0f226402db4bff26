"""Step 3 of parsing a log: a report's title, from the format table, made stable.

``describe`` walks the formats of the report's ``OopsKind`` (syzkaller's
extractDescription): the earliest-matching title regex wins, its groups and the first
non-generic stack frame fill the template, and ``is_corrupted`` says whether the report
is complete enough to trust that title.

Normalisation makes titles stable across runs, builds and machines.

A raw title such as ``WARNING: CPU: 1 PID: 4242 at net/core/dev.c:123 foo+0x1a/0x40``
carries addresses, PIDs, line numbers and function offsets that differ between two
occurrences of the same bug. The dashboard convention (syzkaller's) replaces them with
placeholders: hex addresses -> ``ADDR``, ``file.c:12`` -> ``file.c:LINE``,
``func+0x1/0x2`` -> ``func``, remaining decimal numbers -> ``NUM``; titles are cut at
120 characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from . import oopses
from .oopses import PARSE_STACK, OopsKind, StackSpec
from .rust_demangle import demangle as demangle_rust
from .scan import is_stack_start
from .taint import PAGER_CUT_CALLER, PAGER_CUT_FROM, PAGER_MARK

MAX_TITLE_LEN = 120

# Each rule is applied until the string stops changing, because matches can overlap
# (e.g. "0,1,2" needs several passes of the NUM rule). The third item, when set, is a
# literal every match holds: a title without it skips that rule's substitution.
_RULES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    # Executor instance numbers are noise (syz-executor3, syz-executor.1/123).
    (re.compile(r"syz-executor\.?[0-9]+((/|:)[0-9]+)?"), "syz-executor", "syz-executor"),
    (re.compile(r"syzkaller[0-9]+((/|:)[0-9]+)?"), "syzkaller", "syzkaller"),
    # Anything that looks like an address (6+ hex digits not glued to an identifier).
    (re.compile(r"([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}"), r"\1ADDR", ""),
    (re.compile(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"), "IP", "."),
    # scripts/decode_stacktrace.sh's "func (mm/x.c:12 (discriminator 1) mm/y.c:3)" and
    # "func (??:?)" -> func, like the "func+0x1a/0x40" it stands for (below).
    (
        re.compile(
            r"([a-zA-Z][a-zA-Z0-9_.]+) \((?:(?:[\w/.\-+]+|\?\?):(?:\d+|\?)"
            r"(?: \(discriminator \d+\))? ?)+\)"
        ),
        r"\1",
        " (",
    ),
    # file.c:123 (and file.c:123:45) -> file.c:LINE
    (re.compile(r"(\.\w+)(:[0-9]+)+"), r"\1:LINE", ":"),
    # func+0x1a/0x40 -> func: offsets and sizes change with every build.
    (re.compile(r"([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+/0x[0-9a-z]+"), r"\1", "+0x"),
    (re.compile(r"CPU#[0-9]+"), "CPU", "CPU#"),
    # Stand-alone decimal numbers; digits inside identifiers (cfg80211) survive.
    (re.compile(r"(\W)(\d+)(\W|$)"), r"\1NUM\3", ""),
    # ...unless the digit run is so long it cannot be part of a name.
    (re.compile(r"(\d+){7,}"), "NUM", ""),
)


def normalise(title: str) -> str:
    """Return the stable form of a raw crash title (placeholders, clean spaces, <=120)."""
    for pattern, repl, needle in _RULES:
        if needle not in title:
            continue  # no match possible ("" is in every string)
        for _ in range(64):  # bounded: every pass shortens or stabilises the string
            new = pattern.sub(repl, title)
            if new == title:
                break
            title = new
    return sanitise(title)


def sanitise(title: str) -> str:
    """Drop control/non-ASCII characters, squeeze spaces and cut to MAX_TITLE_LEN."""
    out: list[str] = []
    prev = " "
    for ch in title[:MAX_TITLE_LEN]:
        if ch == "\t":
            ch = " "
        elif ch < " " or ch >= "\x7f":
            continue
        if ch == " " and prev == " ":
            continue
        out.append(ch)
        prev = ch
    return "".join(out).strip()


# --- the title from the format table ------------------------------------------------------

CORRUPTED_NO_FRAMES = "extracted no frames"
# The title's words (a format's whole_words group) are what a pager left of the line's,
# no later line restating them whole: "SLUB: in f" for "SLUB: Right Redzone overwritten
# in f" names no kind, a title no whole log of the report has.
CORRUPTED_CUT_WORDS = "title words cut by a pager"
# No format matched the header line a pager cut, and the title is what it left of it
# ("Unable to handle kernel a", "Kernel panic - not syncin"): no kind's title.
CORRUPTED_CUT_HEADER = "header line cut by a pager"
# An entry of 32-bit ARM's unwinder: " f from g+0x18/0x1c" (5.x+), or with the addresses
# (dump_backtrace_entry() before 5.x and with CONFIG_BACKTRACE_VERBOSE since:
# "[<c0a1b2c4>] (f) from [<c0a1b8f0>] (g+0x54/0xe8)"; 3.x printed "(f+0x1/0x2)" first).
# journalctl's pager (less -S) cuts the 5.x+ entry in its caller (" __list_del_entry_valid
# from free_to_partial_list>", taint.PAGER_CUT_CALLER): the entry's own function is whole,
# and the trace starts there, not at the first entry the cut spared.
_ARM_ENTRY = (
    r"[A-Za-z_][\w.]*(?: \[[\w.\-]+\])? (?:from "
    r"(?:[A-Za-z_][\w.]*\+0x[0-9a-f]+/0x[0-9a-f]+|" + PAGER_CUT_CALLER + ")|" + PAGER_CUT_FROM + ")"
)
_ARM_VERBOSE_ENTRY = (
    r"\[<[0-9a-f]+>\] \([\w.]+(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?(?: \[[\w.\-]+\])?\) from \[<"
)
# Either shape through scripts/decode_stacktrace.sh, which drops the "[<pc>]" words and
# writes the caller as "g (file:line)": "f from g (a.c:1)", "(f) from g (a.c:1)".
_ARM_DECODED_ENTRY = (
    r"\(?[A-Za-z_][\w.]*(?:\+0x[0-9a-f]+/0x[0-9a-f]+)?(?: \[[\w.\-]+\])?\)? from "
    r"[A-Za-z_][\w.]* \((?:[\w/.\-+]+|\?\?):[\d?]"
)
# Stack traces printed without a "Call Trace:"-like header: 32-bit ARM's unwinder "from"
# lines, and KFENCE's access trace after its first line (mm/kfence/report.c: "... (in
# kfence-#N):", "Out-of-bounds read at 0x... (8B right of kfence-#N):", "Invalid read at
# 0x...:").
# Each with the literals one of which every match holds: a report holding none of them is
# not searched (these patterns have no literal prefix, so a search tries every position).
_HEADERLESS_STACKS = (
    ((" from ",), re.compile(r"(?m)^ *" + _ARM_VERBOSE_ENTRY)),
    ((" from ",), re.compile(r"(?m)^ *" + _ARM_ENTRY)),
    ((" from ",), re.compile(r"(?m)^ *" + _ARM_DECODED_ENTRY)),
    (
        ("kfence-#", "Invalid "),
        re.compile(
            r"(?m)(?:\((?:in|\d+B (?:left|right) of) kfence-#\d+\)|^Invalid (?:read|write) at 0x\w+)"
            r":\n *[\w.]+(?:\+0x[0-9a-f]+/0x|" + oopses.DECODED_SOURCE + ")"
        ),
    ),
    # the same access line as journalctl's pager (less -S) cuts it and ends it in its
    # mark (taint.PAGER_MARK): "Use-after-free read at 0x000000006a6ab964 (in kfe>"
    (
        ("-after-free ", "Out-of-bounds ", "Invalid "),
        re.compile(
            r"(?m)^(?:Use-after-free|Out-of-bounds|Invalid) (?:read|write) at 0x[^\n]*"
            + re.escape(PAGER_MARK)
            + r"\n *[\w.]+\+0x[0-9a-f]+/0x"
        ),
    ),
    # i386's dump_stack() of 2.6.16-2.6.2x: no header, its own frames first
    (oopses.I386_DUMP_STACK_HINTS, re.compile("(?m)^" + oopses.I386_DUMP_STACK_RE.pattern)),
    (("softlockup_tick+",), re.compile("(?m)^" + oopses.I386_SOFTLOCKUP_DUMP_RE.pattern)),
    # i386's show_regs() before the x86 merge: no header after its "CR0:" line
    (("CR4: ",), oopses.I386_REGS_TRACE_RE),
    # sparc die_if_kernel()'s "Caller[%016lx]: %pS" lines, no header before them
    (("Caller[",), re.compile(r"(?m)^ *Caller\[[0-9a-f]+\]: [\w.]+\+0x[0-9a-f]+/0x")),
    # crash's "bt" of a dump's task: its task header (task.c print_task_header()), then
    # " #%d [%lx] %s at %lx" a frame (x86_64.c x86_64_print_stack_entry()), no header
    # line; crash's own warning may come between ("bt: WARNING: corrupt prstatus? ...")
    (
        ('COMMAND: "',),
        re.compile(
            r'(?m)^ *PID: \d+ +TASK: [0-9a-f]+ +CPU: \d+ +COMMAND: "[^"\n]*"\n(?:\w+: .*\n)?'
            r" *#0 \[[0-9a-f]+\] [\w.]+ at [0-9a-f]+"
        ),
    ),
    # powerpc xmon's backtrace at its prompt ("t", xmon_show_stack()): "[sp] pc f+0x1/0x2"
    (
        (":mon> t",),
        re.compile(
            r"(?m)^\d+:mon> t\s*\n\[[0-9a-f]{8,16}\] [0-9a-f]{8,16} \.?[\w.]+\+0x[0-9a-f]+/0x"
        ),
    ),
    # and the one xmon prints unasked on its first entry (arch/powerpc/xmon/xmon.c cmds():
    # "enter ? for help", then, unless xmon_no_auto_backtrace, xmon_show_stack()), its
    # first entry "[link register   ] %016lx f+0x1/0x2" where the LR was not saved yet;
    # a commit message may keep the entries' names alone
    (
        ("enter ? for help",),
        re.compile(
            r"(?m)^ *enter \? for help\s*\n *(?:\[(?:[0-9a-f]{8,16}|link register +)\] "
            r"[0-9a-f]{8,16} |\.?[\w.]+\+0x[0-9a-f]+/0x)"
        ),
    ),
)
_ARM_ENTRY_RE = re.compile(
    r" *(?:" + _ARM_ENTRY + "|" + _ARM_VERBOSE_ENTRY + "|" + _ARM_DECODED_ENTRY + ")"
)
_CORRUPTED_TITLE_RE = re.compile(r"\[ *[0-9]+\.[0-9]+\]")  # timestamp merged into title
# FRAME_RES as one pattern: the first of them that matches, in one call (each is anchored
# at the line's start, so the alternation tries them in order there). A line that holds no
# frame costs one failed match instead of nine.
_FRAME_ANY = re.compile("|".join(f"(?:{r.pattern})" for r in oopses.FRAME_RES))
assert all(r.pattern.startswith("^") and not r.flags & re.MULTILINE for r in oopses.FRAME_RES)


def _literal_prefix(pattern: re.Pattern[str]) -> str:
    """Characters every match of ``pattern`` starts with ("" when the pattern's text does
    not plainly say: a top-level alternative, a case or verbose flag, a leading group)."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return ""
    text = pattern.pattern
    depth, i = 0, 0
    while i < len(text):  # a "|" outside every group and class: alternatives, no prefix
        c = text[i]
        if c == "\\":
            i += 1
        elif c == "[":
            i = text.index("]", i + 2)  # "[]...]" holds a literal "]" first
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return ""
        i += 1
    n = 0
    while n < len(text) and (text[n].isalnum() or text[n] in " :_-,!'/=#<>@;~%&\""):
        n += 1
    if n < len(text) and text[n] in "?*{":
        n -= 1  # the run's last character may be absent or repeated
    return text[:n]


# Each title pattern's literal prefix: describe() searches a report for a title only when
# the report holds it (a substring test is several times faster than the regex engine's
# scan, and most of a kind's titles are absent from any one report). Worked out when a
# report of its kind is first described, as its pattern is compiled (oopses.LazyPattern).
@cache
def _title_prefix(title: oopses.LazyPattern) -> str:
    return _literal_prefix(title.compiled)


@dataclass
class _Frame:
    canonical: str
    raw: str


def _fmt(template: str, args: list[str]) -> str:
    try:
        return template.format("", *args)
    except (IndexError, KeyError):
        return template.split("{", 1)[0] + "corrupted"


def describe(
    report: str,
    kind: OopsKind,
    guessed_trace: bool = False,
    with_guesses: Callable[[], str] | None = None,
) -> tuple[str, str, list[str], oopses.Format | None]:
    """Title, corruption reason, alternative titles and the matched format (extractDescription).

    ``guessed_trace``: the report's call trace is "?" entries only (only_guessed_entries).
    ``with_guesses``: makes the same text with the trace's "?" entries, for the report
    regexes of formats that read them (Format.reads_guesses), only when one is tried.
    """
    start_pos = len(report)
    desc = ""
    corrupted = ""
    alts: list[str] = []
    chosen: oopses.Format | None = None
    matched_title = False
    for f in kind.formats:
        if _title_prefix(f.title) not in report:
            continue  # the title pattern cannot match
        m = f.title.search(report)
        if m is None or m.start() > start_pos:
            continue
        if m.start() == start_pos and desc:
            continue
        if m.start() < start_pos:
            desc = ""
            chosen = None
            start_pos = m.start()
        matched_title = True
        if f.report is not None:
            text = report
            if f.reads_guesses and with_guesses is not None:
                text = with_guesses()
            m = f.report.search(text)
            if m is None:
                continue
        args = [_uncut(m, group) for group in range(1, len(m.groups()) + 1)]
        # the title holds what a pager left of its words, not all of them: a group of the
        # title's run to the pager's mark ("Kernel panic - not syncing: sysrq trigg>")
        words_cut = any(
            _cut(m, g) and f"{{{g}}}" in f.fmt
            for g in range(1, len(args) + 1)
            if g != f.whole_words
        )
        if f.whole_words and _cut(m, f.whole_words):
            args[f.whole_words - 1], all_words = _whole_words(args[f.whole_words - 1], f, report)
            words_cut = words_cut or not all_words
        frames: list[_Frame] = []
        corrupted = ""
        if f.stack is not None:
            frames, ok = _stack_frames(f.stack, report[m.start() :])
            if not ok:
                guessed = _named_function(f, args, guessed_trace)
                if guessed is not None:
                    frames, ok = [guessed], True
            if not ok:
                corrupted = CORRUPTED_NO_FRAMES
        if words_cut and not corrupted:
            corrupted = CORRUPTED_CUT_WORDS
        full = args + [fr.canonical for fr in frames]
        desc = _fmt(f.fmt, full)
        alts.extend(_fmt(a, full) for a in f.alt)
        # Titles with the raw (un-stripped) syscall names help deduplication too.
        for seq in _partially_stripped(args, frames):
            t = _fmt(f.fmt, seq)
            if t != desc:
                alts.append(t)
            alts.extend(_fmt(a, seq) for a in f.alt)
        alts = list(dict.fromkeys(alts))
        chosen = f
    if not desc:
        if matched_title:
            corrupted = "matched title but not report regexp"
        pos = report.find(kind.header)
        if pos == -1:
            return "", corrupted, alts, chosen
        end = report.find("\n", pos)
        desc = report[pos:] if end == -1 else report[pos:end]
        before = report[report.rfind("\n", 0, pos) + 1 : pos]
        if desc.endswith(PAGER_MARK) and (words := _cut_title_words(desc[:-1], kind, before)):
            whole = report[:pos] + words + ("" if end == -1 else report[end:])
            return describe(whole, kind, guessed_trace, with_guesses)
        if desc.endswith(PAGER_MARK):
            corrupted = corrupted or CORRUPTED_CUT_HEADER
        desc = desc.removesuffix(PAGER_MARK).rstrip()
    if not corrupted and chosen is not None and chosen.corrupted:
        corrupted = "report format is marked as corrupted"
    return desc, corrupted, alts, chosen


# kernel/watchdog.c's one "BUG:" line (6.1 watchdog_timer_fn(): pr_emerg("BUG: soft lockup
# - CPU#%d stuck for %us! [%s:%d]\n"), after its pr_fmt "watchdog: " (4.14+)
_WATCHDOG_BUG = "BUG: soft lockup"


def _cut_title_words(cut: str, kind: OopsKind, before: str = "") -> str | None:
    """The words a pager cut from a header line that no title format matched: journalctl's
    less -S ends a line past the terminal's width in its mark (taint.PAGER_MARK), and at
    56 columns watchdog_timer_fn()'s pr_emerg("BUG: soft lockup - CPU#%d stuck for
    %us! [%s:%d]\n", 6.1 kernel/watchdog.c, after its "watchdog: " pr_fmt) is left as
    "BUG: soft locku>". The words of the one format of ``kind`` whose title starts with
    what is left, and which they match, name it; None when no format or several do.
    After kernel/watchdog.c's "watchdog: " (``before``: the line's text before the
    header), what is left of "BUG:" ("watchdog: BUG: s>", a cut with no mark at 47
    columns after journalctl's prefix) is its soft lockup line, its one "BUG:" line."""
    if before.endswith("watchdog: ") and _WATCHDOG_BUG.startswith(cut.rstrip()):
        cut = _WATCHDOG_BUG
    if len(cut) <= len(kind.header):
        return None
    found = {
        _title_prefix(f.title)
        for f in kind.formats
        if _title_prefix(f.title).startswith(cut) and f.title.search(_title_prefix(f.title))
    }
    return found.pop() if len(found) == 1 else None


def _uncut(m: re.Match[str], group: int) -> str:
    """The text of ``m``'s ``group``, without the mark a pager put where it cut the line.

    journalctl's less -S ends a line wider than the terminal in its mark (taint.PAGER_MARK):
    a group that ran to the line's end there ("Kernel panic - not syncing: Attempted to
    kill ini>", "BUG kmalloc-64 (...): Po>") holds the kernel's text up to the cut and a
    character the kernel did not print. syzkaller's "kernel panic: %[1]v" of the cut line
    names what is left, as this does; a group that ends before the line's end is whole.
    """
    text = m.group(group) or ""
    if _cut(m, group):
        return text.removesuffix(PAGER_MARK).rstrip()
    return text


def _cut(m: re.Match[str], group: int) -> bool:
    """Does ``m``'s ``group`` run to its line's end in a pager's mark (see _uncut)?"""
    text = m.group(group) or ""
    end = m.end(group)
    return text.endswith(PAGER_MARK) and (end == len(m.string) or m.string[end] == "\n")


def _whole_words(cut: str, f: oopses.Format, report: str) -> tuple[str, bool]:
    """The words of ``f``'s whole_words group that a pager cut (``cut``: what it left,
    without its mark), and whether they are all of them: a later line's whole statement
    of them (``f.restated``) that starts with what was left, else the words before the
    last one, which the cut may have shortened ("Right Redz" -> "Right"): never a
    fragment of a word, but maybe fewer words than the kernel printed ("Object" of 6.12's
    "Object corrupt", nothing of "Right Redzone overwritten")."""
    for pattern, template in f.restated:
        r = pattern.search(report)
        if r is not None:
            whole = _fmt(template, list(r.groups()))
            if cut and whole.startswith(cut):  # (nothing left: anything starts so)
                return whole, True
    return cut.rpartition(" ")[0].rstrip(), False


def _named_function(f: oopses.Format, args: list[str], guessed_trace: bool) -> _Frame | None:
    """The function the report's first line names, when its trace has "?" entries only.

    x86's dumpstack.c prints an entry it cannot place on the frame-pointer chain after
    "? ". A kernel built without frame pointers or ORC (x86-32 often) only guesses
    (unwind_guess.c since 4.9, print_context_stack() before): every entry is "?", stale
    return addresses among them, so the trace names nothing for sure; the WARNING line
    does: __warn() prints the function that warned ("%pS" of its caller). A generic
    helper there (refcount_warn_saturate...) names no bug: the report stays corrupted.
    """
    if not guessed_trace or not f.names_function or f.stack is None:
        return None
    name = _strip_frame(args[f.names_function - 1])
    if not name or _skip_re(f.stack).search(name):
        return None
    return _Frame(name, args[f.names_function - 1])


def only_guessed_entries(lines: list[str]) -> bool:
    """True when the first call trace in ``lines`` holds "?" entries and no other frame.

    ``lines`` are the report's lines with the "?" entries kept (the title text drops them
    from prefixed logs, as syzkaller does).
    """
    if not any("? " in ln for ln in lines):
        return False  # the common case, settled without a regex
    start = next((i for i, ln in enumerate(lines) if oopses.CALL_TRACE.search(ln)), None)
    if start is None:
        return False
    guessed = False
    for ln in lines[start + 1 : start + 1 + _GUESSED_TRACE_LINES]:
        if is_stack_start(ln) or "---[ end " in ln:
            break
        if oopses.GUESSED_FRAME_RE.search(ln):
            guessed = True
        elif _FRAME_ANY.match(ln):
            return False
    return guessed


# A WARNING's trace on those kernels is a few dozen entries; the lines after it (the end
# marker, the next message) are not looked at.
_GUESSED_TRACE_LINES = 64


def looping_title(fmt: oopses.Format | None, function: str, module: str | None) -> list[str]:
    """A lockup's title and alternatives from the function it was caught looping in.

    Empty when the table's title stands. syzkaller titles a stall by the frame above
    the first dispatch anchor (syscall, work item, timer): on its kernels everything is
    built in and the watchdog catches the CPU at a random point of a loop spread across
    core helpers, so the entry point is the stable identity, and the corpus holds those
    titles (its loops are all in vmlinux). A loop in a loadable module is that module's
    own code: the function RIP / pc / NIP / PSW points at names the bug, where the
    syscall through which the module was entered (``proc_reg_write``) does not. Generic
    helpers (locking, sanitizers, ``memcpy``) and dispatch anchors never name it.
    """
    if fmt is None or not fmt.looping or module is None or fmt.stack is None:
        return []
    name = _strip_frame(function)
    if _skip_re(fmt.stack).search(name) or oopses.is_stall_anchor(name):
        return []
    return [_fmt(fmt.fmt, [name])] + [_fmt(a, [name]) for a in fmt.alt]


def _partially_stripped(args: list[str], frames: list[_Frame]) -> list[list[str]]:
    out: list[list[str]] = []
    for i in range(len(oopses.STRIP_FRAME_PREFIXES) + 1):
        prefix = "" if i == 0 else oopses.STRIP_FRAME_PREFIXES[i - 1]
        add = i == 0
        seq: list[str] = []
        for fr in frames:
            trimmed = fr.raw[len(prefix) :] if prefix and fr.raw.startswith(prefix) else fr.raw
            if trimmed != fr.raw:
                add = True
            seq.append(trimmed)
        if add:
            out.append(args + seq)
    return out


# The ~200 generic helpers are one regex compiled once; each spec's own skips are another
# (one alternation per spec would compile the big list again for every spec).
@cache
def _skip_generic() -> re.Pattern[str]:
    # Compiled on first use: a log without a crash titles nothing. Exact: the pattern
    # compiled later matches the same.
    return re.compile("|".join(oopses.SKIP_FRAMES))


class _SkipFrames:
    """Frame names a title must not use: the generic helpers plus a spec's own skips."""

    __slots__ = ("extra",)

    def __init__(self, extra: tuple[str, ...]) -> None:
        self.extra = re.compile("|".join(extra)) if extra else None

    def search(self, name: str) -> bool:
        return _is_generic_frame(name) or (
            self.extra is not None and self.extra.search(name) is not None
        )


# Searching ~200 alternatives costs microseconds per name, and the same function names
# recur in report after report; the answer depends on the name alone.
@lru_cache(maxsize=1 << 16)
def _is_generic_frame(name: str) -> bool:
    return _skip_generic().search(name) is not None


@cache
def _skip_re(spec: StackSpec) -> _SkipFrames:
    return _SkipFrames(spec.skip)


def _strip_frame(frame: str) -> str:
    if not frame.startswith(oopses.STRIP_FRAME_PREFIXES):
        return frame  # most names: one C call instead of a loop over the prefixes
    best = frame
    for p in oopses.STRIP_FRAME_PREFIXES:
        if frame.startswith(p) and len(frame) - len(p) < len(best):
            best = frame[len(p) :]
    return best


def _stack_frames(spec: StackSpec, report: str) -> tuple[list[_Frame], bool]:
    skip = _skip_re(spec)
    frames, ok = _stack_frames_impl(report, skip, spec.parts, spec)
    if ok or (frames and frames[0] is _CUT_RIP_FRAME):
        return frames, ok  # (a faulting line cut in its name: no trace names it either)
    if spec.parts2:
        frames, ok = _stack_frames_impl(report, skip, spec.parts2, spec)
    for parts in spec.more:
        if ok:
            break
        frames, ok = _stack_frames_impl(report, skip, parts, spec)
    return frames, ok


def _key_frame(raw: list[str], spec: StackSpec, cut: bool = False) -> _Frame | None:
    """The frame that titles a trace; ``cut``: the trace was read up to an entry a pager
    cut (_CUT_ENTRY_RE), its outer frames unknown."""
    if not raw:
        return None
    if spec.extractor is None:
        return _Frame(_strip_frame(raw[0]), raw[0])
    extractor = spec.extractor
    if cut and extractor is oopses.overflow_frame:
        # overflow_frame()'s outermost frame is the recursing code only where the
        # unwinder stopped there; a cut trace goes on below, to the interrupted code
        # (powerpc's check_stack_overflow() from do_IRQ: its own entries, then the cut)
        extractor = oopses.stall_frame
    frame, i = extractor([_strip_frame(f) for f in raw])
    if frame:
        return _Frame(frame, raw[i])
    return None


# A trace entry journalctl's pager (less -S) cut inside its function's name and ended in
# its mark (taint.PAGER_MARK): riscv's "[<ffffffff80a78d9c>] mnt_want_wr>", powerpc's
# "[c0000000049c7810] [c0080000004a19f0] hotfence_cr>", x86's " percpu_rwsem_wa>". The
# frame it stood for is unknown: a title read on past it would name a caller of the
# function the trace names there ("task hung in path_openat" for mnt_want_write).
_CUT_ENTRY_RE = re.compile(
    r"^\s*(?:\[<[0-9a-f]+>\]\s*|\[[0-9a-f]{8,16}\] ){0,2}(?:\? )?[A-Za-z_][\w.]*"
    + re.escape(PAGER_MARK)
    + "$"
)


def _append_frames(frames: list[str], m: re.Match[str] | None, skip: _SkipFrames) -> None:
    if m is None:
        return
    for g in m.groups():
        if g is None:
            continue
        if g.startswith("_R"):
            g = demangle_rust(g)  # Rust v0 names: titles and skip patterns use the path
        if not skip.search(g):
            frames.append(g)


def _stack_frames_impl(
    report: str, skip: _SkipFrames, parts: tuple[object, ...], spec: StackSpec
) -> tuple[list[_Frame], bool]:
    lines = report.split("\n")
    # Past its first frame, a first-only last trace is read on only for a should_fail
    # line (CORRUPTED_LINES): in a report that holds none, the answer is settled there.
    no_should_fail = "should_fail" not in report
    li = 0
    raw: list[str] = []
    first_only = spec.extractor is None  # _key_frame then looks at raw[0] alone
    results: list[_Frame] = []
    ok = True
    traces = 0
    part_idx = 0
    cut = False  # the trace being read stopped at an entry a pager cut
    while True:
        if part_idx == len(parts) or (parts[part_idx] is PARSE_STACK and traces > 0):
            key = _key_frame(raw, spec, cut)
            if key is None:
                key = _Frame("corrupted", "corrupted")
                ok = False
            results.append(key)
            raw = []
            cut = False
        if part_idx == len(parts):
            break
        part = parts[part_idx]
        if part is PARSE_STACK:
            traces += 1
            last = part_idx == len(parts) - 1
            while li < len(lines):
                ln = lines[li]
                li += 1
                if "should_fail" in ln and any(r.search(ln) for r in oopses.CORRUPTED_LINES):
                    ok = False
                    break
                if is_stack_start(ln):
                    break
                if not last:
                    nxt = parts[part_idx + 1]
                    assert isinstance(nxt, re.Pattern)
                    m = nxt.search(ln)
                    if m is not None:
                        _append_frames(raw, m, skip)
                        part_idx += 1
                        break
                if raw and first_only:
                    if last and no_should_fail:
                        break  # nothing further down can change the answer
                    continue  # the title uses raw[0] only: no need to parse further frames
                if ln.endswith(PAGER_MARK) and _CUT_ENTRY_RE.match(ln):
                    cut = True
                    break  # an entry whose name the pager cut: no frame below it is sure
                _append_frames(raw, _FRAME_ANY.match(ln), skip)
        else:
            assert isinstance(part, re.Pattern)
            start = li
            found = False
            while li < len(lines):
                ln = lines[li]
                li += 1
                if "should_fail" in ln and any(r.search(ln) for r in oopses.CORRUPTED_LINES):
                    ok = False
                    found = True
                    break
                m = part.search(ln)
                if m is None and part is oopses.RIP_FRAME and ln.endswith(PAGER_MARK):
                    m = _cut_rip_entry(ln, lines, li)
                if (
                    m is None
                    and part_idx == 0
                    and ln.endswith(PAGER_MARK)
                    and spec.extractor is None
                    and _cut_in_name(ln, part, skip)
                ):
                    return [_CUT_RIP_FRAME], False
                if m is None:
                    continue
                if part is oopses.TRACE_AFTER_REGS and not oopses.CALL_TRACE.search(ln):
                    # riscv's "status:" line heads the trace dump_backtrace() prints
                    # right after it: headerless since 6.x, under its own "Call Trace:"
                    # before (stacktrace.c moved that header into show_stack()). Kernels
                    # whose show_regs() printed no trace leave it heading nothing.
                    after = lines[li] if li < len(lines) else ""
                    if oopses.CALL_TRACE.search(after):
                        li += 1
                    elif not _FRAME_ANY.match(after):
                        continue
                if part is oopses.RIP_FRAME and not any(m.groups()):
                    # a PC printed bare: the link register line after it names its
                    # caller (oopses.LINK_AFTER_BARE_PC)
                    pc_word = ln.lstrip()[:3]
                    link = oopses.LINK_AFTER_BARE_PC.get(pc_word)
                    if link is not None:
                        at = max(li + link[1], 0)
                        window = lines[at : at + link[2]]
                        heading = oopses.LINK_HEADINGS.get(pc_word)
                        if heading is not None:
                            # (only the line right after its heading: s390's BEAR)
                            before = ([""] + lines)[at:]  # (each window line's previous)
                            window = [w for p, w in zip(before, window) if p.strip() == heading]
                        m = next(filter(None, map(link[0].match, window)), m)
                _append_frames(raw, m, skip)
                if part is oopses.TRACE_AFTER_REGS or part is oopses.CALL_TRACE:
                    # m68k show_trace() prints "Call Trace:" then each entry with
                    # pr_cont(" [<%08lx>] %pS\n"): the first entry on the header's line
                    rest = ln[m.end() :]
                    if rest.startswith(" [<"):
                        _append_frames(raw, _FRAME_ANY.match(rest), skip)
                found = True
                break
            if not found and part is oopses.RIP_FRAME and _i386_dump_stack_at(lines, start):
                # no registers: a 2.6.16-2.6.2x i386 soft lockup (kernel/softlockup.c
                # softlockup_tick()) dumps its stack alone, dump_stack()'s entries first
                # (oopses.I386_DUMP_STACK_RE); the trace is read from there
                li = start
            elif not found and (part is oopses.CALL_TRACE or part is oopses.TRACE_AFTER_REGS):
                # 32-bit ARM's unwinder (CONFIG_ARM_UNWIND) prints no header: its trace
                # starts at the first "from" line (_ARM_ENTRY_RE). Nor does 2.6.19-2.6.2x
                # i386's dump_stack(): at its own first entry (oopses.I386_DUMP_STACK_RE).
                # Nor i386's show_regs() before the x86 merge: after its "CR0:" line
                # (oopses.I386_REGS_TRACE_RE). Nor riscv's after registers a quote cut,
                # its "status:" line with them: at its first entry
                # (oopses.RISCV_HEADERLESS_TRACE_RE).
                riscv = oopses.RISCV_REPORT_RE.search(report) is not None
                li = next(
                    (
                        i
                        for i in range(start, len(lines))
                        if _ARM_ENTRY_RE.match(lines[i])
                        or _i386_dump_stack_line(lines[i])
                        or _i386_regs_end(lines, i)
                        or (riscv and _riscv_trace_start(lines, i))
                    ),
                    len(lines),
                )
                if li < len(lines) and "CR4: " in lines[li]:
                    li += 1  # the trace starts on the line after the registers
            elif not found and part is oopses.RISCV_CUT_TRACE:
                # riscv's headerless trace, its "status:" line cut with the registers
                # (oopses.RISCV_CUT_TRACE): at its first entry, in a riscv report only
                riscv = oopses.RISCV_REPORT_RE.search(report) is not None
                li = next(
                    (i for i in range(start, len(lines)) if riscv and _riscv_trace_start(lines, i)),
                    len(lines),
                )
        part_idx += 1
    return results, ok


# The title's frame of a report whose faulting line a pager cut in its function's name
# (_cut_in_name): "corrupted", and no trace read in its stead.
_CUT_RIP_FRAME = _Frame("corrupted", "corrupted")
# The name a pager cut at a line's end (see _cut_in_name)
_CUT_NAME_END_RE = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*)" + re.escape(PAGER_MARK) + "$")


def _cut_in_name(line: str, part: re.Pattern[str], skip: _SkipFrames) -> bool:
    """Is ``line`` the faulting line ``part`` (a spec's first part) looks for, which
    journalctl's pager (less -S) cut in the function's name and ended in its mark
    (taint.PAGER_MARK)? x86 show_ip() "RIP: %04x:%pS" (6.1 arch/x86/kernel/dumpstack.c)
    cut to "RIP: 0010:hotfence_crash_>" or "RIP: 0010:exc_control_protect>": the name
    left may be whole or a start of one. Read on, the spec would take a later "RIP:" of
    an exception frame in the trace (the code a #CP or #UD interrupted, "RIP:
    0010:hotfence_crash_bug+0x4/0x10") or its alternative, the trace, which x86 starts at
    the caller ("WARNING in hotfence_crash_do" for hotfence_crash_rtnl): a function that
    did not fault. The line read with the name ended there is one ``part`` matches, the
    name in a group of it. Not where what is left names a helper no title names (a
    lock's slow path, "native_queued_spin_lock_slowpat>"): its caller titles either way."""
    m = _CUT_NAME_END_RE.search(line)
    if m is None or skip.search(m.group(1)):
        return False
    r = part.search(line[:-1] + "+0x0/0x1")
    return r is not None and m.group(1) in r.groups()


# The faulting-address lines that print the address before its symbol, which
# journalctl's pager (less -S, taint.PAGER_MARK) may cut: MIPS show_regs() "epc   : %0*lx
# %pS" (LoongArch "  ERA: ..."), s390 show_registers() "Krnl PSW : %016lx %016lx (%pS)".
_CUT_RIP_ADDRESS_RE = re.compile(
    r"^\s*(?:epc *: +|ERA: +|Krnl PSW ?: [0-9a-f]+ )(?P<addr>[0-9a-f]{8,16}) .*"
    + re.escape(PAGER_MARK)
    + "$"
)


def _cut_rip_entry(line: str, lines: list[str], after: int) -> re.Match[str] | None:
    """The trace entry that names the function of a faulting-address line the pager cut
    in its symbol: the unwinders of both start at the registers' address (s390
    show_stack() -> unwind_start(regs), MIPS show_backtrace() from regs->cp0_epc), so the
    first "[<%px>] %pS" entry with that very address is the same symbol, printed whole."""
    m = _CUT_RIP_ADDRESS_RE.match(line)
    if m is None:
        return None
    entry = re.compile(r"\s*\[<0*" + m.group("addr").lstrip("0") + r">\] ([A-Za-z_][\w.]*)\+0x")
    return next((e for t in lines[after : after + 200] if (e := entry.match(t)) is not None), None)


def _i386_dump_stack_at(lines: list[str], start: int) -> bool:
    """A line of ``lines`` from ``start`` on starts i386's headerless dump_stack() trace."""
    return any(_i386_dump_stack_line(t) for t in lines[start:])


def _i386_dump_stack_line(t: str) -> bool:
    """Does ``t`` start i386's headerless dump_stack() trace (oopses.I386_DUMP_STACK_RE,
    or a frame-pointerless soft lockup's, oopses.I386_SOFTLOCKUP_DUMP_RE)?"""
    if any(h in t for h in oopses.I386_DUMP_STACK_HINTS):
        return oopses.I386_DUMP_STACK_RE.match(t) is not None
    return "softlockup_tick+" in t and oopses.I386_SOFTLOCKUP_DUMP_RE.match(t) is not None


def _riscv_bare_trace(report: str) -> bool:
    """Does riscv's headerless trace (oopses.RISCV_HEADERLESS_TRACE_RE) stand in
    ``report``, a report riscv's own lines tell (oopses.RISCV_REPORT_RE)?"""
    return (
        oopses.RISCV_REPORT_RE.search(report) is not None
        and oopses.RISCV_HEADERLESS_TRACE_RE.search(report) is not None
    )


def _riscv_trace_start(lines: list[str], i: int) -> bool:
    """``lines[i]`` is the first entry of riscv's headerless trace, its register dump and
    "status:" line cut before it (oopses.RISCV_HEADERLESS_TRACE_RE)."""
    return lines[i].startswith("[<") and (
        oopses.RISCV_HEADERLESS_TRACE_RE.match("\n".join(lines[i : i + 2])) is not None
    )


def _i386_regs_end(lines: list[str], i: int) -> bool:
    """``lines[i]`` is the "CR0:" line of i386's show_regs() with the first entry of its
    headerless trace after it (oopses.I386_REGS_TRACE_RE)."""
    return "CR4: " in lines[i] and (
        oopses.I386_REGS_TRACE_RE.match("\n".join(lines[i : i + 2])) is not None
    )


_HINT_AT_START = all(
    re.sub(r"^(?:\(\?<![^)]*\))+", "", p.pattern).startswith(h)
    for h, p in zip(oopses.STACK_START_HINTS, oopses.STACK_START)
)
assert _HINT_AT_START, "a stack-start pattern no longer starts with its hint"


def is_corrupted(
    title: str, report: str, f: oopses.Format | None, guessed_trace: bool = False
) -> tuple[bool, str]:
    """syzkaller's checks that a report is complete enough to trust its title.

    A trace of "?" entries only is a whole trace when the report's own line names the
    function (Format.names_function): the kernel printed every entry it found.
    """
    if _CORRUPTED_TITLE_RE.search(title):
        return True, "title matches corrupted regexp"
    if f is None or f.no_stack_trace or (guessed_trace and f.names_function):
        return False, ""
    has_stack = False
    for key, hint in zip(oopses.STACK_START, oopses.STACK_START_HINTS):
        at = report.find(hint)
        if at == -1:
            continue  # the pattern cannot match: skip a regex scan of the whole report
        # A match starts with its hint (_HINT_AT_START; a look-behind reads before it):
        # the search starts there, not at the report's start.
        m = key.search(report, max(at - 1, 0))
        if m is None:
            continue
        # Lines 1-15 are all that is read (and whether there are 4): no need to split the rest.
        frames = report[m.start() :].split("\n", 16)
        if len(frames) < 4:
            return True, "call trace is missed"
        bad = True
        for ln in frames[1:16]:
            if is_stack_start(ln):
                break
            if "(stack is not available)" in ln or _FRAME_ANY.match(ln):
                has_stack = True
                bad = False
                break
        if key is not oopses.RISCV_STACK_START and bad:
            return True, "no frames in a stack trace"
    if not has_stack and any(
        any(h in report for h in hints) and r.search(report) is not None
        for hints, r in _HEADERLESS_STACKS
    ):
        has_stack = True  # 32-bit ARM's unwinder prints its "from" lines without a header
    if not has_stack and "[<" in report and _riscv_bare_trace(report):
        # riscv's trace after show_regs() whose registers a quote cut to "[...]", its
        # "status:" line with them: no header
        has_stack = True
    if not has_stack:
        return True, "no stack trace in report"
    return False, ""
