"""Photo decoding in helper processes, so the window never waits for the GIL.

Pillow keeps Python's global interpreter lock through parts of decoding and
resizing; on a worker *thread* that shows up as 20–60 ms stalls of the GUI
thread while thumbnails are made. Decoding in a separate process (started
with "spawn": forking a process that runs Qt threads is unsafe) leaves the
GUI thread only the cheap parts: reading bytes from the store and turning a
small finished thumbnail into an image.

The functions sent here live in :mod:`cms` (no Qt), so a helper process
imports only Pillow and the core.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from threading import Lock
from typing import Any, TypeVar

from cms.thumbcache import ThumbnailCache

T = TypeVar("T")
WORKERS = max(1, min(2, len(os.sched_getaffinity(0)) - 1 if hasattr(os, "sched_getaffinity")
                       else (os.cpu_count() or 2) - 1))
NICENESS = 10  # background work: the GUI thread wins the CPU when both want it

_pool: ProcessPoolExecutor | None = None
_lock = Lock()


def _helper_init() -> None:
    """Runs first in each helper process: lower its priority, and tie its life to the app's."""
    if hasattr(os, "nice"):
        try:
            os.nice(NICENESS)
        except OSError:
            pass  # not allowed here: full priority is still correct, only less polite
    parent = multiprocessing.parent_process()
    if parent is not None:
        # A pool worker only notices a parent that shut it down; one that crashed or was
        # killed would leave it waiting forever. Its sentinel becomes ready when it dies.
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True,
                         name="parent-watch").start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=WORKERS,
                                        mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_helper_init)
        return _pool


def run_isolated(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn(*args, **kwargs)`` in a helper process and wait for it (call off the GUI thread).

    Its exceptions come back as they are (a :class:`cms.media.BadImage` stays
    one). If the helper process died — out of memory on a hostile file — the
    pool is replaced and the call is made once more, then reported.
    """
    global _pool
    for attempt in range(2):
        future: Future[T] = _get_pool().submit(fn, *args, **kwargs)
        try:
            result = future.result()
            _warm.set()
            return result
        except BrokenProcessPool:
            with _lock:
                broken, _pool = _pool, None
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


_warm = threading.Event()


def warm_up() -> threading.Thread:
    """Start the helper processes now, in the background (e.g. soon after the window opens).

    Starting a process from a big GUI process stalls it for a moment (tens of
    ms); paid early, it does not land in the middle of loading thumbnails.
    """
    def start() -> None:
        try:
            run_isolated(len, b"")
        except (CancelledError, RuntimeError):
            # shutdown() ran while the helpers were starting (the window closed at
            # once, or a test reset the pool): there is nothing left to warm.
            return
        finally:
            _warm.set()
        ThumbnailCache().trim()  # keep the disk cache bounded, off the GUI thread

    thread = threading.Thread(target=start, name="photo-helpers-warm-up", daemon=True)
    thread.start()
    return thread


def is_warm() -> bool:
    """True once :func:`warm_up` has finished (or a first job ran)."""
    return _warm.is_set()


def shutdown() -> None:
    """Stop the helper processes (at exit; a later call starts new ones)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    _warm.clear()
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown)
