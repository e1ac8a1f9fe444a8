"""Helpers for the desk's window tests: a window with the desk panes installed."""

from __future__ import annotations

from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from cms.people import Actor
from cms.store import Store
from tests.gui.conftest import open_window
from ui.window.main_window import MainWindow


def desk_window(qtbot: QtBot, store: Store, actor: Actor) -> MainWindow:
    """A shown window once its extensions (the desk panes among them) are installed."""
    window = open_window(qtbot, store, actor)
    qtbot.waitUntil(lambda: window.inspector.pane("notes") is not None, timeout=10_000)
    qtbot.waitUntil(lambda: window.editing is not None)
    return window


def select_passage(window: MainWindow, passage: str) -> None:
    """Select ``passage`` in the editor's text, as a person dragging over it would."""
    body = window.editor.body
    start = body.toPlainText().index(passage)
    cursor = QTextCursor(body.document())
    cursor.setPosition(start)
    cursor.setPosition(start + len(passage), QTextCursor.MoveMode.KeepAnchor)
    body.setTextCursor(cursor)
