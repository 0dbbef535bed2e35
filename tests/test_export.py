"""Data out and the Python API: control intervals (GeoPackage, GeoJSON, Parquet, CSV), the long
district x day CSV, ``Project.state_on``, ``Project.plot`` and ``GeoDataFrame.explore``.

Run on the embedded data (135 districts, 38 days) and on the small hand-made project.
"""

from __future__ import annotations

from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from aleppo_map import export
from aleppo_map._errors import ValidationError
from aleppo_map.analysis.areas import majority_holder
from static_fixtures import small_project


@pytest.fixture(scope="module")
def project():
    from aleppo_map.project import load_project

    return load_project()


@pytest.fixture(scope="module")
def intervals(project):
    return export.control_intervals(project)


def test_intervals_tile_every_districts_days_without_gap_or_overlap(project, intervals):
    tl = project.timeline
    assert set(intervals["district_id"]) == set(tl.district_ids)
    assert export.read_back_check(intervals) == []
    start = pd.Timestamp(tl.dates[0], tz="UTC")
    stop = pd.Timestamp(tl.dates[-1] + timedelta(days=1), tz="UTC")
    for did, grp in intervals.groupby("district_id"):
        g = grp.sort_values("valid_from")
        assert g["valid_from"].iloc[0] == start, did
        assert g["valid_to"].iloc[-1] == stop, did  # valid_to is exclusive
        assert int(g["days"].sum()) == len(tl.dates)
        days = (g["valid_to"] - g["valid_from"]).dt.days
        assert days.tolist() == g["days"].tolist()
        # inclusive last_day is the day before the exclusive valid_to
        assert [date.fromisoformat(d) + timedelta(days=1) for d in g["last_day"]] == \
            [t.date() for t in g["valid_to"]]


def test_each_interval_carries_the_state_of_every_day_it_covers(project, intervals):
    st = project.timeline.states
    rng = np.random.default_rng(0)
    for i in rng.choice(len(intervals), size=40, replace=False):
        row = intervals.iloc[int(i)]
        day = date.fromisoformat(row["first_day"]) + timedelta(days=int(row["days"]) - 1)
        on = st[(st["date"] == day) & (st["district_id"] == row["district_id"])].iloc[0]
        assert on["controller"] == row["controller"]
        assert on["share"] == pytest.approx(row["share"])
        assert (on["remainder"] or "") == row["remainder"]
        assert on["change_id"] == row["change_id"]
    # citations are source_id:line, the row behind the state first
    rows = project.changes.set_index("change_id")
    for rec in intervals.head(20).itertuples():
        first = rec.citations.split("; ")[0]
        assert first == f"{rows.at[rec.change_id, 'source_id']}:{rows.at[rec.change_id, 'line']}"
    shares = intervals[[f"share_{s}" for s in project.battle.side_ids]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0)


@pytest.mark.parametrize("fmt", ["gpkg", "parquet", "geojson"])
def test_export_reads_back_with_geopandas(project, intervals, tmp_path, fmt):
    dest = export.write_export(project, fmt, tmp_path / f"out.{fmt}")
    back = gpd.read_parquet(dest) if fmt == "parquet" else gpd.read_file(dest)
    assert len(back) == len(intervals)
    assert back.crs.to_epsg() == 4326
    assert set(export.INTERVAL_COLUMNS) <= set(back.columns)
    # time columns come back as date-times, which QGIS and kepler.gl read as time
    assert pd.api.types.is_datetime64_any_dtype(back["valid_from"])
    assert pd.api.types.is_datetime64_any_dtype(back["valid_to"])
    assert export.read_back_check(back) == []
    assert (back["valid_from"].astype(str).str[:10] == back["first_day"].astype(str).str[:10]).all()
    assert back.geometry.is_valid.all()
    a = intervals.set_index(["district_id", "valid_from"]).sort_index()
    b = back.set_index(["district_id", "valid_from"]).sort_index()
    assert (a["controller"] == b["controller"]).all()
    np.testing.assert_allclose(a.geometry.to_crs(32637).area, b.geometry.to_crs(32637).area,
                               rtol=1e-6)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_geojson_time_columns_are_iso_timestamps_for_kepler(project, tmp_path):
    import json

    dest = export.write_export(project, "geojson", tmp_path / "t.geojson")
    props = json.loads(dest.read_text(encoding="utf-8"))["features"][0]["properties"]
    assert props["valid_from"] == "2016-11-15T00:00:00Z"
    assert props["valid_to"].endswith("T00:00:00Z")


def test_interval_csv_has_wkt_geometry(project, intervals, tmp_path):
    from shapely import wkt

    dest = export.write_export(project, "csv", tmp_path / "i.csv")
    frame = pd.read_csv(dest, keep_default_na=False)
    assert len(frame) == len(intervals)
    assert frame["valid_from"].str.match(r"^\d{4}-\d\d-\d\dT00:00:00Z$").all()
    assert wkt.loads(frame["geometry"].iloc[0]).geom_type in ("Polygon", "MultiPolygon", "Point")


def test_long_csv_has_districts_times_days_rows(project, tmp_path):
    dest = export.write_export(project, "csv", tmp_path / "long.csv", long=True)
    frame = pd.read_csv(dest, keep_default_na=False)
    tl = project.timeline
    assert len(frame) == len(tl.district_ids) * len(tl.dates)
    assert not frame.duplicated(["date", "district_id"]).any()
    assert list(frame.columns[: len(export.LONG_COLUMNS)]) == list(export.LONG_COLUMNS)
    day = frame[frame["date"] == "2016-12-06"].set_index("district_id")
    on = tl.state_on("2016-12-06")
    assert (day.loc[on.index, "controller"] == on["controller"]).all()


def test_export_refuses_to_overwrite_and_rejects_bad_options(project, tmp_path):
    dest = tmp_path / "x.gpkg"
    dest.write_bytes(b"a user's file")
    with pytest.raises(ValidationError, match="does not exist yet"):
        export.write_export(project, "gpkg", dest)
    assert dest.read_bytes() == b"a user's file"
    with pytest.raises(ValidationError, match="one of gpkg"):
        export.write_export(project, "shp", tmp_path / "y.shp")
    with pytest.raises(ValidationError, match="format csv"):
        export.write_export(project, "gpkg", tmp_path / "z.gpkg", long=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.gpkg"]


def test_cli_export(tmp_path, capsys):
    from aleppo_map.cli import main

    out = tmp_path / "c.parquet"
    assert main(["export", "--format", "parquet", "--out", str(out), "--quiet"]) == 0
    assert len(gpd.read_parquet(out)) > 135
    assert main(["export", "--format", "parquet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "does not exist yet" in err and "Traceback" not in err
    daily = tmp_path / "d.csv"
    assert main(["export", "--format", "csv", "--long", "--out", str(daily), "--quiet"]) == 0
    assert len(pd.read_csv(daily)) == 135 * 38


# ----------------------------------------------------------------------------- the Python API
def test_state_on_returns_a_geodataframe_agreeing_with_the_timeline(project):
    gdf = project.state_on("2016-12-06")
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf.index) == list(project.timeline.district_ids)
    on = project.timeline.state_on("2016-12-06")
    assert (gdf["controller"] == on["controller"]).all()
    assert (gdf["majority"] == majority_holder(on.reset_index()).to_numpy()).all()
    # the majority is the side holding the most of the district, whatever the row names
    shares = gdf[[f"share_{s}" for s in project.battle.side_ids]]
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    top = shares.to_numpy().max(axis=1)
    held = np.array([gdf.at[d, f"share_{gdf.at[d, 'majority']}"] for d in gdf.index])
    np.testing.assert_allclose(held, top)
    assert (gdf["controller"] != gdf["majority"]).sum() > 0  # gains of a minority share
    for col in ("name_en", "name_ar", "extent", "since", "change_id", "source_id", "line",
                "basis", "confidence"):
        assert col in gdf.columns
    rows = project.changes.set_index("change_id")
    assert (gdf["source_id"] == rows.loc[gdf["change_id"], "source_id"].to_numpy()).all()
    with pytest.raises(ValidationError):
        project.state_on("2017-01-01")


def test_plot_returns_axes_drawn_with_the_frames_colours():
    from matplotlib.axes import Axes
    from matplotlib.colors import to_hex

    proj = small_project()
    ax = proj.plot("2016-11-16")
    assert isinstance(ax, Axes)
    faces = {to_hex(c) for coll in ax.collections for c in coll.get_facecolors()}
    settings = proj.settings
    assert settings.colours["government"] in faces  # fills and the gaining side's stripes
    assert settings.colours["rebel"] in faces
    assert "Aleppo, 16 November 2016" in ax.get_title(loc="left")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Partly taken by Government and allies" in legend


def test_explore_returns_a_folium_map_without_network(project):
    import folium

    m = project.state_on("2016-12-06").explore(column="majority", tiles=None)
    assert isinstance(m, folium.Map)
    assert "hanano" in m.get_root().render()


def test_readme_python_example_runs_as_a_doctest(repo_root):
    import doctest
    import re

    text = (repo_root / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    assert len([ln for ln in block.splitlines() if ln.startswith(">>> ")]) >= 5
    test = doctest.DocTestParser().get_doctest(block, {}, "README Python", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 6
