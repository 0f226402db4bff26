"""The local crash store: every triaged crash in SQLite, grouped by title like syzbot's dashboard.

A report is identified by a hash of its own text, so triaging the same log again
(or the same crash found in dmesg and in vmcore-dmesg.txt) does not count it twice.
"""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from hotfence.triage.model import Report

SCHEMA = """
CREATE TABLE IF NOT EXISTS crash (
    digest      TEXT PRIMARY KEY,   -- sha256 of the report text
    title       TEXT NOT NULL,
    type        TEXT NOT NULL,
    host        TEXT NOT NULL,
    kernel      TEXT,
    source      TEXT,               -- the file it was found in
    seen_at     REAL NOT NULL,      -- when hotfence first stored it (unix time)
    report_text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS crash_title ON crash(title);
"""


def default_path() -> Path:
    """$HOTFENCE_DB, else $XDG_DATA_HOME/hotfence/crashes.sqlite (~/.local/share/...)."""
    env = os.environ.get("HOTFENCE_DB")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hotfence" / "crashes.sqlite"


@dataclass
class CrashGroup:
    title: str
    type: str
    count: int
    first_seen: float
    last_seen: float
    hosts: list[str]
    kernels: list[str]


class CrashStore:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> CrashStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(
        self, report: Report, source: str, host: str | None = None, now: float | None = None
    ) -> bool:
        """Store one report; False when the same report was stored before."""
        digest = hashlib.sha256((report.text or report.title).encode()).hexdigest()
        with self.db:
            cur = self.db.execute(
                "INSERT OR IGNORE INTO crash VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    digest,
                    report.title,
                    report.type,
                    host or socket.gethostname(),
                    report.kernel_release,
                    source,
                    time.time() if now is None else now,
                    report.text,
                ),
            )
        return cur.rowcount == 1

    def groups(self, limit: int | None = None) -> list[CrashGroup]:
        """Crash groups by title, most recently seen first."""
        rows = self.db.execute(
            """SELECT title, type, COUNT(*), MIN(seen_at), MAX(seen_at),
                      GROUP_CONCAT(DISTINCT host), GROUP_CONCAT(DISTINCT kernel)
               FROM crash GROUP BY title ORDER BY MAX(seen_at) DESC, title
               LIMIT ?""",
            (-1 if limit is None else limit,),
        ).fetchall()
        return [
            CrashGroup(
                t,
                ty,
                n,
                first,
                last,
                sorted((hosts or "").split(",")),
                sorted(filter(None, (kernels or "").split(","))),
            )
            for t, ty, n, first, last, hosts, kernels in rows
        ]
