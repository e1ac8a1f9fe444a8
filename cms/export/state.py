"""What the last export into a folder wrote, and from which inputs.

The state file (``.newsroom-export.sqlite``) maps each file to the hash of the
inputs it was made from and the hash of its bytes, and each story to what its
own page shows of it. It is an SQLite file so that a re-export after one edit
reads and rewrites the rows of the few files and stories that changed (in one
transaction, after the files themselves), not a record of every file.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

from cms.export.images import Rendition
from cms.export.paths import STATE_FILE, is_bundle_path

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
                 base: State | None = None, deleted: frozenset[str] = frozenset(),
                 source: tuple[Path, str] | None = None, paths: set[str] | None = None
                 ) -> None:
        """``files``: every record of a new state, the changed ones of an update of
        ``base``; a state read from a file has ``source`` (the file and how to open it)
        and its ``paths`` instead, and reads records from it when asked."""
        self.renditions = renditions if renditions is not None else {}
        self.stories = stories if stories is not None else {}
        self.layout = layout
        self.base = base
        self.deleted = deleted
        self.changed = files if files is not None else {}
        self._source = source
        self._paths = paths
        self._files: dict[str, FileRecord] | None = (
            None if base is not None or source is not None else self.changed)

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
        assert self._paths is not None, "a state read from a file has its paths"
        return self._paths

    def records(self, paths: list[str]) -> dict[str, FileRecord]:
        """The records of those of ``paths`` the state has."""
        if self._files is not None:
            return {p: self._files[p] for p in paths if p in self._files}
        found = {}
        for start in range(0, len(paths), 900):
            chunk = paths[start : start + 900]
            found.update(self._query(
                f"SELECT path, key, sha256, size FROM files WHERE path IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return found

    def _query(self, sql: str, args: list[str] | tuple[()]) -> dict[str, FileRecord]:
        assert self._source is not None, "only a state read from a file reads records"
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
            return cls(None, renditions, stories, meta["layout"], source=(path, mode),
                       paths=paths)
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
