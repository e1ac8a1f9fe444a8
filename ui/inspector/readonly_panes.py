"""Read-only inspector panes for photos and "Read next" links.

They show what the story holds until the photo and related-links features
replace them (through ``ui.window.extensions``) with editors under the same keys.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from cms import stories
from cms.blobs import blob_bytes
from cms.errors import NewsroomError
from cms.store import Store
from cms.timeutil import format_local
from ui.window.extensions import OpenStory

THUMB_WIDTH = 96


def _clear(layout: QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


def _note(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


class PhotosPane(QWidget):
    """The story's photos: thumbnail, caption, credit and alt text."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photosPane")
        self._store = store
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._shown: tuple[object, ...] | None = None
        self._thumbs: dict[str, QPixmap] = {}

    def show_story(self, story: OpenStory | None) -> None:
        """List the open story's photos (reloaded only when they changed)."""
        photos = story.document.photos if story else ()
        if self._shown == photos and self._layout.count():
            return
        self._shown = photos
        _clear(self._layout)
        if story is None:
            return
        if not photos:
            self._layout.addWidget(_note("No photos on this story.", self))
            return
        for photo in photos:
            row = QFrame(self)
            row.setFrameShape(QFrame.Shape.StyledPanel)
            line = QHBoxLayout(row)
            thumb = QLabel(row)
            thumb.setFixedWidth(THUMB_WIDTH)
            thumb.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            pixmap = self._thumb(photo.sha256)
            if pixmap is None:
                thumb.setText("(missing)")
            else:
                thumb.setPixmap(pixmap)
            text = QLabel(row)
            text.setWordWrap(True)
            text.setTextFormat(Qt.TextFormat.RichText)
            text.setText(
                f"<b>{escape(photo.role.capitalize())}</b><br>{escape(photo.caption)}"
                f"<br><i>Credit: {escape(photo.credit or '—')}</i>"
                f"<br><small>Alt: {escape(photo.alt or '— (missing)')}</small>"
            )
            line.addWidget(thumb)
            line.addWidget(text, 1)
            self._layout.addWidget(row)
        self._layout.addWidget(_note("Photos are read-only here.", self))

    def _thumb(self, sha256: str) -> QPixmap | None:
        if sha256 in self._thumbs:
            return self._thumbs[sha256]
        try:
            with self._store.reading() as session:
                data = blob_bytes(session, sha256)
        except NewsroomError:
            return None
        pixmap = QPixmap()
        if not pixmap.loadFromData(data):
            return None
        ratio = self.devicePixelRatioF()
        scaled = pixmap.scaledToWidth(round(THUMB_WIDTH * ratio),
                                      Qt.TransformationMode.SmoothTransformation)
        scaled.setDevicePixelRatio(ratio)
        self._thumbs[sha256] = scaled
        return scaled


class ReadNextPane(QWidget):
    """The story's "Read next" links in order, with their visibility windows."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readNextPane")
        self._store = store
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._shown: object = None

    def show_story(self, story: OpenStory | None) -> None:
        """List the open story's links."""
        key = (story.document.related, story.zone.key) if story else None
        if key == self._shown and self._layout.count():
            return
        self._shown = key
        _clear(self._layout)
        if story is None:
            return
        links = story.document.related
        if not links:
            self._layout.addWidget(_note('No "Read next" links on this story.', self))
            return
        targets = self._targets([link.target_story_id for link in links
                                 if link.target_story_id])
        for number, link in enumerate(links, 1):
            if link.target_story_id:
                headline, status, publish_at = targets.get(
                    link.target_story_id, ("(story not found)", "", None))
                where = f"{escape(headline)} <small>({escape(status)}"
                where += f", {format_local(publish_at, story.zone)})</small>" if publish_at \
                    else ")</small>"
            else:
                where = f"<small>{escape(link.url or '')}</small>"
            window = ""
            if link.visible_from or link.visible_until:
                start = format_local(link.visible_from, story.zone) or "…"
                end = format_local(link.visible_until, story.zone) or "…"
                window = f"<br><small>Visible {start} – {end}</small>"
            label = QLabel(self)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setText(f"<b>{number}. {escape(link.label or '(no label)')}</b><br>"
                          f"{where}{window}")
            self._layout.addWidget(label)
        self._layout.addWidget(_note(f"Times in {story.zone.key}. Links are read-only here.",
                                     self))

    def _targets(self, ids: list[str]) -> dict[str, tuple[str, str, datetime | None]]:
        if not ids:
            return {}
        try:
            with self._store.reading() as session:
                rows = stories.summaries(session, ids)
        except NewsroomError:
            return {}
        return {row.id: (row.headline, row.status, row.publish_at) for row in rows}
