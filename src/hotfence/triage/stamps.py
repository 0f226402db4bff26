"""A time stamp every line of a log starts with, put there by a program that read it.

moreutils ``ts`` (ts(1): ``%b %d %H:%M:%S`` by default, ``%H:%M:%S`` with ``-s`` / ``-i``,
``%.S`` / ``%.s`` / ``%.T`` for fractions, ``%s`` for the epoch) and Grafana Loki's
``logcli --no-labels`` (the entry's RFC 3339 time, the line) put a time and a space before
each line they read, whatever the line: ``Nov 27 10:11:12 BUG: unable to handle ...``; the
AWS CLI's ``aws logs tail`` a CloudWatch Logs event's time and its log stream's name
(``2026-11-27T10:11:12.123000+00:00 i-0abc BUG: ...``), or the time alone with
``--format short``.
(``docker logs -t`` and ``kubectl logs --timestamps`` do too, with a nine-digit fraction
no syslog writes: lines.py reads those on its own, line by line.) One such line
cannot be told from a syslog line of a program named ``BUG`` (journalctl --no-hostname),
but a log can: when every one of its first lines starts with the same stamp, none of them
names a writer the way syslog does (``kernel:``, ``ident[pid]:``) and some hold text no
syslog line has there (the kernel's ``Call Trace:``, an indented trace entry, ``Linux
version ...``), the stamp is the reader's, and the line after it is what it read.

:func:`mark_stamps` decides once per log and marks each stamp's end with ``STAMP_END`` in
place of its space (the text keeps its length: every offset stays the log's own); the line
reader (lines.parse_prefix) reads the line after it, the pause rule (wallclock) its time.
A line reader's own prefixes (printk's time, dmesg's, syslog's) are not such stamps: a log
whose lines it reads already is left as it is.
"""

from __future__ import annotations

import itertools
import os
import re

from .lines import MONTH, STAMP_END, parse_prefix
from .taint import PAGER_MARK

# The AWS CLI's `aws logs tail` (awscli/customizations/logs/tail.py) prints each
# CloudWatch Logs event as "%s %s %s" of its time, isoformat(timespec="microseconds") of a
# UTC datetime, its log stream's name (no ":" nor "*" in one) and its message
# (DetailedLogEventsFormatter, the default); "%s %s" of "%Y-%m-%dT%H:%M:%S" (no zone) and
# the message with --format short. The stream is the stamp's: an event of the CloudWatch
# agent's is a syslog line, or the kernel's line itself.
_AWS_TAIL_STREAM = r"(?P<stream>(?<=\.\d{6}\+00:00) [^\s:*]{1,512}(?= ))?"
# A /dev/kmsg reader's line: the record's time as RFC 3339, its flags field and its text
# ("2025-08-31T23:42:06Z - kernel BUG at kernel/cred.c:103!", github lkrg-org/lkrg#430).
# The flag is the record header's (kernel/printk/printk.c info_print_ext_header(), 6.14:
# "%u,%llu,%llu,%c" with 'c' for a LOG_CONT record, '-' for any other; 3.5 to 4.8's
# devkmsg_read() also '+' for a continued fragment): the text after it is the kernel's,
# its own leading space kept (" </TASK>", a trace entry's), and a 'c' record goes on
# the line before it (print_modules()' pr_cont() past a record's LOG_LINE_MAX).
_KMSG_FLAG = r"(?P<kflag>(?:(?<=\dZ)|(?<=[+-]\d\d:\d\d)) [-+c](?= ))?"
_STAMP_RE = re.compile(
    r"(?P<time>(?:"
    + MONTH  # strftime("%b") in any locale
    + r" [ \d]\d )?\d\d:\d\d:\d\d(?:\.\d{1,9})?"  # ts's default, -s / -i, %T, %.S, %.T
    r"|\d{9,11}(?:\.\d{1,9})?"  # ts "%s", "%.s": the epoch
    # RFC 3339; aws logs tail --format short's without its zone
    r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)?"
    r")" + _AWS_TAIL_STREAM + _KMSG_FLAG
)
# What follows a syslog line's time, a writer's name: "host kernel: ", "kernel: ",
# "host sshd[812]: ", "sshd[812]: " (RFC 3164's TAG, journalctl's identifier and pid);
# RFC 5424's "HOSTNAME APP-NAME PROCID MSGID SD " (sysklogd 2.x's ";RFC5424" files, no
# "<PRI>1 " before the time: "host sshd 812 - - ", "host kernel - - - "). A host holds no
# ":" nor brackets (lines._HOST): the kernel's "x86/fpu: xstate_offset[2]:  576, ..."
# (arch/x86/kernel/fpu/xstate.c print_xstate_offset_size()'s pr_info(), 6.12)
# names no host "x86/fpu:" and writer "xstate_offset" of pid 2. Nor is x86's boot line
# "IOAPIC[0]: apic_id 0, version 32, address 0xfec00000, GSI 0-23" (arch/x86/kernel/
# apic/io_apic.c mp_register_ioapic()'s pr_info("IOAPIC[%d]: apic_id %d, ..."), 2.6.x
# to 6.12, one per I/O APIC) a writer "IOAPIC" of pid 0 without its host. Nor is the
# kernel's line for a user task's unhandled fault, its "comm[pid]: " the task's (a comm
# with a space, "Web Content[311]: ", reads as host and ident):
_KERNEL_BRACKETED = (
    r"IOAPIC\[\d+\]: apic_id ",
    # x86: arch/x86/mm/fault.c show_signal_msg()'s printk("%s%s[%d]: segfault at %lx ip
    # %px sp %px error %lx", ...) (6.12; older kernels' "ip %p sp %p")
    r"[^\s:\[\]]+\[\d+\]: segfault at [0-9a-f]+ ip ",
    # arm64: arch/arm64/kernel/traps.c arm64_show_signal()'s pr_info("%s[%d]: unhandled
    # exception: ", ...) (6.1, 6.12); arch/arm64/mm/fault.c __do_user_fault()'s
    # pr_info("%s[%d]: unhandled %s (%d) at 0x%08lx, esr 0x%03x\n", ...) (4.x)
    r"[^\s:\[\]]+\[\d+\]: unhandled (?:exception: |[^\n(]* \(\d+\) at 0x)",
    # powerpc: arch/powerpc/kernel/traps.c show_signal_msg()'s printk("%s%s[%d]: %s (%d)
    # at %lx nip %lx lr %lx code %x", ...) (4.19+, signame(): "segfault", "bus error",
    # "illegal instruction", ...; before, _exception_pkey()'s "%s[%d]: unhandled signal %d
    # at %lx nip %lx lr %lx code %x"), then show_user_instructions()'s pr_info("%s[%d]:
    # code: %s\n", ...) rows of 8 words, the faulting one in "<>" (arch/powerpc/kernel/
    # process.c, 4.19+)
    r"[^\s:\[\]]+\[\d+\]: (?:[a-z ]+ \(\d+\)|unhandled signal \d+) at [0-9a-f]+ nip [0-9a-f]+ ",
    r"[^\s:\[\]]+\[\d+\]: code: <?[0-9a-fX]{8}>? ",
)
_WRITER_RE = re.compile(
    r"(?:[^\s:\[\]]+ )?(?:(?i:kernel)|(?!" + "|".join(_KERNEL_BRACKETED) + r")[^\s:\[\]]+\[\d+\]): "
    r"|[^\s:\[\]]+ [^\s:\[\]]+ (?:-|\d+) \S+ (?:-|\[[^\]]*\]) "
)
# Text a syslog line's tag never is: it starts with the tag, "ident: " or "host ident: ".
_TAGGED_RE = re.compile(r"(?:\S+ )?[^\s:\[\]]+(?:\[\d+\])?: ")
# A line a person put in place of the lines they cut from a log before posting it: "...",
# "[...]", "<snip>" (github openzfs/zfs#18107, a 6.19 WARNING's register dump cut to "..."
# between its stamped lines). No reader stamped it, and it says nothing of the others.
_ELISION_RE = re.compile(r"\s*(?:\.{3,}|\[(?:\.{3}| ?snip ?)\]|<snip>|\(\.{3}\))\s*$")
# The first lines a log's stamp is judged by, and the fewest that are enough.
_PROBE_LINES = 32
_MIN_LINES = 4


def _shape(stamp: str) -> str:
    """The stamp's shape: its letters and digits as classes (one stamp, one shape)."""
    return re.sub(r"\d", "0", re.sub(r"[^\W\d_]|[\x80-\xff]", "a", stamp))


def log_stamp(text: str) -> re.Pattern[str] | None:
    """The stamp every line of ``text`` starts with (see the module's docstring), as a
    pattern matching it and its space; None when the log has none (or fewer than
    ``_MIN_LINES`` lines to judge by). Each line is judged as it is read: most logs'
    first line already says no."""
    shape = None
    untagged = False
    probed = 0
    pos = 0
    while probed < _PROBE_LINES and pos < len(text):
        end = text.find("\n", pos)
        line = (text[pos:] if end == -1 else text[pos:end]).rstrip("\r")
        pos = len(text) if end == -1 else end + 1
        if not line.strip() or _ELISION_RE.match(line):
            continue
        probed += 1
        m = _STAMP_RE.match(line)
        if m is None or line[m.end() : m.end() + 1] != " ":
            return None
        if shape is None:
            shape = _shape(m.group("time"))  # (streams' names differ: a time's shape)
        elif _shape(m.group("time")) != shape:
            return None
        rest = line[m.end() + 1 :]
        if _WRITER_RE.match(rest) or _WRITER_RE.match(line, m.end("time") + 1):
            return None  # a syslog or journal line (its host no stream's name)
        read, context, _ = parse_prefix(line)
        # A prefix the line reader knows, from the line's start, is no reader's stamp;
        # but `aws logs tail` writes an ISO time and the log stream before the line's
        # own prefix, which lines.py reads the same after the stamp as before it. (A
        # syslog date before a line that reads the same without it, Crostini's "<12>
        # VM(33):", stays the syslog line's.)
        iso = m.group("time")[10:11] == "T"
        if (context or read != line) and (not iso or parse_prefix(rest)[:2] != (read, context)):
            return None
        untagged = untagged or not _TAGGED_RE.match(rest)
    if probed < _MIN_LINES or not untagged:
        return None  # too few to tell, or every line could be a syslog line's
    return _MARK_RE


_MARK_RE = re.compile(r"(?m)^(" + _STAMP_RE.pattern + r") ")


def mark_stamps(text: str) -> str:
    """``text`` with each line's stamp (:func:`log_stamp`) ended by ``STAMP_END`` in
    place of its space; ``text`` itself (the same object) when its lines have no such
    stamp."""
    stamp = log_stamp(text)
    if stamp is None:
        return text

    def mark(m: re.Match[str]) -> str:
        # (a syslog file's line further on, another log appended, keeps its own date)
        if _WRITER_RE.match(text, m.end()) or _WRITER_RE.match(text, m.end("time") + 1):
            return m.group()
        return m.group(1) + STAMP_END

    return stamp.sub(mark, text)


# apport's multi-line item (problem_report.py ProblemReport.write(): "Key:" and then each
# line of the value after one space): a .crash file's OopsText, its dmesg. The kernel
# prints no line of its oops with exactly one space before these words (its trace
# entries' space comes before a function or an address): a run of lines that all start
# with a space and holds one of them is such an item, and its first space is apport's.
_ITEM_ANCHORS = (
    "Call Trace:",
    "Call trace:",
    "Modules linked in:",
    "CPU: ",
    "Hardware name: ",
    "---[ end ",
    "Kernel panic - ",
)
_ITEM_ANCHOR_RE = re.compile("(?m)^ (?:" + "|".join(map(re.escape, _ITEM_ANCHORS)) + ")")
_ITEM_RUN_RE = re.compile(r"(?m)(?:^ [^\n]*(?:\n|\Z))+")
_ITEM_INDENT_RE = re.compile(r"(?m)^ ")


def _has_item_anchor(text: str) -> bool:
    """Does a line of ``text`` start with one space and an anchor (``_ITEM_ANCHORS``)?
    Most logs start few lines with a space: those are read; a log that starts many so
    (a trace without printk time) is searched for each anchor instead (see
    _anchored_lines)."""
    spaced = _line_starts(text, _ITEM_LEAD_RE, len(text) // _BYTES_A_SEARCH_PASS)
    if spaced is None:
        return any(("\n " + a) in text or text.startswith(" " + a) for a in _ITEM_ANCHORS)
    return any(text.startswith(_ITEM_ANCHORS, start + 1) for start in spaced)


def mark_item_indent(text: str) -> str:
    """``text`` with the space apport put before each line of a multi-line item (see
    ``_ITEM_ANCHOR_RE``) made ``STAMP_END``, which the line reader reads past as it does a
    reader's stamp (the text keeps its length); ``text`` itself when it has none."""
    if not _has_item_anchor(text):
        return text  # most logs, told by plain searches (the regex costs more)

    def mark(m: re.Match[str]) -> str:
        run = m.group()
        if _ITEM_ANCHOR_RE.search(run) is None:
            return run
        return _ITEM_INDENT_RE.sub(STAMP_END, run)

    return _ITEM_RUN_RE.sub(mark, text)


# A log pasted as an indented block: git log's commit message four spaces in (pretty.c
# pp_remainder()) and the crash lines a commit message quotes, indented again; a
# Markdown post's indented code block (CommonMark 4.4: four or more spaces before each
# line, blank lines inside); a mail's two spaces or a tab. The kernel prints none of
# its report's opening lines (nor "Call Trace:", "CPU: ", ...) after two spaces or a
# tab, with or without a printk or syslog prefix before them: a run of lines that all
# start with the same indent and holds one of them is such a block, and the indent is
# the writer's. (One space is apport's: mark_item_indent.)
_BLOCK_ANCHORS = (
    *_ITEM_ANCHORS,
    "INFO: task ",
    "WARNING: ",
    "BUG: ",
    "kernel BUG at ",
    "Internal error: ",
    "Oops",
    "general protection fault",
    "Unable to handle kernel ",
    "unreferenced object 0x",  # kmemleak's, as its debugfs file and printk show it
)


def _in_block(text: str, start: int, end: int) -> bool:
    """Is the line ``text[start:end]`` one of an indented block's: it starts with two
    spaces or a tab, or holds blanks alone (a blank line inside the block)?"""
    return text.startswith(("  ", "\t"), start, end) or not text[start:end].strip(" \t")


def _block_around(text: str, start: int) -> tuple[int, int]:
    """The run of block lines (``_in_block``) around the line at ``start``: its start
    and its end, after its last line's newline."""
    lo = start
    while lo > 0:
        prev = text.rfind("\n", 0, lo - 1) + 1
        if not _in_block(text, prev, lo - 1):
            break
        lo = prev
    hi = start
    while hi < len(text):
        end = text.find("\n", hi)
        end = len(text) if end == -1 else end
        if not _in_block(text, hi, end):
            break
        hi = end + 1
    return lo, min(hi, len(text))


def _anchored_lines(text: str) -> list[int]:
    """The starts of the lines that start with two spaces or a tab and hold an anchor
    (``_BLOCK_ANCHORS``), in order: the only lines a block must hold. Found by plain
    searches (a regex over every line start costs far more): most logs indent few lines
    so, and those few are read for the anchors; a log that indents many (a pasted block)
    is searched for each anchor instead. The two give the same list (an anchor holds no
    newline: each occurrence lies in one line)."""
    indented = _line_starts(text, _BLOCK_LEAD_RE, len(text) // _BYTES_A_SEARCH_PASS)
    if indented is None:
        return _anchored_by_search(text)
    return _anchored_among(text, indented)


def _anchored_among(text: str, starts: list[int]) -> list[int]:
    """Those of the line ``starts`` whose line holds an anchor."""
    anchored = []
    for start in starts:
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        if any(text.find(anchor, start, end) != -1 for anchor in _BLOCK_ANCHORS):
            anchored.append(start)
    return anchored


def _anchored_by_search(text: str) -> list[int]:
    """_anchored_lines, by a search for each anchor over the whole text."""
    starts = set()
    for anchor in _BLOCK_ANCHORS:
        pos = text.find(anchor)
        while pos != -1:
            start = text.rfind("\n", 0, pos) + 1
            if text.startswith(("  ", "\t"), start):
                starts.add(start)
            pos = text.find(anchor, pos + len(anchor))
    return sorted(starts)


# About as many bytes as one C search pass reads in the time Python takes to read one
# line for the anchors: past one such line in this many bytes, the searches for each
# anchor cost less than reading every such line.
_BYTES_A_SEARCH_PASS = 2048


def _line_starts(text: str, lead: re.Pattern[str], most: int) -> list[int] | None:
    """The starts of the lines of ``text`` that start with what ``lead`` matches after
    its newline, in order; None when there are more than ``most``. (One regex pass: it
    searches for the literal newline as str.find does; "\\A|\\n" would not.)"""
    starts = [0] if lead.match("\n" + text[:2]) else []
    for m in lead.finditer(text):
        starts.append(m.start() + 1)
        if len(starts) > most:
            return None
    return starts if len(starts) <= most else None


# Lines that start with two spaces or a tab (a block's), and with a space (an item's).
_BLOCK_LEAD_RE = re.compile(r"\n(?:  |\t)")
_ITEM_LEAD_RE = re.compile(r"\n ")


def _block_indent(run: str) -> str:
    """The whitespace every non-blank line of ``run`` starts with."""
    indent: str | None = None
    for line in run.split("\n"):
        if not line.strip():
            continue
        lead = line[: len(line) - len(line.lstrip(" \t"))]
        indent = lead if indent is None else os.path.commonprefix([indent, lead])
        if not indent:
            return ""
    return indent or ""


def _has_block_anchor(run: str, indent: str) -> bool:
    for line in run.split("\n"):
        if line.startswith(indent) and any(a in line for a in _BLOCK_ANCHORS):
            read, context, _ = parse_prefix(line)
            if context or read != line:
                return False  # a shape the line reader reads indented (journalctl -o verbose)
            text, _, _ = parse_prefix(line[len(indent) :])
            if text.startswith(_BLOCK_ANCHORS):
                return True
    return False


def _marked_block(run: str) -> str:
    """``run``, a block of lines, with its indent marked (see mark_block_indent) when it
    is a pasted log's."""
    indent = _block_indent(run)
    if not indent or not _has_block_anchor(run, indent):
        return run
    cut = len(indent) - 1
    return "\n".join(
        line[:cut] + STAMP_END + line[cut + 1 :] if line.startswith(indent) else line
        for line in run.split("\n")
    )


def mark_block_indent(text: str) -> str:
    """``text`` with the writer's indent of each indented block of log lines (see
    ``_BLOCK_ANCHORS``) ended by ``STAMP_END`` in place of its last character, which the
    line reader reads past as it does a reader's stamp (the text keeps its length);
    ``text`` itself when it has none."""
    pieces: list[str] = []
    done = 0
    for start in _anchored_lines(text):
        if start < done:
            continue  # (in the block of an anchor before it)
        lo, hi = _block_around(text, start)
        pieces += [text[done:lo], _marked_block(text[lo:hi])]
        done = hi
    if not pieces:
        return text
    pieces.append(text[done:])
    marked = "".join(pieces)
    return text if marked == text else marked


# A log cut at a fixed width with no mark: `cut -c1-W`, `more` or a narrow terminal's
# screen copied (or OCR'd from a screenshot) keep each line's first W columns and nothing
# to say where a line went on; less -S, journalctl's pager, puts its mark there
# (taint.PAGER_MARK), which the line walk reads as a cut. Such a log shows its width: its
# widest rows are all exactly W wide, many of them (every line longer was cut there),
# at least as many as rows a column or three narrower (lines that end there by
# themselves; a word wrap's rows spread over those columns alike), and none is wider. A row that wide is read as the pager's cut: its last column made
# the mark (the text keeps its length), so its last field is not trusted (a pid, the
# taint's letters, a frame's offset and size, a title's last word). Only narrower than
# the narrowest mail wrap (extract._MAIL_WIDTH_MIN, 71): a terminal or a mail client
# wraps a line there, going on in the next row, and those rows are joined again.
_CUT_WIDTH_MIN = 40
_CUT_WIDTH_MAX = 70
_CUT_PROBE_LINES = 512  # the first rows a log's width is judged by
_CUT_ROWS_MIN = 6  # rows of the widest width, at the least
_CUT_NEAR = 3  # rows this many columns narrower or less: lines that ended so
_CUT_NEAR_PER_ROW = 1  # the widest rows are at least as many (a wrap's a third of them)
# less -S's rows: its mark ends every row it cut, and a row that was exactly as wide as
# the screen is rare (no more than one in this many of them); by chance a fixed column
# of an unmarked cut may hold a ">" too (a trace entry's "[<address>]").
_MARKED_PER_WHOLE = 8
# A wrap's rows that went on in the next: more than one in this many, and the rows are
# no cut's.
_CUT_PER_WRAPPED = 4
# A register dump's row: names and values only, each value its register's full width (8
# or 16 hex digits), as show_regs() prints them with "%016llx" / "%08lx" (6.1
# arch/arm64/kernel/process.c __show_regs(): three "x%-2d: %016llx" a row; x86's
# "RAX: %016lx RBX: %016lx RCX: %016lx"). Such rows are all one width by design: a quote
# of an arm64 oops from its "pc :" line, with no printk time and no line wider, has ten
# of them at 65 columns and nothing cut. They say nothing of a cut (a cut in the middle
# of a value leaves it short, and such a row is no register row here).
_REGISTER_ROW_RE = re.compile(
    r"\s*(?:[A-Za-z][\w ]{0,5}: ?(?:[0-9a-f]{16}|[0-9a-f]{8})(?:\s+|$))+$"
)


def cut_width(text: str) -> int:
    """The width every longer line of ``text`` was cut at with no mark (see above); 0
    when its rows show none. The first rows are read (most logs' say no at once), then
    the whole text searched once for a wider row."""
    rows: list[tuple[int, int]] = []  # (start, end) of each row probed
    widths: dict[int, int] = {}
    pos = 0
    while len(rows) < _CUT_PROBE_LINES and pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        rows.append((pos, end))
        width = end - pos - (text[end - 1 : end] == "\r")
        if _REGISTER_ROW_RE.match(text, pos, end) is None:
            widths[width] = widths.get(width, 0) + 1
        else:
            widths.setdefault(width, 0)  # (its width still the widest, if it is)
        pos = end + 1
    widest = max(widths, default=0)
    if not _CUT_WIDTH_MIN <= widest <= _CUT_WIDTH_MAX:
        return 0
    count = widths[widest]
    near = sum(widths.get(widest - k, 0) for k in range(1, _CUT_NEAR + 1))
    if count < _CUT_ROWS_MIN or count < near * _CUT_NEAR_PER_ROW:
        return 0
    if _wrapped_rows(text, rows, widest) * _CUT_PER_WRAPPED > count:
        return 0  # a wrap's rows: the line goes on in the next one (extract joins them)
    if re.search(rf"[^\n\r]{{{widest + 1}}}", text) is not None:
        return 0  # a wider row further on: no cut at this width
    return widest


# A mail reply's quote before a row (RFC 3676 4.5: ">" per level, a space after; as
# lines.parse_prefix reads one). A wrapped line quoted, then the reply rewrapped at the
# quoted text's width (a client that wraps what it quotes: Thunderbird's, Text::Wrap
# over a whole reply), holds rows exactly that wide going on in a row quoted as they
# are: "> Mar 22 20:35:27 dixan kernel: [  512.771153]  [<00000000009a1e1c>]" then
# "> sysrq_handle_crash+0x1c/0x28". Those are a wrap's rows, no cut's.
_QUOTE_RE = re.compile(r"(?:>[ \t]?)+")


def _wrapped_rows(text: str, rows: list[tuple[int, int]], width: int) -> int:
    """How many of the ``rows`` ``width`` wide hold a prefixed line (a printk time, a
    syslog or journal prefix) that goes on in the next row, unprefixed: a wrap's rows (a
    narrow mail client's, extract._narrow_cut). A cut line's next row is a line of its
    own, prefixed as the log's lines are."""
    wrapped = 0
    for (start, end), (nstart, nend) in itertools.pairwise(rows):
        if end - start - (text[end - 1 : end] == "\r") != width or not text[nstart:nend].strip():
            continue
        row = text[start:end]
        read, context, _ = parse_prefix(row)
        if not context and read == row:
            continue  # an unprefixed row: its next tells nothing
        nrow = text[nstart:nend]
        quote = _QUOTE_RE.match(row)
        if quote is not None and nrow.startswith(quote[0]):
            # a reply's quote of a wrap's rows: the row and the one it goes on in are
            # quoted alike, and what the quote holds tells (_QUOTE_RE)
            nrow = nrow[quote.end() :]
        read, context, _ = parse_prefix(nrow)
        wrapped += not context and read == nrow
    return wrapped


def mark_cut_rows(text: str) -> str:
    """``text`` with the last column of each row a cut with no mark ended (see
    ``cut_width``) made the pager's mark (taint.PAGER_MARK); ``text`` itself (the same
    object) when its rows show no such cut, or already end in the mark (less -S's)."""
    width = cut_width(text)
    if not width:
        return text
    row = re.compile(rf"(?m)^([^\n\r]{{{width - 1}}})[^\n\r](?=\r?$)")
    ends = [m.end() for m in row.finditer(text)]
    if sum(text[end - 1] != PAGER_MARK for end in ends) * _MARKED_PER_WHOLE <= len(ends):
        return text  # less -S's rows: its own marks say where it cut
    return row.sub(lambda m: m.group(1) + PAGER_MARK, text)
