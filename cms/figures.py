"""Photos placed in a story's body: the ``![[photo:REF]]`` Markdown syntax.

A line of its own holding ``![[photo:REF]]`` puts one of the story's photos
there as a figure. ``REF`` is the start (at least 4 characters) of the
placement id — which stays the same when the photo file is replaced — or of
the photo's SHA-256. The figure carries this story's alt text, caption and
credit::

    <figure class="photo photo-inline">
      <img src="…" alt="…" width="…" height="…" loading="lazy">
      <figcaption>Caption <span class="credit">Credit</span></figcaption>
    </figure>

A reference that matches no photo (or several) renders as a visible warning
box instead, so the preview shows the mistake and the page still renders.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markdown import Extension, Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import BlockProcessor
from markdown.util import AtomicString

from cms.document import PhotoRef

MIN_REF = 4
FIGURE_LINE = re.compile(r"^ {0,3}!\[\[photo:([^\]\n]*)\]\]\s*$", re.MULTILINE)


@dataclass(frozen=True)
class FigurePhoto:
    """What a figure needs to show one placed photo (``src`` chosen by the caller)."""

    id: str
    sha256: str
    caption: str = ""
    credit: str = ""
    alt: str = ""
    role: str = "inline"
    src: str = ""
    srcset: str = ""
    sizes: str = ""
    width: int | None = None
    height: int | None = None

    @classmethod
    def from_ref(cls, ref: PhotoRef, src: str, **extra: Any) -> FigurePhoto:
        """A figure photo from a story's placement and a URL for its image."""
        return cls(id=ref.id, sha256=ref.sha256, caption=ref.caption, credit=ref.credit,
                   alt=ref.alt, role=ref.role, src=src, **extra)

    def cache_key(self) -> tuple[Any, ...]:
        """Everything that changes the rendered figure (for the render cache)."""
        return (self.id, self.sha256, self.caption, self.credit, self.alt, self.role, self.src,
                self.srcset, self.sizes, self.width, self.height)


def figure_markup(placement_id: str) -> str:
    """The line that places a photo in the body (8 characters of its placement id)."""
    return f"![[photo:{placement_id[:8]}]]"


def references(body: str) -> list[str]:
    """Every ``REF`` placed in ``body``, in order (outside fenced code blocks)."""
    refs: list[str] = []
    fence: str | None = None
    for line in body.splitlines():
        stripped = line.strip()
        marker = stripped[:3]
        if marker in ("```", "~~~"):
            fence = None if fence == marker else (fence or marker)
            continue
        if fence is None:
            match = FIGURE_LINE.match(line)
            if match:
                refs.append(match.group(1).strip())
    return refs


def resolve(ref: str, photos: Sequence[Any]) -> tuple[Any | None, str]:
    """The photo ``ref`` names among ``photos`` (PhotoRef or FigurePhoto), or why not."""
    text = ref.strip().lower()
    if len(text) < MIN_REF:
        return None, f"“{ref}” is too short: give at least {MIN_REF} characters of the photo id"
    by_id = [p for p in photos if p.id.lower().startswith(text)]
    by_hash = [p for p in photos if p.sha256.lower().startswith(text)]
    found = {id(p): p for p in by_id + by_hash}
    if len(found) == 1:
        return next(iter(found.values())), ""
    if not found:
        return None, f"no photo “{ref}” on this story"
    return None, f"“{ref}” matches {len(found)} photos on this story; give more characters"


def unresolved(body: str, photos: Sequence[Any]) -> list[str]:
    """A sentence for each figure reference in ``body`` that names no single photo."""
    problems = []
    for ref in references(body):
        photo, why = resolve(ref, photos)
        if photo is None:
            problems.append(f"the body places a photo that cannot be shown: {why}")
    return problems


class FigureProcessor(BlockProcessor):
    """Turns a ``![[photo:REF]]`` line into a figure (or a warning box)."""

    def __init__(self, parser: BlockParser, photos: Sequence[FigurePhoto] | None) -> None:
        super().__init__(parser)
        self.photos = photos

    def test(self, parent: etree.Element, block: str) -> bool:
        return FIGURE_LINE.search(block) is not None

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        block = blocks.pop(0)
        match = FIGURE_LINE.search(block)
        if match is None:  # pragma: no cover - test() guarantees a match
            return False
        before, after = block[:match.start()], block[match.end():]
        if before.strip():
            self.parser.parseBlocks(parent, [before.rstrip("\n")])
        self._figure(parent, match.group(1).strip())
        if after.strip():
            blocks.insert(0, after.lstrip("\n"))
        return True

    def _figure(self, parent: etree.Element, ref: str) -> None:
        if self.photos is None:
            # Rendered without the story's photos (e.g. a body-only preview): a quiet marker.
            box = etree.SubElement(parent, "p", {"class": "figure-placeholder"})
            box.text = AtomicString(f"[photo {ref}]")
            return
        photo, why = resolve(ref, self.photos)
        if photo is None:
            box = etree.SubElement(parent, "div", {"class": "figure-warning"})
            strong = etree.SubElement(box, "strong")
            strong.text = AtomicString("⚠ Photo missing: ")
            strong.tail = AtomicString(why)
            return
        figure = etree.SubElement(parent, "figure", {"class": f"photo photo-{photo.role}"})
        attrs = {"src": photo.src, "alt": photo.alt, "loading": "lazy", "decoding": "async"}
        if photo.srcset:
            attrs["srcset"] = photo.srcset
            attrs["sizes"] = photo.sizes or "100vw"
        if photo.width and photo.height:
            attrs["width"], attrs["height"] = str(photo.width), str(photo.height)
        etree.SubElement(figure, "img", attrs)
        if photo.caption or photo.credit:
            caption = etree.SubElement(figure, "figcaption")
            caption.text = AtomicString(photo.caption + (" " if photo.credit else ""))
            if photo.credit:
                credit = etree.SubElement(caption, "span", {"class": "credit"})
                credit.text = AtomicString(photo.credit)


class FigureExtension(Extension):
    """Python-Markdown extension: ``FigureExtension(photos=[FigurePhoto, …])``."""

    def __init__(self, photos: Iterable[FigurePhoto] | None = None) -> None:
        super().__init__()
        self.photos = None if photos is None else tuple(photos)

    def extendMarkdown(self, md: Markdown) -> None:
        # Above tables and headers so a figure line never becomes a paragraph first.
        md.parser.blockprocessors.register(FigureProcessor(md.parser, self.photos), "figure", 72)
