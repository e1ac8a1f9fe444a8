"""File ▸ Export Site…: the dialog drives a real export on a worker thread."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt, QUrl
from pytestqt.qtbot import QtBot

from cms.config import get_setting
from cms.people import Actor
from cms.store import Store
from tests.export.bundle_check import check_manifest
from tests.export.conftest import JCS_ID
from ui.export.dialog import ExportDialog

pytestmark = pytest.mark.gui
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def opened() -> list[QUrl]:
    return []


def _record(opened: list[QUrl], url: QUrl) -> bool:
    opened.append(url)
    return True  # the desktop opened it


@pytest.fixture
def dialog(qtbot: QtBot, sample_store: Store, opened: list[QUrl]) -> ExportDialog:
    widget = ExportDialog(sample_store, SEOUL, story_id=JCS_ID, story_title="JCS",
                          open_url=lambda url: _record(opened, url))
    qtbot.addWidget(widget)
    widget.show()
    return widget


def _finish(qtbot: QtBot, dialog: ExportDialog) -> None:
    qtbot.waitUntil(lambda: not dialog.is_running(), timeout=60_000)


def test_export_shows_progress_and_opens_the_result(qtbot: QtBot, dialog: ExportDialog,
                                                   tmp_path: Path, opened: list[QUrl]) -> None:
    out = tmp_path / "site"
    # The desk's own site address is the default, read on a worker.
    with dialog.store.reading() as session:
        base_url = get_setting(session, "base_url")
    assert base_url
    qtbot.waitUntil(lambda: dialog.base_edit.placeholderText() == base_url)
    dialog.out_edit.setText(str(out))
    dialog.zip_box.setChecked(True)
    assert not dialog.open_button.isEnabled()
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.is_running() and not dialog.export_button.isEnabled()
    _finish(qtbot, dialog)
    assert dialog.status.text().startswith("Exported 6 stories")
    assert dialog.progress.value() == dialog.progress.maximum()
    check_manifest(out)
    assert (tmp_path / "site.zip").is_file()
    assert dialog.open_button.isEnabled()
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(out / "index.html"))]
    # Again: only what changed is written (nothing).
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    _finish(qtbot, dialog)
    assert "wrote 0" in dialog.status.text()


def test_only_the_open_story(qtbot: QtBot, dialog: ExportDialog, tmp_path: Path) -> None:
    out = tmp_path / "one"
    dialog.out_edit.setText(str(out))
    dialog.story_box.setChecked(True)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    _finish(qtbot, dialog)
    assert dialog.status.text().startswith("Exported 1 stories")
    assert (out / "index.html").is_file() and (out / "ninjs.json").is_file()


def test_cancel_leaves_nothing(qtbot: QtBot, dialog: ExportDialog, tmp_path: Path) -> None:
    out = tmp_path / "site"
    dialog.out_edit.setText(str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    _finish(qtbot, dialog)
    assert dialog.status.text() == "Export cancelled; nothing was changed."
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert dialog.export_button.isEnabled() and not dialog.open_button.isEnabled()


def test_bad_input_is_shown_in_the_dialog(qtbot: QtBot, dialog: ExportDialog,
                                          tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    dialog.out_edit.setText(str(tmp_path / "busy"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    _finish(qtbot, dialog)
    assert "not empty" in dialog.status.text()
    assert dialog.status.property("error") is True
    dialog.out_edit.setText("")
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "Choose a folder to export into"
    dialog.base_edit.setText("not a url")
    dialog.out_edit.setText(str(tmp_path / "x"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    _finish(qtbot, dialog)
    assert "invalid site URL" in dialog.status.text()
    assert not (tmp_path / "x").exists()


def test_as_of_in_the_desk_zone(qtbot: QtBot, dialog: ExportDialog, tmp_path: Path) -> None:
    from PySide6.QtCore import QDate, QDateTime, QTime

    dialog.as_of_box.setChecked(True)
    assert dialog.as_of_edit.isEnabled()
    dialog.as_of_edit.setDateTime(QDateTime(QDate(2024, 12, 14), QTime(13, 0)))
    dialog.out_edit.setText(str(tmp_path / "early"))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    _finish(qtbot, dialog)
    assert dialog.status.text().startswith("Exported 3 stories")


def test_file_menu_of_the_main_window_opens_it(qtbot: QtBot, sample_store: Store,
                                               sample_actor: Actor) -> None:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMenu

    from ui.window.main_window import MainWindow

    window = MainWindow(sample_store, sample_actor)
    qtbot.addWidget(window)
    window.show()
    window.install_extensions()
    action = window.findChild(QAction, "exportSiteAction")
    assert action is not None
    file_menu = [m for a in window.menuBar().actions() if a.text().endswith("File")
                 if isinstance(m := a.menu(), QMenu)]
    assert file_menu and action in file_menu[0].actions()
    action.trigger()
    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.close()
    window.close()
