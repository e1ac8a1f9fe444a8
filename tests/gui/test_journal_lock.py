"""A live window's recovery journal is locked: another window never offers or deletes it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from cms import stories
from cms.people import Actor
from cms.store import Store
from tests.gui.conftest import found_recoveries, offered_recoveries, open_window, wait_saved
from ui.editor import editing
from ui.editor.journal import RecoveryJournal, is_locked, journals, read_journal
from ui.editor.recovery_dialog import RecoveryDialog

CHILD = """
import sys
from pathlib import Path
from cms import stories
from cms.store import Store
from ui.editor.journal import RecoveryJournal
store = Store.open(sys.argv[1])
with store.reading() as session:
    document, head = stories.get(session, sys.argv[2])
journal = RecoveryJournal(Path(sys.argv[3]))
journal.start(document, head)
journal.body_changed(document.body + " typed in the other app")
print("ready", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def no_autosave(monkeypatch: pytest.MonkeyPatch) -> None:
    """Edits stay unsaved (so their journal stays) until the window saves on close."""
    monkeypatch.setattr(editing, "AUTOSAVE_IDLE_MS", 600_000)


def test_a_second_window_leaves_the_first_windows_journal_alone(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor, no_autosave: None
) -> None:
    first = open_window(qtbot, gui_store, gui_actor)
    assert first.editing is not None
    first.editor.body.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(first.editor.body, " still typing")
    live = journals(first.journal_dir)
    assert len(live) == 1 and is_locked(live[0])

    second = open_window(qtbot, gui_store, gui_actor)
    assert found_recoveries(qtbot, second) == []
    assert offered_recoveries(qtbot, second) == 0
    assert live[0].exists()

    recovered = read_journal(live[0])
    assert recovered is not None and recovered.document.body.endswith(" still typing")

    # Closing saves and lets go of the journals; a crash's leftovers are offered again.
    first.editing.save()
    wait_saved(qtbot, first)
    assert not live[0].exists()
    second.close()
    first.close()
    assert journals(first.journal_dir) == []


def test_a_journal_of_another_process_is_not_offered_until_it_dies(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor
) -> None:
    window = open_window(qtbot, gui_store, gui_actor)
    assert window.editing is not None
    story_id = window.editing.story_id
    path = window.journal_dir / f"{story_id}.journal"
    env = dict(os.environ, PYTHONPATH=str(Path.cwd()))
    with subprocess.Popen([sys.executable, "-c", CHILD, str(gui_store.url.database),
                           story_id, str(path)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True, env=env) as child:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "ready"
        assert is_locked(path)
        assert offered_recoveries(qtbot, window) == 0
        assert path.exists()
        # This window's own journal for the story may not take the other one's file.
        mine = RecoveryJournal(path)
        with gui_store.reading() as session:
            document, head = stories.get(session, story_id)
        mine.start(document, head)
        assert mine.path != path
        mine.discard()
        assert path.exists()
        child.stdin.write("\n")
        child.stdin.flush()
        child.wait(timeout=30)
    # The other process ended without saving: now it is a crash's leftover, offered once.
    assert not is_locked(path)
    assert offered_recoveries(qtbot, window) == 1
    qtbot.waitUntil(lambda: window.findChild(RecoveryDialog) is not None)
    dialog = window.findChild(RecoveryDialog)
    assert dialog is not None
    qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    assert not path.exists()
    window.close()
