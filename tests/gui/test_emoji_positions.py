"""Text after an emoji: Qt counts UTF-16 units, Python code points (ui/editor/positions.py)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from ui.editor import formatting
from ui.editor.highlighter import MarkdownHighlighter
from ui.editor.positions import from_qt, qt_length, to_qt

pytestmark = pytest.mark.gui


def _select(edit: QPlainTextEdit, word: str) -> None:
    found = edit.document().find(word)
    assert not found.isNull(), word
    edit.setTextCursor(found)


def _edit(qtbot: QtBot, text: str) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    qtbot.addWidget(edit)
    edit.setPlainText(text)
    return edit


def test_positions_round_trip_over_emoji() -> None:
    text = "🔥🔥 The wrod é"
    assert qt_length(text) == len(text) + 2
    assert to_qt(text, text.index("wrod")) == text.index("wrod") + 2
    for index in range(len(text) + 1):
        assert from_qt(text, to_qt(text, index)) == index
    assert from_qt(text, 1) == 0  # inside the first emoji's surrogate pair
    assert to_qt("plain", 3) == 3 and from_qt("plain", 3) == 3


def test_bold_toggle_after_emoji(qtbot: QtBot) -> None:
    edit = _edit(qtbot, "Fire 🔥 word here")
    _select(edit, "word")
    formatting.toggle_inline(edit, "**")
    assert edit.toPlainText() == "Fire 🔥 **word** here"
    assert edit.textCursor().selectedText() == "word"
    formatting.toggle_inline(edit, "**")  # bold again: unbold
    assert edit.toPlainText() == "Fire 🔥 word here"
    assert edit.textCursor().selectedText() == "word"


def test_link_after_emoji(qtbot: QtBot) -> None:
    edit = _edit(qtbot, "see 🔥🔥 here")
    _select(edit, "🔥🔥")
    formatting.insert_link(edit, "")
    assert edit.toPlainText() == "see [🔥🔥](https://) here"
    assert edit.textCursor().selectedText() == "https://"


def test_heading_over_emoji_lines_keeps_the_selection(qtbot: QtBot) -> None:
    edit = _edit(qtbot, "🔥 one\n🔥 two\nthree")
    cursor = edit.textCursor()
    cursor.setPosition(0)
    cursor.movePosition(QTextCursor.MoveOperation.Down, QTextCursor.MoveMode.KeepAnchor)
    edit.setTextCursor(cursor)
    formatting.set_heading(edit, 2)
    assert edit.toPlainText() == "## 🔥 one\n## 🔥 two\nthree"
    assert edit.textCursor().selectedText() == "## 🔥 one\u2029## 🔥 two"


def test_markdown_styles_land_on_their_text_after_emoji(qtbot: QtBot) -> None:
    edit = _edit(qtbot, "🔥🔥 plain **bold** tail")
    highlighter = MarkdownHighlighter(edit.document())
    highlighter.rehighlight()
    block = edit.document().firstBlock()
    layout = block.layout()
    assert layout is not None
    units = block.text().encode("utf-16-le")
    styled = [units[2 * r.start: 2 * (r.start + r.length)].decode("utf-16-le")
              for r in layout.formats()]
    assert styled == ["**bold**"]
