"""Desk figures: presence seen by another window, a story with 500 notes, ``newsroom desk``.

- **Presence**: two real windows (offscreen) on two copies of one desk, the
  central store on PostgreSQL when ``NEWSROOM_BENCH_PG`` or ``NEWSROOM_TEST_PG``
  is set (else a shared SQLite file). One window opens the story the other has
  open; the time until the other's banner says so is measured (each window polls
  every two seconds, so the worst case is one poll interval plus a round trip).
- **500 notes**: the time to read a story's notes (the Notes tab's work on its
  worker) and to fill the tab with them on the GUI thread.
- **``newsroom desk``** at 100,000 stories: the real command in a child process
  (Python's start included) on a copy of the shared corpus store with 60
  assignments and 60 notes for the person acting.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.stores import DATA, corpus_store
from benchmarks.timing import median, ms
from cms.desk import assignments, notes
from cms.people import actor_for, add_person
from cms.store import Store
from cms.timeutil import utcnow

NOTES = 500
DESK_ITEMS = 60


def _desk_store(count: int) -> Path:
    """A copy of the corpus store where ``bench`` has work waiting (built once)."""
    target = DATA / f"desk-store-{count}.db"
    if target.exists():
        return target
    partial = target.with_suffix(".partial")
    shutil.copyfile(corpus_store(count), partial)
    store = Store.open(str(partial))
    try:
        now = utcnow()
        with store.session() as session:
            bench = actor_for(session, "bench", store.replica_id)
            add_person(session, bench, "kim", "reporter")
            kim = actor_for(session, "kim", store.replica_id)
            ids = [row[0] for row in session.execute(
                sa.text("SELECT id FROM stories ORDER BY id LIMIT :n"),
                {"n": DESK_ITEMS})]
            for n, story_id in enumerate(ids):
                assignments.assign(session, bench, story_id, "bench",
                                   due=now + timedelta(hours=n - DESK_ITEMS // 2))
                notes.add_note(session, kim, story_id, f"Check figure {n}, @bench",
                               to=["bench"])
    finally:
        store.close()
    partial.rename(target)
    return target


def _command_seconds(env: dict[str, str], *args: str, expect: str = "") -> float:
    """Median wall time of ``newsroom ARGS`` in a child process (5 runs)."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "cms.cli", *args], env=env,
                              capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode != 0 or expect not in done.stdout:
            raise AssertionError(f"newsroom {' '.join(args)} failed: {done.stdout[-500:]}"
                                 f"{done.stderr}")
    return median(times)


def desk_command_rows(quick: bool) -> list[tuple[str, str, str]]:
    """``newsroom desk`` end to end at 100,000 stories, beside the cost of any command."""
    from cms.desk.work import my_desk

    count = 10_000 if quick else 100_000
    store = _desk_store(count)
    env = dict(os.environ, NEWSROOM_STORE=str(store), NEWSROOM_USER="bench")
    desk = _command_seconds(env, "desk", expect=f"assigned to you: {DESK_ITEMS}")
    floor = _command_seconds(env, "people", "list", expect="bench")
    with Store.open(str(store)) as opened:
        def work() -> None:
            with opened.reading() as session:
                my_desk(session, "bench", utcnow())

        inside = median([_timed(work) for _ in range(5)])
    return [(f"newsroom desk at {count:,} stories (child process, median of 5)", ms(desk),
             "< 300 ms"),
            ("  of which any command's start (newsroom people list, same store)", ms(floor),
             "-"),
            (f"my desk read at {count:,} stories (in process: session and queries)",
             ms(inside), "< 300 ms")]


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _app() -> Any:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _wait(app: Any, condition: Callable[[], bool], timeout: float) -> float:
    """Seconds until ``condition()`` holds, processing Qt events meanwhile."""
    started = time.perf_counter()
    while not condition():
        app.processEvents()
        time.sleep(0.005)
        if time.perf_counter() - started > timeout:
            raise AssertionError("timed out")
    return time.perf_counter() - started


def _open_window(app: Any, store: Store, name: str) -> Any:
    from ui.desk.notes_panel import NotesPane
    from ui.window.main_window import MainWindow

    with store.session() as session:
        actor = actor_for(session, name, store.replica_id)
    window = MainWindow(store, actor)
    window.show()
    _wait(app, lambda: isinstance(window.inspector.pane("notes"), NotesPane), 30)
    return window


def notes_rows(quick: bool) -> list[tuple[str, str, str]]:
    """A story with 500 notes: reading them, and the Notes tab filled with them."""
    from cms import stories
    from cms.sample import first_run

    app = _app()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(str(Path(tmp) / "notes.db"), create=True)
        with store.session() as session:
            actor = actor_for(session, "bench", store.replica_id)
        first_run(store, actor)
        with store.session() as session:
            story_id = stories.list_stories(session, limit=1)[0].id
            blocks = [block.split() for block in notes.paragraphs(
                stories.get(session, story_id)[0].body)]
            for n in range(NOTES):
                words = blocks[n % len(blocks)]
                quote = " ".join(words[n % 5: n % 5 + 4]) if n % 2 else None
                notes.add_note(session, actor, story_id, f"Note {n}: check this.",
                               quote=quote, now=utcnow() + timedelta(seconds=n))
        reads = []
        for _ in range(3 if quick else 7):
            with store.reading() as session:
                reads.append(_timed(lambda: notes.list_notes(session, story_id)))
        with store.reading() as session:
            found = notes.list_notes(session, story_id)
        window = _open_window(app, store, "bench")
        pane = window.inspector.pane("notes")
        window.show_story_by_id(story_id)
        fills = [_timed(lambda: pane._show(found)) for _ in range(3 if quick else 7)]
        shown = len(pane.item_texts())
        window.close()
        store.close()
    if shown != NOTES:
        raise AssertionError(f"the tab shows {shown} notes, not {NOTES}")
    total = median(reads) + median(fills)
    return [(f"story with {NOTES} notes: read its notes (worker)", ms(median(reads)), "-"),
            (f"story with {NOTES} notes: fill the Notes tab (GUI thread)", ms(median(fills)),
             "-"),
            (f"story with {NOTES} notes opens with its notes listed", ms(total), "< 100 ms")]


def _desk_copies(folder: Path, central: str) -> list[Store]:
    """Two copies of one desk (ana's with the sample newsroom), both synced."""
    from cms.config import set_setting
    from cms.sample import first_run
    from cms.sync.central import init_central
    from cms.sync.replication import sync

    init_central(central)[0].close()
    made = []
    for name in ("ana", "bo"):
        store = Store.open(str(folder / f"{name}.db"), create=True)
        with store.session() as session:
            actor = actor_for(session, name, store.replica_id)
            set_setting(session, "central_url", central, username=name)
        if name == "ana":
            first_run(store, actor)
        sync(store, central, author=name)
        made.append(store)
    sync(made[0], central, author="ana")
    return made


def _presence_seconds(app: Any, stores: list[Store], rounds: int) -> list[float]:
    from ui.desk.presence import PresenceWatcher

    win_a, win_b = (_open_window(app, store, name)
                    for store, name in zip(stores, ("ana", "bo"), strict=True))
    watch_a = win_a.editor.findChild(PresenceWatcher)
    story = win_a.editing.story_id
    other = next(s for row in range(3) if (s := win_b.model.story_id(row)) not in (story, None))
    seen = []
    for _ in range(rounds):
        win_b.show_story_by_id(story)
        seen.append(_wait(app, lambda: watch_a.text() != "", 30))
        win_b.show_story_by_id(other)
        _wait(app, lambda: watch_a.text() == "", 30)
    for window in (win_a, win_b):
        window.close()
        watcher = window.editor.findChild(PresenceWatcher)
        _wait(app, lambda w=watcher: not w.link.connected(), 30)
    return seen


def presence_rows(quick: bool) -> list[tuple[str, str, str]]:
    """Seconds until a window shows that another copy opened its story."""
    from benchmarks.bench_sync import _pg_database, _sqlite_file

    app = _app()
    pg = os.environ.get("NEWSROOM_BENCH_PG") or os.environ.get("NEWSROOM_TEST_PG")
    kind = "PostgreSQL" if pg else "SQLite file"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with (_pg_database(pg) if pg else _sqlite_file(folder)) as central:
            stores = _desk_copies(folder, central)
            try:
                seen = _presence_seconds(app, stores, 3 if quick else 6)
            finally:
                for store in stores:
                    store.close()
    return [(f"presence seen in the other window ({kind} central, worst of {len(seen)})",
             f"{max(seen):.2f} s", "< 3 s"),
            ("presence seen in the other window: median", f"{median(seen):.2f} s", "-")]


def run(quick: bool) -> list[tuple[str, str, str]]:
    """Every desk figure."""
    return presence_rows(quick) + notes_rows(quick) + desk_command_rows(quick)
