"""The gazetteer: its data (every name of the sources and of the CSR file resolves, no
alias points to two districts, derived figures match the CSR file) and its matching."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from aleppo_map._errors import UnknownNameError, ValidationError
from aleppo_map.gazetteer import GAZETTEER_COLUMNS, Gazetteer, load_gazetteer, normalise
from aleppo_map.gazetteer.normalise import normalise_many
from aleppo_map.settings import DEFAULTS

SECTORS = {"old-city", "east", "north-east", "south-east", "south", "west", "north", "outskirts"}
BASES = {"csr-derived", "estimated", "sub-area"}

# Spellings of the four sources: (source file prefix, line, spelling as printed, district id).
# The test checks that the spelling really is on that line, then that it resolves to the id.
SOURCE_SPELLINGS = [
    ("000", 147, "Rashidun", "rashidin"),
    ("000", 147, "Aqrab", "aqrab"),
    ("000", 147, "Jamiat al-Zahra", "zahra"),
    ("000", 149, "Sheikh Saeed", "sheikh-saeed"),
    ("000", 149, "Bustan Al-Basha", "bustan-al-basha"),
    ("000", 149, "Sheikh Najjar factories", "sheikh-najjar"),
    ("000", 151, "Hanano housings", "hanano"),
    ("000", 157, "'Ard Al-Hamra", "ard-al-hamra"),
    ("000", 157, "Sheikh Lutfi", "sheikh-lutfi"),
    ("000", 157, "Hill 420", "sheikh-lutfi"),
    ("000", 157, "Police Hill", "sheikh-lutfi"),
    ("000", 159, "Jabal Badro", "jabal-badro"),
    ("000", 163, "Jabal-Badro", "jabal-badro"),
    ("000", 163, "Ba'ibdeen", "baaidin"),
    ("000", 163, "Sakhour", "sakhour"),
    ("000", 163, "Al-Sakhour Bridge", "sakhour"),
    ("000", 163, "Jandoul Factories", "jandoul"),
    ("000", 163, "Ayn Al-Tal", "ayn-al-tal"),
    ("000", 163, "Hallak Fuqani", "hallak-fuqani"),
    ("000", 163, "Hallak Tahtani", "hallak-tahtani"),
    ("000", 163, "Haydariyah", "haydariyah"),
    ("000", 167, "Hallak Al-Fukani", "hallak-fuqani"),
    ("000", 167, "Hallak Al-Tahtani", "hallak-tahtani"),
    ("000", 167, "Inzarat", "inzarat"),
    ("000", 169, "Sheikh Kheder", "sheikh-khodr"),
    ("000", 169, "Sheikh Khider", "sheikh-khodr"),
    ("000", 169, "Sheikh Fares", "sheikh-fares"),
    ("000", 169, "Sheikh Maqsood", "sheikh-maqsoud"),
    ("000", 177, "Tariq al-Bab", "tariq-al-bab"),
    ("000", 177, "Talet Barakat", "besel"),
    ("000", 177, "Scientific Research Housing", "besel"),
    ("000", 177, "Ma'saraniyah Youth housing", "masaraniyah-youth-housing"),
    ("000", 179, "al-Jazmati", "jazmati"),
    ("000", 179, "al-Ma’saraniyah", "masaraniyah"),
    ("000", 179, "Sukkari", "sukkari"),
    ("000", 179, "Sadkop", "ramouseh"),
    ("000", 179, "Old Ramouseh", "ramouseh"),
    ("000", 181, "Karm al-Trab", "karm-al-trab"),
    ("000", 183, "Mayssar", "karm-al-mayssar"),
    ("000", 185, "al-Helwaniyah", "helwaniyeh"),
    ("000", 185, "Citadel of Aleppo", "citadel"),
    ("000", 185, "Dahret Awwad", "dahret-awwad"),
    ("000", 185, "al-Qaterrji", "qaterji"),
    ("000", 185, "al-Tahhan", "tahhan"),
    ("000", 185, "Qadi Askar", "qadi-askar"),
    ("000", 185, "Eye Hospital", "qadi-askar"),
    ("000", 185, "al-Sha'ar", "shaar"),
    ("000", 187, "Karm al-Jabal", "karm-al-jabal"),
    ("000", 189, "Marjeh", "marjeh"),
    ("000", 189, "Sheikh Lufti", "sheikh-lutfi"),
    ("000", 189, "Umayyad Mosque", "souq-al-madina"),
    ("000", 197, "Marjah", "marjeh"),
    ("000", 197, "Bab Al-Nayrab", "bab-al-nayrab"),
    ("000", 197, "Maadi", "maadi"),
    ("000", 197, "Salheen", "salheen"),
    ("000", 203, "Fardous", "fardous"),
    ("000", 241, "Bustan Al-Qasr", "bustan-al-qasr"),
    ("002", 56, "Seif al-Dawla", "saif-al-dawla"),
    ("003", 15, "Hananu", "hanano"),
    ("003", 23, "al-Sheikh Najar", "sheikh-najjar"),
    ("003", 31, "Bani Zaid", "bani-zaid"),
    ("003", 59, "al-Ramouseh", "ramouseh"),
    ("003", 59, "al-Sheikh Saeed", "sheikh-saeed"),
    ("003", 61, "1070 Apartments", "hamdaniyeh"),
    ("003", 61, "al-Hamadaniya", "hamdaniyeh"),
    ("003", 65, "New Aleppo", "new-aleppo"),
    ("003", 65, "Salah el-Din", "salaheddine"),
    ("003", 79, "Bastan al-Basha", "bustan-al-basha"),
    ("003", 79, "Ayn al-Tel", "ayn-al-tal"),
    ("003", 79, "al-Sheikh Faris", "sheikh-fares"),
    ("003", 79, "al-Zaytunah", "zaytunah"),
    ("003", 81, "Hananu residences", "hanano"),
    ("003", 81, "al-Haidarya", "haydariyah"),
    ("003", 81, "al-Sakhur", "sakhour"),
    ("003", 81, "Suleiman al-Halabi", "suleiman-al-halabi"),
    ("003", 81, "al-Intharat", "inzarat"),
    ("003", 81, "al-Arad al-Hamra", "ard-al-hamra"),
    ("003", 81, "al-Sheikh Khader", "sheikh-khodr"),
    ("003", 81, "Masaken al-Shabab", "masaraniyah-youth-housing"),
    ("003", 81, "al-Hilwanet", "helwaniyeh"),
    ("003", 81, "Karm al-Jazmati", "jazmati"),
    ("003", 81, "Karm al-Miysar", "karm-al-mayssar"),
    ("003", 83, "Karm al-Tarab", "karm-al-trab"),
    ("003", 83, "al-Qatraji", "qaterji"),
    ("003", 83, "al-Shaar", "shaar"),
    ("003", 83, "al-Marjet", "marjeh"),
    ("003", 85, "al-Shurta Hill", "sheikh-lutfi"),
    ("003", 85, "al-Sheikh Lutfi", "sheikh-lutfi"),
    ("003", 85, "Bab al-Nirab", "bab-al-nayrab"),
]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(DEFAULTS.gazetteer_path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def csr(csr_path: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(csr_path)


# ---------------------------------------------------------------- the data itself
def test_columns_and_vocabularies(table):
    assert tuple(table.columns) == GAZETTEER_COLUMNS
    assert table["district_id"].is_unique
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", d) for d in table["district_id"])
    assert set(table["sector"]) <= SECTORS
    assert set(table["geom_basis"]) <= BASES
    assert (table["name_en"].str.strip() != "").all()
    for col in ("lat", "lon"):
        # centres are written with at most 5 decimals (about 1 m), never raw coordinates
        assert table[col].str.fullmatch(r"\d+\.\d{1,5}").all(), col
    lat, lon = table["lat"].astype(float), table["lon"].astype(float)
    assert lat.between(36.10, 36.32).all() and lon.between(37.02, 37.33).all()
    assert (table["area_km2"].astype(float) > 0).all()


def test_every_control_table_district_is_in_the_gazetteer(gaz):
    with DEFAULTS.changes_path.open(encoding="utf-8") as fh:
        used = {row["district_id"] for row in csv.DictReader(fh)}
    assert used, "the control table is empty"
    assert used <= set(gaz.ids), sorted(used - set(gaz.ids))
    with DEFAULTS.aggregates_path.open(encoding="utf-8") as fh:
        members = {m for row in csv.DictReader(fh) for m in row["members"].split("|") if m}
    assert members <= set(gaz.ids), sorted(members - set(gaz.ids))


def test_no_name_points_to_two_districts(table):
    owner: dict[str, str] = {}
    clashes = []
    for rec in table.to_dict("records"):
        for name in [rec["name_en"], *rec["aliases"].split("|")]:
            key = normalise(name)
            if key and owner.setdefault(key, rec["district_id"]) != rec["district_id"]:
                clashes.append((name, owner[key], rec["district_id"]))
    assert clashes == []


def test_an_alias_shared_by_two_districts_is_rejected(table):
    bad = table.copy()
    bad.loc[bad["district_id"] == "nayrab", "aliases"] += "|Bab al-Nirab"
    with pytest.raises(ValidationError) as info:
        Gazetteer.from_frame(bad, source="bad.csv")
    text = str(info.value)
    assert "bad.csv" in text and "Bab al-Nirab" in text
    assert "'bab-al-nayrab'" in text and "'nayrab'" in text


def test_every_csr_feature_resolves(gaz, csr):
    names = list(csr["NAME"])
    resolved = {n: gaz.lookup(n) for n in names}
    assert [n for n, d in resolved.items() if d is None] == []
    assert len(names) == 133
    # the feature names all land on the csr-derived rows, and cover every one of them
    derived = set(gaz.frame.index[gaz.frame["geom_basis"] == "csr-derived"])
    assert set(resolved.values()) == derived


def test_csr_arabic_names_agree_with_english_ones(gaz, csr):
    # An Arabic name that two districts share in the CSR file (the industrial zone and
    # the quarter beside it) is ambiguous and must resolve to neither; every other Arabic
    # name resolves to the district its English name resolves to.
    ambiguous = {"الراموسة", "جبرين", "المعصرانية"}
    for en, ar in zip(csr["NAME"], csr["NAME_A"], strict=True):
        if not isinstance(ar, str):
            continue
        if ar in ambiguous:
            assert gaz.lookup(ar) is None, ar
        else:
            assert gaz.lookup(ar) == gaz.lookup(en), (en, ar)


def test_csr_derived_figures_match_the_csr_file(gaz, csr):
    csr = csr.assign(did=[gaz.lookup(n) for n in csr["NAME"]])
    metric = csr.to_crs(DEFAULTS.metric_crs)
    metric["geometry"] = metric.geometry.make_valid()
    dissolved = metric.dissolve("did")
    frame = gaz.frame[gaz.frame["geom_basis"] == "csr-derived"]
    assert len(frame) == len(dissolved) == 118
    centres = gpd.GeoSeries(gpd.points_from_xy(frame["lon"], frame["lat"]), index=frame.index,
                            crs="EPSG:4326").to_crs(DEFAULTS.metric_crs)
    for did, row in frame.iterrows():
        shape = dissolved.loc[did].geometry
        # areas are written with 4 decimals of a km² (100 m²)
        assert row["area_km2"] == pytest.approx(shape.area / 1e6, abs=6e-5), did
        # the centre is the area centroid, written with 5 decimals (about 1 m)
        assert centres[did].distance(shape.centroid) < 2.0, did


def test_estimated_rows_are_the_districts_the_csr_file_lacks(gaz, csr):
    in_csr = {gaz.lookup(n) for n in csr["NAME"]}
    lacking = set(gaz.frame.index[gaz.frame["geom_basis"].isin(["estimated", "sub-area"])])
    assert lacking == set(gaz.ids) - in_csr
    assert {"tariq-al-bab", "karm-al-trab", "sheikh-lutfi", "bab-al-nayrab", "maadi",
            "ard-al-hamra", "inzarat", "hallak-fuqani", "hallak-tahtani"} <= lacking
    # a sub-area names the CSR district it is part of; every other row names none
    subs = gaz.frame[gaz.frame["geom_basis"] == "sub-area"]
    assert set(subs["parent_id"]) <= in_csr
    assert (gaz.frame.loc[gaz.frame["geom_basis"] != "sub-area", "parent_id"] == "").all()
    assert (gaz.frame.loc[gaz.frame["geom_basis"] != "csr-derived", "geom_note"] != "").all()


def test_a_parent_must_be_a_known_whole_district(table):
    bad = table.copy()
    bad.loc[bad["district_id"] == "tahhan", "parent_id"] = "qaterjy"
    bad.loc[bad["district_id"] == "maadi", "parent_id"] = "tahhan"  # a sub-area's sub-area
    with pytest.raises(ValidationError) as info:
        Gazetteer.from_frame(bad, source="bad.csv")
    text = str(info.value)
    assert "bad.csv" in text and "'qaterjy'" in text and "'tahhan'" in text
    assert len(info.value.problems) == 2


# ---------------------------------------------------------------- the sources' spellings
@pytest.mark.parametrize(("prefix", "line", "spelling", "district_id"), SOURCE_SPELLINGS,
                         ids=[f"{p}L{n}-{s}" for p, n, s, _ in SOURCE_SPELLINGS])
def test_source_spelling_resolves(seeds_dir, gaz, prefix, line, spelling, district_id):
    (path,) = seeds_dir.glob(f"{prefix}_*.txt")
    text = path.read_text(encoding="utf-8").splitlines()[line - 1]
    assert spelling in text, f"{spelling!r} is not on line {line} of {path.name}"
    assert gaz.resolve(spelling) == district_id


@pytest.mark.parametrize(("a", "b"), [
    ("Bab al-Nayrab", "an-Nayrab"),
    ("Karm al-Trab", "Trab al-Hellok"),
    ("Tariq al-Bab", "al-Helwaniyeh"),
    ("Masaken al-Shabab", "as-Sakan ash-Shababi"),
    ("al-Ma'asaraniyeh Youth Housing", "al-Ma'saraniyah"),
    ("Hanano", "Hanano Barrack"),
    ("Ramouseh", "Ad-Ramouseh Industrial District II"),
    ("Jibreen", "Industrial Area Jibreen"),
    ("Bustan az-Zahra", "az-Zahra’"),
])
def test_look_alike_names_stay_apart(gaz, a, b):
    assert gaz.resolve(a) != gaz.resolve(b)


@pytest.mark.parametrize("name", ["al-Azizet", "Hallak"])
def test_names_that_must_not_be_guessed(gaz, name):
    # a south-eastern front (not al-'Aziziyeh), and a pair of districts: unknown, so that
    # a human decides
    assert gaz.lookup(name) is None


@pytest.mark.parametrize("name", ["Zouhor hill", "al-Zuhur hill"])
def test_the_hill_by_sheikh_najjar_is_its_landmark_not_the_western_district(gaz, name):
    # decided by a human in data/landmarks.csv (cited there), never guessed from "Zuhour"
    res = gaz.explain(name)
    assert (res.district_id, res.landmark_id) == ("sheikh-najjar", "zouhor-hill")


def test_unknown_name_lists_three_closest(gaz):
    # "Hannano" (a doubled letter) now resolves by its sound key; "Hanamo" is too far
    assert gaz.resolve("Hannano") == "hanano"
    with pytest.raises(UnknownNameError) as info:
        gaz.resolve("Hanamo", context="x.geojson, feature 3")
    err = info.value
    assert len(err.suggestions) == 3 and err.suggestions[0] == "hanano"
    assert str(err).startswith("x.geojson, feature 3: unknown district name 'Hanamo'")
    assert "'hanano'" in str(err)
    assert set(gaz.suggest("Hallak")[:2]) == {"hallak-fuqani", "hallak-tahtani"}


# ---------------------------------------------------------------- normalisation
@pytest.mark.parametrize(("a", "b"), [
    ("Sheikh Sa’eed", "al-Sheikh Saeed"),
    ("Sheikh Sa‘eed", "SHEIKH SA'EED"),
    ("Sheikh Saʿeed", "sheikh saeed"),
    ("al-Ḥamdāniyah", "Hamdaniyah"),
    ("el-Midan", "Midan"),
    ("Karm Al Jabal", "Karm aj-Jabal"),
    ("as-Sakhour I", "Sakhour"),
    ("al-Hamdaniyeh IV", "al-Hamdaniyeh"),
    ("as-Sakhour I/II", "Sakhour 2"),
    ("Hanano housings", "Hanano"),
    ("Sheikh Saeed district", "Sheikh Saeed neighbourhood"),
    ("Sheikh Saeed Neighborhood", "Sheikh Saeed quarter"),
    ("Jabal-Badro", "Jabal Badro"),
    ("الشيخ مقصود", "شيخ مقصود"),
    ("الأشرفية", "الاشرفيه"),
])
def test_normalise_folds_spellings_together(a, b):
    assert normalise(a) == normalise(b)


def test_normalise_keeps_distinctions_that_matter():
    assert normalise("Ad-Ramouseh Industrial District III") != normalise("al-Ramouseh")
    assert normalise("Hill 420") == "hill 420"


#: Pieces of names where the batch folding could part from the one-name folding: articles
#: alone and chained, generic words, numerals at the end, brackets, apostrophes, every
#: kind of space, Arabic letters, marks and digits, accents, newlines inside a name.
_NAME_PIECES = [
    *"abehilmnqrstuxz0123456789 -'`’()\t\r\x0b\x1c\x85\u2028\n", "al ", "el-", "ash-", "Al ",
    "ad-", "ul ", "al al-", " ii", " IV", " 4", " 420", " x", "District", "the ", " of ",
    "quarter", "neighbourhood ", "city", "(ar)", "é", "Ł", "ﬁ", "ال", "حي ", "ة", "أ",
    "\u064b", "ـ", "١", "، ", "ﷲ", "  ",
]


def _batch_names(seeds_dir: Path, count: int, seed: int) -> list[str]:
    """Names of the embedded tables, runs of words of the four texts, random names."""
    rng = random.Random(seed)
    names: list[str] = []
    for table in ("gazetteer.csv", "landmarks.csv"):
        for row in pd.read_csv(DEFAULTS.data_dir / table, dtype=str, keep_default_na=False).itertuples():
            names += [str(v) for v in row[1:]] + [a for v in row[1:] for a in re.split("[;|]", str(v))]
    for text in sorted(seeds_dir.glob("*.txt")):
        words = text.read_text(encoding="utf-8").split()
        names += [" ".join(words[i:i + k]) for i in range(0, len(words), 7) for k in (1, 2, 3)]
    names += ["".join(rng.choices(_NAME_PIECES, k=rng.randint(0, 9))) for _ in range(count)]
    return names


def test_normalise_many_gives_the_keys_of_normalise(seeds_dir):
    names = _batch_names(seeds_dir, 40_000, seed=7)
    assert len(names) > 45_000
    assert normalise_many(names) == [normalise(n) for n in names]
    # a table of Latin names only takes the whole-column path
    latin = [n for n in names if n.isascii() and "\n" not in n]
    assert len(latin) > 10_000
    assert normalise_many(latin) == [normalise(n) for n in latin]
    # chained articles need a second round of the article rule
    assert normalise_many(["al al-Bab", "Bab al"] * 40) == ["bab", "bab al"] * 40
    assert normalise_many([]) == []


def _copies(table: pd.DataFrame, n: int) -> pd.DataFrame:
    """*n* copies of the gazetteer with their own ids and names (the Arabic names shared)."""
    parts = []
    for k in range(n):
        part = table.copy()
        part["district_id"] = part["district_id"] + f"-w{k}"
        part["name_en"] = part["name_en"] + f" Ward{k}"
        part["aliases"] = part["aliases"].map(
            lambda a, k=k: "|".join(f"{x} Ward{k}" for x in a.split("|")) if a else "")
        part["parent_id"] = part["parent_id"].map(lambda p, k=k: f"{p}-w{k}" if p else "")
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def test_a_large_gazetteer_keys_every_name_and_finds_a_clash_by_row(table):
    big = _copies(table, 25)
    gaz = Gazetteer.from_frame(big, source="big.csv")
    assert len(gaz.frame) == 25 * len(table)
    for row in big.itertuples():
        latin = [row.district_id, row.name_en, *filter(None, row.aliases.split("|"))]
        assert {gaz.keys[normalise(n)] for n in latin} == {row.district_id}
        # an Arabic name that 25 districts share points to none of them
        assert not row.name_ar or normalise(row.name_ar) not in gaz.keys
    assert list(gaz.keys)[:3] == [normalise(big["district_id"][0]), normalise(big["name_en"][0]),
                                  normalise(big["aliases"][0].split("|")[0])]
    clash = big.copy()
    clash.loc[3000, "aliases"] = big.loc[9, "name_en"]
    with pytest.raises(ValidationError) as err:
        Gazetteer.from_frame(clash, source="big.csv")
    assert str(err.value).count("to point to one district") == 1
    assert "row 3001, column 'aliases'" in str(err.value)
    assert f"for both {big.loc[9, 'district_id']!r} and {big.loc[3000, 'district_id']!r}" in str(err.value)


def test_lookup_accepts_ids_names_and_arabic(gaz):
    assert gaz.lookup("sheikh-maqsoud") == "sheikh-maqsoud"
    assert gaz.lookup("الشيخ مقصود") == "sheikh-maqsoud"
    assert gaz.lookup("عين التينة") == "ayn-al-tal"  # the CSR file's Arabic spelling
    assert gaz.lookup("nowhere at all") is None


def test_accessors(gaz):
    lon, lat = gaz.centre("citadel")
    assert 37.15 < lon < 37.17 and 36.19 < lat < 36.21
    assert gaz.name_en("sheikh-khodr") == "Sheikh Khodr"
    assert gaz.name_ar("hanano") == "هنانو"
    assert gaz.sector("hanano") == "north-east"
    assert gaz.area_km2("hanano") == pytest.approx(3.27, abs=0.01)
    assert gaz.ids[0] == "citadel" and len(gaz.ids) == len(set(gaz.ids))
    assert isinstance(gaz.frame.loc["hanano", "aliases"], list)
