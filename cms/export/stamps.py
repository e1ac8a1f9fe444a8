"""Knowing that an output folder is as the last export left it, without listing it.

A re-export after one edit must not cost a pass over the archive. Two such passes
used to remain: checking every record of the state file read from the folder
(anyone who can write there could have written it), and listing the folder to
see that every file the state names is still a regular file there (about a
tenth of a second each at 10,000 stories).

After writing into a folder, the export *remembers* it in the user's export
cache (local and private, unlike the folder): the hash of the state file it put
there, and a stamp of each of the bundle's folders — device, inode and
modification time. Before taking the stamps it sets each folder's modification
time a second into the past, so that any later change to the folder's entries (a
page deleted, renamed, or replaced by a link; a folder put in place of one) sets
a time that differs from the stamp, even within the file system's clock tick.

The next export *recalls* it: a state file with the remembered hash is the one
this cache's export wrote, so its records need no check again; and when every
stamp still matches, the folder holds the files it held then, so it is not
listed. Anything else (another cache, a state file or folder changed, a file
system that keeps no such times or refuses to set them) falls back to the full
checks.

One change cannot be told from the export's own: one made in the instant
between the export's last write into a folder and the setting of its time (a
page replaced by a link by someone watching the folder, say). So the folder is
listed anyway when its last listing is older than :data:`LIST_EVERY`: such a
change lasts no longer than that. Like the listing, this never looks inside
files: a page edited in place keeps its name and its folder's stamp (see
:mod:`cms.export.cache` for how such files are kept out of later bundles).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cms.export.cache import ExportCache
from cms.export.folder import OutputFolder

_MEMO = "folder-stamps:"
_PAST_NS = 1_000_000_000  # how far back a folder's time is set: far beyond any clock tick
LIST_EVERY = 3600.0
"""Seconds after which the folder is listed again however unchanged its stamps are."""


@dataclass(frozen=True)
class Recalled:
    """What the cache remembers of a folder's state file and folders."""

    trusted: bool  # the state file is the one this cache's export wrote
    unchanged: bool  # and no entry of the bundle's folders changed since: no need to list it
    listed: float = 0.0  # when (Unix time) the folder was last listed, if unchanged


NOTHING = Recalled(trusted=False, unchanged=False)


def folders_of(paths: Iterable[str]) -> list[str]:
    """The folders holding ``paths`` (``''`` for the root, always included), sorted."""
    return sorted({path.rpartition("/")[0] for path in paths} | {""})


def recall(cache: ExportCache, out: Path, folder: OutputFolder, state_bytes: bytes) -> Recalled:
    """What is known of ``folder`` (at ``out``) whose state file holds ``state_bytes``."""
    if not cache.enabled:
        return NOTHING
    kept = cache.memo(_memo_name(out), _digest(state_bytes))
    if kept is None:
        return NOTHING
    try:
        memo = json.loads(kept)
        stamps, listed = memo["stamps"], float(memo["listed"])
        now = folder.stamps(list(stamps)) if isinstance(stamps, dict) else None
    except (ValueError, TypeError, KeyError, OSError):
        return Recalled(trusted=True, unchanged=False)
    fresh = 0 <= time.time() - listed < LIST_EVERY
    return Recalled(trusted=True, unchanged=fresh and now is not None and now == stamps,
                    listed=listed)


def remember(cache: ExportCache, out: Path, folder: OutputFolder, state_bytes: bytes,
             paths: Iterable[str], listed: float) -> None:
    """Remember ``folder`` (at ``out``) as just written, its state file holding
    ``state_bytes`` and its files ``paths``, last listed at ``listed`` (Unix time; the
    export's start when it listed the folder or made it anew)."""
    if not cache.enabled:
        return
    name = _memo_name(out)
    folders = folders_of(paths)
    try:
        folder.set_times(folders, time.time_ns() - _PAST_NS)
        stamps = folder.stamps(folders)
    except OSError:
        stamps = None  # not ours to set, or a file system without them: list it next time
    if stamps is None:
        cache.forget_memo(name)
        return
    cache.put_memo(name, _digest(state_bytes),
                   json.dumps({"stamps": stamps, "listed": listed}, sort_keys=True))


def _memo_name(out: Path) -> str:
    return _MEMO + os.path.realpath(out)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
