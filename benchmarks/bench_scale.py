"""Time and peak memory of state, stats, check-figures and the HTML page against city size.

For each size (districts x days) a synthetic city is written (:mod:`synthetic`), then
each command runs in a fresh Python process that loads the project and writes the
command's output to a file, as the command line does:

========  ===========================================================================
state     ``load_project(with_layer=False)`` and ``state_table`` of the last day (CSV)
stats     ``load_project()`` and ``daily_stats`` (CSV)
figures   ``load_project()``, ``check_figures`` and ``printable`` (CSV): check-figures
html      ``load_project()`` and ``render.html.write_map``: the page of ``render``
========  ===========================================================================

(``aleppo-map state`` has no ``--start``/``--end``, so the commands run through the
library with the city's settings rather than through the CLI.) Wall time is measured
around the child process, imports included (``wall s``), and inside it from loading
to the written output (``work s``); ``cpu s`` is the child's user plus system CPU
time, which other processes on a shared machine disturb less than wall time; memory is
the child's peak resident set size (``ru_maxrss``). The last line printed gives, per
command, the exponents of wall time, CPU time and memory against the number of
districts, fitted by least squares on log-log axes over the sizes run. The fixed cost
of starting Python and importing the libraries (about 0.5 s and 160 MB) flattens the
exponents at small sizes; use sizes of 1,000 districts and more.

Run: ``python benchmarks/bench_scale.py [--sizes 1000,3000,10000] [--days 365]
[--commands state,stats,figures,html] [--src SRC]`` (``--src`` runs another checkout's
``src`` folder, e.g. to measure before a change).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
COMMANDS: tuple[str, ...] = ("state", "stats", "figures", "html")
FITTED: tuple[str, ...] = ("state", "stats", "html")

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {bench!r})
from synthetic import settings_for
from aleppo_map.project import load_project
cmd, folder, days, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
settings = settings_for(folder, days)
t0 = time.perf_counter()
if cmd == "state":
    from aleppo_map.analysis import areas
    project = load_project(with_layer=False, settings=settings)
    table = areas.state_table(project, settings.end)
    table.to_csv(out, index=False, lineterminator="\n")
elif cmd == "stats":
    from aleppo_map.analysis import areas
    project = load_project(settings=settings)
    areas.daily_stats(project).to_csv(out, index=False, lineterminator="\n")
elif cmd == "figures":
    from aleppo_map.analysis import claims
    project = load_project(settings=settings)
    claims.printable(claims.check_figures(project)).to_csv(out, index=False, lineterminator="\n")
elif cmd == "html":
    from aleppo_map.render import html
    project = load_project(settings=settings)
    html.write_map(project, out)
else:
    raise SystemExit("unknown command " + cmd)
work = time.perf_counter() - t0
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"work_s": work, "cpu_s": use.ru_utime + use.ru_stime,
                  "rss": use.ru_maxrss * 1024}}))
"""


def run_one(cmd: str, folder: Path, days: int, out: Path, src: Path) -> dict[str, float]:
    """Run one command in a child process; return wall, work and CPU seconds and peak RSS."""
    # the embedded defaults (the district layer's path) follow $ALEPPO_MAP_DATA
    env = {**os.environ, "PYTHONPATH": str(src), "ALEPPO_MAP_DATA": str(folder / "data")}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD.format(bench=str(HERE)), cmd, str(folder), str(days),
         str(out)],
        env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed on {folder}:\n{proc.stderr[-3000:]}")
    info = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"wall_s": wall, "work_s": float(info["work_s"]), "cpu_s": float(info["cpu_s"]),
            "rss_mb": info["rss"] / 2**20,
            "out_mb": out.stat().st_size / 2**20}


def exponent(n: list[int], y: list[float]) -> float:
    """Slope of log(y) against log(n), by least squares."""
    return float(np.polyfit(np.log(n), np.log(y), 1)[0])


def main() -> None:
    """Run the benchmark and print the table and the exponents."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,3000,10000",
                    help="numbers of districts, comma-separated (default 1000,3000,10000)")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--commands", default=",".join(COMMANDS))
    ap.add_argument("--src", type=Path, default=HERE.parent / "src",
                    help="the src folder to run (default this checkout's)")
    ap.add_argument("--keep", type=Path, help="write the cities and outputs here (kept)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    commands = [c for c in args.commands.split(",") if c.strip()]
    sys.path.insert(0, str(HERE))
    from synthetic import write_city  # benchmarks/ is not a package

    results: dict[str, list[dict[str, float]]] = {c: [] for c in commands}
    print(f"{'command':>8} {'districts':>9} {'days':>4} {'rows':>7} {'wall s':>8} "
          f"{'work s':>8} {'cpu s':>8} {'peak MB':>8} {'out MB':>7}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        root = args.keep or Path(tmp)
        for n in sizes:
            folder = root / f"city_{n}x{args.days}"
            info = write_city(folder, n, args.days)
            for cmd in commands:
                out = folder / f"out_{cmd}.{'html' if cmd == 'html' else 'csv'}"
                r = run_one(cmd, folder, args.days, out, args.src)
                r["n"] = n
                results[cmd].append(r)
                print(f"{cmd:>8} {n:>9} {args.days:>4} {info['rows']:>7} {r['wall_s']:>8.2f} "
                      f"{r['work_s']:>8.2f} {r['cpu_s']:>8.2f} {r['rss_mb']:>8.0f} "
                      f"{r['out_mb']:>7.1f}", flush=True)
    if len(sizes) < 2:
        return
    parts = []
    for cmd in commands:
        rs = results[cmd]
        ns = [int(r["n"]) for r in rs]
        t = exponent(ns, [r["wall_s"] for r in rs])
        c = exponent(ns, [r["cpu_s"] for r in rs])
        m = exponent(ns, [r["rss_mb"] for r in rs])
        parts.append(f"{cmd}: time^{t:.2f} cpu^{c:.2f} mem^{m:.2f}")
    print("exponents vs districts (log-log fit over "
          + "/".join(str(n) for n in sizes) + "): " + "; ".join(parts))


if __name__ == "__main__":
    main()
