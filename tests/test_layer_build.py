"""The embedded district layer, derived from the CSR boundaries: real shapes where CSR
has them, estimated polygons (never discs, never over another district) where it has
none, sub-areas counted once, and a rebuild from ``../shared`` that matches the file."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from aleppo_map._errors import ValidationError
from aleppo_map.gazetteer import Gazetteer, load_gazetteer
from aleppo_map.geometry.build import build_layer
from aleppo_map.geometry.layer import ATTRIBUTION, load_districts
from aleppo_map.settings import DEFAULTS

METRIC = DEFAULTS.metric_crs


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def embedded(gaz):
    return load_districts(None, gaz)


@pytest.fixture(scope="module")
def shipped() -> gpd.GeoDataFrame:
    return gpd.read_file(DEFAULTS.districts_path).set_index("district_id")


@pytest.fixture(scope="module")
def csr_metric(csr_path, gaz) -> gpd.GeoSeries:
    """The CSR file matched and dissolved by district, unsimplified, in UTM 37N."""
    raw = gpd.read_file(csr_path)
    raw["did"] = [gaz.lookup(n) for n in raw["NAME"]]
    raw["geometry"] = raw.geometry.make_valid()
    return raw.to_crs(METRIC).dissolve("did").geometry


def _overlaps_m2(geoms: gpd.GeoSeries) -> list[tuple[str, str, float]]:
    arr = geoms.to_numpy()
    left, right = shapely.STRtree(arr).query(arr, predicate="intersects")
    return [(geoms.index[i], geoms.index[j], arr[i].intersection(arr[j]).area)
            for i, j in zip(left, right, strict=True) if i < j]


# ------------------------------------------------------------------------ the shipped file
def test_polygons_are_valid_and_never_overlap(embedded):
    polys = embedded.gdf[embedded.gdf["geom_kind"] == "polygon"]
    assert polys.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert polys.geometry.is_valid.all()
    worst = max((a for _, _, a in _overlaps_m2(polys.geometry.to_crs(METRIC))), default=0.0)
    assert worst < 1000.0, worst  # 0.001 km²


def test_every_district_is_drawn_or_a_sub_area_of_a_drawn_one(embedded, gaz):
    gdf = embedded.gdf
    drawn = set(gdf.index[gdf["geom_kind"] == "polygon"])
    subs = embedded.subareas
    assert set(gaz.ids) == drawn | set(subs)
    assert not drawn & set(subs)
    assert subs == {d: gaz.parent(d) for d in gaz.ids if gaz.parent(d)}
    assert len(subs) > 0
    assert sorted(embedded.missing) == sorted(subs)
    metric = gdf.geometry.to_crs(METRIC)
    for did, parent in subs.items():
        assert parent in drawn, did
        # the marker lies inside its parent, and the sub-area adds no ground of its own
        assert metric[parent].contains(metric[did]), did
        assert gdf.loc[did, "area_km2"] == 0.0
        assert gdf.loc[did, "geom_basis"] == "sub-area"
        assert gaz.frame.loc[did, "geom_note"], did  # the reason is written down
    line = embedded.coverage_line()
    assert f"{len(drawn)} of {len(gaz.ids)}" in line
    assert "tariq-al-bab in helwaniyeh" in line


def test_layer_says_where_each_shape_comes_from(embedded, shipped, gaz):
    assert set(shipped["geom_basis"]) == {"csr", "estimated"}
    estimated = shipped.index[shipped["geom_basis"] == "estimated"]
    assert (shipped.loc[estimated, "geom_note"].str.len() > 20).all()
    assert (shipped.loc[shipped["geom_basis"] == "csr", "geom_note"] == "").all()
    assert set(estimated) == set(gaz.frame.index[gaz.frame["geom_basis"] == "estimated"])
    assert set(shipped.index[shipped["geom_basis"] == "csr"]) == set(
        gaz.frame.index[gaz.frame["geom_basis"] == "csr-derived"])
    # the loaded layer exposes the same, and the credit line
    assert (embedded.basis.reindex(shipped.index) == shipped["geom_basis"]).all()
    assert embedded.attribution == ATTRIBUTION
    assert "Columbia Center for Spatial Research" in ATTRIBUTION
    head = json.loads(DEFAULTS.districts_path.read_text(encoding="utf-8"))
    assert head["attribution"] == ATTRIBUTION
    assert "MIT" in head["license"]


def test_licence_of_the_boundaries_ships_beside_the_data(shared_dir):
    ours = (DEFAULTS.data_dir / "aleppo_neighborhoods_csr.LICENSE").read_text(encoding="utf-8")
    theirs = (shared_dir / "data" / "aleppo_neighborhoods_csr.LICENSE").read_text(
        encoding="utf-8")
    assert ours == theirs
    assert "Copyright (c) 2019 Columbia Center for Spatial Research" in ours


def test_estimated_shapes_are_not_circles(embedded):
    gdf = embedded.gdf
    est = gdf[gdf["geom_basis"] == "estimated"].geometry.to_crs(METRIC)
    assert len(est) > 0
    for did, shape in est.items():
        quotient = 4 * math.pi * shape.area / shape.length**2  # 1 for a disc
        disc = shape.centroid.buffer(math.sqrt(shape.area / math.pi), quad_segs=32)
        apart = shape.symmetric_difference(disc).area / shape.area
        assert quotient < 0.85, (did, quotient)
        assert apart > 0.2, (did, apart)
        assert len(shapely.get_parts(shape)) == 1, did


def test_estimated_areas_and_centres_agree_with_the_gazetteer(embedded, gaz):
    gdf = embedded.gdf
    est = gdf.index[gdf["geom_basis"] == "estimated"]
    metric = gdf.geometry.to_crs(METRIC)
    centres = gpd.GeoSeries(gpd.points_from_xy(gaz.frame["lon"], gaz.frame["lat"]),
                            index=gaz.frame.index, crs="EPSG:4326").to_crs(METRIC)
    for did in est:
        assert gdf.loc[did, "area_km2"] == pytest.approx(gaz.area_km2(did), rel=0.005), did
        assert metric[did].contains(centres[did]), did


# ------------------------------------------------------------------- against the CSR file
def test_csr_districts_coincide_with_the_csr_geometry(embedded, csr_metric):
    gdf = embedded.gdf
    ours = gdf[gdf["geom_basis"] == "csr"].geometry.to_crs(METRIC)
    assert set(ours.index) == set(csr_metric.index)
    iou = pd.Series({d: ours[d].intersection(csr_metric[d]).area
                     / ours[d].union(csr_metric[d]).area for d in ours.index})
    assert iou.min() > 0.98, iou.sort_values().head()


def test_estimated_polygons_lie_on_ground_csr_leaves_uncovered(embedded, csr_metric):
    gdf = embedded.gdf
    est = gdf[gdf["geom_basis"] == "estimated"].geometry.to_crs(METRIC)
    covered = shapely.union_all(csr_metric.to_numpy())
    for did, shape in est.items():
        assert shape.intersection(covered).area < 1000.0, did


def test_rebuild_from_shared_matches_the_shipped_file(csr_path, shipped, tmp_path, repo_root):
    out = tmp_path / "districts.geojson"
    result = subprocess.run(
        [sys.executable, "-m", "aleppo_map.cli", "build-districts", "--csr", str(csr_path),
         "--out", str(out), "--quiet"],
        capture_output=True, text=True, check=False, cwd=repo_root)
    assert result.returncode == 0, result.stderr
    rebuilt = gpd.read_file(out).set_index("district_id")
    assert list(rebuilt.index) == list(shipped.index)
    assert (rebuilt["geom_basis"] == shipped["geom_basis"]).all()
    a = shipped.geometry.to_crs(METRIC)
    b = rebuilt.geometry.to_crs(METRIC)
    drift = a.symmetric_difference(b).area / a.area
    assert drift.max() < 1e-3, drift.sort_values().tail()


def test_a_csr_file_with_an_unknown_name_is_refused(csr_path, gaz, tmp_path):
    raw = gpd.read_file(csr_path)
    raw.loc[4, "NAME"] = "Nowhere Quarter"
    raw.loc[4, "NAME_A"] = None
    bad = tmp_path / "csr.geojson"
    raw.to_file(bad)
    with pytest.raises(ValidationError) as info:
        build_layer(gaz, bad)
    text = str(info.value)
    assert str(bad) in text and "'Nowhere Quarter'" in text and "row 5" in text


def test_a_sub_area_whose_parent_has_no_polygon_is_refused(csr_path, gaz):
    frame = gaz.frame.reset_index(drop=True).copy()
    frame.loc[frame["district_id"] == "tahhan", "parent_id"] = "sheikh-lutfi"
    with pytest.raises(ValidationError, match="sheikh-lutfi"):
        build_layer(Gazetteer.from_frame(frame), csr_path)


def test_foreign_file_lacking_a_sub_area_counts_it_in_its_parent(csr_path, gaz):
    layer = load_districts(Path(csr_path), gaz)
    gdf = layer.gdf
    assert layer.attribution == ""
    assert (gdf.loc[gdf["geom_kind"] == "polygon", "geom_basis"] == "file").all()
    for did in layer.subareas:
        assert gdf.loc[did, "area_km2"] == 0.0
    est = gdf.index[gaz.frame.loc[gdf.index, "geom_basis"] == "estimated"]
    assert (gdf.loc[est, "geom_basis"] == "missing").all()
    assert (gdf.loc[est, "area_km2"] > 0).all()
