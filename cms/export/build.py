"""The export, start to finish: select, plan, render what changed, write, swap.

Every file of the bundle is planned with a *key*, the hash of everything it is
made from (the story revisions it shows, their visible links, the theme, the
settings, the renderer). A file whose key matches the state of the previous
export into the same folder is not rendered again; a rendered file whose bytes
did not change is not written. That is what makes re-exporting after one edit
touch only the pages that show the edited story.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from sqlalchemy.orm import Session

from cms.blobs import blob_bytes
from cms.config import SETTINGS, all_settings
from cms.errors import NewsroomError, NotFound, UsageError
from cms.export import parallel
from cms.export.arrange import arrange
from cms.export.bodies import Bodies, RenderCache, renderer_fingerprint
from cms.export.cache import ExportCache
from cms.export.feeds import (
    atom_feed,
    manifest,
    patched_manifest,
    patched_sitemap,
    robots,
    sitemap,
)
from cms.export.images import Rendition, Renditions, default_rendition
from cms.export.metadata import ninjs
from cms.export.options import ExportCancelled, ExportOptions, ExportReport, Progress
from cms.export.pages import (
    BODY_SIZES,
    MEDIA_TOKEN,
    PageRenderer,
    keep_bundle_images,
    media_token,
    placed_photo_ids,
    without_figures,
)
from cms.export.paths import MANIFEST_FILE, STATE_FILE
from cms.export.quick import Quick, feed_recipe, front_recipe, list_recipe
from cms.export.selection import Photo, PublicStory, load_bodies
from cms.export.site import (
    FEED_ENTRIES,
    GENERATOR,
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
from cms.export.state import FileRecord, SiteIndex, State
from cms.export.theme import Theme
from cms.export.writer import (
    Staging,
    apply_changes,
    check_output_folder,
    check_zip_target,
    existing_files,
    swap_in,
    write_zip,
)
from cms.figures import FigurePhoto
from cms.store import Store
from cms.stories import resolve
from cms.timeutil import as_utc, utcnow


@dataclass
class _Planned:
    path: str
    key: str | None  # None: always produce, compare bytes
    produce: Callable[[], bytes]
    bodies: tuple[str, ...] = ()
    cacheable: bool = True  # pages, feeds, ninjs; not static files or photos (cached apart)


class _Shows:
    """Whether a file shows any of the changed stories (every file does when all changed)."""

    def __init__(self, changed: set[str] | None) -> None:
        self.changed = changed

    def any(self, stories: Iterable[PublicStory]) -> bool:
        """True when one of ``stories`` changed (always, when everything is planned)."""
        changed = self.changed
        return changed is None or any(story.id in changed for story in stories)


class _Build:
    """One export run (keeps the pieces together so the steps stay small)."""

    def __init__(self, session: Session, site: Site, theme: Theme, options: ExportOptions,
                 state: State | None, single: PublicStory | None, export_cache: ExportCache,
                 progress: Progress, cancelled: Callable[[], bool],
                 quick: Quick | None = None) -> None:
        self.session = session
        self.quick = quick
        self.site = site
        self.theme = theme
        self.options = options
        self.state = state
        self.single = single
        self.progress = progress
        self.cancelled = cancelled
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

    def _feed(self, path: str, page_path: str, title: str, entries: list[PublicStory]
              ) -> bytes:
        bodies = {s.id: self.absolute_body(s.id) for s in entries}
        return atom_feed(self.site, title=title, feed_path=path, page_path=page_path,
                         stories=entries, bodies=bodies).encode("utf-8")

    # Planning ------------------------------------------------------------------

    def plan(self) -> list[_Planned]:
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
        shows = _Shows(changed)
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
        self.partial = changed is not None
        return planned

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

    def _plan_quick(self, quick: Quick) -> list[_Planned]:
        """The files that show a changed story, planned from the folder's site index (see
        :mod:`cms.export.quick`); the other files, media included, keep their records."""
        assert self.state is not None
        site = self.site
        signatures = self._signatures(site.stories)
        self.layout = self.state.layout  # every page lists what it listed: see quick.prepare
        self.story_states = dict(self.state.stories)
        for sid in quick.changed | quick.holders:
            self.story_states[sid] = story_state(site, site.by_id[sid], signatures[sid])
        shows = _Shows(quick.changed)
        planned = self._plan_static()
        if quick.front:
            planned.append(self._plan_front(*site.front_stories(), record=False))
        planned += [self._plan_list(page, record=False) for page in quick.lists]
        planned += [self._plan_feed(f.path, f.page_path, f.title, f.entries, record=False)
                    for f in quick.feeds]
        newest = site.front_stories()[0][:1]
        planned += self._plan_sitemap_robots(
            [("index.html", newest[0].modified_at or newest[0].publish_at if newest else None)]
            + [(site.story_path(site.by_id[sid]), site.by_id[sid].modified_at
                or site.by_id[sid].publish_at) for sid in sorted(quick.changed)],
            quick.changed)
        stories = [site.by_id[sid] for sid in sorted(quick.changed | quick.holders)]
        planned += self._plan_stories(stories, shows, self.body_key)
        planned += self._plan_media()
        self.partial = True
        return planned

    def _plan_static(self) -> list[_Planned]:
        return [_Planned(path, hashlib.sha256(data).hexdigest(), partial(bytes, data),
                         cacheable=False) for path, data in self.theme.static.items()]

    def _plan_media(self) -> list[_Planned]:
        return [_Planned(path, path, partial(self.renditions.data, rendition, self._fetch, sha),
                         cacheable=False)
                for path, (sha, rendition) in sorted(self.media.items())]

    def _plan_stories(self, stories: list[PublicStory], shows: _Shows, body_key: str
                      ) -> list[_Planned]:
        """Each story's page (and its ninjs document, when the story itself changed)."""
        site, sig = self.site, self._sig
        planned: list[_Planned] = []
        for story in stories:
            page = "index.html" if self.single else site.story_path(story)
            doc = "ninjs.json" if self.single else site.ninjs_path(story)
            # Key parts as plain strings: hashing them is the hot loop of a re-export.
            links = [f"{item.label}\x1c{sig(item.story) if item.story else item.url}"
                     for item in site.read_next.get(story.id, ())]
            tags = [f"{tag}\x1c{site.tag_slug.get(tag, '')}" for tag in story.tags]
            planned.append(_Planned(
                page, key_of(body_key, "story", sig(story), links, tags),
                partial(self._story_page, story, page),
                (story.id,),
            ))
            if shows.any((story,)):
                planned.append(_Planned(
                    doc, key_of(body_key, "ninjs", sig(story)),
                    partial(self._ninjs, story),
                    (story.id,),
                ))
        return planned

    def _changed_stories(self) -> set[str] | None:
        """The stories whose pages may differ from the previous export; None: all of them.

        Only when the previous export into this folder had the same layout (the
        same pages, showing the same stories in the same order, with the same
        theme, settings and renderer) can the others keep their files unseen.
        """
        state = self.state
        if (self.full or self.single is not None or state is None
                or state.layout != self.layout):
            return None
        return {sid for sid, value in self.story_states.items()
                if state.stories.get(sid) != value}

    def _plan_site(self, shows: _Shows) -> list[_Planned]:
        """The front page, list pages and feeds showing a changed story (all of them when
        every file is planned: their recipes then go into the site index), the sitemap
        and robots.txt."""
        site = self.site
        record = shows.changed is None
        planned: list[_Planned] = []
        main, blocks = site.front_stories()
        if shows.any(main) or any(shows.any(block) for _section, block in blocks):
            planned.append(self._plan_front(main, blocks, record=record))
        for page in site.list_pages(shows.changed):
            if shows.any(page.stories):
                planned.append(self._plan_list(page, record=record))
        feeds = [("feed.atom", "index.html", f"{site.desk_name}: latest",
                  site.stories[:FEED_ENTRIES])]
        for sec in site.sections:
            feeds.append((site.section_feed_path(sec.slug), site.section_path(sec.slug),
                          f"{site.desk_name}: {sec.name}",
                          site.section_stories[sec.slug][:FEED_ENTRIES]))
        for path, page_path, title, entries in feeds:
            if shows.any(entries):
                planned.append(self._plan_feed(path, page_path, title, entries, record=record))
        newest = site.stories[0].modified_at or site.stories[0].publish_at if site.stories \
            else None
        urls: list[tuple[str, datetime | None]] = [("index.html", newest)]
        urls += [(site.section_path(s.slug), None) for s in site.sections]
        urls += [(site.story_path(s), s.modified_at or s.publish_at) for s in site.stories]
        return planned + self._plan_sitemap_robots(urls, shows.changed)

    def _plan_front(self, main: list[PublicStory], blocks: list[FrontBlock], *, record: bool
                    ) -> _Planned:
        sig = self._sig
        key = key_of(self.global_key, "front", [sig(s) for s in main],
                     [sec.slug + "\x1c" + "\x1d".join(sig(s) for s in block)
                      for sec, block in blocks])
        if record:
            self._record("index.html", front_recipe(main, blocks),
                         [*main, *(s for _sec, block in blocks for s in block)])
        return _Planned("index.html", key, self._front)

    def _plan_list(self, page: ListPage, *, record: bool) -> _Planned:
        key = key_of(self.global_key, "list", page.kind, page.key, page.number, page.total,
                     [self._sig(s) for s in page.stories])
        if record:
            self._record(page.path, list_recipe(page), page.stories)
        return _Planned(page.path, key, partial(self._listing, page))

    def _plan_feed(self, path: str, page_path: str, title: str, entries: list[PublicStory],
                   *, record: bool) -> _Planned:
        if record:
            self._record(path, feed_recipe(title, page_path, entries), entries)
        return _Planned(
            path, key_of(self.global_key, renderer_fingerprint(), "feed", path,
                         [self._sig(s) for s in entries]),
            partial(self._feed, path, page_path, title, entries),
            tuple(s.id for s in entries),
        )

    def _record(self, path: str, recipe: list[object], stories: Iterable[PublicStory]) -> None:
        """Keep a page's recipe for the site index (see :mod:`cms.export.quick`)."""
        self.recipes[path] = (json.dumps(recipe, ensure_ascii=False),
                              tuple(dict.fromkeys(s.id for s in stories)))

    def _plan_sitemap_robots(self, urls: list[tuple[str, datetime | None]],
                             changed: set[str] | None) -> list[_Planned]:
        return [_Planned("sitemap.xml", None, partial(self._sitemap, urls, changed)),
                _Planned("robots.txt", None, partial(_encoded, robots, self.site))]

    def _sitemap(self, urls: list[tuple[str, datetime | None]], changed: set[str] | None
                 ) -> bytes:
        """sitemap.xml; after a partial plan, the previous one with the changed stories'
        entries (and the front page's) made anew, when it is still the one in the folder."""
        site, out = self.site, self.options.out
        if self.state is not None and changed is not None and out is not None:
            record = self.state.records(["sitemap.xml"]).get("sitemap.xml")
            paths = {"index.html"} | {site.story_path(site.by_id[sid])
                                      for sid in changed if sid in site.by_id}
            data = patched_sitemap(out / "sitemap.xml", record.sha256, site, [
                (path, lastmod) for path, lastmod in urls if path in paths
            ]) if record is not None else None
            if data is not None:
                return data
            self.stale.add("sitemap.xml")  # not the one the state knows: write it whatever
            if self.quick is not None:  # it lists only the changed stories' entries
                raise NewsroomError("sitemap.xml changed during the export; nothing was "
                                    "changed: export again")
        return sitemap(site, urls).encode("utf-8")

    # Running -------------------------------------------------------------------

    def run(self, staging: Staging, report: ExportReport, out: Path | None,
            present: set[str] | None = None) -> State:
        """Render what is needed into ``staging``; return the new state. ``present``: the
        files in ``out`` (a quick re-export has looked already: see :func:`export_site`)."""
        planned = self.plan()
        state = self.state
        if present is None:
            present = existing_files(out) if out is not None and state is not None else set()
        if state is not None and self.partial and self.quick is None \
                and not self._carried_present(planned, present):
            self.full = True  # someone removed files from the folder: look at every file
            planned = self.plan()
        old: dict[str, FileRecord] = {}
        if state is not None:  # a partial plan needs the records of its own files only
            old = state.records([i.path for i in planned] + [MANIFEST_FILE]) if self.partial \
                else state.files
        new_files: dict[str, FileRecord] = {}
        report.checked = len(planned)
        todo = []
        kept: list[str] = []
        for item in planned:
            record = old.get(item.path)
            if (record is not None and item.key is not None and record.key == item.key
                    and item.path in present):
                new_files[item.path] = record
                if item.cacheable:
                    kept.append(item.key)
            else:
                todo.append(item)
        if not self.partial:
            self.export_cache.count_export()
            self.export_cache.keep_files(kept)  # still needed by a new folder or a zip
        # Every cached file at once (paths, hashes and sizes only: no file is read).
        cached = self.export_cache.file_paths(
            [item.key for item in todo if item.cacheable and item.key])
        known = set(cached)
        misses = [i for i, item in enumerate(todo)
                  if item.cacheable and item.key and item.key not in known]
        forked = self._forks(len(misses))
        self._prepare_bodies(todo, known, report, render_now=not forked)
        done = self._render_in_workers(todo, misses, staging, old, present) if forked else {}
        fresh: list[tuple[str, str, int, int]] = []
        for index, item in enumerate(todo):
            if index in done:
                new_files[item.path] = done[index]
                continue
            if index % 500 == 0:
                if self.cancelled():
                    raise ExportCancelled("export cancelled; nothing was changed")
                self.progress(index, len(todo), item.path)
                self.export_cache.put_stored(fresh)
                fresh = []
            hit = cached.get(item.key or "")
            source: str | Path | None = None
            data = b""
            if hit is not None:
                sha, source, size = hit
                report.from_cache += 1
            else:
                data = item.produce()
                sha, size = hashlib.sha256(data).hexdigest(), len(data)
                if item.cacheable and item.key:
                    stored = self.export_cache.store_file(item.key, data)
                    if stored is not None:
                        source = stored[0]
                        fresh.append((item.key, sha, stored[1], stored[2]))
            record = old.get(item.path)
            unchanged = (record is not None and record.sha256 == sha and item.path in present
                         and item.path not in self.stale)
            if not unchanged:
                if source is not None:
                    staging.link(item.path, source)  # shares the cached file's bytes
                else:
                    staging.write(item.path, data)
            new_files[item.path] = FileRecord(item.key or sha, sha, size)
        self.export_cache.put_stored(fresh)
        self.cache_bodies(self.export_cache)
        report.rendered = len(todo) - report.from_cache
        report.photos_encoded = self.renditions.encoded
        renditions = dict(sorted(self.used_renditions.items()))
        if state is not None and self.quick is not None:
            # Only the files showing a changed story were planned, media included (the
            # same photos as before): every other record, rendition and index row stays.
            renditions = dict(sorted({**state.renditions, **renditions}.items()))
            new_state = State(new_files, renditions, self.story_states, self.layout,
                              base=state, index=self._index())
        elif state is not None and self.partial:
            # The files a partial plan left out keep their records: the new state is an
            # update of the old one (media are always planned; those not planned are gone).
            gone = frozenset(p for p in state.paths()
                             if p.startswith("media/") and p not in new_files)
            new_state = State(new_files, renditions, self.story_states, self.layout,
                              base=state, deleted=gone, index=self._index())
        else:
            new_state = State(new_files, renditions, self.story_states, self.layout,
                              index=self._index())
        self._add_manifest(new_state, old, present, staging, out)
        self.progress(len(todo), len(todo), "done")
        return new_state

    def _index(self) -> SiteIndex | None:
        """The site index of the new state (without its token: see :func:`export_site`)."""
        site, state, quick = self.site, self.state, self.quick
        if self.single is not None:
            return None
        if quick is not None and state is not None and state.index is not None:
            meta = dict(state.index.meta)  # the same sections, inputs and link windows
            meta["left_out"] = sorted(
                [entry for entry in meta["left_out"] if entry[0] not in quick.changed]
                + self.left_out_entries([site.by_id[sid] for sid in quick.changed]))
            return SiteIndex(meta)
        meta = {
            "token": "", "inputs": self.body_key,
            "links_until": _iso(links_change_at(site.stories, site.as_of)),
            "sections": [[s.slug, s.name, s.position] for s in site.sections],
            "left_out": sorted(self.left_out_entries(site.stories)),
        }
        links = {sid: tuple(dict.fromkeys(item.story.id for item in items
                                          if item.story is not None))
                 for sid, items in site.read_next.items()
                 if self.partial is False or sid in self._changed_states}
        if self.partial:  # the same pages listing the same stories: recipes and tags stay
            return SiteIndex(meta, None, links, None)
        return SiteIndex(meta, dict(self.recipes), links, dict(site.tag_slug))

    def _carried_present(self, planned: list[_Planned], present: set[str]) -> bool:
        """True when every file a partial plan leaves out is still in the folder."""
        assert self.state is not None
        missing = self.state.paths() - present  # set arithmetic: 27,000 paths in a blink
        planned_paths = {item.path for item in planned}
        return all(path in planned_paths or path == MANIFEST_FILE or path.startswith("media/")
                   for path in missing)  # media are always planned

    @staticmethod
    def _add_manifest(new_state: State, old: dict[str, FileRecord], present: set[str],
                      staging: Staging, out: Path | None) -> None:
        """Record ``manifest.json`` in ``new_state``, written only when its bytes change.

        After a partial plan that took no file away, the previous manifest is patched
        where the changed files' entries are, instead of listing every file again.
        """
        files = new_state.changed  # the records this export made
        previous = old.get(MANIFEST_FILE)
        changed = {p: r for p, r in files.items() if old.get(p) != r}
        if new_state.base is None:  # every file planned: the same ones as before?
            unchanged = not changed and len(files) == len(old) - (previous is not None)
        else:
            unchanged = not changed and not new_state.deleted
        if previous is not None and unchanged and MANIFEST_FILE in present:
            files[MANIFEST_FILE] = previous  # nothing changed: neither did the manifest
            return
        data = None
        if new_state.base is not None and not new_state.deleted and previous is not None \
                and out is not None and MANIFEST_FILE in present \
                and all(p in old for p in changed):
            data = patched_manifest(out / MANIFEST_FILE, previous.sha256,
                                    {p: (r.sha256, r.size) for p, r in changed.items()})
        if data is None:
            data = manifest({p: (r.sha256, r.size) for p, r in new_state.files.items()
                             if p != MANIFEST_FILE}, GENERATOR).encode("utf-8")
        sha = hashlib.sha256(data).hexdigest()
        if previous is None or previous.sha256 != sha:
            staging.write(MANIFEST_FILE, data)
        files[MANIFEST_FILE] = FileRecord(sha, sha, len(data))

    def _prepare_bodies(self, todo: list[_Planned], known: set[str], report: ExportReport,
                        *, render_now: bool) -> None:
        """Look up the bodies of the pages to make; render the missing ones now, unless
        forked page workers will (each renders the bodies its pages need)."""
        needed = sorted({sid for item in todo if item.key not in known for sid in item.bodies})
        if not needed:
            return
        items = {}
        for sid, text in load_bodies(self.session, needed).items():
            story = self.site.by_id[sid]
            self.placed[sid] = placed_photo_ids(text, story.photos)
            figures = self.figure_photos(story)
            if len(figures) < len(story.photos):  # a photo that cannot be read: no figure
                text = without_figures(text, story.photos, {f.id for f in figures})
            items[sid] = (text, figures)
        self.bodies = self.cache.lookup(items, keep_bundle_images)
        report.bodies_cached = self.bodies.cached
        report.bodies_rendered = len(items) - self.bodies.cached
        if render_now:
            self.progress(0, len(todo), "rendering story bodies")
            self.cache.render_missing(
                self.bodies, workers=self.options.workers, cancelled=self.cancelled,
                progress=lambda done, total: self.progress(
                    0, len(todo), f"rendered {done}/{total} bodies"),
            )

    def _forks(self, misses: int) -> bool:
        """True when ``misses`` pages no cache holds will render on forked workers."""
        return (parallel.worker_count(self.options.workers) >= 2 and parallel.fork_safe()
                and misses >= parallel.THRESHOLD)

    def _render_in_workers(self, todo: list[_Planned], misses: list[int], staging: Staging,
                           old: dict[str, FileRecord], present: set[str]
                           ) -> dict[int, FileRecord]:
        """Render the pages of ``todo`` at ``misses`` (no cache holds them) on forked workers."""
        workers = parallel.worker_count(self.options.workers)
        job = parallel.Job(
            produce=[todo[i].produce for i in misses], paths=[todo[i].path for i in misses],
            keys=[todo[i].key or "" for i in misses], staging_root=staging.root,
            old={p: r.sha256 for p, r in old.items() if p in present},
            cache_dir=self.options.cache_dir, finish=self.cache_bodies,
        )
        results = parallel.render_forked(
            job, workers, self.cancelled,
            lambda n, total: self.progress(n, len(todo), f"rendered {n}/{total} pages"))
        if results is None:
            raise ExportCancelled("export cancelled; nothing was changed")
        done: dict[int, FileRecord] = {}
        for item in results:
            planned = todo[misses[item.index]]
            done[misses[item.index]] = FileRecord(planned.key or item.sha256, item.sha256,
                                                  item.size)
            if item.written:
                staging.record(planned.path)
        return done

    def left_out(self) -> list[tuple[str, str]]:
        """``(story slug, why)`` for each photo left out because it cannot be read."""
        if self.single is not None:
            return [(slug, why) for _sid, slug, why in self.left_out_entries([self.single])]
        if self.quick is not None:  # the site holds only some stories: the index knows all
            assert self.state is not None and self.state.index is not None
            index = self._index()
            assert index is not None
            return [(slug, why) for _sid, slug, why in index.meta["left_out"]]
        return [(slug, why) for _sid, slug, why in self.left_out_entries(self.site.stories)]

    def left_out_entries(self, stories: list[PublicStory]) -> list[list[str]]:
        """``[story id, slug, why]`` for each photo of ``stories`` that cannot be read."""
        broken = self.renditions.broken
        return [[story.id, story.slug, f"photo {photo.id[:8]} left out: {broken[photo.sha256]}"]
                for story in stories for photo in story.photos if photo.sha256 in broken]

    def cache_bodies(self, cache: ExportCache) -> None:
        """Keep the bodies this process rendered (a worker passes its own connection)."""
        if isinstance(self.bodies, Bodies):
            cache.put_bodies(self.bodies.take_fresh())

def _token(state: State | None) -> str | None:
    return state.index.meta.get("token") if state is not None and state.index else None


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def _encoded(make: Callable[..., str], *args: object) -> bytes:
    return make(*args).encode("utf-8")


def _json_bytes(value: object) -> bytes:
    # Compact: json's C encoder is only used without indent (ten times faster).
    return (json.dumps(value, ensure_ascii=False, sort_keys=True) + "\n").encode()


def export_site(
    store: Store,
    options: ExportOptions,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ExportReport:
    """Export the site (or one story) as of ``options.as_of``; see the module docstring."""
    if options.out is None and options.zip_path is None:
        raise UsageError("say where to export: --out DIR and/or --zip FILE")
    as_of = as_utc(options.as_of) if options.as_of is not None else utcnow()
    base_url = SETTINGS["base_url"].validate(options.base_url) if options.base_url else None
    out = options.out.absolute() if options.out is not None else None
    zip_path = options.zip_path.absolute() if options.zip_path is not None else None
    single_mode = options.story is not None
    previous = False
    if out is not None:
        previous = check_output_folder(out)
    if zip_path is not None:
        check_zip_target(zip_path)
    state = State.load(out) if out is not None and previous and not options.full \
        and not single_mode else None
    report = ExportReport(out, zip_path, as_of, incremental=state is not None)
    theme_dir = options.theme
    if theme_dir is None:
        with store.reading() as session:
            configured = all_settings(session).get("export_theme", "")
        theme_dir = Path(configured).expanduser() if configured else None
    theme = Theme(theme_dir, options.cache_dir)
    staging = Staging(out if out is not None else zip_path)  # type: ignore[arg-type]
    export_cache = ExportCache(None)
    gc.freeze()  # what the caller holds is not the export's garbage (see arrange)
    try:
        export_cache = ExportCache(options.cache_dir)
        with store.reading() as session:
            arranged = arrange(session, store.replica_id, export_cache, state, as_of,
                               base_url=base_url, theme_fingerprint=theme.fingerprint,
                               full=options.full, out=out)
            site, quick = arranged.site, arranged.quick
            single = None
            if options.story is not None:
                story_id = resolve(session, options.story)
                single = site.by_id.get(story_id)
                if single is None:
                    raise NotFound(f"story {options.story!r} is not published as of "
                                   f"{as_of.isoformat(timespec='minutes')}")
            build = _Build(session, site, theme, options, state, single, export_cache,
                           progress or (lambda _d, _t, _m: None), cancelled, quick)
            # The site model lives until the end: keep the collector from walking its
            # hundreds of thousands of objects again and again (and forked page workers
            # from copying every page it touches), as the gc.freeze documentation advises.
            gc.freeze()
            new_state = build.run(staging, report, out, arranged.present)
        if new_state.index is not None:  # which kept selection the folder is made from
            new_state.index.meta["token"] = key_of(arranged.kept) if arranged.kept else ""
        report.stories = 1 if single else arranged.stories
        report.quick = quick is not None
        report.files = new_state.count()
        report.skipped = sorted(arranged.skipped + build.left_out())
        if new_state.base is not None:
            deleted = sorted(new_state.deleted)
        else:
            deleted = sorted(state.paths() - new_state.files.keys()) if state else []
        report.deleted = len(deleted)
        report.written = len(staging.paths)
        report.written_paths = sorted(staging.paths)
        if cancelled():
            raise ExportCancelled("export cancelled; nothing was changed")
        keep_state = out is not None and not single_mode
        if out is not None and state is not None:
            apply_changes(staging, out, deleted)
            if keep_state and not (new_state.same_as(state) and _token(new_state) == _token(state)):
                # Last: it names what is in place.
                new_state.save(out / STATE_FILE, state)
        elif out is not None:
            staging.flush()
            if keep_state:
                new_state.save(staging.root / STATE_FILE, None)
            swap_in(staging, out)
        if zip_path is not None:
            staging.flush()
            source = out if out is not None else staging.root
            write_zip(source, sorted(new_state.paths()), zip_path)
    finally:
        gc.unfreeze()
        export_cache.close()
        theme.close()
        staging.close()
        if staging.root.exists():
            staging.discard()
    return report
