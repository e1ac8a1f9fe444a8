"""The trust matrix extended to notes, assignments and updates, on a secured central store."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.trust.conftest import SecuredDesk
from tests.trust.test_sync_trust import Laptop, MakeLaptop, _joined

pytestmark = pytest.mark.pg


@pytest.fixture
def laptop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> MakeLaptop:
    def make(name: str) -> Laptop:
        return Laptop(tmp_path / f"{name}.db", capsys)
    return make


def test_who_may_note_assign_and_put_updates_live(secured: SecuredDesk, laptop: MakeLaptop,
                                                  tmp_path: Path) -> None:
    kim = _joined(laptop, secured, "reporter")
    lee = _joined(laptop, secured, "editor")
    park = _joined(laptop, secured, "desk_chief")
    body = tmp_path / "body.md"
    body.write_text("The council met.\n\nIt voted for the tram.\n")
    story = park("story", "new", "--headline", "Tram", "--body-file", str(body)).strip()
    park("story", "transition", story, "published", "--override")
    park("sync")
    for person in (kim, lee):
        person("sync")
    note = lee("note", "add", story, "--text", "Cost?", "--quote", "tram", "--to", "kim").strip()
    lee("sync")
    kim("sync")
    kim("note", "add", story, "--text", "Asking the mayor.", "--reply-to", note[:8])
    kim("note", "resolve", note[:8], code=1)  # someone else's note: editors and above
    lee("story", "assign", story, "kim", "--due", "2099-01-01 09:00")
    kim("story", "assign", story, "lee", code=1)
    assert "assigning people to stories needs an editor" in kim.err
    update = kim("story", "edit", story, "--headline", "Tram approved: 2bn",
                 "--as-update").split()[0]
    kim("story", "approve", story, update[:8], code=1)
    assert "putting an update live needs a desk chief" in kim.err
    # A plain edit of the live story by a reporter becomes a pending update, not a refusal.
    said = kim("story", "edit", story, "--standfirst", "The mayor signs on Friday.")
    assert "kim may not change the live story directly: saved as a pending update" in said
    assert kim.json("story", "show", story, "--json")["standfirst"] == ""
    plain = said.split()[0]
    assert {u["id"][:8] for u in kim.rows("story", "updates", story, "--json")} >= {
        update[:8], plain[:8]}
    kim("story", "discard-update", story, plain[:8])
    for person in (lee, kim):
        person("sync")
    park("sync")
    assert "pending" in park("story", "updates", story)
    assert park.rows("note", "list", story, "--json")[0]["replies"][0]["author"] == "kim"
    park("story", "approve", story, update[:8])
    park("sync")
    kim("sync")
    assert kim.json("story", "show", story, "--json")["headline"] == "Tram approved: 2bn"
    desk = kim.json("desk", "--json")
    assert [a["story_id"] for a in desk["assigned"]] == [story]
    # As plain SQL, with the reporter's own login, the store says no as well.
    with secured.connect("reporter") as conn:
        row = conn.execute("SELECT id, story_id FROM desk_events WHERE kind = 'update'").fetchone()
    assert row is not None
    with secured.connect("reporter") as conn, \
            pytest.raises(psycopg.Error, match=r"cannot be sent by the login|needs a desk chief"):
        conn.execute(
            "INSERT INTO desk_events (id, story_id, kind, subject, author, replica_id, "
            "created_at, hlc, body) VALUES ('x', %s, 'approve', %s, 'park', 'r', now(), "
            "'1', '{}')", (row[1], row[0]))
    with secured.connect("reporter") as conn, \
            pytest.raises(psycopg.Error, match=r"permission denied|append-only"):
        conn.execute("DELETE FROM desk_events")
