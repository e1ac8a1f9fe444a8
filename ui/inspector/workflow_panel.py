"""The workflow tab: the open story's status, the moves the user's role allows, its history.

Only the moves the ``workflow_transitions`` table lets the user's role make
are offered (:func:`cms.workflow.allowed_targets`); killing and correcting ask
for a note; a desk chief may override missing photo alt text or credit. A move
is a deliberate, recorded act (:func:`cms.workflow.transition`), so it waits
until the open story's edits are saved, and the editor reloads the story after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cms import stories, transitions, workflow
from cms.errors import NewsroomError
from cms.people import Actor
from cms.rules import role_label, with_article
from cms.store import Store
from cms.sync.holds import Hold, held_ids, open_holds
from cms.timeutil import format_local
from cms.workflow import TransitionRecord
from ui.ops import Latest, Op, OpContext, QueryOp, describe_error
from ui.window.extensions import OpenStory, WindowHost

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

UNPUBLISH = {"edit": "Unpublish (back to edit)", "draft": "Back to draft"}
VERBS = {
    "draft": "Back to draft", "edit": "Submit for edit", "ready": "Mark ready",
    "scheduled": "Schedule", "published": "Publish now", "corrected": "Correct…",
    "killed": "Kill…",
}


# Moves that change what readers see at once: the window asks before making them.
CONFIRM = {
    "published": ("Publish now?", "“{headline}” goes out now, to readers and to the site's next "
                  "export."),
    "killed": ("Kill this story?", "“{headline}” is withdrawn: it leaves the site at the next "
               "export and no longer shows in Read next lists. The note says why."),
}


def ask(parent: QWidget, title: str, text: str) -> bool:
    """Ask a yes/no question; the default button is No."""
    answer = QMessageBox.question(
        parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


@dataclass(frozen=True)
class WorkflowFacts:
    """What the tab shows for one story, read on a worker thread."""

    chief: bool
    public: frozenset[str]
    targets: list[str]
    moves: list[TransitionRecord]
    held: list[Hold]
    parked: set[str]


class WorkflowPanel(QWidget):
    """Status, role-limited move buttons with a note, and the story's moves.

    What it shows is read, and a move is written, on worker threads
    (:mod:`ui.ops`); ``filled`` says the tab shows the open story.
    """

    moved = Signal(str)  # story id, after a recorded move
    error_shown = Signal(str)
    filled = Signal()

    def __init__(self, store: Store, actor: Actor,
                 is_saved: Callable[[OpenStory], bool] = lambda _story: True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workflowPanel")
        self._store = store
        self._actor = actor
        self._is_saved = is_saved
        self._story: OpenStory | None = None
        self._public: frozenset[str] = frozenset()
        self._reads = Latest()
        self._moving = False
        # Asked before a move in CONFIRM; tests answer it themselves.
        self.confirm: Callable[[str, str], bool] = lambda title, text: ask(self, title, text)
        self.status = QLabel(self)
        self.status.setObjectName("workflowStatus")
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.status.setWordWrap(True)
        self.role = QLabel(f"You are {actor.username}, {role_label(actor.role)}.", self)
        self.role.setWordWrap(True)
        self.role.setObjectName("workflowRole")
        self.note = QLineEdit(self)
        self.note.setObjectName("workflowNote")
        self.note.setPlaceholderText("Note (required to kill or correct)")
        self.override = QCheckBox("Override missing photo alt text or credit", self)
        self.override.setObjectName("workflowOverride")
        self.buttons_box = QWidget(self)
        self.buttons = QGridLayout(self.buttons_box)
        self.buttons.setContentsMargins(0, 0, 0, 0)
        self.held = QLabel(self)
        self.held.setObjectName("workflowHeld")
        self.held.setWordWrap(True)
        self.held.hide()
        self.error = QLabel(self)
        self.error.setObjectName("workflowError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e")
        self.history = QListWidget(self)
        self.history.setObjectName("workflowHistory")
        self.history.setWordWrap(True)
        self.history.setMinimumHeight(160)
        # One move per shaded row, so a wrapped line never reads as a second move.
        self.history.setAlternatingRowColors(True)
        self.history.setSpacing(2)
        self.history.setAccessibleName("Moves")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.status, self.role, self.held, self.buttons_box, self.note,
                       self.override, self.error, QLabel("Moves", self), self.history):
            layout.addWidget(widget)
        self.override.setVisible(False)  # shown to desk chiefs once the rules are read

    def show_story(self, story: OpenStory | None) -> None:
        """Show the open story's status and the moves allowed from it."""
        same = (self._story is not None and story is not None
                and self._story.document.story_id == story.document.story_id
                and self._story.document.status == story.document.status
                and self._story.revision_id == story.revision_id)
        previous, self._story = self._story, story
        if same:
            return
        if story is not None and (previous is None or previous.document.story_id
                                  != story.document.story_id
                                  or previous.document.status != story.document.status):
            self._show(story, None, read=False)  # not the previous story's moves meanwhile
        self._fill()

    def move_buttons(self) -> dict[str, QPushButton]:
        """The offered moves by target status."""
        found = {}
        for index in range(self.buttons.count()):
            item = self.buttons.itemAt(index)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QPushButton):
                found[widget.property("target")] = widget
        return found

    def busy(self) -> bool:
        """True while a move is being recorded or the open story's moves are read."""
        return self._moving or self._reads.pending()

    def _fill(self) -> None:
        story = self._story
        if story is None:
            self._reads.forget()
            self._show(None, None)
            return
        actor, status, story_id = self._actor, story.document.status, story.document.story_id

        def read(session: Session) -> WorkflowFacts:
            return WorkflowFacts(
                chief=workflow.can_schedule(session, actor),
                public=workflow.public_statuses(session),
                targets=workflow.allowed_targets(session, actor, status),
                moves=workflow.history(session, story_id),
                held=open_holds(session, story_id=story_id),
                parked=held_ids(session, [story_id]))

        def failed(error: BaseException) -> None:
            self._show(story, None)
            self.error.setText(describe_error(error))

        self._reads.run(QueryOp(self, self._store, read), lambda facts: self._show(story, facts),
                        failed)

    def _show(self, story: OpenStory | None, facts: WorkflowFacts | None,
              read: bool = True) -> None:
        """Show ``story`` with ``facts`` (None: its moves are unknown); ``read``: what
        the tab shows is final (``filled``), not a placeholder until the read is in."""
        while self.buttons.count():
            item = self.buttons.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.history.clear()
        self.error.clear()
        if story is None:
            self.status.setText("")
            self.filled.emit()
            return
        if facts is not None:
            self._public = facts.public
            self.override.setVisible(facts.chief)
        targets, moves = (facts.targets, facts.moves) if facts else ([], [])
        held, parked = (facts.held, facts.parked) if facts else ([], set())
        document = story.document
        self.held.setText("\n".join(
            ["Held on this copy — the central store refused it:"]
            + [f"• {item.reason}" for item in held]) if held else "")
        self.held.setVisible(bool(held))
        when = format_local(document.publish_at, story.zone, "%a %d %b %Y %H:%M")
        embargo = format_local(document.embargo_until, story.zone, "%a %d %b %H:%M")
        self.status.setText(
            f"<b>{document.status}</b>" + (f" · publication {when}" if when else "")
            + (f" · embargo until {embargo}" if embargo else "") + f" <small>({story.zone.key})"
            "</small>")
        for position, target in enumerate(targets):
            label = (UNPUBLISH.get(target) if document.status in self._public
                     else None) or VERBS.get(target, target)
            button = QPushButton(label, self.buttons_box)
            button.setObjectName(f"move_{target}")
            button.setProperty("target", target)
            button.clicked.connect(lambda _c=False, t=target: self.move_to(t))
            self.buttons.addWidget(button, position // 2, position % 2)
        if facts is not None and not targets:
            self.buttons.addWidget(QLabel(
                f"{with_article(self._actor.role).capitalize()} cannot move a {document.status} "
                "story.", self.buttons_box), 0, 0)
        for move in reversed(moves):
            text = (f"{format_local(move.at, story.zone)}  {move.username}: "
                    f"{move.from_status} → {move.to_status}")
            self.history.addItem(text + (f" — {move.note}" if move.note else "")
                                 + (" (held here, not on the desk)"
                                    if move.revision_id in parked else ""))
        if read:
            self.filled.emit()

    def move_to(self, target: str) -> None:
        """Make the move to ``target`` as the user (recorded), then tell the window."""
        story = self._story
        if story is None or self._moving:
            return
        missing = workflow.missing_note(story.document.status, target, self.note.text())
        if missing is not None:  # said before asking: a confirmed move must not fail
            self._show_error(missing[0].upper() + missing[1:] + ": write it in the note box.")
            return
        question = CONFIRM.get(target)
        if question is not None and not self.confirm(
                question[0], question[1].format(headline=story.document.headline)):
            return
        store, actor, is_saved = self._store, self._actor, self._is_saved
        note, override = self.note.text(), self.override.isChecked()

        def work(_context: OpContext) -> None:
            if not is_saved(story):
                raise NewsroomError("Your latest edits are still being saved; "
                                    "try again in a moment.")
            with store.session() as session:
                head = stories.head_revision(session, story.document.story_id)
                if head != story.revision_id:
                    raise NewsroomError("the story changed since it was opened; reload it first")
                transitions.transition(session, actor, story.document.story_id, target,
                                       note=note, override=override)

        def done(_result: None) -> None:
            self._moving = False
            self.note.clear()
            self.override.setChecked(False)
            self.moved.emit(story.document.story_id)

        def failed(error: BaseException) -> None:
            self._moving = False
            self._show_error(describe_error(error))

        self._moving = True
        Op(self, work).success(done).failure(failed).run()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error_shown.emit(text)


def install(host: WindowHost) -> None:
    """Add the "Workflow" tab to the inspector."""

    def saved(story: OpenStory) -> bool:
        # Unsaved edits would otherwise be based on a revision the move replaced.
        # Called on the move's worker thread.
        try:
            with host.store.reading() as session:
                stored, head = stories.get(session, story.document.story_id)
        except NewsroomError:
            return False
        return head == story.revision_id and stored == story.document.normalised()

    panel = WorkflowPanel(host.store, host.actor, saved)
    panel.error_shown.connect(lambda text: host.show_message(text, 8000))

    def reload(_story_id: str) -> None:
        host.reload_current()  # the Story tab and the editor show the move at once
        host.events.stories_changed.emit()

    panel.moved.connect(reload)
    host.add_inspector_tab("workflow", "Workflow", panel)
