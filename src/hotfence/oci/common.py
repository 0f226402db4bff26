"""What the OCI runtime wrapper, its hooks and the bundle editor share: names and helpers.

A leaf below :mod:`.runtime`, :mod:`.hook`, :mod:`.wrap` and :mod:`.bundle`, so that they
import one another in one direction only (runtime -> hook, wrap; hook -> wrap; wrap ->
bundle). Only os and sys at import: ``hotfence-runc`` imports this for every runc command.
"""

from __future__ import annotations

import os
import sys

from hotfence.linux import rundir

# typing itself costs start-up; mypy reads any TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

DEFAULT_POLICY_DIR = "/etc/hotfence/policies.d"
COVERAGE_ANNOTATION = "org.hotfence.coverage"
POLICY_ANNOTATION = "org.hotfence.policy"
ID_FILE = "hotfence-fence.json"  # in the bundle: what the poststop hook removes
# Environment hooks carry over (runc gives a hook only what its entry lists).
PASS_ENV = (
    "HOTFENCE_BPF_BUILD",
    "HOTFENCE_STATE_DIR",
    "HOTFENCE_AGENT_SOCKET",
    "HOTFENCE_HANDOFF_TIMEOUT",
    "XDG_CACHE_HOME",
    "HOME",
)
HOOK_TIMEOUT = 60  # seconds; loading the BPF programs on a busy host takes a few
# How long a hook waits for the agent's answer: well inside HOOK_TIMEOUT, so that an agent
# that hangs still leaves the hook time to apply the fence itself.
HANDOFF_TIMEOUT = 20  # $HOTFENCE_HANDOFF_TIMEOUT (seconds) replaces it, for hotfence-hook too
HOOK_CLIENT = "hotfence-hook"  # oci/hotfence-hook.c, built beside the BPF objects


def runc_log(args: list[str]) -> str | None:
    """The --log file runc was given: where the engine looks for runc's error message."""
    for i, a in enumerate(args):
        if a == "--log" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--log="):
            return a.split("=", 1)[1]
    return None


def bundle_and_id(args: list[str], at: int) -> tuple[str, str]:
    """``--bundle`` (default: the working directory) and the container id of create/run."""
    bundle, cid = ".", ""
    i = at + 1
    value_opts = {"--bundle", "-b", "--console-socket", "--pid-file", "--preserve-fds"}
    while i < len(args):
        a = args[i]
        if a in ("--bundle", "-b") and i + 1 < len(args):
            bundle = args[i + 1]
        elif a.startswith("--bundle="):
            bundle = a.split("=", 1)[1]
        if a in value_opts:
            i += 2
            continue
        if not a.startswith("-"):
            cid = a
        i += 1
    return bundle, cid


def log_error(
    args: list[str], message: str, level: str = "error", err: TextIO | None = None
) -> None:
    """Say ``message`` on stderr (or ``err``) and in runc's JSON log (the engine reports
    the latter when create fails)."""
    print(f"hotfence-runc: {message}", file=err or sys.stderr)
    _runc_log(args, level, message)


def log_fenced(args: list[str], message: str, said: TextIO | None = None) -> None:
    """Say that a container was fenced as asked: in runc's JSON log, and in ``said``
    (``hotfence agent``'s log, when it prepared the bundle), never on stderr.

    runc create's stderr is the container's own (the shim hands runc the container's
    stdio): a line there would land in the application's log stream (`docker logs`,
    `kubectl logs`, a JSON log pipeline). A refusal, or a fence that failed open, is said
    there (log_error): the engine or the operator must see it."""
    if said is not None:
        print(f"hotfence-runc: {message}", file=said)
    _runc_log(args, "info", message)


def _runc_log(args: list[str], level: str, message: str) -> None:
    """Append ``message`` to runc's JSON log (``--log``), when runc was given one."""
    import json
    import time

    path = runc_log(args)
    if path:
        line = {
            "level": level,
            "msg": f"hotfence: {message}",
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        try:
            with open(path, "a") as f:
                f.write(json.dumps(line) + "\n")
        except OSError:
            pass


def runtime_dir() -> str:
    """Where the wrapper keeps what it reuses between containers (selector index, plans,
    probes): beside the fences' state, ``/run/hotfence/runtime`` by default."""
    return rundir.beside_state("runtime")


def agent_socket() -> str:
    """Where ``hotfence agent`` takes fences over from the createRuntime hook:
    ``$HOTFENCE_AGENT_SOCKET``, else ``agent.sock`` beside the fences' state
    (``/run/hotfence/agent.sock`` by default)."""
    path = os.environ.get("HOTFENCE_AGENT_SOCKET")
    if path:
        return path
    return rundir.beside_state("agent.sock")


def hook_env() -> list[str]:
    """The environment a hook entry carries (runc gives hooks nothing else)."""
    env = [f"{k}={os.environ[k]}" for k in PASS_ENV if k in os.environ]
    return [*env, "PATH=" + os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")]


def handoff_timeout() -> float:
    try:
        return float(os.environ.get("HOTFENCE_HANDOFF_TIMEOUT") or HANDOFF_TIMEOUT)
    except ValueError:
        return HANDOFF_TIMEOUT


def hook_client() -> str | None:
    """``hotfence-hook`` (oci/hotfence-hook.c), if this install has it: built where the BPF
    objects are (hotfence.bpf.build.objects_dir's rule, not imported: it costs ~20 ms of
    every create)."""
    objects = os.environ.get("HOTFENCE_BPF_BUILD") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bpf", "objects"
    )
    path = os.path.join(objects, HOOK_CLIENT)
    return path if os.access(path, os.X_OK) else None
