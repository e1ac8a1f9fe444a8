"""Markdown syntax highlighting for the body editor (block by block, so typing stays cheap).

With a :class:`~ui.editor.spelling.SpellService` set, misspelled words of prose
paragraphs get a red wavy underline (:class:`SpellHighlighter` alone does that for
the headline and standfirst). The highlighter only reads the service's cache; a
paragraph not checked yet keeps the underlines its edit did not touch and is drawn
again when its results arrive.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtGui import (
    QColor,
    QFont,
    QSyntaxHighlighter,
    QTextBlock,
    QTextBlockUserData,
    QTextCharFormat,
    QTextDocument,
)

from cms.spelling import carry_spans, is_code_line
from ui.editor.positions import to_qt

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


Spans = tuple[tuple[int, int], ...]


class _Drawn(QTextBlockUserData):
    """What a block was last drawn with: its text and underlined spans.

    Kept on the block itself, so it follows the paragraph when others are added
    or removed above it (block numbers shift; the block does not).
    """

    def __init__(self, text: str, spans: Spans) -> None:
        super().__init__()
        self.text = text
        self.spans = spans


def _drawn(block: QTextBlock) -> _Drawn | None:
    data = block.userData() if block.isValid() else None
    return data if isinstance(data, _Drawn) else None


class SpellHighlighter(QSyntaxHighlighter):
    """Red wavy underlines under the misspellings a SpellService finds (plain text fields).

    Subclasses that style text too call :meth:`_underline_misspellings` after styling.
    """

    def __init__(self, document: QTextDocument, *, dark: bool = False) -> None:
        super().__init__(document)
        self._spelling: SpellService | None = None
        # The paragraphs some block waits to draw the results of (what each block
        # was drawn with is its _Drawn user data).
        self._waiting: set[str] = set()
        self._plain = True  # the block being highlighted has no other styles
        self._misspelled = QColor()
        self._misspelled_format = QTextCharFormat()
        self._set_underline_colour(dark)

    def _set_underline_colour(self, dark: bool) -> None:
        self._misspelled = QColor("#ff6b81" if dark else "#d0021b")
        self._misspelled_format = QTextCharFormat()
        self._misspelled_format.setUnderlineStyle(
            QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
        self._misspelled_format.setUnderlineColor(self._misspelled)

    def set_dark(self, dark: bool) -> None:
        """Switch colours to suit the palette and re-highlight."""
        self._set_underline_colour(dark)
        self.rehighlight_quietly()

    @staticmethod
    def underlined(block: QTextBlock) -> Spans:
        """The spans (code points) drawn as misspelled in ``block`` as it reads now."""
        drawn = _drawn(block)
        return drawn.spans if drawn is not None and drawn.text == block.text() else ()

    def highlightBlock(self, text: str) -> None:
        self._plain = True
        if self._spelling is not None and text.strip():
            self._underline_misspellings(text)

    def set_spelling(self, service: SpellService | None) -> None:
        """Underline the misspellings ``service`` finds (None: no spellcheck)."""
        if self._spelling is not None:
            self._spelling.results_arrived.disconnect(self._results_arrived)
            self._spelling.results_revised.disconnect(self._results_revised)
            self._spelling.reset.disconnect(self.rehighlight_quietly)
        self._spelling = service
        if service is not None:
            service.results_arrived.connect(self._results_arrived)
            service.results_revised.connect(self._results_revised)
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
        """Draw the blocks that waited for these paragraphs' results."""
        waited = texts & self._waiting
        if waited:
            self._waiting -= waited
            self._redraw(waited)

    @Slot(object)
    def _results_revised(self, texts: set[str]) -> None:
        """Draw every block showing one of these paragraphs again (a word was accepted)."""
        self._redraw(texts)

    def _redraw(self, texts: set[str]) -> None:
        """Draw again the blocks showing one of ``texts`` whose underlines are not current."""
        document = self.document()
        if document is None or self._spelling is None:
            return
        # Formats are not text: without this, Qt reports each repaint as a change of the
        # document (contentsChanged), which would count as an edit and autosave.
        blocked = document.blockSignals(True)
        try:
            block = document.firstBlock()
            while block.isValid():
                text = block.text()
                drawn = _drawn(block)
                # A block already drawn as checked (its neighbours' underlines carried
                # over while typing) is not laid out again.
                if text in texts and (drawn is None or drawn.text != text
                                      or drawn.spans != self._spelling.cached(text)):
                    self.rehighlightBlock(block)
                block = block.next()
        finally:
            document.blockSignals(blocked)

    def _underline_misspellings(self, text: str) -> None:
        assert self._spelling is not None
        if is_code_line(text, False)[0]:
            return  # indented code
        spans = self._spelling.lookup(text)
        if spans is None:  # not checked yet: keep the underlines the edit did not touch
            self._waiting.add(text)
            before = _drawn(self.currentBlock())
            spans = carry_spans(before.text, before.spans, text) if before else ()
        self.setCurrentBlockUserData(_Drawn(text, spans))
        for first, last in spans:  # code points: Qt counts UTF-16 units
            start, end = to_qt(text, first), to_qt(text, last)
            if self._plain:  # a paragraph without Markdown styles: one shared format
                self.setFormat(start, end - start, self._misspelled_format)
                continue
            fmt = QTextCharFormat(self.format(start))
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.SpellCheckUnderline)
            fmt.setUnderlineColor(self._misspelled)
            self.setFormat(start, end - start, fmt)


class MarkdownHighlighter(SpellHighlighter):
    """Headings, emphasis, links, code, quotes and list markers, in light or dark colours."""

    def __init__(self, document: QTextDocument, *, dark: bool = False) -> None:
        super().__init__(document, dark=dark)
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
        super().set_dark(dark)

    def highlightBlock(self, text: str) -> None:
        if self._markdown(text) and self._spelling is not None and text.strip():
            self._underline_misspellings(text)
        elif self._spelling is not None:
            self.setCurrentBlockUserData(_Drawn(text, ()))  # code: nothing underlined

    def _style(self, text: str, start: int, end: int, name: str) -> None:
        """Style ``text[start:end]`` (code points; Qt counts UTF-16 units)."""
        first = to_qt(text, start)
        self.setFormat(first, to_qt(text, end) - first, self._formats[name])
        self._plain = False

    def _markdown(self, text: str) -> bool:
        """Format one block; True if it is prose (not code) that may be spellchecked."""
        in_code = self.previousBlockState() == IN_CODE_BLOCK
        self._plain = True
        if _CODE_FENCE.match(text):
            self._style(text, 0, len(text), "code")
            self.setCurrentBlockState(0 if in_code else IN_CODE_BLOCK)
            return False
        if in_code:
            self._style(text, 0, len(text), "code")
            self.setCurrentBlockState(IN_CODE_BLOCK)
            return False
        self.setCurrentBlockState(0)
        if _HEADING.match(text):
            self._style(text, 0, len(text), "heading")
            return True
        if _RULE.match(text):
            self._style(text, 0, len(text), "marker")
            return False
        self._prose(text)
        return True

    def _prose(self, text: str) -> None:
        """Quotes, list markers and inline styles of a paragraph."""
        if _QUOTE.match(text):
            self._style(text, 0, len(text), "quote")
        marker = _LIST.match(text)
        if marker:
            self._style(text, marker.start(1), marker.end(1), "marker")
        for name, pattern in _INLINE:
            for match in pattern.finditer(text):
                self._style(text, match.start(), match.end(), name)
