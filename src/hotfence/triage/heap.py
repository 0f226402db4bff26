"""Keep malloc from holding on to a large log's freed buffers (issue 11: flat memory).

Triage streams a log through buffers of up to ``chunk_bytes`` (32 MiB): blocks of lines
(up to 1 MiB), the text of a segment, its decoded copy (hotfence.triage.prefilter, parser).
Python frees them, but glibc's malloc decides what goes back to the kernel. It serves a
request of ``M_MMAP_THRESHOLD`` bytes or more with a mapping of its own, unmapped when
freed, and everything smaller from its heap, whose free holes stay in the process's RSS
as long as a live object sits above them. The threshold starts at 128 KiB but is dynamic
(mallopt(3)): each mapped buffer freed raises it to that buffer's size, up to 32 MiB on
64-bit. After the first segment's text was freed, every later block and text came from
the heap, between the small objects that outlive them (titles, encoded reports), and the
held heap grew with the log: a 400 MB log's parse left 112 MB held (RssAnon 135 MB
after the parse against 23 MB before), 183 MB at the peak. With the threshold fixed, 31 MB
held (22 MB of it the reports taken, hotfence.triage.spill) and 162 MB at the peak
(benchmarks/triage_throughput.py's log).
"""

from __future__ import annotations

import ctypes

# glibc's malloc.h: the parameter, and the value it starts with (DEFAULT_MMAP_THRESHOLD_MIN).
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 128 * 1024


def map_large_buffers() -> bool:
    """Fix malloc's mmap threshold at its initial 128 KiB, for the rest of the process
    (forked workers included): buffers that large are unmapped when freed. True when it
    was set; False off glibc (musl's malloc has no mallopt, and unmaps large buffers as is)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this interpreter runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD))
