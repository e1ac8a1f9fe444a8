"""The ``![[photo:REF]]`` syntax rendered through the sanitising pipeline."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import html5lib

from cms import figures
from cms.document import PhotoRef
from cms.figures import FigurePhoto, figure_markup, references, unresolved
from cms.render import render_markdown

GOAT = FigurePhoto(id="f08e7507-3820-5db4-88a8-729d3e699e26", sha256="ab" * 32,
                   caption="A goat touches the wire.", credit="JCS", alt="A goat at a fence",
                   src="photos/goat-640.jpg", srcset="photos/goat-320.jpg 320w, "
                   "photos/goat-640.jpg 640w", width=640, height=427)


def _parse(html: str) -> ET.Element:
    tree: ET.Element = html5lib.parse(html, namespaceHTMLElements=False)
    return tree


def _one(tree: ET.Element, path: str) -> ET.Element:
    found = tree.find(path)
    assert found is not None, f"no {path}"
    return found


def test_figure_with_caption_credit_and_alt() -> None:
    html = render_markdown("Before.\n\n![[photo:f08e7507]]\n\nAfter.", [GOAT])
    tree = _parse(html)
    figure = tree.find(".//figure")
    assert figure is not None and figure.get("class") == "photo photo-inline"
    img = _one(figure, "img")
    assert img.get("alt") == "A goat at a fence"
    assert img.get("src") == "photos/goat-640.jpg"
    assert (img.get("srcset") or "").endswith("640w") and img.get("width") == "640"
    caption = _one(figure, "figcaption")
    assert caption.text == "A goat touches the wire. "
    assert _one(caption, "span").get("class") == "credit"
    assert _one(caption, "span").text == "JCS"
    assert [p.text for p in tree.findall(".//p")] == ["Before.", "After."]


def test_figure_by_hash_prefix_and_inside_a_paragraph() -> None:
    html = render_markdown("Line one\n![[photo:abababab]]\nline two", [GOAT])
    tree = _parse(html)
    assert _one(tree, ".//figure/img").get("alt") == "A goat at a fence"
    assert [p.text for p in tree.findall(".//p")] == ["Line one", "line two"]


def test_unknown_reference_is_a_visible_warning_not_a_broken_page() -> None:
    html = render_markdown("Text.\n\n![[photo:deadbeef]]\n\n![[photo:ab]]\n\nEnd.", [GOAT])
    tree = _parse(html)
    warnings = tree.findall(".//div[@class='figure-warning']")
    assert len(warnings) == 2
    assert "no photo “deadbeef” on this story" in "".join(warnings[0].itertext())
    assert "too short" in "".join(warnings[1].itertext())
    assert tree.find(".//figure") is None
    assert [p.text for p in tree.findall(".//p")] == ["Text.", "End."]


def test_ambiguous_reference_warns() -> None:
    twin = FigurePhoto(id="f08e0000-0000-0000-0000-000000000000", sha256="cd" * 32)
    html = render_markdown("![[photo:f08e]]", [GOAT, twin])
    assert "matches 2 photos" in html


def test_caption_cannot_inject_markup() -> None:
    evil = FigurePhoto(id="11111111-aaaa", sha256="ef" * 32,
                       caption="<script>alert(1)</script> *not em*",
                       credit="<img src=x onerror=alert(1)>", alt='" onerror="alert(1)',
                       src="javascript:alert(1)")
    html = render_markdown("![[photo:11111111]]", [evil])
    tree = _parse(html)
    assert tree.find(".//script") is None
    elements = list(tree.iter())
    assert [e.tag for e in elements if e.tag == "img"] == ["img"]  # only the figure's own
    assert not [name for e in elements for name in e.attrib if name.startswith("on")]
    assert _one(tree, ".//img").get("src") is None  # javascript: URL removed
    assert _one(tree, ".//img").get("alt") == '" onerror="alert(1)'
    caption = "".join(_one(tree, ".//figcaption").itertext())
    assert caption == "<script>alert(1)</script> *not em* <img src=x onerror=alert(1)>"


def test_figure_in_fenced_code_is_code() -> None:
    body = "```\n![[photo:f08e7507]]\n```"
    assert "<figure" not in render_markdown(body, [GOAT])
    assert references(body) == []


def test_cache_key_includes_the_photos() -> None:
    body = "![[photo:f08e7507]]"
    first = render_markdown(body, [GOAT])
    changed = FigurePhoto(**{**GOAT.__dict__, "caption": "New caption."})
    assert "New caption." in render_markdown(body, [changed])
    assert render_markdown(body, [GOAT]) == first
    assert "figure-placeholder" in render_markdown(body)  # body-only preview


def test_no_caption_no_figcaption() -> None:
    bare = FigurePhoto(id="22222222", sha256="12" * 32, alt="x", src="a.jpg")
    assert "<figcaption" not in render_markdown("![[photo:22222222]]", [bare])


def test_references_markup_and_unresolved() -> None:
    ref = PhotoRef(id="f08e7507-3820-5db4-88a8-729d3e699e26", sha256="ab" * 32)
    assert figure_markup(ref.id) == "![[photo:f08e7507]]"
    body = "x\n\n![[photo:f08e7507]]\n\n   ![[photo:0000aaaa]]  \n"
    assert references(body) == ["f08e7507", "0000aaaa"]
    assert unresolved(body, [ref]) == [
        "the body places a photo that cannot be shown: no photo “0000aaaa” on this story"]
    assert figures.resolve("F08E7507", [ref])[0] is ref
