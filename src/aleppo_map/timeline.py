"""The state of every district on every day, computed from the control-change table.

Rules
-----
* The state of a district on day *D* is set by the last applied row dated on or
  before *D*; rows dated before the first day set the opening state.
* A ``repelled`` row (an assault beaten back) is recorded but changes nothing.
* A ``partial`` row gives its ``controller`` the row's ``share``; the remainder goes
  to the row's ``remainder`` column or, when that is empty, to the side that held
  the district before the row (when the district was itself split, to the other
  side of that split if the controller was one of its two sides, else to the
  larger side).
* Several rows for one district on one day: one wins, chosen by
  (1) confidence high > medium > low, (2) basis stated > inferred > background,
  (3) source rank in the registry, lower first, (4) the later line within one
  source (narratives run forward in time), (5) the later row of the file. The
  others stay in the district's history with status ``superseded``.
* A district with no state on the first day is a validation error.
* A row may give a date window, ``date_earliest`` to ``date_latest``: the texts say
  only that the change happened on some day of it (``date``, the day the text gives,
  lies inside). On the days ``d`` with ``date_earliest <= d < date_latest`` the
  district is *uncertain* (states are end-of-day, so from ``date_latest`` on the
  change has surely happened): the intervals and states flag it (``uncertain``) and
  keep both candidate states (``before_*``, ``after_*``); ``controller`` and the other
  state columns still follow ``date``. A window never starts before the district's
  previous change (or the end of that change's own window) and ends at its next
  change: a later row settles it. A window on a row that changes nothing, or that
  loses the same-day rule, is ignored.

Examples
--------
>>> import pandas as pd
>>> from datetime import date
>>> rows = pd.DataFrame({
...     "change_id": ["C1", "C2", "C3"], "date": ["2030-03-01", "2030-03-06", "2030-03-08"],
...     "district_id": ["a", "a", "a"], "controller": ["blue", "red", "red"],
...     "extent": ["full", "partial", "full"], "share": ["", "0.5", ""],
...     "remainder": ["", "", ""], "event": ["baseline", "advance", "capture"],
...     "basis": ["stated"] * 3, "source_id": ["s"] * 3, "line": ["1", "2", "3"],
...     "confidence": ["high"] * 3, "aggregate": [""] * 3, "note": [""] * 3})
>>> changes = validate_changes(rows, "example.csv", ["a"], {"s": 1}, sides=("red", "blue"))
>>> tl = build_timeline(changes, ["a"], date(2030, 3, 1), date(2030, 3, 10), sides=("red", "blue"))
>>> row = tl.state_on("2030-03-07").loc["a"]
>>> row["controller"], float(row["share"]), row["remainder"]
('red', 0.5, 'blue')
>>> tl.state_on("2030-03-08").loc["a", "since"].isoformat()
'2030-03-08'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from aleppo_map._errors import Problem, ValidationError
from aleppo_map._validate import check_table, unknown_values
from aleppo_map.battle import default_battle
from aleppo_map.schema import BASES, CONFIDENCES, CONTROL_CHANGES

if TYPE_CHECKING:
    from aleppo_map.battle import Battle

#: Columns of the control-change table, in file order (from :mod:`aleppo_map.schema`).
CHANGE_COLUMNS: tuple[str, ...] = CONTROL_CHANGES.names
#: Columns that may be absent from a user's table (they default to empty).
OPTIONAL_COLUMNS: tuple[str, ...] = CONTROL_CHANGES.optional
#: Sides of the embedded battle, in legend order: the default for callers that pass no battle.
_DEFAULT_SIDES: tuple[str, ...] = default_battle().side_ids
#: Contested side of the embedded battle: the default for callers that pass no battle.
_DEFAULT_CONTESTED: str | None = next(
    (s.id for s in default_battle().sides if s.contested), None)
#: The two columns of a date window (see :func:`validate_changes`).
WINDOW_COLUMNS: tuple[str, ...] = ("date_earliest", "date_latest")


def validate_changes(
    frame: pd.DataFrame,
    file: str,
    district_ids: Sequence[str],
    source_ranks: Mapping[str, int],
    *,
    aggregates: Sequence[str] | None = None,
    suggest: Callable[[str], list[str]] | None = None,
    battle: Battle | None = None,
    sides: Sequence[str] | None = None,
    days: tuple[date, date] | None = None,
) -> pd.DataFrame:
    """Check every row of a control-change table and return it typed.

    The table is read against :data:`aleppo_map.schema.CONTROL_CHANGES` (unknown
    columns, missing columns, types, allowed values, unique ids, dates within the
    battle's days), then the rules that span columns or tables are checked; every
    problem is reported at once.

    A row may give a *window* for its change, ``date_earliest`` and ``date_latest``
    (both optional; an empty bound is the row's ``date``): the change happened on
    some day of ``[date_earliest, date_latest]``, and ``date`` is the day the text
    gives, so it must lie in the window. Each bound, when given, must be an ISO date
    within the battle's days, and ``date_earliest <= date <= date_latest``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read (all strings), with the columns of :data:`CHANGE_COLUMNS`
        (those of :data:`OPTIONAL_COLUMNS` may be missing).
    file : str
        File name for messages.
    district_ids : Sequence[str]
        Known district ids.
    source_ranks : Mapping[str, int]
        Known source ids and their rank for the same-day rule.
    aggregates : Sequence[str], optional
        Known aggregate keys; when ``None`` the column is not checked.
    suggest : callable, optional
        ``suggest(name) -> list of ids`` for close-match hints on unknown districts.
    battle : Battle, optional
        The battle: its side ids are the allowed controllers, and every date must be
        one of its days. Without it, the sides are the default battle's and dates
        are not bounded.
    sides : Sequence[str], optional
        Allowed side ids (overrides the battle's).
    days : tuple of datetime.date, optional
        ``(first, last)`` allowed days (overrides the battle's).

    Returns
    -------
    pandas.DataFrame
        Typed copy: ``date`` as :class:`datetime.date`, ``share`` as float (1.0 when
        full), ``line`` as int, ``remainder`` and ``aggregate`` as ``str`` or ``""``,
        ``date_earliest`` and ``date_latest`` as :class:`datetime.date` (the row's
        ``date`` where empty: a row without a window has ``date_earliest ==
        date_latest == date``), plus ``row`` (1-based data row), ``order`` (file
        position) and ``source_rank``.

    Raises
    ------
    ValidationError
        Listing every problem found.
    """
    if battle is None and sides is None:
        sides = _DEFAULT_SIDES
    chk = check_table(frame, CONTROL_CHANGES, file, battle=battle, sides=sides, days=days)
    if chk.missing:
        chk.raise_if_any(CHANGE_COLUMNS)
    out = chk.frame
    ok = chk.valid
    if (out["change_id"] == "").all():
        out["change_id"] = [f"R{i + 1}" for i in range(len(out))]
        chk.problems = [p for p in chk.problems if p.column != "change_id"]
        chk.ok["change_id"] = pd.Series(True, index=out.index)
    # cross-table: districts, sources, aggregates
    unknown_values(chk, "district_id", district_ids, "a district id of the gazetteer",
                   suggest=suggest)
    unknown_values(chk, "source_id", source_ranks,
                   "an id of the source registry (" + ", ".join(source_ranks) + ")")
    if aggregates is not None:
        unknown_values(chk, "aggregate", aggregates, "empty or a key of aggregates.csv")
    # rules across columns
    partial = out["extent"] == "partial"
    share_ok = ok("extent", "share")
    chk.bad("share", share_ok & partial & (out["share"].isna() | (out["share"] >= 1.0)),
            "a number strictly between 0 and 1 for a partial row")
    chk.bad("share", share_ok & ~partial & out["share"].notna() & (out["share"] != 1.0),
            "empty (or 1) for a full row")
    has_rest = out["remainder"] != ""
    rest_ok = ok("extent", "remainder")
    chk.bad("remainder", rest_ok & has_rest & ~partial, "empty for a full row")
    chk.bad("remainder", rest_ok & ok("controller") & partial & has_rest
            & (out["remainder"] == out["controller"]), "a side other than the controller")
    chk.bad("basis", ok("basis", "aggregate") & (out["aggregate"] != "")
            & (out["basis"] == "stated"),
            "'inferred' or 'background' for a row that applies an aggregate")
    # a date window must hold the date the text gives (column-wise)
    day_ts = pd.to_datetime(out["date"], errors="coerce")
    for col, later, expected in (("date_earliest", True, "a day on or before the row's date"),
                                 ("date_latest", False, "a day on or after the row's date")):
        bound = pd.to_datetime(out[col], errors="coerce")
        outside = (bound > day_ts) if later else (bound < day_ts)
        chk.bad(col, ok("date", col) & bound.notna() & day_ts.notna() & outside, expected,
                hint=lambda _v: "the date the text gives must lie in the window")
    chk.raise_if_any(CHANGE_COLUMNS)
    # an empty bound is the row's date: a row without a window has earliest == latest == date
    day = out["date"]
    for col in WINDOW_COLUMNS:
        out[col] = [d if b is None else b for b, d in zip(out[col], day, strict=True)]
    out["share"] = out["share"].where(partial, 1.0)
    out["line"] = out["line"].astype(int)
    out["row"] = np.arange(1, len(out) + 1)
    out["order"] = np.arange(len(out))
    out["source_rank"] = out["source_id"].map(dict(source_ranks)).astype(int)
    return out


_CONF_RANK = {c: i for i, c in enumerate(CONFIDENCES)}
_BASIS_RANK = {b: i for i, b in enumerate(BASES)}


def _priority(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort key columns for the same-day rule: smaller sorts first and wins."""
    return pd.DataFrame(
        {
            "k_conf": frame["confidence"].map(_CONF_RANK),
            "k_basis": frame["basis"].map(_BASIS_RANK),
            "k_source": frame["source_rank"],
            "k_line": -frame["line"],
            "k_order": -frame["order"],
        },
        index=frame.index,
    )


@dataclass(frozen=True)
class State:
    """Who holds one district: ``controller`` holds ``share``, ``remainder`` the rest."""

    controller: str
    share: float = 1.0
    remainder: str | None = None

    @property
    def extent(self) -> str:
        """``full`` or ``partial``."""
        return "full" if self.remainder is None else "partial"

    def fractions(self, sides: Sequence[str]) -> dict[str, float]:
        """Share of the district held by each of *sides*, summing to 1."""
        out = dict.fromkeys(sides, 0.0)
        out[self.controller] += self.share
        if self.remainder is not None:
            out[self.remainder] += 1.0 - self.share
        return out


def _next_state(prev: State | None, row: Mapping[str, object], contested: str | None) -> State:
    controller = str(row["controller"])
    if row["extent"] == "full":
        return State(controller)
    share = float(row["share"])  # type: ignore[arg-type]
    remainder = str(row["remainder"]) or None
    if remainder is None:
        if prev is None:
            remainder = contested if contested is not None else controller
        elif prev.remainder is None:
            remainder = prev.controller
        elif controller == prev.controller:
            remainder = prev.remainder
        elif controller == prev.remainder:
            remainder = prev.controller
        else:
            remainder = prev.controller if prev.share >= 0.5 else prev.remainder
    if remainder == controller:
        # The side already held the whole district: the row cannot say who holds the rest.
        raise ValidationError(
            [
                Problem(
                    "control table", "remainder",
                    "a remainder holder when a partial row names the side that already holds "
                    "the whole district",
                    "empty", row=int(row["row"]),  # type: ignore[call-overload]
                    hint=f"change {row['change_id']}, district {row['district_id']}",
                )
            ]
        )
    return State(controller, share, remainder)


#: Columns that describe a window of uncertainty, on intervals and states: ``uncertain``
#: (bool), ``window_start`` and ``window_end`` (the window's first and last day, the
#: row's ``date_earliest`` and ``date_latest``; ``None`` when settled),
#: ``window_change_id`` (the row whose date is open; ``""`` when settled) and the two
#: candidate states, ``before_*`` (the state before that row) and ``after_*`` (the state
#: it sets); ``""`` / NaN when settled.
UNCERTAIN_COLUMNS: tuple[str, ...] = (
    "uncertain", "window_start", "window_end", "window_change_id",
    "before_controller", "before_share", "before_remainder",
    "after_controller", "after_share", "after_remainder",
)
#: Columns of :attr:`Timeline.intervals`.
INTERVAL_COLUMNS: tuple[str, ...] = (
    "district_id", "first", "stop", "controller", "share", "remainder", "extent", "since",
    "change_id", *UNCERTAIN_COLUMNS,
)
#: Columns of :attr:`Timeline.states`, after ``date``.
STATE_COLUMNS: tuple[str, ...] = (
    "district_id", "controller", "share", "remainder", "extent", "since", "change_id",
    *UNCERTAIN_COLUMNS,
)


def side_fractions(frame: pd.DataFrame, sides: Sequence[str] = _DEFAULT_SIDES) -> dict[str, np.ndarray]:
    """Share of each district held by each side, for rows of states or intervals.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows with ``controller``, ``share`` and ``remainder`` (``""`` when full).
    sides : Sequence[str]
        The battle's side ids.

    Returns
    -------
    dict
        Side -> float array, one value per row; the four values of a row sum to 1.
    """
    ctrl = frame["controller"].to_numpy()
    rem = frame["remainder"].to_numpy()
    share = frame["share"].to_numpy(dtype=float)
    return {
        side: np.where(ctrl == side, share, 0.0) + np.where(rem == side, 1.0 - share, 0.0)
        for side in sides
    }


@dataclass(frozen=True)
class _Step:
    """One change of a district's state: the day it takes effect, and its window."""

    day: date
    state: State
    change_id: str
    earliest: date
    latest: date


_SETTLED: tuple[object, ...] = (False, None, None, "", "", float("nan"), "", "",
                                float("nan"), "")


def _district_intervals(did: str, seq: Sequence[_Step], start: date,
                        n_days: int) -> list[tuple[object, ...]]:
    """Cut one district's states into intervals, settled or inside a window.

    The change of step *j* is uncertain on the days ``d`` with ``earliest <= d <
    latest``, clipped so that it starts no earlier than the step before it (or the end
    of that step's own window) and ends no later than the step after it: a later row
    settles an earlier window. Each state interval thus splits into at most three
    pieces: the end of its own window (head), settled days, and the start of the next
    step's window (tail).
    """
    n = len(seq)
    eff = [(st.day - start).days for st in seq]
    if all(st.earliest >= st.latest for st in seq):  # no window: one interval per state
        k = 0
        while k + 1 < n and eff[k + 1] <= 0:
            k += 1
        return [(did, max(eff[j], 0), min(eff[j + 1] if j + 1 < n else n_days, n_days),
                 st.state.controller, st.state.share, st.state.remainder or "",
                 st.state.extent, max(st.day, start), st.change_id, *_SETTLED)
                for j, st in ((j, seq[j]) for j in range(k, n))]
    seg: list[tuple[int, int] | None] = [None] * (n + 1)
    prev_end = -(10**9)
    for j in range(1, n):
        lo = max((seq[j].earliest - start).days, eff[j - 1], prev_end, 0)
        hi = min((seq[j].latest - start).days, eff[j + 1] if j + 1 < n else n_days, n_days)
        if lo < hi:
            seg[j] = (lo, hi)
            prev_end = hi
    # the state in force on the first day: the last one dated on or before it
    k = 0
    while k + 1 < n and eff[k + 1] <= 0:
        k += 1
    out: list[tuple[object, ...]] = []
    for j in range(k, n):
        step = seq[j]
        a = max(eff[j], 0)
        b = min(eff[j + 1] if j + 1 < n else n_days, n_days)
        head = seg[j]
        tail = seg[j + 1] if j + 1 < n else None
        head_end = max(a, min(head[1], b)) if head is not None else a
        tail_start = max(head_end, tail[0]) if tail is not None else b
        base = (did, step.state.controller, step.state.share, step.state.remainder or "",
                step.state.extent, max(step.day, start), step.change_id)
        pieces = [(a, head_end, j), (head_end, tail_start, None), (tail_start, b, j + 1)]
        for first, stop, w in pieces:
            if first >= stop:
                continue
            extra = _SETTLED if w is None else _window(seq[w - 1].state, seq[w])
            out.append((base[0], first, stop, *base[1:], *extra))
    return out


def _steps(applied: pd.DataFrame, ids: pd.Index, contested: str | None) -> pd.DataFrame:
    """Return the changes of state of every district, column-wise (rows by district, date).

    A row's state follows from the row alone, except for a partial row that names no
    remainder: that one looks at the state before it (one pass over those rows only).
    Returns one row per change of state: ``pos`` (the district's position in *ids*),
    ``day``, ``controller``, ``share``, ``remainder`` (``""`` when full),
    ``change_id``, ``earliest``, ``latest``.
    """
    pos_all = ids.get_indexer(pd.Index(applied["district_id"]))
    keep = pos_all >= 0
    rows = applied[keep]
    pos = pos_all[keep]
    n = len(rows)
    ctrl = np.asarray(rows["controller"].to_numpy(), dtype=object)
    full = (rows["extent"] == "full").to_numpy(dtype=bool)
    share = np.where(full, 1.0, rows["share"].to_numpy(dtype=float))
    rem = np.where(full, "", np.asarray(rows["remainder"].to_numpy(), dtype=object))
    starts = np.ones(n, dtype=bool)
    starts[1:] = pos[1:] != pos[:-1]
    # partial rows that name no remainder: the rest goes by the state before (in order)
    for i in np.flatnonzero(~full & (rem == "")).tolist():
        if starts[i]:
            r = contested if contested is not None else ctrl[i]
        elif rem[i - 1] == "":
            r = ctrl[i - 1]
        elif ctrl[i] == ctrl[i - 1]:
            r = rem[i - 1]
        elif ctrl[i] == rem[i - 1]:
            r = ctrl[i - 1]
        else:
            r = ctrl[i - 1] if share[i - 1] >= 0.5 else rem[i - 1]
        rem[i] = r
    same = ~full & (rem == ctrl)
    if same.any():
        # the side already held the whole district: the row cannot say who holds the rest
        i = int(np.flatnonzero(same)[0])
        raise ValidationError([Problem(
            "control table", "remainder",
            "a remainder holder when a partial row names the side that already holds "
            "the whole district",
            "empty", row=int(rows["row"].iloc[i]),
            hint=f"change {rows['change_id'].iloc[i]}, district {rows['district_id'].iloc[i]}",
        )])
    changed = starts.copy()
    changed[1:] |= ((ctrl[1:] != ctrl[:-1]) | (share[1:] != share[:-1])
                    | (rem[1:] != rem[:-1]))
    day = np.asarray(rows["date"].to_numpy(), dtype=object)[changed]
    eff = _day_numbers(day)
    bounds = {}
    for col, name in (("date_earliest", "earliest"), ("date_latest", "latest")):
        num = _day_numbers(np.asarray(rows[col].to_numpy(), dtype=object)[changed])
        bounds[name] = np.where(num == _NO_DAY, eff, num)  # an empty bound is the date
    return pd.DataFrame({
        "pos": pos[changed], "day": day, "eff": eff, "controller": ctrl[changed],
        "share": share[changed], "remainder": rem[changed],
        "change_id": np.asarray(rows["change_id"].to_numpy(), dtype=object)[changed],
        **bounds,
    })


_NO_DAY = np.iinfo(np.int64).min


def _day_numbers(values: np.ndarray) -> np.ndarray:
    """Proleptic ordinal of each day (dates, timestamps or ISO text); empty -> ``_NO_DAY``.

    Each distinct value is converted once (a table has few distinct days).
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    found = [_as_day(u) for u in uniques]
    table = np.array([_NO_DAY if d is None else d.toordinal() for d in found] + [_NO_DAY],
                     dtype=np.int64)
    return table[codes]  # a code of -1 (missing) reads the last entry


def _check_opening(steps: pd.DataFrame, district_ids: Sequence[str], ids: pd.Index,
                   start: date, file: str) -> None:
    """Refuse districts without a state on the first day (every one listed)."""
    pos = steps["pos"].to_numpy()
    first_at = np.full(len(ids), -1)
    heads = np.ones(len(pos), dtype=bool)
    heads[1:] = pos[1:] != pos[:-1]
    first_at[pos[heads]] = np.flatnonzero(heads)
    day = steps["day"].to_numpy()
    problems: list[Problem] = []
    for did, k in zip(district_ids, first_at[ids.get_indexer(pd.Index(list(district_ids)))], strict=True):
        if k < 0 or day[k] > start:
            problems.append(Problem(
                file, "district_id",
                f"a row dated on or before {start} giving the opening state of every district",
                f"no state for {did!r} on {start}"
                + (f" (its first row is dated {day[k]})" if k >= 0 else " (no row at all)"),
            ))
    if problems:
        raise ValidationError(problems)


def _intervals(steps: pd.DataFrame, ids: pd.Index, start: date, n_days: int) -> pd.DataFrame:
    """Cut the steps into intervals: column-wise for districts without a window.

    A district with a date window on any of its steps goes through
    :func:`_district_intervals`; the others get one interval per state.
    """
    pos = steps["pos"].to_numpy()
    day = steps["day"].to_numpy()
    n = len(pos)
    eff = steps["eff"].to_numpy(dtype=np.int64) - start.toordinal()
    last = np.ones(n, dtype=bool)
    last[:-1] = pos[1:] != pos[:-1]
    nxt = np.empty(n, dtype=np.int64)
    nxt[:-1] = eff[1:]
    nxt[last] = n_days
    windowed = np.zeros(len(ids), dtype=bool)
    windowed[pos[steps["earliest"].to_numpy() < steps["latest"].to_numpy()]] = True
    plain = ~windowed[pos] & (nxt > 0)  # a state replaced on or before the first day: none
    cols: dict[str, list[object]] = {c: [] for c in INTERVAL_COLUMNS}
    order_pos: list[int] = []
    order_first: list[int] = []
    if plain.any():
        p = pos[plain]
        first = np.maximum(eff[plain], 0)
        since = np.where(eff[plain] > 0, day[plain], np.asarray([start], dtype=object))
        rem = steps["remainder"].to_numpy()[plain]
        k = len(p)
        cols["district_id"] += ids.to_numpy()[p].tolist()
        cols["first"] += first.tolist()
        cols["stop"] += np.minimum(nxt[plain], n_days).tolist()
        cols["controller"] += steps["controller"].to_numpy()[plain].tolist()
        cols["share"] += steps["share"].to_numpy()[plain].tolist()
        cols["remainder"] += rem.tolist()
        cols["extent"] += np.where(rem == "", "full", "partial").tolist()
        cols["since"] += since.tolist()
        cols["change_id"] += steps["change_id"].to_numpy()[plain].tolist()
        for col, value in zip(UNCERTAIN_COLUMNS, _SETTLED, strict=True):
            cols[col] += [value] * k
        order_pos += p.tolist()
        order_first += first.tolist()
    if windowed.any():
        rows = steps[windowed[pos]]
        for p_, group in rows.groupby("pos", sort=False):
            seq = [_Step(d, State(c, s, r or None), cid, date.fromordinal(e),
                         date.fromordinal(la))
                   for d, c, s, r, cid, e, la in zip(
                       group["day"], group["controller"], group["share"], group["remainder"],
                       group["change_id"], group["earliest"].tolist(),
                       group["latest"].tolist(), strict=True)]
            for rec in _district_intervals(str(ids[int(p_)]), seq, start, n_days):
                for col, value in zip(INTERVAL_COLUMNS, rec, strict=True):
                    cols[col].append(value)
                order_pos.append(int(p_))
                order_first.append(int(rec[1]))  # type: ignore[call-overload]
    order = np.lexsort((np.asarray(order_first, dtype=np.int64),
                        np.asarray(order_pos, dtype=np.int64)))
    if len(order) and not (order == np.arange(len(order))).all():
        cols = {c: [v[i] for i in order.tolist()] for c, v in cols.items()}
    return pd.DataFrame(cols, columns=list(INTERVAL_COLUMNS))


def _window(before: State, step: _Step) -> tuple[object, ...]:
    after = step.state
    return (True, step.earliest, step.latest, step.change_id,
            before.controller, before.share, before.remainder or "",
            after.controller, after.share, after.remainder or "")


@dataclass(frozen=True)
class Timeline:
    """Daily state of every district, and every row's fate.

    The states are kept as *intervals*: one row per district and run of days over
    which its state does not change, so that the size grows with the rows of the
    control table, not with districts times days. :attr:`states`, the long table of
    every district on every day, is built from them on first use only.

    Attributes
    ----------
    dates : list of datetime.date
        Every day from start to end, inclusive.
    district_ids : list of str
        Districts covered, in gazetteer order.
    intervals : pandas.DataFrame
        One row per district and state, in district order then time:
        ``district_id``, ``first`` and ``stop`` (indices into :attr:`dates` of the
        first day of the state and of the day after its last), ``controller``,
        ``share``, ``remainder`` (``""`` when full), ``extent``, ``since`` (first
        day of the state, not before the first day) and ``change_id`` (the row
        that set it), then the columns of :data:`UNCERTAIN_COLUMNS`. Two successive
        intervals of a district differ in state or in certainty. Inside a window
        (``uncertain``), ``controller`` and the other state columns still give the
        state by the row's ``date`` (the date the text gives), as a fallback for
        readers that draw no pattern; ``before_*`` and ``after_*`` are the two states
        the district may be in.
    history : pandas.DataFrame
        Every row of the change table with ``status``: ``applied``, ``superseded``
        (lost the same-day rule), ``repelled`` or ``after-end``; ``disputed``
        (another source reported a different state for the same district and day);
        and ``window``, the history line of a row dated to a window (see
        :func:`window_text`; ``""`` when the row is dated exactly).
    sides : tuple of str
        The battle's side ids, in legend order (the columns of :meth:`fractions`).
    """

    dates: list[date]
    district_ids: list[str]
    intervals: pd.DataFrame
    history: pd.DataFrame
    sides: tuple[str, ...] = _DEFAULT_SIDES

    def _day(self, day: date | str) -> date:
        d = date.fromisoformat(day) if isinstance(day, str) else day
        if d < self.dates[0] or d > self.dates[-1]:
            raise ValidationError(
                [
                    Problem(
                        "--date", "date",
                        f"a day from {self.dates[0]} to {self.dates[-1]}", d.isoformat(),
                    )
                ]
            )
        return d

    def _in_force(self, day: date | str) -> pd.DataFrame:
        k = (self._day(day) - self.dates[0]).days
        iv = self.intervals
        first = iv["first"].to_numpy()
        stop = iv["stop"].to_numpy()
        return iv[(first <= k) & (stop > k)]

    def state_on(self, day: date | str) -> pd.DataFrame:
        """Every district's state on *day*, indexed by ``district_id``.

        Parameters
        ----------
        day : datetime.date or str
            The day (ISO string accepted).

        Returns
        -------
        pandas.DataFrame
            Columns ``controller``, ``share``, ``remainder``, ``extent``, ``since``,
            ``change_id`` and those of :data:`UNCERTAIN_COLUMNS` (``uncertain`` is
            true on the days of a window, when the texts do not settle whether the
            change has happened yet), in gazetteer order.
        """
        sub = self._in_force(day)
        return sub[list(STATE_COLUMNS)].set_index("district_id")

    def fractions_on(self, day: date | str) -> pd.DataFrame:
        """Share of each district held by each side on one day.

        Parameters
        ----------
        day : datetime.date or str
            The day (ISO string accepted).

        Returns
        -------
        pandas.DataFrame
            Indexed by ``district_id`` (gazetteer order), one column per controller;
            the four shares of a row sum to 1.
        """
        sub = self._in_force(day)
        return pd.DataFrame(side_fractions(sub, self.sides),
                            index=pd.Index(sub["district_id"].to_numpy(), name="district_id"))

    @cached_property
    def states(self) -> pd.DataFrame:
        """Long table, one row per (date, district), sorted by date then district order.

        Columns ``date``, ``district_id``, ``controller``, ``share``, ``remainder``
        (``""`` when full), ``extent``, ``since``, ``change_id`` and those of
        :data:`UNCERTAIN_COLUMNS`. Built from
        :attr:`intervals` on first use: its size is districts times days, so the
        package's own commands never ask for it.
        """
        iv = self.intervals
        first = iv["first"].to_numpy(dtype=np.int64)
        stop = iv["stop"].to_numpy(dtype=np.int64)
        span = stop - first
        which = np.repeat(np.arange(len(iv)), span)
        # day of each (interval, day) pair: first + offset within the interval
        offset = np.arange(len(which)) - np.repeat(np.cumsum(span) - span, span)
        day = first[which] + offset
        pos = pd.Index(self.district_ids).get_indexer(pd.Index(iv["district_id"]))[which]
        order = np.lexsort((pos, day))
        which, day = which[order], day[order]
        out = {"date": np.asarray(self.dates, dtype=object)[day]}
        for col in STATE_COLUMNS:
            out[col] = iv[col].to_numpy()[which]
        return pd.DataFrame(out)

    def fractions(self) -> pd.DataFrame:
        """Share of each district held by each side, per day (a districts x days table).

        Returns
        -------
        pandas.DataFrame
            Columns ``date``, ``district_id`` and one column per side of
            :attr:`sides`; the shares of a row sum to 1.
        """
        st = self.states
        out = st[["date", "district_id"]].copy()
        for side, values in side_fractions(st, self.sides).items():
            out[side] = values
        return out

    @cached_property
    def change_days(self) -> list[date]:
        """Days (after the first) on which some district's state or certainty differs from the day before."""
        starts = np.unique(self.intervals["first"].to_numpy(dtype=np.int64))
        return [self.dates[int(k)] for k in starts if k > 0]

    def district_history(self, district_id: str) -> pd.DataFrame:
        """Every row about one district, oldest first, with its status.

        Parameters
        ----------
        district_id : str
            A district id.

        Returns
        -------
        pandas.DataFrame
            Rows of :attr:`history` for the district.
        """
        return self.history[self.history["district_id"] == district_id]


def build_timeline(
    changes: pd.DataFrame,
    district_ids: Sequence[str],
    start: date,
    end: date,
    *,
    file: str = "control table",
    sides: Sequence[str] = _DEFAULT_SIDES,
    contested: str | None = _DEFAULT_CONTESTED,
) -> Timeline:
    """Compute the state of every district, as intervals of unchanged state.

    Parameters
    ----------
    changes : pandas.DataFrame
        A table returned by :func:`validate_changes`.
    district_ids : Sequence[str]
        Districts to cover; each must have a state on *start*.
    start, end : datetime.date
        First and last day, inclusive.
    file : str
        File name for messages.
    sides : Sequence[str]
        The battle's side ids in legend order (``battle.side_ids``).
    contested : str or None
        The battle's contested side: it holds the rest of a district whose first row
        is partial and names no remainder (``None``: the row's controller holds it all).

    Returns
    -------
    Timeline
        The states and the history. Time and memory grow with the rows of
        *changes* plus the districts plus the days, not with districts times days.

    Raises
    ------
    ValidationError
        When a district has no state on the first day, or a partial row cannot
        tell who holds the remainder.
    """
    if end < start:
        raise ValidationError([Problem("--start/--end", "", "start on or before end",
                                       f"{start} > {end}")])
    n_days = (end - start).days + 1
    dates = [start + timedelta(days=i) for i in range(n_days)]
    status = pd.Series("applied", index=changes.index)
    status[changes["event"] == "repelled"] = "repelled"
    status[changes["date"] > end] = "after-end"
    # sort a small frame of keys, then take the table once (a copy per step was 5x its size)
    keys = pd.concat([changes[["district_id", "date"]], _priority(changes)], axis=1)
    order = keys.reset_index(drop=True).sort_values(list(keys.columns)).index.to_numpy()
    del keys
    hist = changes.iloc[order].assign(status=status.iloc[order].to_numpy())
    live = hist["status"] == "applied"
    dup = hist.loc[live, ["district_id", "date"]].duplicated(keep="first")
    hist.loc[dup[dup].index, "status"] = "superseded"
    # disputed: same district and day, another source, a different claimed state
    claims = hist.loc[hist["status"].isin(["applied", "superseded"]),
                      ["district_id", "date", "controller", "extent", "share", "source_id"]]
    sig = claims["controller"] + "/" + claims["extent"] + "/" + claims["share"].round(3).astype(str)
    grp = claims[["district_id", "date", "source_id"]].assign(sig=sig).groupby(
        ["district_id", "date"])
    n_sig = grp["sig"].transform("nunique")
    n_src = grp["source_id"].transform("nunique")
    del grp, sig
    hist["disputed"] = False
    hist.loc[claims.index, "disputed"] = (n_sig > 1) & (n_src > 1)
    del claims, n_sig, n_src

    need = ["district_id", "date", "controller", "extent", "share", "remainder", "row",
            "change_id", *(c for c in WINDOW_COLUMNS if c in hist.columns)]
    applied = hist.loc[hist["status"] == "applied", need]
    for col in WINDOW_COLUMNS:
        if col not in applied.columns:  # a table typed by hand, without windows
            applied = applied.assign(**{col: applied["date"]})
    ids = pd.Index(list(district_ids))
    if not ids.is_unique:
        ids = ids.drop_duplicates()
    steps = _steps(applied, ids, contested)
    _check_opening(steps, district_ids, ids, start, file)
    intervals = _intervals(steps, ids, start, n_days)
    del applied
    history = hist.sort_values(["date", "district_id", "order"], ignore_index=True)
    del hist
    history["window"] = ""
    if "date_earliest" in history.columns and "date_latest" in history.columns:
        open_ = (history["date_earliest"] < history["date_latest"]).to_numpy(dtype=bool)
        texts = [window_text({str(k): v for k, v in r.items()})
                 for r in history[open_].to_dict("records")]
        history.loc[history.index[open_], "window"] = texts
    return Timeline(dates=dates, district_ids=list(district_ids), intervals=intervals,
                    history=history, sides=tuple(sides))


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def _as_day(value: object) -> date | None:
    if isinstance(value, datetime):  # pandas timestamps too
        return None if pd.isna(value) else value.date()
    if isinstance(value, date):
        return value
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    return date.fromisoformat(text.strip()) if text.strip() else None


def window_text(row: Mapping[str, object]) -> str:
    """Say in one line when a change happened, for a row with a date window.

    Parameters
    ----------
    row : Mapping
        A row of the control table, of :attr:`Timeline.history` or of the
        states (``date_earliest`` and ``date_latest``, or ``window_start`` and
        ``window_end``, as dates or ISO text; ``extent`` optional).

    Returns
    -------
    str
        ``""`` when the row is dated exactly, else for example ``'changed hands
        between 4 and 7 December; the texts do not say when'``.

    Examples
    --------
    >>> window_text({"date_earliest": "2031-12-04", "date_latest": "2031-12-07"})
    'changed hands between 4 and 7 December; the texts do not say when'
    >>> window_text({"window_start": date(2016, 11, 29), "window_end": date(2016, 12, 2),
    ...              "extent": "partial"})
    'was split between 29 November and 2 December; the texts do not say when'
    >>> window_text({"date_earliest": "2031-12-04", "date_latest": "2031-12-04"})
    ''
    """
    lo = _as_day(row.get("date_earliest", row.get("window_start")))
    hi = _as_day(row.get("date_latest", row.get("window_end")))
    if lo is None or hi is None or lo >= hi:
        return ""
    first = f"{lo.day}" if (lo.month, lo.year) == (hi.month, hi.year) else (
        f"{lo.day} {_MONTHS[lo.month - 1]}" + (f" {lo.year}" if lo.year != hi.year else ""))
    verb = "was split" if row.get("extent") == "partial" else "changed hands"
    return f"{verb} between {first} and {hi.day} {_MONTHS[hi.month - 1]}; the texts do not say when"
