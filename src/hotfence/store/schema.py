"""The store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

The migrations in `migrations/versions` create exactly these; `test_store` checks that
the migrated schema and this metadata agree, so the two cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

host = Table(
    "host",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("machine_id", String(128), nullable=False, unique=True),
    Column("hostname", String(255), nullable=False),
    Column("kernel_release", String(255)),
    Column("distribution", String(255)),
    Column("first_seen", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
)

crash = Table(
    "crash",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("host_id", Integer, ForeignKey("host.id"), nullable=False),
    Column("digest", String(64), nullable=False),  # sha256 of the report text
    Column("title", Text, nullable=False),
    Column("type", String(64), nullable=False),
    Column("kernel_release", String(255)),
    Column("source_kind", String(16), nullable=False),  # file, journal, pstore, vmcore
    Column("source_path", Text, nullable=False),
    Column("seen_at", Float, nullable=False),  # unix time it was first stored
    Column("seen_day", Integer, nullable=False),  # seen_at // 86400, for per-day counts
    Column("known_bugs", Text, nullable=False),  # bug ids, space-separated, sorted
    UniqueConstraint("host_id", "digest", name="crash_host_digest"),
    # A group's newest crashes (drill-down).
    Index("ix_crash_title_seen", "title", "seen_at"),
    # Every group-list query (counts, hosts, kernels, known bugs, per day) reads only this
    # index, in title order: with 100,000 crashes that is 0.1 s where reading the rows
    # took 0.7 s per query.
    Index(
        "ix_crash_summary",
        "title",
        "host_id",
        "seen_at",
        "type",
        "kernel_release",
        "known_bugs",
        "seen_day",
    ),
)

# The full report lives beside its crash row, not in it: group lists and counts scan
# `crash`, and kilobytes of JSON per row there would make every scan read them all.
crash_report = Table(
    "crash_report",
    metadata,
    Column("crash_id", Integer, ForeignKey("crash.id"), primary_key=True, autoincrement=False),
    Column("report_json", Text, nullable=False),
)

known_bug = Table(
    "known_bug",
    metadata,
    Column("bug_id", String(128), primary_key=True),
    Column("summary", Text, nullable=False),
    Column("mitigations", Text, nullable=False),  # JSON list of "kind: action"
)
