"""Old URLs as a story's aliases: in the document, checked, and kept when a public story moves."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from cms import stories
from cms.aliases import carry_aliases, check_alias
from cms.document import StoryDocument, document_from_json, revision_id
from cms.errors import UsageError
from cms.models import Revision, Story
from cms.people import Actor
from cms.store import Store


def test_an_empty_alias_list_leaves_the_canonical_form_and_every_id_as_before() -> None:
    doc = StoryDocument(story_id="s1", slug="a", headline="A")
    assert "aliases" not in doc.canonical()
    # The id a revision of this document had before aliases existed.
    before = {k: v for k, v in doc.canonical().items()}
    assert revision_id(doc, []) == revision_id(before, [])
    moved = doc.evolve(aliases=("/x/", "/a/b.html", "/x/"))
    assert moved.canonical()["aliases"] == ["/a/b.html", "/x/"]
    assert moved.normalised().aliases == ("/a/b.html", "/x/")


def test_a_stored_revision_saved_again_unchanged_keeps_its_id(store: Store, actor: Actor) -> None:
    with store.session() as session:
        saved = stories.create(session, actor, headline="Kept as it was")
        content = session.scalar(sa.select(Revision.content).where(
            Revision.id == saved.revision_id))
        assert content is not None and "aliases" not in json.loads(content)
        again = stories.save(session, actor, document_from_json(content))
    assert (again.created, again.revision_id) == (False, saved.revision_id)


@pytest.mark.parametrize("bad", [
    "relative/path", "//evil.example/x", "https://evil.example/", "/a/../b", "/a/./b",
    "/with space", "/tab\there", "/new\nline", "/back\\slash", "/q?x=1", "/frag#x",
    "/" + "a" * 400, "/quote\"", "/<script>",
])
def test_aliases_are_checked_like_slugs(bad: str) -> None:
    with pytest.raises(UsageError):
        check_alias(bad)


def test_good_aliases_pass() -> None:
    for good in ("/2012/10/31/old-post/", "/posts/x.html", "/news/caf%C3%A9/", "/", "/a_b~c"):
        assert check_alias(good) == good


def test_a_save_refuses_bad_aliases_and_keeps_good_ones(store: Store, actor: Actor) -> None:
    with store.session() as session:
        saved = stories.create(session, actor, headline="Old post")
        with pytest.raises(UsageError, match="old URL"):
            stories.edit(session, actor, saved.document.story_id, aliases=("../etc/passwd",))
        stories.edit(session, actor, saved.document.story_id, aliases=("/2012/old/",))
        row = session.scalar(sa.select(Story.aliases).where(
            Story.id == saved.document.story_id))
    assert row is not None and json.loads(row) == ["/2012/old/"]


def test_a_published_story_keeps_its_old_page_when_its_slug_changes(
    store: Store, actor: Actor
) -> None:
    with store.session() as session:
        saved = stories.create(session, actor, headline="Vote", status="published",
                               publish_at=None)
        story = saved.document.story_id
        stories.edit(session, actor, story, slug="vote-count")
        doc, _ = stories.get(session, story)
        assert doc.aliases == ("/stories/vote.html",)
        stories.edit(session, actor, story, slug="vote")  # back again: not its own alias
        doc, _ = stories.get(session, story)
        assert doc.aliases == ("/stories/vote-count.html",)


def test_a_draft_moves_without_leaving_an_alias() -> None:
    before = StoryDocument(story_id="s", slug="old", headline="H", status="draft")
    assert carry_aliases(before, before.evolve(slug="new")).aliases == ()
    public = before.evolve(status="corrected")
    assert carry_aliases(public, public.evolve(slug="new")).aliases == ("/stories/old.html",)
    assert carry_aliases(None, public).aliases == ()
