"""A re-export after one edit neither lists the folder nor checks every record of its
state again when the export cache remembers both as its own last export left them
(cms.export.stamps); anything changed since sends it back to the full checks."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from cms.export import stamps
from cms.export.folder import OutputFolder
from cms.export.paths import STATE_FILE
from cms.export.state import State
from cms.people import Actor
from cms.store import Store
from tests.export.conftest import RunExport
from tests.export.quick_check import edit, fresh_diff


class Looked:
    """Counts folder listings and full checks of state records."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.scans = 0
        self.checked = 0
        scan, read = OutputFolder.scan, State._read.__func__  # type: ignore[attr-defined]

        def counted_scan(folder: OutputFolder) -> set[str]:
            self.scans += 1
            return scan(folder)

        def counted_read(cls: type[State], db: object, checked: bool) -> State | None:
            self.checked += not checked
            return read(cls, db, checked)  # type: ignore[no-any-return]

        monkeypatch.setattr(OutputFolder, "scan", counted_scan)
        monkeypatch.setattr(State, "_read", classmethod(counted_read))

    def reset(self) -> None:
        self.scans = self.checked = 0


@pytest.fixture
def looked(monkeypatch: pytest.MonkeyPatch) -> Looked:
    return Looked(monkeypatch)


def test_a_quick_re_export_into_a_remembered_folder_looks_at_neither(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path, looked: Looked) -> None:
    out = tmp_path / "site"
    run_export(out)
    for round_, story in enumerate(archive[:3]):
        edit(sample_store, sample_actor, story, headline=f"Edited {round_}")
        looked.reset()
        report = run_export(out)
        assert report.quick
        assert (looked.scans, looked.checked) == (0, 0)
        assert fresh_diff(sample_store, out, tmp_path / f"fresh-{round_}") == []


@pytest.mark.parametrize("damage", ["page deleted", "page made a link", "folder replaced",
                                    "folder made a link"])
def test_a_folder_changed_since_is_listed_and_repaired(
        damage: str, archive: list[str], sample_store: Store, sample_actor: Actor,
        run_export: RunExport, tmp_path: Path, looked: Looked) -> None:
    out = tmp_path / "site"
    run_export(out)
    page = next(p for p in sorted((out / "stories").iterdir()) if p.suffix == ".html")
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web\n")
    if damage == "page deleted":
        page.unlink()
    elif damage == "page made a link":
        page.unlink()
        page.symlink_to(secret)
    else:
        moved = tmp_path / "moved-stories"
        shutil.copytree(out / "stories", moved)
        shutil.rmtree(out / "stories")
        if damage == "folder replaced":  # the same files, in a folder made anew
            shutil.copytree(moved, out / "stories")
        else:
            (out / "stories").symlink_to(moved)
    edit(sample_store, sample_actor, archive[0], headline="After the damage")
    looked.reset()
    run_export(out)
    assert looked.scans >= 1
    assert page.is_file() and not page.is_symlink()
    assert not (out / "stories").is_symlink()
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


def test_a_state_file_changed_since_is_checked_again(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path, looked: Looked) -> None:
    """A state file that is not the bytes this cache's export wrote (here the same
    records with one row more, written in place so the folder's entries are unchanged)
    is checked record by record, and the folder listed."""
    out = tmp_path / "site"
    run_export(out)
    copy = tmp_path / "state.sqlite"
    shutil.copy(out / STATE_FILE, copy)
    with sqlite3.connect(copy) as db:
        db.execute("INSERT INTO meta (key, value) VALUES ('note', 'changed by hand')")
    db.close()
    with OutputFolder(out) as folder:
        before = folder.stamps([""])
        with open(out / STATE_FILE, "r+b") as handle:
            handle.write(copy.read_bytes())
            handle.truncate()
        assert folder.stamps([""]) == before
    edit(sample_store, sample_actor, archive[2], headline="Then here")
    looked.reset()
    assert run_export(out).quick
    assert (looked.checked, looked.scans) == (1, 1)
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


def test_what_one_folder_left_says_nothing_of_another(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path, looked: Looked) -> None:
    """A folder copied elsewhere (its state file the same bytes) is checked and listed."""
    out = tmp_path / "site"
    run_export(out)
    shutil.copytree(out, tmp_path / "copy", symlinks=True)
    edit(sample_store, sample_actor, archive[3], headline="In the copy")
    looked.reset()
    assert run_export(tmp_path / "copy").quick
    assert (looked.scans, looked.checked) == (1, 1)


def test_folders_whose_times_cannot_be_set_are_listed_every_time(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path, looked: Looked, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    out = tmp_path / "site"
    monkeypatch.setattr(os, "utime", refused)
    run_export(out)
    edit(sample_store, sample_actor, archive[4], headline="Times refused")
    looked.reset()
    assert run_export(out).quick
    assert looked.scans == 1
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


def test_a_folder_time_is_set_in_the_past_so_a_change_in_the_same_tick_shows(
        tmp_path: Path) -> None:
    """The stamp is taken after the folder's time is set a second back: any change to its
    entries afterwards, however soon, sets the present time, which differs."""
    (tmp_path / "a").mkdir()
    with OutputFolder(tmp_path) as folder:
        folder.set_times(["", "a"], 1_000_000_000)
        stamped = folder.stamps(["", "a"])
        assert stamped is not None and stamped["a"][2] == 1_000_000_000
        (tmp_path / "a" / "new.html").write_text("x")
        changed = folder.stamps(["", "a"])
        assert changed is not None and changed["a"] != stamped["a"]
        assert changed[""] == stamped[""]
    assert stamps.folders_of(["a/b.html", "c.html", "a/d/e.html"]) == ["", "a", "a/d"]


def test_the_folder_is_listed_again_once_its_last_listing_is_old(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path, looked: Looked, monkeypatch: pytest.MonkeyPatch) -> None:
    """A link put in place of a page in the instant between an export's last write and
    the setting of its folder's time is not told from the export's own change; the
    listing that comes at least every LIST_EVERY seconds replaces it."""
    out = tmp_path / "site"
    run_export(out)
    page = next(p for p in sorted((out / "stories").iterdir()) if p.suffix == ".html")
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the web\n")
    with OutputFolder(out) as folder:  # as if planted in that instant: the stamps still match
        before = folder.stamps(["stories"])
        assert before is not None
        page.unlink()
        page.symlink_to(secret)
        folder.set_times(["stories"], before["stories"][2])
        assert folder.stamps(["stories"]) == before
    edit(sample_store, sample_actor, archive[5], headline="Within the hour")
    looked.reset()
    run_export(out)
    assert looked.scans == 0 and page.is_symlink()  # the stamps are trusted within the hour

    monkeypatch.setattr(stamps, "LIST_EVERY", 0.0)
    edit(sample_store, sample_actor, archive[6], headline="An hour later")
    looked.reset()
    run_export(out)
    assert looked.scans >= 1
    assert page.is_file() and not page.is_symlink()
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []
