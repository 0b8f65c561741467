"""The model registry: which flavors exist, at which version, and what their manifests say.

Read from ``models/models.config`` (TF Serving's ``model_config_list`` text proto) and each
``models/<flavor>/manifest.json``. The version served is the latest numeric version folder (or
the latest of the ``specific`` versions the config names). A flavor whose folder, version or
manifest is unusable is kept with the reason, so ``/models`` can show it as unavailable.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from google.protobuf import text_format
from pydantic import ValidationError
from tensorflow_serving.config import model_server_config_pb2

from inference.calibration import Calibration, CalibrationError, load_calibration
from inference.manifest import MANIFEST_FILE, ColorMode, Manifest, load_manifest

CONFIG_FILE = "models.config"


class RegistryError(Exception):
    """The model repository as a whole cannot be read (e.g. models.config is malformed)."""


@dataclass(frozen=True)
class ConfigEntry:
    """One ``config { … }`` of models.config, resolved to a folder of this machine."""

    name: str
    directory: Path
    versions: tuple[int, ...] = ()  # the 'specific' version policy, if any


@dataclass(frozen=True)
class Flavor:
    name: str
    version: int
    path: Path  # the version folder holding saved_model.pb
    manifest: Manifest

    def accepts(self, mode: ColorMode) -> bool:
        return mode in self.manifest.color_modes


@dataclass(frozen=True)
class BrokenFlavor:
    """A flavor named in models.config that cannot be served; ``reason`` says why."""

    name: str
    reason: str
    manifest: Manifest | None = None
    version: int | None = None


@dataclass(frozen=True)
class Registry:
    models_dir: Path
    flavors: tuple[Flavor, ...]
    broken: tuple[BrokenFlavor, ...] = ()
    model_set_version: str = field(default="")
    calibration: Calibration | None = None

    def get(self, name: str) -> Flavor:
        for flavor in self.flavors:
            if flavor.name == name:
                return flavor
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.flavors]


def read_models_config(models_dir: Path) -> list[ConfigEntry]:
    """The flavors models.config names. A base_path is resolved inside ``models_dir`` by its last
    component (compose mounts the same folder at /models), or used as is when relative."""
    path = Path(models_dir) / CONFIG_FILE
    if not path.is_file():
        return []
    config = model_server_config_pb2.ModelServerConfig()
    try:
        text_format.Parse(path.read_text(), config)
    except text_format.ParseError as exc:
        raise RegistryError(f"{path} is not a valid model_config_list: {exc}") from exc
    if config.WhichOneof("config") == "custom_model_config":
        raise RegistryError(f"{path} holds a custom_model_config; expected model_config_list")
    entries: list[ConfigEntry] = []
    for item in config.model_config_list.config:
        base = PurePosixPath(item.base_path or item.name)
        directory = Path(models_dir) / (base.name if base.is_absolute() else str(base))
        policy = item.model_version_policy
        versions = (
            tuple(sorted(policy.specific.versions))
            if policy.WhichOneof("policy_choice") == "specific"
            else ()
        )
        entries.append(ConfigEntry(item.name, directory, versions))
    return entries


def version_dirs(directory: Path) -> dict[int, Path]:
    """Numeric version folders of a flavor that hold a SavedModel."""
    if not directory.is_dir():
        return {}
    return {
        int(child.name): child
        for child in directory.iterdir()
        if child.is_dir() and child.name.isdigit() and (child / "saved_model.pb").is_file()
    }


def served_version(entry: ConfigEntry) -> tuple[int, Path]:
    """The version TF Serving would serve: the latest present (of the specific ones, if named)."""
    present = version_dirs(entry.directory)
    candidates = [v for v in present if not entry.versions or v in entry.versions]
    if not candidates:
        wanted = f" (config asks for {list(entry.versions)})" if entry.versions else ""
        raise LookupError(f"no SavedModel version folder in {entry.directory}{wanted}")
    version = max(candidates)
    return version, present[version]


def _load_flavor(entry: ConfigEntry) -> Flavor | BrokenFlavor:
    manifest: Manifest | None = None
    try:
        manifest = load_manifest(entry.directory)
    except FileNotFoundError:
        return BrokenFlavor(entry.name, f"no {MANIFEST_FILE} in {entry.directory}")
    except (ValidationError, ValueError) as exc:
        return BrokenFlavor(entry.name, f"{MANIFEST_FILE} is invalid: {exc}")
    try:
        version, path = served_version(entry)
    except LookupError as exc:
        return BrokenFlavor(entry.name, str(exc), manifest)
    if manifest.name != entry.name:
        reason = f"manifest names {manifest.name!r} but models.config names {entry.name!r}"
        return BrokenFlavor(entry.name, reason, manifest, version)
    if manifest.version != version:
        reason = f"manifest describes version {manifest.version} but version {version} is served"
        return BrokenFlavor(entry.name, reason, manifest, version)
    return Flavor(entry.name, version, path, manifest)


def model_set_version(flavors: tuple[Flavor, ...], calibration: Calibration | None = None) -> str:
    """A short hash over every flavor's name, version and manifest, and the calibration."""
    digest = hashlib.sha256()
    for flavor in sorted(flavors, key=lambda f: f.name):
        record = [flavor.name, flavor.version, flavor.manifest.model_dump(mode="json")]
        digest.update(json.dumps(record, sort_keys=True).encode())
    if calibration is not None:
        digest.update(json.dumps(calibration.model_dump(mode="json"), sort_keys=True).encode())
    return digest.hexdigest()[:12]


def load_registry(models_dir: Path) -> Registry:
    flavors: list[Flavor] = []
    broken: list[BrokenFlavor] = []
    seen: set[str] = set()
    for entry in read_models_config(models_dir):
        if entry.name in seen:
            raise RegistryError(f"models.config names {entry.name!r} twice")
        seen.add(entry.name)
        loaded = _load_flavor(entry)
        if isinstance(loaded, Flavor):
            flavors.append(loaded)
        else:
            broken.append(loaded)
    usable = tuple(flavors)
    try:
        calibration = load_calibration(models_dir)
    except CalibrationError as exc:
        raise RegistryError(str(exc)) from exc
    return Registry(
        Path(models_dir), usable, tuple(broken), model_set_version(usable, calibration), calibration
    )
