"""Pooled HTTP clients between services: request id forwarded, timeouts always set, and
transport failures turned into the problems the architecture names (503 down, 504 slow)."""

from typing import Any

import httpx

from servicekit.logging import REQUEST_ID_HEADER, request_id_var
from servicekit.problems import (
    PROBLEM_MEDIA_TYPE,
    UpstreamProblem,
    UpstreamTimeout,
    UpstreamUnavailable,
)


async def _forward_request_id(request: httpx.Request) -> None:
    request_id = request_id_var.get()
    if request_id and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


def pooled_client(
    base_url: str,
    *,
    timeout_s: float,
    connect_timeout_s: float = 2.0,
    max_connections: int = 64,
) -> httpx.AsyncClient:
    """One long-lived client per upstream, opened in the lifespan and closed there."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=32),
        event_hooks={"request": [_forward_request_id]},
    )


async def call_upstream(
    client: httpx.AsyncClient, name: str, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """Send one request; 2xx comes back, anything else raises a Problem a client can act on.

    A 4xx problem+json from the upstream is passed on as it is (it already speaks to the user);
    a 5xx, a refused connection or a time-out becomes 503 or 504 naming the upstream.
    """
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise UpstreamTimeout(f"the {name} service did not answer in time") from exc
    except httpx.TransportError as exc:
        raise UpstreamUnavailable(f"the {name} service cannot be reached") from exc
    if response.is_success:
        return response
    body: dict[str, Any] = {}
    content_type = response.headers.get("content-type", "")
    if content_type.startswith((PROBLEM_MEDIA_TYPE, "application/json")):
        try:
            parsed = response.json()
            body = parsed if isinstance(parsed, dict) else {}
        except ValueError:
            body = {}
    if 400 <= response.status_code < 500:
        body.setdefault("detail", f"the {name} service refused the request")
        raise UpstreamProblem(response.status_code, body)
    if response.status_code == 504:
        raise UpstreamTimeout(str(body.get("detail") or f"the {name} service timed out upstream"))
    detail = body.get("detail") or f"HTTP {response.status_code}"
    raise UpstreamUnavailable(f"the {name} service failed: {detail}")
