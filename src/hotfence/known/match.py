"""Matching triaged reports against the known-bug catalogue, with the evidence that matched.

A signature has parts: ``title`` and ``rip`` identify the crash, every ``trace`` function
must be in the call trace, ``preceded_by`` looks at earlier events. Real logs lose parts
(a console drops the ``Call Trace:``, the log starts after the allocation failure), so a
match says which parts held and which were missing, and how sure it is:

* ``matched``: every identifying part and every trace function held;
* ``probable``: the crash is identified (each identifying part the entry has held) but
  trace functions are missing because the report has no trace at all;
* ``possible``: identified by one part while another identifying part, or trace
  functions of a trace that was read, are missing.

A report whose trace was read and lacks the entry's trace functions is not a match unless
both title and faulting function held: the evidence that is there speaks against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hotfence.known.catalog import Catalog, Entry
from hotfence.triage.model import KnownBugMatch as Match
from hotfence.triage.model import Report

_RANK = {"matched": 0, "probable": 1, "possible": 2}


def _functions(report: Report) -> set[str]:
    names = {f.function for f in report.frames}
    if report.rip is not None:
        names.add(report.rip.function)
    # `foo.part.0`, `foo.isra.3`, `foo.cold` are compiler clones of foo.
    return names | {n.split(".", 1)[0] for n in names}


def match_report(entry: Entry, report: Report) -> Match | None:
    """A Match when the report's title or faulting function identifies the entry; its
    ``certainty`` and ``missing`` say how much of the rest of the signature held."""
    sig = entry.signature
    if sig is None:
        return None
    evidence: list[str] = []
    missing: list[str] = []
    identified: list[bool] = []
    if sig.title:
        titles = [report.title, *report.alt_titles]
        hit = next(
            ((t, p) for p in sig.title for t in titles if re.search(p, t)),
            None,
        )
        identified.append(hit is not None)
        if hit is not None:
            evidence.append(f"title {hit[0]!r} matches /{hit[1]}/")
        else:
            missing.append("title matches none of " + ", ".join(f"/{p}/" for p in sig.title))
    if sig.rip:
        rip = report.rip.function if report.rip else None
        held = rip is not None and (rip in sig.rip or rip.split(".", 1)[0] in sig.rip)
        identified.append(held)
        if held:
            evidence.append(f"faulting function {rip}")
        elif rip is None:
            missing.append("faulting function (no RIP in the report)")
        else:
            missing.append(f"faulting function {rip} is not {', '.join(sig.rip)}")
    if not any(identified):
        return None
    functions = _functions(report)
    absent = [f for f in sig.trace if f not in functions]
    present = [f for f in sig.trace if f in functions]
    if present:
        evidence.append("call trace has " + ", ".join(present))
    if absent:
        where = "call trace (lost from the log)" if not report.frames else "call trace"
        missing.append(f"{where} lacks " + ", ".join(absent))
    for pattern in sig.preceded_by:
        hit_c = next((c for c in report.context if re.search(pattern, c)), None)
        if hit_c is not None:
            evidence.append(f"preceded by {hit_c.strip()!r}")
    if sig.preceded_by and not any(e.startswith("preceded by") for e in evidence):
        missing.append("no earlier event matches preceded_by")
    fully_identified = all(identified)
    if not absent and fully_identified:
        certainty = "matched"
    elif absent and not report.frames and fully_identified:
        certainty = "probable"  # identified; the trace that would confirm it was lost
    elif absent and report.frames and not (fully_identified and len(identified) > 1):
        return None  # a trace was read and lacks the functions: only title and RIP outweigh it
    else:
        certainty = "possible"
    return Match(
        bug_id=entry.id,
        summary=entry.summary,
        evidence=evidence,
        certainty=certainty,
        missing=missing,
        affected=entry.affects(report.kernel_release),
        mitigations=[f"{m.kind.value}: {m.action}" for m in entry.mitigations if m.effective],
    )


def match_all(catalog: Catalog, report: Report) -> list[Match]:
    """Every catalogue entry the report matches, surest first, then strongest evidence."""
    found = [m for e in catalog.entries.values() if (m := match_report(e, report)) is not None]
    return sorted(found, key=lambda m: (_RANK[m.certainty], -len(m.evidence)))


@dataclass(frozen=True)
class CatalogMatcher:
    """Triage's ``KnownBugMatcher`` over a catalogue.

    It lives here, not on ``Catalog``, so the catalogue (data) never imports the matcher
    (logic) and the two modules do not import each other.
    """

    catalog: Catalog

    def match(self, report: Report) -> list[Match]:
        """The entries ``report`` matches, surest first."""
        return match_all(self.catalog, report)
