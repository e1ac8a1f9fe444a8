"""The export's on-disk cache: rendered bodies and finished files, by content key.

One SQLite file in the user's cache folder. A body is keyed by the hash of its
Markdown, its figures and the renderer's fingerprint; a finished file (a page,
a feed, a ninjs document) by the hash of everything it is made from (see
:mod:`cms.export.build`), so an entry can never be stale, only unused. Each
export bumps a serial number and marks what it used; entries that no export
used in the last :data:`KEEP_EXPORTS` exports are pruned (and their space given
back), so the cache stays about the size of what is actually published.
Everything here is only a cache: a damaged file is deleted and rebuilt, and
``cache_dir=None`` turns it off.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import cast

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html TEXT NOT NULL,
                                   used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS files (key TEXT PRIMARY KEY, sha256 TEXT NOT NULL,
                                  data BLOB NOT NULL, used INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS bodies_used ON bodies (used);
CREATE INDEX IF NOT EXISTS files_used ON files (used);
"""
KEEP_EXPORTS = 5
_CHUNK = 900
FILE_NAME = "export-cache-2.sqlite"


class ExportCache:
    """Bodies and finished files of past exports (all methods are no-ops when disabled)."""

    def __init__(self, folder: Path | None, *, new_export: bool = True) -> None:
        """Open the cache in ``folder``; ``new_export`` counts one more export (a worker
        process of the same export passes False)."""
        self._db: sqlite3.Connection | None = None
        self._new_export = new_export
        self.serial = 0
        if folder is None:
            return
        path = folder / FILE_NAME
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = self._open(path)
        except sqlite3.DatabaseError:
            path.unlink(missing_ok=True)  # damaged: a cache is rebuilt, never trusted
            self._db = self._open(path)
        except OSError:
            self._db = None  # an unwritable cache folder only makes the export slower

    def _open(self, path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=10, isolation_level=None)
        # Before any table exists: lets pruning give the space back to the disk.
        db.execute("PRAGMA auto_vacuum=INCREMENTAL")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")  # losing a cache write costs a re-render only
        db.executescript(SCHEMA)
        db.execute("BEGIN IMMEDIATE")
        row = db.execute("SELECT value FROM meta WHERE key = 'serial'").fetchone()
        self.serial = (row[0] if row else 0) + (1 if self._new_export else 0)
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('serial', ?)",
                   (self.serial,))
        db.execute("COMMIT")
        return db

    @property
    def enabled(self) -> bool:
        """True when the cache is in use."""
        return self._db is not None

    def _select(self, sql: str, keys: list[str]) -> list[tuple[object, ...]]:
        assert self._db is not None
        rows: list[tuple[object, ...]] = []
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            rows.extend(self._db.execute(sql.format(",".join("?" * len(chunk))), chunk))
        return rows

    def _write(self, sql: str, rows: list[tuple[object, ...]]) -> None:
        assert self._db is not None
        self._db.execute("BEGIN")
        try:
            self._db.executemany(sql, rows)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _touch(self, table: str, keys: list[str]) -> None:
        assert self._db is not None
        self._db.execute("BEGIN")
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            self._db.execute(
                f"UPDATE {table} SET used = ? WHERE key IN ({','.join('?' * len(chunk))})",
                [self.serial, *chunk],
            )
        self._db.execute("COMMIT")

    def bodies(self, keys: list[str]) -> dict[str, str]:
        """Cached body HTML for the keys that have one."""
        if self._db is None or not keys:
            return {}
        found = {str(k): str(h) for k, h in self._select(
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

    def known_files(self, keys: list[str]) -> set[str]:
        """Which of ``keys`` have a cached finished file."""
        if self._db is None or not keys:
            return set()
        return {str(row[0]) for row in self._select(
            "SELECT key FROM files WHERE key IN ({})", keys)}

    def files(self, keys: list[str]) -> dict[str, tuple[str, bytes]]:
        """Cached finished files: ``{key: (sha256, bytes)}``."""
        if self._db is None or not keys:
            return {}
        found = {
            str(key): (str(sha), zlib.decompress(cast(bytes, data)))
            for key, sha, data in self._select(
                "SELECT key, sha256, data FROM files WHERE key IN ({})", keys)
        }
        self._touch("files", list(found))
        return found

    def put_files(self, items: Iterable[tuple[str, str, bytes]]) -> None:
        """Remember finished files: ``(key, sha256, bytes)``."""
        if self._db is None:
            return
        self._write(
            "INSERT OR REPLACE INTO files (key, sha256, data, used) VALUES (?, ?, ?, ?)",
            [(key, sha, zlib.compress(data, 1), self.serial) for key, sha, data in items],
        )

    def close(self, *, prune: bool = True) -> None:
        """Prune what recent exports did not use (unless told not to), and release the file."""
        if self._db is None:
            return
        try:
            if prune:
                oldest = self.serial - KEEP_EXPORTS
                self._db.execute("DELETE FROM files WHERE used < ?", (oldest,))
                self._db.execute("DELETE FROM bodies WHERE used < ?", (oldest,))
                self._db.execute("PRAGMA incremental_vacuum")
        finally:
            self._db.close()
            self._db = None
