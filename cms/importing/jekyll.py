"""Jekyll's conventions: posts, drafts, pages, collections, permalinks, Liquid.

- Posts are ``_posts/YYYY-MM-DD-title.md`` (in any subfolder; ``news/_posts``
  gives the category ``news``); ``_drafts`` are drafts; collections with
  ``output: true`` are pages of their own; a page without front matter is a file
  Jekyll copies, not a page, and is skipped.
- Front matter defaults (``defaults:`` with a ``scope`` path and type) apply first.
- ``tags`` and ``categories`` may be one space-separated text; the first category
  is the section, the others become tags.
- The old URL follows ``permalink`` (the file's, else its collection's, else the
  site's, else the ``date`` style) with every placeholder Jekyll knows;
  ``redirect_from`` (jekyll-redirect-from) is kept too.
- Liquid is converted or flagged (:mod:`cms.importing.templates`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from cms.frontmatter import as_bool, as_text
from cms.importing.entries import (
    Entry,
    Source,
    add_urls,
    byline_of,
    choose_slug,
    date_of,
    fallback_headline,
    headline_and_body,
    plain_text,
    stated_language,
    text_list,
)
from cms.importing.sites import Site, site_variables
from cms.importing.templates import convert_liquid

_POST_NAME = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})-(.+)$")
STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}


def _words(value: Any) -> list[str]:
    """Jekyll's tags and categories: a list, or one text split at spaces."""
    if isinstance(value, list | tuple):
        return [as_text(v) for v in value if as_text(v)]
    return as_text(value).split()


def _kind(source: Source) -> tuple[str, str]:
    """``(type, collection)``: posts, drafts, a collection's documents, or pages."""
    parts = PurePosixPath(source.relative).parts
    if "_posts" in parts:
        return "posts", "posts"
    if "_drafts" in parts:
        return "drafts", "posts"
    if parts and parts[0].startswith("_"):
        return parts[0][1:], parts[0][1:]
    return "pages", ""


def _defaults(site: Site, relative: str, kind: str) -> dict[str, Any]:
    """The front matter defaults whose scope covers this file (later ones win)."""
    values: dict[str, Any] = {}
    defaults = site.setting("defaults", default=[])
    for rule in defaults if isinstance(defaults, list) else []:
        if not isinstance(rule, dict) or not isinstance(rule.get("values"), dict):
            continue
        scope: dict[str, Any] = rule["scope"] if isinstance(rule.get("scope"), dict) else {}
        path = str(scope.get("path", "") or "").strip("/")
        if path and not (relative == path or relative.startswith(path + "/")
                         or PurePosixPath(relative).match(path)):
            continue
        scope_type = scope.get("type")
        if scope_type and scope_type != kind:
            continue
        values.update({str(k).lower(): v for k, v in rule["values"].items()})
    return values


def _collection(site: Site, name: str) -> dict[str, Any]:
    collections = site.setting("collections", default={})
    found = collections.get(name) if isinstance(collections, dict) else None
    return found if isinstance(found, dict) else {}


def read_entry(source: Source) -> Entry:
    """The story a Jekyll post, draft, page or collection document becomes."""
    kind, collection = _kind(source)
    relative = PurePosixPath(source.relative)
    if source.parsed.style == "none" and kind == "pages" and source.site.generator == "jekyll":
        return Entry(source.relative, "jekyll", "", "", "", skipped=(
            "no front matter: Jekyll copies it as a file, not a page"))
    meta = {**_defaults(source.site, source.relative, kind), **source.meta}
    stem = relative.stem
    dated = _POST_NAME.match(stem)
    title_part = dated.group(2) if dated else stem
    title = as_text(meta.get("title"))
    headline, body = headline_and_body(title, source.parsed.body)
    headline = headline or fallback_headline(source.relative, source.warn)
    written_slug = as_text(meta.get("slug"))
    slug = choose_slug(written_slug, title_part, source)
    entry = Entry(source.relative, "jekyll", headline, body, slug,
                  source_slug=written_slug or title_part,
                  language=stated_language(meta) or source.site.default_language,
                  story_language=stated_language(meta))
    categories = _words(meta.get("categories")) or _words(meta.get("category"))
    folder_categories = [part for part in relative.parts[: relative.parts.index("_posts")]
                         ] if "_posts" in relative.parts else []
    categories = folder_categories + [c for c in categories if c not in folder_categories]
    entry.section = categories[0] if categories else (collection if kind not in (
        "posts", "drafts", "pages") else None)
    entry.tags = tuple(dict.fromkeys(_words(meta.get("tags")) + categories[1:]))
    entry.byline = byline_of(text_list(meta.get("authors")) or text_list(meta.get("author")))
    entry.standfirst = plain_text(as_text(meta.get("excerpt")) or as_text(
        meta.get("description")) or as_text(meta.get("summary")))
    entry.dateline = as_text(meta.get("dateline"))
    when = date_of(meta.get("date"), source, "date")
    if when is None and dated:
        when = date_of(dated.group(1), source, "date in the file name")
    draft = kind == "drafts" or ("published" in meta and not as_bool(meta["published"]))
    if when is None:
        when = source.modified
        if not draft:
            source.warn("no date; used the file's modification time")
    entry.publish_at = when
    entry.modified_at = date_of(meta.get("last_modified_at") or meta.get("modified"),
                                source, "last_modified_at")
    entry.status = "draft" if draft else "published"
    _urls(entry, source, meta, kind, collection, categories, title_part, dated is not None)
    entry.body = convert_liquid(
        entry.body, site=site_variables(source.site), page=meta,
        base_url=source.site.base_url, base_path=source.site.base_path,
        link_path=lambda tag, target: f"{tag}|{source.relative}|{target}",
        result=entry.conversion)
    return entry


def _urls(entry: Entry, source: Source, meta: dict[str, Any], kind: str, collection: str,
          categories: list[str], title_part: str, dated: bool) -> None:
    site = source.site
    pattern = as_text(meta.get("permalink"))
    if not pattern and collection and kind != "pages":
        pattern = as_text(_collection(site, collection).get("permalink"))
    if not pattern:
        configured = as_text(site.setting("permalink", default="")) or "date"
        pattern = STYLES.get(configured, configured)
        if kind == "pages" or (kind not in ("posts", "drafts") and collection):
            # Pages: their path, with a folder URL for the pretty style.
            pretty = configured == "pretty" or configured.endswith("/")
            pattern = "/:path/" if pretty else "/:path:output_ext"
            if kind != "pages":
                pattern = "/:collection/:path" + ("/" if pretty else ":output_ext")
    url = _fill(pattern, entry, source, categories, title_part, collection, kind, dated)
    urls = [site.base_path + url]
    urls += [site.base_path + "/" + path.lstrip("/") for path in text_list(
        meta.get("redirect_from"))]
    add_urls(entry, urls, source.warn)


def _fill(pattern: str, entry: Entry, source: Source, categories: list[str], title_part: str,
          collection: str, kind: str, dated: bool) -> str:
    when = (entry.publish_at or datetime(1970, 1, 1)).astimezone(source.tz)
    relative = PurePosixPath(source.relative)
    inner = relative.parts[1:] if relative.parts and relative.parts[0].startswith("_") else (
        relative.parts)
    path = str(PurePosixPath(*inner).with_suffix("")) if inner else relative.stem
    if kind == "pages" and relative.stem == "index" and ":path" in pattern:
        folder = str(PurePosixPath(path).parent).strip(".")
        return f"/{folder}/" if folder else "/"
    slug_text = as_text(source.meta.get("slug")) or title_part
    iso = when.isocalendar()
    values: dict[str, Callable[[], str]] = {
        "year": lambda: f"{when:%Y}", "month": lambda: f"{when:%m}",
        "i_month": lambda: str(when.month), "short_month": lambda: f"{when:%b}",
        "long_month": lambda: f"{when:%B}", "day": lambda: f"{when:%d}",
        "i_day": lambda: str(when.day), "y_day": lambda: f"{when.timetuple().tm_yday:03d}",
        "short_year": lambda: f"{when:%y}", "hour": lambda: f"{when:%H}",
        "minute": lambda: f"{when:%M}", "second": lambda: f"{when:%S}",
        "week": lambda: f"{iso[1]:02d}", "w_year": lambda: str(iso[0]),
        "short_day": lambda: f"{when:%a}", "long_day": lambda: f"{when:%A}",
        "title": lambda: slug_text, "slug": lambda: slug_text.lower(),
        "name": lambda: relative.stem, "basename": lambda: relative.stem, "path": lambda: path,
        "collection": lambda: collection, "output_ext": lambda: ".html",
        "categories": lambda: "/".join(c.lower().replace(" ", "-") for c in categories),
    }
    filled = re.sub(r":([a-z_]+)", lambda m: values[m.group(1)]() if m.group(1) in values
                    else m.group(0), pattern)
    filled = re.sub(r"/{2,}", "/", filled)  # :categories empty: no double slash
    return filled if filled.startswith("/") else "/" + filled
