"""``newsroom note`` and the desk's ``story`` actions (``newsroom desk`` is :mod:`cms.cli.my_desk`).

::

    newsroom note add STORY --text T [--quote TEXT] [--to NAME]... [--reply-to NOTE]
    newsroom note list STORY [--all] [--json]
    newsroom note resolve NOTE | reopen NOTE
    newsroom story assign STORY NAME [--due TIME] [--note T]
    newsroom story unassign STORY NAME
    newsroom story updates STORY [--json]
    newsroom story approve STORY [UPDATE] [--at TIME]
    newsroom story discard-update STORY UPDATE
"""

from __future__ import annotations

import argparse
from typing import TypeAlias

from cms.cli.context import Context, print_json
from cms.desk import assignments, notes, updates
from cms.schedule import parse_desk_time
from cms.timeutil import format_local

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(commands: Subparsers) -> None:
    """Add ``note`` (``desk`` is :mod:`cms.cli.my_desk`)."""
    p = commands.add_parser("note", help="editorial notes on a story (never published)")
    sub = p.add_subparsers(dest="note_command", metavar="ACTION", required=True)
    q = sub.add_parser("add", help="add a note (prints its id)")
    q.add_argument("story", metavar="STORY")
    q.add_argument("--text", required=True, metavar="T")
    q.add_argument("--quote", metavar="TEXT", help="the passage the note is about")
    q.add_argument("--to", action="append", default=[], metavar="NAME",
                   help="address it to someone (repeat for more)")
    q.add_argument("--reply-to", metavar="NOTE", help="answer another note")
    q.set_defaults(handler=cmd_note_add)
    q = sub.add_parser("list", help="the story's open notes with their replies")
    q.add_argument("story", metavar="STORY")
    q.add_argument("--all", action="store_true", help="resolved notes too")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(handler=cmd_note_list)
    for name, resolved in (("resolve", True), ("reopen", False)):
        q = sub.add_parser(name, help=f"{name} a note")
        q.add_argument("note", metavar="NOTE")
        q.set_defaults(handler=cmd_note_state, resolved=resolved)


def register_story_actions(sub: Subparsers) -> None:
    """Add ``story assign|unassign|updates|approve|discard-update`` (from cms.cli.stories)."""
    q = sub.add_parser("assign", help="put someone on a story")
    q.add_argument("story", metavar="STORY")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--due", metavar="TIME", help="by when (desk time or ISO 8601)")
    q.add_argument("--note", default="", metavar="T")
    q.set_defaults(handler=cmd_assign)
    q = sub.add_parser("unassign", help="take someone off a story")
    q.add_argument("story", metavar="STORY")
    q.add_argument("name", metavar="NAME")
    q.set_defaults(handler=cmd_unassign)
    q = sub.add_parser("updates", help="the updates prepared for a live story")
    q.add_argument("story", metavar="STORY")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(handler=cmd_updates)
    q = sub.add_parser("approve", help="approve a pending update (desk chiefs)")
    q.add_argument("story", metavar="STORY")
    q.add_argument("update", metavar="UPDATE", nargs="?")
    q.add_argument("--at", metavar="TIME", help="let it go live at TIME instead of now")
    q.set_defaults(handler=cmd_approve)
    q = sub.add_parser("discard-update", help="drop a pending update")
    q.add_argument("story", metavar="STORY")
    q.add_argument("update", metavar="UPDATE")
    q.set_defaults(handler=cmd_discard)


def cmd_note_add(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        note_id = notes.add_note(session, actor, args.story, args.text, quote=args.quote,
                                 to=args.to, reply_to=args.reply_to)
    print(note_id)
    return 0


def _print_note(view: notes.NoteView, zone: object, indent: str = "") -> None:
    where = (" [detached: its passage is gone]" if view.detached else
             f" [¶{view.paragraph + 1}]" if view.paragraph is not None else "")
    state = " (resolved)" if view.resolved else ""
    to = f" → {', '.join(view.to)}" if view.to else ""
    print(f"{indent}{view.id[:8]}  {format_local(view.created_at, zone)}  "  # type: ignore[arg-type]
          f"{view.author}{to}{where}{state}")
    if view.quote:
        print(f"{indent}    “{view.quote}”")
    for line in view.text.splitlines():
        print(f"{indent}    {line}")
    for reply in view.replies:
        _print_note(reply, zone, indent + "    ")


def cmd_note_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        found = notes.list_notes(session, args.story, include_resolved=args.all)
        zone = ctx.zone(session)
    if args.json:
        print_json([view.as_json() for view in found])
        return 0
    if not found:
        print("no open notes" if not args.all else "no notes")
    for view in found:
        _print_note(view, zone)
    return 0


def cmd_note_state(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        note_id = notes.set_resolved(session, actor, args.note, args.resolved)
    print(f"note {note_id[:8]} {'resolved' if args.resolved else 'reopened'}")
    return 0


def cmd_assign(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        due = parse_desk_time(session, args.due) if args.due else None
        assignments.assign(session, actor, args.story, args.name, due=due, note=args.note)
        zone = ctx.zone(session)
    print(f"{args.name.strip()} is on the story" + (
        f", due {format_local(due, zone)} {zone.key}" if due else ""))
    return 0


def cmd_unassign(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        assignments.unassign(session, actor, args.story, args.name)
    print(f"{args.name.strip()} is off the story")
    return 0


def cmd_updates(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        found = updates.updates_of(session, args.story)
        zone = ctx.zone(session)
    if args.json:
        print_json([view.as_json() for view in found])
        return 0
    if not found:
        print("no updates")
    for view in found:
        when = f", goes live {format_local(view.go_live_at, zone)}" if view.go_live_at else ""
        print(f"{view.id[:8]}  {view.state:<9}  {view.author:<12}  {', '.join(view.fields)}"
              f"{when}" + (f"  — {view.message}" if view.message else ""))
    return 0


def cmd_approve(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        at = parse_desk_time(session, args.at) if args.at else None
        view = updates.approve(session, actor, args.story, args.update, at=at)
        zone = ctx.zone(session)
    if view.state == "applied":
        print(f"update {view.id[:8]} is live (revision {(view.applied_revision or '')[:12]})")
    else:
        print(f"update {view.id[:8]} approved; it goes live "
              f"{format_local(view.go_live_at, zone)} {zone.key} (publish --due puts it live)")
    return 0


def cmd_discard(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        updates.discard(session, actor, args.story, args.update)
    print("update discarded")
    return 0
