"""`db`: where the database is, and a consistent copy of it while the app runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ..core.text import redact
from ..storage import engine
from . import CLIError, add_command


def register(sub) -> None:
    p = add_command(sub, "db")
    dsub = p.add_subparsers(dest="db_command", required=True)
    dsub.add_parser("path", help="print the database file (or URL) the app and the CLI share").set_defaults(
        func=run_path)
    b = dsub.add_parser("backup", help="copy the SQLite database to FILE, safe while the app runs")
    b.add_argument("file", metavar="FILE")
    b.set_defaults(func=run_backup)


def run_path(args) -> int:
    path = engine.database_path()
    print(path if path is not None else redact(engine.database_url()))
    return 0


def run_backup(args) -> int:
    source = engine.database_path()
    if source is None:
        raise CLIError("db backup copies a SQLite database; for PostgreSQL use pg_dump.")
    target = Path(args.file).expanduser()
    if target.is_symlink():  # a dangling one "does not exist", yet writing would follow it somewhere else
        raise CLIError(f"{target} is a symbolic link; give the name of a new file (nothing was written).")
    if target.exists():
        raise CLIError(f"{target} exists already; choose a new file name (nothing was written).")
    if not target.parent.is_dir():
        raise CLIError(f"{target.parent} is not a folder; create it first (nothing was written).")
    engine.get_engine()  # creates and migrates the database if this is its first use
    # SQLite's online backup API: a consistent snapshot (WAL included) even while others write.
    try:
        src = sqlite3.connect(source)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except (sqlite3.Error, OSError) as e:  # /proc, a read-only or full disk: no file that looks like a backup
        for leftover in (target, Path(f"{target}-journal"), Path(f"{target}-wal")):
            if leftover.is_file() and not leftover.is_symlink():
                leftover.unlink(missing_ok=True)
        raise CLIError(f"Could not write a backup to {target} ({e}); pick a file in a folder you can write to "
                       "(nothing was written).") from None
    print(f"Backed up {source} to {target}.")
    return 0
