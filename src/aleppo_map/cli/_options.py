"""Options and helpers shared by the commands: bounded number parsers, input options, output.

Numeric options are bounded in the parser so that a typo (an fps of 0.0001, a dpi of
100000) is a usage error naming the range, never a crash deep inside a renderer.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from aleppo_map.project import Project
    from aleppo_map.settings import Settings


def size(text: str) -> tuple[int, int]:
    """Parse ``WIDTHxHEIGHT`` in pixels, each 100 to 10000.

    Parameters
    ----------
    text : str
        The option's value.

    Returns
    -------
    tuple of int
        Width and height.

    Examples
    --------
    >>> size("1600x1200")
    (1600, 1200)
    """
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        if w < 100 or h < 100 or w > 10000 or h > 10000:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT in pixels, each 100 to 10000 (e.g. 1600x1200), got {text!r}"
        ) from None
    return w, h


def bounded_int(low: int, high: int) -> Any:
    """Return a parser of whole numbers from *low* to *high* inclusive.

    Parameters
    ----------
    low, high : int
        The allowed range.

    Returns
    -------
    callable
        ``str -> int`` raising :class:`argparse.ArgumentTypeError` outside the range.

    Examples
    --------
    >>> bounded_int(1, 8)("4")
    4
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text!r}")
        return value

    return parse


def bounded_float(low: float, high: float, *, low_inclusive: bool = True) -> Any:
    """Return a parser of finite numbers in a range.

    Parameters
    ----------
    low, high : float
        The allowed range.
    low_inclusive : bool
        Whether *low* itself is allowed.

    Returns
    -------
    callable
        ``str -> float`` raising :class:`argparse.ArgumentTypeError` outside the range.

    Examples
    --------
    >>> bounded_float(0.1, 60)("2")
    2.0
    """

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = math.isfinite(value) and value <= high and (value >= low if low_inclusive else value > low)
        if not ok:
            bracket = "[" if low_inclusive else "("
            raise argparse.ArgumentTypeError(
                f"expected a number in {bracket}{low:g}, {high:g}], got {text!r}"
            )
        return value

    return parse


#: Parsers for the options several commands share.
DPI = bounded_int(20, 1200)
JOBS = bounded_int(1, 64)


def add_battle(p: argparse.ArgumentParser) -> None:
    """Add ``--battle DIR``: the battle folder whose tables a command reads.

    Parameters
    ----------
    p : argparse.ArgumentParser
        A command's parser.
    """
    p.add_argument("--battle", type=Path, metavar="DIR",
                   help="a battle folder holding battle.toml and its tables, as written by "
                        "`aleppo-map new` (default: the embedded battle)")


def battle_settings(args: argparse.Namespace) -> Settings:
    """Return settings for the battle of ``--battle`` (the defaults without it).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    Settings
        The settings.
    """
    from aleppo_map.battle import load_battle
    from aleppo_map.settings import DEFAULTS, Settings

    folder = getattr(args, "battle", None)
    return DEFAULTS if folder is None else Settings.for_battle(load_battle(folder))


def add_inputs(p: argparse.ArgumentParser, *, geometry: bool = True, dates: bool = True) -> None:
    """Add the input options: the battle, control table, district file and the day range.

    Parameters
    ----------
    p : argparse.ArgumentParser
        A command's parser.
    geometry : bool
        Add ``--districts``, ``--name-field`` and ``--assume-crs``.
    dates : bool
        Add ``--start`` and ``--end``.
    """
    add_battle(p)
    p.add_argument("--changes", type=Path, metavar="F",
                   help="control-change table CSV (default: the battle's control_changes.csv)")
    p.add_argument("--registry", type=Path, metavar="F",
                   help="source registry CSV, for a table that cites texts of one's own "
                        "(see 'sources add'; default: the battle's sources.csv)")
    if geometry:
        p.add_argument("--districts", type=Path, metavar="F",
                       help="district polygons: any file GeoPandas reads, any CRS (default: the "
                            "battle's districts.geojson)")
        p.add_argument("--name-field", metavar="FIELD",
                       help="attribute of --districts holding district names (default: guessed "
                            "from NAME, name, name_en, district_id, ...)")
        p.add_argument("--assume-crs", metavar="CRS",
                       help="CRS to assume when --districts declares none, e.g. EPSG:4326")
    if dates:
        p.add_argument("--start", metavar="D", help="first day, YYYY-MM-DD (default: the battle's first day)")
        p.add_argument("--end", metavar="D", help="last day, YYYY-MM-DD (default: the battle's last day)")


def add_texts(p: argparse.ArgumentParser) -> None:
    """Add ``--title``, ``--subtitle``, ``--byline`` and ``--note`` (texts of frames and sheets).

    Parameters
    ----------
    p : argparse.ArgumentParser
        A command's parser.
    """
    p.add_argument("--title", metavar="TEXT",
                   help="title; {date} in it is replaced by the day, else the day follows "
                        "after a comma (default: the battle's name and the day)")
    p.add_argument("--subtitle", metavar="TEXT",
                   help="line under the title, replacing 'Day N of M · ...' ('' for none)")
    p.add_argument("--byline", default="", metavar="TEXT",
                   help="credit line in the footer, e.g. 'Graphic: A. Name / Newsroom'")
    p.add_argument("--note", default="", metavar="TEXT", help="note line in the footer")


def texts(args: argparse.Namespace) -> dict[str, Any]:
    """Return the text options as keyword arguments of the renderers.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    dict
        ``title``, ``subtitle``, ``byline``, ``note``.
    """
    return {"title": getattr(args, "title", None), "subtitle": getattr(args, "subtitle", None),
            "byline": getattr(args, "byline", "") or "", "note": getattr(args, "note", "") or ""}


def add_quiet(p: argparse.ArgumentParser) -> None:
    """Add ``--quiet``.

    Parameters
    ----------
    p : argparse.ArgumentParser
        A command's parser.
    """
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar and no summary lines (errors are still printed)")


def load(args: argparse.Namespace, *, with_layer: bool = True) -> Project:
    """Load the project the options describe.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.
    with_layer : bool
        Load the geometry too.

    Returns
    -------
    Project
        The validated project.
    """
    from aleppo_map.project import load_project

    return load_project(
        battle=getattr(args, "battle", None),
        changes=getattr(args, "changes", None),
        districts=getattr(args, "districts", None),
        name_field=getattr(args, "name_field", None),
        assume_crs=getattr(args, "assume_crs", None),
        registry=getattr(args, "registry", None),
        start=getattr(args, "start", None),
        end=getattr(args, "end", None),
        with_layer=with_layer,
    )


def output_stem(project: Project) -> str:
    """Stem of the files a command names after the battle: ``<name>_control``.

    Parameters
    ----------
    project : Project
        The loaded project.

    Returns
    -------
    str
        The battle's name in lower case, non-alphanumerics as ``_``, then ``_control``.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> output_stem(SimpleNamespace(battle=SimpleNamespace(name="Saint-Lô")))
    'saint_lô_control'
    """
    slug = re.sub(r"\W+", "_", project.battle.name.lower()).strip("_") or "battle"
    return f"{slug}_control"


def say(args: argparse.Namespace, text: str) -> None:
    """Print a summary line on stderr unless ``--quiet``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.
    text : str
        The line.
    """
    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr)


def coverage(args: argparse.Namespace, project: Project) -> None:
    """Print the layer's warnings and coverage line.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.
    project : Project
        The loaded project.
    """
    layer = project.layer
    if layer is None:
        return
    for warning in layer.warnings:
        say(args, f"warning: {warning}")
    say(args, layer.coverage_line())


def print_frame(frame: pd.DataFrame, fmt: str) -> None:
    """Print a table as CSV or as aligned text on stdout.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    fmt : str
        ``csv`` or ``table``.
    """
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False, lineterminator="\n"))
    else:
        print(frame.to_string(index=False))


def add_parallel(p: argparse.ArgumentParser) -> None:
    """Add ``--jobs`` and ``--scheduler``: where the days are drawn.

    Parameters
    ----------
    p : argparse.ArgumentParser
        A command's parser.
    """
    from aleppo_map.render.parallel import BACKENDS

    p.add_argument("--jobs", type=JOBS, default=1, metavar="N",
                   help="local worker processes, 1 to 64 (default: 1); with --scheduler local, "
                        "the workers of a local Dask cluster")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="draw the days on a Dask cluster: a scheduler address such as "
                        "tcp://127.0.0.1:8786 (see `dask scheduler`, `dask worker`), or 'local'. "
                        f"Backends: {'; '.join(f'{b.name}: {b.description}' for b in BACKENDS.values())}")
