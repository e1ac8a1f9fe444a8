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
from sqlalchemy.orm import Session

from cms import stories
from cms.blobs import blob_bytes
from cms.document import PhotoRef
from cms.errors import NewsroomError
from cms.store import Store
from cms.timeutil import format_local
from ui.ops import Latest, QueryOp, describe_error
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
        self._thumbs: dict[str, QPixmap | None] = {}
        self._reads = Latest()

    def show_story(self, story: OpenStory | None) -> None:
        """List the open story's photos (reloaded only when they changed)."""
        photos = story.document.photos if story else ()
        if self._shown == photos and self._layout.count():
            return
        self._shown = photos
        self._reads.forget()
        _clear(self._layout)
        if story is None:
            return
        if not photos:
            self._layout.addWidget(_note("No photos on this story.", self))
            return
        missing = [photo.sha256 for photo in photos if photo.sha256 not in self._thumbs]
        if not missing:
            self._fill(photos)
            return
        store = self._store

        def query(session: Session) -> dict[str, bytes | None]:
            return {sha256: _blob(session, sha256) for sha256 in missing}

        def loaded(data: dict[str, bytes | None]) -> None:
            for sha256, blob in data.items():
                if blob is not None:  # one not in the store yet is read again next time
                    self._thumbs[sha256] = self._scaled(blob)
            self._fill(photos)

        self._layout.addWidget(_note("Reading the photos…", self))
        self._reads.run(QueryOp(self, store, query), loaded,
                        lambda exc: self._failed(describe_error(exc)))

    def loaded(self) -> bool:
        """True once the open story's photos are shown (their thumbnails read)."""
        return not self._reads.pending()

    def _failed(self, message: str) -> None:
        _clear(self._layout)
        self._layout.addWidget(_note(f"Could not read the photos: {message}", self))

    def _fill(self, photos: tuple[PhotoRef, ...]) -> None:
        _clear(self._layout)
        for photo in photos:
            row = QFrame(self)
            row.setFrameShape(QFrame.Shape.StyledPanel)
            line = QHBoxLayout(row)
            thumb = QLabel(row)
            thumb.setFixedWidth(THUMB_WIDTH)
            thumb.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            pixmap = self._thumbs.get(photo.sha256)
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

    def _scaled(self, data: bytes) -> QPixmap | None:
        pixmap = QPixmap()
        if not pixmap.loadFromData(data):
            return None
        ratio = self.devicePixelRatioF()
        scaled = pixmap.scaledToWidth(round(THUMB_WIDTH * ratio),
                                      Qt.TransformationMode.SmoothTransformation)
        scaled.setDevicePixelRatio(ratio)
        return scaled


def _blob(session: Session, sha256: str) -> bytes | None:
    try:
        return blob_bytes(session, sha256)
    except NewsroomError:
        return None  # not in the store (yet): shown as missing


class ReadNextPane(QWidget):
    """The story's "Read next" links in order, with their visibility windows."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("readNextPane")
        self._store = store
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._shown: object = None
        self._reads = Latest()

    def show_story(self, story: OpenStory | None) -> None:
        """List the open story's links."""
        key = (story.document.related, story.zone.key) if story else None
        if key == self._shown and self._layout.count():
            return
        self._shown = key
        self._reads.forget()
        _clear(self._layout)
        if story is None:
            return
        links = story.document.related
        if not links:
            self._layout.addWidget(_note('No "Read next" links on this story.', self))
            return
        ids = [link.target_story_id for link in links if link.target_story_id]
        if not ids:
            self._fill(story, {})
            return
        self._layout.addWidget(_note("Reading the linked stories…", self))

        def query(session: Session) -> dict[str, tuple[str, str, datetime | None]]:
            return {row.id: (row.headline, row.status, row.publish_at)
                    for row in stories.summaries(session, ids)}

        def failed(exc: BaseException) -> None:
            _clear(self._layout)
            self._layout.addWidget(_note(f"Could not read the linked stories: "
                                         f"{describe_error(exc)}", self))

        self._reads.run(QueryOp(self, self._store, query),
                        lambda targets: self._fill(story, targets), failed)

    def loaded(self) -> bool:
        """True once the open story's links are shown (their targets read)."""
        return not self._reads.pending()

    def _fill(self, story: OpenStory,
              targets: dict[str, tuple[str, str, datetime | None]]) -> None:
        _clear(self._layout)
        for number, link in enumerate(story.document.related, 1):
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
