"""Story bodies as safe HTML, cached on disk by content hash across exports.

The HTML always comes from :func:`cms.render.render_markdown` (Markdown, then
nh3). The cache key is the SHA-256 of the Markdown plus a fingerprint of the
renderer (its source and library versions), so upgrading Markdown, nh3 or the
sanitiser rules can never serve stale HTML. Many misses are rendered on worker
processes; the cache (:mod:`cms.export.cache`) is one SQLite file.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from importlib import metadata
from multiprocessing import get_context

from cms import figures, render
from cms.export.cache import ExportCache
from cms.export.parallel import fork_safe, worker_count
from cms.figures import FigurePhoto

PARALLEL_THRESHOLD = 200  # below this, starting worker processes costs more than it saves
_BATCH = 64


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
    """Rendered bodies by key, kept in an :class:`~cms.export.cache.ExportCache`."""

    def __init__(self, cache: ExportCache) -> None:
        self.cache = cache
        self.hits = 0
        self.misses = 0

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
        cached = self.cache.bodies(sorted(set(keys.values())))
        html = {sid: cached[key] for sid, key in keys.items() if key in cached}
        missing = sorted(sid for sid in bodies if sid not in html)
        self.hits += len(html)
        self.misses += len(missing)
        fresh: dict[str, str] = {}
        count = worker_count(workers)
        if len(missing) >= PARALLEL_THRESHOLD and count > 1:
            batches = [missing[i : i + _BATCH] for i in range(0, len(missing), _BATCH)]
            # Fork when it is safe (cheap: nothing to import again); spawn in a process
            # with threads, such as the window.
            context = get_context("fork" if fork_safe() else "spawn")
            with ProcessPoolExecutor(count, mp_context=context) as pool:
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
        self.cache.put_bodies(sorted((keys[sid], text) for sid, text in fresh.items()))
        html.update(fresh)
        return html
