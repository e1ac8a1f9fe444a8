"""Links planted in an output folder lead the export nowhere: nothing outside the
folder is written, deleted, or read into the bundle or the zip."""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cms import stories
from cms.errors import UsageError
from cms.export import build
from cms.export.folder import OutputFolder
from cms.export.paths import MANIFEST_FILE, STATE_FILE
from cms.export.staging import Staging
from cms.export.state import State
from cms.export.writer import apply_changes
from cms.people import Actor
from cms.store import Store
from tests.export.bundle_check import check_manifest, tree_bytes
from tests.export.conftest import JCS_SLUG, RunExport

SECRET = b"SECRET: not for the public site\n"


def _links(root: Path) -> list[str]:
    """Every link under ``root`` (not followed), as a relative path."""
    found = []
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            if os.path.islink(os.path.join(folder, name)):
                found.append(os.path.relpath(os.path.join(folder, name), root))
    return sorted(found)


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root`` with its bytes and modification time."""
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def outside(tmp_path: Path) -> Iterator[Path]:
    """A folder beside the export that the export must never touch, checked at the end."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_bytes(SECRET)
    (folder / "a-folder").mkdir()
    (folder / "a-folder" / "secret.txt").write_bytes(SECRET)
    before = _snapshot(folder)
    yield folder
    assert _snapshot(folder) == before  # nothing written, deleted or changed there
    assert sorted(p.name for p in (folder / "a-folder").iterdir()) == ["secret.txt"]


def _plant_file(out: Path, path: str, outside: Path) -> None:
    """Put a link to a secret outside the folder where the bundle has ``path``."""
    target = out / path
    target.unlink()
    target.symlink_to(outside / "secret.txt")


def _plant_folder(out: Path, path: str, outside: Path) -> None:
    """Put a link to a folder outside where the bundle has the folder ``path``."""
    shutil.rmtree(out / path)
    (out / path).symlink_to(outside / "a-folder", target_is_directory=True)


PLANTS: dict[str, Callable[[Path, Path], None]] = {
    "a page": lambda out, outside: _plant_file(out, "robots.txt", outside),
    "a folder of pages": lambda out, outside: _plant_folder(out, "tags", outside),
    "the manifest": lambda out, outside: _plant_file(out, MANIFEST_FILE, outside),
    "the state file": lambda out, outside: _plant_file(out, STATE_FILE, outside),
    "static/": lambda out, outside: _plant_folder(out, "static", outside),
    "a photo": lambda out, outside: _plant_file(
        out, sorted(p.relative_to(out).as_posix() for p in (out / "media").iterdir())[0],
        outside),
}


def _edit(store: Store, actor: Actor) -> None:
    with store.session() as session:
        stories.edit(session, actor, JCS_SLUG, headline="Troops, drones and a goat")


@pytest.mark.parametrize("mode", ["incremental", "after an edit", "full"])
@pytest.mark.parametrize("plant", PLANTS, ids=list(PLANTS))
def test_a_link_in_the_folder_is_replaced_by_what_the_export_makes(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path,
        outside: Path, plant: str, mode: str) -> None:
    out = tmp_path / "site"
    run_export(out)
    PLANTS[plant](out, outside)
    if mode == "after an edit":
        _edit(sample_store, sample_actor)
    run_export(out, full=mode == "full")
    assert _links(out) == []
    check_manifest(out)
    run_export(tmp_path / "fresh", cache_dir=None)
    assert tree_bytes(out) == tree_bytes(tmp_path / "fresh")
    assert State.load(out) == State.load(tmp_path / "fresh")


@pytest.mark.parametrize("plant", PLANTS, ids=list(PLANTS))
def test_a_zip_holds_the_export_s_own_files_only(
        run_export: RunExport, tmp_path: Path, outside: Path, plant: str) -> None:
    out = tmp_path / "site"
    run_export(out)
    PLANTS[plant](out, outside)
    (out / "extra.txt").symlink_to(outside / "secret.txt")  # not a file of the bundle
    run_export(out, zip_path=tmp_path / "site.zip")
    with zipfile.ZipFile(tmp_path / "site.zip") as zf:
        packed = {name: zf.read(name) for name in zf.namelist()}
    assert all(SECRET not in data for data in packed.values())
    assert packed == {path: data for path, data in tree_bytes(out).items()
                      if path != "extra.txt"}  # the bundle's files, as the folder has them
    assert "extra.txt" not in packed


def test_a_single_story_bundle_replaces_links_too(
        run_export: RunExport, tmp_path: Path, outside: Path) -> None:
    """A story's bundle written over an earlier export (a folder it may replace)."""
    out = tmp_path / "jcs"
    run_export(out)
    _plant_file(out, "index.html", outside)
    _plant_folder(out, "static", outside)
    run_export(out, story=JCS_SLUG, zip_path=tmp_path / "jcs.zip")
    assert _links(out) == []
    with zipfile.ZipFile(tmp_path / "jcs.zip") as zf:
        assert all(SECRET not in zf.read(name) for name in zf.namelist())
        assert sorted(zf.namelist()) == sorted(tree_bytes(out))


def test_a_link_planted_after_the_folder_was_looked_at_is_not_followed(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path,
        outside: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the look at the folder and the renames into it (a race), ``stories/``
    and the page about to be written become links: the renames replace them."""
    out = tmp_path / "site"
    run_export(out)

    def plant_then_apply(staging: Staging, folder: OutputFolder, deleted: list[str],
                         state_file: Path | None) -> None:
        _plant_folder(out, "stories", outside)
        _plant_file(out, "index.html", outside)
        apply_changes(staging, folder, deleted, state_file)

    monkeypatch.setattr(build, "apply_changes", plant_then_apply)
    _edit(sample_store, sample_actor)
    report = run_export(out)
    assert report.incremental and "index.html" in report.written_paths
    assert not (out / "index.html").is_symlink() and not (out / "stories").is_symlink()
    written = sorted(p for p in report.written_paths if p.startswith("stories/"))
    assert f"stories/{JCS_SLUG}.html" in written
    assert sorted(f"stories/{p.name}" for p in (out / "stories").iterdir()) == written


def test_reading_never_follows_a_link(tmp_path: Path, outside: Path) -> None:
    folder = tmp_path / "site"
    (folder / "stories").mkdir(parents=True)
    (folder / "stories" / "a.html").write_bytes(b"<p>a</p>")
    (folder / "robots.txt").symlink_to(outside / "secret.txt")
    (folder / "tags").symlink_to(outside / "a-folder", target_is_directory=True)
    os.mkfifo(folder / "feed.atom")  # a reader would wait forever on a pipe
    with OutputFolder(folder) as opened:
        assert opened.scan() == {"stories/a.html"}
        assert opened.read("stories/a.html") == b"<p>a</p>"
        assert opened.read("robots.txt") is None
        assert opened.read("tags/secret.txt") is None
        assert opened.read("feed.atom") is None
        opened.remove("tags/secret.txt")  # behind a link: not the bundle's to delete
        opened.remove("robots.txt")  # the link itself goes
    assert not os.path.lexists(folder / "robots.txt")


def test_an_output_folder_that_is_a_link_is_refused(run_export: RunExport, tmp_path: Path) -> None:
    """An export replaces its folder as a whole: it would replace the link, not the folder
    it leads to. The message names that folder."""
    real = tmp_path / "real-site"
    run_export(real)
    (tmp_path / "site").symlink_to(real, target_is_directory=True)
    with pytest.raises(UsageError, match=r"symbolic link.*real-site"):
        run_export(tmp_path / "site")
