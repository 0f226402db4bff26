"""Real kernel logs (tests/data/realworld) cut and wrapped as operators paste them:
journalctl's pager (less -S) cutting each line at the terminal's width, and mail
clients and Bugzilla wrapping at words. What is left of a fact is the fact or nothing,
never a wrong one (see test_realworld_wrap.py for the shapes' history).
"""

from __future__ import annotations

from pathlib import Path

from hotfence.triage.parser import parse_log
from test_realworld_wrap import _paged_journal

DATA = Path(__file__).parent / "data" / "realworld"


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
