"""The Notes tab: the open story's notes, their quoted passages marked in the editor.

A note on a selection quotes the selected words; ``@name`` in a note's text
addresses it to that person (as ``--to`` does). Replies sit under their note;
resolving and reopening follow the core's rights (:mod:`cms.desk.rights`). A
note whose passage is no longer in the text is shown as *detached*. Notes are
read and written through ops, never on the GUI thread.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QColor, QPalette, QResizeEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cms.desk import notes
from cms.desk.notes import NoteView
from cms.timeutil import format_local
from ui.desk.pane import DeskPane
from ui.editor.positions import to_qt
from ui.ops import OpContext
from ui.window.extensions import OpenStory, WindowHost

NOTE_ROLE = Qt.ItemDataRole.UserRole
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-]+)")
HIGHLIGHT = QColor(255, 236, 150)
CURRENT = QColor(255, 200, 90)
MARK_TEXT = QColor("#1d1d1f")  # the marks are light in both themes: their text is dark
HIGHLIGHT_DELAY_MS = 300


def mentions(text: str) -> list[str]:
    """The names a note's text addresses with ``@name`` (in order, once each)."""
    return list(dict.fromkeys(name.rstrip(".-") for name in MENTION.findall(text)))


def passage_span(text: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` is in ``text`` (whitespace-insensitive), or None when it is gone."""
    words = quote.split()
    if not words:
        return None
    found = re.search(r"\s+".join(re.escape(word) for word in words), text)
    return (found.start(), found.end()) if found else None


def note_label(view: NoteView, zone: object, detached: bool, width: int = 0) -> str:
    """How a note reads in the list: who, to whom, when, where, then its words.

    With ``width`` (characters), the quote and the text are wrapped to it.
    """
    to = f" → {', '.join(view.to)}" if view.to else ""
    state = " · resolved" if view.resolved else ""
    where = " · detached: its passage is gone" if detached else ""
    head = f"{view.author}{to} · {format_local(view.created_at, zone)}{state}{where}"  # type: ignore[arg-type]
    quote = f"“{view.quote}”" if view.quote else ""
    body = [quote, view.text] if quote else [view.text]
    if width:
        body = [wrap(part, width) for part in body]
    return "\n".join([head, *body])


def wrap(text: str, width: int) -> str:
    """``text`` with its lines broken at spaces to at most ``width`` characters (greedy)."""
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        current = ""
        for word in line.split(" "):
            if current and len(current) + 1 + len(word) > width:
                out.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        out.append(current)
    return "\n".join(out)


class NotesPane(DeskPane):
    """The inspector's Notes tab (a StoryPane)."""

    def __init__(self, host: WindowHost, parent: QWidget | None = None) -> None:
        super().__init__(host, "notesPane", parent)
        self._story: OpenStory | None = None
        self._views: list[NoteView] = []
        self._spans: dict[str, tuple[int, int]] = {}
        self._chars = 0  # the width notes are wrapped to, in characters
        self.list = QTreeWidget(self)
        self.list.setObjectName("notesList")
        self.list.setHeaderHidden(True)
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Per item: the tree then measures only the rows it shows, not all 500.
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.list.setMinimumHeight(320)
        self.list.setAlternatingRowColors(True)
        self.show_resolved = QCheckBox("Show resolved", self)
        self.show_resolved.setObjectName("notesShowResolved")
        self.text = QPlainTextEdit(self)
        self.text.setObjectName("noteText")
        self.text.setPlaceholderText("A note for the desk (never published). @name addresses it.")
        self.text.setMaximumHeight(90)
        self.add_button = QPushButton("Add note", self)
        self.add_button.setObjectName("addNote")
        self.add_button.setToolTip("Add a note; with text selected in the editor, on that passage")
        self.reply_button = QPushButton("Reply", self)
        self.reply_button.setObjectName("replyNote")
        self.resolve_button = QPushButton("Resolve", self)
        self.resolve_button.setObjectName("resolveNote")
        layout = QVBoxLayout(self)
        layout.addWidget(self.show_resolved)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        for button in (self.add_button, self.reply_button, self.resolve_button):
            row.addWidget(button)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self._highlight_timer = QTimer(self)
        self._highlight_timer.setSingleShot(True)
        self._highlight_timer.setInterval(HIGHLIGHT_DELAY_MS)
        self._highlight_timer.timeout.connect(self._text_changed)
        self._wrap_timer = QTimer(self)
        self._wrap_timer.setSingleShot(True)
        self._wrap_timer.setInterval(150)
        self._wrap_timer.timeout.connect(self._rewrap)
        self.show_resolved.toggled.connect(lambda _on: self.reload())
        self.add_button.clicked.connect(self.add_from_editor)
        self.reply_button.clicked.connect(lambda: self.add(reply=True))
        self.resolve_button.clicked.connect(self.toggle_resolved)
        self.list.currentItemChanged.connect(self._current_changed)
        host.editor.body.textChanged.connect(self._highlight_timer.start)
        host.editor.body.selectionChanged.connect(self._selection_changed)
        self._current_changed()

    # StoryPane ------------------------------------------------------------------------

    def show_story(self, story: OpenStory | None) -> None:
        """Follow the open story (its notes are read again when it changes)."""
        previous = self._story.document.story_id if self._story else None
        self._story = story
        if story is None or story.document.story_id != previous:
            # Nothing of the previous story stays on show while this one's notes are read.
            self._views = []
            self._spans = {}
            self.list.clear()
            self.message.clear()
            self._update_buttons()
            self.mark_passages()
            self._title_tab()
            self.reload()

    # reading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the open story's notes again (on a worker)."""
        if self._story is None:
            return
        story_id = self._story.document.story_id
        include = self.show_resolved.isChecked()
        store = self._host.store

        def work(_ctx: OpContext) -> list[NoteView]:
            with store.reading() as session:
                return notes.list_notes(session, story_id, include_resolved=include)

        def done(found: list[NoteView]) -> None:
            if self._story is not None and self._story.document.story_id == story_id:
                self._show(found)

        self.run(work, done)

    def _show(self, found: list[NoteView]) -> None:
        current = self.current_note()
        keep = current.id if current is not None else None
        self._views = found
        self._find_passages()
        self._chars = self._fitting_chars()
        self.list.setUpdatesEnabled(False)
        self.list.clear()
        tops = []
        for view in found:
            item = self._item(view)
            item.addChildren([self._item(reply) for reply in view.replies])
            tops.append(item)
        self.list.addTopLevelItems(tops)
        self.list.expandAll()
        self.list.setUpdatesEnabled(True)
        # Restoring the selection is not the user picking a note: the editor's cursor stays.
        self.list.blockSignals(True)
        self._clear_current()
        if keep is not None:
            self._set_current(keep)
        self.list.blockSignals(False)
        self._update_buttons()
        self.mark_passages()
        self._title_tab()

    def tab_title(self) -> str:
        """"Notes", with how many are open and how many of those are addressed to me."""
        open_notes = [view for view in self._views if not view.resolved]
        mine = sum(self._host.actor.username in view.to for view in open_notes)
        if not open_notes:
            return "Notes"
        return f"Notes ({len(open_notes)}" + (f" · {mine} to you)" if mine else ")")

    def _title_tab(self) -> None:
        """Put :meth:`tab_title` on the tab this pane sits in (a page of a QTabWidget)."""
        page: QWidget | None = self
        while page is not None:
            stack = page.parentWidget()
            tabs = stack.parentWidget() if stack is not None else None
            if isinstance(tabs, QTabWidget) and tabs.indexOf(page) >= 0:
                tabs.setTabText(tabs.indexOf(page), self.tab_title())
                return
            page = stack

    def _fitting_chars(self) -> int:
        average = max(self.list.fontMetrics().averageCharWidth(), 1)
        return max(24, self.list.viewport().width() // average - 8)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._wrap_timer.start()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._views:
            self._show(self._views)  # the muted notes take the new theme's colour

    def _rewrap(self) -> None:
        if self._views and self._fitting_chars() != self._chars:
            self._show(self._views)

    def _item(self, view: NoteView) -> QTreeWidgetItem:
        detached = bool(view.quote) and view.id not in self._spans
        item = QTreeWidgetItem([note_label(view, self._host.zone(), detached, self._chars)])
        item.setToolTip(0, view.text)
        item.setData(0, NOTE_ROLE, view)
        if detached or view.resolved:  # muted, yet readable in the theme in use
            item.setForeground(0, self.palette().color(QPalette.ColorRole.PlaceholderText))
        return item

    def _find_passages(self) -> None:
        """Where each note's passage is in the editor's text now."""
        text = self._host.editor.body_text()
        spans: dict[str, tuple[int, int]] = {}
        for view in self._views:
            for note in (view, *view.replies):
                span = passage_span(text, note.quote) if note.quote else None
                if span is not None:
                    spans[note.id] = span
        self._spans = spans

    def _items(self) -> list[QTreeWidgetItem]:
        out = []
        for n in range(self.list.topLevelItemCount()):
            top = self.list.topLevelItem(n)
            if top is None:
                continue
            out.append(top)
            out.extend(child for c in range(top.childCount())
                       if (child := top.child(c)) is not None)
        return out

    def _clear_current(self) -> None:
        self.list.setCurrentIndex(self.list.rootIndex())

    def notes_shown(self) -> list[NoteView]:
        """The notes the tab lists (top level, with their replies)."""
        return list(self._views)

    def item_texts(self) -> list[str]:
        """What each row of the list says (notes then their replies)."""
        return [item.text(0) for item in self._items()]

    def current_note(self) -> NoteView | None:
        """The note selected in the list."""
        item = self.list.currentItem()
        return item.data(0, NOTE_ROLE) if item is not None else None

    def select_note(self, note_id: str) -> None:
        """Select a note in the list (and its passage in the editor)."""
        self._set_current(note_id)

    def _set_current(self, note_id: str) -> None:
        for item in self._items():
            if item.data(0, NOTE_ROLE).id == note_id:
                self.list.setCurrentItem(item)

    # the editor -----------------------------------------------------------------------

    def passages(self) -> list[tuple[str, int, int]]:
        """``(note id, start, end)`` of every open note's passage (offsets in ``body_text()``)."""
        return [(view.id, *self._spans[view.id]) for view in self._views
                if not view.resolved and view.id in self._spans]

    def _text_changed(self) -> None:
        self._find_passages()
        self.mark_passages()

    def mark_passages(self) -> None:
        """Mark the quoted passages in the editor; the selected note's more strongly."""
        body = self._host.editor.body
        text = self._host.editor.body_text()
        current = self.current_note()
        marks = []
        for note_id, start, end in self.passages():
            selection = QTextEdit.ExtraSelection()
            cursor = QTextCursor(body.document())
            cursor.setPosition(to_qt(text, start))
            cursor.setPosition(to_qt(text, end), QTextCursor.MoveMode.KeepAnchor)
            selection.cursor = cursor
            fmt = QTextCharFormat()
            fmt.setBackground(CURRENT if current is not None and current.id == note_id
                              else HIGHLIGHT)
            fmt.setForeground(MARK_TEXT)
            fmt.setToolTip("A note is on this passage (Notes tab)")
            selection.format = fmt
            marks.append(selection)
        body.setExtraSelections(marks)

    def _update_buttons(self) -> None:
        view = self.current_note()
        self.reply_button.setEnabled(view is not None and self.add_button.isEnabled())
        self.resolve_button.setEnabled(view is not None)
        self.resolve_button.setText("Reopen" if view is not None and view.resolved
                                    else "Resolve")

    def _current_changed(self, *_args: object) -> None:
        """The user picked a note: mark it and take the editor's cursor to its passage."""
        view = self.current_note()
        self._update_buttons()
        self.mark_passages()
        span = self._spans.get(view.id) if view is not None else None
        if span is not None:
            body = self._host.editor.body
            cursor = QTextCursor(body.document())
            cursor.setPosition(to_qt(self._host.editor.body_text(), span[0]))
            body.setTextCursor(cursor)
            body.ensureCursorVisible()

    def _selection_changed(self) -> None:
        quoted = self.selected_passage()
        self.add_button.setText("Add note on selection" if quoted else "Add note")

    def selected_passage(self) -> str:
        """The words selected in the editor (what a new note quotes)."""
        selected = self._host.editor.body.textCursor().selectedText()
        return " ".join(selected.replace("\u2029", "\n").split())

    # writing --------------------------------------------------------------------------

    def add_from_editor(self) -> None:
        """Add the typed note, quoting the editor's selection if there is one."""
        self.add(reply=False)

    def add(self, *, reply: bool) -> None:
        """Add the typed note (or a reply to the selected note); the text is kept on error."""
        if self._story is None:
            return
        text = self.text.toPlainText()
        parent = self.current_note() if reply else None
        if reply and parent is None:
            self.message.setText("Select the note to answer.")
            return
        quote = "" if reply else self.selected_passage()
        to = mentions(text)
        story_id = self._story.document.story_id
        store, actor = self._host.store, self._host.actor

        def work(_ctx: OpContext) -> str:
            with store.session() as session:
                return notes.add_note(session, actor, story_id, text, quote=quote or None,
                                      to=to, reply_to=parent.id if parent else None)

        def done(_note_id: str) -> None:
            self._saving(False)
            self._host.events.desk_changed.emit()
            if self.text.toPlainText() == text:  # what was typed since is the next note
                self.text.clear()
            self.message.setText("Reply added." if reply else "Note added.")
            self.reload()

        self._saving(True)
        self.run(work, done, failed=lambda: self._saving(False))

    def _saving(self, on: bool) -> None:
        """While a note is being stored, Add and Reply wait (no note is sent twice)."""
        self.add_button.setEnabled(not on)
        self._update_buttons()

    def toggle_resolved(self) -> None:
        """Resolve the selected note, or reopen it when it is resolved."""
        view = self.current_note()
        if view is None:
            return
        store, actor = self._host.store, self._host.actor
        resolve = not view.resolved

        def work(_ctx: OpContext) -> str:
            with store.session() as session:
                return notes.set_resolved(session, actor, view.id, resolve)

        def done(_note_id: str) -> None:
            self._host.events.desk_changed.emit()
            self.message.setText("Note resolved." if resolve else "Note reopened.")
            if resolve and not self.show_resolved.isChecked():
                self._clear_current()
            self.reload()

        self.run(work, done)

def install(host: WindowHost) -> None:
    """Add the Notes tab to the inspector."""
    pane = NotesPane(host)
    host.add_inspector_tab("notes", "Notes", pane)
    host.events.stories_changed.connect(pane.reload)  # a sync may bring notes
