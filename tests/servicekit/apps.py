"""A small real app built by the service factory, used to test the cross-cutting behaviour."""

from fastapi import FastAPI, Query

from servicekit.app import CheckStatus, create_service_app
from servicekit.problems import NotFound
from servicekit.settings import ServiceSettings


def build_demo_app(dependency_status: CheckStatus = "ok") -> FastAPI:
    async def dependency(_: FastAPI) -> tuple[CheckStatus, str]:
        return dependency_status, f"dependency is {dependency_status}"

    app = create_service_app(
        service="demo",
        title="demo",
        description="servicekit test app",
        version="0",
        settings=ServiceSettings(),
        readiness={"dependency": dependency},
    )

    @app.get("/items/{item_id}")
    async def get_item(item_id: int, limit: int = Query(10, ge=1, le=100)) -> dict[str, int]:
        if item_id == 404:
            raise NotFound("item 404 does not exist", suggestions=["item 403"])
        if item_id == 500:
            raise RuntimeError("boom")
        return {"item_id": item_id, "limit": limit}

    return app
