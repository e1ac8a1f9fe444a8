"""Deterministic bundles, what --as-of selects, and incremental re-export."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cms import stories
from cms.errors import UsageError
from cms.export import feeds
from cms.export.paths import STATE_FILE
from cms.export.site import Site
from cms.export.state import State
from cms.people import Actor
from cms.sample import sample_id
from cms.store import Store
from tests.export.bundle_check import check_manifest, parse_html, tree_bytes
from tests.export.conftest import AS_OF, JCS_SLUG, RunExport

ASSEMBLY = "rival-crowds-rally-as-the-national-assembly-moves-to-impeach-yoon"


def test_two_exports_are_byte_identical(
        run_export: RunExport, tmp_path: Path, cache_dir: Path) -> None:
    run_export(tmp_path / "a", zip_path=tmp_path / "a.zip")
    # The second one renders from scratch: no cache, a different folder.
    run_export(tmp_path / "b", zip_path=tmp_path / "b.zip", cache_dir=None)
    # The third one takes its pages from the warm cache.
    warm = run_export(tmp_path / "c")
    assert warm.from_cache > 20 and warm.bodies_rendered == 0
    a, b = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert a.keys() == b.keys()
    assert [p for p in a if a[p] != b[p]] == []
    assert tree_bytes(tmp_path / "c") == a
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_as_of_decides_what_is_published(run_export: RunExport, tmp_path: Path) -> None:
    # 2024-12-14 13:00 in Seoul: three of the six sample stories are out.
    report = run_export(tmp_path / "early", as_of=AS_OF.replace(day=14, hour=4))
    assert report.stories == 3
    names = {p.name.split(".")[0] for p in (tmp_path / "early" / "stories").iterdir()}
    assert ASSEMBLY in names and JCS_SLUG not in names


def test_killed_embargoed_and_scheduled_stories_stay_out(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    with sample_store.session() as session:
        rows = {s.slug: s.id for s in stories.list_stories(session)}
        stories.edit(session, sample_actor, rows[ASSEMBLY], status="killed",
                     message="legal advice")
        stories.edit(session, sample_actor, sample_id("story", "lee-calls"),
                     embargo_until=AS_OF + timedelta(days=1))
        stories.create(session, sample_actor, headline="Tomorrow's news", status="published",
                       publish_at=AS_OF + timedelta(hours=1), section="politics")
    out = tmp_path / "site"
    report = run_export(out)
    assert report.stories == 4
    text = (out / "stories" / f"{JCS_SLUG}.html").read_text()
    page = parse_html(text.encode())
    entries = page.findall(".//aside[@class='read-next wrap-narrow']//li")
    assert len(entries) == 3  # the killed and the embargoed targets are not linked
    assert "Rival crowds" not in text
    assert not (out / "stories" / f"{ASSEMBLY}.html").exists()
    assert not any("tomorrow" in p.name for p in (out / "stories").iterdir())


def test_read_next_link_outside_its_window_is_hidden(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    with sample_store.session() as session:
        document, _rev = stories.get(session, JCS_SLUG)
        related = list(document.related)
        related[0] = related[0].__class__(**{**related[0].__dict__,
                                             "visible_until": AS_OF - timedelta(days=1)})
        stories.edit(session, sample_actor, JCS_SLUG, related=tuple(related))
    out = tmp_path / "site"
    run_export(out)
    page = parse_html((out / "stories" / f"{JCS_SLUG}.html").read_bytes())
    assert len(page.findall(".//aside[@class='read-next wrap-narrow']//li")) == 4


def test_nothing_changed_writes_nothing(run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = run_export(out)
    assert first.written == first.files and not first.incremental
    before = tree_bytes(out)
    second = run_export(out)
    assert second.incremental and second.written == 0 and second.deleted == 0
    assert tree_bytes(out) == before


def test_one_edit_rewrites_only_the_pages_that_show_it(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    with sample_store.session() as session:
        stories.edit(session, sample_actor, ASSEMBLY,
                     headline="Rival crowds rally as lawmakers move to impeach Yoon")
    report = run_export(out)
    story = f"stories/{ASSEMBLY}."
    assert set(report.written_paths) == {
        f"{story}html", f"{story}ninjs.json",
        "index.html", "feed.atom", "sections/politics.html", "sections/politics.atom",
        "tags/impeachment.html", "tags/protests.html", "tags/south-korea.html",
        "tags/yoon-suk-yeol.html", "manifest.json",
    }
    assert report.written == len(report.written_paths)
    # The JCS page links to it, so it was rendered again, but its "Read next" entry shows the
    # link's own label, so its bytes did not change and it was not written.
    # Rendered: the written pages but the manifest, plus that page, sitemap.xml and robots.txt.
    assert report.rendered == report.written - 1 + 3
    assert "lawmakers move to impeach" in (out / f"{story}html").read_text()
    check_manifest(out)
    # The result equals a fresh export of the same store.
    fresh = tmp_path / "fresh"
    run_export(fresh)
    assert tree_bytes(fresh) == {k: v for k, v in tree_bytes(out).items()}


def test_new_time_of_a_linked_story_rewrites_the_page_linking_to_it(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    with sample_store.session() as session:
        document, _rev = stories.get(session, ASSEMBLY)
        stories.edit(session, sample_actor, ASSEMBLY,
                     publish_at=(document.publish_at or AS_OF) + timedelta(minutes=1))
    report = run_export(out)
    assert f"stories/{JCS_SLUG}.html" in report.written_paths
    assert "12:33" in (out / "stories" / f"{JCS_SLUG}.html").read_text()


def test_removed_story_is_deleted_from_the_folder(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    with sample_store.session() as session:
        stories.edit(session, sample_actor, ASSEMBLY, status="killed", message="legal advice")
    report = run_export(out)
    assert report.deleted >= 2
    assert not (out / "stories" / f"{ASSEMBLY}.html").exists()
    assert not (out / "tags" / "protests.html").exists()
    check_manifest(out)


def test_output_folder_that_is_not_an_export_is_refused(
        run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not empty"):
        run_export(out)
    assert (out / "notes.txt").read_text() == "keep me"


def test_failed_export_leaves_the_old_site(
        run_export: RunExport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    run_export(out)
    before = tree_bytes(out)
    from cms.export.pages import PageRenderer

    def broken(*_args: object, **_kwargs: object) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(PageRenderer, "listing", broken)
    with pytest.raises(RuntimeError):
        run_export(out, full=True, cache_dir=None)
    with pytest.raises(RuntimeError):
        run_export(out, base_url="https://news.example.com/")
    assert tree_bytes(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cancel_changes_nothing(
        sample_store: Store, run_export: RunExport, tmp_path: Path, cache_dir: Path) -> None:
    from cms.export import ExportCancelled, ExportOptions, export_site

    out = tmp_path / "site"
    run_export(out)
    before = tree_bytes(out)
    calls: list[int] = []

    def cancel_soon() -> bool:
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(ExportCancelled):
        export_site(sample_store, ExportOptions(out=out, as_of=AS_OF, cache_dir=cache_dir,
                                                full=True), cancelled=cancel_soon)
    assert tree_bytes(out) == before
    with pytest.raises(ExportCancelled):
        export_site(sample_store, ExportOptions(out=tmp_path / "new", as_of=AS_OF,
                                                cache_dir=cache_dir), cancelled=lambda: True)
    assert not (tmp_path / "new").exists()


def test_state_file_is_not_published(run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out, zip_path=tmp_path / "site.zip")
    assert (out / STATE_FILE).exists()
    import zipfile

    with zipfile.ZipFile(tmp_path / "site.zip") as zf:
        names = zf.namelist()
    assert STATE_FILE not in names and "manifest.json" in names
    assert names == sorted(names)



def test_a_folder_from_an_earlier_version_is_exported_again_in_full(
        run_export: RunExport, tmp_path: Path) -> None:
    """A folder whose state an earlier version wrote (.newsroom-export.json) is still
    taken as an export: replaced by a full one, with a state of today's kind."""
    out = tmp_path / "site"
    out.mkdir()
    (out / ".newsroom-export.json").write_text('{"format": 2, "files": {}}')
    (out / "old.html").write_text("<p>old</p>")
    report = run_export(out)
    assert not report.incremental and report.written == report.files
    assert not (out / "old.html").exists() and not (out / ".newsroom-export.json").exists()
    assert State.load(out) is not None
    assert run_export(out).written == 0


def test_one_edit_rewrites_only_its_rows_of_the_state(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    before = State.load(out)
    assert before is not None
    before_files = dict(before.files)  # read now: a loaded state reads its records lazily
    with sample_store.session() as session:
        stories.edit(session, sample_actor, ASSEMBLY, headline="Crowds rally")
    report = run_export(out)
    after = State.load(out)
    assert before is not None and after is not None
    changed = {p for p in after.files if after.files[p] != before_files.get(p)}
    # Rows change for the files looked at again (a page whose key changed and whose
    # bytes did not keeps its file); every file written has a new row.
    assert set(report.written_paths) <= changed and len(changed) <= report.checked
    assert len(changed) < len(after.files) / 2
    with sample_store.reading() as session:
        edited = stories.resolve(session, ASSEMBLY)
    assert edited in {sid for sid in after.stories if after.stories[sid] != before.stories[sid]}

FORKED_EXPORT = """
import sys
from datetime import datetime
from pathlib import Path
from cms.export import ExportOptions, bodies, export_site, parallel
from cms.store import Store
assert parallel.fork_safe()
parallel.THRESHOLD = bodies.PARALLEL_THRESHOLD = 1
store = Store.open(sys.argv[1])
report = export_site(store, ExportOptions(
    out=Path(sys.argv[2]), cache_dir=Path(sys.argv[3]), workers=2,
    as_of=datetime.fromisoformat(sys.argv[4]), base_url=(sys.argv[5:] or [None])[0]))
print(report.bodies_rendered, report.from_cache)
"""


def test_forked_workers_give_the_same_bundle(
        sample_store: Store, run_export: RunExport, tmp_path: Path) -> None:
    import subprocess
    import sys

    run_export(tmp_path / "serial", cache_dir=None, workers=1)
    # In a process of its own: fork is only used by a process with a single thread.
    def forked(out: str, *base_url: str) -> list[str]:
        result = subprocess.run(
            [sys.executable, "-c", FORKED_EXPORT, str(sample_store.url.database),
             str(tmp_path / out), str(tmp_path / "cache"), AS_OF.isoformat(), *base_url],
            capture_output=True, text=True, timeout=120, check=True,
        )
        return result.stdout.split()

    assert forked("forked") == ["6", "0"]
    assert tree_bytes(tmp_path / "forked") == tree_bytes(tmp_path / "serial")
    # The workers filled the cache: a second export takes every page from it.
    pages = [p for p in tree_bytes(tmp_path / "forked")
             if p.endswith((".html", ".atom", ".json")) and not p.startswith((".", "manifest"))]
    assert forked("warm") == ["0", str(len(pages))]
    assert tree_bytes(tmp_path / "warm") == tree_bytes(tmp_path / "serial")
    # Another address changes every page but no body: the workers kept the bodies too.
    assert forked("moved", "https://news.example.com/") == ["0", "0"]


def test_same_bundle_from_sqlite_and_postgresql(
        store: Store, actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    """The sample newsroom on each backend exports to the same bytes as on SQLite."""
    from cms.export import ExportOptions, export_site
    from cms.sample import install_sample

    install_sample(store, actor)
    run_export(tmp_path / "reference", cache_dir=None)
    export_site(store, ExportOptions(out=tmp_path / "other", as_of=AS_OF, cache_dir=None))
    assert tree_bytes(tmp_path / "other") == tree_bytes(tmp_path / "reference")


def _change_steps(store: Store, actor: Actor) -> list[tuple[str, Callable[[], None], datetime]]:
    """Changes of every kind a re-export must notice, each with the export time to use."""
    from cms.config import set_setting

    def edit(ref: str, **changes: Any) -> None:
        with store.session() as session:
            stories.edit(session, actor, ref, **changes)

    def read_next_window() -> None:  # the JCS page's first link ends in an hour
        with store.session() as session:
            document, _rev = stories.get(session, JCS_SLUG)
            related = list(document.related)
            related[0] = related[0].__class__(**{**related[0].__dict__,
                                                 "visible_until": AS_OF + timedelta(hours=1)})
            stories.edit(session, actor, JCS_SLUG, related=tuple(related))

    def setting() -> None:
        with store.session() as session:
            set_setting(session, "desk_name", "The Seoul Desk", username="tester")

    def photos(change: str) -> None:  # the JCS story's inline photo: a new caption, or gone
        with store.session() as session:
            document, _rev = stories.get(session, JCS_SLUG)
            kept = [p for p in document.photos if p.role == "lead"]
            inline = [p for p in document.photos if p.role != "lead"]
            if change == "caption":
                kept += [p.__class__(**{**p.__dict__, "caption": "Another caption"})
                         for p in inline]
            stories.edit(session, actor, JCS_SLUG, photos=tuple(kept))

    def new_story() -> None:
        with store.session() as session:
            stories.create(session, actor, headline="Markets steady after the vote",
                           status="published", publish_at=AS_OF - timedelta(hours=2),
                           section="politics", tags=["markets"])

    later = AS_OF + timedelta(hours=3)
    return [
        ("a linked story's headline", lambda: edit(ASSEMBLY, headline="Crowds rally"), AS_OF),
        ("the lead story's body", lambda: edit(JCS_SLUG, body="Seoul said on Monday.\n"), AS_OF),
        ("a link window that has not ended yet", read_next_window, AS_OF),
        ("the export time passing that window's end", lambda: None, later),
        ("a photo caption", lambda: photos("caption"), later),
        ("a photo taken off a story", lambda: photos("remove"), later),
        ("a story's tags", lambda: edit(ASSEMBLY, tags=["protests", "seoul"]), later),
        ("a desk setting", setting, later),
        ("a new story", new_story, later),
        ("a story killed", lambda: edit(ASSEMBLY, status="killed", message="legal"), later),
    ]


def test_incremental_exports_equal_full_ones_after_every_kind_of_change(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    """After each change, re-exporting into the same folder gives exactly what a first
    export into a new folder gives, and the folder's state is the same too."""
    out = tmp_path / "site"
    first = run_export(out)
    for index, (what, change, as_of) in enumerate(_change_steps(sample_store, sample_actor)):
        change()
        report = run_export(out, as_of=as_of)
        assert report.incremental, what
        if index < 6:  # the same pages showing the same stories: only some files looked at
            assert report.checked < first.checked, what
        # Text and captions: only the pages showing them, found in the folder's site index.
        assert report.quick == (index in (0, 1, 4)), what
        fresh = tmp_path / f"fresh-{index}"
        run_export(fresh, as_of=as_of, cache_dir=None)
        got, want = tree_bytes(out), tree_bytes(fresh)
        assert sorted(got) == sorted(want), what
        assert [path for path in want if got[path] != want[path]] == [], what
        assert State.load(out) == State.load(fresh), what


def test_a_page_removed_by_hand_is_written_again(run_export: RunExport, tmp_path: Path) -> None:
    out = tmp_path / "site"
    run_export(out)
    page = out / "stories" / f"{ASSEMBLY}.html"
    before = page.read_bytes()
    page.unlink()
    report = run_export(out)
    assert report.written_paths == [f"stories/{ASSEMBLY}.html"]
    assert page.read_bytes() == before


def test_re_exports_keep_the_cache_warm_for_a_new_folder(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path) -> None:
    """Pages left unchanged in a folder stay in the cache, however many re-exports follow."""
    from cms.export.cache import KEEP_EXPORTS

    out = tmp_path / "site"
    run_export(out)
    # Static files, photo renditions, sitemap.xml and robots.txt are made every time.
    always_made = run_export(tmp_path / "warm").rendered
    for round_ in range(KEEP_EXPORTS + 2):
        with sample_store.session() as session:
            stories.edit(session, sample_actor, ASSEMBLY, headline=f"Crowds rally ({round_})")
        run_export(out)
    with sample_store.session() as session:  # a new tag: every file is looked at again
        stories.edit(session, sample_actor, ASSEMBLY, tags=["protests", "seoul"])
    for _ in range(KEEP_EXPORTS + 1):
        run_export(out)
    elsewhere = run_export(tmp_path / "elsewhere")
    assert elsewhere.rendered == always_made and elsewhere.from_cache > 20
    assert elsewhere.bodies_rendered == 0


def test_full_reads_every_story_again(
        run_export: RunExport, tmp_path: Path, cache_dir: Path) -> None:
    """--full trusts nothing an earlier export kept: not even the selection in the cache."""
    import sqlite3

    from cms.export.cache import FILE_NAME

    out = tmp_path / "site"
    run_export(out)
    with sqlite3.connect(cache_dir / FILE_NAME) as db:  # a kept selection gone wrong
        db.execute("DELETE FROM selected WHERE record LIKE ?", (f'%"{ASSEMBLY}"%',))
    run_export(out, full=True)
    run_export(tmp_path / "fresh", cache_dir=None)
    assert tree_bytes(out) == tree_bytes(tmp_path / "fresh")


def test_one_edit_patches_the_manifest_instead_of_listing_every_file(
        sample_store: Store, sample_actor: Actor, run_export: RunExport, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The manifest and the sitemap list every file and story: after one edit they are
    patched where that story's entries are (the incremental-equals-fresh test checks
    the bytes), unless the folder's copy is not the one the state knows."""
    import cms.export.build as build
    import cms.export.plan as plan
    from cms.timeutil import utcnow

    later = utcnow() + timedelta(days=1)  # after the edit: an update the sitemap shows
    out = tmp_path / "site"
    run_export(out, as_of=later)
    with sample_store.session() as session:
        stories.edit(session, sample_actor, ASSEMBLY, headline="Crowds rally")
    listed: list[str] = []

    def counted_manifest(files: dict[str, tuple[str, int]], generator: str) -> str:
        listed.append("manifest")
        return feeds.manifest(files, generator)

    def counted_sitemap(site: Site, pages: Iterable[tuple[str, datetime | None]]) -> str:
        listed.append("sitemap")
        return feeds.sitemap(site, pages)

    monkeypatch.setattr(build, "manifest", counted_manifest)
    monkeypatch.setattr(plan, "sitemap", counted_sitemap)
    report = run_export(out, as_of=later)
    assert {"manifest.json", "sitemap.xml"} <= set(report.written_paths)
    assert listed == []
    check_manifest(out)
    run_export(tmp_path / "fresh", cache_dir=None, as_of=later)
    assert tree_bytes(out) == tree_bytes(tmp_path / "fresh")
    (out / "manifest.json").write_text((out / "manifest.json").read_text() + " ")  # by hand
    with sample_store.session() as session:
        stories.edit(session, sample_actor, ASSEMBLY, headline="Crowds rally again")
    run_export(out, as_of=later)
    assert "manifest" in listed  # not the manifest the state knows: every file is listed again
    check_manifest(out)
