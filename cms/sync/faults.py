"""Named points in a sync where the fault tests stop, pause or kill the process.

Production code only calls :func:`fault_point`; nothing happens unless a test
registered a hook or set ``NEWSROOM_SYNC_FAULT=POINT`` (the process then kills
itself with SIGKILL there, as a power cut or ``kill -9`` would).

Points: ``push:begin``, ``push:before-commit``, ``push:committed``,
``pull:fetched``, ``pull:committed``, ``settle:committed``.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from typing import Any

ENV = "NEWSROOM_SYNC_FAULT"
_hooks: dict[str, Callable[..., None]] = {}


def set_hook(point: str, hook: Callable[..., None] | None) -> None:
    """Run ``hook(**context)`` whenever the sync reaches ``point`` (None removes it)."""
    if hook is None:
        _hooks.pop(point, None)
    else:
        _hooks[point] = hook


def fault_point(point: str, **context: Any) -> None:
    """Reached by the sync at ``point``: run a test hook or die if asked to."""
    hook = _hooks.get(point)
    if hook is not None:
        hook(**context)
    wanted = os.environ.get(ENV)
    if wanted and wanted == point:
        os.kill(os.getpid(), signal.SIGKILL)
