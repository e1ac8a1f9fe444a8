"""File-system facts the store needs: is a path on a network file system?"""

from __future__ import annotations

import os
from pathlib import Path

# SQLite's WAL needs shared memory that network file systems do not provide.
NETWORK_FILESYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smbfs", "smb3", "9p", "afs", "ceph", "glusterfs", "fuse.sshfs",
     "lustre", "gpfs", "davfs", "fuse.rclone", "fuse.s3fs", "ncpfs", "coda"}
)


def filesystem_type(path: Path, mounts_file: Path = Path("/proc/mounts")) -> str | None:
    """The type of the file system holding ``path`` (Linux), or None when unknown."""
    try:
        lines = mounts_file.read_text().splitlines()
    except OSError:
        return None
    target = os.path.realpath(path if path.exists() else path.parent)
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
    kind = filesystem_type(path)
    return kind is not None and kind.lower() in NETWORK_FILESYSTEMS


def display_name(name: str) -> str:
    """A file name as messages show it: control characters and undecodable bytes made visible.

    A name is shown to people (terminal, dialogs), so an escape sequence hidden in
    it must never reach a terminal as it is.
    """
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in name)
