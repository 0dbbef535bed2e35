"""Properties of the timeline, checked on generated control tables (hypothesis).

The rules of :mod:`aleppo_map.timeline` say what a day's state depends on; these tests
state them as properties and let hypothesis look for a table that breaks one:

* the state of a day depends only on the rows dated up to that day;
* the order of the rows in the file does not matter, except through the documented
  tie rule (among rows equal on every other key, the later row of the file wins);
* a repelled row never changes a state;
* the shares of every district add up to 1 on every day;
* adding a row dated D never changes a day before D.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from aleppo_map._errors import ValidationError
from aleppo_map.battle import default_battle
from aleppo_map.settings import BASES, CONFIDENCES, EVENTS
from aleppo_map.timeline import CHANGE_COLUMNS, Timeline, build_timeline, validate_changes

DISTRICTS = ["a", "b", "c"]
SOURCES = {"s1": 1, "s2": 2, "s3": 3}
START = date(2016, 11, 15)
END = date(2016, 11, 24)
NOT_REPELLED = [e for e in EVENTS if e != "repelled"]
STATE_COLUMNS = ["controller", "share", "remainder", "change_id"]
SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

CONTROLLERS = default_battle().side_ids


@st.composite
def rows(draw: Any, *, district: str | None = None, day: date | None = None,
         event: str | None = None) -> dict[str, str]:
    """One row of a control table (strings, as read from a CSV); line and id set later."""
    controller = draw(st.sampled_from(CONTROLLERS))
    partial = draw(st.booleans())
    share = remainder = ""
    if partial:
        share = str(draw(st.sampled_from([0.1, 0.25, 0.5, 0.6, 0.9])))
        others = [c for c in CONTROLLERS if c != controller]
        remainder = draw(st.sampled_from(["", *others]))
    d = day if day is not None else START + timedelta(days=draw(st.integers(-2, (END - START).days + 2)))
    return {
        "change_id": "", "date": d.isoformat(),
        "district_id": district if district is not None else draw(st.sampled_from(DISTRICTS)),
        "controller": controller, "extent": "partial" if partial else "full", "share": share,
        "remainder": remainder,
        "event": event if event is not None else draw(st.sampled_from(NOT_REPELLED)),
        "basis": draw(st.sampled_from(BASES)), "source_id": draw(st.sampled_from(list(SOURCES))),
        "line": "0", "confidence": draw(st.sampled_from(CONFIDENCES)), "aggregate": "", "note": "",
    }


@st.composite
def tables(draw: Any, min_rows: int = 0, max_rows: int = 14) -> list[dict[str, str]]:
    """An opening row per district, then random rows; every line number distinct (no full tie)."""
    out = [draw(rows(district=d, day=START - timedelta(days=draw(st.integers(0, 3))),
                     event="baseline")) for d in DISTRICTS]
    out += draw(st.lists(rows(), min_size=min_rows, max_size=max_rows))
    return _numbered(out)


def _numbered(table: list[dict[str, str]], first_line: int = 1) -> list[dict[str, str]]:
    return [{**r, "change_id": f"C{first_line + i}", "line": str(first_line + i)}
            for i, r in enumerate(table)]


def _timeline(table: list[dict[str, str]], end: date = END) -> Timeline:
    frame = pd.DataFrame(table, columns=list(CHANGE_COLUMNS)).astype(object).fillna("").astype(str)
    changes = validate_changes(frame, "generated.csv", DISTRICTS, SOURCES)
    try:
        return build_timeline(changes, DISTRICTS, START, end, file="generated.csv")
    except ValidationError as exc:
        # a partial row naming the side that already holds the whole district, with no
        # remainder: the documented error, not a property of interest here
        if "remainder" not in str(exc):
            raise
        assume(False)
        raise


def _states(tl: Timeline, day: date | None = None) -> pd.DataFrame:
    st_ = tl.states if day is None else tl.states[tl.states["date"] == day]
    return st_.set_index(["date", "district_id"])[STATE_COLUMNS].sort_index()


@SETTINGS
@given(table=tables(), cut=st.integers(0, (END - START).days))
def test_a_day_depends_only_on_rows_up_to_that_day(table, cut):
    day = START + timedelta(days=cut)
    full = _timeline(table)
    upto = _timeline([r for r in table if date.fromisoformat(r["date"]) <= day], end=day)
    pd.testing.assert_frame_equal(_states(full, day), _states(upto, day))


@SETTINGS
@given(table=tables(), data=st.data())
def test_row_order_does_not_matter_without_full_ties(table, data):
    shuffled = data.draw(st.permutations(table))
    pd.testing.assert_frame_equal(_states(_timeline(table)), _states(_timeline(shuffled)))


@SETTINGS
@given(table=tables(max_rows=6), data=st.data())
def test_full_ties_go_to_the_later_row_of_the_file(table, data):
    """Two rows equal on date, confidence, basis, source and line: the later one wins."""
    first = data.draw(rows(event="capture"))
    second = {**data.draw(rows(event="capture")),
              **{k: first[k] for k in ("date", "district_id", "basis", "source_id", "confidence")}}
    base = table + _numbered([first, second], first_line=1000)
    base[-1] = {**base[-1], "line": base[-2]["line"]}  # a full tie
    a, b = base[-2], base[-1]
    day = max(date.fromisoformat(a["date"]), START)
    assume(day <= END)
    for order in ([a, b], [b, a]):
        tl = _timeline(base[:-2] + order)
        status = tl.history.set_index("change_id")["status"]
        # the earlier of the two always loses; the later wins unless a third row outranks both
        assert status[order[0]["change_id"]] == "superseded"
        assert status[order[-1]["change_id"]] in ("applied", "superseded")


@SETTINGS
@given(table=tables(), extra=st.lists(rows(event="repelled"), min_size=1, max_size=6))
def test_a_repelled_row_never_changes_a_state(table, extra):
    with_repelled = table + _numbered(extra, first_line=500)
    pd.testing.assert_frame_equal(_states(_timeline(table)), _states(_timeline(with_repelled)))


@SETTINGS
@given(table=tables(min_rows=1))
def test_shares_of_every_district_add_up_to_one_on_every_day(table):
    fr = _timeline(table).fractions()
    assert len(fr) == len(DISTRICTS) * ((END - START).days + 1)
    shares = fr[list(CONTROLLERS)]
    assert ((shares >= 0) & (shares <= 1)).all().all()
    assert (shares.sum(axis=1) - 1).abs().max() < 1e-9


@SETTINGS
@given(table=tables(), new=rows(), data=st.data())
def test_adding_a_later_row_never_changes_an_earlier_day(table, new, data):
    at = START + timedelta(days=data.draw(st.integers(1, (END - START).days)))
    added = table + _numbered([{**new, "date": at.isoformat()}], first_line=900)
    before, after = _states(_timeline(table)), _states(_timeline(added))
    earlier = before.index.get_level_values("date") < at
    pd.testing.assert_frame_equal(before[earlier], after[earlier])


def test_properties_hold_on_the_documented_example():
    """The generators can build a table that changes state, so the properties are not vacuous."""
    table = _numbered([
        {"change_id": "", "date": "2016-11-15", "district_id": d, "controller": "rebel",
         "extent": "full", "share": "", "remainder": "", "event": "baseline", "basis": "stated",
         "source_id": "s1", "line": "0", "confidence": "high", "aggregate": "", "note": ""}
        for d in DISTRICTS
    ] + [{"change_id": "", "date": "2016-11-20", "district_id": "a", "controller": "government",
          "extent": "partial", "share": "0.5", "remainder": "", "event": "advance",
          "basis": "stated", "source_id": "s1", "line": "0", "confidence": "high",
          "aggregate": "", "note": ""}])
    tl = _timeline(table)
    row = tl.state_on("2016-11-21").loc["a"]
    assert (row["controller"], float(row["share"]), row["remainder"]) == ("government", 0.5, "rebel")
    # the tie rule itself: the same claim twice, word for word but for the side; the later row wins
    tie = {**table[-1], "controller": "sdf", "change_id": "C99"}
    for order, winner in (([table[-1], tie], "sdf"), ([tie, table[-1]], "government")):
        assert _timeline(table[:-1] + order).state_on("2016-11-21").loc["a", "controller"] == winner
    with pytest.raises(ValidationError, match="no state for 'a'"):
        _timeline([{**r, "date": "2016-11-16"} if r["district_id"] == "a" else r for r in table])
