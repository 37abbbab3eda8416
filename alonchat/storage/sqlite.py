"""Where the database is, and SQLite straight on the driver for the per-call hot path, with no SQLAlchemy imported.

Every call reads one catalog row and writes one ledger row (plus its rollups). On SQLite those run on a
plain sqlite3 connection per thread, with statements kept as SQL text: SQLAlchemy's bookkeeping cost
several times SQLite's own work for them, and importing it (with the ORM) takes longer than a whole
CLI call should (bench/startup.py, bench/overhead.py). The first use in a process checks the database
is at the newest migration, and leaves it to storage/engine.py (SQLAlchemy, Alembic) when it is not.
"""

from __future__ import annotations

import atexit
import os
import re
import sqlite3
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent
# A checkout keeps migrations/ and data/ beside the package; an installed package carries them inside.
IN_CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "migrations" / "env.py").is_file()
MIGRATIONS = ROOT / "migrations" if IN_CHECKOUT else PACKAGE / "_migrations"
SEED_DIR = ROOT / "data" if IN_CHECKOUT else PACKAGE / "_data"
DEFAULT_URL = "sqlite:///data/alonchat.db"
_PREFIX = "sqlite:///"
# WAL + busy_timeout let the app's stream threads and a CLI write at once without "locked".
PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA busy_timeout=10000", "PRAGMA synchronous=NORMAL",
           "PRAGMA foreign_keys=ON")


def database_url() -> str:
    return os.environ.get("ALONCHAT_DATABASE_URL") or DEFAULT_URL


def data_home() -> Path:
    """What relative SQLite paths are relative to: the checkout when run from one, else the per-user data dir.

    Never the working directory, so the CLI run from any folder and the app share one database.
    """
    if IN_CHECKOUT:
        return ROOT
    from platformdirs import user_data_path

    return user_data_path("alonchat", appauthor=False)


def resolve_url(url: str) -> str:
    """Relative SQLite paths are taken from data_home(), so the app and CLI share one file."""
    if url.startswith(_PREFIX) and not url.startswith(_PREFIX + "/") and ":memory:" not in url:
        path = data_home() / url[len(_PREFIX):]
        path.parent.mkdir(parents=True, exist_ok=True)
        return _PREFIX + str(path)
    return url


def database_path(url: str | None = None) -> Path | None:
    """The SQLite file that `url` (default: the configured database) uses; None for other databases."""
    url = resolve_url(url or database_url())
    if not url.startswith(_PREFIX) or ":memory:" in url:
        return None
    return Path(url[len(_PREFIX):].split("?", 1)[0])


def configure(dbapi_conn) -> None:
    """The pragmas every connection gets, SQLAlchemy's (a connect event) and ours alike."""
    cur = dbapi_conn.cursor()
    for pragma in PRAGMAS:
        cur.execute(pragma)
    cur.close()


_REVISION = re.compile(r"""^(down_)?revision\s*=\s*(?:None|['"]([^'"]+)['"])""", re.MULTILINE)


def head_revision() -> str | None:
    """The newest migration's id, read from the files without loading Alembic (None when there is not one head)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for down, rev in _REVISION.findall(path.read_text(encoding="utf-8")):
            if rev:
                (parents if down else revisions).add(rev)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def at_head(version_rows: list[tuple]) -> bool:
    """Whether a database whose alembic_version holds these rows is migrated already (then Alembic is not loaded)."""
    head = head_revision()
    return head is not None and [tuple(r) for r in version_rows] == [(head,)]


def bound(value):
    """A value as SQLAlchemy's types bind it on SQLite: UTC timestamps as its text form, Numeric as float.

    Rows written or ranges read straight on the driver so compare with rows SQLAlchemy wrote.
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite format, so ranges compare
    return float(value) if isinstance(value, Decimal) else value


# --- the hot path's connections: one per thread ---------------------------------------------------------

_lock = threading.Lock()
_ready: set[Path] = set()  # databases this process found at the newest migration
_local = threading.local()
_held: set[sqlite3.Connection] = set()  # every thread's connection, so exit (or a test) can close them all


def _migrated(path: Path) -> None:
    """Make sure the database exists at the newest migration: checked once per process, migrated by the engine."""
    if path in _ready:
        return
    ready = False
    if path.is_file():
        probe = sqlite3.connect(path)
        try:
            ready = at_head(probe.execute("SELECT version_num FROM alembic_version").fetchall())
        except sqlite3.Error:  # not a database of ours yet: the engine migrates it
            ready = False
        finally:
            probe.close()
    if not ready:
        from .engine import get_engine

        get_engine(_PREFIX + str(path))  # creates, migrates and seeds it (SQLAlchemy and Alembic load only now)
    with _lock:
        _ready.add(path)


def connection() -> sqlite3.Connection | None:
    """This thread's connection to the configured database when it is SQLite (None otherwise), made on first use.

    A thread keeps its connection: one per statement would cost as much as the statement, and Streamlit runs
    many threads. close_connections() (at exit, at the end of every CLI command) closes them all.
    """
    path = database_path()
    if path is None:
        return None
    held = getattr(_local, "held", None)
    if held is not None and held[0] == path and held[1] in _held:  # not closed by close_connections()
        return held[1]
    if held is not None:
        _close(held[1])
    _migrated(path)
    conn = sqlite3.connect(path, check_same_thread=False)
    configure(conn)
    _local.held = (path, conn)
    with _lock:
        _held.add(conn)
    return conn


@contextmanager
def fast_path(*, write: bool = False) -> Iterator[sqlite3.Connection | None]:
    """This thread's SQLite connection for one short read or write (None on other databases); commits on success."""
    conn = connection()
    if conn is None:
        yield None
        return
    try:
        yield conn
        if write:
            conn.commit()
    except BaseException:
        conn.rollback()
        raise


def _close(conn: sqlite3.Connection) -> None:
    with _lock:
        _held.discard(conn)
    try:
        conn.close()
    except Exception:  # a connection another thread broke is closed enough
        pass


def close_connections() -> None:
    """Close every hot-path connection and the engines, checkpointing SQLite's WAL into the file.

    SQLite folds the WAL into the database only when a checkpoint runs; SQLite runs one when the
    last connection closes, and we run a TRUNCATE one first. Until then a copy of the .db file
    alone can lack whole tables. Runs at exit and at the end of every CLI command.
    """
    with _lock:
        held = list(_held)
    for conn in held:
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:  # another process holds a read: its own exit checkpoints
            pass
        _close(conn)
    _local.__dict__.pop("held", None)
    engine = sys.modules.get("alonchat.storage.engine")  # only when this process loaded SQLAlchemy
    if engine is not None:
        engine.dispose_engines()


def forget() -> None:
    """Close everything and check the migration again on next use (tests switch databases between cases)."""
    close_connections()
    with _lock:
        _ready.clear()


atexit.register(close_connections)
