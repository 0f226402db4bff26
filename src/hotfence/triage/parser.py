"""Find every crash report in a kernel console log and fill ``Report`` records.

Input: a whole console log / dmesg / ``journalctl -k`` / syslog text, or any region of
one. Titles follow syzkaller's Linux reporter (pkg/report), whose titles the corpus
records. Four steps, one module each, all driven by the ``oopses`` table:

1. ``scan``: the lines that start a report, found with a cheap substring pre-filter.
2. ``extract``: one report's lines from its header on (same printk context, up to the
   next report, an end marker or a pause in printk time).
3. ``titles``: the title from the first-matching format of the header's kind, and
   whether the report is complete enough to trust it.
4. ``fields``: RIP, call trace, task, CPU, release, taint; ``guilty`` names the file.

The next report is searched from where one stopped, so one log yields all of its
crashes (a crash printed again later, by a program reading the kernel log, once:
``new_record``), each with the OOM kills / allocation failures seen since the previous
one as ``context``; OOM kills that no crash follows become ``OOM-KILL`` reports of their own.

``parse_log`` never raises: an internal failure on a pathological report degrades to a
corrupted report rather than losing the others.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .extract import (
    CLOCK_SKEW_MAX,
    LAG_LINES,
    Extracted,
    RecordKey,
    block_copy,
    dedent_pasted,
    echo_copy,
    extract,
    is_oom_dump_start,
    join_wrapped,
    lag_copy,
    line_after,
    line_before,
    line_record,
    lines_before,
    once_each,
    stamped_copy_after,
    stamped_twin_after,
    twin_copy,
    uml_fault_regs,
    unstamped_twin,
    unwrapped_line,
    without_lag_copies,
    without_twins,
)
from .fields import (
    arm64_trace_rip,
    arm_trace_rip,
    call_trace,
    cut_rip_home,
    cut_rip_name,
    one_entry_a_line,
    own_cpu_lines,
    rip_frame,
    riscv_headerless_start,
    riscv_trace_rip,
    task_fields,
)
from .guilty import FILENAME_RE, guilty_in_text
from .lines import (
    JOURNAL_FIELD,
    KMSG_DICT,
    Line,
    caller_id,
    from_userspace,
    is_crash_sys_panic,
    is_journal_boot_line,
    iter_lines,
    journal_boot_ids,
    journal_host,
    line_bounds,
    lost_line_breaks,
    make_line,
    monotonic_restarts,
    needs_plain,
    plain_line,
)
from .model import Report
from .modules import linked_modules
from .oopses import MINOR_TITLES, OopsKind, i386_interrupted, title_type
from .pool import ForkMap, default_jobs, fork_map
from .scan import BAD_MODE, BAD_MODE_LINES, scan_log
from .scan import _wrapped_header as _cut_header
from .stamps import mark_block_indent, mark_cut_rows, mark_item_indent, mark_stamps
from .taint import PAGER_MARK, decode_taint
from .titles import (
    CORRUPTED_CUT_HEADER,
    describe,
    is_corrupted,
    looping_title,
    normalise,
    only_guessed_entries,
)
from .wallclock import WallTime, least_gap, shown_time, wall_time

_MAX_CONTEXT_EVENTS = 20  # entries of a report's context, each one kind of event
_GCE_HANGUP = "serialport: VM disconnected."


# --- public API ---------------------------------------------------------------------------


def parse_log(
    text: str | bytes,
    jobs: int | None = None,
    lines: Sequence[tuple[int, int]] | None = None,
    weights: Mapping[int, int] | None = None,
) -> list[Report]:
    """All crash reports in ``text``, in log order.

    ``text`` may be ``bytes`` (then offsets are byte offsets and report text is decoded
    as UTF-8 with replacement) or ``str`` (offsets are character offsets). ``jobs``:
    processes that work out the reports of a text with many candidate headers (default:
    one per CPU this process may use, one alone when other threads run: see
    pool.default_jobs); the result is the same for any number. ``lines``: of a ``bytes``
    text, the start and 1-based number of each of its lines that hold a scan needle, the
    console-hangup marker or a boot banner's "Linux version ", when the caller scanned it
    already (see scan.scan_log); ignored for a ``str``. ``weights``: of a ``bytes`` text,
    how many printings of its event some event lines stand for, by the line's start (a
    line carried in front of a region of a log for the many like it before the region:
    prefilter); ignored for a ``str``.
    """
    if jobs is None:
        jobs = default_jobs()
    try:
        if isinstance(text, (bytes, bytearray, memoryview)):
            data = bytes(text)
            decoded = data.decode("latin-1")
            marked = mark_cut_rows(mark_block_indent(mark_item_indent(mark_stamps(decoded))))
            if marked is not decoded:
                decoded, data = marked, marked.encode("latin-1")  # the same length
            breaks = lost_line_breaks(decoded)
            if breaks:
                decoded = _break_lines(decoded, breaks)
                data = decoded.encode("latin-1")  # the same bytes, decoded 1:1
                lines = None  # lines moved: scan again
            parsed = _parse(decoded, True, data=data, jobs=jobs, lines=lines, weights=weights)
            return _renumber(parsed, breaks)
        text = str(text)
        if "\u00a0" in text:  # no-break spaces of a pasted page: see lines.plain_line
            text = text.replace("\u00a0", " ")
        if "0\u00d7" in text:  # "0×83", a page's typography: see lines.plain_line
            text = text.replace("0\u00d7", "0x")
        text = mark_cut_rows(mark_block_indent(mark_item_indent(mark_stamps(text))))
        breaks = lost_line_breaks(text)
        if breaks:
            text = _break_lines(text, breaks)
        return _renumber(_parse(text, from_bytes=False, jobs=jobs), breaks)
    except Exception as exc:
        return [
            Report(
                title="triage: internal error while parsing",
                type="UNKNOWN",
                corrupted=True,
                corrupted_reason=f"{type(exc).__name__}: {exc}",
            )
        ]


def _break_lines(text: str, breaks: list[int]) -> str:
    """``text`` with a newline for each space at ``breaks`` (lines.lost_line_breaks): the
    same length, so every offset stays the log's own."""
    pieces = []
    prev = 0
    for pos in breaks:
        pieces.append(text[prev:pos])
        prev = pos + 1
    pieces.append(text[prev:])
    return "\n".join(pieces)


def _renumber(reports: list[Report], breaks: list[int]) -> list[Report]:
    """Line numbers of the log as it was, not counting the line breaks put back."""
    if breaks:
        for rep in reports:
            rep.start_line -= bisect.bisect_left(breaks, rep.start)
            rep.end_line -= bisect.bisect_left(breaks, rep.end)
    return reports


def contains_crash(text: str) -> bool:
    """Cheap check: does any line look like the start of a crash report?

    A superset: ``parse_log`` may still find no report there (a header word that no
    kernel format explains and that has no oops around it).
    """
    return bool(scan_log(text).candidates)


class _LineCounter:
    """1-based line numbers for increasing offsets, counting each newline once (none
    at all for the line starts in ``known``, whose numbers a caller counted already)."""

    def __init__(self, text: str, known: dict[int, int] | None = None) -> None:
        self.text = text
        self.known = known or {}
        self.pos = 0
        self.line = 1

    def number(self, pos: int) -> int:
        number = self.known.get(pos)
        if number is not None:
            if pos >= self.pos:
                self.pos, self.line = pos, number
            return number
        if pos < self.pos:
            return self.text.count("\n", 0, pos) + 1
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


def _parse(
    text: str,
    from_bytes: bool,
    data: bytes | None = None,
    jobs: int = 1,
    lines: Sequence[tuple[int, int]] | None = None,
    weights: Mapping[int, int] | None = None,
) -> list[Report]:
    starts = None if lines is None else [s for s, _ in lines]
    scanned = scan_log(text, data, starts, _wrapped_header)
    cands = scanned.candidates
    events = _Events(text, scanned.events, from_bytes, weights or {})
    if not cands:
        ooms = _oom_reports(text, events, 0, from_bytes)
        if any(r.kernel_release is None for r in ooms):  # as when crashes precede them
            banners = _banners(text, starts)
            _release_from_banner(ooms, from_bytes, banners, _boots(text, starts, banners))
        return ooms
    order = sorted(cands)
    hangups = _occurrences(text, _GCE_HANGUP, starts)
    reports: list[Report] = []
    records: set[int] = set()  # the records reports start with (new_record)
    copies: dict[int, int] = {}  # such a record's hash -> its report's index (_best_copy)
    plain: dict[int, int] = {}  # the same for reports whose first line has no time
    stamped: dict[int, int] = {}  # a stamped first record's text, bare -> copies' index
    read: set[int] = set()  # the stamped header lines reports read as theirs (_note_read)
    quoted: set[int] = set()  # the starts of crash "sys" PANIC fields' reports
    waits = WaitEpisodes()
    pos = 0
    prev_end = 0
    idx = 0
    counter = _LineCounter(text, dict(lines) if lines is not None else None)
    banners = _banners(text, starts)
    boots = _boots(text, starts, banners)
    ahead = _Ahead(text, cands, order, from_bytes, jobs, counter.known)
    try:
        while idx < len(order):
            start = order[idx]
            if start < pos:
                _note_read(text, start, read)  # (inside the report before it)
                idx += 1
                continue
            if _stamped_twin_next(text, start, cands):
                idx += 1  # the copy without its time: the stamped copy after it is read
                continue
            try:
                known = ahead.get(idx)
                if known is None:
                    ext = extract(text, start, cands, order, idx, counter.number(start))
                    built = _build(text, ext, from_bytes)
                    next_pos = ext.next_pos
                else:
                    built, next_pos = known
                if built is None:
                    idx += 1  # not a report: look on from the next header line
                    continue
                rep = built
            except Exception as exc:
                ls, le = line_bounds(text, start)
                rep = Report(
                    title=normalise(text[ls:le].strip()) or "corrupted",
                    type="UNKNOWN",
                    corrupted=True,
                    corrupted_reason=f"internal error: {type(exc).__name__}: {exc}",
                    start=ls,
                    end=le,
                )
                next_pos = None
            pos = next_pos if next_pos is not None else text.find("\n", start) + 1 or len(text)
            head = text[rep.start : line_bounds(text, rep.start)[1]]
            # (a crash "sys" PANIC field quotes a record: no printing of it, whose time and
            # text would make the log's own record seem a copy)
            quote = is_crash_sys_panic(head)
            key = None if quote else record_key(text, rep.start)
            if rep.corrupted and key is not None and key[0] is not None:
                pos = _bare_copy_in(text, order, rep.end, pos, key)
            if not new_record(records, key):
                # The record this report starts with was read before: the same report
                # printed again (a test's "dmesg" after the console's lines). One report,
                # of the copy that holds more of it (_best_copy). (A copy without times
                # reads on over the pauses in printk time that end a report: not it.)
                at = copies.get(hash(key), -1) if key is not None and key[0] is not None else -1
                if key is not None and key[0] is None:
                    # (the same text without its time after a stamped copy: ``journalctl
                    # -k``, ``dmesg --notime``; a copy only where it holds that copy's lines)
                    at = stamped.get(hash(key), -1)
                    if at >= 0 and not _same_lines(rep, reports[at]):
                        at = -1
                if at >= 0 and _best_copy(reports[at], rep):
                    rep.context = reports[at].context
                    reports[at] = rep
                    prev_end = rep.end
                pos = max(pos, start + 1)
                idx += 1
                continue
            if key is not None and key[0] is not None and hash(key) in read:
                # A header line read before (inside a report, or after one as a part of
                # it), here again with its time: a copy of that report that starts in
                # its middle (a "dmesg" after the console, its ring buffer already past
                # the crash's first lines; a paste of what a terminal kept), no crash of
                # its own (kernel/printk/printk.c print_time() stamps each record once).
                pos = max(pos, start + 1)
                idx += 1
                continue
            if reports and _raised_by_panic(rep):
                # panic() of the report before this one warned on its way down: MIPS's
                # smp_send_stop() calls smp_call_function() from the interrupt that
                # panicked, and kernel/smp.c's WARN_ON_ONCE(!in_task()) fires. The dying
                # kernel's own warning, no bug of its own.
                _note_read(text, start, read)
                idx += 1
                continue
            at = plain.get(hash(key), -1) if key is not None and key[0] is None else -1
            if at >= 0 and _plain_repeat(text, reports[at], rep, boots):
                idx += 1  # the report printed again, line for line (_plain_repeat)
                continue
            if waits.repeats(rep.title, text[rep.start : rep.end]):
                idx += 1  # an unregister_netdevice wait printed again: reported already
                continue
            bare = hash((None, key[1])) if key is not None and key[0] is not None else None
            at = -1 if bare is None else plain.get(bare, -1)
            if (
                bare is not None
                and at >= 0
                and _same_lines(reports[at], rep)
                and not _printed_before(text, reports[at], rep)
            ):
                # The report read first without times, now with them: ``journalctl -k``
                # (systemd's short output prints no printk time) and then ``dmesg`` in
                # one bug report, a console without printk.time and then dmesg. One
                # report, of the stamped copy (its times end it where the kernel paused).
                del plain[bare]
                rep.context = reports[at].context
                reports[at] = rep
                copies[hash(key)] = at
                prev_end = rep.end
                idx += 1
                continue
            at = (
                _cut_copy_of(text, rep, stamped, reports)
                if stamped and key is not None and key[0] is None
                else -1
            )
            if at >= 0:
                # The whole copy, without times, of a cut console's report that lost its
                # first lines: one report, of the copy _best_copy ranks higher.
                if _best_copy(reports[at], rep):
                    rep.context = reports[at].context
                    reports[at] = rep
                    prev_end = rep.end
                idx += 1
                continue
            # (events before the last boot banner are another boot's: no cause of this)
            last_boot = bisect.bisect_right(boots, rep.start) - 1
            since = max(prev_end, boots[last_boot] if last_boot >= 0 else 0)
            rep.context = events.between(since, rep.start)
            if key is not None:
                (copies if key[0] is not None else plain).setdefault(hash(key), len(reports))
                if key[0] is not None:
                    stamped.setdefault(hash((None, key[1])), len(reports))
            reports.append(rep)
            if quote:
                quoted.add(rep.start)
            prev_end = rep.end
            if pos <= start:  # always make progress
                pos = start + 1
            idx += 1
    finally:
        ahead.close()  # the workers, when the loop is done early or failed
    reports.sort(key=lambda r: r.start)  # (a later copy may stand for an earlier one)
    reports = _minor_as_context(text, _without_lone_copies(text, reports), boots)
    for i in cut_by_hangup([r.start for r in reports], hangups):
        mark_hung_up(reports[i])
    out = reports + _boot_tail_ooms(text, events, reports, from_bytes, boots)
    out.sort(key=lambda r: r.start)
    _release_from_banner(out, from_bytes, banners, boots)
    return without_quoted_panics(out, quoted)


def _stamped_twin_next(text: str, start: int, cands: Mapping[int, OopsKind]) -> bool:
    """Is the header at ``start`` unstamped and its stamped copy, a header too, the line
    after it or a few lines on (extract.twins: rsyslog's imklog and imjournal copies, one
    after the other, or each reader's lines in blocks: extract.stamped_copy_after)? The
    stamped one is the report, its times end it where the kernel paused."""
    end = text.find("\n", start)
    if end == -1:
        return False
    header = make_line(text[start:end], start, 0)
    if end + 1 in cands and stamped_twin_after(text, header):
        return True
    return stamped_copy_after(text, header, cands)


def _bare_copy_in(text: str, order: Sequence[int], end: int, pos: int, key: RecordKey) -> int:
    """The first header after ``end`` (a cut report's) and before ``pos`` (where its read
    stopped) that is its record ``key`` without the printk time, else ``pos``. A console
    cut in the middle of a crash, then the log whole without times (``journalctl -k``:
    systemd's logs-show.c output_short() prints no printk time; ``dmesg --notime``), is
    the cut report's copy that holds the rest (_same_lines, _best_copy): it must be read
    as a report, not passed over as lines of another stream read past."""
    bare = (None, key[1])
    lo = bisect.bisect_left(order, end)
    for i in range(lo, bisect.bisect_left(order, pos)):
        if record_key(text, order[i]) == bare:
            # (from the header that starts its copy: a few lines before it when the cut
            # copy lost its first lines, x86's "Missing ENDBR: %pS" before the BUG)
            while i > lo and text.count("\n", order[i - 1], order[i]) <= _OTHER_LINES:
                i -= 1
            return order[i]
    return pos


def _cut_copy_of(text: str, rep: Report, stamped: dict[int, int], reports: list[Report]) -> int:
    """The index of the cut (corrupted) stamped report whose header, without its time,
    is one of the first lines of ``rep`` (read without times), whose lines ``rep`` holds
    (_same_lines) and whose console lines right before it are ``rep``'s before that
    header, else -1: ``rep`` is its whole copy, the cut copy's report started later
    (_bare_copy_in). (A line alike in two crashes, "Kernel panic - not syncing:
    panic_on_warn set ...", comes after other lines in each.)"""
    at = text.find("\n", rep.start)
    ahead = [_bare_text(text, rep.start)]  # rep's lines before ``at``'s next one
    for _ in range(_OTHER_LINES):
        if at == -1 or at >= rep.end:
            break
        found = stamped.get(hash(record_key(text, at + 1)), -1)
        if (
            found >= 0
            and reports[found].corrupted
            and _texts_before(text, reports[found].start, len(ahead)) == ahead
            and _same_lines(rep, reports[found])
        ):
            return found
        ahead.append(_bare_text(text, at + 1))
        at = text.find("\n", at + 1)
    return -1


def _bare_text(text: str, start: int) -> str:
    """The message of the line at ``start``, its prefix and printk time left out."""
    return make_line(text[start : line_bounds(text, start)[1]], start, 0).text.strip()


def _texts_before(text: str, start: int, count: int) -> list[str]:
    """The messages (_bare_text) of the ``count`` lines before the one at ``start``, in
    order."""
    out: list[str] = []
    while len(out) < count and start > 0:
        start = text.rfind("\n", 0, start - 1) + 1
        out.append(_bare_text(text, start))
    return out[::-1]


def _plain_repeat(text: str, first: Report, again: Report, boots: list[int]) -> bool:
    """Is ``again``, a later report whose header has no printk time, ``first`` printed
    again? Without the kernel's stamps only a repeat of a whole report's lines, the same
    text in the same order, is one: a console's log and then ``dmesg --notime``, a
    syslog file and the same lines from another (rsyslog writes the kernel's lines to
    kern.log and messages both), a paste made twice. And only what the log shows around
    them tells a repeat from the same event again (a WARN_ON in a loop prints the same
    lines each time):
    - a boot banner between them: the machine booted again, and the same crash there is
      a crash of its own;
    - lines with times, printk's or a syslog's wall clock (rsyslog's default
      RSYSLOG_TraditionalFileFormat, "%TIMESTAMP% %HOSTNAME% %syslogtag%%msg%"), the
      same in both: the same records;
    - else the line before each, or the line after each, the same and none of the other
      copy's own lines: the log around the report was printed again too, not the
      report alone. Two alike back to back stay two: nothing tells them apart."""
    lines = text[first.start : first.end]
    if lines != text[again.start : again.end] or first.end > again.start:
        return False
    if bisect.bisect_right(boots, first.end) != bisect.bisect_right(boots, again.start):
        return False
    rows = lines.split("\n")
    if wall_time(rows[0]) is not None or any(
        make_line(row, 0, 0).timestamp is not None for row in rows
    ):
        return True
    before = (line_before(text, first.start), line_before(text, again.start))
    if before[0] and before[0] == before[1] and text.count("\n", first.end, again.start) > 1:
        return True
    after = (line_after(text, first.end), line_after(text, again.end))
    return (
        bool(after[0].strip())
        and after[0] == after[1]
        and after[0] != text[again.start : text.find("\n", again.start)]
    )


def _best_copy(first: Report, again: Report) -> bool:
    """Does ``again``, a later copy of the report ``first`` (its first record printed
    again), hold more of it? A console cut short (the capture or the machine stopped
    mid-report, a serial console that dropped lines) and then util-linux ``dmesg``
    (or ``journalctl -k``, a pstore or kdump vmcore-dmesg.txt record) printing the whole
    ring buffer: the kernel printed each record once (kernel/printk/printk.c
    ``print_time()`` stamps it), so the copy that kept more of its lines has the facts.
    A tie keeps the first copy."""
    return _copy_rank(again) > _copy_rank(first)


def _note_read(text: str, at: int, read: set[int]) -> None:
    """Note in ``read`` the record of the header line at ``at`` when it has a time: a
    report read it (as one of its lines, or as a part of it, not a report of its own)."""
    key = record_key(text, at)
    if key[0] is not None:
        read.add(hash(key))


def _kill_again(seen: set[int], key: RecordKey) -> bool:
    """Is the OOM kill line of record ``key`` one read before (``seen``, as new_record
    keeps it)? Stamped, also when its text came before without a time: ``journalctl -k``
    (systemd's short output prints no printk time) and then ``dmesg`` in one report. The
    line names the victim's pid and memory (mm/oom_kill.c __oom_kill_process(), "Killed
    process %d (%s) total-vm:%lukB, anon-rss:%lukB, ..."), no other kill's. Two copies
    without times stay two kills: nothing tells them apart."""
    stamp, body = key
    if stamp is None:
        seen.add(hash(("plain", body)))
        return not new_record(seen, key)
    return not new_record(seen, key) or hash(("plain", body)) in seen


def _same_lines(plain: Report, stamped: Report) -> bool:
    """Do ``plain`` (read without printk times) and ``stamped`` hold the same lines, as
    far as the plain copy goes? The same first record is a copy's only with the lines the
    kernel printed after it: the same crash in another boot differs in its task, its
    registers or its addresses. The plain copy may hold a few lines more between them
    (a program's own lines, which the stamped copy reads past for want of a time) and
    read on past the stamped copy's end (the kernel's pause that ended it is not seen).
    A header alone is no copy of a longer report (a post's subject line quotes it)."""
    lines = [line.strip() for line in plain.text.split("\n")]
    own = stamped.text.split("\n")
    at = matched = 0
    for line in own:
        line = line.strip()
        end = min(len(lines), at + _OTHER_LINES + 1)
        found = next((i for i in range(at, end) if lines[i] == line), -1)
        if found < 0:
            if end != len(lines):
                return False
            break  # (the plain copy ended first: cut there)
        at, matched = found + 1, matched + 1
    return matched >= min(2, len(own))


def _printed_before(text: str, plain: Report, stamped: Report) -> bool:
    """Was the header of ``plain``, a report read without its header's printk time, printed
    before ``stamped``'s, whatever their lines? A copy of the log cut at the header's
    message leaves the header bare and the lines after it stamped (extract's
    _cut_printk_time): the first of those times (of the report's lines, or of the line
    right after its header) bounds the header's own. One earlier than ``stamped``'s
    header is another record of the same words: RCU prints its stall header the same
    way at every stall (kernel/rcu/tree_stall.h print_other_cpu_stall(): "INFO: %s
    detected stalls on CPUs/tasks:"), a minute apart."""
    stamp = make_line(text[stamped.start : line_bounds(text, stamped.start)[1]], stamped.start, 0)
    if stamp.timestamp is None:
        return False
    pos = line_bounds(text, plain.start)[1] + 1
    stop = max(plain.end, line_bounds(text, pos)[1]) if pos < len(text) else 0
    while 0 < pos <= stop:
        end = line_bounds(text, pos)[1]
        line = make_line(text[pos:end], pos, 0)
        if line.timestamp is not None:
            return line.timestamp < stamp.timestamp
        pos = end + 1
    return False


# The most lines of its own a program writes between two kernel lines of a report, as a
# plain copy holds them (_same_lines)
_OTHER_LINES = 8


def _copy_rank(rep: Report) -> tuple[bool, bool, int, int]:
    facts = (rep.cpu, rep.pid, rep.comm, rep.kernel_release, rep.taint)
    return (
        not rep.corrupted,
        rep.rip is not None,
        len(rep.frames),
        sum(f is not None for f in facts),
    )


def header_cut_before(text: str, start: int) -> bool:
    """Is the row at ``start`` the rest of a header a wrap cut from the line before it,
    the two read as one a report's header (scan._wrapped_header)?"""
    return _cut_header(text, start, _wrapped_header) is not None


def _wrapped_header(text: str, start: int) -> tuple[int, str] | None:
    """The prefixed line before the row at ``start`` (no prefix) with the row read as its
    rest, when a wrap cut it there (``join_wrapped``): its start and whole raw text
    (scan._wrapped_header). A row after a line of no prefix may be a line of its own."""
    end = text.find("\n", start)
    row = make_line(text[start:] if end == -1 else text[start:end], start, 1)
    if row.context:
        return None
    prev = text.rfind("\n", 0, start - 1) + 1
    last = make_line(text[prev : start - 1], prev, 0)
    if not last.context and prev:  # (the row before may be a rest too: a reply's rewrap)
        prev = text.rfind("\n", 0, prev - 1) + 1
        last = make_line(text[prev : text.find("\n", prev)], prev, 0)
    if not last.context:
        return None
    joined = unwrapped_line(last, text)
    return None if joined is None or joined.end < row.end else (prev, joined.raw)


def without_quoted_panics(reports: Sequence[Report], quoted: set[int]) -> list[Report]:
    """``reports`` less those that start at a crash ``sys`` PANIC field (their starts:
    ``quoted``) when any other report is left: the field quotes the log's line of the
    crash (``lines.is_crash_sys_panic``), and a log pasted with it, before or after it,
    holds that crash's own report. Alone, the quote is all the paste says of it."""
    if not quoted or all(r.start in quoted for r in reports):
        return list(reports)
    return [r for r in reports if r.start not in quoted]


def _without_lone_copies(text: str, reports: list[Report]) -> list[Report]:
    """``reports`` less those that are only a copy of a line the next report holds.

    rsyslog writes an emergency record to its log file and, as a wall message ("Message
    from syslogd@HOST at TIME ...", then " kernel:MSG"), to the terminals of logged-in
    users: a terminal paste holds the die() line twice, the lone wall copy first, apart
    from the syslog lines of its report. A report of its header line alone (no task, no
    registers, no trace) whose record, printk time and text (``record_key``), is a line
    of the report after it is that record printed again: the later report is the crash.
    """
    out: list[Report] = []
    for i, rep in enumerate(reports):
        later = reports[i + 1] if i + 1 < len(reports) else None
        lone = rep.start_line == rep.end_line and rep.rip is None and not rep.frames
        if later is not None and lone and rep.pid is None:
            key = record_key(text, rep.start)
            if key[0] is not None and _holds_record(text, later, key):
                continue
        out.append(rep)
    return out


def _holds_record(text: str, rep: Report, key: RecordKey) -> bool:
    """Is the record ``key`` (``record_key``) one of the lines of ``rep``?"""
    at = text.find(key[1], rep.start, rep.end)
    while at != -1:
        if record_key(text, text.rfind("\n", 0, at) + 1) == key:
            return True
        at = text.find(key[1], at + 1, rep.end)
    return False


def cut_by_hangup(starts: Sequence[int], hangups: Sequence[int]) -> set[int]:
    """Which crash reports (by their starts, in order) a console hangup may have cut: for
    each hangup marker (``hangups``: where, in the same measure), the last report that
    started at or before it.

    GCE's serial port writes "serialport: VM disconnected." where the VM's console output
    stopped reaching it: the report being printed then may have lost its rest, as
    syzkaller marks every report of a log holding the marker (pkg/report report.go). A
    report followed by another one before the marker was printed whole, and one after it
    came over a connection made again: in a log of many boots, the marker of one boot
    says nothing of the reports of the others.
    """
    out: set[int] = set()
    for at in hangups:
        i = bisect.bisect_right(starts, at) - 1
        if i >= 0:
            out.add(i)
    return out


def mark_hung_up(rep: Report) -> None:
    """``rep`` is corrupted: a console hangup may have cut it (``cut_by_hangup``)."""
    rep.corrupted = True
    rep.corrupted_reason = (
        rep.corrupted_reason or "console connection lost (serialport: VM disconnected)"
    )


def _minor_as_context(text: str, reports: list[Report], boots: list[int]) -> list[Report]:
    """``reports`` (in log order) with each of a minor kind (oopses.MINOR_TITLES) that a
    crash follows in its boot made that crash's context, its first line, as an OOM kill
    before a crash is: the crash is what the log has to say, and syzkaller's title of
    such a log is the crash's. (``boots``: where the log's boot banners start.)"""
    if not any(r.title.startswith(MINOR_TITLES) for r in reports):
        return reports
    out: list[Report] = []
    pending: list[Report] = []
    for rep in reports:
        if rep.title.startswith(MINOR_TITLES):
            pending.append(rep)
            continue
        boot = bisect.bisect_right(boots, rep.start)
        for minor in pending:
            if bisect.bisect_right(boots, minor.start) == boot:
                ls, le = line_bounds(text, minor.start)
                rep.context.append(make_line(text[ls:le], ls, 0).text.strip())
            else:
                out.append(minor)
        pending = []
        out.append(rep)
    return out + pending


def _boot_tail_ooms(
    text: str,
    events: _Events,
    reports: list[Report],
    from_bytes: bool,
    boots: list[int],
) -> list[Report]:
    """The OOM kills no crash followed in their boot: what each boot has to say at its end.

    A kill a crash followed is that crash's context; but a boot banner between them
    (start_kernel()'s "Linux version", printed first at every boot) is a reboot: that
    kernel's memory and tasks are gone, the kill explains nothing of the crash after it,
    and it ended its own boot as that boot's last word. (``boots``: where the log's boot
    banners start, in order.)
    """
    bounds = [*boots, len(text)]
    out: list[Report] = []
    boot_start = 0
    for hi in bounds:
        lo = max([boot_start] + [r.end for r in reports if r.start < hi])
        if lo < hi:
            out += _oom_reports(text, events, lo, from_bytes, hi)
        boot_start = hi
    return out


def _boots(text: str, starts: Sequence[int] | None, banners: list[re.Match[str]]) -> list[int]:
    """Where each boot of ``text`` after its first starts, in order: its boot banner
    (``banners``), or in a journal, where the entries' boot changed, as journalctl's
    "-- Boot <id> --" line says (journalctl-show.c show(): printed before an entry
    whose boot is not the last one's, unless --quiet or --merge; "-- Reboot --" before
    systemd 247), or as -o export's and json's ``_BOOT_ID`` of each entry does with or
    without it. (A journal whose boots kept no banner shows a reboot no other way:
    the journal of a boot whose first records the ring buffer lost before journald
    read them, or whose first file was vacuumed.)"""
    out = [m.start() for m in banners]
    for marker in _JOURNAL_BOOT_MARKERS:
        for at in _occurrences(text, marker, starts):
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            if is_journal_boot_line(text[start : len(text) if end == -1 else end]):
                out.append(start)
    last = None
    for start, boot in journal_boot_ids(text).items():
        if last is not None and boot != last:
            out.append(start)
        last = boot
    if journal_host(text) is not None:
        # -o short-monotonic: the boot's monotonic time starts again
        out += monotonic_restarts(text, None, CLOCK_SKEW_MAX)[0]
    return sorted(set(out))


def _banners(text: str, starts: Sequence[int] | None) -> list[re.Match[str]]:
    """The boot banners of ``text``, in order (``starts``: see _occurrences)."""
    # (a match holds no second "Linux version": its release holds no space; so matching
    # at each one finds what a search of the whole text finds)
    matches = (_BANNER_RE.match(text, at) for at in _occurrences(text, _BANNER, starts))
    return [m for m in matches if m is not None]


def _raised_by_panic(rep: Report) -> bool:
    """Is ``rep`` a WARNING raised while the kernel panics: panic() among the callers of
    its warning site? (Not panic_on_warn's panic(), which __warn() calls: a trace that
    starts in dump_stack() has panic() above __warn() / warn_slowpath_*().)"""
    if not rep.title.startswith("WARNING"):
        return False
    # A GCC split-off part keeps its function's name before the dot (__warn.cold: the
    # panic_on_warn branch of 4.19's __warn() is cold code).
    fns = [f.function.partition(".")[0] for f in rep.frames if not f.unreliable]
    warn = [i for i, fn in enumerate(fns) if fn == "__warn" or fn.startswith("warn_slowpath")]
    # No warning site in the trace (cut by another line, as syzkaller's fault injection
    # does): nothing tells where panic() was, and a WARNING is kept.
    return bool(warn) and "panic" in fns[warn[-1] + 1 :]


def _occurrences(
    text: str, marker: str, starts: Sequence[int] | None, first: bool = False
) -> list[int]:
    """Where ``marker`` (no newline in it) is in ``text``, in order (the first one only
    with ``first``). ``starts``: the lines that hold a needle (parse_log's ``lines``),
    the marker's among them: only those are searched, not the whole text again."""
    spans = [(0, len(text))] if starts is None else [(s, text.find("\n", s)) for s in starts]
    out: list[int] = []
    for lo, hi in spans:
        pos = text.find(marker, lo, len(text) if hi == -1 else hi)
        while pos != -1:
            out.append(pos)
            if first:
                return out
            pos = text.find(marker, pos + 1, len(text) if hi == -1 else hi)
    return out


def record_key(text: str, start: int) -> RecordKey:
    """:func:`~.extract.line_record` of the line at ``start``: whether it was printed
    before (``new_record``)."""
    end = text.find("\n", start)
    return line_record(make_line(text[start:] if end == -1 else text[start:end], start, 0))


def new_record(seen: set[int], key: RecordKey | None) -> bool:
    """Is the record ``key`` (``record_key``) one not printed before in the log? Notes it
    in ``seen`` (hashes: only compared).

    The kernel stamps each record once (kernel/printk/printk.c ``print_time()``), so the
    same time and text again is that record printed again: by a test script's ``dmesg``
    or ``dmesg -x`` after the console's own lines, a test suite echoing the kernel log
    (kselftest's lkdtm runner), a job's final dmesg dump. So is the same text without a
    time after a stamped copy: ``dmesg --notime`` (KernelCI's baseline test prints the
    crit, alert and emerg records so, ``dmesg --level=alert --notime -x -k``)."""
    if key is None:
        return True
    stamp, body = key
    if stamp is None:
        return hash((None, body)) not in seen
    stamped = hash(key)
    if stamped in seen:
        return False
    seen.add(stamped)
    seen.add(hash((None, body)))
    return True


# net/core/dev.c netdev_wait_allrefs() (netdev_wait_allrefs_any() since 5.17) waits for
# an unregistered device's last references and, while they stay, prints pr_emerg(
# "unregister_netdevice: waiting for %s to become free. Usage count = %d\n") for it
# every netdev_unregister_timeout_secs (10 s; a sysctl since 5.11, before it 10 * HZ),
# 6.0+ with ref_tracker_dir_print()'s holders after it. One stuck device prints it for
# hours: one wait, one report. The same device's line again within two periods (a print
# delayed by load) of its print before is that wait going on; a later one is a new device
# of that name (the next container's namespace's "lo") stuck again. A report without
# printk times takes in the prints up to a pause in its stamps: its last print is the
# wait's print before the next report's.
_WAIT_TITLE = "unregister_netdevice: waiting for DEV to become free"
_WAIT_DEVICE_RE = re.compile(r"unregister_netdevice: waiting for (.+?) to become free")
_WAIT_REPRINT_GAP = 20.0


@dataclass(frozen=True)
class _WaitPrint:
    """When a device's wait line was printed: its printk time, else its wall-clock stamp."""

    printk: float | None
    wall: WallTime | None


def _wait_print(line: str) -> _WaitPrint:
    printk = make_line(line, 0, 0).timestamp
    return _WaitPrint(printk, wall_time(line) if printk is None else None)


@dataclass
class WaitEpisodes:
    """The unregister_netdevice waits reported so far, to tell a wait's reprint (no report
    of its own) from a new wait: ``repeats`` is told of every report, in log order."""

    last: dict[str, _WaitPrint] = field(default_factory=dict)  # device -> its latest print
    previous: str | None = None  # the device of the report before, when it was a wait

    def repeats(self, title: str, raw: str) -> bool:
        """Is the report titled ``title``, whose lines are ``raw`` (as the log has them),
        a reprint of a wait reported already? Notes its last print of the wait either way."""
        header = raw.partition("\n")[0]
        m = _WAIT_DEVICE_RE.search(header) if title == _WAIT_TITLE else None
        if m is None:
            self.previous = None
            return False
        device = m[1]
        now = _wait_print(header)
        last_at = raw.rfind(f"unregister_netdevice: waiting for {device} to become free")
        before = self.last.get(device)
        self.last[device] = _wait_print(raw[raw.rfind("\n", 0, last_at) + 1 :].partition("\n")[0])
        adjacent, self.previous = self.previous == device, device
        if before is None:
            return False
        if before.printk is not None and now.printk is not None:
            return 0 <= now.printk - before.printk <= _WAIT_REPRINT_GAP
        if before.wall is not None and now.wall is not None:
            gap = least_gap(before.wall, now.wall)
            if gap is not None:
                return gap <= _WAIT_REPRINT_GAP and gap + before.wall.step >= 0
        # No times to compare: a reprint only with no other report between them.
        return adjacent


# Candidate headers below which the reports are worked out in this process alone: forking
# workers costs a few milliseconds, a report about one.
_PARALLEL_MIN_CANDIDATES = 64
# Slices per process: small enough that their uneven work evens out (reports differ
# tenfold in length) and that the main loop seldom waits, large enough that each walk
# mostly agrees with the true one. 16 ran the benchmark log's windows ~5 % faster than 4.
_CHUNKS_PER_JOB = 16

_Worked = dict[int, tuple[Report | None, int]]  # header offset -> (report or None, next_pos)


def _no_work(_chunk: int) -> _Worked:
    return {}


class _Ahead:
    """The reports of most candidate headers, worked out by ``jobs - 1`` forked workers.

    A report is a pure function of the text and its header line; only which headers
    start one depends on the reports before (a header inside an earlier report's reach
    is skipped). The headers are cut into slices, dealt round-robin to this process and
    the workers: the main loop works out the reports of its own slices as usual while
    each worker walks its slices as the main loop would, as if a slice's first header
    started a report. The main loop takes the workers' results for their slices
    (``get``, in order) and works out itself what they lack (a slice's first headers,
    when the previous slice's last report reaches past them). Whatever the guesses, the
    result is the one-process result.
    """

    def __init__(
        self,
        text: str,
        cands: dict[int, OopsKind],
        order: list[int],
        from_bytes: bool,
        jobs: int,
        known: dict[int, int],
    ) -> None:
        self.order = order
        self.jobs = jobs
        self.bounds: list[int] = []  # slice i is order[bounds[i]:bounds[i + 1]]
        self.worked: _Worked = {}  # the results of slice `chunk`
        self.chunk = -1
        self.results: ForkMap[_Worked] = ForkMap(_no_work, 0, 0)  # none
        if jobs < 2 or len(order) < _PARALLEL_MIN_CANDIDATES:
            return
        chunks = min(jobs * _CHUNKS_PER_JOB, len(order) // (_PARALLEL_MIN_CANDIDATES // 4))
        bounds = [len(order) * i // chunks for i in range(chunks + 1)]
        theirs = [c for c in range(chunks) if c % jobs]  # slice c % jobs == 0 is ours
        # Each worker's own copy (made by the fork): its slices come in log order, so it
        # counts each newline before them once, while this process goes on.
        lines = _LineCounter(text, known)

        def walk(nth: int) -> _Worked:
            chunk = theirs[nth]
            out: _Worked = {}
            pos = 0
            for idx in range(bounds[chunk], bounds[chunk + 1]):
                start = order[idx]
                if start < pos:
                    continue
                try:
                    ext = extract(text, start, cands, order, idx, lines.number(start))
                    built = _build(text, ext, from_bytes)
                except Exception:
                    # The main loop works this one out again and turns the error into its
                    # report; this walk goes on as the main loop will.
                    pos = max(text.find("\n", start) + 1 or len(text), start + 1)
                    continue
                out[start] = (built, ext.next_pos)
                if built is not None:
                    pos = max(ext.next_pos, start + 1)
            return out

        try:
            self.results = fork_map(walk, len(theirs), jobs - 1)
        except Exception:
            return  # no workers to be had (fork refused): the main loop does it all
        self.bounds = bounds

    def get(self, idx: int) -> tuple[Report | None, int] | None:
        """A worker's result for header ``order[idx]``; None when the main loop works it
        out (``idx`` only grows from call to call: earlier slices' results are dropped)."""
        if not self.bounds:
            return None
        chunk = bisect.bisect_right(self.bounds, idx) - 1
        if chunk % self.jobs == 0:
            return None  # our own slice
        while self.chunk < chunk:
            try:
                self.worked = next(self.results)
            except Exception:
                # No workers after all (fork refused, a worker killed): the main loop
                # works out every report itself, as with one job.
                self.close()
                return None
            self.chunk += 1
            while self.chunk % self.jobs == 0:
                self.chunk += 1  # the workers' results skip our slices
        return self.worked.get(self.order[idx])

    def close(self) -> None:
        """Stop the workers (the main loop may be done before the last slice)."""
        self.bounds, self.worked = [], {}
        self.results.close()


# init/version.c linux_banner: "Linux version 6.1.0-56-amd64 (debian-kernel@...) ...".
# (the " (" may be a line break: a mail client's wrap, join_wrapped, cuts the banner there,
# and in a reply the next line starts with the quote, RFC 3676 4.5's ">" per level; so
# may the blank after "version", where a syslog line's prefix pushes the release past a
# Bugzilla comment's 79 columns: "... kernel: [    0.000000] Linux version" and
# "6.12.117+deb13-riscv64 (debian-kernel@...": the needle holds no blank)
_BANNER = "Linux version"
# journalctl's line between two boots' entries (lines.is_journal_boot_line)
_JOURNAL_BOOT_MARKERS = ("-- Boot ", "-- Reboot --")
# (and a wrap that breaks after a hyphen too, textwrap.fill()'s or by UAX #14, may cut
# the release inside it, after a syslog prefix and a printk time at 72-78 columns: "...
# Linux version 6.1.0-50-4kc-" then "malta (debian-kernel@...": no release ends in "-",
# and the row going on with the rest of it and " (" is that rest, a reply's quote before
# it or not; banner_release joins the two)
_BANNER_RE = re.compile(
    _BANNER
    + r"(?: |\s*\n>?[> ]*)(\d+\.\d+[\w.\-+~]*)(?:(?<=-)\n>?[> ]*([\w.\-+~]+))?"
    + r"(?:\s+|\s*\n>[> ]*)\("
)


def banner_release(m: re.Match[str]) -> str:
    """The release a _BANNER_RE match names, its pieces a wrap cut after a hyphen joined."""
    return m.group(1) + (m.group(2) or "")


def _release_from_banner(
    reports: list[Report], from_bytes: bool, banners: list[re.Match[str]], boots: list[int]
) -> None:
    """A report whose lines name no release ran the kernel that booted last before it
    (``banners``: the log's boot banners, _banners), unless another boot started after
    that banner (``boots``: _boots): a journal's boot change with no banner of its own
    (the ring buffer wrapped before journald read it), whose kernel may be another."""
    if all(r.kernel_release for r in reports) or not banners:
        return
    releases = [(m.start(), banner_release(m)) for m in banners]
    for rep in reports:
        if rep.kernel_release is None:
            # a banner at the report's own start is on its first line, before the header:
            # s390's decompressor (arch/s390/boot/pgm_check_info.c print_pgm_check_info(),
            # as 5.7-5.9 had it) printed "Linux version %s" without its newline, so its
            # "Kernel fault: interruption code" followed the banner on the line
            i = bisect.bisect_left(releases, (rep.start + 1, "")) - 1
            if i < 0:
                # powerpc's xmon prints the banner in its summary of the fault it caught
                # (arch/powerpc/xmon/xmon.c excprint(): printf(linux_banner) after the
                # task), amid the report's own lines, which a boot's banner never is
                # (a report ends where the next boot begins): the kernel that faulted
                if i + 1 < len(releases) and releases[i + 1][0] < rep.end:
                    rep.kernel_release = _out(releases[i + 1][1], from_bytes)
                continue
            at, release = releases[i]
            # the last boot start before the report: this banner's or a later one's
            if boots[bisect.bisect_left(boots, rep.start) - 1] <= at:
                rep.kernel_release = _out(release, from_bytes)


# RHEL 6's oom_kill_task() named the owner between pid and comm: "Killed process %d, UID
# %d, (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB". The announcement before it
# (oom_kill_process()) read "%s: Kill process %d (%s) score %d or sacrifice child" from
# 2.6.36 on, "%s: Kill process %d (%s) with score %lu or sacrifice child" in 2.6.35.
_KILLED_RE = re.compile(
    r"(?P<memcg>Memory cgroup out of memory: )?(?:Out of memory: )?Kill(?:ed)? process"
    r" (?P<pid>\d+)(?:, UID \d+,)? \((?P<comm>[^)]*)\)"
    r"(?P<announce> (?:with )?score \d+ or sacrifice child)?"
)
# The kill line (6.x __oom_kill_process(): "%s: Killed process %d (%s) total-vm:..." with
# "Memory cgroup out of memory" or "Out of memory") as journalctl's pager (less -S) cuts
# it before its "(comm)" or in it and ends it in its mark (taint.PAGER_MARK): "Memory
# cgroup out of memory: Killed process 25482>", "Out of memory: Killed process 86 (d>".
# Still a kill, its process's name lost (empty) unless _cut_victim_comm() finds it.
# Cut before "process" ("Memory cgroup out of memory: Kille>", 65..73 columns on 6.18),
# it is the kill still from "Kille" on, which 4.x's announcement ("%s: Kill process %d
# (%s) score %u or sacrifice child", oom_kill_process()) never begins.
_CUT_KILLED_RE = re.compile(
    r"(?P<memcg>Memory cgroup out of memory: )?(?:Out of memory: )?(?:Killed process"
    r"(?: (?P<pid>\d*)(?P<named> (?:\((?P<part>[^)]*))?)?)?"
    r"|(?<=ut of memory: )Kille(?:d(?: (?:p(?:r(?:o(?:c(?:e(?:s)?)?)?)?)?)?)?)?)"
    r"(?P<comm>)(?P<announce>)" + re.escape(PAGER_MARK) + r"\s*$"
)
# ... and cut sooner, in its "%s" or before "Kille" ("Memory cgroup out of memo>",
# "Memory cgroup out of memory: Kill>", 50..64 columns on 6.18; "Out of memory: Kill>" at
# 50 on 6.1): "Memory cgroup out" and "Out of memory" begin the kill line and, before
# 5.x, oom_kill_process()'s announcement "%s: Kill process %d (%s) score %u or sacrifice
# child", and nothing else the killer prints. Right after dump_oom_summary()'s
# "oom-kill:constraint=..." (dump_header()'s last line, 4.19+) it is one of them: read as
# an announcement, which the kill line after it completes or, with none, is the kill.
# Cut at 44..47 columns with no mark after journalctl's prefix (stamps.mark_cut_rows reads
# the last column as less -S's mark), the memcg's kill line keeps "Memory cgroup>" ..
# "Memory cgroup ou>": the words mem_cgroup_print_oom_meminfo()'s "Memory cgroup stats
# for %s:" begins with too, and no scan.CONTEXT_MARKERS needle. 6.18 mm/oom_kill.c
# oom_kill_process() prints dump_header(), then dump_oom_victim()'s "oom-kill:constraint=
# ..." and right after it __oom_kill_process()'s pr_err("%s: Killed process %d (%s) ...",
# message) (or, its victim gone, "%s: OOM victim %d (%s) is already exiting. Skip"): the
# row right after the summary is the kill's (_with_cut_kill_rows reads it).
_CUT_MEMCG_WORDS = r"Memory cgroup(?: (?:ou?)?)?(?=" + re.escape(PAGER_MARK) + ")"
_CUT_KILL_WORDS_RE = re.compile(
    r"(?<![\w.\-])(?:(?P<memcg>" + _CUT_MEMCG_WORDS + "|Memory cgroup out)"
    r"(?: (?:o(?:f(?: (?:m(?:e(?:m(?:o(?:r(?:y(?::"
    r"(?: (?:K(?:i(?:l(?:l)?)?)?)?)?)?)?)?)?)?)?)?)?)?)?)?|Out of memory(?:: ?(?:K(?:i(?:l(?:l"
    r")?)?)?)?)?)(?P<pid>)(?P<named>)(?P<comm>)(?P<announce>)" + re.escape(PAGER_MARK) + r"\s*$"
)
# The kill line cut right after its "%s:" (Bugzilla's wrap at 79 columns, after a syslog
# prefix and a printk time, drops the space there): "... Memory cgroup out of memory:"
# goes on "Killed process 25482 (python3) total-vm:..." in a row of its own. A mail
# client's wrap at 73 cuts "Out of memory: Killed" (6.x mm/oom_kill.c
# __oom_kill_process(): "%s: Killed process %d (%s) total-vm:%lukB, ...") before
# "process 86 (dd) total-vm:...": no row holds "process" and the "(comm)" both.
_KILL_CUT_AFTER = (
    "ut of memory:",
    "ut of memory: ",
    "ut of memory: Killed",
    "ut of memory: Killed ",
)
# An OOM killer that found no victim: mm/oom_kill.c out_of_memory() prints dump_header()'s
# dump, then, since 4.19 (commit 3100dab2aa09, "mm: memcontrol: print proper OOM header
# when no eligible victim left"), pr_warn("Out of memory and no killable processes...\n")
# and, unless a memory cgroup's limit or sysrq-f invoked it, panic("System is deadlocked
# on memory\n"). No "Killed process" line follows: the message ends the dump's report. In
# 2.6.x-4.18 the same words were the panic's own, "Kernel panic - not syncing: Out of
# memory and no killable processes..." (panic()), a crash report of its own, no OOM's.
_NO_VICTIM = "Out of memory and no killable processes"
_NO_VICTIM_RE = re.compile(r"(?<!not syncing: )" + _NO_VICTIM)
# a /dev/kmsg record's dictionary, a journal entry's fields other than MESSAGE
_NO_REPORT_LINES = frozenset((KMSG_DICT, JOURNAL_FIELD))
_OOM_BLOCK_LINES = 2000  # an oom-killer dump (Mem-Info, task list) rarely exceeds this


def _oom_reports(
    text: str, events: _Events, lo: int, from_bytes: bool, hi: int | None = None
) -> list[Report]:
    """One OOM-KILL report per process the OOM killer killed after offset ``lo`` (and
    before offset ``hi``, when given).

    The report spans from the line that started the dump (``invoked oom-killer``,
    extract.OOM_DUMP_STARTS; when found) to the ``Killed process`` line; earlier memory
    events are its context.
    """
    out: list[Report] = []
    block_start: int | None = None
    prev_end = lo
    counter = _LineCounter(text)
    # Before 5.x the killer announced its choice, "Out of memory: Kill process N (comm)
    # score S or sacrifice child" (mm/oom_kill.c oom_kill_process()), then printed the
    # kill, "Killed process M (comm) total-vm:..." (__oom_kill_process(); M is a child
    # when one was sacrificed): one kill, one report, through the "Killed" line.
    announced: tuple[int, int, re.Match[str]] | None = None  # (start, end, match)
    # Since 4.19 the dump's one-line summary, "oom-kill:constraint=...,task=%s,pid=%d,..."
    # (dump_oom_summary()), comes right before the kill line: where the dump around them
    # is gone (a `dmesg | grep` of the kills), it starts the kill's report, naming its
    # cgroups (_oom_memcgs).
    summary: tuple[int, int] | None = None  # (start, end)
    kills: list[tuple[int, int, re.Match[str], bool]] = []  # (start, end, match, memcg)
    # A kill printed again is no new kill: the log of a dump's "dmesg" (or kdump's
    # vmcore-dmesg.txt, a pstore record) appended after the console's copy of the same
    # records; its record (time and text, new_record) was read before. So is one read
    # first without its time (_kill_again).
    seen: set[int] = set()
    upto = len(events.spans) if hi is None else bisect.bisect_left(events.spans, (hi, -1))
    joined_to = -1  # the end of a kill line read with the row a wrap cut from it
    for s, e in _with_cut_kill_rows(text, events.spans[:upto]):
        if s < joined_to:
            continue  # the rest of the kill line before, a span of its own
        if s < lo:
            if _KILLED_RE.search(text, s, e) is not None or _no_victim(text[s:e]) is not None:
                _kill_again(seen, record_key(text, s))
            continue
        line = text[s:e]
        if needs_plain(line):  # a coloured dmesg splits "Memory cgroup out of memory: Killed"
            line = plain_line(line)
        if ("process" in line or line.endswith(_KILL_CUT_AFTER)) and _KILLED_RE.search(
            line
        ) is None:
            line, e = _unwrapped_kill(text, s, e, line)
            joined_to = e
        elif (
            s > lo
            and (
                (joined := _kill_cut_in_its_memcg(text, s, line)) is not None
                or (joined := _dump_rewrapped(text, s, line)) is not None
            )
        ) or (joined := _dump_hyphen_cut(text, s, e, line)) is not None:
            s, line = joined
        if _KILLED_RE.search(line) is not None:
            if block_start is not None and block_copy(text, make_line(text[s:e], s, 0)):
                continue  # (another reader's copy, in blocks: its stamped copy is the kill)
            if _kill_again(seen, record_key(text, s)) or echo_copy(text, s):
                block_start = None
                continue
        if is_oom_dump_start(line) and not (
            block_start is not None
            and (
                echo_copy(text, s)
                or lag_copy(text, s)
                or twin_copy(text, s)
                or block_copy(text, make_line(text[s:e], s, 0))
            )
        ):
            if announced is not None:  # no "Killed" line followed: the announcement alone
                kills.append((*announced, False))
                announced = None
            block_start = _dump_cut_start(text, s, line) if s > lo else s
            continue
        m = _KILLED_RE.search(line)
        if m is None and (nv := _no_victim(line)) is not None:
            # (no victim: the dump from its first line is the report, no kill follows)
            if not (_kill_again(seen, record_key(text, s)) or echo_copy(text, s)):
                if announced is not None:
                    kills.append((*announced, False))
                    announced = None
                kills.append((block_start if block_start is not None else s, e, nv, False))
            block_start, summary = None, None
            continue
        if (
            m is None
            and line.endswith(PAGER_MARK)
            and ("Killed process" in line or "y: Kille" in line)
        ):
            m = _CUT_KILLED_RE.search(line)
        if (
            m is None
            and line.endswith(PAGER_MARK)
            and summary is not None
            and _next_line(text, summary[1], s)
        ):
            m = _CUT_KILL_WORDS_RE.search(line)
        if m is None:
            if "oom-kill:" in line:
                if announced is not None and announced[2].re is _CUT_KILL_WORDS_RE:
                    # (a kill's summary comes before its kill line: the cut line before
                    # it was a kill of its own, dump_header() then __oom_kill_process())
                    kills.append((*announced, False))
                    announced = None
                summary = (s, e)
            continue
        start = block_start if block_start is not None else s
        if block_start is None and summary is not None and _next_line(text, summary[1], s):
            start = summary[0]
        elif block_start is None and m.group("memcg"):
            # (its cgroup lines come after the kill before it: those before are that one's)
            told = max(prev_end, lo, kills[-1][1] if kills else lo)
            start = _memcg_info_start(text, told, s, start)
        block_start, summary = None, None
        if m.group("announce") or m.re is _CUT_KILL_WORDS_RE:
            if announced is not None:
                kills.append((*announced, False))
            announced = (start, e, m)
            continue
        memcg = False
        if announced is not None:
            start, memcg = announced[0], announced[2].group("memcg") is not None
            announced = None
        kills.append((start, e, m, memcg))
    if announced is not None:
        kills.append((*announced, False))
    for start, e, m, memcg in kills:
        lines = list(iter_lines(text, start, e, counter.number(start)))
        lines = _own_stream(without_twins(text, lines), text)
        if lines and lines[0].timestamp is not None:
            # (another reader's copies of the dump's records, in blocks: journald's without
            # the printk time between klogd's stamped ones, as extract._Window reads them)
            lines = [ln for ln in lines if ln.timestamp is not None or not block_copy(text, ln)]
        lines = dedent_pasted(without_lag_copies(text, once_each(lines))[-_OOM_BLOCK_LINES:])
        if not lines:
            continue
        texts = [ln.text for ln in lines]
        frames = call_trace(texts)
        memcgs = _oom_memcgs(texts, from_bytes)
        if m.re is _NO_VICTIM_RE:
            # (no kill line says whose limit: the dump does, mem_cgroup_print_oom_meminfo()'s
            # "Memory cgroup stats for" line, or the stack's mem_cgroup_out_of_memory())
            memcg = memcgs[0] is not None or any(
                f.function == "mem_cgroup_out_of_memory" for f in frames
            )
        elif m.group("memcg"):
            memcg = True
        where = "memory cgroup out of memory" if memcg else "out of memory"
        comm = None if m.re is _NO_VICTIM_RE else m.group("comm")
        cut = m.re is _CUT_KILLED_RE or m.re is _CUT_KILL_WORDS_RE
        if cut:
            comm = _cut_victim_comm(m, texts) or ""
        if comm is None:
            title = f"{where} and no killable processes"
        else:
            title = normalise(f"{where}: killed process {comm}")
        rep = Report(
            title=_out(title, from_bytes),
            type="OOM-KILL",
            start=lines[0].start,
            end=e,
            start_line=lines[0].number,
            end_line=lines[-1].number,
            text=_out("\n".join(texts), from_bytes),
        )
        if cut and not comm:
            # (the title names no process: the pager cut its name, and no line tells it)
            rep.corrupted, rep.corrupted_reason = True, "killed process's name cut"
        rep.frames = frames
        _fill_task_fields(rep, texts, [], from_bytes)
        if rep.comm is None:
            rep.comm = _invoking_comm(texts, from_bytes)
        rep.oom_memcg, rep.task_memcg = memcgs
        rep.context = events.between(prev_end, rep.start)
        out.append(rep)
        prev_end = e
    return out


def _with_cut_kill_rows(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` (the event lines, scan.CONTEXT_MARKERS) with the row right after an OOM
    summary line ("oom-kill:") when a cut left it too few of the kill line's words to be
    an event ("Memory cgroup>", _CUT_MEMCG_WORDS); ``spans`` itself when there is none."""
    added: list[tuple[int, int]] = []
    for i, (s, e) in enumerate(spans):
        if text.find("oom-kill:", s, e) < 0 or (nl := text.find("\n", e)) < 0:
            continue
        row_end = text.find("\n", nl + 1)
        row_end = len(text) if row_end < 0 else row_end
        if i + 1 < len(spans) and spans[i + 1][0] == nl + 1:
            continue  # (an event already: its own words say what it is)
        row = text[nl + 1 : row_end]
        if "Memory cgroup" in row and _CUT_KILL_WORDS_RE.search(row) is not None:
            added.append((nl + 1, row_end))
    return sorted(spans + added) if added else spans


# mm/oom_kill.c dump_header() (2.6.1x's out_of_memory()) opens the dump with "%s invoked
# oom-killer: gfp_mask=..." and current->comm, the task whose allocation failed. The
# dump_stack() after it names that task too, except where it printed no task line: arm's
# before 3.10 (arch/arm/kernel/traps.c, dump_backtrace() alone), x86's in 2.6.1x-2.6.2x
# (show_trace() alone; 2.6.30's prints "Pid: %d, comm: %.20s ..."). A comm may hold
# spaces.
_INVOKED_RE = re.compile(r"^(?P<comm>.+?) invoked oom-killer: ")


def _no_victim(line: str) -> re.Match[str] | None:
    """The OOM killer's "found no victim" message in ``line`` (_NO_VICTIM_RE), if any."""
    return _NO_VICTIM_RE.search(line) if _NO_VICTIM in line else None


def _next_line(text: str, end: int, start: int) -> bool:
    """Does the line at ``start`` come right after the one ending at ``end``?"""
    return text.count("\n", end, start) <= 1 and not text[end:start].strip()


# dump_header()'s dump_stack() task line (6.1 lib/dump_stack.c dump_stack_print_info():
# "CPU: %d PID: %d Comm: %.20s ..."; 6.12's "CPU: %d UID: %u PID: %d Comm: %.20s ...")
# names the task that invoked the killer, its pid whole before " Comm:"
_DUMP_TASK_PID_RE = re.compile(r"CPU: \d+ (?:UID: \d+ )?PID: (?P<pid>\d+) Comm: ")


def _cut_victim_comm(m: re.Match[str], texts: list[str]) -> str | None:
    """The name of the process a kill line a pager cut killed (``m``, _CUT_KILLED_RE's),
    when the dump proves it: __oom_kill_process() (6.1 mm/oom_kill.c: "%s: Killed process
    %d (%s) total-vm:...") killed the task that invoked the killer when its pid, whole
    before the cut " " or " (", is that task's, whose "%s invoked oom-killer: " (dump_header())
    names it whole; what the cut left of the name must begin it."""
    if not m.group("named"):
        return None  # the pid may be cut too ("Killed process 8>")
    pid = m.group("pid")
    for t in texts:
        if " invoked oom-killer: " in t and (inv := _INVOKED_RE.match(t)) is not None:
            comm = inv.group("comm")
            break
    else:
        return None
    for t in texts:
        if "PID: " in t and (task := _DUMP_TASK_PID_RE.search(t)) is not None:
            if task.group("pid") == pid and comm.startswith(m.group("part") or ""):
                return comm
            return None
    return None


def _invoking_comm(texts: list[str], from_bytes: bool) -> str | None:
    """The comm of the task that invoked the OOM killer, from the dump's first line."""
    for t in texts:
        m = _INVOKED_RE.match(t) if " invoked oom-killer: " in t else None
        if m is not None:
            return _out(m.group("comm"), from_bytes)
    return None


# Which memory cgroups an OOM kill concerned. Since 4.19 dump_oom_summary() (mm/oom_kill.c)
# prints "oom-kill:constraint=%s,nodemask=%*pbl" then ",cpuset=", ",mems_allowed=", the
# limit's cgroup as ",oom_memcg=" (a memcg OOM; ",global_oom" instead when the system ran
# out) and ",task_memcg=%s,task=%s,pid=%d,uid=%d" of the victim. Before that
# mem_cgroup_print_oom_info() (mm/memcontrol.c, 3.x-4.18) printed "Task in %s killed as a
# result of limit of %s". One dump prints one of them, before its kill line. The keys come
# in that order, so a value runs to the next key even if a cgroup name holds a ",".
_OOM_SUMMARY_RE = re.compile(
    r"oom-kill:constraint=.*?(?:,oom_memcg=(?P<oom>.*?))?,task_memcg=(?P<task>.*?),task="
)
_OOM_TASK_IN_RE = re.compile(r"Task in (?P<task>\S+) killed as a result of limit of (?P<oom>\S+)")


# Both print the limit's cgroup's usage after that, and its memory.stat: 3.x-4.18
# mem_cgroup_print_oom_info() "Memory cgroup stats for %s:" (pr_cont_cgroup_path(), the
# counters after it on the line) for each cgroup of for_each_mem_cgroup_tree(iter, memcg),
# a walk in pre-order from the limit's own cgroup; 5.3 on mem_cgroup_print_oom_meminfo()
# for that cgroup alone, memory_stat_format()'s lines after it. The first of a run of them
# names the limit's cgroup: a paste from that line on (the "Task in" line above it left
# out, kubernetes#56891's of a pod's OOM on 3.10) still names it; the victim's cgroup no
# line does.
_MEMCG_STATS = "Memory cgroup stats for "
_MEMCG_STATS_RE = re.compile(r"Memory cgroup stats for (?P<oom>/\S*?):(?: |$)")


def _oom_memcgs(texts: list[str], from_bytes: bool) -> tuple[str | None, str | None]:
    """``(oom_memcg, task_memcg)`` of an OOM kill, from its report's lines."""
    for t in reversed(texts):
        m = _OOM_SUMMARY_RE.search(t) if "oom-kill:" in t else None
        if m is None and "Task in " in t:
            m = _OOM_TASK_IN_RE.search(t)
        if m is not None:
            oom = m.group("oom")
            return (_out(oom, from_bytes) if oom else None), _out(m.group("task"), from_bytes)
    for t in texts:
        m = _MEMCG_STATS_RE.search(t) if _MEMCG_STATS in t else None
        if m is not None:
            return _out(m.group("oom"), from_bytes), None
    return None, None


# 3.x-4.18's memory cgroup OOM prints mem_cgroup_print_oom_info()'s "Task in %s killed as
# a result of limit of %s" in its dump, then the cgroup's usage and the task table, then
# the kill: a paste from that line on (the cgroup's part of the dump, where the
# "invoked oom-killer" line above it is left out) still names the cgroups.
_MEMCG_INFO = " killed as a result of limit of "


def _memcg_info_start(text: str, lo: int, kill: int, start: int) -> int:
    """Where the memcg OOM info line of the kill at ``kill`` starts (see above), when
    it is after ``lo``; else ``start``."""
    at = text.rfind(_MEMCG_INFO, lo, kill)
    if at == -1:
        return _memcg_stats_start(text, lo, kill, start)
    line = text.rfind("\n", lo, at) + 1
    return line if "Task in " in text[line:at] else start


def _memcg_stats_start(text: str, lo: int, kill: int, start: int) -> int:
    """Where the first of the last run of "Memory cgroup stats for" lines (_MEMCG_STATS)
    before the kill at ``kill`` starts, when after ``lo``; else ``start``."""
    at = text.rfind(_MEMCG_STATS, lo, kill)
    first = -1
    while at != -1:
        line = text.rfind("\n", lo, at) + 1
        if first != -1 and text.find("\n", at, first) != first - 1:
            break  # not the line right before the run's first: another dump's
        first = line
        at = text.rfind(_MEMCG_STATS, lo, line)
    return start if first == -1 else first


def _unwrapped_kill(text: str, s: int, e: int, line: str) -> tuple[str, int]:
    """A kill line a wrap cut before its "(comm)" (a mail client's, ``join_wrapped``),
    read whole with its end; else ``line`` and ``e`` as they were."""
    if e >= len(text):
        return line, e
    whole = unwrapped_line(make_line(text[s:e], s, 0), text)
    return (whole.raw, whole.end) if whole is not None else (line, e)


# A mail client's wrap at 73 columns, after a syslog prefix and a printk time, cuts the
# memcg kill line (6.x mm/oom_kill.c __oom_kill_process(): "%s: Killed process %d (%s)
# total-vm:..." with "Memory cgroup out of memory") inside its "%s": "... Memory cgroup
# out of" then "memory: Killed process 25482 (python3) total-vm:...". The row is a kill
# of its own, its cgroup's words left in the row before.
_MEMCG_MESSAGE = "Memory cgroup out of memory: "


def _kill_cut_in_its_memcg(text: str, s: int, line: str) -> tuple[int, str] | None:
    """The kill row ``line`` at ``s`` read whole with the row before it (its start and
    raw text), when a wrap cut the memcg message's words from it (see above); else None."""
    row = make_line(line, s, 1)
    # (a reply quotes both rows, RFC 3676 4.5's ">" per level: the row's words follow it)
    body = row.text if line[:1] == ">" else line
    m = _KILLED_RE.search(body)
    if m is None or m.group("memcg") or body[:1].isspace():
        return None
    if not _MEMCG_MESSAGE.endswith(body[: m.start()]):
        return None
    prev = text.rfind("\n", 0, s - 1) + 1
    last = make_line(text[prev : s - 1], prev, 0)
    if not m.start():
        # (a reply's rewrap of a first wrap's row, extract._rewrapped_cut: the message's
        # last words in a short row of their own, "> memory:", between the two)
        if last.context or not prev or not _MEMCG_MESSAGE.endswith(f"{last.text.strip()} "):
            return None
        prev = text.rfind("\n", 0, prev - 1) + 1
        last = make_line(text[prev : text.find("\n", prev)], prev, 0)
    whole = unwrapped_line(last, text)
    if whole is None or whole.end < row.end:
        return None
    if (w := _KILLED_RE.search(whole.raw)) is None or not w.group("memcg"):
        return None
    return prev, whole.raw


# mm/oom_kill.c dump_header() (6.x) opens the dump with pr_warn("%s invoked oom-killer:
# gfp_mask=%#x(%pGg), order=%d, oom_score_adj=%hd\n", current->comm, ...). After a syslog
# prefix and a printk time a mail client's wrap at 72 columns cuts it after "invoked":
# "... [64590.667124] python3 invoked" then "oom-killer: gfp_mask=0xcc0(GFP_KERNEL), ...",
# a row that holds a dump start (OOM_DUMP_STARTS) and no prefix. Read from that row, the
# dump was the unprefixed rows' stream (_own_stream), the task header and trace left out.
_CUT_DUMP_REST = "oom-killer: "


def _dump_cut_start(text: str, s: int, line: str) -> int:
    """Where the dump whose first line is the row ``line`` at ``s`` starts: the row before,
    when a wrap cut its "%s invoked" from it (see above); else ``s``."""
    row = make_line(line, s, 1)
    # (a reply quotes both rows, RFC 3676 4.5's ">" per level: the row's words follow it)
    if not (row.text if line[:1] == ">" else line).startswith(_CUT_DUMP_REST):
        return s
    prev = text.rfind("\n", 0, s - 1) + 1
    last = make_line(text[prev : s - 1], prev, 0)
    whole = join_wrapped(last, last.raw, row, text)
    return prev if whole is not None and _INVOKED_RE.match(whole.text) else s


# ... and inside "oom-killer" by a wrap that breaks after a hyphen as well as at a blank
# (Python's textwrap.fill(), break_on_hyphens; a mail client's by UAX #14 LB21), at 66-71
# columns after a syslog prefix and a printk time: "... [    7.167367] dd invoked oom-"
# then "killer: gfp_mask=0x140dca(...), order=0, ..." (or "killer:" alone, the mask
# in a row of its own). No line ends "invoked oom-" but that cut one, and the row after
# it starts with the word's rest.
_CUT_DUMP_HYPHEN = " invoked oom-"
_DUMP_HYPHEN_REST = "killer:"


def _dump_hyphen_cut(text: str, s: int, e: int, line: str) -> tuple[int, str] | None:
    """The dump's first line, the row ``line`` at ``s`` (to ``e``) cut after its
    "invoked oom-", read with the row after it (its start and raw text), when that row
    goes on with "killer:" (see above); else None."""
    if not line.rstrip().endswith(_CUT_DUMP_HYPHEN):
        return None
    nxt = text.find("\n", e + 1)
    row = make_line(text[e + 1 : nxt if nxt != -1 else len(text)], e + 1, 1)
    if row.context or not row.text.startswith(_DUMP_HYPHEN_REST):
        return None
    return s, line.rstrip() + row.text.rstrip()


def _dump_rewrapped(text: str, s: int, line: str) -> tuple[int, str] | None:
    """The dump's first line, whose row ``line`` at ``s`` holds "oom-killer" and no dump
    start, read whole from its prefixed row (its start and raw text), when a reply's
    rewrap of a first wrap's row (extract._rewrapped_cut) left "oom-killer:" in a short
    row of its own, between "> ... python3 invoked" and "> gfp_mask=0xcc0(GFP_KERNEL),
    ..." (_CUT_DUMP_REST); else None."""
    if "oom-killer" not in line or is_oom_dump_start(line):
        return None
    joined = _wrapped_header(text, s)
    return joined if joined is not None and is_oom_dump_start(joined[1]) else None


def _own_stream(lines: list[Line], text: str) -> list[Line]:
    """The lines of the stream the first one came in. printk prefixes every line of a
    record: in a prefixed log a line with none, or with another prefix's context, is
    another writer's (a program's on the console, a journal entry's other fields), unless
    a wrap cut it from the line before (``join_wrapped``)."""
    ctx = lines[0].context if lines else ""
    if not ctx:
        return [ln for ln in lines if ln.context not in _NO_REPORT_LINES]
    out: list[Line] = []
    piece, last_no = "", 0  # the last physical line kept and its number
    before = ""  # the row before ``piece`` when that was a wrap's rest (join_wrapped)
    for ln in lines:
        if ln.context != ctx:
            # a line a wrap cut from the one before (join_wrapped), else another writer's
            joined = (
                join_wrapped(out[-1], piece, ln, text, before)
                if out and ln.number == last_no + 1
                else None
            )
            if joined is None:
                continue
            out[-1] = joined
            before = piece
        else:
            out.append(ln)
            before = ""
        piece, last_no = ln.raw, ln.number
    return out


# A number in an event's message: a decimal or hexadecimal word (a command id, sector, pid,
# address, status code) or one with its unit ("180896kB", "10008ms"). Words that only
# end in digits, "nvme0", "sda1", "md0", name a device and stay, as does a PCI device's
# address ("0000:00:1c.0", %s of pci_name()): another device's failure is another event.
_NUMBER = r"\b(?:0x[0-9a-fA-F]+|[0-9a-fA-F]*[0-9][0-9a-fA-F]*|[0-9]\w*)\b"
_PCI = r"\b[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]\b"
_NUMBER_RE = re.compile(_NUMBER)
_PCI_RE = re.compile(_PCI)
_NUMBER_OR_PCI_RE = re.compile(f"(?P<pci>{_PCI})|{_NUMBER}")


def _number(m: re.Match[str]) -> str:
    return m.group() if m.group("pci") else "#"


def event_kind(message: str) -> str:
    """What an event's ``message`` says without its numbers: the lines of a flood (NVMe
    aborts each naming its command, I/O errors at growing sectors, OOM kills of
    different pids) are one kind."""
    if _PCI_RE.search(message) is None:  # (a substitution without a call per number)
        return _NUMBER_RE.sub("#", message)
    return _NUMBER_OR_PCI_RE.sub(_number, message)


@dataclass
class _Kind:
    """The printings of one kind of event before a report."""

    message: str  # the first one's
    count: int
    first_time: float | None  # printk times of the first and the last one
    last_time: float | None
    last: int  # index of the last one among the log's events
    # the wall-clock stamps the first and the last one start with, as written
    # (wallclock.shown_time): a syslog file's or journal's lines may carry no printk time
    first_wall: str | None
    last_wall: str | None

    def shown(self, from_bytes: bool) -> str:
        message = _out(self.message, from_bytes)
        if self.count == 1:
            return message
        span = ""
        if self.first_time is not None and self.last_time is not None:
            span = f", [{self.first_time:.6f}] to [{self.last_time:.6f}]"
        elif self.first_wall is not None and self.last_wall is not None:
            span = f", {_out(self.first_wall, from_bytes)} to {_out(self.last_wall, from_bytes)}"
        return f"{message} ({self.count} times{span})"


class _Events:
    """The event lines of a log (scan.CONTEXT_MARKERS: memory pressure, hardware and
    storage failures), in log order, and what of them a report shows as its context.
    ``weights``: how many printings a line stands for, by its start, when not one."""

    def __init__(
        self, text: str, spans: list[tuple[int, int]], from_bytes: bool, weights: Mapping[int, int]
    ) -> None:
        self.text = text
        self.spans = spans
        self.from_bytes = from_bytes
        self.weights = weights

    def between(self, lo: int, hi: int) -> list[str]:
        """The events in [lo, hi), one entry per kind (``event_kind``), in the order each
        kind was first printed: its first message, with how many times and from when to
        when it was printed when more than once. At most ``_MAX_CONTEXT_EVENTS`` kinds:
        the first one printed and the last ones printed, when more came.

        When the crash's own first line carries a prefix (printk time, syslog, caller
        id), an event line without one is a program's output on the same console
        ("mount: Failed to allocate loop device"): printk prefixes every line of a
        record, so it is no kernel failure and not the crash's context.

        A flood of one event (a ratelimited "nf_conntrack: table full, dropping packet",
        ten every five seconds for as long as it lasts; an NVMe abort per timed-out
        command; an I/O error per sector) is one entry, and the different, older event
        that explains the crash keeps its place."""
        text, spans = self.text, self.spans
        first = bisect.bisect_left(spans, (lo, -1))
        end = bisect.bisect_left(spans, (hi, -1))
        s0, e0 = line_bounds(text, hi)
        prefixed = hi < len(text) and make_line(text[s0:e0], s0, 0).context != ""
        kinds: dict[str, _Kind] = {}  # in the order each kind was first printed
        stamped: dict[tuple[float, str], int] = {}  # stamped event lines read -> their end
        for i in range(first, end):
            s, e = spans[i]
            line = make_line(text[s:e], s, 0)
            if prefixed and not line.context:
                continue
            message = line.text.strip()
            if line.timestamp is None and (
                unstamped_twin(text, line, make_line(line_before(text, s), 0, 0))
                # (or of one a block on or a block before: each reader's lines in blocks)
                or block_copy(text, line)
            ):
                continue  # (its stamped copy is read)
            if line.timestamp is not None:
                # The same time and text again, a few lines on, is the record printed
                # again (two consoles on one capture, in step, is_echo, or one behind the
                # other, lagged_copy: print_time() stamps a record once): one printing.
                record = (line.timestamp, message)
                seen = stamped.get(record)
                if seen is not None and text.count("\n", seen, s) <= 2 * LAG_LINES:
                    continue
                stamped[record] = e
            n = self.weights.get(s, 1)
            key = event_kind(message)
            kind = kinds.get(key)
            # (a line's printk time is the better clock: its stamp is read only without one)
            wall = shown_time(line.raw) if line.timestamp is None else None
            if kind is None:
                kinds[key] = _Kind(message, n, line.timestamp, line.timestamp, i, wall, wall)
            else:
                kind.count += n
                kind.last_time, kind.last, kind.last_wall = line.timestamp, i, wall
        shown = list(kinds.values())
        if len(shown) > _MAX_CONTEXT_EVENTS:
            latest = sorted(shown[1:], key=lambda k: k.last)[1 - _MAX_CONTEXT_EVENTS :]
            keep = {id(k) for k in latest}
            shown = [shown[0]] + [k for k in shown[1:] if id(k) in keep]
        return [k.shown(self.from_bytes) for k in shown]


def _out(s: str, from_bytes: bool) -> str:
    """Report text back to readable str: bytes input was decoded 1:1 as latin-1."""
    if from_bytes:
        return s.encode("latin-1").decode("utf-8", "replace")
    return s


def _text_of(lines: list[str]) -> str:
    """``lines`` as one text, each ended by a newline (one join: no string made per line)."""
    return "\n".join(lines) + "\n" if lines else ""


# A lockup's title is the function it looped in when that is a module's (titles.
# looping_title), its table title otherwise: a RIP line a pager cut before its module
# (less -S, taint.PAGER_MARK) with no whole trace entry of the function leaves either,
# and one cut in the function's name names no function at all.
CORRUPTED_CUT_RIP = "RIP line cut before its module"


def _build(text: str, ext: Extracted, from_bytes: bool) -> Report | None:
    """The report of one extracted window; None when it is not a kernel report at all."""
    own_lines = ext.lines[: max(ext.own_end, 1)]
    own = one_entry_a_line([ln.text for ln in own_lines])
    # Titles and corruption checks ignore unreliable frames (syzkaller does the same).
    every = one_entry_a_line(
        [ln.text for ln in ext.lines if not ln.questionable or ln is ext.header]
    )
    reliable_own = one_entry_a_line(
        [ln.text for ln in own_lines if not ln.questionable or ln is ext.header]
    )
    full_text = _text_of(every)
    report_text = _text_of(reliable_own)
    # The title, like the frames, is the stalled CPU's: not that of RCU's starved kthread
    # or of the CPU it last ran on, nor of a CPU a panic stopped (own_cpu_lines)
    title_text = _text_of(
        own_cpu_lines(
            one_entry_a_line(
                [
                    ln.text
                    for ln in ext.lines[: ext.title_end]
                    if not ln.questionable or ln is ext.header
                ]
            )
        )[0]
    )
    guessed = only_guessed_entries([ln.text for ln in ext.lines[: ext.title_end]])
    # an RCU stall's lines are a stalled CPU's, not those of RCU's starved kthread, nor
    # are a panic's those of a CPU it stopped
    own_cpu = own_cpu_lines(own)[0]
    rip = rip_frame(own_cpu)
    fault_ip = _fault_ip_line(ext) if rip is None else None
    # UML's fault panics after its registers: the report starts at them (uml_fault_regs)
    uml_regs = uml_fault_regs(text, ext.header) if "Kernel panic" in ext.header.text else []
    if uml_regs and rip is None:
        # (its "%pS" of a pc in no function, "0x0", names none: the trace titles it)
        named = [ln.text for ln in uml_regs if rip_frame([ln.text]) is not None]
        fault_ip = named[0] if named else None
    if fault_ip is not None:
        # read as the report's RIP line, right after its header: the title's stack, too
        head, _, rest = title_text.partition("\n")
        title_text = head + "\n" + fault_ip + ("\n" + rest if rest else "")
        rip = rip_frame([fault_ip])

    def with_guesses() -> str:
        return _text_of(one_entry_a_line([ln.text for ln in ext.lines[: ext.title_end]]))

    raw_title, corrupted, alts, fmt = describe(title_text, ext.kind, guessed, with_guesses)
    if not raw_title:
        # The title regexes need the report's own lines; fall back to the raw window.
        raw_window = text[ext.header.start : own_lines[-1].end]
        raw_title, corrupted, alts, fmt = describe(raw_window, ext.kind, guessed)
    if fmt is None and ext.kind.needs_oops:
        # A line with the words of a message the kernel prints before a dump, none of its
        # kind's formats reading the dump after it (XFS's internal error when the stack
        # is not dumped): the registers or trace further on are a later report's.
        return None
    if not raw_title:
        raw_title = ext.header.text
        corrupted = corrupted or "no title format matched"
    frames = call_trace(own_cpu)
    # riscv's, arm64's or 32-bit ARM's report quoted with its pc line cut: its show_regs()
    # trace starts at that pc (fields.riscv_trace_rip, arm64_trace_rip, arm_trace_rip), in
    # a die() and in a WARN()'s or soft lockup's show_regs()
    trace_rip = riscv_trace_rip(own_cpu) if rip is None and "[<" in report_text else None
    if trace_rip is not None and (at := riscv_headerless_start(own_cpu)) is not None:
        # (its registers and "status:" line cut to "[...]": the trace is the one from
        # the pc, not a later "Call Trace:", a soft lockup's panic()'s)
        frames = call_trace(own_cpu, at=at)
    if rip is None and trace_rip is None and "pstate: " in report_text:
        trace_rip = arm64_trace_rip(own_cpu)
    if (
        rip is None
        and trace_rip is None
        and ("Flags: " in report_text or "stack limit" in report_text)
    ):
        trace_rip = arm_trace_rip(own_cpu)  # (32-bit ARM's "PC is at" lines cut)
    looping_at = rip or trace_rip
    if looping_at is None and fmt is not None and fmt.looping:
        # a 2.6.16-2.6.2x i386, x86_64 or ppc64 soft lockup dump prints no registers: the
        # entry of the code the timer interrupted stands for its RIP (oopses.
        # i386_interrupted), past the function pointers on the stack ("{f+0}")
        at = i386_interrupted(
            [f.function for f in frames], [j for j, f in enumerate(frames) if f.offset == 0]
        )
        looping_at = frames[at] if at >= 0 else None
    looping = fmt is not None and fmt.looping and looping_at is not None
    if fmt is not None and fmt.looping and rip is None and not corrupted:
        # its RIP line cut in the function's name (fields.cut_rip_name): which function
        # looped is lost, unless what is left names a helper that never titles a lockup
        cut = cut_rip_name(own_cpu)
        if cut is not None and looping_title(fmt, cut, ""):
            corrupted = CORRUPTED_CUT_RIP
    if looping and looping_at is not None:
        module = looping_at.module
        if module is None and looping_at is rip:
            # A pager cut the RIP line before its module (fields.cut_rip_home): a trace
            # entry of the function may still show one ("" for a module whose name the
            # cut lost); where nothing tells, the title is either, so it is corrupted.
            home = cut_rip_home(own_cpu, looping_at.function)
            module = "" if home else None
            if home is None and looping_title(fmt, looping_at.function, "") and not corrupted:
                corrupted = CORRUPTED_CUT_RIP
        retitled = looping_title(fmt, looping_at.function, module)
        if retitled:
            # the table's (syzkaller's) title stays findable among the alternatives
            alts = retitled[1:] + [raw_title] + alts
            raw_title = retitled[0]
    title = normalise(raw_title)
    if corrupted and title.startswith("kernel panic:") and _mce_panic_cut(ext):
        # (mce_panic()'s own panic, its message and its record's first line cut: see above)
        title, corrupted = MCE_CUT_TITLE, ""
    if not corrupted:
        # Judged on everything read, as syzkaller does: a stack keyword with no frames
        # after it, even past the next report, means the output is mangled.
        bad, reason = is_corrupted(raw_title, full_text, fmt, guessed)
        if bad:
            corrupted = reason
    alt_titles = [a for a in dict.fromkeys(normalise(a) for a in alts) if a and a != title]

    # The report's own lines first: a report that prints its task line after the title
    # (KFENCE, KASAN: at the end) must not take the previous report's from the prefix.
    prefix = [ln.text for ln in ext.prefix]
    near = [_near(ln, ext.header) for ln in ext.prefix]
    rep = Report(
        title=_out(title, from_bytes),
        type=title_type(title),
        alt_titles=[_out(a, from_bytes) for a in alt_titles],
        corrupted=bool(corrupted),
        corrupted_reason=corrupted or None,
        start=ext.header.start,
        end=own_lines[-1].end,
        start_line=ext.header.number,
        end_line=own_lines[-1].number,
        text=_out("\n".join(own), from_bytes),
    )
    rep.rip = rip or trace_rip
    if looping and looping_at is not None:
        rep.looping_function = _out(looping_at.function, from_bytes)
    rep.frames = frames
    if not rep.frames and "Kernel panic" in ext.header.text:
        lost = one_entry_a_line(_lost_oops_tail(text, ext.header))
        rep.frames = call_trace(own_cpu_lines(lost)[0], headed=False)
        rep.rip = rep.rip or rip_frame(lost)
    if uml_regs:
        regs = [ln.text for ln in uml_regs]
        rep.start, rep.start_line = uml_regs[0].start, uml_regs[0].number
        rep.text = _out("\n".join(regs + own), from_bytes)
    if "bad mode" in ext.header.text:
        lead = _bad_mode_lines(text, ext.header)
        if lead:
            regs = one_entry_a_line([ln.text for ln in lead])
            rep.start, rep.start_line = lead[0].start, lead[0].number
            rep.text = _out("\n".join(regs + own), from_bytes)
            rep.rip = rep.rip or rip_frame(regs)
    pid_cut = _fill_task_fields(rep, own, prefix, from_bytes, near)
    # (UML's show_regs() prints print_modules()'s line before its fault's panic, with
    # the registers: arch/x86/um/sysrq_64.c, sysrq_32.c show_regs())
    listed = uml_regs + own_lines if uml_regs else own_lines
    _fill_modules(rep, [ln.text for ln in uml_regs] + own, listed, text, from_bytes)
    _task_from_caller(rep, ext.header.context, text)
    _kernel_from_stopped_cpus(rep, text, ext, from_bytes)
    # (the header read whole: a wrap's rest joined to it, "... Watchdog detected hard"
    # going on "LOCKUP on cpu 0" in the row after it, scan._wrapped_header)
    whole = ext.lines[0] if ext.lines and ext.lines[0].start == ext.header.start else ext.header
    _keep_to_locked_cpu(rep, whole.text)
    _keep_to_hung_task(rep, ext.header.text, from_bytes)
    _cpu_of_stuck_pool(rep, whole.text)
    # (a header a pager cut is no more explained by its title being marked corrupted)
    unexplained = fmt is None and corrupted in ("", CORRUPTED_CUT_HEADER) or ext.kind.needs_oops
    if (
        unexplained
        and rep.rip is None
        and rep.pid is None
        and not pid_cut
        and not _uncut_frames(rep, own_cpu)
        and cut_rip_name(own_cpu) is None
    ):
        # A header word (a program's "WARNING: ...", a fuzzer's "INFO: Seed: 1") that no
        # title regex of the kernel's messages matches, with nothing of an oops after it:
        # the kernel prints a task header, registers or a stack with every report. (A
        # task header a pager cut in its pid, "CPU: 0 UID: 0 PID: 14>", is one; so is a
        # RIP line cut in its function's name, riscv's "epc : hotfence_cra>" of 6.12
        # show_regs(), arch/riscv/kernel/process.c, "epc : %pS", where the same cut took
        # the longer "CPU: 0 UID: 0 PID: 140" before its pid and every trace entry.)
        return None
    g = guilty_in_text(
        title,
        report_text,
        _text_of([ln.text for ln in ext.lines[len(own_lines) :] if not ln.questionable]),
    )
    rep.guilty_file = g if g and FILENAME_RE.search(report_text) else None
    return rep


def _uncut_frames(rep: Report, own_cpu: list[str]) -> bool:
    """Does ``rep`` have a frame of a trace entry no pager cut? The entries journalctl's
    pager (less -S, taint.PAGER_MARK) cut after a name's "+" are frames of the report
    (fields.parse_frame), but no evidence that a header no format reads ("BUG: unable to
    handle kern>") heads a report of its own: its trace is a later header's ("Oops:")."""
    if not rep.frames or not any(t.endswith(PAGER_MARK) for t in own_cpu):
        return bool(rep.frames)
    return bool(call_trace([t for t in own_cpu if not t.endswith(PAGER_MARK)]))


# x86's show_fault_oops() (arch/x86/mm/fault.c, 2.6.25-4.14) prints "BUG: unable to
# handle kernel %s at %p", then "IP:" and printk_address(regs->ip) ("IP: [<%p>] %pS" up to
# 4.5, "IP: %pS" since), then dump_pagetable()'s lines ("PGD %lx PUD %lx PMD %lx", i386's
# "*pdpt = %016Lx *pde = %016Lx"), before no_context() dies and __die() prints "Oops:
# %04lx [#%d]". A paste that starts at the IP line (or a console that lost the BUG line)
# leaves an Oops header with the faulting function right before it: the report's RIP
# when show_regs()'s own RIP line is lost too.
_OOPS_HEADER_RE = re.compile(r"Oops: (?:Oops: )?[0-9a-f]{4} \[#\d+\]")
_FAULT_IP_RE = re.compile(r"\s*IP: ")
_PAGE_TABLE_RE = re.compile(
    r"\s*(?:PGD |P4D |PUD |PMD |PTE |\*pdpt = |\*pde = |\*pte = |BAD\s*$|Bad pagetable"
    r"|Thread overran stack)"
)


def _fault_ip_line(ext: Extracted) -> str | None:
    """The fault's "IP:" line right before ``ext``'s x86 "Oops:" header, past the page
    table lines between them (see above); None when there is none."""
    if not _OOPS_HEADER_RE.search(ext.header.text):
        return None
    number = ext.header.number
    for ln in reversed(ext.prefix[-4:]):
        if ln.number != number - 1:
            return None  # not the line right before: another record's
        number = ln.number
        if _FAULT_IP_RE.match(ln.text):
            return ln.text if _near(ln, ext.header) else None
        if not _PAGE_TABLE_RE.match(ln.text):
            return None
    return None


# Detectors that report from the task making the bad access, synchronously (kasan_report(),
# kmsan_report(), kfence_report_error(), KCSAN's watchpoint owner, the __ubsan_handle_*
# handlers): the task printing the report is the task the report is about. Not so for
# hung tasks (khungtaskd prints), stalls and lockups (another CPU may print).
_REPORTED_BY_CURRENT = ("KASAN: ", "KMSAN: ", "KFENCE: ", "KCSAN: ", "UBSAN: ")


# Vendor GKI kernels fill the caller id through Android's printk vendor hooks
# (android_vh_printk_caller_id / android_vh_printk_caller) with the CPU times 100000 plus
# the pid, after upstream's letter: MediaTek's ("[C201134] rxq0_pus: [name:bug&]kernel BUG
# at ...", CPU 2, pid 1134: the log of CVE-2025-38124's fix), Oppo's ("[T500572] CPU: 5
# PID: 572 Comm: mtio", bmax121/KernelPatch#268). Upstream's "C%u" is a CPU below NR_CPUS
# (at most 8192), so a "C" of 100000 or more is such an id; a "T" that big may be a pid
# (PID_MAX_LIMIT is 4194304), and is read so unless a task header of the log shows the
# encoding on its own line's id.
_VENDOR_CALLER_CPU = 100000
_ENCODED_TASK_HEADER_RE = re.compile(
    r"\[ *[CT]([1-9]\d{5,6})\] (?:[^\n]{0,24}?: )?CPU: (\d+) (?:UID: \d+ )?PID: (\d+) "
)


# Without such a header, one task's ids on two CPUs show it too: MediaTek's mrdump prints
# no task header ("[T414842] Internal error: BRK handler" and "[T314842] KernelSU: ...", pid
# 14842 on CPUs 4 and 3, then "[T314798] mrdump: first crash cpu 4, second crash cpu 3":
# tiann/KernelSU#2618). Two real pids a multiple of 100000 apart, both printing, are not.
_BIG_TASK_ID_RE = re.compile(r"\[ *T([1-9]\d{5,6})\]")


def _caller_encodes_cpu(text: str) -> bool:
    """Does a task header of ``text`` carry the vendor caller id of its own CPU and pid,
    or does one pid show in the ids of two CPUs (see above)?"""
    for m in _ENCODED_TASK_HEADER_RE.finditer(text):
        if int(m[1]) == int(m[2]) * _VENDOR_CALLER_CPU + int(m[3]):
            return True
    cpus: dict[int, int] = {}
    for number in {int(m[1]) for m in _BIG_TASK_ID_RE.finditer(text)}:
        cpu, pid = divmod(number, _VENDOR_CALLER_CPU)
        if cpus.setdefault(pid, cpu) != cpu:
            return True
    return False


# Reports printed by the task that hit them, like the sanitizers' (_REPORTED_BY_CURRENT):
# BUG() and WARN() (lib/bug.c report_bug(): "kernel BUG at %s:%u!", "WARNING: CPU: ..."),
# die() ("Internal error: %s: %x [#%d]", arch/arm{,64}/kernel/traps.c) and the fault that
# calls it ("Unable to handle kernel ...", arch/arm{,64}/mm/fault.c, titled "BUG: unable
# to handle kernel ..."). Their task header
# is show_regs()'s; MediaTek's mrdump prints its own registers instead, with no header.
# Only a vendor id that is both CPU and pid (_VENDOR_CALLER_CPU) names them there.
_PRINTED_BY_CURRENT = ("kernel BUG", "WARNING", "Internal error", "BUG: unable to handle kernel")


def _task_from_caller(rep: Report, context: str, text: str) -> None:
    """The pid or CPU that printk's caller id names, when the report's lines name none.

    kernel/printk/printk.c printk_caller_id() tags each line "T<pid>" in task context,
    "C<cpu>" otherwise. A sanitizer's report is printed by the task (or on the CPU) that
    hit the bug, and some carry no task header of their own (KMSAN before 6.1 printed
    none before panic_on_kmsan's panic), or a console lost it. A vendor's id that holds
    both (_VENDOR_CALLER_CPU) gives both, to a BUG, WARNING or die() with no task header
    too (_PRINTED_BY_CURRENT).
    """
    sanitizer = rep.title.startswith(_REPORTED_BY_CURRENT)
    if not sanitizer and not (
        rep.title.startswith(_PRINTED_BY_CURRENT) and rep.cpu is None and rep.pid is None
    ):
        return
    cid = caller_id(context)
    if not cid:
        return
    number = int(cid[1:])
    if number >= _VENDOR_CALLER_CPU and (cid[0] == "C" or _caller_encodes_cpu(text)):
        cpu, pid = divmod(number, _VENDOR_CALLER_CPU)
        rep.cpu = cpu if rep.cpu is None else rep.cpu
        rep.pid = pid if rep.pid is None else rep.pid
    elif not sanitizer:
        return
    elif cid.startswith("T") and rep.pid is None:
        rep.pid = number
    elif cid.startswith("C") and rep.cpu is None:
        rep.cpu = number


# kernel/panic.c panic() prints "Kernel panic - not syncing: %s", stops the other CPUs
# (smp_send_stop(); arm64's "SMP: stopping secondary CPUs", which waits a second for
# them) and ends with "---[ end Kernel panic - not syncing: %s ]---". The stopped CPUs'
# dumps name the kernel and its taint, not the panic's task (fields.own_cpu_lines). On a
# console with printk's caller id (print_caller(), "[%6s]") their lines carry their own
# id, so extract leaves them out of the panic's lines: GrapheneOS/os-issue-tracker#4475,
# a Pixel 7 Pro's 5.10 panic by "[ T1668]" pasted from inside its oops (its task header
# lost), then debug-snapshot's dbg_snapshot_ipi_stop() dump_stack() of "[ C7]" with
# "CPU: 7 PID: 0 Comm: swapper/7 Tainted: G D W O 5.10.226-android13-4-g277c6cd19823".
_PANIC_END = "---[ end Kernel panic"
_STOP_SPAN = 1.0
_STOP_LINES = 64


def _kernel_from_stopped_cpus(rep: Report, text: str, ext: Extracted, from_bytes: bool) -> None:
    """The release and taint of a caller-tagged panic that names neither, from the task
    header of a CPU it stopped (see above): the first other caller's header within
    ``_STOP_SPAN`` of the panic line and ``_STOP_LINES`` after the panic's lines, before
    its end line."""
    tag = caller_id(ext.header.context)
    if (
        rep.kernel_release is not None
        or rep.taint is not None
        or not tag
        or ext.header.timestamp is None
        or "Kernel panic" not in ext.header.text
    ):
        return
    pos = rep.end + 1
    for _ in range(_STOP_LINES):
        if pos >= len(text):
            return
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        line = make_line(text[pos:end], pos, 0)
        pos = end + 1
        if _PANIC_END in line.text or line.timestamp is None:
            return
        if not 0.0 <= line.timestamp - ext.header.timestamp <= _STOP_SPAN:
            return
        if "PID: " not in line.text or caller_id(line.context) in ("", tag):
            continue
        f = task_fields([line.text])
        if f.release is None:
            continue
        rep.kernel_release = _out(f.release, from_bytes)
        if f.taint is not None:
            rep.taint = f.taint
            rep.taint_flags = decode_taint(f.taint, suse=f.suse)
        return


# kernel/hung_task.c check_hung_task(): "INFO: task %s:%d blocked for more than %ld seconds."
# (or cut by journalctl's pager past the pid's blank, taint.PAGER_MARK: "... touch:117 bl>")
_HUNG_TASK_RE = re.compile(
    r"INFO: task (?P<comm>.+):(?P<pid>\d+) (?:blocked |(?:b[a-z]*)?"
    + re.escape(PAGER_MARK)
    + r"\s*$)"
)


def _keep_to_hung_task(rep: Report, header: str, from_bytes: bool) -> None:
    """A hung task's report is about the task its first line names, asleep on no CPU.

    khungtaskd prints it; a task header among the report's lines is another task's: the
    panic of hung_task_panic (khungtaskd's own "CPU: N PID: N Comm: khungtaskd"), read as
    the report's when its trace held only "?" entries (kernels without frame pointers),
    whose lines do not count toward the report's length before its panic is cut.
    """
    m = _HUNG_TASK_RE.search(header)
    if m is None:
        return
    rep.cpu = None  # (even when its task's line came with another task's CPU line)
    if rep.pid != int(m.group("pid")):
        rep.pid, rep.comm = int(m.group("pid")), _out(m.group("comm"), from_bytes)


# kernel/watchdog.c: the CPU that locked up, named by the CPU that noticed it.
_HARD_LOCKUP_CPU_RE = re.compile(r"Watchdog detected hard LOCKUP on cpu (\d+)")


def _keep_to_locked_cpu(rep: Report, header: str) -> None:
    """A hard lockup's task, registers and trace are the locked CPU's or none at all.

    The buddy detector notices the lockup on another CPU and asks the locked one for an
    NMI backtrace; when that never arrived (a console dropped it, the NMI was not taken)
    the only task header and trace left are the panicking CPU's own, usually its idle
    loop, which say nothing about the lockup: keep the locked CPU's number alone.
    """
    m = _HARD_LOCKUP_CPU_RE.search(header)
    if m is None:
        return
    if rep.cpu is None:
        # No header named a CPU: 2.6.32's "Pid: N, comm: X" (the locked CPU's own), or
        # none at all because the backtrace the buddy CPU asked for has not come (riscv's
        # "NMI" is an IPI the locked CPU takes only once it enables interrupts again).
        rep.cpu = int(m.group(1))
        return
    if rep.cpu == int(m.group(1)):
        return
    rep.cpu = int(m.group(1))
    rep.pid = rep.comm = rep.looping_function = None
    rep.rip = None
    rep.frames = []


# kernel/workqueue.c wq_watchdog_timer_fn() (4.5+): pr_emerg("BUG: workqueue lockup -
# pool"), then pr_cont_pool_info()'s " cpus=%*pbl" (the pool's cpumask as a list: "1",
# "0-3", "0,2"), " node=%d" (when the pool has a node), " flags=0x%x nice=%d" (6.9+: "bh"
# or "nice=%d"). A pool of one CPU (a per-CPU pool, or an unbound one held to a single
# CPU) stalls on that CPU: the watchdog's own timer runs anywhere, its caller id is not it.
_STUCK_POOL_CPU_RE = re.compile(r"BUG: workqueue lockup - pool cpus=(\d+) ")


def _cpu_of_stuck_pool(rep: Report, header: str) -> None:
    """A workqueue lockup whose header's pool is one CPU's names that CPU (see above)."""
    if rep.cpu is not None:
        return
    m = _STUCK_POOL_CPU_RE.search(header)
    if m is not None:
        rep.cpu = int(m.group(1))


def _fill_modules(
    rep: Report, own: list[str], own_lines: list[Line], text: str, from_bytes: bool
) -> None:
    mods = linked_modules(own)
    if mods is not None:
        if mods.names and mods.last_unloaded is None and _list_cut_off(own_lines, text):
            # (a name the row may have cut: "videobuf2_dma" of "videobuf2_dma_contig")
            mods.tainting = [t for t in mods.tainting if t.split("(")[0] != mods.names[-1]]
            del mods.names[-1]
        rep.modules = [_out(n, from_bytes) for n in mods.names]
        rep.tainting_modules = [_out(n, from_bytes) for n in mods.tainting]
        if mods.last_unloaded is not None:
            rep.last_unloaded_module = _out(mods.last_unloaded, from_bytes)


def _list_cut_off(own_lines: list[Line], text: str) -> bool:
    """Was the report's print_modules() line (one line, up to its newline) cut, the rest
    on a row of its own that no report's line took? A terminal or a pager wraps a
    prefixed log's long lines at its width, mid-word, and no prefix comes before the rest
    (a syslog capture's "... kernel: Modules linked in: ... sg v4l2_h264 videobuf2_dma"
    going on "_contig v4l2_mem2mem ...", MichaIng/DietPi#3939; a tmux pane's "...
    sha256_generic cf" going on "g80211 ...", m0nad/Diamorphine#27): a width no row
    around shows is no proof, so the row's last name may be cut, or whole. What goes on
    with no prefix after a prefixed list line says it was cut. Another program's record
    there is no such rest: syslog and journald write each writer's messages as they come,
    so a daemon's line ("... host NetworkManager[812]: <info> ...") lands between two of
    the kernel's in /var/log/messages, with its own prefix, after a whole list."""
    at = next((i for i, ln in enumerate(own_lines) if "Modules linked in:" in ln.text), None)
    if at is None or not own_lines[at].context:
        return False
    nl = text.find("\n", own_lines[at].end)
    if nl < 0 or (at + 1 < len(own_lines) and own_lines[at + 1].start <= nl + 1):
        return False  # the log's end, or the next row is the report's own line
    end = text.find("\n", nl + 1)
    row = text[nl + 1 : end if end >= 0 else len(text)]
    # util-linux dmesg --json closes each record's object on a row of its own, "      },{"
    # before the next one's members (2.38 lib/jsonwrt.c ul_jsonwrt_close(): "\n", the
    # indent, "}"; ul_jsonwrt_open() "," after a close): JSON's, no cut name's rest.
    return (
        row.strip()[:1] not in ("", "}")
        and not make_line(row, nl + 1, 0).context
        and not from_userspace(row)
    )


# How long before a report's header a line of its prefix may still name its task: a
# task line printed then belongs to the same event (a panic's oops, a lockup's NMI
# backtrace print within a second or two of it). Lines further back, in the same boot (the
# prefix stops at a boot banner), still say the kernel's release, which holds for the
# whole boot, but their CPU, PID, comm and taint (of that moment) are another, earlier
# report's.
_TASK_LINE_SPAN = 10.0


# die() (arm64, riscv, 32-bit ARM) and oops_end() (x86) panic("Fatal exception...") right
# after the oops's end marker (kernel/panic.c print_oops_end_marker(): "---[ end trace
# %016llx ]---"), and a killed init's do_exit() panics just as soon, with no trace of
# the panic's own once TAINT_DIE is set. A panic that is a report of its own there lost
# its oops's header (a screen scrolled it off, a paste kept the last lines): the trace
# still above the marker is the crash's. The marker may stand a line or two above the
# panic (32-bit ARM's "Modules linked in:" again). The lines are read back as a report's
# prefix is (not past a boot banner or another boot's journal entries), up to another
# report's end; an oops's task header among them gives up: an oops with its header is a
# report, whose panic is its own business.
_END_MARKER_ABOVE = 3
_LOST_OOPS_LINES = 80
_TASK_HEADER_RE = re.compile(r"CPU: ?\d+,? (?:UID: \d+ )?PID: \d+ |Pid: \d+, comm: ")


def _lost_oops_tail(text: str, header: Line) -> list[str]:
    """The lines of the oops whose end marker is right above the panic ``header``, when
    its task header is not in ``text``; none otherwise."""
    before = lines_before(text, header, _LOST_OOPS_LINES)
    above = [ln.text for ln in reversed(before)]
    marker = next(
        (i for i, t in enumerate(above[:_END_MARKER_ABOVE]) if t.startswith("---[ end trace")),
        None,
    )
    if marker is None:
        return []
    lines: list[str] = []
    for t in above[marker + 1 :]:
        if t.startswith("---[ end "):
            break
        if _TASK_HEADER_RE.match(t):
            return []
        lines.append(t)
    lines.reverse()
    return lines


# The "Bad mode in ..." line of arm and arm64 bad_mode() (scan.BAD_MODE) comes before the
# report's header: arm64 up to 4.9 __show_regs() of the faulting context between them,
# 4.10 to 5.x die() and panic("bad mode"); later kernels (the 5.4 / 5.10 stables too)
# pr_crit(), __show_regs() where a tree kept it, and panic("bad mode") alone. The report
# starts at that line, and a panic, whose own trace is panic()'s, takes the faulting
# function from the registers under it.


def _bad_mode_lines(text: str, header: Line) -> list[Line]:
    """The "Bad mode in ..." line right above the bad-mode ``header`` and the lines from
    it to the header; none when another report's lines come between."""
    before = lines_before(text, header, BAD_MODE_LINES)
    for i in range(len(before) - 1, -1, -1):
        t = before[i].text
        if t.startswith(BAD_MODE):
            return before[i:]
        if t.startswith("---[ end ") or "Internal error:" in t or "Kernel panic" in t:
            break
    return []


def _near(line: Line, header: Line) -> bool:
    """May ``line`` (before the report's ``header``) name the report's task? Not when
    their printk times or their wall-clock stamps (a syslog file's, whose printk times
    may be another boot's) lie more than ``_TASK_LINE_SPAN`` apart; without either,
    nothing says they are apart."""
    if (
        line.timestamp is not None
        and header.timestamp is not None
        and header.timestamp - line.timestamp > _TASK_LINE_SPAN
    ):
        return False
    head_wall = wall_time(header.raw)
    if head_wall is None:
        return True
    gap = least_gap(wall_time(line.raw), head_wall)
    return gap is None or gap <= _TASK_LINE_SPAN


# x86 mce_panic() (6.1 arch/x86/kernel/cpu/mce/core.c; pr_fmt "mce: ", HW_ERR "[Hardware
# Error]: ") prints every pending record through print_mce() (__print_mce()'s "CPU %d:
# Machine Check%s: %Lx Bank %d: %016Lx", "RIP ...", "TSC ...", "PROCESSOR ...", then
# "Run the above through 'mcelog --ascii'"), then pr_emerg(HW_ERR "Machine check: %s\n",
# exp) and panic(msg): "Fatal machine check" (do_machine_check(), mce_reign()), "Fatal
# local machine check", "Machine check from unknown source", "Timeout synchronizing
# machine check over CPUs". journalctl's pager (less -S) at 50..75 columns cuts the
# record's first line before "Check E" ("mce: [Hardware Error]: CP>" .. "... Machine C>",
# which a corrected error's record prints too) and the panic in its message ("Kernel
# panic - not syncin>" .. "... Fatal machi>"): the panic was the report, a DoS. A panic
# right after "mce: [Hardware Error]: Machine check: ..." (cut anywhere past the prefix's
# "Erro"), its message what is left of one of mce_panic()'s, is that machine check's; the
# default notifier's "Machine check events logged" for a corrected error comes before its
# records, never right before a panic.
def _cut_words(words: str) -> str:
    """A pattern for ``words`` cut anywhere, none of them left too: "ab" -> "(?:a(?:b)?)?"."""
    return "".join(f"(?:{re.escape(ch)}" for ch in words) + ")?" * len(words)


_MCE_EXP_LINE_RE = re.compile(
    r"mce: \[Hardware Erro"
    + _cut_words("r]: Machine check:")
    + r"(?:(?<=check:) .*)?(?:"
    + re.escape(PAGER_MARK)
    + r")?\s*$"
)
_MCE_PANIC_MESSAGES = (
    "Fatal machine check",
    "Fatal Machine check",
    "Fatal local machine check",
    "Machine check from unknown source",
    "Timeout synchronizing machine check over CPUs",
)
_CUT_PANIC_MESSAGE_RE = re.compile(
    r"Kernel panic - not "
    + _cut_words("syncing: ")
    + r"(?P<message>(?<=: ).*?)?"
    + re.escape(PAGER_MARK)
    + r"\s*$"
)
MCE_CUT_TITLE = "MCE: machine check in bank NUM status ADDR"


def _mce_panic_cut(ext: Extracted) -> bool:
    """Is the report's header mce_panic()'s panic line that a pager cut in its message,
    right after its "Machine check: %s" line (see above)?"""
    m = _CUT_PANIC_MESSAGE_RE.search(ext.header.text)
    if m is None or not ext.prefix or ext.prefix[-1].number != ext.header.number - 1:
        return False
    message = m.group("message") or ""
    if not any(whole.startswith(message) for whole in _MCE_PANIC_MESSAGES):
        return False
    return _MCE_EXP_LINE_RE.match(ext.prefix[-1].text) is not None


def _fill_task_fields(
    rep: Report,
    own: list[str],
    prefix: list[str],
    from_bytes: bool,
    near: list[bool] | None = None,
) -> bool:
    """The task, CPU and kernel that the report's ``own`` lines name, and what they leave
    unsaid from its ``prefix``; the task from the ``near`` prefix lines only
    (fields.task_fields). True when a line named the task's pid but a pager cut it."""
    f = task_fields(own, prefix, near)
    rep.cpu, rep.pid = f.cpu, f.pid
    rep.comm = _out(f.comm, from_bytes) if f.comm is not None else None
    rep.kernel_release = _out(f.release, from_bytes) if f.release is not None else None
    rep.hardware = _out(f.hardware, from_bytes) if f.hardware is not None else None
    if f.taint is not None:
        rep.taint = f.taint
        rep.taint_flags = decode_taint(f.taint, suse=f.suse)
    return f.pid is None and f.cut_pid_cpu is not None
