"""Report shapes Fedora / RHEL / CentOS users meet in ``/var/log/messages`` and abrt's
``kernel oops`` bugs, from the 2.6.18-5.14 kernels those distributions ship: the lines
old kernels printed where newer ones print another wording, tested by rewriting real
logs (the syzkaller corpus, ``data/realworld``, ``lab``) into that wording, as each test
says with the kernel source that prints it."""

from __future__ import annotations

import re

import pytest

from corpus import SYZ
from hotfence.triage.parser import parse_log
from test_realworld_arch import DATA, _facts, reworded


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
