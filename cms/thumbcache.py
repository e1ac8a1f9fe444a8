"""Thumbnails made once per photo and kept on disk in the user's cache folder.

Keyed by the photo's SHA-256 (and the thumbnail size), so the same photo on
forty stories is shrunk once, and a cache entry can never show the wrong
picture. The cache is disposable: deleting the folder only costs time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import platformdirs

from cms.atomic import atomic_write
from cms.media import THUMB_FORMAT_VERSION, thumbnail

APP_NAME = "newsroom"
DEFAULT_SIZE = 256
MAX_CACHE_BYTES = 512 * 1024 * 1024


def cache_root() -> Path:
    """``…/newsroom/thumbnails`` in the platform's user cache folder."""
    return platformdirs.user_cache_path(APP_NAME, appauthor=False) / "thumbnails"


class ThumbnailCache:
    """Thumbnails on disk, made on demand from the photo bytes."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or cache_root()

    def path_for(self, sha256: str, size: int = DEFAULT_SIZE) -> Path:
        """Where the thumbnail of ``sha256`` at ``size`` lives (whether or not it exists)."""
        if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / f"v{THUMB_FORMAT_VERSION}" / sha256[:2] / f"{sha256}-{size}.img"

    def cached(self, sha256: str, size: int = DEFAULT_SIZE) -> bytes | None:
        """The cached thumbnail, or None."""
        path = self.path_for(sha256, size)
        try:
            data = path.read_bytes()
        except OSError:  # missing, or the cache folder is unusable: make it afresh
            return None
        try:
            os.utime(path)  # recently used: kept longest by trim()
        except OSError:
            pass
        return data

    def get(
        self, sha256: str, load: Callable[[], bytes], size: int = DEFAULT_SIZE
    ) -> bytes:
        """The thumbnail (JPEG or PNG bytes), made from ``load()`` and stored if missing."""
        found = self.cached(sha256, size)
        if found is not None:
            return found
        data = thumbnail(load(), size).data
        self.put(sha256, size, data)
        return data

    def put(self, sha256: str, size: int, data: bytes) -> None:
        """Keep a thumbnail made elsewhere (e.g. in a helper process)."""
        path = self.path_for(sha256, size)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        except OSError:
            pass  # a read-only or full cache folder only costs speed, never the picture

    def trim(self, max_bytes: int = MAX_CACHE_BYTES) -> int:
        """Delete the least recently used thumbnails beyond ``max_bytes``; the bytes freed."""
        entries = []
        for path in self.root.glob("v*/*/*.img"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        freed = 0
        for _, size, path in sorted(entries, key=lambda e: e[0]):
            if total - freed <= max_bytes:
                break
            try:
                path.unlink()
                freed += size
            except OSError:
                continue
        return freed
