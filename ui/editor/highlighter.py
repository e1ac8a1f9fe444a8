"""Markdown syntax highlighting for the body editor (block by block, so typing stays cheap).

With a :class:`~ui.editor.spelling.SpellService` set, misspelled words of prose
paragraphs get a red wavy underline. The highlighter only reads the service's
cache; a paragraph not checked yet is highlighted again when its results arrive.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from cms.spelling import is_code_line

if TYPE_CHECKING:
    from ui.editor.spelling import SpellService

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
        self._spelling: SpellService | None = None
        self._misspelled = QColor("#e0245e" if dark else "#d0021b")
        self.set_dark(dark)

    def set_spelling(self, service: SpellService | None) -> None:
        """Underline the misspellings ``service`` finds (None: no spellcheck)."""
        if self._spelling is not None:
            self._spelling.results_arrived.disconnect(self._results_arrived)
            self._spelling.reset.disconnect(self.rehighlight_quietly)
        self._spelling = service
        if service is not None:
            service.results_arrived.connect(self._results_arrived)
            service.reset.connect(self.rehighlight_quietly)
        self.rehighlight_quietly()

    def rehighlight_quietly(self) -> None:
        """Highlight every block again without reporting it as a change of the text."""
        document = self.document()
        blocked = document.blockSignals(True) if document is not None else False
        try:
            self.rehighlight()
        finally:
            if document is not None:
                document.blockSignals(blocked)

    @Slot(object)
    def _results_arrived(self, texts: set[str]) -> None:
        document = self.document()
        if document is None:
            return
        # Formats are not text: without this, Qt reports each repaint as a change of the
        # document (contentsChanged), which would count as an edit and autosave.
        blocked = document.blockSignals(True)
        try:
            block = document.firstBlock()
            while block.isValid():
                if block.text() in texts:
                    self.rehighlightBlock(block)
                block = block.next()
        finally:
            document.blockSignals(blocked)

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
        self._misspelled = QColor("#ff6b81" if dark else "#d0021b")
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        if self._markdown(text) and self._spelling is not None and text.strip():
            self._underline_misspellings(text)

    def _underline_misspellings(self, text: str) -> None:
        assert self._spelling is not None
        if is_code_line(text, False)[0]:
            return  # indented code
        for start, end in self._spelling.lookup(text) or ():
            for at in range(start, end):
                fmt = QTextCharFormat(self.format(at))
                fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
                fmt.setUnderlineColor(self._misspelled)
                self.setFormat(at, 1, fmt)

    def _markdown(self, text: str) -> bool:
        """Format one block; True if it is prose (not code) that may be spellchecked."""
        in_code = self.previousBlockState() == IN_CODE_BLOCK
        if _CODE_FENCE.match(text):
            self.setFormat(0, len(text), self._formats["code"])
            self.setCurrentBlockState(0 if in_code else IN_CODE_BLOCK)
            return False
        if in_code:
            self.setFormat(0, len(text), self._formats["code"])
            self.setCurrentBlockState(IN_CODE_BLOCK)
            return False
        self.setCurrentBlockState(0)
        if _HEADING.match(text):
            self.setFormat(0, len(text), self._formats["heading"])
            return True
        if _RULE.match(text):
            self.setFormat(0, len(text), self._formats["marker"])
            return False
        if _QUOTE.match(text):
            self.setFormat(0, len(text), self._formats["quote"])
        marker = _LIST.match(text)
        if marker:
            self.setFormat(marker.start(1), len(marker.group(1)), self._formats["marker"])
        for name, pattern in _INLINE:
            for match in pattern.finditer(text):
                self.setFormat(match.start(), match.end() - match.start(), self._formats[name])
        return True
