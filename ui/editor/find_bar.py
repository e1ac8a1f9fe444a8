"""Find and replace in the body editor: a bar under the text, like most editors have."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


def _tool(parent: QWidget, text: str, tip: str) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip.split(" (")[0])
    return button


class FindBar(QWidget):
    """Find next/previous, replace, replace all; Escape closes it.

    Compact, so it fits under a narrow editor: the find row, and a replace row
    only when replacing.
    """

    def __init__(self, editor: QPlainTextEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.setObjectName("findBar")
        self.find_box = QLineEdit(self)
        self.find_box.setObjectName("findText")
        self.find_box.setPlaceholderText("Find")
        self.find_box.setAccessibleName("Find")
        self.replace_box = QLineEdit(self)
        self.replace_box.setObjectName("replaceText")
        self.replace_box.setPlaceholderText("Replace with")
        self.replace_box.setAccessibleName("Replace with")
        self.case = _tool(self, "Aa", "Match case")
        self.case.setCheckable(True)
        self.previous_button = _tool(self, "▲", "Previous match (Shift+F3)")
        self.next_button = _tool(self, "▼", "Next match (F3)")
        self.replace_button = QPushButton("Replace", self)
        self.replace_all_button = QPushButton("All", self)
        self.replace_all_button.setToolTip("Replace all")
        self.replace_all_button.setAccessibleName("Replace all")
        self.message = QLabel(self)
        self.message.setObjectName("findMessage")
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        close = _tool(self, "✕", "Close (Esc)")
        close.setAccessibleName("Close find")
        close.setAutoRaise(True)
        self.replace_row = QWidget(self)
        find_row = QHBoxLayout()
        find_row.addWidget(self.find_box)
        for button in (self.previous_button, self.next_button, self.case):
            find_row.addWidget(button)
        find_row.addWidget(self.message, 1)
        find_row.addWidget(close)
        replace_row = QHBoxLayout(self.replace_row)
        replace_row.setContentsMargins(0, 0, 0, 0)
        replace_row.addWidget(self.replace_box)
        for push in (self.replace_button, self.replace_all_button):
            replace_row.addWidget(push)
        replace_row.addStretch(1)
        self.find_box.setMinimumWidth(120)
        self.replace_box.setMinimumWidth(120)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        layout.addLayout(find_row)
        layout.addWidget(self.replace_row)
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
        self.replace_row.setVisible(replace)
        self.show()
        target = self.replace_box if replace and self.find_box.text() else self.find_box
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        target.selectAll()

    def close_bar(self) -> None:
        """Hide the bar and give the text back its focus."""
        self.hide()
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def event(self, event: QEvent) -> bool:
        # Esc in the bar closes the bar: it claims the key before a window shortcut
        # (focus mode's Esc) can take it. The override reaches the bar from its boxes.
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Escape):
            event.accept()
            return True
        return super().event(event)

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
