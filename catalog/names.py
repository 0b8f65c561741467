"""Galaxy designations as astronomers type them: one normalised key per name, and a display form.

``M31``, ``Messier 31``, ``m 031`` share the key ``M31``; ``NGC224``, ``NGC 0224``, ``ngc 224``
share ``NGC224``; ``PGC 2557``, ``PGC2557``, ``LEDA 2557`` share ``PGC2557``. Common names lose
accents, case, spaces, punctuation and a trailing "Galaxy": ``Bode's Galaxy`` → ``BODES``.
"""

import re
import unicodedata

MAX_NAME_LENGTH = 200

# Catalogue prefixes followed by a number; the value is the canonical prefix.
_PREFIXES = {
    "M": "M",
    "MESSIER": "M",
    "NGC": "NGC",
    "IC": "IC",
    "UGC": "UGC",
    "UGCA": "UGCA",
    "PGC": "PGC",
    "LEDA": "PGC",
    "MRK": "MRK",
    "MARKARIAN": "MRK",
    "CGCG": "CGCG",
}
_NUMBERED = re.compile(
    r"^(?P<prefix>MESSIER|MARKARIAN|LEDA|UGCA|UGC|NGC|PGC|MRK|IC|M)"
    r"0*(?P<number>\d{1,9})(?P<suffix>[A-Z]?|NED\d{1,3})$"
)
_ESO = re.compile(r"^ESO0*(?P<field>\d{1,4})-?[A-Z]{0,2}0*(?P<number>\d{1,4})(?P<suffix>[A-Z]?)$")
# Kept in keys: what designations such as "MCG +07-02-016" or "SDSS J002757.58-000340.6" use.
_KEEP = re.compile(r"[^A-Z0-9+\-.]")
_COMMON_SUFFIXES = ("GALAXIES", "GALAXY")

# Alias table for common names OpenNGC lacks or spells differently. Keys are normalised the same
# way as every other name; values are designations the embedded catalog knows.
ALIASES: dict[str, str] = {
    "Andromeda": "M31",
    "Andromeda Galaxy": "M31",
    "Triangulum": "M33",
    "Sombrero": "M104",
    "Whirlpool": "M51",
    "Pinwheel": "M101",
    "Pinwheel Galaxy": "M101",
    "Southern Pinwheel": "M83",
    "Black Eye": "M64",
    "Cigar": "M82",
    "Sunflower": "M63",
    "Bode's": "M81",
    "Sculptor": "NGC 253",
    "Silver Dollar": "NGC 253",
    "Needle": "NGC 4565",
    "Spindle": "NGC 3115",
    "Centaurus A": "NGC 5128",
    "Antennae": "NGC 4038",
    "Fireworks": "NGC 6946",
    "Whale": "NGC 4631",
    "Large Magellanic Cloud": "ESO 56-115",
    "LMC": "ESO 56-115",
    "Small Magellanic Cloud": "NGC 292",
    "SMC": "NGC 292",
    "Circinus": "ESO 97-13",
}


class InvalidName(ValueError):
    """The text cannot be a designation: too long, empty, or with control or path characters."""


def check_name(text: str) -> None:
    if len(text) > MAX_NAME_LENGTH:
        raise InvalidName(f"a galaxy name is at most {MAX_NAME_LENGTH} characters")
    if not text.strip():
        raise InvalidName("the galaxy name is empty")
    for char in text:
        if unicodedata.category(char).startswith("C"):
            raise InvalidName(f"the name contains the control character U+{ord(char):04X}")
        if char in "/\\":
            raise InvalidName("the name contains a slash, which no designation uses")


def _fold(text: str) -> str:
    """Upper case, accents removed, only the characters designations use."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _KEEP.sub("", text.upper())


def normalise(text: str) -> str:
    """The lookup key of a name; empty when nothing usable is left."""
    folded = _fold(text)
    match = _NUMBERED.match(folded)
    if match:
        prefix = _PREFIXES[match["prefix"]]
        return f"{prefix}{int(match['number'])}{match['suffix']}"
    match = _ESO.match(folded)
    if match:
        return f"ESO{int(match['field'])}-{int(match['number'])}{match['suffix']}"
    for suffix in _COMMON_SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix):
            return folded.removesuffix(suffix)
    return folded


def display(text: str) -> str:
    """A tidy display form: ``NGC0224`` → ``NGC 224``, ``PGC002557`` → ``PGC 2557``."""
    compact = " ".join(text.split())
    folded = _fold(compact)
    match = _NUMBERED.match(folded)
    if match:
        prefix = _PREFIXES[match["prefix"]]
        suffix = match["suffix"]
        spaced_suffix = f" {suffix}" if suffix.startswith("NED") else suffix
        return f"{prefix} {int(match['number'])}{spaced_suffix}"
    match = _ESO.match(folded)
    if match:
        return f"ESO {int(match['field'])}-{int(match['number'])}{match['suffix']}"
    return compact


def pgc_number(text: str) -> int | None:
    """The number of a ``PGC``/``LEDA`` designation, else None."""
    key = normalise(text)
    if key.startswith("PGC") and key[3:].isdigit():
        return int(key[3:])
    return None
