"""Workflow and scheduling commands: transitions, schedules, embargoes, "Read next", publishing.

``newsroom schedule`` has two shapes that scripts call exactly as written::

    newsroom schedule ID --at TIME        newsroom schedule list [--from T] [--to T] [--json]
    newsroom schedule ID --clear          newsroom schedule late [--now ISO]

so it is one parser whose first word is either a story or ``list``/``late``;
:func:`cmd_schedule` tells them apart and refuses options that do not belong
to the shape used. (A story whose slug is ``list`` or ``late`` is still
reachable with ``--at``/``--clear`` or by its id.)
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from typing import Any, TypeAlias

from cms import publish, related, schedule, transitions
from cms.cli.context import Context, print_json
from cms.errors import UsageError
from cms.serialize import local_iso
from cms.slugs import slugify
from cms.timeutil import format_local, utcnow

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(commands: Subparsers) -> None:
    """Add ``schedule``, ``embargo``, ``related`` and ``publish``."""
    p = commands.add_parser(
        "schedule",
        help="set or clear a publication time; list the plan or the late stories",
        usage="newsroom schedule ID (--at TIME | --clear)\n"
              "       newsroom schedule list [--from T] [--to T] [--section S] [--json]\n"
              "       newsroom schedule late [--now ISO] [--json]",
        description="Times are ISO 8601 with an offset, or local time in the desk zone "
                    "(e.g. '2024-12-23 14:05'). A local time that happens twice must carry "
                    "its offset.",
    )
    p.add_argument("target", metavar="ID|list|late")
    p.add_argument("--at", metavar="TIME", help="publish at TIME (a ready story is scheduled)")
    p.add_argument("--clear", action="store_true", help="remove the publication time")
    p.add_argument("--from", dest="start", metavar="T", help="list: from T (default: today)")
    p.add_argument("--to", dest="end", metavar="T", help="list: until T (default: 7 days on)")
    p.add_argument("--section", help="list: only this section")
    p.add_argument("--now", metavar="ISO", help="late: as of this time (default: now)")
    p.add_argument("--json", action="store_true", help="list/late: print JSON")
    p.set_defaults(handler=cmd_schedule)

    p = commands.add_parser("embargo", help="hold a story until a time (or lift the hold)")
    p.add_argument("story", metavar="ID")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--until", metavar="TIME", help="no publication before TIME")
    group.add_argument("--clear", action="store_true", help="lift the embargo")
    p.set_defaults(handler=cmd_embargo)

    _register_related(commands)

    p = commands.add_parser(
        "publish", help="publish every scheduled story whose time has come (for cron)"
    )
    p.add_argument("--due", action="store_true", required=True,
                   help="publish what is due (required; to publish one story by hand use "
                        "`newsroom story transition ID published`)")
    p.add_argument("--now", metavar="ISO", help="act as if it were this time")
    p.add_argument("--dry-run", action="store_true", help="only list what would be published")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_publish)


def register_story_actions(story_actions: Subparsers) -> None:
    """Add ``newsroom story transition`` (called from :mod:`cms.cli.stories`)."""
    p = story_actions.add_parser(
        "transition", help="move a story through the workflow (draft, edit, ready, …)"
    )
    p.add_argument("story", metavar="ID")
    p.add_argument("state", metavar="STATE",
                   help="draft, edit, ready, scheduled, published, corrected or killed")
    p.add_argument("--note", default="", metavar="N",
                   help="why (required for killed and corrected: the correction text)")
    p.add_argument("--override", action="store_true",
                   help="desk chiefs: move on despite missing photo alt text or credit")
    p.set_defaults(handler=cmd_transition)


def _register_related(commands: Subparsers) -> None:
    p = commands.add_parser("related", help='a story\'s timed "Read next" links')
    sub = p.add_subparsers(dest="related_command", metavar="ACTION", required=True)
    q = sub.add_parser("add", help="link STORY to TARGET (a story id or slug, or a URL)")
    q.add_argument("story", metavar="STORY")
    q.add_argument("target", metavar="TARGET")
    q.add_argument("--label", metavar="L", help="default: the target's headline")
    q.add_argument("--from", dest="start", metavar="T", help="shown from T")
    q.add_argument("--until", dest="end", metavar="T", help="shown until T (exclusive)")
    q.add_argument("--position", type=int, metavar="N", help="1 = first (default: last)")
    q.set_defaults(handler=cmd_related_add)
    q = sub.add_parser("list", help="the links in order, with their windows and targets")
    q.add_argument("story", metavar="STORY")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(handler=cmd_related_list)
    q = sub.add_parser("remove", help="remove one link")
    q.add_argument("story", metavar="STORY")
    q.add_argument("link", metavar="LINK_ID", help="link id, unique prefix, or position")
    q.set_defaults(handler=cmd_related_remove)
    q = sub.add_parser("move", help="move one link to position N")
    q.add_argument("story", metavar="STORY")
    q.add_argument("link", metavar="LINK_ID")
    q.add_argument("position", type=int, metavar="N")
    q.set_defaults(handler=cmd_related_move)
    q = sub.add_parser("window", help="change a link's label or visible-from/until window")
    q.add_argument("story", metavar="STORY")
    q.add_argument("link", metavar="LINK_ID")
    q.add_argument("--label", metavar="L")
    q.add_argument("--from", dest="start", metavar="T", help="'' or 'open' clears the start")
    q.add_argument("--until", dest="end", metavar="T", help="'' or 'open' clears the end")
    q.set_defaults(handler=cmd_related_window)
    q = sub.add_parser("suggest", help="stories like this one, by full-text similarity")
    q.add_argument("story", metavar="STORY")
    q.add_argument("--limit", type=int, default=10)
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(handler=cmd_related_suggest)


def cmd_transition(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        result = transitions.transition(
            session, actor, args.story, args.state, note=args.note, override=args.override
        )
    print(f"{result.from_status} → {result.to_status}  ({result.revision_id[:12]})")
    return 0


def _misplaced(args: argparse.Namespace, allowed: set[str], shape: str) -> None:
    given = {
        "--at": args.at is not None, "--clear": args.clear, "--from": args.start is not None,
        "--to": args.end is not None, "--section": args.section is not None,
        "--now": args.now is not None, "--json": args.json,
    }
    wrong = [name for name, present in given.items() if present and name not in allowed]
    if wrong:
        raise UsageError(f"{', '.join(wrong)} cannot be used with `newsroom schedule {shape}`")


def cmd_schedule(args: argparse.Namespace, ctx: Context) -> int:
    story_form = args.at is not None or args.clear
    if args.target == "list" and not story_form:
        _misplaced(args, {"--from", "--to", "--section", "--json"}, "list")
        return _schedule_list(args, ctx)
    if args.target == "late" and not story_form:
        _misplaced(args, {"--now", "--json"}, "late")
        return _schedule_late(args, ctx)
    if args.at is not None and args.clear:
        raise UsageError("give either --at TIME or --clear, not both")
    if not story_form:
        raise UsageError("give --at TIME or --clear (or use `schedule list` / `schedule late`)")
    _misplaced(args, {"--at", "--clear"}, "ID")
    with ctx.acting() as (session, actor):
        tz = ctx.zone(session)
        if args.clear:
            result = schedule.clear_schedule(session, actor, args.target)
            print(f"publication time cleared; the story is {result.status}")
            return 0
        at = schedule.parse_desk_time(session, args.at)
        result = schedule.schedule(session, actor, args.target, at)
    print(f"{result.status}: {format_local(at, tz)} {tz.key} ({local_iso(at, tz)})")
    if result.warning:
        print(f"note: {result.warning}")
    return 0


def _schedule_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        tz = ctx.zone(session)
        now = utcnow()
        today = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        start = ctx.parse_time(session, args.start) or today
        end = ctx.parse_time(session, args.end) or (start + timedelta(days=7))
        section = slugify(args.section) if args.section else None
        rows = schedule.planned(session, start, end, now=now, section=section)
    if args.json:
        print_json([
            {"id": row.id, "slug": row.slug, "headline": row.headline, "section": row.section,
             "status": row.status, "publish_at": local_iso(row.publish_at, tz),
             "embargo_until": local_iso(row.embargo_until, tz), "late": row.late}
            for row in rows
        ])
        return 0
    if not rows:
        print(f"nothing planned between {format_local(start, tz)} and {format_local(end, tz)} "
              f"({tz.key})")
    for row in rows:
        flag = "LATE " if row.late else ""
        print(f"{format_local(row.publish_at, tz)}  {row.id[:8]}  {flag}{row.status:<9}  "
              f"{row.section or '-':<14}  {row.headline}")
    return 0


def _schedule_late(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        tz = ctx.zone(session)
        now = ctx.parse_time(session, args.now) or utcnow()
        late = publish.late_stories(session, now)
    if args.json:
        print_json([
            {"id": item.id, "slug": item.slug, "headline": item.headline, "status": item.status,
             "publish_at": local_iso(item.publish_at, tz),
             "embargo_until": local_iso(item.embargo_until, tz), "reasons": list(item.reasons)}
            for item in late
        ])
        return 0
    if not late:
        print(f"no late stories as of {format_local(now, tz)} {tz.key}")
    for item in late:
        print(f"{format_local(item.publish_at, tz)}  {item.id[:8]}  {item.status:<9}  "
              f"{item.headline}")
        for reason in item.reasons:
            print(f"      late: {reason}")
    return 0


def cmd_embargo(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        tz = ctx.zone(session)
        until = None if args.clear else schedule.parse_desk_time(session, args.until)
        result = schedule.set_embargo(session, actor, args.story, until)
    if until is None:
        print("embargo lifted")
    else:
        print(f"embargoed until {format_local(until, tz)} {tz.key} ({local_iso(until, tz)})")
    if result.warning:
        print(f"note: {result.warning}")
    return 0


def cmd_publish(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store()
    with store.reading() as session:
        tz = ctx.zone(session)
        now = ctx.parse_time(session, args.now)  # None: the job reads its own clock
    report = publish.publish_due_stories(store, now, args.dry_run, username=args.user)
    if args.json:
        print_json({
            "now": local_iso(report.now, tz), "dry_run": report.dry_run,
            "published": [_due_json(item, tz) for item in report.published],
            "blocked": [_due_json(item, tz) for item in report.blocked],
            "taken_elsewhere": report.taken_elsewhere,
            "updates_applied": [{"story_id": s, "update": u} for s, u in report.updates],
            "updates_blocked": [{"story_id": s, "update": u, "reason": why}
                                for s, u, why in report.updates_blocked],
            "export_target": str(report.export_target) if report.export_target else None,
            "exported_files": report.exported, "export_error": report.export_error or None,
        })
        return 1 if report.export_error else 0
    verb = "would publish" if report.dry_run else "published"
    for item in report.published:
        print(f"{verb}: {format_local(item.publish_at, tz)}  {item.id[:8]}  {item.headline}")
    for item in report.blocked:
        print(f"held back: {format_local(item.publish_at, tz)}  {item.id[:8]}  {item.headline}"
              f" — {'; '.join(item.reasons)}")
    for story_id, update_id in report.updates:
        print(f"update live: {story_id[:8]}  update {update_id[:8]}")
    for story_id, update_id, why in report.updates_blocked:
        print(f"update held back: {story_id[:8]}  update {update_id[:8]} — {why}")
    print(f"{len(report.published)} {verb}, {len(report.blocked)} held back"
          + (f", {len(report.updates)} updates live" if report.updates else "")
          + (f", {len(report.taken_elsewhere)} handled by another run"
             if report.taken_elsewhere else ""))
    if report.export_target is not None:
        print(f"re-exported {report.exported} changed files to {report.export_target}")
    if report.export_error:
        print(f"newsroom: {report.export_error}", file=sys.stderr)
        return 1
    return 0


def _due_json(item: publish.DueStory, tz: Any) -> dict[str, Any]:
    return {"id": item.id, "slug": item.slug, "headline": item.headline,
            "publish_at": local_iso(item.publish_at, tz), "reasons": list(item.reasons)}


def cmd_related_add(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        link = related.add_link(
            session, actor, args.story, args.target, label=args.label,
            visible_from=ctx.parse_time(session, args.start),
            visible_until=ctx.parse_time(session, args.end), position=args.position,
        )
    print(link.id)
    return 0


def _link_json(info: related.LinkInfo, tz: Any) -> dict[str, Any]:
    link = info.link
    return {
        "id": link.id, "position": info.position, "target": link.target,
        "kind": "story" if link.target_story_id else "url", "label": link.label,
        "visible_from": local_iso(link.visible_from, tz),
        "visible_until": local_iso(link.visible_until, tz),
        "target_headline": info.target_headline, "target_status": info.target_status,
        "target_publish_at": local_iso(info.target_publish_at, tz),
        "target_missing": info.target_missing, "in_window": info.in_window,
        "visible": info.visible,
    }


def cmd_related_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        tz = ctx.zone(session)
        infos = related.list_links(session, args.story)
    if args.json:
        print_json([_link_json(info, tz) for info in infos])
        return 0
    if not infos:
        print("no Read next links")
    for info in infos:
        link = info.link
        when = format_local(info.target_publish_at, tz) if info.target_publish_at else ""
        state = "shown" if info.visible else _why_hidden(info)
        window = ""
        if link.visible_from or link.visible_until:
            window = (f"  [{format_local(link.visible_from, tz) or '…'} → "
                      f"{format_local(link.visible_until, tz) or '…'}]")
        print(f"{info.position}. {link.id[:8]}  {when:<16}  {link.label}  ({state}){window}")
    return 0


def _why_hidden(info: related.LinkInfo) -> str:
    if info.target_missing:
        return "hidden: the target story is gone"
    if not info.in_window:
        return "hidden: outside its window"
    return f"hidden: the target is {info.target_status or 'not public'}"


def cmd_related_remove(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        link = related.remove_link(session, actor, args.story, args.link)
    print(f"removed {link.id[:8]} {link.label}")
    return 0


def cmd_related_move(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        link = related.move_link(session, actor, args.story, args.link, args.position)
    print(f"moved {link.id[:8]} to {args.position}")
    return 0


def _edge(ctx: Context, session: Any, text: str | None) -> tuple[datetime | None, bool]:
    if text is None:
        return None, False
    if text.strip().lower() in ("", "open", "none"):
        return None, True
    return ctx.parse_time(session, text), False


def cmd_related_window(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        start, clear_from = _edge(ctx, session, args.start)
        end, clear_until = _edge(ctx, session, args.end)
        if args.label is None and args.start is None and args.end is None:
            raise UsageError("nothing to change: give --label, --from or --until")
        link = related.update_link(
            session, actor, args.story, args.link, label=args.label, visible_from=start,
            visible_until=end, clear_from=clear_from, clear_until=clear_until,
        )
    print(f"changed {link.id[:8]} {link.label}")
    return 0


def cmd_related_suggest(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        candidates = related.suggest(session, args.story, limit=args.limit)
    if args.json:
        print_json([
            {"id": c.story_id, "slug": c.slug, "headline": c.headline, "status": c.status,
             "score": c.score}
            for c in candidates
        ])
        return 0
    if not candidates:
        print("no similar stories found")
    for c in candidates:
        print(f"{c.story_id[:8]}  {c.status:<9}  {c.score:>7.2f}  {c.headline}")
    return 0
