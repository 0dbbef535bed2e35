"""``frames``: one publication-ready image per day."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aleppo_map.cli import _options as opt
from aleppo_map.settings import DEFAULTS

NAME = "frames"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    from aleppo_map.render.style import FRAME_FORMATS, LABEL_MODES

    p = sub.add_parser(NAME, help="write one publication-ready image per day",
                       description="One image per day with title, legend, scale bar, north "
                                   "arrow and attribution; partial control hatched.")
    opt.add_inputs(p)
    p.add_argument("--out", default="out/frames", metavar="DIR", help="output folder (default: out/frames)")
    p.add_argument("--size", type=opt.size, default=DEFAULTS.frame_size, metavar="WxH",
                   help="image size in pixels (default: 1600x1200)")
    p.add_argument("--dpi", type=opt.DPI, default=DEFAULTS.frame_dpi, metavar="N",
                   help=f"dots per inch, 20 to 1200 (default: {DEFAULTS.frame_dpi})")
    p.add_argument("--format", choices=FRAME_FORMATS, default=FRAME_FORMATS[0],
                   help=f"image format (default: {FRAME_FORMATS[0]})")
    p.add_argument("--labels", choices=LABEL_MODES, default="changed",
                   help="district labels: the districts that changed that day with the key "
                        "ones (changed, the default), none, key districts, or all")
    p.add_argument("--labels-ar", "--arabic", dest="label_lang", action="store_const",
                   const="ar", default="en", help="district labels in Arabic (default: English)")
    p.add_argument("--basemap", metavar="PROVIDER", default=None,
                   help="web tiles under the map: an xyzservices provider name "
                        "(e.g. CartoDB.Positron) or a {z}/{x}/{y} URL; off by default; needs "
                        "pip install 'aleppo-map[basemap]'")
    p.add_argument("--tile-cache", metavar="DIR", default=None,
                   help="folder of cached basemap tiles (default: $ALEPPO_MAP_TILE_CACHE or "
                        "~/.cache/aleppo-map/tiles)")
    opt.add_texts(p)
    opt.add_parallel(p)
    opt.add_overwrite(p, "frames (YYYY-MM-DD.<format>) in a non-empty folder")
    opt.add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write one publication-ready image per day.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    from aleppo_map.render import frames

    project = opt.load(args)
    opt.coverage(args, project)
    written = frames.render_frames(
        project, Path(args.out), size=args.size, dpi=args.dpi, fmt=args.format,
        labels=args.labels, jobs=args.jobs, scheduler=args.scheduler, quiet=args.quiet,
        overwrite=args.overwrite,
        label_lang=args.label_lang, basemap=args.basemap, tile_cache=args.tile_cache,
        **opt.texts(args),
    )
    opt.say(args, f"wrote {len(written)} frames to {args.out}")
    return 0
