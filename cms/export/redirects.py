"""Redirect pages: every old URL a public story keeps (its aliases) leads to its page.

For each alias that can name a file of the bundle, a small HTML page at that
path sends the reader on (``<meta http-equiv="refresh">``) and tells search
engines where the story lives now (``<link rel="canonical">``): ``/2012/10/31/old/``
becomes ``2012/10/31/old/index.html``, ``/posts/x.html`` stays ``posts/x.html``.
``redirects.json`` maps every alias (those that cannot name a file too: other
extensions, upper case, percent-encoded names) to its story's page, for a web
server to load as real 301 redirects.

A real page of the bundle always wins over a redirect page at the same path, and
when two stories claim one old URL the story published first keeps it (ties by
id), so the same site always gives the same redirects. Which aliases lead where
is part of the site's layout (:func:`layout_part`): a change of aliases makes the
next export look at every file, so redirect pages come and go as a fresh export
would make them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape

from cms.export.paths import is_bundle_path, relative_url
from cms.export.selection import PublicStory

REDIRECTS_FILE = "redirects.json"
_PAGE_SUFFIXES = (".html", ".htm")


@dataclass(frozen=True)
class Redirect:
    """One old URL of a story, and the bundle file that stands at it (None: the map only)."""

    alias: str
    page: str | None
    story: PublicStory


def page_for(alias: str) -> str | None:
    """The bundle path of a redirect page for ``alias`` (None when it cannot be a page)."""
    path = alias.lstrip("/")
    last = path.rsplit("/", 1)[-1]
    if not path or path.endswith("/"):
        page = path + "index.html"
    elif last.endswith(_PAGE_SUFFIXES):
        page = path
    elif "." not in last:
        page = path + "/index.html"  # /posts/x and /posts/x/ both reach it
    else:
        return None  # /feed.xml, /x.php: a page would be served as the wrong type
    return page if is_bundle_path(page) else None


def site_redirects(stories: list[PublicStory], story_path: dict[str, str],
                   taken: set[str]) -> list[Redirect]:
    """The redirects of ``stories`` (oldest first wins an alias two stories claim);
    ``story_path`` is each story's page, ``taken`` every other file of the bundle."""
    claimed: dict[str, Redirect] = {}
    pages = set(story_path.values())
    used: set[str] = set()  # /x/ and /x/index.html stand at the same file
    for story in sorted(stories, key=lambda s: (s.publish_at, s.id)):
        own = "/" + story_path[story.id]
        for alias in story.aliases:
            if alias == own or alias in claimed:
                continue
            page = page_for(alias)
            if page is not None and (page in pages or page in taken or page in used):
                page = None  # a real page of the bundle (or another redirect) is there
            if page is not None:
                used.add(page)
            claimed[alias] = Redirect(alias, page, story)
    return sorted(claimed.values(), key=lambda r: r.alias)


def layout_part(stories: list[PublicStory]) -> str:
    """What of the stories' aliases decides the redirect files (see the module docstring)."""
    return "\x1d".join(f"{s.id}\x1c{chr(0x1f).join(s.aliases)}" for s in stories if s.aliases)


def redirect_page(page: str, target: str, absolute: str, language: str) -> str:
    """The HTML of the redirect page at bundle path ``page`` to the bundle file ``target``."""
    link = escape(relative_url(page, target), quote=True)
    canonical = escape(absolute, quote=True)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{escape(language, quote=True)}">\n<head>\n<meta charset="utf-8">\n'
        "<title>Moved</title>\n"
        f'<link rel="canonical" href="{canonical}">\n'
        '<meta name="robots" content="noindex">\n'
        f'<meta http-equiv="refresh" content="0; url={link}">\n'
        f'</head>\n<body>\n<p>This page has moved to <a href="{link}">{canonical}</a>.</p>\n'
        "</body>\n</html>\n"
    )


def redirects_map(redirects: list[Redirect], story_path: dict[str, str]) -> bytes:
    """``redirects.json``: each old URL and the site path of the page it leads to."""
    mapping = {r.alias: "/" + story_path[r.story.id] for r in redirects}
    return (json.dumps({"redirects": mapping}, ensure_ascii=False, sort_keys=True,
                       indent=1) + "\n").encode("utf-8")
