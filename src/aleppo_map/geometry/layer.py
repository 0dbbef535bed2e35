"""District geometry: build the embedded approximate layer, and load any boundary file.

Two jobs, one module:

* :func:`build_layer` and :func:`write_layer` make ``data/districts.geojson``, the
  *approximate* layer the package ships. It is generated from the gazetteer alone
  (a centre and an area per district), never traced from a map: a city footprint made
  of one disc per district, divided among the district centres by a power diagram (a
  Voronoi diagram with one weight per centre) whose weights are solved so that every
  cell has its district's area. Cells partition the footprint, so districts never
  overlap. The borders are invented: the layer shows *which* district is where and how
  big it is, not its true outline.
* :func:`load_districts` reads any polygon file GeoPandas reads (the embedded layer,
  or a user's file given with ``--districts``), in any CRS, matches each feature's
  name to the gazetteer, repairs what can be repaired (with a warning) and refuses
  what cannot (with one error listing every problem). Districts the file lacks are
  kept as points at their gazetteer centre, so that every district of the control
  table still appears on the map and in the statistics, and the
  :meth:`DistrictLayer.coverage_line` says so.

A foreign file whose feature names a district the gazetteer does not know is an
error, not a silent drop: the user either fixes the name in the file, or adds the
spelling as an alias of the right district in ``data/gazetteer.csv``.

Examples
--------
>>> from aleppo_map.gazetteer import load_gazetteer
>>> layer = load_districts(None, load_gazetteer())
>>> layer.source, len(layer.gdf), layer.missing
('embedded', 135, [])
>>> layer.gdf.loc["citadel", "geom_kind"], round(float(layer.gdf.loc["citadel", "area_km2"]), 2)
('polygon', 0.13)
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import MultiPolygon, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from aleppo_map import _io as io
from aleppo_map._errors import InputFileError, Problem, ValidationError
from aleppo_map.gazetteer import Gazetteer
from aleppo_map.settings import DEFAULTS

#: Fields tried, in this order, when no ``name_field`` is given.
NAME_FIELDS: tuple[str, ...] = (
    "district_id", "NAME", "name", "name_en", "NAME_EN", "Name", "NAME_A", "NAME_AR", "name_ar",
    "Name_Ar", "district", "DISTRICT", "neighbourhood", "neighborhood", "NEIGHBORHOOD",
)
#: Fields tried for an Arabic name when the main name does not resolve.
ARABIC_FIELDS: tuple[str, ...] = ("NAME_A", "NAME_AR", "name_ar", "Name_Ar", "NAME_ARABIC",
                                  "name_arabic", "arabic")
#: Relative tolerance on the area of every built district.
AREA_TOLERANCE = 0.02

# --- build parameters (changing any of them changes data/districts.geojson) ----------
_DISC_QUAD_SEGS = 8  # segments per quarter circle of the footprint's discs
_CLOSE_M = 250.0  # closing radius that fills the bays between the discs
_SCALE_STEPS = 30  # bisection steps on the footprint's disc scale
_NEWTON_STEPS = 12
_AREA_RTOL = 1e-5  # Newton stops when every cell is this close to its capacity
_FRAGMENT_ROUNDS = 4  # re-solves after handing cut-off fragments to a neighbour
_BOX_PAD_M = 1000.0


# ============================================================================ build
def _footprint(xy: np.ndarray, radius: np.ndarray, scale: float) -> BaseGeometry:
    """Union of discs of radius ``scale * radius`` around *xy*, closed, without holes."""
    discs = shapely.buffer(shapely.points(xy), radius * scale, quad_segs=_DISC_QUAD_SEGS)
    shape = shapely.union_all(discs).buffer(_CLOSE_M, quad_segs=4).buffer(-_CLOSE_M, quad_segs=4)
    return shapely.union_all([Polygon(p.exterior) for p in shapely.get_parts(shape)])


def _clusters(xy: np.ndarray, area: np.ndarray) -> list[tuple[list[int], BaseGeometry]]:
    """Group districts that touch; give each group a footprint of its total area.

    A district's disc has the radius of a circle of its area, times a scale shared by
    its group and found by bisection so that the group's footprint (union of discs,
    closed over ``_CLOSE_M``, holes filled) has exactly the group's total area. Groups
    start as districts whose plain discs touch and merge while their footprints
    overlap: an outlying district (the Sheikh Najjar industrial city) is a group of its
    own, a disc of its area.
    """
    n = len(xy)
    radius = np.sqrt(area / math.pi)
    reach = list(shapely.buffer(shapely.points(xy), radius, quad_segs=_DISC_QUAD_SEGS))
    groups: list[list[int]] = []
    domains: list[BaseGeometry] = []
    while True:
        left, right = shapely.STRtree(reach).query(reach, predicate="intersects")
        parent = list(range(n))

        def root(k: int, parent: list[int] = parent) -> int:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for a, b in zip(left, right, strict=True):
            ra, rb = root(int(a)), root(int(b))
            parent[max(ra, rb)] = min(ra, rb)
        members: dict[int, list[int]] = {}
        for k in range(n):
            members.setdefault(root(k), []).append(k)
        new_groups = sorted(members.values())
        if new_groups == groups:
            return list(zip(groups, domains, strict=True))
        groups, domains = new_groups, []
        for group in groups:
            total = float(area[group].sum())
            lo, hi = 0.2, 4.0
            for _ in range(_SCALE_STEPS):
                mid = 0.5 * (lo + hi)
                if _footprint(xy[group], radius[group], mid).area < total:
                    lo = mid
                else:
                    hi = mid
            domain = _footprint(xy[group], radius[group], hi)
            domains.append(domain)
            for k in group:
                reach[k] = domain


def _clip(
    verts: list[tuple[float, float]], labels: list[int], a: tuple[float, float], b: float,
    label: int,
) -> tuple[list[tuple[float, float]], list[int]]:
    """Clip a convex polygon by the half-plane ``a . x <= b`` (Sutherland-Hodgman).

    ``labels[k]`` names the constraint that made the edge from vertex *k* to *k+1*;
    the new edge along the clip line gets *label*.
    """
    out_v: list[tuple[float, float]] = []
    out_l: list[int] = []
    n = len(verts)
    vals = [a[0] * x + a[1] * y - b for x, y in verts]
    for k in range(n):
        p, q = verts[k], verts[(k + 1) % n]
        fp, fq = vals[k], vals[(k + 1) % n]
        if fp <= 0.0:
            out_v.append(p)
            out_l.append(labels[k])
            if fq > 0.0:
                t = fp / (fp - fq)
                out_v.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
                out_l.append(label)
        elif fq <= 0.0:
            t = fp / (fp - fq)
            out_v.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
            out_l.append(labels[k])
    return out_v, out_l


def _power_cells(
    xy: np.ndarray, w: np.ndarray, box: tuple[float, float, float, float],
) -> list[tuple[list[tuple[float, float]], list[int]]]:
    """Cells of the power diagram of sites *xy* with weights *w*, inside *box*.

    Cell *i* is ``{x : |x - p_i|^2 - w_i <= |x - p_j|^2 - w_j for all j}``: a convex
    polygon. Edge labels give the neighbour across each edge (-1 for the box).
    """
    x0, y0, x1, y1 = box
    scale = max(abs(x0), abs(y0), abs(x1), abs(y1))
    sq = (xy**2).sum(axis=1)
    cells = []
    for i in range(len(xy)):
        verts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        labels = [-1, -1, -1, -1]
        # half-plane against j: 2 x.(p_j - p_i) <= |p_j|^2 - |p_i|^2 + w_i - w_j
        a_all = 2.0 * (xy - xy[i])
        b_all = sq - sq[i] + w[i] - w
        b_all[i] = np.inf
        # a constraint is applied once; rounding may leave a vertex a hair outside it
        finite = np.abs(b_all[np.isfinite(b_all)])
        tol = 1e-9 * (np.abs(a_all).sum(axis=1) * scale + (finite.max() if finite.size else 0.0))
        while verts:
            excess = np.asarray(verts) @ a_all.T - b_all - tol  # vertices x constraints
            worst = excess.max(axis=0)
            j = int(worst.argmax())
            if worst[j] <= 0.0:
                break
            verts, labels = _clip(verts, labels, (a_all[j, 0], a_all[j, 1]), b_all[j], j)
            b_all[j] = np.inf
        cells.append((verts, labels))
    return cells


def _cells_in(
    domain: BaseGeometry, xy: np.ndarray, w: np.ndarray, box: tuple[float, float, float, float],
) -> tuple[list[BaseGeometry], np.ndarray, dict[tuple[int, int], float]]:
    """Power cells cut to *domain*: shapes, areas, and shared edge length inside it."""
    cells = _power_cells(xy, w, box)
    polys = np.array([Polygon(v) if len(v) >= 3 else Polygon() for v, _ in cells], dtype=object)
    shapes = list(shapely.intersection(polys, domain))
    segments, pairs = [], []
    for i, (verts, labels) in enumerate(cells):
        for k, j in enumerate(labels):
            if j > i:
                segments.append(shapely.LineString([verts[k], verts[(k + 1) % len(verts)]]))
                pairs.append((i, j))
    lengths = shapely.length(shapely.intersection(np.array(segments, dtype=object), domain))
    return shapes, shapely.area(np.array(shapes, dtype=object)), dict(
        zip(pairs, (float(v) for v in lengths), strict=True))


def _solve_weights(
    xy: np.ndarray, capacity: np.ndarray, domain: BaseGeometry, w: np.ndarray,
) -> tuple[np.ndarray, list[BaseGeometry]]:
    """Weights whose power cells, cut to *domain*, have the areas *capacity*.

    The semi-discrete optimal-transport problem, solved with the damped Newton method
    of Kitagawa, Mérigot and Thibert (2019); ``capacity`` must sum to the domain's area.
    """
    n = len(xy)
    x0, y0, x1, y1 = domain.bounds
    box = (x0 - _BOX_PAD_M, y0 - _BOX_PAD_M, x1 + _BOX_PAD_M, y1 + _BOX_PAD_M)
    shapes, areas, shared = _cells_in(domain, xy, w, box)
    if areas.min() <= 0.0:  # a warm start that leaves a cell empty: start afresh
        w = np.zeros(n)
        shapes, areas, shared = _cells_in(domain, xy, w, box)
    eps = 0.5 * float(min(areas.min(), capacity.min()))
    for _ in range(_NEWTON_STEPS):
        err = capacity - areas
        if float(np.abs(err / capacity).max()) < _AREA_RTOL:
            break
        jac = np.zeros((n, n))
        for (i, j), length in shared.items():
            if length > 0.0:
                coef = length / (2.0 * float(np.hypot(*(xy[i] - xy[j]))))
                jac[i, i] += coef
                jac[j, j] += coef
                jac[i, j] -= coef
                jac[j, i] -= coef
        # adding a constant to every weight changes nothing: keep the mean step at 0
        step = np.linalg.lstsq(np.vstack([jac, np.ones(n)]), np.append(err, 0.0), rcond=None)[0]
        norm = float(np.abs(err).sum())
        alpha = 1.0
        while True:
            trial = w + alpha * step
            t_shapes, t_areas, t_shared = _cells_in(domain, xy, trial, box)
            ok = t_areas.min() >= eps and float(np.abs(capacity - t_areas).sum()) <= (
                1 - alpha / 2) * norm
            if ok or alpha < 1e-3:
                break
            alpha /= 2
        w, shapes, areas, shared = trial, t_shapes, t_areas, t_shared
    return w, shapes


def _defragment(shapes: list[BaseGeometry]) -> list[BaseGeometry]:
    """Give every part of a cell but its largest to the neighbour it borders most.

    A convex cell cut by a concave footprint can fall into pieces; districts are drawn
    as one piece, so the smaller pieces join the cell beside them.
    """
    shapes = list(shapes)
    tree = shapely.STRtree(shapes)
    for i, shape in enumerate(list(shapes)):
        parts = sorted(shapely.get_parts(shape), key=lambda p: -p.area)
        if len(parts) < 2:
            continue
        keep = [parts[0]]
        for part in parts[1:]:
            # borders computed cell by cell agree only to rounding: measure within 0.5 m
            border = {int(j): part.boundary.intersection(shapes[int(j)].buffer(0.5)).length
                      for j in tree.query(part.buffer(0.5), predicate="intersects") if int(j) != i}
            best = max(border, key=lambda j: (border[j], -j), default=None)
            if best is None or border[best] <= 0.0:
                keep.append(part)
            else:
                shapes[best] = shapely.union_all([shapes[best], part])
        shapes[i] = shapely.union_all(keep)
    return shapes


def _tessellate(xy: np.ndarray, area: np.ndarray) -> list[BaseGeometry]:
    """Area-exact cells around the sites *xy* (metres), grouped by :func:`_clusters`."""
    shapes: list[BaseGeometry] = [Polygon()] * len(xy)
    for group, domain in _clusters(xy, area):
        if len(group) == 1:
            shapes[group[0]] = domain
            continue
        target = area[group] * (domain.area / float(area[group].sum()))
        capacity = target.copy()
        w = np.zeros(len(group))
        for _ in range(_FRAGMENT_ROUNDS):
            w, cells = _solve_weights(xy[group], capacity, domain, w)
            cells = _defragment(cells)
            got = shapely.area(np.array(cells, dtype=object))
            if float(np.abs(got / target - 1).max()) < AREA_TOLERANCE / 10:
                break
            capacity = capacity + (target - got)
        for k, cell in zip(group, cells, strict=True):
            shapes[k] = cell
    return shapes


def _snap_coverage(shapes: Sequence[BaseGeometry], grid: float) -> list[BaseGeometry]:
    """Snap a partition to a *grid* without opening gaps or overlaps between neighbours.

    The borders of all shapes are noded together, snapped to the grid, re-noded and
    polygonised into faces; each face goes back to the shape that holds its interior
    point. Neighbours thus share exactly the same snapped border.
    """
    lines = shapely.union_all([s.boundary for s in shapes])
    lines = shapely.union_all(shapely.get_parts(shapely.set_precision(lines, grid)))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    owner_tree = shapely.STRtree(list(shapes))
    points = shapely.point_on_surface(faces)
    owned: dict[int, list[BaseGeometry]] = {}
    for face, point in zip(faces, points, strict=True):
        hits = [int(j) for j in owner_tree.query(point, predicate="intersects")]
        if hits:
            owned.setdefault(min(hits), []).append(face)
    return [shapely.coverage_union_all(owned[i]) if i in owned else Polygon()
            for i in range(len(shapes))]


def _polygonal(geom: BaseGeometry | None) -> Polygon | MultiPolygon | None:
    """Keep the polygonal parts of *geom* (``None`` when there are none)."""
    if geom is None or geom.is_empty:
        return None
    parts: list[Polygon] = []
    for g in shapely.get_parts(geom):
        if isinstance(g, Polygon) and not g.is_empty:
            parts.append(g)
        elif isinstance(g, MultiPolygon):
            parts.extend(g.geoms)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _repaired(geom: BaseGeometry) -> Polygon | MultiPolygon | None:
    """Return *geom* made valid, keeping its polygonal parts."""
    if geom.is_valid:
        return _polygonal(geom)
    return _polygonal(shapely.make_valid(geom))


def build_layer(gaz: Gazetteer) -> gpd.GeoDataFrame:
    """Generate the approximate district layer from the gazetteer's centres and areas.

    The borders are invented, not traced from any map. In UTM 37N metres
    (``settings.metric_crs``):

    1. *Footprint.* Each district gets a disc of its area around its centre; discs that
       touch form a group (the city, and outlying districts such as the airport or the
       Sheikh Najjar industrial city on their own). A group's discs are scaled together
       until their union, closed over ``_CLOSE_M`` and without holes, has exactly the
       group's total area: a city outline that follows where the districts are.
    2. *Cells.* The footprint is divided among the group's centres by a power diagram
       (a Voronoi diagram with one weight per centre; plain Voronoi cells cannot match
       the areas, a third of them are too small), the weights solved by Newton's method
       so that every cell has its district's area (semi-discrete optimal transport).
       Pieces that a concave stretch of outline cuts off a cell go to the neighbour
       they border, and the weights are solved again for the changed areas.
    3. *Output.* Cells are reprojected to EPSG:4326 and their shared borders snapped
       together to the 5-decimal grid (about 1 m), so neighbours neither overlap nor
       leave slivers.

    The result is deterministic (the same gazetteer gives the same coordinates) and
    every district's area is within ``AREA_TOLERANCE`` of the gazetteer's. A centre
    may fall just outside its own cell where small districts crowd beside large ones
    (the old city); districts are where the gazetteer puts them to within a few
    hundred metres.

    Parameters
    ----------
    gaz : Gazetteer
        Source of the ids, names, centres (``lon``, ``lat``) and ``area_km2``.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per gazetteer district in gazetteer order, columns
        ``district_id``, ``name_en``, ``name_ar``, ``geometry`` (Polygon or
        MultiPolygon).

    Raises
    ------
    ValidationError
        When a district lacks a centre or a positive area, or two share a centre.
    """
    frame = gaz.frame
    problems = []
    for i, (did, row) in enumerate(frame.iterrows(), start=1):
        for col in ("lat", "lon", "area_km2"):
            value = row[col]
            if pd.isna(value) or (col == "area_km2" and value <= 0):
                problems.append(Problem(gaz.source, col, "a number (area > 0)", repr(value),
                                        row=i, hint=f"district {did!r}"))
    if problems:
        raise ValidationError(problems)
    metric = DEFAULTS.metric_crs
    centres = gpd.GeoSeries(gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")
    centres_m = centres.to_crs(metric)
    xy = np.column_stack([centres_m.x.to_numpy(), centres_m.y.to_numpy()])
    key = pd.Series([f"{x:.1f},{y:.1f}" for x, y in xy], index=frame.index)
    if key.duplicated().any():
        raise ValidationError([
            Problem(gaz.source, "lat/lon", "a distinct centre per district",
                    f"{did!r} shares its centre with another district")
            for did in key.index[key.duplicated()]
        ])
    cells = _tessellate(xy, frame["area_km2"].to_numpy(dtype=float) * 1e6)
    geo = gpd.GeoSeries(cells, crs=metric).to_crs("EPSG:4326")
    snapped = _snap_coverage(list(geo.values), 10.0 ** -DEFAULTS.coord_decimals)
    final = []
    for did, geom in zip(frame.index, snapped, strict=True):
        poly = _repaired(geom)
        if poly is None:
            raise ValidationError([Problem("build-districts", "", "a polygon per district",
                                           f"an empty shape for {did!r}")])
        final.append(poly)
    return gpd.GeoDataFrame(
        {
            "district_id": list(frame.index),
            "name_en": [gaz.name_en(d) for d in frame.index],
            "name_ar": [gaz.name_ar(d) for d in frame.index],
        },
        geometry=final,
        crs="EPSG:4326",
    )


def _rounded(coords: Any, decimals: int) -> Any:
    """Round nested coordinate tuples to *decimals* as lists."""
    if isinstance(coords, (int, float)):
        value = round(float(coords), decimals)
        return 0.0 if value == 0 else value
    return [_rounded(c, decimals) for c in coords]


def layer_geojson(gdf: gpd.GeoDataFrame, decimals: int = DEFAULTS.coord_decimals) -> str:
    """Serialise a district layer as deterministic GeoJSON text.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Columns ``district_id``, ``name_en``, ``name_ar``, ``geometry``, any CRS.
    decimals : int
        Decimals kept for coordinates.

    Returns
    -------
    str
        A GeoJSON FeatureCollection (RFC 7946, EPSG:4326), one feature per line, in
        the frame's row order, with keys in a fixed order.
    """
    gdf = gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf
    lines = []
    for rec, geom in zip(gdf[["district_id", "name_en", "name_ar"]].to_dict("records"),
                         gdf.geometry, strict=True):
        geo = mapping(geom)
        feature = {
            "type": "Feature",
            "properties": {k: ("" if pd.isna(v) else str(v)) for k, v in rec.items()},
            "geometry": {"type": geo["type"], "coordinates": _rounded(geo["coordinates"], decimals)},
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    head = json.dumps({
        "type": "FeatureCollection",
        "name": "aleppo_map_approximate_districts",
        "note": ("APPROXIMATE boundaries generated by `aleppo-map build-districts` from the "
                 "gazetteer's centres and areas; not real district boundaries."),
    }, ensure_ascii=False)[:-1]
    return head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_layer(gdf: gpd.GeoDataFrame, dest: Path, *, overwrite: bool = False) -> Path:
    """Write a district layer as GeoJSON, atomically and byte-for-byte reproducibly.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        As returned by :func:`build_layer`.
    dest : pathlib.Path
        Output file; written through a temporary file renamed on success.
    overwrite : bool
        Replace *dest* when it exists (otherwise that is an error).

    Returns
    -------
    pathlib.Path
        *dest*.
    """
    text = layer_geojson(gdf)
    with io.output_file(Path(dest), overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return Path(dest)


# ============================================================================= load
#: Features farther than this from every gazetteer centre mean a wrong CRS.
_FAR_FROM_CITY_KM = 60.0
#: Overlap between two districts of a boundary file reported as a warning above this.
_OVERLAP_WARN_M2 = 1000.0


@dataclass
class DistrictLayer:
    """District geometry joined to the gazetteer, one row per required district.

    Attributes
    ----------
    gdf : geopandas.GeoDataFrame
        EPSG:4326, indexed by ``district_id`` in the order of the required ids; columns
        ``name_en``, ``name_ar``, ``sector``, ``geom_kind`` (``'polygon'``, or
        ``'point'`` for a district the file lacks), ``area_km2`` (polygon area computed
        in ``settings.metric_crs``, or the gazetteer area for a point) and ``geometry``
        (the polygon, or the gazetteer centre).
    source : str
        The file's path, or ``'embedded'`` for ``data/districts.geojson``.
    warnings : list of str
        Repairs, dissolves, overlaps and features of districts not required.
    missing : list of str
        Required ids the file has no polygon for (drawn as points).
    """

    gdf: gpd.GeoDataFrame
    source: str
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def coverage_line(self) -> str:
        """One line saying how many districts have a polygon, and which are points.

        Returns
        -------
        str
            E.g. ``'coverage: 118 of 135 districts have a polygon; 17 drawn as points
            at their gazetteer centre: tariq-al-bab, ...'``.
        """
        total = len(self.gdf)
        have = total - len(self.missing)
        line = f"coverage: {have} of {total} districts have a polygon"
        if self.missing:
            line += (f"; {len(self.missing)} drawn as points at their gazetteer centre: "
                     + ", ".join(self.missing))
        return line


def _guess_name_field(raw: gpd.GeoDataFrame, gaz: Gazetteer) -> str | None:
    """Pick the text column whose values resolve best (ties: :data:`NAME_FIELDS` order)."""
    candidates = [c for c in raw.columns if c != raw.geometry.name
                  and (pd.api.types.is_object_dtype(raw[c])
                       or pd.api.types.is_string_dtype(raw[c]))]
    order = {name: k for k, name in enumerate(NAME_FIELDS)}
    best: tuple[int, int, str] | None = None
    for col in candidates:
        values = [v for v in raw[col] if isinstance(v, str) and v.strip()]
        hits = sum(gaz.lookup(v) is not None for v in values)
        if hits == 0:
            continue
        key = (-hits, order.get(col, len(order)), col)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def _closest(gaz: Gazetteer, name: str) -> str:
    """'closest gazetteer names: ...' for an unknown name."""
    return "closest gazetteer names: " + ", ".join(
        f"{gaz.name_en(d)!r} ({d})" for d in gaz.suggest(name, 3))


def _feature_label(idx: int, name: object) -> str:
    return f"feature {idx} ({name!r})" if isinstance(name, str) and name else f"feature {idx}"


def load_districts(
    path: Path | None,
    gaz: Gazetteer,
    *,
    name_field: str | None = None,
    assume_crs: str | None = None,
    required_ids: Sequence[str] | None = None,
    layer: str | None = None,
) -> DistrictLayer:
    """Read district polygons and join them to the gazetteer by name.

    Parameters
    ----------
    path : pathlib.Path or None
        Any polygon file GeoPandas reads (GeoJSON, GeoPackage, shapefile, ...), in any
        CRS; ``None`` for the embedded approximate layer ``data/districts.geojson``.
    gaz : Gazetteer
        Names, aliases, centres and areas.
    name_field : str, optional
        Attribute holding the district names. When omitted, the text attribute whose
        values resolve best is used (ties broken by :data:`NAME_FIELDS` order). An
        Arabic attribute (:data:`ARABIC_FIELDS`) is tried for features whose name does
        not resolve.
    assume_crs : str, optional
        CRS to use when the file declares none (e.g. ``'EPSG:32637'``). Ignored, with a
        warning, when the file declares one.
    required_ids : Sequence[str], optional
        Districts the layer must have a row for (the control table's); default every
        gazetteer district.
    layer : str, optional
        Layer of a file holding several (required then).

    Returns
    -------
    DistrictLayer
        One row per required id, in that order: the (repaired, dissolved) polygon, or
        the gazetteer centre as a point when the file lacks the district.

    Raises
    ------
    InputFileError
        When the file is missing or unreadable, has no features, declares no CRS (and
        no *assume_crs* was given), has no polygon, or has no usable name attribute.
    ValidationError
        Listing every feature whose name is unknown (with the three closest names),
        whose geometry is not a polygon or cannot be repaired, and every required id
        the gazetteer does not know.
    """
    embedded = path is None
    file = Path(path) if path is not None else DEFAULTS.districts_path
    label = "embedded" if embedded else str(file)
    if embedded and not file.exists():
        raise InputFileError(f"{file}: embedded district layer not found (expected the file "
                             "written by `aleppo-map build-districts`)")
    raw = io.read_vector(file, "district boundary file", layer=layer)
    where = str(file)
    if len(raw) == 0:
        raise InputFileError(f"{where}: expected polygon features, got an empty layer")

    warnings: list[str] = []
    # --- CRS
    if raw.crs is None:
        if not assume_crs:
            raise InputFileError(
                f"{where}: the file declares no CRS (expected one, e.g. a .prj beside a "
                "shapefile); pass --assume-crs, e.g. --assume-crs EPSG:4326, if you know it")
        try:
            raw = raw.set_crs(CRS.from_user_input(assume_crs))
        except CRSError as exc:
            raise InputFileError(
                f"--assume-crs: expected a CRS such as EPSG:4326, got {assume_crs!r} ({exc})"
            ) from None
        warnings.append(f"{where}: no CRS declared; assumed {assume_crs} as asked")
    elif assume_crs:
        warnings.append(f"{where}: the file declares {raw.crs.to_string()}; "
                        f"--assume-crs {assume_crs} ignored")

    # --- geometry kind
    kinds = raw.geometry.geom_type
    polygonal = kinds.isin(["Polygon", "MultiPolygon"])
    if not polygonal.any():
        got = ", ".join(sorted({str(k) for k in kinds.dropna().unique()})) or "no geometry"
        raise InputFileError(f"{where}: expected a polygon file (Polygon or MultiPolygon "
                             f"features), got {got}")

    # --- name attribute
    columns = [c for c in raw.columns if c != raw.geometry.name]
    if name_field is not None:
        if name_field not in raw.columns:
            raise InputFileError(f"{where}: --name-field {name_field!r} is not an attribute "
                                 f"of the file; expected one of: {', '.join(map(str, columns))}")
        field_name = name_field
    else:
        guessed = _guess_name_field(raw, gaz)
        if guessed is None:
            raise InputFileError(
                f"{where}: no attribute holds district names the gazetteer knows (tried "
                f"{', '.join(map(str, columns)) or 'none: the file has no attributes'}); "
                "pass --name-field, or add the file's spellings as aliases in gazetteer.csv")
        field_name = guessed
    arabic = next((c for c in ARABIC_FIELDS if c in raw.columns and c != field_name), None)

    # --- match names, check and repair geometry, feature by feature
    problems: list[Problem] = []
    matched: list[tuple[str, BaseGeometry, str]] = []  # id, geometry (file CRS), label
    for idx, (name, geom, kind) in enumerate(zip(raw[field_name], raw.geometry, kinds, strict=True),
                                             start=1):
        text = name.strip() if isinstance(name, str) else ("" if pd.isna(name) else str(name))
        feat = _feature_label(idx, text)
        did = gaz.lookup(text) if text else None
        if did is None and arabic is not None:
            alt = raw[arabic].iloc[idx - 1]
            if isinstance(alt, str) and alt.strip():
                did = gaz.lookup(alt.strip())
                if did is not None:
                    warnings.append(f"{where}, {feat}: matched to {did!r} by its Arabic name "
                                    f"{alt.strip()!r} in {arabic!r}")
        if did is None:
            problems.append(Problem(
                where, str(field_name), "a district name or alias of the gazetteer",
                repr(text) if text else "an empty name", row=idx,
                hint=_closest(gaz, text) if text else "fill in the name, or drop the feature"))
            continue
        if geom is None or geom.is_empty:
            warnings.append(f"{where}, {feat}: empty geometry, ignored")
            continue
        if kind not in ("Polygon", "MultiPolygon"):
            problems.append(Problem(where, "geometry", "a Polygon or MultiPolygon",
                                    f"a {kind}", row=idx, hint=f"district {did!r}"))
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            fixed = _repaired(geom)
            if fixed is None:
                problems.append(Problem(where, "geometry", "a valid polygon",
                                        f"an invalid polygon ({reason}) that make_valid "
                                        "cannot turn into an area", row=idx))
                continue
            warnings.append(f"{where}, {feat}: invalid geometry ({reason}) repaired with "
                            "make_valid")
            geom = fixed
        matched.append((did, geom, feat))

    wanted = list(required_ids) if required_ids is not None else gaz.ids
    for did in wanted:
        if did not in gaz.frame.index:
            problems.append(Problem("required districts", "district_id", "a gazetteer id",
                                    repr(did), hint=_closest(gaz, did)))
    if problems:
        raise ValidationError(problems)

    # --- reproject, dissolve several features of one district
    geo = gpd.GeoSeries([g for _, g, _ in matched], crs=raw.crs).to_crs("EPSG:4326")
    by_id: dict[str, list[tuple[BaseGeometry, str]]] = {}
    for (did, _, feat), g in zip(matched, geo, strict=True):
        by_id.setdefault(did, []).append((g, feat))
    shapes: dict[str, BaseGeometry] = {}
    for did, parts in by_id.items():
        if len(parts) > 1:
            warnings.append(f"{where}: {len(parts)} features of {did!r} dissolved into one: "
                            + ", ".join(f for _, f in parts))
            shapes[did] = _polygonal(shapely.make_valid(
                shapely.union_all([g for g, _ in parts]))) or parts[0][0]
        else:
            shapes[did] = parts[0][0]
    extra = [d for d in shapes if d not in set(wanted)]
    if extra:
        warnings.append(f"{where}: {len(extra)} district(s) not in the control table, not "
                        "drawn: " + ", ".join(extra))

    # --- overlaps between districts (reported, not altered)
    present = [d for d in wanted if d in shapes]
    metric = gpd.GeoSeries([shapes[d] for d in present], index=present,
                           crs="EPSG:4326").to_crs(DEFAULTS.metric_crs)
    left, right = metric.sindex.query(metric.values, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i < j:
            area = metric.iloc[i].intersection(metric.iloc[j]).area
            if area > _OVERLAP_WARN_M2:
                warnings.append(f"{where}: {present[i]!r} and {present[j]!r} overlap by "
                                f"{area:,.0f} m²")

    # --- sanity: the file lies over Aleppo (a wrong --assume-crs puts it elsewhere)
    if present:
        centres = gpd.GeoSeries(gpd.points_from_xy(gaz.frame["lon"], gaz.frame["lat"]),
                                crs="EPSG:4326").dropna().to_crs(DEFAULTS.metric_crs)
        hull = shapely.union_all(centres.values).convex_hull
        reps = metric.representative_point()
        far = [(d, hull.distance(p) / 1000.0) for d, p in zip(present, reps, strict=True)
               if hull.distance(p) > _FAR_FROM_CITY_KM * 1000.0]
        if far:
            raise ValidationError([
                Problem(where, "geometry", f"features over Aleppo (within "
                        f"{_FAR_FROM_CITY_KM:.0f} km of the gazetteer's centres)",
                        f"{d!r} {km:,.0f} km away",
                        hint="wrong CRS? check the file's CRS or --assume-crs")
                for d, km in far[:5]
            ])

    # --- one row per required district: the polygon, or a point at its centre
    missing = [d for d in wanted if d not in shapes]
    rows = []
    for did in wanted:
        if did in shapes:
            kind, geom = "polygon", shapes[did]
            area = float(metric.loc[did].area) / 1e6
        else:
            kind, geom = "point", Point(*gaz.centre(did))
            area = gaz.area_km2(did)
        rows.append({"district_id": did, "name_en": gaz.name_en(did),
                     "name_ar": gaz.name_ar(did), "sector": gaz.sector(did),
                     "geom_kind": kind, "area_km2": area, "geometry": geom})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").set_index("district_id")
    return DistrictLayer(gdf=gdf, source=label, warnings=warnings, missing=missing)
