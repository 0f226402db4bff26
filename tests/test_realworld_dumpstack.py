"""Kernel messages that come with a dump_stack() (or the WARN or BUG after them) and are
crash reports only with it: ASSERT_RTNL()'s "RTNL: assertion failed", proc_sysctl.c's
"sysctl table check failed", check_stack_overflow()'s "do_IRQ: stack overflow" (x86_64's
stack_overflow_check(): "do_IRQ: %s near stack overflow") and
exc_control_protection()'s "Missing ENDBR". Their logs and facts are in
``data/realworld`` (``expected.yaml``); here, the same lines without the dump after them,
which must stay no report: a console that lost the rest, a program that printed the
words."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotfence.triage.parser import parse_log

DATA = Path(__file__).parent / "data" / "realworld"
LAB = Path(__file__).parent / "lab"

# Each log's message line, the first line of its report.
MESSAGES = {
    "x86-6.1-rtnl-dump-stack": (
        "RTNL: assertion failed at src/hotfence/lab/module/hotfence_crash.c (252)"
    ),
    "x86-6.1.0-56-rtnl-warn": (
        "RTNL: assertion failed at src/hotfence/lab/module/hotfence_crash.c (252)"
    ),
    "x86-6.1.0-56-sysctl-check": "sysctl table check failed: hotfence/bad No proc_handler",
    "ppc64le-6.1-do-irq-stack-overflow": "do_IRQ: stack overflow: 1728",
    "x86-6.1-do-irq-near-stack-overflow": (
        "do_IRQ: sh near stack overflow (cur:ffffc90000628000,rsp:ffffc900006280a8)"
    ),
    "x86-6.1-missing-endbr": "Missing ENDBR: hotfence_crash_bug+0x0/0x20 [hotfence_crash]",
}


def _up_to_message(name: str) -> tuple[str, str]:
    """The log's lines up to its message line (included), and that line."""
    lines = (DATA / f"{name}.log").read_text().splitlines(keepends=True)
    at = next(i for i, ln in enumerate(lines) if ln.rstrip().endswith(MESSAGES[name]))
    return "".join(lines[: at + 1]), lines[at]


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_the_message_whose_dump_was_lost_is_no_report(name: str) -> None:
    whole = parse_log((DATA / f"{name}.log").read_text())
    assert len(whole) == 1
    cut, _ = _up_to_message(name)
    assert parse_log(cut) == []


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_the_words_in_a_programs_lines_are_no_report(name: str) -> None:
    # logger(1) or a script echoing the words: syslog's "host ident[pid]: " before them,
    # or alone on a console, with other lines (not a task header, registers or a stack)
    # after them
    words = MESSAGES[name]
    syslog = (
        f"Nov 27 10:00:01 host netcheck[4242]: {words}\n"
        "Nov 27 10:00:01 host netcheck[4242]: retrying in 5 s\n"
    )
    assert parse_log(syslog) == []
    assert parse_log(f"{words}\nretrying in 5 s\n") == []


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_the_message_before_another_crash_leaves_that_crash_alone(name: str) -> None:
    # A real BUG() (the lab's Debian 6.1 recording) with the message, its dump lost, a
    # few lines before it: one report, the BUG's, from its own first line.
    lab = (LAB / "bug.log").read_text()
    (want,) = parse_log(lab)
    _, message = _up_to_message(name)
    at = lab.index("[    2.044137] hotfence_crash: loading")
    reports = parse_log(lab[:at] + message + lab[at:])
    assert [(r.title, r.text.splitlines()[0]) for r in reports] == [
        (want.title, want.text.splitlines()[0])
    ]


def test_x86_64s_near_stack_overflow_warn_once_is_the_warnings() -> None:
    # 2.6.3x-3.x x86_64 stack_overflow_check() prints the words through WARN_ONCE():
    # warn_slowpath_common() prints "WARNING: at %s:%d %pS()", the board's "Hardware
    # name:" and then the message. The recorded 6.1 WARN (x86-6.1.0-56-rtnl-warn) in
    # that order, its message the check's (the line number, offsets and addresses made
    # up): one report, the WARNING's, from its line.
    lines = (DATA / "x86-6.1.0-56-rtnl-warn.log").read_text().splitlines(keepends=True)
    at = next(i for i, ln in enumerate(lines) if "RTNL: assertion failed" in ln)
    stamp = lines[at][: lines[at].index("]") + 1]
    warning = (
        f"{stamp} WARNING: at arch/x86/kernel/irq_64.c:46 handle_irq+0x3d/0xb0()\n"
        f"{stamp} do_IRQ: sh near stack overflow (cur:ffffc9000062c000,sp:ffffc9000062c0a8)\n"
    )
    assert "WARNING: CPU: 0 PID: 117 at " in lines[at + 1]  # (replaced by the old line)
    log = "".join([*lines[:at], warning, *lines[at + 2 :]])
    (rep,) = parse_log(log)
    assert rep.type == "WARNING"
    assert rep.text.splitlines()[0].startswith("WARNING: at arch/x86/kernel/irq_64.c:46")
    assert "near stack overflow" in rep.text


@pytest.mark.parametrize(
    ("line", "title"),
    [
        (
            "WARNING: kernel stack regs at 00000000d1b8890f in kworker/0:1:31 has bad 'bp'"
            " value 000000006ff32c02",
            "WARNING: kernel stack regs has bad 'bp' value",
        ),
        (
            "WARNING: kernel stack frame pointer at 00000000d1b8890f in kworker/0:1:31 has"
            " bad value 000000006ff32c02",
            "WARNING: kernel stack frame pointer has bad value",
        ),
    ],
)
def test_an_unwinder_warning_names_the_task_whose_stack_it_walked(line: str, title: str) -> None:
    # x86's frame-pointer unwinder (arch/x86/kernel/unwind_frame.c unwind_next_frame(),
    # 4.9+) prints "WARNING: kernel stack regs at %p in %s:%d has bad 'bp' value %p" (or
    # "... frame pointer at %p in %s:%d has bad value %p"), the walked task's comm and pid
    # (tempesta-tech/tempesta#2268: "in swapper/3:0"); no task header follows it. A comm
    # may hold ":": the pid is the digits after the last one.
    lines = [
        ln
        for ln in (DATA / "x86-6.1.0-56-rtnl-warn.log").read_text().splitlines()
        if "] CPU: 0 PID: 117 Comm: sh " not in ln
    ]
    warn = next(i for i, ln in enumerate(lines) if "] WARNING: CPU: 0 PID: 117 at " in ln)
    lines[warn] = lines[warn].partition("] ")[0] + "] " + line
    reps = parse_log("\n".join(lines).encode())
    rep = next(r for r in reps if r.title.startswith("WARNING: kernel stack"))
    assert rep.title == title
    assert (rep.comm, rep.pid) == ("kworker/0:1", 31)


def _msr_log(rip: str) -> str:
    """x86-6.1.0-56-warn-no-bugverbose's WARN() report rewritten into the one
    arch/x86/mm/extable.c ex_handler_msr() (5.17+) prints for a WRMSR that faulted
    outside wrmsr_safe(): its line, then show_stack_regs()'s trace alone (no task line,
    no registers, no end marker), the same entries."""
    lines = (DATA / "x86-6.1.0-56-warn-no-bugverbose.log").read_text().splitlines(keepends=True)
    start = next(i for i, t in enumerate(lines) if "[ cut here ]" in t)
    trace = next(i for i in range(start, len(lines)) if lines[i].endswith("Call Trace:\n"))
    user = next(i for i in range(trace, len(lines)) if "RIP: 0033:" in lines[i])
    end = next(i for i in range(user, len(lines)) if "</TASK>" in lines[i])
    header = (
        "[    6.402341] unchecked MSR access error: WRMSR to 0x14e1 (tried to write "
        f"0x0000000000000000) at rIP: 0xffffffffc02c1045 ({rip})\n"
    )
    return "".join(lines[:start] + [header] + lines[trace:user] + lines[end : end + 1])


def test_an_unchecked_msr_access_error_is_titled_by_its_rip() -> None:
    """ex_handler_msr()'s "unchecked MSR access error: WRMSR to 0x%x (tried to write
    0x%08x%08x) at rIP: 0x%lx (%pS)" and its trace (the shape of
    https://lore.kernel.org/lkml/20210621034710.31107-1-likexu@tencent.com/) are a
    report, titled by the function "%pS" names, which is also its rip."""
    text = _msr_log("hotfence_crash_rtnl+0x45/0x50 [hotfence_crash]")
    (rep,) = parse_log(text.encode())
    assert (rep.title, rep.type, rep.corrupted) == (
        "unchecked MSR access error in hotfence_crash_rtnl",
        "WARNING",
        False,
    )
    assert rep.rip is not None
    assert (rep.rip.function, rep.rip.module) == ("hotfence_crash_rtnl", "hotfence_crash")
    assert [f.function for f in rep.frames[:3]] == [
        "hotfence_crash_do",
        "hotfence_crash_write",
        "proc_reg_write",
    ]


def test_an_unchecked_msr_access_error_in_an_accessor_is_titled_by_its_caller() -> None:
    """Most MSR writes fault in native_write_msr() (arch/x86/include/asm/msr.h, every
    wrmsrl()'s): the title names the trace's first caller instead, as the reports on the
    lists name them ("... (native_read_msr+0x7/0x40) (intel_idle_init_cstates_icpu)")."""
    text = _msr_log("native_write_msr+0x4/0x20")
    (rep,) = parse_log(text.encode())
    assert rep.title == "unchecked MSR access error in hotfence_crash_do"
    assert rep.rip is not None and rep.rip.function == "native_write_msr"
    # The line alone, its trace lost: a corrupted report still, titled by the function
    # at rIP where that is no accessor, its caller unknown ("corrupted") where it is one.
    for rip, title in (
        ("hotfence_crash_rtnl+0x45/0x50 [hotfence_crash]", "hotfence_crash_rtnl"),
        ("native_write_msr+0x4/0x20", "corrupted"),
    ):
        text = _msr_log(rip)
        alone = text[: text.index("Call Trace:")].rsplit("\n", 1)[0] + "\n"
        (cut,) = parse_log(alone.encode())
        assert (cut.title, cut.corrupted) == (f"unchecked MSR access error in {title}", True)


def test_an_unchecked_msr_access_error_before_a_crash_is_its_context() -> None:
    """An MSR access error is no crash to syzkaller, and the kernel goes on after it: as
    an OOM kill, one that a crash follows in its boot is that crash's context, and the
    log's report is the crash (here the WARN the same log's report is rewritten from)."""
    msr = _msr_log("native_write_msr+0x4/0x20")
    orig = (DATA / "x86-6.1.0-56-warn-no-bugverbose.log").read_text()
    (want,) = parse_log(orig.encode())
    cut = orig.index("[    6.401081] ------------[ cut here ]")
    tail = msr[msr.index("[    6.402341] unchecked MSR") :]
    text = orig[:cut] + tail.replace("[    6.4", "[    6.3") + orig[cut:]
    (rep,) = parse_log(text.encode())
    assert (rep.title, rep.start_line) == (want.title, want.start_line + len(tail.splitlines()))
    assert rep.context[-1].startswith("unchecked MSR access error: WRMSR to 0x14e1 ")
