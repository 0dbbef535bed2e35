"""Load everything a command needs, validated together: the public entry point.

Examples
--------
>>> from aleppo_map.project import load_project
>>> proj = load_project(with_layer=False)
>>> len(proj.timeline.dates)
38
>>> proj.timeline.state_on("2016-11-15").loc["sheikh-maqsoud", "controller"]
'sdf'
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from aleppo_map import _io as io
from aleppo_map._errors import Problem, ValidationError
from aleppo_map.battle import Battle
from aleppo_map.gazetteer import Gazetteer, load_gazetteer
from aleppo_map.settings import DEFAULTS, Settings
from aleppo_map.sources import SourceRegistry, load_aggregates, load_registry
from aleppo_map.timeline import CHANGE_COLUMNS, OPTIONAL_COLUMNS, Timeline, build_timeline, validate_changes

if TYPE_CHECKING:
    from aleppo_map.geometry.layer import DistrictLayer


@dataclass(frozen=True)
class Project:
    """The validated inputs of one run.

    Attributes
    ----------
    settings : Settings
        Settings in force (start and end may differ from the defaults).
    gazetteer : Gazetteer
        District names, aliases, centres and areas.
    registry : SourceRegistry
        The sources the control table cites.
    changes : pandas.DataFrame
        The validated control-change table.
    changes_path : pathlib.Path
        Where the table came from.
    timeline : Timeline
        Daily state of every district of the table.
    layer : DistrictLayer or None
        District geometry (embedded or a user's file), when loaded.
    opening : pandas.DataFrame
        Share of each district held by each side on the first day of the offensive
        (15 November 2016), whatever ``--start`` says: the reference for "the formerly
        rebel-held east". Indexed by ``district_id``, one column per controller;
        ``None`` means the timeline's first day.
    """

    settings: Settings
    gazetteer: Gazetteer
    registry: SourceRegistry
    changes: pd.DataFrame
    changes_path: Path
    timeline: Timeline
    layer: DistrictLayer | None
    opening: pd.DataFrame | None = None

    @property
    def battle(self) -> Battle:
        """The battle the project maps (from its settings)."""
        return self.settings.battle


def _parse_day(value: str | date | None, option: str, default: date) -> date:
    if value is None:
        return default
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError([Problem(option, "", "an ISO date YYYY-MM-DD", repr(value))]) from None


def load_project(
    *,
    changes: Path | None = None,
    districts: Path | None = None,
    name_field: str | None = None,
    assume_crs: str | None = None,
    layer: str | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    with_layer: bool = True,
    settings: Settings = DEFAULTS,
) -> Project:
    """Read and validate the gazetteer, the registry, the control table and the geometry.

    Parameters
    ----------
    changes : pathlib.Path, optional
        Control-change table; default the embedded one.
    districts : pathlib.Path, optional
        A polygon file to draw on; default the embedded approximate layer.
    name_field : str, optional
        Attribute of *districts* holding district names (guessed when omitted).
    assume_crs : str, optional
        CRS to assume when *districts* declares none.
    layer : str, optional
        Layer of *districts* to read when it holds several.
    start, end : str or datetime.date, optional
        First and last day (default 2016-11-15 and 2016-12-22).
    with_layer : bool
        Load the geometry too (commands that only print states skip it).
    settings : Settings
        Base settings.

    Returns
    -------
    Project
        Everything validated.

    Raises
    ------
    ValidationError
        Listing every problem in the inputs.
    """
    first = _parse_day(start, "--start", settings.start)
    last = _parse_day(end, "--end", settings.end)
    days = f"a day of the battle, {settings.start} to {settings.end}"
    given = [(option, day) for option, day, raw in (("--start", first, start), ("--end", last, end))
             if raw is not None]
    outside = [Problem(option, "", days, str(day)) for option, day in given
               if not settings.start <= day <= settings.end]
    if outside:
        raise ValidationError(outside)
    if first > last:
        raise ValidationError([Problem("--start/--end", "", "start on or before end",
                                       f"{first} after {last}")])
    settings = replace(settings, start=first, end=last)
    gaz = load_gazetteer(settings.gazetteer_path)
    registry = load_registry(settings.registry_path)
    aggregates = load_aggregates(settings.aggregates_path)
    changes_path = Path(changes) if changes is not None else settings.changes_path
    raw = io.read_csv(
        changes_path, "control table",
        required=[c for c in CHANGE_COLUMNS if c not in OPTIONAL_COLUMNS],
    )
    table = validate_changes(
        raw, str(changes_path), gaz.ids,
        {sid: registry.rank(sid) for sid in registry.ids},
        aggregates=list(aggregates["aggregate"]) if "aggregate" in aggregates else None,
        suggest=gaz.suggest,
    )
    if table.empty:
        raise ValidationError([Problem(str(changes_path), "", "at least one row of control changes",
                                       "an empty table (a header and no rows)")])
    ids = [d for d in gaz.ids if d in set(table["district_id"])]
    timeline = build_timeline(table, ids, first, last, file=str(changes_path))
    reference = (
        timeline
        if first == DEFAULTS.start
        else build_timeline(table, ids, DEFAULTS.start, DEFAULTS.start, file=str(changes_path))
    )
    fr = reference.fractions()
    opening = fr[fr["date"] == reference.dates[0]].drop(columns="date").set_index("district_id")
    geometry = None
    if with_layer:
        from aleppo_map.geometry.layer import load_districts

        geometry = load_districts(
            districts, gaz, name_field=name_field, assume_crs=assume_crs, required_ids=ids,
            layer=layer,
        )
    return Project(settings, gaz, registry, table, changes_path, timeline, geometry, opening)


def _problems_of(exc: Exception, origin: str) -> list[Problem]:
    if isinstance(exc, ValidationError):
        return list(exc.problems)
    return [Problem(origin, "", "a valid input", str(exc))]


def validate_all(
    *,
    changes: Path | None = None,
    districts: Path | None = None,
    name_field: str | None = None,
    assume_crs: str | None = None,
    seeds: Path | None = None,
    layer: str | None = None,
    settings: Settings = DEFAULTS,
) -> list[Problem]:
    """Check every input and return every problem found (empty when all is well).

    Unlike :func:`load_project`, this does not stop at the first failing stage: the
    control table, the geometry and (with *seeds*) the citations are all checked.

    Parameters
    ----------
    changes, districts, name_field, assume_crs
        As for :func:`load_project`.
    seeds : pathlib.Path, optional
        Folder of the source texts; when given, every citation is checked against them.
    layer : str, optional
        Layer of *districts* to read when it holds several.
    settings : Settings
        Base settings.

    Returns
    -------
    list of Problem
        Every problem, in input order.
    """
    from aleppo_map._errors import AleppoMapError
    from aleppo_map.geometry.layer import load_districts
    from aleppo_map.sources import check_against_seeds

    problems: list[Problem] = []
    try:
        project = load_project(changes=changes, with_layer=False, settings=settings)
    except AleppoMapError as exc:
        problems.extend(_problems_of(exc, str(changes or settings.changes_path)))
        project = None
    if project is not None:
        try:
            load_districts(districts, project.gazetteer, name_field=name_field,
                           assume_crs=assume_crs, required_ids=project.timeline.district_ids,
                           layer=layer)
        except AleppoMapError as exc:
            problems.extend(_problems_of(exc, str(districts or settings.districts_path)))
        if seeds is not None:
            problems.extend(
                check_against_seeds(project.changes, project.registry, project.gazetteer,
                                    load_aggregates(settings.aggregates_path), Path(seeds),
                                    file=str(project.changes_path))
            )
    return problems
