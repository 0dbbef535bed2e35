"""``stats``: km² and districts held by each side per day."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aleppo_map.cli import _options as opt

NAME = "stats"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    p = sub.add_parser(NAME, help="km² and districts held by each side, per day")
    opt.add_inputs(p)
    p.add_argument("--format", choices=["csv", "table"], default="table",
                   help="output format (default: table)")
    p.add_argument("--chart", metavar="F", help="also write a stacked-area chart image to F")
    opt.add_overwrite(p, "chart")
    opt.add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print km² and districts held by each side per day; optionally write the chart.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    from aleppo_map.analysis import areas
    from aleppo_map.render import chart

    project = opt.load(args)
    opt.coverage(args, project)
    opt.print_frame(areas.daily_stats(project), args.format)
    if args.chart:
        dest = chart.write_chart(project, Path(args.chart), overwrite=args.overwrite)
        opt.say(args, f"wrote {dest}")
    return 0
