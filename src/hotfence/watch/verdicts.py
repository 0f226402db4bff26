"""Which policy rule decides each watched socket() call, from the reference model.

The model walks the same path the kernel does for the chosen backend, so the rule it
names is the one the in-kernel fence applies (the differential tests hold the two equal).
Results are cached per (family, type, protocol): a host makes few distinct calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from hotfence.fence.compiled import CompiledPolicy
from hotfence.fence.model import Backend, SocketCall, explain_socket


@dataclass(frozen=True)
class EventVerdict:
    effect: str  # allow, deny, audit, would-deny; "not-consulted" when the hook is not on the path
    rule: str | None  # rule name, None for the policy default
    source: str | None  # file:line of the rule or of spec.default

    def json_fragment(self) -> str:
        return json.dumps({"verdict": self.effect, "rule": self.rule, "rule_source": self.source},
                          separators=(",", ":"))[1:-1]


class PolicyAnnotator:
    def __init__(self, policy: CompiledPolicy, backend: Backend):
        self.policy = policy
        self.backend = backend
        self._cache: dict[tuple[int, int, int], EventVerdict] = {}

    def verdict(self, family: int, type_: int, protocol: int) -> EventVerdict:
        key = (family, type_, protocol)
        v = self._cache.get(key)
        if v is None:
            exp = explain_socket(SocketCall(family, type_, protocol), self.policy, self.backend)
            d = exp.decision
            if d is None:
                v = EventVerdict("not-consulted", None, None)
            else:
                v = EventVerdict(d.effect, d.rule.name if d.rule else None, d.source)
            self._cache[key] = v
        return v
