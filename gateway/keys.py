"""Cache keys: the normalised query + the options + the model-set version, so that two spellings
of one question share an answer and new models never serve old answers."""

import hashlib
import json
import re
from typing import Any

from gateway.schemas import Options

KEY_PREFIX = "incline:result"
COORD_DECIMALS = 5  # 1e-5 deg = 0.036 arcsec, far below a pixel of any cutout


def normalise_name(name: str) -> str:
    """'ngc  224', 'NGC224' and ' NGC 224 ' are the same question."""
    return re.sub(r"\s+", "", name).upper()


def normalise_coord(value: float) -> float:
    return round(float(value), COORD_DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0


def _with_survey(query: dict[str, Any], survey: str) -> dict[str, Any]:
    """A survey other than ``auto`` is part of the question (``auto`` keeps the older keys)."""
    return query if survey == "auto" else {**query, "survey": survey}


def pgc_query(pgc: int, survey: str = "auto") -> dict[str, Any]:
    return _with_survey({"pgc": int(pgc)}, survey)


def name_query(name: str, survey: str = "auto") -> dict[str, Any]:
    return _with_survey({"name": normalise_name(name)}, survey)


def coord_query(
    ra: float, dec: float, radius: float | None, fov: float | None, survey: str = "auto"
) -> dict[str, Any]:
    query: dict[str, Any] = {"ra": normalise_coord(ra % 360.0), "dec": normalise_coord(dec)}
    if fov is not None:
        query["fov"] = normalise_coord(fov)
    else:
        query["radius"] = normalise_coord(radius) if radius is not None else None
    return _with_survey(query, survey)


def upload_query(sha256: str, frame: str) -> dict[str, Any]:
    """An upload is its bytes and how it is framed (both change the answer)."""
    return {"sha256": sha256.lower(), "frame": frame}


def result_key(query: dict[str, Any], options: Options, model_set_version: str) -> str:
    payload = json.dumps(
        {"query": query, "options": options.model_dump(mode="json")},
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(payload.encode()).hexdigest()[:40]
    return f"{KEY_PREFIX}:{model_set_version}:{digest}"
