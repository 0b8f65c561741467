from pathlib import Path

import pytest

from inference.manifest import Manifest
from training.quick import make_tiny_repository


@pytest.fixture(scope="session")
def tiny_repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Manifest]]:
    models_dir = tmp_path_factory.mktemp("models")
    return models_dir, make_tiny_repository(models_dir)
