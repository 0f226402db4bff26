"""Old kernels' and other architectures' report shapes: the lines that name a report's
task, release, CPU and taint in 2.6.x-3.x kernels and distribution builds, and old
syslog daemons' prefixes, tested by reshaping real logs (``data/realworld``, ``lab``,
the syzkaller corpus) into those kernels' wording, as each test says."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from corpus import SYZ, syz_log
from hotfence.triage.parser import parse_log
from test_prefilter import _same
from test_realworld_arch import DATA, _facts, reworded

EXPECTED = yaml.safe_load((DATA / "expected.yaml").read_text())["logs"]


# Reports whose own first lines name the current task. Before 3.10's generic
# dump_stack_print_info(), 32-bit ARM's dump_stack() printed the trace alone
# (arch/arm/kernel/traps.c: "dump_backtrace(NULL, NULL)"), as MIPS's and powerpc's did:
# the syzkaller reports below, with their "CPU: N PID: N Comm: X" lines removed, are that
# shape; 56 and 64 are as recorded (their consoles lost the rest).
@pytest.mark.parametrize(
    ("case", "comm", "pid", "cpu"),
    [
        ("56", "syz-fuzzer", 3658, None),  # __might_sleep(): "in_atomic(): ..., name: %s"
        ("608", "syz-executor.1", 22160, None),  # __might_resched()'s "non_block: %d, "
        ("644", "syz-executor.1", 9519, None),  # "scheduling while atomic: %s/%d/0x%08x"
        ("64", "syz-executor", 12636, 2),  # spin_dump(): "on CPU#%d, %s/%d"
        ("95", "migration/1", 12, 1),
        ("497", "systemd-rfkill", 6731, None),  # "in preemptible [%08x] code: %s/%d"
        ("212", "kworker/0:0", 4, None),  # "leaked lock or atomic: %s/0x%08x/%d"
        ("185", "syz-executor5", 5807, None),  # lockdep: "%s/%d is trying to acquire lock:"
        # lockdep's other reports, as recorded: print_unlock_imbalance_bug(),
        # print_freed_lock_bug(), print_irq_inversion_bug(), lockdep_sys_exit(),
        # print_lock_nested_lock_not_held()
        ("37", "syz-executor1", 21439, None),
        ("38", "syz-executor7", 27251, None),
        ("29", "syz-executor6", 1577, None),
        ("257", "syz-executor0", 17896, None),
        ("655", "syz-executor253", 3315, None),
        # mm's bad_page() and print_bad_pte() name the comm alone, as recorded
        ("89", "syz-executor9", None, None),
        ("85", "syz-executor6", None, None),
    ],
)
def test_a_report_that_names_its_task_itself_keeps_it_without_a_header(
    case: str, comm: str, pid: int | None, cpu: int | None
) -> None:
    text = syz_log(case)
    headerless = re.sub(r"(?m)^.*\bCPU: \d+ PID: \d+ Comm: .*\n", "", text)
    assert "Comm: " not in headerless
    expected = re.search(r"^TITLE: (.*)$", (SYZ / "report" / case).read_text(), re.M)
    assert expected is not None
    rep = parse_log(headerless.encode())[0]
    assert rep.title == expected[1]
    assert (rep.comm, rep.pid, rep.cpu) == (comm, pid, cpu)


# lockdep's reports (and RCU-lockdep's "suspicious RCU usage") print the kernel's identity
# under their title, kernel/locking/lockdep.c print_kernel_ident(): "%s %.*s %s", the
# release, the version's first word and print_tainted(). With no task header after it (a
# console that lost the rest, a pre-3.10 32-bit ARM dump_stack()), it is the one place the
# release is named. Case 32 is a 32-bit ARM 3.10 kernel's.
@pytest.mark.parametrize(
    ("case", "ident", "release", "taint"),
    [
        ("32", "3.10.37+ #1 Not tainted", "3.10.37+", None),
        ("31", "4.11.0-rc4+ #198 Not tainted", "4.11.0-rc4+", None),
        ("257", "4.18.0-rc4+ #51 Not tainted", "4.18.0-rc4+", None),
        # the same line of a tainted kernel: print_tainted()'s "Tainted: " and its letters
        ("257", "4.18.0-rc4+ #51 Tainted: G        W", "4.18.0-rc4+", "G        W"),
        # a build that set KBUILD_BUILD_VERSION: the version's first word is "#" and that
        # string, whatever it is (scripts/mkcompile_h, UTS_VERSION="#$VERSION ...")
        (
            "31",
            "5.0.0-2106051013-generic #appstreamdebug Tainted: G           OE",
            "5.0.0-2106051013-generic",
            "G           OE",
        ),
    ],
)
def test_lockdeps_kernel_ident_line_names_the_release(
    case: str, ident: str, release: str, taint: str | None
) -> None:
    text = syz_log(case)
    assert "Comm: " not in text
    expected = re.search(r"^TITLE: (.*)$", (SYZ / "report" / case).read_text(), re.M)
    assert expected is not None
    recorded = re.search(r"(?m)\] (\S+ #\d+ Not tainted)$", text)
    assert recorded is not None
    rep = parse_log(text.replace(recorded[1], ident).encode())[0]
    assert rep.title == expected[1]
    assert (rep.kernel_release, rep.taint) == (release, taint)


def test_a_pre_3_10_mips_register_dump_names_its_cpu() -> None:
    """MIPS __show_regs() before 3.10's dump_stack_print_info() named the CPU on a line
    of its own, "Cpu %d", where the "CPU: N PID: N Comm: X" header is now, and printed
    print_tainted() after the epc symbol ("epc   : %0*lx " print_symbol() "    %s"): the
    MIPS BUG() in that shape keeps its CPU, taint and task (die()'s "Process X (pid: N")."""
    text = (DATA / "mips-4.19-bug.log").read_text()
    header = "CPU: 0 PID: 1612 Comm: ip Not tainted 4.19.0-26-4kc-malta #1 Debian 4.19.304-1"
    epc = "epc   : 8062b9e4 unregister_netdevice_queue+0x124/0x130"
    assert header in text and epc in text
    old = text.replace(header, "Cpu 0").replace(epc, epc + "     Tainted: P")
    (rep,) = parse_log(old.encode())
    want = EXPECTED["mips-4.19-bug"]
    assert (rep.title, rep.rip and rep.rip.function) == (want["title"], want["rip"])
    assert (rep.cpu, rep.comm, rep.pid, rep.taint) == (0, "ip", 1612, "P")


# print_tainted()'s "N" is TAINT_TEST only since 6.0, its "X" TAINT_AUX only since 4.15; an
# older kernel printing one is a SUSE build (TAINT_NO_SUPPORT, TAINT_EXTERNAL_SUPPORT). The
# SLES 15 header without its build suffix (the only line naming the SLE release), and a
# 6.1 Debian header with the test or the auxiliary taint set.
@pytest.mark.parametrize(
    ("log", "old", "new", "meaning"),
    [
        (
            "data/realworld/sles15-kdump-header.log",
            "5.14.21-150400.24.46-default #1 SLE15-SP4 35a3c2e",
            "5.14.21-150400.24.46-default #1",
            "unsupported module loaded (SUSE)",
        ),
        (
            "lab/null-deref.log",
            "Tainted: G           OE      6.1.0-56-amd64",
            "Tainted: G           OE    N 6.1.0-56-amd64",
            "in-kernel test has been run",
        ),
        # "X" (TAINT_AUX) is upstream's since 4.15; before, SUSE's TAINT_EXTERNAL_SUPPORT:
        # the SLES 15 header as SLES 12 SP2's 4.4 kernel prints it (no SLE build name)
        (
            "data/realworld/sles15-kdump-header.log",
            "OE  X  N 5.14.21-150400.24.46-default #1 SLE15-SP4 35a3c2e",
            "OE  X    4.4.121-92.80-default #1",
            "externally supported module loaded (SUSE)",
        ),
        (
            "lab/null-deref.log",
            "Tainted: G           OE      6.1.0-56-amd64",
            "Tainted: G           OE  X   6.1.0-56-amd64",
            "auxiliary taint (distribution-defined)",
        ),
    ],
)
def test_an_n_or_x_taint_of_an_older_kernel_is_suses(
    log: str, old: str, new: str, meaning: str
) -> None:
    text = (Path(__file__).parent / log).read_text()
    assert old in text
    (rep,) = parse_log(text.replace(old, new).encode())
    assert meaning in rep.taint_flags


def _socklog(syslog: str, stamp: str) -> str:
    """A syslog file in the shape runit's socklog and svlogd write it (Void Linux):
    svlogd's time ``stamp``, then socklog's ``facility.priority: `` and the message, no host
    and no ``kernel:`` identifier (socklog(8)); a program's message keeps its own."""
    out = []
    for line in syslog.splitlines(keepends=True):
        m = re.match(r"\w{3} +\d+ [\d:]+ \S+ (kernel: )?", line)
        assert m is not None, line
        fac = "kern.warn: " if m[1] else "daemon.info: "
        out.append(f"{stamp} {fac}{line[m.end() :]}")
    return "".join(out)


_SVLOGD_STAMPS = (
    "2023-11-24T10:00:01.12345",  # svlogd -ttt
    "2023-11-24_10:00:01.12345",  # svlogd -tt
    "@4000000065606ad1075bcd15",  # svlogd -t (TAI64N)
)


@pytest.mark.parametrize("stamp", _SVLOGD_STAMPS)
@pytest.mark.parametrize("name", ["ubuntu-syslog-false-alarms", "rhel6-syslog-hung-task"])
def test_socklog_lines_read_like_syslog(name: str, stamp: str) -> None:
    """The kernel's records keep their report, frames included; programs' ``WARNING:``
    / ``INFO:`` lines (``daemon.info: openvpn[812]: WARNING: ...``) stay no reports."""
    _reads_as_the_syslog(name, lambda syslog: _socklog(syslog, stamp), " kern.warn: ")


def _reads_as_the_syslog(name: str, rewrite: Callable[[str], str], marker: str) -> None:
    """The syslog fixture ``name`` rewritten by a logger (``rewrite``, whose lines hold
    ``marker`` and no " kernel: ") gives the fixture's report."""
    syslog = (DATA / f"{name}.log").read_text()
    rewritten = rewrite(syslog)
    assert marker in rewritten and " kernel: " not in rewritten
    once = parse_log(syslog.encode())
    assert once and once[0].frames
    assert _facts(parse_log(rewritten.encode())) == _facts(once)


@pytest.mark.parametrize("stamp", _SVLOGD_STAMPS)
@pytest.mark.parametrize("name", ["armhf-6.1.0-50-mod-warn", "mips-4.19-oops"])
def test_console_logs_relayed_by_socklog_keep_their_report(name: str, stamp: str) -> None:
    text = (DATA / f"{name}.log").read_text()
    relayed = "".join(f"{stamp} kern.warn: {line}" for line in text.splitlines(keepends=True))
    once = parse_log(text.encode())
    assert once and once[0].frames
    assert _facts(parse_log(relayed.encode())) == _facts(once)


def _metalog(syslog: str, severity: bool) -> str:
    """A syslog file in the shape metalog writes it (Gentoo's logger; src/metalog.c
    build_log_line(), its default legacy_timestamp format): the date as "%b %d %T", the
    program in brackets, "[kernel]" for the kernel's records, no host nor pid, then the
    message; with log_severity the record's severity in brackets after it
    ("[kernel][WARNING]")."""
    out = []
    for line in syslog.splitlines(keepends=True):
        m = re.match(r"(\w{3}) +(\d+) ([\d:]+) \S+ (?:(kernel)|([\w-]+)\[\d+\]): ", line)
        assert m is not None, line
        program = m[4] or m[5]
        level = ("[WARNING]" if m[4] else "[INFO]") if severity else ""
        out.append(f"{m[1]} {int(m[2]):02d} {m[3]} [{program}]{level} {line[m.end() :]}")
    return "".join(out)


@pytest.mark.parametrize("severity", [False, True])
@pytest.mark.parametrize("name", ["ubuntu-syslog-false-alarms", "rhel6-syslog-hung-task"])
def test_metalog_lines_read_like_syslog(name: str, severity: bool) -> None:
    """The kernel's records keep their report, frames included; programs' ``WARNING:``
    / ``INFO:`` lines (``[openvpn] WARNING: ...``) stay no reports."""
    _reads_as_the_syslog(name, lambda syslog: _metalog(syslog, severity), " [kernel]")


def _printk_address_2_6_9(m: re.Match[str]) -> str:
    """One entry in x86_64 printk_address()'s 2.6.0-2.6.1x shape (arch/x86_64/kernel/
    traps.c): "<%016lx>{%s%s%s%s%+ld}", a module between colons, the offset in decimal."""
    mod = f":{m['mod']}:" if m["mod"] else ""
    return f"<{int(m['pc'], 16):016x}>{{{mod}{m['func']}+{int(m['off'], 16)}}}"


_I386_ENTRY = re.compile(
    r"\[<(?P<pc>[0-9a-f]+)>\] (?P<func>\w+)\+0x(?P<off>[0-9a-f]+)/0x[0-9a-f]+(?: \[(?P<mod>\w+)\])?"
)


def test_a_2_6_9_x86_64_trace_of_several_entries_a_line_is_read() -> None:
    """RHEL 4's x86_64 kernel (2.6.9) printed each trace entry as "<addr>{:mod:func+N}"
    and show_trace() put several on a line after "Call Trace:", wrapping once a line
    passed 50 columns ('printk("\\n       ")'); __show_regs() "RIP: %04lx:[<%016lx>] "
    and die()'s "RIP " were followed by the same entry. The RHEL 5 i386 oops with its
    trace and PC lines in that shape keeps its title, faulting function and frames."""
    text = (DATA / "el5-i386-oops.log").read_text()
    lines = text.splitlines()
    head = lines.index("Call Trace:")
    end = lines.index(" =======================")
    trace, i = "Call Trace:", 11
    for line in lines[head + 1 : end]:
        entry = _I386_ENTRY.sub(_printk_address_2_6_9, line.strip())
        if i > 50:
            trace, i = trace + "\n       ", 0
        else:
            trace, i = trace + " ", i + 1
        trace, i = trace + entry, i + len(entry)
    rewritten = "\n".join(lines[:head] + trace.split("\n") + lines[end:]) + "\n"
    pcs = {
        "EIP is at ext3_journal_start_sb+0x13/0x50 [ext3]": (
            "RIP: 0010:[<00000000f8a1e0a3>] <00000000f8a1e0a3>{:ext3:ext3_journal_start_sb+19}"
        ),
        "EIP: [<f8a1e0a3>] ext3_journal_start_sb+0x13/0x50 [ext3] SS:ESP 0068:f6d2ce84": (
            "RIP <00000000f8a1e0a3>{:ext3:ext3_journal_start_sb+19} RSP <00000000f6d2ce84>"
        ),
    }
    rewritten = reworded(rewritten, pcs)
    assert "Call Trace: <00000000f8a1a5d1>{:ext3:ext3_dirty_inode+19}" in rewritten
    assert max(ln.count(">{") for ln in rewritten.splitlines()) == 2  # two entries a line
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(rewritten.encode())
    assert rep.title == EXPECTED["el5-i386-oops"]["title"] and not rep.corrupted
    assert rep.rip is not None
    assert (rep.rip.function, rep.rip.module, rep.rip.offset) == (
        "ext3_journal_start_sb",
        "ext3",
        19,
    )
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert len(rep.frames) == 7
    assert (rep.frames[0].module, rep.frames[0].offset) == ("ext3", 0x13)


# The DWARF2 unwinder of 2.6.18-2.6.20 (CONFIG_STACK_UNWIND; Fedora Core 5 and 6 built it
# in) heads the stack scan it falls back to with a line of its own inside the trace, after
# "Call Trace:" (arch/i386/kernel/traps.c show_trace_log_lvl(), arch/x86_64/kernel/traps.c
# show_trace(), 2.6.18): "Inexact backtrace:" when it unwound nothing, else after the
# entries it did unwind "DWARF2 unwinder stuck at %s" and "Leftover inexact backtrace:"
# (nothing may follow it: the scan found no more).
_UNWINDER_FALLBACKS = {
    "nothing unwound": {"Call Trace:\n": "Call Trace:\nInexact backtrace:\n"},
    "stuck, leftover entries": {
        " [<c0493d3e>] __mark_inode_dirty+0x26/0x150\n": (
            " [<c0493d3e>] __mark_inode_dirty+0x26/0x150\n"
            "DWARF2 unwinder stuck at __mark_inode_dirty+0x26/0x150\n"
            "Leftover inexact backtrace:\n\n"
        )
    },
    "stuck at the last entry": {
        " [<c0404eff>] syscall_call+0x7/0xb\n": (
            " [<c0404eff>] syscall_call+0x7/0xb\n"
            "DWARF2 unwinder stuck at syscall_call+0x7/0xb\n"
            "Leftover inexact backtrace:\n"
        )
    },
}


@pytest.mark.parametrize("case", list(_UNWINDER_FALLBACKS))
def test_a_2_6_18_unwinders_inexact_backtrace_line_stays_in_the_trace(case: str) -> None:
    """The RHEL 5 i386 oops (2.6.18) with the DWARF2 unwinder's fallback lines in its
    trace keeps its title, its frames and its trust: the fallback's "backtrace:" starts
    no other trace (kmemleak's does)."""
    text = (DATA / "el5-i386-oops.log").read_text()
    rewritten = reworded(text, _UNWINDER_FALLBACKS[case])
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(rewritten.encode())
    assert rep.title == EXPECTED["el5-i386-oops"]["title"] and not rep.corrupted
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]


# Kbuild compiles $(srctree)/lib/x.c from the objtree, so BUG()'s __FILE__ carries the
# srctree as the build saw it: "../" when the objtree is inside it (commit 9da0763bdd82;
# SUSE's packages), an absolute path for other O= builds before -fmacro-prefix-map
# (commit a73619a845d5, 4.17): Debian 9's "/build/linux-dqnRSc/linux-4.9.228/", Ubuntu's
# HWE "/build/linux-hwe-5.4-qwJpmT/linux-hwe-5.4-5.4.0/", RHEL's rpmbuild tree.
_TREES = [
    "../",
    "/build/linux-dqnRSc/linux-4.9.228/",
    "/build/linux-hwe-5.4-qwJpmT/linux-hwe-5.4-5.4.0/",
    "/builddir/build/BUILD/kernel-3.10.0-957.el7/linux-3.10.0-957.el7.x86_64/",
    # OpenWrt's mac80211 package: the wireless stack's backports tree, built in the
    # target's kernel directory (package/kernel/mac80211/Makefile's PKG_BUILD_DIR)
    "/b/openwrt/build_dir/target-arm_cortex-a7+neon-vfpv4_musl_eabi/linux-sunxi_cortexa7/backports-5.15.58-1/",
]


@pytest.mark.parametrize("tree", _TREES)
@pytest.mark.parametrize(
    ("case", "path"), [("184", "lib/list_debug.c:56!"), ("122", "mm/usercopy.c:84!")]
)
def test_a_bug_in_an_out_of_tree_build_keeps_its_source_file_title(
    case: str, path: str, tree: str
) -> None:
    """lib/list_debug.c's and mm/usercopy.c's BUG()s are titled by what they check
    (syzkaller corpus 184 and 122, as recorded), whatever build directory the kernel
    package printed before the file."""
    text = syz_log(case)
    (want,) = parse_log(text.encode())
    assert want.title.startswith(("BUG: corrupted list in", "BUG: bad usercopy in"))
    built = reworded(text, {f"kernel BUG at {path}": f"kernel BUG at {tree}{path}"})
    (rep,) = parse_log(built.encode())
    assert (rep.title, rep.type, rep.corrupted) == (want.title, want.type, want.corrupted)


def _guilty_cases() -> list[tuple[str, str]]:
    """(expected file, symbolised log) of the syzkaller guilty corpus, a few of them."""
    cases = []
    for path in sorted((SYZ / "guilty").iterdir(), key=lambda p: p.name)[:12]:
        head, _, log = path.read_text(encoding="utf-8", errors="replace").partition("\n\n")
        cases.append((head.split("FILE:", 1)[1].strip(), log))
    return cases


@pytest.mark.parametrize("tree", _TREES)
def test_the_guilty_file_of_an_out_of_tree_build_is_the_tree_file(tree: str) -> None:
    """A distribution's debuginfo names each source file under the build directory its
    package was built in (the DWARF comp_dir), and so does addr2line's output in a trace
    symbolised with it (decode_stacktrace.sh, syz-symbolize), UBSAN's locations and
    BUG()'s __FILE__ (see _TREES): the guilty file is still the tree's file, picked past
    the same generic files (lib/, mm/kasan/...) as in the syzkaller guilty corpus."""
    cases = _guilty_cases()
    assert len(cases) == 12
    ref = re.compile(
        r"(?<![\w./-])((?:arch|block|crypto|drivers|fs|include|kernel|lib|mm|net|security|sound)/[\w./-]+\.[ch]):"
    )
    for expected, log in cases:
        built = ref.sub(lambda m: f"{tree}{m.group(1)}:", log)
        assert built != log
        (want, *_) = parse_log(log.encode())
        assert want.guilty_file == expected
        (rep, *_) = parse_log(built.encode())
        assert rep.guilty_file == expected, (tree, expected)


@pytest.mark.parametrize("tree", _TREES)
@pytest.mark.parametrize(
    "name", ["riscv64-6.12.117+deb13-mod-slub-poison", "riscv64-6.12.117+deb13-mod-slub-redzone"]
)
def test_the_slab_warning_of_an_out_of_tree_build_stays_in_its_report(name: str, tree: str) -> None:
    """riscv's SLUB debug reports go through the slab's own WARN() ("WARNING: CPU: 1 PID:
    142 at mm/slub.c:1127 object_err", Debian 13's 6.12): with the file printed under a
    build directory (see _TREES) the warning is still that report's, not a report of its
    own that leaves the slab report without its trace."""
    text = (DATA / f"{name}.log").read_text()
    want = parse_log(text.encode())
    built = reworded(text, {" at mm/slub.c:": f" at {tree}mm/slub.c:"})
    assert _facts(parse_log(built.encode())) == _facts(want)
    assert not want[0].corrupted


def test_an_s390_oops_of_a_2_6_to_3_x_kernel_is_titled_by_its_psw() -> None:
    """s390's do_no_context() of 2.6-3.x (arch/s390/mm/fault.c) named the address on its
    first line, "Unable to handle kernel pointer dereference at virtual kernel address
    %p", and printed no "Failing address:" / "TEID:" / "AS:" lines (dump_fault_info()
    came later). The 5.10 oops reworded so is the same paging-request report, titled by
    its Krnl PSW and read from its parenthesised first trace entry on."""
    text = (DATA / "s390x-5.10-oops.log").read_text()
    want = parse_log(text.encode())
    lines = text.splitlines(keepends=True)
    assert lines[1].split("] ", 1)[1].startswith("Failing address: ")
    old = reworded(
        lines[0] + "".join(lines[4:]),
        {
            "pointer dereference in virtual kernel address space": (
                "pointer dereference at virtual kernel address 0000000000000000"
            ),
            "Oops: 0004 ilc:2 [#1] SMP": "Oops: 0004 [#1] SMP",
        },
    )
    got = parse_log(old.encode())
    assert _facts(got) == _facts(want)
    assert got[0].title == "BUG: unable to handle kernel paging request in sysrq_handle_crash"
    assert got[0].type == "MEMORY_SAFETY_BUG"
    assert not got[0].corrupted


def _i386_early_fault(eip_entry: bool) -> list[str]:
    """Before 4.6, arch/x86/kernel/head_32.S early_fault printk()s fault_msg ("BUG: Int %d:
    CR2 %p", the pusha registers "EDI %p  ESI %p  EBP %p  ESP %p" and "EBX %p  EDX %p  ECX
    %p  EAX %p", the fault frame "err %p  EIP %p   CS %p  flg %p", the raw stack) and
    calls dump_stack(), whose 2.6.32 header is "Pid: %d, comm: %.20s %s %s %.*s". The
    recorded Debian 2.6.32-5-686 oops's fault as that: its CR2, registers, error code,
    EIP, CS and EFLAGS in fault_msg's lines (the raw stack lines left out), its show_regs()
    "Pid:" line in dump_stack()'s wording, its trace; dump_stack()'s stack scan passes
    the exception frame, so (``eip_entry``) the trace holds a "?" entry at the EIP's
    address, written from the oops's "EIP: [<pc>] f+0x1/0x2" line."""
    log = (DATA / "debian6-i386-oops.log").read_text().splitlines()
    stamp = log[0].split("]")[0] + "]"
    trace = next(i for i, line in enumerate(log) if line.endswith("] Call Trace:"))
    eip = next(line for line in log if "] EIP: [<" in line).split("] EIP: ")[1]
    pc, sym = eip.split(" SS:ESP")[0].split("] ", 1)
    task = next(line for line in log if "] Pid: 2231, comm: pulseaudio" in line)
    lines = [
        f"{stamp} BUG: Int 14: CR2 00000010",
        f"{stamp}      EDI 00000000  ESI f2a6e400  EBP f2b1de70  ESP f2b1de4c",
        f"{stamp}      EBX f2b1c000  EDX f2a6e400  ECX 00000000  EAX 00000000",
        f"{stamp}      err 00000000  EIP {pc.strip('[<>')}   CS 00000060  flg 00010246",
        task.replace("Not tainted (2.6.32-5-686 #1) Latitude D630", "Not tainted 2.6.32-5-686 #1"),
        log[trace],
    ]
    if eip_entry:
        lines.append(f"{log[trace + 1].split(']')[0]}]  {pc}] ? {sym}")
    return [*lines, *log[trace + 1 : trace + 8]]


@pytest.mark.parametrize("eip_entry", [True, False])
def test_a_pre_4_6_i386_early_fault_is_titled_by_the_trace_entry_at_its_eip(
    eip_entry: bool,
) -> None:
    (report,) = parse_log(("\n".join(_i386_early_fault(eip_entry)) + "\n").encode())
    title = "BUG: Int NUM in snd_pcm_hw_params" if eip_entry else "BUG: Int NUM: CR2 ADDR"
    assert (report.title, report.corrupted) == (title, False)
    assert (report.comm, report.pid, report.kernel_release) == ("pulseaudio", 2231, "2.6.32-5-686")
    assert report.frames[int(eip_entry)].function == "snd_pcm_hw_params_user"


# kernel/panic.c panic() before 2.6.10 (2.4, and RHEL 4's and SLES 9's 2.6 kernels)
# printed 'printk(KERN_EMERG "Kernel panic: %s\n", buf)'; "- not syncing" came with
# 2.6.10. The recorded panics (a mount-root failure alone, an oops's "Fatal exception")
# in that wording read as they do in the current one: the panic is the report, or stays
# part of the oops's.
@pytest.mark.parametrize(
    "name", ["arm64-6.1.0-50-no-root", "ppc64le-6.1.0-50-no-root", "el5-i386-oops"]
)
def test_a_panic_in_the_pre_2_6_10_wording_reads_as_in_the_current_one(name: str) -> None:
    text = (DATA / f"{name}.log").read_text()
    old = reworded(text, {"Kernel panic - not syncing: ": "Kernel panic: "})
    assert _facts(parse_log(old.encode())) == _facts(parse_log(text.encode()))


# OpenZFS's SPL before 0.7 (module/spl/spl-debug.c) reported a failed VERIFY()/ASSERT()
# through spl_debug_bug(): spl_debug_msg(..., "SPL PANIC\n"), which
# trace_print_to_console() prints as printk("%s%s: %d:%d:(%s:%d:%s()) %.*s", KERN_EMERG,
# "SPLError", pid, stack, file, line, func, ...), then spl_debug_dumpstack()'s
# printk("SPL: Showing stack for process %d\n") and dump_stack(). 0.7's spl_panic()
# prints the same facts as "PANIC at %s:%d:%s()" and "Showing stack for process %d". Its
# kernels were 2.6.26-4.x: before 3.10 dump_stack() named the task on 2.6's
# "Pid: %d, comm: %.20s %s %s %.*s" line (arch/x86/kernel/dumpstack.c), no CPU.
_SPL_0_6 = {
    "PANIC at hotfence_crash.c:252:hotfence_crash_verify()": (
        "SPLError: 117:0:(hotfence_crash.c:252:hotfence_crash_verify()) SPL PANIC"
    ),
    "Showing stack for process 117": "SPL: Showing stack for process 117",
    "spl_dumpstack+0x29/0x2b [spl]": "spl_debug_dumpstack+0x27/0x40 [spl]",
    "spl_panic+0xd4/0xfc [spl]": "spl_debug_bug+0x82/0xe0 [spl]",
}


# The failed check's own message before it: 0.6's VERIFY3() printed it bare as 0.7's
# does ("VERIFY3(%s) failed (%lld == %lld)"), its ASSERT() through spl_debug_msg() like
# the panic line, "SPLError: %d:%d:(%s:%d:%s()) ASSERTION(" #cond ") failed".
_VERIFY = "VERIFY3(hotfence_crash_count(hdr) == 0) failed (1 == 0)"
_ASSERTION = (
    "SPLError: 117:0:(hotfence_crash.c:252:hotfence_crash_verify()) "
    "ASSERTION(hotfence_crash_count(hdr) == 0) failed"
)


@pytest.mark.parametrize(
    ("header", "check"),
    [("3.10-on", _VERIFY), ("2.6-3.9", _VERIFY), ("3.10-on", _ASSERTION)],
)
def test_an_spl_0_6_panic_is_the_failed_checks_report(header: str, check: str) -> None:
    """The recorded-shape SPL panic (``x86-6.1-spl-verify-panic.log``) in SPL 0.6's
    wording is one report, titled by the function its "SPLError:" line names as 0.7's
    "PANIC at" line is, with the task, release and trace of the dump after it; the
    failed check's message before it is its context."""
    text = (DATA / "x86-6.1-spl-verify-panic.log").read_text()
    changes = dict(_SPL_0_6)
    if header == "2.6-3.9":
        changes["CPU: 0 PID: 117 Comm: sh Tainted:"] = "Pid: 117, comm: sh Tainted:"
    if check != _VERIFY:
        changes[_VERIFY] = check
    old = reworded(text, changes)
    (rep,) = parse_log(old.encode())
    assert rep.title == "PANIC in hotfence_crash_verify" and not rep.corrupted
    assert rep.text.startswith("SPLError: 117:0:(hotfence_crash.c:252:")
    assert (rep.comm, rep.pid, rep.kernel_release) == ("sh", 117, "6.1.0-56-amd64")
    assert rep.cpu == (0 if header == "3.10-on" else None)
    assert [f.function for f in rep.frames][:4] == [
        "dump_stack_lvl",
        "spl_debug_dumpstack",
        "spl_debug_bug",
        "hotfence_crash_verify",
    ]
    assert rep.context == [check]
    _same(old.encode(), chunk=4096, block=64)  # the CLI's prefilter reads it alike


def test_an_spl_0_6_assertion_message_alone_is_no_report() -> None:
    """SPL 0.6's other "SPLError:" lines (an ASSERTION's message, the SPL's own errors)
    are messages: without "SPL PANIC" and the dump after it there is no report."""
    text = (DATA / "x86-6.1-spl-verify-panic.log").read_text()
    at = text.index("[    7.216434] PANIC at")
    line = "[    7.216434] SPLError: 117:0:(hotfence_crash.c:252:hotfence_crash_verify()) "
    cut = text[:at] + line + "ASSERTION(hotfence_crash_count(hdr) == 0) failed\n"
    assert parse_log(cut.encode()) == []


# i386's dump_stack() of 2.6.19-2.6.2x printed its trace with no header line, its own
# frames first (arch/i386/kernel/traps.c dump_stack() -> show_trace() ->
# show_trace_log_lvl() -> dump_trace()), as Fedora Core 6's and RHEL 5's i686 kernels did.
_I386_DUMP_STACK = (
    " [<c04051db>] dump_trace+0x69/0x1af\n"
    " [<c0405339>] show_trace_log_lvl+0x18/0x2c\n"
    " [<c04058ed>] show_trace+0xf/0x11\n"
    " [<c04059ea>] dump_stack+0x15/0x17\n"
)


@pytest.mark.parametrize(
    ("header", "title"),
    [
        # kernel/sched.c __might_sleep() (2.6.19): two lines, then dump_stack()
        (
            "BUG: sleeping function called from invalid context at kernel/rwsem.c:20\n"
            "in_atomic():1, irqs_disabled():0\n",
            "BUG: sleeping function called from invalid context in ext3_dirty_inode",
        ),
        # kernel/sched.c schedule() (2.6.19): "BUG: scheduling while atomic: %s/0x%08x/%d"
        (
            "BUG: scheduling while atomic: bash/0x00000001/2711\n",
            "BUG: scheduling while atomic in ext3_dirty_inode",
        ),
    ],
)
def test_a_headerless_2_6_i386_dump_stack_trace_titles_the_report(header: str, title: str) -> None:
    """The RHEL 5 i386 oops's trace (2.6.18), printed by dump_stack() under a report that
    has no registers: the dump_stack() entries start the trace and no title names them."""
    text = (DATA / "el5-i386-oops.log").read_text()
    lines = text.splitlines(keepends=True)
    head = lines.index("Call Trace:\n")
    end = lines.index(" =======================\n")
    rewritten = header + _I386_DUMP_STACK + "".join(lines[head + 1 : end + 1])
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(rewritten.encode())
    assert rep.title == title and not rep.corrupted
    assert [f.function for f in rep.frames] == [
        "dump_trace",
        "show_trace_log_lvl",
        "show_trace",
        "dump_stack",
    ] + [f.function for f in want.frames]


def test_lockdeps_headerless_2_6_i386_trace_is_the_reports_not_the_locks_line() -> None:
    """lockdep's report names its lock's function in an entry-shaped "at:" line before
    "stack backtrace:" and the headerless i386 dump_stack() trace (kernel/lockdep.c
    print_unlock_inbalance_bug(), 2.6.19): the trace read is dump_stack()'s."""
    text = (DATA / "el5-i386-oops.log").read_text()
    lines = text.splitlines(keepends=True)
    head = lines.index("Call Trace:\n")
    end = lines.index(" =======================\n")
    rewritten = (
        "=====================================\n"
        "[ BUG: bad unlock balance detected! ]\n"
        "-------------------------------------\n"
        "bash/2711 is trying to release lock (&journal->j_state_lock) at:\n"
        "[<f8a1a5d1>] ext3_dirty_inode+0x13/0x6a [ext3]\n"
        "but there are no more locks to release!\n\n"
        "other info that might help us debug this:\n"
        "no locks held by bash/2711.\n\n"
        "stack backtrace:\n" + _I386_DUMP_STACK + "".join(lines[head + 1 : end + 1])
    )
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(rewritten.encode())
    assert rep.title == "BUG: bad unlock balance in ext3_dirty_inode" and not rep.corrupted
    assert [f.function for f in rep.frames][4:] == [f.function for f in want.frames]


def test_a_2_6_12_i386_soft_lockup_reads_the_headerless_trace_after_its_registers() -> None:
    """kernel/softlockup.c softlockup_tick() of 2.6.12-2.6.1x printed "BUG: soft lockup
    detected on CPU#%d!" and show_regs(); i386's (arch/i386/kernel/process.c) ends its
    registers with the "CR0:" line and prints the interrupted trace after it with no
    "Call Trace:" header. The RHEL 5 i386 oops's registers and trace, so printed (CR0 and
    CR4 as an i386 SMP kernel sets them, CR2 the oops's address): the trace is found, the
    report is whole and named by its EIP (a module's function: a loop of its own)."""
    text = (DATA / "el5-i386-oops.log").read_text()
    lines = text.splitlines(keepends=True)
    head = lines.index("Call Trace:\n")
    end = lines.index(" =======================\n")
    rewritten = (
        "BUG: soft lockup detected on CPU#0!\n\n"
        "Pid: 2711, comm:                 bash\n"
        "EIP: 0060:[<f8a1e0a3>] CPU: 0\n"
        "EIP is at ext3_journal_start_sb+0x13/0x50 [ext3]\n"
        " EFLAGS: 00010246    Tainted: P       (2.6.18-8.el5)\n"
        "EAX: 00000000 EBX: f6b0b6c0 ECX: 00000001 EDX: f6e2c400\n"
        "ESI: f6b0b6c0 EDI: f6d2ced8 EBP: f7c31550 DS: 007b ES: 007b\n"
        "CR0: 8005003b CR2: 00000000 CR3: 35a3b000 CR4: 000006d0\n"
        + "".join(lines[head + 1 : end + 1])
    )
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(rewritten.encode())
    assert rep.title == "BUG: soft lockup in ext3_journal_start_sb"
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None and rep.rip.function == "ext3_journal_start_sb"
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.pid, rep.comm, rep.cpu) == (2711, "bash", 0)


def test_an_oops_pasted_from_its_fault_ip_line_takes_the_function_it_names() -> None:
    """x86's show_fault_oops() (arch/x86/mm/fault.c, 2.6.25-4.14) prints "IP:" with the
    faulting function and dump_pagetable()'s lines before __die()'s "Oops: %04lx [#%d]".
    A paste that starts at the IP line and ends at the task line (the CentOS 7 oops of
    data/realworld, cut so) has no RIP line of show_regs(): the IP line names the
    function, for the RIP and the title."""
    text = (DATA / "centos7-dockerd-ip6mr.log").read_text()
    lines = text.splitlines(keepends=True)
    ip = next(i for i, ln in enumerate(lines) if "] IP: [<" in ln)
    rip = next(i for i, ln in enumerate(lines) if "] RIP: " in ln)
    (rep,) = parse_log("".join(lines[ip:rip]).encode())
    assert rep.title == "BUG: unable to handle kernel paging request in ip6mr_sk_done"
    assert rep.rip is not None and (rep.rip.function, rep.rip.module) == ("ip6mr_sk_done", "ipv6")
    assert (rep.pid, rep.comm, rep.cpu) == (48172, "dockerd", 12)


def test_a_2_6_17_i386_soft_lockup_without_registers_is_titled_by_its_trace() -> None:
    """kernel/softlockup.c softlockup_tick() of 2.6.16-2.6.18 printed "BUG: soft lockup
    detected on CPU#%d!" and dump_stack() alone, no registers; i386's dump_stack() (arch/
    i386/kernel/traps.c) printed its trace with no header, show_trace()'s own entry first
    (2.6.17, as an LKML report shows: " [<c0104e7f>] show_trace+0xd/0xf", then
    dump_stack(), softlockup_tick() and the timer interrupt's entries). Under them, the
    RHEL 5 i386 oops's EIP and trace as the interrupted code: the title is the stall's,
    read from that trace, not "in corrupted"."""
    text = (DATA / "el5-i386-oops.log").read_text()
    lines = text.splitlines(keepends=True)
    head = lines.index("Call Trace:\n")
    end = lines.index(" =======================\n")
    rewritten = (
        "BUG: soft lockup detected on CPU#0!\n"
        " [<c0104e7f>] show_trace+0xd/0xf\n"
        " [<c0104e96>] dump_stack+0x15/0x17\n"
        " [<c015ad02>] softlockup_tick+0xc5/0xd9\n"
        " [<c0134c02>] run_local_timers+0x22/0x24\n"
        " [<c0134fb7>] update_process_times+0x40/0x65\n"
        " [<c011aa56>] smp_apic_timer_interrupt+0x58/0x60\n"
        " [<c010492b>] apic_timer_interrupt+0x27/0x2c\n"
        " [<f8a1e0a3>] ext3_journal_start_sb+0x13/0x50 [ext3]\n"
        + "".join(lines[head + 1 : end + 1])
    )
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(rewritten.encode())
    # the dump has no registers: the EIP the timer's entry stub saved, the entry after
    # apic_timer_interrupt's, is where the CPU looped, a module's own code that titles
    # it as a RIP in a module does (titles.looping_title), as its copy cut there is
    # (test_a_2_6_17_i386_soft_lockup_cut_before_its_syscall_names_the_interrupted_code);
    # the caller of the dispatch anchor further down (generic_file_mmap, under
    # do_mmap_pgoff), syzkaller's title, stays among the alternatives
    assert rep.title == "BUG: soft lockup in ext3_journal_start_sb"
    assert "BUG: soft lockup in generic_file_mmap" in rep.alt_titles
    assert (rep.looping_function, rep.rip) == ("ext3_journal_start_sb", None)
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames][:8] == [
        "show_trace",
        "dump_stack",
        "softlockup_tick",
        "run_local_timers",
        "update_process_times",
        "smp_apic_timer_interrupt",
        "apic_timer_interrupt",
        "ext3_journal_start_sb",
    ]
    assert [f.function for f in rep.frames][8:] == [f.function for f in want.frames]


def _i386_no_frame_pointer_soft_lockup() -> tuple[list[str], list[str]]:
    """2.6.17's soft lockup dump on i386 without CONFIG_FRAME_POINTER: print_context_stack()
    prints every kernel text address above dump_stack()'s frame, softlockup_tick() the
    first (a Fedora Core 4 2.6.17 kernel's, LKML, September 2006); under the timer
    interrupt's entries, the RHEL 5 i386 oops's EIP and trace as the interrupted code.
    The header and the entries, and the oops's own trace's names."""
    text = (DATA / "el5-i386-oops.log").read_text()
    lines = text.splitlines()
    head = lines.index("Call Trace:")
    end = lines.index(" =======================")
    (oops,) = parse_log(text.encode())
    entries = [
        " [<c0447823>] softlockup_tick+0x9f/0xb2",
        " [<c042b497>] update_process_times+0x39/0x5c",
        " [<c041737d>] smp_apic_timer_interrupt+0x54/0x5a",
        " [<c0404800>] apic_timer_interrupt+0x1c/0x24",
        " [<f8a1e0a3>] ext3_journal_start_sb+0x13/0x50 [ext3]",
        *lines[head + 1 : end],
    ]
    return ["BUG: soft lockup detected on CPU#2!", *entries], [f.function for f in oops.frames]


def test_a_2_6_17_i386_soft_lockup_without_frame_pointers_is_titled_by_its_trace() -> None:
    """Its dump starts at softlockup_tick()'s entry, no show_trace() or dump_stack() one
    before it: the headerless trace is read from there, and titled as the dump with
    them is (test_a_2_6_17_i386_soft_lockup_without_registers_is_titled_by_its_trace)."""
    dump, trace = _i386_no_frame_pointer_soft_lockup()
    (rep,) = parse_log(("\n".join(dump) + "\n").encode())
    assert (rep.title, rep.corrupted) == ("BUG: soft lockup in ext3_journal_start_sb", False)
    names = [f.function for f in rep.frames]
    assert names[:5] == [
        "softlockup_tick",
        "update_process_times",
        "smp_apic_timer_interrupt",
        "apic_timer_interrupt",
        "ext3_journal_start_sb",
    ]
    assert names[5:] == trace and rep.cpu == 2


def test_a_2_6_17_i386_trace_printed_two_entries_a_line_reads_as_one_a_line() -> None:
    """2.6.17 i386 print_addr_and_symbol() (arch/i386/kernel/traps.c) with
    CONFIG_STACK_BACKTRACE_COLS=2, as Fedora Core 4's kernels had it: " <%08lx> " and the
    symbol for each entry, " " after the first of a line, a newline after the second (the
    FC4 soft lockup of LKML, September 2006: " <c0447823> softlockup_tick+0x9f/0xb2
    <c042b497> update_process_times+0x39/0x5c"). The same dump so printed reads as
    printed one to a line: its title, its frames."""
    dump, _ = _i386_no_frame_pointer_soft_lockup()
    (want,) = parse_log(("\n".join(dump) + "\n").encode())
    entries = [re.sub(r"^ \[<([0-9a-f]{8})>\] ", r" <\1> ", e) for e in dump[1:]]
    assert all(e.startswith(" <") for e in entries)
    rows = [" ".join(entries[i : i + 2]) for i in range(0, len(entries), 2)]
    assert (
        rows[0]
        == " <c0447823> softlockup_tick+0x9f/0xb2  <c042b497> update_process_times+0x39/0x5c"
    )
    (rep,) = parse_log(("\n".join([dump[0], *rows]) + "\n").encode())
    assert (rep.title, rep.corrupted) == (want.title, False)
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]


def test_a_2_6_17_i386_soft_lockup_cut_before_its_syscall_names_the_interrupted_code() -> None:
    """The 2.6.17 i386 soft lockup above as an LKML mail quotes it (Ingo Molnar's
    2.6.17-rc3 report, May 2006): dump_stack()'s entries through the timer interrupt's
    entry stub, the entry of the code it interrupted, then "[...]". No syscall entry (the
    dispatch anchor a stall is titled by) is left: the interrupted code, the EIP that
    apic_timer_interrupt's saved registers hold and show_trace() printed next, is where
    the CPU was caught, and titles it. Cut before that entry, nothing does."""
    dump = (
        "BUG: soft lockup detected on CPU#0!\n"
        " [<c0104e7f>] show_trace+0xd/0xf\n"
        " [<c0104e96>] dump_stack+0x15/0x17\n"
        " [<c015ad02>] softlockup_tick+0xc5/0xd9\n"
        " [<c0134c02>] run_local_timers+0x22/0x24\n"
        " [<c0134fb7>] update_process_times+0x40/0x65\n"
        " [<c011aa56>] smp_apic_timer_interrupt+0x58/0x60\n"
        " [<c010492b>] apic_timer_interrupt+0x27/0x2c\n"
    )
    lines = (DATA / "el5-i386-oops.log").read_text().splitlines(keepends=True)
    eip = next(ln for ln in lines if "EIP is at " in ln).split("EIP is at ")[1].strip()
    entry = f" [<f8a1e0a3>] {eip}\n"
    (rep,) = parse_log((dump + entry + " [...]\n").encode())
    assert (rep.title, rep.corrupted) == ("BUG: soft lockup in ext3_journal_start_sb", False)
    assert rep.cpu == 0
    (rep,) = parse_log((dump + " [...]\n").encode())
    assert (rep.title, rep.corrupted) == ("BUG: soft lockup in corrupted", True)


def test_a_2_6_17_i386_soft_lockup_is_titled_alike_whole_and_cut() -> None:
    """A lockup in a module's own code, mailed whole and quoted cut after the
    interrupted entry: one lockup, one title, the interrupted code's, as a RIP in a
    module titles one. Here the frame-pointerless dump above, whole and cut after its
    interrupted entry."""
    dump, _ = _i386_no_frame_pointer_soft_lockup()
    irq = next(i for i, e in enumerate(dump) if "] apic_timer_interrupt+" in e)
    whole = "\n".join(dump) + "\n"
    cut = "\n".join([*dump[: irq + 2], " [...]"]) + "\n"
    titles = {parse_log(t.encode())[0].title for t in (whole, cut)}
    assert titles == {"BUG: soft lockup in ext3_journal_start_sb"}


def test_a_2_6_17_i386_soft_lockup_in_built_in_code_is_titled_as_syzkaller_titles_stalls() -> None:
    """The dump above with the CPU caught in built-in code: the oops's own trace from
    __mark_inode_dirty on (its ext3 entry left out), the entry after the timer
    interrupt's. That entry is the lockup's looping function, what a later kernel's
    RIP line names (kernel/softlockup.c softlockup_tick() of 2.6.16-2.6.2x printed no
    registers, only dump_stack()); the title is the one a later kernel's lockup there
    gets, syzkaller's pkg/report linuxStallFrameExtractor() over the RIP frame and the
    trace: the caller of the first dispatch anchor (generic_file_mmap, above
    do_mmap_pgoff), as Ingo Molnar's 2.6.17-rc3 SCTP lockup (LKML, May 2006), polling
    in sctp_new() in a softirq, is "in ip_rcv" above netif_receive_skb. A copy cut
    after the interrupted entry has no anchor left: that entry titles it."""
    dump, trace = _i386_no_frame_pointer_soft_lockup()
    irq = next(i for i, e in enumerate(dump) if "] apic_timer_interrupt+" in e)
    assert dump[irq + 1].endswith("ext3_journal_start_sb+0x13/0x50 [ext3]")
    assert dump[irq + 2].endswith("ext3_dirty_inode+0x13/0x6a [ext3]")
    built_in = [*dump[: irq + 1], *dump[irq + 3 :]]
    (rep,) = parse_log(("\n".join(built_in) + "\n").encode())
    assert (rep.title, rep.corrupted) == ("BUG: soft lockup in generic_file_mmap", False)
    assert (rep.looping_function, rep.rip) == ("__mark_inode_dirty", None)
    assert [f.function for f in rep.frames][4:] == trace[1:]
    cut = [*built_in[: irq + 2], " [...]"]
    (rep,) = parse_log(("\n".join(cut) + "\n").encode())
    assert (rep.title, rep.corrupted) == ("BUG: soft lockup in __mark_inode_dirty", False)
    assert rep.looping_function == "__mark_inode_dirty"


# RCU-lockdep's report: kernel/lockdep.c lockdep_rcu_dereference() (2.6.34-3.1) printed
# "[ INFO: suspicious rcu_dereference_check() usage. ]" and "%s:%d invoked
# rcu_dereference_check() without protection!"; lockdep_rcu_suspicious() (3.2-4.x) "[ INFO:
# suspicious RCU usage. ]", print_kernel_ident() and "%s:%d %s!". Then the locks held,
# "stack backtrace:" and dump_stack().
@pytest.mark.parametrize(
    ("lockdep", "rule"),
    [
        (
            [
                "[ INFO: suspicious rcu_dereference_check() usage. ]",
                "src/hotfence/lab/module/hotfence_crash.c:252 invoked rcu_dereference_check()"
                " without protection!",
            ],
            "-" * 51,
        ),
        (
            [
                "[ INFO: suspicious RCU usage. ]",
                "6.1.0-56-amd64 #1 Tainted: G           OE     ",
                "src/hotfence/lab/module/hotfence_crash.c:252 suspicious rcu_dereference_check()"
                " usage!",
            ],
            "-" * 31,
        ),
    ],
)
def test_a_suspicious_rcu_usage_is_titled_the_same_under_either_wording(
    lockdep: list[str], rule: str
) -> None:
    """The recorded 6.1 ASSERT_RTNL() report's printk() line (its dump_stack() kept)
    replaced by RCU-lockdep's lines in the 2.6.34-3.1 wording and in the later one: the
    same report, titled by the function past lockdep's frames either way."""
    text = (DATA / "x86-6.1-rtnl-dump-stack.log").read_text()
    line = (
        "[    7.216434] RTNL: assertion failed at src/hotfence/lab/module/hotfence_crash.c (252)\n"
    )
    assert line in text
    header, *ident, where = lockdep
    lines = [
        "=" * len(rule),
        header,
        *ident,
        rule,
        where,
        "",
        "other info that might help us debug this:",
        "",
        "",
        "rcu_scheduler_active = 1, debug_locks = 1",
        "no locks held by sh/117.",
        "",
        "stack backtrace:",
    ]
    composed = text.replace(line, "".join(f"[    7.216434] {ln}\n" for ln in lines))
    (rep,) = parse_log(composed.encode())
    assert (rep.title, rep.corrupted) == (
        "INFO: suspicious RCU usage in hotfence_crash_rtnl",
        False,
    )
    assert (rep.comm, rep.pid, rep.kernel_release) == ("sh", 117, "6.1.0-56-amd64")


def test_a_2617_x86_64_soft_lockup_dump_is_titled_by_the_code_it_caught() -> None:
    """2.6.16-2.6.2x's soft lockup (kernel/softlockup.c softlockup_tick(): "BUG: soft
    lockup detected on CPU#%d!", then dump_stack(), no registers) on x86_64: the timer
    interrupt's entries between "<IRQ>" and "<EOI>", then every text address on the stack,
    two a line (Gary Funck's report of FC5's 2.6.17-1.2145 to LKML, July 2006). The
    first entry after the interrupt's, past the scheduler and the "{f+0}" pointers,
    stands for a later lockup's PC: here i386-6.1.0-50-mod-softlockup's EIP and trace,
    rewritten so, a module's entries as printk_address() printed them, "{:%s:%s%+ld}"."""
    lines = (DATA / "i386-6.1.0-50-mod-softlockup.log").read_text().splitlines()
    head = next(i for i, t in enumerate(lines) if "BUG: soft lockup" in t)
    trace = next(i for i in range(head, len(lines)) if lines[i].endswith("Call Trace:"))
    end = next(i for i in range(trace, len(lines)) if " EIP: 0x" in lines[i])
    stamp = lines[head][:14]
    entries = [
        "<ffffffff802b2fb5>{softlockup_tick+219}",
        "<ffffffff8029708e>{update_process_times+66}",
        "<ffffffff8027a3ed>{smp_local_timer_interrupt+35}",
        "<ffffffff8027aa95>{smp_apic_timer_interrupt+65}",
        "<ffffffff80263acb>{apic_timer_interrupt+135} <EOI>",
        "<ffffffff8020e578>{__set_page_dirty_nobuffers+0}",
        "<ffffffff80267b76>{thread_return+0}",
        "<ffffffff80267bd4>{thread_return+94}",
        "<ffffffffe0842a2a>{:hotfence_crash:hotfence_crash_softlockup+42}",
    ]
    for t in lines[trace + 1 : end]:
        m = re.match(r"\[[ \d.]+\]  ([\w.]+)\+0x([0-9a-f]+)/0x[0-9a-f]+(?: \[(\w+)\])?", t)
        if m:  # (not the "? " entries: a later kernel's guesses)
            mod = f":{m[3]}:" if m[3] else ""
            entries.append(f"<ffffffff80200000>{{{mod}{m[1]}+{int(m[2], 16)}}}")
    pairs = [" ".join(entries[i : i + 2]) for i in range(0, len(entries), 2)]
    out = [f"{stamp} BUG: soft lockup detected on CPU#0!", f"{stamp} "]
    out.append(f"{stamp} Call Trace: <IRQ> {pairs[0]}")
    out += [f"{stamp}        {p}" for p in pairs[1:]]
    text = "\n".join(lines[:head] + out) + "\n"
    (rep,) = parse_log(text.encode())
    assert (rep.title, rep.corrupted) == ("BUG: soft lockup in hotfence_crash_softlockup", False)
    assert rep.cpu == 0
    # that entry is where the CPU looped, as the i386 dump's entry after the interrupt's
    # is (test_a_2_6_17_i386_soft_lockup_in_built_in_code_is_titled_as_syzkaller_titles_
    # stalls): the dump printed no registers
    assert (rep.looping_function, rep.rip) == ("hotfence_crash_softlockup", None)
    # Cut after the interrupt's entries, the dump names no code: no title from it.
    cut = "\n".join(lines[:head] + out[:4]) + "\n"
    (rep,) = parse_log(cut.encode())
    assert (rep.title, rep.corrupted) == ("BUG: soft lockup in corrupted", True)


# Old kernels' pointer() (lib/vsprintf.c, 2.6.27-4.x) printed "(null)" for "%pS" of a NULL
# pc: sparc64's show_stack() ended a 2.6.2x boot's trace " [0000000000000000] (null)"
# (a linux-mm lockdep report of 2008), x86's "[<%p>] %pS" and ARM's "[<%08lx>] (%pS) from"
# alike. That entry is an unknown one, no frame named "null"; the trace goes on after it.
@pytest.mark.parametrize(
    ("name", "changes", "lost"),
    [
        (
            "el5-i386-oops",
            {
                " [<c0404eff>] syscall_call+0x7/0xb\n": (
                    " [<c0404eff>] syscall_call+0x7/0xb\n [<00000000>] (null)\n"
                )
            },
            None,
        ),
        (
            "arm-3.4-oops",
            {"[<c02ca5d4>] (write_sysrq_trigger+0x2c/0x38) from": ("[<00000000>] (null) from")},
            "write_sysrq_trigger",
        ),
    ],
)
def test_a_null_pc_printed_null_is_no_frame(
    name: str, changes: dict[str, str], lost: str | None
) -> None:
    text = (DATA / f"{name}.log").read_text()
    want = [f.function for f in parse_log(text.encode())[0].frames]
    rep = parse_log(reworded(text, changes).encode())[0]
    assert [f.function for f in rep.frames] == [f for f in want if f != lost]


# 2.6.18 powerpc dump_stack() under softlockup_tick(): the timer interrupt's frames down
# to the decrementer's exception frame (their addresses made up), as every 2.6 ppc64
# soft lockup dump here prints them.
_PPC64_2_6_TIMER_FRAMES = [
    "[C000000004053450] [C00000000000EBDC] .show_stack+0x68/0x1b0 (unreliable)",
    "[C0000000040534F0] [C000000000081230] .softlockup_tick+0xf0/0x128",
    "[C000000004053590] [C00000000005961C] .run_local_timers+0x1c/0x30",
    "[C000000004053610] [C0000000000202BC] .timer_interrupt+0xa8/0x474",
    "[C0000000040536F0] [C0000000000034DC] decrementer_common+0xdc/0x100",
]


def _ppc_2_6_soft_lockup(exception: str) -> str:
    """2.6.16-2.6.2x's soft lockup on 64-bit powerpc: "BUG: soft lockup detected on
    CPU#%d!" and dump_stack(), whose show_stack() (arch/powerpc/kernel/process.c, 2.6.18)
    prints "[%016lX] [%016lX] %s", the frame's stack pointer and return address in
    capitals, through the timer interrupt's frames to the decrementer's exception frame,
    "--- Exception: %lx at %s" and "    LR = %s", then the interrupted task's frames (Olaf
    Hering's 2.6.18-rc3 report to LKML, August 2006). The interrupted code and its
    callers here are ppc64le-6.1.0-50-mod-softlockup's NIP, LR and trace, the timer
    frames' addresses made up."""
    lines = (DATA / "ppc64le-6.1.0-50-mod-softlockup.log").read_text().splitlines()
    nip = next(t for t in lines if "] NIP [" in t).split("] ", 2)[2]
    lr = next(t for t in lines if "] LR [" in t).split("] ", 2)[2]
    trace = lines.index(next(t for t in lines if t.endswith("] Call Trace:")))
    entries = []
    for t in lines[trace + 1 :]:
        if "--- interrupt:" in t:
            break
        sp, pc, name = re.match(r"\[[ \d.]+\] \[([0-9a-f]+)\] \[([0-9a-f]+)\] (.*)", t).groups()
        entries.append(f"[{sp.upper()}] [{pc.upper()}] {name}")
    return "\n".join(
        [
            "BUG: soft lockup detected on CPU#1!",
            "Call Trace:",
            *_PPC64_2_6_TIMER_FRAMES,
            f"--- {exception} at .{nip}",
            f"    LR = .{lr}",
            *entries,
            "",
        ]
    )


@pytest.mark.parametrize("exception", ["Exception: 901", "interrupt: 900"])
def test_a_2_6_powerpc_soft_lockup_is_titled_by_the_code_the_timer_interrupted(
    exception: str,
) -> None:
    """The dump has no registers: the decrementer's exception frame names the code the
    CPU was caught in, as the x86_64 dump's first entry after the timer interrupt's does
    (test_a_2617_x86_64_soft_lockup_dump_is_titled_by_the_code_it_caught); the frames
    run on across it. The capitals are addresses (not printk's "[C%u]" caller id, whose
    CPU number has no leading zero): every entry is a frame."""
    dump = _ppc_2_6_soft_lockup(exception)
    assert "[C000000004053590] [C00000000005961C] .run_local_timers" in dump
    (rep,) = parse_log(dump.encode())
    assert (rep.title, rep.corrupted) == ("BUG: soft lockup in hotfence_crash_softlockup", False)
    assert rep.cpu == 1
    # the NIP the exception frame names is where the CPU looped (no registers printed)
    assert (rep.looping_function, rep.rip) == ("hotfence_crash_softlockup", None)
    assert [f.function for f in rep.frames] == [
        "show_stack",
        "softlockup_tick",
        "run_local_timers",
        "timer_interrupt",
        "decrementer_common",
        "hotfence_crash_softlockup",
        "hotfence_crash_do",
        "hotfence_crash_write",
        "proc_reg_write",
        "vfs_write",
        "ksys_write",
        "system_call_exception",
        "system_call_vectored_common",
    ]


def _2_6_soft_lockup_dumps(modules: bool) -> dict[str, str]:
    """The 2.6.16-2.6.2x soft lockup dump (kernel/softlockup.c softlockup_tick(): "BUG:
    soft lockup detected on CPU#%d!" and dump_stack(), no registers) of one CPU caught in
    i386-6.1.0-50-mod-softlockup's EIP function under its trace (its reliable entries), as
    each architecture's show_trace()/show_stack() of those kernels printed it: i386's
    " [<%08lx>] %s" entries through the timer interrupt's entry stub, then the EIP it saved
    (arch/i386/kernel/traps.c, 2.6.17); x86_64's "<%016lx>{%s%+ld}", a module's
    "{:%s:%s%+ld}", "<IRQ>" to "<EOI>" (arch/x86_64/kernel/traps.c, 2.6.17); ppc64's
    "[%016lX] [%016lX] %s" frames to the decrementer's, "--- Exception: %lx at %s" of the
    NIP, "    LR = %s" (arch/powerpc/kernel/process.c, 2.6.18). ``modules``: the trace's
    module entries keep their module; else the code is taken for built-in."""
    lines = (DATA / "i386-6.1.0-50-mod-softlockup.log").read_text().splitlines()
    eip = next(t for t in lines if "] EIP: hotfence_crash_softlockup" in t)
    call = lines.index(next(t for t in lines if t.endswith("] Call Trace:")))
    entries = [eip.split("EIP: ", 1)[1]]
    for t in lines[call + 1 :]:
        if " EIP: " in t:
            break
        if "]  ? " not in t:  # (a later kernel's guesses)
            entries.append(t.split("]  ", 1)[1])
    if not modules:
        entries = [e.replace(" [hotfence_crash]", "") for e in entries]
    parsed = [
        re.match(r"([\w.]+)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[(\w+)\])?$", e) for e in entries
    ]
    assert all(parsed)
    i386 = [
        "BUG: soft lockup detected on CPU#0!",
        " [<c0104e7f>] show_trace+0xd/0xf",
        " [<c0104e96>] dump_stack+0x15/0x17",
        " [<c015ad02>] softlockup_tick+0xc5/0xd9",
        " [<c0134c02>] run_local_timers+0x22/0x24",
        " [<c0134fb7>] update_process_times+0x40/0x65",
        " [<c011aa56>] smp_apic_timer_interrupt+0x58/0x60",
        " [<c010492b>] apic_timer_interrupt+0x27/0x2c",
        *(f" [<c0200000>] {e}" for e in entries),
    ]
    x86_64 = [
        "BUG: soft lockup detected on CPU#0!",
        "",
        "Call Trace: <IRQ> <ffffffff802b2fb5>{softlockup_tick+219}",
        "       <ffffffff8029708e>{update_process_times+66}",
        "<ffffffff8027a3ed>{smp_local_timer_interrupt+35}",
        "       <ffffffff8027aa95>{smp_apic_timer_interrupt+65}",
        "<ffffffff80263acb>{apic_timer_interrupt+135} <EOI>",
        *(
            f"       <ffffffff80200000>{{{f':{m[4]}:' if m[4] else ''}{m[1]}+{int(m[2], 16)}}}"
            for m in parsed
            if m is not None
        ),
    ]
    nip, lr, *callers = entries
    ppc64 = [
        "BUG: soft lockup detected on CPU#0!",
        "Call Trace:",
        *_PPC64_2_6_TIMER_FRAMES,
        f"--- Exception: 901 at .{nip}",
        f"    LR = .{lr}",
        *(f"[C000000004053A00] [C00000000052B5BC] .{e}" for e in [lr, *callers]),
    ]
    return {
        arch: "\n".join(dump) + "\n"
        for arch, dump in (("i386", i386), ("x86_64", x86_64), ("ppc64", ppc64))
    }


@pytest.mark.parametrize("arch", ["i386", "x86_64", "ppc64"])
@pytest.mark.parametrize(
    ("modules", "title"),
    [
        (False, "BUG: soft lockup in proc_reg_write"),
        (True, "BUG: soft lockup in hotfence_crash_softlockup"),
    ],
)
def test_a_2_6_soft_lockup_dump_is_titled_alike_on_i386_x86_64_and_ppc64(
    arch: str, modules: bool, title: str
) -> None:
    """The three dumps print the same thing, the code the timer interrupted and the trace
    under it: each is titled as a RIP there would title a later kernel's lockup (oopses.
    soft_lockup_frame, interrupted_frame), syzkaller's linuxStallFrameExtractor() from
    that entry on, the caller of the first dispatch anchor (proc_reg_write, above
    vfs_write), and by that entry when it is a module's own code (titles.looping_title)."""
    (rep,) = parse_log(_2_6_soft_lockup_dumps(modules)[arch].encode())
    assert (rep.title, rep.corrupted) == (title, False)
    assert (rep.looping_function, rep.rip) == ("hotfence_crash_softlockup", None)


def test_a_console_echoing_printk_s_buffer_shows_levels_on_some_lines_only() -> None:
    """ARM vendor trees (linux-sunxi's and OMAP boards' 3.0 and 3.4 kernels,
    github.com/linux-sunxi/linux-sunxi/issues/46, a linux-media mail of 2012-06-21) echo
    each printk to the UART with CONFIG_DEBUG_LL's "printascii(printk_buf)" right after
    vscnprintf() in vprintk() (kernel/printk.c), before the level is read: a caller's
    level shows as it wrote it ("<0>Internal error: Oops", KERN_DEFAULT's "<d>Modules
    linked in:", 2.6.37-3.5 include/linux/printk.h), no time, and a printk given none
    shows none (arch/arm/kernel/process.c __show_regs()'s "CPU: 0    Tainted: ...",
    "PC is at", traps.c dump_backtrace_entry()'s frames). The bare lines are the same
    stream's: the report reads as from the log with its levels and times."""
    text = (DATA / "arm-3.4-oops.log").read_text()
    echoed = re.sub(r"(?m)^(<[0-7d]>)\[ *\d+\.\d+\] ", r"\1", text)
    # the lines dmesg shows at the default level were printed with none (not the end
    # marker: print_oops_end_marker() says KERN_WARNING)
    echoed = re.sub(r"(?m)^<4>(?!---\[ end trace)", "", echoed)
    assert "\nCPU: 1    Tainted: " in echoed and "\n<d>Modules linked in: " in echoed
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(echoed.encode())
    assert _facts([rep]) == _facts([want]) and rep.rip == want.rip
    assert rep.modules == want.modules == ["brcmfmac", "brcmutil"]
