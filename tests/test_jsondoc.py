"""hotfence.triage.jsondoc must write exactly what json.dumps(asdict(...), indent=2) writes."""

from __future__ import annotations

import dataclasses
import glob
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotfence.triage import jsondoc
from hotfence.triage.analyze import triage_text
from hotfence.triage.model import Disassembly, FileResult, Frame, Instruction, KnownBugMatch, Report, SourceLocation
from hotfence.triage.render import group_titles, to_json

CORPUS = "/work/shared/corpus/syzkaller-linux/report"


def reference(obj: object) -> str:
    def conv(o: object) -> object:
        return dataclasses.asdict(o) if dataclasses.is_dataclass(o) else o
    if isinstance(obj, list):
        obj = [conv(o) for o in obj]
    return json.dumps(conv(obj), indent=2, ensure_ascii=False)


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
opt_int = st.none() | st.integers(-(1 << 70), 1 << 70)
opt_text = st.none() | text
location = st.builds(SourceLocation, text, text, st.integers(0, 1 << 20), st.booleans())
frame = st.builds(Frame, text, opt_int, opt_int, opt_text, st.booleans(), st.booleans(), opt_text, opt_int,
                  opt_int, st.lists(location, max_size=3))
instruction = st.builds(Instruction, st.integers(0, 4096), st.integers(1, 15), text, text, st.booleans())
disassembly = st.builds(Disassembly, text, text, opt_int, st.integers(0, 16), st.lists(instruction, max_size=4),
                        opt_text)
known = st.builds(KnownBugMatch, text, text, st.lists(text, max_size=3), st.none() | st.booleans(),
                  st.lists(text, max_size=3))
report = st.builds(
    Report, title=text, type=text, alt_titles=st.lists(text, max_size=3), corrupted=st.booleans(),
    corrupted_reason=opt_text, start=st.integers(0, 1 << 40), rip=st.none() | frame,
    frames=st.lists(frame, max_size=4), cpu=opt_int, comm=opt_text, taint_flags=st.lists(text, max_size=3),
    context=st.lists(text, max_size=3), code=st.none() | disassembly, known_bugs=st.lists(known, max_size=2),
    text=text,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(report, max_size=4))
def test_reports_encode_like_json_dumps(reports: list[Report]) -> None:
    assert jsondoc.encode(reports) == reference(reports)


scalar = st.none() | st.booleans() | st.integers() | st.floats() | text
tree = st.recursive(scalar, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(text, kids, max_size=4),
                    max_leaves=30)


@settings(max_examples=200, deadline=None)
@given(tree)
def test_plain_values_encode_like_json_dumps(value: object) -> None:
    assert jsondoc.encode(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_scalar_spellings_and_keys() -> None:
    value = {"nan": math.nan, "inf": -math.inf, 1: True, None: [], "t": (1, 2), "e": {}}
    assert jsondoc.encode(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_unencodable_value_raises_type_error() -> None:
    with pytest.raises(TypeError):
        jsondoc.encode({"x": object()})
    with pytest.raises(TypeError):
        jsondoc.encode({(1, 2): 3})


def test_triage_document_of_real_logs_unchanged() -> None:
    """to_json over real corpus logs equals the asdict + json.dumps(indent=2) document."""
    results = []
    for path in sorted(glob.glob(f"{CORPUS}/*"))[:60]:
        with open(path, "rb") as fh:
            body = fh.read().partition(b"\n\n")[2]
        results.append(FileResult(path, triage_text(body)))
    assert sum(len(r.reports) for r in results) > 30
    doc = {
        "version": 1,
        "files": [{"path": r.path, "error": r.error, "reports": [dataclasses.asdict(x) for x in r.reports]}
                  for r in results],
        "groups": [dataclasses.asdict(g) for g in group_titles(results)],
    }
    assert to_json(results) == json.dumps(doc, indent=2, ensure_ascii=False)
