"""A Jekyll site: posts, drafts, collections, permalinks, redirect_from, Liquid."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cms.importers import import_tree
from cms.people import Actor
from cms.store import Store
from tests.importing.conftest import story
from tests.importing.sites import jekyll_site


def test_posts_drafts_and_pages(store: Store, actor: Actor, site_dir: Path) -> None:
    report = import_tree(store, actor, jekyll_site(site_dir))
    assert report.generator == "jekyll" and report.failed == []
    assert sorted(report.created) == [
        "_docs/usage.md", "_drafts/upcoming.md", "_posts/2013-05-06-election-results.md",
        "_posts/2016/2016-10-06-jekyll-3-3-is-here.md",
        "_posts/2022-12-21-jekyll-sass-converter-3.0-released.markdown", "about.md"]
    skipped = dict(report.skipped)
    assert "no front matter" in skipped["README.md"]
    assert report.not_markdown == {".html": 1}
    names = report.created + list(skipped)
    assert not any(n.startswith(("node_modules", ".git", "_includes")) or n == "private.md"
                   for n in names)  # ignored folders and the config's exclude
    assert story(store, "upcoming").status == "draft"
    assert story(store, "election-results").status == "draft"  # published: false


def test_metadata_as_jekyll_means_it(store: Store, actor: Actor, site_dir: Path) -> None:
    import_tree(store, actor, jekyll_site(site_dir))
    sass = story(store, "jekyll-sass-converter-3.0-released")  # the slug kept as written
    assert sass.tags == ("sass", "converter", "release")  # space-separated
    assert sass.section == "release"
    assert sass.byline == "ashmaroli"
    assert sass.standfirst == "The Dart Sass era begins."  # the excerpt, Markdown rendered
    assert sass.publish_at == datetime(2022, 12, 21, 17, 50, tzinfo=UTC)
    older = story(store, "jekyll-3-3-is-here")
    assert older.publish_at == datetime(2016, 10, 6, 18, 10, 38, tzinfo=UTC)
    assert story(store, "election-results").byline == "jekyll-team"  # from the defaults


def test_permalinks_and_redirect_from_are_kept(
    store: Store, actor: Actor, site_dir: Path
) -> None:
    import_tree(store, actor, jekyll_site(site_dir))
    assert story(store, "jekyll-sass-converter-3.0-released").aliases == (
        "/news/2022/12/21/jekyll-sass-converter-3.0-released/", "/sass-3/")
    assert story(store, "usage").aliases == ("/docs/usage/",)
    # A custom permalink ending in / gives pages folder URLs too, as Jekyll does.
    assert story(store, "about").aliases == ("/about/",)


def test_liquid_is_converted_or_flagged(store: Store, actor: Actor, site_dir: Path) -> None:
    report = import_tree(store, actor, jekyll_site(site_dir))
    body = story(store, "jekyll-sass-converter-3.0-released").body
    assert "[docs](/docs/assets/)" in body
    assert "[usage](usage.html)" in body  # {% link %} to the imported collection page
    assert "https://github.com/jekyll/jekyll" in body  # {{ site.repository }}
    assert '```liquid\n{{ "/x" | relative_url }}\n```' in body  # highlight + raw
    assert "Earlier: jekyll-3-3-is-here.html" in body  # {% post_url %}
    assert "include docs_version_badge.html" in body and "{%" not in body
    assert report.flagged == [(
        "_posts/2022-12-21-jekyll-sass-converter-3.0-released.markdown",
        "unknown Liquid tag include")]
    assert report.converted >= 6
