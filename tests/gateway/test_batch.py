"""Batches: parsing JSON and tables, NDJSON lines and tables out, over the real stack."""

import io
import json
from typing import Any

import astropy.units as u
import httpx
import numpy as np
import pytest
from astropy.io.votable import parse_single_table
from astropy.table import Table

from gateway.batch import items_from_csv, items_from_json
from gateway.tables import read_rows, table_bytes
from servicekit.problems import PayloadTooLarge, Unprocessable
from tests.gateway.conftest import Stack


def test_csv_columns_are_mapped_and_blank_cells_dropped() -> None:
    text = "\ufeffPGC, objname ,RA,Dec,comment\n2557,,,,andromeda\n,NGC 4565,,,\n,,189.1,25.9,\n"
    assert items_from_csv(text, 10) == [
        {"pgc": "2557"},
        {"name": "NGC 4565"},
        {"ra": "189.1", "dec": "25.9"},
    ]


def test_csv_without_known_columns_is_refused() -> None:
    with pytest.raises(Unprocessable, match="none of the columns"):
        items_from_csv("galaxy,x\nM31,1\n", 10)


def test_batches_are_bounded() -> None:
    with pytest.raises(PayloadTooLarge):
        items_from_json([{"pgc": i + 1} for i in range(11)], 10)
    with pytest.raises(PayloadTooLarge):
        items_from_csv("pgc\n" + "\n".join(str(i + 1) for i in range(11)), 10)
    with pytest.raises(Unprocessable):
        items_from_json({"pgc": 1}, 10)


def test_empty_batches_are_refused() -> None:
    with pytest.raises(Unprocessable, match="empty"):
        items_from_json([], 10)
    with pytest.raises(Unprocessable, match="empty"):
        items_from_csv("pgc,name\n", 10)


def lines(response: httpx.Response) -> list[dict[str, object]]:
    return [json.loads(line) for line in response.text.splitlines()]


@pytest.mark.slow
def test_json_batch_streams_results_and_problems_in_order(stack: Stack) -> None:
    items = [
        {"pgc": 2557},
        {"name": "NGC 4565"},
        {"pgc": 99999966},
        {"ra": 220.25, "dec": 8.5, "fov": 1.0},
        {"pgc": 1, "name": "both"},
        9031,
        "NGC 891",
    ]
    response = httpx.post(f"{stack.url}/api/batch", json=items, timeout=120)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    got = lines(response)
    assert [line["index"] for line in got] == list(range(len(items)))
    assert [line["status"] for line in got] == [200, 200, 404, 200, 422, 200, 200]
    assert got[0]["result"]["galaxy"]["pgc"] == 2557  # type: ignore[index]
    assert got[2]["problem"]["status"] == 404  # type: ignore[index]
    assert "exactly one" in got[4]["problem"]["detail"]  # type: ignore[index]
    assert got[5]["result"]["galaxy"]["pgc"] == 9031  # type: ignore[index]
    # The same galaxy asked twice in one batch: one answer.
    same = got[5]["result"]["inclination"], got[6]["result"]["inclination"]  # type: ignore[index]
    assert same[0] == same[1]


@pytest.mark.slow
def test_csv_upload_batch(stack: Stack) -> None:
    csv_text = "pgc,name,ra,dec\n2557,,,\n,NGC 4565,,\n,,,\n"
    response = httpx.post(
        f"{stack.url}/api/batch",
        files={"file": ("galaxies.csv", csv_text, "text/csv")},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    assert [line["status"] for line in lines(response)] == [200, 200, 422]
    body = httpx.post(
        f"{stack.url}/api/batch",
        content=csv_text,
        headers={"Content-Type": "text/csv"},
        timeout=120,
    )
    assert [line["status"] for line in lines(body)] == [200, 200, 422]
    assert all(line["result"]["cached"] for line in lines(body)[:2])  # type: ignore[index]


@pytest.mark.slow
def test_batch_of_other_media_type_is_415(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.url}/api/batch",
        content=b"\x89PNG\r\n",
        headers={"Content-Type": "image/png"},
        timeout=30,
    )
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.slow
def test_unreadable_table_is_422(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.url}/api/batch",
        content=b"<?xml version='1.0'?><VOTABLE><broken",
        headers={"Content-Type": "application/x-votable+xml"},
        timeout=30,
    )
    assert response.status_code == 422, response.text
    assert "VOTABLE" in response.json()["detail"]


@pytest.mark.slow
def test_batch_nested_too_deeply_is_422(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.url}/api/batch",
        content=b"[" * 50_000 + b"]" * 50_000,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "nested" in response.json()["detail"]


@pytest.mark.slow
def test_votable_in_votable_out_with_an_error_row(stack: Stack) -> None:
    table = Table()
    table["pgc"] = np.ma.masked_array([2557, 99999966, 0], mask=[False, False, True])
    table["name"] = ["", "", "NGC 4565"]
    table["survey"] = ["sdss", "", ""]
    response = httpx.post(
        f"{stack.url}/api/batch",
        content=table_bytes(table, "votable"),
        headers={
            "Content-Type": "application/x-votable+xml",
            "Accept": "application/x-votable+xml",
        },
        timeout=120,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-votable+xml")
    answer = parse_single_table(io.BytesIO(response.content)).to_table()
    assert len(answer) == 3
    assert list(answer["status"]) == [200, 404, 200]
    assert "99999966" in str(answer["error"][1])
    assert list(answer["galaxy_pgc"][[0, 2]]) == [2557, 42038]
    assert answer["survey"][0] == "sdss"
    assert answer["inclination"].unit == u.deg
    assert 0 <= answer["inclination"][0] <= 90
    assert answer["inclination_lo"][0] <= answer["inclination"][0] <= answer["inclination_hi"][0]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "ecsv", "fits"])
def test_fits_upload_with_sexagesimal_coordinates_answers_in_the_format_asked(
    stack: Stack, fmt: Any
) -> None:
    table = Table({"ra": ["10h00m29.5s", "bad"], "dec": ["+02d20m42s", "+02:20:42"]})
    table["fov"] = [1.5, 1.5]
    response = httpx.post(
        f"{stack.url}/api/batch",
        params={"format": fmt},
        files={"file": ("fields.fits", table_bytes(table, "fits"), "application/fits")},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    rows = read_rows(response.content, fmt)
    assert [r["status"] for r in rows] == [200, 422]
    assert rows[0]["ra"] == pytest.approx(150.123, abs=1e-3)
    assert rows[0]["inclination"] is not None
    assert "right ascension" in rows[1]["error"]
    assert rows[1]["inclination"] is None
