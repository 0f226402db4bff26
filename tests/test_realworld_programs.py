"""Programs' output beside the kernel's: a console, syslog file or journal shared by the
kernel and the programs it runs. Their crash dumps and warnings are never kernel reports.
Tested by composing the recorded real logs in ``data/realworld`` (see its README.md) with
program output written from those programs' own printing code."""

from __future__ import annotations

import re
from pathlib import Path

from hotfence.triage.parser import parse_log
from test_realworld_embedded import reworded

DATA = Path(__file__).parent / "data" / "realworld"
_PRINTK_TIME = re.compile(r"(?m)^\[ *\d+\.\d+\] ?")

# A Go program's unrecovered panic as its runtime prints it to stderr: runtime/panic.go
# printpanics() "panic: " and the value, runtime/signal_unix.go's "[signal SIGSEGV: ...]"
# for a fault, then runtime/traceback.go goroutineheader() "goroutine N [running]:" and
# each frame as "func(args)" over "\tfile:line +0xpc". It exits with status 2.
_GO_PANIC = """\
panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x4a5f20]

goroutine 1 [running]:
main.mountRoot(0x0)
\t/src/initrd/init/mount.go:88 +0x20
main.main()
\t/src/initrd/init/main.go:41 +0x1b4
"""
# runtime/proc.go checkdead(): fatal("all goroutines are asleep - deadlock!"), which
# runtime/panic.go fatal() prints after "fatal error: ", then the goroutines.
_GO_FATAL = """\
fatal error: all goroutines are asleep - deadlock!

goroutine 1 [chan receive]:
main.main()
\t/src/initrd/init/main.go:57 +0x3c
"""


def _init_died_of(dump: str) -> str:
    """The real arm64 log of /init exiting, its /init a Go program that died of ``dump``
    (on the console /init's stderr shares) with the Go runtime's exit status 2:
    kernel/exit.c prints "Attempted to kill init! exitcode=0x%08x" with the status << 8."""
    text = reworded(
        (DATA / "arm64-6.1.0-50-kill-init.log").read_text(),
        {"exitcode=0x00000300": "exitcode=0x00000200"},
    )
    panic_line = "[    2.247555] Kernel panic"
    assert text.count(panic_line) == 1
    return text.replace(panic_line, dump + panic_line)


def test_a_go_inits_panic_on_a_stamped_console_is_no_report() -> None:
    # printk stamps every line it prints, so the unstamped "panic:" and "fatal error:"
    # between the kernel's lines are /init's: the crash is the kernel's panic after them.
    (want,) = parse_log((DATA / "arm64-6.1.0-50-kill-init.log").read_bytes())
    for dump in (_GO_PANIC, _GO_FATAL, _GO_PANIC + _GO_FATAL):
        (rep,) = parse_log(_init_died_of(dump).encode())
        assert rep.title == want.title == "kernel panic: Attempted to kill init!"
        assert not rep.corrupted, rep.corrupted_reason
        assert (rep.cpu, rep.pid, rep.comm, rep.kernel_release) == (1, 1, "init", "6.1.0-50-arm64")
        assert [f.function for f in rep.frames] == [f.function for f in want.frames]
        assert "goroutine" not in rep.text and "panic: runtime" not in rep.text


def test_a_go_panic_in_a_log_without_printk_times_is_still_read_as_before() -> None:
    # Without the printk time no line tells the kernel's from a program's: the Go runtime's
    # crash stays the report syzkaller's console logs make of it (its corpus has them).
    bare = _PRINTK_TIME.sub("", _init_died_of(_GO_PANIC))
    reports = parse_log(bare.encode())
    assert reports[0].title == (
        "panic: runtime error: invalid memory address or nil pointer dereference"
    )
