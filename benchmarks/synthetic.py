"""A synthetic city of N districts over D days, written as the files aleppo-map reads.

The city is a grid of square cells (about 110 m wide) around Aleppo, invented, not
real. On day one the rebels hold every cell but an SDF pocket in the north-west corner
and a government strip along the west edge; a government front then sweeps east one
column at a time, so that every district changes hands once. Each district gets about
four rows:

* a ``baseline`` row on the first day;
* a ``partial`` government advance (share 0.4) two days before its capture;
* a ``capture`` row;
* one more row, in turn: a ``repelled`` rebel counter-attack the day after, a second
  source reporting the capture the same day with a different state (``superseded``
  and ``disputed``), or a rebel ``recapture`` three days later followed by nothing
  (the district ends rebel-held).

Written to ``FOLDER/data`` (``gazetteer.csv``, ``districts.geojson``,
``control_changes.csv``, ``aggregates.csv``, ``reported_figures.csv``) and
``FOLDER/seeds/sources.csv``: point ``ALEPPO_MAP_DATA`` at ``FOLDER/data``, or build a
:class:`~aleppo_map.settings.Settings` with :func:`settings_for`, and
:func:`aleppo_map.project.load_project` loads it like the embedded data.

Run: ``python benchmarks/synthetic.py FOLDER --districts 10000 --days 365``
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from aleppo_map.settings import DEFAULTS, Settings
from aleppo_map.timeline import CHANGE_COLUMNS

#: First day of every synthetic city: the offensive's first day, so that the
#: battle's reference area (the ground one side held on its first day) is defined.
START: date = DEFAULTS.start
#: Cell size in degrees (about 110 m north-south).
CELL: float = 0.001
#: South-west corner of the grid: Aleppo's centre, more or less.
ORIGIN: tuple[float, float] = (37.10, 36.15)
SOURCES: tuple[tuple[str, str, str, int], ...] = (
    ("synth-a", "Synthetic daily report", "Bench Wire", 1),
    ("synth-b", "Synthetic weekly summary", "Bench Weekly", 2),
    ("synth-c", "Synthetic encyclopedia entry", "Benchpedia", 3),
)
_AR_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def settings_for(folder: Path, n_days: int) -> Settings:
    """Settings that read the synthetic city in *folder*, over its *n_days* days.

    Parameters
    ----------
    folder : pathlib.Path
        Folder written by :func:`write_city`.
    n_days : int
        Days of the city.

    Returns
    -------
    Settings
        ``data_dir``, ``registry_dir``, ``start`` and ``end`` set.
    """
    return replace(DEFAULTS, data_dir=Path(folder) / "data", registry_dir=Path(folder) / "seeds",
                   start=START, end=START + timedelta(days=n_days - 1))


def _grid(n: int) -> tuple[int, int]:
    cols = max(1, math.ceil(math.sqrt(n)))
    return cols, math.ceil(n / cols)


def write_city(folder: Path, n_districts: int, n_days: int) -> dict[str, int]:
    """Write a synthetic city of *n_districts* districts over *n_days* days.

    Parameters
    ----------
    folder : pathlib.Path
        Output folder (created); ``data/`` and ``seeds/`` are written inside.
    n_districts : int
        Number of districts (at least 4).
    n_days : int
        Number of days (at least 8).

    Returns
    -------
    dict
        ``districts``, ``days`` and ``rows`` (control-table rows written).
    """
    if n_districts < 4 or n_days < 8:
        raise ValueError("a synthetic city needs at least 4 districts and 8 days")
    folder = Path(folder)
    data, seeds = folder / "data", folder / "seeds"
    data.mkdir(parents=True, exist_ok=True)
    seeds.mkdir(parents=True, exist_ok=True)
    cols, nrows = _grid(n_districts)
    x0, y0 = ORIGIN
    ids = [f"q{i:06d}" for i in range(n_districts)]

    def cell(i: int) -> tuple[int, int]:
        return i % cols, i // cols

    # --- gazetteer and boundaries
    area_km2 = (CELL * 111.32 * math.cos(math.radians(y0 + CELL * nrows / 2))) * (CELL * 110.57)
    features = []
    with (data / "gazetteer.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["district_id", "name_en", "name_ar", "aliases", "lat", "lon", "area_km2",
                    "sector", "geom_basis"])
        for i, did in enumerate(ids):
            cx, cy = cell(i)
            sector = "outskirts" if cy == nrows - 1 and nrows > 2 else (
                "west" if cx < cols // 2 else "east")
            lon, lat = x0 + (cx + 0.5) * CELL, y0 + (cy + 0.5) * CELL
            name_en = f"Quarter {did.upper()}"
            name_ar = "حي " + str(i).translate(_AR_DIGITS)
            w.writerow([did, name_en, name_ar, f"{did.upper()} block", f"{lat:.6f}",
                        f"{lon:.6f}", f"{area_km2:.4f}", sector, "synthetic"])
            sx, sy = x0 + cx * CELL, y0 + cy * CELL
            ring = [[round(sx, 6), round(sy, 6)], [round(sx + CELL, 6), round(sy, 6)],
                    [round(sx + CELL, 6), round(sy + CELL, 6)],
                    [round(sx, 6), round(sy + CELL, 6)], [round(sx, 6), round(sy, 6)]]
            features.append({"type": "Feature",
                             "properties": {"district_id": did, "name_en": name_en},
                             "geometry": {"type": "Polygon", "coordinates": [ring]}})
    (data / "districts.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")),
        encoding="utf-8")

    # --- control table: a government front sweeping east, one column at a time
    sdf_cols, gov_cols = max(1, cols // 10), max(1, cols // 20)
    span = n_days - 6  # captures from day 3 to day n_days - 4
    n_rows = 0
    with (data / "control_changes.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(CHANGE_COLUMNS)
        day = [START + timedelta(days=k) for k in range(n_days)]

        def row(d: int, did: str, ctrl: str, extent: str, share: str, event: str, basis: str,
                src: str, line: int, conf: str, note: str = "") -> None:
            nonlocal n_rows
            n_rows += 1
            w.writerow([f"C{n_rows:07d}", day[d].isoformat(), did, ctrl, extent, share, "",
                        event, basis, src, line, conf, "", note,
                        *[""] * (len(CHANGE_COLUMNS) - 14)])  # later columns (date windows) empty

        for i, did in enumerate(ids):
            cx, cy = cell(i)
            line = 1 + i % 400
            if cx < sdf_cols and cy < max(1, nrows // 10):
                row(0, did, "sdf", "full", "", "baseline", "background", "synth-c", line, "medium")
                continue
            if cx < gov_cols:
                row(0, did, "government", "full", "", "baseline", "background", "synth-c", line,
                    "medium")
                continue
            row(0, did, "rebel", "full", "", "baseline", "background", "synth-c", line, "medium")
            t = 3 + (cx * span) // cols
            row(t - 2, did, "government", "partial", "0.4", "advance", "stated", "synth-a",
                line + 1, "high")
            row(t, did, "government", "full", "", "capture", "stated", "synth-a", line + 2, "high")
            kind = i % 3
            if kind == 0:
                row(t + 1, did, "rebel", "full", "", "repelled", "stated", "synth-b", line + 3,
                    "medium", "counter-attack beaten back")
            elif kind == 1:
                row(t, did, "contested", "full", "", "state", "inferred", "synth-b", line + 3,
                    "low", "second source: still fought over")
            else:
                row(t + 3, did, "rebel", "full", "", "recapture", "stated", "synth-b", line + 3,
                    "medium")

    # --- registry, aggregates, reported figures
    with (seeds / "sources.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["source_id", "file", "title", "publisher", "published", "kind", "sha256",
                    "rank"])
        for sid, title, publisher, rank in SOURCES:
            w.writerow([sid, f"{sid}.txt", title, publisher, "2017-01-01",
                        "encyclopedia" if sid == "synth-c" else "news", f"{rank:064x}", rank])
    with (data / "aggregates.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["aggregate", "phrases", "members", "note"])
        w.writerow(["synthetic-west", "western quarters", "|".join(ids[:3]), "unused by rows"])
    mid = (START + timedelta(days=n_days // 2)).isoformat()
    late = (START + timedelta(days=n_days - 2)).isoformat()
    rebel_did = ids[cols - 1]  # east edge, first row: rebel until late
    figures = [
        ["F01", mid, "", "", "reference_share", "", "government", "50", "percent", "about"],
        ["F02", mid, "", "", "reference_share", "", "rebel", "45", "percent", "about"],
        ["F03", mid, "", "", "side_area_km2", "", "rebel", f"{area_km2 * n_districts / 2:.1f}",
         "km2", "about"],
        ["F04", mid, "", "", "side_gain_km2", "", "government",
         f"{area_km2 * n_districts / 2:.1f}", "km2", ">"],
        ["F05", mid, late, "", "district_share", rebel_did, "rebel", "1", "fraction", "="],
        ["F06", mid, "", "", "district_of_side_area", rebel_did, "rebel", "1", "percent", "<"],
        ["F07", mid, "", "start-of-day", "reference_count_share", "", "government",
         "50", "percent", "about"],
        ["F08", late, "", "", "side_district_count", "", "rebel", str(n_districts // 3),
         "count", "<="],
        ["F09", mid, "", "", "city_share", "", "government", "50", "percent", "about"],
    ]
    with (data / "reported_figures.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["figure_id", "date", "date_latest", "as_of", "scope", "district_id", "side",
                    "value", "unit", "comparison", "source_id", "line", "quote_number",
                    "date_note", "note"])
        for k, f in enumerate(figures):
            w.writerow([*f, "synth-b", 10 + k, f[7], "", "synthetic claim"])
    return {"districts": n_districts, "days": n_days, "rows": n_rows}


def main() -> None:
    """Write one synthetic city from the command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--districts", type=int, default=1000)
    ap.add_argument("--days", type=int, default=365)
    args = ap.parse_args()
    info = write_city(args.folder, args.districts, args.days)
    print(f"wrote {info['districts']} districts x {info['days']} days, {info['rows']} rows "
          f"to {args.folder}")


if __name__ == "__main__":
    main()
