"""District geometry: load the embedded layer or any boundary file, joined to the gazetteer.

:func:`load_districts` reads any polygon file GeoPandas reads (the embedded layer
``data/districts.geojson``, derived from the CSR boundaries by
:mod:`aleppo_map.geometry.build`, or a user's file given with ``--districts``), in any
CRS, matches each feature's name to the gazetteer, repairs what can be repaired (with a
warning) and refuses what cannot (with one error listing every problem). Districts the
file lacks are kept as points at their gazetteer centre, so that every district of the
control table still appears on the map and in the statistics, and the
:meth:`DistrictLayer.coverage_line` says so. A *sub-area* (a gazetteer district with a
``parent_id``: a part of another district) is a marker inside its parent with no area
of its own, so that its ground is counted once, in the parent.

Every row says where its shape comes from (``geom_basis``): ``csr`` (the CSR
boundaries), ``estimated`` (an estimated polygon of the embedded layer, on ground the
CSR file leaves uncovered), ``file`` (a user's file), ``sub-area`` or ``missing``.

A foreign file whose feature names a district the gazetteer does not know is an
error, not a silent drop: the user either fixes the name in the file, or adds the
spelling as an alias of the right district in ``data/gazetteer.csv``.

Examples
--------
>>> from aleppo_map.gazetteer import load_gazetteer
>>> layer = load_districts(None, load_gazetteer())
>>> layer.source, len(layer.gdf), len(layer.subareas)
('embedded', 135, 9)
>>> layer.gdf.loc["citadel", "geom_kind"], round(float(layer.gdf.loc["citadel", "area_km2"]), 2)
('polygon', 0.13)
>>> layer.basis["sheikh-lutfi"], layer.basis["tariq-al-bab"], layer.subareas["tariq-al-bab"]
('estimated', 'sub-area', 'helwaniyeh')
>>> layer.attribution
'Neighbourhood boundaries: Columbia Center for Spatial Research (MIT)'

"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from aleppo_map import _io as io
from aleppo_map._errors import InputFileError, Problem, ValidationError
from aleppo_map.battle import UTM
from aleppo_map.gazetteer import Gazetteer
from aleppo_map.settings import DEFAULTS, Settings

#: Fields tried, in this order, when no ``name_field`` is given.
NAME_FIELDS: tuple[str, ...] = (
    "district_id", "NAME", "name", "name_en", "NAME_EN", "Name", "NAME_A", "NAME_AR", "name_ar",
    "Name_Ar", "district", "DISTRICT", "neighbourhood", "neighborhood", "NEIGHBORHOOD",
)
#: Fields tried for an Arabic name when the main name does not resolve.
ARABIC_FIELDS: tuple[str, ...] = ("NAME_A", "NAME_AR", "name_ar", "Name_Ar", "NAME_ARABIC",
                                  "name_arabic", "arabic")
#: Attribution of the embedded layer's boundaries (see the CSR licence in ``data/``).
ATTRIBUTION = "Neighbourhood boundaries: Columbia Center for Spatial Research (MIT)"
#: Values of the ``geom_basis`` column of :attr:`DistrictLayer.gdf`.
GEOM_BASES: tuple[str, ...] = ("csr", "estimated", "file", "sub-area", "missing")

def _polygonal(geom: BaseGeometry | None) -> Polygon | MultiPolygon | None:
    """Keep the polygonal parts of *geom* (``None`` when there are none)."""
    if geom is None or geom.is_empty:
        return None
    parts: list[Polygon] = []
    for g in shapely.get_parts(geom):
        if isinstance(g, Polygon) and not g.is_empty:
            parts.append(g)
        elif isinstance(g, MultiPolygon):
            parts.extend(g.geoms)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _repaired(geom: BaseGeometry) -> Polygon | MultiPolygon | None:
    """Return *geom* made valid, keeping its polygonal parts."""
    if geom.is_valid:
        return _polygonal(geom)
    return _polygonal(shapely.make_valid(geom))


# ============================================================================= load
#: Features farther than this from every gazetteer centre mean a wrong CRS.
_FAR_FROM_CITY_KM = 60.0
#: Overlap between two districts of a boundary file reported as a warning above this.
_OVERLAP_WARN_M2 = 1000.0


@dataclass
class DistrictLayer:
    """District geometry joined to the gazetteer, one row per required district.

    Attributes
    ----------
    gdf : geopandas.GeoDataFrame
        EPSG:4326, indexed by ``district_id`` in the order of the required ids; columns
        ``name_en``, ``name_ar``, ``sector``, ``geom_kind`` (``'polygon'``, or
        ``'point'`` for a district the file lacks or a sub-area), ``geom_basis`` (one
        of :data:`GEOM_BASES`: where the shape comes from), ``geom_note`` (why a shape
        is estimated, or what a sub-area is part of), ``area_km2`` (polygon area
        computed in ``settings.metric_crs``; the gazetteer area for a point; 0 for a
        sub-area, whose ground is its parent's) and ``geometry`` (the polygon, or the
        gazetteer centre).
    source : str
        The file's path, or ``'embedded'`` for ``data/districts.geojson``.
    warnings : list of str
        Repairs, dissolves, overlaps and features of districts not required.
    missing : list of str
        Required ids the file has no polygon for (drawn as points), sub-areas included.
    subareas : dict
        Sub-area id -> parent id, for the sub-areas drawn as markers.
    attribution : str
        The credit line every output that draws the layer prints (:data:`ATTRIBUTION`
        for the embedded layer; empty for a user's file).
    """

    gdf: gpd.GeoDataFrame
    source: str
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    subareas: dict[str, str] = field(default_factory=dict)
    attribution: str = ""
    _areas: dict[str, pd.Series] = field(default_factory=dict, init=False, repr=False,
                                         compare=False)

    def __post_init__(self) -> None:
        # a layer built in memory from bare polygons: a polygon comes from the file, a
        # point is a district the file lacks (or a declared sub-area)
        if "geom_basis" not in self.gdf.columns:
            point = self.gdf.geom_type == "Point"
            sub = self.gdf.index.isin(list(self.subareas))
            self.gdf["geom_basis"] = np.where(sub, "sub-area", np.where(point, "missing", "file"))
        if "geom_note" not in self.gdf.columns:
            self.gdf["geom_note"] = ""

    @property
    def basis(self) -> pd.Series:
        """Where each district's shape comes from (``gdf['geom_basis']``).

        Returns
        -------
        pandas.Series
            One of :data:`GEOM_BASES` per district id.
        """
        basis: pd.Series = self.gdf["geom_basis"]
        return basis

    def metric_areas(self, crs: str) -> pd.Series:
        """Area in km² of each row's geometry measured in *crs* (once per CRS).

        Stats, check-figures and the page each ask for the areas; projecting a large
        layer costs a second or more at 100,000 districts, so the answer is kept. The
        layer's geometry must not be changed in place afterwards.

        Parameters
        ----------
        crs : str
            A metric CRS.

        Returns
        -------
        pandas.Series
            km² indexed like :attr:`gdf` (0 for a point).
        """
        if crs not in self._areas:
            self._areas[crs] = self.gdf.geometry.to_crs(crs).area / 1e6
        return self._areas[crs]

    def coverage_line(self) -> str:
        """One line saying how many districts have a polygon, and which are points.

        Returns
        -------
        str
            E.g. ``'coverage: 126 of 135 districts have a polygon (8 estimated); 9
            sub-areas drawn as markers inside their district: tariq-al-bab in
            helwaniyeh, ...'``, or for a file that lacks districts ``...; 17 drawn as
            points at their gazetteer centre: ...``.
        """
        total = len(self.gdf)
        have = total - len(self.missing)
        line = f"coverage: {have} of {total} districts have a polygon"
        estimated = int((self.gdf["geom_basis"] == "estimated").sum())
        if estimated:
            line += f" ({estimated} estimated)"
        if self.subareas:
            line += (f"; {len(self.subareas)} sub-areas drawn as markers inside their "
                     "district: " + ", ".join(f"{d} in {p}" for d, p in self.subareas.items()))
        points = [d for d in self.missing if d not in self.subareas]
        if points:
            line += (f"; {len(points)} drawn as points at their gazetteer centre: "
                     + ", ".join(points))
        return line


def _guess_name_field(raw: gpd.GeoDataFrame, gaz: Gazetteer) -> str | None:
    """Pick the text column whose values resolve best (ties: :data:`NAME_FIELDS` order)."""
    candidates = [c for c in raw.columns if c != raw.geometry.name
                  and (pd.api.types.is_object_dtype(raw[c])
                       or pd.api.types.is_string_dtype(raw[c]))]
    order = {name: k for k, name in enumerate(NAME_FIELDS)}
    values_of = {col: [v for v in raw[col].tolist() if isinstance(v, str) and v.strip()]
                 for col in candidates}
    # a column can do no better than all its values resolving: try the columns by that
    # bound and stop when none left can beat the best (ids resolve without the name index)
    bounds = sorted((-len(values_of[c]), order.get(c, len(order)), c) for c in candidates)
    best: tuple[int, int, str] | None = None
    for bound in bounds:
        if best is not None and best <= bound:
            break
        col = bound[2]
        values = values_of[col]
        hits = sum(gaz.lookup(v) is not None for v in values)
        if hits == 0:
            continue
        key = (-hits, order.get(col, len(order)), col)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


def _closest(gaz: Gazetteer, name: str) -> str:
    """'closest gazetteer names: ...' for an unknown name."""
    return "closest gazetteer names: " + ", ".join(
        f"{gaz.name_en(d)!r} ({d})" for d in gaz.suggest(name, 3))


def _feature_label(idx: int, name: object) -> str:
    return f"feature {idx} ({name!r})" if isinstance(name, str) and name else f"feature {idx}"


def resolve_metric_crs(settings: Settings, gaz: Gazetteer) -> str:
    """Return the settings' metric CRS; for ``utm``, the UTM zone of the gazetteer's centre.

    Parameters
    ----------
    settings : Settings
        The battle's settings.
    gaz : Gazetteer
        Its gazetteer (district centres).

    Returns
    -------
    str
        A CRS string such as ``'EPSG:32633'``.
    """
    if settings.metric_crs.lower() != UTM:
        return settings.metric_crs
    lon = pd.to_numeric(gaz.frame["lon"], errors="coerce").dropna()
    lat = pd.to_numeric(gaz.frame["lat"], errors="coerce").dropna()
    if lon.empty or lat.empty:
        raise ValidationError([Problem(gaz.source, "lon/lat", "district centres, to find the "
                                       "UTM zone the battle's metric_crs asks for", "none")])
    return settings.battle.metric_crs_for(float(lon.mean()), float(lat.mean()))


def load_districts(
    path: Path | None,
    gaz: Gazetteer,
    *,
    name_field: str | None = None,
    assume_crs: str | None = None,
    required_ids: Sequence[str] | None = None,
    settings: Settings | None = None,
    layer: str | None = None,
) -> DistrictLayer:
    """Read district polygons and join them to the gazetteer by name.

    Parameters
    ----------
    path : pathlib.Path or None
        Any polygon file GeoPandas reads (GeoJSON, GeoPackage, shapefile, ...), in any
        CRS; ``None`` for the embedded layer ``data/districts.geojson``.
    gaz : Gazetteer
        Names, aliases, centres and areas.
    name_field : str, optional
        Attribute holding the district names. When omitted, the text attribute whose
        values resolve best is used (ties broken by :data:`NAME_FIELDS` order). An
        Arabic attribute (:data:`ARABIC_FIELDS`) is tried for features whose name does
        not resolve.
    assume_crs : str, optional
        CRS to use when the file declares none (e.g. ``'EPSG:4326'``). Ignored, with a
        warning, when the file declares one.
    required_ids : Sequence[str], optional
        Districts the layer must have a row for (the control table's); default every
        gazetteer district.
    settings : Settings, optional
        The battle's settings (default :data:`~aleppo_map.settings.DEFAULTS`): where the
        embedded layer is, the battle's name and its metric CRS (for areas, overlaps and
        the check that the file lies over the battle's place).
    layer : str, optional
        Layer of a file holding several (required then).

    Returns
    -------
    DistrictLayer
        One row per required id, in that order: the (repaired, dissolved) polygon, or
        the gazetteer centre as a point when the file lacks the district (with no area
        of its own for a sub-area).

    Raises
    ------
    InputFileError
        When the file is missing or unreadable, has no features, declares no CRS (and
        no *assume_crs* was given), has no polygon, or has no usable name attribute.
    ValidationError
        Listing every feature whose name is unknown (with the three closest names),
        whose geometry is not a polygon or cannot be repaired, and every required id
        the gazetteer does not know.
    """
    settings = DEFAULTS if settings is None else settings
    metric_crs = resolve_metric_crs(settings, gaz)
    embedded = path is None
    file = Path(path) if path is not None else settings.districts_path
    if embedded and not file.exists():
        raise InputFileError(f"{file}: embedded district layer not found (expected the file "
                             "written by `aleppo-map build-districts`)")
    raw = io.read_vector(file, "district boundary file", layer=layer)
    where = str(file)
    if len(raw) == 0:
        raise InputFileError(f"{where}: expected polygon features, got an empty layer")

    warnings: list[str] = []
    raw = _with_crs(raw, where, assume_crs, warnings)
    kinds = _polygon_kinds(raw, where)
    field_name = _name_field(raw, gaz, where, name_field)

    problems: list[Problem] = []
    matched, own_basis = _match_features(raw, kinds, gaz, field_name, where, warnings, problems)
    wanted = list(required_ids) if required_ids is not None else gaz.ids
    problems.extend(Problem("required districts", "district_id", "a gazetteer id", repr(did),
                            hint=_closest(gaz, did))
                    for did in wanted if did not in gaz.frame.index)
    if problems:
        raise ValidationError(problems)

    shapes = _dissolved(matched, raw.crs, where, warnings)
    wanted_set = set(wanted)  # once: a set per district was quadratic
    extra = [d for d in shapes if d not in wanted_set]
    if extra:
        warnings.append(f"{where}: {len(extra)} district(s) not in the control table, not "
                        "drawn: " + ", ".join(extra))
    present = [d for d in wanted if d in shapes]
    metric = gpd.GeoSeries([shapes[d] for d in present], index=present,
                           crs="EPSG:4326").to_crs(metric_crs)
    warnings.extend(_overlaps(metric, present, where))
    _check_near_centres(metric, present, gaz, metric_crs, settings.battle.name, where)

    missing = [d for d in wanted if d not in shapes]
    subareas = {d: str(gaz.parent(d)) for d in missing if gaz.parent(d)}
    polygon_m2 = dict(zip(present, metric.area.to_numpy(), strict=True))
    gdf = _layer_rows(gaz, wanted, shapes, polygon_m2, own_basis, subareas)
    return DistrictLayer(gdf=gdf, source="embedded" if embedded else str(file),
                         warnings=warnings, missing=missing, subareas=subareas,
                         attribution=ATTRIBUTION if embedded else "")


def _with_crs(raw: gpd.GeoDataFrame, where: str, assume_crs: str | None,
              warnings: list[str]) -> gpd.GeoDataFrame:
    """Return *raw* with a CRS: its own, else *assume_crs* (a warning says which)."""
    if raw.crs is None:
        if not assume_crs:
            raise InputFileError(
                f"{where}: the file declares no CRS (expected one, e.g. a .prj beside a "
                "shapefile); pass --assume-crs, e.g. --assume-crs EPSG:4326, if you know it")
        try:
            raw = raw.set_crs(CRS.from_user_input(assume_crs))
        except CRSError as exc:
            raise InputFileError(
                f"--assume-crs: expected a CRS such as EPSG:4326, got {assume_crs!r} ({exc})"
            ) from None
        warnings.append(f"{where}: no CRS declared; assumed {assume_crs} as asked")
    elif assume_crs:
        warnings.append(f"{where}: the file declares {raw.crs.to_string()}; "
                        f"--assume-crs {assume_crs} ignored")
    return raw


def _polygon_kinds(raw: gpd.GeoDataFrame, where: str) -> pd.Series:
    """Geometry type per feature; refuse a file without any polygon."""
    kinds: pd.Series = raw.geometry.geom_type
    if not kinds.isin(["Polygon", "MultiPolygon"]).any():
        got = ", ".join(sorted({str(k) for k in kinds.dropna().unique()})) or "no geometry"
        raise InputFileError(f"{where}: expected a polygon file (Polygon or MultiPolygon "
                             f"features), got {got}")
    return kinds


def _name_field(raw: gpd.GeoDataFrame, gaz: Gazetteer, where: str, name_field: str | None) -> str:
    """Return the attribute holding district names: *name_field*, checked, or the best guess."""
    columns = [c for c in raw.columns if c != raw.geometry.name]
    if name_field is not None:
        if name_field not in raw.columns:
            raise InputFileError(f"{where}: --name-field {name_field!r} is not an attribute "
                                 f"of the file; expected one of: {', '.join(map(str, columns))}")
        return name_field
    guessed = _guess_name_field(raw, gaz)
    if guessed is None:
        raise InputFileError(
            f"{where}: no attribute holds district names the gazetteer knows (tried "
            f"{', '.join(map(str, columns)) or 'none: the file has no attributes'}); "
            "pass --name-field, or add the file's spellings as aliases in gazetteer.csv")
    return guessed


def _match_features(
    raw: gpd.GeoDataFrame, kinds: pd.Series, gaz: Gazetteer, field_name: str, where: str,
    warnings: list[str], problems: list[Problem],
) -> tuple[list[tuple[str, BaseGeometry, str]], dict[str, tuple[str, str]]]:
    """Match each feature's name to the gazetteer and check (repair) its geometry.

    Returns the matched features as (district id, geometry in the file's CRS, label)
    and, for a layer written by ``build-districts``, each district's own
    ``(geom_basis, geom_note)``. Problems and warnings are appended to the lists given.
    """
    arabic = next((c for c in ARABIC_FIELDS if c in raw.columns and c != field_name), None)
    matched: list[tuple[str, BaseGeometry, str]] = []
    own_basis: dict[str, tuple[str, str]] = {}
    has_basis = "geom_basis" in raw.columns
    bases = raw["geom_basis"].tolist() if has_basis else []
    notes = raw["geom_note"].tolist() if has_basis and "geom_note" in raw.columns else []
    geoms = raw.geometry.to_numpy()
    # the usual case at once: a valid, non-empty polygon needs no repair
    plain = (shapely.is_valid(geoms) & ~shapely.is_empty(geoms)
             & kinds.isin(["Polygon", "MultiPolygon"]).to_numpy(dtype=bool))
    for idx, (name, geom, kind) in enumerate(zip(raw[field_name].tolist(), geoms,
                                                 kinds.tolist(), strict=True), start=1):
        text = name.strip() if isinstance(name, str) else ("" if pd.isna(name) else str(name))
        feat = _feature_label(idx, text)
        did = gaz.lookup(text) if text else None
        if did is None and arabic is not None:
            did = _by_arabic_name(raw[arabic].iloc[idx - 1], gaz, f"{where}, {feat}", arabic,
                                  warnings)
        if did is None:
            problems.append(Problem(
                where, str(field_name), "a district name or alias of the gazetteer",
                repr(text) if text else "an empty name", row=idx,
                hint=_closest(gaz, text) if text else "fill in the name, or drop the feature"))
            continue
        checked = geom if plain[idx - 1] else _checked_geometry(
            geom, str(kind), did, idx, where, feat, warnings, problems)
        if checked is None:
            continue
        matched.append((did, checked, feat))
        if has_basis:
            basis = bases[idx - 1]
            note = notes[idx - 1] if notes else ""
            if isinstance(basis, str) and basis in GEOM_BASES:
                own_basis[did] = (basis, note if isinstance(note, str) else "")
    return matched, own_basis


def _by_arabic_name(alt: object, gaz: Gazetteer, where: str, arabic: str,
                    warnings: list[str]) -> str | None:
    """Return the district an Arabic name resolves to (with a warning), or ``None``."""
    if not isinstance(alt, str) or not alt.strip():
        return None
    did = gaz.lookup(alt.strip())
    if did is not None:
        warnings.append(f"{where}: matched to {did!r} by its Arabic name {alt.strip()!r} "
                        f"in {arabic!r}")
    return did


def _checked_geometry(geom: BaseGeometry | None, kind: str, did: str, idx: int, where: str,
                      feat: str, warnings: list[str],
                      problems: list[Problem]) -> BaseGeometry | None:
    """Return a feature's polygon, repaired if need be, or ``None`` (with a warning or a problem)."""
    if geom is None or geom.is_empty:
        warnings.append(f"{where}, {feat}: empty geometry, ignored")
        return None
    if kind not in ("Polygon", "MultiPolygon"):
        problems.append(Problem(where, "geometry", "a Polygon or MultiPolygon",
                                f"a {kind}", row=idx, hint=f"district {did!r}"))
        return None
    if geom.is_valid:
        return geom
    reason = shapely.is_valid_reason(geom)
    fixed = _repaired(geom)
    if fixed is None:
        problems.append(Problem(where, "geometry", "a valid polygon",
                                f"an invalid polygon ({reason}) that make_valid "
                                "cannot turn into an area", row=idx))
        return None
    warnings.append(f"{where}, {feat}: invalid geometry ({reason}) repaired with make_valid")
    return fixed


def _dissolved(matched: Sequence[tuple[str, BaseGeometry, str]], crs: CRS, where: str,
               warnings: list[str]) -> dict[str, BaseGeometry]:
    """Reproject to EPSG:4326 and dissolve several features of one district (with a warning)."""
    geo = gpd.GeoSeries([g for _, g, _ in matched], crs=crs).to_crs("EPSG:4326")
    by_id: dict[str, list[tuple[BaseGeometry, str]]] = {}
    for (did, _, feat), g in zip(matched, geo, strict=True):
        by_id.setdefault(did, []).append((g, feat))
    shapes: dict[str, BaseGeometry] = {}
    for did, parts in by_id.items():
        if len(parts) > 1:
            warnings.append(f"{where}: {len(parts)} features of {did!r} dissolved into one: "
                            + ", ".join(f for _, f in parts))
            shapes[did] = _polygonal(shapely.make_valid(
                shapely.union_all([g for g, _ in parts]))) or parts[0][0]
        else:
            shapes[did] = parts[0][0]
    return shapes


def _overlaps(metric: gpd.GeoSeries, present: Sequence[str], where: str) -> list[str]:
    """Warn of districts that overlap by more than :data:`_OVERLAP_WARN_M2` (not altered)."""
    geoms = metric.to_numpy()
    left, right = metric.sindex.query(geoms, predicate="intersects")
    # the shared area lies in the overlap of the bounding boxes: districts that only
    # touch (most pairs) are left out before intersecting
    box = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):  # NaN bounds (an unprojectable shape): no area
        wide = np.minimum(box[left, 2], box[right, 2]) - np.maximum(box[left, 0], box[right, 0])
        high = np.minimum(box[left, 3], box[right, 3]) - np.maximum(box[left, 1], box[right, 1])
    pair = (left < right) & (wide * high > 0.999 * _OVERLAP_WARN_M2)  # margin: rounding
    left, right = left[pair], right[pair]
    shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    return [f"{where}: {present[i]!r} and {present[j]!r} overlap by {area:,.0f} m²"
            for i, j, area in zip(left, right, shared, strict=True) if area > _OVERLAP_WARN_M2]


def _check_near_centres(metric: gpd.GeoSeries, present: Sequence[str], gaz: Gazetteer,
                        metric_crs: str, place: str, where: str) -> None:
    """Refuse features far from the gazetteer's centres (a wrong --assume-crs puts them elsewhere)."""
    if not present:
        return
    centres = gpd.GeoSeries(gpd.points_from_xy(gaz.frame["lon"], gaz.frame["lat"]),
                            crs="EPSG:4326").dropna().to_crs(metric_crs)
    hull = shapely.union_all(centres.to_numpy()).convex_hull
    reps = metric.representative_point().to_numpy()
    # a point inside the hull is 0 m away: measure only the others (the prepared hull
    # tells them apart without a distance computation per point)
    shapely.prepare(hull)
    inside = shapely.intersects(hull, reps)
    dist = np.zeros(len(reps))
    with np.errstate(invalid="ignore"):  # as the distance of one shape at a time
        dist[~inside] = shapely.distance(hull, reps[~inside])
    far = [(present[int(i)], dist[i] / 1000.0)
           for i in np.flatnonzero(dist > _FAR_FROM_CITY_KM * 1000.0)]
    if far:
        raise ValidationError([
            Problem(where, "geometry", f"features over {place} (within "
                    f"{_FAR_FROM_CITY_KM:.0f} km of the gazetteer's centres)",
                    f"{d!r} {km:,.0f} km away",
                    hint="wrong CRS? check the file's CRS or --assume-crs")
            for d, km in far[:5]
        ])


def _layer_rows(gaz: Gazetteer, wanted: Sequence[str], shapes: dict[str, BaseGeometry],
                polygon_m2: dict[str, float], own_basis: dict[str, tuple[str, str]],
                subareas: dict[str, str]) -> gpd.GeoDataFrame:
    """One row per required district: its polygon, or a point at its gazetteer centre."""
    cols: dict[str, list[object]] = {c: [] for c in (
        "district_id", "name_en", "name_ar", "sector", "geom_kind", "geom_basis", "geom_note",
        "area_km2", "geometry")}
    info = gaz.frame.loc[list(wanted)]  # column-wise: a lookup per district and column was slow
    for did, name_en, name_ar, sector, lon, lat, gaz_km2 in zip(
        wanted, info["name_en"].tolist(), info["name_ar"].tolist(), info["sector"].tolist(),
        info["lon"].tolist(), info["lat"].tolist(), info["area_km2"].tolist(), strict=True,
    ):
        if did in shapes:
            kind, geom = "polygon", shapes[did]
            area = float(polygon_m2[did]) / 1e6
            basis, note = own_basis.get(did, ("file", ""))
        elif did in subareas:
            kind, geom, area = "point", Point(float(lon), float(lat)), 0.0
            basis = "sub-area"
            note = str(gaz.frame.at[did, "geom_note"]) or f"part of {subareas[did]}"
        else:
            kind, geom = "point", Point(float(lon), float(lat))
            area = float(gaz_km2)
            basis, note = "missing", "no polygon in this file: drawn at its gazetteer centre"
        for col, value in (("district_id", did), ("name_en", str(name_en)),
                           ("name_ar", "" if pd.isna(name_ar) else str(name_ar)),
                           ("sector", str(sector)), ("geom_kind", kind), ("geom_basis", basis),
                           ("geom_note", note), ("area_km2", area), ("geometry", geom)):
            cols[col].append(value)
    return gpd.GeoDataFrame(cols, geometry="geometry", crs="EPSG:4326").set_index("district_id")
