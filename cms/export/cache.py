"""The export's on-disk cache: rendered bodies and finished files, by content key.

One SQLite file in the user's cache folder, and beside it a folder holding each
finished file as a plain file, so that an export can *hard-link* a cached page
into its new folder instead of writing it again (creating ~27,000 files is most
of a warm full export). Files are written under a temporary name and renamed,
never rewritten in place, so a page already linked into a bundle never changes
under it. A linked page shares its bytes with the cache: the cache notes each
file's size and modification time and ignores (and forgets) a file that no
longer matches, so a page someone edited in place inside a bundle is never
linked into the next one. (Such an edit does show in every bundle that links
the same file; exports made with ``cache_dir=None``, ``--no-cache``, have
files of their own.) Where hard links cannot go (another file system), files
are copied.

A body is keyed by the hash of its Markdown, its figures and the renderer's
fingerprint; a finished file (a page, a feed, a ninjs document) by the hash of
everything it is made from (see :mod:`cms.export.build`), so an entry can never
be stale, only unused. Each export that looks at every file bumps a serial
number and marks what it used (unchanged pages of its folder included);
entries that none of the last :data:`KEEP_EXPORTS` such exports used are
pruned (rows and files, so their space is given back), so the cache stays about
the size of what is actually published. The last selection read from each store
(see :mod:`cms.export.snapshot`) is pruned the same way once no such export
read it. Everything here is only a cache: a
damaged file is deleted and rebuilt, and ``cache_dir=None`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from cms.atomic import atomic_write

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html TEXT NOT NULL,
                                   used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS files (key TEXT PRIMARY KEY, sha256 TEXT NOT NULL,
                                  size INTEGER NOT NULL, mtime INTEGER NOT NULL,
                                  used INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS bodies_used ON bodies (used);
CREATE INDEX IF NOT EXISTS files_used ON files (used);
CREATE TABLE IF NOT EXISTS selections (store TEXT PRIMARY KEY, meta TEXT NOT NULL,
                                       used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS memos (name TEXT PRIMARY KEY, inputs TEXT NOT NULL,
                                  value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS selected (store TEXT NOT NULL, id TEXT NOT NULL,
                                     record TEXT NOT NULL, PRIMARY KEY (store, id))
                                     WITHOUT ROWID;
"""
KEEP_EXPORTS = 5
_CHUNK = 900
_SCAN_ABOVE = 2000  # asked for more keys than this, read the whole table once
FILE_NAME = "export-cache-3.sqlite"
FILES_FOLDER = "export-files-3"
_OLD_FILE_NAMES = ("export-cache-2.sqlite",)  # earlier layouts: deleted, their space given back


class ExportCache:
    """Bodies and finished files of past exports (all methods are no-ops when disabled)."""

    def __init__(self, folder: Path | None) -> None:
        """Open the cache in ``folder``; :meth:`count_export` makes the run count as an export."""
        self._db: sqlite3.Connection | None = None
        self._counted = False
        self.serial = 0
        self._made: set[str] = set()  # folders of the files folder known to exist
        self._no_links = False
        self.files_root = Path()
        self._files_root = ""
        if folder is None:
            return
        path = folder / FILE_NAME
        self.files_root = folder / FILES_FOLDER
        self._files_root = str(self.files_root)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for old in _OLD_FILE_NAMES:
                for suffix in ("", "-wal", "-shm"):
                    (folder / (old + suffix)).unlink(missing_ok=True)
            self._db = self._open(path)
        except sqlite3.DatabaseError:
            try:  # damaged: a cache is rebuilt, never trusted
                path.unlink(missing_ok=True)
                shutil.rmtree(self.files_root, ignore_errors=True)
                self._db = self._open(path)
            except (OSError, sqlite3.Error):  # e.g. a folder where the file should be
                self._db = None
        except OSError:
            self._db = None  # an unwritable cache folder only makes the export slower

    def _open(self, path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=10, isolation_level=None)
        # First: losing a cache write costs a re-render only, and every fsync makes the
        # file system wait, which stalls the page workers creating files beside it.
        db.execute("PRAGMA synchronous=OFF")
        # Before any table exists: lets pruning give the space back to the disk.
        db.execute("PRAGMA auto_vacuum=INCREMENTAL")
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)
        row = db.execute("SELECT value FROM meta WHERE key = 'serial'").fetchone()
        self.serial = row[0] if row else 0
        return db

    def count_export(self) -> None:
        """Count a new export that looks at every file, and prune after it (in :meth:`close`).

        Only such exports count: one that looked at a few changed files only
        cannot tell which entries the unchanged ones still need. Call before
        worker processes open the cache, so they mark entries with the new serial.
        """
        if self._db is None:
            return
        with self._transaction(immediate=True) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'serial'").fetchone()
            self.serial = (row[0] if row else 0) + 1
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('serial', ?)",
                       (self.serial,))
        self._counted = True

    def keep_files(self, keys: list[str]) -> None:
        """Mark the finished files of ``keys`` as used by this export (without reading them)."""
        if self._db is not None and keys:
            self._touch("files", keys)

    @property
    def enabled(self) -> bool:
        """True when the cache is in use."""
        return self._db is not None

    @contextmanager
    def _transaction(self, *, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction: committed at the end, rolled back on any error."""
        assert self._db is not None
        db = self._db
        db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _in_chunks(self, sql: str, values: Sequence[object], *first: object
                   ) -> list[tuple[object, ...]]:
        """Run ``sql`` (an ``IN ({})`` query) over ``values`` in chunks below SQLite's
        limit on parameters, each after the parameters ``first``; every row returned."""
        assert self._db is not None
        rows: list[tuple[object, ...]] = []
        for start in range(0, len(values), _CHUNK):
            chunk = values[start : start + _CHUNK]
            rows.extend(self._db.execute(sql.format(",".join("?" * len(chunk))),
                                         [*first, *chunk]))
        return rows

    def _write(self, sql: str, rows: list[tuple[object, ...]]) -> None:
        with self._transaction() as db:
            db.executemany(sql, rows)

    def _touch(self, table: str, values: list[str] | list[int], column: str = "key") -> None:
        """Mark the rows whose ``column`` is one of ``values`` as used by this export
        (by ``rowid`` where the caller has it: no lookup in the key index)."""
        with self._transaction():
            self._in_chunks(f"UPDATE {table} SET used = ? WHERE {column} IN ({{}})", values,
                            self.serial)

    def bodies(self, keys: list[str]) -> dict[str, str]:
        """Cached body HTML for the keys that have one."""
        if self._db is None or not keys:
            return {}
        found = {str(k): str(h) for k, h in self._in_chunks(
            "SELECT key, html FROM bodies WHERE key IN ({})", keys)}
        self._touch("bodies", list(found))
        return found

    def put_bodies(self, items: Iterable[tuple[str, str]]) -> None:
        """Remember rendered bodies."""
        if self._db is None:
            return
        self._write(
            "INSERT OR REPLACE INTO bodies (key, html, used) VALUES (?, ?, ?)",
            [(key, html, self.serial) for key, html in items],
        )

    def file_path(self, key: str) -> Path:
        """Where the finished file of ``key`` is kept (any key gives a safe file name)."""
        return Path(self.file_name(key))

    def file_name(self, key: str) -> str:
        """:meth:`file_path` as a string (no path object for each of 27,000 files)."""
        name = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self._files_root}/{name[:2]}/{name}"

    def file_paths(self, keys: list[str]) -> dict[str, tuple[str, str, int]]:
        """Cached finished files that are still as stored: ``{key: (sha256, path, size)}``.

        One ``stat`` each: a file whose size or modification time changed (a
        linked page edited in place) is dropped from the cache instead.
        """
        if self._db is None or not keys:
            return {}
        found: dict[str, tuple[str, str, int]] = {}
        damaged: list[str] = []
        used: list[int] = []
        if len(keys) > _SCAN_ABOVE:
            # Most of the cache is asked for (a full export): one scan beats 30 IN-lists.
            wanted = set(keys)
            rows: Iterable[tuple[object, ...]] = (
                row for row in self._db.execute(
                    "SELECT rowid, key, sha256, size, mtime FROM files")
                if row[1] in wanted)
        else:
            rows = self._in_chunks(
                "SELECT rowid, key, sha256, size, mtime FROM files WHERE key IN ({})", keys)
        for rowid, key, sha, size, mtime in rows:
            path = self.file_name(str(key))
            try:
                info = os.stat(path)
            except OSError:
                damaged.append(str(key))
                continue
            if info.st_size != size or info.st_mtime_ns != mtime:
                damaged.append(str(key))
                continue
            found[str(key)] = (str(sha), path, info.st_size)
            used.append(int(str(rowid)))
        if damaged:
            self._forget(damaged)
        self._touch("files", used, "rowid")
        return found

    def store_file(self, key: str, data: bytes) -> tuple[Path, int, int] | None:
        """Keep one finished file; its path, size and mtime (None when it cannot be kept).

        Written under a temporary name and renamed, so a reader never sees half a file.
        """
        if self._db is None:
            return None
        path = self.file_path(key)
        try:
            if str(path.parent) not in self._made:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(str(path.parent))
            # Thousands in a row: the export flushes them all at once before its state
            # names them (see cms.export.build), not two fsync calls each.
            atomic_write(path, data, sync=False)
            info = os.stat(path)
        except OSError:
            return None
        return path, info.st_size, info.st_mtime_ns

    def adopt_file(self, key: str, source: str | Path) -> tuple[str, int, int] | None:
        """Keep the finished file ``source`` (already complete) by hard-linking it.

        Cheaper than :meth:`store_file` for a page just written into a bundle: one
        link instead of a second file. None when it cannot be linked (another
        file system): the caller stores a copy instead.
        """
        if self._db is None or self._no_links:
            return None
        path = self.file_name(key)
        try:
            parent = os.path.dirname(path)
            if parent not in self._made:
                os.makedirs(parent, exist_ok=True)
                self._made.add(parent)
            try:
                os.link(source, path)
            except FileExistsError:  # a file of the same key that the table forgot
                os.unlink(path)
                os.link(source, path)
            info = os.stat(path)
        except OSError:
            self._no_links = True
            return None
        return path, info.st_size, info.st_mtime_ns

    def put_stored(self, rows: list[tuple[str, str, int, int]]) -> None:
        """Record files already kept by :meth:`store_file`: ``(key, sha256, size, mtime)``."""
        if self._db is None or not rows:
            return
        self._write(
            "INSERT OR REPLACE INTO files (key, sha256, size, mtime, used) VALUES (?, ?, ?, ?, ?)",
            [(*row, self.serial) for row in rows],
        )

    def _forget(self, keys: list[str]) -> None:
        with self._transaction():
            self._in_chunks("DELETE FROM files WHERE key IN ({})", keys)
        for key in keys:
            self.file_path(key).unlink(missing_ok=True)

    def memo(self, name: str, inputs: str) -> str | None:
        """The value last kept as ``name`` if it was made from ``inputs`` (a digest)."""
        if self._db is None:
            return None
        try:
            row = self._db.execute("SELECT inputs, value FROM memos WHERE name = ?",
                                   (name,)).fetchone()
        except sqlite3.Error:
            return None
        return str(row[1]) if row is not None and row[0] == inputs else None

    def put_memo(self, name: str, inputs: str, value: str) -> None:
        """Keep ``value``, made from ``inputs``, as ``name`` (replacing the one before)."""
        if self._db is None:
            return
        try:
            self._db.execute("INSERT OR REPLACE INTO memos (name, inputs, value) "
                             "VALUES (?, ?, ?)", (name, inputs, value))
        except sqlite3.Error:
            pass  # only slower next time

    def forget_memo(self, name: str) -> None:
        """Drop what is kept as ``name``."""
        if self._db is None:
            return
        try:
            self._db.execute("DELETE FROM memos WHERE name = ?", (name,))
        except sqlite3.Error:
            pass  # only slower next time

    # The last selection read from each store (see cms.export.snapshot) -----------

    def selection(self, store: str) -> tuple[str, str, int] | None:
        """The meta row kept for ``store``, its story records joined by commas, and how
        many there are; None when nothing is kept."""
        if self._db is None:
            return None
        with self._transaction() as db:  # one snapshot of both tables
            row = db.execute("SELECT meta FROM selections WHERE store = ?", (store,)).fetchone()
            # One string, not a row per story: the records joined as JSON array items.
            records = db.execute(
                "SELECT group_concat(record, ','), count(*) FROM selected WHERE store = ?",
                (store,)).fetchone()
        return (str(row[0]), str(records[0] or ""), int(records[1])) if row else None

    def selection_meta(self, store: str) -> str | None:
        """The meta row kept for ``store`` (None when nothing is kept)."""
        if self._db is None:
            return None
        row = self._db.execute("SELECT meta FROM selections WHERE store = ?", (store,)).fetchone()
        return str(row[0]) if row else None

    def selected_count(self, store: str) -> int:
        """How many story records the selection kept for ``store`` holds."""
        if self._db is None:
            return 0
        return int(self._db.execute("SELECT count(*) FROM selected WHERE store = ?",
                                    (store,)).fetchone()[0])

    def selected(self, store: str, ids: list[str]) -> dict[str, str]:
        """The kept records of those of ``ids`` the selection of ``store`` holds."""
        if self._db is None:
            return {}
        rows = self._in_chunks("SELECT id, record FROM selected WHERE store = ? AND id IN ({})",
                               ids, store)
        return {str(row[0]): str(row[1]) for row in rows}

    def update_selection(self, store: str, base: str, meta: str, ids: list[str],
                         records: dict[str, str]) -> bool:
        """Replace the records of ``ids`` (those not in ``records`` go) and the meta row,
        if the meta row is still ``base``; False (nothing written) when it is not."""
        if self._db is None:
            return True
        with self._transaction(immediate=True) as db:
            row = db.execute("SELECT meta FROM selections WHERE store = ?", (store,)).fetchone()
            if row is None or row[0] != base:
                return False  # another export kept a selection since: nothing written
            self._in_chunks("DELETE FROM selected WHERE store = ? AND id IN ({})", ids, store)
            db.executemany("INSERT INTO selected (store, id, record) VALUES (?, ?, ?)",
                           [(store, sid, record) for sid, record in records.items()])
            db.execute("UPDATE selections SET meta = ?, used = ? WHERE store = ?",
                       (meta, self.serial, store))
        return True

    def replace_selection(self, store: str, meta: str, records: dict[str, str]) -> None:
        """Keep ``records`` and ``meta`` as the whole selection of ``store``."""
        if self._db is None:
            return
        with self._transaction(immediate=True) as db:
            db.execute("DELETE FROM selected WHERE store = ?", (store,))
            db.executemany("INSERT INTO selected (store, id, record) VALUES (?, ?, ?)",
                           [(store, sid, record) for sid, record in records.items()])
            db.execute("INSERT OR REPLACE INTO selections (store, meta, used) VALUES (?, ?, ?)",
                       (store, meta, self.serial))

    def close(self) -> None:
        """Prune what recent exports did not use (after a counted export), release the file."""
        if self._db is None:
            return
        try:
            if self._counted:
                oldest = self.serial - KEEP_EXPORTS
                stale = [str(row[0]) for row in self._db.execute(
                    "SELECT key FROM files WHERE used < ?", (oldest,))]
                if stale:
                    self._forget(stale)
                self._db.execute("DELETE FROM bodies WHERE used < ?", (oldest,))
                # The selections of stores none of those exports read (a store gone, say).
                self._db.execute("DELETE FROM selected WHERE store IN (SELECT store FROM "
                                 "selections WHERE used < ?)", (oldest,))
                self._db.execute("DELETE FROM selections WHERE used < ?", (oldest,))
                self._db.execute("PRAGMA incremental_vacuum")
        finally:
            self._db.close()
            self._db = None
