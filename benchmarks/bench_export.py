"""Static export against Pelican on the same Pelican-format Markdown files.

For 1,000 and 10,000 stories (``--quick``: 1,000 only): write the corpus as
Pelican files, import it with ``cms.importers.import_tree``, then time, each as
its own process so that start-up counts on both sides:

- ``pelican`` building the files (paginated by 30, Atom feeds, like the export);
- ``newsroom export`` cold (empty render cache, new folder);
- ``newsroom export`` with a warm cache into a new folder;
- ``newsroom export`` into the same folder after one story was edited (and the
  same export measured inside the process, without interpreter start-up), three
  times each: the best and every figure.

Peak memory is each command's own maximum resident set size (measured by
:mod:`benchmarks.measure`, so the runner's size does not count).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.corpus import write_markdown_tree
from cms import stories
from cms.export import ExportOptions, export_site
from cms.importers import import_tree
from cms.people import actor_for
from cms.store import Store

AS_OF = "2100-01-01T00:00Z"
MEASURE = Path(__file__).with_name("measure.py")
PELICAN_CONF = """\
AUTHOR = "Bench"
SITENAME = "Bench"
SITEURL = ""
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 30
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/{slug}.atom.xml"
LOAD_CONTENT_CACHE = False
"""


@dataclass
class Run:
    """One timed process."""

    seconds: float
    peak_mb: float
    output: str


def _run(command: list[str], cwd: Path) -> Run:
    """Run ``command`` through :mod:`benchmarks.measure` (see there for why)."""
    os.sync()  # the last command's dirty pages are written now, not during this one
    result = cwd / "measure.json"
    process = subprocess.Popen([sys.executable, str(MEASURE), str(result), *command], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.communicate()[0].decode(errors="replace")
    figures = json.loads(result.read_text("utf-8"))
    if figures["returncode"] != 0:
        raise RuntimeError(f"{command[0]} failed ({figures['returncode']}): {output[-2000:]}")
    return Run(figures["seconds"], figures["peak_mb"],
               output.strip().splitlines()[-1] if output else "")


def _bin(name: str) -> Path:
    return Path(sys.executable).parent / name


def _ratio(ours: float, theirs: float | None) -> str:
    return f"{ours / theirs:.3f}× Pelican" if theirs else "n/a"


def _size(count: int, root: Path) -> list[tuple[str, str, str]]:
    content = root / "content"
    write_markdown_tree(content, count)
    db = root / "bench.db"
    store = Store.open(str(db), create=True)
    with store.session() as session:
        actor = actor_for(session, "bench", store.replica_id)
    import_tree(store, actor, content)
    newsroom = [str(_bin("newsroom")), "--store", str(db), "export", "--quiet",
                "--as-of", AS_OF, "--cache-dir", str(root / "cache")]
    rows: list[tuple[str, str, str]] = []
    label = f"{count:,} stories"

    pelican: Run | None = None
    if _bin("pelican").exists():
        (root / "pelicanconf.py").write_text(PELICAN_CONF)
        pelican = _run([str(_bin("pelican")), str(content), "-o", str(root / "pelican-out"),
                        "-s", str(root / "pelicanconf.py"), "-q"], root)
        rows.append((f"{label}: pelican build", f"{pelican.seconds:.2f} s, "
                     f"{pelican.peak_mb:.0f} MB peak", "reference"))
    else:
        rows.append((f"{label}: pelican build", "pelican not installed (pip install "
                     "'.[bench]')", "reference"))
    theirs = pelican.seconds if pelican else None

    cold = _run([*newsroom, "--out", str(root / "cold")], root)
    rows.append((f"{label}: export cold", f"{cold.seconds:.2f} s, {cold.peak_mb:.0f} MB peak, "
                 f"{_ratio(cold.seconds, theirs)}", "≤ 0.25× Pelican"))
    warm = _run([*newsroom, "--out", str(root / "warm")], root)
    rows.append((f"{label}: export warm cache", f"{warm.seconds:.2f} s, {warm.peak_mb:.0f} MB "
                 f"peak, {_ratio(warm.seconds, theirs)}", "≤ 0.05× Pelican"))

    with store.session() as session:
        victim = stories.list_stories(session, limit=1, sort="publish_at")[0]
    edits = iter(range(1_000))

    def edit() -> None:
        with store.session() as session:
            stories.edit(session, actor, victim.id,
                         headline=f"{victim.headline} (update {next(edits)})")

    # Three rounds each (an edit, then the export): the best and every figure.
    runs = []
    for _round in range(3):
        edit()
        runs.append(_run([*newsroom, "--out", str(root / "warm")], root))
    best = min(runs, key=lambda run: run.seconds)
    rows.append((f"{label}: re-export after 1 edit (CLI)",
                 f"{best.seconds:.2f} s best of {', '.join(f'{r.seconds:.2f}' for r in runs)}, "
                 f"{best.peak_mb:.0f} MB peak; {best.output}", "< 0.5 s"))
    options = ExportOptions(out=root / "warm", as_of=datetime(2100, 1, 1, tzinfo=UTC),
                            cache_dir=root / "cache")
    inside = []
    for _round in range(3):
        edit()
        started, cpu = time.perf_counter(), time.process_time()
        report = export_site(store, options)
        inside.append((time.perf_counter() - started, time.process_time() - cpu, report))
    wall, cpu, report = min(inside, key=lambda figures: figures[0])
    rows.append((f"{label}: re-export after 1 edit (in process)",
                 f"{wall:.3f} s wall best of {', '.join(f'{w:.3f}' for w, _c, _r in inside)}, "
                 f"{cpu:.3f} s CPU, wrote {report.written} of {report.files} files"
                 f"{' (quick)' if report.quick else ''}", "< 0.5 s"))
    store.close()
    return rows


def run(quick: bool) -> list[tuple[str, str, str]]:
    """Benchmark rows for ``python -m benchmarks``."""
    load = os.getloadavg()[0]
    rows: list[tuple[str, str, str]] = [
        ("machine", f"{os.cpu_count()} cores, load average {load:.1f} at start", "")]
    # One folder for all sizes, removed at the end: deleting tens of thousands of files
    # right before the next size makes ext4 slow to create new ones for a while, which
    # would land on whichever command is timed next.
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        for count in (1_000,) if quick else (1_000, 10_000):
            root = Path(tmp) / str(count)
            root.mkdir()
            rows += _size(count, root)
    return rows


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        print(" | ".join(row))
