"""Crash recovery: kill -9 in the middle of typing loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from cms import stories
from cms.people import Actor
from cms.store import Store
from tests.gui.conftest import editing, offered_recoveries, open_window, wait_saved
from ui.editor.journal import RecoveryJournal, journal_folder, journals, read_journal
from ui.editor.recovery_dialog import RecoveryDialog

WORDS_BEFORE_KILL = 40


def _find_dialog() -> RecoveryDialog | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, RecoveryDialog) and widget.isVisible():
            return widget
    return None


def test_sigkill_mid_typing_then_the_next_start_offers_the_text(
    qtbot: QtBot, tmp_path: Path, gui_store: Store, gui_actor: Actor
) -> None:
    store_path = str(gui_store.url.database)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(Path.cwd()))
    errors = tmp_path / "child-stderr.txt"
    with errors.open("w") as stderr, subprocess.Popen(
        [sys.executable, "-m", "tests.gui.typing_child", store_path],
        stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
    ) as child:
        try:
            assert child.stdout is not None
            first = child.stdout.readline().split()
            assert first and first[0] == "story", errors.read_text()
            story_id = first[1]
            last = -1
            while last < WORDS_BEFORE_KILL:
                line = child.stdout.readline()
                assert line, f"the child stopped typing: {errors.read_text()}"
                last = int(line.split()[1])
            os.kill(child.pid, signal.SIGKILL)
        finally:
            if child.poll() is None:
                child.kill()
            child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    typed = "".join(f" word{n}" for n in range(last + 1))
    with gui_store.reading() as session:
        stored_body = stories.get(session, story_id)[0].body
    assert typed not in stored_body  # the store never got it: only the journal has it

    window = open_window(qtbot, gui_store, gui_actor)
    assert offered_recoveries(qtbot, window) == 1
    qtbot.waitUntil(lambda: _find_dialog() is not None)
    dialog = _find_dialog()
    assert dialog is not None
    qtbot.mouseClick(dialog.recover_button, Qt.MouseButton.LeftButton)
    assert window.editing is not None and window.editing.story_id == story_id
    assert window.editor.body_text().startswith(stored_body + typed)
    wait_saved(qtbot, window)
    with gui_store.reading() as session:
        assert typed in stories.get(session, story_id)[0].body
    assert journals(window.journal_dir) == []
    window.close()


def test_discarding_a_recovery_keeps_the_stored_story(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor
) -> None:
    window = open_window(qtbot, gui_store, gui_actor)
    story_id = editing(window).story_id
    with gui_store.reading() as session:
        document, head = stories.get(session, story_id)
    window.close()
    journal = RecoveryJournal(window.journal_dir / f"{story_id}.journal")
    journal.start(document, head)
    journal.body_changed(document.body + " lost words")
    journal.close()
    again = open_window(qtbot, gui_store, gui_actor)
    assert offered_recoveries(qtbot, again) == 1
    qtbot.waitUntil(lambda: _find_dialog() is not None)
    dialog = _find_dialog()
    assert dialog is not None
    qtbot.mouseClick(dialog.discard_button, Qt.MouseButton.LeftButton)
    assert journals(again.journal_dir) == []
    assert not again.editor.body_text().endswith("lost words")
    again.close()


def test_journal_replays_splices_fields_and_a_torn_tail(tmp_path: Path, gui_store: Store) -> None:
    with gui_store.reading() as session:
        ids = stories.story_ids(session)
        document, head = stories.get(session, ids[0])
    folder = journal_folder(tmp_path, "store-a")
    assert folder != journal_folder(tmp_path, "store-b")
    journal = RecoveryJournal(folder / "x.journal")
    journal.start(document, head)
    body = document.body
    for edit in ("Intro. " + body, "Intro. " + body.replace("the", "a", 3), "Intro. 한국 🐐"):
        journal.body_changed(edit)
        body = edit
    journal.field_changed("headline", "New headline")
    journal.field_changed("tags", ["korea", "goat"])
    journal.close()
    with (folder / "x.journal").open("ab") as handle:
        handle.write(b'{"t":"b","p":0,"d":3,"i":"tor')  # the process died mid-write
    recovered = read_journal(folder / "x.journal")
    assert recovered is not None
    assert recovered.base_revision == head
    assert recovered.document.body == "Intro. 한국 🐐"
    assert recovered.document.headline == "New headline"
    assert recovered.document.tags == ("korea", "goat")
    assert read_journal(tmp_path / "missing.journal") is None

    # After a save that raced with typing, a new starting point is appended.
    saved = recovered.document
    journal = RecoveryJournal(folder / "y.journal")
    journal.start(document, head)
    journal.body_changed("lost to the save")
    journal.start(saved, "f" * 64)
    journal.body_changed(saved.body + " and more")
    journal.close()
    again = read_journal(folder / "y.journal")
    assert again is not None and again.base_revision == "f" * 64
    assert again.document.body == saved.body + " and more"
    assert again.document.headline == "New headline"
