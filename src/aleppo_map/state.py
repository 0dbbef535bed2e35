"""One day of the battle as a GeoDataFrame, and as a plot: the Python entry points.

:meth:`Project.state_on <aleppo_map.project.Project.state_on>` and
:meth:`Project.plot <aleppo_map.project.Project.plot>` call :func:`state_on` and
:func:`plot` here.

``controller`` is the side named by the row that set the state: for a partial state,
the side that *gained* its ``share`` of the district, which may be the smaller part.
``majority`` is the side holding the larger part (an even split stays with the
``remainder``, the side that held it before), the column to colour a simple map by.
``share_<side>`` gives every side's share of the district (they sum to 1).

Examples
--------
>>> from aleppo_map.project import load_project
>>> project = load_project()                        # the embedded battle
>>> day = project.battle.first_day                  # a date, or "YYYY-MM-DD"
>>> gdf = project.state_on(day)                     # one row per district, EPSG:4326
>>> ax = project.plot(day)                          # a matplotlib Axes, as the frames draw
>>> m = gdf.explore(column="majority", tiles=None)  # a folium map, no network needed
>>> len(gdf) == len(project.timeline.district_ids), type(m).__name__
(True, 'Map')
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from aleppo_map._errors import AleppoMapError, Problem, ValidationError

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

    from aleppo_map.project import Project

#: Columns of :func:`state_on`, before ``share_<side>`` and ``geometry``.
STATE_COLUMNS: tuple[str, ...] = (
    "name_en", "name_ar", "controller", "majority", "extent", "share", "remainder", "since",
    "change_id", "source_id", "line", "basis", "confidence",
)


def _as_day(day: date | str) -> date:
    if isinstance(day, date):
        return day
    try:
        return date.fromisoformat(str(day).strip())
    except ValueError:
        raise ValidationError([Problem("day", "", "an ISO date YYYY-MM-DD", repr(day))]) from None


def _names(project: Project, ids: list[str]) -> tuple[list[str], list[str]]:
    gdf = project.layer.gdf if project.layer is not None else None
    en, ar = [], []
    for did in ids:
        if gdf is not None and did in gdf.index:
            en.append(str(gdf.at[did, "name_en"]))
            raw = gdf.at[did, "name_ar"] if "name_ar" in gdf else ""
            ar.append(raw if isinstance(raw, str) else "")
        else:
            en.append(project.gazetteer.name_en(did))
            ar.append("")
    return en, ar


def side_shares(frame: pd.DataFrame, sides: tuple[str, ...]) -> pd.DataFrame:
    """Share of each district held by each side, as ``share_<side>`` columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows with ``controller``, ``share`` and ``remainder`` (``""`` when full).
    sides : tuple of str
        The battle's side ids.

    Returns
    -------
    pandas.DataFrame
        Same index, one column per side; a row sums to 1.
    """
    ctrl = frame["controller"].astype(str).to_numpy()
    rem = frame["remainder"].fillna("").astype(str).to_numpy()
    share = frame["share"].to_numpy(dtype=float)
    return pd.DataFrame(
        {f"share_{s}": np.where(ctrl == s, share, 0.0) + np.where(rem == s, 1.0 - share, 0.0)
         for s in sides},
        index=frame.index,
    )


def state_rows(project: Project, states: pd.DataFrame) -> pd.DataFrame:
    """Add the majority holder, every side's share and the row behind each state.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    states : pandas.DataFrame
        Rows of ``project.timeline.states`` (or of ``state_on``, reset).

    Returns
    -------
    pandas.DataFrame
        *states* with ``majority``, ``source_id``, ``line``, ``basis``, ``confidence``
        and ``share_<side>`` columns.
    """
    from aleppo_map.analysis.areas import majority_holder

    out = states.copy()
    out["remainder"] = out["remainder"].fillna("").astype(str)
    out["majority"] = majority_holder(out).to_numpy()
    rows = project.changes.drop_duplicates("change_id").set_index("change_id")
    for col in ("source_id", "line", "basis", "confidence"):
        out[col] = out["change_id"].map(rows[col]).to_numpy()
    shares = side_shares(out, project.battle.side_ids)
    return pd.concat([out, shares], axis=1)


def state_on(project: Project, day: date | str) -> gpd.GeoDataFrame:
    """Every district on one day, with its geometry: one row per district.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    day : datetime.date or str
        The day (ISO string accepted).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``district_id`` in EPSG:4326, columns :data:`STATE_COLUMNS`, then
        ``share_<side>`` for every side of the battle, ``geom_basis`` (where the
        layer says its shape comes from, when it says so), ``uncertain``,
        ``window_start`` and ``window_end`` (the district is inside a date window
        that day: the texts do not settle whether its change had happened; ISO days,
        ``""`` when settled), then ``geometry`` (a point
        for a district the boundary file lacks). ``since`` is a :class:`datetime.date`.

    Raises
    ------
    ValidationError
        For a day that is not a date of the timeline.
    AleppoMapError
        When the project was loaded without its layer.
    """
    import geopandas as gpd

    if project.layer is None:
        raise AleppoMapError("state_on needs the district geometry: load the project with "
                             "its layer (load_project(with_layer=True))")
    d = _as_day(day)
    st = project.timeline.state_on(d).reset_index()
    full = state_rows(project, st)
    ids = full["district_id"].astype(str).tolist()
    en, ar = _names(project, ids)
    full["name_en"], full["name_ar"] = en, ar
    sides = [f"share_{s}" for s in project.battle.side_ids]
    geom = project.layer.gdf.geometry.reindex(ids)
    gdf = gpd.GeoDataFrame(full[list(STATE_COLUMNS) + sides], geometry=geom.to_numpy(),
                           crs=project.layer.gdf.crs)
    gdf.index = pd.Index(ids, name="district_id")
    gdf["share"] = gdf["share"].astype(float)
    if "geom_basis" in project.layer.gdf:  # csr, estimated, sub-area, file, missing
        gdf.insert(len(gdf.columns) - 1, "geom_basis",
                   project.layer.gdf["geom_basis"].reindex(ids).astype(str).to_numpy())
    if "uncertain" in st.columns:  # date windows (see aleppo_map.timeline)
        by = st.set_index("district_id").reindex(ids)
        at = len(gdf.columns) - 1
        gdf.insert(at, "uncertain", by["uncertain"].fillna(False).astype(bool).to_numpy())
        for k, col in enumerate(("window_start", "window_end"), start=1):
            gdf.insert(at + k, col, [v.isoformat() if isinstance(v, date) else ""
                                     for v in by[col]])
    return gdf.to_crs("EPSG:4326")


def plot(project: Project, day: date | str, ax: Axes | None = None) -> Axes:
    """Draw one day as the frames do: fills, stripes of partial control, dashed low confidence.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    day : datetime.date or str
        The day.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure's axes.

    Returns
    -------
    matplotlib.axes.Axes
        The axes, in the battle's metric CRS, with a title and a legend.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from aleppo_map.render.scene import frame_title, stripe_geometry
    from aleppo_map.render.style import _EDGE, _LOW_EDGE, _SEA, HATCH, STRIPES_ACROSS, share_tenth
    from aleppo_map.render.text import metric_crs

    gdf = state_on(project, day)
    battle = project.battle
    colours = project.settings.colours
    hatch = project.settings.hatch_colours
    if ax is None:
        ax = Figure(figsize=(8, 6), layout="constrained").add_subplot()
    metric = gdf.to_crs(metric_crs(project))
    xmin, ymin, xmax, ymax = metric.total_bounds
    width = max(xmax - xmin, ymax - ymin, 2000.0)
    is_point = metric.geometry.geom_type == "Point"
    shapes = metric.geometry.where(~is_point, metric.geometry.buffer(0.016 * width))
    partial = metric["remainder"] != ""
    fill = metric["remainder"].where(partial, metric["controller"])
    shapes.plot(ax=ax, color=[colours.get(s, "#cccccc") for s in fill], edgecolor=_EDGE,
                linewidth=0.35)
    period = (xmax - xmin + 0.1 * width) / STRIPES_ACROSS
    stripes, faces, edges = [], [], []
    for did in metric.index[partial]:
        stripes.append(stripe_geometry(shapes[did], share_tenth(float(metric.at[did, "share"])),
                                       period))
        side = str(metric.at[did, "controller"])
        faces.append(colours.get(side, "#cccccc"))
        edges.append(hatch.get(side, "#333333"))
    if stripes:
        import geopandas as gpd

        gpd.GeoSeries(stripes, crs=metric.crs).plot(ax=ax, color=faces, edgecolor=edges,
                                                    linewidth=0.25)
    low = metric["confidence"] == "low"
    if low.any():
        shapes[low].boundary.plot(ax=ax, color=_LOW_EDGE, linewidth=0.8, linestyle=(0, (4, 3)))
    ax.set_facecolor(_SEA)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    pad = 0.03 * width
    ax.set_xlim(xmin - pad - 0.016 * width, xmax + pad + 0.016 * width)
    ax.set_ylim(ymin - pad - 0.016 * width, ymax + pad + 0.016 * width)
    ax.set_title(frame_title(battle.name, _as_day(day)), loc="left")
    handles: list[Any] = [Patch(facecolor=colours[s], edgecolor=_EDGE, label=battle.labels[s])
                          for s in battle.side_ids]
    gainers = sorted(set(metric.loc[partial, "controller"].astype(str)),
                     key=battle.side_ids.index)
    handles += [Patch(facecolor="#8c8c8c", edgecolor=colours[s], linewidth=0, hatch=HATCH,
                      label=f"Partly taken by {battle.labels[s]}") for s in gainers]
    if low.any():
        handles.append(Patch(facecolor="none", edgecolor=_LOW_EDGE, linestyle="--",
                             label="Low-confidence state"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
              frameon=False)
    return ax
