"""``resolve``: district ids for names in any spelling."""

from __future__ import annotations

import argparse
from typing import Any

from aleppo_map._errors import Problem, ValidationError
from aleppo_map.cli import _options as opt

NAME = "resolve"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    p = sub.add_parser(NAME, help="map district names to ids",
                       description="Print NAME<TAB>district_id per name; exit 2 if any is unknown.")
    opt.add_battle(p)
    p.add_argument("names", nargs="+", metavar="NAME", help="district names in any spelling")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print ``NAME<TAB>district_id`` for each name.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    from aleppo_map.gazetteer import load_gazetteer

    gaz = load_gazetteer(opt.battle_settings(args).gazetteer_path)
    problems: list[Problem] = []
    for name in args.names:
        found = gaz.lookup(name)
        if found is None:
            close = gaz.suggest(name)
            problems.append(Problem("NAME", "", "a district name or alias of the gazetteer",
                                    repr(name), hint="closest: " + ", ".join(close)))
        else:
            print(f"{name}\t{found}")
    if problems:
        raise ValidationError(problems)
    return 0
