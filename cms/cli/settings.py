"""``newsroom config get|set|list``: desk settings shared through the store."""

from __future__ import annotations

import argparse
import sys

from cms.cli.context import Context, print_json
from cms.config import SETTINGS, all_settings, change_setting, get_setting


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = commands.add_parser(
        "config",
        help="desk settings (" + ", ".join(SETTINGS) + ")",
    )
    sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    p = sub.add_parser("get", help="print one setting")
    p.add_argument("key", metavar="KEY")
    p.set_defaults(handler=cmd_get)
    p = sub.add_parser("set", help="change one setting")
    p.add_argument("key", metavar="KEY")
    p.add_argument("value", metavar="VALUE")
    p.set_defaults(handler=cmd_set)
    p = sub.add_parser("list", help="print every setting")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)


def cmd_get(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        print(get_setting(session, args.key))
    return 0


def cmd_set(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        value, note = change_setting(session, actor, args.key, args.value)
    print(value)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return 0


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        values = all_settings(session)
    if args.json:
        print_json(values)
    else:
        for key, value in values.items():
            print(f"{key:<12} {value}")
    return 0
