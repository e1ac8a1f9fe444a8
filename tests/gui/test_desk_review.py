"""The desk's panes after the UI review: plain-text names, no stale story, readable marks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QTextDocument
from PySide6.QtWidgets import QTreeWidgetItem
from pytestqt.qtbot import QtBot

from cms import stories
from cms.desk import assignments, notes, updates
from cms.desk.presence import Editing
from cms.desk.work import MyDesk
from cms.people import Actor, actor_for
from cms.store import Store
from cms.timeutil import utcnow
from tests.gui.conftest import open_story
from tests.gui.desk_helpers import desk_window, select_passage
from tests.gui.test_accessibility import contrast
from tests.gui.test_desk_updates import FIX, prepare_update, updates_view
from ui.desk.assign_panel import AssignPane
from ui.desk.my_desk import MyDeskView
from ui.desk.notes_panel import NotesPane
from ui.desk.presence import PresenceWatcher
from ui.window.extensions import OpenStory
from ui.window.main_window import MainWindow
from ui.window.theme import is_dark

pytestmark = pytest.mark.gui

MARKUP = '<a href="x">Kim</a><h1>HANDED OVER</h1>'


def test_names_in_the_presence_banner_and_my_desk_are_plain_text(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    qtbot.waitUntil(lambda: window.editor.findChild(PresenceWatcher) is not None)
    watcher = window.editor.findChild(PresenceWatcher)
    assert isinstance(watcher, PresenceWatcher)
    watcher.others = (Editing(person=MARKUP, since=utcnow(), replica_id="r1"),)
    watcher._show()  # what a poll finding this editor shows
    label = watcher.banner.label
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert watcher.text().startswith(f"{MARKUP} is editing (since ")
    view = window.findChild(MyDeskView)
    assert isinstance(view, MyDeskView)
    view._show(MyDesk(person=MARKUP, now=utcnow()))  # what a read of that desk shows
    assert view.title.textFormat() == Qt.TextFormat.PlainText
    assert view.title.text() == f"{MARKUP}'s desk" and view.title.font().bold()


def test_switching_stories_shows_nothing_of_the_previous_one_meanwhile(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    notes_pane, assign_pane = window.inspector.pane("notes"), window.inspector.pane("assign")
    assert isinstance(notes_pane, NotesPane) and isinstance(assign_pane, AssignPane)
    first = window.editing.story_id  # type: ignore[union-attr]
    prepare_update(gui_store, gui_actor, first)  # adds kim, who proposes an update
    with gui_store.session() as session:
        notes.add_note(session, gui_actor, first, "Note on the first story")
        assignments.assign(session, gui_actor, first, "kim")
        other = next(s for s in stories.story_ids(session) if s != first)
    view = updates_view(window)
    window.events.desk_changed.emit()
    window.events.stories_changed.emit()
    qtbot.waitUntil(lambda: len(notes_pane.notes_shown()) == 1
                    and assign_pane.assigned_people() == ["kim"]
                    and view.current_update() is not None)
    notes_pane.select_note(notes_pane.notes_shown()[0].id)
    on_show: list[tuple[object, ...]] = []

    def opened(story: OpenStory | None) -> None:  # right after the panes follow the story
        on_show.append((story.document.story_id if story else None, notes_pane.item_texts(),
                        notes_pane.tab_title(), notes_pane.resolve_button.isEnabled(),
                        len(window.editor.body.extraSelections()),
                        assign_pane.assigned_people(), view.list.count(),
                        view.approve_button.isEnabled(), FIX in view.pending.toPlainText()))

    window.events.story_opened.connect(opened)
    open_story(qtbot, window, other)
    assert on_show[-1] == (other, [], "Notes", False, 0, [], 0, False, False)
    qtbot.waitUntil(lambda: not (notes_pane.busy() or assign_pane.busy() or view.busy()))
    assert notes_pane.notes_shown() == [] and assign_pane.assigned_people() == []
    assert view.current_update() is None



def test_a_closed_updates_dock_comes_back_only_for_a_new_update(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> None:
    window = desk_window(qtbot, gui_store, gui_actor)
    story_id = window.editing.story_id  # type: ignore[union-attr]
    first = prepare_update(gui_store, gui_actor, story_id)
    view = updates_view(window)
    window.events.desk_changed.emit()
    qtbot.waitUntil(lambda: view.current_update() is not None)
    assert view.isVisible()
    dock = view.parentWidget()
    assert dock is not None
    dock.close()  # the user closes the Updates dock
    qtbot.waitUntil(lambda: not view.isVisible())
    window.events.desk_changed.emit()  # something else on the desk changes (a note, a sync)
    window.events.stories_changed.emit()
    qtbot.waitUntil(lambda: not view.busy())
    assert not view.isVisible()
    with gui_store.session() as session:  # kim sends another update: that one is news
        kim = actor_for(session, "kim", gui_store.replica_id)
        updates.discard(session, kim, story_id, first)
        live, _ = stories.get(session, story_id)
        second = updates.propose(session, kim, story_id, {"headline": f"{live.headline}!"})
    window.events.desk_changed.emit()
    qtbot.waitUntil(lambda: not view.busy())
    assert view.isVisible()
    current = view.current_update()
    assert current is not None and current.id == second


def marked_contrasts(document: QTextDocument) -> list[float]:
    """Text against background of every marked block of a comparison."""
    out = []
    block = document.begin()
    while block.isValid():
        fmt = block.blockFormat()
        if fmt.background().style() != Qt.BrushStyle.NoBrush:
            out.append(contrast(block.charFormat().foreground().color(), fmt.background().color()))
        block = block.next()
    return out


@pytest.fixture
def themed(qtbot: QtBot, gui_store: Store, gui_actor: Actor) -> Iterator[MainWindow]:
    window = desk_window(qtbot, gui_store, gui_actor)
    window.commands.set_theme("light")
    yield window
    window.commands.set_theme("system")


def test_note_update_and_late_marks_are_readable_in_both_themes(
        qtbot: QtBot, gui_store: Store, gui_actor: Actor, themed: MainWindow) -> None:
    window = themed
    pane, view = window.inspector.pane("notes"), updates_view(window)
    desk = window.findChild(MyDeskView)
    assert isinstance(pane, NotesPane) and isinstance(desk, MyDeskView)
    story_id = window.editing.story_id  # type: ignore[union-attr]
    prepare_update(gui_store, gui_actor, story_id)
    with gui_store.session() as session:
        done = notes.add_note(session, gui_actor, story_id, "settled")
        notes.set_resolved(session, gui_actor, done, True)
        assignments.assign(session, gui_actor, story_id, "tester",
                           due=utcnow() - timedelta(hours=1))
    select_passage(window, window.editor.body_text().split()[0])
    pane.text.setPlainText("check")
    pane.add_button.click()
    qtbot.waitUntil(lambda: len(pane.notes_shown()) == 1 and not pane.busy())
    pane.show_resolved.setChecked(True)  # the resolved note is listed, muted
    window.events.desk_changed.emit()
    qtbot.waitUntil(lambda: len(pane.notes_shown()) == 2 and not pane.busy()
                    and view.current_update() is not None and not view.busy()
                    and desk.desk is not None and not desk.busy())
    late = desk.tree.topLevelItem(0)
    assert late is not None and late.child(0) is not None
    muted = next(item for item in pane._items() if "resolved" in item.text(0))

    def ratios() -> list[float]:
        base = desk.tree.palette().color(QPalette.ColorRole.Base)
        marks = [contrast(m.format.foreground().color(), m.format.background().color())
                 for m in window.editor.body.extraSelections()]
        row: QTreeWidgetItem = late.child(0)  # type: ignore[assignment]
        return [*marks, *marked_contrasts(view.pending.document()),
                *marked_contrasts(view.live.document()),
                contrast(row.foreground(0).color(), base),
                contrast(muted.foreground(0).color(),
                         pane.list.palette().color(QPalette.ColorRole.Base))]

    light = ratios()
    assert len(light) >= 5 and min(light) >= 4.5, light
    window.commands.set_theme("dark")  # the palette reaches each widget through events
    qtbot.waitUntil(lambda: is_dark(desk.tree.palette()) and is_dark(pane.list.palette()))
    muted = next(item for item in pane._items() if "resolved" in item.text(0))
    dark = ratios()
    assert len(dark) == len(light) and min(dark) >= 4.5, dark
