"""Reports worked out in forked processes are the one-process reports, in the same order.

parse_log hands slices of a large log's candidate headers to forked workers
(hotfence.triage.pool); the main loop takes their results and works out the rest. These
tests hold it to the one-process result on the whole corpus run together (where reports
reach across slice boundaries), on a corpus log cut into many small reports, and when
the workers cannot be had.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from corpus import SYZ
from hotfence.cli import main
from hotfence.triage import parser, pool
from hotfence.triage.extract import extract
from hotfence.triage.model import Report
from hotfence.triage.parser import parse_log
from hotfence.triage.prefilter import triage_blocks
from hotfence.triage.reader import ReadLimits, line_blocks
from hotfence.triage.scan import scan_log

CORPUS = sorted((SYZ / "report").iterdir())


def _body(path: Path) -> str:
    body = path.read_text(encoding="utf-8", errors="replace").partition("\n\n")[2]
    return body if body.endswith("\n") else body + "\n"


@pytest.fixture(scope="module")
def corpus_log() -> bytes:
    assert len(CORPUS) > 400
    return "".join(_body(p) for p in CORPUS).encode("utf-8", "surrogateescape")


def _dicts(reports: list[Report]) -> list[dict[str, Any]]:
    return [dataclasses.asdict(r) for r in reports]


class _Forks:
    """Counts the chunks fork_map is asked to run and the workers it is given."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[int, int]] = []
        real = pool.fork_map

        def counted(task: Callable[[int], Any], chunks: int, workers: int) -> pool.ForkMap[Any]:
            self.calls.append((chunks, workers))
            return real(task, chunks, workers)

        monkeypatch.setattr(parser, "fork_map", counted)


@pytest.mark.parametrize("jobs", [2, 3])
def test_workers_give_the_one_process_reports(
    corpus_log: bytes, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    forks = _Forks(monkeypatch)
    want = _dicts(parse_log(corpus_log, jobs=1))
    assert forks.calls == []  # one job: nothing forked
    got = _dicts(parse_log(corpus_log, jobs=jobs))
    assert forks.calls and forks.calls[0][1] == jobs - 1 and forks.calls[0][0] > 1
    assert len(want) > 400
    assert [r["title"] for r in got] == [r["title"] for r in want]
    assert got == want


def test_str_input_with_workers_gives_the_same_reports(corpus_log: bytes) -> None:
    text = corpus_log.decode("utf-8", "surrogateescape")
    assert _dicts(parse_log(text, jobs=2)) == _dicts(parse_log(text, jobs=1))


def test_small_slices_give_the_same_reports(
    corpus_log: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Many small slices: more of them start at a header inside an earlier report (a
    # panic after its BUG), whose guessed report the main loop must not take.
    monkeypatch.setattr(parser, "_CHUNKS_PER_JOB", 40)
    monkeypatch.setattr(parser, "_PARALLEL_MIN_CANDIDATES", 4)
    assert _dicts(parse_log(corpus_log, jobs=2)) == _dicts(parse_log(corpus_log, jobs=1))


class _Here:
    """The headers extracted in this process (the children's calls go uncounted)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.starts: list[int] = []
        real = extract

        def counted(text: str, start: int, *args: Any) -> Any:
            self.starts.append(start)
            return real(text, start, *args)

        monkeypatch.setattr(parser, "extract", counted)


def test_this_process_works_out_its_share(
    corpus_log: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = parse_log(corpus_log, jobs=1)
    here = _Here(monkeypatch)
    assert _dicts(parse_log(corpus_log, jobs=2)) == _dicts(want)
    # Half the slices are this process's (one worker beside it), the rest the worker's.
    assert len(want) // 3 < len(here.starts) < len(want) * 2 // 3


def test_reports_the_workers_lack_are_worked_out_here(
    corpus_log: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = _dicts(parse_log(corpus_log, jobs=1))
    real_map = pool.fork_map
    dropped: list[int] = []

    class Lossy:
        """The real results, a third of each slice's left out."""

        def __init__(self, task: Callable[[int], Any], chunks: int, workers: int) -> None:
            self.results = real_map(task, chunks, workers)

        def __next__(self) -> Any:
            worked = next(self.results)
            keys = sorted(worked)
            dropped.extend(keys[::3])
            return {k: worked[k] for k in keys[1::3] + keys[2::3]}

        def close(self) -> None:
            self.results.close()

    monkeypatch.setattr(parser, "fork_map", Lossy)
    here = _Here(monkeypatch)
    assert _dicts(parse_log(corpus_log, jobs=3)) == want
    taken = {r["start"] for r in want} & set(dropped)
    assert taken and taken <= set(here.starts)


def test_a_small_log_is_parsed_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    forks = _Forks(monkeypatch)
    text = "".join(_body(p) for p in CORPUS[:10])
    assert len(scan_log(text).candidates) < parser._PARALLEL_MIN_CANDIDATES
    assert parse_log(text, jobs=8)
    assert forks.calls == []


def test_no_workers_to_be_had_gives_the_same_reports(
    corpus_log: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = _dicts(parse_log(corpus_log, jobs=1))

    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")  # fork() at EAGAIN

    monkeypatch.setattr(os, "fork", refused)
    got = parse_log(corpus_log, jobs=2)
    assert not any(r.title.startswith("triage: internal error") for r in got)
    assert _dicts(got) == want


def test_a_worker_that_dies_costs_nothing_but_time(
    corpus_log: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = _dicts(parse_log(corpus_log, jobs=1))
    real_map = pool.fork_map

    def dying(task: Callable[[int], Any], chunks: int, workers: int) -> pool.ForkMap[Any]:
        def task_or_die(i: int) -> Any:
            if i == 1:
                os._exit(9)  # as if the OOM killer took it
            return task(i)

        return real_map(task_or_die, chunks, workers)

    monkeypatch.setattr(parser, "fork_map", dying)
    here = _Here(monkeypatch)
    assert _dicts(parse_log(corpus_log, jobs=3)) == want
    assert len(here.starts) > len(want) // 3  # this process took over the rest


def test_streamed_triage_with_workers_matches_one_process(corpus_log: bytes) -> None:
    blocks = (corpus_log[i : i + 65536] for i in range(0, len(corpus_log), 65536))
    got = triage_blocks(line_blocks(blocks, ReadLimits()), chunk_bytes=256 << 10, jobs=2)
    assert _dicts(got) == _dicts(parse_log(corpus_log, jobs=1))


def test_fork_map_keeps_chunk_order_and_runs_in_children() -> None:
    seen: list[int] = []

    def task(i: int) -> tuple[int, int]:
        seen.append(i)  # in a child: the parent's list never sees it
        return i * i, os.getpid()

    got = list(pool.fork_map(task, 37, 3))
    assert [sq for sq, _ in got] == [i * i for i in range(37)]
    pids = {pid for _, pid in got}
    assert os.getpid() not in pids and 1 <= len(pids) <= 3
    assert seen == []


def test_fork_map_with_no_workers_runs_here() -> None:
    got = list(pool.fork_map(lambda i: (i, os.getpid()), 5, 0))
    assert got == [(i, os.getpid()) for i in range(5)]


def test_fork_map_raises_a_childs_error_at_its_turn() -> None:
    def task(i: int) -> int:
        if i == 3:
            raise ValueError("chunk 3")
        return i

    results = pool.fork_map(task, 6, 2)
    assert [next(results) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="chunk 3"):
        next(results)
    assert multiprocessing.active_children() == []


def test_fork_map_closed_early_stops_its_workers() -> None:
    results = pool.fork_map(lambda i: time.sleep(0.05 * i) or i, 40, 2)
    assert next(results) == 0
    results.close()
    assert multiprocessing.active_children() == []


def test_fork_map_of_a_dead_worker_raises_eof() -> None:
    results = pool.fork_map(lambda i: os._exit(1) if i == 1 else i, 4, 2)
    assert next(results) == 0
    with pytest.raises(EOFError):
        next(results)
    results.close()
    assert multiprocessing.active_children() == []


def test_cli_jobs_option_gives_the_same_json(corpus_log: bytes, tmp_path: Path) -> None:
    log = tmp_path / "kern.log"
    log.write_bytes(corpus_log)
    runner = CliRunner()
    outputs = []
    for jobs in ("1", "2"):
        got = runner.invoke(main, ["triage", "-j", jobs, "-o", "json", "--no-store", str(log)])
        assert got.exit_code == 0, got.output
        outputs.append(got.stdout)
    assert len(json.loads(outputs[0])["files"][0]["reports"]) > 400
    assert outputs[0] == outputs[1]
    refused = runner.invoke(main, ["triage", "-j", "0", "--no-store", str(log)])
    assert refused.exit_code == 2 and "--jobs" in refused.output


def test_default_jobs_is_one_beside_other_threads() -> None:
    # Alone (earlier tests of a session may leave a thread behind: then one already).
    alone = pool.cpu_count() if threading.active_count() == 1 else 1
    assert pool.default_jobs() == alone
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert pool.default_jobs() == 1
    finally:
        stop.set()
        other.join()


def test_fork_map_leaves_the_collector_as_it_found_it() -> None:
    assert gc.get_freeze_count() == 0
    results = pool.fork_map(lambda i: gc.get_freeze_count() > 0, 4, 2)
    assert gc.get_freeze_count() > 0  # while the workers run
    assert all(results)  # the workers were forked with the parent's objects frozen
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller that froze its own objects: they stay frozen
    try:
        frozen = gc.get_freeze_count()
        assert list(pool.fork_map(lambda i: i, 3, 2)) == [0, 1, 2]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
