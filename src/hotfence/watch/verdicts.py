"""Which policy rule decides each watched socket creation, from the reference model.

The model walks the same path the kernel does for the chosen backend, so the rule it
names is the one the in-kernel fence applies (the differential tests hold the two equal).

Two sources of policies:

* :class:`PolicyAnnotator` (``watch --policy FILE``): one policy, as if it applied to
  every caller.
* :class:`FenceAnnotator` (the default when fences are applied): every fence
  ``hotfence fence apply`` left on this host, each read back from its pinned maps (what
  the kernel enforces, not the policy file as it is now), consulted only for callers in
  its cgroup subtree (and, for a ``netns: non-host`` LSM fence, outside the host netns).

Verdicts are cached per distinct call and caller: a host makes few distinct calls.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from hotfence.fence.compiled import CompiledPolicy
from hotfence.fence.model import Backend, Caller, SocketCall, explain_socket
from hotfence.watch.cgroups import cgroup2_mount

log = logging.getLogger(__name__)

# init_net's inode number: fixed by the kernel (include/linux/proc_ns.h), whatever the
# host, so no /proc/1 access (often denied) is needed to recognise the host netns.
PROC_NET_INIT_INO = 0xEFFFFFF9


@dataclass(frozen=True)
class EventVerdict:
    effect: str  # allow, deny, audit, would-deny; "not-consulted" when the hook is not on the path
    rule: str | None  # rule name, None for the policy default
    source: str | None  # file:line of the rule or of spec.default
    fence: str | None = None  # the fenced cgroup (FenceAnnotator only)

    @cached_property
    def json_fragment(self) -> str:
        """``"verdict":...,"rule":...,"rule_source":...[,"fence":...]``, made once per verdict."""
        d = {"verdict": self.effect, "rule": self.rule, "rule_source": self.source}
        if self.fence is not None:
            d["fence"] = self.fence
        return json.dumps(d, separators=(",", ":"))[1:-1]

    def text(self) -> str:
        by = f" by {self.rule}" if self.rule else " (default)" if self.source else ""
        where = f" @{self.fence}" if self.fence else ""
        return f"  [{self.effect}{by}{where}]"


NO_FENCE = EventVerdict("no-fence", None, None)


def _decide(
    policy: CompiledPolicy,
    backend: Backend,
    call: SocketCall,
    caller: Caller = Caller(),
    fence: str | None = None,
) -> EventVerdict:
    exp = explain_socket(call, policy, backend, caller=caller)
    d = exp.decision
    if d is None:
        return EventVerdict("not-consulted", None, None, fence)
    return EventVerdict(d.effect, d.rule.name if d.rule else None, d.source, fence)


class PolicyAnnotator:
    """One policy file's verdict for every call, whoever makes it."""

    def __init__(self, policy: CompiledPolicy, backend: Backend):
        self.policy = policy
        self.backend = backend
        self._cache: dict[tuple[int, int, int, int], EventVerdict] = {}

    def verdict(
        self, cgroup_id: int, netns: int, family: int, type_: int, protocol: int, kern: int = 0
    ) -> EventVerdict:
        key = (family, type_, protocol, kern)
        v = self._cache.get(key)
        if v is None:
            v = self._cache[key] = _decide(
                self.policy, self.backend, SocketCall(family, type_, protocol, bool(kern))
            )
        return v


@dataclass(frozen=True)
class AppliedFence:
    """A fence applied on this host, with the policy its maps hold."""

    cgroup: str  # the fenced cgroup, relative to the cgroup2 mount (as watch shows cgroups)
    backend: Backend
    policy: CompiledPolicy

    def covers(self, cgroup_path: str) -> bool:
        root = self.cgroup.rstrip("/")
        return cgroup_path == root or cgroup_path.startswith(root + "/")


def applied_fences() -> list[AppliedFence]:
    """Every fence ``fence apply`` left (both backends), read from bpffs; unreadable ones are logged."""
    from hotfence.fence import backends
    from hotfence.fence.backends.cgroupfs import FenceError

    out = []
    for backend in backends.pinned():
        for a, live in backend.status():
            # Only what the kernel enforces: a STALE or DETACHED fence decides nothing.
            if a.state is None or not live.enforcing:
                continue
            try:
                policy = backend.policy(a)
            except (OSError, FenceError) as exc:
                log.warning("fence on %s: cannot read its maps: %s", a.state.cgroup, exc)
                continue
            if policy is not None:
                out.append(AppliedFence(_relative(a.state.cgroup), Backend(backend.name), policy))
    return out


def _relative(cgroup: str) -> str:
    """A cgroup's path as watch names cgroups: from the cgroup2 mount, e.g. /app/web."""
    try:
        return "/" + str(Path(cgroup).relative_to(cgroup2_mount()))
    except ValueError:
        return cgroup


class FenceAnnotator:
    """The verdict of the fences a caller is under, as the kernel would combine them.

    Every fence over the caller's cgroup runs (nested cgroups each have their own
    programs), so a deny from any of them is the outcome; otherwise the verdict of the
    innermost fence that was consulted is shown.
    """

    def __init__(
        self,
        fences: list[AppliedFence],
        cgroup_path: Callable[[int], str],
        host_netns: int | None = None,
    ):
        # Innermost first: the longest cgroup path.
        self.fences = sorted(fences, key=lambda f: len(f.cgroup), reverse=True)
        self._cgroup_path = cgroup_path
        self._host_netns = PROC_NET_INIT_INO if host_netns is None else host_netns
        self._cache: dict[tuple[int, bool, int, int, int, int], EventVerdict] = {}

    def verdict(
        self, cgroup_id: int, netns: int, family: int, type_: int, protocol: int, kern: int = 0
    ) -> EventVerdict:
        in_host = netns in (0, self._host_netns)  # 0: a kernel socket whose netns is not known yet
        key = (cgroup_id, in_host, family, type_, protocol, kern)
        v = self._cache.get(key)
        if v is None:
            v = self._cache[key] = self._combine(
                self._cgroup_path(cgroup_id),
                in_host,
                SocketCall(family, type_, protocol, bool(kern)),
            )
        return v

    def _combine(self, cgroup_path: str, in_host: bool, call: SocketCall) -> EventVerdict:
        caller = Caller(host_netns=in_host)  # inside the cgroup scope: covers() checked it
        consulted = passed_by = None
        for fence in self.fences:
            if not fence.covers(cgroup_path):
                continue
            v = _decide(fence.policy, fence.backend, call, caller, fence.cgroup)
            if v.effect == "deny":
                return v
            if v.effect == "not-consulted":
                passed_by = passed_by or v  # e.g. a unix socket under a cgroup-BPF fence
            else:
                consulted = consulted or v
        return consulted or passed_by or NO_FENCE
