"""``newsroom search QUERY``: full-text search with ranked, highlighted results."""

from __future__ import annotations

import argparse

from cms.cli.context import Context, print_json
from cms.search import search
from cms.serialize import local_iso


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser(
        "search",
        help="full-text search over headlines, standfirsts and bodies",
        description='Words must all match; "quoted phrases" match exactly; -word excludes.',
    )
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--limit", type=int, default=20, help="at most N results (default 20)")
    p.add_argument("--status", help="only stories in this status")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_search)


def cmd_search(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        hits = search(session, args.query, limit=args.limit, status=args.status)
        tz = ctx.zone(session)
    if args.json:
        print_json([
            {
                "id": hit.story_id, "slug": hit.slug, "headline": hit.headline,
                "status": hit.status, "section": hit.section, "rank": round(hit.rank, 6),
                "updated_at": local_iso(hit.updated_at, tz),
                "snippet": hit.snippet_text("[", "]"),
            }
            for hit in hits
        ])
        return 0
    if not hits:
        print("no matches")
    for hit in hits:
        print(f"{hit.story_id[:8]}  {hit.status:<9}  {hit.headline}")
        print(f"          {' '.join(hit.snippet_text('[', ']').split())}")
    return 0
