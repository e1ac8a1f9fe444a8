"""Hugo's conventions: front matter, page bundles, sections, translations, URLs, shortcodes.

- A page bundle (``posts/first-story/index.md``) is named after its folder; a
  section page (``_index.md``) is no story: its title names its section.
- Translations are ``post.fr.md`` beside ``post.md``, or files in a language's
  content folder (``contentDir`` or a module mount with ``lang``), grouped by
  ``translationKey`` or by their path.
- Dates follow the site's ``[frontmatter]`` settings (``date``, ``publishDate``,
  ``lastmod``, ``expiryDate``); a future ``publishDate`` is scheduled and a past
  ``expiryDate`` is not public.
- The old URL is ``url``, else the site's ``permalinks`` for the section, else
  ``/section/…/slug/`` (``.html`` with ``uglyURLs``), lower-cased as Hugo does,
  under ``/LANG/`` for other languages; ``aliases`` are kept too.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from cms.frontmatter import as_bool, as_list, as_text
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
from cms.importing.sites import site_variables
from cms.importing.templates import convert_shortcodes
from cms.slugs import slugify

_LANG_SUFFIX = re.compile(r"^(.+)\.([a-z]{2,3}(?:-[a-zA-Z]{2,4})?)$")
_DATE_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})[-_](.+)$")
DEFAULT_DATES = {
    "date": ["date", "publishdate", "pubdate", "published", "lastmod", "modified"],
    "publishdate": ["publishdate", "pubdate", "published", "date"],
    "lastmod": [":git", "lastmod", "modified", "date", "publishdate", "pubdate", "published"],
    "expirydate": ["expirydate", "unpublishdate"],
}


def _date_keys(source: Source, which: str) -> list[str]:
    config = source.site.setting("frontmatter", default={})
    keys: list[str] = []
    if isinstance(config, dict):
        lowered = {str(k).lower(): v for k, v in config.items()}
        value = lowered.get(which)
        if isinstance(value, list):
            for key in value:
                if str(key).lower() == ":default":
                    keys += DEFAULT_DATES[which]
                else:
                    keys.append(str(key).lower())
    return keys or DEFAULT_DATES[which]


def _date(source: Source, which: str, stem: str) -> datetime | None:
    for key in _date_keys(source, which):
        if key == ":filename":
            match = _DATE_NAME.match(stem)
            if match:
                return date_of(match.group(1), source, which)
        elif key == ":filemodtime":
            return source.modified
        elif not key.startswith(":") and source.meta.get(key) not in (None, ""):
            return date_of(source.meta[key], source, key)
    return None


def _never_rendered(meta: dict[str, Any]) -> bool:
    """True for front matter (or a cascade) that keeps Hugo from making a page."""
    build = meta.get("build") or meta.get("_build")
    render = build.get("render") if isinstance(build, dict) else None
    return as_bool(meta.get("headless", False)) or render is False or (
        isinstance(render, str) and render.lower() in ("never", "false"))


def hidden_folders(entries: list[Entry]) -> list[str]:
    """The folders whose ``_index.md`` cascades ``build: {render: never}`` to them."""
    return [entry.hides_folder for entry in entries if entry.hides_folder]


def _languages(source: Source) -> set[str]:
    languages = source.site.setting("languages", default={})
    return {str(code) for code in languages} if isinstance(languages, dict) else set()


def read_entry(source: Source) -> Entry:
    """The story a Hugo content file becomes."""
    meta = source.meta
    path = PurePosixPath(source.content_relative)
    stem = path.stem
    language = source.content_language
    languages = _languages(source)
    match = _LANG_SUFFIX.match(stem)
    if match and match.group(2) in languages:  # post.fr.md: a translation by file name
        stem, language = match.group(1), match.group(2)
    default_language = source.site.default_language
    stated = stated_language(meta) or language  # front matter, file name or content folder
    language = stated or default_language
    bundle = stem == "index"
    folder = path.parent
    title = as_text(meta.get("title"))
    if stem == "_index":
        entry = Entry(source.relative, "hugo", title, "", "", skipped=(
            "a section page (_index.md): Newsroom makes its own section pages"
            + ("; its title names the section" if title and len(folder.parts) == 1 else "")))
        entry.section_title = title if len(folder.parts) == 1 else ""
        entry.section = folder.parts[0] if folder.parts else None
        cascade = meta.get("cascade")
        for rule in cascade if isinstance(cascade, list) else [cascade]:
            if isinstance(rule, dict) and _never_rendered(rule):
                entry.hides_folder = str(PurePosixPath(source.relative).parent)
        return entry
    if _never_rendered(meta):
        return Entry(source.relative, "hugo", title, "", "", skipped=(
            "Hugo never renders it (headless, or build render: never)"))
    name = folder.name if bundle and folder.parts else stem
    headline, body = headline_and_body(title, source.parsed.body)
    headline = headline or fallback_headline(source.relative, source.warn)
    written_slug = as_text(meta.get("slug"))
    date_name = _DATE_NAME.match(name)
    slug = choose_slug(written_slug, date_name.group(2) if date_name else name, source)
    if language != default_language:  # a translation's page beside the original's
        slug = f"{slug}-{slugify(language, fallback='lang')}"
    entry = Entry(source.relative, "hugo", headline, body, slug,
                  source_slug=written_slug or name, language=language, story_language=stated)
    sections = folder.parts[: len(folder.parts) - (1 if bundle else 0)]
    categories = as_list(meta.get("categories"))
    entry.section = categories[0] if categories else as_text(meta.get("section")) or None
    if entry.section is None and sections:
        entry.section = entry.section_folder = sections[0]
    entry.tags = tuple(as_list(meta.get("tags")) + categories[1:])
    entry.byline = as_text(meta.get("byline")) or byline_of(
        text_list(meta.get("authors")) or text_list(meta.get("author")))
    entry.standfirst = plain_text(as_text(meta.get("summary")) or as_text(
        meta.get("description")))
    entry.dateline = as_text(meta.get("dateline"))
    _dates(entry, source, stem)
    # Translations share a translationKey, else their path within the language's content.
    entry.translation_key = as_text(meta.get("translationkey")) or (
        "/".join([*sections, name]) if len(languages) > 1 else "")
    _urls(entry, source, sections, name, written_slug, language)
    params = meta.get("params") if isinstance(meta.get("params"), dict) else {}
    entry.body = convert_shortcodes(
        entry.body, params={**meta, **(params or {})}, site_params=site_variables(source.site),
        ref_path=lambda target: f"ref|{source.content_relative}|{target}",
        result=entry.conversion)
    return entry


def _dates(entry: Entry, source: Source, stem: str) -> None:
    meta = source.meta
    publish = _date(source, "publishdate", stem) or _date(source, "date", stem)
    entry.modified_at = _date(source, "lastmod", stem)
    expiry = _date(source, "expirydate", stem)
    draft = as_bool(meta.get("draft", False)) or as_text(meta.get("status")).lower() in (
        "draft", "hidden")
    if publish is None:
        publish = source.modified
        if not draft:
            source.warn("no date; used the file's modification time")
    entry.publish_at = publish
    entry.status = "draft" if draft else "published"
    if expiry is not None and not draft:
        if expiry <= datetime.now(expiry.tzinfo):
            entry.status = "draft"
            source.warn(f"expired on {expiry:%Y-%m-%d} (expiryDate): imported as a draft")
        else:
            source.warn(f"expires on {expiry:%Y-%m-%d} (expiryDate): Newsroom does not "
                        "unpublish by itself; unpublish it then")


def _permalink(pattern: str, entry: Entry, sections: tuple[str, ...], name: str) -> str:
    when = entry.publish_at or datetime(1970, 1, 1)
    values = {
        ":year": f"{when:%Y}", ":month": f"{when:%m}", ":monthname": f"{when:%B}".lower(),
        ":day": f"{when:%d}", ":weekday": str(when.isoweekday() % 7),
        ":weekdayname": f"{when:%A}".lower(), ":yearday": str(when.timetuple().tm_yday),
        ":section": sections[0] if sections else "", ":sections": "/".join(sections),
        ":title": entry.slug, ":slug": entry.source_slug or name, ":filename": name,
        ":slug_or_filename": entry.source_slug or name, ":contentbasename": name,
        ":slugorcontentbasename": entry.source_slug or name,
    }
    return re.sub(r":[a-z_]+", lambda m: values.get(m.group(0), m.group(0)), pattern)


def _urls(entry: Entry, source: Source, sections: tuple[str, ...], name: str,
          written_slug: str, language: str) -> None:
    meta, site = source.meta, source.site
    lower = not as_bool(site.setting("disablePathToLower", default=False))
    prefix = f"/{language}" if language and language != site.default_language else ""
    explicit = as_text(meta.get("url"))
    permalinks = site.setting("permalinks", default={})
    pattern = None
    if isinstance(permalinks, dict):
        section_key = sections[0] if sections else ""
        for key in (section_key, "page"):
            value = permalinks.get(key)
            if isinstance(value, dict):  # the newer form: permalinks.page.SECTION
                value = value.get(section_key)
            if isinstance(value, str):
                pattern = value
                break
    if explicit:
        canonical = explicit if explicit.startswith("/") else "/" + explicit
    elif pattern:
        canonical = prefix + _permalink(pattern, entry, sections, name)
    else:
        leaf = written_slug or name
        ugly = as_bool(site.setting("uglyURLs", default=False))
        canonical = prefix + "/" + "/".join([*sections, leaf]) + (".html" if ugly else "/")
    if lower and not explicit:
        canonical = canonical.lower()
    urls = [canonical]
    for alias in as_list(meta.get("aliases")):
        urls.append(alias if alias.startswith("/") else "/" + "/".join([*sections, alias]))
    add_urls(entry, urls, source.warn)


def section_names(entries: list[Entry]) -> dict[str, str]:
    """Section folder → the title its ``_index.md`` gives it."""
    return {entry.section: entry.section_title for entry in entries
            if entry.section and entry.section_title}


def name_sections(entries: list[Entry]) -> None:
    """Entries whose section is their folder take the name its ``_index.md`` gives it."""
    titles = section_names(entries)
    for entry in entries:
        if entry.section_folder in titles:
            entry.section = titles[entry.section_folder]
