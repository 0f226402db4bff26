"""The syzkaller Linux report corpus as a table-driven acceptance test.

Corpus: ``../shared/corpus/syzkaller-linux`` beside the repository (format in its README).
For every ``report/N`` the first report's title must be the ``TITLE:`` or one of the
``ALT:`` titles; files without a title must give no report at all. Tolerated title misses
are listed, with a reason, in ``tests/corpus_misses.txt``: a miss not listed fails, and a
listed file that now passes fails too (shrink the list). The overall agreement must stay
at or above 90 %; it is printed (``pytest -s``) and emitted as a warning so it shows in the
summary.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest

from corpus import SYZ
from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log

REPO = Path(__file__).resolve().parents[1]
CORPUS = SYZ
MISSES_FILE = Path(__file__).with_name("corpus_misses.txt")
MIN_AGREEMENT = 0.90


class CorpusFigure(UserWarning):
    """Carries the agreement figures into pytest's warning summary."""


@dataclass
class Case:
    name: str
    title: str | None
    alts: list[str] = field(default_factory=list)
    type: str | None = None
    corrupted: bool = False
    log: bytes = b""


def _parse_case(path: Path) -> Case:
    data = path.read_bytes()
    # Headers run up to the first empty line (which may be the very first line).
    if data.startswith(b"\n"):
        head, rest = b"", data[1:]
    else:
        head, sep, rest = data.partition(b"\n\n")
        assert sep, f"{path}: no blank line after the headers"
    case = Case(name=path.name, title=None)
    for lineno, raw in enumerate(head.decode("utf-8").split("\n"), 1):
        if not raw or raw.startswith("#"):
            continue
        key, colon, value = raw.partition(":")
        assert colon, f"{path}:{lineno}: header line without ':': {raw!r}"
        value = value.strip()
        if key == "TITLE":
            case.title = value or None
        elif key == "ALT":
            case.alts.append(value)
        elif key == "TYPE":
            case.type = value
        elif key == "CORRUPTED":
            case.corrupted = value == "Y"
    # An expected-report section may follow the log after a "REPORT:" line.
    log = b"\n" + rest
    marker = log.find(b"\nREPORT:\n")
    case.log = (log[:marker] if marker != -1 else log)[1:]
    return case


@lru_cache(maxsize=1)
def corpus_cases() -> tuple[Case, ...]:
    report_dir = CORPUS / "report"
    if not report_dir.is_dir():
        pytest.fail(f"corpus missing: {report_dir} (expected beside the repository clone)")
    names = sorted((n for n in os.listdir(report_dir) if n.isdigit()), key=int)
    return tuple(_parse_case(report_dir / n) for n in names)


@lru_cache(maxsize=1)
def parsed() -> dict[str, list[Report]]:
    return {c.name: parse_log(c.log) for c in corpus_cases()}


def tolerated_misses() -> dict[str, str]:
    """``id -> reason`` from corpus_misses.txt (``ID  reason``, ``#`` comments)."""
    out: dict[str, str] = {}
    for lineno, raw in enumerate(MISSES_FILE.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        ident, _, reason = line.partition(" ")
        assert ident.isdigit(), f"{MISSES_FILE}:{lineno}: bad file id {ident!r}"
        assert reason.strip(), f"{MISSES_FILE}:{lineno}: file {ident} needs a reason"
        out[ident] = reason.strip()
    return out


def _title_ok(case: Case, reps: list[Report]) -> bool:
    return bool(reps) and (reps[0].title == case.title or reps[0].title in case.alts)


def test_corpus_is_present_and_complete() -> None:
    cases = corpus_cases()
    assert len(cases) > 400
    assert sum(c.title is not None for c in cases) > 400


def test_no_file_breaks_the_parser() -> None:
    for name, reps in parsed().items():
        for r in reps:
            assert not (r.corrupted_reason or "").startswith("internal error"), (
                name,
                r.corrupted_reason,
            )
            assert r.title, name
            assert 0 <= r.start <= r.end, name


def test_titles_agree_with_corpus() -> None:
    cases = [c for c in corpus_cases() if c.title is not None]
    reps = parsed()
    misses = {
        c.name: (c.title, reps[c.name][0].title if reps[c.name] else None)
        for c in cases
        if not _title_ok(c, reps[c.name])
    }
    agreement = 1 - len(misses) / len(cases)
    figure = f"corpus title agreement: {len(cases) - len(misses)}/{len(cases)} = {agreement:.1%}"
    print("\n" + figure)
    warnings.warn(CorpusFigure(figure), stacklevel=1)
    tolerated = tolerated_misses()
    unexpected = {k: v for k, v in misses.items() if k not in tolerated}
    assert not unexpected, "new title misses (expected, got): " + repr(unexpected)
    assert agreement >= MIN_AGREEMENT, figure


def test_tolerated_misses_still_miss() -> None:
    reps = parsed()
    by_name = {c.name: c for c in corpus_cases()}
    fixed = [
        name
        for name in tolerated_misses()
        if name in by_name
        and by_name[name].title is not None
        and _title_ok(by_name[name], reps[name])
    ]
    assert not fixed, f"these files pass now, remove them from {MISSES_FILE.name}: {fixed}"


def test_no_crash_files_give_no_report() -> None:
    reps = parsed()
    silent = [c for c in corpus_cases() if c.title is None]
    assert silent, "the corpus has no-crash cases"
    wrong = {c.name: [r.title for r in reps[c.name]] for c in silent if reps[c.name]}
    assert not wrong, wrong


def test_corrupted_and_type_agreement() -> None:
    """Printed, and held at every case: each one that differs is named."""
    reps = parsed()
    matched = [c for c in corpus_cases() if c.title is not None and _title_ok(c, reps[c.name])]
    corr = sum(reps[c.name][0].corrupted == c.corrupted for c in matched)
    typ = sum(reps[c.name][0].type == (c.type or "UNKNOWN") for c in matched)
    figure = (
        f"corpus CORRUPTED agreement {corr}/{len(matched)} = {corr / len(matched):.1%}; "
        f"TYPE agreement {typ}/{len(matched)} = {typ / len(matched):.1%}"
    )
    print("\n" + figure)
    warnings.warn(CorpusFigure(figure), stacklevel=1)
    wrong = {
        c.name: (reps[c.name][0].corrupted, reps[c.name][0].type)
        for c in matched
        if (reps[c.name][0].corrupted, reps[c.name][0].type) != (c.corrupted, c.type or "UNKNOWN")
    }
    assert not wrong, f"{figure}; (corrupted, type) differ: {wrong}"


def _guilty_cases() -> list[Path]:
    d = CORPUS / "guilty"
    if not d.is_dir():
        return []
    return sorted((d / n for n in os.listdir(d) if n.isdigit()), key=lambda p: int(p.name))


def test_guilty_corpus_present() -> None:
    assert len(_guilty_cases()) > 50, f"guilty corpus missing under {CORPUS / 'guilty'}"


@pytest.mark.parametrize("path", _guilty_cases(), ids=lambda p: p.name)
def test_guilty_file(path: Path) -> None:
    head, _, log = path.read_text(encoding="utf-8", errors="replace").partition("\n\n")
    expected = head.split("FILE:", 1)[1].strip() or None
    reps = parse_log(log)
    assert reps, f"{path}: no report found"
    assert reps[0].guilty_file == expected
