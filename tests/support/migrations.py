"""Run Alembic to a given revision on an engine, as the migration tests step a database through its history, on a
scratch database of each kind."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from alonchat.storage.engine import MIGRATIONS

PG = os.environ.get("ALONCHAT_TEST_POSTGRES_URL")
KINDS = ["sqlite", "postgresql"]


def migrate_to(engine, action: str, rev: str) -> None:
    """`action` ("upgrade" or "downgrade") the database behind `engine` to revision `rev`."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, rev)


def scratch_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of `kind` (a file in `tmp_path`, or a new database on the PostgreSQL test
    server, dropped afterwards; skips without one): for a fixture parametrized over KINDS to yield from."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    if not PG:
        pytest.skip("set ALONCHAT_TEST_POSTGRES_URL to test on PostgreSQL")
    name = f"alonchat_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()
