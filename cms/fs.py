"""File-system facts the store needs: is a path on a network file system?

SQLite's WAL needs shared memory that network file systems do not provide, so a
store there keeps its rollback journal. Each system says where a file lives in
its own way: Linux lists its mounts in ``/proc/mounts``, macOS answers
``statfs`` (the file system's name and whether it is local), Windows
``GetDriveTypeW`` (``DRIVE_REMOTE`` for a share or a mapped drive). The last two
are asked through :mod:`ctypes`, without starting a program.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable
from pathlib import Path

NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smbfs", "smb3", "9p", "afs", "ceph", "glusterfs", "fuse.sshfs",
     "lustre", "gpfs", "davfs", "fuse.rclone", "fuse.s3fs", "ncpfs", "coda",
     # macOS's names for its network file systems (statfs's f_fstypename)
     "afpfs", "webdav", "macfuse", "osxfuse"}
)
MNT_LOCAL = 0x00001000  # macOS <sys/mount.h>: the file system is stored locally
DRIVE_REMOTE = 4  # Windows GetDriveTypeW: a network drive


def _existing(path: Path) -> Path:
    """``path``, or its folder when the file is not there yet (a store about to be made)."""
    return path if path.exists() else path.parent


def filesystem_type(path: Path, mounts_file: Path = Path("/proc/mounts")) -> str | None:
    """The type of the file system holding ``path`` (``nfs4``, ``smbfs``…), or None when
    unknown (Windows names a share by the file system of the server's disk)."""
    if sys.platform == "darwin":
        facts = macos_statfs(_existing(path))
        return facts[0] if facts is not None else None
    try:
        lines = mounts_file.read_text().splitlines()
    except OSError:
        return None
    target = os.path.realpath(_existing(path))
    best, best_type = "", None
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        if (target == mount_point or target.startswith(mount_point.rstrip("/") + "/")) and len(
            mount_point
        ) >= len(best):
            best, best_type = mount_point, parts[2]
    return best_type


def is_network_filesystem(path: Path) -> bool:
    """True when ``path`` lives on NFS, SMB or another network file system."""
    if sys.platform == "darwin":
        facts = macos_statfs(_existing(path))
        return facts is not None and macos_is_network(*facts)
    if sys.platform == "win32":
        return windows_is_network(str(_existing(path).absolute()), _volume_root, _drive_type)
    kind = filesystem_type(path)
    return kind is not None and kind.lower() in NETWORK_FILESYSTEMS


# macOS ------------------------------------------------------------------------------

class MacStatfs(ctypes.Structure):
    """``struct statfs`` of macOS with 64-bit inodes (<sys/mount.h>)."""

    _fields_ = [
        ("f_bsize", ctypes.c_uint32), ("f_iosize", ctypes.c_int32),
        ("f_blocks", ctypes.c_uint64), ("f_bfree", ctypes.c_uint64),
        ("f_bavail", ctypes.c_uint64), ("f_files", ctypes.c_uint64),
        ("f_ffree", ctypes.c_uint64), ("f_fsid", ctypes.c_int32 * 2),
        ("f_owner", ctypes.c_uint32), ("f_type", ctypes.c_uint32),
        ("f_flags", ctypes.c_uint32), ("f_fssubtype", ctypes.c_uint32),
        ("f_fstypename", ctypes.c_char * 16), ("f_mntonname", ctypes.c_char * 1024),
        ("f_mntfromname", ctypes.c_char * 1024), ("f_flags_ext", ctypes.c_uint32),
        ("f_reserved", ctypes.c_uint32 * 7),
    ]


def macos_statfs(path: Path) -> tuple[str, int] | None:
    """The file system's type name and mount flags for ``path`` (macOS), or None."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        try:  # Intel Macs name the 64-bit-inode call apart; Apple silicon has only it
            statfs = libc["statfs$INODE64"]
        except AttributeError:
            statfs = libc["statfs"]
    except (OSError, AttributeError):
        return None
    facts = MacStatfs()
    if statfs(os.fsencode(path), ctypes.byref(facts)) != 0:
        return None
    return facts.f_fstypename.decode("utf-8", "replace"), int(facts.f_flags)


def macos_is_network(type_name: str, flags: int) -> bool:
    """True for a macOS file system that is not stored locally (or is known to be remote)."""
    return not flags & MNT_LOCAL or type_name.lower() in NETWORK_FILESYSTEMS


# Windows ----------------------------------------------------------------------------

def windows_is_network(path: str, volume_root: Callable[[str], str | None],
                       drive_type: Callable[[str], int]) -> bool:
    """True when the Windows ``path`` is on a share or a mapped network drive.

    ``volume_root`` gives the root of the volume holding a path (``C:\\``,
    ``\\\\server\\share\\``), ``drive_type`` what ``GetDriveTypeW`` says of a root.
    """
    root = volume_root(path)
    if root is None:  # the system could not say: a UNC path names a share itself
        unc = path.startswith("\\\\") and not path.startswith(("\\\\?\\", "\\\\.\\"))
        return unc or path.upper().startswith("\\\\?\\UNC\\")
    return drive_type(root) == DRIVE_REMOTE


def _volume_root(path: str) -> str | None:
    """The root of the volume holding ``path`` (``GetVolumePathNameW``), or None."""
    buffer = ctypes.create_unicode_buffer(32768)
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    if not kernel32.GetVolumePathNameW(path, buffer, len(buffer)):
        return None
    return str(buffer.value)


def _drive_type(root: str) -> int:
    return int(ctypes.windll.kernel32.GetDriveTypeW(root))  # type: ignore[attr-defined]


# -------------------------------------------------------------------------------------

def same_filesystem(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` (both existing) are on one file system."""
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False


def display_name(name: str) -> str:
    """A file name as messages show it: control characters and undecodable bytes made visible.

    A name is shown to people (terminal, dialogs), so an escape sequence hidden in
    it must never reach a terminal as it is.
    """
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in name)
