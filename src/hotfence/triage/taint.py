"""Decode the kernel taint string printed in oops headers.

``CPU: 0 PID: 1 Comm: init Tainted: G    B   W  O      6.1.0 #1`` — after ``Tainted:`` the
kernel prints one character per taint bit (``print_tainted()`` in kernel/panic.c), a
space when the bit is clear. ``G``/``P`` share the first slot (proprietary module or not).

Red Hat kernels (RHEL 6 ``kernel/panic.c``, RHEL 7 likewise) print their unused bits as
``-`` and three bits of their own after them: ``Z`` (bit 27), ``H`` (28, unsupported
hardware) and ``T`` (29, technology preview), as in
``Tainted: G        W  ---------------  T 2.6.32-...``. A letter after a run of ``-`` is
one of those, never the upstream letter of the same name (upstream ``T`` is the
struct-randomisation plugin). SUSE builds give X and N their own meanings (external and
no support). Kernels since 6.12 also print a verbose line,
``Tainted: [W]=WARN, [O]=OOT_MODULE``.
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

# Red Hat's own bits, printed after its run of "-" placeholders (RHEL kernel/panic.c).
RHEL_TAINT_FLAGS: dict[str, str] = {
    "Z": "bit by zombie (Red Hat test taint)",
    "H": "hardware unsupported by Red Hat",
    "T": "Red Hat technology preview code in use",
}

# The flag block: letters, spaces, Red Hat's "-" placeholders (and old kernels' "?" for
# unknown bits) up to the release (which starts with a digit), "VLI" (i386 2.6) or the
# end of the line.
_TAINTED_RE = re.compile(r"Tainted: ([A-Z?](?:[A-Z?\- ]*[A-Z?\-])?)")
_VERBOSE_RE = re.compile(r"Tainted: (\[[A-Z]\]=\w+(?:, \[[A-Z]\]=\w+)*)")
# one flag of the verbose form: its letter
VERBOSE_FLAG_RE = re.compile(r"\[([A-Z])\]=")


# The mark a pager leaves where it cut a line: journalctl runs less with "-S" (systemd
# src/shared/pager.c pager_open(): LESS="FRSXMK" by default), which cuts a line wider
# than the terminal at its last column and puts its rscroll character there, ">" unless
# set otherwise (less optfunc.c opt_rscroll()). A journal copied from that screen holds
# the line's first columns and the mark.
PAGER_MARK = ">"
# What a pager leaves of a stack entry's caller it cut (32-bit ARM's "f from g+0x1/0x2"
# rows: "... from hotfence_cr>", "... from f+0x1/0x2 [hotf>", "... from f+0x1/0x2 >"): a
# pattern to end a row.
PAGER_CUT_CALLER = r"[\w.+/]*(?: (?:\[[\w.\-]*)?)?" + re.escape(PAGER_MARK) + "$"
# ... or a row it cut in the " from " itself, after the callee's blank: "hotfence_crash_
# slub_poison [hotfence_crash] from>", "kmalloc_trace fr>". The callee is whole.
PAGER_CUT_FROM = r"(?:f|fr|fro|from)" + re.escape(PAGER_MARK) + "$"
# ... or a row of 32-bit ARM's unwinder (6.1 arch/arm/kernel/traps.c
# dump_backtrace_entry(): " %ps from %pS", %ps of a module's symbol "f [mod]") cut in the
# callee's module: " hotfence_crash_slub_poison [hotfen>", "... [hotfence_crash] >". The
# callee before " [" is whole, the entry one; to follow the callee's name.
ARM_CUT_MODULE_ENTRY = r" \[[\w.\-]*(?:\] ?)?" + re.escape(PAGER_MARK) + "$"


def cut_by_pager(line: str, end: int) -> bool:
    """True when ``line`` ends in a pager's mark with only blanks between ``end`` and it:
    the field that ends at ``end`` may go on past the cut (no kernel line ends in ">"
    right after a release or a taint's flags)."""
    return line.endswith(PAGER_MARK) and not line[end:-1].strip()


def extract_taint(line: str) -> str | None:
    """Return the raw flag string from a line holding ``Tainted: ...``, else None.

    The verbose 6.12+ form gives its letters alone (``[W]=WARN, [O]=OOT_MODULE`` -> ``WO``).
    """
    m = _VERBOSE_RE.search(line)
    if m is not None:
        if line.endswith(PAGER_MARK):
            return None  # the list may go on past a pager's cut
        return "".join(VERBOSE_FLAG_RE.findall(m.group(1)))
    m = _TAINTED_RE.search(line)
    if m is None or cut_by_pager(line, m.end(1)):
        return None  # a pager's cut in the flags or their blanks: later flags are lost
    flags = m.group(1)
    if flags == "VLI" or flags.endswith(" VLI"):  # i386 2.6: "Tainted: P      VLI"
        flags = flags[:-3].rstrip()
    return flags or None


# SUSE kernels (SLE, openSUSE Leap) print two support letters of their own: "X" when an
# externally supported module is loaded, "N" for an unsupported one (TAINT_NO_SUPPORT).
SUSE_TAINT_FLAGS: dict[str, str] = {
    "X": "externally supported module loaded (SUSE)",
    "N": "unsupported module loaded (SUSE)",
}


def decode_taint(flags: str, suse: bool = False) -> list[str]:
    """Turn ``"G    B   W"`` into words; ``G`` (all modules GPL) adds nothing.

    ``suse``: the header says the kernel is a SUSE build, whose X and N mean support.
    """
    words: list[str] = []
    rhel = False
    for ch in flags:
        if ch == "-":
            rhel = True  # Red Hat's placeholders: the letters after them are its own bits
            continue
        if rhel:
            meaning = RHEL_TAINT_FLAGS.get(ch)
        elif suse and ch in SUSE_TAINT_FLAGS:
            meaning = SUSE_TAINT_FLAGS[ch]
        else:
            meaning = TAINT_FLAGS.get(ch)
        if meaning and meaning not in words:
            words.append(meaning)
    return words
