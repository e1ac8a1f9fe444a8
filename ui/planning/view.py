"""The planning view: the desk chief's day or week of scheduled, published and late stories.

A dock installed through :mod:`ui.window.extensions`. Above the timeline
(:mod:`ui.planning.timeline`): previous / today / next, day or week, and a
section filter; below it, the late stories with the reason each is late —
never silent. Dragging a chip to another time reschedules the story through
:func:`cms.schedule.schedule` (a time in the past, before an embargo, or from
someone below desk chief is refused with the core's message). Loading and
rescheduling run on a worker thread, so the window never waits on the store.

While the window is open and its user is a desk chief, the view also runs the
publishing job every minute (:func:`cms.publish.publish_due_stories`) and
says what it published.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QByteArray,
    QMimeData,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from cms import publish, schedule, stories, workflow
from cms.config import desk_zone
from cms.errors import NewsroomError, UsageError
from cms.people import Actor
from cms.rules import KILLED
from cms.store import Store
from cms.stories import StorySummary
from cms.timeutil import format_local, localize, utcnow
from ui.inspector.time_entry import desk_time
from ui.ops import Op, describe_error
from ui.planning.timeline import (
    COLOURS,
    HEADER_PX,
    HOUR_PX,
    STORY_MIME,
    DayHeader,
    PlanItem,
    Timeline,
)
from ui.window.extensions import WindowHost

AUTO_PUBLISH_MS = 60_000
SHELF_LIMIT = 200
NOW_LINE_MS = 60_000
OPENING_HOUR = 6  # scroll the day to early morning, where the desk's day starts


@dataclass(frozen=True)
class Plan:
    """What the view shows for one period."""

    days: list[date]
    zone: ZoneInfo
    items: list[PlanItem]
    late: list[publish.LateStory]
    sections: list[tuple[str, str]]
    shelf: list[StorySummary]  # ready, with no time yet: to drag onto the plan
    can_plan: bool = False  # the reader may move stories (desk chief or above)
    # Statuses whose time cannot be moved on the plan: the desk's public ones (out
    # already) and killed, as cms.schedule refuses both; read from the workflow tables.
    fixed: frozenset[str] = frozenset()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``zone`` (01:00 where midnight is skipped)."""
    try:
        return localize(datetime.combine(day, time()), zone, fold=0)
    except UsageError:
        return localize(datetime.combine(day, time(1)), zone, fold=0)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def load_plan(store: Store, first: date | None, count: int, section: str | None,
              now: datetime, actor: Actor | None = None) -> Plan:
    """Read one period's plan and the late stories (runs on a worker thread).

    ``first`` None: the period holding today in the desk zone. ``actor``: say
    whether they may plan (move stories).
    """
    with store.reading() as session:
        zone = desk_zone(session)
        if first is None:
            today = now.astimezone(zone).date()
            first = today if count == 1 else week_start(today)
        days = [first + timedelta(days=n) for n in range(count)]
        start, end = day_start(days[0], zone), day_start(days[-1] + timedelta(days=1), zone)
        rows = schedule.planned(session, start, end, now=now, section=section)
        late = publish.late_stories(session, now)
        sections = [(s.slug, s.name) for s in stories.sections(session)]
        ready = stories.list_stories(session, status="ready", section=section,
                                     limit=SHELF_LIMIT)
        can_plan = actor is not None and workflow.can_schedule(session, actor)
        fixed = workflow.public_statuses(session) | {KILLED}
    items = [PlanItem(r.id, r.headline, r.section, r.status, r.publish_at, r.late)
             for r in rows]
    shelf = [story for story in ready if story.publish_at is None]
    return Plan(days, zone, items, late, sections, shelf, can_plan, fixed)


class ShelfList(QListWidget):
    """Ready stories without a time; drag one onto the timeline to schedule it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planShelf")
        self.setAccessibleName("Ready to schedule")
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)

    def mimeTypes(self) -> list[str]:
        return [STORY_MIME]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        data = QMimeData()
        if items:
            story_id = str(items[0].data(Qt.ItemDataRole.UserRole))
            data.setData(STORY_MIME, QByteArray(story_id.encode("ascii")))
            data.setText(items[0].text())
        return data


class PlanningView(QWidget):
    """Day/week plan, section filter, drag to reschedule, and the late list."""

    plan_loaded = Signal()
    rescheduled = Signal(str)  # story id
    message = Signal(str)  # a line for the status bar (errors included)
    open_requested = Signal(str)  # story id

    def __init__(self, store: Store, actor: Actor, parent: QWidget | None = None,
                 now: Callable[[], datetime] = utcnow) -> None:
        super().__init__(parent)
        self.setObjectName("planningView")
        self._store = store
        self._actor = actor
        self._now = now
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # loads and writes reach the store in order
        # The desk's zone and the user's rights arrive with the first plan (read off
        # the GUI thread); until then nothing may be dragged.
        self._zone = ZoneInfo("UTC")
        self._can_plan = False
        self._rights_known = False
        self._first: date | None = None  # None: the period holding today in the desk zone
        self._days = 7
        self._scrolled = False

        self.previous = QPushButton("◀", self)
        self.previous.setObjectName("planPrevious")
        self.previous.setToolTip("Earlier")
        self.previous.setAccessibleName("Earlier")
        self.today = QPushButton("Today", self)
        self.today.setObjectName("planToday")
        self.next = QPushButton("▶", self)
        self.next.setObjectName("planNext")
        self.next.setToolTip("Later")
        self.next.setAccessibleName("Later")
        self.day_button = QPushButton("Day", self)
        self.day_button.setObjectName("planDay")
        self.week_button = QPushButton("Week", self)
        self.week_button.setObjectName("planWeek")
        for button in (self.day_button, self.week_button):
            button.setCheckable(True)
            # The checked one must show in both themes (Fusion's is faint in dark).
            button.setStyleSheet(
                "QPushButton:checked { background-color: palette(highlight);"
                " color: palette(highlighted-text); border: 1px solid palette(highlight);"
                " border-radius: 3px; padding: 4px 10px; }")
        self.week_button.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.day_button)
        group.addButton(self.week_button)
        self.section = QComboBox(self)
        self.section.setObjectName("planSection")
        self.section.setAccessibleName("Section shown")
        self.section.addItem("All sections", None)
        self.period = QLabel(self)
        self.period.setObjectName("planPeriod")
        self.legend = QLabel(self)
        self.legend.setObjectName("planLegend")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.notice = QLabel(self)
        self.notice.setObjectName("planNotice")
        self.notice.setWordWrap(True)

        bar = QHBoxLayout()
        for widget in (self.previous, self.today, self.next, self.day_button, self.week_button,
                       self.section):
            bar.addWidget(widget)
        bar.addWidget(self.period, 1)
        bar.addWidget(self.legend)

        self.timeline = Timeline(self)
        self.plan_scroll = QScrollArea(self)
        self.plan_scroll.setObjectName("planScroll")
        self.plan_scroll.setWidgetResizable(True)
        self.plan_scroll.setWidget(self.timeline)
        self.late_list = QListWidget(self)
        self.late_list.setObjectName("lateList")
        self.late_list.setAccessibleName("Late stories")
        self.late_list.itemDoubleClicked.connect(
            lambda item: self.open_requested.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.day_header = DayHeader(self.timeline, self)
        plan_box = QWidget(self)
        plan_layout = QVBoxLayout(plan_box)
        plan_layout.setContentsMargins(0, 0, 0, 0)
        plan_layout.setSpacing(0)
        plan_layout.addWidget(self.day_header)
        plan_layout.addWidget(self.plan_scroll, 1)
        late_box = QWidget(self)
        late_layout = QVBoxLayout(late_box)
        late_layout.setContentsMargins(0, 0, 0, 0)
        self.late_title = QLabel("Late stories", late_box)
        self.late_title.setObjectName("lateTitle")
        late_layout.addWidget(self.late_title)
        late_layout.addWidget(self.late_list)
        self.shelf = ShelfList(self)
        self.shelf.itemDoubleClicked.connect(
            lambda item: self.open_requested.emit(item.data(Qt.ItemDataRole.UserRole)))
        shelf_box = QWidget(self)
        shelf_layout = QVBoxLayout(shelf_box)
        shelf_layout.setContentsMargins(0, 0, 0, 0)
        self.shelf_title = QLabel("Ready to schedule", shelf_box)
        self.shelf_title.setObjectName("shelfTitle")
        self.shelf_title.setToolTip("Drag a story onto a day and time to schedule it")
        shelf_layout.addWidget(self.shelf_title)
        shelf_layout.addWidget(self.shelf)
        lists = QSplitter(Qt.Orientation.Horizontal, self)
        lists.addWidget(shelf_box)
        lists.addWidget(late_box)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(plan_box)
        split.addWidget(lists)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.notice)
        layout.addWidget(split, 1)

        self.previous.clicked.connect(lambda: self._shift(-1))
        self.next.clicked.connect(lambda: self._shift(1))
        self.today.clicked.connect(self.go_today)
        self.day_button.toggled.connect(self._mode_changed)
        self.section.currentIndexChanged.connect(lambda _i: self.reload())
        self.timeline.reschedule_requested.connect(self.reschedule)
        self.timeline.story_activated.connect(self.open_requested.emit)
        self.notice.setVisible(False)
        clock = QTimer(self)
        clock.setInterval(NOW_LINE_MS)
        clock.timeout.connect(lambda: self.timeline.set_now(self._now()))
        clock.start()

    # Period ----------------------------------------------------------------------------

    @staticmethod
    def _week_start(day: date) -> date:
        return week_start(day)

    def show_period(self, first: date, days: int) -> None:
        """Show ``days`` (1 or 7) days from ``first`` and reload."""
        self._first, self._days = first, days
        self.day_button.blockSignals(True)
        self.day_button.setChecked(days == 1)
        self.week_button.setChecked(days != 1)
        self.day_button.blockSignals(False)
        self.reload()

    def go_today(self) -> None:
        """Today (day mode) or this week."""
        today = datetime.now(self._zone).date()
        self.show_period(today if self._days == 1 else self._week_start(today), self._days)

    def _shown_first(self) -> date:
        if self._first is not None:
            return self._first
        today = datetime.now(self._zone).date()
        return today if self._days == 1 else self._week_start(today)

    def _shift(self, direction: int) -> None:
        self.show_period(self._shown_first() + timedelta(days=direction * self._days),
                         self._days)

    def _mode_changed(self, day_mode: bool) -> None:
        first = self._shown_first()
        if day_mode:
            today = datetime.now(self._zone).date()
            inside = first <= today < first + timedelta(days=self._days)
            self.show_period(today if inside else first, 1)
        else:
            self.show_period(self._week_start(first), 7)

    def set_section(self, slug: str | None) -> None:
        """Filter by section (None for all)."""
        index = self.section.findData(slug)
        if index < 0:
            self.section.addItem(slug or "All sections", slug)
            index = self.section.findData(slug)
        self.section.setCurrentIndex(index)

    # Loading ---------------------------------------------------------------------------

    def _run(self, work: Callable[[], Any], done: Callable[[Any, Any], None]) -> None:
        Op(self, lambda _context: work(), pool=self._pool).success(
            lambda result: done(result, None)).failure(lambda error: done(None, error)).run()

    def reload(self) -> None:
        """Read the period again (on the worker) and show it."""
        first, count, section = self._first, self._days, self.section.currentData()
        now, store, actor = self._now(), self._store, self._actor
        self._run(lambda: load_plan(store, first, count, section, now, actor), self._loaded)

    def _loaded(self, plan: Plan | None, error: BaseException | None) -> None:
        if error is not None or plan is None:
            self._say(f"Cannot load the plan: {describe_error(error) if error else ''}")
            return
        self._zone = plan.zone
        if not self._rights_known:  # the first plan: the user's rights are known now
            self._rights_known = True
            self._can_plan = plan.can_plan
            if not plan.can_plan:
                self._say("Only desk chiefs can move stories on the plan; you can look.")
        if self._first is None:
            self._first = plan.days[0]
        self._fill_sections(plan.sections)
        self.timeline.set_plan(plan.days, plan.zone, plan.items, can_drag=self._can_plan,
                               fixed=plan.fixed)
        last = plan.days[-1]
        self.period.setText(
            f"{plan.days[0]:%a %d %b %Y}" if len(plan.days) == 1
            else f"{plan.days[0]:%d %b} – {last:%d %b %Y}")
        self.period.setToolTip(f"Times in {plan.zone.key}")
        counts = {"scheduled": 0, "published": 0, "late": 0, "other": 0}
        for item in plan.items:
            kind = item.kind if item.kind in counts else (
                "published" if item.kind == "corrected" else "other")
            counts[kind] += 1
        self.legend.setText(" ".join(
            f'<span style="color:{COLOURS[key].name()}">■</span> {counts[key]} {key}'
            for key in ("scheduled", "published", "late", "other")))
        self._fill_late(plan)
        self._fill_shelf(plan)
        self.timeline.set_now(self._now())
        if not self._scrolled and self.isVisible():
            self._scrolled = True
            self.scroll_to_now()
        self.plan_loaded.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._scrolled:
            QTimer.singleShot(0, self._first_scroll)

    def _first_scroll(self) -> None:
        if not self._scrolled and self.timeline.days():
            self._scrolled = True
            self.scroll_to_now()

    def scroll_to_now(self) -> None:
        """Bring the now-line into view, a third of the way down (else the working day)."""
        bar = self.plan_scroll.verticalScrollBar()
        now_y = self.timeline.now_y()
        if now_y is None:
            bar.setValue(HEADER_PX + OPENING_HOUR * HOUR_PX - 8)
        else:
            bar.setValue(round(now_y - self.plan_scroll.viewport().height() / 3))

    def _fill_shelf(self, plan: Plan) -> None:
        self.shelf.clear()
        for story in plan.shelf:
            item = QListWidgetItem(story.headline)
            item.setData(Qt.ItemDataRole.UserRole, story.id)
            item.setToolTip("Drag onto the plan to schedule it; double-click to open it")
            self.shelf.addItem(item)
        self.shelf.setDragEnabled(self._can_plan)
        self.shelf_title.setText(f"Ready to schedule ({len(plan.shelf)})" if plan.shelf
                                 else "Ready to schedule: none")

    def _fill_sections(self, sections: list[tuple[str, str]]) -> None:
        current = self.section.currentData()
        known = {self.section.itemData(i) for i in range(self.section.count())}
        self.section.blockSignals(True)
        for slug, name in sections:
            if slug not in known:
                self.section.addItem(name, slug)
        self.section.setCurrentIndex(max(0, self.section.findData(current)))
        self.section.blockSignals(False)

    def _fill_late(self, plan: Plan) -> None:
        self.late_list.clear()
        for late in plan.late:
            when = format_local(late.publish_at, plan.zone, "%a %d %b %H:%M")
            item = QListWidgetItem(f"{when}  {late.headline}\n    " + "; ".join(late.reasons))
            item.setData(Qt.ItemDataRole.UserRole, late.id)
            item.setForeground(COLOURS["late"])
            self.late_list.addItem(item)
        self.late_title.setText(f"Late stories ({len(plan.late)})" if plan.late
                                else "Late stories: none")

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        self.message.emit(text)

    # Rescheduling ------------------------------------------------------------------------

    def reschedule(self, story_id: str, wall: datetime) -> None:
        """Move a story to wall-clock time ``wall`` in the desk zone (a dropped chip)."""
        try:
            at = desk_time(self, wall, self._zone)
        except UsageError as exc:
            self._say(str(exc))
            self.timeline.update()
            return
        if at is None:
            return  # the user did not choose between the two readings of the hour

        def work() -> schedule.ScheduleResult:
            with self._store.session() as session:
                return schedule.schedule(session, self._actor, story_id, at)

        def done(result: schedule.ScheduleResult | None, error: BaseException | None) -> None:
            if error is not None:
                self._say(str(error) if isinstance(error, NewsroomError)
                          else f"Cannot reschedule: {error}")
            else:
                self._say(f"Rescheduled for {format_local(at, self._zone)} ({self._zone.key})"
                          + (f"; {result.warning}" if result and result.warning else ""))
                self.rescheduled.emit(story_id)
            self.reload()

        self._run(work, done)

    # Publishing job ------------------------------------------------------------------------

    def publish_due(self) -> None:
        """Run the publishing job once (desk chiefs only), then reload."""
        if not self._can_plan:
            return
        now = self._now()
        username = self._actor.username

        def done(report: publish.PublishReport | None, error: BaseException | None) -> None:
            if error is not None:
                self._say(f"Publishing job failed: {error}")
            elif report is not None and report.published:
                names = ", ".join(item.headline for item in report.published[:3])
                more = f" and {len(report.published) - 3} more" if len(report.published) > 3 \
                    else ""
                text = f"Published {len(report.published)} due stor" + (
                    "y" if len(report.published) == 1 else "ies") + f": {names}{more}"
                if report.blocked:
                    text += f"; {len(report.blocked)} held back (see Late stories)"
                self._say(text)
            self.reload()

        self._run(lambda: publish.publish_due_stories(self._store, now, username=username,
                                                      clock=self._now),
                  done)

    @property
    def can_plan(self) -> bool:
        """Whether the user may move stories (desk chief or above)."""
        return self._can_plan

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Wait for the worker (tests and shutdown)."""
        return self._pool.waitForDone(timeout_ms)


def install(host: WindowHost) -> None:
    """Add the planning dock, the workflow tab, and the in-app publishing job."""
    from ui.inspector.workflow_panel import install as install_workflow

    view = PlanningView(host.store, host.actor)
    view.message.connect(lambda text: host.show_message(text, 10_000))
    view.open_requested.connect(host.show_story_by_id)
    host.events.stories_changed.connect(view.reload)
    host.events.story_saved.connect(lambda _story, _rev: view.reload())
    host.add_dock("planning", "Planning", view, Qt.DockWidgetArea.BottomDockWidgetArea)
    dock = view.parentWidget()
    window = dock.parentWidget() if dock is not None else None
    if isinstance(dock, QDockWidget) and isinstance(window, QMainWindow):
        window.resizeDocks([dock], [380], Qt.Orientation.Vertical)
    # Hidden until asked for (View ▸ Planning), then reopened as this user left it.
    if isinstance(dock, QDockWidget):
        dock.toggleViewAction().setShortcut(QKeySequence("Ctrl+Shift+L"))
    timer = QTimer(view)
    timer.setInterval(AUTO_PUBLISH_MS)
    timer.timeout.connect(view.publish_due)
    timer.start()
    view.reload()
    first_run = QTimer(view)  # owned by the view: never fires after the window is gone
    first_run.setSingleShot(True)
    first_run.setInterval(3000)
    first_run.timeout.connect(view.publish_due)  # what fell due while the app was closed
    first_run.start()
    install_workflow(host)
