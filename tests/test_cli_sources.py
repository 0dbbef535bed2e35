"""The command line of the resolver and of sources of one's own: ``resolve --explain``,
``sources list``, ``sources add`` then ``validate``, ``state`` and ``cite`` with
``--registry``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from aleppo_map.settings import DEFAULTS

NOTE = ("A short note written for the command-line test.\n"
        "Nothing here is quoted from any report.\n"
        "It says the Sheikh Maqsoud quarter changed hands on 20 December.\n")
ROW = ("C9002,2016-12-20,sheikh-maqsoud,government,full,,,capture,stated,cli-note,3,low,,"
       "Row of the command-line test.,,\n")  # no date window


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aleppo_map.cli", *args],
                          capture_output=True, text=True, check=False)


def test_resolve_explain_says_why_and_reports_ambiguity():
    result = run(["resolve", "--explain", "Cheikh Maksoud", "Bab an-Neirab"])
    assert result.returncode == 0, result.stderr
    assert "-> sheikh-maqsoud (Sheikh Maqsoud)" in result.stdout
    assert "rule: sound key" in result.stdout and "key: 'SHK maksad'" in result.stdout
    assert "-> bab-al-nayrab" in result.stdout
    amb = run(["resolve", "--explain", "جبرين"])
    assert amb.returncode == 2 and "Traceback" not in amb.stderr
    assert "AMBIGUOUS between" in amb.stdout
    assert "'jibreen-industrial' and 'jibreen'" in amb.stderr


def test_sources_list_shows_links():
    result = run(["sources", "list"])
    assert result.returncode == 0, result.stderr
    assert "https://en.wikipedia.org/" in result.stdout
    assert "revision as of 2023-12-27 13:00 UTC" in result.stdout


def test_sources_add_then_validate_state_and_cite(tmp_path, seeds_dir):
    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_dir, seeds)
    (seeds / "cli_note.txt").write_text(NOTE, encoding="utf-8")
    registry = Path(shutil.copy(DEFAULTS.registry_path, tmp_path / "sources.csv"))
    table = tmp_path / "changes.csv"
    table.write_text(DEFAULTS.changes_path.read_text(encoding="utf-8") + ROW, encoding="utf-8")

    added = run(["sources", "add", str(seeds / "cli_note.txt"), "--registry", str(registry),
                 "--id", "cli-note", "--title", "A note of my own", "--published", "2016-12-20",
                 "--publisher", "The test suite", "--url", "https://example.org/cli-note"])
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "cli-note" and "3 lines" in added.stderr
    again = run(["sources", "add", str(seeds / "cli_note.txt"), "--registry", str(registry),
                 "--id", "cli-note", "--title", "T", "--published", "2016-12-20"])
    assert again.returncode == 2 and "an id not yet registered" in again.stderr

    ok = run(["validate", "--changes", str(table), "--registry", str(registry),
              "--seeds", str(seeds)])
    assert ok.returncode == 0, ok.stderr
    without = run(["validate", "--changes", str(table)])
    assert without.returncode == 2 and "cli-note" in without.stderr

    state = run(["state", "--date", "2016-12-20", "--format", "csv", "--changes", str(table),
                 "--registry", str(registry)])
    assert state.returncode == 0, state.stderr
    line = next(r for r in state.stdout.splitlines() if r.startswith("sheikh-maqsoud,"))
    assert ",government," in line and ",cli-note," in line

    cited = run(["cite", "C9002", "--changes", str(table), "--registry", str(registry),
                 "--seeds", str(seeds)])
    assert cited.returncode == 0, cited.stderr
    assert "read at: https://example.org/cli-note" in cited.stdout
    assert "Sheikh Maqsoud quarter changed hands" in cited.stdout
