"""What the window does about roles: confirmations, read-only stories, held changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cms import stories, transitions
from cms.models import RevisionHold, StoreMeta, table_of
from cms.people import DESK_CENTRAL, DESK_PERSON, Actor, actor_for, add_person
from cms.sqlutil import insert_ignore
from cms.store import Store
from cms.timeutil import utcnow
from tests.gui.conftest import open_story, open_window, wait_status
from ui.inspector.workflow_panel import WorkflowPanel
from ui.sync.status import SyncStatus, status_text
from ui.window.settings_dialog import SettingsDialog


def _person(store: Store, admin: Actor, name: str, role: str) -> Actor:
    with store.session() as session:
        add_person(session, admin, name, role)
        return actor_for(session, name, store.replica_id)


def _story(store: Store, actor: Actor, status: str = "ready") -> str:
    with store.session() as session:
        return stories.create(session, actor, headline="Council votes", status=status,
                              publish_at=utcnow() - timedelta(hours=1)
                              if status == "published" else None).document.story_id


def test_publish_now_and_kill_ask_first(qtbot: QtBot, gui_store: Store,
                                        gui_actor: Actor) -> None:
    chief = _person(gui_store, gui_actor, "dora", "desk_chief")
    story_id = _story(gui_store, gui_actor)
    window = open_window(qtbot, gui_store, chief)
    window.install_extensions()
    window.model.reload()
    open_story(qtbot, window, story_id)
    panel = window.inspector.pane("workflow")
    assert isinstance(panel, WorkflowPanel)
    wait_status(qtbot, window, "ready")
    asked: list[str] = []

    def answer(yes: bool) -> Callable[[str, str], bool]:
        def confirm(title: str, text: str) -> bool:
            asked.append(title)
            return yes
        return confirm

    panel.confirm = answer(False)
    qtbot.mouseClick(panel.move_buttons()["published"], Qt.MouseButton.LeftButton)
    assert asked == ["Publish now?"]
    assert not panel.busy()  # nothing was asked of the store
    assert window.editing is not None and window.editing.document.status == "ready"
    panel.confirm = answer(True)
    qtbot.mouseClick(panel.move_buttons()["published"], Qt.MouseButton.LeftButton)
    wait_status(qtbot, window, "published")
    panel.note.setText("Wrong council")
    qtbot.mouseClick(panel.move_buttons()["killed"], Qt.MouseButton.LeftButton)
    assert asked[-1] == "Kill this story?"
    wait_status(qtbot, window, "killed")
    window.close()


def test_a_reporter_reads_a_published_story_but_cannot_type_into_it(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    reporter = _person(gui_store, gui_actor, "rita", "reporter")
    story_id = _story(gui_store, gui_actor, "published")
    window = open_window(qtbot, gui_store, reporter)
    window.model.reload()
    open_story(qtbot, window, story_id)
    editor = window.editor
    assert editor.body.isReadOnly() and editor.headline.isReadOnly()
    assert not editor.locked.isHidden()
    assert "only a desk chief or above may change it (you are a reporter)" in \
        editor.locked.text()
    assert window.fields.tags.isReadOnly() and window.fields.slug.isReadOnly()
    draft = _story(gui_store, reporter, "draft")
    window.model.reload()
    open_story(qtbot, window, draft)
    assert not editor.body.isReadOnly() and editor.locked.isHidden()
    window.close()


def test_a_held_change_shows_in_the_status_bar_and_the_workflow_tab(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    story_id = _story(gui_store, gui_actor, "draft")
    with gui_store.session() as session:
        saved = transitions.transition(session, gui_actor, story_id, "edit")
        insert_ignore(session, table_of(RevisionHold), [{
            "revision_id": saved.revision_id, "story_id": story_id, "held_at": utcnow(),
            "reason": "kim is a reporter; moving a story from draft to published needs a "
                      "desk chief", "need_role": "desk_chief", "wanted": {},
            "settled_at": None}])
    window = open_window(qtbot, gui_store, gui_actor)
    window.install_extensions()
    window.model.reload()
    open_story(qtbot, window, story_id)
    panel = window.inspector.pane("workflow")
    assert isinstance(panel, WorkflowPanel)
    wait_status(qtbot, window, "edit")
    assert not panel.held.isHidden()
    assert "needs a desk chief" in panel.held.text()
    status = SyncStatus(state="ok", last_success=utcnow(), held=("Council votes: …",),
                        held_needs=("desk_chief",))
    assert "1 change held: needs a desk chief" in status_text(status, window.zone())
    window.close()


def test_on_a_secured_desk_the_user_name_is_the_login(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    with gui_store.session() as session:
        insert_ignore(session, table_of(StoreMeta), [
            {"key": DESK_CENTRAL, "value": "postgresql://db.example/desk"},
            {"key": DESK_PERSON, "value": gui_actor.username}])
    dialog = SettingsDialog(gui_store, gui_actor)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.loaded, timeout=10_000)
    assert dialog.user_name.isReadOnly() and dialog.user_name.text() == gui_actor.username
    assert "secured central store (postgresql://db.example/desk)" in dialog.trust_note.text()
    assert dialog.role.text() == "admin"


def test_a_shared_file_desk_is_told_it_cannot_enforce_roles(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor, tmp_path: object) -> None:
    _person(gui_store, gui_actor, "rita", "reporter")
    with gui_store.session() as session:
        from cms.config import set_setting
        set_setting(session, "central_url", "/shared/desk/central.db", username="x")
    dialog = SettingsDialog(gui_store, gui_actor)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.loaded, timeout=10_000)
    assert "cannot enforce roles" in dialog.trust_note.text()
