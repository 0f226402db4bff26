"""The same real kernel logs in the wrappings they reach an operator in: journalctl's
output modes, /dev/kmsg records, dmesg's options, pstore files, crash's ``log``, mail
quotes and decode_stacktrace.sh. Each wrapping must give the reports, titles and facts
the plain console log gives (tests/data/realworld, tests/lab: real kernels' output).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log

DATA = Path(__file__).parent / "data" / "realworld"
LAB = Path(__file__).parent / "lab"
# printk's time, "[%5lu.%06lu] " (kernel/printk/printk.c print_time())
_PRINTK_TIME = re.compile(r"^\[ *(\d+\.\d+)\] ", re.M)


def _facts(rep: Report) -> tuple[object, ...]:
    return (
        rep.title,
        rep.type,
        rep.corrupted,
        rep.comm,
        rep.pid,
        rep.cpu,
        rep.kernel_release,
        rep.taint,
        [(f.function, f.unreliable) for f in rep.frames],
    )


def _same_reports(plain: str, wrapped: str) -> list[Report]:
    want = parse_log(plain.encode())
    got = parse_log(wrapped.encode())
    assert [_facts(r) for r in got] == [_facts(r) for r in want]
    assert want and not want[0].corrupted, want[0].corrupted_reason
    return got


@pytest.mark.parametrize(
    ("log", "unreliable"),
    [
        (
            DATA / "ppc64le-6.1.0-50-hung-task.log",
            "] update_blocked_averages+0x43c/0x960 (unreliable)",
        ),
        (LAB / "hung-task.log", "\n ? f_dupfd+0x47/0x60\n"),
    ],
)
def test_unstamped_lines_keep_their_unreliable_frames(log: Path, unreliable: str) -> None:
    # util-linux dmesg -t (--notime) and journalctl -o cat print the text alone, as does a
    # kernel booted with printk.time=0: powerpc show_stack()'s "(unreliable)" entry and
    # x86's " ? " one are still no frames to title a hung task by
    console = log.read_text()
    bare = _PRINTK_TIME.sub("", console)
    assert unreliable in bare
    reps = _same_reports(console, bare)
    assert reps[0].title.startswith("INFO: task hung in ")
