"""Engine and sessions: one per database URL, created and migrated on first use."""

from __future__ import annotations

import atexit
import os
import re
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent
# A checkout keeps migrations/ and data/ beside the package; an installed package carries them inside.
IN_CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "migrations" / "env.py").is_file()
MIGRATIONS = ROOT / "migrations" if IN_CHECKOUT else PACKAGE / "_migrations"
SEED_DIR = ROOT / "data" if IN_CHECKOUT else PACKAGE / "_data"
DEFAULT_URL = "sqlite:///data/alonchat.db"

# SQLite has no decimal type; SQLAlchemy converts through float and says so on every new column.
warnings.filterwarnings("ignore", message=".*does \\*not\\* support Decimal objects natively.*",
                        category=exc.SAWarning)

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


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
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        path = data_home() / url[len(prefix):]
        path.parent.mkdir(parents=True, exist_ok=True)
        return prefix + str(path)
    return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL + busy_timeout let the app's stream threads and a CLI write at once without "locked".
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def database_path(url: str | None = None) -> Path | None:
    """The SQLite file that `url` (default: the configured database) uses; None for other databases."""
    url = resolve_url(url or database_url())
    prefix = "sqlite:///"
    if not url.startswith(prefix) or ":memory:" in url:
        return None
    return Path(url[len(prefix):].split("?", 1)[0])


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: ALONCHAT_DATABASE_URL), migrated to head the first time."""
    url = resolve_url(url or database_url())
    engine = _engines.get(url)
    if engine is not None:
        return engine
    with _lock:
        if url not in _engines:
            engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            if not at_head(engine):
                migrate(engine)
            _engines[url] = engine
    return _engines[url]


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


def at_head(engine: Engine) -> bool:
    """Whether the database is migrated already: then no process pays for loading Alembic (bench/startup.py)."""
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == [head]
    except exc.DBAPIError:  # no database yet, or no version table: Alembic creates them
        return False


def migrate(engine: Engine) -> None:
    """Bring the schema to Alembic head; also seeds the catalog through the seed migration."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@contextmanager
def sqlite_fast_path(url: str | None = None, *, write: bool = False):
    """A pooled DB-API connection for the per-call hot path on SQLite (None elsewhere); commits on success.

    SQLAlchemy's per-statement bookkeeping costs several times SQLite's own work for a one-row
    read or write (measured), and every call pays it twice: the model lookup and the ledger row.
    """
    engine = get_engine(url)
    if engine.dialect.name != "sqlite":
        yield None
        return
    dbapi = _thread_connection(engine)
    try:
        yield dbapi
        if write:
            dbapi.commit()
    except BaseException:
        dbapi.rollback()
        raise


_fast = threading.local()
_held: set = set()  # every thread's hot-path connection, so exit (or a test) can close them all


def _thread_connection(engine: Engine):
    """This thread's own SQLite connection for the hot path, made by the engine (so with its pragmas).

    Detached from the pool: a pool checkout and reset per statement cost as much as the statement,
    and a thread keeping a pooled connection would starve the pool (Streamlit runs many threads).
    """
    held = getattr(_fast, "held", None)
    if held is not None and held[0] is engine and held[1] in _held:  # not closed by close_connections()
        return held[1]
    if held is not None:
        _close(held[1])
    fairy = engine.raw_connection()
    dbapi = fairy.driver_connection
    fairy.detach()  # ours now: the pool forgets it and closes nothing
    _fast.held = (engine, dbapi)
    with _lock:
        _held.add(dbapi)
    return dbapi


def _close(dbapi) -> None:
    with _lock:
        _held.discard(dbapi)
    try:
        dbapi.close()
    except Exception:  # a connection another thread broke is closed enough
        pass


def close_connections() -> None:
    """Close every hot-path connection and dispose the engines, checkpointing SQLite's WAL into the file.

    SQLite folds the WAL into the database only when a checkpoint runs; SQLite runs one when the
    last connection closes, and we run a TRUNCATE one first. Until then a copy of the .db file
    alone can lack whole tables. Runs at exit and at the end of every CLI command.
    """
    with _lock:
        held, engines = list(_held), list(_engines.values())
    for dbapi in held:
        _close(dbapi)
    for engine in engines:
        if engine.dialect.name == "sqlite":
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            except exc.SQLAlchemyError:  # another process holds a read: its own exit checkpoints
                pass
        engine.dispose()
    _fast.__dict__.pop("held", None)


atexit.register(close_connections)


def sessionmaker_for(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


def session(url: str | None = None) -> Session:
    """A new session on the current database; the caller owns it (`with session() as s, s.begin():`)."""
    return Session(get_engine(url), expire_on_commit=False)


def with_session(fn):
    """Run `fn(session)` on the caller's session, or on a short one of our own."""
    def wrapper(*args, session: Session | None = None, **kwargs):
        if session is not None:
            return fn(session, *args, **kwargs)
        with _new_session() as s:
            return fn(s, *args, **kwargs)
    wrapper.__doc__, wrapper.__name__ = fn.__doc__, fn.__name__
    return wrapper


def writing(fn):
    """Run `fn(session)` inside the caller's transaction, or in one of our own that commits at the end."""
    def wrapper(*args, session: Session | None = None, **kwargs):
        if session is not None:
            return fn(session, *args, **kwargs)
        with _new_session() as s, s.begin():
            return fn(s, *args, **kwargs)
    wrapper.__doc__, wrapper.__name__ = fn.__doc__, fn.__name__
    return wrapper


_new_session = session  # the wrappers' `session` keyword hides the function of that name


def reset_engines() -> None:
    """Forget cached engines (tests switch ALONCHAT_DATABASE_URL between cases)."""
    close_connections()
    with _lock:
        _engines.clear()
