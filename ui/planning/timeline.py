"""The planning timeline: days side by side, hours down, one chip per story.

A custom-painted widget, because a week can hold thousands of stories: the
layout (which column, which lane, the elided label) is computed once when the
plan or the size changes, and painting only fills rectangles and draws the
cached text for the chips inside the exposed area.

Times are placed by their wall-clock time in the desk zone, so a story at
18:00 sits at 18:00 on every day, DST or not. Dragging a chip and dropping it
asks for a new wall-clock time (``reschedule_requested``), snapped to five
minutes; turning that into an instant (refusing a time the clocks skip,
asking about one that happens twice) is the planning view's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFontMetricsF,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QToolTip, QWidget

from ui.refguard import painting

HOUR_PX = 44
HEADER_PX = 8  # room above midnight for the first hour label
DAY_HEADER_PX = 26
GUTTER_PX = 44
CHIP_PX = 16
MIN_COLUMN_PX = 90
SNAP_MINUTES = 5
STORY_MIME = "application/x-newsroom-story-id"  # a story dragged from the shelf
NOW_COLOUR = QColor("#d93025")
COLOURS = {
    "late": QColor("#d93025"),
    "scheduled": QColor("#1a73e8"),
    "published": QColor("#188038"),
    "corrected": QColor("#12827a"),
    "killed": QColor("#5f6368"),
    "other": QColor("#9aa0a6"),
}


@dataclass(frozen=True)
class PlanItem:
    """One story on the timeline."""

    id: str
    headline: str
    section: str | None
    status: str
    publish_at: datetime  # aware UTC
    late: bool

    @property
    def kind(self) -> str:
        """The colour key: late beats status; drafts, edits and ready stories are "other"."""
        if self.late:
            return "late"
        return self.status if self.status in COLOURS else "other"


@dataclass(frozen=True)
class _Chip:
    item: PlanItem
    rect: QRectF
    text: str


def _lanes(entries: list[tuple[float, PlanItem]]) -> list[tuple[float, PlanItem, int, int]]:
    """Side-by-side lanes for overlapping chips: (y, item, lane, lanes in its cluster).

    A cluster is a run of chips that overlap one another in time; its chips
    share the column's width, so a busy hour gets thin chips and a quiet one
    keeps full-width chips with readable labels.
    """
    placed: list[tuple[float, PlanItem, int, int]] = []
    cluster: list[tuple[float, PlanItem, int]] = []
    lane_ends: list[float] = []
    cluster_end = float("-inf")

    def flush() -> None:
        placed.extend((y, item, lane, len(lane_ends)) for y, item, lane in cluster)

    for y, item in sorted(entries, key=lambda entry: (entry[0], entry[1].headline)):
        if cluster and y >= cluster_end:
            flush()
            cluster, lane_ends, cluster_end = [], [], float("-inf")
        lane = next((n for n, end in enumerate(lane_ends) if end <= y), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(0.0)
        lane_ends[lane] = y + CHIP_PX
        cluster_end = max(cluster_end, y + CHIP_PX)
        cluster.append((y, item, lane))
    if cluster:
        flush()
    return placed


class Timeline(QWidget):
    """Day columns by hour rows, one coloured chip per story; drag a chip to move it."""

    reschedule_requested = Signal(str, object)  # story id, naive wall-clock datetime
    story_activated = Signal(str)  # double-click: open the story
    geometry_changed = Signal()  # columns moved: the day header repaints

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planningTimeline")
        self.setMouseTracking(False)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._zone = ZoneInfo("UTC")
        self._days: list[date] = []
        self._items: list[PlanItem] = []
        self._chips: list[_Chip] = []
        self._by_id: dict[str, _Chip] = {}
        self._can_drag = False
        self._fixed: frozenset[str] = frozenset()
        self._drag: _Chip | None = None
        self._drag_from = QPointF()
        self._ghost: QRectF | None = None
        self._laid_out_for: tuple[float, float] | None = None
        self._now: datetime | None = None

    # Data ------------------------------------------------------------------------------

    def set_plan(self, days: list[date], zone: ZoneInfo, items: list[PlanItem],
                 *, can_drag: bool, fixed: frozenset[str] = frozenset()) -> None:
        """Show ``items`` over ``days`` (wall-clock positions in ``zone``).

        ``fixed``: statuses whose stories cannot be dragged to another time (the
        core's public statuses and killed: :attr:`ui.planning.view.Plan.fixed`).
        """
        self._days = list(days)
        self._fixed = fixed
        self._zone = zone
        self._items = list(items)
        self._can_drag = can_drag
        self.setAcceptDrops(can_drag)
        self._laid_out_for = None
        self.updateGeometry()
        self._layout()
        self.update()
        self.geometry_changed.emit()

    def set_now(self, moment: datetime) -> None:
        """Where the now-line goes (an aware time)."""
        self._now = moment
        self.update()

    def now_y(self) -> float | None:
        """The height of the now-line, when today is shown."""
        if self._now is None:
            return None
        local = self._now.astimezone(self._zone)
        if local.date() not in self._days:
            return None
        return HEADER_PX + (local.hour + local.minute / 60) * HOUR_PX

    def items(self) -> list[PlanItem]:
        """The stories shown."""
        return list(self._items)

    def chip_rect(self, story_id: str) -> QRectF | None:
        """Where a story's chip is drawn (for hit tests, accessibility and tests)."""
        chip = self._by_id.get(story_id)
        return QRectF(chip.rect) if chip is not None else None

    def point_for(self, day: date, wall: time) -> QPointF:
        """The point on the timeline for a wall-clock time on ``day`` (for drops)."""
        column = self._days.index(day)
        width = self._column_width()
        x = GUTTER_PX + column * width + width / 2
        return QPointF(x, HEADER_PX + (wall.hour + wall.minute / 60) * HOUR_PX)

    def time_at(self, point: QPointF) -> datetime | None:
        """The wall-clock time (snapped to five minutes) under ``point``, if on a day."""
        if not self._days or point.x() < GUTTER_PX:
            return None
        column = int((point.x() - GUTTER_PX) // self._column_width())
        if not 0 <= column < len(self._days):
            return None
        minutes = (point.y() - HEADER_PX) / HOUR_PX * 60
        snapped = int(round(minutes / SNAP_MINUTES) * SNAP_MINUTES)
        snapped = max(0, min(24 * 60 - SNAP_MINUTES, snapped))
        return datetime.combine(self._days[column], time()) + timedelta(minutes=snapped)

    # Geometry --------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        columns = max(1, len(self._days))
        return QSize(GUTTER_PX + columns * 150, HEADER_PX + 24 * HOUR_PX + 1)

    def minimumSizeHint(self) -> QSize:
        columns = max(1, len(self._days))
        return QSize(GUTTER_PX + columns * MIN_COLUMN_PX, HEADER_PX + 24 * HOUR_PX + 1)

    def _column_width(self) -> float:
        return max(1.0, (self.width() - GUTTER_PX) / max(1, len(self._days)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._layout()
        self.geometry_changed.emit()

    def days(self) -> list[date]:
        """The days shown, left to right."""
        return list(self._days)

    def column_width(self) -> float:
        """The width of one day's column."""
        return self._column_width()

    def zone(self) -> ZoneInfo:
        """The zone the wall-clock positions are in."""
        return self._zone

    def _layout(self) -> None:
        """Chips per column in lanes, so stories at the same time sit side by side."""
        key = (float(self.width()), float(self.height()))
        if key == self._laid_out_for:
            return
        self._laid_out_for = key
        width = self._column_width()
        metrics = QFontMetricsF(self.font())
        column_of = {day: index for index, day in enumerate(self._days)}
        per_column: dict[int, list[tuple[float, PlanItem]]] = {}
        for item in self._items:
            local = item.publish_at.astimezone(self._zone)
            column = column_of.get(local.date())
            if column is None:
                continue
            y = HEADER_PX + (local.hour + local.minute / 60 + local.second / 3600) * HOUR_PX
            per_column.setdefault(column, []).append((y, item))
        chips: list[_Chip] = []
        for column, entries in per_column.items():
            for y, item, lane, lanes in _lanes(entries):
                lane_width = (width - 4) / lanes
                x = GUTTER_PX + column * width + 2 + lane * lane_width
                rect = QRectF(x, y, max(3.0, lane_width - 1), CHIP_PX - 1)
                text = ""
                if rect.width() > 28:
                    text = metrics.elidedText(
                        f"{item.publish_at.astimezone(self._zone):%H:%M} {item.headline}",
                        Qt.TextElideMode.ElideRight, rect.width() - 6)
                chips.append(_Chip(item, rect, text))
        self._chips = chips
        self._by_id = {chip.item.id: chip for chip in chips}

    # Painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        self._layout()
        # Every chip costs one leaking call (rounded rect); the grid and brushes a few more.
        with painting(len(self._chips) + 200):
            self._paint(QRectF(event.rect()))

    def _paint(self, area: QRectF) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(area, palette.base())
        grid = QPen(palette.mid().color())
        grid.setWidthF(0.5)
        painter.setPen(grid)
        width = self._column_width()
        first_hour = max(0, int((area.top() - HEADER_PX) // HOUR_PX))
        last_hour = min(24, int((area.bottom() - HEADER_PX) // HOUR_PX) + 1)
        text_pen = QPen(palette.text().color())
        for hour in range(first_hour, last_hour + 1):
            y = HEADER_PX + hour * HOUR_PX
            painter.drawLine(QPointF(GUTTER_PX, y), QPointF(self.width(), y))
        painter.setPen(text_pen)
        for hour in range(first_hour, min(24, last_hour + 1)):
            y = HEADER_PX + hour * HOUR_PX
            painter.drawText(QRectF(0, y, GUTTER_PX - 6, 16),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                             f"{hour:02d}:00")
        painter.setPen(grid)
        today = datetime.now(self._zone).date()
        for column, day in enumerate(self._days):
            x = GUTTER_PX + column * width
            if day == today:
                painter.fillRect(QRectF(x, HEADER_PX, width, 24 * HOUR_PX),
                                 palette.alternateBase())
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        # Explicit pens and brushes, one brush change per colour: thousands of
        # implicit QColor → QBrush conversions per paint would cost time.
        no_pen = QPen(Qt.PenStyle.NoPen)
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        visible = [chip for chip in self._chips if chip.rect.intersects(area)]
        painter.setPen(no_pen)
        for kind, colour in COLOURS.items():
            painter.setBrush(QBrush(colour))
            for chip in visible:
                if chip.item.kind == kind:
                    painter.drawRoundedRect(chip.rect, 3, 3)
        painter.setPen(QPen(QColor("#ffffff")))
        for chip in visible:
            if chip.text:
                painter.drawText(chip.rect.adjusted(3, 0, -3, 0), align, chip.text)
        self._paint_now(painter)
        if self._ghost is not None:
            ghost = QPen(palette.highlight().color())
            ghost.setWidthF(2)
            ghost.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(ghost)
            painter.setBrush(QBrush(Qt.BrushStyle.NoBrush))
            painter.drawRoundedRect(self._ghost, 3, 3)
        painter.end()

    def _paint_now(self, painter: QPainter) -> None:
        """A red line across today at the current time, with a dot at the hour gutter."""
        y = self.now_y()
        if y is None or self._now is None:
            return
        column = self._days.index(self._now.astimezone(self._zone).date())
        width = self._column_width()
        pen = QPen(NOW_COLOUR)
        pen.setWidthF(2)
        painter.setPen(pen)
        painter.drawLine(QPointF(GUTTER_PX + column * width, y),
                         QPointF(GUTTER_PX + (column + 1) * width, y))
        painter.setBrush(QBrush(NOW_COLOUR))
        painter.drawEllipse(QPointF(GUTTER_PX + column * width, y), 4, 4)

    # Interaction -----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._can_drag and event.mimeData().hasFormat(STORY_MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._can_drag and event.mimeData().hasFormat(STORY_MIME):
            target = self.time_at(event.position())
            self._ghost = None if target is None else QRectF(
                self.point_for(target.date(), target.time()) - QPointF(40, 0),
                QSize(80, CHIP_PX))
            self.update()
            event.setAccepted(target is not None)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._ghost = None
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:
        """A story from the shelf dropped on a day and time: schedule it there."""
        self._ghost = None
        self.update()
        data = event.mimeData()
        target = self.time_at(event.position())
        if not self._can_drag or not data.hasFormat(STORY_MIME) or target is None:
            event.ignore()
            return
        event.acceptProposedAction()
        story_id = bytes(data.data(STORY_MIME).data()).decode("ascii")
        self.reschedule_requested.emit(story_id, target)

    def chip_at(self, point: QPointF) -> PlanItem | None:
        """The story whose chip is under ``point`` (the topmost one)."""
        for chip in reversed(self._chips):
            if chip.rect.contains(point):
                return chip.item
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            item = self.chip_at(QPointF(event.pos()))
            if item is None:
                QToolTip.hideText()
                event.ignore()
                return True
            when = item.publish_at.astimezone(self._zone)
            state = "late — " + item.status if item.late else item.status
            QToolTip.showText(event.globalPos(),
                              f"{item.headline}\n{when:%a %d %b %H:%M} ({self._zone.key})"
                              f"\n{state} · {item.section or 'no section'}", self)
            return True
        return super().event(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        item = self.chip_at(event.position())
        if (event.button() == Qt.MouseButton.LeftButton and item is not None
                and self._can_drag and item.status not in self._fixed):
            self._drag = self._by_id[item.id]
            self._drag_from = event.position()
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            super().mouseMoveEvent(event)
            return
        offset = event.position() - self._drag_from
        self._ghost = self._drag.rect.translated(offset)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        chip, self._drag, self._ghost = self._drag, None, None
        self.update()
        if chip is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        offset = event.position() - self._drag_from
        if abs(offset.x()) + abs(offset.y()) < 4:
            return  # a click, not a drag
        target = self.time_at(QPointF(chip.rect.center().x() + offset.x(),
                                      chip.rect.top() + offset.y()))
        if target is not None:
            self.reschedule_requested.emit(chip.item.id, target)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        item = self.chip_at(event.position())
        if item is not None:
            self.story_activated.emit(item.id)
            return
        super().mouseDoubleClickEvent(event)


class DayHeader(QWidget):
    """The day names above the timeline's columns; stays put while the hours scroll."""

    def __init__(self, timeline: Timeline, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planningDayHeader")
        self._timeline = timeline
        self.setFixedHeight(DAY_HEADER_PX)
        timeline.geometry_changed.connect(self.update)

    def paintEvent(self, event: QPaintEvent) -> None:
        with painting(100):
            self._paint()

    def _paint(self) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.window())
        width = self._timeline.column_width()
        today = datetime.now(self._timeline.zone()).date()
        font = painter.font()
        for column, day in enumerate(self._timeline.days()):
            x = GUTTER_PX + column * width
            font.setBold(day == today)
            painter.setFont(font)
            painter.setPen(QPen(palette.mid().color()))
            painter.drawLine(QPointF(x, 4), QPointF(x, DAY_HEADER_PX))
            painter.setPen(QPen(palette.text().color()))
            painter.drawText(QRectF(x, 0, width, DAY_HEADER_PX), Qt.AlignmentFlag.AlignCenter,
                             f"{day:%a %d %b}")
        painter.end()
