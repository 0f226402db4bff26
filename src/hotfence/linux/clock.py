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
    is set meanwhile. The text of each whole second is cached: a busy stream formats one
    datetime per second, not one per event.
    """

    def __init__(self, clock: int = time.CLOCK_BOOTTIME) -> None:
        self.offset_ns = time.time_ns() - time.clock_gettime_ns(clock)
        self._seconds: dict[int, str] = {}

    def iso(self, stamp_ns: int) -> str:
        seconds, ns = divmod(stamp_ns + self.offset_ns, 1_000_000_000)
        text = self._seconds.get(seconds)
        if text is None:
            if len(self._seconds) > 4096:  # a long stream: forget old seconds
                self._seconds.clear()
            text = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
            self._seconds[seconds] = text
        return f"{text}.{ns // 1000:06d}+00:00"


def boot_seconds(stamp_ns: int) -> str:
    """``boot+2743.030123s``: the stamp as seconds since boot, as dmesg counts them."""
    return f"boot+{stamp_ns / 1e9:.6f}s"
