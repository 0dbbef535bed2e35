"""Label placement on frames: deterministic, greedy, never overlapping.

Labels are placed in pixel space, best first. Each label tries a fixed list of
candidate positions: centred on its anchor (a point inside the district), then
around it at growing distances in eight directions; a label away from its anchor
gets a leader line. The first candidate that stays inside the map and overlaps
neither a label placed before it nor an obstacle (scale bar, north arrow) wins; a
label with no free candidate is not drawn and is returned, so that the frame can
list it instead. Same input, same layout: frames are reproducible and the parallel
backends draw the same pixels.

Why not adjustText: it moves labels iteratively by repulsion, which makes overlaps
unlikely but not impossible, and it takes of the order of a second per frame; the
frames promise no overlap at all, checked by the tests on every day.

Examples
--------
>>> boxes = place([Candidate("a", (50.0, 50.0), (40.0, 10.0)),
...                Candidate("b", (52.0, 50.0), (40.0, 10.0))], (0.0, 0.0, 200.0, 200.0))
>>> [(p.key, p.leader) for p in boxes.placed]
[('a', False), ('b', True)]
>>> boxes.dropped
[]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

#: Distances tried away from the anchor, in label heights (0: centred on it).
RINGS: Final[tuple[float, ...]] = (0.0, 1.1, 1.9, 2.9, 4.2, 5.8)
#: Directions tried on each ring, right and left first (text reads along them).
DIRECTIONS: Final[tuple[tuple[float, float], ...]] = (
    (1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1),
)

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


@dataclass(frozen=True)
class Candidate:
    """A label to place.

    Attributes
    ----------
    key : str
        What it labels (a district id).
    anchor : tuple of float
        The point it names, in pixels.
    size : tuple of float
        Width and height of its text, in pixels (halo included).
    """

    key: str
    anchor: tuple[float, float]
    size: tuple[float, float]


@dataclass(frozen=True)
class Placed:
    """A placed label: its centre, its box and whether it needs a leader line."""

    key: str
    centre: tuple[float, float]
    box: Box
    anchor: tuple[float, float]
    leader: bool


@dataclass
class Placement:
    """The result of :func:`place`: labels placed (in order) and labels left out."""

    placed: list[Placed] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def overlaps(a: Box, b: Box) -> bool:
    """Tell whether two boxes overlap (touching edges do not).

    Parameters
    ----------
    a, b : tuple of float
        ``x0, y0, x1, y1``.

    Returns
    -------
    bool
        Whether their interiors meet.

    Examples
    --------
    >>> overlaps((0, 0, 2, 2), (1, 1, 3, 3)), overlaps((0, 0, 1, 1), (1, 0, 2, 1))
    (True, False)
    """
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _box(cx: float, cy: float, w: float, h: float) -> Box:
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def place(candidates: Sequence[Candidate], frame: Box, obstacles: Sequence[Box] = (),
          gap: float = 2.0) -> Placement:
    """Place labels best first, each at its first free candidate position.

    Parameters
    ----------
    candidates : Sequence[Candidate]
        Labels, most important first.
    frame : tuple of float
        The box every label must stay inside (the map), in pixels.
    obstacles : Sequence of box
        Boxes no label may overlap (already placed labels, scale bar, arrow).
    gap : float
        Pixels kept free around each label.

    Returns
    -------
    Placement
        Placed labels and the keys of those with no free position.
    """
    taken: list[Box] = [tuple(map(float, o)) for o in obstacles]  # type: ignore[misc]
    out = Placement()
    for cand in candidates:
        w, h = cand.size[0] + 2 * gap, cand.size[1] + 2 * gap
        ax, ay = cand.anchor
        spot: Placed | None = None
        for ring in RINGS:
            dirs: Sequence[tuple[float, float]] = ((0, 0),) if ring == 0 else DIRECTIONS
            for dx, dy in dirs:
                # offset so that the label's nearer edge sits ring * h from the anchor
                norm = math.hypot(dx, dy) or 1.0
                ux, uy = dx / norm, dy / norm
                cx = ax + ux * (ring * h + (w / 2 - h / 2) * abs(ux) if ring else 0.0)
                cy = ay + uy * ring * h
                box = _box(cx, cy, w, h)
                if not (frame[0] <= box[0] and box[2] <= frame[2]
                        and frame[1] <= box[1] and box[3] <= frame[3]):
                    continue
                if any(overlaps(box, t) for t in taken):
                    continue
                spot = Placed(cand.key, (cx, cy), box, (ax, ay), ring > 0)
                break
            if spot is not None:
                break
        if spot is None:
            out.dropped.append(cand.key)
            continue
        taken.append(spot.box)
        out.placed.append(spot)
    return out
