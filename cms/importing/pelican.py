"""Pelican's conventions: ``Key: value`` metadata, slugs, translations, statuses, URLs.

- Keys are case-insensitive; indented lines continue a value (a multi-line
  ``Summary:``); ``Authors`` and ``Tags`` split on ``;`` when there is one (names
  such as ``Smith, John`` keep their comma), else on ``,``.
- No title: the first heading (``# Title`` or ``Title`` over ``=====``), as
  Pelican's Markdown reader does. The date may come from the file name
  (``FILENAME_METADATA``, by default a leading ``YYYY-MM-DD``).
- The slug is ``Slug``, else the title slugified (``SLUGIFY_SOURCE``); a file with
  another ``Lang`` than the site's (or ``Translation: true``) is a translation of
  the file with the same slug, and its URL is ``ARTICLE_LANG_URL``.
- ``Status: draft`` and ``hidden`` are not published; ``skip`` is not imported.
- The old URL is ``url`` (and ``save_as``), else ``ARTICLE_URL``/``PAGE_URL`` from
  ``pelicanconf.py`` filled with slug, lang, date, category and author.
- Links to other files (``{filename}``, ``|filename|``, ``:filename:``) become
  links to their stories; ``{static}`` and ``{attach}`` files keep their old path.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from cms.errors import UsageError
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
    split_people,
    stated_language,
)
from cms.importing.templates import link_marker
from cms.slugs import slugify

_INTERNAL = re.compile(r"(?:\{(filename|static|attach)\}|\|(filename|static|attach)\||"
                       r":(filename|static|attach):)([^\s)\"'>]+)")
_FORMAT_FIELD = re.compile(r"\{(\w+)(?::([^{}]*))?\}")
DEFAULT_FILENAME_METADATA = r"(?P<date>\d{4}-\d{2}-\d{2}).*"


def _setting(source: Source, name: str, default: Any) -> Any:
    value = source.site.setting(name, default=default)
    return default if value is None else value


def _filename_metadata(source: Source) -> dict[str, str]:
    pattern = _setting(source, "FILENAME_METADATA", DEFAULT_FILENAME_METADATA)
    if not isinstance(pattern, str):
        return {}
    try:
        match = re.match(pattern, PurePosixPath(source.relative).stem)
    except re.error:
        return {}
    return {k.lower(): v for k, v in match.groupdict().items() if v} if match else {}


def read_entry(source: Source) -> Entry:
    """The story a Pelican article or page becomes."""
    defaults = _setting(source, "DEFAULT_METADATA", {})
    meta: dict[str, Any] = {
        **({str(k).lower(): v for k, v in defaults.items()} if isinstance(defaults, dict)
           else {}),
        **_filename_metadata(source), **source.meta}
    status = as_text(meta.get("status")).lower() or "published"
    if status == "skip":
        return Entry(source.relative, "pelican", "", "", "",
                     skipped="Status: skip (Pelican leaves it out)")
    title = as_text(meta.get("title"))
    headline, body = headline_and_body(title, source.parsed.body)
    headline = headline or fallback_headline(source.relative, source.warn)
    written_slug = as_text(meta.get("slug"))
    slug_source = _setting(source, "SLUGIFY_SOURCE", "title")
    derived = PurePosixPath(source.relative).stem if slug_source == "basename" else headline
    pelican_slug = written_slug or slugify(derived)
    default_language = source.site.default_language
    language = stated_language(meta) or default_language
    translation = language != default_language or as_bool(meta.get("translation", False))
    slug = choose_slug(written_slug, slugify(derived), source)
    if translation:
        slug = f"{slug}-{slugify(language, fallback='lang')}"
    entry = Entry(source.relative, "pelican", headline, body, slug, source_slug=pelican_slug,
                  language=language, story_language=stated_language(meta),
                  translation_key=pelican_slug)
    parts = PurePosixPath(source.content_relative).parts
    page_paths = _setting(source, "PAGE_PATHS", ["pages"])
    is_page = bool(parts) and isinstance(page_paths, list | tuple) and parts[0] in page_paths
    category = as_text(meta.get("category"))
    if not category and len(parts) > 1 and not is_page and as_bool(
            _setting(source, "USE_FOLDER_AS_CATEGORY", True)):
        category = parts[-2]
    entry.section = category or (as_text(source.site.setting("DEFAULT_CATEGORY")) or None)
    entry.tags = tuple(split_people(meta.get("tags"), semicolons=True))
    entry.byline = byline_of(split_people(meta.get("authors"), semicolons=True)
                             or split_people(meta.get("author"), semicolons=True))
    entry.standfirst = plain_text(as_text(meta.get("summary")))
    entry.dateline = as_text(meta.get("dateline"))
    when = date_of(meta.get("date"), source, "Date")
    entry.modified_at = date_of(meta.get("modified"), source, "Modified")
    draft = status in ("draft", "hidden")
    if status == "hidden":
        source.warn("Status: hidden (published but unlisted): imported as a draft")
    elif status not in ("draft", "published"):
        raise UsageError(f"unknown Status {status!r}: use published, draft, hidden or skip")
    if when is None:
        when = source.modified
        if not draft:
            source.warn("no date; used the file's modification time")
    entry.publish_at = when
    entry.status = "draft" if draft else "published"
    _urls(entry, source, meta, is_page, translation, category)
    entry.body = _links(entry, source)
    return entry


def _format(pattern: str, values: dict[str, Any]) -> str | None:
    """A Pelican URL setting filled in; None for a field it does not know (never
    ``str.format`` on a config value: ``{date.__class__}`` would reach into objects)."""
    unknown = False

    def field(match: re.Match[str]) -> str:
        nonlocal unknown
        name, spec = match.group(1), match.group(2)
        value = values.get(name)
        if value is None:
            unknown = True
            return ""
        if isinstance(value, datetime):
            return value.strftime(spec) if spec else value.isoformat()
        return str(value)

    filled = _FORMAT_FIELD.sub(field, pattern)
    return None if unknown else filled


def _urls(entry: Entry, source: Source, meta: dict[str, Any], is_page: bool, translation: bool,
          category: str) -> None:
    base = source.site.base_path
    urls: list[str] = []
    explicit = as_text(meta.get("url"))
    if explicit:
        urls.append(base + "/" + explicit.lstrip("/"))
    kind = "PAGE" if is_page else "ARTICLE"
    if entry.status == "draft":
        kind = "DRAFT_PAGE" if is_page else "DRAFT"
    defaults = {"ARTICLE": "{slug}.html", "PAGE": "pages/{slug}.html",
                "DRAFT": "drafts/{slug}.html", "DRAFT_PAGE": "drafts/pages/{slug}.html"}
    name = f"{kind}_LANG_URL" if translation else f"{kind}_URL"
    pattern = _setting(source, name, defaults[kind].replace(
        "{slug}", "{slug}-{lang}") if translation else defaults[kind])
    local = entry.publish_at.astimezone(source.tz) if entry.publish_at else None
    values = {"slug": entry.source_slug, "lang": entry.language, "date": local,
              "category": slugify(category) if category else "misc",
              "author": slugify(entry.byline.split(",")[0]) if entry.byline else ""}
    if not explicit and isinstance(pattern, str):
        filled = _format(pattern, values)
        if filled is not None:
            urls.append(base + "/" + filled.lstrip("/"))
    save_as = as_text(meta.get("save_as"))
    if save_as:
        urls.append(base + "/" + save_as.lstrip("/"))
        if save_as.endswith("/index.html"):
            urls.append(base + "/" + save_as[: -len("index.html")].lstrip("/"))
    add_urls(entry, urls, source.warn)


def _links(entry: Entry, source: Source) -> str:
    """Pelican's links to other files of the site, as story links or their old paths."""
    if "filename" not in entry.body and "static" not in entry.body and (
            "attach" not in entry.body):
        return entry.body

    def link(match: re.Match[str]) -> str:
        kind = match.group(1) or match.group(2) or match.group(3)
        target = match.group(4)
        entry.conversion.converted += 1
        if kind == "filename":
            path, _, anchor = target.partition("#")
            return link_marker(f"filename|{source.content_relative}|{path}", anchor)
        return source.site.base_path + "/" + target.lstrip("/")

    return _INTERNAL.sub(link, entry.body)
