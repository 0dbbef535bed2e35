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

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import numpy as np
import pandas as pd

from aleppo_map._errors import Problem, ValidationError
from aleppo_map.battle import default_battle
from aleppo_map.settings import BASES, CONFIDENCES, CONTROLLERS, EVENTS, EXTENTS

#: Columns of the control-change table, in file order.
CHANGE_COLUMNS: tuple[str, ...] = (
    "change_id", "date", "district_id", "controller", "extent", "share", "remainder",
    "event", "basis", "source_id", "line", "confidence", "aggregate", "note",
)
#: Columns that may be absent from a user's table (they default to empty).
OPTIONAL_COLUMNS: tuple[str, ...] = ("remainder", "aggregate", "note", "change_id")

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
#: Contested side of the embedded battle: the default for callers that pass no battle.
_DEFAULT_CONTESTED: str | None = next(
    (s.id for s in default_battle().sides if s.contested), None)


def _choice(value: str, allowed: Sequence[str]) -> bool:
    return value in allowed


def validate_changes(
    frame: pd.DataFrame,
    file: str,
    district_ids: Sequence[str],
    source_ranks: Mapping[str, int],
    *,
    aggregates: Sequence[str] | None = None,
    suggest: Callable[[str], list[str]] | None = None,
    sides: Sequence[str] = CONTROLLERS,
) -> pd.DataFrame:
    """Check every row of a control-change table and return it typed.

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
    sides : Sequence[str]
        The battle's side ids (``battle.side_ids``): the allowed ``controller`` and
        ``remainder`` values. The default is the embedded battle's, for old callers.

    Returns
    -------
    pandas.DataFrame
        Typed copy: ``date`` as :class:`datetime.date`, ``share`` as float (1.0 when
        full), ``line`` as int, ``remainder`` and ``aggregate`` as ``str`` or ``""``,
        plus ``row`` (1-based data row) and ``order`` (file position).

    Raises
    ------
    ValidationError
        Listing every problem found.
    """
    frame = frame.copy()
    problems: list[Problem] = []
    missing = [c for c in CHANGE_COLUMNS if c not in frame.columns and c not in OPTIONAL_COLUMNS]
    if missing:
        raise ValidationError(
            [Problem(file, c, "a column of the control table", "no such column") for c in missing]
        )
    for col in OPTIONAL_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    if (frame["change_id"] == "").all():
        frame["change_id"] = [f"R{i + 1}" for i in range(len(frame))]
    known = set(district_ids)
    dates: list[date | None] = []
    shares: list[float] = []
    lines: list[int] = []
    seen_ids: dict[str, int] = {}
    for i, rec in enumerate(frame.to_dict("records"), start=1):

        def bad(col: str, expected: str, got: str, hint: str = "", _i: int = i) -> None:
            problems.append(Problem(file, col, expected, got, row=_i, hint=hint))

        cid = rec["change_id"].strip()
        if not _ID_RE.match(cid):
            bad("change_id", "a non-empty id of letters, digits, '-', '_' or '.'", repr(cid))
        elif cid in seen_ids:
            bad("change_id", "a unique id", f"{cid!r}, already used on row {seen_ids[cid]}")
        else:
            seen_ids[cid] = i
        try:
            dates.append(date.fromisoformat(rec["date"].strip()))
        except ValueError:
            dates.append(None)
            bad("date", "an ISO date YYYY-MM-DD", repr(rec["date"]))
        did = rec["district_id"].strip()
        if did not in known:
            hint = ""
            if suggest is not None:
                close = suggest(did)
                if close:
                    hint = "did you mean " + " or ".join(repr(c) for c in close) + "?"
            bad("district_id", "a district id of the gazetteer", repr(did), hint)
        controller = rec["controller"].strip()
        if not _choice(controller, sides):
            bad("controller", "one of " + ", ".join(sides), repr(controller))
        extent = rec["extent"].strip()
        if not _choice(extent, EXTENTS):
            bad("extent", "one of " + ", ".join(EXTENTS), repr(extent))
        raw_share = rec["share"].strip()
        share = 1.0
        if extent == "partial":
            try:
                share = float(raw_share)
                if not 0.0 < share < 1.0:
                    raise ValueError
            except ValueError:
                bad("share", "a number strictly between 0 and 1 for a partial row", repr(raw_share))
                share = float("nan")
        elif raw_share not in ("", "1", "1.0"):
            bad("share", "empty (or 1) for a full row", repr(raw_share))
        shares.append(share)
        remainder = rec["remainder"].strip()
        if remainder:
            if extent != "partial":
                bad("remainder", "empty for a full row", repr(remainder))
            elif not _choice(remainder, sides):
                bad("remainder", "empty or one of " + ", ".join(sides), repr(remainder))
            elif remainder == controller:
                bad("remainder", "a side other than the controller", repr(remainder))
        event = rec["event"].strip()
        if not _choice(event, EVENTS):
            bad("event", "one of " + ", ".join(EVENTS), repr(event))
        if not _choice(rec["basis"].strip(), BASES):
            bad("basis", "one of " + ", ".join(BASES), repr(rec["basis"]))
        if not _choice(rec["confidence"].strip(), CONFIDENCES):
            bad("confidence", "one of " + ", ".join(CONFIDENCES), repr(rec["confidence"]))
        sid = rec["source_id"].strip()
        if sid not in source_ranks:
            bad("source_id", "an id of the source registry (" + ", ".join(source_ranks) + ")",
                repr(sid))
        try:
            line = int(rec["line"])
            if line < 1:
                raise ValueError
        except ValueError:
            bad("line", "a line number >= 1 in the cited source", repr(rec["line"]))
            line = 0
        lines.append(line)
        agg = rec["aggregate"].strip()
        if agg and aggregates is not None and agg not in aggregates:
            bad("aggregate", "empty or a key of aggregates.csv", repr(agg))
        if agg and rec["basis"].strip() == "stated":
            bad("basis", "'inferred' or 'background' for a row that applies an aggregate",
                "'stated'")
    if problems:
        raise ValidationError(problems)
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].str.strip()
    out["date"] = dates
    out["share"] = shares
    out["line"] = lines
    out["row"] = np.arange(1, len(out) + 1)
    out["order"] = np.arange(len(out))
    out["source_rank"] = [source_ranks[s] for s in out["source_id"]]
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


@dataclass(frozen=True)
class Timeline:
    """Daily state of every district, and every row's fate.

    Attributes
    ----------
    dates : list of datetime.date
        Every day from start to end, inclusive.
    district_ids : list of str
        Districts covered, in gazetteer order.
    states : pandas.DataFrame
        Long table, one row per (date, district): ``controller``, ``share``,
        ``remainder`` (``""`` when full), ``extent``, ``since`` (first day of the
        current unchanged state) and ``change_id`` (the row that set it).
    history : pandas.DataFrame
        Every row of the change table with ``status``: ``applied``, ``superseded``
        (lost the same-day rule), ``repelled`` or ``after-end``; and ``disputed``
        (another source reported a different state for the same district and day).
    sides : tuple of str
        The battle's side ids, in legend order (the columns of :meth:`fractions`).
    """

    dates: list[date]
    district_ids: list[str]
    states: pd.DataFrame
    history: pd.DataFrame
    sides: tuple[str, ...] = CONTROLLERS

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
            ``change_id``, in gazetteer order.
        """
        d = self._day(day)
        sub = self.states[self.states["date"] == d]
        return sub.drop(columns="date").set_index("district_id")

    def fractions(self) -> pd.DataFrame:
        """Share of each district held by each side, per day.

        Returns
        -------
        pandas.DataFrame
            Columns ``date``, ``district_id`` and one column per side of
            :attr:`sides`; the shares of a row sum to 1.
        """
        st = self.states
        out = st[["date", "district_id"]].copy()
        for side in self.sides:
            own = np.where(st["controller"] == side, st["share"], 0.0)
            rest = np.where(st["remainder"] == side, 1.0 - st["share"], 0.0)
            out[side] = own + rest
        return out

    @cached_property
    def change_days(self) -> list[date]:
        """Days (after the first) on which at least one district's state differs from the day before."""
        key = self.states[["date", "district_id", "controller", "share", "remainder"]].copy()
        wide = key.pivot(index="date", columns="district_id",
                         values=["controller", "share", "remainder"])
        changed = (wide != wide.shift()).any(axis=1)
        return [d for d, c in zip(wide.index, changed, strict=True) if c and d != self.dates[0]]

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
    sides: Sequence[str] = CONTROLLERS,
    contested: str | None = _DEFAULT_CONTESTED,
) -> Timeline:
    """Compute the daily state of every district.

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
        The daily states and the history.

    Raises
    ------
    ValidationError
        When a district has no state on the first day, or a partial row cannot
        tell who holds the remainder.
    """
    if end < start:
        raise ValidationError([Problem("--start/--end", "", "start on or before end",
                                       f"{start} > {end}")])
    dates = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    hist = changes.copy()
    hist["status"] = "applied"
    hist.loc[hist["event"] == "repelled", "status"] = "repelled"
    hist.loc[hist["date"] > end, "status"] = "after-end"
    prio = _priority(hist)
    hist = pd.concat([hist, prio], axis=1).sort_values(
        ["district_id", "date", "k_conf", "k_basis", "k_source", "k_line", "k_order"]
    )
    live = hist["status"] == "applied"
    dup = hist[live].duplicated(["district_id", "date"], keep="first")
    hist.loc[dup[dup].index, "status"] = "superseded"
    # disputed: same district and day, another source, a different claimed state
    claims = hist[hist["status"].isin(["applied", "superseded"])]
    sig = claims["controller"] + "/" + claims["extent"] + "/" + claims["share"].round(3).astype(str)
    grp = claims.assign(sig=sig).groupby(["district_id", "date"])
    n_sig = grp["sig"].transform("nunique")
    n_src = grp["source_id"].transform("nunique")
    hist["disputed"] = False
    hist.loc[claims.index, "disputed"] = (n_sig > 1) & (n_src > 1)

    problems: list[Problem] = []
    per_district: dict[str, list[tuple[date, State, str]]] = {d: [] for d in district_ids}
    applied = hist[hist["status"] == "applied"]
    cols = ["district_id", "date", "controller", "extent", "share", "remainder", "row",
            "change_id"]
    prev_by: dict[str, State] = {}
    # rows are sorted by district then date: one pass, no per-group conversion
    for rec in applied[cols].to_dict("records"):
        did = rec["district_id"]
        seq = per_district.get(did)
        if seq is None:
            continue
        prev = prev_by.get(did)
        new = _next_state(prev, rec, contested)
        if new != prev:
            seq.append((rec["date"], new, rec["change_id"]))
        prev_by[did] = new
    for did in district_ids:
        seq = per_district[did]
        if not seq or seq[0][0] > start:
            problems.append(
                Problem(
                    file, "district_id",
                    f"a row dated on or before {start} giving the opening state of every district",
                    f"no state for {did!r} on {start}"
                    + (f" (its first row is dated {seq[0][0]})" if seq else " (no row at all)"),
                )
            )
    if problems:
        raise ValidationError(problems)

    records = []
    for did in district_ids:
        seq = per_district[did]
        k = 0
        for d in dates:
            while k + 1 < len(seq) and seq[k + 1][0] <= d:
                k += 1
            eff, st, cid = seq[k]
            since = max(eff, start)
            records.append((d, did, st.controller, st.share, st.remainder or "", st.extent, since,
                            cid))
    states = pd.DataFrame(
        records,
        columns=["date", "district_id", "controller", "share", "remainder", "extent", "since",
                 "change_id"],
    ).sort_values(["date"], kind="stable", ignore_index=True)
    history = hist.drop(columns=list(prio.columns)).sort_values(
        ["date", "district_id", "order"], ignore_index=True
    )
    return Timeline(dates=dates, district_ids=list(district_ids), states=states, history=history,
                    sides=tuple(sides))
