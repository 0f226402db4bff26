"""The SocketPolicy YAML file: schema (pydantic), loading with line numbers, validation.

A policy file looks like::

    apiVersion: hotfence/v1
    kind: SocketPolicy
    metadata: {name: no-raw-icmpv6}
    spec:
      mode: enforce          # or audit: count what would be denied, deny nothing
      default: allow         # allow | deny | audit, for calls no rule matches
      rules:
        - name: no-raw-icmpv6
          action: deny
          socket: {family: inet6, type: raw, protocol: icmpv6}
        - action: deny
          connect: {family: inet6, protocol: tcp, ports: [25, "6000-6010"]}

The file is parsed with ``yaml.compose`` so that every node keeps its line; pydantic
validates the plain data; each error is reported as ``file:line: field.path: message``
with the valid choices. Duplicate mapping keys are errors naming both lines. Nothing is
returned unless the whole file is valid (see :class:`PolicyError`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator

from hotfence.fence.abi import HF_MAX_RULES
from hotfence.linux import names
from hotfence.yamlsource import (
    Limits,
    Loc,
    SourceError,
    SourceIssue,
    parse_yaml,
    read_text,
    validate,
)

ACTIONS = ("allow", "deny", "audit")

# Checked while the YAML is read, before anything is built: a policy with more rules than
# the kernel maps hold fails after reading that many, in a fraction of a second.
POLICY_LIMITS = Limits(
    max_bytes=8 << 20,
    max_nodes=32 * HF_MAX_RULES,  # a rule is ~10 values; room for long port lists
    max_items={("spec", "rules"): HF_MAX_RULES},
)
KERN_CHOICES = ("user", "kernel", "any")


# --- errors ------------------------------------------------------------------------------

# One validation problem, located in the policy file (file, line, field, message).
PolicyIssue = SourceIssue


class PolicyError(SourceError):
    """The policy is invalid; ``issues`` lists every problem found (file, line, field)."""


# --- schema ------------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _parse_list(value: Any, parse: Any) -> tuple[int, ...]:
    if isinstance(value, (list, tuple)) and not value:
        raise ValueError("empty list; leave the field out to match any value")
    out: list[int] = []
    for item in _as_list(value):
        try:
            number = parse(item)
        except names.UnknownName as exc:
            raise ValueError(str(exc)) from None
        if number not in out:
            out.append(number)
    return tuple(out)


def _parse_family(item: Any) -> int:
    number = names.parse_family(item)
    if not 0 <= number < names.AF_MAX:
        raise ValueError(
            f"family {item!r} out of range: families are 0..{names.AF_MAX - 1} "
            f"(AF_MAX = {names.AF_MAX}); valid names: "
            f"{', '.join(sorted(names.FAMILIES.values()))}"
        )
    return number


def _parse_type(item: Any) -> int:
    number = names.parse_type(item)
    if not 0 <= number < names.SOCK_MAX:
        raise ValueError(
            f"type {item!r} out of range: base types are 0..{names.SOCK_MAX - 1} "
            f"without flags; valid names: {', '.join(names.TYPES.values())}"
        )
    return number


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SocketMatch(_Strict):
    """socket(family, type, protocol) with the kern flag; an absent field matches anything."""

    family: tuple[int, ...] | None = None
    type: tuple[int, ...] | None = None
    protocol: tuple[int, ...] | None = None
    kern: Literal["user", "kernel", "any"] = "user"

    @field_validator("family", mode="before")
    @classmethod
    def _family(cls, value: Any) -> tuple[int, ...] | None:
        return None if value is None else _parse_list(value, _parse_family)

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> tuple[int, ...] | None:
        return None if value is None else _parse_list(value, _parse_type)

    @field_validator("protocol", mode="before")
    @classmethod
    def _protocol(cls, value: Any, info: ValidationInfo) -> tuple[int, ...] | None:
        if value is None:
            return None
        families = info.data.get("family") or (None,)

        def parse(item: Any) -> int:
            numbers = {names.parse_protocol(item, fam) for fam in families}
            if len(numbers) > 1:
                raise ValueError(
                    f"protocol {item!r} means different numbers in the rule's "
                    f"families; write one rule per family"
                )
            number = numbers.pop()
            if not 0 <= number < 0xFFFF:
                raise ValueError(f"protocol {item!r} out of range 0..65534")
            return number

        return _parse_list(value, parse)

    @model_validator(mode="after")
    def _shape(self) -> SocketMatch:
        # The BPF look-up order only has a family wildcard with type, protocol open and
        # an exact kern flag (compiled.CREATE_LOOKUP_ORDER); anything else could never
        # be found, so say so instead of compiling a dead rule.
        if self.family is None and (self.type is not None or self.protocol is not None):
            raise ValueError("a socket rule that names type or protocol must name family too")
        if self.family is None and self.kern == "any":
            raise ValueError(
                "a socket rule without family must set kern: user or kernel "
                "(every socket of every family is what spec.default is for)"
            )
        return self


class PortMatch(_Strict):
    """bind()/connect() on inet sockets: family, protocol and port ranges."""

    family: tuple[int, ...] | None = None
    protocol: tuple[int, ...] | None = None
    ports: tuple[tuple[int, int], ...] | None = None

    @field_validator("family", mode="before")
    @classmethod
    def _family(cls, value: Any) -> tuple[int, ...] | None:
        if value is None:
            return None

        def parse(item: Any) -> int:
            number = _parse_family(item)
            if number not in (names.AF_INET, names.AF_INET6):
                raise ValueError(
                    f"bind/connect rules cover inet sockets only; valid: inet, inet6 (got {item!r})"
                )
            return number

        return _parse_list(value, parse)

    @field_validator("protocol", mode="before")
    @classmethod
    def _protocol(cls, value: Any) -> tuple[int, ...] | None:
        if value is None:
            return None

        def parse(item: Any) -> int:
            try:
                number = names.parse_protocol(item, names.AF_INET)
            except names.UnknownName:
                number = -1
            if number not in (names.IPPROTO_TCP, names.IPPROTO_UDP):
                raise ValueError(f"unknown protocol {item!r} for bind/connect; valid: tcp, udp")
            return number

        return _parse_list(value, parse)

    @field_validator("ports", mode="before")
    @classmethod
    def _ports(cls, value: Any) -> tuple[tuple[int, int], ...] | None:
        if value is None:
            return None
        if isinstance(value, (list, tuple)) and not value:
            raise ValueError("empty list; leave ports out to match every port")
        out: list[tuple[int, int]] = []
        problems: list[str] = []
        for item in _as_list(value):
            try:
                out.append(parse_port_range(item))
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("; ".join(problems))  # every bad entry at once, not just the first
        return tuple(out)

    @model_validator(mode="after")
    def _shape(self) -> PortMatch:
        if self.family is None and self.protocol is None and self.ports is None:
            raise ValueError(
                "a bind/connect rule must name ports, protocol or family "
                "(every call is what spec.default is for)"
            )
        return self


def parse_port_range(item: Any) -> tuple[int, int]:
    """``80`` / ``"80"`` / ``"1000-2000"`` -> (low, high), both within 0..65535."""
    if isinstance(item, bool):
        raise ValueError(f"port {item!r} is not a number or a 'low-high' range")
    if isinstance(item, int):
        low = high = item
    elif isinstance(item, str):
        text = item.strip()
        try:
            if "-" in text:
                a, b = text.split("-", 1)
                low, high = int(a), int(b)
            else:
                low = high = int(text)
        except ValueError:
            raise ValueError(f"port {item!r} is not a number or a 'low-high' range") from None
    else:
        raise ValueError(f"port {item!r} is not a number or a 'low-high' range")
    if not (0 <= low <= 65535 and 0 <= high <= 65535):
        raise ValueError(f"port {item!r} out of range 0..65535")
    if low > high:
        raise ValueError(f"port range {item!r} is empty (low > high)")
    if high == 65535:
        # 65535 is the ANY value of the u16 port field in the BPF map key (compiled.PortKey).
        raise ValueError(
            f"port {item!r}: 65535 cannot be named (it is the wildcard value of "
            f"the kernel map key); use up to 65534, or leave ports out for all ports"
        )
    return (low, high)


class Rule(_Strict):
    name: str | None = None
    action: Literal["allow", "deny", "audit"]
    socket: SocketMatch | None = None
    bind: PortMatch | None = None
    connect: PortMatch | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Rule:
        given = [k for k in ("socket", "bind", "connect") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"a rule needs exactly one of socket, bind, connect (got "
                f"{', '.join(given) or 'none'})"
            )
        return self


class Scope(_Strict):
    cgroup: str | None = None  # cgroup v2 path the policy applies to (and its descendants)
    netns: Literal["any", "non-host"] = "any"


class Spec(_Strict):
    mode: Literal["enforce", "audit"]
    default: Literal["allow", "deny", "audit"]
    scope: Scope | None = None
    rules: list[Rule] = []


class Metadata(_Strict):
    name: str
    description: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("metadata.name must not be empty")
        return value


class SocketPolicy(_Strict):
    apiVersion: Literal["hotfence/v1"]
    kind: Literal["SocketPolicy"]
    metadata: Metadata
    spec: Spec


# --- loading with line numbers -----------------------------------------------------------


@dataclass
class Policy:
    """A validated policy plus where each of its values was written."""

    model: SocketPolicy
    file: str
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """Line of the value at ``loc``, or of its nearest enclosing value."""
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 0)

    def where(self, loc: Loc) -> str:
        return f"{self.file}:{self.line_of(loc)}"


def parse_policy(text: str, file: str = "<policy>") -> Policy:
    """Parse and validate policy text; raise :class:`PolicyError` listing every problem."""
    try:
        doc = parse_yaml(text, file, POLICY_LIMITS)
        if doc.data is None:
            raise PolicyError(
                [PolicyIssue(file, 0, "", "empty file: expected a SocketPolicy document")]
            )
        if not isinstance(doc.data, dict):
            raise PolicyError(
                [
                    PolicyIssue(
                        file,
                        doc.line_of(()),
                        "",
                        "expected a mapping (apiVersion, kind, metadata, spec)",
                    )
                ]
            )
        model = validate(SocketPolicy, doc)
    except PolicyError:
        raise
    except SourceError as exc:
        raise PolicyError(exc.issues) from None
    return Policy(model=model, file=file, lines=doc.lines)


def load_policy(path: str | Path) -> Policy:
    """Read, parse and validate a policy file (errors name this path)."""
    try:
        text = read_text(path, POLICY_LIMITS)
    except SourceError as exc:
        raise PolicyError(exc.issues) from None
    return parse_policy(text, str(path))
