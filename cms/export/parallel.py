"""Rendering many pages on forked worker processes.

Jinja2 and Markdown are pure Python, so one process renders on one core. A
forked worker inherits everything already built (the site model, the bodies
looked up in the cache, the theme) for free, renders its share of the pages
(and the story bodies they need that no cache held), writes each page into the
staging folder itself and keeps it in the export cache by a hard link, through
one cache connection of its own for all its slices. Fork is only used when it
is safe: on a platform that has it and in a process with a single thread (the
command line). Elsewhere, e.g. on the window's worker thread, pages render in
the calling process. On Linux a worker ends with the export that forked it, even
one killed with ``kill -9``; without that it would wait for work forever.
"""

from __future__ import annotations

import ctypes
import hashlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from cms.errors import NOTHING_CHANGED, NewsroomError
from cms.export.cache import ExportCache
from cms.export.paths import inside

THRESHOLD = 400  # fewer pages than this render faster than workers start
SLICE = 200


class WorkerDied(NewsroomError):
    """A page worker ended before finishing its pages: the export is abandoned."""


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
    shows: list[str]  # the story whose body each file shows ("" for none)
    # Run in the worker after each slice: the notes it returns are gathered in ``notes``.
    finish: Callable[[ExportCache], list[tuple[str, str]]] | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)


_JOB: Job | None = None


def worker_count(requested: int | None) -> int:
    """How many processes to use: as asked, else one per core."""
    return requested if requested is not None else (os.cpu_count() or 1)


def fork_safe() -> bool:
    """True when forking cannot deadlock: fork exists and this process has one thread."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


_CACHE: ExportCache | None = None  # each worker's own connection, for all its slices


def _worker_cache(job: Job) -> ExportCache:
    global _CACHE
    if _CACHE is None:
        _CACHE = ExportCache(job.cache_dir)
    return _CACHE


def _end_with(parent: int) -> None:
    """Run in each worker as it starts: be killed when ``parent`` (the export) ends."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it ended before the line above took effect
        os._exit(1)


def _render_slice(bounds: tuple[int, int]) -> tuple[list[Rendered], list[tuple[str, str]]]:
    job = _JOB
    assert job is not None, "the job is inherited from the parent through fork"
    cache = _worker_cache(job)
    results: list[Rendered] = []
    fresh: list[tuple[str, str, int, int]] = []
    made: set[Path] = set()
    for index in range(*bounds):
        data = job.produce[index]()
        sha = hashlib.sha256(data).hexdigest()
        path = job.paths[index]
        key = job.keys[index]
        written = job.old.get(path) != sha
        stored: tuple[str | Path, int, int] | None = None
        if written:
            # Written once into the bundle, then kept in the cache by a hard link.
            target = inside(job.staging_root, path)
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            with open(target, "wb") as handle:
                handle.write(data)
            stored = cache.adopt_file(key, target)
        if stored is None:
            stored = cache.store_file(key, data)
        if stored is not None:
            fresh.append((key, sha, stored[1], stored[2]))
        results.append(Rendered(index, sha, len(data), written))
    cache.put_stored(fresh)
    return results, job.finish(cache) if job.finish is not None else []


def render_forked(job: Job, workers: int, cancelled: Callable[[], bool],
                  progress: Callable[[int, int], None]) -> list[Rendered] | None:
    """Render every page of ``job`` on ``workers`` forked processes; None when cancelled.

    A worker that dies (killed, out of memory) fails the export with
    :class:`WorkerDied`: the pages it had taken are not made, so nothing is swapped
    in and the folder keeps its previous bundle.
    """
    global _JOB
    total = len(job.paths)
    _JOB = job
    try:
        slices = _slices(job.shows)
        results: list[Rendered] = []
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_end_with, initargs=(os.getpid(),)) as pool:
            pending = [pool.submit(_render_slice, bounds) for bounds in slices]
            try:
                for done in as_completed(pending):
                    files, notes = done.result()
                    results.extend(files)
                    job.notes += notes
                    progress(len(results), total)
                    if cancelled():
                        _stop(pool, pending)
                        return None
            except BrokenProcessPool as exc:
                _stop(pool, pending)
                raise WorkerDied("a page worker ended before its pages were made (killed, "
                                 f"or out of memory?); {NOTHING_CHANGED}") from exc
        return results
    finally:
        _JOB = None


def _slices(shows: list[str]) -> list[tuple[int, int]]:
    """Bounds of about :data:`SLICE` files each, never parting files that show the same
    body (a story's page and its ninjs): one worker renders that body, once."""
    slices = []
    start = 0
    while start < len(shows):
        end = min(start + SLICE, len(shows))
        while end < len(shows) and shows[end] and shows[end] == shows[end - 1]:
            end += 1
        slices.append((start, end))
        start = end
    return slices


def _stop(pool: ProcessPoolExecutor,
          pending: list[Future[tuple[list[Rendered], list[tuple[str, str]]]]]) -> None:
    """Cancel the slices not started; the workers end with the slice they are on."""
    for future in pending:
        future.cancel()
    pool.shutdown(wait=True, cancel_futures=True)
