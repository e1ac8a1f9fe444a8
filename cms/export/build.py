"""The export, start to finish: arrange, plan, render what changed, write, swap.

:mod:`cms.export.arrange` decides what the site shows, :mod:`cms.export.plan`
which files it has and the key of each; a file whose key matches the state of
the previous export into the same folder is not rendered again, and a rendered
file whose bytes did not change is not written. That is what makes re-exporting
after one edit touch only the pages that show the edited story.
"""

from __future__ import annotations

import gc
import hashlib
import sqlite3
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from cms.atomic import atomic_write, sync_filesystem
from cms.config import SETTINGS, all_settings
from cms.errors import NOTHING_CHANGED, NotFound, UsageError
from cms.export import parallel, trusted_state
from cms.export.arrange import arrange
from cms.export.bodies import Bodies
from cms.export.cache import ExportCache
from cms.export.feeds import manifest, patched_manifest
from cms.export.folder import OutputFolder
from cms.export.options import ExportCancelled, ExportOptions, ExportReport, Progress
from cms.export.pages import keep_bundle_images, placed_photo_ids, without_figures
from cms.export.paths import MANIFEST_FILE, STATE_FILE
from cms.export.plan import Plan, Planned
from cms.export.quick import Quick
from cms.export.selection import PublicStory, load_bodies
from cms.export.site import GENERATOR, Site
from cms.export.site import digest as key_of
from cms.export.staging import Staging, remove_leftovers
from cms.export.state import FileRecord, State
from cms.export.theme import Theme
from cms.export.writer import (
    apply_changes,
    check_output_folder,
    check_zip_target,
    swap_in,
    write_zip,
)
from cms.fs import same_filesystem
from cms.render import render_warnings
from cms.store import Store
from cms.stories import resolve
from cms.sync.holding import require_whole_archive
from cms.timeutil import as_utc, utcnow
from cms.write_errors import refused_write


class _Made:
    """Makes planned files in this process: from the export cache when it holds them,
    else produced (and kept in the cache); staged only when the bytes differ from the
    folder's."""

    def __init__(self, staging: Staging, old: dict[str, FileRecord], present: set[str],
                 stale: set[str], cached: dict[str, tuple[str, str, int]],
                 report: ExportReport) -> None:
        self.staging = staging
        self.old = old
        self.present = present
        self.stale = stale
        self.cached = cached
        self.report = report
        self._fresh: list[tuple[str, str, int, int]] = []

    def make(self, item: Planned, export_cache: ExportCache) -> FileRecord:
        """Make ``item``; return its record."""
        hit = self.cached.get(item.key or "")
        source: str | Path | None = None
        data = b""
        if hit is not None:
            sha, source, size = hit
            self.report.from_cache += 1
        else:
            data = item.produce()
            sha, size = hashlib.sha256(data).hexdigest(), len(data)
            if item.cacheable and item.key:
                stored = export_cache.store_file(item.key, data)
                if stored is not None:
                    source = stored[0]
                    self._fresh.append((item.key, sha, stored[1], stored[2]))
        record = self.old.get(item.path)
        unchanged = (record is not None and record.sha256 == sha and item.path in self.present
                     and item.path not in self.stale)
        if not unchanged:
            if source is not None:
                self.staging.link(item.path, source)  # shares the cached file's bytes
            else:
                self.staging.write(item.path, data)
        return FileRecord(item.key or sha, sha, size)

    def take_fresh(self) -> list[tuple[str, str, int, int]]:
        """The cache rows of the files stored since the last call."""
        fresh, self._fresh = self._fresh, []
        return fresh


class Export(Plan):
    """One export run: render what the plan says into a staging folder, and the new state."""

    def __init__(self, session: Session, site: Site, theme: Theme, options: ExportOptions,
                 state: State | None, single: PublicStory | None, export_cache: ExportCache,
                 progress: Progress, cancelled: Callable[[], bool],
                 quick: Quick | None = None, folder: OutputFolder | None = None) -> None:
        super().__init__(session, site, theme, options, state, single, export_cache, quick,
                         folder)
        self.progress = progress
        self.cancelled = cancelled
        self.plain_parts: list[tuple[str, str]] = []  # (slug, why) of bodies partly plain text

    def run(self, staging: Staging, report: ExportReport,
            present: set[str] | None = None) -> State:
        """Render what is needed into ``staging``; return the new state. ``present``: the
        files in the output folder (a quick re-export has looked already: see
        :func:`export_site`)."""
        planned, present = self._plan_against(present)
        old = self._old_records(planned)
        report.checked = len(planned)
        new_files, todo = self._carry_unchanged(planned, old, present)
        # Every cached file at once (paths, hashes and sizes only: no file is read).
        cached = self.export_cache.file_paths(
            [item.key for item in todo if item.cacheable and item.key])
        misses = [i for i, item in enumerate(todo)
                  if item.cacheable and item.key and item.key not in cached]
        forked = self._forks(len(misses))
        self._prepare_bodies(todo, set(cached), report, render_now=not forked)
        done: dict[int, FileRecord] = {}
        if forked:
            # Files showing many bodies (feeds) are made here afterwards, from the bodies
            # the workers kept in the cache: each body is rendered once, by one process.
            single = [i for i in misses if not todo[i].gathers]
            done = self._render_in_workers(todo, single, staging, old, present)
            if isinstance(self.bodies, Bodies):
                self.bodies.take_cached({sid for i, item in enumerate(todo) if i not in done
                                         for sid in item.bodies}, self.export_cache)
        made = _Made(staging, old, present, self.stale, cached, report)
        for index, item in enumerate(todo):
            if index in done:
                new_files[item.path] = done[index]
                continue
            if index % 500 == 0:
                if self.cancelled():
                    raise ExportCancelled("export cancelled; nothing was changed")
                self.progress(index, len(todo), item.path)
                self.export_cache.put_stored(made.take_fresh())
            new_files[item.path] = made.make(item, self.export_cache)
        self.export_cache.put_stored(made.take_fresh())
        self.plain_parts += self.take_plain_parts()
        self.cache_bodies(self.export_cache)
        report.rendered = len(todo) - report.from_cache
        report.photos_encoded = self.renditions.encoded
        new_state = self._new_state(new_files)
        self._add_manifest(new_state, old, present, staging, self.folder)
        self.progress(len(todo), len(todo), "done")
        return new_state

    def _plan_against(self, present: set[str] | None) -> tuple[list[Planned], set[str]]:
        """The plan, and the files in the output folder (looked at here unless given).

        A partial plan trusts the folder to hold every file it leaves out; when one
        is missing (someone removed it), every file is planned instead.
        """
        planned = self.plan()
        state, folder = self.state, self.folder
        if present is None:
            present = folder.scan() if folder is not None and state is not None else set()
        if state is not None and self.partial and self.quick is None \
                and not self._carried_present(planned, present):
            self.full = True
            planned = self.plan()
        return planned, present

    def _old_records(self, planned: list[Planned]) -> dict[str, FileRecord]:
        """The previous export's records of the planned files (and of the manifest)."""
        if self.state is None:
            return {}
        if self.partial:  # a partial plan needs the records of its own files only
            return self.state.records([i.path for i in planned] + [MANIFEST_FILE])
        return self.state.files

    def _carry_unchanged(self, planned: list[Planned], old: dict[str, FileRecord],
                         present: set[str]) -> tuple[dict[str, FileRecord], list[Planned]]:
        """Records of the files whose key is the one the folder holds, and the files to make."""
        new_files: dict[str, FileRecord] = {}
        todo: list[Planned] = []
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
        return new_files, todo

    def _new_state(self, new_files: dict[str, FileRecord]) -> State:
        """What this export wrote: a whole state, or an update of the previous one."""
        state = self.state
        renditions = dict(sorted(self.used_renditions.items()))
        if state is not None and self.quick is not None:
            # Only the files showing a changed story were planned, media included (the
            # same photos as before): every other record, rendition and index row stays.
            renditions = dict(sorted({**state.renditions, **renditions}.items()))
            return State(new_files, renditions, self.story_states, self.layout,
                         base=state, index=self.index())
        if state is not None and self.partial:
            # The files a partial plan left out keep their records: the new state is an
            # update of the old one (media are always planned; those not planned are gone).
            gone = frozenset(p for p in state.paths()
                             if p.startswith("media/") and p not in new_files)
            return State(new_files, renditions, self.story_states, self.layout,
                         base=state, deleted=gone, index=self.index())
        return State(new_files, renditions, self.story_states, self.layout,
                     index=self.index())

    def _carried_present(self, planned: list[Planned], present: set[str]) -> bool:
        """True when every file a partial plan leaves out is still in the folder."""
        assert self.state is not None
        missing = self.state.paths() - present  # set arithmetic: 27,000 paths in a blink
        planned_paths = {item.path for item in planned}
        return all(path in planned_paths or path == MANIFEST_FILE or path.startswith("media/")
                   for path in missing)  # media are always planned

    @staticmethod
    def _add_manifest(new_state: State, old: dict[str, FileRecord], present: set[str],
                      staging: Staging, folder: OutputFolder | None) -> None:
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
                and folder is not None and MANIFEST_FILE in present \
                and all(p in old for p in changed):
            data = patched_manifest(folder.read(MANIFEST_FILE), previous.sha256,
                                    {p: (r.sha256, r.size) for p, r in changed.items()})
        if data is None:
            data = manifest({p: (r.sha256, r.size) for p, r in new_state.files.items()
                             if p != MANIFEST_FILE}, GENERATOR).encode("utf-8")
        sha = hashlib.sha256(data).hexdigest()
        if previous is None or previous.sha256 != sha or MANIFEST_FILE not in present:
            staging.write(MANIFEST_FILE, data)  # (not present: a link, say, in its place)
        files[MANIFEST_FILE] = FileRecord(sha, sha, len(data))

    def _prepare_bodies(self, todo: list[Planned], known: set[str], report: ExportReport,
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
        self.plain_parts += self.take_plain_parts()  # of the cached bodies
        report.bodies_cached = self.bodies.cached
        report.bodies_rendered = len(items) - self.bodies.cached
        if render_now:
            self.progress(0, len(todo), "rendering story bodies")
            self.cache.render_missing(
                self.bodies, workers=self.options.workers, cancelled=self.cancelled,
                progress=lambda done, total: self.progress(
                    0, len(todo), f"rendered {done}/{total} bodies"),
            )

    def take_plain_parts(self) -> list[tuple[str, str]]:
        """``(slug, why)`` of the bodies rendered (or looked up) since the last call that
        show parts as plain text."""
        if not isinstance(self.bodies, Bodies):
            return []
        return [(self.site.by_id[sid].slug, f"part of the body shown as plain text: {why}")
                for sid in self.bodies.take_warned()
                for why in render_warnings(self.bodies.source(sid)[0])]

    def _finish_slice(self, cache: ExportCache) -> list[tuple[str, str]]:
        """Run in a page worker after each slice: keep its bodies; its plain-part notes."""
        self.cache_bodies(cache)
        return self.take_plain_parts()

    def _forks(self, misses: int) -> bool:
        """True when ``misses`` pages no cache holds will render on forked workers."""
        return (parallel.worker_count(self.options.workers) >= 2 and parallel.fork_safe()
                and misses >= parallel.THRESHOLD)

    def _render_in_workers(self, todo: list[Planned], misses: list[int], staging: Staging,
                           old: dict[str, FileRecord], present: set[str]
                           ) -> dict[int, FileRecord]:
        """Render the pages of ``todo`` at ``misses`` (no cache holds them) on forked workers."""
        workers = parallel.worker_count(self.options.workers)
        job = parallel.Job(
            produce=[todo[i].produce for i in misses], paths=[todo[i].path for i in misses],
            keys=[todo[i].key or "" for i in misses], staging_root=staging.root,
            shows=[todo[i].bodies[0] if todo[i].bodies else "" for i in misses],
            old={p: r.sha256 for p, r in old.items() if p in present},
            cache_dir=self.options.cache_dir, finish=self._finish_slice,
        )
        results = parallel.render_forked(
            job, workers, self.cancelled,
            lambda n, total: self.progress(n, len(todo), f"rendered {n}/{total} pages"))
        if results is None:
            raise ExportCancelled("export cancelled; nothing was changed")
        self.plain_parts += job.notes
        done: dict[int, FileRecord] = {}
        for item in results:
            planned = todo[misses[item.index]]
            done[misses[item.index]] = FileRecord(planned.key or item.sha256, item.sha256,
                                                  item.size)
            if item.written:
                staging.record(planned.path)
        return done


def export_site(
    store: Store,
    options: ExportOptions,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ExportReport:
    """Export the site (or one story) as of ``options.as_of``; see the module docstring.

    A full disk or a folder that cannot be written is told as such
    (:class:`~cms.errors.WriteRefused`); the folder and its last bundle are then as
    they were.
    """
    if options.out is None and options.zip_path is None:
        raise UsageError("say where to export: --out DIR and/or --zip FILE")
    if options.story is None:  # a partial copy lacks most of the archive (issue 20)
        with store.reading() as session:
            require_whole_archive(session, "exporting the whole site")
    try:
        return _export(store, options, progress, cancelled)
    except (OSError, sqlite3.Error) as exc:
        where = [path.absolute().parent for path in (options.out, options.zip_path) if path]
        refused = refused_write(
            exc, where + ([options.cache_dir] if options.cache_dir is not None else []))
        if refused is None:
            raise
        raise refused from exc


def _export(store: Store, options: ExportOptions, progress: Progress | None,
            cancelled: Callable[[], bool]) -> ExportReport:
    with ExitStack() as cleanup:  # whatever was opened is closed, the staging folder removed
        return _export_with(store, options, progress, cancelled, cleanup)


@dataclass(frozen=True)
class _Target:
    """Where an export goes, checked before anything is read: folder and/or zip."""

    out: Path | None
    zip_path: Path | None
    previous: bool  # the folder holds an earlier export

    @property
    def beside(self) -> Path:
        """The path whose parent folder holds the staging folder."""
        beside = self.out if self.out is not None else self.zip_path
        assert beside is not None
        return beside

    @classmethod
    def check(cls, options: ExportOptions) -> _Target:
        """The folder and zip of ``options``, after the leftovers of killed exports."""
        out = options.out.absolute() if options.out is not None else None
        zip_path = options.zip_path.absolute() if options.zip_path is not None else None
        target = cls(out, zip_path, False)
        # Of exports killed half-way; first, as it may put back a folder (see the function).
        remove_leftovers(target.beside)
        previous = check_output_folder(out) if out is not None else False
        if zip_path is not None:
            check_zip_target(zip_path)
        return cls(out, zip_path, previous)


def _theme_dir(store: Store, options: ExportOptions) -> Path | None:
    """The theme asked for, else the desk's configured one (None: the built-in theme)."""
    if options.theme is not None:
        return options.theme
    with store.reading() as session:
        configured = all_settings(session).get("export_theme", "")
    return Path(configured).expanduser() if configured else None


def _export_with(store: Store, options: ExportOptions, progress: Progress | None,
                 cancelled: Callable[[], bool], cleanup: ExitStack) -> ExportReport:
    as_of = as_utc(options.as_of) if options.as_of is not None else utcnow()
    base_url = SETTINGS["base_url"].validate(options.base_url) if options.base_url else None
    target = _Target.check(options)
    theme_dir = _theme_dir(store, options)
    folder = None
    if target.out is not None and target.previous:
        folder = cleanup.enter_context(OutputFolder(target.out))
    theme = Theme(theme_dir, options.cache_dir)
    cleanup.callback(theme.close)
    staging = Staging(target.beside)
    cleanup.callback(staging.discard)
    export_cache = ExportCache(None)
    gc.freeze()  # what the caller holds is not the export's garbage (see arrange)
    try:
        export_cache = ExportCache(options.cache_dir)
        state = _load_state(folder, target, options, export_cache)
        if state is not None:
            cleanup.callback(state.close)
        report = ExportReport(target.out, target.zip_path, as_of, incremental=state is not None)
        run = _Run(store, options, theme, state, folder, export_cache,
                   progress or (lambda _d, _t, _m: None), cancelled)
        new_state = run.build(staging, report, as_of, base_url)
        if cancelled():
            raise ExportCancelled("export cancelled; nothing was changed")
        _write_out(target, options, staging, state, new_state, export_cache, folder)
    finally:
        gc.unfreeze()
        export_cache.close()
    return report


def _load_state(folder: OutputFolder | None, target: _Target, options: ExportOptions,
                export_cache: ExportCache) -> State | None:
    """The state of the output folder (None: none, or not to be used); its records are
    not checked again when this cache's export wrote it (:mod:`cms.export.trusted_state`)."""
    if folder is None or target.out is None or options.full or options.story is not None:
        return None
    data = folder.read(STATE_FILE)  # never through a link: it could lead anywhere
    if data is None:
        return None
    return State.from_bytes(data, checked=trusted_state.written_here(export_cache, target.out,
                                                                      data))


@dataclass
class _Run:
    """What :func:`_export_with` opened, for arranging and rendering the site."""

    store: Store
    options: ExportOptions
    theme: Theme
    state: State | None
    folder: OutputFolder | None
    export_cache: ExportCache
    progress: Progress
    cancelled: Callable[[], bool]

    def build(self, staging: Staging, report: ExportReport, as_of: datetime,
              base_url: str | None) -> State:
        """Arrange the site, render what changed into ``staging``, fill in ``report``;
        return the new state."""
        options, state = self.options, self.state
        with self.store.reading() as session:
            arranged = arrange(session, self.store.replica_id, self.export_cache, state, as_of,
                               base_url=base_url, theme_fingerprint=self.theme.fingerprint,
                               full=options.full, folder=self.folder)
            single = _single(session, arranged.site, options, as_of)
            build = Export(session, arranged.site, self.theme, options, state, single,
                           self.export_cache, self.progress, self.cancelled, arranged.quick,
                           self.folder)
            # The site model lives until the end: keep the collector from walking its
            # hundreds of thousands of objects again and again (and forked page workers
            # from copying every page it touches), as the gc.freeze documentation advises.
            gc.freeze()
            new_state = build.run(staging, report, arranged.present)
        if new_state.index is not None:  # which kept selection the folder is made from
            new_state.index.meta["token"] = key_of(arranged.kept) if arranged.kept else ""
        report.stories = 1 if single else arranged.stories
        report.quick = arranged.quick is not None
        report.files = new_state.count()
        report.skipped = sorted(arranged.skipped + build.left_out()
                                + list(dict.fromkeys(build.plain_parts)))
        report.deleted = len(_deleted(state, new_state))
        report.written = len(staging.paths)
        report.written_paths = sorted(staging.paths)
        return new_state


def _single(session: Session, site: Site, options: ExportOptions,
            as_of: datetime) -> PublicStory | None:
    """The one story ``options`` asks for (None: the whole site)."""
    if options.story is None:
        return None
    single = site.by_id.get(resolve(session, options.story))
    if single is None:
        raise NotFound(f"story {options.story!r} is not published as of "
                       f"{as_of.isoformat(timespec='minutes')}")
    return single


def _deleted(state: State | None, new_state: State) -> list[str]:
    """The files of the previous export that the new one no longer has."""
    if new_state.base is not None:
        return sorted(new_state.deleted)
    return sorted(state.paths() - new_state.files.keys()) if state else []


def _write_out(target: _Target, options: ExportOptions, staging: Staging, state: State | None,
               new_state: State, export_cache: ExportCache,
               folder: OutputFolder | None) -> None:
    """Put the staged export in place: changes into the folder, or a swap; then the zip."""
    out, zip_path = target.out, target.zip_path
    keep_state = out is not None and options.story is None
    zipped = new_state.files if zip_path is not None else {}  # the manifest's files
    if out is not None:
        _flush_to_disk(staging, export_cache)  # before the state names the files
    if folder is not None and state is not None:
        made = None  # written before any file moves: a full disk stops the export here
        state_bytes = state.data
        if keep_state and new_state.changes(state):
            made = staging.folder / STATE_FILE
            state_bytes = new_state.serialize(state)
            atomic_write(made, state_bytes)
        apply_changes(staging, folder, _deleted(state, new_state), made)  # the state last
        if keep_state and out is not None:
            trusted_state.remember(export_cache, out, state_bytes)
    elif out is not None:
        state_bytes = new_state.serialize(None) if keep_state else b""
        if keep_state:
            atomic_write(staging.root / STATE_FILE, state_bytes)
        swap_in(staging, out)
        if keep_state:
            trusted_state.remember(export_cache, out, state_bytes)
    if zip_path is not None:
        _write_zip(staging, out, zipped, zip_path)


def _write_zip(staging: Staging, out: Path | None, zipped: dict[str, FileRecord],
               zip_path: Path) -> None:
    """Write the bundle (the output folder, else the staging folder) as ``zip_path``."""
    staging.flush()
    with OutputFolder(out if out is not None else staging.root) as bundle:
        try:
            write_zip(bundle, zipped, zip_path, staging)
        except OSError as exc:
            refused = refused_write(exc, [zip_path.parent], outcome=(
                f"{out} was exported, the zip was not written" if out is not None
                else NOTHING_CHANGED))
            if refused is None:
                raise
            raise refused from exc


def _flush_to_disk(staging: Staging, export_cache: ExportCache) -> None:
    """Put every file of the export on the disk at once: staged pages, and cached pages
    linked into the bundle (neither is flushed file by file: that would cost two
    ``fsync`` calls a page)."""
    staging.flush()
    sync_filesystem(staging.root)
    if export_cache.enabled and not same_filesystem(export_cache.files_root, staging.root):
        sync_filesystem(export_cache.files_root)
