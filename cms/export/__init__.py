"""Static HTML bundles: the published newsroom as pages, feeds and metadata.

``export_site(store, ExportOptions(out=...))`` is the one entry point; the CLI
(``newsroom export``) and the window's File ▸ Export both call it. The package
is split by idea: :mod:`build` (the run, start to finish), :mod:`options` (what
is asked and reported), :mod:`selection` (what is public as of a time, read
again only where it changed: :mod:`snapshot` keeps the last one), :mod:`arrange`
and :mod:`site` (pages and their places), :mod:`quick` (remaking only the pages
that show edited stories), :mod:`plan` (every file, its key and how it is made),
:mod:`pages` and :mod:`theme` (HTML through Jinja2), :mod:`feeds` (Atom,
sitemap, robots, manifest), :mod:`metadata` (JSON-LD, Open Graph, ninjs),
:mod:`images` (renditions), :mod:`bodies` (cached Markdown), :mod:`cache` (the
export cache), :mod:`state` (what the last export into a folder wrote),
:mod:`staging` (the marked temporary folder an export writes into),
:mod:`folder` (the output folder, never reached through a link) and
:mod:`writer` (swap, changes in place, zip).
"""

from __future__ import annotations

from cms.export.build import export_site
from cms.export.options import ExportCancelled, ExportOptions, ExportReport

__all__ = ["ExportCancelled", "ExportOptions", "ExportReport", "export_site"]
