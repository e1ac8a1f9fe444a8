"""``newsroom search QUERY``: full-text search with ranked, highlighted results."""

from __future__ import annotations

import argparse
import sys
from typing import Any
from zoneinfo import ZoneInfo

from cms.cli.context import Context, print_json
from cms.search import SearchHit, search
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
    p.add_argument("--central", action="store_true",
                   help="also search the desk's central store (every story, not only those "
                   "on this laptop); results are marked 'on this laptop' or 'on the desk'")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_search)


def _hit_json(hit: SearchHit, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": hit.story_id, "slug": hit.slug, "headline": hit.headline,
        "status": hit.status, "section": hit.section, "rank": round(hit.rank, 6),
        "updated_at": local_iso(hit.updated_at, tz),
        "snippet": hit.snippet_text("[", "]"),
    }


def cmd_search(args: argparse.Namespace, ctx: Context) -> int:
    if args.central:
        return _search_desk(args, ctx)
    with ctx.store().reading() as session:
        hits = search(session, args.query, limit=args.limit, status=args.status)
        tz = ctx.zone(session)
    if args.json:
        print_json([_hit_json(hit, tz) for hit in hits])
        return 0
    if not hits:
        print("no matches")
    for hit in hits:
        print(f"{hit.story_id[:8]}  {hit.status:<9}  {hit.headline}")
        print(f"          {' '.join(hit.snippet_text('[', ']').split())}")
    return 0


def _search_desk(args: argparse.Namespace, ctx: Context) -> int:
    """``--central``: this laptop and the desk's central store, merged and marked."""
    from cms.sync.desk_search import search_desk

    store = ctx.store()
    found = search_desk(store, args.query, limit=args.limit, status=args.status)
    with store.reading() as session:
        tz = ctx.zone(session)
    if args.json:
        print_json({"central": found.central or None, "note": found.note or None,
                    "results": [{**_hit_json(placed.hit, tz), "where": placed.where}
                                for placed in found.hits]})
        return 0
    if found.note:
        print(f"note: {found.note}", file=sys.stderr)
    if not found.hits:
        print("no matches")
    for placed in found.hits:
        hit = placed.hit
        print(f"{hit.story_id[:8]}  {hit.status:<9}  {placed.where:<14}  {hit.headline}")
        print(f"          {' '.join(hit.snippet_text('[', ']').split())}")
    return 0
