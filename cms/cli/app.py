"""``newsroom app``: open the desktop window (the only command that loads Qt)."""

from __future__ import annotations

import argparse
import importlib

from cms.cli.context import Context


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("app", help="open the desktop window")
    p.set_defaults(handler=cmd_app)


def cmd_app(args: argparse.Namespace, ctx: Context) -> int:
    # Imported by name at call time: the core never imports Qt itself.
    app = importlib.import_module("ui.app")
    return int(app.run(store=args.store, user=args.user))
