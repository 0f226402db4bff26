"""Decode the kernel taint string printed in oops headers.

``CPU: 0 PID: 1 Comm: init Tainted: G    B   W  O      6.1.0 #1`` — after ``Tainted:`` the
kernel prints one character per taint bit (``print_tainted()`` in kernel/panic.c), a
space when the bit is clear. ``G``/``P`` share the first slot (proprietary module or not).
"""

from __future__ import annotations

import re

# Letter -> meaning, from Documentation/admin-guide/tainted-kernels.rst.
TAINT_FLAGS: dict[str, str] = {
    "P": "proprietary module loaded",
    "F": "module force-loaded",
    "S": "kernel running on out-of-spec system",
    "R": "module force-unloaded",
    "M": "machine check exception",
    "B": "bad page referenced or unexpected page flags",
    "U": "taint requested by userspace",
    "D": "kernel died recently (OOPS or BUG)",
    "A": "ACPI table overridden",
    "W": "kernel issued a warning",
    "C": "staging driver loaded",
    "I": "platform firmware bug workaround",
    "O": "out-of-tree module loaded",
    "E": "unsigned module loaded",
    "L": "soft lockup occurred",
    "K": "kernel live-patched",
    "X": "auxiliary taint (distribution-defined)",
    "T": "built with struct randomization plugin",
    "N": "in-kernel test has been run",
    "J": "userspace used a mutating debug operation in fwctl",
}

# The flag block: letters and single/multiple spaces up to the release (which starts
# with a digit) or the end of line.
_TAINTED_RE = re.compile(r"Tainted: ([A-Z](?:[A-Z ]*[A-Z])?)")


def extract_taint(line: str) -> str | None:
    """Return the raw flag string from a line holding ``Tainted: ...``, else None."""
    m = _TAINTED_RE.search(line)
    return m.group(1) if m else None


def decode_taint(flags: str) -> list[str]:
    """Turn ``"G    B   W"`` into words; ``G`` (all modules GPL) adds nothing."""
    words: list[str] = []
    for ch in flags:
        meaning = TAINT_FLAGS.get(ch)
        if meaning and meaning not in words:
            words.append(meaning)
    return words
