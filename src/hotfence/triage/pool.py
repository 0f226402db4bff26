"""Run a function over chunk numbers in forked worker processes, results in order.

The parser's reports are independent of each other (each is a pure function of the log
text and its header line), so a large log's reports can be worked out on every core.
The text is tens of megabytes: sending it to a pool of long-lived workers would cost
more than the work. Forked children inherit it instead: the caller's function (a
closure over the text) is put where a child finds it before the children are forked,
and only chunk numbers and their results cross the pipes.

One pool per call: the state a closure sees is the caller's at fork time, and a pool
kept across calls would see an older one. Results are yielded in chunk order while later
chunks still run, and at most ``_AHEAD`` chunks per worker are queued ahead of the one
being read, so the results held at once stay bounded by the caller's chunking.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")

# The function the forked children run, set by fork_map before it forks them.
_TASK: Callable[[int], Any] | None = None

# Chunks queued per worker ahead of the one whose result is being read.
_AHEAD = 2


def cpu_count() -> int:
    """CPUs this process may run on (its affinity: `taskset -c 0` means one)."""
    return len(os.sched_getaffinity(0))


def default_jobs() -> int:
    """Processes for a caller that did not say: one per CPU, or one alone in a process
    that runs other threads (a server's, an agent's): a fork copies no thread but may
    copy a lock one of them held, and a child that needed it would wait forever."""
    return cpu_count() if threading.active_count() == 1 else 1


def fork_map(task: Callable[[int], T], chunks: int, workers: int) -> Generator[T, None, None]:
    """``task(0)``, ``task(1)``, ... ``task(chunks - 1)``, run in ``workers`` forked
    processes (none: here, one by one as they are asked for).

    ``task`` may be any callable, closures included: the children are forked with it.
    An exception in a child is raised here, at its chunk's turn.
    """
    global _TASK
    if workers < 1:
        for i in range(chunks):
            yield task(i)
        return
    # Imported here: ~15 ms that a log too small for workers never needs.
    import multiprocessing
    from concurrent.futures.process import ProcessPoolExecutor

    _TASK = task
    try:
        with ProcessPoolExecutor(
            max_workers=max(1, min(workers, chunks)),
            mp_context=multiprocessing.get_context("fork"),
            initializer=_quiet_std_streams,
        ) as pool:
            pending: deque[Future[T]] = deque()
            submitted = 0
            while submitted < chunks or pending:
                while submitted < chunks and len(pending) < _AHEAD * workers:
                    pending.append(pool.submit(_run, submitted))
                    submitted += 1
                yield pending.popleft().result()
    finally:
        _TASK = None


def _run(index: int) -> Any:
    assert _TASK is not None, "fork_map's task is set before its workers are forked"
    return _TASK(index)


def _quiet_std_streams() -> None:
    # A spinner thread of the parent may hold stdout's or stderr's lock at fork time; a
    # child that flushed them on exit would wait for it forever. Children print nothing.
    devnull = open(os.devnull, "w")  # lives as long as the child
    sys.stdout = sys.stderr = devnull
