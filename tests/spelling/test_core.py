"""The spelling core: what is prose, what is checked, and the desk's and a person's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from cms.config import get_setting, set_setting
from cms.errors import PermissionDenied, UsageError
from cms.people import Actor, actor_for
from cms.spelling import (
    SpellChecker,
    carry_spans,
    clean_word_list,
    dictionary_for,
    markdown_words,
)
from cms.spelling_words import (
    add_desk_word,
    add_personal_word,
    check_fields,
    checker_for,
    desk_words,
    may_change_desk_words,
    personal_words,
    remove_desk_word,
    remove_personal_word,
)
from cms.store import Store

SAMPLE = """\
Teh goat crossed the DMZ, said [the JCS](https://exampel.org/jcs-statment "Statment").

See `recieve_all()` and <span class="wrongg">this</span> at https://www.exampel.com/fooo or
www.badurl.org/xyzzy, or write to desk@newsroomm.example &amp; 3rd 2024ish.

```python
def badd_codee(): pass
```

    indentted code line

President Yoon Suk Yeol and Prime Minister Han Duck-soo met the JCS chief.
대통령은 서울에서 don't it’s well-known Seoul.
"""


def words(text: str) -> list[str]:
    return [word.text for word in markdown_words(text)]


def test_code_urls_tags_and_link_targets_are_not_prose() -> None:
    found = words(SAMPLE)
    for skipped in ("statment", "Statment", "recieve_all", "recieve", "wrongg", "exampel",
                    "fooo", "badurl", "xyzzy", "newsroomm", "amp", "badd", "codee",
                    "indentted", "ish", "rd"):
        assert skipped not in found, skipped
    for kept in ("Teh", "goat", "JCS", "this", "Duck-soo", "don't", "it’s", "대통령은"):
        assert kept in found, kept


def test_offsets_point_at_the_word() -> None:
    for word in markdown_words(SAMPLE):
        assert SAMPLE[word.start:word.end] == word.text


def test_misspellings_in_the_desk_language_with_desk_words_accepted() -> None:
    checker = SpellChecker("en", ["Yoon Suk Yeol", "Han Duck-soo", "JCS"])
    assert [w.text for w in checker.misspelled(SAMPLE)] == ["Teh"]
    assert "The" in checker.suggest("Teh")
    bare = SpellChecker("en")
    flagged = {w.text for w in bare.misspelled(SAMPLE)}
    assert {"Teh", "Duck-soo"} <= flagged


def test_korean_text_is_not_flagged() -> None:
    # No Korean dictionary ships: Hangul words are left alone, Latin words checked in English.
    assert dictionary_for("ko") is None
    checker = SpellChecker("ko")
    text = "윤석열 대통령은 12월 3일 서울에서 비상계엄을 선포했다. Teh JCS said"
    assert [w.text for w in checker.misspelled(text)] == ["Teh"]
    # An English desk quoting Korean words leaves them alone too.
    assert SpellChecker("en").misspelled("대퉁령은 the goat") == []


def test_language_tags_pick_a_dictionary() -> None:
    assert dictionary_for("en") == "en_US"
    assert dictionary_for("en-US") == "en_US"
    assert dictionary_for("en-GB") == "en_US"  # any English dictionary serves
    assert dictionary_for("pt-BR") is None


def test_accepted_entries_cover_case_forms_and_cache_answers() -> None:
    checker = SpellChecker("en")
    assert not checker.check("Sejong")
    checker.accept(["Sejong"])
    assert checker.check("Sejong") and checker.check("SEJONG")
    assert not checker.check("Sejongg")


def test_word_lists_are_cleaned_and_bad_entries_refused() -> None:
    assert clean_word_list("JCS,  Han  Duck-soo\nYoon Suk Yeol, JCS") == \
        "Han Duck-soo, JCS, Yoon Suk Yeol"
    with pytest.raises(UsageError, match="no letters"):
        clean_word_list("1234")
    with pytest.raises(UsageError, match="at most 64"):
        clean_word_list("x" * 65)
    with pytest.raises(UsageError):
        clean_word_list("bad\x07word")


def test_desk_dictionary_is_a_desk_setting_only_chiefs_change(sqlite_store: Store) -> None:
    with sqlite_store.session() as session:
        chief = actor_for(session, "tester", sqlite_store.replica_id)  # first person: admin
        assert may_change_desk_words(session, chief)
        assert add_desk_word(session, chief, " Han   Duck-soo ") == ["Han Duck-soo"]
        assert add_desk_word(session, chief, "JCS") == ["Han Duck-soo", "JCS"]
        reporter = Actor(username="rita", role="reporter", replica_id=sqlite_store.replica_id)
        assert not may_change_desk_words(session, reporter)
        with pytest.raises(PermissionDenied):
            add_desk_word(session, reporter, "Sejong")
    with sqlite_store.session() as session:
        assert get_setting(session, "desk_dictionary") == "Han Duck-soo, JCS"
        assert remove_desk_word(session, chief, "JCS") == ["Han Duck-soo"]
        with pytest.raises(UsageError, match="not in the desk dictionary"):
            remove_desk_word(session, chief, "JCS")


def test_personal_words_live_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "config" / "dictionary.txt"
    assert personal_words(path) == []
    assert add_personal_word("Sejong", path) == ["Sejong"]
    assert add_personal_word("Sejong", path) == ["Sejong"]
    assert path.read_text(encoding="utf-8") == "Sejong\n"
    assert remove_personal_word("Sejong", path) == []
    with pytest.raises(UsageError):
        remove_personal_word("Sejong", path)


def test_a_checker_for_the_store_uses_its_language_and_both_lists(
        sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "mine.txt"
    add_personal_word("Sejongro", path)
    with sqlite_store.session() as session:
        set_setting(session, "language", "ko", username="tester")
        set_setting(session, "desk_dictionary", "Han Duck-soo", username="tester")
        checker = checker_for(session, path)
        assert desk_words(session) == ["Han Duck-soo"]
    found = check_fields(checker, {"headline": "Han Duck-soo visits Sejongro",
                                   "body": "서울\n\nThe goatt ate `codee`."})
    assert [(f.field, f.line, f.column, f.word) for f in found] == [("body", 3, 5, "goatt")]
    assert "goat" in found[0].suggestions


def test_underlines_carried_over_an_edit_until_checked() -> None:
    old = "Teh goatt ate the fense"
    spans = ((0, 3), (4, 9), (18, 23))
    # Typing inside "ate" keeps the words around it, the later one moved along.
    assert carry_spans(old, spans, "Teh goatt atte the fense") == ((0, 3), (4, 9), (19, 24))
    # Typing at the end of "goatt" drops its underline until it is checked again.
    assert carry_spans(old, spans, "Teh goattx ate the fense") == ((0, 3), (19, 24))
    assert carry_spans(old, spans, old) == spans
    assert carry_spans(old, spans, "") == ()
