"""Plain JSON columns (migration 0009): rows the earlier code wrote as JSON text read as data.

The earlier code wrote these columns with ``json.dumps`` (``ensure_ascii=False``
in places) into ``TEXT``; the models now type them ``JSON``. On SQLite the
column stays ``TEXT`` and the same text must read back as lists and dicts; on
PostgreSQL 0009 turns it into ``json`` with every row in place, and back.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from cms.models import Conflict, ImportSource, Note, RevisionHold, SyncState
from cms.store import Store, _alembic_config, parse_store_url
from cms.sync.holds import open_holds

CONVERTED = (("sync_state", "last_report"), ("conflicts", "heads"), ("conflicts", "fields"),
             ("revision_holds", "wanted"), ("import_sources", "notes"), ("notes", "addressed"))
AT = "2024-12-23 06:20:00"
STORY = "00000000-0000-4000-8000-000000000001"
REPORT = {"pushed_revisions": 3, "warnings": ["à la une: ünïcode"]}
HEADS = ["a" * 64, "b" * 64]
FIELDS = ["headline", "body"]
WANTED = {"status": "published", "headline": "Zürich öffnet"}
NOTES = ["unknown shortcode code-toggle", "çà et là"]
ADDRESSED = ["kim", "José"]

# One row per converted table, as the earlier code wrote it (JSON text, non-ASCII kept).
OLD_ROWS = (
    ("INSERT INTO sync_state (central_id, central_url, epoch, pull_seq, pull_revision, "
     "pushed_seq, refill, last_attempt_at, last_success_at, last_error, last_report) "
     "VALUES ('c1', 'central.db', 'e1', 0, NULL, 0, :no, :at, :at, '', :json)", REPORT),
    ("INSERT INTO conflicts (story_id, local_revision, other_revision, base_revision, heads, "
     "fields, proposal, detected_at) VALUES (:story, :a, :b, NULL, :json, :fields, '{}', :at)",
     HEADS),
    ("INSERT INTO revision_holds (revision_id, story_id, reason, need_role, wanted, held_at, "
     "settled_at) VALUES (:a, :story, 'needs a desk chief', 'desk_chief', :json, :at, NULL)",
     WANTED),
    ("INSERT INTO import_sources (story_id, site, path, generator, source_slug, language, "
     "translation_key, digest, revision_id, imported_at, notes, document) VALUES "
     "(:story, 'site', 'content/a.md', 'hugo', 'a', '', '', :a, :a, :at, :json, '')", NOTES),
    ("INSERT INTO notes (id, story_id, reply_to, author, text, quote, paragraph, addressed, "
     "created_at, hlc, resolved, resolved_by, resolved_at, state_hlc) VALUES (:a, :story, "
     "NULL, 'kim', 'Check this', '', NULL, :json, :at, '1', :no, NULL, NULL, '1')", ADDRESSED),
)


def _location(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    return (str(tmp_path / "old.db") if backend == "sqlite"
            else request.getfixturevalue("pg_url"))


def _migrate(location: str, target: str, *, down: bool = False) -> None:
    engine = sa.create_engine(parse_store_url(location))
    with engine.begin() as connection:
        config = _alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)
    engine.dispose()


def _write_old_rows(location: str) -> None:
    """A store at 0008 with one row in each converted column, written as the old code did."""
    _migrate(location, "0008")
    engine = sa.create_engine(parse_store_url(location))
    with engine.begin() as connection:
        for statement, value in OLD_ROWS:
            connection.execute(sa.text(statement), {
                "json": json.dumps(value, ensure_ascii=False), "fields": json.dumps(FIELDS),
                "at": AT, "no": False, "story": STORY, "a": "a" * 64, "b": "b" * 64})
    engine.dispose()


def _column_texts(location: str) -> dict[tuple[str, str], str]:
    """Each converted column's stored value, as text."""
    engine = sa.create_engine(parse_store_url(location))
    with engine.connect() as connection:
        texts = {(table, column): str(connection.execute(sa.text(
            f'SELECT CAST("{column}" AS TEXT) FROM {table}')).scalar_one())
            for table, column in CONVERTED}
    engine.dispose()
    return texts


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_rows_written_as_json_text_read_as_data_after_the_upgrade(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    location = _location(backend, tmp_path, request)
    _write_old_rows(location)
    before = _column_texts(location)
    with Store.open(location) as store, store.reading() as session:  # upgrades to head
        state = session.get(SyncState, "c1")
        conflict = session.get(Conflict, STORY)
        source = session.get(ImportSource, STORY)
        note = session.get(Note, "a" * 64)
        holds = open_holds(session)
        assert state is not None and state.last_report == REPORT
        assert conflict is not None and (conflict.heads, conflict.fields) == (HEADS, FIELDS)
        assert source is not None and source.notes == NOTES
        assert note is not None and note.addressed == ADDRESSED
        assert [hold.wanted for hold in holds] == [WANTED]
        assert session.scalar(sa.select(RevisionHold.wanted)) == WANTED
    # The upgrade kept every value as the old code wrote it, byte for byte.
    assert _column_texts(location) == before


@pytest.mark.pg
def test_the_upgrade_makes_json_columns_on_postgresql_and_the_downgrade_text_again(
        pg_url: str) -> None:
    _write_old_rows(pg_url)
    before = _column_texts(pg_url)
    _migrate(pg_url, "0009")
    assert _column_types(pg_url) == {"json"}
    with Store.open(pg_url) as store, store.session() as session:
        state = session.get(SyncState, "c1")
        assert state is not None
        state.last_report = {**REPORT, "pulled_revisions": 1}
    _migrate(pg_url, "0008", down=True)
    assert _column_types(pg_url) == {"text"}
    after = _column_texts(pg_url)
    assert json.loads(after.pop(("sync_state", "last_report"))) == {
        **REPORT, "pulled_revisions": 1}
    before.pop(("sync_state", "last_report"))
    assert after == before


def _column_types(location: str) -> set[str]:
    engine = sa.create_engine(parse_store_url(location))
    with engine.connect() as connection:
        found = {str(connection.execute(sa.text(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = :t AND column_name = :c"), {"t": table, "c": column}
        ).scalar_one()) for table, column in CONVERTED}
    engine.dispose()
    return found


def test_what_the_new_code_writes_on_sqlite_is_json_text_the_old_code_reads(
        tmp_path: Path) -> None:
    location = str(tmp_path / "new.db")
    now = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    with Store.open(location, create=True) as store, store.session() as session:
        session.add(SyncState(central_id="c1", central_url="central.db", epoch="e1",
                              pull_seq=0, pull_revision=None, pushed_seq=0, refill=False,
                              last_error="", last_report=REPORT))
        session.add(RevisionHold(revision_id="a" * 64, story_id=STORY, reason="held",
                                 need_role=None, wanted=WANTED, held_at=now, settled_at=None))
    with sqlite3.connect(location) as raw:
        report, wanted = raw.execute(
            "SELECT last_report, wanted FROM sync_state, revision_holds").fetchone()
        kinds = {row[1]: row[2] for row in raw.execute("PRAGMA table_info(revision_holds)")}
    raw.close()
    assert (json.loads(report), json.loads(wanted)) == (REPORT, WANTED)
    assert kinds["wanted"] == "TEXT"  # the migrations' declared type, not the model's
