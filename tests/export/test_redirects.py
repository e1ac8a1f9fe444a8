"""Redirect pages for stories' old URLs: they resolve, and re-exports keep them exact."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cms import stories
from cms.export.redirects import page_for
from cms.people import Actor
from cms.store import Store
from tests.export.bundle_check import check_manifest, parse_html, resolve
from tests.export.conftest import AS_OF, JCS_SLUG, RunExport
from tests.export.quick_check import edit, fresh_diff

OLD = ("/2024/12/23/drones/", "/posts/drones.html", "/p/123", "/feed/drones.xml",
       "/Caps/Old/")


def _target(out: Path, page: str) -> Path:
    """The file the redirect page at ``page`` sends readers to (checked both ways)."""
    tree = parse_html((out / page).read_bytes())
    refresh = tree.find(".//meta[@http-equiv='refresh']")
    canonical = tree.find(".//link[@rel='canonical']")
    assert refresh is not None and canonical is not None
    match = re.match(r"0; url=(.+)$", refresh.get("content", ""))
    assert match is not None
    target = resolve(out, out / page, match.group(1))
    assert canonical.get("href", "").endswith(target.relative_to(out).as_posix())
    return target


def test_every_old_url_leads_to_the_story(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    edit(sample_store, sample_actor, JCS_SLUG, aliases=OLD)
    out = tmp_path / "site"
    run_export(out)
    story = out / "stories" / f"{JCS_SLUG}.html"
    for page in ("2024/12/23/drones/index.html", "posts/drones.html", "p/123/index.html"):
        assert _target(out, page) == story, page
    assert not (out / "feed").exists() and not (out / "Caps").exists()
    mapping = json.loads((out / "redirects.json").read_text())["redirects"]
    assert mapping == {alias: f"/stories/{JCS_SLUG}.html" for alias in OLD}
    check_manifest(out)


def test_a_real_page_wins_over_an_old_url(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    edit(sample_store, sample_actor, JCS_SLUG, aliases=("/index.html", "/sitemap.xml",
                                                        "/stories/"))
    out = tmp_path / "site"
    run_export(out)
    assert b"http-equiv" not in (out / "index.html").read_bytes()
    assert _target(out, "stories/index.html").name == f"{JCS_SLUG}.html"


def test_the_story_published_first_keeps_an_old_url_two_claim(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    with sample_store.reading() as session:
        rows = sorted(stories.list_stories(session), key=lambda row: row.publish_at or AS_OF)
    edit(sample_store, sample_actor, rows[-1].id, aliases=("/shared/",))
    edit(sample_store, sample_actor, rows[0].id, aliases=("/shared/",))
    out = tmp_path / "site"
    run_export(out)
    assert _target(out, "shared/index.html").name == f"{rows[0].slug}.html"


def test_re_exports_after_alias_changes_equal_fresh_exports(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    steps: list[tuple[str, dict[str, Any]]] = [
        (JCS_SLUG, {"aliases": ("/old/jcs/",)}),
        (JCS_SLUG, {"aliases": ("/old/jcs/", "/older/jcs.html")}),
        (archive[5], {"aliases": ("/older/jcs.html", "/archive/5/")}),
        (JCS_SLUG, {"aliases": ()}),
        (archive[5], {"slug": "renamed-five"}),  # its old page becomes a redirect
        (archive[5], {"headline": "Only the headline"}),  # quick: redirects unchanged
    ]
    for number, (story, changes) in enumerate(steps):
        edit(sample_store, sample_actor, story, **changes)
        run_export(out)
        assert fresh_diff(sample_store, out, tmp_path / f"fresh-{number}") == [], changes
        check_manifest(out)
    assert not (out / "old").exists()
    with sample_store.reading() as session:
        doc, _ = stories.get(session, archive[5])
    old_page = next(a for a in doc.aliases if a.startswith("/stories/")).lstrip("/")
    assert _target(out, old_page).name == "renamed-five.html"


def test_only_paths_that_can_name_a_file_become_pages() -> None:
    assert page_for("/") == "index.html"
    assert page_for("/a/b/") == "a/b/index.html"
    assert page_for("/a/b") == "a/b/index.html"
    assert page_for("/a/b.htm") == "a/b.htm"
    assert page_for("/a/b.php") is None
    assert page_for("/A/b/") is None
    assert page_for("/caf%C3%A9/") is None


def test_two_old_urls_of_one_file_make_one_page(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    edit(sample_store, sample_actor, JCS_SLUG, aliases=("/override/", "/override/index.html"))
    out = tmp_path / "site"
    report = run_export(out)
    assert _target(out, "override/index.html").name == f"{JCS_SLUG}.html"
    assert report.written == len(set(report.written_paths))
    check_manifest(out)


def test_a_warm_export_links_redirect_pages_from_the_cache(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    """Redirect pages are kept in the export cache like story pages: a warm export into a
    new folder hard-links them instead of creating each file again (an imported archive
    has one per story, and creating 10,000 small files took seconds)."""
    edit(sample_store, sample_actor, JCS_SLUG, aliases=OLD)
    first, second = tmp_path / "first", tmp_path / "second"
    run_export(first)
    run_export(second)
    for page in ("2024/12/23/drones/index.html", "posts/drones.html", "p/123/index.html"):
        assert (second / page).stat().st_nlink > 1, page
        assert (second / page).stat().st_ino == (first / page).stat().st_ino, page
        assert (second / page).read_bytes() == (first / page).read_bytes()
