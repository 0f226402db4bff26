"""Run a function over chunk numbers in forked worker processes, results in order.

The parser's reports are independent of each other (each is a pure function of the log
text and its header line), so a large log's reports can be worked out on every core.
The text is tens of megabytes: sending it to a pool of long-lived workers would cost
more than the work. Forked children inherit it instead, with the caller's function (a
closure over the text): only results cross the pipes.

Worker ``w`` of ``n`` runs chunks ``w``, ``w + n``, ... and sends each result down its
own pipe (widened to 1 MiB: several slices' reports) as soon as it has it; the caller
reads them in chunk order, waiting for one that is not there yet (working it out itself
instead would take the CPU the worker needs when another program holds the other
cores). A worker blocks when its pipe is full, so the results waiting at any time stay
bounded (one pipe buffer and one result per worker). Plain processes and pipes
(``multiprocessing`` with fork), not ``concurrent.futures``: its executor hands work and
results through threads of the caller, which wait for the interpreter lock while the
caller computes its own share, and the workers sat idle for tens of milliseconds at a
time.

One set of workers per call: the state a closure sees is the caller's at fork time.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

T = TypeVar("T")


def cpu_count() -> int:
    """CPUs this process may run on (its affinity: `taskset -c 0` means one)."""
    return len(os.sched_getaffinity(0))


def default_jobs() -> int:
    """Processes for a caller that did not say: one per CPU, or one alone in a process
    that runs other threads (a server's, an agent's): a fork copies no thread but may
    copy a lock one of them held, and a child that needed it would wait forever."""
    return cpu_count() if threading.active_count() == 1 else 1


def fork_map(task: Callable[[int], T], chunks: int, workers: int) -> ForkMap[T]:
    """``task(0)``, ``task(1)``, ... ``task(chunks - 1)``, run in ``workers`` forked
    processes (none: here, one by one as they are asked for), in order.

    ``task`` may be any callable, closures included: the children are forked with it,
    at once, so they work while the caller does something else. An exception in a child
    is raised at its chunk's turn; a child that died raises EOFError. Either stops the
    workers, and so does ``close()``.
    """
    return ForkMap(task, chunks, workers)


class ForkMap(Generic[T]):
    """The results of :func:`fork_map`, an iterator."""

    def __init__(self, task: Callable[[int], T], chunks: int, workers: int) -> None:
        self.task = task
        self.chunks = chunks
        self.next_chunk = 0
        self.started: list[tuple[BaseProcess, Connection]] = []
        self.frozen = False
        if workers < 1:
            return
        # Imported here: ~10 ms that a log too small for workers never needs.
        import multiprocessing

        fork = multiprocessing.get_context("fork")
        workers = min(workers, chunks)
        # The objects made so far are left out of garbage collection while the workers
        # run (gc.freeze, as the gc docs advise before a fork): collections that touched
        # them would copy page after shared page, in the workers and here, and the two
        # processes spent more time copying memory than working. (A caller that froze
        # objects itself keeps them frozen: then this leaves the collector alone.)
        if gc.get_freeze_count() == 0:
            gc.freeze()
            self.frozen = True
        try:
            for w in range(workers):
                recv, send = fork.Pipe(duplex=False)
                _widen(send.fileno())
                child = fork.Process(
                    target=_serve, args=(task, range(w, chunks, workers), send), daemon=True
                )
                child.start()
                send.close()  # the child's end: EOF here once the child is gone
                self.started.append((child, recv))
        except BaseException:
            self.close()
            raise

    def __iter__(self) -> ForkMap[T]:
        return self

    def __next__(self) -> T:
        i = self.next_chunk
        if i >= self.chunks:
            self.close()
            raise StopIteration
        self.next_chunk += 1
        if not self.started:
            return self.task(i)
        try:
            ok, value = self.started[i % len(self.started)][1].recv()
        except BaseException:
            self.close()
            raise
        if not ok:
            self.close()
            raise value
        return cast(T, value)

    def close(self) -> None:
        """Stop the workers (those still running have chunks nobody wants now)."""
        started, self.started = self.started, []
        self.next_chunk = self.chunks
        if self.frozen:
            gc.unfreeze()
            self.frozen = False
        for child, results in started:
            results.close()
            if child.is_alive():
                child.terminate()
            child.join()


# A worker's results may wait in its pipe while the caller works: room for several slices'
# reports (64 KiB by default, less than one) lets the worker run on meanwhile.
_PIPE_BYTES = 1 << 20


def _widen(fd: int) -> None:
    # Past /proc/sys/fs/pipe-max-size for this user it fails: the default still works.
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)


def _serve(task: Callable[[int], Any], chunks: range, results: Connection) -> None:
    # A spinner thread of the parent may hold stdout's or stderr's lock at fork time; a
    # child that flushed them on exit would wait for it forever. Children print nothing.
    sys.stdout = sys.stderr = open(os.devnull, "w")  # lives as long as the child
    for i in chunks:
        try:
            result: tuple[bool, Any] = (True, task(i))
        except Exception as exc:
            results.send((False, _sendable(exc)))
            return
        results.send(result)


def _sendable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling, else a RuntimeError that says what it was."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
