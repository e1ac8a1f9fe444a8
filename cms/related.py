"""Timed "Read next" links: each story's ordered list of other stories and external URLs.

Links are part of the story document, so every change here is a revision like
any edit (history, diff, sync). A link to a story needs a story that exists
(not itself, not a deleted one); its label defaults to the target's headline.
Cycles (A links B, B links A) are allowed: the list is only ever read one level
deep, so nothing follows links recursively. Whether a link shows at a given
moment is :mod:`cms.visibility`'s question (window and target both public).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import stories
from cms.document import LinkRef, StoryDocument, normalise_line
from cms.errors import Ambiguous, NotFound, UsageError
from cms.models import Story
from cms.people import Actor
from cms.search import search
from cms.timeutil import utcnow
from cms.validate import check_link_url
from cms.visibility import in_window, is_story_visible, link_visible

MAX_LINKS = 50
MAX_LABEL = 300
_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_WORD_RE = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_STOPWORD_TEXT = (
    "the and for that with this from have has had was were are been being not but its his her "
    "their they them she him who whom which what when where will would could should said says "
    "also into over than then there these those about after before more most some such only "
    "other while said very just can may one two our out all any new who why how you your"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class LinkInfo:
    """A link as lists show it: the link plus what is known about its target."""

    position: int  # 1-based, as people count
    link: LinkRef
    target_headline: str | None
    target_status: str | None
    target_publish_at: datetime | None
    target_missing: bool
    in_window: bool
    visible: bool


@dataclass(frozen=True)
class Candidate:
    """A story suggested as "Read next" for another, by full-text similarity."""

    story_id: str
    slug: str
    headline: str
    status: str
    score: float


def _window(visible_from: datetime | None, visible_until: datetime | None) -> None:
    if visible_from is not None and visible_until is not None and visible_until <= visible_from:
        raise UsageError("the link's window ends before it starts: --until must be after --from")


def _label(text: str | None) -> str | None:
    if text is None:
        return None
    clean = normalise_line(text)
    if not clean:
        raise UsageError("the label is empty; leave it out to use the target's headline")
    if len(clean) > MAX_LABEL:
        raise UsageError(f"the label is longer than {MAX_LABEL} characters")
    return clean


def find_link(document: StoryDocument, link_ref: str) -> LinkRef:
    """The story's link named by id, unique id prefix (4+ characters) or 1-based position."""
    text = link_ref.strip().lower()
    if text.isdigit() and len(text) <= 3:
        index = int(text)
        if not 1 <= index <= len(document.related):
            raise NotFound(f"the story has no link number {index} (it has "
                           f"{len(document.related)})")
        return document.related[index - 1]
    matches = [link for link in document.related if link.id.startswith(text)]
    exact = [link for link in matches if link.id == text]
    if exact:
        return exact[0]
    if len(text) < 4 or not matches:
        raise NotFound(f"the story has no link {link_ref!r}: see `newsroom related list`")
    if len(matches) > 1:
        raise Ambiguous(f"link {link_ref!r} is ambiguous; give more of its id")
    return matches[0]


def build_link(
    session: Session,
    document: StoryDocument,
    target: str,
    *,
    label: str | None = None,
    visible_from: datetime | None = None,
    visible_until: datetime | None = None,
) -> LinkRef:
    """A checked new link for ``document`` (not saved): the window adds it as an edit."""
    _window(visible_from, visible_until)
    clean_label = _label(label)
    text = target.strip()
    if not text:
        raise UsageError("empty link target: give a story id or slug, or an http(s) URL")
    if len(document.related) >= MAX_LINKS:
        raise UsageError(f"a story can have at most {MAX_LINKS} links")
    if _URL_RE.match(text):
        return LinkRef(id=str(uuid.uuid4()), url=check_link_url(text), label=clean_label or text,
                       visible_from=visible_from, visible_until=visible_until)
    target_id = stories.resolve(session, text)  # NotFound names deleted stories as such
    if target_id == document.story_id:
        raise UsageError("a story cannot link to itself")
    if any(existing.target_story_id == target_id for existing in document.related):
        raise UsageError("the story already links to that story")
    headline = session.scalar(sa.select(Story.headline).where(Story.id == target_id))
    return LinkRef(id=str(uuid.uuid4()), target_story_id=target_id,
                   label=clean_label or headline or "", visible_from=visible_from,
                   visible_until=visible_until)


def add_link(
    session: Session,
    actor: Actor,
    story_ref: str,
    target: str,
    *,
    label: str | None = None,
    visible_from: datetime | None = None,
    visible_until: datetime | None = None,
    position: int | None = None,
    now: datetime | None = None,
) -> LinkRef:
    """Add a "Read next" link to a story or URL at ``position`` (1-based; default last)."""
    document, head = stories.get(session, story_ref)
    link = build_link(session, document, target, label=label, visible_from=visible_from,
                      visible_until=visible_until)
    links = list(document.related)
    links.insert(_insert_index(position, len(links)), link)
    stories.save(session, actor, document.evolve(related=tuple(links)), base_revision=head,
                 now=now, message=f"read next: added {link.label}")
    return link


def _insert_index(position: int | None, count: int) -> int:
    if position is None:
        return count
    if not 1 <= position <= count + 1:
        raise UsageError(f"--position must be between 1 and {count + 1}")
    return position - 1


def remove_link(
    session: Session, actor: Actor, story_ref: str, link_ref: str, *,
    now: datetime | None = None,
) -> LinkRef:
    """Remove one link from a story's list."""
    document, head = stories.get(session, story_ref)
    link = find_link(document, link_ref)
    remaining = tuple(item for item in document.related if item.id != link.id)
    stories.save(session, actor, document.evolve(related=remaining), base_revision=head,
                 now=now, message=f"read next: removed {link.label}")
    return link


def move_link(
    session: Session, actor: Actor, story_ref: str, link_ref: str, position: int, *,
    now: datetime | None = None,
) -> LinkRef:
    """Move one link to ``position`` (1-based) in the story's list."""
    document, head = stories.get(session, story_ref)
    link = find_link(document, link_ref)
    others = [item for item in document.related if item.id != link.id]
    if not 1 <= position <= len(others) + 1:
        raise UsageError(f"the position must be between 1 and {len(others) + 1}")
    others.insert(position - 1, link)
    stories.save(session, actor, document.evolve(related=tuple(others)), base_revision=head,
                 now=now, message=f"read next: moved {link.label} to {position}")
    return link


def reorder_links(
    session: Session, actor: Actor, story_ref: str, link_ids: list[str], *,
    now: datetime | None = None,
) -> None:
    """Put the story's links in the given order (every link id exactly once)."""
    document, head = stories.get(session, story_ref)
    by_id = {link.id: link for link in document.related}
    if sorted(link_ids) != sorted(by_id):
        raise UsageError("the new order must name every link of the story exactly once")
    stories.save(session, actor,
                 document.evolve(related=tuple(by_id[i] for i in link_ids)),
                 base_revision=head, now=now, message="read next: reordered")


def update_link(
    session: Session,
    actor: Actor,
    story_ref: str,
    link_ref: str,
    *,
    label: str | None = None,
    visible_from: datetime | None = None,
    visible_until: datetime | None = None,
    clear_from: bool = False,
    clear_until: bool = False,
    now: datetime | None = None,
) -> LinkRef:
    """Change a link's label or window (``clear_*`` opens that end of the window)."""
    document, head = stories.get(session, story_ref)
    link = find_link(document, link_ref)
    start = None if clear_from else (visible_from or link.visible_from)
    end = None if clear_until else (visible_until or link.visible_until)
    _window(start, end)
    changed = LinkRef(
        id=link.id, target_story_id=link.target_story_id, url=link.url,
        label=_label(label) or link.label, visible_from=start, visible_until=end,
    )
    links = tuple(changed if item.id == link.id else item for item in document.related)
    stories.save(session, actor, document.evolve(related=links), base_revision=head,
                 now=now, message=f"read next: changed {changed.label}")
    return changed


def list_links(
    session: Session, story_ref: str | StoryDocument, *, as_of: datetime | None = None
) -> list[LinkInfo]:
    """A story's links in order, each with its target's state and whether it shows now.

    ``story_ref`` may be the document itself (the window's unsaved edit).
    """
    when = as_of or utcnow()
    document = story_ref if isinstance(story_ref, StoryDocument) else stories.get(
        session, story_ref)[0]
    ids = [link.target_story_id for link in document.related if link.target_story_id]
    targets = {
        row.id: row
        for row in session.execute(
            sa.select(Story.id, Story.headline, Story.status, Story.publish_at,
                      Story.embargo_until).where(Story.id.in_(ids))
        )
    } if ids else {}

    def target_visible(story_id: str) -> bool:
        row = targets.get(story_id)
        return row is not None and is_story_visible(
            status=row.status, publish_at=row.publish_at, embargo_until=row.embargo_until,
            as_of=when,
        )

    infos = []
    for position, link in enumerate(document.related, start=1):
        row = targets.get(link.target_story_id) if link.target_story_id else None
        infos.append(LinkInfo(
            position=position, link=link,
            target_headline=row.headline if row is not None else None,
            target_status=row.status if row is not None else None,
            target_publish_at=row.publish_at if row is not None else None,
            target_missing=link.target_story_id is not None and row is None,
            in_window=in_window(link.visible_from, link.visible_until, when),
            visible=link_visible(link, when, target_visible),
        ))
    return infos


def _keywords(document: StoryDocument, limit: int) -> list[str]:
    counts: Counter[str] = Counter()
    for weight, text in ((4, document.headline), (2, document.standfirst), (1, document.body)):
        for word in _WORD_RE.findall(text.lower()):
            if word not in STOPWORDS:
                counts[word] += weight
    return [word for word, _ in counts.most_common(limit)]


def suggest(
    session: Session, story_ref: str | StoryDocument, *, limit: int = 10, keywords: int = 8
) -> list[Candidate]:
    """Stories like this one, by full-text similarity, best first.

    The story's most telling words (headline counted most) are searched one by
    one with :func:`cms.search.search`; a story's score is the sum of its
    ranks, so stories sharing more of the words rise. The story itself, stories
    it already links to and killed stories are left out.
    """
    document = story_ref if isinstance(story_ref, StoryDocument) else stories.get(
        session, story_ref)[0]
    skip = {document.story_id} | {
        link.target_story_id for link in document.related if link.target_story_id
    }
    scores: dict[str, float] = {}
    hits_by_id = {}
    for word in _keywords(document, keywords):
        for hit in search(session, word, limit=limit * 3):
            if hit.story_id in skip or hit.status == "killed":
                continue
            scores[hit.story_id] = scores.get(hit.story_id, 0.0) + max(hit.rank, 0.0) + 1.0
            hits_by_id[hit.story_id] = hit
    best = sorted(scores, key=lambda key: (-scores[key], hits_by_id[key].headline))[:limit]
    return [
        Candidate(story_id=key, slug=hits_by_id[key].slug, headline=hits_by_id[key].headline,
                  status=hits_by_id[key].status, score=round(scores[key], 4))
        for key in best
    ]
