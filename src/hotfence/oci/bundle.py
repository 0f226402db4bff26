"""How a selected container's bundle changes: seccomp merge, hooks, coverage annotation.

Imported by ``hotfence-runc create`` only for a container a policy selects whose plan
(:mod:`.prepared`) is not cached yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hotfence.fence.compiled import ANY, INET_FAMILIES, CompiledPolicy, Hook
from hotfence.oci import prepared

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


def merge_plan(seccomp: dict[str, Any] | None, compiled: CompiledPolicy) -> dict[str, Any]:
    """What a container of this policy with this input profile gets (:mod:`.prepared` keeps
    it for the next such container): the merged profile, coverage, whether the cgroup fence
    is needed. Raises WrapError / profile.MergeError when it cannot be fenced."""
    cov = coverage(compiled)
    missing = [c.rule for c in cov if not c.mechanisms]
    if missing:
        raise WrapError(
            f"policy {compiled.name!r}: rule(s) {', '.join(missing)} cannot be enforced in a "
            "container (kernel sockets are made without a system call, outside cgroup hooks)"
        )
    from hotfence.oci import profile

    merged = profile.merge(seccomp, compiled)
    return {
        "seccomp": merged.seccomp or None,
        "notes": merged.notes,
        "coverage": [[c.rule, list(c.mechanisms)] for c in cov],
        "cgroup_fence": needs_cgroup_fence(compiled),
    }


def edit_config(
    config: dict[str, Any], policy: Policy, compiled: CompiledPolicy, bundle: str
) -> dict[str, Any]:
    """Merge ``policy`` into the config of the bundle at ``bundle`` (in place): seccomp,
    hooks, annotations. Returns the plan it applied."""
    plan = merge_plan((config.get("linux") or {}).get("seccomp"), compiled)
    prepared.apply(config, policy.file, policy.model.spec.failure, plan, bundle)
    return plan
