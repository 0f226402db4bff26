"""Step 1 of parsing a log: find the lines that start a crash report, cheaply.

Most bytes of a real log are not crashes. Every oops header contains one of a few
substrings (``SCAN_NEEDLES``); they are located with one regex pass and ``str.find`` over
the whole text, and only the lines holding one are matched against the ``OOPSES`` table.
The same pass style finds the earlier events (OOM kills, allocation failures) that a
crash's context shows.
"""

from __future__ import annotations

import re

from . import oopses
from .lines import from_userspace, line_bounds
from .oopses import OOPSES, OopsKind

# Earlier events worth showing with a crash: memory pressure and the failures it causes
# usually explain it (a pernet init that could not get its memory, then crashed unwinding).
CONTEXT_MARKERS = (
    "oom-k",  # "invoked oom-killer", "oom-kill:constraint=..."
    "ut of memory",  # "Out of memory: Killed process", "Memory cgroup out of memory"
    "Killed process",
    "allocation failure",  # "page allocation failure", "vmalloc: allocation failure"
    "Unable to allocate memory",  # "SLUB: Unable to allocate memory on node -1, gfp=0x..."
    "no more sockets",  # net/socket.c sock_alloc_inode(): "socket: no more sockets"
    "ailed to initialize",  # "IPv6: Failed to initialize the ICMP6 control socket (err -12)."
    "init failed",  # "<subsys>: ... init failed" from pernet and driver init paths
    "ailed to allocate",  # drivers' and subsystems' own allocation failure messages
    "oom_reaper:",  # "oom_reaper: reaped process 123 (java), now anon-rss:0kB ..."
)

# One pass instead of one search per stack-start pattern.
_STACK_START_ANY = re.compile("|".join(f"(?:{r.pattern})" for r in oopses.STACK_START))


def is_stack_start(line: str) -> bool:
    """``_STACK_START_ANY.search(line)``, with a literal pre-check (the regex has no
    literal prefix, so running it costs ~1 us per line; most lines hold no hint)."""
    for hint in _STACK_HINT_STEMS:
        if hint in line:
            return _STACK_START_ANY.search(line) is not None
    return False


# Shorter stems of oopses.STACK_START_HINTS: every hint contains one of them.
_STACK_HINT_STEMS = ("Call ", "Allocated", "Freed", "acktrace", "Uninit was stored", "status: ")
assert all(any(stem in h for stem in _STACK_HINT_STEMS) for h in oopses.STACK_START_HINTS)


def find_all(text: str, needle: str) -> list[int]:
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
    "SError Interrupt",
    "CFI failure",
    "Kernel bug detected",
    "hard LOCKUP",
    "Machine Check Exception",
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


def candidates(text: str) -> dict[int, OopsKind]:
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
        for pos in find_all(text, needle):
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
        if (raw[:1].isalnum() or raw[:1] == "{") and from_userspace(raw):
            continue  # "openvpn[812]: WARNING: ..." in a syslog file is not the kernel's
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


def context_events(text: str) -> list[tuple[int, int]]:
    """(line start, line end) of OOM kills and allocation failures, sorted."""
    spans: set[tuple[int, int]] = set()
    for marker in CONTEXT_MARKERS:
        for pos in find_all(text, marker):
            spans.add(line_bounds(text, pos))
    return sorted(span for span in spans if not from_userspace(text[span[0] : span[1]]))
