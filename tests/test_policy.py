"""SocketPolicy loading and validation: names, shapes, file:line in every error."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from hotfence.fence.policy import PolicyError, load_policy, parse_policy
from hotfence.linux import names

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "policies"

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


def policy_text(rules: str) -> str:
    return HEAD + textwrap.indent(textwrap.dedent(rules), "  ")


def errors(text: str, file: str = "p.yaml") -> PolicyError:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, file)
    return info.value


def test_names_accept_short_c_and_number_forms() -> None:
    assert (
        names.parse_family("inet6")
        == names.parse_family("AF_INET6")
        == names.parse_family("pf_inet6")
        == 10
    )
    assert names.parse_family("10") == names.parse_family(10) == 10
    assert names.parse_family("ALG") == 38 and names.parse_family("vsock") == 40
    assert names.parse_family("rds") == 21 and names.parse_family("packet") == 17
    assert names.parse_type("SOCK_RAW") == names.parse_type("raw") == 3
    assert names.parse_type_with_flags("stream|cloexec") == 1 | 0o2000000
    assert names.parse_type_with_flags("SOCK_DGRAM|SOCK_NONBLOCK") == 2 | 0o4000
    assert names.parse_protocol("icmpv6", 10) == names.parse_protocol("IPPROTO_ICMPV6", 2) == 58
    assert names.parse_protocol("generic", names.AF_NETLINK) == 16
    assert names.parse_protocol("NETLINK_ROUTE", names.AF_NETLINK) == 0
    assert names.parse_protocol("all", names.AF_PACKET) == 0x0300  # htons(ETH_P_ALL)
    assert names.parse_protocol("mptcp", 2) == 262
    with pytest.raises(names.UnknownName) as info:
        names.parse_protocol("route", names.AF_INET)
    assert "icmpv6" in info.value.choices


def test_family_table_covers_every_family_below_af_max() -> None:
    assert sorted(names.FAMILIES) == list(range(names.AF_MAX))
    assert len(set(names.FAMILIES.values())) == names.AF_MAX


def test_examples_load() -> None:
    found = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
    assert "deny-raw-icmpv6.yaml" in found and len(found) >= 4
    for path in EXAMPLES.glob("*.yaml"):
        policy = load_policy(path)
        assert policy.model.apiVersion == "hotfence/v1"


def test_deny_raw_icmpv6_example_says_what_it_should() -> None:
    policy = load_policy(EXAMPLES / "deny-raw-icmpv6.yaml")
    spec = policy.model.spec
    assert spec.default == "allow" and spec.mode == "enforce"
    assert len(spec.rules) == 1
    rule = spec.rules[0]
    assert rule.action == "deny"
    assert rule.socket is not None
    assert (rule.socket.family, rule.socket.type, rule.socket.protocol) == ((10,), (3,), (58,))


def test_bad_family_names_file_line_field_and_choices() -> None:
    text = policy_text("""\
        - action: deny
          socket:
            family: inet7
            type: raw
        """)
    err = errors(text, "bad.yaml")
    assert len(err.issues) == 1
    issue = err.issues[0]
    assert issue.file == "bad.yaml"
    assert issue.line == 11  # the "family: inet7" line
    assert issue.field == "spec.rules[0].socket.family"
    message = str(err)
    assert message.startswith("bad.yaml:11: spec.rules[0].socket.family:")
    assert "inet7" in message and "inet6" in message and "netlink" in message


def test_protocol_names_follow_the_family() -> None:
    ok = parse_policy(
        policy_text("""\
        - action: deny
          socket: {family: netlink, protocol: generic}
        """)
    )
    assert ok.model.spec.rules[0].socket.protocol == (16,)
    err = errors(
        policy_text("""\
        - action: deny
          socket: {family: netlink, protocol: icmpv6}
        """)
    )
    assert err.issues[0].line == 10
    assert "family netlink" in str(err) and "generic" in str(err)


def test_unknown_field_and_bad_enum_list_valid_choices() -> None:
    err = errors(
        policy_text("""\
        - action: refuse
          socket: {family: inet, protcol: tcp}
        """)
    )
    by_field = {i.field: i for i in err.issues}
    assert "'allow', 'deny' or 'audit'" in by_field["spec.rules[0].action"].message
    assert by_field["spec.rules[0].action"].line == 9
    unknown = by_field["spec.rules[0].socket.protcol"]
    assert "family, type, protocol, kern" in unknown.message and unknown.line == 10


def test_mode_and_default_are_checked() -> None:
    err = errors(
        HEAD.replace("mode: enforce", "mode: enforcing").replace("default: allow", "default: block")
        + "    []\n"
    )
    fields = {i.field: i.line for i in err.issues}
    assert fields == {"spec.mode": 6, "spec.default": 7}


def test_missing_required_field_points_at_parent() -> None:
    err = errors(
        "apiVersion: hotfence/v1\nkind: SocketPolicy\nmetadata: {name: x}\nspec:\n  default: deny\n"
    )
    assert [(i.field, i.line) for i in err.issues] == [("spec.mode", 5)]
    assert "missing" in err.issues[0].message


def test_duplicate_keys_name_both_lines() -> None:
    text = policy_text("""\
        - action: deny
          socket: {family: inet6}
          socket: {family: inet}
        """)
    err = errors(text)
    assert err.issues[0].line == 11
    assert "first written at line 10" in err.issues[0].message


def test_rule_needs_exactly_one_target() -> None:
    err = errors(
        policy_text("""\
        - action: deny
          socket: {family: inet}
          connect: {ports: [1]}
        """)
    )
    assert err.issues[0].field == "spec.rules[0]" and err.issues[0].line == 9
    assert "exactly one of socket, bind, connect" in err.issues[0].message


def test_shapes_that_no_lookup_can_find_are_rejected() -> None:
    err = errors(
        policy_text("""\
        - action: deny
          socket: {type: raw}
        - action: deny
          socket: {kern: any}
        - action: deny
          bind: {}
        """)
    )
    lines = sorted(i.line for i in err.issues)
    assert lines == [10, 12, 14]


def test_ports_ranges_and_limits() -> None:
    err = errors(
        policy_text("""\
        - action: deny
          connect: {protocol: tcp, ports: [80, "2000-1000", "x", 70000, "1024-65535"]}
        """)
    )
    text = str(err)
    assert "'2000-1000' is empty" in text
    assert "'x' is not a number" in text
    assert "70000 out of range" in text
    assert "65535 cannot be named" in text
    assert all(i.line == 10 for i in err.issues)


def test_port_rules_only_for_inet_and_tcp_udp() -> None:
    err = errors(
        policy_text("""\
        - action: deny
          bind: {family: unix, protocol: sctp, ports: [1]}
        """)
    )
    text = str(err)
    assert "valid: inet, inet6" in text and "valid: tcp, udp" in text


def test_yaml_syntax_error_has_a_line() -> None:
    err = errors(HEAD + "    - action: deny\n      socket: {family: [inet\n")
    assert err.issues[0].line >= 9 and "YAML syntax" in err.issues[0].message


def test_empty_and_wrong_kind() -> None:
    assert "empty file" in str(errors(""))
    err = errors(HEAD.replace("SocketPolicy", "NetworkPolicy") + "    []\n")
    assert err.issues[0].field == "kind" and err.issues[0].line == 2


def test_unreadable_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "absent.yaml")
    assert str(tmp_path / "absent.yaml") in str(info.value)


def test_lists_of_values_and_kern_default() -> None:
    policy = parse_policy(
        policy_text("""\
        - action: audit
          socket: {family: [inet, AF_INET6, 10], type: [raw, dgram], protocol: [icmp, 58]}
        """)
    )
    match = policy.model.spec.rules[0].socket
    assert match.family == (2, 10)  # duplicates dropped
    assert match.type == (3, 2)
    assert match.protocol == (1, 58)
    assert match.kern == "user"
