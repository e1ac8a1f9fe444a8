"""How much Markdown one story may ask of the renderer, and which parts ask too much.

Python-Markdown's work grows faster than its input on crafted text: every
nesting level of a list or a quote parses its block again (and recurses, so a
list nested a thousand deep overflows the stack), every ``[`` is matched by
scanning for its ``]`` byte by byte, and every inline match rebuilds the text
of its paragraph. Forty kilobytes of nested brackets took eleven seconds.

:func:`find_excess` reads a story in time linear in its length and estimates
the renderer's work block by block (a block is a run of lines between blank
lines; a fenced code block is one block, blank lines and all). A block beyond
one of the bounds below, and every block after the story's work budget is
spent, is *excess*: the renderer shows it as escaped plain text after a
warning and renders the rest as Markdown. A story within the bounds is
rendered exactly as it would be without them.

Work is counted in units of about a microsecond of rendering on the machine
the bounds were calibrated on (with the hostile corpus of
``tests/render/hostile.py``; ``make bench BENCH_ARGS=render`` prints the
times). The estimate counts what makes Python-Markdown slow — blocks, lines,
bytes times nesting, elements, inline matches times their paragraph's length,
bytes scanned inside brackets, definitions times their block's length — and
errs on the side of more.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_NESTING = 16
"""Levels of lists, quotes and indentation one line may open."""
MAX_BRACKET_DEPTH = 16
"""``[`` inside ``[`` (a bracket never closed counts as open to the end of its block)."""
MAX_HTML_DEPTH = 32
"""Raw HTML elements open inside each other."""
MAX_BLOCK_WORK = 250_000
"""The estimated work of one block (about a quarter of a second)."""
MAX_STORY_WORK = 500_000
"""The estimated work of the blocks of a story rendered as Markdown (about half a second)."""

TOO_MUCH_MARKUP = "too much markup in one block"
REST_OF_STORY = "the rest of the story is more Markdown than one story may hold"

# What each thing costs, in work units.
BLOCK_COST = 150.0      # one block: the block processors test it, and the smarty pass
                        # looks it up among its siblings (quadratic in blocks, so dear)
LINE_COST = 2.0         # a line the block processors split, test and join again
BYTE_COST = 0.15        # a byte, read again at each nesting level
NODE_COST = 100.0       # an element (link, tag, table cell, list item) and its text runs
PAIR_COST = 50.0        # one of a pair making an element (emphasis, code)
TEXT_COST = 15.0        # a substitution inside a text run (quote, dash, entity, escape)
REBUILD_COST = 0.004    # an inline marker times a byte: each match rebuilds its paragraph
SCAN_COST = 0.5         # a byte inside brackets: Python loops looking for the ``]``
DEFINITION_COST = 0.01  # a definition times a byte: each one splits the rest of its block
DEFINITION_NODES = 8    # the elements one footnote, reference or abbreviation adds
UNCLOSED_FENCE_COST = 0.02  # a fence never closed times the story's bytes: the fenced-code
                            # step looks for its end through all the rest of the text

ELEMENT_MARKERS = ("[", "<", "  \n")
"""Links, images, footnotes, raw HTML and line breaks: one element each."""
PAIR_MARKERS = ("*", "_", "`")
"""Emphasis and code: an element for two of them."""
TEXT_MARKERS = ("'", '"', "--", "...", "&", "\\")
"""Smart quotes, dashes, ellipses, entities and escapes: a substitution in the text."""

_FENCE = re.compile(r"`{3,}|~{3,}")
_FENCE_LINE = re.compile(r"\n(?:```|~~~)")
_CLOSING_LINE = re.compile(r"(?:^|\n)(`{3,}|~{3,}) *(?=\n|$)")
# Patterns on lines start with "\n" (and run on the text after a "\n"): a literal
# first character makes Python's regular expressions skip ahead ten times faster
# than ``^`` with MULTILINE does.
# A line that may open a level: it starts with indentation, a quote or a list marker.
_PREFIX_START = re.compile(r"\n[ \t>*+\-0-9.)]{2}")
_PREFIX = re.compile(r"(?:[ \t]|>|[*+-](?=[ \t]|$)|[0-9]{1,9}[.)](?=[ \t]|$))*")
_LIST_MARKER = re.compile(r"[*+-](?=[ \t]|$)|[0-9]{1,9}[.)](?=[ \t]|$)")
# No level takes more than this many characters of a prefix (``123456789. `` and a
# tab), so a longer prefix is deeper than the bound whatever it holds.
_LEVEL_WIDTH = 12
_ITEM = re.compile(r"\n[ \t>]*(?:[*+-]|[0-9]{1,9}[.)])[ \t]")
_DEFINITION = re.compile(r"\n {0,3}\*?\[[^\]\n]*\]:")
_NOT_BRACKET = re.compile(r"[^\[\]]+")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>")
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})


@dataclass(frozen=True)
class Excess:
    """Lines ``[start, end)`` of the normalised text to show as plain text, and why."""

    start: int
    end: int
    reason: str


def normalised(text: str) -> str:
    """``text`` with the line endings Python-Markdown reads (its first step does the same)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def find_excess(text: str) -> list[Excess]:
    """The runs of lines of ``normalised(text)`` to show as plain text (none for most stories).

    Consecutive excess blocks make one run, with the first one's reason, so a
    story whose budget runs out shows one warning for all the rest of it.
    """
    text = normalised(text)
    if _judge(text, whole=True)[0] is None:
        return []  # whole-story counts bound each block's: ordinary stories stop here
    lines = text.split("\n")
    runs: list[Excess] = []
    spent = 0.0
    after_excess = False
    for start, end, unclosed in _blocks(lines, fenced="```" in text or "~~~" in text):
        reason, work = _judge("\n".join(lines[start:end]), unclosed * len(text))
        if reason is None:
            spent += work
            if spent > MAX_STORY_WORK:  # this block and all after it: one run
                if after_excess:
                    return [*runs[:-1], Excess(runs[-1].start, len(lines), runs[-1].reason)]
                return [*runs, Excess(start, len(lines), REST_OF_STORY)]
            after_excess = False
        elif after_excess:
            runs[-1] = Excess(runs[-1].start, end, runs[-1].reason)
        else:
            runs.append(Excess(start, end, reason))
            after_excess = True
            spent += BLOCK_COST  # the run's placeholder paragraph is a block too
    return runs


def _blocks(lines: list[str], *, fenced: bool) -> Iterator[tuple[int, int, int]]:
    """``(first line, end line, fences never closed)`` of each block: runs of non-blank
    lines, fenced code kept whole."""
    closings = _fence_closings(lines) if fenced else {}
    start: int | None = None
    unclosed = 0
    index, count = 0, len(lines)
    while index < count:
        line = lines[index]
        if not line.strip(" \t"):
            if start is not None:
                yield start, index, unclosed
                start, unclosed = None, 0
        else:
            if start is None:
                start = index
            if fenced and line.startswith(("```", "~~~")):
                fence = _FENCE.match(line)
                assert fence is not None
                closing = _closing_after(closings.get(fence.group(0), []), index)
                unclosed += closing == index
                index = closing  # blank lines inside the code do not end the block
        index += 1
    if start is not None:
        yield start, count, unclosed


def _fence_closings(lines: list[str]) -> dict[str, list[int]]:
    """The lines that can close a fence (the fence alone, then spaces), by fence."""
    closings: dict[str, list[int]] = {}
    text = "\n".join(lines)
    line, counted = 0, 0
    for match in _CLOSING_LINE.finditer(text):
        line += text.count("\n", counted, match.start())  # the line of the match
        counted = match.start()
        closings.setdefault(match.group(1), []).append(line + (match.group(0)[0] == "\n"))
    return closings


def _closing_after(closings: list[int], opening: int) -> int:
    """The first of ``closings`` after ``opening`` (``opening`` itself when there is none,
    as Python-Markdown then reads no fence)."""
    at = bisect.bisect_right(closings, opening)
    return closings[at] if at < len(closings) else opening


def _judge(block: str, fence_scans: int = 0, *, whole: bool = False
           ) -> tuple[str | None, float]:
    """Why ``block`` is beyond the bounds (None: it is not) and its estimated work.

    ``fence_scans``: the bytes read looking for the end of its fences that never
    close. ``whole``: ``block`` is the whole story; it passes only when it would
    pass as one block, which bounds the work of each of its blocks.
    """
    if whole:  # every fence line may be one that never closes
        fence_scans = len(_FENCE_LINE.findall("\n" + block)) * len(block)
    lines = "\n" + block
    depth = _nesting(lines)
    if depth > MAX_NESTING:
        return f"lists or quotes nested deeper than {MAX_NESTING} levels", 0.0
    size = len(block)
    elements = sum(block.count(marker) for marker in ELEMENT_MARKERS)
    pairs = sum(block.count(marker) for marker in PAIR_MARKERS)
    substitutions = sum(block.count(marker) for marker in TEXT_MARKERS)
    markers = elements + pairs + substitutions
    definitions = len(_DEFINITION.findall(lines)) if "]:" in block else 0
    nodes = (elements + block.count("|") + len(_ITEM.findall(lines))
             + DEFINITION_NODES * definitions)
    blocks = block.count("\n") + 1 if whole else 1  # blank lines may hold spaces
    work = (BLOCK_COST * blocks + LINE_COST * block.count("\n") + BYTE_COST * size * (1 + depth)
            + NODE_COST * nodes + PAIR_COST * pairs + TEXT_COST * substitutions
            + REBUILD_COST * markers * size + DEFINITION_COST * definitions * size
            + UNCLOSED_FENCE_COST * fence_scans)
    if work > MAX_BLOCK_WORK:
        return TOO_MUCH_MARKUP, work
    bracket_depth, scanned = _brackets(block)
    if bracket_depth > MAX_BRACKET_DEPTH:
        return f"brackets nested deeper than {MAX_BRACKET_DEPTH} levels", work
    work += SCAN_COST * scanned
    if work > MAX_BLOCK_WORK:
        return TOO_MUCH_MARKUP, work
    if _html_depth(block) > MAX_HTML_DEPTH:
        return f"HTML elements nested deeper than {MAX_HTML_DEPTH} levels", work
    return None, work


def _nesting(lines: str) -> int:
    """The most levels of lists, quotes and indentation a line of ``lines`` opens.

    ``lines`` starts with a line break (see :data:`_PREFIX_START`).
    """
    deepest = 0
    for match in _PREFIX_START.finditer(lines):
        start = match.start() + 1
        line_end = lines.find("\n", start)
        limit = start + _LEVEL_WIDTH * (MAX_NESTING + 1)
        prefix = _PREFIX.match(lines, start, min(limit, len(lines) if line_end < 0 else line_end))
        if prefix is None:  # pragma: no cover - the pattern matches the empty string
            continue
        if prefix.end() >= limit:
            return MAX_NESTING + 1
        text = prefix.group(0)
        markers = text.count(">") + len(_LIST_MARKER.findall(text))
        # Indentation, less the space that belongs to each marker: four columns a level.
        blank = len(text.expandtabs(4)) - len(text.replace(" ", "").replace("\t", ""))
        deepest = max(deepest, markers + max(0, blank - markers) // 4)
    return deepest


def _brackets(block: str) -> tuple[int, int]:
    """How deep ``[`` nest in ``block``, and a bound on the bytes the ``]`` scans read.

    Python-Markdown looks for the ``]`` of every ``[`` byte by byte, in Python,
    for each of its link, reference and image patterns; an unclosed ``[`` is
    scanned to the end of its text. Matched pairs are peeled off level by level
    (each level one pass at C speed); every byte lies inside at most ``depth``
    brackets.
    """
    if "[" not in block:
        return 0, 0
    brackets = _NOT_BRACKET.sub("", block)
    depth = 0
    while "[]" in brackets:
        if depth > MAX_BRACKET_DEPTH:
            return depth, 0
        brackets = brackets.replace("[]", "")
        depth += 1
    depth += brackets.count("[")  # never closed: open to the end
    return depth, len(block) * depth


def _html_depth(block: str) -> int:
    """How deep raw HTML elements nest in ``block`` (void and self-closed tags open none)."""
    if block.count("<") <= MAX_HTML_DEPTH:
        return 0
    depth = deepest = 0
    for match in _TAG.finditer(block):
        closing, name, self_closed = match.groups()
        if closing:
            depth = max(0, depth - 1)
        elif not self_closed and name.lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_HTML_DEPTH:
                break
    return deepest
