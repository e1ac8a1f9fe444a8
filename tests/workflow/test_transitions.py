"""Workflow moves by role, their record, and enforcement on every save path."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from cms import people, stories, transitions, workflow
from cms.errors import NotFound, PermissionDenied, UsageError
from cms.importers import import_tree
from cms.models import StoryTransition
from cms.people import actor_for
from cms.revisions import story_revisions
from cms.sample import install_sample
from cms.store import Store
from tests.workflow.conftest import NOW, Desk


def _move(desk: Desk, who: str, story_id: str, to: str, note: str = "") -> None:
    with desk.store.session() as session:
        transitions.transition(session, getattr(desk, who), story_id, to, note=note, now=NOW)


def test_full_path_each_role_does_its_part(desk: Desk) -> None:
    story = desk.story()
    _move(desk, "reporter", story, "edit")
    _move(desk, "editor", story, "ready")
    with desk.store.session() as session:
        stories.edit(session, desk.chief, story, publish_at=NOW + timedelta(hours=2), now=NOW)
    _move(desk, "chief", story, "scheduled")
    _move(desk, "chief", story, "published")
    _move(desk, "chief", story, "corrected", "The vote was 31 to 12, not 31 to 21.")
    with desk.store.reading() as session:
        history = workflow.history(session, story)
        document, _ = stories.get(session, story)
    assert [(h.from_status, h.to_status, h.username) for h in history] == [
        ("draft", "edit", "rita"), ("edit", "ready", "eddie"), ("ready", "scheduled", "chloe"),
        ("scheduled", "published", "chloe"), ("published", "corrected", "chloe"),
    ]
    assert history[-1].note == "The vote was 31 to 12, not 31 to 21."
    assert document.correction == "The vote was 31 to 12, not 31 to 21."
    # Published by hand before its planned time: the publication time is the real one.
    assert document.publish_at == NOW


@pytest.mark.parametrize(
    ("who", "start", "target"),
    [
        ("reporter", "draft", "ready"),
        ("reporter", "edit", "ready"),
        ("editor", "ready", "scheduled"),
        ("editor", "ready", "published"),
        ("editor", "edit", "killed"),
        ("reporter", "draft", "killed"),
    ],
)
def test_roles_below_the_table_are_refused_and_nothing_changes(
    desk: Desk, who: str, start: str, target: str
) -> None:
    story = desk.story(status=start, publish_at=NOW + timedelta(days=1))
    with desk.store.reading() as session:
        before = stories.head_revision(session, story)
    with pytest.raises(PermissionDenied, match=r"needs a|may not move"), \
            desk.store.session() as session:
        transitions.transition(session, getattr(desk, who), story, target, note="why", now=NOW)
    with desk.store.reading() as session:
        assert stories.head_revision(session, story) == before
    assert desk.status(story) == start


def test_allowed_targets_follow_the_table(desk: Desk) -> None:
    with desk.store.reading() as session:
        assert workflow.allowed_targets(session, desk.reporter, "draft") == ["edit"]
        assert workflow.allowed_targets(session, desk.editor, "edit") == ["draft", "ready"]
        assert workflow.allowed_targets(session, desk.chief, "ready") == [
            "edit", "scheduled", "published", "killed"]
        assert workflow.allowed_targets(session, desk.reporter, "published") == []


def test_kill_and_correct_need_a_note(desk: Desk) -> None:
    story = desk.story(status="published", publish_at=NOW - timedelta(hours=1))
    for target in ("killed", "corrected"):
        with pytest.raises(UsageError, match="needs a note"), desk.store.session() as session:
            transitions.transition(session, desk.chief, story, target, now=NOW)
    _move(desk, "chief", story, "killed", "Legal asked us to pull it.")
    assert desk.status(story) == "killed"


def test_second_correction_appends(desk: Desk) -> None:
    story = desk.story(status="published", publish_at=NOW - timedelta(hours=1))
    _move(desk, "chief", story, "corrected", "First fix.")
    _move(desk, "chief", story, "corrected", "Second fix.")
    with desk.store.reading() as session:
        assert stories.get(session, story)[0].correction == "First fix.\n\nSecond fix."
        assert [h.to_status for h in workflow.history(session, story)][-2:] == [
            "corrected", "corrected"]


def test_unknown_status_and_same_status(desk: Desk) -> None:
    story = desk.story()
    with pytest.raises(UsageError, match="unknown status"), desk.store.session() as session:
        transitions.transition(session, desk.chief, story, "archived", now=NOW)
    with pytest.raises(UsageError, match="already draft"), desk.store.session() as session:
        transitions.transition(session, desk.chief, story, "draft", now=NOW)


def test_plain_edit_cannot_change_status_beyond_the_role(desk: Desk) -> None:
    story = desk.story()
    with pytest.raises(PermissionDenied), desk.store.session() as session:
        stories.edit(session, desk.reporter, story, status="published", now=NOW)
    assert desk.status(story) == "draft"
    # A reporter's allowed move through a plain edit is allowed and recorded.
    with desk.store.session() as session:
        stories.edit(session, desk.reporter, story, status="edit", now=NOW)
        rows = session.scalars(sa.select(StoryTransition).where(
            StoryTransition.story_id == story)).all()
    assert [(r.from_status, r.to_status, r.username) for r in rows] == [("draft", "edit", "rita")]


def test_desk_chief_may_jump_along_a_permitted_path(desk: Desk) -> None:
    story = desk.story()
    with desk.store.session() as session:
        stories.edit(session, desk.chief, story, status="published",
                     publish_at=NOW - timedelta(minutes=5), message="imported", now=NOW)
    with desk.store.reading() as session:
        (move,) = workflow.history(session, story)
        revisions = story_revisions(session, story)
    assert (move.from_status, move.to_status) == ("draft", "published")
    assert "status draft → published" in revisions[0].message


def test_creating_a_story_already_published_needs_a_desk_chief(desk: Desk) -> None:
    with pytest.raises(PermissionDenied), desk.store.session() as session:
        stories.create(session, desk.reporter, headline="Straight to print", status="published",
                       publish_at=NOW, now=NOW)
    with desk.store.reading() as session:
        assert stories.list_stories(session) == []


def test_reporter_cannot_move_publication_time_or_embargo(desk: Desk) -> None:
    story = desk.story(status="ready")
    with desk.store.session() as session:
        stories.edit(session, desk.chief, story, publish_at=NOW + timedelta(days=1), now=NOW)
        transitions.transition(session, desk.chief, story, "scheduled", now=NOW)
    with pytest.raises(PermissionDenied, match="publication time of a scheduled story needs a "
                                               "desk chief"), \
            desk.store.session() as session:
        stories.edit(session, desk.reporter, story, publish_at=NOW + timedelta(minutes=1),
                     now=NOW)
    with pytest.raises(PermissionDenied), desk.store.session() as session:
        stories.edit(session, desk.editor, story, embargo_until=NOW + timedelta(days=2), now=NOW)
    with desk.store.reading() as session:
        document, _ = stories.get(session, story)
    assert (document.publish_at, document.embargo_until) == (NOW + timedelta(days=1), None)


def test_restore_brings_back_content_never_a_status(desk: Desk) -> None:
    story = desk.story(status="published", publish_at=NOW - timedelta(hours=1))
    with desk.store.session() as session:
        stories.edit(session, desk.chief, story, headline="Tram line approved", now=NOW)
        _, head = stories.get(session, story)
    _move(desk, "chief", story, "killed", "Wrong council.")
    with desk.store.session() as session:
        stories.edit(session, desk.chief, story, headline="Killed: wrong council", now=NOW)
    with pytest.raises(PermissionDenied, match="changing a killed story needs a desk chief"), \
            desk.store.session() as session:
        stories.restore(session, desk.reporter, story, head, now=NOW)
    with desk.store.session() as session:
        saved = stories.restore(session, desk.chief, story, head, now=NOW)
    assert saved.document.headline == "Tram line approved"
    assert saved.document.status == "killed"  # a restore never publishes again
    with desk.store.reading() as session:
        moves = workflow.history(session, story)
        info = story_revisions(session, story)[0]
    assert (moves[-1].from_status, moves[-1].to_status) == ("published", "killed")
    assert "status, times and embargo unchanged" in info.message


def test_import_needs_a_desk_chief_for_published_files(desk: Desk, tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "out.md").write_text("Title: Out already\nDate: 2024-01-02 10:00\n\nBody.\n")
    (root / "draft.md").write_text("Title: Not yet\nStatus: draft\n\nBody.\n")
    report = import_tree(desk.store, desk.reporter, root)
    assert [name for name, _ in report.failed] == ["out.md"]
    assert "desk chief" in report.failed[0][1] or "may not move" in report.failed[0][1]
    assert report.created == ["draft.md"]
    report = import_tree(desk.store, desk.chief, root)
    assert report.created == ["out.md"]
    with desk.store.reading() as session:
        published = stories.list_stories(session, status="published")
    assert [row.headline for row in published] == ["Out already"]


def test_sample_installs_as_the_first_person(store: Store) -> None:
    with store.session() as session:
        admin = actor_for(session, "first", store.replica_id)
    report = install_sample(store, admin)
    assert len(report.created) == 6
    with store.reading() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(StoryTransition)) == 6


def test_assign_role_is_for_admins_and_keeps_one_admin(desk: Desk) -> None:
    with pytest.raises(PermissionDenied, match="manage people"), desk.store.session() as session:
        people.assign_role(session, desk.chief, "rita", "desk_chief")
    with pytest.raises(UsageError, match="only admin"), desk.store.session() as session:
        people.assign_role(session, desk.admin, "ada", "reporter")
    with pytest.raises(NotFound, match="nobody called 'newcomer'"), \
            desk.store.session() as session:
        people.assign_role(session, desk.admin, "newcomer", "editor")
    with desk.store.session() as session:
        people.add_person(session, desk.admin, "newcomer", "editor")
        person = people.assign_role(session, desk.admin, "newcomer", "desk_chief")
        assert person.role == "desk_chief"
