"""The Workflow tab never shows, or acts on, the previous story's moves after a switch."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from cms import stories, transitions, workflow
from cms.people import Actor
from cms.store import Store
from tests.gui.conftest import open_story
from tests.gui.desk_helpers import desk_window
from ui.inspector.workflow_panel import WorkflowPanel
from ui.window.extensions import OpenStory
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui


def _setup(qtbot: QtBot, store: Store, actor: Actor,
           b_status: str | None) -> tuple[MainWindow, WorkflowPanel, str, str]:
    """The desk window with its Workflow tab filled for story A, and story B moved to
    ``b_status`` (None: any status A is not in); returns B's id and status."""
    window = desk_window(qtbot, store, actor)
    panel = window.inspector.pane("workflow")
    assert isinstance(panel, WorkflowPanel)
    assert window.editing is not None
    a, a_status = window.editing.story_id, window.editing.document.status
    with store.session() as session:
        b = next(x for x in stories.story_ids(session) if x != a)
        target = b_status or next(
            t for t in workflow.allowed_targets(session, actor, stories.get(session, b)[0].status)
            if t != a_status)
        transitions.transition(session, actor, b, target, note="x", override=True)
    qtbot.waitUntil(lambda: not panel.busy() and f"<b>{a_status}</b>" in panel.status.text())
    return window, panel, b, target


def test_tab_shows_the_new_story_as_it_opens(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window, panel, b, b_status = _setup(qtbot, gui_store, gui_actor, None)
    seen: list[tuple[str, dict[str, QPushButton]]] = []
    window.events.story_opened.connect(
        lambda _story: seen.append((panel.status.text(), panel.move_buttons())))
    open_story(qtbot, window, b)
    label, buttons = seen[-1]
    assert f"<b>{b_status}</b>" in label
    assert buttons == {}  # the moves from B's status are still being read
    qtbot.waitUntil(lambda: not panel.busy() and bool(panel.move_buttons()), timeout=10_000)
    with gui_store.reading() as session:
        allowed = workflow.allowed_targets(session, gui_actor, b_status)
    assert sorted(panel.move_buttons()) == sorted(allowed)


def test_a_click_right_after_the_switch_cannot_move_the_new_story(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window, panel, b, _status = _setup(qtbot, gui_store, gui_actor, "edit")
    panel.confirm = lambda *_args: True
    clicked: list[str] = []

    def click(_story: OpenStory) -> None:
        for target, button in panel.move_buttons().items():
            if target != "edit":
                clicked.append(target)
                button.click()
                return

    window.events.story_opened.connect(click)
    open_story(qtbot, window, b)
    qtbot.waitUntil(lambda: not panel.busy(), timeout=10_000)
    assert clicked == []  # no button of story A was left to click
    with gui_store.reading() as session:
        assert stories.get(session, b)[0].status == "edit"
