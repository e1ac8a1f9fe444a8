"""``newsroom photo …``: attach, list, edit, reorder, replace and remove a story's photos."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cms import photos, stories
from cms.cli.context import Context, print_json
from cms.errors import PermissionDenied, UsageError
from cms.fs import display_name
from cms.media import BadMetadata


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    photo = commands.add_parser("photo", help="attach and edit a story's photos")
    sub = photo.add_subparsers(dest="photo_command", metavar="ACTION", required=True)

    p = sub.add_parser("add", help="attach photo files to a story (one new revision each)")
    p.add_argument("story", metavar="STORY")
    p.add_argument("files", metavar="FILE", nargs="+", help="JPEG, PNG, WebP, GIF or TIFF")
    _word_options(p)
    p.add_argument("--lead", action="store_true", help="make it the story's lead photo")
    p.add_argument("--ignore-bad-metadata", action="store_true",
                   help="attach a photo whose IPTC/XMP/EXIF cannot be read, without it")
    p.set_defaults(handler=cmd_add)

    p = sub.add_parser("list", help="list a story's photos")
    p.add_argument("story", metavar="STORY")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_list)

    p = sub.add_parser("edit", help="change a photo's caption, credit, alt text or role")
    p.add_argument("story", metavar="STORY")
    p.add_argument("photo", metavar="PHOTO", help="number, or start of its id or SHA-256")
    _word_options(p)
    p.add_argument("--role", choices=("lead", "inline"))
    p.set_defaults(handler=cmd_edit)

    p = sub.add_parser("move", help="move a photo to another position")
    p.add_argument("story", metavar="STORY")
    p.add_argument("photo", metavar="PHOTO")
    p.add_argument("position", metavar="POSITION", type=int, help="1 for first")
    p.set_defaults(handler=cmd_move)

    p = sub.add_parser("replace", help="swap a photo's file, keeping its words and place")
    p.add_argument("story", metavar="STORY")
    p.add_argument("photo", metavar="PHOTO")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--ignore-bad-metadata", action="store_true")
    p.set_defaults(handler=cmd_replace)

    p = sub.add_parser("remove", help="take a photo off a story")
    p.add_argument("story", metavar="STORY")
    p.add_argument("photo", metavar="SHA256", help="start of its SHA-256 or id, or its number")
    p.set_defaults(handler=cmd_remove)

    p = sub.add_parser("prune", help="delete stored photos that no revision uses any more")
    p.add_argument("--dry-run", action="store_true", help="only list them")
    p.set_defaults(handler=cmd_prune)

    p = sub.add_parser("check", help="list what keeps the story's photos from being ready")
    p.add_argument("story", metavar="STORY")
    p.set_defaults(handler=cmd_check)


def _word_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--caption", help="caption (default: from the file's IPTC/XMP)")
    p.add_argument("--credit", help="credit line (default: from the file's IPTC/XMP)")
    p.add_argument("--alt", help="alt text describing the picture for blind readers")


def _prepare(name: str, ignore_bad_metadata: bool) -> photos.PreparedPhoto:
    try:
        return photos.prepare_file(Path(name), ignore_bad_metadata=ignore_bad_metadata)
    except BadMetadata as exc:
        raise BadMetadata(f"{exc} (--ignore-bad-metadata)") from None


def _note(text: str) -> None:
    print(f"newsroom: {text}", file=sys.stderr)


def cmd_add(args: argparse.Namespace, ctx: Context) -> int:
    if args.lead and len(args.files) > 1:
        raise UsageError("--lead with several files: attach the lead photo on its own")
    # Verify every file before touching the store: one bad file attaches nothing.
    prepared = [_prepare(name, args.ignore_bad_metadata) for name in args.files]
    with ctx.acting() as (session, actor):
        changes = [
            photos.attach(session, actor, args.story, photo, caption=args.caption,
                          credit=args.credit, alt=args.alt, lead=args.lead)
            for photo in prepared
        ]
    for photo, change in zip(prepared, changes, strict=True):
        placed = change.placement
        assert placed is not None
        for note in change.notes:
            _note(note)
        missing = photos.placement_problems(placed)
        if missing:
            _note(f"{display_name(photo.info.name)}: no {' and no '.join(missing)} yet")
        print(f"{placed.sha256}  {placed.id}  {photo.info.width}x{photo.info.height}  "
              f"{display_name(photo.info.name)}")
    return 0


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        document, _ = stories.get(session, args.story)
        rows = photos.placements_json(session, document)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("no photos")
    for row in rows:
        flags = f"  [no {', no '.join(row['missing'])}]" if row["missing"] else ""
        print(f"{row['number']}. {row['sha256'][:12]}  {row['role']:<6}  "
              f"{row['width']}x{row['height']}  {row['figure']}{flags}")
        if row["caption"]:
            print(f"   {row['caption']}")
        if row["credit"]:
            print(f"   Credit: {row['credit']}")
        if row["alt"]:
            print(f"   Alt: {row['alt']}")
    return 0


def cmd_edit(args: argparse.Namespace, ctx: Context) -> int:
    if all(getattr(args, k) is None for k in ("caption", "credit", "alt", "role")):
        raise UsageError("nothing to change: give --caption, --credit, --alt or --role")
    with ctx.acting() as (session, actor):
        change = photos.update(session, actor, args.story, args.photo, caption=args.caption,
                               credit=args.credit, alt=args.alt, role=args.role)
    print(change.revision_id)
    return 0


def cmd_move(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        change = photos.move(session, actor, args.story, args.photo, args.position)
    print(change.revision_id)
    return 0


def cmd_replace(args: argparse.Namespace, ctx: Context) -> int:
    prepared = _prepare(args.file, args.ignore_bad_metadata)
    with ctx.acting() as (session, actor):
        change = photos.replace(session, actor, args.story, args.photo, prepared)
    print(change.revision_id)
    return 0


def cmd_remove(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        change = photos.remove(session, actor, args.story, args.photo)
    for note in change.notes:
        _note(note)
    print(change.revision_id)
    return 0


def cmd_check(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        document, _ = stories.get(session, args.story)
    problems = photos.photo_problems(document)
    for problem in problems:
        print(problem)
    if not problems:
        print("photos ready")
    return 1 if problems else 0


def cmd_prune(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.acting() as (session, actor):
        if actor.role != "admin":
            raise PermissionDenied("only an admin may prune stored photos")
        gone = photos.delete_unreferenced_blobs(session, dry_run=args.dry_run)
    for digest in gone:
        print(digest)
    verb = "would delete" if args.dry_run else "deleted"
    _note(f"{verb} {len(gone)} unused photo{'s' if len(gone) != 1 else ''}")
    return 0
