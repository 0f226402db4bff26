"""The agent's loop (see :mod:`hotfence.agent`).

Fences are pinned (``fence apply``), so they hold while the agent is down, killed or
restarting; the agent only adds and removes them. A container is fenced when it is
seen running (at start-up, or on its ``start`` event), so its first instructions run
unfenced: for race-free fencing use ``hotfence-runc`` or a fenced parent cgroup
(docs/containers.md). The agent's fences are the ones whose policy file lies in its
policy directory; it never removes another fence.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotfence.containers import engine
from hotfence.containers.cgroups import ContainerError, cgroup_of_pid
from hotfence.oci.meta import ContainerMeta
from hotfence.oci.selectors import entries

log = logging.getLogger("hotfence.agent")
POLL = 1.0  # seconds between looks at the policy directory


@dataclass
class Fenced:
    container_id: str
    name: str
    cgroup: str
    cgroup_id: int
    policy: str
    policy_file: str
    missing: tuple[str, ...]  # rules the kernel backend cannot enforce on this container


@dataclass
class Stats:
    applies: int = 0
    apply_errors: int = 0
    removals: int = 0
    events: int = 0


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


class Agent:
    def __init__(self, policy_dir: str, client: Any):
        self.policy_dir = str(Path(policy_dir).resolve())
        self.client = client  # docker.DockerClient
        self.fenced: dict[str, Fenced] = {}
        self.stats = Stats()
        self.lock = threading.Lock()
        self._stamp: tuple[tuple[str, int, int], ...] = ()

    # --- one container ---------------------------------------------------------------

    def fence(self, container_id: str) -> Fenced | None:
        """Apply the selected policy to a running container (None: not selected / not running)."""
        from hotfence.fence.backends import lsm, unenforceable
        from hotfence.fence.compiler import compile_file
        from hotfence.oci.meta import matches

        try:
            attrs = self.client.api.inspect_container(container_id)
        except Exception as exc:  # the container went away between event and look-up
            log.info("container %s: %s", container_id[:12], exc)
            return None
        pid = int((attrs.get("State") or {}).get("Pid") or 0)
        if not pid:
            return None
        who = meta_of(attrs)
        chosen = [e for e in entries(self.policy_dir) if matches(e.selector, who)]
        if not chosen:
            return None
        if len(chosen) > 1:
            raise ContainerError(
                f"{who.text()} is selected by more than one policy: "
                + ", ".join(e.file for e in chosen)
            )
        policy_file = chosen[0].file
        cgroup = cgroup_of_pid(pid)
        compiled = compile_file(policy_file)
        sel = lsm.select(compiled)
        missing = tuple(c.name for c in unenforceable(list(sel.coverage)))
        state, _ = sel.module.apply(compiled, str(cgroup), policy_file)
        f = Fenced(
            who.id, who.name, str(cgroup), state.cgroup_id, compiled.name, policy_file, missing
        )
        with self.lock:
            self.fenced[who.id] = f
            self.stats.applies += 1
        log.info(
            "fenced %s with %r on %s via %s%s",
            who.text(),
            compiled.name,
            cgroup,
            sel.backend,
            f" (NOT enforced here: {', '.join(missing)})" if missing else "",
        )
        return f

    def unfence(self, container_id: str) -> None:
        from hotfence.fence.backends import cgroup as backend
        from hotfence.fence.backends import lsm

        with self.lock:
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

    # --- the whole host --------------------------------------------------------------

    def reconcile(self) -> None:
        """Fence every running selected container; drop fences of cgroups that are gone."""
        from hotfence.fence.backends import cgroup as backend

        for c in self.client.api.containers(quiet=True):
            self.try_fence(c["Id"])
        for a in backend.applied():
            s = a.state
            if s is None or not s.policy_file.startswith(self.policy_dir + "/"):
                continue  # not the agent's
            if not Path(s.cgroup).is_dir() or Path(s.cgroup).stat().st_ino != a.cgroup_id:
                backend.remove(a.cgroup_id)
                with self.lock:
                    self.stats.removals += 1
                    self.fenced = {
                        k: v for k, v in self.fenced.items() if v.cgroup_id != a.cgroup_id
                    }
                log.info("removed a stale fence: %s is gone", s.cgroup)

    def _policies_changed(self) -> bool:
        d = Path(self.policy_dir)
        stamp = tuple(
            sorted(
                (str(f), f.stat().st_mtime_ns, f.stat().st_size)
                for f in (d.iterdir() if d.is_dir() else [])
                if f.suffix in (".yaml", ".yml")
            )
        )
        changed, self._stamp = stamp != self._stamp, stamp
        return changed

    def run(self, stop: threading.Event) -> None:
        """Reconcile, then follow container events until ``stop`` is set."""
        self._policies_changed()
        self.reconcile()
        events: queue.Queue[dict[str, Any]] = queue.Queue()
        stream = self.client.events(decode=True, filters={"type": "container"})

        def pump() -> None:
            try:
                for ev in stream:
                    events.put(ev)
            except Exception as exc:  # the stream closes when the agent stops
                if not stop.is_set():
                    log.error("engine event stream ended: %s", exc)
                    stop.set()

        threading.Thread(target=pump, daemon=True).start()
        try:
            while not stop.is_set():
                try:
                    ev = events.get(timeout=POLL)
                except queue.Empty:
                    if self._policies_changed():
                        log.info("policy directory changed: re-applying")
                        self.reconcile()
                    continue
                self.stats.events += 1
                action, cid = ev.get("Action") or ev.get("status"), ev.get("id") or ""
                if action == "start":
                    self.try_fence(cid)
                elif action in ("die", "destroy"):
                    self.unfence(cid)
        finally:
            stream.close()


def wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
