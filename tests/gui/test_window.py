"""The main window driven as a user would: create, type, autosave, reopen, search, filter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from cms import stories
from cms.document import StoryDocument
from cms.people import Actor
from cms.store import Store
from tests.gui.conftest import (
    click_when_shown,
    editing,
    open_story,
    open_window,
    type_text,
    wait_saved,
)
from ui.editor.editing import SaveState
from ui.window.main_window import MainWindow


def _story_in_store(store: Store, story_id: str) -> StoryDocument:
    with store.reading() as session:
        return stories.get(session, story_id)[0]


def test_window_opens_on_the_sample_newsroom(window: MainWindow) -> None:
    assert window.model.rowCount() == 6
    assert window.editing is not None  # the newest story is open straight away
    assert window.editor.headline.text()
    assert "words" in window.words_label.text()
    assert "Asia/Seoul" in window.zone_label.text()


def test_new_story_typing_autosaves_and_survives_a_reopen(
    qtbot: QtBot, window: MainWindow, gui_store: Store, gui_actor: Actor
) -> None:
    before = window.model.rowCount()
    window.acts.new_story.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == before + 1)
    qtbot.waitUntil(lambda: window.editor.headline.text() == "Untitled story")
    story_id = editing(window).story_id
    qtbot.keyClicks(window.editor.headline, "Goat tests fence")
    window.editor.focus_body()
    qtbot.keyClicks(window.editor.body, "The goat walked up to the wire.")
    assert window.save_label.text() in ("Edited", "Saving…")
    wait_saved(qtbot, window)
    stored = _story_in_store(gui_store, story_id)
    assert stored.headline == "Goat tests fence"
    assert stored.body == "The goat walked up to the wire."
    assert window.words_label.text().startswith("7 words")
    window.close()

    again = open_window(qtbot, gui_store, gui_actor)
    assert again.editing is not None and again.editing.story_id == story_id  # reopened last
    assert again.editor.body_text() == "The goat walked up to the wire."
    again.close()


def test_switching_stories_saves_the_one_left(qtbot: QtBot, window: MainWindow,
                                              gui_store: Store) -> None:
    first = editing(window).story_id
    window.editor.focus_body()
    qtbot.keyClicks(window.editor.body, "Added line. ")
    window.acts.next_story.trigger()
    qtbot.waitUntil(lambda: editing(window).story_id != first)
    qtbot.waitUntil(lambda: _story_in_store(gui_store, first).body.startswith("Added line. "))


def test_closing_with_a_save_in_flight_stores_every_keystroke(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QTextCursor

    from ui.editor import editing as editing_module
    from ui.editor.journal import journals

    monkeypatch.setattr(editing_module, "AUTOSAVE_IDLE_MS", 600_000)  # only close saves
    window = open_window(qtbot, gui_store, gui_actor)
    story_id = editing(window).story_id
    window.editor.body.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(window.editor.body, " First words.")
    window.acts.save.trigger()
    assert editing(window).saving()  # on the write thread when the window closes
    qtbot.keyClicks(window.editor.body, " Last words.")
    window.close()  # waits for that save through the event loop, then saves the rest
    assert not window.isVisible()
    assert _story_in_store(gui_store, story_id).body.endswith(" First words. Last words.")
    assert journals(window.journal_dir) == []


def test_status_and_section_filters(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.story_list
    panel.section_filter.setCurrentIndex(panel.section_filter.findText("North Korea"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    qtbot.waitUntil(lambda: window.model.index(0, 1).data() == "North Korea")
    panel.section_filter.setCurrentIndex(0)
    panel.status_filter.setCurrentIndex(panel.status_filter.findText("draft"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    assert panel.status_line.text() == "0 stories"
    panel.status_filter.setCurrentIndex(0)
    qtbot.waitUntil(lambda: window.model.rowCount() == 6)


def test_search_box_shows_matches_with_highlighted_snippets(qtbot: QtBot,
                                                            window: MainWindow) -> None:
    window.acts.search_stories.trigger()
    assert QApplication.focusWidget() is window.story_list.search_box
    qtbot.keyClicks(window.story_list.search_box, "goat")
    qtbot.waitUntil(lambda: window.model.query.text == "goat" and not window.model.loading()
                    and window.model.rowCount() >= 1)
    snippet = window.model.index(0, 0).data(Qt.ItemDataRole.UserRole + 1)
    assert "<mark>" in snippet.lower()
    assert "matches" in window.story_list.status_line.text()
    window.story_list.view.selectRow(0)
    qtbot.waitUntil(lambda: "goat" in window.editor.body_text().lower())
    window.story_list.search_box.clear()
    qtbot.waitUntil(lambda: window.model.rowCount() == 6)


def test_sorting_by_headline(qtbot: QtBot, window: MainWindow) -> None:
    window.story_list.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: window.model.query.sort == "headline" and not window.model.loading())

    def headlines() -> list[str]:
        return [window.model.index(r, 0).data() for r in range(window.model.rowCount())]

    qtbot.waitUntil(lambda: "…" not in headlines())
    assert len(headlines()) == 6 and headlines() == sorted(headlines())


def test_inspector_time_entry_uses_the_desk_zone(qtbot: QtBot, window: MainWindow,
                                                 gui_store: Store) -> None:
    fields = window.fields
    fields.embargo.setFocus()
    fields.embargo.clear()
    qtbot.keyClicks(fields.embargo, "2035-03-01 09:30")
    qtbot.keyClick(fields.embargo, Qt.Key.Key_Return)
    story_id = editing(window).story_id
    wait_saved(qtbot, window)
    stored = _story_in_store(gui_store, story_id)
    assert stored.embargo_until is not None
    assert stored.embargo_until.isoformat() == "2035-03-01T00:30:00+00:00"  # Seoul is +09
    fields.embargo.clear()
    qtbot.keyClicks(fields.embargo, "next tuesday")
    qtbot.keyClick(fields.embargo, Qt.Key.Key_Return)
    assert "invalid time" in fields.error.text()
    assert _story_in_store(gui_store, story_id).embargo_until == stored.embargo_until
    fields.embargo.clear()
    qtbot.keyClicks(fields.embargo, "2025-03-01 09:30")
    qtbot.keyClick(fields.embargo, Qt.Key.Key_Return)
    assert "is in the past" in fields.error.text()  # a time a person enters lies ahead
    assert _story_in_store(gui_store, story_id).embargo_until == stored.embargo_until


def test_find_and_replace(qtbot: QtBot, window: MainWindow) -> None:
    window.editor.body.setPlainText("cat and cat and dog")
    window.acts.replace.trigger()
    bar = window.editor.find_bar
    assert bar.isVisible()
    bar.find_box.setText("cat")
    bar.replace_box.setText("goat")
    qtbot.mouseClick(bar.replace_all_button, Qt.MouseButton.LeftButton)
    assert window.editor.body_text() == "goat and goat and dog"
    window.acts.undo.trigger()
    assert window.editor.body_text() == "cat and cat and dog"
    window.acts.redo.trigger()
    assert window.editor.body_text() == "goat and goat and dog"
    qtbot.keyClick(bar.find_box, Qt.Key.Key_Escape)
    assert not bar.isVisible()


def test_a_change_made_elsewhere_is_a_conflict_that_keeps_my_text(
    qtbot: QtBot, window: MainWindow, gui_store: Store, gui_actor: Actor
) -> None:
    story_id = editing(window).story_id
    with gui_store.session() as session:
        stories.edit(session, gui_actor, story_id, standfirst="Changed on another laptop.")
    window.editor.focus_body()
    qtbot.keyClicks(window.editor.body, "My sentence. ")
    window.acts.save.trigger()
    qtbot.waitUntil(lambda: editing(window).state is SaveState.CONFLICT)
    box = _shown_box(qtbot, "conflictBox")
    assert window.editor.body_text().startswith("My sentence. ")
    assert window.save_label.text() == "Not saved — changed elsewhere"
    mine = next(b for b in box.buttons() if b.text() == "Save mine over theirs")
    qtbot.mouseClick(mine, Qt.MouseButton.LeftButton)
    wait_saved(qtbot, window)
    assert _story_in_store(gui_store, story_id).body.startswith("My sentence. ")


def test_preview_follows_the_text(qtbot: QtBot, window: MainWindow) -> None:
    window.acts.toggle_preview.trigger()
    assert not window.preview.isVisible()
    window.acts.toggle_preview.trigger()  # shown again: must not break the debounce
    assert window.preview.isVisible()
    qtbot.waitUntil(lambda: not window.preview.busy())
    renders = window.preview.renders
    window.editor.focus_body()
    window.editor.body.selectAll()
    with qtbot.waitSignal(window.preview.rendered, timeout=5000):
        type_text(qtbot, window.editor.body, "## A subheading\n\nSome *emphasis*.")
        for char in " More.":  # keys 30 ms apart, the event loop running in between
            qtbot.keyClicks(window.editor.body, char)
            qtbot.wait(30)
    html = window.preview.toHtml()
    assert "A subheading" in html and "emphasis" in html
    # Debounced: one render for the whole burst of typing, not one per key.
    assert window.preview.renders == renders + 1


def test_theme_switch_keeps_working(qtbot: QtBot, window: MainWindow) -> None:
    window.acts.theme_dark.trigger()
    assert QApplication.palette().color(QApplication.palette().ColorRole.Window).lightness() < 128
    window.acts.theme_light.trigger()
    assert QApplication.palette().color(QApplication.palette().ColorRole.Window).lightness() > 128


def test_a_briefly_locked_store_delays_the_save_but_never_typing(
    qtbot: QtBot, window: MainWindow, gui_store: Store
) -> None:
    import sqlite3

    story_id = editing(window).story_id
    blocker = sqlite3.connect(str(gui_store.url.database), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        window.editor.focus_body()
        qtbot.keyClicks(window.editor.body, "Locked out. ")
        window.acts.save.trigger()
        qtbot.waitUntil(lambda: window.save_label.text() == "Saving…")
        qtbot.keyClicks(window.editor.body, "Still typing. ")  # the window stays responsive
        assert window.editor.body_text().startswith("Locked out. Still typing. ")
        qtbot.wait(300)
        assert editing(window).state is not SaveState.SAVED
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    wait_saved(qtbot, window, timeout=20_000)
    assert _story_in_store(gui_store, story_id).body.startswith("Locked out. Still typing. ")


@pytest.mark.pg
def test_window_on_postgresql_autosaves(qtbot: QtBot, pg_url: str) -> None:
    from cms.people import actor_for
    from cms.sample import first_run

    store = Store.open(pg_url, create=True)
    try:
        with store.session() as session:
            actor = actor_for(session, "tester", store.replica_id)
        first_run(store, actor)
        window = open_window(qtbot, store, actor)
        assert window.model.rowCount() == 6
        story_id = editing(window).story_id
        window.editor.focus_body()
        qtbot.keyClicks(window.editor.body, "Central desk. ")
        wait_saved(qtbot, window)
        assert _story_in_store(store, story_id).body.startswith("Central desk. ")
        window.story_list.search_box.setText("goat")
        window.story_list.apply_filters()
        qtbot.waitUntil(lambda: not window.model.loading() and window.model.rowCount() >= 1)
        window.close()
    finally:
        store.close()


def _shown_box(qtbot: QtBot, name: str) -> QMessageBox:
    """The message box called ``name`` on screen now (earlier tests' closed windows
    leave theirs behind, hidden)."""
    found: list[QMessageBox] = []

    def shown() -> bool:
        found[:] = [w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QMessageBox) and w.objectName() == name and w.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown)
    return found[0]


def test_closing_with_unsaved_text_asks_and_keeps_it_for_recovery(
    qtbot: QtBot, window: MainWindow, gui_store: Store, gui_actor: Actor
) -> None:
    from tests.gui.conftest import found_recoveries
    from ui.editor.journal import journals

    story_id = editing(window).story_id
    with gui_store.session() as session:
        stories.edit(session, gui_actor, story_id, byline="Someone else")
    window.editor.focus_body()
    qtbot.keyClicks(window.editor.body, "Unsaved words. ")
    window.acts.save.trigger()
    qtbot.waitUntil(lambda: editing(window).state is SaveState.CONFLICT)
    conflict = _shown_box(qtbot, "conflictBox")
    next(b for b in conflict.buttons() if b.text() == "Decide later").click()

    seen = click_when_shown("unsavedBox", "Keep editing")
    closed = window.close()
    open_session = window.editing
    assert seen and "could not be saved" in seen[0], (
        closed, window.isVisible(), open_session and (open_session.state, open_session.dirty,
                                                           open_session.last_error),
        [w.objectName() for w in QApplication.topLevelWidgets() if w.isVisible()])
    assert window.isVisible()  # nothing closed, nothing discarded
    assert window.editor.body_text().startswith("Unsaved words. ")

    click_when_shown("unsavedBox", "Close, keep for recovery")
    window.close()
    assert not window.isVisible()
    assert len(journals(window.journal_dir)) == 1
    again = open_window(qtbot, gui_store, gui_actor)
    recovered = found_recoveries(qtbot, again)
    assert [r.story_id for r, _stored in recovered] == [story_id]
    assert recovered[0][0].document.body.startswith("Unsaved words. ")
    again.close()


def test_keyboard_shortcuts(qtbot: QtBot, window: MainWindow) -> None:
    window.editor.focus_body()
    qtbot.keyClick(window.editor.body, Qt.Key.Key_K,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QApplication.focusWidget() is window.story_list.search_box
    first = editing(window).story_id
    qtbot.keyClick(window.story_list.search_box, Qt.Key.Key_PageDown,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editing(window).story_id != first)
    qtbot.keyClick(window.story_list.search_box, Qt.Key.Key_PageUp,
                   Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editing(window).story_id == first)
    window.editor.focus_body()
    qtbot.keyClick(window.editor.body, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.editor.find_bar.isVisible()
    preview_shown = window.preview.isVisible()
    qtbot.keyClick(window.editor.body, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert window.preview.isVisible() is not preview_shown


def test_layout_is_remembered(qtbot: QtBot, window: MainWindow, gui_store: Store,
                              gui_actor: Actor) -> None:
    window.resize(780, 560)  # inside the offscreen test screen, so geometry restores as is
    qtbot.waitUntil(lambda: window.centre.width() >= 700)
    window.centre.setSizes([380, window.centre.width() - 386])
    wanted = window.centre.sizes()
    window.close()
    again = open_window(qtbot, gui_store, gui_actor)
    assert again.size().width() == 780
    assert again.centre.sizes() == wanted
    again.acts.toggle_preview.trigger()  # hide the preview
    again.close()
    third = open_window(qtbot, gui_store, gui_actor)
    assert not third.preview.isVisible()
    third.acts.toggle_preview.trigger()
    third.close()


def test_preview_shows_placed_photos_as_figures(qtbot: QtBot, window: MainWindow) -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QImage, QTextDocument

    from cms.sample import sample_id

    open_story(qtbot, window, sample_id("story", "jcs-drones"))
    photo = editing(window).document.photos[-1]
    assert f"![[photo:{photo.id[:8]}]]" in window.editor.body_text()
    qtbot.waitUntil(lambda: not window.preview.busy())

    def loaded() -> bool:
        image = window.preview.document().resource(
            QTextDocument.ResourceType.ImageResource.value, QUrl(f"photos/{photo.sha256}"))
        return isinstance(image, QImage) and not image.isNull()

    qtbot.waitUntil(loaded)  # read from the store and scaled on a worker
    assert photo.caption.split(",")[0] in window.preview.toPlainText()


def test_going_back_before_the_other_story_loads_keeps_the_first(
        qtbot: QtBot, window: MainWindow, gui_store: Store) -> None:
    a = editing(window).story_id
    with gui_store.reading() as session:
        b = next(x for x in stories.story_ids(session) if x != a)
    window.show_story_by_id(b)
    window.show_story_by_id(a)  # the user changes their mind before B has loaded
    qtbot.waitUntil(lambda: window._opening.dropped >= 1, timeout=10_000)  # B's read came back
    assert editing(window).story_id == a
