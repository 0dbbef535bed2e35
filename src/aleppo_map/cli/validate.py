"""``validate``: every problem of every input, at once."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from aleppo_map._errors import ValidationError
from aleppo_map.cli import _options as opt

NAME = "validate"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    p = sub.add_parser(NAME, help="check every input and list every problem at once",
                       description="Check the control table, the gazetteer, the geometry and, "
                                   "with --seeds, every citation against the source texts. "
                                   "Exit status 2 when there is any problem.")
    opt.add_inputs(p, dates=False)
    p.add_argument("--seeds", type=Path, metavar="DIR",
                   help="folder holding the source texts named in the battle's sources.csv")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Check every input and print every problem at once.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    from aleppo_map.project import validate_all

    problems = validate_all(
        battle=args.battle, changes=args.changes, districts=args.districts, name_field=args.name_field,
        assume_crs=args.assume_crs, seeds=args.seeds, registry=args.registry,
    )
    if problems:
        raise ValidationError(problems)
    print("ok: no problems found", file=sys.stderr)
    return 0
