"""The photo panel, driven with real widgets: thumbnails, editing, drops, paste, order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
)
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from cms import stories
from cms.people import Actor, actor_for
from cms.sample import first_run, sample_id
from cms.store import Store
from cms.thumbcache import ThumbnailCache
from tests.gui.conftest import open_story
from tests.photos.gui_host import PanelHost
from tests.photos.imaging import agency_jpeg, encode, picture
from ui.photos.model import ProblemsRole
from ui.photos.panel import PhotoPanel, install
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui
JCS = sample_id("story", "jcs-drones")


@pytest.fixture
def sample_store(tmp_path: Path) -> Iterator[tuple[Store, Actor]]:
    store = Store.open(str(tmp_path / "panel.db"), create=True)
    with store.session() as session:
        actor = actor_for(session, "tester", store.replica_id)
    first_run(store, actor)
    try:
        yield store, actor
    finally:
        store.close()


@pytest.fixture
def host(sample_store: tuple[Store, Actor]) -> Iterator[PanelHost]:
    store, actor = sample_store
    made = PanelHost(store, actor, JCS)
    yield made
    made.close()  # its write thread is done before the store closes


@pytest.fixture
def panel(qtbot: QtBot, host: PanelHost, tmp_path: Path) -> PhotoPanel:
    widget = PhotoPanel(host, ThumbnailCache(tmp_path / "thumbs"))
    qtbot.addWidget(widget)
    widget.show_story(host.open_story())
    widget.resize(380, 760)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def wait_thumbnails(qtbot: QtBot, panel: PhotoPanel) -> None:
    for row in range(panel.model.rowCount()):
        panel.model.index(row).data(Qt.ItemDataRole.DecorationRole)  # asks for it
    qtbot.waitUntil(lambda: not panel.loader.busy(), timeout=10_000)


def drop_files(panel: PhotoPanel, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = QPointF(panel.info.geometry().center())
    # Drag enter/move events take a QPoint, the drop event a QPointF.
    enter = QDragEnterEvent(centre.toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel, enter)
    assert enter.isAccepted()
    drop = QDropEvent(centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel, drop)


def test_shows_the_sample_photos_with_thumbnails(qtbot: QtBot, panel: PhotoPanel) -> None:
    assert panel.model.rowCount() == 2
    wait_thumbnails(qtbot, panel)
    pixmap = panel.model.index(0).data(Qt.ItemDataRole.DecorationRole)
    assert not pixmap.isNull() and pixmap.width() > 100
    assert panel.summary.text() == "2 photos"
    assert panel.caption_edit.toPlainText().startswith("North Korean soldiers lead a goat")
    assert panel.credit_edit.text() == "JCS"
    assert panel.lead_check.isChecked()
    assert "![[photo:94328540]]" in panel.figure_label.text()
    assert "1280 × 853" in panel.info.text()


def test_editing_words_makes_revisions_and_badges(
    qtbot: QtBot, panel: PhotoPanel, host: PanelHost
) -> None:
    panel.list.setCurrentIndex(panel.model.index(1))
    panel.credit_edit.selectAll()
    qtbot.keyClicks(panel.credit_edit, "JCS/Yonhap")
    panel.alt_edit.selectAll()
    qtbot.keyClick(panel.alt_edit, Qt.Key.Key_Delete)
    stored = host.stored().photos[1]
    assert (stored.credit, stored.alt) == ("JCS/Yonhap", "")
    assert panel.model.index(1).data(ProblemsRole) == ["alt text"]
    assert "⚠ 1 needs alt text or a credit" in panel.summary.text()
    assert "Needs alt text" in panel.info.text()
    qtbot.keyClicks(panel.alt_edit, "A goat at the wire")
    assert host.stored().photos[1].alt == "A goat at the wire"
    assert panel.model.index(1).data(ProblemsRole) == []
    panel.lead_check.setChecked(True)  # a click makes it the lead; the old lead turns inline
    assert [p.role for p in host.stored().photos] == ["inline", "lead"]


def test_drop_from_the_file_manager_attaches_with_metadata(
    qtbot: QtBot, panel: PhotoPanel, host: PanelHost, tmp_path: Path
) -> None:
    good = tmp_path / "fence.jpg"
    good.write_bytes(agency_jpeg(caption="Troops at the fence", credit="Yonhap"))
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photo at all\n")
    drop_files(panel, [good, bad])
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=10_000)
    added = host.stored().photos[2]
    assert (added.caption, added.credit) == ("Troops at the fence", "Yonhap")
    qtbot.waitUntil(lambda: "notes.jpg: a text file" in panel.message.text())
    assert "Added 1 photo." in panel.message.text()
    assert panel.caption_edit.toPlainText() == "Troops at the fence"  # the new one is selected


def test_paste_raw_image_bytes(
    qtbot: QtBot, panel: PhotoPanel, host: PanelHost
) -> None:
    mime = QMimeData()
    mime.setData("image/jpeg", agency_jpeg(caption="Pasted from the wire"))
    QGuiApplication.clipboard().setMimeData(mime)
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=10_000)
    assert host.stored().photos[2].caption == "Pasted from the wire"


def test_paste_a_picture_and_an_empty_clipboard(
    qtbot: QtBot, panel: PhotoPanel, host: PanelHost
) -> None:
    mime = QMimeData()
    mime.setText("just words")
    panel.paste(mime)
    assert panel.message.text() == "The clipboard holds no photo to attach."
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkGreen)
    mime = QMimeData()
    mime.setImageData(image)
    panel.paste(mime)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=10_000)
    assert host.stored().photos[2].credit == ""
    assert "⚠ 1 needs" in panel.summary.text()


def test_reorder_by_drag_and_buttons_then_remove(
    qtbot: QtBot, panel: PhotoPanel, host: PanelHost
) -> None:
    first, second = (p.id for p in host.stored().photos)
    mime = panel.model.mimeData([panel.model.index(1)])
    assert mime.text() == "![[photo:f08e7507]]"  # what the editor receives on a drop
    assert not panel.model.dropMimeData(mime, Qt.DropAction.MoveAction, 0, 0,
                                        panel.model.index(-1))
    assert [p.id for p in host.stored().photos] == [second, first]
    panel.list.setCurrentIndex(panel.model.index(0))
    qtbot.mouseClick(panel.down_button, Qt.MouseButton.LeftButton)
    assert [p.id for p in host.stored().photos] == [first, second]
    assert panel.selected_id() == second
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert [p.id for p in host.stored().photos] == [second, first]
    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert [p.id for p in host.stored().photos] == [first]
    assert "the body still places this photo (f08e7507)" in panel.message.text()


def test_bad_metadata_can_be_attached_on_request(
    qtbot: QtBot, panel: PhotoPanel, tmp_path: Path
) -> None:
    odd = tmp_path / "odd.jpg"
    odd.write_bytes(encode(picture(), "JPEG", xmp=b"<x:xmpmeta><broken>"))
    panel.attach([odd])
    qtbot.waitUntil(lambda: panel.retry_button.isVisible(), timeout=10_000)
    assert "odd.jpg: the XMP packet cannot be read" in panel.message.text()
    assert panel.model.rowCount() == 2
    qtbot.mouseClick(panel.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=10_000)


def test_install_replaces_the_photos_tab(host: PanelHost, qtbot: QtBot) -> None:
    install(host)
    assert isinstance(host.tabs["photos"], PhotoPanel)
    assert [(menu, action.text()) for menu, action in host.actions] == [("Story", "Add Photos…")]
    host.tabs["photos"].deleteLater()


def test_in_the_real_window(
    qtbot: QtBot, sample_store: tuple[Store, Actor], tmp_path: Path
) -> None:
    store, actor = sample_store
    window = MainWindow(store, actor)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.findChild(PhotoPanel) is not None, timeout=5_000)
    open_story(qtbot, window, JCS)
    found = window.findChild(PhotoPanel)
    assert found is not None
    qtbot.waitUntil(lambda: found.model.rowCount() == 2, timeout=5_000)
    found.list.setCurrentIndex(found.model.index(1))
    found.caption_edit.selectAll()
    qtbot.keyClicks(found.caption_edit, "Edited in the window")
    qtbot.waitUntil(lambda: window.save_label.text() == "Saved", timeout=10_000)
    with store.reading() as session:
        assert stories.get(session, JCS)[0].photos[1].caption == "Edited in the window"
    photo = tmp_path / "from-the-desk.jpg"
    photo.write_bytes(agency_jpeg(caption="Dropped in the window", credit="Desk"))
    drop_files(found, [photo])  # verified through the window's own worker op
    qtbot.waitUntil(lambda: found.model.rowCount() == 3, timeout=10_000)
    qtbot.waitUntil(lambda: window.save_label.text() == "Saved", timeout=10_000)
    with store.reading() as session:
        assert stories.get(session, JCS)[0].photos[2].caption == "Dropped in the window"
    window.close()


def test_add_and_replace_through_the_file_dialogs(
    qtbot: QtBot, panel: PhotoPanel, host: PanelHost, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = tmp_path / "one.png"
    first.write_bytes(encode(picture((120, 80)), "PNG"))
    second = tmp_path / "two.jpg"
    second.write_bytes(agency_jpeg(caption="Second"))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda *a, **k: ([str(first), str(second)], ""))
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 4, timeout=10_000)
    assert "Added 2 photos." in panel.message.text()
    goat = host.stored().photos[1]
    better = tmp_path / "better.webp"
    better.write_bytes(encode(picture((300, 200)), "WEBP"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(better), ""))
    panel.list.setCurrentIndex(panel.model.index(1))
    qtbot.mouseClick(panel.replace_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: host.stored().photos[1].sha256 != goat.sha256, timeout=10_000)
    swapped = host.stored().photos[1]
    assert (swapped.id, swapped.caption, swapped.alt) == (goat.id, goat.caption, goat.alt)
    assert "better.webp now shows as photo 2." in panel.message.text()


def test_drop_onto_the_photo_list_itself(
    qtbot: QtBot, panel: PhotoPanel, host: PanelHost, tmp_path: Path
) -> None:
    good = tmp_path / "wire.png"
    good.write_bytes(encode(picture((90, 60)), "PNG"))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(good))])
    viewport = panel.list.viewport()
    where = QPointF(viewport.rect().center())
    for kind in (QDragEnterEvent, QDragMoveEvent):
        event = kind(where.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)
        assert event.isAccepted()
    QApplication.sendEvent(viewport, QDropEvent(where, Qt.DropAction.CopyAction, mime,
                                                Qt.MouseButton.LeftButton,
                                                Qt.KeyboardModifier.NoModifier))
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=10_000)
    assert host.stored().photos[2].sha256 == panel.model.placement(2).sha256
