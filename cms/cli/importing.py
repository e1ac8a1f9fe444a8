"""``newsroom import DIR``: bring in a Pelican, Hugo or Jekyll Markdown tree."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cms.cli.context import Context
from cms.importers import import_tree


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "import",
        help="import a folder of Markdown files (Pelican, Hugo, Jekyll); safe to repeat",
    )
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--quiet", action="store_true", help="no progress line")
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


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store()
    with ctx.acting() as (_session, actor):
        pass
    progress = _ProgressLine(enabled=not args.quiet and sys.stderr.isatty())
    report = import_tree(store, actor, Path(args.folder), progress=progress)
    for name, message in report.warnings:
        print(f"warning: {name}: {message}", file=sys.stderr)
    for name, reason in report.failed:
        print(f"failed: {name}: {reason}", file=sys.stderr)
    print(report.summary())
    return 1 if report.failed else 0
