"""Landmarks: the table and its history validated, resolved by name, placed inside their
district, setting district shares, and drawn on frames without label overlaps.

Runs on the embedded battle (data/landmarks.csv, data/landmark_changes.csv).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from aleppo_map._errors import ValidationError
from aleppo_map.gazetteer.landmarks import check_points, landmarks_from_frames
from aleppo_map.settings import DEFAULTS


@pytest.fixture(scope="module")
def project():
    from aleppo_map.project import load_project

    return load_project()


@pytest.fixture(scope="module")
def frames(project):
    return (pd.read_csv(DEFAULTS.landmarks_path, dtype=str, keep_default_na=False),
            pd.read_csv(DEFAULTS.landmark_changes_path, dtype=str, keep_default_na=False))


def _rebuild(project, lm: pd.DataFrame, ch: pd.DataFrame | None):
    from aleppo_map.project import _landmarks

    base = project.gazetteer.__class__.from_frame(
        pd.read_csv(DEFAULTS.gazetteer_path, dtype=str, keep_default_na=False))
    return _landmarks(project.settings, base, project.registry, project.changes, lm, ch,
                      (project.battle.first_day, project.battle.last_day))


# ----------------------------------------------------------------------------- the tables
def test_real_tables_load_with_every_row_cited(project, frames):
    lm = project.landmarks
    assert lm is not None
    assert len(lm.ids) == len(frames[0]) >= 10
    assert len(lm.changes) == len(frames[1]) >= 20
    assert set(lm.frame["district_id"]) <= set(project.gazetteer.ids)
    assert set(lm.changes["landmark_id"]) <= set(lm.ids)
    counts = pd.to_numeric(project.registry.frame["lines"], errors="coerce")
    for sid, line in zip(lm.changes["source_id"], lm.changes["line"], strict=True):
        assert 1 <= line <= counts[sid]
    # honest placement: no point is claimed more precise than the texts (or a published
    # article's coordinates, cited by address) allow
    assert set(lm.frame["placement"]) <= {"district", "described", "published"}
    for note, placement in zip(lm.frame["placement_note"], lm.frame["placement"], strict=True):
        assert ":" in note  # cites source:line
        if placement == "district":
            assert "not known" in note
        if placement == "published":
            assert "wikipedia.org/wiki/" in note and "read from http" in note


def test_bad_landmark_tables_list_every_problem_clearly(project, frames):
    lm, ch = (f.copy() for f in frames)
    lm.loc[0, "district_id"] = "sheik-lutfi"
    lm.loc[1, "kind"] = "hil"
    lm.loc[2, "aliases"] = "Police Hill|Hanano"  # Hanano is a district elsewhere
    lm.loc[3, "landmark_id"] = lm.loc[4, "landmark_id"]
    lm.loc[5, "lat"] = "north"
    ch.loc[0, "landmark_id"] = "zouhor-hil"
    ch.loc[1, "date"] = "2016-13-01"
    ch.loc[2, "date"] = "2017-01-05"
    ch.loc[3, "line"] = "9999"
    ch.loc[4, "source_id"] = "wikipedai"
    ch.loc[5, "date_earliest"] = "2016-12-01"
    ch.loc[6, "controller"] = "goverment"
    with pytest.raises(ValidationError) as err:
        _rebuild(project, lm, ch)
    text = str(err.value)
    assert "landmarks.csv, row 1, column 'district_id'" in text and "'sheikh-lutfi'" in text
    assert "row 2, column 'kind'" in text and "did you mean 'hill'?" in text
    assert "'Hanano', a name of district 'hanano'" in text
    assert "already used on row 4" in text
    assert "row 6, column 'lat'" in text
    assert "landmark_changes.csv, row 1, column 'landmark_id'" in text
    assert "did you mean 'zouhor-hill'?" in text
    assert "row 2, column 'date'" in text and "'2016-13-01'" in text
    assert "row 3, column 'date'" in text and "a day of the battle" in text
    assert "row 4, column 'line'" in text and "9999" in text
    assert "row 5, column 'source_id'" in text and "did you mean 'wikipedia'?" in text
    assert "row 6, column 'date_earliest'" in text and "on or before `date`" in text
    assert "row 7, column 'controller'" in text and "did you mean 'government'?" in text
    assert len(err.value.problems) >= 13
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(("cid", "why"), [
    ("C9999", "a change_id of the control table"),
    ("C0169", "is for district 'sakhour', not the landmark's 'sheikh-lutfi'"),
    ("C0154", "gives 'rebel'"),  # same district and day, but the rebels' row
])
def test_sets_change_must_be_the_landmarks_district_day_and_side(project, frames, cid, why):
    lm, ch = (f.copy() for f in frames)
    row = ch.index[(ch["landmark_id"] == "police-hill") & (ch["sets_change"] == "C0153")][0]
    ch.loc[row, "sets_change"] = cid
    with pytest.raises(ValidationError) as err:
        _rebuild(project, lm, ch)
    assert why in str(err.value)
    assert "column 'sets_change'" in str(err.value)


def test_sets_change_rows_match_their_control_rows(project):
    lm = project.landmarks
    changes = project.changes.set_index("change_id")
    setters = lm.setters()
    assert setters["C0153"] == ["police-hill"]
    assert setters["C0169"] == ["sakhour-bridge"]
    for rec in lm.changes[lm.changes["sets_change"] != ""].to_dict("records"):
        row = changes.loc[rec["sets_change"]]
        assert row["district_id"] == lm.district(rec["landmark_id"])
        assert pd.Timestamp(row["date"]).date() == rec["date"]
        assert rec["controller"] in (row["controller"], row["remainder"])


def test_a_battle_without_landmarks_loads(project):
    from aleppo_map.project import Project

    base = Project.from_tables(
        project.battle, pd.read_csv(DEFAULTS.gazetteer_path, dtype=str, keep_default_na=False),
        pd.read_csv(DEFAULTS.changes_path, dtype=str, keep_default_na=False),
        pd.read_csv(DEFAULTS.registry_path, dtype=str, keep_default_na=False))
    assert base.landmarks is None
    assert base.gazetteer.explain("Police Hill").district_id == "sheikh-lutfi"
    assert base.gazetteer.explain("Police Hill").landmark_id is None


# ----------------------------------------------------------------------------- names
@pytest.mark.parametrize(("name", "district", "landmark"), [
    ("Hill 420", "sheikh-lutfi", "police-hill"),
    ("al-Shurta Hill", "sheikh-lutfi", "police-hill"),
    ("Police hill", "sheikh-lutfi", "police-hill"),
    ("Zouhor hill", "sheikh-najjar", "zouhor-hill"),
    ("al-Zuhur hill", "sheikh-najjar", "zouhor-hill"),
    ("Umayyad Mosque", "souq-al-madina", "umayyad-mosque"),
    ("the Umayad mosque", "souq-al-madina", "umayyad-mosque"),
    ("Eye Hospital", "qadi-askar", "eye-hospital"),
    ("Al-Sakhour Bridge", "sakhour", "sakhour-bridge"),
    ("Jandoul Factories", "jandoul", "jandoul-factories"),
    ("al-Jazmati roundabout", "jazmati", "jazmati-roundabout"),
    ("al-Helwaniyah roundabout", "helwaniyeh", "helwaniyah-roundabout"),
    ("Talet Barakat", "besel", "talet-barakat"),
    ("Scientific Research Housing", "besel", "scientific-research-housing"),
    ("old Sheikh Najjar factories", "sheikh-najjar", "sheikh-najjar-factories"),
    ("الجامع الأموي", "souq-al-madina", "umayyad-mosque"),
    ("police-hill", "sheikh-lutfi", "police-hill"),
    # district names stay districts, and the western az-Zuhour is not the hill
    ("Sheikh Lutfi", "sheikh-lutfi", None),
    ("Zuhur", "zuhour", None),
    ("Qadi Askar", "qadi-askar", None),
    ("Jandoul", "jandoul", None),
    # a landmark word of another kind: the district by the resolver's rule, no landmark
    ("Jandoul roundabout", "jandoul", None),
    ("Sakhour roundabout", "sakhour", None),
    ("Great Umayyad Mosque", "souq-al-madina", "umayyad-mosque"),
])
def test_landmark_names_resolve_to_the_landmark_in_its_district(project, name, district,
                                                                  landmark):
    res = project.gazetteer.explain(name)
    assert (res.district_id, res.landmark_id) == (district, landmark)


def test_resolve_explain_says_it_is_a_landmark(capsys):
    from aleppo_map.cli import main

    assert main(["resolve", "--explain", "Hill 420"]) == 0
    out = capsys.readouterr().out
    assert "-> sheikh-lutfi" in out
    assert "landmark: police-hill (Police Hill), a hill in district sheikh-lutfi" in out


# ----------------------------------------------------------------------------- points
def test_every_point_lies_inside_its_district(project):
    assert project.layer is not None
    assert check_points(project.landmarks, project.layer.gdf, project.settings.metric_crs) == []


def test_a_point_outside_its_district_is_reported(project, frames):
    lm = frames[0].copy()
    lm.loc[lm["landmark_id"] == "eye-hospital", ["lat", "lon"]] = ["36.2300", "37.1000"]
    moved = landmarks_from_frames(lm, None, project.gazetteer.__class__.from_frame(
        pd.read_csv(DEFAULTS.gazetteer_path, dtype=str, keep_default_na=False)))
    problems = check_points(moved, project.layer.gdf, project.settings.metric_crs)
    assert len(problems) == 1
    text = str(problems[0])
    assert "a point inside district 'qadi-askar'" in text
    assert "representative point is" in text


def test_validate_reports_a_misplaced_landmark(tmp_path, capsys):
    import shutil

    from aleppo_map.cli import main

    folder = tmp_path / "battle"
    shutil.copytree(DEFAULTS.landmarks_path.parent, folder)
    (folder / "battle.toml").write_text(
        (folder / "battle.toml").read_text("utf-8").replace(
            'sources = "../seeds/sources.csv"',
            f'sources = "{DEFAULTS.registry_path.as_posix()}"'), "utf-8")
    lm = pd.read_csv(folder / "landmarks.csv", dtype=str, keep_default_na=False)
    lm.loc[lm["landmark_id"] == "umayyad-mosque", "district_id"] = "umayad-mosque"
    lm.to_csv(folder / "landmarks.csv", index=False)
    assert main(["validate", "--battle", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "landmarks.csv" in err and "'umayad-mosque'" in err
    assert "Traceback" not in err


# ----------------------------------------------------------------------------- frames
@pytest.fixture(scope="module")
def scene(project):
    from aleppo_map.render import scene as render_scene

    data = render_scene.scene_data(project, size=(1600, 1200), dpi=200, labels="changed",
                                   fmt="svg")
    return render_scene.FrameScene(data)


def test_frames_draw_the_landmarks_that_changed_hands(project, scene):
    from aleppo_map.render.landmarks import landmark_marks

    data = scene.data
    assert data.landmarks
    names = [t.get_text() for t in scene.fig.legends[0].get_texts()]
    assert any("Landmark" in n for n in names)
    seen = set()
    for i, spec in enumerate(data.days):
        scene.show(i)
        shown = {data.landmarks[j][2].rstrip("*") for j, mk in enumerate(scene.lm_artists)
                 if mk.get_visible()}
        want = {m.name for m in landmark_marks(project, spec.day)}
        assert shown == want, spec.day
        labelled = {data.landmarks[j][2].rstrip("*") for j in scene.landmarks_placed}
        listed = scene.listed.get_text().replace("\n", " ")
        assert all(n in labelled or n in listed for n in want), spec.day
        seen |= labelled
    assert {"Police Hill", "Jandoul factories", "Hill overlooking Sheikh Lutfi"} <= seen
    scene.show([sp.day for sp in data.days].index(date(2016, 11, 16)))
    assert not any(mk.get_visible() for mk in scene.lm_artists)  # no change near 16 Nov


def test_frame_labels_never_overlap_each_other_or_the_landmark_markers(scene):
    renderer = scene.canvas.get_renderer()
    data = scene.data
    checked = 0
    for i in sorted(data.landmark_days):
        scene.show(i)
        boxes = [t.get_window_extent(renderer) for t in scene.day_label_texts()]
        markers = scene._landmark_boxes(i)
        for n, a in enumerate(boxes):
            for b in boxes[n + 1:]:
                assert not a.overlaps(b), (data.days[i].day, a, b)
            for m in markers:
                assert not (a.x0 < m[2] and m[0] < a.x1 and a.y0 < m[3] and m[1] < a.y1), (
                    data.days[i].day, m)
        checked += len(scene.landmarks_placed)
    assert checked >= 10


def test_landmark_payload_cites_like_the_district_rows(project):
    from aleppo_map.render.html import page_data

    data = page_data(project)
    items = {it["id"]: it for it in data["landmarks"]["items"]}
    hill = items["police-hill"]
    assert hill["placement"] == "described"
    assert items["eye-hospital"]["where"].startswith("Position within Qadi Askar not known")
    assert items["umayyad-mosque"]["where"].startswith("Placed in Souq al-Madina at the place")
    cited = {data["cites"][r["cite"]] for r in hill["rows"]}
    assert cited == {str(project.registry.citation("wikipedia", 157)),
                     str(project.registry.citation("enab-baladi", 85))}
    assert data["landmarks"]["setters"]["C0153"] == ["Police Hill"]


def test_readme_documents_the_landmark_tables():
    from aleppo_map.schema import generated_sections

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    sections = generated_sections(readme)
    for name in ("landmarks", "landmark_changes"):
        have, want = sections[name]
        assert have == want


def test_every_history_row_cites_a_line_naming_its_landmark(project, shared_dir):
    from dataclasses import replace

    from aleppo_map.gazetteer.landmarks import check_cited_lines

    seeds = shared_dir / "seeds"

    def lines_of(sid: str) -> list[str]:
        return project.registry.lines(sid, seeds)

    lm = project.landmarks
    assert check_cited_lines(lm, project.gazetteer, lines_of) == []
    moved = lm.changes.copy()
    moved.loc[moved["landmark_id"] == "eye-hospital", "line"] = 149  # about Sheikh Najjar
    problems = check_cited_lines(replace(lm, changes=moved), project.gazetteer, lines_of)
    assert len(problems) == 1
    assert "a line naming landmark 'eye-hospital' or its district 'qadi-askar'" in str(problems[0])
    assert "wikipedia line 149, which names neither" in str(problems[0])


def test_landmark_notes_are_own_words(shared_dir):
    """No run of ten words of a source paragraph appears in the landmark tables."""
    import re

    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    grams: set[str] = set()
    for path in (shared_dir / "seeds").glob("*.txt"):
        for para in path.read_text(encoding="utf-8").splitlines():
            w = words(para)
            grams.update(" ".join(w[i:i + 10]) for i in range(len(w) - 9))
    assert grams
    for path in (DEFAULTS.landmarks_path, DEFAULTS.landmark_changes_path):
        w = words(path.read_text(encoding="utf-8"))
        copied = [" ".join(w[i:i + 10]) for i in range(len(w) - 9)
                  if " ".join(w[i:i + 10]) in grams]
        assert copied == [], f"{path.name}: {copied[:3]}"
