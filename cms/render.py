"""Markdown to safe HTML: the one pipeline the preview and the export share.

Python-Markdown renders; nh3 (ammonia) then removes everything that could run
or restyle a page — scripts, event handlers, ``javascript:``/``data:`` URLs,
iframes, objects, forms, inline styles — whatever an editor pasted. Results
are cached by the SHA-256 of their input.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Sequence
from threading import Lock

import markdown
import nh3

from cms.figures import FigureExtension, FigurePhoto

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

_CACHE_SIZE = 256
_cache: OrderedDict[str, str] = OrderedDict()
_cache_lock = Lock()


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


def _render(text: str, photos: Sequence[FigurePhoto] | None) -> str:
    extensions: list[str | markdown.Extension] = [*MARKDOWN_EXTENSIONS, FigureExtension(photos)]
    md = markdown.Markdown(extensions=extensions, output_format="html")
    return sanitise_html(md.convert(text))


def render_markdown(text: str, photos: Sequence[FigurePhoto] | None = None) -> str:
    """Markdown → sanitised HTML, cached by content hash (thread-safe).

    ``photos`` are the story's placed photos for ``![[photo:REF]]`` figures
    (see :mod:`cms.figures`); they are part of the cache key, so a changed
    caption re-renders. Without them a figure line shows as a quiet marker.
    """
    source = text
    if photos is not None:
        source += "\x00" + json.dumps([p.cache_key() for p in photos], ensure_ascii=False)
    key = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    html = _render(text, photos)
    with _cache_lock:
        _cache[key] = html
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return html
