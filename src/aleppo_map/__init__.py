"""aleppo-map: who controlled which district of a city during a battle, day by day, traceable to sources.

The public entry point is :func:`load_project`, which reads and validates the
gazetteer, the source registry, the control-change table and the district
geometry, and computes the daily :class:`~aleppo_map.timeline.Timeline`.
"""

from __future__ import annotations

from aleppo_map._errors import AleppoMapError, Problem, ValidationError
from aleppo_map.project import Project, load_project, validate_all
from aleppo_map.settings import DEFAULTS, Settings
from aleppo_map.timeline import Timeline, build_timeline, validate_changes

__version__ = "0.1.0"

__all__ = [
    "DEFAULTS",
    "AleppoMapError",
    "Problem",
    "Project",
    "Settings",
    "Timeline",
    "ValidationError",
    "__version__",
    "build_timeline",
    "load_project",
    "validate_all",
    "validate_changes",
]
