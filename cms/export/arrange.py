"""What an export shows: the public stories, and the site made of them.

Normally that is the whole site: every public story (read again from the store
only where it changed since the selection kept in the export cache; see
:mod:`cms.export.snapshot`) arranged into pages (:mod:`cms.export.site`). After
edits that change only what pages show of some stories, a quick re-export
(:mod:`cms.export.quick`) arranges only the stories the pages to remake show.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy.orm import Session

from cms.export import snapshot
from cms.export.bodies import renderer_fingerprint
from cms.export.cache import ExportCache
from cms.export.folder import OutputFolder
from cms.export.paths import MANIFEST_FILE, is_safe_slug, tag_slugs
from cms.export.quick import DamagedIndex, Quick
from cms.export.quick import prepare as prepare_quick
from cms.export.selection import Known, Selection, select_changed, select_public
from cms.export.site import Site, build_site, digest, global_key
from cms.export.state import State

TAG_SLUGS = "tag-slugs-2"  # change when cms.export.paths.tag_slugs names tags otherwise


@dataclass
class Arranged:
    """The stories an export shows and the site made of them."""

    selection: Selection
    site: Site
    quick: Quick | None  # a quick re-export: ``site`` holds only the stories it remakes
    present: set[str] | None  # the files in the folder, when a quick re-export looked
    kept: str | None  # the meta row of the selection now kept in the cache (None: none)
    stories: int  # how many stories the whole site has
    skipped: list[tuple[str, str]]  # ``(slug, why)`` of the stories left out


def arrange(session: Session, store_key: str, cache: ExportCache, state: State | None,
            as_of: datetime, *, base_url: str | None, theme_fingerprint: str, full: bool,
            folder: OutputFolder | None) -> Arranged:
    """The selection as of ``as_of`` and its site, quickly when ``state`` (the state of
    ``folder``, None for none) allows it; ``full``: trust nothing kept."""
    # The site model is hundreds of thousands of objects that live until the end,
    # none of them garbage: the collector would walk them again and again while
    # they are made (~140 young collections at 10k stories). Paused meanwhile.
    with _collector_paused():
        if state is not None and folder is not None and not full:
            try:
                quick = _quick(session, store_key, cache, state, as_of, base_url,
                               theme_fingerprint)
            except DamagedIndex:
                # As without an index: every file is planned, and the index made anew.
                state.forget_index()
                quick = None
            present = folder.scan() if quick is not None else None
            if quick is not None and present is not None \
                    and _folder_intact(state, present, folder):
                kept = snapshot.save_changed(cache, store_key, quick.selection, quick.known,
                                             quick.base)
                return Arranged(quick.selection, quick.site, quick, present, kept,
                                quick.known.count, sorted(quick.known.skipped.values()))
        # --full trusts nothing kept from earlier exports: every story is read again.
        known = None if full else snapshot.load(cache, store_key)
        selection = select_public(session, as_of, known[0] if known else None)
        kept = snapshot.save(cache, store_key, selection, known[1] if known else None)
        if base_url:
            selection.settings["base_url"] = base_url
        site = build_site(selection, partial(_cached_tag_slugs, cache))
        return Arranged(selection, site, None, None, kept, len(site.stories),
                        selection.skipped)


def _quick(session: Session, store_key: str, cache: ExportCache, state: State,
           as_of: datetime, base_url: str | None, theme_fingerprint: str) -> Quick | None:
    """A quick re-export into the folder of ``state``, when one can be made (see
    :mod:`cms.export.quick`) with the same theme, settings and sections as before."""
    def selection_of(known: Known) -> Selection | None:
        selection = select_changed(session, as_of, known)
        if selection is not None and base_url:
            selection.settings["base_url"] = base_url
        return selection

    quick = prepare_quick(cache, store_key, state, selection_of)
    if quick is None or state.index is None:
        return None
    inputs = digest(global_key(quick.site, theme_fingerprint, single=False),
                    renderer_fingerprint())
    return quick if inputs == state.index.meta.get("inputs") else None


def _folder_intact(state: State, present: set[str], folder: OutputFolder) -> bool:
    """True when every file the state names is in the folder, and its sitemap is the one
    the state knows (a quick re-export patches it, and rewrites only what it shows)."""
    if not state.paths() <= present | {MANIFEST_FILE}:
        return False
    record = state.records(["sitemap.xml"]).get("sitemap.xml")
    data = folder.read("sitemap.xml")
    return record is not None and data is not None \
        and hashlib.sha256(data).hexdigest() == record.sha256


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector; what was made meanwhile is then frozen (kept out
    of its reach until :func:`gc.unfreeze`), so that it does not walk it all at once after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _cached_tag_slugs(cache: ExportCache, tags: list[str]) -> dict[str, str]:
    """:func:`~cms.export.paths.tag_slugs`, kept in the export cache: slugifying every tag
    of a large archive again on every export costs more than the rest of the site model."""
    ordered = sorted(tags)
    inputs = digest(TAG_SLUGS, "\n".join(ordered))
    kept = cache.memo("tag-slugs", inputs)
    if kept is not None:
        try:
            slugs = json.loads(kept)
            if isinstance(slugs, list) and len(slugs) == len(ordered) \
                    and all(type(slug) is str and is_safe_slug(slug) for slug in slugs):
                return dict(zip(ordered, slugs, strict=True))
        except ValueError:
            pass  # not what was kept: make them again
    made = tag_slugs(ordered)
    cache.put_memo("tag-slugs", inputs, json.dumps([made[tag] for tag in ordered]))
    return made
