"""The Notes tab after the UI review: the writer's cursor, typing and emoji respected."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from cms.people import Actor
from cms.store import Store
from tests.gui.conftest import wait_saved
from tests.gui.desk_helpers import desk_window, select_passage
from ui.desk.notes_panel import NotesPane
from ui.editor.positions import to_qt
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui


def notes_pane(window: MainWindow) -> NotesPane:
    pane = window.inspector.pane("notes")
    assert isinstance(pane, NotesPane)
    return pane


def cursor_to_end(window: MainWindow) -> int:
    body = window.editor.body
    body.setFocus()
    cursor = body.textCursor()
    cursor.movePosition(QTextCursor.MoveOperation.End)
    body.setTextCursor(cursor)
    return body.textCursor().position()


def test_a_notes_reload_leaves_the_writers_cursor(qtbot: QtBot, gui_store: Store,
                                                  gui_actor: Actor) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    pane = notes_pane(window)
    window.inspector.show_tab("notes")
    passage = " ".join(window.editor.body_text().split("\n")[0].split()[:3])
    select_passage(window, passage)
    pane.text.setPlainText("check this")
    pane.add_button.click()
    qtbot.waitUntil(lambda: len(pane.notes_shown()) == 1)
    pane.select_note(pane.notes_shown()[0].id)  # the user picks it: the cursor goes there
    start = window.editor.body.toPlainText().index(passage)
    assert window.editor.body.textCursor().position() == start
    end = cursor_to_end(window)  # then writes at the end of the story
    assert end != start
    window.events.stories_changed.emit()  # a sync: the notes are read again
    assert pane.busy()
    qtbot.waitUntil(lambda: not pane.busy())
    current = pane.current_note()
    assert current is not None and current.id == pane.notes_shown()[0].id  # still selected
    assert pane.resolve_button.isEnabled()
    assert window.editor.body.textCursor().position() == end


def test_typing_while_a_note_is_stored_is_kept(qtbot: QtBot, gui_store: Store,
                                               gui_actor: Actor) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    pane = notes_pane(window)
    window.inspector.show_tab("notes")
    pane.text.setPlainText("First note")
    pane.add_button.click()
    assert not pane.add_button.isEnabled()  # a second click cannot send it twice
    pane.add_button.click()
    pane.text.clear()  # the user goes on with the next note while the first is stored
    qtbot.keyClicks(pane.text, "Second note, half typed")
    qtbot.waitUntil(lambda: len(pane.notes_shown()) == 1 and not pane.busy())
    assert [view.text for view in pane.notes_shown()] == ["First note"]
    assert pane.text.toPlainText() == "Second note, half typed"
    assert pane.add_button.isEnabled()


def test_a_note_that_fails_keeps_its_text_and_add_comes_back(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    pane = notes_pane(window)
    pane.text.setPlainText("   ")
    pane.add_button.click()
    assert not pane.add_button.isEnabled()
    qtbot.waitUntil(lambda: not pane.busy())
    assert "empty" in pane.message.text()
    assert pane.add_button.isEnabled() and pane.text.toPlainText() == "   "
    assert pane.notes_shown() == []


def test_qt_positions_count_utf16_units() -> None:
    text = "🔥🔥 é word"
    assert [to_qt(text, n) for n in (0, 1, 2, 3, 5)] == [0, 2, 4, 5, 7]


def test_note_marks_after_an_emoji_cover_the_quoted_words(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    pane = notes_pane(window)
    body = window.editor.body
    cursor = QTextCursor(body.document())
    cursor.insertText("🔥🔥🔥 Check this claim please.\n\n")
    wait_saved(qtbot, window)
    body.setTextCursor(body.document().find("this claim"))
    pane.text.setPlainText("source?")
    pane.add_button.click()
    qtbot.waitUntil(lambda: len(pane.notes_shown()) == 1 and not pane.busy())
    assert [m.cursor.selectedText() for m in body.extraSelections()] == ["this claim"]
    cursor_to_end(window)
    pane.select_note(pane.notes_shown()[0].id)  # the cursor goes to the passage
    at = body.textCursor()
    at.movePosition(QTextCursor.MoveOperation.EndOfWord, QTextCursor.MoveMode.KeepAnchor)
    assert at.selectedText() == "this"
