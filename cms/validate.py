"""What a story document must be, whoever wrote it and however it arrived.

The checks a local save makes (:func:`cms.stories.save` calls
:func:`check_document`) are the checks a sync makes on every revision that
arrives (:func:`document_problems`): a hostile or broken copy of the app cannot
place a slug that leaves the site folder, a ``javascript:`` link, a photo that
is not a SHA-256, or a field longer than the store's columns — such a revision
is quarantined, not stored in the revision graph (:mod:`cms.sync.transfer`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from functools import partial
from urllib.parse import urlsplit

from cms.aliases import check_aliases
from cms.document import (
    PHOTO_ROLES,
    LinkRef,
    PhotoRef,
    StoryDocument,
    normalise_language,
    normalise_line,
)
from cms.errors import UsageError
from cms.slugs import validate_slug

MAX_HEADLINE = 500
MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_STANDFIRST = 5000
MAX_BYLINE = 300
MAX_DATELINE = 200
MAX_TAG = 100
MAX_TAGS = 100
MAX_CORRECTION = 20_000
MAX_CAPTION = 2000
MAX_CREDIT = 300
MAX_ALT = 1000
MAX_LABEL = 300
MAX_URL = 2000
MAX_PHOTOS = 500
MAX_LINKS = 200
_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,35}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_LANGUAGE = 35
# A well-formed BCP 47 tag (RFC 5646): language, extlang, script, region, variants,
# extensions, private use; checked on the normalised tag, case-insensitively. The
# reserved and registered 4-8 letter languages are left out: "english" is a mistake.
_LANGUAGE = re.compile(
    r"[a-z]{2,3}(?:-[a-z]{3}){0,3}"  # language (ISO 639) and extended language subtags
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"  # variants
    r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"  # extensions
    r"(?:-x(?:-[a-z0-9]{1,8})+)?",  # private use
    re.IGNORECASE,
)


def check_headline(headline: str) -> str:
    """A headline: one non-empty line of sensible length."""
    clean = normalise_line(headline)
    if not clean:
        raise UsageError("the headline is empty")
    if len(clean) > MAX_HEADLINE:
        raise UsageError(f"the headline is longer than {MAX_HEADLINE} characters")
    return clean


def check_body(body: str) -> str:
    """A body: text under the size limit, no NUL characters."""
    if "\x00" in body:
        raise UsageError("the body contains NUL characters (is it a binary file?)")
    if len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise UsageError(f"the body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB")
    return body


def check_link_url(text: str) -> str:
    """A "Read next" URL: http or https, with a host, no spaces or control characters."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(text) > MAX_URL or any(
        ch.isspace() or not ch.isprintable() for ch in text
    ):
        raise UsageError(f"invalid link {text[:80]!r}: give a story id or slug, or an http(s) URL")
    return text


def check_language(tag: str) -> str:
    """A story's language: empty (the desk's) or a well-formed BCP 47 tag, normalised."""
    clean = normalise_language(tag)
    if clean and (len(clean) > MAX_LANGUAGE or not _LANGUAGE.fullmatch(clean)):
        raise UsageError(f"invalid language {tag[:40]!r}: give a language tag such as en, "
                         "en-GB or ko (or nothing for the desk's language)")
    return clean


def _text(what: str, value: str, limit: int) -> None:
    if "\x00" in value:
        raise UsageError(f"the {what} contains NUL characters")
    if len(value) > limit:
        raise UsageError(f"the {what} is longer than {limit} characters")


def _photo(photo: PhotoRef) -> None:
    if not _ID.fullmatch(photo.id):
        raise UsageError(f"a photo placement has an invalid id {photo.id[:40]!r}")
    if not _SHA256.fullmatch(photo.sha256):
        raise UsageError(f"a photo names {photo.sha256[:70]!r}, which is not a SHA-256")
    if photo.role not in PHOTO_ROLES:
        raise UsageError(f"unknown photo role {photo.role[:40]!r}")
    _text("caption", photo.caption, MAX_CAPTION)
    _text("credit", photo.credit, MAX_CREDIT)
    _text("alt text", photo.alt, MAX_ALT)


def _link(link: LinkRef) -> None:
    if not _ID.fullmatch(link.id):
        raise UsageError(f"a Read next link has an invalid id {link.id[:40]!r}")
    if (link.target_story_id is None) == (link.url is None):
        raise UsageError("a Read next link must name either a story or a URL")
    if link.target_story_id is not None and not _ID.fullmatch(link.target_story_id):
        raise UsageError(f"a Read next link names an invalid story {link.target_story_id[:40]!r}")
    if link.url is not None:
        check_link_url(link.url)
    _text("link label", link.label, MAX_LABEL)
    if link.visible_from and link.visible_until and link.visible_until <= link.visible_from:
        raise UsageError("a Read next link's window ends before it starts")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise UsageError(message)


def _checks(doc: StoryDocument, statuses: Collection[str]) -> Iterator[Callable[[], object]]:
    """Each check of ``doc``, in the order a person would want to hear about them."""
    yield lambda: _require(bool(_ID.fullmatch(doc.story_id)),
                           f"invalid story id {doc.story_id[:40]!r}")
    yield lambda: check_headline(doc.headline)
    yield lambda: check_body(doc.body)
    yield lambda: validate_slug(doc.slug)
    yield lambda: check_aliases(doc.aliases)
    yield lambda: doc.section is None or validate_slug(doc.section)
    yield lambda: _require(doc.status in statuses, f"unknown status {doc.status[:40]!r}")
    yield lambda: _text("standfirst", doc.standfirst, MAX_STANDFIRST)
    yield lambda: _text("byline", doc.byline, MAX_BYLINE)
    yield lambda: _text("dateline", doc.dateline, MAX_DATELINE)
    yield lambda: _text("correction", doc.correction, MAX_CORRECTION)
    yield lambda: check_language(doc.language)
    yield lambda: _require(len(doc.tags) <= MAX_TAGS, f"more than {MAX_TAGS} tags")
    for tag in doc.tags:
        yield partial(_text, "tag", tag, MAX_TAG)
    yield lambda: _require(len(doc.photos) <= MAX_PHOTOS, f"more than {MAX_PHOTOS} photos")
    for photo in doc.photos:
        yield partial(_photo, photo)
    yield lambda: _require(len(doc.related) <= MAX_LINKS, f"more than {MAX_LINKS} links")
    for link in doc.related:
        yield partial(_link, link)


def check_document(doc: StoryDocument, statuses: Collection[str]) -> None:
    """Raise :class:`UsageError` for the first thing wrong with ``doc``."""
    for check in _checks(doc, statuses):
        check()


def document_problems(doc: StoryDocument, statuses: Collection[str]) -> list[str]:
    """Everything wrong with ``doc`` (empty: a local save would take it)."""
    problems: list[str] = []
    for check in _checks(doc, statuses):
        try:
            check()
        except UsageError as exc:
            problems.append(str(exc))
    return problems
