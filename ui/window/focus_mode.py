"""Focus mode: the editor alone, full screen; F11 or Esc brings the desk back."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import QAbstractScrollArea, QDockWidget, QMainWindow, QToolBar, QWidget

MEASURE_CHARACTERS = 72  # a comfortable line length for reading and writing


class FocusMode(QObject):
    """Hides every panel but the editor and remembers what to bring back.

    The text keeps a readable column in the middle of the screen.
    """

    def __init__(self, window: QMainWindow, editor: QAbstractScrollArea,
                 hide: list[QWidget]) -> None:
        super().__init__(window)
        self.window = window
        self.editor = editor
        self.panels = hide
        self._shown: list[QWidget] = []
        self._was_maximized = False
        self._was_fullscreen = False
        self._filled = (editor.backgroundRole(), editor.autoFillBackground())
        self.leave_key = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self.leave_key.setEnabled(False)  # only while focused: Esc belongs to the find bar
        self.leave_key.activated.connect(self.leave)

    @property
    def active(self) -> bool:
        """Whether focus mode is on."""
        return self.leave_key.isEnabled()

    def toggle(self) -> None:
        """Enter or leave focus mode."""
        if self.active:
            self.leave()
        else:
            self.enter()

    def _others(self) -> list[QWidget]:
        extra: list[QWidget] = [self.window.menuBar(), self.window.statusBar()]
        extra += self.window.findChildren(QToolBar)
        extra += [d for d in self.window.findChildren(QDockWidget) if d.parent() is self.window]
        return self.panels + extra

    def enter(self) -> None:
        """Hide the panels and go full screen, the cursor in the body."""
        if self.active:
            return
        self._shown = [w for w in self._others() if w.isVisible()]
        self._was_maximized = self.window.isMaximized()
        self._was_fullscreen = self.window.isFullScreen()
        for widget in self._shown:
            widget.hide()
        self.leave_key.setEnabled(True)
        self.editor.installEventFilter(self)
        self._filled = (self.editor.backgroundRole(), self.editor.autoFillBackground())
        self.editor.setBackgroundRole(QPalette.ColorRole.Base)  # the page around the column
        self.editor.setAutoFillBackground(True)
        self.window.showFullScreen()
        self.editor.setFocus(Qt.FocusReason.OtherFocusReason)
        self._centre_column()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.editor and event.type() == QEvent.Type.Resize:
            self._centre_column()
        return False

    def column_width(self) -> int:
        """The width of the writing column in focus mode."""
        return self.editor.fontMetrics().averageCharWidth() * MEASURE_CHARACTERS

    def _centre_column(self) -> None:
        side = max(0, (self.editor.width() - self.column_width()) // 2)
        self.editor.setViewportMargins(side, 0, side, 0)

    def leave(self) -> None:
        """Show what was shown before, in the window's earlier state."""
        if not self.active:
            return
        self.leave_key.setEnabled(False)
        self.editor.removeEventFilter(self)
        self.editor.setViewportMargins(0, 0, 0, 0)
        self.editor.setBackgroundRole(self._filled[0])
        self.editor.setAutoFillBackground(self._filled[1])
        for widget in self._shown:
            widget.show()
        self._shown = []
        if not self._was_fullscreen:
            if self._was_maximized:
                self.window.showMaximized()
            else:
                self.window.showNormal()
