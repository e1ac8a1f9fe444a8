"""Save as update: changes to a live story become a pending update; the live story stays."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cms import stories
from cms.config import desk_zone
from cms.desk import updates
from cms.people import Actor, actor_for, add_person
from cms.rules import load_rules
from cms.store import Store
from cms.timeutil import utcnow
from tests.gui.conftest import click_when_shown
from tests.gui.desk_helpers import desk_window
from ui.desk.update_mode import SAVED, STILL_SAVING, UpdateDialog, UpdateMode
from ui.desk.updates_panel import UpdatesView
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui

FIX = "A sentence the update adds."
CORRECTION = "A correction the desk chief made live after the reporter opened the story."


def live_story(store: Store) -> str:
    with store.reading() as session:
        public = load_rules(session).public
        return next(s.id for s in stories.list_stories(session, limit=50) if s.status in public)


def mode_of(window: MainWindow) -> UpdateMode:
    found = window.editor.findChild(UpdateMode)
    assert isinstance(found, UpdateMode)
    return found


def open_live(qtbot: QtBot, window: MainWindow, story_id: str) -> UpdateMode:
    window.show_story_by_id(story_id)
    qtbot.waitUntil(lambda: window.editing is not None and window.editing.story_id == story_id)
    mode = mode_of(window)
    qtbot.waitUntil(lambda: mode.banner.isVisible(), timeout=10_000)
    return mode


def dialog_of(mode: UpdateMode) -> UpdateDialog:
    mode.banner.button.click()
    assert mode.dialog is not None and mode.dialog.isVisible()
    return mode.dialog


def test_a_reporter_s_changes_to_a_live_story_are_saved_as_a_pending_update(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    story_id = live_story(gui_store)
    with gui_store.session() as session:
        add_person(session, gui_actor, "kim", "reporter")
        kim = actor_for(session, "kim", gui_store.replica_id)
        live_before, head_before = stories.get(session, story_id)
    window = desk_window(qtbot, gui_store, kim)
    mode = open_live(qtbot, window, story_id)
    assert "you may not change it directly" in mode.banner.label.text()
    assert window.editor.body.isReadOnly()  # the live text itself stays locked
    dialog = dialog_of(mode)
    dialog.body.setPlainText(f"{dialog.body.toPlainText().rstrip()} {FIX}")
    dialog.note.setText("one more fact")
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        dialog.save_button.click()
    update_id = saved.args[0]
    assert SAVED in mode.banner.label.text()
    assert window.statusBar().currentMessage() == SAVED
    with gui_store.reading() as session:
        live, head = stories.get(session, story_id)
        pending = updates.updates_of(session, story_id)
    assert (live.body, head) == (live_before.body, head_before)  # the live story is unchanged
    assert [(u.id, u.state, u.author) for u in pending] == [(update_id, "pending", "kim")]
    assert FIX in pending[0].document.body
    view = window.findChild(UpdatesView)
    assert isinstance(view, UpdatesView)
    qtbot.waitUntil(lambda: view.current_update() is not None, timeout=10_000)
    assert view.current_update().id == update_id  # type: ignore[union-attr]
    assert FIX in view.pending.toPlainText() and FIX not in view.live.toPlainText()


def test_an_editor_saves_an_update_that_goes_live_later_and_bad_times_lose_nothing(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    story_id = live_story(gui_store)
    with gui_store.reading() as session:
        live_before, _ = stories.get(session, story_id)
        zone = desk_zone(session)
    window = desk_window(qtbot, gui_store, gui_actor)
    mode = open_live(qtbot, window, story_id)
    assert "goes live when it is saved" in mode.banner.label.text()
    dialog = dialog_of(mode)
    dialog.headline.setText("A better headline")
    dialog.at.setText("2001-01-01 10:00")  # in the past: refused, the text kept
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Not saved:"), timeout=10_000)
    assert "in the past" in dialog.message.text()
    assert dialog.isVisible() and dialog.headline.text() == "A better headline"
    with gui_store.reading() as session:
        assert updates.updates_of(session, story_id) == []

    later = (utcnow() + timedelta(days=1)).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    dialog.at.setText(later)
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save_button.click()
    with gui_store.reading() as session:
        live, _ = stories.get(session, story_id)
        [update] = updates.updates_of(session, story_id)
    assert live.headline == live_before.headline
    # A desk chief's own update with a time needs nobody's approval: it waits for its time.
    assert update.state == "approved" and update.document.headline == "A better headline"
    assert update.go_live_at is not None
    assert update.go_live_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") == later


def test_a_story_that_is_not_out_has_no_update_banner(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    with gui_store.session() as session:
        draft = stories.create(session, gui_actor, headline="Not out yet", body="Text.\n")
    window = desk_window(qtbot, gui_store, gui_actor)
    window.show_story_by_id(draft.document.story_id)
    qtbot.waitUntil(lambda: window.editing is not None
                    and window.editing.story_id == draft.document.story_id)
    mode = mode_of(window)
    qtbot.waitUntil(lambda: mode.rules is not None)
    assert not mode.banner.isVisible() and not mode.action.isEnabled()


def _reporter_window(qtbot: QtBot, store: Store, admin: Actor) -> tuple[MainWindow, str]:
    story_id = live_story(store)
    with store.session() as session:
        add_person(session, admin, "kim", "reporter")
        kim = actor_for(session, "kim", store.replica_id)
    return desk_window(qtbot, store, kim), story_id


def test_an_update_from_a_stale_editor_keeps_a_correction_made_live_meanwhile(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window, story_id = _reporter_window(qtbot, gui_store, gui_actor)
    mode = open_live(qtbot, window, story_id)
    with gui_store.session() as session:  # the desk chief corrects the live story meanwhile
        live, _ = stories.get(session, story_id)
        stories.edit(session, gui_actor, story_id,
                     body=live.body.rstrip() + "\n\n" + CORRECTION + "\n")
    dialog = dialog_of(mode)
    assert CORRECTION not in dialog.body.toPlainText()  # kim's copy is older
    dialog.headline.setText("Reporter's better headline")  # kim changes only the headline
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        dialog.save_button.click()
    with gui_store.session() as session:
        [update] = updates.updates_of(session, story_id)
        assert update.fields == ("headline",)
        updates.approve(session, gui_actor, story_id, saved.args[0])
    with gui_store.reading() as session:
        live_after, _ = stories.get(session, story_id)
    assert live_after.headline == "Reporter's better headline"
    assert CORRECTION in live_after.body  # the chief's correction is kept


def test_cancel_while_saving_is_refused_and_the_save_is_reported(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window, story_id = _reporter_window(qtbot, gui_store, gui_actor)
    mode = open_live(qtbot, window, story_id)
    dialog = dialog_of(mode)
    dialog.headline.setText("Typed by kim")
    with qtbot.capture_exceptions() as caught, \
            qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        dialog.save_button.click()
        assert dialog.busy()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc while "Saving…"
        dialog.reject()  # Cancel
        assert not dialog.close()  # the title bar's close
        assert dialog.isVisible() and dialog.message.text() == STILL_SAVING
    qtbot.waitUntil(lambda: mode.dialog is None)
    assert not caught
    assert mode.last_saved == saved.args[0]
    assert window.statusBar().currentMessage() == SAVED
    with gui_store.reading() as session:
        assert [u.id for u in updates.updates_of(session, story_id)] == [saved.args[0]]


def test_closing_a_changed_dialog_asks_and_keeps_the_text(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window, story_id = _reporter_window(qtbot, gui_store, gui_actor)
    mode = open_live(qtbot, window, story_id)
    dialog = dialog_of(mode)
    dialog.reject()  # nothing typed: closes without asking
    qtbot.waitUntil(lambda: mode.dialog is None)
    dialog = dialog_of(mode)
    dialog.body.setPlainText(dialog.body.toPlainText() + "\n\nTwenty minutes of typing.\n")
    seen = click_when_shown("discardUpdateBox", "Keep editing")
    dialog.reject()
    assert seen and "not saved" in seen[0]
    assert dialog.isVisible() and "Twenty minutes of typing." in dialog.body.toPlainText()
    click_when_shown("discardUpdateBox", "Discard")
    dialog.reject()
    qtbot.waitUntil(lambda: mode.dialog is None)


def test_closing_the_window_with_a_typed_update_asks_and_refuses_while_saving(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window, story_id = _reporter_window(qtbot, gui_store, gui_actor)
    mode = open_live(qtbot, window, story_id)
    dialog = dialog_of(mode)
    dialog.body.setPlainText(dialog.body.toPlainText() + "\n\nTwenty minutes of typing.\n")
    seen = click_when_shown("discardUpdateBox", "Keep editing")
    window.close()
    assert seen and window.isVisible() and dialog.isVisible()
    assert "Twenty minutes of typing." in dialog.body.toPlainText()

    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        dialog.save_button.click()
        window.close()  # while saving: refused, nothing asked
        assert window.isVisible() and dialog.message.text() == STILL_SAVING
    qtbot.waitUntil(lambda: mode.dialog is None)
    with gui_store.reading() as session:
        [update] = updates.updates_of(session, story_id)
    assert "Twenty minutes of typing." in update.document.body

    dialog = dialog_of(mode)
    dialog.headline.setText("Typed, then dropped")
    click_when_shown("discardUpdateBox", "Discard")
    window.close()
    assert not window.isVisible() and mode.dialog is None


def test_the_dialog_starts_from_the_stored_text_not_the_editor_s_unsaved_edits(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    story_id = live_story(gui_store)
    with gui_store.reading() as session:
        stored, _ = stories.get(session, story_id)
    window = desk_window(qtbot, gui_store, gui_actor)  # an editor: their edits go live
    mode = open_live(qtbot, window, story_id)
    window.change_story(headline="Typed in the editor, going live on its own")
    dialog = dialog_of(mode)  # before the autosave
    assert dialog.headline.text() == stored.headline
    assert dialog.body.toPlainText() == stored.body
    assert not dialog.changed() and dialog.draft().changes == {}
    dialog.reject()  # nothing typed here: closes without asking
    qtbot.waitUntil(lambda: mode.dialog is None)
