"""Build the embedded district layer ``data/districts.geojson`` from the CSR boundaries.

The layer is **derived** from the neighbourhoods of the battle's place drawn by the
Columbia Center for Spatial Research (MIT licence; see the ``.LICENSE`` file beside
the boundaries in ``data/``), read from ``../shared/data/<place>_neighborhoods_csr.geojson``
(see :func:`default_csr_path`):

* every CSR feature is matched to a gazetteer district by name (the matching of
  :func:`aleppo_map.geometry.layer.load_districts`: spellings, Arabic names, repairs),
  and several features of one district are dissolved;
* a district the CSR file lacks is either a **sub-area** (``parent_id`` in the
  gazetteer: a part of a CSR neighbourhood, not drawn, its ground counted once, in
  its parent) or gets an **estimated polygon** that fills ground no CSR polygon
  covers (:func:`estimated_polygons`);
* the coverage is simplified lightly in the battle's metric CRS with :func:`shapely.coverage_simplify`
  (neighbours keep their shared borders), written in EPSG:4326 with coordinates
  rounded to 5 decimals (about 1 m), borders snapped together so that no two
  districts overlap.

Every feature carries ``geom_basis`` (``csr`` or ``estimated``) and ``geom_note``; the
file's header carries :data:`ATTRIBUTION` and the licence.

Examples
--------
>>> ATTRIBUTION
'Neighbourhood boundaries: Columbia Center for Spatial Research (MIT)'
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from aleppo_map import _io as io
from aleppo_map._errors import Problem, ValidationError
from aleppo_map.gazetteer import Gazetteer
from aleppo_map.geometry.layer import ATTRIBUTION, load_districts, resolve_metric_crs
from aleppo_map.settings import DEFAULTS, Settings

__all__ = ["ATTRIBUTION", "build_layer", "default_csr_path", "estimated_polygons",
           "layer_geojson", "write_layer"]

#: Licence of the boundaries, as the layer's header states it.
LICENSE = "MIT; Copyright (c) 2019 Columbia Center for Spatial Research"
#: File name of the CSR boundaries inside ``<shared>/data``; ``place`` is the battle's
#: name in lower case (CSR's own naming).
CSR_FILE = "{place}_neighborhoods_csr.geojson"

# --- build parameters (changing any of them changes data/districts.geojson) ----------
#: Ratio of :func:`shapely.concave_hull` for the city footprint (0: tightest, 1: convex).
HULL_RATIO = 0.2
#: Pieces of the city closer than twice this (m) share one hull.
CLUSTER_M = 300.0
#: Ground (m) around an estimated centre that the footprint takes in.
SEED_REACH_M = 400.0
#: Opening radius (m) that strips streets and slivers from uncovered ground.
SLIVER_M = 25.0
#: Tolerance of :func:`shapely.coverage_simplify`, in metres.
SIMPLIFY_M = 2.0
_BISECT_STEPS = 24
_SWEEPS = 3
_WEIGHT_SPAN_M = 3000.0  # power weights searched in [-span², span²]
_BOX_PAD_M = 5000.0


def default_csr_path(settings: Settings | None = None) -> Path:
    """Locate the CSR file: ``$ALEPPO_MAP_SHARED/data``, else ``../shared/data``.

    Parameters
    ----------
    settings : Settings, optional
        The battle's settings (default :data:`~aleppo_map.settings.DEFAULTS`): its
        name gives the file name (:data:`CSR_FILE`).

    Returns
    -------
    pathlib.Path
        Where the CSR boundaries are expected (the path may not exist).
    """
    settings = DEFAULTS if settings is None else settings
    env = os.environ.get("ALEPPO_MAP_SHARED")
    shared = Path(env) if env else settings.data_dir.parent.parent / "shared"
    return shared / "data" / CSR_FILE.format(place=settings.battle.name.lower())


# ====================================================================== power diagram
def _clip(
    verts: list[tuple[float, float]], a: tuple[float, float], b: float,
) -> list[tuple[float, float]]:
    """Clip a convex polygon by the half-plane ``a . x <= b`` (Sutherland-Hodgman)."""
    out: list[tuple[float, float]] = []
    n = len(verts)
    vals = [a[0] * x + a[1] * y - b for x, y in verts]
    for k in range(n):
        p, q = verts[k], verts[(k + 1) % n]
        fp, fq = vals[k], vals[(k + 1) % n]
        if fp <= 0.0:
            out.append(p)
            if fq > 0.0:
                t = fp / (fp - fq)
                out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
        elif fq <= 0.0:
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def power_cells(
    xy: np.ndarray, w: np.ndarray, box: tuple[float, float, float, float], which: Sequence[int],
) -> list[BaseGeometry]:
    """Cells of the power diagram of sites *xy* with weights *w*, inside *box*.

    Cell *i* is ``{x : |x - p_i|^2 - w_i <= |x - p_j|^2 - w_j for all j}``, a convex
    polygon (a weighted Voronoi cell; with ``w_i = r_i^2`` a site weighs like a disc
    of radius ``r_i``).

    Parameters
    ----------
    xy : numpy.ndarray
        Sites, shape (n, 2), in metres.
    w : numpy.ndarray
        Weights, shape (n,), in m².
    box : tuple of float
        ``(xmin, ymin, xmax, ymax)`` bounding every cell.
    which : Sequence[int]
        The sites whose cells are wanted.

    Returns
    -------
    list of shapely.Geometry
        One polygon (possibly empty) per index of *which*.
    """
    x0, y0, x1, y1 = box
    sq = (xy**2).sum(axis=1)
    cells: list[BaseGeometry] = []
    for i in which:
        verts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        a_all = 2.0 * (xy - xy[i])
        b_all = sq - sq[i] + w[i] - w
        for j in range(len(xy)):
            if j != i and verts:
                verts = _clip(verts, (float(a_all[j, 0]), float(a_all[j, 1])), float(b_all[j]))
        cells.append(Polygon(verts) if len(verts) >= 3 else Polygon())
    return cells


# ================================================================ estimated polygons
def _piece(cell: BaseGeometry, ground: BaseGeometry, seed: Point) -> BaseGeometry:
    """Cut *cell* to *ground* around *seed*, without streets and slivers."""
    shape = cell.intersection(ground)
    if shape.is_empty:
        return Polygon()
    opened = shape.buffer(-SLIVER_M, join_style="mitre").buffer(
        SLIVER_M, join_style="mitre").intersection(shape)
    parts = [p for p in shapely.get_parts(opened) if isinstance(p, Polygon) and p.area > 0]
    if not parts:
        return Polygon()
    best = min(parts, key=lambda p: (p.distance(seed), -p.area))
    return Polygon(best.exterior, [h for h in best.interiors
                                   if Polygon(h).area > (2 * SLIVER_M) ** 2])


def city_footprint(covered: BaseGeometry, seeds: Sequence[Point]) -> BaseGeometry:
    """Outline the city: a concave hull of the CSR polygons and the estimated centres.

    Parameters
    ----------
    covered : shapely.Geometry
        Union of the CSR polygons, metric CRS.
    seeds : Sequence[shapely.Point]
        Centres of the districts to estimate: the outline takes in the ground within
        :data:`SEED_REACH_M` of each (a diamond, so that no arc of a circle enters it).

    Returns
    -------
    shapely.Geometry
        The hull (ratio :data:`HULL_RATIO`) of each cluster of ground (pieces closer
        than ``2 * CLUSTER_M``) joined with *covered*, holes filled.
    """
    reach = shapely.buffer(np.asarray(seeds, dtype=object), SEED_REACH_M, quad_segs=1)
    body = shapely.union_all([covered, *reach])
    # one hull per cluster, so that an outlying piece (the Sheikh Najjar industrial
    # city) is not tied to the city by a strip of invented ground
    clusters = shapely.get_parts(body.buffer(CLUSTER_M, quad_segs=2))
    hulls = [shapely.concave_hull(body.intersection(c), ratio=HULL_RATIO) for c in clusters]
    shape = shapely.union_all([*hulls, covered])
    return shapely.union_all([Polygon(p.exterior) for p in shapely.get_parts(shape)
                              if isinstance(p, Polygon)])


def estimated_polygons(
    csr: gpd.GeoSeries, seeds: gpd.GeoSeries, targets: pd.Series,
) -> gpd.GeoSeries:
    """Polygons for districts the CSR file lacks, on ground no CSR polygon covers.

    The ground is the :func:`city_footprint` minus the CSR polygons, streets and slivers
    narrower than ``2 * SLIVER_M`` removed. It is shared by a power diagram (a Voronoi
    diagram weighted by area) of every district: a CSR district sits at its centroid
    with the weight of a disc of its area (``A / pi``), so that uncovered ground beside
    it (a street, a park, its margin) stays empty; a district to estimate sits at its
    gazetteer centre, and its weight is solved by bisection (a few Gauss-Seidel sweeps
    over the districts) so that the part of its cell on that ground around its centre
    has its gazetteer area, or all the ground it can reach when there is less. Shapes
    follow their neighbours' borders and the cells' straight edges: never a disc, never
    over another district.

    Parameters
    ----------
    csr : geopandas.GeoSeries
        The CSR districts' polygons in a metric CRS, indexed by district id.
    seeds : geopandas.GeoSeries
        Centres of the districts to estimate, same CRS, indexed by district id.
    targets : pandas.Series
        Their gazetteer areas in m², same index.

    Returns
    -------
    geopandas.GeoSeries
        One polygon per seed, same index and CRS.

    Raises
    ------
    ValidationError
        When a district gets no ground at all.
    """
    covered = shapely.union_all(csr.to_numpy())
    footprint = city_footprint(covered, list(seeds))
    ground = footprint.difference(covered)
    ground = ground.buffer(-SLIVER_M, join_style="mitre").buffer(
        SLIVER_M, join_style="mitre").intersection(ground)
    shapely.prepare(ground)
    xy = np.vstack([np.column_stack([csr.centroid.x, csr.centroid.y]),
                    np.column_stack([seeds.x, seeds.y])])
    w = np.concatenate([csr.area.to_numpy() / np.pi, np.zeros(len(seeds))])
    x0, y0, x1, y1 = footprint.bounds
    box = (x0 - _BOX_PAD_M, y0 - _BOX_PAD_M, x1 + _BOX_PAD_M, y1 + _BOX_PAD_M)
    first = len(csr)
    seed_list = list(seeds)
    goal = targets.reindex(seeds.index).to_numpy(dtype=float)

    def piece(k: int) -> BaseGeometry:
        (cell,) = power_cells(xy, w, box, [first + k])
        return _piece(cell, ground, seed_list[k])

    others = [np.array([j for j in range(len(xy)) if j != first + k]) for k in range(len(seeds))]
    for _ in range(_SWEEPS):
        for k in range(len(seeds)):
            # keep every estimated centre inside its own cell: no weight so low that a
            # neighbour takes this centre, nor so high that this cell takes another's
            d2 = ((xy[others[k]] - xy[first + k]) ** 2).sum(axis=1)
            est = others[k] >= first
            lo = max(-_WEIGHT_SPAN_M**2, float((w[others[k]] - d2).max()))
            hi = min(_WEIGHT_SPAN_M**2, float((w[others[k]][est] + d2[est]).min(initial=np.inf)))
            hi = max(hi, lo)
            for _ in range(_BISECT_STEPS):
                w[first + k] = 0.5 * (lo + hi)
                if piece(k).area < goal[k]:
                    lo = float(w[first + k])
                else:
                    hi = float(w[first + k])
            w[first + k] = hi
    out = [piece(k) for k in range(len(seeds))]
    problems = [Problem("build-districts", "", "uncovered ground near the district's "
                        "gazetteer centre", f"none for {did!r}",
                        hint="move its lat/lon onto ground no CSR polygon covers, or make "
                        "it a sub-area (parent_id)")
                for did, shape in zip(seeds.index, out, strict=True) if shape.is_empty]
    if problems:
        raise ValidationError(problems)
    return gpd.GeoSeries(out, index=seeds.index, crs=csr.crs)


# ========================================================================== output
def snap_coverage(shapes: Sequence[BaseGeometry], grid: float) -> list[BaseGeometry]:
    """Snap polygons to a *grid* without creating overlaps between neighbours.

    The borders of all shapes are noded together, snapped to the grid, re-noded and
    polygonised into faces; each face goes back to the first shape that holds its
    interior point (faces no shape holds, such as streets, are dropped). Neighbours
    thus share exactly the same snapped border and never overlap.

    Parameters
    ----------
    shapes : Sequence[shapely.Geometry]
        Polygons, in one CRS.
    grid : float
        Grid size in that CRS's units.

    Returns
    -------
    list of shapely.Geometry
        The snapped shapes, in order (an empty polygon where nothing is left).
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


def _polygonal(geom: BaseGeometry) -> Polygon | MultiPolygon | None:
    """Keep the polygonal parts of *geom*, made valid (``None`` when there are none)."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def build_layer(gaz: Gazetteer, csr_path: Path, settings: Settings | None = None) -> gpd.GeoDataFrame:
    """Derive the district layer from the CSR boundaries and the gazetteer.

    Parameters
    ----------
    gaz : Gazetteer
        Names, aliases, ``parent_id`` (sub-areas, not drawn), centres and areas of the
        districts to estimate, and their ``geom_note``.
    csr_path : pathlib.Path
        The CSR neighbourhood file (see :func:`default_csr_path`).
    settings : Settings, optional
        The battle's settings (default :data:`~aleppo_map.settings.DEFAULTS`): metric
        CRS of the estimation and simplification, decimals of the coordinates.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per drawn district in gazetteer order (sub-areas left out),
        columns ``district_id``, ``name_en``, ``name_ar``, ``geom_basis`` (``'csr'`` or
        ``'estimated'``), ``geom_note`` (why and how a shape was estimated; empty for
        CSR shapes) and ``geometry`` (Polygon or MultiPolygon).

    Raises
    ------
    InputFileError
        When the CSR file is missing or unreadable.
    ValidationError
        When a CSR feature's name is unknown, when a district to estimate has no centre
        or area or no uncovered ground near it, or when a sub-area's parent has no
        polygon.
    """
    settings = DEFAULTS if settings is None else settings
    frame = gaz.frame
    loaded = load_districts(Path(csr_path), gaz, settings=settings)
    have = loaded.gdf.index[loaded.gdf["geom_kind"] == "polygon"]
    metric_crs = resolve_metric_crs(settings, gaz)
    csr = loaded.gdf.loc[have].geometry.to_crs(metric_crs)
    subareas = {d: gaz.parent(d) for d in gaz.ids if gaz.parent(d) and d not in have}
    to_estimate = [d for d in gaz.ids if d not in have and d not in subareas]
    problems: list[Problem] = []
    for did, parent in subareas.items():
        if parent not in have:
            problems.append(Problem(gaz.source, "parent_id", "a district with a CSR polygon",
                                    repr(parent), hint=f"sub-area {did!r}"))
    for did in to_estimate:
        for col in ("lat", "lon", "area_km2"):
            value = float(frame[col].to_numpy(dtype=float)[frame.index.get_loc(did)])
            if not np.isfinite(value) or (col == "area_km2" and value <= 0):
                problems.append(Problem(gaz.source, col, "a number (area > 0) for a district "
                                        "the CSR file lacks", repr(value),
                                        hint=f"district {did!r}"))
    if problems:
        raise ValidationError(problems)
    est = frame.loc[to_estimate]
    seeds = gpd.GeoSeries(gpd.points_from_xy(est["lon"], est["lat"]), index=est.index,
                          crs="EPSG:4326").to_crs(metric_crs)
    shapes = estimated_polygons(csr, seeds, est["area_km2"].astype(float) * 1e6)
    ids = [d for d in gaz.ids if d in have or d in shapes.index]
    metric = pd.concat([csr, shapes]).reindex(ids)
    if hasattr(shapely, "coverage_simplify"):  # shapely >= 2.1: shared borders stay shared
        simplified = shapely.coverage_simplify(metric.to_numpy(), SIMPLIFY_M)
    else:  # pragma: no cover - older shapely; snap_coverage below removes any overlap
        simplified = shapely.simplify(metric.to_numpy(), SIMPLIFY_M / 2, preserve_topology=True)
    geo = gpd.GeoSeries(simplified, index=ids, crs=metric_crs).to_crs("EPSG:4326")
    snapped = snap_coverage(list(geo.to_numpy()), 10.0 ** -settings.coord_decimals)
    final: list[BaseGeometry] = []
    for did, geom in zip(ids, snapped, strict=True):
        poly = _polygonal(geom)
        if poly is None:
            raise ValidationError([Problem("build-districts", "", "a polygon per district",
                                           f"an empty shape for {did!r}")])
        final.append(poly)
    basis = ["csr" if d in have else "estimated" for d in ids]
    notes = ["" if d in have else str(frame.at[d, "geom_note"]) for d in ids]
    return gpd.GeoDataFrame(
        {
            "district_id": ids,
            "name_en": [gaz.name_en(d) for d in ids],
            "name_ar": [gaz.name_ar(d) for d in ids],
            "geom_basis": basis,
            "geom_note": notes,
        },
        geometry=final,
        crs="EPSG:4326",
    )


#: Properties written for every feature, in this order.
LAYER_PROPERTIES: tuple[str, ...] = ("district_id", "name_en", "name_ar", "geom_basis",
                                     "geom_note")


def _rounded(coords: Any, decimals: int) -> Any:
    """Round nested coordinate tuples to *decimals* as lists."""
    if isinstance(coords, (int, float)):
        value = round(float(coords), decimals)
        return 0.0 if value == 0 else value
    return [_rounded(c, decimals) for c in coords]


def layer_geojson(gdf: gpd.GeoDataFrame, decimals: int = DEFAULTS.coord_decimals,
                  place: str = "") -> str:
    """Serialise a district layer as deterministic GeoJSON text.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Columns of :data:`LAYER_PROPERTIES` (missing ones written empty) and
        ``geometry``, any CRS.
    decimals : int
        Decimals kept for coordinates.
    place : str
        The battle's place, named in the header's note.

    Returns
    -------
    str
        A GeoJSON FeatureCollection (RFC 7946, EPSG:4326), one feature per line, in
        the frame's row order, with keys in a fixed order; the header names the source
        of the boundaries, its licence and :data:`ATTRIBUTION`.
    """
    gdf = gdf.to_crs("EPSG:4326") if gdf.crs is not None else gdf
    props = pd.DataFrame({k: gdf[k] if k in gdf.columns else "" for k in LAYER_PROPERTIES})
    lines = []
    for rec, geom in zip(props.to_dict("records"), gdf.geometry, strict=True):
        geo = mapping(geom)
        feature = {
            "type": "Feature",
            "properties": {k: ("" if pd.isna(v) else str(v)) for k, v in rec.items()},
            "geometry": {"type": geo["type"],
                         "coordinates": _rounded(geo["coordinates"], decimals)},
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    head = json.dumps({
        "type": "FeatureCollection",
        "name": "aleppo_map_districts",
        "attribution": ATTRIBUTION,
        "license": LICENSE,
        "note": ("Derived by `aleppo-map build-districts` from the Columbia Center for Spatial "
                 f"Research's {place + ' ' if place else ''}neighbourhoods (geom_basis 'csr'); "
                 "districts that file "
                 "lacks have estimated polygons on ground it leaves uncovered "
                 "(geom_basis 'estimated', see geom_note)."),
    }, ensure_ascii=False)[:-1]
    return head + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_layer(gdf: gpd.GeoDataFrame, dest: Path, settings: Settings | None = None) -> Path:
    """Write a district layer as GeoJSON, atomically.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        As returned by :func:`build_layer`.
    dest : pathlib.Path
        Output file; written through a temporary file renamed on success.
    settings : Settings, optional
        The battle's settings (default :data:`~aleppo_map.settings.DEFAULTS`): decimals
        of the coordinates, the place named in the header.

    Returns
    -------
    pathlib.Path
        *dest*.
    """
    settings = DEFAULTS if settings is None else settings
    text = layer_geojson(gdf, settings.coord_decimals, place=settings.battle.name)
    with io.atomic_path(Path(dest)) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return Path(dest)
