import pytest

from catalog import names


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("M31", "M31"),
        ("Messier 31", "M31"),
        ("m 031", "M31"),
        ("NGC224", "NGC224"),
        ("NGC 0224", "NGC224"),
        ("ngc 224", "NGC224"),
        ("  NGC\t224 ", "NGC224"),
        ("UGC 454", "UGC454"),
        ("UGC 00454", "UGC454"),
        ("PGC 2557", "PGC2557"),
        ("PGC2557", "PGC2557"),
        ("PGC 002557", "PGC2557"),
        ("LEDA 2557", "PGC2557"),
        ("IC 342", "IC342"),
        ("IC0342", "IC342"),
        ("NGC 61A", "NGC61A"),
        ("NGC0190 NED01", "NGC190NED01"),
        ("ESO 056-115", "ESO56-115"),
        ("ESO 56-G115", "ESO56-115"),
        ("MCG +07-02-016", "MCG+07-02-016"),
        ("Andromeda Galaxy", "ANDROMEDA"),
        ("Andrómeda", "ANDROMEDA"),
        ("Bode's Galaxy", "BODES"),
        ('"M31"', "M31"),
    ],
)
def test_spellings_share_one_key(typed: str, key: str) -> None:
    assert names.normalise(typed) == key


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("NGC0224", "NGC 224"),
        ("PGC 002557", "PGC 2557"),
        ("IC2431 NED02", "IC 2431 NED02"),
        ("Messier 31", "M 31"),
        ("2MASX J00424433+4116074", "2MASX J00424433+4116074"),
        ("Andromeda   Galaxy", "Andromeda Galaxy"),
    ],
)
def test_display_form(raw: str, shown: str) -> None:
    assert names.display(raw) == shown


def test_pgc_number_of_pgc_and_leda_only() -> None:
    assert names.pgc_number("LEDA 165298") == 165298
    assert names.pgc_number("PGC002557") == 2557
    assert names.pgc_number("UGC 454") is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("x" * (names.MAX_NAME_LENGTH + 1), "at most"),
        ("   ", "empty"),
        ("M31\x00", r"U\+0000"),
        ("M31\n", r"U\+000A"),
        ("../etc/passwd", "slash"),
        ("..\\windows", "slash"),
    ],
)
def test_names_that_cannot_be_designations(text: str, reason: str) -> None:
    with pytest.raises(names.InvalidName, match=reason):
        names.check_name(text)


def test_every_alias_target_is_a_designation() -> None:
    for alias, target in names.ALIASES.items():
        assert names.normalise(alias), alias
        assert names.normalise(target) != names.normalise(alias)
