"""The temporary folder an export writes into, marked as the export's own.

A staging folder sits beside the output folder (``.site.export-<12 hex digits>``
for ``site``: on the same file system, so that it can be renamed into place) and
holds

- ``bundle/``, the files the export writes: the whole new bundle, swapped in at
  the end, after a first or full export; the changed files otherwise;
- ``previous/``, where the old bundle waits to be deleted where the system
  cannot swap two folders in one step;
- the mark, ``.newsroom-export-temp``: a file holding :data:`SIGNATURE`,
  locked while the export runs.

An export killed half-way (``kill -9``, a power cut) leaves its staging folder
behind. The next export beside the same folder removes such leftovers
(:func:`remove_leftovers`), but only those named as an export names them *and*
marked, whose mark no running export holds locked: a folder with a similar name
and no mark is someone else's, and is left alone. The mark goes last when a
staging folder is removed, so a removal cut short is finished by the next run.
The folder holding the output folder is taken to be the user's own (the
export's own folders are made there); the output folder's contents are not
(see :mod:`cms.export.folder`).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import sys
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from cms.export.paths import inside, inside_str

MARK = ".newsroom-export-temp"
SIGNATURE = b"Newsroom export: a temporary folder, removed by the next export if left\n"
BUNDLE = "bundle"
PREVIOUS = "previous"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
# The staging folders of this process: a lock taken again by its own process is granted
# (POSIX record locks are per process), so they are known here instead.
_RUNNING: set[str] = set()


def staging_name(beside: Path) -> re.Pattern[str]:
    """The names of the staging folders an export beside ``beside`` makes."""
    return re.compile(rf"\.{re.escape(beside.name)}\.export-[0-9a-f]{{12}}")


def link_or_copy(source: str | Path, target: str | Path) -> None:
    """Hard-link ``source`` (a cached file) to ``target``; copy where links cannot go."""
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copyfile(source, target)


def _link_all(pairs: list[tuple[str, str]]) -> None:
    for source, target in pairs:
        link_or_copy(source, target)


def _write_file(target: Path, data: bytes) -> None:
    with open(target, "wb") as handle:
        handle.write(data)


def _lock(fd: int) -> bool:
    """Lock the open mark ``fd`` without waiting; False when a running export holds it.

    A record lock (``lockf``) is not inherited by forked page workers, and the
    system releases it when the process ends, however it ends.
    """
    try:
        os.lseek(fd, 0, os.SEEK_SET)  # the same bytes for every export: the whole file
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class Staging:
    """A marked temporary folder beside the output that collects the files of one export.

    Files are written by a few threads: opening a file is a system call that
    releases the GIL, and on overlay or network file systems it is most of the
    cost of writing a small page.
    """

    WRITERS = 4
    MAX_PENDING = 256
    LINK_BATCH = 128

    def __init__(self, beside: Path) -> None:
        """A new staging folder in the folder holding ``beside`` (which must exist)."""
        self.folder = beside.parent / f".{beside.name}.export-{uuid.uuid4().hex[:12]}"
        self.folder.mkdir()
        _RUNNING.add(str(self.folder))
        self._mark: int | None = None
        try:
            self._mark = os.open(self.folder / MARK,
                                 os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
            os.write(self._mark, SIGNATURE)
            _lock(self._mark)
            self.root = self.folder / BUNDLE
            self.root.mkdir()
        except BaseException:
            self._remove()
            raise
        self.previous = self.folder / PREVIOUS
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
        """Remove the staging folder and everything in it (the mark last)."""
        self.close()
        self._remove()

    def _remove(self) -> None:
        try:
            emptied = _remove_contents(self.folder)
        finally:
            if self._mark is not None:
                os.close(self._mark)  # before the mark goes: Windows deletes no open file
                self._mark = None
            _RUNNING.discard(str(self.folder))
        if emptied:
            _unmark(self.folder)


def _remove_contents(folder: Path) -> bool:
    """Remove everything in a staging folder but its mark; False when some of it stays
    (the folder then stays marked, for the next export to finish)."""
    try:
        names = [name for name in os.listdir(folder) if name != MARK]
    except FileNotFoundError:
        return True
    for name in names:
        path = folder / name
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return not any(os.path.lexists(folder / name) for name in names)


def _unmark(folder: Path) -> None:
    """Remove the mark of an emptied staging folder, then the folder (the mark goes last)."""
    try:
        (folder / MARK).unlink(missing_ok=True)
        folder.rmdir()
    except OSError:
        pass  # finished by another export meanwhile, or written into again: left for the next


def _open_mark(folder: Path) -> int | None:
    """The mark of ``folder`` opened, if it is one an export made; None otherwise."""
    try:
        fd = os.open(folder / MARK, os.O_RDWR | _NOFOLLOW | _NONBLOCK)
    except OSError:
        return None  # no mark (or a link, a folder…): not an export's
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode) and \
                os.read(fd, len(SIGNATURE) + 1) == SIGNATURE:
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def remove_leftovers(beside: Path) -> list[Path]:
    """Remove the staging folders that exports beside ``beside`` left when they were killed;
    return those removed.

    Only folders named as :class:`Staging` names them, marked, and not locked by a
    running export. If ``beside`` itself is missing (an export killed between the
    two renames of a swap), the old bundle waiting in a leftover is put back first.
    """
    pattern = staging_name(beside)
    try:
        names = sorted(name for name in os.listdir(beside.parent) if pattern.fullmatch(name))
    except OSError:
        return []
    removed: list[Path] = []
    for name in names:
        folder = beside.parent / name
        if str(folder) in _RUNNING or not folder.is_dir() or folder.is_symlink():
            continue
        mark = _open_mark(folder)
        if mark is None:
            continue  # a similar name, but not marked: not ours to remove
        emptied = False
        try:
            if not _lock(mark):
                continue  # an export still running
            previous = folder / PREVIOUS
            if not os.path.lexists(beside) and previous.is_dir() and not previous.is_symlink():
                os.rename(previous, beside)
            emptied = _remove_contents(folder)
        finally:
            os.close(mark)
        if emptied:
            _unmark(folder)
            removed.append(folder)
    return removed
