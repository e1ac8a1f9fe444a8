"""The fast Markdown path renders exactly what a fresh, stock Python-Markdown would.

``cms.render`` reuses one Markdown instance per thread, skips inline patterns
that cannot match and sends one-line prose blocks straight to the paragraph
processor; all are only speed-ups, so the HTML must be the
same as a new ``markdown.Markdown`` with the same extensions gives, and nothing
may leak from one story into the next.
"""

from __future__ import annotations

import markdown
import pytest

from cms import render
from cms.figures import FigureExtension, FigurePhoto

SAMPLES = [
    'She said "it\'s over" -- and left... in the \'90s --- or so.',
    "*em* and **strong** and _under_ __score__ and `code 'quoted'` and \\*escaped\\*",
    "A [link](https://example.org \"title\") and <https://example.org> and <b>raw</b> &amp;",
    "Line with two spaces  \nbreak; a lone * star and a_b_c and 5 * 3",
    "| a | b |\n|---|---|\n| 'x' | \"y\" |",
    "Text[^1]\n\n[^1]: A \"footnote\" -- here.",
    "*[NATO]: North Atlantic Treaty Organization\n\nNATO met.",
    "```\nfenced \"code\" -- kept\n```\n\n    indented 'code'",
    "# Head 'one'\n\n> a \"quote\" block\n\n- item -- one\n- item ... two",
    "![[photo:abcd1234]]\n\nAfter the figure.",
    "<script>alert('x')</script><a href=\"javascript:alert(1)\">x</a>",
    # One-line prose blocks skip the block processors; everything else must not.
    "Heading\n===\n\nTerm\n: definition\n\nText\n---",
    "1. one\n2. two\n\n   para in item\n\nOutside, \u201cquoted\u201d and \u00abguillemets\u00bb.",
    "* item\nlazy line\n\n(An aside.) \u2018Single\u2019 quotes and \u00dcnicode prose.",
    "A | B\n--|--\n1 | 2\n\n[ref]: https://example.org\n\nSee [ref].",
    "<div markdown=\"1\">\n*inside*\n</div>\n\nPara with ![[photo:abcd1234]] inline.",
    "2024 was a year.\n\n_under_ start\n\n    code after prose",
]
PHOTOS = (FigurePhoto(id="abcd1234ef", sha256="0" * 64, caption='The "caption"',
                      credit="Agency", alt="Alt", src="media/x.jpg"),)


def _stock(text: str, photos: tuple[FigurePhoto, ...] | None) -> str:
    extensions: list[str | markdown.Extension] = [*render.MARKDOWN_EXTENSIONS,
                                                  FigureExtension(photos)]
    md = markdown.Markdown(extensions=extensions, output_format="html")
    return render.sanitise_html(md.convert(text))


def test_prose_blocks_take_the_short_way() -> None:
    renderer = render._Renderer()
    assert type(renderer.md.parser) is render._QuickBlockParser
    assert render._PROSE_BLOCK.fullmatch("\u201cQuoted\u201d prose, on one line.")
    for block in ("# Head", "1. item", "- item", "> quote", "    code", "Two\nlines", "| a |",
                  "![[photo:x]]", "[^1]: note", ": definition", "\x02wzxhzdk:0\x03"):
        assert not render._PROSE_BLOCK.fullmatch(block), block


@pytest.mark.parametrize("photos", [None, PHOTOS])
def test_same_html_as_a_fresh_stock_instance(photos: tuple[FigurePhoto, ...] | None) -> None:
    for text in SAMPLES:
        assert render._render(text, photos) == _stock(text, photos), text


def test_nothing_leaks_between_stories() -> None:
    # Abbreviations and footnotes are per document; photos are per call.
    first = render._render(SAMPLES[6] + "\n\n" + SAMPLES[5], PHOTOS)
    assert "<abbr" in first and "footnote" in first
    second = render._render("NATO again, no note.\n\n![[photo:abcd1234]]", None)
    assert "<abbr" not in second and "footnote" not in second
    assert "figure-placeholder" in second and "media/x.jpg" not in second
