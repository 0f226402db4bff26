"""What ``fence apply`` leaves on the host, and the lock that serialises writers.

Per fenced cgroup (by cgroup id, shared by every bpffs-pinned backend):

* pins: ``/sys/fs/bpf/hotfence/<prefix><cgroup id>/`` holds the maps and one
  ``link_<program>`` per hook (the prefix names the backend, see :data:`PIN_PREFIX`);
* state: ``/run/hotfence/fence/<cgroup id>/`` (``$HOTFENCE_STATE_DIR``) holds ``lock``
  and one ``slot<N>.json`` per policy slot of the maps.

Why one file per slot: a swap writes the new policy into the inactive slot of the maps
and then flips ``hf_active``. The new slot's state file is written *before* any map
write and the old one is deleted only *after* the flip, so whenever the process is
killed, the slot ``hf_active`` names has a state file describing it; readers ask the
kernel (the pinned ``hf_active``) which one is live instead of trusting the last write.

Why a lock: two writers on one fence would pick the same inactive slot and write over
each other, or one's cleanup would unpin the other's links. :class:`FenceLock` is a
``flock`` on ``<state dir>/lock``; it is released by the kernel when its holder dies,
so a ``kill -9`` never leaves a fence locked.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from hotfence.bpf import libbpf
from hotfence.fence.backends.base import RuleCoverage
from hotfence.fence.backends.cgroupfs import PIN_ROOT, CgroupRef, FenceError
from hotfence.fence.compiled import CompiledPolicy, Hook, RuleInfo
from hotfence.fence.model import Backend as BackendName
from hotfence.linux import rundir

log = logging.getLogger(__name__)

STATE_DIR = Path(rundir.state_dir())
# The pin directory of backend B on cgroup id N is PIN_ROOT/<PIN_PREFIX[B]>N.
PIN_PREFIX = {BackendName.CGROUP.value: "", BackendName.LSM.value: "lsm-"}
LOCK_TIMEOUT = 30.0  # seconds a second writer waits; $HOTFENCE_LOCK_TIMEOUT overrides
SLOTS = (0, 1)


def checkpoint(name: str) -> None:
    """Fault injection for the crash and concurrency tests; a no-op unless asked for.

    ``HOTFENCE_FENCE_KILL_AT=<name>`` SIGKILLs this process at the named point;
    ``HOTFENCE_FENCE_PAUSE_AT=<name>:<seconds>`` sleeps there (to hold a lock open).
    """
    if os.environ.get("HOTFENCE_FENCE_KILL_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    pause = os.environ.get("HOTFENCE_FENCE_PAUSE_AT", "")
    if pause.partition(":")[0] == name:
        time.sleep(float(pause.partition(":")[2] or 1))


def state_dir(cgroup_id: int) -> Path:
    return STATE_DIR / str(cgroup_id)


def slot_path(cgroup_id: int, slot: int) -> Path:
    return state_dir(cgroup_id) / f"slot{slot}.json"


def pin_dir_of(backend: str, cgroup_id: int) -> Path:
    return PIN_ROOT / f"{PIN_PREFIX[backend]}{cgroup_id}"


# ---------------------------------------------------------------------------- lock


def _lock_timeout() -> float:
    raw = os.environ.get("HOTFENCE_LOCK_TIMEOUT")
    if raw is None:
        return LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise FenceError(f"HOTFENCE_LOCK_TIMEOUT={raw!r}: expected a number of seconds >= 0")
    return value


class FenceLock:
    """An exclusive ``flock`` on one fence's state directory, waited for up to ``timeout``.

    ``discard()`` (for ``remove``) deletes the state directory while the lock is still
    held; a waiter that then gets the lock on the deleted file notices (the path no
    longer names the inode it locked) and locks the new file instead.
    """

    def __init__(self, cgroup_id: int, target: str, timeout: float | None = None):
        self.cgroup_id = cgroup_id
        self.target = target
        self.timeout = _lock_timeout() if timeout is None else timeout
        self.path = state_dir(cgroup_id) / "lock"
        self.fd = -1
        self._discard = False

    def _holder(self) -> str:
        try:
            pid = self.path.read_text().strip()
        except OSError:
            return "another hotfence run"
        return f"hotfence pid {pid}" if pid else "another hotfence run"

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except FileNotFoundError:  # the directory was discarded under us: retry
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise FenceError(
                        f"{self.target}: {self._holder()} is changing this fence "
                        f"(lock {self.path}); gave up after {self.timeout:g}s, nothing changed"
                    ) from None
                time.sleep(0.02)
                continue
            try:
                current = os.stat(self.path).st_ino
            except FileNotFoundError:
                current = -1
            if current != os.fstat(fd).st_ino:  # locked a discarded file: take the new one
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            self.fd = fd
            return

    def discard(self) -> None:
        """Delete the state directory (lock file included) when the lock is released."""
        self._discard = True

    def release(self) -> None:
        if self.fd < 0:
            return
        d = state_dir(self.cgroup_id)
        if self._discard:
            for p in d.glob("slot*.json*"):
                p.unlink(missing_ok=True)
        if not any(d.glob("slot*.json")):
            # Nothing recorded (removed, or a refused first apply): leave no directory.
            self.path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                d.rmdir()
        else:
            os.ftruncate(self.fd, 0)
        os.close(self.fd)
        self.fd = -1

    def __enter__(self) -> FenceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# ---------------------------------------------------------------------------- state


@dataclass
class AppliedState:
    """What ``apply`` recorded for one policy slot of a fence."""

    cgroup: str
    cgroup_id: int
    backend: str
    policy: str
    policy_file: str
    enforce: bool
    default: str
    rules: list[dict[str, Any]]  # RuleInfo fields (hooks as names)
    coverage: list[dict[str, Any]]  # RuleCoverage fields
    applied_at: float
    default_source: str = ""  # "policy.yaml:7": where spec.default was written
    slot: int = 0  # the map slot (hf_active value) this policy was written into

    def write(self) -> None:
        """Atomically (write + rename) record this state for its slot."""
        d = state_dir(self.cgroup_id)
        d.mkdir(parents=True, exist_ok=True)
        final = slot_path(self.cgroup_id, self.slot)
        tmp = final.with_name(f"{final.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1))
        tmp.replace(final)

    @classmethod
    def read(cls, cgroup_id: int) -> AppliedState | None:
        """The state of the slot the kernel enforces (see :func:`live_slot`)."""
        states = read_slots(cgroup_id)
        if not states:
            return None
        if len(states) == 1:
            return next(iter(states.values()))
        first = next(iter(states.values()))
        slot = live_slot(first.backend, cgroup_id)
        if slot in states:
            return states[slot]
        # Nothing pinned to ask: neither slot is enforced; name the newest.
        return max(states.values(), key=lambda s: s.applied_at)


def new_state(
    policy: CompiledPolicy,
    cg: CgroupRef,
    backend: str,
    policy_file: str,
    coverages: list[RuleCoverage],
) -> AppliedState:
    """What to record for ``policy`` applied to ``cg`` (the slot is set by the journal)."""
    return AppliedState(
        cgroup=str(cg.path),
        cgroup_id=cg.id,
        backend=backend,
        policy=policy.name,
        policy_file=policy_file,
        enforce=policy.enforce,
        default=policy.default.name.lower(),
        rules=[
            {
                "rule_id": r.rule_id,
                "name": r.name,
                "source": r.source,
                "summary": r.summary,
                "hooks": sorted(h.name.lower() for h in r.hooks),
            }
            for r in policy.rules
        ],
        coverage=[
            {
                "rule_id": c.rule_id,
                "name": c.name,
                "summary": c.summary,
                "coverage": c.coverage.value,
                "reason": c.reason,
            }
            for c in coverages
        ],
        applied_at=time.time(),
        default_source=policy.default_source,
    )


def rule_infos(state: AppliedState) -> list[RuleInfo]:
    """The RuleInfo list a state recorded (the inverse of :func:`new_state`)."""
    return [
        RuleInfo(
            r["rule_id"],
            r["name"],
            r["source"],
            r["summary"],
            frozenset(Hook[h.upper()] for h in r.get("hooks", ())),
        )
        for r in state.rules
    ]


def read_slots(cgroup_id: int) -> dict[int, AppliedState]:
    out = {}
    for slot in SLOTS:
        p = slot_path(cgroup_id, slot)
        try:
            text = p.read_text()
        except FileNotFoundError:
            continue
        except OSError as exc:  # a state directory that is not one, or not ours to read
            raise FenceError(f"{p}: unreadable fence state ({exc.strerror})") from None
        try:
            out[slot] = AppliedState(**json.loads(text))
        except (ValueError, TypeError) as exc:
            raise FenceError(f"{p}: unreadable fence state ({exc})") from None
    return out


def live_slot(backend: str, cgroup_id: int) -> int | None:
    """The slot the pinned ``hf_active`` map names, or None when nothing is pinned."""
    path = pin_dir_of(backend, cgroup_id) / "hf_active"
    try:
        m = libbpf.open_pinned_map(path, "hf_active", 4, 4)
    except (libbpf.LibbpfError, KeyError):
        return None
    try:
        raw = m.lookup((0).to_bytes(4, "little"))
    finally:
        m.close()
    return int.from_bytes(raw, "little") & 1 if raw else 0


@dataclass
class StateJournal:
    """Keeps the state files in step with one install into the maps (see module doc).

    ``prepare(slot)`` runs before the first map write, ``abandon(slot)`` when the
    install fails before the flip, ``retire(slot)`` after the flip for the old slot.
    ``written`` lists the files this run created, so a failed apply deletes only those.
    """

    state: AppliedState
    written: list[Path] = field(default_factory=list)

    def prepare(self, slot: int) -> None:
        self.state = replace(self.state, slot=slot)
        self.state.write()
        self.written.append(slot_path(self.state.cgroup_id, slot))

    def abandon(self, slot: int) -> None:
        p = slot_path(self.state.cgroup_id, slot)
        if p in self.written:
            p.unlink(missing_ok=True)
            self.written.remove(p)

    def retire(self, slot: int) -> None:
        if slot != self.state.slot:
            slot_path(self.state.cgroup_id, slot).unlink(missing_ok=True)

    def discard(self) -> None:
        for p in self.written:
            p.unlink(missing_ok=True)
        self.written.clear()


def clear_state(cgroup_id: int, backend: str | None = None) -> None:
    """Delete the slot files (only ``backend``'s when given); the caller holds the lock."""
    for slot, st in read_slots(cgroup_id).items():
        if backend is None or st.backend == backend:
            slot_path(cgroup_id, slot).unlink(missing_ok=True)


def prune_unused_state(dry_run: bool = False) -> int:
    """Remove state directories that record nothing (the lock of a run killed before it
    wrote any state); returns how many. A directory whose lock is held is left alone."""
    if not STATE_DIR.exists():
        return 0
    pruned = 0
    for d in STATE_DIR.iterdir():
        if not d.name.isdigit() or any(d.glob("slot*.json")):
            continue
        if dry_run:
            pruned += 1
            continue
        try:
            with FenceLock(int(d.name), str(d), timeout=0):
                pass  # releasing a lock that records nothing removes its directory
        except FenceError:
            continue  # a writer holds it right now
        pruned += not d.exists()
    return pruned


# ---------------------------------------------------------------------------- pins


def is_complete(d: Path, programs: dict[str, str], maps: tuple[str, ...]) -> bool:
    return all((d / f"link_{p}").exists() for p in programs) and all((d / m).exists() for m in maps)


def unpin(d: Path) -> bool:
    """Remove a pin directory; the last reference to a link going away detaches it."""
    if not d.exists():
        return False
    for p in d.iterdir():
        p.unlink()
    d.rmdir()
    return True


@dataclass(frozen=True)
class PinRecord:
    """The pins one run created, so that its cleanup removes exactly those."""

    dir: Path
    made_dir: bool
    files: list[Path]

    def undo(self) -> None:
        for p in self.files:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        if self.made_dir:
            with contextlib.suppress(OSError):
                self.dir.rmdir()


# ---------------------------------------------------------------------------- listing


@dataclass(frozen=True)
class Applied:
    cgroup_id: int
    pin_dir: Path
    state: AppliedState | None
    links: list[str]  # programs whose link pins exist
    active: bool  # every hook's link is pinned (see :func:`liveness` for the kernel's view)
    backend: str = ""
    programs: tuple[str, ...] = ()  # every program the backend attaches


def applied(backend: str, programs: dict[str, str]) -> list[Applied]:
    """Every fence of ``backend`` left by ``apply``, pinned or (after a kill) state only."""
    prefix = PIN_PREFIX[backend]
    ids: set[int] = set()
    if PIN_ROOT.exists():
        for d in PIN_ROOT.iterdir():
            if d.name.startswith(prefix) and d.name[len(prefix) :].isdigit():
                ids.add(int(d.name[len(prefix) :]))
    if STATE_DIR.exists():
        ids.update(int(d.name) for d in STATE_DIR.iterdir() if d.name.isdigit())
    return [a for i in sorted(ids) if (a := applied_on(backend, programs, i)) is not None]


def applied_on(backend: str, programs: dict[str, str], cgroup_id: int) -> Applied | None:
    """The fence of ``backend`` on one cgroup id, if ``apply`` left one (see :func:`applied`)."""
    st = read_quiet(cgroup_id)
    if st is not None and st.backend != backend:
        st = None
    d = pin_dir_of(backend, cgroup_id)
    if st is None and not d.exists():
        return None  # another backend's fence, or a state directory holding only its lock
    links = [p for p in programs if (d / f"link_{p}").exists()]
    return Applied(cgroup_id, d, st, links, len(links) == len(programs), backend, tuple(programs))


def read_quiet(cgroup_id: int) -> AppliedState | None:
    """:meth:`AppliedState.read`, with an unreadable state file logged instead of raised."""
    try:
        return AppliedState.read(cgroup_id)
    except FenceError as exc:
        log.warning("%s", exc)
        return None


def find_by_path(path: str) -> list[int]:
    """Cgroup ids whose recorded state names ``path`` (for a cgroup that is gone)."""
    want = os.path.normpath(os.path.abspath(path))
    found = []
    if STATE_DIR.exists():
        for d in STATE_DIR.iterdir():
            if not d.name.isdigit():
                continue
            st = read_quiet(int(d.name))
            if st is not None and os.path.normpath(st.cgroup) == want:
                found.append(int(d.name))
    return sorted(found)


# ---------------------------------------------------------------------------- liveness

ACTIVE, DETACHED, STALE = "ACTIVE", "DETACHED", "STALE"


@dataclass(frozen=True)
class Liveness:
    """A fence checked against the kernel, not against what ``apply`` wrote down.

    ``STALE``: the cgroup the fence was made for is gone (removed, or removed and made
    again at the same path: a new cgroup id nothing is attached to). ``DETACHED``:
    some hook is not attached to the cgroup, or no state names the policy the pins hold.
    ``attached`` counts the links the kernel still runs for this cgroup.
    """

    status: str
    reasons: tuple[str, ...]
    attached: int

    @property
    def enforcing(self) -> bool:
        return self.status == ACTIVE


def liveness(a: Applied) -> Liveness:
    stale: list[str] = []
    detached: list[str] = []
    st = a.state
    if st is None:
        # Not STALE on its own: the links below say whether the cgroup is still there.
        detached.append(f"no state recorded for the pins at {a.pin_dir}: the policy is unnamed")
    else:
        try:
            now = os.stat(st.cgroup).st_ino
        except FileNotFoundError:
            stale.append(f"cgroup {st.cgroup} no longer exists")
        else:
            if now != a.cgroup_id:
                stale.append(
                    f"{st.cgroup} was re-created (cgroup id now {now}, the fence was made for "
                    f"{a.cgroup_id}): the new cgroup is not fenced"
                )
    missing = [p for p in a.programs if p not in a.links]
    if missing:
        detached.append(f"no link pinned for {', '.join(missing)}")
    attached = 0
    gone: list[str] = []
    for prog in a.links:
        try:
            info = libbpf.link_info(a.pin_dir / f"link_{prog}")
        except libbpf.LibbpfError as exc:
            detached.append(f"link {prog}: {exc}")
            continue
        if info.type == libbpf.BPF_LINK_TYPE_CGROUP and info.cgroup_id != a.cgroup_id:
            if info.cgroup_id == 0:
                gone.append(prog)
            else:
                detached.append(
                    f"link {prog} is attached to cgroup id {info.cgroup_id}, not {a.cgroup_id}"
                )
            continue
        attached += 1
    if gone:
        detached.append(
            f"{'every link' if len(gone) == len(a.programs) else 'links ' + ', '.join(gone)} "
            "detached by the kernel (link cgroup_id 0: the cgroup was removed)"
        )
    status = STALE if stale else DETACHED if detached else ACTIVE
    return Liveness(status, tuple(stale + detached), attached)


def prunable(live: Liveness) -> bool:
    """A fence ``prune`` removes: its cgroup is gone, or no hook of it runs any more."""
    return live.status == STALE or live.attached == 0
