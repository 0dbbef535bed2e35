"""Fold the many spellings of a place name (Arabic, or transliterated from it) to keys.

Arabic names reach English (and French) in many transliterations. Two folds are
provided, from light to strong:

:func:`normalise`
    The *name key*: case, accents, every apostrophe form, Arabic articles written
    apart ("al-", "el ", "ash-" ...), generic words such as *district* and trailing
    subdivision numerals. Two names with one name key are one name; the gazetteer
    refuses an alias whose name key belongs to another district.
:func:`phonetic_key`
    The *sound key*: on top of the name key, every article form (also "a-", "es-",
    "ed-"), "Sheikh/Shaykh/Cheikh", the compound "ad-Din/eddine/uddin", generic
    words before or after the name (housing, masakin, neighbourhood, quarter, hay ...),
    landmark words kept as one token whatever their language or place (hill/tal,
    factories, roundabout/dawar, industrial, bridge, souq), Roman numerals, consonant
    pairs that transliterations confuse (q/k/g, p/b, dh/z, kh/h, ch/sh, dj/j, ph/f),
    doubled consonants, and every run of vowels (ou/u/oo, ee/i/y, ei/ay/ai,
    -eh/-a/-ah/-iyeh/-iya/-iyah) folded to one vowel mark.

Arabic script is folded by :func:`fold_arabic` (alef forms, ta marbuta, alef
maqsura, hamza seats, tatweel, diacritics, Persian letter forms, Arabic-Indic
digits). The folds are deterministic and used alike for the gazetteer's names and
for a user's query: a sound key that two districts share is *ambiguous*, which the
resolver reports instead of choosing.

Examples
--------
>>> normalise("Sheikh Sa’eed") == normalise("al-Sheikh Saeed")
True
>>> phonetic_key("Cheikh Maksoud") == phonetic_key("ash-Shaykh Maqsood")
True
>>> phonetic_key("Masaken Hanano") == phonetic_key("Hananu housings")
True
>>> phonetic_key("Tal az-Zarazir") == phonetic_key("Zarazeer Hill")
True
>>> phonetic_key("Salaheddine") == phonetic_key("Salah ad-Din")
True
>>> phonetic_key("al-Madina Souq") == phonetic_key("Souq al-Madina")
True
>>> fold_arabic("الأشرفيّة")
'اشرفيه'
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "APOSTROPHES",
    "fold_arabic",
    "is_arabic",
    "key_variants",
    "normalise",
    "normalise_many",
    "phonetic_key",
]

#: Every mark used for an apostrophe, a hamza or an ayn in Latin transliterations.
APOSTROPHES = "'’‘`´ʼʻʾʿ′\u02bc\u02bb\u2032"

# ---------------------------------------------------------------- the name key
_ARTICLE = re.compile(r"\b(?:al|el|ash|as|ad|aj|an|az|at|ar|ath|adh|ul)[\s-]+(?=\w)")
_GENERIC = re.compile(
    r"\b(?:district|districts|neighbou?rhoods?|quarters?|housings?|residences?|area|areas|"
    r"the|of|city)\b"
)
# One or more trailing subdivision numerals ("I", "II/III", "4"), never the whole name; three
# digits or more are a name ("Hill 420"), not a subdivision.
_NUMERAL = re.compile(r"(?:\s+(?:i{1,3}|iv|vi{0,3}|ix|x|[0-9]{1,2}))+$")

# ---------------------------------------------------------------- Arabic script
_AR_LETTERS = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_AR_MARKS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_AR_MAP = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ة": "ه", "ۃ": "ه", "ى": "ي", "ی": "ي", "ې": "ي", "ئ": "ي", "ؤ": "و",
    "ک": "ك", "گ": "ك", "ڤ": "ف", "پ": "ب", "چ": "ج", "ء": "",
    "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4",
    "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9",
    "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4",
    "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9",
    "،": " ", "ـ": "",
})
_AR_ARTICLE = re.compile(r"(^|\s)ال(?=\S{2})")
_SPACES = re.compile(r"\s+")
#: Arabic generic words dropped by the sound key (quarter, area, housing, the).
_AR_GENERIC = frozenset({"حي", "منطقه", "مساكن", "مسكن", "ضاحيه", "احياء"})


def is_arabic(text: str) -> bool:
    """Whether *text* contains Arabic script.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    bool
        True when at least one Arabic letter occurs.
    """
    return bool(_AR_LETTERS.search(str(text)))


def fold_arabic(text: str) -> str:
    """Fold Arabic script: marks, tatweel, alef, ta marbuta, alef maqsura, hamza seats.

    The article *al-* at the start of each word is dropped, spaces collapsed; Persian
    and Urdu letter forms and Arabic-Indic digits are mapped to their Arabic and Latin
    equivalents.

    Parameters
    ----------
    text : str
        Text in Arabic script (Latin parts pass through unchanged).

    Returns
    -------
    str
        The folded text.

    Examples
    --------
    >>> fold_arabic("الشَّيْخ مَقْصُود") == fold_arabic("شيخ مقصود")
    True
    >>> fold_arabic("الإنذارات") == fold_arabic("الانذارات")
    True
    """
    text = unicodedata.normalize("NFKC", str(text))
    text = _AR_MARKS.sub("", text)
    text = text.translate(_AR_MAP)
    text = _AR_ARTICLE.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip()


def normalise(name: str) -> str:
    """Fold a district name to its name key.

    Lower case; accents and Arabic diacritics removed; every apostrophe form and
    hyphen dropped or turned into a space; leading Arabic articles (al-, el-, ash-,
    as-, ad-, aj-, an-, az-, ...) removed from every word; generic words (district,
    neighbourhood, housing, quarter, ...) and trailing subdivision numerals (I, II,
    III, IV, V, ... or one or two digits) dropped. Arabic script is folded with
    :func:`fold_arabic`.

    Parameters
    ----------
    name : str
        A name in any spelling, Latin or Arabic script.

    Returns
    -------
    str
        The comparison key (may be empty for a name made only of generic words).

    Examples
    --------
    >>> normalise("Karm al-Myassar") == normalise("Karm el Myassar")
    True
    >>> normalise("الشيخ مقصود") == normalise("شيخ مقصود")
    True
    >>> normalise("Ad-Ramouseh Industrial District III")
    'ramouseh industrial'
    >>> normalise("Hill 420")
    'hill 420'
    """
    text = str(name)
    if text.isascii():  # NFKC and NFKD leave ASCII as it is: no accents, no Arabic
        text = text.strip().lower()
    else:
        text = unicodedata.normalize("NFKC", text).strip()
        if is_arabic(text):
            return fold_arabic(text)
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        ).lower()
    if not text.isascii() or "'" in text or "`" in text:  # the ASCII apostrophes
        text = _APOS_RE.sub("", text)
    if "(" in text:
        text = _PAREN_RE.sub(" ", text)
    text = _NON_ALNUM.sub(" ", text)
    text = _ARTICLE.sub("", text + " ").strip()
    text = _GENERIC.sub(" ", text)
    text = " ".join(text.split())
    return _NUMERAL.sub("", text).strip()



# The same passes as :func:`normalise`, run once over many names: per character on the
# names joined by newlines (no pass matches or crosses a newline), per word on an Arrow
# array of the names. After ``_NON_ALNUM`` a Latin name holds only ``[a-z0-9 ]``.
_B_LOWER = bytes(range(256)).lower()
_B_ALNUM = bytes(c if chr(c) in "0123456789abcdefghijklmnopqrstuvwxyz\n" else 32 for c in range(256))
_RE2_ARTICLE = _ARTICLE.pattern.replace(r"[\s-]+(?=\w)", r" +([a-z0-9])")
_RE2_NUMERAL = _NUMERAL.pattern.replace(r"\s+", " ")
_B_AR_ARTICLE = re.compile(_AR_ARTICLE.pattern, re.MULTILINE)
_B_AR_SPACES = re.compile(r"[^\S\n]+")
#: Below this many names a batch saves nothing over one call per name.
_BATCH_MIN = 64


def normalise_many(names: Sequence[object]) -> list[str]:
    """:func:`normalise` of every name, with each fold run once over all of them.

    The same keys as ``[normalise(n) for n in names]`` (a test compares them over
    every name of the embedded tables, runs of words of the four texts and many
    random names), two to three times faster for a large gazetteer (100,000
    districts' 400,000 names: 1.04 s one by one, 0.45 s at once): the folds run once
    over all the names instead of once per name. Names holding a newline, and Latin
    names with accents, are folded one by one.

    Parameters
    ----------
    names : Sequence
        Names (each turned into a string, as :func:`normalise` does).

    Returns
    -------
    list of str
        The name key of each name, in order.

    Examples
    --------
    >>> normalise_many(["al-Sheikh Saeed", "الشيخ مقصود", "Hill 420", ""])
    ['sheikh saeed', 'شيخ مقصود', 'hill 420', '']
    """
    texts = [str(n) for n in names]
    if len(texts) < _BATCH_MIN:
        return [normalise(t) for t in texts]
    joined = "\n".join(texts)
    if joined.isascii() and joined.count("\n") == len(texts) - 1:  # Latin, one line each
        return _latin_keys(joined)
    keys = [""] * len(texts)
    latin: list[int] = []
    arabic: list[int] = []
    arabic_texts: list[str] = []
    for i, text in enumerate(texts):
        if "\n" in text:
            keys[i] = normalise(text)
        elif text.isascii():
            latin.append(i)
        else:
            folded = unicodedata.normalize("NFKC", text).strip()
            if "\n" in folded or not is_arabic(folded):
                keys[i] = normalise(text)
            else:
                arabic.append(i)
                arabic_texts.append(folded)
    if latin:
        for i, key in zip(latin, _latin_keys("\n".join(texts[i] for i in latin)), strict=True):
            keys[i] = key
    if arabic:
        for i, key in zip(arabic, _arabic_keys(arabic_texts), strict=True):
            keys[i] = key
    return keys


def _latin_keys(joined: str) -> list[str]:
    """Name keys of ASCII names joined by newlines (the ASCII path of :func:`normalise`).

    Byte tables do what is per character (lower case, apostrophes, ``_NON_ALNUM``);
    the word rules run per name with pyarrow's RE2 kernels, which scan several times
    faster than :mod:`re` does. RE2 has no lookahead: an article is removed with the
    first letter of the word after it captured and put back, again until nothing
    changes ("al al-Bab" needs two rounds), which removes what ``_ARTICLE`` removes in
    one: every article word that is not the name's last word.
    """
    data = joined.encode("ascii").translate(_B_LOWER, b"'`")
    text = data.decode("ascii")
    if "(" in text:
        text = _PAREN_RE.sub(" ", text)  # "." never matches a newline
    text = text.encode("ascii").translate(_B_ALNUM).decode("ascii")
    names = pa.array(text.split("\n"), type=pa.large_string())  # no 2 GiB offset limit
    while True:
        fewer = pc.replace_substring_regex(names, _RE2_ARTICLE, r"\1")
        if fewer.equals(names):
            break
        names = fewer
    names = pc.replace_substring_regex(names, _GENERIC.pattern, " ")
    names = pc.utf8_trim(pc.replace_substring_regex(names, " {2,}", " "), " ")
    names = pc.replace_substring_regex(names, _RE2_NUMERAL, "")
    return [str(k) for k in pc.utf8_trim(names, " ").to_pylist()]


def _arabic_keys(texts: list[str]) -> list[str]:
    """:func:`fold_arabic` of NFKC-normalised Arabic names without newlines."""
    text = _AR_MARKS.sub("", "\n".join(texts))
    text = text.translate(_AR_MAP)
    text = _B_AR_ARTICLE.sub(r"\1", text)
    text = _B_AR_SPACES.sub(" ", text)
    return [line.strip() for line in text.split("\n")]


# ---------------------------------------------------------------- the sound key
#: Articles written as a word of their own (after hyphens became spaces).
_ARTICLE_WORDS = frozenset({
    "al", "el", "il", "ul", "l", "a", "e", "as", "ash", "ad", "adh", "aj", "az", "at", "ath",
    "an", "ar", "es", "esh", "ech", "ed", "et", "er", "ez", "en", "ej",
})
#: "Sheikh" in every spelling seen in English and French reports.
_SHEIKH = frozenset({
    "sheikh", "shaykh", "shaikh", "sheik", "shaik", "shekh", "shiekh", "sheykh", "cheikh",
    "cheik", "chaikh", "chaykh", "sh", "shk", "shaykhs", "sheikha",
})
#: Words that only say what kind of place the name is: dropped before or after the name.
_GENERIC_WORDS = frozenset({
    "district", "districts", "neighbourhood", "neighborhood", "neighbourhoods",
    "neighborhoods", "quarter", "quarters", "housing", "housings", "residence",
    "residences", "residential", "masakin", "masaken", "masakan", "massaken", "massakin",
    "maskan", "hay", "hayy",
    "hai", "haiy", "area", "areas", "zone", "the", "of", "city", "suburb", "project",
    "projects", "apartments",
})
#: Landmark words: kept as one token (the same for every language), placed after the name.
_LANDMARKS: dict[str, str] = {
    **dict.fromkeys(("hill", "hills", "tal", "tall", "tel", "tell", "tal'"), "TAL"),
    **dict.fromkeys(("factories", "factory", "plants", "masane", "maamel", "works"), "FACT"),
    **dict.fromkeys(("roundabout", "roundabouts", "dawar", "duwar", "douar", "circle"), "RBT"),
    **dict.fromkeys(("industrial", "industry", "sinaa", "sinaiyeh", "sinaiya"), "IND"),
    **dict.fromkeys(("bridge", "jisr", "jesr"), "BRG"),
    **dict.fromkeys(("barrack", "barracks", "thakana", "thakanat"), "BRK"),
    **dict.fromkeys(("cemetery", "maqbara", "maqbarat"), "CEM"),
    # a market: "Souq al-Madina" and "al-Madina Souq" are one name
    **dict.fromkeys(("souq", "souk", "suq", "suk", "sooq", "souqs", "souks"), "SUQ"),
}
#: Words every transliteration of which is one word of Arabic: the key keeps one spelling.
_CANON = {
    **dict.fromkeys(("karam", "kerm", "karem", "kerem"), "karm"),
    **dict.fromkeys(("jebel", "djebel", "jbel", "jebal", "gebel"), "jabal"),
}
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7",
          "viii": "8", "ix": "9", "x": "10"}
# "Salah ad-Din", "Salaheddine", "Salahuddin", "Nour el-Din": one "X din".
_DIN = re.compile(r"(?<=[a-z])(?:[\s-]*[aeiu][dl]|[\s-]+)[\s-]*d(?:ee|ii|i|y)ne?\b")
_DIGRAPHS = (("ph", "f"), ("ch", "sh"), ("dj", "j"), ("kh", "h"), ("gh", "k"), ("dh", "z"),
             ("ck", "k"), ("q", "k"), ("g", "k"), ("c", "k"), ("p", "b"), ("v", "f"),
             ("x", "ks"))
_VOWELS = re.compile(r"[aeiouy]+")
_DOUBLED = re.compile(r"([a-z])\1+")
_APOS_RE = re.compile(f"[{APOSTROPHES}]")
_PAREN_RE = re.compile(r"\(.*?\)")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ATTACHED = re.compile(r"^(?:[ae]l(?=[a-z]{3})|[ae](?=(sh|[tdrszlnj])\1))")


def _latin_words(name: str) -> list[str]:
    text = unicodedata.normalize("NFKC", str(name)).strip()
    text = text.translate(_AR_MAP)  # Arabic-Indic digits in a Latin name
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).lower()
    text = text.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    text = _APOS_RE.sub("", text)
    text = _PAREN_RE.sub(" ", text)
    text = _DIN.sub(" din", text)
    return _NON_ALNUM.sub(" ", text).split()


def _sound(word: str) -> str:
    if word.isdigit():
        return word
    for old, new in _DIGRAPHS:
        word = word.replace(old, new)
    word = _DOUBLED.sub(r"\1", word)
    head, rest = (word[0], word[1:]) if word[:1] == "y" else ("", word)
    rest = _VOWELS.sub("a", rest)
    word = head + rest
    if len(word) > 2 and word.endswith("ah"):
        word = word[:-1]  # ta marbuta: -eh, -ah, -a, -iyeh, -iyah are one ending
    return word


def _key_of_words(words: list[str]) -> str:
    words = [w for w in words if w not in _ARTICLE_WORDS] or words
    words = ["SHK" if w in _SHEIKH else _LANDMARKS.get(w, _CANON.get(w, w)) for w in words]
    kept = [w for w in words if w not in _GENERIC_WORDS]
    words = kept or words
    words = [_ROMAN.get(w, w) for w in words]
    # trailing subdivision numbers ("III", "2"), never the whole name, never "Hill 420"
    while len(words) > 1 and words[-1].isdigit() and len(words[-1]) <= 2:
        words.pop()
    names = [w if w.isupper() else _sound(w) for w in words if not w.isupper() or w == "SHK"]
    marks = sorted(w for w in words if w.isupper() and w != "SHK")
    return " ".join(names + marks)


def phonetic_key(name: str) -> str:
    """Fold a name to its sound key (see the module docstring for the rules).

    Parameters
    ----------
    name : str
        A name in any spelling, Latin or Arabic script.

    Returns
    -------
    str
        The key; Arabic-script names keep their script (``fold_arabic`` plus the
        generic words dropped), so the two scripts never share a key.

    Examples
    --------
    >>> phonetic_key("Sheikh Saeed") == phonetic_key("Shaykh Sa'id") == phonetic_key("Cheikh Said")
    True
    >>> phonetic_key("Bab al-Nayrab") == phonetic_key("Bab an-Neirab")
    True
    >>> phonetic_key("al-Hamdaniyeh III") == phonetic_key("Hamdaniya 3")
    True
    >>> phonetic_key("Zouhor hill") == phonetic_key("az-Zuhour")
    False
    """
    text = unicodedata.normalize("NFKC", str(name)).strip()
    if is_arabic(text):
        folded = fold_arabic(text).split()
        kept = [w for w in folded if w not in _AR_GENERIC]
        return " ".join(kept or folded)
    return _key_of_words(_latin_words(text))


def key_variants(name: str) -> list[str]:
    """Sound keys of *name* with articles written joined to the word removed.

    "Alhamdaniyeh", "Elmidan", "Assakhour", "Ashsheikh" carry the article inside
    the word. The variants are tried only when the plain key is unknown, since a
    word may begin with the same letters ("Ashrafiyeh").

    Parameters
    ----------
    name : str
        A Latin-script name.

    Returns
    -------
    list of str
        Keys other than :func:`phonetic_key` of *name*, possibly empty.

    Examples
    --------
    >>> key_variants("Assakhour") == [phonetic_key("as-Sakhour")]
    True
    """
    if is_arabic(name):
        return []
    words = _latin_words(name)
    stripped = [_ATTACHED.sub("", w) for w in words]
    if stripped == words:
        return []
    key = _key_of_words(stripped)
    return [key] if key and key != phonetic_key(name) else []
