"""``contact-sheet``: small multiples of chosen days on one page."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aleppo_map.cli import _options as opt

NAME = "contact-sheet"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    p = sub.add_parser(NAME, help="small multiples of chosen days on one page")
    opt.add_inputs(p)
    p.add_argument("--out", default="out/contact_sheet.png", metavar="F",
                   help="output PNG or PDF (default: out/contact_sheet.png)")
    p.add_argument("--dates", metavar="D1,D2,...",
                   help="days to show (default: every fourth day plus the busiest days)")
    opt.add_texts(p)
    opt.add_parallel(p)
    opt.add_overwrite(p, "file")
    opt.add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write small multiples of chosen days on one page.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    from aleppo_map.render import sheet

    project = opt.load(args)
    opt.coverage(args, project)
    dates = [d.strip() for d in args.dates.split(",") if d.strip()] if args.dates else None
    dest = sheet.write_contact_sheet(project, Path(args.out), dates=dates, overwrite=args.overwrite,
                                     jobs=args.jobs, scheduler=args.scheduler, quiet=args.quiet,
                                     **opt.texts(args))
    opt.say(args, f"wrote {dest}")
    return 0
