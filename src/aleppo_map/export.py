"""Data out: the timeline as control intervals for GIS tools, and a long table for spreadsheets.

One feature per district and *control interval* (a run of days over which the
district's state does not change), with:

``valid_from``, ``valid_to``
    Start and end of the interval as timestamps at midnight UTC; ``valid_to`` is
    **exclusive**: the first day the state no longer holds (the day after the last
    day shown). In GeoJSON and CSV they are ISO strings ``YYYY-MM-DDT00:00:00Z``,
    which QGIS reads as date-times and kepler.gl as a time column; in GeoPackage a
    DateTime field; in Parquet a UTC timestamp.
``first_day``, ``last_day``
    The same interval as ISO dates, both **inclusive**, for reading.
``controller``, ``share``, ``remainder``, ``extent``, ``majority``
    The state (``controller`` holds ``share``, ``remainder`` the rest; ``majority``
    is the side holding the larger part).
``basis``, ``confidence``, ``change_id``, ``citations``, ``disputed``
    The row behind the state and every source line that reports the same state for
    that district on that day (``source_id:line`` separated by ``"; "``).

Geometry is in EPSG:4326; a district the boundary file lacks is a point, and
``geom_basis`` (when the layer has it) says where each shape comes from.
Intervals of a district tile the timeline's days exactly, with no gap or overlap.

Examples
--------
>>> from aleppo_map.project import load_project
>>> project = load_project()
>>> iv = control_intervals(project)
>>> row = iv.iloc[0]
>>> row["first_day"] == project.battle.first_day.isoformat()
True
>>> row["valid_from"].isoformat() == row["first_day"] + "T00:00:00+00:00"
True
>>> int(iv.groupby("district_id")["days"].sum().max()) == len(project.timeline.dates)
True
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from aleppo_map import _io as io
from aleppo_map._errors import AleppoMapError, Problem, ValidationError

if TYPE_CHECKING:
    import geopandas as gpd

    from aleppo_map.project import Project

#: Formats of :func:`write_export`, and the file suffix of each.
EXPORT_FORMATS: Final[dict[str, str]] = {
    "gpkg": ".gpkg", "geojson": ".geojson", "parquet": ".parquet", "csv": ".csv",
}
#: Columns of :func:`control_intervals`, before ``share_<side>`` and ``geometry``.
INTERVAL_COLUMNS: Final[tuple[str, ...]] = (
    "district_id", "name_en", "name_ar", "valid_from", "valid_to", "first_day", "last_day",
    "days", "controller", "share", "remainder", "extent", "majority", "basis", "confidence",
    "change_id", "citations", "disputed",
)
#: Columns of :func:`long_table`, before ``share_<side>``.
LONG_COLUMNS: Final[tuple[str, ...]] = (
    "date", "district_id", "name_en", "controller", "share", "remainder", "extent",
    "majority", "since", "change_id", "source_id", "line", "basis", "confidence",
)
#: Layer name in the GeoPackage.
LAYER: Final = "control_intervals"


def _citations(project: Project) -> tuple[dict[str, str], dict[str, bool]]:
    """Per applied change id: every source line reporting the same state that day; disputed."""
    hist = project.timeline.history
    claims = hist[hist["status"].isin(["applied", "superseded"])].copy()
    share = pd.to_numeric(claims["share"], errors="coerce").fillna(1.0).round(3).astype(str)
    claims["sig"] = claims["controller"].astype(str) + "/" + claims["extent"].astype(str) \
        + "/" + share
    claims["cite"] = claims["source_id"].astype(str) + ":" + claims["line"].astype(str)
    cites: dict[str, str] = {}
    disputed: dict[str, bool] = {}
    for _, grp in claims.groupby(["district_id", "date"], sort=False):
        applied = grp[grp["status"] == "applied"]
        if applied.empty:
            continue
        main = applied.iloc[0]
        same = grp[grp["sig"] == main["sig"]]
        ordered = [main["cite"], *[c for c in same["cite"] if c != main["cite"]]]
        cites[str(main["change_id"])] = "; ".join(dict.fromkeys(ordered))
        disputed[str(main["change_id"])] = bool(grp["disputed"].any()) \
            if "disputed" in grp else False
    return cites, disputed


def _utc(days: pd.Series) -> pd.Series:
    return pd.to_datetime(days.astype(str)).dt.tz_localize("UTC").astype("datetime64[ms, UTC]")


def control_intervals(project: Project) -> gpd.GeoDataFrame:
    """One row per district and interval of unchanged state (see the module's notes).

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`INTERVAL_COLUMNS`, ``share_<side>`` for every side, geometry
        (EPSG:4326); sorted by district (gazetteer order), then time.
    """
    import geopandas as gpd

    from aleppo_map.state import _names, state_rows

    if project.layer is None:
        raise AleppoMapError("the export needs the district geometry: load the project with "
                             "its layer")
    tl = project.timeline
    st = tl.states
    pos = {d: i for i, d in enumerate(tl.district_ids)}
    st = st.assign(_pos=st["district_id"].map(pos)).sort_values(["_pos", "date"], kind="stable")
    key = (st["controller"].astype(str) + "|" + st["share"].round(6).astype(str) + "|"
           + st["remainder"].fillna("").astype(str) + "|" + st["change_id"].astype(str))
    new_run = (key != key.shift()) | (st["district_id"] != st["district_id"].shift())
    run = new_run.cumsum()
    first = st.groupby(run, sort=False).first()
    last_day = st.groupby(run, sort=False)["date"].last()
    n = st.groupby(run, sort=False).size()
    rows = state_rows(project, first.drop(columns=["_pos"]).reset_index(drop=True))
    ids = rows["district_id"].astype(str).tolist()
    en, ar = _names(project, ids)
    cites, disputed = _citations(project)
    start = list(first["date"])
    last = list(last_day)
    stop = [d + timedelta(days=1) for d in last]
    out = pd.DataFrame({
        "district_id": ids, "name_en": en, "name_ar": ar,
        "valid_from": _utc(pd.Series(start)), "valid_to": _utc(pd.Series(stop)),
        "first_day": [d.isoformat() for d in start],
        "last_day": [d.isoformat() for d in last],
        "days": n.to_numpy().astype(int),
        "controller": rows["controller"].astype(str), "share": rows["share"].astype(float),
        "remainder": rows["remainder"], "extent": rows["extent"].astype(str),
        "majority": rows["majority"].astype(str), "basis": rows["basis"].astype(str),
        "confidence": rows["confidence"].astype(str),
        "change_id": rows["change_id"].astype(str),
        "citations": [cites.get(c, f"{s}:{ln}") for c, s, ln in
                      zip(rows["change_id"], rows["source_id"], rows["line"], strict=True)],
        "disputed": [disputed.get(c, False) for c in rows["change_id"]],
    })
    for side in project.battle.side_ids:
        out[f"share_{side}"] = rows[f"share_{side}"].to_numpy()
    if "geom_basis" in project.layer.gdf:  # csr, estimated, sub-area, file, missing
        out["geom_basis"] = project.layer.gdf["geom_basis"].reindex(ids).astype(str).to_numpy()
    geom = project.layer.gdf.to_crs("EPSG:4326").geometry.reindex(ids).to_numpy()
    return gpd.GeoDataFrame(out, geometry=geom, crs="EPSG:4326")


def long_table(project: Project) -> pd.DataFrame:
    """Every district on every day, for spreadsheets: districts x days rows, no geometry.

    Parameters
    ----------
    project : Project
        Loaded inputs (the layer is not needed).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LONG_COLUMNS` then ``share_<side>``; dates as ISO text, sorted
        by date then district.
    """
    from aleppo_map.state import _names, state_rows

    st = project.timeline.states
    rows = state_rows(project, st.reset_index(drop=True))
    ids = rows["district_id"].astype(str)
    unique = list(dict.fromkeys(ids))
    en = dict(zip(unique, _names(project, unique)[0], strict=True))
    rows["name_en"] = ids.map(en)
    rows["date"] = [d.isoformat() for d in rows["date"]]
    rows["since"] = [d.isoformat() for d in rows["since"]]
    rows["share"] = rows["share"].astype(float).round(4)
    sides = [f"share_{s}" for s in project.battle.side_ids]
    return rows[list(LONG_COLUMNS) + sides].reset_index(drop=True)


def export_path(fmt: str, out: Path | str | None = None, *, long: bool = False) -> Path:
    """Return the output file: *out*, or ``control_intervals.<ext>`` (``control_daily.csv`` for long).

    Parameters
    ----------
    fmt : str
        A key of :data:`EXPORT_FORMATS`.
    out : pathlib.Path or str, optional
        The file asked for.
    long : bool
        The long district x day CSV.

    Returns
    -------
    pathlib.Path
        The path.
    """
    if out is not None:
        return Path(out)
    return Path("control_daily.csv" if long else f"{LAYER}{EXPORT_FORMATS[fmt]}")


def check_export(fmt: str, out: Path | str | None = None, *, long: bool = False,
                 overwrite: bool = False) -> Path:
    """Check the export's options before any work, and return the output file.

    Parameters
    ----------
    fmt, out, long, overwrite
        As for :func:`write_export`.

    Returns
    -------
    pathlib.Path
        The output file.

    Raises
    ------
    ValidationError
        For an unknown format, ``long`` with a format other than csv, an existing
        file without *overwrite*, or a missing folder.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValidationError([Problem("format", "", "one of " + ", ".join(EXPORT_FORMATS),
                                       repr(fmt))])
    if long and fmt != "csv":
        raise ValidationError([Problem("long", "", "format csv (the long table has no "
                                       "geometry)", f"format {fmt}")])
    dest = export_path(fmt, out, long=long)
    if dest.exists() and not overwrite:
        raise ValidationError([Problem(str(dest), "", "a file name that does not exist yet "
                                       "(nothing is overwritten)", "an existing file",
                                       hint="choose another output file, or pass --overwrite to replace it")])
    if not dest.parent.exists():
        raise ValidationError([Problem(str(dest), "", "a file in an existing folder",
                                       f"no folder {dest.parent}")])
    return dest


def write_export(project: Project, fmt: str, out: Path | str | None = None, *,
                 long: bool = False, overwrite: bool = False) -> Path:
    """Write the control intervals (or, with *long*, the district x day table) to a file.

    The file is written to a temporary sibling and moved into place when complete.

    Parameters
    ----------
    project : Project
        Loaded inputs (with a layer, except for the long CSV).
    fmt : str
        ``gpkg``, ``geojson``, ``parquet`` or ``csv``. In CSV the geometry is WKT.
    out : pathlib.Path or str, optional
        Output file (default: :func:`export_path`).
    long : bool
        Write the long district x day table instead (``csv`` only).
    overwrite : bool
        Replace an existing file (default: refuse).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ValidationError
        For an unknown format, ``long`` with a format other than csv, or an existing
        file without *overwrite*.
    """
    dest = check_export(fmt, out, long=long, overwrite=overwrite)
    with io.output_file(dest, overwrite=overwrite) as tmp:
        tmp.unlink()  # the GDAL drivers create the file themselves
        if long:
            long_table(project).to_csv(tmp, index=False, lineterminator="\n")
        else:
            _write_intervals(control_intervals(project), fmt, tmp)
    return dest


def _iso(ts: pd.Series) -> pd.Series:
    out: pd.Series = ts.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def _write_intervals(gdf: gpd.GeoDataFrame, fmt: str, path: Path) -> None:
    if fmt == "gpkg":
        gdf.to_file(path, driver="GPKG", layer=LAYER, engine="pyogrio")
    elif fmt == "parquet":
        gdf.to_parquet(path, index=False)
    elif fmt == "geojson":
        text = gdf.assign(valid_from=_iso(gdf["valid_from"]), valid_to=_iso(gdf["valid_to"]))
        text.to_file(path, driver="GeoJSON", layer=LAYER, engine="pyogrio")
    else:
        frame = pd.DataFrame(gdf.drop(columns="geometry"))
        frame["valid_from"] = _iso(gdf["valid_from"])
        frame["valid_to"] = _iso(gdf["valid_to"])
        frame["geometry"] = gdf.geometry.to_wkt(rounding_precision=6)
        frame.to_csv(path, index=False, lineterminator="\n")


def read_back_check(gdf: gpd.GeoDataFrame) -> list[str]:
    """List the districts whose intervals leave a gap or overlap (empty when they tile).

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame or pandas.DataFrame
        Rows with ``district_id``, ``valid_from`` and ``valid_to`` (timestamps).

    Returns
    -------
    list of str
        District ids whose sorted intervals do not meet end to start.
    """
    bad = []
    for did, grp in gdf.groupby("district_id", sort=False):
        g = grp.sort_values("valid_from")
        starts = pd.to_datetime(g["valid_from"]).to_numpy()
        stops = pd.to_datetime(g["valid_to"]).to_numpy()
        if not np.array_equal(starts[1:], stops[:-1]) or (stops <= starts).any():
            bad.append(str(did))
    return bad
