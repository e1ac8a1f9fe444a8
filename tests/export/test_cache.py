"""The export cache: hits, pruning of what no recent export used, damaged files."""

from __future__ import annotations

import os
from pathlib import Path

from cms.export.cache import FILE_NAME, KEEP_EXPORTS, ExportCache
from tests.export.conftest import RunExport


def _put(cache: ExportCache, items: list[tuple[str, str, bytes]]) -> None:
    """Keep finished files ``(key, sha256, bytes)`` as an export does."""
    rows = []
    for key, sha, data in items:
        stored = cache.store_file(key, data)
        if stored is not None:
            rows.append((key, sha, stored[1], stored[2]))
    cache.put_stored(rows)


def _files(cache: ExportCache, keys: list[str]) -> dict[str, tuple[str, bytes]]:
    """The cached files of ``keys`` that are still as stored: ``{key: (sha256, bytes)}``."""
    return {key: (sha, Path(path).read_bytes())
            for key, (sha, path, _size) in cache.file_paths(keys).items()}


def _known(cache: ExportCache, keys: list[str]) -> set[str]:
    """Which of ``keys`` the cache's table holds (without checking or using the files)."""
    assert cache._db is not None
    marks = ",".join("?" * len(keys))
    return {str(key) for (key,) in cache._db.execute(
        f"SELECT key FROM files WHERE key IN ({marks})", keys)}


def _counted(folder: Path) -> ExportCache:
    """The cache as an export that looks at every file opens it."""
    cache = ExportCache(folder)
    cache.count_export()
    return cache


def test_files_and_bodies_round_trip(tmp_path: Path) -> None:
    cache = _counted(tmp_path)
    _put(cache, [("k1", "sha1", b"<html>one</html>")])
    cache.put_bodies([("b1", "<p>body</p>")])
    cache.close()
    again = ExportCache(tmp_path)
    assert again.serial == 1
    again.count_export()
    assert again.serial == 2
    assert _known(again, ["k1", "k2"]) == {"k1"}
    assert _files(again, ["k1"]) == {"k1": ("sha1", b"<html>one</html>")}
    assert again.bodies(["b1", "b2"]) == {"b1": "<p>body</p>"}
    again.close()


def test_entries_no_export_used_recently_are_pruned(tmp_path: Path) -> None:
    cache = _counted(tmp_path)
    _put(cache, [("old", "s", b"x"), ("kept", "s", b"y"), ("linked", "s", b"z")])
    cache.close()
    for _ in range(KEEP_EXPORTS + 1):
        cache = _counted(tmp_path)
        assert _files(cache, ["kept"])  # used by every export
        cache.keep_files(["linked"])  # unchanged in the folder: used without being read
        cache.close()
    cache = ExportCache(tmp_path)
    assert _known(cache, ["old", "kept", "linked"]) == {"kept", "linked"}
    cache.close()


def test_exports_that_look_at_a_few_files_prune_nothing(tmp_path: Path) -> None:
    cache = _counted(tmp_path)
    _put(cache, [("page", "s", b"x")])
    cache.close()
    for _ in range(KEEP_EXPORTS + 1):  # re-exports after one edit each
        cache = ExportCache(tmp_path)
        _put(cache, [("edited", "s", b"y")])
        cache.close()
    cache = ExportCache(tmp_path)
    assert _known(cache, ["page", "edited"]) == {"page", "edited"}
    cache.close()


def test_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"this is not a database" * 100)
    cache = ExportCache(tmp_path)
    assert cache.enabled and _files(cache, ["x"]) == {}
    _put(cache, [("x", "s", b"data")])
    assert _files(cache, ["x"]) == {"x": ("s", b"data")}
    cache.close()


def test_disabled_cache_does_nothing() -> None:
    cache = ExportCache(None)
    assert not cache.enabled
    _put(cache, [("x", "s", b"data")])
    assert _files(cache, ["x"]) == {} and cache.bodies(["x"]) == {}
    cache.close()


def test_file_changed_in_place_is_never_served_again(tmp_path: Path) -> None:
    # Exports hard-link cached pages; an exported page edited in place edits the
    # cached file too, and the cache must notice and forget it.
    cache = ExportCache(tmp_path)
    _put(cache, [("k", "sha", b"<p>one</p>"), ("other", "sha2", b"<p>two</p>")])
    _sha, name, size = cache.file_paths(["k"])["k"]
    path = Path(name)
    assert size == len(b"<p>one</p>") and path.read_bytes() == b"<p>one</p>"
    with open(path, "r+b") as handle:  # same size, different bytes, later time
        handle.write(b"<p>eve</p>")
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    assert _files(cache, ["k", "other"]) == {"other": ("sha2", b"<p>two</p>")}
    assert _known(cache, ["k"]) == set() and not path.exists()
    cache.close()


def test_pruned_files_leave_the_disk(tmp_path: Path) -> None:
    cache = _counted(tmp_path)
    _put(cache, [("gone", "s", b"x" * 1000)])
    path = Path(cache.file_paths(["gone"])["gone"][1])
    cache.close()
    for _ in range(KEEP_EXPORTS + 1):
        _counted(tmp_path).close()
    assert not path.exists()


def test_a_cache_folder_that_cannot_be_written_only_costs_speed(
        run_export: RunExport, tmp_path: Path) -> None:
    """A file where the cache folder should be (or a folder nobody may write): the
    export still succeeds, with the same bytes as one made without any cache."""
    from tests.export.bundle_check import tree_bytes

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    run_export(tmp_path / "with", cache_dir=blocker)
    run_export(tmp_path / "without", cache_dir=None)
    assert tree_bytes(tmp_path / "with") == tree_bytes(tmp_path / "without")


def test_tag_page_names_kept_in_the_cache_are_those_made_afresh(tmp_path: Path) -> None:
    from cms.export.arrange import _cached_tag_slugs
    from cms.export.paths import tag_slugs

    tags = ["c++", "c", "!!!", "story", "Seoul", "seoul "]
    cache = ExportCache(tmp_path)
    assert _cached_tag_slugs(cache, tags) == tag_slugs(tags)  # made and kept
    assert _cached_tag_slugs(cache, list(reversed(tags))) == tag_slugs(tags)  # from the cache
    assert cache._db is not None
    cache._db.execute("""UPDATE memos SET value = '["../up", "a", "b", "c", "d", "e"]'""")
    assert _cached_tag_slugs(cache, tags) == tag_slugs(tags)  # not trusted: made again
    assert _cached_tag_slugs(cache, [*tags, "new"]) == tag_slugs([*tags, "new"])  # other tags
    cache.close()


def test_selections_of_stores_no_longer_exported_are_pruned(tmp_path: Path) -> None:
    cache = ExportCache(tmp_path)
    cache.replace_selection("gone", '{"count": 1}', {"s1": "[1]"})
    cache.close()
    for _ in range(KEEP_EXPORTS):
        _counted(tmp_path).close()
    kept = ExportCache(tmp_path)
    assert kept.selection("gone") is not None  # still among the last exports' reach
    kept.close()
    _counted(tmp_path).close()
    pruned = ExportCache(tmp_path)
    assert pruned.selection("gone") is None
    assert pruned._db is not None and pruned._db.execute("SELECT count(*) FROM selected"
                                                         ).fetchone()[0] == 0
    pruned.close()
