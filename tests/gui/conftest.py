"""GUI fixtures: a real SQLite store with the sample newsroom and the real main window."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from cms.people import Actor, actor_for
from cms.sample import first_run
from cms.store import Store
from ui.editor.editing import EditingSession, SaveState
from ui.editor.recovery_dialog import Pending, find_recoveries, offer_recoveries
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui


# Polls waiting for a modal window (see when_shown): each ends with its test, so one
# left unanswered never answers a box of a later test (it closed a later test's
# "unsaved changes" question, rarely, depending on which tests shared a worker).
_polls: list[list[bool]] = []


@pytest.fixture(autouse=True)
def _polls_end_with_the_test() -> Iterator[None]:
    yield
    for stopped in _polls:
        stopped[0] = True
    _polls.clear()


def when_shown(match: Callable[[QWidget], bool], act: Callable[[QWidget], object]) -> list[str]:
    """Poll the event loop for a visible top-level window ``match`` accepts, then ``act``
    on it once; returns a list that gets its text (a message box's, else its title)."""
    seen: list[str] = []
    stopped = [False]
    _polls.append(stopped)

    def poll() -> None:
        if stopped[0]:
            return
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible() and match(widget):
                stopped[0] = True
                seen.append(widget.text() if isinstance(widget, QMessageBox)
                            else widget.windowTitle())
                act(widget)
                return
        QTimer.singleShot(20, poll)

    QTimer.singleShot(20, poll)
    return seen


def click_when_shown(name: str, button_text: str) -> list[str]:
    """Answer the next message box called ``name`` by clicking ``button_text``."""
    def click(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        next(b for b in box.buttons() if b.text() == button_text).click()

    return when_shown(lambda w: isinstance(w, QMessageBox) and w.objectName() == name, click)


@pytest.fixture
def gui_store(sqlite_store: Store) -> Store:
    """An SQLite store holding the sample newsroom (as a first start leaves it)."""
    with sqlite_store.session() as session:
        actor = actor_for(session, "tester", sqlite_store.replica_id)
    first_run(sqlite_store, actor)
    return sqlite_store


@pytest.fixture
def gui_actor(gui_store: Store) -> Actor:
    """The store's admin, who acts in the window."""
    with gui_store.session() as session:
        return actor_for(session, "tester", gui_store.replica_id)


def open_window(qtbot: QtBot, store: Store, actor: Actor) -> MainWindow:
    """A shown main window that the test closes (or qtbot closes) at the end.

    Returned once its start-up read is in and the first story is open (if any).
    """
    window = MainWindow(store, actor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_ready(qtbot, window)
    return window


def wait_ready(qtbot: QtBot, window: MainWindow) -> None:
    """Wait for the window's start-up read (desk, choices, the first story)."""
    qtbot.waitUntil(window.ready, timeout=10_000)


def open_story(qtbot: QtBot, window: MainWindow, story_id: str) -> None:
    """Open ``story_id`` as a click in the list would, and wait until it is open."""
    window.show_story_by_id(story_id)
    qtbot.waitUntil(lambda: window.editing is not None and window.editing.story_id == story_id,
                    timeout=10_000)


@pytest.fixture
def window(qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> Iterator[MainWindow]:
    """The main window on the sample newsroom."""
    win = open_window(qtbot, gui_store, gui_actor)
    yield win
    if win.isVisible():
        win.close()


def editing(window: MainWindow) -> EditingSession:
    """The window's open story's editing session (the test has opened one)."""
    assert window.editing is not None, "no story is open"
    return window.editing


def wait_saved(qtbot: QtBot, window: MainWindow, timeout: int = 10_000) -> None:
    """Wait until the open story's autosave has stored everything."""
    qtbot.waitUntil(
        lambda: window.editing is not None and window.editing.state is SaveState.SAVED
        and window.save_label.text() == "Saved",
        timeout=timeout,
    )


def wait_status(qtbot: QtBot, window: MainWindow, status: str) -> None:
    """Wait until the open story is in ``status`` and the workflow tab shows it."""
    panel = window.inspector.pane("workflow")
    qtbot.waitUntil(lambda: window.editing is not None
                    and window.editing.document.status == status
                    and not getattr(panel, "busy", lambda: False)(), timeout=10_000)


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type ``text`` with real key events (QTest cannot type a newline character)."""
    for number, line in enumerate(text.split("\n")):
        if number:
            QTest.keyClick(widget, Qt.Key.Key_Return)
        if line:
            QTest.keyClicks(widget, line)


def found_recoveries(qtbot: QtBot, window: MainWindow) -> Pending:
    """What the window finds to recover (read on its worker, as at start-up)."""
    op = find_recoveries(window)
    with qtbot.waitSignal(op.finished, timeout=10_000):
        pass
    assert op.error is None and op.result is not None
    return op.result


def offered_recoveries(qtbot: QtBot, window: MainWindow) -> int:
    """Offer recoveries as the window does at start-up; how many it asks about."""
    op = offer_recoveries(window)
    with qtbot.waitSignal(op.finished, timeout=10_000):
        pass
    assert op.error is None and op.result is not None
    return len(op.result)
