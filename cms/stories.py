"""The story service: create, edit, find, list, and restore stories.

Every change goes through :func:`save`, which writes an immutable revision of
the whole document and projects it into ``stories``. The window, the CLI, the
importer and the sample newsroom all call these functions; none builds SQL.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import workflow
from cms.aliases import carry_aliases
from cms.document import StoryDocument, normalise_line
from cms.errors import Ambiguous, ConflictError, NotFound, UsageError
from cms.models import Assignment, Revision, Section, Status, Story, StoryTag
from cms.people import Actor
from cms.revisions import (
    load_document,
    project_head,
    resolve_revision,
    revision_info,
    write_revision,
)
from cms.slugs import slugify, validate_slug
from cms.timeutil import utcnow
from cms.validate import check_body, check_document, check_headline, check_language

EDITABLE_FIELDS = frozenset(
    {"headline", "standfirst", "body", "byline", "dateline", "section", "tags", "slug", "status",
     "publish_at", "embargo_until", "correction", "photos", "related", "aliases",
     "language"}
)


@dataclass(frozen=True)
class StorySummary:
    """One row of a story list."""

    id: str
    slug: str
    headline: str
    section: str | None
    status: str
    byline: str
    publish_at: datetime | None
    embargo_until: datetime | None
    updated_at: datetime
    revision_id: str
    word_count: int


@dataclass(frozen=True)
class SavedStory:
    """What a save produced: the document as stored and its revision id."""

    document: StoryDocument
    revision_id: str
    created: bool  # False when the save changed nothing (no new revision)


SUMMARY_COLUMNS = (
    Story.id, Story.slug, Story.headline, Story.section, Story.status, Story.byline,
    Story.publish_at, Story.embargo_until, Story.updated_at, Story.revision_id, Story.word_count,
)


def _summary(row: Any) -> StorySummary:
    return StorySummary(*row)


def _known(session: Session, key: str, query: sa.Select[Any]) -> set[str]:
    """Names from a small, rarely changing table, read once per unit of work."""
    cache = session.info.setdefault("newsroom_known", {})
    if key not in cache:
        cache[key] = set(session.scalars(query))
    known: set[str] = cache[key]
    return known


def _section_names(session: Session) -> dict[str, str]:
    """Section slug → display name, read once per unit of work."""
    cache = session.info.setdefault("newsroom_known", {})
    if "section_names" not in cache:
        cache["section_names"] = dict(session.execute(sa.select(Section.slug, Section.name)).all())
    names: dict[str, str] = cache["section_names"]
    return names


def find_section(session: Session, name: str) -> str | None:
    """The slug of the section whose slug is ``name`` or whose name is ``name`` (any case)."""
    clean = normalise_line(name)
    names = _section_names(session)
    if clean in names:
        return clean
    key = clean.casefold()
    return next((slug for slug, shown in names.items() if shown.casefold() == key), None)


def ensure_section(session: Session, name: str | None) -> str | None:
    """The slug of the section called (or slugged) ``name``, created on first use.

    The display name keeps the text as given (``指導書``); the slug is its
    transliteration, and two different names never share one (``!!!`` becomes
    ``section``, a second name with a taken slug gets ``-2``).
    """
    if name is None or not name.strip():
        return None
    found = find_section(session, name)
    if found is not None:
        return found
    clean = normalise_line(name)
    names = _section_names(session)
    base = slugify(clean, fallback="section")
    slug, counter = base, 2
    while slug in names:
        slug, counter = f"{base}-{counter}", counter + 1
    position = (session.scalar(sa.select(sa.func.max(Section.position))) or 0) + 1
    session.add(Section(
        slug=slug, name=clean.replace("-", " ").title() if clean == base else clean,
        position=position,
    ))
    session.flush()
    names[slug] = clean.replace("-", " ").title() if clean == base else clean
    _known(session, "sections", sa.select(Section.slug)).add(slug)
    return slug


def unique_slug(session: Session, wanted: str, story_id: str) -> str:
    """``wanted`` if free (or already this story's), else ``wanted-2``, ``wanted-3``, …"""
    taken = set(
        session.scalars(
            sa.select(Story.slug).where(
                Story.slug.startswith(wanted), Story.id != story_id
            )
        )
    )
    if wanted not in taken:
        return wanted
    counter = 2
    while f"{wanted}-{counter}" in taken:
        counter += 1
    return f"{wanted}-{counter}"


def _check_status(session: Session, status: str) -> str:
    if status not in _known(session, "statuses", sa.select(Status.name)):
        names = session.scalars(sa.select(Status.name).order_by(Status.position))
        raise UsageError(f"unknown status {status!r}: use one of {', '.join(names)}")
    return status


def save(
    session: Session,
    actor: Actor,
    document: StoryDocument,
    *,
    base_revision: str | None = None,
    message: str = "",
    now: datetime | None = None,
    new: bool = False,
    status_change: workflow.StatusChange | None = None,
) -> SavedStory:
    """Write ``document`` as the story's next revision and make it the head.

    ``base_revision`` is the head the editor started from; if the story moved on
    meanwhile the save is refused (:class:`ConflictError`) rather than silently
    overwriting someone else's work. A save that changes nothing writes nothing.

    A change of status, publication time or embargo is checked against the
    workflow rules for the actor's role (:func:`cms.workflow.check_save`) and a
    status move is recorded in ``story_transitions``; ``status_change`` carries
    the note (and a desk chief's override) of a deliberate move.
    """
    when = now or utcnow()
    check_language(document.language)  # before normalising: the message quotes what was typed
    document = document.normalised()
    rows = session.execute(
        sa.select(Story.id, Story.revision_id).where(
            sa.or_(Story.id == document.story_id, Story.slug == document.slug)
        )
    ).all()
    current = next((row.revision_id for row in rows if row.id == document.story_id), None)
    if new and current is not None:
        raise UsageError(f"a story with id {document.story_id} exists already")
    if base_revision is not None and current is not None and base_revision != current:
        raise ConflictError(
            "the story was changed elsewhere since you opened it; reload it to see the "
            "other change (your text is kept)"
        )
    _check_status(session, document.status)
    check_document(document, _known(session, "statuses", sa.select(Status.name)))
    if any(row.id != document.story_id for row in rows):
        raise UsageError(f"the slug {document.slug!r} belongs to another story")
    if document.section is not None and document.section not in _known(
        session, "sections", sa.select(Section.slug)
    ):
        raise UsageError(f"unknown section {document.section!r}")
    before = load_document(session, current) if current is not None else None
    document = carry_aliases(before, document)  # a public story's old page keeps its links
    if current is not None and before == document:
        return SavedStory(document, current, created=False)
    pending = workflow.check_save(
        session, actor, before, document, change=status_change, message=message, now=when
    )
    if pending is not None:
        # The move shows in the history even when the caller wrote its own message.
        message = pending.message() if status_change is not None or not message else (
            f"{message}; {pending.message()}")
    parents = [current] if current else []
    rev_id = write_revision(
        session, document, parents, author=actor.username, replica_id=actor.replica_id,
        now=when, message=message,
    )
    project_head(
        session, document, rev_id, author=actor.username, now=when,
        exists=current is not None, previous=before,
    )
    if pending is not None:
        workflow.record(session, pending, rev_id)
    return SavedStory(document, rev_id, created=True)


def create(
    session: Session,
    actor: Actor,
    *,
    headline: str,
    body: str = "",
    standfirst: str = "",
    byline: str = "",
    dateline: str = "",
    section: str | None = None,
    tags: Iterable[str] = (),
    slug: str | None = None,
    status: str = "draft",
    publish_at: datetime | None = None,
    embargo_until: datetime | None = None,
    language: str = "",
    story_id: str | None = None,
    now: datetime | None = None,
    message: str = "created",
) -> SavedStory:
    """Create a story (its first revision) and return it."""
    story_id = story_id or str(uuid.uuid4())
    headline = check_headline(headline)
    wanted = validate_slug(slug) if slug else slugify(headline)
    document = StoryDocument(
        story_id=story_id,
        slug=unique_slug(session, wanted, story_id) if not slug else wanted,
        headline=headline,
        standfirst=standfirst,
        body=check_body(body),
        byline=byline,
        dateline=dateline,
        section=ensure_section(session, section),
        tags=tuple(tags),
        status=_check_status(session, status),
        publish_at=publish_at,
        embargo_until=embargo_until,
        language=language,
    )
    return save(session, actor, document, message=message, now=now, new=True)


def edit(
    session: Session,
    actor: Actor,
    ref: str,
    *,
    base_revision: str | None = None,
    message: str = "",
    now: datetime | None = None,
    **changes: Any,
) -> SavedStory:
    """Change some fields of a story; a new revision if anything changed.

    ``section`` may be a name (created on first use); ``headline``, ``body`` and
    ``slug`` are checked as on creation.
    """
    story_id = resolve(session, ref)
    head = head_revision(session, story_id)
    document = load_document(session, head)
    return save(
        session,
        actor,
        apply_changes(session, document, changes),
        base_revision=base_revision or head,
        message=message,
        now=now,
    )


def apply_changes(session: Session, document: StoryDocument,
                  changes: dict[str, Any]) -> StoryDocument:
    """``document`` with some fields changed, each checked as on creation.

    ``section`` may be a name (created on first use).
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise UsageError(f"cannot edit {', '.join(sorted(unknown))}")
    clean = dict(changes)
    if "headline" in clean:
        clean["headline"] = check_headline(clean["headline"])
    if "body" in clean:
        clean["body"] = check_body(clean["body"])
    if "slug" in clean:
        clean["slug"] = validate_slug(clean["slug"])
    if "section" in clean:
        clean["section"] = ensure_section(session, clean["section"])
    if "tags" in clean:
        clean["tags"] = tuple(clean["tags"])
    return document.evolve(**clean)


def resolve(session: Session, ref: str) -> str:
    """The id of the story named by ``ref``: an id, a slug, or a unique prefix of either."""
    text = ref.strip()
    if not text:
        raise UsageError("empty story reference")
    exact = session.scalar(sa.select(Story.id).where(sa.or_(Story.id == text, Story.slug == text)))
    if exact is not None:
        return exact
    if len(text) >= 4:
        matches = list(
            session.execute(
                sa.select(Story.id, Story.slug)
                .where(sa.or_(Story.id.startswith(text.lower()), Story.slug.startswith(text)))
                .limit(6)
            )
        )
        if len(matches) == 1:
            return str(matches[0].id)
        if matches:
            shown = ", ".join(m.slug for m in matches[:5])
            raise Ambiguous(f"{ref!r} matches several stories ({shown}); be more specific")
    deleted = session.scalar(sa.select(Revision.story_id).where(Revision.story_id == text).limit(1))
    if deleted is not None:
        raise NotFound(f"story {ref!r} was deleted")
    raise NotFound(f"no story {ref!r}")


def head_revision(session: Session, story_id: str) -> str:
    """The current head revision id of a story."""
    head = session.scalar(sa.select(Story.revision_id).where(Story.id == story_id))
    if head is None:
        raise NotFound(f"no story {story_id}")
    return head


def get(session: Session, ref: str) -> tuple[StoryDocument, str]:
    """A story's current document and its revision id."""
    story_id = resolve(session, ref)
    head = head_revision(session, story_id)
    return load_document(session, head), head


def story_row(session: Session, ref: str) -> Story:
    """The projected ``stories`` row (created/updated times and who)."""
    story = session.scalar(sa.select(Story).where(Story.id == resolve(session, ref)))
    assert story is not None
    return story


def _filtered(
    session: Session, status: str | None = None, section: str | None = None,
    tag: str | None = None,
) -> sa.Select[Any]:
    query: Any = sa.select(*SUMMARY_COLUMNS)
    if status:
        query = query.where(Story.status == status)
    if section:
        query = query.where(Story.section == (find_section(session, section) or section))
    if tag:
        query = query.where(
            Story.id.in_(sa.select(StoryTag.story_id).where(StoryTag.tag == tag.strip().lower()))
        )
    selected: sa.Select[Any] = query
    return selected


def _section_filter(session: Session, section: str) -> str:
    """The section slug a filter names (by slug or name; else what slugify makes of it)."""
    return find_section(session, section) or slugify(section, fallback="section")


SORT_KEYS = {
    "updated": Story.updated_at,
    "publish_at": Story.publish_at,
    "headline": Story.headline,
    "status": Story.status,
    "section": Story.section,
    "byline": Story.byline,
    "created": Story.created_at,
}


def list_stories(
    session: Session,
    *,
    status: str | None = None,
    section: str | None = None,
    tag: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    sort: str = "updated",
    descending: bool = True,
    assigned_to: str | None = None,
) -> list[StorySummary]:
    """Stories matching the filters, newest change first by default."""
    if status:
        _check_status(session, status)
    if sort not in SORT_KEYS:
        raise UsageError(f"unknown sort key {sort!r}: use one of {', '.join(SORT_KEYS)}")
    column = SORT_KEYS[sort]
    order = column.desc() if descending else column.asc()
    query = _filtered(session, status, section, tag).order_by(order, Story.pk.desc()) \
        .offset(offset)
    if assigned_to is not None:
        query = query.where(Story.id.in_(sa.select(Assignment.story_id).where(
            Assignment.person == assigned_to.strip())))
    if limit is not None:
        if limit < 0:
            raise UsageError("--limit must be zero or more")
        query = query.limit(limit)
    return [_summary(row) for row in session.execute(query)]


def count_stories(
    session: Session, *, status: str | None = None, section: str | None = None
) -> int:
    """How many stories match the filters."""
    query = sa.select(sa.func.count()).select_from(_filtered(session, status, section).subquery())
    return int(session.scalar(query) or 0)


def story_ids(
    session: Session,
    *,
    status: str | None = None,
    section: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    sort: str = "updated",
    descending: bool = True,
) -> list[str]:
    """Ids of the stories matching the filters, in list order (for paged story lists).

    Same filters and order as :func:`list_stories`, but only the ids, so a window
    can page through 100,000 stories cheaply and load full rows for what it shows.
    """
    if sort not in SORT_KEYS:
        raise UsageError(f"unknown sort key {sort!r}: use one of {', '.join(SORT_KEYS)}")
    if limit is not None and limit < 0:
        raise UsageError("the limit must be zero or more")
    column = SORT_KEYS[sort]
    order = column.desc() if descending else column.asc()
    query = sa.select(Story.id)
    if status:
        query = query.where(Story.status == status)
    if section:
        query = query.where(Story.section == _section_filter(session, section))
    query = query.order_by(order, Story.pk.desc()).offset(max(offset, 0))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def summaries(session: Session, story_ids: Sequence[str]) -> list[StorySummary]:
    """Summaries for the given ids, in the given order (missing ids are skipped)."""
    rows = {row.id: _summary(row) for row in session.execute(
        sa.select(*SUMMARY_COLUMNS).where(Story.id.in_(list(story_ids)))
    )}
    return [rows[i] for i in story_ids if i in rows]


def restore(
    session: Session, actor: Actor, ref: str, rev_ref: str, *, now: datetime | None = None
) -> SavedStory:
    """Make an old revision's content current again, as a new revision on top of the head."""
    story_id = resolve(session, ref)
    head = head_revision(session, story_id)
    old_id = resolve_revision(session, story_id, rev_ref, head)
    old = load_document(session, old_id)
    current = load_document(session, head)
    # What a story says comes back; where it is in the workflow stays (that changes only
    # through the workflow: a restore never publishes, unpublishes or reschedules).
    restored = old.evolve(deleted=False, status=current.status, publish_at=current.publish_at,
                          embargo_until=current.embargo_until, correction=current.correction)
    return save(
        session, actor, restored, base_revision=head, now=now,
        message=f"restored the text, photos and links of {old_id[:12]}; status, times and "
                "embargo unchanged",
    )


def sections(session: Session) -> list[Section]:
    """The desk's sections in their order."""
    return list(session.scalars(sa.select(Section).order_by(Section.position, Section.name)))


def statuses(session: Session) -> list[str]:
    """Workflow statuses in their order."""
    return list(session.scalars(sa.select(Status.name).order_by(Status.position)))


def tags_of(row_tags: str) -> list[str]:
    """The tag list stored on a ``stories`` row."""
    return list(json.loads(row_tags))


def author_of(session: Session, rev_id: str) -> str:
    """Who wrote a revision."""
    return revision_info(session, rev_id).author
