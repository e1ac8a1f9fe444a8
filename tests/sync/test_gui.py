"""The sync status bar widget, the conflicts dock and the resolver, in the real window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from cms import stories
from cms.people import Actor
from cms.revisions import revision_info
from cms.sample import sample_id
from cms.store import Store
from cms.sync.conflicts import list_conflicts
from cms.sync.replication import sync
from tests.gui.conftest import open_story
from tests.sync.helpers import desk_store, make_central
from ui.sync.conflicts import ConflictsPanel
from ui.sync.status import SyncStatusWidget, backoff_delay
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui
JCS = sample_id("story", "jcs-drones")


def _edit_first_paragraph(store: Store, actor: Actor, text: str, **changes: Any) -> None:
    with store.session() as session:
        doc, _head = stories.get(session, JCS)
        paragraphs = doc.body.split("\n\n")
        paragraphs[0] = text
        stories.edit(session, actor, JCS, body="\n\n".join(paragraphs), **changes)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[Store, Actor, Store, Actor]]:
    central = make_central(str(tmp_path / "central.db"))
    ana, ana_actor = desk_store(tmp_path / "ana.db", central, "ana", sample=True)
    bo, bo_actor = desk_store(tmp_path / "bo.db", central, "bo", sample=False)
    sync(ana, central, author="ana")
    sync(bo, central, author="bo")
    _edit_first_paragraph(ana, ana_actor, "Ana's first paragraph about the goat.",
                          headline="Ana's headline")
    _edit_first_paragraph(bo, bo_actor, "Bo's first paragraph about the fence.",
                          standfirst="Bo's standfirst.")
    sync(ana, central, author="ana")
    try:
        yield ana, ana_actor, bo, bo_actor
    finally:
        ana.close()
        bo.close()


def test_backoff_grows_and_caps() -> None:
    assert [backoff_delay(n) for n in (1, 2, 3, 10)] == [15, 30, 60, 600]


def test_sync_now_conflict_dock_and_resolver(
        qtbot: QtBot, desk: tuple[Store, Actor, Store, Actor]) -> None:
    _, _, bo, bo_actor = desk
    window = MainWindow(bo, bo_actor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.findChild(SyncStatusWidget) is not None, timeout=5000)
    status = window.findChild(SyncStatusWidget)
    panel = window.findChild(ConflictsPanel)
    assert status is not None and panel is not None
    button = status.findChild(QToolButton)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    label = status.findChild(QLabel, "syncState")
    assert label is not None
    qtbot.waitUntil(lambda: "1 conflict" in label.text(), timeout=15000)
    assert label.text().startswith("Synced ")
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=5000)
    assert "Body" in panel.list.item(0).text() or "body" in panel.list.item(0).text()
    from ui.sync.conflicts import ConflictNotice

    notice = window.findChild(ConflictNotice)
    assert notice is not None
    open_story(qtbot, window, JCS)
    qtbot.waitUntil(lambda: notice.label.text().startswith("⚠"), timeout=5000)
    window.resize(1300, 900)
    dialog = panel.open_resolver()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    local_text = dialog.findChild(QPlainTextEdit, "body-local")
    central_text = dialog.findChild(QPlainTextEdit, "body-central")
    assert local_text is not None and central_text is not None
    local, central = local_text.toPlainText(), central_text.toPlainText()
    assert local.startswith("Bo's first paragraph") and central.startswith("Ana's first")
    assert "<<<<" not in local + central
    result = dialog.findChild(QPlainTextEdit, "body-result")
    assert result is not None
    assert result.toPlainText() == local  # the proposal starts from this computer's text
    qtbot.mouseClick(dialog.findChild(QPushButton, "body-use-central"), Qt.MouseButton.LeftButton)
    assert result.toPlainText() == central
    result.setPlainText(central.replace("Ana's first paragraph", "Ana and Bo's first paragraph"))
    dialog.resolve_button.click()
    qtbot.waitUntil(lambda: panel.list.count() == 0, timeout=10000)
    assert notice.label.text() == "No sync conflict on this story."
    with bo.reading() as session:
        assert list_conflicts(session) == []
        doc, head = stories.get(session, JCS)
        assert len(revision_info(session, head).parents) == 2
    assert doc.body.startswith("Ana and Bo's first paragraph")
    assert (doc.headline, doc.standfirst) == ("Ana's headline", "Bo's standfirst.")
    status.controller.stop()
    qtbot.waitUntil(lambda: not status.controller.running, timeout=15000)
    window.close()


def test_unreachable_central_backs_off(qtbot: QtBot, tmp_path: Path) -> None:
    store, _actor = desk_store(tmp_path / "solo.db", str(tmp_path / "missing.db"), "solo",
                          sample=False)
    try:
        from ui.sync.status import SyncController

        controller = SyncController(store, "solo", auto=False)
        widget = SyncStatusWidget(controller, __import__("zoneinfo").ZoneInfo("UTC"))
        qtbot.addWidget(widget)
        controller.sync_now()
        qtbot.waitUntil(lambda: controller.status.state == "offline", timeout=10000)
        assert controller.failures == 1
        assert "newsroom central init" in controller.status.message
        assert widget.label.text() == "Sync failed; retrying in 15 s"
    finally:
        store.close()
