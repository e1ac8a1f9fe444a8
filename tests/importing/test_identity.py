"""Which story a file is: provenance, never a slug alone; re-imports keep the desk's edits;
--dry-run tells what would happen and changes nothing."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from cms import stories
from cms.importers import ImportOptions, import_tree
from cms.models import Section, Story
from cms.people import Actor
from cms.store import Store
from tests.importing.conftest import revision_count, story
from tests.importing.sites import jekyll_site, write


def test_a_hand_written_story_is_never_overwritten(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    with store.session() as session:
        mine = stories.create(session, actor, headline="Election results",
                              body="My own draft.\n")
    root = write(site_dir / "_posts" / "2012-10-31-election-results.md",
                 "---\ntitle: Election results\n---\nThe archive's text.\n").parent
    report = import_tree(store, actor, root)
    assert report.collisions == [("_posts/2012-10-31-election-results.md",
                                  "the slug 'election-results' belongs to the story "
                                  "'Election results': imported as 'election-results-2'")]
    assert story(store, "election-results").body == "My own draft.\n"
    assert story(store, "election-results").status == "draft"
    assert story(store, "election-results").story_id == mine.document.story_id
    imported = story(store, "election-results-2")
    assert imported.body == "The archive's text.\n"
    assert imported.aliases == ("/2012/10/31/election-results.html",)
    again = import_tree(store, actor, root)
    assert again.unchanged == ["_posts/2012-10-31-election-results.md"]
    assert again.collisions == []


def test_a_re_import_keeps_what_the_desk_changed(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    path = write(site_dir / "_posts" / "2012-10-31-vote.md",
                 "---\ntitle: Vote count\ntags: [vote]\n---\nFirst text.\n")
    import_tree(store, actor, site_dir)
    with store.session() as session:
        stories.edit(session, actor, "vote", headline="Vote count: the desk's headline")
    path.write_text("---\ntitle: Vote count (final)\ntags: [vote, final]\n---\nFinal text.\n")
    report = import_tree(store, actor, site_dir)
    assert report.updated == ["_posts/2012-10-31-vote.md"]
    assert ("_posts/2012-10-31-vote.md", "kept the desk's headline: it was changed in "
            "Newsroom and in the source") in report.warnings
    vote = story(store, "vote")
    assert vote.headline == "Vote count: the desk's headline"
    assert vote.body == "Final text.\n" and vote.tags == ("vote", "final")
    # A source change to a field the desk left alone keeps coming through.
    path.write_text("---\ntitle: Vote count (final)\ntags: [vote]\n---\nFinal text.\n")
    import_tree(store, actor, site_dir)
    assert story(store, "vote").tags == ("vote",)
    assert story(store, "vote").headline == "Vote count: the desk's headline"


def test_a_story_deleted_in_newsroom_is_not_imported_again(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    path = write(site_dir / "_posts" / "2012-10-31-gone.md", "---\ntitle: Gone\n---\nx\n")
    import_tree(store, actor, site_dir)
    with store.session() as session:
        stories.save(session, actor, stories.get(session, "gone")[0].evolve(deleted=True))
    path.write_text("---\ntitle: Gone, edited\n---\nx\n")
    report = import_tree(store, actor, site_dir)
    assert "deleted" in dict(report.skipped)["_posts/2012-10-31-gone.md"]


def test_a_dry_run_tells_what_an_import_does_and_changes_nothing(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    root = jekyll_site(site_dir)
    with store.session() as session:
        stories.create(session, actor, headline="About", body="Ours.\n")
    before = revision_count(store)
    with store.reading() as session:
        sections = session.scalar(sa.select(sa.func.count()).select_from(Section))
    preview = import_tree(store, actor, root, options=ImportOptions(dry_run=True))
    assert revision_count(store) == before
    with store.reading() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Section)) == sections
        assert session.scalar(sa.select(sa.func.count()).select_from(Story)) == 1
    assert preview.summary().startswith("would import 6 new")
    done = import_tree(store, actor, root)
    assert (sorted(preview.created), preview.collisions, preview.skipped, preview.flagged) == (
        sorted(done.created), done.collisions, done.skipped, done.flagged)
    assert [name for name, _ in preview.collisions] == ["about.md"]


def test_status_and_section_options_apply_to_every_story(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    import_tree(store, actor, jekyll_site(site_dir),
                options=ImportOptions(status="draft", section="Archive"))
    with store.reading() as session:
        rows = stories.list_stories(session)
    assert {row.status for row in rows} == {"draft"}
    assert {row.section for row in rows} == {"archive"}


def test_a_reporter_imports_drafts_but_cannot_publish(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    from cms.people import actor_for

    with store.session() as session:
        reporter = actor_for(session, "rita", store.replica_id)
    root = jekyll_site(site_dir)
    preview = import_tree(store, reporter, root, options=ImportOptions(dry_run=True))
    report = import_tree(store, reporter, root)
    assert sorted(report.created) == ["_drafts/upcoming.md",
                                      "_posts/2013-05-06-election-results.md"]
    assert {name for name, _ in report.failed} == {name for name, _ in preview.failed}
    assert len(report.failed) == 4
