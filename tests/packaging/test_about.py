"""The About dialog shows the one version and the store facts support needs."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from cms import __version__
from cms.store import SCHEMA_HEAD, Store
from ui.window.about import AboutDialog, details_text

pytestmark = pytest.mark.gui


def test_about_shows_the_version_and_the_store(qtbot: QtBot, sqlite_store: Store) -> None:
    dialog = AboutDialog(sqlite_store)
    qtbot.addWidget(dialog)
    dialog.show()
    version = dialog.findChild(QLabel, "aboutVersion")
    assert version is not None and __version__ in version.text()
    store_label = dialog.findChild(QLabel, "aboutStore")
    assert store_label is not None
    assert store_label.text() == str(Path(str(sqlite_store.url.database)))
    created = dialog.findChild(QLabel, "aboutStorecreatedby")
    assert created is not None and created.text() == __version__
    schema = dialog.findChild(QLabel, "aboutStoreschema")
    assert schema is not None and schema.text() == SCHEMA_HEAD


def test_copy_details_puts_them_on_the_clipboard(qtbot: QtBot, sqlite_store: Store) -> None:
    dialog = AboutDialog(sqlite_store)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied == details_text(sqlite_store)
    assert copied.startswith(f"Newsroom: {__version__}\n")
    assert f"Replica: {sqlite_store.replica_id}" in copied
    assert dialog.copy_button.text() == "Copied"


def test_about_without_a_store_still_opens(qtbot: QtBot) -> None:
    dialog = AboutDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.findChild(QLabel, "aboutStore") is None
    assert "Installed as: Python package in" in details_text(None)
