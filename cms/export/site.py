"""The site model: which pages exist, where they live, and what each one shows.

Built from a :class:`~cms.export.selection.Selection`; holds no HTML. Every
list is in a fixed order (newest first, ties by id; sections by position; tags
by name) so the same selection always gives the same site.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from cms import __version__
from cms.aliases import story_page
from cms.config import SETTINGS
from cms.export.paths import pretty_path, tag_slugs
from cms.export.redirects import layout_part
from cms.export.selection import Link, PublicStory, SectionInfo, Selection, visible_links
from cms.storypage import page_language
from cms.timeutil import zone

FORMAT = "bundle-1"  # change when the same inputs make other files
GENERATOR = f"Newsroom {__version__}"
PER_PAGE = 30
FRONT_LATEST = 24
FRONT_PER_SECTION = 4
FEED_ENTRIES = 30


@dataclass(slots=True)
class ListPage:
    """One page of a section or tag listing."""

    path: str
    title: str
    kind: str  # "section" or "tag"
    key: str  # section slug or tag name
    number: int
    total: int
    stories: tuple[PublicStory, ...]
    first_path: str
    feed_path: str | None


FrontBlock = tuple[SectionInfo, list[PublicStory]]


@dataclass(slots=True)
class Feed:
    """An Atom feed: the site's latest stories, or a section's."""

    path: str
    page_path: str  # the page it is the feed of
    title: str
    entries: list[PublicStory]


@dataclass(frozen=True)
class ReadNext:
    """A "Read next" entry that shows: an internal story or an external URL."""

    label: str
    story: PublicStory | None
    url: str | None


@dataclass
class Site:
    """Everything the pages of one export are made from."""

    selection: Selection
    desk_name: str
    base_url: str
    language: str
    tz: ZoneInfo
    comments_embed: str
    stories: list[PublicStory]
    sections: list[SectionInfo]  # only sections with at least one public story
    section_stories: dict[str, list[PublicStory]]
    tag_stories: dict[str, list[PublicStory]]
    tag_slug: dict[str, str]
    by_id: dict[str, PublicStory]
    read_next: dict[str, list[ReadNext]] = field(default_factory=dict)
    # A site of some stories only (a quick re-export): the front page as it was arranged.
    front: tuple[list[PublicStory], list[FrontBlock]] | None = None

    @property
    def as_of(self) -> datetime:
        """The moment the site shows."""
        return self.selection.as_of

    def language_of(self, story: PublicStory) -> str:
        """The language a story is written in: its own, else the desk's."""
        return page_language(story.language, self.language)

    def section_name(self, slug: str | None) -> str:
        """A section's display name ('' for none)."""
        for section in self.selection.sections:
            if section.slug == slug:
                return section.name
        return slug or ""

    # Slugs are checked once (is_safe_slug, tag_slugs) before they get here, and
    # pages are flat files: no folder per page, so no mkdir per page.

    def story_path(self, story: PublicStory) -> str:
        """The bundle path of a story page."""
        return story_page(story.slug)

    def ninjs_path(self, story: PublicStory) -> str:
        """The bundle path of a story's ninjs document."""
        return f"stories/{story.slug}.ninjs.json"

    def section_path(self, slug: str, number: int = 1) -> str:
        """The bundle path of page ``number`` of a section (``.p2``: slugs have no dots)."""
        return f"sections/{slug}.html" if number == 1 else f"sections/{slug}.p{number}.html"

    def section_feed_path(self, slug: str) -> str:
        """The bundle path of a section's Atom feed."""
        return f"sections/{slug}.atom"

    def tag_path(self, tag: str, number: int = 1) -> str:
        """The bundle path of page ``number`` of a tag."""
        slug = self.tag_slug[tag]
        return f"tags/{slug}.html" if number == 1 else f"tags/{slug}.p{number}.html"

    def absolute(self, path: str) -> str:
        """The public URL of a bundle path."""
        return self.base_url + pretty_path(path)

    def front_stories(self) -> tuple[list[PublicStory], list[FrontBlock]]:
        """The front page's lead and latest stories, and per section the newest not shown yet."""
        if self.front is not None:
            return self.front
        main = self.stories[: FRONT_LATEST + 1]
        shown = {story.id for story in main}
        blocks = []
        for section in self.sections:
            rest = [s for s in self.section_stories[section.slug] if s.id not in shown]
            if rest:
                blocks.append((section, rest[:FRONT_PER_SECTION]))
        return main, blocks

    def list_pages(self, showing: set[str] | None = None) -> list[ListPage]:
        """Every page of every section and tag listing (or of those listing ``showing``)."""
        sections: set[str | None] | None = None
        tags: set[str] | None = None
        if showing is not None:
            shown = [self.by_id[sid] for sid in showing if sid in self.by_id]
            sections = {story.section for story in shown}
            tags = {tag for story in shown for tag in story.tags}
        pages: list[ListPage] = []
        for section in self.sections:
            if sections is not None and section.slug not in sections:
                continue
            pages.extend(self._paginate(
                "section", section.slug, section.name, self.section_stories[section.slug],
                partial(self.section_path, section.slug),
                self.section_feed_path(section.slug),
            ))
        for tag in sorted(self.tag_stories if tags is None else tags & self.tag_stories.keys()):
            pages.extend(self._paginate(
                "tag", tag, tag, self.tag_stories[tag], partial(self.tag_path, tag), None
            ))
        return pages

    def feeds(self) -> list[Feed]:
        """The site's feed and each section's."""
        feeds = [Feed("feed.atom", "index.html", f"{self.desk_name}: latest",
                      self.stories[:FEED_ENTRIES])]
        feeds += [Feed(self.section_feed_path(sec.slug), self.section_path(sec.slug),
                       f"{self.desk_name}: {sec.name}",
                       self.section_stories[sec.slug][:FEED_ENTRIES])
                  for sec in self.sections]
        return feeds

    def linking_to(self, ids: set[str]) -> set[str]:
        """The stories whose "Read next" list shows one of ``ids``."""
        return {
            holder for holder, items in self.read_next.items()
            if any(item.story is not None and item.story.id in ids for item in items)
        }

    @staticmethod
    def _paginate(kind: str, key: str, title: str, stories: list[PublicStory],
                  path_of: Callable[[int], str], feed_path: str | None) -> list[ListPage]:
        total = max(1, -(-len(stories) // PER_PAGE))
        return [
            ListPage(
                path=path_of(number), title=title, kind=kind, key=key, number=number,
                total=total, stories=tuple(stories[(number - 1) * PER_PAGE : number * PER_PAGE]),
                first_path=path_of(1), feed_path=feed_path,
            )
            for number in range(1, total + 1)
        ]


def build_site(selection: Selection,
               slugs_for: Callable[[list[str]], dict[str, str]] = tag_slugs) -> Site:
    """Arrange a selection into a site (``slugs_for``: how the tags get their page names,
    :func:`~cms.export.paths.tag_slugs` or a cache of it)."""
    stories = selection.stories
    section_stories: dict[str, list[PublicStory]] = {}
    tag_stories: dict[str, list[PublicStory]] = {}
    for story in stories:  # already newest first
        if story.section:
            section_stories.setdefault(story.section, []).append(story)
        for tag in story.tags:
            tag_stories.setdefault(tag, []).append(story)
    sections = [s for s in selection.sections if s.slug in section_stories]
    known = {s.slug for s in selection.sections}
    for slug in sorted(set(section_stories) - known):  # a section row lost to a bad sync
        sections.append(SectionInfo(slug, slug.replace("-", " ").title(), 10**6))
    site = site_of(selection, stories, sections, slugs_for(list(tag_stories)))
    site.section_stories, site.tag_stories = section_stories, tag_stories
    add_read_next(site, stories)
    return site


def site_of(selection: Selection, stories: list[PublicStory], sections: list[SectionInfo],
            tag_slug: dict[str, str], *,
            front: tuple[list[PublicStory], list[FrontBlock]] | None = None) -> Site:
    """A site of ``stories`` (newest first) with the selection's settings; its lists and
    "Read next" entries are left for the caller to fill (see :func:`build_site`)."""
    settings = selection.settings
    base_url = settings.get("base_url") or "https://example.org/"
    return Site(
        selection=selection,
        desk_name=settings.get("desk_name", "Newsroom"),
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        language=settings.get("language", "en") or "en",
        tz=zone(settings.get("timezone", "UTC") or "UTC"),
        comments_embed=settings.get("comments_embed", ""),
        stories=stories,
        sections=sections,
        section_stories={},
        tag_stories={},
        tag_slug=tag_slug,
        by_id={story.id: story for story in stories},
        front=front,
    )


def add_read_next(site: Site, stories: list[PublicStory]) -> None:
    """The "Read next" entries of ``stories`` that show (to stories the site holds)."""
    by_id, as_of = site.by_id, site.as_of
    for story in stories:
        site.read_next[story.id] = [
            _read_next(link, by_id) for link in visible_links(story, as_of, by_id)
        ]


def links_change_at(stories: list[PublicStory], as_of: datetime) -> datetime | None:
    """The first time after ``as_of`` at which a "Read next" window opens or closes."""
    return min((when for story in stories for link in story.links
                for when in (link.visible_from, link.visible_until)
                if when is not None and when > as_of), default=None)


def _read_next(link: Link, by_id: dict[str, PublicStory]) -> ReadNext:
    if link.target_story_id is not None:
        target = by_id[link.target_story_id]
        return ReadNext(link.label or target.headline, target, None)
    return ReadNext(link.label or (link.url or ""), None, link.url)


def iso_local(value: datetime, tz: ZoneInfo) -> str:
    """ISO 8601 with the desk zone's offset, for ``<time datetime>`` and metadata."""
    return value.astimezone(tz).isoformat(timespec="seconds")


def story_signature(story: PublicStory) -> str:
    """What a list entry of ``story`` depends on: its revision and its shown update time."""
    modified = story.modified_at.isoformat() if story.modified_at else ""
    return f"{story.id}:{story.revision_id}:{modified}"


def story_state(site: Site, story: PublicStory, signature: str) -> str:
    """What a story's own pages show of it and of its links, as one comparable string.

    ``signature`` is the story's :func:`story_signature` (plus its renditions).
    A story whose state is unchanged since the last export, in an unchanged
    :func:`site_layout`, needs no page of its own written again.
    """
    items = site.read_next.get(story.id)
    if not items:
        return signature  # plain text already (no digest for the many stories without links)
    links = "\x1d".join(
        f"{item.label}\x1c{item.story.id if item.story is not None else item.url}"
        for item in items
    )
    return digest(signature, links)


def site_layout(site: Site, inputs: str) -> str:
    """A digest of which pages exist and which stories each list shows, in which order.

    ``inputs`` is the digest of everything else every page depends on (theme,
    settings, sections, renderer). Stories are listed with what places them:
    slug, section and tags, in the site's order (which follows publication time).
    """
    stories = "\x1d".join(
        f"{s.id}\x1c{s.slug}\x1c{s.section or ''}\x1c{chr(0x1f).join(s.tags)}"
        for s in site.stories
    )
    redirects = layout_part(site.stories)  # which old URLs lead where: see redirects.py
    return digest(inputs, stories, redirects) if redirects else digest(inputs, stories)


def global_key(site: Site, theme_fingerprint: str, *, single: bool) -> str:
    """The digest of what every file depends on: the theme, the settings, the sections."""
    settings = {k: site.selection.settings.get(k, "") for k in sorted(SETTINGS)}
    settings["base_url"] = site.base_url
    return digest(
        FORMAT, GENERATOR, theme_fingerprint, json.dumps(settings, sort_keys=True),
        [(s.slug, s.name) for s in site.selection.sections],
        [s.slug for s in site.sections], "single" if single else "site",
    )


def digest(*parts: object) -> str:
    """A stable hash of ``parts`` (for page input keys); lists of strings are joined as is."""
    # Strings (most parts) are taken as they are, without a call each: this runs for
    # every file of the bundle on every export.
    text = "\x1f".join([part if type(part) is str else _key_text(part) for part in parts])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _key_text(part: object) -> str:
    if isinstance(part, list):
        try:
            return "\x1e".join(part)  # the common case: a list of story signatures
        except TypeError:
            pass
    return str(part)
