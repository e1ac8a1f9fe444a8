"""The writing area: headline and standfirst above a Markdown body with find/replace."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QFont,
    QFontDatabase,
    QKeyEvent,
    QResizeEvent,
    QTextOption,
)
from PySide6.QtWidgets import QLabel, QMenu, QPlainTextEdit, QVBoxLayout, QWidget

from ui.editor.find_bar import FindBar
from ui.editor.highlighter import MarkdownHighlighter
from ui.window.theme import is_dark

WORDS_PER_MINUTE = 230


def writing_font() -> QFont:
    """The body's font, a little larger than the interface (the preview matches it)."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont)
    font.setPointSizeF(max(font.pointSizeF(), 9.0) + 1)
    return font


def fit_lines(edit: QPlainTextEdit, least: int, most: int) -> None:
    """Size ``edit`` to its wrapped text, between ``least`` and ``most`` lines."""
    lines = 0
    block = edit.document().firstBlock()
    while block.isValid():
        layout = block.layout()
        lines += max(layout.lineCount() if layout is not None else 1, 1)
        block = block.next()
    shown = min(max(lines, least), most)
    margins = int(edit.document().documentMargin() * 2) + edit.frameWidth() * 2 + 4
    height = edit.fontMetrics().lineSpacing() * shown + margins
    if edit.height() != height:
        edit.setFixedHeight(height)


class TextEdit(QPlainTextEdit):
    """A plain-text field whose context menu features can extend (spellcheck)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Called with the menu and the clicked point in viewport coordinates.
        self.context_menu_extenders: list[Callable[[QMenu, QPoint], None]] = []

    def context_menu(self, pos: QPoint) -> QMenu:
        """The context menu for a click at ``pos`` (viewport coordinates), not shown yet."""
        menu = self.createStandardContextMenu(pos)
        for extend in self.context_menu_extenders:
            extend(menu, pos)
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.context_menu(event.pos())
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(event.globalPos())


class StandfirstEdit(TextEdit):
    """The standfirst: wraps and grows with its text (two to five lines)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.textChanged.connect(lambda: fit_lines(self, 2, 5))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        fit_lines(self, 2, 5)


def word_count(text: str) -> int:
    """Words as a reader counts them (white-space separated)."""
    return len(text.split())


def reading_minutes(words: int) -> int:
    """Reading time at an adult's average pace, at least a minute for any text."""
    return 0 if words == 0 else max(1, round(words / WORDS_PER_MINUTE))


class BodyEdit(TextEdit):
    """The Markdown source: soft-wrapped, highlighted, with its own undo history."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bodyEditor")
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setTabChangesFocus(False)
        self.setFont(writing_font())
        self.setPlaceholderText("Write the story in Markdown…")
        self.highlighter = MarkdownHighlighter(self.document(), dark=is_dark())


class HeadlineEdit(TextEdit):
    """A headline field that wraps (headlines are long) but stays one paragraph.

    Return moves on to the standfirst instead of inserting a line break; pasted
    line breaks become spaces. It offers ``text``/``setText`` like a line edit.
    """

    edited = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QPlainTextEdit.Shape.NoFrame)
        self._programmatic = False
        self.textChanged.connect(self._changed)
        self.textChanged.connect(self.fit_height)

    def text(self) -> str:
        """The headline on one line."""
        return " ".join(self.toPlainText().split("\n"))

    def setText(self, text: str) -> None:
        """Show ``text`` without emitting :attr:`edited`."""
        self._programmatic = True
        try:
            self.setPlainText(text)
        finally:
            self._programmatic = False

    def fit_height(self) -> None:
        """Grow to show the whole headline (up to four lines), shrink back to one."""
        fit_lines(self, 1, 4)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_height()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.focusNextChild()
            return
        super().keyPressEvent(event)

    def insertFromMimeData(self, source: QMimeData) -> None:
        self.insertPlainText(" ".join(source.text().split()))

    def _changed(self) -> None:
        if not self._programmatic:
            self.edited.emit(self.text())


class EditorPanel(QWidget):
    """Headline, standfirst and body; emits one signal per field the user changes."""

    headline_edited = Signal(str)
    standfirst_edited = Signal(str)
    body_edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headline = HeadlineEdit(self)
        self.headline.setObjectName("headlineEdit")
        self.headline.setPlaceholderText("Headline")
        big = QFont(self.headline.font())
        big.setPointSizeF(max(big.pointSizeF(), 9.0) + 4)
        big.setWeight(QFont.Weight.DemiBold)
        self.headline.setFont(big)
        self.headline.fit_height()
        self.standfirst = StandfirstEdit(self)
        self.standfirst.setObjectName("standfirstEdit")
        self.standfirst.setPlaceholderText("Standfirst: one or two sentences that sell the story")
        self.body = BodyEdit(self)
        self.find_bar = FindBar(self.body, self)
        self.locked = QLabel(self)
        self.locked.setObjectName("editorLocked")
        self.locked.setWordWrap(True)
        self.locked.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(4)
        layout.addWidget(self.locked)
        layout.addWidget(self.headline)
        layout.addWidget(self.standfirst)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.find_bar)
        self._loading = False
        self.headline.edited.connect(self._headline_edited)
        self.standfirst.textChanged.connect(self._standfirst_changed)
        self.body.textChanged.connect(self._body_changed)
        self.setEnabled(False)

    def load(self, headline: str, standfirst: str, body: str) -> None:
        """Show a story's text (programmatic: emits no edit signals, clears undo)."""
        self._loading = True
        try:
            self.headline.setText(headline)
            self.standfirst.setPlainText(standfirst)
            self.body.setPlainText(body)
            self.body.document().clearUndoRedoStacks()
            self.body.moveCursor(self.body.textCursor().MoveOperation.Start)
        finally:
            self._loading = False
        self.setEnabled(True)

    def set_locked(self, reason: str) -> None:
        """Make the text read-only and say why (``""``: writable again)."""
        for edit in (self.headline, self.standfirst, self.body):
            edit.setReadOnly(bool(reason))
        self.locked.setText(reason)
        self.locked.setVisible(bool(reason))

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
