"""The front line: where ground held by one side meets ground held by another.

As conflict maps draw it, the front is the boundary between the regions each side
holds, a partial district counting for the side holding most of it (its majority
holder, :func:`aleppo_map.analysis.areas.majority_holder`). Adjacency does not change
from day to day, so the shared boundary of every pair of touching districts is
computed once (:func:`shared_edges`, a spatial index over the polygons); a day's front
is then the edges whose two districts have different holders: O(edges) per day.
Renderers get the edges once and switch them on and off as the days change.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import box
>>> gdf = gpd.GeoDataFrame({"district_id": ["a", "b", "c"]},
...     geometry=[box(0, 0, 900, 900), box(900, 0, 1800, 900), box(0, 900, 1800, 1800)],
...     crs="EPSG:32633")
>>> edges = shared_edges(gdf.set_index("district_id"))
>>> sorted(zip(edges["a"], edges["b"], edges.length.round()))  # shared side, + snap at the ends
[('a', 'b', 950.0), ('a', 'c', 950.0), ('b', 'c', 950.0)]
>>> front_edges(edges, {"a": "x", "b": "x", "c": "y"})["b"].tolist()
['c', 'c']
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:
    import geopandas as gpd

    from aleppo_map.project import Project

#: Gap, in metres, across which two districts still count as neighbours (real boundary files
#: leave streets and slivers between neighbourhoods that touch: up to about 20 m in the CSR file).
SNAP_M: Final[float] = 25.0
#: Shared boundaries shorter than this, in metres, are corners, not fronts.
MIN_EDGE_M: Final[float] = 1.0


def shared_edges(gdf: gpd.GeoDataFrame, snap: float = SNAP_M) -> gpd.GeoDataFrame:
    """Shared boundary of every pair of neighbouring districts.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Polygons in a metric CRS, indexed by district id (points are ignored).
    snap : float
        Gap, in the CRS's units, across which districts still count as neighbours.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``a``, ``b`` (district ids, ``a`` first in *gdf*'s order) and the shared
        boundary as (multi)line geometry, in *gdf*'s CRS.
    """
    import geopandas as gpd

    poly = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    geoms = np.asarray(poly.geometry.values)
    ids = np.asarray(poly.index)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=snap)
    keep = left < right
    left, right = left[keep], right[keep]
    rings = shapely.boundary(geoms)
    # the part of a's boundary within snap of b: exact for a clean coverage, and it
    # bridges slivers between polygons that should touch
    # each district buffered once, not once per neighbour
    zones = shapely.buffer(geoms, snap, quad_segs=2)
    lines = shapely.intersection(rings[left], zones[right])
    length = shapely.length(lines)
    ok = length >= MIN_EDGE_M
    return gpd.GeoDataFrame(
        {"a": ids[left[ok]], "b": ids[right[ok]]}, geometry=lines[ok], crs=gdf.crs,
    ).reset_index(drop=True)


def front_edges(edges: gpd.GeoDataFrame, holders: Mapping[str, str] | pd.Series) -> gpd.GeoDataFrame:
    """Keep the edges whose two districts are held by different sides.

    Parameters
    ----------
    edges : geopandas.GeoDataFrame
        From :func:`shared_edges`.
    holders : Mapping or pandas.Series
        Holder side per district id.

    Returns
    -------
    geopandas.GeoDataFrame
        The front's edges.
    """
    h = pd.Series(holders)
    a = h.reindex(edges["a"]).to_numpy()
    b = h.reindex(edges["b"]).to_numpy()
    differ = (a != b) & pd.notna(a) & pd.notna(b)
    return edges[differ]


def holders_on(project: Project, day: date | str) -> pd.Series:
    """Majority holder of every district on *day*.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    day : datetime.date or str
        The day.

    Returns
    -------
    pandas.Series
        Side per district id.
    """
    from aleppo_map.analysis.areas import majority_holder

    return majority_holder(project.timeline.state_on(day))


def project_edges(project: Project) -> gpd.GeoDataFrame:
    """Shared edges of the project's layer, in its metric CRS.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`shared_edges`.
    """
    from aleppo_map._errors import AleppoMapError

    if project.layer is None:
        raise AleppoMapError("the front line needs the district geometry: load the project with its layer")
    return shared_edges(project.layer.gdf.to_crs(project.settings.metric_crs))


def front_line(project: Project, day: date | str) -> gpd.GeoDataFrame:
    """Return the front line on *day*: one row per pair of sides that meet, merged lines.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    day : datetime.date or str
        The day.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``sides`` (the two sides, sorted, joined by ``/``), ``length_km`` and
        the merged line geometry, in EPSG:4326.
    """
    import geopandas as gpd

    edges = project_edges(project)
    h = holders_on(project, day)
    front = front_edges(edges, h)
    pair = ["/".join(sorted(p)) for p in zip(h.reindex(front["a"]), h.reindex(front["b"]), strict=True)]
    rows = []
    for sides, group in front.groupby(pd.Series(pair, index=front.index), sort=True):
        merged = shapely.line_merge(shapely.union_all(group.geometry.values))
        rows.append({"sides": sides, "length_km": round(float(shapely.length(merged)) / 1000, 3),
                     "geometry": merged})
    out = gpd.GeoDataFrame(rows, columns=["sides", "length_km", "geometry"], geometry="geometry",
                           crs=edges.crs)
    return out.to_crs("EPSG:4326")
