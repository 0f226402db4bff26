"""The loaded modules a report lists: ``print_modules()``'s line.

kernel/module/main.c (kernel/module.c before v5.19) prints, with every oops, WARNING,
soft lockup and bad-page report::

    Modules linked in: veth nvidia(POE) zfs(PO) ... [last unloaded: ipmi_si(E)]

each module as ``pr_cont(" %s%s", mod->name, module_flags(...))``: the name, then in
brackets the taint letters it brought and ``+`` / ``-`` while it loads or unloads. The
last unloaded module comes in square brackets (newer kernels add its taints the same
way). Kernels with CONFIG_MODULE_UNLOAD_TAINT_TRACKING (kernel/module/tracking.c) may
print ``Unloaded tainted modules: a(P):1 ...`` after the list, a record of its own. A
console that splits a long list carries the rest on lines that start with the space
printed before the next name, without the heading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_HEADING = "Modules linked in:"
# A module as print_modules() prints it: its name (what module names are made of) and
# module_flags()'s taint letters and load-state marks.
_MODULE = r"([\w-]+)(?:\(([A-Z+\-]+)\))?"
_MODULE_RE = re.compile(_MODULE)
_LAST_RE = re.compile(rf"\[last unloaded: {_MODULE}\]")
# A line that goes on with the list: the space pr_cont() put before a name, then names;
# or the last unloaded one alone, when the record was split right before it (3.5-4.x
# printk's cont_add() stores a piece that no longer fits its buffer as a record of its
# own, kernel/printk/printk.c: any piece, the " [last unloaded: %s]" one too).
_GOES_ON_RE = re.compile(
    rf" {_MODULE}(?: {_MODULE})*(?: \[last unloaded: [^\]]*\])?$| \[last unloaded: [^\]]*\]$"
)

# The lines print_modules()'s callers print right after the list.
_AFTER_LIST_RE = re.compile(
    # lib/dump_stack.c dump_stack_print_info() (3.10+: x86, arm64, ARM, powerpc, s390,
    # riscv __die() / show_regs(), __warn()'s dump_stack())
    r"CPU: \d+ PID: \d+ Comm: "
    # x86 __show_regs() and dump_stack() of 2.6.2x-3.9
    r"|Pid: \d+, comm: "
    # i386 show_registers() of 2.6 ("CPU:    0"), ARM __show_regs() before 3.10
    r"|CPU: +\d+(?: |$)"
    # MIPS show_registers() (arch/mips/kernel/traps.c)
    r"|Process \S+ \(pid: \d+"
    # kernel/module/tracking.c print_unloaded_tainted_modules() (5.18+)
    r"|Unloaded tainted modules:"
    # SUSE's kernels (SLES 9-15, openSUSE; the "SUSE/external support flag in modules"
    # patch, patches.suse/supported-flag) print the kernel's support status as a line
    # of its own after the list: "Supported: Yes", "Supported: Yes, External",
    # "Supported: No, Unsupported modules are loaded"
    r"|Supported: (?:Yes|No)\b"
    # the soft lockup watchdog's print_irqtrace_events() (kernel/locking/lockdep.c)
    r"|irq event stamp: "
    # x86 __die_body() prints the list after show_regs() (4.x+): then a page fault's
    # "CR2: %016lx" (arch/x86/mm/fault.c), or oops_end()'s print_oops_end_marker()
    # (kernel/panic.c "---[ end trace %016llx ]---")
    r"|CR2: [0-9a-f]+\s*$|---\[ end trace "
)

# CONFIG_MODULE_UNLOAD_TAINT_TRACKING (5.18+, Fedora's and RHEL's kernels) lists the
# tainting modules unloaded since boot between the names and the last unloaded one:
# print_modules() calls print_unloaded_tainted_modules() (kernel/module/tracking.c), a
# record of its own, printk(KERN_DEFAULT "Unloaded tainted modules:") then
# pr_cont(" %s(%s):%llu") for each (name, taints, times unloaded), before its own
# pr_cont(" [last unloaded: %s%s]"), which so ends that record, not the list's:
# "Unloaded tainted modules: force_swiotlb_for_pci(OE):1 [last unloaded: nbd]".
_UNLOADED_TAINTED = "Unloaded tainted modules:"
_TAINTED = r"[\w-]+\([A-Z]*\):\d+"
_TAINTED_GOES_ON_RE = re.compile(rf" {_TAINTED}(?: {_TAINTED})*(?: \[last unloaded: [^\]]*\])?\s*$")
# The list run into the line after it, the newline between them lost: "... dm_log
# dm_modCPU: 4 PID: 3121 Comm: insmod ...", where a terminal's 80-column rows were
# joined back (a row exactly 80 wide may be cut or whole alike) or a copy dropped line
# breaks. No name holds what those lines start with (a ":", a "(pid:", a "---[").
_RUN_IN_RE = re.compile(rf"(?<=[\w)\]])(?:{_AFTER_LIST_RE.pattern})")


# A terminal cuts a row at its width whatever is there, inside a name or its flags too:
# the rest of the list in the next row starts with the name's rest (or the space before
# the next one), then names, up to the list's end.
_CUT_REST_RE = re.compile(rf"[\w()+\-]*(?: {_MODULE})*(?: \[last unloaded: [^\]]*\])?\s*")


def heads_list(text: str) -> bool:
    """Does ``text`` (a line without its prefix) hold print_modules()'s heading?"""
    return _HEADING in text


def list_rest(text: str) -> bool:
    """Is ``text``, a row with no prefix, the rest of a list a terminal cut anywhere in
    it (``_CUT_REST_RE``)?"""
    return bool(text.strip()) and _CUT_REST_RE.fullmatch(text) is not None


def goes_on_list(text: str) -> bool:
    """Is ``text`` (a line without its prefix) a piece of a list in a record of its own,
    the space pr_cont() put before a name, then names (``_GOES_ON_RE``)?"""
    return _GOES_ON_RE.match(text) is not None


def ends_list(text: str) -> bool:
    """Is ``text`` (a line without its prefix) one that may come right after the list:
    its own end in a record of its own (its last unloaded module), a line
    print_modules()'s callers print next (``_AFTER_LIST_RE``), or the empty line x86's
    __show_regs() of 2.6.2x-3.x printed before its "Pid: %d, comm: %.*s" line?"""
    return (
        not text.strip()
        or _LAST_RE.search(text) is not None
        or _AFTER_LIST_RE.match(text) is not None
    )


# A mail client's wrap of the list in a log with no prefix (a mail of 2010, "Modules
# linked in: md5 mmfs26(X) ... nfsd lockd" then "nfs_acl auth_rpcgss ..." rows up to
# "scsi_mod [last" and "unloaded: tracedev]", then SUSE's "Supported: No, ..."): the
# wrap, at 70 columns or fewer, leaves rows a name would have fitted after, so the
# width proves nothing; the rows do, when every one is names of print_modules()'s
# shape (" %s%s": a name, its flags in brackets) up to the list's "[last unloaded:
# %s%s]", which the wrap may cut after "[last" or "unloaded:", and the next row is a
# line print_modules()'s callers print after the list (_AFTER_LIST_RE).
_ROW_NAME = r"[\w-]+(?:\([A-Z+\-]+\))?"
# (matched after a blank put before the row: its names, each after its blank, then the
# last unloaded one or its cut start, alone in a row too)
_NAMES_ROW_RE = re.compile(
    rf"(?: {_ROW_NAME})*(?P<last> \[last(?P<un> unloaded:(?P<done> {_ROW_NAME}\])?)?)?"
)
# the rest of a "[last unloaded: %s]" cut after "[last" or after "unloaded:"
_LAST_REST_RE = {
    "[last": re.compile(rf"unloaded: {_ROW_NAME}\]"),
    "unloaded:": re.compile(rf"{_ROW_NAME}\]"),
}
# (rows read at most: 77 modules of SLES 11 took 11 rows of a 70-column wrap)
MAX_LIST_ROWS = 24


def rows_close_list(cut_line: str, rows: Iterable[str | None]) -> bool:
    """Are ``rows`` (the bare rows after ``cut_line``, a "Modules linked in:" line cut
    before its list ended; None for a row with a prefix) the rest of its list, names
    only up to its end, then a line print_modules()'s callers print next (see above)?"""
    head = cut_line.rstrip()
    # the piece of "[last unloaded: %s]" the row before ended in
    cut = (
        "[last"
        if head.endswith(" [last")
        else "unloaded:"
        if head.endswith(" [last unloaded:")
        else ""
    )
    names = 1 if cut else 0
    ended = False
    for row in rows:
        if row is None:
            return False
        text = row.strip()
        if not text and names and cut not in _LAST_REST_RE and not ended:
            ended = True  # x86's __show_regs() of 2.6.2x-3.x: an empty line, then "Pid:"
            continue
        if cut in _LAST_REST_RE:
            if _LAST_REST_RE[cut].fullmatch(text) is None:
                return False
            cut = "done"
            continue
        if ended or cut == "done" or (m := _NAMES_ROW_RE.fullmatch(f" {text}")) is None:
            return names > 0 and _AFTER_LIST_RE.match(text) is not None
        names += 1
        if m["done"]:
            cut = "done"
        elif m["un"]:
            cut = "unloaded:"
        elif m["last"]:
            cut = "[last"
    return False


@dataclass
class Modules:
    names: list[str] = field(default_factory=list)
    tainting: list[str] = field(default_factory=list)  # "name(FLAGS)" of modules with flags
    last_unloaded: str | None = None


def linked_modules(texts: list[str]) -> Modules | None:
    """The modules of the first ``Modules linked in:`` line of ``texts`` (a report's
    lines, prefixes stripped), with the lines it goes on on; None when there is none."""
    for i, t in enumerate(texts):
        at = t.find(_HEADING)
        if at < 0:
            continue
        listed = t[at + len(_HEADING) :]
        j = i + 1
        while j < len(texts) and "[last unloaded:" not in listed and _GOES_ON_RE.match(texts[j]):
            listed += texts[j]
            j += 1
        if "[last unloaded:" not in listed and (past := _past_interleaved(texts, j)) is not None:
            more, j = past
            listed += more
        if j < len(texts) and "[last unloaded:" not in listed:
            listed += _unloaded_tainted(texts, j)
        return _read(listed)
    return None


# print_modules()'s pr_cont() pieces join their record only while no other record came
# between (6.x kernel/printk/printk.c vprintk_store(): a LOG_CONT piece goes into the
# last record, prb_reserve_in_last(), only when that record is the same caller's): on a
# busy console another CPU's line lands inside the list, whose rest goes on as a stamped
# record of its own, " name name ..." (LKFT's db845c on next-20220720, "[ 9.811082]
# Modules linked in: hci_uart qcom_camss msm(+) videobuf2_dma_sg", "[ 9.823435]
# ath10k_snoc 18800000.wifi: supply vdd-3.3-ch1 not found, ...", "[ 9.827664]
# ath10k_snoc(+) btqca v4l2_fwnode ..."). Such a piece is read past one other line
# before it, and only when the list so read ends a few lines before a line
# print_modules()'s callers print next (_AFTER_LIST_RE): a task header, printed before
# any register or trace row, so no trace row with no offset (" schedule") is a name.
_MAX_AFTER_LIST = 4


def _past_interleaved(texts: list[str], at: int) -> tuple[str, int] | None:
    """The pieces of the list that go on past lines of other records from ``texts[at]``
    on, and where they end (see above); None when there are none or no line that comes
    after a list closes them."""
    listed = ""
    j = at
    while (
        j + 1 < len(texts)
        and "[last unloaded:" not in listed
        and not _GOES_ON_RE.match(texts[j])
        and _AFTER_LIST_RE.match(texts[j]) is None
        and _GOES_ON_RE.match(texts[j + 1])
    ):
        j += 1  # (the other record's line)
        while j < len(texts) and "[last unloaded:" not in listed and _GOES_ON_RE.match(texts[j]):
            listed += texts[j]
            j += 1
    if not listed:
        return None
    if "[last unloaded:" in listed or any(
        _AFTER_LIST_RE.match(t) for t in texts[j : j + _MAX_AFTER_LIST + 1]
    ):
        return listed, j
    return None


def _unloaded_tainted(texts: list[str], at: int) -> str:
    """The ``[last unloaded: ...]`` that ends the record of unloaded tainted modules at
    ``texts[at]`` (``_UNLOADED_TAINTED``), or ""."""
    t = texts[at].lstrip()
    if not t.startswith(_UNLOADED_TAINTED):
        return ""
    listed = t
    for more in texts[at + 1 :]:
        if "[last unloaded:" in listed or not _TAINTED_GOES_ON_RE.match(more):
            break
        listed += more
    last = _LAST_RE.search(listed)
    return " " + last.group() if last is not None else ""


def _read(listed: str) -> Modules:
    out = Modules()
    run_in = _RUN_IN_RE.search(listed)
    if run_in is not None:
        rest = listed[run_in.start() :]
        listed = listed[: run_in.start()]
        if rest.startswith(_UNLOADED_TAINTED) and (last := _LAST_RE.search(rest)):
            listed += " " + last.group()
    last = _LAST_RE.search(listed)
    if last is not None:
        out.last_unloaded = last.group(1)
        listed = listed[: last.start()]
    for token in listed.split():
        m = _MODULE_RE.fullmatch(token)
        if m is None:
            break  # not a module list any more (a line run into it)
        out.names.append(m.group(1))
        if m.group(2):
            out.tainting.append(token)
    return out
