"""A Pelican site: metadata forms, statuses, setext titles, translations, URL settings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cms import stories
from cms.importers import import_tree
from cms.people import Actor
from cms.store import Store
from tests.importing.conftest import story
from tests.importing.sites import pelican_site


def test_articles_pages_and_statuses(store: Store, actor: Actor, site_dir: Path) -> None:
    report = import_tree(store, actor, pelican_site(site_dir))
    assert report.generator == "pelican" and report.failed == []
    skipped = dict(report.skipped)
    assert "skip" in skipped["content/article_skip.md"]
    assert report.not_markdown == {".rst": 1, ".html": 1}
    assert "content/images/chart.md" not in report.created  # STATIC_PATHS
    assert story(store, "hidden-article").status == "draft"
    assert story(store, "draft-article").status == "draft"
    with store.reading() as session:
        assert not any(row.headline == "Skipped article" for row in stories.list_stories(session))


def test_metadata_as_pelican_means_it(store: Store, actor: Actor, site_dir: Path) -> None:
    import_tree(store, actor, pelican_site(site_dir))
    multi = story(store, "article-with-markdown-and-summary-metadata-multi")
    assert multi.standfirst == (
        "A multi-line summary should be supported as well as inline markup.")
    assert multi.byline == "Smith, John; Doe, Jane"
    assert multi.body == "This is some content.\n"
    named = story(store, "markdown-with-filename-metadata")  # a setext title
    assert named.headline == "Markdown with filename metadata"
    assert named.body.strip() == "Body."
    assert named.publish_at == datetime(2012, 11, 29, 23, 0, tzinfo=UTC)  # the file's name
    assert named.section == "yeah" and named.byline == "Alexis Métaireau"
    assert story(store, "slashes").publish_at == datetime(2012, 10, 30, 23, 0, tzinfo=UTC)
    assert story(store, "words").publish_at == datetime(2012, 10, 30, 23, 0, tzinfo=UTC)
    assert story(store, "words").tags == ("a", "b, c")  # a ";" list: commas are text
    with store.reading() as session:
        slashes = stories.story_row(session, "slashes")
    assert slashes.updated_at == datetime(2012, 10, 31, 17, 0, tzinfo=UTC)  # Modified


def test_translations_share_a_slug_and_link(store: Store, actor: Actor, site_dir: Path) -> None:
    import_tree(store, actor, pelican_site(site_dir))
    english, french = story(store, "oh-yeah"), story(store, "oh-yeah-fr")
    assert french.headline == "Trop bien !"
    assert [link.target_story_id for link in english.related] == [french.story_id]
    assert [link.target_story_id for link in french.related] == [english.story_id]
    assert french.aliases == ("/oh-yeah-fr.html",)  # ARTICLE_LANG_URL's default


def test_url_settings_and_links_between_files(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    import_tree(store, actor, pelican_site(site_dir))
    assert story(store, "oh-yeah").aliases == ("/posts/2010/12/oh-yeah/",)
    assert story(store, "override-url-save-as").aliases == ("/override/", "/override/index.html")
    body = story(store, "oh-yeah").body
    assert "[the other](words.html)" in body and "![chart](/images/chart.png)" in body
