"""Finding a site's Markdown files, and reading each one safely.

The walk never follows a folder symlink (no loops, nothing outside the tree), takes
a file symlink only when it leads to a regular file inside the imported folder,
and reports device files, FIFOs, sockets and links leading elsewhere by name.
Reading opens the file without blocking (a FIFO named ``.md`` cannot hang the
import), checks again that it is a regular file, and reads at most
:data:`MAX_FILE_BYTES` + 1 bytes whatever the file claims.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cms.errors import UsageError
from cms.importing.sites import ALWAYS_SKIPPED, Site

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn", ".mdwn")
# Pages in other markups: counted and named as skipped (assets are ignored quietly).
OTHER_MARKUP = frozenset({".rst", ".html", ".htm", ".adoc", ".asciidoc", ".asc", ".org",
                          ".textile", ".ipynb", ".myst", ".mmark", ".pdc", ".pandoc", ".rmd",
                          ".qmd", ".mmd"})
MAX_FILE_BYTES = 20 * 1024 * 1024
_READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


@dataclass(frozen=True)
class Found:
    """A file the walk met: a Markdown file to read, or something skipped and why."""

    relative: str  # site-relative, with forward slashes
    path: Path  # the real file to open (symlinks resolved)
    skipped: str = ""  # why it is not imported ('' for a Markdown file to read)
    markup: str = ""  # the suffix of a page in another markup
    identity: tuple[int, int] = (0, 0)  # device and inode of the file read
    link: bool = False  # reached through a symlink


def _relative(site: Site, path: Path | str) -> str:
    """The site-relative name of ``path`` as text (bytes that are not UTF-8 escaped)."""
    text = str(path)
    for base in (str(site.root), str(site.folder)):
        prefix = base.rstrip(os.sep) + os.sep
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    relative = text.replace(os.sep, "/")
    return relative.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _walk_roots(site: Site) -> list[Path]:
    """The folders to walk: the imported one, or its content folders when it is a site's
    root (never a Hugo site's archetypes or themes, whose Markdown files are templates)."""
    if site.generator in ("hugo", "pelican") and site.folder == site.root:
        roots = [folder for folder, _lang in site.content_roots
                 if folder.is_dir() and folder.is_relative_to(site.root)]
        return sorted(set(roots)) or [site.folder]
    return [site.folder]


def _jekyll_folder_kept(site: Site, name: str) -> bool:
    """Jekyll reads no folder starting with ``_`` but its posts, drafts and collections."""
    if not name.startswith("_") or site.generator not in ("jekyll", "markdown"):
        return True
    if name in ("_posts", "_drafts"):
        return True
    collections = site.setting("collections", default={})
    names = collections if isinstance(collections, dict | list) else {}
    return name[1:] in names


def find_files(site: Site) -> list[Found]:
    """Every Markdown file (and every skipped page) of the site's content, in a stable order.

    A file reached twice (a symlink to another file of the tree) is read once, by its
    own name rather than the link's.
    """
    found = list(_walk(site))
    owner: dict[tuple[int, int], Found] = {}
    for item in found:
        if not item.skipped and (item.identity not in owner or owner[item.identity].link):
            owner[item.identity] = item
    result = []
    for item in found:
        if not item.skipped and owner[item.identity] is not item:
            item = Found(item.relative, item.path, "the same file as "
                         f"{owner[item.identity].relative} (a link to it)")
        result.append(item)
    return result


def _walk(site: Site) -> Iterator[Found]:
    for root in _walk_roots(site):
        real_root = root.resolve()
        stack = [root]
        while stack:
            folder = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                yield Found(_relative(site, folder), folder, f"cannot list: {exc.strerror}")
                continue
            subfolders: list[Path] = []
            for entry in entries:
                found = _entry(site, real_root, entry, subfolders)
                if found is not None:
                    yield found
            stack.extend(reversed(subfolders))


def _entry(site: Site, real_root: Path, entry: os.DirEntry[str], subfolders: list[Path]
           ) -> Found | None:
    name = entry.name
    if name.startswith("."):
        return None  # .git, .github, editors' files: never content
    path = Path(entry.path)
    relative = _relative(site, entry.path)
    if site.excluded(relative):
        return None
    try:
        if entry.is_dir(follow_symlinks=False):
            if name in ALWAYS_SKIPPED or not _jekyll_folder_kept(site, name):
                return None
            subfolders.append(path)
            return None
        suffix = PurePosixPath(name).suffix.lower()
        if suffix not in MARKDOWN_SUFFIXES:
            if suffix in OTHER_MARKUP:
                return Found(relative, path, f"not Markdown ({suffix} is not imported)", suffix)
            if entry.is_symlink() and entry.is_dir():
                return Found(relative, path, "a symlink to a folder: not followed")
            return None
        info = entry.stat(follow_symlinks=False)
        real = path
        if stat.S_ISLNK(info.st_mode):
            real = Path(os.path.realpath(path))
            if not real.is_relative_to(real_root):
                return Found(relative, path, "a symlink leading outside the imported folder")
            info = os.stat(real, follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            return Found(relative, path, "not a regular file (a device, FIFO or socket)")
    except OSError as exc:
        return Found(relative, path, f"cannot read: {exc.strerror or exc}")
    return Found(relative, real, identity=(info.st_dev, info.st_ino), link=real != path)


def read_bytes(path: Path) -> bytes:
    """The file's bytes: opened without blocking or following a link, refused when it is
    not a regular file or is larger than :data:`MAX_FILE_BYTES`."""
    limit = MAX_FILE_BYTES
    try:
        handle = os.open(path, _READ_FLAGS)
    except OSError as exc:
        raise UsageError(f"cannot open: {exc.strerror or exc}") from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError("not a regular file (a device, FIFO or socket)")
        if info.st_size > limit:
            raise UsageError(f"larger than {limit // (1024 * 1024)} MB")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(handle, min(1024 * 1024, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise UsageError(f"larger than {limit // (1024 * 1024)} MB")
        return b"".join(chunks)
    except BlockingIOError:
        raise UsageError("not a regular file (reading it would block)") from None
    finally:
        os.close(handle)


def decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is dropped); other encodings and binaries refused."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"not UTF-8 (invalid byte at position {exc.start})") from None
    if "\x00" in text:
        raise UsageError("contains NUL bytes (a binary file?)")
    return text
