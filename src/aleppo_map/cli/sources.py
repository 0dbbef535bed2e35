"""``sources``: the source registry: list it, or add a text of one's own."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aleppo_map.cli import _options as opt

NAME = "sources"


def add_parser(sub: Any) -> None:
    """Register the command and its subcommands ``list`` and ``add``.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    p = sub.add_parser(
        NAME, help="list the registered source texts, or register one of your own",
        description="The registry (seeds/sources.csv) records each source text by file name, "
                    "checksum and line count, with where to read it. 'add' registers a text "
                    "of your own in a registry of your own, so that rows citing it validate "
                    "like the shipped ones (pass --registry to the other commands).")
    inner = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    ls = inner.add_parser("list", help="print the sources: id, rank, publisher, title, link")
    ls.add_argument("--registry", type=Path, metavar="F",
                    help="registry CSV (default: the embedded seeds/sources.csv)")
    ls.set_defaults(func=run_list)

    add = inner.add_parser(
        "add", help="register a text: checksum and line count, written atomically",
        description="Append a row for FILE to the registry F (atomically; nothing else is "
                    "written). Keep FILE in the folder you pass to --seeds, beside the texts "
                    "of the other sources; cite it from a control table by --id and line.")
    add.add_argument("file", type=Path, metavar="FILE", help="the UTF-8 text to register")
    add.add_argument("--registry", type=Path, metavar="F", required=True,
                     help="the registry to extend (a copy of seeds/sources.csv, or your own); "
                          "the embedded one is never changed by this command")
    add.add_argument("--id", dest="source_id", required=True, metavar="ID",
                     help="new source id, a lowercase slug such as my-report")
    add.add_argument("--title", required=True, help="the text's title")
    add.add_argument("--url", default="", help="canonical address (http or https)")
    add.add_argument("--published", required=True, metavar="D", help="publication date YYYY-MM-DD")
    add.add_argument("--publisher", default="publisher not stated",
                     help="who published it (default: 'publisher not stated', which needs --note)")
    add.add_argument("--kind", default="news", choices=("news", "encyclopedia"))
    add.add_argument("--rank", type=opt.bounded_int(1, 1000), metavar="N",
                     help="precedence for the same-day rule, 1 first (default: after the others)")
    add.add_argument("--revision", default="", help="version read (e.g. a revision date or id)")
    add.add_argument("--accessed", metavar="D", help="day read, YYYY-MM-DD (default: today)")
    add.add_argument("--archive-url", default="", help="address of an archived copy")
    add.add_argument("--note", default="", help="how the facts above were established")
    opt.add_quiet(add)
    add.set_defaults(func=run_add)


def run_list(args: argparse.Namespace) -> int:
    """Print one block per registered source.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    from aleppo_map.sources import load_registry, quote_title

    reg = load_registry(args.registry)
    for sid in reg.ids:
        rec = reg.frame.loc[sid]
        print(f"{sid}  rank {reg.rank(sid)}  {rec['publisher']}, "
              f"{quote_title(str(rec['title']))} ({rec['published']})")
        print(f"    file {rec['file']}, sha256 {str(rec['sha256'])[:12]}…")
        print(f"    {reg.link_line(sid)}")
    return 0


def run_add(args: argparse.Namespace) -> int:
    """Register FILE in the registry given by ``--registry``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    from aleppo_map.sources.add import add_source

    row = add_source(
        args.registry, args.file, source_id=args.source_id, title=args.title, url=args.url,
        published=args.published, publisher=args.publisher, kind=args.kind, rank=args.rank,
        revision=args.revision, accessed=args.accessed, archive_url=args.archive_url,
        note=args.note,
    )
    opt.say(args, f"registered {row['source_id']!r} in {args.registry}: {row['file']}, "
                  f"{row['lines']} lines, sha256 {row['sha256'][:12]}…, rank {row['rank']}")
    print(row["source_id"])
    return 0
