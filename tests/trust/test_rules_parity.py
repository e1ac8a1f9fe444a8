"""The central store judges exactly as the core does: one rule set, two engines.

Every status pair, every role and every kind of change (content, publication
time, embargo, correction note) is judged by :func:`cms.rules.judge` and by
the secured central's ``newsroom_judge_one`` on the same canonical JSON; the
verdicts, the role needed and the words must be identical.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from cms.document import StoryDocument
from cms.rules import Rules, judge, load_rules
from cms.store import Store
from tests.trust.conftest import SecuredDesk

pytestmark = pytest.mark.pg

KINDS = ("content", "publish_at", "embargo_until", "correction")


def _document(status: str) -> dict[str, Any]:
    return StoryDocument(story_id="s1", slug="tram-line", headline="Tram line",
                         body="The council met.", status=status).canonical()


def _changed(before: dict[str, Any], status: str, kinds: tuple[str, ...]) -> dict[str, Any]:
    after = dict(before, status=status)
    if "content" in kinds:
        after["body"] = "The council voted."
    if "publish_at" in kinds:
        after["publish_at"] = "2027-01-01T09:00:00+00:00"
    if "embargo_until" in kinds:
        after["embargo_until"] = "2027-01-01T08:00:00+00:00"
    if "correction" in kinds:
        after["correction"] = "An earlier version misnamed the council."
    return after


def _verdicts_sql(cursor: Any, cases: list[tuple[int, dict[str, Any] | None, dict[str, Any]]]
                  ) -> list[tuple[str | None, str | None]]:
    """The central's verdicts on every case, in one statement."""
    cursor.execute(
        "SELECT j.message, j.need FROM unnest(%s::int[], %s::text[], %s::text[]) "
        "WITH ORDINALITY AS c(rank, before, after, n), "
        "LATERAL newsroom_judge_one(c.rank, c.before::jsonb, c.after::jsonb) AS j ORDER BY c.n",
        ([rank for rank, _, _ in cases],
         [json.dumps(before) if before is not None else None for _, before, _ in cases],
         [json.dumps(after) for _, _, after in cases]))
    return [(message, need) for message, need in cursor.fetchall()]


def _verdict_py(rules: Rules, role: str, before: dict[str, Any] | None,
                after: dict[str, Any]) -> tuple[str | None, str | None]:
    refusals = judge(rules, role, before, after)
    return (refusals[0].message, refusals[0].need_role) if refusals else (None, None)


def test_every_move_and_change_is_judged_alike(secured: SecuredDesk) -> None:
    store = Store.open(secured.owner_url)
    try:
        with store.reading() as session:
            rules = load_rules(session)
    finally:
        store.close()
    cases: list[tuple[int, dict[str, Any] | None, dict[str, Any]]] = []
    expected: list[tuple[str | None, str | None]] = []
    labels: list[tuple[str, str | None, str, tuple[str, ...]]] = []
    for role in rules.roles:
        for start, goal in itertools.product((None, *rules.statuses), rules.statuses):
            for size in range(len(KINDS) + 1):
                for kinds in itertools.combinations(KINDS, size):
                    before = _document(start) if start is not None else None
                    after = _changed(before or _document("draft"), goal, kinds)
                    cases.append((rules.rank(role), before, after))
                    expected.append(_verdict_py(rules, role, before, after))
                    labels.append((role, start, goal, kinds))
    unknown = _changed(_document("draft"), "archived", ())
    cases.append((rules.rank("admin"), _document("draft"), unknown))
    expected.append(_verdict_py(rules, "admin", _document("draft"), unknown))
    labels.append(("admin", "draft", "archived", ()))
    with secured.connect(None) as conn, conn.cursor() as cursor:
        found = _verdicts_sql(cursor, cases)
    for label, py, sql in zip(labels, expected, found, strict=True):
        assert py == sql, label
    assert len(cases) == len(rules.roles) * (len(rules.statuses) + 1) * len(rules.statuses) \
        * 16 + 1
    assert any(message is None for message, _ in found)  # both allow, both refuse
    assert any(message is not None for message, _ in found)
