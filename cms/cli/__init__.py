"""The ``newsroom`` command line: a thin client of the core, like the window.

Each command group lives in its own module with a ``register(subparsers)``
function; :data:`COMMAND_MODULES` lists them. Exit status: 0 on success, 2 on a
usage error, 1 on any other error with one clear line on stderr (a traceback
only with ``--debug``).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from cms import __version__
from cms.errors import NewsroomError, UsageError

COMMAND_MODULES = (
    "cms.cli.setup",
    "cms.cli.stories",
    "cms.cli.search",
    "cms.cli.importing",
    "cms.cli.settings",
    "cms.cli.workflow",
    "cms.cli.people",
    "cms.cli.desk",
    "cms.cli.my_desk",
    "cms.cli.photos",
    "cms.cli.export",
    "cms.cli.sync",
    "cms.cli.central",
    "cms.cli.spelling",
    "cms.cli.app",
)
# Which module registers each top-level command: a run loads only the module of
# its own command (a cron job's `publish --due` need not import the exporter).
COMMAND_OWNERS = {
    "init": "cms.cli.setup",
    "story": "cms.cli.stories",
    "search": "cms.cli.search",
    "import": "cms.cli.importing",
    "config": "cms.cli.settings",
    "schedule": "cms.cli.workflow",
    "embargo": "cms.cli.workflow",
    "related": "cms.cli.workflow",
    "publish": "cms.cli.workflow",
    "people": "cms.cli.people",
    "note": "cms.cli.desk",
    "desk": "cms.cli.my_desk",
    "photo": "cms.cli.photos",
    "export": "cms.cli.export",
    "sync": "cms.cli.sync",
    "conflicts": "cms.cli.sync",
    "central": "cms.cli.central",
    "spell": "cms.cli.spelling",
    "dictionary": "cms.cli.spelling",
    "app": "cms.cli.app",
}
_GLOBAL_OPTIONS_WITH_VALUE = ("--store", "--user")


def _asks_for_version(argv: Sequence[str]) -> bool:
    """True when ``argv`` starts with ``--version``: argparse prints it before all else."""
    return bool(argv) and argv[0] == "--version"


def _command_of(argv: Sequence[str]) -> str | None:
    """The top-level command named in ``argv``, if any (global options skipped)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in _GLOBAL_OPTIONS_WITH_VALUE:
            skip = True
        elif not token.startswith("-"):
            return token
    return None


class _Parser(argparse.ArgumentParser):
    """argparse with our one-line error format (exit status 2 for usage errors)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"newsroom: error: {message}\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``newsroom`` argument parser: all commands, or only the one ``argv`` names."""
    parser = _Parser(
        prog="newsroom",
        description="Newsroom: write, schedule, sync and publish news stories.",
    )
    parser.add_argument("--version", action="version", version=f"newsroom {__version__}")
    parser.add_argument(
        "--store",
        metavar="URL",
        help="store location: a file path or database URL (default: $NEWSROOM_STORE, "
        "then newsroom.db in your user data folder)",
    )
    parser.add_argument(
        "--user", metavar="NAME", help="who acts (default: $NEWSROOM_USER, then your login name)"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for name in _modules_for(argv):
        importlib.import_module(name).register(commands)
    return parser


def _modules_for(argv: Sequence[str] | None) -> Sequence[str]:
    """The command modules a parser for ``argv`` needs (all of them when ``argv`` is unknown).

    A named command needs only its owner; ``newsroom --version`` needs none (it
    exits before any command is looked at); anything else may list every command.
    """
    if argv is None:
        return COMMAND_MODULES
    if _asks_for_version(argv):
        return ()
    owner = COMMAND_OWNERS.get(_command_of(argv) or "")
    return (owner,) if owner else COMMAND_MODULES


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments)
    args = parser.parse_args(arguments)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; errors become one line on stderr and an exit status."""
    # Imported only now: `newsroom --version` exits while parsing, so it never loads
    # SQLAlchemy and the store (~100 ms).
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from cms.cli.context import Context
    from cms.secrets import allow_prompt
    from cms.store import db_error_message
    from cms.write_errors import refused_write

    allow_prompt()
    context = Context(args)
    try:
        return int(args.handler(args, context) or 0)
    except UsageError as exc:
        if args.debug:
            raise
        print(f"newsroom: error: {exc}", file=sys.stderr)
        return 2
    except NewsroomError as exc:
        if args.debug:
            raise
        print(f"newsroom: {exc}", file=sys.stderr)
        return 1
    except (DBAPIError, SQLAlchemyError) as exc:
        if args.debug:
            raise
        print(f"newsroom: {db_error_message(exc, context.url_or_none())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("newsroom: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: one line, not a traceback
        if args.debug:
            raise
        refused = refused_write(exc)  # a disk or folder that refused a write
        if refused is not None:
            print(f"newsroom: {refused}", file=sys.stderr)
            return 1
        print(f"newsroom: internal error: {type(exc).__name__}: {exc} (run with --debug for "
              "details)", file=sys.stderr)
        return 1
    finally:
        context.close()


def run() -> NoReturn:
    """The ``newsroom`` console script: :func:`main`, then exit without a last collection.

    A command ends with everything it loaded still in memory (SQLAlchemy, the
    templates, caches); the collector's final walk over all of it at shutdown
    costs ~80 ms on every command and frees nothing the ending process needs.
    Everything that holds a resource (store, cache, files) is closed by then.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
