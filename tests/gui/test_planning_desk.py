"""Planning for a desk chief: scrolled to now with a now-line, a shelf of ready stories to
drag onto the plan, late stories marked."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from cms import stories
from cms.people import Actor
from cms.store import Store
from cms.timeutil import utcnow
from ui.planning.timeline import STORY_MIME
from ui.planning.view import PlanningView

pytestmark = pytest.mark.gui


def _view(qtbot: QtBot, store: Store, actor: Actor) -> PlanningView:
    view = PlanningView(store, actor)
    qtbot.addWidget(view)
    view.resize(1200, 640)
    view.show()
    qtbot.waitExposed(view)
    today = datetime.now(view.timeline.zone()).date()
    with qtbot.waitSignal(view.plan_loaded, timeout=10_000):
        view.show_period(today, 7)  # today first, so tomorrow is on the plan
    return view


def test_the_plan_opens_scrolled_to_now_with_a_now_line(qtbot: QtBot, gui_store: Store,
                                                        gui_actor: Actor) -> None:
    view = _view(qtbot, gui_store, gui_actor)
    now_y = view.timeline.now_y()
    assert now_y is not None
    view.scroll_to_now()
    bar = view.plan_scroll.verticalScrollBar()
    top, height = bar.value(), view.plan_scroll.viewport().height()
    assert top <= now_y <= top + height or bar.value() == bar.maximum()
    # The line is painted: the timeline's pixels at now_y are the now colour.
    image = view.timeline.grab().toImage()
    # The column of today in the desk zone (the first day shown may be yesterday there,
    # just after the desk's midnight: the plan opened on today as UTC sees it).
    today = utcnow().astimezone(view.timeline.zone()).date()
    x = round(view.timeline.point_for(today, time(0)).x())
    assert image.pixelColor(x, round(now_y)).name() == "#d93025"


def test_a_ready_story_from_the_shelf_is_scheduled_where_it_is_dropped(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    with gui_store.session() as session:
        ready = stories.create(session, gui_actor, headline="Waiting for a slot",
                               status="ready").document.story_id
    view = _view(qtbot, gui_store, gui_actor)
    shelf = view.shelf
    ids = [shelf.item(i).data(Qt.ItemDataRole.UserRole) for i in range(shelf.count())]
    assert ready in ids
    item = shelf.item(ids.index(ready))
    mime = shelf.mimeData([item])
    assert bytes(mime.data(STORY_MIME).data()).decode() == ready
    tomorrow = view.timeline.days()[1]
    point = view.timeline.point_for(tomorrow, time(16, 30)).toPoint()
    drop = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    assert view.timeline.acceptDrops()
    # Delivered to the widget's event handler, as Qt does at the end of a real drag
    # (a QDrag cannot run without a window system to drag in).
    with qtbot.waitSignal(view.rescheduled, timeout=10_000):
        assert view.timeline.event(drop)
    assert drop.isAccepted()
    with gui_store.reading() as session:
        document, _ = stories.get(session, ready)
    assert document.status == "scheduled"
    assert document.publish_at is not None
    local = document.publish_at.astimezone(view.timeline.zone())
    assert (local.date(), local.time()) == (tomorrow, time(16, 30))
    qtbot.waitUntil(lambda: view.timeline.chip_rect(ready) is not None)
    assert ready not in [shelf.item(i).data(Qt.ItemDataRole.UserRole)
                         for i in range(shelf.count())]


def test_a_drop_outside_the_days_schedules_nothing(qtbot: QtBot, gui_store: Store,
                                                   gui_actor: Actor) -> None:
    with gui_store.session() as session:
        ready = stories.create(session, gui_actor, headline="Stays on the shelf",
                               status="ready").document.story_id
    view = _view(qtbot, gui_store, gui_actor)
    item = next(view.shelf.item(i) for i in range(view.shelf.count())
                if view.shelf.item(i).data(Qt.ItemDataRole.UserRole) == ready)
    mime = view.shelf.mimeData([item])  # kept: the event does not own it
    drop = QDropEvent(QPoint(2, 200), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    view.timeline.event(drop)
    assert not drop.isAccepted()
    with gui_store.reading() as session:
        assert stories.get(session, ready)[0].publish_at is None


def test_late_stories_are_marked_on_the_plan(qtbot: QtBot, gui_store: Store,
                                             gui_actor: Actor) -> None:
    with gui_store.session() as session:
        late = stories.create(session, gui_actor, headline="Missed it", status="ready",
                              publish_at=utcnow() - timedelta(minutes=30)).document.story_id
    view = _view(qtbot, gui_store, gui_actor)
    late_ids = [view.late_list.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(view.late_list.count())]
    assert late in late_ids
    marked = [item for item in view.timeline.items() if item.id == late]
    if marked:  # today, half an hour ago: on the plan, in the late colour
        assert marked[0].kind == "late"
