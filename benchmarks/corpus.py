"""A deterministic news corpus with a Zipf-like vocabulary, for benchmarks.

The same seed always gives the same stories, so figures are comparable from
run to run. Words are drawn from a ranked vocabulary with probability ~ 1/rank,
as in real text: a few words are everywhere, most are rare.
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

NEWS_WORDS = (
    "the", "of", "and", "to", "in", "a", "said", "government", "minister", "police", "court",
    "election", "president", "city", "war", "market", "people", "year", "report", "officials",
    "military", "north", "south", "border", "drone", "missile", "parliament", "vote",
    "impeachment", "protest", "economy", "bank", "inflation", "energy", "climate", "storm",
    "flood", "school", "hospital", "health", "vaccine", "trade", "tariff", "china", "russia",
    "ukraine", "korea", "japan", "europe", "america", "union", "strike", "workers", "budget",
    "tax", "housing", "rent", "transport", "rail", "airport", "football", "league", "season",
    "coach", "festival", "museum", "theatre", "film", "music", "award", "scientist", "study",
    "space", "satellite", "ocean", "forest", "fire", "rescue", "village", "farmers", "harvest",
    "water", "drought", "embargo", "treaty", "summit", "talks", "ceasefire", "refugees", "aid",
    "investigation", "trial", "verdict", "appeal", "senator",
)
SECTIONS = ("politics", "world", "business", "science", "sport", "culture", "north-korea", "local")
FIRST = ("Min-jun", "Ji-woo", "Anna", "Tom", "Priya", "Carlos", "Lena", "Kenji", "Amara", "Olu")
LAST = ("Kim", "Park", "Schmidt", "Rossi", "Okafor", "Nguyen", "Silva", "Dubois", "Sato", "Lee")
SYLLABLES = (
    "ka",
    "ro",
    "mi",
    "tan",
    "sel",
    "vo",
    "du",
    "lin",
    "gar",
    "pe",
    "zu",
    "bri",
    "ost",
    "nel",
    "fa",
    "qui",
    "hem",
    "ja",
    "lor",
    "ux",
)


def _vocabulary(size: int, rng: random.Random) -> list[str]:
    words = list(NEWS_WORDS)
    seen = set(words)
    for length in itertools.count(2):
        for combo in itertools.product(SYLLABLES, repeat=length):
            word = "".join(combo)
            if word not in seen:
                seen.add(word)
                words.append(word)
            if len(words) >= size:
                tail = words[len(NEWS_WORDS) :]
                rng.shuffle(tail)
                return words[: len(NEWS_WORDS)] + tail
    raise AssertionError("unreachable")


class Zipf:
    """Draws words with probability proportional to 1 / rank ** exponent."""

    def __init__(self, words: list[str], exponent: float, rng: random.Random) -> None:
        self.words = words
        self.rng = rng
        weights = [1.0 / (rank**exponent) for rank in range(1, len(words) + 1)]
        self.cumulative = list(itertools.accumulate(weights))

    def word(self) -> str:
        point = self.rng.random() * self.cumulative[-1]
        return self.words[bisect.bisect_left(self.cumulative, point)]

    def words_(self, count: int) -> list[str]:
        return [self.word() for _ in range(count)]


@dataclass(frozen=True)
class CorpusStory:
    """One generated story."""

    key: str
    story_id: str
    slug: str
    headline: str
    standfirst: str
    body: str
    byline: str
    section: str
    tags: tuple[str, ...]
    published_at: datetime
    related: tuple[int, ...]  # indexes of other stories


class Corpus:
    """A reproducible stream of stories."""

    namespace = uuid.UUID("3e1f5b7c-9a0d-4c2e-8b6f-0a1d2c3e4f50")

    def __init__(self, seed: int = 2024, vocabulary: int = 50_000) -> None:
        self.seed = seed
        rng = random.Random(seed)
        self.vocabulary = _vocabulary(vocabulary, rng)
        self.zipf = Zipf(self.vocabulary, 1.07, rng)
        self.rng = rng

    def _sentence(self, low: int, high: int) -> str:
        words = self.zipf.words_(self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def stories(self, count: int) -> Iterator[CorpusStory]:
        start = datetime(2015, 1, 1, tzinfo=UTC)
        for index in range(count):
            headline_words = self.zipf.words_(self.rng.randint(6, 11))
            headline = " ".join(headline_words).capitalize()
            paragraphs = [
                " ".join(self._sentence(8, 24) for _ in range(self.rng.randint(2, 5)))
                for _ in range(self.rng.randint(4, 10))
            ]
            slug = f"{'-'.join(headline_words[:6])}-{index}"
            yield CorpusStory(
                key=f"s{index}",
                story_id=str(uuid.uuid5(self.namespace, f"{self.seed}/{index}")),
                slug=slug[:80].strip("-"),
                headline=headline,
                standfirst=self._sentence(14, 28),
                body="\n\n".join(paragraphs) + "\n",
                byline=f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}",
                section=self.rng.choice(SECTIONS),
                tags=tuple(sorted({self.zipf.word() for _ in range(self.rng.randint(1, 4))})),
                published_at=start + timedelta(minutes=37 * index + self.rng.randint(0, 30)),
                related=tuple(
                    self.rng.randrange(index) for _ in range(min(index, self.rng.randint(0, 3)))
                ),
            )

    def queries(self, count: int) -> list[str]:
        """Search queries: frequent and rare words, pairs, phrases and prefixes."""
        rng = random.Random(self.seed + 1)
        queries = []
        for index in range(count):
            kind = index % 5
            if kind == 0:
                queries.append(self.vocabulary[rng.randint(0, 200)])
            elif kind == 1:
                queries.append(self.vocabulary[rng.randint(200, 20_000)])
            elif kind == 2:
                queries.append(
                    f"{self.vocabulary[rng.randint(0, 2000)]} "
                    f"{self.vocabulary[rng.randint(0, 2000)]}"
                )
            elif kind == 3:
                queries.append(
                    f'"{self.vocabulary[rng.randint(0, 50)]} {self.vocabulary[rng.randint(0, 50)]}"'
                )
            else:
                queries.append(self.vocabulary[rng.randint(50, 5000)])
        return queries


def write_markdown_tree(folder: Path, count: int, seed: int = 2024) -> list[Path]:
    """Write ``count`` stories as Pelican Markdown files (``Key: value`` headers)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for story in Corpus(seed).stories(count):
        section_dir = folder / story.section
        section_dir.mkdir(exist_ok=True)
        path = section_dir / f"{story.slug}.md"
        path.write_text(
            f"Title: {story.headline}\n"
            f"Date: {story.published_at:%Y-%m-%d %H:%M}\n"
            f"Category: {story.section}\n"
            f"Tags: {', '.join(story.tags)}\n"
            f"Slug: {story.slug}\n"
            f"Authors: {story.byline}\n"
            f"Summary: {story.standfirst}\n\n"
            f"{story.body}",
            encoding="utf-8",
        )
        paths.append(path)
    return paths
