"""One schema for every table: malformed inputs are rejected with clear, complete messages.

Every variant is made from a copy of a real shipped table, written to a temporary
folder and read through the loader a command uses, so the messages are the ones a user
sees (they name the user's file, the row and the column).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from aleppo_map._errors import AleppoMapError, InputFileError, ValidationError
from aleppo_map._validate import check_manifest, check_table
from aleppo_map.analysis import claims
from aleppo_map.battle import default_battle, load_battle
from aleppo_map.cli import main as cli_main
from aleppo_map.gazetteer import load_gazetteer
from aleppo_map.project import load_project, validate_all
from aleppo_map.schema import (
    MANIFEST,
    TABLES,
    Context,
    generated_sections,
    markdown_table,
    regenerate,
    table,
)
from aleppo_map.settings import DEFAULTS
from aleppo_map.sources import load_aggregates, load_registry

BATTLE = default_battle()
FIRST, LAST = BATTLE.first_day.isoformat(), BATTLE.last_day.isoformat()


def _changes(tmp_path: Path, edit: Callable[[pd.DataFrame], pd.DataFrame],
             name: str = "mine.csv") -> Path:
    raw = pd.read_csv(DEFAULTS.changes_path, dtype=str, keep_default_na=False)
    path = tmp_path / name
    edit(raw.copy()).to_csv(path, index=False)
    return path


def _load(path: Path) -> Any:
    return load_project(changes=path, with_layer=False)


def _problems(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


# ------------------------------------------------------------------ the control table
def test_unknown_column_is_an_error_with_the_closest_name(tmp_path):
    path = _changes(tmp_path, lambda t: t.rename(columns={"remainder": "remainer"}))
    with pytest.raises(ValidationError) as info:
        _load(path)
    text = str(info.value)
    assert str(path) in text
    assert "column 'remainer'" in text and "got an unknown column" in text
    assert "did you mean 'remainder'?" in text
    # the misspelt optional column is not silently dropped: nothing loads
    assert str(DEFAULTS.changes_path) not in text


def test_a_misspelt_required_column_names_both(tmp_path):
    path = _changes(tmp_path, lambda t: t.rename(columns={"controller": "controler"}))
    with pytest.raises(InputFileError) as info:
        _load(path)
    text = str(info.value)
    assert text.startswith(f"{path}: the control table lacks column(s) 'controller'")
    assert "column 'controler'" in text and "did you mean 'controller'?" in text
    assert "is 'controler' a misspelling?" in text


def test_missing_required_column(tmp_path):
    path = _changes(tmp_path, lambda t: t.drop(columns=["extent", "line"]))
    with pytest.raises(InputFileError) as info:
        _load(path)
    text = str(info.value)
    assert f"{path}: the control table lacks column(s) 'extent', 'line'" in text
    assert isinstance(info.value, ValidationError)
    assert {p.column for p in info.value.problems} == {"extent", "line"}


def _set(row: int, **values: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def edit(t: pd.DataFrame) -> pd.DataFrame:
        for col, value in values.items():
            t.loc[row - 1, col] = value
        return t
    return edit


def test_date_outside_the_battle_names_its_days(tmp_path):
    wrong_year = str(BATTLE.last_day.year - 1) + LAST[4:]
    path = _changes(tmp_path, _set(200, date=wrong_year))
    with pytest.raises(ValidationError) as info:
        _load(path)
    (problem,) = info.value.problems
    assert problem.row == 200 and problem.column == "date" and problem.file == str(path)
    assert f"a day of the battle, from {FIRST} to {LAST}" in str(problem)
    assert repr(wrong_year) in str(problem)


def test_impossible_date_and_bad_enum_with_suggestion(tmp_path):
    path = _changes(tmp_path, _set(3, date=FIRST[:8] + "31" if FIRST[5:7] in ("11", "04")
                                   else FIRST[:5] + "13-01", controller="goverment",
                                   confidence="High"))
    with pytest.raises(ValidationError) as info:
        _load(path)
    got = _problems(info)
    assert len(got) == 3
    assert any("row 3, column 'date': expected an ISO date YYYY-MM-DD" in p for p in got)
    assert any("row 3, column 'controller'" in p and "did you mean 'government'?" in p
               for p in got)
    assert any("row 3, column 'confidence'" in p and "did you mean 'high'?" in p for p in got)


def test_duplicate_id(tmp_path):
    path = _changes(tmp_path, _set(7, change_id="C0002"))
    with pytest.raises(ValidationError, match=r"row 7, column 'change_id': expected a unique "
                                              r"id, got 'C0002', already used on row 2"):
        _load(path)


def test_many_problems_are_collected_at_once(tmp_path):
    def edit(t: pd.DataFrame) -> pd.DataFrame:
        t = _set(5, date="2016/11/15", extent="half", line="x")(t)
        t = _set(8, district_id="hananoo", source_id="reuters", share="0.4")(t)
        t = _set(11, change_id="C0010")(t)
        return t.rename(columns={"note": "notes"})
    path = _changes(tmp_path, edit)
    with pytest.raises(ValidationError) as info:
        _load(path)
    cells = [(p.row, p.column) for p in info.value.problems]
    assert cells == [
        (None, "notes"),
        (5, "date"), (5, "extent"), (5, "line"),
        (8, "district_id"), (8, "share"), (8, "source_id"),
        (11, "change_id"),
    ]
    text = str(info.value)
    assert "did you mean 'note'?" in text
    assert "'hananoo'" in text and "did you mean 'hanano'" in text
    assert "row 8, column 'share': expected empty (or 1) for a full row, got '0.4'" in text


# ------------------------------------------------------------------ reading CSV
LOADERS: dict[str, tuple[Path, Callable[[Path], Any]]] = {
    "control_changes": (DEFAULTS.changes_path, _load),
    "gazetteer": (DEFAULTS.gazetteer_path, load_gazetteer),
    "aggregates": (DEFAULTS.aggregates_path, load_aggregates),
    "reported_figures": (DEFAULTS.figures_path, claims.load_figures),
    "sources": (DEFAULTS.registry_path, load_registry),
}


@pytest.mark.parametrize("name", list(LOADERS))
def test_semicolons_are_detected_and_named(tmp_path, name):
    src, load = LOADERS[name]
    raw = pd.read_csv(src, dtype=str, keep_default_na=False)
    path = tmp_path / src.name
    raw.to_csv(path, index=False, sep=";")
    with pytest.raises(InputFileError) as info:
        load(path)
    text = str(info.value)
    assert text.startswith(str(path))
    assert "expected comma-separated values" in text and "got ';'-separated" in text


@pytest.mark.parametrize("name", list(LOADERS))
def test_a_latin1_byte_is_named_with_its_line_row_and_offset(tmp_path, name):
    src, load = LOADERS[name]
    lines = src.read_bytes().split(b"\n")
    head, first = lines[1].split(b",", 1)
    lines[1] = head + b",Caf\xe9 " + first  # line 2 = data row 1
    path = tmp_path / src.name
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(InputFileError) as info:
        load(path)
    text = str(info.value)
    assert text.startswith(str(path))
    offset = len(head) + len(",Caf") + 1
    assert f"got the byte 0xE9 at line 2 (data row 1), byte {offset} of the line" in text
    assert "Latin-1" in text and "'é'" in text
    assert "position" not in text


def test_a_latin1_byte_after_a_quoted_line_break_counts_rows(tmp_path):
    header = DEFAULTS.changes_path.read_text(encoding="utf-8").splitlines()[0]
    rows = [
        f'C1,{FIRST},hanano,rebel,full,,,baseline,stated,wikipedia,1,high,,"two\nlines"',
        f"C2,{FIRST},ansari,rebel,full,,,baseline,stated,wikipedia,1,high,,caf\xe9",
    ]
    path = tmp_path / "mine.csv"
    path.write_bytes("\n".join([header, *rows]).encode("latin-1"))
    with pytest.raises(InputFileError, match=r"at line 4 \(data row 2\), byte \d+ of the line"):
        _load(path)


@pytest.mark.parametrize("content", ["", "\n\n", "  \n"])
def test_an_empty_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "mine.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match=r"mine\.csv: expected a control table: a header "
                                             r"line .*, got an empty file"):
        _load(path)


@pytest.mark.parametrize("name", ["control_changes", "gazetteer", "sources"])
def test_a_header_without_rows_is_a_clear_error(tmp_path, name):
    src, load = LOADERS[name]
    path = tmp_path / src.name
    path.write_text(src.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"under the header of the .*, got a header and no "
                                             r"data rows"):
        load(path)


def test_optional_tables_may_have_no_rows(tmp_path):
    for name in ("aggregates", "reported_figures"):
        src, load = LOADERS[name]
        path = tmp_path / src.name
        path.write_text(src.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
        assert len(load(path)) == 0


def test_a_column_given_twice_is_named(tmp_path):
    path = tmp_path / "mine.csv"
    text = DEFAULTS.changes_path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([text[0] + ",note", *(t + "," for t in text[1:4])]) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputFileError, match=r"expected each column once .* got 'note' more "
                                             r"than once"):
        _load(path)


def test_rows_with_extra_or_missing_fields_are_not_shifted(tmp_path):
    lines = DEFAULTS.changes_path.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "mine.csv"
    # every row one field too many: pandas alone would take the first column as an index
    path.write_text("\n".join([lines[0], *(ln + ",x" for ln in lines[1:])]) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        _load(path)
    width = len(lines[0].split(","))
    text = str(info.value)
    assert f"expected {width} fields on every row of the control table, as in its header" in text
    assert f"got {width + 1} on line 2 (data row 1)" in text and "more rows" in text
    assert "must be quoted" in text
    short = io.StringIO()
    csv.writer(short, lineterminator="").writerow(next(csv.reader([lines[2]]))[:-1])
    path.write_text("\n".join([lines[0], lines[1], short.getvalue(), lines[3]]),
                    encoding="utf-8")
    with pytest.raises(InputFileError, match=rf"got {width - 1} on line 3 \(data row 2\) "
                                             r"\(a field is missing\)"):
        _load(path)


def test_an_unclosed_quote_is_named_with_its_line(tmp_path):
    lines = DEFAULTS.changes_path.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "mine.csv"
    path.write_text("\n".join([lines[0], lines[1], lines[2] + ',"x"y', lines[3]]) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputFileError, match=r"got a parse error on line 3: .*must be quoted"):
        _load(path)


def test_a_trailing_comma_in_the_header_is_named(tmp_path):
    lines = DEFAULTS.changes_path.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "mine.csv"
    path.write_text("\n".join([lines[0] + ",", *(ln + "," for ln in lines[1:])]) + "\n",
                    encoding="utf-8")
    n = len(lines[0].split(",")) + 1  # the empty name after the trailing comma
    with pytest.raises(InputFileError, match=rf"got no name for column {n} \(a trailing comma"):
        _load(path)


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_bytes(b"\xef\xbb\xbf" + DEFAULTS.changes_path.read_bytes())
    assert len(_load(path).changes) == len(pd.read_csv(DEFAULTS.changes_path))


# ------------------------------------------------------------------ the other tables
@pytest.mark.parametrize(("name", "column", "typo"), [
    ("gazetteer", "aliases", "alias"),
    ("gazetteer", "geom_basis", "geombasis"),
    ("gazetteer", "area_km2", "area_km"),
    ("aggregates", "members", "member"),
    ("reported_figures", "date_latest", "date_lastest"),
    ("sources", "published", "publihsed"),
])
def test_every_table_names_a_misspelt_column(tmp_path, name, column, typo):
    src, load = LOADERS[name]
    raw = pd.read_csv(src, dtype=str, keep_default_na=False)
    path = tmp_path / src.name
    raw.rename(columns={column: typo}).to_csv(path, index=False)
    with pytest.raises(ValidationError) as info:
        load(path)
    text = str(info.value)
    assert f"{path}, column '{typo}'" in text
    assert f"did you mean '{column}'?" in text


def test_gazetteer_cells_are_typed_and_ids_unique(tmp_path):
    raw = pd.read_csv(DEFAULTS.gazetteer_path, dtype=str, keep_default_na=False)
    raw.loc[3, "lat"] = "north"
    raw.loc[4, "area_km2"] = "-1"
    raw.loc[5, "district_id"] = raw.loc[0, "district_id"]
    raw.loc[6, "geom_basis"] = "Estimated"
    path = tmp_path / "gaz.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(ValidationError) as info:
        load_gazetteer(path)
    cells = sorted((p.row, p.column) for p in info.value.problems)
    assert cells == [(4, "lat"), (5, "area_km2"), (6, "district_id"), (7, "geom_basis")]
    assert "row 7, column 'geom_basis': expected empty or a lowercase slug" in str(info.value)


# ------------------------------------------------------------------ the user's file is named
def test_validate_names_the_users_table_not_the_embedded_one(tmp_path, seeds_dir):
    path = _changes(tmp_path, _set(12, line="99999"))
    problems = validate_all(changes=path, seeds=seeds_dir)
    assert problems
    assert {p.file for p in problems} == {str(path)}
    assert (problems[0].row, problems[0].column) == (12, "line")


def test_the_cli_prints_an_empty_table_and_exits_2(tmp_path, capsys):
    path = tmp_path / "mine.csv"
    path.write_text("", encoding="utf-8")
    assert cli_main(["validate", "--changes", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: expected a control table" in err and "got an empty file" in err
    assert "a valid input" not in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ the schema itself
def test_the_validator_uses_the_battles_sides_and_days():
    raw = pd.DataFrame([{
        "date": "2020-03-02", "district_id": "x", "controller": "blue", "extent": "full",
        "share": "", "event": "capture", "basis": "stated", "source_id": "s", "line": "1",
        "confidence": "high",
    }])
    schema = table("control_changes")
    from datetime import date
    ok = check_table(raw, schema, "t.csv", sides=("red", "blue"),
                     days=(date(2020, 3, 1), date(2020, 3, 9)))
    assert ok.problems == []
    bad = check_table(raw, schema, "t.csv", sides=("red", "green"),
                      days=(date(2020, 3, 3), date(2020, 3, 9)))
    text = [str(p) for p in bad.problems]
    assert text == [
        ("t.csv, row 1, column 'date': expected a day of the battle, from 2020-03-03 to "
         "2020-03-09, got '2020-03-02' (the battle's days are set in its manifest (battle.toml))"),
        "t.csv, row 1, column 'controller': expected one of red, green, got 'blue'",
    ]


def test_an_unknown_scope_gets_the_closest_one(tmp_path):
    raw = pd.read_csv(DEFAULTS.figures_path, dtype=str, keep_default_na=False)
    raw.loc[1, "scope"] = "district_shares"
    path = tmp_path / "figures.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(ValidationError, match=r"row 2, column 'scope': expected one of "
                                              r".*district_share.*did you mean "
                                              r"'district_share'\?"):
        claims.load_figures(path)


def test_every_table_has_described_columns():
    for name in [*TABLES, *MANIFEST]:
        t = table(name)
        assert len(set(t.names)) == len(t.names), name
        for col in t.columns:
            assert col.description.strip(), (name, col.name)
    with pytest.raises(KeyError, match="known: control_changes"):
        table("nope")


def test_manifest_unknown_keys_get_suggestions(tmp_path):
    folder = tmp_path / "battle"
    shutil.copytree(BATTLE.folder, folder, ignore=shutil.ignore_patterns("*.geojson"))
    manifest = folder / "battle.toml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("last_day =", "last_dya =").replace('colour = "#5aae61"',
                                                            'colour = "green"')
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_battle(folder)
    got = _problems(info)
    assert any("'battle.last_dya'" in p and "did you mean 'last_day'?" in p for p in got)
    assert any("'battle.last_day': expected an ISO date YYYY-MM-DD, got no such key" in p
               for p in got)
    assert any("'sides[2].colour': expected a colour #rrggbb, got 'green'" in p for p in got)
    assert all(p.file == str(manifest) for p in info.value.problems)


def test_the_embedded_manifest_is_well_formed():
    import tomllib
    data = tomllib.loads((BATTLE.folder / "battle.toml").read_text(encoding="utf-8"))
    assert check_manifest(data, "battle.toml") == []


def test_readme_column_tables_match_the_schema(repo_root):
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    sections = generated_sections(readme, Context.of(BATTLE))
    assert set(TABLES) <= set(sections), sorted(set(TABLES) - set(sections))
    for name, (written, generated) in sections.items():
        assert written == generated, (
            f"README table {name!r} differs from the schema; run "
            "`python -m aleppo_map.schema --readme README.md`"
        )
    assert regenerate(readme, Context.of(BATTLE)) == readme


def test_a_drifted_readme_is_detected():
    text = "<!-- schema:aggregates -->\n| column | type | meaning |\n<!-- /schema -->\n"
    (written, generated), = generated_sections(text, Context()).values()
    assert written != generated
    assert markdown_table("aggregates", Context()) in regenerate(text, Context())


def test_library_errors_are_value_errors():
    assert issubclass(InputFileError, AleppoMapError) and issubclass(AleppoMapError, ValueError)


def test_the_schema_module_prints_and_rewrites_the_tables(tmp_path, capsys):
    from aleppo_map.schema import main

    assert main([]) == 0
    out = capsys.readouterr().out
    for name in [*TABLES, *MANIFEST]:
        assert f"<!-- schema:{name} -->\n{markdown_table(name)}\n<!-- /schema -->" in out
    doc = tmp_path / "doc.md"
    doc.write_text("# x\n\n<!-- schema:sources -->\nold\n<!-- /schema -->\n", encoding="utf-8")
    assert main(["--readme", str(doc)]) == 0
    assert doc.read_text(encoding="utf-8") == (
        f"# x\n\n<!-- schema:sources -->\n{markdown_table('sources')}\n<!-- /schema -->\n")
