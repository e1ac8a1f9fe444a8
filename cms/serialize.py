"""Stories as plain JSON-ready dictionaries (the CLI's ``--json`` and scripts use these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from cms.document import StoryDocument
from cms.stories import StorySummary, story_row


def local_iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    """ISO 8601 in the desk zone, with its offset (``2024-12-23T14:05:00+09:00``)."""
    return None if value is None else value.astimezone(tz).isoformat(timespec="seconds")


def story_json(
    session: Session, document: StoryDocument, revision: str, tz: ZoneInfo
) -> dict[str, Any]:
    """Everything about a story, as ``newsroom story show --json`` prints it."""
    row = story_row(session, document.story_id)
    return {
        "id": document.story_id,
        "slug": document.slug,
        "headline": document.headline,
        "standfirst": document.standfirst,
        "body": document.body,
        "byline": document.byline,
        "dateline": document.dateline,
        "section": document.section,
        "tags": list(document.tags),
        "status": document.status,
        "publish_at": local_iso(document.publish_at, tz),
        "embargo_until": local_iso(document.embargo_until, tz),
        "correction": document.correction,
        "language": document.language,
        "revision": revision,
        "created_at": local_iso(row.created_at, tz),
        "updated_at": local_iso(row.updated_at, tz),
        "created_by": row.created_by,
        "updated_by": row.updated_by,
        "word_count": row.word_count,
        "photos": [
            {
                "id": photo.id,
                "sha256": photo.sha256,
                "caption": photo.caption,
                "credit": photo.credit,
                "alt": photo.alt,
                "role": photo.role,
            }
            for photo in document.photos
        ],
        "related": [
            {
                "id": link.id,
                "target": link.target,
                "label": link.label,
                "visible_from": local_iso(link.visible_from, tz),
                "visible_until": local_iso(link.visible_until, tz),
            }
            for link in document.related
        ],
    }


def summary_json(summary: StorySummary, tz: ZoneInfo) -> dict[str, Any]:
    """One story list row."""
    return {
        "id": summary.id,
        "slug": summary.slug,
        "headline": summary.headline,
        "section": summary.section,
        "status": summary.status,
        "byline": summary.byline,
        "publish_at": local_iso(summary.publish_at, tz),
        "embargo_until": local_iso(summary.embargo_until, tz),
        "updated_at": local_iso(summary.updated_at, tz),
        "revision": summary.revision_id,
        "word_count": summary.word_count,
    }
