"""The core must never load Qt: the CLI, cron jobs and servers run without a display."""

from __future__ import annotations

import argparse
import pkgutil
import subprocess
import sys

import cms


def test_importing_every_core_module_loads_no_qt() -> None:
    modules = [m.name for m in pkgutil.walk_packages(cms.__path__, "cms.")
               if ".migrations.versions" not in m.name and not m.name.endswith("__main__")
               and m.name != "cms.migrations.env"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "from cms.cli import build_parser\n"
        "build_parser()\n"
        "qt = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'))\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""
    assert len(modules) > 15


def _commands(
        parser: argparse.ArgumentParser) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_every_command_has_its_owner_and_runs_alone() -> None:
    from cms.cli import COMMAND_OWNERS, build_parser

    full = build_parser()
    choices = _commands(full).choices
    assert set(choices) == set(COMMAND_OWNERS)
    for command in COMMAND_OWNERS:
        alone = build_parser(["--store", "x.db", command])
        sub = _commands(alone)
        assert command in sub.choices
