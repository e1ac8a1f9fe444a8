"""The GUI-thread guard: window code that touches the store on the Qt main thread fails.

``cms.store`` runs an optional guard before every connect, connection checkout and
statement. The GUI tests install :class:`GuiThreadGuard`, which records each touch
made on the Qt main thread by window code (a frame from ``ui/`` on the stack) and
fails the test at its end with where it happened. The test's own reads and writes
(setting up a store, checking what a click stored) are not window code and pass.

One place is allowed: ``ui/app.py``'s ``open_store``, which opens the store before
any window exists (there is nothing to freeze yet; an unreachable store ends in a
start-up error box).
"""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path
from types import FrameType

import ui

UI_DIR = Path(ui.__file__).resolve().parent
ALLOWED = {(UI_DIR / "app.py", "open_store")}


def _innermost_ui_frame(frame: FrameType | None) -> FrameType | None:
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.is_relative_to(UI_DIR):
            return frame
        frame = frame.f_back
    return None


class GuiThreadGuard:
    """Records store access by window code on the main (GUI) thread."""

    def __init__(self) -> None:
        self.main = threading.main_thread()
        self.offences: list[str] = []

    def __call__(self) -> None:
        if threading.current_thread() is not self.main:
            return
        frame = _innermost_ui_frame(sys._getframe(1))
        if frame is None:
            return
        where = (Path(frame.f_code.co_filename), frame.f_code.co_name)
        if where in ALLOWED:
            return
        self.offences.append("".join(traceback.format_list(_window_frames(frame))))

    def report(self) -> str:
        """The distinct places that touched the store: the window's frames, innermost last."""
        distinct = list(dict.fromkeys(self.offences))
        return "\n".join(distinct)


def _window_frames(frame: FrameType) -> list[traceback.FrameSummary]:
    frames = traceback.extract_stack(frame)
    return [summary for summary in frames
            if Path(summary.filename).is_relative_to(UI_DIR.parent)]
