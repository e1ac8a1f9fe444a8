"""Markdown to safe HTML: the one pipeline the preview and the export share.

Python-Markdown renders; nh3 (ammonia) then removes everything that could run
or restyle a page — scripts, event handlers, ``javascript:``/``data:`` URLs,
iframes, objects, forms, inline styles — whatever an editor pasted.

The speed-ups of :mod:`cms.markdown_speed` (through Markdown's public
extension points) change nothing in the HTML: a story renders exactly as a stock
``markdown.Markdown`` with the same extensions renders it.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Sequence
from functools import lru_cache
from html import escape as html_escape
from threading import local
from typing import cast

import markdown
import nh3

from cms import figures, markdown_speed
from cms.figures import FigureExtension, FigurePhoto, FigureProcessor
from cms.markdown_speed import speed_up

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time",
    "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height", "srcset", "sizes", "loading", "decoding"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "time": {"datetime"},
    "ol": {"start"},
    "*": {"class", "id", "lang"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
MARKDOWN_EXTENSIONS = ["extra", "smarty", "sane_lists"]

_CACHE_SIZE = 128


def sanitise_html(html: str) -> str:
    """Strip anything executable or page-breaking from ``html``."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str, photos: Sequence[FigurePhoto] | None = None) -> str:
    """Markdown → sanitised HTML, the last results kept (thread-safe).

    ``photos`` are the story's placed photos for ``![[photo:REF]]`` figures
    (see :mod:`cms.figures`); they are part of the cache key, so a changed
    caption re-renders. Without them a figure line shows as a quiet marker.
    """
    return _render_cached(text, None if photos is None else tuple(photos))


def plain_paragraphs(text: str) -> str:
    """``text`` as escaped paragraphs, line breaks kept (nothing is lost, nothing runs)."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return "\n".join(
        "<p>" + html_escape(block).replace("\n", "<br>\n") + "</p>" for block in blocks if block
    )


def renderer_sources() -> list[str]:
    """The source of every module that decides how Markdown becomes HTML (for cache keys)."""
    return [inspect.getsource(module)
            for module in (sys.modules[__name__], markdown_speed, figures)]


@lru_cache(maxsize=_CACHE_SIZE)
def _render_cached(text: str, photos: tuple[FigurePhoto, ...] | None) -> str:
    return _render(text, photos)


class _Renderer:
    """One configured Markdown instance (building one costs as much as a short story)."""

    def __init__(self) -> None:
        extensions: list[str | markdown.Extension] = [*MARKDOWN_EXTENSIONS, FigureExtension(None)]
        self.md = markdown.Markdown(extensions=extensions, output_format="html")
        self.figure_processor = cast(FigureProcessor, self.md.parser.blockprocessors["figure"])
        self.speed_ups = speed_up(self.md)

    def convert(self, text: str, photos: Sequence[FigurePhoto] | None) -> str:
        self.figure_processor.photos = None if photos is None else tuple(photos)
        try:
            return self.md.reset().convert(text)
        finally:
            self.figure_processor.photos = None


_local = local()  # a Markdown instance is not thread-safe: one per thread


def _markdown(text: str, photos: Sequence[FigurePhoto] | None) -> str:
    renderer: _Renderer | None = getattr(_local, "renderer", None)
    if renderer is None:
        renderer = _local.renderer = _Renderer()
    return renderer.convert(text, photos)


def _render(text: str, photos: Sequence[FigurePhoto] | None) -> str:
    try:
        html = _markdown(text, photos)
    except RecursionError:  # e.g. lists nested hundreds deep: the parser recurses per level
        _local.renderer = None  # its parser state is left half-way: the next body gets a new one
        html = plain_paragraphs(text)
    return sanitise_html(html)
