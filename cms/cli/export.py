"""``newsroom export``: the published site (or one story) as a static bundle."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cms.cli.context import Context
from cms.export import ExportOptions, export_site


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "export",
        help="write the published stories as a static site (HTML, feeds, metadata)",
        description="Write what is published as of a time as a folder (and/or zip) that any "
        "web server can host. Exporting again into the same folder rewrites only the files "
        "that changed.",
    )
    p.add_argument("--out", metavar="DIR", type=Path, help="output folder (created or updated)")
    p.add_argument("--zip", metavar="FILE", type=Path, dest="zip_path",
                   help="also (or only) write the bundle as a zip file")
    p.add_argument("--as-of", metavar="TIME",
                   help="publish as of this time (ISO 8601 or desk-local; default: now)")
    p.add_argument("--story", metavar="ID_OR_SLUG",
                   help="export one story with its assets as a self-contained bundle")
    p.add_argument("--base-url", metavar="URL", help="public site address (default: base_url)")
    p.add_argument("--theme", metavar="DIR", type=Path,
                   help="theme folder overriding templates/ and static/ files")
    p.add_argument("--full", action="store_true",
                   help="read every story again and rewrite every file, instead of only "
                        "what changed")
    p.add_argument("--cache-dir", metavar="DIR", type=Path,
                   help="where rendered bodies and photo renditions are cached")
    p.add_argument("--no-cache", action="store_true", help="do not use the render cache")
    p.add_argument("--jobs", metavar="N", type=_jobs, dest="workers",
                   help="render on N processes (default: one per core; 1: in this process "
                        "alone)")
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(handler=cmd_export)


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number of processes, 1 or "
                                         f"more, not {text!r}")
    return jobs


class _Progress:
    """A progress line on stderr, redrawn at most ten times a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = 0.0

    def __call__(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        sys.stderr.write(f"\rexporting {done}/{total} {message[-50:]:<50}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store()
    with store.reading() as session:
        as_of = ctx.parse_time(session, args.as_of)
    options = ExportOptions(
        out=args.out, zip_path=args.zip_path, as_of=as_of, story=args.story,
        base_url=args.base_url, theme=args.theme, full=args.full, workers=args.workers,
    )
    if args.no_cache:
        options.cache_dir = None
    elif args.cache_dir is not None:
        options.cache_dir = args.cache_dir
    progress = _Progress(enabled=not args.quiet and sys.stderr.isatty())
    report = export_site(store, options, progress=progress)
    for name, reason in report.skipped:
        print(f"skipped: {name}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0
