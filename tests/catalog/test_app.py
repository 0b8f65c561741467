"""Start-up, readiness and the OpenAPI document of the catalog app."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from catalog.app import create_app
from catalog.settings import CatalogSettings
from catalog.user_table import UserTableError
from tests.catalog.conftest import CatalogService
from tests.catalog.factories import write_user_table


async def started(settings: CatalogSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://catalog") as client:
            yield client


def test_service_process_is_ready(service: CatalogService) -> None:
    body = service.client.get("/readyz").json()
    assert body["status"] == "ok"
    assert body["checks"]["catalog"]["detail"].startswith("10359 galaxies")
    lines = [line for line in service.process.log_lines() if "catalog loaded" in line]
    assert len(lines) == 1 and '"rejected_rows": 0' in lines[0]


async def test_rejected_user_rows_make_readiness_degraded(tmp_path: Path) -> None:
    table = write_user_table(tmp_path, "pgc,ra,dec\n3000001,10,10\nabc,1,1\n")
    settings = CatalogSettings(data_dir=tmp_path, user_table=table)
    async for client in started(settings):
        response = await client.get("/readyz")
        assert response.status_code == 200
        catalog = response.json()["checks"]["catalog"]
        assert catalog["status"] == "degraded" and "1 user-table rows rejected" in catalog["detail"]
        assert (await client.get("/galaxies/pgc/3000001")).status_code == 200


async def test_a_missing_user_table_stops_the_start(tmp_path: Path) -> None:
    settings = CatalogSettings(data_dir=tmp_path, user_table=tmp_path / "absent.csv")
    with pytest.raises(UserTableError, match=r"absent\.csv"):
        async for _ in started(settings):
            pass


async def test_openapi_documents_the_errors(tmp_path: Path) -> None:
    async for client in started(CatalogSettings(data_dir=tmp_path)):
        paths = (await client.get("/openapi.json")).json()["paths"]
        assert {"404", "422"} <= set(paths["/galaxies/name/{name}"]["get"]["responses"])
        assert {"404", "503", "504"} <= set(paths["/cutouts"]["get"]["responses"])
        assert "image/jpeg" in paths["/cutouts"]["get"]["responses"]["200"]["content"]
