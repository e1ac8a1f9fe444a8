"""The desk's panes after the UI review: names are plain text."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cms.desk.presence import Editing
from cms.desk.work import MyDesk
from cms.people import Actor
from cms.store import Store
from cms.timeutil import utcnow
from tests.gui.desk_helpers import desk_window
from ui.desk.my_desk import MyDeskView
from ui.desk.presence import PresenceWatcher

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
