from pathlib import Path

import pytest

from catalog import user_table
from tests.catalog.factories import NEW_DEC, NEW_NAME, NEW_PGC, NEW_RA, user_table_text


def parse(text: str) -> user_table.UserTable:
    return user_table.parse(text, Path("t.csv"))


def test_columns_and_units() -> None:
    table = parse(user_table_text())
    assert table.rejected == []
    new, override = table.rows
    assert (new.pgc, new.objname, new.ra, new.dec) == (NEW_PGC, NEW_NAME, NEW_RA, NEW_DEC)
    assert new.major_axis_arcmin == pytest.approx(1.2)  # 0.1 x 10^logd25 arcmin
    assert new.minor_axis_arcmin == pytest.approx(0.4)  # major / 10^logr25
    assert new.position_angle_deg == 120.0
    assert new.hubble_type == "Sbc"  # t = 4.1
    assert override.ra is None and override.objname is None
    assert override.line == 4  # comment and header lines count


def test_hyperleda_native_names_with_ra_in_hours_and_semicolons() -> None:
    table = parse("PGC;OBJNAME;AL2000;DE2000;LOGD25\n2557;NGC0224;0.712331;41.269;3.25\n")
    (row,) = table.rows
    assert row.ra == pytest.approx(0.712331 * 15)
    assert row.dec == 41.269
    assert row.objname == "NGC0224"


def test_empty_cells_are_unknown() -> None:
    (row,) = parse("pgc,ra,dec,logd25,logr25,pa,t\n7,1,2,,,,\n").rows
    assert row.major_axis_arcmin is None and row.minor_axis_arcmin is None
    assert row.position_angle_deg is None and row.hubble_type is None


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("abc,1,2", "pgc"),
        ("-1,1,2", "pgc"),
        ("0,1,2", "pgc"),
        ("1000000000000,1,2", "pgc"),
        ("5,400,2", "ra"),
        ("5,1,100", "dec"),
        ("5,1,", "both ra and dec"),
        ("5,1,x", "could not convert"),
        ("5,1,nan", "finite"),
    ],
)
def test_bad_rows_are_rejected_with_their_line(line: str, reason: str) -> None:
    table = parse(f"pgc,ra,dec\n1,10,10\n{line}\n")
    assert [r.pgc for r in table.rows] == [1]
    ((number, message),) = table.rejected
    assert number == 3
    assert reason in message


def test_negative_logr25_is_rejected() -> None:
    table = parse("pgc,ra,dec,logd25,logr25\n5,1,2,1.0,-0.1\n")
    assert "logr25" in table.rejected[0][1]


def test_a_table_without_pgc_column_is_unusable() -> None:
    with pytest.raises(user_table.UserTableError, match="pgc"):
        parse("objname,ra,dec\nX,1,2\n")
    with pytest.raises(user_table.UserTableError, match="header"):
        parse("# only a comment\n")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(user_table.UserTableError, match="cannot read"):
        user_table.load(tmp_path / "absent.csv")
