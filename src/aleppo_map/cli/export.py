"""``export``: the timeline as control intervals for GIS tools, or a long CSV for spreadsheets."""

from __future__ import annotations

import argparse
from typing import Any

from aleppo_map.cli import _options as opt

NAME = "export"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    from aleppo_map.export import EXPORT_FORMATS

    p = sub.add_parser(
        NAME, help="write the timeline for GIS tools (GeoPackage, GeoJSON, Parquet, CSV)",
        description="One feature per district and control interval: valid_from and valid_to "
                    "(exclusive) as UTC timestamps, controller, share, remainder, basis, "
                    "confidence and citations, geometry in EPSG:4326; loads in QGIS's "
                    "temporal controller and kepler.gl. --long writes districts x days rows "
                    "as CSV for spreadsheets.")
    opt.add_inputs(p)
    p.add_argument("--format", choices=list(EXPORT_FORMATS), default="gpkg",
                   help="file format (default: gpkg)")
    p.add_argument("--out", metavar="F",
                   help="output file (default: control_intervals.<format>, or "
                        "control_daily.csv with --long); an existing file is not overwritten")
    p.add_argument("--long", action="store_true",
                   help="with --format csv: one row per district and day, no geometry")
    opt.add_overwrite(p, "file")
    opt.add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the export.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    from aleppo_map import export

    overwrite = bool(args.overwrite)
    dest = export.check_export(args.format, args.out, long=args.long, overwrite=overwrite)
    project = opt.load(args, with_layer=not args.long)
    if not args.long:
        opt.coverage(args, project)
    written = export.write_export(project, args.format, dest, long=args.long,
                                  overwrite=overwrite)
    opt.say(args, f"wrote {written}")
    return 0
