"""Putting a bundle on disk without ever showing a half-written site.

A full export is written into a staging folder beside the output folder
(:mod:`cms.export.staging`) and swapped in at the end (one atomic
``renameat2(RENAME_EXCHANGE)`` on Linux, two renames elsewhere). An incremental
export writes only the changed files into a staging folder first; once every
page has rendered it renames them into place and writes the state file last, so
a failure before that point changes nothing, and an interruption while renaming
is repaired by the next export (the state still names the old input hashes, so
those pages are written again). Inside the output folder nothing is reached
through a link (:mod:`cms.export.folder`).

The folder's state (:mod:`cms.export.state`) is written after the files it
describes; it is not part of the manifest or the zip. The zip holds the files
the manifest lists, read back from the folder and checked against their hashes.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path

from cms.atomic import atomic_writer, sync_folder
from cms.errors import NewsroomError, UsageError
from cms.export.folder import OutputFolder, refuse_link
from cms.export.paths import LEGACY_STATE_FILES, MANIFEST_FILE, STATE_FILE, bundle_path
from cms.export.staging import Staging
from cms.export.state import FileRecord
from cms.fs import same_filesystem

_RENAME_EXCHANGE = 2
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def check_output_folder(out: Path) -> bool:
    """Check ``out`` may receive an export; True when it holds a previous one.

    A folder that exists, is not empty and was not written by an export is
    refused: replacing it would delete someone's files. So is a link (see
    :func:`cms.export.folder.refuse_link`).
    """
    refuse_link(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    if not out.exists():
        if not out.parent.exists():
            raise UsageError(f"the folder {out.parent} does not exist")
        return False
    if any(os.path.lexists(out / name) for name in (STATE_FILE, *LEGACY_STATE_FILES)):
        return True
    if any(out.iterdir()):
        raise UsageError(
            f"{out} is not empty and does not hold a Newsroom export; choose an empty or new "
            "folder"
        )
    return False


def _exchange(a: Path, b: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def swap_in(staging: Staging, out: Path) -> None:
    """Make the staging folder's bundle the output folder; the old one is left in the
    staging folder, removed with it."""
    staging.flush()
    if not os.path.lexists(out):
        os.rename(staging.root, out)
    elif not _exchange(staging.root, out):
        os.rename(out, staging.previous)
        try:
            os.rename(staging.root, out)
        except OSError:
            os.rename(staging.previous, out)
            raise
    sync_folder(out.parent)


def apply_changes(staging: Staging, folder: OutputFolder, deleted: list[str],
                  state_file: Path | None) -> None:
    """Move staged files into ``folder``, delete files that are no longer part of it, then
    put the new state file ``state_file`` (None: the old one stays) in place: it lands
    only after everything it describes."""
    staging.flush()
    ordered = sorted(staging.paths, key=lambda p: p == MANIFEST_FILE)  # manifest last
    for path in ordered:
        folder.put(staging.root / path, path)
    for path in deleted:
        folder.remove(path)
    folder.sync()
    if state_file is not None:
        folder.put(state_file, STATE_FILE)
        folder.sync()


def check_zip_target(zip_path: Path) -> None:
    """Check a zip can be written at ``zip_path`` (before any work is done)."""
    if zip_path.is_dir():
        raise UsageError(f"{zip_path} is a folder")
    if not zip_path.parent.is_dir():
        raise UsageError(f"the folder {zip_path.parent} does not exist")


def write_zip(folder: OutputFolder, files: Mapping[str, FileRecord], zip_path: Path,
              staging: Staging) -> None:
    """A deterministic zip of the bundle in ``folder``: the regular files ``files`` (the
    manifest's) names and nothing else, each checked against its hash; sorted, with
    fixed times and modes."""
    check_zip_target(zip_path)
    # The unfinished zip in the staging folder where it can be renamed from there: a
    # killed export's leftover is then removed with the rest (see cms.export.staging).
    temp_folder = staging.folder if same_filesystem(staging.folder, zip_path.parent) else None
    with atomic_writer(zip_path, temp_folder=temp_folder) as handle, \
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED,
                            compresslevel=6) as zf:
        for path in sorted(files):
            data = folder.read(path)
            if data is None or hashlib.sha256(data).hexdigest() != files[path].sha256:
                raise NewsroomError(
                    f"the zip was not written: {folder.root / path} is not the file the "
                    "export wrote (changed or replaced since); export again with --full")
            info = zipfile.ZipInfo(bundle_path(path), date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            zf.writestr(info, data)
