"""YAML files validated by pydantic, with errors that name file, line and field.

The file is parsed with ``yaml.compose`` so that every node keeps its line; the plain
data is then validated by a pydantic model, and each problem is reported as
``file:line: field.path: message`` (with the valid choices where there are some).
Duplicate mapping keys are errors naming both lines. The one loader of policy files and
of the known-bug catalogue.

Hostile files fail fast with a located error instead of exhausting memory or time:

* the file is read with a byte limit and decoded as strict UTF-8 (a bad byte is an error
  naming its line, not a traceback);
* before anything is built, one pass over libyaml's events enforces :class:`Limits`: the
  number of nodes and the length of named sequences (a policy's ``spec.rules``), so a
  100k-rule policy is refused after reading its first 16k rules, not after building all;
* aliases are expanded against a node budget (an alias bomb, "a billion laughs", is an
  error at the alias that crosses it) and an alias inside its own anchor is an error.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]

# libyaml's parser when PyYAML has it (10x faster on big files); same nodes and marks.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Limits:
    """Bounds a YAML file must stay within (checked before it is built).

    ``max_items`` caps the length of the sequence at a path (string keys; list indices
    are written ``"*"``), e.g. ``{("spec", "rules"): 16384}``.
    """

    max_bytes: int = 16 << 20
    max_nodes: int = 100_000  # counted with every alias expanded
    max_items: Mapping[tuple[str, ...], int] = field(default_factory=dict)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class SourceIssue:
    """One problem, located in its file."""

    file: str
    line: int  # 1-based; 0 when the whole file is at fault
    field: str  # "spec.rules[2].socket.family"
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field or '<document>'}: {self.message}"


class SourceError(ValueError):
    """The file is unusable; ``issues`` lists every problem found (file, line, field)."""

    def __init__(self, issues: list[SourceIssue]):
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


@dataclass
class YamlDocument:
    """Parsed YAML plus the line of every value (``lines``) and of every mapping key."""

    file: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    key_lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """Line of the value at ``loc``, or of its nearest enclosing value."""
        loc = tuple(loc)
        while loc and loc not in self.lines:
            loc = loc[:-1]
        return self.lines.get(loc, 0)

    def where(self, loc: Loc) -> str:
        return f"{self.file}:{self.line_of(loc)}"


class _Budget:
    """Nodes still allowed while converting (aliases count once per reference)."""

    def __init__(self, file: str, limit: int) -> None:
        self.file = file
        self.limit = limit
        self.left = limit
        self.open: set[int] = set()  # ids of the nodes being converted (the current path)

    def take(self, node: yaml.Node, loc: Loc) -> None:
        self.left -= 1
        if self.left < 0:
            raise SourceError(
                [
                    SourceIssue(
                        self.file,
                        node.start_mark.line + 1,
                        format_loc(loc),
                        f"more than {self.limit} values once aliases are expanded "
                        "(an alias bomb?); write the values out or use fewer aliases",
                    )
                ]
            )


def _to_data(
    node: yaml.Node,
    loc: Loc,
    doc: YamlDocument,
    issues: list[SourceIssue],
    loader: yaml.SafeLoader,
    budget: _Budget,
) -> Any:
    budget.take(node, loc)
    doc.lines[loc] = node.start_mark.line + 1
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if id(node) in budget.open:
            # compose resolves `*a` to the node of `&a`; meeting it again on the path
            # down means the anchor contains its own alias.
            raise SourceError(
                [
                    SourceIssue(
                        doc.file,
                        node.start_mark.line + 1,
                        format_loc(loc),
                        "recursive alias: an anchored value contains an alias to itself",
                    )
                ]
            )
        budget.open.add(id(node))
        try:
            return _container(node, loc, doc, issues, loader, budget)
        finally:
            budget.open.discard(id(node))
    return loader.construct_object(node, deep=True)


def _container(
    node: yaml.MappingNode | yaml.SequenceNode,
    loc: Loc,
    doc: YamlDocument,
    issues: list[SourceIssue],
    loader: yaml.SafeLoader,
    budget: _Budget,
) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return [
            _to_data(child, loc + (i,), doc, issues, loader, budget)
            for i, child in enumerate(node.value)
        ]
    out: dict[Any, Any] = {}
    seen: dict[Any, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        # Only scalar keys are constructed: a mapping key could itself hide an alias bomb.
        key = (
            loader.construct_object(key_node, deep=True)
            if isinstance(key_node, yaml.ScalarNode)
            else None
        )
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            shown = repr(key) if isinstance(key_node, yaml.ScalarNode) else "(a collection)"
            issues.append(
                SourceIssue(
                    doc.file, line, format_loc(loc), f"mapping key {shown} must be a string"
                )
            )
            continue
        if key in seen:
            issues.append(
                SourceIssue(
                    doc.file,
                    line,
                    format_loc(loc + (key,)),
                    f"duplicate key {key!r} (first written at line {seen[key]})",
                )
            )
            continue
        seen[key] = line
        doc.key_lines[loc + (key,)] = line
        out[key] = _to_data(value_node, loc + (key,), doc, issues, loader, budget)
    return out


def _syntax_error(file: str, exc: yaml.YAMLError) -> SourceError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        return SourceError([SourceIssue(file, line, "", f"YAML syntax: {exc.problem or exc}")])
    return SourceError([SourceIssue(file, 0, "", f"YAML: {exc}")])


def check_limits(text: str, file: str, limits: Limits) -> None:
    """Walk libyaml's events once, raising SourceError as soon as ``limits`` is crossed.

    Nothing is built here, so an oversized file costs only the events read before the
    limit (a 100k-rule policy stops at rule 16385), and syntax errors surface too.
    """
    # Each open collection: [path, is_mapping, items seen, key expected next, pending key,
    # is a mapping key itself (then its end is followed by its value, not another key)]
    stack: list[list[Any]] = []
    nodes = 0
    loader = _LOADER(text)
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                if not stack.pop()[5]:
                    _after_value(stack)
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            line = event.start_mark.line + 1 if event.start_mark else 0
            nodes += 1
            if nodes > limits.max_nodes:
                raise SourceError(
                    [SourceIssue(file, line, "", f"more than {limits.max_nodes} values")]
                )
            is_key = bool(stack and stack[-1][1] and stack[-1][3])
            path: tuple[str, ...] = ()
            if is_key:
                # A mapping key: remember it as the path element of the value that follows.
                stack[-1][4] = event.value if isinstance(event, yaml.ScalarEvent) else "?"
                stack[-1][3] = False
            elif stack:
                parent = stack[-1]
                path = parent[0] + (str(parent[4]) if parent[1] else "*",)
                if not parent[1]:
                    parent[2] += 1
                    cap = limits.max_items.get(parent[0])
                    if cap is not None and parent[2] > cap:
                        raise SourceError(
                            [
                                SourceIssue(
                                    file,
                                    line,
                                    ".".join(parent[0]),
                                    f"more than {cap} entries (the limit); split the file",
                                )
                            ]
                        )
            if isinstance(event, yaml.SequenceStartEvent):
                stack.append([path, False, 0, False, None, is_key])
            elif isinstance(event, yaml.MappingStartEvent):
                stack.append([path, True, 0, True, None, is_key])
            elif not is_key:  # a scalar or alias value
                _after_value(stack)
    except yaml.YAMLError as exc:
        raise _syntax_error(file, exc) from None
    finally:
        loader.dispose()


def _after_value(stack: list[list[Any]]) -> None:
    if stack and stack[-1][1]:
        stack[-1][3] = True  # the mapping's next node is a key


def parse_yaml(text: str, file: str, limits: Limits = DEFAULT_LIMITS) -> YamlDocument:
    """Parse one YAML document keeping every value's line; raise SourceError on any problem."""
    check_limits(text, file, limits)
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise _syntax_error(file, exc) from None
    doc = YamlDocument(file, None)
    if node is None:
        return doc
    issues: list[SourceIssue] = []
    budget = _Budget(file, limits.max_nodes)
    doc.data = _to_data(node, (), doc, issues, yaml.SafeLoader(""), budget)
    if issues:
        raise SourceError(issues)
    # A key's line is the better place to point at for "extra field" style errors.
    for loc, line in doc.key_lines.items():
        doc.lines.setdefault(loc, line)
    return doc


def read_text(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """A YAML file's text: at most ``limits.max_bytes``, strict UTF-8 (errors give the line)."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        raise SourceError(
            [SourceIssue(str(p), 0, "", f"cannot read: {exc.strerror or exc}")]
        ) from None
    if len(raw) > limits.max_bytes:
        raise SourceError(
            [SourceIssue(str(p), 0, "", f"larger than {limits.max_bytes} bytes (the limit)")]
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(
            [
                SourceIssue(
                    str(p),
                    line,
                    "",
                    f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {column} ({exc.reason})",
                )
            ]
        ) from None


def load_yaml(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> YamlDocument:
    """Read and parse a YAML file (errors name this path)."""
    return parse_yaml(read_text(path, limits), str(Path(path)), limits)


def validate(model: type[M], doc: YamlDocument, data: Any = None, loc_prefix: Loc = ()) -> M:
    """``model`` built from the document (or from ``data``, the part of it at ``loc_prefix``).

    Every validation problem is reported at once, each naming file, line and field.
    """
    try:
        return model.model_validate(doc.data if data is None else data)
    except ValidationError as exc:
        raise SourceError(issues_from_pydantic(exc, doc, model, loc_prefix)) from None


def issues_from_pydantic(
    exc: ValidationError, doc: YamlDocument, model: type[BaseModel], loc_prefix: Loc = ()
) -> list[SourceIssue]:
    issues: list[SourceIssue] = []
    for err in exc.errors():
        rel: Loc = tuple(err["loc"])
        # pydantic puts the member of a union/tuple in the loc; keep the document path.
        rel = tuple(
            p for p in rel if not (isinstance(p, str) and p.startswith(("function-", "tuple[")))
        )
        loc = tuple(loc_prefix) + rel
        kind = err["type"]
        message = str(err["msg"]).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            message = (
                f"unknown field {loc[-1]!r}; valid: {', '.join(valid_fields(model, rel[:-1]))}"
            )
            line = doc.key_lines.get(loc, 0)
        elif kind == "missing":
            message = f"required field {loc[-1]!r} is missing"
            line = doc.line_of(loc[:-1])
        else:
            line = doc.key_lines.get(loc) or doc.line_of(loc)
            if kind in ("literal_error", "enum"):
                message = f"{message} (got {err.get('input')!r})"
        issues.append(SourceIssue(doc.file, line, format_loc(loc), message))
    issues.sort(key=lambda i: i.line)
    return issues


def valid_fields(model: type[BaseModel], loc: Loc) -> list[str]:
    """The field names allowed at ``loc`` (relative to ``model``), for 'unknown field' errors."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        if info is None:
            return []
        current = _model_of(info.annotation)
        if current is None:
            return []
    return list(current.model_fields)


def _model_of(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
