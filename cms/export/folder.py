"""The output folder, reached only through what really is in it: no link is ever followed.

Whoever can write into an export's output folder can put a symbolic link where
the bundle has a file or a folder (``tags`` → ``/etc``, ``robots.txt`` → a
private file elsewhere). The export never writes, reads or deletes through one:
every path in the folder is reached one name at a time from a descriptor of the
folder, each step opened with ``O_NOFOLLOW`` (the ``dir_fd`` functions of
:mod:`os`), so a link planted between a check and its use makes the use fail
instead of leading it elsewhere.

What the export finds in the way is replaced, not refused: the bundle's names are
the export's own, so a link (or a file, or a pipe) where the bundle needs a
folder is removed and the folder made, and a file is only ever put in place by a
rename, which replaces whatever has its name (a link included) and never writes
through it. Only regular files count as present: a link where a page should be
is not "unchanged", and the page is written in its place.

Where the system has no ``dir_fd`` functions (Windows), each step is checked with
``lstat`` just before it is used: no link is followed, but one made between the
check and the use is not caught.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path
from types import TracebackType

from cms.errors import UsageError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a pipe planted as a page must not block a read
# What opening a link with O_NOFOLLOW gives: ELOOP (Linux, macOS), EMLINK (FreeBSD).
_A_LINK = frozenset({errno.ELOOP, errno.EMLINK})
DESCRIPTORS = (
    bool(_NOFOLLOW and _DIRECTORY) and os.scandir in os.supports_fd
    # os.replace takes dir_fd where os.rename does (only the latter is listed)
    and {os.open, os.stat, os.mkdir, os.rmdir, os.unlink, os.rename} <= os.supports_dir_fd
)

Handle = int | str  # a descriptor of an open folder; its path where there are none


def _at(folder: Handle, name: str) -> tuple[str, int | None]:
    """``name`` in ``folder`` as the :mod:`os` functions take it: a name and a folder
    descriptor, or a path."""
    if isinstance(folder, int):
        return name, folder
    return os.path.join(folder, name), None


def _mode(folder: Handle, name: str) -> int | None:
    """The ``st_mode`` of ``name`` in ``folder``, of a link itself (None: nothing there)."""
    path, fd = _at(folder, name)
    try:
        return os.stat(path, dir_fd=fd, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return None


def refuse_link(out: Path) -> None:
    """Refuse an output folder that is itself a symbolic link.

    An export replaces its folder as a whole (a first or full export swaps a new
    one in), which would replace the link, not the folder it leads to: the user
    names that folder instead.
    """
    if out.is_symlink():
        raise UsageError(f"{out} is a symbolic link; export into the folder it leads to "
                         f"({os.path.realpath(out)}) or into another folder")


class OutputFolder:
    """An export's output folder (which must exist), touched only as the module says.

    Paths are bundle paths (``stories/x.html``), checked by the caller
    (:mod:`cms.export.paths`). The folders reached are kept open until
    :meth:`close`.
    """

    def __init__(self, root: Path) -> None:
        """Open ``root``; a link there is refused (see :func:`refuse_link`)."""
        refuse_link(root)
        self.root = root
        top: Handle = (os.open(root, os.O_RDONLY | _DIRECTORY | _NOFOLLOW) if DESCRIPTORS
                       else str(root))
        self._folders: dict[str, Handle] = {"": top}

    def close(self) -> None:
        """Close the folders held open."""
        for handle in self._folders.values():
            if isinstance(handle, int):
                os.close(handle)
        self._folders = {}

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    # Reading -----------------------------------------------------------------------

    def scan(self) -> set[str]:
        """Every regular file in the folder, as a bundle path; links, pipes and the like are
        not files of the bundle, and folders behind links are not looked into."""
        found: set[str] = set()
        pending: list[tuple[str, Handle, bool]] = [("", self._folders[""], False)]
        while pending:
            prefix, handle, owned = pending.pop()
            try:
                with os.scandir(handle) as entries:
                    for entry in entries:
                        if entry.is_file(follow_symlinks=False):
                            found.add(prefix + entry.name)
                        elif entry.is_dir(follow_symlinks=False):
                            inner = self._open_folder(handle, entry.name)
                            if inner is not None:
                                pending.append((f"{prefix}{entry.name}/", inner, True))
            finally:
                if owned and isinstance(handle, int):
                    os.close(handle)
        return found

    def read(self, path: str) -> bytes | None:
        """The bytes of the regular file at ``path``; None when there is none (nothing, a
        link, a folder or a pipe there, or a link on the way)."""
        parent, name = self._parent(path, make=False)
        if parent is None:
            return None
        where, fd = _at(parent, name)
        if fd is None:
            mode = _mode(parent, name)
            if mode is None or not stat.S_ISREG(mode):
                return None
        try:
            handle = os.open(where, os.O_RDONLY | _NOFOLLOW | _NONBLOCK, dir_fd=fd)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno in _A_LINK:
                return None
            raise
        with open(handle, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                return None
            return file.read()

    # Writing -----------------------------------------------------------------------

    def put(self, source: str | Path, path: str) -> None:
        """Move the finished file ``source`` (on the same file system) to ``path``: folders
        on the way are made, and whatever has their names or ``path``'s is replaced."""
        parent, name = self._parent(path, make=True)
        assert parent is not None
        where, fd = _at(parent, name)
        try:
            os.replace(source, where, dst_dir_fd=fd)
        except OSError:
            mode = _mode(parent, name)
            if mode is None or not stat.S_ISDIR(mode):
                raise
            # A folder where the bundle has a file (a link is replaced by the rename itself).
            shutil.rmtree(where, dir_fd=fd)
            os.replace(source, where, dst_dir_fd=fd)

    def remove(self, path: str) -> None:
        """Delete the file (or whatever else) at ``path`` unless it is a folder, then the
        folders it leaves empty; nothing behind a link is touched."""
        parent, name = self._parent(path, make=False)
        if parent is None:
            return  # nothing there, or a link on the way: nothing of the bundle's
        where, fd = _at(parent, name)
        mode = _mode(parent, name)
        if mode is None or stat.S_ISDIR(mode):
            return
        try:
            os.unlink(where, dir_fd=fd)
        except FileNotFoundError:
            pass
        self._prune(path.rpartition("/")[0])

    def sync(self) -> None:
        """Flush the entries of the folders held open (the renames into them) to the disk."""
        for handle in self._folders.values():
            if isinstance(handle, int):
                try:
                    os.fsync(handle)
                except OSError:
                    pass  # a file system that cannot sync a folder

    # Folders -----------------------------------------------------------------------

    def _parent(self, path: str, *, make: bool) -> tuple[Handle | None, str]:
        folder, _, name = path.rpartition("/")
        return self._folder(folder, make=make), name

    def _folder(self, relative: str, *, make: bool) -> Handle | None:
        """The folder at ``relative`` (``''``: the root). With ``make``, one is made where
        there is none, in place of whatever else has its name; without, None then."""
        handle = self._folders.get(relative)
        if handle is not None:
            return handle
        above, _, name = relative.rpartition("/")
        parent = self._folder(above, make=make)
        if parent is None:
            return None
        handle = self._open_folder(parent, name)
        if handle is None:
            if not make:
                return None
            where, fd = _at(parent, name)
            if _mode(parent, name) is not None:
                os.unlink(where, dir_fd=fd)  # a link, a file or a pipe: the name is the bundle's
            os.mkdir(where, dir_fd=fd)
            handle = self._open_folder(parent, name)
            if handle is None:  # replaced again meanwhile: someone is racing the export
                raise OSError(errno.ELOOP, "replaced while the export wrote into it",
                              str(self.root / relative))
        self._folders[relative] = handle
        return handle

    @staticmethod
    def _open_folder(parent: Handle, name: str) -> Handle | None:
        """The real folder ``name`` in ``parent``, opened; None when there is none there."""
        where, fd = _at(parent, name)
        if fd is None:
            mode = _mode(parent, name)
            return where if mode is not None and stat.S_ISDIR(mode) else None
        try:
            return os.open(where, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=fd)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            if exc.errno in _A_LINK:
                return None
            raise

    def _prune(self, relative: str) -> None:
        """Remove the folder at ``relative`` and those above it while they are empty."""
        while relative:
            handle = self._folders.pop(relative, None)
            if isinstance(handle, int):
                os.close(handle)
            above, _, name = relative.rpartition("/")
            parent = self._folder(above, make=False)
            if parent is None:
                return
            where, fd = _at(parent, name)
            try:
                os.rmdir(where, dir_fd=fd)
            except OSError:
                return  # not empty (or not a folder): it stays
            relative = above
