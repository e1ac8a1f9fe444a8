"""ui.ops: reads and writes on workers, results on the GUI thread, the newest only, and
the guard that fails a test when window code touches the store on the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from shiboken6 import delete
from sqlalchemy.orm import Session

from cms import stories
from cms.people import Actor
from cms.store import Store, set_thread_guard
from tests.gui.threadguard import GuiThreadGuard
from ui.ops import Latest, Op, OpContext, QueryOp
from ui.window.reads import read_choices


def test_a_query_op_reads_on_a_worker_and_answers_on_the_gui_thread(
        qtbot: QtBot, gui_store: Store) -> None:
    def query(session: Session) -> tuple[bool, list[str]]:
        return threading.current_thread() is threading.main_thread(), stories.statuses(session)

    answers: list[tuple[bool, bool, list[str]]] = []
    op = QueryOp(None, gui_store, query).success(
        lambda got: answers.append((threading.current_thread() is threading.main_thread(),
                                    *got)))
    with qtbot.waitSignal(op.finished, timeout=10_000):
        op.run()
    on_gui_thread, read_on_gui_thread, statuses = answers[0]
    assert on_gui_thread and not read_on_gui_thread and "draft" in statuses


def test_latest_drops_a_result_a_newer_request_overtook(qtbot: QtBot, gui_store: Store) -> None:
    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    release = threading.Event()
    latest = Latest()
    shown: list[str] = []

    def slow(session: Session) -> str:
        release.wait(10)
        return "older"

    older = QueryOp(None, gui_store, slow, pool=pool)
    latest.run(older, shown.append)
    newer = QueryOp(None, gui_store, lambda session: "newer", pool=pool)
    with qtbot.waitSignal(newer.finished, timeout=10_000):
        latest.run(newer, shown.append)
    assert latest.pending() is False
    with qtbot.waitSignal(older.finished, timeout=10_000):
        release.set()
    assert shown == ["newer"] and latest.dropped == 1


def test_a_result_for_a_closed_widget_is_dropped(qtbot: QtBot) -> None:
    widget = QWidget()
    release = threading.Event()
    called: list[int] = []

    def work(_context: OpContext) -> int:
        release.wait(10)
        return 1

    op = Op(widget, work).success(called.append).run()
    delete(widget)  # the panel that asked is gone before the answer
    with qtbot.waitSignal(op.finished, timeout=10_000):
        release.set()
    assert called == []


def test_the_guard_fails_window_code_that_reads_on_the_gui_thread(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    guard = GuiThreadGuard()
    previous = set_thread_guard(guard)
    try:
        with gui_store.reading() as session:
            stories.statuses(session)
        assert guard.offences == []  # the test's own reads are not the window's
        op = QueryOp(None, gui_store, lambda s: read_choices(s, gui_actor))
        with qtbot.waitSignal(op.finished, timeout=10_000):
            op.run()
        assert guard.offences == []  # window code on a worker is what we want
        with gui_store.reading() as session:
            read_choices(session, gui_actor)  # window code on the GUI thread
        assert guard.offences
        assert "ui/window/reads.py" in guard.report()
        assert "read_choices" in guard.report()
    finally:
        set_thread_guard(previous)


def test_no_guard_is_left_behind_by_widget_tests() -> None:
    assert set_thread_guard(None) is None


def test_an_op_is_let_go_on_the_gui_thread_only_after_its_worker_dropped_it(
        qtbot: QtBot) -> None:
    """The bridge (a QObject of the GUI thread) and the work's closure must never lose
    their last reference on the worker, between its last emit and the end of its run:
    destroying a QObject there crashes Qt (a native crash seen in a loaded suite run)."""
    from ui.ops import running_ops

    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    destroyed_on: list[bool] = []
    for _ in range(200):
        op: Op[int] = Op(None, lambda _ctx: 1, pool=pool)
        op._bridge.destroyed.connect(  # the object whose thread matters
            lambda *_: destroyed_on.append(threading.current_thread()
                                           is threading.main_thread()))
        op.run()
    del op
    qtbot.waitUntil(lambda: running_ops() == 0, timeout=20_000)
    pool.waitForDone()
    import gc

    gc.collect()
    qtbot.waitUntil(lambda: len(destroyed_on) == 200, timeout=5_000)
    assert all(destroyed_on)
