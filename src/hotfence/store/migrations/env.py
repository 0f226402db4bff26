"""Alembic environment: migrations always run on the connection the store hands in.

The store opens the transaction (under the database's write lock) before Alembic reads
the current revision, so concurrent first runs migrate once, one after the other.
"""

from __future__ import annotations

from alembic import context

from hotfence.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
