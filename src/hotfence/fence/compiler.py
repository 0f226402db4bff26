"""Policy (validated YAML) -> CompiledPolicy (the hash-map keys every backend loads).

Each rule becomes one or more exact keys: lists of families / types / protocols are
crossed, port ranges are expanded to one key per port, and a field the rule leaves out
becomes the ANY wildcard of ``compiled``. Two rules that produce the same key are an
error naming both lines, because "which one wins" would otherwise depend on file order.

Atomicity: every check runs before anything is built into the result, and the result is
only returned when there are no issues; an invalid policy raises :class:`PolicyError`
and yields nothing, so a caller swapping policies keeps the old one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

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
from hotfence.fence.policy import (
    Policy,
    PolicyError,
    PolicyIssue,
    PortMatch,
    SocketMatch,
    load_policy,
)
from hotfence.linux import names
from hotfence.yamlsource import Loc

# Keeps a policy within what the backends' maps are sized for (fence/fence_abi.h): the maps
# hold two slots (old and new policy during an atomic swap), so one policy gets half.
MAX_RULES = 16384  # HF_MAX_RULES: rule ids index the per-rule counters
MAX_CREATE_KEYS = 65536 // 2  # HF_CREATE_ENTRIES / 2
MAX_PORT_KEYS = 1048576 // 2  # HF_PORT_ENTRIES / 2

KERN_VALUE = {"user": 0, "kernel": 1, "any": ANY_KERN}
ACTION_VALUE = {"allow": Action.ALLOW, "deny": Action.DENY, "audit": Action.AUDIT}


def _fmt_list(values: tuple[int, ...] | None, render: Callable[[int], str]) -> str:
    if values is None:
        return "any"
    shown = [render(v) for v in values]
    return shown[0] if len(shown) == 1 else "{" + ",".join(shown) + "}"


def _fmt_ports(ranges: tuple[tuple[int, int], ...] | None) -> str:
    if ranges is None:
        return "any"
    parts = [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges]
    return parts[0] if len(parts) == 1 else "{" + ",".join(parts) + "}"


def summarize_socket(action: str, match: SocketMatch) -> str:
    fam = match.family[0] if match.family and len(match.family) == 1 else None
    protocol = _fmt_list(
        match.protocol, lambda p: names.protocol_name(fam, p) if fam is not None else str(p)
    )
    return (
        f"{action} socket({_fmt_list(match.family, names.family_name)}, "
        f"{_fmt_list(match.type, names.type_name)}, {protocol}) kern={match.kern}"
    )


def summarize_port(action: str, hook: str, match: PortMatch) -> str:
    return (
        f"{action} {hook}({_fmt_list(match.family, names.family_name)}, "
        f"{_fmt_list(match.protocol, lambda p: names.protocol_name(names.AF_INET, p))}, "
        f"port {_fmt_ports(match.ports)})"
    )


def _expand_ports(ranges: tuple[tuple[int, int], ...] | None) -> list[int]:
    if ranges is None:
        return [ANY]
    ports: set[int] = set()
    for low, high in ranges:
        ports.update(range(low, high + 1))
    return sorted(ports)


def compile_policy(policy: Policy) -> CompiledPolicy:
    """Compile a validated policy; raise PolicyError (and return nothing) on conflicts."""
    spec = policy.model.spec
    issues: list[PolicyIssue] = []
    rules: list[RuleInfo] = []
    create: dict[CreateKey, Verdict] = {}
    ports: dict[PortKey, Verdict] = {}
    owner: dict[CreateKey | PortKey, int] = {}  # key -> rule index, for conflict messages
    reported: set[tuple[int, int]] = set()  # one message per pair of conflicting rules

    def claim(
        key: CreateKey | PortKey,
        index: int,
        loc: Loc,
        table: dict[Any, Verdict],
        verdict: Verdict,
    ) -> bool:
        first = owner.get(key)
        if first is not None and first != index:
            if (first, index) in reported:
                return False
            reported.add((first, index))
            issues.append(
                PolicyIssue(
                    policy.file,
                    policy.line_of(loc),
                    f"spec.rules[{index}]",
                    f"conflicts with spec.rules[{first}] at {policy.where(('spec', 'rules', first))}: "
                    f"both match {describe_key(key)}; merge them or make one more specific",
                )
            )
            return False
        owner[key] = index
        table[key] = verdict
        return True

    if len(spec.rules) > MAX_RULES:
        raise PolicyError(
            [
                PolicyIssue(
                    policy.file,
                    policy.line_of(("spec", "rules")),
                    "spec.rules",
                    f"{len(spec.rules)} rules; at most {MAX_RULES} fit the kernel maps",
                )
            ]
        )
    for index, rule in enumerate(spec.rules):
        loc: Loc = ("spec", "rules", index)
        action = ACTION_VALUE[rule.action]
        verdict = Verdict(rule_id=index, action=action)
        name = rule.name or f"rules[{index}]"
        if rule.socket is not None:
            sock = rule.socket
            summary = summarize_socket(rule.action, sock)
            hooks = frozenset({Hook.SOCKET_CREATE})
            kern = KERN_VALUE[sock.kern]
            for family in sock.family or (ANY,):
                for type_ in sock.type or (ANY,):
                    for protocol in sock.protocol or (ANY,):
                        claim(CreateKey(family, type_, protocol, kern), index, loc, create, verdict)
            if len(create) > MAX_CREATE_KEYS:
                issues.append(
                    PolicyIssue(
                        policy.file,
                        policy.line_of(loc),
                        f"spec.rules[{index}]",
                        f"policy needs more than {MAX_CREATE_KEYS} socket keys",
                    )
                )
        else:
            hook_name = "bind" if rule.bind is not None else "connect"
            match = rule.bind if rule.bind is not None else rule.connect
            assert match is not None  # the schema guarantees exactly one target
            hook = Hook.BIND if hook_name == "bind" else Hook.CONNECT
            summary = summarize_port(rule.action, hook_name, match)
            hooks = frozenset({hook})
            expanded = _expand_ports(match.ports)
            if (
                len(ports) + len(expanded) * len(match.family or (0,)) * len(match.protocol or (0,))
                > MAX_PORT_KEYS
            ):
                issues.append(
                    PolicyIssue(
                        policy.file,
                        policy.line_of(loc + (hook_name, "ports")),
                        f"spec.rules[{index}].{hook_name}.ports",
                        f"policy needs more than {MAX_PORT_KEYS} port keys (ranges are expanded per port)",
                    )
                )
                break
            for family in match.family or (ANY,):
                for protocol in match.protocol or (ANY,):
                    for port in expanded:
                        claim(
                            PortKey(int(hook), family, protocol, port), index, loc, ports, verdict
                        )
        rules.append(
            RuleInfo(
                rule_id=index, name=name, source=policy.where(loc), summary=summary, hooks=hooks
            )
        )

    if issues:
        raise PolicyError(issues)
    scope = spec.scope
    return CompiledPolicy(
        name=policy.model.metadata.name,
        enforce=spec.mode == "enforce",
        default=ACTION_VALUE[spec.default],
        rules=rules,
        create=create,
        ports=ports,
        source=policy.file,
        default_source=policy.where(("spec", "default")),
        scope_cgroup=scope.cgroup if scope else None,
        scope_netns=scope.netns if scope else "any",
    )


def compile_file(path: str | Path) -> CompiledPolicy:
    """load_policy + compile_policy: the one call backends and the CLI use."""
    return compile_policy(load_policy(path))


def describe_key(key: CreateKey | PortKey) -> str:
    def any_or(value: int, render: Callable[[int], str]) -> str:
        return "any" if value == ANY else render(value)

    if isinstance(key, CreateKey):
        kern = {0: "user", 1: "kernel", ANY_KERN: "any"}[key.kern]
        fam = key.family
        return (
            f"socket({any_or(fam, names.family_name)}, {any_or(key.type, names.type_name)}, "
            f"{any_or(key.protocol, lambda p: names.protocol_name(fam, p))}) kern={kern}"
        )
    hook = Hook(key.hook).name.lower()
    return (
        f"{hook}({any_or(key.family, names.family_name)}, "
        f"{any_or(key.protocol, lambda p: names.protocol_name(names.AF_INET, p))}, "
        f"port {any_or(key.port, str)})"
    )
