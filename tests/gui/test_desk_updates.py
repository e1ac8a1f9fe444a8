"""Updates to a live story in the window: live and pending side by side, approve, discard."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from cms import stories
from cms.desk import updates
from cms.people import Actor, actor_for, add_person
from cms.store import Store
from tests.gui.desk_helpers import desk_window
from ui.desk.updates_panel import UpdatesView, side_by_side
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui

FIX = "A sentence the update adds."


def prepare_update(store: Store, admin: Actor, story_id: str) -> str:
    """Kim (a reporter) prepares an update to the live story's last paragraph."""
    with store.session() as session:
        add_person(session, admin, "kim", "reporter")
        kim = actor_for(session, "kim", store.replica_id)
        live, _ = stories.get(session, story_id)
        return updates.propose(session, kim, story_id, {"body": f"{live.body.rstrip()} {FIX}"},
                               message="one more fact")


def updates_view(window: MainWindow) -> UpdatesView:
    view = window.findChild(UpdatesView)
    assert isinstance(view, UpdatesView)
    return view


def test_the_side_by_side_marks_only_what_changes() -> None:
    from cms.document import StoryDocument

    live = StoryDocument(story_id="s", slug="s", headline="H", body="One.\n\nTwo.\n")
    pending = live.evolve(body="One.\n\nTwo, fixed.\n", correction="Fixed two.")
    left, right = side_by_side(live, pending)
    assert "Headline" not in left and "Correction" in right
    assert '<p>One.</p>' in left and '<p>One.</p>' in right
    assert '#fbdada; color:#1d1d1f">Two.</p>' in left
    assert '#d8f5d8; color:#1d1d1f">Two, fixed.</p>' in right


def test_a_desk_chief_sees_the_pending_update_beside_the_live_story_and_approves_it(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    story_id = window.editing.story_id  # type: ignore[union-attr]
    update_id = prepare_update(gui_store, gui_actor, story_id)
    view = updates_view(window)
    window.events.desk_changed.emit()
    qtbot.waitUntil(lambda: view.current_update() is not None)
    assert view.isVisible()  # the dock comes up when an update waits
    assert view.current_update().id == update_id  # type: ignore[union-attr]
    assert FIX in view.pending.toPlainText() and FIX not in view.live.toPlainText()
    assert view.approve_button.isEnabled() and view.discard_button.isEnabled()
    view.approve_button.click()
    qtbot.waitUntil(lambda: view.message.text() == "The update is live." and not view.busy())
    with gui_store.reading() as session:
        assert FIX in stories.get(session, story_id)[0].body
        assert [u.state for u in updates.updates_of(session, story_id)] == ["applied"]
    qtbot.waitUntil(lambda: FIX in window.editor.body_text())
    assert not view.approve_button.isEnabled()


def test_a_reporter_may_discard_their_own_update_but_not_approve_it(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    with gui_store.reading() as session:
        story_id = stories.list_stories(session, limit=1)[0].id
    prepare_update(gui_store, gui_actor, story_id)
    with gui_store.session() as session:
        kim = actor_for(session, "kim", gui_store.replica_id)
    window = desk_window(qtbot, gui_store, kim)
    window.show_story_by_id(story_id)
    view = updates_view(window)
    qtbot.waitUntil(lambda: view.current_update() is not None)
    assert not view.approve_button.isEnabled() and view.discard_button.isEnabled()
    view.discard_button.click()
    qtbot.waitUntil(lambda: view.message.text() == "Update discarded." and not view.busy())
    with gui_store.reading() as session:
        assert [u.state for u in updates.updates_of(session, story_id)] == ["discarded"]
        assert FIX not in stories.get(session, story_id)[0].body
