"""One source file as the story it becomes, and the rules every generator shares.

Each generator module (:mod:`~cms.importing.hugo`, :mod:`~cms.importing.jekyll`,
:mod:`~cms.importing.pelican`) turns a parsed file into an :class:`Entry`: the
story's fields, the file's old URLs, its language and translation group, and
notes for the editor. The helpers here are the conventions they share.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from cms.aliases import check_alias
from cms.errors import UsageError
from cms.frontmatter import ParsedFile, as_text
from cms.importing.dates import parse_import_date
from cms.importing.sites import Site
from cms.importing.templates import Conversion
from cms.render import render_markdown
from cms.slugs import MAX_SLUG, is_slug, slugify

_ATX = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^(\S[^\n]*)\n=+\s*$")
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class Source:
    """A parsed file and what is known around it."""

    site: Site
    relative: str  # site-relative path: the file's identity
    content_relative: str  # relative to its content folder (for URLs)
    content_language: str  # the language of its content folder ('' for none)
    parsed: ParsedFile
    tz: ZoneInfo
    modified: datetime  # the file's modification time (UTC)
    warn: Callable[[str], None]

    @property
    def meta(self) -> dict[str, Any]:
        """The file's metadata, keys lower-cased."""
        return self.parsed.meta


@dataclass
class Entry:
    """A file's story, before it meets the store."""

    relative: str
    generator: str
    headline: str
    body: str
    slug: str  # the slug it wants
    source_slug: str = ""  # the slug the source site used
    standfirst: str = ""
    byline: str = ""
    dateline: str = ""
    section: str | None = None  # a display name
    tags: tuple[str, ...] = ()
    status: str = "published"
    publish_at: datetime | None = None
    modified_at: datetime | None = None
    language: str = ""
    # The language the file names for itself (front matter ``lang``/``language``, or a
    # translation's file or folder): the story's own language. '' when only assumed.
    story_language: str = ""
    translation_key: str = ""
    urls: list[str] = field(default_factory=list)  # old site-relative URLs, canonical first
    conversion: Conversion = field(default_factory=Conversion)
    skipped: str = ""  # why the file is not a story ('' when it is one)
    section_title: str = ""  # an _index.md's title: the name of its section
    section_folder: str = ""  # the content folder its section came from ('' if metadata)
    hides_folder: str = ""  # a Hugo _index.md whose cascade renders nothing below it

    @property
    def notes(self) -> list[str]:
        """What the editor should look at (template code that could not be converted)."""
        return self.conversion.notes


def stated_language(meta: Mapping[str, object]) -> str:
    """The language front matter states (``lang``, else ``language``), '' for none."""
    return as_text(meta.get("lang")) or as_text(meta.get("language"))


def headline_and_body(title: str, body: str) -> tuple[str, str]:
    """The headline (the metadata's title, else a first ATX or setext heading, which then
    leaves the body: the page shows it as the headline) and the body."""
    if title:
        return title, body
    stripped = body.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    atx = _ATX.match(first)
    if atx:
        return atx.group(1).strip(), rest.lstrip("\n")
    second, _, after = rest.partition("\n")
    setext = _SETEXT.match(f"{first}\n{second}")
    if setext and not first.lstrip().startswith(("-", "*", ">", "|")):
        return setext.group(1).strip(), after.lstrip("\n")
    return "", body


def fallback_headline(relative: str, warn: Callable[[str], None]) -> str:
    """A headline from the file's name, for a file with no title at all (said in a warning)."""
    stem = PurePosixPath(relative).stem
    words = re.sub(r"[-_]+", " ", re.sub(r"^\d{4}-\d{2}-\d{2}[-_]?", "", stem)).strip()
    warn("no title in its metadata and no heading: the headline is its file name")
    return words[:1].upper() + words[1:] if words else stem


def byline_of(authors: list[str]) -> str:
    """Authors as one byline: ``A, B and C``, or ``Smith, John; Doe, Jane`` when the names
    themselves hold commas."""
    authors = list(dict.fromkeys(a.strip() for a in authors if a.strip()))
    if not authors:
        return ""
    if any("," in name for name in authors):
        return "; ".join(authors)
    if len(authors) == 1:
        return authors[0]
    return ", ".join(authors[:-1]) + " and " + authors[-1]


def plain_text(markdown_text: str) -> str:
    """A standfirst written in Markdown as the plain words readers should see."""
    text = " ".join(markdown_text.split())
    if not text:
        return ""
    if not re.search(r"[*_`\[<&#]", text):
        return text
    return " ".join(html.unescape(_TAGS.sub("", render_markdown(text))).split())


def split_people(value: Any, *, semicolons: bool) -> list[str]:
    """Author or tag values: a list, or text split on ``;`` when it has one (Pelican's rule,
    names may hold commas) else on ``,``."""
    if isinstance(value, list | tuple):
        return [as_text(v) for v in value if as_text(v)]
    text = as_text(value)
    if not text:
        return []
    separator = ";" if semicolons and ";" in text else ","
    return [part.strip() for part in text.split(separator) if part.strip()]


def date_of(value: Any, source: Source, what: str) -> datetime | None:
    """A metadata date, or None when absent; a bad one raises with the field's name."""
    if value is None or value == "":
        return None
    try:
        return parse_import_date(value, source.tz, source.warn)
    except UsageError as exc:
        raise UsageError(f"{what}: {exc}") from None


def choose_slug(written: str, derived_from: str, source: Source) -> str:
    """The slug a file wants: one written in its metadata as written when it is URL-safe
    (lower-cased if need be), else made from ``derived_from``."""
    clean = written.strip().strip("/")
    if clean:
        if is_slug(clean):
            return clean
        if is_slug(clean.lower()):
            return clean.lower()
        made = slugify(clean, max_length=MAX_SLUG)
        source.warn(f"the slug {clean!r} is not URL-safe here: the story is {made!r} "
                    "(its old URL redirects)")
        return made
    if is_slug(derived_from):
        return derived_from
    return slugify(derived_from)


def old_url(path: str, warn: Callable[[str], None] | None = None) -> str | None:
    """A site-relative URL path as an alias (percent-encoded; query and fragment dropped),
    or None when it cannot be one."""
    text = path.strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https"):
            return None
        text = parts.path or "/"
    else:
        text = parts.path
    text = "/" + text.lstrip("/")
    text = re.sub(r"/{2,}", "/", text)
    encoded = quote(text, safe="/-._~!$&'()*+,;=:@%")
    try:
        return check_alias(encoded)
    except UsageError as exc:
        if warn is not None:
            warn(f"old URL {path!r} not kept: {exc}")
        return None


def add_urls(entry: Entry, paths: list[str], warn: Callable[[str], None]) -> None:
    """Add old URLs to ``entry`` (each once, checked)."""
    for path in paths:
        url = old_url(path, warn)
        if url is not None and url not in entry.urls:
            entry.urls.append(url)


def text_list(value: Any) -> list[str]:
    """A metadata value that may be one text or a list of texts."""
    if isinstance(value, list | tuple):
        return [as_text(v) for v in value if as_text(v)]
    text = as_text(value)
    return [text] if text else []
