"""``cite``: the source line behind a row, or a district's whole history."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aleppo_map.cli import _options as opt

NAME = "cite"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    p = sub.add_parser(NAME, help="print the source line behind a row or a district's history")
    opt.add_inputs(p, geometry=False, dates=False)
    p.add_argument("--seeds", type=Path, required=True, metavar="DIR",
                   help="folder holding the source texts")
    p.add_argument("target", metavar="ROW_OR_DISTRICT",
                   help="a change id (e.g. C0042) or a district name in any spelling")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the cited source line of a row, or a district's whole history.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    from aleppo_map import sources

    project = opt.load(args, with_layer=False)
    print(sources.cite(args.target, project.changes, project.registry, project.gazetteer,
                       Path(args.seeds), timeline=project.timeline,
                       aggregates=project.aggregates))
    return 0
