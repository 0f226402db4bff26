"""YAML files validated by pydantic, with errors that name file, line and field.

The file is parsed with ``yaml.compose`` so that every node keeps its line; the plain
data is then validated by a pydantic model, and each problem is reported as
``file:line: field.path: message`` (with the valid choices where there are some).
Duplicate mapping keys are errors naming both lines. Used by policy files and by the
known-bug catalogue.
"""

from __future__ import annotations

import typing
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


def _to_data(
    node: yaml.Node, loc: Loc, doc: YamlDocument, issues: list[SourceIssue], loader: yaml.SafeLoader
) -> Any:
    doc.lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, (str, int)):
                issues.append(
                    SourceIssue(
                        doc.file, line, format_loc(loc), f"mapping key {key!r} must be a string"
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
            out[key] = _to_data(value_node, loc + (key,), doc, issues, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _to_data(child, loc + (i,), doc, issues, loader) for i, child in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document keeping every value's line; raise SourceError on any problem."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise SourceError(
            [SourceIssue(file, line, "", f"YAML syntax: {exc.problem or exc}")]
        ) from None
    except yaml.YAMLError as exc:
        raise SourceError([SourceIssue(file, 0, "", f"YAML: {exc}")]) from None
    doc = YamlDocument(file, None)
    if node is None:
        return doc
    issues: list[SourceIssue] = []
    doc.data = _to_data(node, (), doc, issues, yaml.SafeLoader(""))
    if issues:
        raise SourceError(issues)
    # A key's line is the better place to point at for "extra field" style errors.
    for loc, line in doc.key_lines.items():
        doc.lines.setdefault(loc, line)
    return doc


def load_yaml(path: str | Path) -> YamlDocument:
    """Read and parse a YAML file (errors name this path)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(
            [SourceIssue(str(p), 0, "", f"cannot read: {exc.strerror or exc}")]
        ) from None
    except UnicodeDecodeError as exc:
        raise SourceError(
            [SourceIssue(str(p), 0, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
        ) from None
    return parse_yaml(text, str(p))


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
