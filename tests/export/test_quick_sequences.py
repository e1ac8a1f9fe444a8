"""Quick re-exports in sequences, first written by a second independent review: mixed
quick, partial and whole-site exports, the export cache replaced, photos changed on a
front-page story, "Read next" targets that stop being public, time at exact boundaries,
files removed by hand and damaged state and cache files. Each compares the folder, its
state and its site index with a first export's."""

from __future__ import annotations

import dataclasses
import io
import shutil
import sqlite3
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from cms import stories
from cms.blobs import put_blob
from cms.document import PhotoRef
from cms.export import ExportOptions, export_site
from cms.export.paths import STATE_FILE
from cms.people import Actor
from cms.store import Store
from tests.export.bundle_check import tree_bytes
from tests.export.conftest import AS_OF, JCS_SLUG, RunExport
from tests.export.quick_check import EDITED_AT, edit, event_at, fresh_diff, link


def _png(color: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "PNG")
    return buf.getvalue()


def _blob(store: Store, color: tuple[int, int, int]) -> str:
    data = _png(color)
    with store.session() as session:
        return put_blob(session, data, media_type="image/png", width=64, height=48)


def _photos(store: Store, ref: str) -> tuple[PhotoRef, ...]:
    with store.session() as session:
        return stories.get(session, ref)[0].photos


def test_quick_layout_quick(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    edit(sample_store, sample_actor, archive[3], headline="Q1")
    assert run_export(out).quick
    with sample_store.session() as session:
        stories.create(session, sample_actor, headline="Layout changer", body="x\n",
                       section="world", tags=["markets"], status="published",
                       publish_at=AS_OF - timedelta(minutes=5), now=EDITED_AT)
    assert not run_export(out).quick
    assert fresh_diff(sample_store, out, tmp_path / "f1") == []
    edit(sample_store, sample_actor, archive[4], headline="Q2")
    assert run_export(out).quick
    assert fresh_diff(sample_store, out, tmp_path / "f2") == []


def test_full_then_quick_and_story_export_between(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    edit(sample_store, sample_actor, archive[3], headline="Full")
    run_export(out, full=True)
    assert fresh_diff(sample_store, out, tmp_path / "f1") == []
    edit(sample_store, sample_actor, archive[4], headline="Quick after full")
    assert run_export(out).quick
    assert fresh_diff(sample_store, out, tmp_path / "f2") == []
    run_export(tmp_path / "single", story=archive[5])
    edit(sample_store, sample_actor, archive[6], headline="After a single")
    run_export(out)
    assert fresh_diff(sample_store, out, tmp_path / "f3") == []
    # a single-story export at another time
    run_export(tmp_path / "single2", story=archive[5], as_of=AS_OF - timedelta(hours=1))
    edit(sample_store, sample_actor, archive[7], headline="After a single at another time")
    run_export(out)
    assert fresh_diff(sample_store, out, tmp_path / "f4") == []


def test_zip_with_out_quick(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    edit(sample_store, sample_actor, archive[3], headline="Zipped")
    report = run_export(out, zip_path=tmp_path / "b.zip")
    assert report.quick
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []
    with zipfile.ZipFile(tmp_path / "b.zip") as z:
        got = {n: z.read(n) for n in z.namelist() if not n.endswith("/")}
    want = tree_bytes(tmp_path / "fresh")
    assert sorted(set(got) ^ set(want)) == []
    assert [p for p in want if got[p] != want[p]] == []


@pytest.mark.parametrize("how", ["deleted", "old_copy", "other_folder"])
def test_cache_swapped(
        how: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, cache_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    old = tmp_path / "old-cache"
    shutil.copytree(cache_dir, old)
    edit(sample_store, sample_actor, archive[3], headline="One")
    assert run_export(out).quick
    if how == "deleted":
        shutil.rmtree(cache_dir)
    elif how == "old_copy":
        shutil.rmtree(cache_dir)
        shutil.copytree(old, cache_dir)
    else:
        run_export(tmp_path / "other", as_of=AS_OF + timedelta(seconds=1))
    edit(sample_store, sample_actor, archive[4], headline="Two")
    run_export(out)
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []
    edit(sample_store, sample_actor, archive[5], headline="Three")
    run_export(out)
    assert fresh_diff(sample_store, out, tmp_path / "fresh2") == []


@pytest.mark.parametrize("change", ["add", "remove", "replace", "caption"])
def test_photo_changes_front_story(
        change: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    target = archive[0]
    sha = _blob(sample_store, (200, 10, 10))
    edit(sample_store, sample_actor, target, now=AS_OF - timedelta(hours=300),
         tags=["seoul", "markets", "drones", "energy", "courts"],
         photos=(PhotoRef("p-" + uuid.uuid4().hex, sha, caption="First", role="lead"),))
    out = tmp_path / "site"
    run_export(out)
    photos = _photos(sample_store, target)
    if change == "add":
        new = (*photos, PhotoRef("p-" + uuid.uuid4().hex, _blob(sample_store, (1, 2, 3)),
                                 caption="Second", role="inline"))
    elif change == "remove":
        new = ()
    elif change == "replace":
        new = (dataclasses.replace(photos[0], sha256=_blob(sample_store, (9, 200, 9))),)
    else:
        new = (dataclasses.replace(photos[0], caption="Another caption"),)
    edit(sample_store, sample_actor, target, photos=new)
    report = run_export(out)
    assert report.quick == (change == "caption")
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []
    edit(sample_store, sample_actor, archive[1], headline="After the photo")
    run_export(out)
    assert fresh_diff(sample_store, out, tmp_path / "fresh2") == []


@pytest.mark.parametrize("status", ["killed", "draft"])
def test_read_next_target_loses_publicity(
        status: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    link(sample_store, sample_actor, archive[50], archive[51])
    out = tmp_path / "site"
    run_export(out)
    edit(sample_store, sample_actor, archive[51], status=status, message="gone")
    run_export(out)
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []
    edit(sample_store, sample_actor, archive[50], headline="Holder edited")
    run_export(out)
    assert fresh_diff(sample_store, out, tmp_path / "fresh2") == []


def test_nothing_changed_many_times(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    for i in range(4):
        report = run_export(out)
        assert report.quick and report.written == 0, (i, report.written_paths)
    for i in range(3):
        report = run_export(out, as_of=AS_OF + timedelta(seconds=5 * (i + 1)))
        assert report.written == 0, (i, report.written_paths)
    later = AS_OF + timedelta(seconds=15)
    assert fresh_diff(sample_store, out, tmp_path / "f0", as_of=later) == []
    edit(sample_store, sample_actor, archive[8], headline="Finally an edit")
    assert run_export(out, as_of=later).quick
    assert fresh_diff(sample_store, out, tmp_path / "f1", as_of=later) == []


@pytest.mark.parametrize("kind", ["visible_from", "visible_until", "publish"])
def test_as_of_exactly_at_boundary(
        kind: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    when = AS_OF + timedelta(hours=1)
    event_at(sample_store, sample_actor, archive, kind, when)
    out = tmp_path / "site"
    run_export(out)
    edit(sample_store, sample_actor, archive[10], headline="Edit")
    run_export(out, as_of=when - timedelta(microseconds=1))
    assert fresh_diff(sample_store, out, tmp_path / "f0",
                      as_of=when - timedelta(microseconds=1)) == []
    edit(sample_store, sample_actor, archive[11], headline="Edit at the boundary")
    report = run_export(out, as_of=when)
    assert not report.quick
    assert fresh_diff(sample_store, out, tmp_path / "f1", as_of=when) == []


def test_read_only_state_file_carried(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    link(sample_store, sample_actor, archive[50], archive[51])
    out = tmp_path / "site"
    run_export(out)
    (out / STATE_FILE).chmod(0o444)
    edit(sample_store, sample_actor, archive[51], headline="Quick into a read-only state")
    assert run_export(out).quick
    assert fresh_diff(sample_store, out, tmp_path / "f1") == []
    (out / STATE_FILE).chmod(0o444)
    # a partial (not quick) one: the holder gains a link
    link(sample_store, sample_actor, archive[52], archive[53])
    r = run_export(out)
    assert not r.quick and r.incremental
    assert fresh_diff(sample_store, out, tmp_path / "f2") == []
    edit(sample_store, sample_actor, archive[53], headline="Target of the new link")
    edit(sample_store, sample_actor, archive[51], headline="Old target again")
    assert run_export(out).quick
    assert fresh_diff(sample_store, out, tmp_path / "f3") == []


@pytest.mark.parametrize("window", ["visible_from", "visible_until"])
def test_window_passes_then_quick_edit_of_target(
        window: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    when = AS_OF + timedelta(hours=1)
    link(sample_store, sample_actor, archive[60], archive[61], **{window: when})
    out = tmp_path / "site"
    run_export(out)
    later = AS_OF + timedelta(hours=2)
    r = run_export(out, as_of=later)
    assert not r.quick
    assert fresh_diff(sample_store, out, tmp_path / "f1", as_of=later) == []
    edit(sample_store, sample_actor, archive[61], headline="The target, renamed",
         now=AS_OF)
    assert run_export(out, as_of=later).quick
    assert fresh_diff(sample_store, out, tmp_path / "f2", as_of=later) == []


def test_holder_gains_link_partial_then_quick(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    link(sample_store, sample_actor, archive[70], archive[71])
    edit(sample_store, sample_actor, archive[72], headline="Something quick-able too")
    assert not run_export(out).quick
    edit(sample_store, sample_actor, archive[71], headline="Target after holder gained it")
    assert run_export(out).quick
    assert fresh_diff(sample_store, out, tmp_path / "f1") == []


@pytest.mark.parametrize("damage", [
    "UPDATE renditions SET items = json_set(items, '$[0][0]', 'media/' || hex(randomblob(16)) "
    "|| '.jpg')",
    "UPDATE renditions SET items = json_set(items, '$[0][0]', 'media/' || "
    "lower(hex(randomblob(16))) || '.jpg')",
    "UPDATE renditions SET items = json_set(items, '$[0][1]', -1)",
])
def test_damaged_renditions_rows(
        damage: str, sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    """A rendition the state names that is not a media file of the bundle: not trusted."""
    out = tmp_path / "site"
    run_export(out)
    with sqlite3.connect(out / STATE_FILE) as db:
        db.execute(damage)
    edit(sample_store, sample_actor, JCS_SLUG, headline="After renditions damage")
    run_export(out)
    diff = fresh_diff(sample_store, out, tmp_path / "f1")
    assert diff == [], diff


@pytest.mark.parametrize("victim", ["story", "media", "tag", "sitemap"])
def test_file_removed_by_hand_then_edits(
        victim: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    if victim == "story":
        gone = sorted((out / "stories").glob("*.html"))[5]
    elif victim == "media":
        gone = sorted((out / "media").iterdir())[0]
    elif victim == "tag":
        gone = sorted((out / "tags").glob("*.html"))[0]
    else:
        gone = out / "sitemap.xml"
    gone.unlink()
    edit(sample_store, sample_actor, archive[3], headline="After a file went")
    run_export(out)
    assert fresh_diff(sample_store, out, tmp_path / "f1") == []
    edit(sample_store, sample_actor, archive[4], headline="And quick again")
    assert run_export(out).quick
    assert fresh_diff(sample_store, out, tmp_path / "f2") == []


def test_damaged_media_in_render_cache(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, cache_dir: Path,
        tmp_path: Path) -> None:
    run_export(tmp_path / "a")
    cached = sorted((cache_dir / "media" / "files").iterdir())
    assert cached
    for path in cached:  # damaged in place (a disk error, a half-written copy)
        path.write_bytes(path.read_bytes()[:100])
    run_export(tmp_path / "b")  # a new folder, the same cache
    export_site(sample_store, ExportOptions(out=tmp_path / "fresh", as_of=AS_OF,
                                            cache_dir=None))
    got, want = tree_bytes(tmp_path / "b"), tree_bytes(tmp_path / "fresh")
    bad = [p for p in want if got.get(p) != want[p]]
    assert bad == [], bad


def test_lost_file_record_then_story_killed(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    with sample_store.session() as session:
        slug = stories.get(session, archive[20])[0].slug
    with sqlite3.connect(out / STATE_FILE) as db:  # a row lost, as the index rows may be
        db.execute("DELETE FROM files WHERE path = ?", (f"stories/{slug}.html",))
    edit(sample_store, sample_actor, archive[20], status="killed", message="legal")
    run_export(out)
    assert not (out / f"stories/{slug}.html").exists()
