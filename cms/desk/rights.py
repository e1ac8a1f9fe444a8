"""Who may make which desk event: notes are for everyone, decisions for the roles that decide.

- A note or a reply, and proposing an update to a live story: anyone on the desk.
- Resolving or reopening a note: its author, or anyone who may edit a ready story
  (editors and above).
- Assigning someone to a story: editors and above; taking oneself off it: anyone.
- Approving or applying an update: the role that may publish (desk chiefs).
- Discarding an update: its author, or the role that may publish.

The roles come from the workflow tables (:mod:`cms.rules`); a secured central
store applies the same table in its trigger (:mod:`cms.sync.security`).
"""

from __future__ import annotations

from cms.desk.events import Event
from cms.rules import Rules, with_article

EDITING = "ready"  # who may edit a ready story decides about notes and assignments


def refusal(rules: Rules, role: str, who: str, event: Event,
            subject: Event | None) -> tuple[str, str] | None:
    """``(why, role needed)`` when ``who`` (of ``role``) may not make ``event``, else None.

    ``subject`` is the note or update the event is about (None when unknown here).
    """
    editor = rules.role_at(rules.entry_rank(EDITING))
    if event.kind in ("resolve", "reopen"):
        if (subject is None or subject.author != who) and not rules.may(role, editor):
            return (f"only the note's author or {with_article(editor)} may {event.kind} it",
                    editor)
    elif event.kind == "assign" or (event.kind == "unassign" and event.subject != who):
        if not rules.may(role, editor):
            return f"assigning people to stories needs {with_article(editor)}", editor
    elif (event.kind in ("approve", "apply") or (
            event.kind == "discard" and (subject is None or subject.author != who))) \
            and not rules.may(role, rules.publish_role):
        verb = "discarding someone else's update" if event.kind == "discard" else \
            "putting an update live"
        return (f"{verb} needs {with_article(rules.publish_role)}", rules.publish_role)
    return None
