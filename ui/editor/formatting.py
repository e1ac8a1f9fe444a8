"""Markdown formatting commands on the body editor: bold, italic, link, headings, quote, list.

Each command is one undo step and works on the selection (or the word or line
under the cursor), toggling: applying bold to bold text removes it.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit

from ui.editor.positions import from_qt, qt_length

HEADING = re.compile(r"^#{1,6}\s+")
PARAGRAPH_SEPARATOR = "\u2029"  # how Qt returns line breaks in a selection


def toggle_inline(edit: QPlainTextEdit, marker: str) -> None:
    """Wrap the selection in ``marker`` (``**`` bold, ``*`` italic), or unwrap it.

    Without a selection the word under the cursor is used; in empty space a
    pair of markers is inserted with the cursor between them.
    """
    cursor = edit.textCursor()
    if not cursor.hasSelection():
        cursor.select(QTextCursor.SelectionType.WordUnderCursor)
    text = cursor.selectedText()
    start, end = cursor.selectionStart(), cursor.selectionEnd()
    cursor.beginEditBlock()
    if not text.strip():
        cursor.insertText(marker * 2)
        cursor.setPosition(start + len(marker))
    elif _surrounded(edit, start, end, marker):
        _remove_around(cursor, start, end, marker)
        cursor.setPosition(start - len(marker))
        cursor.setPosition(end - len(marker), QTextCursor.MoveMode.KeepAnchor)
    else:
        cursor.insertText(f"{marker}{text}{marker}")
        cursor.setPosition(start + len(marker))
        cursor.setPosition(end + len(marker), QTextCursor.MoveMode.KeepAnchor)
    cursor.endEditBlock()
    edit.setTextCursor(cursor)


def _surrounded(edit: QPlainTextEdit, start: int, end: int, marker: str) -> bool:
    """Whether [start, end) (Qt positions) already carries ``marker``, judged by the runs
    of ``*`` around it.

    One or three stars on both sides are italic, two or three are bold.
    """
    text = edit.toPlainText()
    start, end = from_qt(text, start), from_qt(text, end)
    left = len(text[:start]) - len(text[:start].rstrip("*"))
    right = len(text[end:]) - len(text[end:].lstrip("*"))
    stars = min(left, right)
    return stars in (1, 3) if marker == "*" else stars >= 2


def _remove_around(cursor: QTextCursor, start: int, end: int, marker: str) -> None:
    size = len(marker)
    cursor.setPosition(end)
    cursor.setPosition(end + size, QTextCursor.MoveMode.KeepAnchor)
    cursor.removeSelectedText()
    cursor.setPosition(start - size)
    cursor.setPosition(start, QTextCursor.MoveMode.KeepAnchor)
    cursor.removeSelectedText()


def insert_link(edit: QPlainTextEdit, url: str = "") -> None:
    """Make the selection a Markdown link; the address is left selected to type over."""
    cursor = edit.textCursor()
    text = cursor.selectedText().replace(PARAGRAPH_SEPARATOR, " ") or "link text"
    address = url.strip() or "https://"
    start = cursor.selectionStart()
    cursor.beginEditBlock()
    cursor.insertText(f"[{text}]({address})")
    cursor.endEditBlock()
    at = start + qt_length(text) + 3
    cursor.setPosition(at)
    cursor.setPosition(at + qt_length(address), QTextCursor.MoveMode.KeepAnchor)
    edit.setTextCursor(cursor)


def _selected_lines(edit: QPlainTextEdit) -> tuple[QTextCursor, list[str]]:
    """A cursor over the whole lines the selection touches, and those lines."""
    cursor = edit.textCursor()
    start, end = cursor.selectionStart(), cursor.selectionEnd()
    cursor.setPosition(start)
    cursor.movePosition(QTextCursor.MoveOperation.StartOfBlock)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
    return cursor, cursor.selectedText().split(PARAGRAPH_SEPARATOR)


def _replace_lines(edit: QPlainTextEdit, cursor: QTextCursor, lines: list[str]) -> None:
    start = cursor.selectionStart()
    cursor.beginEditBlock()
    cursor.insertText("\n".join(lines))
    cursor.endEditBlock()
    cursor.setPosition(start)
    cursor.setPosition(start + qt_length("\n".join(lines)), QTextCursor.MoveMode.KeepAnchor)
    edit.setTextCursor(cursor)


def set_heading(edit: QPlainTextEdit, level: int) -> None:
    """Make the selected lines headings of ``level`` (1–6); 0 makes them paragraphs.

    Asking for the level a line already has makes it a paragraph again.
    """
    cursor, lines = _selected_lines(edit)
    prefix = "#" * level + " "
    same = level > 0 and all(line.startswith(prefix) for line in lines if line.strip())
    changed = []
    for line in lines:
        bare = HEADING.sub("", line)
        changed.append(bare if same or level == 0 or not line.strip() else prefix + bare)
    _replace_lines(edit, cursor, changed)


def toggle_line_prefix(edit: QPlainTextEdit, prefix: str) -> None:
    """Start every selected line with ``prefix`` (``"> "`` quote, ``"- "`` list),
    or take it away when they all have it. ``"1. "`` numbers the lines."""
    cursor, lines = _selected_lines(edit)
    numbered = prefix == "1. "
    pattern = re.compile(r"^\d+\.\s" if numbered else "^" + re.escape(prefix))
    filled = [line for line in lines if line.strip()]
    if filled and all(pattern.match(line) for line in filled):
        changed = [pattern.sub("", line) for line in lines]
    else:
        changed, number = [], 0
        for line in lines:
            if not line.strip():
                changed.append(line)
                continue
            number += 1
            changed.append(f"{number}. {line}" if numbered else prefix + line)
    _replace_lines(edit, cursor, changed)
