"""The story document: what a revision snapshots, and how it hashes.

A revision id is the SHA-256 of ``{"document": canonical, "parents": [...]}``
serialised with sorted keys and no insignificant white space. Everything that
can differ between two stores without the content differing (newline style,
tag order duplicates, microseconds, time zone of a timestamp) is normalised
first, so the same document gives the same id on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from cms.timeutil import from_iso, isoformat, truncate

DOCUMENT_FORMAT = 1
PHOTO_ROLES = ("lead", "inline")


def normalise_text(text: str) -> str:
    """One newline style (LF) and NFC, so CRLF and LF copies of a text are the same text."""
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def normalise_line(text: str) -> str:
    """A single-line field: normalised, inner newlines folded to spaces, ends trimmed."""
    return " ".join(normalise_text(text).split("\n")).strip()


def normalise_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags trimmed, lower-cased, without empties or duplicates, in first-seen order."""
    seen: dict[str, None] = {}
    for tag in tags:
        clean = normalise_line(tag).lower()
        if clean:
            seen.setdefault(clean, None)
    return tuple(seen)


def normalise_language(tag: str) -> str:
    """A language tag in its usual case (``en-GB``, ``zh-Hant-TW``, ``ko``), ``_`` read as ``-``.

    BCP 47 tags are case-insensitive; the conventional form writes the language
    in lower case, a four-letter script in title case and a region in upper case.
    """
    parts = normalise_line(tag).replace("_", "-").split("-")
    out: list[str] = []
    for n, part in enumerate(parts):
        if n == 0 or any(len(seen) == 1 for seen in out) or len(part) == 1:
            out.append(part.lower())  # the language, and extensions and private use after it
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def _time(value: datetime | None) -> datetime | None:
    return truncate(value) if value is not None else None


@dataclass(frozen=True)
class PhotoRef:
    """A photo placed on a story: the blob hash and this story's words about it."""

    id: str
    sha256: str
    caption: str = ""
    credit: str = ""
    alt: str = ""
    role: str = "inline"

    def canonical(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sha256": self.sha256,
            "caption": normalise_text(self.caption).strip(),
            "credit": normalise_line(self.credit),
            "alt": normalise_line(self.alt),
            "role": self.role,
        }


@dataclass(frozen=True)
class LinkRef:
    """A "Read next" entry: a story id or an external URL, with its label and window."""

    id: str
    target_story_id: str | None = None
    url: str | None = None
    label: str = ""
    visible_from: datetime | None = None
    visible_until: datetime | None = None

    @property
    def target(self) -> str:
        """The story id or the URL, whichever this link points at."""
        return self.target_story_id or self.url or ""

    def canonical(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "target_story_id": self.target_story_id,
            "url": self.url,
            "label": normalise_line(self.label),
            "visible_from": isoformat(_time(self.visible_from)),
            "visible_until": isoformat(_time(self.visible_until)),
        }


@dataclass(frozen=True)
class StoryDocument:
    """Everything a story is, as one immutable value."""

    story_id: str
    slug: str
    headline: str
    standfirst: str = ""
    body: str = ""
    byline: str = ""
    dateline: str = ""
    section: str | None = None
    tags: tuple[str, ...] = ()
    status: str = "draft"
    publish_at: datetime | None = None
    embargo_until: datetime | None = None
    correction: str = ""
    photos: tuple[PhotoRef, ...] = field(default=())
    related: tuple[LinkRef, ...] = field(default=())
    deleted: bool = False
    # Old site-relative URLs of the story (``/2012/10/31/old-post/``): redirect pages.
    aliases: tuple[str, ...] = ()
    # The story's language (a BCP 47 tag: ``en``, ``en-GB``, ``ko``); empty: the desk's.
    language: str = ""

    def canonical(self) -> dict[str, Any]:
        """The normalised JSON-ready form that is hashed and stored."""
        canonical: dict[str, Any] = {
            "format": DOCUMENT_FORMAT,
            "story_id": self.story_id,
            "slug": self.slug,
            "headline": normalise_line(self.headline),
            "standfirst": normalise_text(self.standfirst).strip(),
            "body": normalise_text(self.body),
            "byline": normalise_line(self.byline),
            "dateline": normalise_line(self.dateline),
            "section": self.section,
            "tags": list(normalise_tags(self.tags)),
            "status": self.status,
            "publish_at": isoformat(_time(self.publish_at)),
            "embargo_until": isoformat(_time(self.embargo_until)),
            "correction": normalise_text(self.correction).strip(),
            "photos": [p.canonical() for p in self.photos],
            "related": [link.canonical() for link in self.related],
            "deleted": self.deleted,
        }
        if self.aliases:  # absent when empty: every earlier revision keeps its id
            canonical["aliases"] = sorted(set(self.aliases))
        language = normalise_language(self.language or "")
        if language:  # absent when empty, as aliases: earlier revisions keep their ids
            canonical["language"] = language
        return canonical

    def normalised(self) -> StoryDocument:
        """This document as it reads back after a save (normalised fields and times)."""
        return document_from_canonical(self.canonical())

    def evolve(self, **changes: Any) -> StoryDocument:
        """A copy with some fields changed."""
        return replace(self, **changes)


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, compact separators, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def revision_id(document: StoryDocument | Mapping[str, Any], parents: Iterable[str]) -> str:
    """The content address of a revision: SHA-256 of the document plus its parents."""
    canonical = document.canonical() if isinstance(document, StoryDocument) else document
    payload = canonical_json({"document": canonical, "parents": sorted(parents)})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def document_from_canonical(data: Mapping[str, Any]) -> StoryDocument:
    """Rebuild a document from its canonical JSON form."""
    return StoryDocument(
        story_id=data["story_id"],
        slug=data["slug"],
        headline=data["headline"],
        standfirst=data.get("standfirst", ""),
        body=data.get("body", ""),
        byline=data.get("byline", ""),
        dateline=data.get("dateline", ""),
        section=data.get("section"),
        tags=tuple(data.get("tags", ())),
        status=data.get("status", "draft"),
        publish_at=from_iso(data.get("publish_at")),
        embargo_until=from_iso(data.get("embargo_until")),
        correction=data.get("correction", ""),
        photos=tuple(
            PhotoRef(
                id=p["id"],
                sha256=p["sha256"],
                caption=p.get("caption", ""),
                credit=p.get("credit", ""),
                alt=p.get("alt", ""),
                role=p.get("role", "inline"),
            )
            for p in data.get("photos", ())
        ),
        related=tuple(
            LinkRef(
                id=r["id"],
                target_story_id=r.get("target_story_id"),
                url=r.get("url"),
                label=r.get("label", ""),
                visible_from=from_iso(r.get("visible_from")),
                visible_until=from_iso(r.get("visible_until")),
            )
            for r in data.get("related", ())
        ),
        deleted=bool(data.get("deleted", False)),
        aliases=tuple(data.get("aliases", ())),
        language=data.get("language", ""),
    )


def document_from_json(text: str) -> StoryDocument:
    """Parse a stored revision's content."""
    return document_from_canonical(json.loads(text))
