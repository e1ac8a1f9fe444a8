"""Writes the disk or a folder refuses, told as the user can act on them.

A full disk (``ENOSPC``), a used-up quota (``EDQUOT``), a read-only file system
(``EROFS``), a folder one may not write (``EACCES``) and SQLite's "database or
disk is full" all end an import, a save, an export, a photo or a sync the same
way: what was being written is rolled back (a transaction, a staging folder) and
the fix is the user's: make room, or choose another folder. :func:`refused_write`
recognises them, also behind the error that hides one (SQLAlchemy, releasing a
savepoint that SQLite already rolled back with the whole transaction when the
disk filled up, fails with "no such savepoint"), and makes the one message:

    the disk is full (3 MB free in /home/kim/.local/share/newsroom): nothing was changed
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

from cms.errors import NOTHING_CHANGED, WriteRefused

_FULL, _QUOTA, _READ_ONLY, _DENIED, _SERVER_FULL = "full", "quota", "read-only", "denied", "server"
_ERRNO_KINDS = {errno.ENOSPC: _FULL, errno.EROFS: _READ_ONLY, errno.EACCES: _DENIED}
if hasattr(errno, "EDQUOT"):
    _ERRNO_KINDS[errno.EDQUOT] = _QUOTA
_SQLITE_FULL = 13  # SQLITE_FULL: "database or disk is full"
_SQLITE_IOERR = 10  # SQLITE_IOERR ("disk I/O error"), the low byte of its extended codes
# SQLite reports some writes a full disk refuses as I/O errors (making the WAL's shared
# memory file, SQLITE_IOERR_SHMSIZE, say) without the system's reason; with less room
# than this left on the disk, that is the reason.
_NEARLY_FULL = 1024 * 1024
_PG_DISK_FULL = "53100"  # PostgreSQL's SQLSTATE disk_full


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, the driver error it wraps, and the errors it was raised from or during."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [e for e in (getattr(current, "orig", None), current.__cause__,
                                current.__context__) if isinstance(e, BaseException)]


def _kind_of(exc: BaseException, folders: Sequence[Path]) -> str | None:
    if isinstance(exc, OSError) and exc.errno in _ERRNO_KINDS:
        return _ERRNO_KINDS[exc.errno]
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if code == _SQLITE_FULL or "database or disk is full" in str(exc):
            return _FULL
        if code is not None and code & 0xFF == _SQLITE_IOERR and any(
                free < _NEARLY_FULL for free in map(_free_bytes, folders) if free is not None):
            return _FULL
    if getattr(exc, "sqlstate", None) == _PG_DISK_FULL:
        return _SERVER_FULL
    return None


def _existing(folder: Path) -> Path:
    """``folder``, or the nearest folder above it that exists."""
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(_existing(folder)).free
    except OSError:
        return None


def free_megabytes(folder: Path) -> int | None:
    """The space left on the disk holding ``folder``, in whole megabytes (None: unknown)."""
    free = _free_bytes(folder)
    return free // (1024 * 1024) if free is not None else None


def _fullest(folders: Sequence[Path]) -> Path | None:
    """Of ``folders``, the one on the disk with the least space left."""
    measured = [(free, folder) for folder in folders
                if (free := free_megabytes(folder)) is not None]
    return min(measured, key=lambda pair: pair[0])[1] if measured else None


def refused_write(exc: BaseException, folders: Sequence[Path] = (), *,
                  outcome: str = NOTHING_CHANGED) -> WriteRefused | None:
    """A :class:`~cms.errors.WriteRefused` telling the refused write behind ``exc``, or
    None when ``exc`` is not one.

    ``folders``: where the caller was writing; the message names the one the error
    names, else the one with the least space left (a full disk leaves none).
    ``outcome``: what the failure left, as the caller knows it.
    """
    for cause in _chain(exc):
        kind = _kind_of(cause, folders)
        if kind is None:
            continue
        return WriteRefused(_problem(kind, _folder_of(cause, kind, folders)), outcome)
    return None


def _folder_of(cause: BaseException, kind: str, folders: Sequence[Path]) -> Path | None:
    """The folder a message about ``cause`` names.

    An error may name the source of a copy rather than the target that refused it
    (``shutil.copyfile`` does), so the folders it names and the caller's are all
    looked at: for a full disk, the one with the least space left (shown as the
    caller's folder holding it, not a temporary folder inside); for a refusal, the
    one that is read-only or not writable.
    """
    named = [Path(os.fsdecode(name)).absolute().parent
             for name in (getattr(cause, "filename", None), getattr(cause, "filename2", None))
             if isinstance(name, (str, bytes))]
    callers = [folder.absolute() for folder in folders]
    candidates = named + callers
    if kind in (_FULL, _QUOTA):
        fullest = _fullest(candidates)
        holding = [f for f in callers if fullest is not None and fullest.is_relative_to(f)]
        return max(holding, key=lambda f: len(f.parts)) if holding else fullest
    refusing = [f for f in candidates if _refuses(_existing(f), kind)] or candidates
    return refusing[0] if refusing else None


def _refuses(folder: Path, kind: str) -> bool:
    """True when ``folder`` is on a read-only file system, or (``_DENIED``) not writable."""
    try:
        if kind == _READ_ONLY:
            return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
        return not os.access(folder, os.W_OK)
    except (OSError, AttributeError):  # no statvfs on Windows
        return False


def _problem(kind: str, folder: Path | None) -> str:
    if kind == _SERVER_FULL:
        return "the database server's disk is full"
    if kind in (_READ_ONLY, _DENIED):
        where = str(folder) if folder is not None else "the folder"
        why = "it is on a read-only file system" if kind == _READ_ONLY else "permission denied"
        return f"{where} cannot be written: {why}"
    free = free_megabytes(folder) if folder is not None else None
    room = f" ({free} MB free in {folder})" if free is not None else ""
    return f"the disk quota is used up{room}" if kind == _QUOTA else f"the disk is full{room}"
