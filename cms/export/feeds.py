"""Atom feeds, the sitemap, robots.txt and the manifest.

Written as text with explicit escaping rather than through a template: they are
small, strictly structured XML/JSON, and must be byte-identical run to run.
Feed and sitemap times come from the stories, never from the clock.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left
from collections.abc import Iterable
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from cms import __version__
from cms.export.metadata import authors
from cms.export.selection import PublicStory
from cms.export.site import Site, iso_local

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def atom_feed(site: Site, *, title: str, feed_path: str, page_path: str,
              stories: list[PublicStory], bodies: dict[str, str]) -> str:
    """An Atom 1.0 feed (RFC 4287) of ``stories`` with their full HTML bodies."""
    tz = site.tz
    updated = max((s.updated for s in stories), default=None)
    feed_updated = iso_local(updated, tz) if updated else "1970-01-01T00:00:00+00:00"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="{ATOM_NS}" xml:lang={quoteattr(site.language)}>',
        f"<title>{escape(title)}</title>",
        f"<id>{escape(site.absolute(feed_path))}</id>",
        '<link rel="self" type="application/atom+xml" '
        f"href={quoteattr(site.absolute(feed_path))}/>",
        f'<link rel="alternate" type="text/html" href={quoteattr(site.absolute(page_path))}/>',
        f"<updated>{feed_updated}</updated>",
        f"<author><name>{escape(site.desk_name)}</name></author>",
        f'<generator version="{escape(__version__)}">Newsroom</generator>',
    ]
    for story in stories:
        url = site.absolute(site.story_path(story))
        language = site.language_of(story)
        lines.append("<entry>" if language == site.language
                     else f"<entry xml:lang={quoteattr(language)}>")
        lines.append(f"<title>{escape(story.headline)}</title>")
        lines.append(f'<link rel="alternate" type="text/html" href={quoteattr(url)}/>')
        lines.append(f"<id>urn:uuid:{escape(story.id)}</id>")
        lines.append(f"<published>{iso_local(story.publish_at, tz)}</published>")
        lines.append(f"<updated>{iso_local(story.updated, tz)}</updated>")
        for name in authors(story.byline):
            lines.append(f"<author><name>{escape(name)}</name></author>")
        if story.section:
            lines.append(f"<category term={quoteattr(story.section)} "
                         f"label={quoteattr(site.section_name(story.section))}/>")
        for tag in story.tags:
            lines.append(f"<category term={quoteattr(tag)}/>")
        if story.standfirst:
            lines.append(f"<summary>{escape(story.standfirst)}</summary>")
        if story.id in bodies:
            lines.append(f'<content type="html">{escape(bodies[story.id])}</content>')
        lines.append("</entry>")
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def sitemap(site: Site, pages: Iterable[tuple[str, datetime | None]]) -> str:
    """sitemap.xml for the given ``(bundle path, last modified)`` pairs, in the given order."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    lines += [_sitemap_entry(site, path, lastmod) for path, lastmod in pages]
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _sitemap_entry(site: Site, path: str, lastmod: datetime | None) -> str:
    entry = f"<url><loc>{escape(site.absolute(path))}</loc>"
    if lastmod is not None:
        entry += f"<lastmod>{iso_local(lastmod, site.tz)}</lastmod>"
    return entry + "</url>"


def patched_sitemap(data: bytes | None, sha256: str, site: Site,
                    pages: Iterable[tuple[str, datetime | None]]) -> bytes | None:
    """The sitemap ``data`` (the folder's, None if it has none) with the entries of
    ``pages`` (already listed) made anew, or None when it cannot be patched (not the file
    whose hash is ``sha256``, or a page it does not list): after one edit, cheaper than
    writing 10,000 entries again."""
    data = _known(data, sha256)
    if data is None:
        return None
    for page, lastmod in pages:
        start = data.find(f"\n<url><loc>{escape(site.absolute(page))}</loc>".encode())
        end = data.find(b"\n", start + 1)
        if start < 0 or end < 0:
            return None
        data = data[: start + 1] + _sitemap_entry(site, page, lastmod).encode() + data[end:]
    return data


def _known(data: bytes | None, sha256: str) -> bytes | None:
    """``data`` if they are the bytes whose hash is ``sha256`` (else None)."""
    return data if data is not None and hashlib.sha256(data).hexdigest() == sha256 else None


def robots(site: Site) -> str:
    """robots.txt: everything may be crawled; where the sitemap is."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {site.absolute('sitemap.xml')}\n"


def manifest(files: dict[str, tuple[str, int]], generator: str) -> str:
    """manifest.json: every file of the bundle with its SHA-256 and size, sorted by path."""
    # One entry per line, written by hand: readable, diffable, and fast for 30,000 files.
    # Bundle paths are checked ASCII names (no quotes or backslashes) and hashes are hex,
    # so they need no JSON escaping.
    entries = ",\n".join(
        f'{{"path": "{path}", "sha256": "{sha}", "size": {size}}}'
        for path, (sha, size) in sorted(files.items())
    )
    head = json.dumps({"count": len(files), "generator": generator}, ensure_ascii=False)[:-1]
    return f'{head}, "files": [\n{entries}\n]}}\n'


def patched_manifest(data: bytes | None, sha256: str, changed: dict[str, tuple[str, int]]
                     ) -> bytes | None:
    """The manifest ``data`` (the folder's, None if it has none) with the entries of
    ``changed`` paths replaced, or None when it cannot be patched (not the file whose hash
    is ``sha256``, or a path it does not list): cheaper than listing 30,000 files again
    after one edit."""
    data = _known(data, sha256)
    if data is None:
        return None  # edited by hand since: list every file again
    lines = data.split(b"\n")  # head, one entry per line, "]}", "" (see manifest())
    entries = lines[1:-2]
    for name, (sha, size) in changed.items():
        wanted = name.encode()
        at = bisect_left(entries, wanted, key=_entry_path)
        if at == len(entries) or _entry_path(entries[at]) != wanted:
            return None
        comma = b"," if entries[at].endswith(b",") else b""
        entries[at] = f'{{"path": "{name}", "sha256": "{sha}", "size": {size}}}'.encode() + comma
    return b"\n".join([lines[0], *entries, *lines[-2:]])


def _entry_path(line: bytes) -> bytes:
    # '{"path": "' is 10 bytes; bundle paths hold no quotes (see manifest()).
    return line[10 : line.find(b'"', 10)]
