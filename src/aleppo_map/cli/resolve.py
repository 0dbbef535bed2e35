"""``resolve``: district ids for names in any spelling, and why (``--explain``)."""

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
    p = sub.add_parser(
        NAME, help="map district names to ids",
        description="Print NAME<TAB>district_id per name; exit 2 if any is unknown or fits "
                    "two districts (ambiguous). Names may be in any transliteration or in "
                    "Arabic script; a near spelling resolves only when it is safely close.")
    opt.add_battle(p)
    p.add_argument("names", nargs="+", metavar="NAME", help="district names in any spelling")
    p.add_argument("--explain", action="store_true",
                   help="for each name, print the rule that matched (exact alias, name key, "
                        "sound key, landmark dropped, fuzzy score), the key and the gazetteer "
                        "names that share it")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print ``NAME<TAB>district_id`` for each name (with ``--explain``, why).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.

    Raises
    ------
    ValidationError
        Listing every name that is unknown or ambiguous, with candidates or the closest.
    """
    from aleppo_map.gazetteer import load_gazetteer

    settings = opt.battle_settings(args)
    gaz = load_gazetteer(settings.gazetteer_path, landmarks=settings.landmarks_path,
                         aggregates=settings.aggregates_path)
    names = {d: gaz.name_en(d) for d in gaz.ids}
    problems: list[Problem] = []
    for name in args.names:
        res = gaz.explain(name)
        if args.explain:
            print(res.explain(names))
        if res.district_id is not None:
            if not args.explain:
                print(f"{name}\t{res.district_id}")
            continue
        if res.rule == "group":
            problems.append(Problem(
                "NAME", "", "a name of one district", f"{name!r}, which names the group "
                f"{res.group!r} of {len(res.candidates)} districts: " + ", ".join(res.candidates),
                hint="give one of its districts"))
        elif res.status == "ambiguous":
            problems.append(Problem(
                "NAME", "", "a name that fits one district", f"{name!r}, which fits "
                + " and ".join(repr(c) for c in res.candidates),
                hint="give a district id or a fuller name"))
        else:
            close = list(res.candidates) or gaz.suggest(name)
            problems.append(Problem("NAME", "", "a district name or alias of the gazetteer",
                                    repr(name), hint="closest: " + ", ".join(close)))
    if problems:
        raise ValidationError(problems)
    return 0
