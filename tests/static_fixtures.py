"""A small hand-made project for the static renderer and the statistics.

Seven invented districts on a grid near Aleppo (not real boundaries) over six days: a
multipolygon, a polygon with a hole, a district drawn as a point (absent from the
"boundary file"), partial advances by the government and by the SDF, a contested
district. Built through the real ``validate_changes`` and ``build_timeline``; colours
are pinned so that baseline images do not move with the defaults.
"""

from __future__ import annotations

import io as stdio
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType, SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import MultiPolygon, Point, Polygon, box

from aleppo_map.settings import Settings
from aleppo_map.timeline import build_timeline, validate_changes

START, END = date(2016, 11, 15), date(2016, 11, 20)
HEADER = ("change_id,date,district_id,controller,extent,share,remainder,event,basis,source_id,"
          "line,confidence,aggregate,note\n")
# a..d rebel-held east, e government west, f sdf north, g (no polygon) rebel.
ROWS = """\
C1,2016-11-15,a,rebel,full,,,baseline,background,s1,1,medium,,
C2,2016-11-15,b,rebel,full,,,baseline,background,s1,1,medium,,
C3,2016-11-15,c,rebel,full,,,baseline,background,s1,1,medium,,
C4,2016-11-15,d,rebel,full,,,baseline,background,s1,1,medium,,
C5,2016-11-15,e,government,full,,,baseline,background,s1,1,medium,,
C6,2016-11-15,f,sdf,full,,,baseline,background,s1,1,medium,,
C7,2016-11-15,g,rebel,full,,,baseline,background,s1,1,medium,,
C8,2016-11-16,a,government,partial,0.4,,advance,stated,s1,5,high,,
C9,2016-11-17,a,government,full,,,capture,stated,s1,6,high,,
C10,2016-11-17,f,sdf,partial,0.3,rebel,advance,stated,s2,3,medium,,
C11,2016-11-18,b,contested,full,,,capture,stated,s2,4,medium,,
C12,2016-11-18,g,government,partial,0.5,,advance,stated,s2,5,medium,,
C13,2016-11-19,b,government,full,,,capture,stated,s1,7,high,,
C14,2016-11-19,c,government,full,,,capture,stated,s1,7,high,,
C15,2016-11-20,d,government,full,,,capture,stated,s1,8,high,,
C16,2016-11-20,g,government,full,,,capture,stated,s1,8,high,,
C17,2016-11-20,f,sdf,full,,,capture,stated,s2,9,medium,,
"""
COLOURS = {"government": "#b30000", "rebel": "#5aae61", "sdf": "#ffe600",
           "contested": "#6a3d9a"}
HATCH_COLOURS = {"government": "#7f0000", "rebel": "#00441b", "sdf": "#8a6d00",
                 "contested": "#3f007d"}
NAMES = {
    "a": ("Hanano", "هنانو"), "b": ("Jabal Badro", "جبل بدرو"), "c": ("al-Sakhour", "الصاخور"),
    "d": ("al-Shaar", "الشعار"), "e": ("al-Jamiliyah", "الجميلية"),
    "f": ("Sheikh Maqsoud", "الشيخ مقصود"), "g": ("Bustan al-Qasr", "بستان القصر"),
}


@dataclass
class FakeRegistry:
    """The part of SourceRegistry the renderer reads."""

    frame: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"title": ["First test source", "Second test source"],
         "publisher": ["Testpedia", "Test News"], "published": ["2016-12-30", "2016-12-13"]},
        index=pd.Index(["s1", "s2"], name="source_id")))

    @property
    def ids(self) -> list[str]:
        return list(self.frame.index)

    def title(self, sid: str) -> str:
        return str(self.frame.at[sid, "title"])

    def rank(self, sid: str) -> int:
        return self.ids.index(sid) + 1


def small_layer() -> gpd.GeoDataFrame:
    """Seven districts about 1 km wide around Aleppo (lon 37.16, lat 36.2)."""
    dx, dy = 0.011, 0.009
    x0, y0 = 37.14, 36.19

    def cell(i: int, j: int) -> Polygon:
        return box(x0 + i * dx, y0 + j * dy, x0 + (i + 1) * dx, y0 + (j + 1) * dy)

    hole = box(x0 + 2.3 * dx, y0 + 1.3 * dy, x0 + 2.7 * dx, y0 + 1.7 * dy)
    holed = Polygon(cell(2, 1).exterior.coords, [hole.exterior.coords])
    geoms = {
        "a": cell(2, 2), "b": holed, "c": MultiPolygon([cell(3, 1), cell(3, 3)]),
        "d": cell(3, 2), "e": Polygon([(x0, y0), (x0 + 2 * dx, y0), (x0 + 2 * dx, y0 + 3 * dy),
                                        (x0 + dx, y0 + 4 * dy), (x0, y0 + 3 * dy)]),
        "f": cell(2, 3), "g": Point(x0 + 2.5 * dx, y0 + 0.5 * dy),
    }
    ids = list(geoms)
    gdf = gpd.GeoDataFrame(
        {"name_en": [NAMES[i][0] for i in ids], "name_ar": [NAMES[i][1] for i in ids],
         "sector": ["east"] * 4 + ["west", "north", "east"],
         "geom_kind": ["point" if i == "g" else "polygon" for i in ids],
         "area_km2": [0.0] * len(ids)},
        geometry=[geoms[i] for i in ids], index=pd.Index(ids, name="district_id"),
        crs="EPSG:4326")
    metric = gdf.geometry.to_crs("EPSG:32637").area / 1e6
    gdf["area_km2"] = np.where(gdf["geom_kind"] == "point", 0.6, metric)
    return gdf


def small_project(rows: str = ROWS, source: str = "embedded"):
    from aleppo_map.project import Project

    registry = FakeRegistry()
    table = pd.read_csv(stdio.StringIO(HEADER + rows), dtype=str, keep_default_na=False)
    ids = list(NAMES)
    ranks = {s: registry.rank(s) for s in registry.ids}
    changes = validate_changes(table, "fixture.csv", ids, ranks)
    timeline = build_timeline(changes, ids, START, END)
    gdf = small_layer()
    layer = SimpleNamespace(gdf=gdf, source=source, missing=["g"], warnings=[],
                            coverage_line=lambda: "6 of 7 districts drawn from polygons")
    # colours pinned, so that the baseline image does not move with the defaults
    settings = Settings(start=START, end=END, colours=MappingProxyType(COLOURS),
                        hatch_colours=MappingProxyType(HATCH_COLOURS))
    return Project(settings, None, registry, changes, Path("fixture.csv"), timeline, layer)
