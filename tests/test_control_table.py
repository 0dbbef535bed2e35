"""The shipped control table: complete, traceable, and faithful to what the sources say.

The checkpoints below are the ones the four texts support (issue 4); each asserts the
state the timeline computes from ``data/control_changes.csv`` on a given day.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd
import pytest

from aleppo_map.project import load_project
from aleppo_map.sources import load_aggregates
from aleppo_map.timeline import CHANGE_COLUMNS

START, END = date(2016, 11, 15), date(2016, 12, 22)


@pytest.fixture(scope="module")
def project():
    return load_project(with_layer=False)


@pytest.fixture(scope="module")
def aggregates():
    return load_aggregates().set_index("aggregate")


def _state(project, day: str) -> pd.DataFrame:
    return project.timeline.state_on(day)


def _share(st: pd.DataFrame, did: str, side: str) -> float:
    rec = st.loc[did]
    held = rec["share"] if rec["controller"] == side else 0.0
    if rec["remainder"] == side:
        held += 1.0 - rec["share"]
    return float(held)


# ---------------------------------------------------------------- shape
def test_columns_ids_and_order(project):
    raw = pd.read_csv(project.changes_path, dtype=str, keep_default_na=False)
    assert list(raw.columns) == list(CHANGE_COLUMNS)
    assert list(raw["change_id"]) == [f"C{i:04d}" for i in range(1, len(raw) + 1)]
    key = list(zip(raw["date"], raw["district_id"], raw["change_id"], strict=True))
    assert key == sorted(key)
    assert 250 <= len(raw) <= 450


def test_every_row_cites_a_source_line(project):
    ch = project.changes
    assert (ch["source_id"].isin(project.registry.ids)).all()
    assert (ch["line"] >= 1).all()
    assert (ch["note"].str.len() > 0).all()


def test_every_district_has_a_state_on_every_day(project):
    ids = project.gazetteer.ids
    baselines = project.changes[project.changes["event"] == "baseline"]
    assert sorted(baselines["district_id"]) == sorted(ids)
    assert (baselines["date"] == START).all()
    assert project.timeline.district_ids == list(ids)
    states = project.timeline.states
    assert len(states) == len(ids) * ((END - START).days + 1)
    assert states["controller"].notna().all()


def test_basis_and_aggregates_are_honest(project, aggregates):
    ch = project.changes
    # background is never presented as stated, nor as certain
    background = ch[ch["basis"] == "background"]
    assert len(background) > 0
    assert set(background["confidence"]) <= {"low", "medium"}
    # an aggregate statement is applied only to its members, and never as 'stated'
    applied = ch[ch["aggregate"] != ""]
    assert (applied["basis"] != "stated").all()
    for rec in applied.to_dict("records"):
        assert rec["district_id"] in aggregates.loc[rec["aggregate"], "members"], rec["change_id"]
    # partial rows say who holds the rest
    partial = ch[ch["extent"] == "partial"]
    assert (partial["remainder"] != "").all()
    assert ((partial["share"] > 0) & (partial["share"] < 1)).all()


def test_notes_are_own_words(project, seeds_dir):
    """No run of ten words of a source paragraph appears in the table or the aggregates."""
    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower())

    grams: set[str] = set()
    for path in seeds_dir.glob("*.txt"):
        for para in path.read_text(encoding="utf-8").splitlines():
            if len(para) >= 120:
                w = words(para)
                grams.update(" ".join(w[i:i + 10]) for i in range(len(w) - 9))
    for path in (project.changes_path, project.settings.aggregates_path):
        w = words(path.read_text(encoding="utf-8"))
        copied = [" ".join(w[i:i + 10]) for i in range(len(w) - 9)
                  if " ".join(w[i:i + 10]) in grams]
        assert copied == [], f"{path.name}: {copied[:3]}"


# ---------------------------------------------------------------- checkpoints
def test_baseline_front_line(project):
    st = _state(project, "2016-11-15")
    for did in ("hanano", "sakhour", "tariq-al-bab", "sheikh-saeed", "qadi-askar", "sukkari"):
        assert st.loc[did, "controller"] == "rebel", did
    for did in ("new-aleppo", "hamdaniyeh", "citadel", "airport", "bani-zaid", "midan"):
        assert st.loc[did, "controller"] == "government", did
    assert st.loc["sheikh-maqsoud", "controller"] == "sdf"
    # the front line runs through these: marked split or contested, not one side
    for did in ("salaheddine", "souq-al-madina", "farafra", "sheikh-najjar", "ramouseh"):
        assert st.loc[did, "extent"] == "partial" or st.loc[did, "controller"] == "contested", did


def test_hanano_falls_in_stages_and_is_government_by_26_november(project):
    assert _state(project, "2016-11-21").loc["hanano", "controller"] == "contested"
    assert _share(_state(project, "2016-11-22"), "hanano", "government") == pytest.approx(0.33)
    assert _share(_state(project, "2016-11-23"), "hanano", "government") == pytest.approx(0.5)
    st = _state(project, "2016-11-26")
    assert st.loc["hanano", "controller"] == "government"
    assert st.loc["hanano", "extent"] == "full"


def test_north_east_is_government_or_sdf_by_28_november(project, aggregates):
    st = _state(project, "2016-11-28")
    before = _state(project, "2016-11-26")
    members = aggregates.loc["north-east", "members"]
    for did in members:
        assert _share(st, did, "rebel") + _share(st, did, "contested") == 0.0, did
    assert any(_share(before, did, "rebel") > 0 for did in members)
    assert st.loc["sheikh-fares", "controller"] == "sdf"
    with_sdf = [did for did in members if _share(st, did, "sdf") > 0]
    assert {"sheikh-fares", "bustan-al-basha", "ayn-al-tal", "baaidin"} <= set(with_sdf)


def test_sheikh_saeed_retaken_by_rebels_on_1_december_and_lost_on_12th(project):
    assert _share(_state(project, "2016-11-30"), "sheikh-saeed", "government") > 0.5
    first = _state(project, "2016-12-01").loc["sheikh-saeed"]
    assert first["controller"] == "rebel"
    assert first["share"] > 0.5
    assert _share(_state(project, "2016-12-02"), "sheikh-saeed", "government") == (
        pytest.approx(0.3)
    )
    assert _state(project, "2016-12-11").loc["sheikh-saeed", "controller"] != "government"
    last = _state(project, "2016-12-12").loc["sheikh-saeed"]
    assert last["controller"] == "government"
    assert last["extent"] == "full"


def test_shaar_is_one_third_then_full_on_6_december(project):
    assert _share(_state(project, "2016-12-05"), "shaar", "government") == pytest.approx(0.33)
    st = _state(project, "2016-12-06")
    assert st.loc["shaar", "controller"] == "government"
    assert st.loc["shaar", "extent"] == "full"


def test_old_city_taken_on_6_december(project, aggregates):
    before, after = _state(project, "2016-12-05"), _state(project, "2016-12-06")
    old = aggregates.loc["old-aleppo", "members"]
    assert any(_share(before, did, "rebel") > 0 for did in old)
    assert all(after.loc[did, "controller"] == "government" for did in old)


def test_no_rebels_east_of_the_queiq_from_13_december(project, aggregates):
    east = aggregates.loc["east-of-queiq", "members"]
    for day in ("2016-12-13", "2016-12-17", "2016-12-22"):
        st = _state(project, day)
        for did in east:
            assert _share(st, did, "rebel") == 0.0, (day, did)
    # but a rebel pocket remains west of it until the evacuation ends
    pocket = aggregates.loc["queiq-pocket", "members"]
    for day in ("2016-12-13", "2016-12-16", "2016-12-21"):
        st = _state(project, day)
        assert all(_share(st, did, "rebel") > 0 for did in pocket), day


def test_no_rebel_district_on_22_december_except_the_western_outskirts(project, aggregates):
    """The offensive took every rebel-held part of the city; the evacuees went to rebel-held
    land west of it, which stays rebel (the aggregate 'western-outskirts')."""
    st = _state(project, "2016-12-22")
    outside = set(aggregates.loc["western-outskirts", "members"])
    rebel = {did for did in st.index if _share(st, did, "rebel") > 0}
    assert rebel == outside


def test_sheikh_maqsoud_is_sdf_throughout(project):
    states = project.timeline.states
    sm = states[states["district_id"] == "sheikh-maqsoud"]
    assert len(sm) == (END - START).days + 1
    assert (sm["controller"] == "sdf").all()
    assert (sm["extent"] == "full").all()


def test_the_front_moves_on_the_days_the_sources_report(project):
    days = set(project.timeline.change_days)
    for day in ("2016-11-19", "2016-11-22", "2016-11-26", "2016-11-27", "2016-11-28",
                "2016-12-01", "2016-12-02", "2016-12-04", "2016-12-06", "2016-12-07",
                "2016-12-12", "2016-12-14", "2016-12-22"):
        assert date.fromisoformat(day) in days, day
    # the day after the ceasefire began, nothing moved
    assert date(2016, 12, 15) not in days
    assert START + timedelta(days=1) not in days  # the 16 Nov assaults were repelled


# ---------------------------------------------------------------- disagreements
@pytest.mark.parametrize(
    ("district", "day", "winner", "losers"),
    [
        ("hanano", "2016-11-25", "wikipedia", {"enab-baladi"}),
        ("ayn-al-tal", "2016-11-28", "wikipedia", {"enab-baladi"}),
        ("sheikh-fares", "2016-11-28", "wikipedia", {"enab-baladi"}),
        ("bustan-al-basha", "2016-11-28", "wikipedia", {"enab-baladi"}),
        ("tariq-al-bab", "2016-12-02", "wikipedia", {"enab-baladi"}),
        ("karm-al-trab", "2016-12-02", "wikipedia", {"enab-baladi"}),
        ("sheikh-lutfi", "2016-11-25", "wikipedia", {"enab-baladi"}),
        ("saif-al-dawla", "2016-12-13", "battle-ends", {"battle-ends", "wikipedia"}),
    ],
)
def test_disagreements_are_kept_and_the_rule_picks_one(project, district, day, winner, losers):
    hist = project.timeline.district_history(district)
    same = hist[hist["date"] == date.fromisoformat(day)]
    applied = same[same["status"] == "applied"]
    assert len(applied) == 1
    assert applied.iloc[0]["source_id"] == winner
    superseded = same[same["status"] == "superseded"]
    assert set(superseded["source_id"]) == losers
    assert same["disputed"].all()


def test_the_13_december_victory_claim_loses_to_the_pocket(project, aggregates):
    for did in aggregates.loc["queiq-pocket", "members"]:
        hist = project.timeline.district_history(did)
        claim = hist[(hist["source_id"] == "battle-ends") & (hist["controller"] == "government")]
        assert len(claim) == 1, did
        assert claim.iloc[0]["status"] == "superseded", did
        assert _share(_state(project, "2016-12-13"), did, "rebel") > 0, did
