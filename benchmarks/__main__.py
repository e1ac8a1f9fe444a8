"""Run every ``benchmarks/bench_*.py`` module and print one table.

Usage: ``python -m benchmarks [--quick] [AREA ...]`` where AREA is the part of a
module name after ``bench_`` (core, ui, photos, sync, export, workflow, desk, …).
Each module exposes ``run(quick: bool) -> list[tuple[str, str, str]]`` returning
(measure, value, target) rows.
"""

from __future__ import annotations

import argparse
import compileall
import importlib
import os
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller corpora, fewer repeats")
    parser.add_argument("areas", nargs="*", help="only these areas (default: all)")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    folder = Path(__file__).resolve().parent
    _compile_sources(folder.parent)
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.startswith("bench_")
    )
    if args.areas:
        names = [n for n in names if n.removeprefix("bench_") in args.areas]
    rows: list[tuple[str, str, str, str]] = []
    failed = False
    for name in names:
        area = name.removeprefix("bench_")
        started = time.perf_counter()
        print(f"running {area} …", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            for measure, value, target in module.run(args.quick):
                rows.append((area, measure, value, target))
        except Exception:
            failed = True
            traceback.print_exc()
            rows.append((area, "FAILED (see traceback above)", "", ""))
        print(f"  {area} took {time.perf_counter() - started:.1f} s", file=sys.stderr)
    widths = [max(len(r[i]) for r in [*rows, ("area", "measure", "value", "target")])
              for i in range(4)]
    header = ("area", "measure", "value", "target")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    return 1 if failed else 0


def _compile_sources(root: Path) -> None:
    """Byte-compile the project, as installing a wheel does, before timing any command.

    With PYTHONDONTWRITEBYTECODE set (as on some CI machines) an editable install
    never writes its .pyc files, so every timed ``newsroom`` command would compile
    the project's sources again (0.1-0.2 s per command), which no installed copy does.
    """
    for package in ("cms", "ui"):
        compileall.compile_dir(root / package, quiet=1)


if __name__ == "__main__":
    sys.exit(main())
