"""The wheel ships what the package reads at run time: the embedded battle, the `new`
template, the explorer's templates and scripts, and ``py.typed``; the CLI reports its version."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

import aleppo_map
from aleppo_map.cli import main

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "aleppo_map"


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    builders = pytest.importorskip("hatchling.builders.wheel")
    out = tmp_path_factory.mktemp("wheel")
    built = next(iter(builders.WheelBuilder(str(ROOT)).build(directory=str(out),
                                                              versions=["standard"])))
    with zipfile.ZipFile(built) as whl:
        return set(whl.namelist())


def test_the_wheel_ships_every_file_the_package_reads(wheel_names):
    expected = {"aleppo_map/py.typed", "aleppo_map/_data/data/battle.toml",
                "aleppo_map/_data/seeds/sources.csv"}
    for folder, pattern in [("battle_template", "**/*"), ("render/static", "*.js"),
                            ("render/static", "*.css"), ("render/templates", "*.j2")]:
        found = {f"aleppo_map/{p.relative_to(SRC).as_posix()}"
                 for p in (SRC / folder).glob(pattern) if p.is_file()}
        assert found, f"no {pattern} in {folder}"
        expected |= found
    for table in ("gazetteer.csv", "control_changes.csv", "districts.geojson",
                  "aggregates.csv", "reported_figures.csv", "landmarks.csv",
                  "landmark_changes.csv"):
        expected.add(f"aleppo_map/_data/data/{table}")
    assert expected <= wheel_names, sorted(expected - wheel_names)
    assert not [n for n in wheel_names if "__pycache__" in n or n.endswith(".pyc")]


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"aleppo-map {aleppo_map.__version__}"
