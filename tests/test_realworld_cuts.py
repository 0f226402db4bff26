"""Real kernel logs (tests/data/realworld) cut and wrapped as operators paste them:
journalctl's pager (less -S) cutting each line at the terminal's width, and mail
clients and Bugzilla wrapping at words. What is left of a fact is the fact or nothing,
never a wrong one (see test_realworld_wrap.py for the shapes' history).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_input
from hotfence.triage.stamps import cut_width, mark_cut_rows
from test_realworld_wrap import _PRINTK_TIME, _bugzilla_comment, _paged_journal

DATA = Path(__file__).parent / "data" / "realworld"


def _assert_cut_keeps_kind(name: str, widths: Iterable[int], cut: str) -> None:
    """At each width the paged log shows `cut` (a line the pager ended in ">") and its first
    report keeps the uncut log's kind: its title whole, or with "corrupted" for the function."""
    console = (DATA / f"{name}.log").read_text()
    want = parse_log(console)[0]
    function = want.title.rpartition(" in ")[2]
    for columns in widths:
        paged = _paged_journal(console, columns)
        assert re.search(cut, paged), columns
        got = parse_log(paged)[0]
        assert got.title in (want.title, want.title.replace(function, "corrupted")), columns
        assert got.type == want.type, columns


def test_an_old_x86_task_line_a_pager_cut_in_its_taint_names_the_task_whole() -> None:
    # x86 __show_regs() before 3.10 (2.6.32 arch/x86/kernel/process_32.c): "Pid: %d,
    # comm: %s %s (%s %.*s) %s", the comm then print_tainted(). A 60-column pager cuts
    # it in "Not tainted": "Pid: 2231, comm: pulseaudio N>". The name is whole before
    # its blank; a cut anywhere in the line names the task whole (i386 die()'s "Process
    # pulseaudio (pid: 2231, ..." names it too) and no part of what follows it
    console = (DATA / "debian6-i386-oops.log").read_text()
    (want,) = parse_log(console)
    assert (want.pid, want.comm) == (2231, "pulseaudio")
    line = console[console.index("Pid: 2231") :].split("\n", 1)[0]
    for end in range(line.index("comm: ") + 7, len(line)):
        (got,) = parse_log(console.replace(line, line[:end] + ">", 1))
        assert (got.pid, got.comm) == (2231, "pulseaudio"), line[:end]
    (paged,) = parse_log(_paged_journal(console, 60))
    assert (paged.pid, paged.comm) == (2231, "pulseaudio")


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("x86-6.12.115-null-deref", "BUG: kernel NULL pointer dereference, address: "),
        ("i386-6.1.0-50-mod-null", "BUG: kernel NULL pointer dereference, address: "),
    ],
)
def test_an_x86_oops_whose_fault_line_was_lost_is_named_by_its_cr2(name: str, header: str) -> None:
    # page_fault_oops() (arch/x86/mm/fault.c, 6.x) words a kernel fault below PAGE_SIZE
    # "BUG: kernel NULL pointer dereference, address: %px", any other "BUG: unable to
    # handle page fault for address: %px"; __die_header()'s "Oops: ..." follows, then
    # __show_regs()'s "CR2: " with that address. A paste begun after the first line (or
    # a journal of the stamped lines alone) still says which by its CR2
    console = (DATA / f"{name}.log").read_text()
    want = parse_log(console)[0]
    assert want.title.startswith("BUG: unable to handle kernel NULL pointer dereference in ")
    line = console[console.index(header) :].split("\n", 1)[0]
    cut = console.replace(line, "", 1)
    got = parse_log(cut)[0]
    assert (got.title, got.type) == (want.title, want.type)
    assert (got.rip, [f.function for f in got.frames]) == (
        want.rip,
        [f.function for f in want.frames],
    )
    # the same oops at a page's address is a paging request
    far = re.sub(r"CR2: 0+([0-9a-f]{1,3})\b", lambda m: m.group(0)[:-4] + "1008", cut)
    assert far != cut
    assert parse_log(far)[0].title == want.title.replace(
        "NULL pointer dereference", "paging request"
    )
    (journal,) = parse_log(_paged_journal(console[console.index(header) :], 80))
    assert journal.title == want.title


def test_an_interrupt_stack_overflow_whose_trace_a_pager_cut_names_no_irq_entry() -> None:
    # powerpc check_stack_overflow() (arch/powerpc/kernel/irq.c, 6.1): "do_IRQ: stack
    # overflow: %ld" and dump_stack() from __do_irq(): its own entries (__do_irq,
    # __do_IRQ, do_IRQ, hardware_interrupt_common_virt), then the interrupted task's. A
    # pager cuts the longer names ("hardware_in>"): the trace goes on below the cut, so
    # the last entry read is not where the unwinder stopped (riscv handle_bad_stack()'s
    # outermost frame), and do_IRQ is no culprit. The title is whole or corrupted.
    console = (DATA / "ppc64le-6.1-do-irq-stack-overflow.log").read_text()
    (want,) = parse_log(console)
    assert want.title == "do_IRQ: stack overflow in proc_reg_write"
    for columns in range(60, 131, 2):
        (got,) = parse_log(_paged_journal(console, columns))
        assert (got.title, got.corrupted) in (
            (want.title, False),
            ("do_IRQ: stack overflow in corrupted", True),
        ), columns


def test_an_arm_pc_line_a_pager_cut_in_its_size_names_the_looping_function() -> None:
    # 32-bit ARM __show_regs() (arch/arm/kernel/process.c, 6.1) prints "PC is at %pS":
    # "PC is at hotfence_crash_softlockup+0x28/0x3c [hotfence_crash]". At 72 columns the
    # pager cuts it in the size, "PC is at hotfence_crash_softlockup+0x28/0>": the
    # function is whole, and the unwinder's entry for it (dump_backtrace_entry(): "%ps
    # from %pS", " hotfence_crash_softlockup [hotfence_cras>") names its module, the
    # one "Modules linked in:" lists by that start. The soft lockup is the module's
    # own loop, titled by it as in the whole log.
    console = (DATA / "armhf-6.1.0-50-mod-softlockup.log").read_text()
    want = parse_log(console)[0]
    assert want.title == "BUG: soft lockup in hotfence_crash_softlockup"
    paged = _paged_journal(console, 72)
    assert "PC is at hotfence_crash_softlockup+0x28/0>\n" in paged
    got = parse_log(paged)[0]
    assert got.rip is not None
    assert (got.title, got.rip.function, got.rip.module) == (
        want.title,
        "hotfence_crash_softlockup",
        "hotfence_crash",
    )
    # a trace that names the function in no module leaves the RIP no module's
    bare = paged.replace(
        " hotfence_crash_softlockup [hotfence_cras>", " hotfence_crash_softlockup>"
    )
    got = parse_log(bare)[0]
    assert got.rip is not None and got.rip.module is None


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("riscv64-6.12.117+deb13-mod-hardlockup", 80),
        ("mips64el-6.1.0-50-kill-init", 77),
        ("ppc64le-6.1.0-50-mod-hardlockup", 77),
    ],
)
def test_a_boot_banner_a_wrap_cut_after_version_names_the_release(
    name: str, columns: int, tmp_path: Path
) -> None:
    # init/version.c linux_banner, "Linux version %s (%s@%s) (%s) %s": in
    # /var/log/messages (rsyslog's "%b %d %H:%M:%S host kernel: " before it) pasted in a
    # Bugzilla comment or a mail, the wrap falls on the blank after "version", which it
    # drops: "... kernel: [    0.000000] Linux version" and "6.12.117+deb13-riscv64
    # (debian-kernel@...". The reports with no task header of their own (a hard
    # lockup's, an RCU stall's, a panic whose dump a wrap cut) take the release from the
    # banner as in the file unwrapped, read whole or streamed.
    console = (DATA / f"{name}.log").read_text()
    messages = "\n".join(
        f"Mar 22 20:35:27 dixan kernel: {line}" if line else line for line in console.split("\n")
    )
    wrapped = _bugzilla_comment(messages, columns)
    assert "] Linux version\n" in wrapped
    want = [r.kernel_release for r in parse_log(messages)]
    assert want and None not in want
    assert [r.kernel_release for r in parse_log(wrapped)] == want
    copy = tmp_path / "messages.txt"
    copy.write_text(wrapped)
    assert [r.kernel_release for r in triage_input(str(copy), jobs=1).reports] == want


@pytest.mark.parametrize(
    "name",
    [
        "arm64-6.1.0-50-mod-slub-redzone",
        "armhf-6.1.0-50-mod-slub-poison",
        "i386-6.1.0-50-mod-slub-redzone",
        "mipsel-6.1.0-50-mod-slub-redzone",
        "s390x-6.1.0-50-mod-slub-redzone",
        "riscv64-6.12.117+deb13-mod-slub-redzone",
    ],
)
def test_a_slub_header_a_pager_cut_in_its_taint_is_titled_as_slub(name: str) -> None:
    # mm/slub.c slab_bug(): "BUG %s (%s): %pV", the cache, print_tainted() and the
    # problem. After journalctl's prefix a pager 60-78 columns wide cuts it in the
    # taint's flags or blanks ("BUG kmalloc-128 (Tainted: G           O>") or right after
    # them ("... OE     ):>"): still SLUB's report, its problem lost, titled by its
    # trace as the whole line is. No title holds the cut taint.
    console = (DATA / f"{name}.log").read_text()
    want = parse_log(console)[0]
    assert want.title.startswith("SLUB: ")
    function = want.title.rpartition(" in ")[2]
    for columns in range(60, 80):
        got = parse_log(_paged_journal(console, columns))[0]
        assert "Tainted" not in got.title, columns
        assert got.type == want.type, columns
        assert got.title.startswith("SLUB: "), (columns, got.title)
        assert got.title.rpartition(" in ")[2] in (function, "corrupted"), (columns, got.title)


@pytest.mark.parametrize(
    "name",
    [
        "armhf-6.1.0-50-mod-slub-poison",
        "armhf-6.1.0-50-mod-slub-redzone",
        "armhf-6.1.0-50-mod-warn",
        "armhf-6.1.0-50-mod-softlockup",
    ],
)
def test_an_arm_entry_a_pager_cut_in_its_module_is_its_callees(name: str) -> None:
    # 32-bit ARM's unwinder (6.1 arch/arm/kernel/traps.c dump_backtrace_entry(): " %ps
    # from %pS") names a module's function "f [mod]": " hotfence_crash_slub_poison
    # [hotfence_crash] from hotfence_crash_do+0x118/0x194 [hotfence_crash]". A pager
    # 60-78 columns wide cuts it in the callee's module, " hotfence_crash_slub_poison
    # [hotfen>": the callee is whole and the entry one. Read on past it, a title named
    # a caller ("SLUB: in proc_reg_write", "WARNING in proc_reg_write").
    console = (DATA / f"{name}.log").read_text()
    want = parse_log(console)[0]
    function = want.title.rpartition(" in ")[2]
    if name.endswith("softlockup"):
        # (titled by its PC line's function, which the pager cuts too below 68 columns)
        # the report's trace holds the cut entry
        got = parse_log(_paged_journal(console, 72))[0]
        assert [f.function for f in got.frames][:4] == [f.function for f in want.frames][:4]
        return
    for columns in range(60, 80, 2):
        got = parse_log(_paged_journal(console, columns))[0]
        assert got.title.rpartition(" in ")[2] in (function, "corrupted"), (columns, got.title)


@pytest.mark.parametrize(
    "name",
    [
        "armhf-6.1.0-50-mod-softlockup",
        "arm64-6.1.0-50-mod-softlockup",
        "i386-6.1.0-50-mod-softlockup",
        "mipsel-6.1.0-50-mod-softlockup",
        "mips64el-6.1.0-50-mod-softlockup",
        "x86-6.1-soft-lockup",
    ],
)
def test_a_lockup_whose_rip_line_a_pager_cut_before_its_module_is_no_callers(name: str) -> None:
    # A lockup looping in a module's function is titled by it (titles.looping_title),
    # one in vmlinux by its trace (syzkaller's). The RIP line's "%pS" says which by its
    # " [mod]": 32-bit ARM __show_regs() "PC is at %pS" (arch/arm/kernel/process.c),
    # arm64's "pc : %pS", x86 show_ip() "RIP: %04x:%pS" / i386 "EIP: %pS", MIPS
    # __show_regs() "epc   : %0*lx %pS" (arch/mips/kernel/traps.c), all 6.1. A pager
    # that cut it before the module (less -S, "PC is at hotfence_crash_softlockup+>")
    # leaves the function's trace entry to tell ("%ps"/"%pS" of dump_backtrace_entry():
    # " hotfence_crash_softlockup [hotfenc>" is a module's); where nothing tells, or the
    # cut took the name itself ("epc   : c00f6138 hotfence_crash_softl>"), the title is
    # not the caller's unmarked: it is the whole log's or corrupted.
    console = (DATA / f"{name}.log").read_text()
    (want,) = parse_log(console)
    assert want.rip is not None and want.rip.module is not None
    assert want.title == f"BUG: soft lockup in {want.rip.function}"
    for columns in range(58, 101):
        got = parse_log(_paged_journal(console, columns))[0]
        assert got.title == want.title or got.corrupted, (columns, got.title)
    paged = _paged_journal(console, 66)
    if name.startswith("armhf"):
        # the function's entry shows its module, its name cut: a module's loop
        assert " hotfence_crash_softlockup [hotfenc>\n" in paged
        assert "PC is at hotfence_crash_softlockup+>\n" in paged
        got = parse_log(paged)[0]
        assert (got.title, got.corrupted) == (want.title, False)
        # an entry whole up to " from " names no module: a vmlinux function's loop
        vmlinux = paged.replace(
            " hotfence_crash_softlockup [hotfenc>", " hotfence_crash_softlockup from hot>"
        )
        got = parse_log(vmlinux)[0]
        assert (got.title, got.corrupted) == ("BUG: soft lockup in proc_reg_write", False)
        # cut at 74 in the size, the entry names the module whole
        got = parse_log(_paged_journal(console, 74))[0]
        assert got.rip is not None and got.rip.module == "hotfence_crash"


@pytest.mark.parametrize(
    "name",
    [
        "armhf-6.1.0-50-mod-softlockup",
        "riscv64-6.12.117+deb13-mod-softlockup",
        "x86-6.1-soft-lockup",
    ],
)
def test_a_lockup_header_a_pager_cut_in_its_words_is_titled_as_a_lockup(name: str) -> None:
    # watchdog_timer_fn() (kernel/watchdog.c, 6.1): pr_emerg("BUG: soft lockup - CPU#%d
    # stuck for %us! [%s:%d]\n") after its "watchdog: " pr_fmt. A 56-column pager
    # (less -S) leaves "watchdog: BUG: soft locku>", which no title format reads: the
    # one format whose words start with what is left names it, never the fragment.
    console = (DATA / f"{name}.log").read_text()
    (want,) = parse_log(console)
    paged = _paged_journal(console, 56)
    assert "watchdog: BUG: soft locku>\n" in paged
    got = parse_log(paged)[0]
    assert got.title.startswith("BUG: soft lockup in "), got.title
    assert got.type == want.type
    assert got.title == want.title or got.corrupted


@pytest.mark.parametrize(
    "name", ["arm64-6.1.0-50-mod-stack-overflow", "riscv64-6.12.117+deb13-mod-stack-overflow"]
)
def test_a_stack_overflow_whose_first_line_a_pager_cut_is_one_overflow(name: str) -> None:
    # arm64's panic_bad_stack() (arch/arm64/kernel/traps.c, 6.1) and riscv's
    # handle_bad_stack() (arch/riscv/kernel/traps.c, 6.12): "Insufficient stack space to
    # handle exception!", the stacks' bounds, __show_regs(), then panic("kernel stack
    # overflow") (riscv: "Kernel stack overflow") and its trace: one report. A pager
    # (less -S) at 60-76 columns cuts the first line ("Insufficient stack space to handle
    # except>") and at 72 the panic's ("Kernel panic - not syncing: kernel stack >"):
    # still one overflow, titled as the whole log or corrupted, never "kernel panic:
    # kernel stack" from the panic's fragment, and with the panic's trace.
    console = (DATA / f"{name}.log").read_text()
    (want,) = parse_log(console)
    assert want.title.startswith("kernel stack overflow in ")
    for columns in range(60, 101):
        paged = _paged_journal(console, columns)
        (got,) = parse_log(paged)
        assert got.title == want.title or got.corrupted, (columns, got.title)
        assert got.title.startswith("kernel stack overflow in "), (columns, got.title)
    paged = _paged_journal(console, 72)
    assert "Insufficient stack space to handle except>\n" in paged
    assert re.search(r"Kernel panic - not syncing: [Kk]ernel stack >\n", paged)
    (got,) = parse_log(paged)
    assert (got.title, got.corrupted, got.end_line) == (want.title, False, want.end_line)
    if name.startswith("arm64"):
        assert [f.function for f in got.frames] == [f.function for f in want.frames]


@pytest.mark.parametrize(
    ("name", "widths"),
    [
        ("x86-6.1.0-56-rtnl-warn", range(56, 61)),
        ("x86-6.1.0-56-warn-no-bugverbose", range(56, 61)),
        ("x86-6.1-warn-then-panic", range(56, 61)),
        ("x86-6.1-missing-endbr", range(56, 64)),
    ],
)
def test_a_rip_line_a_pager_cut_in_its_name_titles_no_caller(name: str, widths: range) -> None:
    # x86 show_ip() "RIP: %04x:%pS" (6.1 arch/x86/kernel/dumpstack.c) cut by a narrow
    # pager (less -S) in the function's name: "RIP: 0010:hotfence_crash_>". x86's trace
    # starts at the caller, and a #CP's trace holds the "RIP:" of the code it interrupted:
    # neither names the function that faulted ("WARNING in hotfence_crash_do" for
    # hotfence_crash_rtnl, "kernel BUG in hotfence_crash_bug" for exc_control_protection).
    console = (DATA / f"{name}.log").read_text()
    want = parse_log(console)[0]
    function = want.title.rpartition(" in ")[2]
    for columns in widths:
        paged = _paged_journal(console, columns)
        assert re.search(r"RIP: 0010:" + function[:8] + r"\w*>\n", paged), columns
        got = parse_log(paged)[0]
        assert got.title == want.title.replace(function, "corrupted"), (columns, got.title)
        assert got.corrupted, columns
    # cut one column wider, past the name, the report is the whole log's
    got = parse_log(_paged_journal(console, widths.stop + 1))[0]
    assert (got.title, got.corrupted) == (want.title, False)


@pytest.mark.parametrize(
    ("name", "widths"),
    [
        ("rhel7-hard-lockup-nmi-panic", range(64, 101)),
        ("x86-6.6-hard-lockup-buddy", range(60, 101)),
    ],
)
def test_a_hard_lockup_line_a_pager_cut_in_its_words_is_a_hard_lockup(
    name: str, widths: range
) -> None:
    # watchdog_hardlockup_check() (kernel/watchdog.c, 6.6; watchdog_overflow_callback()
    # in 3.10's kernel/watchdog.c before): pr_emerg("Watchdog detected hard LOCKUP on cpu
    # %d\n") after its "watchdog: " pr_fmt ("NMI watchdog: " on RHEL 7), then the locked
    # CPU's registers and panic("Hard LOCKUP"). A pager (less -S) at 60-68 columns
    # leaves "watchdog: Watchdog detected h>" to "... hard LOCK>": still the lockup,
    # never the panic's fragment ("kernel panic: Hard") read as the report.
    console = (DATA / f"{name}.log").read_text()
    (want,) = parse_log(console)
    assert want.title.startswith("BUG: hard lockup in ")
    for columns in widths:
        paged = _paged_journal(console, columns)
        got = parse_log(paged)[0]
        assert got.title.startswith("BUG: hard lockup in "), (columns, got.title)
        assert got.title == want.title or got.corrupted, (columns, got.title)
        assert (got.type, got.start_line) == (want.type, want.start_line), columns
    assert "watchdog: Watchdog detected h>\n" in _paged_journal(console, widths.start)


def test_a_powerpc_self_detected_lockup_a_pager_cut_is_a_hard_lockup() -> None:
    # soft_nmi_interrupt() (arch/powerpc/kernel/watchdog.c, 6.1): "CPU %d self-detected
    # hard LOCKUP @ %pS" after its "watchdog: " pr_fmt, then "CPU %d TB:%lld, last
    # heartbeat TB:%lld (%lldms ago)", print_modules() and show_regs(). A pager (less -S)
    # cuts it at 56 columns in its words ("watchdog: CPU 1 self-dete>") and at 66-73
    # before its " @": still the hard lockup, never lost to the soft lockup or the RCU
    # stall later in the log.
    console = (DATA / "ppc64le-6.1.0-50-mod-hardlockup.log").read_text()
    want = parse_log(console)[0]
    assert want.title.startswith("BUG: hard lockup in ")
    assert "watchdog: CPU 1 self-dete>\n" in _paged_journal(console, 56)
    for columns in range(56, 101):
        got = parse_log(_paged_journal(console, columns))[0]
        assert got.title.startswith("BUG: hard lockup in "), (columns, got.title)
        assert got.title == want.title or got.corrupted, (columns, got.title)
        assert (got.type, got.pid) == (want.type, want.pid), columns


def test_a_powerpc_self_detected_lockup_a_pager_cut_after_its_cpu_is_a_hard_lockup() -> None:
    # The same line at 48..55 columns: "watchdog: CPU 1 s>" .. "watchdog: CPU 1 self-d>",
    # no "self-det" left. No other line of arch/powerpc/kernel/watchdog.c goes on "CPU %d
    # s" (6.1: "CPU %d Hard LOCKUP", "CPU %d detected hard LOCKUP on other CPUs %*pbl",
    # "CPU %d became unstuck TB:%lld", "CPU %d TB:%lld, last heartbeat ..."): still the
    # hard lockup of CPU 1's task, never the soft lockup of the same spin later in the log.
    console = (DATA / "ppc64le-6.1.0-50-mod-hardlockup.log").read_text()
    want = parse_log(console)[0]
    assert "watchdog: CPU 1 s>\n" in _paged_journal(console, 48)
    start = parse_log(_paged_journal(console, 200))[0].start_line
    for columns in range(48, 56):
        got = parse_log(_paged_journal(console, columns))[0]
        assert got.title == "BUG: hard lockup in corrupted", (columns, got.title)
        assert (got.type, got.pid, got.cpu) == (want.type, want.pid, want.cpu), columns
        assert got.start_line == start, columns
    # a line of the detector's that goes on otherwise after "CPU %d " is no header
    unstuck = console.replace("CPU 1 self-detected hard LOCKUP @", "CPU 1 TB:14904559233 @")
    got = parse_log(_paged_journal(unstuck, 48))[0]
    assert not got.title.startswith("BUG: hard lockup"), got.title


def test_a_trace_entry_a_pager_cut_after_its_name_is_a_frame() -> None:
    # "%pS" prints an entry "f+0x1/0x2 [mod]" (kernel/kallsyms.c __sprint_symbol(), 6.1):
    # the "+" ends the name. A pager (less -S) at 60 columns cuts x86's show_trace_log_lvl()
    # entries after it ("  hotfence_crash_write+0xb9/0x>", "  ? exit_to_user_mode_prepare+>"):
    # each is still its frame, its offset only where a "/" follows it, its size never
    # ("+0x200/0x22>" is no size of 0x22); an entry cut in its name is no frame.
    console = (DATA / "x86-6.1.0-56-rtnl-warn.log").read_text()
    want = [(f.function, f.offset) for f in parse_log(console)[0].frames]
    paged = _paged_journal(console, 60)
    assert "  hotfence_crash_write+0xb9/0x>\n" in paged
    assert "  hotfence_crash_do+0x200/0x22>\n" in paged
    got = parse_log(paged)[0].frames
    names = [f.function for f in got]
    assert names == [n for n, _ in want if n != "entry_SYSCALL_64_after_hwframe"]
    for f in got:
        assert f.offset is None or (f.function, f.offset) in want, f
    assert got[0].size is None and got[1].offset == 0xB9 and got[1].size is None
    assert [f.offset for f in got if f.function == "exit_to_user_mode_prepare"] == [None]

    # (cut entries are frames, not evidence that a header no format reads heads a report:
    # "BUG: unable to handle kern>" at 57 columns, its "?" entries cut after the "+",
    # leaves the report to the "Oops:" line after it, titled by its CR2)
    console = (DATA / "debian6-i386-oops.log").read_text()
    paged = _paged_journal(console, 57)
    assert "BUG: unable to handle kern>\n" in paged and "? vfs_ioctl+>\n" in paged
    got = parse_log(paged)[0]
    assert got.title == "BUG: unable to handle kernel NULL pointer dereference in corrupted"


def test_a_rip_line_a_pager_cut_in_its_name_gives_no_later_rip() -> None:
    # x86 show_ip() "RIP: %04x:%pS" (6.1 arch/x86/kernel/dumpstack.c) cut by a pager
    # (less -S) at 56..63 columns in exc_control_protection's name. A #CP's trace holds
    # the "RIP:" of the code it interrupted ("RIP: 0010:hotfence_crash_bug+0x>"), another
    # frame: the faulting function is lost, never that one.
    console = (DATA / "x86-6.1-missing-endbr.log").read_text()
    want = parse_log(console)[0]
    assert want.rip is not None and want.rip.function == "exc_control_protection"
    for columns in range(56, 64):
        paged = _paged_journal(console, columns)
        assert re.search(r"RIP: 0010:exc_\w*>\n", paged), columns
        assert "RIP: 0010:hotfence_crash_" in paged, columns
        got = parse_log(paged)[0]
        assert got.rip is None or got.rip.function == "exc_control_protection", columns
    got = parse_log(_paged_journal(console, 64))[0]
    assert got.rip is not None and got.rip.function == "exc_control_protection"


@pytest.mark.parametrize("name", ["centos7-dockerd-ip6mr", "debian6-i386-oops"])
def test_a_fault_header_a_pager_cut_before_its_kind_is_named_by_its_cr2(name: str) -> None:
    # x86 show_fault_oops() before 4.20 (arch/x86/mm/fault.c) prints "BUG: unable to
    # handle kernel " then "NULL pointer dereference" or "paging request" by the address;
    # a pager (less -S) at 56..63 columns cuts it before the kind ("BUG: unable to handle
    # kernel N>", "BUG: unable to handle ker>"). __show_regs()'s "CR2:" still tells which
    # (below PAGE_SIZE: a NULL pointer dereference), as for a report that lost the line;
    # never the fragment "BUG: unable to handle kernel".
    want = parse_log((DATA / f"{name}.log").read_text())[0]
    assert want.title.startswith("BUG: unable to handle kernel NULL pointer dereference in ")
    _assert_cut_keeps_kind(
        name, range(56, 64), r"BUG: unable to handle (?:[a-z ]*|kernel N[A-Z]{0,2})>\n"
    )


@pytest.mark.parametrize(
    "name", ["x86-6.12.115-null-deref", "i386-6.1.0-50-mod-null", "ppc64le-6.1.0-50-mod-null"]
)
def test_a_null_deref_header_a_pager_cut_past_null_is_a_null_deref(name: str) -> None:
    # x86 page_fault_oops() (arch/x86/mm/fault.c, 4.20+) "BUG: kernel NULL pointer
    # dereference, address: %px", powerpc __bad_page_fault() (5.0+) "BUG: Kernel NULL
    # pointer dereference on read at 0x%08lx": a pager (less -S) at 56..66 columns cuts
    # it past "NULL" ("BUG: kernel NULL pointer dere>"). It is still the NULL pointer
    # dereference, never the fragment as its title.
    _assert_cut_keeps_kind(name, range(56, 67), r"BUG: [Kk]ernel NULL [\w ]*>\n")


@pytest.mark.parametrize(
    ("name", "widths"),
    [
        ("arm64-6.1-oops", range(57, 59)),
        ("arm64-6.1-ro-write", range(57, 60)),
        ("riscv64-6.12.117+deb13-mod-null", range(57, 62)),
    ],
)
def test_a_fault_line_a_pager_cut_in_its_kinds_first_word_names_the_kind(
    name: str, widths: range
) -> None:
    # arm64 and riscv die_kernel_fault() (6.1 arch/arm64/mm/fault.c, 6.12
    # arch/riscv/mm/fault.c): "Unable to handle kernel %s at virtual address %016lx". A
    # pager (less -S) cuts it in the kind's first word ("Unable to handle kernel NU>",
    # "... wr>", "... acc>"): the letters left tell the kind from every other's, so it is
    # that kind's report, never the fragment as its title.
    _assert_cut_keeps_kind(name, widths, r"Unable to handle kernel [A-Za-z]{2,}[a-z ]*>\n")


@pytest.mark.parametrize(
    "name", ["arm64-6.1-oops", "arm64-6.1.0-50-mod-null", "arm64-6.1-ro-write"]
)
def test_a_fault_line_a_pager_cut_to_its_kinds_first_letter_names_the_kind(name: str) -> None:
    # arm64 die_kernel_fault() (6.1 arch/arm64/mm/fault.c): "Unable to handle kernel %s at
    # virtual address %016lx". A 56-column pager (less -S) leaves one letter of the kind
    # ("Unable to handle kernel N>", "... w>"): no other kind's words begin with "N" or
    # "w", so it is that kind's report, never the fragment as its title.
    _assert_cut_keeps_kind(name, [56], r"Unable to handle kernel [A-Za-z]>\n")


@pytest.mark.parametrize("name", ["mips-4.19-oops", "mipsel-6.1.0-50-mod-null"])
def test_a_mips_fault_line_a_pager_cut_before_its_kinds_second_letter_is_paging(
    name: str,
) -> None:
    # MIPS __do_page_fault() (6.1 arch/mips/mm/fault.c) prints one kind only: "CPU %d
    # Unable to handle kernel paging request at virtual address %0*lx, epc == ...". A pager
    # (less -S) at 60..64 columns leaves "CPU 0 Unable to handle kernel>" .. "... pag>":
    # a paging request still, never the fragment as the title.
    _assert_cut_keeps_kind(name, range(60, 65), r"CPU 0 Unable to handle kernel(?: p?a?g?)?>\n")


def test_an_s390_fault_line_a_pager_cut_in_pointer_is_a_paging_request() -> None:
    # s390 do_no_context() (5.10 arch/s390/mm/fault.c): pr_alert("Unable to handle kernel
    # pointer dereference in virtual kernel address space\n"). A pager (less -S) at 57..61
    # columns leaves "Unable to handle kernel po>" .. "... pointe>": no other kind's word
    # begins "po", so it is the paging request still, never the fragment as the title.
    _assert_cut_keeps_kind("s390x-5.10-oops", range(57, 62), r"Unable to handle kernel po[a-z]*>\n")


@pytest.mark.parametrize(
    ("name", "widths"), [("ppc64-rhel7-elfv1-oops", range(56, 59)), ("s390x-5.10-oops", [56])]
)
def test_a_fault_line_a_pager_cut_to_p_is_named_by_the_line_after_it(
    name: str, widths: list[int]
) -> None:
    # powerpc bad_page_fault() (3.10 arch/powerpc/mm/fault.c): "Unable to handle kernel
    # paging request for data at address 0x%08lx", then "Faulting instruction address:
    # 0x%08lx"; s390 do_no_context() (5.10): "Unable to handle kernel pointer dereference
    # in virtual kernel address space", then dump_fault_info()'s "Failing address: ...".
    # A pager (less -S) at 56..58 columns leaves "Unable to handle kernel p>" .. "pag>",
    # which arm64's "page domain fault" begins too: the next line names the paging request.
    _assert_cut_keeps_kind(name, widths, r"Unable to handle kernel p[ag]*>\n")


def test_a_cfi_header_a_pager_cut_in_its_function_keeps_its_kind() -> None:
    # kernel/cfi.c report_cfi_failure() (6.1): "CFI failure at %pS (target: %pS; expected
    # type: 0x%08x)" of the trapping call's address, which arm64 cfi_handler() passes as
    # regs->pc. A pager (less -S) at 56..69 columns cuts the function's name ("CFI failure
    # at bpf_dispat>"): still a CFI failure, titled by the "pc : " line's function whole
    console = (DATA / "arm64-6.1-cfi-failure.log").read_text()
    want = parse_log(console)[0]
    assert (want.title, str(want.type)) == ("CFI failure in bpf_dispatcher_xdp_func", "CFI")
    for columns in range(56, 70):
        paged = _paged_journal(console, columns)
        assert re.search(r"CFI failure at bpf_dis\w*>\n", paged), columns
        got = parse_log(paged)[0]
        assert got.title in (want.title, "CFI failure in corrupted"), columns
        assert got.type == want.type, columns
    assert parse_log(_paged_journal(console, 60))[0].title == want.title


@pytest.mark.parametrize("name", ["x86-6.6-hard-lockup-buddy", "rhel7-hard-lockup-nmi-panic"])
def test_a_hard_lockup_line_a_pager_cut_in_detected_is_the_hard_lockup(name: str) -> None:
    # kernel/watchdog.c watchdog_hardlockup_check() (6.6; watchdog_overflow_callback()
    # before): pr_emerg("Watchdog detected hard LOCKUP on cpu %d\n", cpu) after the
    # "watchdog: " pr_fmt ("NMI watchdog: " on RHEL 7's 3.10). A pager (less -S) at 56..59
    # columns leaves "watchdog: Watchdog de>" .. "... detected >": still the hard lockup,
    # never the cut "Kernel panic - not syncin>" after it as the title.
    _assert_cut_keeps_kind(name, range(56, 60), r"watchdog: Watchdog de[a-z ]*>\n")


@pytest.mark.parametrize(
    ("name", "widths"),
    [("x86-6.6-hard-lockup-buddy", range(46, 56)), ("rhel7-hard-lockup-nmi-panic", range(50, 56))],
)
def test_a_hard_lockup_line_a_pager_cut_in_watchdog_is_the_hard_lockup(
    name: str, widths: range
) -> None:
    # The same line at 46..55 columns (50..55 after RHEL 7's "NMI watchdog: "): "watchdog:
    # Watch>" .. "watchdog: Watchdog d>". No other line of kernel/watchdog*.c starts "W"
    # after its pr_fmt: still the hard lockup, never the panic's cut "Kernel panic - not>"
    # (kernel panic, DoS) after it.
    _assert_cut_keeps_kind(name, widths, r"watchdog: Watch[a-z ]*>\n")
    console = (DATA / f"{name}.log").read_text()
    want = parse_log(console)[0]
    for columns in widths:
        got = parse_log(_paged_journal(console, columns))[0]
        assert (got.start_line, got.cpu) == (want.start_line, want.cpu), columns


@pytest.mark.parametrize(
    ("name", "widths"),
    [("arm64-6.1.0-50-oom", range(60, 68)), ("x86-6.18.44-memcg-oom", range(74, 90))],
)
def test_a_kill_line_a_pager_cut_in_its_process_names_it_or_is_corrupted(
    name: str, widths: range
) -> None:
    # mm/oom_kill.c __oom_kill_process() (6.1): "%s: Killed process %d (%s) total-vm:...". A
    # pager (less -S) cuts it before or in the "(comm)" ("Out of memory: Killed process
    # 8>", "... 86 (d>"). The victim is the task that invoked the killer when its pid, whole
    # before the cut " (", is the dump's task line's: "%s invoked oom-killer: " names it.
    # Else the title names no process, and is corrupted.
    console = (DATA / f"{name}.log").read_text()
    (want,) = [r for r in parse_log(console) if str(r.type) == "OOM-KILL"]
    for columns in widths:
        paged = _paged_journal(console, columns)
        assert re.search(r"Killed process(?: \d*(?: \(?\w*)?)?>\n", paged), columns
        (got,) = [r for r in parse_log(paged) if str(r.type) == "OOM-KILL"]
        if got.title != want.title:
            assert got.title == want.title.rpartition(" ")[0], columns
            assert got.corrupted, columns
        assert not re.search(rf"Killed process {want.pid} \(>", paged) or got.title == want.title


@pytest.mark.parametrize(
    "name",
    [
        "arm64-6.1.0-50-mod-slub-redzone",
        "armhf-6.1.0-50-mod-slub-poison",
        "x86-6.1-slub-redzone",
        "riscv64-6.12.117+deb13-mod-slub-redzone",
    ],
)
def test_a_slub_title_a_pager_cut_to_fewer_words_is_corrupted(name: str) -> None:
    # mm/slub.c slab_bug() (6.1: "BUG %s (%s): %pV" after a line of "="): "BUG kmalloc-128
    # (Tainted: G           OE     ): Right Redzone overwritten". A pager (less -S) at
    # 60..79 columns cuts it in or before the problem, and no line restates it whole
    # (restore_bytes()'s "FIX kmalloc-128: Restoring Right Redzone 0x..." cut too): the
    # title keeps the whole words left ("SLUB: in f", "SLUB: Object in f" of 6.12's
    # "Object corrupt"), a title naming no kind, so it is marked corrupted.
    console = (DATA / f"{name}.log").read_text()
    want = parse_log(console)[0]
    seen = 0
    for columns in range(56, 100):
        got = parse_log(_paged_journal(console, columns))
        if not got or not got[0].title.startswith("SLUB: "):
            continue
        if got[0].title.split(" in ")[0] != want.title.split(" in ")[0]:
            assert got[0].corrupted, (columns, got[0].title)
            seen += 1
    assert seen > 3


@pytest.mark.parametrize(
    ("name", "widths"),
    [("riscv64-6.12.117+deb13-mod-null", range(56, 57))],
)
def test_a_header_a_pager_cut_that_no_format_reads_titles_a_corrupted_report(
    name: str, widths: range
) -> None:
    # A header journalctl's pager (less -S) cut before any format of its kind reads it
    # (riscv die_kernel_fault()'s "Unable to handle kernel %s at virtual address "
    # REG_FMT, 6.12 arch/riscv/mm/fault.c, left as "Unable to handle kernel a>", "a" as
    # in arm64's "alignment fault" too): what is left is the title, as no kind's title,
    # so the report is corrupted.
    console = (DATA / f"{name}.log").read_text()
    whole = parse_log(console)[0]
    for columns in widths:
        got = parse_log(_paged_journal(console, columns))[0]
        assert got.title != whole.title, columns
        assert got.corrupted, (columns, got.title)


@pytest.mark.parametrize("name", ["x86-6.1-kfence-uaf", "riscv64-6.12.117+deb13-mod-kfence-uaf"])
def test_a_kfence_header_a_pager_cut_before_its_function_is_named_by_its_access(
    name: str,
) -> None:
    # mm/kfence/report.c kfence_report_error() (6.1): "BUG: KFENCE: use-after-free %s in
    # %pS", a blank line, "Use-after-free %s at 0x%p (in kfence-#%td):" and the access's
    # trace. A pager (less -S) at 56..66 columns cuts the header before its function
    # ("BUG: KFENCE: use-after-fr>"): the access's line, whole in its words, names the
    # kind; the trace's first entry the function.
    _assert_cut_keeps_kind(name, range(56, 67), r"BUG: KFENCE: [\w -]*>\n")


@pytest.mark.parametrize("name", ["x86-mce-fatal", "rhel6-mce-fatal"])
def test_an_mce_panic_whose_machine_check_line_is_lost_is_a_hardware_error(name: str) -> None:
    # arch/x86/kernel/cpu/mce/core.c mce_panic() (6.1; 2.6.32's mce.c the same): the
    # machine check's "CPU %d: Machine Check%s: %Lx Bank %d: %016Lx" (__print_mce()), then
    # "Machine check: %s" and panic("Fatal machine check[ on current CPU]"). With the
    # first line lost (a paste begun after it), or cut by a pager (less -S) before its
    # bank, the panic titles the report: a hardware error still, not a DoS.
    console = (DATA / f"{name}.log").read_text()
    want = parse_log(console)[0]
    assert str(want.type) == "HARDWARE-ERROR"
    line = console[console.index("Machine Check Exception") :].split("\n", 1)[0]
    start = console.rfind("\n", 0, console.index(line)) + 1
    got = parse_log(console[:start] + console[start:].split("\n", 1)[1])[0]
    assert got.title.startswith("kernel panic: Fatal machine check"), got.title
    assert got.type == want.type
    paged = parse_log(_paged_journal(console, 100))[0]
    assert paged.type == want.type, paged.title


@pytest.mark.parametrize(
    ("name", "widths"),
    [
        ("arm64-6.1.0-50-sysrq-crash", range(59, 79)),
        ("arm64-6.1.0-50-kill-init", range(59, 82)),
        ("arm64-6.1.0-50-no-root", range(59, 101)),
    ],
)
def test_a_panic_a_pager_cut_in_its_message_titles_a_corrupted_report(
    name: str, widths: range
) -> None:
    # kernel/panic.c panic() (6.1): pr_emerg("Kernel panic - not syncing: %s\n", buf). A
    # pager (less -S) cuts the message ("... not syncing: sysrq trigg>", "... Attempted to
    # kill i>", "... VFS: Unable to mount root fs on unknown-bl>"): the title is what is
    # left of it, no message the kernel printed, so the report is corrupted.
    console = (DATA / f"{name}.log").read_text()
    want = parse_log(console)[0]
    assert want.title.startswith("kernel panic: ") and not want.corrupted
    for columns in widths:
        paged = _paged_journal(console, columns)
        assert re.search(r"Kernel panic - not syncing: [^\n]*>\n", paged), columns
        got = parse_log(paged)[0]
        assert want.title.startswith(got.title) or got.title.endswith("NUM,NUM"), columns
        assert got.title == want.title or got.corrupted, (columns, got.title)


@pytest.mark.parametrize(
    "name", ["armhf-6.1.0-50-mod-slub-redzone", "armhf-6.1.0-50-mod-slub-poison"]
)
def test_a_slub_track_entry_a_pager_cut_keeps_the_track_out_of_the_frames(name: str) -> None:
    # mm/slub.c print_track() (6.1): "Allocated in %pS age=%lu cpu=%u pid=%d" / "Freed in
    # ...", then stack_trace_print()'s indented " %pS" entries: the object's history, not
    # the report's trace (ARM's dump_stack() " f from g+0x1/0x2" after it). A pager (less
    # -S) at 56..67 columns cuts a track entry (" link_path_walk.part.0.cons>"): the
    # entries after it are the track's still, never the report's frames.
    console = (DATA / f"{name}.log").read_text()
    want = [f.function for f in parse_log(console)[0].frames]
    for columns in range(56, 68):
        got = [f.function for f in parse_log(_paged_journal(console, columns))[0].frames]
        assert set(got) <= set(want), (columns, got)


@pytest.mark.parametrize(
    "name", ["arm64-6.1.0-50-sysrq-crash", "x86-6.12.115-sysrq-c", "mipsel-6.1.0-50-kill-init"]
)
def test_a_panic_line_a_pager_cut_before_its_colon_is_a_panic(name: str) -> None:
    # kernel/panic.c panic() (6.1): pr_emerg("Kernel panic - not syncing: %s\n", buf). A
    # pager (less -S) at 56..58 columns leaves "Kernel panic - not syncin>" .. "... not
    # syncing:>": panic()'s line, its message lost, as "... not syncing: >" at 59 leaves
    # it -- "kernel panic:", corrupted, a DoS, never the fragment as the title.
    console = (DATA / f"{name}.log").read_text()
    want = [r for r in parse_log(_paged_journal(console, 59)) if r.title == "kernel panic:"]
    assert want and want[0].corrupted
    for columns in range(56, 59):
        paged = _paged_journal(console, columns)
        assert re.search(r"Kernel panic - not syncin[g:]*>\n", paged), columns
        got = [r for r in parse_log(paged) if r.title.lower().startswith("kernel panic")]
        assert [(r.title, r.type, r.corrupted) for r in got] == [
            (r.title, r.type, r.corrupted) for r in want
        ], columns


@pytest.mark.parametrize(
    ("name", "widths"),
    [("arm64-6.1.0-50-oom", range(56, 60)), ("x86-6.18.44-memcg-oom", range(65, 74))],
)
def test_a_kill_line_a_pager_cut_before_process_is_the_kill(name: str, widths: range) -> None:
    # mm/oom_kill.c __oom_kill_process() (6.1): "%s: Killed process %d (%s) total-vm:...".
    # A pager (less -S) cuts it before "process" ("Memory cgroup out of memory: Kille>",
    # "Out of memory: Killed p>"): still the kill -- "Kille" begins no 4.x announcement
    # ("Kill process %d (%s) score %u or sacrifice child") -- its process's name lost.
    console = (DATA / f"{name}.log").read_text()
    (want,) = [r for r in parse_log(console) if str(r.type) == "OOM-KILL"]
    for columns in widths:
        paged = _paged_journal(console, columns)
        assert re.search(r"ut of memory: Kille[a-z ]*>\n", paged), columns
        (got,) = [r for r in parse_log(paged) if str(r.type) == "OOM-KILL"]
        assert (got.title, got.corrupted) == (want.title.rpartition(" ")[0], True), columns


@pytest.mark.parametrize(
    "name", ["ppc64le-6.1.0-50-mod-null", "ppc64le-6.1.0-50-mod-hardlockup", "ppc64le-6.1.0-50-oom"]
)
def test_a_powerpc_nip_line_a_pager_cut_in_its_address_is_no_frame(name: str) -> None:
    # powerpc show_regs() (6.1 arch/powerpc/kernel/process.c): "NIP ["REG"] %pS" and "LR
    # ["REG"] %pS". A pager (less -S) at 50..54 columns cuts them in or right after the
    # address ("NIP [c0080000004a00>", "NIP [00000000100c4180]>"): a register's name
    # and value, never a trace entry of a function "NIP" or "LR".
    console = (DATA / f"{name}.log").read_text()
    want = {f.function for r in parse_log(console) for f in r.frames}
    seen = 0
    for columns in range(50, 55):
        paged = _paged_journal(console, columns)
        seen += bool(re.search(r"(?m)kernel: NIP \[[0-9a-f]+(?:\] ?)?>$", paged))
        for got in parse_log(paged):
            assert {f.function for f in got.frames} <= want, (columns, got.title)
    assert seen == 5


@pytest.mark.parametrize("name", ["mips-4.19-oops", "mipsel-6.1.0-50-mod-null"])
def test_a_mips_fault_line_a_pager_cut_before_kernel_is_paging(name: str) -> None:
    # MIPS __do_page_fault() (6.1 arch/mips/mm/fault.c): "CPU %d Unable to handle kernel
    # paging request at virtual address %0*lx, epc == %0*lx, ra == %0*lx", then
    # die("Oops", regs)'s "Oops[#1]:". A pager (less -S) at 53..59 columns leaves "CPU 0
    # Unable to handl>" .. "... handle ke>": no other kernel line begins "CPU %d Unable
    # to h", so with the die line after it it is the paging request still, not "Oops".
    _assert_cut_keeps_kind(name, range(53, 60), r"CPU 0 Unable to h[a-z ]*>\nJul[^\n]*Oops\[#1\]:")


@pytest.mark.parametrize(
    ("name", "widths"),
    [
        ("rhel6-mce-fatal", range(50, 62)),
        ("i386-2.6-mce-context-corrupt", range(50, 62)),
        ("x86-mce-fatal", range(76, 80)),
    ],
)
def test_an_mce_line_a_pager_cut_before_exception_is_the_machine_check(
    name: str, widths: range
) -> None:
    # x86_64 print_mce() (RHEL 6's 2.6.32 arch/x86/kernel/cpu/mcheck/mce.c; 6.1
    # arch/x86/kernel/cpu/mce/core.c __print_mce() after "mce: [Hardware Error]: "):
    # "CPU %d: Machine Check Exception: %16Lx Bank %d: %016Lx", then "RIP%s %02x:<%016Lx>
    # " or "TSC %llx " (2.6 i386 k7.c: "Bank %d: %08x%08x"). A pager (less -S) cuts it
    # before "Exception:" ("CPU 7: Machine Chec>" .. "... Check Exceptio>", "mce:
    # [Hardware Error]: CPU 7: Machine Check Ex>"): still the machine check, a hardware
    # error, never the cut panic after it ("Kernel panic - not synci>") as a DoS.
    console = (DATA / f"{name}.log").read_text()
    want = parse_log(console)[0]
    assert str(want.type) == "HARDWARE-ERROR"
    for columns in widths:
        paged = _paged_journal(console, columns)
        assert re.search(r"CPU 7: Machine C[A-Za-z ]*>\n", paged), columns
        got = parse_log(paged)[0]
        assert (got.title, got.type) == (want.title, want.type), columns


def test_a_corrected_mce_line_a_pager_cut_before_its_colon_is_no_report() -> None:
    # 6.1 __print_mce() prints " Exception" only while MCG_STATUS_MCIP is set: the
    # default notifier's record of a corrected error ("Machine check events logged",
    # then "mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 1: 9c00...") has none. A
    # pager (less -S) at 70..74 columns cuts it to "CPU 0: Machine C>" .. "... Check>":
    # no machine check exception, and the sysrq panic after it keeps its own report.
    console = (DATA / "x86-6.1.0-56-host-trouble.log").read_text()
    want = parse_log(console)
    for columns in range(70, 75):
        paged = _paged_journal(console, columns)
        assert re.search(r"CPU 0: Machine C[a-z ]*>\n", paged), columns
        got = parse_log(paged)
        assert [str(r.type) for r in got] == [str(r.type) for r in want], columns
        assert [r.title.split(":")[0] for r in got] == [r.title.split(":")[0] for r in want]


@pytest.mark.parametrize(
    ("name", "widths"),
    [("x86-6.18.44-memcg-oom", range(50, 65)), ("arm64-6.1.0-50-oom", range(50, 51))],
)
def test_a_kill_line_a_pager_cut_before_kille_after_the_summary_is_the_kill(
    name: str, widths: range
) -> None:
    # mm/oom_kill.c dump_header() ends with dump_oom_summary()'s "oom-kill:constraint=..."
    # (4.19+), then __oom_kill_process() prints "%s: Killed process %d (%s) total-vm:..."
    # with "Memory cgroup out of memory" or "Out of memory". A pager (less -S) cuts it
    # before "Kille" ("Memory cgroup out of memo>" .. "... memory: Kill>", "Out of
    # memory: Kill>"): right after the summary it is the kill still (or 4.x's "Kill
    # process ... or sacrifice child" announcement, which its kill line completes), its
    # process's name lost: the title names none, and is corrupted.
    console = (DATA / f"{name}.log").read_text()
    (want,) = [r for r in parse_log(console) if str(r.type) == "OOM-KILL"]
    for columns in widths:
        paged = _paged_journal(console, columns)
        assert re.search(r"oom-kill:[^\n]*\n[^\n]*kernel: \w[\w ]*ut o[\w :]*>\n", paged), columns
        assert not re.search(r"ut of memory: Kille", paged), columns
        (got,) = [r for r in parse_log(paged) if str(r.type) == "OOM-KILL"]
        assert (got.title, got.corrupted) == (want.title.rpartition(" ")[0], True), columns


@pytest.mark.parametrize(
    "name",
    [
        "ppc64le-6.1.0-50-hung-task",
        "ppc64le-6.1.0-50-mod-slub-redzone",
        "ppc64le-6.1.0-50-mod-slub-poison",
    ],
)
def test_a_powerpc_nip_line_a_pager_cut_in_its_address_titles_no_nip(name: str) -> None:
    # powerpc show_regs() (6.1 arch/powerpc/kernel/process.c): "NIP ["REG"] %pS" and "LR
    # ["REG"] %pS", cut by a pager (less -S) at 50..54 columns in or right after the
    # address ("NIP [c0080000004a00>"): no function "NIP" or "LR" titles the report
    # ("INFO: task hung in NIP"); the function is one of the whole log's, or corrupted.
    console = (DATA / f"{name}.log").read_text()
    want = {r.title.rpartition(" in ")[2] for r in parse_log(console)} | {"corrupted"}
    for columns in range(50, 55):
        for got in parse_log(_paged_journal(console, columns)):
            assert got.title.rpartition(" in ")[2] in want, (columns, got.title)


def test_a_nobody_cared_line_a_pager_cut_after_cared_is_the_bad_irq() -> None:
    # kernel/irq/spurious.c __report_bad_irq() (6.1): "irq %d: nobody cared (try booting
    # with the "irqpoll" option)", dump_stack(), "handlers:" and "[<%p>] %ps" a handler.
    # A pager (less -S) at 50..62 columns cuts it after "nobody cared" ("irq 7: nobody
    # cared (try b>"): still the bad irq, titled by a handler's name only where the
    # pager left it whole ("[<81c33d8c>] c0_compa>" names none: corrupted).
    console = (DATA / "mipsel-6.1.0-50-irq-nobody-cared.log").read_text()
    (want,) = parse_log(console)
    for columns in range(50, 71):
        paged = _paged_journal(console, columns)
        assert re.search(r"irq 7: nobody cared[^\n]*>\n", paged), columns
        (got,) = parse_log(paged)
        assert got.type == want.type, columns
        assert (got.title, got.corrupted) in (
            (want.title, False),
            ("irq nobody cared in corrupted", True),
        ), columns
        if "c0_compare_interrupt\n" in paged:
            assert got.title == want.title, columns


def test_an_xfs_internal_error_a_pager_cut_before_its_file_is_the_error() -> None:
    # fs/xfs/xfs_error.c xfs_error_report() (6.1): xfs_alert_tag(mp, ..., "Internal error
    # %s at line %d of file %s.  Caller %pS", ...) after "XFS (%s): ", then
    # xfs_stack_trace()'s dump_stack(). A pager (less -S) narrower than 96 columns cuts it
    # before "of file" ("XFS (loop0): Internal error xfs_trans_c>"): the dump after it is
    # still the error's, titled by its trace as the whole line's.
    console = (DATA / "x86-6.1-xfs-internal-error-stack.log").read_text()
    want = parse_log(console)[0]
    for columns in range(58, 96):
        paged = _paged_journal(console, columns)
        assert re.search(
            r"XFS \(loop0\): Internal error(?! \S+ at line \d+ of file)[^\n]*>\n", paged
        )
        got = parse_log(paged)[0]
        assert (got.title, got.type, got.corrupted) == (want.title, want.type, False), columns


@pytest.mark.parametrize("name", ["x86-6.1-kfence-uaf", "riscv64-6.12.117+deb13-mod-kfence-uaf"])
def test_a_kfence_access_line_a_pager_cut_in_its_at_still_names_the_access(name: str) -> None:
    # mm/kfence/report.c kfence_report_error() (6.1): "BUG: KFENCE: use-after-free %s in
    # %pS", a blank line, "Use-after-free %s at 0x%p (in kfence-#%td):". A pager (less -S)
    # at 50..52 columns cuts the header in its kind ("BUG: KFENCE: use-af>") and the
    # access's line before or in its "at" ("Use-after-free read>", "... read a>"): its
    # words are whole, and still name the kind the header began.
    _assert_cut_keeps_kind(name, range(50, 53), r"kernel: Use-after-free read(?: a?)?>\n")


def test_a_riscv_fault_line_a_pager_cut_to_a_before_oops_is_the_user_access() -> None:
    # riscv handle_page_fault() (6.12 arch/riscv/mm/fault.c) dies through
    # die_kernel_fault("access to user memory without uaccess routines", ...): "Unable to
    # handle kernel %s at virtual address %016lx", then die()'s "Oops [#%d]" (6.12
    # arch/riscv/kernel/traps.c). A pager (less -S) at 56 columns leaves "Unable to handle
    # kernel a>": arm64's "alignment fault" and "address size fault" begin "a" too, but
    # riscv's die line right after it proves riscv, whose only kind in "a" is the user
    # access. The epc and trace lines are cut in their names: the function is unknown.
    name = "riscv64-6.12.117+deb13-mod-null"
    _assert_cut_keeps_kind(name, [56], r"Unable to handle kernel a>\nJul[^\n]*Oops \[#1\]\n")
    paged = _paged_journal((DATA / f"{name}.log").read_text(), 56)
    (got,) = parse_log(paged)
    assert got.title == "BUG: unable to handle kernel access to user memory in corrupted"
    assert got.corrupted
    # Without riscv's die line the letter proves no kind: never the user access.
    alone = re.sub(r"\n[^\n]*Oops \[#1\]\n", "\n", paged)
    assert "access to user memory" not in parse_log(alone)[0].title


def test_a_riscv_fault_line_a_pager_cut_to_p_before_oops_is_the_paging_request() -> None:
    # riscv no_context() (6.12 arch/riscv/mm/fault.c) words a kernel fault above the
    # first page die_kernel_fault("paging request", ...): "Unable to handle kernel paging
    # request at virtual address %016lx", then die()'s "Oops [#%d]" (6.12
    # arch/riscv/kernel/traps.c). The riscv log's user-access line rewritten so (a kernel
    # address, as ClangBuiltLinux/linux#1965's early boot fault has it), a pager (less -S)
    # at 56..58 columns leaves "Unable to handle kernel p>" .. "pag>", which s390's
    # "pointer" and arm64's "page domain fault" begin too: riscv's die line after it
    # proves riscv, whose only kind in "p" is the paging request.
    console = (DATA / "riscv64-6.12.117+deb13-mod-null.log").read_text()
    line = "access to user memory without uaccess routines at virtual address 0000000000000008"
    assert line in console
    console = console.replace(line, "paging request at virtual address ff60000000000008")
    (want,) = parse_log(console)
    assert want.title == "BUG: unable to handle kernel paging request in hotfence_crash_null_deref"
    for columns in range(56, 59):
        paged = _paged_journal(console, columns)
        assert re.search(r"Unable to handle kernel p(?:ag?)?>\nJul[^\n]*Oops \[#1\]\n", paged)
        (got,) = parse_log(paged)
        assert got.title == "BUG: unable to handle kernel paging request in corrupted", columns
        assert (got.type, got.corrupted) == (want.type, True), columns
        # Without riscv's die line the letters prove no kind: never the paging request.
        alone = re.sub(r"\n[^\n]*Oops \[#1\]\n", "\n", paged)
        assert "paging request" not in parse_log(alone)[0].title, columns


def test_an_rtnl_assertion_a_pager_cut_before_its_file_is_the_assertion() -> None:
    # include/linux/rtnetlink.h ASSERT_RTNL() (4.14): printk("RTNL: assertion failed at
    # %s (%d)\n", __FILE__, __LINE__) and dump_stack(). journalctl's pager (less -S) at
    # 49..56 columns cuts it before its file ("RTNL: assertion fa>" .. "... failed at>"):
    # no other line says so, and the dump after it proves it: the same report, titled
    # by the trace (corrupted where the pager cut the function's entry too).
    console = (DATA / "x86-6.1-rtnl-dump-stack.log").read_text()
    (want,) = parse_log(console)
    assert want.title == "RTNL: assertion failed in hotfence_crash_rtnl"
    whole = 0
    for columns in range(49, 57):
        paged = _paged_journal(console, columns)
        assert re.search(r"kernel: RTNL: assertion f[a-z ]*>\n", paged), columns
        (got,) = parse_log(paged)
        assert got.type == want.type, columns
        assert (got.title, got.corrupted) in (
            (want.title, False),
            ("RTNL: assertion failed in corrupted", True),
        ), columns
        whole += got.title == want.title
    assert whole >= 4
    # 6.1's WARN_ONCE() form, __warn()'s "WARNING:" line after it, stays that WARNING
    warned = (DATA / "x86-6.1.0-56-rtnl-warn.log").read_text()
    for columns in range(49, 57):
        for got in parse_log(_paged_journal(warned, columns)):
            assert got.title.startswith("WARNING"), columns


def test_a_sysctl_check_line_a_pager_cut_before_its_path_is_the_check() -> None:
    # fs/proc/proc_sysctl.c sysctl_err() (6.1): "sysctl table check failed: %s/%s %pV",
    # then __register_sysctl_table()'s dump_stack(). journalctl's pager (less -S) at
    # 50..56 columns cuts it before its path ("sysctl table check >" .. "... failed>"):
    # no other line says "sysctl table check", and the dump after it proves it.
    console = (DATA / "x86-6.1.0-56-sysctl-check.log").read_text()
    (want,) = parse_log(console)
    assert want.title == "sysctl table check failed in hotfence_crash_sysctl"
    for columns in range(50, 57):
        paged = _paged_journal(console, columns)
        assert re.search(r"kernel: sysctl table check[a-z ]*>\n", paged), columns
        (got,) = parse_log(paged)
        assert got.type == want.type, columns
        assert (got.title, got.corrupted) in (
            (want.title, False),
            ("sysctl table check failed in corrupted", True),
        ), columns
    assert parse_log(_paged_journal(console, 56))[0].title == want.title


def test_an_spl_panic_line_a_pager_cut_before_its_function_is_the_panic() -> None:
    # OpenZFS module/os/linux/spl/spl-err.c spl_panic(): printk(KERN_EMERG "PANIC at
    # %s:%d:%s()\n", file, line, func), then spl_dumpstack()'s "Showing stack for process
    # %d" and dump_stack(). journalctl's pager (less -S) at 48..56 columns cuts it before
    # the function ("PANIC at hotfence_crash.c>"): the function is spl_panic()'s caller
    # in the trace, named whole or corrupted where the pager cut its entry too.
    console = (DATA / "x86-6.1-spl-verify-panic.log").read_text()
    (want,) = parse_log(console)
    assert want.title == "PANIC in hotfence_crash_verify"
    for columns in range(48, 57):
        paged = _paged_journal(console, columns)
        assert re.search(r"kernel: PANIC at [\w.:]*>\n", paged), columns
        (got,) = parse_log(paged)
        assert got.type == want.type, columns
        assert (got.title, got.corrupted) in ((want.title, False), ("PANIC in corrupted", True))
    assert parse_log(_paged_journal(console, 56))[0].title == want.title
    # the line with no dump after it is no report
    alone = _paged_journal(console, 56)
    alone = alone[: alone.index("Showing stack")]
    assert parse_log(alone) == []


@pytest.mark.parametrize(
    ("name", "cut"),
    [
        ("ppc64le-6.1-do-irq-stack-overflow", r"do_IRQ: stack[ \w:]*>\n"),
        ("x86-6.1-do-irq-near-stack-overflow", r"do_IRQ: sh near st[a-z ]*>\n"),
    ],
)
def test_an_irq_stack_overflow_line_a_pager_cut_in_its_words_is_the_overflow(
    name: str, cut: str
) -> None:
    # powerpc check_stack_overflow() (6.1 arch/powerpc/kernel/irq.c): "do_IRQ: stack
    # overflow: %ld"; x86_64 stack_overflow_check() (2.6.16-2.6.24 arch/x86_64/kernel/
    # irq.c): "do_IRQ: %s near stack overflow (cur:%Lx,rsp:%lx)"; then the dump. A pager
    # (less -S) at 49..56 columns cuts them in their words ("do_IRQ: stack overf>",
    # "do_IRQ: sh near sta>"): the same overflow, whole or corrupted.
    console = (DATA / f"{name}.log").read_text()
    (want,) = parse_log(console)
    for columns in range(49, 57):
        paged = _paged_journal(console, columns)
        assert re.search(cut, paged), columns
        (got,) = parse_log(paged)
        assert got.type == want.type, columns
        assert (got.title, got.corrupted) in (
            (want.title, False),
            ("do_IRQ: stack overflow in corrupted", True),
        ), columns


def test_a_pid_a_pager_cut_is_no_pid_and_keeps_its_report() -> None:
    # dump_stack_print_info() (lib/dump_stack.c, 6.1: "CPU: %d PID: %d Comm: %.20s ...";
    # 6.12 "CPU: %d UID: %u PID: %d Comm: ...") and __warn() (kernel/panic.c, 6.1:
    # "WARNING: CPU: %d PID: %d at %pS") put the pid at 51..56 columns after journalctl's
    # prefix: its pager (less -S) cuts "PID: 142" to "PID: 14>" and "PID: 117" to "PID:
    # 11>". The digits before the mark are no pid (another task's, or none): every
    # report of every in-repo log paged at 48..56 names a pid the log prints whole, or
    # none. A task header so cut is a task header all the same: the WARNING whose trace
    # entries the pager cut too stays a report (riscv64's at 51..53 columns).
    checked = 0
    for path in sorted(DATA.glob("*.log")):
        console = path.read_text(errors="replace")
        for columns in range(48, 57):
            paged = _paged_journal(console, columns)
            for got in parse_log(paged):
                if got.pid is not None:
                    assert re.search(rf"(?:PID: |pid: *|pid=|\w:){got.pid}(?!\d)", console), (
                        path.name,
                        columns,
                        got.pid,
                    )
                    checked += 1
    assert checked > 1000
    console = (DATA / "riscv64-6.12.117+deb13-mod-warn.log").read_text()
    (want,) = parse_log(console)
    for columns in range(51, 54):
        paged = _paged_journal(console, columns)
        assert re.search(r"kernel: CPU: 0 UID: 0 PID: 1\d{0,2}>\n", paged), columns
        (got,) = parse_log(paged)
        assert (got.type, got.cpu, got.pid) == (want.type, want.cpu, None), columns


def test_an_mce_panic_a_pager_cut_after_its_machine_check_line_is_the_mce() -> None:
    # x86 mce_panic() (6.1 arch/x86/kernel/cpu/mce/core.c): print_mce()'s records ("mce:
    # [Hardware Error]: CPU %d: Machine Check%s: ..."), pr_emerg(HW_ERR "Machine check:
    # %s\n", exp), then panic("Fatal machine check"). journalctl's pager (less -S) at
    # 50..75 columns cuts the record's first line before "Check E" (a corrected error's
    # record reads so too) and the panic in its message: the panic right after "Machine
    # check: ..." is still the machine check, a hardware error, not a DoS.
    console = (DATA / "x86-mce-fatal.log").read_text()
    (want,) = parse_log(console)
    for columns in range(50, 76):
        paged = _paged_journal(console, columns)
        assert re.search(r"kernel: mce: \[Hardware Erro[^\n]*>\nJul[^\n]* Kernel panic", paged)
        assert re.search(r"Kernel panic - not [^\n]*>\n", paged), columns
        (got,) = parse_log(paged)
        assert (got.title, got.type) == (want.title, want.type), columns
    # a corrected error's records before an unrelated panic leave that panic its own
    console = (DATA / "x86-6.1.0-56-host-trouble.log").read_text()
    for columns in range(50, 76):
        for got in parse_log(_paged_journal(console, columns)):
            assert str(got.type) != "HARDWARE-ERROR", columns
    # without the "Machine check: %s" line right before it, the cut panic is no MCE's
    lines = _paged_journal((DATA / "x86-mce-fatal.log").read_text(), 60).split("\n")
    alone = "\n".join(ln for ln in lines if "]: Ma" not in ln)
    assert "MCE" not in parse_log(alone)[0].title


@pytest.mark.parametrize(
    "name",
    [
        "mips-4.19-bug",
        "mips-4.19-bug-report-bug",
        "mipsel-6.1.0-50-mod-bug",
        "mips64el-6.1.0-50-mod-bug",
    ],
)
def test_a_mips_bug_line_a_pager_cut_before_its_counter_is_the_bug(name: str) -> None:
    # MIPS do_trap_or_bp() -> die_if_kernel("Kernel bug detected", regs) -> die() (4.19,
    # 6.1 arch/mips/kernel/traps.c): "%s[#%d]:", then show_registers(). journalctl's
    # pager (less -S) at 48..52 columns cuts it before its counter ends ("Kernel bug
    # detec>" .. "... detected[#>"): the same BUG, one report (report_bug()'s "kernel BUG
    # at" line before it, cut too, keeps it as its own line), titled whole or corrupted.
    console = (DATA / f"{name}.log").read_text()
    want = parse_log(console)
    assert len(want) == 1
    for columns in range(48, 54):
        paged = _paged_journal(console, columns)
        assert re.search(r"kernel: Kernel bug detec[a-z\[#\d]*>\n", paged), columns
        (got,) = parse_log(paged)
        assert got.type == want[0].type, columns
        assert got.title in (want[0].title, "kernel BUG in corrupted"), columns


def _cut(log: str, columns: int) -> str:
    """``log`` with each line cut to its first ``columns`` characters, no mark left."""
    return "\n".join(line[:columns] for line in log.split("\n"))


def test_a_log_cut_at_a_width_with_no_mark_is_read_as_the_pagers_cut() -> None:
    # `cut -c1-W`, `more` or a narrow terminal's screen copied keep each line's first W
    # columns with no ">" to say where it went on: its widest rows, many, are exactly W
    # wide and none is wider (stamps.cut_width), and a row that wide is read as less
    # -S's cut (its last field not trusted). Every in-repo log cut at 48..56 with no mark,
    # journalctl's rows and the file's own lines alike: a pid the log prints whole or
    # none ("PID: 14" of 142, "PID: 11" of 117 no longer), a taint the uncut log's or none
    # (6.12's "G           OE" no longer "O"); arm64's oops whose trace entries it cut
    # is corrupted, not "Internal error in proc_reg_write", and the NULL dereference its
    # fault status and address tell though its first line's words are cut (not "Internal
    # error in corrupted").
    pids = taints = 0
    for path in sorted(DATA.glob("*.log")):
        console = path.read_text(errors="replace")
        whole = {r.taint for r in parse_log(console)}
        for columns in range(48, 57):
            cuts = [_cut(console, columns)]
            if len(_PRINTK_TIME.findall(console)) >= 5:
                cuts.append(_cut(_paged_journal(console, 1 << 20), columns))
            for cut in cuts:
                for got in parse_log(cut):
                    where = (path.name, columns, got.title)
                    if got.pid is not None:
                        assert re.search(
                            rf"(?:PID: |[Pp]id:? *|pid=|\w:){got.pid}(?!\d)", console
                        ), where
                        pids += 1
                    if got.taint is not None:
                        assert got.taint in whole, where
                        taints += 1
    assert pids > 1000 and taints >= 10
    console = (DATA / "arm64-6.1-oops.log").read_text()
    for columns in range(48, 54):
        (got,) = parse_log(_cut(_paged_journal(console, 1 << 20), columns))
        assert got.corrupted, columns
        assert got.title == "BUG: unable to handle kernel NULL pointer dereference in corrupted"


@pytest.mark.parametrize(
    "name", ["arm64-6.1.0-50-mod-null", "arm64-6.1.0-50-mod-warn", "arm64-6.1.0-50-mod-slub-poison"]
)
def test_a_quote_from_an_arm64_pc_line_is_no_cut_by_its_register_rows(name: str) -> None:
    # A quote of an arm64 oops from its "pc :" line with no printk times and no line wider:
    # __show_regs() (6.1 arch/arm64/kernel/process.c) prints three "x%-2d: %016llx" a row,
    # ten rows all 65 columns wide by design, the quote's widest; they are no cut
    # (stamps.cut_width) and the quote reads as it is. The same quote cut at 52 columns
    # is one, its register rows cut in the middle of a value.
    log = re.sub(r"(?m)^\[ *\d+\.\d+\] ?", "", (DATA / f"{name}.log").read_text())
    rows = log.split("\n")
    start = next(i for i, row in enumerate(rows) if row.startswith("pc : "))
    quote = "\n".join(rows[start - 1 : start + 35]) + "\n"
    assert max(len(row) for row in quote.split("\n")) == 65
    assert sum(len(row) == 65 for row in quote.split("\n")) >= 6
    assert cut_width(quote) == 0 and mark_cut_rows(quote) is quote
    assert cut_width(_cut(quote, 52)) == 52


@pytest.mark.parametrize("name", ["debian6-i386-oops", "centos7-dockerd-ip6mr"])
def test_an_x86_fault_a_cut_with_no_mark_names_by_cr2_or_not_at_all(name: str) -> None:
    # show_fault_oops() (2.6.32-3.10 arch/x86/mm/fault.c): "BUG: unable to handle kernel
    # NULL pointer dereference at %p", then __show_regs()'s "CR2: %016lx" (2.6.32
    # process_32.c on debian6, 3.10 process_64.c on centos7). Cut at 44..53 columns with
    # no mark, the header keeps "BUG: unable" or a little more ("BUG: unable to ha"), and
    # the CR2 row its first digits, the last of them the mark where the row was exactly
    # that wide ("CR2: 000000000000001>" at 51 on debian6): 13 leading zeros of a
    # 16-digit value are a NULL pointer dereference whatever followed, fewer tell
    # nothing. Never a paging request, never no report.
    console = (DATA / f"{name}.log").read_text()
    (want,) = parse_log(console)
    assert want.title.startswith("BUG: unable to handle kernel NULL pointer dereference in ")
    journal = _paged_journal(console, 1 << 20)
    for columns in range(44, 54):
        cut = _cut(journal, columns)
        assert "BUG: unable to handle kernel NULL" not in cut, columns
        cr2 = re.search(r"CR2: 0+1?0?$", cut, re.M)
        assert cr2, columns
        got = parse_log(cut)[0]
        assert got.corrupted, columns
        if len(cr2.group(0)) >= len("CR2: ") + 14:  # 13 zeros and the mark's column
            assert (got.title, got.type) == (
                "BUG: unable to handle kernel NULL pointer dereference in corrupted",
                want.type,
            ), columns
        else:
            assert got.title == "BUG: unable to handle kernel", columns


def test_a_slub_header_a_cut_took_the_cache_name_of_is_still_slubs() -> None:
    # mm/slub.c slab_bug() (6.1; 6.12 alike): a row of 77 "=", "BUG %s (%s): %pV" of the
    # cache, print_tainted() and the problem, then a row of 77 "-". Cut at 44..48
    # columns with no mark after journalctl's prefix, the line keeps "BUG kmalloc-1",
    # "BUG kmalloc-128 (" or what is between: the cache's name or less, no "(Tainted"
    # left to tell it is slab_bug()'s, but the "-" row right after it does. Every
    # in-repo SLUB report so cut is SLUB's (its problem and function lost), not
    # "BUG kmalloc-NUM" of no kind, and the riscv 6.12 ones no longer go unreported.
    checked = 0
    for path in sorted(DATA.glob("*slub*.log")):
        console = path.read_text()
        want = parse_log(console)[0]
        assert want.title.startswith("SLUB: "), path.name
        journal = _paged_journal(console, 1 << 20)
        for columns in range(44, 49):
            cut = _cut(journal, columns)
            assert re.search(r"kernel: BUG kmalloc-[\w (]*\n.*kernel: -{8,}\n", cut), columns
            got = parse_log(cut)[0]
            where = (path.name, columns)
            assert got.title == "SLUB: in corrupted" and got.type == want.type, where
            checked += 1
    assert checked == 14 * 5


@pytest.mark.parametrize("name", ["x86-6.12.115-null-deref", "i386-6.1.0-50-mod-null"])
def test_a_null_dereference_header_a_cut_left_n_of_is_one(name: str) -> None:
    # x86 page_fault_oops() (6.x arch/x86/mm/fault.c): "BUG: kernel NULL pointer
    # dereference, address: %px". Cut at 44..47 columns with no mark after journalctl's
    # prefix it keeps "BUG: kernel N>" .. "BUG: kernel NUL>" (the mark in the last
    # column kept): no other line the kernel prints starts "BUG: kernel N", and the
    # report is that NULL pointer dereference (its function lost), not the "Fatal
    # exception" panic after it, nor nothing.
    console = (DATA / f"{name}.log").read_text()
    want = parse_log(console)[0]
    assert want.title.startswith("BUG: unable to handle kernel NULL pointer dereference in ")
    journal = _paged_journal(console, 1 << 20)
    for columns in range(44, 48):
        cut = _cut(journal, columns)
        assert re.search(r"kernel: BUG: kernel N[UL ]*$", cut, re.M), columns
        got = parse_log(cut)[0]
        assert got.type == want.type, columns
        assert got.title in (want.title, want.title.rpartition(" in ")[0] + " in corrupted")


def test_a_riscv_warning_a_cut_with_no_mark_took_its_pid_from_is_still_one() -> None:
    # 6.12 __warn() (kernel/panic.c) prints "WARNING: CPU: %d PID: %d at %pS", then
    # riscv's show_regs() (arch/riscv/kernel/process.c) the task line "CPU: 0 UID: 0 PID:
    # 140 Comm: sh ...", "epc : %pS" and the headerless trace after "status:". Cut at
    # 44..50 columns with no mark, every one of those lines loses its fact: the pid
    # ("CPU: 0 UID: 0 PID>"), the function ("epc : hotfence_cra>"), each entry's name.
    # The RIP line cut in its name still is the registers every report has: a warning
    # whose function is lost (corrupted), not nothing.
    console = (DATA / "riscv64-6.12.117+deb13-mod-warn.log").read_text()
    (want,) = parse_log(console)
    journal = _paged_journal(console, 1 << 20)
    for columns in range(44, 51):
        cut = _cut(journal, columns)
        assert re.search(r"kernel: epc : hotfen\w*$", cut, re.M), columns
        assert "PID: 14" not in cut, columns
        (got,) = parse_log(cut)
        assert got.type == want.type and got.title.startswith("WARNING"), columns
        assert got.corrupted and got.pid is None and got.rip is None, columns


def test_an_s390_stack_overflow_a_cut_took_the_words_of_is_still_one() -> None:
    # 6.1 arch/s390/kernel/traps.c kernel_stack_overflow(): printk("Kernel stack
    # overflow.\n"), show_regs() ("Krnl PSW : ..." after the task and hardware lines),
    # then panic("Corrupt kernel stack, can't continue."). Cut at 44..53 columns with no
    # mark after journalctl's prefix, the line keeps "Kernel stack " and maybe a part
    # of "overflow.", or all of it but its last column, the mark's at 52 (a row exactly
    # that wide); the panic's message is gone. The overflow is the report, its
    # function lost with the PSW's cut.
    console = (DATA / "s390x-6.1.0-50-mod-stack-overflow.log").read_text()
    (want,) = parse_log(console)
    assert want.title == "kernel stack overflow in hotfence_crash_stack_overflow"
    journal = _paged_journal(console, 1 << 20)
    for columns in range(44, 54):
        cut = _cut(journal, columns)
        assert re.search(r"kernel: Kernel stack (?:o\S*)?$", cut, re.M), columns
        assert "syncing: Corrupt" not in cut, columns
        got = parse_log(cut)[0]
        assert (got.title, got.type) in (
            (want.title, want.type),
            ("kernel stack overflow in corrupted", want.type),
        ), columns


def test_a_soft_lockup_line_a_cut_left_bug_of_is_the_soft_lockup() -> None:
    # 6.1 kernel/watchdog.c watchdog_timer_fn(): pr_emerg("BUG: soft lockup - CPU#%d stuck
    # for %us! [%s:%d]\n") after its pr_fmt "watchdog: ", the file's one "BUG:" line. Cut
    # at 45..47 columns with no mark after journalctl's prefix it keeps "watchdog: BUG:>"
    # .. "watchdog: BUG: s>": no "BUG:" kind's words left, but after "watchdog: " the line
    # is the soft lockup, its function lost (corrupted), not "BUG:" of no kind.
    checked = 0
    for path in sorted(DATA.glob("*softlockup*.log")):
        console = path.read_text()
        want = parse_log(console)[0]
        if "] watchdog: BUG: soft lockup - CPU#" not in console:
            continue
        journal = _paged_journal(console, 1 << 20)
        for columns in range(45, 48):
            cut = _cut(journal, columns)
            assert re.search(r"kernel: watchdog: BUG:(?: s?o?)?$", cut, re.M), columns
            got = parse_log(cut)[0]
            assert got.type == want.type, (path.name, columns)
            assert got.title == "BUG: soft lockup in corrupted", (path.name, columns)
            checked += 1
    assert checked >= 7 * 3


def test_a_stack_overflow_line_a_cut_took_stack_space_of_is_still_one() -> None:
    # 6.1 arm64 panic_bad_stack() (arch/arm64/kernel/traps.c) and riscv's and 32-bit
    # ARM's handle_bad_stack() (6.12 arch/riscv/kernel/traps.c, 6.1 arch/arm/kernel/
    # traps.c): pr_emerg("Insufficient stack space to handle exception!"), the stacks'
    # bounds ("Task stack:     [%#lx..%#lx]", after arm64's "ESR:" and "FAR:"), the
    # registers, then panic("kernel stack overflow") or die("kernel stack overflow").
    # Cut at 44..54 columns with no mark after journalctl's prefix, the line keeps
    # "Insufficient s" .. "Insufficient stack space" (its last column read as the mark)
    # and the panic's message is gone: the overflow is still the report, not the panic
    # of no message ("kernel panic:") nor arm's die() of no words ("Internal error").
    checked = 0
    for path in sorted(DATA.glob("*-stack-overflow.log")):
        console = path.read_text()
        if "] Insufficient stack space to handle exception!" not in console:
            continue
        (want,) = parse_log(console)
        assert want.title.startswith("kernel stack overflow in "), path.name
        journal = _paged_journal(console, 1 << 20)
        for columns in range(44, 55):
            cut = _cut(journal, columns)
            assert re.search(r"kernel: Insufficient s[\w ]*$", cut, re.M), columns
            assert "stack space to handle" not in cut, columns
            got = parse_log(cut)
            assert (got[0].title, got[0].type) in (
                (want.title, want.type),
                ("kernel stack overflow in corrupted", want.type),
            ), (path.name, columns)
            checked += 1
    assert checked == 3 * 11


def test_an_arm64_fault_line_a_cut_took_the_words_of_is_a_null_deref_by_its_address() -> None:
    # 6.1 arch/arm64/mm/fault.c die_kernel_fault(): pr_alert("Unable to handle kernel %s at
    # virtual address %016lx\n", msg, addr), mem_abort_decode()'s "Mem abort info:" and
    # "  FSC = 0x%02x: %s", show_pte()'s "[%016lx] pgd=%016llx"; __do_kernel_fault() names
    # a fault at an address below PAGE_SIZE that is no permission fault a "NULL pointer
    # dereference". Cut at 45..55 columns with no mark after journalctl's prefix the line
    # keeps "Unable to hand" .. "Unable to handle kernel N" (its last column read as the
    # mark), no word of its kind: the translation fault (FSC 0x05, 0x06) at an address of
    # 13 zero digits and more still tells the NULL dereference, its function cut away.
    checked = 0
    for name in ("arm64-6.1-oops", "arm64-6.1.0-50-mod-null"):
        console = (DATA / f"{name}.log").read_text()
        (want,) = parse_log(console)
        assert want.title.startswith("BUG: unable to handle kernel NULL pointer"), name
        journal = _paged_journal(console, 1 << 20)
        for columns in range(45, 56):
            cut = _cut(journal, columns)
            assert re.search(r"kernel: Unable to hand[a-z ]*N?$", cut, re.M), columns
            assert "Unable to handle kernel NU" not in cut, columns
            got = parse_log(cut)[0]
            assert got.type == want.type, (name, columns)
            assert got.title == (
                "BUG: unable to handle kernel NULL pointer dereference in corrupted"
            ), (name, columns)
            checked += 1
    # ... not at 44, where the address keeps 12 zero digits of 16 (a fault below 64 KiB)
    cut = _cut(_paged_journal((DATA / "arm64-6.1-oops.log").read_text(), 1 << 20), 44)
    assert re.search(r"^\S+ \S+ \S+ web01 kernel: \[0{13}$", cut, re.M)
    assert not parse_log(cut)[0].title.startswith("BUG: unable to handle kernel NULL")
    assert checked == 2 * 11


def test_a_powerpc_or_s390_fault_line_a_cut_took_the_words_of_is_a_paging_request() -> None:
    # powerpc bad_page_fault() (3.10 arch/powerpc/mm/fault.c): "Unable to handle kernel
    # paging request for data at address 0x%08lx", then "Faulting instruction address:
    # 0x%08lx"; s390 do_no_context() (5.10 arch/s390/mm/fault.c): "Unable to handle kernel
    # pointer dereference in virtual kernel address space", then dump_fault_info()'s
    # "Failing address: %016lx TEID: %016lx". Cut at 44..55 columns with no mark after
    # journalctl's prefix the line keeps "Unable to han" .. "Unable to handle kernel p"
    # (its last column read as the mark), no word of its kind: the line after it still
    # tells the paging request, not a report of no kind, nor none at all.
    for name in ("ppc64-rhel7-elfv1-oops", "s390x-5.10-oops"):
        console = (DATA / f"{name}.log").read_text()
        (want,) = parse_log(console)
        assert want.title.startswith("BUG: unable to handle kernel paging request in "), name
        journal = _paged_journal(console, 1 << 20)
        for columns in range(44, 56):
            cut = _cut(journal, columns)
            assert re.search(r"kernel: Unable to han[a-z ]*$", cut, re.M), columns
            assert re.search(r"kernel: Unable to handle kernel \w\w", cut) is None, columns
            got = parse_log(cut)
            assert got, (name, columns)
            assert got[0].type == want.type, (name, columns)
            title = "BUG: unable to handle kernel paging request in corrupted"
            assert got[0].title == title, (name, columns)


def test_an_arm64_serror_line_a_cut_took_on_cpu_of_is_still_one() -> None:
    # 5.10 arch/arm64/kernel/traps.c arm64_serror_panic(): pr_crit("SError Interrupt on
    # CPU%d, code 0x%08x -- %s\n"), __show_regs() ("CPU:", "Hardware name:", "pstate:",
    # "pc : %pS"), then nmi_panic(regs, "Asynchronous SError Interrupt"). Cut at 44..53
    # columns with no mark after journalctl's prefix the line keeps "SError Interru" ..
    # "SError Interrupt on CPU" (its last column read as the mark) and the panic's message
    # is gone: the SError is still the report, named by its pc where the cut left it,
    # not the panic of no message ("kernel panic:").
    console = (DATA / "arm64-serror.log").read_text()
    (want,) = parse_log(console)
    assert want.title == "SError Interrupt in cpu_do_idle"
    journal = _paged_journal(console, 1 << 20)
    for columns in range(44, 54):
        cut = _cut(journal, columns)
        assert re.search(r"kernel: SError Interru[a-zA-Z ]*$", cut, re.M), columns
        assert "SError Interrupt on CPU2" not in cut, columns
        assert "syncing: Asynchronous SError" not in cut, columns
        got = parse_log(cut)[0]
        assert got.type == want.type, columns
        assert got.title in (want.title, "SError Interrupt in corrupted"), columns
        assert got.corrupted == (got.title != want.title), columns


def test_an_old_warning_line_a_cut_took_the_file_of_is_still_a_warning() -> None:
    # 2.6.32 kernel/panic.c warn_slowpath_common(): printk(KERN_WARNING "WARNING: at
    # %s:%d %pS()\n", file, line, caller), then dump_stack() (RHEL 6's "Pid: %d, comm:
    # %.20s %s %s %.*s" and a trace of "?" entries only). The file's own lines cut at
    # 44..56 columns with no mark keep "WARNING: at net" .. "WARNING: at net/core/dev.c:"
    # of it (the last column read as the mark): still the warning, its function
    # (the line's "%pS", no trace entry names it) lost, not no report nor a title of the
    # line's words ("WARNING: at net/core/d").
    console = (DATA / "rhel6-syslog-old-warning.log").read_text()
    (want,) = parse_log(console)
    assert want.title == "WARNING in skb_gso_segment"
    for columns in range(44, 57):
        cut = _cut(console, columns)
        assert re.search(r"kernel: WARNING: at net[\w./:]*$", cut, re.M), columns
        (got,) = parse_log(cut)
        assert (got.title, got.type) == ("WARNING in corrupted", want.type), columns
        assert got.corrupted, columns


@pytest.mark.parametrize(
    "name", ["x86-6.18.44-memcg-oom", "x86-6.18.44-ext4-remount-ro", "x86-6.18.44-pod-context"]
)
def test_a_memcg_kill_line_a_cut_left_memory_cgroup_of_is_the_kill(name: str) -> None:
    # 6.18 mm/oom_kill.c oom_kill_process(): dump_header() (whose
    # mem_cgroup_print_oom_meminfo() prints "Memory cgroup stats for %s:"), then
    # dump_oom_victim()'s "oom-kill:constraint=...", then __oom_kill_process()'s "%s: Killed
    # process %d (%s) total-vm:..." with "Memory cgroup out of memory". journalctl's rows
    # cut at 44..47 columns with no mark keep "oom-kill:cons" and "Memory cgroup " ..
    # "Memory cgroup out" (the last column read as the mark): the row right after the
    # summary is still the kill, its process's name lost (corrupted, as at 48..64), the
    # stats line cut to the same words no kill; the facts the cut took stay None.
    console = (DATA / f"{name}.log").read_text()
    (want,) = [r for r in parse_log(console) if str(r.type) == "OOM-KILL"]
    assert want.title == "memory cgroup out of memory: killed process python3"
    journal = _paged_journal(console, 1 << 20)
    for columns in range(44, 48):
        cut = _cut(journal, columns)
        kill = re.search(r"kernel: oom-kill:cons\w*\n[^\n]*kernel: Memory cgroup (?:o\w*)?\n", cut)
        assert kill is not None and "Memory cgroup out " not in cut, columns
        assert re.search(r"kernel: Memory cgroup (?:s\w*)?$", cut, re.M), columns
        (got,) = parse_log(cut)
        assert (got.title, got.type) == (want.title.rpartition(" ")[0], want.type), columns
        assert got.corrupted, columns
        assert (got.pid, got.comm, got.rip, got.cpu) == (None, None, None, None), columns
        summary = cut.count("\n", 0, kill.start()) + 1  # (its line's number)
        assert (got.start_line, got.end_line) == (summary, summary + 1), columns
