"""A battle as data: the manifest that holds everything specific to one battle.

A battle is a folder: ``battle.toml`` (name, days, sides, metric CRS, reference area,
paths of its tables) beside its tables. The battle the package was written for is the
embedded default battle, shipped with the package and found with :mod:`importlib.resources`;
any other folder is read the same way (``--battle DIR``). Nothing of a particular
battle is written in the code.

Examples
--------
>>> from aleppo_map.battle import default_battle
>>> b = default_battle()
>>> b.n_days == (b.last_day - b.first_day).days + 1
True
>>> b.colours[b.side_ids[0]] == b.sides[0].colour
True
>>> Battle.from_dict({"battle": {"name": "X", "first_day": "2020-01-01", "last_day": "2020-01-02"},
...                   "sides": [{"id": "a", "label": "A", "colour": "#000000"}]}).n_days
2
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from aleppo_map._errors import InputFileError, Problem, ValidationError

#: File name of the manifest inside a battle folder.
MANIFEST: Final = "battle.toml"
#: The tables a battle may name, with their default file names.
TABLES: Final[Mapping[str, str]] = MappingProxyType({
    "gazetteer": "gazetteer.csv",
    "districts": "districts.geojson",
    "changes": "control_changes.csv",
    "aggregates": "aggregates.csv",
    "figures": "reported_figures.csv",
    "sources": "sources.csv",
    "landmarks": "landmarks.csv",
    "landmark_changes": "landmark_changes.csv",
})
#: Value of ``metric_crs`` asking for the UTM zone of the data.
UTM: Final = "utm"



@dataclass(frozen=True)
class Side:
    """One side of the battle.

    Attributes
    ----------
    id : str
        The value the control table's ``controller`` column uses.
    label : str
        Legend label.
    short : str
        Short name for running text ("rebels", "SDF").
    colour : str
        Fill colour, ``#rrggbb``.
    hatch_colour : str
        Darker line colour for the hatching of partial control.
    contested : bool
        Whether this "side" marks contested ground rather than a party.
    """

    id: str
    label: str
    short: str
    colour: str
    hatch_colour: str
    contested: bool = False


@dataclass(frozen=True)
class Reference:
    """The reference area shares are measured against.

    Attributes
    ----------
    side : str
        The side whose ground on the first day makes the area.
    exclude_sectors : tuple of str
        Gazetteer sectors left out (suburbs, outskirts).
    label : str
        Its name in running text ("the old town the garrison held").
    description : str
        One line saying what it is.
    """

    side: str
    exclude_sectors: tuple[str, ...] = ()
    label: str = "reference area"
    description: str = ""


@dataclass(frozen=True)
class Battle:
    """Everything specific to one battle.

    Attributes
    ----------
    id, name, title : str
        A slug, the place's name and a title for pages and frames.
    first_day, last_day : datetime.date
        The timeline's days, both included.
    sides : tuple of Side
        In legend order.
    metric_crs : str
        An EPSG code, or ``"utm"`` for the UTM zone of the data.
    reference : Reference or None
        The reference area for shares, if the battle has one.
    folder : pathlib.Path or None
        Where the manifest was read from (``None`` for one built in memory).
    tables : Mapping[str, pathlib.Path]
        Paths of the battle's tables (see :data:`TABLES`), resolved against *folder*.
    """

    id: str
    name: str
    title: str
    first_day: date
    last_day: date
    sides: tuple[Side, ...]
    metric_crs: str = UTM
    reference: Reference | None = None
    folder: Path | None = None
    tables: Mapping[str, Path] = field(default_factory=lambda: MappingProxyType({}))

    # ------------------------------------------------------------------ derived
    @property
    def n_days(self) -> int:
        """Number of days, both ends included."""
        return (self.last_day - self.first_day).days + 1

    @property
    def side_ids(self) -> tuple[str, ...]:
        """Side ids in legend order."""
        return tuple(s.id for s in self.sides)

    @property
    def colours(self) -> Mapping[str, str]:
        """Fill colour per side."""
        return MappingProxyType({s.id: s.colour for s in self.sides})

    @property
    def hatch_colours(self) -> Mapping[str, str]:
        """Hatch colour per side."""
        return MappingProxyType({s.id: s.hatch_colour for s in self.sides})

    @property
    def labels(self) -> Mapping[str, str]:
        """Legend label per side."""
        return MappingProxyType({s.id: s.label for s in self.sides})

    @property
    def shorts(self) -> Mapping[str, str]:
        """Short name per side."""
        return MappingProxyType({s.id: s.short for s in self.sides})

    def side(self, side_id: str) -> Side:
        """Return the side with this id.

        Parameters
        ----------
        side_id : str
            A side id.

        Returns
        -------
        Side
            The side.
        """
        for s in self.sides:
            if s.id == side_id:
                return s
        raise KeyError(side_id)

    def table(self, name: str) -> Path:
        """Path of one of the battle's tables.

        Parameters
        ----------
        name : str
            A key of :data:`TABLES`.

        Returns
        -------
        pathlib.Path
            The path (which may not exist for optional tables).
        """
        if name in self.tables:
            return Path(self.tables[name])
        base = self.folder if self.folder is not None else Path.cwd()
        return base / TABLES[name]

    def metric_crs_for(self, lon: float, lat: float) -> str:
        """Return the metric CRS, computing the UTM zone of (*lon*, *lat*) when asked.

        Parameters
        ----------
        lon, lat : float
            A point of the battle (its centre), in degrees.

        Returns
        -------
        str
            An ``EPSG:`` code.

        Examples
        --------
        >>> replace_crs = Battle.from_dict({"battle": {"name": "M", "first_day": "2017-01-01",
        ...     "last_day": "2017-01-02", "metric_crs": "utm"}, "sides": [{"id": "a", "label": "A",
        ...     "colour": "#000000"}]})
        >>> replace_crs.metric_crs_for(43.13, 36.34)  # Mosul
        'EPSG:32638'
        """
        if self.metric_crs.lower() != UTM:
            return self.metric_crs
        zone = int((lon + 180) // 6) % 60 + 1
        return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"

    # ------------------------------------------------------------------ building
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, folder: Path | None = None,
                  origin: str = "battle manifest") -> Battle:
        """Build and validate a battle from a parsed manifest.

        Parameters
        ----------
        data : Mapping
            The manifest's content (``battle``, ``sides``, ``reference``, ``tables``).
        folder : pathlib.Path, optional
            Folder that table paths are relative to.
        origin : str
            What to call the manifest in messages (its path).

        Returns
        -------
        Battle
            The battle.

        Raises
        ------
        ValidationError
            Listing every problem of the manifest at once.
        """
        from aleppo_map._validate import check_manifest

        # keys, kinds and values: the manifest's schema (aleppo_map.schema.MANIFEST)
        problems: list[Problem] = check_manifest(data, origin)

        def bad(key: str, expected: str, got: object) -> None:
            problems.append(Problem(origin, key, expected, repr(got)))

        def section(key: str) -> dict[str, Any]:
            value = data.get(key, {})
            return dict(value) if isinstance(value, Mapping) else {}

        head = section("battle")
        name = str(head.get("name", "")).strip()
        days: list[date] = []
        for key in ("first_day", "last_day"):
            value = head.get(key)
            with contextlib.suppress(ValueError):  # a bad date is reported by the schema
                days.append(value if isinstance(value, date) else date.fromisoformat(str(value)))
        if len(days) == 2 and days[0] > days[1]:
            bad("battle.last_day", f"a day on or after first_day {days[0]}", days[1].isoformat())
        metric_crs = str(head.get("metric_crs", UTM))
        sides: list[Side] = []
        raw_sides = data.get("sides", [])
        if not isinstance(raw_sides, list):
            raw_sides = []
        for raw in raw_sides:
            if not isinstance(raw, Mapping):
                continue
            sid = str(raw.get("id", ""))
            colour = str(raw.get("colour", ""))
            hatch = str(raw.get("hatch_colour", colour))
            label = str(raw.get("label", sid))
            sides.append(Side(sid, label, str(raw.get("short", label)), colour, hatch,
                              bool(raw.get("contested", False))))
        ids = [s.id for s in sides]
        for sid in sorted({s for s in ids if ids.count(s) > 1}):
            bad("sides", "each side id once", sid)
        reference = None
        if "reference" in data:
            ref = section("reference")
            if ref.get("side") not in ids:
                bad("reference.side", "one of the side ids " + ", ".join(ids), ref.get("side"))
            reference = Reference(str(ref.get("side", "")), tuple(ref.get("exclude_sectors", ())),
                                  str(ref.get("label", "reference area")),
                                  str(ref.get("description", "")))
        tables: dict[str, Path] = {}
        for key, value in section("tables").items():
            if key not in TABLES:
                continue  # reported by the schema
            path = Path(str(value))
            tables[key] = path if path.is_absolute() or folder is None else folder / path
        if problems:
            raise ValidationError(problems)
        return cls(
            id=str(head.get("id", re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))),
            name=name, title=str(head.get("title", name)),
            first_day=days[0], last_day=days[1], sides=tuple(sides), metric_crs=metric_crs,
            reference=reference, folder=folder, tables=MappingProxyType(tables),
        )


def load_battle(folder: Path | str) -> Battle:
    """Read a battle folder's manifest.

    Parameters
    ----------
    folder : pathlib.Path or str
        A folder holding ``battle.toml`` (or the manifest file itself).

    Returns
    -------
    Battle
        The battle, its table paths resolved against the folder.

    Raises
    ------
    InputFileError
        When there is no readable manifest.
    ValidationError
        When the manifest is malformed (every problem listed).
    """
    path = Path(folder)
    manifest = path if path.is_file() else path / MANIFEST
    if not manifest.is_file():
        raise InputFileError(
            f"{path}: expected a battle folder holding {MANIFEST} (see `aleppo-map new`), "
            f"got {'no such folder' if not path.exists() else 'a folder without ' + MANIFEST}"
        )
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{manifest}: expected a TOML manifest, got a parse error: {exc}") from None
    return Battle.from_dict(data, folder=manifest.parent, origin=str(manifest))


def default_battle_dir() -> Path:
    """Folder of the embedded default battle.

    ``$ALEPPO_MAP_BATTLE`` when set; else the copy shipped in the package
    (``aleppo_map/_data/data``); else, in a source checkout, the top-level ``data/``.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    env = os.environ.get("ALEPPO_MAP_BATTLE")
    if env:
        return Path(env)
    shipped = Path(str(importlib.resources.files("aleppo_map") / "_data" / "data"))
    if (shipped / MANIFEST).is_file():
        return shipped
    return Path(__file__).resolve().parents[2] / "data"


@functools.cache
def default_battle() -> Battle:
    """Return the embedded default battle (read once).

    Returns
    -------
    Battle
        The battle of :func:`default_battle_dir`.
    """
    return load_battle(default_battle_dir())
