"""``newsroom people``: who works on the desk, and their roles.

On a desk whose central store is secured, people are managed on the central
store (``newsroom central user …``) and every copy takes them from there; these
commands then only list.
"""

from __future__ import annotations

import argparse

from cms import people
from cms.cli.context import Context, print_json
from cms.errors import UsageError
from cms.rules import role_label, with_article


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``people list|add|role|disable|enable``."""
    p = commands.add_parser("people", help="who works on the desk, and their roles")
    sub = p.add_subparsers(dest="people_command", metavar="ACTION", required=True)
    q = sub.add_parser("list", help="everyone and their role")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(handler=cmd_list)
    q = sub.add_parser("add", help="add someone to the desk with a role (admins only)")
    q.add_argument("name", metavar="NAME")
    q.add_argument("--role", required=True, metavar="ROLE",
                   help="reporter, editor, desk_chief or admin")
    q.set_defaults(handler=cmd_add)
    q = sub.add_parser("role", help="give someone on the desk another role (admins only)")
    q.add_argument("name", metavar="NAME")
    q.add_argument("role", metavar="ROLE")
    q.set_defaults(handler=cmd_role)
    q = sub.add_parser("disable", help="stop someone from acting on the desk (admins only)")
    q.add_argument("name", metavar="NAME")
    q.set_defaults(handler=cmd_disable, active=False)
    q = sub.add_parser("enable", help="let a disabled person act again (admins only)")
    q.add_argument("name", metavar="NAME")
    q.set_defaults(handler=cmd_disable, active=True)


def _managed_here(ctx: Context) -> None:
    with ctx.store().reading() as session:
        central = people.bound_identity_source(session)
    if central:
        raise UsageError(f"people are managed on the central store of this desk ({central}): "
                         "use `newsroom central user add|role|disable …`")


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        rows = [(p.username, p.display_name, p.role, p.active, p.login)
                for p in people.list_people(session)]
    if args.json:
        print_json([{"username": u, "display_name": d, "role": r, "active": a, "login": login}
                    for u, d, r, a, login in rows])
        return 0
    for username, _display, role, active, _login in rows:
        print(f"{username:<24}  {role_label(role):<11}" + ("" if active else "  (disabled)"))
    return 0


def cmd_add(args: argparse.Namespace, ctx: Context) -> int:
    _managed_here(ctx)
    with ctx.acting() as (session, actor):
        person = people.add_person(session, actor, args.name, args.role)
    print(f"{person.username} joins the desk as {with_article(person.role)}")
    return 0


def cmd_role(args: argparse.Namespace, ctx: Context) -> int:
    _managed_here(ctx)
    with ctx.acting() as (session, actor):
        person = people.assign_role(session, actor, args.name, args.role)
    print(f"{person.username} is now {with_article(person.role)}")
    return 0


def cmd_disable(args: argparse.Namespace, ctx: Context) -> int:
    _managed_here(ctx)
    with ctx.acting() as (session, actor):
        person = people.set_active(session, actor, args.name, args.active)
    print(f"{person.username} is {'enabled' if person.active else 'disabled'}")
    return 0
