"""Fleet schema: hosts, crashes per host, known-bug matches, the full report JSON (its own
table, so that scans of `crash` stay small).

The single-machine table's rows are kept: each becomes a crash of a host named after
the old `host` column (its machine-id was never recorded, so it is `legacy:<hostname>`),
with a report JSON holding what the old table had (title, type, kernel, text).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.rename_table("crash", "crash_v1")
    op.drop_index("crash_title", table_name="crash_v1")
    host = op.create_table(
        "host",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("machine_id", sa.String(128), nullable=False, unique=True),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("kernel_release", sa.String(255)),
        sa.Column("distribution", sa.String(255)),
        sa.Column("first_seen", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False),
    )
    crash = op.create_table(
        "crash",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("host_id", sa.Integer, sa.ForeignKey("host.id"), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("kernel_release", sa.String(255)),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("source_path", sa.Text, nullable=False),
        sa.Column("seen_at", sa.Float, nullable=False),
        sa.Column("seen_day", sa.Integer, nullable=False),
        sa.Column("known_bugs", sa.Text, nullable=False),
        sa.UniqueConstraint("host_id", "digest", name="crash_host_digest"),
    )
    crash_report = op.create_table(
        "crash_report",
        sa.Column(
            "crash_id", sa.Integer, sa.ForeignKey("crash.id"), primary_key=True, autoincrement=False
        ),
        sa.Column("report_json", sa.Text, nullable=False),
    )
    op.create_index("ix_crash_title_seen", "crash", ["title", "seen_at"])
    op.create_index(
        "ix_crash_summary",
        "crash",
        ["title", "host_id", "seen_at", "type", "kernel_release", "known_bugs", "seen_day"],
    )
    op.create_table(
        "known_bug",
        sa.Column("bug_id", sa.String(128), primary_key=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("mitigations", sa.Text, nullable=False),
    )

    bind = op.get_bind()
    old = bind.execute(
        sa.text(
            "SELECT digest, title, type, host, kernel, source, seen_at, report_text "
            "FROM crash_v1 ORDER BY seen_at"
        )
    ).all()
    host_ids: dict[str, int] = {}
    for digest, title, type_, hostname, kernel, source, seen_at, text in old:
        if hostname not in host_ids:
            inserted = bind.execute(
                host.insert().values(
                    machine_id=f"legacy:{hostname}",
                    hostname=hostname,
                    kernel_release=kernel,
                    distribution=None,
                    first_seen=seen_at,
                    last_seen=seen_at,
                )
            ).inserted_primary_key
            assert inserted is not None
            host_ids[hostname] = inserted[0]
        else:  # rows come oldest first
            bind.execute(
                host.update().where(host.c.id == host_ids[hostname]).values(last_seen=seen_at)
            )
        report = {"title": title, "type": type_, "kernel_release": kernel, "text": text}
        inserted = bind.execute(
            crash.insert().values(
                host_id=host_ids[hostname],
                digest=digest or hashlib.sha256(text.encode()).hexdigest(),
                title=title,
                type=type_,
                kernel_release=kernel,
                source_kind="file",
                source_path=source or "",
                seen_at=seen_at,
                seen_day=int(seen_at // 86400),
                known_bugs="",
            )
        ).inserted_primary_key
        assert inserted is not None
        bind.execute(
            crash_report.insert().values(crash_id=inserted[0], report_json=json.dumps(report))
        )
    op.drop_table("crash_v1")


def downgrade() -> None:
    raise NotImplementedError("the fleet schema cannot be turned back into the one-host table")
