"""What is published as of a time: the stories, photos and links an export shows.

Reads the ``stories`` projection with a few Core queries (no ORM objects, no
revision JSON), because an export of 10,000 stories must start in a blink.
Bodies are loaded separately, only for the pages that need rendering.

Given the selection of an earlier export (:class:`Known`, kept by the export
cache), only the stories that changed since are read again: those with a
revision numbered after the store's log position then (every saved, pulled or
pushed revision gets the next number, see :mod:`cms.revlog`), plus
those whose projection sync had not settled yet. Time alone changes a
selection too (a publication time or an embargo passes, an edit's time is
reached), so a selection also says when it next would: until then, and with
the store's log still the same history, the earlier selection plus the
stories read again is exactly what a full read gives.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.config import all_settings
from cms.export.paths import is_safe_slug, is_story_slug
from cms.models import Blob, PhotoPlacement, RelatedLink, RevisionSeq, Section, Story, SyncDirty
from cms.revlog import chain_at, last_seq
from cms.visibility import PUBLIC_STATUSES, is_story_visible, link_visible

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
    aliases: tuple[str, ...] = ()  # old URLs: redirect pages (cms.export.redirects)
    language: str = ""  # the story's language tag; empty: the desk's (Site.language_of)

    @property
    def updated(self) -> datetime:
        """When it last changed as readers see it: its update time, else its publication."""
        return self.modified_at or self.publish_at

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
class Known:
    """What an earlier selection found, for reading only what changed since.

    ``skipped`` maps a story id to ``(slug, why)``; ``unsettled`` are stories
    sync had yet to project then; ``next_change`` is the first time after
    ``as_of`` at which the selection changes by time alone (None: never).
    """

    seq: int
    chain: str
    as_of: datetime
    next_change: datetime | None
    unsettled: frozenset[str]
    stories: list[PublicStory]
    skipped: dict[str, tuple[str, str]]
    count: int = 0  # how many stories it holds (``stories`` may be left undecoded)


@dataclass
class Selection:
    """Everything public as of ``as_of``, newest first, plus what was skipped and why.

    ``reread`` names the stories read from the store when the rest came from a
    :class:`Known` selection (None: every story was read).
    """

    as_of: datetime
    settings: dict[str, str]
    sections: list[SectionInfo]
    stories: list[PublicStory]
    skipped_by_id: dict[str, tuple[str, str]]
    seq: int = 0
    chain: str = ""
    next_change: datetime | None = None
    unsettled: frozenset[str] = frozenset()
    reread: frozenset[str] | None = field(default=None)

    @property
    def skipped(self) -> list[tuple[str, str]]:
        """``(slug, why)`` for each story left out because it cannot be exported."""
        return sorted(self.skipped_by_id.values())

    def by_id(self) -> dict[str, PublicStory]:
        """The stories keyed by id."""
        return {story.id: story for story in self.stories}

    def known(self) -> Known:
        """This selection as the starting point of the next one."""
        return Known(self.seq, self.chain, self.as_of, self.next_change, self.unsettled,
                     self.stories, self.skipped_by_id, len(self.stories))


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


def select_public(session: Session, as_of: datetime, known: Known | None = None) -> Selection:
    """Every story public as of ``as_of``, newest first.

    With ``known`` (an earlier selection from the same store), only the stories
    that changed since are read, when that gives the same answer (see above).
    """
    if known is not None:
        selection = select_changed(session, as_of, known)
        if selection is not None:  # ``known`` with the changed stories read again
            ids = selection.reread or frozenset()
            selection.stories += [story for story in known.stories if story.id not in ids]
            selection.skipped_by_id.update(
                {sid: why for sid, why in known.skipped.items() if sid not in ids})
            selection.stories = newest_first(selection.stories)
            return selection
    # Nothing to build on, or so much changed that reading everything is as quick.
    selection = _head(session, as_of)
    _read_all(session, selection)
    selection.stories = newest_first(selection.stories)
    return selection


def newest_first(stories: Iterable[PublicStory]) -> list[PublicStory]:
    """``stories`` in the site's order: newest publication first, ties by id."""
    return sorted(stories, key=lambda s: (-s.publish_at.timestamp(), s.id))


def select_changed(session: Session, as_of: datetime, known: Known) -> Selection | None:
    """The stories changed since ``known``, read again: a selection holding the public
    ones among them (``reread`` names them all, public or not) and what every selection
    holds besides (settings, sections, log position, when it changes next).

    None when ``known`` cannot be built on (another history, an earlier or a later
    time than it holds for) or so much changed that reading everything is as quick.
    ``known.stories`` is not used: a quick re-export builds on a kept selection
    without decoding it.
    """
    selection = _head(session, as_of)
    changed = _changed_since(session, known, as_of, selection.seq)
    if changed is None:
        return None
    changed |= selection.unsettled | known.unsettled
    if len(changed) > _CHUNK:
        return None
    selection.next_change = known.next_change
    selection.reread = frozenset(changed)
    if changed:
        wanted = sorted(changed)
        _read(session, selection, (Story.id.in_(wanted),), wanted, check=True)
    return selection


def _head(session: Session, as_of: datetime) -> Selection:
    """A selection without stories yet: settings, sections and the log position."""
    # The log position first: whatever commits after this point gets a later number,
    # so the next selection reads it again. (Read after the stories, a revision
    # committed in between would be counted as seen without having been read.)
    seq, chain = last_seq(session)
    settings = all_settings(session)
    sections = [
        SectionInfo(row.slug, row.name, row.position)
        for row in session.execute(
            sa.select(Section.slug, Section.name, Section.position).order_by(
                Section.position, Section.slug
            )
        )
    ]
    unsettled = frozenset(session.scalars(sa.select(SyncDirty.story_id)))
    return Selection(as_of, settings, sections, [], {}, seq, chain, None, unsettled)


_COLUMNS = (
    Story.id, Story.slug, Story.headline, Story.standfirst, Story.byline, Story.dateline,
    Story.section, Story.tags, Story.status, Story.publish_at, Story.embargo_until,
    Story.correction, Story.revision_id, Story.created_at, Story.updated_at, Story.aliases,
    Story.language,
)


def _changed_since(session: Session, known: Known, as_of: datetime, seq: int
                   ) -> set[str] | None:
    """The stories with revisions after ``known``; None when ``known`` cannot be built on
    (another history, or an earlier or a later time than it holds for)."""
    if as_of < known.as_of or (known.next_change is not None and as_of >= known.next_change):
        return None
    if seq < known.seq or chain_at(session, known.seq) != known.chain:
        return None  # not the history the known selection was read from
    changed = set(session.scalars(
        sa.select(RevisionSeq.story_id).where(RevisionSeq.seq > known.seq).distinct()))
    return changed


def _read_all(session: Session, selection: Selection) -> None:
    """Every story public as of the selection's time, and when that changes next."""
    as_of = selection.as_of
    # What cms.visibility.is_story_visible decides, said in SQL, so that rows of stories
    # that are not public are never fetched.
    public = Story.status.in_(sorted(PUBLIC_STATUSES))
    candidates = (
        public, Story.publish_at <= as_of,
        sa.or_(Story.embargo_until.is_(None), Story.embargo_until <= as_of),
    )
    # Children of every candidate in one query each (not IN-lists of thousands of ids).
    _read(session, selection, candidates,
          sa.select(Story.id).where(*candidates).scalar_subquery(), check=False)
    # A story of a public status still waiting for its time or the end of its embargo.
    for column in (Story.publish_at, Story.embargo_until):
        upcoming = session.scalar(sa.select(sa.func.min(column)).where(public, column > as_of))
        _note_change(selection, upcoming)


def _note_change(selection: Selection, when: datetime | None) -> None:
    if when is not None and (selection.next_change is None or when < selection.next_change):
        selection.next_change = when


def _read(session: Session, selection: Selection, where: tuple[sa.ColumnElement[bool], ...],
          ids: sa.ScalarSelect[str] | list[str], *, check: bool) -> None:
    """Add the public stories among those ``where`` picks (their ids: ``ids``) to
    ``selection``; ``check``: ``where`` does not decide visibility itself."""
    as_of = selection.as_of
    query = sa.select(*_COLUMNS).where(*where)
    photos = _photos(session, ids)
    links = _links(session, ids)
    stories, skipped = selection.stories, selection.skipped_by_id
    no_photos: list[Photo] = []
    no_links: list[Link] = []
    loads = json.loads
    # Core rows (no ORM layer) as plain tuples, unpacked: this loop runs once per
    # published story on a full read.
    for (story_id, slug, headline, standfirst, byline, dateline, section, tags, status,
         publish_at, embargo_until, correction, revision_id, created_at, updated_at, aliases,
         language) in session.connection().execute(query):
        if check:
            if status in PUBLIC_STATUSES:  # when it would become public by time alone
                for when in (publish_at, embargo_until):
                    if when is not None and when > as_of:
                        _note_change(selection, when)
            if not is_story_visible(status=status, publish_at=publish_at,
                                    embargo_until=embargo_until, as_of=as_of):
                continue
        if publish_at is None:  # never: only a story with a publication time is public
            continue
        if updated_at > as_of:  # an edit that shows as an update once its time comes
            _note_change(selection, updated_at)
        if not is_story_slug(slug):
            skipped[story_id] = (slug, "its slug cannot name a folder safely")
            continue
        stories.append(PublicStory(
            story_id, slug, headline, standfirst, byline, dateline,
            # A section slug that cannot name a file (a hand-edited store): no section page.
            section if section is None or is_safe_slug(section) else None,
            tuple(loads(tags)) if tags != "[]" else (), status, publish_at, embargo_until,
            _modified(created_at, updated_at, publish_at, as_of), correction, revision_id,
            tuple(photos.get(story_id, no_photos)), tuple(links.get(story_id, no_links)),
            tuple(loads(aliases)) if aliases != "[]" else (), language,
        ))


def _photos(session: Session, ids: sa.ScalarSelect[str] | list[str]) -> dict[str, list[Photo]]:
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


def _links(session: Session, ids: sa.ScalarSelect[str] | list[str]) -> dict[str, list[Link]]:
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
