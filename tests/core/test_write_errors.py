"""cms.write_errors: which errors are a refused write, and the one line each becomes.

The writes themselves, on a real full disk, are in tests/cli/test_full_disk.py.
"""

from __future__ import annotations

import errno
import re
import sqlite3
from pathlib import Path

import sqlalchemy.exc

from cms.errors import WriteRefused
from cms.write_errors import refused_write


def _masked_by_savepoint() -> BaseException:
    """SQLite rolled the transaction back when the disk filled up; SQLAlchemy's release of
    the savepoint then fails, and that error is the one that arrives."""
    try:
        try:
            raise sqlalchemy.exc.OperationalError(
                "INSERT …", {}, sqlite3.OperationalError("database or disk is full"))
        except sqlalchemy.exc.OperationalError:
            raise sqlalchemy.exc.OperationalError(
                "RELEASE SAVEPOINT sa_savepoint_1", {},
                sqlite3.OperationalError("no such savepoint: sa_savepoint_1")) from None
    except sqlalchemy.exc.OperationalError as masked:
        return masked


def test_a_full_disk_behind_a_failed_savepoint_is_found(tmp_path: Path) -> None:
    refused = refused_write(_masked_by_savepoint(), [tmp_path])
    assert isinstance(refused, WriteRefused)
    assert re.fullmatch(rf"the disk is full \(\d+ MB free in {re.escape(str(tmp_path))}\): "
                        "nothing was changed", str(refused))


def test_the_folder_named_is_the_caller_s_not_a_temporary_one_inside(tmp_path: Path) -> None:
    inside = tmp_path / ".site.export-0123456789ab" / "bundle" / "stories" / "x.html"
    error = OSError(errno.ENOSPC, "No space left on device", str(inside))
    refused = refused_write(error, [tmp_path], outcome="the zip was not written")
    assert refused is not None
    assert refused.problem.endswith(f"MB free in {tmp_path})")
    assert refused.outcome == "the zip was not written"


def test_quota_read_only_and_permission(tmp_path: Path) -> None:
    page = str(tmp_path / "site" / "index.html")
    quota = refused_write(OSError(errno.EDQUOT, "Disk quota exceeded", page), [tmp_path])
    assert quota is not None and str(quota).startswith("the disk quota is used up (")
    read_only = refused_write(OSError(errno.EROFS, "Read-only file system", page))
    assert str(read_only) == (f"{tmp_path / 'site'} cannot be written: it is on a read-only "
                              "file system: nothing was changed")
    denied = refused_write(PermissionError(errno.EACCES, "Permission denied", page))
    assert str(denied) == (f"{tmp_path / 'site'} cannot be written: permission denied: "
                           "nothing was changed")


def test_a_full_disk_on_the_database_server() -> None:
    class DiskFull(Exception):
        sqlstate = "53100"  # as psycopg's errors carry it

    wrapped = sqlalchemy.exc.OperationalError("INSERT …", {}, DiskFull("could not extend file"))
    assert str(refused_write(wrapped)) == ("the database server's disk is full: "
                                           "nothing was changed")


def test_other_errors_are_not_refused_writes() -> None:
    assert refused_write(FileNotFoundError(errno.ENOENT, "No such file", "x")) is None
    assert refused_write(sqlite3.OperationalError("database is locked")) is None
    assert refused_write(ValueError("bad")) is None


def test_an_io_error_is_a_full_disk_only_on_a_disk_with_no_room(tmp_path: Path) -> None:
    """SQLite calls some refusals of a full disk I/O errors (the real one is in
    tests/cli/test_full_disk.py); on a disk with room, an I/O error is something else."""
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorcode = 4874  # SQLITE_IOERR_SHMSIZE
    assert refused_write(error, [tmp_path]) is None
