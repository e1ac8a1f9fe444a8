"""Help > About opens the About dialog; app identity; an unusable config folder is survived."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from cms import __version__
from cms.people import Actor
from cms.store import Store
from tests.gui.conftest import open_window
from ui.app import application
from ui.window import prefs
from ui.window.about import AboutDialog
from ui.window.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def test_help_about_opens_the_about_dialog(window: MainWindow, qtbot: QtBot) -> None:
    about = next(a for a in window.menus["Help"].actions() if "About" in a.text())
    about.trigger()
    qtbot.waitUntil(lambda: window.findChild(AboutDialog) is not None)
    dialog = window.findChild(AboutDialog)
    assert dialog is not None and dialog.isVisible()
    version = dialog.findChild(QLabel, "aboutVersion")
    assert version is not None and __version__ in version.text()
    assert dialog.findChild(QLabel, "aboutStore") is not None
    dialog.close()


def test_the_app_names_its_desktop_file_and_draws_the_packaged_icon(qtbot: QtBot) -> None:
    app = application()
    desktop = ROOT / "packaging" / "linux" / "org.newsroom.Newsroom.desktop"
    assert desktop.exists()
    assert app.desktopFileName() == desktop.stem
    assert (ROOT / "resources" / "icons" / "newsroom.svg").read_bytes() == (
        ROOT / "packaging" / "icons" / "newsroom.svg").read_bytes()
    assert not app.windowIcon().isNull()


def test_a_config_folder_that_is_a_file_falls_back_for_this_session(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    gui_store: Store, gui_actor: Actor
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder should be")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    prefs.set_str("view/theme", "dark")
    assert prefs.theme() == "dark"  # kept for this session
    reason = prefs.fallback_reason()
    assert reason is not None and str(blocker) in reason
    assert blocker.read_text() == "a file where the config folder should be"
    window = open_window(qtbot, gui_store, gui_actor)
    qtbot.waitUntil(lambda: "kept for this session" in window.statusBar().currentMessage())
    window.close()
    assert isinstance(QApplication.instance(), QApplication)
