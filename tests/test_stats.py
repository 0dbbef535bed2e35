"""Areas and shares per day: definitions on a hand-made project, invariants on the real data."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from aleppo_map._errors import ValidationError
from aleppo_map.analysis import areas as stats
from aleppo_map.battle import default_battle
from aleppo_map.cli import main
from aleppo_map.render import chart as render_chart
from static_fixtures import ROWS, small_project

CONTROLLERS = default_battle().side_ids
KM2 = [f"{s}_km2" for s in CONTROLLERS]
N = [f"{s}_districts" for s in CONTROLLERS]
EAST = [f"east_{s}_pct" for s in CONTROLLERS]
# ground inside a date window is counted apart (see tests/test_windows.py)
KM2_ALL = [*KM2, "uncertain_km2"]
N_ALL = [*N, "uncertain_districts"]
EAST_ALL = [*EAST, "east_uncertain_pct"]


@pytest.fixture(scope="module")
def small():
    return small_project()


@pytest.fixture(scope="module")
def real():
    from aleppo_map.project import load_project

    return load_project()


# ----------------------------------------------------------------------------- definitions
def test_areas_are_measured_in_utm_37n_and_points_keep_their_estimate(small):
    areas = stats.district_areas(small)
    gdf = small.layer.gdf
    utm = gdf.geometry.to_crs("EPSG:32637").area / 1e6
    for did in ["a", "b", "c", "d", "e", "f"]:
        assert areas[did] == pytest.approx(utm[did], rel=1e-9)
    assert areas["g"] == pytest.approx(0.6)  # drawn as a point: the layer's estimate
    assert areas["a"] == pytest.approx(0.99 * 1.0, rel=0.05)  # ~0.011° x 0.009° near Aleppo
    assert areas["b"] < areas["a"]  # the hole is not counted


def test_a_layer_is_projected_once_for_its_areas(monkeypatch):
    import geopandas as gpd

    project = small_project()
    calls: list[str] = []
    to_crs = gpd.GeoSeries.to_crs

    def counting(self, *args, **kwargs):
        calls.append(str(kwargs.get("crs", args[0] if args else "")))
        return to_crs(self, *args, **kwargs)

    monkeypatch.setattr(gpd.GeoSeries, "to_crs", counting)
    first = stats.district_areas(project)
    again = stats.district_areas(project)
    stats.daily_stats(project)
    assert calls == [project.settings.metric_crs]
    pd.testing.assert_series_equal(first, again)
    # another CRS is measured anew, and gives other areas (6933 is an equal-area CRS)
    other = project.layer.metric_areas("EPSG:6933")
    assert calls == [project.settings.metric_crs, "EPSG:6933"]
    assert other["a"] == pytest.approx(first["a"], rel=0.01)
    assert other["a"] != first["a"]


def test_split_district_counts_by_share_and_by_majority_holder(small):
    table = stats.daily_stats(small).set_index("date")
    areas = stats.district_areas(small)
    day = table.loc["2016-11-16"]  # government holds 0.4 of a, rebels the rest
    assert day["government_km2"] == pytest.approx(areas["e"] + 0.4 * areas["a"], abs=1e-3)
    assert day["rebel_km2"] == pytest.approx(
        0.6 * areas["a"] + areas[["b", "c", "d", "g"]].sum(), abs=1e-3)
    assert day["split_districts"] == 1
    assert day["rebel_districts"] == 5  # a still counts for the rebels (majority)
    day = table.loc["2016-11-18"]  # g split 0.5/0.5 stays with the rebels; f 0.3 sdf
    assert day["split_districts"] == 2
    assert day[N].tolist() == [2, 4, 0, 1]  # a, e | c, d, f, g | - | b (contested)
    assert day["contested_km2"] == pytest.approx(areas["b"], abs=1e-3)


def test_east_is_what_the_rebels_held_on_day_one(small):
    assert stats.east_ids(small) == ["a", "b", "c", "d", "g"]
    areas = stats.district_areas(small)
    assert stats.east_km2(small) == pytest.approx(areas[["a", "b", "c", "d", "g"]].sum())
    table = stats.daily_stats(small)
    assert table.loc[0, EAST].tolist() == [0.0, 100.0, 0.0, 0.0]
    assert table.loc[len(table) - 1, EAST].tolist() == [100.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(table[EAST_ALL].sum(axis=1), 100.0, atol=0.05)
    # 16 Nov: government holds 40% of a
    assert table.loc[1, "east_government_pct"] == pytest.approx(
        40 * areas["a"] / stats.east_km2(small), abs=0.01)


def test_east_weighs_districts_by_the_rebels_day_one_share_and_credits_the_gainers():
    """e is 95% government and 5% rebel on day one: only its 5% joins the east. c goes
    to sdf (40%) and government (60%) on the 19th: its area is split between them."""
    rows = (ROWS.replace("C5,2016-11-15,e,government,full,,,",
                         "C5,2016-11-15,e,government,partial,0.95,rebel,")
            .replace("C14,2016-11-19,c,government,full,,,",
                     "C14,2016-11-19,c,sdf,partial,0.4,government,")
            + "C18,2016-11-17,e,government,full,,,capture,stated,s1,9,high,,\n")
    project = small_project(rows)
    areas = stats.district_areas(project)
    east = areas[["a", "b", "c", "d", "g"]].sum() + 0.05 * areas["e"]
    assert stats.east_ids(project) == ["a", "b", "c", "d", "e", "g"]
    assert stats.east_km2(project) == pytest.approx(east)
    table = stats.daily_stats(project).set_index("date")
    assert table.loc["2016-11-15", EAST].tolist() == [0.0, 100.0, 0.0, 0.0]
    assert table.loc["2016-11-17", "east_government_pct"] == pytest.approx(
        100 * (areas["a"] + 0.05 * areas["e"]) / east, abs=0.01)
    last = table.loc["2016-11-20"]
    assert last["east_sdf_pct"] == pytest.approx(100 * 0.4 * areas["c"] / east, abs=0.01)
    assert last["east_government_pct"] + last["east_sdf_pct"] == pytest.approx(100, abs=0.02)
    assert last["east_km2"] == pytest.approx(east, abs=1e-3)


def test_majority_holder_of_full_partial_and_even_states():
    states = pd.DataFrame({"controller": ["rebel", "government", "government", "sdf"],
                           "share": [1.0, 0.4, 0.5, 0.7],
                           "remainder": ["", "rebel", "rebel", "rebel"]})
    assert stats.majority_holder(states).tolist() == ["rebel", "rebel", "rebel", "sdf"]


def test_chart_is_written_atomically_and_bad_suffix_is_a_user_error(small, tmp_path):
    dest = render_chart.write_chart(small, tmp_path / "chart.png")
    with Image.open(dest) as img:
        assert img.size[0] == 1200  # 8 in at 150 dpi
        assert img.size[1] > 600
    with pytest.raises(ValidationError, match=r"\.png, \.pdf, \.svg"):
        render_chart.write_chart(small, tmp_path / "chart.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.png"]


# ----------------------------------------------------------------------------- real data
def test_real_areas_sum_to_the_layer_on_every_day(real):
    table = stats.daily_stats(real)
    assert len(table) == 38
    total = stats.district_areas(real).sum()
    assert total > 10  # Aleppo's districts cover well over 10 km²
    np.testing.assert_allclose(table[KM2_ALL].sum(axis=1), total, rtol=1e-6, atol=1e-3)
    assert (table[N_ALL].sum(axis=1) == len(real.timeline.district_ids)).all()
    assert (table[KM2_ALL] >= 0).all().all()


def test_real_east_goes_from_rebel_to_government(real):
    """Day one: the rebels hold all of the city area they held (0% government, by
    definition). The last day: the battle is over inside the city, no rebel or contested
    ground is left there; the government holds nearly all of it. Not 100%: the table has
    the SDF taking parts of the north-east from the rebels, and the statistics must show
    that, not round it away."""
    table = stats.daily_stats(real)
    first, last = table.iloc[0], table.iloc[-1]
    assert first["east_government_pct"] == 0.0
    assert first["east_rebel_pct"] == pytest.approx(100.0)
    assert last["east_rebel_pct"] == pytest.approx(0.0, abs=0.01)
    assert last["east_contested_pct"] == pytest.approx(0.0, abs=0.01)
    assert last["east_government_pct"] > 90.0
    assert last["east_government_pct"] + last["east_sdf_pct"] == pytest.approx(100.0, abs=0.02)
    np.testing.assert_allclose(table[EAST_ALL].sum(axis=1), 100.0, atol=0.05)
    # outskirts (outside the city) are not part of the east
    sectors = real.layer.gdf["sector"]
    assert not set(stats.east_ids(real)) & set(sectors[sectors == "outskirts"].index)
    assert first["east_km2"] < first["rebel_km2"]  # rebel-held outskirts left out


def test_cli_stats_csv_and_chart(real, tmp_path):
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["stats", "--format", "csv", "--chart", str(tmp_path / "c.png"), "--quiet"])
    assert code == 0
    table = pd.read_csv(io.StringIO(out.getvalue()))
    assert list(table.columns[:5]) == ["date", *KM2]
    assert table["date"].tolist()[0] == "2016-11-15"
    assert len(table) == 38
    assert (tmp_path / "c.png").exists()
