"""District geometry: the embedded layer, and a foreign boundary file matched by name.

The derivation of the embedded layer from the CSR file is tested in test_layer_build.py."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon

from aleppo_map._errors import AleppoMapError, ValidationError
from aleppo_map.gazetteer import load_gazetteer
from aleppo_map.geometry.layer import load_districts
from aleppo_map.settings import DEFAULTS


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


@pytest.fixture(scope="module")
def embedded(gaz):
    return load_districts(None, gaz)


def _max_overlap_m2(geoms: gpd.GeoSeries) -> float:
    metric = geoms.to_crs(DEFAULTS.metric_crs).to_numpy()
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="intersects")
    worst = 0.0
    for i, j in zip(left, right, strict=True):
        if i < j:
            worst = max(worst, metric[i].intersection(metric[j]).area)
    return worst


# ----------------------------------------------------------------------------- the CSR file
def test_every_csr_feature_name_resolves(csr_path, gaz):
    raw = gpd.read_file(csr_path)
    assert len(raw) == 133
    unresolved = [n for n in raw["NAME"] if gaz.lookup(n) is None]
    assert unresolved == []
    # the spellings the issue names resolve to the districts they should
    assert gaz.lookup("ash-Sheikh Maqsoud") == "sheikh-maqsoud"
    assert gaz.lookup("as-Sakhour I") == "sakhour"
    assert gaz.lookup("Sheikh Sa’eed") == "sheikh-saeed"
    assert gaz.lookup("Ad-Ramouseh Industrial District III") == "ramouseh-industrial"


def test_csr_layer_has_every_district_polygon_or_point(csr_path, gaz):
    layer = load_districts(csr_path, gaz)
    gdf = layer.gdf
    assert list(gdf.index) == gaz.ids
    lacking = sorted(gaz.frame.index[gaz.frame["geom_basis"] != "csr-derived"])
    assert sorted(layer.missing) == lacking
    assert (gdf.loc[lacking, "geom_kind"] == "point").all()
    polys = gdf[gdf["geom_kind"] == "polygon"]
    assert len(polys) == len(gaz.ids) - len(lacking)
    assert polys.geometry.is_valid.all()
    line = layer.coverage_line()
    assert f"{len(polys)} of {len(gaz.ids)}" in line
    for did in lacking:
        assert did in line
    # a sub-area is a marker with no ground of its own; a district to estimate keeps
    # the gazetteer's area, since this file has no polygon for it
    subs = sorted(gaz.frame.index[gaz.frame["geom_basis"] == "sub-area"])
    assert sorted(layer.subareas) == subs
    assert (gdf.loc[subs, "area_km2"] == 0).all()
    estimated = sorted(gaz.frame.index[gaz.frame["geom_basis"] == "estimated"])
    assert (gdf.loc[estimated, "area_km2"] == gaz.frame.loc[estimated, "area_km2"]).all()
    # CSR polygons: the gazetteer's derived areas are those of the file, in a metric CRS
    derived = polys.index[gaz.frame.loc[polys.index, "geom_basis"] == "csr-derived"]
    ratio = polys.loc[derived, "area_km2"] / gaz.frame.loc[derived, "area_km2"]
    assert ratio.between(0.99, 1.01).all()
    # several CSR features of one district (Hamdaniyeh I to V) are dissolved into one
    assert any("dissolved" in w and "hamdaniyeh" in w for w in layer.warnings)


# ----------------------------------------------------------------------------- our layer
def test_embedded_layer_areas_match_the_gazetteer(embedded, gaz):
    gdf = embedded.gdf
    subs = sorted(embedded.subareas)
    assert sorted(embedded.missing) == subs
    drawn = gdf.drop(index=subs)
    assert (drawn["geom_kind"] == "polygon").all()
    assert drawn.geometry.is_valid.all()
    # the CSR shapes are simplified by a couple of metres: areas within 2 %
    err = (drawn["area_km2"] / gaz.frame["area_km2"].reindex(drawn.index) - 1).abs()
    assert err.max() < 0.02, err.sort_values().tail()
    assert (gdf.loc[subs, "area_km2"] == 0).all()


def test_embedded_layer_has_no_overlaps(embedded):
    polys = embedded.gdf[embedded.gdf["geom_kind"] == "polygon"]
    assert _max_overlap_m2(polys.geometry) <= 1.0


def test_embedded_districts_lie_where_the_gazetteer_puts_them(embedded, gaz):
    # every polygon is at, or within 400 m of, its district's gazetteer centre (the
    # centroid of a concave CSR district may fall just outside it); sub-areas' markers
    # are at their gazetteer centre
    metric = embedded.gdf.geometry.to_crs(DEFAULTS.metric_crs)
    centres = gpd.GeoSeries(gpd.points_from_xy(gaz.frame["lon"], gaz.frame["lat"]),
                            index=gaz.frame.index, crs="EPSG:4326").to_crs(DEFAULTS.metric_crs)
    gap = pd.Series({d: metric[d].distance(centres[d]) for d in metric.index})
    assert gap.max() < 400.0, gap.sort_values().tail()
    assert (gap == 0).mean() > 0.6


# ----------------------------------------------------------------------------- a foreign file
def _foreign(embedded, tmp_path, *, unknown: bool, crs: bool = True):
    """Four districts of our layer, renamed and reprojected, one made invalid."""
    ids = ["hanano", "sheikh-maqsoud", "sakhour", "sheikh-saeed"]
    gdf = embedded.gdf.loc[ids, ["geometry"]].reset_index(drop=True)
    gdf["NAME"] = ["Hananu", "ash-Sheikh Maqsoud", "as-Sakhour I", "Sheikh Sa’eed"]
    gdf = gdf.to_crs("EPSG:3857")
    # a bow-tie: the Sheikh Saeed polygon's exterior crossed on itself
    minx, miny, maxx, maxy = gdf.geometry.iloc[3].bounds
    gdf.loc[3, "geometry"] = Polygon([(minx, miny), (maxx, maxy), (maxx, miny), (minx, maxy)])
    if unknown:
        extra = gdf.iloc[[0]].copy()
        extra["NAME"] = "Nowhere Quarter"
        gdf = gpd.GeoDataFrame(pd.concat([gdf, extra], ignore_index=True),
                               geometry="geometry", crs=gdf.crs)
    if crs:
        path = tmp_path / "foreign.gpkg"
        gdf.to_file(path)
    else:  # a shapefile whose .prj is lost: the usual way a file arrives without a CRS
        path = tmp_path / "foreign.shp"
        gdf.to_file(path)
        path.with_suffix(".prj").unlink()
    return path, ids


def test_foreign_file_with_an_unknown_name_lists_it_with_suggestions(embedded, gaz, tmp_path):
    path, _ = _foreign(embedded, tmp_path, unknown=True)
    with pytest.raises(ValidationError) as info:
        load_districts(path, gaz)
    text = str(info.value)
    assert str(path) in text
    assert "'Nowhere Quarter'" in text
    assert "row 5" in text
    assert len(info.value.problems) == 1


def test_foreign_file_in_another_crs_is_reprojected_and_repaired(embedded, gaz, tmp_path):
    path, ids = _foreign(embedded, tmp_path, unknown=False)
    layer = load_districts(path, gaz, required_ids=ids)
    assert layer.missing == []
    assert layer.gdf.crs.to_epsg() == 4326
    assert any("invalid geometry" in w and "make_valid" in w for w in layer.warnings)
    for did in ids[:3]:  # reprojection keeps areas (computed in UTM 37N)
        assert layer.gdf.loc[did, "area_km2"] == pytest.approx(embedded.gdf.loc[did, "area_km2"],
                                                               rel=0.01)
    assert layer.gdf.geometry.is_valid.all()


def test_file_without_crs_needs_assume_crs(embedded, gaz, tmp_path):
    path, ids = _foreign(embedded, tmp_path, unknown=False, crs=False)
    with pytest.raises(AleppoMapError, match="--assume-crs"):
        load_districts(path, gaz, required_ids=ids)
    layer = load_districts(path, gaz, required_ids=ids, assume_crs="EPSG:3857")
    assert layer.gdf.loc["hanano", "area_km2"] == pytest.approx(
        embedded.gdf.loc["hanano", "area_km2"], rel=0.01)


def test_render_on_the_csr_file_prints_the_coverage_line(csr_path, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "aleppo_map.cli", "render", "--districts", str(csr_path),
         "--out", str(out), "--size", "300x225", "--dpi", "40", "--start", "2016-12-12",
         "--end", "2016-12-13"],
        capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "coverage:" in result.stderr
    assert "drawn as points" in result.stderr
    assert (out / "aleppo_control.html").exists()
    assert len(list((out / "frames").glob("*.png"))) == 2
