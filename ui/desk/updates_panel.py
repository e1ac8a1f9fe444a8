"""Updates to a live story in the window: the live version and the pending one side by side.

A dock that follows the open story: its updates (pending, approved, applied,
discarded) in a list; the selected one is shown beside what readers see now,
the paragraphs it changes marked on both sides. Desk chiefs approve (it goes
live now, or at its time) and discard; an update's author may discard it. The
buttons follow the role; the core decides all the same (:mod:`cms.desk.rights`).
"""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cms import stories
from cms.desk import updates
from cms.desk.notes import paragraphs
from cms.desk.updates import UpdateView
from cms.document import StoryDocument
from cms.rules import load_rules
from cms.timeutil import format_local
from ui.desk.pane import DeskPane
from ui.ops import OpContext
from ui.window.extensions import OpenStory, WindowHost

UPDATE_ROLE = Qt.ItemDataRole.UserRole
REMOVED = "#fbdada"
ADDED = "#d8f5d8"
MARKED_TEXT = "#1d1d1f"  # the marks are light in both themes: their text is dark
FIELDS = (("headline", "Headline"), ("standfirst", "Standfirst"), ("correction", "Correction"))


@dataclass(frozen=True)
class StoryUpdates:
    """What the dock shows for one story."""

    story_id: str
    live: StoryDocument
    updates: list[UpdateView]
    may_approve: bool


def _block(text: str, colour: str | None) -> str:
    body = html.escape(text).replace("\n", "<br>")
    if not colour:
        return f"<p>{body}</p>"
    return f'<p style="background:{colour}; color:{MARKED_TEXT}">{body}</p>'


def side_by_side(live: StoryDocument, pending: StoryDocument) -> tuple[str, str]:
    """HTML of the live and pending versions, what differs marked on each side.

    Headline, standfirst and correction appear only when the update changes them;
    the text is shown whole, its changed paragraphs marked.
    """
    left: list[str] = []
    right: list[str] = []
    for name, label in FIELDS:
        old, new = getattr(live, name) or "", getattr(pending, name) or ""
        if old != new:
            left.append(f"<h4>{label}</h4>" + _block(old, REMOVED))
            right.append(f"<h4>{label}</h4>" + _block(new, ADDED))
    a, b = paragraphs(live.body), paragraphs(pending.body)
    left.append("<h4>Text</h4>")
    right.append("<h4>Text</h4>")
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        changed = op != "equal"
        left.extend(_block(text, REMOVED if changed else None) for text in a[i1:i2])
        right.extend(_block(text, ADDED if changed else None) for text in b[j1:j2])
    return "".join(left), "".join(right)


class UpdatesView(DeskPane):
    """The "Updates" dock (follows the open story)."""

    def __init__(self, host: WindowHost, parent: QWidget | None = None) -> None:
        super().__init__(host, "updatesView", parent)
        self.shown: StoryUpdates | None = None
        self._story_id: str | None = None
        self._announced: set[str] = set()  # the open story's waiting updates the dock came up for
        self.list = QListWidget(self)
        self.list.setObjectName("updatesList")
        self.live = QTextBrowser(self)
        self.live.setObjectName("liveVersion")
        self.pending = QTextBrowser(self)
        self.pending.setObjectName("pendingVersion")
        self.approve_button = QPushButton("Approve", self)
        self.approve_button.setObjectName("approveUpdate")
        self.discard_button = QPushButton("Discard", self)
        self.discard_button.setObjectName("discardUpdate")
        sides = QSplitter(Qt.Orientation.Horizontal, self)
        for title, browser in (("Live — what readers see", self.live),
                               ("Pending update", self.pending)):
            column = QWidget(sides)
            box = QVBoxLayout(column)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(QLabel(f"<b>{title}</b>", column))
            box.addWidget(browser, 1)
            sides.addWidget(column)
        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        top = QSplitter(Qt.Orientation.Horizontal, self)
        top.addWidget(self.list)
        top.addWidget(sides)
        top.setSizes([220, 900])
        layout.addWidget(top, 1)
        layout.addLayout(buttons)
        self.list.currentItemChanged.connect(lambda *_: self._compare())
        self.approve_button.clicked.connect(self.approve)
        self.discard_button.clicked.connect(self.discard)
        self._compare()

    def show_story(self, story: OpenStory | None) -> None:
        """Follow the open story."""
        story_id = story.document.story_id if story is not None else None
        if story_id != self._story_id:
            self._story_id = story_id
            self._announced = set()
            self.message.clear()
            # The previous story's updates are not shown (nor approvable) meanwhile.
            self.shown = None
            self.list.clear()
            self._compare()
            self.reload()

    def reload(self) -> None:
        """Read the story's updates, its live version and my rights (on a worker)."""
        story_id = self._story_id
        if story_id is None:
            return
        store, role = self._host.store, self._host.actor.role

        def work(_ctx: OpContext) -> StoryUpdates:
            with store.reading() as session:
                live, _ = stories.get(session, story_id)
                rules = load_rules(session)
                return StoryUpdates(story_id, live, updates.updates_of(session, story_id),
                                    rules.may(role, rules.publish_role))

        def done(found: StoryUpdates) -> None:
            if found.story_id == self._story_id:
                self._show(found)

        self.run(work, done)

    def _show(self, found: StoryUpdates) -> None:
        self.shown = found
        zone = self._host.zone()
        self.list.clear()
        for view in reversed(found.updates):
            when = f", live {format_local(view.go_live_at, zone)}" if view.go_live_at else ""
            item = QListWidgetItem(f"{view.state} · {view.author}{when}\n"
                                   f"{', '.join(view.fields)}"
                                   + (f"\n{view.message}" if view.message else ""))
            item.setData(UPDATE_ROLE, view.id)
            self.list.addItem(item)
        waiting = [n for n, view in enumerate(reversed(found.updates))
                   if view.state in ("pending", "approved")]
        self.list.setCurrentRow(waiting[0] if waiting else 0 if found.updates else -1)
        self._compare()
        # The dock comes up for a story's waiting updates once: closed, it stays closed
        # until another story is opened or a new update waits.
        ids = {view.id for view in found.updates if view.state in ("pending", "approved")}
        if ids - self._announced:
            self._host.show_dock("updates")
        self._announced |= ids

    def current_update(self) -> UpdateView | None:
        """The update selected in the list."""
        item = self.list.currentItem()
        if item is None or self.shown is None:
            return None
        return next((v for v in self.shown.updates if v.id == item.data(UPDATE_ROLE)), None)

    def _compare(self) -> None:
        view = self.current_update()
        if view is None or self.shown is None:
            self.live.setHtml("")
            self.pending.setHtml("<i>No update to this story is waiting.</i>")
            self.approve_button.setEnabled(False)
            self.discard_button.setEnabled(False)
            return
        live, pending = side_by_side(self.shown.live, view.document)
        self.live.setHtml(live)
        self.pending.setHtml(pending)
        waiting = view.state in ("pending", "approved")
        self.approve_button.setEnabled(view.state == "pending" and self.shown.may_approve)
        self.discard_button.setEnabled(waiting and (
            self.shown.may_approve or view.author == self._host.actor.username))
        self.approve_button.setToolTip("" if self.shown.may_approve else
                                       "Only the role that may publish approves updates")

    def approve(self) -> None:
        """Approve the selected update (live now, or at its time)."""
        self._decide("approve")

    def discard(self) -> None:
        """Discard the selected update."""
        self._decide("discard")

    def _decide(self, what: str) -> None:
        view = self.current_update()
        if view is None:
            return
        store, actor, story_id = self._host.store, self._host.actor, view.story_id

        def work(_ctx: OpContext) -> str:
            with store.session() as session:
                if what == "discard":
                    updates.discard(session, actor, story_id, view.id)
                    return "Update discarded."
                done = updates.approve(session, actor, story_id, view.id)
            return "The update is live." if done.state == "applied" else \
                "Approved: it goes live at its time."

        def done(said: str) -> None:
            self.message.setText(said)
            self.reload()
            self._host.events.desk_changed.emit()
            if what == "approve":
                self._host.reload_current()

        self.run(work, done)


def install(host: WindowHost) -> None:
    """Add the Updates dock; it comes up when the open story has an update waiting."""
    view = UpdatesView(host)
    host.add_dock("updates", "Updates to live story", view,
                  Qt.DockWidgetArea.BottomDockWidgetArea)
    host.events.story_opened.connect(view.show_story)
    host.events.stories_changed.connect(view.reload)
    host.events.desk_changed.connect(view.reload)
    view.show_story(host.open_story())
