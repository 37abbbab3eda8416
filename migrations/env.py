"""Alembic environment: runs on the engine's connection when called from alonchat.db, else on the URL."""

from alembic import context
from sqlalchemy import create_engine

from alonchat.storage.engine import database_url, resolve_url
from alonchat.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    # render_as_batch: SQLite cannot ALTER constraints in place, so Alembic rebuilds tables.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with create_engine(resolve_url(database_url())).begin() as conn:
        _run(conn)
