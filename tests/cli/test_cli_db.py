"""The SQLite file is complete once the CLI exits, and `db backup` copies it consistently, even while others write."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from alonchat.cli import main
from alonchat.storage import engine
from tests.support.cli_process import run, wait_for

pytestmark = pytest.mark.sqlite_only  # the SQLite file itself: its WAL, its copy, its online backup


def count(path, status: str | None = None) -> int:
    con = sqlite3.connect(path)
    try:
        sql = "SELECT count(*) FROM usage_records" + (" WHERE status = ?" if status else "")
        return con.execute(sql, (status,) if status else ()).fetchone()[0]
    finally:
        con.close()


def test_a_copy_of_the_db_file_alone_holds_the_call_after_the_cli_exits(fresh_env, tmp_path):
    # The app still has the database open (so the CLI's connection is not the last one to close,
    # and SQLite's own checkpoint-on-last-close does not run): the CLI must checkpoint itself.
    app = sqlite3.connect(fresh_env)
    app.execute("SELECT count(*) FROM ai_models").fetchone()
    try:
        done = run("chat", "-m", "echo", "remember me")
        assert done.returncode == 0, done.stderr
        copy = tmp_path / "copy.db"
        shutil.copy(fresh_env, copy)  # the .db file only: no -wal, no -shm beside it
    finally:
        app.close()
    assert count(copy) == 1
    con = sqlite3.connect(copy)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_close_connections_checkpoints_what_threads_wrote(fresh_env, tmp_path):
    import threading

    from alonchat.calls.service import ai_service

    workers = [threading.Thread(target=ai_service.chat, args=("echo", f"call {i}")) for i in range(3)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    engine.close_connections()
    shutil.copy(fresh_env, tmp_path / "copy.db")
    assert count(tmp_path / "copy.db") == 3
    assert ai_service.chat("echo", "after closing").ok  # the hot path reconnects on its own


def test_db_backup_copies_a_consistent_database(fresh_env, tmp_path, capsys):
    from alonchat.calls.service import ai_service

    for i in range(5):
        ai_service.chat("echo", f"row {i}")
    target = tmp_path / "backup.db"
    assert main(["db", "backup", str(target)]) == 0
    assert "Backed up" in capsys.readouterr().out
    assert count(target) == 5


WRITER = """
import sys
from alonchat.calls.service import ai_service
print("ready", flush=True)
for i in range(int(sys.argv[1])):
    ai_service.chat("echo", f"busy {i}")
"""


def test_db_backup_while_another_process_writes(fresh_env, tmp_path):
    env_writer = subprocess.Popen([sys.executable, "-c", WRITER, "400"], cwd=engine.ROOT, stdout=subprocess.PIPE,
                                  env={**os.environ, "PYTHONPATH": str(engine.ROOT)})
    assert env_writer.stdout.readline().strip() == b"ready"
    wait_for(lambda: count(fresh_env) >= 20, what="the writer's first rows")
    target = tmp_path / "during.db"
    done = run("db", "backup", str(target))
    assert done.returncode == 0, done.stderr
    env_writer.wait(timeout=120)
    con = sqlite3.connect(target)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert 20 <= count(target) <= 400 == count(fresh_env)


def test_db_backup_refuses_an_existing_file_and_postgresql(tmp_path, monkeypatch, capsys):
    existing = tmp_path / "there.db"
    existing.write_bytes(b"keep me")
    assert main(["db", "backup", str(existing)]) == 2
    assert existing.read_bytes() == b"keep me"
    monkeypatch.setenv("ALONCHAT_DATABASE_URL", "postgresql+psycopg://postgres:pw@127.0.0.1:1/none")
    assert main(["db", "backup", str(tmp_path / "pg.db")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err and "pw@" not in err and not (tmp_path / "pg.db").exists()


def test_db_path_names_the_file_and_hides_a_password(fresh_env, monkeypatch, capsys):
    assert main(["db", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(fresh_env)
    monkeypatch.setenv("ALONCHAT_DATABASE_URL", "postgresql+psycopg://postgres:s3cret@db.example/alonchat")
    assert main(["db", "path"]) == 0
    assert "s3cret" not in capsys.readouterr().out
