"""The tiny projects of the HTML explorer tests, with hostile names, notes and titles.

Built by :mod:`aleppo_map.testing` (:func:`~aleppo_map.testing.hostile_project`,
:func:`~aleppo_map.testing.synthetic_project`); this module adds the figures the
explorer is given.
"""

from __future__ import annotations

from datetime import timedelta

from aleppo_map.battle import default_battle
from aleppo_map.testing import (
    HOSTILE_AR,
    HOSTILE_NAME,
    HOSTILE_NOTE,
    HOSTILE_TITLE,
    hostile_project,
    synthetic_project,
)

START = default_battle().first_day
END = START + timedelta(days=9)

#: The sources' own numbers for the fixture: one plain, one hostile.
FIGURES = [
    {"date": (START + timedelta(days=2)).isoformat(), "text": "a plain claim",
     "verdict": "consistent"},
    {"date": (START + timedelta(days=3)).isoformat(), "text": HOSTILE_NAME, "verdict": HOSTILE_AR,
     "claim": HOSTILE_NOTE, "computed": "50%", "source": HOSTILE_TITLE},
]

__all__ = ["END", "FIGURES", "HOSTILE_AR", "HOSTILE_NAME", "HOSTILE_NOTE", "HOSTILE_TITLE",
           "START", "hostile_project", "synthetic_project"]
