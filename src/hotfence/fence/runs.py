"""The fences `fence run` enforces in the foreground, as other commands see them.

A `fence run` owns its links and maps: nothing is pinned, so `fence status` and
`fence counters`, which read pins, would say "no fence applied" while it enforces. Each
run therefore keeps a record, ``<state dir>/runs/<pid>.json``: what it enforces where,
and its counters as of its last update (it rewrites the record every
:data:`UPDATE_SECONDS` while it runs). It removes the record when it detaches; a record
whose process is gone (killed with SIGKILL: the kernel detached its links) is ignored,
and removed by `fence prune`.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hotfence.fence.backends import pinning

UPDATE_SECONDS = 2.0


def runs_dir() -> Path:
    return pinning.STATE_DIR / "runs"


def _start_ticks(pid: int) -> int | None:
    """The process's start time (field 22 of /proc/PID/stat): tells a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # comm (field 2) may hold spaces and parentheses: count from the last ')'.
    return int(stat.rsplit(")", 1)[1].split()[19])


@dataclass
class RunRecord:
    pid: int
    start_ticks: int
    cgroup: str
    cgroup_id: int
    backend: str
    policy: str
    policy_file: str
    enforce: bool
    default: str
    started: float  # time.time()
    updated: float
    rules: list[dict[str, Any]] = field(default_factory=list)  # RuleInfo + hits, denies
    events: int = 0
    lost: int = 0

    @classmethod
    def for_this_process(cls, **fields: Any) -> RunRecord:
        pid = os.getpid()
        return cls(pid=pid, start_ticks=_start_ticks(pid) or 0, **fields)

    @property
    def path(self) -> Path:
        return runs_dir() / f"{self.pid}.json"

    def write(self) -> None:
        """Atomically (write + rename), so a reader never sees half a record."""
        runs_dir().mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps(asdict(self)))
        tmp.replace(self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def alive(self) -> bool:
        return _start_ticks(self.pid) == self.start_ticks


def _records() -> list[tuple[Path, RunRecord | None]]:
    d = runs_dir()
    if not d.is_dir():
        return []
    out: list[tuple[Path, RunRecord | None]] = []
    for path in sorted(d.glob("*.json")):
        try:
            out.append((path, RunRecord(**json.loads(path.read_text()))))
        except (OSError, ValueError, TypeError):
            out.append((path, None))  # unreadable: only prune looks at it
    return out


def running() -> list[RunRecord]:
    """The runs that are enforcing now (their process is alive)."""
    return [r for _, r in _records() if r is not None and r.alive()]


def prune(dry_run: bool = False) -> list[Path]:
    """Remove the records of runs whose process is gone; returns their paths."""
    stale = [p for p, r in _records() if r is None or not r.alive()]
    if not dry_run:
        for p in stale:
            p.unlink(missing_ok=True)
    return stale
