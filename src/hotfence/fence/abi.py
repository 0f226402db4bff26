"""ctypes mirrors of the structs and constants in ``fence/fence_abi.h``.

These are the bytes user space writes into (and reads from) the fence maps and the
event ring buffer. ``tests/test_bpf_build.py`` parses fence_abi.h and checks every size,
constant and lookup table here (and against ``fence/compiled.py``).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

from hotfence.fence.compiled import CREATE_LOOKUP_ORDER, PORT_LOOKUP_ORDER

HF_ANY = 0xFFFF
HF_ANY_KERN = 2
HF_MAX_RULES = 16384
HF_DEFAULT_RULE = HF_MAX_RULES
HF_COUNTERS_PER_SLOT = HF_MAX_RULES + 1
HF_CREATE_ENTRIES = 65536
HF_PORT_ENTRIES = 1048576
HF_FAST_FAMILIES = (1, 2, 10, 16)  # AF_UNIX, AF_INET, AF_INET6, AF_NETLINK
HF_FAST_TYPES = 16
HF_FAST_PROTOS = 256
HF_FAST_PER_SLOT = len(HF_FAST_FAMILIES) * HF_FAST_TYPES * HF_FAST_PROTOS * 2


def counter_index(slot: int, rule_id: int) -> int:
    """HF_COUNTER_INDEX (fence_abi.h): rule-major, the default rule first."""
    return ((0 if rule_id == HF_DEFAULT_RULE else rule_id + 1) << 1) + slot


def counter_entries(n_rules: int) -> int:
    """hf_counters entries that hold a policy of ``n_rules`` rules in both slots."""
    return 2 * (n_rules + 1)


HF_EV_DENY = 1
HF_EV_WOULD_DENY = 2
HF_EV_AUDIT = 3
VERDICT_NAMES = {HF_EV_DENY: "deny", HF_EV_WOULD_DENY: "would-deny", HF_EV_AUDIT: "audit"}


def create_shape_bits(shape: tuple[bool, bool, bool, bool]) -> int:
    """HF_USE_* bits of a CREATE_LOOKUP_ORDER entry (family=1, type=2, proto=4, kern=8)."""
    return sum(1 << i for i, use in enumerate(shape) if use)


def port_shape_bits(shape: tuple[bool, bool, bool]) -> int:
    """HF_PUSE_* bits of a PORT_LOOKUP_ORDER entry (family=1, proto=2, port=4)."""
    return sum(1 << i for i, use in enumerate(shape) if use)


CREATE_SHAPES = tuple(create_shape_bits(s) for s in CREATE_LOOKUP_ORDER)
PORT_SHAPES = tuple(port_shape_bits(s) for s in PORT_LOOKUP_ORDER)


class CreateKey(ctypes.Structure):
    _fields_ = [
        ("slot", ctypes.c_uint32),
        ("family", ctypes.c_uint16),
        ("type", ctypes.c_uint16),
        ("protocol", ctypes.c_uint16),
        ("kern", ctypes.c_uint16),
    ]


class PortKey(ctypes.Structure):
    _fields_ = [
        ("slot", ctypes.c_uint32),
        ("hook", ctypes.c_uint16),
        ("family", ctypes.c_uint16),
        ("protocol", ctypes.c_uint16),
        ("port", ctypes.c_uint16),
    ]


class VerdictValue(ctypes.Structure):
    _fields_ = [("rule_id", ctypes.c_uint32), ("action", ctypes.c_uint32)]


class Config(ctypes.Structure):
    _fields_ = [
        ("loaded", ctypes.c_uint32),
        ("enforce", ctypes.c_uint32),
        ("default_action", ctypes.c_uint32),
        ("create_shapes", ctypes.c_uint32),
        ("port_shapes", ctypes.c_uint32),
        ("n_rules", ctypes.c_uint32),
        ("create_families", ctypes.c_uint64),
        ("flags", ctypes.c_uint32),
        ("pad", ctypes.c_uint32),
    ]


HF_CFG_COUNT_BY_CGROUP = 1


class CgCounterKey(ctypes.Structure):
    _fields_ = [
        ("cgroup_id", ctypes.c_uint64),
        ("index", ctypes.c_uint32),
        ("pad", ctypes.c_uint32),
    ]


class Counter(ctypes.Structure):
    _fields_ = [("hits", ctypes.c_uint64), ("denies", ctypes.c_uint64)]


class Stats(ctypes.Structure):
    _fields_ = [
        ("events", ctypes.c_uint64),
        ("lost", ctypes.c_uint64),
        ("uncounted", ctypes.c_uint64),
    ]


class Event(ctypes.Structure):
    _fields_ = [
        ("cgroup_id", ctypes.c_uint64),
        ("pid", ctypes.c_uint32),
        ("tgid", ctypes.c_uint32),
        ("uid", ctypes.c_uint32),
        ("netns", ctypes.c_uint32),
        ("rule_id", ctypes.c_uint32),
        ("family", ctypes.c_uint16),
        ("type", ctypes.c_uint16),
        ("protocol", ctypes.c_uint16),
        ("port", ctypes.c_uint16),
        ("hook", ctypes.c_uint8),
        ("verdict", ctypes.c_uint8),
        ("kern", ctypes.c_uint8),
        ("pad", ctypes.c_uint8),
        ("comm", ctypes.c_char * 16),
        ("boot_ns", ctypes.c_uint64),
    ]


def u32(value: int) -> bytes:
    return ctypes.c_uint32(value).value.to_bytes(4, "little")


@dataclass(frozen=True)
class FenceEvent:
    """One deny / would-deny / audit decision, decoded from struct hf_event."""

    cgroup_id: int
    pid: int
    tgid: int
    uid: int
    netns: int
    rule_id: int  # HF_DEFAULT_RULE = the policy's default decided
    family: int
    type: int
    protocol: int
    port: int
    hook: int  # compiled.Hook
    verdict: str  # "deny" | "would-deny" | "audit"
    kern: bool
    comm: str
    boot_ns: int  # CLOCK_BOOTTIME of the decision, in ns (the kernel's bpf_ktime_get_boot_ns)

    @classmethod
    def from_bytes(cls, raw: bytes) -> FenceEvent:
        if len(raw) < ctypes.sizeof(Event):
            raise ValueError(
                f"hf_event record is {len(raw)} bytes, expected {ctypes.sizeof(Event)}"
            )
        e = Event.from_buffer_copy(raw[: ctypes.sizeof(Event)])
        return cls(
            cgroup_id=e.cgroup_id,
            pid=e.pid,
            tgid=e.tgid,
            uid=e.uid,
            netns=e.netns,
            rule_id=e.rule_id,
            family=e.family,
            type=e.type,
            protocol=e.protocol,
            port=e.port,
            hook=e.hook,
            verdict=VERDICT_NAMES.get(e.verdict, f"verdict-{e.verdict}"),
            kern=bool(e.kern),
            comm=e.comm.decode(errors="replace"),
            boot_ns=e.boot_ns,
        )
