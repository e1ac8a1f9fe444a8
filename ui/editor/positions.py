"""Python string offsets <-> Qt text positions.

Python indexes text by code point; Qt (QTextCursor, QTextBlock, QSyntaxHighlighter)
counts UTF-16 units, where a character outside the Basic Multilingual Plane (most
emoji) takes two. Every offset found in Python text (a regex match, a spellchecker
span, a quoted passage) goes through :func:`to_qt` before it becomes a Qt position,
and every Qt position goes through :func:`from_qt` before it indexes Python text.
"""

from __future__ import annotations

_LAST_BMP = "\uffff"


def _simple(text: str) -> bool:
    """True when code points and UTF-16 units line up (no astral characters)."""
    return not text or max(text) <= _LAST_BMP


def qt_length(text: str) -> int:
    """How many UTF-16 units ``text`` takes in Qt."""
    if _simple(text):
        return len(text)
    return len(text) + sum(1 for ch in text if ch > _LAST_BMP)


def to_qt(text: str, index: int) -> int:
    """The Qt position (UTF-16 units from the start of ``text``) of code point ``index``."""
    return qt_length(text[:index])


def from_qt(text: str, position: int) -> int:
    """The code point index in ``text`` of Qt position ``position``.

    A position inside a surrogate pair maps to the character it splits.
    """
    if _simple(text):
        return min(position, len(text))
    units = 0
    for index, ch in enumerate(text):
        units += 2 if ch > _LAST_BMP else 1
        if units > position:
            return index
    return len(text)
