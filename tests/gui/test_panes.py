"""The inspector's own panes: story fields and the read-only photo and "Read next" lists."""

from __future__ import annotations

import threading
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from cms import stories
from cms.sample import sample_id
from cms.store import Store
from ui.inspector import readonly_panes
from ui.inspector.inspector import Inspector, StoryFieldsPane
from ui.inspector.readonly_panes import PhotosPane, ReadNextPane
from ui.window.extensions import OpenStory

SEOUL = ZoneInfo("Asia/Seoul")


def _jcs(store: Store) -> OpenStory:
    with store.reading() as session:
        document, head = stories.get(session, sample_id("story", "jcs-drones"))
    return OpenStory(document, head, SEOUL)


def _texts(widget: PhotosPane | ReadNextPane) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel) if label.text()]


def test_photos_pane_lists_photos_with_their_words(qtbot: QtBot, gui_store: Store) -> None:
    pane = PhotosPane(gui_store)
    qtbot.addWidget(pane)
    story = _jcs(gui_store)
    pane.show_story(story)
    qtbot.waitUntil(pane.loaded, timeout=10_000)  # thumbnails read on a worker
    texts = _texts(pane)
    assert sum("Credit: JCS" in t for t in texts) == 2
    assert any("goat" in t for t in texts)
    thumbs = [label for label in pane.findChildren(QLabel) if label.pixmap() is not None
              and not label.pixmap().isNull()]
    assert len(thumbs) == 2
    pane.show_story(None)
    qtbot.waitUntil(lambda: _texts(pane) == [])  # old rows go at the next event loop turn


def test_read_next_pane_lists_links_in_order_with_desk_times(qtbot: QtBot,
                                                             gui_store: Store) -> None:
    pane = ReadNextPane(gui_store)
    qtbot.addWidget(pane)
    story = _jcs(gui_store)
    pane.show_story(story)
    qtbot.waitUntil(pane.loaded, timeout=10_000)  # the linked stories read on a worker
    qtbot.waitUntil(lambda: not any("Reading" in t for t in _texts(pane)))
    texts = _texts(pane)
    numbered = [t for t in texts if t.startswith("<b>")]
    assert len(numbered) == 5
    assert numbered[0].startswith("<b>1. ")
    assert "2024-12-15 18:00" in numbered[0]  # the first link's story, in Seoul time
    assert any("Asia/Seoul" in t for t in texts)


def test_inspector_replaces_a_tab_in_place(qtbot: QtBot, gui_store: Store) -> None:
    inspector = Inspector()
    qtbot.addWidget(inspector)
    fields = StoryFieldsPane()
    inspector.add_tab("story", "Story", fields)
    inspector.add_tab("photos", "Photos", PhotosPane(gui_store))
    inspector.add_tab("related", "Read next", ReadNextPane(gui_store))
    story = _jcs(gui_store)
    inspector.show_story(story)
    assert fields.byline.text() == story.document.byline
    assert fields.publish_at.text() == "2024-12-23 15:20"
    replacement = QLabel("new photos editor")
    inspector.add_tab("photos", "Photos", replacement)
    assert inspector.count() == 3
    assert inspector.tabText(1) == "Photos"
    assert inspector.pane("photos") is replacement


def test_photos_pane_says_reading_and_reads_a_missing_photo_again(
    qtbot: QtBot, gui_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    original = readonly_panes._blob
    arrived = False

    def blob(session: Session, sha256: str) -> bytes | None:
        gate.wait(timeout=30)
        return original(session, sha256) if arrived else None  # not synced in yet

    monkeypatch.setattr(readonly_panes, "_blob", blob)
    pane = PhotosPane(gui_store)
    qtbot.addWidget(pane)
    story = _jcs(gui_store)
    pane.show_story(story)
    assert any("Reading the photos" in t for t in _texts(pane))  # not an empty pane
    gate.set()
    qtbot.waitUntil(pane.loaded, timeout=10_000)
    qtbot.waitUntil(lambda: sum(t == "(missing)" for t in _texts(pane)) == 2)
    arrived = True  # a sync brought the photos meanwhile
    pane.show_story(None)
    pane.show_story(story)
    qtbot.waitUntil(pane.loaded, timeout=10_000)
    qtbot.waitUntil(lambda: "(missing)" not in _texts(pane))
    qtbot.waitUntil(lambda: len([label for label in pane.findChildren(QLabel)
                                 if not label.pixmap().isNull()]) == 2)
