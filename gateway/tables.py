"""Batches as astronomers keep them: tables in (CSV, ECSV, VOTable, FITS) and out, through astropy.

Pure functions, no web framework: the gateway's ``/api/batch`` and the ``incline`` command share
them. An input table names some of ``pgc``, ``name``, ``ra``/``dec`` (any form
``gateway.coordinates`` reads; a numeric column with a unit is converted), ``radius``, ``fov`` and
``survey``; the output has one row per input row, the error of a row in its ``error`` column.
"""

import csv
import io
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.io.votable import from_table
from astropy.table import MaskedColumn, Table
from astropy.utils.exceptions import AstropyWarning

TableFormat = Literal["csv", "ecsv", "votable", "fits"]
OutputFormat = Literal["ndjson", "csv", "ecsv", "votable", "fits"]
OUTPUT_FORMATS: tuple[str, ...] = get_args(OutputFormat)

MEDIA_TYPES: dict[str, str] = {
    "ndjson": "application/x-ndjson",
    "csv": "text/csv",
    "ecsv": "text/x-ecsv",
    "votable": "application/x-votable+xml",
    "fits": "application/fits",
}
# Media types a client may name in Accept (or send as Content-Type) for each format.
_FORMAT_OF_MEDIA_TYPE: dict[str, OutputFormat] = {
    "application/x-ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "text/csv": "csv",
    "text/x-ecsv": "ecsv",
    "application/x-votable+xml": "votable",
    "text/xml": "votable",
    "application/xml": "votable",
    "application/fits": "fits",
    "image/fits": "fits",
}
TABLE_MEDIA_TYPES = frozenset(_FORMAT_OF_MEDIA_TYPE) - {"application/x-ndjson", "application/jsonl"}
EXTENSIONS: dict[str, TableFormat] = {
    ".csv": "csv",
    ".ecsv": "ecsv",
    ".vot": "votable",
    ".votable": "votable",
    ".xml": "votable",
    ".fits": "fits",
    ".fit": "fits",
    ".fts": "fits",
}
_ASTROPY_FORMAT: dict[TableFormat, str] = {
    "csv": "ascii.csv",
    "ecsv": "ascii.ecsv",
    "votable": "votable",
    "fits": "fits",
}

# Input column names (lower case) and the batch field each one fills.
INPUT_COLUMNS: dict[str, str] = {
    "pgc": "pgc",
    "leda": "pgc",
    "name": "name",
    "objname": "name",
    "ra": "ra",
    "raj2000": "ra",
    "ra_deg": "ra",
    "dec": "dec",
    "dej2000": "dec",
    "decj2000": "dec",
    "dec_deg": "dec",
    "radius": "radius",
    "fov": "fov",
    "survey": "survey",
}


class TableError(ValueError):
    """The input is not a table this module reads; the message says what to send."""


def format_for_accept(accept: str | None) -> OutputFormat:
    """The first table format the Accept header names; NDJSON when it names none."""
    for part in (accept or "").split(","):
        media_type = part.split(";")[0].strip().lower()
        if media_type in _FORMAT_OF_MEDIA_TYPE:
            return _FORMAT_OF_MEDIA_TYPE[media_type]
    return "ndjson"


def format_for_path(path: str) -> TableFormat:
    """The table format a file name asks for, by its extension."""
    lower = path.lower()
    for extension, fmt in EXTENSIONS.items():
        if lower.endswith(extension):
            return fmt
    known = ", ".join(EXTENSIONS)
    raise TableError(f"cannot tell the table format of {path!r}: name it with one of {known}")


def sniff(data: bytes) -> TableFormat:
    """The format of a table from its first bytes: FITS, VOTable (any XML), ECSV, else CSV."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
    if data.startswith(b"SIMPLE  ="):
        return "fits"
    if head.startswith(b"<"):  # XML: a VOTable, or a file to refuse as one
        return "votable"
    if head.startswith(b"# %ECSV"):
        return "ecsv"
    return "csv"


# ---------------------------------------------------------------------------------------------
# Tables in


def read_items(data: bytes, max_items: int) -> list[dict[str, Any]]:
    """The batch items of a table in any of the four formats (by its content)."""
    fmt = sniff(data)
    if fmt == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TableError("the CSV is not UTF-8 text") from exc
        return items_from_csv_text(text, max_items)
    table = _read_table(data, fmt)
    return items_from_table(table, max_items)


def _read_table(data: bytes, fmt: TableFormat) -> Table:
    source: io.BytesIO | str = io.BytesIO(data)
    if fmt in {"csv", "ecsv"}:
        try:  # astropy's text readers take the text itself
            source = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise TableError(f"the {fmt.upper()} table is not UTF-8 text") from exc
    try:
        with warnings.catch_warnings():
            # A VOTable or FITS header a little off the standard still has readable columns.
            warnings.simplefilter("ignore", AstropyWarning)
            return Table.read(source, format=_ASTROPY_FORMAT[fmt])
    except Exception as exc:  # astropy raises many kinds for a broken file
        raise TableError(f"cannot read the {fmt.upper()} table: {exc}") from exc


def items_from_csv_text(text: str, max_items: int) -> list[dict[str, Any]]:
    """A CSV with a header row naming some of the input columns; cells as strings."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise TableError("the CSV is empty: it needs a header row (pgc, name, ra, dec, …)")
    columns = {f: INPUT_COLUMNS.get(f.strip().lower()) for f in reader.fieldnames if f}
    _require_known(columns.values(), "CSV header")
    items: list[dict[str, Any]] = []
    for row in reader:
        items.append(
            {
                columns[k]: v.strip()  # type: ignore[misc]
                for k, v in row.items()
                if k in columns and columns[k] and isinstance(v, str) and v.strip()
            }
        )
        if len(items) > max_items:
            break
    return items


def items_from_table(table: Table, max_items: int) -> list[dict[str, Any]]:
    """Rows of an astropy table as batch items: masked and blank cells dropped, numbers as
    Python numbers, a coordinate column with a unit converted to degrees."""
    columns = {name: INPUT_COLUMNS.get(name.strip().lower()) for name in table.colnames}
    _require_known(columns.values(), "table")
    items: list[dict[str, Any]] = []
    for row in table[: max_items + 1]:
        item: dict[str, Any] = {}
        for name, field in columns.items():
            if field is None:
                continue
            value = _cell(row[name], table[name].unit, field)
            if value is not None:
                item[field] = value
        items.append(item)
    return items


def _require_known(fields: Iterable[str | None], what: str) -> None:
    if not any(fields):
        names = ", ".join(sorted(set(INPUT_COLUMNS.values())))
        raise TableError(f"the {what} names none of the columns {names}")


def _cell(value: Any, unit: u.UnitBase | None, field: str) -> Any:
    if value is np.ma.masked:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if field in {"ra", "dec"} and unit is not None and unit != u.deg:
            try:
                return float((value * unit).to_value(u.deg))
            except u.UnitConversionError:
                return value
        if field == "pgc" and float(value).is_integer():
            return int(value)
    return value


# ---------------------------------------------------------------------------------------------
# Tables out


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    unit: str | None
    description: str


COLUMNS: tuple[Column, ...] = (
    Column("row", "i8", None, "Row of the input table (0-based)"),
    Column("pgc", "i8", None, "PGC number asked for"),
    Column("name", "U", None, "Name asked for"),
    Column("ra", "f8", "deg", "Right ascension asked for (J2000)"),
    Column("dec", "f8", "deg", "Declination asked for (J2000)"),
    Column("fov", "f8", "arcmin", "Field of view asked for"),
    Column("survey", "U", None, "Survey asked for"),
    Column("status", "i4", None, "HTTP status of this row: 200, or that of its error"),
    Column("error", "U", None, "Why this row has no inclination (empty when it has one)"),
    Column("galaxy_pgc", "i8", None, "PGC number of the galaxy measured"),
    Column("galaxy_name", "U", None, "First catalog name of the galaxy measured"),
    Column("galaxy_ra", "f8", "deg", "Right ascension of the galaxy measured (J2000)"),
    Column("galaxy_dec", "f8", "deg", "Declination of the galaxy measured (J2000)"),
    Column(
        "inclination",
        "f8",
        "deg",
        "Spatial inclination, median over the model flavors (0 face-on, 90 edge-on)",
    ),
    Column(
        "inclination_sigma",
        "f8",
        "deg",
        "1-sigma uncertainty of the inclination (the flavors' standard deviation when the "
        "service gives no calibrated sigma)",
    ),
    Column("inclination_lo", "f8", "deg", "Lower end of the 68% interval of the inclination"),
    Column("inclination_hi", "f8", "deg", "Upper end of the 68% interval of the inclination"),
    Column("n_flavors", "i4", None, "Model flavors that answered"),
    Column("spread", "f8", "deg", "Spread of the flavors' estimates (max - min)"),
    Column("alarm", "bool", None, "The flavors disagree: a human should look at this galaxy"),
    Column("verdict", "U", None, "accept or reject: a measurable disk galaxy or not"),
    Column("rejection_likelihood", "f8", None, "Likelihood that the image is to be rejected"),
    Column(
        "axial_ratio_inclination",
        "f8",
        "deg",
        "Inclination from the catalog's axial ratio, for comparison",
    ),
    Column(
        "image_axial_ratio_inclination",
        "f8",
        "deg",
        "Inclination from the axial ratio of the measured image's central isophote (the "
        "service's classical second opinion)",
    ),
    Column(
        "axial_ratio_departs",
        "bool",
        None,
        "The image's axial-ratio inclination lies 10 deg or more from the answer: a doubtful "
        "answer, look at the galaxy",
    ),
    Column("model_set_version", "U", None, "Version of the set of model flavors"),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def interval(inclination: Mapping[str, Any]) -> tuple[float | None, float | None, float | None]:
    """(sigma, lo, hi) of an answer's inclination: the service's calibrated ``sigma`` and 68%
    ``interval`` when it gives them, else the flavors' stdev and median ± stdev within 0-90°."""
    median = _number(inclination.get("median"))
    sigma = _number(inclination.get("sigma"))
    if sigma is None:
        sigma = _number(inclination.get("stdev"))
    bounds = inclination.get("interval")
    if isinstance(bounds, Sequence) and len(bounds) == 2:
        lo, hi = _number(bounds[0]), _number(bounds[1])
        if lo is not None and hi is not None:
            return sigma, lo, hi
    if median is None or sigma is None:
        return sigma, None, None
    return sigma, max(0.0, median - sigma), min(90.0, median + sigma)


def summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The flat figures of one inclination answer (the result columns of the output)."""
    inclination = result.get("inclination") or {}
    sigma, lo, hi = interval(inclination)
    galaxy = result.get("galaxy") or {}
    alarm = result.get("alarm") or {}
    rejection = result.get("rejection") or {}
    names = galaxy.get("names") or []
    return {
        "galaxy_pgc": galaxy.get("pgc"),
        "galaxy_name": names[0] if names else None,
        "galaxy_ra": _number(galaxy.get("ra")),
        "galaxy_dec": _number(galaxy.get("dec")),
        "inclination": _number(inclination.get("median")),
        "inclination_sigma": sigma,
        "inclination_lo": lo,
        "inclination_hi": hi,
        "n_flavors": len(result.get("flavors") or []),
        "spread": _number(alarm.get("spread_deg")),
        "alarm": alarm.get("raised"),
        "verdict": rejection.get("verdict"),
        "rejection_likelihood": _number(rejection.get("likelihood")),
        "axial_ratio_inclination": _number(galaxy.get("axial_ratio_inclination_deg")),
        "image_axial_ratio_inclination": _number(inclination.get("axial_ratio_deg")),
        "axial_ratio_departs": inclination.get("axial_ratio_departs"),
        "model_set_version": result.get("model_set_version"),
    }


def _query_value(query: Mapping[str, Any], field: str) -> Any:
    # Imported here: coordinates pulls astropy.coordinates, which reading a table never needs.
    from gateway.coordinates import parse_dec, parse_ra

    value = query.get(field)
    if value is None or value == "":
        return None
    try:
        if field == "pgc":
            return int(value)
        if field == "ra":
            return parse_ra(value)
        if field == "dec":
            return parse_dec(value)
        if field == "fov":
            return float(value)
    except (TypeError, ValueError):
        return None
    return str(value)


def line_row(row: int, line: Mapping[str, Any]) -> dict[str, Any]:
    """One output row from one batch line (``{index, status, query, result | problem}``)."""
    query = dict(line.get("query") or {})
    value = query.pop("value", None)  # a bare PGC number or name in a JSON batch
    if isinstance(value, int) and not isinstance(value, bool):
        query["pgc"] = value
    elif isinstance(value, str):
        query["name"] = value
    out: dict[str, Any] = {"row": row, "status": line.get("status")}
    for field in ("pgc", "name", "ra", "dec", "fov", "survey"):
        out[field] = _query_value(query, field)
    result = line.get("result")
    if isinstance(result, Mapping):
        out.update(summary(result))
        out["error"] = None
    else:
        problem = line.get("problem") or {}
        out["error"] = problem.get("detail") or problem.get("title") or "failed"
    return out


def to_table(rows: Sequence[Mapping[str, Any]]) -> Table:
    """The output table: the columns of ``COLUMNS`` with units and descriptions, a missing
    value masked."""
    columns = []
    for column in COLUMNS:
        values = [row.get(column.name) for row in rows]
        mask = [v is None for v in values]
        if column.dtype == "U":
            width = max([len(str(v)) for v in values if v is not None] + [1])
            data: list[Any] = ["" if v is None else str(v) for v in values]
            dtype = f"U{width}"
        elif column.dtype == "bool":
            data, dtype = [bool(v) for v in values], "bool"
        elif column.dtype.startswith("i"):
            data, dtype = [0 if v is None else int(v) for v in values], column.dtype
        else:
            data, dtype = [math.nan if v is None else float(v) for v in values], column.dtype
        columns.append(
            MaskedColumn(
                np.array(data, dtype=dtype),
                name=column.name,
                mask=mask,
                unit=column.unit,
                description=column.description,
            )
        )
    table = Table(columns)
    table.meta["description"] = "Spatial inclinations of disk galaxies measured by Incline"
    return table


def write_table(rows: Sequence[Mapping[str, Any]], fmt: TableFormat) -> bytes:
    return table_bytes(to_table(rows), fmt)


def table_bytes(table: Table, fmt: TableFormat) -> bytes:
    if fmt in {"csv", "ecsv"}:
        text = io.StringIO()
        table.write(text, format=_ASTROPY_FORMAT[fmt])
        return text.getvalue().encode()
    binary = io.BytesIO()
    with warnings.catch_warnings():
        # FITS cannot mark a boolean as missing; the row's status and error say it.
        warnings.simplefilter("ignore", AstropyWarning)
        if fmt == "fits":
            _fits_with_descriptions(table).writeto(binary)
        else:
            _write_votable(table, binary)
    return binary.getvalue()


def _write_votable(table: Table, binary: io.BytesIO) -> None:
    """``table.write(format="votable")`` with astropy's Python TABLEDATA writer: its C writer
    (astropy 8.0.2) writes a byte past its row buffer, a heap corruption that crashed the gateway
    later, in the garbage collector (astropy issue 20419). The same XML."""
    from_table(table).to_xml(binary, _debug_python_based_parser=True)


def _fits_with_descriptions(table: Table) -> fits.HDUList:
    """A FITS file whose TTYPEn cards carry each column's description as their comment (what
    fv, TOPCAT and astropy show), cut to fit the 80-character card."""
    hdu = fits.table_to_hdu(table)
    for number, name in enumerate(table.colnames, start=1):
        description = table[name].description
        if description:
            room = 80 - len("TTYPE99 = ") - max(20, len(name) + 2) - len(" / ")
            hdu.header.comments[f"TTYPE{number}"] = description[:room]
    return fits.HDUList([fits.PrimaryHDU(), hdu])


def read_rows(data: bytes, fmt: TableFormat) -> list[dict[str, Any]]:
    """Rows of an output table written by ``write_table`` (the ``incline`` command's resume)."""
    table = _read_table(data, fmt)
    # Column by column (tolist gives None for a masked cell): row access is 10-100x slower.
    columns = {name: [_plain(v) for v in table[name].tolist()] for name in table.colnames}
    return [
        dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and value == "":
        return None
    return value
