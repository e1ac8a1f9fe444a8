"""Shared fixtures: an isolated home for every test, real SQLite and PostgreSQL stores.

PostgreSQL tests read the server's URL from ``NEWSROOM_TEST_PG`` (for example
``postgresql://postgres@127.0.0.1:5432/test``), create a database of their own
and drop it afterwards; they are skipped only when the variable is unset.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import make_url

from cms.people import Actor, actor_for

if TYPE_CHECKING:
    import psycopg
from cms.store import Store

PG_ENV = "NEWSROOM_TEST_PG"

# Source that starts other processes: a subprocess, a process pool, the app's own helpers.
_PROCESS_WORDS = re.compile(r"\bsubprocess\b|sys\.executable|multiprocessing|ProcessPool"
                            r"|photo_workers|pgserver|Popen")
_PG_WORDS = re.compile(r"\bPG_ENV\b|NEWSROOM_TEST_PG|\bpgserver\b")


@cache
def _module_kinds(path: Path) -> frozenset[str]:
    source = path.read_text(encoding="utf-8")
    kinds = set()
    if _PROCESS_WORDS.search(source):
        kinds.add("process")
    if _PG_WORDS.search(source):
        kinds.add("pg")
    return frozenset(kinds)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test by what it needs, so ``-m fast`` runs the quick unit tests alone.

    ``gui``: it drives Qt (it uses ``qtbot``, ``qapp`` or ``qtmodeltester``); ``pg``: it
    needs a PostgreSQL server; ``process``: its module starts other processes; ``slow``:
    packaging builds.
    A test with none of these is ``fast``. Marks written by hand are kept.
    """
    for item in items:
        kinds = set(_module_kinds(Path(str(item.fspath))))
        if {"qtbot", "qapp", "qtmodeltester"} & set(getattr(item, "fixturenames", ())):
            kinds.add("gui")
        if "pg_url" in getattr(item, "fixturenames", ()):
            kinds.add("pg")
        kinds |= {mark.name for mark in item.iter_markers()} & {"gui", "pg", "slow",
                                                                 "pg_restart"}
        for kind in sorted(kinds - {mark.name for mark in item.iter_markers()}):
            item.add_marker(kind)
        if not kinds:
            item.add_marker("fast")


@pytest.fixture(autouse=True)
def gui_thread_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """In every test that drives widgets: the window never touches the store on the GUI thread.

    See ``tests/gui/threadguard.py``; the test fails listing where it happened.
    """
    if "qtbot" not in request.fixturenames:
        yield
        return
    from cms.store import set_thread_guard
    from tests.gui.threadguard import GuiThreadGuard

    guard = GuiThreadGuard()
    previous = set_thread_guard(guard)
    try:
        yield
    finally:
        set_thread_guard(previous)
    if guard.offences:
        pytest.fail("the window touched the store on the GUI thread:\n\n" + guard.report(),
                    pytrace=False)


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point HOME, XDG folders and Newsroom's variables at a fresh temporary folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (("XDG_DATA_HOME", ".local/share"), ("XDG_CONFIG_HOME", ".config"),
                     ("XDG_CACHE_HOME", ".cache"), ("XDG_STATE_HOME", ".local/state")):
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.delenv("NEWSROOM_STORE", raising=False)
    monkeypatch.setenv("NEWSROOM_USER", "tester")
    return home


def _admin_connect(url: str) -> psycopg.Connection:
    import psycopg

    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host or "127.0.0.1", port=parsed.port or 5432,
        user=parsed.username or "postgres", password=parsed.password,
        dbname=parsed.database or "postgres", autocommit=True, connect_timeout=5,
    )


def create_pg_database(base_url: str) -> str:
    """Create an empty database on the test server; return its SQLAlchemy URL."""
    name = f"newsroom_test_{uuid.uuid4().hex[:12]}"
    with _admin_connect(base_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(base_url).set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False
    )


def drop_pg_database(base_url: str, url: str) -> None:
    """Drop a database made by :func:`create_pg_database` (closing its connections)."""
    name = make_url(url).database
    with _admin_connect(base_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database (dropped afterwards)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    url = create_pg_database(base)
    try:
        yield url
    finally:
        drop_pg_database(base, url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """The path of a new SQLite store file (not created yet)."""
    return str(tmp_path / "newsroom.db")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A store location on each backend: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "newsroom.db")
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open, empty store on each backend."""
    opened = Store.open(store_url, create=True)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Store]:
    """An open, empty SQLite store (for tests that are about SQLite only)."""
    opened = Store.open(sqlite_url, create=True)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def actor(store: Store) -> Actor:
    """The first person on the store (its admin)."""
    with store.session() as session:
        return actor_for(session, "tester", store.replica_id)
