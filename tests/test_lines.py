"""Prefix stripping and line offsets (hotfence.triage.lines)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus import SYZ
from hotfence.triage.lines import (
    CONSOLE,
    JOURNAL_FIELD,
    KMSG_DICT,
    QUESTIONABLE_PATTERN,
    SYSLOG,
    _may_have_prefix,
    _prefix_re,
    _syslog_only_re,
    caller_id,
    iter_lines,
    line_bounds,
    make_line,
    split_lines,
    strip_prefix,
)


@pytest.mark.parametrize(
    ("raw", "text", "context"),
    [
        ("[  123.456789] BUG: KASAN: x", "BUG: KASAN: x", CONSOLE),
        ("[  123.456789][ T4321] BUG: x", "BUG: x", "T4321"),
        ("[  123.456789][    C1] rcu: y", "rcu: y", "C1"),
        ("[  123.456789][T12] z", "z", "T12"),
        ("<4>[    1.000000] WARNING: w", "WARNING: w", CONSOLE),
        ("<4>[    1.000000][  T1] WARNING: w", "WARNING: w", "T1"),
        (
            "Nov 24 21:45:01 host kernel: [ 12.5] general protection fault",
            "general protection fault",
            SYSLOG,
        ),
        ("Nov  4 01:02:03 host kernel: plain journal line", "plain journal line", SYSLOG),
        ("Sep 23 02:31:17 syzkaller kern.err kernel: [   68.938106][ T1] msg", "msg", "syslog/T1"),
        ("2026-11-24T21:45:01.123456+0000 host kernel: iso line", "iso line", SYSLOG),
        ("[Tue Nov 24 21:45:01 2026] dmesg -T line", "dmesg -T line", CONSOLE),
        ("Nov 24 21:45:01.123456 host kernel: precise", "precise", SYSLOG),
        ("[  123.456789] myhost kernel: monotonic", "monotonic", CONSOLE),
        ("[  C3] caller only", "caller only", "C3"),
        ("syzkaller login: [   36.852785][ T3615] traps: x", "traps: x", "T3615"),
        ("** 3 printk messages dropped ** [  1.0] after drop", "after drop", CONSOLE),
        ("no prefix at all", "no prefix at all", ""),
        ("[  123.456789] with CR\r", "with CR", CONSOLE),
        (" [<ffffffff81000000>] not a timestamp", " [<ffffffff81000000>] not a timestamp", ""),
    ],
)
def test_strip_prefix(raw: str, text: str, context: str) -> None:
    assert strip_prefix(raw) == (text, context)


# util-linux dmesg's times in the reader's locale, as the parser reads a log (bytes as
# latin-1): -e / -H's short_ctime() strftime("%b%e %H:%M") names the month as the locale
# does, and its "[  %+8.06f] " / "<%12.06f>" deltas take LC_NUMERIC's decimal point, a
# comma in ru_RU, de_DE, fr_FR (print_record(); "%5ld.%06ld", the printk time, keeps the
# dot). -T, -e and the caller id together, the shape a Russian openSUSE user pasted
# (github.com/bol-van/zapret issue 1336): util-linux 2.40 prints each time asked for.
@pytest.mark.parametrize(
    ("raw", "context"),
    [
        ("[ноя26 21:40] BUG: x", CONSOLE),
        ("[11月 5 21:40] BUG: x", CONSOLE),
        ("[nov.26 21:40] BUG: x", CONSOLE),
        ("[  +0,000022] BUG: x", CONSOLE),
        ("[ +12,345678] BUG: x", CONSOLE),
        ("[<    0,000022>] BUG: x", CONSOLE),
        ("[    4.883231 <    0,000022>] BUG: x", CONSOLE),
        ("[Fr Nov 28 09:00:00 2026 <    0,000022>] BUG: x", CONSOLE),
        ("[Пт ноя 27 10:11:12 2026] [ноя27 10:11] [   T160] BUG: x", "T160"),
        ("[Пт ноя 27 10:11:12 2026] [  +0,000022] [   T160] BUG: x", "T160"),
    ],
)
def test_localized_dmesg_times_are_prefixes(raw: str, context: str) -> None:
    assert strip_prefix(raw.encode().decode("latin-1")) == ("BUG: x", context)


def test_offsets_and_numbers_cover_the_text() -> None:
    log = "a\n[  1.0] b\n\nlast"
    lines = split_lines(log)
    assert [ln.number for ln in lines] == [1, 2, 3, 4]
    assert [log[ln.start : ln.end] for ln in lines] == ["a", "[  1.0] b", "", "last"]
    assert [ln.text for ln in lines] == ["a", "b", "", "last"]


def test_iter_lines_window() -> None:
    log = "x\ny\nz\n"
    got = list(iter_lines(log, 2, 4, first_number=2))
    assert [(ln.raw, ln.number, ln.start) for ln in got] == [("y", 2, 2)]


def test_line_bounds() -> None:
    log = "first\nsecond\nthird"
    assert line_bounds(log, 8) == (6, 12)
    assert line_bounds(log, 0) == (0, 5)
    assert line_bounds(log, len(log) - 1) == (13, 18)


def test_questionable_frames_marked_by_prefix_or_by_their_whole_shape() -> None:
    q = split_lines("[  1.0]  ? foo+0x1/0x2\n ? foo+0x1/0x2\n[  1.0]  <EOI> ? bar+0x1/0x2")
    assert [ln.questionable for ln in q] == [True, True, False]
    # on a line with no prefix only an unwinder's entry is judged, not message text
    bare = split_lines(
        " [<ffffffff8147a1c2>] ? tcp_v4_rcv+0x4e2/0xa20\n"
        "[c000000004aeb580] [c00000000019acec] update_blocked_averages+0x43c/0x960 (unreliable)\n"
        "sshd: is this host trusted ? answer+0x1/0x2 given\n"
        "bonding: link state (unreliable)\n"
    )
    assert [ln.questionable for ln in bare] == [True, True, False, False]


def test_caller_id() -> None:
    assert [caller_id(c) for c in ("", CONSOLE, SYSLOG, "T12", "C3", "syslog/T7")] == [
        "",
        "",
        "",
        "T12",
        "C3",
        "T7",
    ]


def test_console_and_syslog_copies_are_separate_streams() -> None:
    a, b = split_lines("[  1.0][ T5] x\nNov 24 21:45:01 h kernel: [  1.0][ T5] x")
    assert (a.text, b.text) == ("x", "x")
    assert a.context != b.context and caller_id(a.context) == caller_id(b.context) == "T5"


def test_a_dev_kmsg_dictionary_line_has_a_context_of_its_own() -> None:
    lines = split_lines(
        " SUBSYSTEM=pci\n DEVICE=+pci:0000:00:01.0\n               SUBSYSTEM=virtio\n"
        "    HOME=/\n RIP: 0010:f+0x1/0x2\n"
    )
    assert [ln.context for ln in lines] == [KMSG_DICT, KMSG_DICT, KMSG_DICT, JOURNAL_FIELD, ""]


def _fixture_lines() -> list[str]:
    """Every line of the syzkaller corpus and the real-world logs, as parse_log reads
    them (latin-1)."""
    data = Path(__file__).parent / "data" / "realworld"
    paths = [p for p in (*SYZ.rglob("*"), *data.rglob("*")) if p.is_file()]
    out: list[str] = []
    for path in paths:
        out += path.read_bytes().decode("latin-1").splitlines()
    return out


def test_prefix_prechecks_skip_only_lines_the_regexes_cannot_match() -> None:
    """parse_prefix runs its two widest regexes only on lines that pass a substring
    test (_may_have_prefix, "kern"): the tests must never turn away a line they match."""
    lines = _fixture_lines()
    prefixed = [raw for raw in lines if _prefix_re().match(raw)]
    syslog = [raw for raw in lines if _syslog_only_re().match(raw)]
    assert len(prefixed) > 1000 and len(syslog) > 50  # the fixtures hold both kinds
    assert [raw for raw in prefixed if not _may_have_prefix(raw)] == []
    assert [raw for raw in syslog if "kern" not in raw.lower()] == []


def test_prefixed_questionable_lines_are_the_patterns_matches() -> None:
    """make_line marks a prefixed line questionable by a " ? " substring test: the same
    lines syzkaller's pattern (its pc part optional) finds, over every fixture line."""
    questionable = re.compile(QUESTIONABLE_PATTERN)
    lines = [make_line(raw, 0, 0) for raw in _fixture_lines()]
    prefixed = [ln for ln in lines if ln.context and "<EOI>" not in ln.text]
    marked = [ln for ln in prefixed if questionable.search(ln.text)]
    assert len(marked) > 1000  # the fixtures hold x86's " ? " guesses
    assert [ln.raw for ln in marked if not ln.questionable] == []
    unmarked = [ln for ln in prefixed if not questionable.search(ln.text)]
    assert [ln.raw for ln in unmarked if ln.questionable != ln.text.endswith(" (unreliable)")] == []
