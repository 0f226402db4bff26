"""The agent's loop (see :mod:`hotfence.agent`).

Fences are pinned (``fence apply``), so they hold while the agent is down, killed or
restarting; the agent only adds and removes them. A container is fenced when it is
seen running (at start-up, or on its ``start`` event), so its first instructions run
unfenced: for race-free fencing use ``hotfence-runc`` or a fenced parent cgroup
(docs/containers.md). The agent's fences are the ones whose policy file lies in its
policy directory; it never removes another fence.

The policy directory may be a Kubernetes ConfigMap mount: each key is a symlink
``NAME.yaml -> ..data/NAME.yaml`` and an update swaps ``..data`` atomically. Files are
read through their symlinks and told apart by inode, size and mtime, so a swap is one
change. Each file is validated on its own: a bad file is logged (file:line: field) and
counted, the fences it made stay as they were, and the other files stay in force.
"""

from __future__ import annotations

import io
import json
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotfence.containers import engine
from hotfence.containers.cgroups import ContainerError, cgroup_of_pid, cgroupns_is_host
from hotfence.oci.meta import ContainerMeta, matches

if TYPE_CHECKING:
    from hotfence.fence.backends import ProbeResult
    from hotfence.fence.compiled import CompiledPolicy

log = logging.getLogger("hotfence.agent")
POLL = 1.0  # seconds between looks at the policy directory
RETRY = 2.0  # seconds between attempts to reach the engine's event stream
_PREPARED_KEPT = 1024  # prepared containers whose hook has not run yet, at most


@dataclass
class Fenced:
    container_id: str
    name: str
    cgroup: str
    cgroup_id: int
    policy: str
    policy_file: str
    missing: tuple[str, ...]  # rules the kernel backend cannot enforce on this container
    host_cgroupns: bool = False  # can escape the fence (docs/containers.md, threat model)


@dataclass(frozen=True)
class PolicyFile:
    path: str
    stamp: tuple[int, int, int]  # inode, size, mtime (through the symlink)
    selector: dict[str, Any] | None  # None: valid but selects nothing, or invalid
    error: str  # the validation errors (file:line: field: message); "" when valid


def _stamp(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def scan_policies(policy_dir: str, known: dict[str, PolicyFile]) -> dict[str, PolicyFile]:
    """Every policy file of ``policy_dir``, validated one by one (unchanged ones reused).

    ConfigMap internals (``..data``, ``..2026_…``) and dangling symlinks (a key removed)
    are not policy files.
    """
    from hotfence.fence.policy import PolicyError, load_policy

    out: dict[str, PolicyFile] = {}
    d = Path(policy_dir)
    for f in sorted(d.iterdir()) if d.is_dir() else []:
        if f.name.startswith("..") or f.suffix not in (".yaml", ".yml") or not f.is_file():
            continue
        try:
            stamp = _stamp(f)
        except OSError:  # removed between listing and stat
            continue
        old = known.get(str(f))
        if old is not None and old.stamp == stamp:
            out[str(f)] = old
            continue
        try:
            sel = load_policy(f).model.spec.selector
        except PolicyError as exc:
            out[str(f)] = PolicyFile(str(f), stamp, None, str(exc))
            continue
        except OSError as exc:
            out[str(f)] = PolicyFile(str(f), stamp, None, f"{f}: {exc.strerror}")
            continue
        dumped = None if sel is None else sel.model_dump(exclude_none=True)
        out[str(f)] = PolicyFile(str(f), stamp, dumped, "")
    return out


@dataclass
class Stats:
    applies: int = 0
    apply_errors: int = 0
    removals: int = 0
    events: int = 0
    reconnects: int = 0


def shares_host_cgroupns(attrs: dict[str, Any], pid: int) -> bool:
    """The engine's record when it has one (Docker 20.10+), else compare /proc namespaces."""
    mode = (attrs.get("HostConfig") or {}).get("CgroupnsMode") or ""
    return mode == "host" if mode else bool(cgroupns_is_host(pid))


def meta_of(attrs: dict[str, Any]) -> ContainerMeta:
    """The selector view of a container, from the engine's inspect data."""
    config = attrs.get("Config") or {}
    labels = dict(config.get("Labels") or {})
    k8s = engine.k8s_identity(labels)
    return ContainerMeta(
        id=attrs["Id"],
        name=(attrs.get("Name") or "").lstrip("/"),
        image=config.get("Image") or "",
        labels=labels,
        k8s_namespace=k8s.namespace if k8s else "",
        k8s_pod=k8s.pod if k8s else "",
        source="engine API",
    )


def _invalid(files: dict[str, PolicyFile], path: str) -> bool:
    return path in files and bool(files[path].error)


class Agent:
    def __init__(self, policy_dir: str, client: Any):
        self.policy_dir = str(Path(policy_dir).resolve())
        self.client = client  # docker.DockerClient
        self.fenced: dict[str, Fenced] = {}
        self.files: dict[str, PolicyFile] = {}
        self.stats = Stats()
        self.lock = threading.Lock()
        self._probes: list[ProbeResult] | None = None
        # Each file's compiled policy, with the stamp it was compiled at: every start event
        # of a selected container would otherwise load and compile its policy again (YAML,
        # schema, compiler: tens of ms of CPU beside the container's own start).
        self._compiled: dict[str, tuple[tuple[int, int, int], CompiledPolicy]] = {}
        # Containers this agent's createRuntime hook fenced (see fenced_by_hook), or its
        # wrapper step found no policy for, with the policy files of that decision.
        self._hooked: dict[str, dict[str, PolicyFile]] = {}
        self._unselected: dict[str, dict[str, PolicyFile]] = {}
        # Who each container the wrapper step prepared is, read from its bundle then: its
        # hook books the fence under that name without reading the bundle again.
        self._prepared_who: dict[str, ContainerMeta] = {}

    def probes(self) -> list[ProbeResult]:
        """Which backends the kernel loads, probed once per agent: probing loads a program
        per backend, too much to repeat on every container start."""
        from hotfence.fence.backends import probe

        if self._probes is None:
            self._probes = probe()
        return self._probes

    # --- the policy directory --------------------------------------------------------

    def load_policies(self) -> bool:
        """Re-read the policy directory; whether anything changed. Logs each newly bad file."""
        files = scan_policies(self.policy_dir, self.files)
        if files == self.files:
            return False
        for f in files.values():
            if f.error and self.files.get(f.path) != f:
                log.error(
                    "policy file rejected; its fences stay as they were and the other "
                    "files stay in force:\n%s",
                    f.error,
                )
        with self.lock:
            self.files = files
        return True

    def _ours(self, policy_file: str) -> bool:
        return policy_file.startswith(self.policy_dir + "/")

    # --- one container ---------------------------------------------------------------

    def fence(self, container_id: str) -> Fenced | None:
        """Apply the selected policy to a running container (None: not selected / not running).

        A container whose fence came from a file that is now invalid keeps that fence; one
        no valid file selects any more loses the agent's fence.
        """
        from hotfence.fence.backends import cgroup as backend
        from hotfence.fence.backends import lsm, pinning, select, unenforceable
        from hotfence.fence.compiler import compile_file

        with self.lock:
            hooked = self._hooked.get(container_id)
            unselected = self._unselected.pop(container_id, None)
            done = self.fenced.get(container_id)
            files_now = self.files
        # Decided moments ago by this agent's wrapper step or hook, under the policy files
        # in force now: the engine has nothing to add (asking it costs both sides more than
        # the fence took). A new container's cgroup holds no earlier fence to remove.
        if hooked is not None and hooked is files_now and done is not None:
            inode = _inode(done.cgroup)
            if inode == done.cgroup_id:  # still the cgroup it fenced
                log.info(
                    "%s: fenced by its hook with %r", done.name or container_id[:12], done.policy
                )
                return done
            if inode is None:
                # Gone before its start event was read (`docker run --rm` of a short
                # command): nothing to fence, and its die / destroy events follow. A
                # cgroup re-created at the path (another id) is looked up below.
                log.info("%s: exited before its start event", done.name or container_id[:12])
                return None
        if unselected is not None and unselected is files_now:
            return None
        try:
            attrs = self.client.api.inspect_container(container_id)
        except Exception as exc:  # the container went away between event and look-up
            log.info("container %s: %s", container_id[:12], exc)
            return None
        pid = int((attrs.get("State") or {}).get("Pid") or 0)
        if not pid:
            return None
        who = meta_of(attrs)
        cgroup = cgroup_of_pid(pid)
        cgroup_id = cgroup.stat().st_ino
        # This cgroup's fence only: a start event reads no other container's state.
        current = backend.applied_on(cgroup_id)
        cur_file = current.state.policy_file if current and current.state else ""
        with self.lock:
            files = dict(self.files)
        host_ns = shares_host_cgroupns(attrs, pid)
        if current is not None and current.state is not None and _invalid(files, cur_file):
            log.info("%s keeps its fence from %s (that file is invalid)", who.text(), cur_file)
            # Still the agent's: served in its metrics.
            return self._remember(
                who, cgroup, cgroup_id, current.state.policy, cur_file, (), host_ns
            )
        chosen = [
            f.path for f in files.values() if f.selector is not None and matches(f.selector, who)
        ]
        if not chosen:
            if current is not None and self._ours(cur_file):
                backend.remove(cgroup_id)
                lsm.remove(cgroup_id)
                with self.lock:
                    self.fenced.pop(who.id, None)
                    self.stats.removals += 1
                log.info("removed the fence of %s: no policy selects it now", who.text())
            return None
        if len(chosen) > 1:
            raise ContainerError(f"{who.text()} is selected by more than one policy: {chosen}")
        policy_file = chosen[0]
        if host_ns:
            _warn_host_cgroupns(who)
        stamp = files[policy_file].stamp
        cached = self._compiled.get(policy_file)
        if cached is not None and cached[0] == stamp:
            compiled = cached[1]
        else:
            compiled = compile_file(policy_file)
            self._compiled[policy_file] = (stamp, compiled)
        sel = select(compiled, probes=self.probes())
        missing = tuple(c.name for c in unenforceable(list(sel.coverage)))
        if (
            current is not None
            and pinning.liveness(current).enforcing
            and current.state is not None
            # A hook records the file's real path (a ConfigMap's ..data/ link resolved).
            and os.path.realpath(current.state.policy_file) == os.path.realpath(policy_file)
            and current.state.policy == compiled.name
            and Path(policy_file).stat().st_mtime < current.state.applied_at
        ):
            # Already in force (a restart of the agent): re-applying would zero its counters.
            f = self._remember(who, cgroup, cgroup_id, compiled.name, policy_file, missing, host_ns)
            log.info("%s: fence %r already in force", who.text(), compiled.name)
            return f
        state, _ = sel.backend.apply(compiled, str(cgroup), policy_file)
        f = self._remember(
            who, cgroup, state.cgroup_id, compiled.name, policy_file, missing, host_ns, applied=True
        )
        log.info(
            "fenced %s with %r on %s via %s%s",
            who.text(),
            compiled.name,
            cgroup,
            sel.name,
            f" (NOT enforced here: {', '.join(missing)})" if missing else "",
        )
        return f

    def _remember(
        self,
        who: ContainerMeta,
        cgroup: Path,
        cgroup_id: int,
        policy: str,
        policy_file: str,
        missing: tuple[str, ...],
        host_ns: bool,
        applied: bool = False,
    ) -> Fenced:
        """Record ``who``'s fence as the agent's (its metrics and unfence read this)."""
        f = Fenced(who.id, who.name, str(cgroup), cgroup_id, policy, policy_file, missing, host_ns)
        with self.lock:
            self.fenced[who.id] = f
            if applied:
                self.stats.applies += 1
        return f

    def fenced_by_hook(
        self, container_id: str, bundle: str, pid: int, policy_file: str, done: dict[str, object]
    ) -> None:
        """Book a fence this agent's createRuntime hook applied (hook.InAgent): the
        container's start event then needs no look-up in the engine. Its identity comes
        from the bundle, as the wrapper's selection read it."""
        from hotfence.oci.meta import from_bundle

        with self.lock:
            who = self._prepared_who.pop(container_id, None)
        if not self._ours(policy_file):
            return  # a policy directory not the agent's: its start event decides
        if who is None:  # the wrapper's create ran without this agent
            try:
                with open(os.path.join(bundle, "config.json"), "rb") as f:
                    who = from_bundle(json.load(f), container_id)
            except (OSError, ValueError) as exc:
                log.info(
                    "container %s: %s; its start event will look it up", container_id[:12], exc
                )
                return
        host_ns = bool(cgroupns_is_host(pid))
        if host_ns:
            _warn_host_cgroupns(who)
        with self.lock:
            files = self.files
        self._remember(
            who,
            Path(str(done["cgroup"])),
            int(str(done["cgroup_id"])),
            str(done["policy"]),
            policy_file,
            (),  # the wrapper merged what the kernel backend cannot see into seccomp
            host_ns,
        )
        with self.lock:
            self._hooked[container_id] = files

    def _prepared(self, container_id: str, policy_dir: str, who: ContainerMeta | None) -> None:
        """The wrapper's create, run here, prepared the container's bundle for ``who``'s
        policy (its hook then books it under that name), or found no policy for it (None:
        when that was this agent's policy directory, the start event need not ask again)."""
        with self.lock:
            if who is not None:
                if len(self._prepared_who) >= _PREPARED_KEPT:  # creates that never ran
                    del self._prepared_who[next(iter(self._prepared_who))]
                self._prepared_who[container_id] = who
            elif os.path.realpath(policy_dir) == self.policy_dir:
                self._unselected[container_id] = self.files

    def unfence(self, container_id: str) -> None:
        from hotfence.fence.backends import cgroup as backend
        from hotfence.fence.backends import lsm

        with self.lock:
            self._hooked.pop(container_id, None)
            self._unselected.pop(container_id, None)
            self._prepared_who.pop(container_id, None)
            f = self.fenced.pop(container_id, None)
        if f is None:
            return
        backend.remove(f.cgroup_id)
        lsm.remove(f.cgroup_id)
        with self.lock:
            self.stats.removals += 1
        log.info("removed the fence of %s (%s)", f.name, f.cgroup)

    def try_fence(self, container_id: str) -> None:
        try:
            self.fence(container_id)
        except Exception as exc:
            with self.lock:
                self.stats.apply_errors += 1
            log.error("container %s: fence not applied: %s", container_id[:12], exc)

    def handoff(self, req: dict[str, Any]) -> dict[str, Any]:
        """Apply the fence a createRuntime hook hands over (:mod:`.handoff`), as the hook
        itself would have: same pins, so this agent's reconcile sees it as in force."""
        from hotfence.oci.hook import fence_container

        if req["op"] == "remove":
            return self._remove_for_hook(req["cgroup_id"])
        if req["op"] in ("prepare", "hook"):
            return self._step_for_client(req)
        who = str(req.get("container") or "")[:12] or f"pid {req['pid']}"
        t0 = time.perf_counter()
        try:
            done = fence_container(req["policy_file"], req["pid"], req["allow_partial"])
        except Exception as exc:
            with self.lock:
                self.stats.apply_errors += 1
            log.error("container %s (from its hook): fence not applied: %s", who, exc)
            return {"ok": False, "error": str(exc)}
        with self.lock:
            self.stats.applies += 1
        ms = (time.perf_counter() - t0) * 1000
        log.info("container %s (from its hook): %s in %.0f ms", who, done["message"], ms)
        return {"ok": True, **done}

    def _step_for_client(self, req: dict[str, Any]) -> dict[str, Any]:
        """A whole step of hotfence-runc that ``hotfence-hook`` hands over: the wrapper's
        create (``prepare``) or one of its hooks, run here as hotfence-runc would run it."""
        from hotfence.oci import hook, runtime

        argv: list[str] = req["argv"]
        t0 = time.perf_counter()
        told = ""  # (what the step told runc's log only: for this log too)
        if req["op"] == "prepare":
            code, text, told = runtime.prepare_in_agent(argv, req["cwd"], self._prepared)
            what = "create"
        else:
            err = io.StringIO()
            code = hook.run(argv, req["state"] or {}, err, agent=self)
            text, what = err.getvalue(), f"hook {argv[0] if argv else ''}"
        ms = (time.perf_counter() - t0) * 1000
        applied = code == 0 and "hotfence agent: applied " in text
        with self.lock:
            if code != 0:
                self.stats.apply_errors += 1
            elif applied:
                self.stats.applies += 1
        # What the step printed, without the prefixes its lines carry for the runtime's log.
        said = (
            "; ".join(
                ln.removeprefix("hotfence agent: ").removeprefix("hotfence-runc: ")
                for ln in (told + text).splitlines()
            )
            or "nothing to do"
        )
        if req["op"] == "prepare":
            who = "a create"
        elif argv[:1] == ["remove-recorded"]:
            who = "a poststop"  # the container is gone: its record names only the cgroup
        else:
            who = f"container {str((req['state'] or {}).get('id') or '?')[:12]}"
        if code:
            log.error("%s (from hotfence-hook %s): exit %d: %s", who, what, code, said)
        elif applied:  # the form benchmarks/docker_runtime.py reads
            log.info("%s (from its hook): %s in %.0f ms", who, said, ms)
        else:
            log.info("%s (from hotfence-hook %s): %s in %.0f ms", who, what, said, ms)
        return {"exit": code, "stderr": text}

    def _remove_for_hook(self, cgroup_id: int) -> dict[str, Any]:
        """A Python poststop hook's ``remove`` request (hook._remove_recorded)."""
        try:
            removed = self.remove_fence(cgroup_id)
        except Exception as exc:
            return {"ok": False, "error": str(exc)}
        return {"ok": True, "removed": removed}

    def remove_fence(self, cgroup_id: int) -> int:
        """Remove the fence of a cgroup that is gone (a poststop hook's, by either route)."""
        from hotfence.fence.backends import cgroup as backend
        from hotfence.fence.backends import lsm

        try:
            removed = int(backend.remove(cgroup_id))
            removed += int(lsm.remove(cgroup_id))
        except Exception as exc:
            log.error("cgroup id %d (from its hook): fence not removed: %s", cgroup_id, exc)
            raise
        with self.lock:
            self.stats.removals += removed
            self.fenced = {k: v for k, v in self.fenced.items() if v.cgroup_id != cgroup_id}
        log.info("cgroup id %d (from its hook): fence removed", cgroup_id)
        return removed

    # --- the whole host --------------------------------------------------------------

    def reconcile(self) -> None:
        """Fence every running selected container; drop fences of cgroups that are gone."""
        from hotfence.fence.backends import cgroup as backend

        for c in self.client.api.containers(quiet=True):
            self.try_fence(c["Id"])
        for a in backend.applied():
            s = a.state
            if s is None or not self._ours(s.policy_file):
                continue  # not the agent's
            if not Path(s.cgroup).is_dir() or Path(s.cgroup).stat().st_ino != a.cgroup_id:
                backend.remove(a.cgroup_id)
                with self.lock:
                    self.stats.removals += 1
                    self.fenced = {
                        k: v for k, v in self.fenced.items() if v.cgroup_id != a.cgroup_id
                    }
                log.info("removed a stale fence: %s is gone", s.cgroup)

    def run(self, stop: threading.Event) -> None:
        """Follow container events until ``stop`` is set, reconciling on every (re)connect.

        The engine may restart (an upgrade) or drop the stream: the agent reconnects
        rather than exiting, and reconciles then, because events sent while it was
        disconnected are lost. It subscribes before reconciling, so a container that
        starts in between is seen by both, never by neither.
        """
        self.load_policies()
        while not stop.is_set():
            try:
                # Only the events acted on: a container's create, attach, resize... would
                # cost the agent a decode each, while that container waits on its hooks.
                stream = self.client.events(
                    decode=True,
                    filters={"type": "container", "event": ["start", "die", "destroy"]},
                )
            except Exception as exc:
                log.error("engine event stream: %s; retrying in %gs", exc, RETRY)
                stop.wait(RETRY)
                continue
            try:
                try:
                    self.reconcile()
                except Exception as exc:  # one bad fence must not stop the agent following
                    with self.lock:
                        self.stats.apply_errors += 1
                    log.error("reconcile: %s; following events anyway", exc)
                self._follow(stream, stop)
            finally:
                stream.close()
            if not stop.is_set():
                with self.lock:
                    self.stats.reconnects += 1
                log.error("engine event stream ended; reconnecting in %gs", RETRY)
                stop.wait(RETRY)

    def _follow(self, stream: Any, stop: threading.Event) -> None:
        events: queue.Queue[dict[str, Any]] = queue.Queue()
        ended = threading.Event()

        def pump() -> None:
            try:
                for ev in stream:
                    events.put(ev)
            except Exception as exc:  # the engine went away, or the agent closed the stream
                if not stop.is_set():
                    log.info("engine event stream: %s", exc)
            finally:
                ended.set()

        threading.Thread(target=pump, daemon=True).start()
        looked = time.monotonic()
        while not stop.is_set():
            if time.monotonic() - looked >= POLL:  # even while events keep coming
                looked = time.monotonic()
                if self.load_policies():
                    log.info("policy directory changed: re-applying")
                    self.reconcile()
            try:
                ev = events.get(timeout=POLL)
            except queue.Empty:
                if ended.is_set():
                    return
                continue
            with self.lock:
                self.stats.events += 1
            action, cid = ev.get("Action") or ev.get("status"), ev.get("id") or ""
            if action == "start":
                self.try_fence(cid)
            elif action in ("die", "destroy"):
                self.unfence(cid)


def _inode(path: str) -> int | None:
    """The inode (a cgroup's id) of what is at ``path`` now; None when nothing is."""
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _warn_host_cgroupns(who: ContainerMeta) -> None:
    log.warning(
        "%s shares the host cgroup namespace: with CAP_SYS_ADMIN it can mount "
        "cgroup2 and move itself out of its fence; run it with --cgroupns private",
        who.text(),
    )


def wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
