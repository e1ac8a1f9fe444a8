"""The "Read next" editor while its reads are still out: quick clicks and adds keep every change."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cms import related, stories
from cms.document import LinkRef
from cms.store import Store
from tests.workflow.test_planning_gui import JCS, _open, desk  # noqa: F401
from ui.inspector.related_panel import LINK_ROLE, RelatedPanel
from ui.window.extensions import OpenStory

pytestmark = pytest.mark.gui


def _panel(qtbot: QtBot, store: Store) -> tuple[RelatedPanel, Callable[[], OpenStory]]:
    """A panel on the sample story whose edits become the open story, as the window's are."""
    story = _open(store, JCS)

    def follow(**fields: tuple[LinkRef, ...]) -> None:
        nonlocal story
        story = OpenStory(story.document.evolve(related=fields["related"]),
                          story.revision_id, story.zone)
        panel.show_story(story)

    panel = RelatedPanel(store, follow)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.filled, timeout=10_000):
        panel.show_story(story)
    return panel, lambda: story


def _gate(monkeypatch: pytest.MonkeyPatch, name: str) -> threading.Event:
    """Hold ``cms.related.<name>`` on its worker until the test sets the returned event."""
    gate = threading.Event()
    original = getattr(related, name)

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(timeout=30)
        return original(*args, **kwargs)

    monkeypatch.setattr(related, name, held)
    return gate


def test_two_quick_down_clicks_move_the_link_two_rows(
    qtbot: QtBot, desk: Store, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    panel, story = _panel(qtbot, desk)
    ids = [link.id for link in story().document.related]
    gate = _gate(monkeypatch, "list_links")  # the list is not read back between the clicks
    panel.links.setCurrentRow(0)
    qtbot.mouseClick(panel.down, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.down, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(panel.loaded, timeout=10_000)
    assert [link.id for link in story().document.related] == [ids[1], ids[2], ids[0], *ids[3:]]
    assert panel.links.currentItem().data(LINK_ROLE) == ids[0]  # the moved link stays selected


def test_adding_two_links_quickly_keeps_both_in_order(
    qtbot: QtBot, desk: Store, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    panel, story = _panel(qtbot, desk)
    before = len(story().document.related)
    first = threading.Event()
    original = related.build_link

    def build(session: Any, document: Any, target: str) -> LinkRef:
        if target.endswith("/one"):
            first.wait(timeout=30)  # the first add is still out when the second is back
        return original(session, document, target)

    monkeypatch.setattr(related, "build_link", build)
    panel.query.setText("https://example.org/one")
    panel.add_selected()
    panel.query.setText("https://example.org/two")
    panel.add_selected()
    first.set()
    qtbot.waitUntil(panel.loaded, timeout=10_000)
    urls = [link.url for link in story().document.related[before:]]
    assert urls == ["https://example.org/one", "https://example.org/two"]
    assert panel.query.text() == ""


def test_suggestions_for_the_story_left_are_not_shown_for_the_next(
    qtbot: QtBot, desk: Store, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    panel, story = _panel(qtbot, desk)
    first = story()
    with desk.reading() as session:
        other_id = next(story_id for story_id in stories.story_ids(session)
                        if story_id != first.document.story_id)
        other_document, other_head = stories.get(session, other_id)
    gate = _gate(monkeypatch, "suggest")
    searched: list[None] = []
    panel.searched.connect(lambda: searched.append(None))
    panel.show_suggestions()  # for the first story, held on its worker
    with qtbot.waitSignal(panel.filled, timeout=10_000):
        panel.show_story(OpenStory(other_document, other_head, first.zone))
    gate.set()
    qtbot.waitUntil(panel.loaded, timeout=10_000)
    assert searched == [] and panel.candidates.count() == 0
