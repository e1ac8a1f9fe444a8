"""Attacks an independent review found, each kept as a test: the store must say no."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from cms.document import StoryDocument, canonical_json, revision_id
from cms.secrets import split_password
from cms.store import describe
from tests.trust.conftest import SecuredDesk, new_id
from tests.trust.test_sql_matrix import LATER, PUBLISHED_LONG_AGO, Story, _attempt, _insert, _row
from tests.trust.test_sync_trust import Laptop, _joined

pytestmark = pytest.mark.pg


def test_a_reporter_cannot_launder_a_change_through_a_merge(secured: SecuredDesk) -> None:
    story = Story(secured, "published", **PUBLISHED_LONG_AGO)
    second_root = _row(StoryDocument(story_id=story.doc.story_id, slug=story.doc.slug,
                                     headline="Hijacked", status="draft"), [])
    assert not _attempt(secured, "reporter", lambda conn: _insert(conn, second_root))
    with secured.connect(None) as owner:  # even a legitimate stale draft branch…
        draft = story.child(status="draft", body="Rewritten", publish_at=None)
        _insert(owner, draft)
    merged = _row(StoryDocument(story_id=story.doc.story_id, slug=story.doc.slug,
                                headline="Hijacked", status="draft"),
                  sorted([story.head["id"], draft["id"]]))
    assert not _attempt(secured, "reporter", lambda conn: _insert(conn, merged))
    assert _attempt(secured, "desk_chief", lambda conn: _insert(conn, merged))


def test_a_reporter_cannot_break_the_desk_with_a_malformed_revision(
        secured: SecuredDesk) -> None:
    base = StoryDocument(story_id=new_id(), slug="shape", headline="Shape").canonical()
    for broken in ({**base, "deleted": "maybe"}, {k: v for k, v in base.items() if k != "slug"},
                   {**base, "photos": [{"id": "p", "sha256": "../../x"}]},
                   {**base, "related": [{"id": "l", "url": "javascript:alert(1)"}]},
                   {**base, "publish_at": "tomorrow"}):
        broken["story_id"] = new_id()
        row = {"id": revision_id(broken, []), "story_id": broken["story_id"], "parents": "[]",
               "content": canonical_json(broken)}
        assert not _attempt(secured, "desk_chief", partial(_insert, row=row))
    good = _row(StoryDocument(story_id=new_id(), slug="clock", headline="Clock"), [])
    assert not _attempt(secured, "reporter", lambda conn: conn.execute(
        "INSERT INTO revisions (id, story_id, parents, author, replica_id, created_at, hlc, "
        "message, content) VALUES (%(id)s, %(story_id)s, '[]', 'x', 'r', now(), "
        "'9999999999999.0000x', '', %(content)s)", good))
    assert not _attempt(secured, "reporter", lambda conn: conn.execute(
        "INSERT INTO sync_dirty (story_id) SELECT gen_random_uuid()::text "
        "FROM generate_series(1, 10)"))
    assert not _attempt(secured, "reporter", lambda conn: conn.execute(
        "INSERT INTO blobs (sha256, media_type, size, data, meta, created_at) VALUES "
        "(encode(sha256('abc'::bytea), 'hex'), 'text/html', 3, 'abc'::bytea, '{not json', "
        "now())"))


def test_a_far_future_clock_is_the_store_s_clock(secured: SecuredDesk) -> None:
    doc = StoryDocument(story_id=new_id(), slug="future", headline="Future")
    row = _row(doc, [])
    with secured.connect("reporter") as conn:
        conn.execute(
            "INSERT INTO revisions (id, story_id, parents, author, replica_id, created_at, "
            "hlc, message, content) VALUES (%(id)s, %(story_id)s, '[]', 'x', 'r', "
            "now() + interval '1 year', '9999999999999.00007', '', %(content)s)", row)
        found = conn.execute("SELECT hlc, created_at > now() + interval '1 minute' "
                             "FROM revisions WHERE id = %s", (row["id"],)).fetchone()
    assert found is not None
    hlc, later = found
    assert hlc.endswith(".00007") and not hlc.startswith("9999") and later is False


def _add_person_as(login: str) -> Callable[[psycopg.Connection], object]:
    return lambda conn: conn.execute(
        "SELECT newsroom_person_add(%s, 'reporter', %s, 'SCRAM-SHA-256$4096:x$y:z')",
        (f"p-{new_id()[:6]}", login))


def test_no_admin_can_take_over_powerful_logins(secured: SecuredDesk) -> None:
    for target in ("postgres", secured.logins["desk_chief"]):
        assert not _attempt(secured, "admin", _add_person_as(target))
    assert not _attempt(secured, "admin", lambda conn: conn.execute(
        "SELECT newsroom_person_add('super', 'reporter', 'postgres', NULL)"))
    assert not _attempt(secured, "reporter", lambda conn: conn.execute(
        "SELECT newsroom_rotate_epoch((SELECT value FROM store_meta "
        "WHERE key = 'central_epoch'))"))


def test_the_projection_and_the_history_cannot_be_rewritten(secured: SecuredDesk) -> None:
    story = Story(secured, "published", **PUBLISHED_LONG_AGO)
    with secured.connect(None) as owner:
        owner.execute(
            "INSERT INTO stories (id, slug, headline, standfirst, body, byline, dateline, tags, "
            "status, correction, created_at, updated_at, created_by, updated_by, revision_id, "
            "word_count) VALUES (%s, 'x', '', '', '', '', '', '[]', 'draft', '', now(), now(), "
            "'x', 'x', %s, 0)", (story.doc.story_id, story.head["id"]))
    with secured.connect("desk_chief") as conn:
        conn.execute("UPDATE stories SET slug = slug || '-moved', created_by = 'ada', "
                      "word_count = 123456 WHERE id = %s", (story.doc.story_id,))
        row = conn.execute("SELECT slug, created_by, word_count FROM stories WHERE id = %s",
                           (story.doc.story_id,)).fetchone()
    assert row == (story.doc.slug, "postgres", 3)
    move = {"id": new_id(), "story_id": story.doc.story_id, "rev": story.head["id"]}
    assert not _attempt(secured, "reporter", lambda conn: conn.execute(
        "INSERT INTO story_transitions (id, story_id, from_status, to_status, username, at, "
        "note, revision_id) VALUES (%(id)s, %(story_id)s, 'draft', 'published', 'park', "
        "'2000-01-01', 'approved', %(rev)s)", move))


def test_a_backdated_planned_time_never_becomes_a_publication_time(
        secured: SecuredDesk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story = Story(secured, "edit")
    backdated = story.child(publish_at=LATER - timedelta(days=20000))  # a reporter may plan
    assert _attempt(secured, "reporter", lambda conn: _insert(conn, backdated))
    with secured.connect(None) as owner:  # in the log, as a push would leave them
        owner.execute("SELECT newsroom_record_arrivals(%s)", ([story.head["id"],
                                                               backdated["id"]],))
    park = _joined(lambda name: Laptop(tmp_path / f"{name}.db", capsys), secured, "desk_chief")
    park("story", "transition", story.doc.story_id, "ready", "--override")
    park("story", "transition", story.doc.story_id, "published", "--override")
    shown = json.loads(park("story", "show", story.doc.story_id, "--json"))
    assert shown["publish_at"] > "2026"  # published now, not in 1975


def test_passwords_in_url_parameters_are_kept_out_too() -> None:
    raw = "postgresql://kim@db.example/desk?password=S3CRET-Q&sslmode=require"
    text, password = split_password(raw)
    assert password == "S3CRET-Q" and "S3CRET" not in text
    assert "S3CRET" not in describe(make_url(raw))
    assert psycopg  # the matrix above runs on real logins
