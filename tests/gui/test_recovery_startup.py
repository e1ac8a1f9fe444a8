"""A crash's unsaved text survives a start-up whose recovery lookup is slow."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cms import stories
from cms.people import Actor
from cms.store import Store
from tests.gui.conftest import editing, offered_recoveries, open_window, wait_saved
from ui.editor import recovery_dialog
from ui.editor.journal import RecoveryJournal, journals, read_journal
from ui.editor.recovery_dialog import Pending, RecoveryDialog, offer_recoveries
from ui.window.main_window import MainWindow


def _find_dialog() -> RecoveryDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, RecoveryDialog) and widget.isVisible():
            return widget
    return None


def _crash_leftover(qtbot: QtBot, store: Store, actor: Actor) -> tuple[str, Path]:
    """Close a window on its first story, then leave a crash's journal for that story."""
    window = open_window(qtbot, store, actor)
    story_id = editing(window).story_id
    with store.reading() as session:
        document, head = stories.get(session, story_id)
    window.close()  # the next start reopens this story
    path = window.journal_dir / f"{story_id}.journal"
    journal = RecoveryJournal(path)
    journal.start(document, head)
    journal.body_changed(document.body + " CRASH WORDS")
    journal.close()
    return story_id, path


def _gated_lookup(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make the recovery lookup wait (a central store far away) until the test releases it."""
    gate = threading.Event()
    original = recovery_dialog.pending_recoveries

    def slow(store: Store, journal_dir: Path) -> Pending:
        gate.wait(timeout=30)
        return original(store, journal_dir)

    monkeypatch.setattr(recovery_dialog, "pending_recoveries", slow)
    return gate


def test_no_story_opens_before_the_recovery_lookup_is_in(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    story_id, _path = _crash_leftover(qtbot, gui_store, gui_actor)
    gate = _gated_lookup(monkeypatch)
    window = MainWindow(gui_store, gui_actor)
    qtbot.addWidget(window)
    offer_recoveries(window)  # as ui.app.run does, before the window shows
    window.show()
    qtbot.waitUntil(lambda: window.windowTitle() != "Newsroom", timeout=10_000)  # desk read in
    window.show_story_by_id(story_id)  # the user clicks the story meanwhile
    assert window.editing is None and not window.ready()
    gate.set()
    qtbot.waitUntil(lambda: _find_dialog() is not None, timeout=10_000)
    dialog = _find_dialog()
    assert dialog is not None
    qtbot.mouseClick(dialog.recover_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(window.ready, timeout=10_000)
    assert editing(window).story_id == story_id
    assert window.editor.body_text().endswith(" CRASH WORDS")
    wait_saved(qtbot, window)
    with gui_store.reading() as session:
        assert stories.get(session, story_id)[0].body.endswith(" CRASH WORDS")
    assert journals(window.journal_dir) == []
    window.close()


def test_typing_into_the_story_never_empties_a_crash_journal(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor
) -> None:
    story_id, path = _crash_leftover(qtbot, gui_store, gui_actor)
    window = open_window(qtbot, gui_store, gui_actor)  # no lookup yet: the story is open
    assert editing(window).story_id == story_id
    window.editor.body.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(window.editor.body, "x")
    assert editing(window).journal.path != path
    leftover = read_journal(path)
    assert leftover is not None and leftover.document.body.endswith(" CRASH WORDS")
    assert offered_recoveries(qtbot, window) == 1
    window.close()


def test_leaving_the_story_untouched_keeps_its_crash_journal(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor
) -> None:
    story_id, path = _crash_leftover(qtbot, gui_store, gui_actor)
    window = open_window(qtbot, gui_store, gui_actor)  # no lookup yet: the story is open
    assert editing(window).story_id == story_id
    window.acts.next_story.trigger()  # put away without a keystroke
    qtbot.waitUntil(lambda: editing(window).story_id != story_id, timeout=10_000)
    window.close()
    leftover = read_journal(path)
    assert leftover is not None and leftover.document.body.endswith(" CRASH WORDS")
