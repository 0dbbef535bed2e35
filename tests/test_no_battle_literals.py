"""Nothing of one particular battle is written in the package's code.

Everything specific to Aleppo 2016 lives in its manifest (data/battle.toml) and tables.
This test reads every ``src/**/*.py`` file with :mod:`tokenize` and fails on:

* the word Aleppo anywhere (code, strings, docstrings, doctests, comments), except in
  the names of the package (``aleppo_map``, ``aleppo-map``) and of its error class
  (``AleppoMapError``);
* a date of 2016 (``2016-``) or the EPSG code of Aleppo's UTM zone (32637) anywhere;
* the phrase "rebel-held" anywhere;
* a side of the embedded battle (``government``, ``rebel(s)``, ``sdf``) as a word of a
  string literal or of a doctest line (prose in docstrings may still say "a side").
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "aleppo_map"
_ALLOWED_ALEPPO = re.compile(r"aleppo_map|aleppo-map|AleppoMapError|ALEPPO_MAP_\w+", re.IGNORECASE)
_ANYWHERE = [
    (re.compile(r"aleppo", re.IGNORECASE), "the word Aleppo"),
    (re.compile(r"2016-"), "a date of 2016"),
    (re.compile(r"32637"), "Aleppo's EPSG code"),
    (re.compile(r"rebel-held", re.IGNORECASE), "'rebel-held'"),
]
_SIDE = re.compile(r"(?<![\w-])(government|rebels?|sdf)(?![\w-])", re.IGNORECASE)


def _offences(path: Path, root: Path = SRC) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        cleaned = _ALLOWED_ALEPPO.sub("", line)
        for pattern, what in _ANYWHERE:
            if pattern.search(cleaned):
                found.append(f"{path.relative_to(root.parent)}:{lineno}: {what}: {line.strip()}")
        stripped = line.strip()
        if stripped.startswith((">>>", "...")) and _SIDE.search(stripped):
            found.append(f"{path.relative_to(root.parent)}:{lineno}: a side name in a doctest: "
                         f"{stripped}")
    docstring_lines: set[int] = set()
    previous = None
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.STRING:
            is_docstring = previous in (None, tokenize.INDENT, tokenize.NEWLINE, tokenize.NL,
                                        tokenize.DEDENT) and tok.string.lstrip("rbuRBU").startswith(
                ('"""', "'''"))
            if is_docstring:
                docstring_lines.update(range(tok.start[0], tok.end[0] + 1))
            elif _SIDE.search(tok.string):
                found.append(f"{path.relative_to(root.parent)}:{tok.start[0]}: a side name in a "
                             f"string literal: {tok.string[:80]}")
        if tok.type not in (tokenize.COMMENT, tokenize.NL):
            previous = tok.type
    return found


def _files() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def test_the_scanner_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Doc about a side.\n\n>>> f("rebel")\n"""\n'
        'from aleppo_map._errors import AleppoMapError\n'
        'X = "government"\nY = "2016-11-15"  # the first day\nZ = "EPSG:32637"\n'
        'OK = "rebel_area_km2"\n# Aleppo in a comment\n',
        encoding="utf-8")
    found = _offences(sample, root=tmp_path)
    kinds = " | ".join(found)
    assert "a side name in a doctest" in kinds
    assert 'a side name in a string literal: "government"' in kinds
    assert "a date of 2016" in kinds
    assert "Aleppo's EPSG code" in kinds
    assert "the word Aleppo" in kinds
    assert "rebel_area_km2" not in kinds  # identifiers joined by '_' are not side names
    assert "AleppoMapError" not in kinds


def test_no_battle_literals_in_the_library():
    files = _files()
    assert {f.relative_to(SRC).parts[0] for f in files} >= {"render", "geometry", "cli"}
    found = [o for f in files for o in _offences(f)]
    assert not found, "\n".join(found)
