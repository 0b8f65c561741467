"""docker-compose.yml read against the code: no Docker engine runs here, so the file is checked
for what would break `docker compose up` — env names the settings ignore, wrong ports, flavors
without a TF Serving instance, and names of models that are not in models/."""

import json
import re
from typing import Any

import pytest
import yaml

from devstack.processes import REPO_ROOT
from tests.stack.common import MODELS_DIR, SETTINGS, int_default, shipped_flavors, upload_limit


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def tfserving_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: svc
        for name, svc in services(compose).items()
        if str(svc.get("image", "")).startswith("tensorflow/serving")
    }


def models_config_names() -> set[str]:
    text = (MODELS_DIR / "models.config").read_text()
    return set(re.findall(r'name:\s*"([^"]+)"', text))


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_service_env_names_exist_in_its_settings_class(
    compose: dict[str, Any], name: str
) -> None:
    settings_class = SETTINGS[name]
    prefix = str(settings_class.model_config.get("env_prefix", ""))
    fields = {prefix + field.upper() for field in settings_class.model_fields}
    env = environment(services(compose)[name])
    assert env, f"{name} has no environment in compose"
    unknown = {key for key in env if key.startswith(prefix) and key not in fields}
    assert unknown == set(), f"{name}: {settings_class.__name__} has no field for {unknown}"
    foreign = {key for key in env if not key.startswith(prefix)}
    assert foreign == set(), f"{name}: env names outside the {prefix} prefix: {foreign}"


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_service_port_and_health_check_match_the_code(compose: dict[str, Any], name: str) -> None:
    service = services(compose)[name]
    default_port = SETTINGS[name].model_fields["port"].default
    prefix = str(SETTINGS[name].model_config.get("env_prefix", ""))
    port = int(environment(service).get(prefix + "PORT", default_port))
    assert port == default_port
    published = [str(p) for p in [*service.get("ports", []), *service.get("expose", [])]]
    assert any(p.endswith(str(port)) or p.endswith(f"{port}/tcp") for p in published), published
    health = " ".join(service["healthcheck"]["test"])
    assert f":{port}/healthz" in health


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_each_service_builds_the_one_dockerfile_with_its_role(
    compose: dict[str, Any], name: str
) -> None:
    build = services(compose)[name]["build"]
    assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    assert (REPO_ROOT / build.get("context", ".") / "Dockerfile").is_file()
    args = {str(k): str(v) for k, v in build["args"].items()}
    settings_class = SETTINGS[name]
    assert args == {
        "ROLE": name,
        "PORT": str(settings_class.model_fields["port"].default),
        "ENV_PREFIX": str(settings_class.model_config.get("env_prefix", "")),
    }
    assert services(compose)[name]["image"].startswith(f"incline/{name}:")


def test_one_dockerfile_shape_no_per_service_copies() -> None:
    assert sorted(p.relative_to(REPO_ROOT).as_posix() for p in REPO_ROOT.glob("*/Dockerfile")) == []
    text = (REPO_ROOT / "Dockerfile").read_text()
    for arg in ("ROLE", "PORT", "ENV_PREFIX"):
        assert f"ARG {arg}" in text
    assert 'pip install ".[${ROLE}]"' in text
    assert "AS models" in text  # the model repository as an image, for deploy/k8s


def test_gateway_reaches_each_service_by_its_compose_name_and_port(compose: dict[str, Any]) -> None:
    env = environment(services(compose)["gateway"])
    for upstream in ("catalog", "preprocessor", "inference"):
        port = SETTINGS[upstream].model_fields["port"].default
        assert env[f"GATEWAY_{upstream.upper()}_URL"] == f"http://{upstream}:{port}"
    assert env["GATEWAY_REDIS_URL"].startswith("redis://redis:6379")
    assert "redis" in services(compose)


def test_every_shipped_flavor_has_its_tf_serving_instance(compose: dict[str, Any]) -> None:
    flavors = shipped_flavors()
    assert flavors, "no flavor under models/"
    served = {}
    for name, svc in tfserving_services(compose).items():
        env = environment(svc)
        model = env["MODEL_NAME"]
        served[model] = name
        mounts = [str(v) for v in svc.get("volumes", [])]
        assert any(m.startswith(f"./models/{model}:/models/{model}") for m in mounts), mounts
        command = " ".join(svc.get("command", []))
        assert "--port=8500" in command and "--rest_api_port=8501" in command
        assert "--enable_batching=true" in command
        assert "8500" in " ".join(svc["healthcheck"]["test"])
    assert set(served) == flavors


def test_inference_addresses_every_flavor_at_its_instance(compose: dict[str, Any]) -> None:
    env = environment(services(compose)["inference"])
    assert env["INFERENCE_BACKEND"] == "tfserving"
    addresses = json.loads(env["INFERENCE_TFSERVING_ADDRESSES"])
    by_model = {
        environment(svc)["MODEL_NAME"]: name for name, svc in tfserving_services(compose).items()
    }
    assert addresses == {model: f"{name}:8500" for model, name in by_model.items()}
    depends = services(compose)["inference"].get("depends_on", {})
    assert set(by_model.values()) <= set(depends)


def test_models_config_lists_exactly_the_shipped_flavors() -> None:
    assert models_config_names() == shipped_flavors()


def test_batching_parameters_file_exists(compose: dict[str, Any]) -> None:
    for svc in tfserving_services(compose).values():
        for mount in svc.get("volumes", []):
            source = str(mount).split(":", 1)[0]
            assert (REPO_ROOT / source).exists(), source


def test_shipped_flavor_dirs_have_a_numbered_version() -> None:
    for flavor in shipped_flavors():
        versions = [p for p in (MODELS_DIR / flavor).iterdir() if p.name.isdigit()]
        assert versions, flavor
        assert all((v / "saved_model.pb").is_file() for v in versions), flavor


def test_no_path_outside_models_claims_to_be_a_flavor() -> None:
    stray = [
        p.name
        for p in MODELS_DIR.iterdir()
        if p.is_dir() and not (p / "manifest.json").is_file()
    ]
    assert stray == []


def _compose_flavors_script() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "compose_flavors", REPO_ROOT / "scripts" / "compose-flavors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_compose_rewrite_swaps_the_flavors_and_keeps_the_rest() -> None:
    script = _compose_flavors_script()
    text = (REPO_ROOT / "docker-compose.yml").read_text()
    # the file as it is agrees with models/: rewriting it changes nothing
    assert script.updated_compose(text, shipped_flavors(), script.classifiers()) == text

    flavors, classify = ["new-a", "new-b", "reject-z"], {"reject-z"}
    rewritten = yaml.safe_load(script.updated_compose(text, flavors, classify))
    before = yaml.safe_load(text)
    served = tfserving_services(rewritten)
    assert list(served) == ["tfs-new-a", "tfs-new-b", "tfs-reject-z"]
    for name, svc in served.items():
        assert environment(svc)["MODEL_NAME"] == name.removeprefix("tfs-")
        assert f"./models/{name.removeprefix('tfs-')}:/models/{name.removeprefix('tfs-')}:ro" \
            in svc["volumes"]
    inference = services(rewritten)["inference"]
    assert json.loads(environment(inference)["INFERENCE_TFSERVING_ADDRESSES"]) == {
        f: f"tfs-{f}:8500" for f in flavors}
    assert [d for d in inference["depends_on"] if d.startswith("tfs-")] == list(served)
    # every other service, and the rest of inference's, exactly as before
    others = {k: v for k, v in services(before).items() if not k.startswith("tfs-")}
    assert {k: v for k, v in services(rewritten).items() if not k.startswith("tfs-")}.keys() \
        == others.keys()
    for name, svc in others.items():
        if name != "inference":
            assert services(rewritten)[name] == svc
    kept = {k: v for k, v in before["services"]["inference"].items() if k != "depends_on"}
    kept["environment"] = {k: v for k, v in kept["environment"].items()
                           if k != "INFERENCE_TFSERVING_ADDRESSES"}
    got = {k: v for k, v in inference.items() if k != "depends_on"}
    got["environment"] = {k: v for k, v in got["environment"].items()
                          if k != "INFERENCE_TFSERVING_ADDRESSES"}
    assert got == kept
    assert {k: v for k, v in rewritten.items() if k != "services"} == {
        k: v for k, v in before.items() if k != "services"}



def test_the_preprocessor_takes_every_upload_the_gateway_takes(compose: dict[str, Any]) -> None:
    """The gateway forwards an upload as it is: a preprocessor limit below the gateway's turns a
    documented-size upload into the preprocessor's 413, naming its internal route."""
    assert int_default("preprocessor", "max_upload_bytes") >= int_default(
        "gateway", "max_upload_bytes")
    limits = {name: upload_limit(name, environment(services(compose)[name]))
              for name in ("gateway", "preprocessor")}
    assert limits["preprocessor"] >= limits["gateway"]
