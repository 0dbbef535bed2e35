"""``state``: every district's controller and share on one day."""

from __future__ import annotations

import argparse
from typing import Any

from aleppo_map.cli import _options as opt

NAME = "state"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    p = sub.add_parser(NAME, help="every district's controller and share on one day")
    opt.add_inputs(p, geometry=False, dates=False)
    p.add_argument("--date", required=True, metavar="D", help="the day, YYYY-MM-DD")
    p.add_argument("--format", choices=["csv", "table"], default="table",
                   help="output format (default: table)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print every district's controller and share on one day.

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

    project = opt.load(args, with_layer=False)
    opt.print_frame(areas.state_table(project, args.date), args.format)
    return 0
