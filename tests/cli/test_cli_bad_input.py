"""Bad input and bad settings through a real CLI process: one clear line on stderr and exit 2, never "unexpected"."""

from __future__ import annotations

import json
import socket

import pytest

from tests.support.cli_process import run


def refused(*args: str, contains: str) -> str:
    done = run(*args)
    err = done.stderr.decode()
    assert done.returncode == 2, (done.returncode, err)
    assert len(err.strip().splitlines()) == 1, err
    assert "unexpected" not in err and "bug" not in err and "Traceback" not in err, err
    assert contains in err, err
    return err


def test_a_json_import_with_a_5000_digit_integer(tmp_path):
    big = tmp_path / "models.json"
    big.write_text(json.dumps([{"name": "x", "provider": "echo", "model_id": "x"}])[:-2] + ', "context_window": '
                   + "9" * 5000 + "}]")
    refused("models", "import", str(big), contains="thousands of digits")


@pytest.mark.parametrize("args", [("usage", "show", "9" * 25), ("usage", "show", "-3"),
                                  ("audit", "--limit", "9" * 25), ("audit", "--limit", "0")])
def test_numbers_beyond_what_the_database_takes(args):
    refused(*args, contains="is out of range: give 1 to")


@pytest.mark.sqlite_only
def test_db_backup_to_proc_or_a_dangling_symlink(tmp_path):
    refused("db", "backup", "/proc/alonchat-backup.db", contains="Could not write a backup to /proc/alonchat-backup.db")
    dangling = tmp_path / "link.db"
    dangling.symlink_to(tmp_path / "nowhere" / "x.db")
    refused("db", "backup", str(dangling), contains="is a symbolic link")
    assert not (tmp_path / "nowhere").exists()


def closed_port() -> int:
    with socket.socket() as sock:  # free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("url", "says"), [
    ("postgresql+psycopg://ana:pw-secret@127.0.0.1:{port}/alonchat", "Could not connect to the database"),
    ("sqlite:///{tmp}/not-a-db.db", "is not a SQLite database"),
    ("sqlite:///{tmp}/missing/folder/alonchat.db", "does not exist; create it"),
    ("not a url at all", "is not a database URL"),
    ("postgresql+psycopg://ana:pw-secret@[::1/alonchat", "is not a database URL"),
    ("mysql://ana:pw-secret@127.0.0.1/alonchat", "SQLite or PostgreSQL, not 'mysql'"),
])
def test_a_database_url_that_names_nothing_usable(tmp_path, monkeypatch, url, says):
    (tmp_path / "not-a-db.db").write_text("these are notes, not a database\n")
    monkeypatch.setenv("ALONCHAT_DATABASE_URL", url.format(port=closed_port(), tmp=tmp_path))
    err = refused("budget", "list", contains=says)
    assert "pw-secret" not in err  # the URL's password is masked wherever the message names it
    assert not (tmp_path / "missing").exists()
