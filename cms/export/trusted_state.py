"""A state file this cache's export wrote is not checked record by record again.

The state file lies in the output folder, where anyone who can write there could
have written it, so every record read from it is checked (:meth:`State.from_bytes
<cms.export.state.State.from_bytes>`): every path a safe bundle path, every
rendition well formed — about a tenth of a second at 10,000 stories, on every
re-export after one edit.

After writing a state file, the export remembers the SHA-256 of its bytes in the
user's export cache (local and private, unlike the folder), under the folder's
path. A state file read back with the remembered hash holds exactly those bytes,
which this export wrote after checking them, so the checks are skipped. Any other
bytes (changed by hand or by another tool, another cache's export, a folder copied
elsewhere) are checked as before. The remembered hash also covers
:data:`CHECKS`: when the checks change, state files remembered under the old ones
are checked again.

Only the checks of the records are skipped: the folder itself is listed on every
export, because someone may change it at any moment, during an export included.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cms.export.cache import ExportCache

CHECKS = "state-checks-1"
"""Change when :meth:`cms.export.state.State.from_bytes` checks records otherwise."""
_MEMO = "state-written:"


def written_here(cache: ExportCache, out: Path, data: bytes) -> bool:
    """True when ``data``, the state file of the folder ``out``, holds exactly the bytes
    an export using ``cache`` last wrote there."""
    return cache.enabled and cache.memo(_memo_name(out), _digest(data)) is not None


def remember(cache: ExportCache, out: Path, data: bytes) -> None:
    """Remember ``data`` as the state file just written into the folder ``out``."""
    cache.put_memo(_memo_name(out), _digest(data), "")


def _memo_name(out: Path) -> str:
    return _MEMO + os.path.realpath(out)


def _digest(data: bytes) -> str:
    return hashlib.sha256(CHECKS.encode("ascii") + b"\0" + data).hexdigest()
