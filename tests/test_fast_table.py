"""The direct-index table (fence/fast_table.py) gives every cell decide_create's verdict.

The kernel reads hf_fast instead of the hash maps for calls inside the table, so a cell
painted wrong would be a verdict the reference model does not give. Hypothesis draws
policies whose keys mix values inside and outside the table (other families, type 20,
protocol 300) and every shape of the look-up order.
"""

from __future__ import annotations

from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from hotfence.fence import abi, fast_table
from hotfence.fence.compiled import (
    ANY,
    ANY_KERN,
    CREATE_LOOKUP_ORDER,
    Action,
    CompiledPolicy,
    CreateKey,
    RuleInfo,
    Verdict,
)

FAMILIES = [1, 2, 10, 16, 38]  # unix, inet, inet6, netlink (in the table), alg (not)
TYPES = [1, 2, 3, 5, 20]
PROTOCOLS = [0, 6, 17, 58, 255, 300]
CHECKED = list(product(abi.HF_FAST_FAMILIES, [1, 2, 3, 5, 15], [0, 6, 17, 58, 255], [0, 1]))


@st.composite
def policies(draw) -> CompiledPolicy:
    keys = []
    for _ in range(draw(st.integers(0, 8))):
        use_f, use_t, use_p, use_k = draw(st.sampled_from(CREATE_LOOKUP_ORDER))
        keys.append(
            CreateKey(
                draw(st.sampled_from(FAMILIES)) if use_f else ANY,
                draw(st.sampled_from(TYPES)) if use_t else ANY,
                draw(st.sampled_from(PROTOCOLS)) if use_p else ANY,
                draw(st.sampled_from([0, 1])) if use_k else ANY_KERN,
            )
        )
    keys = list(dict.fromkeys(keys))
    rules = [RuleInfo(i, f"r{i}", f"drawn:{i}", "drawn") for i in range(len(keys))]
    create = {k: Verdict(i, draw(st.sampled_from(list(Action)))) for i, k in enumerate(keys)}
    return CompiledPolicy(
        name="drawn",
        enforce=True,
        default=draw(st.sampled_from(list(Action))),
        rules=rules,
        create=create,
    )


def cell_verdict(table, family, type_, protocol, kern) -> tuple[int, int]:
    i = fast_table.cell(family, type_, protocol, kern)
    return table[2 * i], table[2 * i + 1]


@settings(max_examples=300, deadline=None)
@given(policies())
def test_every_cell_is_decide_create(policy):
    table = fast_table.verdicts(policy)
    assert len(table) == 2 * abi.HF_FAST_PER_SLOT
    for family, type_, protocol, kern in CHECKED:
        v = policy.decide_create(family, type_, protocol, bool(kern))
        want = (
            (abi.HF_DEFAULT_RULE, int(policy.default)) if v is None else (v.rule_id, int(v.action))
        )
        assert cell_verdict(table, family, type_, protocol, kern) == want, (
            family,
            type_,
            protocol,
            kern,
        )


def test_calls_outside_the_table_have_no_cell():
    assert fast_table.cell(38, 5, 0, 0) is None  # AF_ALG: hash path
    assert fast_table.cell(2, 1, 262, 0) is None  # MPTCP: protocol >= 256
    assert fast_table.cell(10, 16, 0, 0) is None
    assert fast_table.cell(2, 1, -1, 0) is None
    cells = {
        fast_table.cell(f, t, p, k)
        for f, t, p, k in product(abi.HF_FAST_FAMILIES, range(16), range(256), (0, 1))
    }
    assert cells == set(range(abi.HF_FAST_PER_SLOT))  # a bijection onto the slot's cells


def test_more_specific_shape_wins_over_broader_key():
    policy = CompiledPolicy(
        name="p",
        enforce=True,
        default=Action.ALLOW,
        rules=[RuleInfo(i, f"r{i}", f"t:{i}", "r") for i in range(3)],
        create={
            CreateKey(ANY, ANY, ANY, 0): Verdict(0, Action.DENY),
            CreateKey(10, ANY, ANY, ANY_KERN): Verdict(1, Action.AUDIT),
            CreateKey(10, 3, 58, ANY_KERN): Verdict(2, Action.ALLOW),
        },
    )
    table = fast_table.verdicts(policy)
    assert cell_verdict(table, 10, 3, 58, 0) == (2, Action.ALLOW)
    assert cell_verdict(table, 10, 2, 17, 0) == (
        1,
        Action.AUDIT,
    )  # family key beats (ANY.., kern 0)
    assert cell_verdict(table, 2, 2, 17, 0) == (0, Action.DENY)
    assert cell_verdict(table, 2, 2, 17, 1) == (abi.HF_DEFAULT_RULE, Action.ALLOW)


def test_ten_thousand_rules():
    create = {
        CreateKey(10, 3 + i // 250, i % 250, ANY_KERN): Verdict(i, Action.DENY)
        for i in range(10_000)
    }
    policy = CompiledPolicy(
        name="big",
        enforce=True,
        default=Action.ALLOW,
        rules=[RuleInfo(i, f"r{i}", f"t:{i}", "r") for i in range(10_000)],
        create=create,
    )
    table = fast_table.verdicts(policy)
    assert cell_verdict(table, 10, 3, 7, 1) == (7, Action.DENY)
    assert cell_verdict(table, 10, 15, 249, 0) == (12 * 250 + 249, Action.DENY)
    assert cell_verdict(table, 2, 3, 7, 0) == (abi.HF_DEFAULT_RULE, Action.ALLOW)
