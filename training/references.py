"""Published inclinations of nearby galaxies (``training/realsets/inclinations.csv``): the
references the wide set's spirals are scored against in place of OpenNGC's axis ratios.

The table holds one row per galaxy per publication — columns ``name,incl,e_incl,method,
catalogue,source``: ``method`` is ``kinematic`` (a tilted-ring or velocity-field fit of H I, H-alpha
or CO), ``literature`` (a value a compilation chose from the literature without saying how it was
measured), ``zoo`` (the Galaxy Inclination Zoo's, by eye against standard galaxies) or
``photometric`` (from an axis ratio: HyperLEDA and the like), ``catalogue`` the publication,
``source`` where the value was read; ``incl`` is degrees, or ``face_on`` where a publication calls
the galaxy face-on without a number. :func:`reference` picks one value per galaxy: the median of
its values of the first method in that order it has (face-on where they are all face-on flags).
A second table, ``training/realsets/zoo.csv``, holds the Zoo's inclinations (``--table``).

usage: python -m training.references [DIR ...] [--table CSV ...] [--write OUTDIR]  — how far two
publications of one galaxy lie apart in the tables (RMS by pair of methods); then each labelled
image of an ``evaluate --real`` set (DIR/index.csv) beside its galaxy's published inclination, and
the RMS of the differences by method: how far the set's references lie from the published ones.
``--write`` also writes OUTDIR/index.csv: the sets' images relabelled with the published
inclinations (for ``evaluate --real OUTDIR --by method``).
"""

import argparse
import csv
import itertools
import math
import re
import statistics
from pathlib import Path
from typing import NamedTuple

from training.openngc import find
from training.realeval import read_index, write_index

TABLE = Path(__file__).resolve().parent / "realsets" / "inclinations.csv"
ZOO_TABLE = TABLE.with_name("zoo.csv")
METHODS = ("kinematic", "literature", "zoo", "photometric")  # in the order reference() prefers
FACE_ON = "face_on"
COLUMNS = ("name", "incl", "e_incl", "method", "catalogue", "source")


class Published(NamedTuple):
    """A galaxy's published inclination: one row of the table, or the value :func:`reference`
    picks from several (``catalogue`` then the publications, "; "-joined). ``incl`` is NaN for a
    face-on flag without a number (:attr:`face_on`)."""

    incl: float
    method: str
    catalogue: str

    @property
    def face_on(self) -> bool:
        return math.isnan(self.incl)

    @property
    def label(self) -> str:
        """As an ``evaluate --real`` index writes it: degrees, or ``face_on``."""
        return FACE_ON if self.face_on else f"{self.incl:.1f}"


Table = dict[str, list[Published]]  # galaxy key -> its published values


def canonical(name: str) -> str:
    """A catalogue name as the table keys it: upper case, no spaces, no leading zeros in the
    number (``NGC 0891`` and ``ngc891`` are ``NGC891``, ``ESO274-001`` is ``ESO274-1``)."""
    compact = name.replace(" ", "").upper()
    return re.sub(r"(?<![0-9])0+(?=[0-9])", "", compact)


def galaxy_key(name: str) -> str:
    """The table key of the galaxy an image is named after: its OpenNGC primary name where
    OpenNGC knows it (``M31`` is ``NGC224``, ``NGC5906`` is ``NGC5907``), else the name itself."""
    found = find(name)
    return canonical(str(found.name) if found is not None else name)


def load(path: Path = TABLE, into: Table | None = None) -> Table:
    """The table by galaxy key (added to ``into`` when given); ``#`` lines are comments. A row
    that lacks a column, or whose inclination is neither a number in 0-90 nor ``face_on``, or
    whose method is unknown, is an error naming its line."""
    numbered = [(number, text) for number, text in enumerate(
        path.read_text().splitlines(), start=1) if text and not text.startswith("#")]
    rows = list(csv.reader(text for _, text in numbered))
    if not rows or tuple(rows[0]) != COLUMNS:
        raise ValueError(f"{path}: the header must be {','.join(COLUMNS)}")
    table: Table = {}
    for (number, _), row in zip(numbered[1:], rows[1:], strict=True):
        try:
            if len(row) != len(COLUMNS):
                raise ValueError(f"{len(row)} columns")
            name, incl, _, method, catalogue, _ = row
            value = math.nan if incl == FACE_ON else float(incl)
            if not (incl == FACE_ON or 0.0 <= value <= 90.0) or method not in METHODS:
                raise ValueError(f"incl {incl!r}, method {method!r}")
        except ValueError as exc:
            raise ValueError(f"{path}, line {number}: {exc}") from None
        table.setdefault(canonical(name), []).append(Published(value, method, catalogue))
    if into is None:
        return table
    for key, values in table.items():  # merged only once the whole file has been read
        into.setdefault(key, []).extend(values)
    return into


def reference(key: str, table: Table) -> Published | None:
    """The reference inclination of a galaxy (a :func:`galaxy_key`): the median of its values of
    the first method of :data:`METHODS` it has (its numbers, where it has any: a face-on flag
    only where all are flags); None where the table does not list it."""
    for method in METHODS:
        values = [(incl, catalogue) for incl, m, catalogue in table.get(key, []) if m == method]
        if values:
            numbers = [(v, catalogue) for v, catalogue in values if not math.isnan(v)]
            used = numbers or values  # the publications whose values make the reference
            catalogues = "; ".join(sorted({catalogue for _, catalogue in used}))
            median = round(statistics.median(v for v, _ in numbers), 1) if numbers else math.nan
            return Published(median, method, catalogues)
    return None


def agreement(table: Table) -> dict[tuple[str, str], tuple[int, float]]:
    """How far two publications of one galaxy lie apart: for each pair of methods, the number of
    pairs of values of one galaxy and the RMS of their differences."""
    differences: dict[tuple[str, str], list[float]] = {}
    for values in table.values():
        numbers = [v for v in values if not v.face_on]
        for a, b in itertools.combinations(sorted(numbers, key=lambda v: METHODS.index(v.method)),
                                           2):
            differences.setdefault((a.method, b.method), []).append(a.incl - b.incl)
    return {pair: (len(d), statistics.fmean(x * x for x in d) ** 0.5)
            for pair, d in sorted(differences.items(),
                                  key=lambda item: tuple(map(METHODS.index, item[0])))}


OWN = "own"  # the method of a label kept from the set itself (relabel's ``keep``)


def relabel(rows: list[dict[str, str]], excluded: set[str], table: Table, keep: bool = False
            ) -> list[dict[str, str]]:
    """The index rows whose galaxy the table has a published inclination for, with ``incl``
    replaced by it and ``method`` and ``reference`` (the publications) added; the other columns
    kept. With ``keep``, the rows whose galaxy the table does not know stay too, with their own
    ``incl`` and the method ``own``. Left out: a galaxy among ``excluded`` (:func:`galaxy_key`
    s), and a second image of a galaxy already listed (to OpenNGC, M102 is M101)."""
    relabelled: list[dict[str, str]] = []
    seen = set(excluded)
    for row in rows:
        key = galaxy_key(row["name"])
        repeated = key in seen
        found = None if repeated else reference(key, table)
        seen.add(key)
        if found is not None:
            relabelled.append({**row, "incl": found.label, "method": found.method,
                               "reference": found.catalogue})
        elif keep and not repeated:
            relabelled.append({**row, "method": OWN, "reference": "the set's own label"})
    return relabelled


def compare(directory: Path, table: Table) -> list[str]:
    """Lines: each labelled image of an ``evaluate --real`` set with its galaxy's published
    inclination, then the RMS and mean of (set - published) by method over the images where both
    are numbers (a face-on label or flag on either side is listed, not counted)."""
    lines: list[str] = []
    differences: dict[str, list[float]] = {}
    for image in read_index(directory):
        found = reference(galaxy_key(image.name), table)
        if found is None:
            continue
        if image.incl is None or found.face_on:
            label = FACE_ON if image.incl is None else f"{image.incl:.1f}"
            lines.append(f"{image.name:<12} {label:>7} {found.label:>7} {'-':>6}  "
                         f"{found.method:<11} {found.catalogue} (not counted: face-on)")
            continue
        difference = image.incl - found.incl
        differences.setdefault(found.method, []).append(difference)
        lines.append(f"{image.name:<12} {image.incl:7.1f} {found.incl:7.1f} {difference:+6.1f}"
                     f"  {found.method:<11} {found.catalogue}")
    for method, values in differences.items():
        rms = statistics.fmean(v * v for v in values) ** 0.5
        lines.append(f"{directory}: {method} references of {len(values)} images: set - "
                     f"published RMS {rms:.2f}, mean {statistics.fmean(values):+.2f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m training.references", description=__doc__)
    parser.add_argument("sets", type=Path, nargs="*", metavar="DIR",
                        help="an evaluate --real set (DIR/index.csv)")
    parser.add_argument("--table", type=Path, action="append", metavar="CSV",
                        help="a table of published inclinations (repeatable; default "
                             f"training/realsets/{TABLE.name}; the Zoo's: "
                             f"training/realsets/{ZOO_TABLE.name})")
    parser.add_argument("--write", type=Path, metavar="OUTDIR",
                        help="also write OUTDIR/index.csv: the sets' galaxies with a published "
                             "inclination, labelled with it, and a set column (the DIR's name, "
                             "where its index has none; for evaluate --real OUTDIR --by method "
                             "--by set)")
    parser.add_argument("--keep", action="store_true",
                        help="with --write, keep the images whose galaxy no table knows, with "
                             f"the set's own label (method {OWN!r})")
    args = parser.parse_args()
    table: Table = {}
    for path in dict.fromkeys(args.table or [TABLE]):  # a table named twice is read once
        load(path, table)
    for (first, second), (pairs, rms) in agreement(table).items():
        print(f"publications of one galaxy, {first} against {second}: RMS {rms:.2f} over "
              f"{pairs} pairs")
    if args.write is not None:
        rows = [{"path": str(image.path), "name": image.name,
                 "incl": FACE_ON if image.incl is None else str(image.incl),
                 "hubble": image.hubble, "set": directory.name, **image.columns}
                for directory in args.sets for image in read_index(directory)]
        relabelled = relabel(rows, set(), table, keep=args.keep)
        columns = list(dict.fromkeys(
            ["path", "name", "incl", *(key for row in relabelled for key in row)]))
        write_index(args.write, relabelled, columns)
        published = sum(row["method"] != OWN for row in relabelled)
        print(f"{published} images with a published inclination"
              + (f", {len(relabelled) - published} with their own" if args.keep else "")
              + f" in {args.write}")
    if args.sets:
        print(f"{'name':<12} {'set':>7} {'publ.':>7} {'diff':>6}  method      catalogue")
    for directory in args.sets:
        print("\n".join(compare(directory, table)))


if __name__ == "__main__":
    main()
