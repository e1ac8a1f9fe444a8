"""The "Read next" panel: a story's timed links, added by search, reordered by drag.

An inspector tab installed through :mod:`ui.window.extensions` under the key
``related``, replacing the read-only pane. Every change (add, remove, reorder,
window, label) becomes the open story's new ``related`` tuple through the
``change`` callback — ``host.change_story`` in the window — so it is
journalled, autosaved and conflict-checked like typing. The checks themselves
(no link to itself, none to a deleted story, a window that ends after it
starts) are the core's (:func:`cms.related.build_link`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cms import related
from cms.document import LinkRef, StoryDocument
from cms.search import search
from cms.store import Store
from cms.timeutil import format_local
from ui.inspector.time_entry import check_exists, desk_time, from_utc, make_editor, to_naive
from ui.ops import Latest, Op, QueryOp, describe_error
from ui.window.extensions import OpenStory, WindowHost

SEARCH_DELAY_MS = 200
LINK_ROLE = Qt.ItemDataRole.UserRole
TARGET_ROLE = Qt.ItemDataRole.UserRole + 1


DIALOG_MIN_WIDTH = 420


class LinkWindowDialog(QDialog):
    """Edit one link's label and its visible-from / visible-until window."""

    def __init__(self, link: LinkRef, zone: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("linkWindowDialog")
        self.setWindowTitle("Link window")
        self._zone = zone
        self.result_link: LinkRef | None = None
        self._link = link
        self.label = QLineEdit(link.label, self)
        self.label.setObjectName("linkLabel")
        self.has_from = QCheckBox("Visible from", self)
        self.has_from.setObjectName("hasFrom")
        self.has_until = QCheckBox("Visible until", self)
        self.has_until.setObjectName("hasUntil")
        self.start = make_editor(self, "visibleFrom")
        self.end = make_editor(self, "visibleUntil")
        self.has_from.setChecked(link.visible_from is not None)
        self.has_until.setChecked(link.visible_until is not None)
        self.start.setDateTime(from_utc(link.visible_from, zone))
        self.end.setDateTime(from_utc(link.visible_until, zone))
        self.has_from.toggled.connect(self.start.setEnabled)
        self.has_until.toggled.connect(self.end.setEnabled)
        self.start.setEnabled(self.has_from.isChecked())
        self.end.setEnabled(self.has_until.isChecked())
        self.error = QLabel(self)
        self.error.setObjectName("windowError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e")
        form = QFormLayout()
        form.addRow("Label", self.label)
        form.addRow(self.has_from, self.start)
        form.addRow(self.has_until, self.end)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept_window)
        buttons.rejected.connect(self.reject)
        note = QLabel(f"Times in {zone.key}; the end is exclusive.", self)
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.label.setAccessibleName("Label")
        self.setMinimumWidth(DIALOG_MIN_WIDTH)  # room for the label and both times in full

    def _edge(self, enabled: bool, editor: Any) -> tuple[bool, datetime | None]:
        if not enabled:
            return True, None
        naive = to_naive(editor.dateTime())
        problem = check_exists(naive, self._zone)
        if problem:
            self.error.setText(problem)
            return False, None
        value = desk_time(self, naive, self._zone)
        return value is not None, value

    def accept_window(self) -> None:
        """Check the window and close with it (OK); a problem stays on screen."""
        ok_from, start = self._edge(self.has_from.isChecked(), self.start)
        ok_until, end = self._edge(self.has_until.isChecked(), self.end) if ok_from else (
            False, None)
        if not (ok_from and ok_until):
            return
        if start is not None and end is not None and end <= start:
            self.error.setText("The window ends before it starts.")
            return
        label = " ".join(self.label.text().split()) or self._link.label
        self.result_link = LinkRef(
            id=self._link.id, target_story_id=self._link.target_story_id, url=self._link.url,
            label=label, visible_from=start, visible_until=end,
        )
        self.accept()


class RelatedPanel(QWidget):
    """The open story's "Read next" list with add-by-search, drag to reorder, windows."""

    error_shown = Signal(str)
    filled = Signal()  # the open story's links are listed (read on a worker)
    searched = Signal()  # the candidates of a search or a suggestion are listed

    def __init__(self, store: Store, change: Callable[..., None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("relatedPanel")
        self._store = store
        self._change = change
        self._story: OpenStory | None = None
        self._filling = False
        self._select_after: str | None = None
        self._fills = Latest()
        self._searches = Latest()
        # Links being built, in the order asked: each is added, in that order.
        self._adds: list[tuple[Op[LinkRef], str, str, str]] = []

        self.links = QListWidget(self)
        self.links.setObjectName("relatedLinks")
        self.links.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.links.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.links.setWordWrap(True)
        self.links.setAlternatingRowColors(True)
        self.links.setMinimumHeight(330)  # the sample's five links without scrolling
        self.links.model().rowsMoved.connect(self._rows_moved)
        self.links.itemDoubleClicked.connect(lambda _item: self.edit_window())
        self.links.currentRowChanged.connect(lambda _row: self._enable())

        self.up = QToolButton(self)
        self.up.setText("↑")
        self.up.setToolTip("Move up")
        self.up.setObjectName("linkUp")
        self.down = QToolButton(self)
        self.down.setText("↓")
        self.down.setToolTip("Move down")
        self.down.setObjectName("linkDown")
        self.window_button = QToolButton(self)
        self.window_button.setText("Window…")
        self.window_button.setObjectName("linkWindow")
        self.remove = QToolButton(self)
        self.remove.setText("Remove")
        self.remove.setObjectName("linkRemove")
        self.up.clicked.connect(lambda: self._step(-1))
        self.down.clicked.connect(lambda: self._step(1))
        self.window_button.clicked.connect(self.edit_window)
        self.remove.clicked.connect(self.remove_selected)
        row = QHBoxLayout()
        for button in (self.up, self.down, self.window_button, self.remove):
            row.addWidget(button)
        row.addStretch(1)

        self.query = QLineEdit(self)
        self.query.setObjectName("relatedSearch")
        self.query.setPlaceholderText("Add: search stories or paste a URL")
        self.query.setClearButtonEnabled(True)
        self.suggest_button = QPushButton("Suggest", self)
        self.suggest_button.setObjectName("relatedSuggest")
        self.suggest_button.setToolTip("Stories like this one, by full-text similarity")
        self.candidates = QListWidget(self)
        self.candidates.setObjectName("relatedCandidates")
        self.candidates.setMaximumHeight(180)
        self.add_button = QPushButton("Add", self)
        self.add_button.setObjectName("relatedAdd")
        self.error = QLabel(self)
        self.error.setObjectName("relatedError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e")
        self.zone_note = QLabel(self)
        self.zone_note.setObjectName("relatedZoneNote")
        self.zone_note.setWordWrap(True)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self.query.textChanged.connect(lambda _t: self._timer.start())
        self.query.returnPressed.connect(self.add_selected)
        self.suggest_button.clicked.connect(self.show_suggestions)
        self.candidates.itemDoubleClicked.connect(lambda _item: self.add_selected())
        self.add_button.clicked.connect(self.add_selected)

        search_row = QHBoxLayout()
        search_row.addWidget(self.add_button)
        search_row.addWidget(self.suggest_button)
        search_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.links, 3)
        layout.addLayout(row)
        layout.addWidget(self.zone_note)
        layout.addWidget(self.query)
        layout.addWidget(self.candidates, 2)
        layout.addLayout(search_row)
        layout.addWidget(self.error)
        self._enable()

    # StoryPane --------------------------------------------------------------------------

    def show_story(self, story: OpenStory | None) -> None:
        """Show the open story's links (kept as they are when nothing relevant changed)."""
        previous = self._story
        self._story = story
        if (previous is not None and story is not None
                and previous.document.story_id == story.document.story_id
                and previous.document.related == story.document.related
                and previous.zone == story.zone):
            return
        if previous is None or story is None or (
                previous.document.story_id != story.document.story_id):
            self.candidates.clear()
            self.error.clear()
            self._searches.forget()  # candidates and links asked for the story left
            self._adds.clear()
        self._fill()

    # Reading --------------------------------------------------------------------------

    def loaded(self) -> bool:
        """True when no read of the panel is outstanding (links, candidates, a new link)."""
        return not (self._fills.pending() or self._searches.pending()
                    or bool(self._adds))

    def _fill(self) -> None:
        story = self._story
        if story is None:
            self._fills.forget()
            self._show_links(None, [])
            return
        document = story.document

        def failed(exc: BaseException) -> None:
            self._show_error(describe_error(exc))
            self._show_links(story, [])

        self._fills.run(QueryOp(self, self._store,
                                lambda session: related.list_links(session, document)),
                        lambda infos: self._show_links(story, infos), failed)

    def _show_links(self, story: OpenStory | None, infos: list[related.LinkInfo]) -> None:
        self._filling = True
        try:
            self.links.clear()
            if story is None:
                self.zone_note.setText("")
                return
            for info in infos:
                item = QListWidgetItem(self._describe(info, story.zone))
                item.setData(LINK_ROLE, info.link.id)
                item.setToolTip(info.link.target)
                if not info.visible:
                    item.setForeground(self.palette().placeholderText())
                self.links.addItem(item)
            self.zone_note.setText(
                f"Times in {story.zone.key}. Drag to reorder; double-click for the window."
                if infos else 'No "Read next" links yet: search below to add one.')
        finally:
            self._filling = False
            select, self._select_after = self._select_after, None
            if select is not None:
                self._select_link(select)
            self._enable()
        self.filled.emit()

    def _select_link(self, link_id: str) -> None:
        for row in range(self.links.count()):
            if self.links.item(row).data(LINK_ROLE) == link_id:
                self.links.setCurrentRow(row)

    @staticmethod
    def _describe(info: related.LinkInfo, zone: ZoneInfo) -> str:
        link = info.link
        when = format_local(info.target_publish_at, zone, "%d %b %Y %H:%M")
        if link.url:
            where = link.url
        elif info.target_missing:
            where = "the target story is gone"
        else:
            where = when or "no publication time"
        if info.visible:
            state = "shown"
        elif not info.in_window:
            state = "hidden: outside its window"
        elif info.target_missing:
            state = "hidden"
        else:
            state = f"hidden until the target is out ({info.target_status})"
        window = []
        if link.visible_from:
            window.append(f"from {format_local(link.visible_from, zone, '%d %b %H:%M')}")
        if link.visible_until:
            window.append(f"until {format_local(link.visible_until, zone, '%d %b %H:%M')}")
        extra = f"\n    visible {' '.join(window)}" if window else ""
        return f"{info.position}. {link.label}\n    {where} · {state}{extra}"

    def _enable(self) -> None:
        has_story = self._story is not None
        selected = self.links.currentRow()
        count = self.links.count()
        for widget in (self.query, self.suggest_button, self.candidates, self.add_button):
            widget.setEnabled(has_story)
        self.remove.setEnabled(has_story and selected >= 0)
        self.window_button.setEnabled(has_story and selected >= 0)
        self.up.setEnabled(has_story and selected > 0)
        self.down.setEnabled(has_story and 0 <= selected < count - 1)
        self.links.setDragEnabled(has_story and not self._fills.pending())

    # Editing ----------------------------------------------------------------------------

    def _document(self) -> StoryDocument | None:
        return self._story.document if self._story is not None else None

    def _apply(self, links: tuple[LinkRef, ...], select: str | None = None) -> None:
        self.error.clear()
        self._select_after = select  # once the new list is read
        self._change(related=links)
        if not self._fills.pending():  # nothing to read: the list is already this one
            self._select_after = None
            if select is not None:
                self._select_link(select)
        self._enable()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error_shown.emit(text)

    def _rows_moved(self, _parent: QModelIndex, _start: int, _end: int,
                    _dest: QModelIndex, _row: int) -> None:
        """A drag finished: the list's new order becomes the story's."""
        document = self._document()
        if self._filling or document is None:
            return
        by_id = {link.id: link for link in document.related}
        order = [self.links.item(row).data(LINK_ROLE) for row in range(self.links.count())]
        if self._fills.pending() or sorted(order) != sorted(by_id):
            self._fill()  # dragged in a list that is being replaced: show the story's order
            return
        moved = self.links.currentItem()
        QTimer.singleShot(0, lambda: self._apply(
            tuple(by_id[i] for i in order), moved.data(LINK_ROLE) if moved else None))

    def _step(self, delta: int) -> None:
        document = self._document()
        item = self.links.currentItem()
        if document is None or item is None:
            return
        # The story's own list, not the rows shown: those may not be read back yet.
        ids = [link.id for link in document.related]
        chosen = item.data(LINK_ROLE)
        row = ids.index(chosen) if chosen in ids else -1
        if row < 0 or not 0 <= row + delta < len(ids):
            return
        links = list(document.related)
        links[row], links[row + delta] = links[row + delta], links[row]
        self._apply(tuple(links), links[row + delta].id)

    def remove_selected(self) -> None:
        """Remove the selected link."""
        document = self._document()
        item = self.links.currentItem()
        if document is None or item is None:
            return
        gone = item.data(LINK_ROLE)
        self._apply(tuple(link for link in document.related if link.id != gone))

    def edit_window(self) -> None:
        """Open the window dialog for the selected link."""
        document = self._document()
        item = self.links.currentItem()
        if document is None or item is None or self._story is None:
            return
        link = next(link for link in document.related if link.id == item.data(LINK_ROLE))
        dialog = LinkWindowDialog(link, self._story.zone, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_link is not None:
            changed = dialog.result_link
            self._apply(tuple(changed if other.id == link.id else other
                              for other in document.related), link.id)

    # Adding -----------------------------------------------------------------------------

    def run_search(self) -> None:
        """Fill the candidates with stories matching what was typed (search as you type)."""
        text = self.query.text().strip()
        document = self._document()
        self.candidates.clear()
        if not text or document is None or text.lower().startswith(("http://", "https://")):
            self._searches.forget()
            return

        def show(hits: list[Any]) -> None:
            self.candidates.clear()
            current = self._document() or document
            linked = {link.target_story_id for link in current.related}
            for hit in hits:
                if hit.story_id == current.story_id or hit.story_id in linked:
                    continue
                self._candidate(hit.story_id, hit.headline, hit.status)
            self.searched.emit()

        self._searches.run(
            QueryOp(self, self._store, lambda session: search(session, text, limit=20,
                                                              prefix=True)),
            show, lambda exc: self._show_error(describe_error(exc)))

    def show_suggestions(self) -> None:
        """Fill the candidates with stories similar to this one."""
        document = self._document()
        self.candidates.clear()
        if document is None:
            self._searches.forget()
            return

        def show(found: list[Any]) -> None:
            self.candidates.clear()
            current = self._document() or document
            linked = {link.target_story_id for link in current.related}
            found = [candidate for candidate in found if candidate.story_id
                     not in linked and candidate.story_id != current.story_id]
            if not found:
                self._show_error("No similar stories found.")
            for candidate in found:
                self._candidate(candidate.story_id, candidate.headline, candidate.status)
            self.searched.emit()

        self._searches.run(
            QueryOp(self, self._store,
                    lambda session: related.suggest(session, document, limit=12)),
            show, lambda exc: self._show_error(describe_error(exc)))

    def _candidate(self, story_id: str, headline: str, status: str) -> None:
        item = QListWidgetItem(f"{headline}  ({status})")
        item.setData(TARGET_ROLE, story_id)
        self.candidates.addItem(item)
        if self.candidates.count() == 1:
            self.candidates.setCurrentRow(0)

    def add_selected(self) -> None:
        """Add the selected candidate, or the typed URL, at the end of the list."""
        document = self._document()
        if document is None:
            return
        text = self.query.text().strip()
        item = self.candidates.currentItem()
        if text.lower().startswith(("http://", "https://")):
            target = text
        elif item is not None:
            target = item.data(TARGET_ROLE)
        else:
            self._show_error("Choose a story from the list, or paste an https:// address.")
            return
        op: Op[LinkRef] = QueryOp(self, self._store,
                                  lambda session: related.build_link(session, document, target))
        self._adds.append((op, document.story_id, target, text))
        op.failure(lambda exc: self._show_error(describe_error(exc)))
        op.finished.connect(self._added)
        op.run()

    def _added(self) -> None:
        """Add the links built so far, in the order they were asked for."""
        while self._adds and self._adds[0][0].delivered:
            op, story_id, target, text = self._adds.pop(0)
            current = self._document()
            if op.result is None or current is None or current.story_id != story_id:
                continue  # failed, or another story is open now: it was for the one left
            link = op.result
            self._apply((*current.related, link), link.id)
            for row in range(self.candidates.count()):
                if self.candidates.item(row).data(TARGET_ROLE) == target:
                    self.candidates.takeItem(row)
                    break
            if self.query.text().strip() == text:
                self.query.clear()


def install(host: WindowHost) -> None:
    """Replace the read-only "Read next" pane with this editor."""
    panel = RelatedPanel(host.store, host.change_story)
    panel.error_shown.connect(lambda text: host.show_message(text, 8000))
    # The inspector calls show_story when a story opens; edits arrive as story_changed.
    host.events.story_changed.connect(panel.show_story)
    host.add_inspector_tab("related", "Read next", panel)
