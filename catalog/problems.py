"""The catalog's domain failures; servicekit maps each to its problem+json answer."""

from typing import Any

from servicekit.problems import (
    NotFound,
    Problem,
    Unprocessable,
    UpstreamTimeout,
    UpstreamUnavailable,
)


class GalaxyNotFound(NotFound):
    slug = "galaxy-not-found"

    def __init__(self, detail: str, *, suggestions: list[str] | None = None, **extra: Any) -> None:
        super().__init__(detail, title="Galaxy not found", suggestions=suggestions or [], **extra)


class InvalidGalaxyQuery(Unprocessable):
    slug = "invalid-galaxy-query"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, title="Invalid galaxy query", **extra)


class OutsideFootprint(NotFound):
    slug = "outside-survey-footprint"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail, title="Outside the survey footprint", **extra)


class SkyServerDown(UpstreamUnavailable):
    slug = "skyserver-unavailable"


class SkyServerSlow(UpstreamTimeout):
    slug = "skyserver-timeout"


class SkyServerBadAnswer(Problem):
    status, slug = 502, "skyserver-bad-answer"


class ResolverUnavailable(UpstreamUnavailable):
    slug = "name-resolver-unavailable"


class ResolverSlow(UpstreamTimeout):
    slug = "name-resolver-timeout"


class OnlineCatalogDown(UpstreamUnavailable):
    """HyperLEDA (VizieR) could not be asked: down, refused, or the circuit breaker is open."""

    slug = "online-catalog-unavailable"


class OnlineCatalogSlow(UpstreamTimeout):
    slug = "online-catalog-timeout"


class OnlineCatalogBadAnswer(Problem):
    status, slug = 502, "online-catalog-bad-answer"


class SurveyDown(UpstreamUnavailable):
    slug = "survey-unavailable"


class SurveySlow(UpstreamTimeout):
    slug = "survey-timeout"


class SurveyBadAnswer(Problem):
    status, slug = 502, "survey-bad-answer"
