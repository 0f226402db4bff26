"""YAML files validated by pydantic, with errors that name file, line and field.

PyYAML's composed node tree keeps each value's position; we walk it alongside the
plain data so a pydantic error location like ``("rules", 2, "socket", "family")`` can be
reported as ``policy.yaml:14: rules[2].socket.family: ...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

M = TypeVar("M", bound=pydantic.BaseModel)


class SourceError(ValueError):
    """A file that cannot be used, with every problem as `file:line: field: message`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class YamlDocument:
    path: str
    data: Any
    lines: dict[tuple, int]  # field path -> 1-based line of its value

    def line_of(self, loc: tuple) -> int:
        """The line of the deepest known prefix of `loc` (errors on missing keys point at the parent)."""
        loc = tuple(loc)
        while loc and loc not in self.lines:
            loc = loc[:-1]
        return self.lines.get(loc, 1)

    def where(self, loc: tuple) -> str:
        return f"{self.path}:{self.line_of(loc)}"


def _index(node: yaml.Node, prefix: tuple, lines: dict[tuple, int], path: str) -> None:
    lines[prefix] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            here = key_node.start_mark.line + 1
            if key in seen:
                raise SourceError([f"{path}:{here}: {_dotted(prefix + (key,))}: duplicate key (first at line {seen[key]})"])
            seen[key] = here
            _index(value_node, prefix + (key,), lines, path)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, prefix + (i,), lines, path)


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def parse_yaml(text: str, path: str) -> YamlDocument:
    """Parse one YAML document, keeping the line of every value; syntax errors name the line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise SourceError([f"{path}:{line}: YAML syntax: {exc.problem}"]) from None
    except yaml.YAMLError as exc:
        raise SourceError([f"{path}:1: YAML: {exc}"]) from None
    lines: dict[tuple, int] = {}
    if node is not None:
        _index(node, (), lines, path)
    return YamlDocument(path=path, data=data, lines=lines)


def load_yaml(path: str | Path) -> YamlDocument:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError([f"{p}: cannot read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise SourceError([f"{p}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    return parse_yaml(text, str(p))


def validate(model: type[M], doc: YamlDocument, data: Any = None, loc_prefix: tuple = ()) -> M:
    """`model` built from the document (or from `data`, a part of it found at `loc_prefix`).

    Every validation problem is reported at once, each naming file, line and field.
    """
    try:
        return model.model_validate(doc.data if data is None else data)
    except pydantic.ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = loc_prefix + tuple(err["loc"])
            problems.append(f"{doc.where(loc)}: {_dotted(loc)}: {err['msg']}")
        raise SourceError(problems) from None
