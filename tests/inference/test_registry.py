"""The registry reads models.config and the manifests; no TensorFlow needed."""

import subprocess
import sys
from pathlib import Path

import pytest

from devstack.processes import REPO_ROOT
from inference.manifest import InputSpec, Manifest, OutputSpec, TrainingInfo, write_manifest
from inference.registry import RegistryError, load_registry


def manifest(name: str, version: int = 1, **changes: object) -> Manifest:
    base = Manifest(
        name=name,
        version=version,
        architecture="tiny",
        color_modes=["rgb"],
        input=InputSpec(),
        output=OutputSpec(),
        training=TrainingInfo(data="synthetic"),
    )
    return base.model_copy(update=changes)


def add_flavor(models_dir: Path, m: Manifest, versions: tuple[int, ...] | None = None) -> None:
    flavor_dir = models_dir / m.name
    for version in versions or (m.version,):
        (flavor_dir / str(version)).mkdir(parents=True)
        (flavor_dir / str(version) / "saved_model.pb").write_bytes(b"\x08\x01")
    write_manifest(flavor_dir, m)


def write_config(models_dir: Path, *names: str, extra: str = "") -> None:
    configs = "".join(
        f'  config {{\n    name: "{n}"\n    base_path: "/models/{n}"\n'
        f'    model_platform: "tensorflow"\n{extra}  }}\n'
        for n in names
    )
    (models_dir / "models.config").write_text("model_config_list {\n" + configs + "}\n")


def test_flavors_versions_and_manifests_come_from_the_repository(tmp_path: Path) -> None:
    add_flavor(tmp_path, manifest("alpha"))
    add_flavor(tmp_path, manifest("beta", version=3), versions=(1, 3, 2))
    write_config(tmp_path, "alpha", "beta")

    registry = load_registry(tmp_path)

    assert registry.names == ["alpha", "beta"]
    beta = registry.get("beta")
    assert beta.version == 3
    assert beta.path == tmp_path / "beta" / "3"
    assert beta.manifest.name == "beta"
    assert registry.broken == ()
    assert len(registry.model_set_version) == 12


def test_the_registry_does_not_import_tensorflow(tmp_path: Path) -> None:
    """In a fresh interpreter: this test session imports TensorFlow elsewhere."""
    add_flavor(tmp_path, manifest("alpha"))
    write_config(tmp_path, "alpha")
    code = (
        "import sys; from inference.registry import load_registry; "
        f"assert load_registry({str(tmp_path)!r}).names == ['alpha']; "
        "print('tensorflow' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    assert result.stdout.strip() == "False"


def test_model_set_version_changes_with_any_manifest(tmp_path: Path) -> None:
    add_flavor(tmp_path, manifest("alpha"))
    add_flavor(tmp_path, manifest("beta"))
    write_config(tmp_path, "alpha", "beta")
    before = load_registry(tmp_path).model_set_version
    assert load_registry(tmp_path).model_set_version == before

    write_manifest(tmp_path / "beta", manifest("beta", alarm_threshold_deg=12.5))
    after = load_registry(tmp_path).model_set_version

    assert after != before


def test_model_set_version_changes_with_the_version_served(tmp_path: Path) -> None:
    add_flavor(tmp_path, manifest("alpha"))
    write_config(tmp_path, "alpha")
    before = load_registry(tmp_path).model_set_version
    (tmp_path / "alpha" / "2").mkdir()
    (tmp_path / "alpha" / "2" / "saved_model.pb").write_bytes(b"\x08\x01")
    write_manifest(tmp_path / "alpha", manifest("alpha", version=2))
    assert load_registry(tmp_path).model_set_version != before


def test_a_specific_version_policy_is_honoured(tmp_path: Path) -> None:
    add_flavor(tmp_path, manifest("alpha", version=2), versions=(1, 2, 3))
    policy = "    model_version_policy { specific { versions: 1 versions: 2 } }\n"
    write_config(tmp_path, "alpha", extra=policy)
    assert load_registry(tmp_path).get("alpha").version == 2


def test_unusable_flavors_are_kept_with_the_reason(tmp_path: Path) -> None:
    add_flavor(tmp_path, manifest("good"))
    add_flavor(tmp_path, manifest("stale", version=1), versions=(1, 2))
    (tmp_path / "empty").mkdir()
    write_manifest(tmp_path / "empty", manifest("empty"))
    (tmp_path / "nomanifest" / "1").mkdir(parents=True)
    (tmp_path / "nomanifest" / "1" / "saved_model.pb").write_bytes(b"")
    add_flavor(tmp_path, manifest("badjson"))
    (tmp_path / "badjson" / "manifest.json").write_text('{"name": "badjson"}')
    write_config(tmp_path, "good", "stale", "empty", "nomanifest", "badjson")

    registry = load_registry(tmp_path)

    assert registry.names == ["good"]
    reasons = {b.name: b.reason for b in registry.broken}
    assert set(reasons) == {"stale", "empty", "nomanifest", "badjson"}
    assert "version 1" in reasons["stale"] and "version 2" in reasons["stale"]
    assert "no SavedModel" in reasons["empty"]
    assert "no manifest.json" in reasons["nomanifest"]
    assert "invalid" in reasons["badjson"]


def test_no_config_means_no_flavors(tmp_path: Path) -> None:
    registry = load_registry(tmp_path)
    assert registry.flavors == ()
    assert registry.broken == ()


def test_a_malformed_config_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "models.config").write_text("model_config_list { config { nme: 'x' } }")
    with pytest.raises(RegistryError, match="not a valid model_config_list"):
        load_registry(tmp_path)


def test_a_flavor_named_twice_is_an_error(tmp_path: Path) -> None:
    add_flavor(tmp_path, manifest("alpha"))
    write_config(tmp_path, "alpha", "alpha")
    with pytest.raises(RegistryError, match="twice"):
        load_registry(tmp_path)
