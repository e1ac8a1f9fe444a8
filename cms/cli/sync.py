"""``newsroom sync`` and ``newsroom conflicts``: replication commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from cms.cli.context import Context, print_json, read_text_file
from cms.config import get_setting, window_days
from cms.errors import UsageError
from cms.models import SyncState
from cms.people import acting_actor
from cms.revlog import last_seq
from cms.rules import with_article
from cms.store import Store
from cms.sync.conflicts import (
    ConflictView,
    clashing_paragraphs,
    document_from_file,
    find_conflict,
    list_conflicts,
)
from cms.sync.conflicts import resolve as resolve_conflict
from cms.sync.holding import (
    DEFAULT_WINDOW_DAYS,
    Holding,
    current_holding,
    desk_window,
    switch_holding,
)
from cms.sync.holds import open_holds
from cms.sync.transfer import quarantined
from cms.timeutil import format_local

if TYPE_CHECKING:
    from cms.sync.replication import SyncReport

DOC_FIELDS = ("headline", "standfirst", "byline", "dateline", "section", "tags", "slug",
              "status", "publish_at", "embargo_until", "correction", "language", "deleted")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("sync", help="sync with the desk's central store")
    p.add_argument("--central", metavar="URL",
                   help="central store (default: `newsroom config get central_url`)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    holds = p.add_mutually_exclusive_group()
    holds.add_argument("--window", nargs="?", const="", metavar="DAYS",
                       help="hold only stories of the last DAYS days and ahead, yours, and what "
                       "they link to (a partial copy; default: the desk's sync_window_days, "
                       "else 30); others are fetched when opened")
    holds.add_argument("--full", action="store_true", help="hold every story (a full copy)")
    p.add_argument("--batch-size", type=int, default=500, help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_sync)
    sub = p.add_subparsers(dest="sync_command", metavar="ACTION")
    s = sub.add_parser("status", help="last sync, unsent work and open conflicts")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(handler=cmd_status)

    p = commands.add_parser("conflicts", help="stories edited in two places that need a choice")
    p.add_argument("--json", action="store_true", help="print JSON with both versions in full")
    p.set_defaults(handler=cmd_conflicts)
    sub = p.add_subparsers(dest="conflicts_command", metavar="ACTION")
    r = sub.add_parser("resolve", help="close a conflict by choosing or supplying a version")
    r.add_argument("story", metavar="STORY", help="story id or slug")
    r.add_argument("--take", required=True, metavar="local|central|FILE",
                   help="keep the local version, the central one, or the version in FILE "
                   "(JSON fields as `conflicts --json` prints them, or a plain body)")
    r.set_defaults(handler=cmd_resolve)


def _central_url(args: argparse.Namespace, ctx: Context) -> str:
    if args.central:
        return str(args.central)
    with ctx.store().reading() as session:
        url = get_setting(session, "central_url")
    if not url:
        raise UsageError("no central store configured: pass --central URL or run "
                         "`newsroom config set central_url URL`")
    return url


def _progress(stage: str, done: int, total: int) -> None:
    print(f"\r{stage}: {done}/{total}", end="", file=sys.stderr, flush=True)


def cmd_sync(args: argparse.Namespace, ctx: Context) -> int:
    from cms.sync.replication import sync

    url = _central_url(args, ctx)
    store = ctx.store()
    with store.reading() as session:
        author = acting_actor(session, store.replica_id, args.user).username
    if args.full or args.window is not None:
        _choose_holding(store, args)
    report = sync(store, url, author=author,
                  progress=_progress if sys.stderr.isatty() and not args.json else None,
                  batch_size=max(1, args.batch_size))
    if sys.stderr.isatty() and not args.json:
        print("\r", end="", file=sys.stderr)
    if args.json:
        print_json(report.as_dict())
        return 0
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for line in [*_traffic(report), *_trust(report)]:
        print(line)
    if report.conflicts:
        with store.reading() as session:
            views = {v.story_id: v for v in list_conflicts(session)}
        print(f"  conflicts: {len(report.conflicts)} (resolve with `newsroom conflicts "
              "resolve STORY --take local|central|FILE`)")
        for story_id in report.conflicts:
            view = views.get(story_id)
            if view is not None:
                print(f"    {view.slug}: {', '.join(view.fields)}")
    return 0


def _traffic(report: SyncReport) -> Iterator[str]:
    """What travelled and what was merged."""
    yield f"synced with {report.central} in {report.seconds:.2f} s"
    yield f"  this copy holds {report.holding}"
    if report.fetched_stories:
        yield f"  fetched {report.fetched_stories} whole stories (their every revision)"
    if report.acting_as:
        yield f"  acting as {report.acting_as}"
    yield (f"  sent: {report.pushed_revisions} revisions, {report.pushed_blobs} photos"
           + (f", {report.pushed_events} notes and desk changes" if report.pushed_events else ""))
    yield (f"  received: {report.pulled_revisions} revisions, {report.pulled_blobs} photos"
           + (f", {report.pulled_events} notes and desk changes" if report.pulled_events
              else ""))
    if report.merged:
        yield f"  merged: {len(report.merged)} stories edited in two places"
    if report.relabelled:
        yield f"  {report.relabelled} revisions carried far-future times; they were relabelled"
    if report.waiting:
        yield (f"  waiting: {len(report.waiting)} stories wait for photos or history "
               "not on the central store yet")


def _trust(report: SyncReport) -> Iterator[str]:
    """What the central store refused, what settled, what was kept apart."""
    if report.held:
        needs = sorted({with_article(item["need_role"]) for item in report.held
                        if item["need_role"]})
        count = len({item["story_id"] for item in report.held})
        yield (f"  {count} change{'s' if count != 1 else ''} held"
               + (f": need{'s' if count == 1 else ''} {' or '.join(needs)}" if needs else "")
               + " (kept here; see `newsroom sync status`)")
    if report.settled:
        yield (f"  {len(report.settled)} held change(s) settled: someone with the role made "
               "the move")
    for key in report.settings_refused:
        yield f"  setting {key} kept as the desk has it: your role may not change it"
    if report.quarantined or report.quarantined_on_central:
        yield (f"  quarantined: {len(report.quarantined)} received and "
               f"{report.quarantined_on_central} sent revisions hold values a save would "
               "refuse (kept apart, not shown; see `newsroom sync status`)")
    for line in report.settings_rejected:
        yield f"  setting refused on arrival: {line}"


def _choose_holding(store: Store, args: argparse.Namespace) -> None:
    """``--full`` or ``--window [DAYS]``: what this copy holds from this sync on."""
    with store.session() as session:
        if args.full:
            holding = Holding(full=True)
        else:
            days = (int(window_days(args.window)) if args.window
                    else desk_window(session) or DEFAULT_WINDOW_DAYS)
            holding = Holding(full=False, days=days)
        switch_holding(session, holding)


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.store()
    with store.reading() as session:
        states = list(session.scalars(sa.select(SyncState).order_by(SyncState.central_url)))
        top, _ = last_seq(session)
        conflicts = list_conflicts(session)
        zone = ctx.zone(session)
        configured = get_setting(session, "central_url")
        holds = open_holds(session)
        apart = quarantined(session)
        holding = current_holding(session)
    rows: list[dict[str, Any]] = []
    for state in states:
        report = state.last_report or {}
        rows.append({
            "central": state.central_url,
            "last_success": state.last_success_at.isoformat() if state.last_success_at else None,
            "last_attempt": state.last_attempt_at.isoformat() if state.last_attempt_at else None,
            "last_error": state.last_error or None,
            "unsent_revisions": max(top - state.pushed_seq, 0),
            "received_up_to": state.pull_seq,
            "refilling": state.refill,
            "last_report": report,
        })
    if args.json:
        print_json({"central_url": configured or None, "centrals": rows,
                    "holding": {"full": holding.full,
                                "window_days": None if holding.full else holding.days},
                    "open_conflicts": [c.story_id for c in conflicts],
                    "held": [item.as_json() for item in holds],
                    "quarantined": [item.as_json() for item in apart]})
        return 0
    print(f"central store: {configured or '(not set: newsroom config set central_url URL)'}")
    print(f"this copy holds {holding.describe()}")
    if not states:
        print("never synced")
    for state, row in zip(states, rows, strict=True):
        when = format_local(state.last_success_at, zone) if state.last_success_at else "never"
        print(f"{state.central_url}: last sync {when}; {row['unsent_revisions']} revisions "
              "not sent yet")
        if state.last_error:
            tried = format_local(state.last_attempt_at, zone)
            print(f"  last attempt {tried} failed: {state.last_error}")
    print(f"open conflicts: {len(conflicts)}")
    print(f"quarantined revisions: {len(apart)}")
    for entry in apart:
        print(f"  {entry.revision_id[:12]} of story {entry.story_id[:8]}: {entry.reason}")
    print(f"held changes: {len(holds)}")
    for item in holds:
        need = f" (needs {with_article(item.need_role)})" if item.need_role else ""
        print(f"  {item.slug or item.story_id[:8]}: {item.reason}{need}")
    return 0


def _short(text: str, width: int = 100) -> str:
    """A paragraph wrapped under its label (in full: the difference may be anywhere)."""
    import textwrap

    indent = "\n             "
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    if not paragraphs:
        return "(empty)"
    return (indent + indent).join(
        indent.join(textwrap.wrap(p, width - 13)) for p in paragraphs)


def _version_lines(view: ConflictView) -> list[str]:
    lines = []
    for name in view.fields:
        if name == "body":
            for was, mine, theirs in clashing_paragraphs(view):
                lines.append("  body, the same paragraph changed on both sides:")
                lines.append(f"    was:     {_short(was)}")
                lines.append(f"    local:   {_short(mine)}")
                lines.append(f"    central: {_short(theirs)}")
            continue
        ours = view.local.canonical().get(name) if name != "deleted" else view.local.deleted
        other = view.other.canonical().get(name) if name != "deleted" else view.other.deleted
        lines.append(f"  {name}: local {ours!r} / central {other!r}")
    return lines


def cmd_conflicts(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        views = list_conflicts(session)
    if args.json:
        print_json([view.as_json() for view in views])
        return 0
    if not views:
        print("no open conflicts")
        return 0
    for view in views:
        print(f"{view.slug} ({view.story_id}): {view.headline}")
        for line in _version_lines(view):
            print(line)
    return 0


def cmd_resolve(args: argparse.Namespace, ctx: Context) -> int:
    take = args.take
    with ctx.acting() as (session, actor):
        if take not in ("local", "central"):
            proposal = find_conflict(session, args.story).proposal
            take = document_from_file(read_text_file(take), proposal)
        rev_id = resolve_conflict(session, actor, args.story, take)
    print(f"resolved: revision {rev_id[:12]} (sync to share it)")
    return 0
