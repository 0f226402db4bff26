"""A task's report's prefix: its own lines before the header, found by jumping back to
its tag (extract._prefix_lines) exactly as reading every line back would find them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotfence.triage import extract
from hotfence.triage.extract import join_wrapped
from hotfence.triage.lines import Line, caller_id, make_line


def _line_by_line(text: str, start: int, context: str, first_no: int) -> list[Line]:
    """_prefix_lines as it read every line back, one at a time."""
    want = extract._PREFIX_LINES_TASK if caller_id(context) else extract._PREFIX_LINES
    out: list[Line] = []
    end, number, scanned = start - 1, first_no - 1, 0
    tag = caller_id(context)
    after: Line | None = None
    while end >= 0 and len(out) < want and scanned < 4 * want + 50:
        s = text.rfind("\n", 0, end) + 1
        raw = text[s:end]
        line = None
        if not tag or tag in raw[:128]:
            line = make_line(raw, s, number)
            if after is not None and line.context == context:
                line = join_wrapped(line, raw, after, text) or line
            if line.context == context and line.text and not line.questionable:
                out.append(line)
        after = line if line is not None and context and not line.context else None
        end, number, scanned = s - 1, number - 1, scanned + 1
    out.reverse()
    return out


# Lines before the header: the report's task's, other tasks' (one whose id holds ours),
# its tag past column 128, unprefixed program output, empty lines.
_KINDS = st.sampled_from(["own", "own", "other", "other", "longer_id", "far_tag", "bare", ""])


def _render(kind: str, i: int) -> str:
    stamp = f"[  {i // 1000:3d}.{i % 1000:06d}]"
    return {
        "own": f"{stamp}[ T100] own line {i}",
        "other": f"{stamp}[ T{200 + i % 7}] another task's line {i}",
        "longer_id": f"{stamp}[T1000] a task whose id starts with ours {i}",
        "far_tag": f"{stamp}[ T201] {'x' * 130} T100 named late {i}",
        "bare": f"program output {i}",
        "": "",
    }[kind]


@settings(max_examples=200, deadline=None)
@given(
    kinds=st.lists(_KINDS, max_size=400),
    piece=st.sampled_from([3, 40, 1 << 13]),
    tag=st.sampled_from(["T100", "T1000", "C0"]),
)
def test_prefix_lines_as_read_line_by_line(kinds: list[str], piece: int, tag: str) -> None:
    head = "\n".join(_render(k, i) for i, k in enumerate(kinds))
    text = f"{head}\n[ 999.000000][ {tag}] BUG: KASAN: use-after-free in f\n"
    start = len(head) + 1
    context = make_line(text[start:].partition("\n")[0], start, 0).context
    assert context == tag
    with pytest.MonkeyPatch.context() as mp:
        # (small search pieces put tags across their bounds; 400 lines pass the 250 read)
        mp.setattr(extract, "_TAG_SEARCH_CHARS", piece)
        got = extract._prefix_lines(text, start, context, len(kinds) + 1)
    assert got == _line_by_line(text, start, context, len(kinds) + 1)
    if tag == "T100":
        # the ones within reach are its own lines, numbered as the log's lines
        reach = kinds[max(0, len(kinds) - 250) :]
        own = [i for i, k in enumerate(kinds) if k == "own" and i >= len(kinds) - len(reach)]
        assert [ln.number for ln in got] == [i + 1 for i in own[-50:]]
