"""Files shipped in the ``resources`` package: templates, styles, icons, sample content."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable


def resource(*parts: str) -> Traversable:
    """A file or folder inside ``resources/`` (works from a wheel or a frozen app)."""
    node = resources.files("resources")
    for part in parts:
        node = node / part
    return node
