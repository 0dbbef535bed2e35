"""The front line separates the sides on every day, on the embedded layer and on the CSR file."""

from __future__ import annotations

import pandas as pd
import pytest

from aleppo_map.analysis import front
from aleppo_map.project import load_project


@pytest.fixture(scope="module", params=["embedded", "csr"])
def project(request, csr_path):
    if request.param == "embedded":
        return load_project()
    return load_project(districts=csr_path)


def _components(ids: list[str], pairs: list[tuple[str, str]]) -> dict[str, str]:
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[root(a)] = root(b)
    return {i: root(i) for i in ids}


@pytest.mark.parametrize("day", ["2016-11-15", "2016-11-28", "2016-12-06", "2016-12-13"])
def test_no_region_crosses_the_front(project, day):
    edges = front.project_edges(project)
    holders = front.holders_on(project, day)
    fronts = front.front_edges(edges, holders)
    # cut the front out of the neighbour graph: every piece left is held by one side
    kept = edges.drop(index=fronts.index)
    ids = sorted(set(edges["a"]) | set(edges["b"]))
    comp = _components(ids, list(zip(kept["a"], kept["b"], strict=True)))
    held = pd.Series(holders.reindex(ids).to_numpy(), index=ids)
    sides_per_piece = held.groupby(pd.Series(comp)).nunique()
    assert (sides_per_piece == 1).all()
    # and every front edge does separate two sides
    assert (holders.reindex(fronts["a"]).to_numpy() != holders.reindex(fronts["b"]).to_numpy()).all()


def test_the_front_around_rebel_ground_shrinks_with_the_pocket(project):
    def rebel_front_km(day: str) -> float:
        line = front.front_line(project, day)
        return float(line.loc[line["sides"].str.contains("rebel"), "length_km"].sum())

    first, middle, late = (rebel_front_km(d) for d in ("2016-11-15", "2016-12-06", "2016-12-13"))
    assert first > 5  # the eastern pocket was ringed on day one
    assert middle > 0 and late > 0
    assert late < first  # a smaller pocket, a shorter front around it
    # the SDF front of Sheikh Maqsoud is there all along
    assert any("sdf" in s for s in front.front_line(project, "2016-12-13")["sides"])


def test_neighbours_are_found_across_small_gaps(project):
    edges = front.project_edges(project)
    polygons = project.layer.gdf[project.layer.gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    touching = set(edges["a"]) | set(edges["b"])
    # almost every polygon of a city has a neighbour
    assert len(touching) >= 0.9 * len(polygons)
