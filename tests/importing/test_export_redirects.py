"""An imported archive exported: every old URL of the source site leads to its story."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from cms.export import ExportOptions, export_site
from cms.importers import import_tree
from cms.people import Actor
from cms.store import Store
from tests.export.bundle_check import check_manifest, parse_html, resolve
from tests.importing.sites import hugo_site, jekyll_site, pelican_site

AS_OF = datetime(2026, 1, 1, tzinfo=UTC)


def _follow(out: Path, page: str) -> Path:
    tree = parse_html((out / page).read_bytes())
    refresh = tree.find(".//meta[@http-equiv='refresh']")
    assert refresh is not None, page
    return resolve(out, out / page, refresh.get("content", "").split("url=", 1)[1])


def test_old_urls_of_every_generator_resolve_in_the_bundle(
    sqlite_store: Store, tmp_path: Path
) -> None:
    from cms.people import actor_for

    with sqlite_store.session() as session:
        actor: Actor = actor_for(session, "tester", sqlite_store.replica_id)
    for make in (hugo_site, jekyll_site, pelican_site):
        import_tree(sqlite_store, actor, make(tmp_path / make.__name__))
    out = tmp_path / "bundle"
    export_site(sqlite_store, ExportOptions(out=out, as_of=AS_OF, cache_dir=None))
    mapping = json.loads((out / "redirects.json").read_text())["redirects"]
    expected = {
        "posts/first-story/index.html": "first-story.html",
        "2024/12/first/index.html": "first-story.html",
        "news/2022/12/21/jekyll-sass-converter-3.0-released/index.html":
            "jekyll-sass-converter-3.0-released.html",
        "sass-3/index.html": "jekyll-sass-converter-3.0-released.html",
        "posts/2010/12/oh-yeah/index.html": "oh-yeah.html",
        "oh-yeah-fr.html": "oh-yeah-fr.html",
        "override/index.html": "override-url-save-as.html",
    }
    for page, story_page in expected.items():
        target = _follow(out, page)
        assert target == out / "stories" / story_page, page
        assert target.exists()
        assert mapping["/" + page.removesuffix("index.html")] == f"/stories/{story_page}"
    # Not public: no redirect to a page that is not there.
    assert "/news/2013/05/06/election-results/" not in mapping
    check_manifest(out)
