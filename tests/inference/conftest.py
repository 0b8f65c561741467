"""Fixtures for the inference tests: a tiny real model repository (trained once per session),
repositories derived from it, synthetic galaxies, and the app over real HTTP semantics."""

import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import numpy as np
import numpy.typing as npt
import pytest

from inference.manifest import Manifest, load_manifest, write_manifest
from inference.settings import InferenceSettings
from servicekit import npy

BASE_FLAVORS = ("tiny-a", "tiny-b", "tiny-c")
Transform = Callable[[Manifest], Manifest]


@pytest.fixture(scope="session")
def tiny_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three tiny real CNNs in TF Serving layout with manifests and models.config."""
    from training.quick import make_tiny_repository

    models_dir = tmp_path_factory.mktemp("tiny-models")
    make_tiny_repository(models_dir, flavors=BASE_FLAVORS, color_mode="rgb", seed=0)
    return models_dir


def derive_repository(
    dest: Path, source: Path, flavors: dict[str, tuple[str, Transform | None]]
) -> Path:
    """A repository at ``dest`` whose flavors are copies of ``source`` flavors, renamed and with
    their manifest transformed; models.config written the way training/ writes it."""
    from training.export import write_models_config

    dest.mkdir(parents=True, exist_ok=True)
    for name, (origin, transform) in flavors.items():
        shutil.copytree(source / origin, dest / name)
        manifest = load_manifest(dest / name).model_copy(update={"name": name})
        if transform is not None:
            manifest = transform(manifest)
        write_manifest(dest / name, manifest)
    write_models_config(dest)
    return dest


def with_output(**changes: float) -> Transform:
    def transform(manifest: Manifest) -> Manifest:
        output = manifest.output.model_copy(update=changes)
        return manifest.model_copy(update={"output": output})

    return transform


def with_input_key(key: str) -> Transform:
    def transform(manifest: Manifest) -> Manifest:
        return manifest.model_copy(update={"input": manifest.input.model_copy(update={"key": key})})

    return transform


@pytest.fixture
def derive(tmp_path: Path, tiny_repo: Path) -> Callable[..., Path]:
    counter = iter(range(1000))

    def make(**flavors: tuple[str, Transform | None]) -> Path:
        renamed = {name.replace("_", "-"): spec for name, spec in flavors.items()}
        return derive_repository(tmp_path / f"repo-{next(counter)}", tiny_repo, renamed)

    return make


def rot4(images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """(N, H, W, C) → (4N, H, W, C): the four 90° rotations of each image, consecutively."""
    return np.stack([np.rot90(img, k, axes=(0, 1)) for img in images for k in range(4)]).astype(
        np.float32
    )


@pytest.fixture(scope="session")
def galaxies() -> npt.NDArray[np.float32]:
    """Six deterministic synthetic galaxies (inclined exponential disks), (6, 128, 128, 3)."""
    from training.ellipses import ellipse_set

    images, _ = ellipse_set(6, seed=11, mode="rgb")
    return images.astype(np.float32)


def settings_for(models_dir: Path, data_dir: Path, **overrides: object) -> InferenceSettings:
    return InferenceSettings(models_dir=models_dir, data_dir=data_dir, **overrides)  # type: ignore[arg-type]


@asynccontextmanager
async def app_client(settings: InferenceSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run, behind httpx's ASGI transport."""
    from inference.app import create_app

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://inference", timeout=30.0
        ) as client:
            yield client


async def post_npy(
    client: httpx.AsyncClient, array: npt.NDArray[np.generic], **params: object
) -> httpx.Response:
    return await client.post(
        "/predict",
        content=npy.encode(array),
        params={k: str(v) for k, v in params.items()},
        headers={"content-type": npy.NPY_MEDIA_TYPE},
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data"
    path.mkdir()
    yield path


@asynccontextmanager
async def standin(models_dir: Path, **faults: frozenset[str]) -> AsyncIterator[str]:
    """The TF Serving stand-in on a free loopback port of this event loop; yields its address."""
    from standins.tfserving import Faults, ModelServer, start_server

    server = ModelServer.load(models_dir)
    grpc_server, port = await start_server(server, Faults(**faults))
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await grpc_server.stop(grace=None)
        server.close()
