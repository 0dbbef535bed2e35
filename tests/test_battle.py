"""Another battle than Aleppo: built in memory from aleppo_map.testing, and by `aleppo-map new`.

The second battle (Veldora, aleppo_map.testing.other_battle) has three sides of other
names and colours, other days, and its metric CRS is the UTM zone of its data (33N,
not Aleppo's 37N). Statistics, states and figure checks must work for it, and say
nothing of Aleppo, and so must its frames and its HTML page.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from aleppo_map import testing
from aleppo_map._errors import ValidationError
from aleppo_map.analysis import areas, claims
from aleppo_map.battle import default_battle, default_battle_dir, load_battle
from aleppo_map.cli import main
from aleppo_map.project import Project, load_project, validate_all

ALEPPO = re.compile(r"aleppo|rebel|government|sdf|2016", re.IGNORECASE)


def _no_aleppo(text: str) -> None:
    text = re.sub(r"aleppo[-_]map", "", text, flags=re.IGNORECASE)  # the program's own name
    found = sorted({m.group(0) for m in ALEPPO.finditer(text)})
    assert not found, f"the output of another battle mentions {found}"


@pytest.fixture(scope="module")
def veldora() -> Project:
    return testing.other_project()


def _figures(project: Project) -> pd.DataFrame:
    d = [(project.battle.first_day + timedelta(days=k)).isoformat() for k in range(6)]
    rows = [
        # the guild advanced into a (Millgate) on day 1: 40%
        ("F01", d[1], "district_share", "a", "guild", "0.4", "fraction", "="),
        # on day 2 the guild holds all of a (Millgate) and 30% of f
        ("F02", d[2], "reference_share", "", "guild", "20", "percent", "about"),
        ("F03", d[5], "reference_share", "", "crown", "0", "percent", "="),
        ("F04", d[5], "side_district_count", "", "crown", "5", "count", "="),
    ]
    return pd.DataFrame([
        {"figure_id": f, "date": day, "scope": scope, "district_id": did, "side": side,
         "value": value, "unit": unit, "comparison": cmp, "source_id": "s1", "line": "2",
         "quote_number": value} for f, day, scope, did, side, value, unit, cmp in rows])


# ----------------------------------------------------------------------------- in memory
def test_the_second_battle_differs_in_sides_days_and_crs(veldora):
    b, aleppo = veldora.battle, default_battle()
    assert b.side_ids == ("crown", "guild", "disputed")
    assert not set(b.side_ids) & set(aleppo.side_ids)
    assert not set(b.colours.values()) & set(aleppo.colours.values())
    assert b.first_day.year != aleppo.first_day.year
    assert veldora.settings.metric_crs == "EPSG:32633" != aleppo.metric_crs_for(37.16, 36.2)
    assert veldora.timeline.sides == b.side_ids
    assert list(veldora.timeline.fractions().columns[2:]) == list(b.side_ids)


def test_areas_are_measured_in_the_utm_zone_of_the_data(veldora):
    measured = areas.district_areas(veldora)
    by_utm = veldora.layer.gdf.geometry.to_crs("EPSG:32633").area / 1e6
    polygons = veldora.layer.gdf["geom_kind"] == "polygon"
    assert measured[polygons].to_numpy() == pytest.approx(by_utm[polygons].to_numpy(), rel=1e-6)
    assert measured.loc["a"] == pytest.approx(1.2 * 0.8, rel=0.25)  # about 1 km² cells


def test_stats_of_the_second_battle(veldora):
    table = areas.daily_stats(veldora)
    sides = veldora.battle.side_ids
    assert list(table.columns[1:4]) == [f"{s}_km2" for s in sides]
    assert (table[[f"{s}_km2" for s in sides]].sum(axis=1).to_numpy()
            == pytest.approx(table["total_km2"].to_numpy(), abs=1e-3))
    # the reference area is what the crown held on day one, fields excluded
    first, last = table.iloc[0], table.iloc[-1]
    assert first["east_crown_pct"] == pytest.approx(100.0)
    assert last["east_crown_pct"] == pytest.approx(0.0, abs=0.01)
    assert last["east_guild_pct"] == pytest.approx(100.0, abs=0.02)
    assert areas.east_ids(veldora) == ["a", "b", "c", "d", "g"]
    assert table["disputed_districts"].max() == 1
    _no_aleppo(table.to_csv())


def test_state_of_the_second_battle(veldora):
    day = veldora.battle.first_day + timedelta(days=3)
    state = areas.state_table(veldora, day).set_index("district_id")
    assert state.loc["b", "controller"] == "disputed"
    assert state.loc["g", "controller"] == "guild"
    assert state.loc["g", "remainder"] == "crown"  # the side that held it before the advance
    assert state.loc["a", "name_en"] == "Millgate"
    _no_aleppo(state.to_csv())


def test_check_figures_of_the_second_battle(veldora):
    project = Project.from_tables(
        veldora.settings, testing.gazetteer_frame(veldora.layer.gdf),
        testing.changes_frame(testing.small_rows(veldora.battle)),
        testing.registry_frame({"s1": "Chronicle", "s2": "Post"}), figures_df=_figures(veldora),
        layer_gdf=veldora.layer.gdf)
    table = claims.check_figures(project).set_index("figure_id")
    assert table.loc["F01", "computed"] == pytest.approx(40.0)
    assert table.loc["F01", "verdict"] == claims.CONSISTENT
    assert table.loc["F03", "computed"] == pytest.approx(0.0, abs=0.01)
    assert table.loc["F04", "computed"] == 0.0  # the crown holds nothing in the town by then
    assert table.loc["F04", "verdict"] == claims.INCONSISTENT
    assert table.loc["F02", "text"] == "The guild held about 20% of the crown-held old town"
    assert table.loc["F03", "text"] == "The crown still held 0% of the crown-held old town"
    _no_aleppo(claims.printable(table.reset_index()).to_csv())


def test_a_table_with_the_embedded_battles_sides_is_rejected(veldora):
    rows = testing.small_rows(default_battle()).replace(
        default_battle().first_day.isoformat(), veldora.battle.first_day.isoformat())
    with pytest.raises(ValidationError) as err:
        Project.from_tables(veldora.settings, testing.gazetteer_frame(veldora.layer.gdf),
                            testing.changes_frame(rows), testing.registry_frame({"s1": "A", "s2": "B"}),
                            layer_gdf=veldora.layer.gdf)
    message = str(err.value)
    assert "column 'controller': expected one of crown, guild, disputed" in message


def test_old_scope_names_point_to_the_new_ones(veldora):
    frame = _figures(veldora)
    frame.loc[0, "scope"] = "east_share_government"
    with pytest.raises(ValidationError, match="renamed: use 'reference_share'"):
        claims.figures_from_frame(frame, "f.csv", sides=veldora.battle.side_ids)


def test_frames_of_the_second_battle_say_nothing_of_aleppo(veldora, tmp_path):
    from aleppo_map.render import frames, scene

    data = scene.scene_data(veldora, size=(400, 300), dpi=50)
    _no_aleppo(" ".join([data.attribution, *(d.title + " " + d.subtitle for d in data.days)]))
    written = frames.render_frames(veldora, tmp_path, size=(400, 300), dpi=50, quiet=True)
    assert len(written) == veldora.battle.n_days


def test_html_of_the_second_battle_says_nothing_of_aleppo(veldora, tmp_path):
    from aleppo_map.render import html

    page = html.write_map(veldora, tmp_path / "map.html")
    text = Path(page).read_text(encoding="utf-8")
    assert "Veldora" in text
    _no_aleppo(text)


# ----------------------------------------------------------------------------- the embedded battle
def test_from_tables_builds_the_project_load_project_reads():
    loaded = load_project(with_layer=False)
    s = loaded.settings

    def read(path: Path) -> pd.DataFrame:
        return pd.read_csv(path, dtype=str, keep_default_na=False)

    built = Project.from_tables(default_battle(), read(s.gazetteer_path), read(s.changes_path),
                                read(s.registry_path), read(s.aggregates_path))
    pd.testing.assert_frame_equal(built.timeline.states, loaded.timeline.states)
    pd.testing.assert_frame_equal(built.opening, loaded.opening)
    assert built.settings.metric_crs == loaded.settings.metric_crs


def test_load_project_reads_the_battle_folder_it_is_given():
    by_folder = load_project(battle=default_battle_dir(), with_layer=False)
    assert by_folder.battle == load_battle(default_battle_dir())
    assert by_folder.timeline.dates == load_project(with_layer=False).timeline.dates


# ----------------------------------------------------------------------------- aleppo-map new
@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("new") / "saltmere"
    assert main(["new", str(folder), "--quiet"]) == 0
    return folder


def test_new_writes_a_documented_battle_and_nothing_else(example):
    names = sorted(p.relative_to(example).as_posix() for p in example.rglob("*") if p.is_file())
    assert names == ["README.md", "aggregates.csv", "battle.toml", "control_changes.csv",
                     "districts.geojson", "gazetteer.csv", "reported_figures.csv",
                     "seeds/chronicle.txt", "seeds/dispatch.txt", "sources.csv"]
    readme = (example / "README.md").read_text(encoding="utf-8")
    for name in names:
        if not name.startswith("seeds/") and name != "README.md":
            assert f"`{name}`" in readme, f"README.md does not explain {name}"
    assert [p.name for p in example.parent.iterdir()] == ["saltmere"]  # no temporary left
    battle = load_battle(example)
    assert len(battle.sides) == 3
    assert not set(battle.side_ids) & set(default_battle().side_ids)
    _no_aleppo("".join(p.read_text(encoding="utf-8") for p in example.rglob("*") if p.is_file()))


def test_new_example_passes_validate_with_its_own_sources(example, capsys):
    assert validate_all(battle=example, seeds=example / "seeds") == []
    assert main(["validate", "--battle", str(example), "--seeds", str(example / "seeds")]) == 0
    assert "ok: no problems found" in capsys.readouterr().err


def test_new_example_gives_states_stats_and_figures(example, capsys):
    battle = load_battle(example)
    day = (battle.first_day + timedelta(days=4)).isoformat()
    assert main(["state", "--battle", str(example), "--date", day, "--format", "csv"]) == 0
    state = capsys.readouterr().out
    assert "market-square,Market Square,levies,full" in state
    assert main(["stats", "--battle", str(example), "--format", "csv", "--quiet"]) == 0
    stats = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(stats) == battle.n_days
    assert stats["east_guard_pct"].iloc[0] == pytest.approx(100.0)
    assert main(["check-figures", "--battle", str(example), "--format", "csv", "--quiet"]) == 0
    figures = capsys.readouterr().out
    assert figures.count(",consistent,") == 2
    _no_aleppo(state + stats.to_csv() + figures)


def test_new_refuses_a_folder_that_is_not_empty(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("my notes", encoding="utf-8")
    assert main(["new", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]
    assert (tmp_path / "mine.txt").read_text(encoding="utf-8") == "my notes"


def test_new_fills_an_empty_folder(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    assert main(["new", str(folder), "--quiet"]) == 0
    assert (folder / "battle.toml").is_file()


def test_new_example_renders(example, tmp_path):
    out = tmp_path / "out"
    assert main(["render", "--battle", str(example), "--out", str(out), "--size", "400x300",
                 "--dpi", "50", "--quiet"]) == 0
    page = out / "saltmere_control.html"
    assert page.is_file()
    assert len(list((out / "frames").glob("*.png"))) == load_battle(example).n_days
    _no_aleppo(page.read_text(encoding="utf-8"))


def test_resolve_cite_and_build_districts_take_the_battle(example, tmp_path, capsys):
    assert main(["resolve", "--battle", str(example), "the market", "Mill"]) == 0
    assert capsys.readouterr().out == "the market\tmarket-square\nMill\tmill-hill\n"
    assert main(["cite", "--battle", str(example), "--seeds", str(example / "seeds"), "S04"]) == 0
    assert "took half of it by" in capsys.readouterr().out
    polygons = (example / "districts.geojson").read_bytes()
    assert main(["build-districts", "--battle", str(example), "--quiet"]) == 2
    assert "never overwritten" in capsys.readouterr().err
    assert (example / "districts.geojson").read_bytes() == polygons
    out = tmp_path / "approx.geojson"
    assert main(["build-districts", "--battle", str(example), "--boundaries",
                 str(example / "districts.geojson"), "--out", str(out), "--quiet"]) == 0
    assert '"market-square"' in out.read_text(encoding="utf-8")


def test_a_battle_without_a_reference_area(veldora):
    from dataclasses import replace

    battle = replace(veldora.battle, reference=None)
    project = Project.from_tables(
        battle, testing.gazetteer_frame(veldora.layer.gdf),
        testing.changes_frame(testing.small_rows(veldora.battle)),
        testing.registry_frame({"s1": "Chronicle", "s2": "Post"}), figures_df=_figures(veldora),
        layer_gdf=veldora.layer.gdf)
    table = areas.daily_stats(project)
    assert table["east_km2"].eq(0).all()
    assert table[[f"east_{s}_pct" for s in battle.side_ids]].isna().all().all()
    checked = claims.check_figures(project).set_index("figure_id")
    assert checked.loc["F02", "verdict"] == claims.NOT_COMPUTABLE
    assert "the battle defines none" in checked.loc["F02", "reason"]
    assert checked.loc["F01", "verdict"] == claims.CONSISTENT  # district shares need none
