"""My desk and the Assigned tab: assigning from the inspector, my work listed late first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot

from cms import stories
from cms.desk import assignments, notes
from cms.people import Actor, actor_for, add_person, set_active
from cms.store import Store
from cms.timeutil import utcnow
from tests.gui.desk_helpers import desk_window
from ui.desk.assign_panel import AssignPane
from ui.desk.my_desk import MyDeskView
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def people(gui_store: Store, gui_actor: Actor) -> None:
    with gui_store.session() as session:
        add_person(session, gui_actor, "kim", "reporter")
        add_person(session, gui_actor, "dis", "reporter")
        set_active(session, gui_actor, "dis", False)


def assign_pane(window: MainWindow) -> AssignPane:
    pane = window.inspector.pane("assign")
    assert isinstance(pane, AssignPane)
    return pane


def my_desk(window: MainWindow) -> MyDeskView:
    view = window.findChild(MyDeskView)
    assert isinstance(view, MyDeskView)
    return view


def test_assigning_from_the_inspector(qtbot: QtBot, gui_store: Store, gui_actor: Actor,
                                      people: None) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    pane = assign_pane(window)
    story_id = window.editing.story_id  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: not pane.busy())
    pane.person.setCurrentText("kim")
    pane.due.setText("2030-05-04 16:00")
    pane.note.setText("follow up")
    pane.assign_button.click()
    qtbot.waitUntil(lambda: pane.assigned_people() == ["kim"])
    with gui_store.reading() as session:
        [stored] = assignments.assigned(session, story_id=story_id)
    assert (stored.person, stored.note) == ("kim", "follow up")
    assert stored.due is not None and stored.due.astimezone(window.zone()).hour == 16
    pane.person.setCurrentText("dis")
    pane.assign_button.click()
    qtbot.waitUntil(lambda: "disabled" in pane.message.text())
    assert pane.person.currentText() == "dis" and pane.assigned_people() == ["kim"]
    pane.person.setCurrentText("kim")
    pane.unassign_button.click()
    qtbot.waitUntil(lambda: pane.assigned_people() == [] and not pane.busy())
    assert pane.message.text() == "kim is off the story."


def test_my_desk_lists_late_work_first_notes_to_me_and_opens_stories(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor, people: None) -> None:
    now = utcnow()
    with gui_store.session() as session:
        ids = [row.id for row in stories.list_stories(session, limit=3)]
        kim = actor_for(session, "kim", gui_store.replica_id)
        assignments.assign(session, gui_actor, ids[0], "tester", due=now + timedelta(hours=5))
        assignments.assign(session, gui_actor, ids[1], "tester", due=now - timedelta(hours=1),
                           note="overdue")
        notes.add_note(session, kim, ids[2], "Can you read this? @tester", to=["tester"])
    window = desk_window(qtbot, gui_store, gui_actor)
    view = my_desk(window)
    qtbot.waitUntil(lambda: view.desk is not None and len(view.rows("assigned")) == 2)
    qtbot.waitUntil(view.isVisible)  # work waits: it comes up at start
    late, later = view.rows("assigned")
    assert late[0].startswith("LATE ") and "overdue" in late[2]
    assert not later[0].startswith("LATE ")
    [note] = view.rows("notes")
    assert note[2] == "kim: Can you read this? @tester"
    top = view.tree.topLevelItem(1)
    assert top is not None and top.child(0) is not None
    view.tree.itemDoubleClicked.emit(top.child(0), 0)
    qtbot.waitUntil(lambda: window.editing is not None and window.editing.story_id == ids[2])
    with gui_store.session() as session:
        notes.set_resolved(session, gui_actor, notes.list_notes(session, ids[2])[0].id, True)
    window.events.desk_changed.emit()
    qtbot.waitUntil(lambda: view.rows("notes") == [])


def test_my_desk_is_the_start_page_when_something_waits_on_me(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)  # a first start, nothing waits on me
    view = my_desk(window)
    qtbot.waitUntil(lambda: view.desk is not None)
    assert window.events.restored is False
    assert not view.isVisible()  # an empty desk would only take room from the story
    window.close()

    with gui_store.session() as session:
        story_id = stories.list_stories(session, limit=1)[0].id
        assignments.assign(session, gui_actor, story_id, "tester")
    window = desk_window(qtbot, gui_store, gui_actor)
    view = my_desk(window)
    qtbot.waitUntil(view.isVisible)
    assert view.title.text() == "tester's desk"
    dock = view.parentWidget()
    assert dock is not None
    qtbot.waitUntil(lambda: dock.height() <= window.height() // 4 + 40)
    window.close()


def test_my_desk_stays_put_when_the_last_story_is_reopened_or_it_is_turned_off(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    from ui.window import prefs

    with gui_store.reading() as session:
        last = stories.list_stories(session, limit=3)[2].id
    prefs.set_str("window/lastStory", last)
    window = desk_window(qtbot, gui_store, gui_actor)
    view = my_desk(window)
    qtbot.waitUntil(lambda: view.desk is not None)
    assert window.events.restored is True and window.editing is not None
    assert window.editing.story_id == last
    assert not view.isVisible()  # nothing waits on me: the story is the start
    window.close()

    prefs.set_str("window/lastStory", "")
    prefs.set_bool("desk/showAtStart", False)  # My desk at start: off
    again = desk_window(qtbot, gui_store, gui_actor)
    view = my_desk(again)
    qtbot.waitUntil(lambda: view.desk is not None)
    assert again.events.restored is False and not view.isVisible()
