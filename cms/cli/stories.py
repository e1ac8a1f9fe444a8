"""``newsroom story …``: list, show, create, edit, history, diff and restore stories."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.orm import Session

from cms import stories
from cms.cli.context import Context, print_json, read_text_file
from cms.desk import updates
from cms.diff import changed_fields, diff_documents, format_diff
from cms.errors import PermissionDenied, UsageError
from cms.people import Actor
from cms.revisions import load_document, resolve_revision, story_revisions
from cms.schedule import parse_desk_time
from cms.serialize import local_iso, story_json, summary_json
from cms.timeutil import format_local
from cms.workflow import public_statuses


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    story = commands.add_parser("story", help="list, show, create and edit stories")
    sub = story.add_subparsers(dest="story_command", metavar="ACTION", required=True)

    p = sub.add_parser("list", help="list stories, most recently changed first")
    p.add_argument("--status", help="only stories in this workflow status")
    p.add_argument("--section", help="only stories in this section")
    p.add_argument("--tag", help="only stories with this tag")
    p.add_argument("--limit", type=int, help="at most N stories (default: all)")
    p.add_argument("--assigned-to", metavar="NAME", help="only stories NAME is assigned to")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("show", help="show one story")
    p.add_argument("story", metavar="ID_OR_SLUG")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_show)

    p = sub.add_parser("fetch", help="bring a story from the desk's central store to this "
                       "partial copy (kept from then on)")
    p.add_argument("story", metavar="ID_OR_SLUG", help="the story's id, slug or a unique prefix")
    p.add_argument("--central", metavar="URL",
                   help="central store (default: `newsroom config get central_url`)")
    p.set_defaults(handler=cmd_fetch)

    p = sub.add_parser("new", help="create a story and print its id")
    _document_options(p, headline_required=True)
    p.set_defaults(handler=cmd_new)

    p = sub.add_parser("edit", help="change a story (makes a new revision)")
    p.add_argument("story", metavar="ID_OR_SLUG")
    _document_options(p, headline_required=False)
    p.add_argument("--slug", help="a new slug (lower-case letters, digits, hyphens)")
    p.add_argument("--clear-tags", action="store_true", help="remove all tags first")
    p.add_argument("--message", default="", help="a note for the history")
    p.add_argument("--as-update", action="store_true",
                   help="a live story: prepare the change as an update that goes live when "
                        "approved (reporters' changes to a live story are always updates)")
    p.add_argument("--at", metavar="TIME", help="with --as-update: when it goes live")
    p.add_argument("--correction", metavar="NOTE",
                   help="with --as-update: a correction note shown with the story")
    p.add_argument("--base", metavar="REV",
                   help="the revision the change was made on (id, prefix, head~N): an update "
                        "merges with what changed live since; a plain edit is refused if the "
                        "story changed since")
    p.set_defaults(handler=cmd_edit)

    p = sub.add_parser("history", help="list a story's revisions, newest first")
    p.add_argument("story", metavar="ID_OR_SLUG")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_history)

    p = sub.add_parser("diff", help="show what changed between two revisions")
    p.add_argument("story", metavar="ID_OR_SLUG")
    p.add_argument("rev_a", metavar="REV_A", help="revision id, unique prefix, head or head~N")
    p.add_argument("rev_b", metavar="REV_B")
    p.set_defaults(handler=cmd_diff)

    p = sub.add_parser("restore", help="make an old revision current again (a new revision)")
    p.add_argument("story", metavar="ID_OR_SLUG")
    p.add_argument("revision", metavar="REV")
    p.set_defaults(handler=cmd_restore)

    from cms.cli.desk import register_story_actions as desk_actions
    from cms.cli.workflow import register_story_actions  # workflow owns `story transition`

    register_story_actions(sub)
    desk_actions(sub)


def _document_options(p: argparse.ArgumentParser, *, headline_required: bool) -> None:
    p.add_argument("--headline", required=headline_required)
    p.add_argument("--body-file", metavar="FILE", help="Markdown body from FILE, or - for stdin")
    p.add_argument("--standfirst")
    p.add_argument("--byline")
    p.add_argument("--dateline", help="where the story was filed from, e.g. SEOUL")
    p.add_argument("--section")
    p.add_argument("--tag", action="append", default=[], help="a tag (repeat for more)")
    p.add_argument("--language", metavar="TAG",
                   help="the story's language, a BCP 47 tag such as en, en-GB or ko "
                        "(\"\" for the desk's language)")


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        rows = stories.list_stories(
            session, status=args.status, section=args.section, tag=args.tag, limit=args.limit,
            assigned_to=args.assigned_to,
        )
        tz = ctx.zone(session)
    if args.json:
        print_json([summary_json(row, tz) for row in rows])
        return 0
    for row in rows:
        when = format_local(row.publish_at, tz) or "-"
        print(f"{row.id[:8]}  {row.status:<9}  {when:<16}  {row.section or '-':<14}  "
              f"{row.headline}")
    return 0


def cmd_fetch(args: argparse.Namespace, ctx: Context) -> int:
    from cms.config import get_setting
    from cms.people import acting_actor
    from cms.sync.central import Central
    from cms.sync.fetch import fetch_story

    store = ctx.store()
    with store.reading() as session:
        location = args.central or get_setting(session, "central_url")
        author = acting_actor(session, store.replica_id, args.user).username
    if not location:
        raise UsageError("no central store configured: pass --central URL or run "
                         "`newsroom config set central_url URL`")
    central = Central.open(location)
    try:
        story_id = fetch_story(store, central, args.story, author=author)
    finally:
        central.close()
    with store.reading() as session:
        document, _ = stories.get(session, story_id)
        count = len(story_revisions(session, story_id))
    print(f"fetched {document.slug} ({story_id}): {count} revisions; it stays on this laptop")
    return 0


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    args.story = ctx.story_here(args.story)
    with ctx.store().reading() as session:
        document, revision = stories.get(session, args.story)
        tz = ctx.zone(session)
        data = story_json(session, document, revision, tz)
    from cms.desk.presence import editing_now

    data["editing"] = [{"name": who.person, "since": local_iso(who.since, tz)}
                       for who in editing_now(ctx.store(), document.story_id)]
    if args.json:
        print_json(data)
        return 0
    for who in data["editing"]:
        print(f"{who['name']} is editing (since {who['since'][11:16]})")
    print(data["headline"])
    print("=" * min(len(data["headline"]), 78))
    for key in ("id", "slug", "status", "section", "language", "byline", "publish_at",
                "embargo_until", "updated_at", "revision"):
        if data[key]:
            print(f"{key + ':':<15}{data[key]}")
    if data["tags"]:
        print(f"{'tags:':<15}{', '.join(data['tags'])}")
    if data["standfirst"]:
        print(f"\n{data['standfirst']}")
    print(f"\n{data['body']}")
    for photo in data["photos"]:
        print(f"\n[photo {photo['sha256'][:12]}] {photo['caption']} ({photo['credit']})")
    if data["related"]:
        print("\nRead next:")
        for link in data["related"]:
            print(f"  - {link['label']} -> {link['target']}")
    return 0


def _changes(args: argparse.Namespace, ctx: Context, session: Any) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name in ("headline", "standfirst", "byline", "dateline", "section", "language"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if args.body_file is not None:
        changes["body"] = read_text_file(args.body_file)
    return changes


def cmd_new(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        changes = _changes(args, ctx, session)
        saved = stories.create(session, actor, tags=args.tag, **changes)
    print(saved.document.story_id)
    return 0


def cmd_edit(args: argparse.Namespace, ctx: Context) -> int:
    if (args.at or args.correction) and not args.as_update:
        raise UsageError("--at and --correction go with --as-update")
    args.story = ctx.story_here(args.story)
    with ctx.acting() as (session, actor):
        changes = _changes(args, ctx, session)
        base = _base(session, args)
        if args.slug is not None:
            changes["slug"] = args.slug
        if args.tag or args.clear_tags:
            current = load_document(session, base) if base else stories.get(session, args.story)[0]
            changes["tags"] = (() if args.clear_tags else current.tags) + tuple(args.tag)
        if not changes and not args.correction:
            raise UsageError("nothing to change: give --headline, --body-file, --tag, …")
        if args.as_update:
            return _propose(session, actor, args, changes, base)
        try:
            saved = stories.edit(session, actor, args.story, base_revision=base,
                                 message=args.message, **changes)
        except PermissionDenied:
            live, _ = stories.get(session, args.story)
            if live.status not in public_statuses(session):
                raise
            # Someone who may not change a live story directly prepares an update instead.
            return _propose(session, actor, args, changes, base, instead=True)
    print(saved.revision_id if saved.created else f"{saved.revision_id} (unchanged)")
    return 0


def _base(session: Session, args: argparse.Namespace) -> str | None:
    """The revision named by ``--base`` (None: the story's head)."""
    if not args.base:
        return None
    story_id = stories.resolve(session, args.story)
    return resolve_revision(session, story_id, args.base, stories.head_revision(session, story_id))


def _propose(session: Session, actor: Actor, args: argparse.Namespace,
             changes: dict[str, Any], base: str | None, *, instead: bool = False) -> int:
    """Save ``changes`` (made on ``base``) as a pending update of a live story; print its id."""
    at = parse_desk_time(session, args.at) if args.at else None
    update_id = updates.propose(session, actor, args.story, changes, base=base,
                                message=args.message, at=at, correction=args.correction or "")
    why = (f"{actor.username} may not change the live story directly: saved as a pending "
           "update, the live story is unchanged; " if instead else "pending: ")
    print(f"{update_id}  ({why}`newsroom story approve {args.story} {update_id[:8]}` "
          "puts it live)")
    return 0


def cmd_history(args: argparse.Namespace, ctx: Context) -> int:
    args.story = ctx.story_here(args.story)
    with ctx.store().reading() as session:
        story_id = stories.resolve(session, args.story)
        tz = ctx.zone(session)
        revisions = story_revisions(session, story_id)
        documents = {rev.id: load_document(session, rev.id) for rev in revisions}
        rows = []
        for rev in revisions:
            parent = documents.get(rev.parents[0]) if rev.parents else None
            if rev.parents and parent is None:
                parent = load_document(session, rev.parents[0])
            rows.append((rev, changed_fields(parent, documents[rev.id])))
    if args.json:
        print_json([
            {
                "id": rev.id, "parents": list(rev.parents), "author": rev.author,
                "replica_id": rev.replica_id, "created_at": local_iso(rev.created_at, tz),
                "message": rev.message, "changed": changed,
            }
            for rev, changed in rows
        ])
        return 0
    for rev, changed in rows:
        note = f"  ({rev.message})" if rev.message else ""
        print(f"{rev.short}  {format_local(rev.created_at, tz)}  {rev.author:<12}  "
              f"{', '.join(changed)}{note}")
    return 0


def cmd_diff(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        story_id = stories.resolve(session, args.story)
        head = stories.head_revision(session, story_id)
        rev_a = resolve_revision(session, story_id, args.rev_a, head)
        rev_b = resolve_revision(session, story_id, args.rev_b, head)
        diff = diff_documents(load_document(session, rev_a), load_document(session, rev_b))
    print(format_diff(diff))
    return 0


def cmd_restore(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        saved = stories.restore(session, actor, args.story, args.revision)
    if saved.created:
        print(saved.revision_id)
    else:
        print(f"{saved.revision_id} (that revision's content is already current)")
    return 0
