"""The live preview: warnings for Markdown beyond the bounds, stale renders dropped."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from tests.render.hostile import nested_lists, prose
from ui.editor.preview import PREVIEW_LIMIT, PreviewPane

pytestmark = pytest.mark.gui


@pytest.fixture
def pane(qtbot: QtBot) -> PreviewPane:
    preview = PreviewPane()
    qtbot.addWidget(preview)
    preview.resize(600, 400)
    preview.show()
    qtbot.waitExposed(preview)
    return preview


def _settle(qtbot: QtBot, pane: PreviewPane) -> None:
    qtbot.waitUntil(lambda: not pane.busy(), timeout=20_000)


def test_markdown_beyond_the_bounds_shows_a_warning_and_its_text(
    qtbot: QtBot, pane: PreviewPane
) -> None:
    body = "A *normal* start.\n\n" + nested_lists(20_000)
    with qtbot.waitSignal(pane.rendered, timeout=20_000):
        pane.request("Headline", "", body, now=True)
    shown = pane.toPlainText()
    assert "⚠ Shown as plain text: lists or quotes nested deeper than 16 levels." in shown
    assert "A normal start." in shown and "- level 0" in shown and "- level 90" in shown
    with qtbot.waitSignal(pane.rendered, timeout=20_000):
        pane.request("Headline", "", "A *normal* story.", now=True)
    assert "⚠" not in pane.toPlainText()


def test_a_render_overtaken_by_newer_text_is_dropped(qtbot: QtBot, pane: PreviewPane) -> None:
    # The first render is in flight when the second text arrives: its page never shows,
    # and the newest text is rendered next without waiting for another keystroke.
    pane.request("First", "", prose(60_000), now=True)
    pane.request("Second", "", "The newest *text*.", now=True)
    _settle(qtbot, pane)
    assert (pane.renders, pane.dropped) == (1, 1)
    shown = pane.toPlainText()
    assert "Second" in shown and "The newest text." in shown
    assert "First" not in shown and "minister" not in shown


def test_a_cleared_pane_still_renders_the_next_story(qtbot: QtBot, pane: PreviewPane) -> None:
    pane.request("Old", "", prose(60_000), now=True)
    pane.clear_preview()
    pane.request("New", "", "Next story.", now=True)
    _settle(qtbot, pane)
    assert "Next story." in pane.toPlainText() and "Old" not in pane.toPlainText()


def test_a_long_story_shows_its_start_and_says_so(qtbot: QtBot, pane: PreviewPane) -> None:
    body = prose(PREVIEW_LIMIT) + "\n\n" + nested_lists(20_000)
    with qtbot.waitSignal(pane.rendered, timeout=20_000):
        pane.request("Long", "", body, now=True)
    shown = pane.toPlainText()
    assert f"of {len(body):,} characters; the export shows all of them." in shown
    assert "Parts of the story show as plain text: lists or quotes nested deeper" in shown
    assert "- level 0" not in shown  # beyond the part the preview renders
    assert len(shown) < PREVIEW_LIMIT
