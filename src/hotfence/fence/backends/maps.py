"""The maps every BPF fence object shares (``fence_core.h``) and the atomic slot swap.

A :class:`CompiledPolicy` is encoded into hash-map keys exactly as ``compiled.py`` (see
``fence/fence_abi.h``); per-rule counters live in a per-CPU array and deny/audit events in a
ring buffer.

Atomic swap (:meth:`FenceMaps.install`): keys carry a slot (0/1). The new policy is
written completely into the inactive slot, then a single write to ``hf_active`` flips
to it; only then is the old slot deleted. Any failure before the flip removes the
partial new slot and leaves the old policy in force.
"""

from __future__ import annotations

import ctypes
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from hotfence.bpf import libbpf
from hotfence.fence import abi, fast_table
from hotfence.fence.backends.cgroupfs import FenceError
from hotfence.fence.backends.pinning import AppliedState, checkpoint, rule_infos
from hotfence.fence.compiled import (
    ANY,
    ANY_KERN,
    Action,
    CompiledPolicy,
    CreateKey,
    Hook,
    PortKey,
    RuleInfo,
    Verdict,
)

log = logging.getLogger(__name__)

_Key = TypeVar("_Key", abi.CreateKey, abi.PortKey)

MAPS = (
    "hf_active",
    "hf_config",
    "hf_create",
    "hf_fast",
    "hf_ports",
    "hf_counters",
    "hf_cg_counters",
    "hf_stats",
    "hf_events",
)
# How long in-flight programs may still be reading the old slot after the flip. BPF
# programs run to completion in microseconds under RCU; this is a wide margin.
DRAIN_SECONDS = 0.01


# ---------------------------------------------------------------------------- encoding


@dataclass(frozen=True)
class EncodedPolicy:
    """A policy as map bytes for one slot, validated before anything is written."""

    create: list[tuple[bytes, bytes]]
    ports: list[tuple[bytes, bytes]]
    config: abi.Config
    fast: bytes  # the slot's hf_fast cells (struct hf_verdict each), fence/fast_table.py


def _u16(value: int, what: str) -> int:
    if not 0 <= value <= 0xFFFF:
        raise FenceError(f"{what} = {value} does not fit the map's u16 key field")
    return value


def encode(policy: CompiledPolicy, slot: int, flags: int = 0) -> EncodedPolicy:
    """Check ``policy`` fits the maps and turn it into key/value bytes for ``slot``
    (``flags``: the config's HF_CFG_* bits)."""
    if len(policy.rules) > abi.HF_MAX_RULES:
        raise FenceError(
            f"policy {policy.name!r} has {len(policy.rules)} rules; the maps hold {abi.HF_MAX_RULES}"
        )
    create_shape = {bits: i for i, bits in enumerate(abi.CREATE_SHAPES)}
    port_shape = {bits: i for i, bits in enumerate(abi.PORT_SHAPES)}
    create_mask = port_mask = families = 0
    create: list[tuple[bytes, bytes]] = []
    ports: list[tuple[bytes, bytes]] = []

    def value(v: Verdict) -> bytes:
        if not 0 <= v.rule_id < abi.HF_MAX_RULES:
            raise FenceError(
                f"policy {policy.name!r}: rule id {v.rule_id} outside 0..{abi.HF_MAX_RULES - 1}"
            )
        return bytes(abi.VerdictValue(v.rule_id, int(v.action)))

    for k, v in policy.create.items():
        bits = (
            (k.family != ANY)
            | (k.type != ANY) << 1
            | (k.protocol != ANY) << 2
            | (k.kern != ANY_KERN) << 3
        )
        if bits not in create_shape:
            raise FenceError(
                f"policy {policy.name!r}: socket key {k} has a shape the lookup order never tries"
            )
        if k.kern not in (0, 1, ANY_KERN):
            raise FenceError(
                f"policy {policy.name!r}: socket key {k}: kern must be 0, 1 or {ANY_KERN}"
            )
        create_mask |= 1 << create_shape[bits]
        if k.family != ANY and k.family < 64:
            families |= 1 << k.family
        key = abi.CreateKey(
            slot,
            _u16(k.family, "family"),
            _u16(k.type, "type"),
            _u16(k.protocol, "protocol"),
            k.kern,
        )
        create.append((bytes(key), value(v)))
    for pk, v in policy.ports.items():
        if pk.hook not in (Hook.BIND, Hook.CONNECT):
            raise FenceError(f"policy {policy.name!r}: port key {pk}: hook must be bind or connect")
        bits = (pk.family != ANY) | (pk.protocol != ANY) << 1 | (pk.port != ANY) << 2
        if bits not in port_shape:
            raise FenceError(
                f"policy {policy.name!r}: port key {pk} has a shape the lookup order never tries"
            )
        port_mask |= 1 << (8 * int(pk.hook) + port_shape[bits])
        port_key = abi.PortKey(
            slot,
            int(pk.hook),
            _u16(pk.family, "family"),
            _u16(pk.protocol, "protocol"),
            _u16(pk.port, "port"),
        )
        ports.append((bytes(port_key), value(v)))
    config = abi.Config(
        loaded=1,
        enforce=int(policy.enforce),
        default_action=int(policy.default),
        create_shapes=create_mask,
        port_shapes=port_mask,
        n_rules=len(policy.rules),
        create_families=families,
        flags=flags,
    )
    return EncodedPolicy(create, ports, config, fast_table.verdicts(policy).tobytes())


# ---------------------------------------------------------------------------- maps


class SlotJournal(Protocol):
    """Told about each step of :meth:`FenceMaps.install` (``pinning.StateJournal``)."""

    def prepare(self, slot: int) -> None: ...
    def abandon(self, slot: int) -> None: ...
    def retire(self, slot: int) -> None: ...


@dataclass(frozen=True)
class RuleCounter:
    rule_id: int  # abi.HF_DEFAULT_RULE for the default
    hits: int
    denies: int  # would-deny in audit mode


@dataclass(frozen=True)
class FenceCounters:
    """Per-rule counters of an applied fence (the default under HF_DEFAULT_RULE)."""

    state: AppliedState | None
    counts: dict[int, RuleCounter]
    stats: abi.Stats  # events delivered to the ring buffer, and lost
    shared: bool = False  # the object (and so stats) is shared by the policy's fences

    @classmethod
    def read(cls, maps: FenceMaps, state: AppliedState | None, cgroup_id: int) -> FenceCounters:
        """Read the counters of pinned ``maps`` (opened for this) on ``cgroup_id`` and close
        them."""
        try:
            return cls(state, maps.counters(cgroup_id), maps.stats(), maps.counts_by_cgroup())
        finally:
            maps.close()


# How large a fence object's sized maps are made when its policy is not known yet (the
# agent's spare) or fits: policies mostly have a few rules and ports, and creating the
# maps at their compile-time maxima (hf_counters' 32,770 per-CPU entries, hf_ports'
# million hash buckets) cost ~25 of the ~45 ms an object takes to load. A larger policy
# gets an object of its own size; a swap into a fence too small for it is refused.
# (1,023 rules and 16,384 port keys load in 20 ms, as 255 and 4,096 do; 4,095 and 65,536
# take 23.5 ms; the maxima 43 ms.)
STANDARD_RULES = 1023
STANDARD_PORT_KEYS = 16384  # per slot
# hf_cg_counters entries of an object shared by many cgroups: one per (cgroup, slot, rule)
# that counted something. Its buckets (~1 MB) are allocated at load, once per policy; an
# object of one cgroup counts in hf_counters and gets a map of one entry. Calls of a
# cgroup it has no room for are counted in hf_stats.uncounted, which `fence counters` and
# the agent's metrics show.
SHARED_CG_COUNTERS = 65536


def map_sizes(policy: CompiledPolicy | None, shared: bool = False) -> dict[str, int]:
    """max_entries of the sized maps for ``policy`` (None: the standard sizes); ``shared``:
    for an object attached to many cgroups, which counts per cgroup (hf_cg_counters)."""
    rules = max(len(policy.rules), STANDARD_RULES) if policy else STANDARD_RULES
    ports = max(len(policy.ports), STANDARD_PORT_KEYS) if policy else STANDARD_PORT_KEYS
    return {
        "hf_counters": abi.counter_entries(rules),
        "hf_ports": 2 * ports,
        "hf_cg_counters": SHARED_CG_COUNTERS if shared else 1,
    }


class FenceMaps:
    """The fence maps of one attachment (from a loaded object or from bpffs pins)."""

    def __init__(self, maps: dict[str, libbpf.Map]):
        missing = [n for n in MAPS if n not in maps]
        if missing:
            raise FenceError(f"fence maps missing: {', '.join(missing)}")
        self.maps = maps

    @classmethod
    def from_object(cls, obj: libbpf.BpfObject) -> FenceMaps:
        return cls({n: obj.map(n) for n in MAPS})

    @classmethod
    def from_pins(cls, pin_dir: Path) -> FenceMaps:
        sizes = {
            "hf_active": (4, 4, False),
            "hf_config": (4, ctypes.sizeof(abi.Config), False),
            "hf_create": (ctypes.sizeof(abi.CreateKey), ctypes.sizeof(abi.VerdictValue), False),
            "hf_fast": (4, ctypes.sizeof(abi.VerdictValue), False),
            "hf_ports": (ctypes.sizeof(abi.PortKey), ctypes.sizeof(abi.VerdictValue), False),
            "hf_counters": (4, ctypes.sizeof(abi.Counter), True),
            "hf_cg_counters": (ctypes.sizeof(abi.CgCounterKey), ctypes.sizeof(abi.Counter), True),
            "hf_stats": (4, ctypes.sizeof(abi.Stats), True),
            "hf_events": (0, 0, False),
        }
        maps = {}
        try:
            for name, (ks, vs, percpu) in sizes.items():
                maps[name] = libbpf.open_pinned_map(pin_dir / name, name, ks, vs, percpu)
        except libbpf.LibbpfError:
            for m in maps.values():
                m.close()
            raise
        return cls(maps)

    def close(self) -> None:
        for m in self.maps.values():
            m.close()

    def active_slot(self) -> int:
        raw = self.maps["hf_active"].lookup(abi.u32(0))
        return int.from_bytes(raw, "little") & 1 if raw else 0

    def config(self, slot: int) -> abi.Config:
        raw = self.maps["hf_config"].lookup(abi.u32(slot))
        return abi.Config.from_buffer_copy(raw) if raw else abi.Config()

    def counts_by_cgroup(self) -> bool:
        """Whether these maps count per calling cgroup: an object shared by many cgroups
        (sized so at load, :func:`map_sizes`), whose hf_counters stay unused."""
        return self.maps["hf_cg_counters"].max_entries() > 1

    def lacks_room(self, policy: CompiledPolicy) -> str:
        """Why these maps are too small for ``policy`` ("" when it fits)."""
        needs = {"hf_counters": abi.counter_entries(len(policy.rules)),
                 "hf_ports": 2 * len(policy.ports)}  # fmt: skip
        for name, need in needs.items():
            room = self.maps[name].max_entries()
            if need > room:
                return f"policy {policy.name!r} needs {need} entries in {name}, and the maps hold {room}"
        return ""

    def _check_room(self, policy: CompiledPolicy) -> None:
        """Refuse, before writing anything, a policy these maps are too small for (a pinned
        fence is then replaced by one of the policy's size: lifecycle.replace_pinned)."""
        lacking = self.lacks_room(policy)
        if lacking:
            raise FenceError(lacking)

    def _purge_slot(self, slot: int) -> int:
        removed = 0
        for name in ("hf_create", "hf_ports"):
            m = self.maps[name]
            stale = [k for k in m.keys() if int.from_bytes(k[:4], "little") == slot]
            for k in stale:
                removed += m.delete(k)
        return removed

    def _zero_counters(self, slot: int, n_rules: int) -> None:
        m = self.maps["hf_counters"]
        zero = bytes(m.lookup_size)
        for rule_id in [*range(n_rules), abi.HF_DEFAULT_RULE]:
            m.update(abi.u32(abi.counter_index(slot, rule_id)), zero)

    def _prepare_slot(self, slot: int) -> None:
        """Backend-specific values written with a slot's policy (the LSM scope)."""

    def install(
        self,
        policy: CompiledPolicy,
        write_hook: Callable[[int], None] | None = None,
        journal: SlotJournal | None = None,
        drain: bool = True,
        fresh: bool = False,
    ) -> int:
        """Atomically replace whatever policy is active with ``policy``; returns the new slot.

        ``write_hook(n)`` is called before the n-th map write (tests use it to inject a
        failure mid-write). On any error the new slot is removed and the old policy
        stays in force. ``journal`` records the state files around the flip (see
        ``pinning``); callers that pass one hold the fence lock. ``drain=False`` skips the
        wait for programs still reading the old slot: for maps no program is attached to.
        ``fresh``: the maps of an object loaded moments ago, empty, so no slot is purged
        (walking an empty hash map still visits every bucket: ~2 ms per slot).
        """
        self._check_room(policy)
        old = self.active_slot()
        # Always the inactive slot, even on the first install: config and keys are only
        # ever written where no program looks, and only the hf_active flip is seen.
        new = 1 - old
        flags = abi.HF_CFG_COUNT_BY_CGROUP if self.counts_by_cgroup() else 0
        encoded = encode(policy, new, flags)  # validation errors: nothing written yet
        cfg_map = self.maps["hf_config"]
        try:
            if journal is not None:
                journal.prepare(new)  # the state names the new slot before it can be live
            checkpoint("prepared")
            if not fresh:
                self._purge_slot(new)  # leftovers of an interrupted install
            self._prepare_slot(new)
            self._zero_counters(new, len(policy.rules))
            n = 0
            half = (len(encoded.create) + len(encoded.ports)) // 2
            for name, entries in (("hf_create", encoded.create), ("hf_ports", encoded.ports)):
                m = self.maps[name]
                for key, val in entries:
                    if write_hook:
                        write_hook(n)
                    if n == half:
                        checkpoint("mid-write")
                    m.update(key, val)
                    n += 1
            if write_hook:
                write_hook(n)
            self.maps["hf_fast"].write_array(new * abi.HF_FAST_PER_SLOT, encoded.fast)
            cfg_map.update(abi.u32(new), bytes(encoded.config))
            checkpoint("before-flip")
        except BaseException:
            try:
                cfg_map.update(abi.u32(new), bytes(abi.Config()))
                self._purge_slot(new)
            except libbpf.LibbpfError as exc:  # the old policy is still the active one
                log.warning("cleanup of the unfinished policy slot %d failed: %s", new, exc)
            if journal is not None:
                journal.abandon(new)
            raise
        # The flip: one 4-byte write; only its low byte changes (0 <-> 1).
        self.maps["hf_active"].update(abi.u32(0), abi.u32(new))
        checkpoint("flipped")
        if drain:
            time.sleep(DRAIN_SECONDS)
        cfg_map.update(abi.u32(old), bytes(abi.Config()))
        if not fresh:
            self._purge_slot(old)
        if journal is not None:
            journal.retire(old)
        return new

    def read_policy(
        self, rules: list[RuleInfo], name: str = "", source: str = ""
    ) -> CompiledPolicy | None:
        """The active slot's policy as the kernel holds it (None when no policy is loaded).

        Keys and verdicts come from the maps, not from the policy file, so an edit to the
        file after ``apply`` cannot make this differ from what is enforced; ``rules``
        (from the state file) only names the rule ids.
        """
        slot = self.active_slot()
        cfg = self.config(slot)
        if not cfg.loaded:
            return None
        policy = CompiledPolicy(
            name=name,
            enforce=bool(cfg.enforce),
            default=Action(cfg.default_action),
            rules=list(rules),
            source=source,
        )
        for k, value in self._slot_entries("hf_create", abi.CreateKey, slot):
            policy.create[CreateKey(k.family, k.type, k.protocol, k.kern)] = value
        for p, value in self._slot_entries("hf_ports", abi.PortKey, slot):
            policy.ports[PortKey(p.hook, p.family, p.protocol, p.port)] = value
        return policy

    def _slot_entries(
        self, map_name: str, key_type: type[_Key], slot: int
    ) -> Iterator[tuple[_Key, Verdict]]:
        """(key, verdict) of every entry of ``slot`` in a hash map."""
        m = self.maps[map_name]
        for raw in m.keys():
            k = key_type.from_buffer_copy(raw)
            value = m.lookup(raw) if k.slot == slot else None
            if value is not None:
                v = abi.VerdictValue.from_buffer_copy(value)
                yield k, Verdict(v.rule_id, Action(v.action))

    def counters(self, cgroup_id: int | None = None) -> dict[int, RuleCounter]:
        """Per-rule counters of the active policy, summed over CPUs; the default under
        HF_DEFAULT_RULE.

        An object of one cgroup counts every call it decides. A shared one counts per
        calling task's cgroup, so it needs ``cgroup_id`` (the cgroup its fence was applied
        to) and says what tasks directly in it did: a container's processes are; a task in
        a cgroup below counts under its own.
        """
        slot = self.active_slot()
        n_rules = self.config(slot).n_rules
        by_cgroup = self.counts_by_cgroup()
        if by_cgroup and cgroup_id is None:
            raise FenceError("these fence maps are shared by many cgroups: name the cgroup")
        m = self.maps["hf_cg_counters" if by_cgroup else "hf_counters"]
        out = {}
        for rule_id in [*range(n_rules), abi.HF_DEFAULT_RULE]:
            index = abi.counter_index(slot, rule_id)
            key = bytes(abi.CgCounterKey(cgroup_id or 0, index)) if by_cgroup else abi.u32(index)
            hits = denies = 0
            for raw in m.lookup_percpu(key):
                c = abi.Counter.from_buffer_copy(raw)
                hits += c.hits
                denies += c.denies
            out[rule_id] = RuleCounter(rule_id, hits, denies)
        return out

    def forget_cgroup(self, cgroup_id: int) -> None:
        """Delete a cgroup's counters from shared maps (its fence is removed; the maps
        live on for the other cgroups)."""
        if not self.counts_by_cgroup():
            return
        m = self.maps["hf_cg_counters"]
        for slot in (0, 1):
            n_rules = self.config(slot).n_rules
            for rule_id in [*range(n_rules), abi.HF_DEFAULT_RULE]:
                m.delete(bytes(abi.CgCounterKey(cgroup_id, abi.counter_index(slot, rule_id))))

    def stats(self) -> abi.Stats:
        total = abi.Stats()
        for raw in self.maps["hf_stats"].lookup_percpu(abi.u32(0)):
            s = abi.Stats.from_buffer_copy(raw)
            total.events += s.events
            total.lost += s.lost
            total.uncounted += s.uncounted
        return total

    def events(self, callback: Callable[[abi.FenceEvent], None]) -> libbpf.RingBuffer:
        return libbpf.RingBuffer(
            self.maps["hf_events"], lambda raw: callback(abi.FenceEvent.from_bytes(raw))
        )


def policy_from_maps(maps: FenceMaps, state: AppliedState) -> CompiledPolicy | None:
    """The policy ``maps`` hold, with the names and scope its state file recorded."""
    policy = maps.read_policy(rule_infos(state), state.policy, state.policy_file)
    if policy is not None:
        policy.scope_cgroup = state.cgroup
        policy.default_source = state.default_source
    return policy
