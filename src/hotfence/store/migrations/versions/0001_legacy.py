"""The store as it was before Alembic: one `crash` table keyed by the report's digest.

`IF NOT EXISTS` on purpose: a store written by that older hotfence has this table and no
`alembic_version`, so Alembic starts here, finds the table, and 0002 migrates its rows.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE IF NOT EXISTS crash (
            digest      TEXT PRIMARY KEY,
            title       TEXT NOT NULL,
            type        TEXT NOT NULL,
            host        TEXT NOT NULL,
            kernel      TEXT,
            source      TEXT,
            seen_at     REAL NOT NULL,
            report_text TEXT NOT NULL
        )"""
    )
    op.execute("CREATE INDEX IF NOT EXISTS crash_title ON crash(title)")


def downgrade() -> None:
    op.execute("DROP TABLE crash")
