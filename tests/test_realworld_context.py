"""What the kernel prints before a crash is the crash's context (issue 11, item 6).

The logs are real: ``x86-6.18.44-pod-context.log`` was recorded from this project's host
kernel (see ``data/realworld/README.md``), the others are the lab's and the syzkaller
corpus's. Each event line must land in the next report's context, through the parser and
through the CLI's prefilter alike, must not be a report of its own, and must be seen by a
known-bug entry's ``preceded_by``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hotfence.known.catalog import load_catalog
from hotfence.known.match import match_all
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_input

DATA = Path(__file__).parent / "data" / "realworld"
POD = DATA / "x86-6.18.44-pod-context.log"
LAB = Path(__file__).parent / "lab"

# Lines of the recorded pod log printed before its OOM kill, each with the regex a
# catalogue entry would ask for.
POD_EVENTS = [
    pytest.param(
        "cgroup: fork rejected by pids controller in /hotfence-g7-pod",
        r"fork rejected by pids controller",
        id="pids-fork-rejected",
    ),
    pytest.param(
        "EXT4-fs error (device loop0): htree_dirblock_to_tree:1051: inode #12: comm ls: "
        "Directory block failed checksum",
        r"EXT4-fs error \(device \S+\): htree_dirblock_to_tree",
        id="ext4-error",
    ),
]


def _stamped(line: str) -> str:
    (raw,) = [r for r in POD.read_text().splitlines() if r.endswith("] " + line)]
    return raw


@pytest.mark.parametrize(("line", "pattern"), POD_EVENTS)
def test_an_event_before_an_oom_kill_is_its_context(
    line: str, pattern: str, tmp_path: Path
) -> None:
    """The event is in the kill's context, whether the log is parsed whole or through
    the CLI's prefilter, and a catalogue entry whose ``preceded_by`` asks for it names
    it as evidence."""
    (rep,) = parse_log(POD.read_bytes())
    assert rep.type == "OOM-KILL"
    assert line in rep.context
    (got,) = triage_input(str(POD)).reports
    assert line in got.context
    (tmp_path / "pod-oom.yaml").write_text(
        "id: pod-oom-after-event\nsummary: a pod's OOM kill after this event\n"
        "signature:\n  title: ['memory cgroup out of memory']\n"
        f"  preceded_by: ['{pattern}']\n"
    )
    catalog = load_catalog(extra_dirs=[tmp_path], builtin=False)
    (m,) = match_all(catalog, rep)
    assert f"preceded by {line!r}" in m.evidence
    assert m.missing == [] and m.certainty == "matched"


@pytest.mark.parametrize(("line", "pattern"), POD_EVENTS)
def test_an_event_alone_is_no_report(line: str, pattern: str) -> None:
    """The kernel printed the event as one line of information: no crash by itself."""
    assert parse_log((_stamped(line) + "\n").encode()) == []


@pytest.mark.parametrize(("line", "pattern"), POD_EVENTS)
def test_an_event_before_an_oops_is_its_context(line: str, pattern: str) -> None:
    """The recorded event line put in front of the lab's real NULL dereference (Debian
    6.1 under QEMU) is that oops's context, and only its context."""
    lab = (LAB / "null-deref.log").read_text()
    at = lab.index("BUG: kernel NULL pointer dereference")
    at = lab.rindex("\n", 0, at) + 1
    (want,) = parse_log(lab.encode())
    (rep,) = parse_log((lab[:at] + _stamped(line) + "\n" + lab[at:]).encode())
    assert rep.context == [*want.context, line]
    assert (rep.title, rep.frames) == (want.title, want.frames)
