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
import re
import sqlite3
from datetime import datetime
from typing import Any

from cms.export.cache import ExportCache
from cms.export.paths import is_safe_slug, is_story_slug
from cms.export.selection import Known, Link, Photo, PublicStory, Selection
from cms.timeutil import from_iso

FORMAT = 4
# What decoding something this module did not write can raise.
_DAMAGED = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _text(value: object) -> str:
    if type(value) is not str:
        raise TypeError("a kept field that is not text")
    return value


def _maybe(check: Any, value: object) -> Any:
    return None if value is None else check(value)


def _size(value: object) -> int:
    if type(value) is not int:
        raise TypeError("a kept size that is not a number")
    return value


def _photo(item: list[Any]) -> Photo:
    photo_id, sha256, caption, credit, alt, role, width, height, media_type = item
    if not _SHA256.fullmatch(_text(sha256)):
        raise ValueError("a kept photo without its hash")
    return Photo(_text(photo_id), sha256, _text(caption), _text(credit), _text(alt),
                 _text(role), _maybe(_size, width), _maybe(_size, height), _text(media_type))


def _link(item: list[Any]) -> Link:
    link_id, target, url, label, visible_from, visible_until = item
    return Link(_text(link_id), _maybe(_text, target), _maybe(_text, url), _text(label),
                from_iso(visible_from), from_iso(visible_until))


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
        list(story.aliases), story.language,
    ], ensure_ascii=False)


def _decode(row: list[Any]) -> PublicStory:
    """One kept story; ValueError or TypeError for anything :func:`encode` does not write
    (the checks the store's rows get in cms.export.selection, and the types)."""
    (story_id, slug, headline, standfirst, byline, dateline, section, tags, status,
     publish_at, embargo_until, modified_at, correction, revision_id, photos, links,
     aliases, language) = row
    # Checked inline, not through a call per field: this runs for every kept story.
    str_ = str
    if not (type(story_id) is str_ and type(headline) is str_ and type(standfirst) is str_
            and type(byline) is str_ and type(dateline) is str_ and type(status) is str_
            and type(correction) is str_ and type(revision_id) is str_
            and type(language) is str_
            and type(slug) is str_ and is_story_slug(slug)
            and (section is None or (type(section) is str_ and is_safe_slug(section)))
            and all(type(tag) is str_ for tag in tags)
            and all(type(alias) is str_ for alias in aliases)):
        raise TypeError("a kept story that an export did not write")
    published = from_iso(publish_at)
    if published is None:
        raise ValueError("a kept story without its publication time")
    return PublicStory(
        story_id, slug, headline, standfirst, byline, dateline, section, tuple(tags), status,
        published, from_iso(embargo_until), from_iso(modified_at), correction, revision_id,
        tuple(map(_photo, photos)) if photos else (), tuple(map(_link, links)) if links else (),
        tuple(aliases), language,
    )


def _meta(selection: Selection, count: int, skipped: dict[str, tuple[str, str]]) -> str:
    return json.dumps({
        "format": FORMAT, "count": count, "seq": selection.seq, "chain": selection.chain,
        "as_of": _iso(selection.as_of), "next_change": _iso(selection.next_change),
        "unsettled": sorted(selection.unsettled),
        "skipped": {sid: list(why) for sid, why in sorted(skipped.items())},
    }, ensure_ascii=False, sort_keys=True)


def _known(meta_text: str, stories: list[PublicStory]) -> Known | None:
    """The kept meta row as a :class:`Known` holding ``stories``; None if it is not one
    this module writes (ValueError and the like for a damaged one)."""
    meta = json.loads(meta_text)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        return None
    as_of = from_iso(meta["as_of"])
    if as_of is None or type(meta["seq"]) is not int or type(meta["count"]) is not int:
        return None
    return Known(
        seq=meta["seq"], chain=_text(meta["chain"]), as_of=as_of,
        next_change=from_iso(meta["next_change"]),
        unsettled=frozenset(map(_text, meta["unsettled"])), stories=stories,
        skipped={_text(sid): (_text(why[0]), _text(why[1]))
                 for sid, why in meta["skipped"].items()},
        count=meta["count"],
    )


def load(cache: ExportCache, store_key: str) -> tuple[Known, str] | None:
    """The selection kept for the store ``store_key`` and its meta row, or None."""
    try:
        found = cache.selection(store_key)
    except sqlite3.Error:  # a damaged or busy cache: read the store
        return None
    if found is None:
        return None
    meta_text, records, count = found
    try:
        known = _known(meta_text, [])
        if known is None or known.count != count:  # rows lost (the cache does not fsync)
            return None
        rows = json.loads("[" + records + "]")
        if len(rows) != count:
            return None
        known.stories = [_decode(row) for row in rows]
    except _DAMAGED:
        return None  # not what this module writes: read the store again
    return known, meta_text


def load_meta(cache: ExportCache, store_key: str) -> tuple[Known, str] | None:
    """The selection kept for ``store_key`` without its stories (see :func:`load_stories`),
    and its meta row; None when nothing is kept or it is not what this module writes."""
    try:
        meta_text = cache.selection_meta(store_key)
        if meta_text is None:
            return None
        known = _known(meta_text, [])
        if known is None or known.count != cache.selected_count(store_key):
            return None  # rows lost (the cache does not fsync)
    except (sqlite3.Error, *_DAMAGED):
        return None
    return known, meta_text


def load_stories(cache: ExportCache, store_key: str, ids: list[str]
                 ) -> dict[str, PublicStory] | None:
    """Those of ``ids`` the kept selection holds, decoded; None if one cannot be."""
    try:
        stories = {}
        for sid, record in cache.selected(store_key, ids).items():
            story = _decode(json.loads(record))
            if story.id != sid:
                raise ValueError("a kept story under another story's id")
            stories[sid] = story
        return stories
    except (sqlite3.Error, *_DAMAGED):
        return None


def save(cache: ExportCache, store_key: str, selection: Selection, base: str | None
         ) -> str | None:
    """Keep ``selection`` for the next export from the same store; the meta row kept
    (None when it could not be).

    ``base`` is the meta row of the kept selection it was built on: when that
    is still the one kept, only the stories read again are rewritten.
    """
    meta = _meta(selection, len(selection.stories), selection.skipped_by_id)
    try:
        if base is not None and selection.reread is not None:
            reread = selection.reread
            rows = {s.id: encode(s) for s in selection.stories if s.id in reread}
            if cache.update_selection(store_key, base, meta, sorted(reread), rows):
                return meta
        cache.replace_selection(store_key, meta, {s.id: encode(s) for s in selection.stories})
    except sqlite3.Error:
        return None  # a damaged or busy cache only makes the next export read more
    return meta


def save_changed(cache: ExportCache, store_key: str, changed: Selection, known: Known,
                 base: str) -> str | None:
    """Keep the changed stories of a quick re-export (``changed``: the selection of
    :func:`~cms.export.selection.select_changed`, every one of them public before and
    after, none skipped) over ``known``, whose meta row is ``base``; the meta row kept,
    or None when ``base`` is no longer the one kept (another export kept its own)."""
    meta = _meta(changed, known.count, known.skipped)
    rows = {s.id: encode(s) for s in changed.stories}
    try:
        if cache.update_selection(store_key, base, meta, sorted(rows), rows):
            return meta
    except sqlite3.Error:
        pass
    return None
