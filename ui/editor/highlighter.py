"""Markdown syntax highlighting for the body editor (block by block, so typing stays cheap)."""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

_CODE_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^#{1,6}\s.*$")
_QUOTE = re.compile(r"^\s*>.*$")
_LIST = re.compile(r"^\s*([-*+]|\d+[.)])\s")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_INLINE = (
    ("code", re.compile(r"`[^`\n]+`")),
    ("strong", re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")),
    ("emphasis", re.compile(r"(?<![*_\w])([*_])(?=\S)(.+?)(?<=\S)\1(?![*_\w])")),
    ("link", re.compile(r"!?\[[^\]\n]*\]\([^)\n]*\)")),
)
IN_CODE_BLOCK = 1


def _format(colour: str, *, bold: bool = False, italic: bool = False,
            mono: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(colour))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    if italic:
        fmt.setFontItalic(True)
    if mono:
        fmt.setFontFamilies(["monospace"])
    return fmt


class MarkdownHighlighter(QSyntaxHighlighter):
    """Headings, emphasis, links, code, quotes and list markers, in light or dark colours."""

    def __init__(self, document: QTextDocument, *, dark: bool = False) -> None:
        super().__init__(document)
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        """Switch colours to suit the palette and re-highlight."""
        c = (
            {"heading": "#8fb8ff", "code": "#d7a65f", "quote": "#9aa0a6", "link": "#7fc8a9",
             "marker": "#c792ea", "strong": "#f0f0f0", "emphasis": "#e0e0e0"}
            if dark else
            {"heading": "#1f4f9a", "code": "#8a4b08", "quote": "#6a6f76", "link": "#1b7a52",
             "marker": "#8e3ab8", "strong": "#111111", "emphasis": "#222222"}
        )
        self._formats = {
            "heading": _format(c["heading"], bold=True),
            "code": _format(c["code"], mono=True),
            "quote": _format(c["quote"], italic=True),
            "link": _format(c["link"]),
            "marker": _format(c["marker"], bold=True),
            "strong": _format(c["strong"], bold=True),
            "emphasis": _format(c["emphasis"], italic=True),
        }
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        in_code = self.previousBlockState() == IN_CODE_BLOCK
        if _CODE_FENCE.match(text):
            self.setFormat(0, len(text), self._formats["code"])
            self.setCurrentBlockState(0 if in_code else IN_CODE_BLOCK)
            return
        if in_code:
            self.setFormat(0, len(text), self._formats["code"])
            self.setCurrentBlockState(IN_CODE_BLOCK)
            return
        self.setCurrentBlockState(0)
        if _HEADING.match(text):
            self.setFormat(0, len(text), self._formats["heading"])
            return
        if _RULE.match(text):
            self.setFormat(0, len(text), self._formats["marker"])
            return
        if _QUOTE.match(text):
            self.setFormat(0, len(text), self._formats["quote"])
        marker = _LIST.match(text)
        if marker:
            self.setFormat(marker.start(1), len(marker.group(1)), self._formats["marker"])
        for name, pattern in _INLINE:
            for match in pattern.finditer(text):
                self.setFormat(match.start(), match.end() - match.start(), self._formats[name])
