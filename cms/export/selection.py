"""What is published as of a time: the stories, photos and links an export shows.

Reads the ``stories`` projection with a few Core queries (no ORM objects, no
revision JSON), because an export of 10,000 stories must start in a blink.
Bodies are loaded separately, only for the pages that need rendering.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.config import all_settings
from cms.export.paths import is_safe_slug
from cms.models import Blob, PhotoPlacement, RelatedLink, Section, Story
from cms.visibility import PUBLIC_STATUSES, link_visible

_CHUNK = 900  # below SQLite's bound-parameter limit


@dataclass(frozen=True, slots=True)
class Photo:
    """A photo placed on a story, with the blob facts the page needs."""

    id: str
    sha256: str
    caption: str
    credit: str
    alt: str
    role: str
    width: int | None
    height: int | None
    media_type: str


@dataclass(frozen=True, slots=True)
class Link:
    """A "Read next" entry as stored (visibility is decided later, as of the export time)."""

    id: str
    target_story_id: str | None
    url: str | None
    label: str
    visible_from: datetime | None
    visible_until: datetime | None


@dataclass(slots=True, eq=False)
class PublicStory:
    """A story that is public as of the export time, without its body (treat as read-only)."""

    id: str
    slug: str
    headline: str
    standfirst: str
    byline: str
    dateline: str
    section: str | None
    tags: tuple[str, ...]
    status: str
    publish_at: datetime
    embargo_until: datetime | None
    modified_at: datetime | None
    correction: str
    revision_id: str
    photos: tuple[Photo, ...]
    links: tuple[Link, ...]

    @property
    def lead_photo(self) -> Photo | None:
        """The photo marked lead, else the first photo, else None."""
        for photo in self.photos:
            if photo.role == "lead":
                return photo
        return self.photos[0] if self.photos else None


@dataclass(frozen=True)
class SectionInfo:
    """A desk section."""

    slug: str
    name: str
    position: int


@dataclass
class Selection:
    """Everything public as of ``as_of``, newest first, plus what was skipped and why."""

    as_of: datetime
    settings: dict[str, str]
    sections: list[SectionInfo]
    stories: list[PublicStory]
    skipped: list[tuple[str, str]]

    def by_id(self) -> dict[str, PublicStory]:
        """The stories keyed by id."""
        return {story.id: story for story in self.stories}


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _modified(created: datetime, updated: datetime, publish_at: datetime, as_of: datetime
              ) -> datetime | None:
    # Only a real edit after publication counts as an update: an imported or
    # back-dated story saved once is not "updated" on the day it was imported.
    if updated > created and updated > publish_at and updated <= as_of:
        return updated
    return None


def select_public(session: Session, as_of: datetime) -> Selection:
    """Every story public as of ``as_of``, newest first."""
    settings = all_settings(session)
    sections = [
        SectionInfo(row.slug, row.name, row.position)
        for row in session.execute(
            sa.select(Section.slug, Section.name, Section.position).order_by(
                Section.position, Section.slug
            )
        )
    ]
    columns = (
        Story.id, Story.slug, Story.headline, Story.standfirst, Story.byline, Story.dateline,
        Story.section, Story.tags, Story.status, Story.publish_at, Story.embargo_until,
        Story.correction, Story.revision_id, Story.created_at, Story.updated_at,
    )
    # What cms.visibility.is_story_visible decides, said in SQL, so that rows of stories
    # that are not public are never fetched.
    candidates = (
        Story.status.in_(sorted(PUBLIC_STATUSES)), Story.publish_at <= as_of,
        sa.or_(Story.embargo_until.is_(None), Story.embargo_until <= as_of),
    )
    query = sa.select(*columns).where(*candidates)
    skipped: list[tuple[str, str]] = []
    stories: list[PublicStory] = []
    no_photos: list[Photo] = []
    no_links: list[Link] = []
    # Children of every candidate in one query each (not IN-lists of thousands of ids).
    candidate_ids = sa.select(Story.id).where(*candidates).scalar_subquery()
    photos = _photos(session, candidate_ids)
    links = _links(session, candidate_ids)
    loads = json.loads
    # Core rows (no ORM layer) as plain tuples, unpacked: this loop runs once per
    # published story on every export.
    for (story_id, slug, headline, standfirst, byline, dateline, section, tags, status,
         publish_at, embargo_until, correction, revision_id, created_at, updated_at
         ) in session.connection().execute(query):
        if publish_at is None:  # never: the query wants publish_at <= as_of
            continue
        if not is_safe_slug(slug):
            skipped.append((slug, "its slug cannot name a folder safely"))
            continue
        stories.append(PublicStory(
            story_id, slug, headline, standfirst, byline, dateline,
            # A section slug that cannot name a file (a hand-edited store): no section page.
            section if section is None or is_safe_slug(section) else None,
            tuple(loads(tags)) if tags != "[]" else (), status, publish_at, embargo_until,
            _modified(created_at, updated_at, publish_at, as_of), correction, revision_id,
            tuple(photos.get(story_id, no_photos)), tuple(links.get(story_id, no_links)),
        ))
    stories.sort(key=lambda s: (-s.publish_at.timestamp(), s.id))
    return Selection(as_of, settings, sections, stories, sorted(skipped))


def _photos(session: Session, ids: sa.ScalarSelect[str]) -> dict[str, list[Photo]]:
    result: dict[str, list[Photo]] = defaultdict(list)
    query = (
        sa.select(
            PhotoPlacement.story_id, PhotoPlacement.id, PhotoPlacement.sha256,
            PhotoPlacement.caption, PhotoPlacement.credit, PhotoPlacement.alt,
            PhotoPlacement.role, Blob.width, Blob.height, Blob.media_type,
        )
        .join(Blob, Blob.sha256 == PhotoPlacement.sha256)
        .where(PhotoPlacement.story_id.in_(ids))
        .order_by(PhotoPlacement.story_id, PhotoPlacement.position)
    )
    for row in session.connection().execute(query):
        result[row.story_id].append(Photo(
            id=row.id, sha256=row.sha256, caption=row.caption, credit=row.credit,
            alt=row.alt, role=row.role, width=row.width, height=row.height,
            media_type=row.media_type,
        ))
    return result


def _links(session: Session, ids: sa.ScalarSelect[str]) -> dict[str, list[Link]]:
    result: dict[str, list[Link]] = defaultdict(list)
    query = (
        sa.select(
            RelatedLink.story_id, RelatedLink.id, RelatedLink.target_story_id,
            RelatedLink.url, RelatedLink.label, RelatedLink.visible_from,
            RelatedLink.visible_until,
        )
        .where(RelatedLink.story_id.in_(ids))
        .order_by(RelatedLink.story_id, RelatedLink.position)
    )
    for row in session.connection().execute(query):
        result[row.story_id].append(Link(
            id=row.id, target_story_id=row.target_story_id, url=row.url, label=row.label,
            visible_from=row.visible_from, visible_until=row.visible_until,
        ))
    return result


def load_bodies(session: Session, ids: Iterable[str]) -> dict[str, str]:
    """The Markdown bodies of the given stories."""
    wanted = sorted(set(ids))
    bodies: dict[str, str] = {}
    for chunk in _chunks(wanted):
        bodies.update(session.execute(
            sa.select(Story.id, Story.body).where(Story.id.in_(chunk))
        ).all())
    return bodies


def visible_links(
    story: PublicStory, as_of: datetime, public: dict[str, PublicStory]
) -> list[Link]:
    """The story's "Read next" links that show as of ``as_of``, in their order.

    A link to a story needs that story in ``public`` (published, not killed, not
    embargoed); a link to a URL needs an http(s) address.
    """
    shown = []
    for link in story.links:
        if link.target_story_id is None and not (link.url or "").startswith(
            ("https://", "http://")
        ):
            continue
        if link.target_story_id == story.id:
            continue
        if link_visible(link, as_of, lambda target: target in public):
            shown.append(link)
    return shown
