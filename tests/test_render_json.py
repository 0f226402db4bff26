"""The triage JSON document holds exactly the report dataclasses, as dataclasses.asdict gives them."""

from __future__ import annotations

import dataclasses
import json

import msgspec

from corpus import SYZ, syz_log
from hotfence.triage.analyze import triage_text
from hotfence.triage.model import FileResult
from hotfence.triage.render import JSON_VERSION, group_titles, to_json


def test_document_equals_asdict_of_every_corpus_report():
    results = []
    for path in sorted((SYZ / "report").iterdir(), key=lambda p: int(p.name))[:120]:
        results.append(FileResult(path=path.name, reports=triage_text(syz_log(path.name).encode())))
    doc = json.loads(to_json(results, extra={"vmcore": {"x": 1}}))
    assert doc["version"] == JSON_VERSION and doc["vmcore"] == {"x": 1}
    assert doc["files"] == [
        {
            "path": r.path,
            "error": r.error,
            "reports": [dataclasses.asdict(rep) for rep in r.reports],
        }
        for r in results
    ]
    assert doc["groups"] == [dataclasses.asdict(g) for g in group_titles(results)]
    assert sum(len(f["reports"]) for f in doc["files"]) > 100
    # Indented for people, UTF-8 rather than \\u escapes.
    assert to_json(results).startswith('{\n  "version"')


def test_non_ascii_survives():
    rep = triage_text(syz_log("130").encode())[0]
    rep.comm = "syz-exé"
    assert (
        json.loads(to_json([FileResult("f", [rep])]))["files"][0]["reports"][0]["comm"] == "syz-exé"
    )
    assert "syz-exé" in to_json([FileResult("f", [rep])])


def test_streamed_document_is_the_whole_document_formatted():
    """write_json writes report by report; its bytes are those of formatting it whole."""
    reports = triage_text(syz_log("130").encode()) + triage_text(syz_log("7").encode())
    reports[0].comm = "syz-exé"  # UTF-8 kept as is
    cases = [
        [],
        [FileResult("empty.log")],
        [FileResult("gone.log", error="no such file or directory")],
        [FileResult("a.log", reports), FileResult("b.log"), FileResult("c.log", reports[:1])],
    ]
    for results in cases:
        for extra in (None, {"vmcore": {"x": [1, {"y": None}], "z": []}}):
            doc = {
                "version": JSON_VERSION,
                "files": [
                    {"path": r.path, "error": r.error, "reports": r.reports} for r in results
                ],
                "groups": group_titles(results),
                **(extra or {}),
            }
            whole = msgspec.json.format(msgspec.json.encode(doc), indent=2).decode()
            assert to_json(results, extra) == whole
