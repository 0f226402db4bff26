"""The selectors of a policy directory, without loading the policy schema per container.

``hotfence-runc create`` runs for every container, so it must not validate every policy
file each time. The validated selectors are kept in a small JSON index beside the
fences' state (``$HOTFENCE_STATE_DIR/../runtime/``, i.e. ``/run/hotfence/runtime/``),
keyed by each file's inode, size and mtime; a file that changed is validated again (and
an invalid one is an error naming its line, every time, until it is fixed).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INDEX_VERSION = 1


class SelectorError(RuntimeError):
    pass


@dataclass(frozen=True)
class Entry:
    file: str
    selector: dict[str, Any]  # Selector.model_dump(), for meta.matches
    failure: str  # "closed" | "open"


def _index_path(policy_dir: Path) -> Path:
    state = Path(os.environ.get("HOTFENCE_STATE_DIR", "/run/hotfence/fence"))
    key = str(policy_dir.resolve()).strip("/").replace("/", "_")
    return state.parent / "runtime" / f"selectors-{key}.json"


def _stamp(st: os.stat_result) -> list[int]:
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _validate(path: Path) -> dict[str, Any]:
    from hotfence.fence.policy import PolicyError, load_policy

    try:
        p = load_policy(path)
    except PolicyError as exc:
        raise SelectorError(f"invalid policy in {path.parent}, nothing started:\n{exc}") from None
    sel = p.model.spec.selector
    return {
        "selector": None if sel is None else sel.model_dump(exclude_none=True),
        "failure": p.model.spec.failure,
    }


def entries(policy_dir: str) -> list[Entry]:
    """The policies with a selector in ``policy_dir``, in file-name order."""
    d = Path(policy_dir)
    if not d.is_dir():
        return []
    index_path = _index_path(d)
    try:
        index = json.loads(index_path.read_text())
        if index.get("version") != INDEX_VERSION:
            index = {}
    except (OSError, ValueError):
        index = {}
    files: dict[str, Any] = index.get("files", {})
    fresh: dict[str, Any] = {}
    out: list[Entry] = []
    for f in sorted(d.iterdir()):
        if f.suffix not in (".yaml", ".yml") or not f.is_file():
            continue
        stamp = _stamp(f.stat())
        known = files.get(str(f))
        if known is None or known["stamp"] != stamp:
            known = {"stamp": stamp, **_validate(f)}
        fresh[str(f)] = known
        if known["selector"] is not None:
            out.append(Entry(str(f), known["selector"], known["failure"]))
    if fresh != files:
        try:
            index_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = index_path.with_name(f".{index_path.name}.{os.getpid()}")
            tmp.write_text(json.dumps({"version": INDEX_VERSION, "files": fresh}))
            os.replace(tmp, index_path)
        except OSError:
            pass  # a read-only /run only costs speed
    return out
