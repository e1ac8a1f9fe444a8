"""Markdown to safe HTML: the one pipeline the preview and the export share.

Python-Markdown renders; nh3 (ammonia) then removes everything that could run
or restyle a page — scripts, event handlers, ``javascript:``/``data:`` URLs,
iframes, objects, forms, inline styles — whatever an editor pasted. Results
are cached by the SHA-256 of their input.
"""

from __future__ import annotations

import hashlib
import json
import re
import re._constants as _c  # the regular expression parser (Python 3.11+)
import re._parser as _p
import xml.etree.ElementTree as etree
from collections import OrderedDict
from collections.abc import Sequence
from html import escape as html_escape
from threading import Lock, local
from typing import Any, cast

import markdown
import nh3
from markdown import inlinepatterns
from markdown.blockparser import BlockParser
from markdown.treeprocessors import InlineProcessor
from markdown.util import AtomicString

from cms.figures import FigureExtension, FigurePhoto, FigureProcessor

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


def _needed(items: Any) -> frozenset[str] | None:
    """Characters of which every match of a parsed regex holds one (None: unknown).

    Derived from the expression itself, so it cannot disagree with it: a
    sequence needs what any one of its consuming parts needs, an alternative
    what all of its branches need together.
    """
    best: frozenset[str] | None = None
    for op, arg in items:
        found: frozenset[str] | None = None
        if op is _c.LITERAL:
            found = frozenset(chr(arg))
        elif op is _c.IN and all(o is _c.LITERAL for o, _ in arg) and len(arg) <= 4:
            found = frozenset(chr(a) for _, a in arg)
        elif op is _c.SUBPATTERN and not arg[1] & re.IGNORECASE:
            found = _needed(arg[-1])
        elif op is _c.MAX_REPEAT or op is _c.MIN_REPEAT:
            found = _needed(arg[2]) if arg[0] >= 1 else None
        elif op is _c.BRANCH:
            branches = [_needed(branch) for branch in arg[1]]
            if all(b is not None for b in branches):
                found = frozenset().union(*branches)  # type: ignore[arg-type]
        # Prefer the rarest characters: a set without letters, digits or spaces.
        if found and (best is None or _score(found) < _score(best)):
            best = found
    return best


def _score(chars: frozenset[str]) -> tuple[int, int]:
    return (sum(c.isalnum() or c.isspace() for c in chars), len(chars))


def _quick_entry(pattern: Any) -> tuple[Any, re.Pattern[str] | None, frozenset[str] | None]:
    """An inline pattern, its expression, and the characters of which any match has one."""
    if not isinstance(pattern, inlinepatterns.InlineProcessor):
        return pattern, None, None
    regex = pattern.getCompiledRegExp()
    if regex not in _SCANS:
        chars = None
        if not regex.flags & (re.IGNORECASE | re.VERBOSE):
            try:
                chars = _needed(_p.parse(regex.pattern, regex.flags))
            except Exception:  # an expression the parser of this Python reads differently
                chars = None
        _SCANS[regex] = chars or None
    return pattern, regex, _SCANS[regex]


_SCANS: dict[re.Pattern[str], frozenset[str] | None] = {}


class _QuickInlineProcessor(InlineProcessor):
    """Python-Markdown's inline pass, minus the patterns that cannot match.

    The stock pass calls a general (and slow) helper for every inline pattern
    on every text node, although prose rarely holds the characters most
    patterns need: ~350 calls a story, most of the time spent rendering (the
    smarty extension alone adds a second pass of 18 patterns). Here a pattern
    whose regular expression finds nothing from the current position is skipped
    directly; that is exactly what the helper would conclude, so the HTML is
    the same. The method overrides the name-mangled ``__handleInline``.
    """

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        # One sorted snapshot per run instead of a registry lookup per pattern and node.
        self._quick_patterns = [
            _quick_entry(pattern) for pattern in self.inlinePatterns
        ]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, AtomicString):
            return data
        patterns = self._quick_patterns
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        count = len(patterns)
        start = 0
        present: set[str] | None = None  # the characters of ``data``, made when first needed
        while patternIndex < count:
            pattern, regex, needs = patterns[patternIndex]
            if regex is not None:
                if needs is not None:
                    if present is None:
                        present = set(data)
                    skip = needs.isdisjoint(present)
                else:
                    skip = False
                if skip or regex.search(data, start) is None:
                    patternIndex += 1  # the helper would find no match and move on
                    start = 0
                    continue
            data, matched, start = apply(pattern, data, patternIndex, start)
            if matched:
                present = None  # the text now holds a placeholder
            else:
                patternIndex += 1
        return data


# A block of one line that starts with a letter or an opening quote or bracket is a
# paragraph: every other block syntax the processors below know needs a marker or
# indentation at the start of a line (headings, lists, quotes, code, figures,
# footnotes, definitions, references, abbreviations), a second line (setext
# headings, tables) or a raw-HTML placeholder (\x02). Prose is most blocks, and
# testing each against all 18 processors is most of block parsing.
_PROSE_BLOCK = re.compile(r"(?:[^\W\d_]|[\"'(“‘«])[^\n\x02]*")
_PROSE_SAFE_PROCESSORS = frozenset({
    "markdown_block", "empty", "indent", "defindent", "code", "table", "figure", "hashheader",
    "setextheader", "hr", "olist", "ulist", "deflist", "quote", "footnote", "abbr",
    "reference", "paragraph",
})


class _QuickBlockParser(BlockParser):
    """Python-Markdown's block parser, with one-line prose blocks sent straight to the
    paragraph processor (the only one whose test they pass; see :data:`_PROSE_BLOCK`)."""

    def parseBlocks(self, parent: etree.Element, blocks: list[str]) -> None:
        paragraph = self.blockprocessors["paragraph"]
        prose = _PROSE_BLOCK.fullmatch
        while blocks:
            if prose(blocks[0]):
                paragraph.run(parent, blocks)
                continue
            for processor in self.blockprocessors:  # as the stock parser does
                if processor.test(parent, blocks[0]) and processor.run(parent, blocks) is not False:
                    break


class _Renderer:
    """One configured Markdown instance (building one costs as much as a short story)."""

    def __init__(self) -> None:
        self.figures = FigureExtension(None)
        extensions: list[str | markdown.Extension] = [*MARKDOWN_EXTENSIONS, self.figures]
        self.md = markdown.Markdown(extensions=extensions, output_format="html")
        self.figure_processor = cast(FigureProcessor, self.md.parser.blockprocessors["figure"])
        processors = self.md.parser.blockprocessors
        if (type(self.md.parser) is BlockParser and len(processors) == len(_PROSE_SAFE_PROCESSORS)
                and all(name in processors for name in _PROSE_SAFE_PROCESSORS)):
            self.md.parser.__class__ = _QuickBlockParser
        for name in ("inline", "smarty"):
            if name in self.md.treeprocessors:
                processor = self.md.treeprocessors[name]
                if type(processor) is InlineProcessor:
                    processor.__class__ = _QuickInlineProcessor

    def convert(self, text: str, photos: Sequence[FigurePhoto] | None) -> str:
        self.figure_processor.photos = None if photos is None else tuple(photos)
        try:
            return self.md.reset().convert(text)
        finally:
            self.figure_processor.photos = None


_local = local()  # a Markdown instance is not thread-safe: one per thread


def _render(text: str, photos: Sequence[FigurePhoto] | None) -> str:
    renderer: _Renderer | None = getattr(_local, "renderer", None)
    if renderer is None:
        renderer = _local.renderer = _Renderer()
    try:
        html = renderer.convert(text, photos)
    except RecursionError:  # e.g. lists nested hundreds deep: the parser recurses per level
        _local.renderer = None  # its parser state is left half-way: the next body gets a new one
        html = plain_paragraphs(text)
    return sanitise_html(html)


def plain_paragraphs(text: str) -> str:
    """``text`` as escaped paragraphs: for Markdown the parser cannot take (nothing is lost)."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return "\n".join(
        "<p>" + html_escape(block).replace("\n", "<br>\n") + "</p>" for block in blocks if block
    )


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
