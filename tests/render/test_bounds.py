"""Crafted Markdown renders in time about linear in its size, the excess as plain text.

Every shape of ``hostile.py`` is rendered at three sizes, each four times the
last: the time may grow by less than six times per step (it grew by a hundred
before the bounds). Time is CPU time, the least of several runs; no test asserts
seconds. The parts beyond the bounds show escaped, after a visible warning; the
rest of the story renders as Markdown; stories within the bounds show no warning.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import escape, unescape

import pytest

from benchmarks.corpus import Corpus
from cms import markdown_bounds, render
from cms.markdown_bounds import (
    MAX_BRACKET_DEPTH,
    MAX_HTML_DEPTH,
    MAX_NESTING,
    find_excess,
    normalised,
)
from tests.render import hostile
from tests.render.test_equivalence import SAMPLES, _stock

WARNING = '<div class="render-warning">'
SIZES = (16_000, 64_000, 256_000)


def _cpu_seconds(text: str) -> float:
    """The least CPU time of several uncached renders (at least 0.2 s of them, 3 to 9 runs)."""
    times: list[float] = []
    while len(times) < 3 or (sum(times) < 0.2 and len(times) < 9):
        start = time.process_time()
        render._render(text, None)
        times.append(time.process_time() - start)
    return min(times)


@pytest.mark.parametrize("name", sorted(hostile.SHAPES))
def test_rendering_time_grows_about_linearly(name: str) -> None:
    """Sixteen times the text takes about sixteen times the work, not 256 times (as a
    quadratic renderer would). The margin is wide (three times linear between the
    smallest and the largest size) because CPU time itself stretches on a loaded machine:
    a loaded suite run once measured 7.4 times for four times the text, a linear growth
    all the same (4.2 ms to 31 ms)."""
    shape = hostile.SHAPES[name]
    render._render("warm *up*", None)
    times = [_cpu_seconds(shape(size)) for size in SIZES]
    growth = SIZES[-1] / SIZES[0]
    assert times[-1] < 3 * growth * max(times[0], 0.001), (name, times)


@pytest.mark.parametrize("name", sorted(hostile.SHAPES))
def test_the_excess_shows_escaped_after_a_warning(name: str) -> None:
    text = hostile.SHAPES[name](SIZES[-1]) + "\n<script>alert(1)</script> <b>*x*</b>"
    html = render.render_markdown(text)
    excess = find_excess(text)
    assert excess and "<script" not in html
    lines = normalised(text).split("\n")
    for run in excess:
        plain = render.plain_paragraphs("\n".join(lines[run.start:run.end]))
        assert set(re.findall(r"<(/?\w+)", plain)) <= {"p", "/p", "br"}
        assert render.plain_text_warning(run.reason) + "\n" + plain in html


def test_one_hostile_block_falls_back_alone_and_exactly() -> None:
    hostile_block = ("[" * 40 + "x <script>alert(1)</script> *no em* <b>bold</b> & "
                     "[a](javascript:y)\nsecond line" + "](y)" * 40)
    html = render.render_markdown(f"Before *one*.\n\n{hostile_block}\n\nAfter **two**.")
    assert html == (
        "<p>Before <em>one</em>.</p>\n"
        f'{WARNING}<strong>⚠ Shown as plain text: </strong>brackets nested deeper than '
        f"{MAX_BRACKET_DEPTH} levels.</div>\n"
        f"<p>{escape(hostile_block).replace(chr(10), '<br>' + chr(10))}</p>\n"
        "<p>After <strong>two</strong>.</p>"
    )


def test_nothing_of_the_excess_is_lost() -> None:
    text = hostile.nested_lists(20_000) + "<b>x</b> & \"y\"\n" + hostile.nested_lists(200)
    html = render.render_markdown(text)
    shown = unescape(re.sub(r"<br>\n|</p>\n<p>", "\n", html.split("</div>\n", 1)[1]))
    shown = shown.removeprefix("<p>").removesuffix("</p>")
    assert [line.strip() for line in shown.split("\n") if line.strip()] == [
        line.strip() for line in text.split("\n") if line.strip()]


@pytest.mark.parametrize(("text", "reason"), [
    (hostile.nested_lists(20_000), f"nested deeper than {MAX_NESTING} levels"),
    (hostile.nested_blockquotes(200), f"nested deeper than {MAX_NESTING} levels"),
    (hostile.nested_brackets(200), f"brackets nested deeper than {MAX_BRACKET_DEPTH} levels"),
    (hostile.unclosed_brackets(200), f"brackets nested deeper than {MAX_BRACKET_DEPTH} levels"),
    (hostile.deep_html(800), f"HTML elements nested deeper than {MAX_HTML_DEPTH} levels"),
    (hostile.huge_table(100_000), markdown_bounds.TOO_MUCH_MARKUP),
    (hostile.prose(2_000_000), markdown_bounds.REST_OF_STORY),
])
def test_the_warning_says_why(text: str, reason: str) -> None:
    reasons = render.render_warnings(text)
    assert len(reasons) == 1 and reason in reasons[0]
    assert reason in render.render_markdown(text)


def test_the_rest_of_a_long_story_is_one_part_with_one_warning() -> None:
    text = hostile.prose(2_000_000)
    html = render.render_markdown(text)
    assert html.count(WARNING) == 1
    assert html.startswith("<p>The minister said the “plan” would work")  # Markdown first
    assert html.endswith("&quot;plan&quot; would work -- and that it&#x27;s *fair*. See "
                         "[the report](https://example.org/report) for the figures...</p>")


@pytest.mark.parametrize(("shape", "bound"), [
    (lambda depth: "".join("    " * level + f"- level {level}\n" for level in range(depth)),
     MAX_NESTING),
    (lambda depth: "> " * depth + "quoted", MAX_NESTING),
    (lambda depth: "[" * depth + "x" + "](y)" * depth, MAX_BRACKET_DEPTH),
    (lambda depth: "<div>" * depth + "x" + "</div>" * depth, MAX_HTML_DEPTH),
])
def test_nesting_up_to_the_bound_renders_as_markdown(
        shape: Callable[[int], str], bound: int) -> None:
    within, beyond = shape(bound), shape(bound + 1)
    assert render.render_warnings(within) == []
    assert render._render(within, None) == _stock(within, None)
    assert WARNING not in render._render(within, None)
    assert WARNING in render._render(beyond, None)


def test_stories_within_the_bounds_show_no_warning() -> None:
    texts = [*SAMPLES, *(story.body for story in Corpus().stories(200))]
    for text in texts:
        assert render.render_warnings(text) == [], text
        assert WARNING not in render.render_markdown(text)


def test_a_story_cannot_plant_the_tokens() -> None:
    """The placeholder of a plain part is derived from the whole text: a look-alike stays
    text, and only the real part is replaced."""
    fake = "plaintext" + "0" * 24 + "part0"
    text = f"{fake}\n\n{hostile.nested_brackets(200)}\n\n{fake}"
    html = render.render_markdown(text)
    assert html.count(WARNING) == 1
    assert html.count(f"<p>{fake}</p>") == 2


def test_excess_inside_a_raw_html_block_is_escaped() -> None:
    """A hostile block inside raw HTML (which swallows the placeholder paragraph) still
    shows as escaped text, and the whole is sanitised."""
    text = ("<div>\n\n" + hostile.nested_brackets(200) + " <script>alert(1)</script>\n\n"
            "</div>\n\nAfter *em*.")
    html = render.render_markdown(text)
    assert WARNING in html and "<script" not in html and "&lt;script&gt;" in html
    assert "<p>After <em>em</em>.</p>" in html


@contextmanager
def _recursion_limit(limit: int) -> Iterator[None]:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def test_a_recursion_error_still_shows_the_text() -> None:
    """A safety net under the bounds: if the parser recurses too deep anyway, the story
    shows as escaped text with a warning, and the next story renders normally."""
    text = "".join("    " * level + f"- level {level} <b>\n" for level in range(MAX_NESTING))
    render._render("warm *up*", None)
    with _recursion_limit(len(_frames()) + 60):
        html = render._render(text, None)
    assert html.startswith(WARNING) and render.TOO_DEEP in html
    assert "level 0 &lt;b&gt;" in html and f"level {MAX_NESTING - 1}" in html
    assert render._render("A *normal* story.", None) == "<p>A <em>normal</em> story.</p>"


def _frames() -> list[object]:
    frames = []
    frame = sys._getframe()
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back  # type: ignore[assignment]
    return frames
