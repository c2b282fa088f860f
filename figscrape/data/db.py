"""Engine, sessions and migrations. SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE for
writes (a deferred transaction that reads then writes fails with "database is locked" under
concurrent writers); any other SQLAlchemy URL (PostgreSQL for a team) is used as given."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session

from figscrape.config import Config, shown_url, without_password

CONNECT_TIMEOUT = 10  # seconds to reach a database server and start a session
BUSY_TIMEOUT = Config.db_timeout  # seconds a writer waits for the lock, unless FIGSCRAPE_DB_TIMEOUT says otherwise


class DatabaseError(RuntimeError):
    """The database cannot be used; the message says what to do."""


def make_engine(url: str, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """An engine for the URL, with SQLite set up for several processes at once."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":  # a server that accepts and never answers must not hang a command
        return create_engine(url, pool_pre_ping=True, future=True, connect_args={"connect_timeout": CONNECT_TIMEOUT})
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, future=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout}, future=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None  # SQLAlchemy, not pysqlite, emits BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        conn.exec_driver_sql("BEGIN " + conn.get_execution_options().get("sqlite_begin", "DEFERRED"))

    return engine


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; nothing it does is committed."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


_WRITERS: dict[str, threading.RLock] = {}  # one per SQLite file: this process's writers queue here, not in SQLite's busy loop
_WRITERS_GUARD = threading.Lock()


def _writer_lock(engine: Engine) -> threading.RLock:
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(str(engine.url.database), threading.RLock())


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction takes the write lock up front and commits at the end, or rolls back.
    On SQLite the threads of one process (the app's sessions) first take turns on a lock of their
    own: SQLite's busy handler sleeps up to 100 ms between tries, so 20 writers waiting in it took
    seconds for transactions of a millisecond. Other processes still wait in SQLite's busy timeout."""
    if engine.dialect.name != "sqlite":
        with Session(engine, expire_on_commit=False) as session, session.begin():
            yield session
        return
    lock = _writer_lock(engine)
    got = lock.acquire(timeout=BUSY_TIMEOUT)  # not got: SQLite's own timeout decides, as before
    try:
        with Session(engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False) as session, session.begin():
            yield session
    finally:
        if got:
            lock.release()


def _alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("figscrape.migrations")))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def head_revision(engine: Engine) -> str:
    return ScriptDirectory.from_config(_alembic_config(engine)).get_current_head() or ""


def known_revisions(engine: Engine) -> set[str]:
    """Every schema revision this figscrape's migrations know."""
    return {script.revision for script in ScriptDirectory.from_config(_alembic_config(engine)).walk_revisions()}


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except OperationalError as exc:
        raw = engine.url.render_as_string(hide_password=False)
        folder = _read_only_folder(engine.url.database) if engine.url.get_backend_name() == "sqlite" else None
        why = f"read-only file system: {folder}" if folder else without_password(str(exc.orig), raw)
        raise DatabaseError(f"cannot open the database {shown_url(raw)}: {why}") from exc


def _read_only_folder(database: str | None) -> Path | None:
    """The SQLite file's folder when it is on a read-only file system (what "unable to open" means there)."""
    if not database or database == ":memory:":
        return None
    folder = Path(database).absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return folder if os.statvfs(folder).f_flag & os.ST_RDONLY else None
    except OSError:
        return None


def integrity_problem(engine: Engine) -> str:
    """What SQLite's integrity check finds wrong with the file ("" when sound, and for other databases)."""
    if engine.dialect.name != "sqlite":
        return ""
    try:
        with engine.connect() as conn:
            rows = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check(5)").all()]
    except DBAPIError as exc:
        return str(exc.orig).splitlines()[0]
    return "" if rows == ["ok"] else "; ".join(rows)


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration; a damaged file is refused first."""
    problem = integrity_problem(engine)
    if problem:
        raise DatabaseError(f"the database {shown_url(engine.url.render_as_string(hide_password=False))} is damaged ({problem}): "
                            "restore it from a backup; nothing was changed")
    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_database(url: str, create: bool = True, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """An engine on the newest schema. A database that does not exist yet is created (create=False,
    for readers: an error that says what to run); an existing one at another schema is never changed
    here, for every command alike: an older one is refused with `figscrape db upgrade`, a newer one
    with the advice to upgrade figscrape."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # the text is not echoed: it may hold a password
        raise DatabaseError("the database URL (FIGSCRAPE_DB or --db) is not one SQLAlchemy can read: "
                            "it looks like dialect+driver://user:password@host:port/database") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if path.parent.exists() and not path.parent.is_dir():
            raise DatabaseError(f"cannot open the database {shown_url(url)}: {path.parent} is a file, not a folder")
        if not create and not path.exists():
            raise DatabaseError(f"no figscrape database at {path} yet: run `figscrape demo`, `figscrape ingest` or `figscrape crawl` first")
    try:
        engine = make_engine(url, busy_timeout)
    except OSError as exc:
        raise DatabaseError(f"cannot open the database {shown_url(url)}: {without_password(str(exc), url)}") from exc
    except NoSuchModuleError as exc:
        raise DatabaseError(f"cannot open the database {shown_url(url)}: SQLAlchemy has no dialect or driver "
                            f"{parsed.drivername!r} here (install its driver, or use postgresql+psycopg:// or sqlite:///)") from exc
    current, head = current_revision(engine), head_revision(engine)
    if current == head:
        return engine
    shown = shown_url(url)
    if current is None:
        if not create:
            raise DatabaseError(f"the database {shown} has no figscrape schema yet: run `figscrape db upgrade`")
        upgrade(engine)
        return engine
    if current not in known_revisions(engine):
        raise DatabaseError(f"the database {shown} is at schema {current}, newer than this figscrape ({head}): upgrade figscrape")
    raise DatabaseError(f"the database {shown} is at schema {current}, older than this figscrape ({head}): run `figscrape db upgrade`")
