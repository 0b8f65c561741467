import pytest

from catalog.coordinates import InvalidCoordinate, parse_dec, parse_ra


@pytest.mark.parametrize(
    ("text", "degrees"),
    [
        ("10.6847", 10.6847),
        ("00h42m44.3s", (42 + 44.3 / 60) / 60 * 15),
        ("00:42:44.3", (42 + 44.3 / 60) / 60 * 15),
        ("00 42 44.3", (42 + 44.3 / 60) / 60 * 15),
        ("0h42m44.3s", (42 + 44.3 / 60) / 60 * 15),
        ("10d41m05s", 10 + 41 / 60 + 5 / 3600),
        ("10.68deg", 10.68),
        ("0", 0.0),
    ],
)
def test_right_ascension_forms(text: str, degrees: float) -> None:
    assert parse_ra(text) == pytest.approx(degrees, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "degrees"),
    [
        ("41.269", 41.269),
        ("+41d16m09s", 41 + 16 / 60 + 9 / 3600),
        ("41:16:09", 41 + 16 / 60 + 9 / 3600),
        ("-00:30:00", -0.5),
        ("-41 16 09", -(41 + 16 / 60 + 9 / 3600)),
        ("-90", -90.0),
    ],
)
def test_declination_forms(text: str, degrees: float) -> None:
    assert parse_dec(text) == pytest.approx(degrees, abs=1e-9)


@pytest.mark.parametrize("text", ["400", "360", "-1", "abc", "", "nan", "inf", "1e400", "1" * 65])
def test_bad_right_ascension(text: str) -> None:
    with pytest.raises(InvalidCoordinate):
        parse_ra(text)


@pytest.mark.parametrize("text", ["100", "-90.5", "91d", "north", "nan", "12:99:00"])
def test_bad_declination(text: str) -> None:
    with pytest.raises(InvalidCoordinate):
        parse_dec(text)
