"""Conflicts in the window: a list of stories edited in two places, and a resolver.

The resolver shows, for every field that clashes, the common ancestor and both
versions side by side, and an editable result the editor fills by picking a
side or combining them by hand. Everything that merged cleanly is already in the
result. Resolving writes a merge revision with both versions as parents
(:func:`cms.sync.conflicts.resolve`); the next sync shares it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cms.document import StoryDocument
from cms.errors import NewsroomError, UsageError
from cms.sync.conflicts import ConflictView, list_conflicts, resolve
from cms.timeutil import format_local, parse_time

TEXT_FIELDS = ("headline", "standfirst", "body", "byline", "dateline", "section", "slug",
               "correction", "status")
TIME_FIELDS = ("publish_at", "embargo_until")
CHOICE_FIELDS = ("deleted", "photos", "related")
LABELS = {"publish_at": "Publication time", "embargo_until": "Embargo", "deleted": "Deleted",
          "photos": "Photos", "related": "Read next"}


def field_text(doc: StoryDocument | None, name: str, zone: Any) -> str:
    """A field of a version as the resolver shows it."""
    if doc is None:
        return ""
    if name in TIME_FIELDS:
        return format_local(getattr(doc, name), zone, "%Y-%m-%d %H:%M")
    if name == "deleted":
        return "deleted" if doc.deleted else "kept"
    if name == "photos":
        return "\n".join(f"{p.sha256[:10]}  {p.caption}" for p in doc.photos) or "(none)"
    if name == "related":
        return "\n".join(f"{link.label or link.target}" for link in doc.related) or "(none)"
    value = getattr(doc, name)
    return "" if value is None else str(value)


def apply_field(doc: StoryDocument, name: str, text: str, zone: Any) -> StoryDocument:
    """``doc`` with one text or time field set from what the editor typed."""
    if name in TIME_FIELDS:
        return doc.evolve(**{name: parse_time(text, zone) if text.strip() else None})
    if name == "section":
        return doc.evolve(section=text.strip() or None)
    return doc.evolve(**{name: text})


class FieldChooser(QGroupBox):
    """One clashing field: ancestor, yours and central side by side, and the result."""

    def __init__(self, view: ConflictView, name: str, zone: Any,
                 parent: QWidget | None = None) -> None:
        super().__init__(LABELS.get(name, name.capitalize()), parent)
        self.name = name
        self.view = view
        grid = QGridLayout(self)
        columns = (("Common ancestor", view.base), ("Yours (this computer)", view.local),
                   ("Central", view.other))
        self.sides: dict[str, QPlainTextEdit] = {}
        for column, (title, doc) in enumerate(columns):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, column)
            text = QPlainTextEdit(field_text(doc, name, zone))
            text.setReadOnly(True)
            text.setObjectName(f"{name}-{('base', 'local', 'central')[column]}")
            grid.addWidget(text, 1, column)
            self.sides[("base", "local", "central")[column]] = text
        if name in CHOICE_FIELDS:
            self.result: QPlainTextEdit | None = None
            row = QHBoxLayout()
            self.choice = QButtonGroup(self)
            for key, label in (("local", "Keep yours"), ("central", "Keep central")):
                button = QRadioButton(label, self)
                button.setObjectName(f"{name}-take-{key}")
                self.choice.addButton(button)
                row.addWidget(button)
            self.choice.buttons()[0].setChecked(True)
            grid.addLayout(row, 2, 0, 1, 3)
            return
        grid.addWidget(QLabel("<b>Result</b> (edit freely)"), 2, 0)
        self.result = QPlainTextEdit(field_text(view.proposal, name, zone))
        self.result.setObjectName(f"{name}-result")
        grid.addWidget(self.result, 3, 0, 1, 3)
        row = QHBoxLayout()
        for key, label in (("local", "Use yours"), ("central", "Use central")):
            use = QPushButton(label, self)
            use.setObjectName(f"{name}-use-{key}")
            use.clicked.connect(lambda _=False, k=key: self.use(k))
            row.addWidget(use)
        row.addStretch(1)
        grid.addLayout(row, 4, 0, 1, 3)

    def use(self, side: str) -> None:
        """Copy one side's value into the result."""
        if self.result is not None:
            self.result.setPlainText(self.sides[side].toPlainText())
        else:
            for button in self.choice.buttons():
                button.setChecked(button.objectName().endswith(side))

    def apply(self, doc: StoryDocument, zone: Any) -> StoryDocument:
        """``doc`` with this field resolved."""
        if self.result is not None:
            return apply_field(doc, self.name, self.result.toPlainText(), zone)
        chosen = next(b for b in self.choice.buttons() if b.isChecked())
        source = self.view.local if chosen.objectName().endswith("local") else self.view.other
        return doc.evolve(**{self.name: getattr(source, self.name)})


class ConflictResolver(QDialog):
    """Resolve one story's conflict: pick, combine or edit each clashing field."""

    def __init__(self, view: ConflictView, zone: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.zone = zone
        self.setWindowTitle(f"Resolve: {view.headline}")
        self.resize(1100, 720)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"<b>{view.headline}</b> was edited here and elsewhere in ways that clash "
            f"({', '.join(LABELS.get(f, f) for f in view.fields)}). Everything else was merged. "
            "Choose or write the result for each field; both versions stay in the history.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        inner = QWidget()
        fields = QVBoxLayout(inner)
        self.choosers = [FieldChooser(view, name, zone, inner) for name in view.fields]
        for chooser in self.choosers:
            fields.addWidget(chooser)
        scroll.setWidget(inner)
        layout.addWidget(scroll, 1)
        self.error = QLabel("")
        self.error.setObjectName("resolveError")
        self.error.setStyleSheet("color: #b00020")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.resolve_button = buttons.addButton("Resolve",
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def result_document(self) -> StoryDocument:
        """The version the editor put together (raises UsageError on a bad time)."""
        doc = self.view.proposal
        for chooser in self.choosers:
            doc = chooser.apply(doc, self.zone)
        return doc

    @Slot()
    def _accept(self) -> None:
        try:
            self.result_document()
        except NewsroomError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class ConflictsPanel(QWidget):
    """The open conflicts; double-click (or Resolve…) opens the resolver."""

    resolved = Signal(str)  # story id

    def __init__(self, host: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.views: list[ConflictView] = []
        layout = QVBoxLayout(self)
        self.summary = QLabel("No conflicts")
        layout.addWidget(self.summary)
        self.list = QListWidget(self)
        self.list.itemActivated.connect(lambda _item: self.open_resolver())
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.resolve_button = QPushButton("Resolve…", self)
        self.resolve_button.clicked.connect(self.open_resolver)
        self.open_button = QPushButton("Open story", self)
        self.open_button.clicked.connect(self._open_story)
        row.addWidget(self.resolve_button)
        row.addWidget(self.open_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.dialog: ConflictResolver | None = None
        self._update_buttons()

    def refresh(self) -> None:
        """Reload the list (on a worker thread)."""
        store = self.host.store

        def work(_ctx: Any) -> list[ConflictView]:
            with store.reading() as session:
                return list_conflicts(session)

        self.host.run_op(work).success(self._show).run()

    def _show(self, views: list[ConflictView]) -> None:
        self.views = views
        self.list.clear()
        for view in views:
            fields = ", ".join(LABELS.get(f, f) for f in view.fields)
            item = QListWidgetItem(f"⚠ {view.headline}  —  {fields}")
            item.setData(Qt.ItemDataRole.UserRole, view.story_id)
            self.list.addItem(item)
        if views:
            self.list.setCurrentRow(0)
        count = len(views)
        dock = self.parentWidget()
        if views and isinstance(dock, QDockWidget) and dock.isHidden():
            dock.show()  # a new conflict needs a choice: bring the list into view
        self.summary.setText(
            ("1 story edited in two places needs a choice" if count == 1 else
             f"{count} stories edited in two places need a choice") if count else "No conflicts")
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = bool(self.views)
        self.resolve_button.setEnabled(has)
        self.open_button.setEnabled(has)

    def _current(self) -> ConflictView | None:
        row = self.list.currentRow()
        return self.views[row] if 0 <= row < len(self.views) else None

    def _open_story(self) -> None:
        view = self._current()
        if view is not None:
            self.host.show_story_by_id(view.story_id)

    def open_resolver(self) -> ConflictResolver | None:
        """Open the resolver for the selected conflict; returns the dialog."""
        view = self._current()
        if view is None:
            return None
        dialog = ConflictResolver(view, self.host.zone(), self)
        dialog.accepted.connect(lambda: self._resolve(view, dialog.result_document()))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _resolve(self, view: ConflictView, document: StoryDocument) -> None:
        store, actor = self.host.store, self.host.actor

        def work(_ctx: Any) -> str:
            with store.session() as session:
                return resolve(session, actor, view.story_id, document)

        def done(_rev: str) -> None:
            self.host.show_message(f"Resolved: {view.headline} (sync to share it)")
            self.resolved.emit(view.story_id)
            self.host.events.stories_changed.emit()
            self.refresh()

        def failed(exc: BaseException) -> None:
            message = str(exc) if isinstance(exc, (NewsroomError, UsageError)) else repr(exc)
            self.host.show_message(f"Could not resolve: {message}", 10000)
            self.refresh()

        self.host.run_op(work).success(done).failure(failed).run()


class ConflictNotice(QWidget):
    """An inspector pane: whether the open story is in conflict, with a Resolve button."""

    def __init__(self, panel: ConflictsPanel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self._story_id: str | None = None
        layout = QVBoxLayout(self)
        self.label = QLabel("", self)
        self.label.setObjectName("conflictNotice")
        self.label.setWordWrap(True)
        self.button = QPushButton("Resolve…", self)
        self.button.clicked.connect(self._resolve)
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        panel.list.model().modelReset.connect(self._update)
        panel.list.model().rowsInserted.connect(self._update)
        panel.list.model().rowsRemoved.connect(self._update)
        self._update()

    def view(self) -> ConflictView | None:
        """The open story's conflict, if it has one."""
        return next((v for v in self.panel.views if v.story_id == self._story_id), None)

    def show_story(self, story: Any) -> None:
        """Follow the open story (an ``OpenStory`` or None)."""
        self._story_id = story.document.story_id if story is not None else None
        self._update()

    def _update(self, *_: object) -> None:
        view = self.view()
        if view is None:
            self.label.setText("No sync conflict on this story.")
            self.button.hide()
            return
        fields = ", ".join(LABELS.get(f, f) for f in view.fields)
        self.label.setText(f"⚠ Edited here and elsewhere in ways that clash ({fields}). "
                           "You see your version; the other is kept whole until you choose.")
        self.button.show()

    def _resolve(self) -> None:
        view = self.view()
        if view is not None:
            self.panel.list.setCurrentRow(self.panel.views.index(view))
            self.panel.open_resolver()


def install(host: Any) -> None:
    """Add the Conflicts dock (refreshed after every sync), a Sync inspector tab, an action."""
    panel = ConflictsPanel(host)
    host.add_dock("conflicts", "Conflicts", panel, Qt.DockWidgetArea.RightDockWidgetArea)
    host.events.stories_changed.connect(panel.refresh)
    notice = ConflictNotice(panel)
    host.add_inspector_tab("sync", "Sync", notice)

    def opened(story: Any) -> None:
        if story is not None and notice.view() is not None:
            host.show_message("This story was edited in two places: see Conflicts", 8000)

    host.events.story_opened.connect(opened)
    action = QAction("Resolve Conflicts…", panel)
    action.triggered.connect(panel.open_resolver)
    host.add_menu_action("Story", action)
    panel.refresh()


__all__: list[str] = ["ConflictNotice", "ConflictResolver", "ConflictsPanel", "FieldChooser",
                      "install"]
