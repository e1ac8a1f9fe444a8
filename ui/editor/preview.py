"""The live preview: the export's Markdown pipeline, rendered off the GUI thread.

A single-shot timer debounces typing; at most one render is in flight; a render
that newer text overtook while it ran is dropped unseen, and the newest text is
rendered next (the ReText pattern). Only applying the finished HTML happens on
the GUI thread, and the preview keeps the editor's relative scroll position.

The page is laid out as the export lays out a story page: headline,
standfirst, byline, the lead photo (unless the body places it), the body with
its dateline, the photos the body does not place, then "Read next" with the
times of the stories it links to; the colours and type are the exported
theme's (:mod:`ui.editor.page_style`), light or dark with the window.

Parts of a story beyond the renderer's bounds show as plain text after a warning,
as in the export (:mod:`cms.render`). Laying out a page takes the GUI thread
about a second per megabyte, so the preview renders the first
:data:`PREVIEW_LIMIT` characters of a longer story and says so (with the
warnings of the whole story); the export renders all of it.
"""

from __future__ import annotations

import re
import threading
import time as time_module
from dataclasses import dataclass
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QThreadPool, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPalette, QShowEvent, QTextDocument
from PySide6.QtWidgets import QScrollBar, QTextBrowser, QWidget

from cms.document import PhotoRef, StoryDocument
from cms.store import Store
from ui.editor.page_style import page_css, theme_colours
from ui.ops import Op, OpContext
from ui.window.theme import is_dark

DEBOUNCE_MS = 300
PREVIEW_LIMIT = 100_000  # characters of the body rendered in the preview


PHOTO_URL = "photos/"  # relative, so the sanitiser keeps it; served by loadResource
PREVIEW_PHOTO_WIDTH = 640
_PHOTO_IMG = re.compile(r'<img (?=[^>]*src="' + re.escape(PHOTO_URL) + ")")



@dataclass(frozen=True)
class PageFacts:
    """What the page shows around the body: the story's byline, dateline and links."""

    story: StoryDocument | None = None
    zone: ZoneInfo | None = None


# headline, standfirst, body, photos, the rest of the story
Source = tuple[str, str, str, tuple[PhotoRef, ...], PageFacts]


@dataclass(frozen=True)
class RenderedPage:
    """The rendered parts of a page, put together on the GUI thread."""

    lead: str
    body: str
    read_next: str


def render_or_report(source: Source, store: Store | None) -> RenderedPage:
    """The page, or what went wrong in its place (a worker's work; never raises)."""
    try:
        return render_page(source, store)
    except Exception as exc:  # shown in the preview instead of the page
        return RenderedPage("", f"<p><b>The preview failed:</b> {escape(str(exc))}</p>", "")


def lead_photo(photos: tuple[PhotoRef, ...]) -> PhotoRef | None:
    """The photo the export puts on top: the one marked lead, else the first."""
    return next((p for p in photos if p.role == "lead"), photos[0] if photos else None)


def render_page(source: Source, store: Store | None) -> RenderedPage:
    """Render a story's page parts with the export's own functions (on a worker)."""
    # Imported here, on the worker: Markdown's import stays off the start-up path.
    from cms import figures
    from cms.figures import FigurePhoto
    from cms.render import render_markdown
    from cms.storypage import normalise_headings, with_dateline

    _headline, _standfirst, text, photos, facts = source
    shown_figures = [FigurePhoto.from_ref(p, src=f"{PHOTO_URL}{p.sha256}") for p in photos]
    shown = preview_part(text)
    html = render_markdown(shown, shown_figures)
    if len(shown) < len(text):
        html = _cut_note(text, len(shown)) + html
    dateline = facts.story.dateline if facts.story is not None else ""
    html = with_dateline(normalise_headings(html), dateline)
    placed = {photo.id for photo in (figures.resolve(ref, photos)[0]
                                     for ref in figures.references(text)) if photo is not None}
    lead = lead_photo(photos)
    lead_html = ""
    if lead is not None and lead.id not in placed:
        lead_html = render_markdown(figures.figure_markup(lead.id), shown_figures)
    others = [p for p in photos if p is not lead and p.id not in placed]
    if others:
        html += render_markdown("\n\n".join(figures.figure_markup(p.id) for p in others),
                                shown_figures)
    return RenderedPage(lead_html, html, read_next_html(store, facts))


_LINKS_CACHE: dict[tuple[Any, ...], list[Any]] = {}  # the last link set read, per minute
_LINKS_LOCK = threading.Lock()  # each preview renders on its own worker


def _visible_links(store: Store, story: StoryDocument) -> list[Any]:
    """The story's links with their targets' state, read at most once a minute per link set
    (typing re-renders the page; the links rarely change)."""
    from cms.related import list_links

    key = (str(store.url), story.story_id, story.related, int(time_module.time() // 60))
    with _LINKS_LOCK:
        found = _LINKS_CACHE.get(key)
    if found is None:
        with store.reading() as session:
            found = list_links(session, story)
        with _LINKS_LOCK:
            _LINKS_CACHE.clear()
            _LINKS_CACHE[key] = found
    return found


def read_next_html(store: Store | None, facts: PageFacts) -> str:
    """The "Read next" list as the export shows it now: visible links, with their times."""
    story = facts.story
    if store is None or story is None or not story.related:
        return ""
    from cms.storypage import local_time

    infos = _visible_links(store, story)
    items = []
    for info in infos:
        if not info.visible:
            continue
        label = info.link.label or info.target_headline or info.link.url or ""
        href = info.link.url or f"story:{info.link.target_story_id}"
        when = ""
        if info.target_publish_at is not None and facts.zone is not None:
            when = (f" <span class='times'>"
                    f"{escape(local_time(info.target_publish_at, facts.zone))}</span>")
        items.append(f"<li><a href='{escape(href)}'>{escape(label)}</a>{when}</li>")
    if not items:
        return ""
    return ("<hr><p class='read-next-title'>Read next</p><ol class='read-next'>"
            + "".join(items) + "</ol>")


def preview_part(text: str) -> str:
    """The start of ``text`` the preview renders: all of it up to :data:`PREVIEW_LIMIT`
    characters, else up to the last blank line before the limit (or the limit)."""
    if len(text) <= PREVIEW_LIMIT:
        return text
    cut = text.rfind("\n\n", 0, PREVIEW_LIMIT)
    return text[:cut if cut > 0 else PREVIEW_LIMIT]


def _cut_note(text: str, shown: int) -> str:
    """The note above a preview of the start of a long story (and why parts are text)."""
    from cms.render import WARNING_CLASS, render_warnings

    note = (f"The preview shows the first {shown:,} of {len(text):,} characters; "
            "the export shows all of them.")
    reasons = render_warnings(text)
    if reasons:
        note += " Parts of the story show as plain text: " + "; ".join(reasons) + "."
    return f'<div class="{WARNING_CLASS}"><strong>⚠ Long story: </strong>{escape(note)}</div>'


def load_photo(store: Store, sha256: str) -> QImage:
    """One photo read and scaled for the preview (QImage is fine off the GUI thread)."""
    from cms.blobs import blob_bytes

    image = QImage()
    with store.reading() as session:
        data = blob_bytes(session, sha256)
    if image.loadFromData(data) and image.width() > PREVIEW_PHOTO_WIDTH:
        image = image.scaledToWidth(PREVIEW_PHOTO_WIDTH,
                                    Qt.TransformationMode.SmoothTransformation)
    return image


class PreviewPane(QTextBrowser):
    """Shows the rendered story; call :meth:`request` whenever the text changes."""

    rendered = Signal()

    def __init__(self, store: Store | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self._store = store
        self._images: dict[str, QImage] = {}
        self._loading: set[str] = set()
        self._last_page = ""
        self.setOpenExternalLinks(False)
        self.setOpenLinks(False)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._photo_pool = QThreadPool(self)
        self._photo_pool.setMaxThreadCount(1)
        self._serial = 0
        self._in_flight = False
        self._source: Source = ("", "", "", (), PageFacts())
        self._rendered_source: Source | None = None
        self._wanted: Source | None = None
        self._scroll_ratio = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._start)
        self.renders = 0  # pages shown
        self.dropped = 0  # renders overtaken by newer text (or a cleared pane), never shown
        from ui.editor.editor import writing_font

        self.document().setDefaultFont(writing_font())

    def request(self, headline: str, standfirst: str, body: str,
                photos: tuple[PhotoRef, ...] = (), *, now: bool = False,
                facts: PageFacts | None = None) -> None:
        """The story changed: render it after a pause in typing.

        ``photos`` are the story's placed photos, so ``![[photo:REF]]`` lines show
        as figures (or as a warning when the reference is wrong), as in the export;
        ``facts`` give the byline, dateline and "Read next" links.
        """
        self._source = (headline, standfirst, body, photos, facts or PageFacts())
        if now:
            self._timer.stop()
            self._start()
        else:
            self._timer.start()

    def busy(self) -> bool:
        """True while a render is running or waiting for the typing pause."""
        return self._in_flight or self._timer.isActive()

    @Slot()
    def _start(self) -> None:
        if not self.isVisible() and self._rendered_source is not None:
            return  # hidden: render when shown again
        if self._in_flight:
            return  # the finished render notices the newer text and goes again
        if self._source == self._rendered_source:
            return
        self._in_flight = True
        self._serial += 1
        self._wanted = self._source
        serial, source, store = self._serial, self._source, self._store
        Op(None, lambda _context: render_or_report(source, store), pool=self._pool,
           owner=self).success(lambda page: self._on_rendered(serial, page)).run()

    def _on_rendered(self, serial: int, page: RenderedPage) -> None:
        self._in_flight = False
        wanted = self._wanted
        if serial == self._serial and wanted is not None and wanted == self._source:
            self._rendered_source = wanted
            self._apply(wanted, page)
            self.renders += 1
            self.rendered.emit()
        else:
            # Newer text overtook this render: showing it would only hold up the keys
            # and then be replaced. The newest text renders next (now, or after the
            # typing pause the timer is waiting for).
            self.dropped += 1
        if self._source != self._rendered_source and not self._timer.isActive():
            self._start()

    def _apply(self, source: Source, page: RenderedPage) -> None:
        from cms.render import WARNING_CLASS  # loaded already: the worker rendered the page

        headline, standfirst, _body, _photos, facts = source
        dark = is_dark(self.palette())
        self._paint_page(dark)
        byline = facts.story.byline if facts.story is not None else ""
        # The story's own language (the desk's is the page default, as in the export).
        language = facts.story.language if facts.story is not None else ""
        html = (
            (f'<html lang="{escape(language)}">' if language else "")
            + f"<style>{page_css(dark, WARNING_CLASS)}</style>"
            f"<h1>{escape(headline)}</h1>"
            + (f"<p class='standfirst'>{escape(standfirst)}</p>" if standfirst else "")
            + (f"<p class='byline'>By <b>{escape(byline)}</b></p>" if byline else "")
            + page.lead + page.body + page.read_next
        )
        # Figures fit the pane (Qt keeps the aspect ratio when only a width is given).
        fit = max(120, min(PREVIEW_PHOTO_WIDTH, self.viewport().width() - 24))
        html = _PHOTO_IMG.sub(f'<img width="{fit}" ', html)
        self._last_page = html
        bar = self.verticalScrollBar()
        self.setHtml(html)
        self._set_ratio(bar, self._scroll_ratio)

    def _paint_page(self, dark: bool) -> None:
        """The pane's background and text in the site theme's colours."""
        colours = theme_colours(dark)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor(colours["bg"]))
        palette.setColor(QPalette.ColorRole.Text, QColor(colours["text"]))
        self.viewport().setPalette(palette)

    def page_html(self) -> str:
        """The HTML of the page shown now."""
        return self._last_page

    def loadResource(self, kind: int, url: QUrl | str) -> Any:
        """Photos come from the store, read and scaled on a worker the first time."""
        path = url.toString() if isinstance(url, QUrl) else url
        if kind == QTextDocument.ResourceType.ImageResource.value and path.startswith(
                PHOTO_URL):
            sha256 = path[len(PHOTO_URL):]
            image = self._images.get(sha256)
            if image is not None:
                return image
            if self._store is not None and sha256 not in self._loading:
                self._loading.add(sha256)
                store = self._store

                def work(_context: OpContext) -> QImage:
                    return load_photo(store, sha256)

                # A missing or broken photo shows as an empty figure.
                Op(None, work, pool=self._photo_pool, owner=self).success(
                    lambda image: self._on_photo(sha256, image)).failure(
                    lambda _error: self._on_photo(sha256, QImage())).run()
            return QImage()
        return super().loadResource(kind, url)

    def _on_photo(self, sha256: str, image: QImage) -> None:
        self._loading.discard(sha256)
        self._images[sha256] = image
        if self._last_page and sha256 in self._last_page:
            bar = self.verticalScrollBar()
            self.setHtml(self._last_page)  # the document asks for its images again
            self._set_ratio(bar, self._scroll_ratio)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._source != self._rendered_source:
            # A one-off call: ``self._timer.start(0)`` would also change its interval.
            QTimer.singleShot(0, self._start)

    def follow(self, ratio: float) -> None:
        """Scroll to the same relative place as the editor (0.0 top … 1.0 bottom)."""
        self._scroll_ratio = min(max(ratio, 0.0), 1.0)
        self._set_ratio(self.verticalScrollBar(), self._scroll_ratio)

    @staticmethod
    def _set_ratio(bar: QScrollBar, ratio: float) -> None:
        bar.setValue(round(bar.maximum() * ratio))

    def clear_preview(self) -> None:
        """Show nothing."""
        self._source = ("", "", "", (), PageFacts())
        self._rendered_source = self._source
        self._last_page = ""
        self._serial += 1
        self._timer.stop()
        self.clear()

    def wait_idle(self) -> None:
        """Block until the workers are done (used when the window closes)."""
        self._timer.stop()
        self._pool.waitForDone()
        self._photo_pool.waitForDone()
