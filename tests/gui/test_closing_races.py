"""Closing the window, and opening history, while a save is still on the write thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cms import stories
from cms.people import Actor
from cms.store import Store
from tests.gui.conftest import click_when_shown, editing, open_window, wait_saved
from ui.editor import editing as editing_module
from ui.editor.history import HistoryDialog
from ui.editor.journal import journals

pytestmark = pytest.mark.gui


def _held_saves(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Hold every save on the write thread until the test sets the returned event."""
    gate = threading.Event()
    original = stories.save

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(timeout=30)
        return original(*args, **kwargs)

    monkeypatch.setattr(stories, "save", held)
    return gate


def _body(store: Store, story_id: str) -> str:
    with store.reading() as session:
        return stories.get(session, story_id)[0].body


def test_keys_typed_while_closing_neither_go_missing_nor_ask(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(editing_module, "AUTOSAVE_IDLE_MS", 600_000)  # only close saves
    window = open_window(qtbot, gui_store, gui_actor)
    story_id = editing(window).story_id
    window.editor.body.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(window.editor.body, " First words.")
    gate = _held_saves(monkeypatch)

    def while_closing() -> None:  # runs in the event loop that waits for the last save
        qtbot.keyClicks(window.editor.body, " Late")
        gate.set()

    QTimer.singleShot(0, while_closing)
    asked = click_when_shown("unsavedBox", "Close, keep for recovery")
    window.close()
    assert asked == []  # no false "could not be saved"
    assert not window.isVisible()
    assert _body(gui_store, story_id).endswith(" First words.")
    assert journals(window.journal_dir) == []


def test_history_asked_for_while_another_story_opens_shows_nothing_wrong(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(editing_module, "AUTOSAVE_IDLE_MS", 600_000)
    window = open_window(qtbot, gui_store, gui_actor)
    first = editing(window).story_id
    with gui_store.reading() as session:
        other = next(story_id for story_id in stories.story_ids(session)
                     if story_id != first)
        other_document, other_head = stories.get(session, other)
    qtbot.keyClicks(window.editor.body, "Before history. ")
    gate = _held_saves(monkeypatch)

    def while_saving() -> None:  # the user opens another story while history waits
        window.show_document(other_document, other_head)
        gate.set()

    QTimer.singleShot(0, while_saving)
    window.acts.history.trigger()
    assert editing(window).story_id == other
    assert not [w for w in QApplication.topLevelWidgets() + window.findChildren(HistoryDialog)
                if isinstance(w, HistoryDialog) and w.isVisible()]
    qtbot.waitUntil(lambda: _body(gui_store, first).startswith("Before history. "),
                    timeout=10_000)
    wait_saved(qtbot, window)
    window.close()
