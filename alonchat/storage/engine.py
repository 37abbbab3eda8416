"""Engine and sessions: one per database URL, created and migrated on first use."""

from __future__ import annotations

import threading
import warnings

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

# Where the database is, and the hot path's own connections: storage/sqlite.py (no SQLAlchemy there).
from .sqlite import (  # noqa: F401  (named here too: most of the engine reaches the database through this module)
    DEFAULT_URL,
    IN_CHECKOUT,
    MIGRATIONS,
    PACKAGE,
    ROOT,
    SEED_DIR,
    at_head,
    close_connections,
    configure,
    data_home,
    database_path,
    database_url,
    resolve_url,
)
from .sqlite import fast_path as sqlite_fast_path  # noqa: F401  (the name evals/runs.py uses)
from .sqlite import forget as _forget_connections

# SQLite has no decimal type; SQLAlchemy converts through float and says so on every new column.
warnings.filterwarnings("ignore", message=".*does \\*not\\* support Decimal objects natively.*",
                        category=exc.SAWarning)

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: ALONCHAT_DATABASE_URL), migrated to head the first time."""
    url = resolve_url(url or database_url())
    engine = _engines.get(url)
    if engine is not None:
        return engine
    with _lock:
        if url not in _engines:
            _engines[url] = _open(url)
    return _engines[url]


def _migrated(engine: Engine) -> bool:
    """Whether the database is at the newest migration already: then no process pays for loading Alembic."""
    try:
        with engine.connect() as conn:
            return at_head(conn.exec_driver_sql("SELECT version_num FROM alembic_version").all())
    except exc.DBAPIError:  # no database yet, or no version table: Alembic creates them
        return False


SUPPORTED = ("sqlite", "postgresql")
EXAMPLES = "sqlite:///data/alonchat.db or postgresql+psycopg://HOST:5432/DBNAME (user and password before the host)"


def _open(url: str) -> Engine:
    """A new engine, migrated; or DatabaseUnavailableError saying what is wrong with the URL or the database.

    Every message names the database with its credentials masked, and says what to change.
    """
    from sqlalchemy.engine import make_url

    from ..core.errors import DatabaseUnavailableError as Unusable
    from ..core.text import quoted, redact

    try:
        backend = make_url(url).get_backend_name()
    except (exc.ArgumentError, ValueError):
        raise Unusable(f"ALONCHAT_DATABASE_URL {quoted(redact(url), 80)} is not a database URL; use one like "
                       f"{EXAMPLES}.") from None
    if backend not in SUPPORTED:
        raise Unusable(f"AlonChat keeps its data in SQLite or PostgreSQL, not {quoted(backend)}; set "
                       f"ALONCHAT_DATABASE_URL to one, such as {EXAMPLES}.")
    path = database_path(url)
    if path is not None and not path.parent.is_dir():
        raise Unusable(f"The folder {path.parent} of the SQLite database does not exist; create it, or set "
                       "ALONCHAT_DATABASE_URL to a file in an existing folder.")
    engine = None
    try:
        engine = create_engine(url, pool_pre_ping=backend != "sqlite")
        if backend == "sqlite":
            event.listen(engine, "connect", lambda dbapi_conn, _record: configure(dbapi_conn))
        if not _migrated(engine):
            migrate(engine)
        return engine
    except (exc.OperationalError, exc.InterfaceError, exc.DatabaseError, ImportError) as e:
        if engine is not None:
            engine.dispose()
        reason = redact(str(getattr(e, "orig", None) or e).strip().splitlines()[0])
        if path is not None and "not a database" in reason:
            raise Unusable(f"{path} is not a SQLite database; set ALONCHAT_DATABASE_URL to an AlonChat database "
                           "or to a new file name.") from None
        if path is not None:
            raise Unusable(f"Could not open the SQLite database {path} ({reason}); check that the folder is "
                           "writable, or set ALONCHAT_DATABASE_URL to another file.") from None
        raise Unusable(f"Could not connect to the database {quoted(redact(url), 80)}: {reason}. Check that the "
                       "server runs and accepts connections, and ALONCHAT_DATABASE_URL.") from None


def migrate(engine: Engine) -> None:
    """Bring the schema to Alembic head; also seeds the catalog through the seed migration."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def dispose_engines() -> None:
    """Checkpoint SQLite's WAL into the file and close every engine's pooled connections (close_connections)."""
    with _lock:
        engines = list(_engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite":
            try:
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            except exc.SQLAlchemyError:  # another process holds a read: its own exit checkpoints
                pass
        engine.dispose()


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
    """Forget cached engines and connections (tests switch ALONCHAT_DATABASE_URL between cases)."""
    _forget_connections()
    with _lock:
        _engines.clear()
