"""The preview is the page: lead photo, dateline, "Read next" with times, the theme's colours."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from PySide6.QtGui import QPalette
from pytestqt.qtbot import QtBot

from cms.aliases import story_page
from cms.export import export_site
from cms.export.options import ExportOptions
from cms.render import WARNING_CLASS
from cms.sample import sample_id
from cms.store import Store
from ui.editor.page_style import page_css, theme_colours
from ui.window.main_window import MainWindow

pytestmark = pytest.mark.gui


class _StoryPage(HTMLParser):
    """The lead figure's caption and the "Read next" labels of an exported story page."""

    def __init__(self) -> None:
        super().__init__()
        self.lead_caption = ""
        self.read_next: list[str] = []
        self._where: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = dict(attrs).get("class") or ""
        if "lead-figure" in classes:
            self._where.append("lead")
        elif "read-next" in classes:
            self._where.append("next")
        elif tag == "figcaption" and "lead" in self._where:
            self._where.append("caption")
        elif tag == "a" and self._where[-1:] == ["next"]:
            self.read_next.append("")
            self._where.append("link")

    def handle_endtag(self, tag: str) -> None:
        closes = {"figcaption": ["caption"], "a": ["link"], "div": ["lead"], "aside": ["next"]}
        if self._where[-1:] == closes.get(tag):
            self._where.pop()

    def handle_data(self, data: str) -> None:
        if self._where[-1:] == ["caption"]:
            self.lead_caption += data
        elif self._where[-1:] == ["link"]:
            self.read_next[-1] += data


def _exported_page(store: Store, out: Path, slug: str) -> _StoryPage:
    export_site(store, ExportOptions(out=out, cache_dir=out.parent / "cache"))
    page = out / story_page(slug)
    parsed = _StoryPage()
    parsed.feed(page.read_text(encoding="utf-8"))
    return parsed


def test_the_sample_story_preview_matches_its_exported_page(
        qtbot: QtBot, window: MainWindow, gui_store: Store, tmp_path: Path) -> None:
    window.show_story_by_id(sample_id("story", "jcs-drones"))
    assert window.editing is not None
    document = window.editing.document
    qtbot.waitUntil(lambda: "Read next" in window.preview.toPlainText(), timeout=10_000)
    shown = window.preview.toPlainText()
    exported = _exported_page(gui_store, tmp_path / "site", document.slug)
    assert exported.lead_caption and exported.read_next
    lead = next(p for p in document.photos if p.role == "lead")
    # The lead photo's caption sits between the headline and the body, as on the page.
    at_headline = shown.index(document.headline)
    at_lead = shown.index(lead.caption[:60])
    at_body = shown.index("North Korea appears to be getting ready")
    assert at_headline < at_lead < at_body
    assert lead.caption[:60] in " ".join(exported.lead_caption.split())
    assert "SEOUL —" in shown  # the dateline, as the export puts it
    assert "By Newsroom Staff" in shown
    # Read next: the same stories, in the same order, each with its time.
    after = shown[shown.index("Read next"):]
    positions = [after.index(label.strip()) for label in exported.read_next]
    assert positions == sorted(positions)
    assert after.count("December 2024") >= len(exported.read_next)


@pytest.mark.parametrize("dark", [False, True])
def test_the_preview_uses_the_exported_theme_colours(qtbot: QtBot, window: MainWindow,
                                                     dark: bool) -> None:
    (window.acts.theme_dark if dark else window.acts.theme_light).trigger()
    colours = theme_colours(dark)
    css = (Path(__file__).parents[2] / "resources/static/site/site.css").read_text()
    assert colours["bg"] in css and colours["text"] in css
    assert colours["bg"] == ("#121212" if dark else "#ffffff")  # the site's own values
    qtbot.waitUntil(lambda: page_css(dark, WARNING_CLASS) in window.preview.page_html(),
                    timeout=10_000)
    base = window.preview.viewport().palette().color(QPalette.ColorRole.Base).name()
    assert base == colours["bg"]
