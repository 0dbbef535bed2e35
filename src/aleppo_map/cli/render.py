"""``render``: the interactive HTML map and one frame per day."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aleppo_map.cli import _options as opt
from aleppo_map.settings import DEFAULTS

NAME = "render"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    p = sub.add_parser(NAME, help="write the interactive HTML map and daily PNG frames",
                       description="Write DIR/<battle>_control.html (slider, legend, history "
                                   "panels; one self-contained file that works offline) and "
                                   "DIR/frames/YYYY-MM-DD.png, one per day.")
    opt.add_inputs(p)
    p.add_argument("--out", default="out", metavar="DIR", help="output folder (default: out)")
    p.add_argument("--cdn", action="store_true",
                   help="a smaller page that links Leaflet from a CDN and shows street-map tiles "
                        "(needs the network); by default the page is self-contained")
    from aleppo_map.render.html import CANVAS_THRESHOLD, RENDERERS

    p.add_argument("--renderer", choices=RENDERERS, default="auto",
                   help="how the page draws the districts: svg (one element each, prints as "
                        f"vectors), canvas (faster for large cities), auto (canvas from "
                        f"{CANVAS_THRESHOLD:,} districts on; the default)")
    p.add_argument("--no-frames", dest="frames", action="store_false",
                   help="write the page only (no DIR/frames/); frames already in DIR stay as they are")
    # the default page is now the self-contained one: --offline stays accepted, and does nothing
    p.add_argument("--offline", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--size", type=opt.size, default=DEFAULTS.frame_size, metavar="WxH",
                   help="frame size in pixels (default: 1600x1200)")
    p.add_argument("--dpi", type=opt.DPI, default=DEFAULTS.frame_dpi, metavar="N",
                   help=f"frame resolution in dots per inch, 20 to 1200 (default: {DEFAULTS.frame_dpi})")
    opt.add_texts(p)
    opt.add_parallel(p)
    opt.add_overwrite(p, "page and frames in a non-empty folder")
    opt.add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the interactive HTML map and one PNG frame per day.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    from aleppo_map import _io as io
    from aleppo_map.render import frames, html

    project = opt.load(args)
    opt.coverage(args, project)
    out = Path(args.out)
    page = f"{opt.output_stem(project)}.html"
    # one transaction: the page and the frames arrive together, or neither does
    with io.output_dir(out, overwrite=args.overwrite) as tmp:
        html.write_map(project, tmp / page, cdn=args.cdn, renderer=args.renderer)
        written = (frames.render_frames(project, tmp / "frames", size=args.size, dpi=args.dpi,
                                        quiet=args.quiet, jobs=args.jobs,
                                        scheduler=args.scheduler, **opt.texts(args))
                   if args.frames else [])
    opt.say(args, f"wrote {out / page}")
    if args.frames:
        opt.say(args, f"wrote {len(written)} frames to {out / 'frames'}")
    return 0
