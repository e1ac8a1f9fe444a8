"""Images inside links survive the export: their words stay inside the link, never a nested link."""

from __future__ import annotations

from pathlib import Path

from cms.export.pages import keep_bundle_images
from cms.people import Actor
from cms.render import render_markdown
from cms.store import Store
from tests.export.bundle_check import parse_html
from tests.export.conftest import JCS_SLUG, RunExport
from tests.export.quick_check import edit


def test_a_badge_keeps_its_link_and_its_words() -> None:
    html = keep_bundle_images(render_markdown(
        "[![Build status](badge.svg)](https://ci.example/x) and "
        "[![Coverage](https://img.example/c.svg)](https://cov.example/)"))
    assert '<a href="https://ci.example/x" rel="noopener noreferrer">[Build status]</a>' in html
    assert '<a href="https://cov.example/" rel="noopener noreferrer">[Coverage]</a>' in html
    assert html.count("<a ") == 2 and "<img" not in html


def test_an_html_image_link_and_a_loose_image_keep_their_words() -> None:
    html = keep_bundle_images(render_markdown(
        '<a href="https://x.example/"><img src="logo.png" alt="Logo"></a>\n\n'
        "![Map of the border](map.png)\n\n![](https://img.example/z.png)"))
    assert '<a href="https://x.example/" rel="noopener noreferrer">[Logo]</a>' in html
    assert "[Map of the border]" in html
    assert '<a href="https://img.example/z.png" rel="noopener noreferrer">[Image]</a>' in html


def test_exported_story_pages_never_nest_links(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    edit(sample_store, sample_actor, JCS_SLUG,
         body="[![Build](https://ci.example/badge.svg)](https://ci.example/)\n")
    out = tmp_path / "site"
    run_export(out)
    tree = parse_html((out / "stories" / f"{JCS_SLUG}.html").read_bytes())
    links = [a for a in tree.iter("a") if a.get("href") == "https://ci.example/"]
    assert len(links) == 1 and "".join(links[0].itertext()) == "[Build]"
    assert all(a.find(".//a") is None for a in tree.iter("a"))
