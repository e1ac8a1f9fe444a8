"""Entry point of the windowed launcher (Windows ``Newsroom.exe``, the macOS app bundle).

It opens the desktop window at once and accepts the same ``--store`` and
``--user`` options as ``newsroom app``. Errors go to a message box (the window
code shows them), since a windowed program has no console to print to.
"""

from __future__ import annotations

import multiprocessing
import sys

sys.dont_write_bytecode = True  # see entry.py: never write inside the installation


def main() -> None:
    """Open the Newsroom window."""
    multiprocessing.freeze_support()
    # Finder passes a process serial number (-psn_…) to apps started from it on
    # older macOS versions; it is not an option of ours.
    argv = [arg for arg in sys.argv[1:] if not arg.startswith("-psn_")]
    from ui.app import main as app_main

    app_main(argv)


if __name__ == "__main__":
    main()
