"""Damaged or hostile state and cache files cost speed, never the site or files elsewhere."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from cms import stories
from cms.export.cache import FILE_NAME
from cms.export.paths import STATE_FILE
from cms.export.state import State
from cms.people import Actor
from cms.store import Store
from tests.export.bundle_check import tree_bytes
from tests.export.conftest import JCS_SLUG, RunExport

Damage = Callable[[sqlite3.Connection], object]


def _edit_meta(change: Callable[[dict[str, object]], object]) -> Damage:
    def run(db: sqlite3.Connection) -> None:
        meta = json.loads(db.execute("SELECT meta FROM selections").fetchone()[0])
        changed = change(meta)
        db.execute("UPDATE selections SET meta = ?",
                   (json.dumps(meta if changed is None else changed),))
    return run


def _edit_record(old: str, new: str) -> Damage:
    def run(db: sqlite3.Connection) -> None:
        db.execute("UPDATE selected SET record = replace(record, ?, ?)", (old, new))
    return run


def _edit_lead_story(store: Store, actor: Actor) -> None:
    with store.session() as session:
        stories.edit(session, actor, JCS_SLUG, headline="Troops and drones")


def _same_as_a_first_export(run_export: RunExport, out: Path, fresh: Path) -> None:
    """``out`` holds what a first export into a new folder (without a cache) gives."""
    run_export(fresh, cache_dir=None)
    assert tree_bytes(out) == tree_bytes(fresh)


KEPT_SELECTION_DAMAGE: dict[str, Damage] = {
    "meta not an object": _edit_meta(lambda meta: []),
    "skipped not a mapping": _edit_meta(lambda meta: meta.update(skipped=[])),
    "log position not a number": lambda db: db.execute(
        "UPDATE selections SET meta = replace(meta, '\"seq\": ', '\"seq\": 1e999, \"x\": ')"),
    "time without an offset": _edit_meta(lambda meta: meta.update(as_of="2024-12-30T03:00:00")),
    "publication time without an offset": _edit_record("+00:00", ""),
    "slug leading out of the folder": _edit_record(f'"{JCS_SLUG}"', '"../x"'),
    "a row lost": lambda db: db.execute(
        "DELETE FROM selected WHERE id = (SELECT id FROM selected LIMIT 1)"),
    "a headline that is not text": _edit_record('"North Korea readies', '["North Korea readies"'),
}


@pytest.mark.parametrize("damage", KEPT_SELECTION_DAMAGE, ids=list(KEPT_SELECTION_DAMAGE))
def test_a_damaged_kept_selection_means_reading_the_store(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path,
        cache_dir: Path, damage: str) -> None:
    out = tmp_path / "site"
    run_export(out)
    with sqlite3.connect(cache_dir / FILE_NAME) as db:
        KEPT_SELECTION_DAMAGE[damage](db)
    _edit_lead_story(sample_store, sample_actor)
    run_export(out)
    _same_as_a_first_export(run_export, out, tmp_path / "fresh")


def test_a_state_file_that_cannot_take_the_change_is_written_anew(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    with sqlite3.connect(out / STATE_FILE) as db:  # still readable, no longer writable alike
        db.execute("ALTER TABLE files ADD COLUMN extra TEXT NOT NULL DEFAULT ''")
    _edit_lead_story(sample_store, sample_actor)
    assert run_export(out).incremental
    _same_as_a_first_export(run_export, out, tmp_path / "fresh")
    assert State.load(out) == State.load(tmp_path / "fresh")
    assert run_export(out).written == 0


def test_a_state_file_linked_elsewhere_is_never_written_through(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    elsewhere = tmp_path / "elsewhere.sqlite"
    shutil.move(out / STATE_FILE, elsewhere)
    (out / STATE_FILE).symlink_to(elsewhere)
    before = elsewhere.read_bytes()
    _edit_lead_story(sample_store, sample_actor)
    report = run_export(out)
    assert not report.incremental  # not trusted: the folder is exported again in full
    assert elsewhere.read_bytes() == before
    assert not (out / STATE_FILE).is_symlink() and State.load(out) is not None


def test_a_folder_where_the_cache_file_should_be(
        run_export: RunExport, tmp_path: Path, cache_dir: Path) -> None:
    (cache_dir / FILE_NAME).mkdir(parents=True)
    out = tmp_path / "site"
    run_export(out)
    _same_as_a_first_export(run_export, out, tmp_path / "fresh")
    assert [p.name for p in tmp_path.iterdir() if ".export-" in p.name] == []  # no staging left


def test_a_state_record_that_no_export_writes_makes_the_state_unreadable(
        run_export: RunExport, tmp_path: Path) -> None:
    """Hashes go into manifest.json as they are: a state naming a hash that is not one
    (here, JSON to inject) is not trusted, and the manifest stays a manifest."""
    from tests.export.bundle_check import check_manifest

    out = tmp_path / "site"
    run_export(out)
    with sqlite3.connect(out / STATE_FILE) as db:
        db.execute("""UPDATE files SET sha256 = '", "evil": "1' WHERE path = 'robots.txt'""")
    assert not run_export(out).incremental
    check_manifest(out)


def test_a_state_file_sqlite_cannot_lock(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    """The state is read into memory and written back as a new file: it needs none of
    SQLite's file locks (some network shares have none), here held by another program."""
    out = tmp_path / "site"
    run_export(out)
    holder = sqlite3.connect(out / STATE_FILE, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")  # nobody else can read or write it through SQLite
        _edit_lead_story(sample_store, sample_actor)
        report = run_export(out)
        assert report.incremental and 0 < report.written < report.files
    finally:
        holder.close()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(STATE_FILE)) == [STATE_FILE]
    run_export(tmp_path / "fresh", cache_dir=None)
    assert State.load(out) == State.load(tmp_path / "fresh")
