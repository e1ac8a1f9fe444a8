"""The Assigned tab: who is on the open story and by when; assigning and taking people off.

The core decides who may (editors and above assign; anyone may take themselves
off) and refuses a disabled person; the tab shows its message and keeps what
was typed. The due time is typed in the desk zone (``2026-05-04 16:00``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cms.desk import assignments
from cms.desk.assignments import AssignmentView
from cms.people import list_people
from cms.timeutil import format_local, parse_time, utcnow
from ui.desk.pane import DeskPane
from ui.ops import OpContext
from ui.window.extensions import OpenStory, WindowHost

PERSON_ROLE = Qt.ItemDataRole.UserRole


class AssignPane(DeskPane):
    """The inspector's Assigned tab (a StoryPane)."""

    def __init__(self, host: WindowHost, parent: QWidget | None = None) -> None:
        super().__init__(host, "assignPane", parent)
        self._story_id: str | None = None
        self.list = QListWidget(self)
        self.list.setObjectName("assignedList")
        self.person = QComboBox(self)
        self.person.setObjectName("assignPerson")
        self.person.setEditable(True)
        self.due = QLineEdit(self)
        self.due.setObjectName("assignDue")
        self.due.setPlaceholderText("e.g. 2026-05-04 16:00 (desk time), or empty")
        self.note = QLineEdit(self)
        self.note.setObjectName("assignNote")
        self.assign_button = QPushButton("Assign", self)
        self.assign_button.setObjectName("assignButton")
        self.unassign_button = QPushButton("Take off the story", self)
        self.unassign_button.setObjectName("unassignButton")
        form = QFormLayout()
        form.addRow("Person", self.person)
        form.addRow("Due", self.due)
        form.addRow("Note", self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("On this story:"))
        layout.addWidget(self.list)
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.assign_button)
        row.addWidget(self.unassign_button)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.assign_button.clicked.connect(self.assign)
        self.unassign_button.clicked.connect(self.unassign)
        self.list.currentItemChanged.connect(self._picked)

    def show_story(self, story: OpenStory | None) -> None:
        """Follow the open story."""
        story_id = story.document.story_id if story is not None else None
        if story_id != self._story_id:
            self._story_id = story_id
            self.message.clear()
            self.list.clear()  # the previous story's people are not shown meanwhile
            self.reload()

    def reload(self) -> None:
        """Read the story's assignments and the desk's people (on a worker)."""
        story_id = self._story_id
        if story_id is None:
            return
        store = self._host.store

        def work(_ctx: OpContext) -> tuple[list[AssignmentView], list[str]]:
            with store.reading() as session:
                return (assignments.assigned(session, story_id=story_id),
                        [p.username for p in list_people(session) if p.active])

        def done(result: tuple[list[AssignmentView], list[str]]) -> None:
            if story_id == self._story_id:
                self._show(*result)

        self.run(work, done)

    def _show(self, found: list[AssignmentView], people: list[str]) -> None:
        zone, now = self._host.zone(), utcnow()
        self.list.clear()
        for view in found:
            due = f", due {format_local(view.due, zone)}" if view.due else ""
            late = " — LATE" if view.late(now) else ""
            note = f" ({view.note})" if view.note else ""
            item = QListWidgetItem(f"{view.person}{due}{late}{note}")
            item.setData(PERSON_ROLE, view.person)
            self.list.addItem(item)
        typed = self.person.currentText()
        self.person.clear()
        self.person.addItems(people)
        self.person.setCurrentText(typed)

    def assigned_people(self) -> list[str]:
        """The people the tab lists as on the story."""
        return [self.list.item(n).data(PERSON_ROLE) for n in range(self.list.count())]

    def _picked(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is not None:
            self.person.setCurrentText(item.data(PERSON_ROLE))

    def assign(self) -> None:
        """Put the chosen person on the story (the form is kept on error)."""
        story_id, name = self._story_id, self.person.currentText().strip()
        due_text, note = self.due.text().strip(), self.note.text()
        zone, store, actor = self._host.zone(), self._host.store, self._host.actor
        if story_id is None:
            return

        def work(_ctx: OpContext) -> str:
            due = parse_time(due_text, zone) if due_text else None
            with store.session() as session:
                assignments.assign(session, actor, story_id, name, due=due, note=note)
            return f"{name} is on the story."

        self._write(work)

    def unassign(self) -> None:
        """Take the chosen person off the story."""
        story_id, name = self._story_id, self.person.currentText().strip()
        store, actor = self._host.store, self._host.actor
        if story_id is None:
            return

        def work(_ctx: OpContext) -> str:
            with store.session() as session:
                assignments.unassign(session, actor, story_id, name)
            return f"{name} is off the story."

        self._write(work)

    def _write(self, work: Callable[[OpContext], str]) -> None:
        def done(said: str) -> None:
            self.message.setText(said)
            self.due.clear()
            self.note.clear()
            self.reload()
            self._host.events.desk_changed.emit()

        self.run(work, done)


def install(host: WindowHost) -> None:
    """Add the Assigned tab to the inspector."""
    pane = AssignPane(host)
    host.add_inspector_tab("assign", "Assigned", pane)
    host.events.stories_changed.connect(pane.reload)
