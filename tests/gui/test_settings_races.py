"""The settings dialog while its read or its store is still out on the worker."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from cms.config import get_setting
from cms.people import Actor
from cms.store import Store
from ui.window import settings_dialog
from ui.window.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui


def _gate(monkeypatch: pytest.MonkeyPatch, name: str) -> threading.Event:
    """Hold ``settings_dialog.<name>`` on its worker until the test sets the event."""
    gate = threading.Event()
    original = getattr(settings_dialog, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(timeout=30)
        return original(*args, **kwargs)

    monkeypatch.setattr(settings_dialog, name, held)
    return gate


def test_nothing_typed_before_the_read_is_overwritten(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = _gate(monkeypatch, "_read_settings")
    dialog = SettingsDialog(gui_store, gui_actor)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.central_url, "postgresql://desk@db.example/newsroom")
    assert not dialog.central_url.isEnabled() and not dialog.time_zone.isEnabled()
    assert dialog.central_url.text() == ""  # nothing typed that the read would overwrite
    gate.set()
    qtbot.waitUntil(dialog.loaded, timeout=10_000)
    assert dialog.central_url.isEnabled() and dialog.time_zone.isEnabled()
    qtbot.keyClicks(dialog.central_url, "postgresql://desk@db.example/newsroom")
    assert dialog.central_url.text() == "postgresql://desk@db.example/newsroom"


def test_cancel_while_storing_waits_for_the_store(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = SettingsDialog(gui_store, gui_actor)
    qtbot.addWidget(dialog)
    results: list[int] = []
    dialog.finished.connect(results.append)
    dialog.open()
    qtbot.waitUntil(dialog.loaded, timeout=10_000)
    gate = _gate(monkeypatch, "change_setting")
    dialog.time_zone.setCurrentText("Europe/Berlin")
    dialog.accept()
    assert dialog.saving()
    assert not dialog.cancel_button.isEnabled() and dialog.cancel_button.text() == "Saving…"
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # the user presses Esc while it stores
    dialog.reject()
    assert results == [] and dialog.isVisible()
    gate.set()
    qtbot.waitUntil(lambda: not dialog.saving(), timeout=10_000)
    assert results == [QDialog.DialogCode.Accepted.value]
    with gui_store.reading() as session:
        assert get_setting(session, "timezone") == "Europe/Berlin"
