"""One bundle, however it is made: cold or warm, forked workers or one process, byte for byte.

The corpus is the sample newsroom plus stories using every part of the Markdown
dialect (figures, footnotes, tables, fenced and indented code, nested lists,
raw HTML, definition lists, abbreviations, quotes and smart punctuation). Each
export runs as a process of its own, as the command line does: forked workers
are only used by a process with a single thread.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from cms import photos, stories
from cms.people import Actor
from cms.store import Store
from tests.export.bundle_check import tree_bytes
from tests.export.conftest import AS_OF
from tests.photos.imaging import picture
from tests.render.hostile import nested_lists

pytestmark = pytest.mark.process

# Runs one export; argv: store, out, cache ("-": none), workers, slice, render log, point.
EXPORT = textwrap.dedent("""
    import hashlib, os, signal, sys
    from datetime import datetime
    from pathlib import Path
    from cms.errors import NewsroomError
    from cms.export import ExportOptions, bodies, export_site, parallel
    from cms.store import Store

    db, out, cache, workers, size, log, point = sys.argv[1:8]
    parallel.THRESHOLD, parallel.SLICE = 1, int(size)
    render_body = bodies.render_body

    def counted(body):  # one line per body rendered, by any process
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(hashlib.sha256(body[0].encode()).hexdigest() + "\\n")
        return render_body(body)

    bodies.render_body = counted
    if point == "kill a worker":
        render_slice = parallel._render_slice
        def dies_on_its_second_slice(bounds):
            if bounds[0] == int(size):
                os.kill(os.getpid(), signal.SIGKILL)
            return render_slice(bounds)
        parallel._render_slice = dies_on_its_second_slice
    try:
        report = export_site(Store.open(db), ExportOptions(
            out=Path(out), cache_dir=None if cache == "-" else Path(cache),
            workers=int(workers), as_of=datetime.fromisoformat(sys.argv[8]), full=True))
    except NewsroomError as exc:
        print(exc)
        sys.exit(3)
    print(report.bodies_rendered, report.from_cache)
    for name, why in report.skipped:
        print(f"skipped: {name}: {why}")
""")

FEATURES = (
    "A claim with a footnote.[^1] And “smart” quotes -- dashes... and an HTML abbreviation.\n\n"
    "[^1]: The footnote, with *emphasis*.\n\n*[HTML]: Hyper Text Markup Language\n",
    "| Party | Seats |\n|:------|------:|\n| Democratic | 170 |\n| People Power | 108 |\n",
    "```python\nprint('fenced <code>')\n```\n\n    indented code & more\n",
    "1. First\n    - nested one\n    - nested two\n        1. deeper\n2. Second\n\n"
    "* loose item\n\n* another loose item\n",
    '<div class="note">Raw <b>HTML</b> block</div>\n\nInline <kbd>Ctrl</kbd> and '
    '<span onclick="x()">a handler</span>.\n\n<script>alert(1)</script>\n',
    "Term\n:   Its definition.\n\n> A quote\n> > nested in a quote\n\n## A heading {#anchor}\n",
    f"Beyond the bounds:\n\n{nested_lists(1_000)}\nBack to *prose*.\n",
)
BEYOND = "skipped: feature-story-6: part of the body shown as plain text: lists or quotes"


@pytest.fixture
def feature_store(sample_store: Store, sample_actor: Actor) -> Store:
    """The sample newsroom plus 36 stories covering the dialect, one with a figure, some
    with lists nested beyond the renderer's bounds."""
    buffer = io.BytesIO()
    picture((320, 200)).save(buffer, "JPEG")
    prepared = photos.prepare(buffer.getvalue(), "figure.jpg")
    with sample_store.session() as session:
        for number in range(36):
            body = f"Story {number} opens.\n\n{FEATURES[number % len(FEATURES)]}\n"
            saved = stories.create(
                session, sample_actor, headline=f"Feature story {number}", body=body,
                section=("politics", "world", "business")[number % 3], tags=["dialect"],
                status="published", publish_at=AS_OF - timedelta(hours=number + 1))
            if number == 0:
                change = photos.attach(session, sample_actor, saved.document.story_id,
                                       prepared, caption="A caption", credit="A credit")
                assert change.placement is not None
                stories.edit(session, sample_actor, saved.document.story_id,
                             body=f"{body}\n![[photo:{change.placement.id[:8]}]]\n\nAfter.\n")
    return sample_store


def _export(store: Store, tmp_path: Path, out: str, *, cache: str, workers: int,
            size: int = 3, point: str = "") -> tuple[int, str, Counter[str]]:
    """Run one export in a process of its own: exit code, output, bodies rendered."""
    log = tmp_path / f"{out}.renders"
    log.touch()
    result = subprocess.run(
        [sys.executable, "-c", EXPORT, str(store.url.database), str(tmp_path / out),
         cache if cache == "-" else str(tmp_path / cache), str(workers), str(size), str(log),
         point, AS_OF.isoformat()],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONHASHSEED": "0"})
    assert result.returncode in (0, 3), result.stderr
    return result.returncode, result.stdout.strip(), Counter(log.read_text().split())


def test_cold_warm_forked_and_single_process_give_the_same_bytes(
        feature_store: Store, tmp_path: Path) -> None:
    code, out, single = _export(feature_store, tmp_path, "single", cache="-", workers=1)
    assert code == 0 and out.count(BEYOND) == 1
    reference = tree_bytes(tmp_path / "single")
    page = next(data for path, data in reference.items() if "feature-story-0" in path
                and path.endswith(".html"))
    assert b"<figure" in page and b"A caption" in page  # the figure rendered
    everything = b"".join(reference.values())
    assert b"alert(1)" not in everything and b"onclick" not in everything  # sanitised
    assert b"<kbd>Ctrl</kbd>" in everything and b'class="footnote' in everything

    code, out, cold = _export(feature_store, tmp_path, "cold", cache="cache", workers=2)
    assert code == 0 and out.count(BEYOND) == 1  # told by the worker that rendered it
    assert tree_bytes(tmp_path / "cold") == reference
    # Each body rendered once, although pages and feeds showing it were spread over
    # workers (three files a slice).
    assert max(cold.values()) == 1 and set(cold) == set(single)

    code, _out, warm = _export(feature_store, tmp_path, "warm", cache="cache", workers=2)
    assert code == 0 and warm == Counter()  # every body from the cache
    assert tree_bytes(tmp_path / "warm") == reference


def test_jobs_1_on_the_command_line_gives_the_same_bytes(feature_store: Store,
                                                         tmp_path: Path) -> None:
    code, _out, _renders = _export(feature_store, tmp_path, "forked", cache="-", workers=2)
    assert code == 0
    subprocess.run(
        [sys.executable, "-m", "cms.cli", "--store", str(feature_store.url.database), "export",
         "--out", str(tmp_path / "cli"), "--as-of", AS_OF.isoformat(), "--jobs", "1",
         "--no-cache", "--quiet"], check=True, capture_output=True, timeout=300)
    assert tree_bytes(tmp_path / "cli") == tree_bytes(tmp_path / "forked")
    refused = subprocess.run(
        [sys.executable, "-m", "cms.cli", "--store", str(feature_store.url.database), "export",
         "--out", str(tmp_path / "none"), "--jobs", "0"], capture_output=True, text=True,
        timeout=300)
    assert refused.returncode != 0 and "--jobs" in refused.stderr
    assert not (tmp_path / "none").exists()


def test_a_worker_killed_mid_export_leaves_the_old_bundle(feature_store: Store,
                                                          sample_actor: Actor,
                                                          tmp_path: Path) -> None:
    code, _out, _renders = _export(feature_store, tmp_path, "site", cache="cache", workers=2)
    assert code == 0
    before = tree_bytes(tmp_path / "site")
    with feature_store.session() as session:
        listed = stories.list_stories(session, limit=1, sort="publish_at")[0]
        stories.edit(session, sample_actor, listed.id, headline="Edited after the export")

    code, out, _renders = _export(feature_store, tmp_path, "site", cache="cache", workers=2,
                                  point="kill a worker")
    assert code == 3 and "page worker ended" in out and "nothing was changed" in out
    assert tree_bytes(tmp_path / "site") == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []

    code, _out, _renders = _export(feature_store, tmp_path, "site", cache="cache", workers=2)
    assert code == 0
    after = tree_bytes(tmp_path / "site")
    assert any(b"Edited after the export" in data for data in after.values())
