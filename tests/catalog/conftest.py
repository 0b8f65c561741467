"""Shared fixtures: the stand-in SkyServer and the other surveys' stand-ins in threads, and the
catalog service as a real process."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from catalog import index, openngc
from catalog.index import Catalog
from devstack.processes import ServiceProcess, service_process
from standins.cutouts import LEGACY_PATH, StandinCutouts
from standins.skyserver import GETJPEG_SUFFIX, StandinSkyServer
from tests.catalog.factories import write_user_table

SKYSERVER_TIMEOUT_S = 3.0  # as the survey one: a cold first request under load can take over 1 s
SURVEY_TIMEOUT_S = 3.0  # a loaded 2-core machine can take over 1 s to answer from the stand-in


def warm_up(url: str) -> None:
    """One cutout before the timed tests: on a fresh machine the first one drawn and encoded has
    outlasted the service's time-out."""
    httpx.get(url, timeout=30.0).raise_for_status()


@pytest.fixture(scope="session")
def openngc_load() -> openngc.OpenNGCLoad:
    return openngc.load()


@pytest.fixture(scope="session")
def embedded(openngc_load: openngc.OpenNGCLoad) -> Catalog:
    """OpenNGC alone, built once for the session (read-only)."""
    return index.build(openngc_load)


@pytest.fixture(scope="session")
def skyserver() -> Iterator[StandinSkyServer]:
    with StandinSkyServer() as server:
        warm_up(f"{server.url}/dr18{GETJPEG_SUFFIX}?ra=180&dec=0&width=256&height=256")
        yield server


@pytest.fixture
def sky(skyserver: StandinSkyServer) -> StandinSkyServer:
    """The session's stand-in, answering normally at the start of each test."""
    skyserver.set(mode="ok", fail_next=0, delay_s=5.0)
    return skyserver


@pytest.fixture(scope="session")
def survey_standins() -> Iterator[StandinCutouts]:
    with StandinCutouts() as server:
        warm_up(f"{server.legacy_url}{LEGACY_PATH}?ra=180&dec=0&layer=ls-dr10&size=256")
        yield server


@pytest.fixture
def surveys(survey_standins: StandinCutouts) -> StandinCutouts:
    """Legacy Surveys and hips2fits stand-ins, answering normally at the start of each test."""
    survey_standins.reset()
    return survey_standins


@dataclass
class CatalogService:
    process: ServiceProcess
    data_dir: Path
    client: httpx.Client

    @property
    def url(self) -> str:
        return self.process.url


@pytest.fixture(scope="session")
def service(
    skyserver: StandinSkyServer,
    survey_standins: StandinCutouts,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[CatalogService]:
    """``python -m catalog`` on loopback: user table, stand-in surveys, short time-outs; online
    lookups off (the default)."""
    root = tmp_path_factory.mktemp("catalog-service")
    env = {
        "CATALOG_DATA_DIR": str(root / "data"),
        "CATALOG_USER_TABLE": str(write_user_table(root)),
        "CATALOG_SKYSERVER_URL": skyserver.url,
        "CATALOG_SKYSERVER_TIMEOUT_S": str(SKYSERVER_TIMEOUT_S),
        "CATALOG_SKYSERVER_RETRY_BACKOFF_S": "0.05",
        **survey_standins.environment(),
        "CATALOG_SURVEY_TIMEOUT_S": str(SURVEY_TIMEOUT_S),
        "CATALOG_SURVEY_RETRY_BACKOFF_S": "0.05",
    }
    with (
        service_process("catalog", env, root) as process,
        httpx.Client(base_url=process.url, timeout=10.0) as client,
    ):
        yield CatalogService(process, root / "data", client)
