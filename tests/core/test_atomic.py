"""cms.atomic: a file is replaced whole or not at all, flushed, by any number of writers."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from cms.atomic import NEW_FILE_MODE, atomic_write, atomic_writer, sync_filesystem


def test_a_write_replaces_the_file_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "page.html"
    target.write_bytes(b"old")
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_a_new_file_has_the_mode_any_new_file_gets(tmp_path: Path) -> None:
    """Not mkstemp's 0600: a web server must read exported and cached pages."""
    target = tmp_path / "page.html"
    atomic_write(target, b"x")
    assert stat.S_IMODE(target.stat().st_mode) == NEW_FILE_MODE
    plain = tmp_path / "plain"
    plain.write_bytes(b"x")
    assert stat.S_IMODE(plain.stat().st_mode) == NEW_FILE_MODE  # what open() makes


@pytest.mark.skipif(not hasattr(os, "fchmod"), reason="modes mean little on Windows")
def test_a_private_file_is_private_from_its_first_byte(tmp_path: Path) -> None:
    target = tmp_path / ".pgpass"
    target.write_bytes(b"old")
    target.chmod(0o644)
    atomic_write(target, b"secret", mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_bytes() == b"secret"


def test_a_failed_streaming_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "site.zip"
    target.write_bytes(b"old zip")
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write(b"half a new zip")
        raise RuntimeError("the zip could not be finished")
    assert target.read_bytes() == b"old zip"
    assert [p.name for p in tmp_path.iterdir()] == ["site.zip"]


def test_a_link_at_the_target_is_replaced_never_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"precious")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "robots.txt").symlink_to(outside)
    atomic_write(folder / "robots.txt", b"User-agent: *\n")
    assert outside.read_bytes() == b"precious"
    assert not (folder / "robots.txt").is_symlink()
    assert (folder / "robots.txt").read_bytes() == b"User-agent: *\n"


def test_the_bytes_and_the_rename_are_flushed(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    flushed: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        flushed.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write(tmp_path / "a", b"x")
    assert flushed == ["file", "folder"]
    flushed.clear()
    atomic_write(tmp_path / "b", b"x", sync=False)  # the caller flushes many files at once
    assert flushed == []
    sync_filesystem(tmp_path)
    assert (tmp_path / "b").read_bytes() == b"x"


def test_threads_writing_one_file_never_share_a_temporary_file(tmp_path: Path) -> None:
    """Two threads making the same thumbnail each write a file of their own."""
    target = tmp_path / "thumb.img"
    contents = [bytes([n]) * 50_000 for n in range(8)]
    errors: list[BaseException] = []

    def write(data: bytes) -> None:
        try:
            for _ in range(25):
                atomic_write(target, data)
                assert target.read_bytes() in contents  # always one writer's whole file
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(data,)) for data in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert target.read_bytes() in contents
    assert [p.name for p in tmp_path.iterdir()] == ["thumb.img"]
