"""Typed settings with documented defaults, in one place.

Every tunable the package uses lives here, in the spirit of ``osmnx.settings``.
Read them from :data:`DEFAULTS` (the embedded battle) or build them for another
battle with :meth:`Settings.for_battle`; commands that accept options build a modified
copy with :func:`dataclasses.replace` rather than mutating module state. Nothing here
is specific to one battle: that lives in the battle's manifest (:mod:`aleppo_map.battle`).

Examples
--------
>>> from aleppo_map.battle import default_battle
>>> from aleppo_map.settings import DEFAULTS
>>> (DEFAULTS.start, DEFAULTS.end) == (default_battle().first_day, default_battle().last_day)
True
>>> DEFAULTS.n_days == default_battle().n_days
True
>>> dict(DEFAULTS.colours) == dict(default_battle().colours)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from aleppo_map.battle import Battle, default_battle
from aleppo_map.schema import BASES, CONFIDENCES, EVENTS, EXTENTS

__all__ = ["BASES", "CONFIDENCES", "DEFAULTS", "EVENTS", "EXTENTS", "Settings"]

# The vocabularies of the control table (EXTENTS, EVENTS, BASES, CONFIDENCES) are defined
# once, in the schema, and re-exported here.


@dataclass(frozen=True)
class Settings:
    """Defaults for every command: the battle, and how outputs are written.

    What is specific to a battle (days, sides and colours, metric CRS, table paths)
    comes from its :class:`~aleppo_map.battle.Battle`; the fields below that mirror it
    are filled from the battle when left ``None``, and ``start``/``end`` may narrow the
    days. Build settings for another battle with :meth:`for_battle`.

    Attributes
    ----------
    battle : Battle
        The battle (default: the embedded one).
    start, end : datetime.date
        First and last day of the timeline (inclusive); default the battle's days.
    data_dir : pathlib.Path
        Folder of the battle's tables.
    registry_dir : pathlib.Path
        Folder of the source registry ``sources.csv``.
    metric_crs : str
        Projected CRS used for every area and distance (the battle's).
    geographic_crs : str
        CRS of every file the package writes.
    coord_decimals : int
        Decimals kept for written coordinates; 5 decimals of a degree is about 1 m.
    colours, hatch_colours : Mapping[str, str]
        Fill and hatch colour per side (the battle's).
    frame_size : tuple[int, int]
        Default PNG frame size in pixels (width, height).
    frame_dpi : int
        Default dots per inch of a frame.
    tiles_attribution : str
        Attribution shown with the OpenStreetMap base layer.
    """

    battle: Battle = field(default_factory=default_battle)
    start: date = None  # type: ignore[assignment]  # filled from the battle
    end: date = None  # type: ignore[assignment]
    data_dir: Path = None  # type: ignore[assignment]
    registry_dir: Path = None  # type: ignore[assignment]
    metric_crs: str = None  # type: ignore[assignment]
    geographic_crs: str = "EPSG:4326"
    coord_decimals: int = 5
    colours: Mapping[str, str] = None  # type: ignore[assignment]
    hatch_colours: Mapping[str, str] = None  # type: ignore[assignment]
    frame_size: tuple[int, int] = (1600, 1200)
    frame_dpi: int = 200
    tiles_attribution: str = "© OpenStreetMap contributors"

    def __post_init__(self) -> None:
        b = self.battle
        filled = {
            "start": b.first_day, "end": b.last_day,
            "data_dir": b.table("changes").parent, "registry_dir": b.table("sources").parent,
            "metric_crs": b.metric_crs, "colours": b.colours, "hatch_colours": b.hatch_colours,
        }
        for name, value in filled.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)

    @classmethod
    def for_battle(cls, battle: Battle, **changes: Any) -> Settings:
        """Build settings for *battle*, every battle-specific field taken from it.

        Parameters
        ----------
        battle : Battle
            The battle.
        **changes
            Other fields to set (``start``, ``frame_dpi``, ...).

        Returns
        -------
        Settings
            The settings.
        """
        return cls(battle=battle, **changes)

    @property
    def n_days(self) -> int:
        """Number of days in the timeline, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def gazetteer_path(self) -> Path:
        """Path of the battle's gazetteer."""
        return self.data_dir / self.battle.table("gazetteer").name

    @property
    def districts_path(self) -> Path:
        """Path of the battle's district layer."""
        return self.data_dir / self.battle.table("districts").name

    @property
    def changes_path(self) -> Path:
        """Path of the battle's control-change table."""
        return self.data_dir / self.battle.table("changes").name

    @property
    def aggregates_path(self) -> Path:
        """Path of the table of aggregate statements (e.g. "the north-east")."""
        return self.data_dir / self.battle.table("aggregates").name

    @property
    def figures_path(self) -> Path:
        """Path of the table of numeric claims made by the sources."""
        return self.data_dir / self.battle.table("figures").name

    @property
    def landmarks_path(self) -> Path:
        """Path of the battle's landmarks table (optional: may not exist)."""
        return self.data_dir / self.battle.table("landmarks").name

    @property
    def landmark_changes_path(self) -> Path:
        """Path of the battle's landmark history table (optional: may not exist)."""
        return self.data_dir / self.battle.table("landmark_changes").name

    @property
    def registry_path(self) -> Path:
        """Path of the source registry."""
        return self.registry_dir / self.battle.table("sources").name


#: The settings every command starts from.
DEFAULTS: Final[Settings] = Settings()
