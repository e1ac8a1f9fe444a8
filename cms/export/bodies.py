"""Story bodies as safe HTML, cached on disk by content hash across exports.

The HTML always comes from :func:`cms.render.render_markdown` (Markdown, then
nh3). The cache key is the SHA-256 of the Markdown plus a fingerprint of the
renderer (its source and library versions), so upgrading Markdown, nh3 or the
sanitiser rules can never serve stale HTML. Many misses are rendered on worker
processes; the cache is one SQLite file so a warm export reads it in one query.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path

from cms import figures, render
from cms.figures import FigurePhoto

PARALLEL_THRESHOLD = 400  # below this, starting worker processes costs more than it saves
_BATCH = 64
_CHUNK = 900


@cache
def renderer_fingerprint() -> str:
    """A hash of everything that decides how Markdown becomes HTML."""
    parts = [inspect.getsource(render), inspect.getsource(figures)]
    for name in ("Markdown", "nh3"):
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=?")
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


Body = tuple[str, tuple[FigurePhoto, ...]]


def body_key(body: Body) -> str:
    """The cache key of one body: its Markdown and the photos its figures show."""
    text, photos = body
    digest = hashlib.sha256(renderer_fingerprint().encode("ascii"))
    digest.update(text.encode("utf-8", "surrogatepass"))
    if photos:
        digest.update(b"\0" + json.dumps([p.cache_key() for p in photos]).encode("utf-8"))
    return digest.hexdigest()


def render_body(body: Body) -> str:
    """One body as sanitised HTML, figures included."""
    text, photos = body
    return render.render_markdown(text, photos)


def _render_batch(bodies: list[Body]) -> list[str]:
    return [render_body(body) for body in bodies]


class RenderCache:
    """Rendered bodies by key, in an SQLite file (or only in memory when ``path`` is None)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.hits = 0
        self.misses = 0
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db = sqlite3.connect(path, timeout=10)
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html TEXT NOT NULL)"
                )
            except sqlite3.DatabaseError:
                # A damaged cache is only a cache: start over rather than fail the export.
                if self._db is not None:
                    self._db.close()
                path.unlink(missing_ok=True)
                self._db = sqlite3.connect(path, timeout=10)
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS bodies (key TEXT PRIMARY KEY, html TEXT NOT NULL)"
                )

    def close(self) -> None:
        """Release the cache file."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def _lookup(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        if self._db is None:
            return found
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(self._db.execute(
                f"SELECT key, html FROM bodies WHERE key IN ({marks})", chunk
            ).fetchall())
        return found

    def _store(self, items: Iterable[tuple[str, str]]) -> None:
        if self._db is None:
            return
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO bodies (key, html) VALUES (?, ?)", items)

    def render_all(
        self,
        bodies: dict[str, Body],
        *,
        workers: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> dict[str, str]:
        """HTML for each ``{story_id: (markdown, photos)}``, from the cache or freshly rendered."""
        keys = {story_id: body_key(body) for story_id, body in bodies.items()}
        cached = self._lookup(sorted(set(keys.values())))
        html = {sid: cached[key] for sid, key in keys.items() if key in cached}
        missing = sorted(sid for sid in bodies if sid not in html)
        self.hits += len(html)
        self.misses += len(missing)
        fresh: dict[str, str] = {}
        count = workers if workers is not None else min(4, os.cpu_count() or 1)
        if len(missing) >= PARALLEL_THRESHOLD and count > 1:
            batches = [missing[i : i + _BATCH] for i in range(0, len(missing), _BATCH)]
            # spawn, not fork: the caller may be a GUI process with threads.
            with ProcessPoolExecutor(count, mp_context=get_context("spawn")) as pool:
                results = pool.map(_render_batch, [[bodies[s] for s in b] for b in batches])
                for batch, rendered in zip(batches, results, strict=True):
                    fresh.update(zip(batch, rendered, strict=True))
                    if progress is not None:
                        progress(len(fresh), len(missing))
                    if cancelled():
                        pool.shutdown(cancel_futures=True)
                        break
        else:
            for index, sid in enumerate(missing):
                if cancelled():
                    break
                fresh[sid] = render_body(bodies[sid])
                if progress is not None and index % 50 == 0:
                    progress(index + 1, len(missing))
        self._store(sorted((keys[sid], text) for sid, text in fresh.items()))
        html.update(fresh)
        return html
