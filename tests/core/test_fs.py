"""cms.fs: which file system holds a path, on Linux, macOS and Windows."""

from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import pytest

from cms.fs import (
    DRIVE_REMOTE,
    MNT_LOCAL,
    MacStatfs,
    filesystem_type,
    is_network_filesystem,
    macos_is_network,
    windows_is_network,
)

MOUNTS = """\
/dev/vda / ext4 rw,relatime 0 0
server:/export /mnt/desk nfs4 rw,relatime 0 0
//nas/share /mnt/desk/smb cifs rw 0 0
tmpfs /mnt/my\\040disk tmpfs rw 0 0
"""


def test_linux_reads_the_longest_mount_point_holding_the_path(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS)
    assert filesystem_type(Path("/mnt/desk/central.db"), mounts) == "nfs4"
    assert filesystem_type(Path("/mnt/desk/smb/central.db"), mounts) == "cifs"
    assert filesystem_type(Path("/mnt/desktop/central.db"), mounts) == "ext4"
    assert filesystem_type(Path("/mnt/my disk/central.db"), mounts) == "tmpfs"
    assert filesystem_type(Path("/srv/x"), tmp_path / "no-such-file") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/mounts")
def test_linux_a_local_folder_is_not_a_network_file_system(tmp_path: Path) -> None:
    assert filesystem_type(tmp_path / "store.db") is not None
    assert not is_network_filesystem(tmp_path / "store.db")


def test_the_macos_statfs_structure_has_the_system_layout() -> None:
    """<sys/mount.h> with 64-bit inodes: 2168 bytes; the name after the flags."""
    assert ctypes.sizeof(MacStatfs) == 2168
    assert MacStatfs.f_flags.offset == 64
    assert MacStatfs.f_fstypename.offset == 72
    assert MacStatfs.f_mntonname.offset == 88


@pytest.mark.parametrize(("name", "flags", "remote"), [
    ("apfs", MNT_LOCAL, False),
    ("hfs", MNT_LOCAL | 0x1, False),
    ("smbfs", 0, True),
    ("nfs", 0, True),
    ("afpfs", 0, True),
    ("webdav", MNT_LOCAL, True),  # known to be remote whatever the flags say
    ("somefs", 0, True),  # not stored locally: remote, whatever its name
])
def test_macos_a_file_system_not_stored_locally_is_remote(name: str, flags: int,
                                                          remote: bool) -> None:
    assert macos_is_network(name, flags) is remote


def _drive_types(remote: set[str]) -> dict[str, int]:
    fixed = 3
    return {root: DRIVE_REMOTE if root in remote else fixed
            for root in ("C:\\", "Z:\\", "\\\\nas\\desk\\")}


@pytest.mark.parametrize(("path", "root", "remote"), [
    ("C:\\Users\\kim\\newsroom.db", "C:\\", False),
    ("Z:\\desk\\central.db", "Z:\\", True),  # a mapped network drive
    ("\\\\nas\\desk\\central.db", "\\\\nas\\desk\\", True),
    ("\\\\nas\\desk\\central.db", None, True),  # the system could not say: a UNC path
    ("\\\\?\\UNC\\nas\\desk\\central.db", None, True),
    ("\\\\?\\C:\\Users\\kim\\newsroom.db", None, False),
    ("C:\\Users\\kim\\newsroom.db", None, False),
])
def test_windows_a_share_or_mapped_drive_is_remote(path: str, root: str | None,
                                                   remote: bool) -> None:
    types = _drive_types({"Z:\\", "\\\\nas\\desk\\"})
    asked: list[str] = []

    def drive_type(name: str) -> int:
        asked.append(name)
        return types[name]

    assert windows_is_network(path, lambda _p: root, drive_type) is remote
    assert asked == ([root] if root is not None else [])
