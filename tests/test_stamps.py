"""The plain searches that find a log's indented blocks (hotfence.triage.stamps).

Both ways of finding the lines a block must hold (reading the few indented lines, or
searching the whole text for each anchor: stamps._anchored_lines picks the cheaper for
the log) must give the same lines, on every real log the repo holds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hotfence.triage.stamps import (
    _BLOCK_LEAD_RE,
    _ITEM_ANCHORS,
    _ITEM_LEAD_RE,
    _anchored_among,
    _anchored_by_search,
    _has_item_anchor,
    _line_starts,
)

DATA = Path(__file__).parent
LOGS = sorted((DATA / "data" / "realworld").glob("*.log")) + sorted((DATA / "lab").glob("*.log"))


def _texts(path: Path) -> list[str]:
    """The log as parse_log reads a file's bytes, and as pasted in an indented block
    (tests/test_realworld_ci.py: git log's four spaces, a mail's tab) and as apport's
    multi-line item (one space before each line, problem_report.py)."""
    log = path.read_bytes().decode("latin-1")
    pasted = [
        "\n".join(indent + line if line.strip() else "" for line in log.split("\n"))
        for indent in ("    ", "\t", " ")
    ]
    return [log, *pasted]


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_indented_lines_read_find_the_anchors_the_search_finds(path: Path) -> None:
    for text in _texts(path):
        indented = _line_starts(text, _BLOCK_LEAD_RE, len(text))
        assert indented is not None
        assert _anchored_among(text, indented) == _anchored_by_search(text)


def test_some_log_holds_an_indented_block() -> None:
    # (the comparison above means something only when some texts hold such lines)
    assert sum(bool(_anchored_by_search(text)) for path in LOGS for text in _texts(path)) > 100


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_item_anchor_found_either_way(path: Path) -> None:
    for text in _texts(path):
        by_search = any(("\n " + a) in text or text.startswith(" " + a) for a in _ITEM_ANCHORS)
        spaced = _line_starts(text, _ITEM_LEAD_RE, len(text))
        assert spaced is not None
        assert any(text.startswith(_ITEM_ANCHORS, start + 1) for start in spaced) == by_search
        assert _has_item_anchor(text) == by_search


def test_line_starts_gives_up_past_most() -> None:
    text = "a\n  b\n\tc\n  d\n \n"
    assert _line_starts(text, _BLOCK_LEAD_RE, 3) == [2, 6, 9]
    assert _line_starts(text, _BLOCK_LEAD_RE, 2) is None
    assert _line_starts(text, _ITEM_LEAD_RE, 9) == [2, 9, 13]
    assert _line_starts("  a\nb", _BLOCK_LEAD_RE, 1) == [0]
    assert _line_starts("\ta\n\tb", _BLOCK_LEAD_RE, 1) is None
    assert _line_starts(" a", _BLOCK_LEAD_RE, 1) == []
