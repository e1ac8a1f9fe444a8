"""``newsroom spell check`` and ``newsroom dictionary add|remove|list``: spelling from the shell."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from cms import stories
from cms.cli.context import Context, print_json
from cms.spelling_words import (
    add_desk_word,
    add_personal_word,
    check_fields,
    checker_for,
    desk_words,
    personal_words,
    remove_desk_word,
    remove_personal_word,
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    spell = commands.add_parser("spell", help="check a story's spelling")
    sub = spell.add_subparsers(dest="spell_command", metavar="ACTION", required=True)
    p = sub.add_parser("check", help="list the misspelled words of a story (exit 1 if any)")
    p.add_argument("story", metavar="STORY")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-suggestions", action="store_true", help="faster: words only")
    p.set_defaults(handler=cmd_check)

    words = commands.add_parser("dictionary", help="words the spellcheck accepts")
    sub = words.add_subparsers(dest="dictionary_command", metavar="ACTION", required=True)
    for action, handler, text in (("add", cmd_add, "accept a word or name"),
                                  ("remove", cmd_remove, "stop accepting a word")):
        p = sub.add_parser(action, help=text)
        p.add_argument("word", metavar="WORD")
        p.add_argument("--desk", action="store_true",
                       help="the desk dictionary, shared by sync (desk chiefs and above)")
        p.set_defaults(handler=handler)
    p = sub.add_parser("list", help="print the desk's and your own words")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)


def cmd_check(args: argparse.Namespace, ctx: Context) -> int:
    story_id = ctx.story_here(args.story)
    with ctx.store().reading() as session:
        document, _ = stories.get(session, story_id)
        checker = checker_for(session, language=document.language)
    findings = check_fields(checker, {"headline": document.headline,
                                      "standfirst": document.standfirst,
                                      "body": document.body},
                            suggestions=not args.no_suggestions)
    if args.json:
        print_json([asdict(finding) for finding in findings])
    else:
        for f in findings:
            hint = f" → {', '.join(f.suggestions)}" if f.suggestions else ""
            print(f"{f.field}:{f.line}:{f.column}: {f.word}{hint}")
        language = checker.dictionary or f"{checker.language} (no dictionary: English words only)"
        print(f"{len(findings)} misspelled word{'s' if len(findings) != 1 else ''} "
              f"({language})")
    return 1 if findings else 0


def cmd_add(args: argparse.Namespace, ctx: Context) -> int:
    if args.desk:
        with ctx.acting() as (session, actor):
            add_desk_word(session, actor, args.word)
        print(f"added {' '.join(args.word.split())!r} to the desk dictionary")
    else:
        add_personal_word(args.word)
        print(f"added {' '.join(args.word.split())!r} to your dictionary")
    return 0


def cmd_remove(args: argparse.Namespace, ctx: Context) -> int:
    if args.desk:
        with ctx.acting() as (session, actor):
            remove_desk_word(session, actor, args.word)
        print(f"removed {' '.join(args.word.split())!r} from the desk dictionary")
    else:
        remove_personal_word(args.word)
        print(f"removed {' '.join(args.word.split())!r} from your dictionary")
    return 0


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    with ctx.store().reading() as session:
        desk = desk_words(session)
    mine = personal_words()
    if args.json:
        print_json({"desk": desk, "personal": mine})
    else:
        for word in desk:
            print(f"desk      {word}")
        for word in mine:
            print(f"personal  {word}")
    return 0
