"""Milliseconds per frame: naive per-day plotting, our fast path, and the savefig floor.

    .venv/bin/python benchmarks/frames.py [--layers embedded,synthetic] [--size 1600x1200]

Three ways to write one day's frame at 1600x1200, 200 dpi, PNG:

naive
    What one writes first: a new figure per day, ``GeoDataFrame.plot`` of the districts
    coloured by holder, a second ``plot`` per advancing side for the hatching, title,
    legend and attribution, ``savefig``.
fast
    ``render_scene.FrameScene.save``: the figure is built once; a frame sets the face
    colours of one collection, the paths of the hatch collections and two texts, and
    calls ``savefig``.
floor
    ``savefig`` of the already drawn figure, nothing changed: the cost of rasterising
    and encoding the same image, which no update strategy can beat.

The fast and floor times are taken alternately on the same days, so that load from
other processes affects both alike. Layers: the embedded one (``load_project()``) and a
synthetic tessellation of 10,000 polygons with a front line advancing day by day. Then
``render_frames`` writes all 38 frames with ``jobs=1`` and ``jobs=2`` (wall time, setup
included). The last line gives the worst ratio over the layers:
``fast/floor=X naive/fast=Y jobs2/jobs1=Z``.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from aleppo_map.render import frames as render_frames
from aleppo_map.render import scene as render_scene
from aleppo_map.testing import frontline_project


# ----------------------------------------------------------------------------- layers
def synthetic_project(n: int = 10_000, seed: int = 7):
    """A jittered grid of about *n* quadrilaterals and a front line over the battle's days.

    See :func:`aleppo_map.testing.frontline_project`.
    """
    return frontline_project(n, seed)


def embedded_project():
    from aleppo_map.project import load_project

    return load_project()


# ----------------------------------------------------------------------------- the three ways
def naive_frame(gdf_metric, data, i: int, dest: Path, sides: tuple[str, ...],
                labels: dict[str, str]) -> None:
    """One frame the naive way: a new figure and GeoDataFrame.plot per day."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    spec = data.days[i]
    w, h = data.size
    fig = Figure(figsize=(w / data.dpi, h / data.dpi), dpi=data.dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.08, 0.68, 0.78))
    colours = np.asarray(data.colours)[spec.fill]
    gdf_metric.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.35)
    for side, colour in enumerate(data.hatch_colours):
        mask = spec.gain == side
        if mask.any():
            gdf_metric[mask].plot(ax=ax, facecolor="none", edgecolor=colour, hatch="////",
                                  linewidth=0)
    ax.set_xlim(*data.extent[:2])
    ax.set_ylim(*data.extent[2:])
    ax.set_xticks([])
    ax.set_yticks([])
    fig.text(0.02, 0.97, spec.title, fontsize=15, fontweight="bold", va="top")
    fig.text(0.02, 0.91, spec.subtitle, fontsize=7.5, va="top")
    fig.legend(handles=[Patch(facecolor=c, label=labels[s])
                        for c, s in zip(data.colours, sides, strict=True)],
               loc="upper left", bbox_to_anchor=(0.72, 0.86), frameon=False, fontsize=7)
    fig.text(0.02, 0.01, data.attribution, fontsize=5.2, va="bottom", wrap=True)
    fig.savefig(dest, format="png", dpi=data.dpi, pil_kwargs={"compress_level": 1})


def _ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def measure(project, name: str, size: tuple[int, int], dpi: int, n_fast: int, n_naive: int,
            jobs: bool) -> dict[str, float | str | int]:
    data = render_scene.scene_data(project, size=size, dpi=dpi)
    n_days = len(data.days)
    gdf_metric = project.layer.gdf.reindex(data.ids).to_crs(project.settings.metric_crs)
    sides, labels = project.battle.side_ids, dict(project.battle.labels)
    scene = render_scene.FrameScene(data)
    fast_days = np.linspace(0, n_days - 1, min(n_fast, n_days)).round().astype(int)
    naive_days = np.linspace(0, n_days - 1, min(n_naive, n_days)).round().astype(int)
    fast, floor, naive = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        scene.save(0, out / "warm.png")
        naive_frame(gdf_metric, data, 0, out / "warm-naive.png", sides, labels)
        for i in fast_days:
            t = time.perf_counter()
            scene.save(int(i), out / "fast.png")
            fast.append(time.perf_counter() - t)
            kwargs = scene.savefig_kwargs(int(i))
            t = time.perf_counter()
            scene.fig.savefig(out / "floor.png", **kwargs)
            floor.append(time.perf_counter() - t)
        for i in naive_days:
            t = time.perf_counter()
            naive_frame(gdf_metric, data, int(i), out / "naive.png", sides, labels)
            naive.append(time.perf_counter() - t)
        row: dict[str, float | str | int] = {
            "layer": name, "districts": len(data.ids), "naive_ms": _ms(naive),
            "fast_ms": _ms(fast), "floor_ms": _ms(floor),
        }
        if jobs:
            for n in (1, 2):
                t = time.perf_counter()
                render_frames.render_frames(project, out / f"jobs{n}", size=size, dpi=dpi,
                                            jobs=n, quiet=True)
                row[f"jobs{n}_s"] = time.perf_counter() - t
    row["fast/floor"] = row["fast_ms"] / row["floor_ms"]
    row["naive/fast"] = row["naive_ms"] / row["fast_ms"]
    if jobs:
        row["jobs2/jobs1"] = row["jobs2_s"] / row["jobs1_s"]
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", default="embedded,synthetic")
    parser.add_argument("--size", default="1600x1200")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--synthetic-n", type=int, default=10_000)
    parser.add_argument("--fast-frames", type=int, default=38,
                        help="days sampled for fast and floor (default: all 38)")
    parser.add_argument("--naive-frames", type=int, default=8,
                        help="days sampled for the naive way (default: 8)")
    parser.add_argument("--no-jobs", action="store_true", help="skip the jobs=1/2 runs")
    args = parser.parse_args(argv)
    size = tuple(int(v) for v in args.size.lower().split("x"))
    rows = []
    for name in [s.strip() for s in args.layers.split(",") if s.strip()]:
        t = time.perf_counter()
        if name == "embedded":
            try:
                project = embedded_project()
            except Exception as exc:  # noqa: BLE001  # report and go on with the other layer
                print(f"embedded layer unavailable: {exc}", file=sys.stderr)
                continue
        elif name == "synthetic":
            project = synthetic_project(args.synthetic_n)
        else:
            parser.error(f"unknown layer {name!r}: expected embedded or synthetic")
        print(f"{name}: loaded in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        rows.append(measure(project, name, size, args.dpi, args.fast_frames, args.naive_frames,
                            not args.no_jobs))
    if not rows:
        print("no layer measured", file=sys.stderr)
        return 1
    table = pd.DataFrame(rows)
    buf = io.StringIO()
    table.to_string(buf, index=False, float_format=lambda v: f"{v:.2f}")
    print(f"PNG {size[0]}x{size[1]} at {args.dpi} dpi, median ms per frame; "
          "jobs: wall seconds for all frames")
    print(buf.getvalue())
    worst = [f"fast/floor={table['fast/floor'].max():.2f}",
             f"naive/fast={table['naive/fast'].min():.2f}"]
    if "jobs2/jobs1" in table:
        worst.append(f"jobs2/jobs1={table['jobs2/jobs1'].max():.2f}")
    print(" ".join(worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
