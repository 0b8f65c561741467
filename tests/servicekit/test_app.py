import json
import logging
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from servicekit.app import CheckStatus
from servicekit.logging import REQUEST_ID_HEADER
from servicekit.problems import PROBLEM_MEDIA_TYPE
from tests.servicekit.apps import build_demo_app


async def client_for(status: CheckStatus = "ok") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=build_demo_app(status), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://demo")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for() as c:
        yield c


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return dict(body)


async def test_health_is_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.json() == {"status": "ok", "service": "demo"}


@pytest.mark.parametrize(
    ("status", "code"), [("ok", 200), ("degraded", 200), ("down", 503)]
)
async def test_readiness_reflects_the_worst_check(status: CheckStatus, code: int) -> None:
    async with await client_for(status) as c:
        response = await c.get("/readyz")
    assert response.status_code == code
    body = response.json()
    assert body["status"] == status
    assert body["checks"]["dependency"]["status"] == status


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/no/such/route"), 404)
    assert body["instance"] == "/no/such/route"


async def test_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.delete("/healthz"), 405)


async def test_validation_errors_are_a_422_problem_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    body = assert_problem(await client.get("/items/abc?limit=1000"), 422)
    locations = {e["location"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert locations == {"path.item_id", "query.limit"}


async def test_domain_problem_keeps_its_status_and_extras(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/items/404"), 404)
    assert body["detail"] == "item 404 does not exist"
    assert body["suggestions"] == ["item 403"]


async def test_unexpected_error_is_a_500_problem_without_internals(
    client: httpx.AsyncClient,
) -> None:
    body = assert_problem(await client.get("/items/500"), 500)
    assert "boom" not in json.dumps(body)


async def test_request_id_is_kept_when_valid_and_replaced_when_not(
    client: httpx.AsyncClient,
) -> None:
    kept = await client.get("/healthz", headers={REQUEST_ID_HEADER: "abc-123"})
    assert kept.headers[REQUEST_ID_HEADER] == "abc-123"
    replaced = await client.get("/healthz", headers={REQUEST_ID_HEADER: "bad id\nwith newline"})
    assert replaced.headers[REQUEST_ID_HEADER] != "bad id\nwith newline"
    assert len(replaced.headers[REQUEST_ID_HEADER]) == 32


async def test_metrics_are_documented_as_the_text_they_are(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    content = document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/plain"]
    served = await client.get("/metrics")
    assert served.headers["content-type"].startswith("text/plain")


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/items/7")
    text = (await client.get("/metrics")).text
    expected = (
        'incline_http_requests_total{method="GET",route="/items/{item_id}",'
        'service="demo",status="200"}'
    )
    assert expected in text


async def test_access_log_is_json_with_request_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    from servicekit.logging import JsonLinesFormatter

    with caplog.at_level(logging.INFO, logger="servicekit.access"):
        await client.get("/items/3", headers={REQUEST_ID_HEADER: "trace-me"})
    records = [r for r in caplog.records if r.name == "servicekit.access"]
    assert records, "no access log record"
    line = json.loads(JsonLinesFormatter("demo").format(records[-1]))
    assert line["route"] == "/items/{item_id}"
    assert line["status"] == 200
    assert line["service"] == "demo"


async def test_probes_are_logged_at_debug_level_only(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="servicekit.access"):
        for path in ("/healthz", "/readyz", "/metrics", "/items/3"):
            await client.get(path)
    levels = {
        r.__dict__["route"]: r.levelno for r in caplog.records if r.name == "servicekit.access"
    }
    assert levels == {
        "/healthz": logging.DEBUG,
        "/readyz": logging.DEBUG,
        "/metrics": logging.DEBUG,
        "/items/{item_id}": logging.INFO,
    }


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_docs_pages_load_their_assets_from_the_service(
    client: httpx.AsyncClient, page: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert assets, "the docs page links no assets"
    assert not [a for a in assets if "//" in a], "the docs page loads something from elsewhere"
    for asset in assets:
        fetched = await client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 0
