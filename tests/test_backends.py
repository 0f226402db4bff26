"""The backend interface: one name per backend, every backend behind it, honest refusals."""

from __future__ import annotations

import inspect

import pytest

from hotfence.fence import backends
from hotfence.fence.backends import Backend, Coverage, RuleCoverage
from hotfence.fence.backends.cgroupfs import FenceError
from hotfence.fence.compiled import (
    ANY,
    ANY_KERN,
    Action,
    CompiledPolicy,
    CreateKey,
    Hook,
    PortKey,
    RuleInfo,
    Verdict,
)
from hotfence.fence.model import Backend as BackendName
from hotfence.fence.service import coverage_summary

METHODS = [
    name
    for name, member in inspect.getmembers(Backend, inspect.isfunction)
    if not name.startswith("_")
]


@pytest.mark.parametrize("name", ["cgroup-bpf", "bpf-lsm", "seccomp"])
def test_every_backend_implements_the_whole_interface(name: str) -> None:
    b = backends.get(name)
    assert b.name == name
    for method in METHODS:
        ours = inspect.signature(getattr(type(b), method))
        theirs = inspect.signature(getattr(Backend, method))
        assert list(ours.parameters) == list(theirs.parameters), (name, method)
    assert {"coverage", "apply", "swap", "remove", "status", "counters", "events"} <= set(METHODS)


def test_one_name_per_backend_everywhere() -> None:
    pinned = [b.name for b in backends.pinned()]
    assert pinned == [BackendName.LSM.value, BackendName.CGROUP.value]  # preference order
    probed = {p.backend for p in backends.probe()}
    assert probed == {*pinned, "seccomp"}
    with pytest.raises(ValueError, match="unknown backend 'lsm'"):
        backends.get("lsm")


def _rule(i: int, name: str, hooks: tuple[Hook, ...] = (Hook.SOCKET_CREATE,)) -> RuleInfo:
    return RuleInfo(i, name, f"p.yaml:{i}", name, frozenset(hooks))


def test_seccomp_behind_the_interface_says_what_it_cannot_do() -> None:
    policy = CompiledPolicy(
        name="p",
        enforce=True,
        default=Action.ALLOW,
        rules=[_rule(0, "alg"), _rule(1, "kern"), _rule(2, "port", (Hook.CONNECT,))],
        create={
            CreateKey(38, ANY, ANY, 0): Verdict(0, Action.DENY),
            CreateKey(2, 1, 6, 1): Verdict(1, Action.DENY),
        },
        ports={PortKey(Hook.CONNECT, 2, 6, 22): Verdict(2, Action.DENY)},
    )
    seccomp = backends.get("seccomp")
    cov = {c.name: c.coverage for c in seccomp.coverage(policy)}
    assert cov == {"alg": Coverage.FULL, "kern": Coverage.NONE, "port": Coverage.NONE}
    for call in (
        lambda: seccomp.apply(policy, "/sys/fs/cgroup/x"),
        lambda: seccomp.swap(policy, "/sys/fs/cgroup/x"),
        lambda: seccomp.remove(1),
        lambda: seccomp.counters("/sys/fs/cgroup/x"),
    ):
        with pytest.raises(FenceError, match="fence exec"):
            call()
    assert seccomp.status() == []
    any_kern = CompiledPolicy(
        name="q",
        enforce=True,
        default=Action.ALLOW,
        rules=[_rule(0, "raw")],
        create={CreateKey(10, 3, 58, ANY_KERN): Verdict(0, Action.DENY)},
    )
    (c,) = seccomp.coverage(any_kern)
    assert c.coverage is Coverage.PARTIAL and "kernel sockets" in c.reason


def test_coverage_summary_is_a_few_lines_for_10k_rules() -> None:
    covs = [
        RuleCoverage(i, f"r{i}", "s", Coverage.PARTIAL if i % 2 else Coverage.FULL, "why")
        for i in range(10_000)
    ]
    covs.append(RuleCoverage(-1, "default", "deny everything else", Coverage.NONE, "never"))
    lines = coverage_summary(covs)
    assert lines[0] == (
        "  coverage of 10000 rules and the default: 5000 enforced, 5000 partial, 1 NOT ENFORCED"
    )
    assert lines[1:] == [
        "  partial      r1, r3, r5 and 4997 more: why",
        "  NOT ENFORCED default: never",
    ]
    assert len(coverage_summary(covs, every_rule=True)) == 10_001
