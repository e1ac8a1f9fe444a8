"""The writing area: headline and standfirst above a Markdown body with find/replace."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QTextOption
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from ui.find_bar import FindBar
from ui.markdown_highlighter import MarkdownHighlighter

WORDS_PER_MINUTE = 230


def word_count(text: str) -> int:
    """Words as a reader counts them (white-space separated)."""
    return len(text.split())


def reading_minutes(words: int) -> int:
    """Reading time at an adult's average pace, at least a minute for any text."""
    return 0 if words == 0 else max(1, round(words / WORDS_PER_MINUTE))


class BodyEdit(QPlainTextEdit):
    """The Markdown source: soft-wrapped, highlighted, with its own undo history."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bodyEditor")
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setTabChangesFocus(False)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
        font.setPointSizeF(max(font.pointSizeF(), 10.0) + 1.5)
        self.setFont(font)
        self.setPlaceholderText("Write the story in Markdown…")
        self.highlighter = MarkdownHighlighter(self.document())


class EditorPanel(QWidget):
    """Headline, standfirst and body; emits one signal per field the user changes."""

    headline_edited = Signal(str)
    standfirst_edited = Signal(str)
    body_edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = QLineEdit(self)
        self.headline.setObjectName("headlineEdit")
        self.headline.setPlaceholderText("Headline")
        big = QFont(self.headline.font())
        big.setPointSizeF(max(big.pointSizeF(), 10.0) + 6)
        big.setWeight(QFont.Weight.DemiBold)
        self.headline.setFont(big)
        self.headline.setFrame(False)
        self.standfirst = QPlainTextEdit(self)
        self.standfirst.setObjectName("standfirstEdit")
        self.standfirst.setPlaceholderText("Standfirst: one or two sentences that sell the story")
        self.standfirst.setTabChangesFocus(True)
        self.standfirst.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 14)
        self.body = BodyEdit(self)
        self.find_bar = FindBar(self.body, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(4)
        layout.addWidget(self.headline)
        layout.addWidget(self.standfirst)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.find_bar)
        self._loading = False
        self.headline.textEdited.connect(self._headline_edited)
        self.standfirst.textChanged.connect(self._standfirst_changed)
        self.body.textChanged.connect(self._body_changed)
        self.setEnabled(False)

    def load(self, headline: str, standfirst: str, body: str) -> None:
        """Show a story's text (programmatic: emits no edit signals, clears undo)."""
        self._loading = True
        try:
            self.headline.setText(headline)
            self.headline.setCursorPosition(0)
            self.standfirst.setPlainText(standfirst)
            self.body.setPlainText(body)
            self.body.document().clearUndoRedoStacks()
            self.body.moveCursor(self.body.textCursor().MoveOperation.Start)
        finally:
            self._loading = False
        self.setEnabled(True)

    def clear(self) -> None:
        """Show nothing (no story open)."""
        self.load("", "", "")
        self.setEnabled(False)

    def body_text(self) -> str:
        """The body as plain text with LF newlines."""
        return self.body.toPlainText()

    def _headline_edited(self, text: str) -> None:
        if not self._loading:
            self.headline_edited.emit(text)

    def _standfirst_changed(self) -> None:
        if not self._loading:
            self.standfirst_edited.emit(self.standfirst.toPlainText())

    def _body_changed(self) -> None:
        if not self._loading:
            self.body_edited.emit()

    def focus_body(self) -> None:
        """Put the cursor in the body."""
        self.body.setFocus(Qt.FocusReason.OtherFocusReason)
