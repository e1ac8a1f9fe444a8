"""The one projection of a story document into rows: ``stories`` and its children.

A revision is the truth; ``stories``, ``story_tags``, ``photo_placements`` and
``related_links`` show its head for lists, search and export. A single save
(:func:`cms.revisions.project_head`), an initial sync (:mod:`cms.sync.project`)
and a bulk load (:mod:`cms.bulk`) all build their rows here, so a new story field
is projected in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from cms.document import StoryDocument

Row = dict[str, object]


def story_values(doc: StoryDocument) -> Row:
    """The ``stories`` columns that come from the document itself."""
    return {
        "slug": doc.slug,
        "headline": doc.headline,
        "standfirst": doc.standfirst,
        "body": doc.body,
        "byline": doc.byline,
        "dateline": doc.dateline,
        "section": doc.section,
        "tags": json.dumps(list(doc.tags), ensure_ascii=False),
        "aliases": json.dumps(list(doc.aliases), ensure_ascii=False),
        "status": doc.status,
        "publish_at": doc.publish_at,
        "embargo_until": doc.embargo_until,
        "correction": doc.correction,
        "language": doc.language,
        "word_count": len(doc.body.split()),
    }


def new_story_row(doc: StoryDocument, rev_id: str, *, author: str, at: datetime) -> Row:
    """A whole new ``stories`` row showing ``doc`` at revision ``rev_id``."""
    return {
        "id": doc.story_id, "created_at": at, "created_by": author, "updated_at": at,
        "updated_by": author, "revision_id": rev_id, **story_values(doc),
    }


@dataclass(frozen=True)
class Children:
    """The rows of a story's tags, photo placements and "Read next" links."""

    tags: list[Row]
    photos: list[Row]
    links: list[Row]


def children(doc: StoryDocument) -> Children:
    """The child rows that show ``doc``'s tags, photos and links, in its order."""
    story_id = doc.story_id
    return Children(
        tags=[{"story_id": story_id, "tag": tag} for tag in doc.tags],
        photos=[
            {"id": p.id, "story_id": story_id, "sha256": p.sha256, "caption": p.caption,
             "credit": p.credit, "alt": p.alt, "role": p.role, "position": n}
            for n, p in enumerate(doc.photos)
        ],
        links=[
            {"id": link.id, "story_id": story_id, "target_story_id": link.target_story_id,
             "url": link.url, "label": link.label, "position": n,
             "visible_from": link.visible_from, "visible_until": link.visible_until}
            for n, link in enumerate(doc.related)
        ],
    )
