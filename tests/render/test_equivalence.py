"""Stories within the bounds render exactly what a fresh, stock Python-Markdown renders.

``cms.render`` reuses one Markdown instance per thread, sends one-line prose
blocks straight to the paragraph processor, gives each inline pass only the
patterns the document can match and checks every story against the bounds of
:mod:`cms.markdown_bounds`; for a story within them all of that is only speed,
so the HTML must be the same as a new ``markdown.Markdown`` with the same
extensions gives, and nothing may leak from one story into the next. The
sample newsroom's bodies must render as they did before the bounds existed
(``expected/``, made by the renderer of commit 012d47f).
"""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.corpus import Corpus
from cms import render, stories
from cms.figures import FigureExtension, FigurePhoto
from cms.markdown_bounds import find_excess
from cms.people import actor_for
from cms.sample import install_sample
from cms.store import Store

EXPECTED = Path(__file__).parent / "expected"

SAMPLES = [
    # Smart quotes, dashes, ellipses, decades, apostrophes.
    'She said "it\'s over" -- and left... in the \'90s --- or so. "\'Quoted\' inside" it.',
    "Curly \u201cquotes\u201d and \u2018single\u2019 ones, \u00abguillemets\u00bb, \u00dcnicode.",
    # Emphasis, code spans, escapes, line breaks.
    "*em* and **strong** and _under_ __score__ and `code 'quoted'` and \\*escaped\\*",
    "***both*** and **strong *with em* inside** and snake_case_word and 5 * 3 * 2",
    "Line with two spaces  \nbreak; a lone * star and a_b_c and ``code with ` tick``",
    # Links, images, references, autolinks, e-mail, raw HTML, entities.
    "A [link](https://example.org \"title\") and <https://example.org> and <b>raw</b> &amp;",
    "An ![image](https://example.org/a.png \"t\") and [ref link][r] and [r] and [R][].\n\n"
    "[r]: https://example.org/r \"Ref title\"",
    "Mail <someone@example.org>, an entity &copy; &#169; &#xA9; and a lone & sign.",
    "<span class=\"x\">inline <em>html</em></span> and a <!-- comment --> here.",
    "<script>alert('x')</script><a href=\"javascript:alert(1)\">x</a>",
    # Tables, with alignment and inline markup.
    "| a | b |\n|---|---|\n| 'x' | \"y\" |",
    "| Left | Centre | Right |\n|:-----|:------:|------:|\n| *em* | `code` | [l](u) |\n"
    "| 1 | 2 | 3 |",
    "A | B\n--|--\n1 | 2\n\n[ref]: https://example.org\n\nSee [ref].",
    # Footnotes: several, repeated, with paragraphs.
    "Text[^1] and more[^note] and again[^1].\n\n[^1]: A \"footnote\" -- here.\n\n"
    "[^note]: A longer note.\n\n    With a second paragraph.",
    # Abbreviations.
    "*[NATO]: North Atlantic Treaty Organization\n\nNATO met. The NATO summit.",
    # Fenced and indented code.
    "```\nfenced \"code\" -- kept *as is*\n```\n\n    indented 'code'",
    "~~~python\ndef f():\n\n    return '[x](y)'\n~~~\n\nAfter the fence.",
    # Headings, rules, quotes, nested quotes.
    "# Head 'one'\n\n## Two *em*\n\n> a \"quote\" block\n> > nested **quote**\n\n---\n\n"
    "- item -- one\n- item ... two",
    "Heading\n===\n\nSub\n---\n\nTerm\n: definition\n\nText\n---",
    # Definition lists.
    "Apple\n:   A fruit.\n:   A company.\n\nOrange\n:   *Citrus*.",
    # Lists: ordered, unordered, nested a few levels, loose, with code and quotes.
    "1. one\n2. two\n\n   para in item\n\nOutside, \u201cquoted\u201d and \u00abguillemets\u00bb.",
    "* item\nlazy line\n\n(An aside.) \u2018Single\u2019 quotes and \u00dcnicode prose.",
    "- one\n    - two\n        - three\n            - four *deep*\n    - back\n- out",
    "1. first\n    1. nested ordered\n        * mixed\n\n            > quote in a list\n\n"
    "2. second\n\n        code in a list",
    "3. starts at three\n4. four\n\n- a\n\n- loose b",
    # Figures.
    "![[photo:abcd1234]]\n\nAfter the figure.",
    "<div markdown=\"1\">\n*inside*\n</div>\n\nPara with ![[photo:abcd1234]] inline.",
    "Before\n![[photo:abcd1234]]\nafter, in one block.\n\n![[photo:zz]]",
    # Attribute lists, markdown in HTML.
    "A paragraph.\n{: .lead #intro }\n\n## Heading {: .big }",
    "<div markdown=\"block\">\n\n# Inside\n\n* list\n\n</div>",
    # Prose blocks take the short way; everything else must not.
    "2024 was a year.\n\n_under_ start\n\n    code after prose",
    # Line endings and tabs.
    "Windows\r\nline endings\r\n\r\n- and\r\n- lists\r\n\r\nOld Mac\rbreaks",
    "\tTabbed code\n\n-\ttab list\n-\tmore",
    # Empty and blank.
    "",
    "   \n\n  ",
]
PHOTOS = (FigurePhoto(id="abcd1234ef", sha256="0" * 64, caption='The "caption"',
                      credit="Agency", alt="Alt", src="media/x.jpg"),)


def _stock(text: str, photos: tuple[FigurePhoto, ...] | None) -> str:
    extensions: list[str | markdown.Extension] = [*render.MARKDOWN_EXTENSIONS,
                                                  FigureExtension(photos)]
    md = markdown.Markdown(extensions=extensions, output_format="html")
    return render.sanitise_html(md.convert(text))


def test_the_corpus_is_within_the_bounds() -> None:
    for text in SAMPLES:
        assert find_excess(text) == [], text


@pytest.mark.parametrize("photos", [None, PHOTOS])
def test_same_html_as_a_fresh_stock_instance(photos: tuple[FigurePhoto, ...] | None) -> None:
    for text in SAMPLES:
        assert render._render(text, photos) == _stock(text, photos), text


def test_all_samples_in_one_story() -> None:
    story = "\n\n".join(SAMPLES)
    assert find_excess(story) == []
    assert render._render(story, PHOTOS) == _stock(story, PHOTOS)


def test_benchmark_corpus_renders_as_stock() -> None:
    for story in Corpus().stories(150):
        assert render._render(story.body, None) == _stock(story.body, None), story.slug


# Markdown-ish text: words, spaces, line breaks and the characters that make syntax.
_PIECES = st.sampled_from([
    "word", "Word", " ", " ", "\n", "\n\n", "  \n", "    ", "\t", "*", "**", "_", "__", "`",
    "```\n", "[", "]", "(", ")", "](https://example.org)", "![", "[^1]", "[^1]: note\n",
    "[r]: https://example.org\n", "<b>", "</b>", "<div>", "</div>", "&amp;", "&", "\\",
    "'", '"', "--", "---", "...", "# ", "## ", "> ", "- ", "* ", "1. ", "| a | b |\n|---|---|\n",
    ": ", "*[NATO]: Treaty\n", "NATO", "![[photo:abcd1234]]", "{: .c }", "'90s", "=\n",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_generated_markdown_renders_as_stock(text: str) -> None:
    if find_excess(text):
        return  # beyond the bounds: shown as plain text, tested in test_bounds
    assert render._render(text, PHOTOS) == _stock(text, PHOTOS)


def test_nothing_leaks_between_stories() -> None:
    # Abbreviations and footnotes are per document; photos are per call.
    first = render._render(SAMPLES[14] + "\n\n" + SAMPLES[13], PHOTOS)
    assert "<abbr" in first and "footnote" in first
    second = render._render("NATO again, no note.\n\n![[photo:abcd1234]]", None)
    assert "<abbr" not in second and "footnote" not in second
    assert "figure-placeholder" in second and "media/x.jpg" not in second


def test_the_sample_newsroom_renders_as_before(sqlite_store: Store) -> None:
    with sqlite_store.session() as session:
        actor = actor_for(session, "tester", sqlite_store.replica_id)
    install_sample(sqlite_store, actor)
    with sqlite_store.reading() as session:
        rows = stories.list_stories(session, limit=100)
        assert len(rows) == len(list(EXPECTED.glob("*.html"))) == 6
        for row in rows:
            doc, _ = stories.get(session, row.id)
            figures = [FigurePhoto.from_ref(p, src=f"media/{p.sha256[:12]}.jpg", width=800,
                                            height=533) for p in doc.photos]
            expected = (EXPECTED / f"{doc.slug}.html").read_text(encoding="utf-8")
            assert render.render_markdown(doc.body, figures) + "\n" == expected, doc.slug
            assert render.render_warnings(doc.body) == []
