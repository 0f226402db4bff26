"""Step 4 of parsing a log: the structured fields of one report's lines.

The faulting frame (``RIP:`` and the other architectures' equivalents), the call trace,
and the task / CPU / kernel release / taint / hardware named by the header lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Frame
from .scan import is_stack_start
from .taint import extract_taint

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


def parse_frame(text: str) -> Frame | None:
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


def rip_frame(lines: list[str]) -> Frame | None:
    for t in lines:
        if _RIP_LINE_RE.match(t):
            rest = _RIP_LINE_RE.sub("", t, count=1)
            rest = re.sub(r"^[0-9a-f]{4}:", "", rest).strip()
            fr = parse_frame(rest)
            if fr is not None:
                fr.unreliable = False
                return fr
    return None


def call_trace(lines: list[str]) -> list[Frame]:
    """Frames of the first stack trace of the report (``?`` entries kept, marked)."""
    start = None
    for i, t in enumerate(lines):
        if is_stack_start(t):
            start = i + 1
            break
    if start is None:
        return []
    frames: list[Frame] = []
    for t in lines[start : start + 400]:
        fr = parse_frame(t)
        if fr is not None:
            frames.append(fr)
            continue
        if _TRACE_MARKER_RE.match(t) or _REGS_RE.match(t) or _RIP_LINE_RE.match(t):
            continue
        if frames:
            break
    return frames


@dataclass
class TaskFields:
    """What the report's lines say about the task, CPU and kernel that crashed."""

    cpu: int | None = None
    pid: int | None = None
    comm: str | None = None
    release: str | None = None
    taint: str | None = None  # the raw flag string
    hardware: str | None = None


def task_fields(texts: list[str]) -> TaskFields:
    """The first header (``CPU: N PID: N Comm: X ...``) and ``Hardware name:`` in ``texts``;
    other lines that name the task (KASAN's ``by task``, hung tasks) when there is none."""
    out = TaskFields()
    for t in texts:
        if out.pid is None:
            m = _CPU_RE.search(t)
            if m is not None:
                out.cpu = int(m.group("cpu"))
                out.pid = int(m.group("pid"))
                out.comm = m.group("comm")
                out.release = m.group("rel")
        if out.taint is None and "Tainted: " in t:
            out.taint = extract_taint(t)
        if out.hardware is None:
            m = _HW_RE.search(t)
            if m is not None:
                out.hardware = m.group("hw")
    if out.pid is None:
        for t in texts:
            m = _CPU_PID_RE.search(t)
            if m is not None:
                out.cpu = int(m.group("cpu"))
                out.pid = int(m.group("pid"))
                break
    if out.comm is None:
        for t in texts:
            m = next((m for r in _TASK_RES if (m := r.search(t)) is not None), None)
            if m is not None:
                out.comm = m.group("comm")
                if out.pid is None:
                    out.pid = int(m.group("pid"))
                break
    return out
