"""Report shapes Fedora / RHEL / CentOS users meet in ``/var/log/messages`` and abrt's
``kernel oops`` bugs, from the 2.6.18-5.14 kernels those distributions ship: the lines
old kernels printed where newer ones print another wording, tested by rewriting real
logs (the syzkaller corpus, ``data/realworld``, ``lab``) into that wording, as each test
says with the kernel source that prints it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus import SYZ, syz_log
from hotfence.triage.lines import make_line
from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log
from test_realworld_arch import DATA, _facts, reworded
from test_realworld_wrap import _facts as _wrap_facts
from test_realworld_wrap import _prefixed_real_logs, _terminal_rows

_MAIL_WIDTH_MAX = 79  # (a mail client's wrap at 79 or less drops the space it cut at)


def _guilty_log(case: str) -> str:
    """The console log of syzkaller guilty-corpus case ``case``, without its header."""
    return (
        (SYZ / "guilty" / case).read_text(encoding="utf-8", errors="replace").partition("\n\n")[2]
    )


def test_a_double_fault_die_without_its_panic_line_is_that_double_fault() -> None:
    """Before 4.x, x86_64's do_double_fault() (arch/x86/kernel/traps.c, 2.6.2x-3.x) only
    looped on die(str, regs, error_code) with str "double fault": __die()'s
    "double fault: 0000 [#1] SMP" is the report's first line; the "PANIC: double fault,
    error_code: 0x0" line newer kernels print before it does not exist there. The
    syzkaller report of a double fault (guilty corpus 44) without that line is still the
    double fault in the function its RIP names, one report."""
    text = _guilty_log("44")
    (want,) = parse_log(text.encode())
    assert want.title == "PANIC: double fault in fixup_bad_iret"
    old = reworded(text, {"traps: PANIC: double fault, error_code: 0x0\n": ""})
    assert old.startswith("double fault: 0000 [#1] PREEMPT SMP KASAN\n")
    (rep,) = parse_log(old.encode())
    assert (rep.title, rep.type, rep.corrupted) == (want.title, want.type, want.corrupted)
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release) == (
        "syz-executor776",
        7280,
        0,
        "5.7.0-rc7-next-20200525-syzkaller",
    )
    assert rep.rip is not None and rep.rip.function == "fixup_bad_iret"


@pytest.mark.parametrize("arch", ["ppc64le", "s390x"])
def test_a_generic_bug_warning_naming_only_its_file_is_titled_by_its_pc(arch: str) -> None:
    """On the architectures that trap on WARN (powerpc, s390: CONFIG_GENERIC_BUG),
    lib/bug.c report_bug() from 2.6.26 to 4.5 printed "WARNING: at %s:%u" (file and line,
    no function, no task) and then print_modules() and show_regs(): RHEL 6 and 7 on ppc64
    and s390x. The function that warned is where NIP / the PSW points, as in the 6.1
    recordings whose warning line is rewritten into that wording: the same title, task,
    taint and frames."""
    text = (DATA / f"{arch}-6.1.0-50-mod-warn.log").read_text()
    line = re.search(r"WARNING: CPU: \d+ PID: \d+ at (\S+) hotfence_crash_warn\+\S+ \[\w+\]", text)
    assert line is not None
    (want,) = parse_log(text.encode())
    assert want.title == "WARNING in hotfence_crash_warn"
    (rep,) = parse_log(reworded(text, {line[0]: f"WARNING: at {line[1]}"}).encode())
    assert _facts([rep]) == _facts([want])
    assert rep.guilty_file == want.guilty_file
    # without CONFIG_DEBUG_BUGVERBOSE: "WARNING: at %p [verbose debug info unavailable]"
    pc = re.search(r"(?:NIP|Krnl PSW) +[:\[] ?(?:[0-9a-f]{16} )?([0-9a-f]{16})", text)
    assert pc is not None
    unverbose = f"WARNING: at {pc[1]} [verbose debug info unavailable]"
    (rep,) = parse_log(reworded(text, {line[0]: unverbose}).encode())
    assert _facts([rep]) == _facts([want])


# The 6.1 recordings' task lines in the words of 2.6.x show_regs(): powerpc's "TASK = %p[%d]
# '%s' THREAD: %p CPU: %d" after its "REGS:" line, s390's "CPU: %d %s %s %.*s" (taint,
# release, version) and "Process %s (pid: %d, task: %p, ksp: %p)" before the PSW.
_SHOW_REGS_2_6 = {
    "ppc64le": (
        "REGS: c0000000043ab560 TRAP: 0700   Tainted: G           OE       "
        "(6.1.0-50-powerpc64le Debian 6.1.176-1)\n",
        "REGS: c0000000043ab560 TRAP: 0700   Tainted: G           OE       "
        "(6.1.0-50-powerpc64le)\n"
        "[    1.255090] TASK = c000000003f41f00[87] 'sh' THREAD: c0000000043a8000 CPU: 1\n",
    ),
    "s390x": (
        "CPU: 1 PID: 84 Comm: sh Tainted: G           OE      6.1.0-50-s390x #1  Debian "
        "6.1.176-1\n",
        "CPU: 1 Tainted: G           OE      6.1.0-50-s390x #1\n"
        "[    5.463600] Process sh (pid: 84, task: 0000000002abd690, ksp: 000003800041bcc8)\n",
    ),
}


@pytest.mark.parametrize("arch", ["ppc64le", "s390x"])
def test_a_generic_bug_warning_of_2_6_says_badness_at_its_file(arch: str) -> None:
    """Before "WARNING: at %s:%u" (3.4, the test above), lib/bug.c report_bug() of the
    architectures that trap on WARN printed "Badness at %s:%u" (2.6.29), or "Badness at %p
    [verbose debug info unavailable]" without CONFIG_DEBUG_BUGVERBOSE, then show_regs()
    with 2.6's task lines and no "CPU: N PID: N Comm:" line: RHEL 5 and 6 on ppc64 and
    s390x, a PowerPC 2.6.21 board's "Badness at c0011e4c [verbose debug info unavailable]"
    (javashuo.com p-qbhyuypo-m, after an oops). It is a warning in the function NIP / the
    PSW names, its own report, as in the 6.1 recordings rewritten into that wording."""
    text = (DATA / f"{arch}-6.1.0-50-mod-warn.log").read_text()
    line = re.search(r"WARNING: CPU: \d+ PID: \d+ at (\S+) hotfence_crash_warn\+\S+ \[\w+\]", text)
    assert line is not None
    (want,) = parse_log(text.encode())
    assert want.title == "WARNING in hotfence_crash_warn"
    old_regs, new_regs = _SHOW_REGS_2_6[arch]
    old = reworded(text, {old_regs: new_regs})
    old = re.sub(
        r"(?m)^.*(?:Modules linked in: |CPU: \d+ PID: \d+ Comm: |Hardware name: ).*\n", "", old
    )
    assert "Comm: " not in old
    pc = re.search(r"(?:NIP|Krnl PSW) +[:\[] ?(?:[0-9a-f]{16} )?([0-9a-f]{16})", text)
    assert pc is not None
    (rep,) = parse_log(reworded(old, {line[0]: f"Badness at {line[1]}"}).encode())
    assert _facts([rep]) == _facts([want])
    assert rep.guilty_file == want.guilty_file
    unverbose = f"Badness at {pc[1]} [verbose debug info unavailable]"
    (rep,) = parse_log(reworded(old, {line[0]: unverbose}).encode())
    assert _facts([rep]) == _facts([want])
    # a WARN in an assembly file's macro names that ".S" file (linux-mm 2007, a ppc64
    # 2.6.21 console: "Badness at arch/powerpc/kernel/entry_64.S:651")
    assembly = "Badness at arch/powerpc/kernel/entry_64.S:651"
    (rep,) = parse_log(reworded(old, {line[0]: assembly}).encode())
    assert _facts([rep]) == _facts([want])


# powerpc's report_bug() path as 2.6's show_stack() prints it (arch/powerpc/kernel/
# process.c: the "--- Exception: %lx at %pS" / "    LR = %pS" of an exception frame).
_TRAP_FRAMES_2_6 = (
    "[    1.255841] Call Trace:\n"
    "[    1.255850] [c0000000043ab5d0] [c000000000018d54] show_stack+0x74/0x1a0 (unreliable)\n"
    "[    1.255860] [c0000000043ab680] [c0000000007b2f5c] report_bug+0xbc/0x150\n"
    "[    1.255870] [c0000000043ab6f0] [c000000000026b60] program_check_exception+0x1a0/0x5d0\n"
    "[    1.255880] [c0000000043ab780] [c000000000004b7c] program_check_common+0xfc/0x100\n"
)
_EXCEPTION_2_6 = (
    "[    1.255890] --- Exception: 700 at hotfence_crash_warn+0x30/0x50 [hotfence_crash]\n"
    "[    1.255895]     LR = hotfence_crash_warn+0x24/0x50 [hotfence_crash]\n"
)


def test_a_badness_report_of_2_6_21_titles_the_function_its_trap_frame_names() -> None:
    """Earlier still (2.6.21 on powerpc, the board above), report_bug() called dump_stack()
    after "Badness at": no registers, the trace starting in the trap (show_stack,
    report_bug, program_check_exception, program_check_common) and its exception frame,
    "--- Exception: 700 at f+0x30/0x50", naming the function that warned: the 6.1
    recording's warning with its registers replaced by that trace is a warning in that
    function, not in the trap's frames or the caller after the marker; where the marker
    is lost, the trap's frames are still no title."""
    text = (DATA / "ppc64le-6.1.0-50-mod-warn.log").read_text()
    regs = re.search(r"(?s)\[[ .\d]+\] WARNING: CPU: .*?Call Trace:\n", text)
    user = re.search(r"(?s)\[[ .\d]+\] --- interrupt: 3000 at .*?--- interrupt: 3000\n", text)
    assert regs is not None and user is not None
    badness = "[    1.254020] Badness at src/hotfence/lab/module/hotfence_crash.c:92\n"
    old = reworded(text, {regs[0]: badness + _TRAP_FRAMES_2_6 + _EXCEPTION_2_6, user[0]: ""})
    (rep,) = parse_log(old.encode())
    assert (rep.title, rep.type, rep.corrupted) == (
        "WARNING in hotfence_crash_warn",
        "WARNING",
        False,
    )
    assert [f.function for f in rep.frames][4:7] == [
        "hotfence_crash_warn",
        "hotfence_crash_do",
        "hotfence_crash_write",
    ]
    (rep,) = parse_log(reworded(old, {_EXCEPTION_2_6: ""}).encode())
    assert rep.title == "WARNING in hotfence_crash_do"


_IO_ERROR_4X = "blk_update_request: I/O error, dev loop0, sector 0"


@pytest.mark.parametrize(
    "line",
    [
        # arch/x86/kernel/cpu/mce/core.c: pr_info(HW_ERR "Machine check events logged\n")
        # under pr_fmt "mce: ", what a corrected error leaves in the log
        "mce: [Hardware Error]: Machine check events logged",
        # print_mce()'s first line for an error the kernel did not die of
        "mce: [Hardware Error]: CPU 3: Machine Check: 0 Bank 7: cc00008000010090",
        # drivers/acpi/apei/ghes.c: a firmware-first error, "{%u}" HW_ERR "..." per record
        "{1}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 0",
        # drivers/edac/edac_mc.c edac_ce_error() / edac_ue_error(): edac_mc_printk()'s
        # "EDAC MC%d: " then "%d CE %s%son %s (%s %s)" with its "page:0x%lx offset:0x%lx
        # grain:%ld syndrome:0x%lx" detail (3.6 on)
        "EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0 "
        "(channel:1 slot:0 page:0x1a2b3c offset:0x0 grain:32 syndrome:0x0)",
        "EDAC MC1: 1 UE memory read error on DIMM_B1 (channel:1 slot:0 page:0x2c4 "
        "offset:0x0 grain:32)",
        # arch/x86/kernel/nmi.c unknown_nmi_error(), pci_serr_error(), io_check_error()
        "Uhhuh. NMI received for unknown reason 2d on CPU 0.",
        "NMI: PCI system error (SERR) for reason a1 on CPU 0.",
        "NMI: IOCK error (debug interrupt?) for reason 71 on CPU 0.",
    ],
)
def test_a_hardware_error_before_a_crash_is_its_context(line: str, tmp_path: Path) -> None:
    """A machine check, a firmware-reported hardware error, a memory controller's ECC
    error or an NMI from the chipset or no known source logged before a crash is what Red Hat's support first asks about (bad memory
    corrupts anything): it is the crash's context, as an I/O error is, through the CLI's
    prefilter too. Syzkaller corpus 5 with its I/O error line in those words."""
    from hotfence.triage.prefilter import triage_input

    text = reworded(syz_log("5"), {_IO_ERROR_4X: line})
    (rep,) = parse_log(text.encode())
    assert rep.context == [line]
    assert rep.title == "KASAN: invalid-free in selinux_tun_dev_free_security"
    (tmp_path / "messages").write_text(text)
    got = triage_input(str(tmp_path / "messages"))
    assert [r.context for r in got.reports] == [[line]]


@pytest.mark.parametrize("width", [100, 132, 160, 208])
def test_a_log_wrapped_by_a_wider_terminal_reads_as_the_log(width: int) -> None:
    """A log copied from a maximised terminal (journalctl's or less's screen, a GitHub
    issue pasted from one) has every line longer than the terminal cut at its width,
    mid-word, the rest on the next row without a prefix: a RHEL host's "Modules linked
    in:" line runs to several rows. Every real log whose lines carry a prefix and whose
    wrap shows in two rows or more reads as it did unwrapped: its reports' facts, the
    modules, the hardware line."""
    checked = 0
    for path, console, want in _prefixed_real_logs():
        rows = _terminal_rows(console, width)
        if sum(len(row) == width for row in rows.split("\n")) < 2:
            continue
        got = parse_log(rows)
        assert [_wide_facts(r) for r in got] == [_wide_facts(r) for r in want], path.name
        checked += 1
    assert checked >= {100: 90, 132: 70, 160: 30, 208: 20}[width]


def test_a_module_list_a_wide_terminal_cut_once_keeps_its_modules() -> None:
    """A maximised terminal (208 columns in an Arch Linux ARM 4.4 oops pasted to
    raspberrypi/linux#1447) cuts print_modules()'s list, the one line of the report
    wider than it, inside a name: "... spi_bcm2835 uio_p" goes on "drv_genirq uio ...
    ipv6" in the next row, no prefix, then the task header. One cut row shows no width,
    but the rows prove the cut: every real log with a prefix whose module list is its
    longest line, cut so, has the modules it had whole, and its other facts."""
    checked = 0
    for path, console, want in _prefixed_real_logs():
        lines = console.split("\n")
        at = [i for i, ln in enumerate(lines) if "Modules linked in:" in ln]
        if not at:
            continue
        listed = lines[at[0]]
        longest = max(len(ln) for i, ln in enumerate(lines) if i != at[0])
        width = max(longest + 1, len(listed) // 2 + 1, _MAIL_WIDTH_MAX + 1)
        if width >= len(listed) or not any(w.modules for w in want):
            continue
        rows = lines[: at[0]] + [listed[:width], listed[width:]] + lines[at[0] + 1 :]
        assert not make_line(listed[width:], 0, 0).context
        got = parse_log("\n".join(rows))
        assert [_wide_facts(r) for r in got] == [_wide_facts(r) for r in want], path.name
        checked += 1
    assert checked >= 5


@pytest.mark.parametrize(
    "support",
    [
        "Supported: Yes",
        "Supported: No, Unsupported modules are loaded",
        "Supported: No, Proprietary and Unsupported modules are loaded",
    ],
)
def test_a_suse_module_list_a_terminal_cut_keeps_its_modules(support: str) -> None:
    """SUSE's kernels (SLES 9-15, openSUSE: the "SUSE/external support flag in modules"
    patch, patches.suse/supported-flag) print the kernel's support status as a line of
    its own right after print_modules()'s list: "Supported: No, Unsupported modules are
    loaded" before "Pid: 8855, comm: nfsd Tainted: G 2.6.27.45-0.1-default #1" (a SLES 11
    oops on LKML, 2010), "Supported: No, Proprietary and Unsupported modules are loaded"
    before a SLE15-SP3 5.3.18 header. A terminal that cut the list inside a name goes on
    with the rest in a row of its own, then that line: every real log with a prefix whose
    module list is its longest line, in SUSE's shape and cut so, has the modules it had
    whole, and its other facts."""
    checked = 0
    for path, console, want in _prefixed_real_logs():
        lines = console.split("\n")
        at = [i for i, ln in enumerate(lines) if "Modules linked in:" in ln]
        if not at or at[0] + 1 >= len(lines):
            continue
        listed = lines[at[0]]
        if make_line(lines[at[0] + 1], 0, 0).text.startswith(" "):
            continue  # the list goes on in a record of its own (3.5-4.x printk)
        status = listed[: listed.index("Modules linked in:")] + support
        longest = max(len(ln) for i, ln in enumerate(lines) if i != at[0])
        width = max(longest + 1, len(status) + 1, len(listed) // 2 + 1, _MAIL_WIDTH_MAX + 1)
        if width >= len(listed) or not any(w.modules for w in want):
            continue
        suse = lines[: at[0] + 1] + [status] + lines[at[0] + 1 :]
        assert [_wide_facts(r) for r in parse_log("\n".join(suse))] == [
            _wide_facts(r) for r in want
        ], path.name
        rows = lines[: at[0]] + [listed[:width], listed[width:], status] + lines[at[0] + 1 :]
        got = parse_log("\n".join(rows))
        assert [_wide_facts(r) for r in got] == [_wide_facts(r) for r in want], path.name
        checked += 1
    assert checked >= 5


def _wide_facts(rep: Report) -> tuple[object, ...]:
    return (*_wrap_facts(rep), rep.modules, rep.tainting_modules, rep.hardware)


@pytest.mark.parametrize("case", ["557", "559", "560"])
def test_an_old_lockdep_hardirq_lock_order_report_is_a_possible_deadlock(case: str) -> None:
    """Before 4.15 lockdep's print_bad_irq_dependency() (kernel/locking/lockdep.c) put
    its title in brackets under INFO, "[ INFO: %s-safe -> %s-unsafe lock order detected
    ]" with "HARDIRQ" (or "SOFTIRQ") for both, where it now prints "WARNING: ...": what a
    RHEL 7 kernel-debug prints. The report under it is the same (the task trying to
    acquire, then "... which became HARDIRQ-irq-safe at:" and that stack): the syzkaller
    reports with their first line in the older wording are the same possible deadlock."""
    text = syz_log(case)
    (want, *_) = parse_log(text.encode())
    assert want.title.startswith("possible deadlock in ") and not want.corrupted
    old = reworded(
        text,
        {
            "WARNING: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected": (
                "[ INFO: HARDIRQ-safe -> HARDIRQ-unsafe lock order detected ]"
            )
        },
    )
    (rep, *_) = parse_log(old.encode())
    assert (rep.title, rep.type, rep.corrupted) == (want.title, want.type, want.corrupted)
    assert (rep.comm, rep.pid) == (want.comm, want.pid)


def test_an_old_lockdep_nested_lock_report_names_the_function_taking_it() -> None:
    """Before 4.15 lockdep's print_lock_nested_lock_not_held() printed "[ BUG: Nested lock
    was not taken ]", the task trying to lock and dump_stack(), as its other "BUG:"
    reports (bad unlock balance, held lock freed) were worded then. The syzkaller report
    in its later "WARNING:" wording, its first line in the older one, names the same
    function, its task and is a lockdep report."""
    text = syz_log("655")
    (want, *_) = parse_log(text.encode())
    assert want.title == "WARNING: nested lock was not taken in evict"
    old = reworded(
        text, {"WARNING: Nested lock was not taken": "[ BUG: Nested lock was not taken ]"}
    )
    (rep, *_) = parse_log(old.encode())
    assert (rep.title, rep.type) == ("BUG: nested lock was not taken in evict", want.type)
    assert (rep.comm, rep.pid, rep.corrupted) == (want.comm, want.pid, want.corrupted)


@pytest.mark.parametrize(
    ("name", "hardware"),
    [
        # x86_64 show_regs_common() (2.6.35-3.9, RHEL 6's backport): " %s %s" the DMI
        # vendor and product, "/%s" the board when there is one
        ("rhel6-irq-marker-frames", "HP ProLiant DL380 G7"),
        # i386 __show_regs() of 2.6.32 (Debian 6): "Pid: %d, comm: %s %s (%s %.*s) %s", the
        # DMI product name alone, padded with the BIOS's spaces
        ("debian6-i386-oops", "Latitude D630"),
    ],
)
def test_the_hardware_named_on_a_pre_3_10_task_line_is_read(name: str, hardware: str) -> None:
    """Before 3.10's "Hardware name:" line (dump_stack_print_info()), x86's __show_regs()
    named the machine at the end of its "Pid: N, comm: X <taint> <release> #N" line, after
    the version's first word: the RHEL 6 and Debian 6 oopses keep theirs."""
    text = (DATA / f"{name}.log").read_text()
    (rep,) = parse_log(text.encode())
    assert rep.hardware == hardware
    assert rep.kernel_release is not None and rep.kernel_release not in rep.hardware


def _abrt_backtrace(rep: Report) -> str:
    """The "backtrace" abrt keeps of a kernel oops (src/lib/kernel.c koops_extract_oopses()
    and record_oops()): the oops's lines without their syslog prefix, log level and printk
    time, empty lines dropped, after a first line naming the kernel's version
    (queue_oops(): "%s\\n%s", version or "undefined")."""
    item = f"{rep.kernel_release or 'undefined'}\n{rep.text}"
    return "".join(line + "\n" for line in item.split("\n") if line.strip())


def test_abrts_oops_backtrace_as_libreport_prints_it_reads_as_the_oops() -> None:
    """libreport prints a problem's multi-line items (make_description_item_multiline():
    "NAME:" then ":%.*s" per line): a Fedora / RHEL kernel oops's "backtrace:" appears so in
    the Bugzilla bug abrt files, its mail and "abrt-cli info -d". Every report of the real
    logs, as abrt's backtrace in that wrapping, reads as the backtrace itself: its task,
    release, taint, title and every frame."""
    from test_realworld import LAB

    checked = 0
    for path in sorted(DATA.glob("*.log")) + sorted(LAB.glob("*.log")):
        for rep in parse_log(path.read_text(encoding="latin-1")):
            bare = _abrt_backtrace(rep)
            shown = "backtrace:\n" + "".join(f":{line}\n" for line in bare.splitlines())
            want = parse_log(bare)
            assert [_wrap_facts(r) for r in parse_log(shown)] == [_wrap_facts(r) for r in want]
            checked += 1
    assert checked > 120


def _libreport_one_liner(key: str, value: str) -> str:
    """libreport's one-line problem item (make_description(): "%s: %*s%s", padded so the
    value starts at column 17)."""
    return f"{key}: {' ' * max(0, 16 - (len(key) + 2))}{value}\n"


@pytest.mark.parametrize("name", ["centos7-dockerd-ip6mr", "rhel6-syslog-old-warning"])
def test_abrt_clis_reason_line_is_no_second_report(name: str) -> None:
    """ "abrt-cli info -d" prints a kernel oops's one-line items, its "reason:" the oops's
    first line as a summary, then its "backtrace:" (libreport's make_description()): one
    crash, one report, the backtrace's. "abrt-cli list" prints the one-liners alone: a
    listing of crashes, no kernel output, no report."""
    (rep,) = parse_log((DATA / f"{name}.log").read_text().encode())
    bare = _abrt_backtrace(rep)
    reason = bare.splitlines()[1]
    assert reason.startswith(("BUG: ", "WARNING: "))
    one_liners = (
        _libreport_one_liner("reason", reason)
        + _libreport_one_liner("time", "Mon 03 Mar 2025 04:12:19 AM UTC")
        + _libreport_one_liner("cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/mapper/rhel-root ro")
        + _libreport_one_liner("package", "kernel")
        + _libreport_one_liner("count", "1")
    )
    info = one_liners + "\nbacktrace:\n" + "".join(f":{line}\n" for line in bare.splitlines())
    assert f"reason:         {reason}\n" in info
    got = parse_log(info.encode())
    assert [_wrap_facts(r) for r in got] == [_wrap_facts(r) for r in parse_log(bare.encode())]
    assert len(got) == 1 and got[0].frames
    listing = "id 4f0c0b6e1d2a\n" + one_liners + "Directory:      /var/spool/abrt/oops-1\n"
    assert parse_log(listing.encode()) == []


@pytest.mark.parametrize(
    "name", ["centos7-dockerd-ip6mr", "rhel6-irq-marker-frames", "rhel6-syslog-old-warning"]
)
def test_abrts_bugzilla_summary_is_no_second_report(name: str) -> None:
    """The Bugzilla bug abrt files for a kernel oops is titled by libreport's summary
    (src/plugins/bugzilla_format.conf "%summary: [abrt] %package%[[: %crash_function%]]
    [[: %reason%]][[: TAINTED %tainted_short%]]", bugzilla_format_kernel.conf the same
    without the package): the oops's first line after "[abrt] ", as the bug's page heads
    it ("Bug N - ", an en dash in Bugzilla 5) and its mails' subject ("[Bug N] New: ").
    Its description gives the oops ("Additional info: %bare_backtrace"). The bug saved
    or pasted is one crash, the backtrace's: the title line is no report of its own."""
    (rep,) = parse_log((DATA / f"{name}.log").read_text().encode())
    bare = _abrt_backtrace(rep)
    reason = bare.splitlines()[1]
    assert reason.startswith(("BUG: ", "WARNING: "))
    want = [_wrap_facts(r) for r in parse_log(bare.encode())]
    body = "\n\nDescription of problem:\nThe box hung.\n\nAdditional info:\n" + bare
    for summary in (
        f"[abrt] kernel: {reason}",
        f"[abrt] {reason}: TAINTED {rep.taint or 'G'}",
        f"Bug 1089023 - [abrt] kernel: {reason}",
        f"Bug 1089023 \u2013 [abrt] {reason}",
        f"[Bug 1089023] New: [abrt] kernel: {reason}",
    ):
        got = parse_log((summary + body).encode())
        assert [_wrap_facts(r) for r in got] == want, summary
        assert len(got) == 1 and got[0].frames


def test_a_4_9_consoles_entry_time_after_a_stack_marker_keeps_the_entry() -> None:
    # 4.9's show_trace_log_lvl() (arch/x86/kernel/dumpstack.c) printk()s "<%s> " with no
    # newline and the stack's next entry as a record of its own: a console prints that
    # record's time after the marker, on the marker's line (" <IRQ> [    8.010195]
    # [<ffffffff811c9935>] dump_stack+0x63/0x8e"). The RHEL 7 hard lockup's "<<EOE>>" and
    # "<EOI>" lines in that shape keep their entries.
    text = (DATA / "rhel7-hard-lockup-nmi-panic.log").read_text()
    four_nine, n = re.subn(r"(?m)^(\[ *\d+\.\d+\]) +(<<EOE>>|<EOI>) +\[<", r"\1  \2 \1  [<", text)
    assert n == 2 and "<EOI> [1022334.611216]  [<ffffffff9c02f715>] do_softirq" in four_nine
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(four_nine.encode())
    assert rep.title == want.title == "BUG: hard lockup in mydrv_tx_complete"
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert {"queued_spin_lock_slowpath", "do_softirq"} <= {f.function for f in rep.frames}


def test_a_daemons_record_after_the_module_list_leaves_the_list_whole() -> None:
    # /var/log/messages holds every writer's records in the order rsyslog (imklog /
    # imjournal) got them: another program's line can land between two of the kernel's,
    # right after print_modules()'s "Modules linked in: ..." (kernel/module.c, one
    # pr_cont() per module) among them. That line has its own prefix (its writer's name
    # and pid): it is no terminal's cut of the list, whose rest would have none, and the
    # list's last module stays.
    text = (DATA / "rhel6-syslog-old-warning.log").read_text()
    (want,) = parse_log(text.encode())
    assert want.modules[-1] == "mdio" and len(want.modules) == 9
    listed = "libcrc32c mdio\n"
    for daemon in (
        "Mar  3 04:12:19 db01 NetworkManager[1712]: <info>  (eth0): carrier now OFF\n",
        "Mar  3 04:12:19 db01 abrt-dump-oops: Found oopses: 1\n",
    ):
        mixed = reworded(text, {listed: listed + daemon})
        (rep,) = parse_log(mixed.encode())
        assert rep.modules == want.modules
        assert _facts([rep]) == _facts([want])
