"""The fast Markdown path renders exactly what a fresh, stock Python-Markdown would.

``cms.render`` reuses one Markdown instance per thread and skips inline
patterns that cannot match; both are only speed-ups, so the HTML must be the
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
]
PHOTOS = (FigurePhoto(id="abcd1234ef", sha256="0" * 64, caption='The "caption"',
                      credit="Agency", alt="Alt", src="media/x.jpg"),)


def _stock(text: str, photos: tuple[FigurePhoto, ...] | None) -> str:
    extensions: list[str | markdown.Extension] = [*render.MARKDOWN_EXTENSIONS,
                                                  FigureExtension(photos)]
    md = markdown.Markdown(extensions=extensions, output_format="html")
    return render.sanitise_html(md.convert(text))


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
