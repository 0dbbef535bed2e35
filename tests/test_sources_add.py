"""Adding a source of one's own: register a text, cite it from a row, validate, and see
the row change the map on its day; the registry is written atomically and nothing else."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from aleppo_map import _io as io
from aleppo_map._errors import InputFileError, ValidationError
from aleppo_map.project import load_project, validate_all
from aleppo_map.settings import DEFAULTS
from aleppo_map.sources import cite, load_registry
from aleppo_map.sources.add import add_source

# A short text written for this test (not taken from any source). Line 3 names the district.
MY_TEXT = (
    "Field note made up for the test suite of aleppo-map.\n"
    "\n"
    "On 20 December the Sheikh Maqsoud quarter was said to have changed hands.\n"
)
MY_ROW = ("C9001,2016-12-20,sheikh-maqsoud,government,full,,,capture,stated,my-note,3,low,,"
          "Test row citing a text of our own.,,\n")  # no date window


@pytest.fixture
def workspace(tmp_path: Path, seeds_dir: Path) -> dict[str, Path]:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for path in seeds_dir.glob("*.txt"):
        shutil.copy(path, seeds / path.name)
    (seeds / "my_note.txt").write_text(MY_TEXT, encoding="utf-8")
    registry = Path(shutil.copy(DEFAULTS.registry_path, tmp_path / "sources.csv"))
    table = tmp_path / "changes.csv"
    base = DEFAULTS.changes_path.read_text(encoding="utf-8")
    table.write_text(base + ("" if base.endswith("\n") else "\n") + MY_ROW, encoding="utf-8")
    return {"seeds": seeds, "registry": registry, "table": table, "root": tmp_path}


def _add(ws: dict[str, Path], **kw: str) -> dict[str, str]:
    args = {"source_id": "my-note", "title": "A field note of my own",
            "url": "https://example.org/my-note", "published": "2016-12-20",
            "publisher": "The test suite", "kind": "news"}
    args.update(kw)
    return add_source(ws["registry"], ws["seeds"] / "my_note.txt", **args)  # type: ignore[arg-type]


def test_add_cite_validate_and_see_the_change(workspace):
    ws = workspace
    before = ws["registry"].read_text(encoding="utf-8")
    files_before = sorted(p.name for p in ws["root"].rglob("*"))
    row = _add(ws)
    # the row records the checksum and the line count of the text, and a free rank
    assert row["sha256"] == io.sha256_of(ws["seeds"] / "my_note.txt")
    assert row["lines"] == "3" and row["rank"] == "5" and row["file"] == "my_note.txt"
    after = ws["registry"].read_text(encoding="utf-8")
    assert after.startswith(before) and after.count("\n") == before.count("\n") + 1
    assert sorted(p.name for p in ws["root"].rglob("*")) == files_before  # nothing else
    reg = load_registry(ws["registry"])
    assert reg.ids[-1] == "my-note" and reg.rank("my-note") == 5
    assert reg.citation_record("my-note", 3)["url"] == "https://example.org/my-note"

    # without the new registry the row's source is unknown ...
    with pytest.raises(ValidationError, match="my-note"):
        load_project(changes=ws["table"], with_layer=False)
    # ... with it, the row is validated like the shipped ones and changes the map
    proj = load_project(changes=ws["table"], registry=ws["registry"], with_layer=False)
    state = proj.timeline.state_on
    assert state("2016-12-19").loc["sheikh-maqsoud", "controller"] == "sdf"
    assert state("2016-12-20").loc["sheikh-maqsoud", "controller"] == "government"
    shipped = load_project(with_layer=False)
    assert shipped.timeline.state_on("2016-12-20").loc["sheikh-maqsoud", "controller"] == "sdf"
    assert validate_all(changes=ws["table"], registry=ws["registry"], seeds=ws["seeds"]) == []
    out = cite("C9001", proj.changes, proj.registry, proj.gazetteer, ws["seeds"])
    assert "https://example.org/my-note" in out and "Sheikh Maqsoud quarter" in out


def test_a_row_citing_a_line_that_does_not_name_the_district_fails(workspace):
    ws = workspace
    _add(ws)
    ws["table"].write_text(ws["table"].read_text(encoding="utf-8").replace(
        ",my-note,3,", ",my-note,1,"), encoding="utf-8")
    problems = validate_all(changes=ws["table"], registry=ws["registry"], seeds=ws["seeds"])
    assert len(problems) == 1 and problems[0].column == "line"
    assert "sheikh-maqsoud" in str(problems[0])


def test_a_changed_text_is_caught(workspace):
    ws = workspace
    _add(ws)
    (ws["seeds"] / "my_note.txt").write_text(MY_TEXT + "One more line.\n", encoding="utf-8")
    problems = validate_all(changes=ws["table"], registry=ws["registry"], seeds=ws["seeds"])
    assert [p.column for p in problems] == ["sha256"]
    assert "registered with 3 lines, this copy has 4" in problems[0].hint


@pytest.mark.parametrize(("kw", "column"), [
    ({"source_id": "wikipedia"}, "source_id"),
    ({"published": "20 Dec 2016"}, "published"),
    ({"kind": "blog"}, "kind"),
    ({"url": "example.org/x"}, "url"),
    ({"source_id": "Not A Slug"}, "source_id"),
    ({"publisher": "publisher not stated"}, "note"),
])
def test_bad_values_are_refused_and_the_registry_is_left_as_it_was(workspace, kw, column):
    ws = workspace
    before = ws["registry"].read_bytes()
    with pytest.raises(ValidationError) as info:
        _add(ws, **kw)
    assert column in {p.column for p in info.value.problems}
    assert str(ws["registry"]) in str(info.value)
    assert ws["registry"].read_bytes() == before
    assert sorted(p.name for p in ws["root"].iterdir()) == ["changes.csv", "seeds", "sources.csv"]


def test_an_empty_or_missing_text_is_refused(workspace):
    ws = workspace
    (ws["seeds"] / "empty.txt").write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"empty\.txt"):
        add_source(ws["registry"], ws["seeds"] / "empty.txt", source_id="e", title="E",
                   published="2016-12-20", publisher="P")
    with pytest.raises(InputFileError, match=r"nope\.txt"):
        add_source(ws["registry"], ws["seeds"] / "nope.txt", source_id="e", title="E",
                   published="2016-12-20", publisher="P")


def test_an_old_registry_gains_the_new_columns(workspace):
    ws = workspace
    lines = ws["registry"].read_text(encoding="utf-8").splitlines()
    old = [r[:8] for r in csv.reader(lines)]
    with ws["registry"].open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(old)
    _add(ws)
    reg = load_registry(ws["registry"])
    assert reg.ids[-1] == "my-note"
    assert reg.frame.loc["wikipedia", "url"] == "" and reg.rank("wikipedia") == 1


def test_the_page_links_each_citation_to_the_version_read():
    from aleppo_map.render import html as render_html

    proj = load_project()
    data = render_html.page_data(proj)
    assert len(data["citeUrls"]) == len(data["cites"])
    by_source = {}
    for row in render_html.row_records(data):
        by_source.setdefault(row["source"], set()).add(data["citeUrls"][row["cite"]])
    assert by_source["wikipedia"] == {proj.registry.frame.loc["wikipedia", "revision_url"]}
    assert next(iter(by_source["wikipedia"])).startswith(
        "https://en.wikipedia.org/w/index.php?title=Aleppo_offensive")
    assert by_source.get("euronews", {""}) == {""}  # no URL recorded: no link
    assert all(u == "" or u.startswith("https://") for u in data["citeUrls"])
    # the frame attribution names the address and the revision read
    from aleppo_map.render.text import attribution

    line = attribution(proj)
    assert ("at en.wikipedia.org/wiki/Aleppo_offensive_(November–December_2016), revision as "
            "of 2023-12-27 13:00 UTC") in line
    assert ("Euronews, “Syria's battle for Aleppo over, the evacuation begins in earnest” "
            "(2016-12-15);") in line  # no address recorded, none shown
