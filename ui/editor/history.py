"""The history dialog: a story's revisions, a readable diff of any two, and restore."""

from __future__ import annotations

from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from cms import stories
from cms.diff import StoryDiff, changed_fields, diff_documents
from cms.document import StoryDocument
from cms.people import Actor
from cms.revisions import RevisionInfo, load_document, story_revisions
from cms.store import Store
from cms.stories import SavedStory
from cms.timeutil import format_local
from ui.ops import Latest, Op, OpContext, QueryOp

Index = QModelIndex | QPersistentModelIndex
SUMMARY_LIMIT = 300


class RevisionsModel(QAbstractTableModel):
    """Revisions newest first: time (desk zone), author, what changed, message, id."""

    HEADERS = ("Time", "Author", "Changed", "Note", "Revision")

    def __init__(self, zone: ZoneInfo, parent: Any = None) -> None:
        super().__init__(parent)
        self._zone = zone
        self._rows: list[tuple[RevisionInfo, str]] = []

    def set_revisions(self, rows: list[tuple[RevisionInfo, str]]) -> None:
        """Show ``(revision, change summary)`` rows."""
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def revision(self, row: int) -> RevisionInfo:
        """The revision in ``row``."""
        return self._rows[row][0]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.HEADERS)):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        info, summary = self._rows[index.row()]
        return (
            format_local(info.created_at, self._zone, "%Y-%m-%d %H:%M:%S"),
            info.author,
            summary,
            info.message,
            info.short,
        )[index.column()]


def diff_html(diff: StoryDiff) -> str:
    """A diff as readable HTML: changed fields old → new, then the body line by line."""
    if diff.empty:
        return "<p><i>No differences.</i></p>"
    parts = []
    if diff.fields:
        parts.append("<table cellpadding='3'><tr><th align='left'>Field</th>"
                     "<th align='left'>Before</th><th align='left'>After</th></tr>")
        for change in diff.fields:
            parts.append(
                f"<tr><td><b>{escape(change.name)}</b></td>"
                f"<td style='background:#fbe3e4;color:#6b1a1d'>{escape(_show(change.old))}</td>"
                f"<td style='background:#e2f5e6;color:#124d22'>{escape(_show(change.new))}</td>"
                "</tr>"
            )
        parts.append("</table>")
    for item in diff.items:
        what = item.new or item.old or {}
        label = what.get("caption") or what.get("label") or what.get("url") or item.id
        parts.append(f"<p>{escape(item.kind)} {escape(item.change)}: {escape(str(label))}</p>")
    if diff.body:
        lines = []
        for line in diff.body[2:]:  # skip the ---/+++ file header
            text = escape(line)
            if line.startswith("+"):
                lines.append(f"<span style='background:#e2f5e6;color:#124d22'>{text}</span>")
            elif line.startswith("-"):
                lines.append(f"<span style='background:#fbe3e4;color:#6b1a1d'>{text}</span>")
            elif line.startswith("@@"):
                lines.append(f"<span style='color:#6a6f76'>{text}</span>")
            else:
                lines.append(text)
        parts.append("<pre style='white-space:pre-wrap'>" + "\n".join(lines) + "</pre>")
    return "".join(parts)


def _document(session: Session, docs: dict[str, StoryDocument], rev_id: str
              ) -> StoryDocument:
    """``rev_id``'s document, read once into ``docs`` (revisions never change)."""
    if rev_id not in docs:
        docs[rev_id] = load_document(session, rev_id)
    return docs[rev_id]


def _show(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


class HistoryDialog(QDialog):
    """Pick one revision to see what it changed, or two to compare; restore any."""

    restored = Signal(str)  # the new head revision id

    def __init__(self, store: Store, actor: Actor, story_id: str, zone: ZoneInfo,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle("History")
        self.resize(980, 640)
        self._store = store
        self._actor = actor
        self._story_id = story_id
        self._docs: dict[str, StoryDocument] = {}
        self._reads = Latest()
        self._diff_shown = Latest()
        self.model = RevisionsModel(zone, self)
        self.table = QTableView(self)
        self.table.setObjectName("revisionTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)  # a time on one line, never broken over two
        self.table.setAccessibleName("Revisions")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.diff_view = QTextBrowser(self)
        self.diff_view.setObjectName("diffView")
        self.diff_view.setAccessibleName("Differences")
        self.hint = QLabel("Select one revision to see what it changed, or two to compare "
                           "them (Ctrl+click).", self)
        self.hint.setWordWrap(True)
        self.restore_button = QPushButton("Restore this version", self)
        self.restore_button.setObjectName("restoreButton")
        self.restore_button.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.diff_view)
        split.setSizes([220, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._show_diff())
        self.restore_button.clicked.connect(self.restore_selected)
        self.load()

    def loaded(self) -> bool:
        """True once the revisions read last are shown."""
        return not self._reads.pending()

    def load(self) -> None:
        """Read the revisions (and what each changed) from the store, on a worker."""
        story_id, known = self._story_id, dict(self._docs)

        def query(session: Session) -> tuple[list[tuple[RevisionInfo, str]],
                                             dict[str, StoryDocument]]:
            docs = dict(known)
            rows: list[tuple[RevisionInfo, str]] = []
            for position, info in enumerate(story_revisions(session, story_id)):
                if position >= SUMMARY_LIMIT:
                    rows.append((info, ""))
                    continue
                doc = _document(session, docs, info.id)
                parent = _document(session, docs, info.parents[0]) if info.parents else None
                rows.append((info, ", ".join(changed_fields(parent, doc)) or "nothing"))
            return rows, docs

        def show(answer: tuple[list[tuple[RevisionInfo, str]], dict[str, StoryDocument]]
                 ) -> None:
            rows, docs = answer
            self._docs.update(docs)
            self.model.set_revisions(rows)
            if rows:
                self.table.selectRow(0)

        self._reads.run(QueryOp(self, self._store, query), show)

    def selected_rows(self) -> list[int]:
        """Selected revision rows, newest first."""
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def _show_diff(self) -> None:
        rows = self.selected_rows()
        self.restore_button.setEnabled(len(rows) == 1 and rows[0] != 0)
        if not rows:
            self._diff_shown.forget()  # a diff still being read must not fill it again
            self.diff_view.clear()
            return
        newer = self.model.revision(rows[0])
        older = self.model.revision(rows[-1]) if len(rows) >= 2 else None
        wanted = [newer.id] + ([older.id] if older is not None else list(newer.parents[:1]))
        missing = [rev_id for rev_id in wanted if rev_id not in self._docs]
        if not missing:
            self._diff_shown.forget()
            self._show_diff_of(newer, older)
            return
        known = dict(self._docs)

        def query(session: Session) -> dict[str, StoryDocument]:
            docs = dict(known)
            for rev_id in missing:
                _document(session, docs, rev_id)
            return docs

        def show(docs: dict[str, StoryDocument]) -> None:
            self._docs.update(docs)
            self._show_diff_of(newer, older)

        self._diff_shown.run(QueryOp(self, self._store, query), show)

    def _show_diff_of(self, newer: RevisionInfo, older: RevisionInfo | None) -> None:
        new_doc = self._docs[newer.id]
        if older is not None:
            old_doc: StoryDocument | None = self._docs[older.id]
            title = f"Changes from {older.short} to {newer.short}"
        elif newer.parents:
            old_doc = self._docs[newer.parents[0]]
            title = f"What {newer.short} changed"
        else:
            old_doc = None
            title = f"{newer.short} created the story"
        if old_doc is None:
            body = f"<p>Headline: <b>{escape(new_doc.headline)}</b></p>"
        else:
            body = diff_html(diff_documents(old_doc, new_doc))
        self.diff_view.setHtml(f"<h3>{escape(title)}</h3>{body}")

    def restore_selected(self) -> None:
        """Make the selected revision current again, as a new revision."""
        rows = self.selected_rows()
        if len(rows) != 1:
            return
        target = self.model.revision(rows[0])
        store, actor, story_id = self._store, self._actor, self._story_id

        def work(_ctx: OpContext) -> SavedStory:
            with store.session() as session:
                return stories.restore(session, actor, story_id, target.id)

        def done(saved: SavedStory) -> None:
            self.load()
            self.restored.emit(saved.revision_id)

        self.restore_button.setEnabled(False)
        Op(self, work, title="Restoring").success(done).run()
