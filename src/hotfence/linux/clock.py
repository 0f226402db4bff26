"""Kernel timestamps as wall-clock time: every event hotfence prints carries both.

BPF programs stamp events with a kernel clock (``bpf_ktime_get_boot_ns`` is
CLOCK_BOOTTIME, ``bpf_ktime_get_ns`` CLOCK_MONOTONIC): good for ordering and for lining
events up with dmesg, useless for a person or a log search. The wall-clock time is the
stamp plus the current offset between the wall clock and that kernel clock.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class WallClock:
    """ISO-8601 UTC wall-clock times (``2026-11-26T14:42:04.123456+00:00``) of stamps
    taken on one kernel clock.

    The offset is read once, so a stream's times keep their order even if the wall clock
    is set meanwhile. The text of the last whole second is kept: a stream's events come
    in time order, so a busy one formats one datetime per second, not one per event
    (watch -o json formats hundreds of thousands a second).
    """

    def __init__(self, clock: int = time.CLOCK_BOOTTIME) -> None:
        self.offset_ns = time.time_ns() - time.clock_gettime_ns(clock)
        self._second = -1
        self._text = ""

    def iso(self, stamp_ns: int) -> str:
        seconds, us = divmod((stamp_ns + self.offset_ns) // 1000, 1_000_000)
        if seconds != self._second:
            self._second = seconds
            self._text = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        # str() of 1_000_000 + us, less its leading 1: zero-padded, faster than :06d
        return self._text + str(1_000_000 + us)[1:] + "+00:00"


def boot_seconds(stamp_ns: int) -> str:
    """``boot+2743.030123s``: the stamp as seconds since boot, as dmesg counts them."""
    return f"boot+{stamp_ns / 1e9:.6f}s"
