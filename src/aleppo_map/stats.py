"""Areas and shares: who held how much, per district and per day.

Every area is computed in a metric CRS (UTM zone 37N), never in degrees.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from aleppo_map.project import Project


def state_table(project: Project, day: str | date) -> pd.DataFrame:
    """Every district's state on one day, for printing.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    day : str or datetime.date
        The day.

    Returns
    -------
    pandas.DataFrame
        One row per district: ``district_id``, ``name_en``, ``controller``,
        ``extent``, ``share``, ``remainder``, ``since``, ``change_id``, ``basis``,
        ``confidence``, ``source_id``, ``line``.
    """
    from aleppo_map.errors import Problem, ValidationError

    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            raise ValidationError([Problem("--date", "", "an ISO date YYYY-MM-DD", repr(day))]) from None
    st = project.timeline.state_on(day).reset_index()
    rows = project.changes.set_index("change_id")
    gaz = project.gazetteer
    out = pd.DataFrame(
        {
            "district_id": st["district_id"],
            "name_en": [gaz.name_en(d) for d in st["district_id"]],
            "controller": st["controller"],
            "extent": st["extent"],
            "share": st["share"].round(3),
            "remainder": st["remainder"].fillna(""),
            "since": [s.isoformat() for s in st["since"]],
            "change_id": st["change_id"],
            "basis": rows.loc[st["change_id"], "basis"].to_numpy(),
            "confidence": rows.loc[st["change_id"], "confidence"].to_numpy(),
            "source_id": rows.loc[st["change_id"], "source_id"].to_numpy(),
            "line": rows.loc[st["change_id"], "line"].to_numpy(),
        }
    )
    return out
