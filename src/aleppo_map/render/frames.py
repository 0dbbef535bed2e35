"""Static maps with matplotlib: daily frames, an animation, a contact sheet.

Every frame carries what a report needs on its own: the date as title, a legend,
a scale bar, a north arrow (turned by the grid convergence of UTM zone 37N), an
attribution line naming the sources and the boundary data, hatching for partial
control, and, on request, district labels in English and Arabic. Every frame has
the same extent, layout and colours.

Speed
-----
The geometry is turned into matplotlib paths and drawn into one figure once
(:class:`FrameScene`). A frame then only changes the face colours of one
collection, the paths of four hatch collections (one per advancing side:
matplotlib hatches are per collection) and two lines of text, and saves. For PNG,
everything that is the same on all days (legend, attribution, scale bar, north
arrow, labels, map frame) is rasterised once into a transparent layer that each
frame blends pixel for pixel, instead of laying out a thousand glyphs again;
SVG and PDF keep real text. With ``jobs > 1`` the days are spread over worker
processes, each of which builds the figure once from a picklable
:class:`SceneData`. ``benchmarks/frames.py`` measures this against the naive way
(``GeoDataFrame.plot`` per day).

Drawing conventions
-------------------
* Fill: the colour of the side holding the district (for a partial state, the
  side holding the rest: the ``remainder``).
* Hatching: a partial state, lines in the darker colour of the advancing side
  (the ``controller`` of the partial row).
* A district the boundary file lacks is drawn as a circle at its gazetteer
  centre, with a dashed outline, and the legend says so.

Arabic text
-----------
Matplotlib draws glyphs in the order given unless it lays text out itself (it
does from version 3.11, through libraqm). :func:`arabic_label` returns what must be
passed to matplotlib for correct joining and right-to-left order in either case:
the logical string when matplotlib shapes text, else the string reshaped into
presentation forms (``arabic_reshaper``) and put in visual order (``python-bidi``),
see :func:`shape_arabic`. The bundled DejaVu Sans font has the Arabic glyphs.

Examples
--------
>>> [hex(ord(c)) for c in shape_arabic("حلب")]  # final ba, medial lam, initial ha
['0xfe90', '0xfee0', '0xfea3']
>>> nice_length(3700.0)
2000.0
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import sys
import textwrap
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from aleppo_map import _io as io
from aleppo_map._errors import AleppoMapError, Problem, ValidationError
from aleppo_map._progress import progress
from aleppo_map.settings import CONTROLLERS, DEFAULTS, LABELS
from aleppo_map.sources import quote_title

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from aleppo_map.project import Project

#: Image formats of :func:`render_frames`.
FRAME_FORMATS: Final[tuple[str, ...]] = ("png", "svg", "pdf")
#: Animation formats of :func:`write_animation`.
ANIMATION_FORMATS: Final[tuple[str, ...]] = ("gif", "mp4")
#: File formats of :func:`write_contact_sheet`, chosen by the file's suffix.
SHEET_FORMATS: Final[tuple[str, ...]] = ("png", "pdf")
#: District label modes: none, the key districts (see :func:`key_districts`), or all.
LABEL_MODES: Final[tuple[str, ...]] = ("none", "key", "all")
#: Number of districts labelled with ``labels="key"``.
N_KEY_LABELS: Final = 12
#: Hatch pattern of partial control.
HATCH: Final = "////"
#: Width in inches the frame layout is designed at; text and lines scale with the width.
DESIGN_WIDTH_IN: Final = 8.0
#: Font of every text (shipped with matplotlib; it has Arabic glyphs).
FONT: Final = "DejaVu Sans"
#: Radius of the circle drawn for a district without a polygon, as a share of the map width.
POINT_RADIUS: Final = 0.016
#: Page width of the contact sheet (A4 portrait), in inches, and its resolution.
SHEET_WIDTH_IN: Final = 8.27
SHEET_DPI: Final = 200

_EDGE = "#ffffff"
_POINT_EDGE = "#222222"
_INK = "#1a1a1a"
_MUTED = "#555555"
_SEA = "#f2f1ee"
_MOVETO, _LINETO, _CLOSE = 1, 2, 79
_SHORT = {"government": "government", "rebel": "rebels", "sdf": "SDF", "contested": "contested"}


# ----------------------------------------------------------------------------- text
def shape_arabic(text: str) -> str:
    """Reshape Arabic letters into their joined forms and put the string in visual order.

    Parameters
    ----------
    text : str
        Text in logical order (as typed and stored).

    Returns
    -------
    str
        Presentation-form characters, left to right as they are to be drawn.
    """
    import arabic_reshaper
    from bidi.algorithm import get_display

    return str(get_display(arabic_reshaper.reshape(text)))


@functools.cache
def matplotlib_shapes_text() -> bool:
    """Tell whether matplotlib joins and reorders right-to-left text itself.

    Probes the installed matplotlib: lays out a three-letter Arabic word and checks
    that its last letter, in final form, comes first from the left.

    Returns
    -------
    bool
        ``True`` for matplotlib with complex text layout (3.11 and later).
    """
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font, LoadFlags

    font = FT2Font(font_manager.findfont(FONT))
    if not hasattr(font, "_layout"):
        return False
    by_glyph = {g: c for c, g in font.get_charmap().items()}
    items = list(font._layout("حلب", LoadFlags.NO_HINTING))
    return bool(items) and by_glyph.get(items[0].glyph_index) == 0xFE90


def arabic_label(text: str) -> str:
    """Return Arabic text ready to hand to matplotlib, so that it is drawn joined and right-to-left.

    Parameters
    ----------
    text : str
        Text in logical order.

    Returns
    -------
    str
        *text* itself when matplotlib shapes text (see :func:`matplotlib_shapes_text`),
        else :func:`shape_arabic` of it.
    """
    if not text or matplotlib_shapes_text():
        return text
    return shape_arabic(text)


def nice_length(span: float) -> float:
    """Return a round scale-bar length (1, 2 or 5 times a power of ten) of at most *span*.

    Parameters
    ----------
    span : float
        Largest acceptable length, in metres.

    Returns
    -------
    float
        The length in metres.
    """
    if span <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(span))
    return float(max(m * power for m in (1, 2, 5) if m * power <= span))


# ----------------------------------------------------------------------------- scene data
@dataclass(frozen=True)
class DaySpec:
    """What changes from one frame to the next.

    Attributes
    ----------
    day : datetime.date
        The day.
    fill : numpy.ndarray
        Per district (scene order), index into :data:`CONTROLLERS` of the holder.
    gain : numpy.ndarray
        Per district, index of the advancing side of a partial state, or -1.
    title, subtitle : str
        Texts of the frame.
    changed : int
        Districts whose state differs from the day before.
    """

    day: date
    fill: np.ndarray
    gain: np.ndarray
    title: str
    subtitle: str
    changed: int


@dataclass(frozen=True)
class SceneData:
    """Everything needed to draw frames, as plain picklable data (no matplotlib objects).

    Attributes
    ----------
    ids : list of str
        District ids in drawing order (polygons first, then circles).
    vertices, codes : list of numpy.ndarray
        One matplotlib path per district, in metres of the metric CRS.
    is_point : numpy.ndarray
        Whether the district is drawn as a circle (no polygon in the boundary file).
    extent : tuple of float
        ``xmin, xmax, ymin, ymax`` of the map, in metres.
    size : tuple of int
        Frame size in pixels.
    dpi : int
        Dots per inch.
    colours, hatch_colours : list of str
        Per side of :data:`CONTROLLERS`.
    hatched_sides : list of int
        Sides that advance partially on some day (one legend entry each).
    labels : list of tuple
        ``(x, y, text, fontsize_pt)`` per label, in metres.
    north : float
        Angle of true north, clockwise from the map's up, in degrees.
    attribution : str
        Sources and boundary line.
    boundary_name : str
        Where the boundaries come from, for the legend note on circles.
    days : list of DaySpec
        One per frame.
    fmt : str
        File format.
    hide_text : bool
        Draw no text at all (for image comparison tests).
    declutter : bool
        Hide a label that would overlap one earlier in ``labels`` (key labels).
    metadata : dict
        Title and source line for the file's metadata.
    """

    ids: list[str]
    vertices: list[np.ndarray]
    codes: list[np.ndarray]
    is_point: np.ndarray
    extent: tuple[float, float, float, float]
    size: tuple[int, int]
    dpi: int
    colours: list[str]
    hatch_colours: list[str]
    hatched_sides: list[int]
    labels: list[tuple[float, float, str, float]]
    north: float
    attribution: str
    boundary_name: str
    days: list[DaySpec]
    fmt: str = "png"
    hide_text: bool = False
    declutter: bool = False
    metadata: dict[str, str] = field(default_factory=dict)


def _ring_path(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes = np.full(len(coords), _LINETO, dtype=np.uint8)
    codes[0] = _MOVETO
    codes[-1] = _CLOSE
    return coords, codes


def geometry_path(geom: Any) -> tuple[np.ndarray, np.ndarray]:
    """Turn a polygon or multipolygon into one compound path (vertices, codes).

    Exteriors are made counter-clockwise and holes clockwise, so that holes stay
    empty under matplotlib's non-zero fill rule.

    Parameters
    ----------
    geom : shapely.Polygon or shapely.MultiPolygon
        The geometry (2-D).

    Returns
    -------
    tuple of numpy.ndarray
        ``(N, 2)`` float vertices and ``(N,)`` uint8 path codes.
    """
    from shapely.geometry.polygon import orient

    parts = list(getattr(geom, "geoms", [geom]))
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in parts:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        poly = orient(poly, 1.0)
        for ring in (poly.exterior, *poly.interiors):
            v, c = _ring_path(np.asarray(ring.coords, dtype=float)[:, :2])
            verts.append(v)
            codes.append(c)
    if not verts:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.uint8)
    return np.concatenate(verts), np.concatenate(codes)


def _circle_path(x: float, y: float, r: float) -> tuple[np.ndarray, np.ndarray]:
    t = np.linspace(0, 2 * np.pi, 33)
    coords = np.column_stack([x + r * np.cos(t), y + r * np.sin(t)])
    return _ring_path(coords)


def _side_index(values: pd.Series) -> np.ndarray:
    lookup = {s: i for i, s in enumerate(CONTROLLERS)}
    return values.map(lambda v: lookup.get(v, -1)).to_numpy(dtype=np.int8)


def day_specs(project: Project, ids: Sequence[str]) -> list[DaySpec]:
    """Compute fill, hatching and texts of every day's frame.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    ids : Sequence[str]
        District ids in drawing order.

    Returns
    -------
    list of DaySpec
        One per day of the timeline.
    """
    tl = project.timeline
    st = tl.states
    n_days = len(tl.dates)
    pos = {d: i for i, d in enumerate(ids)}
    row = st["district_id"].map(pos).to_numpy()
    keep = ~np.isnan(row.astype(float))
    day_index = {d: i for i, d in enumerate(tl.dates)}
    col = st["date"].map(day_index).to_numpy()
    ctrl = np.full((n_days, len(ids)), -1, dtype=np.int8)
    rest = np.full((n_days, len(ids)), -1, dtype=np.int8)
    share = np.ones((n_days, len(ids)))
    r = row[keep].astype(int)
    c = col[keep].astype(int)
    ctrl[c, r] = _side_index(st["controller"])[keep]
    rest[c, r] = _side_index(st["remainder"].fillna("").astype(str))[keep]
    share[c, r] = st["share"].to_numpy(dtype=float)[keep]
    partial = rest >= 0
    fill = np.where(partial, rest, ctrl).astype(np.int8)
    gain = np.where(partial, ctrl, -1).astype(np.int8)
    east = _east_line(project)
    out: list[DaySpec] = []
    for i, d in enumerate(tl.dates):
        if i == 0:
            changed = 0
            line = f"Day 1 of {n_days} · opening state"
        else:
            diff = ((ctrl[i] != ctrl[i - 1]) | (rest[i] != rest[i - 1])
                    | ~np.isclose(share[i], share[i - 1]))
            changed = int(diff.sum())
            noun = "district" if changed == 1 else "districts"
            line = (f"Day {i + 1} of {n_days} · {changed} {noun} changed since "
                    f"{tl.dates[i - 1].day} {tl.dates[i - 1]:%b}")
        if east is not None:
            line += "\n" + east[i]
        out.append(DaySpec(d, fill[i].copy(), gain[i].copy(),
                           f"Aleppo, {d.day} {d:%B %Y}", line, changed))
    return out


def _east_line(project: Project) -> list[str] | None:
    """Per day, who holds the area the rebels held on 15 November (None if they held none)."""
    from aleppo_map.analysis import areas as stats
    if project.layer is None:
        return None
    table = stats.daily_stats(project)
    if table["east_rebel_pct"].isna().all():
        return None
    first = DEFAULTS.start  # "formerly rebel-held" always refers to the offensive's first day
    lines = []
    for rec in table.to_dict("records"):
        parts = [f"{_SHORT[s]} {rec[f'east_{s}_pct']:.0f}%"
                 for s in CONTROLLERS if rec[f"east_{s}_pct"] >= 0.5]
        lines.append(f"Of the city area rebels held on {first.day} {first:%b}: "
                     + " · ".join(parts))
    return lines


def key_districts(project: Project, n: int = N_KEY_LABELS) -> list[str]:
    """Pick the districts labelled with ``labels="key"``.

    The districts named most often by applied rows that change a state (events
    other than baseline and repelled, from rows about that district, not from
    aggregate statements), ties broken by larger area, then by id.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    n : int
        How many.

    Returns
    -------
    list of str
        District ids.
    """
    hist = project.timeline.history
    named = hist[(hist["status"] == "applied")
                 & ~hist["event"].isin(["baseline", "repelled"])
                 & (hist["aggregate"].astype(str) == "")]
    counts = named.groupby("district_id").size()
    gdf = project.layer.gdf if project.layer is not None else None
    area = {} if gdf is None else dict(gdf["area_km2"].astype(float))
    ranked = sorted(counts.index, key=lambda d: (-counts[d], -area.get(d, 0.0), d))
    return [d for d in ranked if d in set(project.timeline.district_ids)][:n]


def attribution(project: Project) -> str:
    """Build the attribution line: the sources cited and the boundary data.

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    str
        One paragraph.
    """
    registry = project.registry
    cited = set(project.changes["source_id"])
    ids = [s for s in registry.ids if s in cited]
    frame = getattr(registry, "frame", None)
    parts = []
    for sid in ids:
        title = quote_title(registry.title(sid), "“”")
        if frame is not None and sid in frame.index:
            rec = frame.loc[sid]
            parts.append(f"{rec.get('publisher', '')}, {title} ({rec.get('published', '')})"
                         .lstrip(", "))
        else:
            parts.append(title)
    return f"Sources: {'; '.join(parts)}. {boundary_line(project)}. " \
           "Map: aleppo-map; every state is traced to a source line."


def boundary_line(project: Project) -> str:
    """Describe the boundary data for the attribution line.

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    str
        ``"Boundaries: approximate (aleppo-map gazetteer)"`` for the embedded layer,
        else the file's name (with the CSR licence for the Columbia file).
    """
    source = str(project.layer.source) if project.layer is not None else "embedded"
    if source == "embedded":
        return "Boundaries: approximate (aleppo-map gazetteer)"
    name = Path(source).name
    text = f"Boundaries: {name}"
    if "csr" in name.lower():
        text += " (Columbia Center for Spatial Research, MIT licence)"
    return text


def _north_angle(project: Project, x: float, y: float) -> float:
    from pyproj import Transformer

    metric = project.settings.metric_crs
    to_geo = Transformer.from_crs(metric, "EPSG:4326", always_xy=True)
    to_metric = Transformer.from_crs("EPSG:4326", metric, always_xy=True)
    lon, lat = to_geo.transform(x, y)
    x2, y2 = to_metric.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(x2 - x, y2 - y))


def scene_data(
    project: Project,
    *,
    size: tuple[int, int] = (1600, 1200),
    dpi: int = 200,
    fmt: str = "png",
    labels: str = "none",
    hide_text: bool = False,
) -> SceneData:
    """Prepare the picklable description of the frames of *project*.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    size : tuple of int
        Width and height in pixels.
    dpi : int
        Dots per inch.
    fmt : str
        One of :data:`FRAME_FORMATS`.
    labels : str
        One of :data:`LABEL_MODES`.
    hide_text : bool
        Hide every text (image comparison tests).

    Returns
    -------
    SceneData
        The scene.

    Raises
    ------
    ValidationError
        For an unknown format or label mode.
    """
    problems = []
    if fmt not in FRAME_FORMATS:
        problems.append(Problem("--format", "", "one of " + ", ".join(FRAME_FORMATS), repr(fmt)))
    if labels not in LABEL_MODES:
        problems.append(Problem("--labels", "", "one of " + ", ".join(LABEL_MODES), repr(labels)))
    if problems:
        raise ValidationError(problems)
    if project.layer is None:
        raise AleppoMapError("frames need the district geometry: load the project with its layer")
    settings = project.settings
    gdf = project.layer.gdf.reindex(project.timeline.district_ids)
    metric = gdf.geometry.to_crs(settings.metric_crs)
    is_point = (gdf["geom_kind"] == "point").to_numpy()
    order = list(np.flatnonzero(~is_point)) + list(np.flatnonzero(is_point))
    ids = [gdf.index[i] for i in order]
    geoms = [metric.iloc[i] for i in order]
    xmin, ymin, xmax, ymax = metric.total_bounds
    width = max(xmax - xmin, ymax - ymin, 2000.0)
    radius = POINT_RADIUS * width
    pad = 0.03 * width + radius
    extent = (xmin - pad, xmax + pad, ymin - pad, ymax + pad)
    vertices, codes = [], []
    for g, point in zip(geoms, is_point[order], strict=True):
        v, c = _circle_path(g.x, g.y, radius) if point else geometry_path(g)
        vertices.append(v)
        codes.append(c)
    specs = day_specs(project, ids)
    hatched = sorted({int(s) for spec in specs for s in spec.gain[spec.gain >= 0]})
    label_list: list[tuple[float, float, str, float]] = []
    if labels != "none":
        chosen = key_districts(project) if labels == "key" else ids
        areas = gdf["area_km2"].astype(float)
        geom_of = dict(zip(ids, geoms, strict=True))
        for did in chosen:
            g = geom_of[did]
            p = g if g.geom_type == "Point" else g.representative_point()
            dy = 2.2 * radius if g.geom_type == "Point" else 0.0  # above the circle
            en = str(gdf.at[did, "name_en"])
            raw_ar = gdf.at[did, "name_ar"]
            ar = arabic_label(raw_ar.strip()) if isinstance(raw_ar, str) else ""
            text = f"{en}\n{ar}" if ar else en
            fs = 6.5 if labels == "key" else float(np.clip(3.0 * math.sqrt(areas[did] or 0.1),
                                                           4.0, 6.0))
            label_list.append((float(p.x), float(p.y + dy), text, fs))
    cx, cy = (extent[0] + extent[1]) / 2, (extent[2] + extent[3]) / 2
    source = str(project.layer.source)
    line = attribution(project)
    return SceneData(
        ids=ids, vertices=vertices, codes=codes, is_point=is_point[order], extent=extent,
        size=(int(size[0]), int(size[1])), dpi=int(dpi),
        colours=[settings.colours[s] for s in CONTROLLERS],
        hatch_colours=[settings.hatch_colours[s] for s in CONTROLLERS],
        hatched_sides=hatched, labels=label_list, north=_north_angle(project, cx, cy),
        attribution=line,
        boundary_name="the boundary file" if source == "embedded" else Path(source).name,
        days=specs, fmt=fmt, hide_text=hide_text, declutter=labels == "key",
        metadata={"title": "Control of the districts of Aleppo", "source": line},
    )


# ----------------------------------------------------------------------------- drawing
def _legend_handles(data: SceneData, k: float, wrap: int = 30) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = [
        Patch(facecolor=data.colours[i], edgecolor=_EDGE, linewidth=0.5 * k, label=LABELS[s])
        for i, s in enumerate(CONTROLLERS)
    ]
    for side in data.hatched_sides:
        name = LABELS[CONTROLLERS[side]]
        handles.append(Patch(facecolor="#ffffff", edgecolor=data.hatch_colours[side],
                             linewidth=0, hatch=HATCH,
                             label=textwrap.fill(f"Partly taken by {name} (hatched; fill: "
                                                 "who holds the rest)", wrap,
                                                 break_long_words=False)))
    if data.is_point.any():
        handles.append(Line2D([], [], marker="o", linestyle="none", markersize=7 * k,
                              markerfacecolor="#dddddd", markeredgecolor=_POINT_EDGE,
                              markeredgewidth=0.9 * k,
                              label=textwrap.fill(f"Not in {data.boundary_name}: circle at "
                                                  "the district's centre", wrap,
                                                  break_long_words=False)))
    return handles


def _hatch_collection(colour: str, k: float, zorder: float) -> PathCollection:
    from matplotlib.collections import PathCollection

    coll = PathCollection([], facecolors="none", edgecolors=colour, linewidths=0, hatch=HATCH,
                          zorder=zorder)
    if hasattr(coll, "set_hatch_linewidth"):
        coll.set_hatch_linewidth(0.9 * k)
    return coll


def draw_map(ax: Axes, data: SceneData, paths: list[Any], k: float,
             ) -> tuple[PathCollection, list[PathCollection]]:
    """Draw the districts into *ax*: one fill collection and one hatch collection per side.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Target axes (extent already set).
    data : SceneData
        The scene.
    paths : list of matplotlib.path.Path
        One path per district.
    k : float
        Scale of lines (1 at the design width).

    Returns
    -------
    tuple
        The fill collection and the list of hatch collections (index = side).
    """
    from matplotlib.collections import PathCollection

    edge = np.where(data.is_point, _POINT_EDGE, _EDGE).tolist()
    widths = np.where(data.is_point, 0.8 * k, 0.35 * k)
    styles = ["--" if p else "-" for p in data.is_point]
    main = PathCollection(paths, facecolors="#cccccc", edgecolors=edge, linewidths=widths,
                          linestyles=styles, zorder=1)
    ax.add_collection(main, autolim=False)
    hatches = [_hatch_collection(c, k, 2) for c in data.hatch_colours]
    for coll in hatches:
        ax.add_collection(coll, autolim=False)
    return main, hatches


def paint(main: PathCollection, hatches: list[PathCollection], paths: list[Any],
          fill_rgba: np.ndarray, spec: DaySpec) -> None:
    """Set the colours and hatching of one day.

    Parameters
    ----------
    main : matplotlib.collections.PathCollection
        The fill collection.
    hatches : list of matplotlib.collections.PathCollection
        One hatch collection per side.
    paths : list of matplotlib.path.Path
        One path per district.
    fill_rgba : numpy.ndarray
        ``(4, 4)`` RGBA of the four sides.
    spec : DaySpec
        The day.
    """
    main.set_facecolor(fill_rgba[spec.fill])
    for side, coll in enumerate(hatches):
        idx = np.flatnonzero(spec.gain == side)
        coll.set_paths([paths[i] for i in idx])
        coll.set_visible(idx.size > 0)


def _pixel_layer_class() -> type:
    from matplotlib.artist import Artist

    class PixelLayer(Artist):
        """An RGBA image the size of the canvas, blended as is (no resampling)."""

        def __init__(self, rgba: np.ndarray) -> None:
            super().__init__()
            self.rgba = np.ascontiguousarray(rgba[::-1])  # draw_image takes the bottom row first
            self.set_zorder(10)

        def draw(self, renderer: Any) -> None:
            if not self.get_visible():
                return
            gc = renderer.new_gc()
            renderer.draw_image(gc, 0, 0, self.rgba)
            gc.restore()

    return PixelLayer


def _PixelLayer(rgba: np.ndarray) -> Any:  # noqa: N802 (a lazily defined class)
    return _pixel_layer_class()(rgba)


class FrameScene:
    """A figure drawn once, repainted per day.

    Parameters
    ----------
    data : SceneData
        What to draw.
    """

    def __init__(self, data: SceneData) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.colors import to_rgba_array
        from matplotlib.figure import Figure
        from matplotlib.path import Path as MplPath

        self.data = data
        w_px, h_px = data.size
        w_in, h_in = w_px / data.dpi, h_px / data.dpi
        self.k = k = w_in / DESIGN_WIDTH_IN
        fig = Figure(figsize=(w_in, h_in), dpi=data.dpi, facecolor="white")
        FigureCanvasAgg(fig)
        self.fig: Figure = fig
        self.paths = [MplPath(v, c) for v, c in zip(data.vertices, data.codes, strict=True)]
        self.fill_rgba = to_rgba_array(data.colours)
        # layout, in inches, then figure fractions
        top = 0.78 * k
        lines = textwrap.wrap(data.attribution, width=int(170 * w_in / (DESIGN_WIDTH_IN * k)))
        self.attribution_lines = lines
        bottom = (0.16 + 0.105 * len(lines)) * k
        side_panel = w_in / h_in >= 1.1
        margin = 0.18 * k
        legend_w, legend_h = self._legend(side_panel, margin, top, bottom, w_in, h_in)
        box = (margin, bottom + legend_h, w_in - 2 * margin - legend_w,
               h_in - top - bottom - legend_h)
        ax = fig.add_axes((box[0] / w_in, box[1] / h_in, box[2] / w_in, box[3] / h_in))
        self.ax = ax
        x0, x1, y0, y1 = data.extent
        cx, cy, dx, dy = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0
        if dx / dy < box[2] / box[3]:
            dx = dy * box[2] / box[3]
        else:
            dy = dx * box[3] / box[2]
        ax.set_xlim(cx - dx / 2, cx + dx / 2)
        ax.set_ylim(cy - dy / 2, cy + dy / 2)
        ax.set_aspect("auto")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(_SEA)
        for spine in ax.spines.values():
            spine.set_color("#9a9a9a")
            spine.set_linewidth(0.5 * k)
        self.main, self.hatches = draw_map(ax, data, self.paths, k)
        text = {"family": FONT, "color": _INK}
        self.title = fig.text(margin / w_in, 1 - 0.14 * k / h_in, "", fontsize=15 * k,
                              fontweight="bold", va="top", ha="left", **text)
        self.subtitle = fig.text(margin / w_in, 1 - 0.45 * k / h_in, "", fontsize=7.5 * k,
                                 va="top", ha="left", linespacing=1.35,
                                 **{**text, "color": _MUTED})
        fig.text(margin / w_in, 0.1 * k / h_in, "\n".join(lines), fontsize=5.2 * k,
                 va="bottom", ha="left", family=FONT, color=_MUTED, linespacing=1.3)
        self._scale_bar(dx)
        self._north_arrow(box)
        self.labels = [self._label(x, y, label, fs) for x, y, label, fs in data.labels]
        if data.declutter:
            self._declutter()
        if data.hide_text:
            from matplotlib.text import Text

            for t in fig.findobj(Text):
                t.set_visible(False)
        self.overlay: np.ndarray | None = None
        if data.fmt == "png":
            self._flatten_static()

    def _flatten_static(self) -> None:
        """Rasterise every artist that is the same on all days into one pixel-aligned image.

        Legend, attribution, scale bar, north arrow, labels and the map frame are drawn
        once on a transparent canvas; a frame then blends that image instead of laying
        out and rasterising about a thousand glyphs again. Only for raster output:
        vector formats keep real text.
        """
        dynamic = {id(a) for a in (self.main, *self.hatches, self.title, self.subtitle,
                                   self.fig.patch, self.ax.patch, self.ax)}
        static = [a for a in (*self.fig.get_children(), *self.ax.get_children())
                  if id(a) not in dynamic and a.get_visible()]
        keep = [self.main, *self.hatches, self.title, self.subtitle, self.fig.patch,
                self.ax.patch]
        shown = [a.get_visible() for a in keep]
        for a in keep:
            a.set_visible(False)
        self.fig.canvas.draw()
        self.overlay = np.asarray(self.fig.canvas.buffer_rgba()).copy()
        for a, v in zip(keep, shown, strict=True):
            a.set_visible(v)
        for a in static:
            a.set_visible(False)
        self.fig.add_artist(_PixelLayer(self.overlay))

    def _legend(self, side_panel: bool, margin: float, top: float, bottom: float, w_in: float,
                h_in: float) -> tuple[float, float]:
        """Place the legend right of the map (landscape) or below it; return the room it takes."""
        k = self.k
        handles = _legend_handles(self.data, k, 30 if side_panel else 44)
        common = {"handles": handles, "frameon": False, "prop": {"family": FONT,
                                                                  "size": 7 * k},
                  "title": "Who controls the district", "title_fontsize": 7.5 * k,
                  "alignment": "left", "handlelength": 1.6, "handleheight": 1.2,
                  "labelspacing": 0.7, "borderaxespad": 0}
        if side_panel:
            legend = self.fig.legend(loc="upper right",
                                     bbox_to_anchor=(1 - margin / w_in, 1 - top / h_in),
                                     **common)
        else:
            legend = self.fig.legend(loc="lower left", ncols=2,
                                     bbox_to_anchor=(margin / w_in, (bottom + 0.05 * k) / h_in),
                                     **common)
        extent = legend.get_window_extent(self.fig.canvas.get_renderer())
        if side_panel:
            return extent.width / self.data.dpi + 0.3 * k, 0.0
        return 0.0, extent.height / self.data.dpi + 0.2 * k

    def _scale_bar(self, span: float) -> None:
        from matplotlib.font_manager import FontProperties
        from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

        k = self.k
        length = nice_length(span / 4)
        label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
        bar = AnchoredSizeBar(self.ax.transData, length, label, loc="lower left", pad=0.5,
                              borderpad=0.6, sep=2.5 * k, frameon=False, color=_INK,
                              size_vertical=span * 0.006,
                              fontproperties=FontProperties(family=FONT, size=6.5 * k))
        self.ax.add_artist(bar)

    def _north_arrow(self, box: tuple[float, float, float, float]) -> None:
        from matplotlib import patheffects
        from matplotlib.patches import FancyArrowPatch

        halo = patheffects.withStroke(linewidth=2.5 * self.k, foreground="white")
        k = self.k
        length = 0.34 * k
        theta = math.radians(self.data.north)
        tail = (box[2] - 0.35 * k, box[3] - 0.62 * k)
        head = (tail[0] + length * math.sin(theta), tail[1] + length * math.cos(theta))

        def frac(p: tuple[float, float]) -> tuple[float, float]:
            return p[0] / box[2], p[1] / box[3]

        self.ax.add_patch(FancyArrowPatch(frac(tail), frac(head), transform=self.ax.transAxes,
                                          arrowstyle="-|>", mutation_scale=11 * k,
                                          color=_INK, linewidth=1.1 * k, shrinkA=0, shrinkB=0,
                                          zorder=5, path_effects=[halo]))
        top = (head[0] + 0.12 * k * math.sin(theta), head[1] + 0.12 * k * math.cos(theta))
        self.ax.text(*frac(top), "N", transform=self.ax.transAxes, ha="center", va="center",
                     fontsize=8 * k, fontweight="bold", family=FONT, color=_INK, zorder=5,
                     path_effects=[halo])

    def _label(self, x: float, y: float, text: str, fontsize: float) -> Text:
        from matplotlib import patheffects

        t = self.ax.text(x, y, text, ha="center", va="center", fontsize=fontsize * self.k,
                         family=FONT, color=_INK, zorder=5, linespacing=1.1, clip_on=True)
        t.set_path_effects([patheffects.withStroke(linewidth=1.8 * self.k,
                                                   foreground="white")])
        return t

    def _declutter(self) -> None:
        """Hide each label that overlaps a label placed before it (labels come best first)."""
        renderer = self.fig.canvas.get_renderer()
        placed: list[Any] = []
        for t in self.labels:
            box = t.get_window_extent(renderer).expanded(1.05, 1.1)
            if any(box.overlaps(other) for other in placed):
                t.set_visible(False)
            else:
                placed.append(box)

    def show(self, i: int) -> None:
        """Repaint the figure for day *i* (colours, hatching, texts).

        Parameters
        ----------
        i : int
            Index into ``data.days``.
        """
        spec = self.data.days[i]
        paint(self.main, self.hatches, self.paths, self.fill_rgba, spec)
        self.title.set_text(spec.title)
        self.subtitle.set_text(spec.subtitle)

    def save(self, i: int, dest: Path) -> Path:
        """Repaint for day *i* and write the frame.

        Parameters
        ----------
        i : int
            Index into ``data.days``.
        dest : pathlib.Path
            Output file (format from ``data.fmt``).

        Returns
        -------
        pathlib.Path
            *dest*.
        """
        self.show(i)
        self.fig.savefig(dest, **self.savefig_kwargs(i))
        return dest

    def savefig_kwargs(self, i: int) -> dict[str, Any]:
        """Arguments of :meth:`~matplotlib.figure.Figure.savefig` for day *i*.

        PNG is compressed at zlib level 1: about twice as fast as the default for
        10% larger files of these flat-coloured maps.

        Parameters
        ----------
        i : int
            Index into ``data.days``.

        Returns
        -------
        dict
            Keyword arguments.
        """
        kwargs: dict[str, Any] = {"format": self.data.fmt, "dpi": self.data.dpi,
                                  "metadata": self.metadata(i)}
        if self.data.fmt == "png":
            kwargs["pil_kwargs"] = {"compress_level": 1}
        return kwargs

    def metadata(self, i: int) -> dict[str, Any]:
        """File metadata for day *i*, in the keys the format accepts (no creation date).

        Parameters
        ----------
        i : int
            Index into ``data.days``.

        Returns
        -------
        dict
            Metadata for :meth:`matplotlib.figure.Figure.savefig`.
        """
        title = f"{self.data.metadata['title']}, {self.data.days[i].day.isoformat()}"
        source = self.data.metadata["source"]
        if self.data.fmt == "pdf":
            return {"Title": title, "Subject": source, "Creator": "aleppo-map",
                    "CreationDate": None}
        if self.data.fmt == "svg":
            return {"Title": title, "Description": source, "Creator": "aleppo-map",
                    "Date": None}
        return {"Title": title, "Source": source, "Software": "aleppo-map (matplotlib)"}

    def rgb(self, i: int) -> np.ndarray:
        """Repaint for day *i* and return the pixels.

        Parameters
        ----------
        i : int
            Index into ``data.days``.

        Returns
        -------
        numpy.ndarray
            ``(height, width, 3)`` uint8 image.
        """
        self.show(i)
        self.fig.canvas.draw()
        return np.asarray(self.fig.canvas.buffer_rgba())[..., :3].copy()


# ----------------------------------------------------------------------------- frames
_WORKER_SCENE: FrameScene | None = None


def _init_worker(data: SceneData) -> None:
    global _WORKER_SCENE  # one figure per worker process
    _WORKER_SCENE = FrameScene(data)


def _render_in_worker(i: int, dest: str) -> str:
    assert _WORKER_SCENE is not None
    return str(_WORKER_SCENE.save(i, Path(dest)))


def _mp_context() -> multiprocessing.context.BaseContext:
    """Fork where it is safe and cheap (workers inherit the loaded modules), else spawn."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.version_info < (3, 12):
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["aleppo_map.render.frames", "matplotlib.figure"])
        return ctx
    return multiprocessing.get_context("spawn")


def render_frames(
    project: Project,
    out_dir: Path,
    *,
    size: tuple[int, int] = (1600, 1200),
    dpi: int = 200,
    fmt: str = "png",
    labels: str = "none",
    jobs: int = 1,
    quiet: bool = False,
    hide_text: bool = False,
) -> list[Path]:
    """Write one image per day, named ``YYYY-MM-DD.<fmt>``, into *out_dir*.

    The folder is written atomically: a failed run leaves the previous folder (or
    none), never a partial one.

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    out_dir : pathlib.Path
        Output folder; replaced as a whole.
    size : tuple of int
        Width and height in pixels.
    dpi : int
        Dots per inch (print size = pixels / dpi).
    fmt : str
        ``png``, ``svg`` or ``pdf``.
    labels : str
        ``none``, ``key`` (see :func:`key_districts`) or ``all``.
    jobs : int
        Worker processes.
    quiet : bool
        No progress bar.
    hide_text : bool
        Draw no text (image comparison tests).

    Returns
    -------
    list of pathlib.Path
        The files, in date order.
    """
    if jobs < 1:
        raise ValidationError([Problem("--jobs", "", "a whole number >= 1", repr(jobs))])
    data = scene_data(project, size=size, dpi=dpi, fmt=fmt, labels=labels, hide_text=hide_text)
    names = [f"{spec.day.isoformat()}.{fmt}" for spec in data.days]
    out_dir = Path(out_dir)
    jobs = min(jobs, len(names))
    with io.atomic_dir(out_dir) as tmp:
        if jobs == 1:
            scene = FrameScene(data)
            for i in progress(range(len(names)), desc="frames", quiet=quiet):
                scene.save(i, tmp / names[i])
        else:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=_mp_context(),
                                     initializer=_init_worker, initargs=(data,)) as pool:
                futures = [pool.submit(_render_in_worker, i, str(tmp / name))
                           for i, name in enumerate(names)]
                for fut in progress(as_completed(futures), total=len(futures), desc="frames",
                                    quiet=quiet):
                    fut.result()
    return [out_dir / name for name in names]


# ----------------------------------------------------------------------------- animation
def _animation_dest(dest: Path, fmt: str) -> Path:
    suffix = dest.suffix.lower().lstrip(".")
    if suffix == fmt:
        return dest
    if suffix in ANIMATION_FORMATS or not suffix:
        return dest.with_suffix("." + fmt)
    return dest.with_name(dest.name + "." + fmt)


def gif_durations(n: int, fps: float, hold_last: float) -> list[int]:
    """Milliseconds each frame of the GIF shows (the last one held longer).

    GIF stores durations in hundredths of a second, so they are rounded to 10 ms.

    Parameters
    ----------
    n : int
        Number of frames.
    fps : float
        Frames per second.
    hold_last : float
        Extra seconds on the last frame.

    Returns
    -------
    list of int
        Durations in ms.

    Examples
    --------
    >>> gif_durations(3, 2.0, 1.5)
    [500, 500, 2000]
    """
    step = round(100 / fps) * 10
    out = [step] * n
    if n:
        out[-1] = round(100 / fps + 100 * hold_last) * 10
    return out


def _ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise AleppoMapError(
            "MP4 needs ffmpeg, which the imageio-ffmpeg wheel ships: install it "
            "(pip install imageio-ffmpeg) or point IMAGEIO_FFMPEG_EXE at an ffmpeg binary; "
            f"or use --format gif. ({exc})"
        ) from None


def write_animation(
    project: Project,
    dest: Path,
    *,
    fmt: str = "gif",
    fps: float = 2.0,
    hold_last: float = 2.0,
    size: tuple[int, int] = (1000, 750),
    quiet: bool = False,
    dpi: int = 100,
) -> Path:
    """Write an animation of the daily frames, as GIF (Pillow) or MP4 (H.264, imageio-ffmpeg).

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    dest : pathlib.Path
        Output file. A suffix naming the other format (or none) is replaced by *fmt*'s.
    fmt : str
        ``gif`` or ``mp4``.
    fps : float
        Days per second.
    hold_last : float
        Extra seconds on the last day.
    size : tuple of int
        Frame size in pixels (rounded down to even numbers for MP4).
    quiet : bool
        No progress bar.
    dpi : int
        Dots per inch of the frames (the layout scales with the size).

    Returns
    -------
    pathlib.Path
        The file written (atomically).

    Raises
    ------
    ValidationError
        For a bad format, rate or hold.
    AleppoMapError
        When MP4 is asked and no ffmpeg is available.
    """
    problems = []
    if fmt not in ANIMATION_FORMATS:
        problems.append(Problem("--format", "", "one of " + ", ".join(ANIMATION_FORMATS),
                                repr(fmt)))
    if not fps > 0:
        problems.append(Problem("--fps", "", "a number > 0", repr(fps)))
    if not hold_last >= 0:
        problems.append(Problem("--hold-last", "", "a number of seconds >= 0", repr(hold_last)))
    if problems:
        raise ValidationError(problems)
    dest = _animation_dest(Path(dest), fmt)
    w, h = size
    if fmt == "mp4":
        exe = _ffmpeg_exe()
        w, h = w - w % 2, h - h % 2
    scene = FrameScene(scene_data(project, size=(w, h), dpi=dpi))
    n = len(scene.data.days)
    frames = (scene.rgb(i) for i in progress(range(n), desc="animation", quiet=quiet))
    with io.atomic_path(dest) as tmp:
        if fmt == "gif":
            _write_gif(tmp, frames, gif_durations(n, fps, hold_last))
        else:
            _write_mp4(tmp, frames, (w, h), fps, hold_last, exe)
    return dest


def _write_gif(path: Path, frames: Any, durations: list[int]) -> None:
    from PIL import Image

    images = [Image.fromarray(f).quantize(colors=255, method=Image.Quantize.MEDIANCUT,
                                          dither=Image.Dither.NONE) for f in frames]
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:],
                   duration=durations, loop=0, disposal=1)


def _write_mp4(path: Path, frames: Any, size: tuple[int, int], fps: float, hold_last: float,
               exe: str) -> None:
    import os

    import imageio_ffmpeg

    os.environ.setdefault("IMAGEIO_FFMPEG_EXE", exe)
    writer = imageio_ffmpeg.write_frames(
        str(path), size, fps=fps, codec="libx264", pix_fmt_in="rgb24", pix_fmt_out="yuv420p",
        quality=8, macro_block_size=1, output_params=["-movflags", "+faststart", "-f", "mp4"],
        ffmpeg_log_level="error",
    )
    writer.send(None)
    last = None
    for frame in frames:
        writer.send(np.ascontiguousarray(frame))
        last = frame
    for _ in range(math.ceil(hold_last * fps)):
        writer.send(np.ascontiguousarray(last))
    writer.close()


# ----------------------------------------------------------------------------- contact sheet
def contact_sheet_days(project: Project, every: int = 4, busiest: int = 3) -> list[date]:
    """Choose the default days of the contact sheet.

    Every *every*-th day from the first, the last day, and the *busiest* days with
    the most districts changing state (earlier first on ties), in date order.

    Parameters
    ----------
    project : Project
        Loaded inputs.
    every : int
        Step between regular days.
    busiest : int
        How many of the busiest days to add.

    Returns
    -------
    list of datetime.date
        The days.
    """
    tl = project.timeline
    chosen = set(tl.dates[::every]) | {tl.dates[-1]}
    per_day = changes_per_day(project).iloc[1:]
    top = sorted(per_day[per_day > 0].items(), key=lambda kv: (-kv[1], kv[0]))[:busiest]
    chosen |= {d for d, _ in top}
    return sorted(chosen)


def changes_per_day(project: Project) -> pd.Series:
    """Count the districts whose state (holder, share or split) differs from the day before.

    Parameters
    ----------
    project : Project
        Loaded inputs.

    Returns
    -------
    pandas.Series
        Count indexed by date (0 on the first day).
    """
    st = project.timeline.states
    key = st["controller"].astype(str) + "/" + st["remainder"].astype(str) + "/" \
        + st["share"].round(4).astype(str)
    wide = st.assign(key=key).pivot(index="date", columns="district_id", values="key")
    changed = (wide != wide.shift()).sum(axis=1)
    changed.iloc[0] = 0
    return changed.astype(int)


def _parse_days(project: Project, dates: Sequence[str | date]) -> list[date]:
    tl = project.timeline
    problems, out = [], []
    for raw in dates:
        try:
            d = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
        except ValueError:
            problems.append(Problem("--dates", "", "ISO dates YYYY-MM-DD separated by commas",
                                    repr(raw)))
            continue
        if not tl.dates[0] <= d <= tl.dates[-1]:
            problems.append(Problem("--dates", "", f"a day from {tl.dates[0]} to {tl.dates[-1]}",
                                    d.isoformat()))
            continue
        out.append(d)
    if not dates:
        problems.append(Problem("--dates", "", "at least one day", "none"))
    if problems:
        raise ValidationError(problems)
    return sorted(set(out))


def sheet_grid(n: int) -> tuple[int, int]:
    """Columns and rows of a contact sheet of *n* panels.

    Parameters
    ----------
    n : int
        Number of panels.

    Returns
    -------
    tuple of int
        ``(columns, rows)``.

    Examples
    --------
    >>> sheet_grid(13), sheet_grid(3)
    ((4, 4), (3, 1))
    """
    cols = min(n, 4) if n != 9 else 3
    return cols, math.ceil(n / cols)


def write_contact_sheet(project: Project, dest: Path, *,
                        dates: list[str] | None = None) -> Path:
    """Write small multiples of chosen days on one A4-wide page (PNG or PDF).

    Parameters
    ----------
    project : Project
        Loaded inputs, with a layer.
    dest : pathlib.Path
        ``.png`` or ``.pdf`` file.
    dates : list of str, optional
        ISO days; default :func:`contact_sheet_days`.

    Returns
    -------
    pathlib.Path
        *dest*, written atomically.

    Raises
    ------
    ValidationError
        For a bad suffix or a day outside the timeline.
    """
    from matplotlib.colors import to_rgba_array
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path as MplPath
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    dest = Path(dest)
    fmt = dest.suffix.lower().lstrip(".")
    if fmt not in SHEET_FORMATS:
        raise ValidationError([Problem("--out", "", "a file name ending in .png or .pdf",
                                       repr(dest.name))])
    days = contact_sheet_days(project) if dates is None else _parse_days(project, dates)
    data = scene_data(project, size=(1600, 1200), dpi=200)
    by_day = {spec.day: spec for spec in data.days}
    cols, rows = sheet_grid(len(days))
    x0, x1, y0, y1 = data.extent
    aspect = (y1 - y0) / (x1 - x0)
    margin, gap = 0.35, 0.08
    panel_w = (SHEET_WIDTH_IN - 2 * margin - (cols - 1) * gap) / cols
    panel_h = panel_w * aspect
    head, cap = 0.75, 0.2
    lines = textwrap.wrap(data.attribution, width=150)
    foot = 0.95 + 0.12 * len(lines)
    height = head + rows * (panel_h + cap + gap) + foot
    fig = Figure(figsize=(SHEET_WIDTH_IN, height), dpi=SHEET_DPI, facecolor="white")
    paths = [MplPath(v, c) for v, c in zip(data.vertices, data.codes, strict=True)]
    fill = to_rgba_array(data.colours)
    k = 0.5
    tl = project.timeline
    for n, d in enumerate(days):
        r, c = divmod(n, cols)
        left = margin + c * (panel_w + gap)
        bottom = height - head - (r + 1) * (panel_h + cap + gap) + gap
        ax = fig.add_axes((left / SHEET_WIDTH_IN, bottom / height, panel_w / SHEET_WIDTH_IN,
                           panel_h / height))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor(_SEA)
        for spine in ax.spines.values():
            spine.set_color("#9a9a9a")
            spine.set_linewidth(0.4)
        main, hatches = draw_map(ax, data, paths, k)
        paint(main, hatches, paths, fill, by_day[d])
        idx = tl.dates.index(d)
        ax.set_title(f"{d.day} {d:%b %Y}  ·  day {idx + 1}", fontsize=7.5, family=FONT,
                     color=_INK, loc="left", pad=2.5)
        if n == 0:
            length = nice_length((x1 - x0) / 4)
            ax.add_artist(AnchoredSizeBar(
                ax.transData, length, f"{length / 1000:g} km", loc="lower left",
                frameon=False, size_vertical=(y1 - y0) * 0.008, color=_INK, sep=2,
                fontproperties=FontProperties(family=FONT, size=5.5)))
            ax.annotate("N", xy=(0.92, 0.93), xytext=(0.92, 0.78), xycoords="axes fraction",
                        ha="center", va="center", fontsize=6, family=FONT, color=_INK,
                        arrowprops={"arrowstyle": "-|>", "color": _INK, "lw": 0.7})
    first, last = tl.dates[0], tl.dates[-1]
    fig.text(margin / SHEET_WIDTH_IN, 1 - 0.2 / height,
             f"Aleppo: who controlled each district, {first.day} {first:%B} – "
             f"{last.day} {last:%B %Y}", fontsize=12, fontweight="bold", family=FONT,
             color=_INK, va="top")
    fig.text(margin / SHEET_WIDTH_IN, 1 - 0.48 / height,
             f"{len(days)} of {len(tl.dates)} days: "
             + ("every fourth day, the last day and the days with the most changes"
                if dates is None else "chosen days"),
             fontsize=7, family=FONT, color=_MUTED, va="top")
    fig.legend(handles=_legend_handles(data, 0.8), loc="upper left", ncols=3, frameon=False,
               bbox_to_anchor=(margin / SHEET_WIDTH_IN, (foot - 0.05) / height),
               prop={"family": FONT, "size": 6.5}, handlelength=1.5, handleheight=1.1)
    fig.text(margin / SHEET_WIDTH_IN, 0.12 / height, "\n".join(lines), fontsize=5,
             family=FONT, color=_MUTED, va="bottom", linespacing=1.3)
    meta = ({"Title": "Aleppo contact sheet", "Subject": data.attribution,
             "Creator": "aleppo-map", "CreationDate": None} if fmt == "pdf"
            else {"Title": "Aleppo contact sheet", "Source": data.attribution})
    with io.atomic_path(dest) as tmp:
        fig.savefig(tmp, format=fmt, dpi=SHEET_DPI, metadata=meta)
    return dest
