"""The exported sample newsroom, read back the way a browser and a crawler would."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cms.people import Actor
from cms.store import Store
from tests.export.bundle_check import (
    ATOM,
    check_accessible,
    check_atom,
    check_manifest,
    internal_targets,
    pages,
    parse_html,
    resolve,
)
from tests.export.conftest import JCS_SLUG, RunExport

READ_NEXT_TIMES = ["18:00", "11:42", "12:32", "16:46", "10:32"]


@pytest.fixture
def bundle(run_export: RunExport, tmp_path: Path) -> Path:
    out = tmp_path / "site"
    report = run_export(out)
    assert report.stories == 6
    return out


def _text(element: ET.Element | None) -> str:
    assert element is not None, "no such element"
    return " ".join("".join(element.itertext()).split())


def _attr(element: ET.Element | None, name: str) -> str:
    assert element is not None, "no such element"
    value = element.get(name)
    assert value is not None, f"no {name} attribute"
    return value


def _story(bundle: Path) -> ET.Element:
    return parse_html((bundle / "stories" / f"{JCS_SLUG}.html").read_bytes())


def test_every_page_is_valid_accessible_and_its_links_resolve(bundle: Path) -> None:
    html_pages = pages(bundle)
    assert len(html_pages) >= 10
    for page in html_pages:
        tree = parse_html(page.read_bytes())
        check_accessible(page, tree)
        for link in internal_targets(page, tree):
            target = resolve(bundle, page, link)
            assert target.is_file(), f"{page.relative_to(bundle)} links to missing {link}"


def test_bundle_layout(bundle: Path) -> None:
    for path in ("index.html", "feed.atom", "sitemap.xml", "robots.txt", "manifest.json",
                 "static/site.css", f"stories/{JCS_SLUG}.html",
                 f"stories/{JCS_SLUG}.ninjs.json", "sections/politics.html",
                 "sections/politics.atom", "sections/north-korea.html",
                 "tags/impeachment.html"):
        assert (bundle / path).is_file(), path


def test_sample_story_page_shows_figures_times_and_read_next(bundle: Path) -> None:
    tree = _story(bundle)
    assert _text(tree.find(".//h1")).startswith("North Korea readies more troops")
    figures = list(tree.iter("figure"))
    assert len(figures) == 2
    captions = [_text(f.find("figcaption")) for f in figures]
    assert all(c.endswith("JCS") for c in captions)
    assert "lead a goat towards a newly built electrified fence" in captions[0]
    assert "A goat touches the wire" in captions[1]
    credits = [_text(span) for f in figures for span in f.iter("span")
               if span.get("class") == "credit"]
    assert credits == ["JCS", "JCS"]
    for figure in figures:
        img = figure.find(".//img")
        assert img is not None and img.get("srcset") and img.get("alt")
    byline = tree.find(".//p[@class='byline']")
    assert byline is not None and "Newsroom Staff" in _text(byline)
    published = tree.find(".//p[@class='times']/time")
    assert published is not None
    assert published.get("datetime") == "2024-12-23T15:20:00+09:00"
    assert _text(published) == "23 December 2024, 15:20"
    assert "SEOUL" in _text(tree.find(".//div[@class='story-body wrap-narrow']/p"))
    aside = tree.find(".//aside[@class='read-next wrap-narrow']")
    assert aside is not None
    entries = aside.findall(".//li")
    assert len(entries) == 5
    times = [_text(li.find("time")) for li in entries]
    assert [t.rsplit(", ", 1)[1] for t in times] == READ_NEXT_TIMES
    assert all(_attr(li.find("time"), "datetime").endswith("+09:00") for li in entries)
    first = entries[0].find("a")
    assert _text(first) == "Seoul residents split after parliament impeaches President Yoon"
    target = bundle / "stories" / _attr(first, "href")
    assert _text(parse_html(target.read_bytes()).find(".//h1")) == _text(first)


def test_json_ld_and_social_tags(bundle: Path) -> None:
    tree = _story(bundle)
    scripts = [s for s in tree.iter("script") if s.get("type") == "application/ld+json"]
    assert len(scripts) == 1
    data = json.loads(scripts[0].text or "")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["headline"].startswith("North Korea readies")
    assert data["datePublished"] == "2024-12-23T15:20:00+09:00"
    assert data["dateModified"] == "2024-12-23T15:20:00+09:00"
    assert data["author"] == [{"@type": "Person", "name": "Newsroom Staff"}]
    assert data["publisher"]["name"] == "Newsroom Sample Desk"
    assert data["url"] == f"https://example.org/stories/{JCS_SLUG}.html"
    assert len(data["image"]) == 2
    assert all(i["url"].startswith("https://example.org/media/") for i in data["image"])
    assert "correction" not in data
    meta = {m.get("property") or m.get("name"): m.get("content") for m in tree.iter("meta")}
    assert meta["og:type"] == "article"
    assert meta["og:title"] == data["headline"]
    assert (meta["og:image"] or "").startswith("https://example.org/media/")
    assert meta["twitter:card"] == "summary_large_image"
    assert meta["article:published_time"] == "2024-12-23T15:20:00+09:00"


def test_ninjs_document(bundle: Path) -> None:
    data = json.loads((bundle / "stories" / f"{JCS_SLUG}.ninjs.json").read_text("utf-8"))
    assert data["standard"]["name"] == "ninjs" and data["standard"]["version"] == "2.0"
    assert data["type"] == "text"
    assert data["headlines"][0]["value"].startswith("North Korea readies")
    assert data["by"] == "Newsroom Staff"
    assert data["located"] == "SEOUL"
    assert data["firstcreated"] == "2024-12-23T15:20:00+09:00"
    assert {s["name"] for s in data["subjects"]} >= {"north-korea", "jcs"}
    body = data["bodies"][0]
    assert body["contenttype"] == "text/html"
    assert 'src="https://example.org/media/' in body["value"]
    pictures = data["associations"]
    assert [p["by"] for p in pictures] == ["JCS", "JCS"]
    assert pictures[0]["name"] == "lead"
    assert all(r["href"].startswith("https://example.org/media/")
               for p in pictures for r in p["renditions"])


def test_feeds_are_atom(bundle: Path) -> None:
    feed = check_atom(bundle / "feed.atom")
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert len(titles) == 6
    assert (titles[0] or "").startswith("North Korea readies")  # newest first
    politics = check_atom(bundle / "sections" / "politics.atom")
    assert len(politics.findall(f"{ATOM}entry")) == 5


def test_sitemap_robots_manifest(bundle: Path) -> None:
    sitemap = ET.parse(bundle / "sitemap.xml").getroot()
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://example.org/" in locs
    assert f"https://example.org/stories/{JCS_SLUG}.html" in locs
    robots = (bundle / "robots.txt").read_text()
    assert "Sitemap: https://example.org/sitemap.xml" in robots
    listed = check_manifest(bundle)
    assert f"stories/{JCS_SLUG}.html" in listed


def test_renditions_have_no_metadata_and_sane_sizes(bundle: Path) -> None:
    from PIL import Image

    media = sorted((bundle / "media").iterdir())
    assert media
    for path in media:
        with Image.open(path) as image:
            assert not image.getexif(), path.name
            assert "icc_profile" not in image.info and "xmp" not in image.info
            assert image.width <= 1920


def test_front_page_lists_newest_first_with_lead_photo(bundle: Path) -> None:
    tree = parse_html((bundle / "index.html").read_bytes())
    assert _attr(tree.find(".//h1"), "class") == "masthead"
    headlines = [_text(h) for h in tree.iter("h3")]
    assert headlines[0].startswith("North Korea readies")
    lead = tree.find(".//section[@class='top-story']//img")
    assert lead is not None and lead.get("loading") == "eager"


def test_comments_embed_is_empty_by_default_and_shown_when_set(
    sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    run_export(out)
    page = out / "stories" / f"{JCS_SLUG}.html"
    assert b"comments" not in page.read_bytes().lower().replace(b"comments_embed", b"")
    from cms.config import set_setting

    with sample_store.session() as session:
        set_setting(session, "comments_embed", '<div id="talk">Leave the first comment</div>',
                    username=sample_actor.username)
    run_export(out)
    tree = parse_html(page.read_bytes())
    section = tree.find(".//section[@class='comments wrap-narrow']")
    assert section is not None
    assert "Leave the first comment" in _text(section)
