"""Non-x86 log shapes seen in crash logs users paste (two consoles in one capture, ...),
tested by reshaping the recorded real logs in ``data/realworld`` (see its README.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from corpus import syz_log
from hotfence.triage.lines import lost_line_breaks, strip_prefix
from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_input

DATA = Path(__file__).parent / "data" / "realworld"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((DATA / "expected.yaml").read_text())["logs"]


def reworded(text: str, changes: dict[str, str]) -> str:
    """``text`` with each key replaced by its value: lines rewritten into another kernel's
    or architecture's wording. Each key must be there, or the test tests nothing."""
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def _facts(reports: list[Report]) -> list[tuple[object, ...]]:
    return [
        (r.title, r.type, r.comm, r.pid, r.cpu, r.kernel_release, r.taint, r.corrupted)
        + tuple(f.function for f in r.frames)
        for r in reports
    ]


@pytest.mark.parametrize(
    "name",
    [
        "ppc64le-6.1.0-50-mod-null",
        "arm64-6.1.0-50-mod-warn",
        "armhf-6.1.0-50-mod-bug",
        "s390x-6.1.0-50-sysrq-crash",
        "riscv64-6.12.117+deb13-mod-softlockup",
    ],
)
def test_every_record_written_twice_reads_as_once(name: str) -> None:
    """A capture fed by two consoles (a serial console and hvc0, or the console and a
    ``dmesg -w`` in one terminal) holds every record twice in a row, with the one
    timestamp printk gave it: one crash, with its task and its frames read once."""
    text = (DATA / f"{name}.log").read_text()
    doubled = "".join(line + line for line in text.splitlines(keepends=True))
    once = parse_log(text.encode())
    assert once
    assert _facts(parse_log(doubled.encode())) == _facts(once)


@pytest.mark.parametrize(
    "name",
    [
        "x86-6.12.115-null-deref",
        "x86-6.1-kfence-uaf",
        "riscv64-6.12.117+deb13-mod-slub-redzone",
        "i386-6.1.0-50-oom",
        "x86-6.18.44-memcg-oom",
        "ppc64le-6.1.0-50-mod-hardlockup",
        "armhf-6.1.0-50-mod-bug",
    ],
)
def test_every_unstamped_record_written_twice_reads_as_once(name: str) -> None:
    """Two consoles on one capture without printk time (CONFIG_PRINTK_TIME off, as many
    distribution kernels were): call_console_drivers() (kernel/printk/printk.c) writes
    each record to every console in turn, and every line comes twice in a row, with no
    stamp to tell a copy from a repeat. The header twice and the next line twice too
    (an empty one read past: KFENCE's after its header) are two consoles: the crashes,
    their frames, a SLUB report's WARNING and an OOM kill's dump read once each."""
    text = (DATA / f"{name}.log").read_text()
    bare = re.sub(r"(?m)^\[ *\d+\.\d+\] ", "", text)
    assert bare != text
    doubled = "".join(line + line for line in bare.splitlines(keepends=True))
    once = parse_log(bare.encode())
    assert once
    assert _facts(parse_log(doubled.encode())) == _facts(once)


def test_a_repeat_of_the_kernels_own_written_twice_is_still_two() -> None:
    """A frame the kernel printed twice (a recursion), with every line written twice by
    two consoles: four lines in a row, two of them the kernel's."""
    text = (DATA / "ppc64le-6.1.0-50-mod-null.log").read_text()
    bare = "".join(line.split("] ", 1)[-1] for line in text.splitlines(keepends=True))
    frame = next(line for line in bare.splitlines() if "hotfence_crash_write+" in line)
    repeat = bare.replace(frame + "\n", frame + "\n" + frame + "\n")
    doubled = "".join(line + line for line in repeat.splitlines(keepends=True))
    assert _facts(parse_log(doubled.encode())) == _facts(parse_log(repeat.encode()))


def test_a_stamped_repeat_in_a_single_console_stream_is_kept() -> None:
    """x86's stack scan can print one " ? f+0x1/0x2" guess twice within a microsecond
    (syzkaller corpus 160): with the header printed once, the repeat is the kernel's."""
    text = syz_log("160")
    repeat = "[  190.757101]  ? syscall_return_slowpath+0x2fb/0x9d0\n"
    assert repeat * 2 in text
    (rep,) = [r for r in parse_log(text.encode()) if "syscall_return_slowpath" in _names(r)]
    once = parse_log(text.replace(repeat * 2, repeat).encode())
    twice = _names(rep)
    (shorter,) = [_names(r) for r in once if "syscall_return_slowpath" in _names(r)]
    assert len(twice) == len(shorter) + 1


def _names(rep: Report) -> list[str]:
    return [f.function for f in rep.frames]


def test_a_repeated_line_without_a_timestamp_is_kept() -> None:
    """Without a printk stamp two equal lines may be two records (a frame of a recursion
    printed twice): only stamped echoes are dropped."""
    text = (DATA / "ppc64le-6.1.0-50-mod-null.log").read_text()
    bare = "".join(line.split("] ", 1)[-1] for line in text.splitlines(keepends=True))
    (rep,) = parse_log(bare.encode())
    frame = next(line for line in bare.splitlines() if "hotfence_crash_write+" in line)
    (twice,) = parse_log(bare.replace(frame + "\n", frame + "\n" + frame + "\n").encode())
    names = [f.function for f in rep.frames]
    i = names.index("hotfence_crash_write")
    assert [f.function for f in twice.frames] == names[: i + 1] + names[i:]


def test_a_powerpc_fault_at_a_bare_nip_is_titled_by_its_link_register() -> None:
    """powerpc show_regs() (6.1 arch/powerpc/kernel/process.c) prints "NIP [%lx] %pS" and
    "LR [%lx] %pS": code kallsyms does not know, a BPF program's JIT image, has a bare
    NIP ("NIP [be86b710] 0xbe86b710"), and show_stack()'s unwind from r1 may give only
    the frame's stale LR save slot, " (unreliable)", before a broken back chain
    (Christophe Leroy's 6.1-rc4 test_bpf tail call fault on ppc32, LR __run_one). The
    link register names the code that called into it. The recorded ppc64le module NULL
    dereference with its NIP in such an image, its LR at its caller, its trace lost."""
    text = (DATA / "ppc64le-6.1.0-50-mod-null.log").read_text()
    trace = text.partition("[    1.942899] Call Trace:\n")[2].partition("[    1.943770] ")[0]
    assert trace.count("\n") == 7
    changes = {
        "NIP [c0080000004a00a4] hotfence_crash_null_deref+0x3c/0x60 [hotfence_crash]": (
            "NIP [c0080000004c0100] 0xc0080000004c0100"
        ),
        "LR [c0080000004a009c] hotfence_crash_null_deref+0x34/0x60 [hotfence_crash]": (
            "LR [c0080000004a0a54] hotfence_crash_do+0x55c/0xba0 [hotfence_crash]"
        ),
        trace: "[    1.942977] [c000000004de3960] [0000000000000002] 0x2 (unreliable)\n",
    }
    (rep,) = parse_log(reworded(text, changes).encode())
    assert rep.title == "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_do"
    assert rep.alt_titles == ["bad-access in hotfence_crash_do"]
    assert rep.corrupted  # (the trace is still lost)
    assert rep.rip is None and rep.frames == []
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 85, 0)
    # Its trace, where it names a function, starts at the stale LR save slot and goes on
    # at the caller's caller (hotfence_crash_write): the LR still names the caller.
    (whole,) = parse_log(reworded(text, dict(list(changes.items())[:2])).encode())
    assert (
        whole.title == "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_do"
    )
    assert not whole.corrupted
    # A NIP that names a function titles it, whatever the LR.
    (named,) = parse_log(reworded(text, dict(list(changes.items())[1:2])).encode())
    assert named.title == (
        "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_null_deref"
    )


def _logread(syslog: str) -> str:
    """A syslog file in OpenWrt's ``logread`` shape (ubox log/logread.c prints
    ``"%s %s.%s%s %s\\n"``: ctime's date, facility.priority, " kernel:" for the kernel's
    records, the message): no host, and the year after the time."""
    out = []
    for line in syslog.splitlines(keepends=True):
        m = re.match(r"(\w{3} +\d+ [\d:]+) \S+ (kernel: |[^:]+: )", line)
        assert m is not None, line
        kernel = m[2] == "kernel: "
        date = datetime.strptime(f"2023 {m[1]}", "%Y %b %d %H:%M:%S").strftime("%a %b %e %T %Y")
        fac = "kern.warn kernel: " if kernel else f"daemon.warn {m[2]}"
        out.append(f"{date} {fac}{line[m.end() :]}")
    return "".join(out)


@pytest.mark.parametrize("name", ["ubuntu-syslog-false-alarms", "rhel6-syslog-hung-task"])
def test_openwrt_logread_lines_read_like_syslog(name: str) -> None:
    """A router's ``logread`` output: the kernel's lines keep their report (frames
    included) and the programs' ``WARNING:`` / ``INFO:`` lines stay no reports."""
    syslog = (DATA / f"{name}.log").read_text()
    logread = _logread(syslog)
    assert " kernel: " in logread and re.search(r"^\w{3} \w{3} [ \d]\d [\d:]{8} 2023 ", logread)
    once = parse_log(syslog.encode())
    assert once and once[0].frames
    assert _facts(parse_log(logread.encode())) == _facts(once)


@pytest.mark.parametrize(
    "name",
    [
        "armhf-6.1.0-50-mod-warn",
        "mips-4.19-oops",
        "arm64-serror",
        "mipsel-6.1.0-50-mod-softlockup",
        "mipsel-6.1.0-50-hung-task",
    ],
)
def test_console_logs_relayed_by_logread_keep_their_report(name: str) -> None:
    text = (DATA / f"{name}.log").read_text()
    relayed = "".join(
        f"Sun Sep  1 19:30:19 2019 kern.warn kernel: {line}"
        for line in text.splitlines(keepends=True)
    )
    once = parse_log(text.encode())
    assert once and once[0].frames
    assert _facts(parse_log(relayed.encode())) == _facts(once)


def _arm_verbose_backtrace(text: str) -> str:
    """32-bit ARM's unwinder entries in the shape kernels up to 5.x print
    (arch/arm/kernel/traps.c dump_backtrace_entry(): "[<%08lx>] (%ps) from [<%08lx>]
    (%pS)"), from the recorded 6.1 logs' " %ps from %pS" entries."""
    entry = re.compile(r"^(\[ *[\d.]+\] ) ([\w.]+(?: \[\w+\])?) from (\S+(?: \[\w+\])?)$", re.M)
    count = iter(range(1, 1 << 20))

    def old(m: re.Match[str]) -> str:
        pc = 0xC0100000 + 0x40 * next(count)
        return f"{m[1]}[<{pc:08x}>] ({m[2]}) from [<{pc + 0x20:08x}>] ({m[3]})"

    converted, n = entry.subn(old, text)
    assert n >= 5
    return converted


@pytest.mark.parametrize(
    "name", ["armhf-6.1.0-50-hung-task", "armhf-6.1.0-50-mod-warn", "armhf-6.1.0-50-mod-bug"]
)
def test_arm_pre_5x_backtrace_entries_without_a_header_give_the_title(name: str) -> None:
    """A hung task's trace on 32-bit ARM has no "Call trace:" line before its entries in
    either shape: the title still comes from the waiting function, and module entries
    ("(f [mod]) from") are entries too."""
    text = (DATA / f"{name}.log").read_text()
    assert _facts(parse_log(_arm_verbose_backtrace(text).encode())) == _facts(
        parse_log(text.encode())
    )


@pytest.mark.parametrize(
    "bug_line",
    [
        "Kernel BUG at c02c9f48 [verbose debug info unavailable]",
        "kernel BUG at drivers/tty/sysrq.c:139!",
    ],
)
def test_a_fault_whose_die_reports_a_bug_is_one_report(bug_line: str) -> None:
    """32-bit ARM die() (and Qualcomm's msm-4.4 arm64 one: SDM636 phones' logs,
    github.com/GuaiYiHu/android_device_xiaomi_whyred/issues/40) runs report_bug() on the
    faulting PC: when the bug table holds it, its "[ cut here ]" and "Kernel BUG at" lines
    come between the fault's page-table lines and "Internal error: Oops - BUG: 817". One
    die(), one report, titled by the fault as without those lines."""
    text = (DATA / "arm-3.4-oops.log").read_text()
    bug = reworded(
        text,
        {
            "*ppte=00000000\n": "*ppte=00000000\n"
            "<4>[  812.353901] ------------[ cut here ]------------\n"
            f"<2>[  812.353920] {bug_line}\n",
            "Internal error: Oops: 817 [#1]": "Internal error: Oops - BUG: 817 [#1]",
        },
    )
    assert len(parse_log(bug.encode())) == 1
    assert _facts(parse_log(bug.encode())) == _facts(parse_log(text.encode()))


@pytest.mark.parametrize("name", ["ubuntu-syslog-false-alarms", "rhel6-syslog-hung-task"])
def test_journal_without_hostnames_reads_like_syslog(name: str) -> None:
    """``journalctl --no-hostname`` (systemd 239+) prints "Sep 21 17:06:49 kernel: ..."
    and "Sep 21 17:06:49 dnf[804]: ...": the kernel's lines keep their report and the
    programs' lines stay no reports."""
    text = (DATA / f"{name}.log").read_text()
    no_host, n = re.subn(r"^(\w{3} +\d+ [\d:]+) \S+ ", r"\1 ", text, flags=re.M)
    assert n == len(text.splitlines())
    once = parse_log(text.encode())
    assert once and once[0].frames
    assert _facts(parse_log(no_host.encode())) == _facts(once)


@pytest.mark.parametrize("name", ["arm64-6.1.0-50-mod-null", "armhf-6.1.0-50-hung-task"])
def test_console_logs_read_back_from_the_journal_without_hostnames(name: str) -> None:
    """``journalctl -k --no-hostname``: the record's text after the date and "kernel:",
    its printk timestamp kept or not."""
    text = (DATA / f"{name}.log").read_text()
    stamp = re.compile(r"^\[ *[\d.]+\] ", re.M)
    once = parse_log(text.encode())
    assert once and once[0].frames
    for keep in (True, False):
        journal = "".join(
            "Nov 26 21:00:00 kernel: " + (line if keep else stamp.sub("", line))
            for line in text.splitlines(keepends=True)
        )
        assert _facts(parse_log(journal.encode())) == _facts(once)


@pytest.mark.parametrize(
    "die",
    [
        # traps.c illegal_op(), an illegal instruction
        "illegal operation: 0001 ilc:1 [#1] SMP",
        # before 3.14, with no "ilc:"
        "illegal operation: 0001 [#1] SMP",
        "specification exception: 0006 [#1] PREEMPT SMP",
        # default_trap_handler(): the program check with no handler of its own
        "Unknown program exception: 0028 [#1] SMP",
    ],
)
def test_an_s390_program_check_without_a_bug_line_is_a_report(die: str) -> None:
    """s390's die() (arch/s390/kernel/dumpstack.c) prints "<what>: <code> ilc:<n> [#1]"
    for any program check in the kernel; after "kernel BUG at" it is "monitor event".
    Before 3.14 die() (arch/s390/kernel/traps.c) printed "%s: %04x [#%d] " with no
    "ilc:": RHEL 7's and SLES 12's 3.x kernels on z/VM. The recorded BUG, its BUG lines
    gone and its die() line in another wording, is one report, titled by the program
    check and the function in the PSW. (With its BUG lines the die() line is part of the
    BUG report: expected.yaml's one report of the log.)"""
    text = (DATA / "s390x-6.1.0-50-mod-bug.log").read_text()
    recorded = "monitor event: 0040 ilc:2 [#1] SMP"
    assert recorded in text
    kept = [
        line
        for line in text.splitlines(keepends=True)
        if "cut here" not in line and "kernel BUG at" not in line
    ]
    (rep,) = parse_log("".join(kept).replace(recorded, die).encode())
    assert rep.title == die.split(":")[0] + " in hotfence_crash_bug"
    assert rep.type == "DoS"
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release) == ("sh", 85, 0, "6.1.0-50-s390x")
    assert [f.function for f in rep.frames][:3] == [
        "hotfence_crash_bug",
        "hotfence_crash_do",
        "hotfence_crash_write",
    ]
    assert not rep.corrupted


def test_an_s390_user_space_fault_is_no_report() -> None:
    """arch/s390/mm/fault.c report_user_fault() prints "User process fault: interruption
    code 0011 ilc:3" and the user registers: "ilc:" without die()'s "[#n]" counter."""
    text = (DATA / "s390x-6.1.0-50-oom.log").read_text()
    before = _facts(parse_log(text.encode()))
    stamp = "[    3.700000] "
    user = f"{stamp}User process fault: interruption code 0011 ilc:3 in libc.so.6[3ff8b080000+1c9000]\n"
    assert _facts(parse_log((user + text).encode())) == before


def _s390_boot_fault(psw_function: str) -> tuple[str, str]:
    """The recorded s390 boot's first line and banner, then what 6.1's decompressor
    (arch/s390/boot/pgm_check_info.c print_pgm_check_info()) prints for a program check
    in it, unstamped: "Kernel fault: interruption code %04x ilc:%x", "PSW : %016lx
    %016lx (%pS)", the GPRS, the boot stack's trace; the machine stops there."""
    text = (DATA / "s390x-6.1.0-50-no-root.log").read_text()
    first, banner = text.splitlines()[:2]
    banner = banner.split("] ", 1)[1]
    assert banner.startswith("Linux version 6.1.0-50-s390x ")
    fault = (
        "Kernel fault: interruption code 0005 ilc:2\n"
        f"PSW : 0000200180000000 00000000000177b0 ({psw_function})\n"
        "      R:0 T:0 IO:0 EX:0 Key:0 M:0 W:0 P:0 AS:0 CC:2 PM:0 RI:0 EA:3\n"
        "GPRS: 0000000000000001 0000000d00000000 00000003fffffff4 00000000fffffff0\n"
        "      0000000000000000 00000000fffffff4 000000000000000c 00000000fffffff0\n"
        "      00000000fffffffc 0000000000000000 00000000fffffff8 00000000008915a8\n"
        "      0000000000000009 0000000000000002 0000000000000008 000000000000bce0\n"
        "Call Trace:\n"
        "(sp:000000000000bce0 [<0000000000012f2a>] startup_kernel+0x1a2/0x5f8)\n"
        " sp:000000000000bd50 [<00000000000100c6>] startup_normal+0xb6/0xb8\n"
        "Last Breaking-Event-Address:\n"
        " [<0000000000012f28>] startup_kernel+0x1a0/0x5f8\n"
    )
    return f"{first}\n{banner}\n", fault


def test_an_s390_decompressor_program_check_is_a_report() -> None:
    """s390's decompressor catches a program check before the kernel runs and prints it
    with print_pgm_check_info() (arch/s390/boot/pgm_check_info.c): no die(), no "[#1]",
    no printk time. Later kernels name the function in the PSW: the title's, as die()'s
    "<what> in <func>" titles; the trace is the boot stack's."""
    head, fault = _s390_boot_fault("parse_boot_command_line+0x2e/0x1c8")
    (rep,) = parse_log((head + fault).encode())
    assert rep.title == "Kernel fault in parse_boot_command_line"
    assert rep.type == "DoS"
    assert rep.rip is not None and rep.rip.function == "parse_boot_command_line"
    assert rep.kernel_release == "6.1.0-50-s390x"
    assert not rep.corrupted


def test_an_s390_decompressor_stack_trace_names_its_frames() -> None:
    """The decompressor's print_stacktrace() puts each entry's stack pointer before its
    "[<pc>] %pS": "(sp:%016lx [<%016lx>] %pS)", then " sp:%016lx [<%016lx>] %pS". The
    frames are those entries, not "Last Breaking-Event-Address:"'s entry after them."""
    head, fault = _s390_boot_fault("parse_boot_command_line+0x2e/0x1c8")
    (rep,) = parse_log((head + fault).encode())
    assert [(f.function, f.offset) for f in rep.frames] == [
        ("startup_kernel", 0x1A2),
        ("startup_normal", 0xB6),
    ]


def test_an_s390_decompressor_program_check_without_a_psw_function() -> None:
    """5.7-5.9's print_pgm_check_info() printed the PSW's two words alone (and an
    address outside the decompressor's symbols is hex): the title is the kind alone, not
    a corrupted report. Those kernels' banner also lost its newline, so the header
    follows the version on its line (ClangBuiltLinux/boot-utils#24)."""
    head, fault = _s390_boot_fault("00000000000177b0")
    fault = fault.replace(" (00000000000177b0)", "")
    (rep,) = parse_log((head.rstrip("\n") + fault).encode())
    assert rep.title == "Kernel fault"
    assert rep.type == "DoS"
    assert rep.rip is None
    assert not rep.corrupted


def test_a_banner_before_the_header_on_its_line_names_the_release() -> None:
    """The 5.7-5.9 decompressor's banner, its newline lost, starts the line the "Kernel
    fault" header ends: the report's first line holds the release of the kernel that
    faulted ("Linux version 5.7.0-rc3 (...) ... 2020Kernel fault: interruption code 0005
    ilc:2", ClangBuiltLinux/boot-utils#11)."""
    head, fault = _s390_boot_fault("00000000000177b0")
    fault = fault.replace(" (00000000000177b0)", "")
    (rep,) = parse_log((head.rstrip("\n") + fault).encode())
    assert rep.title == "Kernel fault"
    assert rep.kernel_release == "6.1.0-50-s390x"


@pytest.mark.parametrize(
    ("die", "title", "kind"),
    [
        ("Unhandled kernel unaligned access", "Unhandled kernel unaligned access", "DoS"),
        ("Reserved instruction in kernel code", "Reserved instruction in kernel code", "DoS"),
        # only a bad access dies "Oops" (mm/fault.c no_context, traps.c do_be()): the
        # access still, its fault line lost
        ("Oops", "BUG: unable to handle kernel paging request", "MEMORY_SAFETY_BUG"),
        # LoongArch's bug_handler() (arch/loongarch/kernel/traps.c) dies "Oops - BUG"
        # after "kernel BUG at": alone, still that BUG()
        ("Oops - BUG", "kernel BUG", "BUG"),
    ],
)
def test_a_mips_die_line_alone_is_a_report(die: str, title: str, kind: str) -> None:
    """MIPS (and LoongArch) die() prints "<what>[#1]:" on a line of its own, then the
    registers and the trace. A bad access has "Unable to handle kernel paging request"
    before it; an unaligned access (arch/mips/kernel/unaligned.c) or a reserved
    instruction (traps.c do_ri()) has nothing else. The recorded oops without its fault
    line, its die() line in each wording, is one report with its task and frames: the
    bad access's "Oops" still titled as that access."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    first, rest = text.split("\n", 1)
    assert "Unable to handle kernel paging request" in first
    assert "Oops[#1]:" in rest
    (rep,) = parse_log(rest.replace("Oops[#1]:", f"{die}[#1]:").encode())
    assert rep.title == f"{title} in sysrq_handle_crash"
    assert rep.type == kind
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 1377, 0)
    assert [f.function for f in rep.frames][:3] == [
        "sysrq_handle_crash",
        "__handle_sysrq",
        "write_sysrq_trigger",
    ]
    assert not rep.corrupted
    # With its fault line the die() line is part of that report, not a second one.
    (whole,) = parse_log(text.encode())
    assert whole.title == "BUG: unable to handle kernel paging request in sysrq_handle_crash"


@pytest.mark.parametrize(
    ("die", "title", "kind"),
    [
        ("Oops - illegal instruction", "Oops - illegal instruction", "DoS"),
        # do_trap_error()'s other causes (DO_ERROR_INFO), same die()
        ("Oops - load access fault", "Oops - load access fault", "DoS"),
        (
            "Oops - store (or AMO) address misaligned",
            "Oops - store (or AMO) address misaligned",
            "DoS",
        ),
        ("Kernel BUG", "kernel BUG", "BUG"),
    ],
)
def test_a_riscv_die_line_alone_is_a_report(die: str, title: str, kind: str) -> None:
    """riscv's die() (arch/riscv/kernel/traps.c) prints "<what> [#1]" on a line of its
    own: "Kernel BUG" after report_bug()'s "kernel BUG at", and for an illegal
    instruction in the kernel (do_trap_insn_illegal()) "Oops - illegal instruction" with
    nothing before it. The recorded BUG without its BUG lines, its die() line in each
    wording, is one report with its task and its frames."""
    text = (DATA / "riscv64-6.12.117+deb13-mod-bug.log").read_text()
    assert "Kernel BUG [#1]" in text
    kept = [
        line
        for line in text.splitlines(keepends=True)
        if "cut here" not in line and "kernel BUG at" not in line
    ]
    (rep,) = parse_log("".join(kept).replace("Kernel BUG [#1]", f"{die} [#1]").encode())
    assert rep.title == f"{title} in hotfence_crash_bug"
    assert rep.type == kind
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 143, 0)
    assert [f.function for f in rep.frames][:3] == [
        "hotfence_crash_bug",
        "hotfence_crash_do",
        "hotfence_crash_write",
    ]
    assert not rep.corrupted


@pytest.mark.parametrize(
    "header",
    [
        # 6.x: dump_backtrace() prints no header (show_stack() prints it)
        "",
        # before: arch/riscv/kernel/stacktrace.c dump_backtrace() printed its own
        # "%sCall Trace:\n" first
        "[    4.677400] Call Trace:\n",
    ],
)
def test_a_riscv_fault_in_a_skipped_function_is_titled_by_its_caller(header: str) -> None:
    """riscv's show_regs() (arch/riscv/kernel/process.c: __show_regs(), then
    dump_backtrace() for a kernel context) prints the interrupted trace right after its
    "status: ... badaddr: ... cause: ..." line. A fault inside a function titles skip
    (strlen here, called by the module) is titled by the first frame of that trace below
    it, as arm64's "Call trace:" is."""
    text = reworded(
        (DATA / "riscv64-6.12.117+deb13-mod-null.log").read_text(),
        {
            "cause: 000000000000000d\n": "cause: 000000000000000d\n" + header,
            "epc : hotfence_crash_null_deref+0x28/0x30 [hotfence_crash]": "epc : strlen+0x1c/0x2a",
            " ra : hotfence_crash_do+0xce/0x112 [hotfence_crash]": (
                " ra : hotfence_crash_null_deref+0x24/0x30 [hotfence_crash]"
            ),
            "[    4.677442] [<ffffffff01e6c064>] hotfence_crash_null_deref": (
                "[    4.677442] [<ffffffff80a5d0c2>] strlen+0x1c/0x2a\n"
                "[    4.677442] [<ffffffff01e6c064>] hotfence_crash_null_deref"
            ),
        },
    )
    (rep,) = parse_log(text.encode())
    assert rep.title == (
        "BUG: unable to handle kernel access to user memory in hotfence_crash_null_deref"
    )
    assert not rep.corrupted
    assert [f.function for f in rep.frames][:3] == [
        "strlen",
        "hotfence_crash_null_deref",
        "hotfence_crash_write",
    ]


def test_a_riscv_refcount_warning_is_titled_by_the_caller_of_the_check() -> None:
    """lib/refcount.c refcount_warn_saturate() WARNs: on riscv the warning's registers
    name refcount_warn_saturate itself at "epc :" and its trace has no header (see the
    test above). The title is the first frame below the check, as on other
    architectures, not "corrupted"."""
    text = reworded(
        (DATA / "riscv64-6.12.117+deb13-mod-warn.log").read_text(),
        {
            "[    3.054078] WARNING: CPU: 0 PID: 140 at src/hotfence/lab/module/hotfence_crash.c:93"
            " hotfence_crash_warn+0x2c/0x36 [hotfence_crash]": (
                "[    3.054000] refcount_t: addition on 0; use-after-free.\n"
                "[    3.054078] WARNING: CPU: 0 PID: 140 at lib/refcount.c:25"
                " refcount_warn_saturate+0x110/0x162"
            ),
            "epc : hotfence_crash_warn+0x2c/0x36 [hotfence_crash]": (
                "epc : refcount_warn_saturate+0x110/0x162"
            ),
            " ra : hotfence_crash_warn+0x1a/0x36 [hotfence_crash]": (
                " ra : refcount_warn_saturate+0x110/0x162"
            ),
            "[    3.055897] [<ffffffff01e6c266>] hotfence_crash_warn": (
                "[    3.055897] [<ffffffff80a4e608>] refcount_warn_saturate+0x110/0x162\n"
                "[    3.055897] [<ffffffff01e6c266>] hotfence_crash_warn"
            ),
        },
    )
    (rep,) = parse_log(text.encode())
    assert rep.title == "WARNING: refcount bug in hotfence_crash_warn"
    assert not rep.corrupted
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 140, 0)


@pytest.mark.parametrize(
    ("die", "title", "kind"),
    [
        (
            "Kernel access of bad area, sig: 11",
            "BUG: unable to handle kernel paging request",
            "MEMORY_SAFETY_BUG",
        ),
        ("Exception in kernel mode, sig: 4", "Exception in kernel mode", "DoS"),
    ],
)
def test_a_powerpc_die_line_alone_is_a_report(die: str, title: str, kind: str) -> None:
    """powerpc's __die() (arch/powerpc/kernel/traps.c) prints "Oops: <what>, sig: <n>
    [#1]" before the registers: after bad_page_fault()'s "BUG: Kernel NULL pointer
    dereference" the words are "Kernel access of bad area", for a program check in the
    kernel "Exception in kernel mode". The recorded oops without its two fault lines, its
    die() line in each wording, is still one report with its task and frames."""
    text = (DATA / "ppc64le-6.1.0-50-mod-null.log").read_text()
    line = "Oops: Kernel access of bad area, sig: 11 [#1]"
    assert line in text
    kept = [
        raw
        for raw in text.splitlines(keepends=True)
        if "BUG: Kernel NULL pointer" not in raw and "Faulting instruction address" not in raw
    ]
    (rep,) = parse_log("".join(kept).replace(line, f"Oops: {die} [#1]").encode())
    assert rep.title == f"{title} in hotfence_crash_null_deref"
    assert rep.type == kind
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 85, 0)
    assert [f.function for f in rep.frames][:2] == ["hotfence_crash_do", "hotfence_crash_write"]
    assert not rep.corrupted


@pytest.mark.parametrize(
    ("first", "die", "last"),
    [
        # 5.4+ with VMAP_STACK (32-bit): die() after the line
        ("Kernel stack overflow in process sh[85], r1=c000000004de3960", "Oops", ""),
        # the same, its first line lost
        ("", "Oops", ""),
        # without VMAP_STACK (and 64-bit): show_regs(), then panic(); 2.6-3.x print the
        # task as "%p"
        ("Kernel stack overflow in process sh[85], r1=c000000004de3960", "", "panic"),
        ("Kernel stack overflow in process c000000004de0000, r1=c000000004de3960", "", "panic"),
    ],
)
def test_a_powerpc_stack_overflow_is_one_report(first: str, die: str, last: str) -> None:
    """powerpc's StackOverflow() (arch/powerpc/kernel/traps.c; stack_overflow_exception()
    since 5.12) prints pr_crit("Kernel stack overflow in process %s[%d], r1=%lx\\n"),
    then, with VMAP_STACK, die("Kernel stack overflow"): "Oops: Kernel stack overflow,
    sig: 6 [#1]" and show_regs(); without it show_regs() and panic("kernel stack
    overflow"). One report, titled as the other architectures' overflows from its trace.
    The recorded ppc64le oops with its fault lines in those words."""
    text = (DATA / "ppc64le-6.1.0-50-mod-null.log").read_text()
    stamp = "[    1.933332] "
    head = stamp + "BUG: Kernel NULL pointer dereference on read at 0x00000008\n"
    oops = "[    1.933726] Oops: Kernel access of bad area, sig: 11 [#1]\n"
    platform = "[    1.933795] LE PAGE_SIZE=64K MMU=Radix SMP NR_CPUS=2048 NUMA pSeries\n"
    changes = {
        head: stamp + first + "\n" if first else "",
        "[    1.933379] Faulting instruction address: 0xc0080000004a00a4\n": "",
        oops: oops.replace("Kernel access of bad area, sig: 11", "Kernel stack overflow, sig: 6")
        if die
        else "",
        platform: platform if die else "",
    }
    text = reworded(text, changes)
    if last:
        end = "[    1.944533] --- interrupt: 3000\n"
        panic = "[    1.944600] Kernel panic - not syncing: kernel stack overflow\n"
        text = reworded(text, {end: end + panic})
    (rep,) = parse_log(text.encode())
    assert rep.title == "kernel stack overflow in proc_reg_write"
    assert "stack-overflow in proc_reg_write" in rep.alt_titles
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None and rep.rip.function == "hotfence_crash_null_deref"
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 85, 0)


@pytest.mark.parametrize(
    "die",
    [
        # arch/ppc (2.6 before its merge into arch/powerpc in 2.6.27): bad_page_fault()'s
        # die("kernel access of bad area"), lower case, under die()'s counter
        "Oops: kernel access of bad area, sig: 11 [#1]",
        # arch/ppc 2.4's die() and microblaze's die() (kernel/exceptions.c, to this day)
        # print "Oops: %s, sig: %ld" with no counter; microblaze's bad_page_fault() has
        # the same lower-case words
        "Oops: kernel access of bad area, sig: 11",
    ],
)
def test_an_older_die_line_of_a_bad_access_is_a_report(die: str) -> None:
    """The powerpc die() line in its older wordings, with the recorded oops's registers
    and trace under it: the same bad access, the same task and frames."""
    text = (DATA / "ppc64le-6.1.0-50-mod-null.log").read_text()
    line = "Oops: Kernel access of bad area, sig: 11 [#1]"
    kept = [
        raw
        for raw in text.splitlines(keepends=True)
        if "BUG: Kernel NULL pointer" not in raw and "Faulting instruction address" not in raw
    ]
    (rep,) = parse_log(reworded("".join(kept), {line: die}).encode())
    assert rep.title == "BUG: unable to handle kernel paging request in hotfence_crash_null_deref"
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 85, 0)
    assert [f.function for f in rep.frames][:2] == ["hotfence_crash_do", "hotfence_crash_write"]
    assert not rep.corrupted


@pytest.mark.parametrize(
    ("fault", "title", "kind"),
    [
        (
            "BUG: Unable to handle kernel instruction fetch",
            "BUG: unable to handle kernel paging request",
            "MEMORY_SAFETY_BUG",
        ),
        (
            "BUG: Unable to handle kernel instruction fetch (NULL pointer?)",
            "BUG: unable to handle kernel NULL pointer dereference",
            "NULL-POINTER-DEREFERENCE",
        ),
    ],
)
def test_a_powerpc_instruction_fetch_fault_is_a_whole_report(
    fault: str, title: str, kind: str
) -> None:
    """powerpc's __bad_page_fault() (arch/powerpc/mm/fault.c, 5.0+) words a fault on an
    instruction fetch (TRAP 0400, an instruction storage interrupt) "BUG: Unable to
    handle kernel instruction fetch", with " (NULL pointer?)" when the NIP is in the
    first page: the whole line, not the first half of a header a console cut (users post
    these for modules' init code left non-executable and for calls through NULL). The
    recorded oops with its fault reworded so (__show_regs() prints no DAR/DSISR for that
    trap) is that bad access in the NIP's function, x86's titles for a #PF on a fetch."""
    text = reworded(
        (DATA / "ppc64le-6.1.0-50-mod-null.log").read_text(),
        {
            "BUG: Kernel NULL pointer dereference on read at 0x00000008": fault,
            "REGS: c000000004de36c0 TRAP: 0300": "REGS: c000000004de36c0 TRAP: 0400",
            "DAR: 0000000000000008 DSISR: 40000000 ": "",
        },
    )
    (rep,) = parse_log(text.encode())
    assert rep.title == f"{title} in hotfence_crash_null_deref"
    assert rep.type == kind
    assert not rep.corrupted
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 85, 0)
    assert [f.function for f in rep.frames][:2] == ["hotfence_crash_do", "hotfence_crash_write"]


def _in_xmon(text: str) -> str:
    """The recorded ppc64le oops as a kernel with xmon on prints it: die() hands the
    registers to the debugger before its "Oops" (arch/powerpc/kernel/traps.c), and xmon
    (arch/powerpc/xmon/xmon.c, its own console output, no printk stamps) prints
    excprint()'s summary, "cpu 0x%x: Vector: %lx %s at [%px]", "    pc: " and "    lr: "
    as xmon_print_symbol() "%016lx: name+%#lx/%#lx [mod]", sp, msr, dar and dsisr for a
    data access, current and the paca (r13's value), "    pid   = %d, comm = %s" and the
    banner; then, at its prompt, the "t" command's xmon_show_stack(): "[sp] pc name+off/
    size", the first "(unreliable)". The values are the log's own registers and trace
    (current's address is not in it; any kernel address stands for it)."""
    lines = text.splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if "Faulting instruction address" in line)
    banner = next(line for line in lines if "Linux version " in line).split("] ", 1)[1]
    trace = [
        re.sub(r"^\[[ \d.]+\] (\[[0-9a-f]+\]) \[([0-9a-f]+)\] ", r"\1 \2 ", line)
        for line in lines
        if re.search(r"\] \[c000000004de3[0-9a-f]+\] \[", line)
    ]
    assert len(trace) == 7, trace
    xmon = [
        "cpu 0x0: Vector: 300 (Data Access) at [c000000004de36c0]\n",
        "    pc: c0080000004a00a4: hotfence_crash_null_deref+0x3c/0x60 [hotfence_crash]\n",
        "    lr: c0080000004a009c: hotfence_crash_null_deref+0x34/0x60 [hotfence_crash]\n",
        "    sp: c000000004de3960\n",
        "   msr: 8000000000009033\n",
        "   dar: 8\n",
        " dsisr: 40000000\n",
        "  current = 0xc000000004d3e600\n",
        "  paca    = 0xc000000002880000\t irqmask: 0x03\t irq_happened: 0x01\n",
        "    pid   = 85, comm = sh\n",
        banner,
        "enter ? for help\n",
        "0:mon> t\n",
        *trace,
        "0:mon> x\n",
    ]
    return "".join(lines[: cut + 1] + xmon)


def test_an_oops_caught_by_xmon_keeps_its_facts() -> None:
    """IBM's own test logs (op-test, the linuxppc issue tracker) catch oopses in xmon: no
    "Oops" line, no show_regs(). The fault lines give the kind, xmon's summary the
    faulting function, task and CPU, its backtrace the frames."""
    text = _in_xmon((DATA / "ppc64le-6.1.0-50-mod-null.log").read_text())
    (rep,) = parse_log(text.encode())
    assert (
        rep.title
        == "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_null_deref"
    )
    assert not rep.corrupted
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 85, 0)
    assert rep.kernel_release == "6.1.0-50-powerpc64le"
    assert [f.function for f in rep.frames][:3] == [
        "hotfence_crash_do",
        "hotfence_crash_write",
        "proc_reg_write",
    ]


@pytest.mark.parametrize("elfv1", [False, True])
@pytest.mark.parametrize("asked", [False, True])
def test_an_oops_caught_by_xmon_faults_where_its_pc_line_says(elfv1: bool, asked: bool) -> None:
    """xmon's summary names the faulting function on its "    pc: %016lx: name+%#lx/%#lx"
    line (excprint() -> xmon_print_symbol(), arch/powerpc/xmon/xmon.c): the report's
    faulting function (the rip), as NIP's is when die() prints show_regs(); a big-endian
    ppc64 kernel prints its ELFv1 names with their dot there and in the trace
    (".remove_migration_pte+0x9c/0x320", linux-mm 2014; ".exit_mmap+0x150/0x178", 2007).
    On its first entry xmon prints the backtrace unasked, right after "enter ? for help"
    (cmds(), unless xmon_no_auto_backtrace): the report's trace as the "t" command's is
    (linux-ext4 2022's ext4_mb_mark_bb, linuxppc-dev 2019's arch_remove_memory)."""
    text = _in_xmon((DATA / "ppc64le-6.1.0-50-mod-null.log").read_text())
    if not asked:
        text = reworded(text, {"enter ? for help\n0:mon> t\n": "enter ? for help\n"})
    if elfv1:
        text = re.sub(
            r"(?m)^(    (?:pc|lr): [0-9a-f]{16}: |\[[0-9a-f]{16}\] [0-9a-f]{16} )", r"\1.", text
        )
        assert "    pc: c0080000004a00a4: .hotfence_crash_null_deref+0x3c/0x60" in text
    (rep,) = parse_log(text.encode())
    assert (
        rep.title
        == "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_null_deref"
    )
    assert (rep.corrupted, rep.corrupted_reason) == (False, None)
    assert rep.rip is not None
    assert (rep.rip.function, rep.rip.module) == ("hotfence_crash_null_deref", "hotfence_crash")
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 85, 0)
    assert [f.function for f in rep.frames][:3] == [
        "hotfence_crash_do",
        "hotfence_crash_write",
        "proc_reg_write",
    ]


def test_an_oops_caught_by_xmon_runs_the_release_its_banner_names() -> None:
    """xmon's summary prints the banner after the task (excprint(): printf(linux_banner),
    arch/powerpc/xmon/xmon.c): a log pasted from the fault on, its boot left out (as
    linuxppc-dev 2025's Microwatt __do_IRQ crash is), still names the release that
    faulted, in the report's own lines."""
    text = _in_xmon((DATA / "ppc64le-6.1.0-50-mod-null.log").read_text())
    pasted = text[text.index("hotfence_crash: triggering") :]
    assert pasted.count("Linux version ") == 1
    (rep,) = parse_log(pasted.encode())
    assert rep.kernel_release == "6.1.0-50-powerpc64le"
    assert (rep.comm, rep.pid, rep.cpu, rep.corrupted) == ("sh", 85, 0, False)


def test_an_oops_caught_by_xmon_quoted_in_a_mail_keeps_its_facts() -> None:
    """A mail quoting such a console ("> " before each line: linux-ext4 2022's
    ext4_mb_mark_bb, linuxppc-dev 2025's Microwatt __do_IRQ) quotes the printk-stamped
    fault lines and xmon's unstamped ones alike: xmon's summary is still the rest of the
    report, which does not end at the last stamped line."""
    text = _in_xmon((DATA / "ppc64le-6.1.0-50-mod-null.log").read_text())
    (want,) = parse_log(text.encode())
    quoted = "".join("> " + line for line in text.splitlines(keepends=True))
    (rep,) = parse_log(quoted.encode())
    assert _facts([rep]) == _facts([want])
    assert not rep.corrupted
    assert rep.rip is not None and rep.rip.function == "hotfence_crash_null_deref"
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 85, 0)


def _bug_in_xmon(text: str) -> str:
    """The recorded ppc64le BUG() as a kernel with xmon on prints it: report_bug()'s "cut
    here" and "kernel BUG at %s:%u!" (printk), then die() hands the program check to xmon
    before its "Oops" (arch/powerpc/kernel/traps.c), whose excprint() prints its summary
    for trap 0x700 (as _in_xmon), then print_bug_trap()'s "kernel BUG at %s:%u!" again and
    the banner (arch/powerpc/xmon/xmon.c), and cmds() "enter ? for help" and the backtrace
    unasked on its first entry (the log's own entries as xmon_show_stack() prints them,
    the first "(unreliable)" one a bare address)."""
    lines = text.splitlines(keepends=True)
    bug = next(i for i, line in enumerate(lines) if "kernel BUG at " in line)
    trace = next(i for i, line in enumerate(lines) if "Call Trace:" in line)
    banner = next(line for line in lines if "Linux version " in line).split("] ", 1)[1]
    entries = [
        re.sub(r"^\[[ \d.]+\] (\[[0-9a-f]+\]) \[([0-9a-f]+)\] ", r"\1 \2 ", line)
        for line in lines[trace + 1 : trace + 9]
    ]
    assert entries[1].startswith("[c000000003467b10] c0080000004a0fa4 hotfence_crash_do+")
    xmon = [
        "cpu 0x0: Vector: 700 (Program Check) at [c000000003467850]\n",
        "    pc: c0080000004a00f8: hotfence_crash_bug+0x20/0x30 [hotfence_crash]\n",
        "    lr: c0080000004a00ec: hotfence_crash_bug+0x14/0x30 [hotfence_crash]\n",
        "    sp: c000000003467af0\n",
        "   msr: 8000000000029033\n",
        "  current = 0xc000000004d3e600\n",
        "  paca    = 0xc000000002880000\t irqmask: 0x03\t irq_happened: 0x01\n",
        "    pid   = 87, comm = sh\n",
        lines[bug].split("] ", 1)[1],
        banner,
        "enter ? for help\n",
        *entries,
        "0:mon> \n",
    ]
    return "".join(lines[: bug + 1] + xmon)


@pytest.mark.parametrize("stamped", [True, False])
def test_a_bug_caught_by_xmon_is_one_report_after_xmon_restates_it(stamped: bool) -> None:
    """xmon's summary of a BUG() ends in print_bug_trap()'s copy of report_bug()'s "kernel
    BUG at %s:%u!" line (linux-mm 2007: a ppc64 2.6.21 console, no printk times, "pid =
    235, comm = linuxrc" then "kernel BUG at mm/mmap.c:1999!" again): the report goes on
    through xmon's banner and backtrace, one BUG in the function xmon's pc names with
    its task and frames, not a report that ends at xmon's task line and a copy after."""
    text = _bug_in_xmon((DATA / "ppc64le-6.1.0-50-mod-bug.log").read_text())
    if not stamped:
        text = re.sub(r"(?m)^\[[ \d.]+\] ", "", text)
    (rep,) = parse_log(text.encode())
    assert (rep.title, rep.type, rep.corrupted) == (
        "kernel BUG in hotfence_crash_bug",
        "BUG",
        False,
    )
    assert rep.rip is not None and rep.rip.function == "hotfence_crash_bug"
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 87, 0)
    assert [f.function for f in rep.frames][:3] == [
        "hotfence_crash_do",
        "hotfence_crash_write",
        "proc_reg_write",
    ]


@pytest.mark.parametrize(
    "header",
    [
        "watchdog: CPU 1 self-detected hard LOCKUP @ __delay+0x50/0x70",
        # 4.13-4.15's words for the same (arch/powerpc/kernel/watchdog.c)
        "Watchdog CPU:1 Hard LOCKUP",
    ],
)
def test_a_powerpc_hard_lockup_names_its_cpu_when_the_task_line_is_lost(header: str) -> None:
    """powerpc's watchdog (arch/powerpc/kernel/watchdog.c) names the locked CPU in its
    header, "CPU %d self-detected hard LOCKUP @ %pS" (4.16+, pr_fmt "watchdog: "),
    "Watchdog CPU:%d Hard LOCKUP" before: the CPU whose registers follow. A console
    that lost show_regs()'s task line still tells the CPU."""
    text = reworded(
        (DATA / "ppc64le-6.1.0-50-mod-hardlockup.log").read_text(),
        {"watchdog: CPU 1 self-detected hard LOCKUP @ __delay+0x50/0x70": header},
    )
    kept = "".join(
        line for line in text.splitlines(keepends=True) if "CPU: 1 PID: 86 Comm: sh" not in line
    )
    rep = parse_log(kept.encode())[0]
    assert rep.title == "BUG: hard lockup in hotfence_crash_hardlockup"
    assert rep.cpu == 1


def _vendor_prefixed(shape: str) -> str:
    """The recorded armhf oops as an Android vendor kernel's console prints it: each line
    with the prefix ``shape`` formats from its task's CPU, comm and pid (the shell's from
    the fault on, the boot's before), and one line of another CPU's task printed in the
    middle of the trace."""
    text = (DATA / "armhf-6.1.0-50-mod-null.log").read_text()
    out, task = [], (1, "swapper/0", 1)
    for line in text.splitlines(keepends=True):
        m = re.match(r"(\[ *\d+\.\d+\]) ", line)
        if m is None:
            out.append(line)
            continue
        if "8<--- cut here" in line:
            task = (0, "sh", 85)
        cpu, comm, pid = task
        body = line[m.end() :]
        out.append(m[1] + shape.format(cpu=cpu, comm=comm, pid=pid) + body)
        if body.startswith("Stack: "):
            other = shape.format(cpu=1, comm="kworker/1:1", pid=31)
            out.append(f"{m[1]}{other}random: crng init done\n")
    return "".join(out)


@pytest.mark.parametrize(
    "shape",
    [
        # Samsung's CONFIG_PRINTK_PROCESS, printk.c print_process(): "%c[%1d:%15s:%5d]"
        " [{cpu}:{comm:>15}:{pid:5d}] ",
        # the same after a 3.x print_time(), "[%5lu.%06lu] " with its own space
        "  [{cpu}:{comm:>15}:{pid:5d}] ",
        " I[{cpu}:{comm:>15}:{pid:5d}] ",
        # CONFIG_PRINTK_CPU_ID / CONFIG_PRINTK_PID of 3.x vendor trees (HTC's printk.c
        # print_cpu_id() "c%u ", print_pid() "%6u "), and the CPU id alone
        " c{cpu} {pid:6d} ",
        " c{cpu} ",
        # Marvell's 3.x Android trees: "c%u %d (%s) "
        " c{cpu} {pid} ({comm}) ",
        # HiSilicon's CONFIG_HISI_PRINTK_EXTENSION: "[pid:%d,cpu%d,%s]" before the message
        " [pid:{pid},cpu{cpu},{comm}]",
        # an Android GKI vendor hook on printk's caller id (android_vh_printk_caller, as
        # Unisoc's printk_cpuid module formats it: "T%u@C%u"), printed as "[%6s]"
        "[T{pid}@C{cpu}] ",
        # Xiaomi's printk_enhance module on the same hook: "%c,T%u,C%u", the context first
        "[T,T{pid},C{cpu}] ",
        # Amlogic's GKI debug module on the same hook: "%d %-6.6s %c%c" of the CPU, the
        # task ("T<pid>", or its comm), interrupts off and the context flag
        "[{cpu} T{pid:<5} d.] ",
        "[{cpu} {comm:<6.6} ..] ",
        # X-Ring's printk vendor hooks driver (Xiaomi's XRING SoCs) on the same hook:
        # "T%u-C%u"; with XRING_PREFIX, xring_add_prefix()'s "[cpu%u,pid%d,%s]" at the
        # start of each record's text, without a caller id too
        "[T{pid}-C{cpu}] ",
        "[T{pid}-C{cpu}] [cpu{cpu},pid{pid},{comm}]",
        " [cpu{cpu},pid{pid},{comm}]",
        # MediaTek's CONFIG_PRINTK_PREFIX_ENHANCE, printk.c log_store(): "%c(%x)[%d:%s]"
        # at the start of the record's text, '-' with interrupts off, '.' while the UART
        # console logs, else a space; one console reprints the record's level before it
        " -({cpu:x})[{pid}:{comm}]",
        "  ({cpu:x})[{pid}:{comm}]",
        " .({cpu:x})[{pid}:{comm}]",
        " <2>-({cpu:x})[{pid}:{comm}]",
        # trees whose print_time() leaves its space to the state
        "-({cpu:x})[{pid}:{comm}]",
        " ({cpu:x})[{pid}:{comm}]",
    ],
)
def test_android_vendor_printk_prefixes_read_as_the_consoles(shape: str) -> None:
    """Android vendor kernels put the CPU and task of each record after its time: the
    report keeps its task, its registers' function and every frame of its trace, and the
    other CPU's line inside the trace is no part of it."""
    (want,) = parse_log((DATA / "armhf-6.1.0-50-mod-null.log").read_bytes())
    (rep,) = parse_log(_vendor_prefixed(shape).encode())
    assert _facts([rep]) == _facts([want])
    assert len(want.frames) == 6 and not rep.corrupted


def _mtk_named(text: str, caller: bool) -> str:
    """``text`` as a MediaTek kernel prints it: each pr_*() record's text after
    "[name:"KBUILD_MODNAME"&]" (their include/linux/printk.h), every other record's
    (printk()'s) without, and on their 5.10 GKI kernels (``caller``) the caller id and the
    task's comm before it: "[118.376811] [C201134] rxq0_pus: [name:bug&]kernel BUG at ..."
    (the log in CVE-2025-38124's fix, "net: fix udp gso skb_segment after pull from
    frag_list", where each of its lines is a pr_*() record's)."""
    out, comm = [], "swapper/0"
    names = ("traps", "fault", "mrdump") if caller else ("traps", "fault", "mrdump", "")
    for i, line in enumerate(text.splitlines(keepends=True)):
        m = re.match(r"(\[ *\d+\.\d+\]) ", line)
        if m is None:
            out.append(line)
            continue
        if "Unable to handle kernel" in line:
            comm = "sh"
        name = names[i % len(names)]
        tag = f"[name:{name}&]" if name else ""
        who = f"[C200088] {comm}: " if caller and tag else ""
        out.append(f"{m[1]} {who}{tag}{line[m.end() :]}")
    return "".join(out)


@pytest.mark.parametrize("caller", [False, True])
def test_mediateks_object_name_before_a_records_text_reads_as_the_console(caller: bool) -> None:
    """MediaTek's kernels put the printing object's name before each pr_*() record's text
    ("[name:bug&]kernel BUG at ..."), their GKI kernels the caller id and the task's comm
    before that: the report keeps its title, task, registers' function and trace."""
    text = (DATA / "arm64-6.1.0-50-mod-null.log").read_text()
    (want,) = parse_log(text.encode())
    named = _mtk_named(text, caller)
    assert "&]Unable to handle kernel NULL pointer" in named
    (rep,) = parse_log(named.encode())
    assert _facts([rep]) == _facts([want])
    assert rep.rip is not None and want.rip is not None
    assert rep.rip.function == want.rip.function
    assert len(want.frames) > 6 and not rep.corrupted


def _kfence_tagged(caller: str, header: bool) -> list[str]:
    """x86 6.1's KFENCE report with each line tagged with ``caller`` as CONFIG_PRINTK_CALLER
    tags it ("[  511.220018][C301201] BUG: KFENCE: ..."), its "CPU: 3 PID: 1201" header line
    kept or lost (``header``)."""
    text = (DATA / "x86-6.1-kfence-uaf.log").read_text()
    lines = [ln for ln in text.splitlines() if header or "CPU: 3 PID: 1201 " not in ln]
    assert len(lines) == len(text.splitlines()) - (0 if header else 1)
    return [re.sub(r"^(\[ *\d+\.\d{6}\])", rf"\1[{caller}]", ln) for ln in lines]


@pytest.mark.parametrize(
    ("caller", "cpu", "pid"),
    [("C301201", 3, 1201), ("C3", 3, None), ("T1201", None, 1201), ("T301201", None, 301201)],
)
def test_a_sanitizer_report_without_its_task_header_reads_a_vendor_caller_id(
    caller: str, cpu: int | None, pid: int | None
) -> None:
    """A sanitizer's report names its task by its lines' caller id when it lost its task
    header. MediaTek's GKI kernels write the CPU times 100000 plus the pid there ("[C201134]",
    CPU 2, pid 1134), upstream's "C" a CPU below NR_CPUS: a "C" that big is both. A "T"
    that big may be a pid (PID_MAX_LIMIT is 4194304): no header shows the encoding here."""
    (rep,) = parse_log(("\n".join(_kfence_tagged(caller, header=False)) + "\n").encode())
    assert rep.title == "KFENCE: use-after-free read in mydrv_poll"
    assert (rep.cpu, rep.pid) == (cpu, pid)


def test_a_vendor_caller_id_a_task_header_decodes_names_a_headerless_reports_task() -> None:
    """Oppo's GKI kernels write "T" and the CPU times 100000 plus the pid ("[T500572] CPU: 5
    PID: 572 Comm: mtio", bmax121/KernelPatch#268): once a task header of the log shows
    that on its own line, a report that lost its header is that CPU's and pid's."""
    first = _kfence_tagged("T301201", header=True)
    second = _kfence_tagged("T301201", header=False)
    second = [ln.replace("[  511.", "[  611.", 1) for ln in second]
    reps = parse_log(("\n".join(first + second) + "\n").encode())
    assert [(r.cpu, r.pid) for r in reps] == [(3, 1201), (3, 1201)]


def _mrdump_bug(caller: str, other: str = "") -> str:
    """arm64 6.1's module BUG() as MediaTek's mrdump leaves it: its registers and trace
    with no "CPU: 0 PID: 88 Comm: sh" header line (mrdump prints its own registers, no
    task header), each line tagged with ``caller``; ``other``, when given, tags the
    boot's "random: crng init done" line before it."""
    text = (DATA / "arm64-6.1.0-50-mod-bug.log").read_text()
    lines = [ln for ln in text.splitlines() if "CPU: 0 PID: 88 Comm: sh " not in ln]
    assert len(lines) == len(text.splitlines()) - 1
    bug = next(i for i, ln in enumerate(lines) if "kernel BUG at" in ln)
    out = [re.sub(r"^(\[ *\d+\.\d{6}\])", rf"\1[{caller}]", ln) for ln in lines[bug:]]
    early = [ln for ln in lines[:bug] if "random: crng init done" in ln]
    if other:
        early = [re.sub(r"^(\[ *\d+\.\d{6}\])", rf"\1[{other}]", ln) for ln in early]
    return "\n".join(lines[:bug] + out if not other else early + out) + "\n"


@pytest.mark.parametrize(
    ("caller", "other", "cpu", "pid"),
    [
        # MediaTek's "C": CPU 1, pid 88
        ("C100088", "", 1, 88),
        # a "T" that big may be a pid: nothing in the log shows the encoding
        ("T100088", "", None, None),
        # pid 88's id on CPU 2 too (tiann/KernelSU#2618's "[T314842]" and "[T414842]")
        ("T100088", "T200088", 1, 88),
        # two pids 100000 apart on one CPU show nothing
        ("T100088", "T100188", None, None),
        # upstream's ids: another task, or the CPU alone, may have printed the header
        ("T88", "", None, None),
        ("C1", "", None, None),
    ],
)
def test_a_bug_without_its_task_header_reads_a_vendor_caller_id(
    caller: str, other: str, cpu: int | None, pid: int | None
) -> None:
    """A BUG() or die() that MediaTek's mrdump printed without a task header names its
    task by its lines' caller id where the id is certainly the vendor's CPU times 100000
    plus the pid ("[C201134] rxq0_pus: [name:bug&]kernel BUG at net/core/skbuff.c:4278!",
    CVE-2025-38124's fix), and by no other id."""
    rep, warning = parse_log(_mrdump_bug(caller, other).encode())
    assert rep.title == "kernel BUG in hotfence_crash_bug"
    assert (warning.cpu, warning.pid) == (0, 0)  # (its own header's)
    assert (rep.cpu, rep.pid) == (cpu, pid)


# The frames dump_stack() adds above the exception when MediaTek's mrdump calls it from
# die()'s notifier chain (ipanic_die() -> mrdump_common_die(), mrdump_panic.c).
_MRDUMP_DIE_CHAIN = (
    "dump_backtrace+0xe4/0x140",
    "show_stack+0x20/0x30",
    "dump_stack_lvl+0x64/0x80",
    "dump_stack+0x18/0x34",
    "mrdump_common_die+0x1a4/0x2f0 [mrdump]",
    "ipanic_die+0x24/0x38 [mrdump]",
    "notifier_call_chain+0x78/0x120",
    "atomic_notifier_call_chain+0x3c/0x60",
    "notify_die+0x60/0xa0",
    "die+0xa4/0x2f0",
    "bug_handler+0x34/0x94",
    "call_el1_break_hook+0x64/0x90",
    "do_el1_brk64+0x20/0x40",
    "el1_dbg+0x34/0x50",
    "el1h_64_sync_handler+0x68/0xc0",
    "el1h_64_sync+0x64/0x68",
)


def _mrdump_oops(text: str) -> str:
    """The recorded arm64 BUG() as a MediaTek kernel with mrdump prints it: die()'s
    notifier (ipanic_die() -> mrdump_common_die()) runs after "Internal error: ..." and
    before __die()'s own print_modules() and show_regs(), prints show_kaslr()'s "Kernel
    Offset: 0x%llx from 0x%lx" and "PHYS_OFFSET: 0x%llx", aee_show_regs()'s registers
    ("pc : [0x%lx] %pS", mrdump_helper.c), dump_stack()'s task and trace from inside the
    notifier, then reboots the device: nothing of the oops after that."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, ln in enumerate(lines) if "kernel BUG at" in ln)
    end = next(i for i, ln in enumerate(lines) if "Code: " in ln and i > start)
    report = lines[start:end]
    stamp = re.compile(r"(\[ *\d+\.\d+\] )")

    def at(n: int, body: str) -> str:
        return stamp.match(report[n])[1] + body + "\n"

    def pick(label: str) -> int:
        return next(i for i, ln in enumerate(report) if label in ln)

    task, hw, trace = pick("CPU: 0 PID: "), pick("Hardware name:"), pick("Call trace:")
    pc, lr = pick("] pc : "), pick("] lr : ")
    out = report[: pick("Internal error:") + 1]
    out += [at(1, "Kernel Offset: 0x40eb9d800000 from 0xffff800008000000")]
    out += [at(1, "PHYS_OFFSET: 0xffffd5cb80000000")]
    out += report[pick("pstate: ") : pc]
    out += [re.sub(r"(: )(?=hotfence)", r"\1[0xffffc0ebdd480038] ", report[pc])]
    out += [re.sub(r"(: )(?=hotfence)", r"\1[0xffffc0ebdd48001c] ", report[lr])]
    out += report[lr + 1 : trace]
    out = [ln for ln in out if ln not in (report[task], report[hw])]
    out += [report[task], report[hw], report[trace]]
    out += [at(trace, " " + frame) for frame in _MRDUMP_DIE_CHAIN]
    out += report[trace + 1 :]
    # printk stamps each record as it comes: the times in the order the lines now are
    times = sorted((stamp.match(ln)[1] for ln in out), key=lambda t: float(t.strip("[] ")))
    out = [t + stamp.sub("", ln, count=1) for t, ln in zip(times, out, strict=True)]
    return "".join(lines[:start] + out)


def test_mrdumps_kernel_offset_before_an_oops_registers_keeps_them_its_own() -> None:
    """MediaTek's mrdump prints the kernel's offset from die()'s notifier chain, between
    "Internal error: ..." and the registers and trace it prints itself (the log in
    CVE-2025-38124's fix: "[name:traps&]Internal error: Oops - BUG: 00000000f2000800
    [#1] PREEMPT SMP", "[name:mrdump&]Kernel Offset: 0x178cc00000 from 0xffffffc008000000",
    "[name:mrdump&]PHYS_OFFSET: ...", "[name:mrdump&]pc : [0xffffffd79598aefc]
    skb_segment+0xcd0/0xd14"): that "Kernel Offset:" ends no report, as the panic's own
    at the end of one does. The report keeps its title, task, registers' function and
    the trace from the faulting function on."""
    text = (DATA / "arm64-6.1.0-50-mod-bug.log").read_text()
    want = parse_log(text.encode())[0]
    mrdump = _mrdump_oops(text)
    assert "Internal error: Oops - BUG: 00000000f2000800 [#1] SMP\n" in mrdump
    assert "] Kernel Offset: 0x40eb9d800000" in mrdump.split("Internal error:")[1][:120]
    (rep,) = parse_log(mrdump.encode())
    assert _facts([rep])[0][:7] == _facts([want])[0][:7]
    assert rep.title == "kernel BUG in hotfence_crash_bug" and not rep.corrupted
    assert rep.rip is not None and rep.rip.function == "hotfence_crash_bug"
    frames = [f.function for f in rep.frames]
    assert frames[-len(want.frames) :] == [f.function for f in want.frames]


@pytest.mark.parametrize("indent", ["  ", ""])
def test_a_qualcomm_tools_export_of_a_3_4_oops_reads_as_the_console(indent: str) -> None:
    """A Qualcomm 3.4 phone's log as a vendor crash tool exports it: the printk time
    right-aligned in 12 columns and a colon, the record's level, the wall clock to the
    nanosecond in parentheses ("  1276.725940:   <0> (01-28 07:22:33.325209103) Internal
    error: Oops: 5 [#1] PREEMPT SMP ARM", github.com/dorimanx/exfat-nofuse/issues/46; a
    paste may drop the first line's indent). The recorded 3.4 oops keeps its CPU,
    registers' function and trace."""
    text = (DATA / "arm-3.4-oops.log").read_text()
    (want,) = parse_log(text.encode())

    def exported(m: re.Match[str]) -> str:
        level = m[1] if m[1].isdigit() else "4"  # (3.4's KERN_DEFAULT, "<d>", stored as 4)
        at = float(m[2])
        micro = m[2].split(".")[1]
        wall = f"(01-28 07:{int(at) // 60 % 60:02d}:{int(at) % 60:02d}.{micro}000)"
        return f"{at:12.6f}:   <{level}> {wall} "

    qcom = re.sub(r"^<(\w)>\[ *(\d+\.\d+)\] ", exported, text, flags=re.M)
    assert "  812.353973:   <0> (01-28 07:13:32.353973000) Internal error: Oops: 817" in qcom
    (rep,) = parse_log((indent + qcom.lstrip()).encode())
    assert _facts([rep]) == _facts([want])
    assert rep.rip is not None and want.rip is not None
    assert (rep.rip.function, rep.cpu) == (want.rip.function, want.cpu) == ("sysrq_handle_crash", 1)
    assert len(want.frames) > 5 and not rep.corrupted


@pytest.mark.parametrize("name", ["arm64-6.1.0-50-mod-null", "armhf-6.1.0-50-mod-bug"])
def test_a_printk_time_without_its_space_reads_as_the_console(name: str) -> None:
    """A vendor print_time() that leaves out the space after the time glues each record's
    text to it: "[166603.828628]Internal error: Oops: 96000006 [#1] SMP", "[166603.828669]
    __netdev_adjacent_dev_remove..." (a Huawei EulerOS 4.19 server's oops on netdev,
    2019-11-15). The report keeps its task, registers' function and trace."""
    text = (DATA / f"{name}.log").read_text()
    (want,) = parse_log(text.encode())
    glued = re.sub(r"^(\[ *\d+\.\d+\]) ", r"\1", text, flags=re.M)
    (rep,) = parse_log(glued.encode())
    assert _facts([rep]) == _facts([want])
    assert len(want.frames) > 5 and not rep.corrupted


@pytest.mark.parametrize("caller", ["T88", "C0"])
def test_a_ramdump_parsers_left_aligned_caller_id_reads_as_the_console(caller: str) -> None:
    """Qualcomm's ramdump parser writes a 5.10+ ramdump's log (dmesg_TZ.txt) with the
    caller id padded on the right, "[{time:12.6f}] [{caller_id_data:6}] {line}"
    (linux-ramdump-parser-v2 dmesglib.py extract_lockless_dmesg()), "[T88   ]" for the
    kernel's "[   T88]". The report keeps its task, registers' function and trace."""
    text = (DATA / "arm64-6.1.0-50-mod-null.log").read_text()
    (want,) = parse_log(text.encode())
    parsed = re.sub(
        r"^\[ *(\d+\.\d+)\] ",
        lambda m: f"[{float(m[1]):12.6f}] [{caller:6}] ",
        text,
        flags=re.M,
    )
    assert f"] [{caller} " in parsed
    (rep,) = parse_log(parsed.encode())
    assert _facts([rep]) == _facts([want])
    assert len(want.frames) > 6 and not rep.corrupted


@pytest.mark.parametrize(
    "shape",
    [
        # HiSilicon's 3.x: print_time() "[%5lu.%06lus]", the record's text right after it,
        # hisi_log_store_add_time()'s "[pid:%d,cpu%d,%s]" at its start (a Huawei 3.10
        # phone's OOM on linux-mm, 2016-03-31: "<4>[63651.040039s][pid:2912,cpu3,sh]...")
        "[pid:{pid},cpu{cpu},{comm}]",
        # with the wall clock it stores once a second before it
        "[2016:03:31 09:16:00][pid:{pid},cpu{cpu},{comm}]",
        # Huawei's 5.10 desktop kernels: a space after the time, a fourth field (a digit)
        # ("[ 66.575439s] [pid:5118,cpu4,QThread,8]Call trace:", LKML 2024-07-05)
        " [pid:{pid},cpu{cpu},{comm},{cpu}]",
    ],
)
def test_hisilicon_printk_time_and_task_read_as_the_console(shape: str) -> None:
    """HiSilicon's printk (Huawei's Kirin kernels) writes its time with an "s" after the
    microseconds and the task's pid, CPU and comm right after it: the report keeps its
    task, registers' function and trace, as on a console without them."""
    (want,) = parse_log((DATA / "armhf-6.1.0-50-mod-null.log").read_bytes())
    hisi = re.sub(r"^(\[ *\d+\.\d{6})\]", r"\1s]", _vendor_prefixed(shape), flags=re.M)
    (rep,) = parse_log(hisi.encode())
    assert _facts([rep]) == _facts([want])
    assert len(want.frames) == 6 and not rep.corrupted


@pytest.mark.parametrize("indent", ["    ", "        ", "\t"])
@pytest.mark.parametrize(
    "shape", [" c{cpu} ", " [{cpu}:{comm:>15}:{pid:5d}] ", " -({cpu:x})[{pid}:{comm}]"]
)
def test_an_indented_paste_of_a_vendor_prefixed_console_reads_as_the_console(
    indent: str, shape: str
) -> None:
    """A vendor-prefixed last_kmsg pasted as a Markdown code block or inside a list item,
    every line indented ("        <1>[41740.112427] c1 Unable to handle kernel NULL
    pointer dereference ...", github.com/ArchiDroid/android_device_samsung_i9300/issues/149):
    the vendor prefix after the time is read as without the indent, and the report keeps
    its CPU, registers' function and trace."""
    text = _vendor_prefixed(shape)
    indented = "".join(indent + line for line in text.splitlines(keepends=True))
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(indented.encode())
    assert _facts([rep]) == _facts([want])
    assert rep.cpu == want.cpu == 0 and len(rep.frames) == 6 and not rep.corrupted


def _two_cpus_fault(shape: str, own: tuple[int, str, int], other: tuple[int, str, int]) -> str:
    """The recorded armhf oops on a vendor-prefixed console (``shape``) as the ``own`` task
    (CPU, comm, pid) prints it, while the ``other`` task's CPU faults too and prints the
    start of its own oops between the task line and "PC is at": a Samsung 3.10 phone's
    last_kmsg (linux-mm, 2016-06-27, "BUG: Kernel 3.10.65: Kernel panic while
    send-receive MMS") holds two idle tasks' oopses so, one's lines amid the other's."""
    text = (DATA / "armhf-6.1.0-50-mod-null.log").read_text()
    out, task = [], (1, "swapper/0", 1)
    for line in text.splitlines(keepends=True):
        m = re.match(r"(\[ *\d+\.\d+\]) ", line)
        if m is None:
            out.append(line)
            continue
        if "8<--- cut here" in line:
            task = own
        cpu, comm, pid = task
        body = line[m.end() :]
        out.append(m[1] + shape.format(cpu=cpu, comm=comm, pid=pid) + body)
        if body.startswith("Hardware name: "):
            cpu, comm, pid = other
            prefix = m[1] + shape.format(cpu=cpu, comm=comm, pid=pid)
            out += [
                f"{prefix}8<--- cut here ---\n",
                f"{prefix}Unable to handle kernel NULL pointer dereference at virtual address 00000004\n",
                f"{prefix}[00000004] *pgd=41ece835, *pte=00000000, *ppte=00000000\n",
            ]
    return "".join(out)


@pytest.mark.parametrize(
    "shape",
    [
        " [{cpu}:{comm:>15}:{pid:5d}] ",
        "  [{cpu}:{comm:>15}:{pid:5d}] ",
        " c{cpu} {pid:6d} ",
        " [pid:{pid},cpu{cpu},{comm}]",
        " -({cpu:x})[{pid}:{comm}]",
    ],
)
@pytest.mark.parametrize(
    ("own", "other"),
    [
        ((0, "sh", 85), (1, "kworker/1:1", 31)),
        # every CPU's idle task is pid 0 (kernel/fork.c fork_idle(), init_task on the
        # boot CPU): two idle tasks are told apart by their CPU
        ((0, "swapper/0", 0), (1, "swapper/1", 0)),
    ],
)
def test_another_cpus_oops_amid_a_vendor_prefixed_report_is_its_own(
    shape: str, own: tuple[int, str, int], other: tuple[int, str, int]
) -> None:
    """A vendor prefix names each line's task (or CPU) as a caller id does: the report
    reads its own lines on past the other CPU's oops header, keeping its registers'
    function and every frame, and the other CPU's lines make a report of their own."""
    (want,) = parse_log((DATA / "armhf-6.1.0-50-mod-null.log").read_bytes())
    first, second = parse_log(_two_cpus_fault(shape, own, other).encode())
    assert _facts([first]) == _facts([want])
    assert len(first.frames) == 6 and not first.corrupted
    assert second.title.startswith("BUG: unable to handle kernel NULL pointer dereference")
    assert second.frames == []


@pytest.mark.parametrize(
    "shape",
    [
        # Amlogic's 3.x BSP trees (Odroid, Android TV boxes): "[%5lu.%06lu@%d] ", the CPU
        # inside the time's brackets
        "@{cpu}] ",
        # Amlogic's 4.9 trees (CONFIG_AMLOGIC_DRIVER, printk.c print_time()):
        # "[%5lu.%06lu@%d]%c " with the record's state log_store() set: 'h' in a hard
        # interrupt, 's' in a soft one, 'd' with interrupts off, else '-'
        "@{cpu}]- ",
        "@{cpu}]d ",
    ],
)
def test_amlogic_cpu_in_the_printk_time_reads_as_the_console(shape: str) -> None:
    """The time's closing bracket after the CPU: the report keeps its task and every
    frame, and the other CPU's line inside the trace is no part of it."""
    (want,) = parse_log((DATA / "armhf-6.1.0-50-mod-null.log").read_bytes())
    text = re.sub(r"\]@(\d+\])", r"@\1", _vendor_prefixed(shape))
    assert re.search(r"^\[ *\d+\.\d{6}@1\]", text, re.M)
    (rep,) = parse_log(text.encode())
    assert _facts([rep]) == _facts([want])
    assert len(want.frames) == 6 and not rep.corrupted


def test_lge_wall_clock_and_cpu_in_the_printk_time_read_as_the_console() -> None:
    """LG's trees (CONFIG_MACH_LGE, kernel/printk/printk.c print_time() of the MSM8996
    phones' 3.18 kernels) print "[%5lu.%06lu / %02d-%02d %02d:%02d:%02d.%03lu][%d] ": the
    wall clock inside the time's brackets, the record's CPU after them. The report keeps
    its task and every frame, and the other CPU's line inside the trace is no part of
    it."""
    (want,) = parse_log((DATA / "armhf-6.1.0-50-mod-null.log").read_bytes())
    text = _vendor_prefixed(" / 10-26 15:03:55.524][{cpu}] ").replace("] / ", " / ")
    assert re.search(r"^\[ *\d+\.\d{6} / 10-26 15:03:55\.524\]\[1\] random", text, re.M)
    (rep,) = parse_log(text.encode())
    assert _facts([rep]) == _facts([want])
    assert len(want.frames) == 6 and not rep.corrupted


def test_lge_wall_clock_without_the_cpu_reads_as_the_console() -> None:
    """LG's 3.4 trees (the G2's, MSM8974: kernel/printk.c vprintk()) print the wall clock in
    the time's brackets and no CPU after them, "[%5lu.%06lu / %02d-%02d
    %02d:%02d:%02d.%03lu] " (an LG G2's console-ramoops posted to
    BlissRoms/platform_frameworks_base#1): the report keeps its task and every frame."""
    (want,) = parse_log((DATA / "armhf-6.1.0-50-mod-null.log").read_bytes())
    text = re.sub(
        r"(?m)^(\[ *\d+\.\d+)\] ",
        r"\1 / 01-27 22:01:44.436] ",
        (DATA / "armhf-6.1.0-50-mod-null.log").read_text(),
    )
    assert re.search(r"^\[ *\d+\.\d{6} / 01-27 22:01:44\.436\] Internal error", text, re.M)
    (rep,) = parse_log(text.encode())
    assert _facts([rep]) == _facts([want])
    assert len(want.frames) == 6 and not rep.corrupted


def test_lge_vu3_wall_clock_and_cpu_read_as_the_console() -> None:
    """The Vu 3's (CONFIG_MACH_MSM8974_VU3_KR) the CPU after a "/CPU:": "[%5lu.%06lu /
    %02d-%02d %02d:%02d:%02d.%03lu]/CPU:%d ". The report keeps its task and every frame,
    and the other CPU's line inside the trace is no part of it."""
    (want,) = parse_log((DATA / "armhf-6.1.0-50-mod-null.log").read_bytes())
    text = _vendor_prefixed(" / 01-27 22:01:44.436]/CPU:{cpu} ").replace("] / ", " / ")
    assert re.search(r"^\[ *\d+\.\d{6} / 01-27 22:01:44\.436\]/CPU:1 random", text, re.M)
    (rep,) = parse_log(text.encode())
    assert _facts([rep]) == _facts([want])
    assert len(want.frames) == 6 and not rep.corrupted


@pytest.mark.parametrize("wall", [False, True])
def test_oneplus_cpu_after_the_printk_time_reads_as_the_console(wall: bool) -> None:
    """OnePlus's 3.10 trees (the OnePlus 2's, kernel/printk.c print_time(), VENDOR_EDIT)
    print the CPU after the time's brackets, "[%5lu.%06lu]@%d ", and past 20 s the wall
    clock in place of the time, "[%02d%02d%02d_%02d:%02d:%02d.%06lu]@%d " (a OnePlus 2's
    BUG() posted to aviraxp/ONEPLUS_MSM8994_KAWORI#1). The report keeps its task and every
    frame, and the other CPU's line inside the trace is no part of it."""
    (want,) = parse_log((DATA / "armhf-6.1.0-50-mod-null.log").read_bytes())
    text = _vendor_prefixed("@{cpu} ")
    if wall:
        text = re.sub(r"(?m)^\[ *\d+\.(\d{6})\]@", r"[20170514_00:45:44.\1]@", text)
    assert re.search(r"^\[[ \d_:]+\.\d{6}\]@1 random", text, re.M)
    (rep,) = parse_log(text.encode())
    assert _facts([rep]) == _facts([want])
    assert len(want.frames) == 6 and not rep.corrupted


def test_an_arm64_4x_exception_stack_dump_inside_the_trace_ends_no_trace() -> None:
    """arm64's 4.x dump_backtrace() printed each entry as "[<%p>] %pS" and, after an
    exception handler's entry (in_exception_text()), the pt_regs it saved through
    dump_mem(): "Exception stack(0x%016lx to 0x%016lx)" and rows of 64-bit words,
    " %016lx" or " ????????????????" (arch/arm64/kernel/traps.c, 4.9). The trace goes on
    after the rows: the SError report keeps every frame under do_serror()."""
    text = (DATA / "arm64-serror.log").read_text()
    (want,) = parse_log(text.encode())
    rows = (
        "Exception stack(0xffffffc01154bdc0 to 0xffffffc01154bef0)\n"
        "bdc0: 0000000000000060 00000000000f3a2c 0000000000000000 ffffffc01154bf20\n"
        "bde0: ???????????????? ???????????????? ffffffc010a1c3e8 0000000060400085\n"
        "bee0:                                   ffffffc01154bf20 ffffffc010018a4c\n"
    )
    old = []
    for line in text.splitlines(keepends=True):
        stamp, _, body = line.partition("]  ")
        if not body or "+0x" not in body:
            old.append(line)
            continue
        old.append(f"{stamp}] [<ffffffc010012345>] {body}")
        if body.startswith("do_serror+"):
            old += [f"{stamp}] {row}\n" for row in rows.splitlines()]
    shaped = "".join(old)
    assert "] [<ffffffc010012345>] el1_error+0x90/0x110" in shaped
    assert "] bde0: ???????????????? " in shaped
    (rep,) = parse_log(shaped.encode())
    assert _facts([rep]) == _facts([want])
    assert [f.function for f in rep.frames][-2:] == ["cpu_startup_entry", "secondary_start_kernel"]


@pytest.mark.parametrize(
    "name", ["arm64-6.1-oops", "arm64-6.1.0-50-hung-task", "arm64-6.1.0-50-mod-warn"]
)
def test_amlogic_frame_pointer_before_an_arm64_entry_keeps_the_frames(name: str) -> None:
    """Amlogic's 4.9 trees (CONFIG_AMLOGIC_VMAP, arch/arm64/kernel/traps.c
    dump_backtrace_entry()) print each entry as "[%016lx+%4ld][<%016lx>] %pS": the frame
    pointer and the frame's size before the pc. The report keeps its title, task and
    every frame, and is not taken for one without a trace."""
    text = (DATA / f"{name}.log").read_text()
    want = parse_log(text.encode())
    shaped = re.sub(
        r"^(\[ *\d+\.\d+\]) (?= \S+\+0x[0-9a-f]+/0x[0-9a-f]+)",
        r"\1 [ffffff80201c7800+  32][<ffffff80091f0e2c>]",
        text,
        flags=re.M,
    )
    assert "] [ffffff80201c7800+  32][<ffffff80091f0e2c>] " in shaped
    got = parse_log(shaped.encode())
    assert _facts(got) == _facts(want)
    assert len(want[0].frames) > 3 and not got[0].corrupted


def test_motorola_cpu_after_a_comma_in_the_printk_time_reads_as_the_console() -> None:
    """Motorola's trees (kernel/printk.c print_time() of the MSM8916 phones' 3.10 kernels)
    print "[%5lu.%06lu,%u] ": the record's CPU after a comma inside the time's brackets.
    The report keeps its task, its faulting function and every frame, and the other
    CPU's line inside the trace is no part of it."""
    (want,) = parse_log((DATA / "armhf-6.1.0-50-mod-null.log").read_bytes())
    text = re.sub(r"\],(\d+\]) ", r",\1 ", _vendor_prefixed(",{cpu}] "))
    assert re.search(r"^\[ *\d+\.\d{6},1\] random", text, re.M)
    (rep,) = parse_log(text.encode())
    assert _facts([rep]) == _facts([want])
    assert rep.rip is not None and rep.rip.function == want.rip.function
    assert len(want.frames) == 6 and not rep.corrupted


def test_motorola_module_list_with_a_stale_cpu_is_the_oops_own() -> None:
    """Motorola's printk prints a pr_cont() line with the cont buffer's CPU, which only
    cont_flush() sets (kernel/printk.c cont_print_text()): print_modules()'s line inside
    CPU 1's oops shows CPU 0. The report keeps its list, its last unloaded module and
    every other fact."""
    text = (DATA / "arm64-6.1-oops.log").read_text()
    (want,) = parse_log(text.encode())
    assert want.cpu == 1 and want.modules
    tagged = re.sub(r"^(\[ *\d+\.\d+)\]", r"\1,1]", text, flags=re.M)
    stale = re.sub(r",1\] (Modules linked in: .*)", r",0] \1 [last unloaded: wlan]", tagged)
    assert re.search(r"^\[ *\d+\.\d{6},0\] Modules linked in:", stale, re.M)
    (rep,) = parse_log(stale.encode())
    assert _facts([rep]) == _facts([want])
    assert rep.modules == want.modules and rep.tainting_modules == want.tainting_modules
    assert rep.last_unloaded_module == "wlan"


def test_a_bracketed_message_start_is_no_vendor_prefix() -> None:
    """Samsung's prefix is "%c[%1d:%15s:%5d]": a message of a mainline kernel that starts
    with a bracket and colons keeps them."""
    text, ctx = strip_prefix("[    2.177532] [0:0:0:0] x")
    assert (text, ctx) == ("[0:0:0:0] x", "console")


def _sparc64_oops(with_show_stack: bool) -> str:
    """The recorded arm64 module oops in sparc64's wording (the addresses its trace does
    not print are zeros): arch/sparc/mm/fault_64.c unhandled_fault() "Unable to handle
    kernel NULL pointer dereference" and its "tsk->{mm,active_mm}->..." lines; traps_64.c
    die_if_kernel() "%s(%d): %s [#%d]", then show_regs(): "TPC: <%pS>", "RPC: <%pS>" and,
    since 2.6.3x, show_stack()'s "Call Trace:" of " [%016lx] %pS" under the task header;
    then die_if_kernel()'s own "Caller[%016lx]: %pS" for each register window, the only
    trace (and no task header) before."""
    text = (DATA / "arm64-6.1.0-50-mod-null.log").read_text()
    out, entries, in_trace, skip = [], [], False, False
    for line in text.splitlines():
        stamp, _, body = line.partition("] ")
        stamp += "] "
        if body.startswith("Unable to handle kernel NULL pointer dereference"):
            out.append(stamp + "Unable to handle kernel NULL pointer dereference")
            out.append(stamp + "tsk->{mm,active_mm}->context = 0000000000000123")
            out.append(stamp + "tsk->{mm,active_mm}->pgd = fffff8003e0c4000")
            skip = True
        elif body.startswith("Internal error: Oops:"):
            out.append(stamp + "sh(88): Oops [#1]")
            skip = False
        elif skip or (body.startswith("CPU: ") and not with_show_stack):
            continue
        elif body.startswith(("pc : ", "lr : ")):
            label = "TPC" if body.startswith("pc") else "RPC"
            out.append(f"{stamp}{label}: <{body[5:]}>")
        elif body == "Call trace:":
            in_trace = True
            if with_show_stack:
                out.append(stamp + "Call Trace:")
        elif in_trace and body.startswith(" "):
            entries.append(body.strip())
            if with_show_stack:
                out.append(f"{stamp} [{0:016x}] {body.strip()}")
        elif in_trace:
            in_trace = False
            out += [f"{stamp}Caller[{0:016x}]: {e}" for e in entries]
            out.append(stamp + body)
        else:
            out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("with_show_stack", [True, False])
def test_a_sparc64_oops_is_titled_by_its_tpc_and_read_once(with_show_stack: bool) -> None:
    """A sparc64 oops names the faulting function on its "TPC: <...>" line and its trace
    in show_stack()'s entries or, on older kernels, in die_if_kernel()'s "Caller[...]"
    lines; where both are printed the frames are read once."""
    (want,) = parse_log((DATA / "arm64-6.1.0-50-mod-null.log").read_bytes())
    text = _sparc64_oops(with_show_stack)
    assert ("Call Trace:" in text) is with_show_stack and "TPC: <hotfence_crash_null" in text
    (rep,) = parse_log(text.encode())
    assert rep.title == want.title and not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None
    assert (rep.rip.function, rep.rip.module) == ("hotfence_crash_null_deref", "hotfence_crash")
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.comm, rep.pid) == ("sh", 88)


@pytest.mark.parametrize(
    ("words", "title"),
    [
        ("Oops", "BUG: unable to handle kernel paging request"),
        ("Kernel illegal instruction", "Kernel illegal instruction"),
        ("Kernel bad sw trap 5", "Kernel bad sw trap NUM"),
        ("TL0: Kernel divide by zero.", "TL0: Kernel divide by zero"),
        ("Dax", "Dax"),
    ],
)
def test_a_sparc64_die_line_alone_is_a_report(words: str, title: str) -> None:
    """sparc64's die_if_kernel() line "%s(%d): %s [#%d]" is a report of its own: "Oops"
    (the fault's lines before it lost) a bad access, a trap in the kernel titled by its
    words (traps_64.c do_illegal_instruction(), bad_trap(), do_div0(),
    sun4v_data_access_exception()), in the function "TPC: <%pS>" names."""
    (want,) = parse_log((DATA / "arm64-6.1.0-50-mod-null.log").read_bytes())
    text = _sparc64_oops(True)
    text = "\n".join(
        line for line in text.splitlines() if "NULL pointer" not in line and "tsk->" not in line
    )
    (rep,) = parse_log(reworded(text, {"sh(88): Oops [#1]": f"sh(88): {words} [#1]"}).encode())
    assert rep.title == f"{title} in hotfence_crash_null_deref"
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.comm, rep.pid) == ("sh", 88)


def test_a_sparc64_bug_is_one_report() -> None:
    """sparc64's BUG(): do_BUG() prints "kernel BUG at %s:%d!", then the trap instruction
    traps and die_if_kernel() prints "%s(%d): Kernel illegal instruction [#%d]": part of
    the BUG's report."""
    text = _sparc64_oops(True)
    text = "\n".join(line for line in text.splitlines() if "tsk->" not in line)
    text = reworded(
        text,
        {
            "Unable to handle kernel NULL pointer dereference": (
                "kernel BUG at drivers/misc/hotfence_crash.c:42!"
            ),
            "sh(88): Oops [#1]": "sh(88): Kernel illegal instruction [#1]",
        },
    )
    (rep,) = parse_log(text.encode())
    assert rep.title == "kernel BUG in hotfence_crash_null_deref"
    assert (rep.comm, rep.pid) == ("sh", 88)


def test_a_loongarch_oops_is_titled_by_its_era_line() -> None:
    """LoongArch's register dump is MIPS's with other names: arch/loongarch/kernel/traps.c
    __show_regs() prints "   ra: %0*lx %pS" and "  ERA: %0*lx %pS" (the exception return
    address, MIPS's epc), and mm/fault.c no_context() "CPU %d Unable to handle kernel
    paging request at virtual address %0*lx, era == %0*lx, ra == %0*lx". The recorded
    MIPS oops with those three lines in LoongArch's wording keeps its title and PC."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    lines = {
        "epc   : 8035a1bc sysrq_handle_crash": "  ERA: 8035a1bc sysrq_handle_crash",
        "ra    : 8035a7d4 __handle_sysrq": "   ra: 8035a7d4 __handle_sysrq",
        ", epc == 8035a1bc, ra == ": ", era == 8035a1bc, ra == ",
    }
    text = reworded(text, lines)
    (want,) = parse_log((DATA / "mips-4.19-oops.log").read_bytes())
    (rep,) = parse_log(text.encode())
    assert (
        rep.title
        == want.title
        == ("BUG: unable to handle kernel paging request in sysrq_handle_crash")
    )
    assert not rep.corrupted and rep.rip is not None
    assert rep.rip.function == "sysrq_handle_crash"
    assert _facts([rep]) == _facts([want])


@pytest.mark.parametrize(
    ("die", "title"),
    [
        # do_el1_bti() (6.1 arch/arm64/kernel/traps.c): die("Oops - BTI", regs, esr)
        ("Oops - BTI: 0000000036000002", "Internal error in hotfence_crash_null_deref"),
        # do_el1_fpac(): die("Oops - FPAC", regs, esr)
        ("Oops - FPAC: 0000000072000002", "Internal error in hotfence_crash_null_deref"),
        # bug_handler(): die("Oops - BUG", regs, esr)
        ("Oops - BUG: 00000000f2000800", "kernel BUG in hotfence_crash_null_deref"),
    ],
)
def test_an_arm64_die_line_quoted_without_its_registers_is_titled_by_its_trace(
    die: str, title: str
) -> None:
    """arm64 __die() prints "Internal error: %s: %016lx [#%d]", the modules, show_regs()
    and dump_backtrace() of the faulting context, whose first entry is the faulting
    function. A mail that quotes the die line, "..." for the registers, and the "Call
    trace:" (the bpf list's 2025 arm64 BTI reports of a BPF JIT image, "Internal error:
    Oops - BTI: 0000000036000003 [#1]  SMP") is titled from that trace. The recorded
    arm64 module oops in that shape, its die line in each wording."""
    text = (DATA / "arm64-6.1.0-50-mod-null.log").read_text()
    (want,) = parse_log(text.encode())
    lines = [line.partition("] ")[2] for line in text.splitlines()]
    start = lines.index("Internal error: Oops: 0000000096000006 [#1] SMP")
    trace = lines.index("Call trace:")
    assert trace - start > 10  # (the registers between them, left out)
    end = next(i for i, line in enumerate(lines) if line.startswith("Code: "))
    quoted = [f"Internal error: {die} [#1]  SMP", "...", *lines[trace:end]]
    (rep,) = parse_log(("\n".join(quoted) + "\n").encode())
    assert rep.title == title
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.frames == want.frames


def test_a_mips_die_line_quoted_without_its_registers_is_titled_by_its_trace() -> None:
    """MIPS die() prints "%s[#%d]:", show_registers() and show_backtrace() unwound from
    the registers' epc, whose first entry is the faulting function. A mail that quotes
    the die line, "[...]" for the registers, and the trace (Aaro Koskinen's 3.13-rc1
    Loongson 2 "Reserved instruction in kernel code[#1]:" on linux-mips) is titled from
    that trace. The recorded MIPS oops in that shape."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    (want,) = parse_log(text.encode())
    lines = text.splitlines()
    trace = next(i for i, line in enumerate(lines) if line.endswith("] Call Trace:"))
    die = "[  301.453212] Reserved instruction in kernel code[#1]:"
    quoted = [die, "[...]", *lines[trace:]]
    (rep,) = parse_log(("\n".join(quoted) + "\n").encode())
    assert rep.title == "Reserved instruction in kernel code in sysrq_handle_crash"
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.frames == want.frames


def test_a_mips_epc_kallsyms_does_not_know_is_read_as_a_bare_pc() -> None:
    """MIPS __show_regs() prints "epc   : %0*lx %pS": an address kallsyms does not know
    (a DECstation's 2.6.15 boot on linux-mips, "epc   : 80332384 0x80332384") names no
    function, and the trace after it titles the report, as after x86's "RIP:
    0010:0x0". The recorded MIPS BUG() with its epc so."""
    text = (DATA / "mips-4.19-bug.log").read_text()
    (want,) = parse_log(text.encode())
    bare = reworded(
        text,
        {
            "epc   : 8062b9e4 unregister_netdevice_queue+0x124/0x130": (
                "epc   : 8062b9e4 0x8062b9e4"
            )
        },
    )
    (rep,) = parse_log(bare.encode())
    assert rep.title == want.title == "kernel BUG in veth_dellink"
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is None
    assert rep.frames == want.frames


def test_a_loongarch_oops_without_its_fault_line_is_that_bad_access() -> None:
    """arch/loongarch/mm/fault.c no_context() prints "CPU %d Unable to handle kernel
    paging request at virtual address %0*lx, era == %0*lx, ra == %0*lx" and dies
    "Oops"; a log that lost that line (a console's dropped record, a paste that starts
    at die()'s "Oops[#1]:", as in the bpf list's 6.10-rc2 sk_msg_recvmsg() report) keeps
    the registers, the ERA line and the trace: the same bad access in the same function,
    whole, as x86's "Oops: 0000 [#1]" alone is. The recorded MIPS oops in LoongArch's
    lines, its fault line removed."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    fault, rest = text.split("\n", 1)
    assert "Unable to handle kernel paging request" in fault
    lines = {
        "epc   : 8035a1bc sysrq_handle_crash": "  ERA: 8035a1bc sysrq_handle_crash",
        "ra    : 8035a7d4 __handle_sysrq": "   ra: 8035a7d4 __handle_sysrq",
    }
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(reworded(rest, lines).encode())
    assert (
        rep.title
        == want.title
        == ("BUG: unable to handle kernel paging request in sysrq_handle_crash")
    )
    assert rep.alt_titles == ["bad-access in sysrq_handle_crash"]
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None and rep.rip.function == "sysrq_handle_crash"
    assert (rep.comm, rep.pid, rep.cpu) == (want.comm, want.pid, want.cpu) == ("sh", 1377, 0)
    assert rep.frames == want.frames


def test_a_loongarch_warning_is_titled_by_its_era_line() -> None:
    """LoongArch's WARN() traps (arch/loongarch/kernel/traps.c do_bp() -> report_bug()
    -> __warn()), and __warn() calls show_regs(): __show_regs()'s task line, register
    rows, "   ra: %0*lx %pS" and "  ERA: %0*lx %pS" (the function that warned), the
    CSRs, then dump_stack(), whose trace starts at show_stack() and dump_stack_lvl()
    and then the trap's caller's caller: the function that warned is only on the ERA
    line. (Seen in Huacai Chen's 6.16-rc5 isolate_movable_ops_page() report on
    linux-mm.) The recorded MIPS module warning in LoongArch's lines."""
    text = (DATA / "mips64el-6.1.0-50-mod-warn.log").read_text()
    stamp = "[    2.622290] "
    task = "CPU: 0 PID: 79 Comm: sh Tainted: G           OE      6.1.0-50-5kc-malta #1  Debian 6.1.176-1"
    regs = [
        "pc ffffffffc000282c ra ffffffffc0002ad0 tp 9000000003a84000 sp 9000000003a87ac0",
        "a0 0000000000000000 a1 0000000000000000 a2 0000000000000018 a3 9000000003a87ac8",
        "   ra: ffffffffc0002ad0 hotfence_crash_write+0xd8/0x140 [hotfence_crash]",
        "  ERA: ffffffffc000282c hotfence_crash_do+0xd4/0x2a0 [hotfence_crash]",
        " CRMD: 000000b0 (PLV0 -IE -DA +PG DACF=CC DACM=CC -WE)",
        " PRMD: 00000004 (PPLV0 +PIE -PWE)",
        "ESTAT: 000c0000 [BRK] (IS= ECode=12 EsubCode=0)",
        " PRID: 0014c010 (Loongson-64bit, Loongson-3A5000)",
        task,
    ]
    changes = {
        stamp + task + "\n": "".join(stamp + r + "\n" for r in [task, *regs]),
        "[    2.640731] [<ffffffff81f137d8>] __warn+0xa8/0x168\n": "",
        "[    2.640831] [<ffffffff81f139fc>] warn_slowpath_fmt+0x164/0x1c8\n": "",
        "[    2.641009] [<ffffffffc000282c>] hotfence_crash_do+0xd4/0x2a0 [hotfence_crash]\n": "",
    }
    (rep,) = parse_log(reworded(text, changes).encode())
    assert rep.title == "WARNING in hotfence_crash_do"
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None and rep.rip.function == "hotfence_crash_do"
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 79, 0)


def test_an_m68k_oops_keeps_its_pc_and_the_entry_on_its_trace_header() -> None:
    """m68k's show_registers() (arch/m68k/kernel/traps.c) names the faulting function as
    "PC: [<%08lx>] %pS", and show_trace() prints "Call Trace:" then each entry with
    pr_cont(" [<%08lx>] %pS\\n"): the first entry on the header's line. The recorded
    MIPS oops (32-bit, the same entries) in m68k's wording: mm/fault.c's "Unable to
    handle kernel NULL pointer dereference at virtual address %p", die_if_kernel()'s
    "%s: %08x", the PC line and the trace."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    m68k = {
        "CPU 0 Unable to handle kernel paging request at virtual address 00000000, "
        "epc == 8035a1bc, ra == 8035a7d4": (
            "Unable to handle kernel NULL pointer dereference at virtual address 00000000"
        ),
        "Oops[#1]:": "Oops: 00000000",
        "epc   : 8035a1bc sysrq_handle_crash": "PC: [<8035a1bc>] sysrq_handle_crash",
        "Call Trace:\n[  301.562510] [<8035a1bc>]": "Call Trace: [<8035a1bc>]",
    }
    text = reworded(text, m68k)
    text = re.sub(r"^(\[[ \d.]+\]) (\[<)", r"\1  \2", text, flags=re.M)
    (want,) = parse_log((DATA / "mips-4.19-oops.log").read_bytes())
    (rep,) = parse_log(text.encode())
    assert (
        rep.title == "BUG: unable to handle kernel NULL pointer dereference in sysrq_handle_crash"
    )
    assert not rep.corrupted and rep.rip is not None
    assert rep.rip.function == "sysrq_handle_crash"
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert rep.frames[0].function == "sysrq_handle_crash"
    assert (rep.comm, rep.pid) == ("sh", 1377)


@pytest.mark.parametrize(
    "fault",
    [
        # bus_error030(): a data access
        "Data read fault at 0x00000000 in Super Data (pc=0x8035a1bc)\n"
        "[  301.442317] BAD KERNEL BUSERR",
        # ... and an instruction fetch
        "Instruction fault at 0x8035a1bc\n[  301.442317] BAD KERNEL BUSERR",
        # no line before the die line (the console lost it)
        "",
    ],
)
def test_an_m68k_bus_error_in_the_kernel_is_a_bad_access(fault: str) -> None:
    """m68k's bus_error030() (arch/m68k/kernel/traps.c; buserr_c() on the Sun 3) of a
    kernel access prints "Data %s fault at %#010lx in %s (pc=%#lx)" or "Instruction
    fault at %#010lx", then "BAD KERNEL BUSERR" and die_if_kernel("Oops"): "Oops:
    %08x" with no "Unable to handle kernel" line before it, then show_registers()'s
    "PC: [<%08lx>] %pS". A bad access in that function. (Seen in Finn Thain's Mac IIfx
    via_flush_cache() and nubus /proc reports, stable 2020 and 2023.) The recorded MIPS
    oops in m68k's wording."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    fault_line = (
        "CPU 0 Unable to handle kernel paging request at virtual address 00000000, "
        "epc == 8035a1bc, ra == 8035a7d4"
    )
    m68k = {
        fault_line: fault or "BAD KERNEL BUSERR",
        "Oops[#1]:": "Oops: 00000000",
        "epc   : 8035a1bc sysrq_handle_crash": "PC: [<8035a1bc>] sysrq_handle_crash",
        "Call Trace:\n[  301.562510] [<8035a1bc>]": "Call Trace: [<8035a1bc>]",
    }
    text = reworded(text, m68k)
    if not fault:
        text = text.replace("[  301.442317] BAD KERNEL BUSERR\n", "")
    text = re.sub(r"^(\[[ \d.]+\]) (\[<)", r"\1  \2", text, flags=re.M)
    (want,) = parse_log((DATA / "mips-4.19-oops.log").read_bytes())
    (rep,) = parse_log(text.encode())
    assert rep.title == "BUG: unable to handle kernel paging request in sysrq_handle_crash"
    assert rep.type == "MEMORY_SAFETY_BUG"
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None and rep.rip.function == "sysrq_handle_crash"
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.comm, rep.pid) == ("sh", 1377)


def _m68k_bad_super_trap(vector: str, bug_line: bool) -> str:
    """The recorded MIPS oops as m68k's bad_super_trap() (arch/m68k/kernel/traps.c)
    prints a trap in supervisor mode: pr_err("*** %s ***   FORMAT=%X\\n") with the
    vector's name, "Current process id is %d", die_if_kernel("BAD KERNEL TRAP")'s
    "%s: %08x", then show_registers(): "PC: [<%08lx>] %pS", the task line and
    show_stack()'s trace, its first entry on the "Call Trace:" line."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    stamp = "[  301.442317] "
    head = [f"*** {vector} ***   FORMAT=4", "Current process id is 1377"]
    if bug_line:
        head.insert(0, "kernel BUG at net/core/dev.c:8123!")
    m68k = {
        "CPU 0 Unable to handle kernel paging request at virtual address 00000000, "
        "epc == 8035a1bc, ra == 8035a7d4": f"\n{stamp}".join(head),
        "Oops[#1]:": "BAD KERNEL TRAP: 00000000",
        "epc   : 8035a1bc sysrq_handle_crash": "PC: [<8035a1bc>] sysrq_handle_crash",
        "Call Trace:\n[  301.562510] [<8035a1bc>]": "Call Trace: [<8035a1bc>]",
    }
    text = reworded(text, m68k)
    return re.sub(r"^(\[[ \d.]+\]) (\[<)", r"\1  \2", text, flags=re.M)


@pytest.mark.parametrize(
    ("vector", "bug_line", "title"),
    [
        ("ILLEGAL INSTRUCTION", False, "ILLEGAL INSTRUCTION"),
        ("ZERO DIVIDE", False, "ZERO DIVIDE"),
        ("ADDRESS ERROR", False, "ADDRESS ERROR"),
        ("Exception 60", False, "Exception NUM"),
        # BUG(): "kernel BUG at" then __builtin_trap()'s "trap #7"
        ("TRAP #7", True, "kernel BUG"),
        ("TRAP #7", False, "kernel BUG"),
    ],
)
def test_an_m68k_trap_in_supervisor_mode_is_a_report(
    vector: str, bug_line: bool, title: str
) -> None:
    """m68k's bad_super_trap() line "*** <vector> ***   FORMAT=<n>" is a report, titled
    by the vector's name in the PC line's function; BUG()'s "TRAP #7" is that BUG,
    after its "kernel BUG at" line one report with it. (Seen on m68k mailing lists and
    in stable: ColdFire flexcan and fsl-edma "ZERO DIVIDE", mcf5208evb "ILLEGAL
    INSTRUCTION", ARAnyM slab "TRAP #7", qemu-system-m68k "ADDRESS ERROR".)"""
    (want,) = parse_log((DATA / "mips-4.19-oops.log").read_bytes())
    (rep,) = parse_log(_m68k_bad_super_trap(vector, bug_line).encode())
    assert rep.title == f"{title} in sysrq_handle_crash"
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None and rep.rip.function == "sysrq_handle_crash"
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.comm, rep.pid) == ("sh", 1377)


def test_an_m68k_jump_to_nowhere_is_titled_by_the_first_trace_entry() -> None:
    """m68k's show_registers() prints "PC: [<%08lx>] %pS"; a jump through a NULL function
    pointer leaves "%pS" the bare address, "PC: [<00000000>] 0x0" (Guenter Roeck's
    mcf5208evb fec_ptp report, 2024). The line names no function: the title comes from
    show_trace()'s first entry, which pr_cont() put on the "Call Trace:" line (as the
    trace x86 titles after "RIP: 0010:0x0")."""
    text = _m68k_bad_super_trap("ILLEGAL INSTRUCTION", False)
    text = reworded(text, {"PC: [<8035a1bc>] sysrq_handle_crash+0x1c/0x28": "PC: [<00000000>] 0x0"})
    (rep,) = parse_log(text.encode())
    assert rep.title == "ILLEGAL INSTRUCTION in sysrq_handle_crash"
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is None


def _arc_trace(text: str) -> str:
    """``text`` with its MIPS "Call Trace:" in ARC's wording: arch/arc/kernel/stacktrace.c
    show_stacktrace() prints pr_info("\\nStack Trace:\\n"), then __print_sym() each
    entry as printk("  %pS\\n"), no address before the function."""
    text = reworded(text, {"] Call Trace:": "] Stack Trace:"})
    return re.sub(r"^(\[[ \d.]+\]) \[<[0-9a-f]+>\] ", r"\1   ", text, flags=re.M)


def _arc_oops(die: str) -> str:
    """The recorded MIPS oops (32-bit, the same entries) in ARC's wording: arch/arc's
    die() (traps.c) calls show_kernel_fault_diag() (troubleshoot.c), which prints
    pr_info("\\n%s\\n", str), the die words alone on their line (do_page_fault()'s
    "Oops" for a kernel page fault), then show_regs(): "Path: %s", the task line,
    show_ecr_verbose()'s "Invalid Write @ 0x%08lx by insn @ %pS", "ECR: ... EFA: ...
    ERET: ...", "STAT: ...", " SP: ... BLK: %pS" (the return address) and the registers;
    then, for a fault in kernel mode, show_stacktrace()'s trace. ARC prints no "[#n]"
    die counter, no "Unable to handle" line, no modules, code or end-of-trace line."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    text = reworded(
        text,
        {
            "CPU 0 Unable to handle kernel paging request at virtual address 00000000, "
            "epc == 8035a1bc, ra == 8035a7d4\n": "\n",
            "] Oops[#1]:": f"] {die}\n[  301.453212] Path: /bin/busybox",
            "] $ 0   : 00000000 00000001 00000001 00000000": (
                "] Invalid Write @ 0x00000000 by insn @ sysrq_handle_crash+0x1c/0x28"
            ),
            "] $ 4   : 00000063 00000000 00000000 00000000": (
                "] ECR: 0x00050200 EFA: 0x00000000 ERET: 0x8035a1bc\n"
                "[  301.469316] STAT: 0x80080802 [IE K     ]   BTA: 0x8035a7d4\n"
                "[  301.469316]  SP: 0x8f4c5d80  FP: 0x00000000 BLK: __handle_sysrq+0xb8/0x1b8"
            ),
        },
    )
    kept = [
        line
        for line in text.splitlines()
        if not re.match(
            r"\[[ \d.]+\] (?:Hi |Lo |epc |ra |Status|Cause|BadVA|PrId|Process|Stack :|  |"
            r"Modules|Code:|---\[ end)",
            line,
        )
    ]
    return _arc_trace("\n".join(kept) + "\n")


def test_an_arc_oops_is_a_report_titled_by_its_trace() -> None:
    """An ARC kernel oops is the die words alone on a line, "Oops", and show_regs() after
    them: a bad access, titled as the other architectures' by the function it faulted in,
    the first entry of its "Stack Trace:", whose "  %pS" entries are its frames."""
    (want,) = parse_log((DATA / "mips-4.19-oops.log").read_bytes())
    text = _arc_oops("Oops")
    assert "Oops[" not in text and "Call Trace" not in text and "[<" not in text
    (rep,) = parse_log(text.encode())
    assert rep.title == want.title, rep.title
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release) == (
        "sh",
        1377,
        0,
        "4.19.0-26-4kc-malta",
    )


def test_an_arc_oops_names_its_faulting_function_from_its_tlb_miss_line() -> None:
    """ARC show_regs() prints the faulting pc as a bare "ERET: 0x%08lx"; the line before,
    show_ecr_verbose()'s "Invalid %s @ 0x%08lx by insn @ %pS" for a data TLB miss (the
    kernel access do_page_fault() could not fix up), names its function: the report's
    RIP, as MIPS's "epc" line is the recorded oops's. It was none (the report of a
    5.6 ARC boot on QEMU in foss-for-mips-arc-processors/qemu issue 57)."""
    (want,) = parse_log((DATA / "mips-4.19-oops.log").read_bytes())
    (rep,) = parse_log(_arc_oops("Oops").encode())
    assert want.rip is not None and rep.rip is not None
    assert rep.rip.function == want.rip.function == "sysrq_handle_crash"
    assert (rep.rip.offset, rep.rip.size) == (0x1C, 0x28)


def test_an_arc_user_space_fault_is_no_report() -> None:
    """kernel/signal.c print_fatal_signal() (print-fatal-signals=1) prints "potentially
    unexpected fatal signal %d." and ARC's show_regs(), "Path: " and all: a program's
    crash, whose kernel goes on."""
    text = _arc_oops("potentially unexpected fatal signal 11.")
    text = text[: text.index("Stack Trace:")]
    assert parse_log(text.encode()) == []


def test_an_arc_warning_reads_its_stack_trace() -> None:
    """A WARN on ARC dumps the stack through show_stacktrace() too: its "Stack Trace:"
    heads the warning's frames, as "Call Trace:" does on MIPS."""
    (want,) = parse_log((DATA / "mipsel-6.1.0-50-mod-warn.log").read_bytes())
    text = _arc_trace((DATA / "mipsel-6.1.0-50-mod-warn.log").read_text())
    (rep,) = parse_log(text.encode())
    assert rep.title == want.title
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert rep.frames


@pytest.mark.parametrize(
    ("words", "address", "joined", "title"),
    [
        ("access", "0x7fc60f58", False, "paging request"),
        ("access", "0x7fc60f58", True, "paging request"),
        ("NULL pointer dereference", "0x00000000", False, "NULL pointer dereference"),
    ],
)
def test_an_openrisc_oops_is_a_bad_access_in_its_first_entry(
    words: str, address: str, joined: bool, title: str
) -> None:
    """OpenRISC's mm/fault.c prints "Unable to handle kernel access" (an address past the
    first page), then " at virtual address 0x%08lx" without KERN_CONT (a line of its own
    since 4.9's printk, the same line before), and die("Oops"): traps.c die() prints
    "%s#: %04lx" and show_registers(): "CPU #: %d", "   PC: %08lx" (no symbol), the
    GPRs, "Process %s (pid: %d, stackpage=%08lx)", then the stack and show_stack()'s
    "Call trace:" of "[<%p>] %pS" entries. The recorded MIPS oops (32-bit, the same
    entries) in those words is a bad access in its trace's first function."""
    (want,) = parse_log((DATA / "mips-4.19-oops.log").read_bytes())
    stamp = "[  301.442317] "
    fault = f"Unable to handle kernel {words}" + (
        f" at virtual address {address}" if joined else f"\n{stamp} at virtual address {address}"
    )
    kept = []
    for line in (DATA / "mips-4.19-oops.log").read_text().splitlines():
        body = line.partition("] ")[2]
        if body.startswith("CPU 0 Unable to handle"):
            kept.append(stamp + fault)
        elif body == "Oops[#1]:":
            kept += [stamp, stamp + "Oops#: 0001"]
        elif body.startswith("CPU: 0 PID:"):
            kept += [stamp + "CPU #: 0", stamp + "   PC: 8035a1bc    SR: 0000807f    SP: 8f4c5d80"]
        elif body.startswith("Process sh"):
            kept += [stamp + "Process sh (pid: 1377, stackpage=8f4c4000)", stamp, stamp + "Stack: "]
        elif body == "Call Trace:":
            kept.append(stamp + "Call trace:")
        elif body.startswith("[<") or body.startswith("Code:"):
            kept.append(line)
    (rep,) = parse_log(("\n".join(kept) + "\n").encode())
    assert rep.title == f"BUG: unable to handle kernel {title} in sysrq_handle_crash"
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 1377, 0)


def _parisc_regs(stamp: str, task: str, iaoq: str, rp: str, trace: list[str]) -> list[str]:
    """arch/parisc/kernel/traps.c show_regs() of a fault in the kernel: the task line
    (show_regs_print_info()), print_gr()'s PSW bits and registers, the space registers,
    "IASQ: ... IAOQ: ...", " IIR: ...", " CPU: %8d   CR30: ...", " ORIG_R28: ...", then
    " IAOQ[0]: %pS", " IAOQ[1]: %pS", " RP(r2): %pS" and parisc_show_stack()'s
    "Backtrace:" of " [<%016lx>] %pS" entries, which starts at the caller (its loop
    unwinds once before printing), and a blank line."""
    lines = [
        task,
        "",
        "     YZrvWESTHLNXBCVMcbcbcbcbOGFRQPDI",
        "PSW: 00001000000001001111111100001111 Not tainted",
        "r00-03  000000ff0804ff0f 0000000040c9e460 00000000404b6a40 0000000041d2c8a0",
        "sr00-03  0000000000000000 0000000000000000 0000000000000000 0000000000000000",
        "",
        "IASQ: 0000000000000000 0000000000000000 IAOQ: 00000000404b6a54 00000000404b6a58",
        " IIR: 0ee01284    ISR: 0000000000000000  IOR: 0000000000000000",
        " CPU:        0   CR30: 0000000041550000 CR31: ffffffffffffffff",
        " ORIG_R28: 0000000000000000",
        f" IAOQ[0]: {iaoq}",
        f" IAOQ[1]: {iaoq}",
        f" RP(r2): {rp}",
        "Backtrace:",
        *trace,
        "",
    ]
    return [stamp + line for line in lines]


def _parisc_report(name: str, head: list[str]) -> tuple[str, Report]:
    """The recorded MIPS report ``name`` with its die line and registers in parisc's
    wording, ``head`` (stamped) before the register dump; and the MIPS report."""
    text = (DATA / f"{name}.log").read_text()
    (want,) = parse_log(text.encode())
    stamp = text.partition("] ")[0] + "] "
    task = next(line.partition("] ")[2] for line in text.splitlines() if "Comm: " in line)
    pc = next(line.split()[-1] for line in text.splitlines() if "] epc   :" in line)
    rp = next(line.split()[-1] for line in text.splitlines() if "] ra    :" in line)
    entries = [line.partition("] ")[2] for line in text.splitlines() if "] [<" in line]
    trace = [" [<00000000" + e[2:] for e in entries[1:]]
    lines = [stamp + h for h in head] + _parisc_regs(stamp, task, pc, rp, trace)
    return "\n".join(lines) + "\n", want


def test_a_parisc_kernel_fault_is_titled_by_its_iaoq() -> None:
    """parisc's mm/fault.c no_context: parisc_terminate("Bad Address (null pointer
    deref?)", ...) (traps.c) prints a backtrace, then "%s: Code=%d (%s) at addr " RFMT
    (the trap's number and trap_name()), show_regs() and panic(msg). The faulting
    function is show_regs()'s "IAOQ[0]: %pS"."""
    trace = []
    text, want = _parisc_report("mips-4.19-oops", [])
    for line in text.splitlines():
        if "] Backtrace:" in line or (trace and "] " in line):
            trace.append(line)
    stamp = text.partition("] ")[0] + "] "
    head = [
        *[t.partition("] ")[2] for t in trace],
        "Bad Address (null pointer deref?): Code=15 (Data TLB miss fault) at addr 0000000000000000",
    ]
    text, _ = _parisc_report("mips-4.19-oops", head)
    text += stamp + "Kernel panic - not syncing: Bad Address (null pointer deref?)\n"
    (rep,) = parse_log(text.encode())
    assert rep.title == "BUG: unable to handle kernel paging request in sysrq_handle_crash"
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None and rep.rip.function == "sysrq_handle_crash"
    assert [f.function for f in rep.frames] == [f.function for f in want.frames][1:]
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release) == (
        want.comm,
        want.pid,
        want.cpu,
        want.kernel_release,
    )


@pytest.mark.parametrize(
    "fault",
    [
        "Kernel Fault: Code=15 (Data TLB miss fault) at addr 0000000000000000",
        "Kernel Fault: Code=26 (Data memory access rights trap) at addr 00000000000007d0",
        # 2.6.x-3.x parisc_terminate()
        "Kernel Fault: Code=26 regs=00000040bf1807d0 (Addr=0000000000000000)",
    ],
)
def test_a_parisc_kernel_fault_is_a_bad_access(fault: str) -> None:
    """parisc's handle_interruption() (traps.c) ends a kernel TLB miss or access rights
    trap on the kernel's own space that no fixup takes in parisc_terminate("Kernel
    Fault", ...): the bad access mm/fault.c's "Bad Address" is, in the function
    "IAOQ[0]: %pS" names. (Seen in linux-parisc and linux-mm reports: 2.6.3x, 5.18,
    6.3 boots and oopses.)"""
    text, want = _parisc_report("mips-4.19-oops", [fault])
    (rep,) = parse_log(text.encode())
    assert rep.title == "BUG: unable to handle kernel paging request in sysrq_handle_crash"
    assert rep.type == "MEMORY_SAFETY_BUG"
    assert not rep.corrupted, rep.corrupted_reason
    assert (rep.comm, rep.pid, rep.cpu) == (want.comm, want.pid, want.cpu)


def test_a_parisc_trap_in_the_kernel_is_titled_by_its_words() -> None:
    """parisc's die_if_kernel() (traps.c) of a trap in the kernel prints its cow, then
    "%s (pid %d): %s (code %ld)", the task, the trap's words and number, then
    show_regs(). (A user program's trap adds " at <iaoq>" and is no report.)"""
    head = [
        "      _______________________________ ",
        "     < Your System ate a SPARC! Gah! >",
        "      ------------------------------- ",
        "sh (pid 1377): Illegal instruction (code 8)",
    ]
    text, want = _parisc_report("mips-4.19-oops", head)
    (rep,) = parse_log(text.encode())
    assert rep.title == "Illegal instruction in sysrq_handle_crash"
    assert not rep.corrupted, rep.corrupted_reason
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 1377, 0)
    user = text.replace("(code 8)", "(code 8) at 00000000404b6a54")
    user = "\n".join(line for line in user.splitlines() if "IAOQ[" not in line and "[<" not in line)
    assert parse_log(user.encode()) == []


def test_a_parisc_bug_is_titled_by_its_iaoq() -> None:
    """parisc's handle_break() of a BUG(): report_bug()'s "kernel BUG at file:line!",
    then die_if_kernel() with code 0, which prints no line of its own: show_regs() names
    the function in "IAOQ[0]: %pS"."""
    text, want = _parisc_report(
        "mips-4.19-bug",
        ["------------[ cut here ]------------", "kernel BUG at net/core/dev.c:8123!"],
    )
    (rep,) = parse_log(text.encode())
    assert rep.title == want.title
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None and rep.rip.function == "unregister_netdevice_queue"


def test_a_parisc_fault_at_a_bare_iaoq_is_titled_by_its_return_pointer() -> None:
    """A jump to 0 (a NULL function pointer, a return through a clobbered r2): show_regs()
    prints " IAOQ[0]: %pS" of an address kallsyms does not know, bare ("IAOQ[0]: 0x0"),
    and do_show_stack() finds no frame to unwind from it, its "Backtrace:" empty. Its
    " RP(r2): %pS" (6.1 arch/parisc/kernel/traps.c show_regs()) names the code that
    branched there (John David Anglin's 6.2-rc8 "Kernel Fault: Code=15" at IAOQ 0 on
    the io-uring list, RP intr_check_sig). Still corrupted: the trace is lost."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    stamp = text.partition("] ")[0] + "] "
    task = next(line.partition("] ")[2] for line in text.splitlines() if "Comm: " in line)
    rp = next(line.split()[-1] for line in text.splitlines() if "] ra    :" in line)
    fault = "Kernel Fault: Code=15 (Data TLB miss fault) at addr 0000000000000000"
    lines = [stamp + "Backtrace:", stamp, stamp + fault]
    lines += _parisc_regs(stamp, task, "0x0", rp, [])
    (rep,) = parse_log(("\n".join(lines) + "\n").encode())
    assert rep.title == "BUG: unable to handle kernel paging request in __handle_sysrq"
    assert rep.alt_titles == ["bad-access in __handle_sysrq"]
    assert rep.corrupted
    assert rep.rip is None and rep.frames == []
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 1377, 0)


def _pasted_indented(text: str) -> str:
    """``text`` as a mail or a Markdown code block quotes a console: each line without its
    printk time, four spaces in."""
    return "".join("    " + line.partition("] ")[2] + "\n" for line in text.splitlines())


def _parisc_fault() -> str:
    """The recorded MIPS oops as parisc_terminate() prints a kernel fault (see
    test_a_parisc_kernel_fault_is_titled_by_its_iaoq)."""
    stamp = "[  301.442317] "
    text, _ = _parisc_report("mips-4.19-oops", [])
    trace = [t.partition("] ")[2] for t in text.splitlines() if t.startswith(stamp + " [<")]
    head = [
        "Backtrace:",
        *trace,
        "Bad Address (null pointer deref?): Code=15 (Data TLB miss fault) at addr 0000000000000000",
    ]
    text, _ = _parisc_report("mips-4.19-oops", head)
    return text + stamp + "Kernel panic - not syncing: Bad Address (null pointer deref?)\n"


def _parisc_trap() -> str:
    """The recorded MIPS oops as parisc's die_if_kernel() prints a trap (see
    test_a_parisc_trap_in_the_kernel_is_titled_by_its_words)."""
    return _parisc_report("mips-4.19-oops", ["sh (pid 1377): Illegal instruction (code 8)"])[0]


def _sparc64_trap() -> str:
    """The recorded arm64 module oops as sparc64's die_if_kernel() prints a trap (see
    test_a_sparc64_die_line_alone_is_a_report)."""
    text = _sparc64_oops(True)
    text = "\n".join(
        line for line in text.splitlines() if "NULL pointer" not in line and "tsk->" not in line
    )
    return reworded(text, {"sh(88): Oops [#1]": "sh(88): Kernel illegal instruction [#1]"})


@pytest.mark.parametrize("build", [_parisc_fault, _parisc_trap, _sparc64_trap])
def test_a_die_line_that_starts_with_its_words_is_read_in_an_indented_paste(
    build: Callable[[], str],
) -> None:
    """A log pasted as an indented block (a mail's, a Markdown code block's): parisc's
    parisc_terminate() line "%s: Code=%d (%s) at addr ..." and die_if_kernel() line "%s
    (pid %d): %s (code %ld)", sparc64's die_if_kernel() line "%s(%d): %s [#%d]", start
    with the die words or the task's name, after the paste's indent: the same report as
    the console's lines give. (Seen on linux-parisc: a 6.3 C3600 "Kernel Fault" boot
    log quoted four spaces in, read as its panic line alone.)"""
    text = build()
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(_pasted_indented(text).encode())
    assert not want.corrupted
    assert (rep.title, rep.corrupted, rep.comm, rep.pid) == (
        want.title,
        want.corrupted,
        want.comm,
        want.pid,
    )
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]


def _mips_oops_reworded(
    oops: list[str],
    trace: list[str],
    entry: Callable[[str, str], list[str]],
    code: str | None = None,
) -> tuple[Report, Report]:
    """The recorded MIPS oops (mips-4.19-oops) and the same oops in another
    architecture's words: its fault line as mm/fault.c's "Unable to handle kernel paging
    request at virtual address %016lx", ``oops`` for its "Oops[#1]:" line, ``trace`` for
    its "Call Trace:" line, ``entry(line, text)`` for each trace entry, ``code`` for its
    "Code:" line (none when None); each new line with the oops's printk time."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    (want,) = parse_log(text.encode())
    stamp = "[  301.442317] "
    out = []
    for line in text.splitlines():
        body = line.partition("] ")[2]
        if body.startswith("CPU 0 Unable to handle"):
            out.append(
                stamp + "Unable to handle kernel paging request at virtual address 0000000000000000"
            )
        elif body == "Oops[#1]:":
            out += [stamp + words for words in oops]
        elif body == "Call Trace:":
            out += [stamp + words for words in trace]
        elif body.startswith("[<"):
            out += entry(line, body)
        elif body.startswith("Code:") and code is not None:
            out.append(stamp + code)
    (rep,) = parse_log(("\n".join(out) + "\n").encode())
    return want, rep


def _assert_reads_as_the_mips_oops(want: Report, rep: Report) -> None:
    assert rep.title == want.title
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None and rep.rip.function == "sysrq_handle_crash"
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 1377, 0)


def test_an_alpha_oops_reads_its_pc_line_task_and_trace() -> None:
    """alpha's mm/fault.c prints "Unable to handle kernel paging request at virtual
    address %016lx", then die_if_kernel("Oops", ...) (traps.c): "CPU %d " on SMP and
    "%s(%d): %s %ld" (task, pid, words, cause), dik_show_regs()'s "pc = [<%016lx>]  ra =
    [<%016lx>]  ps = %04lx    %s", "pc is at %pSR", "ra is at %pSR" and the registers,
    then dik_show_trace()'s "Trace:" and "[<%lx>] %pSR" entries. The recorded MIPS oops
    in those words."""
    want, rep = _mips_oops_reworded(
        [
            "CPU 0 sh(1377): Oops 1",
            "pc = [<fffffc000035a1bc>]  ra = [<fffffc000035a7d4>]  ps = 0000    Not tainted",
            "pc is at sysrq_handle_crash+0x1c/0x28",
            "ra is at __handle_sysrq+0xb8/0x1b8",
            "v0 = 0000000000000000  t0 = 0000000000000001  t1 = 0000000000000001",
        ],
        ["Trace:"],
        lambda line, _: [line],
        "Code: 47ff041f  2ffe0000  47ff041f  <b0220000>  6bfa8001",
    )
    _assert_reads_as_the_mips_oops(want, rep)


def test_an_ia64_oops_reads_its_ip_line_task_and_trace() -> None:
    """ia64's mm/fault.c prints "Unable to handle kernel paging request at virtual
    address %016lx", then die("Oops", ...) (traps.c): "%s[%d]: %s %ld [%d]" (task, pid,
    words, error, counter), show_regs() (process.c, 2.6): print_modules(), "Pid: %d, CPU
    %d, comm: %20s", "psr : ... ifs : ... ip  : [<%016lx>]    %s" (the taint), "ip is at
    %s" (print_symbol()), the registers, then ia64_do_show_stack()'s "Call Trace:" of "
    [<%016lx>] %s" entries, each followed by its "sp=... bsp=..." line. The recorded
    MIPS oops in those words."""
    stamp = "[  301.442317] "
    want, rep = _mips_oops_reworded(
        [
            "sh[1377]: Oops 11012296146944 [1]",
            "Modules linked in: nf_tables nfnetlink",
            "",
            "Pid: 1377, CPU 0, comm:                   sh",
            "psr : 0000101008526030 ifs : 8000000000000508 ip  : "
            "[<a00000010035a1bc>]    Not tainted",
            "ip is at sysrq_handle_crash+0x1c/0x28",
            "unat: 0000000000000000 pfs : 0000000000000508 rsc : 0000000000000003",
        ],
        ["", "Call Trace:"],
        lambda _, body: [
            f"{stamp} [<a0000001{body[2:]}",
            stamp + "                                sp=e0000040ffe0fd50 bsp=e0000040ffe08e68",
        ],
    )
    _assert_reads_as_the_mips_oops(want, rep)


def _sh_die(name: str, die: str, task: str = "sh (pid: 1377") -> str:
    """A recorded MIPS oops (32-bit, the same entries) in SuperH's wording: arch/sh's
    die() (traps.c) prints "%s: %04lx [#%d]" (the die words, the exception vector, the
    counter), print_modules() and show_regs() (process_32.c): show_regs_print_info()'s
    task line, "PC is at %pS", "PR is at %pS" (the return address), "PC  : %08lx SP  :
    ..." and the registers, then show_trace() (dumpstack.c): "Call trace:" and
    print_trace_address()'s " [<%p>] %pS" entries; then die()'s "Process: %s (pid: %d,
    stack limit = %p)"."""
    text = (DATA / f"{name}.log").read_text()
    out: list[str] = []
    modules = ""
    for line in text.splitlines():
        stamp, _, body = line.partition("] ")
        stamp += "] "
        if body.startswith("Modules linked in:"):
            modules = body
            continue
        if body.startswith(("CPU 0 Unable to handle", "Hi ", "Lo ", "$ ", "Status", "Cause")):
            continue
        if body.startswith(("BadVA", "PrId", "Stack :", "  ", "Code:", "---[ end")):
            continue
        if body in ("Oops[#1]:", "Kernel bug detected[#1]:"):
            out += [stamp + die, stamp + modules, stamp]
        elif body.startswith("epc   : "):
            out.append(stamp + "PC is at " + body.split()[3])
        elif body.startswith("ra    : "):
            out.append(stamp + "PR is at " + body.split()[3])
            out.append(stamp + "PC  : 8035a1bc SP  : 8f4c5d80 SR  : 400080f0 TEA : 00000000")
        elif body.startswith("Process "):
            continue
        elif body == "Call Trace:":
            out.append(stamp + "Call trace:")
        elif body.startswith("[<"):
            out.append(f"{stamp} {body}")
        else:
            out.append(line)
    out.append(out[-1].partition("] ")[0] + f"] Process: {task}, stack limit = 8f4c4001)")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(
    "die", ["illegal slot instruction: 01a0 [#1]", "reserved instruction: 0180 [#1]"]
)
def test_a_superh_trap_in_the_kernel_is_titled_by_its_name(die: str) -> None:
    """SuperH's traps_32.c do_illegal_slot_inst() and do_reserved_inst() die in the
    kernel with their own words: a report, titled by them and show_regs()'s "PC is at"."""
    (want,) = parse_log((DATA / "mips-4.19-oops.log").read_bytes())
    text = _sh_die("mips-4.19-oops", die)
    assert "PC is at sysrq_handle_crash+0x1c/0x28" in text and "epc" not in text
    (rep,) = parse_log(text.encode())
    assert rep.title == die.split(":")[0] + " in sysrq_handle_crash"
    assert not rep.corrupted, rep.corrupted_reason
    assert rep.rip is not None and rep.rip.function == "sysrq_handle_crash"
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 1377, 0)


@pytest.mark.parametrize("padded", [" " * 18 + "sh", "\t\tsh"])
def test_an_older_superh_register_dump_names_task_cpu_and_release(padded: str) -> None:
    """SuperH's show_regs() before dump_stack_print_info() (2.6.x-3.x process_32.c)
    prints "Pid : %d, Comm: %20s" (later "Pid : %d, Comm: \\t\\t%s") and "CPU : %d
    \\t\\t%s  (%s %.*s)", the taint, release and build; die() then prints "Process: %s
    (pid: %d, stack limit = %p)". The task, its CPU and the release are those lines'."""
    text = _sh_die("mips-4.19-oops", "illegal slot instruction: 01a0 [#1]")
    header = "CPU: 0 PID: 1377 Comm: sh Not tainted 4.19.0-26-4kc-malta #1 Debian 4.19.304-1"
    older = f"Pid : 1377, Comm: {padded}\n[  301.455589] CPU : 0        \t\tNot tainted  (4.19.0-26-4kc-malta #1)"
    (rep,) = parse_log(reworded(text, {header: older}).encode())
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 1377, 0)
    assert rep.title == "illegal slot instruction in sysrq_handle_crash"


def test_a_superh_bug_is_one_report() -> None:
    """SuperH's handle_BUG() (traps.c) dies "Kernel BUG" after report_bug()'s "kernel BUG
    at file:line!": "Kernel BUG: 003e [#1]", part of that report, as MIPS's "Kernel bug
    detected[#1]:" is."""
    (want,) = parse_log((DATA / "mips-4.19-bug.log").read_bytes())
    text = _sh_die("mips-4.19-bug", "Kernel BUG: 003e [#1]", "ip (pid: 1612")
    stamp = "[  412.101442] "
    text = text.replace(
        stamp + "Kernel BUG",
        f"{stamp}------------[ cut here ]------------\n"
        f"{stamp}kernel BUG at net/core/dev.c:8123!\n{stamp}Kernel BUG",
    )
    (rep,) = parse_log(text.encode())
    assert rep.title == want.title
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]


def _xtensa_die(die: str, fault: bool) -> str:
    """The recorded MIPS oops (32-bit, the same entries) in xtensa's wording, line by line
    as arch/xtensa prints it: mm/fault.c bad_page_fault() (with ``fault``) pr_alert()s
    "Unable to handle kernel paging request at virtual address %08lx\\n pc = %08lx, ra =
    %08lx"; traps.c die() prints "%s: sig: %ld [#%d]%s" (``die``), show_regs():
    show_regs_print_info()'s task line, "a%02d:" and eight " %08lx" a row, "pc: %08lx,
    ps: ..., depc: ..., excvaddr: ...", "lbeg: ..."; then show_stack(): "Stack:", its
    hex dump and show_trace()'s "Call Trace:" of " [<%08lx>] %pB" entries, which start
    at the faulting function's return address: at its caller."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    out: list[str] = []
    for line in text.splitlines():
        stamp, _, body = line.partition("] ")
        stamp += "] "
        if body.startswith("CPU 0 Unable to handle"):
            if fault:
                out.append(
                    stamp + "Unable to handle kernel paging request at virtual address 00000000"
                )
                out.append(stamp + " pc = d035a1bc, ra = 9035a7d4")
        elif body == "Oops[#1]:":
            out.append(stamp + die)
        elif body.startswith("CPU: "):
            regs = (
                "a00: 9035a7d4 d7a2fd80 00000063 00000000 00000000 00000000 00000001 d0690000",
                "a08:" + " 00000000" * 8,
                "pc: d035a1bc, ps: 00060f30, depc: 00000007, excvaddr: 00000000",
                "lbeg: d0123456, lend: d012346a lcount: 00000000, sar: 00000010",
            )
            out += [line, *(stamp + r for r in regs)]
        elif body.startswith("Stack :"):
            out.append(stamp + "Stack:")
            out.append(stamp + " " + body.removeprefix("Stack : "))
        elif body == "Call Trace:":
            out.append(line)
        elif body.startswith("[<") and "sysrq_handle_crash" not in body:
            out.append(f"{stamp} [<d{body[3:]}")
        elif body.startswith("---[ end"):
            out.append(line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize(
    ("die", "fault", "title"),
    [
        ("Oops: sig: 9 [#1] PREEMPT", True, "BUG: unable to handle kernel paging request"),
        ("Oops: sig: 9 [#1]", False, "BUG: unable to handle kernel paging request"),
        ("Illegal instruction in kernel: sig: 9 [#1] PREEMPT", False, ""),
        ("Unhandled unaligned exception in kernel: sig: 9 [#1]", False, ""),
        ("Caught unhandled exception - should not happen: sig: 9 [#1]", False, ""),
    ],
)
def test_an_xtensa_die_is_a_report_titled_by_its_trace(die: str, fault: bool, title: str) -> None:
    """xtensa's die() line "<words>: sig: <n> [#<n>]" is a report: a bad access where
    it dies "Oops" (after bad_page_fault()'s line, part of that report, or alone), else
    the trap's own words; show_regs() prints the PC with no symbol, so the function is
    the trace's first entry."""
    (want,) = parse_log((DATA / "mips-4.19-oops.log").read_bytes())
    (rep,) = parse_log(_xtensa_die(die, fault).encode())
    words = title or die.partition(": sig: ")[0]
    assert rep.title == f"{words} in __handle_sysrq"
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames][1:]
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release) == (
        "sh",
        1377,
        0,
        want.kernel_release,
    )


def test_an_arc_trace_under_its_stack_trace_header_titles_the_report() -> None:
    """ARC has no show_regs() in a WARN: __warn() calls dump_stack(), whose show_stack()
    is arch/arc/kernel/stacktrace.c show_stacktrace(): printk("%s\\nStack Trace:\\n")
    (an empty line, then the header) and each entry as "  %pS" from __print_sym(). The
    recorded arm64 WARN (its entries are "%pS" too) without its register dump and with
    ARC's header and indent is that WARN, titled and framed by its trace. The trace
    starts in the unwinder itself (arc_unwind_core(), called with no registers, unwinds
    from its own frame), which names no culprit: the title passes over it."""
    name = "arm64-6.1.0-50-mod-warn"
    text = (DATA / f"{name}.log").read_text()
    registers = re.compile(r"^\[ *[\d.]+\] (?:pstate|pc |lr |sp |x\d).*\n", re.M)
    assert registers.search(text)
    text = registers.sub("", text)
    header = "[    2.122733] Call trace:"
    arc_header = (
        "[    2.122733] \n[    2.122733] Stack Trace:\n[    2.122733]  arc_unwind_core+0xe8/0x118"
    )
    text = reworded(text, {header: arc_header})
    text = re.sub(r"^(\[ *[\d.]+\])  (?=\w)", r"\1   ", text, flags=re.M)
    (want,) = parse_log((DATA / f"{name}.log").read_bytes())
    (rep,) = parse_log(text.encode())
    assert rep.title == want.title == EXPECTED[name]["title"]
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == ["arc_unwind_core"] + [
        f.function for f in want.frames
    ]
    assert (rep.comm, rep.pid, rep.cpu, rep.taint) == (want.comm, want.pid, want.cpu, want.taint)


@pytest.mark.parametrize(
    "name", ["arm64-6.1.0-50-mod-null", "armhf-6.1.0-50-mod-warn", "s390x-6.1.0-50-sysrq-crash"]
)
def test_a_log_pasted_without_its_line_breaks_reads_as_the_log(name: str) -> None:
    """A log pasted into a page or form that joined its lines with spaces (issue trackers
    show such pastes): printk begins every record with its "[%5lu.%06lu]" time, so the
    line holds one record per time. The crash is the recorded log's, frames and all, on
    the one line it now is."""
    text = (DATA / f"{name}.log").read_text()
    stamped = [ln for ln in text.splitlines() if re.match(r"\[ *\d+\.\d{6}\] ", ln)]
    flat = " ".join(stamped) + "\n"
    (want,) = parse_log("\n".join(stamped).encode())
    (rep,) = parse_log(flat.encode())
    assert _facts([rep]) == _facts([want])
    assert (rep.start_line, rep.end_line) == (1, 1) and rep.frames
    (as_str,) = parse_log(flat)
    assert _facts([as_str]) == _facts([want]) and (as_str.start, as_str.end) == (rep.start, rep.end)


def _stopped_by_tagged_panic(taint: str, later: float) -> list[str]:
    """armhf 6.1's SysRq panic as a console with printk's caller id prints it, pasted from
    its panic line (its own "CPU: 1 PID: 1 Comm: init" header lost, as in
    GrapheneOS/os-issue-tracker#4475): init's lines "[    T1]", those of CPU 0, which the
    panic stopped (arch/arm/kernel/smp.c ipi_cpu_stop(): "CPU%u: stopping" and
    dump_stack()), "[    C0]", ``later`` seconds later, their header's "Not tainted"
    replaced by ``taint``."""
    text = (DATA / "armhf-6.1.0-50-sysrq-crash.log").read_text()
    lines = text.splitlines()
    panic = next(i for i, ln in enumerate(lines) if "Kernel panic - not syncing" in ln)
    stop = next(i for i, ln in enumerate(lines) if ln.endswith("] CPU0: stopping"))
    assert lines[panic + 1].endswith(
        "] CPU: 1 PID: 1 Comm: init Not tainted 6.1.0-50-armmp #1  Debian 6.1.176-1"
    )

    def tagged(line: str, caller: str, shift: float) -> str:
        m = re.match(r"\[ *(\d+\.\d{6})\]", line)
        assert m is not None
        return f"[{float(m[1]) + shift:12.6f}][{caller:>6}]{line[m.end() :]}"

    own = [tagged(ln, "T1", 0.0) for ln in [lines[panic], *lines[panic + 2 : stop]]]
    dump = [tagged(ln.replace("Not tainted", taint), "C0", later) for ln in lines[stop:]]
    return [*own, *dump]


@pytest.mark.parametrize(
    ("taint", "later", "release", "flags"),
    [
        ("Not tainted", 0.0, "6.1.0-50-armmp", None),
        ("Tainted: G      D", 0.0, "6.1.0-50-armmp", "G      D"),
        # past the second arm64's smp_send_stop() waits: no dump of this panic's
        ("Tainted: G      D", 2.0, None, None),
    ],
)
def test_a_tagged_panic_without_its_header_names_the_kernel_of_the_cpus_it_stopped(
    taint: str, later: float, release: str | None, flags: str | None
) -> None:
    """A panic pasted without its task header (GrapheneOS/os-issue-tracker#4475, a Pixel's
    panic by "[ T1668]" and then "[ C7]"'s debug-snapshot IPI-stop dump_stack(): "CPU: 7
    PID: 0 Comm: swapper/7 Tainted: G D W O 5.10.226-android13-...") takes the release
    and taint of a stopped CPU's header, as it does where no caller id parts their lines
    (fields.own_cpu_lines), and never that CPU's task."""
    reps = parse_log(("\n".join(_stopped_by_tagged_panic(taint, later)) + "\n").encode())
    rep = reps[0]
    assert rep.title == "kernel panic: sysrq triggered crash"
    assert (rep.kernel_release, rep.taint) == (release, flags)
    assert (rep.cpu, rep.pid, rep.comm) == (None, None, None)
    if not later:
        untagged = [
            re.sub(r"\]\[ *[CT]\d+\]", "]", ln) for ln in _stopped_by_tagged_panic(taint, 0)
        ]
        want = parse_log(("\n".join(untagged) + "\n").encode())[0]
        assert (want.kernel_release, want.taint) == (release, flags)


@pytest.mark.parametrize(
    "name", ["arm64-6.1.0-50-mod-null", "armhf-6.1.0-50-mod-warn", "s390x-6.1.0-50-sysrq-crash"]
)
def test_a_log_pasted_without_its_line_breaks_from_inside_a_record_reads_as_the_log(
    name: str,
) -> None:
    """The same paste copied from inside a record (GrapheneOS/os-issue-tracker#4475, a
    Pixel's panic pasted from "0x1e4 [ 2052.051856][ T1668] el0_svc+0x28/0x98 [ ..."): the
    record's tail, then one record per time. Read as one line, its crash took another
    CPU's task header on that line and lost its frames."""
    text = (DATA / f"{name}.log").read_text()
    stamped = [ln for ln in text.splitlines() if re.match(r"\[ *\d+\.\d{6}\] ", ln)]
    tail = stamped[1][-12:].strip()
    assert not re.search(r"\d\.\d{6}\]|kernel:", tail)
    (want,) = parse_log("\n".join([tail, *stamped[2:]]).encode())
    flat = " ".join([tail, *stamped[2:]]) + "\n"
    (rep,) = parse_log(flat.encode())
    assert _facts([rep]) == _facts([want])
    assert (rep.start_line, rep.end_line) == (1, 1) and rep.frames
    (as_str,) = parse_log(flat)
    assert _facts([as_str]) == _facts([want]) and (as_str.start, as_str.end) == (rep.start, rep.end)


def test_a_line_quoting_two_times_after_some_words_keeps_its_line() -> None:
    """Words, then fewer than three times: a line that mentions times, not a paste."""
    line = "saw it at [  1.000000] and again at [  2.000000] today\n"
    assert lost_line_breaks(line) == []


def test_syslog_lines_with_one_time_each_keep_their_lines() -> None:
    """A syslog line holds the printk time once, after "kernel: ": no lost line break."""
    text = (DATA / "rhel6-syslog-hung-task.log").read_text()
    stamped = text.replace(" kernel: ", " kernel: [ 1234.567890] ")
    assert stamped.count(" kernel: [ 1234.567890] ") == len(text.splitlines())
    assert lost_line_breaks(stamped) == []


def test_mediatek_prefix_names_its_task_and_each_cpus_idle_task_apart() -> None:
    """MediaTek's "%c(%x)[%d:%s]" names current's pid, 0 for every CPU's idle task: an
    idle task's lines are told apart by the CPU (hex) the prefix names."""
    assert strip_prefix("[   12.000001] -(a)[0:swapper/10]x") == ("x", "I10")
    assert strip_prefix("[   12.000002]  (1)[85:sh]Call trace:") == ("Call trace:", "P85")
    # the prefix is only the MediaTek one with its [pid:comm]
    assert strip_prefix("[   12.000003]  (1) x")[0] == " (1) x"


def test_xiaomi_caller_names_the_task_or_the_cpu_as_printk_would() -> None:
    """Xiaomi's printk_enhance caller "%c,T%u,C%u" is printk's caller id with more in it:
    a task-context line is its task's ("T<pid>"), an interrupt's its CPU's ("C<cpu>")."""
    assert strip_prefix("[  189.052980][T,T5068,C1] pc : x") == ("pc : x", "T5068")
    assert strip_prefix("[  189.052981][H,T0,C3] x") == ("x", "C3")
    assert strip_prefix("[  189.052982][S,T17,C2] x") == ("x", "C2")


@pytest.mark.parametrize(
    "name",
    [
        "arm64-6.1.0-50-mod-bug",
        "armhf-6.1.0-50-mod-bug",
        "s390x-6.1.0-50-mod-bug",
        "ppc64le-6.1.0-50-mod-bug",
    ],
)
def test_a_bug_trap_without_its_kernel_bug_line_is_that_bug(name: str) -> None:
    """arm and arm64 die() a BUG() trap as "Internal error: Oops - BUG: %x [#%d]"
    (arch/arm/kernel/traps.c __die(), arch/arm64/kernel/traps.c __die()), s390 as
    "monitor event: %04x ilc:%d [#%d]" (traps.c monitor_event_exception() dies so only
    for a BUG() report_bug() found), powerpc as "Oops: Exception in kernel mode, sig: 5
    [#%d]" (traps.c program_check_exception(): a trap report_bug() found no WARN goes to
    _exception(SIGTRAP, ...), which dies so in kernel mode), after report_bug()'s
    pr_crit() "kernel BUG at file:line!" (lib/bug.c). A console at a loglevel that shows
    only KERN_EMERG, or one that dropped the line, keeps the die() line alone: the same
    BUG() (arm's "BUG: 0" is no report of the "BUG:" kind)."""
    text = (DATA / f"{name}.log").read_text()
    bug_line = re.search(r"^\[[ \d.]+\] kernel BUG at .*\n", text, re.M)
    assert bug_line is not None
    (want, *_) = parse_log(text.encode())
    (rep, *_) = parse_log((text[: bug_line.start()] + text[bug_line.end() :]).encode())
    assert rep.title == want.title == "kernel BUG in hotfence_crash_bug"
    assert _facts([rep]) == _facts([want]) and rep.type == "BUG"


# The x86 NULL dereference recorded on 6.12, as arch/x86/kernel/traps.c do_trap() dies of
# another trap: no page-fault lines (page_fault_oops() prints them), and __die_header()'s
# line with the trap's name, "%s: %04lx [#%d]" before 6.11, "Oops: %s: %04lx [#%d]" since.
_NULL_DEREF_FAULT = (
    "[    4.883231] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
    "[    4.883958] #PF: supervisor read access in kernel mode\n"
    "[    4.884474] #PF: error_code(0x0000) - not-present page\n"
    "[    4.885006] PGD 5365067 P4D 5365067 PUD 5362067 PMD 0 \n"
    "[    4.885591] Oops: Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
)


@pytest.mark.parametrize("oops", ["", "Oops: "])
@pytest.mark.parametrize(
    "trap",
    [
        "segment not present",
        "invalid TSS",
        "bounds",
        "overflow",
        "fpu exception",
        "simd exception",
        "unexpected #NM exception",
    ],
)
def test_an_x86_trap_in_the_kernel_is_titled_by_its_name(trap: str, oops: str) -> None:
    """do_error_trap()'s traps in kernel mode that no fixup takes (#NP, #TS, #BR, #OF,
    and 32-bit's iret fault), math_error()'s #MF and #XM ("fpu exception", "simd
    exception") and exc_device_not_available()'s #NM, die with their name as "general
    protection fault" does; the report is that trap in the faulting function, with the
    task and the trace."""
    log = reworded(
        (DATA / "x86-6.12.115-null-deref.log").read_text(),
        {_NULL_DEREF_FAULT: f"[    4.885591] {oops}{trap}: 0000 [#1] PREEMPT SMP NOPTI\n"},
    )
    reports = parse_log(log.encode())
    assert [(r.title, r.type, r.comm, r.pid, r.cpu, r.corrupted) for r in reports] == [
        (f"{trap} in hotfence_crash_null_deref", "DoS", "sh", 160, 0, False)
    ]
    assert reports[0].frames[0].function == "hotfence_crash_do"


@pytest.mark.parametrize(
    ("words", "check", "kind"),
    [
        ("array index out of bounds", "12", "MEMORY_SAFETY_UBSAN"),
        ("shift out of bounds", "14", "UBSAN"),
    ],
)
def test_an_arm64_ubsan_trap_is_titled_by_its_check(words: str, check: str, kind: str) -> None:
    """arm64 ubsan_handler() (arch/arm64/kernel/traps.c, CONFIG_UBSAN_TRAP) dies with
    report_ubsan_failure()'s words (lib/ubsan.c) for the brk's check (clang's handler
    number, 0x12 out of bounds, 0x14 shift): the recorded BUG()'s die line rewritten
    into it, without report_bug()'s "kernel BUG at" line a UBSAN brk has none of."""
    log = reworded(
        (DATA / "arm64-6.1.0-50-mod-bug.log").read_text(),
        {
            "[    1.938935] kernel BUG at src/hotfence/lab/module/hotfence_crash.c:86!\n": "",
            "Internal error: Oops - BUG: 00000000f2000800 [#1]": (
                f"Internal error: UBSAN: {words}: 00000000f20055{check} [#1]"
            ),
        },
    )
    rep = parse_log(log.encode())[0]
    assert (rep.title, rep.type, rep.comm, rep.pid, rep.corrupted) == (
        f"UBSAN: {words} in hotfence_crash_bug",
        kind,
        "sh",
        88,
        False,
    )


@pytest.mark.parametrize(
    ("words", "kind"),
    [("array index out of bounds", "MEMORY_SAFETY_UBSAN"), ("shift out of bounds", "UBSAN")],
)
def test_an_x86_ubsan_trap_is_titled_by_its_check_and_rip(
    words: str, kind: str, tmp_path: Path
) -> None:
    """x86 handle_bug() (arch/x86/kernel/traps.c, 6.11+, CONFIG_UBSAN_TRAP) prints
    pr_crit("%s at %pS\n", report_ubsan_failure(), regs->ip) for a ud1 of a UBSAN check
    (lib/ubsan.c's words) and does not handle the trap: die()'s "Oops: invalid opcode:"
    follows (the "Oops: " of __die_header() since 6.11). The recorded x86 BUG()'s lines
    rewritten into it: titled by the check and the trap's RIP, not its caller."""
    log = reworded(
        (Path(__file__).parent / "lab" / "bug.log").read_text(),
        {
            "kernel BUG at src/hotfence/lab/module/hotfence_crash.c:68!": (
                f"UBSAN: {words} at hotfence_crash_bug+0x1e/0x20 [hotfence_crash]"
            ),
            "] invalid opcode: 0000 [#1]": "] Oops: invalid opcode: 0000 [#1]",
        },
    )
    (tmp_path / "ubsan.log").write_text(log)
    (streamed,) = triage_input(str(tmp_path / "ubsan.log")).reports
    for rep in (parse_log(log.encode())[0], streamed):
        assert (rep.title, rep.type, rep.comm, rep.pid, rep.corrupted) == (
            f"UBSAN: {words} in hotfence_crash_bug",
            kind,
            "sh",
            117,
            False,
        )
        assert rep.rip is not None and rep.rip.function == "hotfence_crash_bug"
        assert rep.frames[0].function == "hotfence_crash_do"


@pytest.mark.parametrize(
    ("check", "title", "kind"),
    [
        ("12", "UBSAN: array index out of bounds in hotfence_crash_bug", "MEMORY_SAFETY_UBSAN"),
        ("14", "UBSAN: shift out of bounds in hotfence_crash_bug", "UBSAN"),
        ("03", "UBSAN: divide/remainder overflow in hotfence_crash_bug", "UBSAN"),
        # not one of report_ubsan_failure()'s checks: the trap is only an invalid opcode
        ("19", "invalid opcode in hotfence_crash_bug", "DoS"),
    ],
)
def test_an_x86_ubsan_trap_before_6_11_is_titled_by_its_code_bytes(
    check: str, title: str, kind: str, tmp_path: Path
) -> None:
    """Before 6.11 ("x86/traps: Enable UBSAN traps on x86") handle_bug() knew only ud2:
    clang's CONFIG_UBSAN_TRAP check, "ud1l <check>(%eax),%eax" (67 0f b9 40 <check>, the
    SanitizerHandler number of lib/ubsan.h's enum ubsan_checks), is not a bug address and
    dies as a bare "invalid opcode: 0000 [#1]" with no line naming it. Only the Code:
    line's bytes at RIP (show_opcodes()'s "<67>") say which check trapped; it is titled
    with the words 6.11+ kernels print for it (report_ubsan_failure(), lib/ubsan.c). The
    recorded x86 BUG()'s lines rewritten: no "kernel BUG at" line, ud1 for its ud2."""
    log = reworded(
        (Path(__file__).parent / "lab" / "bug.log").read_text(),
        {
            "[    2.049678] kernel BUG at src/hotfence/lab/module/hotfence_crash.c:68!\n": "",
            "<0f> 0b 0f 1f 44 00": f"<67> 0f b9 40 {check} 00",
        },
    )
    (tmp_path / "ubsan.log").write_text(log)
    (streamed,) = triage_input(str(tmp_path / "ubsan.log")).reports
    for rep in (parse_log(log.encode())[0], streamed):
        assert (rep.title, rep.type, rep.comm, rep.pid, rep.corrupted) == (
            title,
            kind,
            "sh",
            117,
            False,
        )
        assert rep.frames[0].function == "hotfence_crash_do"


def test_an_x86_ubsan_trap_in_a_ubsan_named_function_is_titled_alike_before_and_after_6_11() -> (
    None
):
    """lib/test_ubsan.c's checks trap in functions named for them
    (test_ubsan_shift_out_of_bounds()), which titles skip as UBSAN's own machinery: the
    title falls back to the trace's caller. A trap before 6.11 (only its Code: bytes,
    clang's ud1 "67 0f b9 40 14") and one from 6.11 on ("UBSAN: shift out of bounds at
    f+0x1e/0x20") are the same bug with the same title. The recorded x86 BUG()'s lines
    rewritten into each shape, its function renamed."""
    lab = (Path(__file__).parent / "lab" / "bug.log").read_text()
    before = reworded(
        lab,
        {
            "[    2.049678] kernel BUG at src/hotfence/lab/module/hotfence_crash.c:68!\n": "",
            "<0f> 0b 0f 1f 44 00": "<67> 0f b9 40 14 00",
        },
    )
    since = reworded(
        lab,
        {
            "kernel BUG at src/hotfence/lab/module/hotfence_crash.c:68!": (
                "UBSAN: shift out of bounds at hotfence_crash_bug+0x1e/0x20 [hotfence_crash]"
            ),
            "] invalid opcode: 0000 [#1]": "] Oops: invalid opcode: 0000 [#1]",
        },
    )
    titles = [
        (rep.title, rep.corrupted)
        for log in (before, since)
        for rep in parse_log(
            log.replace("hotfence_crash_bug", "test_ubsan_shift_out_of_bounds").encode()
        )[:1]
    ]
    assert titles == [("UBSAN: shift out of bounds in hotfence_crash_do", False)] * 2


# arch/x86/mm/fault.c pgtable_bad(): a page fault whose error code has the reserved-bit
# flag (a page table entry with a reserved bit set) prints "%s: Corrupted page table at
# address %lx" and dump_pagetable()'s walk, then dies "Bad pagetable" (__die_header(),
# "Oops: " before it since 6.11).
_BAD_PAGETABLE = (
    "[    4.883231] sh: Corrupted page table at address 8\n"
    "[    4.885006] PGD 5365067 P4D 5365067 PUD 5362067 PMD 0 \n"
    "[    4.885591] {oops}Bad pagetable: 0009 [#1] PREEMPT SMP NOPTI\n"
)


@pytest.mark.parametrize("oops", ["", "Oops: "])
def test_an_x86_bad_pagetable_is_that_fault_where_it_happened(oops: str) -> None:
    """In kernel mode the report is the bad page table in the faulting function, with
    the task and the trace. A fault in user mode (the common case) dies the same way,
    but show_regs() prints the user RIP and no trace: no kernel function is at fault,
    the report is the bad page table alone, not a report whose trace was lost."""
    text = (DATA / "x86-6.12.115-null-deref.log").read_text()
    kernel_mode = reworded(text, {_NULL_DEREF_FAULT: _BAD_PAGETABLE.format(oops=oops)})
    reports = parse_log(kernel_mode.encode())
    assert [(r.title, r.type, r.comm, r.pid, r.cpu, r.corrupted) for r in reports] == [
        ("Bad pagetable in hotfence_crash_null_deref", "DoS", "sh", 160, 0, False)
    ]
    assert reports[0].frames[0].function == "hotfence_crash_do"
    start = kernel_mode.index("[    4.889612] Call Trace:")
    end = kernel_mode.index(" </TASK>\n", start) + len(" </TASK>\n")
    user_mode = reworded(
        kernel_mode[:start] + kernel_mode[end:],
        {"RIP: 0010:hotfence_crash_null_deref+0x17/0x30 [hotfence_crash]": "RIP: 0033:0x47b7a0"},
    )
    reports = parse_log(user_mode.encode())
    assert [(r.title, r.type, r.comm, r.pid, r.cpu, r.corrupted) for r in reports] == [
        ("Bad pagetable", "DoS", "sh", 160, 0, False)
    ]
    assert reports[0].rip is None and reports[0].frames == []


@pytest.mark.parametrize(
    ("name", "lost", "oops", "function"),
    [
        # 6.11+ __die_header() prints "Oops: " before die()'s "Oops"
        (
            "x86-6.12.115-null-deref",
            _NULL_DEREF_FAULT,
            "Oops: Oops: 0000",
            "hotfence_crash_null_deref",
        ),
        ("x86-6.12.115-null-deref", _NULL_DEREF_FAULT, "Oops: 0000", "hotfence_crash_null_deref"),
        (
            "debian6-i386-oops",
            "[ 3021.118412] BUG: unable to handle kernel NULL pointer dereference at 00000010\n"
            "[ 3021.118443] IP: [<f8a4e2b3>] snd_pcm_hw_params+0x43/0x3a0 [snd_pcm]\n"
            "[ 3021.118479] *pde = 00000000 \n"
            "[ 3021.118492] Oops: 0000 [#1] SMP \n",
            "Oops: 0000",
            "snd_pcm_hw_params",
        ),
    ],
)
def test_an_x86_oops_whose_fault_lines_were_lost_is_that_bad_access(
    name: str, lost: str, oops: str, function: str
) -> None:
    """arch/x86/mm/fault.c page_fault_oops() (no_context() before 5.x) dies with "Oops"
    after its "BUG: unable to handle ..." line; a log that lost that line (a console's
    dropped records, a paste that starts at the oops) keeps "Oops: 0000 [#1]" and the
    registers: still a bad kernel access, in the faulting function, not only the panic
    after it. The lost line said "NULL pointer dereference" for an address below
    PAGE_SIZE, which __show_regs() prints as CR2: each of these faulted at one, and is
    titled as its whole log is."""
    whole = (DATA / f"{name}.log").read_text()
    stamp = lost.splitlines()[-1].split("]")[0]  # the oops line's own
    reports = parse_log(reworded(whole, {lost: f"{stamp}] {oops} [#1] SMP\n"}).encode())
    (want,) = parse_log(whole.encode())  # (debian6's trace is all "?" guesses: corrupted)
    assert want.title == f"BUG: unable to handle kernel NULL pointer dereference in {function}"
    assert [(r.title, r.corrupted, r.frames) for r in reports] == [
        (want.title, want.corrupted, want.frames)
    ]


@pytest.mark.parametrize(
    ("name", "rip", "cut_at", "alone"),
    [
        # arm64 panic_bad_stack(): "pc :" is the recursing function itself
        (
            "arm64-6.1.0-50-mod-stack-overflow",
            "hotfence_crash_stack_overflow",
            "Kernel panic - not syncing: kernel stack overflow",
            "kernel stack overflow in hotfence_crash_stack_overflow",
        ),
        # riscv handle_bad_stack(): "epc :" ran out inside memset, " ra :" is its caller
        (
            "riscv64-6.12.117+deb13-mod-stack-overflow",
            "__memset",
            "Kernel panic - not syncing: Kernel stack overflow",
            "kernel stack overflow in hotfence_crash_stack_overflow",
        ),
        # 32-bit ARM's handle_bad_stack() dies right after the stacks' bounds: its
        # registers come after the die line, so nothing is left to cut
        ("armhf-6.1.0-50-mod-stack-overflow", "hotfence_crash_stack_overflow", None, None),
    ],
)
def test_a_stack_overflow_report_starts_at_insufficient_stack_space(
    name: str, rip: str, cut_at: str | None, alone: str | None, tmp_path: Path
) -> None:
    """arm64's panic_bad_stack() and riscv's and 32-bit ARM's handle_bad_stack() print
    "Insufficient stack space to handle exception!", the stacks' bounds and the registers
    of the frame that ran out before they panic (or die): the report starts at that line
    and holds those registers, titled as before. A console that lost everything after the
    registers still has the overflow, titled by the frame the registers name, and
    corrupted (its trace is gone); the CLI's prefilter finds it too."""
    from hotfence.triage.prefilter import triage_input

    lines = (DATA / f"{name}.log").read_text().splitlines(keepends=True)
    first = next(i for i, ln in enumerate(lines) if "Insufficient stack space" in ln)
    (whole,) = parse_log("".join(lines).encode())
    assert whole.start_line == first + 1
    assert whole.rip is not None and whole.rip.function == rip
    assert whole.title.startswith("kernel stack overflow in ") and not whole.corrupted
    if cut_at is None or alone is None:
        return
    cut = next(i for i, ln in enumerate(lines) if cut_at in ln)
    log = tmp_path / "cut.log"
    log.write_text("".join(lines[:cut]))
    for reports in (parse_log(log.read_bytes()), list(triage_input(str(log)).reports)):
        assert [(r.title, r.type, r.corrupted) for r in reports] == [(alone, "DoS", True)]
        (rep,) = reports
        assert (rep.start_line, rep.end_line) == (first + 1, cut)
        assert rep.rip is not None and rep.rip.function == rip
        assert (rep.comm, rep.pid) == (whole.comm, whole.pid)
    # and the CLI says so
    import json

    from click.testing import CliRunner

    from hotfence.cli import main

    res = CliRunner().invoke(main, ["triage", "--no-store", "-o", "json", str(log)])
    assert res.exit_code == 0, res.output
    (out,) = json.loads(res.stdout)["files"][0]["reports"]
    assert (out["title"], out["corrupted"], out["rip"]["function"]) == (alone, True, rip)


def test_s390_krnl_code_lines_without_their_prefix_as_dmesg_prints_them(tmp_path: Path) -> None:
    """s390's show_code() prints its "Krnl Code:" block as one record whose lines are
    joined by newlines (pr_cont of "\\n\\t  "). The console prefixes each of them
    (record_print_text(): the recorded log); /dev/kmsg escapes the newlines and util-linux
    dmesg writes them back after the record's one prefix, so its later lines come bare.
    The recorded BUG in dmesg's shape: the block is still the report's, its code decoded,
    through parse_log and the CLI's prefilter; a bare line after it that is no instruction
    is not taken in."""
    from hotfence.triage.analyze import enrich
    from hotfence.triage.prefilter import triage_input

    text = (DATA / "s390x-6.1.0-50-mod-bug.log").read_text()
    stamp = "[    3.615227] "
    block = [ln for ln in text.splitlines(keepends=True) if ln.startswith(stamp)]
    assert len(block) == 8 and "Krnl Code:" in block[0]
    bare = block[0] + "".join(ln.removeprefix(stamp) for ln in block[1:])
    dmesg = text.replace("".join(block), bare + "sh-85 left the console a note\n")
    (want,) = parse_log(text.encode())
    whole = enrich(want).code
    assert whole is not None and len(whole.instructions) == 8
    log = tmp_path / "dmesg.log"
    log.write_text(dmesg)
    for rep in (parse_log(dmesg.encode())[0], triage_input(str(log)).reports[0]):
        assert enrich(rep).code == whole
        assert "left the console" not in rep.text
        assert _facts([rep]) == _facts([want])


@pytest.mark.parametrize("ptrval", ["(ptrval)", "(____ptrval____)"])
def test_trace_entries_printed_before_the_pointer_hash_key_keep_their_functions(
    ptrval: str,
) -> None:
    # Unwinders that print an entry's address with "%p" (openrisc's print_trace(): "[<%p>]
    # %s%pS") print lib/vsprintf.c ptr_to_id()'s "(ptrval)" ("(____ptrval____)" on 64-bit)
    # until the hashing key is ready, early in boot or late on boards without a fast
    # entropy source: the recorded MIPS trace's addresses printed that way.
    text = (DATA / "mipsel-6.1.0-50-mod-warn.log").read_text()
    start = text.index("Call Trace:")
    end = text.index("\n[", text.index("vfs_write+", start))
    trace = re.sub(r"\[<[0-9a-f]{8}>\]", f"[<{ptrval}>]", text[start:end])
    (rep,) = parse_log(text[:start] + trace + text[end:])
    want = EXPECTED["mipsel-6.1.0-50-mod-warn"]
    assert (rep.title, rep.corrupted) == (want["title"], False)
    assert [f.function for f in rep.frames][: len(want["frames"])] == want["frames"]


def _bad_mode_lead(lines: list[str], oops: int) -> list[str]:
    """bad_mode()'s line and __show_regs() of the faulting context (arch/arm64/kernel/
    traps.c up to 4.9): the oops's own CPU, pc / lr / sp and register lines."""
    stamp = lines[oops][: lines[oops].index("]") + 2]
    regs = [ln for ln in lines[oops + 2 : oops + 18] if "Hardware name" not in ln]
    head = "Bad mode in Synchronous Abort handler detected, code 0x96000006 -- DABT (current EL)"
    return [stamp + head, *regs]


def test_a_bad_mode_report_starts_at_its_bad_mode_line() -> None:
    """arm64 4.4's bad_mode() prints "Bad mode in %s handler detected", the registers, then
    dies ("Internal error: Oops - bad mode: 0 [#1]"): one report from the first line, with
    the oops's task, faulting function and trace."""
    (want,) = parse_log((DATA / "arm64-6.1.0-50-mod-null.log").read_bytes())
    lines = (DATA / "arm64-6.1.0-50-mod-null.log").read_text().splitlines()
    fault = next(i for i, ln in enumerate(lines) if "Unable to handle kernel" in ln)
    oops = next(i for i, ln in enumerate(lines) if "Internal error: Oops" in ln)
    died = re.sub(r"Oops: \w+ \[", "Oops - bad mode: 0 [", lines[oops])
    text = [*lines[:fault], *_bad_mode_lead(lines, oops), died, *lines[oops + 1 :]]
    (rep,) = parse_log("\n".join(text).encode())
    assert rep.start_line == fault + 1 and rep.text.startswith("Bad mode in Synchronous")
    assert rep.title == "Internal error in hotfence_crash_null_deref"
    (got,), (wanted,) = _facts([rep]), _facts([want])
    assert got[2:] == wanted[2:]  # (the title and its type are die()'s, see above)
    assert rep.rip is not None and rep.rip.function == "hotfence_crash_null_deref"


def test_a_bad_mode_line_no_die_follows_is_a_report_of_its_own(tmp_path: Path) -> None:
    """A log cut after bad_mode()'s line and the registers (a mail's fragment of an arm64
    BTI fault on 5.8, its panic left out): no die() or panic() takes the line, which is a
    report of its own, named by the function the pc was in, with the registers' task.
    The recorded oops's lines rewritten so, the log ending there."""
    (want,) = parse_log((DATA / "arm64-6.1.0-50-mod-null.log").read_bytes())
    lines = (DATA / "arm64-6.1.0-50-mod-null.log").read_text().splitlines()
    fault = next(i for i, ln in enumerate(lines) if "Unable to handle kernel" in ln)
    oops = next(i for i, ln in enumerate(lines) if "Internal error: Oops" in ln)
    text = [*lines[:fault], *_bad_mode_lead(lines, oops)]
    (rep,) = parse_log("\n".join(text).encode())
    assert (rep.title, rep.type) == ("Bad mode in hotfence_crash_null_deref", "DoS")
    assert rep.start_line == fault + 1 and rep.text.startswith("Bad mode in Synchronous")
    assert rep.rip is not None and rep.rip.function == "hotfence_crash_null_deref"
    assert (rep.comm, rep.pid, rep.cpu) == (want.comm, want.pid, want.cpu) == ("sh", 88, 0)
    assert rep.kernel_release == want.kernel_release
    # through the CLI's path too: the line is a point of the pre-filter's
    path = tmp_path / "console.log"
    path.write_text("\n".join(text) + "\n")
    assert [r.title for r in triage_input(str(path)).reports] == [rep.title]


def test_a_bad_mode_panic_takes_the_faulting_function_from_its_registers() -> None:
    """arm64 4.10 to 5.x bad_mode() panics ("Kernel panic - not syncing: bad mode") after
    the registers of the faulting context: the report starts at its "Bad mode" line and
    its faulting function is the one under that exception, not panic()'s."""
    lines = (DATA / "arm64-6.1.0-50-mod-null.log").read_text().splitlines()
    fault = next(i for i, ln in enumerate(lines) if "Unable to handle kernel" in ln)
    oops = next(i for i, ln in enumerate(lines) if "Internal error: Oops" in ln)
    stamp = lines[oops][: lines[oops].index("]") + 2]
    panic = [
        stamp + "Kernel panic - not syncing: bad mode",
        lines[oops + 2],
        lines[oops + 3],
        stamp + "Call trace:",
        *(stamp + f" {f}" for f in ("dump_backtrace+0xe4/0x140", "show_stack+0x20/0x30")),
        *(stamp + f" {f}" for f in ("dump_stack_lvl+0x64/0x80", "panic+0x18c/0x394")),
        *(stamp + f" {f}" for f in ("bad_mode+0x70/0x74", "el1_sync_invalid+0x48/0x4c")),
        *(ln for ln in lines[oops + 20 : oops + 32]),
    ]
    text = [*lines[:fault], *_bad_mode_lead(lines, oops), *panic, *lines[oops + 33 :]]
    (rep,) = parse_log("\n".join(text).encode())
    assert rep.title == "kernel panic: bad mode"
    assert rep.start_line == fault + 1
    assert rep.rip is not None and rep.rip.function == "hotfence_crash_null_deref"
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 88, 0)


def _uml_fault(lines: list[str]) -> list[str]:
    """The recorded x86 6.12 module NULL dereference (``lines``) in User-mode Linux's
    wording, the same crash and entries: arch/um/kernel/trap.c segv() prints
    show_regs() (arch/x86/um/sysrq_64.c: a blank line, print_modules(), "Pid: %d, comm:
    %.20s %s %s", "RIP: %04lx:%pS" with the host's user code segment 0033, "RSP: %016lx
    EFLAGS: %08lx" and the registers three a line), then panic("Kernel mode fault at
    addr 0x%lx, ip 0x%lx"), whose dump_stack() prints the task lines, show_stack()'s
    "Stack:" words and its "Call Trace:" of " [<%08lx>] %s%pS" entries (arch/um/kernel/
    sysrq.c _print_addr(), "? " before an unreliable one), then panic's end marker."""
    bug = next(i for i, ln in enumerate(lines) if "BUG: kernel NULL pointer" in ln)

    def body(line: str) -> str:
        return line[line.index("]") + 2 :]

    task = next(body(ln) for ln in lines[bug:] if "Comm: sh" in ln)
    rip = next(body(ln) for ln in lines[bug:] if "RIP: 0010:" in ln)
    regs = [body(ln) for ln in lines[bug : bug + 20] if re.search(r"\] R(?:AX|DX|BP|10|13): ", ln)]
    trace = [body(ln) for ln in lines[bug + 22 : bug + 39]]
    assert trace[0] == " hotfence_crash_do+0xbc/0x110 [hotfence_crash]", trace[0]
    panic = "Kernel panic - not syncing: Kernel mode fault at addr 0x8, ip 0x603d8117"
    uml = [
        "",
        "Modules linked in: hotfence_crash(OE) 9p 9pnet_virtio 9pnet netfs",
        "Pid: 160, comm: sh Tainted: G           OE      6.12.115+deb12-amd64",
        rip.replace("RIP: 0010:", "RIP: 0033:"),
        "RSP: 00000000606dbc10  EFLAGS: 00000206",
        *regs,
        panic,
        task,
        body(lines[bug + 6]),  # "Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE"
        "Stack:",
        " 606dbc80 603d8117 60e12a40 00000005",
        "Call Trace:",
        *(f" [<{0x603D8000 + i * 0x100:08x}>] {e.strip()}" for i, e in enumerate(trace)),
        f"---[ end {panic} ]---",
    ]
    return [*lines[:bug], *(f"[    4.{883231 + i:06d}] {t}" for i, t in enumerate(uml))]


def test_a_uml_kernel_mode_fault_lists_the_modules_of_its_registers() -> None:
    """UML's show_regs() prints print_modules()'s line with the registers before its
    fault's panic (arch/x86/um/sysrq_64.c): the report, which starts there, lists them."""
    lines = (DATA / "x86-6.12.115-null-deref.log").read_text().splitlines()
    (rep,) = parse_log("\n".join(_uml_fault(lines)).encode())
    assert rep.modules == ["hotfence_crash", "9p", "9pnet_virtio", "9pnet", "netfs"]
    assert rep.tainting_modules == ["hotfence_crash(OE)"]


def test_a_uml_kernel_mode_fault_is_a_bad_access_from_its_registers_on() -> None:
    """User-mode Linux's oops is a panic after the faulting context's registers
    (_uml_fault): a bad access, titled as x86's page fault is, whose report starts at
    show_regs()'s lines and whose faulting function is its "RIP: 0033:" line's (UML's
    kernel runs in the host's user code segment). It was "kernel panic: Kernel mode
    fault ...", no RIP, its lines from the panic on (UML 5.5 and 6.16 reports on
    linux-um, 2020-03 and 2025-06)."""
    lines = (DATA / "x86-6.12.115-null-deref.log").read_text().splitlines()
    (want,) = parse_log("\n".join(lines).encode())
    text = _uml_fault(lines)
    (rep,) = parse_log("\n".join(text).encode())
    assert rep.title == want.title, rep.title
    assert rep.type == want.type and not rep.corrupted
    assert rep.rip is not None and want.rip is not None
    assert (rep.rip.function, rep.rip.module) == (want.rip.function, want.rip.module)
    assert rep.start_line == 1 + next(i for i, ln in enumerate(text) if "Modules linked" in ln)
    reliable = [f.function for f in rep.frames if not f.unreliable]
    assert reliable[:4] == [f.function for f in want.frames if not f.unreliable][:4]
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release, rep.taint) == (
        want.comm,
        want.pid,
        want.cpu,
        want.kernel_release,
        want.taint,
    )


def test_a_uml_kernel_mode_fault_after_a_report_is_a_report_of_its_own() -> None:
    """A UML fault's panic right after another report that ends in no marker (the
    recorded x86 soft lockup, as lockdep's reports end) names a crash of its own: no
    panic of the report before, whose registers are the fault's, not that report's. The
    6.16 fault on linux-um (2025-06) was read as its lockdep report's panic."""
    lockup = (DATA / "x86-6.1-soft-lockup.log").read_text().splitlines()
    (first,) = parse_log("\n".join(lockup).encode())
    lines = (DATA / "x86-6.12.115-null-deref.log").read_text().splitlines()
    uml = _uml_fault(lines)
    bug = next(i for i, ln in enumerate(lines) if "BUG: kernel NULL pointer" in ln)
    stamped = [f"[    4.{882500 + i:06d}] {ln[ln.index(']') + 2 :]}" for i, ln in enumerate(lockup)]
    reps = parse_log("\n".join([*uml[:bug], *stamped, *uml[bug:]]).encode())
    assert [r.title for r in reps] == [
        first.title,
        "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_null_deref",
    ]
    assert reps[0].rip is not None and first.rip is not None
    assert reps[0].rip.function == first.rip.function
    assert [f.function for f in reps[0].frames] == [f.function for f in first.frames]
    assert reps[1].rip is not None and reps[1].rip.function == "hotfence_crash_null_deref"


@pytest.mark.parametrize(
    "words",
    [
        "Segfault with no mm",
        "Segfault with pagefaults disabled but no mcontext",
        "Segfault without recovery target",
    ],
)
def test_a_uml_segfault_panic_after_its_registers_is_a_bad_access(words: str) -> None:
    """arch/um/kernel/trap.c segv() dies on a kernel thread's fault (no mm) the same way
    as on a kernel mode fault, show_regs() then panic("Segfault with no mm") (2.6.x-6.x;
    6.15+ also "Segfault with pagefaults disabled but no mcontext" and "Segfault without
    recovery target"), with no address: a paging request whose report starts at the
    registers, its function the "RIP: 0033:" line's. After another report (the recorded
    x86 soft lockup) it was no report at all; alone, "kernel panic: Segfault with no mm"."""
    lines = (DATA / "x86-6.12.115-null-deref.log").read_text().splitlines()
    panic = "Kernel panic - not syncing: Kernel mode fault at addr 0x8, ip 0x603d8117"
    uml = [ln.replace(panic, f"Kernel panic - not syncing: {words}") for ln in _uml_fault(lines)]
    assert sum(words in ln for ln in uml) == 2  # the panic and its end marker
    (rep,) = parse_log("\n".join(uml).encode())
    assert rep.title == "BUG: unable to handle kernel paging request in hotfence_crash_null_deref"
    assert not rep.corrupted and rep.type == "MEMORY_SAFETY_BUG"
    assert rep.rip is not None and rep.rip.function == "hotfence_crash_null_deref"
    assert rep.start_line == 1 + next(i for i, ln in enumerate(uml) if "Modules linked" in ln)
    assert (rep.comm, rep.pid) == ("sh", 160)
    lockup = (DATA / "x86-6.1-soft-lockup.log").read_text().splitlines()
    (first,) = parse_log("\n".join(lockup).encode())
    bug = next(i for i, ln in enumerate(lines) if "BUG: kernel NULL pointer" in ln)
    stamped = [f"[    4.{882500 + i:06d}] {ln[ln.index(']') + 2 :]}" for i, ln in enumerate(lockup)]
    reps = parse_log("\n".join([*uml[:bug], *stamped, *uml[bug:]]).encode())
    assert [r.title for r in reps] == [first.title, rep.title]


def test_a_uml_fault_quoted_indented_by_a_blank_starts_at_its_registers() -> None:
    """A mail quoting UML's fault may indent each line by a blank ("> " then " RIP:
    0033:ext4_mb_release+0x1fc/0x400", the 6.16 KUnit "Segfault with no mm" on
    linux-ext4, 2025-07): show_regs()'s lines (arch/x86/um/sysrq_64.c) before the panic
    are still the report's, its function the "RIP: 0033:" line's; without them the title
    was the all-"?" trace's "corrupted"."""
    lines = (DATA / "x86-6.12.115-null-deref.log").read_text().splitlines()
    bug = next(i for i, ln in enumerate(lines) if "BUG: kernel NULL pointer" in ln)
    uml = _uml_fault(lines)[bug:]
    quoted = ["> " + (" " + t[t.index("]") + 2 :]).rstrip() for t in uml]
    assert any(t.startswith(">  RIP: 0033:hotfence_crash_null_deref+") for t in quoted)
    for words in ("Kernel mode fault at addr 0x8, ip 0x603d8117", "Segfault with no mm"):
        text = "\n".join(quoted).replace("Kernel mode fault at addr 0x8, ip 0x603d8117", words)
        (rep,) = parse_log(("On Fri, Jul 25 2025, X wrote:\n" + text + "\n").encode())
        assert rep.title.endswith(" in hotfence_crash_null_deref"), (words, rep.title)
        assert rep.rip is not None and rep.rip.function == "hotfence_crash_null_deref"
        assert rep.start_line == 2 + next(i for i, t in enumerate(quoted) if "Modules" in t)
        assert rep.modules[:1] == ["hotfence_crash"]


def test_a_sparc32_oops_names_its_faulting_function_on_its_pc_line() -> None:
    """sparc32's show_regs() (arch/sparc/kernel/process_32.c) prints "PSR: %08lx PC:
    %08lx NPC: %08lx Y: %08lx    %s", then "PC: <%pS>": the faulting function, as
    sparc64's "TPC: <%pS>" is. The recorded MIPS oops (32-bit, the same crash) in
    sparc32's words: arch/sparc/mm/fault_32.c unhandled_fault() "Unable to handle kernel
    paging request at virtual address %08lx" and its "tsk->{mm,active_mm}->..." lines,
    traps_32.c die_if_kernel() "%s(%d): %s [#%d]", show_regs()'s lines ("RPC: <%pS>" for
    the return address) and its "Caller[%08lx]: %pS" for each register window (the
    faulting function's caller first). It was titled by that caller, with no RIP."""
    (want,) = parse_log((DATA / "mips-4.19-oops.log").read_bytes())
    text = (DATA / "mips-4.19-oops.log").read_text()
    text = reworded(
        text,
        {
            "CPU 0 Unable to handle kernel paging request at virtual address 00000000, "
            "epc == 8035a1bc, ra == 8035a7d4": (
                "Unable to handle kernel paging request at virtual address 00000000\n"
                "[  301.442317] tsk->{mm,active_mm}->context = 00000123\n"
                "[  301.442317] tsk->{mm,active_mm}->pgd = fc0c4000"
            ),
            "Oops[#1]:": "sh(1377): Oops [#1]",
            "epc   : 8035a1bc sysrq_handle_crash+0x1c/0x28": (
                "PSR: 04401fc4 PC: 8035a1bc NPC: 8035a1c0 Y: 00000000    Not tainted\n"
                "[  301.501671] PC: <sysrq_handle_crash+0x1c/0x28>"
            ),
            "ra    : 8035a7d4 __handle_sysrq+0xb8/0x1b8": "RPC: <__handle_sysrq+0xb8/0x1b8>",
            "[  301.560015] Call Trace:\n[  301.562510] [<8035a1bc>] sysrq_handle_crash+0x1c/0x28\n": "",
        },
    )
    text = re.sub(r"\] \[<([0-9a-f]{8})>\] ", r"] Caller[\1]: ", text)
    assert "Call Trace" not in text and "Caller[8035a7d4]: __handle_sysrq" in text
    (rep,) = parse_log(text.encode())
    assert rep.rip is not None and want.rip is not None
    assert (rep.rip.function, rep.rip.offset) == (want.rip.function, want.rip.offset)
    assert (
        rep.title
        == want.title
        == ("BUG: unable to handle kernel paging request in sysrq_handle_crash")
    )
    assert not rep.corrupted, rep.corrupted_reason
    assert [f.function for f in rep.frames] == [f.function for f in want.frames][1:]
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release) == ("sh", 1377, 0, want.kernel_release)


# The recorded riscv64 module NULL dereference, its die() as other architectures print it.
_RISCV_NULL = "riscv64-6.12.117+deb13-mod-null.log"
_RISCV_ENTRY_RE = re.compile(
    r"^(\[ *\d+\.\d+\] )\[<([0-9a-f]+)>\] (\w+)\+0x([0-9a-f]+)/0x[0-9a-f]+(?: \[(\w+)\])?$",
    re.M,
)


def _csky_show_regs(text: str) -> str:
    """The riscv64 oops with csky's show_regs() (arch/csky/kernel/ptrace.c) for its task
    line and registers: "CURRENT PROCESS:", "COMM=%s PID=%d" (m68k nommu dump() prints
    the same), "TEXT=...", "PC: 0x%08lx (%pS)", "LR: 0x%08lx (%pS)", ... and csky's
    32-bit "[<%08lx>] %pS" entries after "Call Trace:" (show_stack())."""
    lines = text.split("\n")
    first = next(i for i, ln in enumerate(lines) if "Comm: sh" in ln)
    last = next(i for i, ln in enumerate(lines) if "status: " in ln)
    stamp = lines[first][:15]
    regs = [
        "",
        "CURRENT PROCESS:",
        "",
        "COMM=sh PID=142",
        "TEXT=00010000-000e3a4c DATA=000e4f0c-000e6c41 BSS=000e6c41-0011b000",
        "USER-STACK=7fd55b30  KERNEL-STACK=8305e000",
        "",
        "PC: 0x01e6c064 (hotfence_crash_null_deref+0x28/0x30 [hotfence_crash])",
        "LR: 0x01e6c3ba (hotfence_crash_do+0xce/0x112 [hotfence_crash])",
        "SP: 0x7fd55b20",
        "PSR: 0x80000340",
        "orig_a0: 0x00000001",
        "PT_REGS: 0x8057bc90",
        " a0: 0x0162aa7d   a1: 0x00000008   a2: 0x00000001   a3: 0x9e555520",
        "Call Trace:",
    ]
    out = "\n".join([*lines[:first], *(stamp + r for r in regs), *lines[last + 1 :]])
    return re.sub(r"\[<ffffffff([0-9a-f]{8})>\]", r"[<\1>]", out)


def test_a_csky_show_regs_names_the_task_and_the_faulting_function() -> None:
    """csky die() prints no "CPU: ... Comm:" line: show_regs()'s "COMM=%s PID=%d" names
    the task and its "PC: 0x%08lx (%pS)" the faulting function (kernel source, 6.x)."""
    text = (DATA / _RISCV_NULL).read_text()
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(_csky_show_regs(text).encode())
    assert (rep.comm, rep.pid, rep.cpu) == ("sh", 142, None)
    assert rep.rip is not None and rep.rip.function == "hotfence_crash_null_deref"
    assert rep.rip.module == "hotfence_crash"
    assert rep.title == want.title and not rep.corrupted
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]


def _hexagon_trace(text: str, task_line: bool = True) -> str:
    """The riscv64 oops with hexagon do_show_stack()'s trace (arch/hexagon/kernel/
    traps.c): "CPU#%d, %s/%d, Call Trace:", then "[%p] 0x%lx: %s + 0x%lx" of the frame
    pointer, pc, name and offset, " [%s] " after a module's."""
    fp = iter(range(0xC2F3BD08, 0xC2F3C000, 0x40))

    def entry(m: re.Match[str]) -> str:
        module = f" [{m[5]}] " if m[5] else ""
        return f"{m[1]}[{next(fp):08x}] 0x{m[2][-8:]}: {m[3]} + 0x{m[4]}{module}"

    out = _RISCV_ENTRY_RE.sub(entry, text)
    first = out.index("[c2f3bd08]")
    start = out.rindex("\n", 0, first) + 1
    header = out[start : start + 15] + "CPU#0, sh/142, Call Trace:\n"
    out = out[:start] + header + out[start:]
    if not task_line:
        out = re.sub(r"(?m)^\[ *\d+\.\d+\] CPU: 0 UID: 0 PID: 142 Comm: sh .*\n", "", out)
    return out


def test_a_hexagon_trace_reads_as_its_frames() -> None:
    text = (DATA / _RISCV_NULL).read_text()
    (want,) = parse_log(text.encode())
    hexagon = _hexagon_trace(text)
    assert "] 0x01e6c064: hotfence_crash_null_deref + 0x28 [hotfence_crash] \n" in hexagon
    (rep,) = parse_log(hexagon.encode())
    assert [(f.function, f.module) for f in rep.frames] == [
        (f.function, f.module) for f in want.frames
    ]
    assert rep.frames[0].offset == 0x28 and not rep.corrupted
    assert (rep.title, rep.comm, rep.pid, rep.cpu) == (want.title, "sh", 142, 0)
    # the trace's own line names the task where no "CPU: ... Comm:" line does
    (bare,) = parse_log(_hexagon_trace(text, task_line=False).encode())
    assert (bare.comm, bare.pid, bare.cpu) == ("sh", 142, 0)


def test_a_uml_2_6_trace_with_its_stack_slots_reads_as_its_frames() -> None:
    """User-mode Linux's show_trace() of 2.6.11-2.6.2x (arch/um/kernel/sysrq.c) printed
    the stack slot it read each entry from: "%08lx:  [<%08lx>]" then print_symbol("
    %s"), no "? " (a 2.6.17 kernel-mode fault on LKML, 2006-05). _uml_fault's trace in
    that shape gives the same frames, every one the stack scan found."""
    lines = (DATA / "x86-6.12.115-null-deref.log").read_text().splitlines()
    modern = _uml_fault(lines)
    (want,) = parse_log("\n".join(modern).encode())
    entry = re.compile(r"^(\[ *\d+\.\d+\])  \[<([0-9a-f]{8})>\] (?:\? )?")
    old = [
        entry.sub(lambda m, n=n: f"{m[1]} {0x606DBC80 + 8 * n:08x}:  [<{m[2]}>] ", ln)
        for n, ln in enumerate(modern)
    ]
    assert any(
        re.search(r"\] 606d[0-9a-f]{4}:  \[<603d8000>\] hotfence_crash_do\+", ln) for ln in old
    )
    (rep,) = parse_log("\n".join(old).encode())
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert not any(f.unreliable for f in rep.frames) and not rep.corrupted
    assert (rep.title, rep.rip, rep.comm, rep.pid) == (want.title, want.rip, want.comm, want.pid)


def test_a_uml_kernel_mode_signal_after_a_report_is_a_report_of_its_own() -> None:
    """UML's relay_signal() (arch/um/kernel/trap.c) panics on a host signal taken in
    kernel mode: panic("Kernel mode signal %d", sig), the crash itself (a KUnit test's
    division by zero under kunit_try_catch, LKML 2021-05: "Kernel mode signal 8"). After
    a report that ends in no marker (the recorded soft lockup) it is a report of its own,
    not that report's panic."""
    lockup = (DATA / "x86-6.1-soft-lockup.log").read_text().splitlines()
    (first,) = parse_log("\n".join(lockup).encode())
    stamp = lockup[-1][: lockup[-1].index("]") + 1]
    signal = [
        "Kernel panic - not syncing: Kernel mode signal 8",
        "CPU: 0 PID: 15 Comm: kunit_try_catch Not tainted 5.13.0-rc1 #34",
        "Received SIGSEGV in SIGSEGV handler, aborting stack trace!",
    ]
    reps = parse_log("\n".join([*lockup, *(f"{stamp} {ln}" for ln in signal)]).encode())
    assert [r.title for r in reps] == [first.title, "kernel panic: Kernel mode signal NUM"]
    assert [f.function for f in reps[0].frames] == [f.function for f in first.frames]
    assert (reps[1].comm, reps[1].pid) == ("kunit_try_catch", 15)


def test_an_oops_caught_by_kdb_keeps_its_facts() -> None:
    """arm's __die() printk()s "Internal error: ..." and then calls notify_die(DIE_OOPS),
    where kdb takes the console (4.1-6.x kernel/debug/kdb/kdb_main.c kdb_local(),
    KDB_REASON_OOPS): "Entering kdb (current=0x%p, pid %d) on processor %d Oops: %s",
    "due to oops @ 0x%lx", then kdb_dumpregs()'s show_regs(), all through kdb_printf():
    no printk time (raspberrypi/linux#1360, 4.1). The dump is the oops' own task line and
    registers. The recorded armhf oops cut so, its register lines kdb's."""
    lines = (DATA / "armhf-6.1.0-50-mod-null.log").read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "] Internal error: " in line)
    regs = [line.split("] ", 1)[1] for line in lines[at + 2 : at + 13]]
    assert regs[0].startswith("CPU: 0 PID: 85 Comm: sh ") and regs[-1].startswith("Control:")
    kdb = [
        "\n",
        "Entering kdb (current=0xc1a2b3c0, pid 85) on processor 0 Oops: (null)\n",
        "due to oops @ 0xbf000060\n",
        *regs,
    ]
    (want,) = parse_log("".join(lines).encode())
    (rep,) = parse_log("".join(lines[: at + 1] + kdb).encode())
    assert rep.title == want.title
    assert rep.rip is not None and want.rip is not None
    assert rep.rip.function == want.rip.function == "hotfence_crash_null_deref"
    assert (rep.comm, rep.pid, rep.cpu) == (want.comm, want.pid, want.cpu) == ("sh", 85, 0)
    assert rep.kernel_release == want.kernel_release == "6.1.0-50-armmp"


def test_an_mte_async_kasan_report_is_whole_and_names_no_function() -> None:
    # mm/kasan/report.c kasan_report_async() (5.12+, CONFIG_KASAN_HW_TAGS in async or
    # asymm mode: arm64 MTE's tag check fault, found later in TFSR_EL1 by
    # mte_check_tfsr_el1()) prints "BUG: KASAN: invalid-access", "Asynchronous fault: no
    # details available" (5.12-5.18: "Asynchronous mode enabled: no access details
    # available"), an empty line and dump_stack_lvl(). The arm64 log's WARN rewritten so:
    # its task line and trace under the report's lines. Nothing was cut: not corrupted,
    # and no function the trace would name (only where the fault was noticed).
    console = (DATA / "arm64-6.1.0-50-mod-warn.log").read_text()
    lines = console.splitlines()
    at = next(i for i, t in enumerate(lines) if "] WARNING: CPU: 1 PID: 87 at " in t)
    task = next(i for i in range(at, len(lines)) if "] CPU: 1 PID: 87 Comm: sh" in lines[i])
    trace = next(i for i in range(task, len(lines)) if lines[i].endswith("] Call trace:"))
    end = next(i for i in range(trace, len(lines)) if "---[ end trace" in lines[i])
    head = [
        "[    2.119140] " + "=" * 66,
        "[    2.119147] BUG: KASAN: invalid-access",
        "[    2.119150] Asynchronous fault: no details available",
        "[    2.119152] ",
    ]
    stack = [
        f"[    2.122800]  {f}"
        for f in (
            "dump_backtrace+0x98/0xf0",
            "show_stack+0x18/0x24",
            "dump_stack_lvl+0x60/0x7c",
            "kasan_report_async+0x44/0x80",
            "mte_check_tfsr_el1+0x54/0x60",
        )
    ]
    entries = [t for t in lines[trace + 1 : end] if "hotfence_crash" not in t]
    report = head + lines[task : task + 2] + [lines[trace]] + stack + entries
    report.append("[    2.124213] " + "=" * 66)
    text = "\n".join(lines[:at] + report + lines[end + 1 :]) + "\n"
    for wording in (
        "Asynchronous fault: no details available",
        "Asynchronous mode enabled: no access details available",
    ):
        (got,) = parse_log(text.replace("Asynchronous fault: no details available", wording))
        assert (got.title, got.corrupted) == ("KASAN: invalid-access", False), wording
        assert (got.comm, got.pid, got.cpu) == ("sh", 87, 1)
        assert got.kernel_release == "6.1.0-50-arm64"
        assert [f.function for f in got.frames][3:6] == [
            "kasan_report_async",
            "mte_check_tfsr_el1",
            "proc_reg_write",
        ]
    # A header alone (a console cut the report after it) stays the corrupted fragment.
    cut = "\n".join(lines[:at] + head[:2] + lines[end + 1 :]) + "\n"
    (got,) = parse_log(cut)
    assert (got.title, got.corrupted) == ("KASAN: invalid-access", True)


def test_a_riscv_oops_quoted_without_its_registers_reads_its_headerless_trace() -> None:
    # riscv die() (6.12 arch/riscv/kernel/traps.c) prints show_regs(): "epc : %pS",
    # " ra : %pS", the registers, "status: ... badaddr: ... cause: ..." and, for a
    # kernel context, dump_backtrace()'s "[<%px>] %pS" entries with no header
    # (arch/riscv/kernel/stacktrace.c print_trace_address() -> print_ip_sym()). A mail or
    # issue quoting the oops cuts the register dump to "[...]", "status:" line and all,
    # often the "epc"/"ra" lines too: the trace still names the faulting function and is
    # the report's whole trace.
    console = (DATA / "riscv64-6.12.117+deb13-mod-null.log").read_text()
    lines = console.splitlines()
    at = next(i for i, t in enumerate(lines) if "Unable to handle kernel access" in t)
    epc = next(i for i in range(at, len(lines)) if "] epc : hotfence_crash_null_deref" in lines[i])
    status = next(i for i in range(epc, len(lines)) if "] status: " in lines[i])
    end = next(i for i in range(status, len(lines)) if "---[ end trace" in lines[i])
    (want,) = parse_log(console)
    assert want.title.endswith(" in hotfence_crash_null_deref") and not want.corrupted
    bare = [re.sub(r"^\[ *\d+\.\d+\] ", "", t) for t in lines]
    for kept in (2, 0):  # the "epc :" and " ra :" lines kept, then cut with the rest
        for elided in ("[...]", "...", "[ snip ]"):
            quote = bare[at : epc + kept] + [elided] + bare[status + 1 : end + 1]
            (got,) = parse_log("\n".join(quote) + "\n")
            assert (got.title, got.corrupted) == (want.title, False), (kept, elided)
            assert [f.function for f in got.frames] == [f.function for f in want.frames]
            assert (got.comm, got.pid, got.cpu) == ("sh", 142, 0)
    # The trace cut with the registers: nothing shows the report whole.
    quote = bare[at : epc + 2] + ["[...]"] + bare[end : end + 1]
    (got,) = parse_log("\n".join(quote) + "\n")
    assert got.corrupted


def test_a_riscv_bug_quoted_without_its_registers_is_titled_by_its_trace() -> None:
    # riscv BUG(): report_bug()'s "kernel BUG at %s:%u!", then die()'s "Kernel BUG [#%d]"
    # (6.12 arch/riscv/kernel/traps.c), show_regs() and dump_backtrace()'s headerless
    # "[<%px>] %pS" entries, unwound from the registers: the first names the function
    # the "epc :" line does. A quote cutting the registers, "epc"/"ra" lines and all, to
    # "[...]" leaves that trace to title it (it was "kernel BUG in corrupted").
    lines = (DATA / "riscv64-6.12.117+deb13-mod-bug.log").read_text().splitlines()
    (want,) = parse_log("\n".join(lines) + "\n")
    assert want.title == "kernel BUG in hotfence_crash_bug"
    bare = [re.sub(r"^\[ *\d+\.\d+\] ", "", t) for t in lines]
    at = next(i for i, t in enumerate(bare) if t.startswith("kernel BUG at "))
    epc = next(i for i in range(at, len(bare)) if bare[i].startswith("epc : hotfence_crash_bug"))
    status = next(i for i in range(epc, len(bare)) if bare[i].startswith("status: "))
    end = next(i for i in range(status, len(bare)) if "---[ end trace" in bare[i])
    quote = bare[at:epc] + ["[...]"] + bare[status + 1 : end + 1]
    (got,) = parse_log("\n".join(quote) + "\n")
    assert (got.title, got.corrupted) == (want.title, False)
    assert [f.function for f in got.frames] == [f.function for f in want.frames]
    # The trace cut as well: nothing names the function.
    (got,) = parse_log("\n".join(bare[at:epc] + ["[...]", bare[end]]) + "\n")
    assert got.title == "kernel BUG in corrupted"


def test_a_riscv_oops_quoted_without_its_pc_line_takes_rip_from_its_trace() -> None:
    # riscv show_regs() (6.12 arch/riscv/kernel/process.c) prints "epc : %pS", then
    # dump_backtrace(regs) the headerless "[<%px>] %pS" entries, walk_stackframe() starting
    # at that very pc (arch/riscv/kernel/stacktrace.c): a quote that cut the "epc :" line
    # with the registers ("[...]") still names the faulting function in its first entry,
    # as the title does (it was rip None).
    for name, start in (
        ("riscv64-6.12.117+deb13-mod-null.log", "Unable to handle kernel access"),
        ("riscv64-6.12.117+deb13-mod-bug.log", "kernel BUG at "),
    ):
        lines = (DATA / name).read_text().splitlines()
        (want,) = parse_log("\n".join(lines) + "\n")
        assert want.rip is not None and want.rip.function == want.frames[0].function
        bare = [re.sub(r"^\[ *\d+\.\d+\] ", "", t) for t in lines]
        at = next(i for i, t in enumerate(bare) if t.startswith(start))
        epc = next(i for i in range(at, len(bare)) if bare[i].startswith("epc : hotfence_"))
        row = epc + 2  # __show_regs()'s "epc : %016lx ra : %016lx sp : %016lx"
        assert bare[row].startswith("epc : ffffffff")
        status = next(i for i in range(epc, len(bare)) if bare[i].startswith("status: "))
        end = next(i for i in range(status, len(bare)) if "---[ end trace" in bare[i])
        trace = bare[status + 1 : end + 1]
        for elided in ("[...]", "[ snip ]"):
            for quote in (
                bare[at:epc] + [elided] + trace,
                bare[at:epc] + [elided] + bare[row : status + 1] + trace,  # the rows kept
            ):
                (got,) = parse_log("\n".join(quote) + "\n")
                assert (got.title, got.corrupted) == (want.title, False), name
                assert got.rip == want.rip, (name, elided)
        # A row whose pc is not the first entry's: that entry is no longer the pc's.
        other = bare[row].replace("epc : ffffffff", "epc : fffffffe", 1)
        (got,) = parse_log("\n".join(bare[at:epc] + ["[...]", other] + trace) + "\n")
        assert got.rip is None
        # show_stack()'s trace under its "Call Trace:" starts at the unwinder's own
        # callers (dump_backtrace, show_stack, ...): no pc of the fault.
        (got,) = parse_log("\n".join(bare[at:epc] + ["[...]", "Call Trace:"] + trace) + "\n")
        assert got.rip is None


def test_a_bare_pc_is_titled_by_the_link_register_that_names_its_caller() -> None:
    # A PC kallsyms does not know (a BPF program's JIT image, MIPS's run-time generated
    # clear_page, a jump through a bad pointer) is printed bare, and its trace does not
    # name the caller: powerpc show_stack() starts at the frame's stale LR save slot
    # ("(unreliable)") and goes on at the caller's caller, MIPS show_backtrace() falls
    # back to show_raw_backtrace(), every text address left on the stack. show_regs()
    # prints the link register right after the PC: powerpc "LR [%lx] %pS" (6.1
    # arch/powerpc/kernel/process.c), MIPS "ra    : %0*lx %pS" (6.1
    # arch/mips/kernel/traps.c __show_regs()). It names the caller.
    ppc = reworded(
        (DATA / "ppc64le-6.1.0-50-mod-null.log").read_text(),
        {
            "NIP [c0080000004a00a4] hotfence_crash_null_deref+0x3c/0x60 [hotfence_crash]": (
                "NIP [c0080000004a00a4] 0xc0080000004a00a4"
            ),
            "LR [c0080000004a009c] hotfence_crash_null_deref+0x34/0x60 [hotfence_crash]": (
                "LR [c0080000004a0a54] hotfence_crash_do+0x55c/0xba0 [hotfence_crash]"
            ),
        },
    )
    mips = reworded(
        (DATA / "mips64el-6.1.0-50-mod-null.log").read_text(),
        {
            "epc   : ffffffffc0002088 hotfence_crash_null_deref+0x38/0x50 [hotfence_crash]": (
                "epc   : ffffffffc0002088 0xffffffffc0002088"
            ),
            "ra    : ffffffffc0002088 hotfence_crash_null_deref+0x38/0x50 [hotfence_crash]": (
                "ra    : ffffffffc00027e8 hotfence_crash_do+0x90/0x2a0 [hotfence_crash]"
            ),
            # show_raw_backtrace(): a stale text address on the stack comes first
            "[<ffffffffc0002088>] hotfence_crash_null_deref+0x38/0x50 [hotfence_crash]": (
                "[<ffffffff8239b078>] proc_reg_write+0x0/0xf8"
            ),
        },
    )
    for console, caller in ((ppc, "hotfence_crash_write"), (mips, "proc_reg_write")):
        (got,) = parse_log(console)
        assert got.title.endswith(" in hotfence_crash_do"), got.title
        assert not got.corrupted
        assert got.rip is None  # (the PC names no function)
        # A bare link register too (the unknown code's own return address): the trace's.
        bare = re.sub(r"((?:LR \[|ra    : )[0-9a-f]+\]?) hotfence_crash_do\S+", r"\1 0x1", console)
        assert bare != console
        (got,) = parse_log(bare)
        assert got.title.endswith(f" in {caller}"), got.title
    # sparc64 show_regs() (6.12 arch/sparc/kernel/process_64.c): "TPC: <%pS>", four
    # lines of g and o registers, "RPC: <%pS>" of %o7; its trace starts at the caller's
    # caller (I7, show_stack() from the frame pointer).
    regs = "".join(
        f"[    1.927800] {r}0: 0000000000000000 {r}1: 0000000000000000 "
        f"{r}2: 0000000000000000 {r}3: 0000000000000000\n"
        for r in ("g", "g", "o", "o")
    )
    sparc = _sparc64_oops(True)
    entry = next(t for t in sparc.splitlines() if "] TPC: <hotfence_crash_null_deref+" in t)
    stamp = entry.partition("] ")[0] + "] "
    sparc = reworded(
        sparc,
        {
            entry + "\n": stamp + "TPC: <0x10001234>\n" + regs,
            "RPC: <hotfence_crash_null_deref+0x2c/0x40 [hotfence_crash]>": (
                "RPC: <hotfence_crash_do+0xd8/0x120 [hotfence_crash]>"
            ),
        },
    )
    sparc = re.sub(r"\n[^\n]* \[0{16}\] hotfence_crash_(?:null_deref|do)\+[^\n]*", "", sparc)
    (got,) = parse_log(sparc)
    assert got.title == "BUG: unable to handle kernel NULL pointer dereference in hotfence_crash_do"
    assert got.frames[0].function == "hotfence_crash_write"
    (got,) = parse_log(sparc.replace("RPC: <hotfence_crash_do+0xd8/0x120", "RPC: <0x1000"))
    assert got.title.endswith(" in hotfence_crash_write"), got.title


def test_an_arm64_or_loongarch_bare_pc_is_titled_by_its_link_register() -> None:
    # arm64 __show_regs() (6.1 arch/arm64/kernel/process.c) prints "pc : %pS" then
    # "lr : %pS"; LoongArch (6.12 arch/loongarch/kernel/traps.c __show_regs()) "   ra:
    # %0*lx %pS" on the line *before* "  ERA: %0*lx %pS". A pc kallsyms does not know (a
    # jump through a bad pointer, a BPF JIT image) is printed bare, and the trace from
    # the frame record fp points to goes on at the caller's caller: the link register
    # names the caller.
    arm64 = reworded(
        (DATA / "arm64-6.1.0-50-mod-null.log").read_text(),
        {
            "pc : hotfence_crash_null_deref+0x2c/0x40 [hotfence_crash]": (
                "pc : 0xffffdb1c141c6030"
            ),
            "lr : hotfence_crash_null_deref+0x2c/0x40 [hotfence_crash]": (
                "lr : hotfence_crash_do+0xd8/0x120 [hotfence_crash]"
            ),
            "  hotfence_crash_null_deref+0x2c/0x40 [hotfence_crash]\n": "  0xffffdb1c141c6030\n",
            "[    1.931110]  hotfence_crash_do+0xd8/0x120 [hotfence_crash]\n": "",
        },
    )
    # The recorded MIPS oops in LoongArch's lines, its trace from the caller's caller.
    loongarch = reworded(
        (DATA / "mips64el-6.1.0-50-mod-null.log").read_text(),
        {
            "epc   : ffffffffc0002088 hotfence_crash_null_deref+0x38/0x50 [hotfence_crash]": (
                "   ra: ffffffffc00027e8 hotfence_crash_do+0x90/0x2a0 [hotfence_crash]"
            ),
            "ra    : ffffffffc0002088 hotfence_crash_null_deref+0x38/0x50 [hotfence_crash]": (
                "  ERA: ffffffffc0002088 0xffffffffc0002088"
            ),
            ", epc == ffffffffc0002088, ra == ffffffffc0002088": (
                ", era == ffffffffc0002088, ra == ffffffffc00027e8"
            ),
            "[<ffffffffc0002088>] hotfence_crash_null_deref+0x38/0x50 [hotfence_crash]\n": "",
        },
    )
    loongarch = re.sub(r"\n[^\n]*\[<ffffffffc00027e8>\] hotfence_crash_do[^\n]*", "", loongarch)
    for console, link in (
        (arm64, r"lr : )hotfence_crash_do\S+"),
        (loongarch, r"   ra: [0-9a-f]+ )hotfence_crash_do\S+"),
    ):
        (got,) = parse_log(console)
        assert got.title.endswith(" in hotfence_crash_do"), got.title
        assert got.rip is None  # (the pc names no function)
        assert "hotfence_crash_do" not in [f.function for f in got.frames]
        # A bare link register (the unknown code's own return address): the trace's.
        bare = re.sub("(" + link, r"\g<1>0x1", console)
        assert bare != console
        (got,) = parse_log(bare)
        assert got.title.endswith(" in hotfence_crash_write"), got.title
    # A pc that names its function titles the report, whatever lr names.
    named = arm64.replace("pc : 0xffffdb1c141c6030", "pc : hotfence_crash_null_deref+0x2c/0x40")
    (got,) = parse_log(named)
    assert got.title.endswith(" in hotfence_crash_null_deref"), got.title


def test_a_riscv_warn_or_soft_lockup_without_its_pc_lines_reads_its_trace() -> None:
    # riscv's WARN() traps (ebreak -> report_bug() -> __warn(), 6.12 kernel/panic.c) and
    # a soft lockup's watchdog_timer_fn() (6.12 kernel/watchdog.c) call show_regs() as
    # die() does: "epc : %pS", " ra : %pS", __show_regs()'s rows from "epc : %016lx ra :
    # %016lx sp : %016lx" to "status: %016lx badaddr: %016lx cause: %016lx" (6.12
    # arch/riscv/kernel/process.c), then dump_backtrace()'s headerless trace, which
    # starts at that pc. A quote that cut the "epc :" and "ra :" lines has no die line
    # ("[#1]") to tell riscv, but its "status:" row does: the trace's first entry is the
    # function that warned, or the lockup's looping one (rip and loop were None, the
    # lockup "in corrupted").
    for name in (
        "riscv64-6.12.117+deb13-mod-softlockup.log",
        "riscv64-6.12.117+deb13-mod-warn.log",
    ):
        text = (DATA / name).read_text()
        (want,) = parse_log(text)
        assert want.rip is not None
        cut = re.sub(r"(?m)^\[ *\d+\.\d+\] (?:epc| ra) : .*\n", "", text)
        assert cut.count("\n") == text.count("\n") - 3
        (got,) = parse_log(cut)
        assert (got.title, got.corrupted) == (want.title, False), name
        assert got.rip == want.rip
        assert got.looping_function == want.looping_function
        assert got.frames == want.frames
    # A soft lockup in vmlinux code is titled from its trace, as with its pc line.
    text = (DATA / "riscv64-6.12.117+deb13-mod-softlockup.log").read_text()
    text = text.replace(" [hotfence_crash]", "")
    (want,) = parse_log(text)
    (got,) = parse_log(re.sub(r"(?m)^\[ *\d+\.\d+\] (?:epc| ra) : .*\n", "", text))
    assert got.title == want.title == "BUG: soft lockup in proc_reg_write"
    assert got.looping_function == want.looping_function == "hotfence_crash_softlockup"


def test_a_riscv_epc_line_a_quote_cut_in_its_name_takes_rip_from_its_trace() -> None:
    # riscv show_regs() (6.12 arch/riscv/kernel/process.c) prints "epc : %pS" and its
    # trace (dump_backtrace(), walk_stackframe() from that pc) starts with the pc's own
    # "[<%px>] %pS" entry. A quote that cut the line in or right after the name, before
    # its "+0x" ("epc : hotfence_crash_softlockup", "epc : hotfence"), left rip None and
    # a soft lockup titled by its stall frame with no looping function: the trace's
    # first entry, at the "epc : %016lx" row's address, whose name starts so, is the pc.
    for name, want_title in (
        ("riscv64-6.12.117+deb13-mod-softlockup.log", None),
        ("riscv64-6.12.117+deb13-mod-warn.log", None),
        ("riscv64-6.12.117+deb13-mod-null.log", None),
        ("riscv64-6.12.117+deb13-mod-softlockup.log", "BUG: soft lockup in proc_reg_write"),
    ):
        text = (DATA / name).read_text()
        if want_title is not None:
            text = text.replace(" [hotfence_crash]", "")  # (a lockup in vmlinux code)
        (want,) = parse_log(text)
        assert want.rip is not None
        line = next(t for t in text.splitlines() if "] epc : hotfence_crash_" in t)
        head = line[: line.index("epc : ") + len("epc : ")]
        for left in (want.rip.function, "hotfence"):
            (got,) = parse_log(text.replace(line, head + left))
            assert (got.title, got.corrupted) == (want.title, False), (name, left)
            assert got.title == (want_title or got.title)
            assert got.rip == want.rip, (name, left)
            assert got.looping_function == want.looping_function
        # A name the pc's entry does not start with is not that pc.
        (got,) = parse_log(text.replace(line, head + "other_function"))
        assert got.rip is None
        # A pc kallsyms does not know names nothing.
        (got,) = parse_log(text.replace(line, head + "0xffffffff01e6c266"))
        assert got.rip is None


def test_an_arm64_report_without_its_pc_line_reads_its_show_regs_trace() -> None:
    # arm64 show_regs() (6.1 arch/arm64/kernel/process.c) prints __show_regs()'s
    # "pstate: %08llx (...)", "pc : %pS", "lr : %pS" and registers, then
    # dump_backtrace(regs): its "Call trace:" is unwound from regs, unwind_init_from_regs()
    # starting at regs->pc (6.1 arch/arm64/kernel/stacktrace.c), so its first entry is
    # the pc. die(), a WARN()'s BRK trap (__warn()) and a soft lockup's
    # watchdog_timer_fn() all print it. A quote that cut the "pc :" and "lr :" lines left
    # rip (and a lockup's looping function) None and titled the lockup "in corrupted".
    for kind in ("softlockup", "warn", "null"):
        text = (DATA / f"arm64-6.1.0-50-mod-{kind}.log").read_text()
        (want,) = parse_log(text)
        assert want.rip is not None
        cut = re.sub(r"(?m)^\[ *\d+\.\d+\] (?:pc|lr) : .*\n", "", text)
        assert cut.count("\n") == text.count("\n") - 2
        (got,) = parse_log(cut)
        assert (got.title, got.corrupted) == (want.title, False), kind
        assert got.rip == want.rip, kind
        assert got.looping_function == want.looping_function
        assert got.frames == want.frames
        # Without __show_regs()'s "pstate:" line nothing tells that the trace is
        # show_regs()'s (dump_stack()'s starts at dump_backtrace()): no rip.
        (got,) = parse_log(re.sub(r"(?m)^\[ *\d+\.\d+\] pstate: .*\n", "", cut))
        assert got.rip is None, kind


def test_an_arm_report_without_its_pc_lines_reads_its_show_regs_trace() -> None:
    # 32-bit ARM __show_regs() (6.1 arch/arm/kernel/process.c) prints "PC is at %pS",
    # "LR is at %pS", "pc : [<%08lx>]    lr : [<%08lx>]    psr: %08lx", the registers and
    # "Flags: %s  IRQs o%s ..."; show_regs() and __die() (arch/arm/kernel/traps.c) then
    # print dump_backtrace(regs, ...), which unwind_backtrace() (arch/arm/kernel/unwind.c)
    # starts at regs->ARM_pc: its first entry's " %ps from %pS" names the pc. A quote
    # that cut the three pc lines left rip (and a lockup's looping function) None and
    # titled the die() and the soft lockup "in corrupted".
    pc_lines = re.compile(r"(?m)^(?:<\d>)?\[ *\d+\.\d+\] (?:PC is at |LR is at |pc : \[<).*\n")
    for name in (
        "armhf-6.1.0-50-mod-null",
        "armhf-6.1.0-50-mod-softlockup",
        "armhf-6.1.0-50-mod-bug",
        "armhf-6.1.0-50-mod-stack-overflow",
        "arm-3.4-oops",
    ):
        text = (DATA / f"{name}.log").read_text()
        (want,) = parse_log(text)
        assert want.rip is not None
        cut = pc_lines.sub("", text)
        assert cut.count("\n") == text.count("\n") - 3, name
        (got,) = parse_log(cut)
        assert (got.title, got.corrupted) == (want.title, False), name
        assert got.rip is not None, name
        assert (got.rip.function, got.rip.module) == (want.rip.function, want.rip.module), name
        assert got.looping_function == want.looping_function, name
        assert got.frames == want.frames, name
        # Without __show_regs()'s "Flags:" line (nor __die()'s "Process ... stack limit"
        # line after it) nothing tells that the trace is show_regs()'s (dump_stack()'s
        # starts at unwind_backtrace()): no rip.
        (got,) = parse_log(re.sub(r"(?m)^(?:<\d>)?\[ *\d+\.\d+\] (?:Flags:|Process) .*\n", "", cut))
        assert got.rip is None, name
    # A first entry a pager (less -S) cut in the pc's name names no pc.
    text = (DATA / "armhf-6.1.0-50-mod-null.log").read_text()
    entry = " hotfence_crash_null_deref [hotfence_crash] from hotfence_crash_do+0xd8/0x128"
    entry += " [hotfence_crash]\n"
    assert entry in text
    (got,) = parse_log(pc_lines.sub("", text).replace(entry, " hotfence_crash_null_de>\n"))
    assert got.rip is None


def test_a_riscv_report_whose_registers_a_quote_cut_whole_reads_its_trace() -> None:
    # riscv show_regs() (6.12 arch/riscv/kernel/process.c) prints "epc : %pS", " ra : %pS",
    # the register rows and "status: %016lx badaddr: %016lx cause: %016lx", then
    # dump_backtrace(regs, NULL) (arch/riscv/kernel/stacktrace.c): headerless
    # print_ip_sym() "[<%px>] %pS" entries from the pc on. A quote that cut every one of
    # those rows to "[...]" left nothing that told riscv: the WARN titled "in
    # corrupted", the soft lockup too, its frames the panic()'s later "Call Trace:". The
    # trace's own entries of riscv's trap code (traps.c do_trap_ecall_u(), entry.S
    # handle_exception) tell it.
    rows = re.compile(
        r"(?m)^(\[ *\d+\.\d+\] )epc : .*\n(?:\[ *\d+\.\d+\]  ra : .*\n)?"
        r"(?:\[ *\d+\.\d+\] +[a-z]\w{1,2} *: [0-9a-f]{16} .*\n)+\[ *\d+\.\d+\] status: .*\n"
    )
    for kind in ("warn", "softlockup"):
        text = (DATA / f"riscv64-6.12.117+deb13-mod-{kind}.log").read_text()
        (want,) = parse_log(text)
        assert want.rip is not None
        cut, n = rows.subn(r"\1[...]\n", text)
        assert n == 1 and "status: " not in cut and " ra : " not in cut, kind
        (got,) = parse_log(cut)
        assert (got.title, got.corrupted) == (want.title, False), kind
        assert got.rip == want.rip, kind
        assert got.looping_function == want.looping_function, kind
        assert got.frames == want.frames, kind
        # Without riscv's trap entries (a trace a quote cut before them) nothing tells.
        bare = re.sub(
            r"(?m)^\[ *\d+\.\d+\] \[<\w+>\] (?:do_trap_ecall_u|handle_exception)\+.*\n", "", cut
        )
        (got,) = parse_log(bare)
        assert got.rip is None, kind


def test_an_s390_bare_psw_is_titled_by_its_breaking_event_address() -> None:
    # s390 show_regs() (5.3 arch/s390/kernel/dumpstack.c) prints show_registers()'
    # "Krnl PSW : %016lx %016lx (%pSR)", registers and code, show_stack()'s "Call
    # Trace:", then show_last_breaking_event()'s "Last Breaking-Event-Address:" and " [<%016lx>]
    # %pSR": the last branch taken. A jump through a NULL pointer leaves the PSW bare,
    # "(0x0)", and titled the report "in corrupted"; the branch names the code that
    # jumped (a tail call's, which the trace does not show).
    text = reworded(
        (DATA / "s390x-5.10-oops.log").read_text(),
        {
            "00000000009a1e1c (sysrq_handle_crash+0x1c/0x28)": "0000000000000000 (0x0)",
            "[  512.771153]  [<00000000009a1e1c>] sysrq_handle_crash+0x1c/0x28 \n": "",
        },
    )
    (got,) = parse_log(text)
    assert (got.title, got.corrupted) == (
        "BUG: unable to handle kernel paging request in __handle_sysrq",
        False,
    )
    assert got.rip is None  # (the PSW names no function)
    # Without the breaking-event lines: the trace's, its "(...)" r14 guess skipped.
    bear = "[  512.771189] Last Breaking-Event-Address:\n"
    assert bear in text
    (got,) = parse_log(text.replace(bear, ""))
    assert got.title.endswith(" in write_sysrq_trigger"), got.title


def test_an_arm_die_whose_registers_a_quote_cut_whole_reads_its_trace() -> None:
    # 32-bit ARM __die() (6.1 arch/arm/kernel/traps.c) prints __show_regs()' rows, then
    # "Process %.*s (pid: %d, stack limit = 0x%p)", the "Stack:" dump and
    # dump_backtrace(regs, tsk, ...), whose first " %ps from %pS" entry names the pc
    # (unwind_backtrace() starts at regs->ARM_pc). A quote that cut every row from "PC
    # is at" to "Control:" to "[...]" left nothing that told the trace was the
    # registers': rip None, the report "in corrupted".
    rows = re.compile(r"(?ms)^(\[ *\d+\.\d+\] )PC is at .*?\n\[ *\d+\.\d+\] Control: [^\n]*\n")
    for kind in ("null", "bug"):
        text = (DATA / f"armhf-6.1.0-50-mod-{kind}.log").read_text()
        (want,) = parse_log(text)
        assert want.rip is not None
        cut, n = rows.subn(r"\1[...]\n", text, count=1)
        assert n == 1 and "Flags: " not in cut and "stack limit = " in cut, kind
        (got,) = parse_log(cut)
        assert (got.title, got.corrupted) == (want.title, False), kind
        assert got.rip is not None, kind
        assert (got.rip.function, got.rip.module) == (want.rip.function, want.rip.module), kind
        assert got.frames == want.frames, kind
        # Without the "Process" line either: nothing tells the trace is the registers'.
        (got,) = parse_log(re.sub(r"(?m)^\[ *\d+\.\d+\] Process .*\n", "", cut))
        assert got.rip is None, kind
