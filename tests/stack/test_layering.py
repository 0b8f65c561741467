"""TensorFlow belongs to inference/ and training/ alone: the light services start without it."""

import ast
import subprocess
import sys

import pytest

from devstack.processes import REPO_ROOT


@pytest.mark.parametrize("service", ["gateway", "catalog", "preprocessor"])
def test_light_service_app_does_not_import_tensorflow(service: str) -> None:
    probe = (
        "import sys\n"
        f"from {service}.app import create_app\n"
        "create_app()\n"
        "heavy = {'tensorflow', 'keras', 'galsim'}\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{service} imports {result.stdout.strip()}"


def test_no_tensorflow_import_outside_inference_and_training() -> None:
    offenders = []
    for package in ("servicekit", "gateway", "catalog", "preprocessor"):
        for path in (REPO_ROOT / package).rglob("*.py"):
            text = path.read_text()
            heavy = ("import tensorflow", "from tensorflow", "import keras", "from keras")
            if any(line.lstrip().startswith(heavy) for line in text.splitlines()):
                offenders.append(str(path.relative_to(REPO_ROOT)))
    assert offenders == []


# Every import points down this list (a package may import its own modules and any package of a
# lower rank, never one of its own rank or above): the services share only servicekit; the
# incline command is a client of the gateway; training
# builds on inference and the preprocessor; the stand-ins on inference's protocol; devstack runs
# all of them; the benchmarks measure with devstack. Imports inside functions count too.
LAYERS: dict[str, int] = {
    "servicekit": 0,
    "gateway": 1,
    "catalog": 1,
    "preprocessor": 1,
    "inference": 1,
    "training": 2,
    "standins": 2,
    "incline": 2,
    "devstack": 3,
    "bench": 4,
}


def imported_packages(package: str) -> dict[str, set[str]]:
    """Each first-party package ``package`` imports, with the files that import it."""
    found: dict[str, set[str]] = {}
    for path in (REPO_ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in LAYERS and top != package:
                    found.setdefault(top, set()).add(str(path.relative_to(REPO_ROOT)))
    return found


def test_every_first_party_package_has_a_layer() -> None:
    packages = {
        p.name
        for p in REPO_ROOT.iterdir()
        if (p / "__init__.py").is_file() and p.name != "tests"
    }
    assert packages == set(LAYERS)


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_imports_point_down_only(package: str) -> None:
    upward = {
        target: sorted(files)
        for target, files in imported_packages(package).items()
        if LAYERS[target] >= LAYERS[package]
    }
    assert upward == {}, f"{package} imports a package at or above its layer"
