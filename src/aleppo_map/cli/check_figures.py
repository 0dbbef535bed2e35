"""``check-figures``: the sources' own numbers against the map's."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aleppo_map.cli import _options as opt

NAME = "check-figures"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    p = sub.add_parser(NAME, help="compare the sources' numbers with the map's",
                       description="For every numeric claim in the battle's reported_figures.csv, the "
                                   "value the map computes on that day and a verdict.")
    opt.add_inputs(p)
    p.add_argument("--figures", type=Path, metavar="F",
                   help="a claims table of your own, in the columns of reported_figures.csv "
                        "(default: the battle's)")
    p.add_argument("--format", choices=["csv", "table"], default="table",
                   help="output format (default: table)")
    opt.add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compare the sources' own numbers with what the map computes.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    from aleppo_map.analysis import claims

    project = opt.load(args)
    opt.coverage(args, project)
    table = None
    if args.figures is not None:
        table = claims.load_figures(
            args.figures, source_ids=project.registry.ids,
            district_ids=project.timeline.district_ids, suggest=project.gazetteer.suggest,
            sides=project.battle.side_ids,
        )
    opt.print_frame(claims.printable(claims.check_figures(project, table)), args.format)
    return 0
