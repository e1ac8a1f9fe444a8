"""The words a desk and a person accept, and a story's spelling checked with them.

The desk dictionary is the desk setting ``desk_dictionary`` (:mod:`cms.config`):
it syncs with the other settings, and only those who may change desk settings
(desk chiefs and above) add to it. A person's own list is a text file in their
configuration folder, one word a line, on this computer only.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.atomic import atomic_write
from cms.config import change_setting, get_setting, require_owner
from cms.errors import NewsroomError, UsageError
from cms.models import Setting
from cms.people import Actor
from cms.spelling import SpellChecker, clean_entry, markdown_words, split_word_list
from cms.store import APP_NAME

DESK_SETTING = "desk_dictionary"


def desk_words(session: Session) -> list[str]:
    """The desk dictionary's entries."""
    return split_word_list(get_setting(session, DESK_SETTING))


def may_change_desk_words(session: Session, actor: Actor) -> bool:
    """True if ``actor`` may add to the desk dictionary."""
    try:
        require_owner(session, actor, DESK_SETTING)
    except NewsroomError:
        return False
    return True


def _desk_words_to_change(session: Session) -> list[str]:
    """The desk dictionary, its row locked until the session ends (PostgreSQL).

    Adding is read-modify-write of one setting: without the lock two chiefs adding at
    once on one PostgreSQL store would each write the list without the other's word.
    An SQLite store's writers already take turns (``BEGIN IMMEDIATE``).
    """
    session.execute(sa.select(Setting.key).where(Setting.key == DESK_SETTING).with_for_update())
    return desk_words(session)


def add_desk_word(session: Session, actor: Actor, entry: str) -> list[str]:
    """Add a word or name to the desk dictionary (desk chiefs and above); returns the list."""
    clean = clean_entry(entry)
    words = _desk_words_to_change(session)
    if clean not in words:
        change_setting(session, actor, DESK_SETTING, ", ".join([*words, clean]))
    return desk_words(session)


def remove_desk_word(session: Session, actor: Actor, entry: str) -> list[str]:
    """Take a word out of the desk dictionary; returns the list."""
    words = _desk_words_to_change(session)
    clean = " ".join(entry.split())
    if clean not in words:
        raise UsageError(f"{clean!r} is not in the desk dictionary")
    change_setting(session, actor, DESK_SETTING, ", ".join(w for w in words if w != clean))
    return desk_words(session)


def personal_path() -> Path:
    """The person's own word list on this computer."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "dictionary.txt"


def personal_words(path: Path | None = None) -> list[str]:
    """The person's own accepted words (none if the file does not exist yet)."""
    path = path or personal_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def add_personal_word(entry: str, path: Path | None = None) -> list[str]:
    """Add a word to the person's own list; returns the list."""
    path = path or personal_path()
    words = personal_words(path)
    clean = clean_entry(entry)
    if clean not in words:
        words.append(clean)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, "".join(f"{word}\n" for word in words).encode("utf-8"))
    return words


def remove_personal_word(entry: str, path: Path | None = None) -> list[str]:
    """Take a word out of the person's own list; returns the list."""
    path = path or personal_path()
    words = personal_words(path)
    clean = " ".join(entry.split())
    if clean not in words:
        raise UsageError(f"{clean!r} is not in your dictionary")
    words.remove(clean)
    atomic_write(path, "".join(f"{word}\n" for word in words).encode("utf-8"))
    return words


def desk_language(session: Session) -> str:
    """The desk's language (``settings.language``): stories without their own are in it."""
    return get_setting(session, "language")


def story_language(session: Session, story_language: str) -> str:
    """The language a story is checked in: its own (``StoryDocument.language``), else the desk's."""
    return story_language or desk_language(session)


def checker_for(session: Session, personal: Path | None = None, *,
                language: str = "") -> SpellChecker:
    """A checker in ``language`` (empty: the desk's) accepting the desk's and the person's words."""
    return SpellChecker(story_language(session, language),
                        [*desk_words(session), *personal_words(personal)])


@dataclass(frozen=True)
class Finding:
    """A misspelled word of a story: the field, line and column (from 1), and suggestions."""

    field: str
    line: int
    column: int
    word: str
    suggestions: tuple[str, ...]


def _line_starts(text: str) -> list[int]:
    """Where each line of ``text`` starts (character offsets)."""
    return [0, *(match.end() for match in re.finditer("\n", text))]


def check_fields(checker: SpellChecker, fields: dict[str, str],
                 *, suggestions: bool = True) -> list[Finding]:
    """The misspellings of each named text (headline, standfirst, body).

    A word misspelled many times is looked up once (the checker caches its answers and
    suggestions), and lines are counted once a text, not once a finding.
    """
    found = []
    for name, text in fields.items():
        starts: list[int] | None = None
        for word in markdown_words(text):
            if not checker.check(word.text):
                starts = starts if starts is not None else _line_starts(text)
                line = bisect_right(starts, word.start)
                found.append(Finding(name, line, word.start - starts[line - 1] + 1, word.text,
                                     checker.suggest(word.text) if suggestions else ()))
    return found
