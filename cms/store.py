"""Opening a Newsroom store: where it lives, how it is connected, how it upgrades.

A store is an SQLite file (the default, one per user) or a PostgreSQL database.
Opening one checks that it is really a Newsroom store, upgrades an older schema
with Alembic, refuses one written by a newer Newsroom, and fails within seconds
with a readable message when the database cannot be reached.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from cms import __version__
from cms.errors import StoreError, UsageError
from cms.fs import is_network_filesystem
from cms.policy import CLIENT_SETTING, POLICY_VERSION, is_secured
from cms.secrets import connectable, pgpass_path
from cms.write_errors import refused_write

# The newest migration this build knows. A test checks it against the scripts, so
# the fast path (a store already at head) never has to load Alembic.
SCHEMA_HEAD = "0009"
APP_NAME = "newsroom"
CONNECT_TIMEOUT_S = 5
CENTRAL_POOL = 1  # connections a copy keeps to its central store (README: connection budget)
SQLITE_BUSY_TIMEOUT_MS = 10_000
_SQLITE_MAGIC = b"SQLite format 3\x00"
# ``session.info`` key: the store is a secured central, whose triggers derive a story's
# photos, links and tags and number arriving revisions (cms.sync.security).
SECURED = "newsroom_secured"


# An optional check run before a connection is made or handed out and before each
# statement, on the thread that asks: the window's tests set one that fails when the
# store is touched from the GUI thread (tests/gui/threadguard.py). The core knows no Qt.
_thread_guard: Callable[[], None] | None = None


def set_thread_guard(guard: Callable[[], None] | None) -> Callable[[], None] | None:
    """Install ``guard`` (``None`` removes it); returns the one it replaces."""
    global _thread_guard
    previous, _thread_guard = _thread_guard, guard
    return previous


def _check_thread(*_args: Any, **_kwargs: Any) -> None:
    guard = _thread_guard
    if guard is not None:
        guard()


def _watch_threads(engine: Engine) -> None:
    """Run the thread guard on every connect, checkout and statement of ``engine``."""
    event.listen(engine, "do_connect", _check_thread)
    event.listen(engine, "checkout", _check_thread)
    event.listen(engine, "before_cursor_execute", _check_thread)


def store_derives(session: Session) -> bool:
    """True when the store itself projects story children and numbers revisions."""
    return bool(session.info.get(SECURED))


def default_store_path() -> Path:
    """``newsroom.db`` in the platform's user data directory."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "newsroom.db"


def resolve_store_url(value: str | None = None) -> URL:
    """The store to use: ``--store`` value > ``NEWSROOM_STORE`` > the default file.

    A value is an SQLAlchemy URL (``sqlite:///…``, ``postgresql://…``) or a plain
    file path for an SQLite store.
    """
    raw = value if value else os.environ.get("NEWSROOM_STORE") or str(default_store_path())
    return parse_store_url(raw)


def parse_store_url(raw: str) -> URL:
    """Turn a user-supplied store location into an SQLAlchemy URL, or say what is wrong."""
    raw = raw.strip()
    if not raw:
        raise UsageError("empty store location: give a file path or a database URL")
    if "\x00" in raw:
        raise UsageError("the store location contains a NUL character")
    if "://" not in raw:
        return URL.create("sqlite", database=str(Path(raw).expanduser().resolve()))
    try:
        url = make_url(raw)
        url.port  # noqa: B018 - a malformed port only fails when read
    except (ArgumentError, ValueError):
        raise UsageError(
            f"malformed store URL {_redact(raw)!r}: expected sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DATABASE"
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise UsageError("an SQLite store needs a file: sqlite:///PATH")
        return url.set(drivername="sqlite", database=str(Path(url.database).expanduser()))
    if backend in ("postgresql", "postgres"):
        if not url.database:
            raise UsageError(
                f"the PostgreSQL URL {_redact(raw)!r} names no database: add /DATABASE"
            )
        return url.set(drivername="postgresql+psycopg")
    raise UsageError(
        f"unsupported store {_redact(raw)!r}: Newsroom stores live in SQLite or PostgreSQL"
    )


def _redact(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return raw.split("@")[-1]


def describe(url: URL) -> str:
    """A store location fit for messages (never shows a password)."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    secrets = [key for key in url.query if key in ("password", "sslpassword")]
    shown = url.difference_update_query(secrets) if secrets else url
    return shown.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def store_folders(url: URL | None) -> list[Path]:
    """The folder holding an SQLite store's file (none for PostgreSQL, or no store)."""
    if url is None or url.get_backend_name() != "sqlite" or not url.database:
        return []
    return [Path(url.database).parent]


def db_error_message(exc: BaseException, url: URL | None = None) -> str:
    """One readable line for a database error, naming the store."""
    refused = refused_write(exc, store_folders(url))  # a full disk, say
    if refused is not None:
        return str(refused)
    where = f" ({describe(url)})" if url is not None else ""
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split()) or type(orig).__name__
    lowered = text.lower()
    if "readonly" in lowered or "read-only" in lowered:
        return f"the store is read-only{where}: check the file's permissions"
    if "file is not a database" in lowered or "malformed" in lowered:
        return f"the store file is corrupt or not an SQLite database{where}"
    if "database is locked" in lowered:
        return f"the store is busy (locked by another program){where}; try again"
    if "unable to open database" in lowered:
        return f"cannot open the store file{where}: check that its folder exists and is writable"
    if "role" in lowered and "does not exist" in lowered:
        return f"PostgreSQL has no such user{where}: check the user name in the URL"
    if "password authentication failed" in lowered:
        return f"PostgreSQL refused the user name or password{where}"
    if "permission denied for database" in lowered:
        return (f"this login may not connect to the desk's database{where}: it was never "
                "added to the desk, or an admin disabled it")
    if "does not exist" in lowered and "database" in lowered:
        return f"that PostgreSQL database does not exist{where}: create it first"
    if "connection" in lowered and ("refused" in lowered or "timeout" in lowered
                                    or "timed out" in lowered or "could not" in lowered
                                    or "failed" in lowered):
        return f"cannot reach the database server{where}: {text[:200]}"
    return f"database error{where}: {text[:300]}"


def _sqlite_file_check(path: Path, *, create: bool) -> None:
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a store file")
    if path.exists():
        if not os.access(path, os.R_OK):
            raise StoreError(f"cannot read the store file {path}: permission denied")
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
        if header and header != _SQLITE_MAGIC:
            raise StoreError(f"{path} is not a Newsroom store (not an SQLite database)")
        return
    if not create:
        raise StoreError(f"no Newsroom store at {path}: run `newsroom init` to create one")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder for the store {path}: {exc.strerror}") from None


def _make_engine(url: URL, connect_timeout: int = CONNECT_TIMEOUT_S, *,
                 central: bool = False) -> Engine:
    """An engine for ``url`` (a PostgreSQL password is looked up: :mod:`cms.secrets`).

    A PostgreSQL engine works behind a pooler in transaction mode (README, "The
    central store under load"), which refuses startup options and hands each
    transaction any server connection: what options would say — UTC, and the
    policy version that tells a secured central this client knows its rules — is
    said in each transaction, for that transaction, and no server-side prepared
    statements are made. ``central``: a copy's connection to its central store,
    which must fit the desk's connection budget: one connection, two at most.
    """
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        _watch_threads(engine)
        return engine
    connect_args: dict[str, object] = {
        "connect_timeout": connect_timeout,
        "application_name": APP_NAME,
        "prepare_threshold": None,
    }
    passfile = pgpass_path()
    if passfile.is_file():  # where Newsroom keeps passwords without a keyring: say so to libpq
        connect_args["passfile"] = str(passfile)
    pool: dict[str, int] = {"pool_size": CENTRAL_POOL, "max_overflow": 1} if central else {}
    engine = sa.create_engine(connectable(url), pool_pre_ping=True, connect_args=connect_args,
                              **pool)

    @event.listens_for(engine, "begin")
    def _per_transaction(connection: Connection) -> None:
        connection.exec_driver_sql(
            f"SELECT set_config('TimeZone', 'UTC', true), "
            f"set_config('{CLIENT_SETTING}', '{POLICY_VERSION}', true)")

    _watch_threads(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, a busy timeout, and real write transactions.

    pysqlite's own transaction handling begins lazily, which lets two writers
    deadlock on the lock upgrade; we issue ``BEGIN IMMEDIATE`` ourselves for
    sessions that write, so one waits (busy timeout) instead of failing.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("newsroom_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Store:
    """An open Newsroom store: an engine plus the facts read from it at open time."""

    def __init__(self, url: URL, engine: Engine, meta: dict[str, str]) -> None:
        self.url = url
        self.engine = engine
        self.meta = meta
        self._write_engine = engine.execution_options(newsroom_write=True)

    @property
    def secured(self) -> bool:
        """True for a secured central store (PostgreSQL enforces the rules itself)."""
        return is_secured(self.meta)

    @property
    def replica_id(self) -> str:
        """This store's id in replication (random, made when the store was created)."""
        return self.meta["replica_id"]

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def __repr__(self) -> str:
        return f"<Store {describe(self.url)}>"

    @classmethod
    def open(cls, location: str | URL | None = None, *, create: bool = False,
             connect_timeout: int = CONNECT_TIMEOUT_S) -> Store:
        """Open (and if needed create or upgrade) the store at ``location``."""
        url = location if isinstance(location, URL) else resolve_store_url(location)
        if url.get_backend_name() == "sqlite":
            _sqlite_file_check(Path(str(url.database)), create=create)
        engine = _make_engine(url, connect_timeout)
        try:
            with engine.connect() as connection:
                meta = _prepare(connection, url, create=create)
                if url.get_backend_name() == "sqlite":
                    _use_wal(connection, Path(str(url.database)))
        except StoreError:
            engine.dispose()
            raise
        except (DBAPIError, SQLAlchemyError) as exc:
            engine.dispose()
            raise StoreError(db_error_message(exc, url)) from exc
        return cls(url, engine, meta)

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work that may write: commits on success, rolls back on error.

        A write the disk refuses (full, read-only) is rolled back like any error and
        raised as :class:`~cms.errors.WriteRefused`, whose message says so (see
        :mod:`cms.write_errors`): every save, import, photo and sync writes here.
        """
        try:
            with Session(self._write_engine, expire_on_commit=False) as session, \
                    session.begin():
                session.info[SECURED] = self.secured
                yield session
        except DBAPIError as exc:
            refused = refused_write(exc, store_folders(self.url))
            if refused is None:
                raise
            raise refused from exc

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work (never takes the SQLite write lock)."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            session.info[SECURED] = self.secured
            yield session


def _use_wal(connection: Connection, path: Path) -> None:
    """WAL for a local store file: readers never wait for the writer.

    WAL needs shared memory that network file systems do not provide, so a
    store on one keeps its rollback journal. Only ever applied to a file that
    is known to be a Newsroom store (the mode is persistent).
    """
    if is_network_filesystem(path):
        return
    raw = connection.connection.dbapi_connection
    assert raw is not None
    mode = raw.execute("PRAGMA journal_mode").fetchone()[0]
    if str(mode).lower() != "wal":
        try:
            raw.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            pass  # a read-only file keeps its journal; reading still works


def _current_schema(connection: Connection) -> tuple[str | None, set[str]]:
    tables = set(sa.inspect(connection).get_table_names())
    if "alembic_version" not in tables:
        return None, tables
    version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return version, tables


def _prepare(connection: Connection, url: URL, *, create: bool) -> dict[str, str]:
    with connection.begin():
        version, tables = _current_schema(connection)
    if version is None and tables:
        raise StoreError(
            f"{describe(url)} is not a Newsroom store (it holds other tables); "
            "point --store at an empty database or an existing Newsroom store"
        )
    if version is None and not create:
        raise StoreError(f"{describe(url)} is empty: run `newsroom init` to create the store")
    if version != SCHEMA_HEAD:
        _upgrade(connection.execution_options(newsroom_write=True), url, version)
    with connection.begin():
        meta = dict(connection.execute(sa.text("SELECT key, value FROM store_meta")).all())
    if "replica_id" not in meta:
        meta = _initialise_meta(connection)
    return meta


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "cms:migrations")
    return config


def migration_scripts() -> Any:
    """Alembic's view of the migrations shipped with this build."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config())


def _known_revisions() -> set[str]:
    return {script.revision for script in migration_scripts().walk_revisions()}


def _upgrade(connection: Connection, url: URL, version: str | None) -> None:
    if version is not None and version not in _known_revisions():
        raise StoreError(
            f"{describe(url)} was written by a newer Newsroom (schema {version}); "
            f"this is Newsroom {__version__}: upgrade the app to open it"
        )
    from alembic import command

    config = _alembic_config()
    with connection.begin():
        if connection.dialect.name == "postgresql":
            # Two copies opening a fresh central store at once must not both migrate it.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(74110001)"))
            version, _ = _current_schema(connection)
            if version == SCHEMA_HEAD:
                return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.execute(sa.text("DELETE FROM store_meta WHERE key = 'schema_written_by'"))
        connection.execute(
            sa.text("INSERT INTO store_meta (key, value) VALUES ('schema_written_by', :v)"),
            {"v": __version__},
        )


def _initialise_meta(connection: Connection) -> dict[str, str]:
    values = {
        "replica_id": str(uuid.uuid4()),
        "incarnation": str(uuid.uuid4()),
        "created_by_version": __version__,
    }
    connection = connection.execution_options(newsroom_write=True)
    with connection.begin():
        existing: dict[str, str] = dict(
            connection.execute(sa.text("SELECT key, value FROM store_meta")).all()
        )
        for key, value in values.items():
            if key not in existing:
                connection.execute(
                    sa.text("INSERT INTO store_meta (key, value) VALUES (:k, :v)"),
                    {"k": key, "v": value},
                )
        return dict(connection.execute(sa.text("SELECT key, value FROM store_meta")).all())
