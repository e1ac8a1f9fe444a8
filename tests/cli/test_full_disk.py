"""A full disk or a folder that cannot be written, on every write path: one clear line,
exit status 1, and the store and the last bundle as they were.

Each test runs on a real small disk: a tmpfs mounted for it (root only; skipped with
the reason where mounting is not permitted), filled up but for a few kilobytes.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from cms.cli import main
from cms.importing import run as importing_run
from tests.export.bundle_check import tree_bytes

AS_OF = "2024-12-30T03:00Z"
JCS = "north-korea-readies-more-troops-and-drones-for-russia"
FULL = re.compile(r"^newsroom: the disk is full \((\d+) MB free in (.+?)\): (.+)\n$")


class SmallDisk:
    """A tmpfs of a few megabytes at ``root``; :meth:`fill` leaves only a little room."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.filler = root / "filler"

    def fill(self, leave: int = 32 * 1024) -> None:
        """Fill the disk but for ``leave`` bytes."""
        free = os.statvfs(self.root).f_bavail * os.statvfs(self.root).f_frsize
        with open(self.filler, "ab") as handle:
            handle.write(b"\0" * max(0, free - leave))

    def free(self) -> None:
        """Give the room back."""
        self.filler.unlink()


def _mount(folder: Path, options: str) -> None:
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                       check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or str(exc).encode()
        pytest.skip("mounting a small tmpfs is not permitted here (these tests need root): "
                    + detail.decode(errors="replace").strip())


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """A 16 MB disk of its own, unmounted afterwards."""
    root = tmp_path / "disk"
    root.mkdir()
    _mount(root, "size=16m")
    try:
        yield SmallDisk(root)
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False, timeout=30)


def newsroom(capsys: pytest.CaptureFixture[str], store: Path, *args: str,
             code: int = 0) -> str:
    """Run ``newsroom --store STORE ARGS…``; its stderr (stdout for a success)."""
    capsys.readouterr()
    status = main(["--store", str(store), *args])
    out, err = capsys.readouterr()
    assert status == code, f"exit {status}: {err}"
    return err if code else out


def _refused(err: str, disk: SmallDisk, outcome: str = "nothing was changed") -> None:
    """``err`` is the one line a full disk gives, naming a folder on that disk."""
    found = FULL.match(err)
    assert found is not None, err
    assert int(found.group(1)) <= 1
    assert Path(found.group(2)).is_relative_to(disk.root), err
    assert found.group(3) == outcome
    assert "savepoint" not in err and "Errno" not in err


def _store_facts(store: Path) -> tuple[str, list[tuple[str, ...]]]:
    """The store's integrity check and every story's head revision."""
    with closing(sqlite3.connect(store)) as db:
        check = db.execute("PRAGMA integrity_check").fetchone()[0]
        heads = db.execute("SELECT slug, revision_id FROM stories ORDER BY slug").fetchall()
    return check, heads


@pytest.fixture
def store_on_disk(small_disk: SmallDisk, capsys: pytest.CaptureFixture[str]) -> Path:
    """The sample newsroom in a store on the small disk."""
    store = small_disk.root / "newsroom.db"
    newsroom(capsys, store, "init", "--demo")
    return store


def test_import(small_disk: SmallDisk, store_on_disk: Path, tmp_path: Path,
                capsys: pytest.CaptureFixture[str]) -> None:
    tree = tmp_path / "content"
    tree.mkdir()
    for number in range(300):
        (tree / f"story-{number}.md").write_text(
            f"Title: Story {number}\nDate: 2024-12-01 10:00\n\n" + "Words and more. " * 200)
    before = _store_facts(store_on_disk)
    small_disk.fill()
    _refused(newsroom(capsys, store_on_disk, "import", str(tree), "--quiet", code=1),
             small_disk)
    assert _store_facts(store_on_disk) == before
    small_disk.free()
    assert "imported 300 new" in newsroom(capsys, store_on_disk, "import", str(tree), "--quiet")


def test_an_import_stopped_by_a_full_disk_says_what_it_imported(
        small_disk: SmallDisk, store_on_disk: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are imported in batches, each committed: the first (250 small files) fits, the
    second (large files) does not."""
    monkeypatch.setattr(importing_run, "BATCH", 250)
    tree = tmp_path / "content"
    tree.mkdir()
    for number in range(250):
        (tree / f"a-{number:03}.md").write_text(f"Title: Short {number}\n\nA line.\n")
    for number in range(20):
        (tree / f"b-{number:03}.md").write_text(f"Title: Long {number}\n\n" + "Words. " * 15_000)
    small_disk.fill(leave=2 * 1024 * 1024)
    err = newsroom(capsys, store_on_disk, "import", str(tree), "--quiet", code=1)
    _refused(err, small_disk, "250 of the 270 files were imported, the others not: import "
             "again once there is room (it goes on from there)")
    small_disk.free()
    assert newsroom(capsys, store_on_disk, "import", str(tree), "--quiet") == (
        "imported 20 new, 0 updated, 250 unchanged, 0 colliding, 0 skipped, 0 failed; "
        "20 old URLs kept\n")


def test_no_room_for_the_store_s_shared_memory_file(small_disk: SmallDisk) -> None:
    """SQLite calls this one a disk I/O error (SQLITE_IOERR_SHMSIZE): a store opened in WAL
    mode by a first process makes a 32 KB file beside it, which does not fit."""
    store = small_disk.root / "newsroom.db"
    command = [sys.executable, "-m", "cms.cli", "--store", str(store)]
    subprocess.run([*command, "init", "--demo"], check=True, capture_output=True, timeout=120)
    assert sorted(p.name for p in small_disk.root.iterdir()) == ["newsroom.db"]  # closed
    before = _store_facts(store)
    small_disk.fill(leave=28 * 1024)  # room for the log's first pages, not for 32 KB more
    run = subprocess.run([*command, "story", "new", "--headline", "Short"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    _refused(run.stderr, small_disk)
    small_disk.free()
    assert _store_facts(store) == before


def test_save(small_disk: SmallDisk, store_on_disk: Path, tmp_path: Path,
              capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "body.md"
    body.write_text("A long story. " * 40_000)
    before = _store_facts(store_on_disk)
    small_disk.fill()
    _refused(newsroom(capsys, store_on_disk, "story", "edit", JCS, "--body-file", str(body),
                      code=1), small_disk)
    _refused(newsroom(capsys, store_on_disk, "story", "new", "--headline", "Another",
                      "--body-file", str(body), code=1), small_disk)
    assert _store_facts(store_on_disk) == before
    small_disk.free()
    newsroom(capsys, store_on_disk, "story", "edit", JCS, "--body-file", str(body))


def test_photo_attach(small_disk: SmallDisk, store_on_disk: Path, tmp_path: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    from tests.photos.imaging import encode

    photo = tmp_path / "big.jpg"
    photo.write_bytes(encode(Image.effect_noise((1200, 900), 60).convert("RGB"), quality=95))
    assert photo.stat().st_size > 100_000
    before = _store_facts(store_on_disk)
    small_disk.fill()
    _refused(newsroom(capsys, store_on_disk, "photo", "add", JCS, str(photo), "--caption", "c",
                      "--credit", "JCS", "--alt", "a", code=1), small_disk)
    assert _store_facts(store_on_disk) == before
    small_disk.free()
    newsroom(capsys, store_on_disk, "photo", "add", JCS, str(photo), "--caption", "c",
             "--credit", "JCS", "--alt", "a")


@pytest.fixture
def store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The sample newsroom in a store on the ordinary disk."""
    path = tmp_path / "newsroom.db"
    newsroom(capsys, path, "init", "--demo")
    return path


def _export(capsys: pytest.CaptureFixture[str], store: Path, out: Path, cache: Path,
            *args: str, code: int = 0) -> str:
    return newsroom(capsys, store, "export", "--quiet", "--out", str(out), "--as-of", AS_OF,
                    "--cache-dir", str(cache), *args, code=code)


@pytest.mark.parametrize("cache_on_the_disk", [False, True], ids=["cache elsewhere",
                                                                  "cache on the full disk"])
def test_export(small_disk: SmallDisk, store: Path, tmp_path: Path, cache_on_the_disk: bool,
                capsys: pytest.CaptureFixture[str]) -> None:
    out = small_disk.root / "site"
    cache = (small_disk.root if cache_on_the_disk else tmp_path) / "cache"
    _export(capsys, store, out, cache)
    old_bundle = tree_bytes(out)
    old_state = (out / ".newsroom-export.sqlite").read_bytes()
    body = tmp_path / "body.md"
    body.write_text("A story that grew. " * 30_000)
    newsroom(capsys, store, "story", "edit", JCS, "--body-file", str(body))
    small_disk.fill()
    _refused(_export(capsys, store, out, cache, code=1), small_disk)
    _refused(_export(capsys, store, out, cache, "--full", code=1), small_disk)
    assert tree_bytes(out) == old_bundle
    assert (out / ".newsroom-export.sqlite").read_bytes() == old_state
    assert sorted(p.name for p in small_disk.root.iterdir()) == sorted(
        ["filler", "site"] + (["cache"] if cache_on_the_disk else []))  # no staging left

    small_disk.free()
    _export(capsys, store, out, cache)
    _export(capsys, store, tmp_path / "fresh", tmp_path / "fresh-cache")
    assert tree_bytes(out) == tree_bytes(tmp_path / "fresh")


def test_a_first_export_onto_a_full_disk_leaves_nothing(
        small_disk: SmallDisk, store: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    small_disk.fill()
    _refused(_export(capsys, store, small_disk.root / "site", tmp_path / "cache", code=1),
             small_disk)
    assert [p.name for p in small_disk.root.iterdir()] == ["filler"]


def test_a_zip_onto_a_full_disk(small_disk: SmallDisk, store: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site"
    small_disk.fill()
    err = _export(capsys, store, out, tmp_path / "cache", "--zip",
                  str(small_disk.root / "site.zip"), code=1)
    _refused(err, small_disk, f"{out} was exported, the zip was not written")
    assert [p.name for p in small_disk.root.iterdir()] == ["filler"]
    small_disk.free()
    _export(capsys, store, out, tmp_path / "cache", "--zip", str(small_disk.root / "site.zip"))
    with zipfile.ZipFile(small_disk.root / "site.zip") as zf:
        assert {name: zf.read(name) for name in zf.namelist()} == tree_bytes(out)


def test_sync(small_disk: SmallDisk, tmp_path: Path,
              capsys: pytest.CaptureFixture[str]) -> None:
    central = tmp_path / "central.db"
    elsewhere = tmp_path / "elsewhere.db"
    newsroom(capsys, elsewhere, "init", "--demo")
    newsroom(capsys, elsewhere, "central", "init", str(central))
    newsroom(capsys, elsewhere, "sync", "--central", str(central))  # the sample, photos too
    local = small_disk.root / "newsroom.db"
    newsroom(capsys, local, "init")
    before = _store_facts(local)
    small_disk.fill()
    _refused(newsroom(capsys, local, "sync", "--central", str(central), code=1), small_disk,
             "the sync stopped, nothing half-written (what it synced before is kept): sync "
             "again once there is room")
    assert _store_facts(local) == before
    small_disk.free()
    assert "received:" in newsroom(capsys, local, "sync", "--central", str(central))
    assert len(_store_facts(local)[1]) == 6


def test_an_export_into_a_read_only_folder(tmp_path: Path, store: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """(Root may write into any folder, but not onto a read-only file system.)"""
    disk = tmp_path / "read-only"
    disk.mkdir()
    _mount(disk, "size=1m,ro")
    try:
        err = _export(capsys, store, disk / "site", tmp_path / "cache", code=1)
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False, timeout=30)
    assert err == (f"newsroom: {disk} cannot be written: it is on a read-only file system: "
                   "nothing was changed\n")
