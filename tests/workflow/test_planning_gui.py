"""The planning view, the "Read next" panel and the workflow tab, driven with pytest-qt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from cms import publish, schedule, stories
from cms.config import set_setting
from cms.document import LinkRef
from cms.people import Actor, actor_for, add_person
from cms.sample import install_sample
from cms.store import Store
from ui.inspector.related_panel import RelatedPanel
from ui.inspector.workflow_panel import WorkflowPanel
from ui.planning.timeline import HOUR_PX
from ui.planning.view import PlanningView
from ui.window.extensions import OpenStory

pytestmark = pytest.mark.gui
JCS = "north-korea-readies-more-troops-and-drones-for-russia"


def _monday_in(weeks: int, zone: ZoneInfo) -> date:
    today = datetime.now(zone).date()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Store]:
    """A Berlin desk with the sample newsroom; ``chief`` is its first person (admin)."""
    store = Store.open(str(tmp_path / "plan.db"), create=True)
    with store.session() as session:
        actor = actor_for(session, "chief", store.replica_id)
    install_sample(store, actor)
    with store.session() as session:
        set_setting(session, "timezone", "Europe/Berlin", username="chief")
        add_person(session, actor, "rita", "reporter")
    try:
        yield store
    finally:
        store.close()


def _actor(store: Store, name: str) -> Actor:
    with store.session() as session:
        return actor_for(session, name, store.replica_id)


def _plan(store: Store, day: date, hour: int, headline: str, section: str = "politics") -> str:
    zone = ZoneInfo("Europe/Berlin")
    chief = _actor(store, "chief")
    with store.session() as session:
        saved = stories.create(session, chief, headline=headline, status="ready",
                               section=section)
        at = datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)
        schedule.schedule(session, chief, saved.document.story_id, at)
    return saved.document.story_id


def _view(qtbot: QtBot, store: Store, user: str, first: date, days: int = 7) -> PlanningView:
    view = PlanningView(store, _actor(store, user))
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    with qtbot.waitSignal(view.plan_loaded, timeout=10_000):
        view.show_period(first, days)
    return view


def _publish_at(store: Store, story_id: str) -> datetime | None:
    with store.reading() as session:
        return stories.get(session, story_id)[0].publish_at


def _drag(qtbot: QtBot, view: PlanningView, story_id: str, dx: float, dy: float) -> None:
    rect = view.timeline.chip_rect(story_id)
    assert rect is not None
    start = rect.center().toPoint()
    end = start + QPoint(round(dx), round(dy))
    qtbot.mousePress(view.timeline, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(view.timeline, end)
    qtbot.mouseRelease(view.timeline, Qt.MouseButton.LeftButton, pos=end)


def test_week_shows_scheduled_published_and_filters_by_section(qtbot: QtBot,
                                                               desk: Store) -> None:
    monday = _monday_in(2, ZoneInfo("Europe/Berlin"))
    first = _plan(desk, monday, 9, "Budget debate opens")
    _plan(desk, monday + timedelta(days=2), 14, "Border talks resume", "north-korea")
    view = _view(qtbot, desk, "chief", monday)
    assert sorted(item.headline for item in view.timeline.items()) == [
        "Border talks resume", "Budget debate opens"]
    assert "2 scheduled" in view.legend.text()
    assert view.timeline.chip_rect(first) is not None
    with qtbot.waitSignal(view.plan_loaded, timeout=10_000):
        view.set_section("north-korea")
    assert [item.headline for item in view.timeline.items()] == ["Border talks resume"]
    with qtbot.waitSignal(view.plan_loaded, timeout=10_000):
        view.set_section(None)
    with qtbot.waitSignal(view.plan_loaded, timeout=10_000):
        qtbot.mouseClick(view.day_button, Qt.MouseButton.LeftButton)
    assert view.timeline.days() == [monday]
    assert [item.headline for item in view.timeline.items()] == ["Budget debate opens"]
    with qtbot.waitSignal(view.plan_loaded, timeout=10_000):
        qtbot.mouseClick(view.next, Qt.MouseButton.LeftButton)
    assert view.timeline.days() == [monday + timedelta(days=1)]
    # The sample's December 2024 stories are published: they show in their week.
    with qtbot.waitSignal(view.plan_loaded, timeout=10_000):
        view.show_period(date(2024, 12, 9), 7)
    assert {item.status for item in view.timeline.items()} == {"published"}
    # A public story is out: its time is not dragged (the desk's public statuses).
    asked: list[str] = []
    view.timeline.reschedule_requested.connect(lambda story_id, _at: asked.append(story_id))
    out = view.timeline.items()[0].id
    _drag(qtbot, view, out, 0, 2 * HOUR_PX)
    assert asked == []


def test_drag_reschedules_a_story(qtbot: QtBot, desk: Store) -> None:
    monday = _monday_in(2, ZoneInfo("Europe/Berlin"))
    story = _plan(desk, monday, 9, "Moves two hours and a day")
    view = _view(qtbot, desk, "chief", monday)
    before = _publish_at(desk, story)
    assert before is not None
    with qtbot.waitSignal(view.rescheduled, timeout=10_000) as moved:
        _drag(qtbot, view, story, view.timeline.column_width(), 2 * HOUR_PX)
    assert moved.args == [story]
    assert _publish_at(desk, story) == before + timedelta(days=1, hours=2)
    qtbot.waitSignal(view.plan_loaded, timeout=10_000)
    assert "Rescheduled for" in view.notice.text()


def test_a_reporter_cannot_drag_and_the_past_is_refused(qtbot: QtBot, desk: Store) -> None:
    zone = ZoneInfo("Europe/Berlin")
    monday = _monday_in(2, zone)
    story = _plan(desk, monday, 9, "Stays where it is")
    before = _publish_at(desk, story)
    view = _view(qtbot, desk, "rita", monday)
    assert not view.can_plan
    assert "Only desk chiefs can move stories" in view.notice.text()
    _drag(qtbot, view, story, 0, 3 * HOUR_PX)
    assert _publish_at(desk, story) == before
    chief_view = _view(qtbot, desk, "chief", monday)
    assert chief_view.can_plan and "Only desk chiefs" not in chief_view.notice.text()
    with qtbot.waitSignal(chief_view.message, timeout=10_000) as said:
        chief_view.reschedule(story, datetime.combine(_monday_in(-1, zone), time(10)))
    assert "in the past" in said.args[0]
    assert _publish_at(desk, story) == before


def test_dst_gap_is_refused_and_overlap_asks(qtbot: QtBot, desk: Store) -> None:
    zone = ZoneInfo("Europe/Berlin")
    story = _plan(desk, _monday_in(2, zone), 9, "Around the clock change")
    view = _view(qtbot, desk, "chief", _monday_in(2, zone))
    before = _publish_at(desk, story)
    with qtbot.waitSignal(view.message, timeout=5_000) as said:
        view.reschedule(story, datetime(2027, 3, 28, 2, 30))
    assert "does not exist in Europe/Berlin" in said.args[0]
    assert _publish_at(desk, story) == before

    asked: list[str] = []

    def answer() -> None:
        boxes = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, QMessageBox) and w.isVisible()
                 and w.objectName() == "ambiguousTimeQuestion"]
        if not boxes:
            QTimer.singleShot(50, answer)  # the question is not up yet
            return
        asked.append(boxes[0].text())
        button = boxes[0].findChild(QPushButton, "secondOccurrence")
        if button is None:
            boxes[0].reject()
            return
        button.click()

    QTimer.singleShot(50, answer)
    with qtbot.waitSignal(view.rescheduled, timeout=10_000):
        view.reschedule(story, datetime(2027, 10, 31, 2, 30))
    assert "happens twice in Europe/Berlin" in asked[0]
    assert _publish_at(desk, story) == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)


def test_late_list_and_in_app_publishing(qtbot: QtBot, desk: Store) -> None:
    zone = ZoneInfo("Europe/Berlin")
    story = _plan(desk, _monday_in(1, zone), 9, "Due by the view's clock")
    due_at = _publish_at(desk, story)
    assert due_at is not None
    later = due_at + timedelta(minutes=1)
    view = PlanningView(desk, _actor(desk, "chief"), now=lambda: later)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.plan_loaded, timeout=10_000):
        view.show_period(_monday_in(1, zone), 7)
    assert view.late_list.count() == 1
    assert "never run" in view.late_list.item(0).text()
    with qtbot.waitSignal(view.plan_loaded, timeout=10_000):
        view.publish_due()
    assert "Published 1 due story: Due by the view's clock" in view.notice.text()
    assert view.late_list.count() == 0
    with desk.reading() as session:
        assert stories.get(session, story)[0].status == "published"
        assert publish.late_stories(session, later) == []


def _open(store: Store, ref: str) -> OpenStory:
    with store.reading() as session:
        document, head = stories.get(session, ref)
    return OpenStory(document, head, ZoneInfo("Asia/Seoul"))


def test_read_next_panel_reorders_adds_and_refuses(qtbot: QtBot, desk: Store) -> None:
    changes: list[tuple[LinkRef, ...]] = []
    story = _open(desk, JCS)

    def follow(**fields: tuple[LinkRef, ...]) -> None:
        # What the window's host.change_story does: the edit becomes the open story.
        nonlocal story
        changes.append(fields["related"])
        story = OpenStory(story.document.evolve(related=fields["related"]),
                          story.revision_id, story.zone)
        panel.show_story(story)

    panel = RelatedPanel(desk, follow)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.filled, timeout=10_000):  # the links are read on a worker
        panel.show_story(story)
    assert panel.links.count() == 5
    assert "15 Dec 2024 18:00" in panel.links.item(0).text()
    ids = [link.id for link in story.document.related]
    panel.links.setCurrentRow(0)
    with qtbot.waitSignal(panel.filled, timeout=10_000):
        qtbot.mouseClick(panel.down, Qt.MouseButton.LeftButton)
    assert [link.id for link in changes[-1]] == [ids[1], ids[0], *ids[2:]]
    assert panel.links.currentRow() == 1  # the moved link stays selected
    # A drag inside the list is a row move of its model.
    with qtbot.waitSignal(panel.links.model().rowsMoved, timeout=2_000):
        panel.links.model().moveRows(panel.links.rootIndex(), 4, 1, panel.links.rootIndex(), 0)
    qtbot.waitUntil(lambda: changes[-1][0].id == ids[4], timeout=2_000)
    qtbot.waitUntil(panel.loaded, timeout=10_000)
    # Adding by search, and refusing a link to itself.
    with qtbot.waitSignal(panel.error_shown, timeout=2_000) as error:
        panel.add_selected()  # nothing chosen, nothing typed
    assert "Choose a story" in error.args[0]
    panel.query.setText("https://example.org/analysis")
    with qtbot.waitSignal(panel.filled, timeout=10_000):
        panel.add_selected()
    assert changes[-1][-1].url == "https://example.org/analysis"
    assert panel.links.count() == 6
    panel.query.setText("Lee Jae-myung")  # already linked: not offered again
    with qtbot.waitSignal(panel.searched, timeout=10_000):
        panel.run_search()
    assert panel.candidates.count() == 0
    panel.query.setText("goat")  # the story itself: not offered either
    with qtbot.waitSignal(panel.searched, timeout=10_000):
        panel.run_search()
    assert panel.candidates.count() == 0
    with qtbot.waitSignal(panel.searched, timeout=10_000):
        panel.show_suggestions()
    assert panel.candidates.count() == 0  # every other sample story is linked already


def test_workflow_tab_offers_only_what_the_role_allows(qtbot: QtBot, desk: Store) -> None:
    rita = _actor(desk, "rita")
    with desk.session() as session:
        saved = stories.create(session, rita, headline="Rita's draft")
    reporter = WorkflowPanel(desk, rita)
    qtbot.addWidget(reporter)
    with qtbot.waitSignal(reporter.filled, timeout=5_000):
        reporter.show_story(_open(desk, saved.document.story_id))
    assert sorted(reporter.move_buttons()) == ["edit"]
    assert not reporter.override.isVisibleTo(reporter)
    with qtbot.waitSignal(reporter.moved, timeout=2_000):
        qtbot.mouseClick(reporter.move_buttons()["edit"], Qt.MouseButton.LeftButton)
    chief = WorkflowPanel(desk, _actor(desk, "chief"))
    qtbot.addWidget(chief)
    with qtbot.waitSignal(chief.filled, timeout=5_000):
        chief.show_story(_open(desk, JCS))
    assert sorted(chief.move_buttons()) == ["corrected", "edit", "killed"]
    with qtbot.waitSignal(chief.error_shown, timeout=2_000) as error:
        qtbot.mouseClick(chief.move_buttons()["killed"], Qt.MouseButton.LeftButton)
    assert "needs a note" in error.args[0]
    assert chief.history.count() == 1  # created as published by the sample


def test_link_window_dialog_checks_and_returns_the_window(qtbot: QtBot) -> None:
    from ui.inspector.related_panel import LinkWindowDialog

    zone = ZoneInfo("Europe/Berlin")
    link = LinkRef(id="l1", url="https://example.org/", label="Analysis")
    dialog = LinkWindowDialog(link, zone)
    qtbot.addWidget(dialog)
    assert not dialog.start.isEnabled()
    dialog.has_from.setChecked(True)
    dialog.has_until.setChecked(True)
    dialog.start.setDateTime(dialog.start.dateTime().fromString("2027-01-10 09:00",
                                                                "yyyy-MM-dd HH:mm"))
    dialog.end.setDateTime(dialog.end.dateTime().fromString("2027-01-10 08:00",
                                                            "yyyy-MM-dd HH:mm"))
    dialog.label.setText("  Our analysis  ")
    dialog.accept_window()
    assert dialog.error.text() == "The window ends before it starts."
    assert dialog.result_link is None
    dialog.end.setDateTime(dialog.end.dateTime().fromString("2027-01-11 08:00",
                                                            "yyyy-MM-dd HH:mm"))
    dialog.accept_window()
    assert dialog.result_link == LinkRef(
        id="l1", url="https://example.org/", label="Our analysis",
        visible_from=datetime(2027, 1, 10, 8, 0, tzinfo=UTC),
        visible_until=datetime(2027, 1, 11, 7, 0, tzinfo=UTC))
    # A time the clocks skip is refused with the core's words.
    dialog.start.setDateTime(dialog.start.dateTime().fromString("2027-03-28 02:30",
                                                                "yyyy-MM-dd HH:mm"))
    dialog.end.setDateTime(dialog.end.dateTime().fromString("2027-03-29 02:30",
                                                            "yyyy-MM-dd HH:mm"))
    dialog.accept_window()
    assert "does not exist in Europe/Berlin" in dialog.error.text()
