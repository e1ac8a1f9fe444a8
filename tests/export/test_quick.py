"""Quick re-exports: after edits to what pages show of some stories, only the pages
showing them are remade, from the folder's site index, and the folder then holds
exactly what a first export into a new folder holds."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cms import stories
from cms.export import ExportOptions, export_site
from cms.export.paths import STATE_FILE
from cms.people import Actor
from cms.store import Store
from tests.export.bundle_check import check_manifest
from tests.export.conftest import AS_OF, JCS_SLUG, RunExport
from tests.export.quick_check import edit, fresh_diff

SECTIONS = ("politics", "world", "business")
TAGS = ("seoul", "markets", "drones", "energy", "courts")


def test_edits_to_what_pages_show_are_exported_quickly_and_exactly(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = run_export(out)
    edits = [
        ("a headline on the front page", archive[0], {"headline": "A new headline"}),
        ("a headline far down the lists", archive[80], {"headline": "Old news, new words"}),
        ("a standfirst and a body", archive[7], {"standfirst": "In short.", "body": "New.\n"}),
        ("a story many link to", archive[12], {"headline": "Linked from elsewhere"}),
        ("a correction", archive[55], {"correction": "An earlier version misspelt a name."}),
    ]
    for index, (what, story_id, changes) in enumerate(edits):
        with sample_store.session() as session:
            stories.edit(session, sample_actor, story_id, **changes,
                         now=AS_OF - timedelta(seconds=30))
        report = run_export(out)
        assert report.quick, what
        assert 0 < report.written < 40 and report.checked < first.checked / 4, what
        assert fresh_diff(sample_store, out, tmp_path / f"fresh-{index}") == []
        check_manifest(out)


def test_two_stories_edited_together(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    with sample_store.session() as session:
        stories.edit(session, sample_actor, archive[3], headline="First of two",
                     now=AS_OF - timedelta(seconds=30))
        stories.edit(session, sample_actor, JCS_SLUG, body="Rewritten.\n",
                     now=AS_OF - timedelta(seconds=20))
    assert run_export(out).quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


@pytest.mark.parametrize("change", ["section", "tags", "publish_at", "slug", "related",
                                    "killed"])
def test_a_story_that_moves_arranges_the_whole_site(
        change: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    """Anything that changes which pages list a story, or what its page links to, is not
    quick: the whole site is arranged again, and the folder is still exact."""
    out = tmp_path / "site"
    run_export(out)
    choices: dict[str, dict[str, Any]] = {
        "section": {"section": "business"},  # from "world"
        "tags": {"tags": ["courts"]},
        "publish_at": {"publish_at": AS_OF - timedelta(minutes=5)},
        "slug": {"slug": "a-new-slug"},
        "related": {"related": ()},
        "killed": {"status": "killed", "message": "legal"},
    }
    changes = choices[change]
    with sample_store.session() as session:
        stories.edit(session, sample_actor, archive[4], **changes,
                     now=AS_OF - timedelta(seconds=30))
    report = run_export(out)
    assert report.incremental and not report.quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


def test_not_quick_when_the_cache_holds_another_folders_selection(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    run_export(tmp_path / "a")
    with sample_store.session() as session:
        stories.edit(session, sample_actor, archive[1], headline="Seen by b first",
                     now=AS_OF - timedelta(seconds=30))
    assert run_export(tmp_path / "b").stories == run_export(tmp_path / "a").stories
    # "a" was made from a selection the cache no longer holds: arranged in full, exact.
    with sample_store.session() as session:
        stories.edit(session, sample_actor, archive[2], headline="Then both",
                     now=AS_OF - timedelta(seconds=20))
    assert run_export(tmp_path / "b").quick  # made from the kept selection
    assert not run_export(tmp_path / "a").quick  # made from b's before
    assert fresh_diff(sample_store, tmp_path / "a", tmp_path / "fresh") == []


def test_a_sitemap_edited_by_hand_is_listed_again(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    (out / "sitemap.xml").write_text("<urlset/>")
    with sample_store.session() as session:
        stories.edit(session, sample_actor, archive[1], headline="Another headline",
                     now=AS_OF - timedelta(seconds=30))
    report = run_export(out)
    assert not report.quick and "sitemap.xml" in report.written_paths
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


@pytest.mark.parametrize("damage", [
    "UPDATE pages SET recipe = 'not json'",
    "UPDATE pages SET recipe = '[\"list\", \"tag\"]'",
    "UPDATE pages SET path = '../../escape.html' WHERE path = 'index.html'",
    "UPDATE pages SET recipe = replace(recipe, '\"', '''')",
    "UPDATE tags SET slug = '../up'",
    "DELETE FROM tags",
    "UPDATE meta SET value = '{}' WHERE key = 'index'",
    "UPDATE meta SET value = '[1, 2]' WHERE key = 'index'",
    "DELETE FROM shows",
])
def test_a_damaged_site_index_is_never_trusted_into_a_wrong_page(
        damage: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    """Whatever the index says, the export writes only inside the folder; an index that
    is not what an export writes means arranging the whole site, as without one, and
    making the index anew: the next edit is exported quickly again."""
    out = tmp_path / "site"
    run_export(out)
    with sqlite3.connect(out / STATE_FILE) as db:
        db.execute(damage)
    edit(sample_store, sample_actor, archive[0], headline="After the damage")
    report = run_export(out)
    assert not (tmp_path / "escape.html").exists() and not (out.parent / "up").exists()
    assert not report.quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []
    edit(sample_store, sample_actor, archive[0], headline="After the repair")
    assert run_export(out).quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh-after") == []


def test_a_full_export_makes_a_hand_edited_index_anew(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    """An edit that keeps the index's shape (a "Read next" row pointed at another story)
    is trusted, as file records are; ``--full`` trusts nothing kept, and replaces it."""
    out = tmp_path / "site"
    run_export(out)
    with sqlite3.connect(out / STATE_FILE) as db:
        target, holder = db.execute("SELECT target, holder FROM links LIMIT 1").fetchone()
        db.execute("UPDATE links SET target = ? WHERE target = ? AND holder = ?",
                   (archive[99], target, holder))
    assert fresh_diff(sample_store, out, tmp_path / "damaged") != []
    run_export(out, full=True)
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


def test_quick_re_export_on_each_backend(store: Store, actor: Actor, tmp_path: Path) -> None:
    """On PostgreSQL too: the changed story read again, the rest from the site index."""
    from cms.sample import install_sample

    install_sample(store, actor)
    out = tmp_path / "site"
    options = ExportOptions(out=out, as_of=AS_OF, cache_dir=tmp_path / "cache")
    export_site(store, options)
    with store.session() as session:
        stories.edit(session, actor, JCS_SLUG, headline="Seoul says troops are massing",
                     now=AS_OF - timedelta(seconds=30))
    report = export_site(store, options)
    assert report.quick and report.written > 0
    assert fresh_diff(store, out, tmp_path / "fresh") == []
