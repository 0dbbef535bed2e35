"""The source registry, citation checks against the texts, and `cite`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from aleppo_map import _io as io
from aleppo_map._errors import AleppoMapError, InputFileError, ValidationError
from aleppo_map.project import load_project
from aleppo_map.settings import DEFAULTS
from aleppo_map.sources import (
    OPTIONAL_REGISTRY_COLUMNS,
    REGISTRY_COLUMNS,
    check_against_seeds,
    cite,
    district_names,
    load_aggregates,
    load_registry,
    name_tokens,
    names_in,
)
from aleppo_map.timeline import CHANGE_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
IDS = ["wikipedia", "euronews", "battle-ends", "enab-baladi"]


@pytest.fixture(scope="module")
def project():
    return load_project(with_layer=False)


def _unwrap(text: str) -> str:
    """Join the wrapped '    > ' quotation lines of cite's output into one string."""
    quoted = [ln[6:] for ln in text.splitlines() if ln.startswith("    > ")]
    return " ".join(quoted)


def _squash(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- registry
def test_registry_lists_the_four_texts_with_their_checksums(seeds_dir):
    reg = load_registry()
    assert reg.ids == IDS
    assert list(reg.frame.columns) == list(REGISTRY_COLUMNS[1:] + OPTIONAL_REGISTRY_COLUMNS)
    for sid in reg.ids:
        path = reg.text_path(sid, seeds_dir)
        assert path.is_file()
        assert io.sha256_of(path) == reg.frame.loc[sid, "sha256"]
    assert sorted(reg.rank(s) for s in reg.ids) == [1, 2, 3, 4]
    assert reg.rank("wikipedia") == 1
    assert reg.frame.loc["euronews", "published"].isoformat() == "2016-12-15"
    assert reg.citation("wikipedia", 169) == (
        'Wikipedia, "Aleppo offensive (November–December 2016)", line 169'
    )
    assert set(reg.frame["kind"]) == {"encyclopedia", "news"}


def test_registry_lists_every_bad_cell_at_once(tmp_path):
    bad = tmp_path / "sources.csv"
    good_sha = "a" * 64
    bad.write_text(
        "source_id,file,title,publisher,published,kind,sha256,rank\n"
        f"one,a.txt,A,P,2016-12-01,news,{good_sha},1\n"
        f"one,b.txt,B,P,2016-12-01,news,{good_sha},2\n"        # duplicate id
        f"two,c.txt,C,P,1 Dec 2016,blog,{good_sha},3\n"        # bad date and kind
        "three,d.txt,D,P,2016-12-01,news,xyz,0\n"             # bad checksum and rank
        f"four,sub/e.txt,E,P,2016-12-01,news,{good_sha},1\n",  # path in file, duplicate rank
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as info:
        load_registry(bad)
    problems = info.value.problems
    cols = sorted((p.row, p.column) for p in problems)
    assert cols == [(2, "source_id"), (3, "kind"), (3, "published"), (4, "rank"),
                    (4, "sha256"), (5, "file"), (5, "rank")]
    assert all(p.file == str(bad) for p in problems)
    text = str(info.value)
    assert "7 problems found" in text
    assert "already used on row 1" in text


def test_registry_without_a_column_names_it(tmp_path):
    bad = tmp_path / "sources.csv"
    bad.write_text("source_id,file,title\nx,a.txt,T\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="'publisher'"):
        load_registry(bad)


def test_unknown_source_id_is_a_clear_error():
    reg = load_registry()
    with pytest.raises(ValidationError, match="registered source id"):
        reg.rank("reuters")


# ---------------------------------------------------------------- aggregates
def test_aggregates_are_lists_of_phrases_and_known_members(project):
    aggs = load_aggregates()
    assert aggs["aggregate"].is_unique
    known = set(project.gazetteer.ids)
    for rec in aggs.to_dict("records"):
        assert rec["phrases"]
        assert all(p == p.lower() for p in rec["phrases"])
        assert rec["members"]
        assert set(rec["members"]) <= known, rec["aggregate"]
        assert rec["note"]
    ne = aggs.set_index("aggregate").loc["north-east"]
    assert {"hanano", "sheikh-fares", "ayn-al-tal"} <= set(ne["members"])


def test_aggregates_reject_bad_rows(tmp_path):
    bad = tmp_path / "aggregates.csv"
    bad.write_text(
        "aggregate,phrases,members,note\n"
        "North East,the north-east,hanano,\n"
        "east,,hanano,\n"
        "east,x,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as info:
        load_aggregates(bad)
    got = sorted((p.row, p.column) for p in info.value.problems)
    assert got == [(1, "aggregate"), (2, "phrases"), (3, "aggregate"), (3, "members")]


# ---------------------------------------------------------------- name matching
def test_names_fold_articles_apostrophes_and_case():
    assert name_tokens("al-Sha'ar") == name_tokens("ash-Sha’ar") == name_tokens("Sha'ar")
    assert name_tokens("Karm aj-Jabal") == name_tokens("Karm al-Jabal") == ("karm", "jabal")
    assert names_in("Fighting reached ASH-SHEIKH FARES today.", ["Sheikh Fares"])
    # whole words only, and every word of the name in order
    assert not names_in("the Hananoville estate", ["Hanano"])
    assert not names_in("Fares was quiet; Sheikh Najjar burned", ["Sheikh Fares"])
    assert names_in("in Bab al-Nayrab", ["Bab an-Nayrab", "Salheen"]) == ["Bab an-Nayrab"]


# ---------------------------------------------------------------- checks against the texts
def _row(**kw: object) -> dict[str, object]:
    rec: dict[str, object] = dict.fromkeys(CHANGE_COLUMNS, "")
    rec.update(date="2016-11-26", controller="government", extent="full", event="capture",
               basis="stated", confidence="high")
    rec.update(kw)
    return rec


def test_check_passes_on_the_shipped_table(project, seeds_dir):
    problems = check_against_seeds(project.changes, project.registry, project.gazetteer,
                                   load_aggregates(), seeds_dir)
    assert problems == [], "\n".join(map(str, problems))


def test_check_lists_every_failure(project, seeds_dir, tmp_path):
    copy = tmp_path / "seeds"
    shutil.copytree(seeds_dir, copy)
    reg = project.registry
    altered = reg.text_path("euronews", copy)
    altered.write_text(altered.read_text(encoding="utf-8") + "\nextra line\n", encoding="utf-8")
    reg.text_path("battle-ends", copy).unlink()
    rows = pd.DataFrame([
        _row(change_id="T1", district_id="hanano", source_id="wikipedia", line="159"),
        _row(change_id="T2", district_id="hanano", source_id="wikipedia", line="147"),
        _row(change_id="T3", district_id="hanano", source_id="wikipedia", line="9999"),
        _row(change_id="T4", district_id="hanano", source_id="reuters", line="3"),
        _row(change_id="T5", district_id="zuhour", source_id="wikipedia", line="169",
             basis="inferred", aggregate="north-east"),
        _row(change_id="T6", district_id="sheikh-najjar", source_id="wikipedia", line="163",
             basis="inferred", aggregate="north-east"),
        _row(change_id="T7", district_id="hanano", source_id="wikipedia", line="163",
             basis="inferred", aggregate="no-such-aggregate"),
        _row(change_id="T8", district_id="hanano", source_id="battle-ends", line="3"),
    ])
    problems = check_against_seeds(rows, reg, project.gazetteer, load_aggregates(), copy,
                                   file="t.csv")
    text = [str(p) for p in problems]
    by_change = {c: [t for t in text if f"change {c}" in t] for c in
                 ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8"]}
    assert by_change["T1"] == []  # line 159 of the article names Hanano
    assert len(by_change["T2"]) == 1
    listed = re.search(r"lines that do: ([\d, ]+)", by_change["T2"][0])
    assert listed is not None
    names = district_names(project.gazetteer, "hanano")
    for n in listed.group(1).split(", "):
        assert names_in(reg.lines("wikipedia", copy)[int(n) - 1], names), n
    assert len(by_change["T3"]) == 1
    assert "a line number from 1 to" in by_change["T3"][0]
    assert len(by_change["T4"]) == 1
    assert "'reuters'" in by_change["T4"][0]
    assert len(by_change["T5"]) == 1
    assert "among its members" in by_change["T5"][0]
    assert len(by_change["T6"]) == 1
    assert "phrases of aggregate 'north-east'" in by_change["T6"][0]
    assert len(by_change["T7"]) == 1
    assert f"key of {DEFAULTS.aggregates_path}" in by_change["T7"][0]  # the file read
    assert by_change["T8"] == []  # the missing text is reported once, not per row
    file_problems = [p for p in problems if "change " not in p.hint]
    assert len(file_problems) == 2
    assert any(p.column == "sha256" and p.file == str(altered) for p in file_problems)
    assert any("no such file" in p.got and "002_" in p.file for p in file_problems)
    assert len(problems) == 8


def test_check_without_the_seeds_folder_is_one_clear_problem(project, tmp_path):
    problems = check_against_seeds(project.changes, project.registry, project.gazetteer,
                                   load_aggregates(), tmp_path / "nowhere")
    assert len(problems) == 1
    assert problems[0].column == "--seeds"
    assert problems[0].got == "no such folder"


# ---------------------------------------------------------------- cite
def _find(changes: pd.DataFrame, **kw: object) -> pd.Series:
    sel = changes
    for key, value in kw.items():
        sel = sel[sel[key] == value]
    assert len(sel) == 1, kw
    return sel.iloc[0]


def test_cite_a_row_prints_its_facts_and_the_whole_line(project, seeds_dir):
    ch = project.changes
    rec = _find(ch, district_id="hanano", source_id="wikipedia", event="capture")
    out = cite(str(rec["change_id"]), ch, project.registry, project.gazetteer, seeds_dir,
               timeline=project.timeline)
    line = project.registry.lines("wikipedia", seeds_dir)[int(rec["line"]) - 1]
    assert out.splitlines()[0].startswith(f"{rec['change_id']}  {rec['date']}  hanano  capture")
    assert project.registry.citation("wikipedia", int(rec["line"])) in out
    assert _squash(_unwrap(out)) == _squash(line)
    assert "timeline: applied" in out
    # ids are case-insensitive
    lower = cite(str(rec["change_id"]).lower(), ch, project.registry, project.gazetteer,
                 seeds_dir)
    assert lower.splitlines()[0] == out.splitlines()[0]


def test_cite_a_district_by_alias_prints_its_whole_history(project, seeds_dir):
    ch = project.changes
    gaz = project.gazetteer
    rows = ch[ch["district_id"] == "hanano"]
    spelling = "HANANO" if "Hananu" not in gaz.frame.loc["hanano", "aliases"] else "hananu"
    out = cite(spelling, ch, project.registry, gaz, seeds_dir, timeline=project.timeline)
    assert out.splitlines()[0].startswith("hanano: ")
    positions = [out.index(f"{cid}  ") for cid in rows["change_id"]]
    assert positions == sorted(positions)
    # the two-day account of Enab Baladi loses 25 November to Wikipedia's "large parts"
    loser = _find(ch, district_id="hanano", source_id="enab-baladi", line=15)
    block = out[out.index(f"{loser['change_id']}  "):].split("\n\n")[0]
    assert "timeline: superseded, disputed" in block
    assert "state on 2016-11-15: rebel" in out
    assert "on 2016-12-22: government" in out


def test_cite_rejects_unknown_names_and_missing_seeds(project, seeds_dir, tmp_path):
    with pytest.raises(AleppoMapError):
        cite("Atlantis", project.changes, project.registry, project.gazetteer, seeds_dir)
    with pytest.raises(ValidationError, match="C0001 to C"):
        cite("C9999", project.changes, project.registry, project.gazetteer, seeds_dir)
    with pytest.raises(InputFileError, match="--seeds"):
        cite("hanano", project.changes, project.registry, project.gazetteer, tmp_path / "x")


# ---------------------------------------------------------------- the commands
def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aleppo_map.cli", *args],
                          capture_output=True, text=True, check=False, cwd=ROOT)


def test_validate_with_seeds_passes_and_fails_on_a_tampered_text(seeds_dir, tmp_path):
    ok = _run(["validate", "--seeds", str(seeds_dir)])
    assert ok.returncode == 0, ok.stderr
    copy = tmp_path / "seeds"
    shutil.copytree(seeds_dir, copy)
    target = next(copy.glob("000_*.txt"))
    target.write_text(target.read_text(encoding="utf-8").replace("Hanano", "Hananu"),
                      encoding="utf-8")
    bad = _run(["validate", "--seeds", str(copy)])
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "sha256" in bad.stderr
    assert target.name in bad.stderr


def test_cite_command_prints_a_row_and_errors_cleanly(project, seeds_dir, tmp_path):
    first = str(project.changes["change_id"].iloc[0])
    out = _run(["cite", "--seeds", str(seeds_dir), first])
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(first)
    missing = _run(["cite", "--seeds", str(tmp_path / "none"), first])
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
    assert "--seeds" in missing.stderr
