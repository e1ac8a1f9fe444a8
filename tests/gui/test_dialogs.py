"""History (diff and restore), settings, import with progress, and extension panels."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from cms import stories
from cms.config import get_setting
from cms.people import Actor
from cms.store import Store
from tests.gui.conftest import editing, wait_saved
from ui.editor.history import HistoryDialog
from ui.window import prefs
from ui.window.extensions import OpenStory, install_extensions
from ui.window.main_window import MainWindow
from ui.window.settings_dialog import SettingsDialog

W = TypeVar("W", bound=QWidget)


def _visible(kind: type[W], name: str | None = None) -> W | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, kind) and widget.isVisible() and (
                name is None or widget.objectName() == name):
            return widget
    return None


def test_history_shows_revisions_diffs_and_restores(qtbot: QtBot, window: MainWindow,
                                                    gui_store: Store) -> None:
    story_id = editing(window).story_id
    original = window.editor.body_text()
    window.editor.body.selectAll()
    qtbot.keyClicks(window.editor.body, "Replaced body")
    wait_saved(qtbot, window)
    window.acts.history.trigger()
    dialog = _visible(HistoryDialog)
    assert isinstance(dialog, HistoryDialog)
    qtbot.waitUntil(dialog.loaded, timeout=10_000)  # read on a worker
    assert dialog.model.rowCount() == 2
    assert dialog.model.index(0, 2).data() == "body"
    # newest vs its parent
    qtbot.waitUntil(lambda: "Replaced body" in dialog.diff_view.toPlainText())
    dialog.table.selectRow(1)
    assert dialog.restore_button.isEnabled()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3)
    assert dialog.model.index(0, 3).data().startswith("restored")
    qtbot.waitUntil(lambda: window.editor.body_text() == original)
    with gui_store.reading() as session:
        assert stories.get(session, story_id)[0].body == original
    dialog.table.clearSelection()
    dialog.table.selectRow(0)
    dialog.table.selectionModel().select(
        dialog.model.index(2, 0),
        dialog.table.selectionModel().SelectionFlag.Select
        | dialog.table.selectionModel().SelectionFlag.Rows)
    assert dialog.selected_rows() == [0, 2]
    qtbot.waitUntil(lambda: "No differences" in dialog.diff_view.toPlainText())  # restored == first
    dialog.close()


def test_settings_refuse_bad_values_and_store_good_ones(
    qtbot: QtBot, window: MainWindow, gui_store: Store, gui_actor: Actor
) -> None:
    dialog = SettingsDialog(gui_store, gui_actor, window)
    qtbot.addWidget(dialog)
    dialog.zone_changed.connect(window.set_zone)
    qtbot.waitUntil(dialog.loaded, timeout=10_000)
    assert dialog.time_zone.currentText() == "Asia/Seoul"
    dialog.time_zone.setCurrentText("Mars/Olympus")
    dialog.accept()
    qtbot.waitUntil(lambda: "unknown time zone" in dialog.error.text(), timeout=10_000)
    assert not dialog.saving()
    with gui_store.reading() as session:
        assert get_setting(session, "timezone") == "Asia/Seoul"
    dialog.time_zone.setCurrentText("Europe/Berlin")
    dialog.central_url.setText("postgresql://desk@db.example/newsroom")
    dialog.store_location.setText(str(Path.home() / "other.db"))
    dialog.user_name.setText("reporter-kim")
    dialog.accept()
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted, timeout=10_000)
    with gui_store.reading() as session:
        assert get_setting(session, "timezone") == "Europe/Berlin"
        assert get_setting(session, "central_url") == "postgresql://desk@db.example/newsroom"
    assert window.zone().key == "Europe/Berlin"
    assert "Europe/Berlin" in window.zone_label.text()
    assert prefs.get_str("user/name") == "reporter-kim"
    assert prefs.get_str("store/location").endswith("other.db")


def test_import_runs_on_a_worker_with_progress(qtbot: QtBot, window: MainWindow,
                                               tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    for n in range(3):
        (folder / f"post-{n}.md").write_text(
            f"Title: Imported post {n}\nDate: 2024-12-0{n + 1} 10:00\nCategory: culture\n\n"
            "Body text.\n", encoding="utf-8")
    (folder / "broken.md").write_bytes(b"\xff\xfe not utf-8")
    op = window.commands.import_folder(folder)
    assert op is not None
    with qtbot.waitSignal(op.finished, timeout=20_000):
        pass
    assert op.result is not None and len(op.result.created) == 3
    assert [name for name, _why in op.result.failed] == ["broken.md"]
    report = _visible(QMessageBox, "importReport")
    assert report is not None and "3 new" in report.text()
    report.close()
    qtbot.waitUntil(lambda: window.model.rowCount() == 9)
    panel = window.story_list
    qtbot.waitUntil(lambda: panel.section_filter.findText("Culture") >= 0)  # read on a worker


def test_ops_show_progress_and_stop_on_cancel(qtbot: QtBot, window: MainWindow) -> None:
    import threading

    from ui.ops import OpContext

    steps: list[int] = []
    started = threading.Event()

    def work(ctx: OpContext) -> int:
        started.set()
        step = 0
        while not ctx.cancelled():  # long work that checks for Cancel, as import_tree does
            step += 1
            ctx.progress(step, 1_000_000, f"step {step}")
            steps.append(step)
            threading.Event().wait(0.005)
        return step

    op = window.run_op(work, title="Counting")
    done: list[int] = []
    op.success(done.append).run()
    qtbot.waitUntil(lambda: _visible(QProgressDialog) is not None, timeout=10_000)
    dialog = _visible(QProgressDialog)
    assert isinstance(dialog, QProgressDialog) and dialog.windowTitle() == "Counting"
    qtbot.waitUntil(lambda: dialog.value() > 0 and "step" in dialog.labelText())
    qtbot.keyClicks(window.editor.headline, "x")  # the window stays responsive meanwhile
    cancel = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel")
    with qtbot.waitSignal(op.finished, timeout=10_000):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert done and done[0] == steps[-1]
    assert _visible(QProgressDialog) is None


class _FakePhotoEditor(QLabel):
    def __init__(self) -> None:
        super().__init__("photo editor")
        self.seen: list[OpenStory | None] = []

    def show_story(self, story: OpenStory | None) -> None:
        self.seen.append(story)


def test_extensions_replace_inspector_panes_and_add_menus(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = _FakePhotoEditor()
    module = types.ModuleType("newsroom_test_photo_panel")

    def install(host: MainWindow) -> None:
        host.add_inspector_tab("photos", "Photos", editor)
        from PySide6.QtGui import QAction

        host.add_menu_action("Tools", QAction("Check photos", host))
        host.add_dock("checks", "Photo checks", QLabel("checks"))

    module.install = install  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "newsroom_test_photo_panel", module)
    broken = types.ModuleType("newsroom_test_broken")
    monkeypatch.setitem(sys.modules, "newsroom_test_broken", broken)
    module.__spec__ = types.SimpleNamespace(name=module.__name__)  # type: ignore[assignment]
    broken.__spec__ = types.SimpleNamespace(name=broken.__name__)  # type: ignore[assignment]
    reports: list[str] = []
    installed = install_extensions(
        window, ("newsroom_test_photo_panel", "newsroom_test_broken", "ui.no_such_panel"),
        report=reports.append)
    assert installed == ["newsroom_test_photo_panel"]
    assert reports and "newsroom_test_broken" in reports[0]
    assert window.inspector.pane("photos") is editor
    titles = [window.inspector.tabText(i) for i in range(window.inspector.count())]
    assert titles[:3] == ["Story", "Photos", "Read next"]  # replaced in place
    assert titles.count("Photos") == 1
    assert editor.seen and editor.seen[-1] is not None
    window.acts.next_story.trigger()
    assert editor.seen[-1].document.story_id == editing(window).story_id
    assert any(a.text() == "Check photos" for a in window.menus["Tools"].actions())
    dock_toggle = next(a for a in window.menus["View"].actions() if a.text() == "Photo checks")
    assert not dock_toggle.isChecked()  # docks start hidden: the writing space comes first
    window.show_dock("checks")
    assert dock_toggle.isChecked()
    window.change_story(byline="Via an extension")
    opened = window.open_story()
    assert opened is not None and opened.document.byline == "Via an extension"


def test_the_window_installs_listed_extensions_after_its_first_paint(
    qtbot: QtBot, gui_store: Store, gui_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.gui.conftest import open_window

    editor = _FakePhotoEditor()
    module = types.ModuleType("newsroom_test_listed_panel")
    module.install = lambda host: host.add_inspector_tab(  # type: ignore[attr-defined]
        "related", "Read next", editor)
    module.__spec__ = types.SimpleNamespace(name=module.__name__)  # type: ignore[assignment]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr("ui.window.extensions.EXTENSION_MODULES", (module.__name__,))
    window = open_window(qtbot, gui_store, gui_actor)
    qtbot.waitUntil(lambda: window.inspector.pane("related") is editor)
    assert editor.seen[-1] is not None
    assert editor.seen[-1].document.story_id == editing(window).story_id
    window.close()
