"""Dates a text does not settle are windows, not guesses (issue 12).

A row may carry ``date_earliest`` and ``date_latest``: the change happened on some day
of that window. On the days ``earliest <= d < latest`` the district is *uncertain*
(both candidate states are kept); before and from ``latest`` on it is settled.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from aleppo_map import testing
from aleppo_map._errors import ValidationError
from aleppo_map.analysis import areas as stats
from aleppo_map.analysis.claims import check_figures
from aleppo_map.battle import default_battle
from aleppo_map.timeline import build_timeline, validate_changes, window_text
from static_fixtures import END, NAMES, ROWS, START

CONTROLLERS = default_battle().side_ids

BASELINE = Path(__file__).parent / "baseline" / "states_before_windows.csv"
#: district-days whose settled state the re-read of issue 12 changed (README, "Date
#: windows"): none, every difference lies inside a window.
REREAD_CHANGES: dict[tuple[str, str], str] = {}

# the small project of the static tests, with two windows:
# c taken on 19 Nov by the text, some day from 17 to 19 Nov by the narrative;
# a taken fully on 17 Nov, some day from 16 to 18 Nov (after the partial of 16 Nov)
WINDOWS = {"C14": ("2016-11-17", "2016-11-19"), "C9": ("2016-11-16", "2016-11-18")}


def _with_windows(rows: str, windows: dict[str, tuple[str, str]]) -> str:
    """Append the two window cells to the rows of *windows* (CSV text without header)."""
    out = []
    for line in rows.splitlines():
        cid = line.split(",", 1)[0]
        lo, hi = windows.get(cid, ("", ""))
        out.append(f"{line},{lo},{hi}")
    return "\n".join(out) + "\n"


def _table(rows: str = ROWS, windows: dict[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    return testing.changes_frame(_with_windows(rows, windows or {}))


def _validate(table: pd.DataFrame) -> pd.DataFrame:
    return validate_changes(table, "fixture.csv", list(NAMES), {"s1": 1, "s2": 2},
                            days=(START, END))


@pytest.fixture(scope="module")
def small():
    return testing.small_project(_with_windows(ROWS, WINDOWS))


@pytest.fixture(scope="module")
def real():
    from aleppo_map.project import load_project

    return load_project()


# ----------------------------------------------------------------------------- engine
def test_a_window_is_uncertain_inside_and_settled_outside(small):
    tl = small.timeline
    flags = {d.isoformat(): bool(tl.state_on(d).loc["c", "uncertain"]) for d in tl.dates}
    assert flags == {"2016-11-15": False, "2016-11-16": False, "2016-11-17": True,
                     "2016-11-18": True, "2016-11-19": False, "2016-11-20": False}
    inside = tl.state_on("2016-11-18").loc["c"]
    assert (inside["window_start"], inside["window_end"]) == (date(2016, 11, 17),
                                                              date(2016, 11, 19))
    assert inside["window_change_id"] == "C14"
    assert (inside["before_controller"], inside["after_controller"]) == ("rebel", "government")
    # the fallback state follows the date the text gives (19 Nov): rebel until then
    assert inside["controller"] == "rebel"
    settled = tl.state_on("2016-11-16").loc["c"]
    assert settled["window_start"] is None and settled["before_controller"] == ""
    assert tl.state_on("2016-11-19").loc["c", "controller"] == "government"
    # the window of a partial-to-full change keeps both candidates' shares
    a = tl.state_on("2016-11-16").loc["a"]
    assert a["uncertain"] and a["before_share"] == pytest.approx(0.4)
    assert (a["before_controller"], a["before_remainder"]) == ("government", "rebel")
    assert (a["after_controller"], a["after_share"]) == ("government", 1.0)
    # districts without a window never are uncertain
    assert not tl.states.loc[~tl.states["district_id"].isin(["a", "c"]), "uncertain"].any()


def test_states_and_intervals_agree_and_stay_intervals(small):
    tl = small.timeline
    st = tl.states
    for day in tl.dates:
        one = tl.state_on(day)
        sub = st[st["date"] == day].set_index("district_id")
        assert (sub["uncertain"] == one["uncertain"]).all()
        assert (sub["controller"] == one["controller"]).all()
    # a window adds at most two pieces per state change: the size grows with the rows
    assert len(tl.intervals) <= len(small.changes) + 2 * len(WINDOWS)
    unc = tl.intervals[tl.intervals["uncertain"]]
    assert set(unc["window_change_id"]) == set(WINDOWS)
    # a window that straddles the row's date is two pieces: before and after the date
    assert list(unc.loc[unc["district_id"] == "a", "controller"]) == ["government"] * 2
    assert list(unc.loc[unc["district_id"] == "a", "share"]) == [0.4, 1.0]


def test_a_later_row_settles_an_earlier_window():
    rows = ("X1,2016-11-15,a,rebel,full,,,baseline,stated,s1,1,high,,\n"
            "X2,2016-11-17,a,government,full,,,capture,stated,s1,2,high,,\n"
            "X3,2016-11-18,a,rebel,full,,,capture,stated,s1,3,high,,\n")
    changes = _validate(_table(rows, {"X2": ("2016-11-16", "2016-11-20")}))
    tl = build_timeline(changes, ["a"], START, END)
    flags = [bool(tl.state_on(d).loc["a", "uncertain"]) for d in tl.dates]
    # uncertain on 16 and 17 Nov only: on 18 Nov another row says who holds it
    assert flags == [False, True, True, False, False, False]
    assert tl.state_on("2016-11-19").loc["a", "controller"] == "rebel"


def test_a_window_on_a_row_that_changes_nothing_is_ignored():
    rows = ("X1,2016-11-15,a,rebel,full,,,baseline,stated,s1,1,high,,\n"
            "X2,2016-11-17,a,rebel,full,,,state,stated,s1,2,high,,\n")
    changes = _validate(_table(rows, {"X2": ("2016-11-16", "2016-11-18")}))
    tl = build_timeline(changes, ["a"], START, END)
    assert not tl.intervals["uncertain"].any()


def test_window_text_for_the_history_line():
    assert window_text({"date_earliest": date(2016, 12, 4), "date_latest": date(2016, 12, 7)}) \
        == "changed hands between 4 and 7 December; the texts do not say when"
    assert window_text({"date_earliest": "2016-11-30", "date_latest": "2016-12-13"}) \
        == "changed hands between 30 November and 13 December; the texts do not say when"
    assert window_text({"date_earliest": "2016-12-04", "date_latest": "2016-12-04"}) == ""
    assert window_text({"window_start": None, "window_end": None}) == ""


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("lo", "hi", "column", "message"),
    [
        ("2016-11-20", "", "date_earliest", "a day on or before the row's date"),
        ("", "2016-11-18", "date_latest", "a day on or after the row's date"),
        ("2016-11-01", "", "date_earliest", "2016-11-15"),
        ("", "2016-12-30", "date_latest", "2016-11-20"),
        ("17 Nov", "", "date_earliest", "YYYY-MM-DD"),
    ],
)
def test_validation_rejects_bad_windows(lo, hi, column, message):
    with pytest.raises(ValidationError) as err:
        _validate(_table(windows={"C14": (lo, hi)}))
    problems = [p for p in err.value.problems if p.column == column]
    assert len(problems) == 1, err.value.problems
    assert problems[0].row == 14
    assert message in problems[0].expected


def test_validation_types_windows_and_fills_exact_rows():
    changes = _validate(_table(windows={"C14": ("2016-11-17", "")}))
    row = changes.set_index("change_id").loc["C14"]
    assert (row["date_earliest"], row["date_latest"]) == (date(2016, 11, 17), date(2016, 11, 19))
    exact = changes.set_index("change_id").loc["C13"]
    assert exact["date_earliest"] == exact["date_latest"] == exact["date"]


# ----------------------------------------------------------------------------- statistics
def test_stats_count_uncertain_ground_apart(small):
    table = stats.daily_stats(small).set_index("date")
    areas = stats.district_areas(small)
    total = float(areas.sum())
    km2 = [f"{s}_km2" for s in CONTROLLERS]
    np.testing.assert_allclose(table[[*km2, "uncertain_km2"]].sum(axis=1), total, atol=1e-3)
    n = [f"{s}_districts" for s in CONTROLLERS]
    assert (table[[*n, "uncertain_districts"]].sum(axis=1) == len(NAMES)).all()
    # 16 Nov: a is inside its window, 0.4 government for sure, 0.6 undecided
    day = table.loc["2016-11-16"]
    assert day["uncertain_districts"] == 1
    assert day["uncertain_km2"] == pytest.approx(0.6 * areas["a"], abs=1e-3)
    assert day["government_km2"] == pytest.approx(areas["e"] + 0.4 * areas["a"], abs=1e-3)
    # 18 Nov: c (whole district) uncertain, and no longer counted for the rebels
    day = table.loc["2016-11-18"]
    assert day["uncertain_districts"] == 1
    assert day["uncertain_km2"] == pytest.approx(areas["c"], abs=1e-3)
    # outside the windows nothing is uncertain
    assert table.loc[["2016-11-15", "2016-11-19", "2016-11-20"], "uncertain_km2"].eq(0).all()
    east = [f"east_{s}_pct" for s in (*CONTROLLERS, "uncertain")]
    np.testing.assert_allclose(table[east].sum(axis=1), 100.0, atol=0.05)
    assert table.loc["2016-11-18", "east_uncertain_pct"] > 0


def test_real_stats_match_the_flags_of_the_timeline(real):
    table = stats.daily_stats(real).set_index("date")
    tl = real.timeline
    for day in (date(2016, 11, 22), date(2016, 12, 5), date(2016, 12, 15), date(2016, 12, 22)):
        st = tl.state_on(day)
        assert table.loc[day.isoformat(), "uncertain_districts"] == int(st["uncertain"].sum())
    assert table.loc["2016-11-15", "uncertain_km2"] == 0
    assert table.loc["2016-12-15", "uncertain_km2"] > 1  # the six quarters west of the Queiq


# ----------------------------------------------------------------------------- the real data
def _baseline_states() -> pd.DataFrame:
    return pd.read_csv(BASELINE, dtype={"share": float}, keep_default_na=False)


def test_states_outside_windows_are_unchanged_by_the_reread(real):
    """Every settled district-day equals the state before the re-read of issue 12
    (``tests/baseline/states_before_windows.csv``, run-length coded per district),
    except the district-days listed in :data:`REREAD_CHANGES`."""
    before = _baseline_states()
    tl = real.timeline
    iv = tl.intervals
    changed = {}
    for rec in before.to_dict("records"):
        did = rec["district_id"]
        first = (date.fromisoformat(rec["first"]) - tl.dates[0]).days
        stop = (date.fromisoformat(rec["last"]) - tl.dates[0]).days + 1
        mine = iv[(iv["district_id"] == did) & (iv["first"] < stop) & (iv["stop"] > first)]
        for cur in mine.to_dict("records"):
            if cur["uncertain"]:
                continue
            old = (rec["controller"], round(rec["share"], 3), rec["remainder"])
            new = (cur["controller"], round(float(cur["share"]), 3), cur["remainder"])
            if old != new:
                for k in range(max(first, cur["first"]), min(stop, cur["stop"])):
                    changed[(did, tl.dates[k].isoformat())] = f"{old} -> {new}"
    assert changed == REREAD_CHANGES
    # and the windows cover every district-day that differs
    assert int(iv.loc[iv["uncertain"], "stop"].sub(iv.loc[iv["uncertain"], "first"]).sum()) \
        == 162


def test_the_reread_rows_carry_windows_with_reasons(real):
    ch = real.changes
    win = ch[ch["date_earliest"] < ch["date_latest"]]
    assert len(win) == 23
    assert win["note"].str.startswith("Window:").all()
    assert (win["basis"] != "stated").all()
    assert ((win["date_earliest"] <= win["date"]) & (win["date"] <= win["date_latest"])).all()


def test_aggregates_with_a_count_have_that_many_members():
    from aleppo_map.sources import load_aggregates

    agg = load_aggregates().set_index("aggregate")
    # "four other nearby districts" (wikipedia 189)
    assert len(agg.loc["shaar-nearby", "members"]) == 4
    # "three neighborhoods" left to the rebels on 12 Dec (wikipedia 203)
    assert len(agg.loc["queiq-pocket", "members"]) == 3
    # "nine districts" secured on 12 Dec: the map names fewer, never more
    assert len(agg.loc["east-of-queiq", "members"]) <= 9


def test_check_figures_flags_claims_inside_windows(real):
    table = check_figures(real).set_index("figure_id")
    # 13 Dec, rebel-held area: six quarters west of the Queiq are in their window
    f10 = table.loc["F10"]
    assert f10["uncertain_districts"] == 6
    assert "6 districts uncertain on that day (windows)" in f10["reason"]
    assert "mashhad" in f10["uncertain_ids"]
    # 19 Nov, a share of Bustan al-Basha: settled
    f01 = table.loc["F01"]
    assert f01["uncertain_districts"] == 0 and "windows" not in f01["reason"]
    # a figure in a window keeps its verdict rules: the verdict is still computed
    assert f10["verdict"] in ("consistent", "inconsistent")


def test_state_command_prints_the_window(real):
    table = stats.state_table(real, "2016-12-05").set_index("district_id")
    row = table.loc["qarleq"]
    assert bool(row["uncertain"]) and (row["window_start"], row["window_end"]) == (
        "2016-12-05", "2016-12-13")
    assert table.loc["citadel", "window_start"] == ""


def test_history_carries_the_window_line(real):
    hist = real.timeline.district_history("qarleq")
    line = hist.loc[hist["change_id"] == hist["change_id"].iloc[-1], "window"].iloc[0]
    assert line == "changed hands between 5 and 13 December; the texts do not say when"
    assert (hist.loc[hist["event"] == "baseline", "window"] == "").all()


# ----------------------------------------------------------------------------- the page
def test_page_data_carries_the_windows(real):
    from aleppo_map.render import html as render_html

    data = render_html.page_data(real)
    ids = [d["id"] for d in data["districts"]]
    segs = data["states"][ids.index("qarleq")]
    k = segs["day"].index(20)  # 5 Dec, the first day of its window
    assert segs["unc"][k] == 1
    sides = [s["id"] for s in data["sides"]]
    assert (sides[segs["from"][k]], sides[segs["to"][k]]) == ("rebel", "government")
    row = render_html.row_records(data)[segs["win"][k]]
    assert row["window"] == "changed hands between 5 and 13 December; the texts do not say when"
    # settled segments say so
    citadel = data["states"][ids.index("citadel")]
    assert set(citadel["unc"]) == {0} and set(citadel["from"]) == {-1}


def test_page_totals_count_the_windows_apart(real):
    from aleppo_map.render import html as render_html

    data = render_html.page_data(real)
    table = stats.daily_stats(real)
    assert data["uncertain"]["area"] == pytest.approx(table["uncertain_km2"].tolist(), abs=1e-3)
    assert data["uncertain"]["share"] == pytest.approx(
        (table["east_uncertain_pct"] / 100).tolist(), abs=1e-4)
    k = data["dates"].index("2016-12-08")
    km2 = sum(data["area"][s][k] for s in data["area"]) + data["uncertain"]["area"][k]
    assert km2 == pytest.approx(table["total_km2"].iloc[0], abs=0.01)


# ----------------------------------------------------------------------------- frames
def test_frames_cross_hatch_the_windows(real):
    from aleppo_map.render import scene

    ids = list(real.timeline.district_ids)
    specs = {s.day.isoformat(): s for s in scene.day_specs(real, ids)}
    sides = list(real.battle.side_ids)
    q = ids.index("qarleq")
    inside = specs["2016-12-08"]
    # the fill is the side before the change, the cross-hatch the side after it
    assert sides[inside.fill[q]] == "rebel" and sides[inside.unc[q]] == "government"
    assert inside.gain[q] == -1
    settled = specs["2016-12-13"]
    assert settled.unc[q] == -1 and sides[settled.fill[q]] == "government"
    assert (specs["2016-11-15"].unc == -1).all()
    n_inside = {d: int((s.unc >= 0).sum()) for d, s in specs.items()}
    flags = {d.isoformat(): int(real.timeline.state_on(d)["uncertain"].sum())
             for d in real.timeline.dates}
    assert n_inside == flags  # every district in a window, every day, and no other


def test_a_frame_draws_the_cross_hatch(small):
    """The same day with and without the window of district c: the frames differ, and
    the changed pixels carry the colour of the side after the change (government)."""
    from aleppo_map.render import scene

    with_w = scene.scene_data(small, hide_text=True, size=(400, 300), dpi=100)
    without = scene.scene_data(testing.small_project(), hide_text=True, size=(400, 300),
                               dpi=100)
    assert with_w.any_uncertain and not without.any_uncertain
    day = [s.day.isoformat() for s in with_w.days].index("2016-11-18")
    c = with_w.ids.index("c")
    assert with_w.days[day].unc[c] >= 0 and without.days[day].unc[c] == -1
    a = scene.FrameScene(with_w).rgb(day).astype(int)
    b = scene.FrameScene(without).rgb(day).astype(int)
    changed = np.abs(a - b).sum(axis=2) > 30
    assert changed.sum() > 50
    gov = np.array([int(small.settings.colours["government"][k:k + 2], 16) for k in (1, 3, 5)])
    near_gov = np.abs(a[changed] - gov).sum(axis=1) < 60
    assert near_gov.sum() > 10
    handles = scene._legend_handles(with_w, 1.0)
    assert any("Uncertain" in h.get_label() for h in handles)


def test_project_state_on_carries_the_window(real):
    gdf = real.state_on("2016-12-08")
    assert bool(gdf.loc["qarleq", "uncertain"])
    assert (gdf.loc["qarleq", "window_start"], gdf.loc["qarleq", "window_end"]) == (
        "2016-12-05", "2016-12-13")
    assert not bool(gdf.loc["citadel", "uncertain"]) and gdf.loc["citadel", "window_end"] == ""
    assert gdf.columns[-1] == "geometry"
