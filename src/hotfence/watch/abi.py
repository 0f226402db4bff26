"""ctypes mirrors of watch_abi.h: the ring record and the load-time configuration.

tests/test_bpf_build.py checks both against the BTF of the compiled watch.bpf.o, and
events.RECORD (the struct format the hot path unpacks with) against WatchEvent.
"""

from __future__ import annotations

import ctypes

OBJECT = "watch"  # watch/watch.bpf.c
RODATA = "watch.rodata"  # libbpf's name for the object's .rodata map


class WatchEvent(ctypes.Structure):
    _fields_ = [
        ("ts_ns", ctypes.c_uint64),
        ("cgroup_id", ctypes.c_uint64),
        ("pid", ctypes.c_uint32),
        ("tgid", ctypes.c_uint32),
        ("uid", ctypes.c_uint32),
        ("netns", ctypes.c_uint32),
        ("family", ctypes.c_int32),
        ("type", ctypes.c_int32),
        ("protocol", ctypes.c_int32),
        ("ret", ctypes.c_int32),
        ("comm", ctypes.c_char * 16),
        ("kern", ctypes.c_uint32),
        ("call", ctypes.c_uint32),
        ("fd2", ctypes.c_int32),
        ("compat", ctypes.c_uint32),
    ]


class WatchConfig(ctypes.Structure):
    """``const volatile struct watch_config watch_config``, the whole of ``.rodata``."""

    _fields_ = [
        ("cgroup_id", ctypes.c_uint64),  # 0: every caller
        ("level", ctypes.c_uint32),  # the cgroup's depth below the cgroup2 root
        ("pad", ctypes.c_uint32),
    ]
