"""The frame scene: geometry as matplotlib paths, one figure drawn once and repainted per day.

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
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aleppo_map._errors import AleppoMapError, Problem, ValidationError
from aleppo_map.render.style import (
    _CLOSE,
    _EDGE,
    _INK,
    _LINETO,
    _MOVETO,
    _MUTED,
    _POINT_EDGE,
    _SEA,
    DESIGN_WIDTH_IN,
    FONT,
    FRAME_FORMATS,
    HATCH,
    LABEL_MODES,
    N_KEY_LABELS,
    POINT_RADIUS,
)
from aleppo_map.render.text import _east_line, arabic_label, attribution, nice_length
from aleppo_map.settings import CONTROLLERS, LABELS

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from aleppo_map.project import Project



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
