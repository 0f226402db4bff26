"""The plain data every backend module shares: coverage verdicts and probe results.

These live apart from the package ``__init__`` (which picks and builds backends, and so
imports every backend) so that a backend module imports only this leaf, and no module of
the package imports the package itself: the import graph stays acyclic.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# The one name of each backend: the BPF ones are fence.model.Backend values (the model
# explains their hooks); seccomp has no hook in the model.
SECCOMP = "seccomp"


class Coverage(str, enum.Enum):
    FULL = "full"  # every call the rule matches is seen by the backend
    PARTIAL = (
        "partial"  # enforced where the backend can see the call; the reason says what is missed
    )
    NONE = "none"  # the backend never sees a call this rule matches


@dataclass(frozen=True)
class RuleCoverage:
    rule_id: int  # -1 for the policy default
    name: str
    summary: str
    coverage: Coverage
    reason: str  # empty when FULL


@dataclass(frozen=True)
class ProbeResult:
    backend: str  # "cgroup-bpf", "bpf-lsm", "seccomp"
    available: bool
    reason: str  # why not (or what was checked)


def unenforceable(coverages: list[RuleCoverage]) -> list[RuleCoverage]:
    return [c for c in coverages if c.coverage is Coverage.NONE]
