"""Foundation figures: import, save, open, and full-text search at 10k and 100k stories."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.corpus import Corpus, write_markdown_tree
from benchmarks.stores import corpus_store, scratch_copy
from benchmarks.timing import median, ms, percentile, timed
from cms import stories
from cms.importers import import_tree
from cms.people import actor_for
from cms.search import search
from cms.store import Store


def _import(count: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "content"
        write_markdown_tree(folder, count)
        store = Store.open(str(Path(tmp) / "import.db"), create=True)
        with store.session() as session:
            actor = actor_for(session, "bench", store.replica_id)
        seconds = timed(lambda: import_tree(store, actor, folder))
        store.close()
    return seconds


def _search_figures(store: Store, queries: list[str]) -> tuple[float, float]:
    with store.reading() as session:
        for query in queries[:10]:  # warm the page cache
            search(session, query, limit=20)
        times = [timed(lambda q=q: search(session, q, limit=20)) for q in queries]
    return median(times), percentile(times, 0.95)


def _save_and_open(store: Store, samples: int) -> tuple[float, float]:
    with store.reading() as session:
        ids = [row.id for row in stories.list_stories(session, limit=samples)]
    with store.session() as session:
        actor = actor_for(session, "bench", store.replica_id)
    saves, opens = [], []
    for n, story_id in enumerate(ids):
        def save(story_id: str = story_id, n: int = n) -> None:
            with store.session() as session:
                doc, head = stories.get(session, story_id)
                stories.save(session, actor, doc.evolve(body=doc.body + f"\n\nUpdate {n}."),
                             base_revision=head)

        def open_(story_id: str = story_id) -> None:
            with store.reading() as session:
                stories.get(session, story_id)

        saves.append(timed(save))
        opens.append(timed(open_))
    return median(saves), median(opens)


def run(quick: bool) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    count = 2_000 if quick else 10_000
    rows.append((f"import {count:,} Markdown files", f"{_import(count):.1f} s",
                 "< 15 s for 10,000"))
    queries = Corpus().queries(100 if quick else 200)
    sizes = (10_000,) if quick else (10_000, 100_000)
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store.open(str(scratch_copy(corpus_store(size), Path(tmp))))
            med, p95 = _search_figures(store, queries)
            rows.append((f"search {size:,} stories, median", ms(med), "< 20 ms (100k)"))
            rows.append((f"search {size:,} stories, p95", ms(p95), "< 60 ms (100k)"))
            if size == 10_000:
                save, open_ = _save_and_open(store, 50 if quick else 200)
                rows.append(("save a revision (10k store), median", ms(save), "< 10 ms"))
                rows.append(("open a story (10k store), median", ms(open_), ""))
            store.close()
    return rows
