"""Markdown to safe HTML: the one pipeline the preview and the export share.

Python-Markdown renders; nh3 (ammonia) then removes everything that could run
or restyle a page — scripts, event handlers, ``javascript:``/``data:`` URLs,
iframes, objects, forms, inline styles — whatever an editor pasted.

Rendering is bounded (:mod:`cms.markdown_bounds`): the blocks of a story that
would ask the renderer for too much work — lists nested hundreds deep, tens of
thousands of brackets — are shown as escaped plain text after a visible
warning (``<div class="render-warning">``), and the rest of the story is
rendered as usual. A story within the bounds renders exactly as a stock
``markdown.Markdown`` with the same extensions renders it; the speed-ups of
:mod:`cms.markdown_speed` change nothing in the HTML.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import sys
from collections.abc import Sequence
from functools import lru_cache
from html import escape as html_escape
from threading import local
from typing import cast

import markdown
import nh3

from cms import figures, markdown_bounds, markdown_speed
from cms.figures import FigureExtension, FigurePhoto, FigureProcessor
from cms.markdown_bounds import Excess, find_excess, normalised
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
WARNING_CLASS = "render-warning"
TOO_DEEP = "the Markdown nests deeper than the renderer can follow"

_CACHE_SIZE = 128
# Blank lines; possessive, so that long runs of indentation are read once.
_PARAGRAPH_BREAK = re.compile(r"\n(?:[ \t]*+\n)+")


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


def render_warnings(text: str) -> list[str]:
    """Why parts of ``text`` render as plain text (empty for a story within the bounds).

    Read from the Markdown alone, in linear time: the export names the stories
    without keeping or parsing their HTML.
    """
    return list(dict.fromkeys(excess.reason for excess in find_excess(text)))


def plain_paragraphs(text: str) -> str:
    """``text`` as escaped paragraphs, line breaks kept (nothing is lost, nothing runs)."""
    # A few passes over the whole text: a plain part may hold a hundred thousand blocks.
    escaped = html_escape(normalised(text).replace("\x00", "\ufffd")).strip()
    if not escaped:
        return ""
    body = _PARAGRAPH_BREAK.sub("\x00", escaped).replace("\n", "<br>\n")
    return "<p>" + body.replace("\x00", "</p>\n<p>") + "</p>"


def plain_text_warning(reason: str) -> str:
    """The visible warning shown before a part rendered as plain text."""
    return (f'<div class="{WARNING_CLASS}"><strong>⚠ Shown as plain text: </strong>'
            f"{html_escape(reason)}.</div>")


def renderer_sources() -> list[str]:
    """The source of every module that decides how Markdown becomes HTML (for cache keys).

    Each one is named in ``SOURCE_READ_MODULES`` of ``packaging/newsroom.spec``: a
    frozen app has no source to read unless it ships it.
    """
    return [inspect.getsource(sys.modules[__name__]), inspect.getsource(markdown_bounds),
            inspect.getsource(markdown_speed), inspect.getsource(figures)]


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
    """``text`` as sanitised HTML, the parts beyond the bounds as plain text."""
    excess = find_excess(text)
    try:
        if not excess:
            return sanitise_html(_markdown(text, photos))
        return _with_plain_parts(text, excess, photos)
    except RecursionError:  # a safety net: the bounds keep nesting well below the limit
        _local.renderer = None  # its parser state is left half-way: the next body gets a new one
        return _all_plain(TOO_DEEP, text)


def _all_plain(reason: str, text: str) -> str:
    """The whole of ``text`` as plain text after a warning (escaped: nothing to sanitise)."""
    return plain_text_warning(reason) + "\n" + plain_paragraphs(text)


def _with_plain_parts(text: str, excess: list[Excess], photos: Sequence[FigurePhoto] | None
                      ) -> str:
    """Render ``text`` with each excess run replaced by its warning and plain text.

    Each run becomes a paragraph holding a token (letters and digits, which no
    Markdown syntax changes, derived from the text so that no text can hold
    it). The rest is rendered and sanitised, and then each token's paragraph is
    replaced by its plain text, escaped here (sanitising megabytes of escaped
    text would cost more than rendering them). A token that the Markdown around
    it took elsewhere (into a raw HTML block) is replaced before sanitising.
    """
    lines = normalised(text).split("\n")
    nonce = hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass")).hexdigest()[:24]
    pieces: list[str] = []
    plain: list[str] = []
    done = 0
    for number, run in enumerate(excess):
        pieces += ["\n".join(lines[done:run.start]), f"plaintext{nonce}part{number}"]
        plain.append(plain_text_warning(run.reason) + "\n"
                     + plain_paragraphs("\n".join(lines[run.start:run.end])))
        done = run.end
    pieces.append("\n".join(lines[done:]))
    html = _markdown("\n\n".join(pieces), photos)
    # One pass over the HTML for all tokens: thousands of runs stay linear.
    token = re.compile(f"plaintext{nonce}part([0-9]+)")
    wrapped = re.compile(f"<p>plaintext{nonce}part([0-9]+)</p>")
    expected = list(map(str, range(len(plain))))
    if sorted(token.findall(html), key=int) != expected:
        # Lost or doubled by the Markdown around it: show the whole story as text.
        return _all_plain(excess[0].reason, text)
    if sorted(wrapped.findall(html), key=int) == expected:
        html = sanitise_html(html)
        if sorted(wrapped.findall(html), key=int) == expected:
            return wrapped.sub(lambda match: plain[int(match.group(1))], html)
        return _all_plain(excess[0].reason, text)  # the sanitiser dropped what held one
    return sanitise_html(token.sub(lambda match: plain[int(match.group(1))], html))
