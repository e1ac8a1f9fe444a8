"""Rendering many pages on forked worker processes.

Jinja2 and Markdown are pure Python, so one process renders on one core. A
forked worker inherits everything already built (the site model, the rendered
bodies, the theme) for free, renders its share of the pages, writes them into
the staging folder itself and stores them in the export cache through its own
connection. Fork is only used when it is safe: on a platform that has it and
in a process with a single thread (the command line). Elsewhere, e.g. on the
window's worker thread, pages render in the calling process.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cms.export.cache import ExportCache
from cms.export.paths import inside
from cms.export.writer import link_or_copy

THRESHOLD = 400  # fewer pages than this render faster than workers start
SLICE = 200


@dataclass(frozen=True)
class Rendered:
    """One page a worker made: its index in the job, hash, size, and whether it was written."""

    index: int
    sha256: str
    size: int
    written: bool


@dataclass
class Job:
    """What the workers share (inherited through fork, never pickled)."""

    produce: list[Callable[[], bytes]]
    paths: list[str]
    keys: list[str]
    staging_root: Path
    old: dict[str, str]  # path -> sha256 of the file the output folder holds now
    cache_dir: Path | None


_JOB: Job | None = None


def worker_count(requested: int | None) -> int:
    """How many processes to use: as asked, else one per core."""
    return requested if requested is not None else (os.cpu_count() or 1)


def fork_safe() -> bool:
    """True when forking cannot deadlock: fork exists and this process has one thread."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _render_slice(bounds: tuple[int, int]) -> list[Rendered]:
    job = _JOB
    assert job is not None, "the job is inherited from the parent through fork"
    cache = ExportCache(job.cache_dir, new_export=False)
    results: list[Rendered] = []
    fresh: list[tuple[str, str, int, int]] = []
    made: set[Path] = set()
    try:
        for index in range(*bounds):
            data = job.produce[index]()
            sha = hashlib.sha256(data).hexdigest()
            path = job.paths[index]
            written = job.old.get(path) != sha
            # Kept in the cache first, then hard-linked into the bundle: written once.
            stored = cache.store_file(job.keys[index], data)
            if stored is not None:
                fresh.append((job.keys[index], sha, stored[1], stored[2]))
            if written:
                target = inside(job.staging_root, path)
                if target.parent not in made:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    made.add(target.parent)
                if stored is not None:
                    link_or_copy(stored[0], target)
                else:
                    target.write_bytes(data)
            results.append(Rendered(index, sha, len(data), written))
        cache.put_stored(fresh)
    finally:
        cache.close(prune=False)
    return results


def render_forked(job: Job, workers: int, cancelled: Callable[[], bool],
                  progress: Callable[[int, int], None]) -> list[Rendered] | None:
    """Render every page of ``job`` on ``workers`` forked processes; None when cancelled."""
    global _JOB
    total = len(job.paths)
    _JOB = job
    try:
        slices = [(start, min(start + SLICE, total)) for start in range(0, total, SLICE)]
        results: list[Rendered] = []
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for part in pool.imap_unordered(_render_slice, slices):
                results.extend(part)
                progress(len(results), total)
                if cancelled():
                    pool.terminate()
                    return None
        return results
    finally:
        _JOB = None
