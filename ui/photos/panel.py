"""The photo panel: the open story's photos, their words, and attaching new ones.

An inspector tab (installed through :mod:`ui.window.extensions`). Thumbnails load on
worker threads (:mod:`ui.photos.thumbs`); files are verified, hashed, read for
metadata and stored on a worker too (``host.run_op``, :mod:`ui.photos.attach`),
with the decoding itself in helper processes (:mod:`ui.photos.workers`), so a
24-megapixel JPEG never freezes the window. Every change — caption, credit, alt text, lead,
order, replace, remove, attach — is applied to the open story with
``host.change_story(photos=…)``: the same journal, autosave and conflict
handling as typing in the editor. The changes themselves are the core's
pure functions in :mod:`cms.placements`.

Photos come in by the "Add photos…" button (a file dialog), by dragging
files from the file manager onto the panel, and by pasting (Ctrl+V in the
photo list): files, raw image data, or a copied picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QItemSelectionModel,
    QMimeData,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cms.document import PhotoRef, StoryDocument, normalise_line, normalise_text
from cms.errors import NewsroomError
from cms.figures import figure_markup
from cms.media import format_size
from cms.placements import (
    in_order,
    moved,
    placement_problems,
    with_words,
    without,
)
from cms.thumbcache import ThumbnailCache
from ui.photos.attach import (
    FILE_FILTER,
    Source,
    Verified,
    merge_verified,
    sources_from_mime,
    verify_and_store,
)
from ui.photos.model import ICON_SIZE, PhotoDelegate, PhotoListModel, local_image_paths
from ui.photos.thumbs import ThumbnailLoader
from ui.photos.workers import warm_up
from ui.window.extensions import OpenStory, WindowHost

WARM_UP_DELAY_MS = 1500
PRIVATE_LABELS = {"gps": "a GPS location", "body_serial": "a camera serial number",
                  "lens_serial": "a lens serial number"}


class PhotoPanel(QWidget):
    """Inspector tab: thumbnails with badges, caption/credit/alt fields, attach and order."""

    def __init__(self, host: WindowHost, cache: ThumbnailCache | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoPanel")
        self.setAcceptDrops(True)
        self._host = host
        self._cache = cache or ThumbnailCache()
        self._story: OpenStory | None = None
        self._filling = False
        self._retry: list[Source] = []
        self.loader = ThumbnailLoader(host.store, self._cache, parent=self)
        self.model = PhotoListModel(self.loader, self)
        self.model.reorder_requested.connect(self._reorder)
        self.model.files_dropped.connect(self.attach)
        self.loader.ready.connect(self._thumbnail_ready)
        self._build()
        self._show_selected()
        # Start the decoding helpers while nobody waits for a thumbnail.
        QTimer.singleShot(WARM_UP_DELAY_MS, warm_up)

    # building -------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel(self)
        self.summary.setObjectName("photoSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.list = QListView(self)
        self.list.setObjectName("photoList")
        self.list.setModel(self.model)
        self.list.setItemDelegate(PhotoDelegate(self.list))
        self.list.setIconSize(QSize(ICON_SIZE * 5 // 4, ICON_SIZE))
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(True)  # rows are as tall as a thumbnail: measure one
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setDropIndicatorShown(True)
        self.list.setMinimumHeight(ICON_SIZE * 2 + 40)  # two photos at a glance
        self.list.selectionModel().currentChanged.connect(lambda *_: self._show_selected())
        self.paste_action = QAction("Paste photo", self.list)
        self.paste_action.setShortcut(QKeySequence.StandardKey.Paste)
        self.paste_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.paste_action.triggered.connect(lambda: self.paste())
        self.list.addAction(self.paste_action)
        for keys, slot in ((QKeySequence.StandardKey.Delete, self.remove_selected),
                           (QKeySequence("Ctrl+Up"), lambda: self._move(-1)),
                           (QKeySequence("Ctrl+Down"), lambda: self._move(1))):
            action = QAction(self.list)
            action.setShortcut(keys)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.list.addAction(action)
        layout.addWidget(self.list)

        # Two short rows: the inspector is narrow.
        first, second = QHBoxLayout(), QHBoxLayout()
        self.add_button = self._button("Add photos…", "Attach photo files (or drop them here)",
                                       self.add_photos_dialog, first)
        self.remove_button = self._button("Remove", "Take the photo off the story",
                                          self.remove_selected, first)
        self.up_button = self._button("↑", "Move up", lambda: self._move(-1), second)
        self.down_button = self._button("↓", "Move down", lambda: self._move(1), second)
        self.replace_button = self._button("Replace…", "Swap the file, keep the words",
                                           self.replace_dialog, second)
        for small in (self.up_button, self.down_button):
            small.setMaximumWidth(40)
        layout.addLayout(first)
        layout.addLayout(second)

        self.message = QLabel(self)
        self.message.setObjectName("photoMessages")
        self.message.setWordWrap(True)
        self.message.hide()
        layout.addWidget(self.message)
        self.retry_button = QPushButton("Attach without the unreadable metadata", self)
        self.retry_button.setObjectName("photoRetry")
        self.retry_button.hide()
        self.retry_button.clicked.connect(self._retry_without_metadata)
        layout.addWidget(self.retry_button)

        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)  # labels above fields
        self.caption_edit = QPlainTextEdit(self)
        self.caption_edit.setObjectName("photoCaption")
        self.caption_edit.setPlaceholderText("What the photo shows, in this story's words")
        self.caption_edit.setFixedHeight(96)
        self.credit_edit = QLineEdit(self)
        self.credit_edit.setObjectName("photoCredit")
        self.credit_edit.setPlaceholderText("Photographer / agency (required)")
        self.alt_edit = QPlainTextEdit(self)
        self.alt_edit.setObjectName("photoAlt")
        self.alt_edit.setPlaceholderText("Describe the picture for readers who cannot see it "
                                         "(required)")
        self.alt_edit.setFixedHeight(56)
        self.lead_check = QCheckBox("Lead photo (above the headline)", self)
        self.lead_check.setObjectName("photoLead")
        form.addRow("Caption", self.caption_edit)
        form.addRow("Credit", self.credit_edit)
        form.addRow("Alt text", self.alt_edit)
        form.addRow("", self.lead_check)
        layout.addLayout(form)
        self.figure_label = QLabel(self)
        self.figure_label.setObjectName("photoFigure")
        self.figure_label.setWordWrap(True)
        self.figure_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.figure_label)
        self.info = QLabel(self)
        self.info.setObjectName("photoInfo")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.caption_edit.textChanged.connect(self._words_edited)
        self.credit_edit.textEdited.connect(self._words_edited)
        self.alt_edit.textChanged.connect(self._words_edited)
        self.lead_check.toggled.connect(self._words_edited)

    def _button(self, text: str, tip: str, slot: object, row: QHBoxLayout) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        row.addWidget(button)
        return button

    # following the open story ------------------------------------------------------

    def show_story(self, story: OpenStory | None) -> None:
        """Show the open story's photos (keeping the selection and the fields being typed)."""
        switched = (story and story.document.story_id) != (
            self._story and self._story.document.story_id)
        self._story = story
        selected = None if switched else self.selected_id()
        if switched:
            self._set_message("")
            self._retry = []
            self.retry_button.hide()
        self.model.set_photos(story.document.photos if story else ())
        for photo in story.document.photos if story else ():
            self.loader.request(photo.sha256)  # all of them, not only the rows in view
        self._select(selected if selected and self.model.row_of(selected) >= 0 else None)
        self._update_summary()
        self.add_button.setEnabled(story is not None)

    def _document(self) -> StoryDocument | None:
        story = self._host.open_story()
        return story.document if story else None

    def _apply(self, document: StoryDocument, select: str | None = None) -> None:
        """Make ``document``'s photos the open story's (an edit, autosaved)."""
        keep = select or self.selected_id()
        self._host.change_story(photos=document.photos)
        self.show_story(self._host.open_story())
        if keep:
            self._select(keep)

    def selected_id(self) -> str | None:
        """The placement id of the selected photo."""
        index = self.list.currentIndex()
        return self.model.placement(index.row()).id if index.isValid() else None

    def _select(self, placement_id: str | None) -> None:
        row = self.model.row_of(placement_id) if placement_id else (
            0 if self.model.rowCount() else -1)
        if row >= 0:
            self.list.selectionModel().setCurrentIndex(
                self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._show_selected()

    def _selected(self) -> PhotoRef | None:
        index = self.list.currentIndex()
        return self.model.placement(index.row()) if index.isValid() else None

    def _show_selected(self) -> None:
        photo = self._selected()
        for widget in (self.caption_edit, self.credit_edit, self.alt_edit, self.lead_check,
                       self.replace_button, self.remove_button, self.up_button,
                       self.down_button):
            widget.setEnabled(photo is not None)
        self._filling = True
        try:
            if photo is None:
                self.caption_edit.clear()
                self.credit_edit.clear()
                self.alt_edit.clear()
                self.lead_check.setChecked(False)
                self.figure_label.setText("")
                self.info.setText("Drop photo files here, paste one, or use “Add photos…”."
                                  if self._story else "")
                return
            # Only touch a field whose words differ (a saved text is trimmed), so the
            # cursor of someone typing — trailing space included — stays where it is.
            if normalise_text(self.caption_edit.toPlainText()).strip() != \
                    normalise_text(photo.caption).strip():
                self.caption_edit.setPlainText(photo.caption)
            if normalise_line(self.credit_edit.text()) != normalise_line(photo.credit):
                self.credit_edit.setText(photo.credit)
            if normalise_line(self.alt_edit.toPlainText()) != normalise_line(photo.alt):
                self.alt_edit.setPlainText(photo.alt)
            self.lead_check.setChecked(photo.role == "lead")
            self.figure_label.setText(
                f"Place it in the text with <code>{figure_markup(photo.id)}</code> on a line "
                "of its own (or drag the photo into the editor).")
            self._show_info(photo)
        finally:
            self._filling = False

    def _show_info(self, photo: PhotoRef) -> None:
        facts = self.loader.facts(photo.sha256)
        lines = []
        missing = placement_problems(photo)
        if missing:
            lines.append(f"<b style='color:#c62828'>⚠ Needs {' and '.join(missing)} before the "
                         "story can be ready.</b>")
        if facts is not None:
            meta = facts.meta
            parts = [str(meta.get("original_name") or photo.sha256[:12]),
                     facts.media_type.removeprefix("image/").upper()]
            if facts.width and facts.height:
                parts.append(f"{facts.width} × {facts.height}")
            parts.append(format_size(facts.size))
            parts.extend(str(meta[k]) for k in ("camera", "captured_at") if meta.get(k))
            lines.append(" · ".join(parts))
            private = [PRIVATE_LABELS.get(k, k) for k in meta.get("private", {})]
            if private:
                lines.append(f"The original carries {' and '.join(private)}; it is never "
                             "exported.")
        self.info.setText("<br>".join(lines))

    def _thumbnail_ready(self, sha256: str) -> None:
        photo = self._selected()
        if photo is not None and photo.sha256 == sha256:
            self._show_info(photo)

    def _update_summary(self) -> None:
        shown = self.model.photos()
        if self._story is None:
            self.summary.setText("No story open.")
            return
        lacking = sum(1 for p in shown if placement_problems(p))
        text = f"{len(shown)} photo{'s' if len(shown) != 1 else ''}"
        if lacking:
            text += f" · ⚠ {lacking} need{'s' if lacking == 1 else ''} alt text or a credit"
        self.summary.setText(text)

    # edits -------------------------------------------------------------------------

    def _words_edited(self, *_: object) -> None:
        if self._filling:
            return
        photo, document = self._selected(), self._document()
        if photo is None or document is None:
            return
        try:
            changed = with_words(
                document, photo.id, caption=self.caption_edit.toPlainText(),
                credit=self.credit_edit.text(), alt=self.alt_edit.toPlainText(),
                role="lead" if self.lead_check.isChecked() else (
                    "inline" if photo.role == "lead" else photo.role))
        except NewsroomError as exc:
            self._set_message(str(exc), error=True)
            return
        self._apply(changed, photo.id)

    def _move(self, step: int) -> None:
        photo, document = self._selected(), self._document()
        if photo is None or document is None:
            return
        row = self.model.row_of(photo.id)
        self._apply(moved(document, photo.id, row + 1 + step), photo.id)

    def _reorder(self, order: list[str]) -> None:
        document = self._document()
        if document is not None:
            self._apply(in_order(document, order))

    def remove_selected(self) -> None:
        """Take the selected photo off the story."""
        photo, document = self._selected(), self._document()
        if photo is None or document is None:
            return
        changed, notes = without(document, photo.id)
        self._apply(changed)
        self._set_message(" ".join(["Photo removed.", *notes]))

    # attaching ---------------------------------------------------------------------

    def add_photos_dialog(self) -> None:
        """Ask for photo files and attach them."""
        names, _ = QFileDialog.getOpenFileNames(self, "Add photos", "", FILE_FILTER)
        if names:
            self.attach([Path(n) for n in names])

    def replace_dialog(self) -> None:
        """Ask for a file to show instead of the selected photo."""
        photo = self._selected()
        if photo is None:
            return
        name, _ = QFileDialog.getOpenFileName(self, "Replace photo", "", FILE_FILTER)
        if name:
            self.attach([Path(name)], replace=photo.id)

    def attach(self, sources: Sequence[Source], *, replace: str | None = None,
               ignore_bad_metadata: bool = False) -> None:
        """Verify and store photos on a worker, then add them to the open story."""
        story = self._story
        if story is None or not sources:
            return
        story_id = story.document.story_id
        self._set_message(f"Checking {len(sources)} photo{'s' if len(sources) > 1 else ''}…")
        self.retry_button.hide()
        title = "Adding photos" if len(sources) > 1 else None
        op = self._host.run_op(
            lambda ctx: verify_and_store(self._host, self._cache, list(sources),
                                         ignore_bad_metadata, ctx), title=title)
        op.success(lambda result: self._attached(story_id, result, replace))
        op.failure(lambda exc: self._set_message(f"Photos not attached: {exc}", error=True))
        op.run()

    def _attached(self, story_id: str, result: Verified, replace: str | None) -> None:
        document = self._document()
        if document is None or document.story_id != story_id:
            self._set_message("The story was closed before the photos were checked; open it "
                              "and add them again.", error=True)
            return
        document, last, notes, errors = merge_verified(document, result, replace)
        if last is not None:
            self._apply(document, last)
        added = len(result.infos) - (len(errors) - len(result.errors))
        head = f"Added {added} photo{'s' if added != 1 else ''}." if replace is None and added \
            else ""
        sentences = [t if t.endswith((".", "!", "?", ")")) else t + "."
                     for t in (head, *notes, *errors) if t]
        self._set_message(" ".join(sentences), error=bool(errors))
        self._retry = list(result.bad_metadata)
        self.retry_button.setVisible(bool(self._retry))

    def _retry_without_metadata(self) -> None:
        sources, self._retry = self._retry, []
        self.retry_button.hide()
        self.attach(sources, ignore_bad_metadata=True)

    def paste(self, mime: QMimeData | None = None) -> None:
        """Attach what the clipboard (or ``mime``) holds: files, image data or a picture."""
        mime = mime or QGuiApplication.clipboard().mimeData()
        sources = sources_from_mime(mime)
        if sources:
            self.attach(sources)
        else:
            self._set_message("The clipboard holds no photo to attach.", error=True)

    def _set_message(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #c62828;" if error else "")
        self.message.setVisible(bool(text))

    # drops onto the panel (the list handles its own) ----------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._story is not None and local_image_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._story is not None and local_image_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_image_paths(event.mimeData())
        if self._story is not None and paths:
            event.acceptProposedAction()
            self.attach(paths)


def install(host: WindowHost) -> None:
    """Replace the window's read-only photos tab with this panel, and add a menu action."""
    panel = PhotoPanel(host)
    host.add_inspector_tab("photos", "Photos", panel)
    action = QAction("Add Photos…", panel)
    action.setShortcut(QKeySequence("Ctrl+Shift+P"))
    action.triggered.connect(panel.add_photos_dialog)
    host.add_menu_action("Story", action)
