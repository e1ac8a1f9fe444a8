"""Static HTML bundles: the published newsroom as pages, feeds and metadata.

``export_site(store, ExportOptions(out=...))`` is the one entry point; the CLI
(``newsroom export``) and the window's File ▸ Export both call it. The package
is split by idea: :mod:`selection` (what is public as of a time), :mod:`site`
(pages and their places), :mod:`pages` and :mod:`theme` (HTML through Jinja2),
:mod:`feeds` (Atom, sitemap, robots, manifest), :mod:`metadata` (JSON-LD, Open
Graph, ninjs), :mod:`images` (renditions), :mod:`bodies` (cached Markdown) and
:mod:`writer` (temporary folder, swap, incremental state, zip).
"""

from __future__ import annotations

from cms.export.build import export_site
from cms.export.options import ExportCancelled, ExportOptions, ExportReport

__all__ = ["ExportCancelled", "ExportOptions", "ExportReport", "export_site"]
