"""After a sync pull: conflict badges in the story list, and the open story reloaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from cms import stories
from cms.people import Actor
from cms.sample import sample_id
from cms.store import Store
from cms.sync.replication import sync
from tests.gui.conftest import editing, open_story, wait_ready
from tests.sync.helpers import desk_store, make_central
from ui.stories.model import COLUMNS, CONFLICT_TAG
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui
JCS = sample_id("story", "jcs-drones")
STATUS = next(n for n, c in enumerate(COLUMNS) if c.key == "status")


def _window(qtbot: QtBot, store: Store, actor: Actor, story_id: str) -> MainWindow:
    window = MainWindow(store, actor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_ready(qtbot, window)
    open_story(qtbot, window, story_id)
    return window


def _status_cell(window: MainWindow, story_id: str) -> tuple[str, str | None]:
    row = window.model.row_of(story_id)
    assert row is not None
    index = window.model.index(row, STATUS)
    return (window.model.data(index, Qt.ItemDataRole.DisplayRole),
            window.model.data(index, Qt.ItemDataRole.ToolTipRole))


def test_a_pull_reloads_the_open_story_and_badges_conflicts(
    qtbot: QtBot, tmp_path: Path
) -> None:
    central = make_central(str(tmp_path / "central.db"))
    ana, ana_actor = desk_store(tmp_path / "ana.db", central, "ana", sample=True)
    bo, bo_actor = desk_store(tmp_path / "bo.db", central, "bo", sample=False)
    try:
        sync(ana, central, author="ana")
        sync(bo, central, author="bo")
        window = _window(qtbot, bo, bo_actor, JCS)
        qtbot.waitUntil(lambda: _status_cell(window, JCS)[0] != "…")
        assert CONFLICT_TAG not in _status_cell(window, JCS)[0]

        # Ana changes the headline; Bo has no unsaved edits: the pull shows it at once.
        with ana.session() as session:
            stories.edit(session, ana_actor, JCS, headline="Ana's new headline")
        sync(ana, central, author="ana")
        sync(bo, central, author="bo")
        window.events.stories_changed.emit()
        qtbot.waitUntil(lambda: window.editor.headline.text() == "Ana's new headline")

        # Bo types without saving while Ana edits again: Bo's text is kept.
        window.editor.body.moveCursor(QTextCursor.MoveOperation.End)
        qtbot.keyClicks(window.editor.body, " Bo's unsaved words")
        with ana.session() as session:
            stories.edit(session, ana_actor, JCS, standfirst="Ana's standfirst")
        sync(ana, central, author="ana")
        sync(bo, central, author="bo")
        window.events.stories_changed.emit()
        qtbot.waitUntil(lambda: "changed elsewhere" in window.statusBar().currentMessage())
        assert window.editor.body_text().endswith(" Bo's unsaved words")
        editing(window).overwrite_with_mine()
        qtbot.waitUntil(lambda: window.editing is not None and not window.editing.dirty
                        and not window.editing.saving(), timeout=10_000)

        # Both sides change the same paragraph: Bo's list marks the conflict.
        for store, actor, text in ((ana, ana_actor, "Ana's paragraph."),
                                   (bo, bo_actor, "Bo's paragraph.")):
            with store.session() as session:
                doc, _head = stories.get(session, JCS)
                stories.edit(session, actor, JCS, body=text + "\n\n" + doc.body)
        sync(ana, central, author="ana")
        sync(bo, central, author="bo")
        window.events.stories_changed.emit()
        qtbot.waitUntil(lambda: CONFLICT_TAG in _status_cell(window, JCS)[0])
        text, tip = _status_cell(window, JCS)
        assert tip and "Conflicts" in tip
        window.close()
    finally:
        ana.close()
        bo.close()
