"""Crafted Markdown that makes an unbounded renderer explode, at any size.

Each shape is a function of a size in bytes returning a story body of about
that size. The tests (``tests/render``) assert how rendering time and work grow
with the size; ``make bench BENCH_ARGS=render`` times each shape at 10 KB,
100 KB and 1 MB.
"""

from __future__ import annotations

from collections.abc import Callable

Shape = Callable[[int], str]
MAX_BRACKETS = 16  # cms.markdown_bounds.MAX_BRACKET_DEPTH, written out: the corpus is fixed


def _repeat(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def nested_brackets(size: int) -> str:
    """``[[[…x…](y)](y)](y)``: every bracket's text is scanned again inside the next."""
    depth = max(1, size // 5)
    return "[" * depth + "x" + "](y)" * depth


def unclosed_brackets(size: int) -> str:
    """Openers that never close: each one is looked for a closer to the end."""
    return _repeat("[a ", size)


def nested_lists(size: int) -> str:
    """A list nested one level deeper on every line (indented four spaces a level)."""
    lines = []
    total = depth = 0
    while total < size:
        line = "    " * depth + f"- level {depth}\n"
        lines.append(line)
        total += len(line)
        depth += 1
    return "".join(lines)


def nested_list_markers(size: int) -> str:
    """``- - - - … item``: one line, one list inside the other per marker."""
    return _repeat("- ", size) + "item"


def nested_blockquotes(size: int) -> str:
    """``> > > … text``."""
    return _repeat("> ", size) + "deep"


def nested_emphasis(size: int) -> str:
    """``*a _b *c _d … d_ c* b_ a*``: emphasis inside emphasis."""
    depth = max(1, size // 8)
    opening = "".join(("*" if i % 2 == 0 else "_") + f"w{i % 10} " for i in range(depth))
    closing = "".join(f" w{i % 10}" + ("*" if i % 2 == 0 else "_") for i in reversed(range(depth)))
    return opening + "core" + closing


def _used_then_defined(size: int, width: int, use: str, definition: str) -> str:
    """A paragraph of ``use`` once per ``width`` bytes (``{i}`` numbered), then a block
    defining each of them."""
    count = range(max(1, size // width))
    return (" ".join(use.format(i=i) for i in count) + "\n\n"
            + "\n".join(definition.format(i=i) for i in count) + "\n")


def many_reference_links(size: int) -> str:
    """Thousands of ``[text][ref]`` links in one paragraph, each defined below."""
    return _used_then_defined(size, 40, "[l{i}][r{i}]", "[r{i}]: https://example.org/{i}")


def many_inline_links(size: int) -> str:
    """Thousands of ``[text](url)`` links in one paragraph."""
    return _repeat("[link](https://example.org/a) ", size)


def many_footnotes(size: int) -> str:
    """A footnote reference in every sentence, each note defined below."""
    return _used_then_defined(size, 30, "Word[^n{i}].", "[^n{i}]: Note {i}.")


def deep_html(size: int) -> str:
    """``<div><div>…`` nested raw HTML."""
    depth = max(1, size // 11)
    return "<div>" * depth + "x" + "</div>" * depth + "\n"


def deep_html_markdown(size: int) -> str:
    """``<div markdown="1">`` nested: Markdown parsed again inside every level."""
    depth = max(1, size // 24)
    return '<div markdown="1">\n' * depth + "*x*\n" + "</div>\n" * depth


def deep_inline_html(size: int) -> str:
    """``<b><i><b>…`` unclosed inline tags inside one paragraph."""
    return "Text " + _repeat("<b><i>", size)


def long_stars(size: int) -> str:
    """One line of ``*``."""
    return "a " + "*" * size + " b"


def long_underscores(size: int) -> str:
    """One line of ``_``."""
    return "a " + "_" * size + " b"


def long_backticks(size: int) -> str:
    """One line of backticks."""
    return "a " + "`" * size + " b"


def alternating_markers(size: int) -> str:
    """``*a _a `a *a …``: openers of every kind, never closed."""
    return _repeat("*a _a `a **a __a ", size)


def huge_table(size: int) -> str:
    """A table of many rows, every cell with inline markup."""
    header = "| a | b | c | d |\n|---|---|---|---|\n"
    row = "| *x* | `y` | [z](u) | **w** |\n"
    return header + _repeat(row, max(len(row), size - len(header)))


def wide_table(size: int) -> str:
    """A table with one enormous row."""
    cells = max(2, size // 8)
    return ("| h " * cells + "|\n" + "|---" * cells + "|\n" + "| *c* " * cells + "|\n")


def many_small_tables(size: int) -> str:
    """Tables of twenty marked-up rows, one after the other: each within bounds, not all."""
    table = huge_table(640)
    return _repeat(table + "\n", size)


def many_link_paragraphs(size: int) -> str:
    """Paragraphs of thirty links each."""
    paragraph = many_inline_links(930)
    return _repeat(paragraph + "\n\n", size)


def many_fenced_blocks(size: int) -> str:
    """Short fenced code blocks, each one stashed and cut out of the whole text."""
    return _repeat("```\ncode *x*\n```\n\n", size)


def many_headings(size: int) -> str:
    """A heading per line, each its own block."""
    return _repeat("# Heading *x*\n\n", size)


def many_html_blocks(size: int) -> str:
    """Raw HTML blocks one after the other."""
    return _repeat("<div><p>x</p></div>\n\n", size)


def unclosed_fences(size: int) -> str:
    """Fence openings that never close, each in a block of its own."""
    return _repeat("```x\n\n", size)


def blank_lines_with_spaces(size: int) -> str:
    """One-letter paragraphs between blank lines that hold a space."""
    return _repeat("a\n \n", size)


def alternating_blocks(size: int) -> str:
    """A normal paragraph, a hostile one, a normal one…: thousands of plain parts."""
    return _repeat("Normal *text*.\n\n" + "[" * (MAX_BRACKETS + 4) + "x\n\n", size)


def prose(size: int) -> str:
    """Plain paragraphs with a little markup: not hostile, the baseline for the others."""
    paragraph = ("The minister said the \"plan\" would work -- and that it's *fair*. See "
                 "[the report](https://example.org/report) for the figures... ") * 4
    return _repeat(paragraph.strip() + "\n\n", size)


def mixed(size: int) -> str:
    """A normal paragraph, then a bit of every other shape, then another paragraph."""
    parts = [
        "A normal opening paragraph with *emphasis* and a [link](https://example.org).",
    ]
    shapes = [shape for name, shape in SHAPES.items() if name not in ("mixed", "prose")]
    share = max(64, size // len(shapes))
    parts += [shape(share) for shape in shapes]
    parts.append("A normal closing paragraph.")
    return "\n\n".join(parts) + "\n"


SHAPES: dict[str, Shape] = {
    "nested brackets": nested_brackets,
    "unclosed brackets": unclosed_brackets,
    "nested lists": nested_lists,
    "nested list markers": nested_list_markers,
    "nested blockquotes": nested_blockquotes,
    "nested emphasis": nested_emphasis,
    "reference links": many_reference_links,
    "inline links": many_inline_links,
    "footnotes": many_footnotes,
    "deep raw HTML": deep_html,
    "deep markdown-in-HTML": deep_html_markdown,
    "unclosed inline HTML": deep_inline_html,
    "line of *": long_stars,
    "line of _": long_underscores,
    "line of backticks": long_backticks,
    "unclosed markers": alternating_markers,
    "huge table": huge_table,
    "wide table": wide_table,
    "many small tables": many_small_tables,
    "many link paragraphs": many_link_paragraphs,
    "many fenced blocks": many_fenced_blocks,
    "many headings": many_headings,
    "many HTML blocks": many_html_blocks,
    "unclosed fences": unclosed_fences,
    "blank lines with spaces": blank_lines_with_spaces,
    "alternating blocks": alternating_blocks,
    "prose": prose,
    "mixed": mixed,
}
