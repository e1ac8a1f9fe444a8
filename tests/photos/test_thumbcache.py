"""Thumbnails cached on disk by SHA-256, in the user cache folder."""

from __future__ import annotations

import os
import time
from functools import partial
from pathlib import Path

import pytest

from cms.blobs import sha256_hex
from cms.thumbcache import ThumbnailCache, cache_root
from tests.photos.imaging import encode, picture


def test_made_once_then_read_from_disk(isolated_home: Path) -> None:
    data = encode(picture((400, 300)), "JPEG")
    digest = sha256_hex(data)
    cache = ThumbnailCache()
    assert cache.root == cache_root()
    assert str(cache.root).startswith(str(isolated_home))
    loads: list[int] = []

    def load() -> bytes:
        loads.append(1)
        return data

    first = cache.get(digest, load, 64)
    assert cache.get(digest, load, 64) == first
    assert len(loads) == 1
    assert cache.path_for(digest, 64).is_file()
    assert cache.cached(digest, 128) is None


def test_rejects_a_key_that_is_not_a_hash(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a SHA-256"):
        ThumbnailCache(tmp_path).path_for("../../etc/passwd")


def test_unwritable_cache_still_gives_the_thumbnail(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    data = encode(picture(), "PNG")
    thumb = ThumbnailCache(blocker).get(sha256_hex(data), lambda: data, 32)
    assert thumb[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0")


def test_trim_keeps_the_recently_used(tmp_path: Path) -> None:
    cache = ThumbnailCache(tmp_path)
    digests = []
    for seed in range(4):
        data = encode(picture((64 + seed, 48)), "PNG")
        digest = sha256_hex(data)
        cache.get(digest, partial(bytes, data), 32)
        os.utime(cache.path_for(digest, 32), (time.time() - 100 + seed, time.time() - 100 + seed))
        digests.append(digest)
    cache.cached(digests[0], 32)  # used just now
    one = cache.path_for(digests[0], 32).stat().st_size
    freed = cache.trim(max_bytes=one * 2)
    assert freed > 0
    assert cache.path_for(digests[0], 32).is_file()
    assert not cache.path_for(digests[1], 32).exists()
