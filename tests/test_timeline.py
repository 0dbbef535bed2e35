"""The timeline engine on a hand-made three-district table."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest

from aleppo_map._errors import ValidationError
from aleppo_map.timeline import build_timeline, validate_changes

HEADER = (
    "change_id,date,district_id,controller,extent,share,remainder,event,basis,source_id,line,"
    "confidence,aggregate,note\n"
)
# a: rebel, a third then half taken, captured, retaken by rebels.
# b: government; an assault on it is repelled.
# c: rebel; on 11-22 two sources disagree (government, high vs sdf, medium), and on 11-24 the
#    same source reports a partial then a full capture of the same day (later line wins).
ROWS = """\
A1,2016-11-15,a,rebel,full,,,baseline,background,s1,10,medium,,
B1,2016-11-15,b,government,full,,,baseline,stated,s1,11,high,,
C1,2016-11-15,c,rebel,full,,,baseline,background,s2,12,low,,
A2,2016-11-20,a,government,partial,0.33,,advance,stated,s1,20,high,,
A3,2016-11-21,a,government,partial,0.5,,advance,stated,s1,21,high,,
B2,2016-11-18,b,rebel,full,,,repelled,stated,s1,30,high,,
C2,2016-11-22,c,sdf,full,,,capture,stated,s2,40,medium,,
C3,2016-11-22,c,government,full,,,capture,stated,s1,41,high,,
A4,2016-11-23,a,government,full,,,capture,stated,s2,22,medium,,
C4,2016-11-24,c,rebel,partial,0.4,,recapture,stated,s1,50,high,,
C5,2016-11-24,c,rebel,full,,,recapture,stated,s1,51,high,,
A5,2016-11-25,a,rebel,full,,,recapture,stated,s1,23,high,,
A6,2016-11-27,a,government,partial,0.75,sdf,advance,inferred,s1,24,medium,north-east,
"""
RANKS = {"s1": 1, "s2": 2}


def _table(rows: str = ROWS) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(HEADER + rows), dtype=str, keep_default_na=False)


@pytest.fixture
def timeline():
    changes = validate_changes(_table(), "fixture.csv", ["a", "b", "c"], RANKS)
    return build_timeline(changes, ["a", "b", "c"], date(2016, 11, 15), date(2016, 11, 30))


def _state(tl, day: str, did: str) -> tuple:
    row = tl.state_on(day).loc[did]
    return row["controller"], round(float(row["share"]), 2), row["remainder"]


def test_every_district_has_a_state_every_day(timeline):
    assert len(timeline.dates) == 16
    assert len(timeline.states) == 16 * 3
    assert timeline.states["controller"].notna().all()


def test_carry_forward_and_partial_capture(timeline):
    assert _state(timeline, "2016-11-19", "a") == ("rebel", 1.0, "")
    # a third, carried forward to the next day, then half; the remainder stays with the rebels
    assert _state(timeline, "2016-11-20", "a") == ("government", 0.33, "rebel")
    assert _state(timeline, "2016-11-21", "a") == ("government", 0.5, "rebel")
    assert _state(timeline, "2016-11-22", "a") == ("government", 0.5, "rebel")
    assert timeline.state_on("2016-11-22").loc["a", "extent"] == "partial"
    assert _state(timeline, "2016-11-23", "a") == ("government", 1.0, "")


def test_recapture_and_since(timeline):
    assert _state(timeline, "2016-11-25", "a") == ("rebel", 1.0, "")
    assert _state(timeline, "2016-11-26", "a") == ("rebel", 1.0, "")
    assert timeline.state_on("2016-11-26").loc["a", "since"] == date(2016, 11, 25)
    assert timeline.state_on("2016-11-19").loc["a", "since"] == date(2016, 11, 15)


def test_explicit_remainder(timeline):
    assert _state(timeline, "2016-11-27", "a") == ("government", 0.75, "sdf")
    fr = timeline.fractions()
    row = fr[(fr["date"] == date(2016, 11, 27)) & (fr["district_id"] == "a")].iloc[0]
    assert row["government"] == pytest.approx(0.75)
    assert row["sdf"] == pytest.approx(0.25)
    assert row["rebel"] == 0.0
    assert (fr[["government", "rebel", "sdf", "contested"]].sum(axis=1).round(9) == 1.0).all()


def test_repelled_assault_changes_nothing(timeline):
    for day in ("2016-11-17", "2016-11-18", "2016-11-30"):
        assert _state(timeline, day, "b") == ("government", 1.0, "")
    hist = timeline.district_history("b").set_index("change_id")
    assert hist.loc["B2", "status"] == "repelled"


def test_same_day_conflict_keeps_the_loser_in_history(timeline):
    assert _state(timeline, "2016-11-22", "c") == ("government", 1.0, "")
    hist = timeline.district_history("c").set_index("change_id")
    assert hist.loc["C3", "status"] == "applied"
    assert hist.loc["C2", "status"] == "superseded"
    assert bool(hist.loc["C2", "disputed"]) and bool(hist.loc["C3", "disputed"])


def test_same_source_same_day_later_line_wins(timeline):
    assert _state(timeline, "2016-11-24", "c") == ("rebel", 1.0, "")
    hist = timeline.district_history("c").set_index("change_id")
    assert hist.loc["C4", "status"] == "superseded"
    assert not bool(hist.loc["C4", "disputed"])  # one source, a sequence, not a disagreement


def test_stated_beats_inferred_at_equal_confidence():
    rows = ROWS + "C6,2016-11-28,c,sdf,full,,,capture,inferred,s1,60,high,,\n"
    rows += "C7,2016-11-28,c,government,full,,,capture,stated,s2,61,high,,\n"
    changes = validate_changes(_table(rows), "f.csv", ["a", "b", "c"], RANKS)
    tl = build_timeline(changes, ["a", "b", "c"], date(2016, 11, 15), date(2016, 11, 30))
    assert _state(tl, "2016-11-28", "c") == ("government", 1.0, "")


def test_change_days(timeline):
    days = [d.isoformat() for d in timeline.change_days]
    assert days == ["2016-11-20", "2016-11-21", "2016-11-22", "2016-11-23", "2016-11-24",
                    "2016-11-25", "2016-11-27"]


def test_district_without_opening_state_is_an_error():
    rows = ROWS.replace("C1,2016-11-15", "C1,2016-11-16")
    changes = validate_changes(_table(rows), "fixture.csv", ["a", "b", "c"], RANKS)
    with pytest.raises(ValidationError, match=r"no state for 'c' on 2016-11-15"):
        build_timeline(changes, ["a", "b", "c"], date(2016, 11, 15), date(2016, 11, 30))


def test_validation_lists_every_problem_at_once():
    bad = ROWS.replace("A2,2016-11-20,a,government,partial,0.33", "A2,2016-11-31,a,governmnt,partial,1.5")
    bad = bad.replace("B2,2016-11-18,b,", "B2,2016-11-18,bb,")
    bad = bad.replace(",s2,12,low", ",s9,12,lowish")
    with pytest.raises(ValidationError) as info:
        validate_changes(_table(bad), "bad.csv", ["a", "b", "c"], RANKS,
                         suggest=lambda name: ["b"] if name == "bb" else [])
    text = str(info.value)
    for expected in ("row 4, column 'date'", "'2016-11-31'", "column 'controller'", "'governmnt'",
                     "column 'share'", "'1.5'", "row 6, column 'district_id'", "did you mean 'b'",
                     "column 'source_id'", "'s9'", "column 'confidence'", "'lowish'"):
        assert expected in text, expected
    assert len(info.value.problems) == 6
    assert text.startswith("6 problems found:")


def test_a_long_run_of_partial_rows_without_remainder_follows_the_rule():
    # d is split day after day, no row naming who holds the rest: each row looks at the
    # state before it (a run longer than the rounds settled column-wise at once)
    rows = ["D0,2016-11-15,d,rebel,full,,,baseline,stated,s1,1,high,,"]
    plan = [("government", 0.2), ("government", 0.4), ("rebel", 0.7), ("sdf", 0.1),
            ("government", 0.3), ("government", 0.6), ("rebel", 0.45), ("sdf", 0.5),
            ("rebel", 0.8)]
    rows += [f"D{i},2016-11-{16 + i},d,{side},partial,{share},,advance,stated,s1,{2 + i},high,,"
             for i, (side, share) in enumerate(plan, start=1)]
    changes = validate_changes(_table("\n".join(rows) + "\n"), "chain.csv", ["d"], RANKS)
    tl = build_timeline(changes, ["d"], date(2016, 11, 15), date(2016, 11, 30))
    # the rule, step by step: who held the rest before decides who holds it now
    ctrl, share, rest = "rebel", 1.0, ""
    for i, (side, new_share) in enumerate(plan, start=1):
        if not rest:
            rest = ctrl
        elif side == ctrl:
            pass  # the same side advances: the other side of the split keeps the rest
        elif side == rest:
            rest = ctrl
        else:
            rest = ctrl if share >= 0.5 else rest
        ctrl, share = side, new_share
        assert _state(tl, f"2016-11-{16 + i}", "d") == (ctrl, round(share, 2), rest)
