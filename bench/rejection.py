"""The rejection verdict on real images through the public API: start the local stack on free
loopback ports (the models under ``--models``, classifiers included), POST every image of each
``index.csv`` (a ``path`` column) to ``/api/file`` and count the verdicts.

usage: python -m bench.rejection --models models --set spirals=/tmp/realdev/index.csv \\
           --set negatives=/tmp/realneg/index.csv [--json report.json]
"""

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

from devstack.stack import local_stack


def _post(client: httpx.Client, path: str) -> dict[str, Any]:
    data = Path(path).read_bytes()
    response = client.post("/api/file", files={"file": (Path(path).name, data)})
    if response.status_code != 200:
        return {"status": response.status_code, "detail": response.text[:200]}
    body = response.json()
    rejection = body.get("rejection") or {}
    return {"status": 200, "inclination": body["inclination"]["median"],
            "verdict": rejection.get("verdict"), "likelihood": rejection.get("likelihood"),
            "threshold": rejection.get("threshold"),
            "top": max(rejection.get("classes") or {"-": 0}, key=lambda k: rejection["classes"][k])
            if rejection.get("classes") else None}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rejection", description=__doc__)
    parser.add_argument("--models", type=Path, default=Path("models"))
    parser.add_argument("--set", action="append", required=True, metavar="NAME=INDEX_CSV")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    sets = dict(item.split("=", 1) for item in args.set)
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as work, local_stack(
        args.models.resolve(), Path(work), log_level="WARNING"
    ) as stack, httpx.Client(base_url=stack.url, timeout=120) as client:
        for name, index in sets.items():
            with open(index) as handle:
                rows = list(csv.DictReader(handle))
            results = [{**row, **_post(client, row["path"])} for row in rows]
            rejected = sum(r.get("verdict") == "reject" for r in results)
            report[name] = {"images": len(results), "rejected": rejected,
                            "accepted": sum(r.get("verdict") == "accept" for r in results),
                            "rows": results}
            for r in results:
                print(json.dumps({"set": name, **{k: v for k, v in r.items() if k != "path"}}))
            print(f"{name}: {len(results)} images, {rejected} rejected, "
                  f"{report[name]['accepted']} accepted", file=sys.stderr, flush=True)
            kinds = sorted({r["kind"] for r in results if r.get("kind")})
            if kinds:
                report[name]["by_kind"] = {
                    kind: {"images": sum(r.get("kind") == kind for r in results),
                           "rejected": sum(r.get("kind") == kind and r.get("verdict") == "reject"
                                           for r in results)} for kind in kinds}
                print(f"{name} by kind (rejected/images): " + ", ".join(
                    f"{k} {v['rejected']}/{v['images']}"
                    for k, v in report[name]["by_kind"].items()), file=sys.stderr, flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
