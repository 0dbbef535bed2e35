"""Command-line interface: parse options, call the library, print results.

Kept thin on purpose: every command is a few lines that call a module. User
errors (:class:`~aleppo_map._errors.AleppoMapError`) print one message on stderr
and exit with status 2; argparse's own usage errors exit 2 as well.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from aleppo_map._errors import USER_ERROR_EXIT, AleppoMapError, Problem, ValidationError
from aleppo_map.settings import DEFAULTS

Handler = Callable[[argparse.Namespace], int]


# ----------------------------------------------------------------------------- options
def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        if w < 100 or h < 100 or w > 10000 or h > 10000:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT in pixels, each 100 to 10000 (e.g. 1600x1200), got {text!r}"
        ) from None
    return w, h


def _positive_int(text: str) -> int:
    try:
        value = int(text)
        if value < 1:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
        if not value > 0:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    return value


def _add_inputs(p: argparse.ArgumentParser, *, geometry: bool = True, dates: bool = True) -> None:
    p.add_argument("--changes", type=Path, metavar="F",
                   help="control-change table CSV (default: the embedded data/control_changes.csv)")
    if geometry:
        p.add_argument("--districts", type=Path, metavar="F",
                       help="district polygons: any file GeoPandas reads, any CRS (default: the "
                            "embedded approximate layer data/districts.geojson)")
        p.add_argument("--name-field", metavar="FIELD",
                       help="attribute of --districts holding district names (default: guessed "
                            "from NAME, name, name_en, district_id, ...)")
        p.add_argument("--assume-crs", metavar="CRS",
                       help="CRS to assume when --districts declares none, e.g. EPSG:4326")
    if dates:
        p.add_argument("--start", metavar="D", help=f"first day, YYYY-MM-DD (default {DEFAULTS.start})")
        p.add_argument("--end", metavar="D", help=f"last day, YYYY-MM-DD (default {DEFAULTS.end})")


def _add_quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar and no summary lines (errors are still printed)")


def _load(args: argparse.Namespace, *, with_layer: bool = True):
    from aleppo_map.project import load_project

    return load_project(
        changes=getattr(args, "changes", None),
        districts=getattr(args, "districts", None),
        name_field=getattr(args, "name_field", None),
        assume_crs=getattr(args, "assume_crs", None),
        start=getattr(args, "start", None),
        end=getattr(args, "end", None),
        with_layer=with_layer,
    )


def _say(args: argparse.Namespace, text: str) -> None:
    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr)


def _coverage(args: argparse.Namespace, project) -> None:
    layer = project.layer
    if layer is None:
        return
    for warning in layer.warnings:
        _say(args, f"warning: {warning}")
    _say(args, layer.coverage_line())


# ----------------------------------------------------------------------------- commands
def cmd_render(args: argparse.Namespace) -> int:
    """Write the interactive HTML map and one PNG frame per day."""
    from aleppo_map.render import frames as render_static
    from aleppo_map.render import html as render_html
    project = _load(args)
    _coverage(args, project)
    out = Path(args.out)
    html = render_html.write_map(project, out / "aleppo_control.html", offline=args.offline)
    _say(args, f"wrote {html}")
    frames = render_static.render_frames(
        project, out / "frames", size=args.size, dpi=args.dpi, quiet=args.quiet
    )
    _say(args, f"wrote {len(frames)} frames to {out / 'frames'}")
    return 0


def cmd_frames(args: argparse.Namespace) -> int:
    """Write one publication-ready image per day."""
    from aleppo_map.render import frames as render_static
    project = _load(args)
    _coverage(args, project)
    frames = render_static.render_frames(
        project, Path(args.out), size=args.size, dpi=args.dpi, fmt=args.format,
        labels=args.labels, jobs=args.jobs, quiet=args.quiet,
    )
    _say(args, f"wrote {len(frames)} frames to {args.out}")
    return 0


def cmd_animate(args: argparse.Namespace) -> int:
    """Write a GIF or MP4 animation of the daily frames."""
    from aleppo_map.render import frames as render_static
    project = _load(args)
    _coverage(args, project)
    dest = render_static.write_animation(
        project, Path(args.out), fmt=args.format, fps=args.fps, hold_last=args.hold_last,
        size=args.size, quiet=args.quiet,
    )
    _say(args, f"wrote {dest}")
    return 0


def cmd_contact_sheet(args: argparse.Namespace) -> int:
    """Write small multiples of chosen days on one page."""
    from aleppo_map.render import frames as render_static
    project = _load(args)
    _coverage(args, project)
    dates = [d.strip() for d in args.dates.split(",") if d.strip()] if args.dates else None
    dest = render_static.write_contact_sheet(project, Path(args.out), dates=dates)
    _say(args, f"wrote {dest}")
    return 0


def _print_frame(frame, fmt: str) -> None:
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False, lineterminator="\n"))
    else:
        print(frame.to_string(index=False))


def cmd_stats(args: argparse.Namespace) -> int:
    """Print km² and districts held by each side per day; optionally write the chart."""
    from aleppo_map.analysis import areas as stats
    project = _load(args)
    _coverage(args, project)
    table = stats.daily_stats(project)
    _print_frame(table, args.format)
    if args.chart:
        dest = stats.write_chart(project, Path(args.chart))
        _say(args, f"wrote {dest}")
    return 0


def cmd_state(args: argparse.Namespace) -> int:
    """Print every district's controller and share on one day."""
    from aleppo_map.analysis import areas as stats
    project = _load(args, with_layer=False)
    table = stats.state_table(project, args.date)
    _print_frame(table, args.format)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every input and print every problem at once."""
    from aleppo_map.project import validate_all

    problems = validate_all(
        changes=args.changes, districts=args.districts, name_field=args.name_field,
        assume_crs=args.assume_crs, seeds=args.seeds,
    )
    if problems:
        raise ValidationError(problems)
    print("ok: no problems found", file=sys.stderr)
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    """Print NAME<TAB>district_id for each name."""
    from aleppo_map.gazetteer import load_gazetteer

    gaz = load_gazetteer()
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


def cmd_build_districts(args: argparse.Namespace) -> int:
    """Write the embedded district layer, derived from the CSR boundaries."""
    from aleppo_map.gazetteer import load_gazetteer
    from aleppo_map.geometry import build

    csr = Path(args.csr) if args.csr else build.default_csr_path()
    dest = build.write_layer(build.build_layer(load_gazetteer(), csr), Path(args.out))
    _say(args, f"wrote {dest}")
    return 0


def cmd_cite(args: argparse.Namespace) -> int:
    """Print the cited source line of a row, or a district's whole history."""
    from aleppo_map import sources
    project = _load(args, with_layer=False)
    print(sources.cite(args.target, project.changes, project.registry, project.gazetteer,
                       Path(args.seeds), timeline=project.timeline))
    return 0


def cmd_check_figures(args: argparse.Namespace) -> int:
    """Compare the sources' own numbers with what the map computes."""
    from aleppo_map.analysis import claims as figures
    project = _load(args)
    _coverage(args, project)
    claims = None
    if args.figures is not None:
        claims = figures.load_figures(
            args.figures, source_ids=project.registry.ids,
            district_ids=project.timeline.district_ids, suggest=project.gazetteer.suggest,
        )
    table = figures.check_figures(project, claims)
    _print_frame(figures.printable(table), args.format)
    return 0


# ----------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every command and option.

    Returns
    -------
    argparse.ArgumentParser
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="aleppo-map",
        description="Day-by-day maps of who controlled which district of Aleppo, "
                    "15 November - 22 December 2016, every state traceable to a source line.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("render", help="write the interactive HTML map and daily PNG frames",
                       description="Write DIR/aleppo_control.html (slider, legend, history "
                                   "panels) and DIR/frames/YYYY-MM-DD.png, one per day.")
    _add_inputs(p)
    p.add_argument("--out", default="out", metavar="DIR", help="output folder (default: out)")
    p.add_argument("--offline", action="store_true",
                   help="one self-contained HTML file: Leaflet and every script inlined, no tiles")
    p.add_argument("--size", type=_size, default=DEFAULTS.frame_size, metavar="WxH",
                   help="frame size in pixels (default: 1600x1200)")
    p.add_argument("--dpi", type=_positive_int, default=DEFAULTS.frame_dpi, metavar="N",
                   help=f"frame resolution in dots per inch (default: {DEFAULTS.frame_dpi})")
    _add_quiet(p)
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("frames", help="write one publication-ready image per day",
                       description="One image per day with title, legend, scale bar, north "
                                   "arrow and attribution; partial control hatched.")
    _add_inputs(p)
    p.add_argument("--out", default="out/frames", metavar="DIR",
                   help="output folder (default: out/frames)")
    p.add_argument("--size", type=_size, default=DEFAULTS.frame_size, metavar="WxH",
                   help="image size in pixels (default: 1600x1200)")
    p.add_argument("--dpi", type=_positive_int, default=DEFAULTS.frame_dpi, metavar="N",
                   help=f"dots per inch (default: {DEFAULTS.frame_dpi})")
    p.add_argument("--format", choices=["png", "svg", "pdf"], default="png",
                   help="image format (default: png)")
    p.add_argument("--labels", choices=["none", "key", "all"], default="none",
                   help="district labels: none, key districts, or all (default: none)")
    p.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                   help="worker processes (default: 1)")
    _add_quiet(p)
    p.set_defaults(func=cmd_frames)

    p = sub.add_parser("animate", help="write a GIF or MP4 of the daily frames")
    _add_inputs(p)
    p.add_argument("--out", default="out/aleppo_control.gif", metavar="F",
                   help="output file (default: out/aleppo_control.gif)")
    p.add_argument("--format", choices=["gif", "mp4"], default="gif",
                   help="animation format (default: gif); mp4 uses the ffmpeg of imageio-ffmpeg")
    p.add_argument("--fps", type=_positive_float, default=2.0, metavar="N",
                   help="frames (days) per second (default: 2)")
    p.add_argument("--hold-last", type=float, default=2.0, metavar="S",
                   help="seconds to hold the last day (default: 2)")
    p.add_argument("--size", type=_size, default=(1000, 750), metavar="WxH",
                   help="frame size in pixels (default: 1000x750)")
    _add_quiet(p)
    p.set_defaults(func=cmd_animate)

    p = sub.add_parser("contact-sheet", help="small multiples of chosen days on one page")
    _add_inputs(p)
    p.add_argument("--out", default="out/contact_sheet.png", metavar="F",
                   help="output PNG or PDF (default: out/contact_sheet.png)")
    p.add_argument("--dates", metavar="D1,D2,...",
                   help="days to show (default: every fourth day plus the busiest days)")
    _add_quiet(p)
    p.set_defaults(func=cmd_contact_sheet)

    p = sub.add_parser("stats", help="km² and districts held by each side, per day")
    _add_inputs(p)
    p.add_argument("--format", choices=["csv", "table"], default="table",
                   help="output format (default: table)")
    p.add_argument("--chart", metavar="F", help="also write a stacked-area chart image to F")
    _add_quiet(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("state", help="every district's controller and share on one day")
    _add_inputs(p, geometry=False, dates=False)
    p.add_argument("--date", required=True, metavar="D", help="the day, YYYY-MM-DD")
    p.add_argument("--format", choices=["csv", "table"], default="table",
                   help="output format (default: table)")
    p.set_defaults(func=cmd_state)

    p = sub.add_parser("validate", help="check every input and list every problem at once",
                       description="Check the control table, the gazetteer, the geometry and, "
                                   "with --seeds, every citation against the source texts. "
                                   "Exit status 2 when there is any problem.")
    _add_inputs(p, dates=False)
    p.add_argument("--seeds", type=Path, metavar="DIR",
                   help="folder holding the source texts named in seeds/sources.csv")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("resolve", help="map district names to ids",
                       description="Print NAME<TAB>district_id per name; exit 2 if any is unknown.")
    p.add_argument("names", nargs="+", metavar="NAME", help="district names in any spelling")
    p.set_defaults(func=cmd_resolve)

    p = sub.add_parser("build-districts", help="derive the embedded district layer from CSR",
                       description="Build data/districts.geojson from the CSR neighbourhoods and "
                                   "the gazetteer (estimated polygons where CSR has none).")
    p.add_argument("--out", default=str(DEFAULTS.districts_path), metavar="F",
                   help="output GeoJSON (default: the embedded data/districts.geojson)")
    p.add_argument("--csr", metavar="F", help="CSR boundaries (default: $ALEPPO_MAP_SHARED/data/"
                   "aleppo_neighborhoods_csr.geojson, else ../shared/data/...)")
    _add_quiet(p)
    p.set_defaults(func=cmd_build_districts)

    p = sub.add_parser("cite", help="print the source line behind a row or a district's history")
    _add_inputs(p, geometry=False, dates=False)
    p.add_argument("--seeds", type=Path, required=True, metavar="DIR",
                   help="folder holding the source texts")
    p.add_argument("target", metavar="ROW_OR_DISTRICT",
                   help="a change id (e.g. C0042) or a district name in any spelling")
    p.set_defaults(func=cmd_cite)

    p = sub.add_parser("check-figures", help="compare the sources' numbers with the map's",
                       description="For every numeric claim in data/reported_figures.csv, the "
                                   "value the map computes on that day and a verdict.")
    _add_inputs(p)
    p.add_argument("--figures", type=Path, metavar="F",
                   help="a claims table of your own, in the columns of data/reported_figures.csv "
                        "(default: the embedded one)")
    p.add_argument("--format", choices=["csv", "table"], default="table",
                   help="output format (default: table)")
    _add_quiet(p)
    p.set_defaults(func=cmd_check_figures)
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
        Exit status: 0 on success, 2 on a user error.
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
