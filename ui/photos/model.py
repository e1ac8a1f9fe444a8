"""The photo strip: a list model of a story's placements and a delegate that draws badges.

Rows are the story's :class:`~cms.document.PhotoRef` values in order. The
model never changes the story itself: a drag inside the list asks for a new
order (``reorder_requested``), files dragged in from the file manager ask to
be attached (``files_dropped``), and dragging a photo out carries its figure
line (``![[photo:…]]``) as text, so dropping it into the editor places it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QWidget

from cms.document import PhotoRef
from cms.figures import figure_markup
from cms.placements import placement_problems
from ui.photos.thumbs import ThumbnailLoader

PLACEMENT_MIME = "application/x-newsroom-placement"
ICON_SIZE = 96
CAPTION_CHARS = 60
ProblemsRole = Qt.ItemDataRole.UserRole + 1
PlacementIdRole = Qt.ItemDataRole.UserRole + 2
Sha256Role = Qt.ItemDataRole.UserRole + 3
Index = QModelIndex | QPersistentModelIndex


def local_image_paths(mime: QMimeData) -> list[Path]:
    """The local files a drag or paste carries (the file manager sends URLs)."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class PhotoListModel(QAbstractListModel):
    """A story's photos, with thumbnails from a :class:`ThumbnailLoader`."""

    reorder_requested = Signal(list)  # placement ids in the new order
    files_dropped = Signal(list)  # list[Path]

    def __init__(self, loader: ThumbnailLoader, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._photos: tuple[PhotoRef, ...] = ()
        self._loader = loader
        self._pixmaps: dict[str, QPixmap] = {}
        self._placeholders: dict[str, QPixmap] = {}
        loader.ready.connect(self._thumbnail_ready)
        loader.failed.connect(self._thumbnail_ready)

    def set_photos(self, photos: tuple[PhotoRef, ...]) -> None:
        """Show these placements (a reset only when the list itself changed)."""
        if photos == self._photos:
            return
        if [p.id for p in photos] == [p.id for p in self._photos]:
            self._photos = photos  # same rows: words or files changed in place
            if photos:
                self.dataChanged.emit(self.index(0), self.index(len(photos) - 1))
            return
        self.beginResetModel()
        self._photos = photos
        self.endResetModel()

    def photos(self) -> tuple[PhotoRef, ...]:
        """The placements shown, in order."""
        return self._photos

    def placement(self, row: int) -> PhotoRef:
        """The placement in ``row``."""
        return self._photos[row]

    def row_of(self, placement_id: str) -> int:
        """The row showing ``placement_id`` (-1 if none)."""
        return next((i for i, p in enumerate(self._photos) if p.id == placement_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._photos)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._photos):
            return None
        photo = self._photos[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            first = photo.caption.strip().splitlines()[0] if photo.caption.strip() else \
                "(no caption)"
            if len(first) > CAPTION_CHARS:  # keep rows as tall as their thumbnail
                first = first[:CAPTION_CHARS].rsplit(" ", 1)[0] + "…"
            label = "Lead" if photo.role == "lead" else f"Photo {index.row() + 1}"
            return f"{label} · {first}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._pixmap(photo.sha256)
        if role == Qt.ItemDataRole.ToolTipRole:
            missing = placement_problems(photo)
            lines = [f"Missing {m}" for m in missing] or ["Ready: alt text and credit given"]
            error = self._loader.error(photo.sha256)
            if error:
                lines.append(f"Thumbnail unavailable: {error}")
            lines.append(f"Drag into the text to place it: {figure_markup(photo.id)}")
            return "\n".join(lines)
        if role == ProblemsRole:
            return placement_problems(photo)
        if role == PlacementIdRole:
            return photo.id
        if role == Sha256Role:
            return photo.sha256
        return None

    def _pixmap(self, sha256: str) -> QPixmap:
        if sha256 in self._pixmaps:
            return self._pixmaps[sha256]
        image = self._loader.image(sha256)
        if image is None:
            if self._loader.error(sha256):
                return self._placeholder("missing")
            return self._placeholder("…")
        # Twice the logical size with a pixel ratio of 2: sharp on HiDPI, right-sized on 1x.
        pixmap = QPixmap.fromImage(image.scaled(
            ICON_SIZE * 5 // 2, ICON_SIZE * 2, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))
        pixmap.setDevicePixelRatio(2.0)
        self._pixmaps[sha256] = pixmap
        return pixmap

    def _placeholder(self, text: str) -> QPixmap:
        if text not in self._placeholders:
            self._placeholders[text] = placeholder_pixmap(text)
        return self._placeholders[text]

    def _thumbnail_ready(self, sha256: str, *_: object) -> None:
        for row, photo in enumerate(self._photos):
            if photo.sha256 == sha256:
                index = self.index(row)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole,
                                                     Qt.ItemDataRole.ToolTipRole])

    # drag and drop ----------------------------------------------------------------------

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsDropEnabled
        if not index.isValid():
            return base
        return base | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | \
            Qt.ItemFlag.ItemIsDragEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [PLACEMENT_MIME, "text/uri-list"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # type: ignore[override]
        mime = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        ids = [self._photos[r].id for r in rows]
        mime.setData(PLACEMENT_MIME, "\n".join(ids).encode())
        mime.setText("\n\n".join(figure_markup(i) for i in ids))
        return mime

    def canDropMimeData(self, mime: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: Index) -> bool:
        return mime.hasFormat(PLACEMENT_MIME) or bool(local_image_paths(mime))

    def dropMimeData(self, mime: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: Index) -> bool:
        if mime.hasFormat(PLACEMENT_MIME):
            moving = bytes(mime.data(PLACEMENT_MIME).data()).decode().split("\n")
            target = row if row >= 0 else (parent.row() if parent.isValid() else len(self._photos))
            ids = [p.id for p in self._photos]
            before = [i for i in ids[:target] if i not in moving]
            after = [i for i in ids[target:] if i not in moving]
            order = before + [i for i in ids if i in moving] + after
            if order != ids:
                self.reorder_requested.emit(order)
            # False: the story, not the view, moves rows (the view must not delete any).
            return False
        paths = local_image_paths(mime)
        if paths:
            self.files_dropped.emit(paths)
            return True
        return False


class PhotoDelegate(QStyledItemDelegate):
    """Draws each photo with a warning badge when it lacks alt text or credit."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), max(hint.height(), ICON_SIZE + 8))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        missing = index.data(ProblemsRole) or []
        if not missing:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = "No " + " / ".join("alt" if m == "alt text" else m for m in missing)
        font = QFont(option.font)
        font.setBold(True)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
        painter.setFont(font)
        width = painter.fontMetrics().horizontalAdvance(text) + 12
        height = painter.fontMetrics().height() + 4
        rect = QRect(option.rect.left() + 4, option.rect.bottom() - height - 4, width, height)
        painter.setBrush(QColor("#c62828"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(rect, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "⚠ " + text)
        painter.restore()


def placeholder_pixmap(text: str = "…") -> QPixmap:
    """A grey tile shown while a thumbnail loads (or when it cannot be made)."""
    pixmap = QPixmap(ICON_SIZE * 5 // 4, ICON_SIZE)
    pixmap.fill(QColor("#9e9e9e"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("white"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap
