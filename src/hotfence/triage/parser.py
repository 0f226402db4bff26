"""Find every crash report in a kernel console log and fill ``Report`` records.

Input: a whole console log / dmesg / ``journalctl -k`` / syslog text. Titles follow
syzkaller's Linux reporter (pkg/report), whose titles the corpus records:

1. *Pre-filter*: a few substrings that every oops header contains (``SCAN_NEEDLES``) are
   located with ``str.find`` over the whole text; only those lines are looked at further.
   This keeps big, mostly healthy logs fast.
2. The first header line that is not benign starts a report. Its lines are the following
   lines of the same printk context (task/CPU caller id, when the log has one) up to the
   next header line that does not continue the report (a ``Kernel panic`` right after a
   BUG does; another BUG does not). Unreliable `` ? `` frames are shown but left out of
   the title text.
3. The title comes from the first-matching format of that header's kind: its regexes and
   the first stack frame that is not a generic helper, then normalised (``titles``).
4. The report's own text (``text``, ``end``) stops at the next report, at an end marker
   (``---[ end trace``, ``Kernel Offset:``), or at a pause of more than 10 s in printk time.
5. The next report is searched from where this one stopped, so one log yields all of its
   crashes, each with the OOM kills / allocation failures seen since the previous one as
   ``context``; OOM kills that no crash follows become ``OOM-KILL`` reports of their own.

``parse_log`` never raises: an internal failure on a pathological report degrades to a
corrupted report rather than losing the others.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from . import oopses
from .lines import Line, caller_id, iter_lines, line_bounds, make_line
from .model import Frame, Report
from .oopses import OOPSES, PARSE_STACK, OopsKind, StackSpec
from .rust_demangle import demangle as demangle_rust
from .taint import decode_taint, extract_taint
from .titles import normalise

# Lines of context kept before a report (more with per-task caller ids: they are ours).
_PREFIX_LINES = 5
_PREFIX_LINES_TASK = 50
# A report of a task/CPU context continues past interleaved reports of others; bound it.
_MAX_REPORT_LINES = 3000
_MAX_REPORT_CHARS = 1 << 20
_MAX_CONTEXT_EVENTS = 20

# Lines after which a task's report has nothing more to say.
_REPORT_TERMINATORS = ("---[ end trace", "Kernel Offset:", "Rebooting in ", "---[ end Kernel panic")
_REPORT_TERMINATOR_RE = re.compile(
    "|".join(re.escape(t) for t in _REPORT_TERMINATORS)
)  # one pass per line

# Seconds of silence between two lines of one report after which it is over.
_REPORT_TIME_GAP = 10.0
# Lines of other contexts in a row after which a report is taken to be over.
_TASK_GAP_LINES = 150
# Lines still read after a report ended or the next one began (the panic, or the
# "Allocated by task" part of a KASAN report that another report interrupted).
_TAIL_LINES = 100
# A panic this close after a report's end trace is that crash's own panic.
_PANIC_GRACE_LINES = 8
# x86 prints the faulting registers again after "---[ end trace" (oops_end); those lines
# do not count against the grace above, so "Fatal exception" still joins its oops.
_REGISTER_DUMP_RE = re.compile(
    r"^\s*(?:RIP|RSP|RAX|RBX|RCX|RDX|RSI|RDI|RBP|R\d{1,2}|FS|GS|CS|DS|ES|CR\d|DR\d|PKRU|Code):?\s"
)
# Bound on a report's own text when nothing marks its end.
_MAX_OWN_LINES = 1500

_CORRUPTED_NO_FRAMES = "extracted no frames"
_GCE_HANGUP = "serialport: VM disconnected."

# Earlier events worth showing with a crash (memory pressure usually explains it).
_CONTEXT_MARKERS = (
    "oom-k",  # "invoked oom-killer", "oom-kill:constraint=..."
    "ut of memory",  # "Out of memory: Killed process", "Memory cgroup out of memory"
    "Killed process",
    "allocation failure",  # "page allocation failure", "vmalloc: allocation failure"
)

# One pass instead of one search per stack-start pattern.
_STACK_START_ANY = re.compile("|".join(f"(?:{r.pattern})" for r in oopses.STACK_START))


def _is_stack_start(line: str) -> bool:
    """``_STACK_START_ANY.search(line)``, with a literal pre-check (the regex has no
    literal prefix, so running it costs ~1 us per line; most lines hold no hint)."""
    for hint in _STACK_HINT_STEMS:
        if hint in line:
            return _STACK_START_ANY.search(line) is not None
    return False


# Shorter stems of oopses.STACK_START_HINTS: every hint contains one of them.
_STACK_HINT_STEMS = ("Call ", "Allocated", "Freed", "acktrace", "Uninit was stored", "status: ")
assert all(any(stem in h for stem in _STACK_HINT_STEMS) for h in oopses.STACK_START_HINTS)

_CORRUPTED_TITLE_RE = re.compile(r"\[ *[0-9]+\.[0-9]+\]")  # timestamp merged into title


# --- public API ---------------------------------------------------------------------------


def parse_log(text: str | bytes) -> list[Report]:
    """All crash reports in ``text``, in log order.

    ``text`` may be ``bytes`` (then offsets are byte offsets and report text is decoded
    as UTF-8 with replacement) or ``str`` (offsets are character offsets).
    """
    try:
        if isinstance(text, (bytes, bytearray, memoryview)):
            return _parse(bytes(text).decode("latin-1"), from_bytes=True)
        return _parse(str(text), from_bytes=False)
    except Exception as exc:
        return [
            Report(
                title="triage: internal error while parsing",
                type="UNKNOWN",
                corrupted=True,
                corrupted_reason=f"{type(exc).__name__}: {exc}",
            )
        ]


def contains_crash(text: str) -> bool:
    """Cheap check: does any line look like the start of a crash report?"""
    return bool(_candidates(text))


# --- candidate scan -----------------------------------------------------------------------


def _find_all(text: str, needle: str) -> list[int]:
    out: list[int] = []
    pos = text.find(needle)
    while pos != -1:
        out.append(pos)
        pos = text.find(needle, pos + len(needle))
    return out


# Substrings scanned for over the whole log: every oops header contains one of them, and
# few enough are used (shared stems like "BUG" or "panic") that the scan stays cheap.
SCAN_NEEDLES = (
    "BUG",
    "WARNING:",
    "INFO:",
    "Unable to handle kernel",
    "general protection fault",
    "stack segment: ",
    "panic",
    "PANIC: double fault",
    "error:",
    "invalid opcode:",
    "UBSAN:",
    "Booting the kernel.",
    "unregister_netdevice: waiting for",
    "VFS: ",
    "Unhandled fault:",
    "Alignment trap:",
    "SYZFA",
)  # "error:" stands for "divide error:", "divide_error:", "Internal error:", "fatal error:"
assert all(any(n in k.header for n in SCAN_NEEDLES) for k in OOPSES), (
    "a header escapes the pre-filter"
)


# The needles that start with a capital are found in one regex pass: the regex engine
# skips, in C, every position whose character cannot start one of them, and kernel logs
# are mostly lower case, so one pass costs less than a str.find pass per needle. The
# others (their first letters are common) are cheaper with str.find.
_SCAN_UPPER_RE = re.compile("|".join(re.escape(n) for n in SCAN_NEEDLES if n[:1].isupper()))
_SCAN_FIND = tuple(n for n in SCAN_NEEDLES if not n[:1].isupper())


def _candidates(text: str) -> dict[int, OopsKind]:
    """Line start -> the oops kind of that line, for every line that starts a report."""
    starts: set[int] = set()
    search = _SCAN_UPPER_RE.search
    m = search(text)
    while m is not None:
        pos = m.start()
        starts.add(text.rfind("\n", 0, pos) + 1)
        nl = text.find("\n", pos)
        if nl == -1:
            break
        m = search(text, nl + 1)  # one hit per line is enough
    for needle in _SCAN_FIND:
        last_line = -1
        for pos in _find_all(text, needle):
            if pos < last_line:
                continue
            start = text.rfind("\n", 0, pos) + 1
            starts.add(start)
            nl = text.find("\n", pos)
            last_line = len(text) if nl == -1 else nl  # one hit per line is enough
    result: dict[int, OopsKind] = {}
    for start in starts:
        end = text.find("\n", start)
        raw = text[start:] if end == -1 else text[start:end]
        for kind in OOPSES:  # table order decides when a line has two headers
            if kind.matches_line(raw):
                result[start] = kind
                break
    # A symbolised log repeats the header once per inlined frame:
    #   BUG: KASAN: use-after-free in ip6_dst_store include/net/ip6_fib.h:176 [inline]
    #   BUG: KASAN: use-after-free in tcp_v6_connect+0x1dfd/0x20f0 net/ipv6/tcp_ipv6.c:271
    # The repeats continue the first line's report.
    for start in sorted(result):
        if start == 0:
            continue
        prev_start = text.rfind("\n", 0, start - 1) + 1
        prev_kind = result.get(prev_start)
        if prev_kind is result[start] and " [inline]" in text[prev_start : start - 1]:
            del result[start]
    return result


def _context_events(text: str) -> list[tuple[int, int]]:
    """(line start, line end) of OOM kills and allocation failures, sorted."""
    spans: set[tuple[int, int]] = set()
    for marker in _CONTEXT_MARKERS:
        for pos in _find_all(text, marker):
            spans.add(line_bounds(text, pos))
    return sorted(spans)


# --- the per-report pipeline --------------------------------------------------------------


@dataclass
class _Extracted:
    header: Line
    kind: OopsKind
    prefix: list[Line]
    lines: list[Line]  # the report's own lines (header first)
    title_end: int  # lines[:title_end] feed the title
    own_end: int  # lines[:own_end] are the report's own; the rest only feed the corruption check
    next_pos: int  # where the search for the next report resumes


class _LineCounter:
    """1-based line numbers for increasing offsets, counting each newline once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def number(self, pos: int) -> int:
        if pos < self.pos:
            return self.text.count("\n", 0, pos) + 1
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


def _parse(text: str, from_bytes: bool) -> list[Report]:
    cands = _candidates(text)
    events = _context_events(text)
    if not cands:
        return _oom_reports(text, events, 0, from_bytes)
    order = sorted(cands)
    hangup = _GCE_HANGUP in text
    reports: list[Report] = []
    pos = 0
    prev_end = 0
    idx = 0
    counter = _LineCounter(text)
    while idx < len(order):
        start = order[idx]
        if start < pos:
            idx += 1
            continue
        try:
            ext = _extract(text, start, cands, order, idx, counter.number(start))
            rep = _build(text, ext, from_bytes)
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
            ext = None
        if hangup:
            rep.corrupted = True
            rep.corrupted_reason = (
                rep.corrupted_reason or "console connection lost (serialport: VM disconnected)"
            )
        rep.context = _events_between(text, events, prev_end, rep.start, from_bytes)
        reports.append(rep)
        prev_end = rep.end
        pos = ext.next_pos if ext is not None else text.find("\n", start) + 1 or len(text)
        if pos <= start:  # always make progress
            pos = start + 1
        idx += 1
    # OOM kills that no crash followed are what the log has to say at its end.
    tail_from = max((r.end for r in reports), default=0)
    return reports + _oom_reports(text, events, tail_from, from_bytes)


_KILLED_RE = re.compile(
    r"(?P<memcg>Memory cgroup out of memory: )?(?:Out of memory: )?Kill(?:ed)? process (?P<pid>\d+) \((?P<comm>[^)]*)\)"
)
_OOM_BLOCK_LINES = 2000  # an oom-killer dump (Mem-Info, task list) rarely exceeds this


def _oom_reports(
    text: str, events: list[tuple[int, int]], lo: int, from_bytes: bool
) -> list[Report]:
    """One OOM-KILL report per process the OOM killer killed after offset ``lo``.

    The report spans from the ``invoked oom-killer`` line that started the dump (when
    found) to the ``Killed process`` line; earlier memory events are its context.
    """
    out: list[Report] = []
    block_start: int | None = None
    prev_end = lo
    counter = _LineCounter(text)
    for s, e in events:
        if s < lo:
            continue
        line = text[s:e]
        if "invoked oom-killer" in line:
            block_start = s
            continue
        m = _KILLED_RE.search(line)
        if m is None:
            continue
        start = block_start if block_start is not None else s
        block_start = None
        lines = list(iter_lines(text, start, e, counter.number(start)))[-_OOM_BLOCK_LINES:]
        if not lines:
            continue
        texts = [ln.text for ln in lines]
        where = "memory cgroup out of memory" if m.group("memcg") else "out of memory"
        title = normalise(f"{where}: killed process {m.group('comm')}")
        rep = Report(
            title=_out(title, from_bytes),
            type="OOM-KILL",
            start=lines[0].start,
            end=e,
            start_line=lines[0].number,
            end_line=lines[-1].number,
            text=_out("\n".join(texts), from_bytes),
        )
        rep.frames = _call_trace(texts)
        _fill_task_fields(rep, texts, from_bytes)
        rep.context = _events_between(text, events, prev_end, rep.start, from_bytes)
        out.append(rep)
        prev_end = e
    return out


def _events_between(
    text: str, events: list[tuple[int, int]], lo: int, hi: int, from_bytes: bool
) -> list[str]:
    out: list[str] = []
    i = bisect.bisect_left(events, (lo, -1))
    while i < len(events) and events[i][0] < hi and len(out) < _MAX_CONTEXT_EVENTS:
        s, e = events[i]
        out.append(_out(make_line(text[s:e], s, 0).text.strip(), from_bytes))
        i += 1
    return out


def _info_with_stack(raw: str) -> bool:
    # Cheap common-substring guard first: this runs on every line of a report window.
    return ("ailure:" in raw or "FAULT_" in raw) and any(p in raw for p in oopses.INFO_WITH_STACK)


def _is_report_start(raw: str) -> bool:
    return not any(r.search(raw) for r in oopses.REPORT_START_IGNORES)


def _extract(
    text: str, start: int, cands: dict[int, OopsKind], order: list[int], idx: int, first_no: int
) -> _Extracted:
    """Collect a report's lines starting at the header line at ``start`` (syzkaller's findReport)."""
    kind = cands[start]
    end_nl = text.find("\n", start)
    header = make_line(text[start:] if end_nl == -1 else text[start:end_nl], start, first_no)
    context = header.context
    task_ctx = bool(caller_id(context))

    # Where to stop reading. A single console stream: one report past the next real
    # header (the lines after it only feed the corruption check, like syzkaller, which
    # reads to the end of the log). A task's own lines continue past other tasks'
    # reports, up to a bound.
    limit = len(text)
    seen = 0
    for j in range(idx + 1, len(order)):
        s = order[j]
        e = text.find("\n", s)
        if _is_report_start(text[s:] if e == -1 else text[s:e]):
            seen += 1
            if seen == 2:
                limit = s
                break
    if task_ctx:
        limit = len(text)
    limit = min(limit, start + _MAX_REPORT_CHARS)

    prefix = _prefix_lines(text, start, context, first_no)

    second: int | None = None
    lines: list[Line] = []
    title_end = 0
    own_done = False
    tail = _TAIL_LINES
    last_ts: float | None = None
    gap = 0
    after_second = 0
    since_done = 0
    resume: int | None = None
    own_end = 0  # lines[:own_end] are this report's; later ones only help judge corruption
    text_lines = 0
    skip_text = False
    cpu_traceback = False
    min_lines = 16 if "BUG: KMSAN:" in header.raw else 22
    last_pos = start
    # With caller ids most lines in the window belong to other tasks: recognise them by
    # their raw caller tag without the full prefix parse.
    tag = caller_id(context)
    pos = start
    n = -1
    while pos < limit:
        nl = text.find("\n", pos, limit)
        if nl == -1:
            nl = limit
        raw = text[pos:nl]
        line_start = pos
        pos = nl + 1
        n += 1
        if n >= _MAX_REPORT_LINES:
            break
        last_pos = pos
        if tag and n and not cpu_traceback and tag not in raw[:128] and line_start not in cands:
            if second is None and ("ailure:" in raw or "FAULT_" in raw) and _info_with_stack(raw):
                second = line_start
            gap += 1
            if gap > _TASK_GAP_LINES:
                break  # the task has long stopped printing
            continue  # another task's line
        if own_done and since_done > tail:
            break  # enough read after the report ended (it may still hold its panic)
        if second is not None and not task_ctx:
            after_second += 1
            if after_second > _TAIL_LINES:
                break  # past the next report only the corruption check looks, briefly
        line = make_line(raw, line_start, first_no + n)
        # locals, not tuple-attribute look-ups: this loop runs for every line of the window
        l_text, l_ctx, l_questionable, l_ts = line[4:]
        is_header = n == 0
        if (
            not is_header
            and second is None
            and (
                line_start in cands
                and _is_report_start(raw)
                or ("ailure:" in raw or "FAULT_" in raw)
                and _info_with_stack(raw)
            )
        ):
            second = line_start
        if not is_header and own_done and line_start in cands and not _is_report_start(raw):
            # A "Kernel panic"-like line after this report ended: right after the end it
            # is this crash's panic; later, or from another context, it is a new report.
            if since_done <= _PANIC_GRACE_LINES and l_ctx == context and second is None:
                own_done = False
            elif resume is None:
                resume = line_start
        if (
            not is_header
            and l_ctx != context
            and not (cpu_traceback and caller_id(l_ctx).startswith("C"))
        ):
            gap += 1
            if gap > _TASK_GAP_LINES:
                break  # the report's stream has long stopped
            continue
        gap = 0
        # Where the report's own text ends (its title may read further, like syzkaller).
        if not is_header:
            if own_done and not _REGISTER_DUMP_RE.match(l_text):
                since_done += 1
            elif (
                l_ts is not None and last_ts is not None and abs(l_ts - last_ts) > _REPORT_TIME_GAP
            ):
                # An oops is printed in one burst; a long pause (or time going backwards,
                # as in concatenated logs) means what follows is something else.
                own_done, since_done = True, 0
                if l_ts < last_ts:
                    tail = _PANIC_GRACE_LINES  # time went backwards: certainly another log
            elif not task_ctx and second is not None:
                own_done, since_done = True, 0  # one stream: the next report's lines are not ours
            elif task_ctx and line_start in cands and _is_report_start(raw):
                own_done, since_done = True, 0  # the same task starts a new report
        if l_ts is not None:
            last_ts = l_ts
        keep = True
        if not is_header and l_questionable:
            # Unreliable " ? " frames: shown and parsed as frames, never used for titles.
            keep = not skip_text
        else:
            text_lines += 1
            skip_line = skip_text
            if "Disabling lock debugging due to kernel taint" in raw:
                skip_line = True
            elif "Sending NMI from CPU" in raw:
                cpu_traceback = True  # all-CPU backtraces follow; keep the other CPUs' lines
            elif (
                "Kernel panic - not syncing" in raw
                or "WARNING: possible circular locking dependency detected" in raw
            ) and text_lines > min_lines:
                # panic_on_warn's panic stack and lockdep noise caused by the oops itself
                # repeat what we already have; stop collecting once we have enough.
                skip_text = skip_line = True
            keep = is_header or not skip_line
        if keep:
            lines.append(line)
            if second is None or task_ctx:
                title_end = len(lines)
            if not own_done:
                own_end = len(lines)
        if not own_done and (
            _REPORT_TERMINATOR_RE.search(raw) is not None or own_end >= _MAX_OWN_LINES
        ):
            own_done, since_done = True, 0
    stops = [p for p in (second, resume) if p is not None]
    next_pos = min(stops) if stops else last_pos
    return _Extracted(header, kind, prefix, lines, title_end, own_end, next_pos)


def _prefix_lines(text: str, start: int, context: str, first_no: int) -> list[Line]:
    want = _PREFIX_LINES_TASK if caller_id(context) else _PREFIX_LINES
    out: list[Line] = []
    end = start - 1
    number = first_no - 1
    scanned = 0
    tag = caller_id(context)
    while end >= 0 and len(out) < want and scanned < 4 * want + 50:
        s = text.rfind("\n", 0, end) + 1
        raw = text[s:end]
        if not tag or tag in raw[:128]:  # cheap pre-check: other tasks' lines are not ours
            line = make_line(raw, s, number)
            if line.context == context and line.text and not line.questionable:
                out.append(line)
        end = s - 1
        number -= 1
        scanned += 1
    out.reverse()
    return out


# --- titles ------------------------------------------------------------------------------


@dataclass
class _Frame:
    canonical: str
    raw: str


def _fmt(template: str, args: list[str]) -> str:
    try:
        return template.format("", *args)
    except (IndexError, KeyError):
        return template.split("{", 1)[0] + "corrupted"


def _describe(report: str, kind: OopsKind) -> tuple[str, str, list[str], oopses.Format | None]:
    """Title, corruption reason, alternative titles and the matched format (extractDescription)."""
    start_pos = len(report)
    desc = ""
    corrupted = ""
    alts: list[str] = []
    chosen: oopses.Format | None = None
    matched_title = False
    for f in kind.formats:
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
            m = f.report.search(report)
            if m is None:
                continue
        args = [g or "" for g in m.groups()]
        frames: list[_Frame] = []
        corrupted = ""
        if f.stack is not None:
            frames, ok = _stack_frames(f.stack, report[m.start() :])
            if not ok:
                corrupted = _CORRUPTED_NO_FRAMES
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
    if not corrupted and chosen is not None and chosen.corrupted:
        corrupted = "report format is marked as corrupted"
    return desc, corrupted, alts, chosen


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
_SKIP_GENERIC = re.compile("|".join(oopses.SKIP_FRAMES))


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
    return _SKIP_GENERIC.search(name) is not None


@cache
def _skip_re(spec: StackSpec) -> _SkipFrames:
    return _SkipFrames(spec.skip)


def _strip_frame(frame: str) -> str:
    best = frame
    for p in oopses.STRIP_FRAME_PREFIXES:
        if frame.startswith(p) and len(frame) - len(p) < len(best):
            best = frame[len(p) :]
    return best


def _stack_frames(spec: StackSpec, report: str) -> tuple[list[_Frame], bool]:
    skip = _skip_re(spec)
    frames, ok = _stack_frames_impl(report, skip, spec.parts, spec)
    if ok or not spec.parts2:
        return frames, ok
    return _stack_frames_impl(report, skip, spec.parts2, spec)


def _key_frame(raw: list[str], spec: StackSpec) -> _Frame | None:
    if not raw:
        return None
    stripped = [_strip_frame(f) for f in raw]
    if spec.extractor is None:
        return _Frame(stripped[0], raw[0])
    frame, i = spec.extractor(stripped)
    if frame:
        return _Frame(frame, raw[i])
    return None


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
    li = 0
    raw: list[str] = []
    first_only = spec.extractor is None  # _key_frame then looks at raw[0] alone
    results: list[_Frame] = []
    ok = True
    traces = 0
    part_idx = 0
    while True:
        if part_idx == len(parts) or (parts[part_idx] is PARSE_STACK and traces > 0):
            key = _key_frame(raw, spec)
            if key is None:
                key = _Frame("corrupted", "corrupted")
                ok = False
            results.append(key)
            raw = []
        if part_idx == len(parts):
            break
        part = parts[part_idx]
        if part is PARSE_STACK:
            traces += 1
            while li < len(lines):
                ln = lines[li]
                li += 1
                if "should_fail" in ln and any(r.search(ln) for r in oopses.CORRUPTED_LINES):
                    ok = False
                    break
                if _is_stack_start(ln):
                    break
                if part_idx != len(parts) - 1:
                    nxt = parts[part_idx + 1]
                    assert isinstance(nxt, re.Pattern)
                    m = nxt.search(ln)
                    if m is not None:
                        _append_frames(raw, m, skip)
                        part_idx += 1
                        break
                if raw and first_only:
                    continue  # the title uses raw[0] only: no need to parse further frames
                m = None
                for r in oopses.FRAME_RES:
                    m = r.search(ln)
                    if m is not None:
                        break
                _append_frames(raw, m, skip)
        else:
            assert isinstance(part, re.Pattern)
            while li < len(lines):
                ln = lines[li]
                li += 1
                if "should_fail" in ln and any(r.search(ln) for r in oopses.CORRUPTED_LINES):
                    ok = False
                    break
                m = part.search(ln)
                if m is None:
                    continue
                _append_frames(raw, m, skip)
                break
        part_idx += 1
    return results, ok


def _is_corrupted(title: str, report: str, f: oopses.Format | None) -> tuple[bool, str]:
    """syzkaller's checks that a report is complete enough to trust its title."""
    if _CORRUPTED_TITLE_RE.search(title):
        return True, "title matches corrupted regexp"
    if f is None or f.no_stack_trace:
        return False, ""
    has_stack = False
    for key, hint in zip(oopses.STACK_START, oopses.STACK_START_HINTS):
        if hint not in report:
            continue  # the pattern cannot match: skip a regex scan of the whole report
        m = key.search(report)
        if m is None:
            continue
        frames = report[m.start() :].split("\n")
        if len(frames) < 4:
            return True, "call trace is missed"
        bad = True
        for ln in frames[1:16]:
            if _is_stack_start(ln):
                break
            if "(stack is not available)" in ln or any(r.search(ln) for r in oopses.FRAME_RES):
                has_stack = True
                bad = False
                break
        if key is not oopses.RISCV_STACK_START and bad:
            return True, "no frames in a stack trace"
    if not has_stack:
        return True, "no stack trace in report"
    return False, ""


# --- structured fields -------------------------------------------------------------------

_FRAME_RE = re.compile(
    r"^\s*(?:\[<?(?:0x)?[0-9a-f]+>?\]\s*){0,2}(?P<q>\?\s+)?(?:\[<?(?:0x)?[0-9a-f]+>?\]\s*)?"
    r"(?P<func>[A-Za-z_$][\w.$]*)\+0x(?P<off>[0-9a-f]+)/0x(?P<size>[0-9a-f]+)"
    r"(?:\s+\[(?P<mod>[\w.\-]+)(?:\s+[0-9a-f]+)?\])?"
    r"(?:\s+(?P<file>[\w/.\-+]+\.[a-zA-Z]+):(?P<line>\d+))?(?P<inl>\s+\[inline\])?"
)
# Symbolised logs print inlined callers without an offset: "__dump_stack lib/dump_stack.c:16 [inline]".
_INLINE_RE = re.compile(
    r"^\s*(?P<func>[A-Za-z_][\w.]*)\s+(?P<file>[\w/.\-+]+\.[a-zA-Z]+):(?P<line>\d+)\s+\[inline\]"
)
_RIP_LINE_RE = re.compile(r"^\s*(?:RIP|EIP|IP|NIP|pc|PC is at|epc)\s*:?\s")
_TRACE_MARKER_RE = re.compile(
    r"^\s*(?:</?(?:IRQ|TASK|NMI|EOI|SOFTIRQ)>|\.\.\.|-+\[ end trace|\s*$)"
)
_REGS_RE = re.compile(r"^\s*(?:R[A-Z0-9]{1,3}|[A-Z]S|CR\d|DR\d|Code|ORIG_RAX|EFLAGS)\s*:")
_CPU_RE = re.compile(
    r"CPU: (?P<cpu>\d+) (?:UID: \d+ )?PID: (?P<pid>\d+) Comm: (?P<comm>.*?) "
    r"(?:Not tainted|Tainted: [A-Z ]+?)\s+(?P<rel>\d\S*)"
)
_CPU_PID_RE = re.compile(r"CPU: ?(?P<cpu>\d+),? (?:UID: \d+ )?PID: (?P<pid>\d+)")
# Other places that name the task: KASAN's "by task comm/pid", hung-task and sched dumps,
# the soft-lockup "[comm:pid]" suffix.
_TASK_RES = (
    re.compile(r"by task (?P<comm>\S+?)/(?P<pid>\d+)"),
    re.compile(r"INFO: task (?P<comm>.+):(?P<pid>\d+) (?:blocked|can't die)"),
    re.compile(r"^task:(?P<comm>\S+)\s+state:.*\bpid:\s*(?P<pid>\d+)"),
    re.compile(r"soft lockup - CPU#\d+ stuck for \d+s! \[(?P<comm>.+):(?P<pid>\d+)\]"),
)
_HW_RE = re.compile(r"Hardware name: (?P<hw>.*\S)")
# The look-behind makes each run of path characters tried once from its start: without
# it a long hex dump line costs quadratic time in Python's backtracking engine.
_FILENAME_RE = re.compile(
    r"(?<![a-zA-Z0-9_\-./])([a-zA-Z0-9_\-./]*[a-zA-Z0-9_\-]+\.(?:c|h)):[0-9]+"
)
_DEEPER_RE = re.compile(r"^/[a-zA-Z0-9_\-./]+/[a-zA-Z0-9_\-]+\.(c|h)$")
_GUILTY_IGNORE = tuple(
    re.compile(p)
    for p in (
        r".*\.h",
        r"^lib/.*",
        r"^virt/lib/.*",
        r"^mm/kasan/.*",
        r"^mm/kmsan/.*",
        r"^kernel/kcov.c",
        r"^mm/sl.b.c",
        r"^mm/filemap.c",
        r"^mm/folio-compat.c",
        r"^mm/truncate.c",
        r"^mm/memory.c",
        r"^mm/percpu.*",
        r"^mm/vmalloc.c",
        r"^mm/page_alloc.c",
        r"^mm/mempool.c",
        r"^mm/util.c",
        r"^kernel/rcu/.*",
        r"^arch/.*/kernel/traps.c",
        r"^arch/.*/kernel/unwind.*.c",
        r"^arch/.*/mm/fault.c",
        r"^arch/.*/mm/physaddr.c",
        r"^arch/.*/kernel/stacktrace.c",
        r"^arch/.*/kernel/apic/apic.c",
        r"^arch/arm64/kernel/entry.*.c",
        r"^arch/arm64/kernel/process\.c",
        r"^kernel/locking/.*",
        r"^kernel/panic.c",
        r"^kernel/printk/printk.*.c",
        r"^kernel/softirq.c",
        r"^kernel/kthread.c",
        r"^kernel/sched/.*.c",
        r"^kernel/stacktrace.c",
        r"^kernel/time/timer.c",
        r"^kernel/workqueue.c",
        r"^net/core/dev.c",
        r"^net/core/sock.c",
        r"^net/core/skbuff.c",
        r"^fs/proc/generic.c",
        r"^trusty/",
        r"^drivers/usb/core/urb.c",
        r"^arch/.*/lib/crc.*",
    )
)
_GUILTY_IGNORE_ANY = re.compile(
    "|".join(f"(?:{r.pattern})" for r in _GUILTY_IGNORE)
)  # one match call
# Lockdep's "hardirqs last enabled at ... file.c:12" lines name the lock machinery, not the bug.
# Held-lock lines ("#0: ffff... (&sb->s_umount){++++}-{3:3}, at: ...") name where a lock
# was taken, not where the bug is.
_GUILTY_LINE_IGNORE = re.compile(
    r"(hardirqs|softirqs)\s+last\s+(enabled|disabled)|^Register r\d+ information"
    r"|\{[+.?\-]{4}\}(?:-\{\d+:\d+\})?, at:"
)


def _parse_frame(text: str) -> Frame | None:
    m = _FRAME_RE.match(text)
    if m is not None:
        return Frame(
            function=m.group("func"),
            offset=int(m.group("off"), 16),
            size=int(m.group("size"), 16),
            module=m.group("mod"),
            unreliable=m.group("q") is not None or text.endswith(" (unreliable)"),
            inline=m.group("inl") is not None,
            file=m.group("file"),
            line=int(m.group("line")) if m.group("line") else None,
        )
    m = _INLINE_RE.match(text)
    if m is not None:
        return Frame(
            function=m.group("func"), inline=True, file=m.group("file"), line=int(m.group("line"))
        )
    return None


def _rip(lines: list[str]) -> Frame | None:
    for t in lines:
        if _RIP_LINE_RE.match(t):
            rest = _RIP_LINE_RE.sub("", t, count=1)
            rest = re.sub(r"^[0-9a-f]{4}:", "", rest).strip()
            fr = _parse_frame(rest)
            if fr is not None:
                fr.unreliable = False
                return fr
    return None


def _call_trace(lines: list[str]) -> list[Frame]:
    """Frames of the first stack trace of the report (``?`` entries kept, marked)."""
    start = None
    for i, t in enumerate(lines):
        if _is_stack_start(t):
            start = i + 1
            break
    if start is None:
        return []
    frames: list[Frame] = []
    for t in lines[start : start + 400]:
        fr = _parse_frame(t)
        if fr is not None:
            frames.append(fr)
            continue
        if _TRACE_MARKER_RE.match(t) or _REGS_RE.match(t) or _RIP_LINE_RE.match(t):
            continue
        if frames:
            break
    return frames


def guilty_file(title: str, report: str, more: str = "") -> str | None:
    """The source file most likely to blame, from ``file.c:123`` references (symbolised logs).

    ``more`` is text read after the report (e.g. a WARNING the same incident printed
    next); it is consulted only when the report itself names no specific file.
    """
    found, fallback = _guilty_of(title, report)
    if (found is None or fallback) and more:
        found2, fallback2 = _guilty_of(title, report + more)
        if found2 is not None and not fallback2:
            return found2
    return found


def _guilty_of(title: str, report: str) -> tuple[str | None, bool]:
    if title.startswith("INFO: rcu detected stall"):
        # Stalls sit deep in generic code; start from the interrupt entry instead.
        for marker in ("apic_timer_interrupt+0x", "el1h_64_irq+0x", "Exception stack"):
            pos = report.find(marker)
            if pos != -1:
                found, fallback = _guilty_impl(report[pos:])
                if found:
                    return found, fallback
    return _guilty_impl(report)


def _clean_path(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == ".." and parts and parts[-1] != "..":
            parts.pop()
            continue
        parts.append(p)
    cleaned = "/".join(parts)
    return ("/" + cleaned) if path.startswith("/") else (cleaned or ".")


def _guilty_impl(report: str) -> tuple[str | None, bool]:
    """(file, True when it is only the first file seen because all were generic)."""
    if ".c:" not in report and ".h:" not in report:
        return None, False  # not a symbolised report: nothing to find
    guilty = ""
    fallback = False
    # (line, file) of every "file.c:12" reference, in order; the regex is slow to rule
    # out, so lines without ".c:"/".h:" skip it. One iterator serves both passes below.
    refs = (
        (ln, m.group(1))
        for ln in report.split("\n")
        if (".c:" in ln or ".h:" in ln) and (m := _FILENAME_RE.search(ln)) is not None
    )
    for ln, f in refs:
        if not guilty:
            guilty = f  # better some file than none
            fallback = True
        if _GUILTY_IGNORE_ANY.match(f) or _GUILTY_LINE_IGNORE.search(ln):
            continue
        guilty = _clean_path(f)
        fallback = False
        break
    # Prefer a deeper file in the same directory tree further down the stack.
    deepest = guilty.rsplit("/", 1)[0] if "/" in guilty else "."
    for ln, f in refs:
        if _GUILTY_IGNORE_ANY.match(f) or _GUILTY_LINE_IGNORE.search(ln):
            continue
        clean = _clean_path(f)
        if clean.startswith(deepest) and _DEEPER_RE.match(clean[len(deepest) :]):
            guilty = clean
            deepest = guilty.rsplit("/", 1)[0] if "/" in guilty else "."
    return (guilty or None), fallback


def _out(s: str, from_bytes: bool) -> str:
    """Report text back to readable str: bytes input was decoded 1:1 as latin-1."""
    if from_bytes:
        return s.encode("latin-1").decode("utf-8", "replace")
    return s


def _build(text: str, ext: _Extracted, from_bytes: bool) -> Report:
    own_lines = ext.lines[: max(ext.own_end, 1)]
    own = [ln.text for ln in own_lines]
    # Titles and corruption checks ignore unreliable frames (syzkaller does the same).
    every = [ln.text for ln in ext.lines if not ln.questionable or ln is ext.header]
    reliable_own = [ln.text for ln in own_lines if not ln.questionable or ln is ext.header]
    full_text = "".join(t + "\n" for t in every)
    report_text = "".join(t + "\n" for t in reliable_own)
    title_text = "".join(
        ln.text + "\n"
        for ln in ext.lines[: ext.title_end]
        if not ln.questionable or ln is ext.header
    )
    raw_title, corrupted, alts, fmt = _describe(title_text, ext.kind)
    if not raw_title:
        # The title regexes need the report's own lines; fall back to the raw window.
        raw_window = text[ext.header.start : own_lines[-1].end]
        raw_title, corrupted, alts, fmt = _describe(raw_window, ext.kind)
    if not raw_title:
        raw_title = ext.header.text
        corrupted = corrupted or "no title format matched"
    title = normalise(raw_title)
    if not corrupted:
        # Judged on everything read, as syzkaller does: a stack keyword with no frames
        # after it, even past the next report, means the output is mangled.
        bad, reason = _is_corrupted(raw_title, full_text, fmt)
        if bad:
            corrupted = reason
    alt_titles = [a for a in dict.fromkeys(normalise(a) for a in alts) if a and a != title]

    all_texts = [ln.text for ln in ext.prefix] + own
    rep = Report(
        title=_out(title, from_bytes),
        type=oopses.title_type(title),
        alt_titles=[_out(a, from_bytes) for a in alt_titles],
        corrupted=bool(corrupted),
        corrupted_reason=corrupted or None,
        start=ext.header.start,
        end=own_lines[-1].end,
        start_line=ext.header.number,
        end_line=own_lines[-1].number,
        text=_out("\n".join(own), from_bytes),
    )
    rep.rip = _rip(own)
    rep.frames = _call_trace(own)
    _fill_task_fields(rep, all_texts, from_bytes)
    g = guilty_file(
        title,
        report_text,
        "".join(ln.text + "\n" for ln in ext.lines[len(own_lines) :] if not ln.questionable),
    )
    rep.guilty_file = g if g and _FILENAME_RE.search(report_text) else None
    return rep


def _fill_task_fields(rep: Report, texts: list[str], from_bytes: bool) -> None:
    for t in texts:
        if rep.pid is None:
            m = _CPU_RE.search(t)
            if m is not None:
                rep.cpu = int(m.group("cpu"))
                rep.pid = int(m.group("pid"))
                rep.comm = _out(m.group("comm"), from_bytes)
                rep.kernel_release = _out(m.group("rel"), from_bytes)
        if rep.taint is None and "Tainted: " in t:
            flags = extract_taint(t)
            if flags is not None:
                rep.taint = flags
                rep.taint_flags = decode_taint(flags)
        if rep.hardware is None:
            m = _HW_RE.search(t)
            if m is not None:
                rep.hardware = _out(m.group("hw"), from_bytes)
    if rep.pid is None:
        for t in texts:
            m = _CPU_PID_RE.search(t)
            if m is not None:
                rep.cpu = int(m.group("cpu"))
                rep.pid = int(m.group("pid"))
                break
    if rep.comm is None:
        for t in texts:
            m = next((m for r in _TASK_RES if (m := r.search(t)) is not None), None)
            if m is not None:
                rep.comm = _out(m.group("comm"), from_bytes)
                if rep.pid is None:
                    rep.pid = int(m.group("pid"))
                break
