"""Typed settings with documented defaults, in one place.

Every tunable the package uses lives here, in the spirit of ``osmnx.settings``.
Read them from :data:`DEFAULTS`; commands that accept options build a modified
copy with :func:`dataclasses.replace` rather than mutating module state.

Examples
--------
>>> from aleppo_map.settings import DEFAULTS
>>> DEFAULTS.start.isoformat(), DEFAULTS.end.isoformat()
('2016-11-15', '2016-12-22')
>>> DEFAULTS.n_days
38
>>> DEFAULTS.colours["government"]
'#b30000'
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Final

#: The four controller values the control table may use, in legend order.
CONTROLLERS: Final[tuple[str, ...]] = ("government", "rebel", "sdf", "contested")
#: Extent values: the whole district, or a share of it.
EXTENTS: Final[tuple[str, ...]] = ("full", "partial")
#: Kinds of row in the control table. Only ``repelled`` leaves the state unchanged.
EVENTS: Final[tuple[str, ...]] = ("baseline", "capture", "advance", "recapture", "repelled", "state")
#: How a row is supported by its source.
BASES: Final[tuple[str, ...]] = ("stated", "inferred", "background")
#: Confidence levels, strongest first.
CONFIDENCES: Final[tuple[str, ...]] = ("high", "medium", "low")

#: Human labels for the legend.
LABELS: Final = MappingProxyType(
    {
        "government": "Government and allies",
        "rebel": "Rebels",
        "sdf": "SDF / Kurdish YPG",
        "contested": "Contested",
    }
)


def _package_root() -> Path:
    return Path(__file__).resolve().parent


def _default_data_dir() -> Path:
    """Find the embedded data: ``$ALEPPO_MAP_DATA``, the checkout, or the wheel copy."""
    env = os.environ.get("ALEPPO_MAP_DATA")
    if env:
        return Path(env)
    checkout = _package_root().parents[1] / "data"
    if checkout.is_dir():
        return checkout
    return _package_root() / "_data" / "data"


def _default_seeds_dir() -> Path:
    """Find the source registry folder (``seeds/``) next to the data folder."""
    return _default_data_dir().parent / "seeds"


@dataclass(frozen=True)
class Settings:
    """Defaults for every command.

    Attributes
    ----------
    start, end : datetime.date
        First and last day of the timeline (inclusive): 15 November to 22 December 2016.
    data_dir : pathlib.Path
        Folder of the embedded data (``gazetteer.csv``, ``districts.geojson``,
        ``control_changes.csv``, ``aggregates.csv``, ``reported_figures.csv``).
    registry_dir : pathlib.Path
        Folder of the source registry ``sources.csv`` (the project's ``seeds/``).
    metric_crs : str
        Projected CRS used for every area and distance: UTM zone 37N.
    geographic_crs : str
        CRS of every file the package writes.
    coord_decimals : int
        Decimals kept for written coordinates; 5 decimals of a degree is about 1 m.
    colours : Mapping[str, str]
        Fill colour per controller, following the convention of Syrian war maps
        (government red, rebels green, SDF yellow); contested is a purple. Reds and
        greens differ in lightness so that every pair stays at least 20 CIEDE2000 apart
        under simulated protanopia, deuteranopia and tritanopia (tested in
        ``tests/test_render_html.py``).
    hatch_colours : Mapping[str, str]
        Darker line colour per controller, for the hatching of partial control.
    frame_size : tuple[int, int]
        Default PNG frame size in pixels (width, height).
    frame_dpi : int
        Default dots per inch of a frame.
    tiles_attribution : str
        Attribution shown with the OpenStreetMap base layer.
    """

    start: date = date(2016, 11, 15)
    end: date = date(2016, 12, 22)
    data_dir: Path = field(default_factory=_default_data_dir)
    registry_dir: Path = field(default_factory=_default_seeds_dir)
    metric_crs: str = "EPSG:32637"
    geographic_crs: str = "EPSG:4326"
    coord_decimals: int = 5
    colours: MappingProxyType[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {
                "government": "#b30000",
                "rebel": "#5aae61",
                "sdf": "#ffe600",
                "contested": "#6a3d9a",
            }
        )
    )
    hatch_colours: MappingProxyType[str, str] = field(
        default_factory=lambda: MappingProxyType(
            {
                "government": "#7f0000",
                "rebel": "#00441b",
                "sdf": "#8a6d00",
                "contested": "#3f007d",
            }
        )
    )
    frame_size: tuple[int, int] = (1600, 1200)
    frame_dpi: int = 200
    tiles_attribution: str = "© OpenStreetMap contributors"

    @property
    def n_days(self) -> int:
        """Number of days in the timeline, both ends included."""
        return (self.end - self.start).days + 1

    @property
    def gazetteer_path(self) -> Path:
        """Path of the embedded gazetteer."""
        return self.data_dir / "gazetteer.csv"

    @property
    def districts_path(self) -> Path:
        """Path of the embedded (approximate) district layer."""
        return self.data_dir / "districts.geojson"

    @property
    def changes_path(self) -> Path:
        """Path of the embedded control-change table."""
        return self.data_dir / "control_changes.csv"

    @property
    def aggregates_path(self) -> Path:
        """Path of the table of aggregate statements (e.g. "the north-east")."""
        return self.data_dir / "aggregates.csv"

    @property
    def figures_path(self) -> Path:
        """Path of the table of numeric claims made by the sources."""
        return self.data_dir / "reported_figures.csv"

    @property
    def registry_path(self) -> Path:
        """Path of the source registry."""
        return self.registry_dir / "sources.csv"


#: The settings every command starts from.
DEFAULTS: Final[Settings] = Settings()
