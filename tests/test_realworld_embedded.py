"""Shapes of the crash logs routers, NAS boxes and single-board computers print (OpenWrt
and other vendor builds), tested by reshaping the recorded real logs in ``data/realworld``
(see its README.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotfence.triage.parser import parse_log
from test_prefilter import _same

DATA = Path(__file__).parent / "data" / "realworld"


def reworded(text: str, changes: dict[str, str]) -> str:
    """``text`` with each key replaced by its value; each key must be there."""
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_a_warning_from_an_openwrt_build_dir_keeps_its_function_and_file() -> None:
    """WARN()'s "at %s:%d" is the module's __FILE__, which for a package OpenWrt builds is
    under build_dir/target-<arch>_<cpu>+<subtype>_<libc>: OpenWrt's include/target.mk
    joins CPU_TYPE and CPU_SUBTYPE with a "+" ("arm_cortex-a7+neon-vfpv4"). The "+" is a
    path character: the title is still the warning's function and the guilty file the
    whole path, not the part after the "+"."""
    path = "/home/b/openwrt/build_dir/target-arm_cortex-a7+neon-vfpv4_musl_eabi/hotfence"
    text = reworded(
        (DATA / "armhf-6.1.0-50-mod-warn.log").read_text(),
        {" at src/hotfence/lab/module/hotfence_crash.c:92 ": f" at {path}/hotfence_crash.c:92 "},
    )
    (want,) = parse_log((DATA / "armhf-6.1.0-50-mod-warn.log").read_bytes())
    (rep,) = parse_log(text.encode())
    assert rep.title == want.title == "WARNING in hotfence_crash_do"
    assert rep.guilty_file == f"{path}/hotfence_crash.c"
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release) == ("sh", 83, 0, "6.1.0-50-armmp")


_MIPS_FAULT = (
    "CPU 0 Unable to handle kernel paging request at virtual address 00000000,"
    " epc == 8035a1bc, ra == 8035a7d4"
)


def test_a_mips_bus_error_in_the_kernel_is_that_bus_error() -> None:
    """arch/mips/kernel/traps.c do_be(): a bus error no fixup takes prints "Data bus
    error, epc == %0*lx, ra == %0*lx" (a device register or bad physical address the SoC
    bus refused: routers' PCI and MMIO faults), then die_if_kernel("Oops"), whose
    "Oops[#1]:" and registers are part of that report: a bus error, not an unknown
    "Oops" nor a paging request."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    (want,) = parse_log(text.encode())
    bus = reworded(text, {_MIPS_FAULT: "Data bus error, epc == 8035a1bc, ra == 8035a7d4"})
    (rep,) = parse_log(bus.encode())
    assert rep.title == "Data bus error in sysrq_handle_crash"
    assert rep.type == "DoS" and not rep.corrupted
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release) == (
        want.comm,
        want.pid,
        want.cpu,
        want.kernel_release,
    )
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert (rep.start_line, rep.end_line) == (want.start_line, want.end_line)


def test_a_mips_bus_error_of_a_program_is_no_report() -> None:
    """do_be() prints the same line for a user program's bus error and then only sends
    it SIGBUS (die_if_kernel() returns in user mode): no registers, no trace, no report."""
    boot = (DATA / "armhf-6.1.0-50-mod-warn.log").read_text().splitlines()[:150]
    assert parse_log("\n".join(boot).encode()) == []
    line = "[  150.000000] Data bus error, epc == 0040a1bc, ra == 0040a7d4"
    assert parse_log("\n".join([*boot[:100], line, *boot[100:]]).encode()) == []


def test_a_programs_alignment_trap_is_no_report() -> None:
    """arch/arm/mm/alignment.c do_alignment() prints "Alignment trap: %s (%d)
    PC=0x%08lx Instr=0x%0*lx Address=0x%08lx FSR 0x%03x" for a user program's unaligned
    access (ai_usermode's UM_WARN, on by default on many vendor kernels) and fixes it up
    or sends SIGBUS: a program's, no report. The kernel's own "Alignment trap: not
    handling instruction" line (corpus report 242) still starts one."""
    text = (DATA / "armhf-6.1.0-50-mod-null.log").read_text()
    want = parse_log(text.encode())
    lines = text.splitlines()
    trap = (
        "[    1.500000] Alignment trap: openvpn (1032) PC=0x0001a2b4 Instr=0xe5913000"
        " Address=0x00f3a2b3 FSR 0x001"
    )
    got = parse_log("\n".join([*lines[:100], trap, *lines[100:]]).encode())
    assert [(r.title, r.pid, r.corrupted) for r in got] == [
        (r.title, r.pid, r.corrupted) for r in want
    ]
    assert len(got) == 1
    assert parse_log("\n".join([*lines[:100], trap]).encode()) == []


def test_a_programs_unhandled_arm_fault_is_no_report() -> None:
    """arch/arm/mm/fault.c do_DataAbort() prints "Unhandled fault: %s (0x%03x) at
    0x%08lx" and show_pte() for an abort no handler takes, then arm_notify_die(): die()
    for the kernel, only a signal for a user program (a program's imprecise external
    abort on an MMIO mapping). The lab's real armhf fault lines with no die() after them
    and the boot going on are a program's: no report. With die()'s registers after them
    they stay the kernel's report."""
    text = (DATA / "armhf-6.1.0-50-mod-null.log").read_text()
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if "8<--- cut here ---" in ln)
    assert "Unhandled fault: page domain fault" in lines[start + 1]
    assert "Internal error:" in lines[start + 3]
    fault = lines[start : start + 3]
    assert parse_log("\n".join([*lines[:100], *fault, *lines[100:150]]).encode()) == []
    (rep,) = parse_log(text.encode())
    assert (rep.title, rep.pid) == ("Unhandled fault in hotfence_crash_null_deref", 85)


def test_a_mips_lockup_through_a_vectored_interrupt_is_titled_by_the_looping_code() -> None:
    """A MIPS CPU with vectored interrupts (MIPS32r2 VInt/EIC: the MT7621s of OpenWrt's
    routers) enters the timer interrupt through except_vec_vi_handler instead of
    handle_int (arch/mips/kernel/genex.S); kallsyms names it after the except_vec_vi_end
    label just before it. The recorded Malta soft lockup with that frame in place of
    handle_int: the stall title is still the interrupted code's, not the watchdog's."""
    text = (DATA / "mipsel-6.1.0-50-mod-softlockup.log").read_text()
    want = parse_log(text.encode())
    vectored = reworded(text, {"] handle_int+0x144/0x150": "] except_vec_vi_end+0xb8/0xc4"})
    (rep,) = parse_log(vectored.encode())
    assert rep.title == want[0].title == "BUG: soft lockup in hotfence_crash_softlockup"
    assert "BUG: soft lockup in proc_reg_write" in rep.alt_titles
    assert "except_vec_vi_end" in [f.function for f in rep.frames]


def test_the_warning_a_mips_panic_raises_on_its_way_down_is_no_second_report() -> None:
    """OpenWrt's MIPS routers: an oops in softirq dies with panic("Fatal exception in
    interrupt") (arch/mips/kernel/traps.c die()), whose smp_send_stop() trips
    kernel/smp.c's WARN_ON_ONCE(!in_task()). The recorded mipsel oops followed by that
    panic line and the recorded warning of that shape (from the soft lockup's panic):
    one report, the oops."""
    oops = (DATA / "mipsel-6.1.0-50-mod-null.log").read_text()
    lockup = (DATA / "mipsel-6.1.0-50-mod-softlockup.log").read_text()
    want = parse_log(oops.encode())
    cut = oops.index("\n", oops.index("---[ end trace")) + 1
    start = lockup.rindex("\n", 0, lockup.index("------------[ cut here ]")) + 1
    end = lockup.index("\n", lockup.index("---[ end trace", start)) + 1
    warn = lockup[start:end]
    assert "smp_call_function_many_cond" in warn and "] panic+" in warn
    panic = "[    2.148600] Kernel panic - not syncing: Fatal exception in interrupt\n"
    (rep,) = parse_log((oops[:cut] + panic + warn).encode())
    assert rep.title == want[0].title
    assert [f.function for f in rep.frames] == [f.function for f in want[0].frames]


def _arm_division_by_zero() -> str:
    """The recorded armhf WARN rewritten into 32-bit ARM's division-by-zero report, the
    shape of the i.MX6 and STM32 reports on the lists: the library's Ldiv0
    (arch/arm/lib/lib1funcs.S, a zero divisor) calls arch/arm/kernel/traps.c __div0(),
    which prints pr_err("Division by zero in kernel.\\n") and dump_stack(): the task
    line and the unwinder's entries, dump_stack_lvl's caller Ldiv0 and Ldiv0's the
    function that divided; no "cut here", modules or "end trace" line (those are
    __warn()'s)."""
    text = (DATA / "armhf-6.1.0-50-mod-warn.log").read_text()
    lines = text.splitlines(keepends=True)
    start = next(i for i, ln in enumerate(lines) if "------------[ cut here ]" in ln)
    stamp = lines[start][: lines[start].index("]") + 1]
    head = [f"{stamp} Division by zero in kernel.\n"]
    rest = [
        ln
        for ln in lines[start + 3 :]
        if "warn_slowpath_fmt from " not in ln and "---[ end trace" not in ln
    ]
    return "".join(lines[:start] + head) + reworded(
        "".join(rest),
        {
            " dump_stack_lvl from __warn+0x80/0x11c": " dump_stack_lvl from Ldiv0+0x8/0x10",
            " __warn from warn_slowpath_fmt+0x18c/0x198": (
                " Ldiv0 from hotfence_crash_do+0xfc/0x128 [hotfence_crash]"
            ),
        },
    )


def test_an_arm_division_by_zero_is_titled_by_the_function_that_divided() -> None:
    """__div0()'s report is x86's divide error on a CPU without a divide instruction:
    titled as syzkaller titles that one ("divide error in %[1]v"), by the function that
    divided: the first entry past dump_stack and the division helpers (Ldiv0)."""
    (want,) = parse_log((DATA / "armhf-6.1.0-50-mod-warn.log").read_bytes())
    (rep,) = parse_log(_arm_division_by_zero().encode())
    assert rep.title == "divide error in hotfence_crash_do"
    assert rep.type == "DoS" and not rep.corrupted
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release, rep.taint) == (
        "sh",
        83,
        0,
        "6.1.0-50-armmp",
        want.taint,
    )
    assert [f.function for f in rep.frames][:6] == [
        "unwind_backtrace",
        "show_stack",
        "dump_stack_lvl",
        "Ldiv0",
        "hotfence_crash_do",
        "hotfence_crash_write",
    ]


def test_the_division_by_zero_line_alone_is_no_report() -> None:
    """Without dump_stack()'s task line and trace after it the line is not __div0()'s
    report (a program echoing it, a console that lost the rest): no report."""
    text = _arm_division_by_zero()
    cut = text.index("Division by zero in kernel.\n") + len("Division by zero in kernel.\n")
    assert parse_log(text[:cut].encode()) == []


def _second_cpu(block: str, cpu: int, pid: int, die: int, later: float) -> str:
    """The recorded MIPS die() block as another CPU's: its "Oops[#n]:" count, the CPU and
    task __show_regs() and show_registers() name, its printk times ``later`` on."""
    block = reworded(
        block,
        {
            "Oops[#1]:": f"Oops[#{die}]:",
            "CPU: 0 PID: 1377 ": f"CPU: {cpu} PID: {pid} ",
            "Process sh (pid: 1377,": f"Process sh (pid: {pid},",
        },
    )
    return re.sub(r"\[ *(\d+\.\d+)\]", lambda m: f"[{float(m[1]) + later:12.6f}]", block)


@pytest.mark.parametrize("first_to_die", [0, 1])
def test_two_cpus_mips_faults_at_once_are_two_reports_each_with_its_registers(
    first_to_die: int,
) -> None:
    """arch/mips/mm/fault.c no_context() prints "CPU %d Unable to handle kernel paging
    request ..." and then die(), which takes die_lock for "Oops[#%d]:" and
    show_registers(): two CPUs faulting at once (an SMP router's) print both fault
    lines, then one die() block after the other, in die_lock's order. The recorded
    fault so rewritten (the second CPU's its fault line right after the first's, its
    block after the first's): two reports, each with its own CPU's registers, task and
    trace, whichever CPU took die_lock first; the prefilter agrees."""
    text = (DATA / "mips-4.19-oops.log").read_text()
    (want,) = parse_log(text.encode())
    fault, block = text.split("\n", 1)
    other = fault.replace("[  301.442317] CPU 0 ", "[  301.442390] CPU 1 ")
    assert other != fault
    cpus = {0: (1377, "[#1]"), 1: (1378, "[#2]")}
    order = [first_to_die, 1 - first_to_die]
    blocks = [_second_cpu(block, cpu, cpus[cpu][0], n + 1, 0.17 * n) for n, cpu in enumerate(order)]
    composed = "\n".join([fault, other, *blocks]).replace("\n\n", "\n")
    reps = parse_log(composed.encode())
    assert [(r.cpu, r.pid, r.comm) for r in reps] == [(0, 1377, "sh"), (1, 1378, "sh")]
    for rep in reps:
        assert (rep.title, rep.corrupted) == (want.title, False)
        assert [f.function for f in rep.frames] == [f.function for f in want.frames]
        assert rep.text.count("Oops[#") == 1 and rep.text.count("---[ end trace") == 1
        assert f"CPU: {rep.cpu} PID: {rep.pid} " in rep.text
    _same(composed.encode(), 1 << 12, 4096)


@pytest.mark.parametrize(
    ("name", "line", "address"),
    [
        ("rhel6-syslog-old-warning", "dev.c:1915", "0xffffffff8145c850"),
        ("mipsel-6.1.0-50-mod-warn", "hotfence_crash.c:110", "0xc00f6840"),
    ],
)
def test_a_warning_with_an_address_before_its_symbol_names_the_function(
    name: str, line: str, address: str
) -> None:
    """AVM's Fritz!Box kernels (vendor MIPS 3.10 builds) print an address before the
    symbol where warn_slowpath_common() / __warn() say "%pS" (3.10 kernel/panic.c
    "WARNING: at %s:%d %pS()"): "WARNING: at .../kdsld.c:1915 0x815300a0
    kdsld_net_xmit+0x480/0x560 [kdsldmod]()" (Freetz-NG/freetz-ng#3). The line still names
    the function that warned: titled by it, not by the raw line."""
    text = (DATA / f"{name}.log").read_text()
    (want,) = parse_log(text.encode())
    (rep,) = parse_log(reworded(text, {f"{line} ": f"{line} {address} "}).encode())
    assert rep.title == want.title
    assert rep.title.startswith("WARNING in ")
    assert (rep.guilty_file, rep.comm, rep.pid) == (want.guilty_file, want.comm, want.pid)
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]


@pytest.mark.parametrize("syslog", ["", "Feb 25 20:33:54 fritz kern.warn kernel: "])
def test_avm_cpu_after_the_printk_time_keeps_the_frames(syslog: str) -> None:
    """AVM's Fritz!Box kernels (vendor MIPS 3.10 builds) print the record's CPU in brackets
    right after the printk time, no space before the text: "[  183.060000][0]CPU: 0 PID:
    0 Comm: swapper/0 ...", each trace entry "[  183.060000][0][<815300a0>]
    kdsld_net_xmit+0x480/0x560 [kdsldmod]" (Freetz-NG/freetz-ng#3, through logread's
    syslog). The report keeps its task and every frame of its trace."""
    text = (DATA / "mipsel-6.1.0-50-mod-warn.log").read_text()
    (want,) = parse_log(text.encode())
    avm = re.sub(r"(?m)^(\[ *\d+\.\d+\]) ", syslog + r"\1[0]", text)
    assert f"{syslog}[    6.662155][0]Call Trace:\n" in avm
    assert re.search(r"\]\[0\]\[<[0-9a-f]{8}>\] hotfence_crash_do\+", avm)
    (rep,) = parse_log(avm.encode())
    assert (rep.title, rep.corrupted) == (want.title, False)
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release) == ("sh", 79, 0, want.kernel_release)
    assert [f.function for f in rep.frames] == [f.function for f in want.frames]
    assert len(want.frames) > 5


_NO_KALLSYMS_LINE = "hotfence_crash.c:110 0xc00f6840 [hotfence_crash@c00f6000+0x840]"


def test_a_warning_without_kallsyms_is_titled_by_its_stack() -> None:
    """Without CONFIG_KALLSYMS (OpenWrt's small targets) __warn()'s "%pS" is the bare
    address (lib/vsprintf.c symbol_string()), OpenWrt adding a module's name, base and
    offset: "WARNING: CPU: 2 PID: 5284 at .../mesh_hwmp.c:348 0x8286c5e4
    [mac80211@f00cb28e+0x81220]" (openwrt/openwrt#10801). The line names no function: the
    stack does, as for 2.6's "WARNING: at %s:%d" alone; a trace of bare addresses names
    none and the report is corrupted, never titled by its raw line's NUM/ADDR."""
    text = (DATA / "mipsel-6.1.0-50-mod-warn.log").read_text()
    (want,) = parse_log(text.encode())
    bare = reworded(
        text,
        {"hotfence_crash.c:110 hotfence_crash_do+0xd4/0x28c [hotfence_crash]": _NO_KALLSYMS_LINE},
    )
    (rep,) = parse_log(bare.encode())
    assert (
        (rep.title, rep.corrupted) == (want.title, False) == ("WARNING in hotfence_crash_do", False)
    )
    assert (rep.guilty_file, rep.comm, rep.pid) == (want.guilty_file, want.comm, want.pid)
    # ... and its trace's entries bare too ("[<c00f6840>] 0xc00f6840"), as such a kernel prints them
    stripped = re.sub(r"(?m)^(\[ *[\d.]+\] \[<([0-9a-f]+)>\]) \S.*$", r"\1 0x\2", bare)
    assert "] [<c00f6840>] 0xc00f6840\n" in stripped
    (rep,) = parse_log(stripped.encode())
    assert (rep.title, rep.corrupted) == ("WARNING in corrupted", True)
    assert rep.guilty_file == want.guilty_file


@pytest.mark.parametrize(
    "line",
    [
        "WARNING: src/hotfence/lab/module/hotfence_crash.c:110 at 0xc00f6840, CPU#0: sh/79",
        "WARNING: at 0xc00f6840, CPU#0: sh/79",
    ],
)
def test_a_619_warning_without_kallsyms_is_titled_by_its_stack(line: str) -> None:
    """6.19's __warn() (kernel/panic.c) prints "WARNING: %s:%d at %pS, CPU#%d: %s/%d",
    "WARNING: at %pS, CPU#%d: %s/%d" without a file; without CONFIG_KALLSYMS "%pS" is a
    hex address (lib/vsprintf.c symbol_string()), letters and all: "0xc00f6840". The line
    names no function: the stack does, as for the old "%pS" address (not the raw line)."""
    text = (DATA / "mipsel-6.1.0-50-mod-warn.log").read_text()
    (want,) = parse_log(text.encode())
    old = "WARNING: CPU: 0 PID: 79 at src/hotfence/lab/module/hotfence_crash.c:110 "
    old += "hotfence_crash_do+0xd4/0x28c [hotfence_crash]"
    (rep,) = parse_log(reworded(text, {old: line}).encode())
    assert (
        (rep.title, rep.corrupted) == (want.title, False) == ("WARNING in hotfence_crash_do", False)
    )
    assert (rep.comm, rep.pid, rep.cpu) == (want.comm, want.pid, want.cpu) == ("sh", 79, 0)


def test_a_run_of_other_devices_resume_lines_amid_a_trace_does_not_end_it() -> None:
    """A crash in a device's resume on a console without caller ids (a ChromeOS
    Herobrine board's 5.19 xhci_resume() oops, a linux-usb mail of 2022): the other
    devices' async_resume() workers print their timing with pm_print_times
    (drivers/base/power/main.c initcall_debug_start() and initcall_debug_report(): "PM:
    calling %pS @ %i, parent: %s", "PM: %pS returned %d after %Ld usecs") while the
    trace is printed, two or three lines between two of its entries. The trace goes on
    after them, as in the same log without them."""
    from test_realworld_wrap import _same_reports

    log = (DATA / "arm64-6.1.0-50-mod-null.log").read_text()
    lines = log.splitlines(keepends=True)
    at = next(i for i, t in enumerate(lines) if t.endswith("] Call trace:\n")) + 4
    stamp = lines[at][: lines[at].index("] ") + 2]
    pm = [
        "virtio_blk virtio1: PM: calling virtio_dev_resume+0x0/0x30 @ 120, parent: 0000:00:01.0",
        "virtio_blk virtio1: PM: virtio_dev_resume+0x0/0x30 returned 0 after 12 usecs",
        "rtc-pl031 9010000.pl031: PM: calling amba_pm_resume+0x0/0x50 @ 121, parent: platform",
    ]
    interleaved = lines[:at] + [f"{stamp}{t}\n" for t in pm] + lines[at:]
    (rep,) = _same_reports(log, "".join(interleaved))
    assert len(rep.frames) > 8
