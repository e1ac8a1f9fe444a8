"""Spelling: the words of a Markdown story, checked against Hunspell dictionaries.

The engine is Hunspell 1.7 through ``chunspell`` (its wheels carry the library
and an en_US dictionary, so nothing is needed from the system). A story is
checked in its own language, else the desk's: a language without a shipped dictionary has its
words in Latin script checked in English and every other word left alone
(no Korean dictionary installs from PyPI in a usable form: README, "Spelling").

What is not prose is never checked: fenced and indented code, code spans, URLs
and e-mail addresses, link and image targets, HTML tags and entities, and words
with digits. Words the desk accepts (``cms.spelling_words``) and the person's
own list are correct in any case form the dictionary would accept for them.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cms.errors import UsageError

FALLBACK_DICTIONARY = "en_US"
_CACHE_LIMIT = 50_000  # words remembered per checker before the cache starts again

MAX_ENTRY = 64  # characters of one accepted word or name
MAX_ENTRIES = 5_000

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_INDENTED_CODE = re.compile(r"^(?: {4}|\t)")
# Spans that are not prose, replaced by spaces before words are found (offsets stay put).
# Linear in the line: a branch that scans a run of characters starts only where the run
# starts (the lookbehinds), and a link target stops at a parenthesis it does not close,
# so no position rescans what the one before it scanned ("a" * 40_000, "](" * 10_000).
_NOT_PROSE = re.compile(
    r"(?<!`)(`+)(?!`)[^`]*?\1"  # code spans
    r"|\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)"  # link targets: ](url "title")
    r"|^\s{0,3}\[[^\]]+\]:\s*\S+"  # reference definitions: [id]: url
    r"|<[^<>\s][^<>]*>"  # HTML tags and autolinks
    r"|&#?\w+;"  # entities
    r"|\b(?:(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://|www\.)\S+"  # URLs
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # e-mail addresses
    re.IGNORECASE,
)
# A word: letters, marks and digits joined by inner apostrophes or hyphens (don't, Duck-soo);
# those with digits (3rd, 2024ish, F-35) are then left alone.
_WORD = re.compile(r"[^\W_](?:[^\W_]|['’-](?=[^\W_]))*")


@dataclass(frozen=True, slots=True)
class Word:
    """A word of the text: where it starts and ends (character offsets) and its text."""

    start: int
    end: int
    text: str


def _is_latin(word: str) -> bool:
    return all(ord(ch) < 0x250 or 0x1E00 <= ord(ch) <= 0x1EFF or ch in "’" for ch in word)


def line_words(line: str, offset: int = 0) -> Iterator[Word]:
    """The prose words of one line of Markdown outside code blocks."""
    if _NOT_PROSE.search(line):
        line = _NOT_PROSE.sub(lambda m: " " * len(m.group()), line)
    for match in _WORD.finditer(line):
        text = match.group()
        if any(ch.isdigit() for ch in text):
            continue
        yield Word(offset + match.start(), offset + match.end(), text)


def is_code_line(line: str, in_fence: bool) -> tuple[bool, bool]:
    """Whether ``line`` is code, and whether a fence is open after it."""
    if _FENCE.match(line):
        return True, not in_fence
    return in_fence or bool(_INDENTED_CODE.match(line) and line.strip()), in_fence


def markdown_words(text: str) -> Iterator[Word]:
    """Every prose word of a Markdown text, with offsets into ``text``."""
    in_fence = False
    offset = 0
    for line in text.split("\n"):
        code, in_fence = is_code_line(line, in_fence)
        if not code:
            yield from line_words(line, offset)
        offset += len(line) + 1


def clean_entry(entry: str) -> str:
    """One accepted word or name, checked: printable, one line, with a letter, no comma."""
    clean = " ".join(entry.split())
    if not clean or not clean.isprintable() or "," in clean or len(clean) > MAX_ENTRY:
        raise UsageError(f"invalid dictionary word {entry[:MAX_ENTRY]!r}: give a word or name "
                         f"of at most {MAX_ENTRY} characters, without commas")
    if not any(ch.isalpha() for ch in clean):
        raise UsageError(f"invalid dictionary word {clean!r}: it has no letters")
    return clean


def clean_word_list(value: str) -> str:
    """A list of accepted words (comma- or line-separated) as stored: sorted, once each."""
    entries = {clean_entry(part) for part in re.split(r"[,\n]", value) if part.strip()}
    if len(entries) > MAX_ENTRIES:
        raise UsageError(f"the dictionary holds at most {MAX_ENTRIES:,} words")
    return ", ".join(sorted(entries, key=lambda e: (e.casefold(), e)))


def split_word_list(value: str) -> list[str]:
    """The entries of a stored word list."""
    return [part.strip() for part in value.split(",") if part.strip()]


def _common_length(a: str, b: str, limit: int,
                   part: Callable[[str, int, int], str]) -> int:
    """How many characters ``a`` and ``b`` share (from the start or the end: ``part``)."""
    same, step = 0, 64  # whole chunks first: a paragraph is compared in a few steps
    while step:
        while same + step <= limit and part(a, same, step) == part(b, same, step):
            same += step
        step //= 4
    return same


def carry_spans(old: str, spans: Iterable[tuple[int, int]],
                new: str) -> tuple[tuple[int, int], ...]:
    """The spans of ``old`` that still mark the same words in ``new`` (an edit's neighbours).

    A span wholly before the edited part stays, one wholly after it moves with the text,
    and one the edit touches (the word being typed) is dropped until it is checked again.
    """
    if old == new:
        return tuple(spans)
    limit = min(len(old), len(new))
    head = _common_length(old, new, limit, lambda text, i, n: text[i:i + n])
    tail = _common_length(old, new, limit - head,
                          lambda text, i, n: text[len(text) - i - n:len(text) - i])
    shift = len(new) - len(old)
    kept = []
    for start, end in spans:
        if end < head:
            kept.append((start, end))
        elif start > len(old) - tail:
            kept.append((start + shift, end + shift))
    return tuple(kept)


def _dictionary_folder() -> Path:
    import hunspell

    return Path(hunspell.__file__).parent / "dictionaries"


@cache
def available_dictionaries() -> tuple[str, ...]:
    """The dictionaries installed with Newsroom, e.g. ``("en_US",)``."""
    folder = _dictionary_folder()
    return tuple(sorted(path.stem for path in folder.glob("*.dic")
                        if path.with_suffix(".aff").exists()))


def dictionary_for(language: str) -> str | None:
    """The dictionary for a BCP 47 tag (``en``, ``en-GB``, ``ko``), or None if none is shipped.

    A region the desk names is preferred; any dictionary of the language serves.
    """
    parts = language.replace("_", "-").split("-")
    base = parts[0].lower()
    region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), "")
    names = available_dictionaries()
    if f"{base}_{region}" in names:
        return f"{base}_{region}"
    return next((name for name in names if name.split("_")[0].lower() == base), None)


def _load(name: str) -> Any:
    import hunspell

    return hunspell.Hunspell(name, hunspell_data_dir=str(_dictionary_folder()))


def _forms(entry: str) -> set[str]:
    """The words an accepted entry stands for: itself, each part, in the usual case forms."""
    words = {w.text for w in line_words(entry)}
    forms = set()
    for word in words:
        forms |= {word, word.lower(), word.upper(), word[:1].upper() + word[1:]}
    # Either apostrophe, whichever the entry was typed with (Ó’Gráda, Ó'Gráda).
    return forms | {form.translate(_STRAIGHT) for form in forms} | {
        form.translate(_CURLY) for form in forms}


_STRAIGHT = str.maketrans("’", "'")
_CURLY = str.maketrans("'", "’")
_POSSESSIVE = ("'s", "’s", "'S", "’S")


@dataclass(frozen=True)
class Misspelling:
    """A word the checker does not know, with where it is."""

    word: Word
    suggestions: tuple[str, ...] = ()


class SpellChecker:
    """Checks words in one language plus the desk's and the person's accepted words.

    Thread-safe: the engine is used under a lock, and answers and suggestions are cached
    per word.
    """

    def __init__(self, language: str, accepted: Iterable[str] = ()) -> None:
        self.language = language
        self.dictionary = dictionary_for(language)
        self._latin_only = self.dictionary is None
        self._engine = _load(self.dictionary or FALLBACK_DICTIONARY)
        self._lock = threading.Lock()
        self._accepted: set[str] = set()
        self._known: dict[str, bool] = {}
        self._suggestions: dict[str, tuple[str, ...]] = {}  # accepted words never change them
        self.accept(accepted)

    def accept(self, entries: Iterable[str]) -> None:
        """Treat ``entries`` (words or names such as "Han Duck-soo") as correct from now on."""
        with self._lock:
            for entry in entries:
                self._accepted |= _forms(entry)
            self._known.clear()

    def skips(self, word: str) -> bool:
        """True for a word in a script the loaded dictionary cannot judge (e.g. Hangul)."""
        return self._latin_only and not _is_latin(word)

    def check(self, word: str) -> bool:
        """True if ``word`` is spelled correctly (or is not the dictionary's to judge)."""
        known = self._known.get(word)
        if known is not None:
            return known
        with self._lock:
            ok = (self._is_accepted(word) or self.skips(word)
                  or self._engine_knows(word))
            if len(self._known) >= _CACHE_LIMIT:
                self._known.clear()
            self._known[word] = ok
        return ok

    def _is_accepted(self, word: str) -> bool:
        """An accepted word, or its possessive (Duck-soo’s for Duck-soo)."""
        return word in self._accepted or (
            word.endswith(_POSSESSIVE) and word[:-2] in self._accepted)

    def _engine_knows(self, word: str) -> bool:
        if "’" in word:
            word = word.replace("’", "'")
        word = unicodedata.normalize("NFC", word)
        try:
            if bool(self._engine.spell(word)):
                return True
            # Hyphenated compounds are right when every part is (a name's parts may be accepted).
            parts = word.split("-")
            return len(parts) > 1 and all(
                self._is_accepted(part) or bool(self._engine.spell(part)) for part in parts if part)
        except UnicodeEncodeError:
            return True  # letters the dictionary's alphabet lacks: not its word to judge

    def suggest(self, word: str, limit: int = 7) -> tuple[str, ...]:
        """Likely corrections of ``word``, best first (slow: asked of the engine once a word)."""
        with self._lock:
            found = self._suggestions.get(word)
            if found is None:
                try:
                    found = tuple(str(item) for item in
                                  self._engine.suggest(word.replace("’", "'")))
                except UnicodeEncodeError:
                    found = ()
                if len(self._suggestions) >= _CACHE_LIMIT:
                    self._suggestions.clear()
                self._suggestions[word] = found
        return found[:limit]

    def misspelled(self, text: str) -> list[Word]:
        """The misspelled words of a Markdown text (code, URLs and the like skipped)."""
        return [word for word in markdown_words(text) if not self.check(word.text)]

    def misspelled_in_line(self, line: str) -> list[Word]:
        """The misspelled words of one line of prose (the caller knows it is not code)."""
        return [word for word in line_words(line) if not self.check(word.text)]
