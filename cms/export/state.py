"""What the last export into a folder wrote, and from which inputs.

The state file (``.newsroom-export.sqlite``) maps each file to the hash of the
inputs it was made from and the hash of its bytes, and each story to what its
own page shows of it. It is an SQLite database so that a re-export after one
edit looks up and rewrites the rows of the few files and stories that changed,
not a record of every file.

The file lies in the output folder, where anyone who can write there could put
a link in its place; SQLite opens files by name and would follow it. So the
export never lets SQLite open it: its bytes are read without following a link
(:meth:`cms.export.folder.OutputFolder.read`) into an in-memory database,
changed there, and written back as a new file renamed into place
(:func:`cms.export.writer.put_state`). That also needs no file locks, which some
network shares do not provide.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from cms.export.folder import OutputFolder
from cms.export.images import Rendition
from cms.export.paths import STATE_FILE, is_bundle_path

STATE_FORMAT = 4
_STATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, key TEXT NOT NULL,
                                  sha256 TEXT NOT NULL, size INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stories (id TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS renditions (sha256 TEXT PRIMARY KEY, items TEXT NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pages (path TEXT PRIMARY KEY, recipe TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS shows (story TEXT NOT NULL, path TEXT NOT NULL,
                                  PRIMARY KEY (story, path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS links (target TEXT NOT NULL, holder TEXT NOT NULL,
                                  PRIMARY KEY (target, holder)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tags (tag TEXT PRIMARY KEY, slug TEXT NOT NULL) WITHOUT ROWID;
"""
_INDEX_TABLES = ("pages", "shows", "links", "tags")
_RENDITION_PATH = re.compile(r"media/[0-9a-f]{32}\.(?:jpg|png)")
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


@dataclass
class SiteIndex:
    """Where each story shows in the folder's site, so that a quick re-export
    (:mod:`cms.export.quick`) finds and remakes the pages showing a story without
    building the whole site.

    ``meta`` holds ``token`` (the kept selection the site was made from),
    ``inputs`` (the digest of the theme, settings, sections and renderer),
    ``links_until`` (when a "Read next" window next opens or closes: ISO, or ''
    for never), ``sections`` (the slugs of the sections with pages, in order) and
    ``left_out`` (``[story id, slug, why]`` of photos left out). ``rows`` counts
    the rows of each index table as written, so that rows lost since are noticed.
    ``pages`` maps each list page, front page and feed to its recipe (JSON) and
    the stories it shows; ``links`` each story to the stories its "Read next"
    list shows; ``tags`` each tag to its page name. In an update of a base
    state, ``pages`` and ``tags`` are None (the base's are kept) and ``links``
    holds only the stories whose lists were made again.
    """

    meta: dict[str, Any]
    pages: dict[str, tuple[str, tuple[str, ...]]] | None = None
    links: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tags: dict[str, str] | None = None
    rows: str = ""


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
                 db: sqlite3.Connection | None = None, paths: set[str] | None = None,
                 index: SiteIndex | None = None) -> None:
        """``files``: every record of a new state, the changed ones of an update of
        ``base``; a state read from a file has ``db`` (the file's database, in memory)
        and its ``paths`` instead, and reads records from it when asked."""
        self.renditions = renditions if renditions is not None else {}
        self.stories = stories if stories is not None else {}
        self.layout = layout
        self.index = index
        self.base = base
        self.deleted = deleted
        self.changed = files if files is not None else {}
        self._db = db
        self._paths = paths
        self.data = b""  # the bytes of the state file it was read from, if it was
        self._files: dict[str, FileRecord] | None = (
            None if base is not None or db is not None else self.changed)

    @property
    def files(self) -> dict[str, FileRecord]:
        """Every file's record (read from the folder's state file on first use)."""
        if self.base is not None:  # not kept: ``changed`` may still grow (the manifest)
            merged = {p: r for p, r in self.base.files.items() if p not in self.deleted}
            merged.update(self.changed)
            return merged
        if self._files is None:
            self._files = _records(self._rows("SELECT path, key, sha256, size FROM files"))
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
        return _records(self._rows(
            "SELECT path, key, sha256, size FROM files WHERE path IN ({})", paths))

    def pages_showing(self, ids: Iterable[str]) -> dict[str, str]:
        """The recipe of each list page, front page and feed showing one of ``ids``."""
        return dict(self._rows(
            "SELECT DISTINCT p.path, p.recipe FROM shows s JOIN pages p ON p.path = s.path "
            "WHERE s.story IN ({})", ids))

    def recipes(self, paths: Iterable[str]) -> dict[str, str]:
        """The recipes of those of ``paths`` that are list pages, the front page or feeds."""
        return dict(self._rows("SELECT path, recipe FROM pages WHERE path IN ({})", paths))

    def holders_of(self, ids: Iterable[str]) -> set[str]:
        """The stories whose "Read next" list shows one of ``ids``."""
        return {row[0] for row in self._rows(
            "SELECT DISTINCT holder FROM links WHERE target IN ({})", ids)}

    def index_intact(self) -> bool:
        """True when the state has its site index, and the index tables hold as many rows
        as the export that wrote them (none lost since)."""
        if self._db is None or self.index is None:
            return self.index is not None
        try:
            return _count_rows(self._db) == self.index.rows
        except sqlite3.Error:
            return False

    def forget_index(self) -> None:
        """Stop trusting the site index (found damaged): the next plan looks at every
        file, and the new state carries an index made anew."""
        self.index = None

    def _index_rows(self) -> list[list[tuple[Any, ...]]] | None:
        """Every row of the index tables of the file this state was read from (None when
        there is no such file, or they cannot be read)."""
        if self._db is None:
            return None
        try:
            return [self._rows(f"SELECT * FROM {table}") for table in _INDEX_TABLES]
        except sqlite3.Error:
            return None

    def tag_slugs(self, tags: Iterable[str]) -> dict[str, str]:
        """The page names of ``tags`` (those the state knows)."""
        return dict(self._rows("SELECT tag, slug FROM tags WHERE tag IN ({})", tags))

    def _rows(self, sql: str, values: Iterable[str] | None = None) -> list[tuple[Any, ...]]:
        """The rows of ``sql`` from the state's file; with ``values``, an ``IN ({})`` query
        run in chunks below SQLite's limit on parameters."""
        db = self._db
        assert db is not None, "only a state read from a file reads rows"
        if values is None:
            return db.execute(sql).fetchall()
        wanted = sorted(set(values))
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            rows += db.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
        return rows

    def count(self) -> int:
        """How many files the bundle has."""
        return len(self._files) if self._files is not None else len(self.paths())

    def same_as(self, other: State | None) -> bool:
        """True when writing this state over ``other`` would change nothing."""
        if other is None or (self.renditions, self.stories, self.layout, _meta(self)) != (
                other.renditions, other.stories, other.layout, _meta(other)):
            return False
        if self.base is other:
            return not self.deleted and other.records(list(self.changed)) == self.changed
        return self.files == other.files

    def changes(self, old: State) -> bool:
        """True when writing this state over ``old`` would change something: a record, the
        index (which kept selection it names too), or ``old``'s index that is not whole."""
        return not (self.same_as(old) and _token(self) == _token(old) and old.index_intact())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, State) and self.same_as(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"State(layout={self.layout[:12]!r}, stories={len(self.stories)})"

    @classmethod
    def load(cls, folder: Path | OutputFolder) -> State | None:
        """The state of ``folder``, or None when there is none (or it cannot be trusted:
        unreadable, not what an export writes, or a link).

        Its file records are read from it when first asked for.
        """
        if isinstance(folder, Path):
            if not folder.is_dir() or folder.is_symlink():
                return None
            with OutputFolder(folder) as opened:
                return cls.load(opened)
        data = folder.read(STATE_FILE)  # never through a link: it could lead anywhere
        return cls.from_bytes(data) if data is not None else None

    @classmethod
    def from_bytes(cls, data: bytes, *, checked: bool = False) -> State | None:
        """The state held in the bytes of a state file, or None (see :meth:`load`).

        ``checked``: the bytes are known to be what an export wrote (the export cache
        remembers their hash, :mod:`cms.export.stamps`), so every path and rendition
        record is not checked again.
        """
        db = sqlite3.connect(":memory:", isolation_level=None)
        try:
            db.deserialize(data)
            state = cls._read(db, checked)
        except sqlite3.Error:
            state = None
        if state is None:
            db.close()
        else:
            state.data = data
        return state

    def close(self) -> None:
        """Release the database read from the folder (records are not read after this)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    @classmethod
    def _read(cls, db: sqlite3.Connection, checked: bool) -> State | None:
        try:
            meta = dict(db.execute("SELECT key, value FROM meta"))
            if meta.get("format") != str(STATE_FORMAT):
                return None
            # Only what an export writes: safe bundle paths (whatever the file says, an
            # export deletes and writes only inside the folder) and well-formed records.
            joined, count, well_formed = db.execute(_PATHS_CHECKED).fetchone()
            names = joined.split("\n") if count else []
            if count and not checked and not (well_formed and len(names) == count
                                              and all(map(is_bundle_path, names))):
                return None  # not written by an export: export everything again
            if meta.get("files") != str(count):
                return None  # rows lost: a file no row names would never be deleted
            paths = set(names)
            renditions = {
                sha: [Rendition(*item) for item in json.loads(items)]
                for sha, items in db.execute("SELECT sha256, items FROM renditions")
            }
            if not checked and not all(_known_rendition(item, paths)
                                       for items in renditions.values() for item in items):
                return None
            stories = dict(db.execute("SELECT id, state FROM stories"))
            index = SiteIndex(json.loads(meta["index"]), rows=meta.get("index_rows", "")) \
                if "index" in meta else None
            if index is not None and not isinstance(index.meta, dict):
                index = None
            return cls(None, renditions, stories, meta["layout"], db=db, paths=paths,
                       index=index)
        except (sqlite3.DatabaseError, ValueError, KeyError, TypeError):
            return None

    def serialize(self, previous: State | None) -> bytes:
        """This state as the bytes of a state file: ``previous`` (the state read from the
        folder) with only the rows that differ written, or a new database when there is
        none or it cannot take the change (damaged, or of another shape).

        ``previous`` reads the new rows afterwards: it is not used again.
        """
        if previous is not None and previous._db is not None:
            try:
                self._write(previous._db, previous)
                return previous._db.serialize()
            except sqlite3.Error:
                pass
        db = sqlite3.connect(":memory:", isolation_level=None)
        try:
            self._write(db, None)
            return db.serialize()
        finally:
            db.close()

    def _write(self, db: sqlite3.Connection, previous: State | None) -> None:
        """Write this state into ``db``: over ``previous``'s rows there, or into an empty
        database (``previous`` None); in one transaction, rolled back on any error."""
        before = previous if previous is not None else State()
        if previous is None:
            db.executescript(_STATE_SCHEMA)
        db.execute("BEGIN IMMEDIATE")
        try:
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
            self._write_index(db, previous)
            db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                           [("format", str(STATE_FORMAT)), ("layout", self.layout)])
            db.execute("INSERT OR REPLACE INTO meta (key, value) "
                       "SELECT 'files', count(*) FROM files")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _write_index(self, db: sqlite3.Connection, previous: State | None) -> None:
        """Write the site index: all of it, or (in an update) the changed "Read next" lists
        over the base's rows, which an update written anew copies from the base's file."""
        index = self.index
        carried = None  # the base's rows, when they are not in the file written
        if index is not None and index.pages is None and not (
                previous is not None and self.base is previous):
            carried = self.base._index_rows() if self.base is not None else None
            if carried is None:
                index = None  # the next export arranges the whole site (and makes one)
        if index is None:
            db.execute("DELETE FROM meta WHERE key IN ('index', 'index_rows')")
            for table in _INDEX_TABLES:
                db.execute(f"DELETE FROM {table}")
            return
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('index', ?)",
                   (json.dumps(index.meta, sort_keys=True, ensure_ascii=False),))
        if index.pages is not None or carried is not None:
            for table in _INDEX_TABLES:
                db.execute(f"DELETE FROM {table}")
        if index.pages is not None:  # every row anew
            db.executemany("INSERT INTO pages VALUES (?, ?)",
                           [(path, recipe) for path, (recipe, _ids) in index.pages.items()])
            db.executemany("INSERT OR IGNORE INTO shows VALUES (?, ?)",
                           [(sid, path) for path, (_recipe, ids) in index.pages.items()
                            for sid in ids])
            db.executemany("INSERT INTO tags VALUES (?, ?)", sorted((index.tags or {}).items()))
        else:  # the base's rows, with the changed stories' "Read next" lists made again
            for table, rows in zip(_INDEX_TABLES, carried or [], strict=False):
                db.executemany(f"INSERT INTO {table} VALUES (?, ?)", rows)
            db.executemany("DELETE FROM links WHERE holder = ?",
                           [(holder,) for holder in sorted(index.links)])
        db.executemany("INSERT OR IGNORE INTO links VALUES (?, ?)",
                       [(target, holder) for holder, targets in index.links.items()
                        for target in targets])
        index.rows = _count_rows(db)
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('index_rows', ?)",
                   (index.rows,))


def _records(rows: list[tuple[Any, ...]]) -> dict[str, FileRecord]:
    return {row[0]: FileRecord._make(row[1:]) for row in rows}


def _known_rendition(item: Rendition, paths: set[str]) -> bool:
    """True for a rendition as an export records it: a media file of the bundle, named
    by its content's hash, with its sizes."""
    return (_RENDITION_PATH.fullmatch(item.path) is not None and item.path in paths
            and all(type(n) is int and n > 0 for n in (item.width, item.height, item.size))
            and item.media_type in ("image/jpeg", "image/png"))


def _count_rows(db: sqlite3.Connection) -> str:
    """How many rows each index table holds, as one comparable string."""
    counts = db.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {table})"
                                              for table in _INDEX_TABLES)).fetchone()
    return ",".join(map(str, counts))


def _token(state: State) -> str | None:
    return state.index.meta.get("token") if state.index is not None else None


def _meta(state: State) -> dict[str, Any] | None:
    """The index's meta without its token (which names the cache's selection, not the site)."""
    if state.index is None:
        return None
    return {key: value for key, value in state.index.meta.items() if key != "token"}


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
