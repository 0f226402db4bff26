"""Name the source file most likely to blame for a crash: the first non-generic frame.

A trace starts with the code that *detected* the problem (KASAN's report path, the
WARN/BUG machinery, lockdep, the allocator, string helpers, the scheduler) before the
code that *caused* it. We walk the source files of the trace in order (innermost inline
first, as symbolised) and return the first one outside that generic machinery; if every
file is generic, the first file at all, so the report always names someone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from hotfence.triage.model import Frame

# Source files that report, detect or dispatch rather than cause. One pattern per
# subsystem so the list reads as a policy; anchored at the start of a kernel-relative
# path.
GENERIC_FILES: tuple[str, ...] = (
    # headers: inline helpers (locks, lists, skb accessors) used by every subsystem
    r"include/",
    r"arch/[^/]+/include/",
    # library code, memory management, sanitizers: they detect, rarely cause
    r"lib/",
    r"mm/",
    # core kernel machinery: panic/WARN, locking, scheduler, RCU, IRQs, timers, tracing
    r"kernel/(panic|stacktrace|watchdog|watchdog_hld|hung_task|softirq|smpboot|"
    r"kthread|workqueue|exit|fork|signal|sys_ni|async|stop_machine|cpu|kcov|"
    r"task_work|notifier|module|params)\.c",
    r"kernel/(locking|printk|sched|rcu|irq|time|entry|trace|kcsan|dma)/",
    # architecture entry, traps, unwinders, timers
    r"arch/[^/]+/(entry|lib|mm)/",
    r"arch/[^/]+/kernel/",
    r"drivers/clocksource/",
    r"drivers/irqchip/",
    # syscall and VFS plumbing that every trace passes through
    r"fs/(read_write|ioctl|open|namei|file_table|file|exec|splice|select|"
    r"sync|stat|fcntl|readdir|libfs|seq_file|aio|eventpoll|pipe|super|inode|"
    r"namespace|d_path|fs-writeback|buffer|mpage|direct-io|iomap/.*|locks)\.c",
    r"fs/kernfs/",
    r"fs/sysfs/",
    r"fs/proc/generic\.c",
    r"net/socket\.c",
    r"net/core/(sock|skbuff|stream|datagram|dev|dev_ioctl|"
    r"scm|gro|flow_dissector|filter)\.c",
    r"net/compat\.c",
    r"block/(blk-core|blk-mq|bio)\.c",
    r"drivers/base/",
    r"drivers/usb/core/",
    r"security/security\.c",
    r"ipc/syscall\.c",
    r"init/",
    r"virt/lib/",
)
_GENERIC = re.compile(r"^(?:\./)?(?:" + "|".join(GENERIC_FILES) + r")")

_FILE_LINE = re.compile(r"(?<![\w/.-])((?:[\w.+-]+/)*[\w.+-]+\.(?:c|h|S|rs)):\d+")


def is_generic(path: str) -> bool:
    return _GENERIC.match(path) is not None


def guilty_file(files: Iterable[str]) -> str | None:
    """The first non-generic file of ``files`` (trace order), else the first one."""
    first: str | None = None
    for path in files:
        path = os.path.normpath(path)
        if first is None:
            first = path
        if not is_generic(path):
            return path
    return first


def files_in_text(text: str) -> list[str]:
    """``file.c`` of every ``file.c:123`` in a report's text, in order."""
    return [m.group(1) for m in _FILE_LINE.finditer(text)]


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
