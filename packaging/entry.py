"""Entry point of the frozen (PyInstaller) Newsroom: the ``newsroom`` command.

The same executable is the command line and the desktop app (``newsroom app``),
exactly like the ``newsroom`` script of the wheel. On Windows and macOS the spec
also builds a windowed launcher from :mod:`packaging.entry_app` that opens the
window straight away, because double-clicking a console program there shows a
terminal first.
"""

from __future__ import annotations

import multiprocessing
import sys
from typing import NoReturn

# A frozen app must never write beside itself: the installation folder may be
# read-only (a system-wide install) or shared by several users. Modules come
# from the archive inside the executable, but Alembic loads the migration
# scripts from files and would otherwise drop __pycache__ folders next to them.
sys.dont_write_bytecode = True


def main() -> NoReturn:
    """Run the ``newsroom`` command line (``newsroom app`` opens the window)."""
    # The export renders bodies in worker processes started with "spawn"; in a
    # frozen app each worker re-runs this executable, and freeze_support turns
    # such a run into the worker instead of a second command line.
    multiprocessing.freeze_support()
    from cms.cli import run

    run()


if __name__ == "__main__":
    main()
