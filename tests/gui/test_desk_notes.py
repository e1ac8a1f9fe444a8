"""The Notes tab: notes on a selection with @mentions, marked passages, replies, resolving."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from cms.desk import notes
from cms.people import Actor, add_person
from cms.store import Store
from tests.gui.conftest import type_text, wait_saved
from tests.gui.desk_helpers import desk_window, select_passage
from ui.desk.notes_panel import NotesPane, mentions, passage_span, wrap

pytestmark = pytest.mark.gui


@pytest.fixture
def people(gui_store: Store, gui_actor: Actor) -> None:
    with gui_store.session() as session:
        add_person(session, gui_actor, "kim", "reporter")
        add_person(session, gui_actor, "lee", "editor")


def notes_pane(window: object) -> NotesPane:
    pane = window.inspector.pane("notes")  # type: ignore[attr-defined]
    assert isinstance(pane, NotesPane)
    return pane


def test_mentions_and_passages_are_found_in_plain_text() -> None:
    assert mentions("@kim please check, cc @lee. Not me@example.com") == ["kim", "lee"]
    assert passage_span("one two\n  three four", "two three") == (4, 15)
    assert passage_span("one two", "nine") is None
    assert wrap("one two three four\nfive", 9) == "one two\nthree\nfour\nfive"


def test_a_note_on_a_selection_is_stored_listed_and_marked(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor, people: None) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    pane = notes_pane(window)
    story_id = window.editing.story_id  # type: ignore[union-attr]
    words = window.editor.body_text().split("\n")[0].split()[:6]
    passage = " ".join(words)
    select_passage(window, passage)
    assert pane.add_button.text() == "Add note on selection"
    pane.text.setPlainText("Source? @kim")
    pane.add_button.click()
    qtbot.waitUntil(lambda: len(pane.notes_shown()) == 1)
    assert pane.text.toPlainText() == ""
    with gui_store.reading() as session:
        stored = notes.list_notes(session, story_id)
    assert [(n.author, n.quote, n.to, n.text) for n in stored] == [
        ("tester", passage, ("kim",), "Source? @kim")]
    start = window.editor.body_text().index(passage)
    assert pane.passages() == [(stored[0].id, start, start + len(passage))]
    marks = window.editor.body.extraSelections()
    assert [(m.cursor.selectionStart(), m.cursor.selectionEnd()) for m in marks] == [
        (start, start + len(passage))]
    tabs = [window.inspector.tabText(n) for n in range(window.inspector.count())]
    assert "Notes (1)" in tabs  # kim would see "Notes (1 · 1 to you)"
    shown = " ".join(pane.item_texts()[0].split())  # wrapped to the tab's width
    assert shown.startswith("tester → kim") and f"“{passage}” Source? @kim" in shown


def test_replies_resolve_and_reopen(qtbot: QtBot, gui_store: Store, gui_actor: Actor,
                                    people: None) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    pane = notes_pane(window)
    pane.text.setPlainText("Who took the photo?")
    pane.add_button.click()
    qtbot.waitUntil(lambda: len(pane.notes_shown()) == 1)
    note_id = pane.notes_shown()[0].id
    pane.select_note(note_id)
    pane.text.setPlainText("Yonhap, credit added.")
    pane.reply_button.click()
    qtbot.waitUntil(lambda: len(pane.notes_shown()) == 1
                    and len(pane.notes_shown()[0].replies) == 1)
    assert pane.item_texts()[1].endswith("Yonhap, credit added.")
    pane.select_note(note_id)
    assert pane.resolve_button.text() == "Resolve"
    pane.resolve_button.click()
    qtbot.waitUntil(lambda: pane.notes_shown() == [] and not pane.busy())
    pane.show_resolved.setChecked(True)
    qtbot.waitUntil(lambda: len(pane.notes_shown()) == 1)
    assert pane.notes_shown()[0].resolved and "resolved" in pane.item_texts()[0]
    pane.select_note(note_id)
    assert pane.resolve_button.text() == "Reopen"
    pane.resolve_button.click()
    qtbot.waitUntil(lambda: pane.message.text() == "Note reopened." and not pane.busy())
    assert not pane.notes_shown()[0].resolved


def test_bad_notes_say_why_and_keep_the_text(qtbot: QtBot, gui_store: Store,
                                             gui_actor: Actor, people: None) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    pane = notes_pane(window)
    pane.text.setPlainText("Ask @nobody about it")
    pane.add_button.click()
    qtbot.waitUntil(lambda: "nobody called 'nobody'" in pane.message.text())
    assert pane.text.toPlainText() == "Ask @nobody about it"
    pane.text.setPlainText("   ")
    pane.add_button.click()
    qtbot.waitUntil(lambda: pane.message.text() == "the note is empty")
    assert pane.notes_shown() == []


def test_a_note_whose_passage_is_edited_away_shows_detached(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor, people: None) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    pane = notes_pane(window)
    first_line = window.editor.body_text().split("\n")[0]
    passage = " ".join(first_line.split()[:4])
    select_passage(window, passage)
    pane.text.setPlainText("Too long an opening.")
    pane.add_button.click()
    qtbot.waitUntil(lambda: len(pane.notes_shown()) == 1)
    select_passage(window, first_line)
    type_text(qtbot, window.editor.body, "A new opening.")
    wait_saved(qtbot, window)
    qtbot.waitUntil(lambda: window.editor.body.extraSelections() == [])
    pane.reload()
    qtbot.waitUntil(lambda: not pane.busy())
    assert "detached: its passage is gone" in pane.item_texts()[0]


def test_notes_that_arrive_behind_the_window_are_listed(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor, people: None) -> None:
    from cms.people import actor_for

    window = desk_window(qtbot, gui_store, gui_actor)
    pane = notes_pane(window)
    qtbot.waitUntil(lambda: not pane.busy())
    with gui_store.session() as session:
        lee = actor_for(session, "lee", gui_store.replica_id)
        notes.add_note(session, lee, window.editing.story_id,  # type: ignore[union-attr]
                       "Made on another laptop.", to=["tester"])
    window.events.stories_changed.emit()  # what a sync pull says
    qtbot.waitUntil(lambda: [n.text for n in pane.notes_shown()] == ["Made on another laptop."])
    assert pane.tab_title() == "Notes (1 · 1 to you)"
