"""Compiler: keys, conflicts, atomicity, and agreement with a naive precedence oracle."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hotfence.fence.compiled import ANY, ANY_KERN, Action, CreateKey, Hook, PortKey
from hotfence.fence.compiler import compile_file, compile_policy
from hotfence.fence.policy import PolicyError, parse_policy

HEAD = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata:
  name: t
spec:
  mode: enforce
  default: allow
  rules:
"""


def compile_text(rules: str, file: str = "p.yaml"):
    return compile_policy(parse_policy(HEAD + textwrap.indent(textwrap.dedent(rules), "  "), file))


def test_deny_raw_icmpv6_compiles_to_one_key() -> None:
    policy = compile_file("examples/policies/deny-raw-icmpv6.yaml")
    assert policy.create == {CreateKey(10, 3, 58, 0): policy.create[CreateKey(10, 3, 58, 0)]}
    assert policy.create[CreateKey(10, 3, 58, 0)].action is Action.DENY
    assert policy.default is Action.ALLOW and policy.enforce
    assert policy.rules[0].source == "examples/policies/deny-raw-icmpv6.yaml:12"
    assert policy.default_source == "examples/policies/deny-raw-icmpv6.yaml:10"
    assert policy.decide_create(10, 3, 58, False).action is Action.DENY
    assert policy.decide_create(10, 3, 58, True) is None  # kernel sockets: rule says kern=user
    assert policy.decide_create(10, 3, 255, False) is None
    assert policy.decide_create(2, 3, 58, False) is None


def test_wildcards_and_lists_expand() -> None:
    policy = compile_text("""\
        - action: deny
          socket: {family: [inet, inet6], type: raw, kern: any}
        - action: audit
          socket: {kern: kernel}
        """)
    assert set(policy.create) == {
        CreateKey(2, 3, ANY, ANY_KERN),
        CreateKey(10, 3, ANY, ANY_KERN),
        CreateKey(ANY, ANY, ANY, 1),
    }


def test_port_ranges_expand_per_port() -> None:
    policy = compile_text("""\
        - action: deny
          connect: {family: inet6, protocol: [tcp, udp], ports: [22, "8000-8009"]}
        - action: allow
          bind: {family: inet}
        """)
    connect = [k for k in policy.ports if k.hook == Hook.CONNECT]
    assert len(connect) == 2 * 11
    assert PortKey(int(Hook.CONNECT), 10, 17, 8009) in policy.ports
    assert PortKey(int(Hook.BIND), 2, ANY, ANY) in policy.ports
    assert policy.decide_port(Hook.CONNECT, 10, 6, 8005).action is Action.DENY
    assert policy.decide_port(Hook.CONNECT, 2, 6, 8005) is None
    assert policy.decide_port(Hook.BIND, 2, 6, 8005).action is Action.ALLOW


def test_conflicting_rules_name_both_lines() -> None:
    with pytest.raises(PolicyError) as info:
        compile_text(
            """\
            - name: first
              action: deny
              socket: {family: inet6, type: raw, protocol: icmpv6}
            - name: second
              action: allow
              socket: {family: [inet, inet6], type: raw, protocol: 58}
            """,
            "c.yaml",
        )
    issues = info.value.issues
    assert len(issues) == 1
    assert issues[0].line == 12 and issues[0].field == "spec.rules[1]"
    assert "spec.rules[0] at c.yaml:9" in issues[0].message
    assert "socket(inet6, raw, icmpv6)" in issues[0].message


def test_overlapping_port_ranges_conflict_once() -> None:
    with pytest.raises(PolicyError) as info:
        compile_text("""\
            - action: deny
              bind: {protocol: tcp, ports: ["1000-2000"]}
            - action: allow
              bind: {protocol: tcp, ports: ["1500-2500"]}
            """)
    assert len(info.value.issues) == 1
    assert "port 1500" in info.value.issues[0].message


def test_invalid_policy_yields_nothing(tmp_path) -> None:
    # One good rule and one bad one: the compiler must not hand back a partial policy.
    path = tmp_path / "half.yaml"
    path.write_text(
        HEAD + "  - action: deny\n    socket: {family: inet6, type: raw}\n"
        "  - action: deny\n    socket: {family: inet6, type: raw}\n"
    )
    result = None
    with pytest.raises(PolicyError):
        result = compile_file(path)
    assert result is None


def test_protocol_out_of_u16_only_matches_wildcards() -> None:
    policy = compile_text("""\
        - action: deny
          socket: {family: packet, protocol: 3}
        - action: allow
          socket: {family: packet}
        """)
    assert policy.decide_create(17, 3, 3, False).action is Action.DENY
    assert policy.decide_create(17, 3, 0x10003, False).action is Action.ALLOW
    assert policy.decide_create(17, 3, -1, False).action is Action.ALLOW


def test_audit_mode_and_default_carry_over() -> None:
    text = (
        HEAD.replace("mode: enforce", "mode: audit").replace("default: allow", "default: deny")
        + "  - action: allow\n    socket: {family: unix}\n"
    )
    policy = compile_policy(parse_policy(text, "a.yaml"))
    assert not policy.enforce and policy.default is Action.DENY
    assert policy.default_source == "a.yaml:7"


# --- precedence oracle -------------------------------------------------------------------

FAMILIES = [2, 10, 16, 38]
TYPES = [1, 2, 3, 5]
PROTOCOLS = [0, 1, 6, 17, 58]
ACTIONS = ["allow", "deny", "audit"]
KERNS = {"user": (0,), "kernel": (1,), "any": (0, 1)}


@dataclass
class SRule:
    family: list[int] | None
    type: list[int] | None
    protocol: list[int] | None
    kern: str
    action: str

    def as_yaml(self) -> dict:
        socket: dict = {"kern": self.kern}
        for name in ("family", "type", "protocol"):
            value = getattr(self, name)
            if value is not None:
                socket[name] = value
        return {"action": self.action, "socket": socket}

    def matches(self, call: tuple[int, int, int, int]) -> bool:
        f, t, p, k = call
        return (
            (self.family is None or f in self.family)
            and (self.type is None or t in self.type)
            and (self.protocol is None or p in self.protocol)
            and k in KERNS[self.kern]
        )

    def specificity(self) -> tuple[bool, ...]:
        # The documented precedence: a rule naming family beats one that does not; then
        # type, then protocol, then an exact kern flag.
        return (
            self.family is not None,
            self.type is not None,
            self.protocol is not None,
            self.kern != "any",
        )

    def cells(self) -> set[tuple]:
        return {
            (f, t, p, k)
            for f in self.family or [None]
            for t in self.type or [None]
            for p in self.protocol or [None]
            for k in [self.kern]
        }


def subset(pool: list[int]) -> st.SearchStrategy:
    return st.one_of(
        st.none(), st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True)
    )


@st.composite
def srule(draw) -> SRule:
    family = draw(subset(FAMILIES))
    if family is None:
        return SRule(
            None,
            None,
            None,
            draw(st.sampled_from(["user", "kernel"])),
            draw(st.sampled_from(ACTIONS)),
        )
    return SRule(
        family,
        draw(subset(TYPES)),
        draw(subset(PROTOCOLS)),
        draw(st.sampled_from(list(KERNS))),
        draw(st.sampled_from(ACTIONS)),
    )


calls = st.tuples(
    st.sampled_from(FAMILIES + [1]),
    st.sampled_from(TYPES),
    st.sampled_from(PROTOCOLS + [255]),
    st.sampled_from([0, 1]),
)


@settings(max_examples=300, deadline=None)
@given(
    rules=st.lists(srule(), max_size=6),
    default=st.sampled_from(ACTIONS),
    probes=st.lists(calls, min_size=1, max_size=25),
)
def test_decide_create_agrees_with_most_specific_rule(
    rules: list[SRule], default: str, probes
) -> None:
    doc = {
        "apiVersion": "hotfence/v1",
        "kind": "SocketPolicy",
        "metadata": {"name": "h"},
        "spec": {"mode": "enforce", "default": default, "rules": [r.as_yaml() for r in rules]},
    }
    text = yaml.safe_dump(doc)
    conflict = any(a.cells() & b.cells() for i, a in enumerate(rules) for b in rules[i + 1 :])
    if conflict:
        with pytest.raises(PolicyError):
            compile_policy(parse_policy(text))
        return
    policy = compile_policy(parse_policy(text))
    for call in probes:
        matching = [(r.specificity(), i) for i, r in enumerate(rules) if r.matches(call)]
        expected = default
        if matching:
            best = max(matching)
            assert sum(1 for m in matching if m[0] == best[0]) == 1  # no conflict => unique
            expected = rules[best[1]].action
            verdict = policy.decide_create(*call[:3], bool(call[3]))
            assert verdict is not None and verdict.rule_id == best[1]
        else:
            assert policy.decide_create(*call[:3], bool(call[3])) is None
        assert (
            policy.effective_action(policy.decide_create(*call[:3], bool(call[3]))).name.lower()
            == expected
        )


@dataclass
class PRule:
    hook: str
    family: list[int] | None
    protocol: list[int] | None
    ports: list[int] | None
    action: str

    def as_yaml(self) -> dict:
        body: dict = {}
        if self.family is not None:
            body["family"] = self.family
        if self.protocol is not None:
            body["protocol"] = self.protocol
        if self.ports is not None:
            body["ports"] = self.ports
        return {"action": self.action, self.hook: body}

    def matches(self, hook: str, f: int, p: int, port: int) -> bool:
        return (
            hook == self.hook
            and (self.family is None or f in self.family)
            and (self.protocol is None or p in self.protocol)
            and (self.ports is None or port in self.ports)
        )

    def specificity(self) -> tuple[bool, ...]:
        return (self.ports is not None, self.protocol is not None, self.family is not None)

    def cells(self) -> set[tuple]:
        return {
            (self.hook, f, p, port)
            for f in self.family or [None]
            for p in self.protocol or [None]
            for port in self.ports or [None]
        }


@st.composite
def prule(draw) -> PRule:
    while True:
        r = PRule(
            draw(st.sampled_from(["bind", "connect"])),
            draw(subset([2, 10])),
            draw(subset([6, 17])),
            draw(subset([0, 22, 80, 443])),
            draw(st.sampled_from(ACTIONS)),
        )
        if r.family or r.protocol or r.ports:
            return r


@settings(max_examples=300, deadline=None)
@given(
    rules=st.lists(prule(), max_size=6),
    default=st.sampled_from(ACTIONS),
    probes=st.lists(
        st.tuples(
            st.sampled_from(["bind", "connect"]),
            st.sampled_from([2, 10]),
            st.sampled_from([6, 17]),
            st.sampled_from([0, 22, 80, 443, 8080]),
        ),
        min_size=1,
        max_size=25,
    ),
)
def test_decide_port_agrees_with_most_specific_rule(
    rules: list[PRule], default: str, probes
) -> None:
    doc = {
        "apiVersion": "hotfence/v1",
        "kind": "SocketPolicy",
        "metadata": {"name": "h"},
        "spec": {"mode": "audit", "default": default, "rules": [r.as_yaml() for r in rules]},
    }
    text = yaml.safe_dump(doc)
    if any(a.cells() & b.cells() for i, a in enumerate(rules) for b in rules[i + 1 :]):
        with pytest.raises(PolicyError):
            compile_policy(parse_policy(text))
        return
    policy = compile_policy(parse_policy(text))
    for hook, f, p, port in probes:
        matching = [
            (r.specificity(), i) for i, r in enumerate(rules) if r.matches(hook, f, p, port)
        ]
        verdict = policy.decide_port(Hook.BIND if hook == "bind" else Hook.CONNECT, f, p, port)
        if matching:
            assert verdict is not None and verdict.rule_id == max(matching)[1]
        else:
            assert verdict is None


def test_limits_of_the_kernel_maps_are_checked(monkeypatch) -> None:
    from hotfence.fence import compiler

    monkeypatch.setattr(compiler, "MAX_RULES", 2)
    with pytest.raises(PolicyError, match="at most 2 fit the kernel maps"):
        compile_text("""\
            - {action: deny, socket: {family: inet}}
            - {action: deny, socket: {family: inet6}}
            - {action: deny, socket: {family: unix}}
            """)
    monkeypatch.setattr(compiler, "MAX_PORT_KEYS", 100)
    with pytest.raises(PolicyError, match="more than 100 port keys") as info:
        compile_text("- {action: deny, bind: {ports: ['1-200']}}\n")
    assert info.value.issues[0].field == "spec.rules[0].bind.ports"


def test_packet_protocol_high_bits_cannot_sidestep_an_ethertype_rule():
    from hotfence.fence.compiled import resolve_create_protocol

    policy = compile_policy(
        parse_policy(
            HEAD
            + """\
    - action: deny
      socket: {family: packet, type: raw, protocol: ipv6}
""",
            "p.yaml",
        )
    )
    eth_ipv6 = 0xDD86  # htons(ETH_P_IPV6)
    # packet_create keeps the low 16 bits, so 0x1DD86 is an IPv6 packet socket too.
    for protocol in (eth_ipv6, 0x10000 | eth_ipv6, -0x10000 + eth_ipv6):
        looked = resolve_create_protocol(17, 3, protocol)
        assert looked == eth_ipv6
        assert policy.decide_create(17, 3, looked, False).action.name == "DENY"
