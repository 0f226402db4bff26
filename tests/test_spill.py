"""ReportSpill gives back exactly the reports put in, whether kept in memory or on disk."""

from __future__ import annotations

import dataclasses
import tracemalloc

import msgspec
import pytest

from corpus import SYZ, syz_log
from hotfence.triage.analyze import triage_text
from hotfence.triage.model import KnownBugMatch, Report, SourceLocation
from hotfence.triage.spill import ReportSpill


def _reports() -> list[Report]:
    out = []
    for path in sorted((SYZ / "report").iterdir(), key=lambda p: int(p.name))[:60]:
        out += triage_text(syz_log(path.name).encode())
    # Fields the parser leaves empty, filled as --vmlinux and the catalogue fill them.
    out[0].frames[0].locations = [SourceLocation("f", "a.c", 3, inlined=True)]
    out[0].known_bugs = [KnownBugMatch("b1", "s", ["title"], "probable", ["trace"], None, ["x"])]
    out[0].comm = "syz-exé"
    return out


@pytest.mark.parametrize("max_memory", [1, 400, 1 << 30])  # on disk / moved there / memory
def test_a_report_put_in_anothers_place_reads_back_in_it(max_memory: int) -> None:
    """prefilter.StreamTriage puts a later, fuller copy of a report taken in its place:
    the reports before and after it, appended before and after the replacement, stay."""
    reports = _reports()[:12]
    spill = ReportSpill(reports[:6], max_memory=max_memory)
    spill.replace(2, reports[11])
    spill.extend(reports[6:10])
    spill.replace(-1, reports[10])
    spill.replace(0, reports[2])
    want = [reports[2], *reports[1:2], reports[11], *reports[3:9], reports[10]]
    assert [dataclasses.asdict(r) for r in spill] == [dataclasses.asdict(r) for r in want]
    with pytest.raises(IndexError):
        spill.replace(len(spill), reports[0])


@pytest.mark.parametrize("max_memory", [1, 1 << 30])  # on disk at once / in memory
def test_round_trip_on_disk_and_in_memory(max_memory: int) -> None:
    reports = _reports()
    assert any(r.code is not None for r in reports) and len(reports) > 50
    spill = ReportSpill(reports[:10], max_memory=max_memory)
    first = spill[0]  # reading between appends leaves the appends in place
    spill.extend(reports[10:])
    assert spill.on_disk is (max_memory == 1)
    want = [dataclasses.asdict(r) for r in reports]
    assert [dataclasses.asdict(r) for r in spill] == want
    assert dataclasses.asdict(first) == want[0]
    assert len(spill) == len(reports)
    assert dataclasses.asdict(spill[-1]) == want[-1]
    assert [dataclasses.asdict(r) for r in spill[3:7]] == want[3:7]
    with pytest.raises(IndexError):
        spill[len(reports)]
    spill.close()


def test_decoded_copies_are_independent() -> None:
    spill = ReportSpill(_reports()[:2])
    spill[0].title = "changed"
    assert spill[0].title != "changed"


def test_without_a_temporary_file_reports_stay_in_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_tmp() -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("hotfence.triage.spill.tempfile.TemporaryFile", no_tmp)
    reports = _reports()[:20]
    spill = ReportSpill(reports, max_memory=1)
    assert not spill.on_disk
    assert [dataclasses.asdict(r) for r in spill] == [dataclasses.asdict(r) for r in reports]


def test_a_large_logs_reports_hold_little_memory() -> None:
    # A 400 MB log's 4,500 reports are some 24 MB encoded (benchmarks/triage_throughput.py's
    # log). Held in memory up to a 32 MB cap, they were in every later parse's peak RSS,
    # and a 1 GB log's 31 MB of its CLI's 178 MB: the memory they hold must not grow with
    # the log.
    reports = _reports()
    encoded = sum(len(msgspec.msgpack.encode(r)) for r in reports)
    copies = (24 << 20) // encoded + 1  # 24 MB of encoded reports
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        spill = ReportSpill(r for _ in range(copies) for r in reports)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(spill) == copies * len(reports)
    assert held < 8 << 20, held
    spill.close()
