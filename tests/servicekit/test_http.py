import asyncio
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devstack.processes import free_port
from servicekit.http import call_upstream, pooled_client
from servicekit.logging import REQUEST_ID_HEADER, request_id_var
from servicekit.problems import UpstreamProblem, UpstreamTimeout, UpstreamUnavailable
from tests.support.threaded_server import serve_in_thread


async def echo_request_id(request: Request) -> Response:
    return JSONResponse({"request_id": request.headers.get(REQUEST_ID_HEADER)})


async def not_found(_: Request) -> Response:
    body = {"type": "x", "title": "Not Found", "status": 404, "detail": "no galaxy PGC 1"}
    return JSONResponse(body, status_code=404, media_type="application/problem+json")


async def broken(_: Request) -> Response:
    return Response("kaput", status_code=500)


async def slow(_: Request) -> Response:
    await asyncio.sleep(2)
    return Response("late")


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    app = Starlette(
        routes=[
            Route("/echo", echo_request_id),
            Route("/missing", not_found),
            Route("/broken", broken),
            Route("/slow", slow),
        ]
    )
    with serve_in_thread(app) as url:
        yield url


async def test_request_id_of_the_current_request_is_forwarded(upstream: str) -> None:
    token = request_id_var.set("req-42")
    try:
        async with pooled_client(upstream, timeout_s=5) as client:
            response = await call_upstream(client, "demo", "GET", "/echo")
    finally:
        request_id_var.reset(token)
    assert response.json() == {"request_id": "req-42"}


async def test_upstream_problem_is_passed_on_with_its_status(upstream: str) -> None:
    async with pooled_client(upstream, timeout_s=5) as client:
        with pytest.raises(UpstreamProblem) as caught:
            await call_upstream(client, "catalog", "GET", "/missing")
    assert caught.value.status == 404
    assert caught.value.detail == "no galaxy PGC 1"


async def test_upstream_5xx_is_unavailable(upstream: str) -> None:
    async with pooled_client(upstream, timeout_s=5) as client:
        with pytest.raises(UpstreamUnavailable, match="catalog"):
            await call_upstream(client, "catalog", "GET", "/broken")


async def test_slow_upstream_is_a_timeout_not_a_hang(upstream: str) -> None:
    async with pooled_client(upstream, timeout_s=0.2) as client:
        with pytest.raises(UpstreamTimeout, match="inference"):
            await call_upstream(client, "inference", "GET", "/slow")


async def test_refused_connection_is_unavailable() -> None:
    async with pooled_client(f"http://127.0.0.1:{free_port()}", timeout_s=1) as client:
        with pytest.raises(UpstreamUnavailable, match="preprocessor"):
            await call_upstream(client, "preprocessor", "GET", "/")
