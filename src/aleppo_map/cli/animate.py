"""``animate``: a GIF or MP4 of the daily frames."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from aleppo_map.cli import _options as opt

NAME = "animate"


def add_parser(sub: Any) -> None:
    """Register the command.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subcommand registry.
    """
    from aleppo_map.render.style import ANIMATION_FORMATS

    p = sub.add_parser(NAME, help="write a GIF or MP4 of the daily frames")
    opt.add_inputs(p)
    p.add_argument("--out", metavar="F",
                   help="output file (default: out/<battle>_control.gif, or .mp4)")
    p.add_argument("--format", choices=ANIMATION_FORMATS, default=ANIMATION_FORMATS[0],
                   help="animation format (default: gif); mp4 uses the ffmpeg of imageio-ffmpeg")
    p.add_argument("--fps", type=opt.bounded_float(0.1, 60), default=2.0, metavar="N",
                   help="frames (days) per second, 0.1 to 60 (default: 2)")
    p.add_argument("--hold-last", type=opt.bounded_float(0, 60), default=2.0, metavar="S",
                   help="seconds to hold the last day, 0 to 60 (default: 2)")
    p.add_argument("--size", type=opt.size, default=(1000, 750), metavar="WxH",
                   help="frame size in pixels (default: 1000x750)")
    opt.add_texts(p)
    opt.add_parallel(p)
    opt.add_overwrite(p, "file")
    opt.add_quiet(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write a GIF or MP4 animation of the daily frames.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status.
    """
    from aleppo_map.render import animation

    project = opt.load(args)
    opt.coverage(args, project)
    out = Path(args.out) if args.out else Path("out") / f"{opt.output_stem(project)}.{args.format}"
    dest = animation.write_animation(
        project, out, fmt=args.format, fps=args.fps, hold_last=args.hold_last,
        size=args.size, quiet=args.quiet, jobs=args.jobs, scheduler=args.scheduler,
        overwrite=args.overwrite,
        **opt.texts(args),
    )
    opt.say(args, f"wrote {dest}")
    return 0
