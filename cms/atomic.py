"""Writing a file so that readers see the old bytes or the new, never half of them.

The bytes go to a temporary file made by :func:`tempfile.mkstemp` in the target's
own folder: the rename that follows stays on one file system, and two threads or
processes writing the same target never share a temporary name. The file is
flushed to the disk (``fsync``) before it is renamed over the target, and the
folder after, so that neither the bytes nor the rename are lost to a power cut
(without the first ``fsync`` a file system may commit the rename before the
bytes, leaving an empty file under the target's name).

A temporary file is created with the permissions any new file gets (``0666``
less the umask), not ``mkstemp``'s ``0600``: exported pages must stay readable
by the web server, and cached pages are hard-linked into bundles.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

# fsync is not supported there (some FUSE and network file systems): the bytes are
# written anyway, as well as that file system can.
_CANNOT_SYNC = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP})


def _read_umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        status = Path("/proc/self/status").read_text()
        found = re.search(r"^Umask:\s*([0-7]+)$", status, re.MULTILINE)
        if found:
            return int(found.group(1), 8)
    except OSError:
        pass
    # Elsewhere os.umask is the only way to read it; done once, at import.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


NEW_FILE_MODE = 0o666 & ~_read_umask()


def sync_file(fd: int) -> None:
    """Flush an open file's bytes to the disk (where the file system can)."""
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _CANNOT_SYNC:
            raise


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename into it) to the disk, where that is possible.

    Windows cannot open a folder as a file and journals renames itself; some
    file systems refuse ``fsync`` on a folder: both are fine.
    """
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_writer(path: Path, *, sync: bool = True, temp_folder: Path | None = None,
                  mode: int | None = None) -> Iterator[BinaryIO]:
    """A file to write ``path``'s new bytes into, in one go or streamed (a zip, say).

    The file takes ``path``'s name, complete and on the disk, when the block ends;
    if the block raises, ``path`` is left as it was and the temporary file removed.
    The folder of ``path`` must exist. ``sync=False`` leaves the flushing to the
    caller, who writes many files in a row and then flushes them all at once with
    :func:`sync_filesystem` (two ``fsync`` a file would cost more than the writing).
    ``temp_folder``: where to make the temporary file instead of ``path``'s folder
    (on the same file system), e.g. a folder that is removed if the program dies.
    ``mode``: the new file's permission bits (default: readable by all, less the umask).
    """
    folder = temp_folder if temp_folder is not None else path.parent
    fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):  # not on Windows, where modes mean little
                os.fchmod(handle.fileno(), NEW_FILE_MODE if mode is None else mode)
            yield handle
            handle.flush()
            if sync:
                sync_file(handle.fileno())
        os.replace(temp, path)  # a link at ``path`` is replaced, never written through
    except BaseException:
        with suppress(OSError):
            os.unlink(temp)
        raise
    if sync:
        sync_folder(path.parent)


def atomic_write(path: Path, data: bytes, *, sync: bool = True, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half,
    also after a crash or a power cut (see the module docstring; ``sync`` and ``mode``:
    see :func:`atomic_writer`)."""
    with atomic_writer(path, sync=sync, mode=mode) as handle:
        handle.write(data)


def sync_filesystem(path: Path) -> None:
    """Flush everything written to the file system holding ``path`` to the disk.

    One call for the thousands of files an export writes: ``syncfs`` on Linux
    (that file system only), ``sync`` on other Unix systems. Windows has
    neither; there each file would need flushing on its own, and is not.
    """
    if sys.platform.startswith("linux"):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            return
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.syncfs(fd)
            return
        except (OSError, AttributeError):
            pass  # a C library without syncfs: sync everything below
        finally:
            os.close(fd)
    if hasattr(os, "sync"):
        os.sync()
