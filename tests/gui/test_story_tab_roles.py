"""Story tab: status read-only, schedule fields by role; Workflow moves show at once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from cms import stories
from cms.people import Actor, actor_for, add_person
from cms.store import Store
from tests.gui.conftest import open_story, open_window, wait_status
from ui.inspector.workflow_panel import WorkflowPanel
from ui.window.main_window import MainWindow


def _person(store: Store, admin: Actor, name: str, role: str) -> Actor:
    with store.session() as session:
        add_person(session, admin, name, role)
        return actor_for(session, name, store.replica_id)


def _open_new_draft(qtbot: QtBot, store: Store, window: MainWindow, author: Actor) -> str:
    with store.session() as session:
        story_id = stories.create(session, author, headline="Council votes",
                                  byline=author.username).document.story_id
    window.model.reload()
    open_story(qtbot, window, story_id)
    return story_id


def test_a_reporter_sees_status_read_only_and_cannot_set_an_embargo(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor
) -> None:
    reporter = _person(gui_store, gui_actor, "rita", "reporter")
    window = open_window(qtbot, gui_store, reporter)
    window.install_extensions()
    _open_new_draft(qtbot, gui_store, window, reporter)
    fields = window.fields
    assert not fields.status.isEnabled() and fields.status.currentData() == "draft"
    assert fields.embargo.isReadOnly()
    assert not fields.publish_at.isReadOnly()  # a draft's planned time is the reporter's
    fields.embargo.setFocus()
    qtbot.keyClicks(fields.embargo, "2030-01-01 09:00")
    assert fields.embargo.text() == ""
    fields.status_hint.linkActivated.emit("#workflow")
    shown, workflow = window.inspector.currentWidget(), window.inspector.pane("workflow")
    assert shown is not None and workflow is not None and shown.isAncestorOf(workflow)
    window.close()


def test_a_desk_chief_sets_an_embargo_and_a_workflow_move_shows_in_the_story_tab(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor
) -> None:
    chief = _person(gui_store, gui_actor, "dora", "desk_chief")
    window = open_window(qtbot, gui_store, chief)
    window.install_extensions()
    story_id = _open_new_draft(qtbot, gui_store, window, chief)
    fields = window.fields
    assert not fields.embargo.isReadOnly() and not fields.publish_at.isReadOnly()
    panel = window.inspector.pane("workflow")
    assert isinstance(panel, WorkflowPanel)
    wait_status(qtbot, window, "draft")
    button = panel.move_buttons()["edit"]
    assert isinstance(button, QPushButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_status(qtbot, window, "edit")
    assert window.editing is not None and window.editing.story_id == story_id
    assert fields.status.currentData() == "edit"
    window.close()
