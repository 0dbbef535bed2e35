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
from typing import TYPE_CHECKING, Any

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
    # a date window must hold the date the text gives (column-wise: valid dates are
    # YYYY-MM-DD, so their text sorts as they do)
    for col, later, expected in (("date_earliest", True, "a day on or before the row's date"),
                                 ("date_latest", False, "a day on or after the row's date")):
        bound, day_text = chk.text[col], chk.text["date"]
        outside = (bound > day_text) if later else (bound < day_text)
        chk.bad(col, ok("date", col) & (bound != "") & outside, expected,
                hint=lambda _v: "the date the text gives must lie in the window")
    chk.raise_if_any(CHANGE_COLUMNS)
    # an empty bound is the row's date: a row without a window has earliest == latest == date
    day = out["date"].to_numpy()
    for col in WINDOW_COLUMNS:
        given = out[col].to_numpy()
        filled = np.where(pd.isna(given), day, given)  # the cells are dates or None
        out[col] = filled if len(filled) else []  # (a table of no rows: typed as before)
    out["share"] = out["share"].where(partial, 1.0)
    out["line"] = out["line"].astype(int)
    out["row"] = np.arange(1, len(out) + 1)
    out["order"] = np.arange(len(out))
    codes, source_ids = pd.factorize(out["source_id"])  # every id is known by now
    out["source_rank"] = np.array([source_ranks[s] for s in source_ids], dtype=int)[codes]
    return out


_CONF_RANK = {c: i for i, c in enumerate(CONFIDENCES)}
_BASIS_RANK = {b: i for i, b in enumerate(BASES)}
#: The dtype pandas gives a column of ``str`` (Arrow-backed ``str`` with pandas 3).
_TEXT: Any = pd.Series([""]).dtype
#: Statuses of the history, by code (see :attr:`Timeline.history`).
_STATUSES: tuple[str, ...] = ("applied", "superseded", "repelled", "after-end")
_APPLIED, _SUPERSEDED, _REPELLED, _AFTER_END = range(len(_STATUSES))


def _texts(values: Sequence[object]) -> pd.api.extensions.ExtensionArray:
    """Return a few strings as a pandas array of :data:`_TEXT`, to be taken from by code."""
    out: pd.api.extensions.ExtensionArray = pd.array(list(values), dtype=_TEXT)
    return out


def _rank(values: pd.Series, ranks: Mapping[str, int]) -> np.ndarray:
    """Rank of each value by *ranks*; a value *ranks* lacks (or a missing one) ranks last."""
    codes, uniques = pd.factorize(values)
    last = len(ranks)
    table = np.array([ranks.get(str(u), last) for u in uniques] + [last], dtype=np.int64)
    return table[codes]  # a code of -1 (missing) reads the last entry


def _priority_order(changes: pd.DataFrame, district: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Positions of the rows sorted by district, day, then the same-day rule (winner first).

    The same-day rule: confidence high > medium > low, basis stated > inferred >
    background, source rank (lower first), the later line, the later row of the file.
    """
    return np.lexsort((
        -changes["order"].to_numpy(dtype=np.int64),
        -changes["line"].to_numpy(dtype=np.int64),
        changes["source_rank"].to_numpy(dtype=np.int64),
        _rank(changes["basis"], _BASIS_RANK),
        _rank(changes["confidence"], _CONF_RANK),
        day,
        district,
    ))


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
    ctrl, rem = frame["controller"], frame["remainder"]
    share = frame["share"].to_numpy(dtype=float)
    return {
        side: (np.where((ctrl == side).to_numpy(dtype=bool), share, 0.0)
               + np.where((rem == side).to_numpy(dtype=bool), 1.0 - share, 0.0))
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


@dataclass(frozen=True)
class _Steps:
    """The changes of state of every district, column-wise (rows by district, then date).

    Attributes
    ----------
    pos : numpy.ndarray
        The district's position in the districts covered.
    src : numpy.ndarray
        The row of the control table that sets the state.
    eff, earliest, latest : numpy.ndarray
        Proleptic ordinals of the row's ``date``, ``date_earliest``, ``date_latest``.
    controller, remainder : numpy.ndarray
        Codes into :attr:`sides` (code 0 is ``""``: no remainder).
    share : numpy.ndarray
        The controller's share.
    sides : list of str
        The names of the codes.
    """

    pos: np.ndarray
    src: np.ndarray
    eff: np.ndarray
    earliest: np.ndarray
    latest: np.ndarray
    controller: np.ndarray
    remainder: np.ndarray
    share: np.ndarray
    sides: list[str]


def _side_codes(changes: pd.DataFrame, contested: str | None) -> tuple[np.ndarray, np.ndarray,
                                                                       list[str], int]:
    """Code the controllers and remainders of the table (``""`` is code 0).

    Returns the controller codes, the remainder codes, the names of the codes and the
    code of *contested* (-1 when ``None``).
    """
    c_codes, c_names = pd.factorize(changes["controller"])
    r_codes, r_names = pd.factorize(changes["remainder"])
    vocab: dict[str, int] = {"": 0}
    for name in [*c_names, *r_names, *([contested] if contested is not None else [])]:
        vocab.setdefault(name, len(vocab))
    missing = len(vocab)  # a missing cell (validated tables have none): its own code
    c_table = np.array([vocab[v] for v in c_names] + [missing], dtype=np.int64)
    r_table = np.array([vocab[v] for v in r_names] + [missing], dtype=np.int64)
    names = [*vocab, ""]
    return (c_table[c_codes], r_table[r_codes], names,
            vocab[contested] if contested is not None else -1)


def _fill_remainders(ctrl: np.ndarray, rem: np.ndarray, share: np.ndarray,
                     starts: np.ndarray, todo: np.ndarray, contested: int) -> None:
    """Give the partial rows *todo* that name no remainder the holder of the rest, in place.

    The rest goes by the state before the row (the row above, of the same district) or,
    for a district's first row, to *contested* (-1: the row's controller). A row waits
    for the row above when that one is waiting too: each round settles every row whose
    row above is settled; a chain of such rows longer than a few rounds is finished
    one row at a time, in order.
    """
    waiting = np.zeros(len(ctrl), dtype=bool)
    waiting[todo] = True
    rounds = 0
    while len(todo) and rounds < 4:
        ready = starts[todo] | ~waiting[np.maximum(todo - 1, 0)]
        i = todo[ready]
        p = np.maximum(i - 1, 0)
        c, pc, pr = ctrl[i], ctrl[p], rem[p]
        by_before = np.select([pr == 0, c == pc, c == pr], [pc, pr, pc],
                              np.where(share[p] >= 0.5, pc, pr))
        first = np.full(len(i), contested) if contested >= 0 else c
        rem[i] = np.where(starts[i], first, by_before)
        waiting[i] = False
        todo = todo[~ready]
        rounds += 1
    for i in todo.tolist():  # long chains: one by one
        c, pc, pr = ctrl[i], ctrl[i - 1], rem[i - 1]
        if starts[i]:
            rem[i] = contested if contested >= 0 else c
        elif pr == 0:
            rem[i] = pc
        elif c == pc:
            rem[i] = pr
        elif c == pr:
            rem[i] = pc
        else:
            rem[i] = pc if share[i - 1] >= 0.5 else pr


def _steps(changes: pd.DataFrame, rows: np.ndarray, pos: np.ndarray, day: np.ndarray,
           contested: str | None) -> _Steps:
    """Return the changes of state of every district.

    *rows* are the applied rows of *changes* sorted by district then date, *pos* their
    district's position, *day* the ordinals of every row's ``date``. A row's state
    follows from the row alone, except for a partial row that names no remainder: that
    one looks at the state before it.
    """
    n = len(rows)
    ctrl_all, rem_all, names, contested_code = _side_codes(changes, contested)
    ctrl = ctrl_all[rows]
    full = (changes["extent"] == "full").to_numpy(dtype=bool)[rows]
    share = np.where(full, 1.0, changes["share"].to_numpy(dtype=float)[rows])
    rem = np.where(full, 0, rem_all[rows])
    starts = np.ones(n, dtype=bool)
    starts[1:] = pos[1:] != pos[:-1]
    _fill_remainders(ctrl, rem, share, starts, np.flatnonzero(~full & (rem == 0)),
                     contested_code)
    same = ~full & (rem == ctrl)
    if same.any():
        # the side already held the whole district: the row cannot say who holds the rest
        r = int(rows[np.flatnonzero(same)[0]])
        raise ValidationError([Problem(
            "control table", "remainder",
            "a remainder holder when a partial row names the side that already holds "
            "the whole district",
            "empty", row=int(changes["row"].iloc[r]),
            hint=f"change {changes['change_id'].iloc[r]}, district {changes['district_id'].iloc[r]}",
        )])
    changed = starts.copy()
    changed[1:] |= ((ctrl[1:] != ctrl[:-1]) | (share[1:] != share[:-1])
                    | (rem[1:] != rem[:-1]))
    src = rows[changed]
    eff = day[src]
    bounds = []
    for col in WINDOW_COLUMNS:
        num = (_day_numbers(changes[col].to_numpy()[src]) if col in changes.columns
               else np.full(len(src), _NO_DAY))  # a table typed by hand, without windows
        bounds.append(np.where(num == _NO_DAY, eff, num))  # an empty bound is the date
    return _Steps(pos=pos[changed], src=src, eff=eff, earliest=bounds[0], latest=bounds[1],
                  controller=ctrl[changed], remainder=rem[changed], share=share[changed],
                  sides=names)


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


def _check_opening(steps: _Steps, district_ids: Sequence[str], ids: pd.Index,
                   start: date, file: str, dates: pd.Series) -> None:
    """Refuse districts without a state on the first day (every one listed)."""
    pos = steps.pos
    first_at = np.full(len(ids), -1)
    heads = np.ones(len(pos), dtype=bool)
    heads[1:] = pos[1:] != pos[:-1]
    first_at[pos[heads]] = np.flatnonzero(heads)
    listed = list(district_ids)
    at = (np.arange(len(ids)) if len(listed) == len(ids)  # no id twice: ids is the list
          else ids.get_indexer(pd.Index(listed)))
    k = first_at[at]
    late = steps.eff[np.maximum(k, 0)] > start.toordinal() if len(pos) else k >= 0
    problems: list[Problem] = []
    for j in np.flatnonzero((k < 0) | late).tolist():
        kj = int(k[j])
        problems.append(Problem(
            file, "district_id",
            f"a row dated on or before {start} giving the opening state of every district",
            f"no state for {listed[j]!r} on {start}"
            + (f" (its first row is dated {dates.iloc[steps.src[kj]]})" if kj >= 0
               else " (no row at all)"),
        ))
    if problems:
        raise ValidationError(problems)


def _concat(parts: list[Any]) -> Any:
    """Join the pieces of one column (numpy or pandas arrays), in order."""
    if len(parts) == 1:
        return parts[0]
    if all(isinstance(p, np.ndarray) for p in parts):
        return np.concatenate(parts)
    return pd.concat([pd.Series(p) for p in parts], ignore_index=True).array


def _take(values: Any, order: np.ndarray) -> Any:
    return values[order] if isinstance(values, np.ndarray) else values.take(order)


_TEXT_COLUMNS = frozenset({"district_id", "controller", "remainder", "extent", "change_id",
                           "window_change_id", "before_controller", "before_remainder",
                           "after_controller", "after_remainder"})
_FLOAT_COLUMNS = frozenset({"share", "before_share", "after_share"})


def _column(name: str, values: list[object]) -> Any:
    """One column of intervals from Python values, typed as a list of them would be."""
    if name in _TEXT_COLUMNS:
        return pd.array(values, dtype=_TEXT)
    if name in ("first", "stop"):
        return np.array(values, dtype=np.int64)
    if name in _FLOAT_COLUMNS:
        return np.array(values, dtype=float)
    if name == "uncertain":
        return np.array(values, dtype=bool)
    out = np.empty(len(values), dtype=object)  # dates, or None
    out[:] = values
    return out


def _windowed_records(steps: _Steps, rows: np.ndarray, ids: pd.Index, changes: pd.DataFrame,
                      start: date, n_days: int) -> tuple[list[tuple[object, ...]], list[int]]:
    """Intervals of the districts with a window, through :func:`_district_intervals`.

    *rows* are positions in *steps*, grouped by district. Returns the intervals and
    the position of each one's district.
    """
    records: list[tuple[object, ...]] = []
    where: list[int] = []
    src = steps.src[rows]
    day = changes["date"].to_numpy()[src]
    change_id = changes["change_id"].take(src).tolist()
    pos = steps.pos[rows].tolist()
    names = steps.sides
    seq: list[_Step] = []
    for i, j in enumerate(rows.tolist()):
        seq.append(_Step(day[i], State(names[steps.controller[j]], float(steps.share[j]),
                                       names[steps.remainder[j]] or None),
                         str(change_id[i]), date.fromordinal(int(steps.earliest[j])),
                         date.fromordinal(int(steps.latest[j]))))
        if i + 1 == len(pos) or pos[i + 1] != pos[i]:  # the district's last step
            cut = _district_intervals(str(ids[pos[i]]), seq, start, n_days)
            records += cut
            where += [pos[i]] * len(cut)
            seq = []
    return records, where


def _intervals(steps: _Steps, ids: pd.Index, start: date, n_days: int,
               changes: pd.DataFrame) -> pd.DataFrame:
    """Cut the steps into intervals: column-wise for districts without a window.

    A district with a date window on any of its steps goes through
    :func:`_district_intervals`; the others get one interval per state.
    """
    pos = steps.pos
    n = len(pos)
    eff = steps.eff - start.toordinal()
    last = np.ones(n, dtype=bool)
    last[:-1] = pos[1:] != pos[:-1]
    nxt = np.empty(n, dtype=np.int64)
    nxt[:-1] = eff[1:]
    nxt[last] = n_days
    windowed = np.zeros(len(ids), dtype=bool)
    windowed[pos[steps.earliest < steps.latest]] = True
    plain = ~windowed[pos] & (nxt > 0)  # a state replaced on or before the first day: none
    cols: dict[str, list[Any]] = {c: [] for c in INTERVAL_COLUMNS}
    keys: list[tuple[np.ndarray, np.ndarray]] = []
    if plain.any():
        p = pos[plain]
        k = len(p)
        first = np.maximum(eff[plain], 0)
        rem = steps.remainder[plain]
        sides = _texts(steps.sides)
        blank = _texts([""]).take(np.zeros(k, dtype=np.intp))
        none = np.full(k, None, dtype=object)
        nan = np.full(k, np.nan)
        for col, values in (
            ("district_id", pd.array(ids, dtype=_TEXT).take(p)),
            ("first", first),
            ("stop", np.minimum(nxt[plain], n_days)),
            ("controller", sides.take(steps.controller[plain])),
            ("share", steps.share[plain]),
            ("remainder", sides.take(rem)),
            ("extent", _texts(["full", "partial"]).take((rem != 0).astype(np.intp))),
            ("since", np.where(eff[plain] > 0, changes["date"].to_numpy()[steps.src[plain]],
                               np.asarray([start], dtype=object))),
            ("change_id", pd.array(changes["change_id"], dtype=_TEXT).take(steps.src[plain])),
            ("uncertain", np.zeros(k, dtype=bool)), ("window_start", none),
            ("window_end", none), ("window_change_id", blank), ("before_controller", blank),
            ("before_share", nan), ("before_remainder", blank), ("after_controller", blank),
            ("after_share", nan), ("after_remainder", blank),
        ):
            cols[col].append(values)
        keys.append((p, first))
    if windowed.any():
        records, where = _windowed_records(steps, np.flatnonzero(windowed[pos]), ids, changes,
                                           start, n_days)
        if records:
            for col, values in zip(INTERVAL_COLUMNS, zip(*records, strict=True), strict=True):
                cols[col].append(_column(col, list(values)))
            keys.append((np.asarray(where, dtype=np.int64),
                         np.asarray([r[1] for r in records], dtype=np.int64)))
    if not keys:  # no district: as a table of no rows reads
        return pd.DataFrame({c: [] for c in INTERVAL_COLUMNS}, columns=list(INTERVAL_COLUMNS))
    data = {c: _concat(v) for c, v in cols.items()}
    order = np.lexsort((np.concatenate([f for _, f in keys]),
                        np.concatenate([p for p, _ in keys])))
    if not (order == np.arange(len(order))).all():
        data = {c: _take(v, order) for c, v in data.items()}
    return pd.DataFrame(data, columns=list(INTERVAL_COLUMNS))


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

    def _in_force(self, day: date | str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Return the intervals (their *columns*, default all) in force on *day*."""
        k = (self._day(day) - self.dates[0]).days
        iv = self.intervals
        first = iv["first"].to_numpy()
        stop = iv["stop"].to_numpy()
        return (iv if columns is None else iv[list(columns)])[(first <= k) & (stop > k)]

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
        sub = self._in_force(day, ["district_id", "controller", "share", "remainder"])
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
    n = len(changes)
    # every key as integers: districts coded in sorted order, days as ordinals
    codes, names = pd.factorize(changes["district_id"], sort=True)
    district = np.where(codes < 0, len(names), codes)  # a missing id sorts last
    day = _day_numbers(changes["date"].to_numpy())
    status = np.full(n, _APPLIED, dtype=np.int8)
    status[(changes["event"] == "repelled").to_numpy(dtype=bool)] = _REPELLED
    status[day > end.toordinal()] = _AFTER_END
    # the same-day rule: sort by district, day and priority; the first live row of a day wins
    order = _priority_order(changes, district, day)
    s_status, s_district, s_day = status[order], district[order], day[order]
    new_day = np.ones(n, dtype=bool)
    new_day[1:] = (s_district[1:] != s_district[:-1]) | (s_day[1:] != s_day[:-1])
    group = np.cumsum(new_day) - 1  # one group per district and day
    live = np.flatnonzero(s_status == _APPLIED)
    beaten = np.zeros(len(live), dtype=bool)
    beaten[1:] = group[live[1:]] == group[live[:-1]]
    s_status[live[beaten]] = _SUPERSEDED
    s_disputed = _disputed(changes, order, s_status, group)
    applied = np.flatnonzero(s_status == _APPLIED)
    ids = pd.Index(list(district_ids))
    if not ids.is_unique:
        ids = ids.drop_duplicates()
    pos_of = np.append(ids.get_indexer(pd.Index(names)), -1)  # -1: not covered
    pos = pos_of[s_district[applied]]
    covered = pos >= 0
    steps = _steps(changes, order[applied[covered]], pos[covered], day, contested)
    _check_opening(steps, district_ids, ids, start, file, changes["date"])
    intervals = _intervals(steps, ids, start, n_days, changes)
    history = _history(changes, order, s_status, s_disputed, district, day)
    return Timeline(dates=dates, district_ids=list(district_ids), intervals=intervals,
                    history=history, sides=tuple(sides))


def _disputed(changes: pd.DataFrame, order: np.ndarray, status: np.ndarray,
              group: np.ndarray) -> np.ndarray:
    """Tell the rows (in *order*) whose district and day another source claims differently.

    Among the applied and superseded rows of one district and day (*group*), a row is
    disputed when the rows give more than one state (controller, extent, share to three
    places) and come from more than one source.
    """
    out = np.zeros(len(order), dtype=bool)
    claims = np.flatnonzero(status <= _SUPERSEDED)
    size = np.bincount(group[claims], minlength=len(order))
    several = claims[size[group[claims]] > 1]  # a lone claim is never disputed
    if not len(several):
        return out
    rows = changes[["controller", "extent", "share", "source_id"]].iloc[order[several]]
    # a claim's state as text, written once per distinct (controller, extent, share)
    ctrl, _ = pd.factorize(rows["controller"])
    extent, _ = pd.factorize(rows["extent"])
    share, _ = pd.factorize(rows["share"].round(3).to_numpy(dtype=float).view(np.int64))
    _, first, state = np.unique(np.stack([ctrl, extent, share], axis=1), axis=0,
                                return_index=True, return_inverse=True)
    some = rows.iloc[first]
    sig = some["controller"] + "/" + some["extent"] + "/" + some["share"].round(3).astype(str)
    grp = pd.DataFrame({"group": group[several],
                        "sig": _codes(sig)[state.reshape(-1)],
                        "source_id": _codes(rows["source_id"])}).groupby("group")
    n_sig = grp["sig"].transform("nunique").to_numpy()
    n_src = grp["source_id"].transform("nunique").to_numpy()
    out[several] = (n_sig > 1) & (n_src > 1)
    return out


def _codes(values: pd.Series) -> np.ndarray:
    """Give each distinct value a number (a float; NaN for a missing value, counted as none)."""
    codes, _ = pd.factorize(values)
    return np.where(codes < 0, np.nan, codes)


def _history(changes: pd.DataFrame, order: np.ndarray, status: np.ndarray,
             disputed: np.ndarray, district: np.ndarray, day: np.ndarray) -> pd.DataFrame:
    """Every row with its status, sorted by date, district and file order (see :class:`Timeline`).

    *status* and *disputed* are given for the rows in *order*.
    """
    n = len(order)
    if not n:  # a table of no rows: typed as pandas types empty columns
        history = changes.assign(status=np.array([], dtype=object)).reset_index(drop=True)
        history["disputed"] = False
        history["window"] = ""
        return history
    row_status = np.empty(n, dtype=np.int8)
    row_status[order] = status
    row_disputed = np.empty(n, dtype=bool)
    row_disputed[order] = disputed
    final = np.lexsort((changes["order"].to_numpy(dtype=np.int64), district, day))
    history = changes.take(final).reset_index(drop=True)
    history["status"] = _texts(_STATUSES).take(row_status[final].astype(np.intp))
    history["disputed"] = row_disputed[final]
    which = np.zeros(n, dtype=np.intp)  # 0: no window; k: the k-th text
    texts: list[str] = []
    if "date_earliest" in history.columns and "date_latest" in history.columns:
        lo = _day_numbers(history["date_earliest"].to_numpy())
        hi = _day_numbers(history["date_latest"].to_numpy())
        open_ = np.flatnonzero((lo < hi) & (lo != _NO_DAY))
        texts = [window_text({str(k): v for k, v in r.items()})
                 for r in history.iloc[open_].to_dict("records")]
        which[open_] = np.arange(1, len(open_) + 1)
    history["window"] = _texts(["", *texts]).take(which)
    return history


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
