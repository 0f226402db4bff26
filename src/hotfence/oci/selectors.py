"""The selectors of a policy directory, without loading the policy schema per container.

``hotfence-runc create`` runs for every container, so it must not validate every policy
file each time. The validated selectors are kept in a small JSON index beside the
fences' state (``$HOTFENCE_STATE_DIR/../runtime/``, i.e. ``/run/hotfence/runtime/``),
keyed by each file's inode, size and mtime; a file that changed is validated again (and
an invalid one is an error naming its line, every time, until it is fixed).

Only os and json at import, for the same reason (see :mod:`.meta`).
"""

from __future__ import annotations

import json
import os

from hotfence.oci.common import runtime_dir

# typing itself costs start-up; mypy reads any TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

INDEX_VERSION = 1


class SelectorError(RuntimeError):
    pass


class Entry:
    """One policy with a selector (a plain class: see :mod:`.meta` on imports)."""

    __slots__ = ("file", "selector", "failure")

    def __init__(self, file: str, selector: dict[str, Any], failure: str) -> None:
        self.file = file
        self.selector = selector  # Selector.model_dump(), for meta.matches
        self.failure = failure  # "closed" | "open"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entry) and (self.file, self.selector, self.failure) == (
            other.file,
            other.selector,
            other.failure,
        )

    __hash__ = None  # type: ignore[assignment]  # the selector is a dict

    def __repr__(self) -> str:
        return f"Entry({self.file!r}, {self.selector!r}, {self.failure!r})"


def _index_path(policy_dir: str) -> str:
    key = os.path.realpath(policy_dir).strip("/").replace("/", "_")
    return os.path.join(runtime_dir(), f"selectors-{key}.json")


def _stamp(st: os.stat_result) -> list[int]:
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _validate(path: str) -> dict[str, Any]:
    from hotfence.fence.policy import PolicyError, load_policy

    try:
        p = load_policy(path)
    except PolicyError as exc:
        where = os.path.dirname(path)
        raise SelectorError(f"invalid policy in {where}, nothing started:\n{exc}") from None
    sel = p.model.spec.selector
    return {
        "selector": None if sel is None else sel.model_dump(exclude_none=True),
        "failure": p.model.spec.failure,
    }


def entries(policy_dir: str | os.PathLike[str]) -> list[Entry]:
    """The policies with a selector in ``policy_dir``, in file-name order."""
    d = os.fspath(policy_dir)
    if not os.path.isdir(d):
        return []
    index_path = _index_path(d)
    try:
        with open(index_path, "rb") as f:
            index = json.load(f)
        if index.get("version") != INDEX_VERSION:
            index = {}
    except (OSError, ValueError):
        index = {}
    files: dict[str, Any] = index.get("files", {})
    fresh: dict[str, Any] = {}
    out: list[Entry] = []
    with os.scandir(d) as it:
        found = sorted((e.name, e.path) for e in it)
    for name, path in found:
        if not name.endswith((".yaml", ".yml")) or not os.path.isfile(path):
            continue
        stamp = _stamp(os.stat(path))
        known = files.get(path)
        if known is None or known["stamp"] != stamp:
            known = {"stamp": stamp, **_validate(path)}
        fresh[path] = known
        if known["selector"] is not None:
            out.append(Entry(path, known["selector"], known["failure"]))
    if fresh != files:
        try:
            os.makedirs(os.path.dirname(index_path), exist_ok=True)
            tmp = os.path.join(
                os.path.dirname(index_path), f".{os.path.basename(index_path)}.{os.getpid()}"
            )
            with open(tmp, "w") as f:
                json.dump({"version": INDEX_VERSION, "files": fresh}, f)
            os.replace(tmp, index_path)
        except OSError:
            pass  # a read-only /run only costs speed
    return out
