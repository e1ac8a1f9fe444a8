"""Putting a bundle on disk without ever showing a half-written site.

A full export is written into a temporary folder beside the output folder and
swapped in at the end (one atomic ``renameat2(RENAME_EXCHANGE)`` on Linux, two
renames elsewhere). An incremental export writes only the changed files into a
temporary folder first; once every page has rendered it renames them into
place and writes the state file last, so a failure before that point changes
nothing, and an interruption while renaming is repaired by the next export (the
state still names the old input hashes, so those pages are written again).

The state file (``.newsroom-export.sqlite``) maps each file to the hash of the
inputs it was made from and the hash of its bytes; it is not part of the
manifest or the zip. It is an SQLite file so that a re-export after one edit
rewrites the rows of the few files and stories that changed (in one
transaction, after the files themselves), not a record of every file.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import sqlite3
import tempfile
import uuid
import zipfile
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

from cms.errors import UsageError
from cms.export.images import Rendition
from cms.export.paths import (
    LEGACY_STATE_FILES,
    MANIFEST_FILE,
    STATE_FILE,
    bundle_path,
    inside,
    inside_str,
    is_bundle_path,
)

STATE_FORMAT = 3
_STATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, key TEXT NOT NULL,
                                  sha256 TEXT NOT NULL, size INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stories (id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS renditions (sha256 TEXT PRIMARY KEY, items TEXT NOT NULL)
    WITHOUT ROWID;
"""
# Every path (one string, split in Python: faster than 27,000 rows), how many there are,
# and whether every record is of the kinds an export writes (hashes and sizes go into
# manifest.json as they are).
_PATHS_CHECKED = """SELECT group_concat(path, char(10)), count(*),
    min(typeof(key) = 'text' AND typeof(size) = 'integer' AND length(sha256) = 64)
    FROM files"""
_RENAME_EXCHANGE = 2
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class FileRecord(NamedTuple):
    """One file of a bundle as the state remembers it."""

    key: str
    sha256: str
    size: int


class State:
    """What the last export into a folder wrote, and from which inputs.

    ``stories`` and ``layout`` let the next export find what changed without
    hashing every page again: ``stories`` maps each story to what its own page
    shows of it (see :func:`cms.export.site.story_state`), ``layout`` is the
    digest of which pages exist and which stories each list shows.

    A state read from a folder reads its file records only when asked
    (:meth:`records` for a few, :attr:`files` for all): after one edit an export
    needs a few dozen of 27,000. A state made by an export that looked at a few
    files only is an *update* of the state it started from (``base``): its
    ``changed`` records replace or add to the base's, and ``deleted`` go.
    """

    def __init__(self, files: dict[str, FileRecord] | None = None,
                 renditions: dict[str, list[Rendition]] | None = None,
                 stories: dict[str, str] | None = None, layout: str = "", *,
                 base: State | None = None, deleted: frozenset[str] = frozenset()) -> None:
        self.renditions = renditions if renditions is not None else {}
        self.stories = stories if stories is not None else {}
        self.layout = layout
        self.base = base
        self.deleted = deleted
        self.changed = files if files is not None else {}  # all of them, without a base
        self._files: dict[str, FileRecord] | None = None if base is not None else self.changed
        self._source: tuple[Path, str] | None = None  # the file and mode it was read with
        self._paths: set[str] | None = None

    @property
    def files(self) -> dict[str, FileRecord]:
        """Every file's record (read from the folder's state file on first use)."""
        if self.base is not None:  # not kept: ``changed`` may still grow (the manifest)
            merged = {p: r for p, r in self.base.files.items() if p not in self.deleted}
            merged.update(self.changed)
            return merged
        if self._files is None:
            self._files = self._query("SELECT path, key, sha256, size FROM files", ())
        return self._files

    def paths(self) -> set[str]:
        """Every file's path."""
        if self._files is not None:
            return set(self._files)
        if self.base is not None:
            return (self.base.paths() - self.deleted) | self.changed.keys()
        if self._paths is None:
            assert self._source is not None
            with closing(_connect(*self._source)) as db:
                self._paths = {row[0] for row in db.execute("SELECT path FROM files")}
        return self._paths

    def records(self, paths: list[str]) -> dict[str, FileRecord]:
        """The records of those of ``paths`` the state has."""
        if self._files is not None:
            return {p: self._files[p] for p in paths if p in self._files}
        if self.base is not None:
            found = {p: r for p, r in self.base.records(paths).items() if p not in self.deleted}
            found.update((p, self.changed[p]) for p in paths if p in self.changed)
            return found
        found = {}
        for start in range(0, len(paths), 900):
            chunk = paths[start : start + 900]
            found.update(self._query(
                f"SELECT path, key, sha256, size FROM files WHERE path IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return found

    def _query(self, sql: str, args: list[str] | tuple[()]) -> dict[str, FileRecord]:
        assert self._source is not None, "a new state holds all its files"
        make = FileRecord._make
        with closing(_connect(*self._source)) as db:
            return {row[0]: make(row[1:]) for row in db.execute(sql, args)}

    def count(self) -> int:
        """How many files the bundle has."""
        return len(self._files) if self._files is not None else len(self.paths())

    def same_as(self, other: State | None) -> bool:
        """True when writing this state over ``other`` would change nothing."""
        if other is None or (self.renditions, self.stories, self.layout) != (
                other.renditions, other.stories, other.layout):
            return False
        if self.base is other:
            return not self.deleted and other.records(list(self.changed)) == self.changed
        return self.files == other.files

    def __eq__(self, other: object) -> bool:
        return isinstance(other, State) and self.same_as(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"State(layout={self.layout[:12]!r}, stories={len(self.stories)})"

    @classmethod
    def load(cls, folder: Path) -> State | None:
        """The state of ``folder``, or None when there is none (or it is unreadable).

        Its file records are read from the folder when first asked for.
        """
        path = folder / STATE_FILE
        if path.is_symlink() or not path.is_file():
            return None  # a link could lead the next write outside the folder
        try:
            return cls._read(path, "ro")
        except sqlite3.OperationalError:
            # A file system without the locks SQLite takes (some network shares): read it
            # without them; only an export writes it, and never two into one folder.
            try:
                return cls._read(path, "ro&immutable=1")
            except sqlite3.Error:
                return None
        except sqlite3.Error:
            return None

    @classmethod
    def _read(cls, path: Path, mode: str) -> State | None:
        db = _connect(path, mode)
        try:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            if meta.get("format") != str(STATE_FORMAT):
                return None
            # Only what an export writes: safe bundle paths (whatever the file says, an
            # export deletes and writes only inside the folder) and well-formed records.
            joined, count, well_formed = db.execute(_PATHS_CHECKED).fetchone()
            names = joined.split("\n") if count else []
            if count and not (well_formed and len(names) == count
                              and all(map(is_bundle_path, names))):
                return None  # not written by an export: export everything again
            paths = set(names)
            renditions = {
                sha: [Rendition(*item) for item in json.loads(items)]
                for sha, items in db.execute("SELECT sha256, items FROM renditions")
            }
            stories = dict(db.execute("SELECT id, state FROM stories"))
            state = cls(None, renditions, stories, meta["layout"])
            state._files = None
            state._source = (path, mode)
            state._paths = paths
            return state
        except (sqlite3.DatabaseError, ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, sqlite3.OperationalError):
                raise  # perhaps the file system's locks: the caller tries without
            return None
        finally:
            db.close()

    def save(self, path: Path, previous: State | None) -> None:
        """Write this state to ``path``: only what differs from ``previous``, the state
        already there, in one transaction; a new file when there is none (``previous``
        None) or the one there cannot take the change (damaged, locked, read-only)."""
        if previous is not None and not path.is_symlink():
            try:
                self._write(path, previous)
                return
            except sqlite3.Error:
                pass
        temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            try:
                self._write(temp, None)
            except sqlite3.OperationalError:
                # A file system SQLite cannot lock (some network shares): make the file
                # on a local one, then copy it over as plain bytes.
                temp.unlink(missing_ok=True)
                with tempfile.TemporaryDirectory(prefix="newsroom-state-") as local:
                    made = Path(local) / STATE_FILE
                    self._write(made, None)
                    shutil.copyfile(made, temp)
            os.replace(temp, path)  # replaces a link itself, never what it points to
        finally:
            temp.unlink(missing_ok=True)

    def _write(self, path: Path, previous: State | None) -> None:
        before = previous if previous is not None else State()
        db = sqlite3.connect(path, isolation_level=None)
        try:
            if previous is None:
                db.executescript(_STATE_SCHEMA)
            db.execute("BEGIN IMMEDIATE")
            if previous is not None and self.base is previous:  # an update: its rows only
                db.executemany("DELETE FROM files WHERE path = ?",
                               [(p,) for p in sorted(self.deleted)])
                old = previous.records(list(self.changed))
                db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                               [(p, *r) for p, r in self.changed.items() if old.get(p) != r])
            else:
                _write_changes(db, "files", "path", before.files, self.files)
            _write_changes(db, "stories", "id", before.stories, self.stories)
            old_renditions = {sha: _renditions_json(items)
                              for sha, items in before.renditions.items()}
            _write_changes(db, "renditions", "sha256", old_renditions,
                           {sha: _renditions_json(items) for sha, items in self.renditions.items()})
            db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                           [("format", str(STATE_FORMAT)), ("layout", self.layout)])
            db.execute("COMMIT")
        finally:
            db.close()


def _connect(path: Path, mode: str) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode={mode}", uri=True)


def _renditions_json(items: list[Rendition]) -> str:
    return json.dumps([[r.path, r.width, r.height, r.media_type, r.size] for r in items])


def _write_changes(db: sqlite3.Connection, table: str, column: str,
                   before: Mapping[str, object], after: Mapping[str, object]) -> None:
    """Make ``table`` (keyed by ``column``) go from ``before`` to ``after``."""
    gone = [(name,) for name in before.keys() - after.keys()]
    db.executemany(f"DELETE FROM {table} WHERE {column} = ?", gone)
    changed = [(name, *(value if isinstance(value, tuple) else (value,)))
               for name, value in after.items() if before.get(name) != value]
    if changed:
        marks = ", ".join("?" * len(changed[0]))
        db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", changed)


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
    return result == 0


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
