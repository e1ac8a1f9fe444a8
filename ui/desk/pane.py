"""What the desk's panes share: store work through ops, a message line, a busy count."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import shiboken6
from PySide6.QtWidgets import QLabel, QWidget

from ui.ops import OpContext, describe_error
from ui.window.extensions import WindowHost

T = TypeVar("T")


class DeskPane(QWidget):
    """A pane that reads and writes the store only through the host's ops."""

    def __init__(self, host: WindowHost, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._host = host
        self._busy = 0
        self.message = QLabel(self)
        self.message.setObjectName(f"{name}Message")
        self.message.setWordWrap(True)

    def busy(self) -> bool:
        """True while the pane waits for the store."""
        return self._busy > 0

    def run(self, work: Callable[[OpContext], T], done: Callable[[T], None],
            failed: Callable[[], None] | None = None) -> None:
        """Run ``work`` on a worker, then ``done(result)`` here; an error shows as the message.

        What the user typed is left alone on an error, so nothing is lost; ``failed``
        (if given) is called after the message is shown.
        """
        self._busy += 1

        def finished(result: T) -> None:
            if shiboken6.isValid(self):  # the window may have closed meanwhile
                self._busy -= 1
                done(result)

        def failure(exc: BaseException) -> None:
            if shiboken6.isValid(self):
                self._busy -= 1
                self.message.setText(describe_error(exc))
                if failed is not None:
                    failed()

        self._host.run_op(work).success(finished).failure(failure).run()
