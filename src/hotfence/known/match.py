"""Matching triaged reports against the known-bug catalogue, with the evidence that matched."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from hotfence.triage.model import KnownBugMatch as Match
from hotfence.triage.model import Report

if TYPE_CHECKING:  # the catalogue calls match_all: a run-time import would be a cycle
    from hotfence.known.catalog import Catalog, Entry


def _functions(report: Report) -> set[str]:
    names = {f.function for f in report.frames}
    if report.rip is not None:
        names.add(report.rip.function)
    # `foo.part.0`, `foo.isra.3`, `foo.cold` are compiler clones of foo.
    return names | {n.split(".", 1)[0] for n in names}


def match_report(entry: Entry, report: Report) -> Match | None:
    """A Match when the report's title or faulting function identifies the entry and
    every required trace function is present; None otherwise."""
    sig = entry.signature
    if sig is None:
        return None
    evidence: list[str] = []
    titles = [report.title, *report.alt_titles]
    for pattern in sig.title:
        hit = next((t for t in titles if re.search(pattern, t)), None)
        if hit is not None:
            evidence.append(f"title {hit!r} matches /{pattern}/")
            break
    rip = report.rip.function if report.rip else None
    if rip is not None and (rip in sig.rip or rip.split(".", 1)[0] in sig.rip):
        evidence.append(f"faulting function {rip}")
    if not evidence:
        return None
    functions = _functions(report)
    missing = [f for f in sig.trace if f not in functions]
    if missing:
        return None
    if sig.trace:
        evidence.append("call trace has " + ", ".join(sig.trace))
    for pattern in sig.preceded_by:
        hit = next((c for c in report.context if re.search(pattern, c)), None)
        if hit is not None:
            evidence.append(f"preceded by {hit.strip()!r}")
    return Match(
        bug_id=entry.id,
        summary=entry.summary,
        evidence=evidence,
        affected=entry.affects(report.kernel_release),
        mitigations=[f"{m.kind.value}: {m.action}" for m in entry.mitigations if m.effective],
    )


def match_all(catalog: Catalog, report: Report) -> list[Match]:
    """Every catalogue entry the report matches, strongest evidence first."""
    found = [m for e in catalog.entries.values() if (m := match_report(e, report)) is not None]
    return sorted(found, key=lambda m: -len(m.evidence))
