"""The story list's mark on stories with open notes addressed to me.

The set of those stories is read in one query (:func:`cms.desk.work.stories_with_notes_for`)
on a worker, at start, whenever the desk or the stories change here and every
:data:`REFRESH_MS` (a note added on a shared store or by another copy reaches no event
here); only the newest answer is shown, and a failed read clears the marks rather than
leaving old ones. The list looks each row up in it while drawing, so the mark costs no
query per row, at 100,000 stories as at ten. (Who is editing comes from the presence
poll, :mod:`ui.desk.presence`, through the same ``story_marks`` event.)
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from cms.desk.work import stories_with_notes_for
from ui.ops import Latest, QueryOp, describe_error
from ui.window.extensions import WindowHost

NOTES_MARK = "notes"
NOTE_FOR_ME = "note for me"
REFRESH_MS = 10_000  # notes added elsewhere (a shared store) show within this


class NoteMarks(QObject):
    """Reads the stories with notes addressed to me and marks them in the list."""

    def __init__(self, host: WindowHost, refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(host.editor)
        self._host = host
        self._latest = Latest()
        self.stories: set[str] = set()
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        if not self._latest.pending():  # a slow store: never queue reads up
            self.refresh()

    def refresh(self) -> None:
        """Read the set again (on a worker); the newest answer replaces the marks."""
        store, person = self._host.store, self._host.actor.username
        op = QueryOp(None, store, lambda session: stories_with_notes_for(session, person),
                     owner=self)
        self._latest.run(op, self._found, self._failed)

    def pending(self) -> bool:
        """True while a read is on its way."""
        return self._latest.pending()

    def _found(self, stories: set[str]) -> None:
        self.stories = stories
        self._host.events.story_marks.emit(NOTES_MARK, dict.fromkeys(stories, NOTE_FOR_ME))

    def _failed(self, error: BaseException) -> None:
        self.stories = set()  # unknown now: no stale marks in the list
        self._host.events.story_marks.emit(NOTES_MARK, {})
        self._host.show_message(f"Notes for you: {describe_error(error)}", 5000)


def install(host: WindowHost) -> None:
    """Mark the list's stories that have open notes addressed to me, and keep it current."""
    marks = NoteMarks(host)
    for signal in (host.events.desk_changed, host.events.stories_changed):
        signal.connect(marks.refresh)
    marks.refresh()
    marks.timer.start()
