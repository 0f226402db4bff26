"""The crash store: every triaged crash of every host, grouped by title like syzbot's dashboard.

A crash is identified by its host and a hash of its report text, so triaging the same
log again on the same host (or finding one crash in both dmesg and vmcore-dmesg.txt)
counts it once, while the same crash on two hosts counts on both.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from hotfence.store import engine as engines
from hotfence.store.engine import StoreError, Target
from hotfence.store.records import (
    CrashGroup,
    CrashRecord,
    CrashRow,
    DailyCount,
    GroupHostCount,
    HostIdentity,
    HostRow,
    KnownBugRef,
)
from hotfence.store.schema import crash, crash_report, host, known_bug

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant works: it only has to be the same for every hotfence migrating one server.
_PG_MIGRATION_LOCK = 0x686F7466656E6365


def _alembic_config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _reason(exc: BaseException) -> str:
    """The driver's own message ("database is locked", "file is not a database", ...)."""
    orig = getattr(exc, "orig", None)
    msg = str(orig if orig is not None else exc).strip()
    return msg.splitlines()[0] if msg else type(exc).__name__


class CrashStore:
    """Open with `CrashStore.open(db)`; a context manager that disposes its engine."""

    def __init__(self, target: Target, engine: Engine, readonly: bool):
        self.target = target
        self.engine = engine
        self.readonly = readonly
        self._writer = engine.execution_options(**{engines.WRITE_OPTION: True})

    @property
    def database(self) -> str:
        return self.target.display

    @classmethod
    def open(cls, db: str | Path | None = None, *, readonly: bool = False) -> CrashStore:
        """Open (and, unless read-only, create or migrate) the store `db` names.

        Raises StoreError naming the database when it cannot be used.
        """
        target = engines.resolve(str(db) if db is not None else None)
        engine = engines.create(target, readonly=readonly)
        store = cls(target, engine, readonly)
        try:
            if readonly:
                store._check_revision()
            else:
                store._migrate()
        except StoreError:
            engine.dispose()
            raise
        except (SQLAlchemyError, OSError) as exc:
            engine.dispose()
            raise StoreError(target.display, _reason(exc)) from None
        return store

    def _migrate(self) -> None:
        with self._writer.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Concurrent first runs against one server migrate one after the other.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            if MigrationContext.configure(conn).get_current_revision() != head_revision():
                command.upgrade(_alembic_config(conn), "head")

    def _check_revision(self) -> None:
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        if current != head_revision():
            raise StoreError(
                self.database,
                f"schema revision is {current or 'none'}, this hotfence needs {head_revision()}; "
                "open it once read-write (e.g. `hotfence crashes --db ...`) to migrate it",
            )

    def revision(self) -> str | None:
        with self._conn() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> CrashStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _conn(self, write: bool = False) -> Any:
        return _Guard(self, write)

    # -- writing -------------------------------------------------------------------------

    def add(
        self, host_id: HostIdentity, records: Iterable[CrashRecord], now: float | None = None
    ) -> int:
        """Store crashes of one host in one transaction; returns how many were new."""
        if self.readonly:
            raise StoreError(self.database, "opened read-only")
        now = time.time() if now is None else now
        records = list(records)
        bugs = {b.bug_id: b for rec in records for b in rec.known_bugs}
        with self._conn(write=True) as conn:
            hid = self._upsert_host(conn, host_id, now)
            for bug in bugs.values():
                self._upsert_bug(conn, bug)
            if not records:
                return 0
            rows = [
                {
                    "host_id": hid,
                    "digest": hashlib.sha256((rec.text or rec.title).encode()).hexdigest(),
                    "title": rec.title,
                    "type": rec.type,
                    "kernel_release": rec.kernel_release or host_id.kernel_release,
                    "source_kind": rec.source_kind.value,
                    "source_path": rec.source_path,
                    "seen_at": now,
                    "seen_day": int(now // 86400),
                    "known_bugs": " ".join(sorted({b.bug_id for b in rec.known_bugs})),
                }
                for rec in records
            ]
            reports = {row["digest"]: rec.report_json for row, rec in zip(rows, records)}
            # One multi-row INSERT (SQLAlchemy's "insertmanyvalues"); RETURNING gives a row
            # only for each crash actually inserted, not for those already stored.
            stmt = (
                self._insert(crash)
                .on_conflict_do_nothing(index_elements=["host_id", "digest"])
                .returning(crash.c.id, crash.c.digest)
            )
            new = conn.execute(stmt, rows).all()
            if new:
                conn.execute(
                    crash_report.insert(),
                    [{"crash_id": cid, "report_json": reports[digest]} for cid, digest in new],
                )
            return len(new)

    def _insert(self, table: Any) -> Any:
        dialect = sqlite if self.target.is_sqlite else postgresql
        return dialect.insert(table)

    def _upsert_host(self, conn: Connection, ident: HostIdentity, now: float) -> int:
        stmt = self._insert(host).values(
            machine_id=ident.machine_id,
            hostname=ident.hostname,
            kernel_release=ident.kernel_release,
            distribution=ident.distribution,
            first_seen=now,
            last_seen=now,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["machine_id"],
            set_={
                "hostname": stmt.excluded.hostname,
                "kernel_release": stmt.excluded.kernel_release,
                "distribution": stmt.excluded.distribution,
                "last_seen": stmt.excluded.last_seen,
            },
        )
        conn.execute(stmt)
        hid = conn.execute(select(host.c.id).where(host.c.machine_id == ident.machine_id)).scalar()
        assert hid is not None
        return int(hid)

    def _upsert_bug(self, conn: Connection, bug: KnownBugRef) -> None:
        stmt = self._insert(known_bug).values(
            bug_id=bug.bug_id, summary=bug.summary, mitigations=json.dumps(list(bug.mitigations))
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["bug_id"],
                set_={"summary": stmt.excluded.summary, "mitigations": stmt.excluded.mitigations},
            )
        )

    # -- reading -------------------------------------------------------------------------

    def groups(self, limit: int | None = None, title: str | None = None) -> list[CrashGroup]:
        """Crash groups by title, most recently seen first (only `title`'s when given)."""
        q = (
            select(
                crash.c.title,
                func.min(crash.c.type),
                func.count(),
                func.min(crash.c.seen_at),
                func.max(crash.c.seen_at),
            )
            .group_by(crash.c.title)
            .order_by(func.max(crash.c.seen_at).desc(), crash.c.title)
        )
        if limit is not None:
            q = q.limit(limit)
        if title is not None:
            q = q.where(crash.c.title == title)
        with self._conn() as conn:
            rows = conn.execute(q).all()
            titles = [r[0] for r in rows]
            # Host ids from the covering index, names from the (small) host table: joining
            # host for every crash row would cost a lookup per crash.
            names = {r[0]: r[1] for r in conn.execute(select(host.c.id, host.c.hostname))}
            hosts = _by_title(
                (r[0], names[r[1]])
                for r in conn.execute(
                    select(crash.c.title, crash.c.host_id)
                    .distinct()
                    .where(crash.c.title.in_(titles))
                )
            )
            kernels = _by_title(
                conn.execute(
                    select(crash.c.title, crash.c.kernel_release)
                    .distinct()
                    .where(crash.c.title.in_(titles), crash.c.kernel_release.is_not(None))
                )
            )
            bug_ids = _by_title(
                conn.execute(
                    select(crash.c.title, crash.c.known_bugs)
                    .distinct()
                    .where(crash.c.title.in_(titles), crash.c.known_bugs != "")
                )
            )
            bugs = self._bugs(conn, {b for v in bug_ids.values() for s in v for b in s.split()})
        return [
            CrashGroup(
                title=t,
                type=ty,
                count=n,
                first_seen=first,
                last_seen=last,
                hosts=sorted(hosts.get(t, [])),
                kernels=sorted(kernels.get(t, [])),
                known_bugs=[
                    bugs[b]
                    for b in sorted({b for s in bug_ids.get(t, []) for b in s.split()})
                    if b in bugs
                ],
            )
            for t, ty, n, first, last in rows
        ]

    @staticmethod
    def _bugs(conn: Connection, ids: set[str]) -> dict[str, KnownBugRef]:
        if not ids:
            return {}
        rows = conn.execute(select(known_bug).where(known_bug.c.bug_id.in_(sorted(ids)))).all()
        return {
            r.bug_id: KnownBugRef(r.bug_id, r.summary, tuple(json.loads(r.mitigations)))
            for r in rows
        }

    def group(self, title: str) -> CrashGroup | None:
        found = self.groups(title=title)
        return found[0] if found else None

    def crashes(
        self, *, title: str | None = None, host_id: int | None = None, limit: int = 100
    ) -> list[CrashRow]:
        """Crashes of one group or one host, newest first."""
        q = _crash_select().order_by(crash.c.seen_at.desc(), crash.c.id.desc()).limit(limit)
        if title is not None:
            q = q.where(crash.c.title == title)
        if host_id is not None:
            q = q.where(crash.c.host_id == host_id)
        with self._conn() as conn:
            return [_crash_row(r) for r in conn.execute(q)]

    def crash(self, crash_id: int) -> CrashRow | None:
        """One crash with its full report JSON."""
        q = (
            _crash_select()
            .add_columns(crash_report.c.report_json)
            .outerjoin(crash_report, crash_report.c.crash_id == crash.c.id)
            .where(crash.c.id == crash_id)
        )
        with self._conn() as conn:
            row = conn.execute(q).first()
        if row is None:
            return None
        found = _crash_row(row)
        found.report_json = row[-1] or "{}"
        return found

    def hosts(self) -> list[HostRow]:
        counts = (
            select(crash.c.host_id, func.count().label("n")).group_by(crash.c.host_id).subquery()
        )
        q = (
            select(host, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.host_id == host.c.id)
            .order_by(host.c.last_seen.desc(), host.c.hostname)
        )
        with self._conn() as conn:
            return [_host_row(r) for r in conn.execute(q)]

    def host(self, host_id: int) -> HostRow | None:
        q = (
            select(host, select(func.count()).where(crash.c.host_id == host.c.id).scalar_subquery())
        ).where(host.c.id == host_id)
        with self._conn() as conn:
            row = conn.execute(q).first()
        return _host_row(row) if row is not None else None

    def daily_counts(self, title: str | None = None) -> list[DailyCount]:
        """Crashes per day per group (days since the epoch, UTC)."""
        q = (
            select(crash.c.title, crash.c.seen_day, func.count())
            .group_by(crash.c.title, crash.c.seen_day)
            .order_by(crash.c.seen_day, crash.c.title)
        )
        if title is not None:
            q = q.where(crash.c.title == title)
        with self._conn() as conn:
            return [DailyCount(t, d, n) for t, d, n in conn.execute(q)]

    def group_host_counts(self) -> list[GroupHostCount]:
        """Crash counts per (group, host), for Prometheus."""
        q = (
            select(crash.c.title, host.c.hostname, host.c.machine_id, func.count())
            .join(host, host.c.id == crash.c.host_id)
            .group_by(crash.c.title, host.c.hostname, host.c.machine_id)
        )
        with self._conn() as conn:
            return [GroupHostCount(t, h, m, n) for t, h, m, n in conn.execute(q)]

    def version(self) -> tuple[Any, ...]:
        """Changes whenever a crash is stored or a host is updated (the store never deletes)."""
        with self._conn() as conn:
            crash_max = conn.execute(select(func.max(crash.c.id))).scalar()
            host_max = conn.execute(select(func.count(), func.max(host.c.last_seen))).one()
        return (crash_max, host_max[0], host_max[1])

    def count(self) -> int:
        with self._conn() as conn:
            return int(conn.execute(select(func.count()).select_from(crash)).scalar() or 0)


class _Guard:
    """A transaction whose database errors become StoreError naming the database."""

    def __init__(self, store: CrashStore, write: bool):
        self.store = store
        self.write = write
        self.ctx: Any = None

    def __enter__(self) -> Connection:
        try:
            self.ctx = (self.store._writer if self.write else self.store.engine).begin()
            conn: Connection = self.ctx.__enter__()
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(self.store.database, _reason(exc)) from None
        return conn

    def __exit__(self, et: Any, ev: Any, tb: Any) -> None:
        try:
            self.ctx.__exit__(et, ev, tb)
        except (SQLAlchemyError, OSError) as exc:
            raise StoreError(self.store.database, _reason(exc)) from None
        if isinstance(ev, SQLAlchemyError | OSError):
            raise StoreError(self.store.database, _reason(ev)) from None


def _by_title(rows: Iterable[Sequence[Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(row[1])
    return out


def _crash_select() -> Any:
    return select(
        crash.c.id,
        crash.c.title,
        crash.c.type,
        host.c.hostname,
        crash.c.host_id,
        crash.c.kernel_release,
        crash.c.source_kind,
        crash.c.source_path,
        crash.c.seen_at,
        crash.c.known_bugs,
    ).join(host, host.c.id == crash.c.host_id)


def _crash_row(r: Sequence[Any]) -> CrashRow:
    return CrashRow(
        id=r[0],
        title=r[1],
        type=r[2],
        hostname=r[3],
        host_id=r[4],
        kernel_release=r[5],
        source_kind=r[6],
        source_path=r[7],
        seen_at=r[8],
        known_bug_ids=r[9].split(),
    )


def _host_row(r: Sequence[Any]) -> HostRow:
    return HostRow(
        id=r[0],
        machine_id=r[1],
        hostname=r[2],
        kernel_release=r[3],
        distribution=r[4],
        first_seen=r[5],
        last_seen=r[6],
        crash_count=int(r[7]),
    )
