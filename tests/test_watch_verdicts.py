"""How `watch` combines the fences over a caller into one verdict (no kernel needed).

Every fence over a cgroup runs, so a deny from any of them is the outcome; otherwise the
innermost consulted fence is named. A cgroup-BPF fence never sees a unix socket
("not-consulted"), and a `netns: non-host` LSM fence never sees the host netns.
"""

from __future__ import annotations

import socket

from hotfence.fence.compiled import (
    ANY,
    ANY_KERN,
    Action,
    CompiledPolicy,
    CreateKey,
    RuleInfo,
    Verdict,
)
from hotfence.fence.model import Backend
from hotfence.watch.verdicts import PROC_NET_INIT_INO, AppliedFence, FenceAnnotator

INET, INET6, UNIX = socket.AF_INET, socket.AF_INET6, socket.AF_UNIX
STREAM, DGRAM, RAW = socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_RAW
PATHS = {1: "/", 2: "/app", 3: "/app/web", 4: "/other"}
CONTAINER_NETNS = 4026532999


def policy(
    name: str, create: dict, default: Action = Action.ALLOW, netns: str = "any"
) -> CompiledPolicy:
    rules = [
        RuleInfo(v.rule_id, f"{name}-r{v.rule_id}", f"{name}.yaml:{v.rule_id + 7}", "r")
        for v in create.values()
    ]
    return CompiledPolicy(
        name=name,
        enforce=True,
        default=default,
        rules=rules,
        create=create,
        default_source=f"{name}.yaml:5",
        scope_netns=netns,
    )


OUTER = AppliedFence(
    "/app",
    Backend.CGROUP,
    policy(
        "outer",
        {
            CreateKey(INET6, RAW, 58, ANY_KERN): Verdict(0, Action.DENY),
            CreateKey(INET, DGRAM, ANY, ANY_KERN): Verdict(1, Action.AUDIT),
        },
    ),
)
INNER = AppliedFence(
    "/app/web",
    Backend.CGROUP,
    policy(
        "inner",
        {
            CreateKey(INET, STREAM, ANY, ANY_KERN): Verdict(0, Action.DENY),
        },
    ),
)
NON_HOST = AppliedFence(
    "/app",
    Backend.LSM,
    policy(
        "containers",
        {
            CreateKey(UNIX, ANY, ANY, ANY_KERN): Verdict(0, Action.DENY),
        },
        netns="non-host",
    ),
)


def annotate(fences, cgroup_id, family, type_, protocol, netns=PROC_NET_INIT_INO, kern=0):
    return FenceAnnotator(fences, PATHS.__getitem__).verdict(
        cgroup_id, netns, family, type_, protocol, kern
    )


def test_a_deny_from_an_outer_fence_wins_over_the_inner_allow():
    v = annotate([OUTER, INNER], 3, INET6, RAW, 58)
    assert (v.effect, v.rule, v.fence, v.source) == ("deny", "outer-r0", "/app", "outer.yaml:7")


def test_innermost_consulted_fence_is_named_when_nothing_denies():
    v = annotate([OUTER, INNER], 3, INET, DGRAM, 17)
    assert (v.effect, v.rule, v.fence) == ("allow", None, "/app/web")  # inner's default
    assert (
        annotate([INNER, OUTER], 2, INET, DGRAM, 17).effect == "audit"
    )  # only the outer covers /app
    assert annotate([OUTER, INNER], 3, INET, STREAM, 6).rule == "inner-r0"


def test_callers_outside_every_fence_and_unseen_families():
    assert annotate([OUTER, INNER], 4, INET6, RAW, 58).effect == "no-fence"
    assert annotate([OUTER, INNER], 1, INET6, RAW, 58).effect == "no-fence"  # the parent of a fence
    v = annotate([OUTER], 2, UNIX, STREAM, 0)  # cgroup/sock_create never runs for unix sockets
    assert (v.effect, v.fence) == ("not-consulted", "/app")


def test_non_host_lsm_fence_applies_only_outside_the_host_netns():
    assert annotate([NON_HOST], 2, UNIX, STREAM, 0).effect == "not-consulted"
    v = annotate([NON_HOST], 2, UNIX, STREAM, 0, netns=CONTAINER_NETNS)
    assert (v.effect, v.rule) == ("deny", "containers-r0")


def test_json_fragment_names_the_fence():
    frag = annotate([OUTER], 2, INET6, RAW, 58).json_fragment
    assert frag == '"verdict":"deny","rule":"outer-r0","rule_source":"outer.yaml:7","fence":"/app"'
