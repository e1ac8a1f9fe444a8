"""The story list as a desk sees it: late and conflict badges, Updated column, selection."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cms import stories
from cms.people import Actor
from cms.store import Store
from cms.timeutil import utcnow
from ui.stories.model import COLUMNS, LATE_TAG, STATUS_COLUMN
from ui.stories.story_list import UPDATED_COLUMN
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui


def _row_status(window: MainWindow, story_id: str) -> str:
    row = window.model.row_of(story_id)
    assert row is not None
    return str(window.model.index(row, STATUS_COLUMN).data())


def test_a_story_past_its_time_is_marked_late(qtbot: QtBot, window: MainWindow,
                                              gui_store: Store, gui_actor: Actor) -> None:
    with gui_store.session() as session:
        late = stories.create(session, gui_actor, headline="Missed the slot", status="ready",
                              publish_at=utcnow() - timedelta(hours=2)).document.story_id
        later = stories.create(session, gui_actor, headline="Still to come", status="ready",
                               publish_at=utcnow() + timedelta(hours=2)).document.story_id
    window.events.stories_changed.emit()
    qtbot.waitUntil(lambda: window.model.row_of(late) is not None)
    qtbot.waitUntil(lambda: _row_status(window, late) != "…")  # its rows are read on a worker
    assert _row_status(window, late) == f"ready · {LATE_TAG}"
    assert _row_status(window, later) == "ready"
    row = window.model.row_of(late)
    assert row is not None
    tip = window.model.index(row, STATUS_COLUMN).data(Qt.ItemDataRole.ToolTipRole)
    assert "Planning" in tip


def test_updated_column_shows_when_sorted_by_it(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1920, 1080)
    header = window.story_list.view.horizontalHeader()
    qtbot.waitUntil(lambda: window.story_list.isVisible())
    assert COLUMNS[UPDATED_COLUMN].title == "Updated"
    assert header.sortIndicatorSection() == UPDATED_COLUMN  # the default order
    assert not header.isSectionHidden(UPDATED_COLUMN)
    window.story_list.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert header.isSectionHidden(UPDATED_COLUMN)
    window.story_list.view.sortByColumn(UPDATED_COLUMN, Qt.SortOrder.DescendingOrder)
    assert not header.isSectionHidden(UPDATED_COLUMN)
    assert header.sectionSize(0) >= 200


def test_selection_follows_the_open_story_after_a_search(qtbot: QtBot,
                                                         window: MainWindow) -> None:
    window.resize(1920, 1080)
    assert window.editing is not None
    opened = window.editing.story_id
    box = window.story_list.search_box
    box.setText("goat")
    window.story_list.apply_filters()
    qtbot.waitUntil(lambda: window.model.query.text == "goat")
    box.clear()
    window.story_list.apply_filters()
    qtbot.waitUntil(lambda: window.model.query.text == "" and window.model.rowCount() > 1)
    qtbot.waitUntil(lambda: window.story_list.current_story() == opened)
    selected = window.story_list.view.selectionModel().selectedRows()
    assert [window.model.story_id(i.row()) for i in selected] == [opened]
    assert window.editing.story_id == opened
