"""What ``hotfence-runc create`` does to a bundle before runc reads it (see :mod:`.runtime`)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotfence.oci.selectors import Entry, entries

if TYPE_CHECKING:
    from hotfence.fence.policy import Policy

from hotfence.fence.compiled import ANY, INET_FAMILIES, CompiledPolicy, Hook
from hotfence.oci import meta as meta_mod
from hotfence.oci.runtime import (
    COVERAGE_ANNOTATION,
    HOOK_TIMEOUT,
    POLICY_ANNOTATION,
    bundle_and_id,
    log_error,
)

# Environment the hooks get: runc gives a hook only what the hook entry lists.
PASS_ENV = ("HOTFENCE_BPF_BUILD", "HOTFENCE_STATE_DIR", "XDG_CACHE_HOME", "HOME")


class WrapError(RuntimeError):
    pass


@dataclass(frozen=True)
class RuleMechanism:
    rule: str
    mechanisms: tuple[str, ...]  # "cgroup-bpf", "seccomp"; empty = not enforced

    def text(self) -> str:
        return f"{self.rule}: {' + '.join(self.mechanisms) or 'NOT ENFORCED'}"


def selected(policy_dir: str, who: meta_mod.ContainerMeta) -> Entry | None:
    """The one policy of ``policy_dir`` whose selector matches ``who`` (None: none does)."""
    chosen = [e for e in entries(policy_dir) if meta_mod.matches(e.selector, who)]
    if len(chosen) > 1:
        raise WrapError(
            f"{who.text()} is selected by more than one policy ("
            + ", ".join(e.file for e in chosen)
            + "); a container takes one policy"
        )
    return chosen[0] if chosen else None


def coverage(compiled: CompiledPolicy) -> list[RuleMechanism]:
    """Which mechanism enforces each rule inside the container."""
    out = []
    for r in compiled.rules:
        if Hook.BIND in r.hooks or Hook.CONNECT in r.hooks:
            out.append(RuleMechanism(r.name, ("cgroup-bpf",)))
            continue
        keys = [k for k, v in compiled.create.items() if v.rule_id == r.rule_id]
        if keys and all(k.kern == 1 for k in keys):
            out.append(RuleMechanism(r.name, ()))  # kernel sockets: no syscall, no inet hook
            continue
        fams = {k.family for k in keys}
        mech = []
        if fams & set(INET_FAMILIES) or ANY in fams:
            mech.append("cgroup-bpf")
        if fams - set(INET_FAMILIES):
            mech.append("seccomp")
        out.append(RuleMechanism(r.name, tuple(mech)))
    return out


def needs_cgroup_fence(compiled: CompiledPolicy) -> bool:
    """Whether anything of the policy falls to the cgroup hooks (inet sockets, ports)."""
    if compiled.ports or compiled.default.name != "ALLOW":
        return True
    return any(k.family in INET_FAMILIES or k.family == ANY for k in compiled.create)


def _hook(argv: list[str]) -> dict[str, Any]:
    env = [f"{k}={os.environ[k]}" for k in PASS_ENV if k in os.environ]
    env.append("PATH=" + os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"))
    return {
        "path": sys.executable,
        "args": [sys.executable, "-m", "hotfence.oci.runtime", *argv],
        "env": env,
        "timeout": HOOK_TIMEOUT,
    }


def edit_config(
    config: dict[str, Any], policy: Policy, compiled: CompiledPolicy
) -> list[RuleMechanism]:
    """Merge ``policy`` into a bundle's config (in place): seccomp, hooks, annotations."""
    cov = coverage(compiled)
    missing = [c.rule for c in cov if not c.mechanisms]
    if missing:
        raise WrapError(
            f"policy {compiled.name!r}: rule(s) {', '.join(missing)} cannot be enforced in a "
            "container (kernel sockets are made without a system call, outside cgroup hooks)"
        )
    from hotfence.oci import profile

    linux = config.setdefault("linux", {})
    merged = profile.merge(linux.get("seccomp"), compiled)
    if merged.seccomp:
        linux["seccomp"] = merged.seccomp
    if needs_cgroup_fence(compiled):
        hooks = config.setdefault("hooks", {})
        hooks.setdefault("createRuntime", []).append(_hook(["hook", "apply", policy.file]))
        hooks.setdefault("poststop", []).append(_hook(["hook", "remove"]))
    notes = merged.notes
    ann = config.setdefault("annotations", {})
    ann[POLICY_ANNOTATION] = policy.file
    ann[COVERAGE_ANNOTATION] = json.dumps(
        {"rules": {c.rule: list(c.mechanisms) for c in cov}, "notes": notes}
    )
    return cov


def prepare(args: list[str], at: int, policy_dir: str) -> bool:
    """Edit the bundle of a create/run; False when the container must not start."""
    bundle, cid = bundle_and_id(args, at)
    config_path = Path(bundle) / "config.json"
    chosen: Entry | None = None
    try:
        config = json.loads(config_path.read_text())
        who = meta_mod.from_bundle(config, cid)
        chosen = selected(policy_dir, who)
        if chosen is None:
            return True
        # Only now the policy schema, compiler and seccomp merge: this container needs them.
        from hotfence.fence.compiler import compile_policy
        from hotfence.fence.policy import load_policy

        policy = load_policy(chosen.file)
        compiled = compile_policy(policy)
        cov = edit_config(config, policy, compiled)
        tmp = config_path.with_name(f".config.json.hotfence.{os.getpid()}")
        tmp.write_text(json.dumps(config))
        os.replace(tmp, config_path)  # runc reads a whole file, old or new
        log_error(
            args,
            f"{who.text()}: policy {compiled.name!r} ({chosen.file}): "
            + "; ".join(c.text() for c in cov),
            level="info",
        )
        return True
    except Exception as exc:  # whatever went wrong, the container must not start unfenced
        if chosen is not None and chosen.failure == "open":
            log_error(
                args,
                f"policy {chosen.file} (failure: open): container started WITHOUT its fence: {exc}",
                level="warning",
            )
            return True
        log_error(args, f"container not started (fail closed): {exc}")
        return False
