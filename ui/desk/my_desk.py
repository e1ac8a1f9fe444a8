""""My desk": what waits on me — my assignments (late first), notes to me, my stories that
wait on someone else. The start page: a dock that comes up at start when something waits
on me ("My desk at start" in the View menu, on by default); a double click opens the
story.

It is read from :func:`cms.desk.work.my_desk` on a worker, again whenever stories
or the desk change (a sync, a note, an assignment) and on "Refresh".
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cms.desk.work import MyDesk, my_desk
from cms.timeutil import format_local, utcnow
from ui.desk.pane import DeskPane
from ui.ops import OpContext
from ui.window import prefs
from ui.window.extensions import WindowHost
from ui.window.theme import is_dark

STORY_ROLE = Qt.ItemDataRole.UserRole
LATE = QColor("#be1e1e")  # ≥ 4.5:1 on the light theme's backgrounds
LATE_DARK = QColor("#ff8a80")  # ≥ 4.5:1 on the dark theme's
SECTIONS = ("assigned", "notes", "waiting")


class MyDeskView(DeskPane):
    """The "My desk" dock."""

    loaded = Signal(object)  # MyDesk, each time it is read

    def __init__(self, host: WindowHost, parent: QWidget | None = None) -> None:
        super().__init__(host, "myDesk", parent)
        self.desk: MyDesk | None = None
        self._late_rows: list[QTreeWidgetItem] = []
        self.title = QLabel(self)
        self.title.setObjectName("myDeskTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # a username is never markup
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("myDeskTree")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["When", "Story", "What"])
        self.tree.setRootIsDecorated(True)
        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setObjectName("myDeskRefresh")
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.message)
        self.refresh_button.clicked.connect(self.reload)
        self.tree.itemActivated.connect(self._open)
        self.tree.itemDoubleClicked.connect(self._open)

    def reload(self) -> None:
        """Read my desk again (on a worker)."""
        store, person = self._host.store, self._host.actor.username

        def work(_ctx: OpContext) -> MyDesk:
            with store.reading() as session:
                return my_desk(session, person, utcnow())

        self.run(work, self._show)

    def _show(self, desk: MyDesk) -> None:
        self.desk = desk
        zone = self._host.zone()
        self.title.setText(f"{desk.person}'s desk")
        self.tree.clear()
        self._late_rows = []
        assigned = self._section(f"Assigned to you ({len(desk.assigned)})")
        for item in desk.assigned:
            late = item.late(desk.now)
            when = format_local(item.due, zone) if item.due else "no due time"
            row = self._row(assigned, ("LATE " if late else "") + when, item.story_id,
                            item.headline, item.status + (f" — {item.note}" if item.note else ""))
            if late:
                self._late_rows.append(row)
        self._colour_late()
        notes = self._section(f"Notes to you ({len(desk.notes)})")
        for note in desk.notes:
            self._row(notes, format_local(note.created_at, zone), note.story_id, note.headline,
                      f"{note.author}: {note.text[:120]}")
        waiting = self._section(f"Waiting on someone else ({len(desk.waiting)})")
        for wait in desk.waiting:
            self._row(waiting, wait.status, wait.story_id, wait.headline, wait.on)
        self.tree.expandAll()
        for column in range(2):
            self.tree.resizeColumnToContents(column)
        self.loaded.emit(desk)

    def _colour_late(self) -> None:
        colour = LATE_DARK if is_dark(self.palette()) else LATE
        for row in self._late_rows:
            for column in range(3):
                row.setForeground(column, colour)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._colour_late()  # readable in the new theme

    def _section(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem([title])
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        self.tree.addTopLevelItem(item)
        self.tree.setFirstColumnSpanned(self.tree.topLevelItemCount() - 1,
                                        self.tree.rootIndex(), True)
        return item

    def _row(self, parent: QTreeWidgetItem, when: str, story_id: str, headline: str,
             what: str) -> QTreeWidgetItem:
        row = QTreeWidgetItem([when, headline, what])
        row.setData(0, STORY_ROLE, story_id)
        row.setToolTip(2, what)
        parent.addChild(row)
        return row

    def rows(self, section: str) -> list[list[str]]:
        """The rows shown under one section (``assigned``, ``notes`` or ``waiting``)."""
        top = self.tree.topLevelItem(SECTIONS.index(section))
        if top is None:
            return []
        children = [top.child(n) for n in range(top.childCount())]
        return [[child.text(c) for c in range(3)] for child in children if child is not None]

    def _open(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        story_id = item.data(0, STORY_ROLE)
        if story_id:
            self._host.show_story_by_id(story_id)


def install(host: WindowHost) -> None:
    """Add "My desk" as a dock, the start page: at start it comes up when something waits
    on me (an empty desk would only take room from the story).

    (Unless the user turned "My desk at start" off; otherwise it stays as the user left it.)
    """
    view = MyDeskView(host)
    host.add_dock("desk", "My desk", view, Qt.DockWidgetArea.BottomDockWidgetArea)
    for signal in (host.events.stories_changed, host.events.desk_changed):
        signal.connect(view.reload)
    action = QAction("My desk at start", view)
    action.setObjectName("myDeskAtStart")
    action.setCheckable(True)
    action.setChecked(prefs.get_bool("desk/showAtStart", True))
    action.toggled.connect(lambda on: prefs.set_bool("desk/showAtStart", on))
    host.add_menu_action("View", action)

    def first_look(desk: MyDesk) -> None:
        view.loaded.disconnect(first_look)
        if action.isChecked() and (desk.assigned or desk.notes or desk.waiting):
            host.show_dock("desk")

    view.loaded.connect(first_look)
    view.reload()
