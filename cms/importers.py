"""``newsroom import DIR``: Markdown trees as Pelican, Hugo and Jekyll write them.

Each file becomes a story keyed by its slug, so importing again updates the
same stories (a new revision only where something changed) and never
duplicates them. Files are published at their date unless their metadata says
draft. A file that cannot be read is reported by name and the rest go on.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import stories
from cms.bulk import create_many
from cms.config import desk_zone
from cms.document import StoryDocument
from cms.errors import NewsroomError, UsageError, WriteRefused
from cms.frontmatter import as_bool, as_list, parse_markdown_file
from cms.fs import display_name
from cms.models import Story
from cms.people import Actor
from cms.slugs import slugify, validate_slug
from cms.store import Store
from cms.timeutil import localize, parse_time

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
IMPORT_NAMESPACE = uuid.UUID("6f0c8d2e-5a36-4b8e-9d43-1b7f0b6e2a10")
MAX_FILE_BYTES = 20 * 1024 * 1024
BATCH = 250
_JEKYLL_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
_JEKYLL_OFFSET = re.compile(r"^(.*\d)\s+([+-]\d{2}):?(\d{2})$")

Progress = Callable[[int, int, str], None]


@dataclass
class ImportReport:
    """What an import did, file by file."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False

    def summary(self) -> str:
        """One line for people."""
        text = (f"imported {len(self.created)} new, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged, {len(self.failed)} failed")
        return text + (" (cancelled)" if self.cancelled else "")


@dataclass(frozen=True)
class ImportedStory:
    """A Markdown file's story fields, before they touch the store."""

    slug: str
    headline: str
    body: str
    standfirst: str
    byline: str
    dateline: str
    section: str | None
    tags: tuple[str, ...]
    status: str
    publish_at: datetime | None


def markdown_files(root: Path) -> Iterator[Path]:
    """Markdown files under ``root`` in a stable order, skipping hidden folders and files."""
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_site")))
        for name in sorted(filenames):
            if name.lower().endswith(MARKDOWN_SUFFIXES) and not name.startswith("."):
                yield Path(folder) / name


def _parse_date(value: Any, tz: ZoneInfo, warn: Callable[[str], None]) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return localize(value, tz, fold=0)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return localize(datetime(value.year, value.month, value.day), tz)
    text = str(value).strip()
    jekyll = _JEKYLL_OFFSET.match(text)
    if jekyll:
        text = f"{jekyll.group(1)}{jekyll.group(2)}:{jekyll.group(3)}"
    try:
        return parse_time(text, tz)
    except UsageError as exc:
        if "happens twice" in str(exc):
            warn(f"{text} is ambiguous in {tz.key}; took the first occurrence")
            return parse_time(text, tz, fold=0)
        raise UsageError(f"bad date {value!r}: {exc}") from None


def read_story_file(
    path: Path, root: Path, tz: ZoneInfo, warn: Callable[[str], None]
) -> ImportedStory:
    """Parse one Markdown file into story fields (raises :class:`UsageError` on bad input)."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UsageError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"not UTF-8 (invalid byte at position {exc.start})") from None
    if "\x00" in text:
        raise UsageError("contains NUL bytes (a binary file?)")
    parsed = parse_markdown_file(text)
    meta = parsed.meta
    stem = path.stem
    name_match = _JEKYLL_NAME.match(stem)
    headline = str(meta.get("title") or "").strip()
    if not headline:
        heading = re.match(r"^#\s+(.+)$", parsed.body.lstrip(), re.MULTILINE)
        headline = heading.group(1).strip() if heading else ""
    if not headline:
        raise UsageError("no title in its metadata and no heading to take one from")
    slug_value = meta.get("slug")
    if slug_value:
        slug = validate_slug(slugify(str(slug_value)))
    else:
        slug = slugify(name_match.group(4) if name_match else stem or headline)
    when: datetime | None = None
    if meta.get("date") is not None:
        when = _parse_date(meta["date"], tz, warn)
    elif name_match:
        when = _parse_date("-".join(name_match.groups()[:3]), tz, warn)
    draft = (
        as_bool(meta.get("draft", False))
        or str(meta.get("status", "")).strip().lower() in ("draft", "hidden")
        or ("published" in meta and not as_bool(meta["published"]))
    )
    if when is None:
        when = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
        if not draft:
            warn("no date; used the file's modification time")
    section = meta.get("category") or meta.get("section")
    if section is None and meta.get("categories"):
        section = as_list(meta["categories"])[0]
    relative = path.relative_to(root)
    if section is None and len(relative.parts) > 1:
        section = relative.parts[0]
    authors = as_list(meta.get("byline") or meta.get("authors") or meta.get("author"))
    byline = " and ".join([", ".join(authors[:-1]), authors[-1]]) if len(authors) > 1 else (
        authors[0] if authors else "")
    return ImportedStory(
        slug=slug,
        headline=headline,
        body=parsed.body,
        standfirst=str(meta.get("summary") or meta.get("description") or "").strip(),
        byline=byline,
        dateline=str(meta.get("dateline") or "").strip(),
        section=str(section).strip() if section else None,
        tags=tuple(as_list(meta.get("tags")) + as_list(meta.get("keywords"))),
        status="draft" if draft else "published",
        publish_at=when,
    )


def apply_imported(session: Session, actor: Actor, item: ImportedStory) -> str:
    """Create or update the story for ``item``; returns created, updated or unchanged."""
    existing = session.execute(
        sa.select(Story.id, Story.revision_id).where(Story.slug == item.slug)
    ).first()
    fields = {
        "headline": item.headline, "body": item.body, "standfirst": item.standfirst,
        "byline": item.byline, "dateline": item.dateline,
        "section": stories.ensure_section(session, item.section), "tags": item.tags,
        "status": item.status, "publish_at": item.publish_at,
    }
    if existing is None:
        stories.save(session, actor, _new_document(session, item), message="imported", new=True)
        return "created"
    current, _ = stories.get(session, existing.id)
    saved = stories.save(
        session, actor, current.evolve(**fields), base_revision=existing.revision_id,
        message="re-imported",
    )
    return "updated" if saved.created else "unchanged"


def import_tree(
    store: Store,
    actor: Actor,
    root: Path,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ImportReport:
    """Import every Markdown file under ``root``; one bad file never stops the rest."""
    if not root.exists():
        raise UsageError(f"no such folder: {root}")
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder")
    files = list(markdown_files(root))
    report = ImportReport()
    with store.reading() as session:
        tz = desk_zone(session)
    for start in range(0, len(files), BATCH):
        if cancelled():
            report.cancelled = True
            break
        batch = files[start : start + BATCH]
        parsed: list[tuple[str, ImportedStory]] = []
        for offset, path in enumerate(batch):
            name = display_name(str(path.relative_to(root)))
            if progress is not None:
                progress(start + offset, len(files), name)
            item = _read_one(path, root, tz, name, report)
            if item is not None:
                parsed.append((name, item))
        done = (len(report.created), len(report.updated), len(report.unchanged))
        try:
            with store.session() as session:
                _apply_batch(session, actor, parsed, report)
        except WriteRefused as exc:  # a full disk: the batch was rolled back as a whole
            raise _stopped(exc, report, done, start, len(files)) from exc
    if progress is not None and not report.cancelled:
        progress(len(files), len(files), "")
    return report


def _stopped(exc: WriteRefused, report: ImportReport, done: tuple[int, int, int],
             start: int, total: int) -> WriteRefused:
    """``exc``, saying what the batches before file ``start`` (committed) imported; the
    report forgets the batch that was rolled back."""
    del report.created[done[0]:], report.updated[done[1]:], report.unchanged[done[2]:]
    if start == 0:
        return exc  # nothing was changed
    return WriteRefused(exc.problem, f"{start} of the {total} files were imported, the "
                        "others not: import again once there is room (it goes on from there)")


def _read_one(
    path: Path, root: Path, tz: ZoneInfo, name: str, report: ImportReport
) -> ImportedStory | None:
    def warn(message: str) -> None:
        report.warnings.append((name, message))

    try:
        return read_story_file(path, root, tz, warn)
    except (NewsroomError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        report.failed.append((name, reason))
        return None


def _apply_batch(
    session: Session, actor: Actor, parsed: list[tuple[str, ImportedStory]],
    report: ImportReport,
) -> None:
    """New stories in one bulk insert; updates (and anything the bulk refuses) one by one."""
    slugs = [item.slug for _, item in parsed]
    existing = set(session.scalars(sa.select(Story.slug).where(Story.slug.in_(slugs))))
    seen: set[str] = set()
    fresh: list[tuple[str, ImportedStory]] = []
    singles: list[tuple[str, ImportedStory]] = []
    for name, item in parsed:
        target = singles if item.slug in existing or item.slug in seen else fresh
        target.append((name, item))
        seen.add(item.slug)
    if fresh:
        try:
            with session.begin_nested():
                create_many(
                    session, actor,
                    [_new_document(session, item) for _, item in fresh],
                    message="imported",
                )
            report.created.extend(name for name, _ in fresh)
        except NewsroomError:
            singles = fresh + singles  # find the culprit file by file
    for name, item in singles:
        try:
            with session.begin_nested():
                outcome = apply_imported(session, actor, item)
        except NewsroomError as exc:
            report.failed.append((name, str(exc)))
            continue
        getattr(report, outcome).append(name)


def _new_document(session: Session, item: ImportedStory) -> StoryDocument:
    return StoryDocument(
        story_id=str(uuid.uuid5(IMPORT_NAMESPACE, item.slug)), slug=item.slug,
        headline=item.headline, body=item.body, standfirst=item.standfirst,
        byline=item.byline, dateline=item.dateline,
        section=stories.ensure_section(session, item.section), tags=item.tags,
        status=item.status, publish_at=item.publish_at,
    )
