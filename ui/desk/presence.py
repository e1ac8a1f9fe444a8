"""Who is editing now, in the window: the open story announced, the others shown live.

When the desk's central store answers, the story open in the editor is
announced there (:func:`cms.desk.presence.announce`, a lease renewed while it
stays open) and, every :data:`POLL_MS`, the window asks who else has it open: a
banner above the editor says "Kim is editing (since 10:02)", with a button to
ask them to hand over (a note addressed to them). It is not a lock: both may
edit, and edits merge by paragraph. Offline nothing is announced and nothing
waits. All of it runs on workers, one poll at a time; a window that dies stops
renewing and its lease runs out.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cms.desk import notes
from cms.desk.presence import (
    LEASE,
    RENEW_EVERY,
    Editing,
    announce,
    editing_anywhere,
    open_central,
    release,
)
from cms.people import ensure_person
from cms.store import Store
from cms.timeutil import format_local, utcnow
from ui.ops import OpContext, describe_error
from ui.window.extensions import OpenStory, WindowHost
from ui.window.theme import banner_style

POLL_MS = 2000
EDITING_MARK = "editing"  # the story list's mark (see WindowEvents.story_marks)


def said(who: Editing, zone: ZoneInfo) -> str:
    """ "Kim is editing (since 10:02)", in the desk's time zone."""
    return f"{who.person} is editing (since {format_local(who.since, zone, '%H:%M')})"


@dataclass(frozen=True)
class Seen:
    """What one poll found: online or not, and who else edits the open story."""

    story_id: str | None
    online: bool
    others: tuple[Editing, ...]
    everywhere: dict[str, tuple[Editing, ...]] = field(default_factory=dict)  # the list's marks


class CentralLink:
    """The central store as the workers reach it: opened once, announced to, closed at the end.

    Used only from workers, one poll at a time (the watcher never runs two).
    """

    def __init__(self, store: Store, person: str, replica_id: str,
                 lease: timedelta = LEASE) -> None:
        self._store = store
        self._person = person
        self._replica_id = replica_id
        self._lease = lease
        self._central: Store | None = None
        self._announced: tuple[str, datetime] | None = None  # story, when last renewed
        self._lock = threading.Lock()

    def poll(self, story_id: str | None) -> Seen:
        """Renew this copy's lease on ``story_id`` (when due), and read who else edits it."""
        with self._lock:
            central = self._central or open_central(self._store)
            if central is None:
                self._announced = None
                return Seen(story_id, False, ())
            self._central = central
            try:
                return self._poll(central, story_id)
            except Exception:
                self._drop()
                raise

    def _poll(self, central: Store, story_id: str | None) -> Seen:
        now = utcnow()
        previous = self._announced
        if previous is not None and previous[0] != story_id:
            release(central, previous[0], self._replica_id)
            previous = self._announced = None
        renew = min(RENEW_EVERY, self._lease / 3)
        if story_id is not None and (previous is None or now - previous[1] >= renew):
            announce(central, story_id, self._person, self._replica_id, now=now,
                     lease=self._lease)
            self._announced = (story_id, now)
        # One read for the open story's banner and the story list's marks alike.
        found = {story: tuple(who) for story, who in
                 editing_anywhere(central, now=now, other_than=self._replica_id).items()}
        return Seen(story_id, True, found.get(story_id, ()) if story_id else (), found)

    def connected(self) -> bool:
        """True while the link holds the central store open."""
        return self._central is not None

    def _drop(self) -> None:
        if self._central is not None and self._central is not self._store:
            self._central.close()
        self._central = None
        self._announced = None

    def close(self, *, release_story: bool = True) -> None:
        """Say the story is closed (unless the copy is going away abruptly), then let go."""
        with self._lock:
            if release_story and self._central is not None and self._announced is not None:
                release(self._central, self._announced[0], self._replica_id)
            self._drop()


class PresenceBanner(QFrame):
    """"Kim is editing (since 10:02)" above the editor, with "Ask to hand over"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presenceBanner")
        self.setStyleSheet(banner_style("presenceBanner", "warning"))
        self.label = QLabel(self)
        self.label.setObjectName("presenceText")
        self.label.setTextFormat(Qt.TextFormat.PlainText)  # people's names are never markup
        self.label.setWordWrap(True)
        self.watch = QPushButton("Watch instead", self)
        self.watch.setObjectName("watchInstead")
        self.watch.setToolTip("Read without writing while they edit (you can still edit)")
        self.hand_over = QPushButton("Ask to hand over", self)
        self.hand_over.setObjectName("askHandOver")
        self.hand_over.setToolTip("Send them a note asking to hand the story over")
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.watch)
        row.addWidget(self.hand_over)
        self.hide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        style = banner_style("presenceBanner", "warning")  # the application's theme
        if event.type() == QEvent.Type.PaletteChange and style != self.styleSheet():
            self.setStyleSheet(style)  # the theme switched (setting it changes the palette)


class PresenceWatcher(QObject):
    """Announces the open story and polls who else edits it (see the module docstring)."""

    seen = Signal(object)  # Seen
    marks = Signal(object)  # dict[str, str]: story id → "Kim is editing (since 10:02)"

    def __init__(self, host: WindowHost, banner: PresenceBanner, *,
                 lease: timedelta = LEASE, poll_ms: int = POLL_MS) -> None:
        super().__init__(host.editor)
        self._host = host
        self.banner = banner
        self.link = CentralLink(host.store, host.actor.username, host.store.replica_id, lease)
        self.others: tuple[Editing, ...] = ()
        self.online = False
        self._story_id: str | None = None
        self._in_flight = False
        self._again = False
        self._stopped = False
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.poll)
        self.banner.hand_over.clicked.connect(self.ask_to_hand_over)
        self.banner.watch.clicked.connect(self.toggle_watching)
        self.watching = False
        self._marks: dict[str, str] = {}

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and isinstance(watched, QWidget):
            # The window may refuse to close (unsaved work): look once it has decided.
            QTimer.singleShot(0, lambda: None if watched.isVisible() else self.stop())
        return False

    def start(self) -> None:
        """Poll now and every few seconds."""
        self.timer.start()
        self.poll()

    def show_story(self, story: OpenStory | None) -> None:
        """The editor opened another story (or none): announce it at once."""
        story_id = story.document.story_id if story is not None else None
        if story_id != self._story_id:
            self._story_id = story_id
            self.watching = False  # the window sets the new story's own lock
            self.banner.watch.setText("Watch instead")
            self.others = ()
            self._show()
            self.poll()

    def poll(self) -> None:
        """Ask the central store (on a worker); a poll asked for meanwhile runs after it."""
        if self._stopped:
            return
        if self._in_flight:
            self._again = True
            return
        self._in_flight = True
        link, story_id = self.link, self._story_id

        def work(_ctx: OpContext) -> Seen:
            return link.poll(story_id)

        def failed(exc: BaseException) -> None:
            if not self._alive():
                return
            self._finish()
            self.online = False
            self._mark_list({})  # unknown now: no stale marks in the list
            self._host.show_message(f"Who is editing: {describe_error(exc)}", 5000)

        self._host.run_op(work).success(self._found).failure(failed).run()

    def _alive(self) -> bool:
        """False once the window (and this watcher with it) is gone: late answers are dropped."""
        return not self._stopped and shiboken6.isValid(self) and shiboken6.isValid(self.banner)

    def _found(self, seen: Seen) -> None:
        if not self._alive():
            return
        self._finish()
        self._mark_list(seen.everywhere)
        if seen.story_id == self._story_id:
            self.online = seen.online
            self.others = seen.others
            self._show()
            self.seen.emit(seen)

    def _mark_list(self, everywhere: dict[str, tuple[Editing, ...]]) -> None:
        zone = self._host.zone()
        marks = {story: ", ".join(said(who, zone) for who in people)
                 for story, people in everywhere.items()}
        if marks != self._marks:
            self._marks = marks
            self._host.events.story_marks.emit(EDITING_MARK, marks)

    def _finish(self) -> None:
        self._in_flight = False
        if self._again:
            self._again = False
            QTimer.singleShot(0, self.poll)

    def _show(self) -> None:
        if not self.others:
            self.banner.hide()
            if self.watching:
                self.toggle_watching()  # they left: back to writing
            return
        self.banner.watch.setVisible(self.watching or not self._host.editor.body.isReadOnly())
        zone = self._host.zone()
        self.banner.label.setText(", ".join(said(who, zone) for who in self.others))
        self.banner.label.setToolTip("Not a lock: you may edit too, and edits merge by "
                                     "paragraph.")
        self.banner.show()

    def toggle_watching(self) -> None:
        """Watch (read only) while someone else edits, or go back to editing.

        Offered only on a story this person may edit: the window's own lock (a
        status their role may not change) is never lifted here.
        """
        editor = self._host.editor
        if self.watching:
            self.watching = False
            editor.set_locked("")
        elif not editor.body.isReadOnly():
            self.watching = True
            names = ", ".join(who.person for who in self.others) or "someone"
            editor.set_locked(f"Watching while {names} edits: press “Edit anyway” to write.")
        self.banner.watch.setText("Edit anyway" if self.watching else "Watch instead")

    def text(self) -> str:
        """What the banner says (empty when hidden)."""
        return self.banner.label.text() if not self.banner.isHidden() else ""

    def ask_to_hand_over(self) -> None:
        """Send each other editor a note asking them to hand the story over."""
        story_id, names = self._story_id, [who.person for who in self.others]
        if story_id is None or not names:
            return
        store, actor = self._host.store, self._host.actor
        text = f"{actor.username} asks you to hand this story over."

        def work(_ctx: OpContext) -> str:
            with store.session() as session:
                for name in names:
                    # The central store saw them editing: on a desk without a secured
                    # central this copy may not have met them yet.
                    ensure_person(session, name)
                return notes.add_note(session, actor, story_id, text, to=names)

        def done(_note: str) -> None:
            self._host.show_message(f"Asked {', '.join(names)} to hand over (a note).")
            self._host.events.desk_changed.emit()

        def failed(exc: BaseException) -> None:
            self._host.show_message(f"Could not ask them to hand over: {describe_error(exc)}",
                                    10000)

        self._host.run_op(work).success(done).failure(failed).run()

    def stop(self, *, release_story: bool = True) -> None:
        """Stop polling; release the story (not when simulating a copy that died)."""
        if self._stopped:
            return
        self._stopped = True
        self.timer.stop()
        link = self.link
        self._host.run_op(lambda _ctx: link.close(release_story=release_story)).run()


def install(host: WindowHost) -> None:
    """Put the banner above the editor and start announcing and polling."""
    banner = PresenceBanner(host.editor)
    layout = host.editor.layout()
    if isinstance(layout, QVBoxLayout):
        layout.insertWidget(0, banner)
    watcher = PresenceWatcher(host, banner, lease=LEASE, poll_ms=POLL_MS)
    host.events.story_opened.connect(watcher.show_story)
    if isinstance(host, QWidget):
        host.installEventFilter(watcher)
    watcher.show_story(host.open_story())
    watcher.start()
