"""The small hand-made project of the static renderer and statistics tests.

Seven invented districts on a grid near the embedded battle (not real boundaries) over
six days; built by :func:`aleppo_map.testing.small_project` (see there). The names
below pin what the tests compare against.
"""

from __future__ import annotations

from datetime import timedelta

from aleppo_map import testing
from aleppo_map.battle import default_battle
from aleppo_map.project import Project

_BATTLE = default_battle()
START = _BATTLE.first_day
END = START + timedelta(days=5)
#: The control-table rows of the small project (no header).
ROWS = testing.small_rows(_BATTLE)
#: Colours the baseline images were drawn with.
COLOURS = {"government": "#b30000", "rebel": "#5aae61", "sdf": "#ffe600",
           "contested": "#6a3d9a"}
HATCH_COLOURS = {"government": "#7f0000", "rebel": "#00441b", "sdf": "#8a6d00",
                 "contested": "#3f007d"}
NAMES = dict(testing.SMALL_NAMES)
small_layer = testing.small_layer


def small_project(rows: str = ROWS, source: str = "embedded") -> Project:
    """The small project (see :func:`aleppo_map.testing.small_project`)."""
    project = testing.small_project(rows, source=source)
    assert dict(project.settings.colours) == COLOURS, "the embedded colours moved"
    return project
