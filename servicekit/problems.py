"""RFC 9457 problem details: domain exceptions and the one place that maps them to responses."""

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from servicekit.logging import get_logger

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://incline.invalid/problems/"

log = get_logger("servicekit.problems")


class Problem(Exception):
    """A failure a client can understand. Subclasses fix the status and the type slug."""

    status: int = 500
    slug: str = "internal-error"

    def __init__(self, detail: str, *, title: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.title = title or HTTPStatus(self.status).phrase
        self.extra = extra

    def to_dict(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class BadRequest(Problem):
    status, slug = 400, "bad-request"


class NotFound(Problem):
    status, slug = 404, "not-found"


class PayloadTooLarge(Problem):
    status, slug = 413, "payload-too-large"


class UnsupportedMediaType(Problem):
    status, slug = 415, "unsupported-media-type"


class Unprocessable(Problem):
    status, slug = 422, "unprocessable"


class UpstreamUnavailable(Problem):
    status, slug = 503, "upstream-unavailable"


class UpstreamTimeout(Problem):
    status, slug = 504, "upstream-timeout"


class UpstreamProblem(Problem):
    """A problem+json answer from another service, passed on with its own status."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        detail = str(body.get("detail") or body.get("title") or "upstream error")
        super().__init__(detail, title=str(body.get("title") or HTTPStatus(status).phrase))
        self.status = status
        self.slug = str(body.get("type", "")).removeprefix(PROBLEM_TYPE_BASE) or "upstream"
        standard = {"type", "title", "status", "detail"}
        self.extra = {k: v for k, v in body.items() if k not in standard}


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = str(request.url.path) if request is not None else None
    headers = {"Retry-After": "5"} if problem.status == 503 else None
    return JSONResponse(
        problem.to_dict(instance),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _http_exception_problem(exc: StarletteHTTPException) -> Problem:
    status = exc.status_code
    problem = Problem(str(exc.detail), title=HTTPStatus(status).phrase)
    problem.status = status
    problem.slug = HTTPStatus(status).phrase.lower().replace(" ", "-").replace("'", "")
    return problem


def install_problem_handlers(app: FastAPI) -> None:
    """Every error path of the app answers in problem+json."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def on_http_exception(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        response = problem_response(_http_exception_problem(exc), request)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {
                "location": ".".join(str(p) for p in err.get("loc", ())),
                "message": str(err.get("msg", "")),
            }
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors) or "invalid request"
        problem = Unprocessable(detail, title="Invalid request", errors=errors)
        problem.slug = "validation-error"
        return problem_response(problem, request)

    async def on_unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        problem = Problem("The service hit an unexpected error; it has been logged.")
        return problem_response(problem, request)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, on_unhandled)
