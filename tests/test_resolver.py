"""The resolver: spellings from the texts, the CSR file and the transliteration patterns
resolve to the right district; near-misses that are different places never resolve to a
wrong one; a name that fits two districts is reported, not chosen."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from aleppo_map._errors import AleppoMapError, UnknownNameError
from aleppo_map.gazetteer import (
    AmbiguousNameError,
    Gazetteer,
    fold_arabic,
    load_gazetteer,
    normalise,
    phonetic_key,
)
from aleppo_map.gazetteer.resolver import FUZZY_RESOLVE
from aleppo_map.settings import DEFAULTS

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


SPELLINGS = _rows("spellings.csv")
NEAR_MISSES = _rows("near_misses.csv")


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def csr_names(csr_path: Path) -> set[str]:
    csr = gpd.read_file(csr_path)
    return {v for col in ("NAME", "NAME_A") for v in csr[col] if isinstance(v, str)}


# ---------------------------------------------------------------- the data files
def test_the_spelling_list_is_large_and_varied():
    assert len(SPELLINGS) >= 150
    kinds = {r["origin"].split()[0].rstrip(":") for r in SPELLINGS}
    assert kinds == {"text", "csr", "pattern", "outside"}
    patterns = [r for r in SPELLINGS if r["origin"].startswith("pattern")]
    assert len(patterns) >= 100
    assert len({r["spelling"] for r in SPELLINGS}) == len(SPELLINGS)
    assert len(NEAR_MISSES) >= 30


def test_every_text_spelling_is_on_its_line(seeds_dir):
    texts = {p.name[:3]: p.read_text(encoding="utf-8").splitlines()
             for p in seeds_dir.glob("*.txt")}
    rows = [r for r in SPELLINGS if r["origin"].startswith("text")]
    assert len(rows) >= 80
    for r in rows:
        m = re.fullmatch(r"text (\d{3}) line (\d+)", r["origin"])
        assert m, r
        assert r["spelling"] in texts[m[1]][int(m[2]) - 1], r


def test_every_csr_spelling_is_in_the_csr_file(csr_names):
    rows = [r for r in SPELLINGS if r["origin"].startswith("csr")]
    assert len(rows) >= 200
    assert {r["spelling"] for r in rows} <= csr_names
    # every name of the CSR file is on the list (some first found in the texts)
    assert csr_names <= {r["spelling"] for r in SPELLINGS}


@pytest.mark.parametrize("row", SPELLINGS, ids=[f"{i}-{r['spelling']}"
                                                for i, r in enumerate(SPELLINGS)])
def test_spelling_resolves(gaz, row):
    res = gaz.explain(row["spelling"])
    expected = row["expected"]
    if expected.startswith("NOT-WRONG:"):
        # a spelling the resolver does not know: it may stay unresolved, never go wrong
        assert res.district_id in (None, expected.split(":", 1)[1]), res.explain()
    elif expected.startswith("AMBIGUOUS:"):
        assert res.status == "ambiguous", res.explain()
        assert set(res.candidates) == set(expected.split(":", 1)[1].split("|"))
        assert gaz.lookup(row["spelling"]) is None
    else:
        assert res.district_id == expected, res.explain()
        assert gaz.lookup(row["spelling"]) == expected
        assert gaz.resolve(row["spelling"]) == expected


@pytest.mark.parametrize("row", NEAR_MISSES, ids=[r["spelling"] for r in NEAR_MISSES])
def test_near_miss_never_resolves_to_a_wrong_district(gaz, row):
    res = gaz.explain(row["spelling"])
    wrong = set(row["not"].split("|"))
    assert wrong <= set(gaz.ids), row
    assert res.district_id not in wrong, res.explain()
    assert res.district_id == (row["expected"] or None), res.explain()


def test_spellings_from_outside_the_texts_mostly_resolve(gaz):
    rows = [r for r in SPELLINGS if r["origin"].startswith("outside")]
    assert len(rows) >= 30
    assert all(r["origin"].startswith("outside: http") for r in rows)
    resolved = [r for r in rows if gaz.lookup(r["spelling"]) is not None]
    assert len(resolved) / len(rows) >= 0.8


def test_pattern_spellings_use_more_than_exact_matching(gaz):
    rules = [gaz.explain(r["spelling"]).rule for r in SPELLINGS
             if r["origin"].startswith("pattern")]
    # the variants are not aliases: most need the sound key or another folding rule
    assert rules.count("sound key") >= 60
    assert {"name key", "landmark dropped", "fuzzy"} <= set(rules)


# ---------------------------------------------------------------- ambiguity
def test_a_name_that_fits_two_districts_is_reported_with_both(gaz):
    res = gaz.explain("الراموسة")
    assert res.status == "ambiguous" and res.district_id is None
    assert set(res.candidates) == {"ramouseh", "ramouseh-industrial"}
    assert "AMBIGUOUS" in res.explain() and "ramouseh-industrial" in res.explain()
    with pytest.raises(AmbiguousNameError) as info:
        gaz.resolve("الراموسة", context="x.csv, row 4")
    err = info.value
    assert isinstance(err, UnknownNameError) and isinstance(err, AleppoMapError)
    assert set(err.candidates) == {"ramouseh", "ramouseh-industrial"}
    assert str(err).startswith("x.csv, row 4: ambiguous district name")
    assert gaz.suggest("الراموسة")[:2] == list(res.candidates)


def test_a_sound_key_two_districts_share_is_ambiguous_not_chosen():
    # two districts whose names differ as written but sound alike: neither is chosen
    table = pd.DataFrame([
        {"district_id": "a", "name_en": "Sheikh Saeed", "aliases": ""},
        {"district_id": "b", "name_en": "Shaykh Sa'id", "aliases": ""},
        {"district_id": "c", "name_en": "Hanano", "aliases": ""},
    ])
    gaz = Gazetteer.from_frame(table, source="t.csv")
    assert gaz.explain("Sheikh Saeed").district_id == "a"  # as written: exact
    res = gaz.explain("Cheikh Said")
    assert res.status == "ambiguous" and set(res.candidates) == {"a", "b"}
    assert res.rule == "sound key"
    assert gaz.lookup("Cheikh Said") is None
    assert gaz.explain("Hananou").district_id == "c"


def test_a_partial_name_is_ambiguous_between_the_districts_it_begins(gaz):
    res = gaz.explain("Hallak")
    assert res.status == "ambiguous" and res.rule == "partial name"
    assert set(res.candidates) == {"hallak-fuqani", "hallak-tahtani"}
    assert gaz.lookup("Hallak") is None
    # a name that begins one district's name only is not resolved either
    assert gaz.explain("Qastal").district_id is None


def test_fuzzy_below_the_threshold_is_not_resolved(gaz):
    res = gaz.explain("Hanamo")
    assert res.status == "unknown" and res.district_id is None
    assert res.score is not None and res.score < FUZZY_RESOLVE
    assert res.candidates[0] == "hanano"
    assert "not resolved" in res.note
    typo = gaz.explain("Bustan al-Bashsa")
    assert typo.rule == "fuzzy" and typo.district_id == "bustan-al-basha"
    assert typo.score is not None and typo.score >= FUZZY_RESOLVE


def test_a_hill_named_like_a_district_is_not_that_district(gaz):
    from aleppo_map.settings import DEFAULTS

    plain = load_gazetteer(DEFAULTS.gazetteer_path)  # the rule alone, without the landmarks
    res = plain.explain("Zouhor hill")
    assert res.district_id is None and "zuhour" in res.candidates
    assert "hill" in res.note
    # a roundabout named after a district is in it
    assert plain.explain("Jazmati roundabout").rule == "landmark dropped"
    # with the landmarks table the hill is its own landmark, never az-Zuhour
    lm = gaz.explain("Zouhor hill")
    assert lm.landmark_id == "zouhor-hill" and lm.district_id == "sheikh-najjar"


def test_explain_says_which_rule_and_names_matched(gaz):
    res = gaz.explain("Cheikh Maksoud")
    text = res.explain({"sheikh-maqsoud": "Sheikh Maqsoud"})
    assert res.rule == "sound key" and res.key == "SHK maksad"
    assert "sheikh-maqsoud (Sheikh Maqsoud)" in text
    assert "rule: sound key" in text and "'Sheikh Maqsood'" in text
    assert gaz.explain("hanano").rule == "id"
    assert gaz.explain("HANANO HOUSINGS").rule == "exact"


def test_no_sound_key_is_shared_by_two_districts_in_latin_script(gaz):
    # the shipped gazetteer's only shared keys are the three Arabic names the CSR file
    # gives to two districts each; a Latin name that sounds like two districts would be
    # unreachable by its variants
    shared = gaz.name_index.collisions("sound key")
    assert set(shared) == {fold_arabic(n) for n in ("الراموسة", "جبرين", "المعصرانية")}


# ---------------------------------------------------------------- the folds
@pytest.mark.parametrize(("a", "b"), [
    ("Sheikh Saeed", "Shaykh Sa'id"), ("Cheikh Said", "ash-Shaikh Saeed"),
    ("Hanano housings", "Masakin Hananu"), ("Hay al-Sukkari", "Sukkari neighbourhood"),
    ("Tal az-Zarazir", "Zarazir hill"), ("Salaheddine", "Salah ad-Din"),
    ("Salahuddin", "Salah el-Din"), ("Bab al-Nayrab", "Bab an-Neirab"),
    ("al-Hamdaniyeh III", "Hamdaniya 3"), ("Haydariyah", "al-Haidarya"),
    ("Helwaniyeh", "Hilwaniyah"), ("Ramouseh", "Ramoussa"), ("Maqsoud", "Maksood"),
    ("Bustan al-Basha", "Boustan el-Pacha"), ("Inzarat", "Indharat"), ("Sakhour", "Sahour"),
    ("Zaytunah", "Zeitouneh"), ("Bani Zaid", "Bani Zeid"), ("Achrafieh", "al-Ashrafiyeh"),
    ("Hill 420", "Tal 420"), ("الحيدريّة", "حي الحيدرية"),
])
def test_phonetic_key_folds_spellings_together(a, b):
    assert phonetic_key(a) == phonetic_key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Sheikh Maqsoud", "Sheikh Saeed"), ("Sakhour", "Sukkari"), ("Nayrab", "Bab al-Nayrab"),
    ("Zouhor hill", "az-Zuhour"), ("Hanano", "Hanano Barrack"), ("Jibreen", "Jibreen Industrial"),
    ("Hallak Fuqani", "Hallak Tahtani"), ("Salheen", "Salah ad-Din"), ("Hill 420", "Hill 42"),
    ("Karm al-Trab", "Trab al-Hellok"), ("Hamidiyeh", "Ahmadiyeh"),
])
def test_phonetic_key_keeps_different_places_apart(a, b):
    assert phonetic_key(a) != phonetic_key(b)


def test_arabic_folding():
    assert fold_arabic("الأشرفيّة") == fold_arabic("الاشرفيه") == "اشرفيه"
    assert fold_arabic("هـنانو") == "هنانو"
    assert fold_arabic("إنذارات") == fold_arabic("انذارات")
    assert fold_arabic("١٠٧٠") == "1070"
    assert normalise("الشيخ مقصود") == normalise("شيخ مقصود")
    assert phonetic_key("مساكن هنانو") == phonetic_key("هنانو")


def test_every_alias_keeps_one_district():
    table = pd.read_csv(DEFAULTS.gazetteer_path, dtype=str, keep_default_na=False)
    gaz = Gazetteer.from_frame(table)
    for rec in table.to_dict("records"):
        for name in [rec["name_en"], *[a for a in rec["aliases"].split("|") if a]]:
            assert gaz.lookup(name) == rec["district_id"], name


# ---------------------------------------------------------------- generated variants
# One substitution at a time, on every Latin name of the gazetteer: the transliteration
# patterns of the issue (articles, vowels, endings, doubled letters, q/k, kh/h, Sheikh,
# apostrophes, generic words). Some variants are odd ("Sheeekh"); none may land on a
# wrong district.
VARIANT_RULES = [
    (r"\b(al|el|as|ash|ad|az|at|ar|an|aj)-", "el-"), (r"\b(al|el|as|ash|ad|az|at|ar|an|aj)-", ""),
    (r"\b(al|el|as|ash|ad|az|at|ar|an|aj)-", "al "), (r"\b(al|el)-", "Al"),
    (r"ou", "u"), (r"u", "ou"), (r"ee", "i"), (r"i", "ee"), (r"ei", "ay"), (r"ay", "ei"),
    (r"ai", "ei"), (r"eh\b", "a"), (r"eh\b", "ah"), (r"iyeh\b", "iya"), (r"iyah\b", "ieh"),
    (r"a\b", "eh"), (r"([bdfjklmnrstz])\1", r"\1"), (r"q", "k"), (r"Q", "K"), (r"kh", "h"),
    (r"Sheikh", "Shaykh"), (r"Sheikh", "Cheikh"), (r"['’‘`]", ""), (r"^", "Hay "),
    (r"$", " neighbourhood"), (r"$", " district"),
]


def test_generated_variants_never_resolve_to_a_wrong_district(gaz):
    right = unresolved = 0
    wrong = []
    for did in gaz.ids:
        for name in gaz.aliases(did):
            if re.search(r"[\u0600-\u06ff]", name):
                continue
            for pattern, repl in VARIANT_RULES:
                variant = re.sub(pattern, repl, name, count=1)
                if variant == name:
                    continue
                res = gaz.explain(variant)
                if res.district_id == did:
                    right += 1
                elif res.district_id is None:
                    unresolved += 1
                else:
                    wrong.append((name, variant, res.district_id, res.rule))
    assert wrong == []
    assert right + unresolved >= 1500
    assert right / (right + unresolved) >= 0.95


# ---------------------------------------------------------------- press names (issue 12)
# Names of the Old City and the east that reports use: each resolves to the district a
# basis gives (a CSR name, an encyclopaedia article's published point, the aggregate
# table), names a group, or stays unresolved, never a wrong district.
PLACES = _rows("place_spellings.csv")


@pytest.mark.parametrize("row", PLACES, ids=[r["spelling"] for r in PLACES])
def test_press_place_names_resolve_only_on_a_basis(gaz, row):
    res = gaz.explain(row["spelling"])
    want = row["district"]
    if want.startswith("GROUP:"):
        assert res.rule == "group" and res.group == want.split(":", 1)[1], res.explain()
        assert res.status == "ambiguous" and res.district_id is None
        assert gaz.lookup(row["spelling"]) is None
        return
    assert res.district_id == (want or None), res.explain()
    assert (res.landmark_id or "") == row["landmark"], res.explain()
    if want:
        assert gaz.resolve(row["spelling"]) == want


def test_the_press_name_list_covers_every_basis():
    bases = {r["basis"].split(":", 1)[0] for r in PLACES if r["district"]}
    assert {"published", "csr", "aggregate old-aleppo of data/aggregates.csv"} <= bases
    assert sum(1 for r in PLACES if r["district"] and not r["district"].startswith("GROUP")) >= 30
    # the landmarks the list names are the table's published ones, all of them
    table = pd.read_csv(DEFAULTS.landmarks_path, dtype=str, keep_default_na=False)
    published = set(table.loc[table["placement"] == "published", "landmark_id"])
    assert {r["landmark"] for r in PLACES if r["landmark"]} == published


def test_a_published_point_lies_well_inside_the_one_district_it_is_placed_in():
    # the district of a published point is derived, not chosen: the one polygon that
    # contains it, at least 30 m from its edge (points nearer a border are left out)
    from aleppo_map.gazetteer.landmarks import POINT_TOLERANCE_M

    table = pd.read_csv(DEFAULTS.landmarks_path, dtype=str, keep_default_na=False)
    rows = table[table["placement"] == "published"]
    assert len(rows) >= 10
    layer = gpd.read_file(DEFAULTS.districts_path).set_index("district_id").to_crs("EPSG:32637")
    layer = layer[layer.geom_type != "Point"]
    pts = gpd.GeoSeries(gpd.points_from_xy(rows["lon"].astype(float), rows["lat"].astype(float)),
                        crs="EPSG:4326").to_crs("EPSG:32637")
    for (_, rec), pt in zip(rows.iterrows(), pts, strict=True):
        holders = [did for did, geom in layer.geometry.items() if geom.contains(pt)]
        assert holders == [rec["district_id"]], rec["landmark_id"]
        edge = layer.geometry[rec["district_id"]].boundary.distance(pt)
        assert edge >= POINT_TOLERANCE_M, (rec["landmark_id"], edge)
        assert "read from http" in rec["placement_note"]


def test_old_city_names_a_group_never_one_district(gaz, capsys):
    from aleppo_map.cli import main

    res = gaz.explain("the Old City")
    assert res.rule == "group" and res.group == "old-aleppo"
    assert "souq-al-madina" in res.candidates and "jalloum" in res.candidates
    assert "citadel" not in res.candidates  # the aggregate: the quarters outside the Citadel
    assert "names the GROUP old-aleppo of" in res.explain()
    with pytest.raises(AmbiguousNameError):
        gaz.resolve("Old Aleppo")
    assert main(["resolve", "Old City"]) == 2
    err = capsys.readouterr().err
    assert "names the group 'old-aleppo'" in err and "bab-qinnasrin" in err
    # a partial name whose districts are all in a group keeps its narrower answer
    assert gaz.explain("Hallak").rule == "partial name"
    # without the aggregate table the phrase is no group
    plain = load_gazetteer(DEFAULTS.gazetteer_path)
    assert plain.explain("Old Aleppo").rule != "group"


def test_souq_word_order_folds_but_a_souq_is_not_the_district_it_is_named_after(gaz):
    assert phonetic_key("al-Madina Souq") == phonetic_key("Souq al-Madina")
    assert phonetic_key("Suq al-Madina") == phonetic_key("Madina souk")
    # a souq named like a district need not lie in it: not resolved by dropping "souq"
    assert gaz.explain("Souq Hanano").district_id is None
    assert phonetic_key("Jisr al-Hajj") == phonetic_key("al-Hajj bridge")
