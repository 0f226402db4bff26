"""The life of a BPF fence: load and attach (``fence run``), apply / swap / remove (pinned).

:class:`LoadedFence` is what every BPF backend loads: the object, its maps, one link
per program, owned by this process. :func:`apply_pinned` / :func:`remove_pinned` are
the persistent versions shared by the bpffs-pinned backends (cgroup-BPF, BPF-LSM):
always under the fence lock, recording state so that a kill at any point leaves it
naming what the kernel enforces (``pinning``), and cleaning up only what this run made.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from hotfence.bpf import corebtf, libbpf
from hotfence.fence.backends import pinning
from hotfence.fence.backends.base import RuleCoverage
from hotfence.fence.backends.cgroupfs import CgroupRef, FenceError, ensure_bpffs
from hotfence.fence.backends.maps import FenceMaps
from hotfence.fence.backends.pinning import AppliedState, StateJournal, checkpoint
from hotfence.fence.compiled import CompiledPolicy

log = logging.getLogger(__name__)


class LoadedFence:
    """A loaded fence object whose links this process owns (they detach with it).

    The lifecycle every enforcing backend shares: load the object, wrap its maps, attach
    every program (all or nothing), detach, close. Subclasses say how to wrap the maps
    and how to attach one program.
    """

    PROGRAMS: dict[str, str] = {}
    # A view of an object shared by many cgroups (SharedFences): its policy is installed
    # and never swapped in place, and closing the view leaves the object loaded.
    shared = False
    _release: Callable[[], None] | None = None

    def __init__(
        self,
        cgroup: CgroupRef,
        object_path: str | os.PathLike[str],
        loaded: libbpf.BpfObject | None = None,
        sizes: dict[str, int] | None = None,
    ):
        """``loaded``: that object, loaded ahead from ``object_path`` (:class:`Spares`).
        ``sizes``: max_entries of maps to size at load (maps.map_sizes); by default every
        map is as the object declares it."""
        self.cgroup = cgroup
        self.obj = loaded if loaded is not None else load_object(object_path, sizes)
        try:
            self.maps = self._maps()
        except BaseException:
            self.obj.close()
            raise
        self.links: dict[str, libbpf.Link] = {}

    def _maps(self) -> FenceMaps:
        raise NotImplementedError

    def _attach(self, program: libbpf.Program) -> libbpf.Link:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def attach(self) -> None:
        """Attach every hook; all or nothing."""
        try:
            for prog in self.PROGRAMS:
                self.links[prog] = self._attach(self.obj.program(prog))
        except BaseException:
            self.detach()
            raise

    def detach(self) -> None:
        for link in self.links.values():
            link.destroy()
        self.links.clear()

    def close(self) -> None:
        self.detach()
        if not self.shared:
            self.obj.close()
        elif self._release is not None:
            release, self._release = self._release, None
            release()

    def view(self, cgroup: CgroupRef, release: Callable[[], None]) -> Self:
        """This fence's object, maps and programs, to attach to ``cgroup`` with links of its
        own; ``release`` is called once when the view is closed."""
        v = copy.copy(self)
        v.cgroup, v.links, v.shared, v._release = cgroup, {}, True, release
        return v


def load_object(
    object_path: str | os.PathLike[str], sizes: dict[str, int] | None = None
) -> libbpf.BpfObject:
    # The fence objects' CO-RE reads resolved against their cut of the kernel's BTF:
    # less than half the load time (the agent loads one per fenced container).
    path = Path(object_path)
    obj = libbpf.BpfObject(path, corebtf.core_btf(path))
    try:
        for name, entries in (sizes or {}).items():
            obj.set_max_entries(name, entries)
        obj.load()
    except BaseException:
        obj.close()
        raise
    return obj


class Spares:
    """One BPF object loaded ahead of need, for a process that applies fences often (the
    agent): the verifier's time then falls before the apply, not in it.

    Only for objects whose programs take nothing per cgroup at load time (no .rodata
    scope; the cgroup comes at attach). Idle until :meth:`keep`; :meth:`take` returns the
    ready object, if any, and loads the next in the background. A spare that fails to
    load is logged and left out: the apply then loads its own and reports the error.
    """

    def __init__(self, object_path: Callable[[], str | os.PathLike[str]], sizes: dict[str, int]):
        self._object_path = object_path
        self.sizes = sizes  # what every spare is loaded with
        self._lock = threading.Lock()
        self._ready: libbpf.BpfObject | None = None
        self._on = False

    def keep(self) -> None:
        with self._lock:
            self._on = True
        self._refill()

    def ready(self) -> bool:
        with self._lock:
            return self._ready is not None

    def stop(self) -> None:
        """No more spares; the one ready is closed."""
        with self._lock:
            self._on = False
            obj, self._ready = self._ready, None
        if obj is not None:
            obj.close()

    def take(self) -> libbpf.BpfObject | None:
        with self._lock:
            obj, self._ready = self._ready, None
            on = self._on
        if on:
            threading.Thread(target=self._refill, daemon=True).start()
        return obj

    def _refill(self) -> None:
        try:
            obj = load_object(self._object_path(), self.sizes)
        except Exception as exc:
            log.warning("no spare fence object loaded ahead: %s", exc)
            return
        with self._lock:
            kept = self._ready is None and self._on
            if kept:
                self._ready = obj
        if not kept:
            obj.close()  # another refill was first


@dataclass
class _SharedEntry:
    fence: LoadedFence
    users: int = 0
    evicted: bool = False


class SharedFences:
    """One loaded fence object per policy, attached to every cgroup it fences, for a
    process that applies the same few policies to many cgroups (the agent: one per
    container).

    Each apply then attaches and pins links; it loads and verifies nothing and writes no
    policy, and the host holds one set of maps per policy instead of one per container.
    The object counts per calling cgroup (``hf_cg_counters``), so each fence keeps its own
    counters; its ring buffer and its events / lost statistics are the policy's.

    Off until :meth:`keep`. The objects of the last ``LIMIT`` policies stay loaded; an
    older one is closed once no apply is using it (the fences pinned from it stay: pins
    hold their links and maps).
    """

    LIMIT = 16

    def __init__(
        self,
        load: Callable[[CgroupRef, CompiledPolicy], LoadedFence],
        key: Callable[[CompiledPolicy], Hashable],
    ):
        """``load(cg, policy)``: a new object sized to count per cgroup, with ``policy``
        installed (``cg`` is only where it is first attached). ``key``: what makes two
        compiled policies write the same maps."""
        self._load = load
        self._key = key
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _SharedEntry] = OrderedDict()
        self._on = False

    def keep(self) -> None:
        with self._lock:
            self._on = True

    def stop(self) -> None:
        """Share no more; close every object no apply is using."""
        with self._lock:
            self._on = False
            for key in list(self._entries):
                self._evict(key)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def view(self, cg: CgroupRef, policy: CompiledPolicy) -> LoadedFence | None:
        """The shared fence of ``policy`` to attach to ``cg`` (None when off). Loaded on the
        policy's first apply; the caller closes the view as it would its own fence."""
        key = self._key(policy)
        with self._lock:
            if not self._on:
                return None
            entry = self._entries.get(key)
            if entry is None:
                # Under the lock: two first applies of one policy load one object.
                entry = self._entries[key] = _SharedEntry(self._load(cg, policy))
                while len(self._entries) > self.LIMIT:
                    self._evict(next(iter(self._entries)))
            self._entries.move_to_end(key)
            entry.users += 1
            return entry.fence.view(cg, lambda: self._release(entry))

    def _release(self, entry: _SharedEntry) -> None:
        with self._lock:
            entry.users -= 1
            if entry.evicted and entry.users == 0:
                entry.fence.close()

    def _evict(self, key: Hashable) -> None:
        entry = self._entries.pop(key)
        entry.evicted = True
        if entry.users == 0:
            entry.fence.close()


@dataclass(frozen=True)
class PinnedKind:
    """What differs between the bpffs-pinned backends."""

    name: str
    programs: dict[str, str]
    map_names: tuple[str, ...]
    load: Callable[[CgroupRef, CompiledPolicy], LoadedFence]  # a new object for the cgroup
    open_maps: Callable[[Path, CgroupRef], FenceMaps]  # the maps pinned in a directory


def apply_pinned(
    kind: PinnedKind,
    policy: CompiledPolicy,
    cg: CgroupRef,
    policy_file: str,
    coverages: list[RuleCoverage],
    swap_only: bool = False,
) -> tuple[AppliedState, bool]:
    """Enforce ``policy`` on ``cg`` with pinned links and maps; a complete fence is swapped.

    Returns the recorded state and whether this was a swap. ``swap_only`` refuses to
    make a new fence.
    """
    ensure_bpffs()
    d = pinning.pin_dir_of(kind.name, cg.id)
    with pinning.FenceLock(cg.id, str(cg.path)):
        checkpoint("locked")
        previous = AppliedState.read(cg.id)
        others = [
            b
            for b in pinning.PIN_PREFIX
            if b != kind.name and pinning.pin_dir_of(b, cg.id).exists()
        ]
        if previous is not None and previous.backend != kind.name:
            others.insert(0, previous.backend)
        if others:
            # One fence per cgroup: two backends' fences on it would hide one another.
            raise FenceError(f"{cg.path}: a {others[0]} fence is applied here; remove it first")
        journal = StateJournal(pinning.new_state(policy, cg, kind.name, policy_file, coverages))
        if pinning.is_complete(d, kind.programs, kind.map_names):
            maps = kind.open_maps(d, cg)
            try:
                # Maps shared by other cgroups' fences are never written for one of them.
                if maps.counts_by_cgroup():
                    lacking = "its maps are shared with other cgroups"
                else:
                    lacking = maps.lacks_room(policy)
                    if not lacking:
                        maps.install(policy, journal=journal)
            finally:
                maps.close()
            if lacking:
                log.info("%s: %s: replacing the fence by a new one", cg.path, lacking)
                replace_pinned(kind.load(cg, policy), policy, d, kind.map_names, journal)
            return journal.state, True
        if swap_only:
            raise FenceError(f"{cg.path}: no {kind.name} fence applied to swap; apply one first")
        pinning.clear_state(cg.id)  # what a killed first apply recorded
        install_pinned(kind.load(cg, policy), policy, d, kind.map_names, journal)
        return journal.state, False


def install_pinned(
    fence: LoadedFence,
    policy: CompiledPolicy,
    d: Path,
    map_names: tuple[str, ...],
    journal: StateJournal,
) -> None:
    """Load ``policy`` into a new ``fence``, pin its maps and links under ``d``.

    The caller holds the fence lock. All or nothing: on failure the fence is closed and
    the pins and state files this run made are removed, nothing else. The full policy
    is in place before the first attach.
    """
    if d.exists():
        # Under the lock, a pin directory that is not complete is what a killed apply
        # left (its links may still enforce part of a policy): start over.
        log.warning("%s: removing the pins of an unfinished apply", d)
        pinning.unpin(d)
    record = pinning.PinRecord(d, False, [])
    try:
        if fence.shared:  # the policy is in its maps already
            journal.prepare(fence.maps.active_slot())
        else:
            # Not attached yet: no program can be reading the slot the install retires.
            fence.maps.install(policy, journal=journal, drain=False, fresh=True)
        d.mkdir(parents=True)
        record = pinning.PinRecord(d, True, [])
        _pin_maps(fence, map_names, record)
        checkpoint("pinned-maps")
        fence.attach()
        _pin_links(fence, record)
    except BaseException:
        fence.close()
        record.undo()
        journal.discard()
        raise
    # The pins now hold links and maps; closing our fds leaves the attachment in place.
    fence.close()


def _pin_maps(fence: LoadedFence, map_names: tuple[str, ...], record: pinning.PinRecord) -> None:
    for name in map_names:
        fence.maps.maps[name].pin(record.dir / name)
        record.files.append(record.dir / name)


def _pin_links(fence: LoadedFence, record: pinning.PinRecord) -> None:
    for prog, link in fence.links.items():
        link.pin(record.dir / f"link_{prog}")
        record.files.append(record.dir / f"link_{prog}")
        checkpoint("pinned-link")


def replace_pinned(
    fence: LoadedFence,
    policy: CompiledPolicy,
    d: Path,
    map_names: tuple[str, ...],
    journal: StateJournal,
) -> None:
    """Swap a pinned fence whose maps are too small for ``policy`` for ``fence``, a new one
    of the policy's size, pinned in its place.

    The caller holds the fence lock. The new fence is attached before the old one is
    unpinned, so the cgroup is never without one: for that moment both enforce, and a
    call passes only if both policies allow it. Until the new pins exist only this
    process holds the new fence; if it dies there, the fence is gone and ``fence status``
    says so (its state names links that are no longer attached).
    """
    try:
        if not fence.shared:
            fence.maps.install(policy, drain=False, fresh=True)
        fence.attach()
    except BaseException:
        fence.close()  # the old fence is untouched
        raise
    checkpoint("replacement-attached")
    record = pinning.PinRecord(d, False, [])
    try:
        _forget_cgroup(d, journal.state.cgroup_id)
        pinning.unpin(d)  # the old fence detaches; the new one enforces already
        pinning.clear_state(journal.state.cgroup_id, journal.state.backend)
        journal.prepare(fence.maps.active_slot())
        d.mkdir(parents=True)
        record = pinning.PinRecord(d, True, [])
        _pin_maps(fence, map_names, record)
        _pin_links(fence, record)
    except BaseException:
        record.undo()
        journal.discard()
        fence.close()
        raise
    fence.close()


def remove_pinned(name: str, cgroup_id: int, target: str) -> bool:
    """Detach and unpin ``name``'s fence on a cgroup id; whether there was one."""
    d = pinning.pin_dir_of(name, cgroup_id)
    if not d.exists() and not pinning.state_dir(cgroup_id).exists():
        # No fence of any backend here (a poststop asks every backend): taking the lock
        # would only make a state directory to delete again.
        return False
    with pinning.FenceLock(cgroup_id, target) as lock:
        _forget_cgroup(d, cgroup_id)
        existed = pinning.unpin(d)
        st = pinning.read_quiet(cgroup_id)
        if st is None or st.backend == name:
            existed = existed or st is not None
            lock.discard()
    return existed


def _forget_cgroup(d: Path, cgroup_id: int) -> None:
    """Drop the cgroup's counters from the pinned maps in ``d`` if other cgroups' fences
    share them (they stay loaded for those)."""
    try:
        maps = FenceMaps.from_pins(d)
    except (libbpf.LibbpfError, FenceError, OSError):
        return  # nothing (complete) pinned: nothing shared to clean
    try:
        maps.forget_cgroup(cgroup_id)
    except libbpf.LibbpfError as exc:
        log.warning("%s: counters of cgroup id %d not dropped: %s", d, cgroup_id, exc)
    finally:
        maps.close()
