"""A Hugo site: bundles, sections, same names in two folders, translations, URLs, shortcodes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from cms import stories
from cms.importers import import_tree
from cms.models import ImportSource, Story
from cms.people import Actor
from cms.store import Store
from tests.importing.conftest import revision_count, story
from tests.importing.sites import hugo_site


def test_every_page_is_its_own_story(store: Store, actor: Actor, site_dir: Path) -> None:
    report = import_tree(store, actor, hugo_site(site_dir))
    assert report.generator == "hugo" and report.failed == []
    assert len(report.created) == 9
    skipped = dict(report.skipped)
    assert "_index.md" in skipped["content/en/_index.md"]
    assert "names the section" in skipped["content/en/politics/_index.md"]
    assert "never renders" in skipped["content/en/_common/snippet.md"]
    assert not any("archetypes" in name or "themes" in name for name in
                   report.created + [n for n, _ in report.skipped])
    first, second = story(store, "first-story"), story(store, "second-story")
    assert first.headline == "First story" and second.headline == "Second story"
    # Same file name in two sections: two stories, the second reported.
    assert story(store, "update").headline == "Politics update"
    assert story(store, "update-2").headline == "Sport update"
    assert dict(report.collisions)["content/en/sport/update.md"].endswith("'update-2'")


def test_sections_tags_and_names_in_every_script(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    import_tree(store, actor, hugo_site(site_dir))
    korean = story(store, "korean")
    assert korean.headline == "서울 시장 선거 결과"
    assert korean.tags == ("マック", "선거")
    assert story(store, "update").section == "politics-power"  # its _index.md's title
    with store.reading() as session:
        names = {s.slug: s.name for s in stories.sections(session)}
    assert names[korean.section or ""] == "지방선거"
    assert names["politics-power"] == "Politics & Power"


def test_dates_as_hugo_means_them(store: Store, actor: Actor, site_dir: Path) -> None:
    report = import_tree(store, actor, hugo_site(site_dir))
    first = story(store, "first-story")
    assert first.publish_at == datetime(2024, 12, 3, 13, 30, tzinfo=UTC)
    # A date without a zone is in the site's timeZone (Asia/Seoul).
    assert story(store, "second-story").publish_at == datetime(2024, 12, 3, 15, 0, tzinfo=UTC)
    assert story(store, "update").status == "scheduled"  # a future publishDate
    assert story(store, "update-2").status == "draft"  # expired
    assert any("expired" in message for _, message in report.warnings)
    with store.reading() as session:
        second = stories.story_row(session, "second-story")
    assert second.updated_at == datetime(2024, 12, 6, 10, 0, tzinfo=UTC)  # lastmod


def test_urls_are_kept_as_aliases(store: Store, actor: Actor, site_dir: Path) -> None:
    import_tree(store, actor, hugo_site(site_dir))
    assert story(store, "first-story").aliases == (
        "/2024/12/first/", "/posts/first-story/", "/posts/old-first")
    assert story(store, "vote-fr").aliases == ("/fr/news/vote/",)


def test_translations_are_separate_linked_stories(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    import_tree(store, actor, hugo_site(site_dir))
    english, french = story(store, "vote"), story(store, "vote-fr-2")
    assert french.headline == "Le vote est passé"
    assert french.story_id in {link.target_story_id for link in english.related}
    assert english.story_id in {link.target_story_id for link in french.related}
    with store.reading() as session:
        languages = {row.path: row.language for row in session.execute(
            sa.select(ImportSource.path, ImportSource.language))}
    assert languages["content/fr/news/vote.md"] == "fr"
    assert languages["content/en/news/vote.md"] == "en"


def test_shortcodes_are_converted_or_flagged(store: Store, actor: Actor, site_dir: Path) -> None:
    report = import_tree(store, actor, hugo_site(site_dir))
    body = story(store, "second-story").body
    assert "See first-story.html and first-story.html." in body  # ref and relref
    assert "![Votes](/img/chart.png)" in body and "*The count*" in body
    assert "[YouTube video](https://www.youtube.com/watch?v=w7Ft2ymGmfc)" in body
    assert "https://github.com/example/news/" in body  # param from the site's params
    assert "```go\nfunc main() {}\n```" in body
    assert "code-toggle file=hugo" in body and "{{<" not in body.replace(
        '{{< figure src="x" >}}', "")  # only the escaped one stays, as its author wrote
    assert report.flagged == [("content/en/posts/second-story/index.md",
                               "unknown shortcode code-toggle")]
    with store.reading() as session:
        notes = session.scalar(sa.select(ImportSource.notes).where(
            ImportSource.path == "content/en/posts/second-story/index.md"))
    assert notes is not None and any("code-toggle" in note for note in notes)


def test_importing_the_same_tree_twice_writes_nothing(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    root = hugo_site(site_dir)
    import_tree(store, actor, root)
    before = revision_count(store)
    again = import_tree(store, actor, root)
    assert (again.created, again.updated, again.collisions) == ([], [], [])
    assert len(again.unchanged) == 9
    assert revision_count(store) == before


def test_importing_a_content_folder_finds_its_site(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    root = hugo_site(site_dir)
    import_tree(store, actor, root / "content" / "en" / "posts")
    again = import_tree(store, actor, root)  # the same files, known by their site
    assert sorted(again.unchanged) == ["content/en/posts/first-story/index.md",
                                       "content/en/posts/second-story/index.md"]
    with store.reading() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Story)) == 9
