"""The OCI hooks ``hotfence-runc`` installs, and the hooks.d entry for Podman and CRI-O.

* ``hook apply POLICY`` (createRuntime): the container's state arrives on stdin; its
  init process already sits in the container's cgroup, and has not run the container's
  program yet. The policy is applied to that cgroup exactly as ``fence apply`` does
  (pinned, so it outlives the hook), and its cgroup id is recorded in the bundle for:
  when ``hotfence agent`` runs, the hook hands the apply to it over its socket
  (:mod:`hotfence.agent.handoff`: the agent has libbpf and the backends loaded already)
  and waits for it; with no agent to ask, or none answering, the hook applies it itself.
* poststop, as ``hotfence-runc`` writes it (``hotfence-hook poststop``, in C): claims the
  record and starts ``hook remove-recorded RECORD`` in the background, which removes that
  fence once the container is gone: runc and the engine wait for no Python.
  ``hook remove`` does the same from Python (claim, then a background child).
* ``hook select [--policy-dir DIR]`` (createRuntime and poststop, from hooks.d): the same, for
  runtimes that read hooks.d (Podman, CRI-O) instead of being wrapped: the policy is
  chosen here, from the bundle's annotations. Seccomp cannot be changed at that point, so
  only what the cgroup fence enforces is enforced (the hook refuses a policy it cannot
  fully enforce unless ``failure: open``).

A non-zero exit makes runc fail the create: the container does not start (fail closed).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

from hotfence import __version__
from hotfence.oci.common import (
    DEFAULT_POLICY_DIR,
    ID_FILE,
    agent_socket,
    handoff_timeout,
    hook_env,
    runtime_dir,
)

# The poststop path imports no more than this (no pathlib, no typing): it runs per container.
# mypy reads any TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol, TextIO

    from hotfence.fence.backends import ProbeResult
else:
    Protocol = object  # the base of InAgent below, without importing typing at run time

HOOKS_D_VERSION = "1.0.0"


def _state() -> dict[str, object]:
    return dict(json.load(sys.stdin))


def _probes() -> list[ProbeResult]:
    """Which backends this kernel loads, probed once per boot (and hotfence version, and BPF
    object directory): every hook would otherwise load the probe programs again."""
    from hotfence.fence.backends import ProbeResult, probe

    with open("/proc/sys/kernel/random/boot_id") as f:
        key = [f.read().strip(), __version__, os.environ.get("HOTFENCE_BPF_BUILD", "")]
    path = os.path.join(runtime_dir(), "probes.json")
    try:
        with open(path) as f:
            doc = json.load(f)
        if doc["key"] == key:
            return [ProbeResult(b, bool(a), r) for b, a, r in doc["probes"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    probes = probe()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(
                {"key": key, "probes": [[p.backend, p.available, p.reason] for p in probes]}, f
            )
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only /run only costs speed
    return probes


def fence_container(policy_file: str, pid: int, allow_partial: bool) -> dict[str, object]:
    """Apply ``policy_file`` to the cgroup of ``pid`` as ``fence apply`` does (pinned).

    What the hook does in-process, and what ``hotfence agent`` does for a hook that hands
    the fence over (:func:`_ask_agent`): the same pins and state either way, so ``fence
    status|remove|prune``, the poststop hook and the agent's reconcile see one fence.
    Returns the cgroup, its id and a line for the runtime's log.
    """
    from hotfence.containers.cgroups import cgroup_of_pid
    from hotfence.fence.backends import select, unenforceable
    from hotfence.oci.prepared import compiled_policy

    # Compiled by the wrapper's create moments ago (no policy schema to import here).
    compiled = compiled_policy(policy_file)
    cgroup = cgroup_of_pid(pid)
    sel = select(compiled, probes=_probes())
    missing = unenforceable(list(sel.coverage))
    if missing and not allow_partial:
        raise RuntimeError(
            f"{sel.name} cannot enforce rule(s) "
            + ", ".join(c.name for c in missing)
            + " and this runtime cannot add them to the container's seccomp profile"
        )
    state, _ = sel.backend.apply(compiled, str(cgroup), os.path.realpath(policy_file))
    return {
        "cgroup": str(cgroup),
        "cgroup_id": cgroup.stat().st_ino,
        "policy": compiled.name,
        "message": f"applied {compiled.name!r} on {state.cgroup} via {sel.name}",
    }


class InAgent(Protocol):
    """What the hook needs of ``hotfence agent`` when the agent runs it (:func:`run`)."""

    def remove_fence(self, cgroup_id: int) -> int:
        """Remove the fence of a gone cgroup (raises if it cannot); the fences removed."""
        ...

    def fenced_by_hook(
        self, container_id: str, bundle: str, pid: int, policy_file: str, done: dict[str, object]
    ) -> None:
        """The agent's createRuntime hook applied ``done`` (:func:`fence_container`'s) to the
        container: its books take it now, not from the engine when the container starts."""
        ...


class AgentRefused(RuntimeError):
    """The agent answered, and could not apply the fence: the container must not start."""


def _ask_agent(request: dict[str, object]) -> dict[str, object] | None:
    """Hand ``request`` to ``hotfence agent`` (libbpf and the backends are loaded there).

    None when there is no agent to ask (no socket, connection refused) or it did not
    answer (it died or hung mid-request): the caller then does the work itself, so a
    container never starts unfenced because of the agent. An answer that is an error
    raises AgentRefused. Imports only socket beyond what the hook already has.
    """
    import socket

    path = agent_socket()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(handoff_timeout())
        try:
            s.connect(path)
        except (FileNotFoundError, ConnectionRefusedError):
            return None  # no agent running: the usual case without one, said nowhere
        s.sendall(json.dumps(request).encode() + b"\n")
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    except OSError as exc:  # a timeout, a reset: the agent died or hangs
        print(
            f"hotfence: the agent at {path} did not answer ({exc}); doing it here", file=sys.stderr
        )
        return None
    finally:
        s.close()
    if not chunks:
        print(
            f"hotfence: the agent at {path} closed without answering; doing it here",
            file=sys.stderr,
        )
        return None
    reply = json.loads(b"".join(chunks))
    if not isinstance(reply, dict) or not reply.get("ok"):
        error = reply.get("error") if isinstance(reply, dict) else reply
        raise AgentRefused(f"hotfence agent: {error}")
    return reply


def _apply(
    policy_file: str,
    pid: int,
    bundle: str,
    allow_partial: bool,
    cid: str,
    agent: InAgent | None,
) -> str:
    in_agent = agent is not None
    done = None
    if not in_agent:
        request = {
            "op": "apply",
            "policy_file": policy_file,
            "pid": pid,
            "container": cid,
            "allow_partial": allow_partial,
        }
        done = _ask_agent(request)
    via = " (by the agent)"
    if done is None:
        done, via = fence_container(policy_file, pid, allow_partial), ""
    with open(os.path.join(bundle, ID_FILE), "w") as f:
        json.dump({"cgroup": done["cgroup"], "cgroup_id": done["cgroup_id"]}, f)
    if agent is not None:
        agent.fenced_by_hook(cid, bundle, pid, policy_file, done)
    return f"{done['message']}{'' if in_agent else via}"


def _remove(bundle: str, agent: InAgent | None = None) -> None:
    """Remove the fence the createRuntime hook recorded in ``bundle``, in the background.

    The container is gone by now (poststop) and its cgroup with it, so the kernel no longer
    runs the fence; what is left is its pinned state. Unpinning it needs libbpf and the
    fence backends, more start-up than the rest of a ``docker run --rm``, so a child does it
    after runc has moved on; when ``hotfence agent`` runs, it removes the fence instead
    (it has them loaded), and no child is needed. The record is claimed first,
    synchronously: a container re-created in the same bundle (``docker restart``) writes
    its own, for its new cgroup.
    A removal that fails leaves a fence that ``fence status`` shows as stale and ``fence
    prune`` (or the agent) removes. ``agent``: run by the agent itself, which removes it now.
    """
    record = os.path.join(bundle, ID_FILE)
    claimed = f"{record}.removing.{os.getpid()}"
    try:
        os.rename(record, claimed)
    except FileNotFoundError:
        return
    try:
        with open(claimed) as f:
            record = f.read()
    finally:
        os.unlink(claimed)
    _remove_recorded(record, background=agent is None, agent=agent)


def _remove_recorded(record: str, background: bool, agent: InAgent | None = None) -> None:
    """Remove the fence of a claimed record (its JSON text): by the agent (``agent``, when
    it runs this itself; else asked, if one answers), else here, in a child off runc's
    pipes when ``background``."""
    cgroup_id = int(json.loads(record)["cgroup_id"])
    if agent is not None:
        agent.remove_fence(cgroup_id)
        return
    try:
        if _ask_agent({"op": "remove", "cgroup_id": cgroup_id}) is not None:
            return  # removed by the agent: no child importing libbpf beside the next one
    except AgentRefused as exc:
        print(f"hotfence: {exc}; removing the fence here", file=sys.stderr)
    if background and os.fork():
        return
    # The child: off runc's output pipes (runc waits for them to close) and session.
    try:
        if background:
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
        from hotfence.fence.backends import cgroup as backend
        from hotfence.fence.backends import lsm

        backend.remove(cgroup_id)
        lsm.remove(cgroup_id)
    except BaseException:
        if background:
            os._exit(1)
        raise
    if background:
        os._exit(0)


USAGE = (
    "usage: hotfence-runc hook apply POLICY [--failure open] | remove | "
    "remove-recorded RECORD | select [--policy-dir DIR]"
)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("apply", "remove", "remove-recorded", "select"):
        print(USAGE, file=sys.stderr)
        return 2
    if argv[0] == "remove-recorded":
        # From hotfence-hook's poststop, already in the background (and, through the C
        # client, in a session of its own already: setsid then says EPERM).
        with contextlib.suppress(OSError):
            os.setsid()
        return run(argv, {}, sys.stderr)
    try:
        state = _state()
    except ValueError as exc:  # as run() treats any failure
        if argv[0] == "apply" and argv[2:4] == ["--failure", "open"]:
            print(f"hotfence: container started WITHOUT its cgroup fence (failure: open): "
                  f"bad state: {exc}", file=sys.stderr)  # fmt: skip
            return 0
        print(f"hotfence: fence not applied, container stopped: bad state: {exc}", file=sys.stderr)
        return 1
    return run(argv, state, sys.stderr)


def run(
    argv: list[str], state: dict[str, object], err: TextIO, agent: InAgent | None = None
) -> int:
    """The hook's work, given its arguments and the state the runtime sent: its exit code,
    its messages written to ``err``. ``agent``: ``hotfence agent`` runs it for
    ``hotfence-hook`` (oci/hotfence-hook.c), and does the work itself, in the foreground
    (a removal through ``agent.remove_fence``, which keeps the agent's books)."""
    in_agent = agent is not None
    me = "hotfence agent" if in_agent else "hotfence"
    if not argv or argv[0] not in ("apply", "remove", "remove-recorded", "select"):
        print(USAGE, file=err)
        return 2
    if argv[0] == "remove-recorded":
        if len(argv) != 2:
            print(USAGE, file=err)
            return 2
        try:
            _remove_recorded(argv[1], background=False, agent=agent)
        except Exception as exc:
            print(f"{me}: fence not removed ({exc}); fence prune removes it", file=err)
            return 1
        return 0
    failure_open = argv[0] == "apply" and argv[2:4] == ["--failure", "open"]
    try:
        bundle = str(state.get("bundle") or ".")
        # hooks.d gives one command for both stages; the state's status tells them apart.
        if argv[0] == "remove" or state.get("status") == "stopped":
            try:
                _remove(bundle, agent)
            except Exception as exc:  # poststop: the container is gone either way
                print(f"{me}: fence not removed ({exc}); fence prune removes it", file=err)
                return 1
            return 0
        if argv[0] == "apply":
            cid = str(state.get("id") or "")
            msg = _apply(argv[1], _pid(state), bundle, True, cid, agent)
            print(f"{me}: {msg}", file=err)
            return 0
        return _select(argv[1:], state, bundle, err, agent)
    except Exception as exc:  # any failure must stop the container, with its reason
        if failure_open:
            print(
                f"{me}: container started WITHOUT its cgroup fence (failure: open): {exc}",
                file=err,
            )
            return 0
        print(f"{me}: fence not applied, container stopped: {exc}", file=err)
        return 1


def _select(
    argv: list[str], state: dict[str, object], bundle: str, err: TextIO, agent: InAgent | None
) -> int:
    from hotfence.oci import meta
    from hotfence.oci.wrap import selected

    me = "hotfence agent" if agent is not None else "hotfence"

    policy_dir = argv[1] if argv[:1] == ["--policy-dir"] and len(argv) > 1 else DEFAULT_POLICY_DIR
    with open(os.path.join(bundle, "config.json"), "rb") as f:
        config = json.load(f)
    annotations = state.get("annotations")
    if isinstance(annotations, dict):
        config["annotations"] = {**(config.get("annotations") or {}), **annotations}
    who = meta.from_bundle(config, str(state.get("id") or ""))
    chosen = selected(policy_dir, who)
    if chosen is None:
        return 0
    try:
        msg = _apply(chosen.file, _pid(state), bundle, False, who.id, agent)
    except Exception as exc:
        if chosen.failure == "open":
            print(
                f"{me}: {who.text()} started WITHOUT its fence (failure: open): {exc}",
                file=err,
            )
            return 0
        raise
    print(f"{me}: {msg}", file=err)
    return 0


def _pid(state: dict[str, object]) -> int:
    pid = state.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        raise RuntimeError(f"the runtime's state has no container pid: {state!r}")
    return pid


def hooks_d(argv: list[str]) -> int:
    """Print the hooks.d entry (``/etc/containers/oci/hooks.d/hotfence.json``)."""
    policy_dir = argv[1] if argv[:1] == ["--policy-dir"] and len(argv) > 1 else DEFAULT_POLICY_DIR
    entry = {
        "version": HOOKS_D_VERSION,
        "hook": {
            "path": sys.executable,
            "args": [
                sys.executable,
                "-m",
                "hotfence.oci.runtime",
                "hook",
                "select",
                "--policy-dir",
                policy_dir,
            ],
            # A hook gets no environment but this; hotfence's own settings (where the BPF
            # objects and fence state live) are taken from where the entry is generated.
            "env": hook_env(),
            "timeout": 60,
        },
        "when": {"always": True},
        "stages": ["createRuntime", "poststop"],
    }
    print(json.dumps(entry, indent=2))
    return 0
