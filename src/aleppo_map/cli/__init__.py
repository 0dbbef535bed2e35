"""Command-line interface: one module per command, registered in :data:`COMMANDS`.

Kept thin on purpose (like rasterio's ``rio``): each command module adds its parser
and calls the library. User errors (:class:`~aleppo_map._errors.AleppoMapError`, a
``ValueError``) print one message on stderr and exit with status 2; argparse's own
usage errors exit 2 as well; Ctrl-C prints ``interrupted`` and exits 130.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from aleppo_map import __version__
from aleppo_map._errors import USER_ERROR_EXIT, AleppoMapError
from aleppo_map.cli import (
    animate,
    build_districts,
    check_figures,
    cite,
    contact_sheet,
    export,
    frames,
    new,
    render,
    resolve,
    sources,
    state,
    stats,
    validate,
)

#: Every command, in the order ``--help`` lists them.
COMMANDS: tuple[ModuleType, ...] = (
    render, frames, animate, contact_sheet, stats, state, validate, resolve,
    build_districts, cite, sources, check_figures, export, new,
)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every command of :data:`COMMANDS`.

    Returns
    -------
    argparse.ArgumentParser
        The parser.

    Examples
    --------
    >>> args = build_parser().parse_args(["state", "--battle", "my-battle", "--date", "D"])
    >>> args.command, str(args.battle)
    ('state', 'my-battle')
    """
    parser = argparse.ArgumentParser(
        prog="aleppo-map",
        description="Day-by-day maps of who controlled which district of a city during a battle, "
                    "every state traceable to a source line.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : Sequence[str], optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status: 0 on success, 2 on a user error, 130 when interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except AleppoMapError as exc:
        print(f"aleppo-map {args.command}: error: {exc}", file=sys.stderr)
        return USER_ERROR_EXIT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
