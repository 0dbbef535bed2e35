"""A tiny hand-made project for the HTML explorer, with hostile names, notes and titles.

Five invented square districts (not real boundaries) over ten days: a capture, a partial
advance, a repelled assault, two sources disagreeing on the same day, a district drawn
as a point, and text fields carrying HTML, script and jinja syntax that must show as
text. Built through the real ``validate_changes`` and ``build_timeline``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point, box

from aleppo_map.settings import DEFAULTS, Settings
from aleppo_map.timeline import CHANGE_COLUMNS, Timeline, build_timeline, validate_changes

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_AR = "<script>alert(2)</script>"
HOSTILE_NOTE = "{{ 7*7 }} {% if 1 %}x{% endif %} </script><script>alert(3)</script>"
HOSTILE_TITLE = "<b onmouseover=alert(4)>Hostile & source</b>"
START, END = date(2016, 11, 15), date(2016, 11, 24)
#: A data folder without reported_figures.csv, so the fixtures show no figures by default.
NO_DATA = Path(__file__).resolve().parent / "data" / "no-embedded-data"

HEADER = ("change_id,date,district_id,controller,extent,share,remainder,event,basis,"
          "source_id,line,confidence,aggregate,note\n")
ROWS = f"""\
C0001,2016-11-15,alpha,rebel,full,,,baseline,background,s1,3,medium,,opening state
C0002,2016-11-15,bravo,rebel,full,,,baseline,background,s1,3,medium,,
C0003,2016-11-15,charlie,government,full,,,baseline,background,s1,4,high,,
C0004,2016-11-15,hostile,rebel,full,,,baseline,background,s1,3,medium,,"{HOSTILE_NOTE}"
C0005,2016-11-15,delta,sdf,full,,,baseline,background,s1,5,high,,
C0006,2016-11-16,bravo,government,partial,0.4,,advance,stated,s1,7,high,,about two fifths
C0007,2016-11-17,alpha,government,full,,,capture,stated,s1,8,high,,
C0008,2016-11-18,charlie,rebel,full,,,repelled,stated,s2,2,medium,,assault beaten back
C0009,2016-11-18,hostile,government,full,,,capture,stated,s1,9,high,,one source says taken
C0010,2016-11-18,hostile,rebel,full,,,state,stated,s2,3,medium,,"other: held; {HOSTILE_NAME}"
C0011,2016-11-19,bravo,government,full,,,capture,stated,s1,10,high,,
C0012,2016-11-21,alpha,rebel,full,,,recapture,stated,s2,4,low,,low confidence retake
"""


@dataclass(frozen=True)
class FakeRegistry:
    titles: dict[str, str]

    @property
    def ids(self) -> list[str]:
        return list(self.titles)

    def rank(self, source_id: str) -> int:
        return self.ids.index(source_id) + 1

    def title(self, source_id: str) -> str:
        return self.titles[source_id]

    def citation(self, source_id: str, line: int) -> str:
        return f'"{self.titles[source_id]}", line {line}'


@dataclass(frozen=True)
class FakeLayer:
    gdf: gpd.GeoDataFrame
    source: str = "embedded"

    @property
    def missing(self) -> list[str]:
        return list(self.gdf.index[self.gdf["geom_kind"] == "point"])

    @property
    def warnings(self) -> list[str]:
        return []

    def coverage_line(self) -> str:
        return (f"{len(self.gdf) - len(self.missing)} of {len(self.gdf)} districts drawn as "
                f"polygons; {len(self.missing)} as points ({HOSTILE_NAME} test layer)")


@dataclass(frozen=True)
class FakeProject:
    settings: Settings
    registry: FakeRegistry
    changes: pd.DataFrame
    changes_path: Path
    timeline: Timeline
    layer: FakeLayer
    gazetteer: object = None
    opening: pd.DataFrame | None = None  # None: the timeline's first day


def _gdf() -> gpd.GeoDataFrame:
    x0, y0, s = 37.15, 36.20, 0.01
    cells = {
        "alpha": box(x0, y0, x0 + s, y0 + s),
        "bravo": box(x0 + s, y0, x0 + 2 * s, y0 + s),
        "charlie": box(x0, y0 + s, x0 + s, y0 + 2 * s),
        "hostile": box(x0 + s, y0 + s, x0 + 2 * s, y0 + 2 * s),
        "delta": Point(x0 + 2.6 * s, y0 + 1.5 * s),
    }
    names = {
        "alpha": ("Alpha", "ألفا"), "bravo": ("Bravo", "برافو"), "charlie": ("Charlie", "تشارلي"),
        "hostile": (HOSTILE_NAME, HOSTILE_AR), "delta": ("Delta", "دلتا"),
    }
    return gpd.GeoDataFrame(
        {
            "name_en": [names[k][0] for k in cells],
            "name_ar": [names[k][1] for k in cells],
            "sector": ["east", "east", "west", "east", "north"],
            "geom_kind": ["point" if k == "delta" else "polygon" for k in cells],
            "area_km2": [1.0, 1.0, 1.0, 1.0, 0.5],
        },
        geometry=list(cells.values()),
        index=pd.Index(list(cells), name="district_id"),
        crs="EPSG:4326",
    )


def hostile_project() -> FakeProject:
    """Build the fixture project (validated by the real timeline code)."""
    registry = FakeRegistry({"s1": "Plain source", "s2": HOSTILE_TITLE})
    gdf = _gdf()
    ids = list(gdf.index)
    raw = pd.read_csv(io.StringIO(HEADER + ROWS), dtype=str, keep_default_na=False)
    changes = validate_changes(raw, "hostile.csv", ids, {s: registry.rank(s) for s in registry.ids})
    timeline = build_timeline(changes, ids, START, END)
    settings = replace(DEFAULTS, start=START, end=END, data_dir=NO_DATA)
    return FakeProject(settings, registry, changes, Path("hostile.csv"), timeline, FakeLayer(gdf))


#: The sources' own numbers for the fixture: one plain, one hostile.
FIGURES = [
    {"date": "2016-11-17", "text": "a plain claim", "verdict": "consistent"},
    {"date": "2016-11-18", "text": HOSTILE_NAME, "verdict": HOSTILE_AR, "claim": HOSTILE_NOTE,
     "computed": "50%", "source": HOSTILE_TITLE},
]


def synthetic_project(n_districts: int, n_days: int, n_changes: int) -> FakeProject:
    """A grid of *n_districts* invented squares over *n_days*, with *n_changes* captures.

    Used to show that the page grows with geometry plus changes, not districts × days.
    """
    side = int(np.ceil(np.sqrt(n_districts)))
    s = 0.002
    ids = [f"d{k:05d}" for k in range(n_districts)]
    geoms = [box(37.0 + (k % side) * s, 36.0 + (k // side) * s,
                 37.0 + (k % side + 1) * s, 36.0 + (k // side + 1) * s) for k in range(n_districts)]
    gdf = gpd.GeoDataFrame(
        {"name_en": ids, "name_ar": ids, "sector": "east", "geom_kind": "polygon",
         "area_km2": 0.05},
        geometry=geoms, index=pd.Index(ids, name="district_id"), crs="EPSG:4326",
    )
    start = date(2016, 1, 1)
    end = start + timedelta(days=n_days - 1)
    rng = np.random.default_rng(0)
    rows = [[f"B{k}", start.isoformat(), did, "rebel", "full", "", "", "baseline", "background",
             "s1", "1", "medium", "", ""] for k, did in enumerate(ids)]
    for k in range(n_changes):
        day = start + timedelta(days=int(rng.integers(1, n_days)))
        rows.append([f"X{k}", day.isoformat(), ids[int(rng.integers(n_districts))], "government",
                     "full", "", "", "capture", "stated", "s1", str(k + 2), "high", "", ""])
    # rows without the optional date-window columns (date_earliest, date_latest)
    raw = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS[:len(rows[0])]))
    registry = FakeRegistry({"s1": "Synthetic source"})
    changes = validate_changes(raw, "synthetic.csv", ids, {"s1": 1})
    timeline = build_timeline(changes, ids, start, end)
    settings = replace(DEFAULTS, start=start, end=end, data_dir=NO_DATA)
    return FakeProject(settings, registry, changes, Path("synthetic.csv"), timeline,
                       FakeLayer(gdf))
