"""Opening stores: creation, migrations, foreign and newer stores, bad locations."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cms.errors import StoreError, UsageError
from cms.models import Base
from cms.store import SCHEMA_HEAD, Store, migration_scripts, parse_store_url, resolve_store_url


def test_schema_head_constant_matches_the_migration_scripts() -> None:
    assert migration_scripts().get_heads() == [SCHEMA_HEAD]


def test_migrations_build_exactly_the_models(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diffs = [
            d for d in compare_metadata(context, Base.metadata)
            # Search machinery is dialect-specific and lives outside the models on purpose.
            if "search" not in repr(d) and "alembic_version" not in repr(d)
        ]
    assert diffs == []


def test_a_new_store_has_a_replica_id_and_seeded_workflow(store: Store) -> None:
    assert len(store.replica_id) == 36
    with store.reading() as session:
        roles = session.execute(sa.text("SELECT name FROM roles ORDER BY rank")).scalars().all()
        moves = session.execute(sa.text("SELECT count(*) FROM workflow_transitions")).scalar()
    assert roles == ["reporter", "editor", "desk_chief", "admin"]
    assert moves and moves > 10


def test_reopening_keeps_the_replica_id(store_url: str) -> None:
    first = Store.open(store_url, create=True)
    replica = first.replica_id
    first.close()
    with Store.open(store_url) as again:
        assert again.replica_id == replica


def test_a_missing_store_is_not_created_without_init(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run `newsroom init`"):
        Store.open(str(tmp_path / "missing.db"))
    assert not (tmp_path / "missing.db").exists()


def test_a_foreign_sqlite_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a Newsroom store"):
        Store.open(str(path), create=True)
    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n")
    with pytest.raises(StoreError, match="not an SQLite database"):
        Store.open(str(path))
    assert path.read_text().startswith("these are my notes")


def test_a_corrupt_store_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    Store.open(str(path), create=True).close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # smash the schema page, keep the header
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"corrupt|not an SQLite|not a Newsroom"):
        Store.open(str(path))


def test_a_store_from_a_newer_newsroom_is_refused(store_url: str) -> None:
    Store.open(store_url, create=True).close()
    store = Store.open(store_url)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    with pytest.raises(StoreError, match="newer Newsroom"):
        Store.open(store_url)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write read-only files")
def test_a_read_only_store_can_be_read_but_not_written(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    Store.open(str(path), create=True).close()
    path.chmod(0o444)
    tmp_path.chmod(0o555)
    try:
        with Store.open(str(path)) as store, store.reading() as session:
            assert session.execute(sa.text("SELECT count(*) FROM stories")).scalar() == 0
    finally:
        tmp_path.chmod(0o755)


def test_store_location_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSROOM_STORE", str(tmp_path / "env.db"))
    assert resolve_store_url(str(tmp_path / "flag.db")).database == str(tmp_path / "flag.db")
    assert resolve_store_url(None).database == str(tmp_path / "env.db")
    monkeypatch.delenv("NEWSROOM_STORE")
    default = resolve_store_url(None).database
    assert default is not None and default.endswith(os.path.join("newsroom", "newsroom.db"))


@pytest.mark.parametrize(
    "bad",
    ["mysql://root@localhost/x", "postgresql://", "sqlite://", "://nothing", "   ",
     "postgresql://x:y@[::1", "postgresql://u@host:notaport/db"],
)
def test_malformed_or_unsupported_urls_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_store_url(bad)


def test_postgres_urls_use_psycopg_3() -> None:
    assert parse_store_url("postgresql://u@h/db").drivername == "postgresql+psycopg"


def test_an_unreachable_postgres_fails_with_a_clear_message() -> None:
    # Nothing listens on port 1: refused at once (a silent host waits connect_timeout).
    with pytest.raises(StoreError, match="cannot reach the database server"):
        Store.open("postgresql://postgres@127.0.0.1:1/newsroom")


@pytest.mark.pg
def test_a_wrong_postgres_user_is_reported(pg_url: str) -> None:
    from sqlalchemy.engine import make_url

    wrong = make_url(pg_url).set(username="no_such_user_xyz").render_as_string(False)
    with pytest.raises(StoreError, match=r"no such user|refused"):
        Store.open(wrong)
