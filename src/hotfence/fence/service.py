"""Apply this policy to this target: the one path `fence apply` and `patch apply` share.

The steps, and what each refuses: choose the backend the kernel accepts (BPF-LSM, else
cgroup-BPF) and compute its per-rule coverage; refuse a policy with rules that backend
cannot enforce unless the caller allows partial enforcement; apply (or swap) it under
the fence lock. Nothing is printed here; :class:`ApplyResult` carries what to report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotfence.fence.backends import (
    Coverage,
    RuleCoverage,
    Selection,
    select,
    unenforceable,
)
from hotfence.fence.backends.cgroupfs import FenceError, resolve_cgroup
from hotfence.fence.backends.pinning import AppliedState
from hotfence.fence.compiled import CompiledPolicy
from hotfence.fence.model import Backend as BackendName

MARKS = {Coverage.FULL: "enforced", Coverage.PARTIAL: "partial ", Coverage.NONE: "NOT ENFORCED"}


class CoverageError(FenceError):
    """Some rules cannot be enforced by the chosen backend and partial was not allowed."""


def coverage_lines(coverages: list[RuleCoverage]) -> list[str]:
    """One line per rule."""
    return [
        f"  {MARKS[c.coverage]:12} {c.name}: {c.summary}" + (f" - {c.reason}" if c.reason else "")
        for c in coverages
    ]


def coverage_summary(coverages: list[RuleCoverage], every_rule: bool = False) -> list[str]:
    """A few lines however many rules: the counts, then each gap once with its rules.

    ``every_rule`` lists one line per rule instead (``--rules``).
    """
    if every_rule:
        return coverage_lines(coverages)
    counts = {level: sum(c.coverage is level for c in coverages) for level in Coverage}
    rules = sum(c.rule_id >= 0 for c in coverages)
    lines = [
        f"  coverage of {rules} rule{'s' if rules != 1 else ''}"
        f"{' and the default' if any(c.rule_id == -1 for c in coverages) else ''}: "
        f"{counts[Coverage.FULL]} enforced, {counts[Coverage.PARTIAL]} partial, "
        f"{counts[Coverage.NONE]} NOT ENFORCED"
    ]
    gaps: dict[tuple[Coverage, str], list[str]] = {}
    for c in coverages:
        if c.coverage is not Coverage.FULL:
            gaps.setdefault((c.coverage, c.reason), []).append(c.name)
    for (level, reason), names in gaps.items():
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        lines.append(f"  {MARKS[level].strip():12} {shown}: {reason}")
    return lines


def check_coverage(
    policy: CompiledPolicy, allow_partial: bool, prefer: str | None = None
) -> tuple[Selection, list[RuleCoverage]]:
    """The backend for ``policy`` and its coverage; CoverageError if rules would be lost."""
    sel = select(policy, prefer=prefer)
    coverages = list(sel.coverage)
    if sel.name == BackendName.CGROUP.value and policy.scope_netns != "any":
        coverages.append(
            RuleCoverage(
                -2,
                "scope.netns",
                f"only in netns {policy.scope_netns}",
                Coverage.PARTIAL,
                "cgroup-bpf cannot scope by network namespace: the rules apply in every "
                "netns of the cgroup",
            )
        )
    missing = unenforceable(coverages)
    if missing and not allow_partial:
        raise CoverageError(
            f"{len(missing)} rule{'' if len(missing) == 1 else 's'} of {policy.name!r} "
            f"cannot be enforced by {sel.name} "
            "(use --allow-partial to enforce the rest):\n" + "\n".join(coverage_lines(missing))
        )
    return sel, coverages


@dataclass(frozen=True)
class ApplyResult:
    policy: CompiledPolicy
    selection: Selection
    coverages: list[RuleCoverage]
    state: AppliedState
    swapped: bool
    pin_dir: Path

    def headline(self) -> str:
        verb = "swapped in" if self.swapped else "applied"
        mode = "enforce" if self.policy.enforce else "audit"
        rules = len(self.policy.rules)
        return (
            f"{verb} {self.policy.name!r} ({mode}, {rules} rule{'' if rules == 1 else 's'}) on "
            f"{self.state.cgroup} via {self.selection.name}, pinned at {self.pin_dir}"
        )

    def as_dict(self) -> dict[str, Any]:
        """The outcome for `-o json`: what is enforced where, and each rule's coverage."""
        return {
            "policy": self.policy.name,
            "enforce": self.policy.enforce,
            "cgroup": self.state.cgroup,
            "cgroup_id": self.state.cgroup_id,
            "backend": self.selection.name,
            "backend_reason": self.selection.reason,
            "swapped": self.swapped,
            "pin_dir": str(self.pin_dir),
            "policy_file": self.state.policy_file,
            "coverage": self.state.coverage,
        }


def apply_policy(
    policy: CompiledPolicy,
    target: str | os.PathLike[str],
    policy_file: str = "",
    allow_partial: bool = False,
    prefer: str | None = None,
) -> ApplyResult:
    """Enforce ``policy`` on the cgroup ``target`` persistently; an existing fence is swapped.

    Raises FenceError (CoverageError for unenforceable rules) with nothing changed, or,
    after the lock was taken, with the previous policy still in force.
    """
    cg = resolve_cgroup(target)  # refuse the root cgroup / non-cgroups before anything else
    sel, coverages = check_coverage(policy, allow_partial, prefer)
    state, swapped = sel.backend.apply(policy, cg.path, policy_file)
    return ApplyResult(policy, sel, coverages, state, swapped, sel.backend.pin_dir(cg))
