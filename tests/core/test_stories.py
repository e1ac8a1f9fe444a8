"""Stories and their revisions on both backends: save, history, diff, restore."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cms import stories
from cms.diff import changed_fields, diff_documents
from cms.document import StoryDocument
from cms.errors import Ambiguous, ConflictError, NotFound, UsageError
from cms.people import Actor
from cms.revisions import load_document, resolve_revision, story_revisions
from cms.store import Store

FIXED_DOC = StoryDocument(
    story_id="5a0f4f52-8c1e-4a8e-9e55-4d1d2f1b0a01", slug="fence-test", headline="Fence test",
    body="A goat.\n", tags=("jcs",),
)
# Pinned: the id is a content address, so it must never change between backends,
# machines or releases (replicas compare these ids to decide what to send).
FIXED_REVISION = "dd9bc0aafc5cb3273c532471575ff2d6f24f650a4c9a0a5cd48d5da095f2c470"


def test_the_same_document_gives_the_same_revision_id_on_every_backend(
    store: Store, actor: Actor
) -> None:
    with store.session() as session:
        saved = stories.save(session, actor, FIXED_DOC, new=True)
    assert saved.revision_id == FIXED_REVISION
    with store.reading() as session:
        assert load_document(session, FIXED_REVISION) == FIXED_DOC.normalised()


def test_create_edit_and_history(store: Store, actor: Actor) -> None:
    with store.session() as session:
        first = stories.create(session, actor, headline="Drones for Russia", body="One.\n",
                               section="North Korea", tags=["Russia", "drones"])
    story_id = first.document.story_id
    assert first.document.slug == "drones-for-russia"
    assert first.document.section == "north-korea"
    with store.session() as session:
        second = stories.edit(session, actor, "drones-for-russia", body="One.\n\nTwo.\n")
        third = stories.edit(session, actor, story_id[:8], headline="More drones for Russia")
    with store.reading() as session:
        history = story_revisions(session, story_id)
        assert [rev.id for rev in history] == [
            third.revision_id, second.revision_id, first.revision_id
        ]
        assert history[0].parents == (second.revision_id,)
        assert history[0].author == "tester"
        assert history[0].replica_id == store.replica_id
        row = stories.story_row(session, story_id)
        assert row.revision_id == third.revision_id
        assert row.headline == "More drones for Russia"
        assert row.slug == "drones-for-russia"  # editing the headline keeps the URL


def test_saving_unchanged_content_makes_no_revision(store: Store, actor: Actor) -> None:
    with store.session() as session:
        first = stories.create(session, actor, headline="Same", body="Text\n")
        again = stories.edit(session, actor, first.document.story_id, body="Text\r\n")
    assert not again.created and again.revision_id == first.revision_id
    with store.reading() as session:
        assert len(story_revisions(session, first.document.story_id)) == 1


def test_a_save_based_on_an_old_head_is_refused(store: Store, actor: Actor) -> None:
    with store.session() as session:
        first = stories.create(session, actor, headline="Base", body="A\n")
        stories.edit(session, actor, "base", body="B\n")
    with pytest.raises(ConflictError, match="changed elsewhere"), store.session() as session:
        stories.edit(session, actor, "base", body="C\n", base_revision=first.revision_id)
    with store.reading() as session:
        assert stories.get(session, "base")[0].body == "B\n"


def test_slugs_are_unique_and_validated(store: Store, actor: Actor) -> None:
    with store.session() as session:
        a = stories.create(session, actor, headline="Storm warning")
        b = stories.create(session, actor, headline="Storm warning")
    assert (a.document.slug, b.document.slug) == ("storm-warning", "storm-warning-2")
    with pytest.raises(UsageError, match="belongs to another story"), store.session() as s:
        stories.edit(s, actor, b.document.story_id, slug="storm-warning")
    with pytest.raises(UsageError, match="invalid slug"), store.session() as s:
        stories.edit(s, actor, b.document.story_id, slug="../etc/passwd")


@pytest.mark.parametrize("headline", ["", "   ", "\n"])
def test_empty_headlines_are_refused_and_nothing_is_written(
    store: Store, actor: Actor, headline: str
) -> None:
    with pytest.raises(UsageError, match="headline is empty"), store.session() as session:
        stories.create(session, actor, headline=headline)
    with store.reading() as session:
        assert stories.count_stories(session) == 0


def test_unknown_and_ambiguous_references(store: Store, actor: Actor) -> None:
    with store.session() as session:
        stories.create(session, actor, headline="Border fence one")
        stories.create(session, actor, headline="Border fence two")
    with store.reading() as session:
        with pytest.raises(NotFound):
            stories.resolve(session, "no-such-story")
        with pytest.raises(Ambiguous, match="several stories"):
            stories.resolve(session, "border-fence")
        assert stories.resolve(session, "border-fence-one")


def test_diff_is_field_by_field_and_line_by_line(store: Store, actor: Actor) -> None:
    with store.session() as session:
        first = stories.create(session, actor, headline="Old", body="a\nb\nc\n")
        second = stories.edit(session, actor, "old", headline="New", body="a\nB\nc\n",
                              tags=["x"])
    with store.reading() as session:
        old = load_document(session, first.revision_id)
        new = load_document(session, second.revision_id)
    diff = diff_documents(old, new)
    assert {c.name for c in diff.fields} == {"headline", "tags"}
    assert "-b" in diff.body and "+B" in diff.body
    assert changed_fields(old, new) == ["headline", "tags", "body"]


def test_restore_makes_a_new_revision_on_top(store: Store, actor: Actor) -> None:
    with store.session() as session:
        first = stories.create(session, actor, headline="Restore me", body="original\n")
        second = stories.edit(session, actor, "restore-me", body="changed\n")
    with store.session() as session:
        restored = stories.restore(session, actor, "restore-me", first.revision_id[:8])
    assert restored.created
    assert restored.revision_id not in (first.revision_id, second.revision_id)
    with store.reading() as session:
        doc, head = stories.get(session, "restore-me")
        assert doc.body == "original\n" and head == restored.revision_id
        history = story_revisions(session, doc.story_id)
        assert history[0].parents == (second.revision_id,)
        assert "restored" in history[0].message
        assert resolve_revision(session, doc.story_id, "head~2", head) == first.revision_id


def test_list_filters_and_times_are_aware_utc(store: Store, actor: Actor) -> None:
    when = datetime(2024, 12, 23, 6, 20, tzinfo=UTC)
    with store.session() as session:
        stories.create(session, actor, headline="A", section="Politics", status="published",
                       publish_at=when)
        stories.create(session, actor, headline="B", section="Sport")
    with store.reading() as session:
        rows = stories.list_stories(session, section="politics")
        assert [r.headline for r in rows] == ["A"]
        assert rows[0].publish_at == when and rows[0].publish_at.tzinfo is not None
        assert [r.headline for r in stories.list_stories(session, status="draft")] == ["B"]
        assert len(stories.list_stories(session, limit=1)) == 1
        with pytest.raises(UsageError, match="unknown status"):
            stories.list_stories(session, status="bogus")
