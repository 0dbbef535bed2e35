"""Write ``notebooks/explore.ipynb`` from the cells below, with no outputs.

The notebook is generated so that its source lives in one reviewable Python file
and the committed ``.ipynb`` never carries outputs. ``tests/test_notebook.py``
executes it and checks that the committed file matches this script.

Usage::

    python notebooks/make_explore.py          # (re)write notebooks/explore.ipynb
    python notebooks/make_explore.py --check  # exit 1 if the committed file is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
DEST = HERE / "explore.ipynb"

CELLS: list[tuple[str, str]] = [
    ("md", """\
# Exploring the Aleppo control map from Python

This notebook walks through the public API of `aleppo_map`: it loads the data,
shows who held which district on a chosen day, where each state comes from,
the daily statistics, how the map compares with the numbers the sources quote,
and one map frame.

It needs no network and writes only into a temporary folder. To draw on real
neighbourhood boundaries instead of the embedded approximate layer, set the
environment variable `ALEPPO_MAP_DISTRICTS` to a boundary file (for example the
CSR GeoJSON) before starting the kernel."""),
    ("code", """\
import os
import tempfile
from pathlib import Path

import pandas as pd
from IPython.display import Image, display

from aleppo_map.analysis import areas as stats
from aleppo_map.analysis import claims as figures
from aleppo_map.project import load_project
from aleppo_map.render import chart as render_chart
from aleppo_map.render import frames as render_frames

pd.set_option("display.max_colwidth", 70)
pd.set_option("display.width", 160)

OUT = Path(tempfile.mkdtemp(prefix="aleppo-map-notebook-"))  # every file goes here
DISTRICTS = os.environ.get("ALEPPO_MAP_DISTRICTS") or None     # None: the embedded layer

project = load_project(districts=DISTRICTS)
print(project.layer.coverage_line())
print(f"{len(project.timeline.district_ids)} districts, {len(project.changes)} rows in the "
      f"control table, {project.timeline.dates[0]} to {project.timeline.dates[-1]}")"""),
    ("md", """\
## The state on one day

`stats.state_table` gives every district's controller on a day. A *partial*
state means the `controller` holds `share` of the district and the `remainder`
side holds the rest. Every state points to the row of the control table that
set it, and so to a source and a line."""),
    ("code", """\
DAY = "2016-12-06"
state = stats.state_table(project, DAY)
print(state["controller"].value_counts().to_string())
state[state["extent"] == "partial"]"""),
    ("md", """\
## Where a district's state comes from

The timeline keeps every row about a district, including rows that lost to
another report of the same day (`superseded`) and assaults that changed nothing
(`repelled`). Each row cites a line of a source text."""),
    ("code", """\
district = project.gazetteer.resolve("al-Sheikh Saeed")  # any spelling the gazetteer knows
history = project.timeline.district_history(district)
cols = ["date", "controller", "extent", "share", "event", "basis", "status", "source_id", "line"]
display(history[cols])
last = history[history["status"] == "applied"].iloc[-1]
print(project.registry.citation(last["source_id"], last["line"]))"""),
    ("md", """\
## Daily statistics

Areas are measured in a metric projection (UTM zone 37N). A split district
counts by each side's share. The `east_*_pct` columns are shares of the
*formerly rebel-held east*: the city area the rebels held on 15 November (each
district's area times the rebels' share that day; the outskirts left out)."""),
    ("code", """\
daily = stats.daily_stats(project)
display(daily[["date", "government_km2", "rebel_km2", "sdf_km2", "east_government_pct",
               "east_rebel_pct"]].iloc[::5])
chart = render_chart.write_chart(project, OUT / "stats.png")
Image(filename=str(chart))"""),
    ("md", """\
## Does the map agree with the sources' own numbers?

The sources quote figures: shares of the formerly rebel-held east, the size of
the rebel pocket in km², a district's share. `figures.check_figures` computes
each on the day it refers to and gives a verdict within stated tolerances
(`figures.SHARE_TOLERANCE_PP` percentage points for shares,
`figures.AREA_TOLERANCE_REL` relative for areas, widened for "about"). An
inconsistency is a finding, not a bug: boundaries are approximate, some rows of
the control table are inferred from statements about whole areas, and the
sources do not always agree with each other."""),
    ("code", """\
check = figures.check_figures(project)
print(check["verdict"].value_counts().to_string())
figures.printable(check)[["figure", "date", "claim", "claimed", "map", "diff", "verdict"]]"""),
    ("md", """\
The reason behind each verdict names the tolerance, the day the map was read on
(a claim about the morning of a day is compared with the end of the day before)
and, for claims that cannot be computed, why:"""),
    ("code", """\
figures.printable(check)[["figure", "source", "verdict", "why"]]"""),
    ("md", """\
## One frame

`render_frames.render_frames` writes one image per day of the project's
timeline, so loading the project for a single day gives a single frame. Frames
carry their own legend, scale bar, north arrow and attribution."""),
    ("code", """\
one_day = load_project(districts=DISTRICTS, start=DAY, end=DAY)
(frame,) = render_frames.render_frames(one_day, OUT / "frames", size=(1000, 750), dpi=100,
                                       quiet=True)
Image(filename=str(frame))"""),
    ("md", """\
The same outputs come from the command line: `aleppo-map state --date D`,
`aleppo-map stats --chart F`, `aleppo-map check-figures` and
`aleppo-map frames`; each takes `--districts F` for another boundary file."""),
]


def build() -> nbformat.NotebookNode:
    """Return the notebook, without outputs.

    Returns
    -------
    nbformat.NotebookNode
        A version 4 notebook with a Python 3 kernel spec.
    """
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, text) in enumerate(CELLS):
        cell = new_markdown_cell(text) if kind == "md" else new_code_cell(text)
        cell["id"] = f"cell-{i:02d}"
        nb.cells.append(cell)
    return nb


def render() -> str:
    """Return the notebook file's text.

    Returns
    -------
    str
        JSON text, as written to ``explore.ipynb``.
    """
    return nbformat.writes(build()) + "\n"


def main(argv: list[str]) -> int:
    """Write the notebook, or with ``--check`` tell whether the committed one is stale.

    Parameters
    ----------
    argv : list of str
        Command-line arguments.

    Returns
    -------
    int
        0 on success, 1 when ``--check`` finds the file out of date.
    """
    text = render()
    if "--check" in argv:
        current = DEST.read_text(encoding="utf-8") if DEST.exists() else ""
        if current != text:
            print(f"{DEST} is out of date: run python {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    tmp = DEST.with_suffix(".ipynb.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(DEST)
    print(f"wrote {DEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
