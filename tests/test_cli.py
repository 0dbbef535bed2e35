"""The command line: exit codes, messages and outputs on the embedded data."""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aleppo_map.cli import build_parser, main
from aleppo_map.gazetteer import load_gazetteer

COMMANDS = ["render", "frames", "animate", "contact-sheet", "stats", "state", "validate",
            "resolve", "build-districts", "cite", "sources", "check-figures"]


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI in a subprocess, as a user would."""
    return subprocess.run([sys.executable, "-m", "aleppo_map.cli", *args],
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_help_describes_every_option(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]
    for action in sub._actions:
        if action.help == argparse.SUPPRESS:  # kept for old command lines, not advertised
            continue
        for flag in action.option_strings:
            assert flag in out
        if action.option_strings and action.dest != "help":
            assert action.help, f"{command} {action.option_strings} has no help text"


def test_state_prints_one_row_per_district():
    result = run(["state", "--date", "2016-11-26", "--format", "csv"])
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    ids = [r["district_id"] for r in rows]
    assert len(ids) == len(set(ids)) == len(load_gazetteer().ids)
    by_id = {r["district_id"]: r for r in rows}
    assert by_id["hanano"]["controller"] == "government"
    assert by_id["sheikh-maqsoud"]["controller"] == "sdf"
    for r in rows:
        assert r["source_id"] and int(r["line"]) >= 1
        assert r["controller"] in {"government", "rebel", "sdf", "contested"}


def test_state_table_format_is_human_readable():
    result = run(["state", "--date", "2016-12-13", "--format", "table"])
    assert result.returncode == 0, result.stderr
    assert "district_id" in result.stdout.splitlines()[0]
    assert "Sheikh Maqsoud" in result.stdout or "sheikh-maqsoud" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["state", "--date", "2016-13-01"], "expected an ISO date YYYY-MM-DD, got '2016-13-01'"),
        (["state", "--date", "2017-01-05"], "expected a day from 2016-11-15 to 2016-12-22"),
        (["state", "--date", "2016-11-20", "--changes", "no/such/file.csv"], "no/such/file.csv"),
        (["resolve", "Hanamo"], "closest: hanano"),
        (["render", "--size", "12xfoo"], "expected WIDTHxHEIGHT"),
    ],
)
def test_user_errors_exit_2_without_traceback(args, expected):
    result = run(args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_resolve_prints_name_tab_id():
    result = run(["resolve", "Hananu", "Sheikh Sa’eed", "al-Sheikh Khader"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Hananu\thanano", "Sheikh Sa’eed\tsheikh-saeed", "al-Sheikh Khader\tsheikh-khodr",
    ]


def test_validate_passes_on_embedded_data():
    result = run(["validate"])
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stderr


def test_validate_lists_every_problem_of_a_bad_table(tmp_path, repo_root):
    src = repo_root / "data" / "control_changes.csv"
    with src.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[2]["controller"] = "goverment"
    rows[5]["district_id"] = "hananno"
    rows[7]["date"] = "2016-11-31"
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = bad.read_bytes()
    result = run(["validate", "--changes", str(bad)])
    assert result.returncode == 2
    err = result.stderr
    assert "3 problems found" in err
    assert "row 3, column 'controller'" in err and "'goverment'" in err
    assert "row 6, column 'district_id'" in err and "hanano" in err
    assert "row 8, column 'date'" in err
    assert "Traceback" not in err
    assert bad.read_bytes() == before  # inputs are never modified


def test_failed_render_leaves_no_partial_output(tmp_path, repo_root):
    bad = tmp_path / "bad.csv"
    shutil.copy(repo_root / "data" / "control_changes.csv", bad)
    text = bad.read_text(encoding="utf-8").replace(",sdf,", ",kurds,", 1)
    bad.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run(["render", "--changes", str(bad), "--out", str(out), "--quiet"])
    assert result.returncode == 2
    assert not out.exists() or not any(out.iterdir())


def test_main_returns_2_on_user_error(capsys):
    assert main(["state", "--date", "yesterday"]) == 2
    assert "expected an ISO date" in capsys.readouterr().err


def test_module_entry_point_exists():
    assert Path(sys.executable).exists()
    result = run(["--help"])
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_check_figures_takes_a_claims_table_of_ones_own(tmp_path, repo_root):
    src = repo_root / "data" / "reported_figures.csv"
    with src.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    mine = [dict(rows[0], figure_id="F91", value="90"),  # Bustan al-Basha: the map says 75 %
            dict(rows[0], figure_id="F92")]              # the source's own 75 %
    path = tmp_path / "mine.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(mine)
    result = run(["check-figures", "--figures", str(path), "--format", "csv", "--quiet"])
    assert result.returncode == 0, result.stderr
    out = {r["figure"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert set(out) == {"F91", "F92"}
    assert out["F91"]["verdict"] == "inconsistent"
    assert out["F92"]["verdict"] == "consistent"
    mine[1]["district_id"] = "bustan-al-bash"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(mine)
    bad = run(["check-figures", "--figures", str(path), "--quiet"])
    assert bad.returncode == 2
    assert "bustan-al-bash" in bad.stderr
    assert "bustan-al-basha" in bad.stderr
    assert "Traceback" not in bad.stderr
