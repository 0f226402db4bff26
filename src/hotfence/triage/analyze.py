"""The full triage of a log: extract reports, decode their `Code:` bytes, symbolise.

``parse_log`` (hotfence.triage.parser) finds the reports and their titles; this module
adds what needs more than the log text: the capstone disassembly of each report's
kernel-mode ``Code:`` line and, given a vmlinux (and modules), ``file:line`` with inline
chains for the RIP and every frame, and the guilty file when the log itself had no
source locations.

Known-bug matching plugs in from above: the caller (the CLI) passes a ``KnownBugMatcher``
such as ``hotfence.known.catalog.Catalog``; triage never imports the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO, Protocol

from hotfence.triage.guilty import frame_files, guilty_file
from hotfence.triage.model import FileResult, KnownBugMatch, Report
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_input
from hotfence.triage.reader import (
    DEFAULT_LIMITS,
    InputError,
    ReadLimits,
    Records,
    Skipped,
    expand,
)
from hotfence.triage.spill import ReportSpill

if TYPE_CHECKING:  # pyelftools is imported only when a vmlinux is given
    from hotfence.triage.symbolize import Symbolizer


class KnownBugMatcher(Protocol):
    """Anything that says which known bugs a report matches (strongest evidence first)."""

    def match(self, report: Report) -> list[KnownBugMatch]: ...


def enrich(
    report: Report, symbolizer: Symbolizer | None = None, catalog: KnownBugMatcher | None = None
) -> Report:
    """Add disassembly, (with a symbolizer) source locations and (with a catalogue) known-bug matches."""
    if report.code is None and ("Code:" in report.text or "Instruction dump:" in report.text):
        from hotfence.triage.disasm import disassemble_report  # capstone: only when needed

        report.code = disassemble_report(report.text)
    if symbolizer is not None:
        symbolizer.symbolize(report.rip, report.frames)
        if report.guilty_file is None:
            report.guilty_file = guilty_file(frame_files(report.rip, report.frames))
    if catalog is not None:
        report.known_bugs = catalog.match(report)
    return report


def triage_text(
    text: str | bytes, symbolizer: Symbolizer | None = None, catalog: KnownBugMatcher | None = None
) -> list[Report]:
    """Every crash report in one log, enriched. ``bytes`` input gives byte offsets."""
    return [enrich(r, symbolizer, catalog) for r in parse_log(text)]


def triage_paths(
    paths: Iterable[str],
    symbolizer: Symbolizer | None = None,
    stdin: BinaryIO | None = None,
    catalog: KnownBugMatcher | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    notices: list[str] | None = None,
    jobs: int | None = None,
) -> list[FileResult]:
    """One FileResult per input file (directories expanded, ``-`` is stdin).

    Each input is streamed in bounded memory (hotfence.triage.prefilter). An unreadable
    input gives a FileResult with ``error`` set (and the reports found before the error,
    if it came part-way); the other inputs are still triaged (the CLI then exits 2).
    Directory entries that were not read and long lines that were cut are added to
    ``notices`` (one line each, naming the file). ``jobs``: processes that parse a
    large log's reports (default: one per usable CPU; the reports are the same).
    """
    results: list[FileResult] = []
    for item in expand(paths):
        if isinstance(item, Skipped):
            if notices is not None:
                notices.append(f"skipped {item.path}: {item.reason}")
            continue
        if isinstance(item, InputError):
            results.append(FileResult(path=item.path, error=item.reason))
            continue
        name = item.path if isinstance(item, Records) else item
        try:
            got = triage_input(item, stdin, limits, jobs=jobs)
            reports = ReportSpill(enrich(r, symbolizer, catalog) for r in got.reports)
        except MemoryError:
            results.append(FileResult(path=name, error="out of memory while triaging it"))
            continue
        if notices is not None:
            notices += [
                f"{name}:{c.line}: line longer than {limits.max_line} bytes, "
                f"{c.dropped} bytes after byte {c.offset} not read"
                for c in got.cuts
            ]
        results.append(FileResult(path=name, reports=reports, error=got.error))
    return results
