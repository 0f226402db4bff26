"""What a selected container's create and hook reuse from the last container of its policy.

Validating and compiling a policy (pydantic, PyYAML) and merging it into a seccomp
profile costs more than the rest of a container start, and gives the same result for
every container of that policy and profile. So the first create of a policy writes a
*plan* into ``$HOTFENCE_STATE_DIR/../runtime/`` (beside the selector index), keyed like
the index by the policy file's inode, size and mtime and by this hotfence's version:

* the compiled policy (:func:`encode` / :func:`decode`), which the createRuntime hook
  loads instead of compiling the file again;
* per input seccomp profile (its SHA-256), the merged profile, the coverage and whether
  the cgroup fence is needed, which a later create writes into the bundle (:func:`apply`)
  without importing the policy schema or the compiler.

A plan that is missing, stale or unreadable is computed again, so the cache only costs
speed. Failures (a profile that cannot be merged, an unenforceable rule) are never
cached: every container they hit gets the error. Only os, sys, json and hashlib at
import (see :mod:`.meta`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

from hotfence import __version__
from hotfence.oci.common import (
    COVERAGE_ANNOTATION,
    HOOK_TIMEOUT,
    POLICY_ANNOTATION,
    hook_client,
    hook_env,
    runtime_dir,
)

# typing itself costs start-up; mypy reads any TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from hotfence.fence.compiled import CompiledPolicy

PLAN_VERSION = 1


def _path(policy_file: str) -> str:
    key = os.path.realpath(policy_file).strip("/").replace("/", "_")
    return os.path.join(runtime_dir(), f"plan-{key}.json")


def stamp(policy_file: str) -> list[object]:
    st = os.stat(policy_file)
    return [st.st_ino, st.st_size, st.st_mtime_ns, __version__, PLAN_VERSION]


def profile_key(seccomp: object) -> str:
    """The cache key of an input seccomp profile (None: unconfined)."""
    canonical = json.dumps(seccomp, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def load(policy_file: str) -> dict[str, Any] | None:
    """The plan of ``policy_file`` if it is for the file as it is now."""
    try:
        with open(_path(policy_file), "rb") as f:
            plan = json.load(f)
        if plan.get("stamp") == stamp(policy_file):
            return dict(plan)
    except (OSError, ValueError, AttributeError):
        pass
    return None


def store(
    policy_file: str,
    stamp_: list[object],
    compiled: CompiledPolicy,
    key: str,
    merged: dict[str, Any],
) -> None:
    """Record ``compiled`` and the merge for input profile ``key`` (kept with earlier ones);
    ``stamp_`` is the file's :func:`stamp` from before it was read."""
    plan = load(policy_file)
    if plan is None or plan["stamp"] != stamp_:
        plan = {"stamp": stamp_, "policy": os.path.realpath(policy_file), "profiles": {}}
    plan["compiled"] = encode(compiled)
    plan["profiles"][key] = merged
    path = _path(policy_file)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}")
        with open(tmp, "w") as f:
            json.dump(plan, f)
        os.replace(tmp, path)
    except OSError:
        return  # a read-only /run only costs speed
    prune(keep=path)


def prune(keep: str = "") -> int:
    """Remove the plans of policy files that no longer exist, so a policy directory that
    comes and goes (a ConfigMap, a test's) leaves nothing behind in ``/run``. Runs only
    when a plan is written, i.e. on a cache miss, never on a container's hot path."""
    removed = 0
    root = runtime_dir()
    try:
        names = [n for n in os.listdir(root) if n.startswith("plan-") and n.endswith(".json")]
    except OSError:
        return 0
    for name in names:
        path = os.path.join(root, name)
        if path == keep:
            continue
        try:
            with open(path, "rb") as f:
                policy = json.load(f).get("policy")
        except (OSError, ValueError, AttributeError):
            policy = None  # unreadable, or written before plans named their policy
        if policy is None or not os.path.exists(policy):
            try:
                os.unlink(path)
                removed += 1
            except OSError:
                pass
    return removed


def _hook(argv: list[str]) -> dict[str, Any]:
    """A hook entry running ``hotfence-runc hook ARGV...``: through ``hotfence-hook`` when
    this install has it (no Python start when the agent answers; Python when none does)."""
    client = hook_client()
    if client:
        args = [client, "hook", sys.executable, *argv[1:]]
    else:
        args = [sys.executable, "-m", "hotfence.oci.runtime", *argv]
    return {"path": args[0], "args": args, "env": hook_env(), "timeout": HOOK_TIMEOUT}


def _poststop(bundle: str) -> dict[str, Any]:
    """The poststop hook: ``hotfence-hook poststop`` (oci/hotfence-hook.c says what it
    does; no Python starts on runc's path), or Python's ``hook remove`` where this install
    has no client."""
    client = hook_client()
    if client:
        args = [client, "poststop", bundle, sys.executable]
    else:
        args = [sys.executable, "-m", "hotfence.oci.runtime", "hook", "remove"]
    return {"path": args[0], "args": args, "env": hook_env(), "timeout": HOOK_TIMEOUT}


def apply(
    config: dict[str, Any], policy_file: str, failure: str, merged: dict[str, Any], bundle: str
) -> None:
    """Write a merge (as :func:`hotfence.oci.bundle.plan` made it) into the config of the
    bundle at ``bundle``."""
    linux = config.setdefault("linux", {})
    if merged["seccomp"]:
        linux["seccomp"] = merged["seccomp"]
    if merged["cgroup_fence"]:
        hooks = config.setdefault("hooks", {})
        argv = ["hook", "apply", policy_file]
        if failure == "open":
            argv += ["--failure", "open"]
        hooks.setdefault("createRuntime", []).append(_hook(argv))
        hooks.setdefault("poststop", []).append(_poststop(os.path.abspath(bundle)))
    ann = config.setdefault("annotations", {})
    ann[POLICY_ANNOTATION] = policy_file
    ann[COVERAGE_ANNOTATION] = json.dumps(
        {"rules": {r: m for r, m in merged["coverage"]}, "notes": merged["notes"]}
    )


def coverage_text(merged: dict[str, Any]) -> str:
    return "; ".join(f"{r}: {' + '.join(m) or 'NOT ENFORCED'}" for r, m in merged["coverage"])


# --- the compiled policy as JSON --------------------------------------------------------


def encode(p: CompiledPolicy) -> dict[str, Any]:
    return {
        "name": p.name,
        "enforce": p.enforce,
        "default": int(p.default),
        "rules": [
            [r.rule_id, r.name, r.source, r.summary, sorted(int(h) for h in r.hooks)]
            for r in p.rules
        ],
        "create": [
            [k.family, k.type, k.protocol, k.kern, v.rule_id, int(v.action)]
            for k, v in p.create.items()
        ],
        "ports": [
            [k.hook, k.family, k.protocol, k.port, v.rule_id, int(v.action)]
            for k, v in p.ports.items()
        ],
        "source": p.source,
        "default_source": p.default_source,
        "scope_cgroup": p.scope_cgroup,
        "scope_netns": p.scope_netns,
    }


def decode(d: dict[str, Any]) -> CompiledPolicy:
    from hotfence.fence.compiled import (
        Action,
        CompiledPolicy,
        CreateKey,
        Hook,
        PortKey,
        RuleInfo,
        Verdict,
    )

    return CompiledPolicy(
        name=d["name"],
        enforce=d["enforce"],
        default=Action(d["default"]),
        rules=[
            RuleInfo(i, name, source, summary, frozenset(Hook(h) for h in hooks))
            for i, name, source, summary, hooks in d["rules"]
        ],
        create={
            CreateKey(f, t, p, k): Verdict(rid, Action(a)) for f, t, p, k, rid, a in d["create"]
        },
        ports={
            PortKey(h, f, p, port): Verdict(rid, Action(a)) for h, f, p, port, rid, a in d["ports"]
        },
        source=d["source"],
        default_source=d["default_source"],
        scope_cgroup=d["scope_cgroup"],
        scope_netns=d["scope_netns"],
    )


def compiled_policy(policy_file: str) -> CompiledPolicy:
    """The compiled policy of ``policy_file``: from its plan, else compiled now."""
    plan = load(policy_file)
    if plan is not None and "compiled" in plan:
        return decode(plan["compiled"])
    from hotfence.fence.compiler import compile_file

    return compile_file(policy_file)
