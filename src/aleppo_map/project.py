"""Load everything a command needs, validated together: the public entry point.

A :class:`Project` is built in memory from tables (:meth:`Project.from_tables`);
:func:`load_project` reads a battle's tables from its folder and calls it.

Examples
--------
>>> from aleppo_map.battle import default_battle
>>> from aleppo_map.project import load_project
>>> proj = load_project(with_layer=False)
>>> len(proj.timeline.dates) == default_battle().n_days
True
>>> proj.timeline.dates[0] == proj.battle.first_day
True
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from aleppo_map import _io as io
from aleppo_map._errors import Problem, ValidationError
from aleppo_map.battle import UTM, Battle, load_battle
from aleppo_map.gazetteer import Gazetteer
from aleppo_map.settings import DEFAULTS, Settings
from aleppo_map.sources import SourceRegistry, aggregates_from_frame
from aleppo_map.timeline import Timeline, build_timeline, validate_changes

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

    from aleppo_map.gazetteer.landmarks import Landmarks
    from aleppo_map.geometry.layer import DistrictLayer


@dataclass(frozen=True)
class Project:
    """The validated inputs of one run.

    Attributes
    ----------
    settings : Settings
        Settings in force (their ``battle`` is the battle mapped; start and end may
        differ from the battle's days; ``metric_crs`` is an EPSG code, the UTM zone
        computed when the battle asks for it).
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
    opening : pandas.DataFrame or None
        Share of each district held by each side on the battle's first day, whatever
        ``start`` says: the reference area of the battle (``battle.reference``) is
        the ground its side held that day. Indexed by ``district_id``, one column
        per side; ``None`` means the timeline's first day.
    aggregates : pandas.DataFrame or None
        The aggregate statements (``aggregates.csv``), when the battle has them.
    figures : pandas.DataFrame or None
        The validated table of reported figures given to :meth:`from_tables`;
        ``None``: :func:`aleppo_map.analysis.claims.check_figures` reads the battle's.
    landmarks : Landmarks or None
        The battle's landmarks and their history, when it has them (their names also
        resolve through :attr:`gazetteer`).
    """

    settings: Settings
    gazetteer: Gazetteer
    registry: SourceRegistry
    changes: pd.DataFrame
    changes_path: Path
    timeline: Timeline
    layer: DistrictLayer | None
    opening: pd.DataFrame | None = None
    aggregates: pd.DataFrame | None = None
    figures: pd.DataFrame | None = None
    landmarks: Landmarks | None = None

    def state_on(self, day: date | str) -> gpd.GeoDataFrame:
        """Every district on *day* as a GeoDataFrame (see :func:`aleppo_map.state.state_on`).

        Parameters
        ----------
        day : datetime.date or str
            The day (ISO string accepted).

        Returns
        -------
        geopandas.GeoDataFrame
            One row per district: names, controller, majority holder, every side's
            share, the row behind the state, geometry in EPSG:4326.
        """
        from aleppo_map.state import state_on

        return state_on(self, day)

    def plot(self, day: date | str, ax: Axes | None = None) -> Axes:
        """Draw *day* with the frames' colours and stripes (see :func:`aleppo_map.state.plot`).

        Parameters
        ----------
        day : datetime.date or str
            The day.
        ax : matplotlib.axes.Axes, optional
            Where to draw (default: a new figure).

        Returns
        -------
        matplotlib.axes.Axes
            The axes.
        """
        from aleppo_map.state import plot

        return plot(self, day, ax)

    @property
    def battle(self) -> Battle:
        """The battle the project maps (from its settings): name, title, sides, labels."""
        return self.settings.battle

    @classmethod
    def from_tables(
        cls,
        battle: Battle | Settings,
        gazetteer_df: pd.DataFrame,
        changes_df: pd.DataFrame,
        registry_df: pd.DataFrame,
        aggregates_df: pd.DataFrame | None = None,
        figures_df: pd.DataFrame | None = None,
        layer_gdf: gpd.GeoDataFrame | None = None,
        *,
        start: str | date | None = None,
        end: str | date | None = None,
        changes_path: Path | str = "control table",
        name_field: str | None = None,
        registry_path: Path | None = None,
        landmarks_df: pd.DataFrame | None = None,
        landmark_changes_df: pd.DataFrame | None = None,
    ) -> Project:
        """Validate tables held in memory and build the project, as :func:`load_project` does.

        Parameters
        ----------
        battle : Battle or Settings
            The battle (its sides, days, metric CRS, reference area), or settings for
            it (to pin colours or other fields).
        gazetteer_df, changes_df, registry_df : pandas.DataFrame
            The gazetteer, the control-change table and the source registry, in the
            columns of their CSV files (strings, as :func:`pandas.read_csv` with
            ``dtype=str`` gives them).
        aggregates_df : pandas.DataFrame, optional
            The aggregate statements; when given, ``aggregate`` cells are checked.
        figures_df : pandas.DataFrame, optional
            Reported figures (columns of ``reported_figures.csv``), validated too.
        layer_gdf : geopandas.GeoDataFrame, optional
            District polygons in any CRS with a name attribute (checked and joined to
            the gazetteer as a boundary file is), or a layer already joined (indexed
            by ``district_id`` with ``geom_kind`` and ``area_km2``, EPSG:4326).
        start, end : str or datetime.date, optional
            Narrow the days (default the battle's).
        changes_path : pathlib.Path or str
            Name of the control table in messages.
        name_field : str, optional
            Attribute of *layer_gdf* holding district names (guessed when omitted).
        registry_path : pathlib.Path, optional
            Name of the registry in messages (default the battle's ``sources.csv``).
        landmarks_df, landmark_changes_df : pandas.DataFrame, optional
            The battle's landmarks and their history (columns of ``landmarks.csv`` and
            ``landmark_changes.csv``); a battle without landmarks omits them.

        Returns
        -------
        Project
            Everything validated.

        Raises
        ------
        ValidationError
            Listing every problem in a table.
        """
        from aleppo_map.sources import registry_from_frame

        settings = battle if isinstance(battle, Settings) else Settings.for_battle(battle)
        b = settings.battle
        first = _parse_day(start, "start", settings.start)
        last = _parse_day(end, "end", settings.end)
        in_battle = f"a day of the battle, {settings.start} to {settings.end}"
        outside = [Problem(option, "", in_battle, str(day))
                   for option, day, raw in (("start", first, start), ("end", last, end))
                   if raw is not None and not settings.start <= day <= settings.end]
        if outside:  # one line naming the battle's days, not a table's worth of missing states
            raise ValidationError(outside)
        if first > last:
            raise ValidationError([Problem("start/end", "", "start on or before end",
                                           f"{first} after {last}")])
        # rows must fall on the battle's days (base settings may widen them, never start/end)
        days = (min(b.first_day, settings.start), max(b.last_day, settings.end))
        settings = replace(settings, start=first, end=last)
        gaz = Gazetteer.from_frame(gazetteer_df, source=str(settings.gazetteer_path))
        settings = replace(settings, metric_crs=_metric_crs(b, gaz))
        registry = registry_from_frame(_strings(registry_df),
                                       registry_path or settings.registry_path)
        aggregates = (aggregates_from_frame(_strings(aggregates_df), str(settings.aggregates_path))
                      if aggregates_df is not None else None)
        path = Path(changes_path)
        raw = _strings(changes_df)
        table = validate_changes(
            raw, str(path), gaz.ids, {sid: registry.rank(sid) for sid in registry.ids},
            aggregates=list(aggregates["aggregate"]) if aggregates is not None else None,
            suggest=gaz.suggest, battle=b, sides=b.side_ids, days=days,
        )
        present = set(table["district_id"].tolist())  # once; a set per gazetteer id was quadratic
        ids = [d for d in gaz.ids if d in present]
        contested = next((s.id for s in b.sides if s.contested), None)
        timeline = build_timeline(table, ids, first, last, file=str(path), sides=b.side_ids,
                                  contested=contested)
        opening = _opening(table, ids, timeline, b, str(path), contested)
        figures = None
        if figures_df is not None:
            from aleppo_map.analysis.claims import figures_from_frame

            figures = figures_from_frame(
                figures_df, str(settings.figures_path), source_ids=registry.ids,
                district_ids=gaz.ids, suggest=gaz.suggest, sides=b.side_ids)
        landmarks = None
        if landmarks_df is not None:
            # sets_change names rows of the battle's own control table, not of a user's
            own = path.resolve() == settings.changes_path.resolve()
            landmarks = _landmarks(settings, gaz, registry, table if own else None,
                                   landmarks_df, landmark_changes_df, days)
            gaz = gaz.with_landmarks(landmarks)
        layer = (_layer_from(layer_gdf, gaz, ids, name_field, settings) if layer_gdf is not None
                 else None)
        return cls(settings, gaz, registry, table, path, timeline, layer, opening, aggregates,
                   figures, landmarks)


def _landmarks(settings: Settings, gaz: Gazetteer, registry: SourceRegistry,
               table: pd.DataFrame | None, landmarks_df: pd.DataFrame,
               changes_df: pd.DataFrame | None, days: tuple[date, date]) -> Landmarks:
    """Validate the landmarks against the gazetteer, the registry and the control table.

    Without *table* (a control table other than the battle's), ``sets_change`` is not
    checked.
    """
    from aleppo_map.gazetteer.landmarks import landmarks_from_frames
    from aleppo_map.schema import Context

    counts = (pd.to_numeric(registry.frame["lines"], errors="coerce")
              if "lines" in registry.frame else pd.Series(float("nan"), index=registry.frame.index))
    lines = {str(sid): (None if pd.isna(n) else int(n)) for sid, n in counts.items()}
    return landmarks_from_frames(
        _strings(landmarks_df), _strings(changes_df) if changes_df is not None else None, gaz,
        registry_lines=lines, control=table,
        context=Context.of(settings.battle, days=days),
        source=str(settings.landmarks_path), changes_source=str(settings.landmark_changes_path))


def _metric_crs(battle: Battle, gaz: Gazetteer) -> str:
    """Return the battle's metric CRS; for ``utm``, the zone of the gazetteer's centre."""
    if battle.metric_crs.lower() != UTM:
        return battle.metric_crs
    lon = pd.to_numeric(gaz.frame["lon"], errors="coerce").dropna()
    lat = pd.to_numeric(gaz.frame["lat"], errors="coerce").dropna()
    if lon.empty or lat.empty:
        raise ValidationError([Problem(gaz.source, "lon/lat", "district centres, to find the "
                                       "UTM zone the battle's metric_crs asks for", "none")])
    return battle.metric_crs_for(float(lon.mean()), float(lat.mean()))


def _opening(table: pd.DataFrame, ids: list[str], timeline: Timeline, battle: Battle,
             file: str, contested: str | None) -> pd.DataFrame:
    """Shares of every district on the battle's first day (the reference area's day)."""
    reference = (
        timeline if timeline.dates[0] == battle.first_day
        else build_timeline(table, ids, battle.first_day, battle.first_day, file=file,
                            sides=battle.side_ids, contested=contested)
    )
    return reference.fractions_on(reference.dates[0])


def _layer_from(layer_gdf: gpd.GeoDataFrame, gaz: Gazetteer, ids: list[str],
                name_field: str | None, settings: Settings) -> DistrictLayer:
    """Build a district layer from a GeoDataFrame: already joined, or checked as a boundary file."""
    from aleppo_map.geometry.layer import DistrictLayer, load_districts

    if {"geom_kind", "area_km2"} <= set(layer_gdf.columns) and layer_gdf.index.name == "district_id":
        gdf = layer_gdf.to_crs("EPSG:4326").reindex(ids)
        missing = [d for d in ids if gdf.at[d, "geom_kind"] != "polygon"]
        return DistrictLayer(gdf=gdf, source="in memory", missing=missing)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "districts.gpkg"
        layer_gdf.to_file(path, driver="GPKG")
        layer = load_districts(path, gaz, name_field=name_field, required_ids=ids,
                               settings=settings)
    return replace(layer, source="in memory",
                   warnings=[w.replace(str(path), "layer") for w in layer.warnings])


def _parse_day(value: str | date | None, option: str, default: date) -> date:
    if value is None:
        return default
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError([Problem(option, "", "an ISO date YYYY-MM-DD", repr(value))]) from None


def _settings_for(battle: Battle | Path | str | None, settings: Settings | None) -> Settings:
    """Return settings for *battle* (a folder or a Battle), else *settings*, else the defaults."""
    if battle is None:
        return settings if settings is not None else DEFAULTS
    b = battle if isinstance(battle, Battle) else load_battle(battle)
    if settings is not None and settings.battle == b:
        return settings
    return Settings.for_battle(b)


def _strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text, empty where missing (as the CSV reader gives them)."""
    return frame.fillna("").astype(str)


def _read(path: Path, what: str, required: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    return io.read_csv(path, what, required=required)


def load_project(
    *,
    battle: Battle | Path | str | None = None,
    changes: Path | None = None,
    districts: Path | None = None,
    name_field: str | None = None,
    assume_crs: str | None = None,
    layer: str | None = None,
    registry: Path | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    with_layer: bool = True,
    settings: Settings | None = None,
) -> Project:
    """Read and validate a battle's gazetteer, registry, control table and geometry.

    Parameters
    ----------
    battle : Battle, pathlib.Path or str, optional
        The battle: a folder holding ``battle.toml`` or a :class:`Battle`
        (default: the battle of *settings*, the embedded one).
    changes : pathlib.Path, optional
        Control-change table; default the battle's.
    districts : pathlib.Path, optional
        A polygon file to draw on; default the battle's layer.
    name_field : str, optional
        Attribute of *districts* holding district names (guessed when omitted).
    assume_crs : str, optional
        CRS to assume when *districts* declares none.
    layer : str, optional
        Layer of *districts* to read when it holds several.
    registry : pathlib.Path, optional
        Source registry (``sources.csv``); default the battle's. A registry with texts
        of one's own (:func:`aleppo_map.sources.add.add_source`) lets the control table
        cite them.
    start, end : str or datetime.date, optional
        First and last day (default the battle's).
    with_layer : bool
        Load the geometry too (commands that only print states skip it).
    settings : Settings, optional
        Base settings (default :data:`~aleppo_map.settings.DEFAULTS`, or settings
        for *battle*).

    Returns
    -------
    Project
        Everything validated.

    Raises
    ------
    ValidationError
        Listing every problem in the inputs.
    """
    from aleppo_map.sources import AGGREGATE_COLUMNS, REGISTRY_COLUMNS

    settings = _settings_for(battle, settings)
    gazetteer_df = _read(settings.gazetteer_path, "gazetteer",
                         required=("district_id", "name_en", "aliases"))
    registry_path = Path(registry) if registry is not None else settings.registry_path
    registry_df = _read(registry_path, "source registry", required=REGISTRY_COLUMNS)
    aggregates_path = settings.aggregates_path
    aggregates_df = (_read(aggregates_path, "aggregate table", required=AGGREGATE_COLUMNS[:3])
                     if aggregates_path.is_file() else None)
    changes_path = Path(changes) if changes is not None else settings.changes_path
    raw = _read(changes_path, "control table")  # columns: checked by the schema
    landmarks_df = landmark_changes_df = None
    if settings.landmarks_path.is_file():  # optional: a battle may have no landmarks
        landmarks_df = io.read_csv(settings.landmarks_path, "landmarks table", min_rows=0)
        if settings.landmark_changes_path.is_file():
            landmark_changes_df = io.read_csv(settings.landmark_changes_path,
                                              "landmark history", min_rows=0)
    project = Project.from_tables(
        settings, gazetteer_df, raw, registry_df, aggregates_df,
        start=start, end=end, changes_path=changes_path, registry_path=registry_path,
        landmarks_df=landmarks_df, landmark_changes_df=landmark_changes_df,
    )
    if with_layer:
        from aleppo_map.geometry.layer import load_districts

        if districts is None and settings.districts_path != DEFAULTS.districts_path:
            districts = settings.districts_path  # another battle's own layer
        geometry = load_districts(districts, project.gazetteer, name_field=name_field,
                                  assume_crs=assume_crs, required_ids=project.timeline.district_ids,
                                  layer=layer, settings=project.settings)
        project = replace(project, layer=geometry)
    return project


def _problems_of(exc: Exception, origin: str) -> list[Problem]:
    if isinstance(exc, ValidationError):
        return list(exc.problems)
    problem = getattr(exc, "problem", None)  # an input file error names its own file
    if isinstance(problem, Problem):
        return [problem]
    return [Problem(origin, "", "a valid input", str(exc))]


def validate_all(
    *,
    battle: Battle | Path | str | None = None,
    changes: Path | None = None,
    districts: Path | None = None,
    name_field: str | None = None,
    assume_crs: str | None = None,
    seeds: Path | None = None,
    layer: str | None = None,
    registry: Path | None = None,
    settings: Settings | None = None,
) -> list[Problem]:
    """Check every input and return every problem found (empty when all is well).

    Unlike :func:`load_project`, this does not stop at the first failing stage: the
    control table, the geometry, the reported figures and (with *seeds*) the
    citations are all checked.

    Parameters
    ----------
    battle, changes, districts, name_field, assume_crs
        As for :func:`load_project`.
    seeds : pathlib.Path, optional
        Folder of the source texts; when given, every citation is checked against them.
    layer : str, optional
        Layer of *districts* to read when it holds several.
    registry : pathlib.Path, optional
        Source registry; default the battle's.
    settings : Settings, optional
        Base settings.

    Returns
    -------
    list of Problem
        Every problem, in input order.
    """
    from aleppo_map._errors import AleppoMapError
    from aleppo_map.analysis.claims import load_figures
    from aleppo_map.geometry.layer import load_districts
    from aleppo_map.sources import check_against_seeds

    problems: list[Problem] = []
    try:
        settings = _settings_for(battle, settings)
    except AleppoMapError as exc:
        return _problems_of(exc, str(battle))
    try:
        project = load_project(changes=changes, registry=registry, with_layer=False,
                               settings=settings)
    except AleppoMapError as exc:
        problems.extend(_problems_of(exc, str(changes or settings.changes_path)))
        project = None
    if project is not None:
        if districts is None and settings.districts_path != DEFAULTS.districts_path:
            districts = settings.districts_path
        try:
            geometry = load_districts(districts, project.gazetteer, name_field=name_field,
                                      assume_crs=assume_crs,
                                      required_ids=project.timeline.district_ids,
                                      layer=layer, settings=project.settings)
            if project.landmarks is not None:
                from aleppo_map.gazetteer.landmarks import check_points

                problems.extend(check_points(project.landmarks, geometry.gdf,
                                             project.settings.metric_crs))
        except AleppoMapError as exc:
            problems.extend(_problems_of(exc, str(districts or settings.districts_path)))
        if settings.figures_path.is_file():
            try:
                load_figures(settings.figures_path, source_ids=project.registry.ids,
                             district_ids=project.gazetteer.ids, suggest=project.gazetteer.suggest,
                             sides=project.battle.side_ids)
            except AleppoMapError as exc:
                problems.extend(_problems_of(exc, str(settings.figures_path)))
        if seeds is not None and project.landmarks is not None:
            from aleppo_map.gazetteer.landmarks import check_cited_lines

            problems.extend(check_cited_lines(
                project.landmarks, project.gazetteer,
                lambda sid: _seed_lines(project.registry, sid, Path(seeds))))
        if seeds is not None:
            problems.extend(
                check_against_seeds(
                    project.changes, project.registry, project.gazetteer,
                    project.aggregates if project.aggregates is not None
                    else pd.DataFrame(columns=["aggregate", "phrases", "members", "note"]),
                    Path(seeds), file=str(project.changes_path))
            )
    return problems


def _seed_lines(registry: SourceRegistry, source_id: str, seeds: Path) -> list[str] | None:
    """Return the lines of a registered text, or ``None`` when unreadable (reported elsewhere)."""
    from aleppo_map._errors import AleppoMapError

    if source_id not in registry.ids:
        return None
    try:
        return registry.lines(source_id, seeds)
    except AleppoMapError:
        return None
