"""An update is recorded on the revision it was made on, and merges with later live changes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cms import stories
from cms.desk import updates
from cms.errors import UsageError
from cms.store import Store
from tests.cli.test_cli import JCS, Runner
from tests.workflow.conftest import NOW, Desk, make_desk

BODY = ("The council met on Monday.\n\nIt voted to build the tram line.\n\n"
        "The mayor said work starts in spring.\n")
CORRECTION = "The vote was 31 to 12."
LATER = NOW + timedelta(minutes=5)


@pytest.fixture
def desk(store: Store) -> Desk:
    return make_desk(store)


def _live(desk: Desk) -> tuple[str, str]:
    story = desk.story(status="published", body=BODY)
    with desk.store.reading() as session:
        return story, stories.get(session, story)[1]


def test_an_update_on_an_old_revision_keeps_a_correction_made_live_since(desk: Desk) -> None:
    story, opened = _live(desk)  # the reporter opens the live story here
    with desk.store.session() as session:  # then the desk chief corrects it, live
        stories.edit(session, desk.chief, story, now=NOW,
                     body=BODY.replace("in spring.", f"in spring. {CORRECTION}"))
    with desk.store.session() as session:
        update_id = updates.propose(
            session, desk.reporter, story, base=opened, now=LATER,
            changes={"headline": "Tram line approved",
                     "body": BODY.replace("on Monday.", "on Monday night.")})
        [update] = updates.updates_of(session, story)
        assert update.fields == ("body", "headline")  # only what the reporter changed
        assert CORRECTION not in update.document.body  # made on the text they saw
        assert update.base.body == BODY
        updates.approve(session, desk.chief, story, update_id, now=LATER)
    with desk.store.reading() as session:
        live, _ = stories.get(session, story)
    assert live.headline == "Tram line approved"
    assert CORRECTION in live.body  # the chief's correction is kept…
    assert "on Monday night." in live.body  # …beside the update's own change


def test_only_the_fields_given_count_as_changed_and_a_clash_is_refused_at_once(
        desk: Desk) -> None:
    story, opened = _live(desk)
    with desk.store.session() as session:
        stories.edit(session, desk.chief, story, now=NOW, headline="Tram line: council says yes")
    with desk.store.session() as session:  # an update of the body only leaves the headline
        update_id = updates.propose(session, desk.reporter, story, base=opened, now=LATER,
                                    changes={"body": BODY + "\nMore.\n"})
        [update] = updates.updates_of(session, story)
        assert update.fields == ("body",)
        updates.discard(session, desk.chief, story, update_id[:8], now=LATER)
    with pytest.raises(UsageError, match="live story changed headline since you opened it"), \
            desk.store.session() as session:
        updates.propose(session, desk.reporter, story, base=opened, now=LATER,
                        changes={"headline": "Another headline"})
    _other, other_head = _live(desk)
    with pytest.raises(UsageError, match="not a revision of this story"), \
            desk.store.session() as session:
        updates.propose(session, desk.reporter, story, base=other_head, now=LATER,
                        changes={"headline": "Another headline"})


def test_the_cli_records_an_update_on_the_revision_given_with_base(
        store_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    newsroom = Runner(store_url, capsys)
    newsroom("init", "--demo")
    story = newsroom.json("story", "show", JCS, "--json")
    assert story["status"] == "published"
    body = tmp_path / "body.md"
    body.write_text(story["body"].rstrip() + f"\n\n{CORRECTION}\n")
    newsroom("story", "edit", JCS, "--body-file", str(body))  # corrected live
    update = newsroom("story", "edit", JCS, "--headline", "A headline made on the old text",
                      "--as-update", "--base", "head~1").split()[0]
    [pending] = newsroom.rows("story", "updates", JCS, "--json")
    assert pending["fields"] == ["headline"]
    newsroom("story", "approve", JCS, update[:8])
    live = newsroom.json("story", "show", JCS, "--json")
    assert live["headline"] == "A headline made on the old text"
    assert CORRECTION in live["body"]
    # A plain edit on an old revision is refused, not written over the correction.
    newsroom("story", "edit", JCS, "--headline", "Stale", "--base", "head~2", code=1)
    assert "changed elsewhere since you opened it" in newsroom.err
