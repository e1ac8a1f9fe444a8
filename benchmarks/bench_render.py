"""Rendering: every hostile shape at 10 KB, 100 KB and 1 MB, and the corpus throughput.

Each shape of ``tests/render/hostile.py`` is rendered once (uncached, after a
warm-up) in a process of its own, killed after :data:`TIMEOUT` seconds: a shape
the bounds miss shows as ``> 30 s`` instead of holding up the table. The target
is under a second for a megabyte of any shape. The throughput rows render the
``make bench`` corpus (the stories the export benchmark exports) with
``cms.render`` and with a stock ``markdown.Markdown`` for reference.

``python -m benchmarks render`` (``make bench BENCH_ARGS=render``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.corpus import Corpus
from tests.render.hostile import SHAPES

TIMEOUT = 30.0
SIZES = (10_000, 100_000, 1_000_000)
ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import sys, time
from tests.render.hostile import SHAPES
from cms.render import render_markdown
text = SHAPES[sys.argv[1]](int(sys.argv[2]))
render_markdown("A warm-up *story*.")
started = time.perf_counter()
render_markdown(text)
print(time.perf_counter() - started)
"""


def _shape_seconds(name: str, size: int) -> str:
    """Seconds to render ``name`` at ``size`` bytes, in a child process (or why not)."""
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, name, str(size)], cwd=ROOT,
                              capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return f"> {TIMEOUT:.0f} s"
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no output"]
        return f"failed ({lines[-1][:40]})"
    return f"{float(done.stdout):.3f} s"


def _size_label(size: int) -> str:
    return f"{size // 1_000_000} MB" if size >= 1_000_000 else f"{size // 1000} KB"


def _throughput(quick: bool) -> list[tuple[str, str, str]]:
    import markdown

    from cms import render
    from cms.figures import FigureExtension

    bodies = [story.body for story in Corpus().stories(300 if quick else 2_000)]
    stock = markdown.Markdown(extensions=[*render.MARKDOWN_EXTENSIONS, FigureExtension(None)],
                              output_format="html")
    rows = []
    for label, convert in (
        ("cms.render", lambda text: render._render(text, None)),
        ("stock Python-Markdown + nh3",
         lambda text: render.sanitise_html(stock.reset().convert(text))),
    ):
        convert("A warm-up *story*.")
        best = float("inf")
        for _round in range(3):
            started = time.process_time()
            for body in bodies:
                convert(body)
            best = min(best, time.process_time() - started)
        rows.append((f"corpus bodies, {label} ({len(bodies):,}, CPU, best of 3)",
                     f"{len(bodies) / best:,.0f} bodies/s, {best / len(bodies) * 1000:.3f} ms "
                     "each", "no slower than before" if label == "cms.render" else "reference"))
    return rows


def run(quick: bool) -> list[tuple[str, str, str]]:
    """Benchmark rows for ``python -m benchmarks``."""
    rows: list[tuple[str, str, str]] = [
        ("machine", f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start",
         ""),
    ]
    rows += _throughput(quick)
    sizes = SIZES[:2] if quick else SIZES
    for name in SHAPES:
        times = " · ".join(f"{_size_label(size)} {_shape_seconds(name, size)}" for size in sizes)
        rows.append((f"render {name}", times, "1 MB < 1 s"))
    return rows
