"""Which database a `--db` value names, and opening it safely for many writers.

`--db` / `$HOTFENCE_DB` is a file path (SQLite, the embedded default for one machine) or
a `postgresql://` URL (the fleet's shared store, through psycopg 3). Every failure is a
`StoreError` naming the database and the reason, so callers print one line, never a
traceback, and never lose the work that produced the crashes.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

# How long a writer waits for another writer's transaction before giving up. Triage runs
# that store thousands of reports hold the write lock for well under a second each, so a
# minute only runs out when something is truly stuck.
BUSY_TIMEOUT_S = 60.0

# Execution option marking transactions that will write (see the SQLite "begin" hook).
WRITE_OPTION = "hotfence_write"

PG_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


class StoreError(Exception):
    """The crash store cannot be used: `database` says which one, `reason` why."""

    def __init__(self, database: str, reason: str):
        super().__init__(f"crash store {database}: {reason}")
        self.database = database
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A resolved `--db`: a SQLite file or a PostgreSQL URL."""

    url: URL
    display: str  # what messages name: the path, or the URL without its password
    sqlite_path: Path | None

    @property
    def is_sqlite(self) -> bool:
        return self.sqlite_path is not None


def default_path() -> Path:
    """$XDG_DATA_HOME/hotfence/crashes.sqlite (~/.local/share/hotfence/crashes.sqlite)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hotfence" / "crashes.sqlite"


def resolve(db: str | None, *, create_parent_of_default: bool = True) -> Target:
    """`--db`, else $HOTFENCE_DB, else the default file (whose directory is created).

    A path given explicitly must name a file in an existing directory: a typo in `--db`
    must not silently start a new, empty store somewhere else.
    """
    value = db if db else os.environ.get("HOTFENCE_DB") or None
    if value and value.startswith(PG_SCHEMES):
        try:
            url = make_url(value)
        except Exception as exc:  # sqlalchemy raises ArgumentError with the reason
            raise StoreError(_mask(value), f"invalid URL: {exc}") from None
        url = url.set(drivername="postgresql+psycopg")
        return Target(url, url.render_as_string(hide_password=True), None)
    if value:
        path = Path(value).expanduser()
        if path.is_dir():
            raise StoreError(str(path), "is a directory, not a database file")
        if not path.parent.is_dir():
            raise StoreError(str(path), f"directory {path.parent} does not exist")
    else:
        path = default_path()
        if create_parent_of_default:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    str(path), f"cannot create {path.parent}: {exc.strerror}"
                ) from None
    return Target(URL.create("sqlite", database=str(path)), str(path), path)


def _mask(value: str) -> str:
    """A URL for messages: the password, if any, replaced."""
    head, sep, tail = value.partition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return value
    scheme, _, userinfo = head.partition("//")
    return f"{scheme}//{userinfo.split(':', 1)[0]}:***@{tail}"


def create(target: Target, *, readonly: bool) -> Engine:
    """An engine for `target`; read-only engines cannot write even by mistake."""
    if target.sqlite_path is not None:
        return _sqlite_engine(target.sqlite_path, readonly)
    connect_args: dict[str, Any] = {"connect_timeout": 10}
    if readonly:
        # The server refuses writes in every transaction of these sessions.
        connect_args["options"] = "-c default_transaction_read_only=on"
    return create_engine(target.url, connect_args=connect_args, pool_pre_ping=True)


def _sqlite_engine(path: Path, readonly: bool) -> Engine:
    if readonly:
        if not path.exists():
            raise StoreError(str(path), "no such database file")
        uri = f"file:{path.resolve()}?mode=ro"
    else:
        uri = f"file:{path.resolve()}?mode=rwc"

    def connect() -> sqlite3.Connection:
        # isolation_level=None: SQLAlchemy's "begin" hook below issues BEGIN itself.
        return sqlite3.connect(
            uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )

    # NullPool: a connection per use, so processes and threads never share one.
    engine = create_engine("sqlite://", creator=connect, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            # WAL: readers (serve, crashes) never block writers and the other way round.
            cur.execute("PRAGMA journal_mode = WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the write lock at BEGIN and waits for it (busy timeout) there. A
        # deferred transaction that reads first and writes later cannot wait: in WAL mode
        # SQLite fails it at once with "database is locked" if another writer committed.
        # Readers stay deferred so that they never wait for a writer.
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write and not readonly else "BEGIN")

    return engine
