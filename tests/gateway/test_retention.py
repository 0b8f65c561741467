"""Bounded storage: the request log rotates by size and age and keeps a bounded number of
rotated files; the upload store keeps a bounded number of bytes, least recently seen out first,
nothing too old; a full disk costs what is stored, never an answer, and the logs say what was
not kept. The disk-full cases are real: ``GATEWAY_MIN_FREE_BYTES`` above what any disk has, and
the request log written to /dev/full (every write there fails with ENOSPC)."""

import calendar
import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import pytest

from gateway.keys import upload_query
from gateway.requestlog import RequestLog, Retention
from gateway.settings import GatewaySettings
from tests.gateway.conftest import Stack, in_process_gateway
from tests.gateway.factories import galaxy_image_bytes

DAY = 86400.0


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def upload(log: RequestLog, data: bytes) -> tuple[str, Path | None]:
    sha256 = hashlib.sha256(data).hexdigest()
    return sha256, log.store_upload(sha256, data)


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_retention_reads_every_field_from_the_gateway_settings() -> None:
    assert Retention.from_settings(GatewaySettings()) == Retention()
    settings = GatewaySettings(uploads_max_bytes=5, request_log_backups=0, min_free_bytes=0)
    retention = Retention.from_settings(settings)
    assert (retention.uploads_max_bytes, retention.request_log_backups) == (5, 0)


def test_request_log_rotates_at_its_size_and_keeps_only_its_backups(tmp_path: Path) -> None:
    log = RequestLog(tmp_path, Retention(request_log_max_bytes=2000, request_log_backups=2))
    for i in range(200):
        log.write({"pgc": i}, status=200, cached=False)
    rotated = log.rotated()
    assert [p.name for p in rotated] == ["requests.jsonl.1", "requests.jsonl.2"]
    assert not (tmp_path / "requests.jsonl.3").exists()
    for path in [log.path, *rotated]:
        assert path.stat().st_size <= 2000
    kept = [e["query"]["pgc"] for p in [*reversed(rotated), log.path] for e in lines(p)]
    assert kept == list(range(200 - len(kept), 200))  # the newest, in order, none lost between
    assert len(kept) > 20


def test_request_log_rotates_by_age_and_drops_rotated_files_past_the_max_age(
    tmp_path: Path,
) -> None:
    two_days_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 2 * DAY))
    old_line = json.dumps({"ts": two_days_ago, "query": "old"}) + "\n"
    (tmp_path / "requests.jsonl").write_text(old_line)
    (tmp_path / "requests.jsonl.1").write_text('{"query": "older"}\n')
    age(tmp_path / "requests.jsonl.1", 40 * DAY)
    retention = Retention(request_log_rotate_s=DAY, request_log_max_age_s=30 * DAY)
    log = RequestLog(tmp_path, retention)
    log.write({"pgc": 1}, status=200, cached=False)
    assert [e["query"] for e in lines(log.path)] == [{"pgc": 1}]
    assert [e["query"] for e in lines(tmp_path / "requests.jsonl.1")] == ["old"]
    # the 40-day-old file was shifted to .2 by the rotation, then removed for its age
    assert not (tmp_path / "requests.jsonl.2").exists()
    log.write({"pgc": 2}, status=200, cached=False)  # a fresh file is not rotated again
    assert [e["query"] for e in lines(log.path)] == [{"pgc": 1}, {"pgc": 2}]
    first = calendar.timegm(time.strptime(lines(log.path)[0]["ts"], "%Y-%m-%dT%H:%M:%SZ"))
    assert abs(first - time.time()) < 5


def test_uploads_are_bounded_least_recently_seen_first(tmp_path: Path) -> None:
    log = RequestLog(tmp_path, Retention(uploads_max_bytes=10_000, min_free_bytes=0))
    blobs = [bytes([i]) * 3000 for i in range(4)]
    stored = [upload(log, blob) for blob in blobs[:3]]
    paths = [path for _, path in stored]
    assert all(p is not None and p.is_file() for p in paths)
    for i, path in enumerate(paths):  # a stored first, then b, then c
        assert path is not None
        age(path, 1000 - i)
    assert upload(log, blobs[0])[1] == paths[0]  # a seen again: now the most recent
    _, newest = upload(log, blobs[3])  # 12000 > 10000: b, least recently seen, goes
    assert newest is not None and newest.is_file()
    assert [p is not None and p.exists() for p in paths] == [True, False, True]
    total = sum(p.stat().st_size for p in (tmp_path / "uploads").glob("??/*"))
    assert total <= 10_000


def test_uploads_not_seen_for_the_max_age_are_removed(tmp_path: Path) -> None:
    log = RequestLog(tmp_path, Retention(uploads_max_age_s=30 * DAY, min_free_bytes=0))
    _, old = upload(log, b"old" * 100)
    _, recent = upload(log, b"recent" * 100)
    assert old is not None and recent is not None
    age(old, 31 * DAY)
    age(recent, 29 * DAY)
    log.prune_uploads()
    assert not old.exists() and recent.exists()


def test_an_upload_larger_than_the_whole_store_is_not_kept_and_its_line_says_so(
    tmp_path: Path,
) -> None:
    log = RequestLog(tmp_path, Retention(uploads_max_bytes=100, min_free_bytes=0))
    sha256, path = upload(log, b"x" * 1000)
    assert path is None
    log.write(upload_query(sha256, "auto"), status=200, cached=False)
    (entry,) = lines(log.path)
    assert entry["status"] == 200
    assert "GATEWAY_UPLOADS_MAX_BYTES" in entry["not_kept"]["upload"]


def test_disk_full_the_upload_is_not_kept_and_both_logs_say_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = RequestLog(tmp_path, Retention(min_free_bytes=2**62))  # more than any disk has
    with caplog.at_level(logging.WARNING, logger="gateway.requestlog"):
        sha256, path = upload(log, b"galaxy" * 100)
    assert path is None
    assert list((tmp_path / "uploads").glob("??/*")) == []
    (record,) = [r for r in caplog.records if r.getMessage() == "upload not kept"]
    assert vars(record)["sha256"] == sha256
    assert "GATEWAY_MIN_FREE_BYTES" in vars(record)["reason"]
    log.write(upload_query(sha256, "auto"), status=200, cached=False)
    (entry,) = lines(log.path)
    assert "GATEWAY_MIN_FREE_BYTES" in entry["not_kept"]["upload"]
    log.write(upload_query(sha256, "auto"), status=200, cached=True)  # said once, on its own line
    assert "not_kept" not in lines(log.path)[-1]


def test_request_log_on_a_full_disk_loses_the_line_not_the_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = RequestLog(tmp_path)
    log.path.symlink_to("/dev/full")  # every write: OSError ENOSPC
    with caplog.at_level(logging.WARNING, logger="gateway.requestlog"):
        for i in range(3):
            log.write({"pgc": i}, status=200, cached=False)  # no exception
        log.path.unlink()
        log.write({"pgc": 3}, status=200, cached=False)
    warnings = [r for r in caplog.records if r.name == "gateway.requestlog"]
    first, resumed = warnings  # one for the streak, one when writing resumes
    assert first.getMessage() == "request log line not kept"
    assert "No space left" in vars(first)["error"]
    assert vars(first)["not_kept"]["query"] == {"pgc": 0}
    assert resumed.getMessage() == "request log writes resumed"
    assert vars(resumed)["lines_not_kept"] == 3
    assert [e["query"] for e in lines(log.path)] == [{"pgc": 3}]


@pytest.mark.slow
async def test_the_gateway_answers_an_upload_it_cannot_keep(stack: Stack, tmp_path: Path) -> None:
    settings = stack.settings(data_dir=tmp_path, min_free_bytes=2**62)
    data = galaxy_image_bytes("PNG", seed=314)
    async with in_process_gateway(settings) as client:
        response = await client.post("/api/file", files={"file": ("g.png", data)})
    assert response.status_code == 200, response.text
    sha256 = hashlib.sha256(data).hexdigest()
    assert response.json()["image"]["sha256"] == sha256
    assert not (tmp_path / "uploads" / sha256[:2] / sha256).exists()
    query = {"sha256": sha256, "frame": "auto"}
    (entry,) = [e for e in lines(tmp_path / "requests.jsonl") if e["query"] == query]
    assert entry["status"] == 200
    assert "GATEWAY_MIN_FREE_BYTES" in entry["not_kept"]["upload"]


@pytest.mark.slow
async def test_the_gateway_answers_when_its_request_log_cannot_be_written(
    stack: Stack, tmp_path: Path
) -> None:
    (tmp_path / "requests.jsonl").symlink_to("/dev/full")
    async with in_process_gateway(stack.settings(data_dir=tmp_path)) as client:
        response = await client.post(
            "/api/file", files={"file": ("g.png", galaxy_image_bytes("PNG", seed=315))}
        )
    assert response.status_code == 200, response.text
