"""``newsroom central``: set up the desk's central store, its people and its audit log.

Every command takes ``--central URL`` (default: the configured ``central_url``)
and acts as that URL's login: ``init`` and ``init --secure`` need the database's
owner; ``user`` commands an admin of the desk (or the owner); ``audit`` a desk
chief or an admin.
"""

from __future__ import annotations

import argparse
import sys
from typing import TypeAlias

from cms.cli.context import Context, print_json, read_text_file
from cms.config import get_setting
from cms.errors import UsageError
from cms.rules import role_label, with_article
from cms.store import Store, describe, parse_store_url
from cms.timeutil import format_local

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(commands: Subparsers) -> None:
    """Add ``central init|user|audit``."""
    p = commands.add_parser("central", help="set up the desk's central store and its people")
    sub = p.add_subparsers(dest="central_command", metavar="ACTION", required=True)
    i = sub.add_parser("init", help="create or upgrade a central store")
    i.add_argument("url", metavar="URL", help="a shared SQLite file path or a PostgreSQL URL")
    i.add_argument("--new-epoch", action="store_true",
                   help="after restoring it from a backup: make every replica send again")
    i.add_argument("--secure", action="store_true",
                   help="PostgreSQL, run by the database owner: the store itself enforces "
                        "roles, moves and settings (logins, grants, row-level security)")
    i.set_defaults(handler=cmd_init)

    u = sub.add_parser("user", help="people of a secured central store and their logins")
    users = u.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    q = users.add_parser("add", help="add someone with a role and a login (admins)")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--role", required=True, metavar="ROLE",
                   help="reporter, editor, desk_chief or admin")
    q.add_argument("--login", metavar="LOGIN",
                   help="their PostgreSQL login (default: NAME; created when new)")
    q.add_argument("--password-file", metavar="F",
                   help="a file whose first line is the login's password (never echoed)")
    q.set_defaults(handler=cmd_user_add)
    q = users.add_parser("role", help="give someone another role (admins)")
    q.add_argument("name", metavar="NAME")
    q.add_argument("role", metavar="ROLE")
    q.set_defaults(handler=cmd_user_role)
    q = users.add_parser("disable", help="stop someone's login from acting (admins)")
    q.add_argument("name", metavar="NAME")
    q.set_defaults(handler=cmd_user_active, active=False)
    q = users.add_parser("enable", help="let a disabled person act again (admins)")
    q.add_argument("name", metavar="NAME")
    q.set_defaults(handler=cmd_user_active, active=True)
    q = users.add_parser("list", help="everyone, their role and login")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(handler=cmd_user_list)

    a = sub.add_parser("audit", help="accepted changes with the database login that made them")
    a.add_argument("--story", metavar="ID", help="only this story (id or slug)")
    a.add_argument("--since", metavar="T", help="from this time on (desk time or ISO 8601)")
    a.add_argument("--json", action="store_true", help="print JSON")
    a.set_defaults(handler=cmd_audit)
    for parser in (*users.choices.values(), a):
        parser.add_argument("--central", metavar="URL",
                            help="the central store (default: `newsroom config get central_url`)")


def _central(args: argparse.Namespace, ctx: Context) -> Store:
    """The central store named by ``--central`` or the configured ``central_url``."""
    url = args.central
    if not url:
        with ctx.store().reading() as session:
            url = get_setting(session, "central_url")
    if not url:
        raise UsageError("no central store: pass --central URL or run "
                         "`newsroom config set central_url URL`")
    return Store.open(parse_store_url(url))


def cmd_init(args: argparse.Namespace, ctx: Context) -> int:
    from cms.sync.central import init_central

    store, epoch, warnings = init_central(args.url, new_epoch=args.new_epoch,
                                          secure=args.secure)
    try:
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        kind = "secured central store" if store.secured else "central store"
        print(f"{kind} ready: {describe(store.url)} (epoch {epoch[:8]})")
        if args.secure:
            print("add people with `newsroom central user add NAME --role ROLE "
                  f"[--login LOGIN] [--password-file F] --central {describe(store.url)}`")
    finally:
        store.close()
    return 0


def cmd_user_add(args: argparse.Namespace, ctx: Context) -> int:
    from cms.sync.central_admin import add_user

    password = None
    if args.password_file:
        lines = read_text_file(args.password_file).splitlines()
        password = lines[0] if lines else ""
        if not password:
            raise UsageError(f"{args.password_file} holds no password on its first line")
    store = _central(args, ctx)
    try:
        login = add_user(store, args.name, args.role, login=args.login, password=password)
    finally:
        store.close()
    print(f"{args.name.strip()} joins the desk as {with_article(args.role)} (login {login})")
    return 0


def cmd_user_role(args: argparse.Namespace, ctx: Context) -> int:
    from cms.sync.central_admin import set_user_role

    store = _central(args, ctx)
    try:
        set_user_role(store, args.name, args.role)
    finally:
        store.close()
    print(f"{args.name.strip()} is now {with_article(args.role)}")
    return 0


def cmd_user_active(args: argparse.Namespace, ctx: Context) -> int:
    from cms.sync.central_admin import set_user_active

    store = _central(args, ctx)
    try:
        set_user_active(store, args.name, args.active)
    finally:
        store.close()
    print(f"{args.name.strip()} is {'enabled' if args.active else 'disabled'}")
    return 0


def cmd_user_list(args: argparse.Namespace, ctx: Context) -> int:
    from cms.sync.central_admin import list_users

    store = _central(args, ctx)
    try:
        rows = [(p.username, p.role, p.login, p.active) for p in list_users(store)]
    finally:
        store.close()
    if args.json:
        print_json([{"username": u, "role": r, "login": login, "active": a}
                    for u, r, login, a in rows])
        return 0
    for username, role, login, active in rows:
        print(f"{username:<24}  {role_label(role):<11}  {login or '-':<24}"
              + ("" if active else "  (disabled)"))
    return 0


def cmd_audit(args: argparse.Namespace, ctx: Context) -> int:
    from cms import stories
    from cms.config import desk_zone
    from cms.sync.central_admin import audit
    from cms.timeutil import parse_time

    store = _central(args, ctx)
    try:
        with store.reading() as session:
            zone = desk_zone(session)
            story_id = stories.resolve(session, args.story) if args.story else None
        since = parse_time(args.since, zone) if args.since else None
        entries = audit(store, story_id=story_id, since=since)
    finally:
        store.close()
    if args.json:
        print_json([entry.as_json() for entry in entries])
        return 0
    if not entries:
        print("nothing in the audit log" + (" for that story" if story_id else ""))
    for entry in entries:
        what = f"{entry.story_id[:8]} " if entry.story_id else ""
        print(f"{format_local(entry.at, zone)}  {entry.login:<16} ({entry.person})  "
              f"{entry.kind:<8} {what}{entry.detail}")
    return 0

