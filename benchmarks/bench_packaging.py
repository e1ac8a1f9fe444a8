"""Packaged app: start-up time against ``make run``, and the size of what is shipped.

Needs ``make package`` first (dist/newsroom) and Xvfb plus xdotool for the
start-up figures; without them the rows say what is missing instead.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _measure_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "newsroom_measure_startup", ROOT / "packaging" / "measure_startup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("newsroom_measure_startup", module)
    spec.loader.exec_module(module)
    return module


def _size_rows() -> list[tuple[str, str, str]]:
    folder = ROOT / "dist" / "newsroom"
    if not folder.is_dir():
        return [("packaged folder size", "not built (make package)", "")]
    size = sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    rows = [("packaged folder size", f"{size / 1e6:.0f} MB", "")]
    archives = sorted(folder.parent.glob("newsroom-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if archives:
        rows.append(("packaged archive size (.tar.gz)",
                     f"{archives[-1].stat().st_size / 1e6:.0f} MB", ""))
    return rows


def run(quick: bool) -> list[tuple[str, str, str]]:
    """Start-up medians of the packaged app and of `make run`, plus sizes."""
    rows = _size_rows()
    measure = _measure_module()
    try:
        results = measure.measure(runs=3 if quick else 7)
    except measure.CannotMeasure as exc:
        return [*rows, ("start-up to visible window", f"not measured: {exc}", "")]
    packaged = statistics.median(results["packaged"])
    venv = statistics.median(results["make run"])
    return [
        *rows,
        ("start-up to visible window, packaged (median)", f"{packaged * 1000:.0f} ms",
         "< make run + 500 ms"),
        ("start-up to visible window, make run (median)", f"{venv * 1000:.0f} ms", "(reference)"),
    ]
