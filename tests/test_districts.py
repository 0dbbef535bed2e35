"""District geometry: the embedded layer, and a foreign boundary file matched by name."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon

from aleppo_map._errors import AleppoMapError, ValidationError
from aleppo_map.gazetteer import load_gazetteer
from aleppo_map.geometry.layer import build_layer, layer_geojson, load_districts
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
    estimated = sorted(gaz.frame.index[gaz.frame["geom_basis"] == "estimated"])
    assert sorted(layer.missing) == estimated
    assert (gdf.loc[estimated, "geom_kind"] == "point").all()
    polys = gdf[gdf["geom_kind"] == "polygon"]
    assert len(polys) == len(gaz.ids) - len(estimated)
    assert polys.geometry.is_valid.all()
    line = layer.coverage_line()
    assert f"{len(polys)} of {len(gaz.ids)}" in line
    for did in estimated:
        assert did in line
    # CSR polygons: the gazetteer's derived areas are those of the file, in a metric CRS
    derived = polys.index[gaz.frame.loc[polys.index, "geom_basis"] == "csr-derived"]
    ratio = polys.loc[derived, "area_km2"] / gaz.frame.loc[derived, "area_km2"]
    assert ratio.between(0.99, 1.01).all()
    # several CSR features of one district (Hamdaniyeh I to V) are dissolved into one
    assert any("dissolved" in w and "hamdaniyeh" in w for w in layer.warnings)


# ----------------------------------------------------------------------------- our layer
def test_embedded_layer_areas_match_the_gazetteer(embedded, gaz):
    gdf = embedded.gdf
    assert embedded.missing == []
    assert (gdf["geom_kind"] == "polygon").all()
    assert gdf.geometry.is_valid.all()
    err = (gdf["area_km2"] / gaz.frame["area_km2"].reindex(gdf.index) - 1).abs()
    assert err.max() < 0.02, err.sort_values().tail()


def test_embedded_layer_has_no_overlaps(embedded):
    assert _max_overlap_m2(embedded.gdf.geometry) <= 1.0


def test_embedded_districts_lie_where_the_gazetteer_puts_them(embedded, gaz):
    # every polygon is at, or within 400 m of, its district's gazetteer centre (small
    # old-city districts crowded beside large ones may be pushed a little off it)
    metric = embedded.gdf.geometry.to_crs(DEFAULTS.metric_crs)
    centres = gpd.GeoSeries(gpd.points_from_xy(gaz.frame["lon"], gaz.frame["lat"]),
                            index=gaz.frame.index, crs="EPSG:4326").to_crs(DEFAULTS.metric_crs)
    gap = pd.Series({d: metric[d].distance(centres[d]) for d in metric.index})
    assert gap.max() < 400.0, gap.sort_values().tail()
    assert (gap == 0).mean() > 0.6


def test_build_is_deterministic_and_matches_the_committed_file(gaz):
    """Against the committed file, with a tolerance.

    Other versions of GEOS/shapely/pyproj move coordinates in the fifth decimal, so the
    committed layer is compared geometry by geometry (within ~1 m), not as bytes.
    """
    import json

    built = layer_geojson(build_layer(gaz))
    ours = json.loads(built)["features"]
    theirs = json.loads(DEFAULTS.districts_path.read_text(encoding="utf-8"))["features"]
    assert [f["properties"] for f in ours] == [f["properties"] for f in theirs]
    for a, b in zip(ours, theirs, strict=True):
        ga, gb = shapely.geometry.shape(a["geometry"]), shapely.geometry.shape(b["geometry"])
        assert shapely.hausdorff_distance(ga, gb) < 1e-5, a["properties"]  # degrees: ~1 m
        assert ga.symmetric_difference(gb).area <= 1e-4 * gb.area, a["properties"]


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
