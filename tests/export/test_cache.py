"""The export cache: hits, pruning of what no recent export used, damaged files."""

from __future__ import annotations

from pathlib import Path

from cms.export.cache import FILE_NAME, KEEP_EXPORTS, ExportCache


def test_files_and_bodies_round_trip(tmp_path: Path) -> None:
    cache = ExportCache(tmp_path)
    cache.put_files([("k1", "sha1", b"<html>one</html>")])
    cache.put_bodies([("b1", "<p>body</p>")])
    cache.close()
    again = ExportCache(tmp_path)
    assert again.serial == 2
    assert again.known_files(["k1", "k2"]) == {"k1"}
    assert again.files(["k1"]) == {"k1": ("sha1", b"<html>one</html>")}
    assert again.bodies(["b1", "b2"]) == {"b1": "<p>body</p>"}
    again.close()


def test_entries_no_export_used_recently_are_pruned(tmp_path: Path) -> None:
    cache = ExportCache(tmp_path)
    cache.put_files([("old", "s", b"x"), ("kept", "s", b"y")])
    cache.close()
    for _ in range(KEEP_EXPORTS + 1):
        cache = ExportCache(tmp_path)
        assert cache.files(["kept"])  # used by every export
        cache.close()
    cache = ExportCache(tmp_path)
    assert cache.known_files(["old", "kept"]) == {"kept"}
    cache.close()


def test_damaged_cache_is_rebuilt(tmp_path: Path) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"this is not a database" * 100)
    cache = ExportCache(tmp_path)
    assert cache.enabled and cache.files(["x"]) == {}
    cache.put_files([("x", "s", b"data")])
    assert cache.files(["x"]) == {"x": ("s", b"data")}
    cache.close()


def test_disabled_cache_does_nothing() -> None:
    cache = ExportCache(None)
    assert not cache.enabled
    cache.put_files([("x", "s", b"data")])
    assert cache.files(["x"]) == {} and cache.bodies(["x"]) == {}
    cache.close()
