"""The direct-index verdict table (``hf_fast`` in fence/fence_core.h) for one policy slot.

For the families most sockets are made in (``abi.HF_FAST_FAMILIES``), every cell
(family, type < 16, protocol < 256, kern) holds the verdict
:meth:`CompiledPolicy.decide_create` gives for it, so the BPF program does one array
read instead of up to nine hash look-ups, at the same cost for 1 or 10,000 rules.

The table is painted rather than evaluated cell by cell: shapes from the least to the
most specific (``CREATE_LOOKUP_ORDER`` reversed), each key painting the cells it
covers. The last paint a cell receives is then from the first shape in look-up order
that has a key for it, which is exactly the rule ``decide_create`` returns (keys of one
shape never overlap). Cost: the cells the keys cover, at most a few per cell.
"""

from __future__ import annotations

from array import array
from itertools import product

from hotfence.fence import abi
from hotfence.fence.compiled import (
    ANY,
    ANY_KERN,
    CREATE_LOOKUP_ORDER,
    CompiledPolicy,
    CreateKey,
    Verdict,
)

FAMILY_INDEX = {family: i for i, family in enumerate(abi.HF_FAST_FAMILIES)}
KERNS = (0, 1)


def cell(family: int, type_: int, protocol: int, kern: int) -> int | None:
    """Index of a call in one slot's table, or None when the call takes the hash path."""
    fi = FAMILY_INDEX.get(family)
    if fi is None or not 0 <= type_ < abi.HF_FAST_TYPES or not 0 <= protocol < abi.HF_FAST_PROTOS:
        return None
    return ((fi * abi.HF_FAST_TYPES + type_) * abi.HF_FAST_PROTOS + protocol) * 2 + (kern & 1)


def _shape(key: CreateKey) -> tuple[bool, bool, bool, bool]:
    return (key.family != ANY, key.type != ANY, key.protocol != ANY, key.kern != ANY_KERN)


def _cells(key: CreateKey) -> list[int]:
    """Every cell ``key`` covers (none when it names a value outside the table)."""
    families = abi.HF_FAST_FAMILIES if key.family == ANY else (key.family,)
    types = range(abi.HF_FAST_TYPES) if key.type == ANY else (key.type,)
    protocols = range(abi.HF_FAST_PROTOS) if key.protocol == ANY else (key.protocol,)
    kerns = KERNS if key.kern == ANY_KERN else (key.kern,)
    out = []
    for f, t, p, k in product(families, types, protocols, kerns):
        i = cell(f, t, p, k)
        if i is not None:
            out.append(i)
    return out


def verdicts(policy: CompiledPolicy) -> array[int]:
    """(rule_id, action) per cell as a flat u32 array: struct hf_verdict, HF_FAST_PER_SLOT times.

    Cells no rule covers hold ``HF_DEFAULT_RULE`` and the policy's default action.
    """
    table = array("I", (abi.HF_DEFAULT_RULE, int(policy.default))) * abi.HF_FAST_PER_SLOT
    by_shape: dict[tuple[bool, bool, bool, bool], list[tuple[CreateKey, Verdict]]] = {}
    for key, verdict in policy.create.items():
        by_shape.setdefault(_shape(key), []).append((key, verdict))
    for shape in reversed(CREATE_LOOKUP_ORDER):
        for key, verdict in by_shape.get(shape, ()):
            rule_id, action = verdict.rule_id, int(verdict.action)
            for i in _cells(key):
                table[2 * i] = rule_id
                table[2 * i + 1] = action
    return table
