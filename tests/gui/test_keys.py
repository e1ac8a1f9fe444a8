"""Keys a writer expects: unique shortcuts, formatting, clipboard, help, Tab, focus mode, zoom."""

from __future__ import annotations

from collections import defaultdict

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from tests.gui.conftest import wait_saved
from ui.editor import formatting
from ui.window.main_window import MainWindow
from ui.window.shortcuts_dialog import ShortcutsDialog, menu_shortcuts

pytestmark = pytest.mark.gui


def _active_scope(action: QAction, window: MainWindow) -> object | None:
    """Where a shortcut competes: the window, or the one widget it belongs to."""
    context = action.shortcutContext()
    if context in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut):
        return window
    parent = action.parent()
    if parent is window:
        return None  # a widget shortcut on the window itself never competes
    return parent


def _shortcut_owners(window: MainWindow) -> dict[tuple[int, str], list[str]]:
    owners: dict[tuple[int, str], list[str]] = defaultdict(list)
    actions = set(window.findChildren(QAction)) | set(window.actions())
    for action in actions:
        scope = _active_scope(action, window)
        if scope is None or not action.isEnabled():
            continue
        for key in action.shortcuts():
            if not key.isEmpty():
                owners[(id(scope), key.toString())].append(action.text() or action.objectName())
    return owners


def _focus_body(qtbot: QtBot, window: MainWindow) -> QPlainTextEdit:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    body = window.editor.body
    body.setFocus()
    qtbot.waitUntil(body.hasFocus)
    return body


def _press(widget: QWidget, key: Qt.Key) -> QWidget:
    """Press ``key`` in ``widget``; returns the widget that has the focus afterwards."""
    QTest.keyClick(widget, key)
    focused = QApplication.focusWidget()
    assert focused is not None
    return focused


def test_no_two_actions_share_a_shortcut(qtbot: QtBot, window: MainWindow) -> None:
    window.install_extensions()  # now, unless the first paint has done it already
    qtbot.waitUntil(lambda: window.findChild(QDockWidget, "dock_planning") is not None)
    owners = _shortcut_owners(window)
    shared = {key: names for key, names in owners.items() if len(names) > 1}
    assert shared == {}
    keys = {key for (_scope, key) in owners}
    assert {"Ctrl+B", "Ctrl+I", "Ctrl+K", "Ctrl+Shift+K", "Ctrl+E", "Ctrl+Shift+P", "F11",
            "Ctrl+Shift+L"} <= keys


def test_bold_italic_and_link_keys_format_the_body(qtbot: QtBot, window: MainWindow) -> None:
    body = _focus_body(qtbot, window)
    body.selectAll()
    QTest.keyClicks(body, "The goat ate the fence")
    cursor = body.textCursor()
    cursor.setPosition(4)
    cursor.setPosition(8, cursor.MoveMode.KeepAnchor)  # "goat"
    body.setTextCursor(cursor)
    QTest.keyClick(body, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert body.toPlainText() == "The **goat** ate the fence"
    QTest.keyClick(body, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert body.toPlainText() == "The ***goat*** ate the fence"
    QTest.keyClick(body, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(body, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert body.toPlainText() == "The goat ate the fence"
    cursor = body.textCursor()
    cursor.setPosition(17)
    cursor.setPosition(22, cursor.MoveMode.KeepAnchor)  # "fence"
    body.setTextCursor(cursor)
    QApplication.clipboard().setText("https://example.org/fence")
    QTest.keyClick(body, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert body.toPlainText() == "The goat ate the [fence](https://example.org/fence)"
    assert body.textCursor().selectedText() == "https://example.org/fence"
    wait_saved(qtbot, window)
    assert window.editing is not None
    assert window.editing.document.body.endswith("[fence](https://example.org/fence)")


def test_story_search_moved_to_ctrl_shift_k(qtbot: QtBot, window: MainWindow) -> None:
    body = _focus_body(qtbot, window)
    QTest.keyClick(body, Qt.Key.Key_K,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(window.story_list.search_box.hasFocus)


def test_headings_quote_and_lists_from_the_format_menu(qtbot: QtBot,
                                                       window: MainWindow) -> None:
    body = _focus_body(qtbot, window)
    body.setPlainText("First line\nSecond line")
    body.selectAll()
    window.acts.bullet_list.trigger()
    assert body.toPlainText() == "- First line\n- Second line"
    window.acts.bullet_list.trigger()
    window.acts.numbered_list.trigger()
    assert body.toPlainText() == "1. First line\n2. Second line"
    window.acts.numbered_list.trigger()
    window.acts.quote.trigger()
    assert body.toPlainText() == "> First line\n> Second line"
    window.acts.quote.trigger()
    body.moveCursor(body.textCursor().MoveOperation.Start)
    window.acts.heading_2.trigger()
    assert body.toPlainText() == "## First line\nSecond line"
    window.acts.heading_1.trigger()
    assert body.toPlainText() == "# First line\nSecond line"
    window.acts.paragraph.trigger()
    assert body.toPlainText() == "First line\nSecond line"
    body.undo()  # each command is one undo step
    assert body.toPlainText() == "# First line\nSecond line"


def test_formatting_is_refused_outside_the_body(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    headline = window.editor.headline
    headline.setFocus()
    qtbot.waitUntil(headline.hasFocus)
    before = window.editor.body_text()
    window.acts.bold.trigger()
    assert window.editor.body_text() == before
    assert "body" in window.statusBar().currentMessage()


def test_inline_toggle_tells_italic_from_bold() -> None:
    edit = QPlainTextEdit()
    edit.setPlainText("a **b** c")
    cursor = edit.textCursor()
    cursor.setPosition(4)
    cursor.setPosition(5, cursor.MoveMode.KeepAnchor)
    edit.setTextCursor(cursor)
    formatting.toggle_inline(edit, "*")  # italic inside bold adds, not strips
    assert edit.toPlainText() == "a ***b*** c"
    edit.setPlainText("")
    formatting.toggle_inline(edit, "**")
    assert edit.toPlainText() == "****" and edit.textCursor().position() == 2


def test_edit_menu_has_the_clipboard_and_select_all(qtbot: QtBot, window: MainWindow) -> None:
    texts = [a.text().replace("&", "") for a in window.menus["Edit"].actions()]
    for wanted in ("Cut", "Copy", "Paste", "Select All"):
        assert wanted in texts
    body = _focus_body(qtbot, window)
    body.setPlainText("alpha beta")
    window.acts.select_all.trigger()
    assert body.textCursor().selectedText() == "alpha beta"
    window.acts.copy.trigger()
    assert QApplication.clipboard().text() == "alpha beta"
    window.acts.cut.trigger()
    assert body.toPlainText() == ""
    window.acts.paste.trigger()
    assert body.toPlainText() == "alpha beta"
    assert window.acts.paste.shortcut() == QKeySequence(QKeySequence.StandardKey.Paste)


def test_help_lists_the_keyboard_shortcuts(qtbot: QtBot, window: MainWindow) -> None:
    window.install_extensions()
    dialog = window.commands.shortcuts()
    assert isinstance(dialog, ShortcutsDialog)
    qtbot.waitExposed(dialog)
    rows = menu_shortcuts(window.menus)
    assert ("Format", "Bold", "Ctrl+B") in rows
    assert ("View", "Planning", "Ctrl+Shift+L") in rows
    assert dialog.table.rowCount() == len(rows)
    items = [dialog.table.item(r, 1) for r in range(dialog.table.rowCount())]
    shown = {item.text() for item in items if item is not None}
    assert {"Insert Link", "Search Stories", "Focus Mode", "Keyboard Shortcuts"} <= shown
    dialog.close()


def test_tab_leaves_the_story_list_without_opening_another_story(
        qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1366, 768)  # wide enough for the list beside the editor and preview
    qtbot.waitUntil(window.story_list.isVisible)
    window.activateWindow()
    table = window.story_list.view
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    opened = window.editing.story_id if window.editing else None
    seen = [_press(table, Qt.Key.Key_Tab)]
    for _ in range(2):
        seen.append(_press(seen[-1], Qt.Key.Key_Tab))
    assert seen[0] is not table  # one Tab leaves the table
    assert window.editing is not None and window.editing.story_id == opened
    # Shift+Tab comes back, and arrows still move within the list.
    widget = seen[-1]
    for _ in range(6):
        if widget is table:
            break
        widget = _press(widget, Qt.Key.Key_Backtab)
    assert widget is table
    QTest.keyClick(table, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.editing is not None and window.editing.story_id != opened)


def test_focus_mode_shows_only_the_editor_full_screen(qtbot: QtBot,
                                                      window: MainWindow) -> None:
    window.resize(1920, 1080)
    qtbot.waitUntil(window.story_list.isVisible)
    window.install_extensions()
    window.show_dock("planning")
    body = _focus_body(qtbot, window)
    QTest.keyClick(body, Qt.Key.Key_F11)
    assert window.acts.focus_mode.isChecked()
    qtbot.waitUntil(window.isFullScreen)
    for panel in (window.story_list, window.inspector, window.preview, window.menuBar(),
                  window.statusBar(), window._docks["planning"]):
        assert not panel.isVisible()
    assert window.editor.body.isVisible() and window.editor.body.hasFocus()
    # The text keeps a readable column in the middle of the wide screen.
    qtbot.waitUntil(lambda: window.editor.body.viewport().width()
                    <= window.focus.column_width() + 2)
    margins = window.editor.body.viewportMargins()
    assert margins.left() > 0 and abs(margins.left() - margins.right()) <= 1
    QTest.keyClick(window.editor.body, Qt.Key.Key_Escape)
    assert not window.acts.focus_mode.isChecked()
    qtbot.waitUntil(lambda: not window.isFullScreen())
    for panel in (window.story_list, window.inspector, window.preview, window.menuBar(),
                  window._docks["planning"]):
        assert panel.isVisible()
    assert window.editor.body.viewportMargins().left() == 0


def test_zoom_changes_the_editor_text_and_is_remembered(qtbot: QtBot,
                                                        window: MainWindow) -> None:
    size = window.editor.body.font().pointSizeF()
    window.acts.zoom_in.trigger()
    window.acts.zoom_in.trigger()
    assert window.editor.body.font().pointSizeF() == size + 2
    window.acts.zoom_out.trigger()
    assert window.editor.body.font().pointSizeF() == size + 1
    window.close()
    from ui.window import prefs
    assert prefs.get_int("view/zoom", 0) == 1
    window.acts.zoom_reset.trigger()
    assert window.editor.body.font().pointSizeF() == size


def test_esc_in_the_find_bar_closes_it_but_stays_in_focus_mode(
        qtbot: QtBot, window: MainWindow) -> None:
    window.acts.focus_mode.trigger()
    assert window.focus.active
    bar = window.editor.find_bar
    bar.open_bar()
    qtbot.waitUntil(bar.find_box.hasFocus)
    QTest.keyClick(bar.find_box, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert window.focus.active  # the find bar took the Esc
    assert window.editor.body.hasFocus()
    QTest.keyClick(window.editor.body, Qt.Key.Key_Escape)  # the next one leaves focus mode
    assert not window.focus.active


def test_shift_f3_finds_the_previous_match(qtbot: QtBot, window: MainWindow) -> None:
    bar = window.editor.find_bar
    assert "Shift+F3" in bar.previous_button.toolTip()
    assert QKeySequence("Shift+F3") in window.acts.find_previous.shortcuts()
    body = window.editor.body
    body.setPlainText("the one, the two, the three")
    bar.open_bar()
    bar.find_box.setText("the")
    QTest.keyClick(bar.find_box, Qt.Key.Key_F3)
    QTest.keyClick(bar.find_box, Qt.Key.Key_F3)
    assert body.textCursor().selectionStart() == 9  # the second "the"
    QTest.keyClick(bar.find_box, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert body.textCursor().selectionStart() == 0
    assert body.textCursor().selectedText() == "the"
