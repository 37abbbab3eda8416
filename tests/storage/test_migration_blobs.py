"""Migration 0016_one_blob_store on an existing database (SQLite and PostgreSQL): eval case files' bytes move into
the one blob table, stored once however many sets and conversations carry them, and the evals code finds them there."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import create_engine, inspect, text

from alonchat import conversations
from alonchat.evals import sets
from alonchat.storage import engine as db
from tests.support.migrations import KINDS, migrate_to, scratch_database

PHOTO, NOTES, SHARED, CHAT_ONLY = b"\x89PNG eval photo", b"Bonjour, merci.", b"%PDF shared by both", b"chat only"


def key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(params=KINDS)
def url(request, tmp_path):
    yield from scratch_database(request.param, tmp_path)


def blobs(conn, table: str) -> dict[str, bytes]:
    return {r.sha256: bytes(r.data) for r in conn.execute(text(f"SELECT sha256, data FROM {table}"))}


def seed_at_0015(engine) -> int:
    """A database as 0015 left it: an eval set with three files (one also a conversation's attachment) in
    eval_blobs, and a conversation with two attachments in attachment_blobs. Returns the set's id."""
    migrate_to(engine, "upgrade", "0015_layout")
    with engine.begin() as conn:
        run = conn.execute
        for data in (PHOTO, NOTES, SHARED):
            run(text("INSERT INTO eval_blobs (sha256, size, data) VALUES (:k, :n, :d)"),
                {"k": key(data), "n": len(data), "d": data})
        for data in (SHARED, CHAT_ONLY):
            run(text("INSERT INTO attachment_blobs (sha256, size, data) VALUES (:k, :n, :d)"),
                {"k": key(data), "n": len(data), "d": data})
        run(text("INSERT INTO eval_sets (name, version, description, owner, team, prompts, checks, columns, "
                 "case_count, digest, source, created_at) VALUES ('files', 1, '', 'tester', '', "
                 "'[{\"user\": \"Describe {{img}}\"}]', '[]', '[\"img\"]', 1, 'd', 'manual', '2026-12-01 10:00:00')"))
        set_id = run(text("SELECT id FROM eval_sets")).scalar()
        run(text("INSERT INTO eval_cases (set_id, idx, data) VALUES (:s, 0, '{\"vars\": {\"img\": \"file://a.png\"}}')"),
            {"s": set_id})
        for ref, media, data in (("a.png", "image/png", PHOTO), ("n.txt", "text/plain", NOTES),
                                 ("s.pdf", "application/pdf", SHARED)):
            run(text("INSERT INTO eval_files (set_id, ref, name, media_type, sha256) VALUES (:s, :r, :r, :m, :k)"),
                {"s": set_id, "r": ref, "m": media, "k": key(data)})
        run(text("INSERT INTO conversations (title, \"user\", created_at, updated_at) "
                 "VALUES ('chat', 'tester', '2026-12-01 10:00:00', '2026-12-01 10:00:00')"))
        conv = run(text("SELECT id FROM conversations")).scalar()
        run(text("INSERT INTO messages (conversation_id, pane, model_name, role, content, status, created_at) "
                 "VALUES (:c, 0, 'echo', 'user', 'look', 'ok', '2026-12-01 10:00:00')"), {"c": conv})
        message = run(text("SELECT id FROM messages")).scalar()
        for name, data in (("s.pdf", SHARED), ("c.txt", CHAT_ONLY)):
            run(text("INSERT INTO message_attachments (message_id, name, media_type, sha256) "
                     "VALUES (:m, :n, 'application/octet-stream', :k)"), {"m": message, "n": name, "k": key(data)})
    return set_id


def test_eval_files_move_into_the_one_blob_store_and_back(url, monkeypatch):
    engine = create_engine(url)
    set_id = seed_at_0015(engine)
    migrate_to(engine, "upgrade", "head")
    with engine.connect() as conn:
        assert "eval_blobs" not in inspect(conn).get_table_names()
        stored = blobs(conn, "attachment_blobs")
        assert stored == {key(d): d for d in (PHOTO, NOTES, SHARED, CHAT_ONLY)}  # each once, no bytes lost
        fks = inspect(conn).get_foreign_keys("eval_files")
        assert {(fk["referred_table"], tuple(fk["constrained_columns"])) for fk in fks} >= {
            ("attachment_blobs", ("sha256",))}

    monkeypatch.setenv("ALONCHAT_DATABASE_URL", url)  # the evals code, on the migrated database
    db.reset_engines()
    found = sets.get(set_id)
    assert found.files["n.txt"].text == NOTES.decode()
    assert [sets.file_bytes(found.files[ref].sha256) for ref in ("a.png", "s.pdf")] == [PHOTO, SHARED]
    assert conversations.load(conversations.list_for()[0].id).messages[0].attachments[0].data == SHARED
    db.reset_engines()

    migrate_to(engine, "downgrade", "0015_layout")
    with engine.connect() as conn:
        assert blobs(conn, "eval_blobs") == {key(d): d for d in (PHOTO, NOTES, SHARED)}
        assert blobs(conn, "attachment_blobs") == {key(d): d for d in (SHARED, CHAT_ONLY)}  # as 0015 had them
    migrate_to(engine, "upgrade", "head")
    with engine.connect() as conn:
        assert set(blobs(conn, "attachment_blobs")) == {key(d) for d in (PHOTO, NOTES, SHARED, CHAT_ONLY)}
    engine.dispose()
