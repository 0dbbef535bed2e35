"""Size and build time of the HTML explorer page against districts, days and changes.

Prints one line per synthetic project (a grid of invented square districts, a baseline
row each plus random captures), and compares with folium's TimeSliderChoropleth, which
stores a style for every district on every day (measured on a small case, then
extrapolated per district-day).

Run: .venv/bin/python benchmarks/bench_html_size.py [--big]
"""

from __future__ import annotations

import argparse
import time

import folium
from folium.plugins import TimeSliderChoropleth

from aleppo_map.render import html as render_html
from aleppo_map.testing import synthetic_project


def tsc_bytes_per_district_day(n_districts: int = 200, n_days: int = 60) -> float:
    """Bytes folium's TimeSliderChoropleth spends per district per day (styles only)."""
    proj = synthetic_project(n_districts, n_days, 100)
    gdf = proj.layer.gdf.reset_index()
    gdf["i"] = gdf.index.astype(str)

    def styles(k: int) -> dict:
        return {str(1451606400 + 86400 * d): {"color": "#b30000", "opacity": 0.8}
                for d in range(k)}

    sizes = []
    for k in (n_days // 2, n_days):
        m = folium.Map(tiles=None)
        TimeSliderChoropleth(gdf[["i", "geometry"]].set_index("i").to_json(),
                             styledict={str(i): styles(k) for i in range(n_districts)}).add_to(m)
        sizes.append(len(m.get_root().render().encode()))
    return (sizes[1] - sizes[0]) / (n_districts * (n_days - n_days // 2))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", action="store_true", help="also 10,000 districts x 365 days")
    args = ap.parse_args()
    cases = [(100, 38, 300), (100, 365, 300), (1000, 38, 300), (1000, 365, 3000),
             (100, 38, 3000)]
    if args.big:
        cases.append((10_000, 365, 30_000))
    per_cell = tsc_bytes_per_district_day()
    print(f"TimeSliderChoropleth: {per_cell:.1f} bytes per district per day (styles alone)")
    print(f"{'districts':>9} {'days':>5} {'changes':>7} {'page bytes':>11} {'build s':>7} "
          f"{'render s':>8} {'TSC styles est.':>15} {'ratio':>6}")
    for nd, ndays, nc in cases:
        t0 = time.perf_counter()
        proj = synthetic_project(nd, ndays, nc)
        t1 = time.perf_counter()
        size = len(render_html.render_page(proj, figures=[]).encode())
        t2 = time.perf_counter()
        tsc = per_cell * nd * ndays
        print(f"{nd:>9} {ndays:>5} {nc:>7} {size:>11,} {t1 - t0:>7.1f} {t2 - t1:>8.2f} "
              f"{tsc:>15,.0f} {tsc / size:>6.1f}")


if __name__ == "__main__":
    main()
