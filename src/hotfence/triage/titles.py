"""Title normalisation: make crash titles stable across runs, builds and machines.

A raw title such as ``WARNING: CPU: 1 PID: 4242 at net/core/dev.c:123 foo+0x1a/0x40``
carries addresses, PIDs, line numbers and function offsets that differ between two
occurrences of the same bug. The dashboard convention (syzkaller's) replaces them with
placeholders: hex addresses -> ``ADDR``, ``file.c:12`` -> ``file.c:LINE``,
``func+0x1/0x2`` -> ``func``, remaining decimal numbers -> ``NUM``; titles are cut at
120 characters.
"""

from __future__ import annotations

import re

MAX_TITLE_LEN = 120

# Each rule is applied until the string stops changing, because matches can overlap
# (e.g. "0,1,2" needs several passes of the NUM rule).
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Executor instance numbers are noise (syz-executor3, syz-executor.1/123).
    (re.compile(r"syz-executor\.?[0-9]+((/|:)[0-9]+)?"), "syz-executor"),
    (re.compile(r"syzkaller[0-9]+((/|:)[0-9]+)?"), "syzkaller"),
    # Anything that looks like an address (6+ hex digits not glued to an identifier).
    (re.compile(r"([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}"), r"\1ADDR"),
    (re.compile(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"), "IP"),
    # file.c:123 (and file.c:123:45) -> file.c:LINE
    (re.compile(r"(\.\w+)(:[0-9]+)+"), r"\1:LINE"),
    # func+0x1a/0x40 -> func: offsets and sizes change with every build.
    (re.compile(r"([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+/0x[0-9a-z]+"), r"\1"),
    (re.compile(r"CPU#[0-9]+"), "CPU"),
    # Stand-alone decimal numbers; digits inside identifiers (cfg80211) survive.
    (re.compile(r"(\W)(\d+)(\W|$)"), r"\1NUM\3"),
    # ...unless the digit run is so long it cannot be part of a name.
    (re.compile(r"(\d+){7,}"), "NUM"),
)


def normalise(title: str) -> str:
    """Return the stable form of a raw crash title (placeholders, clean spaces, <=120)."""
    for pattern, repl in _RULES:
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
