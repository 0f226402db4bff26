"""How a selected container's bundle changes: seccomp merge, hooks, coverage annotation.

Imported by ``hotfence-runc create`` only for a container a policy selects.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hotfence.fence.compiled import ANY, INET_FAMILIES, CompiledPolicy, Hook
from hotfence.oci.common import (
    COVERAGE_ANNOTATION,
    HOOK_TIMEOUT,
    POLICY_ANNOTATION,
    hook_env,
)

if TYPE_CHECKING:
    from hotfence.fence.policy import Policy


class WrapError(RuntimeError):
    """The container cannot be fenced as its policy asks; the message says why."""


@dataclass(frozen=True)
class RuleMechanism:
    rule: str
    mechanisms: tuple[str, ...]  # "cgroup-bpf", "seccomp"; empty = not enforced

    def text(self) -> str:
        return f"{self.rule}: {' + '.join(self.mechanisms) or 'NOT ENFORCED'}"


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
    return {
        "path": sys.executable,
        "args": [sys.executable, "-m", "hotfence.oci.runtime", *argv],
        "env": hook_env(),
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
        apply = ["hook", "apply", policy.file]
        if policy.model.spec.failure == "open":
            apply += ["--failure", "open"]
        hooks.setdefault("createRuntime", []).append(_hook(apply))
        hooks.setdefault("poststop", []).append(_hook(["hook", "remove"]))
    notes = merged.notes
    ann = config.setdefault("annotations", {})
    ann[POLICY_ANNOTATION] = policy.file
    ann[COVERAGE_ANNOTATION] = json.dumps(
        {"rules": {c.rule: list(c.mechanisms) for c in cov}, "notes": notes}
    )
    return cov
