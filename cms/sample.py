"""The sample newsroom: the JCS border-fence story, its photos and its "Read next" list.

Everything is keyed by fixed UUIDs derived from names, so installing the sample
twice — or on two replicas that later sync — yields the same stories and the
same revision ids instead of duplicates.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass, field
from importlib.resources import as_file
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PIL import Image

from cms import stories
from cms.blobs import put_blob
from cms.config import desk_zone, get_setting, set_setting
from cms.document import LinkRef, PhotoRef, StoryDocument
from cms.importers import read_story_file
from cms.models import Section, StoreMeta, Story
from cms.people import Actor
from cms.resources import resource
from cms.store import Store

SAMPLE_NAMESPACE = uuid.UUID("0d7e6c1a-3b5f-4f0e-a6a2-5c1de8a9b7f3")


def sample_id(*names: str) -> str:
    """The fixed id of a sample story, photo placement or link."""
    return str(uuid.uuid5(SAMPLE_NAMESPACE, "/".join(names)))


@dataclass
class SampleReport:
    """What installing the sample did."""

    created: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.created:
            return f"sample newsroom already present ({len(self.present)} stories)"
        return f"sample newsroom: added {len(self.created)} stories, {len(self.present)} present"


def _photo(session: Any, folder: Path, spec: dict[str, Any]) -> str:
    data = (folder / spec["file"]).read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        media_type = Image.MIME.get(image.format or "", "application/octet-stream")
    return put_blob(session, data, media_type=media_type, width=width, height=height)


def install_sample(store: Store, actor: Actor) -> SampleReport:
    """Add the sample newsroom's missing pieces; never overwrites edits to it."""
    report = SampleReport()
    with as_file(resource("sample")) as folder, store.session() as session:
        manifest = json.loads((folder / "newsroom.json").read_text(encoding="utf-8"))
        for key, value in manifest["desk"].items():
            if session.scalar(sa.text("SELECT 1 FROM settings WHERE key = :k"), {"k": key}) is None:
                set_setting(session, key, value, username=actor.username)
        for position, spec in enumerate(manifest["sections"]):
            if session.get(Section, spec["slug"]) is None:
                session.add(Section(slug=spec["slug"], name=spec["name"], position=position))
        session.flush()
        tz = desk_zone(session)
        specs = manifest["stories"]
        # Targets first, so that every link points at a story that exists.
        for spec in sorted(specs, key=lambda s: bool(s.get("related"))):
            story_id = sample_id("story", spec["key"])
            if session.scalar(sa.select(Story.id).where(Story.id == story_id)):
                report.present.append(spec["key"])
                continue
            item = read_story_file(folder / spec["file"], folder, tz, lambda _m: None)
            photos = tuple(
                PhotoRef(
                    id=sample_id("photo", spec["key"], photo["key"]),
                    sha256=_photo(session, folder, photo),
                    caption=photo["caption"], credit=photo["credit"], alt=photo["alt"],
                    role=photo["role"],
                )
                for photo in spec.get("photos", ())
            )
            related = tuple(
                LinkRef(
                    id=sample_id("link", spec["key"], target),
                    target_story_id=sample_id("story", target),
                    label=session.scalar(
                        sa.select(Story.headline).where(Story.id == sample_id("story", target))
                    ) or "",
                    visible_from=item.publish_at,
                )
                for target in spec.get("related", ())
            )
            document = StoryDocument(
                story_id=story_id, slug=stories.unique_slug(session, item.slug, story_id),
                headline=item.headline, standfirst=item.standfirst, body=item.body,
                byline=item.byline, dateline=item.dateline,
                section=stories.ensure_section(session, item.section), tags=item.tags,
                status=item.status, publish_at=item.publish_at, photos=photos, related=related,
            )
            stories.save(session, actor, document, message="sample newsroom", new=True)
            report.created.append(spec["key"])
    return report


FIRST_RUN_KEY = "first_run_done"


def first_run(store: Store, actor: Actor) -> SampleReport | None:
    """On a store's very first start with no stories, add the sample newsroom once."""
    with store.session() as session:
        if session.get(StoreMeta, FIRST_RUN_KEY) is not None:
            return None
        session.add(StoreMeta(key=FIRST_RUN_KEY, value="1"))
        has_stories = session.scalar(sa.select(Story.pk).limit(1)) is not None
    if has_stories:
        return None
    return install_sample(store, actor)


def desk_timezone_name(store: Store) -> str:
    """The desk zone's IANA name (for messages)."""
    with store.reading() as session:
        return get_setting(session, "timezone")
