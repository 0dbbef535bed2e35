"""``build-districts``: regenerate the embedded district layer."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aleppo_map._errors import InputFileError
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
    opt.add_battle(p)
    p.add_argument("--out", metavar="F",
                   help="output GeoJSON (default: the embedded layer "
                        f"{DEFAULTS.districts_path}; with --battle, the battle's "
                        "districts.geojson if it does not exist yet)")
    p.add_argument("--boundaries", "--csr", dest="csr", metavar="F",
                   help="the boundary file the layer is derived from (default: the CSR "
                        "neighbourhoods file in $ALEPPO_MAP_SHARED/data/, else ../shared/data/)")
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

    settings = opt.battle_settings(args)
    out = Path(args.out) if args.out else settings.districts_path
    if not args.out and args.battle is not None and out.exists():
        raise InputFileError(
            f"{out}: expected no district file yet (the battle's own polygons are never "
            "overwritten), got an existing file; pass --out F to write the layer elsewhere")
    csr = Path(args.csr) if args.csr else build.default_csr_path(settings)
    layer = build.build_layer(load_gazetteer(settings.gazetteer_path), csr, settings)
    dest = build.write_layer(layer, out, settings)
    opt.say(args, f"wrote {dest}")
    return 0
