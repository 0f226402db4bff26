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

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator

from hotfence.fence import names

Loc = tuple[str | int, ...]

# libyaml's parser when PyYAML has it (10x faster on big policies); same nodes and marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ACTIONS = ("allow", "deny", "audit")
KERN_CHOICES = ("user", "kernel", "any")


# --- errors ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyIssue:
    """One validation problem, located in the policy file."""

    file: str
    line: int  # 1-based; 0 when the whole file is at fault
    field: str  # "spec.rules[2].socket.family"
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field or '<document>'}: {self.message}"


class PolicyError(ValueError):
    """The policy is invalid; ``issues`` lists every problem found (file, line, field)."""

    def __init__(self, issues: list[PolicyIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


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
        raise ValueError(f"family {item!r} out of range: families are 0..{names.AF_MAX - 1} "
                         f"(AF_MAX = {names.AF_MAX}); valid names: "
                         f"{', '.join(sorted(names.FAMILIES.values()))}")
    return number


def _parse_type(item: Any) -> int:
    number = names.parse_type(item)
    if not 0 <= number < names.SOCK_MAX:
        raise ValueError(f"type {item!r} out of range: base types are 0..{names.SOCK_MAX - 1} "
                         f"without flags; valid names: {', '.join(names.TYPES.values())}")
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
                raise ValueError(f"protocol {item!r} means different numbers in the rule's "
                                 f"families; write one rule per family")
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
            raise ValueError("a socket rule without family must set kern: user or kernel "
                             "(every socket of every family is what spec.default is for)")
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
                raise ValueError(f"bind/connect rules cover inet sockets only; valid: inet, inet6 "
                                 f"(got {item!r})")
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
            raise ValueError("a bind/connect rule must name ports, protocol or family "
                             "(every call is what spec.default is for)")
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
        raise ValueError(f"port {item!r}: 65535 cannot be named (it is the wildcard value of "
                         f"the kernel map key); use up to 65534, or leave ports out for all ports")
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
            raise ValueError(f"a rule needs exactly one of socket, bind, connect (got "
                             f"{', '.join(given) or 'none'})")
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


def _to_data(node: yaml.Node, loc: Loc, lines: dict[Loc, int], key_lines: dict[Loc, int],
             issues: list[PolicyIssue], file: str, loader: yaml.SafeLoader) -> Any:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int)):
                issues.append(PolicyIssue(file, key_node.start_mark.line + 1, format_loc(loc),
                                          f"mapping key {key!r} must be a string"))
                continue
            line = key_node.start_mark.line + 1
            if key in seen:
                issues.append(PolicyIssue(file, line, format_loc(loc + (key,)),
                                          f"duplicate key {key!r} (first written at line {seen[key]})"))
                continue
            seen[key] = line
            key_lines[loc + (key,)] = line
            out[key] = _to_data(value_node, loc + (key,), lines, key_lines, issues, file, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_data(child, loc + (i,), lines, key_lines, issues, file, loader)
                for i, child in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse_policy(text: str, file: str = "<policy>") -> Policy:
    """Parse and validate policy text; raise :class:`PolicyError` listing every problem."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise PolicyError([PolicyIssue(file, line, "", f"YAML syntax: {exc.problem or exc}")]) from None
    if node is None:
        raise PolicyError([PolicyIssue(file, 0, "", "empty file: expected a SocketPolicy document")])
    lines: dict[Loc, int] = {}
    key_lines: dict[Loc, int] = {}
    issues: list[PolicyIssue] = []
    loader = yaml.SafeLoader("")
    data = _to_data(node, (), lines, key_lines, issues, file, loader)
    if issues:
        raise PolicyError(issues)
    if not isinstance(data, dict):
        raise PolicyError([PolicyIssue(file, lines[()], "", "expected a mapping (apiVersion, kind, metadata, spec)")])
    # A key's line is the better place to point at for "extra field" style errors.
    for loc, line in key_lines.items():
        lines.setdefault(loc, line)
    try:
        model = SocketPolicy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_issues_from_pydantic(exc, file, lines, key_lines)) from None
    return Policy(model=model, file=file, lines=lines)


def load_policy(path: str | Path) -> Policy:
    """Read, parse and validate a policy file (errors name this path)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise PolicyError([PolicyIssue(str(path), 0, "", f"cannot read: {exc.strerror}")]) from None
    return parse_policy(text, str(path))


def _issues_from_pydantic(exc: ValidationError, file: str, lines: dict[Loc, int],
                          key_lines: dict[Loc, int]) -> list[PolicyIssue]:
    issues: list[PolicyIssue] = []
    for err in exc.errors():
        loc: Loc = tuple(err["loc"])
        # pydantic puts the member of a union/tuple in the loc; keep the document path.
        loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith(("function-", "tuple["))))
        kind = err["type"]
        message = str(err["msg"]).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            message = f"unknown field {loc[-1]!r}; valid: {', '.join(_valid_fields(loc[:-1]))}"
            line = key_lines.get(loc, 0)
        elif kind == "missing":
            message = f"required field {loc[-1]!r} is missing"
            line = _nearest(lines, loc[:-1])
        else:
            line = key_lines.get(loc) or _nearest(lines, loc)
            if kind == "literal_error":
                message = f"{message} (got {err.get('input')!r})"
        issues.append(PolicyIssue(file, line, format_loc(loc), message))
    issues.sort(key=lambda i: i.line)
    return issues


def _nearest(lines: dict[Loc, int], loc: Loc) -> int:
    while loc and loc not in lines:
        loc = loc[:-1]
    return lines.get(loc, 0)


def _valid_fields(loc: Loc) -> list[str]:
    """The field names allowed at ``loc`` in the schema, for 'unknown field' errors."""
    model: Any = SocketPolicy
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return []
        model = _model_of(info.annotation)
        if model is None:
            return []
    return list(model.model_fields)


def _model_of(annotation: Any) -> Any:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
