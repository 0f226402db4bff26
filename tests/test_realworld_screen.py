"""Panics read off a screen: a VGA or serial console keeps only its last 25-50 lines, so
what users post of a machine that died starts somewhere in the middle of the crash (the
oops's header and first frames scrolled off). Tested by cutting the recorded real logs in
``data/realworld`` (see its README.md) to the lines such a screen still shows."""

from __future__ import annotations

from pathlib import Path

from hotfence.triage.parser import parse_log

DATA = Path(__file__).parent / "data" / "realworld"


def screen(name: str, rows: int) -> bytes:
    """The last ``rows`` lines of a recorded log: what its console screen still shows."""
    lines = (DATA / name).read_text().splitlines()
    return "\n".join(lines[-rows:]).encode()


def test_a_stopped_cpus_dump_is_not_the_panic_whose_oops_scrolled_off() -> None:
    """arch/arm/kernel/smp.c ipi_cpu_stop() (and arm64's before 4.x): every CPU that
    panic()'s smp_send_stop() halts prints "CPU%u: stopping" and dump_stack(): that CPU's
    own header and its IPI handler's trace. With the oops's header scrolled off, the
    "Fatal exception in interrupt" panic has no task of its own on the screen: the stopped
    CPU's kworker and do_handle_IPI trace are not the crash's. The kernel release and the
    taint its header states are the whole system's, and still hold."""
    (rep,) = parse_log(screen("armhf-6.1.0-50-mod-slub-poison.log", 30))
    assert rep.title == "kernel panic: Fatal exception"
    assert rep.corrupted  # the report's start was lost, as syzkaller's table says
    assert (rep.comm, rep.pid, rep.cpu) == (None, None, None)
    assert rep.kernel_release == "6.1.0-50-armmp"
    assert rep.taint == "G    B D    OE"
    functions = [f.function for f in rep.frames]
    assert "do_handle_IPI" not in functions and "ipi_handler" not in functions


def test_the_stopped_cpus_dump_after_a_whole_panic_leaves_it_as_it_was() -> None:
    """The same dump after a panic whose own header and trace are on the screen: the
    panicking task and its trace stay the report's."""
    (rep,) = parse_log(screen("armhf-6.1.0-50-kill-init.log", 40))
    assert rep.title == "kernel panic: Attempted to kill init!"
    assert (rep.comm, rep.pid, rep.cpu, rep.kernel_release) == ("init", 1, 0, "6.1.0-50-armmp")
    assert [f.function for f in rep.frames] == [
        "unwind_backtrace",
        "show_stack",
        "dump_stack_lvl",
        "panic",
    ]


def test_the_trace_left_on_the_screen_is_the_panics_whose_oops_scrolled_off() -> None:
    """arm64 die() and riscv die() panic("Fatal exception") right after the oops's end
    marker (kernel/panic.c print_oops_end_marker(), "---[ end trace %016llx ]---"), with
    no dump_stack() of the panic's own (TAINT_DIE is set). With the oops's header
    scrolled off, the panic is a report of its own, and the trace the screen still shows
    above its end marker is the crash's: the frames are those, the title still the
    panic line's."""
    (arm64,) = parse_log(screen("arm64-6.1-oops.log", 17))
    assert arm64.title == "kernel panic: Fatal exception" and arm64.corrupted
    assert [f.function for f in arm64.frames][:5] == [
        "hotfence_crash_null_deref",
        "hotfence_crash_write",
        "proc_reg_write",
        "vfs_write",
        "ksys_write",
    ]
    (riscv,) = parse_log(screen("riscv64-6.12.117+deb13-mod-bug.log", 20))
    assert riscv.title == "kernel panic: Fatal exception"
    assert [f.function for f in riscv.frames][:4] == [
        "hotfence_crash_bug",
        "hotfence_crash_do",
        "hotfence_crash_write",
        "proc_reg_write",
    ]


def test_a_panic_after_a_whole_oops_is_still_that_oops() -> None:
    """When the oops's header is on the screen the panic joins it, as before: one
    report, the oops's."""
    (rep,) = parse_log(screen("arm64-6.1-oops.log", 29))
    assert rep.title == "Internal error in hotfence_crash_null_deref"
    assert (rep.comm, rep.pid) == ("sh", 117)
