"""Newsroom core: stories, revisions, storage, search, rendering and the CLI.

This package never imports Qt; the desktop window in ``ui`` is one client of it,
the ``newsroom`` command line is another.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("newsroom")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
