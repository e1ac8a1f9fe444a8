"""The photo service on both backends: attach, edit, reorder, replace, remove, store once."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from cms import photos, stories
from cms.document import PhotoRef, StoryDocument
from cms.errors import Ambiguous, ConflictError, NotFound, UsageError
from cms.media import BadImage, BadMetadata
from cms.models import Blob
from cms.people import Actor
from cms.revisions import load_document, story_revisions
from cms.store import Store
from cms.timeutil import utcnow
from tests.photos.conftest import head
from tests.photos.imaging import agency_jpeg, encode, picture

PLAIN = encode(picture((80, 60)), "PNG")


def _blob_count(store: Store) -> int:
    with store.reading() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Blob)) or 0)


def _attach(store: Store, actor: Actor, story: str, data: bytes, name: str = "p.jpg", *,
            caption: str | None = None, credit: str | None = None, alt: str | None = None,
            lead: bool = False) -> photos.PhotoChange:
    prepared = photos.prepare(data, name)
    with store.session() as session:
        return photos.attach(session, actor, story, prepared, caption=caption, credit=credit,
                             alt=alt, lead=lead)


def _placed(change: photos.PhotoChange) -> PhotoRef:
    assert change.placement is not None, "the change placed no photo"
    return change.placement


def test_attach_prefills_words_from_metadata(store: Store, actor: Actor, story_id: str) -> None:
    before = head(store, story_id)
    change = _attach(store, actor, story_id, agency_jpeg(gps=(38.0, 127.0), serial="S1"),
                     "goat.jpg")
    placed = change.placement
    assert placed is not None
    assert (placed.caption, placed.credit, placed.alt, placed.role) == (
        "Soldiers test the fence with a goat.", "JCS", "A goat at a fence", "inline")
    assert change.notes == ("goat.jpg: caption, credit, alt taken from the file's metadata",)
    with store.reading() as session:
        revs = story_revisions(session, story_id)
        assert [r.id for r in revs] == [change.revision_id, before]
        assert revs[0].message == "photo added: goat.jpg"
        listed = photos.placements_json(session, load_document(session, change.revision_id))
    assert listed[0]["file_name"] == "goat.jpg"
    assert listed[0]["metadata"]["creator"] == "Kim Photographer"
    assert "private" not in listed[0]["metadata"]
    assert "S1" not in json.dumps(listed) and "127.0" not in json.dumps(listed)
    assert listed[0]["figure"] == f"![[photo:{placed.id[:8]}]]"


def test_explicit_words_win_and_lead_demotes_the_old_lead(
    store: Store, actor: Actor, story_id: str
) -> None:
    first = _attach(store, actor, story_id, PLAIN, "a.png", lead=True, credit="Desk",
                    alt="A", caption="")
    second = _attach(store, actor, story_id, agency_jpeg(), "b.jpg", caption="Our caption",
                     credit="Our credit", alt="Our alt", lead=True)
    roles = [(p.id, p.role) for p in second.document.photos]
    assert roles == [(_placed(second).id, "lead"), (_placed(first).id, "inline")]
    assert second.document.photos[0].caption == "Our caption"
    assert second.notes == ()


def test_same_photo_is_stored_once_across_stories(
    store: Store, actor: Actor, story_id: str
) -> None:
    with store.session() as session:
        other = stories.create(session, actor, headline="Another story").document.story_id
    data = agency_jpeg()
    a = _attach(store, actor, story_id, data, "one.jpg")
    b = _attach(store, actor, other, data, "two.jpg", caption="A different caption here")
    assert _placed(a).sha256 == _placed(b).sha256
    assert _placed(a).id != _placed(b).id
    assert _blob_count(store) == 1
    assert b.document.photos[0].caption == "A different caption here"
    with pytest.raises(UsageError, match=r"one\.jpg is already on this story \(photo 1"):
        _attach(store, actor, story_id, data, "one.jpg")
    assert _blob_count(store) == 1


def test_update_move_reorder_replace_remove_each_make_a_revision(
    store: Store, actor: Actor, story_id: str
) -> None:
    a = _attach(store, actor, story_id, PLAIN, "a.png").placement
    b = _attach(store, actor, story_id, agency_jpeg(), "b.jpg").placement
    c = _attach(store, actor, story_id, encode(picture((30, 30)), "GIF"), "c.gif").placement
    assert a and b and c
    with store.session() as session:
        edited = photos.update(session, actor, story_id, a.id[:6], caption="New", credit="AP",
                               alt="Alt", role="lead")
        assert (_placed(edited).caption, _placed(edited).role) == ("New", "lead")
        moved = photos.move(session, actor, story_id, "3", 1)
        assert [p.id for p in moved.document.photos] == [c.id, a.id, b.id]
        with pytest.raises(UsageError, match="names 2 photos; the story has 3"):
            photos.reorder(session, actor, story_id, ["1", "2"])
        ordered = photos.reorder(session, actor, story_id, [b.sha256[:10], "2", c.id])
        assert [p.id for p in ordered.document.photos] == [b.id, a.id, c.id]
        replaced = photos.replace(session, actor, story_id, a.id, photos.prepare(
            encode(picture((50, 50)), "WEBP"), "better.webp"))
        new_a = replaced.placement
        assert new_a and new_a.id == a.id and new_a.sha256 != a.sha256
        assert (new_a.caption, new_a.credit, new_a.alt, new_a.role) == ("New", "AP", "Alt", "lead")
        removed = photos.remove(session, actor, story_id, b.sha256)
        assert [p.id for p in removed.document.photos] == [a.id, c.id]
        history = story_revisions(session, story_id)
    assert len(history) == 1 + 3 + 5
    assert history[0].message == f"photo {b.id[:8]} removed"


def test_unknown_and_ambiguous_references(store: Store, actor: Actor, story_id: str) -> None:
    _attach(store, actor, story_id, PLAIN, "a.png")
    with store.session() as session:
        with pytest.raises(NotFound, match="no photo 0000000 on this story"):
            photos.remove(session, actor, story_id, "0000000")
        with pytest.raises(NotFound, match="there is no photo 5"):
            photos.update(session, actor, story_id, "5", caption="x")
        with pytest.raises(UsageError, match="unknown photo role 'hero'"):
            photos.update(session, actor, story_id, "1", role="hero")
        with pytest.raises(UsageError, match="names a photo twice"):
            photos.reorder(session, actor, story_id, ["1", "1"])
    twin_doc = PhotoRef(id="abcd1111", sha256="abcd" + "0" * 60)
    other = PhotoRef(id="abcd2222", sha256="f" * 64)
    doc = StoryDocument(story_id="x", slug="x", headline="x", photos=(twin_doc, other))
    with pytest.raises(Ambiguous, match="matches 2 photos"):
        photos.find_placement(doc, "abcd")


def test_stale_base_revision_is_refused(store: Store, actor: Actor, story_id: str) -> None:
    old = head(store, story_id)
    _attach(store, actor, story_id, PLAIN, "a.png")
    with store.session() as session, pytest.raises(ConflictError):
        photos.update(session, actor, story_id, "1", caption="late", base_revision=old)


@pytest.mark.parametrize(
    ("data", "name", "error"),
    [
        (b"", "empty.jpg", BadImage),
        (b"hello, this is text\n" * 10, "notes.jpg", BadImage),
        (agency_jpeg()[:300], "cut.jpg", BadImage),
        (encode(picture(), "BMP"), "old.bmp", BadImage),
        (encode(picture(), "JPEG", xmp=b"<x:xmpmeta>"), "badxmp.jpg", BadMetadata),
    ],
)
def test_bad_files_leave_the_story_and_store_as_they_were(
    store: Store, actor: Actor, story_id: str, data: bytes, name: str, error: type[Exception]
) -> None:
    before, blobs = head(store, story_id), _blob_count(store)
    with pytest.raises(error, match=f"^{name.replace('.', '[.]')}: "):
        photos.prepare(data, name)
    assert (head(store, story_id), _blob_count(store)) == (before, blobs)


def test_bad_metadata_can_be_ignored_on_request(store: Store, actor: Actor, story_id: str) -> None:
    data = encode(picture(), "JPEG", xmp=b"<x:xmpmeta>")
    prepared = photos.prepare(data, "badxmp.jpg", ignore_bad_metadata=True)
    with store.session() as session:
        change = photos.attach(session, actor, story_id, prepared, alt="a", credit="c")
    assert change.placement and change.placement.caption == ""


def test_failure_inside_the_transaction_stores_nothing(
    store: Store, actor: Actor, story_id: str
) -> None:
    before, blobs = head(store, story_id), _blob_count(store)
    prepared = photos.prepare(PLAIN, "a.png")
    with pytest.raises(UsageError, match="credit is longer"), store.session() as session:
        photos.attach(session, actor, story_id, prepared, credit="x" * 400)
    assert (head(store, story_id), _blob_count(store)) == (before, blobs)


def test_photo_problems(store: Store, actor: Actor, story_id: str) -> None:
    change = _attach(store, actor, story_id, PLAIN, "a.png")
    pid = _placed(change).id[:8]
    assert photos.photo_problems(change.document) == [
        "photo 1 has no alt text", "photo 1 has no credit"]  # named, never by hash
    with store.session() as session:
        done = photos.update(session, actor, story_id, "1", alt="A chart", credit="Desk")
        assert photos.photo_problems(done.document) == []
        placed = stories.edit(session, actor, story_id,
                              body=f"Text.\n\n![[photo:{pid}]]\n\n![[photo:beefbeef]]\n")
    assert photos.photo_problems(placed.document) == [
        "the body places a photo that cannot be shown: no photo “beefbeef” on this story"]


def test_remove_warns_when_the_body_still_places_the_photo(
    store: Store, actor: Actor, story_id: str
) -> None:
    change = _attach(store, actor, story_id, PLAIN, "a.png")
    pid = _placed(change).id[:8]
    with store.session() as session:
        stories.edit(session, actor, story_id, body=f"![[photo:{pid}]]")
        removed = photos.remove(session, actor, story_id, pid)
    assert removed.notes and "still places this photo" in removed.notes[0]


def test_blob_stays_while_any_revision_references_it(
    store: Store, actor: Actor, story_id: str
) -> None:
    change = _attach(store, actor, story_id, PLAIN, "a.png")
    with store.session() as session:
        photos.remove(session, actor, story_id, "1")
        from cms.blobs import put_blob

        orphan = put_blob(session, b"left over by a crashed import", media_type="image/png")
    with store.session() as session:
        assert photos.delete_unreferenced_blobs(session) == []  # too young: sync may need it
        later = utcnow() + timedelta(days=2)
        assert photos.delete_unreferenced_blobs(session, now=later, dry_run=True) == [orphan]
        assert photos.delete_unreferenced_blobs(session, now=later) == [orphan]
    assert _blob_count(store) == 1  # the removed photo is still in an old revision
    with store.session() as session:
        restored = stories.restore(session, actor, story_id, change.revision_id)
    assert restored.document.photos[0].sha256 == _placed(change).sha256


def test_prepare_file_reads_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "goat.jpg"
    path.write_bytes(agency_jpeg())
    assert photos.prepare_file(path).info.name == "goat.jpg"


def test_preview_figures_render_with_pictures_from_the_cache(
    store: Store, actor: Actor, story_id: str, tmp_path: Path
) -> None:
    from cms.render import render_markdown
    from cms.thumbcache import ThumbnailCache

    change = _attach(store, actor, story_id, encode(picture((1200, 800)), "JPEG"), "wide.jpg",
                     caption="Wide", credit="Desk", alt="A wide picture")
    pid = _placed(change).id[:8]
    cache = ThumbnailCache(tmp_path / "cache")
    figures_ = photos.preview_figures(store, change.document, cache, width=640)
    assert (figures_[0].width, figures_[0].height) == (640, 427)
    assert (cache.root / figures_[0].src).is_file()
    html = render_markdown(f"![[photo:{pid}]]", figures_)
    assert f'src="{figures_[0].src}"' in html and "Wide" in html


def test_overlong_metadata_is_shortened_not_refused(
    store: Store, actor: Actor, story_id: str
) -> None:
    data = agency_jpeg(caption="word " * 1000, credit="C" * 500)
    change = _attach(store, actor, story_id, data, "long.jpg")
    placed = change.placement
    assert placed is not None
    assert len(placed.caption) <= 2000 and placed.caption.endswith("word…")
    assert len(placed.credit) <= 300
