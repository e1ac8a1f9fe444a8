"""Python-Markdown made faster through its public extension points, with the same HTML.

Two costs dominate rendering a news story with a stock ``markdown.Markdown``:

- **Block parsing.** Every block is tested against all 18 block processors,
  although most blocks are one line of prose that only the paragraph processor
  takes. :class:`ProseBlockProcessor`, registered above them all, sends such
  blocks to the paragraph processor at once.
- **Inline patterns.** The inline pass tries every pattern on every text node
  (the smarty extension adds a second pass of 18), although prose rarely holds
  the characters most patterns need. :class:`InlinePatternFilter` runs before
  each pass and gives it only the patterns whose characters occur somewhere in
  the document's text; a pattern left out could not have matched anywhere,
  so the HTML is the same.

Both install only when the registries hold exactly the processors and patterns
they know (:data:`PROSE_SAFE_PROCESSORS`, :data:`PATTERN_NEEDS`); with any
other set they leave Markdown as it is, so an extension added later is slower
but never wrong. ``tests/render/test_markdown_speed.py`` checks the tables
against the patterns Markdown registers.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Any, cast

from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor
from markdown.inlinepatterns import Pattern
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AtomicString, Registry

# A block of one line that starts with a letter or an opening quote or bracket is a
# paragraph: every other block syntax the processors below know needs a marker or
# indentation at the start of a line (headings, lists, quotes, code, figures,
# footnotes, definitions, references, abbreviations), a second line (setext
# headings, tables) or a raw-HTML placeholder (\x02).
PROSE_BLOCK = re.compile(r"(?:[^\W\d_]|[\"'(“‘«])[^\n\x02]*")
PROSE_SAFE_PROCESSORS = frozenset({
    "markdown_block", "empty", "indent", "defindent", "code", "table", "figure", "hashheader",
    "setextheader", "hr", "olist", "ulist", "deflist", "quote", "footnote", "abbr",
    "reference", "paragraph",
})

_QUOTES = ("'", '"')
PATTERN_NEEDS: dict[str, tuple[str, tuple[str, ...]]] = {
    # name: (class, strings of which every match holds one)
    "backtick": ("BacktickInlineProcessor", ("`",)),
    "escape": ("EscapeInlineProcessor", ("\\",)),
    "footnote": ("FootnoteInlineProcessor", ("[^",)),
    "reference": ("ReferenceInlineProcessor", ("[",)),
    "link": ("LinkInlineProcessor", ("[",)),
    "image_link": ("ImageInlineProcessor", ("![",)),
    "image_reference": ("ImageReferenceInlineProcessor", ("![",)),
    "short_reference": ("ShortReferenceInlineProcessor", ("[",)),
    "short_image_ref": ("ShortImageReferenceInlineProcessor", ("![",)),
    "autolink": ("AutolinkInlineProcessor", ("<",)),
    "automail": ("AutomailInlineProcessor", ("<",)),
    "linebreak": ("SubstituteTagInlineProcessor", ("  \n",)),
    "html": ("HtmlInlineProcessor", ("<",)),
    "entity": ("HtmlInlineProcessor", ("&",)),
    "em_strong": ("DelimiterProcessor", ("*", "_")),
    # The smarty extension's own pass.
    "smarty-em-dashes": ("SubstituteTextPattern", ("---",)),
    "smarty-en-dashes": ("SubstituteTextPattern", ("--",)),
    "smarty-ellipses": ("SubstituteTextPattern", ("...",)),
    "smarty-quotes-0": ("SubstituteTextPattern", ("'",)),
    "smarty-quotes-1": ("SubstituteTextPattern", ('"',)),
    "smarty-quotes-2": ("SubstituteTextPattern", ("\"'",)),
    "smarty-quotes-3": ("SubstituteTextPattern", ("'\"",)),
    "smarty-quotes-4": ("SubstituteTextPattern", ("'\"",)),
    "smarty-quotes-5": ("SubstituteTextPattern", ("\"'",)),
    "smarty-quotes-6": ("SubstituteTextPattern", ("'",)),
    "smarty-quotes-7": ("SubstituteTextPattern", ("'",)),
    "smarty-quotes-8": ("SubstituteTextPattern", ("'",)),
    "smarty-quotes-9": ("SubstituteTextPattern", ("'",)),
    "smarty-quotes-10": ("SubstituteTextPattern", ("'",)),
    "smarty-quotes-11": ("SubstituteTextPattern", ('"',)),
    "smarty-quotes-12": ("SubstituteTextPattern", ('"',)),
    "smarty-quotes-13": ("SubstituteTextPattern", ('"',)),
    "smarty-quotes-14": ("SubstituteTextPattern", ('"',)),
}
"""Every inline pattern the renderer's extensions register, with what its matches need.

The needs are strings every match contains (and that no pattern ever writes
into the text: placeholders are made of control characters, letters, digits
and a colon), so a document holding none of them cannot match the pattern.
"""


class ProseBlockProcessor(BlockProcessor):
    """Hands a one-line prose block straight to the paragraph processor."""

    def __init__(self, parser: BlockParser, paragraph: BlockProcessor) -> None:
        super().__init__(parser)
        self.paragraph = paragraph

    def test(self, parent: etree.Element, block: str) -> bool:
        return PROSE_BLOCK.fullmatch(block) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> bool | None:
        return self.paragraph.run(parent, blocks)


def known_patterns(patterns: Registry[Pattern]) -> dict[str, Pattern] | None:
    """``patterns`` by name when :data:`PATTERN_NEEDS` describes every one of them, else None."""
    found = {name: patterns[name] for name in PATTERN_NEEDS if name in patterns}
    if len(found) != len(patterns):
        return None  # a pattern the table does not know
    for name, pattern in found.items():
        if type(pattern).__name__ != PATTERN_NEEDS[name][0]:
            return None  # same name, another implementation: its needs may differ
    return found


class InlinePatternFilter(Treeprocessor):
    """Before an inline pass: give it only the patterns the document's text can match."""

    def __init__(self, md: Markdown, target: InlineProcessor, patterns: Registry[Pattern],
                 known: dict[str, Pattern]) -> None:
        super().__init__(md)
        self.target = target
        self.patterns = patterns
        self.known = known
        self._filtered: dict[frozenset[str], Registry[Pattern]] = {}

    def run(self, root: etree.Element) -> None:
        text = "\x00".join(_texts(root))
        absent = frozenset(name for name in self.known
                           if not any(need in text for need in PATTERN_NEEDS[name][1]))
        registry = self._filtered.get(absent)
        if registry is None:
            registry = self.patterns[:]  # a copy, in the same order
            for name in absent:
                registry.deregister(name)
            self._filtered[absent] = registry
        _set_patterns(self.target, registry)


class InlinePatternRestore(Treeprocessor):
    """After an inline pass: every pattern again (as the pass had before the filter)."""

    def __init__(self, md: Markdown, target: InlineProcessor, patterns: Registry[Pattern]) -> None:
        super().__init__(md)
        self.target = target
        self.patterns = patterns

    def run(self, root: etree.Element) -> None:
        _set_patterns(self.target, self.patterns)


def inline_patterns(target: InlineProcessor) -> Registry[Pattern]:
    """The patterns an inline pass runs."""
    # types-Markdown declares them a registry of tree processors; they are inline
    # patterns (as ``Markdown.inlinePatterns`` is typed).
    return cast(Registry[Pattern], target.inlinePatterns)


def _set_patterns(target: InlineProcessor, patterns: Registry[Pattern]) -> None:
    target.inlinePatterns = cast(Any, patterns)


def _texts(root: etree.Element) -> list[str]:
    """Every text an inline pass reads: element texts and tails that are not atomic."""
    texts = []
    for element in root.iter():
        text, tail = element.text, element.tail
        if text and not isinstance(text, AtomicString):
            texts.append(text)
        if tail:
            texts.append(tail)
    return texts


# The inline passes and their priorities (as Python-Markdown and its smarty extension
# register them); each filter goes right before its pass, each restore right after.
INLINE_PASSES = {"inline": 20.0, "smarty": 6.0}


def speed_up(md: Markdown) -> list[str]:
    """Install what applies to ``md``; the names of what was installed (for tests)."""
    installed = []
    blocks = md.parser.blockprocessors
    if len(blocks) == len(PROSE_SAFE_PROCESSORS) and all(
            name in blocks for name in PROSE_SAFE_PROCESSORS):
        prose = ProseBlockProcessor(md.parser, blocks["paragraph"])
        blocks.register(prose, "prose", 1000)
        installed.append("prose")
    passes = md.treeprocessors
    for name, priority in INLINE_PASSES.items():
        if name not in passes:
            continue
        target = passes[name]
        if not isinstance(target, InlineProcessor):
            continue
        patterns = inline_patterns(target)
        known = known_patterns(patterns)
        if known is None:
            continue
        passes.register(InlinePatternFilter(md, target, patterns, known), f"{name}-filter",
                        priority + 0.5)
        passes.register(InlinePatternRestore(md, target, patterns), f"{name}-restore",
                        priority - 0.5)
        at = passes.get_index_for_name(name)
        if (passes.get_index_for_name(f"{name}-filter") != at - 1
                or passes.get_index_for_name(f"{name}-restore") != at + 1):
            # The pass is not where we expected it: something could run in between.
            passes.deregister(f"{name}-filter")
            passes.deregister(f"{name}-restore")
            continue
        installed.append(f"{name}-filter")
    return installed
