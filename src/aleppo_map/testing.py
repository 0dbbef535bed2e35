"""Small projects built in memory, shared by the tests, the benchmarks and the notebook.

Every project here is a real :class:`~aleppo_map.project.Project`, built with
:meth:`Project.from_tables <aleppo_map.project.Project.from_tables>` and so validated
like one read from files; none reads a file. Each is made for a battle: by default a
copy of the embedded battle (its sides, colours and metric CRS) whose days start on
the battle's first day and whose tables point nowhere, so that no figures or other
tables of the embedded battle leak into them; pass ``battle=`` to build the same
project for another battle (the side roles below are taken in legend order).

* :func:`small_project`: seven invented districts over six days (a multipolygon, a
  polygon with a hole, a district drawn as a point, partial advances, a contested
  district).
* :func:`hostile_project`: five districts over ten days whose names, notes and source
  titles carry HTML, script and template syntax that must show as text.
* :func:`synthetic_project`: a grid of *n* squares over *n_days* with random captures.
* :func:`frontline_project`: a jittered grid of about 10,000 cells and a front line
  advancing day by day (the frame benchmark).
* :func:`other_battle` and :func:`other_project`: a second battle, unlike the embedded
  one in every respect (three sides of other names and colours, other days, the UTM
  zone of the data, another place).

Examples
--------
>>> from aleppo_map.testing import other_project, small_project
>>> p = small_project()
>>> len(p.timeline.district_ids), len(p.timeline.dates)
(7, 6)
>>> q = other_project()
>>> q.battle.side_ids
('crown', 'guild', 'disputed')
>>> q.settings.metric_crs
'EPSG:32633'
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aleppo_map.battle import TABLES, UTM, Battle, default_battle
from aleppo_map.project import Project
from aleppo_map.timeline import CHANGE_COLUMNS

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

#: Where the tables of the testing battles point: a folder that does not exist.
NOWHERE = Path(__file__).resolve().parent / "_testing_has_no_tables"
#: Header of a control-change table.
HEADER = ",".join(CHANGE_COLUMNS) + "\n"
#: Text fields of the hostile project: HTML, script and template syntax.
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_AR = "<script>alert(2)</script>"
HOSTILE_NOTE = "{{ 7*7 }} {% if 1 %}x{% endif %} </script><script>alert(3)</script>"
HOSTILE_TITLE = "<b onmouseover=alert(4)>Hostile & source</b>"
#: Names of the small project's districts (English, Arabic).
SMALL_NAMES = MappingProxyType({
    "a": ("Hanano", "هنانو"), "b": ("Jabal Badro", "جبل بدرو"), "c": ("al-Sakhour", "الصاخور"),
    "d": ("al-Shaar", "الشعار"), "e": ("al-Jamiliyah", "الجميلية"),
    "f": ("Sheikh Maqsoud", "الشيخ مقصود"), "g": ("Bustan al-Qasr", "بستان القصر"),
})

# Rows of the small project. {A} {B} {C}: the battle's first three sides (legend order),
# {X} its contested side; {d0}..{d5}: its first six days. a..d held by B (the reference
# side) in the east, e by A in the west, f by C in the north, g (no polygon) by B.
_SMALL_ROWS = """\
C1,{d0},a,{B},full,,,baseline,background,s1,1,medium,,
C2,{d0},b,{B},full,,,baseline,background,s1,1,medium,,
C3,{d0},c,{B},full,,,baseline,background,s1,1,medium,,
C4,{d0},d,{B},full,,,baseline,background,s1,1,medium,,
C5,{d0},e,{A},full,,,baseline,background,s1,1,medium,,
C6,{d0},f,{C},full,,,baseline,background,s1,1,medium,,
C7,{d0},g,{B},full,,,baseline,background,s1,1,medium,,
C8,{d1},a,{A},partial,0.4,,advance,stated,s1,5,high,,
C9,{d2},a,{A},full,,,capture,stated,s1,6,high,,
C10,{d2},f,{C},partial,0.3,{B},advance,stated,s2,3,medium,,
C11,{d3},b,{X},full,,,capture,stated,s2,4,medium,,
C12,{d3},g,{A},partial,0.5,,advance,stated,s2,5,medium,,
C13,{d4},b,{A},full,,,capture,stated,s1,7,high,,
C14,{d4},c,{A},full,,,capture,stated,s1,7,high,,
C15,{d5},d,{A},full,,,capture,stated,s1,8,high,,
C16,{d5},g,{A},full,,,capture,stated,s1,8,high,,
C17,{d5},f,{C},full,,,capture,stated,s2,9,medium,,
"""

_HOSTILE_ROWS = """\
C0001,{d0},alpha,{B},full,,,baseline,background,s1,3,medium,,opening state
C0002,{d0},bravo,{B},full,,,baseline,background,s1,3,medium,,
C0003,{d0},charlie,{A},full,,,baseline,background,s1,4,high,,
C0004,{d0},hostile,{B},full,,,baseline,background,s1,3,medium,,"{note}"
C0005,{d0},delta,{C},full,,,baseline,background,s1,5,high,,
C0006,{d1},bravo,{A},partial,0.4,,advance,stated,s1,7,high,,about two fifths
C0007,{d2},alpha,{A},full,,,capture,stated,s1,8,high,,
C0008,{d3},charlie,{B},full,,,repelled,stated,s2,2,medium,,assault beaten back
C0009,{d3},hostile,{A},full,,,capture,stated,s1,9,high,,one source says taken
C0010,{d3},hostile,{B},full,,,state,stated,s2,3,medium,,"other: held; {name}"
C0011,{d4},bravo,{A},full,,,capture,stated,s1,10,high,,
C0012,{d6},alpha,{B},full,,,recapture,stated,s2,4,low,,low confidence retake
"""


# ----------------------------------------------------------------------------- battles
def battle_copy(battle: Battle | None = None, *, first_day: date | None = None,
                   n_days: int | None = None) -> Battle:
    """Copy *battle* (default the embedded one) whose tables point nowhere.

    Parameters
    ----------
    battle : Battle, optional
        The battle to copy (sides, colours, metric CRS, reference).
    first_day : datetime.date, optional
        Its first day (default the battle's).
    n_days : int, optional
        Its number of days (default the battle's).

    Returns
    -------
    Battle
        The copy, ``folder`` unset and every table under :data:`NOWHERE`.
    """
    b = battle if battle is not None else default_battle()
    first = first_day if first_day is not None else b.first_day
    last = first + timedelta(days=(n_days if n_days is not None else b.n_days) - 1)
    return replace(b, first_day=first, last_day=last, folder=None,
                   tables=MappingProxyType({k: NOWHERE / v for k, v in TABLES.items()}))


def other_battle() -> Battle:
    """Build a second battle unlike the embedded one: other sides, colours, days and place.

    Veldora, a fictional river town (coordinates in Central Europe, UTM zone 33N, the
    metric CRS computed from the data), fought over by the Crown and the Guild for
    twelve days of March 2031; the Crown's ground on the first day is the reference.

    Returns
    -------
    Battle
        The battle (built in memory; its tables point nowhere).
    """
    return Battle.from_dict({
        "battle": {"id": "veldora-2031", "name": "Veldora",
                   "title": "Siege of Veldora, 3 to 14 March 2031",
                   "first_day": "2031-03-03", "last_day": "2031-03-14", "metric_crs": UTM},
        "sides": [
            {"id": "crown", "label": "Crown garrison", "short": "the crown",
             "colour": "#1f78b4", "hatch_colour": "#08306b"},
            {"id": "guild", "label": "Guild militia", "short": "the guild",
             "colour": "#ff7f00", "hatch_colour": "#7f2704"},
            {"id": "disputed", "label": "Disputed", "short": "disputed",
             "colour": "#969696", "hatch_colour": "#252525", "contested": True},
        ],
        "reference": {"side": "crown", "exclude_sectors": ["fields"],
                      "label": "crown-held old town",
                      "description": "the town the crown held on the first day"},
        "tables": {k: str(NOWHERE / v) for k, v in TABLES.items()},
    })


def _roles(battle: Battle) -> dict[str, str]:
    """Side ids by role: A, B (the reference side when there is one), C, X (contested)."""
    parties = [s.id for s in battle.sides if not s.contested]
    contested = [s.id for s in battle.sides if s.contested]
    ref = battle.reference.side if battle.reference is not None else None
    if ref in parties:
        parties.remove(ref)
        parties.insert(1, ref)
    if len(parties) < 2:
        raise ValueError(f"battle {battle.name!r}: expected at least two sides that are "
                         f"not contested, got {parties}")
    a, b = parties[0], parties[1]
    c = parties[2] if len(parties) > 2 else a
    x = contested[0] if contested else (parties[3] if len(parties) > 3 else c)
    return {"A": a, "B": b, "C": c, "X": x}


def _days(battle: Battle, n: int) -> dict[str, str]:
    return {f"d{k}": (battle.first_day + timedelta(days=k)).isoformat() for k in range(n)}


# ----------------------------------------------------------------------------- tables
def changes_frame(text: str) -> pd.DataFrame:
    """Read control-table rows (CSV text without or with the header) as strings.

    Parameters
    ----------
    text : str
        CSV rows.

    Returns
    -------
    pandas.DataFrame
        All strings, empty where blank.
    """
    if not text.startswith("change_id"):
        text = HEADER + text
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def registry_frame(titles: dict[str, str], *, publishers: Sequence[str] | None = None,
                   published: Sequence[date] | None = None) -> pd.DataFrame:
    """Build a source registry for sources that have no text file.

    Parameters
    ----------
    titles : dict
        Source id -> title, in rank order.
    publishers : Sequence[str], optional
        One per source (default "Testpedia").
    published : Sequence[datetime.date], optional
        One per source (default 2000-01-01).

    Returns
    -------
    pandas.DataFrame
        The registry in the columns of ``sources.csv``.
    """
    ids = list(titles)
    pubs = list(publishers) if publishers is not None else ["Testpedia"] * len(ids)
    days = list(published) if published is not None else [date(2000, 1, 1)] * len(ids)
    return pd.DataFrame({
        "source_id": ids, "file": [f"{i}.txt" for i in ids], "title": list(titles.values()),
        "publisher": pubs, "published": [d.isoformat() for d in days],
        "kind": ["news"] * len(ids), "sha256": ["0" * 64] * len(ids),
        "rank": [str(k + 1) for k in range(len(ids))],
    })


def gazetteer_frame(layer: gpd.GeoDataFrame) -> pd.DataFrame:
    """Build a gazetteer for a joined layer: names, sectors, centres and areas from its rows.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        Indexed by ``district_id``, with ``name_en``, ``name_ar``, ``sector`` and
        ``area_km2``, in EPSG:4326.

    Returns
    -------
    pandas.DataFrame
        The gazetteer in the columns of ``gazetteer.csv``.
    """
    centre = layer.geometry.representative_point()
    return pd.DataFrame({
        "district_id": list(layer.index), "name_en": list(layer["name_en"]),
        "name_ar": list(layer["name_ar"]), "aliases": "", "sector": list(layer["sector"]),
        "lat": centre.y.round(6).astype(str).to_numpy(),
        "lon": centre.x.round(6).astype(str).to_numpy(),
        "area_km2": layer["area_km2"].astype(float).round(4).astype(str).to_numpy(),
    })


def layer_frame(geoms: Mapping[str, BaseGeometry], names: Mapping[str, tuple[str, str]],
                sectors: Sequence[str], *, point_area: float = 0.6,
                metric_crs: str | None = None) -> gpd.GeoDataFrame:
    """Build a joined district layer from shapes in EPSG:4326.

    Parameters
    ----------
    geoms : dict
        District id -> polygon, multipolygon or point (a district the file lacks).
    names : dict
        District id -> (English name, Arabic name).
    sectors : Sequence[str]
        One sector per district.
    point_area : float
        Estimated km² of a district drawn as a point.
    metric_crs : str, optional
        CRS to measure polygons in (default the UTM zone of the shapes).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``district_id``: ``name_en``, ``name_ar``, ``sector``,
        ``geom_kind``, ``area_km2``.
    """
    import geopandas as gpd

    ids = list(geoms)
    gdf = gpd.GeoDataFrame(
        {"name_en": [names[i][0] for i in ids], "name_ar": [names[i][1] for i in ids],
         "sector": list(sectors),
         "geom_kind": ["point" if geoms[i].geom_type == "Point" else "polygon"
                       for i in ids]},
        geometry=[geoms[i] for i in ids], index=pd.Index(ids, name="district_id"),
        crs="EPSG:4326")
    crs = metric_crs or gdf.estimate_utm_crs()
    metric = gdf.geometry.to_crs(crs).area / 1e6
    gdf["area_km2"] = np.where(gdf["geom_kind"] == "point", point_area, metric)
    return gdf


# ----------------------------------------------------------------------------- projects
def small_layer(battle: Battle | None = None, *, lon: float = 37.14, lat: float = 36.19,
                ) -> gpd.GeoDataFrame:
    """Draw the small project's seven districts, each about 1 km wide, from (*lon*, *lat*).

    Parameters
    ----------
    battle : Battle, optional
        Whose metric CRS measures the areas (default the embedded battle's).
    lon, lat : float
        South-west corner of the grid.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`layer_frame`.
    """
    from shapely.geometry import MultiPolygon, Point, Polygon, box

    b = battle if battle is not None else default_battle()
    dx, dy = 0.011, 0.009
    x0, y0 = lon, lat

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
    return layer_frame(geoms, dict(SMALL_NAMES), ["east"] * 4 + ["west", "north", "east"],
                       metric_crs=b.metric_crs_for(x0, y0))


def small_rows(battle: Battle | None = None) -> str:
    """Write the small project's control-table rows (without header) for *battle*.

    Parameters
    ----------
    battle : Battle, optional
        Default the embedded battle.

    Returns
    -------
    str
        CSV rows.
    """
    b = battle if battle is not None else default_battle()
    return _SMALL_ROWS.format(**_roles(b), **_days(b, 6))


def small_project(rows: str | None = None, source: str = "embedded",
                  battle: Battle | None = None) -> Project:
    """Seven invented districts over six days (see the module's description).

    Parameters
    ----------
    rows : str, optional
        Control-table rows (default :func:`small_rows`).
    source : str
        What the layer says it came from (``"embedded"`` for the approximate layer).
    battle : Battle, optional
        Default a copy of the embedded battle.

    Returns
    -------
    Project
        The project, its layer joined in memory.
    """
    b = battle_copy(battle, n_days=6)
    layer = small_layer(b)
    last = b.last_day
    registry = registry_frame({"s1": "First test source", "s2": "Second test source"},
                              publishers=["Testpedia", "Test News"],
                              published=[last + timedelta(days=8), last - timedelta(days=9)])
    project = Project.from_tables(
        b, gazetteer_frame(layer), changes_frame(rows if rows is not None else small_rows(b)),
        registry, layer_gdf=layer, changes_path="fixture.csv")
    return _with_source(project, source)


def _with_source(project: Project, source: str) -> Project:
    if project.layer is None:  # pragma: no cover - every caller passes a layer
        raise ValueError("expected a project with a district layer, got none")
    return replace(project, layer=replace(project.layer, source=source))


def hostile_layer(*, lon: float = 37.15, lat: float = 36.20) -> gpd.GeoDataFrame:
    """Draw the hostile project's five districts (four squares and a point).

    Parameters
    ----------
    lon, lat : float
        South-west corner.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`layer_frame`, with fixed areas (1 km², 0.5 km² for the point).
    """
    from shapely.geometry import Point, box

    x0, y0, s = lon, lat, 0.01
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
    gdf = layer_frame(cells, names, ["east", "east", "west", "east", "north"])
    gdf["area_km2"] = [1.0, 1.0, 1.0, 1.0, 0.5]
    return gdf


def hostile_project(battle: Battle | None = None) -> Project:
    """Five districts over ten days with hostile names, notes and source titles.

    A capture, a partial advance, a repelled assault, two sources disagreeing on the
    same day, a district drawn as a point.

    Parameters
    ----------
    battle : Battle, optional
        Default a copy of the embedded battle.

    Returns
    -------
    Project
        The project.
    """
    b = battle_copy(battle, n_days=10)
    layer = hostile_layer()
    rows = _HOSTILE_ROWS.format(**_roles(b), **_days(b, 7), note=HOSTILE_NOTE.replace('"', '""'),
                                name=HOSTILE_NAME)
    registry = registry_frame({"s1": "Plain source", "s2": HOSTILE_TITLE})
    return Project.from_tables(b, gazetteer_frame(layer), changes_frame(rows), registry,
                               layer_gdf=layer, changes_path="hostile.csv")


def synthetic_project(n_districts: int, n_days: int, n_changes: int,
                      battle: Battle | None = None) -> Project:
    """Build a grid of *n_districts* invented squares over *n_days*, with *n_changes* captures.

    Used to show that the explorer page grows with geometry plus changes, not
    districts × days.

    Parameters
    ----------
    n_districts, n_days, n_changes : int
        Sizes.
    battle : Battle, optional
        Default a copy of the embedded battle.

    Returns
    -------
    Project
        The project.
    """
    from shapely.geometry import box

    b = battle_copy(battle, n_days=n_days)
    roles = _roles(b)
    per_row = int(np.ceil(np.sqrt(n_districts)))
    s = 0.002
    ids = [f"d{k:05d}" for k in range(n_districts)]
    geoms = {did: box(37.0 + (k % per_row) * s, 36.0 + (k // per_row) * s,
                      37.0 + (k % per_row + 1) * s, 36.0 + (k // per_row + 1) * s)
             for k, did in enumerate(ids)}
    layer = layer_frame(geoms, {d: (d, d) for d in ids}, ["east"] * n_districts)
    layer["area_km2"] = 0.05
    rng = np.random.default_rng(0)
    first = b.first_day
    rows = [[f"B{k}", first.isoformat(), did, roles["B"], "full", "", "", "baseline",
             "background", "s1", "1", "medium", "", ""] for k, did in enumerate(ids)]
    for k in range(n_changes):
        day = first + timedelta(days=int(rng.integers(1, n_days)))
        rows.append([f"X{k}", day.isoformat(), ids[int(rng.integers(n_districts))], roles["A"],
                     "full", "", "", "capture", "stated", "s1", str(k + 2), "high", "", ""])
    # rows without the optional date-window columns (date_earliest, date_latest)
    raw = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS[:len(rows[0])]))
    return Project.from_tables(b, gazetteer_frame(layer), raw,
                               registry_frame({"s1": "Synthetic source"}), layer_gdf=layer,
                               changes_path="synthetic.csv")


def frontline_project(n: int = 10_000, seed: int = 7, battle: Battle | None = None,
                      *, lon: float = 37.16, lat: float = 36.2) -> Project:
    """Build a jittered grid of about *n* quadrilaterals and a front line over the battle's days.

    Day 0: the west (columns < half) held by side A, the east by B, a northern block by
    C. Each day A takes the next column; the column at the front is split (A 0.5, B the
    rest), and a few cells beside it are contested.

    Parameters
    ----------
    n : int
        About how many cells.
    seed : int
        Seed of the jitter.
    battle : Battle, optional
        Default a copy of the embedded battle.
    lon, lat : float
        Centre of the grid.

    Returns
    -------
    Project
        The project (layer source ``synthetic.geojson``).
    """
    import geopandas as gpd
    from shapely import polygons

    b = battle_copy(battle)
    roles = _roles(b)
    metric_crs = b.metric_crs_for(lon, lat)
    side = round(n**0.5)
    rng = np.random.default_rng(seed)
    cell = 150.0
    centre = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs="EPSG:4326").to_crs(metric_crs)
    x0, y0 = centre.x.iloc[0] - side * cell / 2, centre.y.iloc[0] - side * cell / 2
    gx, gy = np.meshgrid(np.arange(side + 1) * cell + x0, np.arange(side + 1) * cell + y0)
    gx = gx + rng.uniform(-0.3, 0.3, gx.shape) * cell
    gy = gy + rng.uniform(-0.3, 0.3, gy.shape) * cell
    rings = [[(gx[j, i], gy[j, i]), (gx[j, i + 1], gy[j, i + 1]),
              (gx[j + 1, i + 1], gy[j + 1, i + 1]), (gx[j + 1, i], gy[j + 1, i])]
             for j in range(side) for i in range(side)]
    ids = [f"s{k:05d}" for k in range(side * side)]
    metric = gpd.GeoSeries(polygons(np.array(rings)), crs=metric_crs)
    layer = gpd.GeoDataFrame(
        {"name_en": ids, "name_ar": [""] * len(ids), "sector": "synthetic",
         "geom_kind": "polygon", "area_km2": metric.area.to_numpy() / 1e6},
        geometry=metric.to_crs("EPSG:4326").to_numpy(), crs="EPSG:4326",
        index=pd.Index(ids, name="district_id"))
    rows: list[list[str]] = []

    def add(day: date, k: int, ctrl: str, extent: str = "full", share: str = "",
            rest: str = "", event: str = "capture") -> None:
        rows.append([f"R{len(rows) + 1}", day.isoformat(), ids[k], ctrl, extent, share, rest,
                     event, "stated", "synthetic", "1", "high", "", ""])

    half = side // 2
    start = b.first_day
    for j in range(side):
        for i in range(side):
            owner = (roles["C"] if j >= side - side // 7 and half - 8 <= i < half + 8
                     else roles["A"] if i < half else roles["B"])
            add(start, j * side + i, owner, event="baseline")
    for d in range(1, b.n_days):
        day = start + timedelta(days=d)
        front = half + d
        for j in range(side):
            if j >= side - side // 7 and half - 8 <= front - 1 < half + 8:
                continue  # the northern block stays
            if front - 1 < side:
                add(day, j * side + front - 1, roles["A"])
            if front < side:
                if j % 9 == d % 9:
                    add(day, j * side + front, roles["X"])
                else:
                    add(day, j * side + front, roles["A"], "partial", "0.5", roles["B"],
                        "advance")
    # rows without the optional date-window columns (date_earliest, date_latest)
    raw = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS[:len(rows[0])]))
    project = Project.from_tables(
        b, gazetteer_frame(layer), raw, registry_frame({"synthetic": "Synthetic benchmark table"}),
        layer_gdf=layer, changes_path="synthetic")
    return _with_source(project, "synthetic.geojson")


def other_project() -> Project:
    """Build the small project for :func:`other_battle`, placed in Veldora (UTM zone 33N).

    Returns
    -------
    Project
        Seven districts over the battle's first six days; the crown is the reference side.
    """
    b = battle_copy(other_battle(), n_days=6)
    layer = small_layer(b, lon=14.52, lat=50.08)
    layer["name_en"] = ["Millgate", "Tanners' Row", "Old Bridge", "Chapel Hill", "Westfield",
                        "North Locks", "Ferry Steps"]
    layer["name_ar"] = ""
    last = b.last_day
    registry = registry_frame({"s1": "Veldora Town Chronicle", "s2": "River Post"},
                              publishers=["Chronicle", "River Post"],
                              published=[last + timedelta(days=2), last + timedelta(days=3)])
    return Project.from_tables(b, gazetteer_frame(layer), changes_frame(small_rows(b)), registry,
                               layer_gdf=layer, changes_path="veldora.csv")


def skip_or_fail(reason: str) -> None:
    """Skip a test whose outside requirement is missing; under ``CI=true``, fail it.

    Parameters
    ----------
    reason : str
        What is missing.
    """
    import os

    import pytest

    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + "; under CI=true this is a failure, not a skip")
    pytest.skip(reason)


__all__ = [
    "HOSTILE_AR",
    "HOSTILE_NAME",
    "HOSTILE_NOTE",
    "HOSTILE_TITLE",
    "NOWHERE",
    "SMALL_NAMES",
    "battle_copy",
    "changes_frame",
    "frontline_project",
    "gazetteer_frame",
    "hostile_layer",
    "hostile_project",
    "layer_frame",
    "other_battle",
    "other_project",
    "registry_frame",
    "skip_or_fail",
    "small_layer",
    "small_project",
    "small_rows",
    "synthetic_project",
]
