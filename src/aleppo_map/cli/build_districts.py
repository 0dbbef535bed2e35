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
    p = sub.add_parser(NAME, help="write the embedded district layer, derived from the CSR boundaries",
                       description="Build data/districts.geojson from the Columbia Center for Spatial "
                                   "Research neighbourhoods (MIT) and the gazetteer: CSR polygons "
                                   "dissolved per district, estimated polygons on the ground no CSR "
                                   "polygon covers, sub-areas as markers.")
    p.add_argument("--out", default=str(DEFAULTS.districts_path), metavar="F",
                   help="output GeoJSON (default: the embedded data/districts.geojson)")
    p.add_argument("--csr", metavar="F", help="CSR boundaries (default: $ALEPPO_MAP_SHARED/data/"
                   "aleppo_neighborhoods_csr.geojson, else ../shared/data/...)")
    opt.add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the embedded district layer, derived from the CSR boundaries.

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
    from aleppo_map.geometry import build

    csr = Path(args.csr) if args.csr else build.default_csr_path()
    dest = build.write_layer(build.build_layer(load_gazetteer(), csr), Path(args.out))
    opt.say(args, f"wrote {dest}")
    return 0
