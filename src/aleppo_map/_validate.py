"""The one validator: a table read against its schema, every problem reported at once.

:func:`check_table` checks the header (unknown columns, with the closest known name;
missing required columns) and every cell (type, range, allowed values with a close
match, uniqueness, dates within the battle's days) with column operations, so its
cost grows with the number of rows only. It returns the typed table, the problems
and which cells were valid, so that a domain module can add its cross-table checks
(district ids in the gazetteer, source ids in the registry) to the same list and
raise once with :func:`raise_problems`.

Examples
--------
>>> import pandas as pd
>>> from aleppo_map.schema import table, Context
>>> raw = pd.DataFrame({"aggregate": ["north", "North"], "phrases": ["the north", ""],
...                     "members": ["a|b", "c"], "remainer": ["", ""]})
>>> checked = check_table(raw, table("aggregates"), "aggs.csv")
>>> for p in checked.problems:
...     print(p)  # doctest: +NORMALIZE_WHITESPACE
aggs.csv, column 'remainer': expected a column of the aggregate table
  (aggregate, phrases, members, note), got an unknown column
aggs.csv, row 2, column 'aggregate': expected a lowercase slug such as 'old-town', got 'North'
aggs.csv, row 2, column 'phrases': expected one or more '|'-separated values, got ''
>>> checked.frame.loc[0, "members"]
['a', 'b']
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from aleppo_map import _io as io
from aleppo_map._errors import InputFileError, Problem, ValidationError
from aleppo_map.schema import LIST_SEPARATOR, MANIFEST, Column, Context, Table

if TYPE_CHECKING:
    from aleppo_map.battle import Battle

_SHA = r"[0-9a-f]{64}"
_ISO = r"\d{4}-\d{2}-\d{2}"
_COLOUR = r"#[0-9a-fA-F]{6}"


class TableError(ValidationError, InputFileError):
    """Problems with a table's shape (missing or unknown columns), plus any cell problems.

    Both a :class:`~aleppo_map._errors.ValidationError` (every problem listed) and an
    :class:`~aleppo_map._errors.InputFileError` (the file is not of the expected kind).

    Parameters
    ----------
    problems : Iterable[Problem]
        Every problem found.
    head : str
        A first line summing up what is wrong with the header.
    """

    def __init__(self, problems: Iterable[Problem], head: str = "") -> None:
        super().__init__(problems)
        if head:
            self.args = (f"{head}\n{self.args[0]}",)


def closest(value: str, choices: Iterable[str], *, cutoff: float = 60.0) -> str | None:
    """Return the choice closest to *value*, or ``None`` when none is close.

    Parameters
    ----------
    value : str
        What arrived.
    choices : Iterable[str]
        What is allowed.
    cutoff : float
        Least similarity (0 to 100) for a suggestion.

    Returns
    -------
    str or None
        The suggestion.

    Examples
    --------
    >>> closest("remainer", ["remainder", "aggregate", "note"])
    'remainder'
    >>> closest("garison", ["garrison", "levies"])
    'garrison'
    >>> closest("zzz", ["garrison", "levies"]) is None
    True
    """
    options = [c for c in choices if c != value]
    if not value or not options:
        return None
    lowered = {c.lower(): c for c in options}
    if value.lower() in lowered:
        return lowered[value.lower()]
    hit = process.extractOne(value, options, scorer=fuzz.WRatio, score_cutoff=cutoff)
    return None if hit is None else str(hit[0])


def did_you_mean(value: str, choices: Iterable[str], *, cutoff: float = 60.0) -> str:
    """Return the hint ``"did you mean 'x'?"`` for the closest choice, or ``""``.

    Parameters
    ----------
    value : str
        What arrived.
    choices : Iterable[str]
        What is allowed.
    cutoff : float
        Least similarity (0 to 100) for a suggestion.

    Returns
    -------
    str
        The hint.
    """
    best = closest(value, choices, cutoff=cutoff)
    return f"did you mean {best!r}?" if best is not None else ""


@dataclass
class Checked:
    """The result of :func:`check_table`.

    Attributes
    ----------
    frame : pandas.DataFrame
        Every column of the schema (absent optional ones filled with their default),
        typed: text stripped, ``int`` and ``float`` numbers (``float`` NaN when empty),
        ``date`` as :class:`datetime.date` or ``None``, ``list`` as lists of str.
        Columns the schema does not know are dropped. Invalid cells hold a
        placeholder (0, NaN, ``None``); see :attr:`ok`.
    problems : list of Problem
        Every problem, header first, then by row and column.
    ok : dict
        Column name -> boolean Series, ``True`` where the cell is valid.
    file : str
        The file name used in messages.
    head : str
        A summary line when required columns are missing (else ``""``).
    missing : list of str
        Required columns the header lacks.
    text : dict
        Column name -> the cells as read (stripped strings), shown in messages.
    """

    frame: pd.DataFrame
    problems: list[Problem]
    ok: dict[str, pd.Series]
    file: str
    head: str = ""
    missing: list[str] = field(default_factory=list)
    text: dict[str, pd.Series] = field(default_factory=dict)

    def add(self, column: str, expected: str, got: str, rows: Iterable[int] | None = None,
            hint: str = "") -> None:
        """Add one problem (or one per row of *rows*, 0-based positions).

        Parameters
        ----------
        column : str
            Column concerned.
        expected : str
            What a valid value looks like.
        got : str
            What arrived.
        rows : Iterable[int], optional
            0-based row positions; ``None`` for a problem about the whole table.
        hint : str
            Advice.
        """
        if rows is None:
            self.problems.append(Problem(self.file, column, expected, got, hint=hint))
            return
        for r in rows:
            self.problems.append(Problem(self.file, column, expected, got, row=int(r) + 1,
                                         hint=hint))

    def bad(self, column: str, mask: pd.Series, expected: str,
            got: Callable[[Any], str] = repr, hint: Callable[[Any], str] | None = None) -> None:
        """Add a problem for every row where *mask* is true, and mark those cells invalid.

        Parameters
        ----------
        column : str
            Column concerned.
        mask : pandas.Series
            Boolean, aligned with :attr:`frame`.
        expected : str
            What a valid value looks like.
        got : callable
            Formats the cell's value (``repr`` by default).
        hint : callable, optional
            Advice for a value (called once per distinct value).
        """
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        values = self.text.get(column)
        if values is None:
            values = self.frame[column] if column in self.frame else pd.Series(
                "", index=self.frame.index)
        cache: dict[str, str] = {}
        for pos in np.flatnonzero(mask.to_numpy()):
            value = values.iloc[pos]
            text = got(value)
            if hint is not None and text not in cache:
                cache[text] = hint(value)
            self.problems.append(Problem(self.file, column, expected, text, row=int(pos) + 1,
                                         hint=cache.get(text, "")))
        if column in self.ok:
            self.ok[column] = self.ok[column] & ~mask

    def valid(self, *columns: str) -> pd.Series:
        """Rows where every one of *columns* is valid."""
        out = pd.Series(True, index=self.frame.index)
        for c in columns:
            out &= self.ok.get(c, out)
        return out

    def sorted_problems(self, order: Sequence[str]) -> list[Problem]:
        """Return the problems, header problems first, then by row and column order."""
        pos = {c: i for i, c in enumerate(order)}
        return sorted(self.problems, key=lambda p: (
            -1 if p.row is None else p.row, pos.get(p.column, len(pos))))

    def raise_if_any(self, order: Sequence[str] = ()) -> None:
        """Raise every problem at once (a :class:`TableError` when the header is wrong).

        Parameters
        ----------
        order : Sequence[str]
            Column order for sorting the problems (default: as found).

        Raises
        ------
        ValidationError
            When there is any problem.
        """
        if not self.problems:
            return
        problems = self.sorted_problems(order) if order else self.problems
        if self.head or any(p.row is None and p.got == "an unknown column" for p in problems):
            raise TableError(problems, self.head)
        raise ValidationError(problems)


def _as_text(series: pd.Series) -> pd.Series:
    """Cells as stripped strings (``""`` for missing), whatever their dtype."""
    if pd.api.types.infer_dtype(series, skipna=False) in ("string", "empty"):
        # the string dtype (Arrow-backed where available) strips and matches in C
        return series.astype("str").str.strip()

    def one(v: Any) -> str:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return ""
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, list | tuple):
            return LIST_SEPARATOR.join(map(str, v))
        return str(v).strip()

    return series.map(one).astype("str")


def _check_header(chk: Checked, raw: pd.DataFrame, schema: Table) -> None:
    present = [str(c) for c in raw.columns]
    known = set(schema.names)
    unknown = [c for c in present if c not in known]
    missing = [c for c in schema.required if c not in present]
    free = [c for c in schema.names if c not in present]
    listing = ", ".join(schema.names)
    for col in unknown:
        chk.add(col, f"a column of the {schema.what} ({listing})", "an unknown column",
                hint=did_you_mean(col, free or schema.names, cutoff=70))
    for col in missing:
        guess = closest(col, unknown, cutoff=70)
        chk.add(col, f"a column of the {schema.what}", "no such column",
                hint=f"is {guess!r} a misspelling?" if guess else "")
    chk.missing = missing
    if missing:
        chk.head = (f"{chk.file}: the {schema.what} lacks column(s) "
                    f"{', '.join(map(repr, missing))}; expected columns {listing}, got "
                    f"{', '.join(present) or 'none'}")


# Each checker marks the bad cells of one column (``filled``: the non-empty ones) and
# returns the column typed.
_Checker = Callable[[Checked, Column, pd.Series, pd.Series, Context], pd.Series]


def _distinct(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Code each cell by its value: the codes, and the distinct values as a Series.

    A checker that works cell by cell can work on the distinct values (a column of
    dates, numbers or names holds few) and spread its results back with :func:`_spread`.
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=False)
    return codes, pd.Series(uniques, dtype=text.dtype)


def _spread(values: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Give each cell the result of its distinct value (see :func:`_distinct`)."""
    return values.take(codes).set_axis(index)


def _numbers(chk: Checked, col: Column, text: pd.Series, filled: pd.Series,
             ctx: Context) -> pd.Series:
    codes, value = _distinct(text)  # parsed once per distinct value
    given = value != ""
    num = pd.to_numeric(value.where(given), errors="coerce")
    bad = given & (num.isna() | ~np.isfinite(num.fillna(0)))
    if col.kind == "int":
        bad |= given & ~value.str.fullmatch(r"[+-]?\d+")
    lo, hi = col.minimum, col.maximum
    if lo is not None:
        bad |= given & ((num <= lo) if col.min_exclusive else (num < lo))
    if hi is not None:
        bad |= given & ((num >= hi) if col.max_exclusive else (num > hi))
    num, bad = _spread(num, codes, text.index), _spread(bad, codes, text.index)
    chk.bad(col.name, bad, col.expected(ctx))
    if col.kind == "int":
        return num.where(~bad & filled, 0).astype("int64")
    return num.where(~bad).astype(float)


def _dates(chk: Checked, col: Column, text: pd.Series, _filled: pd.Series,
           ctx: Context) -> pd.Series:
    codes, value = _distinct(text)  # parsed once per distinct value
    parsed = pd.to_datetime(value.where(value.str.fullmatch(_ISO)), format="%Y-%m-%d",
                            errors="coerce")
    bad = (value != "") & parsed.isna()
    outside = pd.Series(False, index=value.index)
    if col.within_battle and ctx.days is not None:
        first, last = ctx.days
        outside = ~bad & (value != "") & ((parsed < pd.Timestamp(first))
                                          | (parsed > pd.Timestamp(last)))
    days = parsed.dt.date.astype(object).where(parsed.notna(), None)
    chk.bad(col.name, _spread(bad, codes, text.index), col.expected(Context()))
    if col.within_battle and ctx.days is not None:
        chk.bad(col.name, _spread(outside, codes, text.index), col.expected(ctx),
                hint=lambda _: "the battle's days are set in its manifest (battle.toml)")
    return _spread(days, codes, text.index)


def _lists(chk: Checked, col: Column, text: pd.Series, _filled: pd.Series,
           ctx: Context) -> pd.Series:
    items = text.astype(object).map(
        lambda v: [p.strip() for p in v.split(LIST_SEPARATOR) if p.strip()])
    if col.nonempty:
        chk.bad(col.name, items.map(len) == 0, col.expected(ctx))
    return items


def _texts(chk: Checked, col: Column, text: pd.Series, filled: pd.Series,
           ctx: Context) -> pd.Series:
    allowed = col.allowed(ctx)
    value = text.str.lower() if col.kind == "sha256" else text
    pattern = {"sha256": _SHA, "colour": _COLOUR}.get(col.kind, col.pattern)
    if allowed is not None:
        chk.bad(col.name, filled & ~text.isin(allowed), col.expected(ctx),
                hint=lambda v: did_you_mean(str(v), allowed))
    elif pattern:
        chk.bad(col.name, filled & ~value.str.fullmatch(pattern), col.expected(ctx))
    elif col.kind == "slug":
        chk.bad(col.name, filled & ~value.str.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*"),
                "an id of letters, digits, '-', '_' or '.'")
    elif col.kind == "filename":
        chk.bad(col.name, filled & value.str.contains(r"[/\\]"), col.expected(ctx))
    return value.where(filled, col.default) if col.default else value


_CHECKERS: Mapping[str, _Checker] = {
    "int": _numbers, "float": _numbers, "date": _dates, "list": _lists,
}


def _check_column(chk: Checked, col: Column, text: pd.Series, ctx: Context) -> pd.Series:
    """Check one column's cells; return its typed values."""
    empty = text == ""
    if col.nonempty and col.kind != "list":
        chk.bad(col.name, empty, col.expected(ctx),
                got=lambda v: repr(v) if v != "" else "empty")
    checker = _texts if col.allowed(ctx) is not None else _CHECKERS.get(col.kind, _texts)
    return checker(chk, col, text, ~empty, ctx)


def _check_unique(chk: Checked, col: Column) -> None:
    key = chk.text[col.name].str.lower() if col.kind == "sha256" else chk.text[col.name]
    usable = chk.ok[col.name] & (key != "")
    if pd.Index(key[usable]).is_unique:  # every id once: the usual case (an Index hashes fast)
        return
    dup = usable & key.where(usable).duplicated(keep="first")
    if not dup.any():
        return
    firsts = key[usable].drop_duplicates(keep="first")
    first_row = dict(zip(firsts, firsts.index + 1, strict=True))
    chk.bad(col.name, dup, col.unique_text or "a unique id",
            got=lambda v: f"{v!r}, already used on row {first_row[str(v)]}")


def check_table(
    frame: pd.DataFrame,
    schema: Table,
    file: str,
    *,
    battle: Battle | None = None,
    sides: Sequence[str] | None = None,
    days: tuple[date, date] | None = None,
    context: Context | None = None,
) -> Checked:
    """Check a table against its schema, collecting every problem.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read (strings; typed values are accepted and read as text).
    schema : Table
        Its schema.
    file : str
        The file name for messages (the user's path).
    battle : Battle, optional
        Supplies the allowed sides and days.
    sides, days : optional
        Override the battle's side ids and ``(first, last)`` days.
    context : Context, optional
        Use this context instead of building one from *battle*, *sides*, *days*.

    Returns
    -------
    Checked
        Typed table, problems and the mask of valid cells.
    """
    ctx = context if context is not None else Context.of(battle, sides=sides, days=days)
    raw = frame.reset_index(drop=True)
    raw.columns = [str(c).strip() for c in raw.columns]
    typed = pd.DataFrame(index=raw.index)
    chk = Checked(typed, [], {}, file)
    _check_header(chk, raw, schema)
    for col in schema.columns:
        if col.name in chk.missing:
            continue
        present = col.name in raw
        text = _as_text(raw[col.name]) if present else pd.Series(
            col.default, index=raw.index, dtype="str")
        chk.text[col.name] = text
        chk.ok[col.name] = pd.Series(True, index=raw.index)
        if not present:  # an absent optional column: its default, unchecked
            chk.frame[col.name] = _check_column(Checked(typed.copy(), [], {}, file), col,
                                                text, ctx)
            continue
        chk.frame[col.name] = _check_column(chk, col, text, ctx)
        if col.unique:
            _check_unique(chk, col)
    return chk


def validate_table(frame: pd.DataFrame, schema: Table, file: str, **kwargs: Any) -> pd.DataFrame:
    """Check a table and return it typed, or raise every problem at once.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read.
    schema : Table
        Its schema.
    file : str
        File name for messages.
    **kwargs
        ``battle``, ``sides``, ``days`` or ``context``, as for :func:`check_table`.

    Returns
    -------
    pandas.DataFrame
        As :attr:`Checked.frame`.

    Raises
    ------
    ValidationError
        Listing every problem (:class:`TableError` when the header is wrong).
    """
    chk = check_table(frame, schema, file, **kwargs)
    chk.raise_if_any(schema.names)
    return chk.frame


def read_table(path: Path | str, schema: Table, **kwargs: Any) -> Checked:
    """Read a CSV file and check it against its schema.

    Parameters
    ----------
    path : pathlib.Path or str
        The user's file (named in every message).
    schema : Table
        Its schema.
    **kwargs
        As for :func:`check_table`.

    Returns
    -------
    Checked
        See :func:`check_table`.

    Raises
    ------
    InputFileError
        When the file is missing, not UTF-8, not comma-separated, or empty.
    """
    frame = io.read_csv(Path(path), schema.what, min_rows=schema.min_rows)
    return check_table(frame, schema, str(path), **kwargs)


def isin_set(values: pd.Series, known: set[str] | frozenset[str]) -> pd.Series:
    """Return ``values.isin(known)``, testing each distinct value once.

    (pandas turns every element of a large *known* into an Arrow scalar first.)

    Parameters
    ----------
    values : pandas.Series
        A column.
    known : set of str
        The values that count.

    Returns
    -------
    pandas.Series
        Boolean, on the index of *values*; missing values are not in *known*.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    hit = np.fromiter((u in known for u in uniques.tolist()), dtype=bool, count=len(uniques))
    return pd.Series(np.append(hit, False)[codes], index=values.index)


def unknown_values(
    chk: Checked,
    column: str,
    known: Iterable[str] | Mapping[str, Any],
    expected: str,
    *,
    suggest: Callable[[str], list[str]] | None = None,
    only: pd.Series | None = None,
) -> None:
    """Cross-table check: every (non-empty, valid) value of *column* must be in *known*.

    Parameters
    ----------
    chk : Checked
        The checked table; problems are added to it.
    column : str
        The column.
    known : Iterable[str]
        The known values (gazetteer ids, registry ids...).
    expected : str
        What a valid value is, for the message.
    suggest : callable, optional
        ``suggest(value) -> list`` of close known values; default: the closest by
        :func:`closest`.
    only : pandas.Series, optional
        Restrict the check to these rows.
    """
    if column not in chk.frame:
        return
    known_set = set(known)
    values = chk.frame[column]
    mask = chk.ok[column] & (values != "") & ~isin_set(values, known_set)
    if only is not None:
        mask &= only

    def hint(value: Any) -> str:
        if suggest is not None:
            close = suggest(str(value))
            return "did you mean " + " or ".join(map(repr, close)) + "?" if close else ""
        return did_you_mean(str(value), known_set)

    chk.bad(column, mask, expected, hint=hint)


# --------------------------------------------------------------------------- the manifest
_MANIFEST_REQUIRED = ("battle", "sides")


def _manifest_value_ok(col: Column, value: Any) -> bool:
    kind = col.kind
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "date":
        if isinstance(value, date):
            return not hasattr(value, "hour")
        return isinstance(value, str) and re.fullmatch(_ISO, value) is not None and _iso(value)
    if not isinstance(value, str):
        return False
    if kind == "colour":
        return re.fullmatch(_COLOUR, value) is not None
    if kind == "crs":
        return value.lower() == "utm" or re.fullmatch(r"EPSG:\d{4,5}", value) is not None
    if kind in ("slug", "id"):
        return re.fullmatch(col.pattern or r"[a-z0-9][a-z0-9_-]*", value) is not None
    return value.strip() != ""


def _iso(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def check_manifest(data: Mapping[str, Any], origin: str) -> list[Problem]:
    """Check a parsed battle manifest against :data:`aleppo_map.schema.MANIFEST`.

    Unknown sections and keys are errors with the closest known name; required keys
    must be present; every value must be of its key's kind. Rules that relate keys
    (last day after first day, side ids unique, the reference side one of them) are
    checked by :meth:`aleppo_map.battle.Battle.from_dict`.

    Parameters
    ----------
    data : Mapping
        The manifest as parsed by :mod:`tomllib`.
    origin : str
        Its path, for messages.

    Returns
    -------
    list of Problem
        Every problem (empty when the manifest is well formed).

    Examples
    --------
    >>> for p in check_manifest({"battle": {"name": "X", "first_day": "2020-01-01",
    ...                                     "last_dya": "2020-01-02"},
    ...                          "sides": [{"id": "a", "colour": "red"}]}, "m.toml"):
    ...     print(p)  # doctest: +NORMALIZE_WHITESPACE
    m.toml, column 'battle.last_dya': expected a key of the [battle] section
      (id, name, title, first_day, last_day, metric_crs), got an unknown key
      (did you mean 'last_day'?)
    m.toml, column 'battle.last_day': expected an ISO date YYYY-MM-DD, got no such key
    m.toml, column 'sides[1].colour': expected a colour #rrggbb, got 'red'
    """
    problems: list[Problem] = []
    sections = MANIFEST
    problems.extend(Problem(origin, key, "a section of the manifest (" + ", ".join(sections) + ")",
                            "an unknown section", hint=did_you_mean(key, sections, cutoff=70))
                    for key in data if key not in sections)
    for name, spec in sections.items():
        if name not in data:
            if name in _MANIFEST_REQUIRED:
                problems.append(Problem(origin, name, f"a {spec.what}", "none"))
            continue
        value = data[name]
        if name == "sides":
            if not isinstance(value, list) or not value:
                problems.append(Problem(origin, name, "at least one [[sides]] entry",
                                        repr(value)))
                continue
            entries = [(f"sides[{i}].", v) for i, v in enumerate(value, start=1)]
        else:
            entries = [(f"{name}.", value)]
        for prefix, entry in entries:
            problems.extend(_check_entry(entry, spec, origin, prefix))
    return problems


def _check_entry(entry: Any, spec: Table, origin: str, prefix: str) -> list[Problem]:
    """Check one section (or one ``[[sides]]`` table) of the manifest."""
    if not isinstance(entry, Mapping):
        return [Problem(origin, prefix.rstrip("."), f"a {spec.what}", repr(entry))]
    problems = [
        Problem(origin, prefix + key, f"a key of the {spec.what} ({', '.join(spec.names)})",
                "an unknown key",
                hint=did_you_mean(key, [c for c in spec.names if c not in entry], cutoff=70))
        for key in entry if key not in spec
    ]
    for col in spec.columns:
        if col.name not in entry:
            if col.required:
                problems.append(Problem(origin, prefix + col.name, col.expected(),
                                        "no such key"))
        elif not _manifest_value_ok(col, entry[col.name]):
            problems.append(Problem(origin, prefix + col.name, col.expected(),
                                    repr(entry[col.name])))
    return problems
