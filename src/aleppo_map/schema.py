"""One declarative schema for every input table, and for the battle manifest.

Each table a battle holds (control changes, gazetteer, aggregate statements,
reported figures, source registry) is described here once: its columns, their
types, their allowed values, whether they are required, and what they mean. The
one validator (:mod:`aleppo_map._validate`) reads a table against its schema; the
README's column tables are generated from the same descriptions
(:func:`markdown_table`, ``python -m aleppo_map.schema``), and a test fails when
they drift.

Allowed values may depend on the battle: a ``controller`` must be one of the
battle's side ids, a control-change ``date`` one of its days. A :class:`Context`
carries those; without one, such checks fall back to what can be checked alone.

Examples
--------
>>> t = table("control_changes")
>>> t.column("extent").choices
('full', 'partial')
>>> [c.name for c in t.columns if not c.required]
['change_id', 'remainder', 'aggregate', 'note', 'date_earliest', 'date_latest']
>>> t.column("controller").expected(Context(sides=("red", "blue")))
'one of red, blue'
>>> print(markdown_table("aggregates", Context()).splitlines()[2])
| `aggregate` | slug, unique, required | the key rows of the control table cite in their `aggregate` column |
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from aleppo_map.battle import Battle

#: The kinds of value a column may hold.
Kind = Literal[
    "text", "id", "slug", "enum", "int", "float", "date", "list", "sha256", "filename",
    "colour", "bool", "crs", "table",
]

#: Separator of the items of a ``list`` column.
LIST_SEPARATOR: Final = "|"

_KIND_TEXT: Final[Mapping[str, str]] = MappingProxyType({
    "text": "text",
    "id": "id",
    "slug": "slug",
    "enum": "one of a fixed set",
    "int": "whole number",
    "float": "number",
    "date": "date YYYY-MM-DD",
    "list": "`|`-separated list",
    "sha256": "SHA-256 (64 hex digits)",
    "filename": "file name",
    "colour": "colour `#rrggbb`",
    "bool": "true or false",
    "crs": '"utm" or an EPSG code',
    "table": "array of tables",
})


@dataclass(frozen=True)
class Context:
    """What the allowed values of a table depend on: the battle's sides and days.

    Attributes
    ----------
    sides : tuple of str or None
        Side ids (values of ``controller``, ``remainder``, ``side``); ``None`` means
        unknown, and such columns are then checked as slugs only.
    days : tuple of (datetime.date, datetime.date) or None
        First and last day of the battle, both included; ``None`` leaves dates
        unbounded.
    """

    sides: tuple[str, ...] | None = None
    days: tuple[date, date] | None = None

    @classmethod
    def of(
        cls,
        battle: Battle | None = None,
        *,
        sides: Sequence[str] | None = None,
        days: tuple[date, date] | None = None,
    ) -> Context:
        """Build a context from a battle, and/or explicit sides and days (which win).

        Parameters
        ----------
        battle : Battle, optional
            The battle whose side ids and days to use.
        sides : Sequence[str], optional
            Side ids, overriding the battle's.
        days : tuple of datetime.date, optional
            ``(first, last)``, overriding the battle's.

        Returns
        -------
        Context
            The context.
        """
        if battle is not None:
            sides = battle.side_ids if sides is None else sides
            days = (battle.first_day, battle.last_day) if days is None else days
        return cls(tuple(sides) if sides is not None else None, days)


@dataclass(frozen=True)
class Column:
    """One column of a table (or one key of the manifest).

    Attributes
    ----------
    name : str
        Column name as written in the header.
    kind : Kind
        Type of its values.
    description : str
        What it means, in one or two sentences (Markdown); used for the docs.
    required : bool
        Whether the column must be in the header (an absent optional column is
        filled with *default*).
    nonempty : bool
        Whether every cell must have a value.
    choices : tuple of str
        Allowed values of an ``enum`` column.
    choices_from : str
        ``"sides"`` when the allowed values are the battle's side ids.
    minimum, maximum : float or None
        Bounds of an ``int`` or ``float`` column.
    min_exclusive, max_exclusive : bool
        Whether the bounds are excluded.
    unique : bool
        Whether each value may occur once in the table.
    unique_text : str
        What a repeated value should have been, for messages (default "a unique id").
    within_battle : bool
        Whether a ``date`` must be one of the battle's days.
    default : str
        Value of an empty cell, or of every cell when the column is absent.
    pattern : str
        Regular expression an ``id``, ``slug`` or ``text`` value must match whole.
    pattern_text : str
        What *pattern* asks for, in words (for messages).
    """

    name: str
    kind: Kind
    description: str
    required: bool = True
    nonempty: bool = True
    choices: tuple[str, ...] = ()
    choices_from: Literal["", "sides"] = ""
    minimum: float | None = None
    maximum: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    unique: bool = False
    unique_text: str = ""
    within_battle: bool = False
    default: str = ""
    pattern: str = ""
    pattern_text: str = ""

    def allowed(self, ctx: Context) -> tuple[str, ...] | None:
        """Return the allowed values of an enumerated column in *ctx*, or ``None`` when open.

        Parameters
        ----------
        ctx : Context
            The battle's sides and days.

        Returns
        -------
        tuple of str or None
            The values.
        """
        if self.choices_from == "sides":
            return ctx.sides
        return self.choices or None

    def _range_text(self) -> str:
        lo, hi = self.minimum, self.maximum
        num = "a whole number" if self.kind == "int" else "a number"
        if lo is not None and hi is not None:
            if self.min_exclusive and self.max_exclusive:
                return f"{num} strictly between {lo:g} and {hi:g}"
            left = "above" if self.min_exclusive else "from"
            right = "below" if self.max_exclusive else "up to"
            return f"{num} {left} {lo:g} {right} {hi:g}"
        if lo is not None:
            return f"{num} {'>' if self.min_exclusive else '>='} {lo:g}"
        if hi is not None:
            return f"{num} {'<' if self.max_exclusive else '<='} {hi:g}"
        return num

    def expected(self, ctx: Context | None = None) -> str:
        """Say what a valid value looks like, for messages.

        Parameters
        ----------
        ctx : Context, optional
            The battle's sides and days.

        Returns
        -------
        str
            For example ``"one of full, partial"`` or ``"an ISO date YYYY-MM-DD"``.
        """
        ctx = ctx or Context()
        empty = "" if self.nonempty else "empty or "
        allowed = self.allowed(ctx)
        if allowed is not None:
            return f"{empty}one of " + ", ".join(allowed)
        if self.kind == "date":
            if self.within_battle and ctx.days is not None:
                first, last = ctx.days
                return f"{empty}a day of the battle, from {first} to {last}"
            return f"{empty}an ISO date YYYY-MM-DD"
        if self.kind in ("int", "float"):
            return empty + self._range_text()
        if self.pattern_text:
            return empty + self.pattern_text
        return empty + {
            "text": "a non-empty text",
            "id": "a non-empty id",
            "slug": "a lowercase slug of letters, digits and '-'",
            "enum": "one of the allowed values",
            "list": f"one or more '{LIST_SEPARATOR}'-separated values",
            "sha256": "64 hexadecimal digits",
            "filename": "a bare file name (no folder)",
            "colour": "a colour #rrggbb",
            "bool": "true or false",
            "crs": '"utm" or an EPSG code such as "EPSG:32633"',
            "table": "a table",
        }[self.kind]

    def type_text(self, ctx: Context | None = None, *, manifest: bool = False) -> str:
        """Short type description for the docs ("date, required", "one of ...").

        Parameters
        ----------
        ctx : Context, optional
            The battle's sides and days.
        manifest : bool
            Describe a key of the TOML manifest rather than a CSV column.

        Returns
        -------
        str
            Markdown.
        """
        ctx = ctx or Context()
        allowed = self.allowed(ctx)
        if allowed is not None:
            kind = "one of " + ", ".join(f"`{v}`" for v in allowed)
        elif self.choices_from == "sides":
            kind = "a side id of the battle"
        elif self.kind in ("int", "float"):
            kind = self._range_text().removeprefix("a ")
        elif self.kind == "date" and self.within_battle:
            kind = "date YYYY-MM-DD, a day of the battle"
        elif manifest and self.kind == "list":
            kind = "list of strings"
        else:
            kind = _KIND_TEXT[self.kind]
        parts = [kind]
        if self.unique:
            parts.append("unique")
        if not self.required:
            parts.append("optional" if manifest else "optional column")
        elif self.nonempty:
            parts.append("required")
        else:
            parts.append("may be empty")
        if self.default:
            parts.append(f"default `{self.default}`")
        return ", ".join(parts)


@dataclass(frozen=True)
class Table:
    """The schema of one table.

    Attributes
    ----------
    name : str
        Key of the table in :data:`TABLES` (``"control_changes"``).
    what : str
        What to call it in messages ("control table").
    file : str
        Its usual file name.
    description : str
        One sentence for the docs.
    columns : tuple of Column
        In file order.
    min_rows : int
        Fewest data rows a valid table has (0 for optional content).
    """

    name: str
    what: str
    file: str
    description: str
    columns: tuple[Column, ...]
    min_rows: int = 1
    _by_name: Mapping[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", MappingProxyType({c.name: c for c in self.columns}))

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in file order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the columns that must be in the header."""
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        """Names of the columns that may be absent."""
        return tuple(c.name for c in self.columns if not c.required)

    def column(self, name: str) -> Column:
        """Return the column called *name*.

        Parameters
        ----------
        name : str
            A column name.

        Returns
        -------
        Column
            The column.
        """
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name


# --------------------------------------------------------------------------- vocabularies
#: Extent values: the whole district, or a share of it.
EXTENTS: Final[tuple[str, ...]] = ("full", "partial")
#: Kinds of row in the control table. Only ``repelled`` leaves the state unchanged.
EVENTS: Final[tuple[str, ...]] = ("baseline", "capture", "advance", "recapture", "repelled", "state")
#: How a row is supported by its source.
BASES: Final[tuple[str, ...]] = ("stated", "inferred", "background")
#: Confidence levels, strongest first.
CONFIDENCES: Final[tuple[str, ...]] = ("high", "medium", "low")
#: Kinds of source text.
KINDS: Final[tuple[str, ...]] = ("encyclopedia", "news")
#: Comparisons of a reported figure.
COMPARISONS: Final[tuple[str, ...]] = ("=", "about", ">", ">=", "<", "<=")
#: When in its day a figure holds.
AS_OF: Final[tuple[str, ...]] = ("end-of-day", "start-of-day")
#: Units of a reported figure.
UNITS: Final[tuple[str, ...]] = ("percent", "fraction", "km2", "count")
_ROW_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_SLUG = r"[a-z0-9][a-z0-9-]*"
_SLUG_TEXT = "a lowercase slug such as 'old-town'"
_URL = r"https?://[^\s<>\"']+"

# --------------------------------------------------------------------------- tables
CONTROL_CHANGES: Final = Table(
    name="control_changes", what="control table", file="control_changes.csv",
    description="One row per reported change of control, or stated state, of one district.",
    columns=(
        Column("change_id", "id", "stable row id (`C0001`...); when the whole column is empty or "
               "absent, rows are numbered `R1`, `R2`...", required=False, unique=True,
               pattern=_ROW_ID,
               pattern_text="a non-empty id of letters, digits, '-', '_' or '.'"),
        Column("date", "date", "the day the change took effect, resolved from the text "
               '("the next day", weekdays of news reports, "as of")', within_battle=True),
        Column("district_id", "id", "a gazetteer id"),
        Column("controller", "enum", "the side that holds the district (or the share); for a "
               "`repelled` row, the side that attacked", choices_from="sides"),
        Column("extent", "enum", "`full` or `partial`", choices=EXTENTS),
        Column("share", "float", "the controller's share when `partial`; empty (or 1) when "
               "`full`", nonempty=False, minimum=0.0, maximum=1.0, min_exclusive=True),
        Column("remainder", "enum", "who holds the rest when `partial`; empty = whoever held the "
               "district before the row", required=False, nonempty=False, choices_from="sides"),
        Column("event", "enum", "`baseline` (the state on the first day), `capture`, `advance` "
               "(partial gain), `recapture`, `repelled` (recorded, changes nothing), `state` "
               '("as of" statement)', choices=EVENTS),
        Column("basis", "enum", "`stated` (the line says it of this district), `inferred` (from "
               "an aggregate statement or a later line; the reasoning is in `note`), "
               "`background` (general knowledge of the front line, never above medium "
               "confidence)", choices=BASES),
        Column("source_id", "slug", "the source the row rests on: an id of the source registry"),
        Column("line", "int", "the 1-based line of the source's text that the row rests on",
               minimum=1),
        Column("confidence", "enum", "`high`, `medium` or `low`", choices=CONFIDENCES),
        Column("aggregate", "slug", "the key of `aggregates.csv` when the row applies an "
               "aggregate statement (then `basis` is not `stated`)", required=False,
               nonempty=False),
        Column("note", "text", "our own words: reasoning, date resolution, disagreements",
               required=False, nonempty=False),
        Column("date_earliest", "date", "when the texts do not settle the day of the change: "
               "the first day it may have happened (empty = `date`); on or before `date`",
               required=False, nonempty=False, within_battle=True),
        Column("date_latest", "date", "when the texts do not settle the day of the change: "
               "the last day by which it had happened (empty = `date`); on or after `date`",
               required=False, nonempty=False, within_battle=True),
    ),
)

GAZETTEER: Final = Table(
    name="gazetteer", what="gazetteer", file="gazetteer.csv",
    description="One row per district: its names in every spelling, centre, area and sector.",
    columns=(
        Column("district_id", "slug", "stable ASCII slug that every other table uses",
               unique=True, pattern=r"[a-z0-9]+(?:-[a-z0-9]+)*",
               pattern_text="a lowercase slug such as 'market-square'"),
        Column("name_en", "text", "English name"),
        Column("name_ar", "text", "Arabic name", required=False, nonempty=False),
        Column("aliases", "list", "every other spelling in the sources and the boundary files",
               nonempty=False),
        Column("lat", "float", "latitude of the centre, in degrees", required=False,
               nonempty=False, minimum=-90, maximum=90),
        Column("lon", "float", "longitude of the centre, in degrees", required=False,
               nonempty=False, minimum=-180, maximum=180),
        Column("area_km2", "float", "area in km²", required=False, nonempty=False, minimum=0,
               min_exclusive=True),
        Column("sector", "slug", "coarse part of the city (the battle's reference area may leave "
               "some sectors out)", required=False, nonempty=False, pattern=_SLUG,
               pattern_text=_SLUG_TEXT),
        Column("geom_basis", "slug", "how the centre and area were obtained; for example "
               "`csr-derived` (computed from a boundary file) or `estimated` (placed by "
               "geographic knowledge) or `sub-area` (a part of the district `parent_id`, drawn "
               "as a marker)", required=False, nonempty=False, pattern=_SLUG,
               pattern_text=_SLUG_TEXT),
        Column("parent_id", "slug", "for a sub-area: the district it is part of (not itself a "
               "sub-area); empty otherwise", required=False, nonempty=False,
               pattern=r"[a-z0-9]+(?:-[a-z0-9]+)*",
               pattern_text="the id of another district"),
        Column("geom_note", "text", "why the district's shape or centre is what it is",
               required=False, nonempty=False),
    ),
)

AGGREGATES: Final = Table(
    name="aggregates", what="aggregate table", file="aggregates.csv",
    description="The sources' statements about several districts at once (\"the lower town\").",
    min_rows=0,
    columns=(
        Column("aggregate", "slug", "the key rows of the control table cite in their "
               "`aggregate` column", unique=True, pattern=_SLUG, pattern_text=_SLUG_TEXT),
        Column("phrases", "list", "phrases that identify the statement; one must occur in the "
               "cited line"),
        Column("members", "list", "the gazetteer ids of the districts it covers"),
        Column("note", "text", "our own words", required=False, nonempty=False),
    ),
)

REPORTED_FIGURES: Final = Table(
    name="reported_figures", what="table of reported figures", file="reported_figures.csv",
    description="Every number about territory in the sources, checked against the map by "
                "`check-figures`.",
    min_rows=0,
    columns=(
        Column("figure_id", "id", "stable id `F01`, `F02`...", unique=True, pattern=r"F\d{2,}",
               pattern_text="an id 'F' + digits (F01, F02, ...)"),
        Column("date", "date", "the day the figure holds (a claim outside the battle's days is "
               "reported as not computable)"),
        Column("date_latest", "date", "when the figure is dated only to a window: its last day",
               required=False, nonempty=False),
        Column("as_of", "enum", "when in the day the figure holds", required=False,
               nonempty=False, choices=AS_OF, default="end-of-day"),
        Column("scope", "slug", "what the figure measures: one of the scopes of "
               "`check-figures` (see \"Checking the map against the sources' own numbers\")",
               pattern=r"[a-z0-9_]+", pattern_text="a scope such as 'district_share'"),
        Column("district_id", "id", "the district, for district scopes; empty otherwise",
               required=False, nonempty=False),
        Column("side", "enum", "the side the figure is about", choices_from="sides"),
        Column("value", "float", "the number, in `unit`", minimum=0),
        Column("unit", "enum", "`percent`, `fraction`, `km2` or `count`", choices=UNITS),
        Column("comparison", "enum", "how the source states it: `=`, `about`, `>`, `>=`, `<`, "
               "`<=`", choices=COMPARISONS),
        Column("source_id", "slug", "an id of the source registry"),
        Column("line", "int", "the 1-based line of the source's text", minimum=1),
        Column("quote_number", "text", "the number as written in the cited line",
               pattern_text="the number as written in the cited line"),
        Column("date_note", "text", "how the date was resolved", required=False, nonempty=False),
        Column("note", "text", "our own words", required=False, nonempty=False),
    ),
)

SOURCES: Final = Table(
    name="sources", what="source registry", file="sources.csv",
    description="The registered source texts that every row cites by id and line.",
    columns=(
        Column("source_id", "slug", "the id rows cite", unique=True, pattern=_SLUG,
               pattern_text="a lowercase slug such as 'town-chronicle'"),
        Column("file", "filename", "the text's file name inside the seeds folder",
               pattern_text="a bare file name inside the seeds folder"),
        Column("title", "text", "title of the document"),
        Column("publisher", "text", "who published it"),
        Column("published", "date", "publication day"),
        Column("kind", "enum", "`encyclopedia` or `news`", choices=KINDS),
        Column("sha256", "sha256", "SHA-256 of the text file, so that line numbers hold"),
        Column("rank", "int", "rank for the same-day rule, 1 first", minimum=1, unique=True,
               unique_text="a rank no other source has"),
        Column("url", "text", "canonical address of the source", required=False,
               nonempty=False, pattern=_URL, pattern_text="an http(s) URL"),
        Column("revision", "text", "the version read (a revision date or id)", required=False,
               nonempty=False),
        Column("revision_url", "text", "a link that shows the version read", required=False,
               nonempty=False, pattern=_URL, pattern_text="an http(s) URL"),
        Column("accessed", "date", "the day the text was read", required=False,
               nonempty=False),
        Column("archive_url", "text", "address of an archived copy", required=False,
               nonempty=False, pattern=_URL, pattern_text="an http(s) URL"),
        Column("lines", "int", "the text's line count", required=False, nonempty=False,
               minimum=1),
        Column("note", "text", "how the facts of the row were established (say why when the "
               "publisher is `publisher not stated`)", required=False, nonempty=False),
    ),
)

#: Kinds of landmark (a marker symbol each on the page and in frames).
LANDMARK_KINDS: Final[tuple[str, ...]] = (
    "hill", "factory", "housing", "roundabout", "hospital", "mosque", "bridge", "gate", "souq",
    "school", "base", "other",
)
#: How a landmark's point was placed.
PLACEMENTS: Final[tuple[str, ...]] = ("district", "described", "surveyed", "published")

LANDMARKS: Final = Table(
    name="landmarks", what="landmarks table", file="landmarks.csv",
    description="Places the sources name that are not whole districts (hills, factories, "
                "roundabouts...): a point inside their district.",
    min_rows=0,
    columns=(
        Column("landmark_id", "slug", "stable ASCII slug, not a district id", unique=True,
               pattern=r"[a-z0-9]+(?:-[a-z0-9]+)*",
               pattern_text="a lowercase slug such as 'north-gate'"),
        Column("name_en", "text", "English name"),
        Column("name_ar", "text", "Arabic name", required=False, nonempty=False),
        Column("kind", "enum", "what it is (its marker symbol)", choices=LANDMARK_KINDS),
        Column("district_id", "id", "the gazetteer district it lies in"),
        Column("aliases", "list", "every other spelling in the sources; none may be the name "
               "of another district", nonempty=False),
        Column("lat", "float", "latitude of its point, in degrees (inside its district)",
               minimum=-90, maximum=90),
        Column("lon", "float", "longitude of its point, in degrees", minimum=-180, maximum=180),
        Column("placement", "enum", "how the point was placed: `district` (position within the "
               "district not known: the district's representative point), `described` (from "
               "where the texts say it is, cited in `placement_note`), `surveyed` (from a "
               "licensed point dataset named in `placement_note`), `published` (the "
               "published coordinates of the place in an encyclopaedia article, whose "
               "title and address `placement_note` gives; the district is the polygon "
               "that contains the point)", choices=PLACEMENTS),
        Column("placement_note", "text", "why the point is where it is, citing source:line"),
    ),
)

LANDMARK_CHANGES: Final = Table(
    name="landmark_changes", what="landmark history", file="landmark_changes.csv",
    description="What the sources say happened at a landmark, one row per statement.",
    min_rows=0,
    columns=(
        Column("landmark_id", "id", "an id of the landmarks table"),
        Column("date", "date", "the day of the statement", within_battle=True),
        Column("date_earliest", "date", "when the texts do not settle the day: the first day it "
               "may have happened (empty = `date`)", required=False, nonempty=False,
               within_battle=True),
        Column("date_latest", "date", "when the texts do not settle the day: the last day "
               "(empty = `date`)", required=False, nonempty=False, within_battle=True),
        Column("controller", "enum", "the side that holds the landmark after the row; for a "
               "`repelled` row, the side that attacked", choices_from="sides"),
        Column("event", "enum", "as in the control table; `repelled` changes nothing",
               choices=EVENTS),
        Column("source_id", "slug", "an id of the source registry"),
        Column("line", "int", "the 1-based line of the source's text", minimum=1),
        Column("confidence", "enum", "`high`, `medium` or `low`", choices=CONFIDENCES),
        Column("note", "text", "our own words", required=False, nonempty=False),
        Column("sets_change", "id", "the `change_id` of the control-table row whose share of the "
               "district this row sets (same district and day; its controller or remainder is "
               "this row's controller)", required=False, nonempty=False, pattern=_ROW_ID,
               pattern_text="a change_id of the control table"),
    ),
)

#: Every table schema, by name.
TABLES: Final[Mapping[str, Table]] = MappingProxyType({
    t.name: t for t in (CONTROL_CHANGES, GAZETTEER, AGGREGATES, REPORTED_FIGURES, SOURCES,
                         LANDMARKS, LANDMARK_CHANGES)
})

# --------------------------------------------------------------------------- manifest
#: Keys of each section of ``battle.toml``; ``sides`` is an array of tables.
MANIFEST: Final[Mapping[str, Table]] = MappingProxyType({
    "battle": Table(
        name="battle", what="[battle] section", file="battle.toml",
        description="The battle itself.",
        columns=(
            Column("id", "slug", "a slug (default: from the name)", required=False),
            Column("name", "text", "the place's name", pattern_text="the place's name"),
            Column("title", "text", "title of pages and frames (default: the name)",
                   required=False),
            Column("first_day", "date", "first day of the timeline"),
            Column("last_day", "date", "last day of the timeline, on or after `first_day`"),
            Column("metric_crs", "crs", "projected CRS for areas; `utm` for the UTM zone of the "
                   "data", required=False, default="utm"),
        ),
    ),
    "sides": Table(
        name="sides", what="[[sides]] entry", file="battle.toml",
        description="The sides, in legend order (one `[[sides]]` table each).",
        columns=(
            Column("id", "slug", "the value of `controller` in the control table", unique=True,
                   pattern=r"[a-z][a-z0-9_-]*",
                   pattern_text="a lower-case id such as 'garrison'"),
            Column("label", "text", "legend label (default: the id)", required=False),
            Column("short", "text", "short name for running text (default: the label)",
                   required=False),
            Column("colour", "colour", "fill colour"),
            Column("hatch_colour", "colour", "line colour of the hatching of partial control "
                   "(default: the colour)", required=False),
            Column("contested", "bool", "whether this side marks contested ground",
                   required=False, default="false"),
        ),
    ),
    "reference": Table(
        name="reference", what="[reference] section", file="battle.toml",
        description="The area shares are measured against (optional section).",
        columns=(
            Column("side", "slug", "the side whose ground on the first day makes the area"),
            Column("exclude_sectors", "list", "gazetteer sectors left out", required=False),
            Column("label", "text", "its name in running text", required=False),
            Column("description", "text", "one line saying what it is", required=False),
        ),
    ),
    "tables": Table(
        name="tables", what="[tables] section", file="battle.toml",
        description="Paths of the battle's files, relative to the manifest.",
        columns=(
            Column("gazetteer", "text", "path of the gazetteer", required=False,
                   default="gazetteer.csv"),
            Column("districts", "text", "path of the district boundaries", required=False,
                   default="districts.geojson"),
            Column("changes", "text", "path of the control table", required=False,
                   default="control_changes.csv"),
            Column("aggregates", "text", "path of the aggregate statements", required=False,
                   default="aggregates.csv"),
            Column("figures", "text", "path of the reported figures", required=False,
                   default="reported_figures.csv"),
            Column("sources", "text", "path of the source registry", required=False,
                   default="sources.csv"),
            Column("landmarks", "text", "path of the landmarks table (optional file)",
                   required=False, default="landmarks.csv"),
            Column("landmark_changes", "text", "path of the landmark history (optional file)",
                   required=False, default="landmark_changes.csv"),
        ),
    ),
})


def table(name: str) -> Table:
    """Return the schema of a table (or of a manifest section).

    Parameters
    ----------
    name : str
        A key of :data:`TABLES` or of :data:`MANIFEST`.

    Returns
    -------
    Table
        The schema.

    Raises
    ------
    KeyError
        For an unknown name, listing the known ones.
    """
    if name in TABLES:
        return TABLES[name]
    if name in MANIFEST:
        return MANIFEST[name]
    raise KeyError(f"no table {name!r}; known: {', '.join([*TABLES, *MANIFEST])}")


# --------------------------------------------------------------------------- docs
def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(name: str, ctx: Context | None = None) -> str:
    """Return the column table of one schema, as Markdown.

    Parameters
    ----------
    name : str
        A key of :data:`TABLES` or :data:`MANIFEST`.
    ctx : Context, optional
        Fills allowed values that depend on the battle (default: the embedded battle's).

    Returns
    -------
    str
        A Markdown table (``column | type | meaning``), no trailing newline.
    """
    if ctx is None:
        from aleppo_map.battle import default_battle

        ctx = Context.of(default_battle())
    t = table(name)
    manifest = t.file.endswith(".toml")
    lines = [f"| {'key' if manifest else 'column'} | type | meaning |", "|---|---|---|"]
    for c in t.columns:
        kind = c.type_text(ctx, manifest=manifest)
        lines.append(f"| `{c.name}` | {_cell(kind)} | {_cell(c.description)} |")
    return "\n".join(lines)


_MARKER = re.compile(r"<!-- schema:(?P<name>[a-z_]+) -->\n(?P<body>.*?)<!-- /schema -->", re.DOTALL)


def generated_sections(text: str, ctx: Context | None = None) -> dict[str, tuple[str, str]]:
    """Find the generated tables of a Markdown text, with what they should contain.

    Parameters
    ----------
    text : str
        A Markdown document with ``<!-- schema:NAME -->`` ... ``<!-- /schema -->`` blocks.
    ctx : Context, optional
        As for :func:`markdown_table`.

    Returns
    -------
    dict
        NAME -> (text between the markers, the table the schema generates).
    """
    return {
        m["name"]: (m["body"].strip(), markdown_table(m["name"], ctx))
        for m in _MARKER.finditer(text)
    }


def regenerate(text: str, ctx: Context | None = None) -> str:
    """Replace every ``<!-- schema:NAME -->`` block of *text* with the schema's table.

    Parameters
    ----------
    text : str
        A Markdown document.
    ctx : Context, optional
        As for :func:`markdown_table`.

    Returns
    -------
    str
        The document with fresh tables.
    """
    def block(m: re.Match[str]) -> str:
        return f"<!-- schema:{m['name']} -->\n{markdown_table(m['name'], ctx)}\n<!-- /schema -->"

    return _MARKER.sub(block, text)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the column tables (``python -m aleppo_map.schema [NAME...]``).

    Parameters
    ----------
    argv : Sequence[str], optional
        Table names (default: every table, then the manifest's sections);
        ``--readme FILE`` rewrites the generated blocks of a Markdown file instead
        (atomically).

    Returns
    -------
    int
        Exit status.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--readme"] and len(args) == 2:
        from pathlib import Path

        from aleppo_map._io import atomic_write_text

        path = Path(args[1])
        atomic_write_text(path, regenerate(path.read_text(encoding="utf-8")), overwrite=True)
        return 0
    names = args or [*TABLES, *MANIFEST]
    for name in names:
        t = table(name)
        sys.stdout.write(f"<!-- schema:{t.name} -->\n{markdown_table(t.name)}\n<!-- /schema -->\n\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
