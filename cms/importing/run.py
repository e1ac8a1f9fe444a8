"""``newsroom import DIR``: a Hugo, Jekyll or Pelican site's archive, file by file.

1. Find the site (:mod:`~cms.importing.sites`) and its files
   (:mod:`~cms.importing.walk`); read each one on its own: whatever goes wrong
   with one file (its bytes, its header, a date, template code) is reported with
   its name and the others go on.
2. A file unchanged since it was last imported is not read again. The others
   become entries by their generator's conventions.
3. Each entry finds its story and slug (:mod:`~cms.importing.identity`), links
   between files become links between stories, translations link to each other.
4. Unless ``dry_run``, new stories are written together and updates one by one,
   all through the same checks as any save (a reporter's import cannot publish);
   then each story's provenance is recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import stories, workflow
from cms.aliases import MAX_ALIASES, story_page
from cms.bulk import create_many
from cms.config import desk_zone
from cms.document import LinkRef, StoryDocument
from cms.errors import NewsroomError, UsageError, WriteRefused
from cms.frontmatter import parse_markdown_file
from cms.fs import display_name
from cms.importing import hugo, jekyll, pelican
from cms.importing.entries import Entry, Source
from cms.importing.identity import (
    Head,
    Slugs,
    deleted,
    heads,
    imported_ids,
    last_document,
    legacy_id,
    merge,
    provenance,
    provenance_row,
    record,
    story_id_for,
    translation_links,
)
from cms.importing.links import SiteFiles, link_bodies
from cms.importing.report import ImportReport
from cms.importing.sites import Site, detect_site, guess_generator
from cms.importing.walk import Found, decode, find_files, read_bytes
from cms.models import ImportSource, Status, Story, table_of
from cms.people import Actor
from cms.store import Store
from cms.timeutil import utcnow
from cms.validate import check_language

IMPORTER_VERSION = "2"  # change when the same file would import differently
BATCH = 1000  # stories per transaction: one commit (and fsync) each
READERS: dict[str, Callable[[Source], Entry]] = {
    "hugo": hugo.read_entry, "jekyll": jekyll.read_entry, "pelican": pelican.read_entry,
}
Progress = Callable[[int, int, str], None]


@dataclass
class ImportOptions:
    """What the person importing asked for."""

    dry_run: bool = False
    status: str | None = None  # every story in this status (e.g. draft)
    section: str | None = None  # every story in this section


@dataclass
class _File:
    """One file on its way: what it is, which story it becomes, what to write."""

    relative: str
    content_relative: str
    digest: str
    entry: Entry | None = None
    story_id: str = ""
    row: ImportSource | None = None
    head: Head | None = None
    slug: str = ""
    outcome: str = ""  # new, update or unchanged
    translations: tuple[LinkRef, ...] = ()
    source_document: StoryDocument | None = None  # the story as the source alone makes it
    warnings: list[str] = field(default_factory=list)


@lru_cache(maxsize=65536)
def _name(relative: str) -> str:
    return display_name(relative)


def import_tree(
    store: Store,
    actor: Actor,
    root: Path,
    *,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ImportReport:
    """Import the site at (or around) ``root``; see the module docstring."""
    options = options or ImportOptions()
    if not root.exists():
        raise UsageError(f"no such folder: {root}")
    if not root.is_dir():
        raise UsageError(f"{root} is not a folder")
    site = detect_site(root)
    report = ImportReport(generator=site.generator, dry_run=options.dry_run)
    config_digest = hashlib.sha256(json.dumps(
        [IMPORTER_VERSION, site.generator, site.key, options.status, options.section,
         site.config], sort_keys=True, default=str).encode()).hexdigest()
    with store.reading() as session:
        tz = site.timezone or desk_zone(session)
        if options.status is not None and options.status not in stories.statuses(session):
            raise UsageError(f"unknown status {options.status!r}: use one of "
                             f"{', '.join(stories.statuses(session))}")
        known = provenance(session, site.key)
    found = list(find_files(site))
    files = _read_all(site, found, known, tz, config_digest, report, progress, cancelled)
    if report.cancelled:
        return report
    _apply_options(site, files, options, report)
    with store.reading() as session:
        _identify(session, site, files, known, report)
    if cancelled():
        report.cancelled = True
        return report
    if options.dry_run:
        with store.reading() as session:
            _preview(session, actor, site, files, report)
        return report
    _write(store, actor, site, files, report, progress, cancelled)
    return report


def _read_all(site: Site, found: list[Found], known: dict[str, ImportSource], tz: ZoneInfo,
              config_digest: str, report: ImportReport, progress: Progress | None,
              cancelled: Callable[[], bool]) -> list[_File]:
    files: list[_File] = []
    total = len(found)
    for index, item in enumerate(found):
        name = _name(item.relative)
        if index % 50 == 0 and cancelled():
            report.cancelled = True
            break
        if progress is not None:
            progress(index, total, name)
        if item.skipped:
            report.skipped.append((name, item.skipped))
            if item.markup:
                report.not_markdown[item.markup] += 1
            continue
        file = _read_one(site, item, known, tz, config_digest, report)
        if file is not None:
            files.append(file)
    if progress is not None and not report.cancelled:
        progress(total, total, "")
    return files


def _read_one(site: Site, item: Found, known: dict[str, ImportSource], tz: ZoneInfo,
              config_digest: str, report: ImportReport) -> _File | None:
    name = _name(item.relative)
    warnings: list[str] = []
    try:
        data = read_bytes(item.path)
        digest = hashlib.sha256(config_digest.encode() + b"\0" + data).hexdigest()
        content_root, language = site.content_root(item.path)
        prefix = str(content_root).rstrip(os.sep) + os.sep
        text_path = str(item.path)
        content_relative = text_path[len(prefix):].replace(os.sep, "/") if (
            text_path.startswith(prefix)) else item.relative
        file = _File(item.relative, content_relative, digest, warnings=warnings)
        row = known.get(item.relative)
        if row is not None and row.digest == digest:
            file.row = row
            return file  # unchanged since its last import: not read again
        parsed = parse_markdown_file(decode(data))
        generator = site.generator if site.generator != "markdown" else guess_generator(
            parsed.style, item.relative)
        modified = datetime.fromtimestamp(item.path.stat().st_mtime, UTC).replace(microsecond=0)
        source = Source(site, item.relative, content_relative, language, parsed, tz, modified,
                        warnings.append)
        entry = READERS[generator](source)
    except (NewsroomError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        report.failed.append((name, reason))
        return None
    except RecursionError:  # a body or value nested past what the parsers take
        report.failed.append((name, "nested too deeply to read"))
        return None
    report.warnings.extend((name, message) for message in warnings)
    if entry.skipped:
        report.skipped.append((name, entry.skipped))
        if (entry.section_title and entry.section) or entry.hides_folder:
            file.entry = entry  # names its section: see _apply_options
            file.outcome = "skipped"
            return file
        return None
    file.entry = entry
    file.row = row
    return file


def _apply_options(site: Site, files: list[_File], options: ImportOptions,
                   report: ImportReport) -> None:
    """Section titles from ``_index.md``; the options that apply to every story."""
    entries = [f.entry for f in files if f.entry is not None]
    hugo.name_sections(entries)
    hidden = tuple(folder + "/" for folder in hugo.hidden_folders(entries))
    for file in files:
        if hidden and file.outcome != "skipped" and file.relative.startswith(hidden):
            report.skipped.append((_name(file.relative), "Hugo never renders it (its "
                                                         "section's cascade says so)"))
            file.outcome = "skipped"
        entry = file.entry
        if entry is None or file.outcome == "skipped":
            continue
        if options.section is not None:
            entry.section = options.section
        if options.status is not None:
            entry.status = options.status
    files[:] = [f for f in files if f.outcome != "skipped"]


def _identify(session: Session, site: Site, files: list[_File],
              known: dict[str, ImportSource], report: ImportReport) -> None:
    """Find each file's story and slug, and each new file's collisions."""
    for file in files:
        file.story_id = file.row.story_id if file.row is not None else story_id_for(
            site.key, file.relative)
    found = heads(session, [f.story_id for f in files])
    gone = deleted(session, [f.story_id for f in files if f.story_id not in found])
    legacy = {f.relative: legacy_id(f.entry.slug) for f in files
              if f.entry is not None and f.row is None and f.story_id not in found}
    if legacy:
        claimed = imported_ids(session, list(legacy.values()))
        legacy_heads = heads(session, [sid for sid in legacy.values() if sid not in claimed])
    else:
        legacy_heads = {}
    slugs = Slugs(session)
    slugs.load([f.entry.slug for f in files if f.entry is not None])
    now = utcnow()
    kept: list[_File] = []
    for file in files:
        name = _name(file.relative)
        head = found.get(file.story_id)
        if head is None and file.relative in legacy and legacy[file.relative] in legacy_heads:
            head = legacy_heads[legacy[file.relative]]  # made by the slug-keyed importer
            file.story_id = head.story_id
        if head is None and (file.row is not None or file.story_id in gone):
            report.skipped.append((name, "its story was deleted in Newsroom: not imported "
                                         "again"))
            continue
        file.head = head
        if file.entry is None:  # unchanged since its last import
            file.outcome = "unchanged"
            report.unchanged.append(name)
            if head is not None:
                slugs.claim(head.slug, file.relative, head.story_id)
                file.slug = head.slug
            continue
        entry = file.entry
        if entry.status == "published" and entry.publish_at is not None \
                and entry.publish_at > now:
            entry.status = "scheduled"
        if head is not None:
            file.outcome = "update"
            slugs.claim(head.slug, file.relative, head.story_id)
            # A changed source slug is taken when free (the old page then redirects).
            free = slugs.holder(entry.slug, head.story_id) is None
            file.slug = entry.slug if free else head.slug
            slugs.claim(file.slug, file.relative, head.story_id)
        else:
            file.outcome = "new"
            file.slug = slugs.free(entry.slug, file.story_id)
            if file.slug != entry.slug:
                holder = slugs.holder(entry.slug, file.story_id) or "another file"
                report.collisions.append((name, f"the slug {entry.slug!r} belongs to "
                                                f"{holder}: imported as {file.slug!r}"))
            slugs.claim(file.slug, file.relative, file.story_id)
        kept.append(file)
    files[:] = kept
    _link_files(session, site, files, known)


def _link_files(session: Session, site: Site, files: list[_File],
                known: dict[str, ImportSource]) -> None:
    """Links between files as links between stories; translations linked to each other."""
    site_files = SiteFiles()
    held = heads(session, [row.story_id for row in known.values()])
    for path, row in known.items():  # files imported before, this time or not
        if row.story_id in held:
            site_files.add(path, path, held[row.story_id].slug)
    for file in files:
        site_files.add(file.relative, file.content_relative, file.slug)
    groups: dict[str, list[_File]] = defaultdict(list)
    for file in files:
        entry = file.entry
        if entry is None:
            continue
        entry.body = link_bodies(entry.body, site_files, entry.conversion.flag)
        if entry.translation_key:
            groups[entry.translation_key].append(file)
    for members in groups.values():
        if len(members) < 2:
            continue
        for file in members:
            others = [(m.story_id, m.entry.headline if m.entry else "", m.entry.language
                       if m.entry else "") for m in members if m is not file]
            file.translations = translation_links(file.story_id, others)


def _document(file: _File, section_of: Callable[[str | None], str | None]) -> StoryDocument:
    entry = file.entry
    assert entry is not None
    own = "/" + story_page(file.slug)
    aliases = [url for url in entry.urls if url != own][:MAX_ALIASES]
    return StoryDocument(
        story_id=file.story_id, slug=file.slug, headline=entry.headline[:500],
        standfirst=entry.standfirst, body=entry.body, byline=entry.byline[:300],
        dateline=entry.dateline[:200], section=section_of(entry.section), tags=entry.tags,
        status=entry.status, publish_at=entry.publish_at,
        related=file.translations, aliases=tuple(aliases),
        language=_language(entry.story_language),
    ).normalised()


def _language(stated: str) -> str:
    """The story's language from what its file states; '' (the desk's) for a malformed tag."""
    try:
        return check_language(stated)
    except UsageError:
        return ""


def _plan(session: Session, file: _File, section_of: Callable[[str | None], str | None],
          report: ImportReport) -> StoryDocument | None:
    """The document to write for ``file`` (None: nothing to write), merged for an update
    with what the desk changed since the last import."""
    new = file.source_document = _document(file, section_of)
    if file.head is None:
        return new
    head_doc = stories.get(session, file.story_id)[0]
    merged, kept = merge(last_document(file.row), head_doc, new)
    for field_name in kept:
        report.warnings.append((_name(file.relative), f"kept the desk's {field_name}: it "
                                                      "was changed in Newsroom and in the "
                                                      "source"))
    return None if merged.normalised() == head_doc else merged


def _preview(session: Session, actor: Actor, site: Site, files: list[_File],
             report: ImportReport) -> None:
    """What writing would do, without writing (sections not made yet are compared by name)."""
    def section_of(name: str | None) -> str | None:
        if name is None:
            return None
        return stories.find_section(session, name) or f"new section {name}"

    now = utcnow()
    verdicts: dict[str, str | None] = {}  # a new story's status → why it is refused
    for file in files:
        if file.outcome == "unchanged":
            continue
        name = _name(file.relative)
        _count_entry(file, report)
        try:
            document = _plan(session, file, section_of, report)
            if file.outcome == "new":
                assert document is not None
                # New imported stories have no photos: the rules judge their status alone.
                if document.status not in verdicts:
                    try:
                        workflow.check_save(session, actor, None, document, change=None,
                                            message="imported", now=now)
                        verdicts[document.status] = None
                    except NewsroomError as exc:
                        verdicts[document.status] = str(exc)
                if verdicts[document.status] is not None:
                    raise UsageError(str(verdicts[document.status]))
                report.created.append(name)
            elif document is None:
                report.unchanged.append(name)
            else:
                before = stories.get(session, file.story_id)[0]
                workflow.check_save(session, actor, before, document, change=None,
                                    message="re-imported", now=now)
                report.updated.append(name)
        except NewsroomError as exc:
            report.failed.append((name, str(exc)))


def _count_entry(file: _File, report: ImportReport) -> None:
    entry = file.entry
    assert entry is not None
    name = _name(file.relative)
    report.converted += entry.conversion.converted
    report.flagged.extend((name, note) for note in entry.notes)
    report.redirects += len(entry.urls)


def _write(store: Store, actor: Actor, site: Site, files: list[_File], report: ImportReport,
           progress: Progress | None, cancelled: Callable[[], bool]) -> None:
    pending = [f for f in files if f.outcome in ("new", "update")]
    total = len(pending)
    for start in range(0, total, BATCH):
        if cancelled():
            report.cancelled = True
            return
        batch = pending[start : start + BATCH]
        if progress is not None:
            progress(start, total, f"writing {_name(batch[0].relative)}")
        done = (len(report.created), len(report.updated), len(report.unchanged))
        try:
            with store.session() as session:
                _write_batch(session, actor, site, batch, report)
        except WriteRefused as exc:  # a full disk: this batch was rolled back as a whole
            raise _stopped(exc, report, done, start, total) from exc
    if progress is not None:
        progress(total, total, "")


def _stopped(exc: WriteRefused, report: ImportReport, done: tuple[int, int, int],
             start: int, total: int) -> WriteRefused:
    """``exc``, saying what the batches before file ``start`` (committed) imported; the
    report forgets the batch that was rolled back."""
    del report.created[done[0]:], report.updated[done[1]:], report.unchanged[done[2]:]
    if start == 0:
        return exc  # nothing was changed
    return WriteRefused(exc.problem, f"{start} of the {total} files were imported, the "
                        "others not: import again once there is room (it goes on from there)")


def _write_batch(session: Session, actor: Actor, site: Site, batch: list[_File],
                 report: ImportReport) -> None:
    now = utcnow()
    # Held for the batch: the session's identity map keeps only objects someone holds, and
    # the workflow check of every new story looks its status up.
    statuses = session.scalars(sa.select(Status)).all()

    def section_of(name: str | None) -> str | None:
        return stories.ensure_section(session, name)

    fresh: list[tuple[_File, StoryDocument]] = []
    singles: list[_File] = []
    for file in batch:
        if file.outcome == "new":
            try:
                document = _plan(session, file, section_of, report)
                assert document is not None  # a new story always has one
                fresh.append((file, document))
            except NewsroomError as exc:
                report.failed.append((_name(file.relative), str(exc)))
        else:
            singles.append(file)
    written: list[tuple[_File, str]] = []
    if fresh:
        try:
            with session.begin_nested():
                revisions = create_many(session, actor, [doc for _, doc in fresh],
                                        message="imported", now=now)
            for (file, _doc), revision in zip(fresh, revisions, strict=True):
                _count_entry(file, report)
                report.created.append(_name(file.relative))
                written.append((file, revision))
        except NewsroomError:
            singles = [f for f, _ in fresh] + singles  # find the culprit file by file
    for file in singles:
        name = _name(file.relative)
        try:
            with session.begin_nested():
                if file.outcome == "new":
                    document = _document(file, section_of)
                    saved = stories.save(session, actor, document, message="imported",
                                         new=True, now=now)
                    report.created.append(name)
                    written.append((file, saved.revision_id))
                else:
                    assert file.head is not None
                    document_or_none = _plan(session, file, section_of, report)
                    if document_or_none is None:
                        report.unchanged.append(name)
                        written.append((file, file.head.revision_id))
                    else:
                        saved = stories.save(session, actor, document_or_none,
                                             base_revision=file.head.revision_id,
                                             message=f"re-imported {file.relative}"[:500],
                                             now=now)
                        report.updated.append(name)
                        written.append((file, saved.revision_id))
                _count_entry(file, report)
        except NewsroomError as exc:
            report.failed.append((name, str(exc)))
    _backdate(session, [f for f, _ in written if f.outcome == "new"], now)
    del statuses
    record(session, [provenance_row(
        story_id=file.story_id, site=site.key, path=file.relative,
        generator=file.entry.generator if file.entry else "", source_slug=(
            file.entry.source_slug if file.entry else ""),
        language=file.entry.language if file.entry else "",
        translation_key=file.entry.translation_key if file.entry else "",
        digest=file.digest, revision_id=revision, now=now,
        notes=file.entry.notes if file.entry else [],
        document=file.source_document or _document(file, section_of))
        for file, revision in written])


def _backdate(session: Session, files: list[_File], now: datetime) -> None:
    """New stories were made when they were first published, and last changed when their
    source says (``lastmod``, ``Modified``): the story list and the export's "Updated"
    line show the archive's own times, not the day of the import."""
    rows = []
    for file in files:
        entry = file.entry
        if entry is None or entry.publish_at is None or entry.publish_at > now:
            continue
        modified = entry.modified_at if entry.modified_at is not None and (
            entry.publish_at <= entry.modified_at <= now) else entry.publish_at
        rows.append({"sid": file.story_id, "created": entry.publish_at, "updated": modified})
    if rows:
        table = table_of(Story)
        session.execute(
            sa.update(table).where(table.c.id == sa.bindparam("sid"))
            .values(created_at=sa.bindparam("created"), updated_at=sa.bindparam("updated")),
            rows)
