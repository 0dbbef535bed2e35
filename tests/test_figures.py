"""The sources' own numbers against the map: the claims table, the check, the CLI."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from aleppo_map import testing
from aleppo_map._errors import ValidationError
from aleppo_map.analysis import claims as figures
from aleppo_map.battle import default_battle
from aleppo_map.project import Project
from aleppo_map.settings import DEFAULTS

# ----------------------------------------------------------------------------- fixture project
# Areas (km²): a 4, b 6, c 10, e 4.  On 2016-11-15: a, b rebel; c government;
# e half government, half rebel.  Formerly rebel-held area = 4 + 6 + 2 = 12 km².
# 11-20: government takes a quarter of a.  11-22: government takes all of a and e.
# 11-25: the SDF take half of b (an SDF gain is not a government gain).
# o (5 km²) is a rebel-held suburb in the 'outskirts' sector: outside the city, it never
# counts (not in the east, the rebel-held area, the district count or the city).
CHANGES = """\
change_id,date,district_id,controller,extent,share,remainder,event,basis,source_id,line,confidence,aggregate,note
K1,2016-11-15,a,rebel,full,,,baseline,background,s,1,high,,
K2,2016-11-15,b,rebel,full,,,baseline,background,s,1,high,,
K3,2016-11-15,c,government,full,,,baseline,background,s,1,high,,
K4,2016-11-15,e,government,partial,0.5,rebel,baseline,background,s,1,high,,
K5,2016-11-20,a,government,partial,0.25,,advance,stated,s,2,high,,
K6,2016-11-22,a,government,full,,,capture,stated,s,3,high,,
K7,2016-11-22,e,government,full,,,capture,stated,s,3,high,,
K8,2016-11-25,b,sdf,partial,0.5,,advance,stated,s,4,high,,
K9,2016-11-15,o,rebel,full,,,baseline,background,s,5,high,,
"""
AREAS = {"a": 4.0, "b": 6.0, "c": 10.0, "e": 4.0, "o": 5.0}
FIGURES = """\
figure_id,date,date_latest,as_of,scope,district_id,side,value,unit,comparison,source_id,line,quote_number,date_note,note
F01,2016-11-22,,,reference_share,,government,50,percent,=,s,1,50%,,
F02,2016-11-22,,,reference_share,,government,65,percent,>,s,1,65%,,
F03,2016-11-25,,,side_area_km2,,rebel,4,km2,about,s,1,4,,
F04,2016-11-25,,,side_area_km2,,rebel,5,km2,=,s,1,5,,
F05,2016-11-21,,start-of-day,district_share,a,government,0.25,fraction,=,s,1,a quarter,,
F06,2016-11-16,2016-11-24,,reference_share,,government,50,percent,=,s,1,50%,,
F07,2012-06-23,2012-06-30,,city_share,,rebel,0.5,fraction,about,s,1,half,,
F08,2016-11-22,,,district_of_side_area,a,rebel,0.4,fraction,about,s,1,0.4,,
F09,2016-11-22,,,reference_count_share,,government,0.6,fraction,=,s,1,0.6,,
F10,2016-11-25,,,side_district_count,,rebel,1,count,=,s,1,one,,
F11,2016-11-22,,,side_gain_km2,,government,6,km2,=,s,1,6,,
F12,2016-11-22,,,city_share,,government,75,percent,=,s,1,75%,,
F13,2016-11-25,,,reference_share,,rebel,25,percent,<,s,1,25%,,
F14,2016-11-22,,,district_share,f,government,1,fraction,=,s,1,all,,
"""


_NAMES = {"a": "Alpha", "b": "Bravo", "c": "C", "e": "E", "f": "F", "o": "O"}


def _gazetteer() -> pd.DataFrame:
    ids = list(_NAMES)
    return pd.DataFrame({
        "district_id": ids, "name_en": [_NAMES[i] for i in ids], "name_ar": "", "aliases": "",
        "sector": ["outskirts" if i == "o" else "east" for i in ids],
        "lat": "36.2", "lon": "37.15", "area_km2": [str({**AREAS, "f": 1.0}[i]) for i in ids],
    })


def _project(start: date = date(2016, 11, 15), with_layer: bool = True) -> Project:
    battle = testing.battle_copy(default_battle(), first_day=date(2016, 11, 15), n_days=16)
    return Project.from_tables(
        battle, _gazetteer(), testing.changes_frame(CHANGES),
        testing.registry_frame({"s": "S"}, publishers=["Source"]),
        layer_gdf=_squares() if with_layer else None, start=start, changes_path="fixture.csv")


def _squares() -> gpd.GeoDataFrame:
    """One square per district in UTM 37N near Aleppo, of exactly the fixture's area."""
    geoms = [shapely.box(300_000 + 5_000 * k, 4_000_000, 300_000 + 5_000 * k + 1000 * a ** 0.5,
                         4_000_000 + 1000 * a ** 0.5) for k, a in enumerate(AREAS.values())]
    sector = ["east", "east", "west", "east", "outskirts"]
    gdf = gpd.GeoDataFrame({"area_km2": list(AREAS.values()), "geom_kind": "polygon",
                            "sector": sector},
                           geometry=geoms, index=pd.Index(list(AREAS), name="district_id"),
                           crs="EPSG:32637")
    return gdf.to_crs("EPSG:4326")


def _figures(text: str = FIGURES, tmp_path: Path | None = None) -> pd.DataFrame:
    assert tmp_path is not None
    path = tmp_path / "figures.csv"
    path.write_text(text, encoding="utf-8")
    return figures.load_figures(path, source_ids=["s"], district_ids=list(_NAMES),
                                suggest=lambda name: [i for i in _NAMES if i[0] == name[:1]])


@pytest.fixture
def checked(tmp_path):
    table = figures.check_figures(_project(), _figures(tmp_path=tmp_path))
    return table.set_index("figure_id")


# ----------------------------------------------------------------------------- known answers
@pytest.mark.parametrize(
    ("fid", "computed", "verdict"),
    [
        ("F01", 50.0, "consistent"),       # gains 4 (a) + 2 (half of e) of 12 km²
        ("F02", 50.0, "inconsistent"),     # '>' 65 allows down to 55, not 50
        ("F03", 3.0, "consistent"),        # rebels keep 3 of b; 'about' 4: ±0.35*4*1.5 = ±2.1
        ("F04", 3.0, "inconsistent"),      # '=' 5: ±1.75, off by 2
        ("F05", 25.0, "consistent"),       # start of 11-21 = end of 11-20
        ("F06", 50.0, "consistent"),       # window: first day at 50% is 11-22
        ("F08", 40.0, "consistent"),       # a (4) of rebel area 6 + a's 4
        ("F09", 60.0, "consistent"),       # by count: (1 + 0.5) / (1 + 1 + 0.5)
        ("F10", 1.0, "consistent"),        # only b still has rebels on 11-25
        ("F11", 6.0, "consistent"),
        ("F12", 75.0, "consistent"),       # (4 + 10 + 4) / 24
        ("F13", 25.0, "consistent"),       # 3 of 12 km²; '<' 25 allows up to 35
    ],
)
def test_check_on_a_fixture_with_known_answers(checked, fid, computed, verdict):
    row = checked.loc[fid]
    assert row["computed"] == pytest.approx(computed, abs=1e-6)
    assert row["difference"] == pytest.approx(computed - row["claimed"], abs=1e-6)
    assert row["verdict"] == verdict


def test_sdf_gains_are_not_government_gains(checked):
    # On 11-25 the SDF hold half of b; the government share of the east stays 50%.
    assert checked.loc["F13", "computed"] == pytest.approx(25.0, abs=1e-6)
    assert checked.loc["F01", "computed"] == pytest.approx(50.0, abs=1e-6)


def test_days_compared_are_reported(checked):
    assert checked.loc["F05", "map_date"] == date(2016, 11, 20)
    assert "end of 2016-11-20" in checked.loc["F05", "reason"]
    assert checked.loc["F06", "map_date"] == date(2016, 11, 22)
    assert "closest day of the window: 2016-11-22" in checked.loc["F06", "reason"]
    assert checked.loc["F01", "map_date"] == date(2016, 11, 22)


def test_claims_the_control_table_encodes_are_flagged(checked):
    # K1 cites the same source line about district a: agreement there is expected.
    assert checked.loc["F05", "encoded_by"] == "K1"
    assert "not independent: row(s) K1 of the control table" in checked.loc["F05", "reason"]
    assert checked.loc["F01", "encoded_by"] == ""  # east-wide figures are never encoded
    assert checked.loc["F08", "encoded_by"] == ""  # a's size is not something rows encode


@pytest.mark.parametrize(
    ("fid", "inferred"),
    [
        ("F01", 100 * 6 / 14),  # east a, b, e: only b (6 km²) still rests on its background row
        ("F12", 100 * 16 / 24),  # city: b and c (6 + 10 of 24 km²) rest on background rows
        ("F03", 0.0),  # the rebels' ground on 11-25 is half of b, set by a stated row
        ("F05", 0.0),  # a on 11-20: stated
    ],
)
def test_inferred_share_of_each_figure(checked, fid, inferred):
    assert checked.loc[fid, "inferred_pct"] == pytest.approx(inferred, abs=1e-6)


def test_not_computable_says_why(checked):
    row = checked.loc["F07"]
    assert row["verdict"] == "not computable"
    assert "outside the timeline" in row["reason"]
    assert pd.isna(row["computed"])
    row = checked.loc["F14"]
    assert row["verdict"] == "not computable"
    assert "'f' is not in the control table" in row["reason"]


def test_without_geometry_area_claims_are_not_computable(tmp_path):
    table = figures.check_figures(_project(with_layer=False), _figures(tmp_path=tmp_path))
    table = table.set_index("figure_id")
    assert table.loc["F03", "verdict"] == "not computable"
    assert "no district geometry" in table.loc["F03", "reason"]
    # counts and district shares need no areas
    assert table.loc["F10", "verdict"] == "consistent"
    assert table.loc["F09", "computed"] == pytest.approx(60.0, abs=1e-6)


def test_east_claims_need_the_baseline_day(tmp_path):
    table = figures.check_figures(_project(start=date(2016, 11, 18)), _figures(tmp_path=tmp_path))
    table = table.set_index("figure_id")
    assert table.loc["F01", "verdict"] == "not computable"
    assert "defines the formerly rebel-held east" in table.loc["F01", "reason"]
    # the rebel-held area needs no baseline
    assert table.loc["F03", "computed"] == pytest.approx(3.0, abs=1e-6)
    assert table.loc["F03", "verdict"] == "consistent"


def test_point_districts_count_with_their_estimated_area(tmp_path):
    project = _project()
    gdf = project.layer.gdf
    gdf.loc["b", "geometry"] = gdf.loc["b", "geometry"].centroid
    gdf.loc["b", "geom_kind"] = "point"  # area_km2 keeps the gazetteer's estimate, 6
    table = figures.check_figures(project, _figures(tmp_path=tmp_path)).set_index("figure_id")
    assert table.loc["F03", "computed"] == pytest.approx(3.0, abs=1e-6)
    assert "gazetteer's estimated area: b" in table.loc["F03", "reason"]
    assert "gazetteer" not in table.loc["F10", "reason"]  # counts use no areas
    gdf.loc["b", "area_km2"] = 0.0  # a point with no estimate: no area at all
    table = figures.check_figures(project, _figures(tmp_path=tmp_path)).set_index("figure_id")
    assert table.loc["F03", "verdict"] == "not computable"
    assert "no area in this layer or the gazetteer for district(s) b" in table.loc["F03", "reason"]
    assert table.loc["F10", "verdict"] == "consistent"


def test_printable_table(checked):
    out = figures.printable(checked.reset_index())
    assert list(out.columns) == ["figure", "date", "claim", "source", "claimed", "map", "diff",
                                 "inferred", "verdict", "why"]
    row = out.set_index("figure").loc["F02"]
    assert (row["claimed"], row["map"], row["diff"]) == (">65.0%", "50.0%", "-15.0 pp")
    assert row["claim"] == "Government held more than 65% of the formerly rebel-held east"
    row = out.set_index("figure").loc["F03"]
    assert (row["claimed"], row["map"], row["diff"]) == ("~4.00 km²", "3.00 km²", "-1.00 km²")
    assert out.set_index("figure").loc["F05", "date"] == "2016-11-21 (start)"
    assert out.set_index("figure").loc["F05", "claim"] == "Government held a quarter of Alpha"
    assert out.set_index("figure").loc["F07", "map"] == "-"


def test_claims_by_day(tmp_path):
    project = _project()
    table = figures.check_figures(project, _figures(tmp_path=tmp_path))
    by_day = figures.claims_by_day(project, table)
    assert "2012-06-30" not in by_day
    assert "2012-06-23" not in by_day
    ids = {c["figure_id"] for c in by_day["2016-11-22"]}
    assert {"F01", "F02", "F08", "F09", "F11", "F12", "F14"} == ids
    assert "F06" in {c["figure_id"] for c in by_day["2016-11-24"]}  # window: its last day
    claim = next(c for c in by_day["2016-11-22"] if c["figure_id"] == "F01")
    assert claim == {
        "figure_id": "F01", "text": "Government held 50% of the formerly rebel-held east",
        "when": "", "source": 'Source, "S", line 1', "claimed": "50.0%", "computed": "50.0%",
        "verdict": "consistent", "reason": "within ±10 pp",
    }


def test_html_items_carry_day_text_and_verdict(tmp_path):
    project = _project()
    table = figures.check_figures(project, _figures(tmp_path=tmp_path))
    items = figures.html_items(project, table)
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)
    item = next(i for i in items if i["figure_id"] == "F05")
    assert item["date"] == "2016-11-21"
    assert item["verdict"] == "consistent"
    assert item["text"] == ("Government held a quarter of Alpha (at the start of the day): "
                            'map 25.0%. Source, "S", line 1')
    assert item["claim"] == "Government held a quarter of Alpha"
    assert "F07" not in {i["figure_id"] for i in items}  # 2012: no such day on the map


# ----------------------------------------------------------------------------- validation
def test_every_problem_is_listed_at_once(tmp_path):
    rows = [
        "F1,2016-13-01,,noon,east_share,,army,60,percent,≈,nope,0,,,",
        "F02,2016-11-22,2016-11-01,,district_share,,government,150,percent,=,s,3,x,,",
        "F02,2016-11-22,,,district_share,alfa,government,0.5,km2,=,s,3,x,,",
    ]
    bad = FIGURES.splitlines()[0] + "\n" + "\n".join(rows) + "\n"
    with pytest.raises(ValidationError) as info:
        _figures(bad, tmp_path)
    text = str(info.value)
    for expected in [
        "row 1, column 'figure_id': expected an id 'F' + digits",
        "row 1, column 'date': expected an ISO date YYYY-MM-DD, got '2016-13-01'",
        "row 1, column 'as_of'", "row 1, column 'scope'", "row 1, column 'side'",
        "row 1, column 'comparison'", "row 1, column 'source_id'", "row 1, column 'line'",
        "row 1, column 'quote_number'",
        "row 2, column 'date_latest'", "row 2, column 'district_id': expected a district id",
        "row 2, column 'value'",
        "row 3, column 'figure_id': expected a unique id, got 'F02', already used on row 2",
        ("row 3, column 'district_id': expected a district id of the gazetteer, got 'alfa' "
         "(did you mean 'a'?)"),
        "row 3, column 'unit': expected percent or fraction for scope 'district_share'",
    ]:
        assert expected in text
    assert text.startswith("15 problems found:")


def test_missing_column_names_the_file(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text("figure_id,date\nF01,2016-11-20\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"figures\.csv: the table of reported figures lacks"):
        figures.load_figures(path)


# ----------------------------------------------------------------------------- the real claims
def _source_lines(repo_root: Path, seeds_dir: Path) -> dict[str, list[str]]:
    registry = pd.read_csv(repo_root / "seeds" / "sources.csv", dtype=str)
    return {
        r.source_id: (seeds_dir / r.file).read_text(encoding="utf-8").splitlines()
        for r in registry.itertuples()
    }


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()  # the texts use no-break spaces in places


def test_every_claim_line_exists_and_contains_its_number(repo_root, seeds_dir):
    registry = pd.read_csv(repo_root / "seeds" / "sources.csv", dtype=str)
    table = figures.load_figures(source_ids=list(registry["source_id"]))
    lines = _source_lines(repo_root, seeds_dir)
    assert len(table) >= 19
    for rec in table.itertuples():
        text = lines[rec.source_id]
        assert 1 <= rec.line <= len(text), f"{rec.figure_id}: line {rec.line} does not exist"
        assert _norm(rec.quote_number) in _norm(text[rec.line - 1]), (
            f"{rec.figure_id}: {rec.quote_number!r} not in {rec.source_id} line {rec.line}"
        )


def test_the_issue_figures_are_all_recorded():
    table = figures.load_figures()
    got = {(r.scope, r.district_id, round(figures._normalised(r.unit, r.value), 1),
            r.date.isoformat()) for r in table.itertuples()}
    for expected in [
        ("reference_share", "", 60.0, "2016-12-02"),
        ("reference_share", "", 70.0, "2016-12-06"),
        ("reference_share", "", 95.0, "2016-12-12"),
        ("side_area_km2", "", 3.5, "2016-12-13"),
        ("side_area_km2", "", 2.5, "2016-12-14"),
        ("side_area_km2", "", 20.0, "2016-12-03"),
        ("side_gain_km2", "", 20.0, "2016-12-03"),
        ("district_share", "bustan-al-basha", 75.0, "2016-11-19"),
        ("district_share", "hanano", 33.3, "2016-11-22"),
        ("district_share", "hanano", 50.0, "2016-11-23"),
        ("district_share", "sheikh-saeed", 30.0, "2016-12-02"),
        ("district_share", "shaar", 33.3, "2016-12-06"),
        ("district_share", "sukkari", 50.0, "2016-12-14"),
    ]:
        assert expected in got
    assert any(r.value == 85 and r.date_latest for r in table.itertuples())  # undated 85%


def test_quotes_are_short_and_notes_are_not_copied(repo_root, seeds_dir):
    lines = _source_lines(repo_root, seeds_dir)
    table = figures.load_figures()
    for rec in table.itertuples():
        assert len(rec.quote_number.split()) < 10
        words = _norm(lines[rec.source_id][rec.line - 1]).split()
        runs = {" ".join(words[i:i + 6]) for i in range(len(words) - 5)}
        for own in (rec.date_note, rec.note):
            assert not any(run in _norm(own) for run in runs), (rec.figure_id, own)


# ----------------------------------------------------------------------------- the CLI
HANANO_ONLY = """\
change_id,date,district_id,controller,extent,share,remainder,event,basis,source_id,line,confidence,aggregate,note
C0001,2016-11-15,hanano,rebel,full,,,baseline,background,wikipedia,155,high,,
C0002,2016-11-15,sheikh-maqsoud,sdf,full,,,baseline,background,wikipedia,169,high,,
C0003,2016-11-22,hanano,government,partial,0.3333,,advance,stated,wikipedia,155,high,,
C0004,2016-11-23,hanano,government,partial,0.5,,advance,stated,wikipedia,155,high,,
C0005,2016-11-26,hanano,government,full,,,capture,stated,wikipedia,159,high,,
"""


def test_cli_check_figures_on_a_known_table(tmp_path):
    """Only Hanano is rebel-held: every east-wide answer follows from that."""
    changes = tmp_path / "changes.csv"
    changes.write_text(HANANO_ONLY, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "aleppo_map.cli", "check-figures", "--changes", str(changes),
         "--format", "csv", "--quiet"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = {r["figure"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert set(rows) == set(figures.load_figures()["figure_id"])
    assert (rows["F02"]["map"], rows["F02"]["verdict"]) == ("33.3%", "consistent")
    assert (rows["F03"]["map"], rows["F03"]["verdict"]) == ("50.0%", "consistent")
    assert (rows["F07"]["map"], rows["F07"]["verdict"]) == ("100.0%", "inconsistent")
    assert rows["F09"]["verdict"] == "consistent"  # more than 70%: 100%
    assert (rows["F04"]["map"], rows["F04"]["verdict"]) == ("100.0%", "inconsistent")
    assert rows["F10"]["map"] == "0.00 km²"
    assert rows["F19"]["map"] == "0"
    for fid in ("F01", "F05", "F06", "F08", "F12"):  # districts not in this control table
        assert rows[fid]["verdict"] == "not computable"
        assert "is not in the control table" in rows[fid]["why"]
    assert rows["F18"]["verdict"] == "not computable"
    assert "outside the timeline" in rows["F18"]["why"]


def test_cli_check_figures_bad_table_exits_2(tmp_path, monkeypatch):
    bad = tmp_path / "data"
    bad.mkdir()
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "sources.csv").write_bytes(DEFAULTS.registry_path.read_bytes())
    for name in ("battle.toml", "gazetteer.csv", "control_changes.csv", "aggregates.csv",
                 "districts.geojson"):
        src = DEFAULTS.data_dir / name
        if src.exists():
            (bad / name).write_bytes(src.read_bytes())
    (bad / "reported_figures.csv").write_text(
        FIGURES.splitlines()[0] + "\nF01,2016-11-22,,,district_share,hananu,government,0.5,"
        "fraction,=,wikipedia,155,half,,\n", encoding="utf-8")
    env = {**os.environ, "ALEPPO_MAP_BATTLE": str(bad)}
    result = subprocess.run(
        [sys.executable, "-m", "aleppo_map.cli", "check-figures", "--quiet"],
        capture_output=True, text=True, check=False, env=env,
    )
    assert result.returncode == 2, result.stderr
    assert "reported_figures.csv, row 1, column 'district_id'" in result.stderr
    assert "'hananu'" in result.stderr
    assert "hanano" in result.stderr
    assert "Traceback" not in result.stderr


# ----------------------------------------------------------------------------- the real data
@pytest.fixture(scope="module")
def embedded_check():
    from aleppo_map.project import load_project

    project = load_project()
    return project, figures.check_figures(project).set_index("figure_id")


def test_every_real_claim_gets_a_verdict(embedded_check):
    project, table = embedded_check
    assert set(table["verdict"]) <= {"consistent", "inconsistent", "not computable"}
    # only the 2012 figure lies outside the map's days; every other one is computed
    assert list(table.index[table["verdict"] == "not computable"]) == ["F18"]
    assert table["computed"].drop("F18").notna().all()
    assert table["map_date"].drop("F18").map(lambda d: d in project.timeline.dates).all()


def test_district_shares_the_table_encodes_survive_the_timeline(embedded_check):
    """Each district share a source states is also a row of the control table; the
    timeline's same-day rules and carry-forward must leave it visible on its day."""
    _, table = embedded_check
    shares = table[table["scope"] == "district_share"]
    assert len(shares) >= 6
    for fid, row in shares.iterrows():
        assert row["encoded_by"], f"{fid}: no row of the control table cites its line"
        assert row["verdict"] == "consistent", (fid, row["computed"], row["reason"])


def test_claims_shown_in_the_page_on_their_day(embedded_check):
    project, table = embedded_check
    by_day = figures.claims_by_day(project, table.reset_index())
    assert {c["figure_id"] for c in by_day["2016-12-02"]} == {"F06", "F07"}
    assert "F13" in {c["figure_id"] for c in by_day["2016-12-12"]}  # undated: window's end
    assert set(by_day) <= {d.isoformat() for d in project.timeline.dates}


def test_csr_boundaries_count_missing_districts_with_their_estimate(csr_path, embedded_check):
    from aleppo_map.project import load_project

    project = load_project(districts=csr_path)
    table = figures.check_figures(project).set_index("figure_id")
    gdf = project.layer.gdf
    # a sub-area (part of a CSR district) has no ground of its own, so no estimate
    subs = set(project.layer.subareas)
    points = set(gdf.index[(gdf["geom_kind"] == "point") & (gdf["sector"] != "outskirts")]) - subs
    assert points and subs  # the CSR file lacks some of our districts
    note = table.loc["F10", "reason"]
    assert f"{len(points)} district(s) without a polygon" in note
    assert all(p in note for p in points)
    assert not any(s in note for s in subs)
    assert "without a polygon" not in table.loc["F02", "reason"]  # district shares use no areas
    _, embedded = embedded_check
    assert (table["verdict"] != "not computable").sum() == (embedded["verdict"] !=
                                                             "not computable").sum()
