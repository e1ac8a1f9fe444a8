"""Hostile content, hostile names and hostile themes never escape into the bundle."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from cms import stories
from cms.errors import UsageError
from cms.export.paths import bundle_path, inside, relative_url, tag_slugs
from cms.models import Story
from cms.people import Actor
from cms.sample import sample_id
from cms.store import Store
from tests.export.bundle_check import check_accessible, internal_targets, pages, parse_html
from tests.export.conftest import AS_OF, JCS_SLUG, RunExport

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="  javascript:alert(1)">spaces</a>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
    "[md link](javascript:alert(1))",
    "![md image](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    '<math><mtext><script>alert(1)</script></mtext></math>',
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<form action="https://evil.example/"><input name=a><button>go</button></form>',
    '<p style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</p>',
    "<style>body{display:none}</style>",
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<base href="https://evil.example/">',
    "<div><p>unclosed <b>tags <i>everywhere",
    "</div></main></body></html><p>escaped the article?</p>",
    '<img src="x" alt="a"/><!-- comment --><![CDATA[ x ]]>',
    '<details open ontoggle="alert(1)"><summary>x</summary></details>',
    '<a href="https://ok.example/" target="_blank" onclick="alert(1)">ok</a>',
    "<template><script>alert(1)</script></template><noscript><p>x</p></noscript>",
    '"><script>alert(1)</script>',
]


@pytest.fixture
def hostile_site(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> Path:
    with sample_store.session() as session:
        stories.create(
            session, sample_actor, headline='<script>alert("headline")</script> Evil & co',
            standfirst='"><img src=x onerror=alert(1)>', byline="<b>Mallory</b>",
            body="\n\n".join(HOSTILE), section="politics",
            tags=["<script>", "../../etc/passwd", "c++", "c", "ünïcödé"],
            status="published", publish_at=AS_OF.replace(day=29), slug="evil",
        )
    out = tmp_path / "site"
    run_export(out)
    return out


def test_hostile_markdown_produces_no_executable_content(hostile_site: Path) -> None:
    page = hostile_site / "stories" / "evil.html"
    html = page.read_text()
    tree = parse_html(html.encode())
    check_accessible(page, tree)
    scripts = [s for s in tree.iter("script")]
    assert [s.get("type") for s in scripts] == ["application/ld+json"]
    for element in tree.iter():
        tag = str(element.tag).lower()
        assert tag not in {"iframe", "object", "embed", "form", "input", "button", "style",
                           "base", "template", "svg", "math"}, tag
        if tag == "meta":
            assert element.get("http-equiv") is None
        if tag == "link":
            assert not (element.get("href") or "").startswith("http") or element.get(
                "rel") == "canonical"
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (tag, name)
            assert name.lower() != "style", tag
            lowered = re.sub(r"\s", "", value).lower()
            if name in ("href", "src", "srcset", "action", "xlink:href"):
                assert not lowered.startswith(("javascript:", "data:", "vbscript:")), value
    body = tree.find(".//div[@class='story-body wrap-narrow']")
    assert body is not None
    assert "escaped the article?" in "".join(body.itertext())  # still inside the body


def test_hostile_headline_is_text_everywhere(hostile_site: Path) -> None:
    for path in [*pages(hostile_site), hostile_site / "feed.atom"]:
        assert "<script>alert(" not in path.read_text(), path
    ld = hostile_site / "stories" / "evil.html"
    assert "</script> Evil" not in ld.read_text()


def test_hostile_tags_get_safe_folders_and_links_resolve(hostile_site: Path) -> None:
    tag_dirs = sorted(p.stem for p in (hostile_site / "tags").iterdir())
    assert all(re.fullmatch(r"[a-z0-9-]+", name) for name in tag_dirs)
    assert "etc-passwd" in tag_dirs and "unicode" in tag_dirs
    assert not (hostile_site.parent / "etc").exists()
    for page in pages(hostile_site):
        tree = parse_html(page.read_bytes())
        for link in internal_targets(page, tree):
            assert not link.startswith("/"), link


def test_unsafe_slug_in_the_store_is_skipped(
        sample_store: Store, run_export: RunExport, tmp_path: Path) -> None:
    # A store edited by hand or replicated from elsewhere: the slug is not a safe folder name.
    with sample_store.session() as session:
        session.execute(sa.update(Story).where(Story.id == sample_id("story", "lee-calls")).values(
            slug="../../outside"))
    out = tmp_path / "site"
    report = run_export(out)
    assert report.skipped == [("../../outside", "its slug cannot name a folder safely")]
    assert report.stories == 5
    assert not (tmp_path / "outside").exists()


def test_path_helpers_refuse_escapes(tmp_path: Path) -> None:
    for bad in ("../x", "a/../../x", "/etc/passwd", "a//b", ".hidden", "A", "a\\b", "a\x00"):
        with pytest.raises(UsageError):
            bundle_path(bad)
    with pytest.raises(UsageError):
        inside(tmp_path, "../escape")
    assert bundle_path("stories/a-b/index.html") == "stories/a-b/index.html"
    assert relative_url("stories/a/index.html", "static/site.css") == "../../static/site.css"
    slugs = tag_slugs(["c++", "c", "", "/"])
    assert slugs["c"] == "c" and slugs["c++"].startswith("c-") and len(set(slugs.values())) == 4


def test_theme_folder_overrides_templates_and_static(run_export: RunExport, tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "static" / "site.css").write_text("body { color: teal; }\n")
    (theme / "static" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (theme / "templates" / "list.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Desk list: {{ heading }}</h1>'
        "{% endblock %}"
    )
    out = tmp_path / "site"
    run_export(out, theme=theme)
    assert (out / "static" / "site.css").read_text() == "body { color: teal; }\n"
    assert (out / "static" / "logo.svg").exists()
    assert "Desk list: Politics" in (out / "sections" / "politics.html").read_text()
    assert "Read next" in (out / "stories" / f"{JCS_SLUG}.html").read_text()


def test_bad_theme_gives_one_clear_error(run_export: RunExport, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        run_export(tmp_path / "a", theme=tmp_path / "missing")
    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "story.html").write_text("{% if %}")
    with pytest.raises(UsageError, match=r"story\.html"):
        run_export(tmp_path / "b", theme=theme)
    assert not (tmp_path / "b").exists()


def test_markdown_the_parser_cannot_take_is_shown_as_plain_text() -> None:
    """Lists nested hundreds deep overflow Python-Markdown's recursion: the text stays,
    escaped, and the next story renders normally."""
    from cms import render

    nested = "".join("  " * depth + f"- level {depth} <b>\n" for depth in range(600))
    html = render.render_markdown(nested + "\n\n<script>alert(1)</script>")
    assert "level 0" in html and "level 599" in html
    assert "<script" not in html and "<b>" not in html
    # The same per-thread Markdown instance goes on working (uncached call).
    assert render._render("A *normal* story.", None) == "<p>A <em>normal</em> story.</p>"


def test_a_tampered_state_file_cannot_reach_outside_the_folder(
        run_export: RunExport, tmp_path: Path) -> None:
    """State entries naming files outside the bundle make the state unreadable: the next
    export starts over instead of deleting (or failing on) what they name."""
    import sqlite3

    from cms.export.paths import STATE_FILE

    out = tmp_path / "site"
    run_export(out)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    with sqlite3.connect(out / STATE_FILE) as db:
        db.execute("INSERT INTO files VALUES ('../victim.txt', 'k', ?, 7)", ("0" * 64,))
    report = run_export(out)
    assert not report.incremental and report.written == report.files
    assert victim.read_text() == "keep me"
