"""Importing a Hugo, Jekyll or Pelican site's archive without losing a page, a URL or a word.

One module per concern: :mod:`sites` (which generator, its config), :mod:`walk`
(finding and safely reading files), :mod:`dates`, :mod:`templates` (Liquid and
shortcodes), :mod:`entries` and one module per generator (:mod:`hugo`,
:mod:`jekyll`, :mod:`pelican`) for what a file means, :mod:`links` (links between
files), :mod:`identity` (which story a file is), :mod:`run` (the import, start
to finish) and :mod:`report`. :mod:`cms.importers` holds the entry points.
"""
