"""The story list marks stories with open notes addressed to me, from one read per refresh."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cms.desk import notes
from cms.people import Actor, actor_for, add_person
from cms.store import Store
from tests.gui.desk_helpers import desk_window
from ui.desk.list_marks import NOTE_FOR_ME, NoteMarks
from ui.stories.model import STATUS_COLUMN
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui


def status_text(window: MainWindow, story_id: str) -> str:
    row = window.model.row_of(story_id)
    assert row is not None
    return str(window.model.data(window.model.index(row, STATUS_COLUMN)))


def test_a_note_addressed_to_me_marks_its_story_in_the_list_until_it_is_resolved(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    window.model.settle()
    story = window.model.story_id(1)
    other = window.model.story_id(2)
    assert story is not None and other is not None
    with gui_store.session() as session:
        add_person(session, gui_actor, "kim", "reporter")
        kim = actor_for(session, "kim", gui_store.replica_id)
        note = notes.add_note(session, kim, story, "Please check the figures.", to=["tester"])
        notes.add_note(session, kim, other, "Not for you.")  # addressed to nobody
    window.events.desk_changed.emit()
    qtbot.waitUntil(lambda: window.model.marks(story) == [NOTE_FOR_ME], timeout=10_000)
    window.model.settle()
    qtbot.waitUntil(lambda: NOTE_FOR_ME in status_text(window, story), timeout=10_000)
    assert window.model.marks(other) == []
    assert NOTE_FOR_ME not in status_text(window, other)
    # The status column folds away on a narrow list: the headline carries it too.
    row = window.model.row_of(story)
    assert row is not None
    headline = window.model.index(row, 0)
    assert NOTE_FOR_ME in str(headline.data(Qt.ItemDataRole.ToolTipRole))
    assert headline.data(Qt.ItemDataRole.DecorationRole) is not None
    other_row = window.model.row_of(other)
    assert other_row is not None
    assert window.model.index(other_row, 0).data(Qt.ItemDataRole.DecorationRole) is None

    with gui_store.session() as session:
        notes.set_resolved(session, gui_actor, note, True)
    window.events.desk_changed.emit()
    qtbot.waitUntil(lambda: window.model.marks(story) == [], timeout=10_000)
    assert NOTE_FOR_ME not in status_text(window, story)


def test_a_note_added_elsewhere_marks_its_story_without_any_event_here(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    window.model.settle()
    story = window.model.story_id(1)
    assert story is not None
    marks = window.editor.findChild(NoteMarks)
    assert isinstance(marks, NoteMarks) and marks.timer.isActive()
    qtbot.waitUntil(lambda: not marks.pending(), timeout=10_000)
    with gui_store.session() as session:  # another copy on the shared store: no event here
        add_person(session, gui_actor, "kim", "reporter")
        kim = actor_for(session, "kim", gui_store.replica_id)
        notes.add_note(session, kim, story, "Please check the figures.", to=["tester"])
    marks.timer.setInterval(10)  # the periodic refresh, without waiting for its interval
    qtbot.waitUntil(lambda: window.model.marks(story) == [NOTE_FOR_ME], timeout=10_000)


def test_a_long_mark_is_in_the_status_tooltip(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    window.model.settle()
    story = window.model.story_id(1)
    assert story is not None
    long = "Kim Example-Longname is editing (since 10:02), Alexandra Someone is editing too"
    window.model.set_marks("editing", {story: long})
    row = window.model.row_of(story)
    assert row is not None
    tip = window.model.index(row, STATUS_COLUMN).data(Qt.ItemDataRole.ToolTipRole)
    assert long in str(tip)
