"""Putting a bundle on disk without ever showing a half-written site.

A full export is written into a temporary folder beside the output folder and
swapped in at the end (one atomic ``renameat2(RENAME_EXCHANGE)`` on Linux, two
renames elsewhere). An incremental export writes only the changed files into a
temporary folder first; once every page has rendered it renames them into
place and writes the state file last, so a failure before that point changes
nothing, and an interruption while renaming is repaired by the next export (the
state still names the old input hashes, so those pages are written again).

The folder's state (:mod:`cms.export.state`) is written after the files it
describes; it is not part of the manifest or the zip.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import uuid
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from cms.errors import UsageError
from cms.export.paths import (
    LEGACY_STATE_FILES,
    MANIFEST_FILE,
    STATE_FILE,
    bundle_path,
    inside,
    inside_str,
)

_RENAME_EXCHANGE = 2
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def check_output_folder(out: Path) -> bool:
    """Check ``out`` may receive an export; True when it holds a previous one.

    A folder that exists, is not empty and was not written by an export is
    refused: replacing it would delete someone's files.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    if not out.exists():
        if not out.parent.exists():
            raise UsageError(f"the folder {out.parent} does not exist")
        return False
    if any((out / name).exists() for name in (STATE_FILE, *LEGACY_STATE_FILES)):
        return True
    if any(out.iterdir()):
        raise UsageError(
            f"{out} is not empty and does not hold a Newsroom export; choose an empty or new "
            "folder"
        )
    return False


def _write_file(target: Path, data: bytes) -> None:
    with open(target, "wb") as handle:
        handle.write(data)


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """Hard-link ``source`` (a cached file) to ``target``; copy where links cannot go."""
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(source, target)


def _link_all(pairs: list[tuple[str, str]]) -> None:
    for source, target in pairs:
        link_or_copy(source, target)


class Staging:
    """A temporary folder beside the output that collects the files of one export.

    Files are written by a few threads: opening a file is a system call that
    releases the GIL, and on overlay or network file systems it is most of the
    cost of writing a small page.
    """

    WRITERS = 4
    MAX_PENDING = 256
    LINK_BATCH = 128

    def __init__(self, beside: Path) -> None:
        """A new staging folder in the folder holding ``beside`` (which must exist)."""
        self.root = beside.parent / f".{beside.name}.export-{uuid.uuid4().hex[:12]}"
        self.root.mkdir()
        self.paths: list[str] = []
        self._dirs: set[Path] = {self.root}
        self._root = str(self.root)
        self._link_dirs: set[str] = {self._root}
        self._links: list[tuple[str, str]] = []
        self._pool = ThreadPoolExecutor(self.WRITERS, thread_name_prefix="export-write")
        self._pending: list[Future[None]] = []

    def write(self, path: str, data: bytes) -> None:
        """Write one bundle file into the staging folder (finished by :meth:`flush`)."""
        target = inside(self.root, path)
        parent = target.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        self._pending.append(self._pool.submit(_write_file, target, data))
        self.paths.append(path)
        if len(self._pending) >= self.MAX_PENDING:
            self.flush()

    def link(self, path: str, source: str | Path) -> None:
        """Put the cached file ``source`` into the staging folder as ``path`` (a hard link).

        Links go to the writer threads in batches: one link is a single system
        call, cheaper than handing it to a thread.
        """
        target = inside_str(self._root, path)
        parent = target.rpartition("/")[0]
        if parent not in self._link_dirs:
            os.makedirs(parent, exist_ok=True)
            self._link_dirs.add(parent)
        self._links.append((str(source), target))
        self.paths.append(path)
        if len(self._links) >= self.LINK_BATCH:
            self._submit_links()

    def _submit_links(self) -> None:
        links, self._links = self._links, []
        if links:
            self._pending.append(self._pool.submit(_link_all, links))
        if len(self._pending) >= self.MAX_PENDING:
            self.flush()

    def record(self, path: str) -> None:
        """Note a file that a worker process wrote into the staging folder itself."""
        self.paths.append(path)

    def flush(self) -> None:
        """Wait for every write so far; raise the first error."""
        links, self._links = self._links, []
        if links:
            self._pending.append(self._pool.submit(_link_all, links))
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    def close(self) -> None:
        """Stop the writer threads (after finishing or abandoning their work)."""
        self._links = []
        for future in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True)
        self._pending = []

    def discard(self) -> None:
        """Remove the staging folder and everything in it."""
        self.close()
        shutil.rmtree(self.root, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def swap_in(staging: Staging, out: Path) -> None:
    """Make the staging folder the output folder; remove what was there before."""
    staging.flush()
    if not out.exists():
        os.rename(staging.root, out)
        return
    if _exchange(staging.root, out):
        shutil.rmtree(staging.root, ignore_errors=True)  # now holds the old export
        return
    old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:12]}"
    os.rename(out, old)
    try:
        os.rename(staging.root, out)
    except OSError:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def apply_changes(staging: Staging, out: Path, deleted: list[str]) -> None:
    """Move staged files into ``out`` and delete files that are no longer part of it.

    The caller writes the state afterwards, so that it lands only after
    everything it describes.
    """
    staging.flush()
    ordered = sorted(staging.paths, key=lambda p: p == MANIFEST_FILE)  # manifest last
    made: set[Path] = set()
    for path in ordered:
        target = inside(out, path)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        os.replace(staging.root / path, target)
    for path in deleted:
        target = inside(out, path)
        target.unlink(missing_ok=True)
        _prune_empty(target.parent, out)
    staging.discard()


def existing_files(folder: Path) -> set[str]:
    """Every file under ``folder`` as a bundle path (one directory scan, no stat per file)."""
    found: set[str] = set()
    base = len(str(folder)) + 1
    for current, _dirs, files in os.walk(folder):
        prefix = current[base:].replace(os.sep, "/")
        found.update(map((prefix + "/").__add__, files) if prefix else files)  # no loop in Python
    return found


def _prune_empty(folder: Path, root: Path) -> None:
    root = root.resolve()
    current = folder.resolve()
    while current != root and root in current.parents:
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent


def check_zip_target(zip_path: Path) -> None:
    """Check a zip can be written at ``zip_path`` (before any work is done)."""
    if zip_path.is_dir():
        raise UsageError(f"{zip_path} is a folder")
    if not zip_path.parent.is_dir():
        raise UsageError(f"the folder {zip_path.parent} does not exist")


def write_zip(folder: Path, paths: list[str], zip_path: Path) -> None:
    """A deterministic zip of ``paths`` under ``folder``: sorted, fixed times and modes."""
    check_zip_target(zip_path)
    temp = zip_path.with_name(f".{zip_path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for path in sorted(paths):
                info = zipfile.ZipInfo(bundle_path(path), date_time=_ZIP_TIME)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                zf.writestr(info, (folder / path).read_bytes())
        os.replace(temp, zip_path)
    finally:
        temp.unlink(missing_ok=True)
