"""``build-districts``: regenerate the embedded district layer."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aleppo_map.cli import _options as opt
from aleppo_map.settings import DEFAULTS

NAME = "build-districts"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    p = sub.add_parser(NAME, help="write the embedded district layer",
                       description="Build data/districts.geojson from the gazetteer.")
    p.add_argument("--out", default=str(DEFAULTS.districts_path), metavar="F",
                   help="output GeoJSON (default: the embedded data/districts.geojson)")
    opt.add_overwrite(p, "file (needed to regenerate the embedded layer in place)")
    opt.add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the embedded district layer.

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
    from aleppo_map.geometry import layer

    dest = layer.write_layer(layer.build_layer(load_gazetteer()), Path(args.out),
                             overwrite=args.overwrite)
    opt.say(args, f"wrote {dest}")
    return 0
