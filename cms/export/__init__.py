"""Static HTML bundles: the published newsroom as pages, feeds and metadata.

``export_site(store, ExportOptions(out=...))`` is the one entry point; the CLI
(``newsroom export``) and the window's File ▸ Export both call it.

How a re-export decides what to rewrite
---------------------------------------
Every export runs the same four steps (:mod:`build`); only the second differs.

1. **Arrange** (:mod:`arrange`): what the site shows as of a time. The public
   stories come from :mod:`selection`, read again only where they changed since
   the selection :mod:`snapshot` kept in the export cache.
2. **Plan** (:mod:`plan`): a list of :class:`~cms.export.plan.Planned` files, each
   with a *key* (the hash of everything it is made from) and a ``produce``
   recipe. One of three plans, chosen in this order:

   - **quick** (:mod:`quick`): the folder's site index (written by the last full
     plan) shows that only what some pages show of some stories changed, not
     which stories each page lists; only those pages are planned, and the rest
     of the archive is neither arranged nor decoded.
   - **partial**: the previous export into the folder (its :mod:`state`) had the
     same layout; only the files showing a story whose state changed are
     planned, plus media and the few files made every time. If a file the plan
     leaves out is missing from the folder, the export falls back to full.
   - **full**: no usable state (first export, ``--full``, a new layout, one story
     only): every file is planned.
3. **Render** (:class:`~cms.export.build.Export`): a planned file whose key is the
   one the folder's state records is kept; one the export cache holds is linked
   from there; any other is produced — on forked workers (:mod:`parallel`) when
   there are many — with story bodies from :mod:`bodies` (rendered once per
   Markdown text and renderer fingerprint, cached across exports).
4. **Write** (:mod:`writer`, :mod:`staging`): only files whose bytes changed go
   into a marked staging folder, then into the output folder (in place, the
   state last) or swapped in whole; a zip is written from the result.

Adding an output format
-----------------------
A new kind of file is a ``produce`` function and a planned entry: write the
maker in :mod:`feeds` (text formats: Atom, sitemap) or :mod:`metadata` (JSON:
ninjs) or :mod:`pages` (HTML through the theme), and plan it in
:mod:`plan` (``_plan_site`` for site-wide files, ``_plan_stories`` for one per
story) with a key from :func:`~cms.export.site.digest` of what it shows, so that
the partial plan remakes it exactly when that changes; a file listing many
stories also records its recipe (``Plan._record``) so that a quick re-export
finds it in the site index.

The other modules: :mod:`options` (what is asked and reported), :mod:`site`
(pages and their places), :mod:`theme` (Jinja2), :mod:`images` (renditions),
:mod:`cache` (the export cache), :mod:`folder` (the output folder, never reached
through a link), :mod:`redirects` (old slugs), :mod:`paths` (safe names).
"""

from __future__ import annotations

from cms.export.build import export_site
from cms.export.options import ExportCancelled, ExportOptions, ExportReport

__all__ = ["ExportCancelled", "ExportOptions", "ExportReport", "export_site"]
