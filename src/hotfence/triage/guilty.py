"""Name the source file most likely to blame for a crash: one policy for every caller.

A trace starts with the code that *detected* the problem (KASAN's report path, the
WARN/BUG machinery, lockdep, the allocator, string helpers, the scheduler) before the
code that *caused* it. The source files of the trace are walked in order (innermost
inline first, as symbolised) and the first one outside that generic machinery wins, then
a deeper file of the same directory tree further down is preferred (syzkaller's
pkg/report ``extractGuiltyFile``). If every file is generic, the first one at all is
returned so the report always names someone.

Two inputs, one walk (``_walk``): ``guilty_in_text`` reads the ``file.c:123`` references
of an already symbolised log, ``guilty_file`` the files of frames symbolised from
``--vmlinux``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator

from .model import Frame
from .oopses import SOURCE_TREE

# The look-behind makes each run of path characters tried once from its start: without
# it a long hex dump line costs quadratic time in Python's backtracking engine.
FILENAME_RE = re.compile(
    r"(?<![a-zA-Z0-9_\-./+])([a-zA-Z0-9_\-./+]*[a-zA-Z0-9_\-]+\.(?:c|h)):[0-9]+"
)
_DEEPER_RE = re.compile(r"^/[a-zA-Z0-9_\-./]+/[a-zA-Z0-9_\-]+\.(c|h)$")
# Files that report, detect or dispatch rather than cause (syzkaller's guilty-file
# ignore list, which the guilty corpus checks).
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


def guilty_in_text(title: str, report: str, more: str = "") -> str | None:
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


# The build directory an out-of-tree build printed before a source file (see
# oopses.SOURCE_TREE): "../mm/slub.c", "/build/linux-6VmqmP/linux-4.4.0/mm/slub.c" are
# the tree's mm/slub.c, which the ignore list and the reader know by that name.
_SOURCE_TREE_RE = re.compile(SOURCE_TREE)


def _clean_path(path: str) -> str:
    if (tree := _SOURCE_TREE_RE.match(path)) is not None:
        path = path[tree.end() :]
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
    if ".c:" not in report and ".h:" not in report:
        return None, False  # not a symbolised report: nothing to find
    # (line, file) of every "file.c:12" reference, in order; the regex is slow to rule
    # out, so lines without ".c:"/".h:" skip it.
    refs = (
        (ln, m.group(1))
        for ln in report.split("\n")
        if (".c:" in ln or ".h:" in ln) and (m := FILENAME_RE.search(ln)) is not None
    )
    return _walk(refs)


def _walk(refs: Iterator[tuple[str, str]]) -> tuple[str | None, bool]:
    """(file, True when it is only the first file seen because all were generic).

    ``refs`` are (line it was printed on, file) in trace order; one iterator serves both
    passes: the first non-generic file, then deeper files of its tree after it.
    """
    guilty = ""
    fallback = False
    for ln, f in refs:
        f = _clean_path(f)
        if not guilty:
            guilty = f  # better some file than none
            fallback = True
        if _GUILTY_IGNORE_ANY.match(f) or _GUILTY_LINE_IGNORE.search(ln):
            continue
        guilty = f
        fallback = False
        break
    # Prefer a deeper file in the same directory tree further down the stack.
    deepest = guilty.rsplit("/", 1)[0] if "/" in guilty else "."
    for ln, f in refs:
        clean = _clean_path(f)
        if _GUILTY_IGNORE_ANY.match(clean) or _GUILTY_LINE_IGNORE.search(ln):
            continue
        if clean.startswith(deepest) and _DEEPER_RE.match(clean[len(deepest) :]):
            guilty = clean
            deepest = guilty.rsplit("/", 1)[0] if "/" in guilty else "."
    return (guilty or None), fallback


def guilty_file(files: Iterable[str]) -> str | None:
    """The guilty one of ``files`` (trace order, e.g. from ``frame_files``)."""
    return _walk(iter([("", os.path.normpath(f)) for f in files]))[0]


def frame_files(rip: Frame | None, frames: Iterable[Frame]) -> list[str]:
    """Source files of the RIP then the call trace, each frame's inline chain innermost
    first (as symbolised from --vmlinux, or as printed in an already symbolised log)."""
    out: list[str] = []
    for frame in ([rip] if rip is not None else []) + list(frames):
        if frame.locations:
            out.extend(loc.file for loc in frame.locations if loc.file and loc.file != "??")
        elif frame.file:
            out.append(frame.file)
    return out


def files_in_text(text: str) -> list[str]:
    """``file.c`` of every ``file.c:123`` in a report's text, in order."""
    return [m.group(1) for m in FILENAME_RE.finditer(text)]
