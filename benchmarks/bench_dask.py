"""Speed-up of the frame backends: a process pool and a local Dask cluster at 1, 2 and 4 workers.

    .venv/bin/python benchmarks/bench_dask.py [--size 1600x1200] [--dpi 200] [--days 38]

Renders the embedded battle's frames (all days by default) with
``aleppo_map.render.parallel.render_days`` on each backend, wall time including the
start-up of the workers and of the cluster, and prints a table and, as its last line,
``dask speed-up 1/2/4 workers=A/B/C processes 2 workers=D`` (the serial time divided
by each). The workers build the figure once and return PNG bytes, as
``frames --scheduler`` does. On this machine's 2 cores, more than 2 workers cannot
help; measure on an idle machine.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

from aleppo_map.project import load_project
from aleppo_map.render.parallel import render_days
from aleppo_map.render.scene import scene_data


def _time(data, **kw) -> float:
    t0 = time.perf_counter()
    n = sum(1 for _ in render_days(data, quiet=True, **kw))
    assert n == len(data.days)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1600x1200")
    ap.add_argument("--dpi", type=int, default=200)
    ap.add_argument("--days", type=int, default=0, help="first N days only (0: all)")
    args = ap.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    project = load_project()
    if args.days:
        first = project.timeline.dates[0]
        project = load_project(start=first, end=first + timedelta(days=args.days - 1))
    data = scene_data(project, size=(w, h), dpi=args.dpi)
    rows = [("serial", 1, _time(data)), ("processes", 2, _time(data, jobs=2))]
    rows.extend(("dask local", n, _time(data, jobs=n, scheduler="local")) for n in (1, 2, 4))
    serial = rows[0][2]
    print(f"{len(data.days)} frames, {w}x{h} px, {args.dpi} dpi")
    print(f"{'backend':<12} {'workers':>7} {'seconds':>8} {'speed-up':>8}")
    for name, n, s in rows:
        print(f"{name:<12} {n:>7} {s:>8.2f} {serial / s:>8.2f}")
    dask = [serial / s for name, _, s in rows if name == "dask local"]
    print(f"dask speed-up 1/2/4 workers={dask[0]:.2f}/{dask[1]:.2f}/{dask[2]:.2f} "
          f"processes 2 workers={serial / rows[1][2]:.2f}")


if __name__ == "__main__":
    main()
