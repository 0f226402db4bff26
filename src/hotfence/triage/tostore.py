"""Triage reports as the crash store's plain records (the store never imports triage)."""

from __future__ import annotations

import msgspec

from hotfence.store.records import CrashRecord, KnownBugRef, SourceKind
from hotfence.triage.model import Report


def source_kind_of(path: str) -> SourceKind:
    """What kind of source a triaged path is, from where it lives."""
    if path.startswith("/sys/fs/pstore/"):
        return SourceKind.pstore
    return SourceKind.file


def crash_record(report: Report, source_path: str, kind: SourceKind | None = None) -> CrashRecord:
    """One report as the store keeps it: its key fields and the full JSON report."""
    return CrashRecord(
        title=report.title,
        type=report.type,
        text=report.text,
        report_json=msgspec.json.encode(report).decode(),
        source_kind=kind or source_kind_of(source_path),
        source_path=source_path,
        kernel_release=report.kernel_release,
        known_bugs=tuple(
            KnownBugRef(m.bug_id, m.summary, tuple(m.mitigations)) for m in report.known_bugs
        ),
    )
