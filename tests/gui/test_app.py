"""Starting the app: the real ``run()``, first-run sample, and clear messages for bad stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from cms import stories
from cms.store import Store
from tests.gui.conftest import when_shown
from ui import app as ui_app
from ui.window import prefs
from ui.window.main_window import MainWindow


def test_run_opens_a_new_store_with_the_sample_newsroom(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    seen = when_shown(lambda w: isinstance(w, MainWindow), lambda w: w.close())
    assert ui_app.run(store=str(path), user="kim") == 0
    assert seen and "Newsroom" in seen[0]
    with Store.open(str(path)) as store, store.reading() as session:
        assert len(stories.story_ids(session)) == 6
        assert stories.get(session, stories.story_ids(session)[0])[0].headline


def test_a_corrupt_store_gets_a_message_not_a_traceback(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database at all" * 100)
    seen = when_shown(lambda w: isinstance(w, QMessageBox), lambda w: w.close())
    assert ui_app.run(store=str(path), user=None) == 1
    assert seen and "not a Newsroom store" in seen[0]


def test_an_unreachable_database_gets_a_message(qtbot: QtBot) -> None:
    seen = when_shown(lambda w: isinstance(w, QMessageBox), lambda w: w.close())
    assert ui_app.run(store="postgresql://nobody@127.0.0.1:9/newsroom", user=None) == 1
    assert seen and "cannot reach the database server" in seen[0]


def test_store_location_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert ui_app.store_location(None) is None  # nothing chosen: the default file
    prefs.set_str("store/location", str(tmp_path / "chosen.db"))
    assert ui_app.store_location("explicit.db") == "explicit.db"
    assert ui_app.store_location(None) == str(tmp_path / "chosen.db")
    monkeypatch.setenv("NEWSROOM_STORE", str(tmp_path / "env.db"))
    assert ui_app.store_location(None) is None  # Store.open reads the variable itself


def test_a_store_from_a_newer_newsroom_gets_a_message(qtbot: QtBot, tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "newer.db"
    Store.open(str(path), create=True).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    seen = when_shown(lambda w: isinstance(w, QMessageBox), lambda w: w.close())
    assert ui_app.run(store=str(path), user=None) == 1
    assert seen and "newer Newsroom" in seen[0]
