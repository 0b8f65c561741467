"""``incline``: inclinations of disk galaxies from the shell, through a gateway.

    incline measure M101                      by name
    incline measure --pgc 2557                by PGC number
    incline measure --ra 210.8 --dec 54.35    the catalog galaxy nearest a position
    incline measure galaxy.jpg                an image of one's own
    incline batch galaxies.csv -o results.vot a table, streamed through the gateway

Errors are one line on stderr and a non-zero exit status.
"""

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"
URL_VARIABLE = "INCLINE_URL"

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class CliError(Exception):
    """A failure to report as one line, with the exit status it gives."""

    def __init__(self, message: str, status: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.status = status


def problem_line(response: httpx.Response) -> str:
    """One readable line for an error answer (problem+json, or whatever came)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        title = body.get("title") or response.reason_phrase
        detail = body.get("detail") or ""
        line = f"{response.status_code} {title}: {detail}".rstrip(": ")
        suggestions = body.get("suggestions")
        if isinstance(suggestions, list) and suggestions and "did you mean" not in line.lower():
            line += f" (did you mean {', '.join(map(str, suggestions[:5]))}?)"
        return line
    return f"{response.status_code} {response.reason_phrase}"


def transport_error(url: str, exc: httpx.HTTPError) -> CliError:
    if isinstance(exc, httpx.TimeoutException):
        return CliError(f"the gateway at {url} did not answer in time ({type(exc).__name__})")
    if isinstance(exc, httpx.ConnectError):
        return CliError(
            f"cannot reach the gateway at {url} ({exc}); start the stack with `make run` "
            f"or point --url (or ${URL_VARIABLE}) at one"
        )
    return CliError(f"talking to the gateway at {url} failed: {exc}")


# ---------------------------------------------------------------------------------------------
# measure


def _fmt(value: Any, digits: int = 1, unit: str = "°") -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"{value:.{digits}f}{unit}"


def format_answer(result: Mapping[str, Any]) -> str:
    """An answer as a short two-column table for a terminal. Reads the calibrated ``sigma`` and
    68% ``interval``, the image's axial-ratio second opinion and the ``rejection`` verdict when
    the answer carries them."""
    from gateway.tables import interval

    inclination = result.get("inclination") or {}
    sigma, lo, hi = interval(inclination)
    rows: list[tuple[str, str]] = []
    galaxy = result.get("galaxy")
    image = result.get("image") or {}
    if isinstance(galaxy, Mapping):
        names = list(galaxy.get("names") or [])[:3]
        pgc = galaxy.get("pgc")
        label = " · ".join(names) if names else (f"PGC {pgc}" if pgc else "catalog galaxy")
        if pgc and f"PGC {pgc}" not in names:
            label += f" (PGC {pgc})"
        rows.append(("galaxy", label))
        rows.append(
            ("position", f"RA {_fmt(galaxy.get('ra'), 5)}  Dec {_fmt(galaxy.get('dec'), 5)}")
        )
        axial = galaxy.get("axial_ratio_inclination_deg")
        if axial is not None:
            rows.append(("catalog", f"axial-ratio inclination {_fmt(axial)}"))
    elif image.get("source") == "upload":
        rows.append(("image", f"uploaded {image.get('filename') or ''}".rstrip()))
        framing = image.get("framing")
        if isinstance(framing, Mapping) and framing.get("applied"):
            x, y, diameter = framing.get("galaxy_px") or (None, None, None)
            rows.append(
                (
                    "framing",
                    f"galaxy found off centre at x {_fmt(x, 0, '')}, y {_fmt(y, 0, '')} "
                    f"(diameter {_fmt(diameter, 0, ' px')}): measured centred on it",
                )
            )
    else:
        query = result.get("query") or {}
        rows.append(("field", f"RA {_fmt(query.get('ra'), 5)}  Dec {_fmt(query.get('dec'), 5)}"))
    answer = f"{_fmt(inclination.get('median'))} ± {_fmt(sigma)}"
    if lo is not None and hi is not None:
        answer += f"   (68%: {_fmt(lo)} to {_fmt(hi)})"
    rows.append(("inclination", answer))
    second = inclination.get("axial_ratio_deg")
    median = inclination.get("median")
    if isinstance(second, int | float) and isinstance(median, int | float):
        doubt = ": a doubtful answer, look at the galaxy" if inclination.get(
            "axial_ratio_departs") else ""
        rows.append(("second opinion", f"the image's axial ratio says {_fmt(second)} "
                                       f"({_fmt(abs(second - median))} from the answer){doubt}"))
    flavors = result.get("flavors") or []
    rows.append(
        (
            "flavors",
            "  ".join(f"{f.get('name')} {_fmt(f.get('inclination_deg'))}" for f in flavors) or "—",
        )
    )
    alarm = result.get("alarm") or {}
    spread = f"spread {_fmt(alarm.get('spread_deg'))}, threshold {_fmt(alarm.get('threshold_deg'))}"
    rows.append(
        (
            "alarm",
            f"RAISED: the flavors disagree ({spread})" if alarm.get("raised") else f"no ({spread})",
        )
    )
    rejection = result.get("rejection")
    if isinstance(rejection, Mapping) and rejection.get("verdict"):
        rows.append(
            (
                "verdict",
                f"{rejection['verdict']} (likelihood {_fmt(rejection.get('likelihood'), 2, '')}, "
                f"threshold {_fmt(rejection.get('threshold'), 2, '')})",
            )
        )
    source = "cache" if result.get("cached") else "computed"
    rows.append(("model set", f"{result.get('model_set_version', '—')} ({source})"))
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


def _measure_request(args: argparse.Namespace) -> tuple[str, str, dict[str, Any]]:
    """(method, path, httpx keyword arguments) for what the user asked."""
    params: dict[str, Any] = {}
    if args.copies:
        params["copies"] = args.copies
    if args.survey:
        params["survey"] = args.survey
    given = [
        args.target is not None,
        args.pgc is not None,
        args.ra is not None or args.dec is not None,
    ]
    if sum(given) != 1:
        raise CliError(
            "give one of: a name or an image file, --pgc N, or --ra RA --dec DEC", EXIT_USAGE
        )
    if args.pgc is not None:
        return "GET", f"/api/pgc/{args.pgc}", {"params": params}
    if args.ra is not None or args.dec is not None:
        if args.ra is None or args.dec is None:
            raise CliError("--ra and --dec go together", EXIT_USAGE)
        params.update(ra=args.ra, dec=args.dec)
        if args.fov is not None:
            params["fov"] = args.fov
        if args.radius is not None:
            params["radius"] = args.radius
        return "GET", "/api/coord", {"params": params}
    target = str(args.target)
    path = Path(target)
    if path.is_file():
        files = {"file": (path.name, path.read_bytes())}
        if args.frame:
            params["frame"] = args.frame
        return "POST", "/api/file", {"params": params, "files": files}
    if path.suffix.lower() in IMAGE_SUFFIXES:
        raise CliError(f"no such image file: {target}")
    return "GET", f"/api/objname/{quote(target, safe='')}", {"params": params}


IMAGE_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".tif",
    ".tiff",
    ".webp",
    ".fits",
    ".fit",
    ".fts",
}


def measure(args: argparse.Namespace) -> int:
    method, path, kwargs = _measure_request(args)
    try:
        with httpx.Client(base_url=args.url, timeout=args.timeout) as client:
            response = client.request(method, path, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(args.url, exc) from exc
    if response.status_code != 200:
        raise CliError(problem_line(response))
    result = response.json()
    print(json.dumps(result, indent=2) if args.json else format_answer(result))
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
# the command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="incline",
        description="Spatial inclinations of disk galaxies (0° face-on … 90° edge-on), measured "
        "by an Incline gateway.",
        epilog=f"The gateway: --url, else ${URL_VARIABLE}, else {DEFAULT_URL} "
        "(the `make run` stack).",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get(URL_VARIABLE, DEFAULT_URL),
        help=f"the gateway (default: ${URL_VARIABLE} or {DEFAULT_URL})",
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for an answer (default 120)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    one = commands.add_parser(
        "measure",
        help="the inclination of one galaxy",
        description="The inclination of one galaxy: by name, PGC number, position or image.",
    )
    one.add_argument("target", nargs="?", help="a galaxy name (M101, NGC 4565) or an image file")
    one.add_argument("--pgc", type=int, help="PGC (LEDA) number")
    one.add_argument("--ra", help="right ascension: degrees, 14h03m12.6s or 14:03:12.6")
    one.add_argument("--dec", help="declination: degrees, +54d20m56s or +54:20:56")
    one.add_argument("--fov", type=float, help="with --ra/--dec: measure this field (arcmin)")
    one.add_argument("--radius", type=float, help="with --ra/--dec: search radius (arcmin)")
    one.add_argument(
        "--frame",
        choices=["auto", "as-is"],
        help="with an image file: auto (the gateway's default) finds the galaxy and centres it "
        "when it is off centre; as-is measures the whole image",
    )
    _common_options(one)
    one.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    one.set_defaults(run=measure)

    many = commands.add_parser(
        "batch",
        help="a table of galaxies, measured into a table",
        description="Measure every row of a table (CSV, ECSV, VOTable or FITS with columns "
        "among pgc, name, ra, dec, radius, fov, survey) into OUTPUT, whose extension sets its "
        "format (.csv, .ecsv, .vot/.xml, .fits). Run the same command again after an "
        "interruption: rows already in OUTPUT are kept and skipped.",
    )
    many.add_argument("input", type=Path, help="the table of galaxies")
    many.add_argument("-o", "--output", type=Path, required=True, help="the table to write")
    many.add_argument(
        "--chunk", type=int, default=25, help="rows per request to the gateway (default 25)"
    )
    many.add_argument("--jobs", type=int, default=2, help="requests in flight at once (default 2)")
    many.add_argument(
        "--restart", action="store_true", help="ignore an existing OUTPUT and start afresh"
    )
    many.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: when stderr is a terminal)",
    )
    _common_options(many)
    many.set_defaults(run=_batch)
    return parser


def _common_options(parser: argparse.ArgumentParser) -> None:
    # Also after the command (`incline measure M101 --url …`); the top-level default otherwise.
    parser.add_argument("--url", default=argparse.SUPPRESS, help="the gateway")
    parser.add_argument(
        "--timeout", type=float, default=argparse.SUPPRESS, help="seconds to wait for an answer"
    )
    parser.add_argument(
        "--copies", choices=["none", "rot4", "d4"], help="test-time copies of each image"
    )
    parser.add_argument(
        "--survey", help="survey of the cutouts (auto, sdss, legacy, panstarrs, dss), if served"
    )


def _batch(args: argparse.Namespace) -> int:
    from incline.batch import run

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.url = str(args.url).rstrip("/")
    try:
        status = args.run(args)
    except CliError as exc:
        print(f"incline: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("incline: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    assert isinstance(status, int)
    return status
