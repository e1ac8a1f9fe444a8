"""``newsroom import DIR``: bring in a Hugo, Jekyll or Pelican site's archive."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cms.cli.context import Context
from cms.importers import ImportOptions, ImportReport, import_tree


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "import",
        help="import a Hugo, Jekyll or Pelican site (or a folder of Markdown files); "
             "safe to repeat",
        description="Import a site's Markdown files as stories, keeping their old URLs as "
                    "redirects. DIR is the site's folder (where hugo.toml, _config.yml or "
                    "pelicanconf.py is) or any folder inside it.",
    )
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--dry-run", action="store_true",
                   help="print what would be new, updated, unchanged, colliding and skipped; "
                        "change nothing")
    p.add_argument("--status", metavar="S",
                   help="give every imported story this status (e.g. draft: publish nothing)")
    p.add_argument("--section", metavar="S", help="put every imported story in this section")
    p.add_argument("--quiet", action="store_true", help="print only the summary and errors")
    p.set_defaults(handler=cmd_import)


class _ProgressLine:
    """A progress line on stderr, redrawn at most ten times a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = 0.0

    def __call__(self, done: int, total: int, name: str) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\rimporting {done}/{total} {name[-50:]:<50}{end}")
        sys.stderr.flush()


def _print_plan(report: ImportReport) -> None:
    for heading, names in (("new", report.created), ("updated", report.updated),
                           ("unchanged", report.unchanged)):
        for name in names:
            print(f"{heading}: {name}")


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store()
    with ctx.acting() as (_session, actor):
        pass
    progress = _ProgressLine(enabled=not args.quiet and sys.stderr.isatty())
    options = ImportOptions(dry_run=args.dry_run, status=args.status, section=args.section)
    report = import_tree(store, actor, Path(args.folder), options=options, progress=progress)
    if args.dry_run:
        _print_plan(report)
    for line in report.details():
        if not args.quiet or line.startswith("failed:"):
            print(line, file=sys.stdout if args.dry_run else sys.stderr)
    print(report.summary())
    return 1 if report.failed else 0
