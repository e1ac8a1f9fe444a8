"""The speed-ups' tables hold for the Markdown installed, and stand aside when they do not.

:data:`cms.markdown_speed.PATTERN_NEEDS` says which strings every match of each
inline pattern holds; it is written by hand, so these tests hold it against the
patterns Markdown actually registers: every registered pattern is in the table
(same name, same class), every entry is registered, and no text without the
needs of a pattern is matched by it.
"""

from __future__ import annotations

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown.inlinepatterns import Pattern
from markdown.treeprocessors import InlineProcessor
from markdown.util import Registry

from cms import markdown_speed, render
from cms.figures import FigureExtension
from cms.markdown_speed import PATTERN_NEEDS, PROSE_BLOCK, known_patterns, speed_up
from tests.render.hostile import SHAPES
from tests.render.test_equivalence import SAMPLES


def _stock(*more: str) -> markdown.Markdown:
    extensions: list[str | markdown.Extension] = [*render.MARKDOWN_EXTENSIONS, *more,
                                                  FigureExtension(None)]
    return markdown.Markdown(extensions=extensions, output_format="html")


def _registries(md: markdown.Markdown) -> dict[str, Registry[Pattern]]:
    passes = {}
    for name in markdown_speed.INLINE_PASSES:
        target = md.treeprocessors[name]
        assert isinstance(target, InlineProcessor)
        passes[name] = markdown_speed.inline_patterns(target)
    return passes


def _patterns() -> dict[str, Pattern]:
    found: dict[str, Pattern] = {}
    for patterns in _registries(_stock()).values():
        known = known_patterns(patterns)
        assert known is not None, "a pattern Markdown registers is missing from PATTERN_NEEDS"
        found.update(known)
    return found


def test_the_renderer_is_sped_up() -> None:
    assert render._Renderer().speed_ups == ["prose", "inline-filter", "smarty-filter"]


def test_every_registered_pattern_is_in_the_table_and_every_entry_is_registered() -> None:
    md = _stock()
    registered = sum(len(patterns) for patterns in _registries(md).values())
    patterns = _patterns()
    assert len(patterns) == registered == len(PATTERN_NEEDS)
    for name, pattern in patterns.items():
        assert type(pattern).__name__ == PATTERN_NEEDS[name][0], name


def test_the_filters_sit_right_around_their_passes() -> None:
    md = _stock()
    speed_up(md)
    for name in markdown_speed.INLINE_PASSES:
        at = md.treeprocessors.get_index_for_name(name)
        assert md.treeprocessors.get_index_for_name(f"{name}-filter") == at - 1
        assert md.treeprocessors.get_index_for_name(f"{name}-restore") == at + 1


def _check_needs(text: str) -> None:
    for name, pattern in _patterns().items():
        needs = PATTERN_NEEDS[name][1]
        regex = pattern.getCompiledRegExp()
        if regex.search(text) is not None:
            assert any(need in text for need in needs), (name, text)


def test_no_pattern_matches_without_its_needs_in_the_corpora() -> None:
    for text in [*SAMPLES, *(shape(3000) for shape in SHAPES.values())]:
        _check_needs(text)


_ALPHABET = st.sampled_from([
    *"ab1 \t\n\\`*_[]()!<>&#;:'\"-.|^~=+{}/@\x02\x03", "  \n", "...", "--", "---",
    "&amp;", "<b>", "<a@b.c>", "<http://x>", "[^1]", "'90s", "\u201c", "\u2018", "\u2013",
    "\u2014", "&nbsp;", "&mdash;",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_no_pattern_matches_without_its_needs(text: str) -> None:
    _check_needs(text)


def test_an_unknown_inline_pattern_turns_the_filter_off() -> None:
    md = _stock("nl2br")
    assert speed_up(md) == ["prose", "smarty-filter"]  # nl2br adds a pattern of its own
    text = "Line one\nline two with *em* and \"quotes\"."
    assert md.convert(text) == _stock("nl2br").convert(text)


def test_an_unknown_block_processor_turns_the_prose_path_off() -> None:
    md = _stock("admonition")
    assert speed_up(md) == ["inline-filter", "smarty-filter"]
    text = "!!! note\n    An admonition.\n\nProse after it."
    assert md.convert(text) == _stock("admonition").convert(text)


def test_prose_blocks_are_one_line_of_prose() -> None:
    assert PROSE_BLOCK.fullmatch("\u201cQuoted\u201d prose, on one line.")
    for block in ("# Head", "1. item", "- item", "> quote", "    code", "Two\nlines", "| a |",
                  "![[photo:x]]", "[^1]: note", ": definition", "\x02wzxhzdk:0\x03"):
        assert not PROSE_BLOCK.fullmatch(block), block
