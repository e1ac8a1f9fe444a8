"""Edge cases of the quick re-export, first written by an independent review of it:
after each change or damage, the folder holds what a first export into a new folder
holds (and its state the same), quick or not."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cms import stories
from cms.config import set_setting
from cms.export import ExportOptions, export_site
from cms.export.cache import FILE_NAME
from cms.export.paths import STATE_FILE
from cms.export.state import State
from cms.people import Actor
from cms.store import Store
from tests.export.conftest import AS_OF, JCS_SLUG, RunExport
from tests.export.quick_check import edit, event_at, fresh_diff, link


def test_photo_role_swap(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    with sample_store.session() as session:
        doc, _ = stories.get(session, JCS_SLUG)
    photos = list(doc.photos)
    assert len(photos) >= 2, [p.role for p in photos]
    roles = [p.role for p in photos]
    new = [dataclasses.replace(p, role=roles[-1 - i]) for i, p in enumerate(photos)]
    new[0] = dataclasses.replace(new[0], caption="A new caption")
    edit(sample_store, sample_actor, JCS_SLUG, photos=tuple(new))
    report = run_export(out)
    assert report.quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


@pytest.mark.parametrize("change", ["corrected", "embargo_past", "byline"])
def test_content_only_changes(
        change: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    choices: dict[str, dict[str, Any]] = {
        "corrected": {"status": "corrected", "correction": "Fixed.", "message": "a fix"},
        "embargo_past": {"embargo_until": AS_OF - timedelta(hours=200)},
        "byline": {"byline": "Someone Else"}}
    changes = choices[change]
    edit(sample_store, sample_actor, archive[5], **changes)
    report = run_export(out)
    assert report.quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


@pytest.mark.parametrize("event", ["visible_until", "visible_from", "publish"],
                         ids=["a link's window closes", "a link's window opens",
                              "another story's publication time"])
def test_time_passing_an_event_arranges_the_whole_site(
        event: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    event_at(sample_store, sample_actor, archive, event, AS_OF + timedelta(hours=1))
    out = tmp_path / "site"
    run_export(out)
    edit(sample_store, sample_actor, archive[10], headline="Later on")
    later = AS_OF + timedelta(hours=2)
    report = run_export(out, as_of=later)
    assert report.incremental and not report.quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh", as_of=later) == []


def test_as_of_earlier(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    edit(sample_store, sample_actor, archive[10], headline="Back in time",
         now=AS_OF - timedelta(hours=5))
    earlier = AS_OF - timedelta(hours=3)
    report = run_export(out, as_of=earlier)
    assert report.incremental and not report.quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh", as_of=earlier) == []


@pytest.mark.parametrize("what", ["desk_name", "base_url_opt", "section_rename", "theme",
                                  "section_position"])
def test_global_changes(
        what: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    edit(sample_store, sample_actor, archive[10], headline="And a global change")
    opts: dict[str, Any] = {}  # ExportOptions fields
    if what == "desk_name":
        with sample_store.session() as session:
            set_setting(session, "desk_name", "Another Desk", username="tester")
    elif what == "base_url_opt":
        opts["base_url"] = "https://news.example.com/"
    elif what in ("section_rename", "section_position"):
        with sample_store.session() as session:
            sql = ("UPDATE sections SET name = 'Polity' WHERE slug = 'politics'"
                   if what == "section_rename" else
                   "UPDATE sections SET position = position * 10 + 7")
            session.execute(sa.text(sql))
    elif what == "theme":
        theme = tmp_path / "theme"
        (theme / "static").mkdir(parents=True)
        (theme / "static" / "site.css").write_text("body { color: #222; }\n")
        opts["theme"] = theme
    report = run_export(out, **opts)
    # Positions that keep the sections' order change no page: quick, and exact.
    assert report.incremental and report.quick == (what == "section_position")
    assert fresh_diff(sample_store, out, tmp_path / "fresh", **opts) == []
    assert State.load(out) == State.load(tmp_path / "fresh")


def test_self_link_and_same_page_targets(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    link(sample_store, sample_actor, archive[2], archive[2])
    link(sample_store, sample_actor, archive[1], archive[2])
    link(sample_store, sample_actor, archive[2], archive[1])
    out = tmp_path / "site"
    run_export(out)
    edit(sample_store, sample_actor, archive[2], headline="Self-linked and linked")
    edit(sample_store, sample_actor, archive[1], headline="Its neighbour too")
    report = run_export(out)
    assert report.quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


def test_two_folders_one_cache_interleaved(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    run_export(a)
    run_export(b)
    edit(sample_store, sample_actor, archive[1], headline="One")
    assert run_export(a).quick  # both were made from the same selection, the one kept
    edit(sample_store, sample_actor, archive[2], headline="Two")
    assert not run_export(b).quick  # the cache now holds the one a was made from
    assert fresh_diff(sample_store, b, tmp_path / "fb") == []
    edit(sample_store, sample_actor, archive[3], headline="Three")
    assert not run_export(a).quick
    assert fresh_diff(sample_store, a, tmp_path / "fa") == []
    edit(sample_store, sample_actor, archive[4], headline="Four")
    assert run_export(a).quick  # the cache holds a's selection now
    assert fresh_diff(sample_store, a, tmp_path / "fa2") == []
    assert not run_export(b).quick
    assert fresh_diff(sample_store, b, tmp_path / "fb2") == []


def _damage_state(out: Path, *sql: str) -> None:
    with sqlite3.connect(out / STATE_FILE) as db:
        for statement in sql:
            db.execute(statement)


@pytest.mark.parametrize("damage", [
    "DROP TABLE links",
    "DROP TABLE shows",
    "UPDATE meta SET value = json_remove(value, '$.left_out') WHERE key = 'index'",
    "UPDATE meta SET value = json_set(value, '$.left_out', json('[1]')) WHERE key = 'index'",
    "DELETE FROM shows WHERE path = 'index.html'",
    "DELETE FROM shows WHERE path = 'feed.atom'",
    "DELETE FROM links",
])
def test_a_damaged_index_is_not_trusted_and_is_made_again(
        damage: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    """Tables dropped, rows lost, meta damaged: never a crash, never a stale page; the
    export after the damage makes the index again, and the next one is quick."""
    out = tmp_path / "site"
    run_export(out)
    _damage_state(out, damage)
    edit(sample_store, sample_actor, archive[0], headline="After the damage")
    report = run_export(out)
    assert report.incremental and not report.quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []
    edit(sample_store, sample_actor, archive[1], headline="Quick again")
    assert run_export(out).quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh-next") == []


def test_cache_row_of_a_link_target_lost(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        cache_dir: Path, tmp_path: Path) -> None:
    link(sample_store, sample_actor, archive[0], archive[99])
    out = tmp_path / "site"
    run_export(out)
    with sqlite3.connect(cache_dir / FILE_NAME) as db:  # a row lost (the cache does not fsync)
        db.execute("DELETE FROM selected WHERE id = ?", (archive[99],))
    edit(sample_store, sample_actor, archive[0], headline="Its target's row is gone")
    report = run_export(out)
    assert report.incremental and not report.quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


def test_boundaries_and_many_edits(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    with sample_store.session() as session:
        stories.edit(session, sample_actor, archive[40],
                     tags=["seoul", "markets", "drones", "energy", "courts", "x", "y"],
                     now=AS_OF - timedelta(hours=300))
    out = tmp_path / "site"
    run_export(out)
    for n in (22, 23, 24, 28, 29, 30, 40):
        edit(sample_store, sample_actor, archive[n], headline=f"Boundary {n}",
             now=AS_OF - timedelta(seconds=n))
    report = run_export(out)
    assert report.quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []
    # an edit whose time comes after the export's
    edit(sample_store, sample_actor, archive[3], headline="From the future",
         now=AS_OF + timedelta(hours=1))
    run_export(out)
    assert fresh_diff(sample_store, out, tmp_path / "fresh2") == []
    later = AS_OF + timedelta(hours=2)
    assert not run_export(out, as_of=later).quick  # the edit's time has come
    assert fresh_diff(sample_store, out, tmp_path / "fresh3", as_of=later) == []


def test_on_each_backend(store: Store, actor: Actor, tmp_path: Path) -> None:
    from cms.sample import install_sample
    install_sample(store, actor)
    opts = ExportOptions(out=tmp_path / "site", as_of=AS_OF, cache_dir=tmp_path / "cache")
    out = tmp_path / "site"
    export_site(store, opts)
    with store.session() as session:
        doc, _ = stories.get(session, JCS_SLUG)
        roles = [p.role for p in doc.photos]
        photos = tuple(dataclasses.replace(p, role=roles[-1 - i], caption=f"c{i}")
                       for i, p in enumerate(doc.photos))
        stories.edit(session, actor, JCS_SLUG, photos=photos, headline="PG headline",
                     now=AS_OF - timedelta(seconds=30))
        targets = [link.target_story_id for link in doc.related if link.target_story_id]
        stories.edit(session, actor, targets[0], headline="Target renamed",
                     now=AS_OF - timedelta(seconds=20))
    report = export_site(store, opts)
    assert report.quick
    assert fresh_diff(store, out, tmp_path / "fresh") == []


@pytest.mark.parametrize("index", [True, False])
def test_a_photo_that_becomes_readable(
        index: bool, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    """A photo left out because its blob could not be read (not yet synced, damaged),
    then repaired: no story revision, but a fresh export shows it."""
    from cms.models import Blob, PhotoPlacement

    with sample_store.session() as session:
        lead = session.scalars(sa.select(PhotoPlacement).where(
            PhotoPlacement.role == "lead")).one()
        sha = lead.sha256
        good = session.scalar(sa.select(Blob.data).where(Blob.sha256 == sha))
        session.execute(sa.update(Blob).where(Blob.sha256 == sha)
                        .values(data=b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"))
    out = tmp_path / "site"
    first = run_export(out)
    assert any("left out" in why for _slug, why in first.skipped)
    with sample_store.session() as session:  # the blob is repaired / arrives
        session.execute(sa.update(Blob).where(Blob.sha256 == sha).values(data=good))
    if not index:  # the same, with no site index: the whole site is arranged
        _damage_state(out, "DELETE FROM meta WHERE key = 'index'")
    edit(sample_store, sample_actor, archive[70], headline="Something else entirely")
    report = run_export(out)
    assert report.incremental and not report.quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


@pytest.mark.parametrize("index", [True, False])
def test_file_records_of_the_wrong_kind(
        index: bool, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    """Sizes go into manifest.json as they are: a state with a record no export writes is
    not trusted (with its site index or without), and the manifest lists every file."""
    out = tmp_path / "site"
    run_export(out)
    with sample_store.session() as session:
        a = stories.get(session, archive[0])[0].slug
        b = stories.get(session, archive[50])[0].slug
    _damage_state(out, f"UPDATE files SET size = 'x' WHERE path IN "
                       f"('stories/{a}.html', 'stories/{b}.html')",
                  *([] if index else ["DELETE FROM meta WHERE key = 'index'"]))
    edit(sample_store, sample_actor, archive[0], headline="Records damaged")
    report = run_export(out)
    assert not report.incremental
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []
