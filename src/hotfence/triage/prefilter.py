"""Triage a log of any size in bounded memory: scan once for candidate regions, parse only those.

The parser (``parse_log``) wants one text; a log may be gigabytes, mostly lines that are
not crashes. This module streams the log's blocks of complete lines
(:func:`hotfence.triage.reader.line_blocks`) and finds, in one pass over the bytes
(Aho-Corasick in Rust, ``ahocorasick_rs``), every *point*: a line holding one of the
parser's report-start needles that a kind of the ``oopses`` table accepts, a memory
event the parser lists as context, or the console-hangup marker. Only the text around
points is handed to ``parse_log``, and the results are exactly those of parsing the
whole log at once (tests/test_prefilter.py checks it on the corpus and the lab logs):

* The parser reads at most ``REACH`` lines from a report's header (``JOURNAL_REACH`` in
  a journal printed a field a line) and ``PREFIX`` lines
  before it (``KEEP`` before an OOM kill, whose report holds the oom-killer dump before
  it). When a stretch of ``REACH + KEEP`` lines holds no point, nothing before it
  can influence anything after it: the text up to there is parsed as one *segment* and
  dropped, and filler without points is never parsed at all.
* A segment that grows past ``chunk_bytes`` (crashes closer than ``REACH`` lines all
  along) is parsed and cut at a report the parse has fully seen: the reports before the
  first one that may reach past the buffer are final, and the next parse starts at the
  header of an earlier final report, so its chain of reports is the whole log's.
* What the parser carries across a cut is carried by hand: the events since the last
  crash (a crash's ``context``; of each kind, two lines that stand for all its
  printings), the OOM kills no crash followed yet, the last boot
  banner (the release of reports that name none), whether the console hung up
  anywhere (which marks every crash report as corrupted), and the kernel records the
  crash reports taken so far start with (a report of one again is dropped as a reprint,
  ``parser.new_record``).

Two cases are not exact: a memory-event line that also starts a report (``Kernel panic -
not syncing: Out of memory``) is not carried across a cut as the next crash's context;
and of more than ``_CARRY_KINDS`` kinds of event between two crashes, an old kind not
carried that comes again after a cut is counted from there on only.

Memory is bounded by ``chunk_bytes`` plus one block, except in a log whose reports never
leave a fully-seen report ``PREFIX`` lines apart (then a segment grows until it can cut).
"""

from __future__ import annotations

import bisect
import heapq
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import BinaryIO

import ahocorasick_rs

# The parser's own tables and bounds: the regions found here must be the ones it would
# look at. (They move with the parser; ImportError here means "re-point these".)
from hotfence.triage.extract import (
    _MAIL_WIDTH_MIN,
    _MAX_REPORT_LINES,
    _PREFIX_LINES_TASK,
    _WRAP_SPAN,
    CLOCK_SKEW_MAX,
    JOURNAL_FIELD_LINES,
    RecordKey,
    is_oom_dump_start,
)
from hotfence.triage.lines import (
    is_crash_sys_panic,
    is_journal_boot_line,
    is_journal_message,
    journal_boot_ids,
    journal_host,
    make_line,
    monotonic_restarts,
    plain_line,
    record_text,
)
from hotfence.triage.model import Report
from hotfence.triage.oopses import MINOR_HEADS, MINOR_TITLES, OOPSES
from hotfence.triage.parser import (
    _BANNER,
    _BANNER_RE,
    _GCE_HANGUP,
    _JOURNAL_BOOT_MARKERS,
    _MAX_CONTEXT_EVENTS,
    _OOM_BLOCK_LINES,
    WaitEpisodes,
    _best_copy,
    _same_lines,
    banner_release,
    cut_by_hangup,
    event_kind,
    header_cut_before,
    mark_hung_up,
    new_record,
    parse_log,
    record_key,
)
from hotfence.triage.reader import (
    DEFAULT_LIMITS,
    Block,
    InputError,
    LineCut,
    ReadLimits,
    Records,
    line_blocks,
    open_input,
    raw_blocks,
)
from hotfence.triage.scan import (
    CONTEXT_MARKERS,
    SCAN_NEEDLES,
    byte_message_positions,
    prefixed_row,
)
from hotfence.triage.spill import ReportSpill

# Lines the parser may read from a report's header on, and before it (its prefix scan
# looks back at most 4 * want + 50 lines), plus one for the line the read stops at.
REACH = _MAX_REPORT_LINES + 1
# The same in a journal printed a field a line, whose report headers are MESSAGE lines
# (extract.max_report_lines): from the first such point on, the stream's reach is this.
JOURNAL_REACH = _MAX_REPORT_LINES * JOURNAL_FIELD_LINES + 1
PREFIX = 4 * _PREFIX_LINES_TASK + 50 + 1
# Lines kept before the next point: an OOM-KILL report is the last _OOM_BLOCK_LINES lines
# from its dump's first line (extract.OOM_DUMP_STARTS), which may lie much further back
# (then carried).
KEEP = max(PREFIX, _OOM_BLOCK_LINES + 1)
# journalctl -o export: a record is its fields, "NAME=value" a line (systemd's
# JOURNAL_EXPORT_FORMATS; binary fields, a name then a length, are not the kernel's text)
_EXPORT_MESSAGE = b"MESSAGE="
_EXPORT_FIELD = re.compile(rb"[A-Z0-9_]+=")
# A report shows at most _MAX_CONTEXT_EVENTS kinds of event, but a kind printed before a
# cut may come again after it and be among the last then: the last this many kinds of
# each stream are carried (a log with more kinds between two crashes is rare).
_CARRY_KINDS = 50 * _MAX_CONTEXT_EVENTS
OOM_KILL = "OOM-KILL"

_CRASH_NEEDLES = tuple(n.encode() for n in SCAN_NEEDLES)
_EVENT_NEEDLES = tuple(n.encode() for n in CONTEXT_MARKERS)
_HANGUP = _GCE_HANGUP.encode()
# The boot banner names the release of the reports after it that name none (the parser's
# _release_from_banner); the latest one before a segment is carried in front of it. The
# parser looks for it, and for the hangup marker, only on the needle lines handed to it.
_ALL = (
    _CRASH_NEEDLES
    + _EVENT_NEEDLES
    + (_HANGUP, _BANNER.encode())
    + tuple(m.encode() for m in _JOURNAL_BOOT_MARKERS)
)
# Leftmost semantics let the library use its SIMD (Teddy) prefilter: ~4x the speed of
# standard matching here. Matches never span a newline (no needle holds one), so every
# line with a needle still gets at least one hit: that is all _hit_lines needs.
_MATCHER = ahocorasick_rs.BytesAhoCorasick(
    list(_ALL), matchkind=ahocorasick_rs.MATCHKIND_LEFTMOST_LONGEST
)


@dataclass
class _Point:
    line: int  # absolute 1-based line number
    offset: int  # of the line's start in the decompressed log
    event: bytes | None  # the raw line of a memory event that does not start a report
    crash: bool  # a line that may start a report
    # a boot banner: the events before it are the last boot's, no context of what follows
    boot: bool = False


@dataclass
class _Buffer:
    """The blocks kept for the next parse, with the lines of the points they hold."""

    blocks: list[Block] = field(default_factory=list)
    points: list[_Point] = field(default_factory=list)
    banners: list[tuple[int, bytes]] = field(default_factory=list)  # (line, raw line)
    # (log offset, line) of the lines holding a needle, points or not: the parser's scan
    # of the same lines starts from them instead of passing over the bytes again, and its
    # line numbers need no count of the newlines before them (_needle_lines).
    hits: list[tuple[int, int]] = field(default_factory=list)
    size: int = 0

    @property
    def first_line(self) -> int:
        return self.blocks[0].line

    @property
    def end_line(self) -> int:
        last = self.blocks[-1]
        return last.line + last.newlines

    def add(self, block: Block, points: list[_Point], hits: list[tuple[int, int]]) -> None:
        self.blocks.append(block)
        self.points += points
        self.hits += hits
        self.size += len(block.data)


# A carried event line and how many printings of its kind it stands for.
_Carried = tuple[bytes, int]


class StreamTriage:
    """Feed blocks (:meth:`feed`), then :meth:`finish` for the reports of the whole log."""

    def __init__(self, chunk_bytes: int = 32 << 20, jobs: int | None = None) -> None:
        self.chunk_bytes = chunk_bytes
        self.jobs = jobs  # processes per parse (parse_log's; None: one per usable CPU)
        self.buf = _Buffer()
        # Final crash reports, encoded and past a bound on disk: memory stays flat however
        # many reports a log holds.
        self.crashes = ReportSpill()
        self.ooms: list[Report] = []  # OOM kills after the last crash so far
        # Minor reports (oopses.MINOR_TITLES) after the last crash so far: a crash a later
        # parse reads in their boot takes each as context (parser._minor_as_context), one
        # that none follows is a report. Their first lines, by start, for that context.
        self.minors: list[Report] = []
        self.minor_lines: dict[int, str] = {}
        self.hangups: list[int] = []  # the lines of console hangup markers
        self.skip_before = -1  # reports starting before this offset were already taken
        self.last_point_line = 0
        # Raw lines of events since the last crash / the last report (either kind), each
        # with how many printings of its kind it stands for (_folded).
        self.since_crash: list[_Carried] = []
        self.since_report: list[_Carried] = []
        self.last_crash_end = 0
        self.last_report_end = 0
        self.fresh = True  # the buffer starts where no earlier report reaches
        self.banner: bytes | None = None  # the latest boot banner before the buffer
        # The line of every boot's start so far (a boot banner, a journal's boot change):
        # an OOM kill with one between it and the next crash ended its boot, and is a
        # report (parser._boot_tail_ooms).
        self.boot_lines: list[int] = []
        self.journal_boot: str | None = None  # the boot the last journal entry named
        # a journalctl -o short-monotonic log (lines.journal_host, judged at the first
        # block naming the kernel), and its last line's monotonic time
        self.monotonic: bool | None = None
        self.last_monotonic: float | None = None
        # The kernel records that crash reports taken so far start with (parser.record_key):
        # a report of one of them again is that report printed again, as parse_log has it.
        self.records: set[int] = set()
        # Of those records (stamped; bare: their text without the time), the index in
        # ``crashes`` of the report taken: a later copy of it that holds more of it takes
        # its place (parser._best_copy), as parse_log has it however far apart they are.
        self.taken: dict[int, int] = {}
        self.taken_bare: dict[int, int] = {}
        self.kept: dict[int, RecordKey] = {}  # a kept crash's start -> its record, to take
        self.replaced = False  # whether a report took the place of one taken before
        self.copied = False  # whether one did in this parse
        # a parsed report's start -> its record_key (None for a crash "sys" quote)
        self.keys: dict[int, RecordKey | None] = {}
        # The starts of reports taken that are a crash "sys" PANIC field's quote of the
        # crash (parser.without_quoted_panics): dropped at the end if any other is taken.
        self.quoted: set[int] = set()
        # The unregister_netdevice waits taken so far: a wait's reprint in a later segment
        # is no report, as parse_log has it (parser.WaitEpisodes); a parsed report's start
        # -> its lines.
        self.waits = WaitEpisodes()
        self.raws: dict[int, str] = {}
        self.reach = REACH  # JOURNAL_REACH once a report header is a journal's MESSAGE line

    # --- input --------------------------------------------------------------------------

    def feed(self, block: Block) -> None:
        points, hits = self._points(block)
        if points:
            self.last_point_line = points[-1].line
        self.buf.add(block, points, hits)
        if not self.buf.points:
            self._drop_to_prefix()
            return
        if self.buf.end_line - self.last_point_line > self.reach + KEEP:
            # Nothing after the last point's reach depends on what came before it.
            self._parse_segment()
            self._drop_to_prefix()
        elif self.buf.size > self.chunk_bytes:
            self._parse_chunk()

    def finish(self) -> ReportSpill:
        """Every report of the log, in order (the stream is done with after this)."""
        if self.buf.points:
            self._parse_segment()
        # the OOM kills and minor reports no crash followed: reports
        tail = sorted(self.minors + self.ooms, key=lambda r: r.start)
        self.minors, self.ooms = [], []
        crashes = self.crashes
        if self.hangups:
            # The crash a hangup may have cut (parser.cut_by_hangup, here by lines: a
            # marker on a header's line is after its start): rewritten once, at the end.
            # (An OOM kill a reboot ended is no crash report.)
            starts = [r.start_line for r in chain(self.crashes, tail) if r.type != OOM_KILL]
            cut = cut_by_hangup(starts, self.hangups)
            crashes = ReportSpill()
            n = 0
            for rep in chain(self.crashes, tail):
                if rep.type != OOM_KILL:
                    if n in cut:
                        mark_hung_up(rep)
                    n += 1
                crashes.append(rep)
            self.crashes.close()
        else:
            crashes.extend(tail)
        if self.replaced:
            # (a later copy took an earlier one's place: parse_log has the reports in the
            # order of their starts)
            order = sorted(range(len(crashes)), key=lambda i: crashes[i].start)
            if order != sorted(order):
                kept = ReportSpill(crashes[i] for i in order)
                crashes.close()
                crashes = kept
        if self.quoted and any(r.start not in self.quoted for r in crashes):
            # (parser.without_quoted_panics, a report at a time: the spill may be on disk)
            kept = ReportSpill(r for r in crashes if r.start not in self.quoted)
            crashes.close()
            crashes = kept
        return crashes

    def so_far(self) -> ReportSpill:
        """The reports final so far, when the rest of the log cannot be read."""
        self.crashes.extend(sorted(self.minors + self.ooms, key=lambda r: r.start))
        return self.crashes

    def _points(self, block: Block) -> tuple[list[_Point], list[tuple[int, int]]]:
        """The point lines of a block and the (offset, line) of all its lines holding a
        needle; notes a console hangup."""
        data = block.data
        points: list[_Point] = []
        hits: list[tuple[int, int]] = []
        line = block.line
        counted = 0
        mapper = _OffsetMap([block]) if block.cuts else None
        for start, raw in _hit_lines(data):
            text = record_text(raw)  # a JSON journal record's MESSAGE, as scan reads it
            crash = any(kind.matches_line(text) for kind in OOPSES) or _cut_header(data, start)
            event = any(m in raw for m in CONTEXT_MARKERS)
            line += data.count(b"\n", counted, start)
            counted = start
            boot = False
            if _BANNER in raw:
                banner = _whole_banner(data, start, raw)
                self.buf.banners.append((line, banner.encode("latin-1")))
                self.boot_lines.append(line)
                boot = _BANNER_RE.search(banner) is not None
            elif raw.startswith(_JOURNAL_BOOT_MARKERS) and is_journal_boot_line(raw):
                self.boot_lines.append(line)
                boot = True
            if crash and is_journal_message(raw):
                self.reach = JOURNAL_REACH
            offset = mapper.offset(start) if mapper else block.offset + start
            hits.append((offset, line))
            if _GCE_HANGUP in raw:
                self.hangups.append(line)
            elif not crash and not event and not boot:
                continue
            points.append(
                _Point(
                    line,
                    offset,
                    raw.encode("latin-1") if event and not crash else None,
                    crash,
                    boot,
                )
            )
        changes = self._journal_boot_changes(block, mapper)
        if changes:
            self.boot_lines = sorted(self.boot_lines + [p.line for p in changes])
            points = sorted(points + changes, key=lambda p: p.line)
        return points, hits

    def _journal_boot_changes(self, block: Block, mapper: _OffsetMap | None) -> list[_Point]:
        """A point at each line of ``block`` where a journal's next boot starts
        (parser._boots): an entry whose ``_BOOT_ID`` is not the last entry's, a
        short-monotonic line whose time went back."""
        data = block.data
        starts: list[int] = []
        text = ""
        if self.monotonic is None and b" kernel: " in data:
            self.monotonic = journal_host(data.decode("latin-1")) is not None
        if self.monotonic:
            text = data.decode("latin-1")
            starts, self.last_monotonic = monotonic_restarts(
                text, self.last_monotonic, CLOCK_SKEW_MAX
            )
        named = data.count(b"_BOOT_ID")
        last = self.journal_boot
        if named and not (last is not None and _all_of_boot(data, last, named)):
            text = text or data.decode("latin-1")
            for start, boot in journal_boot_ids(text).items():
                if last is not None and boot != last:
                    starts.append(start)
                last = boot
            self.journal_boot = last
        return [
            _Point(
                block.line + text.count("\n", 0, start),
                mapper.offset(start) if mapper else block.offset + start,
                None,
                False,
                True,
            )
            for start in sorted(starts)
        ]

    # --- parsing --------------------------------------------------------------------------

    def _window(self, carry: list[_Carried]) -> tuple[bytes, int, int, dict[int, int]]:
        """The text to parse: carried lines, then the buffer (and their sizes, and the
        weights of the carried lines that stand for more than one printing)."""
        first = self.buf.blocks[0].line
        banner = self.banner
        for line, raw in self.buf.banners:
            if line < first:
                banner = raw
        if banner is not None:
            carry = [(banner, 1), *carry]
        weights: dict[int, int] = {}
        at = 0
        for raw, weight in carry:
            if weight != 1:
                weights[at] = weight
            at += len(raw) + 1
        head = b"".join(raw + b"\n" for raw, _ in carry)
        # One join: the buffer is up to chunk_bytes, and each copy of it costs.
        text = b"".join([head, *(b.data for b in self.buf.blocks)])
        return text, len(head), len(carry), weights

    def _parse(self, carry: list[_Carried]) -> list[Report]:
        text, head_len, head_lines, weights = self._window(carry)
        reports = parse_log(text, self.jobs, self._needle_lines(text, head_len), weights)
        mapper = _OffsetMap(self.buf.blocks)
        out: list[Report] = []
        for rep in reports:
            if rep.start < head_len:
                continue  # a report of the carried lines: taken when they were read
            start = rep.start
            nl = text.find(b"\n", start)
            head = text[start : nl if nl != -1 else len(text)].decode("latin-1")
            key = record_key(head, 0)
            rep.start = mapper.offset(rep.start - head_len)
            if is_crash_sys_panic(head):
                self.quoted.add(rep.start)
            self.keys[rep.start] = None if rep.start in self.quoted else key
            self.raws[rep.start] = text[start : rep.end].decode("latin-1")
            if rep.title.startswith(MINOR_TITLES):
                ls = text.rfind(b"\n", 0, start) + 1
                line = text[ls : nl if nl != -1 else len(text)].decode("latin-1")
                self.minor_lines[rep.start] = make_line(line, ls, 0).text.strip()
            rep.end = mapper.offset(rep.end - head_len)
            if rep.start_line:
                rep.start_line += self.buf.first_line - 1 - head_lines
                rep.end_line += self.buf.first_line - 1 - head_lines
            out.append(rep)
        return out

    def _needle_lines(self, text: bytes, head_len: int) -> list[tuple[int, int]] | None:
        """The start and 1-based number of the lines of ``text`` (``_window``'s:
        ``head_len`` bytes of carried lines, then the buffer) that may hold a needle:
        every carried line (a few), the buffer's from ``hits``. None when its blocks do
        not follow one another byte for byte in the log (a long line cut): then the
        parser scans the text."""
        blocks = self.buf.blocks
        base = at = blocks[0].offset
        for block in blocks:
            if block.cuts or block.offset != at:
                return None
            at += len(block.data)
        head: list[tuple[int, int]] = []
        at_line = 0
        while at_line < head_len:
            head.append((at_line, len(head) + 1))
            at_line = text.index(b"\n", at_line) + 1
        hits = self.buf.hits
        lo, hi = bisect.bisect_left(hits, (base,)), bisect.bisect_left(hits, (at,))
        first = blocks[0].line - len(head) - 1  # a buffer line's number in the text, less
        return head + [(head_len + off - base, line - first) for off, line in hits[lo:hi]]

    def _parse_segment(self) -> None:
        """Parse the buffer up to the last point's reach; every report in it is final."""
        # Lines past the reach of the last point's report are never read by the parser:
        # leave them out of its text (they are still kept as the next prefix).
        kept = self.buf.blocks
        blocks = _head_to_line(kept, self.last_point_line + self.reach)
        if self.fresh:
            # Likewise before the first point: its report looks back PREFIX lines, an
            # OOM kill (or what follows a hangup line) up to KEEP.
            first = self.buf.points[0]
            blocks = _from_line(blocks, first.line - (PREFIX if first.crash else KEEP))
        self.buf.blocks = blocks
        try:
            self._parse_segment_text()
        finally:
            self.buf.blocks = kept

    def _parse_segment_text(self) -> None:
        reports = self._parse(self.since_crash if self.fresh else [])
        crashes = [r for r in reports if r.type != OOM_KILL and r.start >= self.skip_before]
        crashes = self._new_records(crashes)
        if self.fresh and not crashes and self.since_report != self.since_crash:
            # No crash here: its OOM kills' context runs from the previous report instead.
            reports = self._parse(self.since_report)
            crashes = []
        ooms = [r for r in reports if r.type == OOM_KILL]
        if crashes:
            last = crashes[-1].start
            self._take(crashes, [r for r in ooms if r.start < last])
            ooms = [r for r in ooms if r.start > last]
            self.ooms = ooms
            self.last_crash_end = max(r.end for r in crashes)
        else:
            self.ooms += ooms
        ends = [r.end for r in crashes + ooms]
        if ends:
            self.last_report_end = max(self.last_report_end, *ends)
        copied, self.copied = self.copied, False
        self._collect_events(bool(crashes) or copied, bool(crashes or ooms))
        self.skip_before = -1

    def _collect_events(self, had_crash: bool, had_report: bool) -> None:
        """Remember the raw event lines after the last crash / report for the next segment.

        Event lines that also start a report are left out: carried in front of the next
        segment they would start a report there (a rare case, the only inexact one).
        """
        if had_crash:
            self.since_crash = []
        if had_report:
            self.since_report = []
        for point in self.buf.points:
            if point.boot:
                self.since_crash, self.since_report = [], []  # (parser._Events.between)
            if point.event is None:
                continue
            if point.offset >= self.last_crash_end:
                self.since_crash.append((point.event, 1))
            if point.offset >= self.last_report_end:
                self.since_report.append((point.event, 1))
        # A report shows each kind of event before it once (parser._Events.between):
        # carry what that needs.
        self.since_crash = _folded(self.since_crash)
        self.since_report = _carried(self.since_report)

    def _parse_chunk(self) -> None:
        """Parse a long buffer and keep only what the next parse must redo."""
        reports = self._parse([] if not self.fresh else self.since_crash)
        crashes = [r for r in reports if r.type != OOM_KILL]
        ooms = [r for r in reports if r.type == OOM_KILL and r.start >= self.skip_before]
        end_line = self.buf.end_line
        pending = [r for r in crashes if r.start_line + self.reach > end_line]
        final = [r for r in crashes if r.start_line + self.reach <= end_line]
        first_pending = pending[0] if pending else None
        limit_line = (first_pending.start_line if first_pending else end_line) - PREFIX
        anchors = [r for r in final if 0 < r.start_line <= limit_line]
        if not anchors or anchors[-1].start <= self._buffer_start_offset():
            self.chunk_bytes *= 2  # no report to restart from yet: read on
            return
        anchor = anchors[-1]
        keep_from = first_pending.start if first_pending else None
        taken = self._new_records(
            [
                r
                for r in final
                if r.start >= self.skip_before and (keep_from is None or r.start < keep_from)
            ]
        )
        if taken:
            last = taken[-1].start
            self._take(taken, [r for r in ooms if r.start < last])
        self.ooms = []
        if taken:
            self.last_crash_end = max(r.end for r in taken)
            self.last_report_end = max(self.last_report_end, self.last_crash_end)
        # The next parse starts at the anchor's header and skips what was taken.
        self.skip_before = max(
            self.skip_before,
            keep_from if keep_from is not None else max(r.start for r in final) + 1,
        )
        self._drop_before_line(self._record_start_line(anchor))
        self.fresh = False
        self.since_crash = []
        self.since_report = []
        self.copied = False

    def _take(self, crashes: list[Report], rebooted: list[Report]) -> None:
        """Make ``crashes`` final, with the OOM kills a reboot parted from the crash after
        them: ``rebooted``, of the same parse (the parser gives a kill a crash followed
        only then), and those still pending from earlier parses with a boot banner
        between them and the first of ``crashes``."""
        first = crashes[0].start_line
        ended = [
            r for r in self.ooms if any(r.end_line < at < first for at in self.boot_lines[::-1])
        ]
        self.ooms = []
        for rep in sorted(ended + rebooted + self._minors_to(crashes), key=lambda r: r.start):
            key = self.kept.pop(rep.start, None)
            if key is not None:
                self.taken.setdefault(hash(key), len(self.crashes))
                self.taken_bare.setdefault(hash((None, key[1])), len(self.crashes))
            self.crashes.append(rep)

    def _minors_to(self, crashes: list[Report]) -> list[Report]:
        """``crashes`` (one parse's, in order) less the minor reports at their end, which
        now wait for a crash (``minors``), plus the minors that waited and are now final
        reports: each with a boot banner after it (before the first of ``crashes``, or
        any when they are all minor). Each other one that waited is the context of the
        first crash of ``crashes`` (parser._minor_as_context), before the minor lines its
        own parse gave it: they came after."""
        n = len(crashes)
        while n and crashes[n - 1].title.startswith(MINOR_TITLES):
            n -= 1
        crashes, held = crashes[:n], crashes[n:]
        until = crashes[0].start_line if crashes else None
        waiting = self.minors if crashes else self.minors + held
        final = [
            m
            for m in waiting
            if any(m.start_line < at and (until is None or at <= until) for at in self.boot_lines)
        ]
        waiting = [m for m in waiting if m not in final]
        if crashes and waiting:
            context = crashes[0].context
            own = len(context)
            while own and context[own - 1].startswith(MINOR_HEADS):
                own -= 1
            context[own:own] = [self.minor_lines[m.start] for m in waiting]
        self.minors = held if crashes else waiting
        self.minor_lines = {m.start: self.minor_lines[m.start] for m in self.minors}
        return final + crashes

    def _new_records(self, crashes: list[Report]) -> list[Report]:
        """The crash reports whose first record was not in a report taken before, less the
        reprints of an unregister_netdevice wait taken before."""
        keys, self.keys = self.keys, {}
        raws, self.raws = self.raws, {}
        out: list[Report] = []
        for r in crashes:
            key = keys.get(r.start)
            if not new_record(self.records, key):
                if key is not None:
                    self._better_copy(r, key)
            elif not self.waits.repeats(r.title, raws.get(r.start, "")):
                if key is not None and key[0] is not None:
                    self.kept[r.start] = key
                out.append(r)
        return out

    def _better_copy(self, rep: Report, key: RecordKey) -> None:
        """``rep``, a copy of a report taken (its first record read before), takes that
        report's place when it holds more of it (parser._best_copy): a console cut short,
        then ``dmesg`` (or ``journalctl -k``, ``dmesg --notime``: its lines the taken
        report's, parser._same_lines) far on, past what one parse reads."""
        if key[0] is not None:
            at = self.taken.get(hash(key), -1)
        else:
            at = self.taken_bare.get(hash(key), -1)
        if at < 0:
            return
        first = self.crashes[at]
        if (key[0] is not None or _same_lines(rep, first)) and _best_copy(first, rep):
            rep.context = first.context
            self.crashes.replace(at, rep)
            self.replaced = True
            # (the next crash's context runs from this copy's end, parser._parse's prev_end)
            self.last_crash_end = max(self.last_crash_end, rep.end)
            self.copied = True

    def _buffer_start_offset(self) -> int:
        return self.buf.blocks[0].offset

    # --- dropping text -----------------------------------------------------------------------

    def _drop_to_prefix(self) -> None:
        """Keep only the last KEEP lines (the next point's report may look back at them)."""
        self._drop_before_line(max(self.buf.end_line - KEEP, self.buf.first_line))
        self.buf.points = []
        self.fresh = True

    def _record_start_line(self, rep: Report) -> int:
        """The first line of the record ``rep``'s header is in. `journalctl -o export`
        prints a record's fields a line each: its MESSAGE= line is the kernel's only by
        the fields before it (_TRANSPORT=kernel, SYSLOG_IDENTIFIER=kernel), so the next
        parse must start with them. Any other header is its record's one line."""
        line = rep.start_line
        for block in self.buf.blocks:
            pos = rep.start - block.offset
            if block.cuts or not 0 <= pos < len(block.data):
                continue
            data = block.data
            if not data.startswith(_EXPORT_MESSAGE, pos):
                return line
            while pos > 0:  # back over the fields before it, to the blank line between records
                start = data.rfind(b"\n", 0, pos - 1) + 1
                if _EXPORT_FIELD.match(data, start) is None or start == pos - 1:
                    break
                pos, line = start, line - 1
        return line

    def _drop_before_line(self, line: int) -> None:
        blocks = self.buf.blocks
        while len(blocks) > 1 and blocks[1].line <= line:
            blocks.pop(0)
        first = blocks[0]
        if first.line < line:
            blocks[0] = _tail_from_line(first, line)
        self.buf.size = sum(len(b.data) for b in blocks)
        self.buf.points = [p for p in self.buf.points if p.line >= line]
        del self.buf.hits[: bisect.bisect_left(self.buf.hits, (blocks[0].offset,))]
        for at, raw in self.buf.banners:
            if at < line:
                self.banner = raw
        self.buf.banners = [(at, raw) for at, raw in self.buf.banners if at >= line]


def _all_of_boot(data: bytes, boot: str, named: int) -> bool:
    """Does each of the ``named`` "_BOOT_ID"s of ``data`` name ``boot`` (in export's,
    json's or json-pretty's shape)? Most blocks of a journal hold one boot's entries,
    the last block's: three counts tell, with no look at each entry."""
    value = boot.encode()
    shapes = (b"_BOOT_ID=", b'_BOOT_ID":"', b'_BOOT_ID" : "', b'_BOOT_ID": "')
    return sum(data.count(shape + value) for shape in shapes) == named


def _carried(events: list[_Carried]) -> list[_Carried]:
    """The events since the last report that a report after a cut can still show.

    An OOM kill after the cut starts its report at its dump's latest first line
    (extract.OOM_DUMP_STARTS) and shows the events before that line; any report shows the
    events right before it. So: the latest such line, and the events before it and after
    it, each folded (bounded however many the log holds).
    """
    at = next(
        (
            i
            for i in range(len(events) - 1, -1, -1)
            if is_oom_dump_start(events[i][0].decode("latin-1"))
        ),
        None,
    )
    if at is None:
        return _folded(events)
    return [*_folded(events[:at]), events[at], *_folded(events[at + 1 :])]


def _folded(events: list[_Carried]) -> list[_Carried]:
    """``events`` (raw lines, each standing for ``weight`` printings), as few lines that
    give a report after them the same context (parser._Events.between): of each kind of
    event, kernel lines and unprefixed lines apart (the parser drops unprefixed lines
    before a prefixed crash), its first line standing for all printings but the last,
    and its last line, in log order. The first kind and the last ``_CARRY_KINDS`` of
    each are kept: a kind older than those that comes again after the cut is shown
    from there on only (its count and first time short), the one inexact case.
    """
    kinds: dict[tuple[bool, str], list[int]] = {}  # key -> [first, last, count]
    for i, (raw, weight) in enumerate(events):
        line = make_line(raw.decode("latin-1"), 0, 0)
        key = (line.context != "", event_kind(line.text.strip()))
        kind = kinds.get(key)
        if kind is None:
            kinds[key] = [i, i, weight]
        else:
            kind[1] = i
            kind[2] += weight
    kept: list[list[int]] = []
    for prefixed in (True, False):
        mine = [k for key, k in kinds.items() if key[0] == prefixed]
        latest = sorted(mine[1:], key=lambda k: k[1])[-_CARRY_KINDS:]
        kept += mine[:1] + latest
    out: list[tuple[int, _Carried]] = []
    for first, last, count in kept:
        if first == last:
            out.append((first, (events[first][0], count)))
        else:
            out.append((first, (events[first][0], count - events[last][1])))
            out.append((last, events[last]))
    return [carried for _, carried in sorted(out, key=lambda o: o[0])]


def _whole_banner(data: bytes, start: int, raw: str) -> str:
    """The boot banner line ``raw`` (at ``start`` in ``data``), carried alone in front of
    later segments: with the rows after it joined to it when a wrap cut it after
    "version" or after the release, its " (" a line break (a bug tracker's or mail
    client's wrap: the parser's _BANNER_RE reads the rows as one banner, the carried line
    must hold them all). A reply's rewrap of a first wrap at 78 cuts it twice: "...
    Linux version", "> 6.1.0-50-5kc-malta" alone in a short row, "> (debian-kernel@...":
    init/version.c linux_banner (6.1) "Linux version " UTS_RELEASE " (" ... after a
    syslog prefix and a printk time, three rows the parser reads as one banner too."""
    if _BANNER_RE.search(raw) is not None:
        return raw
    rows = [raw]
    end = data.find(b"\n", start)
    for _ in range(2):
        if end == -1:
            return raw
        after = data.find(b"\n", end + 1)
        rows.append(
            plain_line(data[end + 1 : after if after != -1 else len(data)].decode("latin-1"))
        )
        end = after
        joined = "\n".join(rows)
        if (m := _BANNER_RE.search(joined)) is not None and m.start() < len(raw):
            # the release and the rest of the last row, a reply's quote marks left out
            return f"{joined[: m.start()]}{_BANNER} {banner_release(m)} ({joined[m.end() :]}"
    return raw


# A mail client's or Bugzilla's wrap at 72-79 columns cuts a header before the words
# that make it one, its needle left on the cut row: mm/kmemleak.c print_unreferenced()'s
# "unreferenced object 0x%08lx (size %zu):" after a syslog prefix goes on "32):" in the
# next row, no kind's line alone (the parser reads the two as one, scan._wrapped_header).
# Only a row as narrow as a wrap's, quotes included (79 and a reply's "> > > "), is cut.
# A reply's rewrap of a first wrap at 78 (scan._rewrapped_header) leaves a short row
# between: "> ... unreferenced object 0xff60000003991ac0", "> (size", "> 32):". The row
# after the next is read too. A wrap narrower than 71 columns shows its width only in
# the rows around the cut (extract._narrow_cut): a row that narrow, going on in a row of
# no prefix, is read again with them.
_CUT_ROW_MAX = 85


def _cut_header(data: bytes, start: int) -> bool:
    """Is the needle's row at ``start`` a header a wrap cut, its rest in the next row
    or the two after it (see above)?"""
    end = data.find(b"\n", start, start + _CUT_ROW_MAX + 1)
    if end == -1:
        return False
    nxt = data.find(b"\n", end + 1, end + 2 + _CUT_ROW_MAX)
    if nxt != -1 and (third := data.find(b"\n", nxt + 1, nxt + 2 + _CUT_ROW_MAX)) != -1:
        nxt = third
    rows = data[start : nxt if nxt != -1 else end + 2 + _CUT_ROW_MAX].decode("latin-1")
    if header_cut_before(rows, end + 1 - start) or _cut_before_needle(data, start, end):
        return True
    prev = data.rfind(b"\n", 0, start - 1) + 1 if start else start
    # (the needle's row itself may be the rest, the row before it cut narrower: MIPS's
    # "Kernel bug" then "detected[#1]:"; after a report's header, extract keeps the
    # joined line in that report, scan._header_line)
    before = (
        prev < start
        and start - 1 - prev < _MAIL_WIDTH_MIN
        and not data[start : start + 1].isspace()
        and not prefixed_row(rows, 0)
    )
    after = end - start < _MAIL_WIDTH_MIN and not data[end + 1 : end + 2].isspace()
    if not before and not (after and rows[1:]):
        return False
    lo = max(0, (prev if before else start) - _WRAP_SPAN)
    around = data[lo : end + 1 + _WRAP_SPAN].decode("latin-1")
    return (after and header_cut_before(around, end + 1 - lo)) or (
        before and header_cut_before(around, start - lo)
    )


def _cut_before_needle(data: bytes, start: int, end: int) -> bool:
    """Is the needle's row at ``start`` (ending at ``end``) the rest of a header a wrap
    cut from the row before it, or from the two before it (a reply's rewrap, see above)?
    The parser reads them as one (scan._candidates, the needle's row with the rows
    before it): "> > ... [  412.101442] Kernel bug", "> > detected[#1]:" (see
    scan._WRAPPED_ROW_MAX), the needle "[#" in the rest alone, no kind's line."""
    if start == 0:
        return False
    lo = data.rfind(b"\n", max(0, start - 2 - _CUT_ROW_MAX), start - 1) + 1
    if lo == 0 and start - 1 > _CUT_ROW_MAX:
        return False  # (a row wider than a wrap's: no wrap cut it)
    if lo and (up := data.rfind(b"\n", max(0, lo - 2 - _CUT_ROW_MAX), lo - 1)) != -1:
        lo = up + 1
    return header_cut_before(data[lo:end].decode("latin-1"), start - lo)


def _hit_lines(data: bytes) -> Iterator[tuple[int, str]]:
    """(start, text) of each line of ``data`` holding a needle, once per line.

    The text is decoded as latin-1, as the parser does, so the table's tests apply as is.
    """
    last = -1
    positions: Iterable[int] = (pos for _idx, pos, _end in _MATCHER.find_matches_as_indexes(data))
    extra = byte_message_positions(data)  # (a JSON journal's lines no needle finds)
    if extra:
        positions = heapq.merge(positions, extra)
    for pos in positions:
        start = data.rfind(b"\n", 0, pos) + 1
        if start == last:
            continue
        last = start
        nl = data.find(b"\n", pos)
        yield start, plain_line(data[start : nl if nl != -1 else len(data)].decode("latin-1"))


def _head_to_line(blocks: list[Block], line: int) -> list[Block]:
    """The blocks up to and including line ``line`` (the last one cut after it)."""
    out: list[Block] = []
    for block in blocks:
        if block.line + block.newlines <= line:
            out.append(block)
            continue
        if block.line <= line:
            end = _line_start(block, line + 1)
            out.append(
                Block(
                    block.offset,
                    block.line,
                    block.data[:end],
                    [c for c in block.cuts if c.offset < _OffsetMap([block]).offset(end)],
                )
            )
        break
    return out


def _from_line(blocks: list[Block], line: int) -> list[Block]:
    """The blocks from line ``line`` on (the first one cut before it)."""
    out = [b for b in blocks if b.line + b.newlines > line or b is blocks[-1]]
    if out and out[0].line < line:
        out[0] = _tail_from_line(out[0], line)
    return out


def _line_start(block: Block, line: int) -> int:
    """Offset in ``block.data`` of the start of its line number ``line``."""
    data = block.data
    skip = line - block.line  # newlines before the line we want
    total = block.newlines
    pos = 0
    if skip <= total - skip:
        for _ in range(skip):
            pos = data.index(b"\n", pos) + 1
    else:  # nearer the end (the usual case: keep the last PREFIX lines)
        pos = len(data)
        for _ in range(total - skip + 1):
            pos = data.rindex(b"\n", 0, pos)
        pos += 1
    return pos


def _tail_from_line(block: Block, line: int) -> Block:
    """The part of ``block`` from its line ``line`` on (offsets and cuts kept right)."""
    pos = _line_start(block, line)
    mapper = _OffsetMap([block])
    offset = mapper.offset(pos)
    cuts = [c for c in block.cuts if c.offset >= offset]
    return Block(offset, line, block.data[pos:], cuts)


class _OffsetMap:
    """Offsets in the concatenated buffer text -> offsets in the decompressed log."""

    def __init__(self, blocks: Iterable[Block]) -> None:
        self.starts: list[int] = []  # buffer offset where each block begins
        self.bases: list[int] = []  # its log offset
        self.cuts: list[tuple[int, int]] = []  # (buffer offset after the kept part, dropped)
        pos = 0
        for block in blocks:
            self.starts.append(pos)
            self.bases.append(block.offset)
            for cut in block.cuts:
                self.cuts.append((pos + _kept_at(block, cut), cut.dropped))
            pos += len(block.data)

    def offset(self, pos: int) -> int:
        i = bisect.bisect_right(self.starts, pos) - 1
        if i < 0:
            return pos
        base = self.bases[i] + (pos - self.starts[i])
        start = self.starts[i]
        end = self.starts[i + 1] if i + 1 < len(self.starts) else None
        for at, dropped in self.cuts:
            if start <= at <= pos and (end is None or at < end):
                base += dropped
        return base


def _kept_at(block: Block, cut: LineCut) -> int:
    """Offset in ``block.data`` where ``cut``'s dropped bytes were."""
    dropped_before = sum(c.dropped for c in block.cuts if c.offset < cut.offset)
    return cut.offset - block.offset - dropped_before


def triage_blocks(
    blocks: Iterable[Block], chunk_bytes: int = 32 << 20, jobs: int | None = None
) -> list[Report]:
    """The reports of a whole log given as blocks of lines (same as ``parse_log`` of it)."""
    stream = StreamTriage(chunk_bytes, jobs)
    for block in blocks:
        stream.feed(block)
    return list(stream.finish())


@dataclass
class InputResult:
    """One input triaged: its reports, the error that ended it early, long lines cut."""

    reports: Sequence[Report]
    error: str | None = None
    cuts: list[LineCut] = field(default_factory=list)


def triage_input(
    path: str | Records,
    stdin: BinaryIO | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    chunk_bytes: int = 32 << 20,
    jobs: int | None = None,
) -> InputResult:
    """Read, decompress and parse one input in bounded memory (``jobs``: see parse_log).

    An error part-way (corrupt data, the size cap, running out of memory) keeps the
    reports of the part read before it, and says what happened.
    """
    stream = StreamTriage(chunk_bytes, jobs)
    cuts: list[LineCut] = []
    try:
        with open_input(path, stdin) as raw:
            name = path.path if isinstance(path, Records) else path
            for block in line_blocks(raw_blocks(raw, name, limits), limits, cuts):
                stream.feed(block)
    except InputError as exc:
        return InputResult(_partial(stream), exc.reason, cuts)
    except MemoryError:
        # Drop the buffer first: what is left must fit to report the reports so far.
        stream.buf = _Buffer()
        return InputResult(
            stream.so_far(),
            "out of memory while reading it (the reports before that point are shown)",
            cuts,
        )
    return InputResult(stream.finish(), None, cuts)


def _partial(stream: StreamTriage) -> Sequence[Report]:
    try:
        return stream.finish()
    except MemoryError:
        return stream.so_far()
