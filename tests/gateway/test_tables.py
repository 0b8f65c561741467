"""Tables in and out (gateway.tables) and coordinates in any form (gateway.coordinates): pure
functions, real astropy reading and writing."""

import io
import os
import subprocess
import sys
from typing import Any

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.io.votable import parse_single_table
from astropy.table import Table

from gateway.coordinates import parse_dec, parse_ra
from gateway.tables import (
    COLUMN_NAMES,
    TableError,
    format_for_accept,
    format_for_path,
    interval,
    line_row,
    read_items,
    read_rows,
    sniff,
    summary,
    table_bytes,
    write_table,
)
from tests.gateway.factories import example_result, older_result


@pytest.mark.parametrize(
    ("ra", "degrees"),
    [
        ("210.8", 210.8),
        (" 12h30m49s", 187.70417),
        ("12:30:49", 187.70417),
        ("12 30 49", 187.70417),
        ("187.7d", 187.7),
        (150.5, 150.5),
    ],
)
def test_right_ascension_in_any_form(ra: object, degrees: float) -> None:
    assert parse_ra(ra) == pytest.approx(degrees, abs=1e-5)


@pytest.mark.parametrize(
    ("dec", "degrees"),
    [("54.35", 54.35), ("+12d23m28s", 12.39111), ("+12:23:28", 12.39111), ("-05 10 00", -5.16667)],
)
def test_declination_in_any_form(dec: object, degrees: float) -> None:
    assert parse_dec(dec) == pytest.approx(degrees, abs=1e-5)


@pytest.mark.parametrize("bad", ["banana", "nan", "", True, "12:60:00", "1e400"])
def test_unreadable_coordinates_say_which_forms_work(bad: object) -> None:
    with pytest.raises(ValueError, match="right ascension"):
        parse_ra(bad)


def input_table() -> Table:
    table = Table()
    table["PGC"] = np.ma.masked_array([2557, 0, 0], mask=[False, True, True])
    table["objname"] = ["", "NGC 4565", ""]
    table["RAJ2000"] = np.ma.masked_array([0.0, 0.0, 14.05], mask=[True, True, False])
    table["RAJ2000"].unit = u.hourangle
    table["DEJ2000"] = np.ma.masked_array([0.0, 0.0, 54.35], mask=[True, True, False])
    table["DEJ2000"].unit = u.deg
    table["survey"] = ["", "", "sdss"]
    table["comment"] = ["a", "b", "c"]
    return table


@pytest.mark.parametrize("fmt", ["ecsv", "votable", "fits"])
def test_tables_in_every_format_give_the_same_items(fmt: Any) -> None:
    table = input_table()
    if fmt == "fits":  # FITS knows no hour-angle unit
        table["RAJ2000"] = np.ma.masked_array([0.0, 0.0, 210.75], mask=[True, True, False])
        table["RAJ2000"].unit = u.deg
    data = table_bytes(table, fmt)
    assert sniff(data) == fmt
    items = read_items(data, 10)
    assert items[0] == {"pgc": 2557}
    assert items[1] == {"name": "NGC 4565"}
    assert items[2] == {"ra": pytest.approx(210.75), "dec": 54.35, "survey": "sdss"}


def test_csv_with_sexagesimal_cells_keeps_them_as_text() -> None:
    data = b"\xef\xbb\xbfname,ra,dec,fov\nM101,,,\n,14h03m12.6s,+54d20m56s,2\n"
    assert sniff(data) == "csv"
    assert read_items(data, 10) == [
        {"name": "M101"},
        {"ra": "14h03m12.6s", "dec": "+54d20m56s", "fov": "2"},
    ]


def test_a_table_without_known_columns_is_refused() -> None:
    table = Table({"galaxy": ["M31"]})
    with pytest.raises(TableError, match="none of the columns"):
        read_items(table_bytes(table, "votable"), 10)
    with pytest.raises(TableError, match="cannot read the VOTABLE table"):
        read_items(b"<batch><pgc>2557</pgc></batch>", 10)
    with pytest.raises(TableError, match="cannot read the FITS table"):
        read_items(b"SIMPLE  =                    T" + b" " * 50, 10)


def test_formats_by_accept_and_by_file_name() -> None:
    assert format_for_accept(None) == "ndjson"
    assert format_for_accept("*/*") == "ndjson"
    assert format_for_accept("text/html, application/x-votable+xml;q=0.9") == "votable"
    assert format_for_accept("application/fits") == "fits"
    assert format_for_path("out/Results.VOT") == "votable"
    assert format_for_path("r.xml") == "votable"
    assert format_for_path("r.ecsv") == "ecsv"
    with pytest.raises(TableError, match="cannot tell the table format"):
        format_for_path("results.xlsx")


def test_interval_falls_back_to_median_and_stdev_within_the_scale() -> None:
    assert interval({"median": 40.0, "stdev": 2.5}) == (2.5, 37.5, 42.5)
    assert interval({"median": 89.0, "stdev": 3.0}) == (3.0, 86.0, 90.0)
    calibrated = {"median": 40.0, "stdev": 2.5, "sigma": 4.0, "interval": [35.0, 44.5]}
    assert interval(calibrated) == (4.0, 35.0, 44.5)


def test_summary_without_and_with_the_later_fields() -> None:
    plain = summary(older_result())
    assert plain["inclination"] == 71.4
    assert (plain["inclination_lo"], plain["inclination_hi"]) == pytest.approx((69.8, 73.0))
    assert plain["verdict"] is None and plain["rejection_likelihood"] is None
    assert plain["galaxy_name"] == "NGC 224"
    assert plain["image_axial_ratio_inclination"] is None
    assert plain["axial_ratio_inclination"] == pytest.approx(72.3)  # the catalog's
    richer = example_result(
        inclination={
            "median": 71.4,
            "mean": 70.9,
            "stdev": 1.6,
            "sigma": 2.2,
            "interval": [69.0, 73.5],
            "axial_ratio_deg": 64.5,
            "axial_ratio_departs": False,
            "unit": "deg",
        },
        rejection={"likelihood": 0.07, "verdict": "accept", "threshold": 0.5, "classes": {}},
    )
    rich = summary(richer)
    assert (rich["inclination_sigma"], rich["inclination_lo"], rich["inclination_hi"]) == (
        2.2,
        69.0,
        73.5,
    )
    assert (rich["verdict"], rich["rejection_likelihood"]) == ("accept", 0.07)
    assert rich["image_axial_ratio_inclination"] == 64.5
    assert rich["axial_ratio_departs"] is False and plain["axial_ratio_departs"] is None


def output_rows() -> list[dict[str, Any]]:
    ok = {"index": 0, "status": 200, "query": {"pgc": 2557}, "result": example_result()}
    missing = {
        "index": 1,
        "status": 404,
        "query": {"name": "NGC 99999"},
        "problem": {"status": 404, "title": "Not Found", "detail": "no galaxy named 'NGC 99999'"},
    }
    field = {
        "index": 2,
        "status": 422,
        "query": {"ra": "12h30m", "dec": "nonsense"},
        "problem": {"detail": "cannot read 'nonsense' as a declination"},
    }
    return [line_row(line["index"], line) for line in (ok, missing, field)]  # type: ignore[arg-type]


def test_votable_out_has_units_descriptions_and_an_error_per_row() -> None:
    data = write_table(output_rows(), "votable")
    table = parse_single_table(io.BytesIO(data)).to_table()
    assert tuple(table.colnames) == COLUMN_NAMES
    assert table["inclination"].unit == u.deg
    assert "median over the model flavors" in table["inclination"].description
    assert list(table["status"]) == [200, 404, 422]
    assert table["error"][0] is np.ma.masked or table["error"][0] == ""
    assert table["error"][1] == "no galaxy named 'NGC 99999'"
    assert table["ra"][2] == pytest.approx(187.5)
    assert table["dec"][2] is np.ma.masked


def test_fits_out_has_units_and_descriptions_in_the_header() -> None:
    data = write_table(output_rows(), "fits")
    with fits.open(io.BytesIO(data)) as hdus:
        header = hdus[1].header
        number = hdus[1].columns.names.index("inclination") + 1
        assert header[f"TUNIT{number}"] == "deg"
        assert "Spatial inclination, median" in hdus[1].header.comments[f"TTYPE{number}"]


# Rows of every length round the C TABLEDATA writer's 512-byte row buffer, written through
# table_bytes; the debug allocator aborts the child at the first byte written out of bounds.
ROWS_ACROSS_THE_BUFFER = """
import io
import numpy as np
from astropy.table import Table
from gateway.tables import table_bytes
for length in range(380, 700):
    table = Table({"error": np.array(["x" * length]), "inclination": np.array([71.4])})
    assert b"x" * length in table_bytes(table, "votable")
"""


def test_votable_out_never_writes_past_a_buffer() -> None:
    child = subprocess.run(
        [sys.executable, "-c", ROWS_ACROSS_THE_BUFFER],
        env={**os.environ, "PYTHONMALLOC": "debug"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr[-3000:]


@pytest.mark.parametrize("fmt", ["csv", "ecsv", "votable", "fits"])
def test_output_tables_read_back_row_for_row(fmt: Any) -> None:
    rows = read_rows(write_table(output_rows(), fmt), fmt)
    assert [r["row"] for r in rows] == [0, 1, 2]
    assert [r["status"] for r in rows] == [200, 404, 422]
    assert rows[0]["inclination"] == pytest.approx(71.4)
    assert rows[0]["error"] is None
    assert rows[1]["error"] == "no galaxy named 'NGC 99999'"
    assert rows[1]["name"] == "NGC 99999"


def test_bare_numbers_and_names_of_a_json_batch_fill_their_columns() -> None:
    number = line_row(0, {"status": 404, "query": {"value": 99999999}, "problem": {}})
    name = line_row(1, {"status": 404, "query": {"value": "NGC 99999"}, "problem": {}})
    assert (number["pgc"], number["name"], number["error"]) == (99999999, None, "failed")
    assert (name["pgc"], name["name"]) == (None, "NGC 99999")
