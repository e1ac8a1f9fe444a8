"""The last selection read from each store, kept in the export cache.

An export reads every public story only when it has nothing to build on; with
the selection an earlier export kept here, it reads only the stories changed
since (see :mod:`cms.export.selection`). One row per story, so keeping a
selection after an edit rewrites a few rows, not 10,000. Like everything in
the cache this is a copy: a row that cannot be decoded means reading the store
again, never a wrong page.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from cms.export.cache import ExportCache
from cms.export.selection import Known, Link, Photo, PublicStory, Selection

FORMAT = 1


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def encode(story: PublicStory) -> str:
    """One story as a JSON array (fields in :class:`PublicStory` order)."""
    return json.dumps([
        story.id, story.slug, story.headline, story.standfirst, story.byline, story.dateline,
        story.section, list(story.tags), story.status, _iso(story.publish_at),
        _iso(story.embargo_until), _iso(story.modified_at), story.correction,
        story.revision_id,
        [[p.id, p.sha256, p.caption, p.credit, p.alt, p.role, p.width, p.height, p.media_type]
         for p in story.photos],
        [[k.id, k.target_story_id, k.url, k.label, _iso(k.visible_from), _iso(k.visible_until)]
         for k in story.links],
    ], ensure_ascii=False)


def _decode(row: list[Any]) -> PublicStory:
    (story_id, slug, headline, standfirst, byline, dateline, section, tags, status,
     publish_at, embargo_until, modified_at, correction, revision_id, photos, links) = row
    return PublicStory(
        story_id, slug, headline, standfirst, byline, dateline, section, tuple(tags), status,
        datetime.fromisoformat(publish_at), _time(embargo_until), _time(modified_at),
        correction, revision_id,
        tuple(Photo(*photo) for photo in photos),
        tuple(Link(k[0], k[1], k[2], k[3], _time(k[4]), _time(k[5])) for k in links),
    )


def _meta(selection: Selection) -> str:
    return json.dumps({
        "format": FORMAT, "seq": selection.seq, "chain": selection.chain,
        "as_of": _iso(selection.as_of), "next_change": _iso(selection.next_change),
        "unsettled": sorted(selection.unsettled),
        "skipped": {sid: list(why) for sid, why in sorted(selection.skipped_by_id.items())},
    }, ensure_ascii=False, sort_keys=True)


def load(cache: ExportCache, store_key: str) -> tuple[Known, str] | None:
    """The selection kept for the store ``store_key`` and its meta row, or None."""
    try:
        found = cache.selection(store_key)
    except sqlite3.Error:  # a damaged or busy cache: read the store
        return None
    if found is None:
        return None
    meta_text, records = found
    try:
        meta = json.loads(meta_text)
        if meta.get("format") != FORMAT:
            return None
        stories = [_decode(row) for row in json.loads("[" + ",".join(records) + "]")]
        known = Known(
            seq=int(meta["seq"]), chain=str(meta["chain"]),
            as_of=datetime.fromisoformat(meta["as_of"]), next_change=_time(meta["next_change"]),
            unsettled=frozenset(meta["unsettled"]), stories=stories,
            skipped={sid: (str(why[0]), str(why[1])) for sid, why in meta["skipped"].items()},
        )
    except (ValueError, TypeError, KeyError, IndexError):
        return None  # not what this module writes: read the store again
    return known, meta_text


def save(cache: ExportCache, store_key: str, selection: Selection, base: str | None) -> None:
    """Keep ``selection`` for the next export from the same store.

    ``base`` is the meta row of the kept selection it was built on: when that
    is still the one kept, only the stories read again are rewritten.
    """
    meta = _meta(selection)
    try:
        if base is not None and selection.reread is not None:
            reread = selection.reread
            rows = {s.id: encode(s) for s in selection.stories if s.id in reread}
            if cache.update_selection(store_key, base, meta, sorted(reread), rows):
                return
        cache.replace_selection(store_key, meta, {s.id: encode(s) for s in selection.stories})
    except sqlite3.Error:
        pass  # a damaged or busy cache only makes the next export read more
