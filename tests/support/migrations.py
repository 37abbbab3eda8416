"""Run Alembic to a given revision on an engine, as the migration tests step a database through its history."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from alonchat.storage.engine import MIGRATIONS


def migrate_to(engine, action: str, rev: str) -> None:
    """`action` ("upgrade" or "downgrade") the database behind `engine` to revision `rev`."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, rev)
