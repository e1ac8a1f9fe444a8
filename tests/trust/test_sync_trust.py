"""A secured desk through the CLI and sync: identity from the login, holds, settings.

Each laptop is an SQLite store of its own whose ``central_url`` names one
person's login; commands run in-process exactly as typed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from cms import stories
from cms.cli import main
from cms.document import LinkRef, StoryDocument
from cms.policy import POLICY_VERSION
from cms.revisions import write_revision
from cms.store import Store
from cms.sync.fetch import store_batch
from cms.sync.transfer import PullBatch, fetch_revisions
from cms.timeutil import utcnow
from tests.trust.conftest import NAMES, SecuredDesk

pytestmark = pytest.mark.pg


class Laptop:
    """``newsroom --store LAPTOP …`` for one person."""

    def __init__(self, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.path = path
        self.capsys = capsys
        self.err = ""

    def __call__(self, *args: str, code: int = 0, user: str | None = None) -> str:
        self.capsys.readouterr()
        argv = ["--store", str(self.path), *(["--user", user] if user else []), *args]
        try:
            status = main(argv)
        except SystemExit as exc:
            status = int(exc.code or 0)
        out, self.err = self.capsys.readouterr()
        assert status == code, f"exit {status}: {self.err}{out}"
        return out

    def json(self, *args: str) -> dict[str, Any]:
        """The command's JSON output, one object."""
        found = json.loads(self(*args))
        assert isinstance(found, dict), found
        return found

    def rows(self, *args: str) -> list[dict[str, Any]]:
        """The command's JSON output, a list of objects."""
        found = json.loads(self(*args))
        assert isinstance(found, list), found
        return found


MakeLaptop = Callable[[str], Laptop]
"""The ``laptop`` fixture: a laptop for one person's name."""


@pytest.fixture
def laptop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> MakeLaptop:
    def make(name: str) -> Laptop:
        return Laptop(tmp_path / f"{name}.db", capsys)
    return make


def _joined(make: MakeLaptop, desk: SecuredDesk, role: str) -> Laptop:
    lap = make(role)
    lap("init")
    lap("config", "set", "central_url", desk.url(role))
    lap("sync")
    return lap


def test_a_forged_publish_from_a_fresh_laptop_is_held_then_settles(
        secured: SecuredDesk, laptop: MakeLaptop) -> None:
    kim = laptop("kim")
    kim("init")  # a fresh laptop: its first person is its admin
    story = kim("story", "new", "--headline", "Unvetted scoop").strip()
    kim("story", "transition", story, "published", "--override")
    kim("config", "set", "comments_embed", "<script>alert(1)</script>")
    kim("config", "set", "central_url", secured.url("reporter"))
    out = kim("sync")
    assert f"acting as kim (reporter, login {secured.logins['reporter']})" in out
    assert "1 change held: needs a desk chief" in out
    assert "setting comments_embed kept as the desk has it" in out
    status = kim.json("sync", "status", "--json")
    assert [(h["story_id"], h["need_role"]) for h in status["held"]] == [
        (story, "desk_chief")]
    shown = kim.json("story", "show", story, "--json")
    assert shown["status"] == "draft"
    assert kim("config", "get", "comments_embed").strip() == ""
    assert [p["username"] for p in kim.rows("people", "list", "--json")] == sorted(
        NAMES.values())  # the laptop's own "admin" gave way to the desk's people

    park = _joined(laptop, secured, "desk_chief")
    assert park.json("story", "show", story, "--json")["status"] == "draft"
    park("story", "transition", story, "published", "--override")
    park("sync")
    out = kim("sync")
    assert "1 held change(s) settled" in out
    assert kim.json("sync", "status", "--json")["held"] == []
    assert kim.json("story", "show", story, "--json")["status"] == "published"
    audit = park.rows("central", "audit", "--story", story, "--json")
    assert [(a["login"], a["detail"]) for a in audit if a["kind"] == "revision"] == [
        (secured.logins["reporter"], "created as draft"),
        (secured.logins["desk_chief"], "draft → published")]


def test_the_very_change_held_here_made_by_a_desk_chief_is_released(
        secured: SecuredDesk, laptop: MakeLaptop) -> None:
    """Revisions are content-addressed: a desk chief who makes exactly the held move
    (same parent, same second) makes the very revision held on the reporter's copy.
    The central store's copy of it wins there: published, and written by the chief."""
    kim = _joined(laptop, secured, "reporter")
    story = kim("story", "new", "--headline", "Same second").strip()
    kim("sync")
    with Store.open(str(kim.path)) as store, store.session() as session:
        document, draft = stories.get(session, story)
        published = document.evolve(status="published",
                                    publish_at=utcnow().replace(microsecond=0))
        forged = write_revision(session, published, [draft], author="kim",
                                replica_id=store.replica_id, now=utcnow())
    assert "1 change held: needs a desk chief" in kim("sync")
    park = _joined(laptop, secured, "desk_chief")
    with Store.open(str(park.path)) as store, store.session() as session:
        assert write_revision(session, published, [draft], author="park",
                              replica_id=store.replica_id, now=utcnow()) == forged
    assert "sent: 1 revisions" in park("sync")

    out = kim("sync")
    assert "received: 1 revisions" in out and "1 held change(s) settled" in out
    assert kim.json("sync", "status", "--json")["held"] == []
    shown = kim.json("story", "show", story, "--json")
    assert (shown["status"], shown["revision"], shown["updated_by"]) == (
        "published", forged, "park")


def test_a_held_revision_sent_back_under_a_name_without_the_role_stays_held(
        secured: SecuredDesk, laptop: MakeLaptop) -> None:
    kim = _joined(laptop, secured, "reporter")
    story = kim("story", "new", "--headline", "Echoed").strip()
    kim("sync")
    with Store.open(str(kim.path)) as store, store.session() as session:
        document, draft = stories.get(session, story)
        forged = write_revision(session, document.evolve(
            status="published", publish_at=utcnow().replace(microsecond=0)), [draft],
            author="kim", replica_id=store.replica_id, now=utcnow())
    assert "1 change held" in kim("sync")
    with Store.open(str(kim.path)) as store, store.session() as session:
        row = {**fetch_revisions(session, [forged])[0], "author": "lee"}  # an editor
        assert store_batch(session, PullBatch(-1, -1, None, [row], [], [], []),
                           now=utcnow()).released == []
    assert [h["revision"] for h in kim.json("sync", "status", "--json")["held"]] == [forged]
    assert kim.json("story", "show", story, "--json")["status"] == "draft"


def test_identity_is_the_login_whatever_name_is_claimed(
        secured: SecuredDesk, laptop: MakeLaptop, monkeypatch: pytest.MonkeyPatch) -> None:
    kim = _joined(laptop, secured, "reporter")
    story = kim("story", "new", "--headline", "Council meets").strip()
    kim("story", "transition", story, "published", user="park", code=2)
    assert "you act as kim, the login of its secured central store" in kim.err
    monkeypatch.setenv("NEWSROOM_USER", "ada")
    kim("story", "new", "--headline", "As ada", code=2)
    assert "NEWSROOM_USER (ada)" in kim.err
    monkeypatch.delenv("NEWSROOM_USER")
    kim("people", "role", "kim", "admin", code=2)
    assert "managed on the central store" in kim.err
    kim("story", "transition", story, "published", "--override", code=1)
    assert "kim is a reporter; moving a story from draft to published needs a desk chief" \
        in kim.err
    kim("config", "set", "base_url", "https://elsewhere.example/", code=1)
    assert "only an admin or above may change base_url" in kim.err
    kim("central", "user", "role", "kim", "admin", code=1)
    assert "kim is a reporter; only an admin may manage people" in kim.err
    kim("central", "audit", code=1)
    assert "only desk chiefs and admins may read the audit log" in kim.err


def test_people_are_managed_on_the_central_and_reach_every_laptop(
        secured: SecuredDesk, laptop: MakeLaptop) -> None:
    ada = _joined(laptop, secured, "admin")
    kim = _joined(laptop, secured, "reporter")
    story = kim("story", "new", "--headline", "Promotion day").strip()
    kim("story", "transition", story, "edit")
    kim("story", "transition", story, "ready", code=1)
    ada("central", "user", "role", "kim", "editor")
    kim("sync")
    kim("story", "transition", story, "ready")
    listed = ada.rows("central", "user", "list", "--json")
    assert {"username": "kim", "role": "editor", "login": secured.logins["reporter"],
            "active": True} in listed
    ada("central", "user", "disable", "kim")
    kim("sync", code=1)
    assert "permission denied for database" in kim.err or "disabled" in kim.err
    ada("central", "user", "add", "kim", "--role", "reporter", code=2)
    assert "already on the desk" in ada.err
    ada("central", "user", "disable", "ada", code=2)
    assert "cannot disable yourself" in ada.err


def test_a_change_made_before_a_demotion_is_held_not_lost(
        secured: SecuredDesk, laptop: MakeLaptop) -> None:
    lee = _joined(laptop, secured, "editor")
    ada = _joined(laptop, secured, "admin")
    story = lee("story", "new", "--headline", "Budget", "--body-file", "/dev/null").strip()
    lee("story", "transition", story, "edit")
    lee("sync")
    ada("central", "user", "role", "lee", "reporter")
    # Offline, lee still believes they are an editor.
    lee("story", "edit", story, "--standfirst", "What the budget means for you")
    lee("story", "transition", story, "ready")
    out = lee("sync")
    assert "1 change held: needs an editor" in out
    shown = lee.json("story", "show", story, "--json")
    assert shown["status"] == "edit"
    assert shown["standfirst"] == "What the budget means for you"
    ada("sync")
    on_desk = ada.json("story", "show", story, "--json")
    assert (on_desk["status"], on_desk["standfirst"]) == (
        "edit", "What the budget means for you")  # the permitted part went through
    again = lee("sync")
    assert "held" not in again  # never retried in a loop


def test_a_desk_event_made_before_a_demotion_is_held_not_a_crash(
        secured: SecuredDesk, laptop: MakeLaptop) -> None:
    lee = _joined(laptop, secured, "editor")
    ada = _joined(laptop, secured, "admin")
    story = ada("story", "new", "--headline", "Budget").strip()
    note = ada("note", "add", story, "--text", "Check the totals").strip()
    ada("sync")
    lee("sync")
    ada("central", "user", "role", "lee", "reporter")
    # Offline, lee still believes they are an editor and resolves ada's note.
    lee("note", "resolve", note[:8])
    out = lee("sync")
    assert "1 change held: needs an editor" in out
    assert [h["need_role"] for h in lee.json("sync", "status", "--json")["held"]] == ["editor"]
    ada("sync")
    assert [n["resolved"] for n in ada.rows("note", "list", story, "--json")] == [False]
    # The laptop shows the desk's state, not the refused move.
    assert [n["resolved"] for n in lee.rows("note", "list", story, "--json", "--all")] == [False]
    assert "held" not in lee("sync")  # never retried in a loop
    ada("note", "resolve", note[:8])  # someone with the role makes the move
    ada("sync")
    assert "1 held change(s) settled" in lee("sync")
    assert lee.json("sync", "status", "--json")["held"] == []
    assert [n["resolved"] for n in lee.rows("note", "list", story, "--json", "--all")] == [True]


def test_an_offline_edit_never_reaches_a_story_published_meanwhile_by_itself(
        secured: SecuredDesk, laptop: MakeLaptop, tmp_path: Path) -> None:
    kim = _joined(laptop, secured, "reporter")
    park = _joined(laptop, secured, "desk_chief")
    body = tmp_path / "body.md"
    body.write_text("The council met.\n\nIt voted.\n")
    story = kim("story", "new", "--headline", "Council", "--body-file", str(body)).strip()
    kim("sync")
    park("sync")
    body.write_text("The council met.\n\nIt voted, and the mayor resigned.\n")
    kim("story", "edit", story, "--body-file", str(body))  # offline, still a draft here
    park("story", "transition", story, "published", "--override")
    park("sync")
    kim("sync")  # kim's edit of the draft is accepted: it was a draft when written
    out = park("sync")
    assert "conflicts: 1" in out  # no automatic merge of a reporter's text into a live story
    shown = park.json("story", "show", story, "--json")
    assert (shown["status"], "resigned" in shown["body"]) == ("published", False)
    conflicts = park.rows("conflicts", "--json")
    assert [c["fields"] for c in conflicts] == [["body"]]
    central = Store.open(secured.owner_url)
    try:
        with central.reading() as session:
            on_desk, _ = stories.get(session, story)
    finally:
        central.close()
    assert (on_desk.status, "resigned" in on_desk.body) == ("published", False)
    park("conflicts", "resolve", story, "--take", "central")  # the desk chief decides
    park("sync")
    assert park.rows("conflicts", "--json") == []


def test_an_upgrade_from_older_policies_keeps_the_guarantees(
        secured: SecuredDesk, laptop: MakeLaptop) -> None:
    with secured.connect(None) as owner:  # as an older Newsroom left it: weaker rules
        owner.execute("DROP TRIGGER newsroom_revisions_guard ON revisions")
        owner.execute("UPDATE store_meta SET value = '0' WHERE key = 'policy_version'")
    owner_lap = laptop("owner")
    owner_lap("central", "init", secured.owner_url)  # the owner upgrades: policies come back
    kim = laptop("kim")
    kim("init")
    story = kim("story", "new", "--headline", "After the upgrade").strip()
    kim("story", "transition", story, "published", "--override")
    kim("config", "set", "central_url", secured.url("reporter"))
    assert "1 change held: needs a desk chief" in kim("sync")
    with secured.connect(None) as owner:
        version = owner.execute(
            "SELECT value FROM store_meta WHERE key = 'policy_version'").fetchone()
        status = owner.execute("SELECT status FROM stories WHERE id = %s", (story,)).fetchone()
    assert version == (str(POLICY_VERSION),) and status == ("draft",)


def test_a_disabled_login_and_a_forged_move_get_one_clear_line(
        secured: SecuredDesk, laptop: MakeLaptop) -> None:
    lee = _joined(laptop, secured, "editor")
    ada = _joined(laptop, secured, "admin")
    story = lee("story", "new", "--headline", "Kept on the laptop").strip()
    ada("central", "user", "disable", "lee")
    lee("sync", code=1)
    assert "this login may not connect to the desk's database" in lee.err
    assert lee.json("story", "show", story, "--json")["headline"] == "Kept on the laptop"
    draft = ada("story", "new", "--headline", "Still a draft").strip()
    ada("sync")
    with secured.connect("desk_chief") as conn, \
            pytest.raises(psycopg.Error, match="a workflow move draft → published that revision"):
        conn.execute(
            "INSERT INTO story_transitions (id, story_id, from_status, to_status, username, "
            "at, note, revision_id) SELECT 'forged', story_id, 'draft', 'published', 'ada', "
            "now(), '', id FROM revisions WHERE story_id = %s", (draft,))


def test_a_secured_central_quarantines_what_no_save_would_write(
        secured: SecuredDesk, laptop: MakeLaptop, tmp_path: Path) -> None:
    kim = _joined(laptop, secured, "reporter")
    forged = StoryDocument(story_id=str(uuid.uuid4()), slug="../../../x", headline="Forged",
                           related=(LinkRef(id=str(uuid.uuid4()), url="javascript:alert(1)"),))
    with Store.open(str(kim.path)) as store, store.session() as session:
        write_revision(session, forged, [], author="kim", replica_id=store.replica_id,
                       now=utcnow(), message="forged")
    assert "quarantined: 0 received and 1 sent" in kim("sync")
    with secured.connect("admin") as conn:
        kept = conn.execute("SELECT reason FROM quarantined_revisions").fetchall()
        shown = conn.execute("SELECT count(*) FROM stories").fetchone()
    assert len(kept) == 1 and "invalid slug" in kept[0][0] and shown == (0,)
