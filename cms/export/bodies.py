"""Story bodies as safe HTML, cached on disk by content hash across exports.

The HTML always comes from :func:`cms.render.render_markdown` (Markdown, then
nh3). The cache key is the SHA-256 of the Markdown plus a fingerprint of the
renderer (its source and library versions), so upgrading Markdown, nh3 or the
sanitiser rules can never serve stale HTML. A body that is not cached is
rendered where it is first needed — usually inside the forked worker that makes
its page — and handed back to the cache (:mod:`cms.export.cache`, one SQLite
file) by that process.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from importlib import metadata
from multiprocessing import get_context

from cms import render
from cms.export.cache import ExportCache
from cms.export.parallel import fork_safe, worker_count
from cms.figures import FigurePhoto

_WARNED = f'<div class="{render.WARNING_CLASS}">'  # only plain parts begin so
PARALLEL_THRESHOLD = 200  # below this, starting worker processes costs more than it saves
_BATCH = 64


@cache
def renderer_fingerprint() -> str:
    """A hash of everything that decides how Markdown becomes HTML."""
    parts = render.renderer_sources()
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


class Bodies:
    """Body HTML by story id: cached ones looked up at once, the others rendered on first use.

    Rendering on first use lets a forked page worker render exactly the bodies
    of the pages it makes (no separate pass, nothing sent between processes);
    each process hands what it rendered back to the cache with :meth:`take_fresh`.
    ``finish`` turns stored HTML into what pages use (it is not part of the cache).
    """

    def __init__(self, items: dict[str, Body], keys: dict[str, str], cached: dict[str, str],
                 finish: Callable[[str], str]) -> None:
        self._items = items
        self._keys = keys
        self._finish = finish
        self._html = {sid: finish(cached[key]) for sid, key in keys.items() if key in cached}
        self._fresh: list[tuple[str, str]] = []
        self._warned = sorted(sid for sid, key in keys.items()
                              if key in cached and _WARNED in cached[key])
        self.cached = len(self._html)

    def __getitem__(self, story_id: str) -> str:
        html = self._html.get(story_id)
        if html is None:
            raw = render_body(self._items[story_id])
            self._fresh.append((self._keys[story_id], raw))
            if _WARNED in raw:
                self._warned.append(story_id)
            html = self._html[story_id] = self._finish(raw)
        return html

    def source(self, story_id: str) -> Body:
        """What the body of ``story_id`` is rendered from."""
        return self._items[story_id]

    def missing(self) -> list[str]:
        """The stories whose body is not rendered yet, in a fixed order."""
        return sorted(sid for sid in self._items if sid not in self._html)

    def take_cached(self, story_ids: Iterable[str], cache: ExportCache) -> None:
        """Fill in the bodies of ``story_ids`` that other processes rendered and kept in
        ``cache`` since the lookup (forked page workers), instead of rendering them again."""
        wanted = {sid: self._keys[sid] for sid in story_ids
                  if sid in self._keys and sid not in self._html}
        found = cache.bodies(sorted(set(wanted.values())))
        for sid, key in wanted.items():
            if key in found:
                self._html[sid] = self._finish(found[key])

    def add(self, rendered: dict[str, str]) -> None:
        """Take bodies rendered elsewhere (raw HTML as :func:`render_body` returns it)."""
        for sid, raw in rendered.items():
            self._fresh.append((self._keys[sid], raw))
            if _WARNED in raw:
                self._warned.append(sid)
            self._html[sid] = self._finish(raw)

    def take_warned(self) -> list[str]:
        """The stories whose body, rendered or found cached here since the last call,
        shows parts as plain text (the HTML says so: reading the Markdown again for
        every body would cost a pass over the whole archive)."""
        warned, self._warned = self._warned, []
        return warned

    def take_fresh(self) -> list[tuple[str, str]]:
        """``(key, html)`` of the bodies rendered here since the last call, for the cache."""
        fresh, self._fresh = self._fresh, []
        return sorted(fresh)


class RenderCache:
    """Rendered bodies by key, kept in an :class:`~cms.export.cache.ExportCache`."""

    def __init__(self, cache: ExportCache) -> None:
        self.cache = cache

    def lookup(self, items: dict[str, Body], finish: Callable[[str], str]) -> Bodies:
        """The bodies of ``{story_id: (markdown, photos)}``, the cached ones filled in."""
        keys = {story_id: body_key(body) for story_id, body in items.items()}
        return Bodies(items, keys, self.cache.bodies(sorted(set(keys.values()))), finish)

    def render_missing(
        self,
        bodies: Bodies,
        *,
        workers: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> None:
        """Render every missing body now, on worker processes when there are many.

        For a process that cannot fork (the window): page rendering then stays in
        the process, and the bodies at least use every core.
        """
        missing = bodies.missing()
        count = worker_count(workers)
        if len(missing) < PARALLEL_THRESHOLD or count < 2:
            return  # rendered on first use
        batches = [missing[i : i + _BATCH] for i in range(0, len(missing), _BATCH)]
        context = get_context("fork" if fork_safe() else "spawn")
        done = 0
        with ProcessPoolExecutor(count, mp_context=context) as pool:
            results = pool.map(_render_batch, [[bodies.source(s) for s in b] for b in batches])
            for batch, rendered in zip(batches, results, strict=True):
                bodies.add(dict(zip(batch, rendered, strict=True)))
                done += len(batch)
                if progress is not None:
                    progress(done, len(missing))
                if cancelled():
                    pool.shutdown(cancel_futures=True)
                    break
