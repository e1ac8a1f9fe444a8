"""Reading an exported bundle back: strict HTML parsing, links, accessibility, feeds."""

from __future__ import annotations

import hashlib
import itertools
import json
import posixpath
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
from html5lib.html5parser import ParseError

from cms.export.paths import STATE_FILE

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def parse_html(data: bytes) -> ET.Element:
    """Parse with html5lib in strict mode: any parse error raises."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        tree: ET.Element = parser.parse(data)
        return tree
    except ParseError as exc:
        raise AssertionError(f"invalid HTML: {exc}") from None


def pages(root: Path) -> list[Path]:
    """Every HTML file of a bundle."""
    return sorted(root.rglob("*.html"))


def internal_targets(page: Path, tree: ET.Element) -> list[str]:
    """The bundle-relative URLs a page links to or loads (href, src, srcset)."""
    found: list[str] = []
    for element in tree.iter():
        for attr in ("href", "src"):
            value = element.get(attr)
            if value:
                found.append(value)
        srcset = element.get("srcset")
        if srcset:
            found.extend(part.strip().split(" ")[0] for part in srcset.split(","))
    return [v for v in found if not urlsplit(v).scheme and not v.startswith("#")]


def resolve(root: Path, page: Path, link: str) -> Path:
    """The file a relative link from ``page`` points at (index.html for folders)."""
    path = unquote(urlsplit(link).path)
    relative = posixpath.normpath(posixpath.join(page.parent.relative_to(root).as_posix(), path))
    assert not relative.startswith(".."), f"{page}: {link} leaves the bundle"
    target = root / relative
    if target.is_dir():
        target = target / "index.html"
    return target


def check_accessible(page: Path, tree: ET.Element) -> None:
    """lang, landmarks, skip link, alt text, unique ids, headings in order, one h1."""
    assert tree.get("lang"), f"{page}: no lang"
    body = tree.find("body")
    assert body is not None
    assert tree.find(".//main") is not None, f"{page}: no main landmark"
    assert tree.find(".//header") is not None and tree.find(".//footer") is not None
    first_link = body.find(".//a")
    assert first_link is not None and first_link.get("href") == "#main", f"{page}: no skip link"
    ids = [e.get("id") for e in tree.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), f"{page}: duplicate ids"
    assert "main" in ids
    for img in tree.iter("img"):
        assert img.get("alt"), f"{page}: image without alt text: {img.get('src')}"
        assert img.get("width") and img.get("height"), f"{page}: image without size"
    levels = [int(e.tag[1]) for e in tree.iter() if re.fullmatch(r"h[1-6]", str(e.tag))]
    assert levels.count(1) == 1, f"{page}: {levels.count(1)} h1 elements"
    assert levels[0] == 1, f"{page}: first heading is h{levels[0]}"
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"{page}: heading jumps from h{before} to h{after}"


def check_atom(path: Path) -> ET.Element:
    """Structural Atom 1.0 (RFC 4287) checks; returns the feed element."""
    feed = ET.parse(path).getroot()
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{name}") is not None, f"{path}: feed without {name}"
    assert RFC3339.match(feed.findtext(f"{ATOM}updated") or "")
    assert any(link.get("rel") == "self" for link in feed.findall(f"{ATOM}link"))
    has_feed_author = feed.find(f"{ATOM}author/{ATOM}name") is not None
    ids = []
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}") is not None, f"{path}: entry without {name}"
        assert RFC3339.match(entry.findtext(f"{ATOM}updated") or "")
        assert RFC3339.match(entry.findtext(f"{ATOM}published") or "")
        assert has_feed_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        assert any(link.get("rel") == "alternate" for link in entry.findall(f"{ATOM}link"))
        content = entry.find(f"{ATOM}content")
        if content is not None:
            assert content.get("type") == "html"
            parse_html(b"<!DOCTYPE html><title>x</title>" + (content.text or "").encode())
        ids.append(entry.findtext(f"{ATOM}id"))
    assert len(ids) == len(set(ids))
    return feed


def check_manifest(root: Path) -> dict[str, str]:
    """Every file is listed with its true SHA-256, and nothing else is."""
    data = json.loads((root / "manifest.json").read_text("utf-8"))
    listed = {item["path"]: item["sha256"] for item in data["files"]}
    on_disk = {
        p.relative_to(root).as_posix() for p in root.rglob("*")
        if p.is_file() and p.name not in ("manifest.json", STATE_FILE)
    }
    assert set(listed) - {"manifest.json"} == on_disk
    for path in on_disk:
        assert hashlib.sha256((root / path).read_bytes()).hexdigest() == listed[path], path
    return listed


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file of a bundle by relative path (for byte-for-byte comparisons); the
    export's state is not part of the bundle (compare it with ``State.load``)."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != STATE_FILE}
