"""Find and replace in the body editor: a bar under the text, like most editors have."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QWidget,
)


class FindBar(QWidget):
    """Find next/previous, replace, replace all; Escape closes it."""

    def __init__(self, editor: QPlainTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.find_box = QLineEdit(self)
        self.find_box.setObjectName("findText")
        self.find_box.setPlaceholderText("Find")
        self.replace_box = QLineEdit(self)
        self.replace_box.setObjectName("replaceText")
        self.replace_box.setPlaceholderText("Replace with")
        self.case = QCheckBox("Match case", self)
        self.previous_button = QPushButton("Previous", self)
        self.next_button = QPushButton("Next", self)
        self.replace_button = QPushButton("Replace", self)
        self.replace_all_button = QPushButton("Replace all", self)
        self.message = QLabel(self)
        close = QToolButton(self)
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Close (Esc)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        for widget in (self.find_box, self.previous_button, self.next_button, self.replace_box,
                       self.replace_button, self.replace_all_button, self.case, self.message):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(close)
        self.find_box.returnPressed.connect(self.find_next)
        self.replace_box.returnPressed.connect(self.replace_one)
        self.next_button.clicked.connect(self.find_next)
        self.previous_button.clicked.connect(self.find_previous)
        self.replace_button.clicked.connect(self.replace_one)
        self.replace_all_button.clicked.connect(self.replace_all)
        close.clicked.connect(self.close_bar)
        self.hide()

    def open_bar(self, *, replace: bool = False) -> None:
        """Show the bar with the editor's selection as the text to find."""
        selected = self.editor.textCursor().selectedText()
        if selected and "\u2029" not in selected:
            self.find_box.setText(selected)
        self.show()
        target = self.replace_box if replace and self.find_box.text() else self.find_box
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        target.selectAll()

    def close_bar(self) -> None:
        """Hide the bar and give the text back its focus."""
        self.hide()
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_bar()
            return
        super().keyPressEvent(event)

    def _flags(self, backward: bool = False) -> QTextDocument.FindFlag:
        flags = QTextDocument.FindFlag(0)
        if self.case.isChecked():
            flags |= QTextDocument.FindFlag.FindCaseSensitively
        if backward:
            flags |= QTextDocument.FindFlag.FindBackward
        return flags

    def _find(self, backward: bool) -> bool:
        needle = self.find_box.text()
        if not needle:
            return False
        if self.editor.find(needle, self._flags(backward)):
            self.message.setText("")
            return True
        # Wrap around once.
        cursor = self.editor.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End if backward
                            else QTextCursor.MoveOperation.Start)
        self.editor.setTextCursor(cursor)
        found = self.editor.find(needle, self._flags(backward))
        self.message.setText("" if found else "Not found")
        return found

    def find_next(self) -> bool:
        """Select the next match (wrapping); False when there is none."""
        return self._find(backward=False)

    def find_previous(self) -> bool:
        """Select the previous match (wrapping)."""
        return self._find(backward=True)

    def _selection_matches(self) -> bool:
        selected = self.editor.textCursor().selectedText()
        needle = self.find_box.text()
        if self.case.isChecked():
            return selected == needle
        return selected.lower() == needle.lower()

    def replace_one(self) -> None:
        """Replace the selected match and move to the next one."""
        if self.find_box.text() and self._selection_matches():
            self.editor.textCursor().insertText(self.replace_box.text())
        self.find_next()

    def replace_all(self) -> int:
        """Replace every match as one undo step; returns how many."""
        needle = self.find_box.text()
        if not needle:
            return 0
        document = self.editor.document()
        cursor = QTextCursor(document)
        edit = QTextCursor(document)
        edit.beginEditBlock()
        count = 0
        while True:
            cursor = document.find(needle, cursor, self._flags())
            if cursor.isNull():
                break
            cursor.insertText(self.replace_box.text())
            count += 1
        edit.endEditBlock()
        self.message.setText(f"Replaced {count}")
        return count
