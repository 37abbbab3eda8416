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
            engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", lambda dbapi_conn, _record: configure(dbapi_conn))
            if not _migrated(engine):
                migrate(engine)
            _engines[url] = engine
    return _engines[url]


def _migrated(engine: Engine) -> bool:
    """Whether the database is at the newest migration already: then no process pays for loading Alembic."""
    try:
        with engine.connect() as conn:
            return at_head(conn.exec_driver_sql("SELECT version_num FROM alembic_version").all())
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
