"""Run as a child process by test_recovery: open the real window and type until killed.

Prints ``story <id>`` once, then ``typed <n>`` after each word is typed (with
real key events), so the parent knows what must survive a SIGKILL.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEventLoop
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def main(store_path: str) -> None:
    """Type forever into the story the window opens with."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from ui.app import open_store
    from ui.editor import editing
    from ui.window.main_window import MainWindow

    # The test sets the autosave delay: nothing reaches the store before the kill, however
    # slowly a loaded machine lets this process type, so only the journal has the words.
    editing.AUTOSAVE_IDLE_MS = 3_600_000

    store, actor = open_store(store_path, None)
    window = MainWindow(store, actor)
    window.show()
    while not window.ready():  # the start-up read opens the last story
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    assert window.editing is not None
    print(f"story {window.editing.story_id}", flush=True)
    window.editor.focus_body()
    window.editor.body.moveCursor(QTextCursor.MoveOperation.End)
    number = 0
    while True:
        QTest.keyClicks(window.editor.body, f" word{number}")
        app.processEvents()
        print(f"typed {number}", flush=True)
        number += 1


if __name__ == "__main__":
    main(sys.argv[1])
