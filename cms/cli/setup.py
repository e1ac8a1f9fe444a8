"""``newsroom init``: create or upgrade the store, optionally with the sample newsroom."""

from __future__ import annotations

import argparse

from cms.cli.context import Context
from cms.people import acting_actor
from cms.rules import role_label
from cms.sample import install_sample
from cms.store import describe


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("init", help="create or upgrade the store")
    p.add_argument("--demo", action="store_true", help="add the sample newsroom (idempotent)")
    p.set_defaults(handler=cmd_init)


def cmd_init(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store(create=True)
    with store.session() as session:
        actor = acting_actor(session, store.replica_id, args.user)
    print(f"store ready: {describe(store.url)} (you are {actor.username}, "
          f"{role_label(actor.role)})")
    if args.demo:
        report = install_sample(store, actor)
        print(report)
    return 0
