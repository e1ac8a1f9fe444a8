"""Benchmark stores built once from the corpus and cached under ``bench-data/``."""

from __future__ import annotations

import shutil
from pathlib import Path

from benchmarks.corpus import Corpus
from cms.bulk import create_many
from cms.document import LinkRef, StoryDocument
from cms.people import actor_for
from cms.store import Store

DATA = Path(__file__).resolve().parent.parent / "bench-data"
CHUNK = 5_000


def corpus_store(count: int, seed: int = 2024) -> Path:
    """An SQLite store with ``count`` published corpus stories (built on first use)."""
    path = DATA / f"store-{count}-{seed}.db"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for leftover in DATA.glob(partial.name + "*"):
        leftover.unlink()
    store = Store.open(str(partial), create=True)
    try:
        stories = list(Corpus(seed).stories(count))
        with store.session() as session:
            actor = actor_for(session, "bench", store.replica_id)
        for start in range(0, count, CHUNK):
            with store.session() as session:
                create_many(
                    session,
                    actor,
                    [
                        StoryDocument(
                            story_id=s.story_id, slug=s.slug, headline=s.headline,
                            standfirst=s.standfirst, body=s.body, byline=s.byline,
                            section=s.section, tags=s.tags, status="published",
                            publish_at=s.published_at,
                            related=tuple(
                                LinkRef(id=f"{s.story_id[:24]}{n:012d}",
                                        target_story_id=stories[t].story_id)
                                for n, t in enumerate(s.related)
                            ),
                        )
                        for s in stories[start : start + CHUNK]
                    ],
                )
    finally:
        store.close()  # closing the last connection checkpoints the WAL into the file
    for suffix in ("-wal", "-shm"):
        extra = Path(str(partial) + suffix)
        if extra.exists():
            extra.unlink()
    partial.rename(path)
    return path


def scratch_copy(source: Path, folder: Path) -> Path:
    """A private copy of a cached store, for benchmarks that write."""
    target = folder / source.name
    shutil.copyfile(source, target)
    return target
