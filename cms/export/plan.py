"""The plan of an export: every file of the bundle, its key, and how to make it.

Every file is planned with a *key*, the hash of everything it is made from (the
story revisions it shows, their visible links, the theme, the settings, the
renderer). A file whose key matches the state of the previous export into the
same folder is not rendered again (see :mod:`cms.export.build`). After edits,
only the files that show a changed story are planned; the others keep their
records. The recipes of list pages, the front page and feeds, recorded when
every file is planned, go into the folder's site index (:mod:`cms.export.quick`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from cms.blobs import blob_bytes
from cms.errors import NewsroomError
from cms.export.bodies import Bodies, RenderCache, renderer_fingerprint
from cms.export.cache import ExportCache
from cms.export.feeds import (
    atom_feed,
    patched_sitemap,
    robots,
    sitemap,
)
from cms.export.folder import OutputFolder
from cms.export.images import Rendition, Renditions, default_rendition
from cms.export.metadata import ninjs
from cms.export.options import ExportOptions
from cms.export.pages import (
    BODY_SIZES,
    MEDIA_TOKEN,
    PageRenderer,
    media_token,
)
from cms.export.paths import MANIFEST_FILE
from cms.export.quick import Quick, feed_recipe, front_recipe, list_recipe
from cms.export.redirects import REDIRECTS_FILE, redirect_page, redirects_map, site_redirects
from cms.export.selection import Photo, PublicStory
from cms.export.site import (
    Feed,
    FrontBlock,
    ListPage,
    Site,
    global_key,
    links_change_at,
    site_layout,
    story_signature,
    story_state,
)
from cms.export.site import digest as key_of
from cms.export.state import SiteIndex, State
from cms.export.theme import Theme
from cms.figures import FigurePhoto


@dataclass
class Planned:
    path: str
    key: str | None  # None: always produce, compare bytes
    produce: Callable[[], bytes]
    bodies: tuple[str, ...] = ()
    cacheable: bool = True  # pages, redirects, feeds, ninjs; not static files or photos
    gathers: bool = False  # shows bodies that other files show (a feed): made after them


class Shows:
    """Whether a file shows any of the changed stories (every file does when all changed)."""

    def __init__(self, changed: set[str] | None) -> None:
        self.changed = changed

    def any(self, stories: Iterable[PublicStory]) -> bool:
        """True when one of ``stories`` changed (always, when everything is planned)."""
        changed = self.changed
        return changed is None or any(story.id in changed for story in stories)


class Plan:
    """The files of one export: which ones, the key of each, and how each is made.

    A plan looks at every file, or (after edits, when the previous export into the
    same folder had the same layout) only at the files that show a changed story;
    a quick one (see :mod:`cms.export.quick`) finds those in the folder's site index.
    :class:`~cms.export.build.Export` renders what it says.
    """

    def __init__(self, session: Session, site: Site, theme: Theme, options: ExportOptions,
                 state: State | None, single: PublicStory | None, export_cache: ExportCache,
                 quick: Quick | None = None, folder: OutputFolder | None = None) -> None:
        """``folder``: the output folder holding the export ``state`` describes (if any)."""
        self.session = session
        self.folder = folder
        self.quick = quick
        self.site = site
        self.theme = theme
        self.options = options
        self.state = state
        self.single = single
        self.renditions = Renditions(options.cache_dir, state.renditions if state else None)
        self.export_cache = export_cache
        self.cache = RenderCache(export_cache)
        self.bodies: Bodies | dict[str, str] = {}  # media links still as MEDIA_TOKEN
        self._sig: Callable[[PublicStory], str] = story_signature
        self.story_states: dict[str, str] = {}
        self.layout = ""
        self.partial = False  # True when only the files showing changed stories were planned
        self.full = False  # True: plan every file whatever changed
        self.placed: dict[str, set[str]] = {}
        self.recipes: dict[str, tuple[str, tuple[str, ...]]] = {}  # when every file is planned
        self._changed_states: set[str] = set()
        self.stale: set[str] = set()  # files found edited by hand: written even if unchanged
        self.used_renditions: dict[str, list[Rendition]] = {}
        self.media: dict[str, tuple[str, Rendition]] = {}
        bundled = None
        if single is not None:
            bundled = self._in_single_bundle
        self.pages = PageRenderer(site, theme, self.renditions_of, bundled)
        self.global_key = global_key(site, theme.fingerprint, single=single is not None)
        # Only pages that show bodies depend on how Markdown becomes HTML.
        self.body_key = key_of(self.global_key, renderer_fingerprint())

    def _in_single_bundle(self, path: str) -> bool:
        return path.startswith(("static/", "media/")) or path in ("index.html", "ninjs.json")

    def _fetch(self, sha256: str) -> bytes:
        return blob_bytes(self.session, sha256)

    def renditions_of(self, photo: Photo) -> list[Rendition]:
        """The renditions of a placed photo (recording them as part of the bundle).

        A photo that cannot be read has none: pages leave it out and the report says so.
        """
        items = self.renditions.get(photo.sha256, self._fetch)
        if not items:
            return items
        if photo.sha256 not in self.used_renditions:
            self.used_renditions[photo.sha256] = items
            for rendition in items:
                self.media[rendition.path] = (photo.sha256, rendition)
        return items

    def figure_photos(self, story: PublicStory) -> tuple[FigurePhoto, ...]:
        """The story's photos as body figures, with media links still as MEDIA_TOKEN."""
        result = []
        for photo in story.photos:
            renditions = self.renditions_of(photo)
            if not renditions:
                continue
            main = default_rendition(renditions)
            result.append(FigurePhoto(
                id=photo.id, sha256=photo.sha256, caption=photo.caption, credit=photo.credit,
                alt=photo.alt or photo.caption or "Photo", role=photo.role,
                src=media_token(main.path),
                srcset=", ".join(f"{media_token(r.path)} {r.width}w" for r in renditions),
                sizes=BODY_SIZES, width=main.width, height=main.height,
            ))
        return tuple(result)

    def absolute_body(self, story_id: str) -> str:
        """A rendered body with absolute media links (for feeds and ninjs)."""
        return self.bodies[story_id].replace(MEDIA_TOKEN, self.site.absolute("media/"))

    # Making each kind of file --------------------------------------------------

    def _story_page(self, story: PublicStory, page: str) -> bytes:
        return self.pages.story(story, self.bodies[story.id], page_path=page,
                                placed=self.placed.get(story.id, set())).encode("utf-8")

    def _ninjs(self, story: PublicStory) -> bytes:
        return _json_bytes(ninjs(self.site, story, self.absolute_body(story.id),
                                 [self.renditions_of(p) for p in story.photos]))

    def _front(self) -> bytes:
        return self.pages.front().encode("utf-8")

    def _listing(self, page: ListPage) -> bytes:
        return self.pages.listing(page).encode("utf-8")

    def _feed(self, feed: Feed) -> bytes:
        bodies = {s.id: self.absolute_body(s.id) for s in feed.entries}
        return atom_feed(self.site, title=feed.title, feed_path=feed.path,
                         page_path=feed.page_path, stories=feed.entries,
                         bodies=bodies).encode("utf-8")

    # Planning ------------------------------------------------------------------

    def plan(self) -> list[Planned]:
        """Every file of the bundle with its key and how to make it.

        When the previous export into the same folder had the same layout, only
        the files that show a story whose state changed are planned (its page and
        ninjs, the pages linking to it, the lists, front page and feeds showing
        it), plus the few files made every time; :meth:`run` keeps the rest.
        """
        if self.quick is not None:
            return self._plan_quick(self.quick)
        site = self.site
        signatures = self._signatures([self.single] if self.single is not None
                                      else site.stories)
        body_key = self.body_key
        if self.single is None:
            self.story_states = {s.id: story_state(site, s, signatures[s.id])
                                 for s in site.stories}
            self.layout = site_layout(site, body_key)
        changed = self._changed_stories()
        self._changed_states = changed or set()
        shows = Shows(changed)
        planned = self._plan_static()
        if self.single is None:
            planned += self._plan_site(shows)
            stories = site.stories
        else:
            stories = [self.single]
        if changed is not None:  # only the changed stories and the pages linking to them
            stories = [site.by_id[sid] for sid in sorted(changed | site.linking_to(changed))]
        planned += self._plan_stories(stories, shows, body_key)
        planned += self._plan_media()
        if self.single is None and changed is None:  # aliases are part of the layout
            planned += self._plan_redirects({item.path for item in planned})
        self.partial = changed is not None
        return planned

    def _plan_redirects(self, taken: set[str]) -> list[Planned]:
        """A redirect page for each old URL of a story, and ``redirects.json`` (see
        :mod:`cms.export.redirects`)."""
        site = self.site
        paths = {story.id: site.story_path(story) for story in site.stories}
        found = site_redirects(site.stories, paths, taken | {MANIFEST_FILE, REDIRECTS_FILE})
        planned = [Planned(r.page, key_of(self.global_key, "redirect", r.page, paths[r.story.id],
                                          site.language_of(r.story)),
                           partial(self._redirect, r.page, paths[r.story.id],
                                   site.language_of(r.story)))
                   for r in found if r.page is not None]  # cached: linked, not written again
        if found:
            planned.append(Planned(REDIRECTS_FILE, None, partial(redirects_map, found, paths),
                                   cacheable=False))
        return planned

    def _redirect(self, page: str, target: str, language: str) -> bytes:
        """The redirect page at ``page``, in the language of the story it leads to."""
        return redirect_page(page, target, self.site.absolute(target), language).encode("utf-8")

    def _signatures(self, stories: list[PublicStory]) -> dict[str, str]:
        """Each story of the site as pages show it: its revision, its update time, and the
        file names of its photos' renditions (which change only when the encoder's output
        does); ``stories`` first get their renditions, so that every one is known before
        the media are planned."""
        for story in stories:
            for photo in story.photos:
                self.renditions_of(photo)
        signatures = {
            story.id: story_signature(story) + "|" + ",".join(
                r.path for p in story.photos for r in self.used_renditions.get(p.sha256, ()))
            for story in self.site.stories
        }
        self._sig = lambda story: signatures[story.id]
        return signatures

    def _plan_quick(self, quick: Quick) -> list[Planned]:
        """The files that show a changed story, planned from the folder's site index (see
        :mod:`cms.export.quick`); the other files, media included, keep their records."""
        assert self.state is not None
        site = self.site
        signatures = self._signatures(site.stories)
        self.layout = self.state.layout  # every page lists what it listed: see quick.prepare
        self.story_states = dict(self.state.stories)
        for sid in quick.changed | quick.holders:
            self.story_states[sid] = story_state(site, site.by_id[sid], signatures[sid])
        shows = Shows(quick.changed)
        planned = self._plan_static()
        if quick.front:
            planned.append(self._plan_front(*site.front_stories(), record=False))
        planned += [self._plan_list(page, record=False) for page in quick.lists]
        planned += [self._plan_feed(feed, record=False) for feed in quick.feeds]
        newest = site.front_stories()[0][:1]  # the site's newest story leads the front page
        planned += self._plan_sitemap_robots(
            [("index.html", newest[0].updated if newest else None)]
            + [(site.story_path(site.by_id[sid]), site.by_id[sid].updated)
               for sid in sorted(quick.changed)],
            quick.changed)
        stories = [site.by_id[sid] for sid in sorted(quick.changed | quick.holders)]
        planned += self._plan_stories(stories, shows, self.body_key)
        planned += self._plan_media()
        self.partial = True
        return planned

    def _plan_static(self) -> list[Planned]:
        return [Planned(path, hashlib.sha256(data).hexdigest(), partial(bytes, data),
                         cacheable=False) for path, data in self.theme.static.items()]

    def _plan_media(self) -> list[Planned]:
        return [Planned(path, path, partial(self.renditions.data, rendition, self._fetch, sha),
                         cacheable=False)
                for path, (sha, rendition) in sorted(self.media.items())]

    def _plan_stories(self, stories: list[PublicStory], shows: Shows, body_key: str
                      ) -> list[Planned]:
        """Each story's page (and its ninjs document, when the story itself changed)."""
        site, sig = self.site, self._sig
        planned: list[Planned] = []
        for story in stories:
            page = "index.html" if self.single else site.story_path(story)
            doc = "ninjs.json" if self.single else site.ninjs_path(story)
            # Key parts as plain strings: hashing them is the hot loop of a re-export.
            links = [f"{item.label}\x1c{sig(item.story) if item.story else item.url}"
                     for item in site.read_next.get(story.id, ())]
            tags = [f"{tag}\x1c{site.tag_slug.get(tag, '')}" for tag in story.tags]
            planned.append(Planned(
                page, key_of(body_key, "story", sig(story), links, tags),
                partial(self._story_page, story, page),
                (story.id,),
            ))
            if shows.any((story,)):
                planned.append(Planned(
                    doc, key_of(body_key, "ninjs", sig(story)),
                    partial(self._ninjs, story),
                    (story.id,),
                ))
        return planned

    def _changed_stories(self) -> set[str] | None:
        """The stories whose pages may differ from the previous export; None: all of them.

        Only when the previous export into this folder had the same layout (the
        same pages, showing the same stories in the same order, with the same
        theme, settings and renderer) can the others keep their files unseen; and
        only with its site index whole, which the new state carries over from it.
        """
        state = self.state
        if (self.full or self.single is not None or state is None
                or state.layout != self.layout or not state.index_intact()):
            return None
        return {sid for sid, value in self.story_states.items()
                if state.stories.get(sid) != value}

    def _plan_site(self, shows: Shows) -> list[Planned]:
        """The front page, list pages and feeds showing a changed story (all of them when
        every file is planned: their recipes then go into the site index), the sitemap
        and robots.txt."""
        site = self.site
        record = shows.changed is None
        planned: list[Planned] = []
        main, blocks = site.front_stories()
        if shows.any(main) or any(shows.any(block) for _section, block in blocks):
            planned.append(self._plan_front(main, blocks, record=record))
        for page in site.list_pages(shows.changed):
            if shows.any(page.stories):
                planned.append(self._plan_list(page, record=record))
        planned += [self._plan_feed(feed, record=record) for feed in site.feeds()
                    if shows.any(feed.entries)]
        urls: list[tuple[str, datetime | None]] = [
            ("index.html", site.stories[0].updated if site.stories else None)]
        urls += [(site.section_path(s.slug), None) for s in site.sections]
        urls += [(site.story_path(s), s.updated) for s in site.stories]
        return planned + self._plan_sitemap_robots(urls, shows.changed)

    def _plan_front(self, main: list[PublicStory], blocks: list[FrontBlock], *, record: bool
                    ) -> Planned:
        sig = self._sig
        key = key_of(self.global_key, "front", [sig(s) for s in main],
                     [sec.slug + "\x1c" + "\x1d".join(sig(s) for s in block)
                      for sec, block in blocks])
        if record:
            self._record("index.html", front_recipe(main, blocks),
                         [*main, *(s for _sec, block in blocks for s in block)])
        return Planned("index.html", key, self._front)

    def _plan_list(self, page: ListPage, *, record: bool) -> Planned:
        key = key_of(self.global_key, "list", page.kind, page.key, page.number, page.total,
                     [self._sig(s) for s in page.stories])
        if record:
            self._record(page.path, list_recipe(page), page.stories)
        return Planned(page.path, key, partial(self._listing, page))

    def _plan_feed(self, feed: Feed, *, record: bool) -> Planned:
        if record:
            self._record(feed.path, feed_recipe(feed), feed.entries)
        return Planned(
            feed.path, key_of(self.global_key, renderer_fingerprint(), "feed", feed.path,
                              [self._sig(s) for s in feed.entries]),
            partial(self._feed, feed),
            tuple(s.id for s in feed.entries),
            gathers=True,
        )

    def _record(self, path: str, recipe: list[object], stories: Iterable[PublicStory]) -> None:
        """Keep a page's recipe for the site index (see :mod:`cms.export.quick`)."""
        self.recipes[path] = (json.dumps(recipe, ensure_ascii=False),
                              tuple(dict.fromkeys(s.id for s in stories)))

    def _plan_sitemap_robots(self, urls: list[tuple[str, datetime | None]],
                             changed: set[str] | None) -> list[Planned]:
        return [Planned("sitemap.xml", None, partial(self._sitemap, urls, changed)),
                Planned("robots.txt", None, partial(_encoded, robots, self.site))]

    def _sitemap(self, urls: list[tuple[str, datetime | None]], changed: set[str] | None
                 ) -> bytes:
        """sitemap.xml; after a partial plan, the previous one with the changed stories'
        entries (and the front page's) made anew, when it is still the one in the folder."""
        site, folder = self.site, self.folder
        if self.state is not None and changed is not None and folder is not None:
            record = self.state.records(["sitemap.xml"]).get("sitemap.xml")
            paths = {"index.html"} | {site.story_path(site.by_id[sid])
                                      for sid in changed if sid in site.by_id}
            data = patched_sitemap(folder.read("sitemap.xml"), record.sha256, site, [
                (path, lastmod) for path, lastmod in urls if path in paths
            ]) if record is not None else None
            if data is not None:
                return data
            self.stale.add("sitemap.xml")  # not the one the state knows: write it whatever
            if self.quick is not None:  # it lists only the changed stories' entries
                raise NewsroomError("sitemap.xml changed during the export; nothing was "
                                    "changed: export again")
        return sitemap(site, urls).encode("utf-8")

    def index(self) -> SiteIndex | None:
        """The site index of the new state (without its token: see :func:`export_site`)."""
        site, state, quick = self.site, self.state, self.quick
        if self.single is not None:
            return None
        if quick is not None and state is not None and state.index is not None:
            meta = dict(state.index.meta)  # the same sections, inputs and link windows
            meta["left_out"] = self._left_out()
            return SiteIndex(meta)
        meta = {
            "token": "", "inputs": self.body_key,
            "links_until": _iso(links_change_at(site.stories, site.as_of)),
            "sections": [s.slug for s in site.sections],
            "left_out": self._left_out(),
        }
        links = {sid: tuple(dict.fromkeys(item.story.id for item in items
                                          if item.story is not None))
                 for sid, items in site.read_next.items()
                 if self.partial is False or sid in self._changed_states}
        if self.partial:  # the same pages listing the same stories: recipes and tags stay
            return SiteIndex(meta, None, links, None)
        return SiteIndex(meta, dict(self.recipes), links, dict(site.tag_slug))

    def left_out(self) -> list[tuple[str, str]]:
        """``(story slug, why)`` for each photo left out because it cannot be read."""
        return [(slug, why) for _sid, slug, why in self._left_out()]

    def _left_out(self) -> list[list[str]]:
        """``[story id, slug, why]`` for each photo left out; in a quick re-export, of the
        changed stories (none was left out before: see :func:`cms.export.quick.prepare`)."""
        if self.single is not None:
            stories = [self.single]
        elif self.quick is not None:
            stories = [self.site.by_id[sid] for sid in sorted(self.quick.changed)]
        else:
            stories = self.site.stories
        broken = self.renditions.broken
        return sorted([story.id, story.slug,
                       f"photo {photo.id[:8]} left out: {broken[photo.sha256]}"]
                      for story in stories for photo in story.photos if photo.sha256 in broken)

    def cache_bodies(self, cache: ExportCache) -> None:
        """Keep the bodies this process rendered (a worker passes its own connection)."""
        if isinstance(self.bodies, Bodies):
            cache.put_bodies(self.bodies.take_fresh())

def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def _encoded(make: Callable[..., str], *args: object) -> bytes:
    return make(*args).encode("utf-8")


def _json_bytes(value: object) -> bytes:
    # Compact: json's C encoder is only used without indent (ten times faster).
    return (json.dumps(value, ensure_ascii=False, sort_keys=True) + "\n").encode()

