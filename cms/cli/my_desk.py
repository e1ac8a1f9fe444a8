"""``newsroom desk [--json]``: my work — stories assigned to me (late first), notes to me,
my stories waiting on someone else.

Its own module, apart from the note and story actions (:mod:`cms.cli.desk`): a run
of ``newsroom desk`` loads only the tables it reads, not the story and workflow rules
(nor Markdown and Pillow, which they bring).
"""

from __future__ import annotations

import argparse
from typing import TypeAlias

from cms.cli.context import Context, print_json
from cms.desk.work import my_desk
from cms.timeutil import format_local, utcnow

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(commands: Subparsers) -> None:
    """Add ``desk``."""
    p = commands.add_parser("desk", help="my work: assignments, notes to me, what waits")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_desk)


def cmd_desk(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        zone = ctx.zone(session)
        now = utcnow()
        desk = my_desk(session, actor.username, now)
    if args.json:
        print_json(desk.as_json())
        return 0
    print(f"{actor.username}'s desk")
    print(f"\nassigned to you: {len(desk.assigned)}")
    for item in desk.assigned:
        due = format_local(item.due, zone) if item.due else "no due time"
        flag = "LATE " if item.late(now) else ""
        print(f"  {flag}{due:<16}  {item.story_id[:8]}  {item.status:<9}  {item.headline}"
              + (f"  — {item.note}" if item.note else ""))
    print(f"\nnotes to you: {len(desk.notes)}")
    for note in desk.notes:
        print(f"  {note.id[:8]}  {note.author:<12}  {note.headline}: {note.text[:80]}")
    print(f"\nwaiting on someone else: {len(desk.waiting)}")
    for waiting in desk.waiting:
        print(f"  {waiting.story_id[:8]}  {waiting.status:<15}  {waiting.headline}  "
              f"({waiting.on})")
    return 0
