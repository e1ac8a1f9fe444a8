"""A re-export does not check every record of the folder's state file again when the
export cache remembers those very bytes as written by its own export
(cms.export.trusted_state); any other bytes are checked, and the folder is listed on
every export whatever the cache remembers."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from cms.export import build, trusted_state
from cms.export.folder import OutputFolder
from cms.export.paths import STATE_FILE
from cms.export.staging import Staging
from cms.export.state import State
from cms.export.writer import apply_changes
from cms.people import Actor
from cms.store import Store
from tests.export.conftest import RunExport
from tests.export.quick_check import edit, fresh_diff


class Looked:
    """Counts state files read with every record checked, and folder listings."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.checked = 0
        self.scans = 0
        read, scan = State._read.__func__, OutputFolder.scan  # type: ignore[attr-defined]

        def counted_read(cls: type[State], db: object, checked: bool) -> State | None:
            self.checked += not checked
            return read(cls, db, checked)  # type: ignore[no-any-return]

        def counted_scan(folder: OutputFolder) -> set[str]:
            self.scans += 1
            return scan(folder)

        monkeypatch.setattr(State, "_read", classmethod(counted_read))
        monkeypatch.setattr(OutputFolder, "scan", counted_scan)

    def reset(self) -> None:
        self.checked = self.scans = 0


@pytest.fixture
def looked(monkeypatch: pytest.MonkeyPatch) -> Looked:
    return Looked(monkeypatch)


def _rewrite_in_place(out: Path, data: bytes) -> None:
    """Put ``data`` into the folder's state file without renaming anything."""
    with open(out / STATE_FILE, "r+b") as handle:
        handle.write(data)
        handle.truncate()


def _with_extra_row(out: Path, tmp_path: Path) -> bytes:
    """The folder's state file with one harmless row more: other bytes, same records."""
    copy = tmp_path / "state-copy.sqlite"
    shutil.copy(out / STATE_FILE, copy)
    db = sqlite3.connect(copy)
    with db:
        db.execute("INSERT INTO meta (key, value) VALUES ('note', 'changed by hand')")
    db.close()
    return copy.read_bytes()


def test_the_state_an_export_wrote_is_not_checked_again_but_the_folder_is_listed(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path, looked: Looked) -> None:
    out = tmp_path / "site"
    run_export(out)
    for round_, story in enumerate(archive[:3]):
        edit(sample_store, sample_actor, story, headline=f"Edited {round_}")
        looked.reset()
        assert run_export(out).quick
        assert looked.checked == 0 and looked.scans >= 1
        assert fresh_diff(sample_store, out, tmp_path / f"fresh-{round_}") == []


def test_other_bytes_in_the_state_file_are_checked(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path, looked: Looked) -> None:
    out = tmp_path / "site"
    run_export(out)
    _rewrite_in_place(out, _with_extra_row(out, tmp_path))
    edit(sample_store, sample_actor, archive[2], headline="Then here")
    looked.reset()
    assert run_export(out).quick
    assert looked.checked == 1
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []
    # The export wrote a state file of its own again, which it trusts next time.
    edit(sample_store, sample_actor, archive[3], headline="And again")
    looked.reset()
    run_export(out)
    assert looked.checked == 0


def test_a_state_file_changed_during_an_export_is_checked_next_time(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path, looked: Looked, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes put in place of the state file right after the export put its own there
    (before it remembers them) are not the bytes it remembers."""
    out = tmp_path / "site"
    run_export(out)
    other = _with_extra_row(out, tmp_path)

    def apply_then_replace(staging: Staging, folder: OutputFolder, deleted: list[str],
                           state_file: Path | None) -> None:
        apply_changes(staging, folder, deleted, state_file)
        _rewrite_in_place(out, other)

    monkeypatch.setattr(build, "apply_changes", apply_then_replace)
    edit(sample_store, sample_actor, archive[4], headline="While the state file is replaced")
    run_export(out)
    assert (out / STATE_FILE).read_bytes() == other
    monkeypatch.undo()
    looked = Looked(monkeypatch)
    edit(sample_store, sample_actor, archive[5], headline="Next")
    run_export(out)
    assert looked.checked == 1
    assert fresh_diff(sample_store, out, tmp_path / "fresh") == []


def test_what_one_folder_left_says_nothing_of_another(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path, looked: Looked) -> None:
    """A folder copied elsewhere (its state file the same bytes) is checked there."""
    out = tmp_path / "site"
    run_export(out)
    shutil.copytree(out, tmp_path / "copy", symlinks=True)
    edit(sample_store, sample_actor, archive[6], headline="In the copy")
    looked.reset()
    assert run_export(tmp_path / "copy").quick
    assert looked.checked == 1


def test_state_files_remembered_under_other_checks_are_checked(
        archive: list[str], sample_store: Store, sample_actor: Actor, run_export: RunExport,
        tmp_path: Path, looked: Looked, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    run_export(out)
    monkeypatch.setattr(trusted_state, "CHECKS", "state-checks-tightened")
    edit(sample_store, sample_actor, archive[7], headline="Under new checks")
    looked.reset()
    run_export(out)
    assert looked.checked == 1


def test_without_a_cache_every_state_file_is_checked(
        archive: list[str], sample_store: Store, sample_actor: Actor, tmp_path: Path,
        looked: Looked, run_export: RunExport) -> None:
    out = tmp_path / "site"
    run_export(out, cache_dir=None)
    edit(sample_store, sample_actor, archive[8], headline="No cache")
    looked.reset()
    run_export(out, cache_dir=None)
    assert looked.checked == 1
