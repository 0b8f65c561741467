"""The Python a user already has: 3.11 to 3.13 are admitted, and the bootstrap says in one line
which to install when it finds none of them."""

import os
import subprocess
import tomllib

from packaging.specifiers import SpecifierSet

from devstack.processes import REPO_ROOT


def test_requires_python_admits_3_11_to_3_13() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    supported = SpecifierSet(project["requires-python"])
    assert all(version in supported for version in ("3.11.7", "3.12.3", "3.13.5"))
    assert "3.10.12" not in supported


def test_bootstrap_without_a_supported_python_says_which_to_install() -> None:
    # `false` stands for an interpreter that is not 3.11-3.13: the version check fails on it.
    result = subprocess.run(
        [str(REPO_ROOT / "scripts" / "bootstrap-venv")],
        env={**os.environ, "PYTHON": "false"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "Python 3.11, 3.12 or 3.13" in result.stderr


def test_console_script_is_declared() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["incline"] == "incline.cli:main"
