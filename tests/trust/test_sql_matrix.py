"""Role × action as plain SQL with each role's own login: the store itself says no.

No Newsroom code runs on the login's side: each action is the ``INSERT`` or
``UPDATE`` a hostile client would send. The owner prepares each story's state;
the login then tries one thing. Every forbidden action must be refused and every
allowed one accepted — the matrix of the trust issue.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from cms.document import StoryDocument, canonical_json, revision_id
from cms.policy import DAMAGED, REFUSED, UNKNOWN_LOGIN
from tests.trust.conftest import NAMES, ROLES, SecuredDesk, new_id

pytestmark = pytest.mark.pg

LATER = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
PUBLISHED_LONG_AGO = {"publish_at": LATER - timedelta(days=3000)}
EVERYONE = set(ROLES)
EDITORS = {"editor", "desk_chief", "admin"}
CHIEFS = {"desk_chief", "admin"}
ADMINS = {"admin"}
NOBODY: set[str] = set()


def _row(doc: StoryDocument, parents: list[str]) -> dict[str, Any]:
    canonical = doc.canonical()
    return {"id": revision_id(canonical, parents), "story_id": doc.story_id,
            "parents": json.dumps(parents), "content": canonical_json(canonical)}


def _insert(conn: psycopg.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO revisions (id, story_id, parents, author, replica_id, created_at, hlc, "
        "message, content) VALUES (%(id)s, %(story_id)s, %(parents)s, 'claimed-by-client', "
        "'r', now(), '0000000000001.00000', '', %(content)s)", row)
    for parent in json.loads(row["parents"]):
        conn.execute("INSERT INTO revision_parents (revision_id, parent_id) VALUES (%s, %s)",
                     (row["id"], parent))


class Story:
    """A story whose history the owner writes, so a login can try one step on it."""

    def __init__(self, desk: SecuredDesk, status: str, **fields: Any) -> None:
        self.desk = desk
        self.doc = StoryDocument(story_id=new_id(), slug=f"s-{new_id()[:8]}", headline="Tram",
                                 body="The council met.", status=status, **fields)
        self.head = _row(self.doc, [])
        with desk.connect(None) as owner:
            _insert(owner, self.head)

    def child(self, **changes: Any) -> dict[str, Any]:
        """The next revision with ``changes`` (not stored)."""
        return _row(replace(self.doc, **changes), [self.head["id"]])


# How the store says no: a missing privilege or row-level policy, its own triggers, or an
# admin function refusing a value.
REFUSALS = {"42501", "22023", "23505", REFUSED, DAMAGED, UNKNOWN_LOGIN}


def _attempt(desk: SecuredDesk, role: str, statements: Callable[[psycopg.Connection], object]
             ) -> bool:
    """True when ``role``'s login could do it; the store's refusal makes it False.

    Any other error (a mistake in the test's own SQL) fails the test.
    """
    try:
        with desk.connect(role) as conn:
            statements(conn)
    except psycopg.Error as exc:
        if exc.sqlstate not in REFUSALS:
            raise
        return False
    return True


def _by_login(desk: SecuredDesk, role: str, start: str, **changes: Any) -> bool:
    story = Story(desk, start, **({"publish_at": LATER} if start == "scheduled" else {}))
    row = story.child(**changes)
    return _attempt(desk, role, lambda conn: _insert(conn, row))


def _create(desk: SecuredDesk, role: str, status: str) -> bool:
    doc = StoryDocument(story_id=new_id(), slug=f"n-{new_id()[:8]}", headline="New",
                        status=status, publish_at=LATER if status == "scheduled" else None)
    return _attempt(desk, role, lambda conn: _insert(conn, _row(doc, [])))


def _own_draft_edit(desk: SecuredDesk, role: str) -> bool:
    doc = StoryDocument(story_id=new_id(), slug=f"o-{new_id()[:8]}", headline="Mine")
    first = _row(doc, [])
    second = _row(replace(doc, body="More of mine."), [first["id"]])

    def both(conn: psycopg.Connection) -> None:
        _insert(conn, first)
        _insert(conn, second)

    return _attempt(desk, role, both)


def _setting(desk: SecuredDesk, role: str, key: str, value: str) -> bool:
    return _attempt(desk, role, lambda conn: conn.execute(
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (%s, %s, now(), 'x') "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (key, value)))


def _rewrite_history(desk: SecuredDesk, role: str, sql: str) -> bool:
    story = Story(desk, "published", publish_at=LATER - timedelta(days=3000))
    with desk.connect(None) as owner:
        owner.execute("INSERT INTO story_transitions (id, story_id, from_status, to_status, "
                      "username, at, note, revision_id) VALUES (%s, %s, 'draft', 'published', "
                      "'x', now(), '', %s)", (new_id(), story.doc.story_id, story.head["id"]))
    return _attempt(desk, role, lambda conn: conn.execute(sql, {"id": story.head["id"]}))


def _shown_published(desk: SecuredDesk, role: str, sql: str) -> bool:
    """True when ``sql`` makes the central's projection show a killed story as published."""
    story = Story(desk, "published", **PUBLISHED_LONG_AGO)
    old = story.head["id"]
    killed = story.child(status="killed", correction="")
    with desk.connect(None) as owner:
        _insert(owner, killed)
        owner.execute(
            "INSERT INTO stories (id, slug, headline, standfirst, body, byline, dateline, tags, "
            "status, correction, created_at, updated_at, created_by, updated_by, revision_id, "
            "word_count) VALUES (%s, %s, '', '', '', '', '', '[]', 'draft', '', now(), now(), "
            "'x', 'x', %s, 0)", (story.doc.story_id, story.doc.slug, killed["id"]))
    _attempt(desk, role, lambda conn: conn.execute(sql, {"id": story.doc.story_id,
                                                         "old": old}))
    with desk.connect(None) as owner:
        shown = owner.execute("SELECT status FROM stories WHERE id = %s",
                              (story.doc.story_id,)).fetchone()
    return shown == ("published",)


def _forged_edge(desk: SecuredDesk, role: str) -> bool:
    published = Story(desk, "published", publish_at=LATER - timedelta(days=3000))
    other = Story(desk, "draft")
    return _attempt(desk, role, lambda conn: conn.execute(
        "INSERT INTO revision_parents (revision_id, parent_id) VALUES (%s, %s)",
        (other.head["id"], published.head["id"])))


def _bad_blob(desk: SecuredDesk, role: str) -> bool:
    return _attempt(desk, role, lambda conn: conn.execute(
        "INSERT INTO blobs (sha256, media_type, size, data, meta, created_at) "
        "VALUES (%s, 'image/jpeg', 3, 'abc'::bytea, '{}', now())", ("0" * 64,)))


def _add_person(desk: SecuredDesk, role: str) -> bool:
    return _attempt(desk, role, lambda conn: conn.execute(
        "SELECT newsroom_person_role(%s, 'admin')", (NAMES["reporter"],)))


ACTIONS: dict[str, tuple[set[str], Callable[[SecuredDesk, str], bool]]] = {
    "create a draft": (EVERYONE, lambda d, r: _create(d, r, "draft")),
    "create as published": (CHIEFS, lambda d, r: _create(d, r, "published")),
    "edit own draft": (EVERYONE, _own_draft_edit),
    "edit another's draft": (EVERYONE, lambda d, r: _by_login(d, r, "draft", body="Mine.")),
    "edit a ready story": (EDITORS, lambda d, r: _by_login(d, r, "ready", body="Later.")),
    "edit a published story": (CHIEFS, lambda d, r: _by_login(
        d, r, "published", body="Rewritten.", publish_at=LATER - timedelta(days=3000))),
    "change a published slug": (CHIEFS, lambda d, r: _by_login(
        d, r, "published", slug="moved", publish_at=LATER - timedelta(days=3000))),
    "draft → edit": (EVERYONE, lambda d, r: _by_login(d, r, "draft", status="edit")),
    "edit → ready": (EDITORS, lambda d, r: _by_login(d, r, "edit", status="ready")),
    "ready → scheduled": (CHIEFS, lambda d, r: _by_login(d, r, "ready", status="scheduled",
                                                         publish_at=LATER)),
    "ready → published": (CHIEFS, lambda d, r: _by_login(d, r, "ready", status="published",
                                                         publish_at=LATER)),
    "draft → published": (CHIEFS, lambda d, r: _by_login(d, r, "draft", status="published")),
    "reschedule": (CHIEFS, lambda d, r: _by_login(d, r, "scheduled",
                                                  publish_at=LATER + timedelta(hours=1))),
    "set an embargo": (CHIEFS, lambda d, r: _by_login(d, r, "ready", embargo_until=LATER)),
    "kill": (CHIEFS, lambda d, r: _by_login(d, r, "edit", status="killed")),
    "correct": (CHIEFS, lambda d, r: _by_login(d, r, "published", status="corrected",
                                               correction="Fixed.", **PUBLISHED_LONG_AGO)),
    "unpublish": (CHIEFS, lambda d, r: _by_login(d, r, "published", status="edit")),
    "setting desk_name": (CHIEFS, lambda d, r: _setting(d, r, "desk_name", "The Desk")),
    "setting timezone": (CHIEFS, lambda d, r: _setting(d, r, "timezone", "Asia/Seoul")),
    "setting language": (CHIEFS, lambda d, r: _setting(d, r, "language", "ko")),
    "setting base_url": (ADMINS, lambda d, r: _setting(d, r, "base_url", "https://x.example/")),
    "setting comments_embed": (ADMINS, lambda d, r: _setting(d, r, "comments_embed", "<div>")),
    "setting export_theme": (ADMINS, lambda d, r: _setting(d, r, "export_theme", "/t")),
    "manage people": (ADMINS, _add_person),
    "insert into people": (NOBODY, lambda d, r: _attempt(d, r, lambda c: c.execute(
        "INSERT INTO people VALUES ('x', 'x', 'x', 'admin', true, now(), NULL)"))),
    "change the workflow table": (NOBODY, lambda d, r: _attempt(d, r, lambda c: c.execute(
        "UPDATE workflow_transitions SET min_role = 'reporter'"))),
    "change roles": (NOBODY, lambda d, r: _attempt(d, r, lambda c: c.execute(
        "UPDATE roles SET rank = 99 WHERE name = 'reporter'"))),
    "rewrite a revision's author": (NOBODY, lambda d, r: _rewrite_history(
        d, r, "UPDATE revisions SET author = 'someone' WHERE id = %(id)s")),
    "tamper with a revision": (NOBODY, lambda d, r: _rewrite_history(
        d, r, "UPDATE revisions SET content = replace(content, 'Tram', 'Bus') "
              "WHERE id = %(id)s")),
    "delete a revision": (NOBODY, lambda d, r: _rewrite_history(
        d, r, "DELETE FROM revisions WHERE id = %(id)s")),
    "rewrite a workflow move": (NOBODY, lambda d, r: _rewrite_history(
        d, r, "UPDATE story_transitions SET username = 'someone' WHERE revision_id = %(id)s")),
    "delete the revision log": (NOBODY, lambda d, r: _rewrite_history(
        d, r, "DELETE FROM revision_seq")),
    "publish by UPDATE stories": (NOBODY, lambda d, r: _shown_published(
        d, r, "UPDATE stories SET status = 'published', publish_at = now() WHERE id = %(id)s")),
    "show an old published version": (NOBODY, lambda d, r: _shown_published(
        d, r, "UPDATE stories SET revision_id = %(old)s WHERE id = %(id)s")),
    "forge a parent edge": (NOBODY, _forged_edge),
    "store a photo under a false hash": (NOBODY, _bad_blob),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_what_its_role_allows(secured: SecuredDesk, role: str) -> None:
    outcomes = {name: attempt(secured, role) for name, (_, attempt) in ACTIONS.items()}
    expected = {name: role in allowed for name, (allowed, _) in ACTIONS.items()}
    wrong = {name: outcomes[name] for name in ACTIONS if outcomes[name] != expected[name]}
    assert not wrong, f"{role}: allowed/refused the wrong way: {wrong}"


def test_the_audit_names_the_login_not_the_claimed_author(secured: SecuredDesk) -> None:
    doc = StoryDocument(story_id=new_id(), slug="audited", headline="Audited")
    row = _row(doc, [])
    with secured.connect("reporter") as conn:
        _insert(conn, row)
    with secured.connect("admin") as conn:
        author = conn.execute("SELECT author FROM revisions WHERE id = %s",
                              (row["id"],)).fetchone()
        audit = conn.execute("SELECT login, person, kind, detail FROM central_audit "
                             "WHERE revision_id = %s", (row["id"],)).fetchall()
    assert author == (NAMES["reporter"],)  # not 'claimed-by-client'
    assert audit == [(secured.logins["reporter"], NAMES["reporter"], "revision",
                      "created as draft")]
    with secured.connect("reporter") as conn:  # row-level security: the reporter sees none
        assert conn.execute("SELECT count(*) FROM central_audit").fetchone() == (0,)
    assert not _attempt(secured, "admin", lambda conn: conn.execute(
        "DELETE FROM central_audit"))


def test_an_older_client_and_a_stranger_are_refused(secured: SecuredDesk) -> None:
    doc = StoryDocument(story_id=new_id(), slug="old-client", headline="Old client")
    with pytest.raises(psycopg.Error, match="older than the rules of the central store"), \
            secured.connect("desk_chief", policy=0) as conn:
        _insert(conn, _row(doc, []))
    with secured.connect(None) as owner:
        owner.execute("SELECT newsroom_person_active(%s, false)", (NAMES["editor"],))
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        secured.connect("editor")
