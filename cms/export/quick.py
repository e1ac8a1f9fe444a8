"""A quick re-export: after edits that change only what pages show of some stories
(their text, their photos' captions and credits), remake the pages that show them
from the folder's site index, without decoding or arranging the rest of the archive.

An export into a folder records, beside its files, where each story shows: the
stories on each list page, the front page and each feed (their *recipes*), whose
"Read next" lists link to whom, and each tag's page name (see
:class:`~cms.export.state.SiteIndex`). When the next export into that folder
finds that

- the selection kept in the export cache is the one the folder was made from,
  and the index holds the rows the export wrote (none lost since),
- no "Read next" window opened or closed since, and no story became public,
  stopped being public or shows as updated by time alone,
- no photo was left out (one whose bytes could not be read may read now),
- every changed story was public and still is, under the same slug, in the same
  section, with the same tags, publication time, "Read next" links and photos,

then every page lists the same stories in the same order as before, and only the
pages showing a changed story can differ: its own page and ninjs document, the
pages of the stories linking to it, and the list pages, front page and feeds
listing it. :func:`prepare` finds them and builds a site of just the stories
they show. Anything else, and the export arranges the whole site as before; an
index that is not what an export writes raises :class:`DamagedIndex`, and is
then made anew.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cms.export import snapshot
from cms.export.cache import ExportCache
from cms.export.paths import is_bundle_path, is_safe_slug
from cms.export.selection import Known, PublicStory, SectionInfo, Selection, newest_first
from cms.export.site import Feed, FrontBlock, ListPage, Site, add_read_next, digest, site_of
from cms.export.state import State
from cms.timeutil import from_iso

FRONT_PAGE = "index.html"


class DamagedIndex(Exception):
    """The folder's site index is not what an export writes (damaged, or edited by hand)."""


@dataclass
class Quick:
    """What a quick re-export remakes, and from what."""

    selection: Selection  # the changed stories, read again (and settings, sections, log)
    known: Known  # the kept selection it builds on (its meta only)
    base: str  # the kept selection's meta row
    site: Site  # the stories the pages to remake show, nothing more
    changed: set[str]
    holders: set[str]  # stories whose "Read next" lists show a changed one
    front: bool  # whether the front page shows a changed story
    lists: list[ListPage]
    feeds: list[Feed]


def front_recipe(main: list[PublicStory], blocks: list[FrontBlock]) -> list[Any]:
    """The recipe of the front page."""
    return ["front", [s.id for s in main], [[sec.slug, [s.id for s in b]] for sec, b in blocks]]


def list_recipe(page: ListPage) -> list[Any]:
    """The recipe of a page of a section or tag listing."""
    return ["list", page.kind, page.key, page.title, page.number, page.total, page.first_path,
            page.feed_path, [s.id for s in page.stories]]


def feed_recipe(feed: Feed) -> list[Any]:
    """The recipe of an Atom feed."""
    return ["feed", feed.title, feed.page_path, [s.id for s in feed.entries]]


def placement(story: PublicStory) -> tuple[object, ...]:
    """What decides where a story shows and what its pages link to."""
    return (story.slug, story.section, story.tags, story.publish_at, story.links,
            tuple((photo.id, photo.sha256) for photo in story.photos), story.aliases)


def prepare(cache: ExportCache, store_key: str, state: State,
            selection_of: Callable[[Known], Selection | None]) -> Quick | None:
    """The pages a quick re-export remakes, or None when one cannot be made (see above).

    ``selection_of(known)`` reads the changed stories (see
    :func:`~cms.export.selection.select_changed`) and applies the export's options.
    Raises :class:`DamagedIndex` when the index cannot be trusted.
    """
    index = state.index
    kept = snapshot.load_meta(cache, store_key) if index is not None else None
    if index is None or kept is None:
        return None
    known, base = kept
    try:
        if digest(base) != index.meta["token"] or index.meta["left_out"] != []:
            # The cache holds another selection than this folder was made from; or a
            # photo was left out, which may read now (its story need not change for that).
            return None
        links_until = from_iso(index.meta["links_until"] or None)
        slugs = [str(slug) for slug in index.meta["sections"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise DamagedIndex(f"the index's meta: {exc}") from exc
    if not all(map(is_safe_slug, slugs)) or not state.index_intact():
        raise DamagedIndex("unsafe section names, or rows lost since the export wrote them")
    selection: Selection | None = selection_of(known)
    if selection is None or (links_until is not None and selection.as_of >= links_until):
        return None
    # As the whole site has them (cms.export.site.build_site): the rows' names and order.
    rows = {section.slug: section for section in selection.sections}
    sections = [rows.get(slug) or SectionInfo(slug, slug.replace("-", " ").title(), 10**6)
                for slug in slugs]
    changed = set(selection.reread or ())
    if selection.skipped_by_id or changed & known.skipped.keys():
        return None
    now = {story.id: story for story in selection.stories}
    before = snapshot.load_stories(cache, store_key, sorted(changed))
    if before is None or any(sid not in before or sid not in now
                             or placement(before[sid]) != placement(now[sid]) for sid in changed):
        return None  # a story came, went or moved: the pages list other stories
    try:
        recipes = {path: json.loads(text) for path, text in state.pages_showing(changed).items()}
        front = FRONT_PAGE in recipes
        if not front:  # the sitemap's entry for the front page names the newest story
            recipes.update((p, json.loads(t)) for p, t in state.recipes([FRONT_PAGE]).items())
        holders = state.holders_of(changed)
        return _arrange(cache, store_key, state, selection, known, base, sections, recipes,
                        changed, holders, front, now)
    except (KeyError, TypeError, ValueError, IndexError, sqlite3.Error) as exc:
        raise DamagedIndex(f"{type(exc).__name__}: {exc}") from exc


def _arrange(cache: ExportCache, store_key: str, state: State, selection: Selection,
             known: Known, base: str, sections: list[SectionInfo], recipes: dict[str, Any],
             changed: set[str], holders: set[str], front: bool,
             now: dict[str, PublicStory]) -> Quick | None:
    """Decode the stories the pages to remake show and make a site of them."""
    if not all(is_bundle_path(path) for path in recipes) or FRONT_PAGE not in recipes:
        raise DamagedIndex("a page outside the bundle, or no front page")
    shown = {sid for recipe in recipes.values() for sid in _ids(recipe)}
    wanted = (shown | holders) - changed
    stories = snapshot.load_stories(cache, store_key, sorted(wanted))
    if stories is None or len(stories) != len(wanted):
        return None  # a kept story the index names is gone: not the same selection
    stories.update(now)
    targets = {link.target_story_id for sid in changed | holders
               for link in stories[sid].links if link.target_story_id} - stories.keys()
    found = snapshot.load_stories(cache, store_key, sorted(targets))  # the public ones
    if found is None or cache.selection_meta(store_key) != base:
        return None  # another export kept its own selection meanwhile
    stories.update(found)
    tags = {tag for story in stories.values() for tag in story.tags}
    tag_slug = state.tag_slugs(tags)
    if len(tag_slug) != len(tags) or not all(map(is_safe_slug, tag_slug.values())):
        raise DamagedIndex("a tag without a page name, or an unsafe one")
    by_section = {section.slug: section for section in sections}
    kind, main, blocks = recipes[FRONT_PAGE]
    if kind != "front":
        raise DamagedIndex("the front page's recipe is of another kind")
    site = site_of(selection, newest_first(stories.values()), sections, tag_slug,
                   front=([stories[sid] for sid in main],
                          [(by_section[slug], [stories[sid] for sid in ids])
                           for slug, ids in blocks]))
    add_read_next(site, [stories[sid] for sid in sorted(changed | holders)])
    lists, feeds = [], []
    for path, recipe in sorted(recipes.items()):
        if recipe[0] == "list":
            _kind, kind, key, title, number, total, first_path, feed_path, ids = recipe
            if kind not in ("section", "tag") or not is_bundle_path(first_path) or (
                    feed_path is not None and not is_bundle_path(feed_path)):
                raise DamagedIndex(f"the recipe of {path}")
            lists.append(ListPage(path, str(title), kind, str(key), int(number), int(total),
                                  tuple(stories[sid] for sid in ids), first_path, feed_path))
        elif recipe[0] == "feed":
            _kind, title, page_path, ids = recipe
            if not is_bundle_path(page_path):
                raise DamagedIndex(f"the recipe of {path}")
            feeds.append(Feed(path, page_path, str(title), [stories[sid] for sid in ids]))
        elif path != FRONT_PAGE:
            raise DamagedIndex(f"the recipe of {path}")
    return Quick(selection, known, base, site, changed, holders, front, lists, feeds)


def _ids(recipe: list[Any]) -> list[str]:
    kind = recipe[0]
    if kind == "front":
        ids = list(recipe[1]) + [sid for _slug, block in recipe[2] for sid in block]
    elif kind == "list":
        ids = list(recipe[8])
    elif kind == "feed":
        ids = list(recipe[3])
    else:
        raise ValueError(f"a recipe of an unknown kind: {kind!r}")
    if not all(type(sid) is str for sid in ids):
        raise TypeError("a recipe naming something else than stories")
    return ids
