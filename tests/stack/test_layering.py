"""TensorFlow belongs to inference/ and training/ alone: the light services start without it."""

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
